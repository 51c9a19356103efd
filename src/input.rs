//! Strict reading of input text, shared by every loader.
//!
//! - [`read_bytes`]: inputs are regular files (a symlink to one is followed); a FIFO, a
//!   device, a socket or a folder is refused with a hint **before** it is opened (opening a
//!   FIFO for reading would block until a writer comes), and a file larger than
//!   [`MAX_INPUT_BYTES`] is refused (checked on the size before reading, and again while
//!   reading in case the file grows).
//! - [`read_text`] / [`decode_text`]: a UTF-8 byte-order mark (Excel writes one) is accepted and
//!   dropped; bytes that are not UTF-8 are an error naming the line and byte offset of the first
//!   bad byte, with the likely cause (a Latin-1 / Windows-1252 or UTF-16 file).
//! - [`parse_json`] / [`check_duplicate_keys`]: JSON objects must not repeat a key. serde_json
//!   keeps the last of two equal keys silently; JSON readers disagree on which one wins
//!   (RFC 8259 §4), so a repeated key is an error naming both positions.
//! - [`check_text`]: ids and names must not contain control characters (they break text
//!   tables, CSV and XML).

use crate::error::{Error, Location, Result};
use std::collections::HashMap;
use std::path::Path;

/// Largest input file, bytes (1 GiB; the largest public dataset file is about 4 MB).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// What a non-regular file is, for errors.
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Checks that `path` is a regular file (following symlinks) of at most [`MAX_INPUT_BYTES`],
/// without opening it.
pub fn check_input(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    if !meta.is_file() {
        return Err(Error::usage(
            format!(
                "{}: is {}, not a regular file: inputs are read from regular files only",
                path.display(),
                kind_of(meta.file_type())
            ),
            "save the data to a file and give its path (pipes, devices and process substitution are not read)",
        ));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big(path, meta.len()));
    }
    Ok(())
}

fn too_big(path: &Path, len: u64) -> Error {
    Error::usage(
        format!(
            "{}: {len} bytes, more than the {MAX_INPUT_BYTES} bytes (1 GiB) an input may have",
            path.display()
        ),
        "check that this is the right file; inputs are tables of at most a few million records",
    )
}

/// Reads a whole regular file (see [`check_input`]), at most [`MAX_INPUT_BYTES`].
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    check_input(path)?;
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::read(path, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(path, bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a whole regular file (see [`read_bytes`]) as text: see [`decode_text`].
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    decode_text(&path.display().to_string(), bytes)
}

/// Decodes file bytes as UTF-8, dropping a leading byte-order mark; `label` names the file in
/// errors. Invalid UTF-8 is an [`Error::Parse`] with the line and byte offset of the first bad
/// byte.
pub fn decode_text(label: &str, bytes: Vec<u8>) -> Result<String> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let bad = bytes[offset];
            let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
            let hint = if utf16 {
                "the file looks like UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8"
            } else {
                "the file is probably Latin-1 / Windows-1252 (e.g. saved by an old spreadsheet): save it as UTF-8"
            };
            Err(Error::Parse {
                at: Location::file(label).record(format!("line {line}, byte offset {offset}")),
                message: format!("not UTF-8 text: byte 0x{bad:02X} is not valid UTF-8 here"),
                hint: hint.into(),
            })
        }
    }
}

/// 1-based (line, column in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(0);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Parses JSON text strictly: a syntax error or a repeated key in any object is an
/// [`Error::Parse`] naming `label` and the position(s); `hint` is attached to syntax errors.
pub fn parse_json(label: &str, text: &str, hint: &str) -> Result<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Parse {
        at: Location::file(label).record(format!("line {}, column {}", e.line(), e.column())),
        message: e.to_string(),
        hint: match e.classify() {
            serde_json::error::Category::Eof => {
                "the file ends early (truncated?): check that every `{`, `[` and `\"` is closed"
                    .to_string()
            }
            _ => hint.to_string(),
        },
    })?;
    check_duplicate_keys(label, text)?;
    Ok(value)
}

/// Fails on the first object in `text` that repeats a key, naming both positions. `text` must
/// be syntactically valid JSON (parse it with serde_json first); on invalid JSON the scan
/// stops silently at the first token it does not understand.
pub fn check_duplicate_keys(label: &str, text: &str) -> Result<()> {
    // A key scanner over valid JSON: a stack of open containers; for objects, the keys seen so
    // far (with their byte offsets) and whether the next string is a key.
    enum Frame {
        Object {
            keys: HashMap<String, usize>,
            expect_key: bool,
        },
        Array,
    }
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => stack.push(Frame::Object {
                keys: HashMap::new(),
                expect_key: true,
            }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => {
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = true;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(b.len());
                if let Some(Frame::Object { keys, expect_key }) = stack.last_mut() {
                    if *expect_key {
                        *expect_key = false;
                        let raw = text.get(start..end).unwrap_or("");
                        let key: String = serde_json::from_str(raw).unwrap_or_default();
                        if let Some(&first) = keys.get(&key) {
                            let (l1, c1) = line_column(text, first);
                            let (l2, c2) = line_column(text, start);
                            return Err(Error::Parse {
                                at: Location::file(label)
                                    .record(format!("line {l2}, column {c2}"))
                                    .field(key.clone()),
                                message: format!(
                                    "duplicate key \"{}\": first at line {l1}, column {c1}, again at line {l2}, column {c2}",
                                    key.escape_debug()
                                ),
                                hint: "keep one of the two (JSON readers disagree on which one wins)"
                                    .into(),
                            });
                        }
                        keys.insert(key, start);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The first control character in `s` (Unicode category Cc: U+0000–U+001F, U+007F–U+009F), with
/// its character index.
pub fn control_char(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| c.is_control())
}

/// Checks an id or name for control characters: `None` if clean, else the text of the
/// "found" part of an issue (which character, where).
pub fn check_text(s: &str) -> Option<String> {
    control_char(s).map(|(k, c)| {
        format!(
            "{:?} with control character U+{:04X} at character {}",
            s,
            u32::from(c),
            k + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped_and_latin1_is_located() {
        assert_eq!(decode_text("f", b"\xEF\xBB\xBFab".to_vec()).unwrap(), "ab");
        let e = decode_text("f.csv", b"a,b\nc,\xE9t\xE9\n".to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("f.csv") && e.contains("line 2, byte offset 6"),
            "{e}"
        );
        assert!(e.contains("0xE9") && e.contains("Latin-1"), "{e}");
    }

    #[test]
    fn duplicate_keys_name_both_positions() {
        let text = "{\n  \"a\": 1,\n  \"b\": {\"a\": [1, {\"x\": \"}\"}]},\n  \"a\": 2\n}";
        let e = parse_json("d.json", text, "").unwrap_err().to_string();
        assert!(e.contains("duplicate key \"a\""), "{e}");
        assert!(
            e.contains("line 2, column 3") && e.contains("line 4, column 3"),
            "{e}"
        );
        // Same key in different objects, escaped quotes and keys in strings are fine.
        let ok = r#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}], "c": "\"a\": 1", "\"a": 3}"#;
        parse_json("d.json", ok, "").unwrap();
        // Escapes are decoded: "\u0061" is "a".
        let e = parse_json("d.json", r#"{"a": 1, "\u0061": 2}"#, "").unwrap_err();
        assert!(e.to_string().contains("duplicate key"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_folders_and_fifos_are_refused_without_opening() {
        let e = read_text(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("/dev/zero: is a character device"), "{e}");
        assert!(e.contains("hint:"), "{e}");
        let dir = std::env::temp_dir();
        let e = read_text(&dir).unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
    }

    #[test]
    fn control_characters_are_found() {
        assert!(check_text("Tokyo").is_none());
        assert!(check_text("東京").is_none());
        let f = check_text("Tok\u{1b}yo").unwrap();
        assert!(f.contains("U+001B") && f.contains("character 4"), "{f}");
    }
}

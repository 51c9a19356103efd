//! Safe output files: checked before any expensive work, written as a set after the run
//! succeeded, each atomically (temporary sibling file, then rename), never replacing anything
//! but a regular file.
//!
//! The rules (README "Exit codes and outputs"):
//! - **Only regular files are replaced.** A path naming a directory, a device (`/dev/null`), a
//!   socket or a FIFO is an error; so is a path whose folder does not exist or is not writable.
//! - **Symlinks are written through** to their target, as editors do: the link stays a link and
//!   the file it points to gets the new content (its folder holds the temporary file). A
//!   dangling link (no target) is an error.
//! - **An existing file keeps its permissions**; a read-only file is an error (never silently
//!   overwritten).
//! - **Extensions must match** the output's kind (`.json`, `.geojson`, `.svg`, case-insensitive).
//! - **Distinct paths**: two outputs naming the same file (after resolving `.`/`..` and links)
//!   are an error.
//! - **As a set**: [`write_set`] writes every temporary file first and renames only when all
//!   were written, so a failing output leaves none of the others behind.
//! - **Interrupted runs leave nothing**: every live temporary file is in a registry that
//!   [`remove_temporaries`] empties; the binary calls it on SIGINT, SIGTERM and SIGHUP.
//! - **The renames are all-or-nothing under signals**: [`write_set`] holds the registry's lock
//!   for its whole rename sequence, and the signal handler takes that lock first, so a
//!   SIGINT/SIGTERM/SIGHUP during the renames waits for them (microseconds) and exits after the
//!   set is complete; before the renames it removes the temporaries and no target changes.
//!   (A rename refused by the file system midway, e.g. the folder made read-only during the
//!   run, can still leave the first files renamed; the error names the file.)
//! - **Output folders** (`--fgb DIR`, `sweep --out DIR`): checked before any work like their
//!   files ([`check_output_dir`]); a new folder is created only when the outputs are written
//!   ([`create_output_dir`]), tolerating a concurrent run creating it at the same moment, and
//!   removed again if the write fails or the run is interrupted (it is in the registry).

use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary files that exist right now (created, not yet renamed or removed).
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn live() -> std::sync::MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Output folders this run created and has not yet filled (removed on interruption).
static LIVE_DIRS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn live_dirs() -> std::sync::MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE_DIRS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every live temporary file and returns how many were removed. Meant for a signal
/// handler: the registry stays locked afterwards (the returned guard), so no new temporary
/// file can be created before the process exits.
pub fn remove_temporaries() -> (usize, std::sync::MutexGuard<'static, BTreeSet<PathBuf>>) {
    let mut guard = live();
    let mut n = 0;
    for p in guard.iter() {
        if std::fs::remove_file(p).is_ok() {
            n += 1;
        }
    }
    guard.clear();
    for d in live_dirs().iter() {
        // Only an empty folder is removed: its temporaries are gone by now.
        let _ = std::fs::remove_dir(d);
    }
    (n, guard)
}

/// A new output folder this run created: removed (if still empty) when dropped unless
/// [`DirGuard::keep`] was called.
#[derive(Debug)]
pub struct DirGuard {
    path: PathBuf,
    created: bool,
}

impl DirGuard {
    /// The outputs were written: keep the folder.
    pub fn keep(mut self) {
        if self.created {
            live_dirs().remove(&self.path);
        }
        self.created = false;
    }
}

impl Drop for DirGuard {
    fn drop(&mut self) {
        if self.created {
            let _ = std::fs::remove_dir(&self.path);
            live_dirs().remove(&self.path);
        }
    }
}

/// Creates the output folder `dir` (its parent must exist) unless it exists: a folder that a
/// concurrent run created meanwhile is fine. The returned guard removes a folder created here
/// if it is dropped before [`DirGuard::keep`] (a failed write), and the signal handler removes
/// it on an interruption.
pub fn create_output_dir(flag: &str, dir: &Path) -> Result<DirGuard> {
    let _reg = live();
    match std::fs::create_dir(dir) {
        Ok(()) => {
            live_dirs().insert(dir.to_path_buf());
            Ok(DirGuard {
                path: dir.to_path_buf(),
                created: true,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(DirGuard {
            path: dir.to_path_buf(),
            created: false,
        }),
        Err(e) => Err(Error::Io {
            path: dir.to_path_buf(),
            action: "creating the output folder",
            source: e,
            hint: format!("{flag}: give a folder whose parent exists and is writable"),
        }),
    }
}

/// An output folder checked by [`check_output_dir`].
#[derive(Debug, Clone)]
pub struct OutputDir {
    /// The option that named it.
    pub flag: String,
    /// The folder.
    pub dir: PathBuf,
    /// Its files, checked, when the folder exists (`None`: created at write time).
    pub files: Option<Vec<OutputPath>>,
}

/// Checks an output folder and the files `names` in it before any work: an existing folder
/// (or a symlink to one) has each file checked by [`check_output`]; a new one must be
/// creatable (its parent exists and takes new entries).
pub fn check_output_dir(flag: &str, dir: &Path, names: &[&str]) -> Result<OutputDir> {
    let files = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Some(
            names
                .iter()
                .map(|n| check_output(flag, &dir.join(n), &[]))
                .collect::<Result<Vec<_>>>()?,
        ),
        Ok(m) => {
            return Err(refuse(
                flag,
                dir,
                format!("is {}, not a folder", kind(&m.file_type())),
                "give a new or existing folder",
            ))
        }
        Err(_) => {
            check_output(flag, dir, &[])?;
            None
        }
    };
    Ok(OutputDir {
        flag: flag.to_string(),
        dir: dir.to_path_buf(),
        files,
    })
}

impl OutputDir {
    /// Writes `contents` (file name, bytes) into the folder as one set ([`write_set`]),
    /// creating the folder first if it is new ([`create_output_dir`]; removed again if the
    /// write fails).
    pub fn write(&self, contents: &[(&str, Vec<u8>)]) -> Result<()> {
        let guard = create_output_dir(&self.flag, &self.dir)?;
        let set = contents
            .iter()
            .map(|(name, bytes)| {
                check_output(&self.flag, &self.dir.join(name), &[]).map(|o| (o, bytes.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        write_set(&set)?;
        guard.keep();
        Ok(())
    }
}

/// The live temporary files (for tests and diagnostics).
pub fn live_temporaries() -> Vec<PathBuf> {
    live().iter().cloned().collect()
}

/// An output file checked by [`check_output`]: where the bytes will go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPath {
    /// The option that named it (`--report`), for messages.
    pub flag: String,
    /// The path as the user gave it.
    pub path: PathBuf,
    /// The file actually written: the canonical path (symlinks resolved), also for a new file
    /// (its canonical folder joined with its name).
    pub target: PathBuf,
    /// The existing file's permissions, kept by the new content (`None` for a new file).
    pub permissions: Option<std::fs::Permissions>,
}

fn refuse(flag: &str, path: &Path, message: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::usage(
        format!("{flag} {}: {}", path.display(), message.into()),
        hint.into(),
    )
}

/// What kind of file this is, in words, for a refusal.
fn kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Checks one output path before any work is done (see the module documentation for the
/// rules). `extensions` lists the allowed extensions without the dot (empty: any).
pub fn check_output(flag: &str, path: &Path, extensions: &[&str]) -> Result<OutputPath> {
    let name = path.file_name().ok_or_else(|| {
        refuse(
            flag,
            path,
            "names no file",
            "give a file path, e.g. out/report.json",
        )
    })?;
    if !extensions.is_empty() {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if !extensions.contains(&ext.as_str()) {
            return Err(refuse(
                flag,
                path,
                format!("expected a file ending in .{}", extensions.join(" or .")),
                format!("name the file e.g. answer.{}", extensions[0]),
            ));
        }
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            // Written through to the target, which must exist and be a regular file.
            std::fs::canonicalize(path).map_err(|e| {
                refuse(
                    flag,
                    path,
                    format!("a symbolic link whose target cannot be resolved ({e})"),
                    "point the link at an existing file, or remove the link",
                )
            })?
        }
        Ok(_) => std::fs::canonicalize(path).map_err(|e| Error::write(path, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let dir = std::fs::canonicalize(&dir).map_err(|_| {
                refuse(
                    flag,
                    path,
                    format!("the folder {} does not exist", dir.display()),
                    format!("create it first (mkdir -p {})", dir.display()),
                )
            })?;
            if !dir.is_dir() {
                return Err(refuse(
                    flag,
                    path,
                    format!("{} is not a folder", dir.display()),
                    "give a path inside an existing folder",
                ));
            }
            dir.join(name)
        }
        Err(e) => return Err(Error::write(path, e)),
    };
    let permissions = match std::fs::metadata(&target) {
        Ok(meta) => {
            if !meta.file_type().is_file() {
                return Err(refuse(
                    flag,
                    path,
                    format!(
                        "is {}; sitefind only replaces regular files",
                        kind(&meta.file_type())
                    ),
                    "give the path of a new or existing regular file",
                ));
            }
            if meta.permissions().readonly() {
                return Err(refuse(
                    flag,
                    path,
                    "is read-only; sitefind does not overwrite read-only files",
                    "make it writable (chmod u+w) or choose another path",
                ));
            }
            Some(meta.permissions())
        }
        Err(_) => None,
    };
    // The folder must take a new file (the temporary): probe it.
    let dir = target.parent().unwrap_or(Path::new("."));
    let probe = temporary_name(&target, "probe");
    match create_temporary(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            live().remove(&probe);
        }
        Err(e) => {
            return Err(refuse(
                flag,
                path,
                format!("cannot create a file in {} ({e})", dir.display()),
                "choose a writable folder",
            ))
        }
    }
    Ok(OutputPath {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        target,
        permissions,
    })
}

/// Fails when two outputs name the same file (compared after resolving links, `.` and `..`).
pub fn check_distinct(outputs: &[OutputPath]) -> Result<()> {
    for (k, a) in outputs.iter().enumerate() {
        if let Some(b) = outputs[..k].iter().find(|b| b.target == a.target) {
            return Err(Error::usage(
                format!(
                    "{} {} and {} {} name the same file ({})",
                    b.flag,
                    b.path.display(),
                    a.flag,
                    a.path.display(),
                    a.target.display()
                ),
                "give each output its own file",
            ));
        }
    }
    Ok(())
}

/// Creates a new temporary file at `path` (which must not exist) and registers it, under the
/// registry's lock, for [`remove_temporaries`]. The caller renames or removes it and then
/// unregisters it.
pub fn create_temporary(path: &Path) -> std::io::Result<std::fs::File> {
    let mut reg = live();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    reg.insert(path.to_path_buf());
    Ok(f)
}

fn temporary_name(target: &Path, what: &str) -> PathBuf {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    dir.join(format!(".{name}.{}.{what}", std::process::id()))
}

/// Writes every output as a set: all temporary files first (same folder as each target,
/// permissions of the file they replace), then the renames. On an error before the renames,
/// every temporary file is removed and no target is touched. Each output is checked again
/// (with [`check_output`]'s rules) right before writing.
pub fn write_set(outputs: &[(OutputPath, Vec<u8>)]) -> Result<()> {
    // Re-check: the file system may have changed during the run.
    let mut checked = Vec::with_capacity(outputs.len());
    for (o, _) in outputs {
        checked.push(check_output(&o.flag, &o.path, &[])?);
    }
    check_distinct(&checked)?;
    let mut temps: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<()> {
        for (o, (_, bytes)) in checked.iter().zip(outputs) {
            let tmp = temporary_name(&o.target, "tmp");
            let mut f = create_temporary(&tmp).map_err(|e| Error::write(&o.path, e))?;
            temps.push(tmp.clone());
            f.write_all(bytes).map_err(|e| Error::write(&o.path, e))?;
            if let Some(p) = &o.permissions {
                f.set_permissions(p.clone())
                    .map_err(|e| Error::write(&o.path, e))?;
            }
            f.sync_all().map_err(|e| Error::write(&o.path, e))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let mut reg = live();
        for t in &temps {
            let _ = std::fs::remove_file(t);
            reg.remove(t);
        }
        return Err(e);
    }
    // The whole rename sequence under the registry's lock: a signal handler waits for it.
    let mut reg = live();
    for (k, (o, tmp)) in checked.iter().zip(&temps).enumerate() {
        let renamed = std::fs::rename(tmp, &o.target);
        reg.remove(tmp);
        if let Err(e) = renamed {
            for t in &temps[k..] {
                let _ = std::fs::remove_file(t);
                reg.remove(t);
            }
            return Err(Error::write(&o.path, e));
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically (temporary sibling file + rename) under the rules of
/// the module documentation: one output of [`write_set`].
///
/// On any error the temporary file is removed and `path` is left untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let o = check_output("output", path, &[])?;
    write_set(&[(o, bytes.to_vec())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("a.json");
        let err = write_atomic(&p, b"x").unwrap_err();
        assert!(err.to_string().contains("hint"));
        assert!(!p.exists());
    }

    #[test]
    fn extension_and_directory_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_output("--map", &dir.path().join("a.png"), &["svg"]).unwrap_err();
        assert!(e.to_string().contains(".svg"), "{e}");
        std::fs::create_dir(dir.path().join("d.json")).unwrap();
        let e = check_output("--report", &dir.path().join("d.json"), &["json"]).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }
}

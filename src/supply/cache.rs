//! The on-disk cache of supply portfolios: one file per (zone, every input its portfolio
//! reads), so a run whose inputs did not change skips the profile synthesis and the optimiser.
//!
//! * **Where**: `$XDG_CACHE_HOME/sitefind/supply-v1/` (an absolute `XDG_CACHE_HOME`), else
//!   `$HOME/.cache/sitefind/supply-v1/` ([`default_root`]). The library never uses it unless
//!   told to ([`crate::scenario::SupplyParams::cache_dir`]); the CLI sets it for `solve` and
//!   `supply` unless `--no-cache` is given. `sitefind cache path` prints the folder and
//!   `sitefind cache clear` empties it ([`clear`]).
//! * **Key** ([`Key`]): a 128-bit SipHash-1-3 ([`Digest`]) of the code version (the package
//!   version and the source text of the supply stage, the scenario and the geodesy it uses), the
//!   dataset's content (every zone record and every trace value, [`dataset_digest`]), the zone,
//!   every supply parameter, the discount rate, whether the zone is priced as offshore, its
//!   region and grid price, and the CFE target. Any change of any of them is a miss.
//! * **Entries** are written atomically (a temporary sibling, then a rename: a reader sees the
//!   old entry, the new one, or none; two processes writing the same entry leave one of the two
//!   valid files) and only when the portfolio survives a JSON round trip unchanged. An entry
//!   starts with a header naming the format, its key, its payload's length and the payload's
//!   digest; an entry that is too large, truncated, tampered with (digest), written for
//!   another key (foreign) or that does not parse is **ignored** and rewritten after the
//!   portfolio is recomputed: never trusted.
//! * **Bounded**: at most [`MAX_ENTRIES`] entries and [`MAX_TOTAL_BYTES`]; past either, the
//!   oldest-written entries are removed (down to three quarters of the bound). Temporary files
//!   left by a killed writer are removed after [`STALE_TEMP_S`].
//!
//! Entries are not fsynced: after a power loss an entry may be empty or truncated, which its
//! digest detects.

use super::Portfolio;
use crate::data::Dataset;
use crate::error::{Error, Result};
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// First line of every entry (format and version).
pub const FORMAT: &str = "sitefind-supply-cache 1";
/// Sub-folder of the cache root holding the portfolio entries.
pub const SUBDIR: &str = "supply-v1";
/// Largest entry read, bytes (a portfolio is about 2 KB).
pub const MAX_ENTRY_BYTES: u64 = 1 << 20;
/// Most entries kept.
pub const MAX_ENTRIES: usize = 4096;
/// Most bytes kept in entries.
pub const MAX_TOTAL_BYTES: u64 = 32 << 20;
/// Age after which a temporary file is taken for one left by a killed writer, seconds.
pub const STALE_TEMP_S: u64 = 600;

/// A 128-bit digest (SipHash-1-3 with fixed keys: stable across builds and platforms).
#[derive(Clone)]
pub struct Digest(SipHasher13);

impl Default for Digest {
    fn default() -> Self {
        Digest(SipHasher13::new_with_keys(
            0x7369_7465_6669_6e64,
            0x7375_7070_6c79_0001,
        ))
    }
}

impl Digest {
    /// Adds bytes, prefixed with their length (so `("ab", "c")` and `("a", "bc")` differ).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.write_u64(b.len() as u64);
        self.0.write(b);
        self
    }

    /// Adds a string (length-prefixed).
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// Adds a number by its bits.
    pub fn f64(&mut self, x: f64) -> &mut Self {
        self.0.write_u64(x.to_bits());
        self
    }

    /// Adds an integer.
    pub fn u64(&mut self, x: u64) -> &mut Self {
        self.0.write_u64(x);
        self
    }

    /// Adds numbers by their bits, in blocks (length-prefixed).
    pub fn f64s(&mut self, v: &[f64]) -> &mut Self {
        self.0.write_u64(v.len() as u64);
        let mut buf = [0u8; 8 * 512];
        for chunk in v.chunks(512) {
            for (k, x) in chunk.iter().enumerate() {
                buf[8 * k..8 * k + 8].copy_from_slice(&x.to_le_bytes());
            }
            self.0.write(&buf[..8 * chunk.len()]);
        }
        self
    }

    /// The digest.
    pub fn finish(&self) -> u128 {
        self.0.finish128().into()
    }
}

/// The digest of the code that computes a portfolio: the package version and the source text
/// of the supply stage and of what it calls (scenario costs, geodesy, trace layout).
pub fn code_digest() -> u128 {
    static D: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    *D.get_or_init(|| {
        let mut d = Digest::default();
        d.str(env!("CARGO_PKG_VERSION"));
        for text in [
            include_str!("mod.rs"),
            include_str!("cache.rs"),
            include_str!("cutting.rs"),
            include_str!("dispatch.rs"),
            include_str!("flex.rs"),
            include_str!("optimise.rs"),
            include_str!("regional.rs"),
            include_str!("regions.rs"),
            include_str!("solar.rs"),
            include_str!("synth.rs"),
            include_str!("../scenario.rs"),
            include_str!("../spatial/geodesy.rs"),
            include_str!("../data/traces.rs"),
        ] {
            d.str(text);
        }
        d.finish()
    })
}

/// The digest of everything in a dataset a zone's profile can read: every zone record (donors
/// are searched among all of them) and every trace (its identity, project and site, which set
/// the donor blend's weights, and every value).
pub fn dataset_digest(ds: &Dataset) -> u128 {
    let mut d = Digest::default();
    d.u64(ds.zones.len() as u64);
    for z in &ds.zones {
        d.str(&format!("{z:?}"));
    }
    d.u64(ds.traces.len() as u64);
    for t in &ds.traces {
        d.str(&t.source)
            .str(&t.zone_id)
            .str(&t.zone_name)
            .str(&t.technology)
            .u64(u64::from(t.reference_year))
            .str(&format!("{:?}", t.first_day))
            // A project trace's name and site (its site sets the donor blend's weights).
            .str(&format!("{:?} {:?}", t.project, t.site))
            .f64s(&t.values);
    }
    d.finish()
}

/// A cache entry's key (see the module documentation for what goes in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub u128);

impl Key {
    /// 32 lowercase hex digits (the entry's file stem).
    pub fn hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// The cache root under the platform cache folder: `$XDG_CACHE_HOME/sitefind` when
/// `XDG_CACHE_HOME` is an absolute path (the XDG base directory rule: relative values are
/// ignored), else `$HOME/.cache/sitefind`; `None` when neither is set.
pub fn default_root() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })?;
    Some(base.join("sitefind"))
}

/// The folder holding the portfolio entries under a cache root.
pub fn entries_dir(root: &Path) -> PathBuf {
    root.join(SUBDIR)
}

fn entry_path(dir: &Path, key: Key) -> PathBuf {
    dir.join(format!("{}.json", key.hex()))
}

fn is_entry_name(name: &str) -> bool {
    name.len() == 37
        && name.ends_with(".json")
        && name[..32]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_temp_name(name: &str) -> bool {
    name.starts_with(".tmp-") && name.ends_with(".part")
}

/// The entry's bytes: header lines, then the portfolio's JSON.
fn encode(key: Key, payload: &[u8]) -> Vec<u8> {
    let digest = Digest::default().bytes(payload).finish();
    let mut out = format!(
        "{FORMAT}\nkey {}\nbytes {}\ndigest {digest:032x}\n",
        key.hex(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The payload of an entry's bytes if the header is ours, names `key`, and the payload has the
/// stated length and digest; else why not.
fn decode(key: Key, bytes: &[u8]) -> std::result::Result<&[u8], &'static str> {
    let mut rest = bytes;
    let mut line = || -> std::result::Result<&str, &'static str> {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("truncated header")?;
        let l = std::str::from_utf8(&rest[..end]).map_err(|_| "header not UTF-8")?;
        rest = &rest[end + 1..];
        Ok(l)
    };
    if line()? != FORMAT {
        return Err("not a sitefind supply cache entry of this format");
    }
    if line()?.strip_prefix("key ") != Some(key.hex().as_str()) {
        return Err("entry written for another key");
    }
    let len: usize = line()?
        .strip_prefix("bytes ")
        .and_then(|n| n.parse().ok())
        .ok_or("bad length line")?;
    let digest = line()?
        .strip_prefix("digest ")
        .and_then(|h| u128::from_str_radix(h, 16).ok())
        .ok_or("bad digest line")?;
    if rest.len() != len {
        return Err("payload length differs (truncated or extended)");
    }
    if Digest::default().bytes(rest).finish() != digest {
        return Err("payload digest differs (corrupt or tampered)");
    }
    Ok(rest)
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// A valid entry.
    Hit(Box<Portfolio>),
    /// No entry.
    Missing,
    /// An entry that is not valid (the reason); it will be rewritten.
    Rejected(&'static str),
}

/// Reads the entry for `key` in `dir` and checks it (header, length, digest, JSON, zone and
/// target); never fails: anything unreadable or wrong is [`Lookup::Rejected`].
pub fn load(dir: &Path, key: Key, zone_id: &str, cfe_target: f64) -> Lookup {
    let path = entry_path(dir, key);
    let Ok(file) = std::fs::File::open(&path) else {
        return Lookup::Missing;
    };
    match file.metadata() {
        Ok(m) if m.is_file() && m.len() <= MAX_ENTRY_BYTES => {}
        _ => return Lookup::Rejected("not a regular file of at most 1 MiB"),
    }
    let mut bytes = Vec::new();
    if file
        .take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return Lookup::Rejected("unreadable");
    }
    let payload = match decode(key, &bytes) {
        Ok(p) => p,
        Err(why) => return Lookup::Rejected(why),
    };
    match serde_json::from_slice::<Portfolio>(payload) {
        Ok(p) if p.zone_id == zone_id && p.cfe_target.to_bits() == cfe_target.to_bits() => {
            Lookup::Hit(Box::new(p))
        }
        Ok(_) => Lookup::Rejected("entry for another zone or target"),
        Err(_) => Lookup::Rejected("payload is not a portfolio"),
    }
}

/// Writes the entry for `key` atomically (unique temporary sibling, then rename). Returns
/// `Ok(false)` without writing when the portfolio does not survive a JSON round trip
/// unchanged (e.g. a NaN), so a hit always returns exactly what was computed.
///
/// # Errors
/// An I/O error ([`Error::write`]) when the folder cannot be created or the file cannot be written.
pub fn store(dir: &Path, key: Key, p: &Portfolio) -> Result<bool> {
    let payload = serde_json::to_vec(p)
        .map_err(|e| Error::Internal(format!("serialising a cache entry: {e}")))?;
    match serde_json::from_slice::<Portfolio>(&payload) {
        Ok(back) if back == *p => {}
        _ => return Ok(false),
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let target = entry_path(dir, key);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".tmp-{}-{}-{}.part",
        key.hex(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&encode(key, &payload)))
        .and_then(|()| std::fs::rename(&tmp, &target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::write(&target, e));
    }
    Ok(true)
}

/// One file in the entries folder: (written, name, bytes, is an entry).
fn listing(dir: &Path) -> Vec<(std::time::SystemTime, String, u64, bool)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| {
        let e = e.ok()?;
        let name = e.file_name().into_string().ok()?;
        let entry = is_entry_name(&name);
        if !entry && !is_temp_name(&name) {
            return None;
        }
        let m = e.metadata().ok()?;
        if !m.is_file() {
            return None;
        }
        Some((m.modified().ok()?, name, m.len(), entry))
    })
    .collect()
}

/// Keeps the folder within [`MAX_ENTRIES`] and [`MAX_TOTAL_BYTES`] (removing the oldest-written
/// entries down to three quarters of each bound) and removes temporary files older than
/// [`STALE_TEMP_S`]. Returns the number of files removed. Files that vanish meanwhile (another
/// process pruning) are skipped.
pub fn prune(dir: &Path) -> usize {
    let now = std::time::SystemTime::now();
    let mut files = listing(dir);
    let mut removed = 0;
    files.retain(|(t, name, _, entry)| {
        let stale = now
            .duration_since(*t)
            .is_ok_and(|age| age.as_secs() > STALE_TEMP_S);
        if !entry && stale && std::fs::remove_file(dir.join(name)).is_ok() {
            removed += 1;
        }
        *entry
    });
    let total: u64 = files.iter().map(|f| f.2).sum();
    if files.len() <= MAX_ENTRIES && total <= MAX_TOTAL_BYTES {
        return removed;
    }
    files.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let (mut n, mut bytes) = (files.len(), total);
    for (_, name, len, _) in &files {
        if n <= MAX_ENTRIES * 3 / 4 && bytes <= MAX_TOTAL_BYTES * 3 / 4 {
            break;
        }
        if std::fs::remove_file(dir.join(name)).is_ok() {
            removed += 1;
        }
        n -= 1;
        bytes = bytes.saturating_sub(*len);
    }
    removed
}

/// Removes every entry and temporary file of the cache under `root` (only files named as
/// entries are touched), then the entries folder and the root if they are left empty.
/// Returns the number of files removed; a missing folder is an empty cache.
///
/// # Errors
/// An I/O error ([`Error::write`]) naming a file that could not be removed.
pub fn clear(root: &Path) -> Result<usize> {
    let dir = entries_dir(root);
    let mut n = 0;
    for (_, name, _, _) in listing(&dir) {
        let path = dir.join(&name);
        match std::fs::remove_file(&path) {
            Ok(()) => n += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::write(&path, e)),
        }
    }
    let _ = std::fs::remove_dir(&dir);
    let _ = std::fs::remove_dir(root);
    Ok(n)
}

/// Entries and bytes in the cache under `root`.
pub fn usage(root: &Path) -> (usize, u64) {
    let files = listing(&entries_dir(root));
    let entries: Vec<_> = files.iter().filter(|f| f.3).collect();
    (entries.len(), entries.iter().map(|f| f.2).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_every_damage() {
        let key = Key(42);
        let good = encode(key, b"{\"a\":1}");
        assert_eq!(decode(key, &good), Ok(&b"{\"a\":1}"[..]));
        assert!(decode(Key(43), &good).is_err(), "foreign key");
        assert!(decode(key, &good[..good.len() - 1]).is_err(), "truncated");
        let mut tampered = good.clone();
        let last = tampered.len() - 2;
        tampered[last] = b'2';
        assert!(decode(key, &tampered).is_err(), "tampered");
        assert!(decode(key, b"").is_err());
        assert!(decode(key, b"sitefind-supply-cache 0\n").is_err());
    }

    #[test]
    fn prune_keeps_the_bound_and_removes_the_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let n = MAX_ENTRIES + 10;
        for k in 0..n {
            std::fs::write(entry_path(dir.path(), Key(k as u128)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("unrelated.txt"), b"kept").unwrap();
        let removed = prune(dir.path());
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(removed, n - MAX_ENTRIES * 3 / 4);
        assert_eq!(left.len(), MAX_ENTRIES * 3 / 4 + 1);
        assert!(left.contains(&"unrelated.txt".to_string()));
        // Written in key order with non-decreasing times (ties by name): the last stays.
        assert!(left.contains(&format!("{}.json", Key(n as u128 - 1).hex())));
        assert!(!left.contains(&format!("{}.json", Key(0).hex())));
        assert_eq!(prune(dir.path()), 0, "within the bound: nothing removed");
    }

    #[test]
    fn names() {
        assert!(is_entry_name(&format!("{}.json", Key(7).hex())));
        assert!(!is_entry_name("README.json"));
        assert!(is_temp_name(".tmp-00-1-2.part"));
    }
}

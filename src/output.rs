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
//! - **A refused rename rolls back**: before the renames each existing target is kept as a
//!   backup (hard link, else copy); a rename the file system refuses midway puts the targets
//!   already renamed back (backup renamed onto them, or the new file removed) so the previous
//!   set stays, and the error names the file and says whether the roll-back succeeded (it can
//!   fail only if the file system refuses that rename too).
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
    let renamed = rename_all(&checked, &temps);
    for t in &temps {
        if renamed.is_err() {
            let _ = std::fs::remove_file(t);
        }
        reg.remove(t);
    }
    renamed
}

/// Renames every temporary file onto its target, all or nothing: each existing target is
/// first kept as a backup (a hard link, else a copy, beside it); if a rename fails, the
/// targets already renamed get their backups back (or are removed when they did not exist
/// before) and the error says whether that roll-back succeeded. The backups are removed at
/// the end. The caller holds the registry's lock and removes the temporaries left.
fn rename_all(checked: &[OutputPath], temps: &[PathBuf]) -> Result<()> {
    let mut backups: Vec<Option<PathBuf>> = Vec::with_capacity(checked.len());
    for o in checked {
        match backup(&o.target) {
            Ok(b) => backups.push(b),
            Err(e) => {
                remove_backups(&backups);
                return Err(Error::write(&o.path, e));
            }
        }
    }
    for (k, (o, tmp)) in checked.iter().zip(temps).enumerate() {
        if let Err(e) = injected_failure(k).and_then(|_| std::fs::rename(tmp, &o.target)) {
            let restored = roll_back(&checked[..k], &backups[..k]);
            remove_backups(&backups);
            let note = match restored {
                Ok(()) => {
                    "the outputs renamed before it were rolled back: every output is as before"
                        .to_string()
                }
                Err(r) => format!("rolling back the outputs renamed before it failed too: {r}"),
            };
            return Err(Error::write(
                &o.path,
                std::io::Error::new(e.kind(), format!("{e}; {note}")),
            ));
        }
    }
    remove_backups(&backups);
    Ok(())
}

/// Keeps the current content of `target` (if it exists) under a sibling backup name: a hard
/// link (the file is not copied), or a copy where the file system has no hard links.
fn backup(target: &Path) -> std::io::Result<Option<PathBuf>> {
    if std::fs::symlink_metadata(target).is_err() {
        return Ok(None);
    }
    let b = temporary_name(target, "bak");
    let _ = std::fs::remove_file(&b);
    if std::fs::hard_link(target, &b).is_err() {
        std::fs::copy(target, &b)?;
    }
    Ok(Some(b))
}

/// Puts back the previous content of the first targets (renamed already): their backups
/// renamed onto them, or the new file removed where there was none.
fn roll_back(renamed: &[OutputPath], backups: &[Option<PathBuf>]) -> std::io::Result<()> {
    let mut first_error = None;
    for (o, b) in renamed.iter().zip(backups) {
        let r = match b {
            Some(b) => std::fs::rename(b, &o.target),
            None => std::fs::remove_file(&o.target),
        };
        if let Err(e) = r {
            first_error.get_or_insert(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", o.target.display()),
            ));
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn remove_backups(backups: &[Option<PathBuf>]) {
    for b in backups.iter().flatten() {
        let _ = std::fs::remove_file(b);
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: the rename of output k (0-based) of the next set fails.
    static FAIL_RENAME_AT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The injected failure of the tests (none outside them).
fn injected_failure(k: usize) -> std::io::Result<()> {
    #[cfg(test)]
    if FAIL_RENAME_AT.with(|f| f.get()) == Some(k) {
        return Err(std::io::Error::other("injected rename failure"));
    }
    let _ = k;
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
    fn a_rename_refused_midway_rolls_back_the_set() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let paths = [d.join("a.json"), d.join("b.json"), d.join("c.json")];
        // a and c exist (a with its own mode, which must survive), b is new.
        std::fs::write(&paths[0], b"old a").unwrap();
        std::fs::write(&paths[2], b"old c").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&paths[0], std::fs::Permissions::from_mode(0o640)).unwrap();
        let set = |tag: &str| -> Vec<(OutputPath, Vec<u8>)> {
            paths
                .iter()
                .map(|p| {
                    let o = check_output("--out", p, &[]).unwrap();
                    (o, format!("{tag} {}", p.display()).into_bytes())
                })
                .collect()
        };
        for at in 0..3 {
            FAIL_RENAME_AT.with(|f| f.set(Some(at)));
            let e = write_set(&set("new")).unwrap_err().to_string();
            FAIL_RENAME_AT.with(|f| f.set(None));
            assert!(e.contains("injected rename failure"), "{e}");
            assert!(e.contains("rolled back"), "{e}");
            assert!(e.contains(&paths[at].display().to_string()), "{e}");
            assert_eq!(std::fs::read(&paths[0]).unwrap(), b"old a");
            assert!(!paths[1].exists());
            assert_eq!(std::fs::read(&paths[2]).unwrap(), b"old c");
            let mode = std::fs::metadata(&paths[0]).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
            // Nothing else left in the folder: no temporary, no backup.
            assert_eq!(std::fs::read_dir(d).unwrap().count(), 2);
        }
        write_set(&set("new")).unwrap();
        for p in &paths {
            assert!(std::fs::read(p).unwrap().starts_with(b"new"));
        }
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 3);
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

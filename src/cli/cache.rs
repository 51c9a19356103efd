//! `sitefind cache path|clear`: where the on-disk supply cache lives, and emptying it
//! (`src/supply/cache.rs`). `--no-cache` on `solve` and `supply` turns it off for one run.

use super::{CacheArgs, CacheCommand};
use sitefind::supply::cache;
use sitefind::{Error, Result};
use std::io::Write;
use std::path::PathBuf;

/// The cache root for a run: the platform cache folder, or `None` with `--no-cache` (or when
/// neither `XDG_CACHE_HOME` nor `HOME` is set: the run is then uncached).
pub fn dir_unless(no_cache: bool) -> Option<PathBuf> {
    if no_cache {
        None
    } else {
        cache::default_root()
    }
}

fn root() -> Result<PathBuf> {
    cache::default_root().ok_or_else(|| {
        Error::usage(
            "no cache folder: neither XDG_CACHE_HOME (absolute) nor HOME is set",
            "set XDG_CACHE_HOME to an absolute folder, or HOME",
        )
    })
}

/// Runs `sitefind cache`.
pub fn run(args: &CacheArgs, out: &mut dyn Write) -> Result<()> {
    let root = root()?;
    let w = |e| Error::write("<stdout>", e);
    match args.command {
        CacheCommand::Path => writeln!(out, "{}", root.display()).map_err(w),
        CacheCommand::Clear => {
            let (entries, bytes) = cache::usage(&root);
            let n = cache::clear(&root)?;
            writeln!(
                out,
                "removed {n} file{} ({entries} portfolio entr{}, {bytes} bytes) from {}",
                if n == 1 { "" } else { "s" },
                if entries == 1 { "y" } else { "ies" },
                root.display()
            )
            .map_err(w)
        }
    }
}

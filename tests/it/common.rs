//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The public datasets folder (`../shared/data`) from `SITEFIND_PUBLIC_DATA`.
///
/// Without the variable the calling test is skipped with a printed reason; when `CI` is set a
/// missing folder fails the test instead of skipping it.
pub fn public_data(test: &str) -> Option<PathBuf> {
    match std::env::var_os("SITEFIND_PUBLIC_DATA") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            assert!(
                dir.is_dir(),
                "SITEFIND_PUBLIC_DATA={} is not a folder",
                dir.display()
            );
            Some(dir)
        }
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: CI is set but SITEFIND_PUBLIC_DATA is not: the public-data tests must run in CI"
            );
            eprintln!("skipped {test}: set SITEFIND_PUBLIC_DATA to the public datasets folder (../shared/data) to run it");
            None
        }
    }
}

/// Path of the built `sitefind` binary.
pub fn sitefind_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sitefind"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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
/// The JSON a sitefind run printed on stdout; fails the test with its stderr when the run
/// did not exit 0.
pub fn json_stdout(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies the embedded dataset (`data/`: every file, and the `traces/` folder the manifest
/// names) into `dst`, so a test can edit one file and load the copy.
pub fn copy_embedded_data(dst: &std::path::Path) {
    let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    for sub in ["", "traces", "traces_projects"] {
        let (from, to) = (src.join(sub), dst.join(sub));
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(&from).unwrap() {
            let f = f.unwrap().path();
            if f.is_file() {
                std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
            }
        }
    }
}

/// Writes `data/public.toml` into `out` with its paths made absolute: `../../shared/data/…`
/// into `public` (the `SITEFIND_PUBLIC_DATA` folder) and sitefind's own tables into this
/// checkout's `data/`. Returns the written manifest's path.
pub fn public_manifest(public: &std::path::Path, out: &std::path::Path) -> PathBuf {
    let data = repo().join("data");
    let mut text = std::fs::read_to_string(data.join("public.toml"))
        .unwrap()
        .replace("../../shared/data/", &format!("{}/", public.display()));
    for own in [
        "regions.csv",
        "grid_groups.csv",
        "region_limits.csv",
        "pops.csv",
        "cable_segments.csv",
    ] {
        text = text.replace(
            &format!("\"{own}\""),
            &format!("\"{}\"", data.join(own).display()),
        );
    }
    let path = out.join("public.toml");
    std::fs::write(&path, text).unwrap();
    path
}

//! Writes the inputs of `benches/scaling.sh` and `benches/compare/run.sh` to a folder:
//! `public.toml` (data/public.toml with absolute paths into `SITEFIND_PUBLIC_DATA`) and
//! `demand_7.json`, `demand_26.json`, `demand_47.json` (the embedded seven metros, the 26
//! Natural Earth cities and the 47 prefectural capitals, in the demand file format).
//!
//! Usage: `cargo bench --bench inputs -- OUT_DIR` (or `SITEFIND_BENCH_INPUTS=OUT_DIR`).
//! Without a folder, or without `SITEFIND_PUBLIC_DATA`, it prints why and does nothing (so
//! `cargo test --benches` passes through it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use std::path::PathBuf;

fn main() {
    let out = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("SITEFIND_BENCH_INPUTS").map(PathBuf::from));
    let Some(out) = out else {
        eprintln!("inputs: no output folder given (cargo bench --bench inputs -- OUT_DIR); nothing written");
        return;
    };
    let Some(public) = common::public_dir("inputs") else {
        return;
    };
    let manifest = common::write_public_manifest(&public, &out);
    eprintln!("wrote {}", manifest.display());
    for n in [7, 26, 47] {
        let d = common::demand(Some(&public), n);
        assert_eq!(d.nodes.len(), n);
        let path = out.join(format!("demand_{n}.json"));
        std::fs::write(&path, common::demand_json(&d)).unwrap();
        // Round trip through the real demand reader.
        let back = sitefind::data::Demand::load(&path).unwrap();
        assert_eq!(back.nodes.len(), n);
        eprintln!("wrote {} ({} nodes)", path.display(), n);
    }
}

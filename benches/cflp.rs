//! Criterion benchmark: solve representative OR-Library CFLP instances (16, 25 and 50
//! facilities × 50 customers) with every compiled-in backend, through the same library entry
//! point as `sitefind cflp`. Reads `SITEFIND_PUBLIC_DATA`; without it the bench is skipped.
//! The full table (all instances, capa–capc with a time limit) is `benches/cflp_table.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use sitefind::benchmark::{read_file, solve_instance};
use sitefind::engine::{available_backends, SolveOptions};
use std::path::PathBuf;

fn bench(c: &mut Criterion) {
    let Some(data) = std::env::var_os("SITEFIND_PUBLIC_DATA") else {
        eprintln!("skipped cflp bench: set SITEFIND_PUBLIC_DATA to the public datasets folder");
        return;
    };
    let dir = PathBuf::from(data).join("orlib-cflp");
    let mut group = c.benchmark_group("cflp");
    group.sample_size(10);
    for name in ["cap41", "cap71", "cap101", "cap131"] {
        let inst = read_file(&dir.join(format!("{name}.txt")), None).unwrap();
        for backend in available_backends() {
            let opts = SolveOptions {
                backend: Some(backend.to_string()),
                time_limit_s: Some(60.0),
                mip_gap: 1e-6,
            };
            group.bench_function(format!("{name}/{backend}"), |b| {
                b.iter(|| solve_instance(&inst, &opts).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

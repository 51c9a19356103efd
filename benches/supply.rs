//! The 24/7 CFE supply model (src/supply/): one dispatch simulation of a design over both
//! reference years (35,040 half-hours), one zone's least-cost portfolio, and all 47 zones'
//! portfolios at the default target (rayon across zones, no cache: profiles are built once
//! outside the timed loop, the searches are timed).
//!
//! `cargo bench --bench supply` (results in BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use rayon::prelude::*;
use sitefind::data::Dataset;
use sitefind::scenario::Scenario;
use sitefind::supply::dispatch::{simulate, Design, Scratch};
use sitefind::supply::{solve_profile, synth};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    let profiles = synth::zone_profiles(&ds, &s.supply);
    let q1 = profiles.iter().find(|p| p.zone_id == "Q1").unwrap();
    let (solar, wind) = (q1.solar.clone().unwrap(), q1.wind.clone().unwrap());
    let mut g = c.benchmark_group("supply");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let d = Design {
        solar_mw: 2.7,
        wind_mw: 1.1,
        battery_mw: 1.0,
        battery_mwh: 8.0,
    };
    let mut sc = Scratch::default();
    g.bench_function("dispatch_q1_35040_half_hours", |b| {
        b.iter(|| black_box(simulate(&solar, &wind, black_box(&d), 0.85, &mut sc)))
    });
    g.bench_function("portfolio_q1_target_0.9", |b| {
        b.iter(|| black_box(solve_profile(&ds, &s, q1, 0.9)))
    });
    g.bench_function("profiles_all_47_zones", |b| {
        b.iter(|| black_box(synth::zone_profiles(&ds, &s.supply)))
    });
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("portfolios_all_47_zones_target_0.9", |b| {
        b.iter(|| {
            let v: Vec<_> = profiles
                .par_iter()
                .map(|p| solve_profile(&ds, &s, p, 0.9))
                .collect();
            black_box(v)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The 24/7 CFE supply model (src/supply/): one dispatch simulation of a design over both
//! reference years (35,040 half-hours), one zone's least-cost portfolio, and all 47 zones'
//! portfolios at the default target (rayon across zones, no cache: profiles are built once
//! outside the timed loop, the searches are timed).
//!
//! `portfolios_all_47_zones_target_0.9` runs the level-bundle optimiser (through
//! `solve_profile`); `..._nelder_mead_reference` the previous search on the same problems, so
//! the two are measured in one window.
//!
//! `cargo bench --bench supply` (results in BENCHMARKS.md and docs/supply-speed.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use rayon::prelude::*;
use sitefind::data::Dataset;
use sitefind::scenario::Scenario;
use sitefind::supply::dispatch::{simulate, Design, Scratch};
use sitefind::supply::optimise::{optimise_nelder_mead, Problem};
use sitefind::supply::{solve_profile, synth, UnitCosts, ZoneProfile};
use std::hint::black_box;
use std::time::Duration;

/// The supply problem of one zone at target 0.9, as `solve_profile` builds it.
fn problem<'a>(ds: &Dataset, s: &Scenario, p: &'a ZoneProfile) -> Problem<'a> {
    let zone = ds.zones.iter().find(|z| z.id == p.zone_id).unwrap();
    let price = ds
        .regions
        .iter()
        .find(|r| r.id == zone.region)
        .map_or(s.cost.default_price_aud_per_mwh, |r| r.price_aud_per_mwh);
    let offshore = s.cost.offshore_zones.contains(&p.zone_id);
    let c = UnitCosts::new(&s.supply, s.cost.discount_rate, offshore);
    Problem {
        solar: p.solar.as_deref(),
        wind: p.wind.as_deref(),
        annualised: [
            c.solar_annualised_aud_per_mw_yr,
            c.wind_annualised_aud_per_mw_yr,
            c.battery_power_annualised_aud_per_mw_yr,
            c.battery_energy_annualised_aud_per_mwh_yr,
        ],
        grid_price_aud_per_mwh: price,
        export_value_aud_per_mwh: s.supply.export_value_aud_per_mwh,
        round_trip_efficiency: s.supply.round_trip_efficiency,
        cfe_target: 0.9,
    }
}

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
    let problems: Vec<Problem<'_>> = profiles.iter().map(|p| problem(&ds, &s, p)).collect();
    g.bench_function(
        "portfolios_all_47_zones_target_0.9_nelder_mead_reference",
        |b| {
            b.iter(|| {
                let v: Vec<_> = problems.par_iter().map(optimise_nelder_mead).collect();
                black_box(v)
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Criterion benchmarks of every pipeline stage, on the embedded dataset and, when
//! `SITEFIND_PUBLIC_DATA` is set, on the full public data (national and per state):
//! load → R-tree index → candidates → latency model + RTT matrix → cost rates → MIP build →
//! solve → report rendering. Demand: the embedded seven Japanese metros.
//!
//! Sample sizes are small (10 samples, ~2 s measurement) so `cargo bench --bench pipeline`
//! finishes in minutes on 2 cores; `cargo test --release --benches` runs each bench once.
//! Solves are benchmarked only where one solve takes about a second or less (the embedded
//! instance and the smaller states); national solve times are in the scaling table
//! (`benches/scaling.sh`), one run each, with a time limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sitefind::candidates;
use sitefind::cost::CostModel;
use sitefind::data::{Dataset, Demand, LonLat};
use sitefind::engine::{solve, SolveOptions};
use sitefind::latency::LatencyModel;
use sitefind::model::build::build;
use sitefind::report::{self, Report};
use sitefind::scenario::Scenario;
use sitefind::spatial::Indexes;
use sitefind::{job, pipeline};
use std::hint::black_box;
use std::time::Duration;

/// (label, regions) of the regional runs on the public data.
const REGIONS: [(&str, &[&str]); 7] = [
    ("national", &[]),
    ("QLD", &["QLD"]),
    ("NSW", &["NSW"]),
    ("VIC", &["VIC"]),
    ("SA", &["SA"]),
    ("TAS", &["TAS"]),
    ("WA", &["WA"]),
];

/// Instances whose solve is benchmarked with criterion (the others take too long to repeat).
const SOLVE_BENCHED: [&str; 4] = ["embedded", "SA", "TAS", "WA"];

struct Instance {
    label: String,
    ds: Dataset,
    scenario: Scenario,
}

fn scenario(regions: &[&str]) -> Scenario {
    let mut s = Scenario::default();
    s.candidates.regions = regions.iter().map(|r| r.to_string()).collect();
    s.solver.time_limit_s = 60.0;
    s
}

fn quiet() -> impl FnMut(&str, f64, &str) {
    |_: &str, _: f64, _: &str| {}
}

fn instances(public: Option<&Dataset>) -> Vec<Instance> {
    let mut v = vec![Instance {
        label: "embedded".into(),
        ds: Dataset::embedded().unwrap(),
        scenario: scenario(&[]),
    }];
    if let Some(ds) = public {
        for (label, regions) in REGIONS {
            v.push(Instance {
                label: label.into(),
                ds: ds.clone(),
                scenario: scenario(regions),
            });
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let demand = Demand::embedded().unwrap();
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let public = common::public_dir("pipeline bench");
    let tmp = tempfile::tempdir().unwrap();
    let manifest = public
        .as_deref()
        .map(|p| common::write_public_manifest(p, tmp.path()));

    // Load and index.
    let mut g = c.benchmark_group("load");
    g.bench_function("embedded", |b| b.iter(|| Dataset::embedded().unwrap()));
    if let Some(m) = &manifest {
        g.bench_function("public", |b| b.iter(|| Dataset::load(m).unwrap()));
    }
    g.finish();
    let public_ds = manifest.as_ref().map(|m| Dataset::load(m).unwrap());
    let insts = instances(public_ds.as_ref());

    let mut g = c.benchmark_group("index");
    for inst in insts.iter().take(2) {
        let name = if inst.label == "embedded" {
            "embedded"
        } else {
            "public"
        };
        g.bench_function(name, |b| b.iter(|| Indexes::build(black_box(&inst.ds))));
    }
    g.finish();

    let mut g = c.benchmark_group("latency_model");
    for inst in insts.iter().take(2) {
        let name = if inst.label == "embedded" {
            "embedded"
        } else {
            "public"
        };
        g.bench_function(name, |b| {
            b.iter(|| LatencyModel::build(&inst.ds, &inst.scenario.latency).unwrap())
        });
    }
    g.finish();

    // Per instance: candidates, RTT matrix, cost rates, model build, solve.
    let mut prepared = Vec::new();
    let mut g = c.benchmark_group("candidates");
    for inst in &insts {
        g.bench_with_input(BenchmarkId::from_parameter(&inst.label), inst, |b, i| {
            b.iter(|| candidates::generate(&i.ds, &i.scenario.candidates).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("rtt_matrix");
    for inst in &insts {
        let lat = LatencyModel::build(&inst.ds, &inst.scenario.latency).unwrap();
        let cands = candidates::generate(&inst.ds, &inst.scenario.candidates).unwrap();
        let sites: Vec<LonLat> = cands.iter().map(|c| c.location).collect();
        g.bench_function(
            BenchmarkId::new(&inst.label, format!("{}x{}", sites.len(), cities.len())),
            |b| b.iter(|| lat.rtt_matrix(black_box(&sites), black_box(&cities))),
        );
        let p = pipeline::prepare(&inst.ds, &demand, &inst.scenario, &lat, &mut quiet());
        prepared.push((inst, cands, p.ok()));
    }
    g.finish();

    let mut g = c.benchmark_group("cost");
    for (inst, cands, _) in &prepared {
        g.bench_function(BenchmarkId::from_parameter(&inst.label), |b| {
            b.iter(|| {
                let m = CostModel::new(&inst.scenario.cost).unwrap();
                cands
                    .iter()
                    .map(|c| m.site_rates(c, candidates::zone_of(&inst.ds, c)))
                    .collect::<Vec<_>>()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("model_build");
    for (inst, _, p) in &prepared {
        let Some(p) = p else {
            eprintln!(
                "{}: no siting problem (no candidate reaches a city)",
                inst.label
            );
            continue;
        };
        let id = format!("{}/{}sites", inst.label, p.problem.sites.len());
        g.bench_function(id, |b| b.iter(|| build(black_box(&p.problem)).unwrap()));
    }
    g.finish();

    let mut g = c.benchmark_group("solve");
    g.measurement_time(Duration::from_secs(5));
    for (inst, _, p) in &prepared {
        let Some(p) = p else { continue };
        if !SOLVE_BENCHED.contains(&inst.label.as_str()) {
            continue;
        }
        for backend in sitefind::engine::available_backends() {
            let opts = SolveOptions {
                backend: Some(backend.to_string()),
                time_limit_s: Some(60.0),
                mip_gap: 1e-6,
            };
            g.bench_function(format!("{}/{backend}", inst.label), |b| {
                b.iter(|| solve(&p.problem, &opts).unwrap())
            });
        }
    }
    g.finish();

    // Report rendering from a full run on the embedded data.
    let out = job::run(&insts[0].ds, &demand, &insts[0].scenario, &mut quiet()).unwrap();
    let r: &Report = &out.report;
    let mut g = c.benchmark_group("report");
    g.bench_function("text", |b| b.iter(|| report::text::render(black_box(r))));
    g.bench_function("json", |b| {
        b.iter(|| serde_json::to_string(black_box(r)).unwrap())
    });
    g.bench_function("geojson", |b| {
        b.iter(|| report::geo::feature_collection(black_box(r)))
    });
    g.bench_function("svg", |b| {
        b.iter(|| {
            report::svg::render(&report::geo::map_scene(
                black_box(r),
                Vec::new(),
                &insts[0].ds,
            ))
        })
    });
    let pricing = sitefind::pricing::price_candidates(
        &insts[0].ds,
        &demand,
        &insts[0].scenario,
        &out.candidates,
        sitefind::pricing::REFERENCE_MW,
    )
    .unwrap();
    let priced = report::layers::PricedCandidates {
        candidates: &out.candidates,
        pricing: &pricing,
    };
    let layers = report::layers::layers(r, &insts[0].ds, Some(priced));
    g.bench_function("gpkg", |b| {
        b.iter(|| report::gpkg::to_bytes(black_box(&layers)).unwrap())
    });
    g.bench_function("fgb", |b| {
        b.iter(|| {
            for l in black_box(&layers) {
                report::fgb::to_bytes(l).unwrap();
            }
        })
    });
    let svg = report::svg::render(&report::geo::map_scene(r, Vec::new(), &insts[0].ds));
    g.bench_function("png", |b| {
        b.iter(|| report::svg::to_png(black_box(&svg)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("end_to_end");
    g.bench_function("embedded", |b| {
        b.iter(|| job::run(&insts[0].ds, &demand, &insts[0].scenario, &mut quiet()).unwrap())
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);

//! Helpers shared by the bench binaries: where the public data is, a manifest of it with
//! absolute paths, and the Japanese demand sets (7, 26 and 47 nodes).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use sitefind::data::public::{japan_demand_from_cities, japan_demand_from_prefectures};
use sitefind::data::{Demand, Workload};
use std::path::{Path, PathBuf};

/// The public datasets folder from `SITEFIND_PUBLIC_DATA`, or `None` (with a printed reason).
pub fn public_dir(bench: &str) -> Option<PathBuf> {
    match std::env::var_os("SITEFIND_PUBLIC_DATA") {
        Some(d) if Path::new(&d).is_dir() => Some(PathBuf::from(d)),
        _ => {
            eprintln!(
                "{bench}: public-data benches skipped: set SITEFIND_PUBLIC_DATA to the public datasets folder"
            );
            None
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `data/public.toml` to `out_dir/public.toml` with every path made absolute: paths under
/// `../../shared/data/` point into `public`, other relative paths into the repo's `data/`.
pub fn write_public_manifest(public: &Path, out_dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("data/public.toml")).unwrap();
    let mut doc: toml::Table = toml::from_str(&text).unwrap();
    fn fix(v: &mut toml::Value, public: &Path) {
        match v {
            toml::Value::String(s) => {
                if let Some(rest) = s.strip_prefix("../../shared/data/") {
                    *s = public.join(rest).display().to_string();
                } else if repo().join("data").join(s.as_str()).is_file() {
                    *s = repo().join("data").join(s.as_str()).display().to_string();
                }
            }
            toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| fix(v, public)),
            toml::Value::Array(a) => a.iter_mut().for_each(|v| fix(v, public)),
            _ => {}
        }
    }
    for (_, v) in doc.iter_mut() {
        fix(v, public);
    }
    std::fs::create_dir_all(out_dir).unwrap();
    let path = out_dir.join("public.toml");
    std::fs::write(&path, toml::to_string(&doc).unwrap()).unwrap();
    path
}

/// Total IT load of the generated demand sets: the embedded demand's total (1,195 MW).
pub fn embedded_total_mw() -> f64 {
    Demand::embedded()
        .unwrap()
        .nodes
        .iter()
        .map(|n| n.it_load_mw)
        .sum()
}

/// RTT limit of the generated 26- and 47-node demand sets, ms.
pub const GENERATED_MAX_RTT_MS: f64 = 150.0;

/// The demand with `n` nodes: 7 = the embedded `data/jp.json`; 26 = Natural Earth cities of
/// ≥ 500k people; 47 = prefectural capitals (both: the embedded total load, 150 ms, training,
/// one site).
pub fn demand(public: Option<&Path>, n: usize) -> Demand {
    match (n, public) {
        (7, _) => Demand::embedded().unwrap(),
        (26, Some(p)) => japan_demand_from_cities(
            &p.join("datacentres/japan_demand_cities_ne.csv"),
            embedded_total_mw(),
            GENERATED_MAX_RTT_MS,
            Workload::Training,
            1,
        )
        .unwrap(),
        (47, Some(p)) => japan_demand_from_prefectures(
            &p.join("datacentres/japan_prefectures_population_2020.csv"),
            embedded_total_mw(),
            GENERATED_MAX_RTT_MS,
            Workload::Training,
            1,
        )
        .unwrap(),
        _ => {
            panic!("no demand set with {n} nodes (7 needs nothing; 26 and 47 need the public data)")
        }
    }
}

/// The demand file format (`data/jp.json`) for `d`.
pub fn demand_json(d: &Demand) -> String {
    let nodes: Vec<serde_json::Value> = d
        .nodes
        .iter()
        .map(|n| {
            serde_json::json!({
                "id": n.id, "name": n.name, "lon": n.location.lon, "lat": n.location.lat,
                "it_load_mw": n.it_load_mw, "max_rtt_ms": n.max_rtt_ms,
                "workload": n.workload.to_string(), "min_sites": n.min_sites,
            })
        })
        .collect();
    let assumption = d
        .assumption
        .clone()
        .unwrap_or_else(|| format!("generated from {} for the benchmarks", d.source));
    serde_json::to_string_pretty(&serde_json::json!({ "assumption": assumption, "demand": nodes }))
        .unwrap()
}

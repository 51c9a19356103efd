//! Decisions under uncertainty: near-optimal alternatives against brute-force enumeration,
//! fixed-plan evaluation and regret, margins; the sweep (rows, determinism, shards, bad input).

use crate::engine::{arb_dominated_problem, arb_problem, fixed_set_lp};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sitefind::decide::alternatives::{alternatives, evaluate_plan, margins, FixedPlan};
use sitefind::engine::SolveOptions;
use sitefind::model::build::pair_allowed;
use sitefind::model::SitingProblem;

fn opts() -> SolveOptions {
    SolveOptions {
        backend: None,
        time_limit_s: Some(120.0),
        mip_gap: 1e-9,
    }
}

/// Every open set of *active* sites (a site that can serve no city is never opened by the
/// model: opening it can only add cost), with its least cost, cheapest first.
fn enumerate_plans(p: &SitingProblem) -> Vec<(f64, Vec<usize>)> {
    let n = p.sites.len();
    let active: Vec<bool> = (0..n)
        .map(|i| {
            !p.sites[i].excluded
                && (p.sites[i].must_build || (0..p.cities.len()).any(|j| pair_allowed(p, i, j)))
        })
        .collect();
    let mut out = Vec::new();
    for mask in 0u32..(1 << n) {
        let open: Vec<bool> = (0..n).map(|i| mask & (1 << i) != 0).collect();
        if open.iter().zip(&active).any(|(&o, &a)| o && !a)
            || p.sites.iter().zip(&open).any(|(s, &o)| s.must_build && !o)
            || p.max_sites
                .is_some_and(|m| open.iter().filter(|o| **o).count() > m)
        {
            continue;
        }
        if let Some(v) = fixed_set_lp(p, &open) {
            out.push((v, (0..n).filter(|&i| open[i]).collect()));
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn check_alternatives(p: &SitingProblem, k: usize, pct: f64) -> Result<(), TestCaseError> {
    check_plans(p, &enumerate_plans(p), k, pct)
}

/// [`alternatives`] of `p` against `all`, every feasible plan with its cost, cheapest first.
fn check_plans(
    p: &SitingProblem,
    all: &[(f64, Vec<usize>)],
    k: usize,
    pct: f64,
) -> Result<(), TestCaseError> {
    let best = all[0].0;
    let cutoff = best * (1.0 + pct / 100.0);
    let expected: Vec<f64> = all
        .iter()
        .map(|x| x.0)
        .filter(|&c| c <= cutoff * (1.0 + 1e-9) + 1e-9)
        .take(k)
        .collect();
    let alts = alternatives(p, k, pct, &opts()).unwrap();
    let got: Vec<f64> = alts.plans.iter().map(|x| x.cost_aud).collect();
    let tol = 1e-6 * best.abs().max(1.0);
    // Same number of plans and the same costs, in order (ties may list different sets).
    prop_assert_eq!(
        got.len(),
        expected.len(),
        "got {:?}, brute force {:?}",
        got,
        expected
    );
    for (g, e) in got.iter().zip(&expected) {
        prop_assert!(
            (g - e).abs() <= tol,
            "got {:?}, brute force {:?}",
            got,
            expected
        );
    }
    // First = optimum; sorted; within the cut-off; distinct open sets; each plan's cost is
    // the brute-force cost of its own set.
    prop_assert!((got[0] - best).abs() <= tol);
    for w in got.windows(2) {
        prop_assert!(w[0] <= w[1] + tol);
    }
    for (plan, c) in alts.plans.iter().zip(&got) {
        prop_assert!(*c <= cutoff + tol);
        let own = all.iter().find(|x| x.1 == plan.open).map(|x| x.0);
        prop_assert!(
            own.is_some_and(|o| (o - c).abs() <= tol),
            "{:?} {:?}",
            plan.open,
            own
        );
    }
    let mut sets: Vec<&Vec<usize>> = alts.plans.iter().map(|x| &x.open).collect();
    sets.sort();
    sets.dedup();
    prop_assert_eq!(sets.len(), alts.plans.len());
    prop_assert_eq!(alts.exhausted, expected.len() < k);
    // Fixed-plan evaluation: the optimum's plan costs the optimum; every plan's regret ≥ 0.
    for (r, plan) in alts.plans.iter().enumerate() {
        let ids: Vec<String> = plan.open.iter().map(|&i| p.sites[i].id.clone()).collect();
        match evaluate_plan(p, &ids, &opts()).unwrap() {
            FixedPlan::Cost(c, _) => {
                prop_assert!(
                    (c - plan.cost_aud).abs() <= tol,
                    "plan {r}: {c} vs {}",
                    plan.cost_aud
                );
                prop_assert!(c - best >= -tol, "regret {} < 0", c - best);
                if r == 0 {
                    prop_assert!((c - best).abs() <= tol);
                }
            }
            FixedPlan::Infeasible(why) => prop_assert!(false, "plan {r} infeasible: {why}"),
        }
    }
    Ok(())
}

#[test]
fn alternatives_match_brute_force_enumeration() {
    let config = Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[21; 32]));
    runner
        .run(&arb_problem(), |p| check_alternatives(&p, 4, 40.0))
        .unwrap();
}

#[test]
fn alternatives_on_the_reduction_for_k_plans_match_brute_force() {
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[23; 32]));
    let reduced = std::cell::Cell::new(0usize);
    runner
        .run(&arb_dominated_problem(), |p| {
            if alternatives(&p, 2, 5.0, &opts())
                .unwrap()
                .dominance_threshold
                .is_some()
            {
                reduced.set(reduced.get() + 1);
            }
            check_alternatives(&p, 2, 5.0)
        })
        .unwrap();
    eprintln!("reduction for K plans applied in {} cases", reduced.get());
    assert!(
        reduced.get() >= 5,
        "the generator should exercise the reduction"
    );
}

/// The plans of a problem with promise rows (separation, flow caps, N−1) and a random cover
/// set, against brute force over every open set (the oracle writes separation out as flow
/// caps on every clique, N−1 as per-scenario flows, and checks the cover set itself): the same
/// costs in order, distinct sets each at its own brute-force cost, and the same exhaustion.
#[test]
fn alternatives_with_promise_rows_and_a_cover_set_match_brute_force() {
    use sitefind::model::CoverSet;
    let arb = crate::promises::arb_promises().prop_flat_map(|p| {
        let ns = p.sites.len();
        let members = prop::collection::vec(prop::bool::weighted(0.6), ns);
        (Just(p), members, 1u32..=2)
    });
    let mut runner = crate::engine::seeded_runner(48, 29);
    let (feasible, limited) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&arb, |(mut p, members, min_open)| {
            let sites: Vec<usize> = (0..p.sites.len())
                .filter(|&i| members[i] && (0..p.cities.len()).any(|j| pair_allowed(&p, i, j)))
                .collect();
            if sites.len() >= min_open as usize {
                p.cover_sets.push(CoverSet {
                    id: "cover".into(),
                    description: "test cover set".into(),
                    sites,
                    min_open,
                });
            }
            let covered = |open: &[usize]| {
                p.cover_sets.iter().all(|c| {
                    c.sites.iter().filter(|i| open.contains(i)).count() >= c.min_open as usize
                })
            };
            let all: Vec<(f64, Vec<usize>)> = enumerate_plans(&crate::promises::explicit(&p))
                .into_iter()
                .filter(|x| covered(&x.1))
                .collect();
            if all.is_empty() {
                prop_assert!(alternatives(&p, 4, 40.0, &opts()).is_err());
                return Ok(());
            }
            feasible.set(feasible.get() + 1);
            if !alternatives(&p, 4, 40.0, &opts()).unwrap().exhausted {
                limited.set(limited.get() + 1);
            }
            check_plans(&p, &all, 4, 40.0)
        })
        .unwrap();
    eprintln!(
        "promises and cover set: {} feasible, {} with more than 4 plans",
        feasible.get(),
        limited.get()
    );
    assert!(feasible.get() >= 20, "too few feasible cases");
}

#[test]
fn margin_is_the_brute_force_best_without_the_site() {
    let config = Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[29; 32]));
    runner
        .run(&arb_problem(), |p| {
            let all = enumerate_plans(&p);
            let best = all[0].0;
            let (_, sol) = sitefind::engine::solve(&p, &opts()).unwrap();
            for (i, m) in margins(&p, &sol, &opts(), 0.0).unwrap() {
                let without = all.iter().find(|x| !x.1.contains(&i)).map(|x| x.0);
                match (without, m.without_site_cost_aud) {
                    (Some(w), Some(c)) => {
                        prop_assert!((w - c).abs() <= 1e-6 * best.max(1.0), "{w} vs {c}");
                        prop_assert!(m.margin_aud.unwrap_or(-1.0) >= -1e-6 * best.max(1.0));
                    }
                    (None, None) => {}
                    (w, c) => prop_assert!(false, "site {i}: brute {w:?} vs margin {c:?}"),
                }
            }
            // A loose margin gap: the brute-force best plan without the site lies between the
            // proven lower bound and the plan found.
            for (i, m) in margins(&p, &sol, &opts(), 0.05).unwrap() {
                let without = all.iter().find(|x| !x.1.contains(&i)).map(|x| x.0);
                if let (Some(w), Some(c), Some(lo)) =
                    (without, m.without_site_cost_aud, m.margin_lower_aud)
                {
                    let tol = 1e-6 * best.max(1.0);
                    prop_assert!(w <= c + tol, "site {i}: brute {w} above the plan found {c}");
                    prop_assert!(
                        best + lo <= w + tol,
                        "site {i}: lower bound {lo} above {w} − {best}"
                    );
                    prop_assert!(lo <= m.margin_aud.unwrap_or(0.0).max(0.0) + tol);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn cli_alternatives_in_json_and_geojson() {
    use serde_json::Value;
    let dir = tempfile::tempdir().unwrap();
    let gj = dir.path().join("alt.geojson");
    let out = std::process::Command::new(crate::common::sitefind_bin())
        .args([
            "--alternatives",
            "3",
            "--within",
            "1",
            "--format",
            "json",
            "-q",
        ])
        .arg("--geojson")
        .arg(&gj)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let plans = r["alternatives"]["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 3);
    let cost = |p: &Value| p["cost_aud_per_yr"].as_f64().unwrap();
    let objective = r["check"]["objective_recomputed"].as_f64().unwrap();
    assert!((cost(&plans[0]) - objective).abs() <= 1e-6 * objective);
    let mut sets = Vec::new();
    for (k, p) in plans.iter().enumerate() {
        assert_eq!(p["plan"].as_u64().unwrap() as usize, k + 1);
        assert!(cost(p) <= objective * 1.01 + 1.0);
        if k > 0 {
            assert!(cost(p) >= cost(&plans[k - 1]) - 1e-6 * objective);
            assert!(!p["added"].as_array().unwrap().is_empty());
        }
        let ids: Vec<String> = p["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        sets.push(ids);
    }
    sets.sort();
    sets.dedup();
    assert_eq!(sets.len(), 3, "distinct site sets");
    // Every chosen site states its margin.
    for s in r["sites"].as_array().unwrap() {
        assert!(s["margin"]["note"].as_str().unwrap().starts_with("margin:"));
        assert!(s["margin"]["margin_pct"].as_f64().unwrap() >= -1e-6);
    }
    let g: Value = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let plans_in_gj: std::collections::BTreeSet<u64> = g["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["plan"].as_u64())
        .collect();
    assert_eq!(plans_in_gj, [1, 2, 3].into_iter().collect());
}

// ---------------------------------------------------------------- sweeps

const SWEEP: &str = r#"[sweep]
samples = 8
seed = 11
alternatives = 2
within_pct = 2
[cost]
capex_aud_per_mw = { dist = "triangular", min = 13e6, mode = 14e6, max = 15e6, base = 14e6 }
site_fixed_aud = { dist = "normal", mean = 25e6, sd = 3e6 }
"#;

fn sitefind(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(crate::common::sitefind_bin())
        .args(args)
        .output()
        .unwrap()
}

fn sweep_run(dir: &std::path::Path, file: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(format!("out{}", extra.join("").replace('/', "_")));
    let mut args: Vec<&std::ffi::OsStr> = vec!["sweep".as_ref(), file.as_os_str(), "-q".as_ref()];
    args.push("--out".as_ref());
    args.push(out.as_os_str());
    for e in extra {
        args.push(e.as_ref());
    }
    let o = sitefind(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn sweep_rows_do_not_depend_on_threads_or_shards() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SWEEP).unwrap();
    let one = sweep_run(dir.path(), &file, &["--threads", "1"]);
    let two = sweep_run(dir.path(), &file, &["--threads", "2"]);
    for f in ["rows.csv", "rows.jsonl", "summary.json", "meta.json"] {
        assert_eq!(
            read(&one.join(f)),
            read(&two.join(f)),
            "{f}: 1 vs 2 threads"
        );
    }
    // Four shards (one of them twice over two threads), merged.
    let shards: Vec<std::path::PathBuf> = (1..=4)
        .map(|i| sweep_run(dir.path(), &file, &["--shard", &format!("{i}/4")]))
        .collect();
    let merged = dir.path().join("merged");
    let mut args: Vec<&std::ffi::OsStr> = vec!["sweep".as_ref(), "merge".as_ref()];
    // Order of the folders does not matter.
    for s in shards.iter().rev() {
        args.push(s.as_os_str());
    }
    args.extend(["--out".as_ref(), merged.as_os_str(), "-q".as_ref()]);
    let o = sitefind(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["rows.csv", "rows.jsonl", "summary.json", "meta.json"] {
        assert_eq!(
            read(&one.join(f)),
            read(&merged.join(f)),
            "{f}: single vs 4 shards merged"
        );
    }

    // The rows: every sample solved; regret ≥ 0; a plan's fixed cost is never below the
    // sample's optimum by more than the solver's gap; the base plan's regret is 0 where the
    // sample's optimum opens the base plan's sites.
    let summary: serde_json::Value =
        serde_json::from_str(&read(&one.join("summary.json"))).unwrap();
    let base_sites: Vec<String> = summary["regret"][0]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let rows: Vec<serde_json::Value> = read(&one.join("rows.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 8);
    for r in &rows {
        let cost = r["cost_aud_per_yr"].as_f64().expect("solved");
        let open: Vec<String> = r["open_sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        for (k, p) in r["plans"].as_array().unwrap().iter().enumerate() {
            let regret = p["regret_aud_per_yr"].as_f64().unwrap();
            let c = p["cost_aud_per_yr"].as_f64().unwrap();
            assert!(
                regret >= 0.0,
                "sample {}: plan {k} regret {regret}",
                r["sample"]
            );
            assert!(c >= cost * (1.0 - 1e-6), "fixed plan below the optimum");
            if k == 0 && open == base_sites {
                assert!(
                    (c - cost).abs() <= 1e-6 * cost,
                    "base plan = optimum: {c} vs {cost}"
                );
            }
        }
    }
    // Site frequencies count the samples' optimal plans.
    let chosen: u64 = summary["site_frequency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["chosen"].as_u64().unwrap())
        .sum();
    let opened: usize = rows
        .iter()
        .map(|r| r["open_sites"].as_array().unwrap().len())
        .sum();
    assert_eq!(chosen as usize, opened);
    assert!(summary["recommendation"]["text"]
        .as_str()
        .unwrap()
        .contains("regret"));
}

#[test]
fn grid_sweep_covers_every_combination() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.toml");
    std::fs::write(
        &file,
        "[sweep]\ndesign = \"grid\"\nalternatives = 1\n[cost]\ncapex_aud_per_mw = [13e6, 15e6]\nsite_fixed_aud = { dist = \"uniform\", min = 20e6, max = 30e6 }\n[model]\nmax_sites = [2, 3]\n",
    )
    .unwrap();
    // A grid over three parameters: 2 × 2 levels (grid_levels = 2 for the uniform) × 2.
    std::fs::write(
        &file,
        read(&file).replace("alternatives = 1\n", "alternatives = 1\ngrid_levels = 2\n"),
    )
    .unwrap();
    let out = sweep_run(dir.path(), &file, &[]);
    let rows: Vec<serde_json::Value> = read(&out.join("rows.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 8);
    let mut combos: Vec<(i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            let v = &r["values"];
            (
                v["cost.capex_aud_per_mw"].as_f64().unwrap() as i64,
                v["cost.site_fixed_aud"].as_f64().unwrap() as i64,
                v["model.max_sites"].as_f64().unwrap() as i64,
            )
        })
        .collect();
    combos.sort();
    combos.dedup();
    assert_eq!(combos.len(), 8);
    // Uniform 20–30 M at quantiles 1/4 and 3/4.
    assert!(combos.iter().any(|c| c.1 == 22_500_000) && combos.iter().any(|c| c.1 == 27_500_000));
    assert!(combos.iter().all(|c| c.2 == 2 || c.2 == 3));
}

/// A sample whose optimum leaves demand unserved says so: `unserved_mw` in its row (CSV and
/// JSON Lines), a count in the summary and a warning on stdout. With a penalty of A$1,000 per
/// MW-year, leaving all 1,195 MW unserved is cheaper than building anything; with the default
/// A$1e9 everything is served.
#[test]
fn sweep_rows_report_unserved_demand() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("u.toml");
    std::fs::write(
        &file,
        "[sweep]\ndesign = \"grid\"\nalternatives = 1\n[model]\nunserved_penalty_aud_per_mw = [1e3, 1e9]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = sitefind(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("WARNING: 1 sample(s) leave demand unserved"),
        "{stdout}"
    );
    let rows: Vec<serde_json::Value> = read(&out.join("rows.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_penalty = |x: f64| {
        rows.iter()
            .find(|r| r["values"]["model.unserved_penalty_aud_per_mw"].as_f64() == Some(x))
            .unwrap()
    };
    let cheap = by_penalty(1e3);
    let demand_mw = 1195.0;
    let u = cheap["unserved_mw"].as_f64().unwrap();
    assert!((u - demand_mw).abs() < 1.0, "unserved {u}");
    assert!(cheap["open_sites"].as_array().unwrap().is_empty());
    // Its cost is the penalty on everything: A$1,000 × 1,195 MW.
    let c = cheap["cost_aud_per_yr"].as_f64().unwrap();
    assert!((c - 1e3 * u).abs() < 1.0, "cost {c}");
    assert_eq!(by_penalty(1e9)["unserved_mw"].as_f64(), Some(0.0));
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).unwrap();
    assert_eq!(summary["samples_with_unserved"], 1);
    let csv = read(&out.join("rows.csv"));
    assert!(
        csv.lines().next().unwrap().contains(",unserved_mw,"),
        "{csv}"
    );
}

#[test]
fn bad_sweep_input_exits_1_naming_the_problem_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 6] = [
        ("unknown-dist", "[sweep]\nsamples = 4\n[cost]\ncapex_aud_per_mw = { dist = \"gamma\", k = 2 }\n", "unknown distribution `gamma`"),
        ("negative-sd", "[sweep]\nsamples = 4\n[cost]\ncapex_aud_per_mw = { dist = \"normal\", mean = 14e6, sd = -1e6 }\n", "sd ≥ 0"),
        ("zero-samples", "[sweep]\nsamples = 0\n[cost]\ncapex_aud_per_mw = { dist = \"uniform\", min = 13e6, max = 15e6 }\n", "samples must be ≥ 1"),
        ("bad-path", "[sweep]\nsamples = 4\n[cost]\ncapex = { dist = \"uniform\", min = 13e6, max = 15e6 }\n", "cost.capex"),
        ("min-max", "[sweep]\nsamples = 4\n[cost]\ncapex_aud_per_mw = { dist = \"uniform\", min = 15e6, max = 13e6 }\n", "min < max"),
        ("no-sweep", "[cost]\ncapex_aud_per_mw = 14e6\n", "no [sweep] table"),
    ];
    for (name, text, want) in cases {
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let o = sitefind(&[
            "sweep".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}.toml")),
            "{name} names the file: {err}"
        );
        assert!(!out.exists(), "{name}: no output");
    }
    // Shard 5 of 4.
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, SWEEP).unwrap();
    let out = dir.path().join("out-shard");
    let o = sitefind(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--shard".as_ref(),
        "5/4".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("shard 5 of 4 does not exist"), "{err}");
    assert!(!out.exists());
    // Merging shards of two different sweeps, and an incomplete set.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, SWEEP.replace("seed = 11", "seed = 12")).unwrap();
    let a = sweep_run(dir.path(), &file, &["--shard", "1/2"]);
    let b_dir = tempfile::tempdir().unwrap();
    let b = sweep_run(b_dir.path(), &other, &["--shard", "2/2"]);
    let merged = dir.path().join("merged");
    let o = sitefind(&[
        "sweep".as_ref(),
        "merge".as_ref(),
        a.as_os_str(),
        b.as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("shards of different sweeps"), "{err}");
    assert!(!merged.exists());
    let o = sitefind(&[
        "sweep".as_ref(),
        "merge".as_ref(),
        a.as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("missing shard(s) 2/2"), "{err}");
    assert!(!merged.exists());
}

#[test]
fn emit_slurm_writes_an_array_and_a_dependent_merge() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SWEEP).unwrap();
    let script = dir.path().join("submit.sh");
    let out = dir.path().join("cluster-out");
    let o = sitefind(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--emit-slurm".as_ref(),
        script.as_os_str(),
        "--shards".as_ref(),
        "4".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = read(&script);
    assert!(s.contains("#SBATCH --array=1-4") && s.contains("--dependency=afterok:$array_id"));
    assert!(s.contains("sweep merge"));
    assert!(!out.exists(), "nothing runs until the script is submitted");
}

#[test]
fn margin_gap_bad_values_are_usage_errors_with_a_hint() {
    for (args, expect) in [
        (
            vec!["--margin-gap", "nan"],
            "margin_gap must be a relative gap in [0, 0.1]",
        ),
        (
            vec!["--margin-gap", "0.5"],
            "margin_gap must be a relative gap in [0, 0.1]",
        ),
        (
            vec!["--margin-gap", "-1e-4"],
            "margin_gap must be a relative gap in [0, 0.1]",
        ),
        (
            vec!["--no-margins", "--margin-gap", "1e-6"],
            "--margin-gap is only used when margins are computed",
        ),
    ] {
        let out = std::process::Command::new(crate::common::sitefind_bin())
            .args(["-q"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(expect) && err.contains("hint:"),
            "{args:?}: {err}"
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: no report on a usage error"
        );
    }
}

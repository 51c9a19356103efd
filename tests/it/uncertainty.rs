//! Decisions under uncertainty: near-optimal alternatives against brute-force enumeration,
//! fixed-plan evaluation and regret, margins; the sweep (rows, determinism, shards, bad input).

use crate::engine::{arb_dominated_problem, arb_problem, fixed_set_lp};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sitefind::alternatives::{alternatives, evaluate_plan, margins, FixedPlan};
use sitefind::model::build::pair_allowed;
use sitefind::model::SitingProblem;
use sitefind::solve::SolveOptions;

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
    let all = enumerate_plans(p);
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
            let (_, sol) = sitefind::solve::solve(&p, &opts()).unwrap();
            for (i, m) in margins(&p, &sol, &opts()).unwrap() {
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
    let cost = |p: &Value| p["cost_aud"].as_f64().unwrap();
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

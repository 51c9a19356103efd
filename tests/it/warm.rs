//! Warm-started re-solves (issue 29 item 3, issue 27's warm start): a re-solve seeded with the
//! base solve's promise rows, Lagrangian multipliers and plan (`engine::warm::Seed`) reaches
//! the brute-force optimum of every margin and every policy relaxation of the problem kind
//! (redundancy, separation, N−1, mineral share, must-build); a seed from another problem
//! (wrong lengths, absurd multipliers, an infeasible plan) is ignored, never trusted; and a
//! scenario relaxation that does not change supply does not recompute it.

use crate::engine::{arb_problem, brute_force, opts, seeded_runner};
use crate::promises::{arb_promises, explicit};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use sitefind::check::check;
use sitefind::decide::alternatives::resolve_seeded;
use sitefind::engine::lagrange::Multipliers;
use sitefind::engine::warm::Seed;
use sitefind::engine::{solve_warm, SolveOptions, SolveSink};
use sitefind::model::{CapacityRow, SitingProblem, Solution};

/// A cold solve of `p` and the seed it hands on (rows, multipliers, plan).
fn base_solve(p: &SitingProblem, o: &SolveOptions) -> Option<(Solution, Seed)> {
    let mut record = |_: &str, _: f64, _: &str| {};
    let mut sink = SolveSink {
        record: &mut record,
        progress: None,
    };
    solve_warm(p, o, &mut sink, &Seed::default())
        .ok()
        .map(|(r, seed)| (r.1, seed))
}

/// `resolve_seeded(q, seed)` agrees with brute force on `q` (every promise written out):
/// the same optimum, a plan the checker accepts, or both infeasible.
fn agrees(
    q: &SitingProblem,
    o: &SolveOptions,
    seed: &Seed,
    what: &str,
) -> Result<(), TestCaseError> {
    let tol = |x: f64| 1e-6 * x.abs().max(1.0);
    match (brute_force(&explicit(q)), resolve_seeded(q, o, seed)) {
        (Some(b), Ok((_, s, _, _))) => {
            let c = check(q, &s);
            prop_assert!(c.feasible, "{what}: {:?}", c.violations);
            prop_assert!(
                (c.objective_recomputed - b).abs() <= tol(b),
                "{what}: seeded {} vs brute force {b}",
                c.objective_recomputed
            );
        }
        (None, Err(_)) => {}
        (b, r) => prop_assert!(false, "{what}: brute {b:?} vs {:?}", r.map(|r| r.0)),
    }
    Ok(())
}

/// The policy relaxations of the problem kind (docs/policy.md), as `decide::policy` makes
/// them: redundancy, separation, N−1, mineral share, must-build.
fn relaxations(p: &SitingProblem) -> Vec<(&'static str, SitingProblem)> {
    let mut out = Vec::new();
    let mut push = |name, f: &dyn Fn(&mut SitingProblem)| {
        let mut q = p.clone();
        f(&mut q);
        out.push((name, q));
    };
    push("redundancy", &|q| {
        q.cities.iter_mut().for_each(|c| c.min_sites = 1);
        q.separation = None;
    });
    push("separation", &|q| q.separation = None);
    push("N−1", &|q| q.contingencies.clear());
    push("mineral share", &|q| {
        q.capacity_rows
            .retain(|r| r.id != sitefind::minerals::ROW_ID)
    });
    push("must-build", &|q| {
        q.sites.iter_mut().for_each(|s| s.must_build = false)
    });
    out
}

/// Adds a co-location row (at least `share` of built MW at the `near` sites), named as the
/// library's, and makes one site must-build.
fn with_mineral_row_and_must_build(
    mut p: SitingProblem,
    near: &[bool],
    share: f64,
    must: usize,
) -> SitingProblem {
    p.capacity_rows.push(CapacityRow {
        id: sitefind::minerals::ROW_ID.into(),
        description: "test share".into(),
        terms: (0..p.sites.len())
            .map(|i| (i, if near[i] { 1.0 - share } else { -share }))
            .collect(),
        min_mw: 0.0,
    });
    let k = must % p.sites.len();
    p.sites[k].must_build = true;
    p
}

fn arb_policy_problem() -> impl Strategy<Value = SitingProblem> {
    arb_promises().prop_flat_map(|p| {
        let n = p.sites.len();
        (
            Just(p),
            prop::collection::vec(prop::bool::weighted(0.5), n),
            0.0..0.6f64,
            0usize..8,
        )
            .prop_map(|(p, near, share, must)| {
                with_mineral_row_and_must_build(p, &near, share, must)
            })
    })
}

/// Every margin (the base plan with the site closed as the incumbent, the base rows and
/// multipliers) and every policy relaxation (the base plan as the incumbent) re-solved from
/// the base seed equals brute force.
#[test]
fn seeded_margins_and_policy_relaxations_equal_brute_force() {
    let mut runner = seeded_runner(40, 26);
    let seeded = std::cell::Cell::new(0usize);
    runner
        .run(&arb_policy_problem(), |p| {
            let o = opts("microlp");
            let Some((best, seed)) = base_solve(&p, &o) else {
                return Ok(());
            };
            if seed.multipliers.is_some() {
                seeded.set(seeded.get() + 1);
            }
            for i in (0..p.sites.len()).filter(|&i| best.open[i] && !p.sites[i].must_build) {
                let mut q = p.clone();
                q.sites[i].excluded = true;
                let mut open = best.open.clone();
                open[i] = false;
                agrees(&q, &o, &seed.with_incumbent(open), &format!("margin {i}"))?;
            }
            for (name, q) in relaxations(&p) {
                agrees(&q, &o, &seed, name)?;
            }
            Ok(())
        })
        .unwrap();
    assert!(
        seeded.get() >= 10,
        "the staged solve should export multipliers ({} cases)",
        seeded.get()
    );
}

/// Seeds from another problem are ignored part by part, never trusted: multipliers and open
/// sets of the wrong length, absurd or non-finite multipliers, and an open set that is
/// infeasible for the problem (every site open against a site budget, only excluded sites)
/// leave the optimum equal to brute force.
#[test]
fn foreign_or_infeasible_seeds_are_ignored() {
    let mut runner = seeded_runner(40, 27);
    runner
        .run(&arb_problem(), |p| {
            let o = opts("microlp");
            let (n, m, z) = (p.sites.len(), p.cities.len(), p.zones.len());
            let mult = |len_s: usize, len_c: usize, x: f64| Multipliers {
                site_zone: vec![x; len_s],
                demand: vec![x; len_c],
                zone: vec![x; z],
                shared: vec![x; 3],
                cover: vec![x; 2],
                flow: vec![x; 2],
            };
            let mut excluded_only = p.clone();
            excluded_only.sites[0].excluded = true;
            let seeds = [
                (
                    "wrong lengths",
                    Some(mult(n + 3, m + 1, 7.0)),
                    Some(vec![true; n + 2]),
                ),
                (
                    "huge multipliers",
                    Some(mult(n, m, 1e12)),
                    Some(vec![true; n]),
                ),
                (
                    "negative multipliers",
                    Some(mult(n, m, -1e6)),
                    Some(vec![false; n]),
                ),
                ("non-finite multipliers", Some(mult(n, m, f64::NAN)), None),
                (
                    "an excluded site open",
                    None,
                    Some((0..n).map(|i| i == 0).collect()),
                ),
            ];
            for (what, multipliers, incumbent) in seeds {
                let seed = Seed {
                    multipliers,
                    incumbent,
                    ..Seed::default()
                };
                agrees(&p, &o, &seed, what)?;
                agrees(&excluded_only, &o, &seed, what)?;
            }
            Ok(())
        })
        .unwrap();
}

/// `Seed::transfer` carries multipliers and the incumbent by id: to a problem with the sites
/// reversed and one dropped, each site keeps its own ρ and open flag, cities their λ; a
/// problem with a city the seed does not know gets a cold demand part (no multipliers).
#[test]
fn seed_transfer_follows_ids() {
    let p = {
        let mut runner = seeded_runner(1, 5);
        let tree = arb_problem()
            .new_tree(&mut runner)
            .map_err(|e| e.to_string())
            .unwrap();
        tree.current()
    };
    let n = p.sites.len();
    let seed = Seed {
        multipliers: Some(Multipliers {
            site_zone: (0..n).map(|i| i as f64).collect(),
            demand: (0..p.cities.len()).map(|j| 100.0 + j as f64).collect(),
            zone: vec![3.0; p.zones.len()],
            shared: Vec::new(),
            cover: Vec::new(),
            flow: Vec::new(),
        }),
        incumbent: Some((0..n).map(|i| i % 2 == 0).collect()),
        ..Seed::default()
    };
    let kept: Vec<usize> = (1..n).rev().collect();
    let mut q = sitefind::engine::reduce::restrict(&p, &(1..n).collect::<Vec<_>>());
    q.sites.reverse();
    q.rtt_ms.reverse();
    q.assign_cost_aud_per_mw.reverse();
    let moved = seed.transfer(&p, &q);
    let m = moved.multipliers.unwrap();
    let inc = moved.incumbent.unwrap();
    for (k, &i) in kept.iter().enumerate() {
        assert_eq!(q.sites[k].id, p.sites[i].id);
        assert_eq!(m.site_zone[k], i as f64);
        assert_eq!(inc[k], i % 2 == 0);
    }
    assert_eq!(m.demand, seed.multipliers.as_ref().unwrap().demand);
    let mut other = q.clone();
    other.cities[0].id = "elsewhere".into();
    assert!(seed.transfer(&p, &other).multipliers.is_none());
    // A seed that does not fit its own problem carries nothing.
    let short = Seed {
        incumbent: Some(vec![true]),
        ..seed.clone()
    };
    if n > 1 {
        assert!(short.transfer(&p, &q).incumbent.is_none());
    }
}

/// The limit-statistic relaxation re-runs the pipeline warm-started from the base run: its
/// supply portfolios come from the process's memo (none computed, every one reused), its
/// promise rows and multipliers carry over by id, and its optimum equals a cold run's.
#[test]
fn limit_statistic_relaxation_reuses_supply_and_matches_a_cold_run() {
    use sitefind::data::{Dataset, Demand};
    use sitefind::progress::NoProgress;
    use sitefind::scenario::{RttStatistic, Scenario};
    let ds = Dataset::embedded().unwrap();
    let demand = Demand::embedded().unwrap();
    let mut s = Scenario::default();
    s.latency.limit_statistic = RttStatistic::P95;
    let base = sitefind::pipeline::run(&ds, &demand, &s, &mut |_, _, _| {}).unwrap();
    assert!(
        base.multipliers.is_some(),
        "the base solve exports its multipliers"
    );
    let mut r = s.clone();
    r.latency.limit_statistic = RttStatistic::P50;
    let seed = base.seed();
    let from = Some((&base.prepared.problem, &seed));
    let warm =
        sitefind::pipeline::run_seeded(&ds, &demand, &r, &mut |_, _, _| {}, &NoProgress, from)
            .unwrap();
    let use_ = &warm.prepared.supply_cache;
    assert_eq!(use_.computed, 0, "{use_:?}");
    assert_eq!(use_.from_memory, base.prepared.portfolios.len(), "{use_:?}");
    let cold = sitefind::pipeline::run(&ds, &demand, &r, &mut |_, _, _| {}).unwrap();
    let cost = |o: &sitefind::outcome::Outcome| {
        check(&o.prepared.problem, &o.solution).objective_recomputed
    };
    let (a, b) = (cost(&warm), cost(&cold));
    assert!((a - b).abs() <= 1e-6 * b, "warm {a} vs cold {b}");
    assert!(
        a <= cost(&base) * (1.0 + 1e-9),
        "P50 relaxes P95: {a} vs {}",
        cost(&base)
    );
}

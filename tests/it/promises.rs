//! The promises in the MIP, against brute force: separation (flow caps on groups of close
//! sites) and N−1 (contingencies whose re-allocation must serve the demand), each optimum equal
//! to the best over every open set with the promise written out independently (per-scenario
//! flows in the oracle, Hall rows generated from minimum cuts in the engine).

use crate::engine::{arb_problem, brute_force, opts, seeded_runner};
use proptest::prelude::*;
use sitefind::check::check;
use sitefind::engine::{available_backends, solve_with_reduction};
use sitefind::model::{Contingency, FlowCap, Separation, SitingProblem};

/// A random problem with one or two contingencies (each losing a random subset of the allowed
/// pairs) and, for cities that want two sites, flow caps on random groups of sites.
fn arb_promises() -> impl Strategy<Value = SitingProblem> {
    arb_problem().prop_flat_map(|p| {
        let (ns, nc) = (p.sites.len(), p.cities.len());
        let lost = prop::collection::vec(
            prop::collection::vec(prop::bool::weighted(0.2), ns * nc),
            1..=2,
        );
        let groups =
            prop::collection::vec(prop::collection::vec(prop::bool::weighted(0.5), ns), nc);
        let shares = prop::collection::vec(prop::sample::select(vec![0.5, 1.0]), 2);
        let close = prop::collection::vec(prop::bool::weighted(0.4), ns * ns);
        (Just(p), lost, groups, shares, close).prop_map(|(mut p, lost, groups, shares, close)| {
            add_contingencies(&mut p, &lost, &shares);
            add_flow_caps(&mut p, &groups);
            add_separation(&mut p, &close);
            p
        })
    })
}

fn add_contingencies(p: &mut SitingProblem, lost: &[Vec<bool>], shares: &[f64]) {
    let nc = p.cities.len();
    for (d, mask) in lost.iter().enumerate() {
        let lost_pairs: Vec<(usize, usize)> = (0..p.sites.len())
            .flat_map(|i| (0..nc).map(move |j| (i, j)))
            .filter(|&(i, j)| mask[i * nc + j] && sitefind::model::build::pair_allowed(p, i, j))
            .collect();
        p.contingencies.push(Contingency {
            id: format!("loss{d}"),
            description: format!("loss {d}"),
            lost_pairs,
            serve_share: shares[d % shares.len()],
        });
    }
}

fn add_flow_caps(p: &mut SitingProblem, groups: &[Vec<bool>]) {
    for (j, members) in groups.iter().enumerate() {
        let c = &p.cities[j];
        let sites: Vec<usize> = (0..members.len()).filter(|&i| members[i]).collect();
        if c.min_sites < 2 || sites.len() < 2 {
            continue;
        }
        p.flow_caps.push(FlowCap {
            id: format!("sep:{j}"),
            description: format!("group of {}", c.id),
            city: j,
            sites,
            max_mw: c.demand_mw / f64::from(c.min_sites),
        });
    }
}

/// A random symmetric closeness graph (`close[a·n + b]` for a < b).
fn add_separation(p: &mut SitingProblem, close: &[bool]) {
    let n = p.sites.len();
    let mut lists = vec![Vec::new(); n];
    for a in 0..n {
        for b in a + 1..n {
            if close[a * n + b] {
                lists[a].push(b);
                lists[b].push(a);
            }
        }
    }
    lists.iter_mut().for_each(|l| l.sort_unstable());
    p.separation = Some(Separation {
        min_km: 25.0,
        close: lists,
    });
}

/// The oracle's view of separation: every clique of the closeness graph (every subset of
/// mutually-close sites, by enumeration) written out as a flow cap for every city with
/// `min_sites ≥ 2`, and the graph dropped.
fn explicit(p: &SitingProblem) -> SitingProblem {
    let mut q = p.clone();
    let Some(sep) = q.separation.take() else {
        return q;
    };
    let n = p.sites.len();
    for mask in 1u32..(1 << n) {
        let members: Vec<usize> = (0..n).filter(|&i| mask & (1 << i) != 0).collect();
        let clique = members.len() >= 2
            && members
                .iter()
                .all(|&a| members.iter().all(|&b| a == b || sep.close[a].contains(&b)));
        if !clique {
            continue;
        }
        for (j, c) in p
            .cities
            .iter()
            .enumerate()
            .filter(|(_, c)| c.min_sites >= 2)
        {
            q.flow_caps.push(FlowCap {
                id: format!("clique{mask}:{j}"),
                description: String::new(),
                city: j,
                sites: members.clone(),
                max_mw: c.demand_mw / f64::from(c.min_sites),
            });
        }
    }
    q
}

/// The engine (staged solve + Hall-row generation) reaches the brute-force optimum with every
/// promise, and the checker (independent max-flow per contingency) accepts its plan.
#[test]
fn promises_optimum_equals_brute_force() {
    let mut runner = seeded_runner(160, 24);
    let (solved, infeasible) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let binding = std::cell::Cell::new(0);
    runner
        .run(&arb_promises(), |p| {
            let brute = brute_force(&explicit(&p));
            for b in available_backends() {
                let got = solve_with_reduction(&p, &opts(b), &mut |_, _, _| {});
                match (&brute, got) {
                    (Some(brute), Ok((_, s, _, _))) => {
                        let c = check(&p, &s);
                        prop_assert!(c.feasible, "{b}: {:?}", c.violations);
                        prop_assert!(
                            (c.objective_recomputed - brute).abs() <= 1e-6 * brute.max(1.0),
                            "{b}: engine {} vs brute force {brute}",
                            c.objective_recomputed
                        );
                    }
                    (None, Err(_)) => {}
                    (brute, got) => prop_assert!(
                        false,
                        "{b}: brute {brute:?} vs {:?}",
                        got.map(|r| r.0.objective)
                    ),
                }
            }
            let mut plain = p.clone();
            plain.contingencies.clear();
            plain.flow_caps.clear();
            plain.separation = None;
            if brute.is_some_and(|b| brute_force(&plain).is_some_and(|q| b > q * (1.0 + 1e-6))) {
                binding.set(binding.get() + 1);
            }
            if brute.is_some() {
                solved.set(solved.get() + 1);
            } else {
                infeasible.set(infeasible.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let (solved, infeasible, binding) = (solved.get(), infeasible.get(), binding.get());
    println!("promises vs brute force: {solved} solved ({binding} where the promises cost more), {infeasible} infeasible");
    assert!(
        binding >= 15,
        "too few cases where the promises bind: {binding}"
    );
    assert!(solved >= 40, "too few feasible cases: {solved}");
}

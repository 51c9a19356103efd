//! N−1 survival solved exactly: failure scenarios ([`crate::model::Contingency`]) turned into
//! capacity rows on demand.
//!
//! After a loss, the built sites must still serve `s · D_j` of every city `j` over the pairs
//! left, re-allocating load among themselves. With site capacities `c_i` fixed, that is a
//! transportation problem, and by max-flow min-cut (Gale's / Hall's theorem for bipartite
//! supply and demand) it is feasible if and only if, for every set `T` of cities,
//! `Σ_{i ∈ N_d(T)} c_i ≥ s · Σ_{j ∈ T} D_j`, where `N_d(T)` are the sites that may still serve
//! some city of `T` after loss `d`. Those Hall rows are linear in the build decisions and
//! share them across scenarios — a re-allocation per scenario without a flow variable per
//! scenario.
//!
//! There are `2^|J|` sets per scenario, so the rows are generated lazily: the rows of single
//! cities whose reach a loss shrinks are added first; the problem with the rows so far is solved
//! exactly by the staged engine (every bound, reduction and fixing there sees the rows); an
//! independent maximum flow per scenario ([`crate::model::flow::max_flow`]) checks the plan,
//! and the deficient city set of each failed scenario's minimum cut adds its violated row. The
//! problem with some of the rows is a relaxation of the problem with all of them, so the first
//! plan that every scenario's flow serves is optimal for the whole. Each round adds at least one
//! row not yet present (a violated row cannot be among the rows the plan meets), so the loop
//! ends; it is capped at [`MAX_ROUNDS`] as a safeguard.

use super::{ReducedSolve, SolveOptions, SolveSink};
use crate::error::{Error, Result};
use crate::model::flow::{max_flow, EPS_MW};
use crate::model::rows::allowed_after;
use crate::model::{CapacityRow, Contingency, SitingProblem, Solution};
use std::collections::BTreeSet;

/// Rounds of row generation before giving up (each adds ≥ 1 row).
pub const MAX_ROUNDS: usize = 200;

/// Solves `p` with its contingencies by generating their Hall rows; `solve_rows` solves a
/// problem without contingencies exactly.
pub fn solve(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    solve_rows: &mut dyn FnMut(
        &SitingProblem,
        &SolveOptions,
        &mut SolveSink<'_>,
    ) -> Result<ReducedSolve>,
) -> Result<ReducedSolve> {
    let mut q = p.clone();
    q.contingencies.clear();
    let mut seen: BTreeSet<(usize, Vec<usize>)> = BTreeSet::new();
    for (d, c) in p.contingencies.iter().enumerate() {
        let mut cities: Vec<usize> = c.lost_pairs.iter().map(|&(_, j)| j).collect();
        cities.sort_unstable();
        cities.dedup();
        for j in cities {
            if seen.insert((d, vec![j])) {
                q.capacity_rows.push(hall_row(p, c, &[j]));
            }
        }
    }
    for round in 1..=MAX_ROUNDS {
        let r = solve_rows(&q, opts, sink)?;
        let cuts = violated(p, &r.1);
        let fresh: Vec<(usize, Vec<usize>)> = cuts
            .into_iter()
            .filter(|k| seen.insert(k.clone()))
            .collect();
        let note = format!(
            "N−1 round {round}: {} Hall rows, {} new",
            q.capacity_rows.len(),
            fresh.len()
        );
        (sink.record)("n-1 rows", 0.0, &note);
        if fresh.is_empty() {
            return finish(p, r);
        }
        for (d, t) in fresh {
            q.capacity_rows.push(hall_row(p, &p.contingencies[d], &t));
        }
    }
    Err(Error::Solver(format!(
        "N−1 row generation did not settle in {MAX_ROUNDS} rounds"
    )))
}

/// The solve of the last round, checked once more: a scenario still short (beyond tolerance)
/// whose row was already present is a numerical failure, not a plan.
fn finish(p: &SitingProblem, r: ReducedSolve) -> Result<ReducedSolve> {
    match shortfalls(p, &r.1).into_iter().next() {
        None => Ok(r),
        Some((d, short)) => Err(Error::Solver(format!(
            "N−1: the plan meets every generated row but {} leaves {short:.3} MW short",
            p.contingencies[d].description
        ))),
    }
}

/// `Σ_{i ∈ N_d(T)} c_i ≥ s · Σ_{j ∈ T} D_j` for contingency `c` and city set `t`.
pub fn hall_row(p: &SitingProblem, c: &Contingency, t: &[usize]) -> CapacityRow {
    let allowed = allowed_after(p, c);
    let terms: Vec<(usize, f64)> = (0..p.sites.len())
        .filter(|&i| t.iter().any(|&j| allowed(i, j)))
        .map(|i| (i, 1.0))
        .collect();
    let demand: f64 = t.iter().map(|&j| p.cities[j].demand_mw).sum();
    let names: Vec<&str> = t.iter().map(|&j| p.cities[j].id.as_str()).collect();
    CapacityRow {
        id: format!("{}:{}", c.id, names.join("+")),
        description: format!(
            "after {}, the sites still within the limit of {} hold {:.0} % of their demand",
            c.description,
            names.join(", "),
            c.serve_share * 100.0
        ),
        terms,
        min_mw: c.serve_share * demand,
    }
}

/// Per contingency the plan fails, its deficient city set.
fn violated(p: &SitingProblem, s: &Solution) -> Vec<(usize, Vec<usize>)> {
    p.contingencies
        .iter()
        .enumerate()
        .filter_map(|(d, c)| {
            let f = scenario_flow(p, c, s);
            let short = f.1.iter().sum::<f64>() - f.0.served_mw.iter().sum::<f64>();
            (short > tolerance(&f.1)).then_some((d, f.0.deficient_cities))
        })
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// Contingencies the plan fails, with the MW short.
pub fn shortfalls(p: &SitingProblem, s: &Solution) -> Vec<(usize, f64)> {
    p.contingencies
        .iter()
        .enumerate()
        .filter_map(|(d, c)| {
            let (f, demand) = scenario_flow(p, c, s);
            let short = demand.iter().sum::<f64>() - f.served_mw.iter().sum::<f64>();
            (short > tolerance(&demand)).then_some((d, short))
        })
        .collect()
}

/// The maximum flow of one scenario over the built capacities, and the demand it must serve.
fn scenario_flow(
    p: &SitingProblem,
    c: &Contingency,
    s: &Solution,
) -> (crate::model::flow::MaxFlow, Vec<f64>) {
    let demand: Vec<f64> = p
        .cities
        .iter()
        .map(|x| c.serve_share * x.demand_mw)
        .collect();
    let allowed = allowed_after(p, c);
    (max_flow(&s.capacity_mw, &demand, &allowed), demand)
}

/// MW short that counts as a failure: solver tolerances on capacities (1e-6 relative).
fn tolerance(demand: &[f64]) -> f64 {
    1e-6 * demand.iter().sum::<f64>().max(1.0) + EPS_MW
}

//! Promises whose rows are too many to write out, solved exactly by generating the rows a plan
//! breaks: N−1 survival (failure scenarios, [`crate::model::Contingency`], as capacity rows)
//! and separation ([`crate::model::Separation`], as flow caps).
//!
//! **Separation.** A city with `min_sites = k ≥ 2` may take at most `D / k` from any group of
//! sites that are mutually closer than the minimum separation: one flow cap per clique of the
//! closeness graph. The cliques of a national candidate set are too many to list, but a plan
//! serves a city from a handful of sites: after each round every mutually-close subset of a
//! city's serving sites is checked by brute force ([`crate::model::rows::separation_breaks`]),
//! and each that carries too much adds its cap, widened to a maximal clique of the whole graph
//! (a stronger, still valid row). A plan that breaks none breaks no clique's cap (a clique's
//! load is its serving members' load, which are a mutually-close subset).
//!
//! **N−1.**
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
use crate::model::{CapacityRow, Contingency, FlowCap, SitingProblem, Solution};
use std::collections::{BTreeSet, HashMap};

/// Rounds of row generation before giving up (each adds ≥ 1 row).
pub const MAX_ROUNDS: usize = 200;

/// A problem solver without promises (contingencies, separation): the staged engine, or a
/// plain MIP.
pub type SolveRows<'f> =
    dyn FnMut(&SitingProblem, &SolveOptions, &mut SolveSink<'_>) -> Result<ReducedSolve> + 'f;

/// Solves `p` with its contingencies by generating their Hall rows; `solve_rows` solves a
/// problem without contingencies exactly.
pub fn solve(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    solve_rows: &mut SolveRows<'_>,
) -> Result<ReducedSolve> {
    solve_seeded(p, opts, sink, solve_rows, &PromiseRows::default()).map(|r| r.0)
}

/// Promise rows (N−1 Hall rows, separation caps) generated while solving a problem, to seed
/// a later solve of the same problem or of one that differs only in which sites are excluded
/// or must be built (a margin's re-solve, a policy re-solve): each row is a valid inequality
/// for every plan of the problem, so seeding only strengthens the first round's relaxation and
/// never changes the optimum. Rows are kept by site, city and contingency index: a solve
/// drops any seeded row that is not valid for its problem (an index out of range, a cap's
/// sites not mutually close), and [`PromiseRows::transfer`] carries rows over by id to a
/// problem with other sites (a restriction, another sample's candidates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromiseRows {
    cuts: BTreeSet<Cut>,
}

impl PromiseRows {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.cuts.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.cuts.is_empty()
    }

    /// Adds the rows the plan `s` of `p` breaks; returns how many were new.
    pub fn add_broken(&mut self, p: &SitingProblem, s: &Solution) -> usize {
        violated(p, s)
            .into_iter()
            .filter(|c| self.cuts.insert(c.clone()))
            .count()
    }

    /// Adds every row of `other`.
    pub fn extend(&mut self, other: &PromiseRows) {
        self.cuts.extend(other.cuts.iter().cloned());
    }

    /// The rows carried over from problem `from` to problem `to` by site, city and
    /// contingency id (for a restricted problem, or another sample's candidate set): members
    /// `to` lacks are dropped (a Hall row over fewer cities and a cap over fewer close sites
    /// are still valid rows), and rows left empty, or caps whose sites are not mutually close
    /// in `to`, are dropped.
    pub fn transfer(&self, from: &SitingProblem, to: &SitingProblem) -> PromiseRows {
        let index = |ids: Vec<&str>| -> HashMap<String, usize> {
            ids.into_iter()
                .enumerate()
                .map(|(k, id)| (id.to_string(), k))
                .collect()
        };
        let sites = index(to.sites.iter().map(|s| s.id.as_str()).collect());
        let cities = index(to.cities.iter().map(|c| c.id.as_str()).collect());
        let domains = index(to.contingencies.iter().map(|c| c.id.as_str()).collect());
        let map = |ids: &HashMap<String, usize>, names: &[&str], k: usize| {
            names.get(k).and_then(|id| ids.get(*id).copied())
        };
        let from_sites: Vec<&str> = from.sites.iter().map(|s| s.id.as_str()).collect();
        let from_cities: Vec<&str> = from.cities.iter().map(|c| c.id.as_str()).collect();
        let from_domains: Vec<&str> = from.contingencies.iter().map(|c| c.id.as_str()).collect();
        let mut out = PromiseRows::default();
        for cut in &self.cuts {
            let moved = match cut {
                Cut::Hall(d, t) => {
                    let d2 = map(&domains, &from_domains, *d);
                    let mut t2: Vec<usize> = t
                        .iter()
                        .filter_map(|&j| map(&cities, &from_cities, j))
                        .collect();
                    t2.sort_unstable();
                    d2.filter(|_| !t2.is_empty()).map(|d2| Cut::Hall(d2, t2))
                }
                Cut::Separation(j, members) => {
                    let j2 = map(&cities, &from_cities, *j);
                    let mut m2: Vec<usize> = members
                        .iter()
                        .filter_map(|&i| map(&sites, &from_sites, i))
                        .collect();
                    m2.sort_unstable();
                    j2.filter(|_| m2.len() >= 2)
                        .map(|j2| Cut::Separation(j2, m2))
                }
            };
            if let Some(c) = moved.filter(|c| fits(to, c)) {
                out.cuts.insert(c);
            }
        }
        out
    }
}

/// True when the row `c` is valid for `p`: it refers to sites, cities and contingencies `p`
/// has, and a separation cap's sites are mutually close in `p` (a Hall row is rebuilt from
/// `p`'s data, so it is valid for any city set).
fn fits(p: &SitingProblem, c: &Cut) -> bool {
    let (n, m) = (p.sites.len(), p.cities.len());
    match c {
        Cut::Hall(d, t) => *d < p.contingencies.len() && t.iter().all(|&j| j < m),
        Cut::Separation(j, sites) => p.separation.as_ref().is_some_and(|sep| {
            *j < m
                && sites.iter().all(|&i| i < n)
                && sites
                    .iter()
                    .enumerate()
                    .all(|(k, &a)| sites[k + 1..].iter().all(|&b| sep.is_close(a, b)))
        }),
    }
}

/// [`solve`] with the rows of `seed` present from the first round (see [`PromiseRows`]; rows
/// that are not valid for `p` are ignored). Returns the solve and every row present at its end (the
/// seed's and the generated ones), to seed the next related solve.
pub fn solve_seeded(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    solve_rows: &mut SolveRows<'_>,
    seed: &PromiseRows,
) -> Result<(ReducedSolve, PromiseRows)> {
    let mut q = p.clone();
    q.contingencies.clear();
    q.separation = None;
    let mut seen: BTreeSet<Cut> = BTreeSet::new();
    let seeded = seed.cuts.iter().filter(|c| fits(p, c)).cloned();
    for cut in seed_cuts(p).into_iter().chain(seeded) {
        if seen.insert(cut.clone()) {
            add_row(p, &mut q, &cut);
        }
    }
    let started = std::time::Instant::now();
    for round in 1..=MAX_ROUNDS {
        // One time limit for all rounds: each gets what is left of it.
        let mut o = opts.clone();
        if let Some(limit) = opts.time_limit_s {
            let left = limit - started.elapsed().as_secs_f64();
            if left <= 0.0 {
                return Err(Error::usage(
                    format!("the time limit ({limit:.1} s) was reached in round {round} of the N−1 / separation rows: no plan keeping every promise was found in time"),
                    "raise --time-limit, or relax --survive-cable-cut / --min-separation-km",
                ));
            }
            o.time_limit_s = Some(left);
        }
        let r = solve_rows(&q, &o, sink)?;
        let fresh = fresh_rows(p, &r.1, &mut seen);
        let note = format!(
            "round {round}: {} N−1 rows, {} separation caps, {} new",
            q.capacity_rows.len() - p.capacity_rows.len(),
            q.flow_caps.len() - p.flow_caps.len(),
            fresh.len()
        );
        (sink.record)("promise rows", 0.0, &note);
        if fresh.is_empty() {
            return finish(p, r).map(|r| (r, PromiseRows { cuts: seen }));
        }
        for cut in &fresh {
            add_row(p, &mut q, cut);
        }
    }
    Err(Error::Solver(format!(
        "promise row generation did not settle in {MAX_ROUNDS} rounds"
    )))
}

/// A generated row: a Hall row (contingency, city set) or a separation cap (city, clique).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Cut {
    Hall(usize, Vec<usize>),
    Separation(usize, Vec<usize>),
}

/// The rows of single cities whose reach a loss shrinks.
fn seed_cuts(p: &SitingProblem) -> Vec<Cut> {
    let mut out = Vec::new();
    for (d, c) in p.contingencies.iter().enumerate() {
        let mut cities: Vec<usize> = c.lost_pairs.iter().map(|&(_, j)| j).collect();
        cities.sort_unstable();
        cities.dedup();
        out.extend(cities.into_iter().map(|j| Cut::Hall(d, vec![j])));
    }
    out
}

/// Most maximal cliques written out for one city at once; beyond it the city's caps are
/// generated one plan at a time.
pub const CITY_CLIQUES_MAX: usize = 1000;

/// The caps of the maximal cliques of close sites, among the sites that may serve city `j`,
/// that contain a site the plan `s` opens ([`super::cliques`]); none when the city's sites
/// have more than [`CITY_CLIQUES_MAX`] maximal cliques. Valid rows: written out when the plan
/// breaks one of the city's caps, so that the next plan cannot move the load to another close
/// group around the same sites (generated one at a time, the embedded main job took five
/// rounds; with these, two).
///
/// Measured trade-offs that set the scope: writing every clique of every city before the
/// first round made the MIP of a plan that needs none (the embedded P50 relaxation, 506 caps)
/// 40 % slower in microlp; and with capacity rows present (critical-mineral co-location
/// shares, N−1 Hall rows) many caps at once left the primal heuristic without a plan (share
/// 0.8 at 100 km: 2.4 s → 61 s), so those problems keep the one-cap-at-a-time generation.
fn city_cliques(p: &SitingProblem, s: &Solution, j: usize) -> Vec<Cut> {
    let Some(sep) = &p.separation else {
        return Vec::new();
    };
    let nodes: Vec<usize> = (0..p.sites.len())
        .filter(|&i| !p.sites[i].excluded && crate::model::build::pair_allowed(p, i, j))
        .collect();
    super::cliques::maximal_cliques(&nodes, &sep.close, CITY_CLIQUES_MAX)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.iter().any(|&i| s.open.get(i) == Some(&true)))
        .map(|m| Cut::Separation(j, m))
        .collect()
}

/// The rows the plan `s` breaks that are not in `seen` (added to it), and, for each city with
/// a broken cap, the clique caps of [`city_cliques`] (only when `p` has no capacity rows and
/// no contingencies: see there).
fn fresh_rows(p: &SitingProblem, s: &Solution, seen: &mut BTreeSet<Cut>) -> Vec<Cut> {
    let broken = violated(p, s);
    let widen_cities = p.capacity_rows.is_empty() && p.contingencies.is_empty();
    let mut cities: Vec<usize> = broken
        .iter()
        .filter_map(|c| match c {
            Cut::Separation(j, _) if widen_cities => Some(*j),
            _ => None,
        })
        .collect();
    cities.sort_unstable();
    cities.dedup();
    let mut fresh: Vec<Cut> = broken
        .into_iter()
        .filter(|k| seen.insert(k.clone()))
        .collect();
    for j in cities {
        fresh.extend(
            city_cliques(p, s, j)
                .into_iter()
                .filter(|k| seen.insert(k.clone())),
        );
    }
    fresh
}

fn add_row(p: &SitingProblem, q: &mut SitingProblem, cut: &Cut) {
    match cut {
        Cut::Hall(d, t) => q.capacity_rows.push(hall_row(p, &p.contingencies[*d], t)),
        Cut::Separation(j, sites) => q.flow_caps.push(separation_cap(p, *j, sites)),
    }
}

/// `Σ_{i ∈ C} x_ij ≤ D_j / k_j` for a clique `C` of close sites.
fn separation_cap(p: &SitingProblem, j: usize, sites: &[usize]) -> FlowCap {
    let c = &p.cities[j];
    let km = p.separation.as_ref().map_or(0.0, |s| s.min_km);
    let names: Vec<&str> = sites.iter().map(|&i| p.sites[i].id.as_str()).collect();
    FlowCap {
        id: format!("sep:{}:{}", c.id, names.join("+")),
        description: format!(
            "{} takes at most 1/{} of its demand from sites within {km} km of each other ({})",
            c.id,
            c.min_sites,
            names.join(", ")
        ),
        city: j,
        sites: sites.to_vec(),
        max_mw: c.demand_mw / f64::from(c.min_sites.max(1)),
    }
}

/// A clique of the closeness graph widened to a maximal one (sites added in index order).
fn widen(close: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let mut clique: Vec<usize> = members.to_vec();
    clique.sort_unstable();
    let Some(&first) = clique.first() else {
        return clique;
    };
    let candidates: Vec<usize> = close.get(first).cloned().unwrap_or_default();
    for k in candidates {
        let adjacent = |a: usize| close.get(a).is_some_and(|v| v.binary_search(&k).is_ok());
        if !clique.contains(&k) && clique.iter().all(|&a| adjacent(a)) {
            clique.push(k);
        }
    }
    clique.sort_unstable();
    clique
}

/// The solve of the last round, checked once more: a scenario still short (beyond tolerance)
/// whose row was already present is a numerical failure, not a plan.
fn finish(p: &SitingProblem, r: ReducedSolve) -> Result<ReducedSolve> {
    if let Some(sep) = &p.separation {
        let close = |a: usize, b: usize| sep.is_close(a, b);
        if let Some((j, _)) = crate::model::rows::separation_breaks(p, &r.1, &close).first() {
            return Err(Error::Solver(format!(
                "separation: the plan meets every generated cap but {} still takes too much from close sites",
                p.cities[*j].id
            )));
        }
    }
    match shortfalls(p, &r.1).into_iter().next() {
        None => Ok(r),
        Some((d, short)) => Err(Error::Solver(format!(
            "N−1: the plan meets every generated row but {} leaves {short:.3} MW short",
            p.contingencies[d].description
        ))),
    }
}

/// The promise rows a plan breaks, as rows to add (for callers that keep their own model,
/// such as the no-good search of the alternatives): N−1 Hall rows and separation caps.
pub fn broken_rows(p: &SitingProblem, s: &Solution) -> (Vec<CapacityRow>, Vec<FlowCap>) {
    let (mut caps, mut flows) = (Vec::new(), Vec::new());
    for cut in violated(p, s) {
        match cut {
            Cut::Hall(d, t) => caps.push(hall_row(p, &p.contingencies[d], &t)),
            Cut::Separation(j, sites) => flows.push(separation_cap(p, j, &sites)),
        }
    }
    (caps, flows)
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

/// The rows the plan breaks: per contingency it fails, its deficient city set's Hall row; per
/// mutually-close group of a city's serving sites carrying too much, its widened cap.
fn violated(p: &SitingProblem, s: &Solution) -> Vec<Cut> {
    let mut out: Vec<Cut> = p
        .contingencies
        .iter()
        .enumerate()
        .filter_map(|(d, c)| {
            let f = scenario_flow(p, c, s);
            let short = f.1.iter().sum::<f64>() - f.0.served_mw.iter().sum::<f64>();
            (short > tolerance(&f.1)).then_some((d, f.0.deficient_cities))
        })
        .filter(|(_, t)| !t.is_empty())
        .map(|(d, t)| Cut::Hall(d, t))
        .collect();
    if let Some(sep) = &p.separation {
        let close = |a: usize, b: usize| sep.is_close(a, b);
        for (j, members) in crate::model::rows::separation_breaks(p, s, &close) {
            out.push(Cut::Separation(j, widen(&sep.close, &members)));
        }
    }
    out
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

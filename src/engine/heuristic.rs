//! Primal heuristic for the least-cost siting problem: open sets proposed by the Lagrangian
//! relaxation ([`super::lagrange`]), repaired, evaluated exactly, improved by local search.
//!
//! - **Evaluation is exact.** For a fixed set of open sites the rest of the model is a linear
//!   programme (capacities, flows, unserved demand, zone expansion, shared limits; integer
//!   modules when `module_mw` is set), built here without `y` variables or linking rows and
//!   solved by the backend. Its optimum is the best plan with exactly that open set, so every
//!   incumbent is a feasible plan with its true cost (the checker verifies it independently).
//!   Cover sets and the site budget are properties of the open set and are checked before the
//!   LP; a set that violates them is never evaluated.
//! - **Repair.** The relaxation's open set gets must-build sites added and fixed-closed sites
//!   removed; then, cheapest reduced cost first, sites are added for every cover set short of
//!   `min_open`, for every city whose reachable capacity (`Σ min(ub_ij, max_i)` over open sites)
//!   is short of its demand, and for a total capacity short of total demand; sites with the
//!   largest reduced cost are dropped while the budget `max_sites` is exceeded. An infeasible LP
//!   adds the next cheapest site and retries (a few times).
//! - **Local search.** Drop (open sites, largest reduced cost first), add (closed sites, least
//!   reduced cost first) and swap moves, first improvement, within an evaluation budget.
//!
//! Evaluations are cached by open set.
//!
//! **Deadline.** With a deadline ([`Heuristic::with_deadline`], the solve's one deadline) every
//! fixed-set LP/MIP gets the time left as its time limit (with integer modules it is a MIP that
//! can run for minutes); once the deadline has passed no evaluation starts. An evaluation cut
//! short is not cached and sets [`Heuristic::timed_out`], so a caller never mistakes it for an
//! infeasible set.

use super::lagrange::Fix;
use crate::engine::{solve_lp, SolveOptions};
use crate::error::Result;
use crate::model::build::{
    flow_upper, pair_allowed, unserved_allowed, LinearProgram, Row, RowSense, VarDef,
};
use crate::model::{SitingProblem, Solution};
use std::collections::HashMap;

/// The best plan found so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Incumbent {
    /// Its cost (the MIP objective: cost plus unserved penalty).
    pub cost: f64,
    /// Its open set.
    pub open: Vec<bool>,
    /// The plan.
    pub solution: Solution,
}

/// The heuristic's state: the problem, LP options, cache and incumbent.
pub struct Heuristic<'a> {
    p: &'a SitingProblem,
    opts: SolveOptions,
    cache: HashMap<Vec<u64>, Option<f64>>,
    /// Best plan so far.
    pub best: Option<Incumbent>,
    /// Number of LP evaluations made.
    pub evaluations: usize,
    deadline: Option<std::time::Instant>,
    timed_out: bool,
}

fn key(open: &[bool]) -> Vec<u64> {
    let mut k = vec![0u64; open.len().div_ceil(64)];
    for (i, &o) in open.iter().enumerate() {
        if o {
            k[i / 64] |= 1 << (i % 64);
        }
    }
    k
}

/// The LP of `p` with the open set fixed, and the solution it encodes. `None` if the open set
/// violates a cover set, the site budget, must-build or excluded sites, or a size range.
pub fn fixed_set_lp(p: &SitingProblem, open: &[bool]) -> Option<FixedSetLp> {
    if !open_set_allowed(p, open) {
        return None;
    }
    let mut lp = LinearProgram::default();
    let mut city_terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); p.cities.len()];
    let (cap, flows) = add_site_rows(p, open, &mut lp, &mut city_terms)?;
    let unserved = add_demand_rows(p, &mut lp, city_terms);
    let expansion = add_zone_rows(p, &mut lp, &cap);
    add_shared_limit_rows(p, &mut lp, &cap)?;
    add_capacity_rows(p, &mut lp, &cap)?;
    add_flow_cap_rows(p, &mut lp, &flows);
    Some(FixedSetLp {
        lp,
        open: open.to_vec(),
        cap,
        flows,
        unserved,
        expansion,
    })
}

/// Whether the open set meets the site budget, must-build and excluded sites, and every cover
/// set.
fn open_set_allowed(p: &SitingProblem, open: &[bool]) -> bool {
    let n_open = open.iter().filter(|o| **o).count();
    if p.max_sites.is_some_and(|k| n_open > k) {
        return false;
    }
    if p.sites
        .iter()
        .zip(open)
        .any(|(s, &o)| (s.must_build && !o) || (s.excluded && o))
    {
        return false;
    }
    p.cover_sets.iter().all(|c| {
        let n = c
            .sites
            .iter()
            .filter(|&&i| open.get(i).copied().unwrap_or(false))
            .count();
        n >= c.min_open as usize
    })
}

/// Adds a variable to `lp` and returns its index.
fn add_var(lp: &mut LinearProgram, lower: f64, upper: f64, integer: bool) -> usize {
    lp.vars.push(VarDef {
        lower,
        upper,
        integer,
    });
    lp.vars.len() - 1
}

/// The capacity variable of open site `s` and its scale (MW per unit: the module size, or 1);
/// `None` if its size range holds no value (no whole module).
fn add_capacity_var(
    p: &SitingProblem,
    s: &crate::model::SiteInput,
    lp: &mut LinearProgram,
) -> Option<(usize, f64)> {
    match p.module_mw {
        Some(m) => {
            let lo = (s.min_mw / m - 1e-9).ceil().max(0.0);
            let hi = (s.max_mw / m + 1e-9).floor();
            if lo > hi {
                return None;
            }
            Some((add_var(lp, lo, hi, true), m))
        }
        None => {
            if s.min_mw > s.max_mw {
                return None;
            }
            Some((add_var(lp, s.min_mw, s.max_mw, false), 1.0))
        }
    }
}

/// Capacity variable per site (`None` when closed) and the flow variables `(site, city, var)`.
type SiteVars = (Vec<Option<(usize, f64)>>, Vec<(usize, usize, usize)>);

/// For each open site: its fixed cost, capacity variable, flow variables to allowed cities
/// (collected per city in `city_terms`) and the row "flows ≤ capacity". `None` if a size
/// range is empty.
fn add_site_rows(
    p: &SitingProblem,
    open: &[bool],
    lp: &mut LinearProgram,
    city_terms: &mut [Vec<(usize, f64)>],
) -> Option<SiteVars> {
    let mut cap: Vec<Option<(usize, f64)>> = vec![None; p.sites.len()];
    let mut flows = Vec::new();
    for (i, s) in p.sites.iter().enumerate() {
        if !open[i] {
            continue;
        }
        lp.objective_constant += s.fixed_cost_aud;
        let (w, scale) = add_capacity_var(p, s, lp)?;
        cap[i] = Some((w, scale));
        lp.objective.push((w, s.var_cost_aud_per_mw * scale));
        let mut terms = Vec::new();
        for (j, city_row) in city_terms.iter_mut().enumerate() {
            if !pair_allowed(p, i, j) {
                continue;
            }
            let x = add_var(lp, 0.0, flow_upper(p, i, j).max(0.0), false);
            flows.push((i, j, x));
            lp.objective.push((x, p.assign_cost_aud_per_mw[i][j]));
            terms.push((x, 1.0));
            city_row.push((x, 1.0));
        }
        if !terms.is_empty() {
            terms.push((w, -scale));
            lp.rows.push(Row {
                terms,
                sense: RowSense::Le,
                rhs: 0.0,
            });
        }
    }
    Some((cap, flows))
}

/// One demand row per city (flows + unserved = demand); returns the unserved variables.
fn add_demand_rows(
    p: &SitingProblem,
    lp: &mut LinearProgram,
    mut city_terms: Vec<Vec<(usize, f64)>>,
) -> Vec<Option<usize>> {
    let with_u = unserved_allowed(p);
    let mut unserved = vec![None; p.cities.len()];
    for (j, c) in p.cities.iter().enumerate() {
        let mut terms = std::mem::take(&mut city_terms[j]);
        if with_u {
            let u = add_var(lp, 0.0, c.demand_mw, false);
            lp.objective.push((u, p.unserved_penalty_aud_per_mw));
            unserved[j] = Some(u);
            terms.push((u, 1.0));
        }
        lp.rows.push(Row {
            terms,
            sense: RowSense::Eq,
            rhs: c.demand_mw,
        });
    }
    unserved
}

/// One row per limited zone with open sites (grid draw ≤ limit + expansion); returns the
/// expansion variables.
fn add_zone_rows(
    p: &SitingProblem,
    lp: &mut LinearProgram,
    cap: &[Option<(usize, f64)>],
) -> Vec<Option<usize>> {
    let mut expansion = vec![None; p.zones.len()];
    for (r, z) in p.zones.iter().enumerate() {
        let Some(limit) = z.limit_mw else { continue };
        let mut terms: Vec<(usize, f64)> = p
            .sites
            .iter()
            .enumerate()
            .filter(|(_, s)| s.zone == Some(r))
            .filter_map(|(i, s)| cap[i].map(|(w, sc)| (w, s.pue * sc)))
            .collect();
        if terms.is_empty() {
            continue;
        }
        let e = add_var(lp, 0.0, f64::INFINITY, false);
        lp.objective.push((e, z.expansion_cost_aud_per_mw));
        expansion[r] = Some(e);
        terms.push((e, -1.0));
        lp.rows.push(Row {
            terms,
            sense: RowSense::Le,
            rhs: limit,
        });
    }
    expansion
}

/// One row per shared limit touching an open site; `None` if a limit with no open site is
/// negative (infeasible).
fn add_shared_limit_rows(
    p: &SitingProblem,
    lp: &mut LinearProgram,
    cap: &[Option<(usize, f64)>],
) -> Option<()> {
    for l in &p.shared_limits {
        let terms: Vec<(usize, f64)> = l
            .terms
            .iter()
            .filter_map(|&(i, coef)| cap.get(i).copied().flatten().map(|(w, sc)| (w, coef * sc)))
            .collect();
        if terms.is_empty() {
            if l.limit < 0.0 {
                return None;
            }
            continue;
        }
        lp.rows.push(Row {
            terms,
            sense: RowSense::Le,
            rhs: l.limit,
        });
    }
    Some(())
}

/// One row per capacity row (Σ coef c_i ≥ min_mw over the open sites); `None` if a row with
/// no open site has a positive right-hand side (infeasible).
fn add_capacity_rows(
    p: &SitingProblem,
    lp: &mut LinearProgram,
    cap: &[Option<(usize, f64)>],
) -> Option<()> {
    for r in &p.capacity_rows {
        let terms: Vec<(usize, f64)> = r
            .terms
            .iter()
            .filter(|&&(_, coef)| coef != 0.0)
            .filter_map(|&(i, coef)| cap.get(i).copied().flatten().map(|(w, sc)| (w, -coef * sc)))
            .collect();
        if terms.is_empty() {
            if r.min_mw > 0.0 {
                return None;
            }
            continue;
        }
        lp.rows.push(Row {
            terms,
            sense: RowSense::Le,
            rhs: -r.min_mw,
        });
    }
    Some(())
}

/// One row per flow cap over the open sites' flow variables to its city.
fn add_flow_cap_rows(p: &SitingProblem, lp: &mut LinearProgram, flows: &[(usize, usize, usize)]) {
    if p.flow_caps.is_empty() {
        return;
    }
    let index: std::collections::HashMap<(usize, usize), usize> =
        flows.iter().map(|&(i, j, x)| ((i, j), x)).collect();
    for c in &p.flow_caps {
        let terms: Vec<(usize, f64)> = c
            .sites
            .iter()
            .filter_map(|&i| index.get(&(i, c.city)).map(|&x| (x, 1.0)))
            .collect();
        if !terms.is_empty() {
            lp.rows.push(Row {
                terms,
                sense: RowSense::Le,
                rhs: c.max_mw,
            });
        }
    }
}

/// The LP of a fixed open set with the map back to a [`Solution`].
#[derive(Debug, Clone)]
pub struct FixedSetLp {
    /// The programme (minimise).
    pub lp: LinearProgram,
    open: Vec<bool>,
    cap: Vec<Option<(usize, f64)>>,
    flows: Vec<(usize, usize, usize)>,
    unserved: Vec<Option<usize>>,
    expansion: Vec<Option<usize>>,
}

impl FixedSetLp {
    /// The plan encoded by the LP's values.
    pub fn solution(&self, p: &SitingProblem, values: &[f64]) -> Solution {
        let clean = |v: f64, r: f64| {
            if v.abs() <= 1e-9 * r.abs().max(1.0) {
                0.0
            } else {
                v
            }
        };
        let capacity_mw = self
            .cap
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Some((w, sc)) => {
                    let raw = values[*w];
                    let raw = if self.lp.vars[*w].integer {
                        raw.round()
                    } else {
                        raw
                    };
                    clean(raw * sc, p.sites[i].max_mw).max(0.0)
                }
                None => 0.0,
            })
            .collect();
        let mut flows: Vec<(usize, usize, f64)> = self
            .flows
            .iter()
            .map(|&(i, j, x)| (i, j, clean(values[x], p.cities[j].demand_mw)))
            .filter(|f| f.2 > 0.0)
            .collect();
        flows.sort_by_key(|f| (f.0, f.1));
        Solution {
            open: self.open.clone(),
            capacity_mw,
            flows,
            unserved_mw: self
                .unserved
                .iter()
                .enumerate()
                .map(|(j, u)| {
                    u.map(|u| clean(values[u], p.cities[j].demand_mw).max(0.0))
                        .unwrap_or(0.0)
                })
                .collect(),
            expansion_mw: self
                .expansion
                .iter()
                .enumerate()
                .map(|(r, e)| {
                    e.map(|e| clean(values[e], p.zones[r].limit_mw.unwrap_or(1.0)).max(0.0))
                        .unwrap_or(0.0)
                })
                .collect(),
        }
    }
}

impl<'a> Heuristic<'a> {
    /// A heuristic for `p` whose LPs are solved with `opts`' backend (no time limit per LP).
    pub fn new(p: &'a SitingProblem, opts: &SolveOptions) -> Self {
        Heuristic {
            p,
            opts: SolveOptions {
                time_limit_s: None,
                mip_gap: 1e-9,
                ..opts.clone()
            },
            cache: HashMap::new(),
            best: None,
            evaluations: 0,
            deadline: None,
            timed_out: false,
        }
    }

    /// Stops evaluating at `deadline` (see the module documentation).
    pub fn with_deadline(mut self, deadline: Option<std::time::Instant>) -> Self {
        self.deadline = deadline;
        self
    }

    /// True once an evaluation was skipped or cut short by the deadline.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Seconds left before the deadline (`None`: no deadline; `Some(0)`: passed).
    fn time_left_s(&self) -> Option<f64> {
        self.deadline.map(|d| {
            d.saturating_duration_since(std::time::Instant::now())
                .as_secs_f64()
        })
    }

    /// The incumbent's cost (`+∞` if none).
    pub fn ub(&self) -> f64 {
        self.best.as_ref().map_or(f64::INFINITY, |b| b.cost)
    }

    /// Makes `inc` the incumbent if it is better (e.g. a plan found elsewhere).
    pub fn offer(&mut self, inc: Incumbent) {
        if inc.cost < self.ub() {
            self.best = Some(inc);
        }
    }

    /// Evaluates an open set exactly (cached); updates the incumbent. `None`: infeasible set.
    pub fn evaluate(&mut self, open: &[bool]) -> Result<Option<f64>> {
        let k = key(open);
        if let Some(v) = self.cache.get(&k) {
            return Ok(*v);
        }
        let left = self.time_left_s();
        if left.is_some_and(|t| t <= 1e-3) {
            self.timed_out = true;
            return Ok(None);
        }
        let value = match fixed_set_lp(self.p, open) {
            None => None,
            Some(f) => {
                self.evaluations += 1;
                let mut opts = self.opts.clone();
                opts.time_limit_s = left;
                let (report, values) = solve_lp(&f.lp, &opts)?;
                if matches!(
                    report.status,
                    crate::engine::SolveStatus::TimeLimitNoSolution
                        | crate::engine::SolveStatus::TimeLimitFeasible
                ) {
                    // Cut short: a plan found is still a feasible incumbent, but the set's
                    // value is not exact, so it is not cached.
                    self.timed_out = true;
                    return Ok(self.incumbent_of(open, &f, report.status, values));
                }
                match values {
                    Some(v) if report.status.has_solution() => {
                        let sol = f.solution(self.p, &v);
                        let cost = crate::check::check(self.p, &sol);
                        if cost.feasible {
                            let c = cost.objective_recomputed;
                            self.offer(Incumbent {
                                cost: c,
                                open: open.to_vec(),
                                solution: sol,
                            });
                            Some(c)
                        } else {
                            None
                        }
                    }
                    _ => None,
                }
            }
        };
        self.cache.insert(k, value);
        Ok(value)
    }

    /// Offers the plan of a time-limited fixed-set solve as an incumbent (checked by the
    /// independent checker); its cost, or `None`.
    fn incumbent_of(
        &mut self,
        open: &[bool],
        f: &FixedSetLp,
        status: crate::engine::SolveStatus,
        values: Option<Vec<f64>>,
    ) -> Option<f64> {
        let v = values.filter(|_| status.has_solution())?;
        let sol = f.solution(self.p, &v);
        let cost = crate::check::check(self.p, &sol);
        if !cost.feasible {
            return None;
        }
        let c = cost.objective_recomputed;
        self.offer(Incumbent {
            cost: c,
            open: open.to_vec(),
            solution: sol,
        });
        Some(c)
    }

    /// Repairs `open` (see the module documentation) using reduced costs `h` and the fixing.
    pub fn repair(&self, open: &mut [bool], h: &[f64], fix: &[Fix]) {
        let p = self.p;
        for i in 0..open.len() {
            match fix[i] {
                Fix::Open => open[i] = true,
                Fix::Closed => open[i] = false,
                Fix::Free => {}
            }
        }
        let order = |cands: &mut Vec<usize>| {
            cands.sort_by(|&a, &b| h[a].total_cmp(&h[b]).then(a.cmp(&b)));
        };
        for c in &p.cover_sets {
            let n = c.sites.iter().filter(|&&i| open[i]).count();
            let mut cands: Vec<usize> = c
                .sites
                .iter()
                .copied()
                .filter(|&i| !open[i] && fix[i] == Fix::Free)
                .collect();
            order(&mut cands);
            for i in cands
                .into_iter()
                .take((c.min_open as usize).saturating_sub(n))
            {
                open[i] = true;
            }
        }
        repair_capacity_rows(p, open, fix, &order);
        // Reachable capacity per city.
        let cap_of = |i: usize| p.sites[i].max_mw;
        for (j, c) in p.cities.iter().enumerate() {
            let reach = |open: &[bool]| -> f64 {
                (0..open.len())
                    .filter(|&i| open[i] && pair_allowed(p, i, j))
                    .map(|i| flow_upper(p, i, j).min(cap_of(i)))
                    .sum()
            };
            let mut have = reach(open);
            if have >= c.demand_mw * (1.0 - 1e-9) {
                continue;
            }
            let mut cands: Vec<usize> = (0..open.len())
                .filter(|&i| !open[i] && fix[i] == Fix::Free && pair_allowed(p, i, j))
                .collect();
            order(&mut cands);
            for i in cands {
                if have >= c.demand_mw * (1.0 - 1e-9) {
                    break;
                }
                open[i] = true;
                have += flow_upper(p, i, j).min(cap_of(i));
            }
        }
        let demand: f64 = p.cities.iter().map(|c| c.demand_mw).sum();
        let mut total: f64 = (0..open.len()).filter(|&i| open[i]).map(cap_of).sum();
        if total < demand {
            let mut cands: Vec<usize> = (0..open.len())
                .filter(|&i| !open[i] && fix[i] == Fix::Free)
                .collect();
            order(&mut cands);
            for i in cands {
                if total >= demand {
                    break;
                }
                open[i] = true;
                total += cap_of(i);
            }
        }
        if let Some(k) = p.max_sites {
            let mut opened: Vec<usize> = (0..open.len())
                .filter(|&i| open[i] && fix[i] == Fix::Free)
                .collect();
            order(&mut opened);
            let mut n = open.iter().filter(|o| **o).count();
            while n > k {
                let Some(i) = opened.pop() else { break };
                open[i] = false;
                n -= 1;
            }
        }
    }

    /// Repairs and evaluates the relaxation's open set; a failed LP adds the next cheapest site
    /// (up to `retries` times). Returns the cost if feasible.
    pub fn from_relaxation(
        &mut self,
        open: &[bool],
        h: &[f64],
        fix: &[Fix],
        retries: usize,
    ) -> Result<Option<f64>> {
        let mut o = open.to_vec();
        self.repair(&mut o, h, fix);
        for _ in 0..=retries {
            if let Some(v) = self.evaluate(&o)? {
                return Ok(Some(v));
            }
            let next = (0..o.len())
                .filter(|&i| !o[i] && fix[i] == Fix::Free && h[i].is_finite())
                .min_by(|&a, &b| h[a].total_cmp(&h[b]).then(a.cmp(&b)));
            match next {
                Some(i) => o[i] = true,
                None => break,
            }
            self.repair(&mut o, h, fix);
        }
        Ok(None)
    }

    /// Local search around the incumbent: drop, add and swap moves ordered by `h`, first
    /// improvement, at most `budget` LP evaluations and until `deadline`.
    pub fn local_search(
        &mut self,
        h: &[f64],
        fix: &[Fix],
        budget: usize,
        deadline: Option<std::time::Instant>,
    ) -> Result<()> {
        const ADD: usize = 6;
        const SWAP: usize = 4;
        let start_evals = self.evaluations;
        let out_of_budget = |s: &Self| {
            s.evaluations - start_evals >= budget
                || deadline.is_some_and(|d| std::time::Instant::now() >= d)
        };
        loop {
            let Some(inc) = self.best.clone() else {
                return Ok(());
            };
            let by_h = |v: &mut Vec<usize>, desc: bool| {
                v.sort_by(|&a, &b| {
                    let o = h[a].total_cmp(&h[b]).then(a.cmp(&b));
                    if desc {
                        o.reverse()
                    } else {
                        o
                    }
                })
            };
            let mut opened: Vec<usize> = (0..inc.open.len())
                .filter(|&i| inc.open[i] && fix[i] == Fix::Free)
                .collect();
            by_h(&mut opened, true);
            let mut closed: Vec<usize> = (0..inc.open.len())
                .filter(|&i| !inc.open[i] && fix[i] == Fix::Free && h[i].is_finite())
                .collect();
            by_h(&mut closed, false);
            closed.truncate(ADD);
            let mut moves: Vec<Vec<bool>> = Vec::new();
            for &i in &opened {
                let mut o = inc.open.clone();
                o[i] = false;
                moves.push(o);
            }
            for &i in &closed {
                let mut o = inc.open.clone();
                o[i] = true;
                moves.push(o);
            }
            for &d in opened.iter().take(SWAP) {
                for &a in closed.iter().take(SWAP) {
                    let mut o = inc.open.clone();
                    o[d] = false;
                    o[a] = true;
                    moves.push(o);
                }
            }
            let mut improved = false;
            for o in moves {
                if out_of_budget(self) {
                    return Ok(());
                }
                if let Some(v) = self.evaluate(&o)? {
                    if v < inc.cost * (1.0 - 1e-12) {
                        improved = true;
                        break;
                    }
                }
            }
            if !improved {
                return Ok(());
            }
        }
    }
}

/// Opens sites, cheapest first by `order`, until every capacity row's open sites could hold
/// its right-hand side at their largest sizes (positive coefficients only).
fn repair_capacity_rows(
    p: &SitingProblem,
    open: &mut [bool],
    fix: &[Fix],
    order: &dyn Fn(&mut Vec<usize>),
) {
    for r in &p.capacity_rows {
        let most = |i: usize, coef: f64| coef * p.sites[i].max_mw;
        let mut have: f64 = r
            .terms
            .iter()
            .filter(|&&(i, coef)| coef > 0.0 && open[i])
            .map(|&(i, coef)| most(i, coef))
            .sum();
        if have >= r.min_mw {
            continue;
        }
        let coef_of: std::collections::HashMap<usize, f64> = r.terms.iter().copied().collect();
        let mut cands: Vec<usize> = r
            .terms
            .iter()
            .filter(|&&(i, coef)| coef > 0.0 && !open[i] && fix[i] == Fix::Free)
            .map(|t| t.0)
            .collect();
        order(&mut cands);
        for i in cands {
            if have >= r.min_mw {
                break;
            }
            open[i] = true;
            have += most(i, coef_of[&i]);
        }
    }
}

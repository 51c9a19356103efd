//! Lagrangian relaxation of the least-cost siting MIP (and so of the OR-Library CFLP, which
//! [`crate::benchmark`] maps onto it): a lower bound, the per-site reduced costs that drive the
//! primal heuristic ([`super::heuristic`]), and exact reduced-cost fixing of the open/close
//! variables `y_i`.
//!
//! # The relaxation
//! Only [`Objective::MinCost`] is relaxed. Dualised (each with its own multiplier):
//! - demand `Σ_i x_ij + u_j = D_j` with a free `λ_j` (AUD per MW);
//! - every zone limit `Σ_{i∈r} pue_i c_i − e_r ≤ L_r` with `μ_r ∈ [0, g_r]` (the upper limit
//!   keeps `min (g_r − μ_r) e_r` over `e_r ≥ 0` at 0, its value);
//! - every shared limit `Σ coef_i c_i ≤ limit` with `σ ≥ 0`, and every capacity row
//!   `Σ coef_i c_i ≥ min` (N−1 Hall rows) as the limit `Σ −coef_i c_i ≤ −min`;
//! - every cover set `Σ_{i∈S} y_i ≥ min_open` with `ν ≥ 0`;
//! - every flow cap `Σ_{i∈C} x_ij ≤ u` (a separation cap of [`super::lazy`]) with `φ ≥ 0`,
//!   which adds `φ` to the reduced cost of each pair `(i, j)` it covers and `−φ u` to the
//!   value (before, the caps were left out of the relaxation: a valid but weaker bound, and
//!   open sets that ignored them);
//! - for every site i of a limited zone r, the site-level zone row `pue_i c_i ≤ L_r y_i + e_r`
//!   with `ρ_i ≥ 0`, where `μ_r + Σ_{i∈r} ρ_i ≤ g_r` (so the expansion's coefficient stays
//!   ≥ 0 and its minimum at `e_r = 0`). The row is valid, not part of the model: an open site
//!   draws at most the whole zone's grid allowance, a closed one nothing. It is what makes the
//!   bound strong when zones limit the plan: with the demand rows dualised each site's
//!   knapsack is integral, so the bound is the LP bound, and the LP opens a large site in a
//!   limited zone at `c_i / max_mw_i` of its fixed cost; the row raises that to
//!   `pue_i c_i / L_r`. On the national data with 47 demand nodes (676 sites) the LP bound
//!   rises from 0.24 % to 0.05 % below the optimum with these rows, and the staged solve's
//!   time falls from 34 s to 8 s (the subgradient does not reach the full LP bound). Only on
//!   problems of up to [`SITE_ROWS_MAX_SITES`] sites (see there).
//!
//! Kept exactly: the bounds `0 ≤ x_ij ≤ ub_ij y_i` (redundancy `D_j/k_j` and the site's size),
//! the capacity `Σ_j x_ij ≤ c_i`, the size `min_mw y_i ≤ c_i ≤ max_mw y_i`, must-build and
//! excluded sites, the site budget `Σ y_i ≤ max_sites`, and, when all demand must be served,
//! `Σ y_i ≥ k` with k the least number of sites whose sizes cover total demand (Beasley's
//! aggregate capacity row when sizes are equal, as in capa–capc). Capacity modules (`module_mw`) are
//! relaxed to a continuous `c_i` between the smallest and largest whole number of modules in
//! `[min_mw, max_mw]`: a relaxation, so the bound stays valid.
//!
//! Given the multipliers the problem splits into one continuous knapsack per site — choose the
//! flows of negative reduced cost `a_ij − λ_j`, cheapest first, up to the site's size, paying
//! `v'_i = v_i + (μ_r + ρ_i) pue_i + Σ σ coef_i` per MW of capacity beyond `min_mw` — whose
//! value with the fixed cost less `ρ_i L_r` and the cover multipliers is the site's reduced
//! cost `h_i`, and a choice of
//! the sites: every must-build site, then the free sites with `h_i < 0`, most negative first, up
//! to the site budget. The Lagrangian value `L(λ, μ, σ, ν) = Σ λ_j D_j + Σ_j min(0, P − λ_j) D_j
//! − Σ μ_r L_r − Σ σ limit + Σ ν min_open + Σ_{chosen} h_i` is a lower bound on the optimum for
//! every admissible multiplier vector (weak duality), whatever their quality. Multipliers are
//! improved by projected subgradient steps (Polyak's step towards the incumbent along the
//! subgradient without the components that push a multiplier already at a bound outward;
//! halving the step factor after `patience` iterations without progress; stopping at the
//! iteration limit, when the bound gains < 1e-7 over 300 iterations, or when fixing leaves few
//! enough free sites).
//!
//! # Reduced-cost fixing (exact)
//! Forcing `y_i` to the other value changes the relaxation's optimum by a computable amount:
//! for a chosen site, closing it gives `L − h_i + min(0, h_next)` (`h_next`: the best site left
//! out, which only matters when the site budget binds); for a site left out, opening it gives
//! `L + h_i − h_worst` when the budget binds (`h_worst`: the worst site chosen; `+∞` if no free
//! site is chosen) and `L + h_i` otherwise. Each is a lower bound on every solution with `y_i`
//! forced so; when it is ≥ the incumbent's cost (with a relative safety margin of 1e-9 against
//! rounding), no solution *better than the incumbent* has that value, and `y_i` is fixed. The
//! restricted problem then has the same optimum as the full one unless the incumbent is optimal.
//! Every side constraint is either exact in the relaxation or dualised, so the rule is exact in
//! their presence.

use crate::model::build::{flow_upper, pair_allowed, unserved_allowed};
use crate::model::SitingProblem;
use crate::scenario::Objective;
use rayon::prelude::*;

/// What is known about a site's `y_i` before the relaxation is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Free to open or stay closed.
    Free,
    /// Must be open (must-build, or fixed open).
    Open,
    /// Must stay closed (excluded, unusable, or fixed closed).
    Closed,
}

struct SiteData {
    /// (city, ub_ij, a_ij) for every allowed pair.
    pairs: Vec<(u32, f64, f64)>,
    /// Smallest and largest capacity if open.
    cmin: f64,
    cmax: f64,
    /// Coefficients in the shared limits: (limit index, coef).
    shared: Vec<(usize, f64)>,
    /// Cover sets the site belongs to.
    covers: Vec<usize>,
    /// Flow caps on the site's pairs: (city, cap index).
    flow: Vec<(u32, usize)>,
}

/// Multipliers of the dualised constraints (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct Multipliers {
    /// `ρ_i` per site of the site-level zone rows `pue_i c_i ≤ L_r y_i + e_r` (0 for sites
    /// outside a limited zone).
    pub site_zone: Vec<f64>,
    /// `λ_j` per city, AUD per MW.
    pub demand: Vec<f64>,
    /// `μ_r` per zone (0 for zones without a limit).
    pub zone: Vec<f64>,
    /// `σ` per shared limit.
    pub shared: Vec<f64>,
    /// `ν` per cover set.
    pub cover: Vec<f64>,
    /// `φ` per flow cap (AUD per MW); a shorter vector counts its missing entries as 0.
    pub flow: Vec<f64>,
}

/// The relaxation's solution at one multiplier vector.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The Lagrangian value: a lower bound on the optimum (`+∞`: infeasible under the fixing).
    pub value: f64,
    /// Reduced cost `h_i` of opening each site (`+∞` for closed or unusable sites).
    pub h: Vec<f64>,
    /// Sites open in the relaxation's solution.
    pub open: Vec<bool>,
    /// Subgradient: demand, zone, shared, cover parts.
    sub: Multipliers,
    /// Number of sites forced open.
    n_forced: usize,
}

/// The Lagrangian relaxation of a least-cost siting problem.
pub struct Relaxation<'a> {
    p: &'a SitingProblem,
    sites: Vec<SiteData>,
    with_unserved: bool,
    /// Valid lower bound on the number of open sites (see [`Relaxation::min_open`]).
    min_open: usize,
    /// Number of allowed (site, city) pairs.
    n_pairs: usize,
    /// Sites of each zone that has a limit (empty for the others).
    zone_sites: Vec<Vec<usize>>,
    /// Whether the site-level zone rows are dualised (up to [`SITE_ROWS_MAX_SITES`] sites).
    site_rows: bool,
}

/// The site-level zone rows are dualised only on problems of at most this many sites. On the
/// densified tiers (4,000–21,000 sites after the reduction, thousands of near-identical ones)
/// their thousands of extra multipliers made the subgradient's steps worse (100k × 47: the
/// final gap at the time limit 0.28 % → 1.4 %), while on the national data (≤ 700 sites) they
/// cut the solve with 47 demand nodes from 34 s to 8 s.
pub const SITE_ROWS_MAX_SITES: usize = 2000;

thread_local! {
    /// Scratch list of a site knapsack's candidate flows (see [`Relaxation::site_value`]).
    static SCRATCH: std::cell::RefCell<Vec<(f64, u32, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// From this many allowed pairs on, site knapsacks are solved in parallel.
const PARALLEL_PAIRS: usize = 50_000;

/// Settings of [`Relaxation::optimise`].
#[derive(Debug, Clone, PartialEq)]
pub struct SubgradientParams {
    /// Iteration limit.
    pub max_iter: usize,
    /// Initial Polyak step factor.
    pub theta: f64,
    /// Halve the factor after this many iterations without a better bound.
    pub patience: usize,
    /// Stop when the factor falls below this.
    pub min_theta: f64,
    /// Stop when `(ub − bound) / |ub|` falls below this.
    pub gap: f64,
    /// Stop when reduced-cost fixing at the incumbent leaves at most this many free sites
    /// (checked every 50 iterations; 0: only when none is left).
    pub stop_free: usize,
    /// Stop at this instant (the solve's time limit); the best bound so far stays valid.
    pub deadline: Option<std::time::Instant>,
}

impl Default for SubgradientParams {
    fn default() -> Self {
        SubgradientParams {
            max_iter: 3000,
            theta: 1.0,
            patience: 100,
            min_theta: 1e-6,
            gap: 1e-9,
            stop_free: 0,
            deadline: None,
        }
    }
}

impl<'a> Relaxation<'a> {
    /// The relaxation of `p`; `None` unless the objective is least cost.
    pub fn new(p: &'a SitingProblem) -> Option<Self> {
        if p.objective != Objective::MinCost {
            return None;
        }
        let n = p.cities.len();
        let mut sites: Vec<SiteData> = (0..p.sites.len())
            .into_par_iter()
            .map(|i| {
                let s = &p.sites[i];
                let pairs = (0..n)
                    .filter(|&j| pair_allowed(p, i, j))
                    .map(|j| {
                        (
                            j as u32,
                            flow_upper(p, i, j).max(0.0),
                            p.assign_cost_aud_per_mw[i][j],
                        )
                    })
                    .collect();
                let (cmin, cmax) = match p.module_mw {
                    Some(m) if m > 0.0 => (
                        (s.min_mw / m - 1e-9).ceil().max(0.0) * m,
                        (s.max_mw / m + 1e-9).floor() * m,
                    ),
                    _ => (s.min_mw, s.max_mw),
                };
                SiteData {
                    pairs,
                    cmin,
                    cmax,
                    shared: Vec::new(),
                    covers: Vec::new(),
                    flow: Vec::new(),
                }
            })
            .collect();
        index_side_rows(p, &mut sites);
        let with_unserved = unserved_allowed(p);
        let n_pairs = sites.iter().map(|s| s.pairs.len()).sum();
        let mut zone_sites = vec![Vec::new(); p.zones.len()];
        for (i, s) in p.sites.iter().enumerate() {
            if let Some(r) = s.zone {
                if p.zones.get(r).is_some_and(|z| z.limit_mw.is_some()) {
                    zone_sites[r].push(i);
                }
            }
        }
        let mut rel = Relaxation {
            p,
            sites,
            with_unserved,
            min_open: 0,
            n_pairs,
            zone_sites,
            site_rows: p.sites.len() <= SITE_ROWS_MAX_SITES,
        };
        rel.min_open = rel.count_needed();
        Some(rel)
    }

    /// The least number of open sites any plan that serves all demand needs: the smallest k
    /// whose k largest usable sizes sum to total demand (0 when unserved demand is allowed).
    /// Kept exactly in the relaxation as `Σ y_i ≥ k`: with equal sizes (OR-Library capa–capc)
    /// it is the aggregate capacity constraint `Σ s_i y_i ≥ Σ d_j` of Beasley (1988).
    fn count_needed(&self) -> usize {
        if self.with_unserved {
            return 0;
        }
        let demand: f64 = self.p.cities.iter().map(|c| c.demand_mw).sum();
        let mut caps: Vec<f64> = self
            .p
            .sites
            .iter()
            .zip(&self.sites)
            .filter(|(s, sd)| !s.excluded && !sd.pairs.is_empty() && sd.cmin <= sd.cmax)
            .map(|(_, sd)| sd.cmax)
            .collect();
        caps.sort_by(|a, b| b.total_cmp(a));
        let mut sum = 0.0;
        for (k, c) in caps.iter().enumerate() {
            if sum >= demand * (1.0 - 1e-12) {
                return k;
            }
            sum += c;
        }
        if sum >= demand * (1.0 - 1e-12) {
            caps.len()
        } else {
            0
        }
    }

    /// The lower bound on open sites kept in the relaxation.
    pub fn min_open(&self) -> usize {
        self.min_open
    }

    /// The problem relaxed.
    pub fn problem(&self) -> &SitingProblem {
        self.p
    }

    /// The fixing implied by the problem itself: must-build sites open; excluded sites, sites
    /// that reach no city and are in no cover set nor capacity row (build.rs reduction 2) and
    /// sites whose size range is empty closed.
    pub fn base_fixing(&self) -> Vec<Fix> {
        // A site in a capacity row may open to build capacity that serves nobody (e.g. at a
        // critical-mineral site, to meet the co-location share): it must stay free.
        let in_row = crate::model::rows::in_capacity_row(self.p);
        self.p
            .sites
            .iter()
            .zip(&self.sites)
            .zip(in_row)
            .map(|((s, sd), in_row)| {
                if s.excluded {
                    Fix::Closed
                } else if s.must_build {
                    Fix::Open
                } else if (sd.pairs.is_empty() && sd.covers.is_empty() && !in_row)
                    || sd.cmin > sd.cmax
                {
                    // A site that reaches no city can still open to meet a cover set (the MIP
                    // gives it variables, build.rs reduction 2): closing it here would make the
                    // relaxation stronger than the problem, and its bound invalid.
                    Fix::Closed
                } else {
                    Fix::Free
                }
            })
            .collect()
    }

    /// Starting multipliers: `λ_j` = the least full cost per MW of serving city j from one
    /// site used to its size (`a_ij + v_i + F_i / max_mw_i`), capped by the penalty; the others 0.
    pub fn initial_multipliers(&self) -> Multipliers {
        let p = self.p;
        let mut lambda = vec![f64::INFINITY; p.cities.len()];
        for (i, sd) in self.sites.iter().enumerate() {
            let s = &p.sites[i];
            if s.excluded || sd.cmax <= 0.0 {
                continue;
            }
            let per_mw = s.var_cost_aud_per_mw + s.fixed_cost_aud / sd.cmax;
            for &(j, _, a) in &sd.pairs {
                let l = &mut lambda[j as usize];
                *l = l.min(a + per_mw);
            }
        }
        for l in lambda.iter_mut() {
            if !l.is_finite() {
                *l = 0.0;
            }
            if self.with_unserved {
                *l = l.min(p.unserved_penalty_aud_per_mw);
            }
        }
        Multipliers {
            site_zone: vec![0.0; p.sites.len()],
            demand: lambda,
            zone: vec![0.0; p.zones.len()],
            shared: vec![0.0; p.shared_limits.len() + p.capacity_rows.len()],
            cover: vec![0.0; p.cover_sets.len()],
            flow: vec![0.0; p.flow_caps.len()],
        }
    }

    /// Capacity cost per MW of site `i` under the multipliers.
    fn capacity_price(&self, i: usize, m: &Multipliers) -> f64 {
        let s = &self.p.sites[i];
        let mut v = s.var_cost_aud_per_mw;
        if self.zone_limit(i).is_some() {
            if let Some(r) = s.zone {
                v += (m.zone[r] + m.site_zone[i]) * s.pue;
            }
        }
        for &(l, coef) in &self.sites[i].shared {
            v += m.shared[l] * coef;
        }
        v
    }

    /// Site `i`'s knapsack: (h_i, capacity, flows if `keep`).
    fn site_value(&self, i: usize, m: &Multipliers, keep: bool) -> (f64, f64, Vec<(u32, f64)>) {
        if self.sites[i].cmin > self.sites[i].cmax {
            return (f64::INFINITY, 0.0, Vec::new());
        }
        let v = self.capacity_price(i, m);
        SCRATCH.with_borrow_mut(|cand| self.knapsack(i, m, v, keep, cand))
    }

    /// [`Relaxation::site_value`] at capacity price `v`, with `cand` as scratch space (one per
    /// thread: the knapsack runs for every site at every iteration, and allocating its list of
    /// candidate flows each time was a tenth of a small instance's run).
    fn knapsack(
        &self,
        i: usize,
        m: &Multipliers,
        v: f64,
        keep: bool,
        cand: &mut Vec<(f64, u32, f64)>,
    ) -> (f64, f64, Vec<(u32, f64)>) {
        let sd = &self.sites[i];
        let s = &self.p.sites[i];
        cand.clear();
        cand.extend(sd.pairs.iter().filter_map(|&(j, ub, a)| {
            let d = a - m.demand[j as usize] + self.flow_price(i, j, m);
            (d < 0.0 && ub > 0.0).then_some((d, j, ub))
        }));
        // A total order (a site has one pair per city), so the unstable sort is deterministic.
        cand.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let vpos = v.max(0.0);
        let mut t = 0.0;
        let mut val = 0.0;
        let mut flows = Vec::new();
        for &(d, j, ub) in cand.iter() {
            if t >= sd.cmax {
                break;
            }
            // Units below cmin cost d; above it d + v⁺.
            let free = (sd.cmin - t).max(0.0).min(ub);
            let mut take = free.min(sd.cmax - t);
            if d + vpos < 0.0 {
                take = ub.min(sd.cmax - t);
            }
            if take <= 0.0 {
                continue;
            }
            let free_part = take.min(free);
            val += d * free_part + (d + vpos) * (take - free_part);
            t += take;
            if keep {
                flows.push((j, take));
            }
        }
        let c = if v >= 0.0 { t.max(sd.cmin) } else { sd.cmax };
        // The capacity term: v·c, of which v⁺·(t − cmin)⁺ is already in val.
        let cap_cost = if v >= 0.0 { v * sd.cmin } else { v * sd.cmax };
        let cover: f64 = sd.covers.iter().map(|&k| m.cover[k]).sum();
        let zone_row = self.site_row_limit(i).map_or(0.0, |l| m.site_zone[i] * l);
        (
            s.fixed_cost_aud - cover - zone_row + cap_cost + val,
            c,
            flows,
        )
    }

    /// Σ φ over the flow caps on pair `(i, j)` (0 when it has none).
    fn flow_price(&self, i: usize, j: u32, m: &Multipliers) -> f64 {
        self.sites[i]
            .flow
            .iter()
            .filter(|&&(city, _)| city == j)
            .map(|&(_, k)| m.flow.get(k).copied().unwrap_or(0.0))
            .sum()
    }

    /// Solves the relaxation at `m` under `fix`.
    pub fn evaluate(&self, m: &Multipliers, fix: &[Fix]) -> Evaluation {
        let h = self.site_values(m, fix);
        let constant = self.constant_value(m);
        let (value, open, n_forced) = self.choose_sites(&h, fix, constant);
        let sub = self.subgradient(m, &open);
        Evaluation {
            value,
            h,
            open,
            sub,
            n_forced,
        }
    }

    /// Each site's reduced value at `m` (infinite when fixed closed); threads only on large
    /// problems.
    fn site_values(&self, m: &Multipliers, fix: &[Fix]) -> Vec<f64> {
        let one = |i: usize| {
            if fix[i] == Fix::Closed {
                f64::INFINITY
            } else {
                self.site_value(i, m, false).0
            }
        };
        let n_sites = self.p.sites.len();
        if self.n_pairs >= PARALLEL_PAIRS {
            (0..n_sites).into_par_iter().map(one).collect()
        } else {
            (0..n_sites).map(one).collect()
        }
    }

    /// The part of the dual value that does not depend on the chosen sites.
    fn constant_value(&self, m: &Multipliers) -> f64 {
        let p = self.p;
        let mut value = 0.0;
        for (j, c) in p.cities.iter().enumerate() {
            value += m.demand[j] * c.demand_mw;
            if self.with_unserved {
                value += (p.unserved_penalty_aud_per_mw - m.demand[j]).min(0.0) * c.demand_mw;
            }
        }
        for (r, z) in p.zones.iter().enumerate() {
            if let Some(l) = z.limit_mw {
                value -= m.zone[r] * l;
            }
        }
        for (l, sl) in p.shared_limits.iter().enumerate() {
            value -= m.shared[l] * sl.limit;
        }
        let offset = p.shared_limits.len();
        for (r, row) in p.capacity_rows.iter().enumerate() {
            value += m.shared[offset + r] * row.min_mw;
        }
        for (k, cs) in p.cover_sets.iter().enumerate() {
            value += m.cover[k] * f64::from(cs.min_open);
        }
        for (fc, phi) in p.flow_caps.iter().zip(&m.flow) {
            value -= phi * fc.max_mw;
        }
        value
    }

    /// Opens the forced sites, then the cheapest free ones (as many as the cover sets need,
    /// then every one of negative value, within the budget), adding their values to `value`
    /// in that order. Returns the dual value (infinite when the fixes are infeasible), the
    /// open set and the number of forced sites.
    fn choose_sites(&self, h: &[f64], fix: &[Fix], mut value: f64) -> (f64, Vec<bool>, usize) {
        let n_sites = self.p.sites.len();
        let mut open = vec![false; n_sites];
        let mut n_forced = 0usize;
        for i in 0..n_sites {
            if fix[i] == Fix::Open {
                open[i] = true;
                n_forced += 1;
                value += h[i];
            }
        }
        let budget = self.p.max_sites.unwrap_or(usize::MAX);
        let mut free: Vec<usize> = (0..n_sites)
            .filter(|&i| fix[i] == Fix::Free && h[i].is_finite())
            .collect();
        free.sort_by(|&a, &b| h[a].total_cmp(&h[b]).then(a.cmp(&b)));
        let room = budget.saturating_sub(n_forced);
        let need = self.min_open.saturating_sub(n_forced);
        if n_forced > budget || need > room.min(free.len()) {
            value = f64::INFINITY;
        }
        for (k, &i) in free.iter().enumerate() {
            if k >= room || (k >= need && h[i] >= 0.0) {
                break;
            }
            open[i] = true;
            value += h[i];
        }
        (value, open, n_forced)
    }

    /// The subgradient at `m` from the open sites' knapsacks.
    fn subgradient(&self, m: &Multipliers, open: &[bool]) -> Multipliers {
        let p = self.p;
        let mut sub = Multipliers {
            site_zone: vec![0.0; p.sites.len()],
            demand: p.cities.iter().map(|c| c.demand_mw).collect(),
            zone: p
                .zones
                .iter()
                .map(|z| z.limit_mw.map(|l| -l).unwrap_or(0.0))
                .collect(),
            shared: p
                .shared_limits
                .iter()
                .map(|l| -l.limit)
                .chain(p.capacity_rows.iter().map(|r| r.min_mw))
                .collect(),
            cover: p.cover_sets.iter().map(|c| f64::from(c.min_open)).collect(),
            flow: p.flow_caps.iter().map(|c| -c.max_mw).collect(),
        };
        if self.with_unserved {
            for (j, c) in p.cities.iter().enumerate() {
                if m.demand[j] > p.unserved_penalty_aud_per_mw {
                    sub.demand[j] -= c.demand_mw;
                }
            }
        }
        for i in (0..p.sites.len()).filter(|&i| open[i]) {
            self.add_site_subgradient(i, m, &mut sub);
        }
        sub
    }

    /// Adds open site `i`'s terms (its flows, grid draw, shared limits, covers) to `sub`.
    fn add_site_subgradient(&self, i: usize, m: &Multipliers, sub: &mut Multipliers) {
        let (_, c, flows) = self.site_value(i, m, true);
        for (j, x) in flows {
            sub.demand[j as usize] -= x;
            for &(city, k) in &self.sites[i].flow {
                if city == j {
                    sub.flow[k] += x;
                }
            }
        }
        let s = &self.p.sites[i];
        if let Some(l) = self.zone_limit(i) {
            if let Some(r) = s.zone {
                sub.zone[r] += s.pue * c;
            }
            if self.site_rows {
                sub.site_zone[i] = s.pue * c - l;
            }
        }
        for &(l, coef) in &self.sites[i].shared {
            sub.shared[l] += coef * c;
        }
        for &k in &self.sites[i].covers {
            sub.cover[k] -= 1.0;
        }
    }

    /// Projects multipliers onto their domains.
    fn project(&self, m: &mut Multipliers) {
        if m.site_zone.len() != self.p.sites.len() {
            m.site_zone = vec![0.0; self.p.sites.len()];
        }
        for (i, x) in m.site_zone.iter_mut().enumerate() {
            *x = if self.site_row_limit(i).is_some() {
                x.max(0.0)
            } else {
                0.0
            };
        }
        // Each limited zone: (μ_r, ρ_i for its sites) onto {x ≥ 0, Σ x ≤ g_r} (the coefficient
        // of the expansion e_r, g_r − μ_r − Σ ρ_i, stays ≥ 0, so min over e_r ≥ 0 is 0).
        for (r, z) in self.p.zones.iter().enumerate() {
            let g = zone_multiplier_cap(z);
            m.zone[r] = m.zone[r].clamp(0.0, g);
            let members = &self.zone_sites[r];
            let sum: f64 = m.zone[r] + members.iter().map(|&i| m.site_zone[i]).sum::<f64>();
            if sum > g {
                let mut v: Vec<f64> = std::iter::once(m.zone[r])
                    .chain(members.iter().map(|&i| m.site_zone[i]))
                    .collect();
                project_capped_simplex(&mut v, g);
                m.zone[r] = v[0];
                for (k, &i) in members.iter().enumerate() {
                    m.site_zone[i] = v[k + 1];
                }
            }
        }
        for s in m.shared.iter_mut() {
            *s = s.max(0.0);
        }
        for c in m.cover.iter_mut() {
            *c = c.max(0.0);
        }
        m.flow.resize(self.p.flow_caps.len(), 0.0);
        for f in m.flow.iter_mut() {
            *f = f.max(0.0);
        }
    }

    /// The subgradient with the components that would push a multiplier out of its interval
    /// (a bound at 0 or at the expansion cost, already reached) set to zero, flattened as
    /// demand, zone, shared, cover. Those components cannot move the multiplier (the
    /// projection undoes them) but, kept, they dominate the norm in the Polyak step: a shared
    /// limit far from binding has a subgradient of thousands of MW and σ = 0, and shrank every
    /// step on the national data by orders of magnitude.
    fn projected_subgradient(&self, m: &Multipliers, g: &Multipliers) -> Vec<f64> {
        let mut out = Vec::with_capacity(
            g.demand.len()
                + g.zone.len()
                + g.shared.len()
                + g.cover.len()
                + g.site_zone.len()
                + g.flow.len(),
        );
        out.extend_from_slice(&g.demand);
        // A zone is full when μ_r + Σ ρ_i has reached g_r: no member may grow.
        let full: Vec<bool> = self
            .p
            .zones
            .iter()
            .enumerate()
            .map(|(r, z)| {
                let upper = zone_multiplier_cap(z);
                let sum = m.zone[r]
                    + self.zone_sites[r]
                        .iter()
                        .map(|&i| m.site_zone[i])
                        .sum::<f64>();
                sum >= upper * (1.0 - 1e-12)
            })
            .collect();
        for ((&x, &d), &at_top) in m.zone.iter().zip(&g.zone).zip(&full) {
            out.push(if (x <= 0.0 && d < 0.0) || (at_top && d > 0.0) {
                0.0
            } else {
                d
            });
        }
        for (x, d) in m
            .shared
            .iter()
            .zip(&g.shared)
            .chain(m.cover.iter().zip(&g.cover))
        {
            out.push(if *x <= 0.0 && *d < 0.0 { 0.0 } else { *d });
        }
        for (i, (x, d)) in m.site_zone.iter().zip(&g.site_zone).enumerate() {
            let at_top = self.p.sites[i].zone.is_some_and(|r| full[r]);
            out.push(if (*x <= 0.0 && *d < 0.0) || (at_top && *d > 0.0) {
                0.0
            } else {
                *d
            });
        }
        for (x, d) in m.flow.iter().zip(&g.flow) {
            out.push(if *x <= 0.0 && *d < 0.0 { 0.0 } else { *d });
        }
        out
    }

    /// The limit `L_r` of site `i`'s zone when its site-level row is dualised.
    fn site_row_limit(&self, i: usize) -> Option<f64> {
        self.site_rows.then(|| self.zone_limit(i)).flatten()
    }

    /// The limit `L_r` of site `i`'s zone, if the zone has one.
    fn zone_limit(&self, i: usize) -> Option<f64> {
        let r = self.p.sites[i].zone?;
        self.p.zones.get(r)?.limit_mw
    }

    /// Subgradient optimisation from `start`. `ub` is the incumbent's cost (`+∞` if none);
    /// `on_iter(iteration, evaluation)` may return a better incumbent cost (the caller's primal
    /// heuristic). Returns the best evaluation and its multipliers.
    pub fn optimise(
        &self,
        start: Multipliers,
        fix: &[Fix],
        mut ub: f64,
        params: &SubgradientParams,
        on_iter: &mut dyn FnMut(usize, &Evaluation) -> Option<f64>,
    ) -> (Evaluation, Multipliers) {
        let mut m = start;
        self.project(&mut m);
        let mut best_m = m.clone();
        let mut best = self.evaluate(&m, fix);
        let mut cur = best.clone();
        let mut theta = params.theta;
        let mut since = 0usize;
        let mut mark = best.value;
        for it in 0..params.max_iter {
            if it > 0 && it % 50 == 0 && ub.is_finite() {
                let left = reduced_cost_fixing(self, &best, fix, ub)
                    .iter()
                    .filter(|f| **f == Fix::Free)
                    .count();
                if left <= params.stop_free {
                    break;
                }
            }
            // Stalled: less than 1e-7 (relative) gained in the last STALL iterations.
            if it > 0 && it % STALL == 0 {
                if best.value - mark < 1e-7 * best.value.abs().max(1.0) {
                    break;
                }
                mark = best.value;
            }
            if let Some(u) = on_iter(it, &cur) {
                ub = ub.min(u);
            }
            if !best.value.is_finite() || theta < params.min_theta {
                break;
            }
            if params
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
            {
                break;
            }
            if ub.is_finite() && (ub - best.value) <= params.gap * ub.abs().max(1.0) {
                break;
            }
            // The projected subgradient (see `projected_subgradient`).
            let dir = self.projected_subgradient(&m, &cur.sub);
            let norm2: f64 = dir.iter().map(|x| x * x).sum();
            if norm2 <= 1e-18 {
                break;
            }
            let target = if ub.is_finite() {
                ub
            } else {
                cur.value + 0.05 * cur.value.abs().max(1.0)
            };
            let step = theta * (target - cur.value).max(1e-9 * target.abs().max(1.0)) / norm2;
            for (x, d) in m
                .demand
                .iter_mut()
                .chain(m.zone.iter_mut())
                .chain(m.shared.iter_mut())
                .chain(m.cover.iter_mut())
                .chain(m.site_zone.iter_mut())
                .chain(m.flow.iter_mut())
                .zip(&dir)
            {
                *x += step * d;
            }
            self.project(&mut m);
            cur = self.evaluate(&m, fix);
            if cur.value > best.value + 1e-12 * best.value.abs().max(1.0) {
                best = cur.clone();
                best_m = m.clone();
                since = 0;
            } else {
                since += 1;
                if since >= params.patience {
                    theta /= 2.0;
                    since = 0;
                }
            }
        }
        (best, best_m)
    }
}

/// Each site's memberships in the dualised side rows: shared limits, cover sets, flow caps, and
/// capacity rows (as the shared limits `Σ −coef c ≤ −min`, after the shared limits).
fn index_side_rows(p: &SitingProblem, sites: &mut [SiteData]) {
    for (l, lim) in p.shared_limits.iter().enumerate() {
        for &(i, coef) in &lim.terms {
            if let Some(sd) = sites.get_mut(i) {
                sd.shared.push((l, coef));
            }
        }
    }
    for (k, cs) in p.cover_sets.iter().enumerate() {
        for &i in &cs.sites {
            if let Some(sd) = sites.get_mut(i) {
                sd.covers.push(k);
            }
        }
    }
    for (k, fc) in p.flow_caps.iter().enumerate() {
        for &i in &fc.sites {
            if let Some(sd) = sites.get_mut(i) {
                sd.flow.push((fc.city as u32, k));
            }
        }
    }
    // Capacity rows Σ coef c ≥ min are dualised as the shared limits Σ (−coef) c ≤ −min,
    // after them (index offset: the number of shared limits).
    let offset = p.shared_limits.len();
    for (r, row) in p.capacity_rows.iter().enumerate() {
        for &(i, coef) in &row.terms {
            if let Some(sd) = sites.get_mut(i) {
                sd.shared.push((offset + r, -coef));
            }
        }
    }
}

/// The largest admissible `μ_r` of a zone: its expansion cost when it has a limit (beyond it
/// the paid expansion `e_r` would be free), 0 when it has none (no row to dualise).
fn zone_multiplier_cap(z: &crate::model::ZoneInput) -> f64 {
    if z.limit_mw.is_some() {
        z.expansion_cost_aud_per_mw
    } else {
        0.0
    }
}

/// [`Relaxation::optimise`] stops when the bound gained less than 1e-7 (relative) over this
/// many iterations.
const STALL: usize = 300;

/// Relative safety margin of [`reduced_cost_fixing`] against rounding in the bound.
pub const FIXING_MARGIN: f64 = 1e-9;

/// Reduced-cost fixing (see the module documentation): returns `fix` with every free site
/// whose forced value would bound every such solution at ≥ `ub` fixed to the other value.
pub fn reduced_cost_fixing(
    rel: &Relaxation<'_>,
    ev: &Evaluation,
    fix: &[Fix],
    ub: f64,
) -> Vec<Fix> {
    let mut out = fix.to_vec();
    if !(ub.is_finite() && ev.value.is_finite()) {
        return out;
    }
    let threshold = ub + FIXING_MARGIN * ub.abs().max(1.0);
    let budget = rel.p.max_sites.unwrap_or(usize::MAX);
    let chosen: Vec<usize> = (0..fix.len())
        .filter(|&i| fix[i] == Fix::Free && ev.open[i])
        .collect();
    let n_open = ev.n_forced + chosen.len();
    let h_next = (0..fix.len())
        .filter(|&i| fix[i] == Fix::Free && !ev.open[i])
        .map(|i| ev.h[i])
        .fold(f64::INFINITY, f64::min);
    let h_worst = chosen
        .iter()
        .map(|&i| ev.h[i])
        .fold(f64::NEG_INFINITY, f64::max);
    for i in 0..fix.len() {
        if fix[i] != Fix::Free {
            continue;
        }
        let forced = if ev.open[i] {
            // Close i: the freed place goes to the best site left out if that helps, or must
            // (below the least number of open sites).
            let refill = if n_open - 1 < rel.min_open {
                h_next
            } else {
                h_next.min(0.0)
            };
            ev.value - ev.h[i] + refill
        } else {
            // Open i: the worst chosen site leaves if the budget is full, or if it was chosen
            // only to reach the least number of open sites (h ≥ 0).
            let drop = if n_open + 1 > budget {
                if chosen.is_empty() {
                    f64::NEG_INFINITY
                } else {
                    h_worst
                }
            } else if !chosen.is_empty() && h_worst >= 0.0 && n_open >= rel.min_open {
                h_worst
            } else {
                0.0
            };
            ev.value + ev.h[i] - drop
        };
        if forced >= threshold {
            out[i] = if ev.open[i] { Fix::Open } else { Fix::Closed };
        }
    }
    out
}

/// Euclidean projection of `v` onto `{x ≥ 0, Σ x ≤ cap}` (sort-based: Held, Wolfe and
/// Crowder 1974; Duchi et al. 2008 for the simplex).
fn project_capped_simplex(v: &mut [f64], cap: f64) {
    for x in v.iter_mut() {
        *x = x.max(0.0);
    }
    let sum: f64 = v.iter().sum();
    if sum <= cap {
        return;
    }
    if cap <= 0.0 {
        v.iter_mut().for_each(|x| *x = 0.0);
        return;
    }
    let mut u: Vec<f64> = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut acc = 0.0;
    let mut tau = 0.0;
    for (k, &x) in u.iter().enumerate() {
        acc += x;
        let t = (acc - cap) / (k + 1) as f64;
        if x - t > 0.0 {
            tau = t;
        } else {
            break;
        }
    }
    for x in v.iter_mut() {
        *x = (*x - tau).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::project_capped_simplex;

    /// The projection is feasible and no feasible point on a grid around it is closer.
    #[test]
    fn capped_simplex_projection_is_the_nearest_feasible_point() {
        let cases: [(&[f64], f64); 6] = [
            (&[3.0, 1.0, -1.0], 2.0),
            (&[1.0, 1.0], 1.0),
            (&[0.2, 0.3], 1.0),
            (&[-1.0, -2.0], 0.5),
            (&[0.9, 0.8, 0.7, 0.1], 1.5),
            (&[5.0, 5.0, 5.0], 0.0),
        ];
        for (v, cap) in cases {
            let mut x = v.to_vec();
            project_capped_simplex(&mut x, cap);
            let sum: f64 = x.iter().sum();
            assert!(
                x.iter().all(|&a| a >= 0.0) && sum <= cap + 1e-12,
                "{v:?} → {x:?}"
            );
            let d = |y: &[f64]| -> f64 { y.iter().zip(v).map(|(a, b)| (a - b).powi(2)).sum() };
            let best = d(&x);
            // Every feasible point of a 0.05 grid over [0, cap]^n is at least as far.
            let n = v.len();
            let steps = (cap / 0.05).round() as usize;
            let mut idx = vec![0usize; n];
            loop {
                let y: Vec<f64> = idx.iter().map(|&k| k as f64 * 0.05).collect();
                if y.iter().sum::<f64>() <= cap + 1e-12 {
                    assert!(d(&y) >= best - 1e-12, "{v:?}: {y:?} nearer than {x:?}");
                }
                let mut k = 0;
                while k < n && idx[k] == steps {
                    idx[k] = 0;
                    k += 1;
                }
                if k == n {
                    break;
                }
                idx[k] += 1;
            }
        }
    }
}

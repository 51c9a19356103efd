//! Exact dominance reduction of the candidate set, to keep large siting problems small.
//!
//! **Dominance.** Site A dominates site B (A ⪰ B) when both are in the same REZ (or neither is
//! in one) and A is at least as good in every respect the model sees: fixed cost F_A ≤ F_B,
//! cost per MW v_A ≤ v_B, PUE_A ≤ PUE_B, min size ≤, max size ≥, coefficient in every shared
//! limit ≤, a member of every cover set B is in, and for every city B may
//! serve, A may serve it too, at an RTT and assignment cost no higher than B's. Ties are broken
//! by index (the lower index dominates), so ⪰ is a strict order and transitive.
//!
//! **Why removing dominated sites is exact.** Take an optimal solution S that opens a removed
//! site B. If some dominator A of B is closed in S, move B's capacity and flows to A: every
//! constraint still holds (A reaches B's cities within their limits; A's size limits admit B's
//! capacity; A's zone is B's and A draws no more grid power; the number of distinct sites
//! serving each city, and of open sites, is unchanged; A uses no more of any shared limit
//! than B and belongs to every cover set B belongs to) and no cost term rises (nor the worst
//! RTT). So S' is optimal too, and it opens A instead of B; A is higher in the strict order, so
//! repeating the swap ends. It can only fail if *every* dominator of B is open in S, i.e. if S
//! opens more than |dominators(B)| sites. Hence: if an optimal solution opens at most `m`
//! sites, removing every site with at least `m` dominators leaves the optimum unchanged.
//! [`open_sites_bound`] gives such an `m` from any feasible solution's cost; must-build sites
//! are never removed.
//!
//! **Size tightening.** [`tighten_sizes`] lowers each site's largest size to what its hard
//! shared limits allow on their own (`c_i ≤ limit / coef_i`): the problem's plans are unchanged,
//! but the relaxations become stronger (see there).
//!
//! **Envelope test (least cost).** [`reduce_envelope`] goes further within classes of sites that
//! differ only in fixed cost and cost per MW: a site is removed when, at every size it could be
//! built at, at least `m` others of its class are strictly cheaper (see there for the proof).

use crate::model::build::pair_allowed;
use crate::model::{
    CapacityRow, Contingency, CoverSet, FlowCap, SharedLimit, SitingProblem, Solution,
};
use rayon::prelude::*;

/// True if site `a` dominates site `b` (see the module docs); `a != b`.
pub fn dominates(p: &SitingProblem, a: usize, b: usize) -> bool {
    dominates_with(p, &SideRows::new(p), a, b)
}

/// Per-site view of the shared limits and cover sets: `(limit index, coefficient)` pairs and
/// cover-set indices, sorted by index.
struct SideRows {
    limits: Vec<Vec<(usize, f64)>>,
    covers: Vec<Vec<usize>>,
    /// Capacity rows (≥): `(row index, coefficient)`.
    capacity: Vec<Vec<(usize, f64)>>,
    /// Flow caps the site is in.
    caps: Vec<Vec<usize>>,
}

impl SideRows {
    fn new(p: &SitingProblem) -> SideRows {
        let n = p.sites.len();
        let mut limits = vec![Vec::new(); n];
        let mut covers = vec![Vec::new(); n];
        for (k, l) in p.shared_limits.iter().enumerate() {
            for &(i, coef) in &l.terms {
                if i < n && coef != 0.0 {
                    limits[i].push((k, coef));
                }
            }
        }
        for (k, c) in p.cover_sets.iter().enumerate() {
            for &i in &c.sites {
                if i < n {
                    covers[i].push(k);
                }
            }
        }
        for v in &mut covers {
            v.dedup();
        }
        let mut capacity = vec![Vec::new(); n];
        for (k, r) in p.capacity_rows.iter().enumerate() {
            for &(i, coef) in &r.terms {
                if i < n && coef != 0.0 {
                    capacity[i].push((k, coef));
                }
            }
        }
        let mut caps = vec![Vec::new(); n];
        for (k, c) in p.flow_caps.iter().enumerate() {
            for &i in &c.sites {
                if i < n {
                    caps[i].push(k);
                }
            }
        }
        SideRows {
            limits,
            covers,
            capacity,
            caps,
        }
    }

    fn capacity(&self, i: usize) -> &[(usize, f64)] {
        self.capacity.get(i).map_or(&[], |v| v.as_slice())
    }

    fn caps(&self, i: usize) -> &[usize] {
        self.caps.get(i).map_or(&[], |v| v.as_slice())
    }

    /// Moving b's capacity and flows to a keeps every promise row: a counts at least as much
    /// as b in every capacity row, and every flow cap a is in also holds b.
    fn promise_rows_allow(&self, a: usize, b: usize) -> bool {
        let (qa, qb) = (self.capacity(a), self.capacity(b));
        // coef_a ≥ coef_b for every row, missing = 0 (both sorted by row index).
        let ge = |x: &[(usize, f64)], y: &[(usize, f64)]| limits_le(y, x) && limits_le_neg(x, y);
        let (ca, cb) = (self.caps(a), self.caps(b));
        ge(qa, qb) && ca.iter().all(|k| cb.binary_search(k).is_ok())
    }

    fn limits(&self, i: usize) -> &[(usize, f64)] {
        self.limits.get(i).map_or(&[], |v| v.as_slice())
    }

    fn covers(&self, i: usize) -> &[usize] {
        self.covers.get(i).map_or(&[], |v| v.as_slice())
    }
}

/// `a`'s coefficient is ≤ `b`'s in every limit (missing = 0). Both sorted by limit index.
fn limits_le(a: &[(usize, f64)], b: &[(usize, f64)]) -> bool {
    a.iter().all(|&(k, ca)| {
        let cb = b
            .binary_search_by_key(&k, |t| t.0)
            .map_or(0.0, |pos| b[pos].1);
        ca <= cb
    })
}

/// Every coefficient of `a` missing from `b` is ≥ 0 (b's missing coefficient is 0 there).
fn limits_le_neg(a: &[(usize, f64)], b: &[(usize, f64)]) -> bool {
    a.iter()
        .all(|&(k, ca)| ca >= 0.0 || b.binary_search_by_key(&k, |t| t.0).is_ok())
}

fn dominates_with(p: &SitingProblem, side: &SideRows, a: usize, b: usize) -> bool {
    let (sa, sb) = (&p.sites[a], &p.sites[b]);
    if a == b || sa.excluded || sa.zone != sb.zone {
        return false;
    }
    let le = |x: f64, y: f64| x <= y;
    if !(le(sa.fixed_cost_aud, sb.fixed_cost_aud)
        && le(sa.var_cost_aud_per_mw, sb.var_cost_aud_per_mw)
        && le(sa.pue, sb.pue)
        && le(sa.min_mw, sb.min_mw)
        && le(sb.max_mw, sa.max_mw))
    {
        return false;
    }
    // Shared limits: A may use no more of any limit than B; cover sets: A must count in every
    // set B counts in.
    let (la, lb) = (side.limits(a), side.limits(b));
    if !limits_le(la, lb) {
        return false;
    }
    let (ca, cb) = (side.covers(a), side.covers(b));
    if !cb.iter().all(|k| ca.binary_search(k).is_ok()) || !side.promise_rows_allow(a, b) {
        return false;
    }
    let mut equal = la == lb
        && ca == cb
        && side.capacity(a) == side.capacity(b)
        && side.caps(a) == side.caps(b)
        && sa.fixed_cost_aud == sb.fixed_cost_aud
        && sa.var_cost_aud_per_mw == sb.var_cost_aud_per_mw
        && sa.pue == sb.pue
        && sa.min_mw == sb.min_mw
        && sa.max_mw == sb.max_mw;
    for j in 0..p.cities.len() {
        let (ab, aa) = (pair_allowed(p, b, j), pair_allowed(p, a, j));
        if ab {
            if !aa
                || p.rtt_ms[a][j] > p.rtt_ms[b][j]
                || p.assign_cost_aud_per_mw[a][j] > p.assign_cost_aud_per_mw[b][j]
            {
                return false;
            }
            equal &= p.rtt_ms[a][j] == p.rtt_ms[b][j]
                && p.assign_cost_aud_per_mw[a][j] == p.assign_cost_aud_per_mw[b][j];
        } else if aa {
            equal = false;
        }
    }
    !equal || a < b
}

/// Indices of the sites to keep: every site except excluded ones and those with at least `m`
/// dominators (must-build sites are always kept). Deterministic, in index order.
pub fn reduce(p: &SitingProblem, m: usize) -> Vec<usize> {
    let n = p.sites.len();
    // Dominators share b's zone and have v ≤ v_b: per zone, scan sites in (v, F, index)
    // order, up to b's position plus any later sites with the same v.
    let mut groups: std::collections::BTreeMap<Option<usize>, Vec<usize>> = Default::default();
    for i in (0..n).filter(|&i| !p.sites[i].excluded) {
        groups.entry(p.sites[i].zone).or_default().push(i);
    }
    let key = |x: &usize, y: &usize| {
        let (sx, sy) = (&p.sites[*x], &p.sites[*y]);
        sx.var_cost_aud_per_mw
            .total_cmp(&sy.var_cost_aud_per_mw)
            .then(sx.fixed_cost_aud.total_cmp(&sy.fixed_cost_aud))
            .then(x.cmp(y))
    };
    let mut work: Vec<(usize, usize, Option<usize>)> = Vec::new(); // (site, position, zone)
    for (zone, members) in groups.iter_mut() {
        members.sort_by(key);
        work.extend(members.iter().enumerate().map(|(k, &i)| (i, k, *zone)));
    }
    let side = SideRows::new(p);
    let keep: Vec<bool> = work
        .par_iter()
        .map(|&(b, k, zone)| {
            if p.sites[b].must_build || m == usize::MAX {
                return true;
            }
            let order = &groups[&zone];
            let vb = p.sites[b].var_cost_aud_per_mw;
            let mut count = 0usize;
            let before = order.iter().take(k);
            let after = order
                .iter()
                .skip(k + 1)
                .take_while(|&&a| p.sites[a].var_cost_aud_per_mw <= vb);
            for &a in before.chain(after) {
                if dominates_with(p, &side, a, b) {
                    count += 1;
                    if count >= m {
                        return false;
                    }
                }
            }
            true
        })
        .collect();
    let mut kept: Vec<usize> = work
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(&(i, _, _), _)| i)
        .collect();
    kept.sort_unstable();
    kept
}

/// The least a city's demand can cost in capacity, assignment and penalty, on its own: the
/// fractional knapsack that fills `D_j` from the sites that reach it, cheapest `v_i + a_ij`
/// first, each up to its flow bound `min(D_j / k_j, max_mw_i)`, the rest (or anything dearer
/// than the penalty) at the penalty. Sites shared between cities only make the joint problem
/// dearer, so the sum over cities bounds every plan's variable cost from below. Infinite when
/// the demand cannot be covered and unserved demand is not allowed.
fn city_floor(p: &SitingProblem, j: usize) -> f64 {
    let city = &p.cities[j];
    let penalty = p.unserved_penalty_aud_per_mw;
    let mut offers: Vec<(f64, f64)> = p
        .sites
        .iter()
        .enumerate()
        .filter(|(i, s)| !s.excluded && crate::model::build::pair_allowed(p, *i, j))
        .map(|(i, s)| {
            let a = p
                .assign_cost_aud_per_mw
                .get(i)
                .and_then(|r| r.get(j))
                .copied()
                .unwrap_or(0.0);
            (
                (s.var_cost_aud_per_mw + a).max(0.0),
                crate::model::build::flow_upper(p, i, j).max(0.0),
            )
        })
        .filter(|&(c, _)| c < penalty)
        .collect();
    offers.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut left = city.demand_mw.max(0.0);
    let mut cost = 0.0;
    for (c, cap) in offers {
        if left <= 0.0 {
            break;
        }
        let x = cap.min(left);
        cost += c * x;
        left -= x;
    }
    if left > 0.0 {
        cost += penalty.max(0.0) * left;
    }
    cost
}

/// An upper bound on the number of sites an optimal `MinCost` solution opens, given the
/// objective of any feasible solution (`upper_bound_aud`). An optimum costs at least
/// `#open · F_min + Σ_j floor_j` (fixed costs, plus each city's demand served as cheaply as
/// its reachable sites' capacity and assignment costs allow — or at the penalty —, see
/// `city_floor`; capacity covers what a site serves, `v_i`, `a_ij` and expansion costs are
/// ≥ 0, which [`crate::model::build::validate`] checks), and at least
/// `#open · min_i (F_i + v_i · min_mw_i)`; both bound `#open`. Also capped by `max_sites`.
/// `usize::MAX` when no bound follows (a site that can open at no cost).
///
/// The per-city floor is what makes the bound useful on the siting data: the cheapest
/// capacity overall (`v_min · ΣD`, the earlier floor) is often at a site that reaches no city
/// within its limit, and the gap to it then allowed dozens of open sites where the
/// optimum opens five.
pub fn open_sites_bound(p: &SitingProblem, upper_bound_aud: f64) -> usize {
    let usable = || p.sites.iter().filter(|s| !s.excluded);
    let f_min = usable()
        .map(|s| s.fixed_cost_aud)
        .fold(f64::INFINITY, f64::min);
    let v_min = usable()
        .map(|s| s.var_cost_aud_per_mw)
        .fold(f64::INFINITY, f64::min);
    let open_min = usable()
        .map(|s| s.fixed_cost_aud + s.var_cost_aud_per_mw * s.min_mw)
        .fold(f64::INFINITY, f64::min);
    let demand: f64 = p.cities.iter().map(|c| c.demand_mw).sum();
    let global_floor = v_min.min(p.unserved_penalty_aud_per_mw).max(0.0) * demand;
    let per_city_floor: f64 = (0..p.cities.len()).map(|j| city_floor(p, j)).sum();
    // The per-city floor is never below the global one; fall back to it when the per-city
    // one is not a finite number (a city no site reaches and no finite penalty).
    let floor_cost = if per_city_floor.is_finite() {
        per_city_floor.max(global_floor)
    } else {
        global_floor
    };
    // Slack against rounding and solver tolerances in the cost that `upper_bound_aud` came
    // from (1e-6 of it, e.g. A$2.7 k on a A$2.7 B plan): only ever loosens the bound.
    let slack = 1e-6 * upper_bound_aud.abs().max(1.0);
    let count = |budget: f64, per_site: f64| -> usize {
        if per_site > 0.0 && budget.is_finite() && per_site.is_finite() {
            let b = ((budget + slack).max(0.0) / per_site).floor();
            if b < (usize::MAX / 2) as f64 {
                return b as usize;
            }
        }
        usize::MAX
    };
    let bound = count(upper_bound_aud - floor_cost, f_min).min(count(upper_bound_aud, open_min));
    p.max_sites.map_or(bound, |k| k.min(bound))
}

/// Relative margin added to a size tightened by [`tighten_sizes`], against rounding in the
/// division (a slightly larger size is still a valid bound).
const TIGHTEN_MARGIN: f64 = 1e-12;

/// The problem with every site's largest size lowered to what its hard shared limits allow on
/// their own, or `None` when no size changes.
///
/// A shared limit `Σ coef_k c_k ≤ limit` has coefficients ≥ 0 and capacities ≥ 0 (both
/// validated), so every plan has `c_i ≤ limit / coef_i` for each term with `coef_i > 0`: lowering
/// `max_mw` to the least such quotient (plus a relative 1e-12 against rounding) keeps exactly
/// the same plans. A site whose quotient falls below its least size can never open; it is
/// marked excluded (a must-build site is left as it is, so the problem stays as infeasible as
/// it was). Costs, indices and everything else are unchanged, so a solution of the tightened
/// problem is a solution of `p` with the same cost.
///
/// What it buys is in the relaxations: the size row `c_i ≤ max_mw_i y_i` is the only link
/// between a site's capacity and its fixed cost there, and a relaxation that opens a site at the
/// fraction `c_i / max_mw_i` (the LP) pays that fraction of `F_i`. With the densified grid points
/// (`max_mw` 1,000 MW in zones whose solar or network limit allows 500–900 MW per site) the LP
/// bound of the 100k × 47 problem's last candidate set rises from 0.164 % to 0.049 % below the
/// optimum with the tightened sizes (HiGHS' presolve makes the same change: its root bound is
/// the tightened one).
pub fn tighten_sizes(p: &SitingProblem) -> Option<SitingProblem> {
    let mut cap = vec![f64::INFINITY; p.sites.len()];
    for l in &p.shared_limits {
        if !(l.limit.is_finite() && l.limit >= 0.0) {
            continue;
        }
        for &(i, coef) in &l.terms {
            if let Some(c) = cap.get_mut(i) {
                if coef.is_finite() && coef > 0.0 {
                    *c = c.min(l.limit / coef * (1.0 + TIGHTEN_MARGIN));
                }
            }
        }
    }
    let changed = |i: usize| {
        let s = &p.sites[i];
        cap[i] < s.max_mw && !s.excluded && !(s.must_build && cap[i] < s.min_mw)
    };
    if !(0..p.sites.len()).any(changed) {
        return None;
    }
    let mut q = p.clone();
    for (i, s) in q.sites.iter_mut().enumerate() {
        if !changed(i) {
            continue;
        }
        if cap[i] < s.min_mw {
            s.excluded = true;
        } else {
            s.max_mw = cap[i];
        }
    }
    Some(q)
}

/// The problem restricted to the sites `kept` (zones and cities unchanged; shared limits and
/// cover sets keep the terms of kept sites, renumbered).
pub fn restrict(p: &SitingProblem, kept: &[usize]) -> SitingProblem {
    let mut new_index = vec![None; p.sites.len()];
    for (k, &i) in kept.iter().enumerate() {
        new_index[i] = Some(k);
    }
    let shared_limits = p
        .shared_limits
        .iter()
        .map(|l| SharedLimit {
            terms: l
                .terms
                .iter()
                .filter_map(|&(i, coef)| new_index.get(i).copied().flatten().map(|k| (k, coef)))
                .collect(),
            ..l.clone()
        })
        .collect();
    let cover_sets = p
        .cover_sets
        .iter()
        .map(|c| CoverSet {
            sites: c
                .sites
                .iter()
                .filter_map(|&i| new_index.get(i).copied().flatten())
                .collect(),
            ..c.clone()
        })
        .collect();
    let map = |i: usize| new_index.get(i).copied().flatten();
    let capacity_rows = p
        .capacity_rows
        .iter()
        .map(|r| CapacityRow {
            terms: r
                .terms
                .iter()
                .filter_map(|&(i, c)| map(i).map(|k| (k, c)))
                .collect(),
            ..r.clone()
        })
        .collect();
    let flow_caps = p
        .flow_caps
        .iter()
        .map(|c| FlowCap {
            sites: c.sites.iter().filter_map(|&i| map(i)).collect(),
            ..c.clone()
        })
        .collect();
    let contingencies = p
        .contingencies
        .iter()
        .map(|c| Contingency {
            lost_pairs: c
                .lost_pairs
                .iter()
                .filter_map(|&(i, j)| map(i).map(|k| (k, j)))
                .collect(),
            ..c.clone()
        })
        .collect();
    let separation = p.separation.as_ref().map(|sep| crate::model::Separation {
        min_km: sep.min_km,
        close: kept
            .iter()
            .map(|&i| {
                sep.close
                    .get(i)
                    .map_or(Vec::new(), |v| v.iter().filter_map(|&k| map(k)).collect())
            })
            .collect(),
    });
    SitingProblem {
        separation,
        shared_limits,
        cover_sets,
        capacity_rows,
        flow_caps,
        contingencies,
        sites: kept.iter().map(|&i| p.sites[i].clone()).collect(),
        rtt_ms: kept.iter().map(|&i| p.rtt_ms[i].clone()).collect(),
        assign_cost_aud_per_mw: kept
            .iter()
            .map(|&i| p.assign_cost_aud_per_mw[i].clone())
            .collect(),
        ..p.clone()
    }
}

/// A solution of the restricted problem as a solution of the full one (`n_sites` sites).
pub fn expand(s: &Solution, kept: &[usize], n_sites: usize) -> Solution {
    let mut open = vec![false; n_sites];
    let mut capacity_mw = vec![0.0; n_sites];
    for (k, &i) in kept.iter().enumerate() {
        open[i] = s.open.get(k).copied().unwrap_or(false);
        capacity_mw[i] = s.capacity_mw.get(k).copied().unwrap_or(0.0);
    }
    let mut flows: Vec<(usize, usize, f64)> =
        s.flows.iter().map(|&(k, j, x)| (kept[k], j, x)).collect();
    flows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    Solution {
        open,
        capacity_mw,
        flows,
        unserved_mw: s.unserved_mw.clone(),
        expansion_mw: s.expansion_mw.clone(),
    }
}

/// Both exact reductions with bound `m`: [`reduce`], then [`reduce_envelope`] on what it keeps.
pub fn reduce_exact(p: &SitingProblem, m: usize) -> Vec<usize> {
    reduce_envelope(p, &reduce(p, m), m)
}

/// Sites of `kept` that survive the **envelope test** with bound `m` (a subset of `kept`, in
/// its order; all of `kept` unless the objective is least cost).
///
/// **Classes.** Two sites are in one class when the model sees them as identical except for
/// their fixed cost `F` and cost per MW `v`: same zone, PUE, size limits, shared-limit terms,
/// cover sets, allowed cities and assignment costs (bit for bit). Densified candidates
/// fall into few classes (106,853 national candidates at 5 km: 165 classes), differing only
/// in `F` (backhaul to the landing point) and `v` (grid connection), and those two trade off:
/// pairwise dominance (`F_A ≤ F_B` *and* `v_A ≤ v_B`) leaves most of them.
///
/// **The test.** Opened at capacity `c`, a site costs `F + v·c` in the objective; nothing else
/// about it differs within its class. Site B is removed when, at *every* capacity
/// `c ∈ [lo_B, hi_B]` it could be built at in an optimal plan, at least `m` other sites of its
/// class (not excluded) are strictly cheaper there (`F_A + v_A·c < F_B + v_B·c`, or the same
/// line and a lower index). `lo_B` is `min_mw`, `hi_B` is `min(max_mw, max(min_mw, Σ_j x̄_Bj) + module)`, with
/// `x̄_Bj` the flow bound to each city B may serve: capacity beyond what it can serve (rounded
/// up to a whole module, if any) only adds cost (`v ≥ 0`), so some optimal plan never builds
/// it.
///
/// **Why it is exact.** Let `m` bound the number of sites an optimal plan opens (see
/// [`open_sites_bound`]) and take, among the optimal plans with `c_i ≤ hi_i`, one that
/// minimises the sum of the indices of its open sites. Suppose it opens a removed site B at
/// `c_B`. At most `m − 1` other sites are open, so one of the `m` sites cheaper than B at `c_B`
/// is closed: give it B's capacity and flows and close B. Every constraint still holds (same
/// class), and the cost does not rise — so, the plan being optimal, it stays the same, which
/// (the line being strictly cheaper otherwise) means the same line at a lower index: the index
/// sum falls, a contradiction. Crossing points count as "not cheaper" (with a margin of
/// 1e-9 MW), so rounding can only keep a site, never remove one. Must-build sites are kept.
pub fn reduce_envelope(p: &SitingProblem, kept: &[usize], m: usize) -> Vec<usize> {
    use std::collections::HashMap;
    // RTT values enter the other objectives; only least cost sees a site as `F + v·c`.
    if p.objective != crate::scenario::Objective::MinCost || m == usize::MAX || m >= kept.len() {
        return kept.to_vec();
    }
    let side = SideRows::new(p);
    // The class key: every number the model uses about a site except F and v, as bits.
    let key = |i: usize| -> Vec<u64> {
        let s = &p.sites[i];
        let mut k = vec![
            s.zone.map_or(u64::MAX, |z| z as u64),
            s.pue.to_bits(),
            s.min_mw.to_bits(),
            s.max_mw.to_bits(),
        ];
        let limits = side.limits(i);
        k.push(limits.len() as u64);
        for &(l, coef) in limits {
            k.push(l as u64);
            k.push(coef.to_bits());
        }
        let covers = side.covers(i);
        k.push(covers.len() as u64);
        k.extend(covers.iter().map(|&c| c as u64));
        let capacity = side.capacity(i);
        k.push(capacity.len() as u64);
        for &(r, coef) in capacity {
            k.push(r as u64);
            k.push(coef.to_bits());
        }
        let caps = side.caps(i);
        k.push(caps.len() as u64);
        k.extend(caps.iter().map(|&c| c as u64));
        for j in 0..p.cities.len() {
            if pair_allowed(p, i, j) {
                k.push(j as u64);
                k.push(p.assign_cost_aud_per_mw[i][j].to_bits());
            }
        }
        k
    };
    let mut classes: HashMap<Vec<u64>, Vec<usize>> = HashMap::new();
    for &i in kept {
        if !p.sites[i].excluded {
            classes.entry(key(i)).or_default().push(i);
        }
    }
    let mut classes: Vec<Vec<usize>> = classes.into_values().collect();
    classes.sort_unstable_by_key(|c| c[0]);
    let removed: Vec<usize> = classes
        .par_iter()
        .flat_map_iter(|members| {
            let out: Vec<usize> = if members.len() <= m {
                Vec::new()
            } else {
                members
                    .iter()
                    .copied()
                    .filter(|&b| envelope_removes(p, members, b, m))
                    .collect()
            };
            out
        })
        .collect();
    let mut gone = vec![false; p.sites.len()];
    for i in removed {
        gone[i] = true;
    }
    kept.iter().copied().filter(|&i| !gone[i]).collect()
}

/// The envelope test of [`reduce_envelope`] for site `b` against the other `members` of its
/// class: true if at least `m` of them are cheaper than `b` at every capacity it may take.
fn envelope_removes(p: &SitingProblem, members: &[usize], b: usize, m: usize) -> bool {
    let sb = &p.sites[b];
    if sb.must_build {
        return false;
    }
    let lo = sb.min_mw.max(0.0);
    let reach: f64 = (0..p.cities.len())
        .filter(|&j| pair_allowed(p, b, j))
        .map(|j| crate::model::build::flow_upper(p, b, j).max(0.0))
        .sum();
    // With modules, capacity rounds up to the next module above what is served.
    let hi = sb
        .max_mw
        .min(lo.max(reach) + p.module_mw.unwrap_or(0.0).max(0.0));
    // Also false when either is NaN (validation rejects those; keep the site).
    if lo
        .partial_cmp(&hi)
        .is_none_or(|o| o == std::cmp::Ordering::Greater)
    {
        return false;
    }
    let margin = 1e-9 * hi.abs().max(1.0);
    let mut always = 0usize;
    // A is cheaper for c < end (its line is steeper), or for c > start (flatter).
    let mut ends: Vec<f64> = Vec::new();
    let mut starts: Vec<f64> = Vec::new();
    for &a in members {
        if a == b {
            continue;
        }
        let sa = &p.sites[a];
        let d_f = sa.fixed_cost_aud - sb.fixed_cost_aud;
        let d_v = sa.var_cost_aud_per_mw - sb.var_cost_aud_per_mw;
        if d_v == 0.0 {
            if d_f < 0.0 || (d_f == 0.0 && a < b) {
                always += 1;
            }
            continue;
        }
        let t = -d_f / d_v;
        if d_v > 0.0 {
            let end = t - margin;
            if end > hi {
                always += 1;
            } else if end > lo {
                ends.push(end);
            }
        } else {
            let start = t + margin;
            if start < lo {
                always += 1;
            } else if start < hi {
                starts.push(start);
            }
        }
    }
    if always >= m {
        return true;
    }
    if always + ends.len() + starts.len() < m {
        return false;
    }
    ends.sort_by(f64::total_cmp);
    starts.sort_by(f64::total_cmp);
    // Cheaper sites at capacity c: `always`, the ends above c, the starts below c. The
    // minimum over [lo, hi] is at lo, hi or an event point (intervals are open there).
    let count = |c: f64| -> usize {
        let ends_above = ends.len() - ends.partition_point(|&e| e <= c);
        let starts_below = starts.partition_point(|&s| s < c);
        always + ends_above + starts_below
    };
    [lo, hi]
        .iter()
        .chain(&ends)
        .chain(&starts)
        .all(|&c| count(c) >= m)
}

//! An independent checker: recomputes every constraint of model.md §6 and the cost of a
//! [`Solution`] from the [`SitingProblem`] alone, never trusting the solver (or the model
//! builder: it shares no code with `model::build`).
//!
//! Every promise can fail:
//! - **Absolute tolerances.** A constraint `lhs ≤ rhs` in MW is violated when
//!   `lhs − rhs > tol` MW (default 1e-6 MW = 1 W), whatever the size of the site or city: the
//!   tolerance never grows with `max_mw` or the demand. Money limits (cost cap, budget) allow
//!   `tol` × the limit the user gave; module counts allow `tol` modules.
//! - **The objective** is recomputed from the inputs and compared with the solver's reported
//!   value ([`check_reported`]): a relative difference above [`OBJECTIVE_TOLERANCE`] fails.
//! - **Redundancy counts distinct sites**: a (site, city) pair listed twice in the flows is a
//!   violation, and the D/k bound applies to the pair's total.
//! - **Shared limits and cover sets** are recomputed from the capacities and the open sites:
//!   `Σ coef·c_i ≤ limit` within `tol` (absolute, in the limit's unit), at least `min_open`
//!   distinct open sites per cover set, indices in range, finite coefficients and limits.
//! - **Indices in range** (flows, zones), **non-negative** capacities, flows, unserved MW and
//!   expansions, and **finite numbers** (any NaN or infinity in a cost, a size, a PUE, a
//!   demand or a solution value fails; infinite RTTs mean "unreachable" and an infinite
//!   unserved penalty means "serve all", as documented on the model).

use crate::model::{SitingProblem, Solution};
use crate::scenario::Objective;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default absolute tolerance of [`check`], MW (and modules; relative for money limits).
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// Largest relative difference between the recomputed and the reported objective.
pub const OBJECTIVE_TOLERANCE: f64 = 1e-6;

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CheckReport {
    /// No violation above the tolerance.
    pub feasible: bool,
    /// Largest violation found (0 if none): MW for MW constraints, a fraction for money
    /// limits and the objective, infinite for a violated logical rule.
    pub max_violation: f64,
    /// Every violation above the tolerance, naming site and city ids.
    pub violations: Vec<String>,
    /// The objective recomputed from the inputs: total annual cost with penalty (`MinCost`),
    /// worst RTT of any flow in ms (`MinWorstRtt`), MW of demand served (`MaxCoverage`).
    pub objective_recomputed: f64,
    /// Σ F_i over open sites, AUD/yr.
    pub fixed_aud: f64,
    /// Σ v_i c_i, AUD/yr.
    pub capacity_aud: f64,
    /// Σ a_ij x_ij, AUD/yr.
    pub assignment_aud: f64,
    /// Σ g_r e_r, AUD/yr.
    pub expansion_aud: f64,
    /// penalty · Σ u_j, AUD/yr (0 if the penalty is infinite and all demand is served).
    pub unserved_penalty_aud: f64,
    /// fixed + capacity + assignment + expansion (no penalty), AUD/yr.
    pub cost_aud: f64,
    /// Worst RTT of any flow, ms (0 without flows).
    pub worst_rtt_ms: f64,
    /// MW served.
    pub served_mw: f64,
    /// The objective the solver reported, when given to [`check_reported`].
    #[serde(default)]
    pub objective_reported: Option<f64>,
}

struct Acc {
    tol: f64,
    max: f64,
    violations: Vec<String>,
}

impl Acc {
    /// Records a violation of `amount` (MW, or already relative for money) if above the
    /// tolerance; NaN counts as infinite.
    fn check(&mut self, amount: f64, msg: impl FnOnce() -> String) {
        let amount = if amount.is_nan() {
            f64::INFINITY
        } else {
            amount
        };
        if amount > self.tol {
            self.max = self.max.max(amount);
            self.violations.push(msg());
        }
    }

    /// Records an infinite violation if `x` is not finite (NaN or ±∞).
    fn finite(&mut self, x: f64, what: impl FnOnce() -> String) {
        if !x.is_finite() {
            self.check(f64::INFINITY, || {
                format!("{} is {x}, not a finite number", what())
            });
        }
    }

    /// The report of a check that stopped early (a shape mismatch): infeasible, with the
    /// violations found so far and no totals.
    fn rejected(self) -> CheckReport {
        CheckReport {
            feasible: false,
            max_violation: self.max,
            violations: self.violations,
            ..Default::default()
        }
    }
}

/// A money excess as a fraction of the (user-given) limit.
fn rel(excess: f64, scale: f64) -> f64 {
    excess / scale.abs().max(1.0)
}

/// [`check_with_tolerance`] with [`DEFAULT_TOLERANCE`].
pub fn check(p: &SitingProblem, s: &Solution) -> CheckReport {
    check_with_tolerance(p, s, DEFAULT_TOLERANCE)
}

/// [`check`], and also compares the objective recomputed from the inputs with the value the
/// solver reported: a relative difference above [`OBJECTIVE_TOLERANCE`] (or a missing or
/// non-finite reported value) is a violation.
pub fn check_reported(p: &SitingProblem, s: &Solution, reported: Option<f64>) -> CheckReport {
    let mut r = check(p, s);
    r.objective_reported = reported;
    // The solver's objective includes the model builder's cost tie-break for the worst-RTT
    // and coverage objectives (worth at most 0.001 ms / 0.001 MW): add it back.
    let recomputed = match p.objective {
        Objective::MinCost => r.objective_recomputed,
        Objective::MinWorstRtt => {
            r.worst_rtt_ms + 1e-3 / tie_break_scale(p, p.cost_cap_aud_per_yr) * r.cost_aud
        }
        Objective::MaxCoverage => {
            let demand: f64 = p.cities.iter().map(|c| c.demand_mw).sum();
            let unserved: f64 = s.unserved_mw.iter().sum();
            demand - unserved - 1e-3 / tie_break_scale(p, p.budget_aud_per_yr) * r.cost_aud
        }
    };
    let bad = match reported {
        Some(v) if v.is_finite() && recomputed.is_finite() => {
            let d = (v - recomputed).abs() / recomputed.abs().max(v.abs()).max(1.0);
            (d > OBJECTIVE_TOLERANCE).then_some(d)
        }
        _ => Some(f64::INFINITY),
    };
    if let Some(d) = bad {
        r.feasible = false;
        r.max_violation = r.max_violation.max(d);
        r.violations.push(format!(
            "the solver reported objective {} but the solution's objective recomputed from the inputs is {recomputed} (relative difference {d:.3e} > {OBJECTIVE_TOLERANCE:e})",
            reported.map_or("none".to_string(), |v| v.to_string())
        ));
    }
    r
}

/// An upper bound on the cost of any solution, for the tie-break weight of the
/// `MinWorstRtt` and `MaxCoverage` objectives. The same formula as the model builder's
/// (model::build's module documentation), written again here so that the checker shares no
/// code with it.
fn tie_break_scale(p: &SitingProblem, limit: Option<f64>) -> f64 {
    let mut ub = 0.0;
    for (i, s) in p.sites.iter().enumerate() {
        if s.excluded {
            continue;
        }
        let max_a = p
            .assign_cost_aud_per_mw
            .get(i)
            .map(|row| row.iter().copied().fold(0.0, f64::max))
            .unwrap_or(0.0);
        let g = s
            .zone
            .and_then(|z| p.zones.get(z))
            .map(|z| z.expansion_cost_aud_per_mw * s.pue)
            .unwrap_or(0.0);
        ub += s.fixed_cost_aud + (s.var_cost_aud_per_mw + max_a + g) * s.max_mw;
    }
    let ub = ub.max(1.0);
    limit.map(|c| c.min(ub)).unwrap_or(ub).max(1.0)
}

/// Checks every constraint of `p` on `s` and recomputes the objective by component.
///
/// One step per promise family, in a fixed order (the order of the violations listed):
/// shapes, finite inputs, sites, the site count, flows, redundancy pairs, site output, demand
/// balance, zones, shared limits, cover sets, and the objective's own limits.
pub fn check_with_tolerance(p: &SitingProblem, s: &Solution, tol: f64) -> CheckReport {
    let mut a = Acc {
        tol,
        max: 0.0,
        violations: Vec::new(),
    };
    if !solution_shape_ok(p, s, &mut a) {
        return a.rejected();
    }
    check_finite_inputs(p, s, &mut a);
    if !matrix_shape_ok(p, &mut a) {
        return a.rejected();
    }
    let mut r = CheckReport::default();
    check_sites(p, s, &mut a, &mut r);
    check_site_count(p, s, &mut a);
    let flows = check_flows(p, s, &mut a, &mut r);
    check_pairs(p, &flows.pair_total, &mut a);
    check_site_output(p, s, &flows.site_out, &mut a);
    check_demand(p, s, &flows.served, &mut a, &mut r);
    check_zones(p, s, &mut a, &mut r);
    check_shared_limits(p, s, &mut a);
    check_cover_sets(p, s, &mut a);
    check_promise_rows(p, s, &mut a);
    check_contingencies(p, s, &mut a);
    check_separation(p, s, &mut a);
    check_objective(p, &mut a, &mut r);
    r.feasible = a.violations.is_empty();
    r.max_violation = a.max;
    r.violations = a.violations;
    r
}

/// Whether the solution's vectors have one entry per site, city and zone; records a
/// violation if not.
fn solution_shape_ok(p: &SitingProblem, s: &Solution, a: &mut Acc) -> bool {
    let (ns, nc, nz) = (p.sites.len(), p.cities.len(), p.zones.len());
    if s.open.len() == ns
        && s.capacity_mw.len() == ns
        && s.unserved_mw.len() == nc
        && s.expansion_mw.len() == nz
    {
        return true;
    }
    a.check(f64::INFINITY, || {
        format!(
            "solution shape: open {} / capacity {} (sites {ns}), unserved {} (cities {nc}), expansion {} (zones {nz})",
            s.open.len(),
            s.capacity_mw.len(),
            s.unserved_mw.len(),
            s.expansion_mw.len()
        )
    });
    false
}

/// Whether the RTT and assignment-cost matrices are sites × cities; records a violation if
/// not.
fn matrix_shape_ok(p: &SitingProblem, a: &mut Acc) -> bool {
    let (ns, nc) = (p.sites.len(), p.cities.len());
    if p.rtt_ms.len() == ns
        && p.rtt_ms.iter().all(|row| row.len() == nc)
        && p.assign_cost_aud_per_mw.len() == ns
        && p.assign_cost_aud_per_mw.iter().all(|row| row.len() == nc)
    {
        return true;
    }
    a.check(f64::INFINITY, || {
        format!("problem shape: the RTT and assignment-cost matrices must be {ns} × {nc}")
    });
    false
}

/// Every number the cost and the constraints use must be finite: site, city and zone
/// inputs, the unserved penalty and the solution's values; zone indices must be in range.
fn check_finite_inputs(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    let nz = p.zones.len();
    for site in &p.sites {
        let id = &site.id;
        a.finite(site.fixed_cost_aud, || format!("site \"{id}\" fixed cost"));
        a.finite(site.var_cost_aud_per_mw, || {
            format!("site \"{id}\" cost per MW")
        });
        a.finite(site.min_mw, || format!("site \"{id}\" minimum size"));
        a.finite(site.max_mw, || format!("site \"{id}\" maximum size"));
        a.finite(site.pue, || format!("site \"{id}\" PUE"));
        if let Some(z) = site.zone {
            if z >= nz {
                a.check(f64::INFINITY, || {
                    format!("site \"{id}\" refers to zone index {z}, but there are {nz} zones")
                });
            }
        }
    }
    for city in &p.cities {
        a.finite(city.demand_mw, || format!("city \"{}\" demand", city.id));
        if city.max_rtt_ms.is_nan() {
            a.check(f64::INFINITY, || {
                format!("city \"{}\" RTT limit is NaN", city.id)
            });
        }
    }
    for zone in &p.zones {
        a.finite(zone.expansion_cost_aud_per_mw, || {
            format!("zone \"{}\" expansion cost", zone.id)
        });
        if let Some(l) = zone.limit_mw {
            a.finite(l, || format!("zone \"{}\" network limit", zone.id));
        }
    }
    if p.unserved_penalty_aud_per_mw.is_nan() {
        a.check(f64::INFINITY, || {
            "the unserved-demand penalty is NaN".to_string()
        });
    }
    for (what, values) in [
        ("capacity_mw", &s.capacity_mw),
        ("unserved_mw", &s.unserved_mw),
        ("expansion_mw", &s.expansion_mw),
    ] {
        for (k, &v) in values.iter().enumerate() {
            a.finite(v, || format!("solution {what}[{k}]"));
        }
    }
}

/// Sites: excluded sites closed, must-build sites open, sizes within bounds (and zero when
/// closed), non-negative, whole modules; adds the fixed and capacity costs to `r`.
fn check_sites(p: &SitingProblem, s: &Solution, a: &mut Acc, r: &mut CheckReport) {
    for (i, site) in p.sites.iter().enumerate() {
        let c = s.capacity_mw[i];
        let id = &site.id;
        if s.open[i] {
            r.fixed_aud += site.fixed_cost_aud;
            if site.excluded {
                a.check(f64::INFINITY, || {
                    format!("site \"{id}\" is excluded but open")
                });
            }
            a.check(site.min_mw - c, || {
                format!(
                    "site \"{id}\" capacity {c} MW below its minimum {} MW",
                    site.min_mw
                )
            });
            a.check(c - site.max_mw, || {
                format!(
                    "site \"{id}\" capacity {c} MW above its maximum {} MW",
                    site.max_mw
                )
            });
        } else {
            if site.must_build {
                a.check(f64::INFINITY, || {
                    format!("site \"{id}\" is must-build but closed")
                });
            }
            a.check(c.abs(), || {
                format!("site \"{id}\" is closed but has capacity {c} MW")
            });
        }
        a.check(-c, || format!("site \"{id}\" has negative capacity {c} MW"));
        if let Some(m) = p.module_mw {
            let n = c / m;
            a.check((n - n.round()).abs(), || {
                format!("site \"{id}\" capacity {c} MW is not a whole number of {m} MW modules")
            });
        }
        r.capacity_aud += site.var_cost_aud_per_mw * c;
    }
}

/// At most `max_sites` sites open.
fn check_site_count(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    if let Some(max) = p.max_sites {
        let n = s.open.iter().filter(|o| **o).count();
        if n > max {
            a.check(f64::INFINITY, || {
                format!("{n} sites open but max_sites = {max}")
            });
        }
    }
}

/// What the flows add up to, for the checks that follow [`check_flows`].
struct FlowTotals {
    /// MW sent by each site.
    site_out: Vec<f64>,
    /// MW received by each city.
    served: Vec<f64>,
    /// Per (site, city) pair: total MW and the number of flow rows listing it.
    pair_total: BTreeMap<(usize, usize), (f64, usize)>,
}

/// Flows: finite, in range, non-negative, only from open sites, only within the city's RTT
/// limit; records the worst RTT and adds the assignment cost to `r`.
fn check_flows(p: &SitingProblem, s: &Solution, a: &mut Acc, r: &mut CheckReport) -> FlowTotals {
    let (ns, nc) = (p.sites.len(), p.cities.len());
    let mut t = FlowTotals {
        site_out: vec![0.0; ns],
        served: vec![0.0; nc],
        pair_total: BTreeMap::new(),
    };
    for &(i, j, x) in &s.flows {
        if !x.is_finite() {
            a.check(f64::INFINITY, || format!("flow ({i}, {j}) is {x} MW"));
            continue;
        }
        if i >= ns || j >= nc {
            a.check(f64::INFINITY, || {
                format!("flow ({i}, {j}) refers to no site/city")
            });
            continue;
        }
        let (site, city) = (&p.sites[i], &p.cities[j]);
        let e = t.pair_total.entry((i, j)).or_insert((0.0, 0));
        e.0 += x;
        e.1 += 1;
        a.check(-x, || {
            format!("flow \"{}\" → \"{}\" is negative: {x} MW", site.id, city.id)
        });
        if !s.open[i] && x > 0.0 {
            a.check(x, || {
                format!(
                    "closed site \"{}\" serves \"{}\" with {x} MW",
                    site.id, city.id
                )
            });
        }
        let rtt = p.rtt_ms[i][j];
        let within = rtt.is_finite() && rtt <= city.max_rtt_ms;
        if x > 0.0 && !within {
            a.check(f64::INFINITY, || {
                format!(
                    "flow \"{}\" → \"{}\" ({x} MW) has RTT {rtt} ms above the city's limit {} ms",
                    site.id, city.id, city.max_rtt_ms
                )
            });
        }
        if x > 0.0 && rtt.is_finite() {
            r.worst_rtt_ms = r.worst_rtt_ms.max(rtt);
        }
        t.site_out[i] += x;
        t.served[j] += x;
        r.assignment_aud += p.assign_cost_aud_per_mw[i][j] * x;
    }
    t
}

/// Redundancy: a (site, city) pair listed twice would let one site count twice towards a
/// city's redundancy, so it is a violation; the D/k bound applies to the pair's total.
fn check_pairs(
    p: &SitingProblem,
    pair_total: &BTreeMap<(usize, usize), (f64, usize)>,
    a: &mut Acc,
) {
    for (&(i, j), &(x, rows)) in pair_total {
        let (site, city) = (&p.sites[i], &p.cities[j]);
        if rows > 1 {
            a.check(f64::INFINITY, || {
                format!(
                    "flow \"{}\" → \"{}\" is listed {rows} times: a site counts once towards a city's redundancy",
                    site.id, city.id
                )
            });
        }
        let k = f64::from(city.min_sites.max(1));
        let cap = city.demand_mw / k;
        a.check(x - cap, || {
            format!(
                "flow \"{}\" → \"{}\" is {x} MW, above D/k = {cap} MW (redundancy k = {})",
                site.id, city.id, city.min_sites
            )
        });
    }
}

/// No site sends more than its capacity.
fn check_site_output(p: &SitingProblem, s: &Solution, site_out: &[f64], a: &mut Acc) {
    for (i, site) in p.sites.iter().enumerate() {
        let c = s.capacity_mw[i];
        a.check(site_out[i] - c, || {
            format!(
                "site \"{}\" serves {} MW above its capacity {c} MW",
                site.id, site_out[i]
            )
        });
    }
}

/// Demand balance: served + unserved = demand, unserved ≥ 0, and 0 when every city must be
/// served in full; adds the MW served and the unserved penalty to `r`.
fn check_demand(p: &SitingProblem, s: &Solution, served: &[f64], a: &mut Acc, r: &mut CheckReport) {
    let serve_all = matches!(p.objective, Objective::MinWorstRtt)
        || (matches!(p.objective, Objective::MinCost)
            && !p.unserved_penalty_aud_per_mw.is_finite());
    for (j, city) in p.cities.iter().enumerate() {
        let u = s.unserved_mw[j];
        a.check(-u, || {
            format!("city \"{}\" has negative unserved demand {u} MW", city.id)
        });
        a.check((served[j] + u - city.demand_mw).abs(), || {
            format!(
                "city \"{}\": served {} MW + unserved {u} MW ≠ demand {} MW",
                city.id, served[j], city.demand_mw
            )
        });
        if serve_all {
            a.check(u, || {
                format!(
                    "city \"{}\" has {u} MW unmet demand but must be served in full",
                    city.id
                )
            });
        }
        r.served_mw += served[j];
        if u > 0.0 && p.unserved_penalty_aud_per_mw.is_finite() {
            r.unserved_penalty_aud += p.unserved_penalty_aud_per_mw * u;
        }
    }
}

/// Zones: non-negative expansion, and the PUE-weighted load of a zone's sites within its
/// limit plus expansion; adds the expansion cost to `r`.
fn check_zones(p: &SitingProblem, s: &Solution, a: &mut Acc, r: &mut CheckReport) {
    for (z, zone) in p.zones.iter().enumerate() {
        let e = s.expansion_mw[z];
        a.check(-e, || {
            format!("zone \"{}\" has negative expansion {e} MW", zone.id)
        });
        r.expansion_aud += zone.expansion_cost_aud_per_mw * e;
        if let Some(limit) = zone.limit_mw {
            let load: f64 = p
                .sites
                .iter()
                .enumerate()
                .filter(|(_, st)| st.zone == Some(z))
                .map(|(i, st)| st.pue * s.capacity_mw[i])
                .sum();
            a.check(load - limit - e, || {
                format!(
                    "zone \"{}\" draws {load} MW above its limit {limit} MW + expansion {e} MW",
                    zone.id
                )
            });
        }
    }
}

/// Shared limits: Σ coef · c_i ≤ limit, recomputed from the capacities, with an absolute
/// tolerance (in the limit's own unit, e.g. MW of solar resource).
fn check_shared_limits(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    let ns = p.sites.len();
    for l in &p.shared_limits {
        a.finite(l.limit, || format!("shared limit \"{}\" limit", l.id));
        let mut used = 0.0;
        for &(i, coef) in &l.terms {
            a.finite(coef, || {
                format!("shared limit \"{}\" coefficient of site index {i}", l.id)
            });
            match s.capacity_mw.get(i) {
                Some(c) => used += coef * c,
                None => a.check(f64::INFINITY, || {
                    format!("shared limit \"{}\" names site index {i} of {ns}", l.id)
                }),
            }
        }
        a.check(used - l.limit, || {
            format!(
                "shared limit \"{}\" ({}) uses {used} above its limit {}",
                l.id, l.description, l.limit
            )
        });
    }
}

/// Cover sets: indices in range, and at least `min_open` distinct open sites of the set.
fn check_cover_sets(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    let ns = p.sites.len();
    for c in &p.cover_sets {
        if let Some(&i) = c.sites.iter().find(|&&i| i >= ns) {
            a.check(f64::INFINITY, || {
                format!("cover set \"{}\" names site index {i} of {ns}", c.id)
            });
        }
        let mut members: Vec<usize> = c.sites.clone();
        members.sort_unstable();
        members.dedup();
        let open = members
            .iter()
            .filter(|&&i| s.open.get(i).copied().unwrap_or(false))
            .count();
        if open < c.min_open as usize {
            a.check(f64::INFINITY, || {
                format!(
                    "cover set \"{}\" ({}) has {open} open site(s), needs {}",
                    c.id, c.description, c.min_open
                )
            });
        }
    }
}

/// Capacity rows (`Σ coef c_i ≥ min_mw`) and flow caps (`Σ_{i∈S} x_ij ≤ max_mw`), in MW.
fn check_promise_rows(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    use crate::model::rows::{capacity_lhs, flow_cap_lhs};
    for r in &p.capacity_rows {
        let lhs = capacity_lhs(r, s);
        a.check(r.min_mw - lhs, || {
            format!(
                "capacity row \"{}\" ({}): {lhs:.3} MW < {:.3} MW",
                r.id, r.description, r.min_mw
            )
        });
    }
    for c in &p.flow_caps {
        let lhs = flow_cap_lhs(c, s);
        a.check(lhs - c.max_mw, || {
            format!(
                "flow cap \"{}\" ({}): {lhs:.3} MW > {:.3} MW",
                c.id, c.description, c.max_mw
            )
        });
    }
}

/// Separation: no mutually-close group of a city's serving sites (brute force over the
/// serving sites, closeness from the problem's graph) carries more than `D / min_sites`.
fn check_separation(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    let Some(sep) = &p.separation else { return };
    let close = |x: usize, y: usize| sep.is_close(x, y);
    for (j, group) in crate::model::rows::separation_breaks(p, s, &close) {
        let ids: Vec<&str> = group.iter().map(|&i| p.sites[i].id.as_str()).collect();
        a.check(f64::INFINITY, || {
            format!(
                "separation: {} takes more than 1/{} of its demand from {} (within {} km of each other)",
                p.cities[j].id,
                p.cities[j].min_sites,
                ids.join(", "),
                sep.min_km
            )
        });
    }
}

/// N−1: after each contingency, an independent maximum flow over the built capacities (not
/// the solver's rows) serves `serve_share` of every city's demand over the pairs left.
fn check_contingencies(p: &SitingProblem, s: &Solution, a: &mut Acc) {
    for c in &p.contingencies {
        let demand: Vec<f64> = p
            .cities
            .iter()
            .map(|x| c.serve_share * x.demand_mw)
            .collect();
        let allowed = crate::model::rows::allowed_after(p, c);
        let served = crate::model::flow::max_served(&s.capacity_mw, &demand, &allowed);
        let short: Vec<String> = demand
            .iter()
            .zip(&served)
            .enumerate()
            .filter(|(_, (d, x))| **d - **x > 1e-6 * d.max(1.0))
            .map(|(j, (d, x))| format!("{} {:.1} MW short", p.cities[j].id, d - x))
            .collect();
        let total: f64 = demand.iter().zip(&served).map(|(d, x)| d - x).sum();
        a.check(total, || {
            format!("N−1: {} leaves {}", c.description, short.join(", "))
        });
    }
}

/// Totals the cost, sets the objective recomputed from the inputs, and checks the money
/// limit of the objective (cost cap or budget, relative to the limit).
fn check_objective(p: &SitingProblem, a: &mut Acc, r: &mut CheckReport) {
    r.cost_aud = r.fixed_aud + r.capacity_aud + r.assignment_aud + r.expansion_aud;
    match p.objective {
        Objective::MinCost => {
            r.objective_recomputed = r.cost_aud + r.unserved_penalty_aud;
        }
        Objective::MinWorstRtt => {
            r.objective_recomputed = r.worst_rtt_ms;
            if let Some(cap) = p.cost_cap_aud_per_yr {
                a.check(rel(r.cost_aud - cap, cap), || {
                    format!(
                        "annual cost {} AUD above the cost cap {cap} AUD",
                        r.cost_aud
                    )
                });
            }
        }
        Objective::MaxCoverage => {
            r.objective_recomputed = r.served_mw;
            if let Some(b) = p.budget_aud_per_yr {
                a.check(rel(r.cost_aud - b, b), || {
                    format!("annual cost {} AUD above the budget {b} AUD", r.cost_aud)
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CityInput, SiteInput};

    fn site(id: &str, fixed: f64, var: f64) -> SiteInput {
        SiteInput {
            id: id.into(),
            fixed_cost_aud: fixed,
            var_cost_aud_per_mw: var,
            min_mw: 10.0,
            max_mw: 60.0,
            zone: None,
            pue: 1.0,
            must_build: false,
            excluded: false,
        }
    }

    fn city(id: &str, demand_mw: f64, max_rtt_ms: f64) -> CityInput {
        CityInput {
            id: id.into(),
            demand_mw,
            max_rtt_ms,
            min_sites: 1,
        }
    }

    /// Violations of four families at once come out family by family (sites, site count,
    /// redundancy pairs, site output), and the cost is recomputed by component; every
    /// number below is worked out by hand.
    #[test]
    fn violations_are_listed_family_by_family_and_costs_recomputed() {
        let p = SitingProblem {
            sites: vec![
                site("syd", 100.0, 2.0),
                site("mel", 80.0, 3.0),
                site("far", 10.0, 1.0),
            ],
            cities: vec![city("tokyo", 40.0, 120.0), city("osaka", 30.0, 110.0)],
            zones: vec![],
            rtt_ms: vec![vec![100.0, 105.0], vec![110.0, 108.0], vec![115.0, 130.0]],
            assign_cost_aud_per_mw: vec![vec![1.0, 1.0], vec![1.0, 1.0], vec![1.0, 1.0]],
            max_sites: Some(1),
            module_mw: None,
            unserved_penalty_aud_per_mw: 1e9,
            objective: Objective::MinCost,
            cost_cap_aud_per_yr: None,
            budget_aud_per_yr: None,
            shared_limits: vec![],
            cover_sets: vec![],
            capacity_rows: Vec::new(),
            flow_caps: Vec::new(),
            contingencies: Vec::new(),
            separation: None,
        };
        let s = Solution {
            open: vec![true, false, true],
            capacity_mw: vec![5.0, 0.0, 40.0],
            flows: vec![(0, 1, 5.0), (0, 1, 1.0), (2, 0, 40.0)],
            unserved_mw: vec![0.0, 24.0],
            expansion_mw: vec![],
        };
        let r = check(&p, &s);
        assert!(!r.feasible);
        assert_eq!(
            r.violations,
            [
                "site \"syd\" capacity 5 MW below its minimum 10 MW",
                "2 sites open but max_sites = 1",
                "flow \"syd\" → \"osaka\" is listed 2 times: a site counts once towards a city's redundancy",
                "site \"syd\" serves 6 MW above its capacity 5 MW",
            ]
        );
        assert_eq!(r.max_violation, f64::INFINITY);
        // fixed 100 + 10; capacity 2·5 + 1·40; assignment 1·(5 + 1 + 40); penalty 1e9 · 24.
        assert_eq!(r.fixed_aud, 110.0);
        assert_eq!(r.capacity_aud, 50.0);
        assert_eq!(r.assignment_aud, 46.0);
        assert_eq!(r.cost_aud, 206.0);
        assert_eq!(r.unserved_penalty_aud, 24e9);
        assert_eq!(r.objective_recomputed, 206.0 + 24e9);
        assert_eq!(r.served_mw, 46.0);
        assert_eq!(r.worst_rtt_ms, 115.0);
    }

    /// A solution of the wrong shape stops the check at once: infeasible, no totals.
    #[test]
    fn wrong_shape_is_rejected_before_any_total() {
        let p = SitingProblem {
            sites: vec![site("syd", 100.0, 2.0)],
            cities: vec![city("tokyo", 40.0, 120.0)],
            zones: vec![],
            rtt_ms: vec![vec![100.0]],
            assign_cost_aud_per_mw: vec![vec![1.0]],
            max_sites: None,
            module_mw: None,
            unserved_penalty_aud_per_mw: 1e9,
            objective: Objective::MinCost,
            cost_cap_aud_per_yr: None,
            budget_aud_per_yr: None,
            shared_limits: vec![],
            cover_sets: vec![],
            capacity_rows: Vec::new(),
            flow_caps: Vec::new(),
            contingencies: Vec::new(),
            separation: None,
        };
        let s = Solution {
            open: vec![true],
            capacity_mw: vec![40.0, 1.0],
            flows: vec![(0, 0, 40.0)],
            unserved_mw: vec![0.0],
            expansion_mw: vec![],
        };
        let r = check_with_tolerance(&p, &s, f64::INFINITY);
        assert!(
            !r.feasible,
            "even a tolerance that records nothing rejects a bad shape"
        );
        assert_eq!(r.fixed_aud, 0.0);
        assert_eq!(r.objective_recomputed, 0.0);
    }
}

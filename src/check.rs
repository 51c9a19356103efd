//! An independent checker: recomputes every constraint of model.md §6 and the cost of a
//! [`Solution`] from the [`SitingProblem`] alone, never trusting the solver (or the model
//! builder: it shares no code with `model::build`).
//!
//! Violations are measured relative to the size of the quantity involved: a constraint
//! `lhs ≤ rhs` is violated by `(lhs − rhs) / max(1, |rhs|)` (`|D_j|` for demand balance, the
//! site's max size for capacity), and reported when above the tolerance (default 1e-6).

use crate::model::{SitingProblem, Solution};
use crate::scenario::Objective;
use serde::{Deserialize, Serialize};

/// Default relative tolerance of [`check`].
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CheckReport {
    /// No violation above the tolerance.
    pub feasible: bool,
    /// Largest relative violation found (0 if none).
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
}

struct Acc {
    tol: f64,
    max: f64,
    violations: Vec<String>,
}

impl Acc {
    /// Records a violation of `amount` (already relative) if above the tolerance.
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
}

fn rel(excess: f64, scale: f64) -> f64 {
    excess / scale.abs().max(1.0)
}

/// [`check_with_tolerance`] with [`DEFAULT_TOLERANCE`].
pub fn check(p: &SitingProblem, s: &Solution) -> CheckReport {
    check_with_tolerance(p, s, DEFAULT_TOLERANCE)
}

/// Checks every constraint of `p` on `s` and recomputes the objective by component.
pub fn check_with_tolerance(p: &SitingProblem, s: &Solution, tol: f64) -> CheckReport {
    let mut a = Acc {
        tol,
        max: 0.0,
        violations: Vec::new(),
    };
    let (ns, nc, nz) = (p.sites.len(), p.cities.len(), p.zones.len());
    if s.open.len() != ns
        || s.capacity_mw.len() != ns
        || s.unserved_mw.len() != nc
        || s.expansion_mw.len() != nz
    {
        a.check(f64::INFINITY, || {
            format!(
                "solution shape: open {} / capacity {} (sites {ns}), unserved {} (cities {nc}), expansion {} (zones {nz})",
                s.open.len(),
                s.capacity_mw.len(),
                s.unserved_mw.len(),
                s.expansion_mw.len()
            )
        });
        return CheckReport {
            feasible: false,
            max_violation: a.max,
            violations: a.violations,
            ..Default::default()
        };
    }

    let mut r = CheckReport::default();
    // Sites: open/closed, sizes, modules.
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
            a.check(rel(site.min_mw - c, site.min_mw), || {
                format!(
                    "site \"{id}\" capacity {c} MW below its minimum {} MW",
                    site.min_mw
                )
            });
            a.check(rel(c - site.max_mw, site.max_mw), || {
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
            a.check(rel(c.abs(), site.max_mw), || {
                format!("site \"{id}\" is closed but has capacity {c} MW")
            });
        }
        a.check(rel(-c, site.max_mw), || {
            format!("site \"{id}\" has negative capacity {c} MW")
        });
        if let Some(m) = p.module_mw {
            let n = c / m;
            a.check((n - n.round()).abs(), || {
                format!("site \"{id}\" capacity {c} MW is not a whole number of {m} MW modules")
            });
        }
        r.capacity_aud += site.var_cost_aud_per_mw * c;
    }
    if let Some(max) = p.max_sites {
        let n = s.open.iter().filter(|o| **o).count();
        if n > max {
            a.check(f64::INFINITY, || {
                format!("{n} sites open but max_sites = {max}")
            });
        }
    }

    // Flows.
    let mut site_out = vec![0.0; ns];
    let mut served = vec![0.0; nc];
    for &(i, j, x) in &s.flows {
        if i >= ns || j >= nc {
            a.check(f64::INFINITY, || {
                format!("flow ({i}, {j}) refers to no site/city")
            });
            continue;
        }
        let (site, city) = (&p.sites[i], &p.cities[j]);
        a.check(rel(-x, city.demand_mw), || {
            format!("flow \"{}\" → \"{}\" is negative: {x} MW", site.id, city.id)
        });
        if !s.open[i] && x > 0.0 {
            a.check(rel(x, city.demand_mw), || {
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
        let k = f64::from(city.min_sites.max(1));
        let cap = city.demand_mw / k;
        a.check(rel(x - cap, cap), || {
            format!(
                "flow \"{}\" → \"{}\" is {x} MW, above D/k = {cap} MW (redundancy k = {})",
                site.id, city.id, city.min_sites
            )
        });
        if x > 0.0 && rtt.is_finite() {
            r.worst_rtt_ms = r.worst_rtt_ms.max(rtt);
        }
        site_out[i] += x;
        served[j] += x;
        r.assignment_aud += p.assign_cost_aud_per_mw[i][j] * x;
    }
    for (i, site) in p.sites.iter().enumerate() {
        let c = s.capacity_mw[i];
        a.check(rel(site_out[i] - c, c.max(site.max_mw)), || {
            format!(
                "site \"{}\" serves {} MW above its capacity {c} MW",
                site.id, site_out[i]
            )
        });
    }

    // Demand balance.
    let serve_all = matches!(p.objective, Objective::MinWorstRtt)
        || (matches!(p.objective, Objective::MinCost)
            && !p.unserved_penalty_aud_per_mw.is_finite());
    for (j, city) in p.cities.iter().enumerate() {
        let u = s.unserved_mw[j];
        a.check(rel(-u, city.demand_mw), || {
            format!("city \"{}\" has negative unserved demand {u} MW", city.id)
        });
        a.check(
            rel((served[j] + u - city.demand_mw).abs(), city.demand_mw),
            || {
                format!(
                    "city \"{}\": served {} MW + unserved {u} MW ≠ demand {} MW",
                    city.id, served[j], city.demand_mw
                )
            },
        );
        if serve_all {
            a.check(rel(u, city.demand_mw), || {
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

    // Zones.
    for (z, zone) in p.zones.iter().enumerate() {
        let e = s.expansion_mw[z];
        a.check(rel(-e, zone.limit_mw.unwrap_or(1.0)), || {
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
            a.check(rel(load - limit - e, limit), || {
                format!(
                    "zone \"{}\" draws {load} MW above its limit {limit} MW + expansion {e} MW",
                    zone.id
                )
            });
        }
    }

    // Shared limits: Σ coef · c_i ≤ limit.
    for l in &p.shared_limits {
        let mut used = 0.0;
        for &(i, coef) in &l.terms {
            match s.capacity_mw.get(i) {
                Some(c) => used += coef * c,
                None => a.check(f64::INFINITY, || {
                    format!("shared limit \"{}\" names site index {i} of {ns}", l.id)
                }),
            }
        }
        a.check(rel(used - l.limit, l.limit), || {
            format!(
                "shared limit \"{}\" ({}) uses {used} above its limit {}",
                l.id, l.description, l.limit
            )
        });
    }
    // Cover sets: at least min_open distinct open sites of the set.
    for c in &p.cover_sets {
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

    r.cost_aud = r.fixed_aud + r.capacity_aud + r.assignment_aud + r.expansion_aud;
    match p.objective {
        Objective::MinCost => {
            r.objective_recomputed = r.cost_aud + r.unserved_penalty_aud;
        }
        Objective::MinWorstRtt => {
            r.objective_recomputed = r.worst_rtt_ms;
            if let Some(cap) = p.cost_cap_aud {
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
            if let Some(b) = p.budget_aud {
                a.check(rel(r.cost_aud - b, b), || {
                    format!("annual cost {} AUD above the budget {b} AUD", r.cost_aud)
                });
            }
        }
    }
    r.feasible = a.violations.is_empty();
    r.max_violation = a.max;
    r.violations = a.violations;
    r
}

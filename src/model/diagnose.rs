//! Pre-solve diagnosis: structural reasons a siting problem cannot be satisfied, found from the
//! inputs alone and reported with names and numbers before any solver runs.
//!
//! # Unserved demand versus infeasibility
//! Service is *required* for `MinWorstRtt` (the model has no unserved variables) and for
//! `MinCost` when the unserved penalty is at least [`SERVE_ALL_PENALTY_AUD_PER_MW`] (the default
//! 1e9 AUD/MW/yr, far above any real cost per MW) or infinite. Then every reason full service is
//! impossible (capacity short of demand, a city with no site inside its latency limit, too few
//! reachable sites for its redundancy) is an [`Error::Infeasible`] here, instead of a solution
//! with unserved demand. With a lower, finite penalty the user asked for a trade-off: the MIP may
//! leave demand unserved and the solution reports it (`Solution::unserved_mw`). `MaxCoverage`
//! never requires service. Structural contradictions (must-build and excluded; more must-build
//! sites than `max_sites`) are errors for every objective.

use super::build::{pair_allowed, unserved_allowed, validate};
use super::SitingProblem;
use crate::error::{Error, Result};
use crate::scenario::Objective;

/// From this unserved penalty on (AUD per MW per year), `MinCost` must serve all demand.
pub const SERVE_ALL_PENALTY_AUD_PER_MW: f64 = 1e9;

/// True if the problem requires all demand to be served (see the module documentation).
pub fn service_required(p: &SitingProblem) -> bool {
    match p.objective {
        Objective::MinWorstRtt => true,
        Objective::MaxCoverage => false,
        Objective::MinCost => {
            !unserved_allowed(p) || p.unserved_penalty_aud_per_mw >= SERVE_ALL_PENALTY_AUD_PER_MW
        }
    }
}

fn list(ids: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

/// Checks `p` for structural infeasibility. Returns [`Error::Infeasible`] naming every culprit
/// found (sites, cities, numbers) with a hint, or [`Error::Invalid`] for malformed input.
pub fn diagnose(p: &SitingProblem) -> Result<()> {
    validate(p)?;
    let mut found: Vec<(String, String)> = Vec::new();

    let both: Vec<&str> = p
        .sites
        .iter()
        .filter(|s| s.must_build && s.excluded)
        .map(|s| s.id.as_str())
        .collect();
    if !both.is_empty() {
        found.push((
            format!("site {} is both must-build and excluded", list(&both)),
            "remove it from --must-build or from --exclude".into(),
        ));
    }
    let must: Vec<&str> = p
        .sites
        .iter()
        .filter(|s| s.must_build)
        .map(|s| s.id.as_str())
        .collect();
    if let Some(max) = p.max_sites {
        if must.len() > max {
            found.push((
                format!(
                    "{} must-build sites ({}) but max_sites = {max}",
                    must.len(),
                    list(&must)
                ),
                "raise --max-sites or drop must-build sites".into(),
            ));
        }
    }
    for s in p.sites.iter().filter(|s| s.must_build && !s.excluded) {
        if s.min_mw > s.max_mw {
            found.push((
                format!(
                    "must-build site \"{}\" has min size {} MW above its max size {} MW",
                    s.id, s.min_mw, s.max_mw
                ),
                "lower min_site_mw or drop the must-build".into(),
            ));
        }
    }

    for c in &p.cover_sets {
        let usable_ids: Vec<&str> = c
            .sites
            .iter()
            .filter(|&&i| i < p.sites.len() && usable(p, i))
            .map(|&i| p.sites[i].id.as_str())
            .collect();
        if usable_ids.len() < c.min_open as usize {
            found.push((
                format!(
                    "{} [{}]: needs {} open site(s) but only {} can open{}",
                    c.description,
                    c.id,
                    c.min_open,
                    usable_ids.len(),
                    if usable_ids.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", list(&usable_ids))
                    }
                ),
                "relax the requirement behind it (e.g. the city's RTT limit) or add candidates"
                    .into(),
            ));
        }
    }

    if service_required(p) {
        diagnose_service(p, &mut found);
    }

    if found.is_empty() {
        return Ok(());
    }
    let diagnosis = found
        .iter()
        .map(|(d, _)| d.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let mut hints: Vec<&str> = Vec::new();
    for (_, h) in &found {
        if !hints.contains(&h.as_str()) {
            hints.push(h);
        }
    }
    Err(Error::Infeasible {
        diagnosis,
        hint: hints.join("; "),
    })
}

/// Sites that may open and carry flow (not excluded, size limits consistent).
fn usable(p: &SitingProblem, i: usize) -> bool {
    let s = &p.sites[i];
    !s.excluded && s.max_mw >= s.min_mw && s.max_mw > 0.0
}

fn diagnose_service(p: &SitingProblem, found: &mut Vec<(String, String)>) {
    let total_demand: f64 = p.cities.iter().map(|c| c.demand_mw).sum();
    diagnose_total_capacity(p, total_demand, found);
    diagnose_shared_limits(p, total_demand, found);
    for (j, c) in p.cities.iter().enumerate() {
        if c.demand_mw > 0.0 {
            diagnose_city(p, j, found);
        }
    }
}

/// Total demand against the capacity of the usable sites (at most `max_sites` of them).
fn diagnose_total_capacity(
    p: &SitingProblem,
    total_demand: f64,
    found: &mut Vec<(String, String)>,
) {
    // Capacity of sites that can serve anyone, at most max_sites of them (the largest).
    let mut caps: Vec<f64> = (0..p.sites.len())
        .filter(|&i| usable(p, i) && (0..p.cities.len()).any(|j| pair_allowed(p, i, j)))
        .map(|i| p.sites[i].max_mw)
        .collect();
    caps.sort_by(|a, b| b.total_cmp(a));
    let n_usable = caps.len();
    if let Some(m) = p.max_sites {
        caps.truncate(m);
    }
    let total_cap: f64 = caps.iter().sum();
    if total_cap + 1e-9 * total_demand.max(1.0) < total_demand {
        let which = match p.max_sites {
            Some(m) if m < n_usable => {
                format!("the {m} largest of {n_usable} usable sites (max_sites = {m})")
            }
            _ => format!("all {n_usable} usable sites"),
        };
        found.push((
            format!(
                "total demand {total_demand:.3} MW exceeds the maximum capacity {total_cap:.3} MW of {which}"
            ),
            "add candidates (wider --region), raise max_site_mw or --max-sites, or lower demand".into(),
        ));
    }
}

/// A shared limit every serving site draws on caps the capacity that can be built.
fn diagnose_shared_limits(p: &SitingProblem, total_demand: f64, found: &mut Vec<(String, String)>) {
    let serving: Vec<usize> = (0..p.sites.len())
        .filter(|&i| usable(p, i) && (0..p.cities.len()).any(|j| pair_allowed(p, i, j)))
        .collect();
    for l in &p.shared_limits {
        let mut coef = vec![0.0; p.sites.len()];
        for &(i, c) in &l.terms {
            if let Some(v) = coef.get_mut(i) {
                *v = c;
            }
        }
        let min_coef = serving
            .iter()
            .map(|&i| coef[i])
            .fold(f64::INFINITY, f64::min);
        if serving.is_empty() || min_coef <= 0.0 || min_coef.is_nan() {
            continue;
        }
        let most_mw = l.limit / min_coef;
        if most_mw + 1e-9 * total_demand.max(1.0) < total_demand {
            found.push((
                format!(
                    "{} [{}]: every site that can serve a city draws on it, so at most \
                     {most_mw:.3} MW can be built against total demand {total_demand:.3} MW",
                    l.description, l.id
                ),
                "lower demand or relax the limit".into(),
            ));
        }
    }
}

/// City `j`: a site within its limit, enough of them for its redundancy, and enough capacity.
fn diagnose_city(p: &SitingProblem, j: usize, found: &mut Vec<(String, String)>) {
    let c = &p.cities[j];
    let reachable: Vec<usize> = (0..p.sites.len())
        .filter(|&i| usable(p, i) && pair_allowed(p, i, j))
        .collect();
    if reachable.is_empty() {
        let best = (0..p.sites.len())
            .filter(|&i| !p.sites[i].excluded)
            .filter_map(|i| {
                let r = p.rtt_ms[i][j];
                r.is_finite().then_some((r, i))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let best = match best {
            Some((r, i)) => format!(
                "the best available is {r:.2} ms from site \"{}\"",
                p.sites[i].id
            ),
            None => "no non-excluded site reaches it at all".into(),
        };
        found.push((
            format!(
                "city \"{}\" has no candidate site within its RTT limit {:.2} ms: {best}",
                c.id, c.max_rtt_ms
            ),
            "raise the city's max RTT (--max-rtt-ms) or add candidates nearer its cables".into(),
        ));
        return;
    }
    let k = c.min_sites.max(1) as usize;
    if reachable.len() < k {
        let ids: Vec<&str> = reachable.iter().map(|&i| p.sites[i].id.as_str()).collect();
        found.push((
            format!(
                "city \"{}\" must be served by at least {k} sites but only {} site{} within its RTT limit {:.2} ms: {}",
                c.id,
                reachable.len(),
                if reachable.len() == 1 { " is" } else { "s are" },
                c.max_rtt_ms,
                list(&ids)
            ),
            "lower --min-sites or raise --max-rtt-ms".into(),
        ));
        return;
    }
    let per_site = c.demand_mw / k as f64;
    let reach_cap: f64 = reachable
        .iter()
        .map(|&i| p.sites[i].max_mw.min(per_site))
        .sum();
    if reach_cap + 1e-9 * c.demand_mw.max(1.0) < c.demand_mw {
        found.push((
            format!(
                "city \"{}\" needs {:.3} MW but the {} sites within its RTT limit {:.2} ms can serve at most {reach_cap:.3} MW",
                c.id,
                c.demand_mw,
                reachable.len(),
                c.max_rtt_ms
            ),
            "raise --max-rtt-ms, raise max_site_mw, or lower the city's demand".into(),
        ));
    }
}

/// Warnings that do not make the problem infeasible but are probably not what the user meant:
/// a must-build site with no city inside its latency limit (it is built and serves nobody).
pub fn warnings(p: &SitingProblem) -> Vec<String> {
    p.sites
        .iter()
        .enumerate()
        .filter(|(_, s)| s.must_build && !s.excluded)
        .filter(|(i, _)| !(0..p.cities.len()).any(|j| pair_allowed(p, *i, j)))
        .map(|(_, s)| {
            format!(
                "must-build site \"{}\" is within no city's RTT limit: it will be built at its \
                 minimum size {} MW and serve nobody",
                s.id, s.min_mw
            )
        })
        .collect()
}

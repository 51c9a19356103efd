//! Critical-mineral co-location as an exact MIP row (issue 27; docs/policy.md).
//!
//! With `[minerals] min_share = S` and `radius_km = R`, at least S of the built IT MW must lie
//! within R km (geodesic) of a critical-mineral site of the minerals layer that matches the
//! `groups` (the layer's `critical` column) and `status` filters. With M the model's sites that
//! have a matching deposit within R km, `Σ_{i∈M} c_i ≥ S Σ_i c_i` is one linear row over the
//! site capacities:
//!
//! ```text
//! Σ_{i∈M} (1 − S) c_i − Σ_{i∉M} S c_i ≥ 0
//! ```
//!
//! a [`CapacityRow`] with negative coefficients (the engine's dominance, envelope, size
//! tightening, Lagrangian and checker treat capacity rows with coefficients of either sign).
//! A rule no plan can meet because no site of the model is in range is an explained
//! infeasibility naming the nearest matching deposits.

use crate::data::{Dataset, LonLat, MineralSite};
use crate::error::{Error, Result};
use crate::model::{CapacityRow, SitingProblem, Solution};
use crate::scenario::MineralParams;
use crate::spatial::geodesy::distance_km;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Id of the co-location row among the problem's capacity rows.
pub const ROW_ID: &str = "minerals:share";

/// Indices (into `ds.minerals`) of the critical sites that match `params`' groups and status
/// (case-insensitive; empty lists match everything). A group or status the layer does not have
/// is a usage error naming the field, with near matches.
pub fn matching(ds: &Dataset, params: &MineralParams) -> Result<Vec<usize>> {
    let lower = |s: &str| s.trim().to_lowercase();
    let critical = || ds.minerals.iter().filter(|m| m.is_critical());
    let groups: BTreeSet<String> = critical()
        .flat_map(|m| m.critical.iter().cloned())
        .collect();
    let statuses: BTreeSet<String> = critical().map(|m| m.status.clone()).collect();
    for (field, wanted, known) in [
        (
            "--mineral-groups / minerals.groups",
            &params.groups,
            &groups,
        ),
        (
            "--mineral-status / minerals.status",
            &params.status,
            &statuses,
        ),
    ] {
        let names: BTreeSet<String> = known.iter().map(|k| lower(k)).collect();
        if let Some(bad) = wanted.iter().find(|w| !names.contains(&lower(w))) {
            let refs: Vec<&str> = known.iter().map(String::as_str).collect();
            let close = crate::latency::graph::close_matches(bad, &refs, 5);
            let near = if close.is_empty() {
                String::new()
            } else {
                format!("did you mean {}? ", close.join(", "))
            };
            return Err(Error::usage(
                format!("{field}: no critical-mineral site of the minerals layer has `{bad}`"),
                format!("{near}values in the layer: {}", refs.join(", ")),
            ));
        }
    }
    let g: BTreeSet<String> = params.groups.iter().map(|x| lower(x)).collect();
    let s: BTreeSet<String> = params.status.iter().map(|x| lower(x)).collect();
    Ok(ds
        .minerals
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_critical())
        .filter(|(_, m)| g.is_empty() || m.critical.iter().any(|c| g.contains(&lower(c))))
        .filter(|(_, m)| s.is_empty() || s.contains(&lower(&m.status)))
        .map(|(k, _)| k)
        .collect())
}

/// For each location, the matching deposits (`matching` indices into `ds.minerals`) within
/// `radius_km` (geodesic, inclusive), as `(mineral index, km)` sorted by km then index.
pub fn near(
    ds: &Dataset,
    matching: &[usize],
    locations: &[LonLat],
    radius_km: f64,
) -> Vec<Vec<(usize, f64)>> {
    let points: Vec<LonLat> = matching.iter().map(|&k| ds.minerals[k].location).collect();
    let idx = crate::spatial::PointIndex::new(points);
    locations
        .iter()
        .map(|&p| {
            idx.within_km(p, radius_km)
                .into_iter()
                .map(|(k, km)| (matching[k], km))
                .collect()
        })
        .collect()
}

/// The co-location row over the problem's sites: coefficient `1 − share` for a site with a
/// matching deposit in range (`in_range[i]`), `−share` otherwise (terms with coefficient 0
/// left out; excluded sites too, they build nothing).
pub fn share_row(p: &SitingProblem, in_range: &[bool], params: &MineralParams) -> CapacityRow {
    let s = params.min_share;
    let terms = p
        .sites
        .iter()
        .enumerate()
        .filter(|(_, site)| !site.excluded)
        .map(|(i, _)| {
            let near = in_range.get(i).copied().unwrap_or(false);
            (i, if near { 1.0 - s } else { -s })
        })
        .filter(|&(_, c)| c != 0.0)
        .collect();
    CapacityRow {
        id: ROW_ID.to_string(),
        description: format!(
            "at least {:.0} % of the built MW within {} km of a matching critical-mineral site",
            100.0 * s,
            params.radius_km
        ),
        terms,
        min_mw: 0.0,
    }
}

/// Adds the co-location row to `p` when the rule is in force (`locations[i]` is site i's
/// position). Errors: an unknown group or status (usage), or no site of the model in range of a
/// matching deposit (infeasible, naming the nearest deposits). Returns each site's matching
/// deposits in range (empty lists when the rule is off).
pub fn add_rule(
    ds: &Dataset,
    params: &MineralParams,
    p: &mut SitingProblem,
    locations: &[LonLat],
) -> Result<Vec<Vec<(usize, f64)>>> {
    if params.is_off() {
        return Ok(vec![Vec::new(); locations.len()]);
    }
    let matching = matching(ds, params)?;
    let near = near(ds, &matching, locations, params.radius_km);
    if !params.in_force() {
        return Ok(near);
    }
    let in_range: Vec<bool> = near.iter().map(|v| !v.is_empty()).collect();
    let usable = |i: usize| !p.sites[i].excluded && in_range[i];
    if !(0..p.sites.len()).any(usable) {
        return Err(Error::Infeasible {
            diagnosis: format!(
                "no site of the model is within {} km of a matching critical-mineral site ({} match the groups and status), so none of the built MW can count towards the {:.0} % share: {}",
                params.radius_km,
                matching.len(),
                100.0 * params.min_share,
                nearest_text(ds, &matching, p, locations)
            ),
            hint: "raise --mineral-radius-km, widen [minerals] groups / status, lower --min-mineral-share, or widen the latency limits or --region so sites near the deposits enter the model".into(),
        });
    }
    if params.min_share >= 1.0 {
        exclude_out_of_range(p, &in_range);
        explain_unreachable(p, params)?;
    }
    p.capacity_rows.push(share_row(p, &in_range, params));
    Ok(near)
}

/// `e` with the mineral rule named as a cause when it excluded sites (a share of 1): a
/// later infeasibility (e.g. separation) then says why so few sites are left.
pub fn with_cause(e: Error, params: &MineralParams) -> Error {
    match e {
        Error::Infeasible { diagnosis, hint } if params.in_force() && params.min_share >= 1.0 => {
            Error::Infeasible {
                diagnosis: format!(
                    "{diagnosis} (with a mineral share of 100 % only sites within {} km of a matching critical-mineral site may build)",
                    params.radius_km
                ),
                hint: format!("{hint}; or lower --min-mineral-share below 1"),
            }
        }
        e => e,
    }
}

/// With a share of 1 a site out of range may build 0 MW only, so it is never in an optimal plan
/// (it would pay its fixed cost for nothing): excluded up front (must-build sites are left to
/// the row). Exact, and it leaves the engine a small problem.
fn exclude_out_of_range(p: &mut SitingProblem, in_range: &[bool]) {
    for (i, site) in p.sites.iter_mut().enumerate() {
        if !site.must_build && !in_range.get(i).copied().unwrap_or(false) {
            site.excluded = true;
        }
    }
}

/// A city that no site in range reaches within its limit cannot be served under a share of 1:
/// an explained infeasibility naming the cities.
fn explain_unreachable(p: &SitingProblem, params: &MineralParams) -> Result<()> {
    let short: Vec<String> = p
        .cities
        .iter()
        .enumerate()
        .filter(|&(j, _)| {
            !(0..p.sites.len())
                .any(|i| !p.sites[i].excluded && crate::model::build::pair_allowed(p, i, j))
        })
        .map(|(_, c)| format!("{} ({:.1} ms)", c.id, c.max_rtt_ms))
        .collect();
    if short.is_empty() {
        return Ok(());
    }
    Err(Error::Infeasible {
        diagnosis: format!(
            "with a mineral share of 100 % only sites within {} km of a matching critical-mineral site may build, and none of them reaches {} within the limit",
            params.radius_km,
            short.join(", ")
        ),
        hint: "lower --min-mineral-share below 1, raise --mineral-radius-km, or raise the named cities' limits".into(),
    })
}

/// The matching deposits nearest to the model's (not excluded) sites: up to three, each with
/// the site nearest to it and the distance.
fn nearest_text(
    ds: &Dataset,
    matching: &[usize],
    p: &SitingProblem,
    locations: &[LonLat],
) -> String {
    let mut best: Vec<(f64, usize, usize)> = Vec::new(); // (km, mineral, site)
    for &k in matching {
        let m = &ds.minerals[k];
        let nearest = (0..p.sites.len().min(locations.len()))
            .filter(|&i| !p.sites[i].excluded)
            .map(|i| (distance_km(locations[i], m.location), i))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if let Some((km, i)) = nearest {
            best.push((km, k, i));
        }
    }
    best.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    if best.is_empty() {
        return "the minerals layer has no matching site".into();
    }
    let parts: Vec<String> = best
        .iter()
        .take(3)
        .map(|&(km, k, i)| {
            let m: &MineralSite = &ds.minerals[k];
            format!(
                "{} ({}, {}) is {km:.1} km from {}",
                m.name,
                m.id,
                m.critical.join("/"),
                p.sites[i].id
            )
        })
        .collect();
    format!("the nearest matching deposits are {}", parts.join("; "))
}

/// One open site of a plan and the matching deposits within range of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoLocatedSite {
    /// Site id.
    pub site: String,
    /// IT MW built there.
    pub built_mw: f64,
    /// Matching deposits within the radius, nearest first: (id, name, km).
    pub deposits: Vec<(String, String, f64)>,
}

/// What a plan achieves under the co-location rule (the report's `minerals` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MineralShare {
    /// The share asked for, 0..=1.
    pub min_share: f64,
    /// The radius, km.
    pub radius_km: f64,
    /// IT MW built in total.
    pub built_mw: f64,
    /// IT MW built within the radius of a matching deposit.
    pub co_located_mw: f64,
    /// `co_located_mw / built_mw` (0 when nothing is built).
    pub share_achieved: f64,
    /// The open sites within range and their deposits (sites out of range are not listed).
    pub sites: Vec<CoLocatedSite>,
    /// Annual cost of the best plan without the rule, AUD per year (`None`: not computed).
    pub cost_without_rule_aud_per_yr: Option<f64>,
    /// What the rule costs: this plan's cost minus that, AUD per year.
    pub delta_aud_per_yr: Option<f64>,
}

/// The share a plan achieves: `near[i]` are site i's matching deposits in range (from
/// [`add_rule`]).
pub fn achieved(
    ds: &Dataset,
    params: &MineralParams,
    p: &SitingProblem,
    s: &Solution,
    near: &[Vec<(usize, f64)>],
) -> MineralShare {
    let mut out = MineralShare {
        min_share: params.min_share,
        radius_km: params.radius_km,
        built_mw: 0.0,
        co_located_mw: 0.0,
        share_achieved: 0.0,
        sites: Vec::new(),
        cost_without_rule_aud_per_yr: None,
        delta_aud_per_yr: None,
    };
    for (i, site) in p.sites.iter().enumerate() {
        let mw = s.capacity_mw.get(i).copied().unwrap_or(0.0);
        if !s.open.get(i).copied().unwrap_or(false) || mw <= 0.0 {
            continue;
        }
        out.built_mw += mw;
        let deposits = near.get(i).map_or(&[][..], Vec::as_slice);
        if deposits.is_empty() {
            continue;
        }
        out.co_located_mw += mw;
        out.sites.push(CoLocatedSite {
            site: site.id.clone(),
            built_mw: mw,
            deposits: deposits
                .iter()
                .map(|&(k, km)| (ds.minerals[k].id.clone(), ds.minerals[k].name.clone(), km))
                .collect(),
        });
    }
    if out.built_mw > 0.0 {
        out.share_achieved = out.co_located_mw / out.built_mw;
    }
    out
}

//! The promises a plan states, as model data: N−1 contingencies from the latency model's
//! failure domains, and the closeness graph of the minimum separation; the explanations when
//! no plan can keep them; and the end-to-end re-check of separation on geodesic distances.
//!
//! - **N−1** (`[model] survive_cable_cut`): one [`Contingency`] per failure domain on some
//!   site → city fastest path (each cable system, landing station and shared transit hub such
//!   as Guam; see [`crate::latency::domains`]), holding the
//!   (site, city) pairs within the city's limit before the loss but not after it. The engine
//!   makes the built capacity serve `survive_share` of every city over the pairs left
//!   ([`crate::engine::lazy`]).
//! - **Separation** (`[model] min_separation_km`): sites closer than the distance (geodesic)
//!   are one failure group for a city with `min_sites = k ≥ 2`: together they carry at most
//!   `D / k`.

use crate::candidates::Candidate;
use crate::data::{Demand, LonLat};
use crate::error::{Error, Result};
use crate::latency::LatencyModel;
use crate::model::{Contingency, Separation, SitingProblem, Solution};
use crate::spatial::geodesy::distance_km;

/// One failure domain's loss: (kind, id, name, the RTT matrix after it).
pub type DomainLoss = (String, String, String, crate::latency::RttMatrix);

/// Every failure domain on some fastest path between `sites` and `cities` (each cable system,
/// landing station and shared transit hub, [`LatencyModel::domain_matrices`]), with the RTTs
/// after its loss.
pub fn domain_losses(
    latency: &LatencyModel,
    sites: &[LonLat],
    cities: &[LonLat],
) -> Vec<DomainLoss> {
    latency
        .domain_matrices(sites, cities)
        .into_iter()
        .map(|(d, m)| (d.kind.as_str().to_string(), d.id, d.name, m))
        .collect()
}

/// The N−1 contingencies of the problem's sites (`locations`, parallel to `p.sites`): one per
/// failure domain whose loss takes a site out of some city's limit. A domain whose loss leaves
/// a city no site within its limit, or too little capacity, is an explained infeasibility
/// naming the domain, the city and the tightest limit at which a surviving plan can exist.
pub fn contingencies(
    latency: &LatencyModel,
    demand: &Demand,
    p: &SitingProblem,
    locations: &[LonLat],
    share: f64,
    kinds: &[String],
    stat: &str,
) -> Result<Vec<Contingency>> {
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let mut out = Vec::new();
    let mut stranded: Vec<String> = Vec::new();
    for (kind, id, name, m) in domain_losses(latency, locations, &cities) {
        if !kinds.contains(&kind) {
            continue;
        }
        let after = m.limit_matrix(latency.params());
        let lost_pairs: Vec<(usize, usize)> = (0..p.sites.len())
            .flat_map(|i| (0..p.cities.len()).map(move |j| (i, j)))
            .filter(|&(i, j)| {
                crate::model::build::pair_allowed(p, i, j)
                    && (after[i][j].is_nan() || after[i][j] > p.cities[j].max_rtt_ms)
            })
            .collect();
        if lost_pairs.is_empty() {
            continue;
        }
        let c = Contingency {
            id: format!("{kind}:{id}"),
            description: format!("the loss of {kind} {name} ({id})"),
            lost_pairs,
            serve_share: share,
        };
        stranded.extend(unsurvivable(p, &c, after, &demand.nodes, stat));
        out.push(c);
    }
    if !stranded.is_empty() {
        return Err(Error::Infeasible {
            diagnosis: format!("--survive-cable-cut cannot hold: {}", stranded.join("; ")),
            hint: "raise the city's limit to the one named, set [latency] limit_statistic = \"p50\", include planned cables (include_planned = true), lower [model] survive_share, or drop --survive-cable-cut".into(),
        });
    }
    Ok(out)
}

/// Why no plan survives contingency `c`, per city: no site left within the limit (with the
/// limit at which one would be), or less capacity left than the share of demand.
fn unsurvivable(
    p: &SitingProblem,
    c: &Contingency,
    after: &[Vec<f64>],
    nodes: &[crate::data::DemandNode],
    stat: &str,
) -> Vec<String> {
    let allowed = crate::model::rows::allowed_after(p, c);
    let mut out = Vec::new();
    for (j, city) in p.cities.iter().enumerate() {
        let left: Vec<usize> = (0..p.sites.len()).filter(|&i| allowed(i, j)).collect();
        let need = c.serve_share * city.demand_mw;
        let name = nodes.get(j).map_or(city.id.as_str(), |n| n.name.as_str());
        if left.is_empty() {
            let best = (0..p.sites.len())
                .filter(|&i| !p.sites[i].excluded && after[i][j].is_finite())
                .map(|i| after[i][j])
                .fold(f64::INFINITY, f64::min);
            out.push(if best.is_finite() {
                format!(
                    "{name} ({}) needs a {best:.1} ms limit ({stat}) to survive {} (its limit is {:.1} ms)",
                    city.id, c.description, city.max_rtt_ms
                )
            } else {
                format!("{name} ({}) has no route at all after {}", city.id, c.description)
            });
            continue;
        }
        let held: f64 = left.iter().map(|&i| p.sites[i].max_mw).sum();
        if held < need {
            out.push(format!(
                "after {}, the sites left within {name}'s limit can hold {held:.0} MW of the {need:.0} MW it needs",
                c.description
            ));
        }
    }
    out
}

/// The closeness graph of the problem's sites (`locations`, parallel to `p.sites`): pairs
/// closer than `min_km` (geodesic), among the sites that reach a city with `min_sites ≥ 2`.
/// `None` when `min_km` is 0 or no city asks for two or more sites.
pub fn separation(p: &SitingProblem, locations: &[LonLat], min_km: f64) -> Option<Separation> {
    if min_km <= 0.0 || p.cities.iter().all(|c| c.min_sites < 2) {
        return None;
    }
    let relevant: Vec<bool> = (0..p.sites.len())
        .map(|i| {
            (0..p.cities.len())
                .any(|j| p.cities[j].min_sites >= 2 && crate::model::build::pair_allowed(p, i, j))
        })
        .collect();
    let index = crate::spatial::index::PointIndex::new(locations.to_vec());
    let close: Vec<Vec<usize>> = (0..p.sites.len())
        .map(|i| {
            if !relevant[i] {
                return Vec::new();
            }
            let mut near: Vec<usize> = index
                .within_km_where(locations[i], min_km, |k| k != i && relevant[k])
                .into_iter()
                .filter(|&(_, d)| d < min_km)
                .map(|(k, _)| k)
                .collect();
            near.sort_unstable();
            near
        })
        .collect();
    Some(Separation { min_km, close })
}

/// A city with `min_sites = 2` whose reachable sites are all mutually close cannot keep the
/// promise: an explained infeasibility naming the city, the distance and the best separation
/// its candidates allow. (With `k ≥ 3` the engine proves infeasibility.)
pub fn explain_separation(p: &SitingProblem, locations: &[LonLat], stat: &str) -> Result<()> {
    let Some(sep) = &p.separation else {
        return Ok(());
    };
    let mut why = Vec::new();
    for (j, c) in p
        .cities
        .iter()
        .enumerate()
        .filter(|(_, c)| c.min_sites == 2)
    {
        let reach: Vec<usize> = (0..p.sites.len())
            .filter(|&i| !p.sites[i].excluded && crate::model::build::pair_allowed(p, i, j))
            .collect();
        if reach.len() == 1 {
            why.push(format!(
                "{} needs 2 sites within its {:.1} ms limit ({stat}), but only one candidate ({}) reaches it",
                c.id, c.max_rtt_ms, p.sites[reach[0]].id
            ));
            continue;
        }
        let all_close = reach.len() >= 2
            && reach
                .iter()
                .all(|&a| reach.iter().all(|&b| a == b || sep.is_close(a, b)));
        if !all_close {
            continue;
        }
        let best = reach
            .iter()
            .flat_map(|&a| reach.iter().map(move |&b| (a, b)))
            .map(|(a, b)| distance_km(locations[a], locations[b]))
            .fold(0.0, f64::max);
        why.push(format!(
            "{} needs 2 sites at least {} km apart within its {:.1} ms limit ({stat}), but its {} reachable candidates all lie within {:.1} km of each other: the best separation achievable is {best:.1} km",
            c.id, sep.min_km, c.max_rtt_ms, reach.len(), best
        ));
    }
    if why.is_empty() {
        return Ok(());
    }
    Err(Error::Infeasible {
        diagnosis: why.join("; "),
        hint: "lower --min-separation-km to the separation named, raise the city's limit, or set its min_sites to 1".into(),
    })
}

/// End-to-end separation check on geodesic distances recomputed from the candidates (not the
/// problem's graph): every mutually-close group of a city's serving sites carries at most
/// `D / min_sites`. Returns the broken promises in words.
pub fn verify_separation(
    p: &SitingProblem,
    s: &Solution,
    candidates: &[Candidate],
    in_model: &[usize],
    min_km: f64,
) -> Vec<String> {
    if min_km <= 0.0 {
        return Vec::new();
    }
    let loc = |k: usize| {
        in_model
            .get(k)
            .and_then(|&i| candidates.get(i))
            .map(|c| c.location)
    };
    let close = |a: usize, b: usize| match (loc(a), loc(b)) {
        (Some(x), Some(y)) => distance_km(x, y) < min_km,
        _ => false,
    };
    crate::model::rows::separation_breaks(p, s, &close)
        .into_iter()
        .map(|(j, group)| {
            let ids: Vec<&str> = group.iter().map(|&i| p.sites[i].id.as_str()).collect();
            format!(
                "separation: {} takes more than 1/{} of its demand from sites within {min_km} km of each other ({})",
                p.cities[j].id,
                p.cities[j].min_sites,
                ids.join(", ")
            )
        })
        .collect()
}

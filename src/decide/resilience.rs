//! What a plan depends on: for every failure domain on the plan's routes (each cable system,
//! each landing station, each shared transit hub such as Guam), the demand still servable
//! within the cities' limits after that domain is lost, and the single points of failure
//! stated plainly.
//!
//! Each loss is re-timed through the cable graph without the domain
//! ([`crate::latency::LatencyModel::domain_matrices`]: only domains on some open site → city
//! fastest path can change an RTT), and the servable demand is an independent maximum flow
//! ([`crate::model::flow::max_served`]) over the built sites: each site's built MW, each city's
//! demand, a (site, city) pair allowed when its RTT (the limit statistic) stays within the
//! city's limit. The load may be re-allocated among the built sites; the per-site share of
//! `min_sites` is not imposed (servability, not redundancy). Computed for every plan, with or
//! without `--survive-cable-cut`.

use crate::data::{Demand, LonLat};
use crate::model::flow::{max_served, EPS_MW};
use crate::outcome::Outcome;
use serde::{Deserialize, Serialize};

/// One failure domain's loss and what it leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainLoss {
    /// The kind of domain: `cable`, `landing` or `hub` ([`crate::latency::DomainKind`]).
    pub kind: String,
    /// Its id (a cable system id, a landing station id, or a hub's country/territory).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Demand still servable within the limits after the loss, MW.
    pub servable_mw: f64,
    /// Total demand, MW.
    pub demand_mw: f64,
    /// Cities that fall short: (city id, MW short), in demand-file order.
    pub short: Vec<CityShort>,
}

/// A city's shortfall after a loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityShort {
    /// Demand node id.
    pub city_id: String,
    /// MW that no built site can serve within the city's limit.
    pub short_mw: f64,
}

/// The resilience of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resilience {
    /// How it was computed.
    pub method: String,
    /// Demand servable within the limits with nothing lost, MW (the plan itself).
    pub intact_servable_mw: f64,
    /// Every failure domain on the plan's routes, by (kind: cable, landing, hub; id).
    pub domains: Vec<DomainLoss>,
    /// The losses that leave some city short, in words.
    pub single_points_of_failure: Vec<String>,
}

impl Resilience {
    /// Rounds every MW figure to `decimals` decimals (output precision).
    pub fn round_mw(&mut self, decimals: i32) {
        let f = 10f64.powi(decimals);
        let r = |x: &mut f64| *x = (*x * f).round() / f;
        r(&mut self.intact_servable_mw);
        for d in &mut self.domains {
            r(&mut d.servable_mw);
            r(&mut d.demand_mw);
            d.short.iter_mut().for_each(|c| r(&mut c.short_mw));
        }
    }
}

/// The resilience of the outcome's plan (`demand`: the demand it was solved for).
pub fn assess(out: &Outcome, demand_file: &Demand) -> Resilience {
    let prep = &out.prepared;
    let p = &prep.problem;
    let open: Vec<usize> = (0..p.sites.len())
        .filter(|&k| out.solution.open.get(k).copied().unwrap_or(false))
        .collect();
    let sites: Vec<LonLat> = open
        .iter()
        .map(|&k| prep.candidates[prep.in_model[k]].location)
        .collect();
    let capacity: Vec<f64> = open.iter().map(|&k| out.solution.capacity_mw[k]).collect();
    let demand: Vec<f64> = p.cities.iter().map(|c| c.demand_mw).collect();
    let limits: Vec<f64> = p.cities.iter().map(|c| c.max_rtt_ms).collect();
    let total: f64 = demand.iter().sum();
    let served = |rtt: &[Vec<f64>]| -> Vec<f64> {
        max_served(&capacity, &demand, &|i, j| rtt[i][j] <= limits[j])
    };
    let intact: Vec<Vec<f64>> = open.iter().map(|&k| p.rtt_ms[k].clone()).collect();
    let intact_servable_mw: f64 = served(&intact).iter().sum();
    let cities: Vec<LonLat> = demand_file.nodes.iter().map(|n| n.location).collect();
    let domains: Vec<DomainLoss> = out
        .latency
        .domain_matrices(&sites, &cities)
        .into_iter()
        .map(|(domain, m)| {
            let after = served(m.limit_matrix(out.latency.params()));
            let short = shortfalls(out, &demand, &after);
            DomainLoss {
                kind: domain.kind.as_str().to_string(),
                name: domain.name,
                id: domain.id,
                servable_mw: after.iter().sum(),
                demand_mw: total,
                short,
            }
        })
        .collect();
    let single_points_of_failure = domains
        .iter()
        .filter(|d| !d.short.is_empty())
        .map(sentence)
        .collect();
    Resilience {
        method: "each failure domain on an open site → city fastest path (cable system; landing station with its edges; shared transit hub = every landing of a country/territory outside Australia and Japan where two or more cable systems land) removed in turn and the routes re-timed; servable demand by an independent maximum flow over the built sites (built MW, city demand, pairs within the limit); load may move between built sites".into(),
        intact_servable_mw,
        domains,
        single_points_of_failure,
    }
}

/// Cities served less than their demand (beyond [`EPS_MW`] relative noise).
fn shortfalls(out: &Outcome, demand: &[f64], served: &[f64]) -> Vec<CityShort> {
    let p = &out.prepared.problem;
    demand
        .iter()
        .zip(served)
        .enumerate()
        .filter(|(_, (d, s))| **d - **s > 1e-6 * d.max(1.0) + EPS_MW)
        .map(|(j, (d, s))| CityShort {
            city_id: p.cities[j].id.clone(),
            short_mw: d - s,
        })
        .collect()
}

/// "losing hub Guam leaves 255 of 1195 MW servable within the limits: tokyo 690 MW short,
/// osaka 250 MW short"; the id follows the name in brackets when they differ.
fn sentence(d: &DomainLoss) -> String {
    let short: Vec<String> = d
        .short
        .iter()
        .map(|c| format!("{} {:.0} MW short", c.city_id, c.short_mw))
        .collect();
    let what = if d.name == d.id {
        d.name.clone()
    } else {
        format!("{} ({})", d.name, d.id)
    };
    format!(
        "losing {} {what} leaves {:.0} of {:.0} MW servable within the limits: {}",
        d.kind,
        d.servable_mw,
        d.demand_mw,
        short.join(", ")
    )
}

//! Every candidate priced exactly as the solve prices its sites, for `sitefind candidates` and
//! the GIS `candidates` layer: the 24/7 supply, PUE, network and grid connection of
//! [`pipeline::site_rates`] (the very function the pipeline prices its sites with), the
//! model's fixed and per-MW costs, the cost per MW at a stated size, the median and P95 RTT to
//! each city, and for every candidate the model leaves out, why.
//!
//! A candidate's `var_cost_aud_per_mw_yr` and `fixed_cost_aud_per_yr` are the problem's
//! `var_cost_aud_per_mw` and `fixed_cost_aud` for the same site (`solve --export-problem`;
//! a test compares them).

use crate::candidates::Candidate;
use crate::cost::{CostBreakdown, CostModel, SiteCostRates};
use crate::data::{Dataset, Demand, DemandNode, LonLat};
use crate::error::{Error, Result};
use crate::latency::LatencyModel;
use crate::pipeline;
use crate::scenario::Scenario;

/// The IT capacity at which [`CandidatePrice::cost_per_mw_aud_per_yr`] is stated, MW: a typical
/// hyperscale building (the optimiser chooses the real sizes).
pub const REFERENCE_MW: f64 = 100.0;

/// One candidate's price and reach.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePrice {
    /// The cost rates the model uses for this site (24/7 energy, PUE, network, grid).
    pub rates: SiteCostRates,
    /// The model's fixed cost of opening the site (site fixed + network), AUD per year.
    pub fixed_cost_aud_per_yr: f64,
    /// The model's variable cost (capex + grid connection + 24/7 energy + network charge),
    /// AUD per MW of IT per year.
    pub var_cost_aud_per_mw_yr: f64,
    /// Annual cost of a site of [`CandidatePricing::reference_mw`] by component.
    pub breakdown: CostBreakdown,
    /// `breakdown.total_aud / reference_mw`: AUD per MW of IT per year at the stated size.
    pub cost_per_mw_aud_per_yr: f64,
    /// Median RTT to each demand city, ms (infinite: no route).
    pub rtt_ms: Vec<f64>,
    /// Planning (P95) RTT to each demand city, ms (infinite: no route).
    pub rtt_p95_ms: Vec<f64>,
    /// Why the model leaves the site out (`None`: the solve may build it).
    pub excluded_reason: Option<String>,
}

/// Every candidate's price (parallel to the candidates), with the size and limits used.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePricing {
    /// The size the cost per MW is stated at, MW of IT.
    pub reference_mw: f64,
    /// The statistic the RTT limits apply to (`p50` or `p95`).
    pub limit_statistic: String,
    /// Each city's RTT limit, ms.
    pub limits_ms: Vec<f64>,
    /// One entry per candidate, in the candidates' order.
    pub prices: Vec<CandidatePrice>,
}

/// Prices every candidate as the solve does (see the module doc), at `reference_mw`.
///
/// # Errors
/// Bad scenario or cost parameters, a failed supply stage, or an internal shape error.
pub fn price_candidates(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    candidates: &[Candidate],
    reference_mw: f64,
) -> Result<CandidatePricing> {
    let latency = LatencyModel::build(ds, &scenario.latency)?;
    let sites: Vec<LonLat> = candidates.iter().map(|c| c.location).collect();
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let matrix = latency.rtt_matrix(&sites, &cities);
    let shape_ok =
        |m: &Vec<Vec<f64>>| m.len() == sites.len() && m.iter().all(|row| row.len() == cities.len());
    if !shape_ok(&matrix.rtt_ms) || !shape_ok(&matrix.rtt_p95_ms) {
        return Err(Error::Internal(format!(
            "RTT matrix has the wrong shape for {} sites × {} cities",
            sites.len(),
            cities.len()
        )));
    }
    let all: Vec<usize> = (0..candidates.len()).collect();
    let (portfolios, _) = pipeline::supply_portfolios(
        ds,
        scenario,
        candidates,
        &all,
        None,
        &crate::progress::NoProgress,
    )?;
    let cost = CostModel::new(&scenario.cost)?;
    let rates = pipeline::site_rates(ds, scenario, &cost, candidates, &all, &portfolios);
    let limits_ms: Vec<f64> = demand
        .nodes
        .iter()
        .map(|n| scenario.model.max_rtt_ms.unwrap_or(n.max_rtt_ms))
        .collect();
    let limit_statistic = pipeline::stat_name(&scenario.latency);
    let limit_rtt = matrix.limit_matrix(&scenario.latency);
    let reach = Reach {
        limits_ms: &limits_ms,
        statistic: &limit_statistic,
        cities: &demand.nodes,
    };
    let prices = candidates
        .iter()
        .zip(rates)
        .enumerate()
        .map(|(i, (c, rates))| {
            let breakdown = rates.breakdown(reference_mw, 0.0);
            CandidatePrice {
                fixed_cost_aud_per_yr: rates.fixed_aud_per_yr(),
                var_cost_aud_per_mw_yr: rates.per_mw_aud_per_yr(),
                cost_per_mw_aud_per_yr: breakdown.total_aud / reference_mw,
                breakdown,
                excluded_reason: excluded_reason(scenario, c, &rates, &limit_rtt[i], &reach),
                rates,
                rtt_ms: matrix.rtt_ms[i].clone(),
                rtt_p95_ms: matrix.rtt_p95_ms[i].clone(),
            }
        })
        .collect();
    Ok(CandidatePricing {
        reference_mw,
        limit_statistic,
        limits_ms,
        prices,
    })
}

/// The cities' limits, for the exclusion reasons.
struct Reach<'a> {
    limits_ms: &'a [f64],
    statistic: &'a str,
    cities: &'a [DemandNode],
}

/// Why the model leaves candidate `c` out, every reason that applies (`; `-separated), or
/// `None`. The rules are the pipeline's: no city within its limit (in the limit's statistic,
/// `rtt`), named in the scenario's `[model] exclude`, no 24/7 portfolio in its region
/// ([`pipeline::lacks_portfolio`]), or a largest size below the minimum site size.
fn excluded_reason(
    scenario: &Scenario,
    c: &Candidate,
    rates: &SiteCostRates,
    rtt: &[f64],
    reach: &Reach<'_>,
) -> Option<String> {
    let m = &scenario.model;
    let mut why: Vec<String> = Vec::new();
    if !rtt.iter().zip(reach.limits_ms).any(|(r, l)| r <= l) {
        // The city it comes closest to reaching.
        let closest = rtt
            .iter()
            .zip(reach.limits_ms)
            .enumerate()
            .filter(|(_, (r, _))| r.is_finite())
            .min_by(|a, b| (a.1 .0 - a.1 .1).total_cmp(&(b.1 .0 - b.1 .1)));
        why.push(match closest {
            Some((j, (r, l))) => format!(
                "reaches no city within its RTT limit ({}): closest {} at {r:.1} ms against {l:.0} ms",
                reach.statistic, reach.cities[j].name
            ),
            None => "no route to any demand city".to_string(),
        });
    }
    if m.exclude.contains(&c.id) {
        why.push("named in the scenario's [model] exclude".to_string());
    }
    if pipeline::lacks_portfolio(scenario, rates) {
        why.push(format!(
            "no 24/7 supply portfolio in its region (outside the NEM's REZs) at CFE target {}",
            scenario.supply.cfe_target
        ));
    }
    let max_mw = c.max_mw.min(m.max_site_mw);
    if max_mw < m.min_site_mw {
        why.push(format!(
            "below the minimum site size {:.0} MW: largest size {max_mw:.0} MW ({})",
            m.min_site_mw, c.max_mw_source
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

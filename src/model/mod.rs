//! The optimisation model, built from plain matrices: it knows no geometry.
//!
//! [`SitingProblem`] is model.md §6: choose sites (open/closed), their IT capacity, and which
//! city each MW serves, at least annual cost, within each city's RTT limit. The same core
//! solves the classic capacitated facility location problem ([`crate::benchmark`]).

use crate::scenario::Objective;
use serde::{Deserialize, Serialize};

pub mod build;
pub mod diagnose;
pub mod flow;
pub mod rows;

/// One candidate site as the model sees it (costs already annualised).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInput {
    /// Candidate id (for names in reports and diagnoses).
    pub id: String,
    /// Annual cost of opening the site, AUD per year (F_i).
    pub fixed_cost_aud: f64,
    /// Annual cost per MW of IT capacity built, AUD per MW per year (v_i).
    pub var_cost_aud_per_mw: f64,
    /// Smallest size if opened, MW (c_min).
    pub min_mw: f64,
    /// Largest size, MW (c_max_i, from grid headroom).
    pub max_mw: f64,
    /// Index into [`SitingProblem::zones`] of the REZ whose network powers it, if any.
    pub zone: Option<usize>,
    /// Power usage effectiveness: grid MW drawn per IT MW (≥ 1).
    pub pue: f64,
    /// Must be opened.
    pub must_build: bool,
    /// Must not be opened.
    pub excluded: bool,
}

/// One demand node as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityInput {
    /// Demand node id.
    pub id: String,
    /// IT load to serve, MW (D_j).
    pub demand_mw: f64,
    /// RTT limit, ms: pairs above it get no variable.
    pub max_rtt_ms: f64,
    /// Serve from at least this many sites (k_j ≥ 1): x_ij ≤ D_j / k_j.
    pub min_sites: u32,
}

/// A shared REZ network limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneInput {
    /// REZ id.
    pub id: String,
    /// Network limit, MW of grid draw (L_r); `None` = unlimited.
    pub limit_mw: Option<f64>,
    /// Annualised expansion cost beyond the limit, AUD per MW per year (g_r).
    pub expansion_cost_aud_per_mw: f64,
}

/// A siting problem: everything the MIP needs, as plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitingProblem {
    /// Candidate sites (I).
    pub sites: Vec<SiteInput>,
    /// Demand nodes (J).
    pub cities: Vec<CityInput>,
    /// REZ network limits (R).
    pub zones: Vec<ZoneInput>,
    /// Round-trip time from site i to city j, ms: `rtt_ms[i][j]`. Infinite = unreachable.
    pub rtt_ms: Vec<Vec<f64>>,
    /// Cost per MW of serving city j from site i, AUD per MW per year (a_ij): `assign_cost[i][j]`.
    pub assign_cost_aud_per_mw: Vec<Vec<f64>>,
    /// At most this many sites open.
    pub max_sites: Option<usize>,
    /// Build capacity in integer modules of this size, MW.
    pub module_mw: Option<f64>,
    /// Penalty per MW of unserved demand, AUD per MW per year.
    pub unserved_penalty_aud_per_mw: f64,
    /// What to optimise.
    pub objective: Objective,
    /// Annual cost cap for [`Objective::MinWorstRtt`], AUD per year (alias `cost_cap_aud`).
    #[serde(alias = "cost_cap_aud")]
    pub cost_cap_aud_per_yr: Option<f64>,
    /// Annual budget for [`Objective::MaxCoverage`], AUD per year (alias `budget_aud`).
    #[serde(alias = "budget_aud")]
    pub budget_aud_per_yr: Option<f64>,
    /// Hard shared limits on the capacity built: `Σ coef · c_i ≤ limit` (a zone's solar or
    /// wind resource, a transmission group constraint, a region's headroom for new load).
    #[serde(default)]
    pub shared_limits: Vec<SharedLimit>,
    /// Cover rows: at least `min_open` of a set of sites must be open (e.g. N−1 survival of a
    /// cable cut: the sites still within a city's limit when a cable system is lost).
    #[serde(default)]
    pub cover_sets: Vec<CoverSet>,
    /// Capacity rows: `Σ coef · c_i ≥ min_mw` over site capacities (e.g. an N−1 scenario's
    /// Hall row: the sites a set of cities still reaches after a loss must hold their demand).
    #[serde(default)]
    pub capacity_rows: Vec<CapacityRow>,
    /// Flow caps: `Σ_{i ∈ sites} x_{i,city} ≤ max_mw` (separation: the sites of one failure
    /// group, mutually closer than the minimum separation, carry at most `D_j / k_j`).
    #[serde(default)]
    pub flow_caps: Vec<FlowCap>,
    /// Failure scenarios the plan must survive (N−1): after each loss the built capacity,
    /// re-allocated, still serves `serve_share` of every city's demand over the pairs left.
    #[serde(default)]
    pub contingencies: Vec<Contingency>,
    /// Separation of redundant sites: a city with `min_sites = k ≥ 2` gets at most `D / k` from
    /// any group of sites that are mutually closer than the minimum separation (flow caps
    /// generated on demand by the engine from this closeness graph).
    #[serde(default)]
    pub separation: Option<Separation>,
}

/// Which sites are too close to count as separate failure domains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    /// The minimum separation, km (for descriptions).
    pub min_km: f64,
    /// `close[i]`: the sites closer than `min_km` to site i, sorted, without i (symmetric).
    pub close: Vec<Vec<usize>>,
}

impl Separation {
    /// Sites `a` and `b` are closer than the minimum separation.
    pub fn is_close(&self, a: usize, b: usize) -> bool {
        self.close
            .get(a)
            .is_some_and(|v| v.binary_search(&b).is_ok())
    }
}

/// `Σ_{(i, coef) ∈ terms} coef · c_i ≥ min_mw`, with `c_i` site i's IT capacity in MW.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityRow {
    /// Short id, unique among the problem's capacity rows (e.g. `n-1:cable:jga-n:tokyo`).
    pub id: String,
    /// The sentence a report or diagnosis prints.
    pub description: String,
    /// `(site index, finite coefficient)`, at most one term per site.
    pub terms: Vec<(usize, f64)>,
    /// Right-hand side, MW (finite).
    pub min_mw: f64,
}

/// `Σ_{i ∈ sites} x_{i,city} ≤ max_mw`: a cap on what a group of sites carries for one city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowCap {
    /// Short id, unique among the problem's flow caps (e.g. `sep:tokyo:3`).
    pub id: String,
    /// The sentence a report or diagnosis prints (which city, which group, why).
    pub description: String,
    /// City index.
    pub city: usize,
    /// Site indices (distinct).
    pub sites: Vec<usize>,
    /// The cap, MW (≥ 0).
    pub max_mw: f64,
}

/// One failure scenario: the (site, city) pairs within the city's limit before the loss but
/// not after it, and the share of demand that must still be served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contingency {
    /// Short id, unique among the problem's contingencies (e.g. `cable:jga-n`).
    pub id: String,
    /// The sentence a report or diagnosis prints (what is lost).
    pub description: String,
    /// `(site, city)` pairs lost: allowed in the problem, not allowed after the loss.
    pub lost_pairs: Vec<(usize, usize)>,
    /// Share of each city's demand that must stay servable, in (0, 1].
    pub serve_share: f64,
}

/// A hard limit shared by several sites: `Σ_{(i, coef) ∈ terms} coef · c_i ≤ limit`, where
/// `c_i` is site i's IT capacity in MW. The unit of `limit` is the producer's (MW of grid
/// draw, MW of solar capacity, …); `coef` converts one IT MW of the site into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedLimit {
    /// Short id, unique among the problem's shared limits (e.g. `solar:Q3`).
    pub id: String,
    /// The sentence a report or diagnosis prints (what is limited, in which unit, source).
    pub description: String,
    /// `(site index, coefficient ≥ 0)`, at most one term per site.
    pub terms: Vec<(usize, f64)>,
    /// Right-hand side, ≥ 0.
    pub limit: f64,
}

/// At least `min_open` of `sites` must be open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverSet {
    /// Short id, unique among the problem's cover sets (e.g. `n-1:tokyo:jga-s`).
    pub id: String,
    /// The sentence a report or diagnosis prints (why these sites, e.g. which city and cable).
    pub description: String,
    /// Site indices (distinct).
    pub sites: Vec<usize>,
    /// How many of them must be open (≥ 1).
    pub min_open: u32,
}

/// A solution: values of the decision variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Solution {
    /// y_i: site i is open.
    pub open: Vec<bool>,
    /// c_i: IT MW built at site i.
    pub capacity_mw: Vec<f64>,
    /// x_ij > 0: (site index, city index, MW), sorted by (site, city).
    pub flows: Vec<(usize, usize, f64)>,
    /// u_j: unserved MW per city.
    pub unserved_mw: Vec<f64>,
    /// e_r: paid REZ network expansion per zone, MW.
    pub expansion_mw: Vec<f64>,
}

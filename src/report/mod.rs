//! Outputs: the [`Report`] of a solved scenario (JSON with units in field names), its text
//! rendering, RFC 7946 GeoJSON, the SVG map, and atomic output files.
//!
//! A report is deterministic: the same inputs give the same bytes. Wall-clock timings vary
//! run to run, so they are written to stderr and only enter the JSON report on request
//! ([`Report::timings`]).

use crate::data::{LonLat, Workload};
use crate::scenario::{Objective, Scenario};
use serde::{Deserialize, Serialize};

pub mod atomic;
pub mod geo;
pub mod geojson;
pub mod plans;
pub mod svg;
pub mod text;

pub use atomic::write_atomic;

/// The answer to one scenario: every number the text report shows, machine-readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// sitefind version that wrote it.
    pub sitefind_version: String,
    /// Dataset source (manifest path or `<embedded>`).
    pub dataset: String,
    /// Demand source.
    pub demand_source: String,
    /// How the demand was sized, as stated in the demand file.
    pub demand_assumption: Option<String>,
    /// The objective optimised.
    pub objective: Objective,
    /// The solver line.
    pub solver: SolverSummary,
    /// The independent checker's verdict.
    pub check: CheckSummary,
    /// Model size and pruning.
    pub model: ModelSummary,
    /// Chosen sites, by id.
    pub sites: Vec<SiteReport>,
    /// Demand cities, in demand-file order.
    pub cities: Vec<CityReport>,
    /// REZs whose network serves a chosen site, by id.
    pub zones: Vec<ZoneReport>,
    /// Totals by cost component.
    pub totals: Totals,
    /// Every parameter used.
    pub parameters: Scenario,
    /// Stage timings, only when requested (they vary run to run).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timings: Option<Vec<StageTiming>>,
    /// Near-optimal alternatives (`--alternatives K`), if asked for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alternatives: Option<plans::AlternativesReport>,
}

/// Solver status and quality of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverSummary {
    /// Backend name.
    pub backend: String,
    /// `optimal`, `feasible` (stopped at the time limit), …
    pub status: String,
    /// Objective value reported by the solver (AUD per year for min-cost).
    pub objective: f64,
    /// Best proven bound, if the backend reports one.
    pub best_bound: Option<f64>,
    /// Relative gap between objective and bound, if known.
    pub gap: Option<f64>,
    /// Time limit given, s.
    pub time_limit_s: f64,
    /// Relative gap requested.
    pub mip_gap: f64,
}

/// The independent checker's verdict (recomputed from the data, not the solver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// Every constraint holds within tolerance.
    pub feasible: bool,
    /// Largest constraint violation found (0 if none).
    pub max_violation: f64,
    /// The objective recomputed from the data.
    pub objective_recomputed: f64,
    /// Violations, human-readable (empty if feasible).
    pub violations: Vec<String>,
}

/// Model size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Candidates generated.
    pub candidates: usize,
    /// Candidates that can serve at least one city within its limit (enter the MIP).
    pub candidates_in_model: usize,
    /// (site, city) pairs within the latency limit.
    pub allowed_pairs: usize,
    /// Variables in the MIP.
    pub variables: usize,
    /// Constraints in the MIP.
    pub constraints: usize,
    /// Binary variables.
    pub binaries: usize,
    /// Sites left after the exact dominance reduction (`model::reduce`): the MIP's variables
    /// and constraints above are for these.
    pub sites_after_dominance: usize,
    /// The bound on open sites that proved the reduction exact, if one was applied.
    pub dominance_open_sites_bound: Option<usize>,
}

/// Annual cost by component, AUD per year.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CostComponents {
    /// Annualised building + M&E capital.
    pub capex_aud: f64,
    /// Annualised fixed site cost.
    pub site_fixed_aud: f64,
    /// Annualised grid connection (spur + tie-in).
    pub grid_connection_aud: f64,
    /// Annualised REZ network expansion attributed to the site.
    pub rez_expansion_aud: f64,
    /// Energy (with PUE).
    pub energy_aud: f64,
    /// Backhaul to the landing station.
    pub network_aud: f64,
    /// Sum of the above.
    pub total_aud: f64,
}

impl CostComponents {
    /// Adds another breakdown to this one.
    pub fn add(&mut self, o: &CostComponents) {
        self.capex_aud += o.capex_aud;
        self.site_fixed_aud += o.site_fixed_aud;
        self.grid_connection_aud += o.grid_connection_aud;
        self.rez_expansion_aud += o.rez_expansion_aud;
        self.energy_aud += o.energy_aud;
        self.network_aud += o.network_aud;
        self.total_aud += o.total_aud;
    }

    /// The components as (name, AUD) pairs in report order (without the total).
    pub fn parts(&self) -> [(&'static str, f64); 6] {
        [
            ("capex", self.capex_aud),
            ("site fixed", self.site_fixed_aud),
            ("grid connection", self.grid_connection_aud),
            ("REZ expansion", self.rez_expansion_aud),
            ("energy", self.energy_aud),
            ("network", self.network_aud),
        ]
    }
}

/// A reference to a nearby feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearby {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Geodesic distance, km.
    pub km: f64,
}

/// One chosen site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    /// Candidate id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Candidate kind (`rez-substation`, `backbone`, `brownfield`).
    pub kind: String,
    /// State code.
    pub state: String,
    /// Market region id, if known.
    pub region_id: Option<String>,
    /// Position.
    pub location: LonLat,
    /// REZ powering it, if any.
    pub zone_id: Option<String>,
    /// REZ name.
    pub zone_name: Option<String>,
    /// IT MW built.
    pub built_mw: f64,
    /// IT MW used by allocated demand.
    pub used_mw: f64,
    /// Annual cost, AUD per year.
    pub annual_cost_aud: f64,
    /// Annual cost per MW built, AUD per MW per year.
    pub cost_per_mw_aud: f64,
    /// Cost by component.
    pub cost: CostComponents,
    /// PUE.
    pub pue: f64,
    /// Blended energy price, AUD per MWh.
    pub energy_price_aud_per_mwh: f64,
    /// Nearest substation and its voltage.
    pub substation: Nearby,
    /// Substation voltage, kV.
    pub substation_kv: f64,
    /// Nearest Australian landing station.
    pub landing: Nearby,
    /// Critical-mineral sites within the mineral radius.
    pub minerals_within: usize,
    /// Nearest critical-mineral site.
    pub nearest_mineral: Option<Nearby>,
    /// Largest size allowed here (grid headroom), MW.
    pub max_mw: f64,
    /// Cities served.
    pub serves: Vec<Allocation>,
    /// Why this site: cheapest cost drivers and binding limits.
    pub why: Vec<String>,
    /// How much more the best plan without this site costs (its margin), if computed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub margin: Option<plans::SiteMargin>,
}

/// MW of one city served by one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    /// Site id.
    pub site_id: String,
    /// City id.
    pub city_id: String,
    /// MW served.
    pub mw: f64,
    /// Round-trip time, ms.
    pub rtt_ms: f64,
    /// Landing stations along the route.
    pub landings: Vec<String>,
    /// Cable systems along the route.
    pub cables: Vec<String>,
    /// Route vertices: site, landings…, city (schematic; lon/lat).
    pub route: Vec<LonLat>,
}

/// One demand city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityReport {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Workload class.
    pub workload: Workload,
    /// Demand, MW.
    pub demand_mw: f64,
    /// Served, MW.
    pub served_mw: f64,
    /// Unserved, MW (should be 0).
    pub unserved_mw: f64,
    /// RTT limit, ms.
    pub max_rtt_ms: f64,
    /// Redundancy asked (minimum serving sites).
    pub min_sites: u32,
    /// MW-weighted mean RTT of what is served, ms.
    pub weighted_rtt_ms: Option<f64>,
    /// Worst RTT of what is served, ms.
    pub worst_rtt_ms: Option<f64>,
    /// Best RTT available from any candidate, ms (context for the limit).
    pub best_available_rtt_ms: Option<f64>,
    /// Allocations serving it.
    pub served_by: Vec<Allocation>,
}

/// A REZ used by the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneReport {
    /// REZ id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Centre.
    pub centre: LonLat,
    /// Radius, km.
    pub radius_km: f64,
    /// Polygon, if known.
    pub polygon: Option<Vec<LonLat>>,
    /// Network limit, MW (None = not limited at REZ level).
    pub limit_mw: Option<f64>,
    /// Grid draw of the chosen sites (IT MW × PUE), MW.
    pub load_mw: f64,
    /// Paid network expansion, MW.
    pub expansion_mw: f64,
    /// Annualised expansion cost, AUD per year.
    pub expansion_aud: f64,
    /// True if the limit binds (load ≥ limit).
    pub binding: bool,
    /// Sites in it.
    pub sites: Vec<String>,
}

/// Totals of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Cost by component over all sites, AUD per year.
    pub cost: CostComponents,
    /// Penalty for unserved demand, AUD per year (0 when all is served).
    pub unserved_penalty_aud: f64,
    /// Sites opened.
    pub sites: usize,
    /// IT MW built.
    pub built_mw: f64,
    /// Total demand, MW.
    pub demand_mw: f64,
    /// Served, MW.
    pub served_mw: f64,
    /// Unserved, MW.
    pub unserved_mw: f64,
    /// Total annual cost per MW served, AUD per MW per year.
    pub cost_per_mw_served_aud: Option<f64>,
}

/// Wall-clock time of one pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Seconds.
    pub seconds: f64,
}

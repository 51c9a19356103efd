//! Outputs: the [`Report`] of a solved scenario (JSON with units in field names), its text
//! rendering, RFC 7946 GeoJSON, the SVG map, and atomic output files.
//!
//! A report is deterministic: the same inputs give the same bytes. Wall-clock timings vary
//! run to run, so they are written to stderr and only enter the JSON report on request
//! ([`Report::timings`]).

use crate::data::{LonLat, Workload};
use crate::scenario::{Objective, Scenario};
use serde::{Deserialize, Serialize};

pub use crate::outcome::StageTiming;

pub mod allocations;
pub mod build;
pub mod fgb;
pub mod flex;
pub mod format;
pub mod geo;
pub mod geojson;
pub mod gpkg;
pub mod layers;
pub mod plans;
pub mod policy;
pub mod resilience;
pub mod svg;
pub mod sweep_text;
pub mod text;

/// The answer to one scenario: every number the text report shows, machine-readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Version of this layout ([`SCHEMA_VERSION`]; the JSON Schema is
    /// `src/report/report.schema.json`).
    pub schema_version: String,
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
    /// Shared grid limits (AEMO group constraints, sub-regional flow paths, regional size)
    /// that a chosen site draws on: load against limit.
    #[serde(default)]
    pub grid_limits: Vec<GridLimitReport>,
    /// Totals by cost component.
    pub totals: Totals,
    /// The 24/7 CFE portfolio (per MW of load) of each zone a chosen site draws on, with where
    /// its solar and wind profiles come from (AEMO trace, or which method and donor zone).
    #[serde(default)]
    pub supply_zones: Vec<crate::supply::Portfolio>,
    /// Every parameter used.
    pub parameters: Scenario,
    /// Stage timings, only when requested (they vary run to run).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timings: Option<Vec<StageTiming>>,
    /// How the 24/7 supply portfolios were obtained (on-disk cache, this process, computed);
    /// like the timings, only when requested (it varies run to run).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub supply_cache: Option<crate::supply::CacheUse>,
    /// Near-optimal alternatives (`--alternatives K`), if asked for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alternatives: Option<plans::AlternativesReport>,
    /// What the plan depends on: the demand servable after each cable system's loss
    /// (least-cost plans; see [`crate::decide::resilience`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resilience: Option<crate::decide::resilience::Resilience>,
    /// Critical-mineral co-location: the share achieved, the sites and deposits that make it
    /// and the cost against the plan without the rule (only with `[minerals] min_share` > 0).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub minerals: Option<crate::minerals::MineralShare>,
    /// What each promise in force costs (`--policy-prices`; [`crate::decide::policy`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy_prices: Option<Vec<crate::decide::policy::PolicyPrice>>,
    /// Flexible (training) load in the plan: per site f, H, the energy saved, the extra
    /// capacity's cost and the break-even server capex (docs/energy.md); only when a city has
    /// a flexible share > 0.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub flexibility: Option<flex::FlexReport>,
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
    pub capex_aud_per_yr: f64,
    /// Annualised fixed site cost.
    pub site_fixed_aud_per_yr: f64,
    /// Annualised grid connection (spur + tie-in).
    pub grid_connection_aud_per_yr: f64,
    /// Annualised REZ network expansion attributed to the site.
    pub rez_expansion_aud_per_yr: f64,
    /// Energy (with PUE).
    pub energy_aud_per_yr: f64,
    /// Backhaul to the landing station.
    pub network_aud_per_yr: f64,
    /// Network charge (transmission use of system) of sites outside any REZ, AUD/yr.
    #[serde(default)]
    pub network_charge_aud_per_yr: f64,
    /// Sum of the above.
    pub total_aud_per_yr: f64,
}

impl CostComponents {
    /// Adds another breakdown to this one.
    pub fn add(&mut self, o: &CostComponents) {
        self.capex_aud_per_yr += o.capex_aud_per_yr;
        self.site_fixed_aud_per_yr += o.site_fixed_aud_per_yr;
        self.grid_connection_aud_per_yr += o.grid_connection_aud_per_yr;
        self.rez_expansion_aud_per_yr += o.rez_expansion_aud_per_yr;
        self.energy_aud_per_yr += o.energy_aud_per_yr;
        self.network_aud_per_yr += o.network_aud_per_yr;
        self.network_charge_aud_per_yr += o.network_charge_aud_per_yr;
        self.total_aud_per_yr += o.total_aud_per_yr;
    }

    /// The components as (name, AUD) pairs in report order (without the total).
    pub fn parts(&self) -> [(&'static str, f64); 7] {
        [
            ("capex", self.capex_aud_per_yr),
            ("site fixed", self.site_fixed_aud_per_yr),
            ("grid connection", self.grid_connection_aud_per_yr),
            ("REZ expansion", self.rez_expansion_aud_per_yr),
            ("energy", self.energy_aud_per_yr),
            ("network", self.network_aud_per_yr),
            ("network charge", self.network_charge_aud_per_yr),
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
    pub annual_cost_aud_per_yr: f64,
    /// Annual cost per MW built, AUD per MW per year.
    pub cost_per_mw_aud_per_yr: f64,
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
    /// Fibre km of the backhaul the site is priced on: the terrestrial legs of its fastest
    /// route to its nearest-RTT city, up to the landing where it goes submarine (else the
    /// great-circle km to the nearest landing).
    #[serde(default)]
    pub backhaul_km: f64,
    /// That backhaul's annual cost, AUD per year (`backhaul_aud_per_km_yr` × `backhaul_km`).
    #[serde(default)]
    pub backhaul_aud_per_yr: f64,
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
    /// The site's 24/7 CFE supply (model.md §5a): the portfolio it contracts and its size for
    /// this site's load.
    #[serde(default)]
    pub supply: Option<SiteSupplyReport>,
}

/// A chosen site's 24/7 supply: the per-MW-of-load portfolio it contracts and that portfolio
/// sized to the site's load (utilisation × PUE × built MW).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSupplyReport {
    /// The portfolio per MW of load, its basis, price and CFE.
    #[serde(flatten)]
    pub per_mw_load: crate::cost::SiteSupply,
    /// The site's average load, MW (utilisation × PUE × built IT MW).
    pub load_mw: f64,
    /// Solar MW built for the site.
    pub solar_mw: f64,
    /// Wind MW built for the site.
    pub wind_mw: f64,
    /// Battery MW built for the site.
    pub battery_mw: f64,
    /// Battery MWh built for the site.
    pub battery_mwh: f64,
    /// Where the zone's solar and wind profiles come from.
    pub trace_source: String,
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
    /// Median round-trip time, ms.
    pub rtt_ms: f64,
    /// Planning (P95) round-trip time, ms.
    #[serde(default)]
    pub rtt_p95_ms: f64,
    /// Landing stations along the route.
    pub landings: Vec<String>,
    /// Cable systems along the route.
    pub cables: Vec<String>,
    /// Points of presence along the route.
    #[serde(default)]
    pub pops: Vec<String>,
    /// Countries and territories the route is in, in order.
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    /// Route vertices: site, PoPs and landings…, city (schematic; lon/lat).
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
    /// Best median RTT available from any candidate, ms (context for the limit).
    pub best_available_rtt_ms: Option<f64>,
    /// The statistic the limit applies to: `p50` (median) or `p95` (planning).
    #[serde(default)]
    pub limit_statistic: String,
    /// Worst planning (P95) RTT of what is served, ms.
    #[serde(default)]
    pub worst_rtt_p95_ms: Option<f64>,
    /// Best planning (P95) RTT available from any candidate, ms.
    #[serde(default)]
    pub best_available_rtt_p95_ms: Option<f64>,
    /// Cable systems on the routes of its allocations.
    #[serde(default)]
    pub cables_used: Vec<String>,
    /// Cable systems whose loss alone leaves no open site within its limit (the plan
    /// depends on each of them; empty = survives any single cable cut).
    #[serde(default)]
    pub depends_on_cables: Vec<String>,
    /// Countries and territories its routes are in.
    #[serde(default)]
    pub jurisdictions: Vec<String>,
    /// Slack between its limit and the worst RTT of what serves it (the limit's statistic),
    /// ms: how far the plan is from breaking the limit.
    #[serde(default)]
    pub slack_ms: Option<f64>,
    /// Sites serving it that would break its limit if every RTT were 5 % higher (a knife
    /// edge: the latency model's error is of that order), by id.
    #[serde(default)]
    pub fail_at_plus_5pct: Vec<String>,
    /// Allocations serving it.
    pub served_by: Vec<Allocation>,
}

/// A shared grid limit (`crate::grid`) that the answer's sites draw on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridLimitReport {
    /// Limit id: `group:<id>` or `region:<id>`.
    pub id: String,
    /// `rez-group`, `subregional-flow-path`, `region` or `resource` (a zone's solar or wind
    /// resource limit on the generation built, in MW of generation).
    pub kind: String,
    /// Name of the group or region.
    pub name: String,
    /// Limit on the summed grid draw, MW.
    pub limit_mw: f64,
    /// Summed grid draw (IT × PUE) of the chosen sites it covers, MW.
    pub load_mw: f64,
    /// True if the load is at the limit.
    pub binding: bool,
    /// True if the limit is sitefind's estimate rather than a published figure.
    pub estimate: bool,
    /// How the limit was obtained.
    pub description: String,
    /// Chosen sites that draw on it.
    pub sites: Vec<String>,
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
    /// Shared grid limits (group constraints, flow paths) the zone is a member of, by id
    /// (see [`Report::grid_limits`] for their loads).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Grid draw of the chosen sites (IT MW × PUE), MW.
    pub load_mw: f64,
    /// Paid network expansion, MW.
    pub expansion_mw: f64,
    /// Annualised expansion cost, AUD per year.
    pub expansion_aud_per_yr: f64,
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
    pub unserved_penalty_aud_per_yr: f64,
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
    pub cost_per_mw_served_aud_per_yr: Option<f64>,
}

/// Version of the JSON report's layout (`src/report/report.schema.json`): the major part is
/// bumped when a field is renamed, removed or changes meaning, the minor part when fields are
/// added.
pub const SCHEMA_VERSION: &str = "3.2.0";

/// Output precision: MW to 0.001, RTT to 0.01 ms, money to A$1, km to 0.001, coordinates to
/// 7 decimals (RFC 7946), PUE to 0.0001, prices to A$0.01 per MWh.
pub mod precision {
    /// Decimals for MW.
    pub const MW: i32 = 3;
    /// Decimals for round-trip times, ms.
    pub const MS: i32 = 2;
    /// Decimals for money, AUD.
    pub const AUD: i32 = 0;
    /// Decimals for distances, km.
    pub const KM: i32 = 3;
    /// Decimals for PUE.
    pub const PUE: i32 = 4;
    /// Decimals for prices per MWh.
    pub const PRICE: i32 = 2;
    /// Shares, fractions and per-MW-of-load ratios: 6 decimals.
    pub const SHARE: i32 = 6;
    /// Decimals for seconds (timings).
    pub const SECONDS: i32 = 3;
}

fn rd(x: &mut f64, decimals: i32) {
    if x.is_finite() {
        *x = geojson::round_to(*x, decimals);
    }
}

fn rd_opt(x: &mut Option<f64>, decimals: i32) {
    if let Some(v) = x {
        rd(v, decimals);
    }
}

fn rd_pos(p: &mut LonLat) {
    p.lon = geojson::round_coord(p.lon);
    p.lat = geojson::round_coord(p.lat);
}

impl CostComponents {
    fn round(&mut self) {
        use precision::AUD;
        rd(&mut self.capex_aud_per_yr, AUD);
        rd(&mut self.site_fixed_aud_per_yr, AUD);
        rd(&mut self.grid_connection_aud_per_yr, AUD);
        rd(&mut self.rez_expansion_aud_per_yr, AUD);
        rd(&mut self.energy_aud_per_yr, AUD);
        rd(&mut self.network_aud_per_yr, AUD);
        rd(&mut self.network_charge_aud_per_yr, AUD);
        rd(&mut self.total_aud_per_yr, AUD);
    }
}

impl Allocation {
    fn round(&mut self) {
        rd(&mut self.mw, precision::MW);
        rd(&mut self.rtt_ms, precision::MS);
        rd(&mut self.rtt_p95_ms, precision::MS);
        self.route.iter_mut().for_each(rd_pos);
    }
}

impl SiteReport {
    /// Rounds a chosen site's numbers: position, MW, costs, distances, supply and margin.
    fn round(&mut self) {
        use precision::{AUD, KM, MW, PRICE, PUE};
        rd_pos(&mut self.location);
        rd(&mut self.backhaul_km, KM);
        rd(&mut self.backhaul_aud_per_yr, AUD);
        rd(&mut self.built_mw, MW);
        rd(&mut self.used_mw, MW);
        rd(&mut self.max_mw, MW);
        rd(&mut self.annual_cost_aud_per_yr, AUD);
        rd(&mut self.cost_per_mw_aud_per_yr, AUD);
        self.cost.round();
        rd(&mut self.pue, PUE);
        rd(&mut self.energy_price_aud_per_mwh, PRICE);
        rd(&mut self.substation.km, KM);
        rd(&mut self.landing.km, KM);
        if let Some(m) = &mut self.nearest_mineral {
            rd(&mut m.km, KM);
        }
        self.serves.iter_mut().for_each(Allocation::round);
        if let Some(sp) = &mut self.supply {
            sp.round();
        }
        if let Some(m) = &mut self.margin {
            rd_opt(&mut m.without_site_cost_aud, AUD);
            rd_opt(&mut m.margin_aud, AUD);
            rd_opt(&mut m.margin_pct, precision::SHARE);
            rd_opt(&mut m.margin_lower_aud, AUD);
            rd_opt(&mut m.margin_lower_pct, precision::SHARE);
        }
    }
}

impl SiteSupplyReport {
    /// Rounds a site's 24/7 supply: MW and MWh built, and its per-MW-of-load portfolio.
    fn round(&mut self) {
        use precision::{MW, PRICE, SHARE};
        rd(&mut self.load_mw, MW);
        rd(&mut self.solar_mw, MW);
        rd(&mut self.wind_mw, MW);
        rd(&mut self.battery_mw, MW);
        rd(&mut self.battery_mwh, MW);
        let per = &mut self.per_mw_load;
        rd(&mut per.portfolio_aud_per_mwh, PRICE);
        rd(&mut per.network_charge_aud_per_mwh, PRICE);
        rd(&mut per.cfe, SHARE);
        for x in [
            &mut per.solar_mw_per_mw_load,
            &mut per.wind_mw_per_mw_load,
            &mut per.battery_mw_per_mw_load,
            &mut per.battery_mwh_per_mw_load,
        ] {
            rd(x, SHARE);
        }
        for d in &mut per.draws {
            rd(&mut d.solar_mw_per_mw_load, SHARE);
            rd(&mut d.wind_mw_per_mw_load, SHARE);
        }
    }
}

/// Rounds a zone's 24/7 portfolio: shares and ratios, prices, and annualised unit costs.
fn round_portfolio(z: &mut crate::supply::Portfolio) {
    use precision::{AUD, PRICE, SHARE};
    for x in [
        &mut z.solar_mw,
        &mut z.wind_mw,
        &mut z.battery_mw,
        &mut z.battery_mwh,
        &mut z.cfe,
        &mut z.grid_share,
        &mut z.curtailment_share,
        &mut z.curtailed_mwh_per_mwh_load,
    ] {
        rd(x, SHARE);
    }
    for r in &mut z.regional_zones {
        for x in [
            &mut r.solar_mw,
            &mut r.wind_mw,
            &mut r.solar_mwh_per_mwh_load,
            &mut r.wind_mwh_per_mwh_load,
        ] {
            rd(x, SHARE);
        }
    }
    for x in [
        &mut z.cost_aud_per_mwh,
        &mut z.solar_aud_per_mwh,
        &mut z.wind_aud_per_mwh,
        &mut z.battery_aud_per_mwh,
        &mut z.grid_aud_per_mwh,
        &mut z.export_credit_aud_per_mwh,
        &mut z.lower_bound_aud_per_mwh,
        &mut z.grid_price_aud_per_mwh,
    ] {
        rd(x, PRICE);
    }
    let u = &mut z.unit_costs;
    for x in [
        &mut u.solar_annualised_aud_per_mw_yr,
        &mut u.wind_annualised_aud_per_mw_yr,
        &mut u.battery_power_annualised_aud_per_mw_yr,
        &mut u.battery_energy_annualised_aud_per_mwh_yr,
        &mut u.battery_power_capex_aud_per_mw,
        &mut u.battery_energy_capex_aud_per_mwh,
    ] {
        rd(x, AUD);
    }
    for src in [&mut z.solar_source, &mut z.wind_source] {
        rd_opt(&mut src.donor_km, precision::KM);
        rd_opt(&mut src.capacity_factor, SHARE);
        for d in &mut src.donors {
            rd(&mut d.km, precision::KM);
            rd(&mut d.weight, SHARE);
        }
    }
}

/// Rounds the near-optimal plans: cutoff, each plan's cost, difference and sites.
fn round_alternatives(a: &mut plans::AlternativesReport) {
    use precision::{AUD, MS, MW, SHARE};
    rd(&mut a.cutoff_aud, AUD);
    for pl in &mut a.plans {
        rd(&mut pl.cost_aud, AUD);
        rd(&mut pl.delta_aud, AUD);
        rd(&mut pl.delta_pct, SHARE);
        rd_opt(&mut pl.worst_rtt_ms, MS);
        for ps in &mut pl.sites {
            rd(&mut ps.built_mw, MW);
            rd_pos(&mut ps.location);
        }
    }
}

impl CityReport {
    /// Rounds a city's position, MW, RTTs and the allocations serving it.
    fn round(&mut self) {
        use precision::{MS, MW};
        rd_pos(&mut self.location);
        rd(&mut self.demand_mw, MW);
        rd(&mut self.served_mw, MW);
        rd(&mut self.unserved_mw, MW);
        rd(&mut self.max_rtt_ms, MS);
        rd_opt(&mut self.weighted_rtt_ms, MS);
        rd_opt(&mut self.worst_rtt_ms, MS);
        rd_opt(&mut self.best_available_rtt_ms, MS);
        rd_opt(&mut self.worst_rtt_p95_ms, MS);
        rd_opt(&mut self.slack_ms, MS);
        rd_opt(&mut self.best_available_rtt_p95_ms, MS);
        self.served_by.iter_mut().for_each(Allocation::round);
    }
}

impl ZoneReport {
    /// Rounds a used REZ's outline, radius, limit, load and expansion.
    fn round(&mut self) {
        use precision::{AUD, KM, MW};
        rd_pos(&mut self.centre);
        if let Some(p) = &mut self.polygon {
            p.iter_mut().for_each(rd_pos);
        }
        rd(&mut self.radius_km, KM);
        rd_opt(&mut self.limit_mw, MW);
        rd(&mut self.load_mw, MW);
        rd(&mut self.expansion_mw, MW);
        rd(&mut self.expansion_aud_per_yr, AUD);
    }
}

impl Totals {
    /// Rounds the totals: cost by component, penalty, MW, cost per MW served.
    fn round(&mut self) {
        use precision::{AUD, MW};
        self.cost.round();
        rd(&mut self.unserved_penalty_aud_per_yr, AUD);
        rd(&mut self.built_mw, MW);
        rd(&mut self.demand_mw, MW);
        rd(&mut self.served_mw, MW);
        rd(&mut self.unserved_mw, MW);
        rd_opt(&mut self.cost_per_mw_served_aud_per_yr, AUD);
    }
}

impl Report {
    /// Rounds every number to its output precision ([`precision`]), so that the JSON, text,
    /// GeoJSON and GIS outputs agree and never print `714.9999999999999`. The pipeline calls
    /// it last; checks run on the unrounded numbers before.
    pub fn round_for_output(&mut self) {
        use precision::{MW, SECONDS};
        rd(&mut self.solver.objective, 2);
        rd_opt(&mut self.solver.best_bound, 2);
        // A relative gap of 1e-16 is float noise, not a gap.
        rd_opt(&mut self.solver.gap, 6);
        rd(&mut self.check.objective_recomputed, 2);
        self.sites.iter_mut().for_each(SiteReport::round);
        self.supply_zones.iter_mut().for_each(round_portfolio);
        if let Some(a) = &mut self.alternatives {
            round_alternatives(a);
        }
        self.cities.iter_mut().for_each(CityReport::round);
        self.zones.iter_mut().for_each(ZoneReport::round);
        for g in &mut self.grid_limits {
            rd(&mut g.limit_mw, MW);
            rd(&mut g.load_mw, MW);
        }
        self.totals.round();
        if let Some(ts) = &mut self.timings {
            ts.iter_mut().for_each(|s| rd(&mut s.seconds, SECONDS));
        }
        policy::round(self);
        flex::round(self);
    }
}

#[cfg(test)]
mod rounding_tests {
    use super::*;

    #[test]
    fn float_noise_is_rounded_away() {
        let mut a = Allocation {
            site_id: "s".into(),
            city_id: "c".into(),
            mw: 714.999_999_999_999_9,
            rtt_ms: 112.345_678,
            rtt_p95_ms: 130.004_9,
            landings: vec![],
            pops: vec![],
            jurisdictions: vec![],
            cables: vec![],
            route: vec![LonLat::new(150.123_456_789, -33.0)],
        };
        a.round();
        assert_eq!(a.mw.to_string(), "715");
        assert_eq!(a.rtt_ms, 112.35);
        assert_eq!(a.route[0].lon, 150.123_456_8);
        let mut c = CostComponents {
            capex_aud_per_yr: 1.5e9 + 0.4,
            ..Default::default()
        };
        c.round();
        assert_eq!(c.capex_aud_per_yr, 1.5e9);
    }
}

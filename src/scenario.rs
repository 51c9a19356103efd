//! What to optimise and with which parameters: every default of the model
//! (`../shared/docs/model.md`) as a named, documented, overridable value.
//!
//! A scenario file (TOML or JSON, any subset of the fields below) overrides the defaults;
//! CLI flags override the file. Unknown fields are rejected so that typos are caught.

use crate::error::{Issues, Location};
use crate::limits as lim;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// All parameters of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Which places become candidate sites.
    pub candidates: CandidateParams,
    /// The round-trip-time model.
    pub latency: LatencyParams,
    /// The annual cost model.
    pub cost: CostParams,
    /// The optimisation model.
    pub model: ModelParams,
    /// The solver.
    pub solver: SolverParams,
    /// Network limits shared by several zones and the regional check on new load.
    pub grid: GridParams,
    /// The 24/7 carbon-free supply portfolio of each zone (model.md §5a).
    pub supply: SupplyParams,
    /// Near-optimal alternatives and the margin of each chosen site
    /// ([`AlternativesParams`]).
    pub alternatives: AlternativesParams,
    /// Critical-mineral co-location (`[minerals]`; docs/policy.md). Off by default (and then
    /// not echoed in the report's parameters).
    #[serde(skip_serializing_if = "MineralParams::is_off")]
    pub minerals: MineralParams,
    /// Optional report sections (`[report]`). Not echoed when all are off.
    #[serde(skip_serializing_if = "ReportParams::is_off")]
    pub report: ReportParams,
    /// Demand options (`[demand]`): a flexible share for every training city. Not echoed when
    /// unset.
    #[serde(skip_serializing_if = "DemandParams::is_off")]
    pub demand: DemandParams,
}

/// `[demand]`: options on the demand file's cities (docs/energy.md, "Flexible load in the
/// siting model").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DemandParams {
    /// Flexible share f of every `training` city, 0..=0.5 (`--flexible-training-share`): it
    /// replaces those cities' own `flexible_share`. `None` (the default): each city's own
    /// (0 unless the demand file says otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flexible_training_share: Option<f64>,
}

impl DemandParams {
    /// True when nothing is set.
    pub fn is_off(&self) -> bool {
        self == &DemandParams::default()
    }

    /// The flexible share of a city (a training load when `training`) whose demand record
    /// says `own`.
    pub fn flexible_share_of(&self, training: bool, own: f64) -> f64 {
        match self.flexible_training_share {
            Some(f) if training => f,
            _ => own,
        }
    }
}

/// Critical-mineral co-location (issue 27; docs/policy.md): at least `min_share` of the built
/// IT MW lies within `radius_km` (geodesic) of a critical-mineral site of the minerals layer
/// that matches `groups` and `status`. One linear row of the MIP over site capacities:
/// `Σ_{i∈M} (1 − S) c_i − Σ_{i∉M} S c_i ≥ 0`, M the sites with a matching deposit in range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MineralParams {
    /// Least share of the built IT MW near a matching site, in [0, 1]. Default 0 (no rule);
    /// `--min-mineral-share`.
    pub min_share: f64,
    /// How far from a matching site a data centre counts as co-located, km (geodesic).
    /// Default 100; `--mineral-radius-km`.
    pub radius_km: f64,
    /// Critical-mineral groups that count (the layer's `critical` column, e.g. `Lithium`,
    /// `Rare earth elements`; case-insensitive); empty = every critical site.
    pub groups: Vec<String>,
    /// Statuses that count (the layer's `status` column, e.g. `operating mine`;
    /// case-insensitive); empty = any status.
    pub status: Vec<String>,
}

impl Default for MineralParams {
    fn default() -> Self {
        MineralParams {
            min_share: 0.0,
            radius_km: 100.0,
            groups: Vec::new(),
            status: Vec::new(),
        }
    }
}

impl MineralParams {
    /// True when no co-location rule is in force (`min_share` 0) and nothing was changed.
    pub fn is_off(&self) -> bool {
        self == &MineralParams::default()
    }

    /// True when the rule is in force (`min_share` > 0).
    pub fn in_force(&self) -> bool {
        self.min_share > 0.0
    }
}

/// Optional report sections (the scenario's `[report]` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ReportParams {
    /// Price every promise in force: the best plan without it (or relaxed one step) and
    /// what it costs (`--policy-prices`; `crate::decide::policy`, docs/policy.md). Default
    /// false.
    pub policy_prices: bool,
}

impl ReportParams {
    /// True when every optional section is off.
    pub fn is_off(&self) -> bool {
        !self.policy_prices
    }
}

/// One point of GenCost's battery cost curve: total installed cost per kWh of storage for a
/// battery of a given duration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatteryCostPoint {
    /// Storage duration, hours (energy / power).
    pub duration_h: f64,
    /// Total capital cost per kWh of storage, AUD.
    pub aud_per_kwh: f64,
}

/// The 24/7 CFE supply portfolio per zone (model.md §5a; `src/supply/`): least-cost solar,
/// wind and battery per MW of flat load covering `cfe_target` of the load's energy, the rest
/// bought from the grid at the region's price.
///
/// Costs: CSIRO GenCost 2024-25 (final report, July 2025), capital costs for 2030 in the
/// Current Policies scenario and fixed O&M, as tabulated in the open-source NEMO model
/// (`bje-/NEMO`, `nemo/costs/gencost2025.py`, class `GenCost2025_2030_CP`): large-scale
/// single-axis-tracking PV A$1,123/kW, FOM A$12/kW/yr; onshore wind A$2,646/kW, FOM A$28/kW/yr;
/// offshore (fixed) wind A$4,654/kW, FOM A$174.6/kW/yr; batteries on GenCost's total-cost basis
/// A$484/kWh (2 h), A$349/kWh (4 h), A$294/kWh (8 h). Annualised with
/// [`CostParams::discount_rate`] (7 %, GenCost's real WACC) over each technology's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupplyParams {
    /// Share of each year's load energy that renewables and storage must cover, 0..=1.
    /// Default 0.9.
    pub cfe_target: f64,
    /// AEMO weather reference years whose traces are used (concatenated, 365 days each).
    /// Default [2011, 2018] (the public traces' two years).
    pub reference_years: Vec<u32>,
    /// AEMO technology code of the solar trace. Default `SAT` (single-axis tracking).
    pub solar_technology: String,
    /// AEMO technology code of the wind trace: `WH` (high-quality sites) or `WM` (medium).
    /// Default `WM`, matching the "medium" wind resource limit of the zones (data/SOURCES.md).
    pub wind_technology: String,
    /// Battery round-trip efficiency, fraction. Default 0.85 (assumption in the range GenCost
    /// and AEMO's IASR give for lithium-ion, 0.80–0.90).
    pub round_trip_efficiency: f64,
    /// Value of curtailed surplus sold to the grid, AUD per MWh. Default 0 (none). Must not
    /// exceed round_trip_efficiency × the grid price (the greedy dispatch is then optimal).
    pub export_value_aud_per_mwh: f64,
    /// Solar PV capital cost, AUD per MW. Default 1.123e6 (GenCost 2024-25, 2030, Current
    /// Policies).
    pub solar_capex_aud_per_mw: f64,
    /// Solar PV fixed O&M, AUD per MW per year. Default 12,000 (GenCost 2024-25).
    pub solar_fom_aud_per_mw_yr: f64,
    /// Solar PV economic life, years. Default 30 (assumption, GenCost's economic-life range).
    pub solar_life_years: f64,
    /// Onshore wind capital cost, AUD per MW. Default 2.646e6 (GenCost 2024-25, 2030, Current
    /// Policies).
    pub wind_capex_aud_per_mw: f64,
    /// Onshore wind fixed O&M, AUD per MW per year. Default 28,000 (GenCost 2024-25).
    pub wind_fom_aud_per_mw_yr: f64,
    /// Wind economic life, years (onshore and offshore). Default 25 (assumption, GenCost range).
    pub wind_life_years: f64,
    /// Offshore wind capital cost (zones in [`CostParams::offshore_zones`]), AUD per MW.
    /// Default 4.654e6 (GenCost 2024-25 fixed offshore wind, 2030, Current Policies).
    pub offshore_wind_capex_aud_per_mw: f64,
    /// Offshore wind fixed O&M, AUD per MW per year. Default 174,600 (GenCost 2024-25).
    pub offshore_wind_fom_aud_per_mw_yr: f64,
    /// Battery capital cost curve (GenCost 2024-25, 2030, Current Policies: 2, 4 and 8 hours).
    /// A least-squares line through cost-per-kW = duration × cost-per-kWh splits it into a
    /// power part (AUD per MW) and an energy part (AUD per MWh): A$490/kW + A$232/kWh.
    pub battery_cost_curve: Vec<BatteryCostPoint>,
    /// Battery fixed O&M, AUD per MW per year. Default 10,000 (assumption; GenCost's total-cost
    /// basis for storage gives no separate figure).
    pub battery_fom_aud_per_mw_yr: f64,
    /// Battery economic life, years. Default 20 (assumption, GenCost's battery life range).
    pub battery_life_years: f64,
    /// Share f of the load that may move within each day (docs/energy.md), 0..=0.5, for
    /// `sitefind supply` (`--flexible-share`); the main job takes f from each demand city's
    /// `flexible_share` instead. Default 0 (a flat load).
    #[serde(skip_serializing_if = "is_zero")]
    pub flexible_share: f64,
    /// Annualised cost of the extra server and facility capacity (headroom) a flexible load
    /// needs, AUD per MW per year; `None`: the cost model's annualised site capex per MW,
    /// CRF(discount_rate, lifetime_years) × capex_aud_per_mw (≈ A$1.32 M per MW-year with the
    /// defaults). 0 means spare servers are free.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_capex_aud_per_mw_yr: Option<f64>,
    /// Share of grid energy counted as carbon-free in the CFE constraint, per NEM region id
    /// (e.g. `{ SA1 = 0.7 }`), 0..=1; regions not named count 0 (the strict procured-only score).
    /// The 24/7 literature counts the grid's own carbon-free share (Riepin & Brown; Xu et al.).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub grid_cfe_share: std::collections::BTreeMap<String, f64>,
    /// Where a site's portfolio may draw its solar and wind from: `co-located` (its own REZ;
    /// outside any REZ its region's cheapest zone), `regional` (any zones of its NEM region,
    /// one LP over their traces, paying `[cost] network_charge_aud_per_mwh` on all its energy)
    /// or `cheapest` (per site the cheaper of the two). Default `cheapest` (docs/energy.md).
    pub sourcing: Sourcing,
    /// A fixed headroom H (MW per MW of average load, 0..=f) for a flexible portfolio, or `None`:
    /// the optimiser chooses H. Not a scenario-file field: the main job sets it when it prices
    /// a flexible city at each H of its grid (docs/energy.md). Part of the cache key.
    #[serde(skip)]
    pub fixed_headroom_mw: Option<f64>,
    /// Folder of the on-disk portfolio cache (`src/supply/cache.rs`), or `None`: no disk cache.
    /// Not a scenario-file field and not in the report: the library default is `None`; the
    /// CLI's `solve` and `supply` set the platform cache folder unless `--no-cache` is given.
    #[serde(skip)]
    pub cache_dir: Option<std::path::PathBuf>,
}

/// Where a site's 24/7 portfolio may draw its solar and wind from (`[supply] sourcing`,
/// `--sourcing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sourcing {
    /// The site's own REZ, behind its connection: no network charge (a site outside any REZ
    /// buys its region's cheapest zone's portfolio and pays the network charge as before).
    CoLocated,
    /// Any zones of the site's NEM region (contracted across the grid): the network charge on
    /// all the energy it draws.
    Regional,
    /// Per site, the cheaper of the two (ties: co-located).
    #[default]
    Cheapest,
}

impl Sourcing {
    /// The name used in files and reports (`co-located`, `regional`, `cheapest`).
    pub fn name(self) -> &'static str {
        match self {
            Sourcing::CoLocated => "co-located",
            Sourcing::Regional => "regional",
            Sourcing::Cheapest => "cheapest",
        }
    }

    /// Parses a name of [`Sourcing::name`].
    ///
    /// # Errors
    /// [`crate::error::Error::Usage`] naming the value and the accepted ones.
    pub fn parse(s: &str) -> crate::error::Result<Sourcing> {
        match s {
            "co-located" => Ok(Sourcing::CoLocated),
            "regional" => Ok(Sourcing::Regional),
            "cheapest" => Ok(Sourcing::Cheapest),
            other => Err(crate::error::Error::usage(
                format!("--sourcing {other:?} is not a sourcing"),
                "use co-located, regional or cheapest",
            )),
        }
    }
}

impl Default for SupplyParams {
    fn default() -> Self {
        SupplyParams {
            cfe_target: 0.9,
            reference_years: vec![2011, 2018],
            solar_technology: "SAT".into(),
            wind_technology: "WM".into(),
            round_trip_efficiency: 0.85,
            export_value_aud_per_mwh: 0.0,
            solar_capex_aud_per_mw: 1.123e6,
            solar_fom_aud_per_mw_yr: 12_000.0,
            solar_life_years: 30.0,
            wind_capex_aud_per_mw: 2.646e6,
            wind_fom_aud_per_mw_yr: 28_000.0,
            wind_life_years: 25.0,
            offshore_wind_capex_aud_per_mw: 4.654e6,
            offshore_wind_fom_aud_per_mw_yr: 174_600.0,
            battery_cost_curve: vec![
                BatteryCostPoint {
                    duration_h: 2.0,
                    aud_per_kwh: 484.0,
                },
                BatteryCostPoint {
                    duration_h: 4.0,
                    aud_per_kwh: 349.0,
                },
                BatteryCostPoint {
                    duration_h: 8.0,
                    aud_per_kwh: 294.0,
                },
            ],
            battery_fom_aud_per_mw_yr: 10_000.0,
            battery_life_years: 20.0,
            flexible_share: 0.0,
            server_capex_aud_per_mw_yr: None,
            grid_cfe_share: std::collections::BTreeMap::new(),
            sourcing: Sourcing::default(),
            fixed_headroom_mw: None,
            cache_dir: None,
        }
    }
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl SupplyParams {
    /// The grid's carbon-free share counted in region `region` ([`SupplyParams::grid_cfe_share`]).
    pub fn grid_cfe_share_of(&self, region: &str) -> f64 {
        self.grid_cfe_share.get(region).copied().unwrap_or(0.0)
    }

    /// The battery cost curve split into (AUD per MW of power, AUD per MWh of energy): the
    /// least-squares line cost_per_kw(d) = power + d × energy through the curve's points
    /// (cost_per_kw = d × aud_per_kwh). One point: all energy cost.
    pub fn battery_capex_split(&self) -> (f64, f64) {
        let pts: Vec<(f64, f64)> = self
            .battery_cost_curve
            .iter()
            .map(|p| (p.duration_h, p.duration_h * p.aud_per_kwh))
            .collect();
        let n = pts.len() as f64;
        if pts.len() < 2 {
            return (
                0.0,
                pts.first().map_or(0.0, |p| p.1 / p.0.max(1e-9)) * 1000.0,
            );
        }
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let intercept = my - slope * mx;
        // $/kW → AUD per MW; $/kWh → AUD per MWh.
        (intercept.max(0.0) * 1000.0, slope.max(0.0) * 1000.0)
    }
}

/// Which places become candidate sites (model.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CandidateParams {
    /// Substations at or above this voltage inside or near a REZ are candidates, kV. Default 132.
    pub min_voltage_kv: f64,
    /// How far from a REZ (centre radius or polygon edge) a substation may be, km. Default 50.
    pub rez_radius_km: f64,
    /// Substations at or above this voltage are candidates anywhere, kV. Default 275.
    pub backbone_voltage_kv: f64,
    /// Radius for counting critical-mineral sites near a candidate, km. Default 100.
    pub mineral_radius_km: f64,
    /// Existing Australian data-centre clusters are (brownfield) candidates. Default true.
    pub include_existing_datacentres: bool,
    /// Existing data centres closer than this to each other form one cluster, km. Default 25.
    pub datacentre_cluster_km: f64,
    /// Restrict candidates to these state codes or region ids (empty = all).
    pub regions: Vec<String>,
    /// Grid headroom (largest site, MW IT) by substation voltage class, used when a
    /// substation's `spare_mw` is unknown: the class with the highest `min_voltage_kv` not
    /// above the substation's voltage applies; below every class the headroom is 0.
    /// Default [`HeadroomClass::default_table`] (assumptions, see there).
    pub headroom: Vec<HeadroomClass>,
    /// Synthetic densification for scaling studies: when set, adds candidate points every
    /// `densify_km` km inside the REZs and along operational lines ≥ `min_voltage_kv`
    /// (see `candidates::densify`). Default none (real sites only).
    pub densify_km: Option<f64>,
    /// Candidates closer than this to a higher-priority candidate are one campus, km
    /// (geodesic; `candidates::merge_campuses`): one candidate is kept (the highest connection
    /// voltage, then the larger headroom, then the smaller id) and lists the others in
    /// `merged_ids`. Default 2; 0 turns merging off.
    pub campus_merge_km: f64,
}

/// One row of the voltage-class headroom table ([`CandidateParams::headroom`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadroomClass {
    /// Lowest substation voltage of the class, kV.
    pub min_voltage_kv: f64,
    /// New load a substation of this class can take, MW.
    pub max_mw: f64,
}

impl HeadroomClass {
    /// The default table. Every value is an **assumption** (typical thermal ratings of one
    /// or two transformers / a single circuit at that voltage, rounded down; no public
    /// per-substation spare-capacity data exists for most of Australia):
    ///
    /// | voltage class | headroom |
    /// |---|---|
    /// | 66 kV ≤ kV < 132 | 50 MW |
    /// | 132 kV ≤ kV < 220 | 300 MW |
    /// | 220 kV ≤ kV < 275 | 500 MW |
    /// | 275 / 330 kV (275 ≤ kV < 500) | 1,000 MW |
    /// | 500 kV and above | 2,000 MW |
    pub fn default_table() -> Vec<HeadroomClass> {
        [
            (66.0, 50.0),
            (132.0, 300.0),
            (220.0, 500.0),
            (275.0, 1000.0),
            (500.0, 2000.0),
        ]
        .into_iter()
        .map(|(min_voltage_kv, max_mw)| HeadroomClass {
            min_voltage_kv,
            max_mw,
        })
        .collect()
    }
}

impl Default for CandidateParams {
    fn default() -> Self {
        CandidateParams {
            min_voltage_kv: 132.0,
            rez_radius_km: 50.0,
            backbone_voltage_kv: 275.0,
            mineral_radius_km: 100.0,
            include_existing_datacentres: true,
            datacentre_cluster_km: 25.0,
            regions: Vec::new(),
            densify_km: None,
            campus_merge_km: 2.0,
            headroom: HeadroomClass::default_table(),
        }
    }
}

/// The round-trip-time model (model.md §4; docs/latency.md). Defaults fitted by
/// `sitefind calibrate` on Microsoft's published Azure RTTs 2018–2026
/// (`latency/rtt_azure_published.csv`) and WonderNetwork's 2018 public-Internet pings
/// (`latency/rtt_wondernetwork_2018.csv`), each row routed over the cables in service in its
/// year, each term bounded to its physically plausible range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyParams {
    /// One-way propagation delay in fibre, ms per km (n ≈ 1.468 → 0.0049). Physical constant.
    pub fibre_ms_per_km: f64,
    /// Terrestrial fibre length / great-circle distance for countries not in
    /// `route_factor_by_country` (transit hubs, Singapore, the US). Default 1.3 (model.md's
    /// starting value; not fitted: no measurement has a terrestrial leg abroad longer than a
    /// few tens of km).
    pub route_factor: f64,
    /// Terrestrial route factor per country (name as in the landing layer, case-insensitive).
    /// Fitted defaults: Australia (Sydney–Melbourne–Canberra trunks along the Hume and coast),
    /// Japan (Tōkaidō corridor, ≈ 500–550 km of route for 400 km of great circle).
    pub route_factor_by_country: BTreeMap<String, f64>,
    /// Submarine fibre length / the segment length in the data: the fibre's path through
    /// repeaters, branching units, the beach manhole and the station's cabling beyond the
    /// stated route length. Fitted (bounds 1.00–1.10).
    pub cable_slack: f64,
    /// Round-trip overhead at the data-centre end of a route (the site; `from` in
    /// [`crate::latency::LatencyModel::rtt`]), ms: data-centre fabric (leaf–spine, hypervisor,
    /// TCP/ICMP stack) and the campus's metro hop to the exchange. Fitted on the backbone
    /// rows, measured between two cloud regions.
    pub endpoint_overhead_ms: f64,
    /// Round-trip overhead at the city end of a route (`to`), ms: a server at the city's
    /// exchange. Fitted on the public-Internet rows, measured between hosting servers in
    /// carrier hotels.
    pub city_endpoint_overhead_ms: f64,
    /// Round-trip overhead per cable landing station on the path, ms: submarine line terminal
    /// (transponders, FEC), the landing station's routers and its backhaul's regeneration. Fitted.
    pub landing_overhead_ms: f64,
    /// Round-trip overhead per point of presence on the path, ms: the exchange's routers and
    /// switches where a terrestrial leg is handed to the next network or backbone segment
    /// (every path through PoPs has at least the two ends' PoPs; a city reached over the
    /// domestic backbone pays one more). Fitted.
    pub pop_overhead_ms: f64,
    /// Any further constant per round trip, ms. Default 0 (the per-endpoint and per-landing
    /// terms replace the former single constant).
    pub equipment_overhead_ms: f64,
    /// Only cables in service by this year (`rfs_year` ≤ it) are in the graph; `None`: every
    /// cable in service at the dataset's snapshot. Calibration sets it to each measurement's
    /// year so a 2018 ping never uses a 2019 cable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_service_year: Option<u32>,
    /// Planning statistic: relative margin of the P95 over the median for other providers,
    /// other vintages and route changes (backbone class: the 95th percentile of measured /
    /// modelled median − 1 over the backbone rows of both calibration files, 2018–2026).
    pub p95_route_margin: f64,
    /// Planning statistic: additive margin of the P95 over the median for queueing and
    /// jitter, ms (the mean P50→P95 spread within one 30-day window).
    pub p95_jitter_ms: f64,
    /// Which statistic a city's RTT limit applies to. Default `p95` (service levels are
    /// percentiles).
    pub limit_statistic: RttStatistic,
    /// Cable ids removed from the graph (a cable-cut scenario).
    pub cut_cables: Vec<String>,
    /// Include cables marked as planned (not yet in service). Default false.
    pub include_planned: bool,
    /// Countries or territories a path may not land in (data sovereignty), e.g. `["Guam"]`;
    /// names as in the landing layer, case-insensitive.
    pub avoid_transit: Vec<String>,
    /// When non-empty, only these cable ids may be used.
    pub allowed_cables: Vec<String>,
    /// Cable ids that may not be used (policy; same effect as a cut).
    pub excluded_cables: Vec<String>,
    /// Landing ids where capacity is bought directly: places of the landing's country reach
    /// these landings by their own terrestrial backhaul instead of through the nearest PoP.
    pub capacity_landings: Vec<String>,
    /// Sovereignty: when non-empty, the only countries or territories a route may land in
    /// (landings and PoPs elsewhere are absent), e.g. `["Australia", "Japan"]`; names as in the
    /// landing layer, case-insensitive (`--landing-jurisdictions`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub landing_jurisdictions: Vec<String>,
    /// Sovereignty: when non-empty, only cables with at least one of these owners may be used
    /// (the cable layer's `owners` column; case-insensitive; `--cable-owners`). Needs a cable
    /// layer with owners: the embedded cables carry TeleGeography's 2022 owner lists.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cable_owners: Vec<String>,
}

/// Which RTT statistic a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RttStatistic {
    /// The median RTT.
    P50,
    /// The planning RTT (95th percentile).
    #[default]
    P95,
}

impl LatencyParams {
    /// The terrestrial route factor for a country (case-insensitive), else `route_factor`.
    pub fn route_factor_for(&self, country: &str) -> f64 {
        self.route_factor_by_country
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(country.trim()))
            .map_or(self.route_factor, |(_, v)| *v)
    }

    /// The planning (P95) RTT for a median RTT, ms.
    pub fn p95_of(&self, median_ms: f64) -> f64 {
        median_ms * (1.0 + self.p95_route_margin) + self.p95_jitter_ms
    }

    /// The statistic the limits apply to, for a median RTT, ms.
    pub fn limit_value(&self, median_ms: f64) -> f64 {
        match self.limit_statistic {
            RttStatistic::P50 => median_ms,
            RttStatistic::P95 => self.p95_of(median_ms),
        }
    }
}

impl Default for LatencyParams {
    fn default() -> Self {
        LatencyParams {
            fibre_ms_per_km: 0.0049,
            route_factor: 1.3,
            route_factor_by_country: [("Australia".to_string(), 1.44), ("Japan".to_string(), 1.39)]
                .into_iter()
                .collect(),
            cable_slack: 1.028,
            endpoint_overhead_ms: 1.4,
            city_endpoint_overhead_ms: 0.0,
            landing_overhead_ms: 0.25,
            pop_overhead_ms: 1.25,
            equipment_overhead_ms: 0.0,
            in_service_year: None,
            p95_route_margin: 0.118736,
            p95_jitter_ms: 2.133333,
            limit_statistic: RttStatistic::P95,
            cut_cables: Vec::new(),
            include_planned: false,
            avoid_transit: Vec::new(),
            allowed_cables: Vec::new(),
            excluded_cables: Vec::new(),
            capacity_landings: Vec::new(),
            landing_jurisdictions: Vec::new(),
            cable_owners: Vec::new(),
        }
    }
}

/// The annual cost model (model.md §5). All money in AUD; annualised with the capital
/// recovery factor CRF(discount_rate, lifetime_years).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostParams {
    /// Discount rate, fraction per year. Default 0.07.
    pub discount_rate: f64,
    /// Asset life for annualising capital, years. Default 20.
    pub lifetime_years: f64,
    /// Building + M&E capital cost per MW of IT, AUD. Default 14e6 (Stojkovic et al.; US$9.5/W ÷ 0.65... see docs/model.md "Cost").
    pub capex_aud_per_mw: f64,
    /// Fixed cost per opened site (land, fibre, permits), AUD. Default 25e6 (assumption).
    pub site_fixed_aud: f64,
    /// Grid spur line cost, AUD per MW per km. Default US$2,279 / 0.65 (NREL reV).
    pub line_cost_aud_per_mw_km: f64,
    /// Grid tie-in (substation) cost, AUD per MW. Default US$14,000 / 0.65 (NREL reV).
    pub tie_in_aud_per_mw: f64,
    /// USD per AUD at which the US-sourced defaults (reV line and tie-in costs, capex) were
    /// converted. Default 0.65. Recorded for the report; changing it does not re-convert the
    /// AUD parameters above — set those directly.
    pub usd_per_aud: f64,
    /// Average IT utilisation, fraction. Default 0.8.
    pub utilisation: f64,
    /// PUE at or below the reference temperature. Default 1.15 (assumption).
    pub pue_base: f64,
    /// PUE increase per °C of mean temperature above the reference. Default 0.01 (assumption).
    pub pue_per_deg_c: f64,
    /// Reference temperature for PUE, °C. Default 15.
    pub pue_reference_temp_c: f64,
    /// Share of energy bought as a renewable PPA from the site's REZ, fraction. Default 0.7.
    /// Superseded in the main job by the 24/7 CFE portfolio (model.md §5a, [`SupplyParams`]);
    /// used only by the legacy annual-energy price `sitefind candidates` shows.
    pub renewable_share: f64,
    /// Capital cost of renewable generation used with `default_capacity_factor` when a REZ has
    /// no capacity factor (technology unknown), AUD per MW. Default 1.9e6 (assumption, a
    /// solar/wind blend).
    pub renewable_capex_aud_per_mw: f64,
    /// Fixed O&M with `renewable_capex_aud_per_mw`, AUD per MW per year. Default 25,000
    /// (assumption).
    pub renewable_fom_aud_per_mw_yr: f64,
    /// Large-scale solar PV capital cost, AUD per MW. Default 1.5e6 (assumption in the range of
    /// CSIRO GenCost 2024-25 current costs for single-axis-tracking PV).
    pub solar_capex_aud_per_mw: f64,
    /// Solar PV fixed O&M, AUD per MW per year. Default 17,000 (assumption, GenCost range).
    pub solar_fom_aud_per_mw_yr: f64,
    /// Onshore wind capital cost, AUD per MW. Default 3.0e6 (assumption, GenCost 2024-25 range).
    pub wind_capex_aud_per_mw: f64,
    /// Onshore wind fixed O&M, AUD per MW per year. Default 28,000 (assumption, GenCost range).
    pub wind_fom_aud_per_mw_yr: f64,
    /// Offshore wind capital cost, AUD per MW. Default 5.5e6 (assumption, GenCost 2024-25
    /// fixed-bottom offshore range).
    pub offshore_wind_capex_aud_per_mw: f64,
    /// Offshore wind fixed O&M, AUD per MW per year. Default 150,000 (assumption, GenCost range).
    pub offshore_wind_fom_aud_per_mw_yr: f64,
    /// REZ ids whose wind resource is offshore (priced with the offshore costs). Default the
    /// AEMO 2025 IASR offshore zones N10 Hunter Coast, N11 Illawarra Coast, V8 Gippsland
    /// Offshore, V9 Southern Ocean, T4 North Tasmania Coast.
    pub offshore_zones: Vec<String>,
    /// Capacity factor used when a REZ has none, fraction. Default 0.30.
    pub default_capacity_factor: f64,
    /// Wholesale price used when a site's region is unknown, AUD per MWh. Default 90.
    pub default_price_aud_per_mwh: f64,
    /// Mean temperature used when a site's region is unknown, °C. Default 18.
    pub default_temp_c: f64,
    /// Backhaul fibre from a site to the landing where its route goes submarine, AUD per km per
    /// year. Default 10,800: Telstra's intercity fibre build (up to A$1.6 bn for ~14,000
    /// route-km ≈ A$114,000 per km) × CRF(7 %, 20 y) = 0.0944 (data/SOURCES.md).
    pub backhaul_aud_per_km_yr: f64,
    /// Network charge (transmission use of system) on every MWh a site outside any REZ draws
    /// from the shared network, AUD per MWh. Default 15 (assumption: the order of NEM
    /// transmission revenue, ~A$3 bn a year in AER determinations, over ~190 TWh of NEM
    /// operational demand; see docs/model.md "Grid limits").
    pub network_charge_aud_per_mwh: f64,
}

impl Default for CostParams {
    fn default() -> Self {
        let usd_per_aud = 0.65;
        CostParams {
            discount_rate: 0.07,
            lifetime_years: 20.0,
            capex_aud_per_mw: 14.0e6,
            site_fixed_aud: 25.0e6,
            line_cost_aud_per_mw_km: 2279.0 / usd_per_aud,
            tie_in_aud_per_mw: 14000.0 / usd_per_aud,
            usd_per_aud,
            utilisation: 0.8,
            pue_base: 1.15,
            pue_per_deg_c: 0.01,
            pue_reference_temp_c: 15.0,
            renewable_share: 0.7,
            renewable_capex_aud_per_mw: 1.9e6,
            renewable_fom_aud_per_mw_yr: 25_000.0,
            solar_capex_aud_per_mw: 1.5e6,
            solar_fom_aud_per_mw_yr: 17_000.0,
            wind_capex_aud_per_mw: 3.0e6,
            wind_fom_aud_per_mw_yr: 28_000.0,
            offshore_wind_capex_aud_per_mw: 5.5e6,
            offshore_wind_fom_aud_per_mw_yr: 150_000.0,
            offshore_zones: ["N10", "N11", "V8", "V9", "T4"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            default_capacity_factor: 0.30,
            default_price_aud_per_mwh: 90.0,
            default_temp_c: 18.0,
            backhaul_aud_per_km_yr: 10_800.0,
            network_charge_aud_per_mwh: 15.0,
        }
    }
}

impl CostParams {
    /// Every parameter out of range (empty when all are valid). [`crate::cost::CostModel::new`]
    /// refuses parameters with issues; [`Scenario::validate`] lists them with the rest.
    pub fn issues(&self) -> Issues {
        let mut issues = Issues::new();
        self.finance_issues(&mut issues);
        self.money_issues(&mut issues);
        self.fraction_issues(&mut issues);
        self.facility_issues(&mut issues);
        issues
    }

    /// The discount rate and the lifetime.
    fn finance_issues(&self, issues: &mut Issues) {
        cost_check(
            issues,
            "discount_rate",
            self.discount_rate,
            (0.0..1.0).contains(&self.discount_rate),
            "a fraction in [0, 1)",
            "7 % is 0.07, not 7",
        );
        cost_check(
            issues,
            "lifetime_years",
            self.lifetime_years,
            (1.0..=crate::limits::MAX_LIFETIME_YEARS).contains(&self.lifetime_years),
            "a number of years in [1, 200]",
            "",
        );
    }

    /// Every money amount: finite and in [0, 1e15].
    fn money_issues(&self, issues: &mut Issues) {
        for (field, v) in [
            ("capex_aud_per_mw", self.capex_aud_per_mw),
            ("site_fixed_aud", self.site_fixed_aud),
            ("line_cost_aud_per_mw_km", self.line_cost_aud_per_mw_km),
            ("tie_in_aud_per_mw", self.tie_in_aud_per_mw),
            (
                "renewable_capex_aud_per_mw",
                self.renewable_capex_aud_per_mw,
            ),
            (
                "renewable_fom_aud_per_mw_yr",
                self.renewable_fom_aud_per_mw_yr,
            ),
            ("solar_capex_aud_per_mw", self.solar_capex_aud_per_mw),
            ("solar_fom_aud_per_mw_yr", self.solar_fom_aud_per_mw_yr),
            ("wind_capex_aud_per_mw", self.wind_capex_aud_per_mw),
            ("wind_fom_aud_per_mw_yr", self.wind_fom_aud_per_mw_yr),
            (
                "offshore_wind_capex_aud_per_mw",
                self.offshore_wind_capex_aud_per_mw,
            ),
            (
                "offshore_wind_fom_aud_per_mw_yr",
                self.offshore_wind_fom_aud_per_mw_yr,
            ),
            ("default_price_aud_per_mwh", self.default_price_aud_per_mwh),
            ("backhaul_aud_per_km_yr", self.backhaul_aud_per_km_yr),
            (
                "network_charge_aud_per_mwh",
                self.network_charge_aud_per_mwh,
            ),
            ("pue_per_deg_c", self.pue_per_deg_c),
        ] {
            cost_check(
                issues,
                field,
                v,
                (0.0..=crate::limits::MAX_AUD).contains(&v),
                "a finite number in [0, 1e15]",
                "",
            );
        }
    }

    /// The price cap, the exchange rate and the fractions (utilisation, capacity factor,
    /// renewable share).
    fn fraction_issues(&self, issues: &mut Issues) {
        cost_check(
            issues,
            "default_price_aud_per_mwh",
            self.default_price_aud_per_mwh,
            self.default_price_aud_per_mwh <= crate::limits::MAX_PRICE_AUD_PER_MWH,
            "AUD per MWh in [0, 100000]",
            "a yearly average wholesale price",
        );
        cost_check(
            issues,
            "usd_per_aud",
            self.usd_per_aud,
            self.usd_per_aud > 0.0,
            "an exchange rate > 0 (USD per AUD)",
            "e.g. 0.65",
        );
        for (field, v) in [
            ("utilisation", self.utilisation),
            ("default_capacity_factor", self.default_capacity_factor),
        ] {
            cost_check(
                issues,
                field,
                v,
                v > 0.0 && v <= 1.0,
                "a fraction in (0, 1]",
                "80 % is 0.8",
            );
        }
        cost_check(
            issues,
            "renewable_share",
            self.renewable_share,
            (0.0..=1.0).contains(&self.renewable_share),
            "a fraction in [0, 1]",
            "70 % is 0.7",
        );
    }

    /// The facility's PUE and temperatures.
    fn facility_issues(&self, issues: &mut Issues) {
        cost_check(
            issues,
            "pue_base",
            self.pue_base,
            (1.0..=crate::limits::MAX_PUE).contains(&self.pue_base),
            "a PUE in [1, 10]",
            "PUE is total facility power / IT power, at least 1",
        );
        cost_check(
            issues,
            "pue_reference_temp_c",
            self.pue_reference_temp_c,
            (lim::TEMP_RANGE_C.0..=lim::TEMP_RANGE_C.1).contains(&self.pue_reference_temp_c),
            "a temperature in [−60, 60] °C",
            "",
        );
        cost_check(
            issues,
            "default_temp_c",
            self.default_temp_c,
            (lim::TEMP_RANGE_C.0..=lim::TEMP_RANGE_C.1).contains(&self.default_temp_c),
            "a temperature in [−60, 60] °C",
            "",
        );
    }
}

/// Records the cost parameter `field` unless `ok` holds and `v` is finite.
fn cost_check(issues: &mut Issues, field: &str, v: f64, ok: bool, expected: &str, hint: &str) {
    if !v.is_finite() || !ok {
        issues.push(
            Location::file("scenario").record("cost").field(field),
            expected,
            v.to_string(),
            hint,
        );
    }
}

/// Network limits beyond a zone's own REZ limit (docs/model.md "Grid limits"): AEMO's group
/// constraints and sub-regional flow paths (`grid_groups` layer) and the size of each market
/// region (`region_limits` layer). Each becomes a hard shared limit on the grid draw
/// (IT MW × PUE) of the sites it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridParams {
    /// Enforce the `grid_groups` limits. Default true.
    pub enforce_group_limits: bool,
    /// Enforce the regional check on new load. Default true.
    pub enforce_region_limits: bool,
    /// New data-centre grid draw a region can take, as a fraction of its mean operational
    /// demand (the regional limit is this × mean demand + import capability). Default 0.25
    /// (assumption: new load of a quarter of a region's average demand is a system-scale
    /// change; beyond it AEMO's ESOO would have to plan new generation and transmission).
    pub region_demand_fraction: f64,
    /// Add the region's interconnector import capability to its limit. Default true.
    pub region_count_imports: bool,
    /// Enforce every zone's solar and wind resource limits on the generation the sites'
    /// portfolios build (AEMO's where published, else the stated rule; docs/limits.md).
    /// Default true; false is for comparisons.
    pub enforce_resource_limits: bool,
}

impl Default for GridParams {
    fn default() -> Self {
        GridParams {
            enforce_group_limits: true,
            enforce_region_limits: true,
            region_demand_fraction: 0.25,
            region_count_imports: true,
            enforce_resource_limits: true,
        }
    }
}

/// Which objective the MIP optimises (model.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// Minimise total annual cost (default).
    #[default]
    MinCost,
    /// Minimise the worst round-trip time, subject to a cost cap (`cost_cap_aud_per_yr`).
    MinWorstRtt,
    /// Maximise demand served within an annual budget (`budget_aud_per_yr`).
    MaxCoverage,
}

/// The optimisation model's options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelParams {
    /// The objective.
    pub objective: Objective,
    /// Smallest site worth building, MW IT. Default 20.
    pub min_site_mw: f64,
    /// Largest site at any location, MW IT (further capped by grid headroom). Default 1,000.
    pub max_site_mw: f64,
    /// Build in integer modules of this size, MW (None = continuous).
    pub module_mw: Option<f64>,
    /// At most this many sites (None = no limit).
    pub max_sites: Option<usize>,
    /// Penalty for each MW of unserved demand, AUD per MW per year. Default 1e9 (i.e. serve all).
    pub unserved_penalty_aud_per_mw: f64,
    /// Override every city's latency limit, ms.
    pub max_rtt_ms: Option<f64>,
    /// Override every city's redundancy (minimum number of serving sites).
    pub min_sites_per_city: Option<u32>,
    /// Candidate ids that must be built.
    pub must_build: Vec<String>,
    /// Candidate ids that must not be built.
    pub exclude: Vec<String>,
    /// Annual cost cap for `min-worst-rtt`, AUD per year (the earlier name `cost_cap_aud` is
    /// still read).
    #[serde(alias = "cost_cap_aud")]
    pub cost_cap_aud_per_yr: Option<f64>,
    /// Annual budget for `max-coverage`, AUD per year (the earlier name `budget_aud` is still
    /// read).
    #[serde(alias = "budget_aud")]
    pub budget_aud_per_yr: Option<f64>,
    /// N−1 over cable systems: every city keeps at least one open site within its limit after
    /// the loss of any single cable system (`--survive-cable-cut`). Default false.
    pub survive_cable_cut: bool,
    /// Share of every city's demand the built sites must still serve within the limits after
    /// any single failure domain is lost (with `survive_cable_cut`). Default 1.0.
    pub survive_share: f64,
    /// The kinds of failure domain N−1 covers: `cable` (each cable system), `landing` (each
    /// landing station), `hub` (each shared transit hub such as Guam). Default all three.
    pub survive_domains: Vec<String>,
    /// A city's `min_sites` counts only sites at least this far apart, km (geodesic): sites
    /// closer than this form one failure group, which carries at most `D / min_sites` of the
    /// city (`--min-separation-km`; 0 counts every site). Default 25 km.
    pub min_separation_km: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            objective: Objective::MinCost,
            min_site_mw: 20.0,
            max_site_mw: 1000.0,
            module_mw: None,
            max_sites: None,
            unserved_penalty_aud_per_mw: 1.0e9,
            max_rtt_ms: None,
            min_sites_per_city: None,
            must_build: Vec::new(),
            exclude: Vec::new(),
            cost_cap_aud_per_yr: None,
            budget_aud_per_yr: None,
            survive_cable_cut: false,
            survive_share: 1.0,
            survive_domains: vec!["cable".into(), "landing".into(), "hub".into()],
            min_separation_km: 25.0,
        }
    }
}

/// Solver options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SolverParams {
    /// Backend name: `microlp` or `highs` (must be compiled in). Default: the first compiled in,
    /// preferring `highs`.
    pub backend: Option<String>,
    /// Wall-clock limit for the solve, seconds. Default 300.
    pub time_limit_s: f64,
    /// Relative MIP gap at which to stop. Default 1e-6.
    pub mip_gap: f64,
}

impl Default for SolverParams {
    fn default() -> Self {
        SolverParams {
            backend: None,
            time_limit_s: 300.0,
            mip_gap: 1e-6,
        }
    }
}

/// Capital recovery factor: the annual payment per unit of capital at discount rate `r`
/// over `n` years, `r(1+r)^n / ((1+r)^n − 1)`; `1/n` when `r` is 0.
///
/// ```
/// let crf = sitefind::scenario::crf(0.07, 20.0);
/// assert!((crf - 0.0944).abs() < 1e-4);
/// ```
pub fn crf(r: f64, n: f64) -> f64 {
    if r.abs() < 1e-12 {
        return 1.0 / n;
    }
    let g = (1.0 + r).powf(n);
    r * g / (g - 1.0)
}

/// The battery cost curve's issue, if any: it needs two distinct durations, and the
/// least-squares split ([`SupplyParams::battery_capex_split`], before its clamping at 0) must
/// give a power part ≥ 0 and an energy part > 0; otherwise storage would be free or the fit
/// meaningless.
fn supply_curve_issue(u: &SupplyParams, label: &str, issues: &mut crate::error::Issues) {
    use crate::error::Location;
    let field = "supply.battery_cost_curve";
    let mut durations: Vec<f64> = u.battery_cost_curve.iter().map(|p| p.duration_h).collect();
    durations.sort_by(f64::total_cmp);
    durations.dedup();
    if durations.len() < 2 {
        issues.push(
            Location::file(label).field(field),
            "points at two or more distinct durations (the line through them splits the cost into power and energy)",
            format!("{} point(s) at {} distinct duration(s)", u.battery_cost_curve.len(), durations.len()),
            "e.g. battery_cost_curve = [{ duration_h = 2, aud_per_kwh = 484 }, { duration_h = 4, aud_per_kwh = 349 }]",
        );
        return;
    }
    let pts: Vec<(f64, f64)> = u
        .battery_cost_curve
        .iter()
        .map(|p| (p.duration_h, p.duration_h * p.aud_per_kwh))
        .collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    if !(slope > 0.0 && intercept >= 0.0) {
        issues.push(
            Location::file(label).field(field),
            "a curve whose cost per kW (duration × cost per kWh) rises with duration from a power part ≥ 0",
            format!("a power part of A${intercept:.0}/kW and an energy part of A${slope:.0}/kWh"),
            "give costs per kWh that fall with duration but not faster than 1/duration (e.g. GenCost's 484, 349, 294 A$/kWh at 2, 4, 8 h)",
        );
    }
}

impl Scenario {
    /// The annualised headroom capex a flexible load pays per MW ([`SupplyParams`]'s
    /// `server_capex_aud_per_mw_yr`, else CRF(discount_rate, lifetime_years) × the cost
    /// model's capex per MW), AUD per MW per year.
    pub fn server_capex_aud_per_mw_yr(&self) -> f64 {
        self.supply.server_capex_aud_per_mw_yr.unwrap_or_else(|| {
            crf(self.cost.discount_rate, self.cost.lifetime_years) * self.cost.capex_aud_per_mw
        })
    }

    /// Reads a scenario file: TOML (`.toml`) or JSON (`.json`), any subset of the fields.
    /// Unknown fields are errors (typos are caught).
    pub fn from_file(path: &std::path::Path) -> crate::Result<Scenario> {
        let text = crate::input::read_text(path)?;
        let label = path.display().to_string();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let scenario: Scenario = if is_json {
            // Repeated keys anywhere (both positions named), before the typed parse.
            if serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok() {
                crate::input::check_duplicate_keys(&label, &text)?;
            }
            // serde would read a struct from an array (`[]` = every default): refuse it.
            if !text.trim_start().starts_with('{') {
                return Err(crate::Error::Parse {
                    at: crate::error::Location::file(&label).record("line 1"),
                    message: "expected a JSON object `{ ... }` at the top level".into(),
                    hint: "a scenario file is an object of tables, e.g. {\"model\": {\"max_sites\": 3}}".into(),
                });
            }
            serde_json::from_str(&text).map_err(|e| crate::Error::Parse {
                at: crate::error::Location::file(&label)
                    .record(format!("line {}, column {}", e.line(), e.column())),
                message: e.to_string(),
                hint: "a scenario file holds any of the tables candidates, latency, cost, model, solver (see docs/data.md \"Scenario file\")".into(),
            })?
        } else {
            toml::from_str(&text).map_err(|e| {
                let record = e
                    .span()
                    .map(|s| format!("line {}", text[..s.start.min(text.len())].matches('\n').count() + 1))
                    .unwrap_or_default();
                crate::Error::Parse {
                    at: crate::error::Location::file(&label).record(record),
                    message: e.message().to_string(),
                    hint: "a scenario file holds any of the tables [candidates], [latency], [cost], [model], [solver] (see docs/data.md \"Scenario file\")".into(),
                }
            })?
        };
        scenario.validate(&label)?;
        Ok(scenario)
    }

    /// Checks every parameter against its range (the table in [`crate::limits`]; the cost
    /// parameters through [`CostParams::issues`]). `label` names the source in errors.
    pub fn validate(&self, label: &str) -> crate::Result<()> {
        let mut rc = RangeCheck {
            issues: Issues::new(),
            label,
        };
        check_grid(&self.grid, &mut rc);
        check_model(&self.model, &mut rc);
        check_solver(&self.solver, &mut rc);
        check_latency(&self.latency, &mut rc);
        check_supply(&self.supply, &mut rc);
        check_supply_lists(&self.supply, &mut rc);
        check_candidates(&self.candidates, &mut rc);
        supply_curve_issue(&self.supply, label, &mut rc.issues);
        check_technology_codes(&self.supply, &mut rc);
        check_ids(self, &mut rc);
        check_minerals(&self.minerals, &mut rc);
        if let Some(f) = self.demand.flexible_training_share {
            rc.check(
                "demand.flexible_training_share",
                f,
                (0.0..=lim::MAX_FLEXIBLE_SHARE).contains(&f),
                "a fraction in [0, 0.5] (the share of a training load that may move within a day)",
            );
        }
        // The cost parameters, checked by the cost model (ranges in `crate::limits`).
        let mut issues = rc.issues;
        for mut issue in self.cost.issues().0 {
            issue.at.file = label.to_string();
            issues.0.push(issue);
        }
        issues.into_result(())?;
        self.alternatives.validate(label)
    }
}

/// Collects the out-of-range issues of one scenario source (the ranges: see the table in
/// [`crate::limits`]).
struct RangeCheck<'a> {
    /// The issues found so far, in check order.
    issues: Issues,
    /// Names the source in errors.
    label: &'a str,
}

impl RangeCheck<'_> {
    /// Records `field` as out of range unless `ok` holds and `value` is finite.
    fn check(&mut self, field: &str, value: f64, ok: bool, expected: &str) {
        if !ok || !value.is_finite() {
            self.issues.push(
                Location::file(self.label).field(field),
                expected,
                value.to_string(),
                "fix the value in the scenario file or on the command line",
            );
        }
    }
}

impl RangeCheck<'_> {
    /// Records `field` unless `lo ≤ value ≤ hi`.
    fn closed(&mut self, field: &str, value: f64, lo: f64, hi: f64, expected: &str) {
        self.check(field, value, within(value, lo, hi), expected);
    }

    /// Records `field` unless `0 < value ≤ hi`.
    fn positive(&mut self, field: &str, value: f64, hi: f64, expected: &str) {
        self.check(field, value, value > 0.0 && value <= hi, expected);
    }
}

/// `lo ≤ x ≤ hi` (false for NaN).
fn within(x: f64, lo: f64, hi: f64) -> bool {
    x >= lo && x <= hi
}

/// The `[grid]` table's ranges.
fn check_grid(g: &GridParams, rc: &mut RangeCheck) {
    rc.check(
        "grid.region_demand_fraction",
        g.region_demand_fraction,
        within(g.region_demand_fraction, 0.0, 10.0),
        "a fraction in [0, 10] of the region's mean operational demand (0.25 is a quarter)",
    );
}

/// The `[model]` table's ranges.
fn check_model(m: &ModelParams, rc: &mut RangeCheck) {
    rc.closed(
        "model.min_site_mw",
        m.min_site_mw,
        0.0,
        lim::MAX_SITE_MW,
        "MW in [0, 1e6]",
    );
    rc.check(
        "model.max_site_mw",
        m.max_site_mw,
        m.max_site_mw > 0.0 && m.max_site_mw <= lim::MAX_SITE_MW && m.max_site_mw >= m.min_site_mw,
        "MW in (0, 1e6] and ≥ model.min_site_mw",
    );
    if let Some(x) = m.module_mw {
        rc.positive("model.module_mw", x, lim::MAX_SITE_MW, "MW in (0, 1e6]");
    }
    rc.positive(
        "model.unserved_penalty_aud_per_mw",
        m.unserved_penalty_aud_per_mw,
        lim::MAX_AUD,
        "AUD per MW in (0, 1e15]",
    );
    if let Some(x) = m.max_rtt_ms {
        rc.positive("model.max_rtt_ms", x, lim::MAX_RTT_MS, "ms in (0, 10000]");
    }
    if let Some(x) = m.cost_cap_aud_per_yr {
        rc.positive(
            "model.cost_cap_aud_per_yr",
            x,
            lim::MAX_AUD,
            "AUD in (0, 1e15]",
        );
    }
    if let Some(x) = m.budget_aud_per_yr {
        rc.positive(
            "model.budget_aud_per_yr",
            x,
            lim::MAX_AUD,
            "AUD in (0, 1e15]",
        );
    }
    rc.check(
        "model.survive_share",
        m.survive_share,
        m.survive_share > 0.0 && m.survive_share <= 1.0,
        "a share in (0, 1]",
    );
    if m.survive_domains.is_empty() {
        rc.issues.push(
            Location::file(rc.label).field("model.survive_domains"),
            "a non-empty list of cable, landing, hub",
            "[]",
            "name the kinds of failure domain N−1 covers, e.g. [\"cable\", \"landing\"]",
        );
    }
    for d in &m.survive_domains {
        if !matches!(d.as_str(), "cable" | "landing" | "hub") {
            rc.issues.push(
                Location::file(rc.label).field("model.survive_domains"),
                "a list of cable, landing, hub",
                d.clone(),
                "name the kinds of failure domain N−1 covers, e.g. [\"cable\", \"landing\"]",
            );
        }
    }
    let sep_max = lim::MAX_SEPARATION_KM;
    rc.closed(
        "model.min_separation_km",
        m.min_separation_km,
        0.0,
        sep_max,
        "km in [0, 1000]",
    );
    if let Some(k) = m.min_sites_per_city {
        rc.check(
            "model.min_sites_per_city",
            k as f64,
            (1..=lim::MAX_MIN_SITES).contains(&k),
            "an integer in 1..=1000",
        );
    }
    if let Some(k) = m.max_sites {
        rc.check(
            "model.max_sites",
            k as f64,
            (1..=lim::MAX_SITES).contains(&k),
            "an integer in 1..=1000000 (omit for no limit)",
        );
    }
}

/// The `[solver]` table's ranges.
fn check_solver(s: &SolverParams, rc: &mut RangeCheck) {
    let (t, t_max) = (s.time_limit_s, lim::MAX_TIME_LIMIT_S);
    rc.positive("solver.time_limit_s", t, t_max, "seconds in (0, 1e6]");
    rc.check(
        "solver.mip_gap",
        s.mip_gap,
        (0.0..1.0).contains(&s.mip_gap),
        "a fraction in [0, 1)",
    );
}

/// The `[minerals]` table's ranges (group and status names are checked against the layer
/// by [`crate::minerals`]).
fn check_minerals(m: &MineralParams, rc: &mut RangeCheck) {
    rc.closed(
        "minerals.min_share",
        m.min_share,
        0.0,
        1.0,
        "a share of the built MW in [0, 1] (0.5 is half; --min-mineral-share)",
    );
    rc.closed(
        "minerals.radius_km",
        m.radius_km,
        0.0,
        lim::MAX_RADIUS_KM,
        "a distance in km in [0, 5000] (--mineral-radius-km)",
    );
    for (field, names) in [
        ("minerals.groups", &m.groups),
        ("minerals.status", &m.status),
    ] {
        for (k, name) in names.iter().enumerate() {
            if let Some(found) = crate::input::check_text(name)
                .or_else(|| name.trim().is_empty().then(|| "an empty name".to_string()))
            {
                rc.issues.push(
                    Location::file(rc.label).field(format!("{field}[{k}]")),
                    "a name without control characters",
                    found,
                    "names as in the minerals layer's critical / status columns",
                );
            }
        }
    }
}

/// The `[latency]` table's ranges.
fn check_latency(l: &LatencyParams, rc: &mut RangeCheck) {
    const FACTOR: &str = "a factor in [1, 10]";
    const MS: &str = "ms in [0, 1000]";
    let (f_max, ms_max) = (lim::MAX_ROUTE_FACTOR, lim::MAX_OVERHEAD_MS);
    rc.closed("latency.route_factor", l.route_factor, 1.0, f_max, FACTOR);
    rc.closed("latency.cable_slack", l.cable_slack, 1.0, f_max, FACTOR);
    rc.closed(
        "latency.equipment_overhead_ms",
        l.equipment_overhead_ms,
        0.0,
        ms_max,
        MS,
    );
    for (k, v) in &l.route_factor_by_country {
        rc.closed(
            &format!("latency.route_factor_by_country.{k}"),
            *v,
            1.0,
            f_max,
            FACTOR,
        );
    }
    for (field, v) in [
        ("latency.endpoint_overhead_ms", l.endpoint_overhead_ms),
        ("latency.landing_overhead_ms", l.landing_overhead_ms),
        (
            "latency.city_endpoint_overhead_ms",
            l.city_endpoint_overhead_ms,
        ),
        ("latency.pop_overhead_ms", l.pop_overhead_ms),
    ] {
        rc.closed(field, v, 0.0, ms_max, MS);
    }
    let margin = l.p95_route_margin;
    rc.closed(
        "latency.p95_route_margin",
        margin,
        0.0,
        10.0,
        "a fraction in [0, 10]",
    );
    rc.closed("latency.p95_jitter_ms", l.p95_jitter_ms, 0.0, ms_max, MS);
    rc.positive(
        "latency.fibre_ms_per_km",
        l.fibre_ms_per_km,
        lim::MAX_FIBRE_MS_PER_KM,
        "ms per km in (0, 1]",
    );
}

/// The `[supply]` table's scalar ranges (costs, efficiencies, lives).
fn check_supply(u: &SupplyParams, rc: &mut RangeCheck) {
    rc.check(
        "supply.cfe_target",
        u.cfe_target,
        (0.0..=1.0).contains(&u.cfe_target),
        "a fraction in [0, 1]",
    );
    rc.check(
        "supply.flexible_share",
        u.flexible_share,
        (0.0..=lim::MAX_FLEXIBLE_SHARE).contains(&u.flexible_share),
        "a fraction in [0, 0.5]",
    );
    if let Some(v) = u.server_capex_aud_per_mw_yr {
        rc.check(
            "supply.server_capex_aud_per_mw_yr",
            v,
            within(v, 0.0, lim::MAX_AUD),
            "AUD per MW per year in [0, 1e15]",
        );
    }
    for (region, v) in &u.grid_cfe_share {
        rc.check(
            &format!("supply.grid_cfe_share.{region}"),
            *v,
            (0.0..=1.0).contains(v),
            "a fraction in [0, 1]",
        );
    }
    rc.check(
        "supply.round_trip_efficiency",
        u.round_trip_efficiency,
        u.round_trip_efficiency > 0.0 && u.round_trip_efficiency <= 1.0,
        "a fraction in (0, 1]",
    );
    rc.check(
        "supply.export_value_aud_per_mwh",
        u.export_value_aud_per_mwh,
        within(u.export_value_aud_per_mwh, 0.0, lim::MAX_PRICE_AUD_PER_MWH),
        "AUD per MWh in [0, 100000]",
    );
    for (field, v) in [
        ("supply.solar_capex_aud_per_mw", u.solar_capex_aud_per_mw),
        ("supply.solar_fom_aud_per_mw_yr", u.solar_fom_aud_per_mw_yr),
        ("supply.wind_capex_aud_per_mw", u.wind_capex_aud_per_mw),
        ("supply.wind_fom_aud_per_mw_yr", u.wind_fom_aud_per_mw_yr),
        (
            "supply.offshore_wind_capex_aud_per_mw",
            u.offshore_wind_capex_aud_per_mw,
        ),
        (
            "supply.offshore_wind_fom_aud_per_mw_yr",
            u.offshore_wind_fom_aud_per_mw_yr,
        ),
        (
            "supply.battery_fom_aud_per_mw_yr",
            u.battery_fom_aud_per_mw_yr,
        ),
    ] {
        rc.check(field, v, within(v, 0.0, lim::MAX_AUD), "AUD in [0, 1e15]");
    }
    for (field, v) in [
        ("supply.solar_life_years", u.solar_life_years),
        ("supply.wind_life_years", u.wind_life_years),
        ("supply.battery_life_years", u.battery_life_years),
    ] {
        rc.check(
            field,
            v,
            within(v, 1.0, lim::MAX_LIFETIME_YEARS),
            "years in [1, 200]",
        );
    }
}

/// The `[supply]` table's lists: battery cost curve points and reference years.
fn check_supply_lists(u: &SupplyParams, rc: &mut RangeCheck) {
    for (i, pt) in u.battery_cost_curve.iter().enumerate() {
        rc.check(
            &format!("supply.battery_cost_curve[{i}].duration_h"),
            pt.duration_h,
            pt.duration_h > 0.0 && pt.duration_h <= lim::MAX_BATTERY_DURATION_H,
            "hours in (0, 1000]",
        );
        rc.check(
            &format!("supply.battery_cost_curve[{i}].aud_per_kwh"),
            pt.aud_per_kwh,
            within(pt.aud_per_kwh, 0.0, lim::MAX_AUD_PER_KWH),
            "AUD per kWh in [0, 1e6]",
        );
    }
    for (k, y) in u.reference_years.iter().enumerate() {
        rc.check(
            &format!("supply.reference_years[{k}]"),
            f64::from(*y),
            lim::REFERENCE_YEARS.contains(y),
            "an AEMO weather reference year in [1900, 2100], e.g. 2011",
        );
    }
    rc.check(
        "supply.reference_years (count)",
        u.reference_years.len() as f64,
        (1..=lim::MAX_REFERENCE_YEARS).contains(&u.reference_years.len()),
        "1 to 100 AEMO reference years, e.g. [2011] (the public traces have 2011 and 2018)",
    );
}

/// The `[candidates]` table's ranges.
fn check_candidates(c: &CandidateParams, rc: &mut RangeCheck) {
    for (field, v) in [
        ("candidates.rez_radius_km", c.rez_radius_km),
        ("candidates.mineral_radius_km", c.mineral_radius_km),
        ("candidates.datacentre_cluster_km", c.datacentre_cluster_km),
        ("candidates.campus_merge_km", c.campus_merge_km),
    ] {
        rc.check(
            field,
            v,
            within(v, 0.0, lim::MAX_RADIUS_KM),
            "km in [0, 5000]",
        );
    }
    for (field, v) in [
        ("candidates.min_voltage_kv", c.min_voltage_kv),
        ("candidates.backbone_voltage_kv", c.backbone_voltage_kv),
    ] {
        rc.check(
            field,
            v,
            v > 0.0 && v <= lim::MAX_VOLTAGE_KV,
            "kV in (0, 2000]",
        );
    }
    if let Some(d) = c.densify_km {
        rc.check(
            "candidates.densify_km",
            d,
            within(d, lim::MIN_DENSIFY_KM, lim::MAX_DENSIFY_KM),
            "km in [1, 1000] (finer grids generate millions of points)",
        );
    }
    if c.headroom.len() > 1000 {
        rc.check(
            "candidates.headroom",
            c.headroom.len() as f64,
            false,
            "at most 1000 voltage classes",
        );
    }
    for (k, h) in c.headroom.iter().enumerate() {
        rc.check(
            &format!("candidates.headroom[{k}].min_voltage_kv"),
            h.min_voltage_kv,
            within(h.min_voltage_kv, 0.0, lim::MAX_VOLTAGE_KV),
            "kV in [0, 2000]",
        );
        rc.check(
            &format!("candidates.headroom[{k}].max_mw"),
            h.max_mw,
            within(h.max_mw, 0.0, lim::MAX_SITE_MW),
            "MW in [0, 1e6]",
        );
    }
}

/// The supply technology codes: 1 to 16 ASCII letters and digits.
fn check_technology_codes(u: &SupplyParams, rc: &mut RangeCheck) {
    for (field, code) in [
        ("supply.solar_technology", &u.solar_technology),
        ("supply.wind_technology", &u.wind_technology),
    ] {
        let ok =
            !code.is_empty() && code.len() <= 16 && code.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            rc.issues.push(
                    Location::file(rc.label).field(field),
                    "an AEMO technology code of 1 to 16 letters and digits (solar SAT, FFP or CST; wind WH, WM, WFX or WFL)",
                    format!("{code:?}"),
                    "the code is the part of the trace file names before _RefYear, e.g. REZ_N1_North_West_NSW_SAT_RefYear2011.csv",
                );
        }
    }
}

/// Ids given as text in any table: no control characters.
fn check_ids(s: &Scenario, rc: &mut RangeCheck) {
    // Ids given as text: no control characters.
    for (field, ids) in [
        ("candidates.regions", &s.candidates.regions),
        ("latency.cut_cables", &s.latency.cut_cables),
        ("model.must_build", &s.model.must_build),
        ("model.exclude", &s.model.exclude),
        ("cost.offshore_zones", &s.cost.offshore_zones),
    ] {
        for (k, id) in ids.iter().enumerate() {
            if let Some(found) = crate::input::check_text(id) {
                rc.issues.push(
                    Location::file(rc.label).field(format!("{field}[{k}]")),
                    "an id without control characters",
                    found,
                    "fix the id in the scenario file or on the command line",
                );
            }
        }
    }
}

/// Options of alternatives and margins (the scenario's `[alternatives]` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlternativesParams {
    /// Number of distinct plans to list, best first (the optimum counts as the first). 0 = none
    /// (the default); `--alternatives K`.
    pub count: usize,
    /// Only plans within this many percent of the optimum's cost are listed. Default 5 %
    /// (an assumption: of the order of the cost parameters' own uncertainty); `--within PCT`.
    pub within_pct: f64,
    /// State each chosen site's margin ("why these sites"): the cost of the best plan without
    /// it. One extra solve per chosen site (least-cost objective only). Default true;
    /// `--no-margins` turns it off.
    pub margins: bool,
    /// Relative MIP gap at which each margin re-solve stops (see the module docs); the main
    /// solve's gap when that is larger. Default 1e-4; `--margin-gap`.
    pub margin_gap: f64,
}

impl Default for AlternativesParams {
    fn default() -> Self {
        AlternativesParams {
            count: 0,
            within_pct: 5.0,
            margins: true,
            margin_gap: 1e-4,
        }
    }
}

impl AlternativesParams {
    /// Checks the ranges; `label` names the source in errors.
    pub fn validate(&self, label: &str) -> crate::Result<()> {
        if !(self.within_pct.is_finite() && self.within_pct >= 0.0) {
            return Err(crate::Error::usage(
                format!(
                    "{label}: alternatives.within_pct must be a percentage ≥ 0, found {}",
                    self.within_pct
                ),
                "e.g. --within 2 for plans within 2 % of the optimum",
            ));
        }
        if !(self.margin_gap.is_finite() && (0.0..=0.1).contains(&self.margin_gap)) {
            return Err(crate::Error::usage(
                format!(
                    "{label}: alternatives.margin_gap must be a relative gap in [0, 0.1], found {}",
                    self.margin_gap
                ),
                "e.g. --margin-gap 1e-6 for margins proven to the main solve's precision",
            ));
        }
        if self.count > 1000 {
            return Err(crate::Error::usage(
                format!(
                    "{label}: alternatives.count must be at most 1000, found {}",
                    self.count
                ),
                "each alternative is one more MIP solve; ask for a handful (e.g. --alternatives 5)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_toml_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(
            &p,
            "[model]\nmax_sites = 3\n[cost]\nrenewable_share = 0.5\n",
        )
        .unwrap();
        let s = Scenario::from_file(&p).unwrap();
        assert_eq!(s.model.max_sites, Some(3));
        assert_eq!(s.cost.renewable_share, 0.5);
        assert_eq!(
            s.cost.capex_aud_per_mw,
            CostParams::default().capex_aud_per_mw
        );
    }

    #[test]
    fn supply_table_and_battery_split() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, "[supply]\ncfe_target = 0.5\nreference_years = [2011]\n").unwrap();
        let s = Scenario::from_file(&p).unwrap();
        assert_eq!(s.supply.cfe_target, 0.5);
        assert_eq!(s.supply.reference_years, vec![2011]);
        // Least squares through (2 h, A$968/kW), (4 h, A$1,396/kW), (8 h, A$2,352/kW), by hand:
        // slope 4,328 / 18.667 = A$231.86/kWh, intercept 1,572 − 231.86 × 14/3 = A$490.0/kW.
        let (pw, en) = SupplyParams::default().battery_capex_split();
        assert!((pw - 490_000.0).abs() < 1.0, "{pw}");
        assert!((en - 231_857.1).abs() < 1.0, "{en}");
        std::fs::write(&p, "[supply]\ncfe_target = 1.5\n").unwrap();
        let e = Scenario::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("supply.cfe_target"), "{e}");
    }

    #[test]
    fn unknown_field_and_bad_range_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.toml");
        std::fs::write(&p, "[model]\nmax_site = 3\n").unwrap();
        let e = Scenario::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("max_site") && e.contains("line 2"), "{e}");
        let p = dir.path().join("s.json");
        std::fs::write(&p, r#"{"solver": {"mip_gap": 2.0}}"#).unwrap();
        let e = Scenario::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("solver.mip_gap"), "{e}");
    }
}

//! 24/7 carbon-free supply for a flat data-centre load (model.md §5a): per zone, the least-cost
//! solar MW, wind MW, battery MW and MWh per MW of load such that renewables plus storage cover
//! at least `cfe_target` of the load's energy over the reference years, the rest bought from
//! the grid at the zone's NEM region price (not carbon-free), surplus curtailed.
//!
//! * [`synth`]: each zone's half-hourly solar and wind profiles — its AEMO traces where the
//!   dataset has them, else the stated methods (sun position + donor cloudiness; donor wind
//!   trace power-mapped to the zone's capacity factor) with the donor named.
//! * [`dispatch`]: the greedy dispatch of a fixed design, cyclic state of charge.
//! * [`optimise`]: the convex search over the four design variables: a level bundle method on
//!   cutting planes of the grid energy ([`cutting`]; each dispatch also yields a subgradient)
//!   that proves its answer within 0.001 %, with the previous Lagrangian + Nelder–Mead search
//!   kept as the reference and for a non-zero export value; checked against an independent
//!   LP in the tests.
//! * [`regional`]: a regional portfolio, solar and wind from any zones of a NEM region plus
//!   one battery, by the same search ([`solve_region`]).
//!
//! Costs are annualised per MW (or MWh) with the capital recovery factor at the scenario's
//! discount rate over each technology's life, plus fixed O&M ([`UnitCosts`]); defaults from
//! CSIRO GenCost 2024-25 ([`crate::scenario::SupplyParams`]).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::progress::{Counted, NoProgress};
use crate::scenario::{crf, Scenario, SupplyParams};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub mod cache;
pub mod cutting;
pub mod dispatch;
pub mod flex;
pub mod optimise;
pub mod regional;
pub mod regions;
pub mod resource;
pub mod solar;
pub mod synth;

pub use regions::{regional_id, solve_regions};
pub use synth::{ProfileSource, ZoneProfile};

/// Annualised unit costs of one zone's technologies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitCosts {
    /// Solar: CRF(r, life) × capex + FOM, AUD per MW per year.
    pub solar_annualised_aud_per_mw_yr: f64,
    /// Wind (offshore costs in offshore zones), AUD per MW per year.
    pub wind_annualised_aud_per_mw_yr: f64,
    /// Battery power: CRF × power capex + FOM, AUD per MW per year.
    pub battery_power_annualised_aud_per_mw_yr: f64,
    /// Battery energy: CRF × energy capex, AUD per MWh per year.
    pub battery_energy_annualised_aud_per_mwh_yr: f64,
    /// Battery power capital cost from the cost curve, AUD per MW.
    pub battery_power_capex_aud_per_mw: f64,
    /// Battery energy capital cost from the cost curve, AUD per MWh.
    pub battery_energy_capex_aud_per_mwh: f64,
    /// True if the zone's wind is priced as offshore.
    pub offshore_wind: bool,
}

impl UnitCosts {
    /// The unit costs for a zone (offshore wind costs if `offshore`).
    pub fn new(p: &SupplyParams, discount_rate: f64, offshore: bool) -> UnitCosts {
        let (bp, be) = p.battery_capex_split();
        let (wc, wf) = if offshore {
            (
                p.offshore_wind_capex_aud_per_mw,
                p.offshore_wind_fom_aud_per_mw_yr,
            )
        } else {
            (p.wind_capex_aud_per_mw, p.wind_fom_aud_per_mw_yr)
        };
        let rb = crf(discount_rate, p.battery_life_years);
        UnitCosts {
            solar_annualised_aud_per_mw_yr: crf(discount_rate, p.solar_life_years)
                * p.solar_capex_aud_per_mw
                + p.solar_fom_aud_per_mw_yr,
            wind_annualised_aud_per_mw_yr: crf(discount_rate, p.wind_life_years) * wc + wf,
            battery_power_annualised_aud_per_mw_yr: rb * bp + p.battery_fom_aud_per_mw_yr,
            battery_energy_annualised_aud_per_mwh_yr: rb * be,
            battery_power_capex_aud_per_mw: bp,
            battery_energy_capex_aud_per_mwh: be,
            offshore_wind: offshore,
        }
    }

    fn as_array(&self) -> [f64; 4] {
        [
            self.solar_annualised_aud_per_mw_yr,
            self.wind_annualised_aud_per_mw_yr,
            self.battery_power_annualised_aud_per_mw_yr,
            self.battery_energy_annualised_aud_per_mwh_yr,
        ]
    }
}

/// A zone's least-cost 24/7 supply per MW of flat load at one CFE target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Zone id.
    pub zone_id: String,
    /// NEM region whose grid price applies.
    pub region_id: String,
    /// CFE target asked.
    pub cfe_target: f64,
    /// Solar MW per MW of load.
    pub solar_mw: f64,
    /// Wind MW per MW of load.
    pub wind_mw: f64,
    /// Battery power MW per MW of load.
    pub battery_mw: f64,
    /// Battery energy MWh per MW of load.
    pub battery_mwh: f64,
    /// Share of the load's energy covered by renewables and storage, 0..1.
    pub cfe: f64,
    /// Share bought from the grid, 0..1.
    pub grid_share: f64,
    /// Share of the renewable energy generated that is curtailed, 0..1.
    pub curtailment_share: f64,
    /// Curtailed energy per MWh of load.
    pub curtailed_mwh_per_mwh_load: f64,
    /// Total cost per MWh of load, AUD (annual cost / 8,760).
    pub cost_aud_per_mwh: f64,
    /// Of which solar, AUD per MWh of load.
    pub solar_aud_per_mwh: f64,
    /// Of which wind, AUD per MWh of load.
    pub wind_aud_per_mwh: f64,
    /// Of which battery (power + energy), AUD per MWh of load.
    pub battery_aud_per_mwh: f64,
    /// Of which grid energy, AUD per MWh of load.
    pub grid_aud_per_mwh: f64,
    /// Less the value of exported surplus, AUD per MWh of load.
    pub export_credit_aud_per_mwh: f64,
    /// The search's lower bound on the cost, AUD per MWh: proven (cutting planes) when the
    /// export value is 0, else the reference search's approximate Lagrangian bound.
    pub lower_bound_aud_per_mwh: f64,
    /// False if the target cannot be met in this zone (no solar and no wind).
    pub feasible: bool,
    /// Dispatch simulations the search ran.
    pub evaluations: usize,
    /// Where the solar profile comes from.
    pub solar_source: ProfileSource,
    /// Where the wind profile comes from.
    pub wind_source: ProfileSource,
    /// Grid price used, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Unit costs used.
    pub unit_costs: UnitCosts,
    /// Half-hours in the horizon (365 × 48 per reference year).
    pub half_hours: usize,
    /// Share of grid energy counted as carbon-free in the CFE constraint and in `cfe`
    /// (`[supply] grid_cfe_share` of the zone's region; 0, the strict score, is not written).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub grid_cfe_share: f64,
    /// A flexible load's terms (`None`, not written, for a flat load; docs/energy.md). With
    /// it, the sizes, shares and `cost_aud_per_mwh` are the flexible load's, the headroom's
    /// capex not included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flexibility: Option<FlexTerms>,
    /// A regional portfolio's zones with what each builds ([`regions`]; empty, not written,
    /// for a zone's own portfolio). Its id is then `regional:<region>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regional_zones: Vec<RegionZoneShare>,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// What flexibility does to a zone's portfolio (docs/energy.md): per MW of average load with
/// flexible share f, the headroom H the optimiser chose, the energy it saves and what the
/// headroom costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlexTerms {
    /// f: share of the load that may move within each day, 0..=0.5.
    pub flexible_share: f64,
    /// H: extra server and facility capacity chosen per MW of average load, MW (the site is
    /// built for 1 + H).
    pub headroom_mw: f64,
    /// Annualised server and facility capex the headroom costs, AUD per MW per year.
    pub server_capex_aud_per_mw_yr: f64,
    /// H × that capex per MWh of load, AUD per MWh (not in `cost_aud_per_mwh`).
    pub headroom_aud_per_mwh: f64,
    /// The same load's portfolio served flat, AUD per MWh (exact).
    pub flat_cost_aud_per_mwh: f64,
    /// Flat cost − this portfolio's energy cost, AUD per MWh of load.
    pub energy_saving_aud_per_mwh: f64,
    /// Energy saving − headroom cost, AUD per MWh of load (≥ 0: flexibility is used only when
    /// it pays).
    pub net_saving_aud_per_mwh: f64,
    /// Server capex below which the searched headroom pays for itself: its energy saving per
    /// MW of headroom, AUD per MW per year (`None` when flexibility saves nothing). An estimate
    /// from below: the first MW of headroom saves more than the average.
    pub break_even_server_capex_aud_per_mw_yr: Option<f64>,
    /// The headroom the break-even is measured at, MW per MW of load.
    pub break_even_headroom_mw: f64,
    /// Why the optimiser declined flexibility (H = 0), or `None` when it uses it.
    pub declined: Option<String>,
    /// How the dispatch was found: `heuristic` (shift within the day, greedy battery, repair;
    /// no proven bound, measured against an LP in the tests).
    pub dispatch: String,
}

impl Portfolio {
    /// One-line description of the trace sources, e.g. `solar AEMO trace SAT; wind N1 WM …`.
    pub fn source_summary(&self) -> String {
        format!(
            "solar {}; wind {}",
            self.solar_source.describe(),
            self.wind_source.describe()
        )
    }
}

/// The zone's grid price (its region's, or `default_price`).
fn grid_price(ds: &Dataset, region: &str, default_price: f64) -> f64 {
    ds.regions
        .iter()
        .find(|r| r.id == region)
        .map_or(default_price, |r| r.price_aud_per_mwh)
}

/// The CFE target the optimiser must meet when a share `grid_cfe` of grid energy counts as
/// carbon-free: (1 − grid_cfe) G ≤ (1 − target) × load, i.e. the grid share may reach
/// (1 − target) / (1 − grid_cfe) (any share when that is ≥ 1).
pub fn procured_target(cfe_target: f64, grid_cfe: f64) -> f64 {
    if grid_cfe >= 1.0 {
        return 0.0;
    }
    (1.0 - (1.0 - cfe_target) / (1.0 - grid_cfe)).max(0.0)
}

/// Solves one zone's portfolio on its profile, for a flat load or (with
/// `scenario.supply.flexible_share` > 0) a flexible one ([`optimise::optimise_flexible`]).
pub fn solve_profile(
    ds: &Dataset,
    scenario: &Scenario,
    profile: &ZoneProfile,
    cfe_target: f64,
) -> Portfolio {
    let sp = &scenario.supply;
    let zone = ds.zones.iter().find(|z| z.id == profile.zone_id);
    let region = zone.map_or(String::new(), |z| z.region.clone());
    let price = grid_price(ds, &region, scenario.cost.default_price_aud_per_mwh);
    let offshore = scenario.cost.offshore_zones.contains(&profile.zone_id);
    let costs = UnitCosts::new(sp, scenario.cost.discount_rate, offshore);
    let grid_cfe = sp.grid_cfe_share_of(&region);
    let prob = optimise::Problem {
        solar: profile.solar.as_deref(),
        wind: profile.wind.as_deref(),
        annualised: costs.as_array(),
        grid_price_aud_per_mwh: price,
        export_value_aud_per_mwh: sp.export_value_aud_per_mwh,
        round_trip_efficiency: sp.round_trip_efficiency,
        cfe_target: procured_target(cfe_target, grid_cfe),
    };
    let (sol, flexibility) =
        if let (true, Some(h)) = (sp.flexible_share > 0.0, sp.fixed_headroom_mw) {
            let fx = optimise::optimise_flexible_fixed(&prob, sp.flexible_share, h);
            (fx.solution, Some(fixed_terms(&fx, sp.flexible_share)))
        } else if sp.flexible_share > 0.0 {
            let a_h = scenario.server_capex_aud_per_mw_yr();
            let fx = optimise::optimise_flexible(&prob, sp.flexible_share, a_h);
            let terms = flex_terms(&prob, &fx, sp.flexible_share, a_h);
            (fx.solution, Some(terms))
        } else {
            (optimise::optimise(&prob), None)
        };
    let mut p = portfolio_of(profile, &region, cfe_target, price, &costs, &prob, &sol);
    p.grid_cfe_share = grid_cfe;
    p.cfe = 1.0 - p.grid_share * (1.0 - grid_cfe);
    p.flexibility = flexibility;
    p
}

/// One zone's part in a regional portfolio ([`RegionPortfolio`]), per MW of load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionZoneShare {
    /// Zone id.
    pub zone_id: String,
    /// Solar MW per MW of load drawn from the zone.
    pub solar_mw: f64,
    /// Wind MW per MW of load drawn from the zone.
    pub wind_mw: f64,
    /// Solar energy generated in the zone (before curtailment) per MWh of load.
    pub solar_mwh_per_mwh_load: f64,
    /// Wind energy generated in the zone (before curtailment) per MWh of load.
    pub wind_mwh_per_mwh_load: f64,
}

/// The least-cost 24/7 supply drawn from any zones of one NEM region plus one battery, per MW
/// of flat load ([`solve_region`]). The network charge for carrying the energy is not in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionPortfolio {
    /// NEM region id.
    pub region_id: String,
    /// CFE target asked.
    pub cfe_target: f64,
    /// Each zone given, in the order given.
    pub zones: Vec<RegionZoneShare>,
    /// Battery power MW per MW of load.
    pub battery_mw: f64,
    /// Battery energy MWh per MW of load.
    pub battery_mwh: f64,
    /// Share of the load's energy counted carbon-free (as [`Portfolio::cfe`]), 0..1.
    pub cfe: f64,
    /// Share bought from the grid, 0..1.
    pub grid_share: f64,
    /// Share of the renewable energy generated that is curtailed, 0..1.
    pub curtailment_share: f64,
    /// Total cost per MWh of load, AUD (no export credit, no network charge).
    pub cost_aud_per_mwh: f64,
    /// The search's proven lower bound on the cost, AUD per MWh.
    pub lower_bound_aud_per_mwh: f64,
    /// Dispatch simulations run (each zone's own search included).
    pub evaluations: usize,
    /// False if the target cannot be met from the region's zones.
    pub feasible: bool,
    /// Grid price used, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Half-hours in the horizon.
    pub half_hours: usize,
}

/// The regional portfolio of `region_id` drawn from the zones of `profiles` that lie in that
/// region (others are skipped), at `cfe_target`: each zone's solar and wind (where its
/// profile has them) at the unit costs [`solve_profile`] uses for it (offshore wind costs in
/// the scenario's offshore zones), the region's grid price, battery costs and the procured
/// target for the region's `grid_cfe_share`; a flat load and no value on curtailment
/// ([`regional::optimise_regional`]).
pub fn solve_region(
    ds: &Dataset,
    scenario: &Scenario,
    region_id: &str,
    profiles: &[&ZoneProfile],
    cfe_target: f64,
) -> RegionPortfolio {
    solve_region_with(ds, scenario, region_id, profiles, cfe_target, &[])
}

/// [`solve_region`] with zones' own optima known already ([`regional::optimise_regional_with`]:
/// the same answer, fewer dispatches).
pub fn solve_region_with(
    ds: &Dataset,
    scenario: &Scenario,
    region_id: &str,
    profiles: &[&ZoneProfile],
    cfe_target: f64,
    known: &[regional::KnownZone],
) -> RegionPortfolio {
    let sp = &scenario.supply;
    let in_region = |p: &&&ZoneProfile| {
        ds.zones
            .iter()
            .any(|z| z.id == p.zone_id && z.region == region_id)
    };
    let zones: Vec<&ZoneProfile> = profiles.iter().filter(in_region).copied().collect();
    let costs = |zone: &str| {
        let offshore = scenario.cost.offshore_zones.iter().any(|z| z == zone);
        UnitCosts::new(sp, scenario.cost.discount_rate, offshore)
    };
    let mut sources = Vec::new();
    for z in &zones {
        let c = costs(&z.zone_id);
        for (tech, prof, a) in [
            (
                regional::Technology::Solar,
                &z.solar,
                c.solar_annualised_aud_per_mw_yr,
            ),
            (
                regional::Technology::Wind,
                &z.wind,
                c.wind_annualised_aud_per_mw_yr,
            ),
        ] {
            if let Some(profile) = prof.as_deref() {
                sources.push(regional::Source {
                    zone_id: &z.zone_id,
                    technology: tech,
                    profile,
                    annualised_aud_per_mw_yr: a,
                });
            }
        }
    }
    let battery = costs("");
    let grid_cfe = sp.grid_cfe_share_of(region_id);
    let price = grid_price(ds, region_id, scenario.cost.default_price_aud_per_mwh);
    let prob = regional::RegionalProblem {
        sources,
        battery_power_annualised_aud_per_mw_yr: battery.battery_power_annualised_aud_per_mw_yr,
        battery_energy_annualised_aud_per_mwh_yr: battery.battery_energy_annualised_aud_per_mwh_yr,
        grid_price_aud_per_mwh: price,
        round_trip_efficiency: sp.round_trip_efficiency,
        cfe_target: procured_target(cfe_target, grid_cfe),
    };
    let sol = regional::optimise_regional_with(&prob, known);
    region_portfolio(region_id, cfe_target, grid_cfe, &zones, &prob, &sol)
}

/// The report of a regional solution (see [`solve_region`]).
fn region_portfolio(
    region_id: &str,
    cfe_target: f64,
    grid_cfe: f64,
    zones: &[&ZoneProfile],
    prob: &regional::RegionalProblem<'_>,
    sol: &regional::RegionalSolution,
) -> RegionPortfolio {
    let e = sol.energy;
    let load = e.load_mwh.max(1e-12);
    let grid_share = e.grid_mwh / load;
    RegionPortfolio {
        region_id: region_id.to_string(),
        cfe_target,
        zones: zone_shares(zones, prob, sol),
        battery_mw: sol.battery_mw,
        battery_mwh: sol.battery_mwh,
        cfe: 1.0 - grid_share * (1.0 - grid_cfe),
        grid_share,
        curtailment_share: if e.renewable_mwh > 0.0 {
            e.curtailed_mwh / e.renewable_mwh
        } else {
            0.0
        },
        cost_aud_per_mwh: sol.annual_cost_aud / 8760.0,
        lower_bound_aud_per_mwh: sol.lower_bound_aud / 8760.0,
        evaluations: sol.evaluations,
        feasible: sol.feasible,
        grid_price_aud_per_mwh: prob.grid_price_aud_per_mwh,
        half_hours: prob
            .sources
            .iter()
            .map(|s| s.profile.len())
            .min()
            .unwrap_or(0),
    }
}

/// Each zone's solar and wind in a regional solution, in the order of `zones`.
fn zone_shares(
    zones: &[&ZoneProfile],
    prob: &regional::RegionalProblem<'_>,
    sol: &regional::RegionalSolution,
) -> Vec<RegionZoneShare> {
    zones
        .iter()
        .map(|z| {
            let mut share = RegionZoneShare {
                zone_id: z.zone_id.clone(),
                solar_mw: 0.0,
                wind_mw: 0.0,
                solar_mwh_per_mwh_load: 0.0,
                wind_mwh_per_mwh_load: 0.0,
            };
            for (k, s) in prob.sources.iter().enumerate() {
                let (mw, mwh) = (sol.capacities_mw[k], sol.generated_mwh_per_mwh_load[k]);
                match (s.zone_id == z.zone_id, s.technology) {
                    (false, _) => {}
                    (true, regional::Technology::Solar) => {
                        (share.solar_mw, share.solar_mwh_per_mwh_load) = (mw, mwh)
                    }
                    (true, regional::Technology::Wind) => {
                        (share.wind_mw, share.wind_mwh_per_mwh_load) = (mw, mwh)
                    }
                }
            }
            share
        })
        .collect()
}

/// The terms of a flexible load at a fixed headroom (servers paid by the siting model, not
/// here): the energy saving against the flat load, and the saving per MW of headroom as the
/// break-even server capex.
fn fixed_terms(fx: &optimise::FlexSolution, f: f64) -> FlexTerms {
    let flat = fx.flat.annual_cost_aud;
    let energy = fx.solution.annual_cost_aud;
    let h = fx.headroom_mw;
    let break_even = (h > 0.0 && energy < flat).then(|| (flat - energy) / h);
    FlexTerms {
        flexible_share: f,
        headroom_mw: h,
        server_capex_aud_per_mw_yr: 0.0,
        headroom_aud_per_mwh: 0.0,
        flat_cost_aud_per_mwh: flat / 8760.0,
        energy_saving_aud_per_mwh: (flat - energy) / 8760.0,
        net_saving_aud_per_mwh: (flat - energy) / 8760.0,
        break_even_server_capex_aud_per_mw_yr: break_even,
        break_even_headroom_mw: if break_even.is_some() { h } else { 0.0 },
        declined: (energy >= flat && h > 0.0).then(|| {
            "flexibility saves no energy cost at this headroom: the flat dispatch is the cheapest the search finds".to_string()
        }),
        dispatch: "heuristic".to_string(),
    }
}

/// The report's terms of a flexible search (per MWh of load). When the optimiser declines
/// flexibility and its own search did not measure a saving, one more search with free
/// headroom (H = f) measures the break-even.
fn flex_terms(
    prob: &optimise::Problem<'_>,
    fx: &optimise::FlexSolution,
    f: f64,
    a_h: f64,
) -> FlexTerms {
    let flat = fx.flat.annual_cost_aud;
    let (mut searched_cost, mut searched_h) = fx.searched;
    if fx.declined() && (searched_h <= 0.0 || searched_cost >= flat) && a_h > 0.0 {
        let free = optimise::optimise_flexible(prob, f, 0.0);
        (searched_cost, searched_h) = free.searched;
    }
    let break_even =
        (searched_h > 0.0 && searched_cost < flat).then(|| (flat - searched_cost) / searched_h);
    let declined = fx.declined().then(|| match break_even {
        Some(be) => format!(
            "server capex A${a_h:.0}/MW-yr is above what a MW of headroom saves in energy (break-even ≈ A${be:.0}/MW-yr at H = {searched_h:.2})"
        ),
        None => "flexibility saves no energy cost here: the flat portfolio is the cheapest the search finds".to_string(),
    });
    let energy = fx.solution.annual_cost_aud;
    FlexTerms {
        flexible_share: f,
        headroom_mw: fx.headroom_mw,
        server_capex_aud_per_mw_yr: a_h,
        headroom_aud_per_mwh: fx.headroom_aud / 8760.0,
        flat_cost_aud_per_mwh: flat / 8760.0,
        energy_saving_aud_per_mwh: (flat - energy) / 8760.0,
        net_saving_aud_per_mwh: (flat - energy - fx.headroom_aud) / 8760.0,
        break_even_server_capex_aud_per_mw_yr: break_even,
        break_even_headroom_mw: if break_even.is_some() {
            searched_h
        } else {
            0.0
        },
        declined,
        dispatch: "heuristic".to_string(),
    }
}

fn portfolio_of(
    profile: &ZoneProfile,
    region: &str,
    cfe_target: f64,
    price: f64,
    costs: &UnitCosts,
    prob: &optimise::Problem<'_>,
    sol: &optimise::Solution,
) -> Portfolio {
    let d = sol.design;
    let e = sol.energy;
    let load = e.load_mwh.max(1e-12);
    let k = 8760.0 / load;
    let per_mwh = |annual: f64| annual / 8760.0;
    Portfolio {
        zone_id: profile.zone_id.clone(),
        region_id: region.to_string(),
        cfe_target,
        solar_mw: d.solar_mw,
        wind_mw: d.wind_mw,
        battery_mw: d.battery_mw,
        battery_mwh: d.battery_mwh,
        cfe: 1.0 - e.grid_mwh / load,
        grid_share: e.grid_mwh / load,
        curtailment_share: if e.renewable_mwh > 0.0 {
            e.curtailed_mwh / e.renewable_mwh
        } else {
            0.0
        },
        curtailed_mwh_per_mwh_load: e.curtailed_mwh / load,
        cost_aud_per_mwh: per_mwh(sol.annual_cost_aud),
        solar_aud_per_mwh: per_mwh(costs.solar_annualised_aud_per_mw_yr * d.solar_mw),
        wind_aud_per_mwh: per_mwh(costs.wind_annualised_aud_per_mw_yr * d.wind_mw),
        battery_aud_per_mwh: per_mwh(
            costs.battery_power_annualised_aud_per_mw_yr * d.battery_mw
                + costs.battery_energy_annualised_aud_per_mwh_yr * d.battery_mwh,
        ),
        grid_aud_per_mwh: per_mwh(price * e.grid_mwh * k),
        export_credit_aud_per_mwh: per_mwh(prob.export_value_aud_per_mwh * e.curtailed_mwh * k),
        lower_bound_aud_per_mwh: per_mwh(sol.lower_bound_aud),
        feasible: sol.feasible,
        evaluations: sol.evaluations,
        solar_source: profile.solar_source.clone(),
        wind_source: profile.wind_source.clone(),
        grid_price_aud_per_mwh: price,
        unit_costs: *costs,
        half_hours: profile.len(),
        grid_cfe_share: 0.0,
        flexibility: None,
        regional_zones: Vec::new(),
    }
}

/// How a run's portfolios were obtained: reused from this process, read from the on-disk
/// cache ([`cache`]) or computed (and then written to it, when it is on).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheUse {
    /// Portfolios read from the on-disk cache.
    pub from_disk: usize,
    /// Portfolios reused from earlier in this process (margins, sweeps).
    pub from_memory: usize,
    /// Portfolios computed by the optimiser.
    pub computed: usize,
    /// Entries written to the on-disk cache.
    pub written: usize,
    /// Invalid entries (corrupt, truncated, tampered, foreign) ignored and recomputed.
    pub rejected: usize,
    /// The on-disk cache's root folder, or `None` when it is off.
    pub dir: Option<std::path::PathBuf>,
}

impl CacheUse {
    /// Adds `other`'s counts (and its folder, when this has none).
    pub fn add(&mut self, other: &CacheUse) {
        self.from_disk += other.from_disk;
        self.from_memory += other.from_memory;
        self.computed += other.computed;
        self.written += other.written;
        self.rejected += other.rejected;
        if self.dir.is_none() {
            self.dir = other.dir.clone();
        }
    }

    /// One line, e.g. `on-disk cache: 12 of 12 portfolios read (~/.cache/sitefind)`.
    pub fn summary(&self) -> String {
        let Some(dir) = &self.dir else {
            return format!(
                "on-disk cache off: {} computed, {} reused",
                self.computed, self.from_memory
            );
        };
        let total = self.from_disk + self.from_memory + self.computed;
        let mut s = format!(
            "on-disk cache: {} of {total} portfolios read, {} computed, {} written",
            self.from_disk, self.computed, self.written
        );
        if self.rejected > 0 {
            s += &format!(", {} invalid entries ignored and rewritten", self.rejected);
        }
        s + &format!(" ({})", dir.display())
    }
}

type Memo<T> = std::sync::Mutex<std::collections::HashMap<u128, T>>;

fn profile_memo() -> &'static Memo<ZoneProfile> {
    static C: std::sync::OnceLock<Memo<ZoneProfile>> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

fn portfolio_memo() -> &'static Memo<Portfolio> {
    static C: std::sync::OnceLock<Memo<Portfolio>> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

fn memo_get<T: Clone>(m: &Memo<T>, key: u128) -> Option<T> {
    m.lock().ok().and_then(|c| c.get(&key).cloned())
}

fn memo_put<T>(m: &Memo<T>, key: u128, v: T) {
    if let Ok(mut c) = m.lock() {
        c.insert(key, v);
    }
}

/// A zone's profile, memoised per process on the zone, the dataset's content
/// ([`cache::dataset_digest`]) and the supply parameters a profile reads: the reference years
/// and the two technology codes ([`synth::zone_profile`] reads no other field; the test
/// `profile_ignores_cost_and_target_fields` keeps that true). A sweep that varies costs or the
/// target re-optimises the portfolios but does not rebuild the half-hourly profiles.
fn cached_profile(
    ds: &Dataset,
    ds_digest: u128,
    zone: &crate::data::RenewableZone,
    p: &SupplyParams,
) -> ZoneProfile {
    let mut d = cache::Digest::default();
    d.bytes(&ds_digest.to_le_bytes()).str(&zone.id);
    d.u64(p.reference_years.len() as u64);
    for y in &p.reference_years {
        d.u64(u64::from(*y));
    }
    let key = d.str(&p.solar_technology).str(&p.wind_technology).finish();
    if let Some(v) = memo_get(profile_memo(), key) {
        return v;
    }
    let v = synth::zone_profile(ds, zone, p);
    memo_put(profile_memo(), key, v.clone());
    v
}

/// The key of a zone's portfolio: everything [`solve_profile`] reads (see [`cache`]).
fn portfolio_key(
    ds: &Dataset,
    ds_digest: u128,
    scenario: &Scenario,
    zone: &crate::data::RenewableZone,
) -> cache::Key {
    let price = grid_price(ds, &zone.region, scenario.cost.default_price_aud_per_mwh);
    // Sourcing decides which portfolio a site buys, not what a zone's portfolio is.
    let supply = SupplyParams {
        cache_dir: None,
        sourcing: Default::default(),
        ..scenario.supply.clone()
    };
    let mut d = cache::Digest::default();
    d.bytes(&cache::code_digest().to_le_bytes())
        .bytes(&ds_digest.to_le_bytes())
        .str(&zone.id)
        .str(&zone.region)
        .str(&format!("{supply:?}"))
        .f64(scenario.cost.discount_rate)
        .u64(u64::from(scenario.cost.offshore_zones.contains(&zone.id)))
        .f64(price)
        .f64(scenario.supply.cfe_target)
        // The flexible share, `grid_cfe_share` and an explicit server capex are in `supply`'s
        // text above; the default server capex comes from `[cost]`.
        .f64(if scenario.supply.flexible_share > 0.0 {
            scenario.server_capex_aud_per_mw_yr()
        } else {
            0.0
        });
    cache::Key(d.finish())
}

/// Where a zone's portfolio came from before any computing.
enum Found {
    Memory(Portfolio),
    Disk(Portfolio),
    Missing { rejected: bool },
}

fn look_up(dir: Option<&std::path::Path>, key: cache::Key, zone: &str, target: f64) -> Found {
    if let Some(p) = memo_get(portfolio_memo(), key.0) {
        return Found::Memory(p);
    }
    let Some(dir) = dir else {
        return Found::Missing { rejected: false };
    };
    match cache::load(dir, key, zone, target) {
        cache::Lookup::Hit(p) => {
            memo_put(portfolio_memo(), key.0, (*p).clone());
            Found::Disk(*p)
        }
        cache::Lookup::Missing => Found::Missing { rejected: false },
        cache::Lookup::Rejected(_) => Found::Missing { rejected: true },
    }
}

fn has_profile(p: &Portfolio) -> bool {
    p.solar_source.method != "none" || p.wind_source.method != "none"
}

/// The portfolios of `zones` (in that order): from this process's memo, else the on-disk cache
/// when `scenario.supply.cache_dir` is set, else computed in parallel (and then memoised and
/// written to the cache). Every portfolio is checked ([`check_portfolio`]).
fn solve_set(
    ds: &Dataset,
    scenario: &Scenario,
    zones: &[&crate::data::RenewableZone],
    deadline: Option<std::time::Instant>,
    progress: &dyn Counted,
) -> Result<(Vec<Portfolio>, CacheUse)> {
    check_names(ds, scenario)?;
    let root = scenario.supply.cache_dir.as_deref();
    let dir = root.map(cache::entries_dir);
    let mut usage = CacheUse {
        dir: root.map(std::path::Path::to_path_buf),
        ..CacheUse::default()
    };
    if zones.is_empty() {
        return Ok((Vec::new(), usage));
    }
    let target = scenario.supply.cfe_target;
    let ds_digest = cache::dataset_digest(ds);
    let keys: Vec<cache::Key> = zones
        .iter()
        .map(|z| portfolio_key(ds, ds_digest, scenario, z))
        .collect();
    let found: Vec<Found> = zones
        .par_iter()
        .zip(&keys)
        .map(|(z, k)| look_up(dir.as_deref(), *k, &z.id, target))
        .collect();
    let mut out: Vec<Option<Portfolio>> = Vec::with_capacity(zones.len());
    for f in found {
        match f {
            Found::Memory(p) => (usage.from_memory += 1, out.push(Some(p))).1,
            Found::Disk(p) => (usage.from_disk += 1, out.push(Some(p))).1,
            Found::Missing { rejected } => {
                usage.rejected += usize::from(rejected);
                out.push(None);
            }
        }
    }
    let todo = Todo {
        zones,
        keys: &keys,
        ds_digest,
        deadline,
        progress,
    };
    compute_missing(ds, scenario, &todo, &mut out, &mut usage)?;
    if usage.written > 0 {
        if let Some(dir) = &dir {
            cache::prune(dir);
        }
    }
    let out: Vec<Portfolio> = out.into_iter().flatten().collect();
    out.iter()
        .try_for_each(|p| check_portfolio(p, &scenario.supply))?;
    Ok((out, usage))
}

/// The zones of a [`solve_set`], their keys and the dataset's digest.
struct Todo<'a> {
    zones: &'a [&'a crate::data::RenewableZone],
    keys: &'a [cache::Key],
    ds_digest: u128,
    /// The run's deadline: a zone's profile or portfolio starts only before it.
    deadline: Option<std::time::Instant>,
    /// Told of each zone whose profile or portfolio is done (steps "supply traces" and
    /// "supply zones").
    progress: &'a dyn Counted,
}

/// Computes the portfolios missing from `out` (profiles, then the optimiser, both in
/// parallel), memoises them and writes them to the on-disk cache when it is on (a failed
/// write is not an error: the run goes on uncached).
fn compute_missing(
    ds: &Dataset,
    scenario: &Scenario,
    todo: &Todo<'_>,
    out: &mut [Option<Portfolio>],
    usage: &mut CacheUse,
) -> Result<()> {
    let (zones, keys, ds_digest) = (todo.zones, todo.keys, todo.ds_digest);
    let missing: Vec<usize> = (0..zones.len()).filter(|&k| out[k].is_none()).collect();
    let in_time = || todo.deadline.is_none_or(|d| std::time::Instant::now() < d);
    let counted = Stage::new(todo.progress, "supply traces", missing.len());
    let profiles: Vec<Option<ZoneProfile>> = missing
        .par_iter()
        .map(|&k| {
            let p = in_time().then(|| cached_profile(ds, ds_digest, zones[k], &scenario.supply));
            counted.done();
            p
        })
        .collect();
    drop(counted);
    let profiles = all_in_time(profiles, "profiles", zones.len())?;
    if !out.iter().flatten().any(has_profile) {
        check_profiles(&profiles, &scenario.supply)?;
    }
    let dir = scenario.supply.cache_dir.as_deref().map(cache::entries_dir);
    let target = scenario.supply.cfe_target;
    let counted = Stage::new(todo.progress, "supply zones", missing.len());
    let solved: Vec<Option<(Portfolio, bool)>> = missing
        .par_iter()
        .zip(&profiles)
        .map(|(&k, profile)| {
            let r = in_time().then(|| {
                let p = solve_profile(ds, scenario, profile, target);
                memo_put(portfolio_memo(), keys[k].0, p.clone());
                let written = dir
                    .as_deref()
                    .is_some_and(|d| matches!(cache::store(d, keys[k], &p), Ok(true)));
                (p, written)
            });
            counted.done();
            r
        })
        .collect();
    drop(counted);
    let solved = all_in_time(solved, "portfolios", zones.len())?;
    for (&k, (p, written)) in missing.iter().zip(solved) {
        usage.computed += 1;
        usage.written += usize::from(written);
        out[k] = Some(p);
    }
    Ok(())
}

/// The portfolios of the zones with these ids (unknown ids are skipped), at the scenario's
/// target, in parallel, memoised and (when `scenario.supply.cache_dir` is set) cached on
/// disk; keyed by zone id, with how they were obtained.
///
/// # Errors
/// [`Error::Usage`] if no zone asked for has a usable profile.
pub fn solve_zones(
    ds: &Dataset,
    scenario: &Scenario,
    ids: &std::collections::BTreeSet<String>,
) -> Result<(std::collections::BTreeMap<String, Portfolio>, CacheUse)> {
    solve_zones_until(ds, scenario, ids, None)
}

/// A counted step over `total` zones: started when there is work, finished when dropped.
struct Stage<'a> {
    progress: &'a dyn Counted,
    running: bool,
}

impl<'a> Stage<'a> {
    fn new(progress: &'a dyn Counted, name: &str, total: usize) -> Self {
        let running = total > 0;
        if running {
            progress.start(name, total as u64);
        }
        Stage { progress, running }
    }

    /// One more zone done.
    fn done(&self) {
        self.progress.inc(1);
    }
}

impl Drop for Stage<'_> {
    fn drop(&mut self) {
        if self.running {
            self.progress.finish();
        }
    }
}

/// [`solve_zones`] under the run's deadline: each zone's profile and portfolio start only
/// before `deadline`.
///
/// # Errors
/// As [`solve_zones`]; [`Error::Usage`] naming the stage and how many zones were done when
/// the deadline passed.
pub fn solve_zones_until(
    ds: &Dataset,
    scenario: &Scenario,
    ids: &std::collections::BTreeSet<String>,
    deadline: Option<std::time::Instant>,
) -> Result<(std::collections::BTreeMap<String, Portfolio>, CacheUse)> {
    solve_zones_counted(ds, scenario, ids, deadline, &NoProgress)
}

/// [`solve_zones_until`] telling `progress` of each zone's traces and portfolio as it is done
/// (steps "supply traces" and "supply zones"; zones from the memo or cache are not counted).
///
/// # Errors
/// As [`solve_zones_until`].
pub fn solve_zones_counted(
    ds: &Dataset,
    scenario: &Scenario,
    ids: &std::collections::BTreeSet<String>,
    deadline: Option<std::time::Instant>,
    progress: &dyn Counted,
) -> Result<(std::collections::BTreeMap<String, Portfolio>, CacheUse)> {
    let zones: Vec<&crate::data::RenewableZone> =
        ds.zones.iter().filter(|z| ids.contains(&z.id)).collect();
    let (v, usage) = solve_set(ds, scenario, &zones, deadline, progress)?;
    Ok((
        v.into_iter().map(|p| (p.zone_id.clone(), p)).collect(),
        usage,
    ))
}

/// Every value, or the supply stage's deadline error naming how far it got (`what` of
/// `total` zones done).
fn all_in_time<T>(done: Vec<Option<T>>, what: &str, total: usize) -> Result<Vec<T>> {
    let n = done.iter().filter(|v| v.is_some()).count();
    if n < done.len() {
        return Err(Error::usage(
            format!(
                "supply stage: the run's --time-limit was reached after {n} of {total} zones' 24/7 {what}; nothing was solved"
            ),
            "raise --time-limit (the supply stage runs before the solve: a cold start takes seconds per zone on a small machine)",
        ));
    }
    Ok(done.into_iter().flatten().collect())
}

/// Every zone's portfolio at the scenario's target (dataset zone order), in parallel, with
/// how they were obtained (see [`solve_zones`]).
///
/// # Errors
/// [`Error::Usage`] if no zone has a usable profile (e.g. no traces for the reference years).
pub fn solve_all(ds: &Dataset, scenario: &Scenario) -> Result<(Vec<Portfolio>, CacheUse)> {
    solve_all_counted(ds, scenario, &NoProgress)
}

/// [`solve_all`] telling `progress` of each zone as it is done (see [`solve_zones_counted`]).
///
/// # Errors
/// As [`solve_all`].
pub fn solve_all_counted(
    ds: &Dataset,
    scenario: &Scenario,
    progress: &dyn Counted,
) -> Result<(Vec<Portfolio>, CacheUse)> {
    let zones: Vec<&crate::data::RenewableZone> = ds.zones.iter().collect();
    if zones.is_empty() {
        check_profiles(std::iter::empty(), &scenario.supply)?;
    }
    solve_set(ds, scenario, &zones, None, progress)
}

/// Errors out when no zone got any profile: the traces layer is missing or has none of the
/// reference years.
pub fn check_profiles<'a>(
    profiles: impl IntoIterator<Item = &'a ZoneProfile>,
    p: &SupplyParams,
) -> Result<()> {
    if profiles
        .into_iter()
        .all(|z| z.solar.is_none() && z.wind.is_none())
    {
        return Err(Error::usage(
            format!(
                "no solar ({}) or wind ({}) profile for reference years {:?}",
                p.solar_technology, p.wind_technology, p.reference_years
            ),
            "the dataset needs a [traces] layer with AEMO traces for those years (the embedded one has 2011 and 2018), or set [supply] reference_years",
        ));
    }
    Ok(())
}

/// Portfolio of one zone by id (case-insensitive), through the memo and the on-disk cache like
/// [`solve_zones`], with how it was obtained.
///
/// # Errors
/// [`Error::Usage`] for an unknown zone id or a zone without any profile.
pub fn solve_zone_cached(
    ds: &Dataset,
    scenario: &Scenario,
    zone_id: &str,
) -> Result<(Portfolio, CacheUse)> {
    let Some(zone) = ds.zones.iter().find(|z| z.id.eq_ignore_ascii_case(zone_id)) else {
        let ids: Vec<&str> = ds.zones.iter().map(|z| z.id.as_str()).collect();
        return Err(Error::usage(
            format!("--zone {zone_id}: no such zone in {}", ds.source),
            format!("zones: {}", ids.join(", ")),
        ));
    };
    let (mut v, usage) = solve_set(ds, scenario, &[zone], None, &NoProgress)?;
    let p = v
        .pop()
        .ok_or_else(|| Error::Internal(format!("no portfolio for zone {}", zone.id)))?;
    Ok((p, usage))
}

/// Portfolio of one zone by id ([`solve_zone_cached`] without the cache report).
///
/// # Errors
/// [`Error::Usage`] for an unknown zone id or a zone without any profile.
pub fn solve_zone(ds: &Dataset, scenario: &Scenario, zone_id: &str) -> Result<Portfolio> {
    solve_zone_cached(ds, scenario, zone_id).map(|r| r.0)
}
/// Most MW of one technology per MW of load a sane portfolio builds; beyond it (or with a
/// number that is not finite) the search ran away: the problem is unbounded.
pub const MAX_MW_PER_MW_LOAD: f64 = 1e4;

/// Checks the names the supply stage looks up in the dataset: the technology codes must be
/// codes of the dataset's traces (when it has any) and `[cost] offshore_zones` must be its
/// zone ids. A wrong name would otherwise silently drop a technology or an offshore price.
///
/// # Errors
/// [`Error::Usage`] naming the valid codes or ids.
pub fn check_names(ds: &Dataset, scenario: &Scenario) -> Result<()> {
    let p = &scenario.supply;
    if !ds.traces.is_empty() {
        let codes: std::collections::BTreeSet<&str> =
            ds.traces.iter().map(|t| t.technology.as_str()).collect();
        for (field, code) in [
            ("solar_technology", &p.solar_technology),
            ("wind_technology", &p.wind_technology),
        ] {
            if !codes.contains(code.as_str()) {
                return Err(Error::usage(
                    format!(
                        "[supply] {field} = {code:?}: no trace of {} has this technology code",
                        ds.source
                    ),
                    format!(
                        "the dataset's trace codes are {}",
                        codes.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    for region in p.grid_cfe_share.keys() {
        if !ds.regions.iter().any(|r| &r.id == region) {
            let ids: Vec<&str> = ds.regions.iter().map(|r| r.id.as_str()).collect();
            return Err(Error::usage(
                format!(
                    "[supply] grid_cfe_share.{region}: no such NEM region in {}",
                    ds.source
                ),
                format!("region ids: {}", ids.join(", ")),
            ));
        }
    }
    for (k, id) in scenario.cost.offshore_zones.iter().enumerate() {
        if !ds.zones.iter().any(|z| &z.id == id) {
            let ids: Vec<&str> = ds.zones.iter().map(|z| z.id.as_str()).collect();
            return Err(Error::usage(
                format!(
                    "[cost] offshore_zones[{k}] = {id:?}: no such zone in {}",
                    ds.source
                ),
                format!("zone ids: {}", ids.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Checks that a portfolio is finite and bounded (see [`MAX_MW_PER_MW_LOAD`]).
///
/// # Errors
/// [`Error::Usage`] explaining the likely cause (an export value above the cost of
/// generating a MWh, or costs so small that building without limit pays).
pub fn check_portfolio(p: &Portfolio, sp: &SupplyParams) -> Result<()> {
    let sizes = [
        ("solar", p.solar_mw),
        ("wind", p.wind_mw),
        ("battery", p.battery_mw),
        ("battery energy (MWh)", p.battery_mwh),
    ];
    let runaway = sizes
        .iter()
        .find(|(_, x)| !(x.is_finite() && x.abs() <= MAX_MW_PER_MW_LOAD));
    let cost_bad = !(p.cost_aud_per_mwh.is_finite() && p.lower_bound_aud_per_mwh.is_finite());
    if runaway.is_none() && !cost_bad {
        return Ok(());
    }
    let what = match runaway {
        Some((name, x)) => format!("{name} {x:e} per MW of load"),
        None => format!("cost {} A$/MWh", p.cost_aud_per_mwh),
    };
    let cause = if sp.export_value_aud_per_mwh > 0.0 {
        format!(
            "export_value_aud_per_mwh = {} pays at least what a MWh of surplus costs to generate, so building more always pays",
            sp.export_value_aud_per_mwh
        )
    } else {
        "the costs make building without limit pay (or are too small to be meaningful)".to_string()
    };
    Err(Error::usage(
        format!(
            "[supply] zone {}: the least-cost portfolio is unbounded or not finite ({what}): {cause}",
            p.zone_id
        ),
        "lower [supply] export_value_aud_per_mwh (at most round_trip_efficiency × the grid price, and below the zone's cost of a MWh of solar or wind) or check the cost fields",
    ))
}

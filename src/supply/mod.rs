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
//!
//! Costs are annualised per MW (or MWh) with the capital recovery factor at the scenario's
//! discount rate over each technology's life, plus fixed O&M ([`UnitCosts`]); defaults from
//! CSIRO GenCost 2024-25 ([`crate::scenario::SupplyParams`]).

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::scenario::{crf, Scenario, SupplyParams};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub mod cutting;
pub mod dispatch;
pub mod optimise;
pub mod solar;
pub mod synth;

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

/// Solves one zone's portfolio on its profile.
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
    let prob = optimise::Problem {
        solar: profile.solar.as_deref(),
        wind: profile.wind.as_deref(),
        annualised: costs.as_array(),
        grid_price_aud_per_mwh: price,
        export_value_aud_per_mwh: sp.export_value_aud_per_mwh,
        round_trip_efficiency: sp.round_trip_efficiency,
        cfe_target,
    };
    let sol = optimise::optimise(&prob);
    portfolio_of(profile, &region, cfe_target, price, &costs, &prob, &sol)
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
    }
}

/// A key for the process-wide caches: a hash of everything the value depends on.
fn key_of<T: std::hash::Hash>(parts: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

type Cache<T> = std::sync::Mutex<std::collections::HashMap<u64, T>>;

fn profile_cache() -> &'static Cache<ZoneProfile> {
    static C: std::sync::OnceLock<Cache<ZoneProfile>> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

fn portfolio_cache() -> &'static Cache<Portfolio> {
    static C: std::sync::OnceLock<Cache<Portfolio>> = std::sync::OnceLock::new();
    C.get_or_init(Default::default)
}

/// A hash of everything in the dataset a zone's profile can depend on: every zone record (the
/// donors are searched among all of them) and every trace. Computed once per call of
/// [`solve_zones`] / [`solve_all`], not once per zone (hashing every trace per zone cost a
/// sweep ~12 % of its CPU).
fn dataset_key(ds: &Dataset) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for z in &ds.zones {
        format!("{z:?}").hash(&mut h);
    }
    for t in &ds.traces {
        (
            t.source.as_str(),
            t.zone_id.as_str(),
            t.zone_name.as_str(),
            t.technology.as_str(),
            t.reference_year,
            t.first_day,
        )
            .hash(&mut h);
        t.values.len().hash(&mut h);
        for x in &t.values {
            x.to_bits().hash(&mut h);
        }
    }
    h.finish()
}

/// A zone's profile and its cache key, memoised per process on the zone, the dataset
/// ([`dataset_key`]) and the supply parameters a profile reads: the reference years and the
/// two technology codes ([`synth::zone_profile`] reads no other field; the test
/// `profile_ignores_cost_and_target_fields` keeps that true). Costs and the CFE target are not
/// in the key, so a sweep that varies them re-optimises the portfolios but does not rebuild
/// the half-hourly profiles (about a third of the supply stage).
fn cached_profile(
    ds: &Dataset,
    ds_key: u64,
    zone: &crate::data::RenewableZone,
    p: &SupplyParams,
) -> (u64, ZoneProfile) {
    let key = key_of(&(
        &zone.id,
        ds_key,
        &p.reference_years,
        &p.solar_technology,
        &p.wind_technology,
    ));
    if let Some(v) = profile_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned())
    {
        return (key, v);
    }
    let v = synth::zone_profile(ds, zone, p);
    if let Ok(mut c) = profile_cache().lock() {
        c.insert(key, v.clone());
    }
    (key, v)
}

/// [`solve_profile`] memoised per process on every input of the problem (the profile by its
/// [`cached_profile`] key).
fn cached_solve(
    ds: &Dataset,
    scenario: &Scenario,
    (profile_key, profile): &(u64, ZoneProfile),
    cfe_target: f64,
) -> Portfolio {
    let zone = ds.zones.iter().find(|z| z.id == profile.zone_id);
    let region = zone.map_or(String::new(), |z| z.region.clone());
    let price = grid_price(ds, &region, scenario.cost.default_price_aud_per_mwh);
    let key = key_of(&(
        profile_key,
        &format!("{:?}", scenario.supply),
        &scenario.cost.discount_rate.to_bits(),
        &scenario.cost.offshore_zones,
        &region,
        &price.to_bits(),
        &cfe_target.to_bits(),
    ));
    if let Some(v) = portfolio_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned())
    {
        return v;
    }
    let v = solve_profile(ds, scenario, profile, cfe_target);
    if let Ok(mut c) = portfolio_cache().lock() {
        c.insert(key, v.clone());
    }
    v
}

/// The portfolios of the zones with these ids (unknown ids are skipped), at the scenario's
/// target, in parallel and memoised; keyed by zone id.
///
/// # Errors
/// [`Error::Usage`] if no zone asked for has a usable profile.
pub fn solve_zones(
    ds: &Dataset,
    scenario: &Scenario,
    ids: &std::collections::BTreeSet<String>,
) -> Result<std::collections::BTreeMap<String, Portfolio>> {
    solve_zones_until(ds, scenario, ids, None)
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
) -> Result<std::collections::BTreeMap<String, Portfolio>> {
    check_names(ds, scenario)?;
    let zones: Vec<&crate::data::RenewableZone> =
        ds.zones.iter().filter(|z| ids.contains(&z.id)).collect();
    let in_time = || deadline.is_none_or(|d| std::time::Instant::now() < d);
    let ds_key = dataset_key(ds);
    let profiles: Vec<Option<(u64, ZoneProfile)>> = zones
        .par_iter()
        .map(|z| in_time().then(|| cached_profile(ds, ds_key, z, &scenario.supply)))
        .collect();
    let profiles = all_in_time(profiles, "profiles", zones.len())?;
    if !profiles.is_empty() {
        check_profiles(profiles.iter().map(|p| &p.1), &scenario.supply)?;
    }
    let target = scenario.supply.cfe_target;
    let solved: Vec<Option<(String, Portfolio)>> = profiles
        .par_iter()
        .map(|p| in_time().then(|| (p.1.zone_id.clone(), cached_solve(ds, scenario, p, target))))
        .collect();
    let out: std::collections::BTreeMap<String, Portfolio> =
        all_in_time(solved, "portfolios", zones.len())?
            .into_iter()
            .collect();
    out.values()
        .try_for_each(|p| check_portfolio(p, &scenario.supply))?;
    Ok(out)
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

/// Every zone's portfolio at the scenario's target (dataset zone order), in parallel.
///
/// # Errors
/// [`Error::Usage`] if no zone has a usable profile (e.g. no traces for the reference years).
pub fn solve_all(ds: &Dataset, scenario: &Scenario) -> Result<Vec<Portfolio>> {
    check_names(ds, scenario)?;
    let ds_key = dataset_key(ds);
    let profiles: Vec<(u64, ZoneProfile)> = ds
        .zones
        .par_iter()
        .map(|z| cached_profile(ds, ds_key, z, &scenario.supply))
        .collect();
    check_profiles(profiles.iter().map(|p| &p.1), &scenario.supply)?;
    let target = scenario.supply.cfe_target;
    let out: Vec<Portfolio> = profiles
        .par_iter()
        .map(|p| cached_solve(ds, scenario, p, target))
        .collect();
    out.iter()
        .try_for_each(|p| check_portfolio(p, &scenario.supply))?;
    Ok(out)
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

/// Portfolio of one zone by id.
///
/// # Errors
/// [`Error::Usage`] for an unknown zone id.
pub fn solve_zone(ds: &Dataset, scenario: &Scenario, zone_id: &str) -> Result<Portfolio> {
    let Some(zone) = ds.zones.iter().find(|z| z.id.eq_ignore_ascii_case(zone_id)) else {
        let ids: Vec<&str> = ds.zones.iter().map(|z| z.id.as_str()).collect();
        return Err(Error::usage(
            format!("--zone {zone_id}: no such zone in {}", ds.source),
            format!("zones: {}", ids.join(", ")),
        ));
    };
    check_names(ds, scenario)?;
    let profile = synth::zone_profile(ds, zone, &scenario.supply);
    check_profiles(std::slice::from_ref(&profile), &scenario.supply)?;
    let p = solve_profile(ds, scenario, &profile, scenario.supply.cfe_target);
    check_portfolio(&p, &scenario.supply)?;
    Ok(p)
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

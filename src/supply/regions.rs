//! Regional portfolios in the main job (issue 26 item 2, docs/energy.md "Sourcing"): one per NEM
//! region, drawn from any of its zones ([`super::solve_region`]), as a [`Portfolio`] with the id
//! `regional:<region>` and the zones' shares in [`Portfolio::regional_zones`], through the same
//! process memo and on-disk cache as the zones' portfolios.

use super::{
    cache, cached_profile, grid_price, look_up, memo_put, portfolio_memo, regional::KnownZone,
    solve_region_with, CacheUse, Found, Portfolio, ProfileSource, RegionPortfolio, UnitCosts,
    ZoneProfile,
};
use crate::data::Dataset;
use crate::error::Result;
use crate::scenario::{Scenario, SupplyParams};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The portfolio id of region `region`'s regional portfolio.
pub fn regional_id(region: &str) -> String {
    format!("regional:{region}")
}

/// The regional portfolios of `regions` (ids of [`regional_id`]; regions without a zone are
/// skipped), at the scenario's target, in parallel, memoised and cached on disk like the
/// zones' ([`super::solve_zones`]), with how they were obtained.
///
/// # Errors
/// None today (a region whose target cannot be met gets an infeasible portfolio); the
/// `Result` keeps the signature of [`super::solve_zones`].
pub fn solve_regions(
    ds: &Dataset,
    scenario: &Scenario,
    regions: &BTreeSet<String>,
) -> Result<(BTreeMap<String, Portfolio>, CacheUse)> {
    let root = scenario.supply.cache_dir.as_deref();
    let dir = root.map(cache::entries_dir);
    let mut usage = CacheUse {
        dir: root.map(std::path::Path::to_path_buf),
        ..CacheUse::default()
    };
    let ds_digest = cache::dataset_digest(ds);
    let target = scenario.supply.cfe_target;
    let todo: Vec<&String> = regions
        .iter()
        .filter(|r| ds.zones.iter().any(|z| &z.region == *r))
        .collect();
    let got: Vec<(Portfolio, u8)> = todo
        .par_iter()
        .map(|r| {
            let key = region_key(ds, ds_digest, scenario, r);
            match look_up(dir.as_deref(), key, &regional_id(r), target) {
                Found::Memory(p) => (p, 0),
                Found::Disk(p) => (p, 1),
                Found::Missing { rejected } => {
                    let p = compute(ds, ds_digest, scenario, r);
                    memo_put(portfolio_memo(), key.0, p.clone());
                    let written = dir
                        .as_deref()
                        .is_some_and(|d| matches!(cache::store(d, key, &p), Ok(true)));
                    (p, 2 + u8::from(rejected) * 2 + u8::from(written))
                }
            }
        })
        .collect();
    let mut out = BTreeMap::new();
    for (p, how) in got {
        match how {
            0 => usage.from_memory += 1,
            1 => usage.from_disk += 1,
            _ => {
                usage.computed += 1;
                usage.rejected += usize::from(how >= 4);
                usage.written += usize::from(how % 2 == 1);
            }
        }
        out.insert(p.zone_id.clone(), p);
    }
    Ok((out, usage))
}

/// The key of a region's portfolio: the code, the dataset, the region, the supply parameters
/// (sourcing aside: it does not change a portfolio), the discount rate, the offshore zones,
/// the region's price and the target.
fn region_key(ds: &Dataset, ds_digest: u128, scenario: &Scenario, region: &str) -> cache::Key {
    let price = grid_price(ds, region, scenario.cost.default_price_aud_per_mwh);
    let supply = SupplyParams {
        cache_dir: None,
        sourcing: Default::default(),
        ..scenario.supply.clone()
    };
    let mut d = cache::Digest::default();
    d.bytes(&cache::code_digest().to_le_bytes())
        .bytes(&ds_digest.to_le_bytes())
        .str("regional")
        .str(region)
        .str(&format!("{supply:?}"))
        .f64(scenario.cost.discount_rate)
        .str(&format!("{:?}", scenario.cost.offshore_zones))
        .f64(price)
        .f64(scenario.supply.cfe_target);
    cache::Key(d.finish())
}

/// Computes region `region`'s portfolio from its zones' (memoised) profiles.
fn compute(ds: &Dataset, ds_digest: u128, scenario: &Scenario, region: &str) -> Portfolio {
    let profiles: Vec<ZoneProfile> = ds
        .zones
        .iter()
        .filter(|z| z.region == region)
        .map(|z| cached_profile(ds, ds_digest, z, &scenario.supply))
        .collect();
    let refs: Vec<&ZoneProfile> = profiles.iter().collect();
    let known = known_zones(ds, scenario, region);
    let rp = solve_region_with(
        ds,
        scenario,
        region,
        &refs,
        scenario.supply.cfe_target,
        &known,
    );
    let costs = UnitCosts::new(&scenario.supply, scenario.cost.discount_rate, false);
    let mut p = as_portfolio(&rp, &costs);
    p.grid_cfe_share = scenario.supply.grid_cfe_share_of(region);
    p
}

/// The region's zones' own optima from their portfolios (the process memo, else computed and
/// memoised), when those are the very optima the regional search starts from: a
/// flat load and no value on curtailment (else none: the search solves the zones itself).
fn known_zones(ds: &Dataset, scenario: &Scenario, region: &str) -> Vec<KnownZone> {
    let sp = &scenario.supply;
    if sp.flexible_share > 0.0
        || sp.fixed_headroom_mw.is_some()
        || sp.export_value_aud_per_mwh != 0.0
    {
        return Vec::new();
    }
    let ids: BTreeSet<String> = ds
        .zones
        .iter()
        .filter(|z| z.region == region)
        .map(|z| z.id.clone())
        .collect();
    // Through the process memo only: the zones no site wanted are not written to the disk
    // cache (a warm run never reads them: it finds the regional portfolio itself).
    let mut memo_only = scenario.clone();
    memo_only.supply.cache_dir = None;
    let Ok((zones, _)) = super::solve_zones(ds, &memo_only, &ids) else {
        return Vec::new();
    };
    zones
        .into_values()
        .filter(|p| p.feasible)
        .map(|p| KnownZone {
            zone_id: p.zone_id,
            design: super::dispatch::Design::from_array([
                p.solar_mw,
                p.wind_mw,
                p.battery_mw,
                p.battery_mwh,
            ]),
            annual_cost_aud: p.cost_aud_per_mwh * 8760.0,
            evaluations: p.evaluations,
        })
        .collect()
}

/// A regional portfolio in the zones' [`Portfolio`] form: totals over its zones, the cost
/// split by technology (wind the remainder, as offshore zones price it higher), the zones in
/// `regional_zones`.
fn as_portfolio(rp: &RegionPortfolio, onshore: &UnitCosts) -> Portfolio {
    let solar_mw: f64 = rp.zones.iter().map(|z| z.solar_mw).sum();
    let wind_mw: f64 = rp.zones.iter().map(|z| z.wind_mw).sum();
    let generated: f64 = rp
        .zones
        .iter()
        .map(|z| z.solar_mwh_per_mwh_load + z.wind_mwh_per_mwh_load)
        .sum();
    let per_mwh = |annual: f64| annual / 8760.0;
    let solar = per_mwh(onshore.solar_annualised_aud_per_mw_yr * solar_mw);
    let battery = per_mwh(
        onshore.battery_power_annualised_aud_per_mw_yr * rp.battery_mw
            + onshore.battery_energy_annualised_aud_per_mwh_yr * rp.battery_mwh,
    );
    let grid = rp.grid_price_aud_per_mwh * rp.grid_share;
    let source = ProfileSource::regional(rp.zones.len());
    Portfolio {
        zone_id: regional_id(&rp.region_id),
        region_id: rp.region_id.clone(),
        cfe_target: rp.cfe_target,
        solar_mw,
        wind_mw,
        battery_mw: rp.battery_mw,
        battery_mwh: rp.battery_mwh,
        cfe: rp.cfe,
        grid_share: rp.grid_share,
        curtailment_share: rp.curtailment_share,
        curtailed_mwh_per_mwh_load: rp.curtailment_share * generated,
        cost_aud_per_mwh: rp.cost_aud_per_mwh,
        solar_aud_per_mwh: solar,
        wind_aud_per_mwh: (rp.cost_aud_per_mwh - solar - battery - grid).max(0.0),
        battery_aud_per_mwh: battery,
        grid_aud_per_mwh: grid,
        export_credit_aud_per_mwh: 0.0,
        lower_bound_aud_per_mwh: rp.lower_bound_aud_per_mwh,
        feasible: rp.feasible,
        evaluations: rp.evaluations,
        solar_source: source.clone(),
        wind_source: source,
        grid_price_aud_per_mwh: rp.grid_price_aud_per_mwh,
        unit_costs: *onshore,
        half_hours: rp.half_hours,
        grid_cfe_share: 0.0,
        flexibility: None,
        regional_zones: rp
            .zones
            .iter()
            .filter(|z| z.solar_mw > 1e-6 || z.wind_mw > 1e-6)
            .cloned()
            .collect(),
    }
}

//! `sitefind supply`: a zone's least-cost 24/7 carbon-free supply portfolio per MW of flat load
//! (model.md §5a): solar, wind and battery sizes, CFE reached, curtailment, cost per MWh and where
//! the zone's traces come from. JSON carries a `parameters` object with every input, including
//! the annualised unit costs, so the problem can be re-solved elsewhere.

use super::SupplyArgs;
use serde::Serialize;
use sitefind::supply::{self, Portfolio};
use sitefind::{Error, Result};
use std::io::Write;

/// Every input of one portfolio problem, echoed in JSON.
#[derive(Debug, Serialize)]
struct Parameters {
    cfe_target: f64,
    reference_years: Vec<u32>,
    half_hours: usize,
    half_hour_h: f64,
    grid_price_aud_per_mwh: f64,
    round_trip_efficiency: f64,
    export_value_aud_per_mwh: f64,
    discount_rate: f64,
    solar: TechParams,
    wind: TechParams,
    battery_power: TechParams,
    battery_energy: EnergyParams,
    battery_cost_curve: Vec<sitefind::scenario::BatteryCostPoint>,
    /// The load's flexible share (0: flat).
    flexible_share: f64,
    /// The headroom's annualised capex, AUD per MW per year.
    server_capex_aud_per_mw_yr: f64,
    /// Share of grid energy counted as carbon-free in the zone's region.
    grid_cfe_share: f64,
}

#[derive(Debug, Serialize)]
struct TechParams {
    capex_aud_per_mw: f64,
    fom_aud_per_mw_yr: f64,
    life_years: f64,
    annualised_aud_per_mw_yr: f64,
}

#[derive(Debug, Serialize)]
struct EnergyParams {
    capex_aud_per_mwh: f64,
    life_years: f64,
    annualised_aud_per_mwh_yr: f64,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    portfolio: &'a Portfolio,
    parameters: Parameters,
    /// The zone's solar and wind resource limits (docs/limits.md).
    resource_limits: supply::resource::ResourceLimits,
}

fn parameters(p: &Portfolio, s: &sitefind::scenario::Scenario) -> Parameters {
    let u = &s.supply;
    let c = &p.unit_costs;
    let (wind_capex, wind_fom) = if c.offshore_wind {
        (
            u.offshore_wind_capex_aud_per_mw,
            u.offshore_wind_fom_aud_per_mw_yr,
        )
    } else {
        (u.wind_capex_aud_per_mw, u.wind_fom_aud_per_mw_yr)
    };
    Parameters {
        cfe_target: p.cfe_target,
        reference_years: u.reference_years.clone(),
        half_hours: p.half_hours,
        half_hour_h: 0.5,
        grid_price_aud_per_mwh: p.grid_price_aud_per_mwh,
        round_trip_efficiency: u.round_trip_efficiency,
        export_value_aud_per_mwh: u.export_value_aud_per_mwh,
        discount_rate: s.cost.discount_rate,
        solar: TechParams {
            capex_aud_per_mw: u.solar_capex_aud_per_mw,
            fom_aud_per_mw_yr: u.solar_fom_aud_per_mw_yr,
            life_years: u.solar_life_years,
            annualised_aud_per_mw_yr: c.solar_annualised_aud_per_mw_yr,
        },
        wind: TechParams {
            capex_aud_per_mw: wind_capex,
            fom_aud_per_mw_yr: wind_fom,
            life_years: u.wind_life_years,
            annualised_aud_per_mw_yr: c.wind_annualised_aud_per_mw_yr,
        },
        battery_power: TechParams {
            capex_aud_per_mw: c.battery_power_capex_aud_per_mw,
            fom_aud_per_mw_yr: u.battery_fom_aud_per_mw_yr,
            life_years: u.battery_life_years,
            annualised_aud_per_mw_yr: c.battery_power_annualised_aud_per_mw_yr,
        },
        battery_energy: EnergyParams {
            capex_aud_per_mwh: c.battery_energy_capex_aud_per_mwh,
            life_years: u.battery_life_years,
            annualised_aud_per_mwh_yr: c.battery_energy_annualised_aud_per_mwh_yr,
        },
        battery_cost_curve: u.battery_cost_curve.clone(),
        flexible_share: u.flexible_share,
        server_capex_aud_per_mw_yr: s.server_capex_aud_per_mw_yr(),
        grid_cfe_share: p.grid_cfe_share,
    }
}

/// Runs `sitefind supply`.
pub fn run(args: &SupplyArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let ds = super::load_dataset(args.data.as_deref())?;
    let mut s = match &args.scenario {
        Some(p) => super::load_scenario(p)?,
        None => sitefind::scenario::Scenario::default(),
    };
    if let Some(t) = args.cfe_target {
        s.supply.cfe_target = t;
    }
    if !args.reference_years.is_empty() {
        s.supply.reference_years = args.reference_years.clone();
    }
    if let Some(f) = args.flexible_share {
        s.supply.flexible_share = f;
    }
    if let Some(c) = args.server_capex_aud_per_mw_yr {
        s.supply.server_capex_aud_per_mw_yr = Some(c);
    }
    s.validate("command line and scenario")?;
    s.supply.cache_dir = super::cache::dir_unless(args.no_cache);
    let t = std::time::Instant::now();
    let (portfolios, usage) = if args.zone.eq_ignore_ascii_case("all") {
        supply::solve_all_counted(&ds, &s, &super::progress::Bars::new(args.quiet))?
    } else {
        let (p, usage) = supply::solve_zone_cached(&ds, &s, &args.zone)?;
        (vec![p], usage)
    };
    if !args.quiet {
        eprintln!(
            "supply: {} zone{} at CFE target {} in {:.2} s; {}",
            portfolios.len(),
            if portfolios.len() == 1 { "" } else { "s" },
            s.supply.cfe_target,
            t.elapsed().as_secs_f64(),
            usage.summary()
        );
    }
    if format == "json" {
        return write_json(&ds, &s, &args.zone, &portfolios, out);
    }
    write_text(&s, &portfolios, out)
}

/// `--format json`: one zone's object, or `{"zones": [...]}` for `--zone all`, each with its
/// parameters and resource limits (schema `sitefind schema supply`).
fn write_json(
    ds: &sitefind::data::Dataset,
    s: &sitefind::scenario::Scenario,
    zone: &str,
    portfolios: &[Portfolio],
    out: &mut dyn Write,
) -> Result<()> {
    let limits = supply::resource::resource_limits(ds);
    let limits_of = |zone: &str| {
        let k = ds.zones.iter().position(|z| z.id == zone);
        k.and_then(|k| limits.get(k)).cloned().ok_or_else(|| {
            Error::Internal(format!("zone {zone} has a portfolio but no dataset record"))
        })
    };
    let items = portfolios
        .iter()
        .map(|p| {
            Ok(Output {
                portfolio: p,
                parameters: parameters(p, s),
                resource_limits: limits_of(&p.zone_id)?,
            })
        })
        .collect::<Result<Vec<Output<'_>>>>()?;
    let text = if items.len() == 1 && !zone.eq_ignore_ascii_case("all") {
        super::schema::to_json("supply", &items[0], &[])?
    } else {
        super::schema::to_json("supply", &serde_json::json!({ "zones": items }), &[])?
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Error::write("<stdout>", e))
}

/// The text table, the single zone's cost split, flexibility lines and the grid CFE shares.
fn write_text(
    s: &sitefind::scenario::Scenario,
    portfolios: &[Portfolio],
    out: &mut dyn Write,
) -> Result<()> {
    let w = |e| Error::write("<stdout>", e);
    writeln!(
        out,
        "per MW of flat load, CFE target {:.2}, reference years {:?}",
        s.supply.cfe_target, s.supply.reference_years
    )
    .map_err(w)?;
    writeln!(
        out,
        "{:<5} {:<6} {:>8} {:>8} {:>10} {:>11} {:>6} {:>9} {:>10} {:>9}  trace source",
        "zone",
        "region",
        "solar_mw",
        "wind_mw",
        "battery_mw",
        "battery_mwh",
        "cfe",
        "curtailed",
        "aud_per_mwh",
        "grid_aud"
    )
    .map_err(w)?;
    for p in portfolios {
        writeln!(
            out,
            "{:<5} {:<6} {:>8.3} {:>8.3} {:>10.3} {:>11.3} {:>6.3} {:>8.1}% {:>10.2} {:>9.2}  {}{}",
            p.zone_id,
            p.region_id,
            p.solar_mw,
            p.wind_mw,
            p.battery_mw,
            p.battery_mwh,
            p.cfe,
            100.0 * p.curtailment_share,
            p.cost_aud_per_mwh,
            p.grid_price_aud_per_mwh,
            p.source_summary(),
            if p.feasible { "" } else { "  (TARGET NOT MET)" }
        )
        .map_err(w)?;
    }
    if let [p] = portfolios {
        writeln!(
            out,
            "cost A${:.2}/MWh = solar {:.2} + wind {:.2} + battery {:.2} + grid {:.2} − export {:.2} (lower bound {:.2})",
            p.cost_aud_per_mwh,
            p.solar_aud_per_mwh,
            p.wind_aud_per_mwh,
            p.battery_aud_per_mwh,
            p.grid_aud_per_mwh,
            p.export_credit_aud_per_mwh,
            p.lower_bound_aud_per_mwh
        )
        .map_err(w)?;
    }
    for p in portfolios {
        if let Some(line) = flexibility_line(p) {
            writeln!(out, "{line}").map_err(w)?;
        }
    }
    if !s.supply.grid_cfe_share.is_empty() {
        writeln!(
            out,
            "grid energy counted as carbon-free (grid_cfe_share): {:?}",
            s.supply.grid_cfe_share
        )
        .map_err(w)?;
    }
    Ok(())
}

/// A zone's flexibility in one line: f, the chosen headroom, the energy saving, the
/// headroom's cost and the break-even server cost (or why it was declined).
fn flexibility_line(p: &Portfolio) -> Option<String> {
    let x = p.flexibility.as_ref()?;
    let be = x
        .break_even_server_capex_aud_per_mw_yr
        .map_or("none".to_string(), |b| format!("A${b:.0}/MW-yr"));
    let mut s = format!(
        "{} flexible share {:.2}: headroom {:.3} MW per MW; energy A${:.2}/MWh vs flat {:.2} (saving {:.2}), headroom {:.2}, net saving {:.2}; break-even server capex {be} (servers at A${:.0}/MW-yr; dispatch {})",
        p.zone_id,
        x.flexible_share,
        x.headroom_mw,
        p.cost_aud_per_mwh,
        x.flat_cost_aud_per_mwh,
        x.energy_saving_aud_per_mwh,
        x.headroom_aud_per_mwh,
        x.net_saving_aud_per_mwh,
        x.server_capex_aud_per_mw_yr,
        x.dispatch
    );
    if let Some(why) = &x.declined {
        s += &format!("; declined: {why}");
    }
    Some(s)
}

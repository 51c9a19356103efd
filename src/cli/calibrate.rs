//! `sitefind calibrate`: fits the latency model's physical terms (route factor of Australia and
//! Japan, overhead per endpoint and per landing station) to published round-trip times, reads
//! the planning (P95) margins off the data, and prints residuals per pair group.

use super::CalibrateArgs;
use sitefind::latency::{calibrate, CalibrationGrid, CalibrationResult, Observation};
use sitefind::{Error, Result};
use std::io::Write;

fn grid(flag: &str, text: &str) -> Result<[f64; 3]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let nums: Vec<f64> = parts.iter().filter_map(|p| p.parse::<f64>().ok()).collect();
    if parts.len() != 3 || nums.len() != 3 || nums.iter().any(|x| !x.is_finite()) {
        return Err(Error::usage(
            format!("{flag} {text}: expected MIN,MAX,STEP (three numbers)"),
            format!("for example {flag} 1.1,1.8,0.05"),
        ));
    }
    Ok([nums[0], nums[1], nums[2]])
}

/// Runs `sitefind calibrate`.
pub fn run(args: &CalibrateArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let g = CalibrationGrid {
        route_factor: grid("--route-factor", &args.route_factor)?,
        endpoint_overhead_ms: grid("--endpoint-overhead-ms", &args.endpoint_overhead_ms)?,
        landing_overhead_ms: grid("--landing-overhead-ms", &args.landing_overhead_ms)?,
        cable_slack: grid("--cable-slack", &args.cable_slack)?,
        pop_overhead_ms: grid("--pop-overhead-ms", &args.pop_overhead_ms)?,
        ..CalibrationGrid::default()
    };
    let mut observations = Vec::new();
    for path in &args.observations {
        observations.extend(Observation::read_csv(path)?);
    }
    let dataset = super::load_dataset(args.data.data.as_deref())?;
    let scenario = super::scenario_from(&args.data, &[])?;
    let result = calibrate(&dataset, &scenario.latency, &observations, &g)?;
    let w = |e| Error::write("<stdout>", e);
    if format == "json" {
        // The fitted parameters are kept exact: they are copied into scenario files.
        let text = super::schema::to_json("calibrate", &result, &["params"])?;
        return out.write_all(text.as_bytes()).map_err(w);
    }
    write_text(out, &dataset.source, &result).map_err(w)
}

/// The text report: fitted terms, the planning percentile per route class, the fit per pair
/// group and source, and every residual.
pub fn write_text(out: &mut dyn Write, source: &str, r: &CalibrationResult) -> std::io::Result<()> {
    let p = &r.params;
    writeln!(out, "dataset: {source}")?;
    writeln!(
        out,
        "terrestrial: route_factor Australia {:.2} · Japan {:.2} · pop_overhead_ms {:.2} (per PoP)",
        p.route_factor_for("Australia"),
        p.route_factor_for("Japan"),
        p.pop_overhead_ms
    )?;
    writeln!(
        out,
        "submarine:   cable_slack {:.3} · landing_overhead_ms {:.2} (per landing)",
        p.cable_slack, p.landing_overhead_ms
    )?;
    writeln!(
        out,
        "ends:        endpoint_overhead_ms {:.2} (data-centre end: fitted on backbone rows, two cloud regions) · city_endpoint_overhead_ms {:.2} (city end: fitted on pings between servers at exchanges)",
        p.endpoint_overhead_ms, p.city_endpoint_overhead_ms
    )?;
    writeln!(
        out,
        "fit:         mean |error| {:.2} % over {} rows (each row weighted equally; {} parameter points, {} candidate paths)",
        r.loss_pct,
        r.residuals.iter().filter(|x| x.fitted).count(),
        r.evaluated,
        r.candidate_paths
    )?;
    let detours: Vec<&str> = r
        .residuals
        .iter()
        .filter(|x| x.detour)
        .map(|x| x.name.as_str())
        .collect();
    writeln!(
        out,
        "detour rule: measured > {} × great-circle fibre floor + {} ms → not fitted ({} rows: {})",
        r.detour_factor,
        r.detour_allowance_ms,
        detours.len(),
        detours.join("; ")
    )?;
    for c in &r.classes {
        writeln!(
            out,
            "p95 {:<16} route_margin {:.3} (95th percentile of measured/model − 1 over {} typical AU/JP rows, detours left out) · jitter_ms {:.2} (mean {} gap of {} same-window pairs){}",
            c.route_class.label(),
            c.route_margin,
            c.margin_rows,
            c.jitter_ms,
            match c.route_class {
                sitefind::latency::RouteClass::Backbone => "P95−P50",
                sitefind::latency::RouteClass::PublicInternet => "avg−min",
            },
            c.jitter_pairs,
            if c.route_class == sitefind::latency::RouteClass::Backbone {
                " ← planning default"
            } else {
                ""
            }
        )?;
    }
    writeln!(out)?;
    write_groups(out, r)?;
    writeln!(out)?;
    write_residuals(out, r)
}

fn write_groups(out: &mut dyn Write, r: &CalibrationResult) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:<24} {:<7} {:>4} {:>9} {:>9} {:>9} {:>10}",
        "group", "source", "stat", "n", "signed %", "|err| %", "max %", "P95≥obs %"
    )?;
    for g in &r.groups {
        writeln!(
            out,
            "{:<10} {:<24} {:<7} {:>4} {:>+9.2} {:>9.2} {:>9.2} {:>10.0}",
            g.group.label(),
            g.source,
            g.statistic,
            g.n,
            g.mean_signed_pct,
            g.mean_abs_pct,
            g.max_abs_pct,
            g.p95_covers_pct
        )?;
    }
    Ok(())
}

fn write_residuals(out: &mut dyn Write, r: &CalibrationResult) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<64} {:<9} {:<11} {:>4} {:>8} {:>7} {:>7} {:>7}  path",
        "pair", "group", "statistic", "year", "measured", "model", "p95", "resid%"
    )?;
    for x in &r.residuals {
        let flag = if x.detour {
            "DETOUR "
        } else if !x.fitted {
            "check  "
        } else {
            ""
        };
        writeln!(
            out,
            "{:<64} {:<9} {:<11} {:>4} {:>8.1} {:>7.1} {:>7.1} {:>+7.1}  {}{}",
            x.name,
            x.group.label(),
            x.statistic,
            x.year.map_or("-".to_string(), |y| y.to_string()),
            x.observed_ms,
            x.modelled_ms,
            x.modelled_p95_ms,
            x.residual_pct,
            flag,
            if x.cables.is_empty() {
                "terrestrial".to_string()
            } else {
                x.cables.join(" → ")
            }
        )?;
    }
    Ok(())
}

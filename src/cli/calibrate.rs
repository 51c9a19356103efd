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
        refine: CalibrationGrid::default().refine,
    };
    let observations = Observation::read_csv(&args.observations)?;
    let dataset = super::load_dataset(args.data.data.as_deref())?;
    let scenario = super::scenario_from(&args.data)?;
    let result = calibrate(&dataset, &scenario.latency, &observations, &g)?;
    let w = |e| Error::write("<stdout>", e);
    if format == "json" {
        let text =
            serde_json::to_string_pretty(&result).map_err(|e| Error::Internal(e.to_string()))?;
        writeln!(out, "{text}").map_err(w)?;
        return Ok(());
    }
    write_text(out, &dataset.source, &result).map_err(w)
}

/// The text report: fitted terms, the fit per pair group, and every residual.
pub fn write_text(out: &mut dyn Write, source: &str, r: &CalibrationResult) -> std::io::Result<()> {
    let p = &r.params;
    writeln!(out, "dataset: {source}")?;
    writeln!(
        out,
        "median: route_factor Australia {:.2} · Japan {:.2} · endpoint_overhead_ms {:.2} (each end) · landing_overhead_ms {:.2} (per landing) · mean |error| {:.2} % ({} grid points)",
        p.route_factor_for("Australia"),
        p.route_factor_for("Japan"),
        p.endpoint_overhead_ms,
        p.landing_overhead_ms,
        r.loss_pct,
        r.evaluated
    )?;
    writeln!(
        out,
        "p95:    p95_route_margin {:.3} (95th percentile of {} vintage deviations) · p95_jitter_ms {:.2} (mean P95−P50 of {} same-window pairs)",
        p.p95_route_margin, r.vintage_deviations, p.p95_jitter_ms, r.jitter_pairs
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<10} {:<7} {:>4} {:>9} {:>9} {:>9} {:>12}",
        "group", "stat", "n", "signed %", "|err| %", "max %", "P95≥obs %"
    )?;
    for g in &r.groups {
        writeln!(
            out,
            "{:<10} {:<7} {:>4} {:>+9.2} {:>9.2} {:>9.2} {:>12.0}",
            g.group.label(),
            g.statistic,
            g.n,
            g.mean_signed_pct,
            g.mean_abs_pct,
            g.max_abs_pct,
            g.p95_covers_pct
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<72} {:<10} {:<12} {:>8} {:>8} {:>8} {:>7}  path",
        "pair", "group", "statistic", "measured", "model", "p95", "resid %"
    )?;
    for x in &r.residuals {
        writeln!(
            out,
            "{:<72} {:<10} {:<12} {:>8.1} {:>8.1} {:>8.1} {:>+7.1}  {}",
            x.name,
            x.group.label(),
            x.statistic,
            x.observed_ms,
            x.modelled_ms,
            x.modelled_p95_ms,
            x.residual_pct,
            if x.cables.is_empty() {
                "terrestrial".to_string()
            } else {
                x.cables.join(" → ")
            }
        )?;
    }
    Ok(())
}

//! `sitefind calibrate`: fits the latency model's free parameters (terrestrial route factor,
//! cable slack, equipment overhead) to measured round-trip times by a deterministic grid search.

use super::CalibrateArgs;
use sitefind::latency::{calibrate, CalibrationGrid, Observation};
use sitefind::{Error, Result};
use std::io::Write;

fn grid(flag: &str, text: &str) -> Result<[f64; 3]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let nums: Vec<f64> = parts.iter().filter_map(|p| p.parse::<f64>().ok()).collect();
    if parts.len() != 3 || nums.len() != 3 || nums.iter().any(|x| !x.is_finite()) {
        return Err(Error::usage(
            format!("{flag} {text}: expected MIN,MAX,STEP (three numbers)"),
            format!("for example {flag} 1.1,1.8,0.01"),
        ));
    }
    Ok([nums[0], nums[1], nums[2]])
}

/// Runs `sitefind calibrate`.
pub fn run(args: &CalibrateArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let g = CalibrationGrid {
        route_factor: grid("--route-factor", &args.route_factor)?,
        cable_slack: grid("--cable-slack", &args.cable_slack)?,
        equipment_overhead_ms: grid("--overhead-ms", &args.overhead_ms)?,
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
    let p = &result.params;
    writeln!(out, "dataset: {}", dataset.source).map_err(w)?;
    writeln!(
        out,
        "route_factor {:.3} · cable_slack {:.3} · equipment_overhead_ms {:.2} · rms {:.2} ms over {} observations ({} grid points)",
        p.route_factor,
        p.cable_slack,
        p.equipment_overhead_ms,
        result.rms_ms,
        result.residuals.len(),
        result.evaluated
    )
    .map_err(w)?;
    writeln!(
        out,
        "{:<60} {:>9} {:>9} {:>9}  path",
        "pair", "measured", "model", "residual"
    )
    .map_err(w)?;
    for r in &result.residuals {
        writeln!(
            out,
            "{:<60} {:>9.1} {:>9.1} {:>+9.2}  {}",
            r.name,
            r.observed_ms,
            r.modelled_ms,
            r.residual_ms,
            if r.cables.is_empty() {
                "terrestrial".to_string()
            } else {
                r.cables.join(" → ")
            }
        )
        .map_err(w)?;
    }
    Ok(())
}

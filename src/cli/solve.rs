//! `sitefind solve` (also `sitefind` without a subcommand): the main job.

use super::SolveArgs;
use sitefind::pipeline;
use sitefind::report::atomic::{check_distinct, check_output, write_set, OutputPath};
use sitefind::report::{geo, svg, text};
use sitefind::scenario::{Objective, Scenario};
use sitefind::{Error, Result};
use std::io::Write;

/// The scenario: defaults ← `--scenario` file ← flags.
fn scenario(args: &SolveArgs) -> Result<Scenario> {
    let mut s = super::scenario_from(&args.data)?;
    let m = &mut s.model;
    if let Some(v) = args.max_rtt_ms {
        m.max_rtt_ms = Some(v);
    }
    if let Some(v) = args.min_sites {
        m.min_sites_per_city = Some(v);
    }
    if let Some(v) = args.max_sites {
        m.max_sites = Some(v);
    }
    if let Some(o) = &args.objective {
        m.objective = match o.to_ascii_lowercase().as_str() {
            "min-cost" => Objective::MinCost,
            "min-worst-rtt" => Objective::MinWorstRtt,
            "max-coverage" => Objective::MaxCoverage,
            _ => {
                return Err(Error::usage(
                    format!("--objective {o}: unknown objective"),
                    "use min-cost, min-worst-rtt or max-coverage",
                ))
            }
        };
    }
    if let Some(v) = args.cost_cap_aud {
        m.cost_cap_aud = Some(v);
    }
    if let Some(v) = args.budget_aud {
        m.budget_aud = Some(v);
    }
    m.must_build.extend(args.must_build.iter().cloned());
    m.exclude.extend(args.exclude.iter().cloned());
    if let Some(v) = args.renewable_share {
        s.cost.renewable_share = v;
    }
    if let Some(b) = &args.solver {
        s.solver.backend = Some(b.clone());
    }
    if let Some(v) = args.time_limit {
        s.solver.time_limit_s = v;
    }
    if let Some(v) = args.mip_gap {
        s.solver.mip_gap = v;
    }
    if let Some(k) = args.alternatives {
        s.alternatives.count = k;
    }
    if let Some(v) = args.within {
        if args.alternatives.is_none() && s.alternatives.count == 0 {
            return Err(Error::usage(
                "--within is only used with --alternatives",
                "add --alternatives K",
            ));
        }
        s.alternatives.within_pct = v;
    }
    if args.no_margins {
        s.alternatives.margins = false;
    }
    s.validate("command line and scenario")?;
    // Options that do not apply are errors, not silently ignored.
    if args.cost_cap_aud.is_some() && s.model.objective != Objective::MinWorstRtt {
        return Err(Error::usage(
            "--cost-cap-aud only applies to --objective min-worst-rtt",
            "add --objective min-worst-rtt, or drop --cost-cap-aud",
        ));
    }
    if args.budget_aud.is_some() && s.model.objective != Objective::MaxCoverage {
        return Err(Error::usage(
            "--budget-aud only applies to --objective max-coverage",
            "add --objective max-coverage, or drop --budget-aud",
        ));
    }
    if args.print_scenario
        && (args.report.is_some()
            || args.geojson.is_some()
            || args.map.is_some()
            || args.export_problem.is_some())
    {
        return Err(Error::usage(
            "--print-scenario only prints the scenario: --report, --geojson, --map and --export-problem do not apply",
            "drop the output options, or drop --print-scenario",
        ));
    }
    if s.model.objective == Objective::MinWorstRtt && s.model.cost_cap_aud.is_none() {
        return Err(Error::usage(
            "--objective min-worst-rtt needs a cost cap",
            "add --cost-cap-aud AUD (e.g. 1.2 × the least-cost answer's total)",
        ));
    }
    if s.model.objective == Objective::MaxCoverage && s.model.budget_aud.is_none() {
        return Err(Error::usage(
            "--objective max-coverage needs a budget",
            "add --budget-aud AUD (annual)",
        ));
    }
    Ok(s)
}

fn json_text<T: serde::Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Internal(format!("serialising {what}: {e}")))
}

/// Writes the output files as a set ([`write_set`]), only when the checker passed: a failed
/// check is an internal error (exit 2) and writes nothing, since the files would present a
/// wrong answer.
fn write_outputs(
    check: &sitefind::report::CheckSummary,
    files: &[(OutputPath, Vec<u8>)],
) -> Result<()> {
    if !check.feasible {
        return Err(Error::Internal(format!(
            "the independent checker found {} violation(s) in the solver's answer (largest {:.3e}): {}; no output file was written",
            check.violations.len(),
            check.max_violation,
            check.violations.join("; ")
        )));
    }
    write_set(files)
}

/// Runs the main job.
pub fn run(args: &SolveArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let scenario = scenario(args)?;
    if args.print_scenario {
        let text = toml::to_string_pretty(&scenario)
            .map_err(|e| Error::Internal(format!("serialising the scenario: {e}")))?;
        return out
            .write_all(text.as_bytes())
            .map_err(|e| Error::write("<stdout>", e));
    }
    // Every output path is checked before any expensive work: regular file or new, folder
    // writable, extension right, all distinct (rules in `sitefind::report::atomic`).
    let planned = |flag: &str, p: &Option<std::path::PathBuf>, ext: &[&str]| {
        p.as_ref().map(|p| check_output(flag, p, ext)).transpose()
    };
    let export_out = planned("--export-problem", &args.export_problem, &["json"])?;
    let report_out = planned("--report", &args.report, &["json"])?;
    let geojson_out = planned("--geojson", &args.geojson, &["geojson", "json"])?;
    let map_out = planned("--map", &args.map, &["svg"])?;
    let all: Vec<OutputPath> = [&export_out, &report_out, &geojson_out, &map_out]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    check_distinct(&all)?;
    let quiet = args.data.quiet;
    let ds = super::load_dataset(args.data.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    // Read basemaps before solving so a bad path fails fast.
    let mut basemap = Vec::new();
    if args.map.is_some() {
        for p in &args.basemap {
            basemap.extend(svg::read_basemap(p)?);
        }
    } else if !args.basemap.is_empty() {
        return Err(Error::usage(
            "--basemap is only used with --map",
            "add --map FILE.svg, or drop --basemap",
        ));
    }
    if !quiet {
        eprintln!(
            "sitefind: {} ({} zones, {} substations, {} landings, {} cables) · demand {} ({} cities, {:.0} MW)",
            ds.source,
            ds.zones.len(),
            ds.substations.len(),
            ds.landings.len(),
            ds.cables.len(),
            demand.source,
            demand.nodes.len(),
            demand.nodes.iter().map(|n| n.it_load_mw).sum::<f64>()
        );
    }
    let mut progress = |stage: &str, secs: f64, note: &str| {
        if !quiet {
            if secs.is_nan() {
                eprintln!("  {stage:<14}      …    {note}");
            } else {
                eprintln!("  {stage:<14} {secs:>8.3} s  {note}");
            }
        }
    };
    let outcome = pipeline::run(&ds, &demand, &scenario, &mut progress)?;
    let mut report = outcome.report;
    let timings = report.timings.take();
    if args.timings {
        report.timings = timings;
    }

    // Outputs: rendered first, then written as a set (all temporaries, then the renames), so
    // a failure leaves none behind, and only if the checker passed; stdout last.
    let report_json = json_text(&report, "the report")?;
    let mut files: Vec<(OutputPath, Vec<u8>)> = Vec::new();
    if let Some(o) = export_out {
        files.push((o, json_text(&outcome.problem, "the problem")?.into_bytes()));
    }
    if let Some(o) = report_out {
        files.push((o, report_json.clone().into_bytes()));
    }
    if let Some(o) = geojson_out {
        let fc = geo::feature_collection(&report);
        let text = serde_json::to_string(&fc)
            .map_err(|e| Error::Internal(format!("serialising GeoJSON: {e}")))?;
        files.push((o, text.into_bytes()));
    }
    if let Some(o) = map_out {
        let scene = geo::map_scene(&report, basemap, &ds.zones);
        files.push((o, svg::render(&scene).into_bytes()));
    }
    write_outputs(&report.check, &files)?;
    let w = |e| Error::write("<stdout>", e);
    if format == "json" {
        out.write_all(report_json.as_bytes()).map_err(w)?;
    } else {
        out.write_all(text::render(&report).as_bytes()).map_err(w)?;
    }
    if report.totals.unserved_mw > 1e-6 && !quiet {
        eprintln!(
            "warning: {:.0} MW of demand is UNSERVED (see the cities table)",
            report.totals.unserved_mw
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_writes_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = check_output("--report", &dir.path().join("a.json"), &["json"]).unwrap();
        let b = check_output("--map", &dir.path().join("b.svg"), &["svg"]).unwrap();
        let files = vec![(a, b"{}".to_vec()), (b, b"<svg/>".to_vec())];
        let mut check = sitefind::report::CheckSummary {
            feasible: false,
            max_violation: 1.0,
            objective_recomputed: 0.0,
            violations: vec!["x".into()],
        };
        let e = write_outputs(&check, &files).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("no output file was written"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        check.feasible = true;
        write_outputs(&check, &files).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}

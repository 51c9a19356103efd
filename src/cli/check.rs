//! `sitefind check`: re-runs the independent checker ([`sitefind::check`]) on a saved answer.
//!
//! - `sitefind check REPORT.json [--data M] [--demand F]`: rebuilds the siting problem from the
//!   report's dataset, demand and scenario (`parameters`; `--data`/`--demand` override the
//!   sources the report names), turns the report's sites, allocations, unserved MW and zone
//!   expansions into a solution, and checks every constraint and the objective the report
//!   states. A report's MW are rounded to 1 kW and its money to 1 cent, so MW constraints
//!   allow [`REPORT_MW_TOLERANCE`] and the objective [`REPORT_OBJECTIVE_TOLERANCE`].
//! - `sitefind check --problem P.json --solution S.json [--objective X]`: a problem written by
//!   `--export-problem` and a solution (the model's `Solution`: `open`, `capacity_mw`,
//!   `flows`, `unserved_mw`, `expansion_mw`), at the checker's default tolerances.
//!
//! Exit 0 when every promise holds; exit 2 listing every broken one; exit 1 for bad input.

use super::CheckArgs;
use sitefind::check::CheckReport;
use sitefind::model::{SitingProblem, Solution};
use sitefind::report::Report;
use sitefind::{Error, Result};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// MW tolerance of a report's re-check (its MW are rounded to 0.001 MW; sums of a few
/// rounded terms stay well inside 0.01 MW).
pub const REPORT_MW_TOLERANCE: f64 = 0.01;

/// Relative objective tolerance of a report's re-check (its MW are rounded to 1 kW, which
/// moves a cost of A$1e9 by at most a few A$1,000).
pub const REPORT_OBJECTIVE_TOLERANCE: f64 = 1e-5;

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let label = path.display().to_string();
    let text = sitefind::input::read_text(path)?;
    let hint = format!("give {what} as sitefind wrote it");
    let value = sitefind::input::parse_json(&label, &text, &hint)?;
    serde_json::from_value(value).map_err(|e| Error::Parse {
        at: sitefind::error::Location::file(label),
        message: e.to_string(),
        hint,
    })
}

/// The source a report names, or `None` for the embedded data.
fn source(named: &str) -> Option<PathBuf> {
    (!named.starts_with("<embedded>")).then(|| PathBuf::from(named))
}

/// Runs `sitefind check …`.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let (what, r) = match (&args.report, &args.problem, &args.solution) {
        (Some(report), None, None) => (report.display().to_string(), check_report(args, report)?),
        (None, Some(p), Some(s)) => {
            let problem: SitingProblem = read_json(p, "the --export-problem file")?;
            let sol: Solution = read_json(s, "a solution")?;
            let r = match args.objective {
                Some(v) => sitefind::check::check_reported(&problem, &sol, Some(v)),
                None => sitefind::check::check(&problem, &sol),
            };
            (format!("{} on {}", s.display(), p.display()), r)
        }
        _ => {
            return Err(Error::usage(
                "sitefind check: give a report, or --problem and --solution",
                "sitefind check answer.json, or sitefind check --problem p.json --solution s.json",
            ))
        }
    };
    if !r.feasible {
        return Err(Error::Broken {
            what,
            promises: r.violations,
        });
    }
    writeln!(
        out,
        "{what}: every promise holds (objective {:.2}, {} MW served)",
        r.objective_recomputed, r.served_mw
    )
    .map_err(|e| Error::write("<stdout>", e))
}

/// Rebuilds a report's problem and checks its answer.
fn check_report(args: &CheckArgs, path: &Path) -> Result<CheckReport> {
    let report: Report = read_json(path, "a --report file")?;
    let data = args.data.clone().or_else(|| source(&report.dataset));
    let demand = args
        .demand
        .clone()
        .or_else(|| source(&report.demand_source));
    let ds = super::load_dataset(data.as_deref())?;
    let demand = super::load_demand(demand.as_deref())?;
    let scenario = &report.parameters;
    scenario.validate(&format!("{} (parameters)", path.display()))?;
    let latency = sitefind::latency::LatencyModel::build(&ds, &scenario.latency)?;
    let prepared =
        sitefind::pipeline::prepare(&ds, &demand, scenario, &latency, &mut |_, _, _| {})?;
    let p = &prepared.problem;
    let (sol, mut broken) = solution_of(p, &report);
    let mut r = sitefind::check::check_with_tolerance(p, &sol, REPORT_MW_TOLERANCE);
    let stated = report.solver.objective;
    let got = r.objective_recomputed;
    let d = (stated - got).abs() / stated.abs().max(got.abs()).max(1.0);
    if d.is_nan() || d > REPORT_OBJECTIVE_TOLERANCE {
        broken.push(format!(
            "the report states objective {stated} but its answer costs {got} recomputed from the inputs (relative difference {d:.3e} > {REPORT_OBJECTIVE_TOLERANCE:e})"
        ));
    }
    for s in &report.sites {
        let served: f64 = s.serves.iter().map(|a| a.mw).sum();
        if (served - s.used_mw).abs() > REPORT_MW_TOLERANCE {
            broken.push(format!(
                "site {}: the report says {} MW used but its allocations sum to {served} MW",
                s.id, s.used_mw
            ));
        }
    }
    if !broken.is_empty() {
        r.feasible = false;
        broken.append(&mut r.violations);
        r.violations = broken;
    }
    Ok(r)
}

/// The report's answer as a solution of `p`, and the promises broken on the way (a site or
/// city the problem does not have).
fn solution_of(p: &SitingProblem, report: &Report) -> (Solution, Vec<String>) {
    let n = p.sites.len();
    let site_ix: HashMap<&str, usize> = p
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let city_ix: HashMap<&str, usize> = p
        .cities
        .iter()
        .enumerate()
        .map(|(j, c)| (c.id.as_str(), j))
        .collect();
    let mut sol = Solution {
        open: vec![false; n],
        capacity_mw: vec![0.0; n],
        flows: Vec::new(),
        unserved_mw: vec![0.0; p.cities.len()],
        expansion_mw: vec![0.0; p.zones.len()],
    };
    let mut broken = Vec::new();
    for s in &report.sites {
        let Some(&i) = site_ix.get(s.id.as_str()) else {
            broken.push(format!(
                "site {}: not a site of the problem rebuilt from the report's dataset and scenario",
                s.id
            ));
            continue;
        };
        sol.open[i] = true;
        sol.capacity_mw[i] = s.built_mw;
        for a in &s.serves {
            match city_ix.get(a.city_id.as_str()) {
                Some(&j) => sol.flows.push((i, j, a.mw)),
                None => broken.push(format!(
                    "site {}: serves {}, not a city of the demand",
                    s.id, a.city_id
                )),
            }
        }
    }
    for c in &report.cities {
        match city_ix.get(c.id.as_str()) {
            Some(&j) => sol.unserved_mw[j] = c.unserved_mw,
            None => broken.push(format!("city {}: not a city of the demand", c.id)),
        }
    }
    for z in &report.zones {
        match p.zones.iter().position(|q| q.id == z.id) {
            Some(r) => sol.expansion_mw[r] = z.expansion_mw,
            None if z.expansion_mw > 0.0 => broken.push(format!(
                "zone {}: expanded by {} MW but not a zone of the problem",
                z.id, z.expansion_mw
            )),
            None => {}
        }
    }
    (sol, broken)
}

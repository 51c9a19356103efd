//! The main job end to end: the pipeline ([`crate::pipeline`]), the decisions
//! ([`crate::decide`]) and the report ([`crate::report`]), in that order. The CLI's solve,
//! the benches and the tests run the whole job through [`run`].

use crate::candidates::Candidate;
use crate::data::{Dataset, Demand};
use crate::decide::alternatives::decide_counted;
use crate::error::Result;
use crate::model::{SitingProblem, Solution};
use crate::pipeline::{self, Progress};
use crate::report::build::{assemble, Solved};
use crate::report::Report;
use crate::scenario::Scenario;
use std::time::Instant;

/// The answer of [`run`]: the report plus what produced it (for callers that want more).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The report (rounded for output).
    pub report: Report,
    /// The problem the solver saw.
    pub problem: SitingProblem,
    /// The solver's solution.
    pub solution: Solution,
    /// Every candidate generated (for the GIS `candidates` layer).
    pub candidates: Vec<Candidate>,
}

/// Runs the pipeline, the decisions the scenario asks for (margins, alternatives) and builds
/// the report. `progress` is told each stage's time.
///
/// # Errors
/// Bad input, an infeasible problem (explained), or a solver failure.
pub fn run(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
) -> Result<Answer> {
    run_counted(ds, demand, scenario, progress, &crate::progress::NoProgress)
}

/// [`run`], telling `counted` of the counted steps (supply zones, alternatives) as items are
/// done; the CLI draws them as bars.
///
/// # Errors
/// As [`run`].
pub fn run_counted(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
    counted: &dyn crate::progress::Counted,
) -> Result<Answer> {
    let mut outcome = pipeline::run_counted(ds, demand, scenario, progress, counted)?;
    let mut timings = std::mem::take(&mut outcome.timings);
    let mut record = crate::outcome::recorder(&mut timings, progress);
    let t = Instant::now();
    let mut report = assemble(&Solved::new(ds, demand, scenario, &outcome));
    record("report", t.elapsed().as_secs_f64(), "");
    let p = &outcome.prepared.problem;
    let params = &scenario.alternatives;
    let (options, deadline) = (&outcome.options, outcome.deadline);
    let decisions = decide_counted(
        p,
        &outcome.solution,
        params,
        options,
        deadline,
        &mut record,
        counted,
    )?;
    crate::report::plans::attach(&mut report, &outcome.prepared, &decisions, params);
    if p.objective == crate::scenario::Objective::MinCost {
        let t = Instant::now();
        let mut r = crate::decide::resilience::assess(&outcome, demand);
        r.round_mw(crate::report::precision::MW);
        let note = format!(
            "{} failure domains on the plan's routes, {} single point(s) of failure",
            r.domains.len(),
            r.single_points_of_failure.len()
        );
        record("resilience", t.elapsed().as_secs_f64(), &note);
        report.resilience = Some(r);
    }
    drop(record);
    report.timings = Some(timings);
    report.round_for_output();
    Ok(Answer {
        report,
        problem: outcome.prepared.problem,
        solution: outcome.solution,
        candidates: outcome.prepared.candidates,
    })
}

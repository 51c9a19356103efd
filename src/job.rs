//! The main job end to end: the pipeline ([`crate::pipeline`]), the decisions
//! ([`crate::decide`]) and the report ([`crate::report`]), in that order. The CLI's solve,
//! the benches and the tests run the whole job through [`run`].

use crate::candidates::Candidate;
use crate::data::{Dataset, Demand};
use crate::decide::alternatives::{decide_warm, DecideContext};
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

/// [`run`], telling `counted` of the counted steps (supply zones, margins, alternatives, policy
/// re-solves) as items finish; the CLI draws them as bars.
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
    // Margins start from the whole base solve: its promise rows, its Lagrangian multipliers
    // (the flow caps' start cold) and its plan without the margin's site (repaired and checked by the
    // engine). Stop 26 kept them to the rows: with the multipliers but no incumbent one margin
    // of the national data at P50 ran to the time limit. With the plan offered too, the
    // embedded margins take 0.1 s instead of 0.3 s with the same costs and tighter proven
    // bounds, and no measured case is slower (docs/supply-speed.md, "Stop 27").
    let seed = outcome.seed();
    let ctx = DecideContext {
        deadline,
        seed: &seed,
        progress: counted,
    };
    let decisions = decide_warm(p, &outcome.solution, params, options, &ctx, &mut record)?;
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
    policy_sections(
        ds,
        demand,
        scenario,
        &outcome,
        &mut report,
        &mut record,
        counted,
    )?;
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

/// The policy sections the scenario asks for (docs/policy.md): the price of every promise in
/// force (`[report] policy_prices`) and the critical-mineral share achieved with the rule's
/// cost (`[minerals] min_share` > 0). Prices need the least-cost objective.
fn policy_sections(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    outcome: &crate::outcome::Outcome,
    report: &mut Report,
    record: &mut dyn FnMut(&str, f64, &str),
    counted: &dyn crate::progress::Counted,
) -> Result<()> {
    use crate::decide::policy::{self, Base};
    let min_cost = outcome.prepared.problem.objective == crate::scenario::Objective::MinCost;
    if scenario.report.policy_prices && !min_cost {
        return Err(crate::Error::usage(
            "--policy-prices needs the least-cost objective",
            "drop --objective (or use min-cost) with --policy-prices",
        ));
    }
    let base = Base {
        ds,
        demand,
        scenario,
        outcome,
    };
    if scenario.report.policy_prices {
        let t = Instant::now();
        let list = policy::prices(&base, counted)?;
        let note = format!("{} promise(s) in force re-solved without them", list.len());
        record("policy prices", t.elapsed().as_secs_f64(), &note);
        report.policy_prices = Some(list);
    }
    if !scenario.minerals.in_force() {
        return Ok(());
    }
    let prep = &outcome.prepared;
    let locations: Vec<crate::data::LonLat> = prep
        .in_model
        .iter()
        .map(|&i| prep.candidates[i].location)
        .collect();
    let matching = crate::minerals::matching(ds, &scenario.minerals)?;
    let near = crate::minerals::near(ds, &matching, &locations, scenario.minerals.radius_km);
    let mut share = crate::minerals::achieved(
        ds,
        &scenario.minerals,
        &prep.problem,
        &outcome.solution,
        &near,
    );
    let known = report
        .policy_prices
        .iter()
        .flatten()
        .find(|p| p.promise == "mineral share")
        .cloned();
    let price = match known {
        Some(p) => Some(p),
        None if min_cost => policy::mineral_price(&base, counted)?,
        None => None,
    };
    if let Some(p) = price {
        share.cost_without_rule_aud_per_yr = p.objective_without_aud_per_yr;
        share.delta_aud_per_yr = p.delta_aud_per_yr;
    }
    report.minerals = Some(share);
    Ok(())
}

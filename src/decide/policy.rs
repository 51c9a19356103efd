//! Policy prices (issue 27; docs/policy.md): what each promise in force costs.
//!
//! For every promise the scenario keeps — the latency limit's statistic (P95 rather than P50),
//! redundancy (`min_sites` ≥ 2), separation of redundant sites, N−1 survival, transit avoidance,
//! landing jurisdictions, cable owners, the 24/7 CFE target, critical-mineral co-location,
//! region restrictions, must-build and exclude lists — the best plan *without* it (or, for the
//! CFE target, with it one step lower: [`CFE_STEP`]) is solved again, and its price is
//!
//! ```text
//! delta = optimum with the promise − optimum without it   (≥ 0: a relaxation only adds plans)
//! ```
//!
//! Two kinds of relaxation:
//! - **problem rows** (redundancy, separation, N−1, mineral share, must-build): the base
//!   problem with the promise's rows or flags removed, solved by the exact engine
//!   ([`crate::engine::solve_with_reduction`]) — the same sites, so the base plan stays
//!   feasible;
//! - **scenario** (limit statistic, transit, jurisdictions, owners, CFE target, regions,
//!   exclude list): the pipeline is run again on the relaxed scenario (new routes, candidates or
//!   supply portfolios), and plans are compared by site id.
//!
//! The re-solves run in parallel (rayon), collected in a fixed order. A promise whose price is
//! within the solver's relative gap of 0 does not bind: price 0, and the record says so. A
//! relaxation the engine cannot solve (infeasible, time limit) is reported as such, never as a
//! number.

use crate::check::check;
use crate::data::{Dataset, Demand};
use crate::engine::warm::Seed;
use crate::engine::SolveOptions;
use crate::error::{Error, Result};
use crate::model::{SitingProblem, Solution};
use crate::outcome::Outcome;
use crate::progress::Counted;
use crate::scenario::{RttStatistic, Scenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How far the CFE target is relaxed for its price: the next step down, as a fraction.
pub const CFE_STEP: f64 = 0.05;

/// The sites a plan opens or closes against the base plan (ids, sorted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlanChanges {
    /// Sites the plan without the promise opens and the base plan does not.
    pub opened: Vec<String>,
    /// Sites the base plan opens and the plan without the promise does not.
    pub closed: Vec<String>,
}

/// What one promise costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyPrice {
    /// Which promise (`limit statistic`, `redundancy`, `separation`, `N−1 survival`, …).
    pub promise: String,
    /// Its setting in force and the relaxation priced, e.g. `P95 → P50`.
    pub setting: String,
    /// `priced`, `not binding`, `infeasible` or `not computed`.
    pub status: String,
    /// Cost of the best plan without the promise, AUD per year (`None` unless solved).
    pub objective_without_aud_per_yr: Option<f64>,
    /// Base optimum minus that, AUD per year: what the promise costs.
    pub delta_aud_per_yr: Option<f64>,
    /// The delta as a percentage of the base optimum.
    pub delta_pct: Option<f64>,
    /// How the plan without the promise differs from the base plan.
    pub plan_changes: PlanChanges,
    /// One sentence for the report.
    pub note: String,
}

/// How a promise is relaxed.
#[derive(Debug, Clone)]
enum Relax {
    /// The base problem, changed.
    Problem(Box<SitingProblem>),
    /// The pipeline again on this scenario.
    Scenario(Box<Scenario>),
}

/// A promise in force and its relaxation.
#[derive(Debug, Clone)]
struct Promise {
    name: &'static str,
    setting: String,
    relax: Relax,
}

/// Everything a price compares against: the base run.
pub struct Base<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// The demand.
    pub demand: &'a Demand,
    /// The scenario of the base run.
    pub scenario: &'a Scenario,
    /// The base run's outcome.
    pub outcome: &'a Outcome,
}

impl Base<'_> {
    /// The base plan's cost, recomputed by the checker.
    fn optimum(&self) -> f64 {
        check(&self.outcome.prepared.problem, &self.outcome.solution).objective_recomputed
    }

    /// The ids of the base plan's open sites.
    fn open_ids(&self) -> BTreeSet<String> {
        open_ids(&self.outcome.prepared.problem, &self.outcome.solution)
    }
}

/// The ids of the open sites of `s` in `p`.
fn open_ids(p: &SitingProblem, s: &Solution) -> BTreeSet<String> {
    p.sites
        .iter()
        .zip(&s.open)
        .filter(|(_, &o)| o)
        .map(|(site, _)| site.id.clone())
        .collect()
}

/// The promises in force in the base run, in a fixed order, each with its relaxation.
fn promises(base: &Base<'_>) -> Vec<Promise> {
    let mut out = scenario_promises(base.scenario);
    out.extend(problem_promises(base));
    out.sort_by_key(|p| order(p.name));
    out
}

/// The report's order of the promises.
fn order(name: &str) -> usize {
    const ORDER: [&str; 12] = [
        "limit statistic",
        "redundancy",
        "separation",
        "N−1 survival",
        "transit avoidance",
        "landing jurisdictions",
        "cable owners",
        "CFE target",
        "mineral share",
        "region restriction",
        "must-build list",
        "exclude list",
    ];
    ORDER.iter().position(|n| *n == name).unwrap_or(ORDER.len())
}

/// The promises relaxed through the scenario (a new pipeline run).
fn scenario_promises(s: &Scenario) -> Vec<Promise> {
    let mut out = Vec::new();
    let mut push = |name: &'static str, setting: String, f: &dyn Fn(&mut Scenario)| {
        let mut r = s.clone();
        f(&mut r);
        out.push(Promise {
            name,
            setting,
            relax: Relax::Scenario(Box::new(r)),
        });
    };
    let l = &s.latency;
    if l.limit_statistic == RttStatistic::P95 {
        push(
            "limit statistic",
            "limits on the P95 RTT → on the median (P50)".into(),
            &|r| r.latency.limit_statistic = RttStatistic::P50,
        );
    }
    if !l.avoid_transit.is_empty() {
        let setting = format!("avoid {} → any transit", l.avoid_transit.join(", "));
        push("transit avoidance", setting, &|r| {
            r.latency.avoid_transit.clear()
        });
    }
    if !l.landing_jurisdictions.is_empty() {
        let setting = format!(
            "land only in {} → anywhere",
            l.landing_jurisdictions.join(", ")
        );
        push("landing jurisdictions", setting, &|r| {
            r.latency.landing_jurisdictions.clear()
        });
    }
    if !l.cable_owners.is_empty() {
        let setting = format!("cables of {} → any cable", l.cable_owners.join(", "));
        push("cable owners", setting, &|r| r.latency.cable_owners.clear());
    }
    let cfe = s.supply.cfe_target;
    if cfe > 0.0 {
        let lower = ((cfe - CFE_STEP) * 1e6).round() / 1e6;
        let lower = lower.max(0.0);
        push("CFE target", format!("CFE {cfe:.2} → {lower:.2}"), &|r| {
            r.supply.cfe_target = lower
        });
    }
    if !s.candidates.regions.is_empty() {
        let setting = format!("only {} → every region", s.candidates.regions.join(", "));
        push("region restriction", setting, &|r| {
            r.candidates.regions.clear()
        });
    }
    // A share of 1 also excluded the sites out of range (`crate::minerals`): relaxed through
    // the scenario so they come back; below 1 the row alone is removed (problem_promises).
    let mn = &s.minerals;
    if mn.in_force() && mn.min_share >= 1.0 {
        let setting = format!(
            "100 % of MW within {} km of critical minerals → no rule",
            mn.radius_km
        );
        push("mineral share", setting, &|r| r.minerals.min_share = 0.0);
    }
    if !s.model.exclude.is_empty() {
        let setting = format!("exclude {} → none excluded", s.model.exclude.join(", "));
        push("exclude list", setting, &|r| r.model.exclude.clear());
    }
    out
}

/// The promises relaxed in the base problem (same sites).
fn problem_promises(base: &Base<'_>) -> Vec<Promise> {
    let p = &base.outcome.prepared.problem;
    let mut out = Vec::new();
    let mut push = |name: &'static str, setting: String, f: &dyn Fn(&mut SitingProblem)| {
        let mut q = p.clone();
        f(&mut q);
        out.push(Promise {
            name,
            setting,
            relax: Relax::Problem(Box::new(q)),
        });
    };
    let redundant: Vec<String> = p
        .cities
        .iter()
        .filter(|c| c.min_sites >= 2)
        .map(|c| format!("{} {}", c.id, c.min_sites))
        .collect();
    if !redundant.is_empty() {
        let setting = format!("min_sites {} → 1", redundant.join(", "));
        push("redundancy", setting, &|q| {
            q.cities.iter_mut().for_each(|c| c.min_sites = 1);
            q.separation = None;
        });
    }
    if let Some(sep) = &p.separation {
        let setting = format!("redundant sites ≥ {} km apart → any distance", sep.min_km);
        push("separation", setting, &|q| q.separation = None);
    }
    if !p.contingencies.is_empty() {
        let setting = format!("{} failure domains survived → none", p.contingencies.len());
        push("N−1 survival", setting, &|q| q.contingencies.clear());
    }
    let mn = &base.scenario.minerals;
    if mn.min_share < 1.0
        && p.capacity_rows
            .iter()
            .any(|r| r.id == crate::minerals::ROW_ID)
    {
        let setting = format!(
            "≥ {:.0} % of MW within {} km of critical minerals → no rule",
            100.0 * mn.min_share,
            mn.radius_km
        );
        push("mineral share", setting, &|q| {
            q.capacity_rows.retain(|r| r.id != crate::minerals::ROW_ID)
        });
    }
    let must: Vec<&str> = p
        .sites
        .iter()
        .filter(|s| s.must_build)
        .map(|s| s.id.as_str())
        .collect();
    if !must.is_empty() {
        let setting = format!("must build {} → free choice", must.join(", "));
        push("must-build list", setting, &|q| {
            q.sites.iter_mut().for_each(|s| s.must_build = false)
        });
    }
    out
}

/// The price of every promise in force (see the module docs), in a fixed order; `counted`
/// is told one step per re-solve.
///
/// # Errors
/// Only internal failures of a re-solve; an infeasible or unsolved relaxation is a record.
pub fn prices(base: &Base<'_>, counted: &dyn Counted) -> Result<Vec<PolicyPrice>> {
    prices_of(base, &promises(base), counted)
}

/// The price of the mineral co-location rule alone (`None` when it is not in force).
///
/// # Errors
/// As [`prices`].
pub fn mineral_price(base: &Base<'_>, counted: &dyn Counted) -> Result<Option<PolicyPrice>> {
    let only: Vec<Promise> = problem_promises(base)
        .into_iter()
        .chain(scenario_promises(base.scenario))
        .filter(|p| p.name == "mineral share")
        .collect();
    Ok(prices_of(base, &only, counted)?.into_iter().next())
}

/// The prices of `list`, re-solved in parallel, in `list`'s order.
fn prices_of(base: &Base<'_>, list: &[Promise], counted: &dyn Counted) -> Result<Vec<PolicyPrice>> {
    use rayon::prelude::*;
    counted.start("policy prices", list.len() as u64);
    let optimum = base.optimum();
    let out = list
        .par_iter()
        .map(|pr| {
            let r = price(base, pr, optimum);
            counted.inc(1);
            r
        })
        .collect();
    counted.finish();
    out
}

/// What a relaxation's re-solve gave: the plan's cost and open site ids, or why none.
enum Resolved {
    Plan(f64, BTreeSet<String>),
    Failed(&'static str, String),
}

/// Solves one relaxation and prices it against `optimum`.
fn price(base: &Base<'_>, pr: &Promise, optimum: f64) -> Result<PolicyPrice> {
    let seed = base.outcome.seed();
    let resolved = match &pr.relax {
        Relax::Problem(q) => resolve_problem(q, &base.outcome.options, &seed)?,
        Relax::Scenario(s) => resolve_scenario(base, s, &seed)?,
    };
    let gap = base.outcome.options.mip_gap.max(1e-9);
    Ok(match resolved {
        Resolved::Plan(cost, open) => priced(base, pr, optimum, gap, cost, &open),
        Resolved::Failed(status, why) => PolicyPrice {
            promise: pr.name.into(),
            setting: pr.setting.clone(),
            status: status.into(),
            objective_without_aud_per_yr: None,
            delta_aud_per_yr: None,
            delta_pct: None,
            plan_changes: PlanChanges::default(),
            note: why,
        },
    })
}

/// The record of a solved relaxation: a delta within the gap is "not binding", price 0.
fn priced(
    base: &Base<'_>,
    pr: &Promise,
    optimum: f64,
    gap: f64,
    cost: f64,
    open: &BTreeSet<String>,
) -> PolicyPrice {
    let scale = optimum.abs().max(1e-9);
    let raw = optimum - cost;
    let binding = raw > gap * scale;
    let delta = if binding { raw } else { 0.0 };
    let before = base.open_ids();
    let changes = PlanChanges {
        opened: open.difference(&before).cloned().collect(),
        closed: before.difference(open).cloned().collect(),
    };
    let note = if binding {
        format!(
            "costs A${:.2} M/yr ({:.3} % of the plan); without it the best plan {}",
            delta / 1e6,
            100.0 * delta / scale,
            changes_text(&changes)
        )
    } else {
        format!(
            "does not bind: the best plan without it costs the same (within the relative gap {gap:.0e}); price 0"
        )
    };
    PolicyPrice {
        promise: pr.name.into(),
        setting: pr.setting.clone(),
        status: if binding { "priced" } else { "not binding" }.into(),
        objective_without_aud_per_yr: Some(cost),
        delta_aud_per_yr: Some(delta),
        delta_pct: Some(100.0 * delta / scale),
        plan_changes: changes,
        note,
    }
}

/// "opens A, B and closes C" / "keeps the same sites".
fn changes_text(c: &PlanChanges) -> String {
    match (c.opened.is_empty(), c.closed.is_empty()) {
        (true, true) => "keeps the same sites (sizes or allocation change)".into(),
        (false, true) => format!("opens {}", c.opened.join(", ")),
        (true, false) => format!("closes {}", c.closed.join(", ")),
        (false, false) => format!(
            "opens {} and closes {}",
            c.opened.join(", "),
            c.closed.join(", ")
        ),
    }
}

/// The base problem relaxed: diagnosed and solved exactly with the base run's options,
/// warm-started from the base solve (`seed`, indexed by the base problem, which has the same
/// sites, cities and zones as `q`): its promise rows that still fit, its multipliers and its
/// plan, which the relaxation keeps feasible (the engine still evaluates and checks it).
fn resolve_problem(q: &SitingProblem, opts: &SolveOptions, seed: &Seed) -> Result<Resolved> {
    let solved = crate::decide::alternatives::resolve_seeded(q, opts, seed);
    match solved {
        Ok((_, sol, _, _)) => Ok(Resolved::Plan(
            check(q, &sol).objective_recomputed,
            open_ids(q, &sol),
        )),
        Err(e) => failed(e),
    }
}

/// The pipeline run again on a relaxed scenario, its solve warm-started from the base solve
/// (`seed`, carried over to the relaxed problem by site, city and zone id:
/// [`crate::pipeline::run_seeded`]). Supply portfolios the relaxation does not change come
/// from the process's memo (or the on-disk cache), not the optimiser.
fn resolve_scenario(base: &Base<'_>, s: &Scenario, seed: &Seed) -> Result<Resolved> {
    let from = Some((&base.outcome.prepared.problem, seed));
    let none = crate::progress::NoProgress;
    match crate::pipeline::run_seeded(base.ds, base.demand, s, &mut |_, _, _| {}, &none, from) {
        Ok(o) => {
            let p = &o.prepared.problem;
            Ok(Resolved::Plan(
                check(p, &o.solution).objective_recomputed,
                open_ids(p, &o.solution),
            ))
        }
        Err(e) => failed(e),
    }
}

/// An infeasible or unsolved relaxation as a record; anything else stays an error.
fn failed(e: Error) -> Result<Resolved> {
    match e {
        Error::Infeasible { diagnosis, .. } => Ok(Resolved::Failed(
            "infeasible",
            format!("no plan without it: {diagnosis}"),
        )),
        Error::Usage { message, .. } => Ok(Resolved::Failed(
            "not computed",
            format!("not computed: {message}"),
        )),
        e => Err(e),
    }
}

//! How a siting problem is solved: solver backends behind one interface, chosen at run time
//! ([`backend`]), the exact dominance reduction ([`reduce`]), the Lagrangian relaxation and
//! reduced-cost fixing ([`lagrange`]), the primal heuristic ([`heuristic`]), the Lagrangian
//! branch and bound ([`branch`]) and the staged solve that puts them together ([`staged`]).
//!
//! The engine imports the model ([`crate::model`]) and the independent checker
//! ([`crate::check`]) only: it knows nothing of data, geometry or reports.

use crate::error::{Error, Result};
use crate::model::build::{build, BuiltModel};
use crate::model::{SitingProblem, Solution};

pub mod backend;
pub mod branch;
pub mod cliques;
pub mod heuristic;
pub mod lagrange;
pub mod lazy;
pub mod reduce;
pub mod staged;
pub mod warm;

pub use backend::{
    available_backends, backend_name, solve_lp, SolveOptions, SolveReport, SolveStatus,
};

/// Builds and solves a siting problem (no pre-solve diagnosis: see
/// [`crate::model::diagnose::diagnose`]).
///
/// Returns the report and the solution; a solve without a feasible solution (infeasible,
/// unbounded, time limit before any incumbent) is an error naming the status.
pub fn solve(p: &SitingProblem, opts: &SolveOptions) -> Result<(SolveReport, Solution)> {
    solve_plain_seeded(p, opts, &lazy::PromiseRows::default()).map(|r| (r.0, r.1))
}

/// [`solve`] seeded with promise rows of an earlier, related solve (see
/// [`lazy::PromiseRows`]; a sweep's samples, a fixed plan's evaluation): the same optimum,
/// usually in fewer rounds. Returns also every row present at its end.
pub fn solve_plain_seeded(
    p: &SitingProblem,
    opts: &SolveOptions,
    seed: &lazy::PromiseRows,
) -> Result<(SolveReport, Solution, lazy::PromiseRows)> {
    if !p.contingencies.is_empty() || p.separation.is_some() {
        // Promise rows generated on demand, each round one whole-MIP solve.
        let mut record = |_: &str, _: f64, _: &str| {};
        let mut sink = SolveSink {
            record: &mut record,
            progress: None,
        };
        let mut plain = |q: &SitingProblem, o: &SolveOptions, _: &mut SolveSink<'_>| {
            let model = build(q)?;
            let size = (
                model.lp.vars.len(),
                model.lp.rows.len(),
                model.lp.n_binaries(),
            );
            solve_built(q, &model, o).map(|(r, s)| (r, s, size, None))
        };
        return lazy::solve_seeded(p, opts, &mut sink, &mut plain, seed)
            .map(|(r, rows)| (r.0, r.1, rows));
    }
    let model = build(p)?;
    solve_built(p, &model, opts).map(|(r, s)| (r, s, lazy::PromiseRows::default()))
}

/// Solves an already built model of `p`.
pub fn solve_built(
    p: &SitingProblem,
    model: &BuiltModel,
    opts: &SolveOptions,
) -> Result<(SolveReport, Solution)> {
    let (report, values) = solve_lp(&model.lp, opts)?;
    match (report.status, values) {
        (s, Some(values)) if s.has_solution() => {
            let solution = model.solution(p, &values)?;
            Ok((report, solution))
        }
        (SolveStatus::Infeasible, _) => Err(Error::Infeasible {
            diagnosis: format!(
                "the {} solver proved the model infeasible ({} variables, {} constraints) \
                 although the pre-solve diagnosis found no single cause: a combination of \
                 capacities, latency limits, zone limits, max_sites and the cost cap or budget \
                 cannot all hold",
                report.backend, report.n_variables, report.n_constraints
            ),
            hint: "relax one limit at a time (--max-rtt-ms, --max-sites, --min-sites, the cost \
                   cap) to find the binding one"
                .into(),
        }),
        // Nothing found in time is the user's limit, not a failure: exit 1.
        (SolveStatus::TimeLimitNoSolution, _) => Err(Error::usage(
            format!(
                "{} reached the time limit ({:.1} s) before finding any feasible solution: nothing was found in time",
                report.backend, report.solve_time_s,
            ),
            format!(
                "raise --time-limit or restrict candidates (--region){}",
                if report.backend == "highs" {
                    ""
                } else {
                    ", or try --solver highs if compiled in"
                }
            ),
        )),
        (status, _) => Err(Error::Solver(format!(
            "{} ended with status {status:?} and no solution",
            report.backend
        ))),
    }
}

/// What [`solve_with_reduction`] returns: the solve report, the solution of the full problem,
/// the solved model's size (variables, constraints, binaries), and — when the exact dominance
/// reduction applied — (sites kept, the open-sites bound that proves it exact).
pub type ReducedSolve = (
    SolveReport,
    Solution,
    (usize, usize, usize),
    Option<(usize, usize)>,
);

/// A progress report from one phase of a solve (for a progress line or bar; the library never
/// prints).
#[derive(Debug, Clone, PartialEq)]
pub struct SolveProgress {
    /// Phase: `lagrangian`, `heuristic`, `fixing`, `mip` or `done`.
    pub phase: &'static str,
    /// Seconds since the solve started.
    pub elapsed_s: f64,
    /// Cost of the best plan so far (the MIP objective), if any.
    pub incumbent: Option<f64>,
    /// Best proven lower bound so far, if any.
    pub bound: Option<f64>,
    /// A short note (iteration, sites fixed, …).
    pub note: String,
}

impl SolveProgress {
    /// Relative gap between incumbent and bound.
    pub fn gap(&self) -> Option<f64> {
        backend::relative_gap(self.incumbent, self.bound)
    }

    /// One line: phase, elapsed time, incumbent, bound, gap and note.
    pub fn line(&self) -> String {
        let v = |x: Option<f64>| x.map_or("-".to_string(), money_7);
        format!(
            "{:<10} {:>7.2} s  incumbent {}  bound {}  gap {}  {}",
            self.phase,
            self.elapsed_s,
            v(self.incumbent),
            v(self.bound),
            self.gap()
                .map_or("-".to_string(), |g| format!("{:.4} %", g * 100.0)),
            self.note
        )
    }
}

/// Money to 7 significant digits in words people read (`A$2.672808 B`, `A$256.6123 M`),
/// for progress lines: close enough to follow a gap, without the `2.672808e9` float style.
pub(crate) fn money_7(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, " B")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    // Decimals so that the number has 7 significant digits (at least 0).
    let int_digits = if v.abs() >= 1.0 {
        v.abs().log10().floor() as usize + 1
    } else {
        1
    };
    format!(
        "A${v:.prec$}{unit}",
        prec = 7usize.saturating_sub(int_digits)
    )
}

/// Where a solve reports: stage timings (`record`, as in [`solve_with_reduction`]) and
/// progress (`progress`; when absent, progress goes to `record` as stage `progress` with a NaN
/// duration).
pub struct SolveSink<'a> {
    /// Stage timings: (stage, seconds — NaN when starting —, note).
    pub record: &'a mut dyn FnMut(&str, f64, &str),
    /// Progress events.
    pub progress: Option<&'a mut dyn FnMut(&SolveProgress)>,
}

impl SolveSink<'_> {
    fn progress(&mut self, ev: SolveProgress) {
        match self.progress.as_mut() {
            Some(f) => f(&ev),
            None => (self.record)("progress", f64::NAN, &ev.line()),
        }
    }
}

/// Solves `p` exactly (least-cost objective: Lagrangian bound, heuristic, dominance reduction,
/// reduced-cost fixing, then one MIP; other objectives: the two-pass dominance solve, or the
/// whole MIP). Progress goes to `record` as stage `progress` (see [`SolveSink`]).
pub fn solve_with_reduction(
    p: &SitingProblem,
    opts: &SolveOptions,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    solve_with_sink(
        p,
        opts,
        &mut SolveSink {
            record,
            progress: None,
        },
    )
}

/// [`solve_with_sink`] seeded with the promise rows of an earlier, related solve (the base
/// plan's, for a margin's or a policy's re-solve; see [`lazy::PromiseRows`]): the same optimum,
/// usually in fewer rounds of row generation. Returns also every row present at its end, to
/// seed the next one (empty when `p` has no N−1 or separation promise).
pub fn solve_seeded(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    seed: &lazy::PromiseRows,
) -> Result<(ReducedSolve, lazy::PromiseRows)> {
    solve_warm(p, opts, sink, &warm::Seed::from_rows(seed.clone())).map(|(r, s)| (r, s.rows))
}

/// [`solve_with_sink`] warm-started from a related solve ([`warm::Seed`]: promise rows,
/// Lagrangian multipliers, an incumbent to repair): the same optimum — rows are valid
/// inequalities, multipliers only move where the subgradient starts, and the incumbent is
/// repaired, evaluated exactly and checked on `p` before it bounds anything — usually in
/// fewer subgradient iterations and heuristic evaluations. A seed indexed by another problem
/// (wrong lengths) is ignored part by part. Returns the seed of this solve: every promise row
/// present at its end, the last relaxation's multipliers (indexed by `p`; `None` when the
/// staged solve did not run, e.g. another objective) and the plan's open set.
pub fn solve_warm(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    seed: &warm::Seed,
) -> Result<(ReducedSolve, warm::Seed)> {
    opts.validate()?;
    crate::model::build::validate(p)?;
    let mut last: Option<lagrange::Multipliers> = None;
    // A later round of promise rows starts from the previous round's plan (repaired and
    // checked like any seeded incumbent): with a capacity row and a new separation cap the
    // heuristic alone can find no plan, and the fallback is a whole-problem MIP.
    let mut previous: Option<Vec<bool>> = None;
    let mut solve_rows = |q: &SitingProblem, o: &SolveOptions, s: &mut SolveSink<'_>| {
        let given = seed.incumbent_for(q).map(<[bool]>::to_vec);
        let start = staged::Start {
            multipliers: seed.multipliers.clone(),
            incumbent: given.or_else(|| previous.take()),
        };
        let (r, m) = solve_start(q, o, s, &start)?;
        last = m;
        previous = Some(r.1.open.clone());
        Ok(r)
    };
    let (r, rows) = if p.contingencies.is_empty() && p.separation.is_none() {
        (solve_rows(p, opts, sink)?, lazy::PromiseRows::default())
    } else {
        lazy::solve_seeded(p, opts, sink, &mut solve_rows, &seed.rows)?
    };
    let out = warm::Seed {
        rows,
        multipliers: last,
        incumbent: Some(r.1.open.clone()),
    };
    Ok((r, out))
}

/// [`solve_with_reduction`] with a separate progress sink.
///
/// Every objective first gets each site's largest size lowered to what the hard shared limits
/// allow on their own ([`crate::engine::reduce::tighten_sizes`]: the same plans, stronger
/// relaxations).
///
/// # Least cost: the staged exact solve
/// 1. Dominance with `m₁ = Σ k_j` keeps a small candidate set; on it the Lagrangian relaxation
///    ([`crate::engine::lagrange`]) is optimised by subgradient steps while the primal heuristic
///    ([`crate::engine::heuristic`]) turns its open sets into plans, then local search. The best
///    plan is a feasible plan of the full problem: its cost `UB` is an upper bound.
/// 2. `UB` bounds the number of sites an optimal plan opens (`m`, see
///    [`crate::engine::reduce::open_sites_bound`]), and the exact reductions keep the sites with
///    fewer than `m` dominators ([`crate::engine::reduce::reduce`]) and, of those, the sites
///    that are among the `m` cheapest of their class at some size
///    ([`crate::engine::reduce::reduce_envelope`]) — no second full solve.
/// 3. On those sites the relaxation is optimised again (warm-started, towards `UB`) with the
///    heuristic. If its plan lowers `m`, steps 2–3 repeat on the sites kept (at most
///    `REDUCE_ROUNDS` rounds). Then the bound `L` and reduced-cost fixing close (or open) every
///    site whose forced value would cost ≥ `UB`.
/// 4. If `L` already meets `UB` within the MIP gap the incumbent is returned with its proof.
///    Otherwise one MIP is solved on the sites left free or fixed open, with the cutoff row
///    `objective ≤ UB`: any plan better than `UB` satisfies the fixing, so the MIP's answer (or
///    its infeasibility, which proves the incumbent optimal) settles the optimum. The bound
///    reported is `max(L, min(UB, MIP bound))`.
///
/// If the heuristic finds no plan, the two-pass dominance solve is used instead.
pub fn solve_with_sink(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
) -> Result<ReducedSolve> {
    // The gap and the time limit are checked before any work or deadline arithmetic (issue
    // 10: 1e300 s panicked).
    opts.validate()?;
    // The same plans with sizes the shared limits allow on their own: stronger relaxations
    // (`reduce::tighten_sizes`). Solutions keep the site indices, so they are `p`'s. The
    // problem as given is validated first, so that a tightened size cannot hide a bad one
    // (an infinite `max_mw` under a shared limit).
    crate::model::build::validate(p)?;
    if !p.contingencies.is_empty() || p.separation.is_some() {
        // N−1 and separation: rows generated on demand, each round solved exactly here.
        return lazy::solve(p, opts, sink, &mut |q, o, s| solve_with_sink(q, o, s));
    }
    solve_start(p, opts, sink, &staged::Start::default()).map(|r| r.0)
}

/// [`solve_with_sink`] of a problem without N−1 or separation promises (`p` validated),
/// the staged solve starting from `start`; also the staged solve's last multipliers, indexed
/// by `p` (`None` when it did not run).
fn solve_start(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    start: &staged::Start,
) -> Result<(ReducedSolve, Option<lagrange::Multipliers>)> {
    let tightened = crate::engine::reduce::tighten_sizes(p);
    let p = tightened.as_ref().unwrap_or(p);
    if p.objective == crate::scenario::Objective::MinCost && !p.sites.is_empty() {
        if let Some((r, m)) = staged::staged(p, opts, sink, start)? {
            return Ok((r, Some(m)));
        }
        (sink.record)(
            "heuristic",
            0.0,
            "no plan found by the heuristic: two-pass dominance solve",
        );
    }
    staged::solve_two_pass(p, opts, sink.record).map(|r| (r, None))
}

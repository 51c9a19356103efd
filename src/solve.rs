//! Solver backends, compiled in through cargo features and chosen at run time by name.
//!
//! - `microlp` (feature `microlp`, default): pure Rust branch and bound. Through good_lp it
//!   takes a time limit and a relative MIP gap; its statistics give the best proven bound and
//!   gap (`microlp::Stats::best_bound`, `gap`), reported as they are (`None` when it has none).
//!   When the limit expires before any feasible point, good_lp returns an error: reported as
//!   [`SolveStatus::TimeLimitNoSolution`].
//! - `highs` (feature `highs`, opt-in): HiGHS. The model is built through good_lp, then solved
//!   on the raw HiGHS model so that the status, the MIP dual bound (`mip_dual_bound`) and the
//!   gap (`mip_gap`) are read from HiGHS itself. `mip_rel_gap` is always set explicitly (HiGHS'
//!   own default is 1e-4), as is `time_limit` when given.
//!
//! The default backend is `highs` if compiled in, else `microlp`.

use crate::error::{Error, Result};
use crate::model::build::{build, BuiltModel, LinearProgram, RowSense};
use crate::model::{SitingProblem, Solution};
use crate::scenario::SolverParams;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Names of the backends compiled into this build, preferred first.
pub fn available_backends() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "highs") {
        v.push("highs");
    }
    if cfg!(feature = "microlp") {
        v.push("microlp");
    }
    v
}

/// Resolves a backend name (`None`: the default) to a compiled-in backend name.
pub fn backend_name(name: Option<&str>) -> Result<&'static str> {
    let available = available_backends();
    match name {
        None => available.first().copied().ok_or_else(|| {
            Error::usage(
                "no solver backend is compiled in",
                "build with `--features microlp` or `--features highs`",
            )
        }),
        Some(n) => {
            let lower = n.to_ascii_lowercase();
            available
                .iter()
                .copied()
                .find(|a| *a == lower)
                .ok_or_else(|| {
                    let known = ["microlp", "highs"].contains(&lower.as_str());
                    Error::usage(
                        format!(
                            "solver `{n}` is {}; available in this build: {}",
                            if known { "not compiled in" } else { "unknown" },
                            available.join(", ")
                        ),
                        if lower == "highs" {
                            "rebuild with `cargo build --release --features highs` (needs cmake and libclang)"
                        } else {
                            "use --solver with one of the names listed"
                        },
                    )
                })
        }
    }
}

/// Options of one solve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolveOptions {
    /// Backend name (`None`: default).
    pub backend: Option<String>,
    /// Wall-clock limit, seconds (`None`: no limit).
    pub time_limit_s: Option<f64>,
    /// Relative MIP gap at which the solver may stop.
    pub mip_gap: f64,
}

impl SolveOptions {
    /// Checks the gap and the time limit, before any work (a bad value is a usage error).
    pub fn validate(&self) -> Result<()> {
        if !(self.mip_gap.is_finite() && (0.0..1.0).contains(&self.mip_gap)) {
            return Err(Error::usage(
                format!(
                    "MIP gap must be a fraction in [0, 1), found {}",
                    self.mip_gap
                ),
                "e.g. --mip-gap 1e-6",
            ));
        }
        if let Some(t) = self.time_limit_s {
            crate::limits::time_limit("time limit", t)?;
        }
        Ok(())
    }
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            backend: None,
            time_limit_s: None,
            mip_gap: 1e-6,
        }
    }
}

impl From<&SolverParams> for SolveOptions {
    fn from(s: &SolverParams) -> Self {
        SolveOptions {
            backend: s.backend.clone(),
            time_limit_s: Some(s.time_limit_s),
            mip_gap: s.mip_gap,
        }
    }
}

/// How a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolveStatus {
    /// Proven optimal (within the requested gap, which is ≤ the solver's tolerance).
    Optimal,
    /// Stopped with a feasible solution whose gap is within the requested MIP gap (> 0).
    GapLimit,
    /// Stopped at the time (or another) limit with a feasible solution.
    TimeLimitFeasible,
    /// Stopped at the time limit without any feasible solution.
    TimeLimitNoSolution,
    /// The model is infeasible.
    Infeasible,
    /// The model is unbounded.
    Unbounded,
}

impl SolveStatus {
    /// True if the solve produced a feasible solution.
    pub fn has_solution(self) -> bool {
        matches!(
            self,
            SolveStatus::Optimal | SolveStatus::GapLimit | SolveStatus::TimeLimitFeasible
        )
    }
}

/// What a solve reports (model.md §7: status, objective, bound, gap, time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolveReport {
    /// Backend name.
    pub backend: String,
    /// How it ended.
    pub status: SolveStatus,
    /// Objective of the solution found (the model's objective, see `model::build`), if any.
    pub objective: Option<f64>,
    /// Best proven bound on the objective, as reported by the backend (`None`: not reported).
    pub best_bound: Option<f64>,
    /// Relative gap `|objective − best_bound| / max(|objective|, 1e-9)`, computed here from
    /// the two values above (`None` without a bound).
    pub gap: Option<f64>,
    /// Wall-clock seconds spent in the backend (model transfer included).
    pub solve_time_s: f64,
    /// Number of variables.
    pub n_variables: usize,
    /// Number of constraints.
    pub n_constraints: usize,
    /// Number of binary variables.
    pub n_binaries: usize,
}

fn relative_gap(objective: Option<f64>, bound: Option<f64>) -> Option<f64> {
    let (o, b) = (objective?, bound?);
    if !(o.is_finite() && b.is_finite()) {
        return None;
    }
    Some(((o - b).abs() / o.abs().max(1e-9)).max(0.0))
}

/// Raw result of a backend.
struct Raw {
    status: SolveStatus,
    values: Option<Vec<f64>>,
    objective: Option<f64>,
    bound: Option<f64>,
}

/// Solves a [`LinearProgram`]; the values (one per variable) are `Some` when a feasible
/// solution was found.
pub fn solve_lp(
    lp: &LinearProgram,
    opts: &SolveOptions,
) -> Result<(SolveReport, Option<Vec<f64>>)> {
    let backend = backend_name(opts.backend.as_deref())?;
    opts.validate()?;
    let start = Instant::now();
    let raw = match trivial(lp) {
        Some(raw) => raw,
        None => dispatch(backend, lp, opts)?,
    };
    let solve_time_s = start.elapsed().as_secs_f64();
    let objective = raw
        .objective
        .or_else(|| raw.values.as_ref().map(|v| lp.objective_value(v)));
    let gap = relative_gap(objective, raw.bound);
    // A "gap limit" stop with the bound equal to the objective is a proof of optimality.
    let status = match (raw.status, gap) {
        (SolveStatus::GapLimit, Some(g)) if g <= 1e-9 => SolveStatus::Optimal,
        (s, _) => s,
    };
    let report = SolveReport {
        backend: backend.to_string(),
        status,
        objective,
        best_bound: raw.bound,
        gap,
        solve_time_s,
        n_variables: lp.vars.len(),
        n_constraints: lp.rows.len(),
        n_binaries: lp.n_binaries(),
    };
    Ok((report, raw.values))
}

fn dispatch(backend: &str, lp: &LinearProgram, opts: &SolveOptions) -> Result<Raw> {
    match backend {
        #[cfg(feature = "microlp")]
        "microlp" => microlp_backend::solve(lp, opts),
        #[cfg(feature = "highs")]
        "highs" => highs_backend::solve(lp, opts),
        other => Err(Error::Internal(format!("backend `{other}` not dispatched"))),
    }
}

/// Solves a programme none of whose rows has a term (or that has no variables) directly:
/// every variable at the bound its cost prefers. HiGHS answers such a model with
/// "model empty" rather than a solution, and the staged engine's fixed-set LPs can be
/// empty, so both backends share this path. `None`: the programme has constraints.
fn trivial(lp: &LinearProgram) -> Option<Raw> {
    if lp
        .rows
        .iter()
        .any(|r| r.terms.iter().any(|&(_, a)| a != 0.0))
    {
        return None;
    }
    let rows_hold = lp.rows.iter().all(|r| match r.sense {
        crate::model::build::RowSense::Le => 0.0 <= r.rhs,
        crate::model::build::RowSense::Eq => r.rhs == 0.0,
    });
    let mut cost = vec![0.0; lp.vars.len()];
    for &(j, c) in &lp.objective {
        if let Some(slot) = cost.get_mut(j) {
            *slot += if lp.maximise { -c } else { c };
        }
    }
    let mut values = Vec::with_capacity(lp.vars.len());
    for (v, &c) in lp.vars.iter().zip(&cost) {
        let (lo, hi) = if v.integer {
            (v.lower.ceil(), v.upper.floor())
        } else {
            (v.lower, v.upper)
        };
        if lo > hi || !rows_hold {
            return Some(Raw::none(SolveStatus::Infeasible));
        }
        let x = if c > 0.0 {
            lo
        } else if c < 0.0 {
            hi
        } else if lo.is_finite() {
            lo
        } else if hi.is_finite() {
            hi
        } else {
            0.0
        };
        if !x.is_finite() {
            return Some(Raw::none(SolveStatus::Unbounded));
        }
        values.push(x);
    }
    if !rows_hold {
        return Some(Raw::none(SolveStatus::Infeasible));
    }
    let objective = lp.objective_value(&values);
    Some(Raw {
        status: SolveStatus::Optimal,
        values: Some(values),
        objective: Some(objective),
        bound: Some(objective),
    })
}

/// Builds and solves a siting problem (no pre-solve diagnosis: see
/// [`crate::model::diagnose::diagnose`]).
///
/// Returns the report and the solution; a solve without a feasible solution (infeasible,
/// unbounded, time limit before any incumbent) is an error naming the status.
pub fn solve(p: &SitingProblem, opts: &SolveOptions) -> Result<(SolveReport, Solution)> {
    let model = build(p)?;
    solve_built(p, &model, opts)
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
        relative_gap(self.incumbent, self.bound)
    }

    /// One line: phase, elapsed time, incumbent, bound, gap and note.
    pub fn line(&self) -> String {
        let v = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.6e}"));
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

/// [`solve_with_reduction`] with a separate progress sink.
///
/// Every objective first gets each site's largest size lowered to what the hard shared limits
/// allow on their own ([`crate::model::reduce::tighten_sizes`]: the same plans, stronger
/// relaxations).
///
/// # Least cost: the staged exact solve
/// 1. Dominance with `m₁ = Σ k_j` keeps a small candidate set; on it the Lagrangian relaxation
///    ([`crate::model::lagrange`]) is optimised by subgradient steps while the primal heuristic
///    ([`crate::model::heuristic`]) turns its open sets into plans, then local search. The best
///    plan is a feasible plan of the full problem: its cost `UB` is an upper bound.
/// 2. `UB` bounds the number of sites an optimal plan opens (`m`, see
///    [`crate::model::reduce::open_sites_bound`]), and the exact reductions keep the sites with
///    fewer than `m` dominators ([`crate::model::reduce::reduce`]) and, of those, the sites
///    that are among the `m` cheapest of their class at some size
///    ([`crate::model::reduce::reduce_envelope`]) — no second full solve.
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
    let tightened = crate::model::reduce::tighten_sizes(p);
    let p = tightened.as_ref().unwrap_or(p);
    if p.objective == crate::scenario::Objective::MinCost && !p.sites.is_empty() {
        if let Some(r) = staged(p, opts, sink)? {
            return Ok(r);
        }
        (sink.record)(
            "heuristic",
            0.0,
            "no plan found by the heuristic: two-pass dominance solve",
        );
    }
    solve_two_pass(p, opts, sink.record)
}

/// Above this many variables in the MIP left after fixing, the Lagrangian branch and bound
/// ([`crate::model::branch`]) is used instead of the backend. With 4,000 the 100k × 47 run
/// (53 free sites, 2,639 variables) took 57.6 s wall, microlp's MIP 37 s of it; with 2,000 it
/// takes 38.3 s (branch and bound 18 s). The 10k × 47 run (45 free sites, 2,245 variables):
/// 25.9 s against 27.5 s. The OR-Library instances and the national runs time the same.
const BRANCH_ABOVE_VARIABLES: usize = 2000;

/// Local search (up to 60 exact LP evaluations) runs only on candidate sets larger than this:
/// on smaller ones the exact MIP is cheaper than the search (OR-Library cap41–cap134, 16–50
/// sites: 2.0 → 1.1 CPU-s for the 37 instances, every one still proven optimal).
const LOCAL_SEARCH_ABOVE_SITES: usize = 64;

/// Rounds of reduction and relaxation in the staged solve (steps 2–3): another round runs while
/// the last round's plan lowers the open-sites bound. On 100k × 47 the second round keeps 877
/// sites instead of 3,692 and its Polyak target (the better plan) lifts the bound from 0.37 % to
/// 0.17 % below the optimum.
const REDUCE_ROUNDS: usize = 3;

/// The subgradient stops when reduced-cost fixing leaves at most this many free sites.
const STOP_FREE: usize = 12;

fn staged(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
) -> Result<Option<ReducedSolve>> {
    use crate::model::heuristic::Heuristic;
    use crate::model::lagrange::{reduced_cost_fixing, Fix, Relaxation, SubgradientParams};
    use crate::model::reduce;
    // `p` was validated by `solve_with_sink` (before its sizes were tightened, which keeps it
    // valid: sizes only fall, to finite values ≥ 0).
    let backend = backend_name(opts.backend.as_deref())?;
    let started = Instant::now();
    let deadline = opts
        .time_limit_s
        .map(|t| started + std::time::Duration::from_secs_f64(t));
    let n = p.sites.len();
    let elapsed = || started.elapsed().as_secs_f64();

    // 1. Small candidate set, relaxation and heuristic.
    let t = Instant::now();
    let m1 = p
        .cities
        .iter()
        .map(|c| c.min_sites.max(1) as usize)
        .sum::<usize>()
        .max(1);
    let kept1 = reduce::reduce_exact(p, m1);
    (sink.record)(
        "dominance",
        t.elapsed().as_secs_f64(),
        &format!(
            "{} of {n} sites have fewer than {m1} dominators (heuristic set)",
            kept1.len()
        ),
    );
    let q1 = reduce::restrict(p, &kept1);
    let Some(rel1) = Relaxation::new(&q1) else {
        return Ok(None);
    };
    let t = Instant::now();
    let fix1 = rel1.base_fixing();
    let mut heur1 = Heuristic::new(&q1, opts).with_deadline(deadline);
    // Stop once reduced-cost fixing leaves few enough sites for the exact stage.
    let params = SubgradientParams {
        stop_free: STOP_FREE,
        deadline,
        ..SubgradientParams::default()
    };
    let mut best_bound1 = f64::NEG_INFINITY;
    let mut err: Option<Error> = None;
    let (ev1, mult1) = {
        let mut on_iter = |it: usize, ev: &crate::model::lagrange::Evaluation| -> Option<f64> {
            best_bound1 = best_bound1.max(ev.value);
            if err.is_none() && (it < 3 || it % 25 == 0) {
                if let Err(e) = heur1.from_relaxation(&ev.open, &ev.h, &fix1, 3) {
                    err = Some(e);
                }
            }
            sink.progress(SolveProgress {
                phase: "lagrangian",
                elapsed_s: elapsed(),
                incumbent: heur1.best.as_ref().map(|b| b.cost),
                bound: best_bound1.is_finite().then_some(best_bound1),
                note: format!("heuristic set, iteration {it}"),
            });
            heur1.best.as_ref().map(|b| b.cost)
        };
        rel1.optimise(
            rel1.initial_multipliers(),
            &fix1,
            f64::INFINITY,
            &params,
            &mut on_iter,
        )
    };
    if let Some(e) = err {
        return Err(e);
    }
    heur1.from_relaxation(&ev1.open, &ev1.h, &fix1, 3)?;
    if q1.sites.len() > LOCAL_SEARCH_ABOVE_SITES {
        heur1.local_search(&ev1.h, &fix1, 60, deadline)?;
    }
    (sink.record)(
        "heuristic",
        t.elapsed().as_secs_f64(),
        &format!(
            "{} LP evaluations; plan {}",
            heur1.evaluations,
            heur1
                .best
                .as_ref()
                .map_or("none".to_string(), |b| format!("{:.6e}", b.cost))
        ),
    );
    let Some(inc1) = heur1.best.take() else {
        return Ok(None);
    };
    let mut inc_full = reduce::expand(&inc1.solution, &kept1, n);
    let mut ub = crate::check::check(p, &inc_full).objective_recomputed;

    // 2–3. Exact dominance reduction from the incumbent's cost, then the relaxation on the
    // sites kept, warm-started, with the heuristic. A better plan from step 3 can lower the
    // open-sites bound `m`; then the reduction and relaxation are repeated on the sites kept
    // (exact: the plans of the reduced problem are plans of `p`, so the bound from `p`'s data
    // holds for it), with a closer Polyak target (up to `REDUCE_ROUNDS` rounds).
    let mut kept_prev = kept1.clone();
    let mut mult_prev = mult1;
    let mut base_set: Option<Vec<usize>> = None;
    let mut round = 0usize;
    let (m, kept2, q2, ev2, mult2, best2) = loop {
        round += 1;
        let t = Instant::now();
        let m = reduce::open_sites_bound(p, ub);
        let kept2: Vec<usize> = match &base_set {
            _ if m >= usize::MAX / 2 => (0..n).filter(|&i| !p.sites[i].excluded).collect(),
            None => reduce::reduce_exact(p, m),
            Some(base) => {
                let qb = reduce::restrict(p, base);
                reduce::reduce_exact(&qb, m)
                    .into_iter()
                    .map(|k| base[k])
                    .collect()
            }
        };
        (sink.record)(
            "dominance",
            t.elapsed().as_secs_f64(),
            &format!(
                "the plan's cost bounds open sites at {}: {} of {n} sites have fewer dominators",
                if m >= usize::MAX / 2 {
                    "∞".to_string()
                } else {
                    m.to_string()
                },
                kept2.len()
            ),
        );
        let q2 = reduce::restrict(p, &kept2);

        let t = Instant::now();
        let Some(rel2) = Relaxation::new(&q2) else {
            return Ok(None);
        };
        let base2 = rel2.base_fixing();
        let mut heur2 = Heuristic::new(&q2, opts).with_deadline(deadline);
        let same_set = kept2 == kept1;
        let mut params2 = params.clone();
        if same_set {
            heur2.offer(inc1.clone());
            if round == 1 {
                // Same sites: the first relaxation's best multipliers and plan carry over.
                params2.max_iter = 0;
            }
        }
        let mut best_bound2 = f64::NEG_INFINITY;
        let ub_start = ub;
        let (ev2, mult2) = {
            let mut on_iter = |it: usize, ev: &crate::model::lagrange::Evaluation| -> Option<f64> {
                best_bound2 = best_bound2.max(ev.value);
                if err.is_none() && it % 25 == 0 {
                    if let Err(e) = heur2.from_relaxation(&ev.open, &ev.h, &base2, 3) {
                        err = Some(e);
                    }
                }
                let inc = heur2.ub().min(ub_start);
                sink.progress(SolveProgress {
                    phase: "lagrangian",
                    elapsed_s: elapsed(),
                    incumbent: Some(inc),
                    bound: best_bound2.is_finite().then_some(best_bound2),
                    note: format!("{} sites, iteration {it}", q2.sites.len()),
                });
                Some(inc)
            };
            // Per-site multipliers follow their sites from the previous candidate set.
            let mut start = mult_prev.clone();
            let mut at = vec![usize::MAX; n];
            for (k, &i) in kept_prev.iter().enumerate() {
                at[i] = k;
            }
            start.site_zone = kept2
                .iter()
                .map(|&i| start.site_zone.get(at[i]).copied().unwrap_or(0.0))
                .collect();
            rel2.optimise(start, &base2, ub, &params2, &mut on_iter)
        };
        if let Some(e) = err {
            return Err(e);
        }
        if !(same_set && round == 1) {
            heur2.from_relaxation(&ev2.open, &ev2.h, &base2, 3)?;
            if q2.sites.len() > LOCAL_SEARCH_ABOVE_SITES {
                heur2.local_search(&ev2.h, &base2, 60, deadline)?;
            }
        }
        let best2 = heur2.best.take();
        if let Some(b) = &best2 {
            let full = reduce::expand(&b.solution, &kept2, n);
            let c = crate::check::check(p, &full).objective_recomputed;
            if c < ub {
                ub = c;
                inc_full = full;
            }
        }
        (sink.record)(
            "lagrangian",
            t.elapsed().as_secs_f64(),
            &format!(
                "{} sites: bound {:.6e}, plan {ub:.6e}",
                q2.sites.len(),
                ev2.value
            ),
        );
        let out_of_time = deadline.is_some_and(|d| Instant::now() >= d);
        if round < REDUCE_ROUNDS && !out_of_time && reduce::open_sites_bound(p, ub) < m {
            kept_prev = kept2.clone();
            mult_prev = mult2;
            base_set = Some(kept2);
            continue;
        }
        break (m, kept2, q2, ev2, mult2, best2);
    };
    let dominance = (kept2.len() < n).then_some((kept2.len(), m));
    let Some(rel2) = Relaxation::new(&q2) else {
        return Ok(None);
    };
    let base2 = rel2.base_fixing();
    let mut heur2 = Heuristic::new(&q2, opts).with_deadline(deadline);
    if let Some(b) = best2 {
        heur2.offer(b);
    }
    let t = Instant::now();
    let lower = ev2.value;
    let fix = reduced_cost_fixing(&rel2, &ev2, &base2, ub);
    let n_closed = fix
        .iter()
        .zip(&base2)
        .filter(|(f, b)| **f == Fix::Closed && **b == Fix::Free)
        .count();
    let n_open = fix
        .iter()
        .zip(&base2)
        .filter(|(f, b)| **f == Fix::Open && **b == Fix::Free)
        .count();
    let n_free = fix.iter().filter(|f| **f == Fix::Free).count();
    (sink.record)(
        "fixing",
        t.elapsed().as_secs_f64(),
        &format!(
            "bound {lower:.6e}, plan {ub:.6e}; reduced-cost fixing closed {n_closed} and opened {n_open} sites, {n_free} left free"
        ),
    );
    sink.progress(SolveProgress {
        phase: "fixing",
        elapsed_s: elapsed(),
        incumbent: Some(ub),
        bound: Some(lower),
        note: format!("closed {n_closed}, opened {n_open}, {n_free} free"),
    });

    // 4. Proven already, or one MIP on what is left.
    let kept3: Vec<usize> = (0..q2.sites.len())
        .filter(|&i| fix[i] != Fix::Closed)
        .collect();
    let mut q3 = reduce::restrict(&q2, &kept3);
    for (k, &i) in kept3.iter().enumerate() {
        if fix[i] == Fix::Open {
            q3.sites[k].must_build = true;
        }
    }
    let t = Instant::now();
    let mut built = build(&q3)?;
    let size = (
        built.lp.vars.len(),
        built.lp.rows.len(),
        built.lp.n_binaries(),
    );
    let proven = relative_gap(Some(ub), Some(lower)).is_some_and(|g| g <= opts.mip_gap);
    let (status, bound) = if proven || kept3.is_empty() {
        (
            SolveStatus::Optimal,
            if kept3.is_empty() { ub } else { lower },
        )
    } else if size.0 > BRANCH_ABOVE_VARIABLES {
        // Too large for the backend's branch and bound: Lagrangian branch and bound.
        (sink.record)(
            "branch",
            f64::NAN,
            &format!(
                "started: Lagrangian branch and bound on {n_free} free sites ({} variables in the MIP)",
                size.0
            ),
        );
        let t = Instant::now();
        let ub_fix = ub;
        let res = {
            let mut prog = |nodes: usize, open: usize, inc: f64, b: f64| {
                sink.progress(SolveProgress {
                    phase: "branch",
                    elapsed_s: elapsed(),
                    incumbent: Some(inc),
                    bound: Some(b.max(lower)),
                    note: format!("{nodes} nodes, {open} open"),
                })
            };
            crate::model::branch::branch_and_bound(
                &rel2,
                &mut heur2,
                fix.clone(),
                mult2,
                lower,
                ub_fix,
                opts.mip_gap,
                deadline,
                &mut prog,
            )?
        };
        (sink.record)(
            "branch",
            t.elapsed().as_secs_f64(),
            &format!(
                "{} nodes, {}",
                res.nodes,
                if res.complete {
                    "complete"
                } else {
                    "stopped at the time limit"
                }
            ),
        );
        if let Some(b) = heur2.best.take() {
            let full = reduce::expand(&b.solution, &kept2, n);
            let c = crate::check::check(p, &full).objective_recomputed;
            if c < ub {
                ub = c;
                inc_full = full;
            }
        }
        let b = res.bound.min(ub_fix).max(lower);
        let st = if res.complete {
            SolveStatus::GapLimit
        } else {
            SolveStatus::TimeLimitFeasible
        };
        (st, b)
    } else {
        // Cutoff: only plans better than the incumbent.
        let cutoff = ub + 1e-9 * ub.abs().max(1.0);
        let terms = built.lp.objective.clone();
        built.lp.rows.push(crate::model::build::Row {
            terms,
            sense: RowSense::Le,
            rhs: cutoff - built.lp.objective_constant,
        });
        (sink.record)(
            "model build",
            t.elapsed().as_secs_f64(),
            &format!(
                "{} variables ({} binary), {} constraints (with the cutoff row)",
                size.0, size.2, size.1
            ),
        );
        let remaining = SolveOptions {
            time_limit_s: opts
                .time_limit_s
                .map(|tl| (tl - started.elapsed().as_secs_f64()).max(1.0)),
            ..opts.clone()
        };
        (sink.record)(
            "solve",
            f64::NAN,
            &format!(
                "started: {backend} backend on {} sites, time limit {:.0} s, relative gap {:.0e}",
                q3.sites.len(),
                remaining.time_limit_s.unwrap_or(f64::INFINITY),
                opts.mip_gap
            ),
        );
        sink.progress(SolveProgress {
            phase: "mip",
            elapsed_s: elapsed(),
            incumbent: Some(ub),
            bound: Some(lower),
            note: format!("{} sites", q3.sites.len()),
        });
        let t = Instant::now();
        let (sr, values) = solve_lp(&built.lp, &remaining)?;
        (sink.record)(
            "solve",
            t.elapsed().as_secs_f64(),
            &format!("{} {:?}", sr.backend, sr.status),
        );
        let ub_fix = ub;
        match (sr.status, values) {
            (s, Some(values)) if s.has_solution() => {
                let sol3 = built.solution(&q3, &values)?;
                let full =
                    reduce::expand(&reduce::expand(&sol3, &kept3, q2.sites.len()), &kept2, n);
                let chk = crate::check::check(p, &full);
                if chk.feasible && chk.objective_recomputed < ub {
                    ub = chk.objective_recomputed;
                    inc_full = full;
                }
                let b = sr.best_bound.map_or(lower, |b| lower.max(b.min(ub_fix)));
                let st = match s {
                    SolveStatus::Optimal | SolveStatus::GapLimit => SolveStatus::GapLimit,
                    other => other,
                };
                (st, b)
            }
            // No plan better than the incumbent: it is optimal.
            (SolveStatus::Infeasible, _) => (SolveStatus::Optimal, ub_fix),
            (SolveStatus::TimeLimitNoSolution, _) => (SolveStatus::TimeLimitFeasible, lower),
            (s, _) => {
                return Err(Error::Solver(format!(
                    "{backend} ended with status {s:?} on the fixed problem"
                )))
            }
        }
    };
    let gap = relative_gap(Some(ub), Some(bound));
    let status = match (status, gap) {
        (_, Some(g)) if g <= 1e-9 => SolveStatus::Optimal,
        (SolveStatus::Optimal, _) => SolveStatus::GapLimit,
        (s, _) => s,
    };
    sink.progress(SolveProgress {
        phase: "done",
        elapsed_s: elapsed(),
        incumbent: Some(ub),
        bound: Some(bound),
        note: format!("{status:?}"),
    });
    let report = SolveReport {
        backend: backend.to_string(),
        status,
        objective: Some(ub),
        best_bound: Some(bound),
        gap,
        solve_time_s: started.elapsed().as_secs_f64(),
        n_variables: size.0,
        n_constraints: size.1,
        n_binaries: size.2,
    };
    Ok(Some((report, inc_full, size, dominance)))
}

/// The two-pass dominance solve (the fallback when the heuristic finds no plan): solves `p`
/// after the exact dominance reduction of [`crate::model::reduce`] (least-cost
/// objective only; other objectives are solved whole). A first pass keeps the sites with
/// fewer than Σ k_j dominators; the cost of its answer bounds the number of sites an optimal
/// plan opens, m; if sites with fewer than m dominators were dropped, a second pass solves
/// with exactly those kept. Either way the final restricted problem has the full problem's
/// optimum, and the returned solution is expressed on the full problem's sites. The time limit
/// covers both passes. `record` is told each stage (a NaN duration announces a starting solve).
fn solve_two_pass(
    p: &SitingProblem,
    opts: &SolveOptions,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    use crate::model::reduce;
    let mut dominance: Option<(usize, usize)> = None;
    // The time limit covers both passes: the second gets what the first left (at least 1 s).
    let started = std::time::Instant::now();
    let remaining = || SolveOptions {
        time_limit_s: opts
            .time_limit_s
            .map(|t| (t - started.elapsed().as_secs_f64()).max(1.0)),
        ..opts.clone()
    };
    // Exact dominance reduction (model::reduce) for the least-cost objective: a first pass
    // keeps the sites with fewer than Σ k_j dominators; its cost bounds the number of sites an
    // optimal plan opens, m; if sites with fewer than m dominators were dropped, a second pass
    // solves with exactly those kept. Either way the final restricted problem has the full
    // problem's optimum.
    let n_sites = p.sites.len();
    let (sr, solution, size) = if p.objective == crate::scenario::Objective::MinCost && n_sites > 1
    {
        let t = std::time::Instant::now();
        let m1 = p
            .cities
            .iter()
            .map(|c| c.min_sites.max(1) as usize)
            .sum::<usize>()
            .max(1);
        let kept1 = reduce::reduce_exact(p, m1);
        record(
            "dominance",
            t.elapsed().as_secs_f64(),
            &format!(
                "{} of {} sites have fewer than {m1} dominators",
                kept1.len(),
                n_sites
            ),
        );
        if kept1.len() == n_sites {
            solve_one(p, "", opts, record)?
        } else {
            match solve_one(&reduce::restrict(p, &kept1), "pass 1: ", opts, record) {
                Ok((sr1, sol1, size1)) => {
                    let full1 = reduce::expand(&sol1, &kept1, n_sites);
                    let ub = crate::check::check(p, &full1).objective_recomputed;
                    let m = reduce::open_sites_bound(p, ub);
                    // Pass 1's plan, kept if pass 2 cannot improve on it in time. Its bound
                    // belongs to the restricted problem, so it is no bound for the full one.
                    let fallback = |sr1: SolveReport| SolveReport {
                        status: SolveStatus::TimeLimitFeasible,
                        best_bound: None,
                        gap: None,
                        ..sr1
                    };
                    let pass1_finished =
                        matches!(sr1.status, SolveStatus::Optimal | SolveStatus::GapLimit);
                    if m <= m1 {
                        dominance = Some((kept1.len(), m));
                        (sr1, full1, size1)
                    } else if !pass1_finished {
                        record(
                            "dominance",
                            0.0,
                            &format!(
                                "pass 1 stopped at the time limit; its plan bounds open sites only at {m} > {m1}, so it is kept without a proven bound (raise --time-limit)"
                            ),
                        );
                        (fallback(sr1), full1, size1)
                    } else {
                        let t = std::time::Instant::now();
                        let kept2 = reduce::reduce(p, m);
                        record(
                            "dominance",
                            t.elapsed().as_secs_f64(),
                            &format!("pass 1 cost bounds open sites at {m}: {} of {} sites have fewer than {m} dominators", kept2.len(), n_sites),
                        );
                        let (q, kept) = if kept2.len() == n_sites {
                            (p.clone(), (0..n_sites).collect::<Vec<_>>())
                        } else {
                            (reduce::restrict(p, &kept2), kept2)
                        };
                        match solve_one(&q, "pass 2: ", &remaining(), record) {
                            Ok((sr2, sol2, size2)) => {
                                if kept.len() < n_sites {
                                    dominance = Some((kept.len(), m));
                                }
                                (sr2, reduce::expand(&sol2, &kept, n_sites), size2)
                            }
                            // Out of time in pass 2 without a plan: keep pass 1's.
                            Err(Error::Solver(msg)) => {
                                record("solve", 0.0, &format!("pass 2 found no plan ({msg}); pass 1's plan is kept without a proven bound"));
                                (fallback(sr1), full1, size1)
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
                // The heuristic first pass may be infeasible: solve the whole problem.
                Err(Error::Infeasible { .. }) => solve_one(p, "", opts, record)?,
                Err(e) => return Err(e),
            }
        }
    } else {
        solve_one(p, "", opts, record)?
    };
    Ok((sr, solution, size, dominance))
}

/// Builds and solves one problem, telling `record` the stages.
fn solve_one(
    q: &SitingProblem,
    label: &str,
    opts: &SolveOptions,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<(SolveReport, Solution, (usize, usize, usize))> {
    let backend = backend_name(opts.backend.as_deref())?;
    let t = std::time::Instant::now();
    let built = build(q)?;
    let size = (
        built.lp.vars.len(),
        built.lp.rows.len(),
        built.lp.n_binaries(),
    );
    record(
        "model build",
        t.elapsed().as_secs_f64(),
        &format!(
            "{label}{} variables ({} binary), {} constraints",
            size.0, size.2, size.1
        ),
    );
    record(
        "solve",
        f64::NAN,
        &format!(
            "started: {backend} backend, time limit {:.0} s, relative gap {:.0e}",
            opts.time_limit_s.unwrap_or(f64::INFINITY),
            opts.mip_gap
        ),
    );
    let t = std::time::Instant::now();
    let (sr, sol) = solve_built(q, &built, opts)?;
    record(
        "solve",
        t.elapsed().as_secs_f64(),
        &format!("{} {:?}", sr.backend, sr.status),
    );
    Ok((sr, sol, size))
}

#[cfg(feature = "microlp")]
mod microlp_backend {
    use super::{Raw, SolveOptions, SolveStatus};
    use crate::error::{Error, Result};
    use crate::model::build::LinearProgram;
    use good_lp::{
        microlp, ResolutionError, Solution, SolutionStatus, SolverModel, WithMipGap, WithTimeLimit,
    };

    pub(super) fn solve(lp: &LinearProgram, opts: &SolveOptions) -> Result<Raw> {
        let (vars, handles, objective) = super::to_good_lp(lp);
        let unsolved = if lp.maximise {
            vars.maximise(objective)
        } else {
            vars.minimise(objective)
        };
        let mut model = unsolved.using(microlp);
        if let Some(t) = opts.time_limit_s {
            model = model.with_time_limit(t);
        }
        model = model
            .with_mip_gap(opts.mip_gap as f32)
            .map_err(|e| Error::usage(format!("MIP gap: {e}"), "use a gap ≥ 0"))?;
        for c in super::constraints(lp, &handles) {
            model.add_constraint(c);
        }
        match model.solve() {
            Ok(sol) => {
                let status = match sol.status() {
                    SolutionStatus::Optimal => SolveStatus::Optimal,
                    SolutionStatus::GapLimit => SolveStatus::GapLimit,
                    SolutionStatus::TimeLimit => SolveStatus::TimeLimitFeasible,
                };
                let values: Vec<f64> = handles.iter().map(|&v| sol.value(v)).collect();
                let inner = sol.into_inner();
                let stats = inner.stats();
                let objective = Some(lp.objective_value(&values));
                // microlp works on the objective without good_lp's constant.
                let bound = stats.best_bound.map(|b| b + lp.objective_constant);
                let bound = if matches!(status, SolveStatus::Optimal) && lp.n_integers() == 0 {
                    objective
                } else {
                    bound
                };
                Ok(Raw {
                    status,
                    values: Some(values),
                    objective,
                    bound,
                })
            }
            Err(ResolutionError::Infeasible) => Ok(Raw::none(SolveStatus::Infeasible)),
            Err(ResolutionError::Unbounded) => Ok(Raw::none(SolveStatus::Unbounded)),
            Err(ResolutionError::Other(msg)) if msg.contains("Time limit") => {
                Ok(Raw::none(SolveStatus::TimeLimitNoSolution))
            }
            Err(e) => Err(Error::Solver(format!("microlp: {e}"))),
        }
    }
}

#[cfg(feature = "highs")]
mod highs_backend {
    use super::{Raw, SolveOptions, SolveStatus};
    use crate::error::{Error, Result};
    use crate::model::build::LinearProgram;
    use good_lp::SolverModel;
    use highs::{HighsModelStatus, HighsSolutionStatus};

    pub(super) fn solve(lp: &LinearProgram, opts: &SolveOptions) -> Result<Raw> {
        let (vars, handles, objective) = super::to_good_lp(lp);
        let unsolved = if lp.maximise {
            vars.maximise(objective)
        } else {
            vars.minimise(objective)
        };
        let mut problem = unsolved.using(good_lp::highs);
        for c in super::constraints(lp, &handles) {
            problem.add_constraint(c);
        }
        let mut model = problem
            .try_into_inner()
            .map_err(|e| Error::Solver(format!("HiGHS: {e}")))?;
        let set = |r: std::result::Result<(), highs::TrySetOptionError>, k: &str| {
            r.map_err(|e| Error::Solver(format!("HiGHS: cannot set option {k}: {e:?}")))
        };
        set(model.try_set_option("output_flag", false), "output_flag")?;
        set(
            model.try_set_option("mip_rel_gap", opts.mip_gap),
            "mip_rel_gap",
        )?;
        if let Some(t) = opts.time_limit_s {
            set(model.try_set_option("time_limit", t), "time_limit")?;
        }
        let solved = model
            .try_solve()
            .map_err(|e| Error::Solver(format!("HiGHS: solve failed: {e:?}")))?;
        // Read the primal solution status as a raw info value: after presolve proves a model
        // infeasible HiGHS leaves its info invalid (-1), and the crate's typed accessor panics
        // on that. 2 is HiGHS' kSolutionStatusFeasible.
        let has_primal = solved
            .int_info_value(c"primal_solution_status")
            .is_ok_and(|v| v == HighsSolutionStatus::Feasible as i64);
        let status = match solved.status() {
            HighsModelStatus::Optimal => {
                let gap = solved.mip_gap();
                if gap.is_finite() && gap > 1e-9 {
                    SolveStatus::GapLimit
                } else {
                    SolveStatus::Optimal
                }
            }
            HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible => {
                SolveStatus::Infeasible
            }
            HighsModelStatus::Unbounded => SolveStatus::Unbounded,
            HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ReachedMemoryLimit
            | HighsModelStatus::ObjectiveBound
            | HighsModelStatus::ObjectiveTarget => {
                if has_primal {
                    SolveStatus::TimeLimitFeasible
                } else {
                    SolveStatus::TimeLimitNoSolution
                }
            }
            other => return Err(Error::Solver(format!("HiGHS ended with status {other:?}"))),
        };
        if !status.has_solution() {
            return Ok(Raw::none(status));
        }
        if !has_primal {
            return Err(Error::Solver(format!(
                "HiGHS status {:?} but no feasible primal solution",
                solved.status()
            )));
        }
        let values = solved.get_solution().columns().to_vec();
        let objective = Some(lp.objective_value(&values));
        let bound = if lp.n_integers() == 0 {
            objective
        } else {
            solved
                .double_info_value(c"mip_dual_bound")
                .ok()
                .filter(|b| b.is_finite())
                .map(|b| b + lp.objective_constant)
        };
        Ok(Raw {
            status,
            values: Some(values),
            objective,
            bound,
        })
    }
}

impl Raw {
    #[allow(dead_code)]
    fn none(status: SolveStatus) -> Raw {
        Raw {
            status,
            values: None,
            objective: None,
            bound: None,
        }
    }
}

/// good_lp variables, their handles (in [`LinearProgram`] order) and the objective.
#[allow(dead_code)]
fn to_good_lp(
    lp: &LinearProgram,
) -> (
    good_lp::ProblemVariables,
    Vec<good_lp::Variable>,
    good_lp::Expression,
) {
    let mut vars = good_lp::ProblemVariables::new();
    let handles: Vec<good_lp::Variable> = lp
        .vars
        .iter()
        .map(|v| {
            let mut def = good_lp::variable().min(v.lower);
            if v.upper.is_finite() {
                def = def.max(v.upper);
            }
            if v.integer {
                def = def.integer();
            }
            vars.add(def)
        })
        .collect();
    let mut objective = good_lp::Expression::with_capacity(lp.objective.len());
    for &(v, c) in &lp.objective {
        objective.add_mul(c, handles[v]);
    }
    objective += lp.objective_constant;
    (vars, handles, objective)
}

/// good_lp constraints of `lp`.
#[allow(dead_code)]
fn constraints<'a>(
    lp: &'a LinearProgram,
    handles: &'a [good_lp::Variable],
) -> impl Iterator<Item = good_lp::Constraint> + 'a {
    lp.rows.iter().map(move |row| {
        let mut e = good_lp::Expression::with_capacity(row.terms.len());
        for &(v, c) in &row.terms {
            e.add_mul(c, handles[v]);
        }
        match row.sense {
            RowSense::Le => e.leq(row.rhs),
            RowSense::Eq => e.eq(row.rhs),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::build::{Row, RowSense, VarDef};

    fn var(lower: f64, upper: f64, integer: bool) -> VarDef {
        VarDef {
            lower,
            upper,
            integer,
        }
    }

    /// Programmes without a constrained row (HiGHS calls them "empty") are solved the same way
    /// by every backend: each variable at the bound its cost prefers.
    #[test]
    fn programmes_without_rows_solve_on_every_backend() {
        let lp = LinearProgram {
            vars: vec![
                var(1.0, 4.0, false),
                var(0.0, 1.0, true),
                var(-2.0, 3.5, true),
            ],
            rows: vec![Row {
                terms: vec![],
                sense: RowSense::Le,
                rhs: 1.0,
            }],
            objective: vec![(0, 2.0), (1, -5.0), (2, 1.0)],
            objective_constant: 10.0,
            maximise: false,
        };
        let infeasible = LinearProgram {
            rows: vec![Row {
                terms: vec![],
                sense: RowSense::Eq,
                rhs: 1.0,
            }],
            ..lp.clone()
        };
        for backend in available_backends() {
            let opts = SolveOptions {
                backend: Some(backend.to_string()),
                ..SolveOptions::default()
            };
            let (report, values) = solve_lp(&lp, &opts).unwrap();
            assert_eq!(report.status, SolveStatus::Optimal, "{backend}");
            // 2·1 − 5·1 + 1·(−2) + 10 = 5.
            assert_eq!(values.unwrap(), vec![1.0, 1.0, -2.0], "{backend}");
            assert!((report.objective.unwrap() - 5.0).abs() < 1e-12, "{backend}");
            let (report, values) = solve_lp(&infeasible, &opts).unwrap();
            assert_eq!(report.status, SolveStatus::Infeasible, "{backend}");
            assert!(values.is_none());
        }
    }
}

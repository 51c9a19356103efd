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
    if !(opts.mip_gap.is_finite() && (0.0..1.0).contains(&opts.mip_gap)) {
        return Err(Error::usage(
            format!(
                "MIP gap must be a fraction in [0, 1), found {}",
                opts.mip_gap
            ),
            "e.g. --mip-gap 1e-6",
        ));
    }
    if let Some(t) = opts.time_limit_s {
        crate::limits::time_limit("time limit", t)?;
    }
    let start = Instant::now();
    let raw = match backend {
        #[cfg(feature = "microlp")]
        "microlp" => microlp_backend::solve(lp, opts)?,
        #[cfg(feature = "highs")]
        "highs" => highs_backend::solve(lp, opts)?,
        other => return Err(Error::Internal(format!("backend `{other}` not dispatched"))),
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
        (SolveStatus::TimeLimitNoSolution, _) => Err(Error::Solver(format!(
            "{} reached the time limit ({:.1} s) before finding any feasible solution; \
             hint: raise --time-limit or restrict candidates (--region){}",
            report.backend,
            report.solve_time_s,
            if report.backend == "highs" {
                ""
            } else {
                ", or try --solver highs if compiled in"
            }
        ))),
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

/// Solves `p` after the exact dominance reduction of [`crate::model::reduce`] (least-cost
/// objective only; other objectives are solved whole). A first pass keeps the sites with
/// fewer than Σ k_j dominators; the cost of its answer bounds the number of sites an optimal
/// plan opens, m; if sites with fewer than m dominators were dropped, a second pass solves
/// with exactly those kept. Either way the final restricted problem has the full problem's
/// optimum, and the returned solution is expressed on the full problem's sites. The time limit
/// covers both passes. `record` is told each stage (a NaN duration announces a starting solve).
pub fn solve_with_reduction(
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
        let kept1 = reduce::reduce(p, m1);
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
        let has_primal = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
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

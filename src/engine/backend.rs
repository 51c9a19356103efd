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
use crate::model::build::{LinearProgram, RowSense};
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

pub(crate) fn relative_gap(objective: Option<f64>, bound: Option<f64>) -> Option<f64> {
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

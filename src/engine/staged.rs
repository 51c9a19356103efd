//! The staged exact solve of the least-cost siting problem: reduction, Lagrangian bounds and
//! fixing, the primal heuristic, and the MIP (or the Lagrangian branch and bound) on what is
//! left free.

use super::backend::{
    backend_name, relative_gap, solve_lp, SolveOptions, SolveReport, SolveStatus,
};
use super::{solve_built, ReducedSolve, SolveProgress, SolveSink};
use crate::error::{Error, Result};
use crate::model::build::{build, RowSense};
use crate::model::{SitingProblem, Solution};
use std::time::Instant;

/// Above this many variables in the MIP left after fixing, the Lagrangian branch and bound
/// ([`crate::engine::branch`]) is used instead of the backend. With 4,000 the 100k × 47 run
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

pub(crate) fn staged(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
) -> Result<Option<ReducedSolve>> {
    use crate::engine::heuristic::Heuristic;
    use crate::engine::lagrange::{reduced_cost_fixing, Fix, Relaxation, SubgradientParams};
    use crate::engine::reduce;
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
    let mut heur1 = Heuristic::new(&q1, opts);
    // Stop once reduced-cost fixing leaves few enough sites for the exact stage.
    let params = SubgradientParams {
        stop_free: STOP_FREE,
        deadline,
        ..SubgradientParams::default()
    };
    let mut best_bound1 = f64::NEG_INFINITY;
    let mut err: Option<Error> = None;
    let (ev1, mult1) = {
        let mut on_iter = |it: usize, ev: &crate::engine::lagrange::Evaluation| -> Option<f64> {
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
        let mut heur2 = Heuristic::new(&q2, opts);
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
            let mut on_iter =
                |it: usize, ev: &crate::engine::lagrange::Evaluation| -> Option<f64> {
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
    let mut heur2 = Heuristic::new(&q2, opts);
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
            crate::engine::branch::branch_and_bound(
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
/// after the exact dominance reduction of [`crate::engine::reduce`] (least-cost
/// objective only; other objectives are solved whole). A first pass keeps the sites with
/// fewer than Σ k_j dominators; the cost of its answer bounds the number of sites an optimal
/// plan opens, m; if sites with fewer than m dominators were dropped, a second pass solves
/// with exactly those kept. Either way the final restricted problem has the full problem's
/// optimum, and the returned solution is expressed on the full problem's sites. The time limit
/// covers both passes. `record` is told each stage (a NaN duration announces a starting solve).
pub(crate) fn solve_two_pass(
    p: &SitingProblem,
    opts: &SolveOptions,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    use crate::engine::reduce;
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

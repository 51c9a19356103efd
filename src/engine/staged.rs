//! The staged exact solve of the least-cost siting problem: reduction, Lagrangian bounds and
//! fixing, the primal heuristic, and the MIP (or the Lagrangian branch and bound) on what is
//! left free.

use super::backend::{
    backend_name, relative_gap, solve_lp, SolveOptions, SolveReport, SolveStatus,
};
use super::heuristic::{Heuristic, Incumbent};
use super::lagrange::{
    reduced_cost_fixing, Evaluation, Fix, Multipliers, Relaxation, SubgradientParams,
};
use super::reduce;
use super::{solve_built, ReducedSolve, SolveProgress, SolveSink};
use crate::error::{Error, Result};
use crate::model::build::{build, BuiltModel, RowSense};
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

/// The staged exact solve (least cost): None when the relaxation or the heuristic cannot start
/// (the caller falls back to [`solve_two_pass`]).
pub(crate) fn staged(
    p: &SitingProblem,
    opts: &SolveOptions,
    sink: &mut SolveSink<'_>,
    start: &Start,
) -> Result<Option<(ReducedSolve, Multipliers)>> {
    // `p` was validated by `solve_with_sink` (before its sizes were tightened, which keeps it
    // valid: sizes only fall, to finite values ≥ 0).
    let mut st = Stage::new(p, opts, sink, start)?;
    let n = p.sites.len();
    // 1. Small candidate set, relaxation and heuristic.
    let Some(first) = st.first_set()? else {
        return Ok(None);
    };
    let full = reduce::expand(&first.inc.solution, &first.kept, n);
    let mut best = Best {
        ub: crate::check::check(p, &full).objective_recomputed,
        full,
    };
    // 2–3. Reduction from the plan's cost, then the relaxation on the sites kept.
    let Some(last) = st.reduce_rounds(&first, &mut best)? else {
        return Ok(None);
    };
    let dominance = (last.kept.len() < n).then_some((last.kept.len(), last.m));
    let Reduced {
        kept,
        q,
        ev,
        mult,
        best: best2,
        ..
    } = last;
    let Some(rel) = Relaxation::new(&q) else {
        return Ok(None);
    };
    let exported = super::warm::expand_multipliers(&mult, &kept, n);
    let base = rel.base_fixing();
    let mut heur = Heuristic::new(&q, opts).with_deadline(st.deadline);
    if let Some(b) = best2 {
        heur.offer(b);
    }
    let (fix, n_free) = st.fixing(&rel, &ev, &base, best.ub);
    // 4. Proven already, or one MIP (or branch and bound) on what is left.
    let free = Free {
        q: &q,
        kept: &kept,
        rel: &rel,
        fix: &fix,
        lower: ev.value,
        n_free,
    };
    let (status, bound, size) = st.exact(&free, &mut heur, mult, &mut best)?;
    Ok(Some((
        st.finish(status, bound, size, best, dominance),
        exported,
    )))
}

/// Where a staged solve starts (see [`super::warm`]): multipliers of a related solve, indexed
/// by the problem's sites, cities, zones, shared limits and cover sets (parts that do not fit
/// start cold), and an open set of the problem to repair and evaluate as the first incumbent
/// (one entry per site, else ignored). The default is a cold start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Start {
    /// Starting multipliers.
    pub multipliers: Option<Multipliers>,
    /// An open set to offer (after repair and exact evaluation) as the first incumbent.
    pub incumbent: Option<Vec<bool>>,
}

/// Σ_j k_j (each city's `min_sites`, at least 1): no optimal plan opens fewer sites, so the
/// sites with fewer dominators than this form the first, heuristic candidate set.
fn redundancy_sum(p: &SitingProblem) -> usize {
    p.cities
        .iter()
        .map(|c| c.min_sites.max(1) as usize)
        .sum::<usize>()
        .max(1)
}

/// One staged solve's problem, options, sink and clock.
struct Stage<'a, 's, 'k> {
    p: &'a SitingProblem,
    start: &'a Start,
    opts: &'a SolveOptions,
    sink: &'s mut SolveSink<'k>,
    backend: &'static str,
    started: Instant,
    deadline: Option<Instant>,
    /// Subgradient settings: stop once reduced-cost fixing leaves few enough sites.
    params: SubgradientParams,
}

/// The best plan so far, on the full problem's sites, and its cost.
struct Best {
    ub: f64,
    full: Solution,
}

impl Best {
    /// Keeps `full` if it is cheaper (and, if `need_feasible`, accepted by the checker).
    fn offer(&mut self, p: &SitingProblem, full: Solution, need_feasible: bool) {
        let chk = crate::check::check(p, &full);
        if (chk.feasible || !need_feasible) && chk.objective_recomputed < self.ub {
            self.ub = chk.objective_recomputed;
            self.full = full;
        }
    }
}

/// Step 1's result: the small candidate set, its multipliers and its plan.
struct First {
    kept: Vec<usize>,
    mult: Multipliers,
    inc: Incumbent,
}

/// Steps 2–3's result: the last candidate set (sites of `p` in `kept`, restricted problem `q`),
/// its open-sites bound `m`, the relaxation's last evaluation and multipliers, and its plan.
struct Reduced {
    m: usize,
    kept: Vec<usize>,
    q: SitingProblem,
    ev: Evaluation,
    mult: Multipliers,
    best: Option<Incumbent>,
}

/// What step 4 works on: the last candidate set, its relaxation and the fixing.
struct Free<'r> {
    q: &'r SitingProblem,
    kept: &'r [usize],
    rel: &'r Relaxation<'r>,
    fix: &'r [Fix],
    lower: f64,
    n_free: usize,
}

impl<'a, 's, 'k> Stage<'a, 's, 'k> {
    fn new(
        p: &'a SitingProblem,
        opts: &'a SolveOptions,
        sink: &'s mut SolveSink<'k>,
        start: &'a Start,
    ) -> Result<Self> {
        let backend = backend_name(opts.backend.as_deref())?;
        let started = Instant::now();
        let deadline = opts
            .time_limit_s
            .map(|t| started + std::time::Duration::from_secs_f64(t));
        // A re-solve with a looser gap than the default (a margin's 1e-4) stops its
        // subgradient once the bound proves the incumbent within that gap: the staged solve
        // then returns it (step 4) without a MIP. At the default gap the subgradient goes on
        // towards a bound equal to the plan (status optimal, as before).
        let defaults = SubgradientParams::default();
        let loose = opts.mip_gap > SolveOptions::default().mip_gap;
        let params = SubgradientParams {
            stop_free: STOP_FREE,
            deadline,
            gap: if loose { opts.mip_gap } else { defaults.gap },
            ..defaults
        };
        Ok(Stage {
            p,
            start,
            opts,
            sink,
            backend,
            started,
            deadline,
            params,
        })
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn record(&mut self, stage: &str, t: Instant, note: &str) {
        (self.sink.record)(stage, t.elapsed().as_secs_f64(), note);
    }

    fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Step 1: the sites with fewer than Σ k_j dominators, their relaxation and a plan.
    fn first_set(&mut self) -> Result<Option<First>> {
        let p = self.p;
        let t = Instant::now();
        let m1 = redundancy_sum(p);
        let kept = reduce::reduce_exact(p, m1);
        let note = format!(
            "{} of {} sites have fewer than {m1} dominators (heuristic set)",
            kept.len(),
            p.sites.len()
        );
        self.record("dominance", t, &note);
        let q1 = reduce::restrict(p, &kept);
        let Some(rel1) = Relaxation::new(&q1) else {
            return Ok(None);
        };
        let t = Instant::now();
        let fix1 = rel1.base_fixing();
        let mut heur1 = Heuristic::new(&q1, self.opts).with_deadline(self.deadline);
        let (ev1, mult) = self.first_relaxation(&rel1, &fix1, &kept, &mut heur1)?;
        heur1.from_relaxation(&ev1.open, &ev1.h, &fix1, 3)?;
        if q1.sites.len() > LOCAL_SEARCH_ABOVE_SITES {
            heur1.local_search(&ev1.h, &fix1, 60, self.deadline)?;
        }
        let plan = heur1
            .best
            .as_ref()
            .map_or("none".to_string(), |b| super::money_7(b.cost));
        let note = format!("{} LP evaluations; plan {plan}", heur1.evaluations);
        self.record("heuristic", t, &note);
        Ok(heur1.best.take().map(|inc| First { kept, mult, inc }))
    }

    /// Step 1's subgradient (from the seeded multipliers, if any), the heuristic run from its
    /// iterates; a seeded open set is repaired with the first reduced costs and evaluated
    /// exactly before anything else.
    fn first_relaxation(
        &mut self,
        rel1: &Relaxation<'_>,
        fix1: &[Fix],
        kept1: &[usize],
        heur1: &mut Heuristic<'_>,
    ) -> Result<(Evaluation, Multipliers)> {
        let mut best_bound = f64::NEG_INFINITY;
        let mut err: Option<Error> = None;
        let started = self.started;
        let n = self.p.sites.len();
        let hint: Option<Vec<bool>> = self
            .start
            .incumbent
            .as_ref()
            .filter(|o| o.len() == n)
            .map(|o| kept1.iter().map(|&i| o[i]).collect());
        let sink = &mut *self.sink;
        let mut on_iter = |it: usize, ev: &Evaluation| -> Option<f64> {
            best_bound = best_bound.max(ev.value);
            if let Some(h) = hint.as_deref().filter(|_| it == 0 && err.is_none()) {
                // Checked for the problem solved here: repaired, then the fixed-set LP and
                // the independent checker (`Heuristic::evaluate`).
                if let Err(e) = heur1.from_relaxation(h, &ev.h, fix1, 3) {
                    err = Some(e);
                }
            }
            if err.is_none() && (it < 3 || it % 25 == 0) {
                if let Err(e) = heur1.from_relaxation(&ev.open, &ev.h, fix1, 3) {
                    err = Some(e);
                }
            }
            sink.progress(SolveProgress {
                phase: "lagrangian",
                elapsed_s: started.elapsed().as_secs_f64(),
                incumbent: heur1.best.as_ref().map(|b| b.cost),
                bound: best_bound.is_finite().then_some(best_bound),
                note: format!("heuristic set, iteration {it}"),
            });
            heur1.best.as_ref().map(|b| b.cost)
        };
        let cold = rel1.initial_multipliers();
        let start = match &self.start.multipliers {
            Some(m) => super::warm::seeded_multipliers(cold, m, n, kept1),
            None => cold,
        };
        let out = rel1.optimise(start, fix1, f64::INFINITY, &self.params, &mut on_iter);
        err.map_or(Ok(out), Err)
    }

    /// Steps 2–3: exact dominance reduction from the incumbent's cost, then the relaxation on
    /// the sites kept, warm-started, with the heuristic. A better plan can lower the open-sites
    /// bound `m`; then the reduction and relaxation are repeated on the sites kept (exact: the
    /// plans of the reduced problem are plans of `p`, so the bound from `p`'s data holds for
    /// it), with a closer Polyak target (up to `REDUCE_ROUNDS` rounds).
    fn reduce_rounds(&mut self, first: &First, best: &mut Best) -> Result<Option<Reduced>> {
        let mut prev_kept = first.kept.clone();
        let mut prev_mult = first.mult.clone();
        let mut base_set: Option<Vec<usize>> = None;
        for round in 1..=REDUCE_ROUNDS {
            let m = reduce::open_sites_bound(self.p, best.ub);
            let kept = self.reduce_from(m, base_set.as_deref());
            let warm = Warm {
                first,
                round,
                prev_kept: &prev_kept,
                prev_mult: &prev_mult,
            };
            let Some(r) = self.relax_round(m, kept, &warm, best)? else {
                return Ok(None);
            };
            let again = round < REDUCE_ROUNDS
                && !self.out_of_time()
                && reduce::open_sites_bound(self.p, best.ub) < m;
            if !again {
                return Ok(Some(r));
            }
            prev_kept = r.kept.clone();
            prev_mult = r.mult;
            base_set = Some(r.kept);
        }
        Ok(None)
    }

    /// The sites with fewer than `m` dominators (among `base`, if given).
    fn reduce_from(&mut self, m: usize, base: Option<&[usize]>) -> Vec<usize> {
        let p = self.p;
        let n = p.sites.len();
        let t = Instant::now();
        let unbounded = m >= usize::MAX / 2;
        let kept: Vec<usize> = match base {
            _ if unbounded => (0..n).filter(|&i| !p.sites[i].excluded).collect(),
            None => reduce::reduce_exact(p, m),
            Some(base) => {
                let qb = reduce::restrict(p, base);
                reduce::reduce_exact(&qb, m)
                    .into_iter()
                    .map(|k| base[k])
                    .collect()
            }
        };
        let m_text = if unbounded {
            "∞".to_string()
        } else {
            m.to_string()
        };
        let note = format!(
            "the plan's cost bounds open sites at {m_text}: {} of {n} sites have fewer dominators",
            kept.len()
        );
        self.record("dominance", t, &note);
        kept
    }

    /// One round of step 3 on the sites `kept`: relaxation (warm-started) and heuristic.
    fn relax_round(
        &mut self,
        m: usize,
        kept: Vec<usize>,
        warm: &Warm<'_>,
        best: &mut Best,
    ) -> Result<Option<Reduced>> {
        let q = reduce::restrict(self.p, &kept);
        let t = Instant::now();
        let Some(rel) = Relaxation::new(&q) else {
            return Ok(None);
        };
        let base = rel.base_fixing();
        let mut heur = Heuristic::new(&q, self.opts).with_deadline(self.deadline);
        let same_set = kept == warm.first.kept;
        let mut params = self.params.clone();
        if same_set {
            heur.offer(warm.first.inc.clone());
            if warm.round == 1 {
                // Same sites: the first relaxation's best multipliers and plan carry over.
                params.max_iter = 0;
            }
        }
        let start = warm.multipliers(&kept, self.p.sites.len());
        let (ev, mult) = self.round_relaxation(&rel, &base, &mut heur, start, &params, best.ub)?;
        if !(same_set && warm.round == 1) {
            heur.from_relaxation(&ev.open, &ev.h, &base, 3)?;
            if q.sites.len() > LOCAL_SEARCH_ABOVE_SITES {
                heur.local_search(&ev.h, &base, 60, self.deadline)?;
            }
        }
        let best_q = heur.best.take();
        if let Some(b) = &best_q {
            best.offer(
                self.p,
                reduce::expand(&b.solution, &kept, self.p.sites.len()),
                false,
            );
        }
        let note = format!(
            "{} sites: bound {}, plan {}",
            q.sites.len(),
            super::money_7(ev.value),
            super::money_7(best.ub)
        );
        self.record("lagrangian", t, &note);
        Ok(Some(Reduced {
            m,
            kept,
            q,
            ev,
            mult,
            best: best_q,
        }))
    }

    /// Step 3's subgradient on one candidate set, the heuristic run every 25 iterations.
    fn round_relaxation(
        &mut self,
        rel: &Relaxation<'_>,
        base: &[Fix],
        heur: &mut Heuristic<'_>,
        start: Multipliers,
        params: &SubgradientParams,
        ub: f64,
    ) -> Result<(Evaluation, Multipliers)> {
        let mut best_bound = f64::NEG_INFINITY;
        let mut err: Option<Error> = None;
        let started = self.started;
        let n_sites = rel.problem().sites.len();
        let sink = &mut *self.sink;
        let mut on_iter = |it: usize, ev: &Evaluation| -> Option<f64> {
            best_bound = best_bound.max(ev.value);
            if err.is_none() && it % 25 == 0 {
                if let Err(e) = heur.from_relaxation(&ev.open, &ev.h, base, 3) {
                    err = Some(e);
                }
            }
            let inc = heur.ub().min(ub);
            sink.progress(SolveProgress {
                phase: "lagrangian",
                elapsed_s: started.elapsed().as_secs_f64(),
                incumbent: Some(inc),
                bound: best_bound.is_finite().then_some(best_bound),
                note: format!("{n_sites} sites, iteration {it}"),
            });
            Some(inc)
        };
        let out = rel.optimise(start, base, ub, params, &mut on_iter);
        err.map_or(Ok(out), Err)
    }

    /// Reduced-cost fixing on the last candidate set: the fixing and the number of free sites.
    fn fixing(
        &mut self,
        rel: &Relaxation<'_>,
        ev: &Evaluation,
        base: &[Fix],
        ub: f64,
    ) -> (Vec<Fix>, usize) {
        let t = Instant::now();
        let lower = ev.value;
        let fix = reduced_cost_fixing(rel, ev, base, ub);
        let newly = |to: Fix| {
            fix.iter()
                .zip(base)
                .filter(|(f, b)| **f == to && **b == Fix::Free)
                .count()
        };
        let (n_closed, n_open) = (newly(Fix::Closed), newly(Fix::Open));
        let n_free = fix.iter().filter(|f| **f == Fix::Free).count();
        let note = format!(
            "bound {}, plan {}; reduced-cost fixing closed {n_closed} and opened {n_open} sites, {n_free} left free",
            super::money_7(lower),
            super::money_7(ub)
        );
        self.record("fixing", t, &note);
        let elapsed_s = self.elapsed();
        self.sink.progress(SolveProgress {
            phase: "fixing",
            elapsed_s,
            incumbent: Some(ub),
            bound: Some(lower),
            note: format!("closed {n_closed}, opened {n_open}, {n_free} free"),
        });
        (fix, n_free)
    }

    /// Step 4: proven already, or the Lagrangian branch and bound (large), or the backend's
    /// MIP with a cutoff row on the sites left free. Returns status, bound and MIP size.
    fn exact(
        &mut self,
        free: &Free<'_>,
        heur: &mut Heuristic<'_>,
        mult: Multipliers,
        best: &mut Best,
    ) -> Result<(SolveStatus, f64, (usize, usize, usize))> {
        let kept3: Vec<usize> = (0..free.q.sites.len())
            .filter(|&i| free.fix[i] != Fix::Closed)
            .collect();
        let mut q3 = reduce::restrict(free.q, &kept3);
        for (k, &i) in kept3.iter().enumerate() {
            if free.fix[i] == Fix::Open {
                q3.sites[k].must_build = true;
            }
        }
        let t = Instant::now();
        let built = build(&q3)?;
        let size = (
            built.lp.vars.len(),
            built.lp.rows.len(),
            built.lp.n_binaries(),
        );
        let proven =
            relative_gap(Some(best.ub), Some(free.lower)).is_some_and(|g| g <= self.opts.mip_gap);
        let (status, bound) = if proven || kept3.is_empty() {
            let bound = if kept3.is_empty() {
                best.ub
            } else {
                free.lower
            };
            (SolveStatus::Optimal, bound)
        } else if size.0 > BRANCH_ABOVE_VARIABLES {
            self.branch(free, heur, mult, size.0, best)?
        } else {
            let fixed = Fixed {
                q3: &q3,
                kept3: &kept3,
                built,
                size,
                t,
            };
            self.mip(free, fixed, best)?
        };
        Ok((status, bound, size))
    }

    /// Step 4 on a large remainder: the Lagrangian branch and bound.
    fn branch(
        &mut self,
        free: &Free<'_>,
        heur: &mut Heuristic<'_>,
        mult: Multipliers,
        n_vars: usize,
        best: &mut Best,
    ) -> Result<(SolveStatus, f64)> {
        let note = format!(
            "started: Lagrangian branch and bound on {} free sites ({n_vars} variables in the MIP)",
            free.n_free
        );
        (self.sink.record)("branch", f64::NAN, &note);
        let t = Instant::now();
        let ub_fix = best.ub;
        let lower = free.lower;
        let started = self.started;
        let sink = &mut *self.sink;
        let mut prog = |nodes: usize, open: usize, inc: f64, b: f64| {
            sink.progress(SolveProgress {
                phase: "branch",
                elapsed_s: started.elapsed().as_secs_f64(),
                incumbent: Some(inc),
                bound: Some(b.max(lower)),
                note: format!("{nodes} nodes, {open} open"),
            })
        };
        let res = crate::engine::branch::branch_and_bound(
            free.rel,
            heur,
            free.fix.to_vec(),
            mult,
            lower,
            ub_fix,
            self.opts.mip_gap,
            self.deadline,
            &mut prog,
        )?;
        let how = if res.complete {
            "complete"
        } else {
            "stopped at the time limit"
        };
        self.record("branch", t, &format!("{} nodes, {how}", res.nodes));
        if let Some(b) = heur.best.take() {
            let n = self.p.sites.len();
            best.offer(self.p, reduce::expand(&b.solution, free.kept, n), false);
        }
        let status = if res.complete {
            SolveStatus::GapLimit
        } else {
            SolveStatus::TimeLimitFeasible
        };
        Ok((status, res.bound.min(ub_fix).max(lower)))
    }

    /// Step 4 on a small remainder: the backend's MIP with a cutoff row (only plans better
    /// than the incumbent).
    fn mip(
        &mut self,
        free: &Free<'_>,
        mut fixed: Fixed<'_>,
        best: &mut Best,
    ) -> Result<(SolveStatus, f64)> {
        let (ub_fix, lower, size) = (best.ub, free.lower, fixed.size);
        let cutoff = ub_fix + 1e-9 * ub_fix.abs().max(1.0);
        let lp = &mut fixed.built.lp;
        lp.rows.push(crate::model::build::Row {
            terms: lp.objective.clone(),
            sense: RowSense::Le,
            rhs: cutoff - lp.objective_constant,
        });
        let note = format!(
            "{} variables ({} binary), {} constraints (with the cutoff row)",
            size.0, size.2, size.1
        );
        self.record("model build", fixed.t, &note);
        let remaining = SolveOptions {
            time_limit_s: self
                .opts
                .time_limit_s
                .map(|tl| (tl - self.elapsed()).max(1.0)),
            ..self.opts.clone()
        };
        self.announce_mip(fixed.q3.sites.len(), &remaining, ub_fix, lower);
        let t = Instant::now();
        let (sr, values) = solve_lp(&fixed.built.lp, &remaining)?;
        self.record("solve", t, &format!("{} {:?}", sr.backend, sr.status));
        match (sr.status, values) {
            (s, Some(values)) if s.has_solution() => {
                let sol3 = fixed.built.solution(fixed.q3, &values)?;
                let on_q = reduce::expand(&sol3, fixed.kept3, free.q.sites.len());
                let n = self.p.sites.len();
                best.offer(self.p, reduce::expand(&on_q, free.kept, n), true);
                let b = sr.best_bound.map_or(lower, |b| lower.max(b.min(ub_fix)));
                let st = match s {
                    SolveStatus::Optimal | SolveStatus::GapLimit => SolveStatus::GapLimit,
                    other => other,
                };
                Ok((st, b))
            }
            // No plan better than the incumbent: it is optimal.
            (SolveStatus::Infeasible, _) => Ok((SolveStatus::Optimal, ub_fix)),
            (SolveStatus::TimeLimitNoSolution, _) => Ok((SolveStatus::TimeLimitFeasible, lower)),
            (s, _) => Err(Error::Solver(format!(
                "{} ended with status {s:?} on the fixed problem",
                self.backend
            ))),
        }
    }

    /// Tells the sink the MIP of step 4 is starting.
    fn announce_mip(&mut self, n_sites: usize, remaining: &SolveOptions, ub: f64, lower: f64) {
        let note = format!(
            "started: {} backend on {n_sites} sites, time limit {:.0} s, relative gap {:.0e}",
            self.backend,
            remaining.time_limit_s.unwrap_or(f64::INFINITY),
            self.opts.mip_gap
        );
        (self.sink.record)("solve", f64::NAN, &note);
        let elapsed_s = self.elapsed();
        self.sink.progress(SolveProgress {
            phase: "mip",
            elapsed_s,
            incumbent: Some(ub),
            bound: Some(lower),
            note: format!("{n_sites} sites"),
        });
    }

    /// The solve's report (status made `Optimal` when the gap closed) and answer.
    fn finish(
        &mut self,
        status: SolveStatus,
        bound: f64,
        size: (usize, usize, usize),
        best: Best,
        dominance: Option<(usize, usize)>,
    ) -> ReducedSolve {
        let ub = best.ub;
        let gap = relative_gap(Some(ub), Some(bound));
        let status = match (status, gap) {
            (_, Some(g)) if g <= 1e-9 => SolveStatus::Optimal,
            (SolveStatus::Optimal, _) => SolveStatus::GapLimit,
            (s, _) => s,
        };
        let elapsed_s = self.elapsed();
        self.sink.progress(SolveProgress {
            phase: "done",
            elapsed_s,
            incumbent: Some(ub),
            bound: Some(bound),
            note: format!("{status:?}"),
        });
        let report = SolveReport {
            backend: self.backend.to_string(),
            status,
            objective: Some(ub),
            best_bound: Some(bound),
            gap,
            solve_time_s: self.elapsed(),
            n_variables: size.0,
            n_constraints: size.1,
            n_binaries: size.2,
        };
        (report, best.full, size, dominance)
    }
}

/// Where a round of step 3 starts from: step 1's set and plan, and the previous round's sites
/// and multipliers.
struct Warm<'w> {
    first: &'w First,
    round: usize,
    prev_kept: &'w [usize],
    prev_mult: &'w Multipliers,
}

impl Warm<'_> {
    /// The previous round's multipliers, per-site ones following their sites to `kept`.
    fn multipliers(&self, kept: &[usize], n: usize) -> Multipliers {
        let mut start = self.prev_mult.clone();
        let mut at = vec![usize::MAX; n];
        for (k, &i) in self.prev_kept.iter().enumerate() {
            at[i] = k;
        }
        start.site_zone = kept
            .iter()
            .map(|&i| start.site_zone.get(at[i]).copied().unwrap_or(0.0))
            .collect();
        start
    }
}

/// Step 4's MIP: the problem with fixed sites removed (`q3`, sites `kept3` of the last set),
/// its built model and size, and when its build started.
struct Fixed<'f> {
    q3: &'f SitingProblem,
    kept3: &'f [usize],
    built: BuiltModel,
    size: (usize, usize, usize),
    t: Instant,
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
    // The time limit covers both passes: the second gets what the first left (at least 1 s).
    let started = std::time::Instant::now();
    // Exact dominance reduction (model::reduce) for the least-cost objective: a first pass
    // keeps the sites with fewer than Σ k_j dominators; its cost bounds the number of sites an
    // optimal plan opens, m; if sites with fewer than m dominators were dropped, a second pass
    // solves with exactly those kept. Either way the final restricted problem has the full
    // problem's optimum.
    if p.objective == crate::scenario::Objective::MinCost && p.sites.len() > 1 {
        dominance_solve(p, opts, started, record)
    } else {
        let (sr, solution, size) = solve_one(p, "", opts, record)?;
        Ok((sr, solution, size, None))
    }
}

/// A solve's report, solution and model size.
type Solved = (SolveReport, Solution, (usize, usize, usize));

/// `opts` with the time limit reduced by the time spent since `started` (at least 1 s).
fn remaining_opts(opts: &SolveOptions, started: Instant) -> SolveOptions {
    SolveOptions {
        time_limit_s: opts
            .time_limit_s
            .map(|t| (t - started.elapsed().as_secs_f64()).max(1.0)),
        ..opts.clone()
    }
}

/// Pass 1 of the dominance solve: keeps the sites with fewer than Σ k_j dominators and
/// solves (the whole problem when nothing is dropped or the restriction is infeasible);
/// then [`after_pass1`].
fn dominance_solve(
    p: &SitingProblem,
    opts: &SolveOptions,
    started: Instant,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    let n_sites = p.sites.len();
    let t = std::time::Instant::now();
    let m1 = redundancy_sum(p);
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
        let (sr, solution, size) = solve_one(p, "", opts, record)?;
        return Ok((sr, solution, size, None));
    }
    match solve_one(&reduce::restrict(p, &kept1), "pass 1: ", opts, record) {
        Ok(pass1) => after_pass1(p, opts, started, &kept1, m1, pass1, record),
        // The heuristic first pass may be infeasible: solve the whole problem.
        Err(Error::Infeasible { .. }) => {
            let (sr, solution, size) = solve_one(p, "", opts, record)?;
            Ok((sr, solution, size, None))
        }
        Err(e) => Err(e),
    }
}

/// Pass 1's plan, kept if pass 2 cannot improve on it in time. Its bound belongs to the
/// restricted problem, so it is no bound for the full one.
fn pass1_fallback(sr1: SolveReport) -> SolveReport {
    SolveReport {
        status: SolveStatus::TimeLimitFeasible,
        best_bound: None,
        gap: None,
        ..sr1
    }
}

/// After pass 1 (on sites `kept1`, bound `m1`): its cost bounds the number of open sites at
/// m; keeps its plan when m ≤ m1 or it stopped at the time limit, else runs pass 2.
fn after_pass1(
    p: &SitingProblem,
    opts: &SolveOptions,
    started: Instant,
    kept1: &[usize],
    m1: usize,
    (sr1, sol1, size1): Solved,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    let n_sites = p.sites.len();
    let full1 = reduce::expand(&sol1, kept1, n_sites);
    let ub = crate::check::check(p, &full1).objective_recomputed;
    let m = reduce::open_sites_bound(p, ub);
    let pass1_finished = matches!(sr1.status, SolveStatus::Optimal | SolveStatus::GapLimit);
    if m <= m1 {
        Ok((sr1, full1, size1, Some((kept1.len(), m))))
    } else if !pass1_finished {
        record(
            "dominance",
            0.0,
            &format!(
                "pass 1 stopped at the time limit; its plan bounds open sites only at {m} > {m1}, so it is kept without a proven bound (raise --time-limit)"
            ),
        );
        Ok((pass1_fallback(sr1), full1, size1, None))
    } else {
        pass2(p, opts, started, m, (sr1, full1, size1), record)
    }
}

/// Pass 2: solves with exactly the sites with fewer than `m` dominators, in the time left
/// since `started`; keeps pass 1's plan (on the full problem's sites) when pass 2 finds none
/// in time.
fn pass2(
    p: &SitingProblem,
    opts: &SolveOptions,
    started: Instant,
    m: usize,
    (sr1, full1, size1): Solved,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<ReducedSolve> {
    let n_sites = p.sites.len();
    let t = std::time::Instant::now();
    let kept2 = reduce::reduce(p, m);
    record(
        "dominance",
        t.elapsed().as_secs_f64(),
        &format!(
            "pass 1 cost bounds open sites at {m}: {} of {} sites have fewer than {m} dominators",
            kept2.len(),
            n_sites
        ),
    );
    let (q, kept) = if kept2.len() == n_sites {
        (p.clone(), (0..n_sites).collect::<Vec<_>>())
    } else {
        (reduce::restrict(p, &kept2), kept2)
    };
    match solve_one(&q, "pass 2: ", &remaining_opts(opts, started), record) {
        Ok((sr2, sol2, size2)) => {
            let dominance = (kept.len() < n_sites).then_some((kept.len(), m));
            Ok((sr2, reduce::expand(&sol2, &kept, n_sites), size2, dominance))
        }
        // Out of time in pass 2 without a plan: keep pass 1's.
        Err(Error::Solver(msg)) => {
            record(
                "solve",
                0.0,
                &format!(
                    "pass 2 found no plan ({msg}); pass 1's plan is kept without a proven bound"
                ),
            );
            Ok((pass1_fallback(sr1), full1, size1, None))
        }
        Err(e) => Err(e),
    }
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

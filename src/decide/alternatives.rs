//! Decisions under uncertainty, part 1: near-optimal alternatives, the margin of each chosen
//! site, and the cost of a fixed plan.
//!
//! # Near-optimal alternatives (Lawler–Murty partitioning)
//! A *plan* is a set of open sites S; its cost is the least cost of the siting MIP with
//! `y = 1_S` (the allocation, capacities and expansion re-optimised). [`alternatives`] returns
//! up to K plans with distinct open sets, cheapest first, each within `within_pct` % of the
//! optimum, by Lawler's (Murty's) partitioning of the plan space. A *branch* is the problem
//! with some sites forced open (`must_build`), some forced closed (`excluded`) and optionally
//! cover sets (`Σ_{i∈set} y_i ≥ 1`); its best plan is found by the exact staged engine
//! ([`engine::solve_warm`], which also generates the promise rows — separation, N−1 — the
//! branch needs). The root branch is the problem itself. The queue holds solved branches,
//! ordered by cost then open set; popping the cheapest lists its plan S = {a_1 < … < a_m} and
//! replaces its branch by the branches of everything else in it:
//!
//! ```text
//! for each a_k not already forced open:   a_1 … a_(k−1) open, a_k closed
//! and                                     all of S open, ≥ 1 other (not forced-closed) site open
//! ```
//!
//! (fixings and cover sets added to the parent's). Every other plan T of the parent branch
//! either misses some a_k of S — the first one names its branch — or strictly contains S, so
//! these branches partition the parent's plans minus S and the next pop is the next cheapest
//! plan. A branch that is infeasible or whose best plan costs more than the cut-off
//! `(1 + within_pct/100) · optimum` (with a relative slack of 1e-7) is dropped; the list is
//! exhausted when the queue empties. Each branch's solve is seeded with the root's promise
//! rows and multipliers and with the parent's plan as a first incumbent (repaired to the
//! branch's fixings); the list is exact up to the MIP gap of the solver options.
//!
//! Why not no-good cuts: the previous method solved the whole reduced MIP once per plan,
//! with a cost cut-off row and a no-good cut `Σ_{i∈S} y_i − Σ_{i∉S} y_i ≤ |S| − 1` per plan
//! found, directly with the backend. The cuts keep the problem out of the staged engine
//! (Lagrangian bound, reduced-cost fixing, then a MIP on a few dozen free sites), and on the
//! embedded data (`--demand data/jp.json --alternatives 2`, LP gap 0.1 %) microlp's branch and
//! bound took 138 s (141 s CPU in our measurement). The partition solves, for two plans,
//! the root and the (at most |S| + 1) branches of the first plan — staged solves of
//! ~0.3–0.6 s each — and took 3.7 s for the same two plans (6.4 s for five; whole runs 4.8 s
//! and 7.6 s).
//!
//! **On a reduction that stays exact for K plans.** The dominance reduction of
//! [`crate::engine::reduce`] removes sites with ≥ m dominators, exact for the *optimum* when
//! optimal plans open ≤ m sites. For the K best plans we remove only sites with ≥ m + K − 1
//! dominators, where m = [`reduce::open_sites_bound`] at the cut-off cost (so every plan within
//! `within_pct` opens ≤ m sites). Claim: every plan S (≤ m sites) that opens a removed site
//! has K distinct plans of kept sites only that cost no more. Proof: a removed site B ∈ S has
//! ≥ m + K − 1 dominators, of which ≤ m − 1 are open in S, so ≥ K dominators A_1…A_K are
//! closed; each `S − B + A_k` is feasible with cost ≤ cost(S) (the swap of the reduction's
//! proof), the K sets are distinct and have |S| sites. Each either has only kept sites or, by
//! induction on the (finite, strictly increasing) sum of the sites' positions in the dominance
//! order, is itself beaten by K plans of kept sites. Hence for every k ≤ K the k-th best cost
//! over kept-only plans equals the k-th best over all plans: the reduced list has the same
//! costs as the full one (among equal costs, which plan is listed may differ).
//!
//! # Margin of a chosen site
//! [`margins`]: for each open site i of the best plan, the best plan with i excluded (with the
//! dominance reduction, which is exact for the optimum). The margin is its cost minus the
//! optimum: how much the choice of i is worth. A margin below 1 % is a near-tie.
//!
//! Each re-solve stops at a relative gap of `margin_gap` (default 1e-4) rather than the main
//! solve's 1e-6, and the margin is reported as the cost of the plan found minus the optimum,
//! together with its proven lower bound (the re-solve's bound minus the optimum). Why: when
//! many near-identical sites can replace the excluded one, proving the last 0.01 % of the
//! re-solve is pure branching (the LP and Lagrangian bounds coincide there; on the national
//! public data one re-solve took 5 s to close a 0.028 % gap to 1e-6, 1.7 s to 1e-4), while a
//! margin known to 0.01 % of the total cost is a hundred times finer than the 1 % that
//! separates a near-tie from a modest margin. `margin_gap = 1e-6` gives exact margins.
//!
//! # Fixed-plan evaluation
//! [`evaluate_plan`]: the cost of opening exactly a given set of sites (by id) in another
//! instance of the problem (e.g. a Monte Carlo sample), the allocation re-optimised: the
//! problem restricted to those sites, each forced open. `regret = fixed cost − optimum ≥ 0`.

use crate::check::check;
use crate::engine::lazy::PromiseRows;
use crate::engine::reduce;
use crate::engine::warm::Seed;
use crate::engine::{self, SolveOptions, SolveStatus};
use crate::error::{Error, Result};
use crate::model::{CoverSet, SitingProblem, Solution};
use crate::progress::{Counted, NoProgress};
pub use crate::scenario::AlternativesParams;
use crate::scenario::Objective;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One plan: a set of open sites and its best allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Indices of the open sites in the problem, ascending.
    pub open: Vec<usize>,
    /// The solution (on the full problem's site indices).
    pub solution: Solution,
    /// Cost recomputed by the independent checker (the MIP objective: penalty included), AUD/yr.
    pub cost_aud: f64,
    /// Worst RTT of any MW served, ms (`None` if nothing is served).
    pub worst_rtt_ms: Option<f64>,
}

/// What [`alternatives`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternatives {
    /// Plans, cheapest first; the first is the optimum.
    pub plans: Vec<Plan>,
    /// The cut-off cost, AUD/yr: `(1 + within_pct/100) · optimum`.
    pub cutoff_aud: f64,
    /// True when the solver proved that no further plan lies within the cut-off (fewer than K
    /// plans qualify); false when K plans were listed (more may exist).
    pub exhausted: bool,
    /// Sites the plans were enumerated over (after the reduction for K plans).
    pub sites_enumerated: usize,
    /// The reduction's dominator threshold m + K − 1 (`None`: no reduction applied).
    pub dominance_threshold: Option<usize>,
    /// Why the list may be incomplete or not proven (the run's `--time-limit` ran out before
    /// the next plan was found or proven), one sentence; `None` when the list is exact.
    pub note: Option<String>,
}

/// The worst RTT of a solution's flows, ms.
pub fn worst_rtt_ms(p: &SitingProblem, s: &Solution) -> Option<f64> {
    s.flows
        .iter()
        .filter(|f| f.2 > 1e-9)
        .map(|&(i, j, _)| p.rtt_ms[i][j])
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

fn open_set(s: &Solution) -> Vec<usize> {
    s.open
        .iter()
        .enumerate()
        .filter(|(_, &o)| o)
        .map(|(i, _)| i)
        .collect()
}

/// Up to `count` plans with distinct open sets, cheapest first, each within `within_pct` % of
/// the optimum (see the module docs). Least-cost objective only.
pub fn alternatives(
    p: &SitingProblem,
    count: usize,
    within_pct: f64,
    opts: &SolveOptions,
) -> Result<Alternatives> {
    alternatives_until(p, count, within_pct, opts, None, None)
}

/// [`alternatives`], every re-solve given the time left before `deadline` (at most the
/// options' limit): when the time runs out the plans found so far are returned, with a
/// [`Alternatives::note`] that says so, instead of an error. `base` (the run's plan) stands in
/// for the optimum when its re-solve found nothing in time; without it, such a run is an
/// error naming the time limit.
pub fn alternatives_until(
    p: &SitingProblem,
    count: usize,
    within_pct: f64,
    opts: &SolveOptions,
    deadline: Option<Instant>,
    base: Option<&Solution>,
) -> Result<Alternatives> {
    let none = crate::progress::NoProgress;
    alternatives_counted(p, (count, within_pct), opts, deadline, base, &none)
}

/// [`alternatives_until`] for `(count, within_pct)`, telling `counted` of each re-solve as it
/// ends (step "alternatives": the optimum's re-solve, then one per plan looked for).
///
/// # Errors
/// As [`alternatives_until`].
pub fn alternatives_counted(
    p: &SitingProblem,
    (count, within_pct): (usize, f64),
    opts: &SolveOptions,
    deadline: Option<Instant>,
    base: Option<&Solution>,
    counted: &dyn crate::progress::Counted,
) -> Result<Alternatives> {
    counted.start("alternatives", count as u64 + 1);
    let out = alternatives_in(p, (count, within_pct), opts, deadline, base, counted);
    counted.finish();
    out
}

fn alternatives_in(
    p: &SitingProblem,
    (count, within_pct): (usize, f64),
    opts: &SolveOptions,
    deadline: Option<Instant>,
    base: Option<&Solution>,
    counted: &dyn crate::progress::Counted,
) -> Result<Alternatives> {
    if p.objective != Objective::MinCost {
        return Err(Error::usage(
            "--alternatives needs the least-cost objective",
            "drop --objective (or use min-cost) with --alternatives",
        ));
    }
    // The optimum, exactly (with the reduction that is exact for it).
    let solved = match time_left(opts, deadline) {
        Some(o) => engine::solve_with_reduction(p, &o, &mut |_, _, _| {}).map(|r| r.1),
        None => Err(Error::usage("the run's --time-limit was reached", "")),
    };
    let (best, mut note) = match (solved, base) {
        (Ok(best), _) => (best, None),
        (Err(Error::Usage { .. }), Some(base)) if deadline.is_some() => (
            base.clone(),
            Some(
                "alternatives: the optimum was not re-solved within the run's --time-limit; the cut-off is from the run's plan"
                    .to_string(),
            ),
        ),
        (Err(e), _) => return Err(e),
    };
    counted.inc(1);
    let optimum = check(p, &best).objective_recomputed;
    let mut out = Alternatives {
        plans: Vec::new(),
        cutoff_aud: optimum.max(0.0) * (1.0 + within_pct / 100.0),
        exhausted: false,
        sites_enumerated: p.sites.len(),
        dominance_threshold: None,
        note: None,
    };
    if count > 0 {
        enumerate(p, (count, opts, deadline), &mut out, counted)?;
    }
    if let Some(n) = out.note.take() {
        note = Some(match note {
            Some(m) => format!("{m}; {}", n.trim_start_matches("alternatives: ")),
            None => n,
        });
    }
    out.note = note;
    Ok(out)
}

/// The solve options for a re-solve that starts now: the time left before `deadline` (at most
/// the options' own limit); `None` when less than [`MIN_RESOLVE_SECONDS`] are left.
fn time_left(opts: &SolveOptions, deadline: Option<Instant>) -> Option<SolveOptions> {
    let mut opts = opts.clone();
    if let Some(d) = deadline {
        let left = d.saturating_duration_since(Instant::now()).as_secs_f64();
        if left < MIN_RESOLVE_SECONDS {
            return None;
        }
        opts.time_limit_s = Some(opts.time_limit_s.map_or(left, |t| t.min(left)));
    }
    Some(opts)
}

/// Lists the plans within `out.cutoff_aud` over the sites the reduction for `count` plans
/// keeps, into `out` (plans, exhaustion, reduction, note).
fn enumerate(
    p: &SitingProblem,
    (count, opts, deadline): (usize, &SolveOptions, Option<Instant>),
    out: &mut Alternatives,
    counted: &dyn crate::progress::Counted,
) -> Result<()> {
    let n = p.sites.len();
    let (kept, threshold, q) = reduced_for(p, count, out.cutoff_aud);
    let reduced = kept.len() < n;
    let mut search = Partition::new(&q, out.cutoff_aud);
    let mut unproven: Vec<usize> = Vec::new();
    while out.plans.len() < count {
        let k = out.plans.len() + 1;
        if let Some(note) = search.solve_pending(k, opts, deadline)? {
            out.note = Some(note);
            break;
        }
        counted.inc(1);
        let Some(node) = search.pop() else {
            out.exhausted = !search.unproven;
            if search.unproven {
                out.note = Some(format!(
                    "alternatives: no plan {k} was found, but not every branch of the search was proven within the run's --time-limit"
                ));
            }
            break;
        };
        if search.unproven {
            unproven.push(k);
        }
        let solution = if reduced {
            reduce::expand(&node.solution, &kept, n)
        } else {
            node.solution
        };
        let plan = checked_plan(p, solution, k)?;
        if out.plans.iter().any(|x| x.open == plan.open) {
            return Err(Error::Internal(format!(
                "alternative {k}: the open set of an earlier plan (the branches overlap)"
            )));
        }
        out.plans.push(plan);
    }
    if !unproven.is_empty() {
        let list: Vec<String> = unproven.iter().map(|k| k.to_string()).collect();
        let more = out.note.take().map_or(String::new(), |n| format!("; {n}"));
        out.note = Some(format!(
            "alternatives: plan(s) {} found at the run's --time-limit, not proven the next cheapest{more}",
            list.join(", ")
        ));
    }
    // Plans come out cheapest first; keep the order stable by the checker's cost (solver
    // tolerance may swap near-equal neighbours).
    out.plans
        .sort_by(|a, b| a.cost_aud.total_cmp(&b.cost_aud).then(a.open.cmp(&b.open)));
    out.sites_enumerated = kept.len();
    out.dominance_threshold = reduced.then_some(threshold);
    Ok(())
}

/// The reduction exact for the `count` best plans within `cutoff` (module docs): the sites
/// kept, the dominator threshold m + K − 1, and the problem restricted to them.
fn reduced_for(p: &SitingProblem, count: usize, cutoff: f64) -> (Vec<usize>, usize, SitingProblem) {
    let n = p.sites.len();
    let m = reduce::open_sites_bound(p, cutoff);
    let threshold = m.saturating_add(count - 1);
    let kept: Vec<usize> = if threshold == usize::MAX {
        (0..n).collect()
    } else {
        reduce::reduce(p, threshold)
    };
    let q = if kept.len() < n {
        reduce::restrict(p, &kept)
    } else {
        p.clone()
    };
    (kept, threshold, q)
}

/// One part of the Lawler–Murty partition: the reduced problem with these sites forced open,
/// these forced closed, and at least one site of each cover set open.
#[derive(Debug, Clone, Default)]
struct Branch {
    /// Sites forced open (`must_build`).
    open: Vec<usize>,
    /// Sites forced closed (`excluded`).
    closed: Vec<usize>,
    /// Each: at least one of these sites open (a cover set with `min_open = 1`).
    covers: Vec<Vec<usize>>,
}

impl Branch {
    /// The problem `q` with this branch's fixings and cover sets (appended to `q`'s own).
    fn problem(&self, q: &SitingProblem) -> SitingProblem {
        let mut sub = q.clone();
        self.open
            .iter()
            .for_each(|&i| sub.sites[i].must_build = true);
        self.closed
            .iter()
            .for_each(|&i| sub.sites[i].excluded = true);
        for (k, sites) in self.covers.iter().enumerate() {
            sub.cover_sets.push(CoverSet {
                id: format!("alternatives:{k}"),
                description: "alternatives: at least one site outside an earlier plan".into(),
                sites: sites.clone(),
                min_open: 1,
            });
        }
        sub
    }
}

/// A branch solved: its best plan.
struct Node {
    /// The plan's cost (the independent checker's), AUD/yr.
    cost: f64,
    /// The plan's open sites, ascending.
    open: Vec<usize>,
    /// The plan (on the reduced problem's indices).
    solution: Solution,
    /// The branch it is the best plan of.
    branch: Branch,
}

/// What solving one branch gave.
enum Solved {
    /// Its best plan, within the cut-off.
    Node(Box<Node>),
    /// Infeasible, or its best plan is above the cut-off.
    Dropped,
    /// The time limit came before any plan of it.
    TimedOut,
}

/// The Lawler–Murty search over the plans of the reduced problem (module docs).
struct Partition<'a> {
    q: &'a SitingProblem,
    /// The cut-off cost with a hair of relative slack (1e-7) against rounding.
    cutoff: f64,
    /// Sites that have an open variable in `q`'s model (the others never open).
    active: Vec<bool>,
    /// Promise rows and multipliers of the root's solve, for every other branch's solve.
    seed: Seed,
    /// Solved branches not listed yet.
    queue: Vec<Node>,
    /// Branches still to solve (each with the open set to offer as its first incumbent).
    pending: Vec<(Branch, Option<Vec<bool>>)>,
    /// Whether some branch's solve stopped at the time limit unproven (then no later plan is
    /// proven the next cheapest).
    unproven: bool,
}

impl Partition<'_> {
    /// The search of `q`'s plans costing at most `cutoff`, its root (`q` itself) to solve.
    fn new(q: &SitingProblem, cutoff: f64) -> Partition<'_> {
        Partition {
            q,
            cutoff: cutoff + 1e-7 * cutoff.abs().max(1.0),
            active: active_sites(q),
            seed: Seed::default(),
            queue: Vec::new(),
            pending: vec![(Branch::default(), None)],
            unproven: false,
        }
    }

    /// Solves the branches the last plan listed left (the root first), queueing those with a
    /// plan within the cut-off. `Some(note)` when the run's time limit stopped the search
    /// before plan `k`.
    fn solve_pending(
        &mut self,
        k: usize,
        opts: &SolveOptions,
        deadline: Option<Instant>,
    ) -> Result<Option<String>> {
        for (branch, hint) in std::mem::take(&mut self.pending) {
            let Some(opts) = time_left(opts, deadline) else {
                return Ok(Some(format!(
                    "alternatives: plan {k} not looked for, the run's --time-limit was reached"
                )));
            };
            match self.solve(branch, hint, &opts)? {
                Solved::Node(node) => self.queue.push(*node),
                Solved::Dropped => {}
                Solved::TimedOut => {
                    return Ok(Some(format!(
                        "alternatives: no plan {k} was found within the run's --time-limit"
                    )))
                }
            }
        }
        Ok(None)
    }

    /// The best plan of `branch` with the staged engine (promise rows generated as needed,
    /// seeded with the root's rows and multipliers and with `hint` as a first incumbent).
    fn solve(
        &mut self,
        branch: Branch,
        hint: Option<Vec<bool>>,
        opts: &SolveOptions,
    ) -> Result<Solved> {
        let sub = branch.problem(self.q);
        let is_root = hint.is_none();
        let seed = match hint {
            Some(open) => self.seed.with_incumbent(open),
            None => self.seed.clone(),
        };
        let solved = crate::model::diagnose::diagnose(&sub).and_then(|()| {
            let mut record = |_: &str, _: f64, _: &str| {};
            let mut sink = engine::SolveSink {
                record: &mut record,
                progress: None,
            };
            engine::solve_warm(&sub, opts, &mut sink, &seed)
        });
        let ((report, solution, _, _), next) = match solved {
            Ok(r) => r,
            Err(Error::Infeasible { .. }) => return Ok(Solved::Dropped),
            // Nothing found in time (the solve's own time-limit error).
            Err(Error::Usage { .. }) if opts.time_limit_s.is_some() => return Ok(Solved::TimedOut),
            Err(e) => return Err(e),
        };
        if is_root {
            // The root's rows hold for every branch (branches only add fixings and covers).
            self.seed = next.without_incumbent();
        }
        if report.status == SolveStatus::TimeLimitFeasible {
            self.unproven = true;
        }
        let cost = check(&sub, &solution).objective_recomputed;
        if cost > self.cutoff {
            return Ok(Solved::Dropped);
        }
        Ok(Solved::Node(Box::new(Node {
            cost,
            open: open_set(&solution),
            solution,
            branch,
        })))
    }

    /// The cheapest queued plan (ties by open set), its branch split into the branches of
    /// the rest (to solve next).
    fn pop(&mut self) -> Option<Node> {
        let best = (0..self.queue.len()).min_by(|&a, &b| {
            let (a, b) = (&self.queue[a], &self.queue[b]);
            a.cost.total_cmp(&b.cost).then_with(|| a.open.cmp(&b.open))
        })?;
        let node = self.queue.remove(best);
        self.pending = self.children(&node);
        Some(node)
    }

    /// Murty's split of `node`'s branch minus its plan S = {a_1 < … < a_m}: for each a_k not
    /// already forced open, "a_1…a_(k−1) open, a_k closed"; then "all of S open and one more
    /// site open". Each comes with S as the open set its solve starts from.
    fn children(&self, node: &Node) -> Vec<(Branch, Option<Vec<bool>>)> {
        let parent = &node.branch;
        let forced = |i: usize| self.q.sites[i].must_build || parent.open.contains(&i);
        let mut out = Vec::new();
        let mut prefix = parent.clone();
        for &a in node.open.iter().filter(|&&a| !forced(a)) {
            let mut child = prefix.clone();
            child.closed.push(a);
            out.push((child, Some(node.solution.open.clone())));
            prefix.open.push(a);
        }
        let others: Vec<usize> = (0..self.q.sites.len())
            .filter(|&i| self.active[i] && !node.solution.open[i] && !parent.closed.contains(&i))
            .collect();
        if !others.is_empty() {
            prefix.covers.push(others);
            out.push((prefix, Some(node.solution.open.clone())));
        }
        out
    }
}

/// `active[i]`: site i has an open variable in `q`'s model (not excluded, and must-build, in
/// a cover set or capacity row, or within some city's limit); the others never open.
fn active_sites(q: &SitingProblem) -> Vec<bool> {
    let covered = crate::model::build::in_cover_set(q);
    let rows = crate::model::rows::in_capacity_row(q);
    (0..q.sites.len())
        .map(|i| {
            let s = &q.sites[i];
            !s.excluded
                && (s.must_build
                    || covered[i]
                    || rows[i]
                    || (0..q.cities.len()).any(|j| crate::model::rows::pair_allowed(q, i, j)))
        })
        .collect()
}

/// Plan `k` of `p`, priced and accepted by the independent checker.
fn checked_plan(p: &SitingProblem, solution: Solution, k: usize) -> Result<Plan> {
    let chk = check(p, &solution);
    if !chk.feasible {
        return Err(Error::Internal(format!(
            "alternative {k}: the independent checker found violations: {}",
            chk.violations.join("; ")
        )));
    }
    Ok(Plan {
        open: open_set(&solution),
        worst_rtt_ms: worst_rtt_ms(p, &solution),
        cost_aud: chk.objective_recomputed,
        solution,
    })
}

/// The margin of one chosen site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteMargin {
    /// Cost of the best plan without this site, AUD per year (`None`: no feasible plan
    /// without it, or it is must-build).
    #[serde(
        rename = "without_site_cost_aud_per_yr",
        alias = "without_site_cost_aud"
    )]
    pub without_site_cost_aud: Option<f64>,
    /// `without_site_cost_aud − optimum`, AUD per year.
    #[serde(rename = "margin_aud_per_yr", alias = "margin_aud")]
    pub margin_aud: Option<f64>,
    /// The margin as a percentage of the optimum.
    pub margin_pct: Option<f64>,
    /// Proven lower bound on the margin, AUD per year: the re-solve's bound minus the optimum,
    /// at least 0 (equal to `margin_aud` when the re-solve proved its plan optimal).
    #[serde(rename = "margin_lower_aud_per_yr", alias = "margin_lower_aud")]
    pub margin_lower_aud: Option<f64>,
    /// The lower bound as a percentage of the optimum.
    pub margin_lower_pct: Option<f64>,
    /// Sites the best plan without it opens instead (ids, not in the optimum).
    pub replaced_by: Vec<String>,
    /// One sentence for the report.
    pub note: String,
}

/// Words for a margin: below 1 % a near-tie, below 5 % a modest margin, else a clear one.
pub fn margin_words(pct: f64) -> &'static str {
    if pct < 1.0 {
        "a near-tie, not a verdict"
    } else if pct < 5.0 {
        "a modest margin"
    } else {
        "a clear margin"
    }
}

/// A percentage with four decimals below 0.1, two above.
fn pct_text(pct: f64) -> String {
    if pct.abs() < 0.1 {
        format!("{pct:.4}")
    } else {
        format!("{pct:.2}")
    }
}

/// The margin of every open site of `best` (see the module docs), in the order of `open`;
/// each re-solve stops at the relative gap `margin_gap` (or `opts.mip_gap` if larger).
pub fn margins(
    p: &SitingProblem,
    best: &Solution,
    opts: &SolveOptions,
    margin_gap: f64,
) -> Result<Vec<(usize, SiteMargin)>> {
    margins_until(p, best, opts, margin_gap, None)
}

/// [`margins`], each re-solve given the time left before `deadline` (at most the options'
/// limit): a margin not started in time, or not found in the time it had, is a note that says
/// so, not an error.
pub fn margins_until(
    p: &SitingProblem,
    best: &Solution,
    opts: &SolveOptions,
    margin_gap: f64,
    deadline: Option<Instant>,
) -> Result<Vec<(usize, SiteMargin)>> {
    let warm = WarmStart::default();
    margins_warm(p, best, opts, margin_gap, deadline, &warm, &NoProgress)
}

/// What a re-solve around the base plan starts from: the promise rows (N−1 Hall rows,
/// separation caps) the base plan's solve generated ([`engine::solve_seeded`] returns them).
/// Each is a valid row of every problem that differs from the base one only in costs, in
/// excluded or must-build sites, or in demand (rows that no longer fit are dropped, see
/// [`PromiseRows`]), so a seeded re-solve has the same optimum as a cold one, usually after
/// fewer rounds of row generation (one whole staged solve each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarmStart {
    /// Promise rows to start every re-solve with (empty: a cold start).
    pub rows: PromiseRows,
}

/// Re-solves `q` (a variant of the base problem: a site excluded, costs or demand changed)
/// exactly, seeded with the base solve's promise rows (see [`WarmStart`]), after the
/// pre-solve diagnosis. The public re-solve entry point for margins and policy re-solves.
///
/// # Errors
/// As [`engine::solve_with_reduction`] (infeasible with a diagnosis, time limit, solver).
pub fn resolve_warm(
    q: &SitingProblem,
    opts: &SolveOptions,
    warm: &WarmStart,
) -> Result<engine::ReducedSolve> {
    resolve_seeded(q, opts, &Seed::from_rows(warm.rows.clone()))
}

/// [`resolve_warm`] from a whole warm start ([`Seed`]: the base solve's promise rows, its
/// last Lagrangian multipliers and an open set — e.g. the base plan, or the base plan with
/// the excluded site closed — that is repaired, evaluated exactly and checked on `q` before it
/// serves as the first incumbent). The same optimum as a cold re-solve; a seed from another
/// problem is ignored part by part ([`engine::solve_warm`]).
///
/// # Errors
/// As [`resolve_warm`].
pub fn resolve_seeded(
    q: &SitingProblem,
    opts: &SolveOptions,
    seed: &Seed,
) -> Result<engine::ReducedSolve> {
    crate::model::diagnose::diagnose(q)?;
    let mut record = |_: &str, _: f64, _: &str| {};
    let mut sink = engine::SolveSink {
        record: &mut record,
        progress: None,
    };
    engine::solve_warm(q, opts, &mut sink, seed).map(|r| r.0)
}

/// [`margins_until`], each re-solve warm-started from `warm` ([`resolve_warm`]), in parallel
/// (rayon, the current pool), `progress` told of each margin as it finishes (stage
/// `margins`). The result is in the order of the open sites and does not depend on the thread
/// count.
pub fn margins_warm(
    p: &SitingProblem,
    best: &Solution,
    opts: &SolveOptions,
    margin_gap: f64,
    deadline: Option<Instant>,
    warm: &WarmStart,
    progress: &dyn Counted,
) -> Result<Vec<(usize, SiteMargin)>> {
    let seed = Seed::from_rows(warm.rows.clone());
    margins_seeded(p, best, opts, (margin_gap, deadline), &seed, progress)
}

/// [`margins_warm`] from a whole warm start (`seed`, indexed by `p`; see [`resolve_seeded`]):
/// every margin's re-solve starts from the seed's rows and multipliers, and, when the seed has
/// an incumbent (the base plan's open set), from that open set with the margin's site closed
/// — repaired and evaluated exactly on the re-solve's problem before it bounds anything.
/// `(margin_gap, deadline)` as in [`margins_until`].
pub fn margins_seeded(
    p: &SitingProblem,
    best: &Solution,
    opts: &SolveOptions,
    (margin_gap, deadline): (f64, Option<Instant>),
    seed: &Seed,
    progress: &dyn Counted,
) -> Result<Vec<(usize, SiteMargin)>> {
    use rayon::prelude::*;
    let optimum = check(p, best).objective_recomputed;
    let opts = SolveOptions {
        mip_gap: opts.mip_gap.max(margin_gap),
        ..opts.clone()
    };
    let base = MarginBase {
        p,
        best,
        optimum,
        scale: optimum.abs().max(1e-9),
        opts: &opts,
        deadline,
        seed,
    };
    let open = open_set(best);
    progress.start("margins", open.len() as u64);
    // One independent re-solve per open site, in parallel; collected in site order, so the
    // result does not depend on the thread count.
    let out = open
        .into_par_iter()
        .map(|i| {
            let m = base.margin(i).map(|m| (i, m));
            progress.inc(1);
            m
        })
        .collect();
    progress.finish();
    out
}

/// A re-solve (margin or alternative) starts only with at least this many seconds left before
/// the deadline.
const MIN_RESOLVE_SECONDS: f64 = 0.2;

/// What each margin's re-solve compares against.
struct MarginBase<'a> {
    p: &'a SitingProblem,
    best: &'a Solution,
    optimum: f64,
    /// The optimum's magnitude, for percentages.
    scale: f64,
    opts: &'a SolveOptions,
    /// When the run's time limit ends (`None`: no limit beyond each solve's own).
    deadline: Option<Instant>,
    /// What each re-solve starts from (indexed by `p`).
    seed: &'a Seed,
}

impl MarginBase<'_> {
    /// Site `i`'s margin: the best plan without it, re-solved.
    fn margin(&self, i: usize) -> Result<SiteMargin> {
        if self.p.sites[i].must_build {
            return Ok(SiteMargin::none(
                "margin: must-build, so no plan without it was considered".into(),
            ));
        }
        let Some(opts) = time_left(self.opts, self.deadline) else {
            return Ok(SiteMargin::none(
                "margin: not computed, the run's --time-limit was reached".into(),
            ));
        };
        let mut q = self.p.clone();
        q.sites[i].excluded = true;
        // The base plan without the site: repaired and checked on `q` by the engine.
        let seed = match self.seed.incumbent_for(self.p) {
            Some(open) => {
                let mut open = open.to_vec();
                open[i] = false;
                self.seed.with_incumbent(open)
            }
            None => self.seed.clone(),
        };
        let solved = resolve_seeded(&q, &opts, &seed);
        match solved {
            Ok((report, sol, _, _)) => Ok(self.priced(&q, &report, &sol)),
            Err(Error::Infeasible { diagnosis, .. }) => Ok(SiteMargin::none(format!(
                "margin: no feasible plan without this site ({diagnosis})"
            ))),
            // Nothing found within the time left (the solve's own time-limit error).
            Err(Error::Usage { .. }) if self.deadline.is_some() => Ok(SiteMargin::none(
                "margin: no plan without this site was found within the run's --time-limit".into(),
            )),
            Err(e) => Err(e),
        }
    }

    /// The margin of the plan `sol` found without the site (problem `q`).
    fn priced(
        &self,
        q: &SitingProblem,
        report: &engine::SolveReport,
        sol: &Solution,
    ) -> SiteMargin {
        let cost = check(q, sol).objective_recomputed;
        let d = cost - self.optimum;
        let pct = 100.0 * d / self.scale;
        // The re-solve's proven bound; the optimum is optimal (to the main gap), so a margin
        // is never below 0 nor above the plan found.
        let proven = match report.status {
            SolveStatus::Optimal => cost,
            _ => report.best_bound.unwrap_or(self.optimum).min(cost),
        };
        let lower = (proven - self.optimum).clamp(0.0, d.max(0.0));
        let lower_pct = 100.0 * lower / self.scale;
        let replaced_by: Vec<String> = open_set(sol)
            .into_iter()
            .filter(|&k| !self.best.open[k])
            .map(|k| self.p.sites[k].id.clone())
            .collect();
        let note = margin_note(d, pct, lower_pct, self.opts.mip_gap, &replaced_by);
        SiteMargin {
            without_site_cost_aud: Some(cost),
            margin_aud: Some(d),
            margin_pct: Some(pct),
            margin_lower_aud: Some(lower),
            margin_lower_pct: Some(lower_pct),
            note,
            replaced_by,
        }
    }
}

/// The margin's sentence: the cost of doing without the site, its proven lower bound when
/// the digits shown are not proven, and what opens instead.
fn margin_note(d: f64, pct: f64, lower_pct: f64, gap: f64, replaced_by: &[String]) -> String {
    // Not proven to the last digit shown: the proven lower bound too.
    let bounds = if pct_text(lower_pct) != pct_text(pct.max(0.0)) {
        format!(
            "; at least +{} %, the re-solve's gap {gap:.0e}",
            pct_text(lower_pct)
        )
    } else {
        String::new()
    };
    let words = if margin_words(lower_pct) == margin_words(pct) {
        margin_words(pct).to_string()
    } else {
        let low = margin_words(lower_pct)
            .split(',')
            .next()
            .unwrap_or_default();
        format!("between {low} and {}", margin_words(pct))
    };
    let instead = if replaced_by.is_empty() {
        String::new()
    } else {
        format!(", opening {} instead", replaced_by.join(", "))
    };
    format!(
        "margin: the best plan without this site costs A${:.2} M/yr more (+{} %{bounds}){instead}: {words}",
        d / 1e6,
        pct_text(pct),
    )
}

impl SiteMargin {
    /// A margin that could not be priced, with the reason.
    fn none(note: String) -> SiteMargin {
        SiteMargin {
            without_site_cost_aud: None,
            margin_aud: None,
            margin_pct: None,
            margin_lower_aud: None,
            margin_lower_pct: None,
            replaced_by: Vec::new(),
            note,
        }
    }
}

/// How a fixed plan fared in one instance of the problem.
#[derive(Debug, Clone, PartialEq)]
pub enum FixedPlan {
    /// Feasible: the least cost with exactly these sites open, AUD per year (penalty included),
    /// and the worst RTT served.
    Cost(f64, Option<f64>),
    /// Not feasible in this instance, with the reason.
    Infeasible(String),
}

/// The cost of opening exactly the sites `ids` in `p` (see the module docs). A site id that
/// is not in `p` (it reaches no city within its limit in this instance) makes the plan
/// infeasible, as does any constraint the plan's sites cannot meet.
pub fn evaluate_plan(p: &SitingProblem, ids: &[String], opts: &SolveOptions) -> Result<FixedPlan> {
    evaluate_plan_warm(p, ids, opts, &WarmStart::default())
}

/// [`evaluate_plan`], its solve seeded with `warm`'s promise rows (rows of `p`, carried over
/// to the plan's sites by id: [`PromiseRows::transfer`]). The same cost, usually in fewer
/// rounds of row generation.
pub fn evaluate_plan_warm(
    p: &SitingProblem,
    ids: &[String],
    opts: &SolveOptions,
    warm: &WarmStart,
) -> Result<FixedPlan> {
    let mut kept: Vec<usize> = Vec::with_capacity(ids.len());
    for id in ids {
        match p.sites.iter().position(|s| &s.id == id) {
            Some(k) if !p.sites[k].excluded => kept.push(k),
            Some(_) => return Ok(FixedPlan::Infeasible(format!("site {id} is excluded"))),
            None => {
                return Ok(FixedPlan::Infeasible(format!(
                    "site {id} reaches no city within its limit"
                )))
            }
        }
    }
    kept.sort_unstable();
    let mut q = reduce::restrict(p, &kept);
    for s in &mut q.sites {
        s.must_build = true;
    }
    if q.max_sites.is_some_and(|m| m < kept.len()) {
        return Ok(FixedPlan::Infeasible(format!(
            "{} sites exceed max_sites {}",
            kept.len(),
            q.max_sites.unwrap_or(0)
        )));
    }
    if let Err(e) = crate::model::diagnose::diagnose(&q) {
        return match e {
            Error::Infeasible { diagnosis, .. } => Ok(FixedPlan::Infeasible(diagnosis)),
            e => Err(e),
        };
    }
    let seed = warm.rows.transfer(p, &q);
    match engine::solve_plain_seeded(&q, opts, &seed) {
        Ok((_, sol, _)) => {
            let c = check(&q, &sol);
            Ok(FixedPlan::Cost(
                c.objective_recomputed,
                worst_rtt_ms(&q, &sol),
            ))
        }
        Err(Error::Infeasible { .. }) => Ok(FixedPlan::Infeasible(
            "the plan's sites cannot meet every constraint".into(),
        )),
        Err(e) => Err(e),
    }
}

/// How the re-solves were seeded, for the stage note ("" for a cold start).
fn seed_note(seed: &Seed) -> String {
    let mut parts = Vec::new();
    if !seed.rows.is_empty() {
        parts.push(format!("{} promise rows", seed.rows.len()));
    }
    if seed.multipliers.is_some() {
        parts.push("multipliers".to_string());
    }
    if seed.incumbent.is_some() {
        parts.push("plan".to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(", warm-started from the base solve's {}", parts.join(", "))
    }
}

/// What the decisions found: each chosen site's margin (site index, margin) and the
/// near-optimal alternatives, as the scenario's `[alternatives]` table asks.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    /// Margin of each chosen site, by site index of the problem (empty when not asked for).
    pub margins: Vec<(usize, SiteMargin)>,
    /// The alternatives (`None` when not asked for).
    pub alternatives: Option<Alternatives>,
}

/// Re-solves for margins and alternatives (as `params` asks) around the base plan `best` of
/// `p`; other objectives than least cost get none. Margins and alternatives stop at `deadline`
/// (the run's time limit; a margin or a plan not found in time is a note that says so). `record` is told the stages' times.
///
/// # Errors
/// A usage error when alternatives are asked of another objective; solver errors.
pub fn decide(
    p: &SitingProblem,
    best: &Solution,
    params: &AlternativesParams,
    opts: &SolveOptions,
    deadline: Option<Instant>,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<Decisions> {
    let ctx = DecideContext {
        deadline,
        seed: &Seed::default(),
        progress: &NoProgress,
    };
    decide_warm(p, best, params, opts, &ctx, record)
}

/// Where [`decide_warm`]'s re-solves start and report.
pub struct DecideContext<'a> {
    /// When the run's time limit ends (`None`: no limit beyond each solve's own).
    pub deadline: Option<Instant>,
    /// The base solve's warm start (promise rows, multipliers, plan), for the margins'
    /// re-solves ([`margins_seeded`]).
    pub seed: &'a Seed,
    /// Told of each margin as it finishes (stage `margins`).
    pub progress: &'a dyn Counted,
}

/// [`decide`] with the margins warm-started and counted (see [`DecideContext`]).
///
/// # Errors
/// As [`decide`].
pub fn decide_warm(
    p: &SitingProblem,
    best: &Solution,
    params: &AlternativesParams,
    opts: &SolveOptions,
    ctx: &DecideContext<'_>,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<Decisions> {
    let deadline = ctx.deadline;
    let mut out = Decisions::default();
    if p.objective != Objective::MinCost {
        if params.count > 0 {
            return Err(Error::usage(
                "--alternatives needs the least-cost objective",
                "drop --objective (or use min-cost) with --alternatives",
            ));
        }
        return Ok(out);
    }
    if params.margins {
        let t = Instant::now();
        out.margins = margins_seeded(
            p,
            best,
            opts,
            (params.margin_gap, deadline),
            ctx.seed,
            ctx.progress,
        )?;
        let seeded = seed_note(ctx.seed);
        let note = format!(
            "best plan without each chosen site, each to a relative gap of {:.0e}{seeded}",
            opts.mip_gap.max(params.margin_gap)
        );
        record("margins", t.elapsed().as_secs_f64(), &note);
    }
    if params.count > 0 {
        let t = Instant::now();
        let mut alts = alternatives_counted(
            p,
            (params.count, params.within_pct),
            opts,
            deadline,
            Some(best),
            ctx.progress,
        )?;
        // Plan 1 is an optimum; when it opens the report's sites, show the report's allocation.
        if let Some(first) = alts.plans.first_mut() {
            if first.open == open_set(best) {
                first.worst_rtt_ms = worst_rtt_ms(p, best);
                first.solution = best.clone();
            }
        }
        let mut note = format!(
            "{} plan(s) within {} %",
            alts.plans.len(),
            params.within_pct
        );
        if let Some(n) = &alts.note {
            note = format!("{note}; {n}");
        }
        record("alternatives", t.elapsed().as_secs_f64(), &note);
        out.alternatives = Some(alts);
    }
    Ok(out)
}

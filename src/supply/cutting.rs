//! The exact supply optimiser for the convex case (no value on curtailment): a level bundle
//! method on cutting planes of the grid energy.
//!
//! Per MW of load, in AUD per MWh of load, with u(x) = G(x) / (T Δ) the grid share of design
//! x = (S, W, P, E), b = annualised unit costs / 8,760 and p the grid price:
//!
//! ```text
//! minimise  f(x) = b·x + p u(x)   s.t.  u(x) ≤ 1 − cfe_target,  x ≥ 0
//! ```
//!
//! u is convex and piecewise linear (the value of an LP whose right-hand sides are linear in
//! x), and one dispatch gives its value and a subgradient
//! ([`super::dispatch::grid_with_gradient`]), so every evaluated design adds a cut
//! u(y) ≥ u(x) + γ·(y − x). The master LP (minimise b·x + p θ over θ ≥ every cut,
//! θ ≤ 1 − target, x in a box that must hold the optimum: b_j x_j ≤ the best cost known) is a
//! relaxation, so its value is a **proven lower bound**. Upper bounds come from feasible
//! designs: an evaluated design that meets the target, or the convex combination of an
//! infeasible one with the best feasible design weighted so that the chord of u is exactly at
//! the limit (feasible by convexity, without a dispatch). The next design is the point nearest
//! (cost-weighted ∞-norm) to the best design at which the cutting-plane model's cost is at a
//! level between the two bounds (Lemaréchal, Nemirovskii & Nesterov's level method; both
//! subproblems are small LPs, solved with microlp). The search stops when the gap is below
//! [`REL_GAP`] of the cost.
//!
//! The method is written for any number of design variables ([`Bundle`], [`solve_model`]):
//! a zone's (S, W, P, E) ([`Convex`], [`solve`]) and a regional portfolio's solar and wind
//! per zone plus one battery ([`super::regional`]) are the same search, each with its own
//! dispatch ([`GridModel`]).

use super::dispatch::{
    grid_with_gradient, simulate, Design, Energy, GradScratch, Scratch, DELTA_H,
};
use lp::{ComparisonOp, OptimizationDirection, Problem as Lp, Variable};
use microlp as lp;

/// The relative gap between the best design's cost and the proven lower bound at which the
/// search stops (0.001 %).
pub const REL_GAP: f64 = 1e-5;

/// Dispatches a zone's search ([`solve`]) may run before it returns its best design (the gap
/// is then reported in the lower bound).
pub const MAX_EVALUATIONS: usize = 400;

/// Level parameter: the next design's model cost is this far from the lower to the upper
/// bound.
const LEVEL: f64 = 0.3;

/// The dispatch behind a search: the grid energy of a design and a subgradient.
pub trait GridModel {
    /// The load's energy over the horizon, T Δ, MWh per MW of load.
    fn load_mwh(&self) -> f64;
    /// The grid energy of design `x` (MWh over the horizon) and a subgradient with respect to
    /// `x` (MWh per unit of each variable).
    fn grid_with_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>);
    /// The dispatch totals of design `x`.
    fn energy(&mut self, x: &[f64]) -> Energy;
}

/// The convex problem of the module docs in any number of design variables.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Which variables may be non-zero.
    pub active: Vec<bool>,
    /// Unit costs b, AUD per MWh of load per unit of each variable.
    pub unit_aud_per_mwh: Vec<f64>,
    /// Grid price p, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Largest grid share allowed, 1 − cfe_target.
    pub max_grid_share: f64,
    /// First design to evaluate (doubled until it meets the target).
    pub start: Vec<f64>,
    /// Further designs evaluated after the first feasible one (their cuts, and the best of
    /// them as the first upper bound); none for a zone.
    pub seeds: Vec<Vec<f64>>,
    /// Dispatches the search may run before it returns its best design.
    pub max_evaluations: usize,
}

/// The answer of [`solve_model`].
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    /// The best design found (meets the target).
    pub x: Vec<f64>,
    /// Its dispatch ([`GridModel::energy`]).
    pub energy: Energy,
    /// Its cost f, AUD per MWh of load.
    pub cost_aud_per_mwh: f64,
    /// Proven lower bound on the optimum, AUD per MWh of load.
    pub lower_bound_aud_per_mwh: f64,
    /// Dispatches run.
    pub evaluations: usize,
}

/// The convex supply problem of one zone in the units above.
#[derive(Debug, Clone, Copy)]
pub struct Convex<'a> {
    /// Solar capacity factors per half-hour.
    pub solar: &'a [f64],
    /// Wind capacity factors per half-hour.
    pub wind: &'a [f64],
    /// Which of (S, W, P, E) may be non-zero.
    pub active: [bool; 4],
    /// Unit costs b, AUD per MWh of load per MW (per MWh for E).
    pub unit_aud_per_mwh: [f64; 4],
    /// Grid price p, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Round-trip efficiency of the battery.
    pub round_trip_efficiency: f64,
    /// Largest grid share allowed, 1 − cfe_target.
    pub max_grid_share: f64,
    /// First design to evaluate.
    pub start: [f64; 4],
}

/// The search's answer for one zone.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// The best design found (meets the target).
    pub design: Design,
    /// Its dispatch ([`simulate`]).
    pub energy: Energy,
    /// Its cost f, AUD per MWh of load.
    pub cost_aud_per_mwh: f64,
    /// Proven lower bound on the optimum, AUD per MWh of load.
    pub lower_bound_aud_per_mwh: f64,
    /// Dispatches run.
    pub evaluations: usize,
}

/// One zone's dispatch: design `[S, W, P, E]` on its solar and wind traces.
struct Zone<'a> {
    solar: &'a [f64],
    wind: &'a [f64],
    eta: f64,
    grad: GradScratch,
    scratch: Scratch,
}

impl GridModel for Zone<'_> {
    fn load_mwh(&self) -> f64 {
        DELTA_H * self.solar.len().min(self.wind.len()) as f64
    }

    fn grid_with_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let d = design_of(x);
        let (g, grad) = grid_with_gradient(self.solar, self.wind, &d, self.eta, &mut self.grad);
        (g, grad.to_vec())
    }

    fn energy(&mut self, x: &[f64]) -> Energy {
        simulate(
            self.solar,
            self.wind,
            &design_of(x),
            self.eta,
            &mut self.scratch,
        )
    }
}

/// `[S, W, P, E]` (missing entries 0) as a design.
fn design_of(x: &[f64]) -> Design {
    let v = |i: usize| x.get(i).copied().unwrap_or(0.0);
    Design::from_array([v(0), v(1), v(2), v(3)])
}

/// Solves one zone's convex problem ([`solve_model`] on its two traces, at most
/// [`MAX_EVALUATIONS`] dispatches). `None` if no design meets the target within 2^24 × the
/// start, or the LP solver fails before a first bound (the caller then uses the reference
/// search).
pub fn solve(p: &Convex<'_>) -> Option<Answer> {
    let bundle = Bundle {
        active: p.active.to_vec(),
        unit_aud_per_mwh: p.unit_aud_per_mwh.to_vec(),
        grid_price_aud_per_mwh: p.grid_price_aud_per_mwh,
        max_grid_share: p.max_grid_share,
        start: p.start.to_vec(),
        seeds: Vec::new(),
        max_evaluations: MAX_EVALUATIONS,
    };
    let mut zone = Zone {
        solar: p.solar,
        wind: p.wind,
        eta: p.round_trip_efficiency,
        grad: GradScratch::default(),
        scratch: Scratch::default(),
    };
    let s = solve_model(&bundle, &mut zone)?;
    Some(Answer {
        design: design_of(&s.x),
        energy: s.energy,
        cost_aud_per_mwh: s.cost_aud_per_mwh,
        lower_bound_aud_per_mwh: s.lower_bound_aud_per_mwh,
        evaluations: s.evaluations,
    })
}

/// A feasible design and an upper bound on its grid share (exact if it was dispatched).
#[derive(Debug, Clone)]
struct Point {
    x: Vec<f64>,
    u_max: f64,
    cost: f64,
}

struct Search<'a> {
    p: &'a Bundle,
    model: &'a mut dyn GridModel,
    /// Cuts u(y) ≥ c0 + γ·y.
    cuts: Vec<(f64, Vec<f64>)>,
    /// The dispatched designs that meet the target (the anchors of the repair).
    feasible: Vec<Point>,
    evaluations: usize,
    load_mwh: f64,
}

impl Search<'_> {
    /// Dispatches x, adds its cut and returns u(x).
    fn evaluate(&mut self, x: &[f64]) -> f64 {
        self.evaluations += 1;
        let (g, grad) = self.model.grid_with_gradient(x);
        let u = g / self.load_mwh;
        let active = &self.p.active;
        let gamma: Vec<f64> = (0..x.len())
            .map(|i| {
                if active[i] {
                    grad[i] / self.load_mwh
                } else {
                    0.0
                }
            })
            .collect();
        let c0 = u - (0..x.len()).map(|i| gamma[i] * x[i]).sum::<f64>();
        self.cuts.push((c0, gamma));
        u
    }

    fn cost(&self, x: &[f64], u: f64) -> f64 {
        let b = &self.p.unit_aud_per_mwh;
        (0..x.len()).map(|i| b[i] * x[i]).sum::<f64>() + self.p.grid_price_aud_per_mwh * u
    }

    /// The master LP's variables: x (bounded by the box), θ, and the cut constraints.
    fn master(&self, upper_cost: f64) -> (Lp, Vec<Variable>, Variable) {
        let p = self.p;
        let mut lp = Lp::new(OptimizationDirection::Minimize);
        let b = &p.unit_aud_per_mwh;
        let x: Vec<Variable> = (0..b.len())
            .map(|i| {
                let hi = if !p.active[i] {
                    0.0
                } else if b[i] > 0.0 {
                    upper_cost / b[i]
                } else {
                    f64::INFINITY
                };
                lp.add_var(0.0, (0.0, hi))
            })
            .collect();
        let theta = lp.add_var(0.0, (0.0, p.max_grid_share));
        for (c0, g) in &self.cuts {
            let mut terms = vec![(theta, 1.0)];
            terms.extend((0..x.len()).filter(|&i| g[i] != 0.0).map(|i| (x[i], -g[i])));
            lp.add_constraint(terms, ComparisonOp::Ge, *c0);
        }
        (lp, x, theta)
    }

    fn cost_terms(&self, x: &[Variable], theta: Variable) -> Vec<(Variable, f64)> {
        let b = &self.p.unit_aud_per_mwh;
        let mut t: Vec<(Variable, f64)> = (0..x.len()).map(|i| (x[i], b[i])).collect();
        t.push((theta, self.p.grid_price_aud_per_mwh));
        t
    }

    /// The master LP's optimum: a lower bound on the problem's (None if the solver fails).
    fn lower_bound(&self, upper_cost: f64) -> Option<f64> {
        let (mut lp, x, theta) = self.master(upper_cost);
        let obj = lp.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
        let mut terms = self.cost_terms(&x, theta);
        terms.push((obj, -1.0));
        lp.add_constraint(terms, ComparisonOp::Eq, 0.0);
        let sol = lp.solve().ok()?.into_solution().ok()?;
        Some(sol.objective())
    }

    /// The design nearest `centre` (cost-weighted ∞-norm) whose model cost is at most `level`.
    fn project(&self, centre: &[f64], level: f64, upper_cost: f64) -> Option<Vec<f64>> {
        let (mut lp, x, theta) = self.master(upper_cost);
        let t = lp.add_var(1.0, (0.0, f64::INFINITY));
        lp.add_constraint(self.cost_terms(&x, theta), ComparisonOp::Le, level);
        for i in (0..x.len()).filter(|&i| self.p.active[i]) {
            let w = self.p.unit_aud_per_mwh[i].max(1e-9);
            lp.add_constraint([(x[i], w), (t, -1.0)], ComparisonOp::Le, w * centre[i]);
            lp.add_constraint([(x[i], w), (t, 1.0)], ComparisonOp::Ge, w * centre[i]);
        }
        let sol = lp.solve().ok()?.into_solution().ok()?;
        Some(x.iter().map(|&v| sol.var_value(v).max(0.0)).collect())
    }

    /// A feasible design to start from: the start, doubled until it meets the target.
    fn first_feasible(&mut self) -> Option<Point> {
        let mut x = self.p.start.clone();
        for _ in 0..24 {
            let u = self.evaluate(&x);
            if u <= self.p.max_grid_share {
                let cost = self.cost(&x, u);
                let pt = Point { x, u_max: u, cost };
                self.feasible.push(pt.clone());
                return Some(pt);
            }
            x.iter_mut().for_each(|v| *v *= 2.0);
        }
        None
    }

    /// The best feasible point a dispatched design `x` with share `u` gives: itself, or its
    /// convex combination with one of the feasible designs so far (the cheapest such) with the
    /// chord of u at the limit.
    fn feasible_from(&mut self, x: Vec<f64>, u: f64) -> Option<Point> {
        let limit = self.p.max_grid_share;
        if u <= limit {
            let cost = self.cost(&x, u);
            let pt = Point { x, u_max: u, cost };
            self.feasible.push(pt.clone());
            return Some(pt);
        }
        let mut best: Option<Point> = None;
        for a in self.feasible.iter().filter(|a| a.u_max < limit) {
            let th = ((u - limit) / (u - a.u_max)).clamp(0.0, 1.0);
            let xm: Vec<f64> = (0..x.len())
                .map(|i| th * a.x[i] + (1.0 - th) * x[i])
                .collect();
            let cost = self.cost(&xm, limit);
            if best.as_ref().is_none_or(|b| cost < b.cost) {
                best = Some(Point {
                    x: xm,
                    u_max: limit,
                    cost,
                });
            }
        }
        best
    }

    /// Evaluates `x` and makes the feasible point it gives `best` when that is cheaper.
    fn try_design(&mut self, x: Vec<f64>, best: &mut Point) {
        let u = self.evaluate(&x);
        if let Some(cand) = self.feasible_from(x, u) {
            if cand.cost < best.cost {
                *best = cand;
            }
        }
    }
}

/// Solves the convex problem `p` with the dispatch `model` (module docs). `None` if no design
/// meets the target within 2^24 × the start, or the LP solver fails before a first bound.
pub fn solve_model(p: &Bundle, model: &mut dyn GridModel) -> Option<Solved> {
    let load_mwh = model.load_mwh();
    let mut s = Search {
        p,
        model,
        cuts: Vec::new(),
        feasible: Vec::new(),
        evaluations: 0,
        load_mwh,
    };
    let mut best = s.first_feasible()?;
    for seed in &p.seeds {
        s.try_design(seed.clone(), &mut best);
    }
    let mut lower = 0.0f64;
    while s.evaluations < p.max_evaluations {
        lower = lower.max(s.lower_bound(best.cost)?);
        if best.cost - lower <= REL_GAP * best.cost.abs() {
            break;
        }
        let level = lower + LEVEL * (best.cost - lower);
        let Some(x) = s.project(&best.x, level, best.cost) else {
            break;
        };
        s.try_design(x, &mut best);
    }
    let energy = s.model.energy(&best.x);
    let cost = s.cost(&best.x, energy.grid_mwh / s.load_mwh);
    Some(Solved {
        x: best.x,
        energy,
        cost_aud_per_mwh: cost,
        lower_bound_aud_per_mwh: lower.min(cost),
        evaluations: s.evaluations + 1,
    })
}

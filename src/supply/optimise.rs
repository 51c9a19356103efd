//! The least-cost design (S, W, P, E) for a CFE target: a convex search with the greedy
//! dispatch ([`super::dispatch`]) inside.
//!
//! [`optimise`] uses the level bundle method of [`super::cutting`] in the convex case (no
//! value on curtailment: ~35 dispatches per zone, a proven gap of 0.001 %). The rest of this
//! module is the previous search, [`optimise_nelder_mead`] (~1,000 dispatches per zone), kept
//! as the reference in tests and benches and for a non-zero export value:
//!
//! Per MW of flat load over T half-hours, with annualised unit costs a = (A_S, A_W, A_P, A_E),
//! grid energy G(x) (MWh over the horizon, from the greedy dispatch, the least any dispatch of
//! x can buy), annualising factor k = 8,760 / (T Δ) and grid price c (AUD/MWh):
//!
//! ```text
//! minimise  C(x) = a·x + c k G(x) − v k Q(x)     s.t.  G(x) ≤ (1 − cfe_target) T Δ,  x ≥ 0
//! ```
//!
//! G is convex in x (the optimal value of an LP whose constraints are linear in x and the
//! dispatch jointly), so with v = 0 the problem is convex. It is solved by Lagrangian
//! relaxation: for a multiplier μ ≥ c k the function a·x + μ G(x) − v k Q(x) is minimised
//! over x ≥ 0 by Nelder–Mead (restarted until it stops improving; bounds by projection plus a
//! penalty); μ is bisected (geometrically) until the constraint holds with the least μ. The
//! final design is the convex combination of the last infeasible and the last feasible designs
//! that puts the constraint's linear bound exactly at the limit: by convexity of G it is
//! feasible. Weak duality gives a lower bound at each μ,
//! L(μ) = min_x [a·x + μ G(x) − v k Q(x)] − (μ − c k) G_max, reported with the answer (it
//! is exact only as far as the inner minimisation is; the test suite checks the cost against an
//! independent LP solver).

use super::dispatch::{simulate, Design, Energy, Scratch, DELTA_H};
use super::flex::{simulate_flexible, FlexScratch, Flexibility};

/// The search's variables: solar MW, wind MW, battery MW, battery MWh and (for a flexible load)
/// headroom MW, all per MW of average load.
const DIM: usize = 5;

/// A point of the search: `[S, W, P, E, H]`.
type X = [f64; DIM];

/// The design part of a search point.
fn design_of(x: &X) -> Design {
    Design::from_array([x[0], x[1], x[2], x[3]])
}

/// A search point from a design and a headroom.
fn point(d: &Design, headroom_mw: f64) -> X {
    let a = d.to_array();
    [a[0], a[1], a[2], a[3], headroom_mw]
}

/// One supply problem per MW of flat load.
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    /// Solar capacity factors per half-hour (`None` = solar not available).
    pub solar: Option<&'a [f64]>,
    /// Wind capacity factors per half-hour (`None` = wind not available).
    pub wind: Option<&'a [f64]>,
    /// Annualised costs: solar, wind per MW; battery power per MW; battery energy per MWh;
    /// AUD per year.
    pub annualised: [f64; 4],
    /// Grid price, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Value of curtailed energy sold, AUD per MWh (0 = none).
    pub export_value_aud_per_mwh: f64,
    /// Round-trip efficiency of the battery, fraction.
    pub round_trip_efficiency: f64,
    /// Share of the load's energy that renewables and storage must cover, 0..=1.
    pub cfe_target: f64,
}

/// The answer: design, its dispatch totals and the search's diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solution {
    /// The design per MW of load.
    pub design: Design,
    /// Its dispatch over the horizon.
    pub energy: Energy,
    /// Annual cost per MW of load, AUD per year.
    pub annual_cost_aud: f64,
    /// Lower bound on the annual cost, AUD per year: proven by [`optimise`]'s cutting planes,
    /// approximate from [`optimise_nelder_mead`] (see module docs).
    pub lower_bound_aud: f64,
    /// Dispatch simulations run.
    pub evaluations: usize,
    /// False if the target cannot be met (no renewable technology available).
    pub feasible: bool,
}

struct Eval<'a> {
    p: &'a Problem<'a>,
    zeros: Vec<f64>,
    scratch: Scratch,
    count: usize,
    active: [bool; DIM],
    /// The load's flexible share f (0: a flat load, [`simulate`]; else [`simulate_flexible`]
    /// with the headroom x\[4\] ≤ f).
    flexible_share: f64,
    flex_scratch: FlexScratch,
}

impl Eval<'_> {
    fn energy(&mut self, x: X) -> Energy {
        self.count += 1;
        let d = design_of(&x);
        let s = self.p.solar.unwrap_or(&self.zeros);
        let w = self.p.wind.unwrap_or(&self.zeros);
        let eta = self.p.round_trip_efficiency;
        if self.flexible_share > 0.0 {
            let flex = Flexibility {
                flexible_share: self.flexible_share,
                headroom_mw: x[4],
            };
            simulate_flexible(s, w, &d, flex, eta, &mut self.flex_scratch)
        } else {
            simulate(s, w, &d, eta, &mut self.scratch)
        }
    }

    /// The largest value of each variable (the headroom is at most f).
    fn upper(&self) -> X {
        let mut u = [f64::INFINITY; DIM];
        u[4] = self.flexible_share;
        u
    }
}

fn capital(a: &X, x: &X) -> f64 {
    a.iter().zip(x).map(|(a, x)| a * x).sum()
}

/// Nelder–Mead on the active coordinates of x ≥ 0, minimising `f`. Returns (x, f(x)).
fn nelder_mead(
    ev: &mut Eval<'_>,
    f: &dyn Fn(&X, &Energy) -> f64,
    x0: X,
    step: X,
    max_evals: usize,
) -> (X, f64) {
    let idx: Vec<usize> = (0..DIM).filter(|&i| ev.active[i]).collect();
    let upper = ev.upper();
    let n = idx.len();
    let pen = 1e3 * ev.p.annualised.iter().fold(1.0f64, |m, a| m.max(*a));
    // Inactive coordinates keep their value at `x0` (a free headroom stays at f).
    let base: X = std::array::from_fn(|i| if ev.active[i] { 0.0 } else { x0[i] });
    let embed = |y: &[f64]| {
        let mut x = base;
        for (k, &i) in idx.iter().enumerate() {
            x[i] = y[k];
        }
        x
    };
    let value = |ev: &mut Eval<'_>, y: &[f64]| {
        let x = embed(y);
        let xc: X = std::array::from_fn(|i| x[i].clamp(0.0, upper[i]));
        let neg: f64 = (0..DIM).map(|i| (xc[i] - x[i]).abs()).sum();
        let e = ev.energy(xc);
        f(&xc, &e) + pen * neg
    };
    let start: Vec<f64> = idx.iter().map(|&i| x0[i].max(0.0)).collect();
    if n == 0 {
        let v = value(ev, &[]);
        return (embed(&[]), v);
    }
    let mut best = (start.clone(), value(ev, &start));
    let mut used = 0usize;
    let mut scale: Vec<f64> = idx.iter().map(|&i| step[i]).collect();
    // Restart from the best point with a fresh simplex until a restart gains nothing.
    for _round in 0..6 {
        let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
        simplex.push(best.clone());
        for k in 0..n {
            let mut y = best.0.clone();
            y[k] += scale[k];
            let v = value(ev, &y);
            simplex.push((y, v));
        }
        used += n;
        let before = best.1;
        loop {
            simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (fb, fw) = (simplex[0].1, simplex[n].1);
            let size: f64 = simplex[1..]
                .iter()
                .map(|(y, _)| {
                    y.iter()
                        .zip(&simplex[0].0)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0f64, f64::max)
                })
                .fold(0.0f64, f64::max);
            if (fw - fb).abs() <= 2e-6 * fb.abs().max(1.0) || size < 1e-5 {
                break;
            }
            if used >= max_evals {
                break;
            }
            let mut c = vec![0.0; n];
            for (y, _) in &simplex[..n] {
                for k in 0..n {
                    c[k] += y[k] / n as f64;
                }
            }
            let lerp = |t: f64, w: &[f64]| -> Vec<f64> {
                (0..n).map(|k| c[k] + t * (w[k] - c[k])).collect()
            };
            let worst = simplex[n].0.clone();
            let xr = lerp(-1.0, &worst);
            let fr = value(ev, &xr);
            used += 1;
            if fr < simplex[0].1 {
                let xe = lerp(-2.0, &worst);
                let fe = value(ev, &xe);
                used += 1;
                simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
            } else if fr < simplex[n - 1].1 {
                simplex[n] = (xr, fr);
            } else {
                let (xc, fc) = if fr < simplex[n].1 {
                    let xc = lerp(-0.5, &worst);
                    let fc = value(ev, &xc);
                    (xc, fc)
                } else {
                    let xc = lerp(0.5, &worst);
                    let fc = value(ev, &xc);
                    (xc, fc)
                };
                used += 1;
                if fc < fr.min(simplex[n].1) {
                    simplex[n] = (xc, fc);
                } else {
                    let b = simplex[0].0.clone();
                    for item in simplex.iter_mut().skip(1) {
                        let y: Vec<f64> = (0..n).map(|k| b[k] + 0.5 * (item.0[k] - b[k])).collect();
                        let v = value(ev, &y);
                        *item = (y, v);
                    }
                    used += n;
                }
            }
        }
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if simplex[0].1 < best.1 {
            best = simplex[0].clone();
        }
        let gain = before - best.1;
        if gain <= 1e-5 * best.1.abs().max(1.0) || used >= max_evals {
            break;
        }
        for s in scale.iter_mut() {
            *s *= 0.5;
        }
    }
    let x = embed(&best.0);
    (std::array::from_fn(|i| x[i].clamp(0.0, upper[i])), best.1)
}

/// Sets design variables below 1e-3 (MW or MWh per MW of load) to zero, one at a time, where
/// that keeps the constraint and does not raise the cost: the search ends near, not at, a
/// bound.
fn polish(
    ev: &mut Eval<'_>,
    cost: &dyn Fn(&X, &Energy) -> f64,
    g_max: f64,
    tol_g: f64,
    mut x: X,
    mut e: Energy,
) -> (X, Energy, f64) {
    let mut c = cost(&x, &e);
    for i in 0..DIM {
        if x[i] > 0.0 && x[i] < 1e-3 {
            let mut y = x;
            y[i] = 0.0;
            let ey = ev.energy(y);
            let cy = cost(&y, &ey);
            if ey.grid_mwh <= g_max + tol_g && cy <= c + 1e-9 * c.abs().max(1.0) {
                (x, e, c) = (y, ey, cy);
            }
        }
    }
    (x, e, c)
}

/// Solves one supply problem: with no value on curtailment (the convex case) by the level
/// bundle method of [`super::cutting`], which proves its answer within
/// [`super::cutting::REL_GAP`]; otherwise (or if that search cannot start) by
/// [`optimise_nelder_mead`].
pub fn optimise(p: &Problem<'_>) -> Solution {
    convex(p).unwrap_or_else(|| optimise_nelder_mead(p))
}

/// The convex case through [`super::cutting::solve`]; `None` when it does not apply.
fn convex(p: &Problem<'_>) -> Option<Solution> {
    if p.export_value_aud_per_mwh != 0.0 {
        return None;
    }
    let n = p.solar.or(p.wind).map_or(0, <[f64]>::len);
    if n == 0 {
        return None;
    }
    let zeros = vec![0.0; n];
    let zero_trace = vec![0.0; n];
    let (solar, wind) = (
        p.solar.unwrap_or(&zero_trace),
        p.wind.unwrap_or(&zero_trace),
    );
    let mean = |v: Option<&[f64]>| v.map_or(0.0, |v| v.iter().sum::<f64>() / v.len() as f64);
    let (cf_s, cf_w) = (mean(p.solar), mean(p.wind));
    if cf_s <= 0.0 && cf_w <= 0.0 {
        return None;
    }
    let techs = f64::from(u8::from(cf_s > 0.0) + u8::from(cf_w > 0.0));
    let inv = |cf: f64| if cf > 0.0 { 1.0 / (techs * cf) } else { 0.0 };
    let cx = super::cutting::Convex {
        solar,
        wind,
        active: [cf_s > 0.0, cf_w > 0.0, true, true],
        unit_aud_per_mwh: p.annualised.map(|a| a / 8760.0),
        grid_price_aud_per_mwh: p.grid_price_aud_per_mwh,
        round_trip_efficiency: p.round_trip_efficiency,
        max_grid_share: (1.0 - p.cfe_target).max(0.0),
        start: [inv(cf_s), inv(cf_w), 0.5, 2.0],
    };
    let ans = super::cutting::solve(&cx)?;
    // Tiny sizes (a search ends near, not at, a bound) go to zero where that is no dearer.
    let mut ev = Eval {
        p,
        zeros,
        scratch: Scratch::default(),
        count: ans.evaluations,
        active: [
            cx.active[0],
            cx.active[1],
            cx.active[2],
            cx.active[3],
            false,
        ],
        flexible_share: 0.0,
        flex_scratch: FlexScratch::default(),
    };
    let load_mwh = DELTA_H * n as f64;
    let c = p.grid_price_aud_per_mwh * 8760.0 / load_mwh;
    let a = point(&Design::from_array(p.annualised), 0.0);
    let cost = |x: &X, e: &Energy| capital(&a, x) + c * e.grid_mwh;
    let g_max = cx.max_grid_share * load_mwh;
    let x = point(&ans.design, 0.0);
    let (x, e, annual) = polish(&mut ev, &cost, g_max, 1e-9 * load_mwh, x, ans.energy);
    Some(Solution {
        design: design_of(&x),
        energy: e,
        annual_cost_aud: annual,
        lower_bound_aud: (ans.lower_bound_aud_per_mwh * 8760.0).min(annual),
        evaluations: ev.count,
        feasible: true,
    })
}

/// The previous search, kept as the reference and for the non-convex case (a value on
/// curtailment): Nelder–Mead inside a bisection on the CFE constraint's multiplier (module
/// docs); about 1,000 dispatches per zone, no proof of optimality.
pub fn optimise_nelder_mead(p: &Problem<'_>) -> Solution {
    nm_search(p, None).0
}

/// A flexible load's search: its flexible share, the headroom's cost and the first point.
#[derive(Debug, Clone, Copy)]
struct FlexSpec {
    flexible_share: f64,
    headroom_aud_per_mw_yr: f64,
    start: X,
}

/// [`optimise_nelder_mead`] for a flat load (`flex` `None`) or a flexible one (the headroom a
/// fifth variable, the dispatch [`simulate_flexible`]); returns the solution and the headroom.
fn nm_search(p: &Problem<'_>, flex: Option<FlexSpec>) -> (Solution, f64) {
    let n = p.solar.or(p.wind).map_or(0, <[f64]>::len);
    let mut ev = nm_eval(p, n);
    let load_mwh = DELTA_H * n as f64;
    let k = if n > 0 { 8760.0 / load_mwh } else { 0.0 };
    let mut a = point(&Design::from_array(p.annualised), 0.0);
    if let Some(fx) = flex {
        ev.flexible_share = fx.flexible_share;
        // Free headroom is H = f (a wider range never needs more grid); else H is searched.
        ev.active[4] = fx.flexible_share > 0.0 && fx.headroom_aud_per_mw_yr > 0.0;
        a[4] = fx.headroom_aud_per_mw_yr;
    }
    let active = ev.active;
    let mut s = NmSearch {
        a,
        c: p.grid_price_aud_per_mwh * k,
        v: p.export_value_aud_per_mwh * k,
        g_max: (1.0 - p.cfe_target).max(0.0) * load_mwh,
        tol_g: 1e-9 * load_mwh.max(1.0),
        step: [0.0; DIM],
    };
    if n == 0 || !active[0] && !active[1] {
        return (s.nothing_to_build(&mut ev), 0.0);
    }
    let mut x0;
    (x0, s.step) = nm_start(p);
    if let Some(fx) = flex {
        x0 = fx.start;
        s.step[4] = 0.3 * fx.flexible_share;
    }
    let (sol, x) = nm_solve(&mut s, &mut ev, x0);
    (sol, x[4])
}

/// The Lagrangian search of [`nm_search`] from `x0`: the solution and its point.
fn nm_solve(s: &mut NmSearch, ev: &mut Eval<'_>, x0: X) -> (Solution, X) {
    let solution = |x: &X, energy: Energy, cost: f64, bound: f64, feasible: bool, count| Solution {
        design: design_of(x),
        energy,
        annual_cost_aud: cost,
        lower_bound_aud: bound,
        evaluations: count,
        feasible,
    };
    // μ = c k: the unconstrained least cost. If it meets the target, done.
    let (xc, fc, ec) = s.inner(ev, s.c, x0, 4000, 1.0);
    if s.meets(&ec) {
        let (xc, ec, cc) = s.polish(ev, xc, ec);
        return (solution(&xc, ec, cc, fc.min(cc), true, ev.count), xc);
    }
    let (lo, hi, lb) = s.raise_mu(ev, (s.c, xc, ec), fc);
    let Some(hi) = hi else {
        let c = s.cost(&lo.1, &lo.2);
        return (solution(&lo.1, lo.2, c, lb, false, ev.count), lo.1);
    };
    let (best, lb) = s.regula_falsi(ev, lo, hi, lb);
    let (bx, be, bc) = s.polish(ev, best.1, best.2);
    (solution(&bx, be, bc, lb.min(bc), true, ev.count), bx)
}

/// A flexible load's least-cost portfolio ([`optimise_flexible`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlexSolution {
    /// The chosen design and its dispatch; `annual_cost_aud` is the energy cost (solar, wind,
    /// battery, grid) without the headroom. `lower_bound_aud` equals it when the load is
    /// served flexibly: no bound is proven then (the dispatch is a heuristic).
    pub solution: Solution,
    /// The chosen headroom H per MW of average load, 0..=f, MW.
    pub headroom_mw: f64,
    /// The headroom's annual cost per MW of average load, H × its capex, AUD per year.
    pub headroom_aud: f64,
    /// The same load served flat (the exact search, [`optimise`]).
    pub flat: Solution,
    /// The search's result before the comparison with the flat load: its energy cost, AUD per
    /// year, and headroom, MW (to tell a declined flexibility's saving).
    pub searched: (f64, f64),
}

impl FlexSolution {
    /// True when the flexible search found nothing cheaper than the flat load (H = 0).
    pub fn declined(&self) -> bool {
        self.headroom_mw == 0.0
    }
}

/// The least-cost portfolio of a load with flexible share `flexible_share` (0..=0.5) whose
/// headroom costs `headroom_aud_per_mw_yr` (annualised servers and facility per MW): the
/// design (S, W, P, E) and the headroom H ∈ [0, f] together, by the Nelder–Mead Lagrangian
/// search from the flat optimum with H = f, with the heuristic dispatch of
/// [`super::flex`] inside. Never dearer than the flat load: when the search finds nothing
/// cheaper, the flat portfolio is returned with H = 0.
///
/// Not proven optimal: the tests measure it against an LP of the same problem solved with
/// HiGHS (docs/energy.md).
pub fn optimise_flexible(
    p: &Problem<'_>,
    flexible_share: f64,
    headroom_aud_per_mw_yr: f64,
) -> FlexSolution {
    let flat = optimise(p);
    let flat_result = |searched| FlexSolution {
        solution: flat,
        headroom_mw: 0.0,
        headroom_aud: 0.0,
        flat,
        searched,
    };
    if flexible_share <= 0.0 || !flat.feasible || p.export_value_aud_per_mwh != 0.0 {
        return flat_result((flat.annual_cost_aud, 0.0));
    }
    // Priced headroom: the search is started at H = f and at H = f / 4 (Nelder–Mead alone
    // often keeps H near its start), and the cheaper answer is kept.
    let starts: &[f64] = if headroom_aud_per_mw_yr > 0.0 {
        &[1.0, 0.25]
    } else {
        &[1.0]
    };
    let mut best: Option<(Solution, f64)> = None;
    let mut evaluations = 0;
    for &share in starts {
        let spec = FlexSpec {
            flexible_share,
            headroom_aud_per_mw_yr,
            start: point(&flat.design, share * flexible_share),
        };
        let (sol, h) = nm_search(p, Some(spec));
        evaluations += sol.evaluations;
        let better = |b: &(Solution, f64)| {
            !b.0.feasible || sol.feasible && sol.annual_cost_aud < b.0.annual_cost_aud
        };
        if best.as_ref().is_none_or(better) {
            best = Some((sol, h));
        }
    }
    let Some((mut sol, h)) = best else {
        return flat_result((flat.annual_cost_aud, 0.0));
    };
    sol.evaluations = evaluations;
    let headroom_aud = h * headroom_aud_per_mw_yr;
    // The search's cost includes the headroom: the energy cost is the rest.
    sol.annual_cost_aud -= headroom_aud;
    sol.lower_bound_aud = sol.annual_cost_aud;
    sol.evaluations += flat.evaluations;
    let searched = (sol.annual_cost_aud, h);
    if !sol.feasible || h <= 0.0 || sol.annual_cost_aud + headroom_aud >= flat.annual_cost_aud {
        return flat_result(searched);
    }
    FlexSolution {
        solution: sol,
        headroom_mw: h,
        headroom_aud,
        flat,
        searched,
    }
}

/// The least-cost portfolio of a load with flexible share `flexible_share` served with a
/// *fixed* headroom `headroom_mw` (0..=f, MW per MW of average load; the servers are paid
/// elsewhere, by the siting model's capacity): the design (S, W, P, E) by the Nelder–Mead
/// search of [`optimise_flexible`] with H held at `headroom_mw`, compared with the flat load
/// (always feasible within the range) and the cheaper kept. `headroom_mw` in the answer is the
/// given H even when the flat dispatch wins (the capacity is built either way); `headroom_aud`
/// is 0. With H = 0 the load cannot move (its daily energy is fixed and it never exceeds 1):
/// the flat portfolio.
pub fn optimise_flexible_fixed(
    p: &Problem<'_>,
    flexible_share: f64,
    headroom_mw: f64,
) -> FlexSolution {
    let flat = optimise(p);
    let h = headroom_mw.clamp(0.0, flexible_share.max(0.0));
    let mut out = FlexSolution {
        solution: flat,
        headroom_mw: h,
        headroom_aud: 0.0,
        flat,
        searched: (flat.annual_cost_aud, 0.0),
    };
    if flexible_share <= 0.0 || h <= 0.0 || !flat.feasible || p.export_value_aud_per_mwh != 0.0 {
        return out;
    }
    let spec = FlexSpec {
        flexible_share,
        headroom_aud_per_mw_yr: 0.0,
        start: point(&flat.design, h),
    };
    let (mut sol, _) = nm_search(p, Some(spec));
    sol.lower_bound_aud = sol.annual_cost_aud;
    sol.evaluations += flat.evaluations;
    out.searched = (sol.annual_cost_aud, h);
    if sol.feasible && sol.annual_cost_aud < flat.annual_cost_aud {
        out.solution = sol;
    }
    out
}

/// A multiplier μ of the CFE constraint with the design found for it and its energy.
type MuPoint = (f64, X, Energy);

/// The fixed terms of [`optimise_nelder_mead`] for one problem.
struct NmSearch {
    /// Annualised unit costs of (S, W, P, E, H).
    a: X,
    /// Grid price per MWh of the per-MW totals, AUD/yr.
    c: f64,
    /// Value of curtailed energy, likewise.
    v: f64,
    /// The most grid energy the CFE target allows, MWh.
    g_max: f64,
    /// Tolerance on `g_max`, MWh.
    tol_g: f64,
    /// The simplex scale at the start.
    step: X,
}

impl NmSearch {
    /// Annual cost of design `x` with energy `e`.
    fn cost(&self, x: &X, e: &Energy) -> f64 {
        capital(&self.a, x) + self.c * e.grid_mwh - self.v * e.curtailed_mwh
    }

    /// Whether `e` meets the CFE target.
    fn meets(&self, e: &Energy) -> bool {
        e.grid_mwh <= self.g_max + self.tol_g
    }

    /// The solution when there is nothing to build (no trace, or neither solar nor wind).
    fn nothing_to_build(&self, ev: &mut Eval<'_>) -> Solution {
        let x = [0.0; DIM];
        let e = ev.energy(x);
        let cst = self.cost(&x, &e);
        Solution {
            design: Design::default(),
            energy: e,
            annual_cost_aud: cst,
            lower_bound_aud: cst,
            evaluations: ev.count,
            feasible: self.meets(&e),
        }
    }

    /// Nelder–Mead on the Lagrangian with multiplier `mu` from `x0` (`evals` dispatches at
    /// most, simplex scaled by `shrink`): (x, Lagrangian, energy of x).
    fn inner(
        &self,
        ev: &mut Eval<'_>,
        mu: f64,
        x0: X,
        evals: usize,
        shrink: f64,
    ) -> (X, f64, Energy) {
        let (a, v) = (self.a, self.v);
        let f = |x: &X, e: &Energy| capital(&a, x) + mu * e.grid_mwh - v * e.curtailed_mwh;
        let (x, fx) = nelder_mead(ev, &f, x0, self.step.map(|s| s * shrink), evals);
        let e = ev.energy(x);
        (x, fx, e)
    }

    /// [`polish`] with this problem's cost and limit.
    fn polish(&self, ev: &mut Eval<'_>, x: X, e: Energy) -> (X, Energy, f64) {
        polish(ev, &|x, e| self.cost(x, e), self.g_max, self.tol_g, x, e)
    }

    /// Doubles μ from 2c until the constraint holds (at most 40 times), starting from the
    /// infeasible `lo`: (last infeasible, first feasible if any, lower bound raised from `lb`).
    fn raise_mu(
        &self,
        ev: &mut Eval<'_>,
        mut lo: MuPoint,
        mut lb: f64,
    ) -> (MuPoint, Option<MuPoint>, f64) {
        let mut x0 = lo.1;
        let mut mu = 2.0 * self.c.max(1.0);
        for _ in 0..40 {
            let (x, fx, e) = self.inner(ev, mu, x0, 3000, 0.5);
            lb = lb.max(fx - (mu - self.c) * self.g_max);
            if self.meets(&e) {
                return (lo, Some((mu, x, e)), lb);
            }
            lo = (mu, x, e);
            x0 = x;
            mu *= 2.0;
        }
        (lo, None, lb)
    }

    /// Regula falsi on ln μ (Illinois variant) between the last infeasible (`lo`) and the
    /// first feasible (`hi`) multiplier, aiming at G = G_max: (best feasible (cost, x,
    /// energy), lower bound raised from `lb`).
    fn regula_falsi(
        &self,
        ev: &mut Eval<'_>,
        mut lo: MuPoint,
        mut hi: MuPoint,
        mut lb: f64,
    ) -> (MuPoint, f64) {
        let mut best = (self.cost(&hi.1, &hi.2), hi.1, hi.2);
        let mut side = 0i8;
        let (mut w_lo, mut w_hi) = (1.0f64, 1.0f64);
        for it in 0..14 {
            if (best.0 - lb) <= 1e-3 * best.0.abs() {
                break;
            }
            let (l0, l1) = (lo.0.ln(), hi.0.ln());
            let (f0, f1) = (
                w_lo * (lo.2.grid_mwh - self.g_max),
                w_hi * (hi.2.grid_mwh - self.g_max),
            );
            let mut t = if f0 > f1 { f0 / (f0 - f1) } else { 0.5 };
            if it >= 8 {
                t = 0.5;
            }
            let mu = (l0 + t.clamp(0.05, 0.95) * (l1 - l0)).exp();
            let (x, fx, e) = self.inner(ev, mu, hi.1, 2000, 0.25);
            lb = lb.max(fx - (mu - self.c) * self.g_max);
            if self.meets(&e) {
                let cx = self.cost(&x, &e);
                if cx < best.0 {
                    best = (cx, x, e);
                }
                hi = (mu, x, e);
                w_hi = 1.0;
                if side == 1 {
                    w_lo *= 0.5;
                }
                side = 1;
            } else {
                lo = (mu, x, e);
                w_lo = 1.0;
                if side == -1 {
                    w_hi *= 0.5;
                }
                side = -1;
            }
            self.try_combination(ev, &lo, &hi, &mut best);
        }
        (best, lb)
    }

    /// The convex combination of `lo` and `hi` whose linear bound on G is exactly the limit
    /// is feasible: makes it `best` if it meets the target at a lower cost.
    fn try_combination(&self, ev: &mut Eval<'_>, lo: &MuPoint, hi: &MuPoint, best: &mut MuPoint) {
        let (gl, gh) = (lo.2.grid_mwh, hi.2.grid_mwh);
        if gl > gh {
            let th = ((self.g_max - gh) / (gl - gh)).clamp(0.0, 1.0);
            let xm: X = std::array::from_fn(|i| th * lo.1[i] + (1.0 - th) * hi.1[i]);
            let em = ev.energy(xm);
            if self.meets(&em) {
                let cm = self.cost(&xm, &em);
                if cm < best.0 {
                    *best = (cm, xm, em);
                }
            }
        }
    }
}

/// The dispatch evaluator of [`optimise_nelder_mead`] for traces of `n` half hours: solar
/// and wind active if their trace is given, storage if either is.
fn nm_eval<'p>(p: &'p Problem<'p>, n: usize) -> Eval<'p> {
    let active = [
        p.solar.is_some(),
        p.wind.is_some(),
        p.solar.is_some() || p.wind.is_some(),
        p.solar.is_some() || p.wind.is_some(),
    ];
    Eval {
        p,
        zeros: vec![0.0; n],
        scratch: Scratch::default(),
        count: 0,
        active: [active[0], active[1], active[2], active[3], false],
        flexible_share: 0.0,
        flex_scratch: FlexScratch::default(),
    }
}

/// Starting point and simplex scale of [`optimise_nelder_mead`] from the mean capacity
/// factors.
fn nm_start(p: &Problem<'_>) -> (X, X) {
    let mean = |v: Option<&[f64]>| v.map_or(0.0, |v| v.iter().sum::<f64>() / v.len() as f64);
    let (cf_s, cf_w) = (mean(p.solar), mean(p.wind));
    let techs = f64::from(u8::from(cf_s > 0.0) + u8::from(cf_w > 0.0)).max(1.0);
    let x0 = [
        if cf_s > 0.0 {
            1.0 / (techs * cf_s)
        } else {
            0.0
        },
        if cf_w > 0.0 {
            1.0 / (techs * cf_w)
        } else {
            0.0
        },
        0.5,
        2.0,
        0.0,
    ];
    let step = [0.3 * x0[0].max(1.0), 0.3 * x0[1].max(1.0), 0.3, 1.5, 0.0];
    (x0, step)
}

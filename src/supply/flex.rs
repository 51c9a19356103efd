//! The dispatch of a fixed design serving a **flexible** load (docs/energy.md): per MW of
//! average load, each half-hour's load l_t lies in [1 − f, 1 + H] and each calendar day's energy
//! is unchanged (Σ_{t ∈ day} l_t = 48 half-hours × 1 MW; days are consecutive blocks of 48
//! half-hours from the start of the horizon, a final partial block is a day of its own).
//!
//! **A heuristic, not an exact dispatch.** With a flexible load the greedy battery rule of
//! [`super::dispatch`] is no longer optimal on its own, and this module does not solve the
//! dispatch LP. It runs three steps, each of which keeps the dispatch feasible:
//!
//! 1. *Shift within the day.* With r_t the renewable output, the day's surplus half-hours can
//!    take min(r_t − 1, H) more load and its deficit half-hours min(1 − r_t, f) less. The shift
//!    K = min(Σ raise, Σ lower) is made (moving a MWh within the day is lossless, a battery
//!    loses 1 − η of it). On the side where only part is needed, the flat load's dispatch
//!    decides where: raise first where it curtails, lower first where it buys from the grid,
//!    then the rest; within each tier the highest peaks first (exact water-filling: the peaks
//!    are where the battery's power limit clips).
//! 2. *Battery.* The greedy battery of [`super::dispatch`] on the shifted net load, cyclic state
//!    of charge (two passes), half-hour by half-hour.
//! 3. *Repair.* Within each day, load still met from the grid moves to half-hours that still
//!    curtail (as far as the load's range allows): each MWh moved saves one MWh of grid and leaves
//!    the battery's dispatch feasible and unchanged. Steps 2–3 are repeated [`ROUNDS`] times.
//!
//! Each step is feasible, so the grid energy returned is an upper bound on the least grid energy
//! of the design (the LP's); the tests measure the gap of the whole search against an LP solved
//! independently with HiGHS (docs/energy.md gives the figures).

use super::dispatch::{Design, Energy, DELTA_H};

/// Half-hours per calendar day.
pub const HALF_HOURS_PER_DAY: usize = 48;

/// Battery-then-repair rounds of the dispatch (step 2–3 above).
pub const ROUNDS: usize = 2;

/// The flexibility of one load per MW of its average: it may fall to `1 − flexible_share` and
/// rise to `1 + headroom_mw` in any half-hour, with each day's energy unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Flexibility {
    /// f: the share of the load that may move within its day, 0..=0.5.
    pub flexible_share: f64,
    /// H: extra server and facility capacity per MW of average load, 0..=f, MW.
    pub headroom_mw: f64,
}

/// Per-thread scratch of [`simulate_flexible`]; after a call it holds that dispatch's load
/// profile ([`FlexScratch::load`]).
#[derive(Debug, Default, Clone)]
pub struct FlexScratch {
    ren: Vec<f64>,
    load: Vec<f64>,
    grid: Vec<f64>,
    curt: Vec<f64>,
    amount: Vec<f64>,
    caps: Vec<f64>,
    first: Vec<f64>,
    breaks: Vec<f64>,
}

impl FlexScratch {
    /// The load per half-hour of the last [`simulate_flexible`] call, MW per MW of average load.
    pub fn load(&self) -> &[f64] {
        &self.load
    }
}

/// Simulates design `d` serving a load with flexibility `flex` on traces `solar`, `wind` (per
/// unit of capacity) with round-trip efficiency `eta` (module docs: a feasible dispatch, so its
/// grid energy is an upper bound on the design's least). With `flexible_share` or `headroom_mw`
/// 0 it is the flat load's greedy dispatch.
pub fn simulate_flexible(
    solar: &[f64],
    wind: &[f64],
    d: &Design,
    flex: Flexibility,
    eta: f64,
    sc: &mut FlexScratch,
) -> Energy {
    let n = solar.len().min(wind.len());
    let f = flex.flexible_share.clamp(0.0, 1.0);
    let h = flex.headroom_mw.clamp(0.0, f);
    sc.ren.clear();
    sc.ren.extend(
        solar[..n]
            .iter()
            .zip(&wind[..n])
            .map(|(s, w)| d.solar_mw * s + d.wind_mw * w),
    );
    sc.load.clear();
    sc.load.resize(n, 1.0);
    let (lo, hi) = (1.0 - f, 1.0 + h);
    if f > 0.0 && h > 0.0 {
        // The flat load's dispatch tells the shift where the grid and curtailment are.
        battery(sc, d, eta);
    }
    for day in (0..n).step_by(HALF_HOURS_PER_DAY) {
        let r = day..(day + HALF_HOURS_PER_DAY).min(n);
        shift_day(sc, r, f, h);
    }
    let mut discharged = 0.0;
    for _ in 0..ROUNDS {
        discharged = battery(sc, d, eta);
        let mut moved = 0.0;
        for day in (0..n).step_by(HALF_HOURS_PER_DAY) {
            moved += repair_day(sc, day..(day + HALF_HOURS_PER_DAY).min(n), lo, hi);
        }
        if moved <= 1e-12 * n as f64 {
            break;
        }
    }
    let renewable: f64 = sc.ren.iter().sum();
    Energy {
        grid_mwh: sc.grid.iter().sum::<f64>() * DELTA_H,
        curtailed_mwh: sc.curt.iter().sum::<f64>() * DELTA_H,
        renewable_mwh: renewable * DELTA_H,
        discharged_mwh: discharged * DELTA_H,
        load_mwh: DELTA_H * n as f64,
    }
}

/// Step 1 for the half-hours `r` of one day: the lossless shift of K = min(Σ raise, Σ lower)
/// from deficit to surplus half-hours. Where only part of one side is needed, the half-hours
/// where it matters most go first: raise first where the flat load's dispatch (in `sc.grid`,
/// `sc.curt`) curtails, lower first where it buys from the grid; within each tier the peaks
/// first (water-filling).
fn shift_day(sc: &mut FlexScratch, r: std::ops::Range<usize>, f: f64, h: f64) {
    let ren = &sc.ren[r.clone()];
    let raise: f64 = ren.iter().map(|x| (x - 1.0).clamp(0.0, h)).sum();
    let lower: f64 = ren.iter().map(|x| (1.0 - x).clamp(0.0, f)).sum();
    let k = raise.min(lower);
    if k <= 0.0 {
        return;
    }
    for (sign, cap, total) in [(1.0, h, raise), (-1.0, f, lower)] {
        // Excess over the flat load and its cap per half-hour; tier 1: the part the flat
        // dispatch curtails (raise) or buys (lower).
        let tier1 = if sign > 0.0 { &sc.curt } else { &sc.grid };
        sc.amount.clear();
        sc.caps.clear();
        sc.first.clear();
        for (x, t1) in ren.iter().zip(&tier1[r.clone()]) {
            let u = (sign * (x - 1.0)).max(0.0);
            let c = u.min(cap);
            sc.amount.push(u);
            sc.caps.push(c);
            sc.first.push(t1.min(c));
        }
        let t1_total: f64 = sc.first.iter().sum();
        if k < total && t1_total > 0.0 {
            // Tier 1 first (peaks of it first), then the rest of the caps (peaks first).
            let k1 = k.min(t1_total);
            let mut a1 = sc.first.clone();
            water_fill(&mut a1, &sc.first, k1, t1_total, &mut sc.breaks);
            for ((u, c), a) in sc.amount.iter_mut().zip(sc.caps.iter_mut()).zip(&a1) {
                *u -= a;
                *c -= a;
            }
            let rest: f64 = sc.caps.iter().sum();
            water_fill(&mut sc.amount, &sc.caps, k - k1, rest, &mut sc.breaks);
            for (u, a) in sc.amount.iter_mut().zip(&a1) {
                *u += a;
            }
        } else {
            water_fill(&mut sc.amount, &sc.caps, k, total, &mut sc.breaks);
        }
        for (l, a) in sc.load[r.clone()].iter_mut().zip(&sc.amount) {
            *l += sign * a;
        }
    }
}

/// Replaces each excess u_t ≥ 0 by min(cap_t, max(0, u_t − σ)) with the level σ ≥ 0 at which
/// they sum to `k` (0 ≤ k ≤ `total` = Σ min(cap_t, u_t)); σ = 0 when k ≥ total. Exact: the sum
/// is piecewise linear in σ with breakpoints u_t and u_t − cap_t.
fn water_fill(u: &mut [f64], caps: &[f64], k: f64, total: f64, breaks: &mut Vec<f64>) {
    let moved = |s: f64, u: &[f64]| -> f64 {
        u.iter()
            .zip(caps)
            .map(|(x, c)| (x - s).clamp(0.0, c.max(0.0)))
            .sum()
    };
    let sigma = if k >= total {
        0.0
    } else if k <= 0.0 {
        f64::INFINITY
    } else {
        breaks.clear();
        breaks.push(0.0);
        for (&x, &c) in u.iter().zip(caps).filter(|(x, _)| **x > 0.0) {
            breaks.push(x);
            if x > c {
                breaks.push(x - c);
            }
        }
        breaks.sort_by(f64::total_cmp);
        // The last breakpoint at which the sum is still ≥ k (the sum at 0 is `total` ≥ k; at
        // the largest u_t it is 0 < k).
        let (mut a, mut b) = (0usize, breaks.len() - 1);
        while b - a > 1 {
            let m = (a + b) / 2;
            if moved(breaks[m], u) >= k {
                a = m;
            } else {
                b = m;
            }
        }
        let (ga, gb) = (moved(breaks[a], u), moved(breaks[b], u));
        let t = if ga > gb { (ga - k) / (ga - gb) } else { 0.0 };
        breaks[a] + t * (breaks[b] - breaks[a])
    };
    for (x, c) in u.iter_mut().zip(caps) {
        *x = (*x - sigma).clamp(0.0, c.max(0.0));
    }
}

/// Step 2: the greedy battery on the net load, cyclic state of charge (the second pass starts
/// where the first, from empty, ends). Fills the grid and curtailment per half-hour (MW) and
/// returns the MW-half-hours discharged.
fn battery(sc: &mut FlexScratch, d: &Design, eta: f64) -> f64 {
    let n = sc.ren.len();
    let se = eta.sqrt();
    let (k_in, k_out) = (DELTA_H * se, DELTA_H / se);
    let (p, cap) = (d.battery_mw.max(0.0), d.battery_mwh.max(0.0));
    sc.grid.clear();
    sc.grid.resize(n, 0.0);
    sc.curt.clear();
    sc.curt.resize(n, 0.0);
    let step = |e: f64, net: f64| -> (f64, f64) {
        if net >= 0.0 {
            let en = (e + k_in * net.min(p)).min(cap);
            (en, (en - e) / k_in)
        } else {
            let en = (e - k_out * (-net).min(p)).max(0.0);
            (en, -(e - en) / k_out)
        }
    };
    let mut e = 0.0;
    for t in 0..n {
        e = step(e, sc.ren[t] - sc.load[t]).0;
    }
    let mut discharged = 0.0;
    for t in 0..n {
        let net = sc.ren[t] - sc.load[t];
        let (en, flow) = step(e, net);
        e = en;
        if net >= 0.0 {
            sc.curt[t] = net - flow;
        } else {
            discharged -= flow;
            sc.grid[t] = -net + flow;
        }
    }
    discharged
}

/// Step 3 for the half-hours `r` of one day: moves load from half-hours met by the grid to
/// half-hours that curtail, within [lo, hi]; returns the MW-half-hours moved.
fn repair_day(sc: &mut FlexScratch, r: std::ops::Range<usize>, lo: f64, hi: f64) -> f64 {
    let down: f64 = r
        .clone()
        .map(|t| sc.grid[t].min(sc.load[t] - lo).max(0.0))
        .sum();
    let up: f64 = r
        .clone()
        .map(|t| sc.curt[t].min(hi - sc.load[t]).max(0.0))
        .sum();
    let m = down.min(up);
    if m <= 0.0 {
        return 0.0;
    }
    let (a, b) = (m / down, m / up);
    for t in r {
        let x = a * sc.grid[t].min(sc.load[t] - lo).max(0.0);
        let y = b * sc.curt[t].min(hi - sc.load[t]).max(0.0);
        sc.load[t] += y - x;
        sc.grid[t] -= x;
        sc.curt[t] -= y;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn water_fill_moves_exactly_k_from_the_peaks() {
        let mut breaks = Vec::new();
        let mut u = vec![0.0, 0.5, 0.1, 0.3, 0.0];
        let caps: Vec<f64> = u.iter().map(|x: &f64| x.min(0.2)).collect();
        let total: f64 = caps.iter().sum();
        water_fill(&mut u, &caps, 0.25, total, &mut breaks);
        assert!((u.iter().sum::<f64>() - 0.25).abs() < 1e-12, "{u:?}");
        // Level σ = 0.25: 0.5 → 0.2 (capped), 0.3 → 0.05, 0.1 → 0.
        assert!(
            (u[1] - 0.2).abs() < 1e-12 && u[2] == 0.0 && (u[3] - 0.05).abs() < 1e-12,
            "{u:?}"
        );
        let mut v = vec![0.4, 0.1];
        water_fill(&mut v, &[0.2, 0.1], 0.3, 0.3, &mut breaks);
        assert_eq!(v, vec![0.2, 0.1]);
    }

    #[test]
    fn shift_keeps_daily_energy_and_the_range() {
        // One day: solar 3 MW peaking at noon.
        let solar: Vec<f64> = (0..96)
            .map(|t| {
                let h = (t % 48) as f64 / 2.0;
                (std::f64::consts::PI * (h - 6.0) / 12.0).sin().max(0.0) * 0.8
            })
            .collect();
        let wind = vec![0.1; 96];
        let d = Design {
            solar_mw: 3.0,
            wind_mw: 1.0,
            battery_mw: 0.3,
            battery_mwh: 1.0,
        };
        let flex = Flexibility {
            flexible_share: 0.3,
            headroom_mw: 0.2,
        };
        let mut sc = FlexScratch::default();
        let e = simulate_flexible(&solar, &wind, &d, flex, 0.85, &mut sc);
        for day in sc.load().chunks(48) {
            assert!((day.iter().sum::<f64>() - 48.0).abs() < 1e-9);
            assert!(day.iter().all(|l| *l >= 0.7 - 1e-12 && *l <= 1.2 + 1e-12));
        }
        let flat = simulate_flexible(&solar, &wind, &d, Flexibility::default(), 0.85, &mut sc);
        assert!(e.grid_mwh < flat.grid_mwh - 1.0, "{e:?} vs {flat:?}");
        // The flat case is the run-compressed greedy dispatch.
        let g = super::super::dispatch::simulate(
            &solar,
            &wind,
            &d,
            0.85,
            &mut super::super::dispatch::Scratch::default(),
        );
        assert!(
            (g.grid_mwh - flat.grid_mwh).abs() < 1e-9
                && (g.curtailed_mwh - flat.curtailed_mwh).abs() < 1e-9
        );
    }
}

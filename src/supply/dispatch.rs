//! The dispatch of a fixed design: greedy battery operation over the half-hours, with a cyclic
//! state of charge.
//!
//! Per MW of flat load, half-hour t of length Δ = 0.5 h: renewables r_t = S s_t + W w_t. On a
//! surplus (r_t > 1) the battery charges h_t = min(r_t − 1, P, (E − e)/(Δ√η)) and the rest is
//! curtailed; on a deficit it discharges d_t = min(1 − r_t, P, e√η/Δ) and the rest is bought
//! from the grid. Charging stores Δ√η h_t, discharging draws Δ d_t/√η (round-trip efficiency η
//! split evenly). With a flat grid price and no value on curtailment this greedy rule buys the
//! least grid energy any feasible dispatch can (every MWh discharged displaces one MWh of grid
//! whenever it is discharged, and discharging early only frees room for later surplus); the LP
//! cross-check in the tests confirms it.
//!
//! Cyclic state of charge (e_0 = e_T): a first pass from an empty battery gives e_T; a second
//! pass starts from it and, as soon as its state meets the first pass's (both trajectories hit
//! the same bound), the rest of the horizon is the first pass's (it is re-run in lockstep from
//! the start, so nothing is stored). The second pass's end state is then e_T again, so the
//! answer is exactly cyclic (unless the battery never reaches a bound, where the second pass is
//! run to the end).

/// Half-hour length, hours.
pub const DELTA_H: f64 = 0.5;

/// A fixed design per MW of flat load.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Design {
    /// Solar MW.
    pub solar_mw: f64,
    /// Wind MW.
    pub wind_mw: f64,
    /// Battery power MW (charge and discharge).
    pub battery_mw: f64,
    /// Battery energy MWh.
    pub battery_mwh: f64,
}

impl Design {
    /// As an array `[S, W, P, E]`.
    pub fn to_array(self) -> [f64; 4] {
        [
            self.solar_mw,
            self.wind_mw,
            self.battery_mw,
            self.battery_mwh,
        ]
    }

    /// From an array `[S, W, P, E]`.
    pub fn from_array(x: [f64; 4]) -> Design {
        Design {
            solar_mw: x[0],
            wind_mw: x[1],
            battery_mw: x[2],
            battery_mwh: x[3],
        }
    }
}

/// Energy totals of a dispatch over the horizon, MWh per MW of load.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Energy {
    /// Bought from the grid (not carbon-free).
    pub grid_mwh: f64,
    /// Renewable energy curtailed.
    pub curtailed_mwh: f64,
    /// Renewable energy generated.
    pub renewable_mwh: f64,
    /// Energy delivered by the battery to the load.
    pub discharged_mwh: f64,
    /// Load energy (T × Δ).
    pub load_mwh: f64,
}

/// Per-thread scratch for [`simulate`]: the run sums of the current design (reused between
/// calls so a search allocates once).
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    runs: Vec<f64>,
}

/// Simulates the greedy dispatch of design `d` on traces `solar`, `wind` (same length, per unit
/// of capacity) with round-trip efficiency `eta`, cyclic state of charge.
///
/// Exact run compression: within a run of consecutive surplus half-hours the battery only
/// charges, so its state after the run is `min(E, e + k_in Σ min(net_t, P))` (the clamps of
/// the single steps compose into one), and the energy curtailed in the run is
/// `Σ net_t − (e_after − e_before)/k_in`; a run of deficits likewise only discharges. One
/// vectorisable pass over the half-hours forms the runs' sums (a few thousand runs for two
/// years: the sign of the net load changes a few times a day); the state of charge, the
/// only serial dependency, then steps once per run. Same totals as stepping every half-hour
/// (up to rounding; the test module keeps the half-hourly dispatch as the oracle).
pub fn simulate(solar: &[f64], wind: &[f64], d: &Design, eta: f64, sc: &mut Scratch) -> Energy {
    let n = solar.len().min(wind.len());
    let (solar, wind) = (&solar[..n], &wind[..n]);
    let se = eta.sqrt();
    let (s_mw, w_mw, p_mw, e_mwh) = (d.solar_mw, d.wind_mw, d.battery_mw, d.battery_mwh);
    let load_mwh = DELTA_H * n as f64;
    let battery = p_mw > 0.0 && e_mwh > 0.0;
    // Deficit Σ max(−net, 0) over the horizon, and the runs: a surplus run as Σ min(net, P) ≥ 0,
    // a deficit run as −Σ min(−net, P) < 0. The surplus Σ max(net, 0) is the deficit plus the
    // net load's sum, S Σs + W Σw − T. (`if` rather than `f64::min`/`max`: the traces are
    // finite, and the NaN handling would double the loop's work.)
    let mut deficit = 0.0f64;
    let runs = &mut sc.runs;
    runs.clear();
    let mut acc = 0.0f64;
    let mut in_surplus = true;
    for (&s, &w) in solar.iter().zip(wind) {
        let net = s_mw * s + w_mw * w - 1.0;
        let pos = net >= 0.0;
        let mag = net.abs();
        deficit += if pos { 0.0 } else { mag };
        if battery {
            if pos != in_surplus {
                runs.push(if in_surplus { acc } else { -acc });
                acc = 0.0;
                in_surplus = pos;
            }
            acc += if mag < p_mw { mag } else { p_mw };
        }
    }
    let renewable = s_mw * lane_sum(solar) + w_mw * lane_sum(wind);
    let surplus = deficit + (renewable - n as f64);
    let renewable_mwh = DELTA_H * renewable;
    if !battery {
        return Energy {
            grid_mwh: deficit * DELTA_H,
            curtailed_mwh: surplus * DELTA_H,
            renewable_mwh,
            discharged_mwh: 0.0,
            load_mwh,
        };
    }
    runs.push(if in_surplus { acc } else { -acc });
    // Charging h MW for Δ stores Δ√η h; discharging x MW draws Δ x/√η.
    let k_in = DELTA_H * se;
    let k_out = DELTA_H / se;
    // (new state, energy stored, energy drawn) of one run from state e.
    let step = |e: f64, r: f64| -> (f64, f64, f64) {
        if r >= 0.0 {
            let en = (e + k_in * r).min(e_mwh);
            (en, en - e, 0.0)
        } else {
            let en = (e + k_out * r).max(0.0);
            (en, 0.0, e - en)
        }
    };
    // Pass 1 from empty over the whole horizon.
    let (mut e, mut stored, mut drawn) = (0.0f64, 0.0f64, 0.0f64);
    for &r in runs.iter() {
        let (en, st, dr) = step(e, r);
        e = en;
        stored += st;
        drawn += dr;
    }
    // Pass 2 from pass 1's end state, in lockstep with pass 1 again from empty, until the two
    // states meet: from there on both passes are identical, so pass 2's totals are pass 1's
    // plus the difference accumulated before they met.
    let (mut a, mut b) = (e, 0.0f64);
    let tol = 1e-12 * e_mwh.max(1.0);
    for &r in runs.iter() {
        if (a - b).abs() <= tol {
            break;
        }
        let (an, sa, da) = step(a, r);
        let (bn, sb, db) = step(b, r);
        a = an;
        b = bn;
        stored += sa - sb;
        drawn += da - db;
    }
    // Per half-hour: curtailed = surplus − charge/k_in, discharged = draw/k_out, grid =
    // deficit − discharged; summed over the horizon and converted to MWh (× Δ).
    let discharged = drawn / k_out;
    Energy {
        grid_mwh: (deficit - discharged) * DELTA_H,
        curtailed_mwh: (surplus - stored / k_in) * DELTA_H,
        renewable_mwh,
        discharged_mwh: discharged * DELTA_H,
        load_mwh,
    }
}

/// Per-thread scratch for [`grid_with_gradient`]: each run's value and its derivatives.
#[derive(Debug, Default, Clone)]
pub struct GradScratch {
    runs: Vec<[f64; 4]>,
}

/// The grid energy of design `d` (MWh over the horizon, greedy dispatch, cyclic state of
/// charge, as [`simulate`]) and its gradient with respect to `[S, W, P, E]`, MWh per MW (or
/// per MWh of storage).
///
/// The gradient is the derivative of the dispatch along its own trajectory (which clamps bind
/// stays fixed under a small change): per run, the unclamped half-hours contribute their
/// capacity factors and the clamped ones (|net| ≥ P) one unit of P; a state clamped at full
/// has derivative e_E, clamped at empty 0, else it carries the run's derivative. Where the
/// grid energy is differentiable (almost everywhere) this is its gradient; at a tie (a clamp
/// met exactly, e.g. P = 0 or E = 0) it is the gradient of one of the adjacent linear pieces
/// of the (convex, piecewise-linear) grid energy, so it is a subgradient either way and
/// `G(y) ≥ G(x) + g·(y − x)` holds for every y ≥ 0.
pub fn grid_with_gradient(
    solar: &[f64],
    wind: &[f64],
    d: &Design,
    eta: f64,
    sc: &mut GradScratch,
) -> (f64, [f64; 4]) {
    let n = solar.len().min(wind.len());
    let (solar, wind) = (&solar[..n], &wind[..n]);
    let (s_mw, w_mw, p_mw) = (d.solar_mw, d.wind_mw, d.battery_mw);
    let (mut deficit, mut dd_s, mut dd_w) = (0.0f64, 0.0f64, 0.0f64);
    let runs = &mut sc.runs;
    runs.clear();
    let mut acc = [0.0f64; 4];
    // The first run takes the first half-hour's sign (no empty leading run: at E = 0 it
    // would count as a fill).
    let mut in_surplus = solar
        .first()
        .zip(wind.first())
        .is_none_or(|(&s, &w)| s_mw * s + w_mw * w - 1.0 >= 0.0);
    let close = |acc: &[f64; 4], surplus: bool| -> [f64; 4] {
        let sign = if surplus { 1.0 } else { -1.0 };
        [sign * acc[0], acc[1], acc[2], sign * acc[3]]
    };
    for (&s, &w) in solar.iter().zip(wind) {
        let net = s_mw * s + w_mw * w - 1.0;
        let pos = net >= 0.0;
        let mag = net.abs();
        if !pos {
            deficit += mag;
            dd_s -= s;
            dd_w -= w;
        }
        if pos != in_surplus {
            runs.push(close(&acc, in_surplus));
            acc = [0.0; 4];
            in_surplus = pos;
        }
        if mag < p_mw {
            acc[0] += mag;
            acc[1] += s;
            acc[2] += w;
        } else {
            acc[0] += p_mw;
            acc[3] += 1.0;
        }
    }
    runs.push(close(&acc, in_surplus));
    let (drawn, d_drawn) = cyclic_draw(runs, d.battery_mwh, eta);
    let k_out = DELTA_H / eta.sqrt();
    let grid = (deficit - drawn / k_out) * DELTA_H;
    let g = [
        (dd_s - d_drawn[0] / k_out) * DELTA_H,
        (dd_w - d_drawn[1] / k_out) * DELTA_H,
        -d_drawn[2] / k_out * DELTA_H,
        -d_drawn[3] / k_out * DELTA_H,
    ];
    (grid, g)
}

/// The energy drawn from the battery over the cyclic dispatch of `runs` (each `[r, ∂r/∂S,
/// ∂r/∂W, ∂r/∂P]`, r ≥ +0 a surplus run, r ≤ −0 a deficit run) with capacity `e_mwh`, and its
/// derivative with respect to `[S, W, P, E]`. A first pass from empty gives the end state
/// (and its derivative); the second, from there, is the cyclic dispatch.
fn cyclic_draw(runs: &[[f64; 4]], e_mwh: f64, eta: f64) -> (f64, [f64; 4]) {
    let se = eta.sqrt();
    let (k_in, k_out) = (DELTA_H * se, DELTA_H / se);
    let step = |e: f64, de: [f64; 4], r: &[f64; 4]| -> (f64, [f64; 4]) {
        let dr = [r[1], r[2], r[3], 0.0];
        // The sign bit tells the kind: a deficit run of zero (P = 0) is −0.
        if r[0].is_sign_positive() {
            let t = e + k_in * r[0];
            if t >= e_mwh {
                (e_mwh, [0.0, 0.0, 0.0, 1.0])
            } else {
                (t, std::array::from_fn(|i| de[i] + k_in * dr[i]))
            }
        } else {
            let t = e + k_out * r[0];
            if t <= 0.0 {
                (0.0, [0.0; 4])
            } else {
                (t, std::array::from_fn(|i| de[i] + k_out * dr[i]))
            }
        }
    };
    let (mut e, mut de) = (0.0f64, [0.0f64; 4]);
    for r in runs {
        (e, de) = step(e, de, r);
    }
    let (mut drawn, mut d_drawn) = (0.0f64, [0.0f64; 4]);
    for r in runs {
        let (en, den) = step(e, de, r);
        if r[0].is_sign_negative() {
            drawn += e - en;
            for i in 0..4 {
                d_drawn[i] += de[i] - den[i];
            }
        }
        (e, de) = (en, den);
    }
    (drawn, d_drawn)
}

/// Σ v in four interleaved partial sums (a fixed order, so deterministic, and one the compiler
/// vectorises; a plain left-to-right float sum is a serial chain).
fn lane_sum(v: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = v.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for k in 0..4 {
            lanes[k] += c[k];
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The half-hourly greedy dispatch, stepped one half-hour at a time (the definition in
    /// the module docs): the oracle for the run-compressed [`simulate`].
    fn simulate_stepwise(solar: &[f64], wind: &[f64], d: &Design, eta: f64) -> Energy {
        let n = solar.len().min(wind.len());
        let se = eta.sqrt();
        let (s_mw, w_mw, p_mw, e_mwh) = (d.solar_mw, d.wind_mw, d.battery_mw, d.battery_mwh);
        let renewable_mwh = DELTA_H
            * (s_mw * solar[..n].iter().sum::<f64>() + w_mw * wind[..n].iter().sum::<f64>());
        let load_mwh = DELTA_H * n as f64;
        let (k_in, k_out) = (DELTA_H * se, DELTA_H / se);
        let battery = p_mw > 0.0 && e_mwh > 0.0;
        let step = |e: f64, net: f64| -> (f64, f64, f64, f64) {
            if !battery {
                return if net >= 0.0 {
                    (e, 0.0, net, 0.0)
                } else {
                    (e, -net, 0.0, 0.0)
                };
            }
            if net >= 0.0 {
                let en = (e + k_in * net.min(p_mw)).min(e_mwh);
                (en, 0.0, net - (en - e) / k_in, 0.0)
            } else {
                let en = (e - k_out * (-net).min(p_mw)).max(0.0);
                let x = (e - en) / k_out;
                (en, -net - x, 0.0, x)
            }
        };
        let run = |e0: f64| {
            let (mut e, mut g, mut q, mut x) = (e0, 0.0, 0.0, 0.0);
            for t in 0..n {
                let (en, gt, qt, xt) = step(e, s_mw * solar[t] + w_mw * wind[t] - 1.0);
                (e, g, q, x) = (en, g + gt, q + qt, x + xt);
            }
            (e, g, q, x)
        };
        // Cyclic: start the second pass where the first (from empty) ends.
        let (e_end, ..) = run(0.0);
        let (_, g, q, x) = run(e_end);
        Energy {
            grid_mwh: g * DELTA_H,
            curtailed_mwh: q * DELTA_H,
            renewable_mwh,
            discharged_mwh: x * DELTA_H,
            load_mwh,
        }
    }

    #[test]
    fn run_compression_matches_the_half_hourly_dispatch() {
        // Deterministic pseudo-random traces with a daily cycle and calm stretches (wind
        // exactly 0), and designs from no battery to one that never fills.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 48 * 60;
        let solar: Vec<f64> = (0..n)
            .map(|t| {
                let h = (t % 48) as f64 / 2.0;
                let sun = (std::f64::consts::PI * (h - 6.0) / 12.0).sin().max(0.0);
                sun * (0.4 + 0.6 * rnd())
            })
            .collect();
        let wind: Vec<f64> = (0..n)
            .map(|t| if t % 97 < 5 { 0.0 } else { rnd().powi(2) })
            .collect();
        let designs = [
            Design::default(),
            Design {
                solar_mw: 2.0,
                wind_mw: 1.0,
                ..Design::default()
            },
            Design {
                solar_mw: 2.0,
                wind_mw: 1.0,
                battery_mw: 0.5,
                battery_mwh: 2.0,
            },
            Design {
                solar_mw: 3.5,
                wind_mw: 0.0,
                battery_mw: 1.0,
                battery_mwh: 12.0,
            },
            Design {
                solar_mw: 0.0,
                wind_mw: 2.5,
                battery_mw: 2.0,
                battery_mwh: 1e4,
            },
            Design {
                solar_mw: 1.0,
                wind_mw: 0.0,
                battery_mw: 0.2,
                battery_mwh: 0.1,
            },
        ];
        let mut sc = Scratch::default();
        for d in &designs {
            for eta in [0.81, 0.85, 1.0] {
                let fast = simulate(&solar, &wind, d, eta, &mut sc);
                let slow = simulate_stepwise(&solar, &wind, d, eta);
                for (name, a, b) in [
                    ("grid", fast.grid_mwh, slow.grid_mwh),
                    ("curtailed", fast.curtailed_mwh, slow.curtailed_mwh),
                    ("renewable", fast.renewable_mwh, slow.renewable_mwh),
                    ("discharged", fast.discharged_mwh, slow.discharged_mwh),
                    ("load", fast.load_mwh, slow.load_mwh),
                ] {
                    assert!(
                        (a - b).abs() <= 1e-9 * slow.load_mwh,
                        "{name}: run-compressed {a} vs half-hourly {b} for {d:?}, eta {eta}"
                    );
                }
            }
        }
    }

    #[test]
    fn no_battery_and_hand_example() {
        // Two half-hours: solar 3 MW at CF 0.5 then 0 → surplus 0.5, deficit 1.
        let s = [0.5, 0.0];
        let w = [0.0, 0.0];
        let mut sc = Scratch::default();
        let d = Design {
            solar_mw: 3.0,
            ..Design::default()
        };
        let r = simulate(&s, &w, &d, 0.81, &mut sc);
        assert!((r.grid_mwh - 0.5).abs() < 1e-12);
        assert!((r.curtailed_mwh - 0.25).abs() < 1e-12);
        // With a 1 MW / 10 MWh battery (η = 0.81, √η = 0.9): charge 0.5 MW → 0.225 MWh stored;
        // discharge 0.225 × 0.9 / 0.5 = 0.405 MW in the second half-hour. Cyclic: the battery
        // must end where it starts, so the second pass starts with 0 stored again.
        let d = Design {
            solar_mw: 3.0,
            battery_mw: 1.0,
            battery_mwh: 10.0,
            ..Design::default()
        };
        let r = simulate(&s, &w, &d, 0.81, &mut sc);
        assert!((r.grid_mwh - 0.5 * (1.0 - 0.405)).abs() < 1e-12, "{r:?}");
        assert!(r.curtailed_mwh.abs() < 1e-12);
    }
}

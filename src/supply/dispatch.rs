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

/// [`simulate`] of a combined renewable output `combined` (MW per MW of load per half-hour,
/// e.g. from [`combine`]) with a battery of `p_mw` MW and `e_mwh` MWh: the same dispatch as
/// the profiles it was combined from (the renewable total is summed once, so it may differ
/// from theirs in the last bits).
pub fn simulate_combined(
    combined: &[f64],
    p_mw: f64,
    e_mwh: f64,
    eta: f64,
    sc: &mut Scratch,
) -> Energy {
    // One unit of the combined profile and none of the second (0 × r is exactly 0).
    let d = Design {
        solar_mw: 1.0,
        wind_mw: 0.0,
        battery_mw: p_mw,
        battery_mwh: e_mwh,
    };
    simulate(combined, combined, &d, eta, sc)
}

/// Per-thread scratch for [`grid_with_gradient`] and [`grid_with_gradient_multi`]: the
/// combined profile, each half-hour's run and each run's value and derivatives (reused
/// between calls so a search allocates once).
#[derive(Debug, Default, Clone)]
pub struct GradScratch {
    combined: Vec<f64>,
    /// Per half-hour: its run's index × 2, + 1 when the battery's power does not clamp it.
    slot: Vec<u32>,
    /// Per run, `stride` values: r (signed as in [`cyclic_draw`]), ∂r/∂cap_k for each profile,
    /// ∂r/∂P.
    runs: Vec<f64>,
}

/// The combined renewable output Σ_k caps\[k\] × profiles\[k\](t) per MW of load, into `out`
/// (the first `n` half-hours; the products are summed in profile order, so two profiles give
/// exactly `S s_t + W w_t`).
pub fn combine(profiles: &[&[f64]], caps_mw: &[f64], n: usize, out: &mut Vec<f64>) {
    out.clear();
    let mut pairs = profiles.iter().zip(caps_mw);
    match pairs.next() {
        Some((p, &c)) => out.extend(p[..n].iter().map(|&v| c * v)),
        None => out.resize(n, 0.0),
    }
    for (p, &c) in pairs {
        for (o, &v) in out.iter_mut().zip(&p[..n]) {
            *o += c * v;
        }
    }
}

/// The grid energy of design `d` (MWh over the horizon, greedy dispatch, cyclic state of
/// charge, as [`simulate`]) and its gradient with respect to `[S, W, P, E]`, MWh per MW (or
/// per MWh of storage): [`grid_with_gradient_multi`] on the two profiles.
pub fn grid_with_gradient(
    solar: &[f64],
    wind: &[f64],
    d: &Design,
    eta: f64,
    sc: &mut GradScratch,
) -> (f64, [f64; 4]) {
    let caps = [d.solar_mw, d.wind_mw];
    let (g, dcap, dp, de) =
        grid_with_gradient_multi(&[solar, wind], &caps, d.battery_mw, d.battery_mwh, eta, sc);
    (g, [dcap[0], dcap[1], dp, de])
}

/// The grid energy (MWh over the horizon) of renewables `caps_mw[k]` MW of each profile
/// `profiles[k]` (per unit of capacity; the horizon is the shortest profile) with a battery
/// of `p_mw` MW and `e_mwh` MWh, per MW of flat load, greedy dispatch with cyclic state of
/// charge (as [`simulate`] on the combined profile), and its derivatives: with respect to
/// each `caps_mw[k]` (MWh per MW), to `p_mw` and to `e_mwh`.
///
/// The gradient is the derivative of the dispatch along its own trajectory (which clamps bind
/// stays fixed under a small change): per run, the unclamped half-hours contribute their
/// capacity factors and the clamped ones (|net| ≥ P) one unit of P; a state clamped at full
/// has derivative e_E, clamped at empty 0, else it carries the run's derivative. Where the
/// grid energy is differentiable (almost everywhere) this is its gradient; at a tie (a clamp
/// met exactly, e.g. P = 0 or E = 0) it is the gradient of one of the adjacent linear pieces
/// of the (convex, piecewise-linear) grid energy, so it is a subgradient either way and
/// `G(y) ≥ G(x) + g·(y − x)` holds for every y ≥ 0.
pub fn grid_with_gradient_multi(
    profiles: &[&[f64]],
    caps_mw: &[f64],
    p_mw: f64,
    e_mwh: f64,
    eta: f64,
    sc: &mut GradScratch,
) -> (f64, Vec<f64>, f64, f64) {
    let k = profiles.len().min(caps_mw.len());
    let n = profiles[..k].iter().map(|p| p.len()).min().unwrap_or(0);
    let stride = k + 2;
    combine(&profiles[..k], caps_mw, n, &mut sc.combined);
    let deficit = mark_runs(sc, p_mw, stride);
    // Per profile, in half-hour order: its sum over the deficit half-hours (∂deficit/∂cap_k
    // is minus that) and over each run's unclamped half-hours.
    let mut dd = vec![0.0f64; k];
    for (j, p) in profiles[..k].iter().enumerate() {
        let mut acc = 0.0f64;
        for (&slot, &v) in sc.slot.iter().zip(&p[..n]) {
            let run = (slot >> 1) as usize;
            if sc.runs[run * stride].is_sign_negative() {
                acc -= v;
            }
            if slot & 1 == 1 {
                sc.runs[run * stride + 1 + j] += v;
            }
        }
        dd[j] = acc;
    }
    let (drawn, d_drawn) = cyclic_draw(&sc.runs, stride, e_mwh, eta);
    let k_out = DELTA_H / eta.sqrt();
    let grid = (deficit - drawn / k_out) * DELTA_H;
    let dcap = (0..k)
        .map(|j| (dd[j] - d_drawn[j] / k_out) * DELTA_H)
        .collect();
    let dp = -d_drawn[k] / k_out * DELTA_H;
    let de = -d_drawn[k + 1] / k_out * DELTA_H;
    (grid, dcap, dp, de)
}

/// The runs of the net load `sc.combined − 1`: fills `sc.slot` and, per run, its value and
/// ∂/∂P into `sc.runs` (the profile derivatives zeroed); returns the deficit Σ max(−net, 0).
fn mark_runs(sc: &mut GradScratch, p_mw: f64, stride: usize) -> f64 {
    let GradScratch {
        combined,
        slot,
        runs,
    } = sc;
    slot.clear();
    runs.clear();
    let mut deficit = 0.0f64;
    let (mut value, mut clamped) = (0.0f64, 0.0f64);
    // The first run takes the first half-hour's sign (no empty leading run: at E = 0 it
    // would count as a fill).
    let mut in_surplus = combined.first().is_none_or(|&r| r - 1.0 >= 0.0);
    let close = |runs: &mut Vec<f64>, value: f64, clamped: f64, surplus: bool| {
        let sign = if surplus { 1.0 } else { -1.0 };
        runs.push(sign * value);
        runs.extend(std::iter::repeat_n(0.0, stride - 2));
        runs.push(sign * clamped);
    };
    let mut run = 0u32;
    for &r in combined.iter() {
        let net = r - 1.0;
        let pos = net >= 0.0;
        let mag = net.abs();
        if !pos {
            deficit += mag;
        }
        if pos != in_surplus {
            close(runs, value, clamped, in_surplus);
            (value, clamped) = (0.0, 0.0);
            in_surplus = pos;
            run += 1;
        }
        if mag < p_mw {
            value += mag;
            slot.push(2 * run + 1);
        } else {
            value += p_mw;
            clamped += 1.0;
            slot.push(2 * run);
        }
    }
    close(runs, value, clamped, in_surplus);
    deficit
}

/// The energy drawn from the battery over the cyclic dispatch of `runs` (`stride` values per
/// run: `[r, ∂r/∂cap_0, …, ∂r/∂cap_{k−1}, ∂r/∂P]`, r ≥ +0 a surplus run, r ≤ −0 a deficit
/// run) with capacity `e_mwh`, and its derivative with respect to `[cap_0, …, cap_{k−1}, P,
/// E]`. A first pass from empty gives the end state (and its derivative); the second, from
/// there, is the cyclic dispatch.
fn cyclic_draw(runs: &[f64], stride: usize, e_mwh: f64, eta: f64) -> (f64, Vec<f64>) {
    let se = eta.sqrt();
    let (k_in, k_out) = (DELTA_H * se, DELTA_H / se);
    let m = stride;
    // One run from state e with derivative de (updated in place); the draw's derivative is
    // added to `d_drawn` when given.
    let step = |e: f64, de: &mut [f64], r: &[f64], d_drawn: Option<&mut [f64]>| -> f64 {
        // The sign bit tells the kind: a deficit run of zero (P = 0) is −0.
        let (t, k) = if r[0].is_sign_positive() {
            (e + k_in * r[0], k_in)
        } else {
            (e + k_out * r[0], k_out)
        };
        let full = r[0].is_sign_positive() && t >= e_mwh;
        let empty = r[0].is_sign_negative() && t <= 0.0;
        let mut dd = d_drawn;
        for i in 0..m {
            let dr = if i < m - 1 { r[i + 1] } else { 0.0 };
            let den = if full {
                if i == m - 1 {
                    1.0
                } else {
                    0.0
                }
            } else if empty {
                0.0
            } else {
                de[i] + k * dr
            };
            if let Some(dd) = dd.as_deref_mut() {
                dd[i] += de[i] - den;
            }
            de[i] = den;
        }
        if full {
            e_mwh
        } else if empty {
            0.0
        } else {
            t
        }
    };
    let (mut e, mut de) = (0.0f64, vec![0.0f64; m]);
    for r in runs.chunks_exact(m) {
        e = step(e, &mut de, r, None);
    }
    let (mut drawn, mut d_drawn) = (0.0f64, vec![0.0f64; m]);
    for r in runs.chunks_exact(m) {
        let deficit = r[0].is_sign_negative();
        let en = step(e, &mut de, r, deficit.then_some(&mut d_drawn[..]));
        if deficit {
            drawn += e - en;
        }
        e = en;
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

    /// Deterministic pseudo-random traces of `n` half-hours with a daily cycle and calm
    /// stretches (wind exactly 0).
    fn traces(n: usize) -> (Vec<f64>, Vec<f64>) {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
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
        (solar, wind)
    }

    /// Designs from no battery to one that never fills.
    fn designs() -> Vec<Design> {
        let d = |s, w, p, e| Design::from_array([s, w, p, e]);
        vec![
            Design::default(),
            d(2.0, 1.0, 0.0, 0.0),
            d(2.0, 1.0, 0.5, 2.0),
            d(3.5, 0.0, 1.0, 12.0),
            d(0.0, 2.5, 2.0, 1e4),
            d(1.0, 0.0, 0.2, 0.1),
            d(2.7, 1.1, 1.0, 8.0),
        ]
    }

    #[test]
    fn run_compression_matches_the_half_hourly_dispatch() {
        let (solar, wind) = traces(48 * 60);
        let designs = designs();
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

    /// The two-profile gradient as first written (one pass over the half-hours, each run's
    /// `[r, ∂r/∂S, ∂r/∂W, ∂r/∂P]` summed as it goes): the oracle for the column-wise
    /// [`grid_with_gradient_multi`].
    fn two_profile_rowwise(solar: &[f64], wind: &[f64], d: &Design, eta: f64) -> (f64, [f64; 4]) {
        let (s_mw, w_mw, p_mw) = (d.solar_mw, d.wind_mw, d.battery_mw);
        let (mut deficit, mut dd_s, mut dd_w) = (0.0f64, 0.0f64, 0.0f64);
        let mut runs: Vec<f64> = Vec::new();
        let mut acc = [0.0f64; 4];
        let mut in_surplus = s_mw * solar[0] + w_mw * wind[0] - 1.0 >= 0.0;
        let close = |runs: &mut Vec<f64>, acc: &[f64; 4], surplus: bool| {
            let sign = if surplus { 1.0 } else { -1.0 };
            runs.extend([sign * acc[0], acc[1], acc[2], sign * acc[3]]);
        };
        for (&s, &w) in solar.iter().zip(wind) {
            let net = s_mw * s + w_mw * w - 1.0;
            let (pos, mag) = (net >= 0.0, net.abs());
            if !pos {
                deficit += mag;
                dd_s -= s;
                dd_w -= w;
            }
            if pos != in_surplus {
                close(&mut runs, &acc, in_surplus);
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
        close(&mut runs, &acc, in_surplus);
        let (drawn, dd) = cyclic_draw(&runs, 4, d.battery_mwh, eta);
        let k_out = DELTA_H / eta.sqrt();
        let g = [
            (dd_s - dd[0] / k_out) * DELTA_H,
            (dd_w - dd[1] / k_out) * DELTA_H,
            -dd[2] / k_out * DELTA_H,
            -dd[3] / k_out * DELTA_H,
        ];
        ((deficit - drawn / k_out) * DELTA_H, g)
    }

    #[test]
    fn multi_profile_gradient_matches_the_two_profile_one() {
        let (solar, wind) = traces(48 * 40);
        // The wind split into two profiles: wind = 0.6 a + 0.4 b.
        let a: Vec<f64> = wind.iter().map(|w| w * 0.5).collect();
        let b: Vec<f64> = wind.iter().map(|w| w * 1.75).collect();
        let mut gs = GradScratch::default();
        let mut sc = Scratch::default();
        for d in designs() {
            for eta in [0.81, 0.85, 1.0] {
                // Bit for bit the row-wise dispatch on the same two profiles.
                let (g2, grad2) = two_profile_rowwise(&solar, &wind, &d, eta);
                let (g, grad) = grid_with_gradient(&solar, &wind, &d, eta, &mut gs);
                assert_eq!(g.to_bits(), g2.to_bits(), "{d:?} {eta}");
                for i in 0..4 {
                    assert_eq!(grad[i].to_bits(), grad2[i].to_bits(), "{d:?} {eta} {i}");
                }
                let e = simulate(&solar, &wind, &d, eta, &mut sc);
                assert!((g - e.grid_mwh).abs() <= 1e-9 * e.load_mwh);
                // Three profiles whose mix is the same design: same value to rounding, and
                // the gradient by the chain rule (∂/∂a = 0.5 ∂/∂W, ∂/∂b = 1.75 ∂/∂W).
                let caps = [d.solar_mw, 1.2 * d.wind_mw, 0.4 * d.wind_mw / 1.75];
                let (g3, dcap, dp, de) = grid_with_gradient_multi(
                    &[&solar, &a, &b],
                    &caps,
                    d.battery_mw,
                    d.battery_mwh,
                    eta,
                    &mut gs,
                );
                let tol = 1e-9 * e.load_mwh;
                assert!((g3 - g).abs() <= tol, "{d:?}: {g3} vs {g}");
                let want = [grad[0], 0.5 * grad[1], 1.75 * grad[1], grad[2], grad[3]];
                let got = [dcap[0], dcap[1], dcap[2], dp, de];
                for (w, x) in want.iter().zip(&got) {
                    assert!(
                        (w - x).abs() <= 1e-7 * w.abs().max(1.0),
                        "{d:?}: {got:?} vs {want:?}"
                    );
                }
                // The combined dispatch's totals are the two profiles'.
                let mut comb = Vec::new();
                combine(&[&solar, &a, &b], &caps, solar.len(), &mut comb);
                let ec = simulate_combined(&comb, d.battery_mw, d.battery_mwh, eta, &mut sc);
                assert!((ec.grid_mwh - e.grid_mwh).abs() <= tol);
                assert!((ec.renewable_mwh - e.renewable_mwh).abs() <= tol);
                assert!((ec.curtailed_mwh - e.curtailed_mwh).abs() <= tol);
            }
        }
    }
}

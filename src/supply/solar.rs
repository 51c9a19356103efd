//! Clear-sky output of a single-axis tracking PV plant from the sun's position, for zones without
//! an AEMO solar trace.
//!
//! Solar geometry (Spencer 1971 Fourier series for declination and the equation of time, as in
//! Iqbal, *An Introduction to Solar Radiation*, 1983, §1.2–1.5): day angle Γ = 2π(n − 1)/365,
//! declination δ(Γ), equation of time EoT(Γ); local solar time = AEST clock time
//! plus 4 min/° × (lon − 150°) plus EoT; hour angle ω = 15°/h × (solar time − 12 h);
//! cos θz = sin φ sin δ + cos φ cos δ cos ω. The sun vector in (east, north, up) is
//! (−cos δ sin ω, sin δ cos φ − cos δ sin φ cos ω, cos θz).
//!
//! Tracker: horizontal north–south axis, ideal backtracking-free rotation R = atan2(east, up)
//! limited to ±60° (typical of Australian utility trackers); the panel normal is
//! (sin R, 0, cos R), so cos θi = east sin R + up cos R.
//!
//! Irradiance: Meinel & Meinel (1976) clear-sky beam DNI = 1,361 × 0.7^(AM^0.678) W/m² with
//! Kasten & Young (1989) air mass, plus an isotropic diffuse term of 10 % of the beam on a
//! horizontal surface seen by the tilted panel ((1 + cos R)/2). The result is a relative
//! profile: only its shape matters, because the zone's trace is scaled to the zone's capacity
//! factor (see [`super::synth`]).

use std::f64::consts::PI;

/// ln 0.7 (Meinel & Meinel's clear-sky transmittance per air mass).
const LN_0_7: f64 = -0.356_674_943_938_732_45;

/// Rotation limit of the tracker, degrees.
pub const TRACKER_LIMIT_DEG: f64 = 60.0;

/// Sub-samples per half-hour when averaging the clear-sky output.
const SUBSTEPS: usize = 3;

/// The day's solar declination (radians) and equation of time (minutes), Spencer (1971).
fn day_geometry(doy: u32) -> (f64, f64) {
    let g = 2.0 * PI * (f64::from(doy) - 1.0) / 365.0;
    let decl = 0.006918 - 0.399912 * g.cos() + 0.070257 * g.sin() - 0.006758 * (2.0 * g).cos()
        + 0.000907 * (2.0 * g).sin()
        - 0.002697 * (3.0 * g).cos()
        + 0.00148 * (3.0 * g).sin();
    let eot_min = 229.18
        * (0.000075 + 0.001868 * g.cos()
            - 0.032077 * g.sin()
            - 0.014615 * (2.0 * g).cos()
            - 0.040849 * (2.0 * g).sin());
    (decl, eot_min)
}

/// A day's sun geometry at one latitude: what every instant of the day shares.
#[derive(Clone, Copy)]
struct Day {
    /// sin φ sin δ and cos φ cos δ (the two terms of cos θz).
    sin_sin: f64,
    cos_cos: f64,
    /// cos δ.
    cos_decl: f64,
    /// Clock-to-solar-time offset, hours: (4 min/° × (lon − 150°) + EoT) / 60.
    offset_h: f64,
}

impl Day {
    fn new(decl: f64, eot_min: f64, (sin_phi, cos_phi): (f64, f64), lon_deg: f64) -> Day {
        let (sin_decl, cos_decl) = decl.sin_cos();
        Day {
            sin_sin: sin_phi * sin_decl,
            cos_cos: cos_phi * cos_decl,
            cos_decl,
            offset_h: (4.0 * (lon_deg - 150.0) + eot_min) / 60.0,
        }
    }
}

/// tan of the tracker's rotation limit.
fn tan_limit() -> f64 {
    TRACKER_LIMIT_DEG.to_radians().tan()
}

/// Clear-sky plane-of-array output on a day ([`Day`]) at AEST clock time `hours`. The tracker
/// angle R = atan2(east, up) clamped to ±60° enters only through sin R and cos R, taken from
/// the sun vector directly (east/h, up/h with h = √(east² + up²); at the limit sin 60°, cos 60°).
fn poa(day: &Day, tan_limit: f64, hours: f64) -> f64 {
    let omega = (15.0 * (hours + day.offset_h - 12.0)).to_radians();
    let (sin_w, cos_w) = omega.sin_cos();
    let up = day.sin_sin + day.cos_cos * cos_w;
    if up <= 0.0 {
        return 0.0;
    }
    let east = -day.cos_decl * sin_w;
    let zenith_deg = up.clamp(-1.0, 1.0).acos().to_degrees();
    // Kasten & Young air mass.
    let am = 1.0 / (up + 0.50572 * (96.07995 - zenith_deg).max(1e-3).powf(-1.6364));
    // 0.7^(AM^0.678) as exp(ln 0.7 × AM^0.678).
    let dni = 1361.0 * (LN_0_7 * am.powf(0.678)).exp();
    let (sin_r, cos_r) = if east.abs() <= tan_limit * up {
        let h = east.hypot(up);
        (east / h, up / h)
    } else {
        let limit = TRACKER_LIMIT_DEG.to_radians();
        (limit.sin().copysign(east), limit.cos())
    };
    let cos_i = (east * sin_r + up * cos_r).max(0.0);
    let diffuse = 0.1 * dni * up * (1.0 + cos_r) / 2.0;
    dni * cos_i + diffuse
}

/// Relative clear-sky output (W/m² on the panel) of a single-axis tracker at `lat_deg`,
/// `lon_deg`, at AEST clock time `hours` (0..24) on day-of-year `doy` (1..=366).
pub fn clear_sky_poa(lat_deg: f64, lon_deg: f64, doy: u32, hours: f64) -> f64 {
    let (decl, eot) = day_geometry(doy);
    let phi = lat_deg.to_radians();
    let day = Day::new(decl, eot, (phi.sin(), phi.cos()), lon_deg);
    poa(&day, tan_limit(), hours)
}

/// Half-hourly relative clear-sky profile (48 values per day) for `days` days starting on
/// calendar date `first_day` (year, month, day), at a location. Each value averages
/// `SUBSTEPS` (3) instants inside the half-hour.
pub fn clear_sky_profile(
    lat_deg: f64,
    lon_deg: f64,
    first_day: (i32, u32, u32),
    days: usize,
) -> Vec<f64> {
    let mut out = Vec::with_capacity(days * 48);
    let mut doy = day_of_year(first_day);
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut year = first_day.0;
    let phi = lat_deg.to_radians();
    let sc = (phi.sin(), phi.cos());
    let tan_limit = tan_limit();
    for _ in 0..days {
        let (decl, eot) = day_geometry(doy);
        let day = Day::new(decl, eot, sc, lon_deg);
        for k in 0..48 {
            let mut acc = 0.0;
            for j in 0..SUBSTEPS {
                let h = 0.5 * k as f64 + 0.5 * (j as f64 + 0.5) / SUBSTEPS as f64;
                acc += poa(&day, tan_limit, h);
            }
            out.push(acc / SUBSTEPS as f64);
        }
        doy += 1;
        if doy > if leap(year) { 366 } else { 365 } {
            doy = 1;
            year += 1;
        }
    }
    out
}

/// Day of year (1-based) of a date.
pub fn day_of_year((y, m, d): (i32, u32, u32)) -> u32 {
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let m = m.clamp(1, 12);
    CUM[(m - 1) as usize] + d + u32::from(leap && m > 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_checks() {
        // Near the June solstice at 30° S, solar noon (150° E, ~12:00 AEST) sun elevation is
        // 90 − 30 − 23.44 = 36.6°; the tracker is flat at noon and sees the sun at 53.4° from
        // its normal, so cos θi ≈ sin 36.6° ≈ 0.596 of the beam.
        let noon = (0..240)
            .map(|k| 11.0 + k as f64 / 120.0)
            .map(|h| clear_sky_poa(-30.0, 150.0, 172, h))
            .fold(0.0f64, f64::max);
        assert!(noon > 0.0);
        // Night is zero; sunrise at 30° S in June is after 06:00 local.
        assert_eq!(clear_sky_poa(-30.0, 150.0, 172, 2.0), 0.0);
        assert_eq!(clear_sky_poa(-30.0, 150.0, 172, 6.5), 0.0);
        assert!(clear_sky_poa(-30.0, 150.0, 172, 7.5) > 0.0);
        // Summer days are longer and yield more than winter days at 30° S.
        let day = |doy| {
            (0..48)
                .map(|k| clear_sky_poa(-30.0, 150.0, doy, 0.5 * k as f64 + 0.25))
                .sum::<f64>()
        };
        assert!(day(355) > 1.3 * day(172), "{} {}", day(355), day(172));
        // West of 150° E the sun rises later on the clock.
        assert!(clear_sky_poa(-30.0, 140.0, 80, 6.6) < clear_sky_poa(-30.0, 150.0, 80, 6.6));
        assert_eq!(day_of_year((2025, 7, 1)), 182);
    }

    /// The formula as first written (trigonometry per instant, atan2 for the tracker angle,
    /// 0.7^x by powf): the optimised [`poa`] must give the same values to rounding.
    fn reference_poa(lat_deg: f64, lon_deg: f64, doy: u32, hours: f64) -> f64 {
        let (decl, eot_min) = day_geometry(doy);
        let phi = lat_deg.to_radians();
        let solar_time_h = hours + (4.0 * (lon_deg - 150.0) + eot_min) / 60.0;
        let omega = (15.0 * (solar_time_h - 12.0)).to_radians();
        let up = phi.sin() * decl.sin() + phi.cos() * decl.cos() * omega.cos();
        if up <= 0.0 {
            return 0.0;
        }
        let east = -decl.cos() * omega.sin();
        let zenith_deg = up.clamp(-1.0, 1.0).acos().to_degrees();
        let am = 1.0 / (up + 0.50572 * (96.07995 - zenith_deg).max(1e-3).powf(-1.6364));
        let dni = 1361.0 * 0.7f64.powf(am.powf(0.678));
        let limit = TRACKER_LIMIT_DEG.to_radians();
        let r = east.atan2(up).clamp(-limit, limit);
        let cos_i = (east * r.sin() + up * r.cos()).max(0.0);
        dni * cos_i + 0.1 * dni * up * (1.0 + r.cos()) / 2.0
    }

    #[test]
    fn optimised_poa_matches_the_reference_formula() {
        let mut worst = 0.0f64;
        for lat in [-12.0, -23.5, -33.9, -43.0] {
            for lon in [115.0, 138.6, 153.0] {
                for doy in [1, 80, 172, 266, 355] {
                    for k in 0..480 {
                        let h = k as f64 * 0.05;
                        let (a, b) = (
                            clear_sky_poa(lat, lon, doy, h),
                            reference_poa(lat, lon, doy, h),
                        );
                        assert_eq!(a == 0.0, b == 0.0, "{lat} {lon} {doy} {h}");
                        worst = worst.max((a - b).abs() / b.abs().max(1.0));
                    }
                }
            }
        }
        assert!(worst < 1e-12, "{worst}");
        assert_eq!(day_of_year((2024, 3, 1)), 61);
    }
}

//! Per-zone half-hourly solar and wind profiles: the zone's own AEMO traces where the dataset
//! has them, else a stated method that blends the nearest real traces.
//!
//! * **Own REZ trace**: used unchanged.
//! * **Own project trace** (an existing generator's AEMO trace in the zone, e.g. Canunda Wind
//!   Farm in S1; [`crate::data::traces`]): its half-hour shape, mapped by the monotone power
//!   transform below to the zone's capacity factor (an existing farm's trace understates a new
//!   farm's output in the same place: older turbines, lower hubs; its timing is what it is good
//!   for).
//! * **No trace: the donor blend.** The donors are the [`BLEND_DONORS`] nearest real traces of
//!   the technology (REZ or project traces with every reference year; distance geodesic from
//!   the zone's centre to the donor's site, a project's generator or else its zone's centre),
//!   weighted by inverse distance squared, w_k = d_k⁻² / Σ d⁻² (Shepard's rule, d at least
//!   1 km). The report names each donor with its weight. The donors' series are combined by
//!   [`rank_blend`]: the timing of their weighted mean, the values of their weighted quantile
//!   average (a plain mean would be steadier than any real trace and size batteries too small:
//!   measured, README "Real traces first").
//!   * **Solar**: the clear-sky single-axis-tracking profile at the zone's centre
//!     ([`super::solar`]) times, for each day, the donors' blended cloudiness ratio (each
//!     donor's daily trace energy over its own clear-sky daily energy at its site), scaled so
//!     the mean equals the zone's solar capacity factor (values capped at 1).
//!   * **Wind**: the donors' blended half-hourly series, mapped by a monotone power transform
//!     y_t = x_t^α (α by Newton's method) so that the mean equals the zone's wind capacity
//!     factor: the order of the half-hours, calm spells and the 0 and 1 ends of the blend are
//!     kept.
//! * **A zone with no capacity factor** (the public AEMO IASR table has none) is scaled to
//!   sitefind's stated assumption, the same rule the embedded `data/zones.csv` was written with
//!   ([`assumed_solar_capacity_factor`], [`assumed_wind_capacity_factor`]), and its `note` says
//!   so. Checked against real traces by hiding each traced zone (N1, N2, Q1) and rebuilding it
//!   from the others (`tests/it/supply.rs`, docs/model.md): the rule puts the solar mean within
//!   4–9 % of the real trace, where the unscaled sun-position × donor-cloudiness product is
//!   11–19 % off (N1 and N2 are 134 km apart but differ in climate); for wind the regional rule
//!   is 13–30 % off and a donor's unchanged trace 33–50 %. Hence the rule, not the unscaled
//!   product.
//!
//! A zone whose resource limit for a technology is 0 MW (e.g. solar in an offshore wind area)
//! cannot build it. Profiles without a capacity factor of their own say so in their `note`.

use super::SupplyParams;
use crate::data::traces::{Trace, PERIODS_PER_DAY};
use crate::data::{Dataset, LonLat, RenewableZone};
use crate::spatial::geodesy::distance_km;
use serde::{Deserialize, Serialize};

/// Days of a reference year used (the first 365 days of each trace).
pub const DAYS_PER_YEAR: usize = 365;

/// How many real traces an untraced zone blends (the nearest ones).
pub const BLEND_DONORS: usize = 3;

/// The inverse-distance power of the blend weights (2: Shepard's rule).
pub const BLEND_POWER: f64 = 2.0;

/// One real trace an untraced zone borrows, with its blend weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Donor {
    /// The zone the trace belongs to.
    pub zone_id: String,
    /// The project, for a project trace.
    pub project: Option<String>,
    /// Geodesic distance from the zone's centre to the donor's site, km.
    pub km: f64,
    /// Blend weight, 0..1 (the donors' weights sum to 1).
    pub weight: f64,
}

impl Donor {
    /// `N1 62 % (134 km)` or `S1 (Canunda Wind Farm) 20 % (310 km)`.
    fn describe(&self) -> String {
        let name = match &self.project {
            Some(p) => format!("{} ({p})", self.zone_id),
            None => self.zone_id.clone(),
        };
        format!("{name} {:.0} % ({:.0} km)", self.weight * 100.0, self.km)
    }
}

/// Where a zone's profile for one technology comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSource {
    /// `aemo-trace`, `project-trace-power-transform`, `sun-position+donor-cloudiness`,
    /// `donor-power-transform`, or `none`.
    pub method: String,
    /// AEMO technology code of the trace used (own or donor), e.g. `SAT`, `WM`.
    pub technology: Option<String>,
    /// The nearest donor's zone, for methods that borrow traces.
    pub donor_zone: Option<String>,
    /// Geodesic distance from the zone's centre to the nearest donor's site, km.
    pub donor_km: Option<f64>,
    /// Every donor blended, nearest first, with its weight.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub donors: Vec<Donor>,
    /// The trace files read (own or donor), in reference-year order.
    pub files: Vec<String>,
    /// Mean capacity factor of the profile over the reference years.
    pub capacity_factor: Option<f64>,
    /// Why the technology is unavailable, for `none`.
    pub note: Option<String>,
}

impl ProfileSource {
    fn none(note: impl Into<String>) -> ProfileSource {
        ProfileSource {
            method: "none".into(),
            technology: None,
            donor_zone: None,
            donor_km: None,
            donors: Vec::new(),
            files: Vec::new(),
            capacity_factor: None,
            note: Some(note.into()),
        }
    }

    /// The source of a regional portfolio's technology: the own profiles of the region's `n`
    /// zones (each zone's share in [`super::Portfolio::regional_zones`]).
    pub fn regional(n: usize) -> ProfileSource {
        ProfileSource {
            method: "regional".into(),
            technology: None,
            donor_zone: None,
            donor_km: None,
            donors: Vec::new(),
            files: Vec::new(),
            capacity_factor: None,
            note: Some(format!("the profiles of the region's {n} zones")),
        }
    }

    /// One line for text reports, e.g. `AEMO trace SAT` or
    /// `sun position + cloudiness of N1 62 % (134 km), N2 30 % (190 km), Q1 8 % (380 km)`.
    pub fn describe(&self) -> String {
        let donors = || {
            if self.donors.is_empty() {
                format!(
                    "{} ({:.0} km)",
                    self.donor_zone.as_deref().unwrap_or("?"),
                    self.donor_km.unwrap_or(0.0)
                )
            } else {
                let d: Vec<String> = self.donors.iter().map(Donor::describe).collect();
                d.join(", ")
            }
        };
        match self.method.as_str() {
            "aemo-trace" => format!("AEMO trace {}", self.technology.as_deref().unwrap_or("")),
            "project-trace-power-transform" => format!(
                "AEMO project trace {} mapped to CF {:.2}",
                self.technology.as_deref().unwrap_or(""),
                self.capacity_factor.unwrap_or(0.0)
            ),
            "sun-position+donor-cloudiness" => {
                format!("sun position + cloudiness of {}", donors())
            }
            "donor-power-transform" => format!(
                "{} traces of {} blended, mapped to CF {:.2}",
                self.technology.as_deref().unwrap_or(""),
                donors(),
                self.capacity_factor.unwrap_or(0.0)
            ),
            "regional" => self.note.clone().unwrap_or_default(),
            _ => "none".into(),
        }
    }
}

/// A zone's supply profiles over the selected reference years (concatenated, 365 days each).
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneProfile {
    /// Zone id.
    pub zone_id: String,
    /// Solar capacity factors per half-hour (`None` = no solar).
    pub solar: Option<Vec<f64>>,
    /// Wind capacity factors per half-hour (`None` = no wind).
    pub wind: Option<Vec<f64>>,
    /// Where the solar profile comes from.
    pub solar_source: ProfileSource,
    /// Where the wind profile comes from.
    pub wind_source: ProfileSource,
}

impl ZoneProfile {
    /// Half-hours in the horizon.
    pub fn len(&self) -> usize {
        self.solar
            .as_ref()
            .or(self.wind.as_ref())
            .map_or(0, Vec::len)
    }

    /// True if the horizon is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The traces of (zone, technology) for every reference year, in year order, if all exist
/// with at least 365 days.
fn traces_for<'a>(
    ds: &'a Dataset,
    zone: &str,
    tech: &str,
    years: &[u32],
) -> Option<Vec<&'a Trace>> {
    years
        .iter()
        .map(|y| {
            ds.traces.iter().find(|t| {
                t.zone_id == zone
                    && t.technology.eq_ignore_ascii_case(tech)
                    && t.reference_year == *y
                    && t.days() >= DAYS_PER_YEAR
            })
        })
        .collect()
}

/// A real trace set an untraced zone may borrow: a zone's traces of one technology for every
/// reference year, located at the project's site (project traces with one) or the zone's
/// centre.
struct Source<'a> {
    /// The zone the traces belong to.
    zone: &'a RenewableZone,
    /// One trace per reference year.
    traces: Vec<&'a Trace>,
    /// Where the traces were measured.
    site: LonLat,
    /// Distance from the borrowing zone's centre, km.
    km: f64,
    /// Blend weight.
    weight: f64,
}

impl Source<'_> {
    fn donor(&self) -> Donor {
        Donor {
            zone_id: self.zone.id.clone(),
            project: self.traces.first().and_then(|t| t.project.clone()),
            km: self.km,
            weight: self.weight,
        }
    }
}

/// The `n` nearest zones (other than `zone`) with traces of `tech` for every year, nearest
/// first (ties by zone id), with inverse-distance-squared weights summing to 1.
fn donors<'a>(
    ds: &'a Dataset,
    zone: &RenewableZone,
    tech: &str,
    years: &[u32],
    n: usize,
) -> Vec<Source<'a>> {
    let mut all: Vec<Source<'a>> = ds
        .zones
        .iter()
        .filter(|z| z.id != zone.id)
        .filter_map(|z| {
            let traces = traces_for(ds, &z.id, tech, years)?;
            let site = traces.first().and_then(|t| t.site).unwrap_or(z.centre);
            let km = distance_km(zone.centre, site);
            Some(Source {
                zone: z,
                traces,
                site,
                km,
                weight: 0.0,
            })
        })
        .collect();
    all.sort_by(|a, b| {
        a.km.total_cmp(&b.km)
            .then_with(|| a.zone.id.cmp(&b.zone.id))
    });
    all.truncate(n.max(1));
    let raw: Vec<f64> = all
        .iter()
        .map(|s| s.km.max(1.0).powf(-BLEND_POWER))
        .collect();
    let total: f64 = raw.iter().sum();
    for (s, w) in all.iter_mut().zip(raw) {
        s.weight = w / total;
    }
    all
}

/// The [`ProfileSource`] of a blend of `donors`.
fn blend_source(
    method: &str,
    tech: &str,
    donors: &[Source<'_>],
    capacity_factor: f64,
    note: Option<String>,
) -> ProfileSource {
    ProfileSource {
        method: method.into(),
        technology: Some(tech.to_string()),
        donor_zone: donors.first().map(|d| d.zone.id.clone()),
        donor_km: donors.first().map(|d| d.km),
        donors: donors.iter().map(Source::donor).collect(),
        files: donors
            .iter()
            .flat_map(|d| d.traces.iter().map(|t| t.source.clone()))
            .collect(),
        capacity_factor: Some(capacity_factor),
        note,
    }
}

fn year_values(t: &Trace) -> &[f64] {
    &t.values[..DAYS_PER_YEAR * PERIODS_PER_DAY]
}

/// Scales `y` (values ≥ 0) by k (capped at 1) so the mean is `target`. The mean of
/// min(k y, 1) is piecewise linear in k: with the j largest values capped it is
/// (j + k S_j) / n, S_j the sum of the others, so k = (n target − j) / S_j for the first j whose
/// k caps exactly those j values (values sorted once). Falls back to bisection on k (the
/// previous method) if no piece holds, e.g. a target above the share of positive values.
fn scale_to_mean(y: &[f64], target: f64) -> Vec<f64> {
    let n = y.len() as f64;
    let mut sorted: Vec<f64> = y.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut rest: f64 = sorted.iter().sum();
    let mut found = None;
    for (j, &v) in sorted.iter().enumerate() {
        // j values capped (sorted[..j]); the others sum to `rest`.
        if rest > 0.0 {
            let k = (n * target - j as f64) / rest;
            let caps_above = j == 0 || k * sorted[j - 1] >= 1.0;
            if k >= 0.0 && caps_above && k * v <= 1.0 {
                found = Some(k);
                break;
            }
        }
        rest -= v;
    }
    let k = found.unwrap_or_else(|| scale_by_bisection(y, target));
    y.iter().map(|v| (k * v).min(1.0)).collect()
}

/// The scale k of [`scale_to_mean`] by bisection.
fn scale_by_bisection(y: &[f64], target: f64) -> f64 {
    let m = |k: f64| mean(&y.iter().map(|v| (k * v).min(1.0)).collect::<Vec<_>>());
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while m(hi) < target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if m(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Maps `x` (values in [0, 1]) by x^α so the mean is `target`: Newton's method on ln α,
/// safeguarded by the bracket [−8, 8] it keeps (a step leaving it bisects), until a step or
/// the bracket is below 1e-13 (x^α as exp(α ln x), with ln x formed once). The mean falls as α
/// grows, so the root is unique; Newton needs about 6 passes over `x` where bisection to the
/// same width needed 44.
pub fn power_to_mean(x: &[f64], target: f64) -> (Vec<f64>, f64) {
    let ln_x: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let pow = |l: f64, a: f64| {
        if l == f64::NEG_INFINITY {
            0.0
        } else {
            (a * l).exp()
        }
    };
    let len = x.len().max(1) as f64;
    // (mean of x^α − target, its derivative in t = ln α).
    let eval = |t: f64| {
        let a = t.exp();
        let (mut m, mut d) = (0.0f64, 0.0f64);
        for &l in &ln_x {
            let v = pow(l, a);
            if v > 0.0 {
                m += v;
                d += v * l;
            }
        }
        (m / len - target, a * d / len)
    };
    let (mut lo, mut hi) = (-8.0f64, 8.0f64);
    let mut t = 0.0f64;
    for _ in 0..200 {
        let (f, slope) = eval(t);
        if f > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let newton = t - f / slope;
        let next = if slope < 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let done = (next - t).abs() <= 1e-13 || hi - lo <= 1e-13;
        t = next;
        if done {
            break;
        }
    }
    let a = t.exp();
    (ln_x.iter().map(|&l| pow(l, a)).collect(), a)
}

/// sitefind's solar (single-axis tracking) capacity-factor assumption by latitude, in the range
/// of AEMO ISP/IASR trace averages: 0.28 north of 22°S, 0.27 to 27°S, 0.26 to 31°S, 0.25 to
/// 34°S, 0.24 to 37°S, 0.21 to 40°S, 0.18 south of 40°S (`data/SOURCES.md`).
pub fn assumed_solar_capacity_factor(lat: f64) -> f64 {
    let a = lat.abs();
    match a {
        a if a < 22.0 => 0.28,
        a if a < 27.0 => 0.27,
        a if a < 31.0 => 0.26,
        a if a < 34.0 => 0.25,
        a if a < 37.0 => 0.24,
        a if a < 40.0 => 0.21,
        _ => 0.18,
    }
}

/// sitefind's onshore wind capacity-factor assumption by NEM region (QLD1 0.33, NSW1 0.33,
/// VIC1 0.36, SA1 0.36, TAS1 0.40; `data/SOURCES.md`); offshore wind areas use
/// [`ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR`]. `None` outside the NEM.
pub fn assumed_wind_capacity_factor(region: &str) -> Option<f64> {
    match region {
        "QLD1" | "NSW1" => Some(0.33),
        "VIC1" | "SA1" => Some(0.36),
        "TAS1" => Some(0.40),
        _ => None,
    }
}

/// sitefind's offshore wind capacity-factor assumption (`data/SOURCES.md`; defined beside the
/// zone data that records it, [`crate::data::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR`]).
pub use crate::data::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR;

const ASSUMED_NOTE: &str = "capacity factor: sitefind's stated assumption (the zone has none)";

fn unavailable(resource: Option<f64>, what: &str) -> Option<String> {
    resource
        .is_some_and(|r| r <= 0.0)
        .then(|| format!("the zone's {what} resource limit is 0 MW"))
}

/// Builds every zone's profiles (dataset zone order).
pub fn zone_profiles(ds: &Dataset, p: &SupplyParams) -> Vec<ZoneProfile> {
    use rayon::prelude::*;
    ds.zones
        .par_iter()
        .map(|z| zone_profile(ds, z, p))
        .collect()
}

/// Builds one zone's profiles (donors are searched among all of `ds`'s zones).
pub fn zone_profile(ds: &Dataset, z: &RenewableZone, p: &SupplyParams) -> ZoneProfile {
    zone_profile_blending(ds, z, p, BLEND_DONORS)
}

/// [`zone_profile`] blending the `n_donors` nearest real traces (1: the single nearest donor,
/// the method before the blend; kept to measure the blend against it).
pub fn zone_profile_blending(
    ds: &Dataset,
    z: &RenewableZone,
    p: &SupplyParams,
    n_donors: usize,
) -> ZoneProfile {
    let years = &p.reference_years;
    let (solar, solar_source) = solar_profile(ds, z, p, years, n_donors);
    let (wind, wind_source) = wind_profile(ds, z, p, years, n_donors);
    ZoneProfile {
        zone_id: z.id.clone(),
        solar,
        wind,
        solar_source,
        wind_source,
    }
}

fn own(traces: &[&Trace], tech: &str) -> (Option<Vec<f64>>, ProfileSource) {
    let v: Vec<f64> = traces
        .iter()
        .flat_map(|t| year_values(t).to_vec())
        .collect();
    let cf = mean(&v);
    (Some(v), own_source("aemo-trace", traces, tech, cf, None))
}

/// The [`ProfileSource`] of a profile from the zone's own traces (no donor).
fn own_source(
    method: &str,
    traces: &[&Trace],
    tech: &str,
    capacity_factor: f64,
    note: Option<String>,
) -> ProfileSource {
    ProfileSource {
        method: method.into(),
        technology: Some(tech.to_string()),
        donor_zone: None,
        donor_km: None,
        donors: Vec::new(),
        files: traces.iter().map(|t| t.source.clone()).collect(),
        capacity_factor: Some(capacity_factor),
        note,
    }
}

/// A zone's own project trace (an existing generator's): its shape mapped by the power
/// transform to `target`, the zone's capacity factor (`note` if assumed).
fn own_project(
    traces: &[&Trace],
    tech: &str,
    target: f64,
    note: Option<String>,
) -> (Option<Vec<f64>>, ProfileSource) {
    let x: Vec<f64> = traces
        .iter()
        .flat_map(|t| year_values(t).to_vec())
        .collect();
    let (v, _alpha) = power_to_mean(&x, target);
    let project = traces.first().and_then(|t| t.project.clone());
    let why = format!(
        "shape of the AEMO project trace of {} (an existing generator), mapped to the zone's capacity factor",
        project.as_deref().unwrap_or("a project")
    );
    let note = Some(match note {
        Some(n) => format!("{why}; {n}"),
        None => why,
    });
    let source = own_source("project-trace-power-transform", traces, tech, target, note);
    (Some(v), source)
}

/// The zone's solar capacity factor, or sitefind's assumption with a note.
fn solar_target(z: &RenewableZone) -> (f64, Option<String>) {
    match z.solar_capacity_factor {
        Some(cf) => (cf, None),
        None => (
            assumed_solar_capacity_factor(z.centre.lat),
            Some(ASSUMED_NOTE.to_string()),
        ),
    }
}

/// The zone's wind capacity factor, or sitefind's assumption with a note; `Err` with the
/// reason when there is neither.
fn wind_target(z: &RenewableZone) -> Result<(f64, Option<String>), String> {
    match z.wind_capacity_factor {
        Some(cf) => Ok((cf, None)),
        None => match assumed_wind_capacity_factor(&z.region) {
            Some(cf) => Ok((cf, Some(ASSUMED_NOTE.to_string()))),
            None => Err(format!(
                "the zone has no wind capacity factor and region `{}` has no assumed one",
                z.region
            )),
        },
    }
}

/// A donor's clear-sky energy per day (the sum of its 48 half-hourly values) for the
/// [`DAYS_PER_YEAR`] days from `first_day`, memoised per process: every zone borrowing the
/// same donor and year divides by the same days.
fn daily_clear_sky(lat: f64, lon: f64, first_day: (i32, u32, u32)) -> std::sync::Arc<Vec<f64>> {
    type Memo = std::sync::Mutex<
        std::collections::HashMap<(u64, u64, (i32, u32, u32)), std::sync::Arc<Vec<f64>>>,
    >;
    static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
    let key = (lat.to_bits(), lon.to_bits(), first_day);
    let memo = MEMO.get_or_init(Default::default);
    if let Some(v) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let clear = super::solar::clear_sky_profile(lat, lon, first_day, DAYS_PER_YEAR);
    let v = std::sync::Arc::new(
        clear
            .chunks(PERIODS_PER_DAY)
            .map(|d| d.iter().sum::<f64>())
            .collect::<Vec<f64>>(),
    );
    if let Ok(mut m) = memo.lock() {
        m.insert(key, v.clone());
    }
    v
}

fn solar_profile(
    ds: &Dataset,
    z: &RenewableZone,
    p: &SupplyParams,
    years: &[u32],
    n_donors: usize,
) -> (Option<Vec<f64>>, ProfileSource) {
    let tech = p.solar_technology.as_str();
    if let Some(note) = unavailable(z.solar_resource_mw, "solar") {
        return (None, ProfileSource::none(note));
    }
    if let Some(t) = traces_for(ds, &z.id, tech, years) {
        if t.iter().any(|x| x.project.is_some()) {
            let (target, note) = solar_target(z);
            return own_project(&t, tech, target, note);
        }
        return own(&t, tech);
    }
    let donors = donors(ds, z, tech, years, n_donors);
    if donors.is_empty() {
        return (
            None,
            ProfileSource::none(format!(
                "no zone has a {tech} trace for every reference year"
            )),
        );
    }
    let mut y = Vec::with_capacity(years.len() * DAYS_PER_YEAR * PERIODS_PER_DAY);
    for k in 0..years.len() {
        let ratio = blended_cloudiness(&donors, k);
        let first_day = donors[0].traces[k].first_day;
        let zclear =
            super::solar::clear_sky_profile(z.centre.lat, z.centre.lon, first_day, DAYS_PER_YEAR);
        for (d, r) in ratio.iter().enumerate() {
            let range = d * PERIODS_PER_DAY..(d + 1) * PERIODS_PER_DAY;
            y.extend(zclear[range].iter().map(|c| c * r));
        }
    }
    let (target, note) = solar_target(z);
    let v = scale_to_mean(&y, target);
    let source = blend_source("sun-position+donor-cloudiness", tech, &donors, target, note);
    (Some(v), source)
}

/// The donors' weighted cloudiness ratio of each day of reference year `k` (each donor's daily
/// trace energy over its own clear-sky daily energy at its site).
fn blended_cloudiness(donors: &[Source<'_>], k: usize) -> Vec<f64> {
    let series: Vec<(Vec<f64>, f64)> = donors
        .iter()
        .map(|d| {
            let t = d.traces[k];
            let dv = year_values(t);
            let dclear = daily_clear_sky(d.site.lat, d.site.lon, t.first_day);
            let ratio = (0..DAYS_PER_YEAR).map(|day| {
                let e_trace: f64 = dv[day * PERIODS_PER_DAY..(day + 1) * PERIODS_PER_DAY]
                    .iter()
                    .sum();
                if dclear[day] > 0.0 {
                    e_trace / dclear[day]
                } else {
                    0.0
                }
            });
            (ratio.collect(), d.weight)
        })
        .collect();
    rank_blend(&series)
}

/// The rank-preserving blend of weighted series (weights summing to 1, equal lengths): the
/// timing of the weighted mean `b_t = Σ w_k x_k,t`, the values of the weighted mean of the
/// series' sorted values (the quantile average, Wasserstein barycentre), y at the r-th
/// smallest `b_t` being the r-th of those. A plain weighted mean would smooth what the donors
/// do not share (their calms and gusts at different times), so the blend would be steadier
/// than any real trace and size batteries too small; this keeps the donors' spread of values
/// and takes only the timing from the mean. One series comes back unchanged.
pub fn rank_blend(series: &[(Vec<f64>, f64)]) -> Vec<f64> {
    let n = series.iter().map(|s| s.0.len()).min().unwrap_or(0);
    let mut mean = vec![0.0; n];
    let mut quantiles = vec![0.0; n];
    for (x, w) in series {
        let mut sorted = x[..n].to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        for t in 0..n {
            mean[t] += w * x[t];
            quantiles[t] += w * sorted[t];
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    // Ties by position: a total order, so the unstable sort is deterministic.
    order.sort_unstable_by(|&a, &b| mean[a].total_cmp(&mean[b]).then(a.cmp(&b)));
    let mut y = vec![0.0; n];
    for (r, &t) in order.iter().enumerate() {
        y[t] = quantiles[r];
    }
    y
}

fn wind_profile(
    ds: &Dataset,
    z: &RenewableZone,
    p: &SupplyParams,
    years: &[u32],
    n_donors: usize,
) -> (Option<Vec<f64>>, ProfileSource) {
    let tech = p.wind_technology.as_str();
    if let Some(note) = unavailable(z.wind_resource_mw, "wind") {
        return (None, ProfileSource::none(note));
    }
    let own_traces = traces_for(ds, &z.id, tech, years);
    if let Some(t) = &own_traces {
        if !t.iter().any(|x| x.project.is_some()) {
            return own(t, tech);
        }
    }
    let (target, note) = match wind_target(z) {
        Ok(t) => t,
        Err(why) => return (None, ProfileSource::none(why)),
    };
    if let Some(t) = &own_traces {
        return own_project(t, tech, target, note);
    }
    let donors = donors(ds, z, tech, years, n_donors);
    if donors.is_empty() {
        return (
            None,
            ProfileSource::none(format!(
                "no zone has a {tech} trace for every reference year"
            )),
        );
    }
    let series: Vec<(Vec<f64>, f64)> = donors
        .iter()
        .map(|d| {
            let v = d.traces.iter().flat_map(|t| year_values(t).iter().copied());
            (v.collect(), d.weight)
        })
        .collect();
    let x = rank_blend(&series);
    let (v, _alpha) = power_to_mean(&x, target);
    let source = blend_source("donor-power-transform", tech, &donors, target, note);
    (Some(v), source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_transform_hits_the_mean_and_keeps_order() {
        let x: Vec<f64> = (0..100).map(|i| i as f64 / 99.0).collect();
        let (y, a) = power_to_mean(&x, 0.3);
        assert!((mean(&y) - 0.3).abs() < 1e-9);
        assert!(a > 1.0);
        assert!(y.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(y[0], 0.0);
        assert!((y[99] - 1.0).abs() < 1e-12);
        let s = scale_to_mean(&[0.0, 0.1, 0.2, 0.9], 0.4);
        assert!((mean(&s) - 0.4).abs() < 1e-9);
        assert!(s.iter().all(|v| *v <= 1.0));
    }

    #[test]
    fn exact_scale_matches_bisection() {
        // Clear-sky-like days with zeros at night, and targets that cap none, some or most.
        let y: Vec<f64> = (0..4800)
            .map(|i| {
                let h = (i % 48) as f64;
                let d = (i / 48) as f64;
                ((h - 12.0) * 0.3).sin().max(0.0) * (0.4 + 0.6 * (d * 0.7).sin().abs())
            })
            .collect();
        for target in [0.0, 0.05, 0.2, 0.3, 0.4, 0.45] {
            let exact = scale_to_mean(&y, target);
            let k = scale_by_bisection(&y, target);
            let bisect: Vec<f64> = y.iter().map(|v| (k * v).min(1.0)).collect();
            assert!((mean(&exact) - target).abs() < 1e-12, "{target}");
            let worst = exact
                .iter()
                .zip(&bisect)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max);
            assert!(worst < 1e-12, "{target}: {worst}");
        }
        // Above the share of positive values: the bisection fallback caps every one.
        let s = scale_to_mean(&[0.0, 0.5, 0.0, 0.25], 0.9);
        assert!(s[1] == 1.0 && s[3] == 1.0 && s[0] == 0.0);
    }

    /// The profile cache (`super::cached_profile`) is keyed on the reference years and the
    /// technology codes only: every other supply field must leave a profile unchanged.
    #[test]
    fn profile_ignores_cost_and_target_fields() {
        let ds = crate::data::Dataset::embedded().expect("embedded dataset");
        let base = SupplyParams::default();
        let mut other = base.clone();
        other.cfe_target = 0.55;
        other.round_trip_efficiency = 0.7;
        other.export_value_aud_per_mwh = 5.0;
        other.solar_capex_aud_per_mw *= 1.3;
        other.solar_fom_aud_per_mw_yr *= 2.0;
        other.solar_life_years = 20.0;
        other.wind_capex_aud_per_mw *= 0.8;
        other.wind_fom_aud_per_mw_yr *= 2.0;
        other.wind_life_years = 30.0;
        other.offshore_wind_capex_aud_per_mw *= 1.1;
        other.offshore_wind_fom_aud_per_mw_yr *= 1.1;
        other.battery_fom_aud_per_mw_yr *= 3.0;
        other.battery_life_years = 12.0;
        for c in &mut other.battery_cost_curve {
            c.aud_per_kwh *= 1.5;
        }
        other.flexible_share = 0.3;
        other.server_capex_aud_per_mw_yr = Some(1.0);
        other.fixed_headroom_mw = Some(0.1);
        other.grid_cfe_share.insert("NSW1".into(), 0.5);
        other.sourcing = crate::scenario::Sourcing::Regional;
        // A field added to SupplyParams later must be considered here (and in the cache key).
        let SupplyParams {
            cfe_target: _,
            reference_years: _,
            solar_technology: _,
            wind_technology: _,
            round_trip_efficiency: _,
            export_value_aud_per_mwh: _,
            solar_capex_aud_per_mw: _,
            solar_fom_aud_per_mw_yr: _,
            solar_life_years: _,
            wind_capex_aud_per_mw: _,
            wind_fom_aud_per_mw_yr: _,
            wind_life_years: _,
            offshore_wind_capex_aud_per_mw: _,
            offshore_wind_fom_aud_per_mw_yr: _,
            battery_cost_curve: _,
            battery_fom_aud_per_mw_yr: _,
            battery_life_years: _,
            flexible_share: _,
            server_capex_aud_per_mw_yr: _,
            grid_cfe_share: _,
            fixed_headroom_mw: _,
            cache_dir: _,
            sourcing: _,
        } = &other;
        for z in ds.zones.iter().take(6) {
            assert_eq!(
                zone_profile(&ds, z, &base),
                zone_profile(&ds, z, &other),
                "{}",
                z.id
            );
        }
    }
}

//! Calibration of the latency model against measured round-trip times from several
//! sources (`latency/rtt_azure_published.csv`: Azure backbone P50/P95 of 30-day windows
//! 2023–2026 and table values ≤ 2018 / ≤ 2020; `latency/rtt_wondernetwork_2018.csv`:
//! public-Internet pings between hosting providers, 2018). docs/latency.md explains each term.
//!
//! # Dates
//! Every row is routed over the cables in service in its year ([`Observation::year`], the
//! first year in its vintage; `LatencyParams::in_service_year`): a 2018 ping never uses JGA
//! (2020) or INDIGO (2019).
//!
//! # Detours
//! A typical row whose RTT exceeds `detour_factor` × the great-circle fibre floor +
//! `detour_allowance_ms` (default 2 × floor + 10 ms) is a pathological detour: reported, not
//! fitted, not in the percentile. No route in the graph for any pair of the two files is
//! longer than 1.9 × its great circle, and 10 ms is two endpoints at the grid's maximum.
//!
//! # The median fit
//! Six physical terms, each searched within its plausible range: the terrestrial route
//! factor of Australia and of Japan, the overhead per point of presence (terrestrial), the
//! submarine cable slack and the overhead per landing station (submarine), and the overhead
//! per endpoint (one per route class: cloud campuses for backbone rows, carrier-hotel servers
//! for public-Internet rows). Rows fitted (`fits_class`): backbone typical rows of AU–JP,
//! AU–AU and JP–JP, and public-Internet typical rows within one country. Loss: mean absolute
//! relative error. For a fixed route every RTT is linear in the terms ([`PathTerms`]), so the
//! search scores a grid point in O(rows) without rebuilding the graph: each row keeps the
//! routes found under the grid's 32 corners and under every optimum (the modelled RTT is the
//! least over them), and the search repeats until the optimum's routes are all known, so
//! the final point's RTTs are the graph's own. The endpoint overheads are solved exactly per
//! grid point (a weighted median, snapped to its grid). Coarse grid, then a fine grid around
//! the coarse optimum; ties keep the first point. Deterministic.
//!
//! # The planning percentile
//! Per route class, read off the data: `route_margin` = 95th percentile (nearest rank) of
//! measured / modelled median − 1 over the class's typical rows of AU–JP, AU–AU and JP–JP
//! (every provider, vintage and year; detours left out), and `jitter_ms` = mean gap above the
//! typical value within one window (P95 − P50 for backbone rows, avg − min for pings). The
//! backbone class's pair becomes `p95_route_margin` and `p95_jitter_ms`.

use super::{graph, LatencyModel, PathTerms, RawGraph};
use crate::data::{Dataset, LonLat};
use crate::error::{Error, Issues, Location, Result};
use crate::scenario::LatencyParams;
use crate::spatial::geodesy::distance_km;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One measured round trip between two places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Label, e.g. `Sydney [Azure Australia East] – Tokyo [Azure Japan East]`.
    pub name: String,
    /// One end.
    pub from: LonLat,
    /// The other end.
    pub to: LonLat,
    /// Measured RTT, ms.
    pub rtt_ms: f64,
    /// Which figure: `p50_30d`, `p95_30d`, `table_value`, `avg`, `min` (empty column: `p50`).
    pub statistic: String,
    /// The measurement window or vintage (empty if not given).
    pub vintage: String,
    /// The file the row came from (its stem, e.g. `rtt_wondernetwork_2018`).
    #[serde(default)]
    pub source: String,
}

/// How a measurement's packets travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RouteClass {
    /// A cloud provider's own backbone (published percentiles: `p50_*`, `p95_*`, tables).
    #[serde(rename = "backbone")]
    Backbone,
    /// Pings between hosting providers over the public Internet (`avg` / `min` rows).
    #[serde(rename = "public-internet")]
    PublicInternet,
}

impl RouteClass {
    /// Display label.
    pub fn label(self) -> &'static str {
        match self {
            RouteClass::Backbone => "backbone",
            RouteClass::PublicInternet => "public-internet",
        }
    }
}

impl Observation {
    /// True for a percentile-95 row.
    pub fn is_p95(&self) -> bool {
        self.statistic.to_ascii_lowercase().starts_with("p95")
    }

    /// True for a minimum-of-pings row (a floor, not a typical value).
    pub fn is_min(&self) -> bool {
        self.statistic.eq_ignore_ascii_case("min")
    }

    /// True for a typical (median-like) value: P50, table values, ping averages.
    pub fn is_typical(&self) -> bool {
        !self.is_p95() && !self.is_min()
    }

    /// Public-Internet ping tables publish `avg` and `min`; backbone statistics publish
    /// percentiles and table values.
    pub fn route_class(&self) -> RouteClass {
        let s = self.statistic.to_ascii_lowercase();
        if s == "avg" || s == "min" || s == "mean" {
            RouteClass::PublicInternet
        } else {
            RouteClass::Backbone
        }
    }

    /// The year whose network the measurement ran on: the first four-digit year (1900–2099)
    /// in `vintage` (`2023-06-21..2023-07-21` → 2023, `2018-11-10` → 2018); for an upper
    /// bound (`<=2020-08 (unchanged to 2026)`: measured at the latest in 2020, exact date
    /// unknown) the year before, the last whose cables were certainly in service → 2019;
    /// `None` when the vintage names no year.
    pub fn year(&self) -> Option<u32> {
        let v = self.vintage.trim_start();
        let bound = u32::from(v.starts_with("<=") || v.starts_with('≤'));
        self.first_year().map(|y| y - bound)
    }

    fn first_year(&self) -> Option<u32> {
        let b = self.vintage.as_bytes();
        (0..b.len().saturating_sub(3)).find_map(|i| {
            let w = &b[i..i + 4];
            let digits = w.iter().all(u8::is_ascii_digit);
            let alone = (i == 0 || !b[i - 1].is_ascii_digit())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
            let y: u32 = std::str::from_utf8(w).ok()?.parse().ok()?;
            (digits && alone && (1900..2100).contains(&y)).then_some(y)
        })
    }

    /// Reads observations from a CSV with columns `from_name, from_lon, from_lat, to_name,
    /// to_lon, to_lat, rtt_ms` and optionally `statistic, vintage` (extra columns ignored),
    /// e.g. `latency/rtt_azure_published.csv`.
    pub fn read_csv(path: &Path) -> Result<Vec<Observation>> {
        let text = crate::input::read_text(path)?;
        Observation::from_csv_str(&path.display().to_string(), &text)
    }

    /// Parses observations from CSV text; `label` names the input in errors. Every bad record
    /// is reported.
    pub fn from_csv_str(label: &str, text: &str) -> Result<Vec<Observation>> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| Error::Parse {
                at: Location::file(label),
                message: e.to_string(),
                hint: "the first line must be the CSV header".into(),
            })?
            .clone();
        let cols = [
            "from_name",
            "from_lon",
            "from_lat",
            "to_name",
            "to_lon",
            "to_lat",
            "rtt_ms",
        ];
        let mut idx = [0usize; 7];
        let mut issues = Issues::new();
        for (k, c) in cols.iter().enumerate() {
            match headers.iter().position(|h| h == *c) {
                Some(i) => idx[k] = i,
                None => issues.push(
                    Location::file(label).record("line 1").field(*c),
                    format!("a column `{c}`"),
                    format!("columns {:?}", headers.iter().collect::<Vec<_>>()),
                    "use the columns of latency/rtt_azure_published.csv (see its PROVENANCE.md)",
                ),
            }
        }
        issues.into_result(())?;
        let stat_col = headers.iter().position(|h| h == "statistic");
        let vintage_col = headers.iter().position(|h| h == "vintage");
        let mut issues = Issues::new();
        let mut out = Vec::new();
        for (r, rec) in reader.records().enumerate() {
            let line = r + 2;
            let rec = match rec {
                Ok(rec) => rec,
                Err(e) => {
                    issues.push(
                        Location::file(label).record(format!("line {line}")),
                        "a CSV record",
                        e.to_string(),
                        "fix the quoting or the number of fields",
                    );
                    continue;
                }
            };
            let get = |k: usize| rec.get(idx[k]).unwrap_or("");
            let rid = format!("line {line} \"{} – {}\"", get(0), get(3));
            let mut num = |k: usize, lo: f64, hi: f64, what: &str| -> Option<f64> {
                let s = get(k);
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= lo && v <= hi => Some(v),
                    _ => {
                        issues.push(
                            Location::file(label).record(rid.clone()).field(cols[k]),
                            what.to_string(),
                            format!("`{s}`"),
                            "longitude then latitude in WGS 84 degrees; rtt_ms > 0",
                        );
                        None
                    }
                }
            };
            let v = (
                num(1, -180.0, 180.0, "a longitude in −180..=180"),
                num(2, -90.0, 90.0, "a latitude in −90..=90"),
                num(4, -180.0, 180.0, "a longitude in −180..=180"),
                num(5, -90.0, 90.0, "a latitude in −90..=90"),
                num(6, 1e-9, 1e6, "a round-trip time in ms > 0"),
            );
            let opt = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("").to_string();
            if let (Some(a), Some(b), Some(c), Some(d), Some(ms)) = v {
                let statistic = opt(stat_col);
                out.push(Observation {
                    name: format!("{} – {}", get(0), get(3)),
                    from: LonLat::new(a, b),
                    to: LonLat::new(c, d),
                    rtt_ms: ms,
                    statistic: if statistic.is_empty() {
                        "p50".into()
                    } else {
                        statistic
                    },
                    vintage: opt(vintage_col),
                    source: source_label(label),
                });
            }
        }
        issues.into_result(out)
    }
}

/// The pair groups residuals are reported by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PairGroup {
    /// Australia – Japan.
    #[serde(rename = "AU-JP")]
    AuJp,
    /// Australia – Australia.
    #[serde(rename = "AU-AU")]
    AuAu,
    /// Japan – Japan.
    #[serde(rename = "JP-JP")]
    JpJp,
    /// Anything else (Australia or Japan to Singapore or the US west coast).
    #[serde(rename = "via-SG/US")]
    Other,
}

impl PairGroup {
    /// Display label.
    pub fn label(self) -> &'static str {
        match self {
            PairGroup::AuJp => "AU-JP",
            PairGroup::AuAu => "AU-AU",
            PairGroup::JpJp => "JP-JP",
            PairGroup::Other => "via-SG/US",
        }
    }

    fn of(model: &LatencyModel, a: LonLat, b: LonLat) -> PairGroup {
        let c = |p| {
            model
                .country_of(p)
                .map(str::to_ascii_lowercase)
                .unwrap_or_default()
        };
        match (c(a).as_str(), c(b).as_str()) {
            ("australia", "japan") | ("japan", "australia") => PairGroup::AuJp,
            ("australia", "australia") => PairGroup::AuAu,
            ("japan", "japan") => PairGroup::JpJp,
            _ => PairGroup::Other,
        }
    }
}

/// The search grid: `[min, max, step]` of each fitted term (the fine stage searches ± one
/// coarse step in `refine` divisions around the coarse optimum), and the detour rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationGrid {
    /// Terrestrial route factor (Australia and Japan each). Default 1.10..=1.80 step 0.05.
    pub route_factor: [f64; 3],
    /// Round-trip overhead per endpoint, ms. Default 0..=5 step 0.05.
    pub endpoint_overhead_ms: [f64; 3],
    /// Round-trip overhead per landing station on the path, ms. Default 0..=2 step 0.25.
    pub landing_overhead_ms: [f64; 3],
    /// Submarine fibre / stated cable length. Default 1.00..=1.10 step 0.02.
    pub cable_slack: [f64; 3],
    /// Round-trip overhead per point of presence on the path, ms. Default 0..=2 step 0.25.
    pub pop_overhead_ms: [f64; 3],
    /// Fine stage divisions; 0 = no fine stage. Default 5.
    pub refine: u32,
    /// Detour rule: a typical row is a pathological detour, reported but not fitted, when
    /// its RTT exceeds `detour_factor` × the great-circle fibre floor + `detour_allowance_ms`.
    /// Default 2.0 (no route in the graph for any pair of the two files is longer than
    /// 1.9 × the great circle: Perth–Tokyo over Singapore in 2018).
    pub detour_factor: f64,
    /// Overheads a legitimate path may add on top of `detour_factor` × floor, ms. Default 10
    /// (two endpoints at the grid's 5 ms maximum each).
    pub detour_allowance_ms: f64,
}

impl Default for CalibrationGrid {
    fn default() -> Self {
        CalibrationGrid {
            route_factor: [1.10, 1.80, 0.05],
            endpoint_overhead_ms: [0.0, 5.0, 0.05],
            landing_overhead_ms: [0.0, 2.0, 0.25],
            cable_slack: [1.0, 1.10, 0.02],
            pop_overhead_ms: [0.0, 2.0, 0.25],
            refine: 5,
            detour_factor: 2.0,
            detour_allowance_ms: 10.0,
        }
    }
}

impl CalibrationGrid {
    /// The detour threshold for a pair with this great-circle fibre floor, ms.
    pub fn detour_limit_ms(&self, floor_ms: f64) -> f64 {
        self.detour_factor * floor_ms + self.detour_allowance_ms
    }
}

/// One observation against the calibrated model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Residual {
    /// The observation's label.
    pub name: String,
    /// The file it came from.
    pub source: String,
    /// Pair group.
    pub group: PairGroup,
    /// Route class (backbone or public Internet).
    pub route_class: RouteClass,
    /// The observation's statistic (`p50_30d`, `p95_30d`, `table_value`, `avg`, `min`).
    pub statistic: String,
    /// The observation's vintage.
    pub vintage: String,
    /// The year the path was routed for (cables with a later `rfs_year` absent).
    pub year: Option<u32>,
    /// Measured RTT, ms.
    pub observed_ms: f64,
    /// Modelled RTT of the same statistic (median for typical and min rows, P95 for P95
    /// rows), ms.
    pub modelled_ms: f64,
    /// Modelled − observed, ms.
    pub residual_ms: f64,
    /// (Modelled − observed) / observed, %.
    pub residual_pct: f64,
    /// Modelled P95 (backbone class), ms.
    pub modelled_p95_ms: f64,
    /// Great-circle fibre floor, ms.
    pub floor_ms: f64,
    /// Excluded by the detour rule (measured > factor × floor + allowance).
    pub detour: bool,
    /// The row was in the median fit.
    pub fitted: bool,
    /// Cable ids of the modelled path (empty: terrestrial).
    pub cables: Vec<String>,
}

/// Fit summary of one pair group, statistic and source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFit {
    /// Pair group.
    pub group: PairGroup,
    /// The source file, or `all`.
    pub source: String,
    /// `median` (typical rows vs the modelled median), `min` or `p95` (P95 rows vs the
    /// modelled P95).
    pub statistic: String,
    /// Number of rows (detours excluded).
    pub n: usize,
    /// Mean signed relative error, %.
    pub mean_signed_pct: f64,
    /// Mean absolute relative error, %.
    pub mean_abs_pct: f64,
    /// Largest absolute relative error, %.
    pub max_abs_pct: f64,
    /// Share of the rows at or below the modelled P95, %.
    pub p95_covers_pct: f64,
}

/// The planning percentile of one route class, read off the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassPercentile {
    /// Route class.
    pub route_class: RouteClass,
    /// 95th percentile (nearest rank) of measured / modelled median − 1 over the class's
    /// fitted rows (every provider, vintage and date), ≥ 0.
    pub route_margin: f64,
    /// Mean within-window gap above the typical value, ms: P95 − P50 (backbone) or
    /// avg − min (public Internet) of the same pair and window.
    pub jitter_ms: f64,
    /// Rows behind `route_margin`.
    pub margin_rows: usize,
    /// Same-window pairs behind `jitter_ms`.
    pub jitter_pairs: usize,
}

/// The calibrated parameters and how well they fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationResult {
    /// The base parameters with the fitted terms (P95 terms of the backbone class).
    pub params: LatencyParams,
    /// The detour rule applied.
    pub detour_factor: f64,
    /// The detour rule's allowance, ms.
    pub detour_allowance_ms: f64,
    /// Per observation, in input order.
    pub residuals: Vec<Residual>,
    /// Per pair group, statistic and source (`all` first), in group order.
    pub groups: Vec<GroupFit>,
    /// The planning percentile per route class.
    pub classes: Vec<ClassPercentile>,
    /// Mean absolute relative error of the median over the fitted rows, %.
    pub loss_pct: f64,
    /// Number of parameter points scored.
    pub evaluated: usize,
    /// Candidate paths per fitted row at the end (routes found under the grid's corners and
    /// every optimum).
    pub candidate_paths: usize,
}

fn steps(g: [f64; 3]) -> Result<Vec<f64>> {
    let [lo, hi, step] = g;
    if !(lo.is_finite() && hi.is_finite() && step.is_finite() && step > 0.0 && lo <= hi) {
        return Err(Error::usage(
            format!("calibration grid [{lo}, {hi}, {step}]: expected min ≤ max and step > 0"),
            "give [min, max, step] with a positive step",
        ));
    }
    let n = ((hi - lo) / step + 1e-9).floor();
    let max = crate::limits::MAX_GRID_AXIS_POINTS;
    if !(n.is_finite() && n < max as f64) {
        return Err(Error::usage(
            format!(
                "calibration grid [{lo}, {hi}, {step}]: {} points, at most {max} per parameter",
                if n.is_finite() {
                    format!("{}", n + 1.0)
                } else {
                    "too many".to_string()
                }
            ),
            "use a coarser step, e.g. 1.1,1.8,0.05",
        ));
    }
    let n = n as usize;
    Ok((0..=n).map(|k| round6(lo + k as f64 * step)).collect())
}

/// The fine grid around `v`: ± one coarse step in `refine` divisions, clipped to the coarse
/// range (just `v` when `refine` is 0).
fn fine(g: [f64; 3], v: f64, refine: u32) -> Vec<f64> {
    let [lo, hi, step] = g;
    let r = i64::from(refine.max(1));
    if refine == 0 {
        return vec![v];
    }
    (-r..=r)
        .map(|k| round6(v + k as f64 * step / r as f64))
        .filter(|x| *x >= lo - 1e-9 && *x <= hi + 1e-9)
        .collect()
}

/// The fitted terms.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Theta {
    rf_au: f64,
    rf_jp: f64,
    slack: f64,
    landing: f64,
    pop: f64,
    endpoint: f64,
    /// Endpoint overhead of public-Internet rows (hosting servers in carrier hotels), ms.
    endpoint_public: f64,
}

impl Theta {
    fn params(&self, base: &LatencyParams) -> LatencyParams {
        let mut p = base.clone();
        p.route_factor_by_country
            .insert("Australia".to_string(), self.rf_au);
        p.route_factor_by_country
            .insert("Japan".to_string(), self.rf_jp);
        p.cable_slack = self.slack;
        p.landing_overhead_ms = self.landing;
        p.pop_overhead_ms = self.pop;
        p.endpoint_overhead_ms = self.endpoint;
        p.city_endpoint_overhead_ms = self.endpoint_public;
        p.equipment_overhead_ms = 0.0;
        p
    }

    /// RTT of a path's terms without the endpoint overhead, ms.
    fn rtt_ms(&self, t: &PathTerms, fibre: f64) -> f64 {
        2.0 * fibre * (self.rf_au * t.au_km + self.rf_jp * t.jp_km + self.slack * t.cable_km)
            + t.other_ms
            + self.landing * t.landings
            + self.pop * t.pops
    }
}

/// The rows of the median fit with their weights and candidate paths.
struct FitSet<'a> {
    rows: Vec<&'a Observation>,
    /// 1 / (rows × measured RTT): the loss is the mean absolute relative error.
    weight: Vec<f64>,
    cands: Vec<Vec<PathTerms>>,
    /// The row is a public-Internet measurement (its own endpoint overhead).
    public: Vec<bool>,
}

impl FitSet<'_> {
    /// The best endpoint overhead on `ends` for these per-row RTTs without it, and the loss.
    /// The loss is convex piecewise linear in the overhead: its continuous optimum is a
    /// weighted median, and the best grid value is one of that point's two neighbours.
    fn best_endpoint(&self, m: &[f64], ends: &[f64]) -> (f64, f64) {
        let loss = |e: f64| -> f64 {
            m.iter()
                .zip(&self.rows)
                .zip(&self.weight)
                .map(|((m, o), w)| w * (m + 2.0 * e - o.rtt_ms).abs())
                .sum()
        };
        let mut v: Vec<(f64, f64)> = m
            .iter()
            .zip(&self.rows)
            .zip(&self.weight)
            .map(|((m, o), w)| (0.5 * (o.rtt_ms - m), *w))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let half = 0.5 * v.iter().map(|x| x.1).sum::<f64>();
        let mut acc = 0.0;
        let mut star = v.last().map_or(0.0, |x| x.0);
        for (x, w) in &v {
            acc += w;
            if acc >= half {
                star = *x;
                break;
            }
        }
        let k = ends.partition_point(|&e| e < star);
        let mut best = (f64::INFINITY, 0.0);
        for i in [k.saturating_sub(1), k.min(ends.len().saturating_sub(1))] {
            if let Some(&e) = ends.get(i) {
                let l = loss(e);
                if l < best.0 - 1e-15 || (l <= best.0 + 1e-15 && e < best.1) {
                    best = (l, e);
                }
            }
        }
        best
    }

    /// The best endpoint overhead of each route class (they are separable: each row has one
    /// class), and the summed loss.
    fn best_endpoints(&self, m: &[f64], ends: &[f64]) -> (f64, f64, f64) {
        let mut out = (0.0, 0.0, 0.0);
        for public in [false, true] {
            let idx: Vec<usize> = (0..m.len()).filter(|&i| self.public[i] == public).collect();
            if idx.is_empty() {
                continue;
            }
            let sub = FitSet {
                rows: idx.iter().map(|&i| self.rows[i]).collect(),
                weight: idx.iter().map(|&i| self.weight[i]).collect(),
                cands: Vec::new(),
                public: Vec::new(),
            };
            let mm: Vec<f64> = idx.iter().map(|&i| m[i]).collect();
            let (l, e) = sub.best_endpoint(&mm, ends);
            out.0 += l;
            if public {
                out.2 = e;
            } else {
                out.1 = e;
            }
        }
        out
    }

    /// Scores every grid point (endpoint overhead solved per point); the best θ and its loss.
    fn search(
        &self,
        axes: &[Vec<f64>; 5],
        ends: &[f64],
        fibre: f64,
        n: &mut usize,
    ) -> (f64, Theta) {
        let mut best = (f64::INFINITY, None);
        let mut m = vec![0.0; self.rows.len()];
        for &rf_au in &axes[0] {
            for &rf_jp in &axes[1] {
                for &slack in &axes[2] {
                    for &landing in &axes[3] {
                        for &pop in &axes[4] {
                            let mut th = Theta {
                                rf_au,
                                rf_jp,
                                slack,
                                landing,
                                pop,
                                endpoint: 0.0,
                                endpoint_public: 0.0,
                            };
                            for (mi, c) in m.iter_mut().zip(&self.cands) {
                                *mi = c
                                    .iter()
                                    .map(|t| th.rtt_ms(t, fibre))
                                    .fold(f64::INFINITY, f64::min);
                            }
                            let (loss, e, e_pub) = self.best_endpoints(&m, ends);
                            *n += 1;
                            th.endpoint = e;
                            th.endpoint_public = e_pub;
                            if loss < best.0 - 1e-12 {
                                best = (loss, Some(th));
                            }
                        }
                    }
                }
            }
        }
        match best {
            (l, Some(th)) => (l, th),
            _ => (
                f64::INFINITY,
                Theta {
                    rf_au: 1.0,
                    rf_jp: 1.0,
                    slack: 1.0,
                    landing: 0.0,
                    pop: 0.0,
                    endpoint: 0.0,
                    endpoint_public: 0.0,
                },
            ),
        }
    }
}

/// Latency models per measurement year for one parameter set.
struct YearModels<'a> {
    dataset: &'a Dataset,
    raw: &'a RawGraph,
    params: LatencyParams,
    models: BTreeMap<Option<u32>, LatencyModel>,
}

impl<'a> YearModels<'a> {
    fn new(dataset: &'a Dataset, raw: &'a RawGraph, params: LatencyParams) -> Self {
        YearModels {
            dataset,
            raw,
            params,
            models: BTreeMap::new(),
        }
    }

    /// The route of an observation with only the cables in service in its year.
    fn route(&mut self, o: &Observation) -> Result<(super::RttPath, PathTerms)> {
        let year = o.year();
        if !self.models.contains_key(&year) {
            let mut p = self.params.clone();
            p.in_service_year = year;
            let m = LatencyModel::from_graph(self.dataset, self.raw, &p)?;
            self.models.insert(year, m);
        }
        let m = self
            .models
            .get(&year)
            .ok_or_else(|| Error::Internal("year model".into()))?;
        let r = m.rtt(o.from, o.to).ok_or_else(|| {
            Error::usage(
                format!("calibration: no route for observation `{}` ({})", o.name, o.vintage),
                "check that the dataset has landings and cables in service at the measurement's date between both ends",
            )
        })?;
        let t = m.path_terms(&r, o.from, o.to);
        Ok((r, t))
    }
}

fn check_grid(grid: &CalibrationGrid) -> Result<()> {
    use crate::limits::{MAX_OVERHEAD_MS, MAX_ROUTE_FACTOR};
    for (name, g, lo, hi) in [
        ("route factor", grid.route_factor, 1.0, MAX_ROUTE_FACTOR),
        (
            "endpoint overhead",
            grid.endpoint_overhead_ms,
            0.0,
            MAX_OVERHEAD_MS,
        ),
        (
            "landing overhead",
            grid.landing_overhead_ms,
            0.0,
            MAX_OVERHEAD_MS,
        ),
        ("cable slack", grid.cable_slack, 1.0, MAX_ROUTE_FACTOR),
        ("PoP overhead", grid.pop_overhead_ms, 0.0, MAX_OVERHEAD_MS),
    ] {
        if !(g[0] >= lo && g[1] <= hi) {
            return Err(Error::usage(
                format!(
                    "calibration grid for the {name} [{}, {}, {}]: values must lie in [{lo}, {hi}]",
                    g[0], g[1], g[2]
                ),
                "see README \"Exit codes and outputs\" for the valid ranges",
            ));
        }
    }
    let factor_ok = grid.detour_factor.is_finite() && grid.detour_factor >= 1.0;
    let allowance_ok = grid.detour_allowance_ms.is_finite() && grid.detour_allowance_ms >= 0.0;
    if !(factor_ok && allowance_ok) {
        return Err(Error::usage(
            format!(
                "calibration detour rule {} × floor + {} ms: expected a factor ≥ 1 and an allowance ≥ 0",
                grid.detour_factor, grid.detour_allowance_ms
            ),
            "the default is 2 × floor + 10 ms",
        ));
    }
    let sizes: Vec<usize> = [
        grid.route_factor,
        grid.route_factor,
        grid.cable_slack,
        grid.landing_overhead_ms,
        grid.pop_overhead_ms,
        grid.endpoint_overhead_ms,
    ]
    .iter()
    .map(|g| steps(*g).map(|v| v.len()))
    .collect::<Result<_>>()?;
    let points = sizes[..5].iter().fold(1usize, |a, b| a.saturating_mul(*b));
    if points > crate::limits::MAX_GRID_POINTS / 100 {
        return Err(Error::usage(
            format!(
                "calibration grid of {points} points: at most {}",
                crate::limits::MAX_GRID_POINTS / 100
            ),
            "use coarser steps",
        ));
    }
    Ok(())
}

/// The fitted rows: typical values of the pairs sitefind routes (AU–JP, AU–AU, JP–JP), not
/// detours ([`fits_class`]); every row weighs the same.
fn fit_rows<'a>(
    model: &LatencyModel,
    observations: &'a [Observation],
    grid: &CalibrationGrid,
) -> Result<FitSet<'a>> {
    let f = model.params().fibre_ms_per_km;
    let rows: Vec<&Observation> = observations
        .iter()
        .filter(|o| o.is_typical() && fits_class(o, PairGroup::of(model, o.from, o.to)))
        .filter(|o| o.rtt_ms <= grid.detour_limit_ms(2.0 * f * distance_km(o.from, o.to)))
        .collect();
    if rows.is_empty() {
        return Err(Error::usage(
            "calibration needs at least one typical (P50, table or avg) Australia or Japan observation within the detour rule",
            "pass the rows of latency/rtt_azure_published.csv and latency/rtt_wondernetwork_2018.csv",
        ));
    }
    let n = rows.len() as f64;
    let weight = rows.iter().map(|o| 1.0 / (n * o.rtt_ms)).collect();
    let cands = vec![Vec::new(); rows.len()];
    let public = rows
        .iter()
        .map(|o| o.route_class() == RouteClass::PublicInternet)
        .collect();
    Ok(FitSet {
        rows,
        weight,
        cands,
        public,
    })
}

/// Whether a typical row of this group informs the median fit: backbone rows of the groups
/// sitefind routes (AU–JP, AU–AU, JP–JP), and public-Internet rows only within one country.
/// Between countries a public-Internet ping crosses transit providers whose hand-offs and
/// detours the graph does not describe (latency/PROVENANCE.md: "good for the structure of
/// short terrestrial legs and for the spread of real paths above a backbone's median, not as
/// ground truth for a modern backbone"); those rows are checks and feed the public-Internet
/// planning percentile.
fn fits_class(o: &Observation, group: PairGroup) -> bool {
    match o.route_class() {
        RouteClass::Backbone => group != PairGroup::Other,
        RouteClass::PublicInternet => matches!(group, PairGroup::AuAu | PairGroup::JpJp),
    }
}

/// Adds each row's route under `params` (per year) to its candidates; the number added.
fn add_routes(set: &mut FitSet, ym: &mut YearModels) -> Result<usize> {
    let mut added = 0;
    for (o, c) in set.rows.iter().zip(set.cands.iter_mut()) {
        let (_, t) = ym.route(o)?;
        let same = |u: &PathTerms| {
            (u.au_km - t.au_km).abs() < 1e-6
                && (u.jp_km - t.jp_km).abs() < 1e-6
                && (u.cable_km - t.cable_km).abs() < 1e-6
                && (u.other_ms - t.other_ms).abs() < 1e-9
                && u.landings == t.landings
                && u.pops == t.pops
        };
        if !c.iter().any(same) {
            c.push(t);
            added += 1;
        }
    }
    Ok(added)
}

/// Fits the median terms and reads the P95 terms per route class (module doc) from
/// `observations` on `grid` (everything else from `base`). Fails if there is no typical
/// observation, the grid is invalid, or an observation has no route in the graph.
pub fn calibrate(
    dataset: &Dataset,
    base: &LatencyParams,
    observations: &[Observation],
    grid: &CalibrationGrid,
) -> Result<CalibrationResult> {
    check_grid(grid)?;
    let raw = graph::derive(dataset)?;
    let base_model = LatencyModel::from_graph(dataset, &raw, base)?;
    let mut set = fit_rows(&base_model, observations, grid)?;
    let (theta, evaluated) = fit_theta(&mut set, dataset, &raw, base, grid)?;
    let mut params = theta.params(base);
    let mut ym = YearModels::new(dataset, &raw, params.clone());
    let routes: Vec<Option<super::RttPath>> = observations
        .iter()
        .map(|o| ym.route(o).map(|(r, _)| r).ok())
        .collect();
    // A route carries one data-centre end and one city end; a backbone row is measured
    // between two cloud regions (two data-centre ends), a ping between two hosting servers
    // at exchanges (two city ends).
    let shift = theta.endpoint_public - theta.endpoint;
    let medians: Vec<f64> = observations
        .iter()
        .zip(&routes)
        .map(|(o, r)| {
            let m = r.as_ref().map_or(f64::INFINITY, |r| r.rtt_ms);
            if o.route_class() == RouteClass::PublicInternet {
                m + shift
            } else {
                m - shift
            }
        })
        .collect();
    let classes = class_percentiles(observations, &medians, &base_model, grid);
    if let Some(c) = classes
        .iter()
        .find(|c| c.route_class == RouteClass::Backbone)
    {
        params.p95_route_margin = c.route_margin;
        params.p95_jitter_ms = c.jitter_ms;
    }
    let residuals = residuals(
        observations,
        &routes,
        &medians,
        &params,
        &base_model,
        &set,
        grid,
    );
    let loss_pct = 100.0
        * residuals
            .iter()
            .filter(|r| r.fitted)
            .map(|r| (r.modelled_ms / r.observed_ms - 1.0).abs())
            .sum::<f64>()
        / set.rows.len() as f64;
    let groups = group_fits(&residuals);
    Ok(CalibrationResult {
        params,
        detour_factor: grid.detour_factor,
        detour_allowance_ms: grid.detour_allowance_ms,
        residuals,
        groups,
        classes,
        loss_pct,
        evaluated,
        candidate_paths: set.cands.iter().map(Vec::len).sum(),
    })
}

/// The search (module doc): candidate routes under the base parameters and the grid's 32
/// corners, then coarse and fine grids, repeated while the optimum finds new routes (at
/// most 8 rounds). The optimum and the number of points scored.
fn fit_theta(
    set: &mut FitSet,
    dataset: &Dataset,
    raw: &RawGraph,
    base: &LatencyParams,
    grid: &CalibrationGrid,
) -> Result<(Theta, usize)> {
    let g5 = [
        grid.route_factor,
        grid.route_factor,
        grid.cable_slack,
        grid.landing_overhead_ms,
        grid.pop_overhead_ms,
    ];
    let axes: [Vec<f64>; 5] = [
        steps(g5[0])?,
        steps(g5[1])?,
        steps(g5[2])?,
        steps(g5[3])?,
        steps(g5[4])?,
    ];
    let ends = steps(grid.endpoint_overhead_ms)?;
    add_routes(set, &mut YearModels::new(dataset, raw, base.clone()))?;
    for corner in 0..32u32 {
        let pick = |i: usize| {
            let a = &axes[i];
            if corner >> i & 1 == 1 {
                a[a.len() - 1]
            } else {
                a[0]
            }
        };
        let th = Theta {
            rf_au: pick(0),
            rf_jp: pick(1),
            slack: pick(2),
            landing: pick(3),
            pop: pick(4),
            endpoint: 0.0,
            endpoint_public: 0.0,
        };
        add_routes(set, &mut YearModels::new(dataset, raw, th.params(base)))?;
    }
    let fibre = base.fibre_ms_per_km;
    let mut evaluated = 0usize;
    for round in 0..8 {
        let (_, t0) = set.search(&axes, &ends, fibre, &mut evaluated);
        let fine_axes = [
            fine(g5[0], t0.rf_au, grid.refine),
            fine(g5[1], t0.rf_jp, grid.refine),
            fine(g5[2], t0.slack, grid.refine),
            fine(g5[3], t0.landing, grid.refine),
            fine(g5[4], t0.pop, grid.refine),
        ];
        let theta = set.search(&fine_axes, &ends, fibre, &mut evaluated).1;
        let added = add_routes(set, &mut YearModels::new(dataset, raw, theta.params(base)))?;
        if added == 0 || round == 7 {
            return Ok((theta, evaluated));
        }
    }
    Err(Error::Internal(
        "calibration search ended without a result".into(),
    ))
}

fn is_fitted(set: &FitSet, o: &Observation) -> bool {
    set.rows.iter().any(|r| std::ptr::eq(*r, o))
}

/// The planning percentile per route class: the 95th percentile (nearest rank) of
/// measured / modelled − 1 over the class's typical rows of the AU–JP, AU–AU and JP–JP
/// pairs (every provider, vintage and date; detours left out), and the mean same-window gap.
fn class_percentiles(
    observations: &[Observation],
    medians: &[f64],
    model: &LatencyModel,
    grid: &CalibrationGrid,
) -> Vec<ClassPercentile> {
    let f = model.params().fibre_ms_per_km;
    let eligible = |o: &Observation| {
        o.is_typical()
            && PairGroup::of(model, o.from, o.to) != PairGroup::Other
            && o.rtt_ms <= grid.detour_limit_ms(2.0 * f * distance_km(o.from, o.to))
    };
    [RouteClass::Backbone, RouteClass::PublicInternet]
        .into_iter()
        .filter_map(|class| {
            let mut dev: Vec<f64> = observations
                .iter()
                .zip(medians)
                .filter(|(o, m)| o.route_class() == class && eligible(o) && m.is_finite())
                .map(|(o, m)| o.rtt_ms / m - 1.0)
                .collect();
            if dev.is_empty() {
                return None;
            }
            dev.sort_by(f64::total_cmp);
            let k = ((0.95 * dev.len() as f64).ceil() as usize).clamp(1, dev.len()) - 1;
            let (jitter_ms, jitter_pairs) = gap_mean(observations, class);
            Some(ClassPercentile {
                route_class: class,
                route_margin: round6(dev[k].max(0.0)),
                jitter_ms: round6(jitter_ms),
                margin_rows: dev.len(),
                jitter_pairs,
            })
        })
        .collect()
}

/// Mean gap above the typical value in the same window: P95 − P50 (backbone), avg − min
/// (public Internet), over rows of the same direction and vintage.
fn gap_mean(observations: &[Observation], class: RouteClass) -> (f64, usize) {
    let mut typical: BTreeMap<(String, String), f64> = BTreeMap::new();
    for o in observations.iter().filter(|o| o.route_class() == class) {
        let s = o.statistic.to_ascii_lowercase();
        if s.starts_with("p50") || s == "avg" {
            typical.insert((o.name.clone(), o.vintage.clone()), o.rtt_ms);
        }
    }
    let gaps: Vec<f64> = observations
        .iter()
        .filter(|o| o.route_class() == class && (o.is_p95() || o.is_min()))
        .filter_map(|o| {
            typical
                .get(&(o.name.clone(), o.vintage.clone()))
                .map(|m| (o.rtt_ms - m).abs())
        })
        .collect();
    if gaps.is_empty() {
        (0.0, 0)
    } else {
        (gaps.iter().sum::<f64>() / gaps.len() as f64, gaps.len())
    }
}

fn residuals(
    observations: &[Observation],
    routes: &[Option<super::RttPath>],
    medians: &[f64],
    params: &LatencyParams,
    model: &LatencyModel,
    set: &FitSet,
    grid: &CalibrationGrid,
) -> Vec<Residual> {
    observations
        .iter()
        .zip(routes)
        .zip(medians)
        .map(|((o, r), &m50)| {
            let m95 = params.p95_of(m50);
            let m = if o.is_p95() { m95 } else { m50 };
            let floor_ms = 2.0 * params.fibre_ms_per_km * distance_km(o.from, o.to);
            Residual {
                name: o.name.clone(),
                source: o.source.clone(),
                group: PairGroup::of(model, o.from, o.to),
                route_class: o.route_class(),
                statistic: o.statistic.clone(),
                vintage: o.vintage.clone(),
                year: o.year(),
                observed_ms: o.rtt_ms,
                modelled_ms: m,
                residual_ms: m - o.rtt_ms,
                residual_pct: 100.0 * (m / o.rtt_ms - 1.0),
                modelled_p95_ms: m95,
                floor_ms,
                detour: !o.is_p95() && o.rtt_ms > grid.detour_limit_ms(floor_ms),
                fitted: is_fitted(set, o),
                cables: r.as_ref().map(|r| r.cables.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// Summaries per group × statistic, pooled (`all`) then per source; detours left out.
fn group_fits(residuals: &[Residual]) -> Vec<GroupFit> {
    let mut sources: Vec<String> = vec!["all".to_string()];
    for r in residuals {
        if !sources.contains(&r.source) {
            sources.push(r.source.clone());
        }
    }
    let stat_of = |r: &Residual| {
        let s = r.statistic.to_ascii_lowercase();
        if s.starts_with("p95") {
            "p95"
        } else if s == "min" {
            "min"
        } else {
            "median"
        }
    };
    let mut out = Vec::new();
    for g in [
        PairGroup::AuJp,
        PairGroup::AuAu,
        PairGroup::JpJp,
        PairGroup::Other,
    ] {
        for src in &sources {
            for stat in ["median", "min", "p95"] {
                let rows: Vec<&Residual> = residuals
                    .iter()
                    .filter(|r| r.group == g && !r.detour && stat_of(r) == stat)
                    .filter(|r| src == "all" || &r.source == src)
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let n = rows.len() as f64;
                let covers = rows
                    .iter()
                    .filter(|r| r.observed_ms <= r.modelled_p95_ms + 1e-9)
                    .count();
                out.push(GroupFit {
                    group: g,
                    source: src.clone(),
                    statistic: stat.to_string(),
                    n: rows.len(),
                    mean_signed_pct: rows.iter().map(|r| r.residual_pct).sum::<f64>() / n,
                    mean_abs_pct: rows.iter().map(|r| r.residual_pct.abs()).sum::<f64>() / n,
                    max_abs_pct: rows
                        .iter()
                        .map(|r| r.residual_pct.abs())
                        .fold(0.0, f64::max),
                    p95_covers_pct: 100.0 * covers as f64 / n,
                });
            }
        }
    }
    out
}

/// A source label from an input label (a file's stem, or the label itself).
fn source_label(label: &str) -> String {
    std::path::Path::new(label)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(label)
        .to_string()
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_calibration_format_and_reports_every_bad_row() {
        let ok = "from_name,from_lon,from_lat,to_name,to_lon,to_lat,rtt_ms,statistic\n\
                  Sydney,151.21,-33.87,Tokyo,139.69,35.69,104,p50_30d\n";
        let v = Observation::from_csv_str("t.csv", ok).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rtt_ms, 104.0);
        assert_eq!(v[0].statistic, "p50_30d");
        assert_eq!(v[0].from, LonLat::new(151.21, -33.87));
        let bad = "from_name,from_lon,from_lat,to_name,to_lon,to_lat,rtt_ms\n\
                   A,200,0,B,0,0,5\nC,0,0,D,0,0,-1\n";
        let e = Observation::from_csv_str("t.csv", bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 problems"), "{e}");
        assert!(
            e.contains("from_lon") && e.contains("rtt_ms") && e.contains("line 3"),
            "{e}"
        );
    }

    #[test]
    fn grid_steps_are_inclusive() {
        let s = steps([1.0, 1.15, 0.005]).unwrap();
        assert_eq!(s.len(), 31);
        assert!((s[30] - 1.15).abs() < 1e-9);
        assert!(steps([1.0, 0.5, 0.1]).is_err());
        assert_eq!(fine([1.1, 1.8, 0.05], 1.1, 5).first().copied(), Some(1.1));
        assert_eq!(fine([1.1, 1.8, 0.05], 1.3, 5).len(), 11);
        assert_eq!(fine([1.1, 1.8, 0.05], 1.3, 0), vec![1.3]);
    }

    fn obs(name: &str, ms: f64, stat: &str, vintage: &str) -> Observation {
        Observation {
            name: name.into(),
            from: LonLat::new(0.0, 0.0),
            to: LonLat::new(1.0, 1.0),
            rtt_ms: ms,
            statistic: stat.into(),
            vintage: vintage.into(),
            source: "t".into(),
        }
    }

    #[test]
    fn year_route_class_and_source() {
        let y = |v: &str| obs("a", 1.0, "p50", v).year();
        assert_eq!(y("2023-06-21..2023-07-21"), Some(2023));
        assert_eq!(y("<=2020-08 (unchanged to 2026)"), Some(2019));
        assert_eq!(y("<=2018-11"), Some(2017));
        assert_eq!(y("2018-11-10"), Some(2018));
        assert_eq!(y("12345"), None);
        assert_eq!(y(""), None);
        assert_eq!(
            obs("a", 1.0, "avg", "").route_class(),
            RouteClass::PublicInternet
        );
        assert_eq!(
            obs("a", 1.0, "p95_30d", "").route_class(),
            RouteClass::Backbone
        );
        assert!(obs("a", 1.0, "min", "").is_min() && !obs("a", 1.0, "min", "").is_typical());
        assert_eq!(
            source_label("../x/rtt_wondernetwork_2018.csv"),
            "rtt_wondernetwork_2018"
        );
    }

    #[test]
    fn gaps_by_hand() {
        // Backbone: (105 − 104 + 14 − 11) / 2 = 2 over two same-window pairs; the P95 of
        // another window has no partner. Public: avg 10, min 9 → 1.
        let v = vec![
            obs("A – B", 104.0, "p50_30d", "w3"),
            obs("A – B", 105.0, "p95_30d", "w3"),
            obs("A – B", 120.0, "p95_30d", "w4"),
            obs("C – D", 11.0, "p50_30d", "w3"),
            obs("C – D", 14.0, "p95_30d", "w3"),
            obs("E – F", 10.0, "avg", "d"),
            obs("E – F", 9.0, "min", "d"),
        ];
        assert_eq!(gap_mean(&v, RouteClass::Backbone), (2.0, 2));
        assert_eq!(gap_mean(&v, RouteClass::PublicInternet), (1.0, 1));
    }

    #[test]
    fn best_endpoint_is_the_grid_optimum() {
        // Three rows, RTT without endpoints 10, 20, 30 against 14, 23, 40: the loss
        // Σ w |m + 2e − o| with w = 1/o; brute force over the grid agrees.
        let o = [
            obs("a", 14.0, "p50", ""),
            obs("b", 23.0, "p50", ""),
            obs("c", 40.0, "p50", ""),
        ];
        let set = FitSet {
            rows: o.iter().collect(),
            weight: o.iter().map(|x| 1.0 / (3.0 * x.rtt_ms)).collect(),
            cands: vec![Vec::new(); 3],
            public: vec![false; 3],
        };
        let m = [10.0, 20.0, 30.0];
        let ends = steps([0.0, 5.0, 0.05]).unwrap();
        let (loss, e) = set.best_endpoint(&m, &ends);
        let brute = ends
            .iter()
            .map(|&e| {
                let l: f64 = m
                    .iter()
                    .zip(&o)
                    .map(|(m, x)| (m + 2.0 * e - x.rtt_ms).abs() / (3.0 * x.rtt_ms))
                    .sum();
                (l, e)
            })
            .fold(
                (f64::INFINITY, 0.0),
                |a, b| if b.0 < a.0 - 1e-15 { b } else { a },
            );
        assert!((loss - brute.0).abs() < 1e-12, "{loss} {e} vs {brute:?}");
        assert!((e - brute.1).abs() < 1e-9, "{e} vs {brute:?}");
    }
}

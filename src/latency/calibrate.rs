//! Calibration of the latency model's free parameters (terrestrial route factor, equipment
//! overhead, cable slack) against measured round-trip times.
//!
//! A deterministic grid search within physically plausible bounds minimises the sum of squared
//! residuals (ms) over all observations; the fibre speed is a physical constant and is not
//! fitted. The overhead is additive, so for each (route factor, slack) the cable graph is
//! built once and every overhead on the grid is scored from the same propagation times.
//! Ties keep the first grid point (route factor, then slack, then overhead, ascending).

use super::{graph, LatencyModel};
use crate::data::{Dataset, LonLat};
use crate::error::{Error, Issues, Location, Result};
use crate::scenario::LatencyParams;
use serde::{Deserialize, Serialize};
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
}

impl Observation {
    /// Reads observations from a CSV with columns `from_name, from_lon, from_lat, to_name,
    /// to_lon, to_lat, rtt_ms` (extra columns ignored), e.g. `latency/rtt_calibration.csv`.
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
                    "use the columns of latency/rtt_calibration.csv (see its PROVENANCE.md)",
                ),
            }
        }
        issues.into_result(())?;
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
            if let (Some(a), Some(b), Some(c), Some(d), Some(ms)) = v {
                out.push(Observation {
                    name: format!("{} – {}", get(0), get(3)),
                    from: LonLat::new(a, b),
                    to: LonLat::new(c, d),
                    rtt_ms: ms,
                });
            }
        }
        issues.into_result(out)
    }
}

/// The search grid: `[min, max, step]` for each fitted parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationGrid {
    /// Terrestrial route factor. Default 1.10..=1.80 step 0.01 (fibre follows roads and rail:
    /// 1.1 is a nearly straight trunk, 1.8 a very indirect one).
    pub route_factor: [f64; 3],
    /// Cable slack. Default 1.00..=1.15 step 0.005 (laying slack is a few per cent; the
    /// published lengths and drawn routes already include most of the route's detours).
    pub cable_slack: [f64; 3],
    /// Equipment overhead per round trip, ms. Default 0..=5 step 0.05.
    pub equipment_overhead_ms: [f64; 3],
}

impl Default for CalibrationGrid {
    fn default() -> Self {
        CalibrationGrid {
            route_factor: [1.10, 1.80, 0.01],
            cable_slack: [1.00, 1.15, 0.005],
            equipment_overhead_ms: [0.0, 5.0, 0.05],
        }
    }
}

/// One observation against the calibrated model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Residual {
    /// The observation's label.
    pub name: String,
    /// Measured RTT, ms.
    pub observed_ms: f64,
    /// Modelled RTT, ms.
    pub modelled_ms: f64,
    /// Modelled − observed, ms.
    pub residual_ms: f64,
    /// Cable ids of the modelled path (empty: terrestrial).
    pub cables: Vec<String>,
}

/// The calibrated parameters and how well they fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationResult {
    /// The base parameters with the fitted route factor, slack and overhead.
    pub params: LatencyParams,
    /// Per observation, in input order.
    pub residuals: Vec<Residual>,
    /// Root-mean-square residual, ms.
    pub rms_ms: f64,
    /// Number of grid points scored.
    pub evaluated: usize,
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
            "use a coarser step, e.g. 1.1,1.8,0.01",
        ));
    }
    let n = n as usize;
    Ok((0..=n).map(|k| lo + k as f64 * step).collect())
}

/// Fits route factor, cable slack and equipment overhead to `observations` on `grid`
/// (everything else from `base`). Fails if there is no observation, the grid is empty or
/// invalid, or an observation has no route in the graph.
pub fn calibrate(
    dataset: &Dataset,
    base: &LatencyParams,
    observations: &[Observation],
    grid: &CalibrationGrid,
) -> Result<CalibrationResult> {
    if observations.is_empty() {
        return Err(Error::usage(
            "calibration needs at least one observation",
            "pass the rows of latency/rtt_calibration.csv",
        ));
    }
    let raw = graph::derive(dataset)?;
    for (name, g, lo, hi) in [
        (
            "route factor",
            grid.route_factor,
            1.0,
            crate::limits::MAX_ROUTE_FACTOR,
        ),
        (
            "cable slack",
            grid.cable_slack,
            1.0,
            crate::limits::MAX_ROUTE_FACTOR,
        ),
        (
            "equipment overhead",
            grid.equipment_overhead_ms,
            0.0,
            crate::limits::MAX_OVERHEAD_MS,
        ),
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
    let rfs = steps(grid.route_factor)?;
    let slacks = steps(grid.cable_slack)?;
    let ohs = steps(grid.equipment_overhead_ms)?;
    let models = rfs.len().saturating_mul(slacks.len());
    let points = models.saturating_mul(ohs.len());
    if models > crate::limits::MAX_GRID_MODELS || points > crate::limits::MAX_GRID_POINTS {
        return Err(Error::usage(
            format!(
                "calibration grid of {} × {} × {} points: at most {} (route factor × slack) pairs and {} points in all",
                rfs.len(),
                slacks.len(),
                ohs.len(),
                crate::limits::MAX_GRID_MODELS,
                crate::limits::MAX_GRID_POINTS
            ),
            "each (route factor, slack) pair rebuilds the latency model: use coarser steps",
        ));
    }
    let mut best: Option<(f64, f64, f64, f64)> = None; // (sse, rf, slack, oh)
    let mut evaluated = 0usize;
    for &rf in &rfs {
        for &slack in &slacks {
            let mut p = base.clone();
            p.route_factor = rf;
            p.cable_slack = slack;
            p.equipment_overhead_ms = 0.0;
            let model = LatencyModel::from_graph(dataset, &raw, &p)?;
            let mut prop = Vec::with_capacity(observations.len());
            for o in observations {
                match model.rtt(o.from, o.to) {
                    Some(r) => prop.push(r.rtt_ms),
                    None => {
                        return Err(Error::usage(
                            format!("calibration: no route for observation `{}`", o.name),
                            "check that the dataset has landings and cables between both ends",
                        ))
                    }
                }
            }
            for &oh in &ohs {
                evaluated += 1;
                let sse: f64 = prop
                    .iter()
                    .zip(observations)
                    .map(|(m, o)| (m + oh - o.rtt_ms).powi(2))
                    .sum();
                if best.is_none_or(|(b, ..)| sse < b - 1e-12) {
                    best = Some((sse, rf, slack, oh));
                }
            }
        }
    }
    let Some((sse, rf, slack, oh)) = best else {
        return Err(Error::usage(
            "calibration grid is empty",
            "give [min, max, step] with min ≤ max",
        ));
    };
    let mut params = base.clone();
    params.route_factor = round6(rf);
    params.cable_slack = round6(slack);
    params.equipment_overhead_ms = round6(oh);
    let model = LatencyModel::from_graph(dataset, &raw, &params)?;
    let residuals = observations
        .iter()
        .map(|o| {
            let r = model.rtt(o.from, o.to);
            let m = r.as_ref().map_or(f64::INFINITY, |r| r.rtt_ms);
            Residual {
                name: o.name.clone(),
                observed_ms: o.rtt_ms,
                modelled_ms: m,
                residual_ms: m - o.rtt_ms,
                cables: r.map(|r| r.cables).unwrap_or_default(),
            }
        })
        .collect();
    Ok(CalibrationResult {
        params,
        residuals,
        rms_ms: (sse / observations.len() as f64).sqrt(),
        evaluated,
    })
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
                  Sydney,151.21,-33.87,Tokyo,139.69,35.69,104,p50\n";
        let v = Observation::from_csv_str("t.csv", ok).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rtt_ms, 104.0);
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
    }
}

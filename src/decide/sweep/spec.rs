//! The sweep file: a scenario file in which numeric parameters may be distributions or lists
//! of values, plus a `[sweep]` table. Parsed into a base scenario and a list of
//! (parameter path, distribution); the normal scenario parser stays strict.
//!
//! ```toml
//! [sweep]
//! samples = 1000            # number of samples (LHS / random); a grid has one per combination
//! seed = 42
//! design = "latin-hypercube" # or "random", or "grid" (full factorial)
//! grid_levels = 5            # grid only: quantiles taken from a continuous distribution
//! alternatives = 3           # plans whose regret is evaluated: the base optimum + 2 more
//! within_pct = 5             # … each within this % of the base optimum
//! regret = "expected"        # recommend by expected (mean) or "worst" regret
//!
//! [cost]
//! capex_aud_per_mw = { dist = "triangular", min = 11e6, mode = 14e6, max = 18e6 }
//! renewable_share = { dist = "uniform", min = 0.5, max = 0.9 }
//! pue_per_deg_c = { dist = "lognormal", median = 0.01, sigma = 0.3 }
//! [latency]
//! cable_slack = { dist = "normal", mean = 1.085, sd = 0.02 }
//! [model]
//! max_rtt_ms = [110, 125, 140]   # a list: each value equally likely (a grid level each)
//! ```
//!
//! Distributions (`{ dist = …, … }`, every key checked):
//! `uniform` (`min` < `max`), `triangular` (`min` ≤ `mode` ≤ `max`, `min` < `max`),
//! `normal` (`mean`, `sd` ≥ 0), `lognormal` (`median` > 0, `sigma` ≥ 0: ln X ~ N(ln median,
//! sigma²)), `values` (`values = [..]`, each equally likely); a bare list of numbers is short
//! for `values`. Any table may add `base = x`: the value of the **base scenario** (whose plan
//! the regret table starts from); without it the base is the distribution's median (the
//! list's lower median). A sampled value outside the field's valid range (e.g. a normal
//! draw below 1 for a slack) makes that sample's row `invalid`, with the reason.
//!
//! Paths are `table.field` of any numeric scalar of the scenario (`sitefind --print-scenario`
//! lists them); integer fields (e.g. `model.max_sites`) take the rounded value.

use crate::error::{Error, Location, Result};
use crate::limits;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A distribution of one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    /// Uniform on [min, max].
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Triangular on [min, max] with its mode.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (≥ 0).
        sd: f64,
    },
    /// Log-normal: ln X ~ N(ln median, sigma²).
    Lognormal {
        /// Median (> 0).
        median: f64,
        /// Standard deviation of ln X (≥ 0).
        sigma: f64,
    },
    /// A finite list, each value equally likely.
    Values {
        /// The values.
        values: Vec<f64>,
    },
}

impl Dist {
    /// The value at cumulative probability `u` ∈ (0, 1) (the inverse CDF).
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            Dist::Uniform { min, max } => min + u * (max - min),
            Dist::Triangular { min, mode, max } => {
                let f = (mode - min) / (max - min);
                if u < f {
                    min + ((max - min) * (mode - min) * u).sqrt()
                } else {
                    max - ((max - min) * (max - mode) * (1.0 - u)).sqrt()
                }
            }
            Dist::Normal { mean, sd } => mean + sd * inverse_normal_cdf(u),
            Dist::Lognormal { median, sigma } => median * (sigma * inverse_normal_cdf(u)).exp(),
            Dist::Values { ref values } => {
                let k = ((u * values.len() as f64).floor() as usize).min(values.len() - 1);
                values[k]
            }
        }
    }

    /// The median (a list's lower median).
    pub fn median(&self) -> f64 {
        match self {
            Dist::Values { values } => values[(values.len() - 1) / 2],
            d => d.quantile(0.5),
        }
    }

    /// The number of grid levels [`Dist::levels`] returns for `l`, without building them.
    pub fn level_count(&self, l: usize) -> usize {
        match self {
            Dist::Values { values } => values.len(),
            _ => l,
        }
    }

    /// Grid levels: a list's values, else the quantiles at (l + ½)/L, l = 0…L−1.
    pub fn levels(&self, l: usize) -> Vec<f64> {
        match self {
            Dist::Values { values } => values.clone(),
            d => (0..l)
                .map(|k| d.quantile((k as f64 + 0.5) / l as f64))
                .collect(),
        }
    }
}

/// The inverse of the standard normal CDF, Φ⁻¹(u), by P. J. Acklam's rational approximation
/// (relative error < 1.2e-9 on (0, 1)).
pub fn inverse_normal_cdf(u: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383_577_518_672_69e2,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    let u = u.clamp(1e-300, 1.0 - 1e-16);
    let lo = 0.02425;
    if u < lo {
        let q = (-2.0 * u.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if u <= 1.0 - lo {
        let q = u - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - u).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// How samples are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Latin hypercube: each parameter's range cut into `samples` equal-probability strata,
    /// one sample in each, strata paired at random across parameters.
    LatinHypercube,
    /// Independent draws (plain Monte Carlo).
    Random,
    /// Full factorial grid of every parameter's levels.
    Grid,
}

/// Which regret to minimise when recommending a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegretCriterion {
    /// Mean regret over the samples.
    Expected,
    /// Largest regret over the samples.
    Worst,
}

/// The `[sweep]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSettings {
    /// Number of samples (LHS and random designs; a grid has one per combination and may
    /// omit it).
    #[serde(default)]
    pub samples: Option<usize>,
    /// Seed of the design. Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Design. Default Latin hypercube.
    #[serde(default = "default_design")]
    pub design: Design,
    /// Grid levels of a continuous distribution. Default 5.
    #[serde(default = "default_levels")]
    pub grid_levels: usize,
    /// Plans whose regret is evaluated: the base optimum and the next best alternatives of the
    /// base scenario. Default 3.
    #[serde(default = "default_alternatives")]
    pub alternatives: usize,
    /// Alternatives within this percentage of the base optimum. Default 5.
    #[serde(default = "default_within")]
    pub within_pct: f64,
    /// Recommend by expected or worst regret. Default expected.
    #[serde(default = "default_regret")]
    pub regret: RegretCriterion,
}

fn default_design() -> Design {
    Design::LatinHypercube
}
fn default_levels() -> usize {
    5
}
fn default_alternatives() -> usize {
    3
}
fn default_within() -> f64 {
    5.0
}
fn default_regret() -> RegretCriterion {
    RegretCriterion::Expected
}

/// One uncertain parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Path in the scenario, e.g. `cost.capex_aud_per_mw`.
    pub path: String,
    /// Its distribution.
    pub dist: Dist,
    /// Its value in the base scenario.
    pub base: f64,
    /// The field is an integer (values are rounded).
    pub integer: bool,
}

/// A parsed sweep file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// Where it was read from.
    pub source: String,
    /// The `[sweep]` table.
    pub settings: SweepSettings,
    /// The uncertain parameters, sorted by path.
    pub params: Vec<Param>,
    /// The base scenario (every parameter at its base value).
    pub base: Scenario,
    /// The base scenario as a TOML table (samples are applied to it).
    #[serde(skip)]
    pub base_table: toml::Table,
}

fn err(label: &str, record: &str, message: String, hint: &str) -> Error {
    Error::Parse {
        at: Location::file(label).record(record.to_string()),
        message,
        hint: hint.into(),
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

const DIST_HINT: &str = "a distribution is { dist = \"uniform\", min, max } | { dist = \"triangular\", min, mode, max } | { dist = \"normal\", mean, sd } | { dist = \"lognormal\", median, sigma } | { dist = \"values\", values = [..] }, or a list of numbers; optional base = x";

/// The `dist` name of distribution table `t` at `path`, its keys checked against the name's.
fn dist_name(label: &str, path: &str, t: &toml::Table) -> Result<String> {
    let name = match t.get("dist") {
        Some(toml::Value::String(s)) => s.clone(),
        other => {
            return Err(err(
                label,
                path,
                format!("`dist` must be a string, found {other:?}"),
                DIST_HINT,
            ))
        }
    };
    let allowed: &[&str] = match name.as_str() {
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        "normal" => &["mean", "sd"],
        "lognormal" => &["median", "sigma"],
        "values" => &["values"],
        other => {
            return Err(err(
                label,
                path,
                format!("unknown distribution `{other}`; expected uniform, triangular, normal, lognormal or values"),
                DIST_HINT,
            ))
        }
    };
    for k in t.keys() {
        if k != "dist" && k != "base" && !allowed.contains(&k.as_str()) {
            return Err(err(
                label,
                path,
                format!(
                    "unknown key `{k}` in a {name} distribution; expected {}",
                    allowed.join(", ")
                ),
                DIST_HINT,
            ));
        }
    }
    Ok(name)
}

/// One distribution table being read, with where it is (for errors) and its `dist` name.
struct DistTable<'a> {
    label: &'a str,
    path: &'a str,
    t: &'a toml::Table,
    name: &'a str,
}

impl DistTable<'_> {
    /// An error at this table with the distribution hint.
    fn err(&self, message: String) -> Error {
        err(self.label, self.path, message, DIST_HINT)
    }

    /// An error about the distribution's spread.
    fn spread(&self, what: String) -> Error {
        err(
            self.label,
            self.path,
            what,
            "the spread of a distribution must be ≥ 0 (and min < max)",
        )
    }

    /// The finite number at key `k`.
    fn get(&self, k: &str) -> Result<f64> {
        let name = self.name;
        let v = (self.t.get(k))
            .ok_or_else(|| self.err(format!("a {name} distribution needs `{k}`")))?;
        number(v)
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.err(format!("`{k}` must be a finite number, found {v}")))
    }

    /// The distribution, its parameters checked.
    fn dist(&self) -> Result<Dist> {
        Ok(match self.name {
            "uniform" => {
                let (min, max) = (self.get("min")?, self.get("max")?);
                if min >= max {
                    return Err(self.spread(format!(
                        "uniform needs min < max, found min {min}, max {max}"
                    )));
                }
                Dist::Uniform { min, max }
            }
            "triangular" => {
                let (min, mode, max) = (self.get("min")?, self.get("mode")?, self.get("max")?);
                if min >= max || mode < min || mode > max {
                    return Err(self.spread(format!(
                        "triangular needs min ≤ mode ≤ max and min < max, found {min}, {mode}, {max}"
                    )));
                }
                Dist::Triangular { min, mode, max }
            }
            "normal" => {
                let (mean, sd) = (self.get("mean")?, self.get("sd")?);
                if sd < 0.0 {
                    return Err(self.spread(format!("normal needs sd ≥ 0, found sd = {sd}")));
                }
                Dist::Normal { mean, sd }
            }
            "lognormal" => {
                let (median, sigma) = (self.get("median")?, self.get("sigma")?);
                if sigma < 0.0 || median <= 0.0 {
                    return Err(self.spread(format!(
                        "lognormal needs median > 0 and sigma ≥ 0, found median {median}, sigma {sigma}"
                    )));
                }
                Dist::Lognormal { median, sigma }
            }
            _ => match self.t.get("values") {
                Some(toml::Value::Array(a)) => Dist::Values {
                    values: list(self.label, self.path, a)?,
                },
                _ => return Err(self.err("a values distribution needs `values = [..]`".into())),
            },
        })
    }

    /// The optional finite `base` value.
    fn base(&self) -> Result<Option<f64>> {
        match self.t.get("base") {
            Some(v) => Ok(Some(number(v).filter(|x| x.is_finite()).ok_or_else(
                || self.err(format!("`base` must be a finite number, found {v}")),
            )?)),
            None => Ok(None),
        }
    }
}

/// Reads one distribution table at `path`.
fn parse_dist(label: &str, path: &str, t: &toml::Table) -> Result<(Dist, Option<f64>)> {
    let name = dist_name(label, path, t)?;
    let table = DistTable {
        label,
        path,
        t,
        name: &name,
    };
    let dist = table.dist()?;
    Ok((dist, table.base()?))
}

fn list(label: &str, path: &str, a: &[toml::Value]) -> Result<Vec<f64>> {
    if a.is_empty() || a.len() > limits::MAX_SWEEP_LIST {
        return Err(err(
            label,
            path,
            format!(
                "a list of values must hold 1 to {} values, found {}",
                limits::MAX_SWEEP_LIST,
                a.len()
            ),
            DIST_HINT,
        ));
    }
    a.iter()
        .map(|v| {
            number(v).filter(|x| x.is_finite()).ok_or_else(|| {
                err(
                    label,
                    path,
                    format!("a list of values must hold numbers only, found {v}"),
                    DIST_HINT,
                )
            })
        })
        .collect()
}

/// Walks the tables, replacing every distribution by its base value and collecting it.
fn collect(
    label: &str,
    prefix: &str,
    table: &mut toml::Table,
    out: &mut Vec<(String, Dist, Option<f64>)>,
) -> Result<()> {
    for (key, value) in table.iter_mut() {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let found = match value {
            toml::Value::Table(t) if t.contains_key("dist") => Some(parse_dist(label, &path, t)?),
            toml::Value::Table(t) => {
                collect(label, &path, t, out)?;
                None
            }
            toml::Value::Array(a) if !a.is_empty() && a.iter().all(|v| number(v).is_some()) => {
                Some((
                    Dist::Values {
                        values: list(label, &path, a)?,
                    },
                    None,
                ))
            }
            _ => None,
        };
        if let Some((dist, base)) = found {
            let b = base.unwrap_or_else(|| dist.median());
            *value = toml::Value::Float(b);
            out.push((path, dist, base));
        }
    }
    Ok(())
}

/// Sets `path` (dotted) in a TOML table to `value`.
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut parts = path.split('.').peekable();
    let mut t = table;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            t.insert(part.to_string(), value);
            return;
        }
        let entry = t
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        match entry {
            toml::Value::Table(inner) => t = inner,
            _ => return,
        }
    }
}

/// The scenario of a table (strict: unknown fields are errors).
pub fn scenario_of(table: &toml::Table) -> std::result::Result<Scenario, String> {
    Scenario::deserialize(toml::Value::Table(table.clone())).map_err(|e| e.to_string())
}

/// The TOML value of a sample for a parameter.
pub fn value_of(param: &Param, x: f64) -> toml::Value {
    if param.integer {
        toml::Value::Integer(x.round() as i64)
    } else {
        toml::Value::Float(x)
    }
}

impl SweepSpec {
    /// Reads and checks a sweep file (TOML). Every problem is an error naming the file, the
    /// parameter path and what was expected.
    pub fn from_file(path: &Path) -> Result<SweepSpec> {
        let text = crate::input::read_text(path)?;
        SweepSpec::from_str(&text, &path.display().to_string())
    }

    /// Parses a sweep file's text; `label` names it in errors.
    pub fn from_str(text: &str, label: &str) -> Result<SweepSpec> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| {
            let record = e
                .span()
                .map(|s| {
                    format!(
                        "line {}",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            Error::Parse {
                at: Location::file(label).record(record),
                message: e.message().to_string(),
                hint: "a sweep file is a scenario file (TOML) plus a [sweep] table".into(),
            }
        })?;
        let settings_value = table.remove("sweep").ok_or_else(|| {
            err(
                label,
                "[sweep]",
                "no [sweep] table".into(),
                "add [sweep] with samples = N (and seed, design)",
            )
        })?;
        let settings = SweepSettings::deserialize(settings_value).map_err(|e| {
            err(
                label,
                "[sweep]",
                e.to_string(),
                "keys: samples, seed, design (latin-hypercube | random | grid), grid_levels, alternatives, within_pct, regret (expected | worst)",
            )
        })?;
        let mut found = Vec::new();
        collect(label, "", &mut table, &mut found)?;
        found.sort_by(|a, b| a.0.cmp(&b.0));
        if found.is_empty() {
            return Err(err(
                label,
                "",
                "no uncertain parameter: nothing to sweep".into(),
                "give at least one numeric parameter as a distribution or a list, e.g. [cost] capex_aud_per_mw = { dist = \"uniform\", min = 12e6, max = 16e6 }",
            ));
        }
        // Each path must be a numeric scalar of the scenario (float, else integer).
        let mut params = Vec::new();
        // Each parameter is probed alone (the others removed, i.e. at their defaults).
        let mut clean = table.clone();
        for (path, _, _) in &found {
            remove_path(&mut clean, path);
        }
        for (path, dist, _) in found {
            let base = number(&get_path(&table, &path)).unwrap_or(f64::NAN);
            let mut probe = clean.clone();
            set_path(&mut probe, &path, toml::Value::Float(base));
            let integer = match scenario_of(&probe) {
                Ok(_) => false,
                Err(float_err) => {
                    set_path(&mut probe, &path, toml::Value::Integer(base.round() as i64));
                    match scenario_of(&probe) {
                        Ok(_) => true,
                        Err(_) => {
                            return Err(err(
                                label,
                                &path,
                                format!("`{path}` cannot be swept: {float_err}"),
                                "only numeric scalar fields of the scenario can be uncertain (`sitefind --print-scenario` lists them)",
                            ))
                        }
                    }
                }
            };
            let base_value = if integer { base.round() } else { base };
            set_path(
                &mut table,
                &path,
                if integer {
                    toml::Value::Integer(base_value as i64)
                } else {
                    toml::Value::Float(base_value)
                },
            );
            params.push(Param {
                path,
                dist,
                base: base_value,
                integer,
            });
        }
        let base = scenario_of(&table).map_err(|e| {
            err(
                label,
                "base scenario",
                e,
                "fix the scenario tables of the sweep file",
            )
        })?;
        base.validate(&format!("{label} (base scenario)"))?;
        settings.validate(label, &params)?;
        Ok(SweepSpec {
            source: label.to_string(),
            settings,
            params,
            base,
            base_table: table,
        })
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.settings.n_samples(&self.params)
    }
}

/// The number of grid points (saturating), computed without building the levels.
fn grid_size(params: &[Param], levels: usize) -> usize {
    params
        .iter()
        .map(|p| p.dist.level_count(levels))
        .fold(1usize, |a, b| a.saturating_mul(b))
}

impl SweepSettings {
    /// The number of samples for `params` (a grid's point count, saturating); meaningful
    /// once [`SweepSettings::validate`] passed.
    pub fn n_samples(&self, params: &[Param]) -> usize {
        match self.design {
            Design::Grid => grid_size(params, self.grid_levels),
            _ => self.samples.unwrap_or(0),
        }
    }

    /// Checks every number of the `[sweep]` table against its range in [`crate::limits`],
    /// and the sizes the design will allocate (samples × parameters, samples ×
    /// alternatives) before anything is allocated. `label` names the file in errors.
    pub fn validate(&self, label: &str, params: &[Param]) -> Result<()> {
        let s = self;
        let range = |field: &str, what: String, hint: &str| {
            err(label, &format!("[sweep] {field}"), what, hint)
        };
        if params.len() > limits::MAX_SWEEP_PARAMS {
            return Err(range(
                "parameters",
                format!(
                    "at most {} uncertain parameters, found {}",
                    limits::MAX_SWEEP_PARAMS,
                    params.len()
                ),
                "sweep fewer parameters at a time",
            ));
        }
        if s.design == Design::Grid && !(1..=limits::MAX_GRID_LEVELS).contains(&s.grid_levels) {
            return Err(range(
                "grid_levels",
                format!(
                    "grid_levels must be in [1, {}], found {}",
                    limits::MAX_GRID_LEVELS,
                    s.grid_levels
                ),
                "e.g. grid_levels = 5",
            ));
        }
        let n = s.sample_count(label, params)?;
        let values = n.saturating_mul(params.len());
        if values > limits::MAX_SWEEP_VALUES {
            return Err(range(
                "samples",
                format!(
                    "{n} samples × {} parameters = {values} values, more than the {} a sweep may hold",
                    params.len(),
                    limits::MAX_SWEEP_VALUES
                ),
                "use fewer samples (or grid levels) or fewer parameters",
            ));
        }
        if !(s.within_pct.is_finite() && (0.0..=limits::MAX_WITHIN_PCT).contains(&s.within_pct)) {
            return Err(range(
                "within_pct",
                format!(
                    "within_pct must be in [0, {}] %, found {}",
                    limits::MAX_WITHIN_PCT,
                    s.within_pct
                ),
                "e.g. within_pct = 5",
            ));
        }
        if !(1..=limits::MAX_ALTERNATIVES).contains(&s.alternatives) {
            return Err(range(
                "alternatives",
                format!(
                    "alternatives must be in [1, {}] (the base plan itself counts as one), found {}",
                    limits::MAX_ALTERNATIVES,
                    s.alternatives
                ),
                "each plan is one more fixed-plan solve per sample: e.g. alternatives = 3",
            ));
        }
        let evals = n.saturating_mul(s.alternatives);
        if evals > limits::MAX_SWEEP_EVALUATIONS {
            return Err(range(
                "alternatives",
                format!(
                    "{n} samples × {} plans = {evals} fixed-plan solves, more than {}",
                    s.alternatives,
                    limits::MAX_SWEEP_EVALUATIONS
                ),
                "use fewer samples or fewer alternatives",
            ));
        }
        Ok(())
    }

    /// The number of samples the settings give for `params`: checked against
    /// [1, [`limits::MAX_SWEEP_SAMPLES`]] (a grid: its point count, which `samples` must equal
    /// if given).
    fn sample_count(&self, label: &str, params: &[Param]) -> Result<usize> {
        let max = limits::MAX_SWEEP_SAMPLES;
        let bad = |what: String, hint: &str| err(label, "[sweep] samples", what, hint);
        let n = match self.design {
            Design::Grid => {
                let n = grid_size(params, self.grid_levels);
                if n > max {
                    return Err(bad(
                        format!("a grid of these parameters has {n} points, more than {max}"),
                        "use fewer grid_levels, shorter lists or fewer parameters",
                    ));
                }
                if let Some(k) = self.samples {
                    if k != n {
                        return Err(bad(
                            format!("a grid of these parameters has {n} points, but samples = {k}"),
                            "omit samples for a grid design, or set it to the number of grid points",
                        ));
                    }
                }
                n
            }
            _ => match self.samples {
                Some(k) if (1..=max).contains(&k) => k,
                other => {
                    return Err(bad(
                        format!(
                            "samples must be ≥ 1 and at most {max}, found {}",
                            other.map_or("nothing".to_string(), |k| k.to_string())
                        ),
                        "e.g. samples = 1000",
                    ))
                }
            },
        };
        Ok(n)
    }
}

fn remove_path(table: &mut toml::Table, path: &str) {
    match path.split_once('.') {
        None => {
            table.remove(path);
        }
        Some((head, rest)) => {
            if let Some(toml::Value::Table(t)) = table.get_mut(head) {
                remove_path(t, rest);
            }
        }
    }
}

fn get_path(table: &toml::Table, path: &str) -> toml::Value {
    let mut v: Option<&toml::Value> = None;
    let mut t = Some(table);
    for part in path.split('.') {
        v = t.and_then(|t| t.get(part));
        t = v.and_then(|v| v.as_table());
    }
    v.cloned().unwrap_or(toml::Value::Float(f64::NAN))
}

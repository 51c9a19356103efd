//! AEMO ISP solar and wind traces (`aemo-trace-csv`): half-hourly capacity factors, one file per
//! zone × technology × weather reference year, read unchanged.
//!
//! AEMO's published layout (2024 ISP "solar and wind traces"; see
//! `../shared/data/traces/PROVENANCE.md`): a header `Year,Month,Day,1,…,48`, then one row per
//! calendar day in NEM market time (AEST, UTC+10, no daylight saving) with the 48 half-hour
//! capacity factors of that day (period k ends k × 30 min after midnight). The file name carries
//! the zone, technology and reference year: `REZ_<zone id>_<zone name>_<tech>_RefYear<year>.csv`,
//! e.g. `REZ_N1_North_West_NSW_SAT_RefYear2011.csv` (`SAT` single-axis-tracking solar, `WH` /
//! `WM` high / medium quality wind, `CST`, `WFX` offshore fixed, …).
//!
//! A manifest's `[traces]` (or `[[traces]]`) entry names one such file or a folder of them
//! (every `REZ_*_RefYear*.csv` inside, in name order). Option `scale` (default 1) divides every
//! value: the embedded dataset stores per-mille integers with `scale = 1000`.
//!
//! **Project traces** (AEMO's traces of one existing or committed generator, e.g.
//! `Canunda_Wind_Farm_RefYear2011.csv`) are named after the project, not the zone, so an entry
//! holding them must say what they are: options `zone` (the REZ id the project lies in),
//! `technology` (the AEMO code its trace stands for, e.g. `WM`), `project` (its name, for
//! reports) and, optionally, `lon` and `lat` (the generator's site, used as the trace's
//! location when untraced zones borrow it). Only the reference year is read from the file name
//! (`…_RefYear<year>.csv`); every file of such an entry (or its folder) is that project's.
//!
//! Validation is strict, and every problem names the file, the line and the column: the header
//! must be exactly `Year,Month,Day,1,…,48`; every row has 51 fields; dates are real and
//! consecutive (no day missing or repeated) and cover the whole year from the first day (to the
//! day before the same date a year later: a trace that ends early is an error naming the last
//! date found); every value is a number in [0, 1].

use super::layer::LayerSpec;
use crate::error::{Error, Issues, Location, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Half-hour periods per day in an AEMO trace.
pub const PERIODS_PER_DAY: usize = 48;

/// At most this many problems are listed per trace file (the rest are counted).
const MAX_ISSUES_PER_FILE: usize = 20;

/// One AEMO trace: a zone's half-hourly capacity factors for one technology and weather year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// REZ id from the file name, e.g. `N1`.
    pub zone_id: String,
    /// Zone name from the file name (underscores as spaces), e.g. `North West NSW`.
    pub zone_name: String,
    /// Technology code from the file name, e.g. `SAT`, `WH`, `WM`.
    pub technology: String,
    /// Weather reference year from the file name, e.g. 2011.
    pub reference_year: u32,
    /// The first day of the trace (year, month, day), AEST.
    pub first_day: (i32, u32, u32),
    /// Capacity factors, fraction of installed capacity in [0, 1], day by day, 48 per day.
    pub values: Vec<f64>,
    /// The file it was read from (label).
    pub source: String,
    /// For a project trace: the project's name (from the manifest). `None` for a REZ trace.
    #[serde(default)]
    pub project: Option<String>,
    /// For a project trace with `lon`/`lat` in the manifest: the generator's site.
    #[serde(default)]
    pub site: Option<super::LonLat>,
}

/// What a manifest entry of project traces says about them (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectMeta {
    /// REZ id the project lies in.
    pub zone_id: String,
    /// AEMO technology code the trace stands for.
    pub technology: String,
    /// Project name.
    pub project: String,
    /// The generator's site, if given.
    pub site: Option<super::LonLat>,
}

/// The reference year of a project trace file `<anything>_RefYear<year>.csv`.
///
/// ```
/// use sitefind::data::traces::project_year;
/// assert_eq!(project_year("Canunda_Wind_Farm_RefYear2018.csv"), Some(2018));
/// assert_eq!(project_year("Canunda_Wind_Farm.csv"), None);
/// ```
pub fn project_year(name: &str) -> Option<u32> {
    let stem = name
        .strip_suffix(".csv")
        .or_else(|| name.strip_suffix(".CSV"))?;
    let (_, year) = stem.rsplit_once("_RefYear")?;
    year.parse().ok()
}

impl Trace {
    /// Number of whole days in the trace.
    pub fn days(&self) -> usize {
        self.values.len() / PERIODS_PER_DAY
    }

    /// Mean capacity factor over the trace.
    pub fn mean(&self) -> f64 {
        if self.values.is_empty() {
            0.0
        } else {
            self.values.iter().sum::<f64>() / self.values.len() as f64
        }
    }
}

/// Zone id, zone name, technology and reference year from an AEMO trace file name
/// `REZ_<zone>_<name>_<tech>_RefYear<year>.csv`, or `None` if the name does not have that form.
///
/// ```
/// use sitefind::data::traces::parse_file_name;
/// let (zone, name, tech, year) =
///     parse_file_name("REZ_N1_North_West_NSW_SAT_RefYear2011.csv").unwrap();
/// assert_eq!((zone.as_str(), name.as_str(), tech.as_str(), year), ("N1", "North West NSW", "SAT", 2011));
/// ```
pub fn parse_file_name(name: &str) -> Option<(String, String, String, u32)> {
    let stem = name.strip_prefix("REZ_")?;
    let stem = stem
        .strip_suffix(".csv")
        .or_else(|| stem.strip_suffix(".CSV"))?;
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 3 {
        return None;
    }
    let year: u32 = parts[parts.len() - 1]
        .strip_prefix("RefYear")?
        .parse()
        .ok()?;
    let tech = parts[parts.len() - 2];
    let zone = parts[0];
    if zone.is_empty() || tech.is_empty() {
        return None;
    }
    let name = parts[1..parts.len() - 2].join(" ");
    Some((zone.to_string(), name, tech.to_string(), year))
}

/// Days in the year that starts on `first` (to the same date a year later, exclusive; a
/// start on 29 February counts to 28 February).
fn year_days(first: (i32, u32, u32)) -> i64 {
    let (y, m, d) = first;
    let end_d = d.min(days_in_month(y + 1, m));
    days_from_civil(y + 1, m, end_d) - days_from_civil(y, m, d)
}

/// `YYYY-MM-DD` of a day number of [`days_from_civil`] (H. Hinnant's inverse).
fn civil_text(n: i64) -> String {
    let z = n + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A calendar date `(year, month, day)`.
type Date = (i32, u32, u32);

/// `YYYY-MM-DD` of a [`Date`].
fn date_text(d: Date) -> String {
    format!("{}-{:02}-{:02}", d.0, d.1, d.2)
}

/// The state of one trace file's parse: the values read so far, the dates seen, and the
/// problems found (at most [`MAX_ISSUES_PER_FILE`] listed, the rest counted in `extra`).
struct TraceParser<'a> {
    /// Names the file in errors.
    label: &'a str,
    /// Divides every value.
    scale: f64,
    /// The problems listed so far.
    is: Issues,
    /// The problems found beyond [`MAX_ISSUES_PER_FILE`].
    extra: usize,
    /// The capacity factors read, row after row.
    values: Vec<f64>,
    /// The first valid date.
    first_day: Option<Date>,
    /// The last valid date and its day number.
    prev: Option<(i64, Date)>,
    /// The data rows read (after the header).
    rows: usize,
}

impl<'a> TraceParser<'a> {
    /// Fields per record: Year, Month, Day and the half hours.
    const N_FIELDS: usize = 3 + PERIODS_PER_DAY;

    /// An empty parse of the file `label`.
    fn new(label: &'a str, scale: f64) -> Self {
        TraceParser {
            label,
            scale,
            is: Issues::new(),
            extra: 0,
            values: Vec::new(),
            first_day: None,
            prev: None,
            rows: 0,
        }
    }

    /// Records a problem, or counts it once [`MAX_ISSUES_PER_FILE`] are listed.
    fn push(&mut self, at: Location, exp: String, found: String, hint: &str) {
        if self.is.0.len() < MAX_ISSUES_PER_FILE {
            self.is.push(at, exp, found, hint);
        } else {
            self.extra += 1;
        }
    }

    /// The location of column `col` (1-based) named `name` on line `line`.
    fn at(&self, line: usize, col: usize, name: &str) -> Location {
        Location::file(self.label)
            .record(format!("line {line}, column {col}"))
            .field(name.to_string())
    }

    /// Reads every record of `text`: the header, then one row per day.
    fn read_all(&mut self, text: &str) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for (k, rec) in reader.records().enumerate() {
            let line = k + 1;
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let at = Location::file(self.label).record(format!("line {line}"));
                    let hint = "the file must be plain comma-separated text";
                    self.push(at, "a CSV record".into(), e.to_string(), hint);
                    continue;
                }
            };
            if k == 0 {
                if !self.header(&rec) {
                    // A wrong header makes every row's columns meaningless.
                    break;
                }
                continue;
            }
            self.row(line, &rec);
        }
    }

    /// Checks the header is exactly `Year,Month,Day,1..48`; `false` if its column count is
    /// wrong (then no row can be read).
    fn header(&mut self, rec: &csv::StringRecord) -> bool {
        let n_fields = Self::N_FIELDS;
        let expected: Vec<String> = ["Year", "Month", "Day"]
            .iter()
            .map(|s| s.to_string())
            .chain((1..=PERIODS_PER_DAY).map(|p| p.to_string()))
            .collect();
        if rec.len() != n_fields {
            self.push(
                Location::file(self.label).record("line 1 (header)"),
                format!("{n_fields} columns: Year, Month, Day and the 48 half-hour periods 1…48"),
                format!(
                    "{} columns ({} periods)",
                    rec.len(),
                    rec.len().saturating_sub(3)
                ),
                "an AEMO trace has one column per half hour of the day; use the file as published",
            );
            return false;
        }
        for (c, (got, want)) in rec.iter().zip(&expected).enumerate() {
            if !got.trim().eq_ignore_ascii_case(want) {
                self.push(
                    self.at(1, c + 1, want),
                    format!("header `{want}`"),
                    format!("`{got}`"),
                    "the header must be Year,Month,Day,1,…,48",
                );
            }
        }
        true
    }

    /// Reads one day's row on `line`: its date, then its 48 values.
    fn row(&mut self, line: usize, rec: &csv::StringRecord) {
        self.rows += 1;
        let n_fields = Self::N_FIELDS;
        if rec.len() != n_fields {
            self.push(
                Location::file(self.label).record(format!("line {line}")),
                format!("{n_fields} fields (Year, Month, Day, 48 half-hours)"),
                format!("{} fields", rec.len()),
                "a ragged row: every day needs all 48 half-hour values",
            );
            return;
        }
        if let Some(date) = self.date(line, rec) {
            self.follow(line, date);
        }
        for c in 3..n_fields {
            self.value(line, c, rec[c].trim());
        }
    }

    /// The row's date if Year, Month, Day make a real calendar date, else a problem.
    fn date(&mut self, line: usize, rec: &csv::StringRecord) -> Option<Date> {
        let int = |c: usize| rec[c].trim().parse::<i64>().ok();
        match (int(0), int(1), int(2)) {
            (Some(y), Some(m), Some(d))
                if (1900..=2200).contains(&y)
                    && (1..=12).contains(&m)
                    && d >= 1
                    && d <= i64::from(days_in_month(y as i32, m as u32)) =>
            {
                Some((y as i32, m as u32, d as u32))
            }
            _ => {
                self.push(
                    self.at(line, 1, "Year"),
                    "a calendar date in Year, Month, Day".into(),
                    format!("`{}`,`{}`,`{}`", &rec[0], &rec[1], &rec[2]),
                    "",
                );
                None
            }
        }
    }

    /// Checks `date` is the day after the previous one (no day repeated, missing or out of
    /// order), then makes it the previous day.
    fn follow(&mut self, line: usize, date: Date) {
        let n = days_from_civil(date.0, date.1, date.2);
        if let Some((p, pd)) = self.prev {
            let expected = format!("the day after {}", date_text(pd));
            if n == p {
                self.push(
                    self.at(line, 1, "Day"),
                    expected,
                    format!("{} again (a duplicate day)", date_text(date)),
                    "remove the repeated row",
                );
            } else if n != p + 1 {
                let found = if n > p {
                    let gap = n - p - 1;
                    let s = if gap == 1 { "" } else { "s" };
                    format!("{} ({gap} day{s} missing)", date_text(date))
                } else {
                    format!("{} (out of order)", date_text(date))
                };
                let hint = "a trace needs every day, in order";
                self.push(self.at(line, 1, "Day"), expected, found, hint);
            }
        }
        if self.first_day.is_none() {
            self.first_day = Some(date);
        }
        self.prev = Some((n, date));
    }

    /// Reads the value `raw` of column `c` (0-based, 3.. for the half hours); an invalid one is
    /// a problem and stored as 0.
    fn value(&mut self, line: usize, c: usize, raw: &str) {
        let scale = self.scale;
        match raw.parse::<f64>().ok().map(|v| v / scale) {
            Some(v) if v.is_finite() && (0.0..=1.0).contains(&v) => self.values.push(v),
            _ => {
                self.push(
                    self.at(line, c + 1, &(c - 2).to_string()),
                    if scale == 1.0 {
                        "a capacity factor in [0, 1]".to_string()
                    } else {
                        format!("a capacity factor in [0, 1] (× {scale})")
                    },
                    format!("`{raw}`"),
                    "a trace value is generation per unit of installed capacity",
                );
                self.values.push(0.0);
            }
        }
    }

    /// The problems found after the last row: no data at all, or a year not covered.
    fn check_end(&mut self) {
        if self.rows == 0 && self.is.is_empty() {
            let at = Location::file(self.label);
            let exp = "at least one day of data after the header".into();
            self.push(at, exp, "no rows".into(), "");
        }
        if let (Some(first), Some((last_n, last))) = (self.first_day, self.prev) {
            self.check_whole_year(first, last_n, last);
        }
    }

    /// Checks the days `first` ..= `last` (day number `last_n`) cover the year from `first`.
    fn check_whole_year(&mut self, first: Date, last_n: i64, last: Date) {
        let need = year_days(first);
        let first_n = days_from_civil(first.0, first.1, first.2);
        let have = last_n - first_n + 1;
        if have < need {
            let through = civil_text(first_n + need - 1);
            let s = if have == 1 { "" } else { "s" };
            self.push(
                Location::file(self.label).record(format!("line {}", self.rows + 1)),
                format!(
                    "every day of the year from {} ({need} days, through {through})",
                    date_text(first)
                ),
                format!(
                    "the trace ends at {} after {have} day{s} ({} missing)",
                    date_text(last),
                    need - have
                ),
                "the file is truncated: a trace must cover its whole year; use the file as published",
            );
        }
    }

    /// The problems found, with a count of those not listed.
    fn into_issues(mut self) -> (Issues, Vec<f64>, Option<Date>) {
        if self.extra > 0 {
            self.is.push(
                Location::file(self.label),
                "no further problems",
                format!("{} more not listed", self.extra),
                "fix the ones above first",
            );
        }
        (self.is, self.values, self.first_day)
    }
}

/// Parses one trace file's text. `label` names it in errors; `file_name` (the bare name) gives
/// zone, technology and reference year; every value is divided by `scale`.
///
/// # Errors
/// [`Error::Invalid`] listing each problem with its line and column.
pub fn parse_trace(label: &str, file_name: &str, text: &str, scale: f64) -> Result<Trace> {
    parse_any_trace(label, file_name, text, scale, None)
}

/// [`parse_trace`] for a REZ trace (`meta` = `None`: identity from the file name) or a project
/// trace (identity from `meta`, the reference year from the file name).
///
/// # Errors
/// [`Error::Invalid`] listing each problem with its line and column.
pub fn parse_any_trace(
    label: &str,
    file_name: &str,
    text: &str,
    scale: f64,
    meta: Option<&ProjectMeta>,
) -> Result<Trace> {
    let identity = match meta {
        None => parse_file_name(file_name),
        Some(m) => project_year(file_name).map(|y| {
            (
                m.zone_id.clone(),
                m.project.clone(),
                m.technology.clone(),
                y,
            )
        }),
    };
    let Some((zone_id, zone_name, technology, reference_year)) = identity else {
        let (expected, hint) = if meta.is_some() {
            (
                "a project trace file name <project>_RefYear<year>.csv",
                "keep AEMO's project trace names: the reference year is read from them",
            )
        } else {
            (
                "an AEMO trace file name REZ_<zone>_<name>_<tech>_RefYear<year>.csv",
                "keep AEMO's file names: zone, technology and reference year are read from them; for a project trace give the entry `zone`, `technology` and `project`",
            )
        };
        return Err(Error::Invalid(vec![crate::error::Issue {
            at: Location::file(label),
            expected: expected.into(),
            found: format!("`{file_name}`"),
            hint: hint.into(),
        }]));
    };
    let mut parser = TraceParser::new(label, scale);
    parser.read_all(text);
    parser.check_end();
    let (is, values, first_day) = parser.into_issues();
    is.into_result(Trace {
        zone_id,
        zone_name,
        technology,
        reference_year,
        first_day: first_day.unwrap_or((0, 0, 0)),
        values,
        source: label.to_string(),
        project: meta.map(|m| m.project.clone()),
        site: meta.and_then(|m| m.site),
    })
}

/// The project options of a trace layer (`zone`, `technology`, `project`, `lon`, `lat`), or
/// `None` for an entry of REZ traces (none of them given).
fn project_meta(spec: &LayerSpec) -> Result<Option<ProjectMeta>> {
    let keys = ["zone", "technology", "project", "lon", "lat"];
    if !keys.iter().any(|k| spec.options.contains_key(*k)) {
        return Ok(None);
    }
    let mut is = Issues::new();
    let at = |k: &str| Location::file(&spec.label).field(k.to_string());
    let mut text = |k: &str, what: &str| match spec.options.get(k).and_then(|v| v.as_str()) {
        Some(s) if !s.trim().is_empty() => s.trim().to_string(),
        _ => {
            let found = spec
                .options
                .get(k)
                .map_or("nothing".to_string(), |v| v.to_string());
            is.push(
                at(k),
                format!("{what} (a project trace entry needs zone, technology and project)"),
                found,
                "e.g. zone = \"S1\", technology = \"WM\", project = \"Canunda Wind Farm\"",
            );
            String::new()
        }
    };
    let zone_id = text("zone", "the REZ id the project lies in");
    let technology = text("technology", "the AEMO technology code of the trace");
    let project = text("project", "the project's name");
    let site = project_site(spec, &mut is);
    is.into_result(Some(ProjectMeta {
        zone_id,
        technology,
        project,
        site,
    }))
}

/// The `lon`/`lat` options of a project trace entry: both in range, or neither (`None`); a
/// problem is pushed to `is`.
fn project_site(spec: &LayerSpec, is: &mut Issues) -> Option<super::LonLat> {
    let at = |k: &str| Location::file(&spec.label).field(k.to_string());
    let num = |k: &str| {
        spec.options
            .get(k)
            .map(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
    };
    match (num("lon"), num("lat")) {
        (None, None) => None,
        (Some(Some(lon)), Some(Some(lat)))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Some(super::LonLat::new(lon, lat))
        }
        (lon, _) => {
            is.push(
                at(
                    if lon.flatten().is_some_and(|x| (-180.0..=180.0).contains(&x)) {
                        "lat"
                    } else {
                        "lon"
                    },
                ),
                "both lon (−180…180) and lat (−90…90) in degrees, or neither",
                format!(
                    "lon {}, lat {}",
                    spec.options
                        .get("lon")
                        .map_or("none".into(), |v| v.to_string()),
                    spec.options
                        .get("lat")
                        .map_or("none".into(), |v| v.to_string())
                ),
                "give the generator's site as two numbers, e.g. lon = 140.38, lat = -37.70",
            );
            None
        }
    }
}

/// The `scale` option of a trace layer (default 1).
fn scale_of(spec: &LayerSpec) -> Result<f64> {
    match spec.options.get("scale") {
        None => Ok(1.0),
        Some(v) => match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
            Some(s) if s > 0.0 && s.is_finite() => Ok(s),
            _ => Err(Error::Invalid(vec![crate::error::Issue {
                at: Location::file(&spec.label).field("scale"),
                expected: "a number > 0 dividing every value (1 for AEMO's files)".into(),
                found: v.to_string(),
                hint: "omit `scale` for files as AEMO publishes them".into(),
            }])),
        },
    }
}

/// Reads the traces a manifest entry names: one file, or every `REZ_*_RefYear*.csv` in a
/// folder (name order). `read` gives a file's text (from disk or the embedded table); `list`
/// the file names in a folder, or `None` if the path is not a folder.
///
/// # Errors
/// Every problem of every file, with file, line and column.
pub fn load_traces(
    spec: &LayerSpec,
    read: &dyn Fn(&Path) -> Result<String>,
    list: &dyn Fn(&Path) -> Option<Vec<String>>,
) -> Result<Vec<Trace>> {
    let scale = scale_of(spec)?;
    let meta = project_meta(spec)?;
    let files: Vec<(std::path::PathBuf, String)> = match list(&spec.path) {
        Some(mut names) => {
            if meta.is_some() {
                names.retain(|n| project_year(n).is_some());
            } else {
                names.retain(|n| parse_file_name(n).is_some());
            }
            names.sort();
            if names.is_empty() {
                return Err(Error::Invalid(vec![crate::error::Issue {
                    at: Location::file(&spec.label),
                    expected: "a folder holding AEMO trace files REZ_<zone>_<name>_<tech>_RefYear<year>.csv".into(),
                    found: "no such file in it".into(),
                    hint: "point `path` at AEMO's trace folder or at one trace file".into(),
                }]));
            }
            names.into_iter().map(|n| (spec.path.join(&n), n)).collect()
        }
        None => {
            let name = spec
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            vec![(spec.path.clone(), name)]
        }
    };
    let mut out = Vec::new();
    let mut issues = Vec::new();
    for (path, name) in files {
        let label = path.display().to_string();
        let text = read(&path)?;
        match parse_any_trace(&label, &name, &text, scale, meta.as_ref()) {
            Ok(t) => out.push(t),
            Err(Error::Invalid(list)) => issues.extend(list),
            Err(e) => return Err(e),
        }
    }
    if !issues.is_empty() {
        return Err(Error::Invalid(issues));
    }
    // One trace per (zone, technology, reference year).
    out.sort_by(|a, b| {
        (&a.zone_id, &a.technology, a.reference_year).cmp(&(
            &b.zone_id,
            &b.technology,
            b.reference_year,
        ))
    });
    let mut is = Issues::new();
    for w in out.windows(2) {
        if (&w[0].zone_id, &w[0].technology, w[0].reference_year)
            == (&w[1].zone_id, &w[1].technology, w[1].reference_year)
        {
            is.push(
                Location::file(&w[1].source),
                format!(
                    "one trace per zone, technology and reference year ({} {} {})",
                    w[1].zone_id, w[1].technology, w[1].reference_year
                ),
                format!("a second one (first: {})", w[0].source),
                "remove one of the two files from the manifest",
            );
        }
    }
    is.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(days: usize, f: impl Fn(usize, usize) -> String) -> String {
        let mut s = String::from("Year,Month,Day");
        for p in 1..=48 {
            s.push_str(&format!(",{p}"));
        }
        s.push('\n');
        let start = days_from_civil(2025, 7, 1);
        for d in 0..days {
            let date = civil_text(start + d as i64);
            let ymd: Vec<u32> = date.split('-').map(|x| x.parse().unwrap()).collect();
            s.push_str(&format!("{},{},{}", ymd[0], ymd[1], ymd[2]));
            for p in 0..48 {
                s.push(',');
                s.push_str(&f(d, p));
            }
            s.push('\n');
        }
        s
    }

    const NAME: &str = "REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv";

    #[test]
    fn reads_a_good_file_and_its_name() {
        let t = parse_trace(
            "t.csv",
            NAME,
            &file(365, |_, p| format!("{}", p as f64 / 47.0)),
            1.0,
        )
        .unwrap();
        assert_eq!(t.zone_id, "Q1");
        assert_eq!(t.zone_name, "Far North QLD");
        assert_eq!(t.technology, "SAT");
        assert_eq!(t.reference_year, 2011);
        assert_eq!(t.days(), 365);
        assert_eq!(t.first_day, (2025, 7, 1));
        assert!((t.mean() - 0.5).abs() < 1e-12);
        assert!(parse_file_name("N1_SAT.csv").is_none());
        assert!(parse_file_name("REZ_N1_X_SAT_Ref2011.csv").is_none());
    }

    #[test]
    fn bad_values_name_line_and_column() {
        let text = file(2, |d, p| match (d, p) {
            (0, 10) => "1.5".into(),
            (1, 47) => "-0.1".into(),
            _ => "0.2".into(),
        });
        let e = parse_trace("t.csv", NAME, &text, 1.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv: line 2, column 14: field `11`"), "{e}");
        assert!(e.contains("found `1.5`"), "{e}");
        assert!(e.contains("t.csv: line 3, column 51: field `48`"), "{e}");
        assert!(e.contains("found `-0.1`"), "{e}");
    }

    #[test]
    fn ragged_missing_and_duplicate_days() {
        let mut text = file(4, |_, _| "0.1".into());
        // Day 3 repeated as day 2's date, and a ragged last row.
        text = text.replace("2025,7,3,", "2025,7,2,");
        text.push_str("2025,7,5,0.1,0.2\n");
        let e = parse_trace("t.csv", NAME, &text, 1.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4, column 1: field `Day`"), "{e}");
        assert!(e.contains("duplicate day"), "{e}");
        assert!(e.contains("line 5, column 1: field `Day`"), "{e}");
        assert!(e.contains("t.csv: line 6: expected 51 fields"), "{e}");
        let text = file(3, |_, _| "0.1".into()).replace("2025,7,2,", "2025,7,9,");
        let e = parse_trace("t.csv", NAME, &text, 1.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("7 days missing"), "{e}");
        assert!(e.contains("out of order"), "{e}");
    }

    #[test]
    fn a_trace_ending_early_names_its_last_date() {
        // The whole financial year 2025-07-01 … 2026-06-30 (365 days) is accepted …
        parse_trace("t.csv", NAME, &file(365, |_, _| "0.1".into()), 1.0).unwrap();
        // … two days short is an error with the last date found.
        let e = parse_trace("t.csv", NAME, &file(363, |_, _| "0.1".into()), 1.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv: line 364"), "{e}");
        assert!(
            e.contains("through 2026-06-30")
                && e.contains("ends at 2026-06-28 after 363 days (2 missing)"),
            "{e}"
        );
        // A year with 29 February needs 366 days.
        assert_eq!(year_days((2027, 7, 1)), 366);
        assert_eq!(year_days((2025, 7, 1)), 365);
        assert_eq!(year_days((2024, 2, 29)), 365);
        assert_eq!(civil_text(days_from_civil(2028, 2, 29)), "2028-02-29");
    }

    #[test]
    fn header_with_47_periods() {
        let text = file(1, |_, _| "0.1".into()).replacen(",48\n", "\n", 1);
        let e = parse_trace("t.csv", NAME, &text, 1.0)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.csv: line 1 (header): expected 51 columns"),
            "{e}"
        );
        assert!(e.contains("found 50 columns (47 periods)"), "{e}");
    }

    #[test]
    fn scale_divides() {
        let t = parse_trace("t.csv", NAME, &file(365, |_, _| "250".into()), 1000.0).unwrap();
        assert!((t.mean() - 0.25).abs() < 1e-12);
        let e = parse_trace("t.csv", NAME, &file(1, |_, _| "1001".into()), 1000.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("× 1000"), "{e}");
    }
}

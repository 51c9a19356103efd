//! Readers for the public formats exactly as published: Geoscience Australia ([`ga`]), the
//! AEMO 2025 IASR REZ table ([`aemo`]), the TeleGeography submarine cable map
//! ([`telegeography`]), dcmap data centres ([`dcmap`]), Open Electricity NEM prices
//! ([`opennem`]) and the Japanese demand proxies ([`japan`]).
//!
//! Every reader takes a [`LayerSpec`] (resolved path, options, label for errors), parses the
//! file once, collects every record problem into one [`Error::Invalid`] and returns its
//! records sorted by id. The files, columns and counts are described in each
//! `shared/data/*/PROVENANCE.md`.

use super::{LayerSpec, LonLat};
use crate::error::{Error, Issues, Location, Result};
use std::collections::HashMap;
use std::path::Path;

pub mod aemo;
pub mod dcmap;
pub mod ga;
pub mod japan;
pub mod opennem;
pub mod telegeography;

pub use aemo::load_zones;
pub use dcmap::load_datacentres;
pub use ga::{load_lines, load_minerals, load_substations};
pub use japan::{japan_demand_from_cities, japan_demand_from_prefectures};
pub use opennem::load_regions;
pub use telegeography::{load_cables, load_landings};

/// Reads a whole file as UTF-8 text.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    crate::input::read_text(path)
}

/// A lower-case ASCII slug: letters and digits kept, every other run of characters becomes
/// one `-`, no leading or trailing `-`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// A parsed CSV file: header index and records with their line numbers.
pub(crate) struct CsvTable {
    /// Label used in errors.
    pub label: String,
    columns: HashMap<String, usize>,
    /// Records with their 1-based line numbers.
    pub rows: Vec<(u64, csv::StringRecord)>,
}

impl CsvTable {
    /// Parses `text`; every name in `required` must be a column (all missing ones are
    /// reported together).
    pub fn parse(label: &str, text: &str, required: &[&str]) -> Result<CsvTable> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| Error::Parse {
            at: Location::file(label).record("line 1"),
            message: e.to_string(),
            hint: "the first line must be the CSV header".into(),
        })?;
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        let mut issues = Issues::new();
        for name in required {
            if !columns.contains_key(*name) {
                issues.push(
                    Location::file(label).record("line 1").field(*name),
                    format!("a column `{name}`"),
                    "no such column",
                    "is this the file the manifest's format names? compare with the dataset's PROVENANCE.md",
                );
            }
        }
        issues.into_result(())?;
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                Error::Parse {
                    at: Location::file(label).record(format!("line {line}")),
                    message: e.to_string(),
                    hint: "every line needs as many fields as the header; quote fields that contain commas".into(),
                }
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            rows.push((line, rec));
        }
        Ok(CsvTable {
            label: label.to_string(),
            columns,
            rows,
        })
    }

    /// Reads and parses a CSV file.
    pub fn read(path: &Path, label: &str, required: &[&str]) -> Result<CsvTable> {
        let text = read_text(path)?;
        CsvTable::parse(label, &text, required)
    }

    /// A view of record `i`.
    pub fn row(&self, i: usize) -> Row<'_> {
        let (line, rec) = &self.rows[i];
        Row {
            table: self,
            line: *line,
            rec,
        }
    }

    /// All records as views.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.rows.len()).map(|i| self.row(i))
    }
}

/// One CSV record.
pub(crate) struct Row<'a> {
    table: &'a CsvTable,
    /// 1-based line number.
    pub line: u64,
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The trimmed value of a column (empty if the column is absent).
    pub fn str(&self, name: &str) -> &str {
        self.table
            .columns
            .get(name)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// Where this record's `field` is.
    pub fn at(&self, field: &str) -> Location {
        Location::file(&self.table.label)
            .record(format!("line {}", self.line))
            .field(field)
    }

    /// A required number; records an issue when empty or unparsable.
    pub fn f64(&self, name: &str, issues: &mut Issues) -> Option<f64> {
        let s = self.str(name);
        if s.is_empty() {
            issues.push(
                self.at(name),
                "a number",
                "an empty field",
                "fill in the value",
            );
            return None;
        }
        self.opt_f64(name, issues)
    }

    /// An optional number: `None` when empty; records an issue when unparsable.
    pub fn opt_f64(&self, name: &str, issues: &mut Issues) -> Option<f64> {
        let s = self.str(name);
        if s.is_empty() {
            return None;
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                issues.push(
                    self.at(name),
                    "a number",
                    format!("`{s}`"),
                    "use a plain decimal number with `.` as the decimal separator",
                );
                None
            }
        }
    }

    /// A required lon/lat pair from two columns, checked to be in range.
    pub fn lonlat(&self, lon: &str, lat: &str, issues: &mut Issues) -> Option<LonLat> {
        let x = self.f64(lon, issues);
        let y = self.f64(lat, issues);
        let (x, y) = (x?, y?);
        check_lonlat(x, y, || self.at(&format!("{lon}/{lat}")), issues)
    }
}

/// Checks a coordinate pair is within lon −180..=180 (extended to 360 for antimeridian
/// drawings) and lat −90..=90.
pub(crate) fn check_lonlat(
    lon: f64,
    lat: f64,
    at: impl FnOnce() -> Location,
    issues: &mut Issues,
) -> Option<LonLat> {
    if (-360.0..=360.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Some(LonLat::new(lon, lat))
    } else {
        issues.push(
            at(),
            "longitude in −180..180 and latitude in −90..90 (degrees, lon first)",
            format!("({lon}, {lat})"),
            "check the columns are not swapped and the values are degrees",
        );
        None
    }
}

/// A GeoJSON FeatureCollection parsed with `serde_json`, one feature at a time.
pub(crate) struct GeoFeatures {
    /// Label used in errors.
    pub label: String,
    features: Vec<serde_json::Value>,
}

impl GeoFeatures {
    /// Reads and parses a GeoJSON FeatureCollection.
    pub fn read(path: &Path, label: &str) -> Result<GeoFeatures> {
        let text = read_text(path)?;
        GeoFeatures::parse(label, &text)
    }

    /// Parses a GeoJSON FeatureCollection from text.
    pub fn parse(label: &str, text: &str) -> Result<GeoFeatures> {
        let value = crate::input::parse_json(
            label,
            text,
            "the file must be valid JSON (RFC 7946 GeoJSON)",
        )?;
        let features = match value {
            serde_json::Value::Object(mut obj)
                if obj.get("type").and_then(|t| t.as_str()) == Some("FeatureCollection") =>
            {
                match obj.remove("features") {
                    Some(serde_json::Value::Array(a)) => a,
                    _ => {
                        return Err(Error::Parse {
                            at: Location::file(label).field("features"),
                            message: "a FeatureCollection without a `features` array".into(),
                            hint: "the file must be an RFC 7946 FeatureCollection".into(),
                        })
                    }
                }
            }
            _ => {
                return Err(Error::Parse {
                    at: Location::file(label),
                    message: "the top-level object is not a FeatureCollection".into(),
                    hint: "the file must be an RFC 7946 FeatureCollection".into(),
                })
            }
        };
        Ok(GeoFeatures {
            label: label.to_string(),
            features,
        })
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// A view of feature `i`.
    pub fn feature(&self, i: usize) -> Feature<'_> {
        Feature {
            label: &self.label,
            index: i,
            value: &self.features[i],
        }
    }

    /// All features.
    pub fn iter(&self) -> impl Iterator<Item = Feature<'_>> {
        (0..self.len()).map(|i| self.feature(i))
    }
}

/// One GeoJSON feature.
pub(crate) struct Feature<'a> {
    label: &'a str,
    /// 0-based index in the collection.
    pub index: usize,
    value: &'a serde_json::Value,
}

impl<'a> Feature<'a> {
    /// Where this feature's `field` is.
    pub fn at(&self, field: &str) -> Location {
        Location::file(self.label)
            .record(format!("feature {}", self.index))
            .field(field)
    }

    fn prop(&self, name: &str) -> Option<&'a serde_json::Value> {
        self.value.get("properties").and_then(|p| p.get(name))
    }

    /// True if the property exists (even if null).
    pub fn has(&self, name: &str) -> bool {
        self.prop(name).is_some()
    }

    /// A string property (numbers are formatted, null → empty); records an issue if absent.
    pub fn str(&self, name: &str, issues: &mut Issues) -> String {
        match self.prop(name) {
            None => {
                issues.push(
                    self.at(name),
                    format!("a property `{name}`"),
                    "no such property",
                    "is this the file the manifest's format names? compare with the dataset's PROVENANCE.md",
                );
                String::new()
            }
            Some(v) => value_text(v),
        }
    }

    /// An optional string property (absent or null → empty).
    pub fn opt_str(&self, name: &str) -> String {
        self.prop(name).map(value_text).unwrap_or_default()
    }

    /// A number property: a JSON number or a numeric string. `None` when absent, null or
    /// empty; records an issue when present but not a number.
    pub fn opt_f64(&self, name: &str, issues: &mut Issues) -> Option<f64> {
        match self.prop(name)? {
            serde_json::Value::Null => None,
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) if s.trim().is_empty() => None,
            serde_json::Value::String(s) => match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    issues.push(self.at(name), "a number", format!("`{s}`"), "");
                    None
                }
            },
            other => {
                issues.push(self.at(name), "a number", other.to_string(), "");
                None
            }
        }
    }

    /// The geometry's `type` and `coordinates`, or an issue.
    pub fn geometry(&self, issues: &mut Issues) -> Option<(&'a str, &'a serde_json::Value)> {
        let g = self.value.get("geometry");
        let kind = g.and_then(|g| g.get("type")).and_then(|t| t.as_str());
        let coords = g.and_then(|g| g.get("coordinates"));
        match (kind, coords) {
            (Some(k), Some(c)) => Some((k, c)),
            _ => {
                issues.push(
                    self.at("geometry"),
                    "a geometry with `type` and `coordinates`",
                    g.map(|g| truncate(&g.to_string()))
                        .unwrap_or_else(|| "none".into()),
                    "every feature needs a geometry",
                );
                None
            }
        }
    }

    /// The feature's Point position.
    pub fn point(&self, issues: &mut Issues) -> Option<LonLat> {
        let (kind, coords) = self.geometry(issues)?;
        if kind != "Point" {
            issues.push(self.at("geometry"), "a Point", kind.to_string(), "");
            return None;
        }
        self.position(coords, issues)
    }

    /// One GeoJSON position `[lon, lat, ...]`.
    pub fn position(&self, v: &serde_json::Value, issues: &mut Issues) -> Option<LonLat> {
        let pair = v.as_array().and_then(|a| {
            let lon = a.first()?.as_f64()?;
            let lat = a.get(1)?.as_f64()?;
            Some((lon, lat))
        });
        match pair {
            Some((lon, lat)) => check_lonlat(lon, lat, || self.at("geometry"), issues),
            None => {
                issues.push(
                    self.at("geometry"),
                    "a position [lon, lat]",
                    truncate(&v.to_string()),
                    "",
                );
                None
            }
        }
    }

    /// A list of positions (a LineString's coordinates or a ring).
    pub fn positions(&self, v: &serde_json::Value, issues: &mut Issues) -> Option<Vec<LonLat>> {
        let Some(arr) = v.as_array() else {
            issues.push(
                self.at("geometry"),
                "an array of positions",
                truncate(&v.to_string()),
                "",
            );
            return None;
        };
        let before = issues.0.len();
        let out: Vec<LonLat> = arr
            .iter()
            .filter_map(|p| self.position(p, issues))
            .collect();
        (issues.0.len() == before).then_some(out)
    }

    /// The parts of a LineString (one part) or MultiLineString geometry.
    pub fn lines(&self, issues: &mut Issues) -> Option<Vec<Vec<LonLat>>> {
        let (kind, coords) = self.geometry(issues)?;
        match kind {
            "LineString" => self.positions(coords, issues).map(|p| vec![p]),
            "MultiLineString" => {
                let Some(parts) = coords.as_array() else {
                    issues.push(self.at("geometry"), "an array of lines", "not an array", "");
                    return None;
                };
                let mut out = Vec::with_capacity(parts.len());
                for part in parts {
                    out.push(self.positions(part, issues)?);
                }
                Some(out)
            }
            other => {
                issues.push(
                    self.at("geometry"),
                    "a LineString or MultiLineString",
                    other.to_string(),
                    "",
                );
                None
            }
        }
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 60 {
        let t: String = s.chars().take(60).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

/// A distance option in km, or `default` when absent; a usage error when not a number in
/// (0, [`crate::limits::MAX_RADIUS_KM`]].
pub(crate) fn option_f64(spec: &LayerSpec, key: &str, default: f64) -> Result<f64> {
    match spec.options.get(key) {
        None => Ok(default),
        Some(v) => v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .filter(|x| x.is_finite() && *x > 0.0 && *x <= crate::limits::MAX_RADIUS_KM)
            .ok_or_else(|| {
                Error::usage(
                    format!(
                        "{}: option `{key}` = {v}: expected km in (0, 5000]",
                        spec.label
                    ),
                    format!("write e.g. `{key} = {default}`"),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Bowen North"), "bowen-north");
        assert_eq!(slug("  St. Leonards (NSW) "), "st-leonards-nsw");
        assert_eq!(slug("Ōsaka"), "saka");
    }

    #[test]
    fn csv_missing_columns_are_all_reported() {
        let err = CsvTable::parse("t.csv", "a,b\n1,2\n", &["a", "x", "y"])
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("2 problems"), "{text}");
        assert!(text.contains("`x`") && text.contains("`y`"), "{text}");
    }

    #[test]
    fn csv_numbers_report_line_and_field() {
        let t = CsvTable::parse("t.csv", "a,b\n1,2\nx,\n", &["a", "b"]).unwrap();
        let mut issues = Issues::new();
        assert_eq!(t.row(0).f64("a", &mut issues), Some(1.0));
        assert_eq!(t.row(1).f64("a", &mut issues), None);
        assert_eq!(t.row(1).opt_f64("b", &mut issues), None);
        assert_eq!(issues.0.len(), 1);
        assert_eq!(issues.0[0].at.record, "line 3");
        assert_eq!(issues.0[0].at.field, "a");
        assert_eq!(issues.0[0].found, "`x`");
    }

    #[test]
    fn missing_file_names_the_path() {
        let spec = fixture::spec(
            Path::new("/nonexistent-sitefind"),
            "s.geojson",
            crate::data::LayerFormat::GaGeojson,
            "",
        );
        let err = crate::data::public::load_substations(&spec).err().unwrap();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(
            err.to_string().contains("/nonexistent-sitefind/s.geojson"),
            "{err}"
        );
    }

    #[test]
    fn ragged_csv_line_is_a_parse_error_with_its_line() {
        let err = CsvTable::parse("t.csv", "a,b\n1,2\n3\n", &["a"])
            .err()
            .unwrap();
        let Error::Parse { at, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(at.record, "line 3");
    }

    #[test]
    fn geojson_not_a_collection() {
        assert!(matches!(
            GeoFeatures::parse("g.json", r#"{"type":"Feature"}"#),
            Err(Error::Parse { .. })
        ));
        assert!(matches!(
            GeoFeatures::parse("g.json", "{"),
            Err(Error::Parse { .. })
        ));
    }
}

/// Test helpers: layer specs over files written to a temporary folder.
#[cfg(test)]
pub(crate) mod fixture {
    use super::super::{LayerFormat, LayerSpec};
    use std::collections::BTreeMap;
    use std::path::Path;

    /// Writes `files` (name, content) into `dir`.
    pub fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }

    /// A spec for `dir/main` with TOML `options` (e.g. `routes = "r.geojson"`).
    pub fn spec(dir: &Path, main: &str, format: LayerFormat, options: &str) -> LayerSpec {
        let options: BTreeMap<String, toml::Value> = toml::from_str(options).unwrap();
        LayerSpec {
            path: dir.join(main),
            format,
            base_dir: dir.to_path_buf(),
            options,
            label: main.to_string(),
        }
    }
}

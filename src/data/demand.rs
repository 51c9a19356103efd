//! Japanese demand nodes: sitefind's JSON demand file (`data/jp.json`).
//!
//! ```json
//! {"assumption": "free text",
//!  "demand": [{"id": "tokyo", "name": "Tokyo", "lon": 139.69, "lat": 35.69,
//!              "it_load_mw": 400, "max_rtt_ms": 130, "workload": "inference", "min_sites": 2}]}
//! ```
//!
//! `assumption` is optional free text (where the numbers come from). Per node: `id`, `lon`,
//! `lat`, `it_load_mw` (> 0) and `max_rtt_ms` (> 0) are required; `name` defaults to the id,
//! `workload` (`training` | `inference` | `storage`) to `inference`, `min_sites` (≥ 1) to 1,
//! `flexible_share` (0..=0.5, the share of the load that may move within each day; docs/energy.md)
//! to 0.
//! Unknown fields are errors. Every node must lie inside [`JAPAN_BBOX`]; ids are unique.
//!
//! ```
//! let d = sitefind::data::Demand::from_json_str(
//!     "jp.json",
//!     r#"{"demand": [{"id": "tokyo", "lon": 139.69, "lat": 35.69, "it_load_mw": 400, "max_rtt_ms": 130}]}"#,
//! ).unwrap();
//! assert_eq!(d.nodes[0].min_sites, 1);
//! ```

use super::{in_bbox, DemandNode, LonLat, Workload, JAPAN_BBOX};
use crate::error::{Issues, Location, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// A validated set of demand nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    /// Where it came from (path or `<embedded>/jp.json`).
    pub source: String,
    /// The nodes, in file order.
    pub nodes: Vec<DemandNode>,
    /// The file's `assumption` text (where the numbers come from), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
}

const TOP_FIELDS: [&str; 2] = ["assumption", "demand"];
const NODE_FIELDS: [&str; 9] = [
    "id",
    "name",
    "lon",
    "lat",
    "it_load_mw",
    "max_rtt_ms",
    "workload",
    "min_sites",
    "flexible_share",
];

/// A JSON value described for an error message (`-5`, `"400"`, `null`, `an array`).
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

struct NodeReader<'a> {
    label: &'a str,
    record: String,
    obj: &'a Map<String, Value>,
}

impl NodeReader<'_> {
    fn at(&self, field: &str) -> Location {
        Location::file(self.label)
            .record(self.record.clone())
            .field(field)
    }

    fn string(&self, field: &str, issues: &mut Issues) -> Option<String> {
        match self.obj.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                if let Some(found) = crate::input::check_text(s) {
                    issues.push(
                        self.at(field),
                        "text without control characters",
                        found,
                        "remove the control character (tabs, escapes and line breaks are not allowed in ids and names)",
                    );
                    return None;
                }
                Some(s.trim().to_string())
            }
            Some(v) => {
                issues.push(self.at(field), "a non-empty string", describe(v), "");
                None
            }
            None => None,
        }
    }

    fn required_number(&self, field: &str, issues: &mut Issues) -> f64 {
        match self.obj.get(field) {
            None => {
                issues.push(
                    self.at(field),
                    "a number",
                    "nothing (the field is missing)",
                    format!("add `\"{field}\": <number>` to the record"),
                );
                f64::NAN
            }
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => x,
                _ => {
                    issues.push(self.at(field), "a finite number", n.to_string(), "");
                    f64::NAN
                }
            },
            Some(v) => {
                let hint = if matches!(v, Value::String(_)) {
                    "write the number without quotes"
                } else {
                    ""
                };
                issues.push(self.at(field), "a number", describe(v), hint);
                f64::NAN
            }
        }
    }

    /// A number in (0, max]: see [`crate::limits`].
    fn positive(&self, field: &str, max: f64, issues: &mut Issues) -> f64 {
        let x = self.required_number(field, issues);
        if x.is_finite() && (x <= 0.0 || x > max) {
            issues.push(
                self.at(field),
                format!("a number > 0 and ≤ {max}"),
                x.to_string(),
                "",
            );
            return f64::NAN;
        }
        x
    }
}

/// How a node is named in errors: `demand[3] "Tokyo"` (its name, else its id, if any).
fn node_record(index: usize, value: &Value) -> String {
    let name_hint = value
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| value.get("id").and_then(Value::as_str));
    match name_hint {
        Some(n) => format!("demand[{index}] {n:?}"),
        None => format!("demand[{index}]"),
    }
}

/// Reads one node; problems go to `issues`.
fn read_node(label: &str, index: usize, value: &Value, issues: &mut Issues) -> Option<DemandNode> {
    let record = node_record(index, value);
    let Value::Object(obj) = value else {
        issues.push(
            Location::file(label).record(record),
            "an object with id, lon, lat, it_load_mw, max_rtt_ms",
            describe(value),
            "",
        );
        return None;
    };
    let r = NodeReader { label, record, obj };
    let before = issues.0.len();
    r.unknown_fields(issues);
    let id = r.id(issues);
    let name = r.string("name", issues);
    let lon = r.required_number("lon", issues);
    let lat = r.required_number("lat", issues);
    let it_load_mw = r.positive("it_load_mw", crate::limits::MAX_IT_LOAD_MW, issues);
    let max_rtt_ms = r.positive("max_rtt_ms", crate::limits::MAX_RTT_MS, issues);
    let workload = r.workload(issues);
    let min_sites = r.min_sites(issues);
    let flexible_share = r.flexible_share(issues);
    if lon.is_finite() && lat.is_finite() {
        r.in_japan(lon, lat, issues);
    }
    if issues.0.len() != before {
        return None;
    }
    let id = id?;
    Some(DemandNode {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        location: LonLat::new(lon, lat),
        it_load_mw,
        max_rtt_ms,
        workload,
        min_sites,
        flexible_share,
    })
}

impl NodeReader<'_> {
    /// Every field of the record is one of [`NODE_FIELDS`].
    fn unknown_fields(&self, issues: &mut Issues) {
        for key in self.obj.keys() {
            if !NODE_FIELDS.contains(&key.as_str()) {
                issues.push(
                    self.at(key),
                    format!("only the fields {}", NODE_FIELDS.join(", ")),
                    format!("unknown field `{key}`"),
                    "check the field name for typos; units are part of the name (`it_load_mw`, `max_rtt_ms`)",
                );
            }
        }
    }

    /// The required `id`: a non-empty string.
    fn id(&self, issues: &mut Issues) -> Option<String> {
        let id = self.string("id", issues);
        if id.is_none() && !self.obj.contains_key("id") {
            issues.push(
                self.at("id"),
                "a non-empty string",
                "nothing (the field is missing)",
                "give every demand node a unique id, e.g. \"tokyo\"",
            );
        }
        id
    }

    /// The optional `workload` (default inference).
    fn workload(&self, issues: &mut Issues) -> Workload {
        match self.obj.get("workload") {
            None => Workload::Inference,
            Some(Value::String(s)) => match s.as_str() {
                "training" => Workload::Training,
                "inference" => Workload::Inference,
                "storage" => Workload::Storage,
                _ => {
                    issues.push(
                        self.at("workload"),
                        "one of training, inference, storage",
                        format!("{s:?}"),
                        "write it in lower case; leave it out for inference",
                    );
                    Workload::Inference
                }
            },
            Some(v) => {
                issues.push(
                    self.at("workload"),
                    "one of training, inference, storage",
                    describe(v),
                    "",
                );
                Workload::Inference
            }
        }
    }

    /// The optional redundancy `min_sites` (default 1): a whole number in
    /// 1..=[`crate::limits::MAX_MIN_SITES`].
    fn min_sites(&self, issues: &mut Issues) -> u32 {
        let Some(v) = self.obj.get("min_sites") else {
            return 1;
        };
        match v.as_u64() {
            Some(n) if n >= 1 && n <= u64::from(crate::limits::MAX_MIN_SITES) => n as u32,
            _ => {
                issues.push(
                    self.at("min_sites"),
                    format!("a whole number in 1..={}", crate::limits::MAX_MIN_SITES),
                    describe(v),
                    "leave it out for 1 (no redundancy)",
                );
                1
            }
        }
    }

    /// The optional `flexible_share` (default 0): a number in 0..=[`crate::limits::MAX_FLEXIBLE_SHARE`].
    fn flexible_share(&self, issues: &mut Issues) -> f64 {
        let max = crate::limits::MAX_FLEXIBLE_SHARE;
        let Some(v) = self.obj.get("flexible_share") else {
            return 0.0;
        };
        match v.as_f64() {
            Some(x) if (0.0..=max).contains(&x) => x,
            _ => {
                issues.push(
                    self.at("flexible_share"),
                    format!("a number in [0, {max}] (the share of the load that may move within a day)"),
                    describe(v),
                    "leave it out (or 0) for a flat load; training loads can move, e.g. 0.3 (docs/energy.md)",
                );
                0.0
            }
        }
    }

    /// The position is in Japan's box, with a hint when swapping lon and lat would fix it.
    fn in_japan(&self, lon: f64, lat: f64, issues: &mut Issues) {
        let p = LonLat::new(lon, lat);
        if in_bbox(p, JAPAN_BBOX) {
            return;
        }
        let swapped = in_bbox(LonLat::new(lat, lon), JAPAN_BBOX);
        let hint = if swapped {
            "lon/lat look swapped: lon is the east coordinate (~122..146 in Japan), lat the north (~24..46)".to_string()
        } else {
            format!(
                "demand nodes are Japanese cities; Japan's box is lon {}..{}, lat {}..{}",
                JAPAN_BBOX[0], JAPAN_BBOX[2], JAPAN_BBOX[1], JAPAN_BBOX[3]
            )
        };
        issues.push(
            self.at("lon/lat"),
            "a position in Japan",
            format!("lon {lon}, lat {lat}"),
            hint,
        );
    }
}

/// Every top-level field is one of [`TOP_FIELDS`].
fn unknown_top_fields(label: &str, top: &Map<String, Value>, issues: &mut Issues) {
    for key in top.keys() {
        if !TOP_FIELDS.contains(&key.as_str()) {
            issues.push(
                Location::file(label).field(key),
                "only the fields assumption, demand",
                format!("unknown field `{key}`"),
                "demand nodes go in the `demand` array",
            );
        }
    }
}

/// The optional free-text `assumption`: a string.
fn read_assumption(label: &str, top: &Map<String, Value>, issues: &mut Issues) -> Option<String> {
    let assumption = top
        .get("assumption")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(a) = top.get("assumption") {
        if !a.is_string() {
            issues.push(
                Location::file(label).field("assumption"),
                "a string",
                describe(a),
                "",
            );
        }
    }
    assumption
}

/// The `demand` array: at least one node, each valid, ids unique; nodes with problems are
/// left out (the problems go to `issues`).
fn read_nodes(label: &str, top: &Map<String, Value>, issues: &mut Issues) -> Vec<DemandNode> {
    let mut nodes = Vec::new();
    match top.get("demand") {
        Some(Value::Array(items)) => {
            if items.is_empty() {
                issues.push(
                    Location::file(label).field("demand"),
                    "at least one demand node",
                    "an empty list",
                    "add the Japanese cities that buy compute",
                );
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(node) = read_node(label, i, item, issues) {
                    if let Some(first) = seen.insert(node.id.clone(), i) {
                        issues.push(
                            Location::file(label)
                                .record(format!("demand[{i}] {:?}", node.name))
                                .field("id"),
                            "a unique id",
                            format!("{:?}, already used by demand[{first}]", node.id),
                            "give each demand node its own id",
                        );
                    }
                    nodes.push(node);
                }
            }
        }
        Some(v) => issues.push(
            Location::file(label).field("demand"),
            "an array of demand nodes",
            describe(v),
            "",
        ),
        None => issues.push(
            Location::file(label).field("demand"),
            "an array of demand nodes",
            "nothing (the field is missing)",
            "put the nodes in `\"demand\": [...]`",
        ),
    }
    nodes
}

impl Demand {
    /// Parses and validates a demand file's text; `label` names it in errors.
    ///
    /// Malformed JSON is an [`crate::Error::Parse`] with line and column; record problems are all
    /// collected into one [`crate::Error::Invalid`].
    pub fn from_json_str(label: &str, text: &str) -> Result<Demand> {
        let root: Value = crate::input::parse_json(
            label,
            text.strip_prefix('\u{feff}').unwrap_or(text),
            "check the JSON syntax at that position (JSON has no NaN, Infinity, comments or trailing commas)",
        )?;
        let mut issues = Issues::new();
        let Value::Object(top) = &root else {
            issues.push(
                Location::file(label),
                "a JSON object {\"assumption\": …, \"demand\": [...]}",
                describe(&root),
                "",
            );
            return issues.into_result(Demand::default());
        };
        unknown_top_fields(label, top, &mut issues);
        let assumption = read_assumption(label, top, &mut issues);
        let nodes = read_nodes(label, top, &mut issues);
        issues.into_result(Demand {
            source: label.to_string(),
            nodes,
            assumption,
        })
    }

    /// Reads, parses and validates a demand file.
    pub fn load(path: &Path) -> Result<Demand> {
        let text = crate::input::read_text(path)?;
        Demand::from_json_str(&path.display().to_string(), &text)
    }

    /// The embedded default demand (`data/jp.json`).
    pub fn embedded() -> Result<Demand> {
        Demand::from_json_str("<embedded>/jp.json", include_str!("../../data/jp.json"))
    }

    /// Total IT load over all nodes, MW.
    pub fn total_it_load_mw(&self) -> f64 {
        self.nodes.iter().map(|n| n.it_load_mw).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Demand::from_json_str("jp.json", text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults_and_fields() {
        let d = Demand::from_json_str(
            "jp.json",
            r#"{"assumption": "x", "demand": [
                {"id": "tokyo", "name": "Tokyo", "lon": 139.69, "lat": 35.69, "it_load_mw": 400, "max_rtt_ms": 130, "workload": "training", "min_sites": 2},
                {"id": "osaka", "lon": 135.5, "lat": 34.7, "it_load_mw": 100.5, "max_rtt_ms": 120}]}"#,
        )
        .unwrap();
        assert_eq!(d.nodes.len(), 2);
        assert_eq!(d.assumption.as_deref(), Some("x"));
        assert_eq!(d.nodes[0].workload, Workload::Training);
        assert_eq!(d.nodes[0].min_sites, 2);
        assert_eq!(d.nodes[1].name, "osaka");
        assert_eq!(d.nodes[1].workload, Workload::Inference);
        assert_eq!(d.nodes[1].min_sites, 1);
        assert!((d.total_it_load_mw() - 500.5).abs() < 1e-9);
    }

    #[test]
    fn negative_mw_message() {
        let e = err(r#"{"demand": [
              {"id": "a", "lon": 139, "lat": 35, "it_load_mw": 1, "max_rtt_ms": 1},
              {"id": "b", "lon": 139, "lat": 35, "it_load_mw": 1, "max_rtt_ms": 1},
              {"id": "osaka", "name": "Osaka", "lon": 135.5, "lat": 34.7, "it_load_mw": -5, "max_rtt_ms": 120}]}"#);
        assert!(
            e.contains(
                "jp.json: demand[2] \"Osaka\": field `it_load_mw`: expected a number > 0 and ≤ 1000000, found -5"
            ),
            "{e}"
        );
    }

    #[test]
    fn swapped_duplicate_unknown_truncated() {
        let e = err(
            r#"{"demand": [{"id": "a", "lon": 35.69, "lat": 139.69, "it_load_mw": 1, "max_rtt_ms": 1}]}"#,
        );
        assert!(e.contains("swapped"), "{e}");
        let e = err(
            r#"{"demand": [{"id": "a", "lon": 139, "lat": 35, "it_load_mw": 1, "max_rtt_ms": 1},
                           {"id": "a", "lon": 139, "lat": 35, "it_load_mw": 1, "max_rtt_ms": 1}]}"#,
        );
        assert!(e.contains("demand[1] \"a\": field `id`"), "{e}");
        let e = err(
            r#"{"demand": [{"id": "a", "lon": 139, "lat": 35, "load_mw": 1, "max_rtt_ms": 0, "workload": "gaming"}]}"#,
        );
        assert!(e.contains("unknown field `load_mw`"), "{e}");
        assert!(e.contains("field `it_load_mw`: expected a number"), "{e}");
        assert!(
            e.contains("field `max_rtt_ms`: expected a number > 0 and ≤ 10000, found 0"),
            "{e}"
        );
        assert!(e.contains("field `workload`"), "{e}");
        let e = err(r#"{"demand": [{"id": "a", "lon": 139"#);
        assert!(e.contains("line 1, column"), "{e}");
        assert!(e.contains("truncated"), "{e}");
        let e = err(r#"{"demand": [{"id": "a", "lon": NaN}]}"#);
        assert!(e.contains("cannot parse"), "{e}");
        assert!(e.contains("NaN"), "{e}");
        assert!(err(r#"{"demand": []}"#).contains("at least one demand node"));
    }
}

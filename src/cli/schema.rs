//! `sitefind schema [NAME]`: the JSON Schema (2020-12) of each JSON output, shipped in the
//! repository (`src/schema/*.schema.json`, the report's in `src/report/report.schema.json`)
//! and compiled into the binary; and [`to_json`], which every JSON output goes through: it
//! stamps the output's `schema_version` and rounds its numbers
//! ([`sitefind::report::format::round_json`]).

use super::SchemaArgs;
use serde::Serialize;
use sitefind::{Error, Result};
use std::io::Write;

/// One JSON output and its schema.
pub struct Schema {
    /// The name given to `sitefind schema`.
    pub name: &'static str,
    /// What writes it.
    pub output: &'static str,
    /// Its path in the repository.
    pub path: &'static str,
    /// The schema's text.
    pub text: &'static str,
    /// The `schema_version` the output carries (the schema's `const`).
    pub version: &'static str,
}

/// Every JSON output's schema, by name.
pub const SCHEMAS: &[Schema] = &[
    Schema {
        name: "solve",
        output: "the report: `solve --format json`, `--report FILE`",
        path: "src/report/report.schema.json",
        text: include_str!("../report/report.schema.json"),
        version: sitefind::report::SCHEMA_VERSION,
    },
    Schema {
        name: "supply",
        output: "`supply --format json`",
        path: "src/schema/supply.schema.json",
        text: include_str!("../schema/supply.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "latency",
        output: "`latency --format json`",
        path: "src/schema/latency.schema.json",
        text: include_str!("../schema/latency.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "candidates",
        output: "`candidates --format json`",
        path: "src/schema/candidates.schema.json",
        text: include_str!("../schema/candidates.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "calibrate",
        output: "`calibrate --format json`",
        path: "src/schema/calibrate.schema.json",
        text: include_str!("../schema/calibrate.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "cflp",
        output: "`cflp FILE --format json`",
        path: "src/schema/cflp.schema.json",
        text: include_str!("../schema/cflp.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "validate",
        output: "`validate --format json`",
        path: "src/schema/validate.schema.json",
        text: include_str!("../schema/validate.schema.json"),
        version: "1.0.0",
    },
    Schema {
        name: "sweep",
        output: "the sweep summary: `sweep --format json` and `--out DIR/summary.json`",
        path: "src/schema/sweep-summary.schema.json",
        text: include_str!("../schema/sweep-summary.schema.json"),
        version: "1.1.0",
    },
    Schema {
        name: "problem",
        output: "the siting MIP: `solve --export-problem FILE` (exact numbers)",
        path: "src/schema/problem.schema.json",
        text: include_str!("../schema/problem.schema.json"),
        version: "2.0.0",
    },
    Schema {
        name: "sweep-meta",
        output: "a sweep's `--out DIR/meta.json`",
        path: "src/schema/sweep-meta.schema.json",
        text: include_str!("../schema/sweep-meta.schema.json"),
        version: "1.1.0",
    },
];

/// The schema named `name`.
pub fn find(name: &str) -> Result<&'static Schema> {
    SCHEMAS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = SCHEMAS.iter().map(|s| s.name).collect();
            Error::usage(
                format!("schema: no JSON output named `{name}`"),
                format!("use one of: {}", names.join(", ")),
            )
        })
}

/// `value` as the pretty JSON text of the output `name`: `schema_version` added as a member
/// (a JSON array is first wrapped as `{"items": [...]}` by the caller), every number rounded
/// by its unit except inside the members named in `verbatim`; ends with a newline.
pub fn to_json<T: Serialize>(name: &str, value: &T, verbatim: &[&str]) -> Result<String> {
    let schema = find(name)?;
    let mut v = serde_json::to_value(value)
        .map_err(|e| Error::Internal(format!("serialising the {name} JSON: {e}")))?;
    let serde_json::Value::Object(map) = &mut v else {
        return Err(Error::Internal(format!("the {name} JSON is not an object")));
    };
    map.insert(
        "schema_version".into(),
        serde_json::Value::String(schema.version.into()),
    );
    sitefind::report::format::round_json(&mut v, verbatim);
    let mut text = serde_json::to_string_pretty(&v)
        .map_err(|e| Error::Internal(format!("serialising the {name} JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// `value` as the pretty JSON text of the output `name` with its `schema_version` added, every
/// number exact (the exported problem: other tools solve it again); ends with a newline.
pub fn to_json_exact<T: Serialize>(name: &str, value: &T) -> Result<String> {
    let schema = find(name)?;
    let mut v = serde_json::to_value(value)
        .map_err(|e| Error::Internal(format!("serialising the {name} JSON: {e}")))?;
    let serde_json::Value::Object(map) = &mut v else {
        return Err(Error::Internal(format!("the {name} JSON is not an object")));
    };
    map.insert(
        "schema_version".into(),
        serde_json::Value::String(schema.version.into()),
    );
    let mut text = serde_json::to_string_pretty(&v)
        .map_err(|e| Error::Internal(format!("serialising the {name} JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// Runs `sitefind schema [NAME]`: prints the schema, or without a name the list of names.
pub fn run(args: &SchemaArgs, out: &mut dyn Write) -> Result<()> {
    let w = |e| Error::write("<stdout>", e);
    match &args.name {
        Some(name) => out.write_all(find(name)?.text.as_bytes()).map_err(w),
        None => {
            for s in SCHEMAS {
                writeln!(out, "{:<11} {:<38} {}", s.name, s.path, s.output).map_err(w)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_parses_and_pins_its_version() {
        for s in SCHEMAS {
            let v: serde_json::Value = serde_json::from_str(s.text).unwrap();
            assert_eq!(
                v["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{}",
                s.name
            );
            let sv = &v["properties"]["schema_version"];
            let pinned = sv["const"].as_str().map(str::to_string).or_else(|| {
                // The report's schema admits every minor version of its major one.
                sv["pattern"].as_str().map(|p| p.to_string())
            });
            let pinned = pinned.unwrap_or_default();
            assert!(
                pinned == s.version || pinned.starts_with(&format!("^{}\\.", &s.version[..1])),
                "{}: schema_version {pinned} vs {}",
                s.name,
                s.version
            );
            assert!(v["required"]
                .as_array()
                .unwrap()
                .contains(&"schema_version".into()));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_valid_ones() {
        let e = find("nosuch").err().unwrap().to_string();
        assert!(e.contains("solve") && e.contains("sweep-meta"), "{e}");
    }

    #[test]
    fn to_json_stamps_the_version_and_rounds() {
        let text = to_json(
            "latency",
            &serde_json::json!({"rtt_ms": 106.649_07, "parameters": {"x_ms": 1.234_56}}),
            &["parameters"],
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema_version"], "1.0.0");
        assert_eq!(v["rtt_ms"], 106.65);
        assert_eq!(v["parameters"]["x_ms"], 1.234_56);
    }
}

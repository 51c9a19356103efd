//! Dataset manifest, sitefind's own CSV formats, the demand file, validation and
//! `sitefind validate`: good inputs load with the expected records, each kind of bad input
//! gives its own clear error (file, record, field, hint) and exit code 1, never a panic.

use crate::common;
use sitefind::data::{Dataset, Demand, LayerFormat, Manifest, Workload};
use std::path::PathBuf;
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    common::repo().join("tests/fixtures").join(rel)
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn sitefind(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::sitefind_bin())
        .args(args)
        .current_dir(common::repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `sitefind validate` on a bad input and returns stderr after checking exit code 1,
/// no panic and no `ok` on stdout.
fn validate_fails(args: &[&str]) -> String {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = sitefind(&all);
    assert_eq!(code, 1, "stdout: {stdout}\nstderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stdout.contains("ok"), "{stdout}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn assert_has(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "missing {n:?} in:\n{haystack}");
    }
}

const VALID: &str = "tests/fixtures/valid/manifest.toml";
const VALID_DEMAND: &str = "tests/fixtures/valid/demand.json";

/// Parses the `layer count` lines printed by `sitefind validate`.
fn printed_counts(stdout: &str) -> Vec<(String, usize)> {
    stdout
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next()?;
            let n = parts.next()?.parse().ok()?;
            parts.next().is_none().then(|| (name.to_string(), n))
        })
        .collect()
}

#[test]
fn valid_fixture_loads_sorted_with_expected_records() {
    let ds = Dataset::load(&fixture("valid/manifest.toml")).unwrap();
    assert_eq!(
        ds.counts(),
        vec![
            ("zones", 3),
            ("substations", 4),
            ("lines", 2),
            ("minerals", 3),
            ("landings", 3),
            ("cables", 2),
            ("datacentres", 2),
            ("regions", 4),
            ("pops", 0),
            ("grid_groups", 0),
            ("region_limits", 0),
        ]
    );
    let ids = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        ds.zones.iter().map(|z| z.id.clone()).collect::<Vec<_>>(),
        ids(vec!["N3", "Q4", "V6"])
    );
    // Both regions files, WEM only from the second (ids filter), sorted by id.
    assert_eq!(
        ds.regions.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        ids(vec!["NSW1", "QLD1", "VIC1", "WEM"])
    );
    assert_eq!(ds.regions[0].states, ids(vec!["NSW", "ACT"]));
    assert_eq!(
        ds.lines.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
        ids(vec!["line-0", "line-1"])
    );
    assert_eq!(ds.lines[1].path.len(), 3);
    let n3 = &ds.zones[0];
    assert_eq!(n3.network_limit_mw, None);
    assert_eq!(n3.expansion_cost_tranche2_aud_per_mw, Some(450_000.0));
    assert_eq!(n3.tranche2_after_mw, Some(1000.0));
    assert_eq!(n3.wind_capacity_factor, None);
    assert_eq!(n3.centre.lon, 149.0);
    assert_eq!(n3.centre.lat, -32.2);
    let moorabool = ds
        .substations
        .iter()
        .find(|s| s.id == "sub-moorabool")
        .unwrap();
    assert!(!moorabool.operational);
    assert_eq!(moorabool.voltage_kv, 500.0);
    let apple = ds.substations.iter().find(|s| s.id == "sub-apple").unwrap();
    assert_eq!(apple.spare_mw, Some(15.5));
    assert!(apple.operational);
    let jga = ds.cables.iter().find(|c| c.id == "jga").unwrap();
    assert_eq!(jga.segments.len(), 2);
    assert_eq!(jga.segments[0].from, "sydney");
    assert_eq!(jga.segments[0].to, "piti");
    assert_eq!(jga.segments[0].length_km, 7081.0);
    assert_eq!(jga.length_km, Some(9681.0));
    let future = ds.cables.iter().find(|c| c.id == "future").unwrap();
    assert!(future.planned);
    assert_eq!(future.length_km, None);
    assert!(future.segments.is_empty());
    assert_eq!(ds.minerals.iter().filter(|m| m.is_critical()).count(), 2);
    assert!(ds.source.ends_with("valid/manifest.toml"));

    let m = Manifest::load(&fixture("valid/manifest.toml")).unwrap();
    assert_eq!(m.layer("regions").len(), 2);
    assert_eq!(m.layer("zones")[0].spec.format, LayerFormat::SitefindCsv);
}

#[test]
fn valid_demand_fixture_loads() {
    let d = Demand::load(&fixture("valid/demand.json")).unwrap();
    assert_eq!(d.nodes.len(), 2);
    assert_eq!(d.nodes[0].id, "tokyo");
    assert_eq!(d.nodes[0].min_sites, 2);
    assert_eq!(d.nodes[1].workload, Workload::Training);
    assert_eq!(d.nodes[1].min_sites, 1);
    assert!((d.total_it_load_mw() - 550.5).abs() < 1e-9);
}

#[test]
fn cli_validate_prints_counts_demand_and_ok() {
    let (code, stdout, stderr) = sitefind(&["validate", "--data", VALID, "--demand", VALID_DEMAND]);
    assert_eq!(code, 0, "{stderr}");
    let ds = Dataset::load(&fixture("valid/manifest.toml")).unwrap();
    let printed = printed_counts(&stdout);
    for (layer, n) in ds.counts() {
        assert!(
            printed.contains(&(layer.to_string(), n)),
            "{layer} {n} not printed:\n{stdout}"
        );
    }
    assert!(stdout.contains("demand nodes"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("demand nodes") && l.ends_with(" 2")),
        "{stdout}"
    );
    assert!(stdout.contains("550.5"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("ok"));
}

#[test]
fn truncated_json_names_line_column_and_hint() {
    let e = validate_fails(&[
        "--data",
        VALID,
        "--demand",
        "tests/fixtures/bad/truncated.json",
    ]);
    assert_has(
        &e,
        &[
            "truncated.json: line 3, column",
            "cannot parse",
            "EOF",
            "hint: the file ends early (truncated?)",
        ],
    );
}

#[test]
fn negative_mw_names_record_and_field() {
    let e = validate_fails(&[
        "--data",
        VALID,
        "--demand",
        "tests/fixtures/bad/negative_mw.json",
    ]);
    assert_has(
        &e,
        &["negative_mw.json: demand[2] \"Osaka\": field `it_load_mw`: expected a number > 0 and ≤ 1000000, found -5"],
    );
}

#[test]
fn swapped_demand_lon_lat_hint() {
    let e = validate_fails(&[
        "--data",
        VALID,
        "--demand",
        "tests/fixtures/bad/swapped.json",
    ]);
    assert_has(
        &e,
        &[
            "swapped.json: demand[0] \"Sapporo\": field `lon/lat`",
            "expected a position in Japan",
            "lon/lat look swapped",
        ],
    );
}

#[test]
fn nan_in_csv_names_line_id_column_and_hint() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/nan.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "nan_zones.csv: line 3 \"N3\": field `network_limit_mw`: expected a finite number, found `NaN`",
            "hint: NaN and infinities are not allowed",
        ],
    );
}

#[test]
fn swapped_substation_lon_lat_hint() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/swapped.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "swapped_substations.csv: line 3 \"sub-calvale\": field `lon/lat`",
            "found lon -24.35, lat 150.45",
            "lon/lat look swapped",
        ],
    );
}

#[test]
fn negative_network_limit_names_field() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/negative_limit.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &["negative_zones.csv: line 3 \"N3\": field `network_limit_mw`: expected a number ≥ 0, found -250"],
    );
}

#[test]
fn duplicate_id_names_both_records() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/duplicate_id.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "duplicate_minerals.csv: line 4 \"min-greenbushes\": field `id`: expected an id unique within the minerals layer",
            "already used by",
            "duplicate_minerals.csv line 2",
        ],
    );
}

#[test]
fn unknown_landing_id_names_cable_and_landing() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/unknown_landing.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "unknown_landing_cables.csv: line 3 \"ajc\": field `landing_ids`",
            "unknown landing id `shima` in cable `ajc`",
            "hint: add the landing station",
        ],
    );
}

#[test]
fn missing_column_names_column_and_header() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/missing_column.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "missing_column_landings.csv: line 1 (header): field `lat`",
            "found the header `id,name,lon,country,source`",
            "hint: the columns of this file are id,name,lon,lat,country",
        ],
    );
}

#[test]
fn missing_file_names_path_and_hint() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/missing_file.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &["does_not_exist.csv: reading:", "hint: check the path; relative paths in a manifest are relative to the manifest's folder"],
    );
    let e = validate_fails(&["--data", "tests/fixtures/bad/no_such_manifest.toml"]);
    assert_has(&e, &["no_such_manifest.toml: reading:"]);
    let e = validate_fails(&[
        "--data",
        VALID,
        "--demand",
        "tests/fixtures/bad/no_such_demand.json",
    ]);
    assert_has(&e, &["no_such_demand.json: reading:"]);
}

#[test]
fn unknown_format_lists_expected_formats() {
    let e = validate_fails(&[
        "--data",
        "tests/fixtures/bad/unknown_format.toml",
        "--demand",
        VALID_DEMAND,
    ]);
    assert_has(
        &e,
        &[
            "unknown_format.toml: [minerals]: field `format`: expected one of sitefind-csv, ga-geojson, ga-csv, aemo-iasr-csv, telegeography-geojson, telegeography-csv, dcmap-csv, opennem-annual-csv, found `shapefile`",
            "hint: for minerals use one of sitefind-csv, ga-csv",
        ],
    );
}

#[test]
fn embedded_dataset_loads_and_counts_match() {
    let ds = Dataset::embedded().unwrap();
    let demand = Demand::embedded().unwrap();
    let (code, stdout, stderr) = sitefind(&["validate"]);
    assert_eq!(code, 0, "{stderr}");
    let printed = printed_counts(&stdout);
    for (layer, n) in ds.counts() {
        assert!(
            printed.contains(&(layer.to_string(), n)),
            "{layer} {n} not printed:\n{stdout}"
        );
    }
    assert!(ds.zones.len() >= 47, "{} zones", ds.zones.len());
    assert!(ds.minerals.len() >= 50, "{} minerals", ds.minerals.len());
    assert!(demand.nodes.len() >= 5);
    for city in ["tokyo", "osaka", "nagoya", "fukuoka", "sapporo"] {
        assert!(demand.nodes.iter().any(|n| n.id == city), "{city} missing");
    }
    assert!(ds.zones.windows(2).all(|w| w[0].id < w[1].id));
}

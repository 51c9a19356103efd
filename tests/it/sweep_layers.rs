//! Issue 28 item 7: a sweep's site selection frequency as a `site_frequency` Point layer in a
//! GeoPackage, a FlatGeobuf file and GeoJSON (`sitefind sweep FILE --gpkg/--fgb/--geojson`,
//! and the same from `sitefind sweep merge`). The layer is read back with SQLite, the
//! FlatGeobuf reader and serde_json and compared with counts and means recomputed here from
//! the rows (`rows.jsonl`) and the summary's per-sample plans; GDAL opens it when installed.

use crate::common::{repo, sitefind_bin};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The README's small grid sweep: 3 limits × 2 CFE targets, 6 samples, a few seconds.
const SWEEP: &str = "data/sweeps/pareto_small.toml";

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(sitefind_bin())
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What the test expects of one feature, recomputed from the rows.
#[derive(Debug, Default)]
struct Expected {
    opened: usize,
    built_mw: Vec<f64>,
    cost_aud_per_yr: Vec<f64>,
    rtt_ms: Vec<f64>,
    rtt_p95_ms: Vec<f64>,
    cities: BTreeSet<String>,
    lon_lat: (f64, f64),
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn round(x: f64, d: i32) -> f64 {
    let k = 10f64.powi(d);
    (x * k).round() / k
}

/// The demand of every city (MW) of the embedded demand file.
fn demand_mw() -> BTreeMap<String, f64> {
    let d: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("data/jp.json")).unwrap())
            .unwrap();
    d["demand"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_string(),
                n["it_load_mw"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Per-site expectations from the rows, after checking each solved row's site details against
/// the model: every city's demand is served (sites + unserved), a site serves no more than it
/// builds, every allocation's P95 RTT is within the sample's limit (the limit statistic is the
/// P95) and the worst of them is the row's worst RTT, and the sites' costs add up to no more
/// than the sample's optimum.
fn expected_from_rows(rows: &[Value]) -> (BTreeMap<String, Expected>, usize) {
    let demand = demand_mw();
    let mut by_site: BTreeMap<String, Expected> = BTreeMap::new();
    let mut solved = 0;
    for r in rows {
        let Some(cost) = r["cost_aud_per_yr"].as_f64() else {
            continue;
        };
        solved += 1;
        let limit = r["values"]["model.max_rtt_ms"].as_f64().unwrap();
        let sites = r["sites"].as_array().unwrap();
        let ids: Vec<&str> = sites.iter().map(|s| s["id"].as_str().unwrap()).collect();
        let open: Vec<&str> = r["open_sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(ids, open, "sample {}: sites = open_sites", r["sample"]);
        let mut served: BTreeMap<String, f64> = BTreeMap::new();
        let (mut site_costs, mut worst) = (0.0, 0.0f64);
        for s in sites {
            let e = by_site
                .entry(s["id"].as_str().unwrap().to_string())
                .or_default();
            e.opened += 1;
            let built = s["built_mw"].as_f64().unwrap();
            e.built_mw.push(built);
            e.cost_aud_per_yr
                .push(s["cost_aud_per_yr"].as_f64().unwrap());
            site_costs += s["cost_aud_per_yr"].as_f64().unwrap();
            e.lon_lat = (
                s["location"]["lon"].as_f64().unwrap(),
                s["location"]["lat"].as_f64().unwrap(),
            );
            let mut load = 0.0;
            for c in s["serves"].as_array().unwrap() {
                let (mw, p50, p95) = (
                    c["mw"].as_f64().unwrap(),
                    c["rtt_ms"].as_f64().unwrap(),
                    c["rtt_p95_ms"].as_f64().unwrap(),
                );
                assert!(p50 < p95, "median {p50} below P95 {p95}");
                assert!(p95 <= limit + 1e-9, "P95 {p95} ms above the limit {limit}");
                worst = worst.max(p95);
                load += mw;
                e.rtt_ms.push(p50);
                e.rtt_p95_ms.push(p95);
                let city = c["city_id"].as_str().unwrap().to_string();
                *served.entry(city.clone()).or_default() += mw;
                e.cities.insert(city);
            }
            assert!(
                load <= built + 1e-6,
                "serves {load} MW from {built} MW built"
            );
        }
        let unserved = r["unserved_mw"].as_f64().unwrap();
        let total: f64 = demand.values().sum();
        let got: f64 = served.values().sum::<f64>() + unserved;
        assert!((got - total).abs() < 1e-6 * total, "{got} MW vs {total}");
        for (city, mw) in &served {
            assert!(*mw <= demand[city] + 1e-6, "{city}: {mw} MW");
        }
        let row_worst = r["worst_rtt_ms"].as_f64().unwrap();
        assert!((worst - row_worst).abs() < 1e-9, "{worst} vs {row_worst}");
        assert!(site_costs <= cost * (1.0 + 1e-12), "{site_costs} > {cost}");
    }
    (by_site, solved)
}

/// How often each site is optimal, counted from the summary's distinct optimal plans.
fn counts_from_plans(summary: &Value) -> BTreeMap<String, usize> {
    let mut n: BTreeMap<String, usize> = BTreeMap::new();
    for plan in summary["optimal_plans"].as_array().unwrap() {
        let times = plan[1].as_u64().unwrap() as usize;
        for s in plan[0].as_array().unwrap() {
            *n.entry(s.as_str().unwrap().to_string()).or_default() += times;
        }
    }
    n
}

/// One feature as read back: (lon, lat) and its properties as JSON.
type Feature = ((f64, f64), BTreeMap<String, Value>);

fn read_gpkg(path: &Path) -> Vec<Feature> {
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let app: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x4750_4B47, "GPKG application_id");
    let (kind, srs): (String, i64) = db
        .query_row(
            "SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = 'site_frequency'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((kind.as_str(), srs), ("features", 4326));
    let geom: String = db
        .query_row(
            "SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = 'site_frequency'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(geom, "POINT");
    let mut stmt = db
        .prepare("SELECT * FROM site_frequency ORDER BY fid")
        .unwrap();
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let rows = stmt
        .query_map([], |row| {
            let mut props = BTreeMap::new();
            let mut at = (f64::NAN, f64::NAN);
            for (k, name) in names.iter().enumerate() {
                use rusqlite::types::ValueRef as V;
                let v = match row.get_ref(k)? {
                    V::Null => Value::Null,
                    V::Integer(i) => Value::from(i),
                    V::Real(x) => Value::from(x),
                    V::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                    V::Blob(b) => {
                        // GeoPackageBinary: "GP", version, flags (no envelope), SRS id, WKB point.
                        assert_eq!(&b[..4], &[b'G', b'P', 0, 1]);
                        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 4326);
                        assert_eq!(&b[8..13], &[1, 1, 0, 0, 0], "little-endian WKB Point");
                        at = (
                            f64::from_le_bytes(b[13..21].try_into().unwrap()),
                            f64::from_le_bytes(b[21..29].try_into().unwrap()),
                        );
                        continue;
                    }
                };
                if name != "fid" {
                    props.insert(name.clone(), v);
                }
            }
            Ok((at, props))
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn read_fgb(path: &Path) -> Vec<Feature> {
    use flatgeobuf::{FallibleStreamingIterator, FeatureProperties, FgbReader, GeometryType};
    let mut file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let reader = FgbReader::open(&mut file).unwrap();
    let header = reader.header();
    assert_eq!(header.name(), Some("site_frequency"));
    assert_eq!(header.geometry_type(), GeometryType::Point);
    assert_eq!(header.crs().map(|c| c.code()), Some(4326));
    let columns: Vec<(String, flatgeobuf::ColumnType)> = header
        .columns()
        .unwrap()
        .iter()
        .map(|c| (c.name().to_string(), c.type_()))
        .collect();
    let mut it = reader.select_all().unwrap();
    let mut out = Vec::new();
    while let Some(f) = it.next().unwrap() {
        let xy = f.geometry().unwrap().xy().unwrap();
        let mut props = BTreeMap::new();
        for (name, ty) in &columns {
            let v = match *ty {
                flatgeobuf::ColumnType::String => f.property::<String>(name).map(Value::from),
                flatgeobuf::ColumnType::Long => f.property::<i64>(name).map(Value::from),
                flatgeobuf::ColumnType::Double => f.property::<f64>(name).map(Value::from),
                flatgeobuf::ColumnType::Bool => f.property::<bool>(name).map(Value::from),
                other => panic!("{name}: unexpected column type {other:?}"),
            };
            props.insert(name.clone(), v.unwrap_or(Value::Null));
        }
        out.push(((xy.get(0), xy.get(1)), props));
    }
    out
}

fn read_geojson(path: &Path) -> Vec<Feature> {
    let fc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(fc.get("crs").is_none(), "RFC 7946 has no crs member");
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["geometry"]["type"], "Point");
            let c = &f["geometry"]["coordinates"];
            let props = f["properties"].as_object().unwrap();
            (
                (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()),
                props.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            )
        })
        .collect()
}

/// The feature's values against the rows (what the layer must say) and the summary.
fn check_features(what: &str, features: &[Feature], rows: &[Value], summary: &Value) {
    let (expected, solved) = expected_from_rows(rows);
    let from_plans = counts_from_plans(summary);
    assert_eq!(
        features.len(),
        expected.len(),
        "{what}: one feature per site"
    );
    assert_eq!(features.len(), from_plans.len(), "{what}");
    let order: Vec<&str> = summary["site_frequency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for (k, ((lon, lat), p)) in features.iter().enumerate() {
        let id = p["id"].as_str().unwrap();
        assert_eq!(id, order[k], "{what}: the summary's order");
        let e = &expected[id];
        let at = |x: f64| round(x, 7);
        assert_eq!(
            (at(*lon), at(*lat)),
            (at(e.lon_lat.0), at(e.lon_lat.1)),
            "{what} {id}: lon, lat"
        );
        assert!(*lon > 110.0 && *lat < 0.0, "{what} {id}: lon/lat order");
        let int = |k: &str| {
            p[k].as_i64()
                .unwrap_or_else(|| panic!("{what} {id} {k}: {:?}", p[k]))
        };
        let real = |k: &str| p[k].as_f64().unwrap();
        assert_eq!(int("samples_opened") as usize, e.opened, "{what} {id}");
        assert_eq!(
            int("samples_opened") as usize,
            from_plans[id],
            "{what} {id}"
        );
        assert_eq!(int("samples_solved") as usize, solved, "{what} {id}");
        assert_eq!(
            real("share"),
            round(e.opened as f64 / solved as f64, 4),
            "{what} {id}"
        );
        assert_eq!(
            real("mean_built_mw"),
            round(mean(&e.built_mw), 3),
            "{what} {id}"
        );
        assert_eq!(
            int("mean_cost_aud_per_yr"),
            mean(&e.cost_aud_per_yr).round() as i64
        );
        assert_eq!(
            real("mean_rtt_ms"),
            round(mean(&e.rtt_ms), 2),
            "{what} {id}"
        );
        assert_eq!(
            real("mean_rtt_p95_ms"),
            round(mean(&e.rtt_p95_ms), 2),
            "{what} {id}"
        );
        let worst = e.rtt_p95_ms.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!(real("max_rtt_p95_ms"), round(worst, 2), "{what} {id}");
        let cities: Vec<&str> = e.cities.iter().map(String::as_str).collect();
        assert_eq!(p["cities_served"].as_str().unwrap(), cities.join(";"));
        // A site outside every REZ (e.g. a Brisbane data centre on a regional portfolio) has
        // no zone.
        assert!(
            (p["zone_id"].is_string() || p["zone_id"].is_null()) && p["region_id"].is_string(),
            "{what} {id}"
        );
        let in_base = p["in_base_plan"]
            .as_bool()
            .or(p["in_base_plan"].as_i64().map(|b| b == 1));
        let base: Vec<&str> = summary["regret"][0]["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(in_base, Some(base.contains(&id)), "{what} {id}");
    }
}

/// `ogrinfo -so` of the layer: the feature count and the field types, or `None` without GDAL.
fn ogr_fields(path: &Path) -> Option<(usize, BTreeMap<String, String>)> {
    let Ok(out) = Command::new("ogrinfo")
        .args(["-ro", "-so"])
        .arg(path)
        .arg("site_frequency")
        .output()
    else {
        eprintln!("skipped the GDAL check: ogrinfo (gdal-bin) is not installed");
        return None;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut count = usize::MAX;
    let mut fields = BTreeMap::new();
    for line in s.lines() {
        if let Some(c) = line.strip_prefix("Feature Count: ") {
            count = c.trim().parse().unwrap();
        } else if let Some((name, ty)) = line.split_once(": ") {
            if let Some(ty) = ty.strip_suffix(" (0.0)") {
                fields.insert(name.to_string(), ty.to_string());
            }
        }
    }
    Some((count, fields))
}

fn files(dir: &Path, tag: &str) -> [PathBuf; 3] {
    [
        dir.join(format!("{tag}.gpkg")),
        dir.join(format!("{tag}.fgb")),
        dir.join(format!("{tag}.geojson")),
    ]
}

fn gis_args(f: &[PathBuf; 3]) -> Vec<&std::ffi::OsStr> {
    vec![
        "--gpkg".as_ref(),
        f[0].as_os_str(),
        "--fgb".as_ref(),
        f[1].as_os_str(),
        "--geojson".as_ref(),
        f[2].as_os_str(),
    ]
}

#[test]
fn sweep_site_frequency_layer_in_gpkg_fgb_and_geojson_matches_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let whole = files(dir.path(), "whole");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "sweep".as_ref(),
        SWEEP.as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(gis_args(&whole));
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    // The summary on stdout: lines within 120 columns, money in words (A$2.43 B), the Pareto
    // front's steps from its cheapest point.
    let text = String::from_utf8_lossy(&o.stdout);
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
        assert!(!line.contains("e9") && !line.contains("e8"), "{line}");
    }
    assert!(text.contains("OPTIMAL COST  P10 A$2."), "{text}");
    assert!(text.contains(" B "), "{text}");
    let rows: Vec<Value> = std::fs::read_to_string(out.join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(rows.len(), 6);
    // The Pareto front is printed from its cheapest point (+A$0) when it has more than one
    // point (with the embedded traces the cheapest sample is also the fastest: one point).
    let front = summary["pareto"].as_array().map_or(0, Vec::len);
    assert!(front >= 1, "{summary}");
    assert_eq!(text.contains("PARETO FRONT"), front > 1, "{text}");
    assert_eq!(text.contains("(+A$0)"), front > 1, "{text}");
    check_features("gpkg", &read_gpkg(&whole[0]), &rows, &summary);
    // FlatGeobuf's packed R-tree stores the features in Hilbert order: put them back in the
    // summary's order.
    let rank: BTreeMap<String, usize> = summary["site_frequency"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(k, f)| (f["id"].as_str().unwrap().to_string(), k))
        .collect();
    let mut fgb = read_fgb(&whole[1]);
    fgb.sort_by_key(|(_, p)| rank[p["id"].as_str().unwrap()]);
    check_features("fgb", &fgb, &rows, &summary);
    check_features("geojson", &read_geojson(&whole[2]), &rows, &summary);

    // The same layer from one shard merged: the same bytes (deterministic, a function of the
    // rows only).
    let shard = dir.path().join("shard");
    let o = run(&[
        "sweep".as_ref(),
        SWEEP.as_ref(),
        "-q".as_ref(),
        "--shard".as_ref(),
        "1/1".as_ref(),
        "--out".as_ref(),
        shard.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let merged = files(dir.path(), "merged");
    let merged_out = dir.path().join("merged_out");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "sweep".as_ref(),
        "merge".as_ref(),
        shard.as_os_str(),
        "-q".as_ref(),
        "--out".as_ref(),
        merged_out.as_os_str(),
    ];
    args.extend(gis_args(&merged));
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    for (a, b) in whole.iter().zip(&merged) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} and {} differ",
            a.display(),
            b.display()
        );
    }

    // GDAL reads both files with the money as Integer64, and converts them to a Shapefile.
    for path in &whole[..2] {
        let Some((count, fields)) = ogr_fields(path) else {
            return;
        };
        assert_eq!(count, summary["site_frequency"].as_array().unwrap().len());
        for (f, ty) in [
            ("samples_opened", "Integer64"),
            ("share", "Real"),
            ("mean_built_mw", "Real"),
            ("mean_cost_aud_per_yr", "Integer64"),
            ("mean_rtt_p95_ms", "Real"),
            ("in_base_plan", "Integer(Boolean)"),
        ] {
            assert_eq!(
                fields.get(f).map(String::as_str),
                Some(ty),
                "{} {f}",
                path.display()
            );
        }
        let shp = dir.path().join("sf.shp");
        let _ = std::fs::remove_file(&shp);
        let o = Command::new("ogr2ogr")
            .args(["-f", "ESRI Shapefile", "-overwrite"])
            .arg(&shp)
            .arg(path)
            .arg("site_frequency")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && !err.contains("not successfully written"),
            "{err}"
        );
    }
}

#[test]
fn sweep_gis_outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("folder.gpkg")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("folder.gpkg"), d.join("link.fgb")).unwrap();
    let p = |name: &str| d.join(name).display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--gpkg".into(), p("folder.gpkg")], "is a directory"),
        (
            vec!["--fgb".into(), p("layer.txt")],
            "expected a file ending in .fgb",
        ),
        (vec!["--geojson".into(), "-".into()], "not to stdout"),
        (
            vec![
                "--gpkg".into(),
                p("a.gpkg"),
                "--shard".into(),
                "1/2".into(),
                "--out".into(),
                p("s"),
            ],
            "not with --shard",
        ),
        (vec!["--gpkg".into(), p("no/such/a.gpkg")], "does not exist"),
        #[cfg(unix)]
        (vec!["--fgb".into(), p("link.fgb")], "is a directory"),
    ];
    for (extra, msg) in cases {
        let mut args: Vec<&std::ffi::OsStr> = vec!["sweep".as_ref(), SWEEP.as_ref(), "-q".as_ref()];
        args.extend(extra.iter().map(std::ffi::OsStr::new));
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {err}");
        assert!(
            err.contains(msg) && err.contains("hint:"),
            "{extra:?}: {err}"
        );
        assert!(o.stdout.is_empty(), "{extra:?}: no summary");
    }
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["folder.gpkg", "link.fgb"], "nothing written");
    assert!(std::fs::read_dir(d.join("folder.gpkg"))
        .unwrap()
        .next()
        .is_none());
}

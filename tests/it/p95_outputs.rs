//! Issue 28 item 1 and its first target: the RTT a limit binds on (the P95 by default) stands
//! beside the median and the limit, with the limit's statistic named, in every output a reader
//! acts on: the text report, the GeoJSON, the allocations CSV and the GeoPackage's `routes` and
//! `cities` layers. The P95 values are checked against the limits the run applies (a P95 above
//! its limit, or a median shown as the P95, fails).

use crate::common::{repo, sitefind_bin};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

/// A `cities` row: id, worst median and P95 RTT, limit, statistic.
type CityRow = (String, Option<f64>, Option<f64>, f64, String);

#[test]
fn p95_stands_beside_every_limit_in_text_geojson_csv_and_gpkg() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let o = Command::new(sitefind_bin())
        .current_dir(repo())
        .arg("-q")
        .arg("--geojson")
        .arg(p("a.geojson"))
        .arg("--allocations")
        .arg(p("a.csv"))
        .arg("--gpkg")
        .arg(p("a.gpkg"))
        .arg("--report")
        .arg(p("r.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.json")).unwrap()).unwrap();
    // Each city's limit and statistic, from the report.
    let limits: BTreeMap<String, (f64, String)> = report["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["max_rtt_ms"].as_f64().unwrap(),
                    c["limit_statistic"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    assert!(limits.values().all(|(_, s)| s == "p95"), "{limits:?}");
    let within = |city: &str, p50: f64, p95: f64| {
        let (limit, _) = &limits[city];
        assert!(p50 < p95, "{city}: median {p50} vs P95 {p95}");
        assert!(
            p95 <= limit + 0.005,
            "{city}: P95 {p95} above the limit {limit}"
        );
    };

    // Text: the sites table says median / P95, every city row names the limit's statistic.
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("median / P95"), "{text}");
    for c in report["cities"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let row = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}"));
        assert!(row.contains("(p95)"), "{row}");
    }

    // GeoJSON: every route carries both RTTs.
    let fc: Value =
        serde_json::from_str(&std::fs::read_to_string(p("a.geojson")).unwrap()).unwrap();
    let mut routes = 0;
    for f in fc["features"].as_array().unwrap() {
        let q = &f["properties"];
        if let (Some(city), Some(p95)) = (q["city_id"].as_str(), q["rtt_p95_ms"].as_f64()) {
            if q["site_id"].is_string() {
                within(city, q["rtt_ms"].as_f64().unwrap(), p95);
                routes += 1;
            }
        }
    }
    assert!(routes > 0, "no route with rtt_p95_ms in the GeoJSON");

    // Allocations CSV.
    let csv = std::fs::read_to_string(p("a.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (c_city, c50, c95, cst) = (
        col("city_id"),
        col("rtt_ms"),
        col("rtt_p95_ms"),
        col("limit_statistic"),
    );
    let mut n = 0;
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[cst], "p95");
        within(
            cells[c_city],
            cells[c50].parse().unwrap(),
            cells[c95].parse().unwrap(),
        );
        n += 1;
    }
    assert_eq!(n, routes, "one CSV row per route");

    // GeoPackage: routes and cities.
    let db = rusqlite::Connection::open(p("a.gpkg")).unwrap();
    let mut stmt = db
        .prepare("SELECT city_id, rtt_ms, rtt_p95_ms, limit_ms, limit_statistic FROM routes")
        .unwrap();
    let rows: Vec<(String, f64, f64, f64, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), routes);
    for (city, p50, p95, limit, stat) in &rows {
        within(city, *p50, *p95);
        assert_eq!((*limit, stat.as_str()), (limits[city].0, "p95"));
    }
    let mut stmt = db
        .prepare(
            "SELECT id, worst_rtt_ms, worst_rtt_p95_ms, max_rtt_ms, limit_statistic FROM cities",
        )
        .unwrap();
    let cities: Vec<CityRow> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(cities.len(), limits.len());
    for (city, worst, worst95, limit, stat) in &cities {
        let (Some(w), Some(w95)) = (worst, worst95) else {
            continue;
        };
        // The worst P95 is the largest of the city's routes' P95.
        let most = rows
            .iter()
            .filter(|r| &r.0 == city)
            .map(|r| r.2)
            .fold(f64::MIN, f64::max);
        assert!((w95 - most).abs() < 0.006, "{city}: {w95} vs {most}");
        within(city, *w, *w95);
        assert_eq!((*limit, stat.as_str()), (limits[city].0, "p95"));
    }
}

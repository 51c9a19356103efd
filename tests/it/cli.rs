//! The main job end to end through the built binary: exit codes, the report's arithmetic,
//! golden reports, GeoJSON validity (also read by GDAL's ogrinfo), bad inputs, determinism.

use crate::common::{repo, sitefind_bin};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(sitefind_bin())
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// Compares two JSON documents: same structure, same strings, numbers within `rel`.
fn json_close(a: &Value, b: &Value, rel: f64, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if close(x, y, rel) {
                Ok(())
            } else {
                Err(format!("{path}: {x} != {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: length {} != {}", x.len(), y.len()));
            }
            for (k, (u, v)) in x.iter().zip(y).enumerate() {
                json_close(u, v, rel, &format!("{path}[{k}]"))?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            if kx != ky {
                return Err(format!("{path}: keys {kx:?} != {ky:?}"));
            }
            for (k, u) in x {
                json_close(u, &y[k], rel, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn main_job_on_embedded_data_serves_every_city_within_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let gj = dir.path().join("out.geojson");
    let map = dir.path().join("map.svg");
    let o = run(&[
        "--demand",
        "data/jp.json",
        "--report",
        report.to_str().unwrap(),
        "--geojson",
        gj.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    for want in [
        "CHOSEN SITES",
        "CITIES",
        "ANNUAL COST BY COMPONENT",
        "WHY THESE SITES",
        "solver: ",
        "check: feasible",
    ] {
        assert!(text.contains(want), "missing {want} in\n{text}");
    }
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["check"]["feasible"], Value::Bool(true));
    // Optimal, or stopped with the relative gap within the scenario's mip_gap.
    let status = r["solver"]["status"].as_str().unwrap();
    assert!(
        status == "optimal"
            || (status == "gap-limit" && f(&r["solver"]["gap"]) <= f(&r["solver"]["mip_gap"])),
        "{}",
        r["solver"]
    );
    // Every city fully served, each allocation within the city's limit.
    for c in r["cities"].as_array().unwrap() {
        assert!(close(f(&c["served_mw"]), f(&c["demand_mw"]), 1e-9), "{c}");
        assert!(f(&c["unserved_mw"]) < 1e-6);
        for a in c["served_by"].as_array().unwrap() {
            assert!(f(&a["rtt_ms"]) <= f(&c["max_rtt_ms"]) + 1e-9, "{a}");
        }
        let k = c["min_sites"].as_u64().unwrap() as usize;
        assert!(
            c["served_by"].as_array().unwrap().len() >= k,
            "redundancy {c}"
        );
    }
    // Totals equal the sum of parts, and the solver's objective equals the checker's.
    let parts = [
        "capex_aud_per_yr",
        "site_fixed_aud_per_yr",
        "grid_connection_aud_per_yr",
        "rez_expansion_aud_per_yr",
        "energy_aud_per_yr",
        "network_aud_per_yr",
        "network_charge_aud_per_yr",
    ];
    let t = &r["totals"]["cost"];
    // Money is rounded to A$1 per field: sums agree within A$1 per term.
    let sum: f64 = parts.iter().map(|p| f(&t[p])).sum();
    assert!((sum - f(&t["total_aud_per_yr"])).abs() <= 7.0);
    let sites = r["sites"].as_array().unwrap();
    let site_sum: f64 = sites.iter().map(|s| f(&s["annual_cost_aud_per_yr"])).sum();
    assert!((site_sum - f(&t["total_aud_per_yr"])).abs() <= sites.len() as f64);
    for s in sites {
        let own: f64 = parts.iter().map(|p| f(&s["cost"][p])).sum();
        assert!((own - f(&s["annual_cost_aud_per_yr"])).abs() <= 7.0);
        let used: f64 = s["serves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| f(&a["mw"]))
            .sum();
        assert!(used <= f(&s["built_mw"]) + 1e-6 && f(&s["built_mw"]) <= f(&s["max_mw"]) + 1e-6);
        assert!(!s["why"].as_array().unwrap().is_empty());
    }
    assert!(close(
        f(&r["solver"]["objective"]),
        f(&t["total_aud_per_yr"]),
        1e-6
    ));
    assert!(close(
        f(&r["check"]["objective_recomputed"]),
        f(&t["total_aud_per_yr"]),
        1e-6
    ));
    assert!(std::fs::read_to_string(&map).unwrap().starts_with("<svg"));
    assert!(gj.exists());
}

/// Reads `tests/golden/NAME` and compares with `actual` (parsed JSON, relative tolerance).
/// `SITEFIND_BLESS=1` rewrites the golden file.
fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("SITEFIND_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let got: Value = serde_json::from_str(actual).unwrap();
    if let Err(e) = json_close(&got, &want, 1e-6, "$") {
        panic!("{name} differs from the golden report: {e}\n(rerun with SITEFIND_BLESS=1 after checking the change is intended)");
    }
}

/// Golden reports pin one backend: equal-cost optima can differ in which site serves a small
/// city, so another backend may return a different (equally optimal) plan. The objective is
/// compared across backends in `every_backend_reaches_the_same_optimum`.
#[test]
fn golden_reports() {
    for (name, args) in [
        ("embedded_default.json", vec!["--format", "json", "-q"]),
        (
            "embedded_tight_latency.json",
            vec![
                "--format",
                "json",
                "-q",
                // Every city within 117 ms median (the latency issue's P95 default would
                // make 115 ms infeasible: Sydney–Tokyo's P95 is ~121 ms).
                "--max-rtt-ms",
                "117",
                "--limit-statistic",
                "p50",
                "--max-sites",
                "3",
            ],
        ),
        (
            "embedded_cut_jga.json",
            vec![
                "--format",
                "json",
                "-q",
                // JGA-S and AJC cut (with JGA-N cut, Osaka's best P95 is 126.6 ms over AJC,
                // above its 125 ms limit, since Osaka is reached through Tokyo: issue 25).
                "--cut-cable",
                "japan-guam-australia-south-jga-s",
                "--cut-cable",
                "australia-japan-cable-ajc",
            ],
        ),
    ] {
        let mut args = args;
        args.extend(["--solver", "microlp"]);
        let o = run(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        golden(name, &String::from_utf8(o.stdout).unwrap());
    }
}

#[test]
fn every_backend_reaches_the_same_optimum() {
    let mut objectives = Vec::new();
    for backend in sitefind::engine::available_backends() {
        let o = run(&["--format", "json", "-q", "--solver", backend]);
        assert!(o.status.success(), "{backend}: {}", stderr(&o));
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["check"]["feasible"], Value::Bool(true), "{backend}");
        objectives.push((backend, f(&r["check"]["objective_recomputed"])));
    }
    for w in objectives.windows(2) {
        assert!(close(w[0].1, w[1].1, 1e-6), "{objectives:?}");
    }
}

#[test]
fn outputs_are_byte_for_byte_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for k in 0..2 {
        let gj = dir.path().join(format!("{k}.geojson"));
        let rep = dir.path().join(format!("{k}.json"));
        let o = run(&[
            "--geojson",
            gj.to_str().unwrap(),
            "--report",
            rep.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push((
            o.stdout,
            std::fs::read(&gj).unwrap(),
            std::fs::read(&rep).unwrap(),
        ));
    }
    assert!(outs[0].0 == outs[1].0, "stdout differs");
    assert!(outs[0].1 == outs[1].1, "GeoJSON differs");
    assert!(outs[0].2 == outs[1].2, "JSON report differs");
}

fn ring_area2(ring: &[Vec<f64>]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum()
}

fn decimals(x: f64) -> usize {
    let s = format!("{x}");
    s.split('.').nth(1).map_or(0, |d| d.len())
}

fn check_coords(v: &Value, n: &mut usize) {
    match v {
        Value::Array(a) if a.first().is_some_and(|x| x.is_number()) => {
            for x in a {
                assert!(decimals(f(x)) <= 7, "more than 7 decimals: {x}");
            }
            let (lon, lat) = (f(&a[0]), f(&a[1]));
            assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat));
            *n += 1;
        }
        Value::Array(a) => a.iter().for_each(|x| check_coords(x, n)),
        _ => {}
    }
}

#[test]
fn geojson_is_rfc7946_and_gdal_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let gj = dir.path().join("answer.geojson");
    let rep = dir.path().join("r.json");
    let o = run(&[
        "-q",
        "--geojson",
        gj.to_str().unwrap(),
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&gj).unwrap();
    // Parses with the geojson crate.
    let parsed: geojson::GeoJson = text.parse().unwrap();
    let geojson::GeoJson::FeatureCollection(fc) = parsed else {
        panic!("not a FeatureCollection")
    };
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["bbox"].as_array().unwrap().len(), 4);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    let count = |layer: &str| {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["layer"] == layer)
            .count()
    };
    let n_sites = r["sites"].as_array().unwrap().len();
    let n_cities = r["cities"].as_array().unwrap().len();
    let n_routes: usize = r["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["served_by"].as_array().unwrap().len())
        .sum();
    let n_zones = r["zones"].as_array().unwrap().len();
    assert_eq!(
        (count("site"), count("city"), count("route"), count("zone")),
        (n_sites, n_cities, n_routes, n_zones)
    );
    assert_eq!(fc.features.len(), n_sites + n_cities + n_routes + n_zones);
    // Coordinates: ≤ 7 decimals, in range; polygons closed and counter-clockwise; styling.
    let mut n = 0;
    for feat in v["features"].as_array().unwrap() {
        check_coords(&feat["geometry"]["coordinates"], &mut n);
        if feat["geometry"]["type"] == "Polygon" {
            let ring: Vec<Vec<f64>> =
                serde_json::from_value(feat["geometry"]["coordinates"][0].clone()).unwrap();
            assert_eq!(ring.first(), ring.last());
            assert!(ring_area2(&ring) > 0.0, "outer ring not counter-clockwise");
        }
        let p = &feat["properties"];
        assert!(p["title"].is_string());
        assert!(p["marker-color"].is_string() || p["stroke"].is_string());
    }
    assert!(n > 0);
    // A real GIS tool reads it with the same feature count.
    match Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(&gj)
        .output()
    {
        Ok(out) => {
            let s = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "ogrinfo failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let total: usize = s
                .lines()
                .filter_map(|l| l.trim().strip_prefix("Feature Count: "))
                .map(|x| x.trim().parse::<usize>().unwrap())
                .sum();
            assert_eq!(total, fc.features.len(), "{s}");
            assert!(
                s.contains("WGS 84") || s.contains("EPSG\",\"4326") || s.contains("4326"),
                "{s}"
            );
        }
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "ogrinfo (gdal-bin) is required in CI"
            );
            eprintln!("skipped the ogrinfo check: install gdal-bin to run it");
        }
    }
}

fn assert_user_error(o: &Output, wants: &[&str], no_file: &Path) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    for w in wants {
        assert!(e.contains(w), "missing {w:?} in:\n{e}");
    }
    assert!(!e.contains("panicked"), "{e}");
    assert!(
        !no_file.exists(),
        "a failed run left {} behind",
        no_file.display()
    );
    let dir = no_file.parent().unwrap();
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        0,
        "temporary files left behind"
    );
}

#[test]
fn bad_inputs_give_their_own_message_exit_1_and_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let gj = out_dir.join("x.geojson");
    let g = gj.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    // Demand file missing.
    let o = run(&["--demand", "no/such/jp.json", "--geojson", g]);
    assert_user_error(&o, &["no/such/jp.json", "hint:"], &gj);
    // Malformed (truncated) JSON.
    let bad = write("trunc.json", r#"{"demand": [{"id": "tokyo", "lon": 139.7"#);
    let o = run(&["--demand", &bad, "--geojson", g]);
    assert_user_error(&o, &["trunc.json", "line 1", "hint:"], &gj);
    // A city with a negative load.
    let neg = write(
        "neg.json",
        r#"{"demand": [{"id": "tokyo", "name": "Tokyo", "lon": 139.69, "lat": 35.69, "it_load_mw": -5, "max_rtt_ms": 130}]}"#,
    );
    let o = run(&["--demand", &neg, "--geojson", g]);
    assert_user_error(&o, &["neg.json", "demand[0]", "it_load_mw", "-5"], &gj);
    // An unknown cable id to cut.
    let o = run(&["--cut-cable", "no-such-cable", "--geojson", g]);
    assert_user_error(&o, &["no-such-cable", "hint:"], &gj);
    // An impossible latency limit: below the physical floor.
    let o = run(&["--max-rtt-ms", "60", "--geojson", g]);
    assert_user_error(&o, &["infeasible", "Tokyo", "60", "hint:"], &gj);
    // An unknown solver.
    let o = run(&["--solver", "cplex", "--geojson", g]);
    assert_user_error(&o, &["cplex", "available"], &gj);
    // A bad scenario value.
    let sc = write("s.toml", "[cost]\nrenewable_share = 1.5\n");
    let o = run(&["--scenario", &sc, "--geojson", g]);
    assert_user_error(&o, &["renewable_share", "1.5"], &gj);
}

#[test]
fn help_groups_options_by_purpose_and_shows_only_relevant_ones() {
    let o = run(&["latency", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(!help.contains("--region"), "{help}");
    assert!(
        help.contains("Latency:") && help.contains("--cut-cable"),
        "{help}"
    );
    let o = run(&["solve", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    for heading in [
        "Input:",
        "Model:",
        "Latency:",
        "Supply:",
        "Solver:",
        "Decisions:",
        "Output:",
    ] {
        assert!(help.contains(heading), "{heading}: {help}");
    }
    assert!(help.contains("--region"));
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    let o = run(&["completions", "bash"]);
    assert!(o.status.success());
    let bash = String::from_utf8_lossy(&o.stdout);
    for sub in [
        "solve",
        "supply",
        "latency",
        "sweep",
        "schema",
        "--cut-cable",
    ] {
        assert!(bash.contains(sub), "{sub}");
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}");
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&["man"]);
    assert!(o.status.success());
    let man = String::from_utf8_lossy(&o.stdout);
    assert!(man.starts_with(".TH sitefind"), "{}", &man[..60]);
    assert!(man.contains("SITEFIND LATENCY"));
}

/// `tests/readme_commands.sh` on a small Markdown file: runs each ```sh command and checks its
/// exit code against the `# exit N` note (default 0).
fn readme_commands(markdown: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("doc.md");
    std::fs::write(&md, markdown).unwrap();
    Command::new("bash")
        .arg(repo().join("tests/readme_commands.sh"))
        .arg(&md)
        .env("SITEFIND_BIN", sitefind_bin())
        .output()
        .unwrap()
}

#[test]
fn readme_command_checker_enforces_the_stated_exit_code() {
    let ok = "```sh\nsitefind schema cflp\nsitefind schema nosuch   # exit 1: names the valid ones\n```\n";
    let o = readme_commands(ok);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", stderr(&o));
    assert!(text.contains("2 passed, 0 failed"), "{text}");
    // The same failing command without its note fails the check, and so does a wrong code.
    for md in [
        "```sh\nsitefind schema nosuch\n```\n",
        "```sh\nsitefind schema cflp   # exit 1\n```\n",
        "```sh\nrm -rf build\n```\n",
    ] {
        let o = readme_commands(md);
        assert_eq!(o.status.code(), Some(1), "{md}");
    }
}

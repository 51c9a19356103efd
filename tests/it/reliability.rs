//! Issue 10: every reproducer of "never damage what is not ours, never panic or hang, and a
//! checker that catches a wrong cost" as a regression test, one or more per item.

use crate::common::{repo, sitefind_bin};
use sitefind::check::{check, check_reported};
use sitefind::engine::{available_backends, solve, SolveOptions};
use sitefind::model::{
    CityInput, CoverSet, SharedLimit, SiteInput, SitingProblem, Solution, ZoneInput,
};
use sitefind::output::{check_distinct, check_output, write_set};
use sitefind::scenario::Objective;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(sitefind_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    run_in(&repo(), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 1 with an `error:` message, no panic; returns stderr.
fn user_error(o: &Output) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.starts_with("error: "), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

// ------------------------------------------------------------------ 1. safe output writing

#[cfg(unix)]
#[test]
fn device_fifo_and_directory_outputs_are_refused() {
    use std::os::unix::fs::FileTypeExt;
    // `--report /dev/null` used to replace the device node with a regular file (as root).
    // Only the check runs here, so even a regression cannot touch /dev/null.
    let e = check_output("--report", Path::new("/dev/null"), &[]).unwrap_err();
    assert!(e.to_string().contains("a device"), "{e}");
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let o = run(&["--report", &fifo.display().to_string(), "-q"]);
        let e = user_error(&o);
        assert!(e.contains("FIFO"), "{e}");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }
    std::fs::create_dir(dir.path().join("d.svg")).unwrap();
    let o = run(&["--map", &p(dir.path(), "d.svg"), "-q"]);
    let e = user_error(&o);
    assert!(e.contains("a directory"), "{e}");
    assert!(dir.path().join("d.svg").is_dir());
}

#[cfg(unix)]
#[test]
fn symlinks_are_written_through_and_modes_kept_and_read_only_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A symlinked output: the link stays, its target gets the content.
    std::fs::write(d.join("target.json"), "old").unwrap();
    std::os::unix::fs::symlink("target.json", d.join("link.json")).unwrap();
    let o = check_output("--report", &d.join("link.json"), &["json"]).unwrap();
    assert_eq!(o.target, d.canonicalize().unwrap().join("target.json"));
    write_set(&[(o, b"new".to_vec())]).unwrap();
    assert!(std::fs::symlink_metadata(d.join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(d.join("target.json")).unwrap(),
        "new"
    );
    // A dangling link is refused.
    std::os::unix::fs::symlink("nowhere.json", d.join("dangling.json")).unwrap();
    assert!(check_output("--report", &d.join("dangling.json"), &["json"]).is_err());
    // An existing file keeps its mode.
    std::fs::write(d.join("m.json"), "old").unwrap();
    std::fs::set_permissions(d.join("m.json"), std::fs::Permissions::from_mode(0o640)).unwrap();
    sitefind::output::write_atomic(&d.join("m.json"), b"new").unwrap();
    let mode = std::fs::metadata(d.join("m.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    // A read-only file is refused (also as root), content and mode unchanged.
    std::fs::write(d.join("ro.json"), "keep").unwrap();
    std::fs::set_permissions(d.join("ro.json"), std::fs::Permissions::from_mode(0o444)).unwrap();
    let o = run(&["--report", &p(d, "ro.json"), "-q"]);
    let e = user_error(&o);
    assert!(e.contains("read-only"), "{e}");
    assert_eq!(std::fs::read_to_string(d.join("ro.json")).unwrap(), "keep");
    let mode = std::fs::metadata(d.join("ro.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444);
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A missing folder for --map: fails before loading anything, nothing written.
    let o = run(&[
        "--report",
        &p(d, "r.json"),
        "--geojson",
        &p(d, "g.geojson"),
        "--map",
        &p(d, "missing/m.svg"),
    ]);
    let e = user_error(&o);
    assert!(e.contains("--map") && e.contains("does not exist"), "{e}");
    // No stage ran: the dataset banner is printed after the outputs are checked.
    assert!(!e.contains("demand"), "{e}");
    assert!(names(d).is_empty(), "{:?}", names(d));
    // Wrong extensions (a map is .svg or .png).
    let o = run(&["--map", &p(d, "m.jpg")]);
    assert!(user_error(&o).contains(".svg"));
    let o = run(&["--report", &p(d, "r.svg")]);
    assert!(user_error(&o).contains(".json"));
    assert!(names(d).is_empty());
}

#[test]
fn the_same_path_twice_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(&["--report", &p(d, "a.json"), "--geojson", &p(d, "a.json")]);
    let e = user_error(&o);
    assert!(e.contains("name the same file"), "{e}");
    // Spelled differently: `x/../a.json`.
    std::fs::create_dir(d.join("x")).unwrap();
    let o = run(&[
        "--report",
        &p(d, "a.json"),
        "--export-problem",
        &p(d, "x/../a.json"),
    ]);
    assert!(user_error(&o).contains("name the same file"));
    assert_eq!(names(d), vec!["x".to_string()]);
    let a = check_output("--report", &d.join("a.json"), &[]).unwrap();
    let b = check_output("--geojson", &d.join("x/../a.json"), &[]).unwrap();
    assert!(check_distinct(&[a, b]).is_err());
}

#[test]
fn a_failing_output_leaves_none_of_the_set() {
    // Checked fine, then the third path turns into a folder before the write: the set is
    // written all or nothing.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = check_output("--report", &d.join("a.json"), &["json"]).unwrap();
    let b = check_output("--geojson", &d.join("b.geojson"), &["geojson"]).unwrap();
    let c = check_output("--map", &d.join("c.svg"), &["svg"]).unwrap();
    std::fs::create_dir(d.join("c.svg")).unwrap();
    let e = write_set(&[
        (a, b"{}".to_vec()),
        (b, b"{}".to_vec()),
        (c, b"<svg/>".to_vec()),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("a directory"), "{e}");
    assert_eq!(names(d), vec!["c.svg".to_string()]);
    assert!(sitefind::output::live_temporaries().is_empty());
}

#[cfg(unix)]
#[test]
fn sigterm_and_sigint_leave_no_temporary_file() {
    // A run interrupted at several moments (loading, solving, writing) exits 128 + signal and
    // leaves no `.name.pid.tmp` file. The registry removal itself is tested below.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (k, (sig, delay_ms)) in [("TERM", 50u64), ("INT", 300), ("HUP", 700), ("TERM", 1500)]
        .into_iter()
        .enumerate()
    {
        let mut child = Command::new(sitefind_bin())
            .args([
                "--report",
                &p(d, &format!("r{k}.json")),
                "--geojson",
                &p(d, &format!("g{k}.geojson")),
                "--export-problem",
                &p(d, &format!("x{k}.json")),
                "-q",
            ])
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args([format!("-{sig}"), child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        // Either it was interrupted (128 + n) or it had already finished (0). Very early, a
        // loaded machine may not have reached `main` (the default action kills it: no file).
        use std::os::unix::process::ExitStatusExt;
        let code = status.code().unwrap_or(-1);
        let early_kill = delay_ms < 300 && status.signal().is_some();
        assert!(
            code == 0 || code > 128 || early_kill,
            "signal {sig} after {delay_ms} ms: {status:?}"
        );
        let leftovers: Vec<String> = names(d)
            .into_iter()
            .filter(|n| n.ends_with(".tmp") || n.ends_with(".probe"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn the_temporary_registry_is_emptied_on_request() {
    // What the signal handler calls: every live temporary file is removed.
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join(".a.json.1.tmp");
    let f = sitefind::output::create_temporary(&tmp).unwrap();
    drop(f);
    assert!(tmp.exists());
    let (n, guard) = sitefind::output::remove_temporaries();
    drop(guard);
    assert!(n >= 1);
    assert!(!tmp.exists());
}

// ------------------------------------------------------------------ 2. bounded numbers

#[test]
fn huge_time_limits_are_errors_not_panics() {
    for t in ["1e19", "1e300", "inf", "NaN", "0", "-1"] {
        let o = run(&["--time-limit", t, "-q"]);
        let e = user_error(&o);
        assert!(
            e.contains("time_limit") || e.contains("time limit"),
            "{t}: {e}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), "[solver]\ntime_limit_s = 1e20\n").unwrap();
    let o = run(&["--scenario", &p(dir.path(), "s.toml"), "-q"]);
    let e = user_error(&o);
    assert!(
        e.contains("solver.time_limit_s") && e.contains("(0, 1e6]"),
        "{e}"
    );
    std::fs::write(dir.path().join("c.txt"), CFLP_NUMERIC).unwrap();
    let o = run(&["cflp", &p(dir.path(), "c.txt"), "--time-limit", "1e300"]);
    assert!(user_error(&o).contains("time limit"));
    // The library refuses it too.
    let opts = SolveOptions {
        backend: None,
        time_limit_s: Some(1e19),
        mip_gap: 1e-6,
    };
    assert!(solve(&small(), &opts).is_err());
}

#[test]
fn calibration_grids_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("o.csv");
    std::fs::write(
        &csv,
        "from_name,from_lon,from_lat,to_name,to_lon,to_lat,rtt_ms\nSydney,151.21,-33.87,Tokyo,139.69,35.69,110\n",
    )
    .unwrap();
    for grid in [
        "1,1.8,1e-300",
        "1,1000000,1e-9",
        "1,1.8,0",
        "1.8,1,0.1",
        "0.5,1.5,0.1",
    ] {
        let o = run(&[
            "calibrate",
            "--observations",
            &csv.display().to_string(),
            "--route-factor",
            grid,
        ]);
        let e = user_error(&o);
        assert!(e.contains("grid") || e.contains("route"), "{grid}: {e}");
    }
}

#[test]
fn densify_has_a_floor_and_a_point_cap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[candidates]\ndensify_km = 0.001\n",
    )
    .unwrap();
    let t = std::time::Instant::now();
    let o = run(&["--scenario", &p(dir.path(), "s.toml"), "-q"]);
    let e = user_error(&o);
    assert!(
        e.contains("candidates.densify_km") && e.contains("[1, 1000]"),
        "{e}"
    );
    // Not a timing assertion on the product: a guard against the old hang (minutes).
    assert!(t.elapsed().as_secs() < 120);
    // The library bound: a spacing too fine for the zones' size is refused before the work.
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let params = sitefind::scenario::CandidateParams::default();
    let e = sitefind::candidates::densify(&ds, 0.5, &params).unwrap_err();
    assert!(e.to_string().contains("[1, 1000]"), "{e}");
}

#[test]
fn every_range_in_the_table_is_enforced() {
    use sitefind::scenario::Scenario;
    let cases: [(&str, &str); 16] = [
        (
            "[candidates]\nrez_radius_km = 5001",
            "candidates.rez_radius_km",
        ),
        (
            "[candidates]\nmineral_radius_km = 1e9",
            "candidates.mineral_radius_km",
        ),
        (
            "[candidates]\ndatacentre_cluster_km = -1",
            "candidates.datacentre_cluster_km",
        ),
        (
            "[candidates]\nbackbone_voltage_kv = 1e6",
            "candidates.backbone_voltage_kv",
        ),
        ("[model]\nmax_site_mw = 1e7", "model.max_site_mw"),
        (
            "[model]\nunserved_penalty_aud_per_mw = 1e300",
            "model.unserved_penalty_aud_per_mw",
        ),
        ("[model]\nmax_rtt_ms = 1e9", "model.max_rtt_ms"),
        (
            "[model]\nmin_sites_per_city = 4000000000",
            "model.min_sites_per_city",
        ),
        ("[latency]\nroute_factor = 1e300", "latency.route_factor"),
        (
            "[latency]\nequipment_overhead_ms = 1e9",
            "latency.equipment_overhead_ms",
        ),
        ("[cost]\ncapex_aud_per_mw = 1e300", "capex_aud_per_mw"),
        ("[cost]\nlifetime_years = 1e9", "lifetime_years"),
        (
            "[cost]\ndefault_price_aud_per_mwh = -5",
            "default_price_aud_per_mwh",
        ),
        ("[cost]\ndefault_temp_c = 1000", "default_temp_c"),
        ("[solver]\nmip_gap = 1.5", "solver.mip_gap"),
        (
            "[model]\nmust_build = [\"a\\u001bb\"]",
            "model.must_build[0]",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, field) in cases {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, text).unwrap();
        let e = Scenario::from_file(&path).unwrap_err().to_string();
        assert!(e.contains(field), "{text}: {e}");
    }
}

#[test]
fn demand_numbers_are_bounded() {
    let e = sitefind::data::Demand::from_json_str(
        "d.json",
        r#"{"demand": [{"id": "tokyo", "lon": 139.69, "lat": 35.69, "it_load_mw": 1e300, "max_rtt_ms": 1e19, "min_sites": 100000}]}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("it_load_mw") && e.contains("≤ 1000000"), "{e}");
    assert!(e.contains("max_rtt_ms") && e.contains("≤ 10000"), "{e}");
    assert!(e.contains("min_sites") && e.contains("1..=1000"), "{e}");
}

// ------------------------------------------------------------------ 3. strict parsing

#[test]
fn duplicate_json_keys_are_rejected_with_both_positions() {
    // Tokyo used to become 5 MW (the last key won).
    let text = "{\"demand\": [{\"id\": \"tokyo\", \"lon\": 139.69, \"lat\": 35.69,\n  \"it_load_mw\": 500, \"max_rtt_ms\": 120,\n  \"it_load_mw\": 5}]}";
    let e = sitefind::data::Demand::from_json_str("jp.json", text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("jp.json") && e.contains("duplicate key \"it_load_mw\""),
        "{e}"
    );
    assert!(
        e.contains("line 2, column 3") && e.contains("line 3, column 3"),
        "{e}"
    );
    // A JSON scenario, and the CLI.
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.json");
    std::fs::write(
        &s,
        "{\"model\": {\"max_sites\": 3}, \"model\": {\"max_sites\": 9}}",
    )
    .unwrap();
    let e = sitefind::scenario::Scenario::from_file(&s)
        .unwrap_err()
        .to_string();
    assert!(e.contains("duplicate key \"model\""), "{e}");
    std::fs::write(dir.path().join("d.json"), text).unwrap();
    let o = run(&["--demand", &p(dir.path(), "d.json"), "-q"]);
    assert!(user_error(&o).contains("duplicate key"));
}

#[test]
fn duplicate_toml_keys_are_errors() {
    // The toml crate already rejects them; this pins it.
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.toml");
    std::fs::write(&s, "[model]\nmax_sites = 3\nmax_sites = 9\n").unwrap();
    let e = sitefind::scenario::Scenario::from_file(&s)
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("duplicate"), "{e}");
    let m = dir.path().join("manifest.toml");
    std::fs::write(&m, "[zones]\nformat = \"sitefind-csv\"\nformat = \"x\"\n").unwrap();
    let e = sitefind::data::Dataset::load(&m).unwrap_err().to_string();
    assert!(e.contains("duplicate"), "{e}");
}

/// The embedded dataset copied to a temporary folder, `file` edited by `edit`.
fn dataset_with(file: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_embedded_data(dir.path());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let manifest = dir.path().join("manifest.toml");
    (dir, manifest)
}

#[test]
fn control_characters_in_names_are_rejected() {
    // A name with an escape character made the SVG not well-formed.
    let text = r#"{"demand": [{"id": "tokyo", "name": "Tok\u001byo", "lon": 139.69, "lat": 35.69, "it_load_mw": 5, "max_rtt_ms": 120}]}"#;
    let e = sitefind::data::Demand::from_json_str("jp.json", text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `name`") && e.contains("U+001B"), "{e}");
    // In a dataset layer (CSV), naming file, line and field.
    let (_dir, manifest) = dataset_with("regions.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let cols: Vec<&str> = lines[0].split(',').collect();
        let name = cols.iter().position(|c| *c == "name").unwrap();
        let mut row: Vec<String> = lines[1].split(',').map(str::to_string).collect();
        row[name] = format!("{}\u{7}", row[name]);
        lines[1] = row.join(",");
        lines.join("\n") + "\n"
    });
    let e = sitefind::data::Dataset::load(&manifest)
        .unwrap_err()
        .to_string();
    assert!(e.contains("regions.csv") && e.contains("U+0007"), "{e}");
}

#[test]
fn svg_escapes_everything() {
    use sitefind::data::LonLat;
    use sitefind::report::svg::{render, MapCity, MapScene, MapSite};
    let scene = MapScene {
        title: "a < b & 'c' \"d\"\u{1b}".into(),
        sites: vec![MapSite {
            label: "s\u{0}<x>".into(),
            location: LonLat::new(150.0, -33.0),
            mw: 10.0,
        }],
        cities: vec![MapCity {
            label: "t\u{8}'".into(),
            location: LonLat::new(139.7, 35.7),
            mw: 5.0,
        }],
        ..MapScene::default()
    };
    let svg = render(&scene);
    assert!(
        !svg.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
        "control character in the SVG"
    );
    assert!(
        svg.contains("a &lt; b &amp; &apos;c&apos; &quot;d&quot;\u{FFFD}"),
        "{svg}"
    );
    assert!(!svg.contains("<x>"));
}

#[test]
fn negative_regional_price_is_rejected() {
    // Energy cost came out at −A$1 B.
    let (_dir, manifest) = dataset_with("regions.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let cols: Vec<&str> = lines[0].split(',').collect();
        let k = cols.iter().position(|c| *c == "price_aud_per_mwh").unwrap();
        let mut row: Vec<String> = lines[1].split(',').map(str::to_string).collect();
        row[k] = "-1000000".into();
        lines[1] = row.join(",");
        lines.join("\n") + "\n"
    });
    let e = sitefind::data::Dataset::load(&manifest)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("regions.csv") && e.contains("price_aud_per_mwh") && e.contains("-1000000"),
        "{e}"
    );
}

#[test]
fn bom_is_accepted_and_non_utf8_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Excel writes a byte-order mark: demand JSON, scenario TOML and CSV layers accept it.
    let demand = format!("\u{feff}{}", include_str!("../../data/jp.json"));
    std::fs::write(d.join("d.json"), demand).unwrap();
    sitefind::data::Demand::load(&d.join("d.json")).unwrap();
    std::fs::write(d.join("s.toml"), "\u{feff}[model]\nmax_sites = 4\n").unwrap();
    let s = sitefind::scenario::Scenario::from_file(&d.join("s.toml")).unwrap();
    assert_eq!(s.model.max_sites, Some(4));
    let (_dir, manifest) = dataset_with("regions.csv", |t| format!("\u{feff}{t}"));
    sitefind::data::Dataset::load(&manifest).unwrap();
    // Latin-1 bytes: the line and byte offset of the first bad byte, and the likely cause.
    let mut bytes = b"{\"demand\": [\n{\"id\": \"tokyo\", \"name\": \"T".to_vec();
    bytes.push(0xF4);
    bytes.extend_from_slice(b"ky\"}]}");
    std::fs::write(d.join("latin1.json"), &bytes).unwrap();
    let e = sitefind::data::Demand::load(&d.join("latin1.json"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("latin1.json") && e.contains("line 2, byte offset 39"),
        "{e}"
    );
    assert!(e.contains("Latin-1") && e.contains("UTF-8"), "{e}");
    let (_dir, manifest) = dataset_with("zones.csv", |t| t.to_string());
    let zones = manifest.parent().unwrap().join("zones.csv");
    let mut z = std::fs::read(&zones).unwrap();
    z.extend_from_slice(b"\xFF\xFE\n");
    std::fs::write(&zones, z).unwrap();
    let e = sitefind::data::Dataset::load(&manifest)
        .unwrap_err()
        .to_string();
    assert!(e.contains("zones.csv") && e.contains("byte offset"), "{e}");
}

#[test]
fn cflp_capacity_must_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.txt"), CFLP_NUMERIC).unwrap();
    let o = run(&["cflp", &p(dir.path(), "c.txt"), "--capacity", "8000"]);
    let e = user_error(&o);
    assert!(e.contains("--capacity does not apply"), "{e}");
    std::fs::write(dir.path().join("w.txt"), CFLP_WORD).unwrap();
    for bad in ["0", "-5", "1e300", "NaN"] {
        let o = run(&["cflp", &p(dir.path(), "w.txt"), "--capacity", bad]);
        assert!(user_error(&o).contains("--capacity"), "{bad}");
    }
    let o = run(&["cflp", &p(dir.path(), "w.txt"), "--capacity", "100"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // m × n beyond what the file holds: no allocation of the claimed size.
    std::fs::write(dir.path().join("big.txt"), "100000 100000\n1 2\n").unwrap();
    let e = sitefind::benchmark::read_file(&dir.path().join("big.txt"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ends before") || e.contains("cost entries"),
        "{e}"
    );
}

#[test]
fn print_scenario_validates_every_value() {
    let o = run(&["--print-scenario", "--renewable-share", "2"]);
    assert!(user_error(&o).contains("renewable_share"));
    let o = run(&["--print-scenario", "--time-limit", "1e300"]);
    assert!(user_error(&o).contains("time_limit"));
    let o = run(&["--print-scenario"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn options_that_do_not_apply_are_errors() {
    let o = run(&["--cost-cap-aud", "1e9", "-q"]);
    assert!(user_error(&o).contains("--cost-cap-aud only applies"));
    let o = run(&["--budget-aud", "1e9", "--objective", "min-worst-rtt", "-q"]);
    assert!(user_error(&o).contains("--budget-aud only applies"));
    let o = run(&["--print-scenario", "--report", "x.json"]);
    assert!(user_error(&o).contains("do not apply"));
    let o = run(&["--basemap", "x.geojson", "-q"]);
    assert!(user_error(&o).contains("--basemap"));
}

// ------------------------------------------------------------------ 4. the checker

const CFLP_NUMERIC: &str = " 2 2\n 100 10\n 100 20\n 5\n 1 2\n 5\n 3 1\n";
const CFLP_WORD: &str = " 2 2\n capacity 10\n capacity 20\n 5\n 1 2\n 5\n 3 1\n";

fn site(id: &str, fixed: f64, var: f64, min: f64, max: f64) -> SiteInput {
    SiteInput {
        id: id.into(),
        fixed_cost_aud: fixed,
        var_cost_aud_per_mw: var,
        min_mw: min,
        max_mw: max,
        zone: None,
        pue: 1.0,
        must_build: false,
        excluded: false,
    }
}

fn small() -> SitingProblem {
    SitingProblem {
        sites: vec![
            site("syd", 100.0, 2.0, 10.0, 60.0),
            site("mel", 80.0, 3.0, 10.0, 60.0),
            site("far", 10.0, 1.0, 10.0, 100.0),
        ],
        cities: vec![
            CityInput {
                id: "tokyo".into(),
                demand_mw: 40.0,
                max_rtt_ms: 120.0,
                min_sites: 1,
            },
            CityInput {
                id: "osaka".into(),
                demand_mw: 30.0,
                max_rtt_ms: 110.0,
                min_sites: 1,
            },
        ],
        zones: vec![],
        rtt_ms: vec![vec![100.0, 105.0], vec![110.0, 108.0], vec![115.0, 130.0]],
        assign_cost_aud_per_mw: vec![vec![1.0, 1.0], vec![1.0, 1.0], vec![1.0, 1.0]],
        max_sites: None,
        module_mw: None,
        unserved_penalty_aud_per_mw: 1e9,
        objective: Objective::MinCost,
        cost_cap_aud: None,
        budget_aud: None,
        shared_limits: vec![],
        cover_sets: vec![],
    }
}

fn opts(b: &str) -> SolveOptions {
    SolveOptions {
        backend: Some(b.to_string()),
        time_limit_s: Some(60.0),
        mip_gap: 1e-9,
    }
}

/// The hand optimum of `small()` (engine.rs: far serves Tokyo, syd serves Osaka, 280 AUD).
fn small_optimum() -> Solution {
    Solution {
        open: vec![true, false, true],
        capacity_mw: vec![30.0, 0.0, 40.0],
        flows: vec![(0, 1, 30.0), (2, 0, 40.0)],
        unserved_mw: vec![0.0, 0.0],
        expansion_mw: vec![],
    }
}

#[test]
fn reported_objective_is_compared_for_every_objective_and_backend() {
    for b in available_backends() {
        for objective in [
            Objective::MinCost,
            Objective::MinWorstRtt,
            Objective::MaxCoverage,
        ] {
            let mut p = small();
            p.objective = objective;
            p.cost_cap_aud = Some(450.0);
            p.budget_aud = Some(250.0);
            let (sr, s) = solve(&p, &opts(b)).unwrap();
            let c = check_reported(&p, &s, sr.objective);
            assert!(c.feasible, "{b} {objective:?}: {:?}", c.violations);
            // A halved reported objective fails (it used to pass with exit 0).
            let halved = sr.objective.map(|v| v / 2.0);
            let c = check_reported(&p, &s, halved);
            assert!(!c.feasible, "{b} {objective:?}");
            assert!(c
                .violations
                .iter()
                .any(|v| v.contains("reported objective")));
            assert!(!check_reported(&p, &s, None).feasible);
            assert!(!check_reported(&p, &s, Some(f64::NAN)).feasible);
        }
    }
    let p = small();
    let s = small_optimum();
    assert!(check_reported(&p, &s, Some(280.0)).feasible);
    assert!(check_reported(&p, &s, Some(280.0 * (1.0 + 5e-7))).feasible);
    assert!(!check_reported(&p, &s, Some(280.0 * (1.0 + 2e-6))).feasible);
    assert!(!check_reported(&p, &s, Some(140.0)).feasible);
}

#[test]
fn duplicate_flow_rows_do_not_count_as_redundancy() {
    // Tokyo needs 2 distinct sites (x ≤ 20 each); one site listed twice with 20 + 20 used to
    // pass.
    let mut p = small();
    p.cities[0].min_sites = 2;
    let mut s = small_optimum();
    s.flows = vec![(0, 1, 30.0), (2, 0, 20.0), (2, 0, 20.0)];
    let c = check(&p, &s);
    assert!(!c.feasible);
    assert!(
        c.violations.iter().any(|v| v.contains("listed 2 times")),
        "{:?}",
        c.violations
    );
    assert!(
        c.violations.iter().any(|v| v.contains("above D/k")),
        "{:?}",
        c.violations
    );
}

#[test]
fn tolerances_are_absolute() {
    // 630 MW served from 100 MW built passed when max_mw was 1e9 (the tolerance grew with it).
    let mut p = small();
    p.cities[0].demand_mw = 630.0;
    p.sites[2].max_mw = 1e9;
    p.cities[0].max_rtt_ms = 200.0;
    let s = Solution {
        open: vec![true, false, true],
        capacity_mw: vec![30.0, 0.0, 100.0],
        flows: vec![(0, 1, 30.0), (2, 0, 630.0)],
        unserved_mw: vec![0.0, 0.0],
        expansion_mw: vec![],
    };
    let c = check(&p, &s);
    assert!(!c.feasible);
    assert!(
        c.violations
            .iter()
            .any(|v| v.contains("above its capacity")),
        "{:?}",
        c.violations
    );
    // 1e-5 MW over a 1e9 MW site's capacity is caught too; 1e-7 MW is within tolerance.
    let mut s = small_optimum();
    s.capacity_mw[2] = 40.0 - 1e-5;
    p = small();
    p.sites[2].max_mw = 1e9;
    assert!(!check(&p, &s).feasible);
    s.capacity_mw[2] = 40.0 - 1e-7;
    assert!(check(&p, &s).feasible);
}

#[test]
fn negative_expansion_bad_zone_index_and_nan_fail() {
    let mut p = small();
    p.zones = vec![ZoneInput {
        id: "z".into(),
        limit_mw: Some(1e9),
        expansion_cost_aud_per_mw: 10.0,
    }];
    p.sites[0].zone = Some(0);
    let mut s = small_optimum();
    s.expansion_mw = vec![-5.0];
    let c = check(&p, &s);
    assert!(
        c.violations
            .iter()
            .any(|v| v.contains("negative expansion")),
        "{:?}",
        c.violations
    );
    // An out-of-range zone index.
    s.expansion_mw = vec![0.0];
    p.sites[1].zone = Some(7);
    let c = check(&p, &s);
    assert!(
        c.violations.iter().any(|v| v.contains("zone index 7")),
        "{:?}",
        c.violations
    );
    p.sites[1].zone = None;
    assert!(check(&p, &s).feasible);
    // NaN costs.
    let mut q = p.clone();
    q.sites[0].fixed_cost_aud = f64::NAN;
    assert!(!check(&q, &s).feasible);
    let mut q = p.clone();
    q.sites[2].var_cost_aud_per_mw = f64::INFINITY;
    assert!(!check(&q, &s).feasible);
    let mut q = p.clone();
    q.zones[0].expansion_cost_aud_per_mw = f64::NAN;
    assert!(!check(&q, &s).feasible);
    let mut t = s.clone();
    t.flows[0].2 = f64::NAN;
    assert!(!check(&p, &t).feasible);
    let mut t = s.clone();
    t.capacity_mw[1] = f64::NAN;
    assert!(!check(&p, &t).feasible);
    // Out-of-range flow indices.
    let mut t = s.clone();
    t.flows.push((9, 0, 1.0));
    assert!(!check(&p, &t).feasible);
}

#[test]
fn end_to_end_check_recomputes_rtt_and_cost() {
    use sitefind::data::{Dataset, Demand};
    use sitefind::latency::LatencyModel;
    use sitefind::scenario::Scenario;
    let ds = Dataset::embedded().unwrap();
    let demand = Demand::embedded().unwrap();
    let scenario = Scenario::default();
    let latency = LatencyModel::build(&ds, &scenario.latency).unwrap();
    let mut quiet = |_: &str, _: f64, _: &str| {};
    let mut prep =
        sitefind::pipeline::prepare(&ds, &demand, &scenario, &latency, &mut quiet).unwrap();
    let (sr, sol) = solve(&prep.problem, &SolveOptions::from(&scenario.solver)).unwrap();
    let mut chk = check_reported(&prep.problem, &sol, sr.objective);
    sitefind::pipeline::end_to_end_check(&ds, &demand, &scenario, &latency, &prep, &sol, &mut chk)
        .unwrap();
    assert!(chk.feasible, "{:?}", chk.violations);
    // A corrupted RTT matrix entry or site cost (what the solver saw) is caught.
    let (k, j, _) = sol.flows[0];
    prep.problem.rtt_ms[k][j] -= 3.0;
    let open = sol.open.iter().position(|o| *o).unwrap();
    prep.problem.sites[open].var_cost_aud_per_mw *= 0.5;
    let mut chk = check(&prep.problem, &sol);
    sitefind::pipeline::end_to_end_check(&ds, &demand, &scenario, &latency, &prep, &sol, &mut chk)
        .unwrap();
    assert!(!chk.feasible);
    assert!(
        chk.violations.iter().any(|v| v.contains("RTT recomputed")),
        "{:?}",
        chk.violations
    );
    assert!(
        chk.violations.iter().any(|v| v.contains("cost per MW")),
        "{:?}",
        chk.violations
    );
}

#[test]
fn shared_limits_and_cover_sets_are_checked_strictly() {
    // The optimum opens syd (30 MW) and far (40 MW).
    let s = small_optimum();
    let mut p = small();
    // 2·30 + 1·40 = 100: at the limit passes, 1e-5 over fails even with a huge limit scale.
    p.shared_limits = vec![SharedLimit {
        id: "solar".into(),
        description: "solar resource".into(),
        terms: vec![(0, 2.0), (2, 1.0)],
        limit: 100.0,
    }];
    assert!(check(&p, &s).feasible);
    p.shared_limits[0].limit = 100.0 - 1e-5;
    let c = check(&p, &s);
    assert!(
        c.violations
            .iter()
            .any(|v| v.contains("shared limit \"solar\"")),
        "{:?}",
        c.violations
    );
    p.shared_limits[0].limit = 100.0;
    p.shared_limits[0].terms[0].1 = f64::NAN;
    assert!(!check(&p, &s).feasible);
    p.shared_limits[0].terms = vec![(7, 1.0)];
    assert!(!check(&p, &s).feasible);
    // Cover sets: distinct open sites, indices in range.
    let mut p = small();
    p.cover_sets = vec![CoverSet {
        id: "tokyo-cut".into(),
        description: "Tokyo survives a cable cut".into(),
        sites: vec![0, 0, 1],
        min_open: 2,
    }];
    let c = check(&p, &s);
    assert!(
        c.violations.iter().any(|v| v.contains("cover set")),
        "{:?}",
        c.violations
    );
    p.cover_sets[0].sites = vec![0, 2];
    assert!(check(&p, &s).feasible);
    p.cover_sets[0].sites = vec![0, 2, 9];
    let c = check(&p, &s);
    assert!(
        c.violations.iter().any(|v| v.contains("site index 9")),
        "{:?}",
        c.violations
    );
}

/// What a path named as an output is, for the output-writing property below.
#[cfg(unix)]
#[derive(Debug, Clone, Copy)]
enum Kind {
    New,
    Regular,
    ReadOnly,
    Directory,
    Symlink,
    Dangling,
    MissingFolder,
    Fifo,
    SameAsFirst,
}

#[cfg(unix)]
#[test]
fn output_sets_are_all_or_nothing_and_touch_only_regular_files() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::os::unix::fs::PermissionsExt;
    let kind = prop_oneof![
        Just(Kind::New),
        Just(Kind::Regular),
        Just(Kind::ReadOnly),
        Just(Kind::Directory),
        Just(Kind::Symlink),
        Just(Kind::Dangling),
        Just(Kind::MissingFolder),
        Just(Kind::Fifo),
        Just(Kind::SameAsFirst),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(kind, 1..5), |kinds| {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let mut paths: Vec<PathBuf> = Vec::new();
            for (k, kind) in kinds.iter().enumerate() {
                let path = d.join(format!("o{k}.json"));
                match kind {
                    Kind::New => {}
                    Kind::Regular => std::fs::write(&path, "before").unwrap(),
                    Kind::ReadOnly => {
                        std::fs::write(&path, "before").unwrap();
                        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444))
                            .unwrap();
                    }
                    Kind::Directory => std::fs::create_dir(&path).unwrap(),
                    Kind::Symlink => {
                        std::fs::write(d.join(format!("t{k}.json")), "before").unwrap();
                        std::os::unix::fs::symlink(format!("t{k}.json"), &path).unwrap();
                    }
                    Kind::Dangling => {
                        std::os::unix::fs::symlink("nowhere.json", &path).unwrap();
                    }
                    Kind::MissingFolder => {
                        paths.push(d.join("missing").join(format!("o{k}.json")));
                        continue;
                    }
                    Kind::Fifo => {
                        let ok = Command::new("mkfifo").arg(&path).status();
                        if !ok.is_ok_and(|s| s.success()) {
                            std::fs::create_dir(&path).unwrap();
                        }
                    }
                    Kind::SameAsFirst => {
                        paths.push(paths.first().cloned().unwrap_or(path));
                        continue;
                    }
                }
                paths.push(path);
            }
            let before = snapshot(d);
            let checked: Result<Vec<_>, _> = paths
                .iter()
                .map(|p| check_output("--report", p, &["json"]))
                .collect();
            let result = checked.and_then(|c| {
                check_distinct(&c)?;
                let files: Vec<_> = c.into_iter().map(|o| (o, b"after".to_vec())).collect();
                write_set(&files)
            });
            let after = snapshot(d);
            // Never a leftover temporary or probe file.
            prop_assert!(after
                .iter()
                .all(|(n, _)| !n.ends_with(".tmp") && !n.ends_with(".probe")));
            match result {
                Err(_) => prop_assert_eq!(&before, &after, "a failed set changed the folder"),
                Ok(()) => {
                    // Every named file now holds the new content, through links; nothing
                    // that is not a regular file was named (else the set would have failed);
                    // modes of existing files are kept.
                    for p in &paths {
                        prop_assert_eq!(std::fs::read_to_string(p).unwrap(), "after");
                    }
                    for (name, (kind, mode, _)) in &before {
                        let (kind2, mode2, _) = &after.iter().find(|(n, _)| n == name).unwrap().1;
                        prop_assert_eq!(kind, kind2, "{}", name);
                        prop_assert_eq!(mode, mode2, "{}", name);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// (name, (file type, mode, content)) of every entry of `d`, sorted.
#[cfg(unix)]
#[allow(clippy::type_complexity)]
fn snapshot(d: &Path) -> Vec<(String, (String, u32, String))> {
    use std::os::unix::fs::PermissionsExt;
    let mut v: Vec<(String, (String, u32, String))> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            let ft = meta.file_type();
            let kind = format!("{ft:?}");
            let content = if ft.is_file() {
                std::fs::read_to_string(e.path()).unwrap_or_default()
            } else {
                String::new()
            };
            (
                e.file_name().to_string_lossy().into_owned(),
                (kind, meta.permissions().mode(), content),
            )
        })
        .collect();
    v.sort();
    v
}

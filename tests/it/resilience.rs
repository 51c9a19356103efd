//! What a plan depends on: the independent max-flow against an LP, and the resilience section
//! of the embedded main job.

use crate::common::{json_stdout, sitefind_bin};
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution as _, SolverModel};
use sitefind::model::flow::max_served;

/// The most demand an LP (microlp) serves: max Σ x_ij, Σ_j x_ij ≤ cap_i, Σ_i x_ij ≤ d_j.
fn lp_max_served(cap: &[f64], demand: &[f64], allowed: &dyn Fn(usize, usize) -> bool) -> f64 {
    let mut vars = ProblemVariables::new();
    let mut x = Vec::new();
    for i in 0..cap.len() {
        for j in 0..demand.len() {
            if allowed(i, j) {
                x.push((i, j, vars.add(variable().min(0.0))));
            }
        }
    }
    let total: Expression = x.iter().map(|&(_, _, v)| v).sum();
    let mut model = vars.maximise(total.clone()).using(microlp);
    for (i, &c) in cap.iter().enumerate() {
        let e: Expression = x.iter().filter(|t| t.0 == i).map(|t| t.2).sum();
        model = model.with(e.leq(c));
    }
    for (j, &d) in demand.iter().enumerate() {
        let e: Expression = x.iter().filter(|t| t.1 == j).map(|t| t.2).sum();
        model = model.with(e.leq(d));
    }
    let sol = model.solve().unwrap();
    sol.eval(&total)
}

#[test]
fn max_flow_equals_an_independent_lp_on_random_instances() {
    // A fixed linear congruential generator: reproducible instances without a dependency.
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    for case in 0..60 {
        let n = 1 + (next() * 5.0) as usize;
        let m = 1 + (next() * 5.0) as usize;
        let cap: Vec<f64> = (0..n).map(|_| (next() * 400.0).round()).collect();
        let demand: Vec<f64> = (0..m).map(|_| (next() * 300.0).round()).collect();
        let mask: Vec<Vec<bool>> = (0..n)
            .map(|_| (0..m).map(|_| next() < 0.5).collect())
            .collect();
        let allowed = |i: usize, j: usize| mask[i][j];
        let served = max_served(&cap, &demand, &allowed);
        let lp = lp_max_served(&cap, &demand, &allowed);
        let flow: f64 = served.iter().sum();
        assert!(
            (flow - lp).abs() <= 1e-6 * lp.max(1.0),
            "case {case}: flow {flow} vs LP {lp}"
        );
        for (j, s) in served.iter().enumerate() {
            assert!(*s <= demand[j] + 1e-9, "case {case}: city {j} over-served");
        }
    }
}

/// The embedded main job's JSON report (without margins).
fn main_job_json() -> serde_json::Value {
    let args = [
        "--demand",
        "data/jp.json",
        "--format",
        "json",
        "-q",
        "--no-margins",
    ];
    let out = std::process::Command::new(sitefind_bin())
        .args(args)
        .current_dir(crate::common::repo())
        .output()
        .unwrap();
    json_stdout(&out)
}

#[test]
fn the_main_job_names_its_single_points_of_failure() {
    let r = main_job_json();
    let res = &r["resilience"];
    let total: f64 = r["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["demand_mw"].as_f64().unwrap())
        .sum();
    assert!(
        (res["intact_servable_mw"].as_f64().unwrap() - total).abs() < 1e-3,
        "{res}"
    );
    let domains = res["domains"].as_array().unwrap();
    assert!(!domains.is_empty());
    for d in domains {
        let servable = d["servable_mw"].as_f64().unwrap();
        let short: f64 = d["short"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["short_mw"].as_f64().unwrap())
            .sum();
        // What is servable and what falls short add up to the demand.
        assert!((servable + short - total).abs() < 1e-2, "{d}");
    }
    // Every chosen route to Osaka (Sydney basin, 124.4 ms of its 125 ms P95 limit) lands via
    // JGA-N: its loss must leave Osaka short, and the report must say so in words.
    let jga = domains
        .iter()
        .find(|d| d["id"] == "japan-guam-australia-north-jga-n")
        .expect("JGA-N on the plan's routes");
    assert!(
        jga["short"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["city_id"] == "osaka"),
        "{jga}"
    );
    let spof = res["single_points_of_failure"].as_array().unwrap();
    assert!(spof.iter().any(|s| s.as_str().unwrap().contains("JGA-N") && s.as_str().unwrap().contains("osaka")), "{spof:?}");
}

#[test]
fn every_city_states_its_slack_and_the_sites_that_fail_at_plus_5_percent() {
    let r = main_job_json();
    let mut knife_edges = 0;
    for c in r["cities"].as_array().unwrap() {
        let limit = c["max_rtt_ms"].as_f64().unwrap();
        let p95 = c["limit_statistic"] == "p95";
        let rtts: Vec<(String, f64)> = c["served_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let key = if p95 { "rtt_p95_ms" } else { "rtt_ms" };
                (
                    a["site_id"].as_str().unwrap().to_string(),
                    a[key].as_f64().unwrap(),
                )
            })
            .collect();
        let worst = rtts.iter().map(|x| x.1).fold(f64::NEG_INFINITY, f64::max);
        let slack = c["slack_ms"].as_f64().unwrap();
        assert!(
            (slack - (limit - worst)).abs() <= 0.011,
            "{}: slack {slack} vs {}",
            c["id"],
            limit - worst
        );
        let mut fail: Vec<String> = rtts
            .iter()
            .filter(|x| x.1 * 1.05 > limit)
            .map(|x| x.0.clone())
            .collect();
        fail.sort();
        fail.dedup();
        let stated: Vec<String> = c["fail_at_plus_5pct"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(stated, fail, "{}", c["id"]);
        knife_edges += usize::from(!fail.is_empty());
    }
    // Osaka sits within a few ms of its 125 ms P95 limit (124.4 ms): a 5 % error breaks it
    // (Tokyo's sites now sit at 116.5-118.6 ms: +5 % keeps them within 125 ms).
    assert!(knife_edges >= 1, "{knife_edges}");
}

#[test]
fn guam_is_a_hub_and_a_single_point_of_failure_of_the_main_job() {
    let r = main_job_json();
    let res = &r["resilience"];
    let domains = res["domains"].as_array().unwrap();
    // Sorted by (kind, id), kinds in the order cable, landing, hub.
    let rank = |k: &str| {
        ["cable", "landing", "hub"]
            .iter()
            .position(|x| *x == k)
            .unwrap()
    };
    let keys: Vec<(usize, String)> = domains
        .iter()
        .map(|d| {
            (
                rank(d["kind"].as_str().unwrap()),
                d["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(
        domains.iter().any(|d| d["kind"] == "landing"),
        "{domains:?}"
    );
    // Every route within 125 ms lands in Guam: losing it leaves Tokyo and Osaka short.
    let guam = domains
        .iter()
        .find(|d| d["kind"] == "hub" && d["id"] == "Guam")
        .expect("Guam is a hub on the plan's routes");
    let short: Vec<&str> = guam["short"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["city_id"].as_str().unwrap())
        .collect();
    assert!(
        short.contains(&"tokyo") && short.contains(&"osaka"),
        "{guam}"
    );
    let spof = res["single_points_of_failure"].as_array().unwrap();
    assert!(
        spof.iter().any(|s| {
            let s = s.as_str().unwrap();
            s.starts_with("losing hub Guam leaves") && s.contains("tokyo") && s.contains("osaka")
        }),
        "{spof:?}"
    );
}

#[test]
fn every_site_reports_its_backhaul_along_the_route_and_its_price() {
    let r = main_job_json();
    let rate = r["parameters"]["cost"]["backhaul_aud_per_km_yr"]
        .as_f64()
        .unwrap();
    assert_eq!(rate, 10_800.0);
    for s in r["sites"].as_array().unwrap() {
        let km = s["backhaul_km"].as_f64().unwrap();
        let aud = s["backhaul_aud_per_yr"].as_f64().unwrap();
        // The route is at least as long as the great circle to the nearest landing.
        assert!(km + 0.01 >= s["landing"]["km"].as_f64().unwrap(), "{s}");
        // km is rounded to 0.001 at output, the money to A$1.
        assert!((aud - rate * km).abs() <= 1.0 + rate * 0.0005, "{s}");
        assert!(
            (s["cost"]["network_aud_per_yr"].as_f64().unwrap() - aud).abs() <= 1.0,
            "{s}"
        );
    }
}

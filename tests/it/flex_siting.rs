//! Flexible (training) load in the siting model (`sitefind::flexload`, docs/energy.md):
//! the headroom grid against brute force on a small instance, f = 0 byte-identical to a flat
//! run, bad shares rejected, the example never dearer than flat.

use crate::common::{repo, sitefind_bin};
use serde_json::Value;
use sitefind::cost::SiteCostRates;
use sitefind::flexload::{self, HEADROOM_RATIOS};
use sitefind::model::{CityInput, SiteInput, SitingProblem};
use sitefind::scenario::{Objective, Scenario};
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

/// A site's rates: capex, grid connection per MW-yr, PUE and flat energy price.
fn rates(capex: f64, grid: f64, pue: f64, price: f64) -> SiteCostRates {
    let load_hours = 0.8 * 8760.0;
    SiteCostRates {
        site_fixed_aud_per_yr: 0.0,
        network_aud_per_yr: 0.0,
        capex_aud_per_mw_yr: capex,
        grid_aud_per_mw_yr: grid,
        pue,
        wholesale_aud_per_mwh: price,
        capacity_factor: None,
        ppa_aud_per_mwh: None,
        energy_price_aud_per_mwh: price,
        energy_aud_per_mw_yr: load_hours * pue * price,
        network_charge_aud_per_mw_yr: 0.0,
        supply: None,
    }
}

/// Three sites, three cities (0 flat; 1 and 2 flexible with different shares); some pairs
/// out of reach.
struct Instance {
    rates: Vec<SiteCostRates>,
    fixed: Vec<f64>,
    shares: Vec<f64>,
    demand: Vec<f64>,
    reach: Vec<Vec<bool>>,
    /// Energy saving per MWh at full headroom H = f, per site.
    saving_full: Vec<f64>,
}

impl Instance {
    fn new() -> Instance {
        Instance {
            rates: vec![
                rates(1.3e6, 40e3, 1.15, 108.0),
                rates(1.2e6, 90e3, 1.20, 112.0),
                rates(1.4e6, 20e3, 1.10, 104.0),
            ],
            fixed: vec![2.4e6, 1.8e6, 3.0e6],
            shares: vec![0.0, 0.3, 0.2],
            demand: vec![50.0, 40.0, 30.0],
            reach: vec![
                vec![true, true, false],
                vec![true, false, true],
                vec![false, true, true],
            ],
            saving_full: vec![14.0, 9.0, 12.0],
        }
    }

    /// Flexible price per MWh of average load at headroom h for city j (concave saving in h:
    /// the first MW of headroom saves most).
    fn price(&self, i: usize, j: usize, h: f64) -> f64 {
        let f = self.shares[j];
        let flat = self.rates[i].energy_price_aud_per_mwh;
        if f <= 0.0 || h <= 0.0 {
            return flat;
        }
        let x = (h / f).min(1.0);
        flat - self.saving_full[i] * (1.0 - (1.0 - x) * (1.0 - x))
    }

    fn prices(&self, ratio: f64) -> Vec<Vec<f64>> {
        (0..3)
            .map(|i| {
                (0..3)
                    .map(|j| self.price(i, j, ratio * self.shares[j]))
                    .collect()
            })
            .collect()
    }

    /// The flat problem.
    fn base(&self) -> SitingProblem {
        SitingProblem {
            sites: (0..3)
                .map(|i| SiteInput {
                    id: format!("s{i}"),
                    fixed_cost_aud: self.fixed[i],
                    var_cost_aud_per_mw: self.rates[i].per_mw_aud_per_yr(),
                    min_mw: 0.0,
                    max_mw: 1e4,
                    zone: None,
                    pue: self.rates[i].pue,
                    must_build: false,
                    excluded: false,
                })
                .collect(),
            cities: (0..3)
                .map(|j| CityInput {
                    id: format!("c{j}"),
                    demand_mw: self.demand[j],
                    max_rtt_ms: 100.0,
                    min_sites: 1,
                })
                .collect(),
            zones: Vec::new(),
            rtt_ms: self
                .reach
                .iter()
                .map(|r| r.iter().map(|&ok| if ok { 50.0 } else { 500.0 }).collect())
                .collect(),
            assign_cost_aud_per_mw: vec![vec![0.0; 3]; 3],
            max_sites: None,
            module_mw: None,
            unserved_penalty_aud_per_mw: 1e9,
            objective: Objective::MinCost,
            cost_cap_aud_per_yr: None,
            budget_aud_per_yr: None,
            shared_limits: Vec::new(),
            cover_sets: Vec::new(),
            capacity_rows: Vec::new(),
            flow_caps: Vec::new(),
            contingencies: Vec::new(),
            separation: None,
        }
    }

    /// Independent cost of serving one MW of *average* load of city j from site i at ratio
    /// ρ: capacity for the peak (the headroom at `a_h` when given), energy on the average.
    fn unit_cost(&self, i: usize, j: usize, ratio: f64, a_h: Option<f64>) -> f64 {
        let r = &self.rates[i];
        let h = ratio * self.shares[j];
        let capacity = match a_h {
            None => (1.0 + h) * (r.capex_aud_per_mw_yr + r.grid_aud_per_mw_yr),
            Some(a) => {
                r.capex_aud_per_mw_yr + r.grid_aud_per_mw_yr + h * (a + r.grid_aud_per_mw_yr)
            }
        };
        capacity + 0.8 * 8760.0 * r.pue * self.price(i, j, h)
    }

    /// Brute force over the headroom grid × every set of open sites: the least annual cost.
    fn brute_force(&self, a_h: Option<f64>) -> (f64, f64) {
        let mut best = (f64::INFINITY, -1.0);
        for &ratio in &HEADROOM_RATIOS {
            for mask in 1u32..8 {
                let open: Vec<usize> = (0..3).filter(|i| mask & (1 << i) != 0).collect();
                let mut cost: f64 = open.iter().map(|&i| self.fixed[i]).sum();
                for j in 0..3 {
                    let c = open
                        .iter()
                        .filter(|&&i| self.reach[i][j])
                        .map(|&i| self.unit_cost(i, j, ratio, a_h))
                        .fold(f64::INFINITY, f64::min);
                    cost += self.demand[j] * c;
                }
                if cost < best.0 * (1.0 - 1e-12) {
                    best = (cost, ratio);
                }
            }
        }
        best
    }
}

#[test]
fn headroom_grid_matches_brute_force_over_ratios_and_open_sets() {
    let inst = Instance::new();
    let base = inst.base();
    let opts = sitefind::engine::SolveOptions::default();
    let mut chosen = Vec::new();
    for a_h in [None, Some(0.0), Some(150e3), Some(400e3)] {
        let mut scenario = Scenario::default();
        scenario.supply.server_capex_aud_per_mw_yr = a_h;
        // Ratio 0 is the flat problem itself.
        let (flat_p, _) = flexload::apply_prices(
            &base,
            &inst.rates,
            &scenario,
            &inst.shares,
            0.0,
            inst.prices(0.0),
            inst.prices(1.0),
        );
        assert_eq!(flat_p, base);
        let (_, flat_sol) = sitefind::engine::solve(&base, &opts).unwrap();
        let flat_cost = sitefind::check::check(&base, &flat_sol).objective_recomputed;
        let make = |ratio: f64| {
            flexload::apply_prices(
                &base,
                &inst.rates,
                &scenario,
                &inst.shares,
                ratio,
                inst.prices(ratio),
                inst.prices(1.0),
            )
        };
        let (best, grid) = flexload::solve_ratios(&make, flat_cost, &opts);
        assert_eq!(grid.len(), HEADROOM_RATIOS.len());
        let (cost, ratio) = match &best {
            Some(b) => (b.true_cost_aud, b.model.ratio),
            None => (flat_cost, 0.0),
        };
        let (bf_cost, bf_ratio) = inst.brute_force(a_h);
        assert!(
            (cost - bf_cost).abs() <= 1e-7 * bf_cost,
            "server capex {a_h:?}: grid {cost} (H/f {ratio}) vs brute force {bf_cost} (H/f {bf_ratio}); {grid:?}"
        );
        assert_eq!(ratio, bf_ratio, "server capex {a_h:?}");
        // Every ratio's plan cost is at least the brute force's best at that ratio's grid.
        assert!(grid
            .iter()
            .all(|g| g.cost_aud_per_yr.unwrap() >= bf_cost * (1.0 - 1e-9)));
        chosen.push(ratio);
    }
    // The instance is not trivial: the server capex moves the chosen headroom.
    chosen.dedup();
    assert!(chosen.len() >= 2, "{chosen:?}");
}

#[test]
fn spare_capacity_is_charged_back_in_the_true_cost() {
    // A minimum size above what a site serves: the solver's objective under-prices the spare
    // MW by the site's shift; the true cost adds it back and equals the independent sum.
    let inst = Instance::new();
    let mut base = inst.base();
    for s in &mut base.sites {
        s.min_mw = 200.0;
    }
    let scenario = Scenario::default();
    let (p, model) = flexload::apply_prices(
        &base,
        &inst.rates,
        &scenario,
        &inst.shares,
        1.0,
        inst.prices(1.0),
        inst.prices(1.0),
    );
    let (_, sol) = sitefind::engine::solve(&p, &Default::default()).unwrap();
    let objective = sitefind::check::check(&p, &sol).objective_recomputed;
    let truth = flexload::true_cost_aud(objective, &model, &sol);
    let mut independent = 0.0;
    let mut served = [0.0; 3];
    for &(i, j, x) in &sol.flows {
        served[i] += x;
        let h = model.headroom_mw[j];
        let r = &inst.rates[i];
        // Per MW of peak: capacity at the full rate, energy on the average load.
        independent += x * (r.capex_aud_per_mw_yr + r.grid_aud_per_mw_yr)
            + x / (1.0 + h) * 0.8 * 8760.0 * r.pue * inst.price(i, j, h);
    }
    for (i, s) in served.iter().enumerate() {
        if sol.open[i] {
            let r = &inst.rates[i];
            independent += inst.fixed[i] + (sol.capacity_mw[i] - s) * r.per_mw_aud_per_yr();
        }
    }
    assert!(sol
        .capacity_mw
        .iter()
        .zip(&served)
        .any(|(c, s)| c - s > 1.0));
    assert!(
        (truth - independent).abs() <= 1e-7 * independent,
        "{truth} vs {independent}"
    );
    assert!(truth > objective);
}

/// `data/jp.json` with `flexible_share: 0` on every record, written to a temporary file.
fn jp_with(share: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo().join("data/jp.json")).unwrap();
    let text = text.replace(
        "\"min_sites\": 1\n",
        &format!("\"min_sites\": 1,\n      \"flexible_share\": {share}\n"),
    );
    let path = dir.join("jp.json");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn zero_flexible_share_gives_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let zero = jp_with("0", dir.path());
    assert!(std::fs::read_to_string(&zero)
        .unwrap()
        .contains("\"flexible_share\": 0"));
    let flat = run(&["--demand", "data/jp.json", "-q", "--no-margins"]);
    let with_zero = run(&["--demand", zero.to_str().unwrap(), "-q", "--no-margins"]);
    let by_flag = run(&[
        "--demand",
        "data/jp.json",
        "-q",
        "--no-margins",
        "--flexible-training-share",
        "0",
    ]);
    assert!(flat.status.success(), "{}", stderr(&flat));
    let a = String::from_utf8(flat.stdout).unwrap();
    let b = String::from_utf8(with_zero.stdout)
        .unwrap()
        .replace(zero.to_str().unwrap(), "data/jp.json");
    assert_eq!(a, b);
    assert_eq!(a.as_bytes(), by_flag.stdout.as_slice());
    assert!(!a.contains("FLEXIBLE LOAD"));
}

#[test]
fn bad_flexible_shares_exit_1_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (share, found) in [("0.7", "0.7"), ("-0.1", "-0.1"), ("\"0.3\"", "the string")] {
        let path = jp_with(share, dir.path());
        let o = run(&["--demand", path.to_str().unwrap(), "-q"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("\"Nagoya\": field `flexible_share`"), "{e}");
        assert!(e.contains("expected a number in [0, 0.5]"), "{e}");
        assert!(e.contains(found), "{e}");
        assert!(e.contains("hint:"), "{e}");
    }
    // JSON has no NaN: a parse error with the position.
    let path = jp_with("NaN", dir.path());
    let o = run(&["--demand", path.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("NaN"), "{}", stderr(&o));
    for v in ["0.7", "NaN", "-0.2"] {
        let o = run(&["-q", "--flexible-training-share", v]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains("demand.flexible_training_share"), "{e}");
        assert!(e.contains("hint:"), "{e}");
    }
}

/// A small demand: one inference city and one flexible training city (few supply zones, so
/// few flexible portfolios to compute).
fn small_demand(dir: &std::path::Path, tokyo_share: f64) -> std::path::PathBuf {
    let text = format!(
        r#"{{"demand": [
 {{"id": "tokyo", "name": "Tokyo", "lon": 139.75141, "lat": 35.68502, "it_load_mw": 100, "max_rtt_ms": 125, "workload": "inference", "flexible_share": {tokyo_share}}},
 {{"id": "nagoya", "name": "Nagoya", "lon": 136.91499, "lat": 35.155, "it_load_mw": 60, "max_rtt_ms": 130, "workload": "training", "flexible_share": 0.3}}]}}"#
    );
    let path = dir.join("small.json");
    std::fs::write(&path, text).unwrap();
    path
}

fn report(args: &[&str]) -> Value {
    let o = run(args);
    crate::common::json_stdout(&o)
}

#[test]
fn flexible_plan_never_costs_more_than_flat_and_reports_its_terms() {
    let dir = tempfile::tempdir().unwrap();
    let demand = small_demand(dir.path(), 0.0);
    let d = demand.to_str().unwrap();
    let base = ["--demand", d, "-q", "--no-margins", "--format", "json"];
    let flat = report(&[&base[..], &["--flexible-training-share", "0"]].concat());
    let flat_cost = flat["check"]["objective_recomputed"].as_f64().unwrap();
    // Default server capex (the site's own capex per MW): declined, the flat plan.
    let declined = report(&base);
    let f = &declined["flexibility"];
    assert_eq!(f["headroom_ratio"], 0.0);
    assert!(
        f["declined"].as_str().unwrap().contains("costs more"),
        "{f}"
    );
    assert_eq!(declined["check"]["objective_recomputed"], flat_cost);
    let be = f["sites"][0]["break_even_server_capex_aud_per_mw_yr"]
        .as_f64()
        .unwrap();
    assert!(be > 1e5 && be < 1e6, "{be}");
    // Free servers: flexibility taken, never dearer, the site costs add up to the objective.
    let free = report(&[&base[..], &["--server-capex-aud-per-mw-yr", "0"]].concat());
    let f = &free["flexibility"];
    assert!(f["headroom_ratio"].as_f64().unwrap() > 0.0, "{f}");
    assert_eq!(free["check"]["feasible"], true);
    let cost = free["check"]["objective_recomputed"].as_f64().unwrap();
    assert!(cost < flat_cost, "{cost} vs flat {flat_cost}");
    let sites: f64 = free["totals"]["cost"]["total_aud_per_yr"].as_f64().unwrap();
    assert!(
        (sites - cost).abs() <= 1e-6 * cost + 2.0,
        "{sites} vs {cost}"
    );
    let saving = f["saving_vs_flat_aud_per_yr"].as_f64().unwrap();
    assert!((saving - (flat_cost - cost)).abs() <= 1e-6 * flat_cost + 2.0);
    assert!(f["energy_saving_aud_per_yr"].as_f64().unwrap() > 0.0);
    // The city is served at its average; capacity is built for the peak.
    let nagoya = free["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "nagoya")
        .unwrap();
    assert!((nagoya["served_mw"].as_f64().unwrap() - 60.0).abs() < 1e-6);
    let built = free["totals"]["built_mw"].as_f64().unwrap();
    let h = f["cities"][0]["headroom_mw"].as_f64().unwrap();
    assert!(built >= 100.0 + 60.0 * (1.0 + h) - 1e-6, "{built}");
    // The report validates against its schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("src/report/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for doc in [&declined, &free] {
        let errors: Vec<String> = validator.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn a_flexible_inference_city_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let demand = small_demand(dir.path(), 0.3);
    // Tokyo at the training cities' share: the same flexible portfolios as the test above.
    let o = run(&["--demand", demand.to_str().unwrap(), "-q", "--no-margins"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: Tokyo (tokyo) is an inference load with flexible_share 0.3"),
        "{}",
        stderr(&o)
    );
}

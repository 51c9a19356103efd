//! The 24/7 CFE supply model: AEMO trace reader on the public files, bad trace files through the
//! CLI, and the portfolio search against an independent LP (model.md §5a) on real traces.

use crate::common::{public_data, sitefind_bin};
use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use sitefind::data::Dataset;
use sitefind::scenario::Scenario;
use sitefind::supply::dispatch::DELTA_H;
use sitefind::supply::dispatch::{grid_with_gradient, simulate, Design, GradScratch, Scratch};
use sitefind::supply::optimise::{optimise, optimise_nelder_mead, Problem};
use sitefind::supply::regional::{optimise_regional, RegionalProblem, Source, Technology};
use sitefind::supply::{self, synth, UnitCosts};
use std::process::Command;

/// The LP of model.md §5a, built variable by variable, solved by `solver`. Returns
/// (annual cost per MW of load, [S, W, P, E], grid MWh over the horizon).
fn lp_reference<S: good_lp::Solver>(p: &Problem<'_>, solver: S) -> (f64, [f64; 4], f64)
where
    S::Model: SolverModel,
{
    let a = p.annualised;
    let mut sources: Vec<(&[f64], f64)> = Vec::new();
    let (si, wi) = (
        p.solar.map(|_| 0),
        p.wind.map(|_| usize::from(p.solar.is_some())),
    );
    sources.extend(p.solar.map(|s| (s, a[0])));
    sources.extend(p.wind.map(|w| (w, a[1])));
    let lp = LpSupply {
        sources: &sources,
        battery: [a[2], a[3]],
        price: p.grid_price_aud_per_mwh,
        eta: p.round_trip_efficiency,
        target: p.cfe_target,
    };
    let (cost, caps, pe, gm) = lp_sources(&lp, solver);
    let cap = |i: Option<usize>| i.map_or(0.0, |i| caps[i]);
    (cost, [cap(si), cap(wi), pe[0], pe[1]], gm)
}

/// model.md §5a's LP over any number of renewable sources (profile, annualised AUD per MW
/// per year) with one battery (annualised AUD per MW and per MWh per year).
struct LpSupply<'a> {
    sources: &'a [(&'a [f64], f64)],
    battery: [f64; 2],
    price: f64,
    eta: f64,
    target: f64,
}

/// Solves [`LpSupply`] with `solver`: (annual cost per MW of load, capacity per source,
/// [P, E], grid MWh over the horizon). The horizon is the shortest profile's.
fn lp_sources<S: good_lp::Solver>(p: &LpSupply<'_>, solver: S) -> (f64, Vec<f64>, [f64; 2], f64)
where
    S::Model: SolverModel,
{
    let n = p.sources.iter().map(|s| s.0.len()).min().unwrap_or(0);
    let se = p.eta.sqrt();
    let mut vars = ProblemVariables::new();
    let caps: Vec<Variable> = p
        .sources
        .iter()
        .map(|_| vars.add(variable().min(0.0)))
        .collect();
    let pv = vars.add(variable().min(0.0));
    let ev = vars.add(variable().min(0.0));
    let mk = |vars: &mut ProblemVariables| -> Vec<Variable> {
        (0..n).map(|_| vars.add(variable().min(0.0))).collect()
    };
    let (g, q, h, d, e) = (
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
    );
    let load_mwh = DELTA_H * n as f64;
    let k = 8760.0 / load_mwh;
    let grid: Expression = g.iter().map(|&x| DELTA_H * x).sum();
    let capex: Expression = p.sources.iter().zip(&caps).map(|(s, &c)| s.1 * c).sum();
    let objective = capex + p.battery[0] * pv + p.battery[1] * ev + p.price * k * grid.clone();
    let mut model = vars.minimise(objective).using(solver);
    for t in 0..n {
        let ren: Expression = p.sources.iter().zip(&caps).map(|(s, &c)| s.0[t] * c).sum();
        model.add_constraint((ren.clone() - q[t] + d[t] - h[t] + g[t]).eq(1.0));
        model.add_constraint((ren - q[t] - h[t]).geq(0.0));
        let prev = e[(t + n - 1) % n];
        model.add_constraint((e[t] - prev - DELTA_H * se * h[t] + (DELTA_H / se) * d[t]).eq(0.0));
        model.add_constraint((e[t] - ev).leq(0.0));
        model.add_constraint((h[t] - pv).leq(0.0));
        model.add_constraint((d[t] - pv).leq(0.0));
    }
    model.add_constraint(grid.leq((1.0 - p.target) * load_mwh));
    let sol = model.solve().unwrap();
    let x: Vec<f64> = caps.iter().map(|&c| sol.value(c)).collect();
    let pe = [sol.value(pv), sol.value(ev)];
    let gm: f64 = g.iter().map(|&v| DELTA_H * sol.value(v)).sum();
    let cost = p.sources.iter().zip(&x).map(|(s, x)| s.1 * x).sum::<f64>()
        + p.battery[0] * pe[0]
        + p.battery[1] * pe[1]
        + p.price * k * gm;
    (cost, x, pe, gm)
}

/// Q1's (or another zone's) real profiles from the embedded AEMO traces, cut to `days` days
/// starting at `start_day`, with the default costs.
fn reduced(zone: &str, start_day: usize, days: usize) -> (Vec<f64>, Vec<f64>, [f64; 4], f64) {
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    let z = ds.zones.iter().find(|z| z.id == zone).unwrap();
    let prof = synth::zone_profile(&ds, z, &s.supply);
    let r = start_day * 48..(start_day + days) * 48;
    let solar = prof.solar.unwrap()[r.clone()].to_vec();
    let wind = prof.wind.unwrap()[r].to_vec();
    let c = UnitCosts::new(&s.supply, s.cost.discount_rate, false);
    let a = [
        c.solar_annualised_aud_per_mw_yr,
        c.wind_annualised_aud_per_mw_yr,
        c.battery_power_annualised_aud_per_mw_yr,
        c.battery_energy_annualised_aud_per_mwh_yr,
    ];
    let price = ds
        .regions
        .iter()
        .find(|r| r.id == z.region)
        .unwrap()
        .price_aud_per_mwh;
    (solar, wind, a, price)
}

fn problem<'a>(
    solar: &'a [f64],
    wind: &'a [f64],
    a: [f64; 4],
    price: f64,
    target: f64,
) -> Problem<'a> {
    Problem {
        solar: Some(solar),
        wind: Some(wind),
        annualised: a,
        grid_price_aud_per_mwh: price,
        export_value_aud_per_mwh: 0.0,
        round_trip_efficiency: 0.85,
        cfe_target: target,
    }
}

#[test]
fn portfolio_matches_an_independent_lp_on_real_traces() {
    // Two weeks of AEMO 2011 traces: Q1 from mid-winter (1 July) and N2 from late summer.
    for (zone, start) in [("Q1", 0usize), ("N2", 220)] {
        let (solar, wind, a, price) = reduced(zone, start, 14);
        for target in [0.6, 0.9, 0.97] {
            let p = problem(&solar, &wind, a, price, target);
            let ours = optimise(&p);
            let (lp_cost, lp_x, lp_g) = lp_reference(&p, good_lp::microlp);
            let rel = (ours.annual_cost_aud - lp_cost) / lp_cost;
            eprintln!(
                "{zone} target {target}: search A${:.0} {:?} vs LP A${lp_cost:.0} {lp_x:?} ({:+.3} %)",
                ours.annual_cost_aud,
                ours.design.to_array(),
                100.0 * rel
            );
            assert!(rel.abs() < 0.005, "{zone} {target}: {rel}");
            // The level method's lower bound is proven: never above the LP's optimum.
            assert!(
                ours.lower_bound_aud <= lp_cost * (1.0 + 1e-7),
                "{zone} {target}: bound {} > LP {lp_cost}",
                ours.lower_bound_aud
            );
            // The LP can never beat its own optimum by much; ours cannot be cheaper than the LP
            // beyond solver tolerance (it is a feasible point of the same LP).
            assert!(rel > -1e-6, "{zone} {target}: {rel}");
            // The CFE constraint holds in both.
            let g_max = (1.0 - target) * DELTA_H * solar.len() as f64;
            assert!(ours.energy.grid_mwh <= g_max * (1.0 + 1e-9) + 1e-9);
            assert!(lp_g <= g_max * (1.0 + 1e-6) + 1e-6);
        }
    }
}

#[cfg(feature = "highs")]
#[test]
fn portfolio_matches_highs_on_four_weeks() {
    let (solar, wind, a, price) = reduced("Q1", 0, 28);
    let p = problem(&solar, &wind, a, price, 0.9);
    let ours = optimise(&p);
    let (lp_cost, _, _) = lp_reference(&p, good_lp::highs);
    let rel = (ours.annual_cost_aud - lp_cost) / lp_cost;
    assert!(rel.abs() < 0.005 && rel > -1e-6, "{rel}");
}

#[test]
fn monotone_in_target_and_zero_target_is_all_grid() {
    let (solar, wind, a, price) = reduced("Q1", 0, 28);
    let mut last = 0.0;
    for target in [0.0, 0.3, 0.6, 0.8, 0.9, 0.95] {
        let sol = optimise(&problem(&solar, &wind, a, price, target));
        assert!(sol.feasible);
        assert!(
            sol.annual_cost_aud >= last * (1.0 - 1e-4),
            "target {target}: {} < {last}",
            sol.annual_cost_aud
        );
        last = sol.annual_cost_aud;
        if target == 0.0 {
            // Without a target, renewables are built only where they are cheaper than the grid
            // energy they displace: never dearer than buying everything.
            assert!(sol.annual_cost_aud <= price * 8760.0 * (1.0 + 1e-9));
        }
    }
    // Target 0 with a grid price below every technology's cost per MWh (solar at Q1 costs
    // ~A$42/MWh of output with the default GenCost figures): the answer is all grid.
    let cheap = 30.0;
    let sol = optimise(&problem(&solar, &wind, a, cheap, 0.0));
    assert_eq!(sol.design.to_array(), [0.0; 4]);
    assert!((sol.energy.grid_mwh - sol.energy.load_mwh).abs() < 1e-9);
    assert!((sol.annual_cost_aud - cheap * 8760.0).abs() < 1e-6);
}

#[test]
fn supply_cli_reports_sources_and_parameters() {
    let out = Command::new(sitefind_bin())
        .args([
            "supply",
            "--zone",
            "N3",
            "--cfe-target",
            "0.8",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v = crate::common::json_stdout(&out);
    assert_eq!(v["zone_id"], "N3");
    assert!(v["cfe"].as_f64().unwrap() >= 0.8 - 1e-9);
    assert_eq!(v["solar_source"]["method"], "sun-position+donor-cloudiness");
    assert_eq!(v["wind_source"]["method"], "donor-power-transform");
    assert!(v["solar_source"]["donor_zone"].is_string());
    let p = &v["parameters"];
    for key in ["solar", "wind", "battery_power"] {
        assert!(
            p[key]["annualised_aud_per_mw_yr"].as_f64().unwrap() > 0.0,
            "{key}"
        );
    }
    assert!(
        p["battery_energy"]["annualised_aud_per_mwh_yr"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(p["round_trip_efficiency"], 0.85);
    assert!(p["grid_price_aud_per_mwh"].as_f64().unwrap() > 0.0);
    // Unknown zone → exit 1 with a hint.
    let out = Command::new(sitefind_bin())
        .args(["supply", "--zone", "ZZ"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

#[test]
fn public_traces_read_unchanged() {
    let Some(dir) = public_data("public_traces_read_unchanged") else {
        return;
    };
    let folder = dir.join("traces");
    let tmp = tempfile::tempdir().unwrap();
    let manifest = tmp.path().join("m.toml");
    // Only the layers the traces need besides the required ones: reuse the embedded files'
    // public counterparts would be slow; point the required layers at the repo's own CSVs.
    let repo = crate::common::repo().join("data");
    let text = format!(
        "[zones]\nformat = \"sitefind-csv\"\npath = \"{r}/zones.csv\"\n\
         [substations]\nformat = \"sitefind-csv\"\npath = \"{r}/substations.csv\"\n\
         [minerals]\nformat = \"sitefind-csv\"\npath = \"{r}/minerals.csv\"\n\
         [landings]\nformat = \"sitefind-csv\"\npath = \"{r}/landings.csv\"\n\
         [cables]\nformat = \"sitefind-csv\"\npath = \"{r}/cables.csv\"\nsegments = \"{r}/cable_segments.csv\"\n\
         [regions]\nformat = \"sitefind-csv\"\npath = \"{r}/regions.csv\"\n\
         [traces]\nformat = \"aemo-trace-csv\"\npath = \"{t}\"\n",
        r = repo.display(),
        t = folder.display()
    );
    std::fs::write(&manifest, text).unwrap();
    let ds = Dataset::load(&manifest).unwrap();
    assert_eq!(ds.traces.len(), 18);
    let embedded = Dataset::embedded().unwrap();
    for t in &ds.traces {
        assert_eq!(t.values.len(), 365 * 48, "{}", t.source);
        assert_eq!(t.first_day, (2025, 7, 1));
        let m = t.mean();
        let (lo, hi) = match t.technology.as_str() {
            "SAT" => (0.22, 0.31),
            "WH" => (0.28, 0.50),
            "WM" => (0.25, 0.45),
            other => panic!("unexpected technology {other}"),
        };
        // PROVENANCE.md gives the ranges as approximate ("≈"): allow 0.01 either side.
        assert!(m >= lo - 0.01 && m <= hi + 0.01, "{} mean {m}", t.source);
        // Means computed independently with Python's csv module from the same files.
        let known = match (t.zone_id.as_str(), t.technology.as_str(), t.reference_year) {
            ("N1", "WH", 2011) => Some(0.2757),
            ("N2", "SAT", 2011) => Some(0.2203),
            ("Q1", "WM", 2018) => Some(0.4528),
            ("Q1", "SAT", 2018) => Some(0.2830),
            _ => None,
        };
        if let Some(k) = known {
            assert!((m - k).abs() < 1e-4, "{} mean {m} vs {k}", t.source);
        }
        // The embedded per-mille copy differs by at most half a thousandth per value.
        let e = embedded
            .traces
            .iter()
            .find(|x| {
                (&x.zone_id, &x.technology, x.reference_year)
                    == (&t.zone_id, &t.technology, t.reference_year)
            })
            .unwrap();
        let worst = t
            .values
            .iter()
            .zip(&e.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        assert!(worst <= 0.0005 + 1e-12, "{}: {worst}", t.source);
    }
}

/// Writes a trace file with a defect and checks `sitefind validate` exits 1 naming the file,
/// line and column.
#[test]
fn bad_trace_files_exit_1_with_file_line_column() {
    let tmp = tempfile::tempdir().unwrap();
    let good: String = {
        let mut s = String::from("Year,Month,Day");
        for p in 1..=48 {
            s.push_str(&format!(",{p}"));
        }
        s.push('\n');
        for d in 1..=3 {
            s.push_str(&format!("2025,7,{d}"));
            for _ in 0..48 {
                s.push_str(",0.25");
            }
            s.push('\n');
        }
        s
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "ragged",
            good.replacen("2025,7,2,0.25,", "2025,7,2,", 1),
            "line 3: expected 51 fields",
        ),
        (
            "47 periods",
            good.replacen(",48\n", "\n", 1),
            "line 1 (header): expected 51 columns",
        ),
        (
            "1.5",
            good.replacen("2025,7,2,0.25", "2025,7,2,1.5", 1),
            "line 3, column 4: field `1`",
        ),
        (
            "-0.1",
            good.replacen("2025,7,3,0.25,0.25", "2025,7,3,0.25,-0.1", 1),
            "line 4, column 5: field `2`",
        ),
        (
            "missing day",
            good.replacen("2025,7,2,", "2025,7,9,", 1),
            "line 3, column 1: field `Day`",
        ),
    ];
    let repo = crate::common::repo().join("data");
    for (what, text, needle) in cases {
        let dir = tmp.path().join(what.replace(' ', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv");
        std::fs::write(&file, text).unwrap();
        let manifest = dir.join("m.toml");
        std::fs::write(
            &manifest,
            format!(
                "[zones]\nformat = \"sitefind-csv\"\npath = \"{r}/zones.csv\"\n\
                 [substations]\nformat = \"sitefind-csv\"\npath = \"{r}/substations.csv\"\n\
                 [minerals]\nformat = \"sitefind-csv\"\npath = \"{r}/minerals.csv\"\n\
                 [landings]\nformat = \"sitefind-csv\"\npath = \"{r}/landings.csv\"\n\
                 [cables]\nformat = \"sitefind-csv\"\npath = \"{r}/cables.csv\"\nsegments = \"{r}/cable_segments.csv\"\n\
                 [regions]\nformat = \"sitefind-csv\"\npath = \"{r}/regions.csv\"\n\
                 [traces]\nformat = \"aemo-trace-csv\"\npath = \"{f}\"\n",
                r = repo.display(),
                f = file.display()
            ),
        )
        .unwrap();
        let out = Command::new(sitefind_bin())
            .args(["validate", "--data"])
            .arg(&manifest)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv"),
            "{what}: {err}"
        );
        assert!(err.contains(needle), "{what}: {err}");
        assert!(err.contains("hint:"), "{what}: {err}");
    }
}

/// Solar MW drawn on `zone` by the chosen sites of a report.
fn solar_drawn(r: &sitefind::report::Report, zone: &str) -> f64 {
    r.sites
        .iter()
        .filter_map(|s| s.supply.as_ref())
        .filter(|s| s.per_mw_load.zone_id.as_deref() == Some(zone))
        .map(|s| s.solar_mw)
        .sum()
}

#[test]
fn zone_resource_limit_binds_and_moves_load() {
    // Queensland only, every city reachable, 1,000 MW of demand: Q1 (Far North QLD) has the
    // cheapest QLD portfolio but a 1,100 MW solar resource limit (AEMO 2024 ISP build limits).
    let ds = Dataset::embedded().unwrap();
    let mut demand = sitefind::data::Demand::embedded().unwrap();
    let total: f64 = demand.nodes.iter().map(|n| n.it_load_mw).sum();
    for n in &mut demand.nodes {
        n.it_load_mw *= 1000.0 / total;
    }
    let mut s = Scenario::default();
    s.candidates.regions = vec!["QLD".into()];
    s.model.max_rtt_ms = Some(400.0);
    s.model.min_sites_per_city = Some(1);
    // Backhaul priced along the route (issue 24) would steer this QLD-only plan away from Q1;
    // this test is about the zones' resource limits, so the network cost is left out.
    s.cost.backhaul_aud_per_km_yr = 0.0;
    let mut log = |stage: &str, secs: f64, note: &str| eprintln!("{stage} {secs:.2} s {note}");
    let limited = sitefind::job::run(&ds, &demand, &s, &mut log).unwrap();
    assert!(limited.report.check.feasible, "{:?}", limited.report.check);
    let q1_limit = ds
        .zones
        .iter()
        .find(|z| z.id == "Q1")
        .unwrap()
        .solar_resource_mw
        .unwrap();
    let drawn = solar_drawn(&limited.report, "Q1");
    assert!(drawn <= q1_limit * (1.0 + 1e-6), "{drawn} > {q1_limit}");
    // The same run without the zones' resource limits puts more solar on Q1 than it has.
    let mut unlimited_ds = ds.clone();
    for z in &mut unlimited_ds.zones {
        z.solar_resource_mw = None;
        z.wind_resource_mw = None;
    }
    let free = sitefind::job::run(&unlimited_ds, &demand, &s, &mut |_, _, _| {}).unwrap();
    let drawn_free = solar_drawn(&free.report, "Q1");
    eprintln!("Q1 solar drawn: {drawn:.0} MW with the limit, {drawn_free:.0} MW without");
    assert!(drawn_free > q1_limit, "{drawn_free}");
    // With the limit the limit binds and load moved to other zones' portfolios.
    assert!(drawn >= q1_limit * 0.999, "{drawn}");
    let other: f64 = limited
        .report
        .sites
        .iter()
        .filter(|x| {
            x.supply
                .as_ref()
                .is_some_and(|p| p.per_mw_load.zone_id.as_deref() != Some("Q1"))
        })
        .map(|x| x.built_mw)
        .sum();
    let other_free: f64 = free
        .report
        .sites
        .iter()
        .filter(|x| {
            x.supply
                .as_ref()
                .is_some_and(|p| p.per_mw_load.zone_id.as_deref() != Some("Q1"))
        })
        .map(|x| x.built_mw)
        .sum();
    assert!(other > other_free + 1.0, "{other} vs {other_free}");
    assert!(limited.report.totals.cost.total_aud_per_yr > free.report.totals.cost.total_aud_per_yr);
}

#[test]
fn cfe_target_changes_the_main_job_energy_price() {
    let ds = Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let run = |target: f64| {
        let mut s = Scenario::default();
        s.candidates.regions = vec!["SA".into()];
        s.model.max_rtt_ms = Some(400.0);
        // SA's regional limit (1,315 MW of new grid draw) holds less than the whole demand:
        // this test is about the energy price, not the grid.
        s.grid.enforce_region_limits = false;
        s.alternatives.margins = false;
        s.supply.cfe_target = target;
        sitefind::job::run(&ds, &demand, &s, &mut |_, _, _| {})
            .unwrap()
            .report
    };
    let (low, high) = (run(0.5), run(0.95));
    let price = |r: &sitefind::report::Report| {
        r.sites
            .iter()
            .map(|s| s.energy_price_aud_per_mwh * s.built_mw)
            .sum::<f64>()
            / r.sites.iter().map(|s| s.built_mw).sum::<f64>()
    };
    assert!(
        price(&low) < price(&high),
        "{} vs {}",
        price(&low),
        price(&high)
    );
    for r in [&low, &high] {
        let target = r.parameters.supply.cfe_target;
        for s in &r.sites {
            let sp = s.supply.as_ref().unwrap();
            assert!(
                sp.per_mw_load.cfe >= target - 1e-6,
                "{}: {}",
                s.id,
                sp.per_mw_load.cfe
            );
            assert!(sp.trace_source.contains("solar"));
        }
        assert!(!r.supply_zones.is_empty());
    }
}

/// The synthesis for zones without a trace or capacity factor, checked against real
/// measurements: each traced embedded zone (N1, N2, Q1) is hidden (its traces and capacity
/// factors removed) and rebuilt from the blend of the nearest other real traces, scaled to
/// sitefind's stated capacity-factor assumption. The rebuilt solar mean must land within 10 % of
/// the zone's real AEMO trace mean (measured: 4–9 %); wind keeps the blend's half-hour order at
/// the assumed mean; the donors' weights are inverse distance squared.
#[test]
fn hidden_traced_zones_are_rebuilt_close_to_their_own_traces() {
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    for zone in ["N1", "N2", "Q1"] {
        let z = ds.zones.iter().find(|z| z.id == zone).unwrap();
        let real = synth::zone_profile(&ds, z, &s.supply);
        assert_eq!(real.solar_source.method, "aemo-trace", "{zone}");
        let real_cf = mean(real.solar.as_ref().unwrap());
        let (hidden, hz) = hide(&ds, zone);
        let rebuilt = synth::zone_profile(&hidden, &hz, &s.supply);
        assert_eq!(rebuilt.solar_source.method, "sun-position+donor-cloudiness");
        assert!(
            rebuilt.solar_source.note.is_some(),
            "{zone}: assumption not stated"
        );
        let cf = mean(rebuilt.solar.as_ref().unwrap());
        let assumed = synth::assumed_solar_capacity_factor(hz.centre.lat);
        assert!(
            (cf - assumed).abs() < 1e-9,
            "{zone}: {cf} vs assumed {assumed}"
        );
        eprintln!(
            "{zone}: real solar CF {real_cf:.4}, rebuilt {cf:.4} from {}",
            rebuilt.solar_source.describe()
        );
        assert!(
            (cf - real_cf).abs() / real_cf < 0.10,
            "{zone}: rebuilt solar CF {cf:.4} vs real {real_cf:.4}"
        );
        // The donors: the nearest real traces, weights ∝ 1 / km² summing to 1, nearest first.
        for src in [&rebuilt.solar_source, &rebuilt.wind_source] {
            let d = &src.donors;
            assert!(!d.is_empty() && d.len() <= synth::BLEND_DONORS, "{zone}");
            assert!(d.windows(2).all(|w| w[0].km <= w[1].km), "{zone}");
            let sum: f64 = d.iter().map(|x| x.weight).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{zone}: weights sum {sum}");
            let inv: f64 = d.iter().map(|x| x.km.max(1.0).powi(-2)).sum();
            for x in d {
                assert!(
                    (x.weight - x.km.max(1.0).powi(-2) / inv).abs() < 1e-12,
                    "{zone}"
                );
                assert_ne!(x.zone_id, zone);
            }
            assert_eq!(src.donor_zone.as_deref(), Some(d[0].zone_id.as_str()));
        }
        // Wind: the donors' weighted mean, monotonely mapped to the region's assumed mean.
        assert_eq!(rebuilt.wind_source.method, "donor-power-transform");
        let blend = blend_of(&ds, &s, &rebuilt.wind_source.donors);
        let w = rebuilt.wind.as_ref().unwrap();
        let assumed = synth::assumed_wind_capacity_factor(&hz.region).unwrap();
        assert!((mean(w) - assumed).abs() < 1e-6, "{zone}: wind mean");
        assert!(
            blend
                .iter()
                .zip(w)
                .zip(blend.iter().zip(w).skip(1))
                .all(|((a, x), (b, y))| (a < b) <= (x <= y)),
            "{zone}: wind does not keep the blend's half-hour order"
        );
    }
}

/// `ds` with `zone`'s traces and capacity factors removed (and its wind resource unknown).
fn hide(ds: &Dataset, zone: &str) -> (Dataset, sitefind::data::RenewableZone) {
    let mut hidden = ds.clone();
    hidden.traces.retain(|t| t.zone_id != zone);
    let hz = hidden.zones.iter_mut().find(|z| z.id == zone).unwrap();
    hz.solar_capacity_factor = None;
    hz.wind_capacity_factor = None;
    hz.wind_resource_mw = None;
    let hz = hz.clone();
    (hidden, hz)
}

/// The donors' weighted half-hourly wind mean over the reference years, recomputed from the
/// dataset's traces.
fn blend_of(ds: &Dataset, s: &Scenario, donors: &[synth::Donor]) -> Vec<f64> {
    let n = s.supply.reference_years.len() * synth::DAYS_PER_YEAR * 48;
    let mut x = vec![0.0; n];
    for d in donors {
        let values: Vec<f64> = s
            .supply
            .reference_years
            .iter()
            .flat_map(|y| {
                let t = ds
                    .traces
                    .iter()
                    .find(|t| {
                        t.zone_id == d.zone_id
                            && t.technology == s.supply.wind_technology
                            && t.reference_year == *y
                    })
                    .unwrap();
                t.values[..synth::DAYS_PER_YEAR * 48].to_vec()
            })
            .collect();
        for (xi, v) in x.iter_mut().zip(values) {
            *xi += d.weight * v;
        }
    }
    x
}

/// Issue 26 item 4: what the estimate gets wrong where it matters, the portfolio. Each zone
/// with a real wind trace (N1, N2, Q1 REZ traces; S1's Canunda project trace) is hidden and
/// rebuilt by the single nearest donor (the method before the blend) and by the rank-preserving
/// blend of the three nearest ([`synth::rank_blend`]); the 24/7 portfolio (CFE 0.9, both
/// reference years) on each profile is compared with the one on the zone's real profile, for
/// battery energy (MWh per MW of load) and cost (A$/MWh). Twice: with the zone's capacity
/// factors hidden too (sitefind's assumption is used, as for an untraced zone), and with them
/// kept (the error of the shape alone). The errors are printed (README "Real traces first"
/// records them) and bounded: neither method's cost is off by more than 15 % on any zone, and
/// the blend's mean absolute battery error over the four zones is no worse than the single
/// donor's by more than 5 points.
#[test]
fn hidden_zone_battery_and_cost_errors_single_donor_vs_blend() {
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    let zones = ["N1", "N2", "Q1", "S1"];
    for keep_cf in [false, true] {
        let (mut single_b, mut blend_b) = (0.0, 0.0);
        for zone in zones {
            let (eb1, ebn) = hidden_zone_errors(&ds, &s, zone, keep_cf);
            single_b += eb1.abs() / zones.len() as f64;
            blend_b += ebn.abs() / zones.len() as f64;
        }
        eprintln!(
            "capacity factors {}: mean |battery error| single donor {single_b:.1} %, blend {blend_b:.1} %",
            if keep_cf { "kept" } else { "hidden" }
        );
        assert!(blend_b <= single_b + 5.0, "{blend_b} vs {single_b}");
    }
}

/// Hides `zone` (its traces; its capacity factors too unless `keep_cf`), rebuilds it with one
/// donor and with the blend, prints the portfolios' errors and returns the battery errors, %.
fn hidden_zone_errors(ds: &Dataset, s: &Scenario, zone: &str, keep_cf: bool) -> (f64, f64) {
    let target = 0.9;
    let pct = |est: f64, real: f64| 100.0 * (est - real) / real.abs().max(1e-9);
    let z = ds.zones.iter().find(|z| z.id == zone).unwrap();
    let real_profile = synth::zone_profile(ds, z, &s.supply);
    if zone == "S1" {
        assert_eq!(
            real_profile.wind_source.method,
            "project-trace-power-transform"
        );
    }
    let real = supply::solve_profile(ds, s, &real_profile, target);
    // The zone's resource limits are kept: what it can build is not what is estimated.
    let (mut hidden, mut hz) = hide(ds, zone);
    hz.wind_resource_mw = z.wind_resource_mw;
    if keep_cf {
        hz.solar_capacity_factor = real_profile.solar.as_deref().map(mean_of);
        hz.wind_capacity_factor = real_profile.wind.as_deref().map(mean_of);
    }
    if let Some(h) = hidden.zones.iter_mut().find(|x| x.id == zone) {
        *h = hz.clone();
    }
    let mut row = format!(
        "{zone} (CF {}): real battery {:.3} MWh/MW, cost {:.2} A$/MWh",
        if keep_cf { "kept" } else { "hidden" },
        real.battery_mwh,
        real.cost_aud_per_mwh
    );
    let mut errors = [0.0; 2];
    for (k, n) in [1, synth::BLEND_DONORS].into_iter().enumerate() {
        let profile = synth::zone_profile_blending(&hidden, &hz, &s.supply, n);
        let est = supply::solve_profile(&hidden, s, &profile, target);
        let (eb, ec) = (
            pct(est.battery_mwh, real.battery_mwh),
            pct(est.cost_aud_per_mwh, real.cost_aud_per_mwh),
        );
        errors[k] = eb;
        row.push_str(&format!(
            "; {n} donor(s) battery {:.3} ({eb:+.1} %), cost {:.2} ({ec:+.1} %) [{}]",
            est.battery_mwh,
            est.cost_aud_per_mwh,
            profile.wind_source.describe()
        ));
        assert!(ec.abs() < 15.0, "{zone} with {n} donor(s): cost {ec:+.1} %");
    }
    eprintln!("{row}");
    (errors[0], errors[1])
}

/// One capacity-factor rule: the embedded zones.csv (written by data/tools/build_embedded.py)
/// holds exactly what sitefind assumes for a zone without one.
#[test]
fn embedded_capacity_factors_are_the_stated_assumption() {
    let ds = Dataset::embedded().unwrap();
    for z in &ds.zones {
        if z.solar_resource_mw == Some(0.0) {
            assert_eq!(z.solar_capacity_factor, None, "{}", z.id);
            assert_eq!(
                z.wind_capacity_factor,
                Some(synth::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR),
                "{}",
                z.id
            );
            continue;
        }
        assert_eq!(
            z.solar_capacity_factor,
            Some(synth::assumed_solar_capacity_factor(z.centre.lat)),
            "{}",
            z.id
        );
        assert_eq!(
            z.wind_capacity_factor,
            synth::assumed_wind_capacity_factor(&z.region),
            "{}",
            z.id
        );
    }
}

/// The main job on the national public datasets (data/public.toml as published): every site has
/// a 24/7 portfolio meeting the CFE target, all demand is served, the offshore zones build no
/// solar, and zones without a capacity factor of their own say their profile is assumed.
#[test]
fn national_main_job_has_supply_at_every_site() {
    let Some(dir) = public_data("national_main_job_has_supply_at_every_site") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let manifest = crate::common::public_manifest(&dir, tmp.path());
    let out = Command::new(sitefind_bin())
        .args(["--data", manifest.to_str().unwrap()])
        // Limits on the median: at the P95 Osaka has no public candidate within 125 ms (best
        // 125.5 ms) since the public cables read JGA-S's published trunk (docs/latency.md).
        .args([
            "--demand",
            "data/jp.json",
            "--limit-statistic",
            "p50",
            "--format",
            "json",
            "--no-margins",
        ])
        .current_dir(crate::common::repo())
        .output()
        .unwrap();
    let v = crate::common::json_stdout(&out);
    let sites = v["sites"].as_array().unwrap();
    assert!(!sites.is_empty());
    for s in sites {
        let sup = &s["supply"];
        assert!(sup.is_object(), "{}: no supply", s["id"]);
        assert!(sup["cfe"].as_f64().unwrap() >= 0.9 - 1e-9, "{}", s["id"]);
        assert!(sup["solar_mw"].as_f64().unwrap() + sup["wind_mw"].as_f64().unwrap() > 0.0);
    }
    for c in v["cities"].as_array().unwrap() {
        assert_eq!(c["unserved_mw"].as_f64().unwrap(), 0.0, "{}", c["id"]);
    }
    for z in v["supply_zones"].as_array().unwrap() {
        let id = z["zone_id"].as_str().unwrap();
        if ["N10", "N11", "V8", "V9", "T4"].contains(&id) {
            assert_eq!(z["solar_mw"].as_f64().unwrap(), 0.0, "{id}");
        }
        if z["solar_source"]["method"] == "regional" {
            // A regional portfolio: the region's zones' own profiles, each named with its MW.
            assert!(id.starts_with("regional:"), "{id}");
            assert!(!z["regional_zones"].as_array().unwrap().is_empty(), "{id}");
            continue;
        }
        if !["N1", "N2", "Q1"].contains(&id) {
            assert!(
                z["solar_source"]["note"]
                    .as_str()
                    .is_some_and(|n| n.contains("assumption")),
                "{id}: {}",
                z["solar_source"]
            );
        }
    }

    // Every zone has a profile on the public data (the bug this test pins: none had one).
    let out = Command::new(sitefind_bin())
        .args(["supply", "--zone", "all", "--format", "json"])
        .args(["--data", manifest.to_str().unwrap()])
        .output()
        .unwrap();
    let all = crate::common::json_stdout(&out);
    let all = all["zones"].as_array().unwrap();
    assert_eq!(all.len(), 47);
    for z in all {
        let id = z["zone_id"].as_str().unwrap();
        assert_eq!(z["feasible"], true, "{id}");
        let offshore = ["N10", "N11", "V8", "V9", "T4"].contains(&id);
        assert_eq!(z["solar_source"]["method"] == "none", offshore, "{id}");
    }
}

/// Deterministic pseudo-random traces: a daily solar cycle with cloudy days, and wind with
/// calm spells and a multi-day weather pattern.
fn synthetic(days: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut state = seed | 1;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = 48 * days;
    let mut cloud = 1.0;
    let solar = (0..n)
        .map(|t| {
            if t % 48 == 0 {
                cloud = 0.2 + 0.8 * rnd();
            }
            let h = (t % 48) as f64 / 2.0;
            let sun = (std::f64::consts::PI * (h - 6.0) / 12.0).sin().max(0.0);
            sun * cloud * (0.9 + 0.1 * rnd())
        })
        .collect();
    let wind = (0..n)
        .map(|t| {
            let weather = 0.5 + 0.5 * (t as f64 / (48.0 * 3.3)).sin();
            if t % 131 < 9 {
                0.0
            } else {
                (weather * (0.5 + 0.5 * rnd())).powi(2)
            }
        })
        .collect();
    (solar, wind)
}

#[test]
fn level_method_matches_the_lp_on_synthetic_profiles() {
    // Ten days each; costs from cheap to dear storage and a range of grid prices and targets.
    let costs = [
        [130_000.0, 250_000.0, 40_000.0, 30_000.0],
        [90_000.0, 300_000.0, 20_000.0, 12_000.0],
        [160_000.0, 180_000.0, 60_000.0, 45_000.0],
    ];
    for (i, a) in costs.iter().enumerate() {
        let (solar, wind) = synthetic(10, 0x5eed + i as u64);
        for (price, target) in [(80.0, 0.5), (110.0, 0.9), (150.0, 0.98)] {
            let p = problem(&solar, &wind, *a, price, target);
            let ours = optimise(&p);
            let (lp_cost, lp_x, _) = lp_reference(&p, good_lp::microlp);
            let rel = (ours.annual_cost_aud - lp_cost) / lp_cost;
            eprintln!(
                "synthetic {i} price {price} target {target}: ours {:.2} {:?} ({} dispatches) LP {lp_cost:.2} {lp_x:?} ({:+.5} %)",
                ours.annual_cost_aud,
                ours.design.to_array(),
                ours.evaluations,
                100.0 * rel
            );
            assert!(ours.feasible);
            assert!(rel.abs() < 5e-4, "{i} {price} {target}: {rel}");
            assert!(
                rel > -1e-6,
                "{i} {price} {target}: cheaper than the LP: {rel}"
            );
            assert!(ours.lower_bound_aud <= lp_cost * (1.0 + 1e-7));
            let g_max = (1.0 - target) * DELTA_H * solar.len() as f64;
            assert!(ours.energy.grid_mwh <= g_max * (1.0 + 1e-9) + 1e-9);
        }
    }
}

#[test]
fn level_method_against_nelder_mead_on_every_embedded_zone() {
    // Full horizon (both reference years) on all 47 zones: the new search is never dearer
    // than the reference search, the reference is never below the new proven bound, and on
    // the zones with their own AEMO traces the two agree within 0.05 %.
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    for prof in synth::zone_profiles(&ds, &s.supply) {
        let zone = ds.zones.iter().find(|z| z.id == prof.zone_id).unwrap();
        let price = ds
            .regions
            .iter()
            .find(|r| r.id == zone.region)
            .unwrap()
            .price_aud_per_mwh;
        let offshore = s.cost.offshore_zones.contains(&prof.zone_id);
        let c = UnitCosts::new(&s.supply, s.cost.discount_rate, offshore);
        let p = Problem {
            solar: prof.solar.as_deref(),
            wind: prof.wind.as_deref(),
            annualised: [
                c.solar_annualised_aud_per_mw_yr,
                c.wind_annualised_aud_per_mw_yr,
                c.battery_power_annualised_aud_per_mw_yr,
                c.battery_energy_annualised_aud_per_mwh_yr,
            ],
            grid_price_aud_per_mwh: price,
            export_value_aud_per_mwh: 0.0,
            round_trip_efficiency: s.supply.round_trip_efficiency,
            cfe_target: 0.9,
        };
        let new = optimise(&p);
        let old = optimise_nelder_mead(&p);
        let rel = (new.annual_cost_aud - old.annual_cost_aud) / old.annual_cost_aud;
        eprintln!(
            "{}: new {:.2} (bound {:.2}, {} dispatches) old {:.2} ({} dispatches) {:+.4} %",
            prof.zone_id,
            new.annual_cost_aud / 8760.0,
            new.lower_bound_aud / 8760.0,
            new.evaluations,
            old.annual_cost_aud / 8760.0,
            old.evaluations,
            100.0 * rel
        );
        assert!(new.feasible && old.feasible);
        assert!(
            rel <= sitefind::supply::cutting::REL_GAP,
            "{}: new dearer than the reference: {rel}",
            prof.zone_id
        );
        assert!(new.annual_cost_aud - new.lower_bound_aud <= 1e-5 * new.annual_cost_aud);
        assert!(old.annual_cost_aud >= new.lower_bound_aud * (1.0 - 1e-9));
        assert!(rel >= -2e-3, "{}: {rel}", prof.zone_id);
        let traced =
            prof.solar_source.method == "aemo-trace" || prof.wind_source.method == "aemo-trace";
        if traced {
            // Within 0.05 % where the reference search is within 0.05 % of the proven bound
            // (on N2 it ends 0.051 % above it: the difference is the reference's).
            let old_gap = old.annual_cost_aud / new.lower_bound_aud - 1.0;
            assert!(
                rel.abs() <= 5e-4 || old_gap > 5e-4,
                "{}: {rel}",
                prof.zone_id
            );
        }
    }
}

#[test]
fn level_method_monotone_in_target_on_a_synthetic_profile() {
    let (solar, wind) = synthetic(21, 0xc0ffee);
    let a = [130_000.0, 250_000.0, 40_000.0, 30_000.0];
    let mut last = 0.0;
    for target in [0.0, 0.2, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99] {
        let sol = optimise(&problem(&solar, &wind, a, 105.0, target));
        assert!(sol.feasible, "{target}");
        // Each answer is within the proven gap of the optimum and the optimum rises with the
        // target, so the answers may dip by at most the gap.
        assert!(
            sol.annual_cost_aud >= last * (1.0 - 1e-5),
            "{target}: {} < {last}",
            sol.annual_cost_aud
        );
        last = sol.annual_cost_aud;
    }
}

#[test]
fn dispatch_gradient_gives_valid_cuts_and_matches_differences() {
    let (solar, wind) = synthetic(30, 0xfeed);
    let mut gs = GradScratch::default();
    let mut sc = Scratch::default();
    // Generic designs, and designs on the boundary (no battery power, no energy, neither).
    let designs = [
        [2.7, 1.1, 1.0, 8.0],
        [3.5, 2.2, 0.8, 4.3],
        [1.0, 0.5, 0.5, 2.0],
        [1.4, 1.3, 0.0, 6.0],
        [2.0, 1.9, 0.7, 0.0],
        [1.8, 3.4, 0.0, 0.0],
        [0.0, 2.5, 0.9, 12.0],
        [4.0, 0.0, 1.5, 14.0],
    ];
    for x in designs {
        let d = Design::from_array(x);
        let (g, grad) = grid_with_gradient(&solar, &wind, &d, 0.85, &mut gs);
        let e = simulate(&solar, &wind, &d, 0.85, &mut sc);
        assert!(
            (g - e.grid_mwh).abs() <= 1e-9 * e.load_mwh,
            "{x:?}: {g} vs {}",
            e.grid_mwh
        );
        // A cut at x never lies above the grid energy at any other design.
        for y in designs {
            let (gy, _) = grid_with_gradient(&solar, &wind, &Design::from_array(y), 0.85, &mut gs);
            let cut = g + (0..4).map(|i| grad[i] * (y[i] - x[i])).sum::<f64>();
            assert!(
                cut <= gy + 1e-9 * e.load_mwh,
                "cut at {x:?} on {y:?}: {cut} > {gy}"
            );
        }
        // At interior designs the gradient is the derivative (central differences).
        if x.iter().all(|&v| v > 0.0) {
            for i in 0..4 {
                let h = 1e-6;
                let (mut up, mut dn) = (x, x);
                up[i] += h;
                dn[i] -= h;
                let gu = simulate(&solar, &wind, &Design::from_array(up), 0.85, &mut sc).grid_mwh;
                let gd = simulate(&solar, &wind, &Design::from_array(dn), 0.85, &mut sc).grid_mwh;
                let fd = (gu - gd) / (2.0 * h);
                assert!(
                    (fd - grad[i]).abs() <= 1e-3 * grad[i].abs().max(1.0),
                    "{x:?} d/dx{i}: {} vs differences {fd}",
                    grad[i]
                );
            }
        }
    }
}

// ---------------------------------------------------------------- the on-disk portfolio cache

/// Runs sitefind with its cache under `xdg` (XDG_CACHE_HOME, and HOME inside it, so no user
/// cache is reachable).
fn run_cached(xdg: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(sitefind_bin())
        .env("XDG_CACHE_HOME", xdg)
        .env("HOME", xdg.join("home"))
        .args(args)
        .output()
        .unwrap()
}

/// (read from disk, computed, invalid entries) from `supply`'s stderr line.
fn supply_cache_counts(out: &std::process::Output) -> (usize, usize, usize) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let line = err
        .lines()
        .find_map(|l| l.split_once("on-disk cache: ").map(|x| x.1.to_string()))
        .unwrap_or_else(|| panic!("no cache summary in {err}"));
    let num = |after: &str| -> usize {
        line.split(after)
            .next()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let read: usize = line.split(' ').next().unwrap().parse().unwrap();
    let rejected = if line.contains("invalid entries") {
        num(" invalid entries")
    } else {
        0
    };
    (read, num(" computed"), rejected)
}

fn cache_entries(xdg: &std::path::Path) -> Vec<std::path::PathBuf> {
    let dir = xdg.join("sitefind").join(sitefind::supply::cache::SUBDIR);
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn cache_hit_gives_byte_identical_reports() {
    let xdg = tempfile::tempdir().unwrap();
    let args = ["--format", "json", "-q", "--no-margins"];
    let cold = run_cached(xdg.path(), &args);
    assert!(
        cold.status.success(),
        "{}",
        String::from_utf8_lossy(&cold.stderr)
    );
    let n = cache_entries(xdg.path()).len();
    assert!(n > 10, "the main job wrote {n} entries");
    let warm = run_cached(xdg.path(), &args);
    assert_eq!(
        cold.stdout, warm.stdout,
        "warm report differs from the cold one"
    );
    let mut no_cache = args.to_vec();
    no_cache.push("--no-cache");
    let off = run_cached(xdg.path(), &no_cache);
    assert_eq!(cold.stdout, off.stdout, "--no-cache report differs");
    // The report says where the portfolios came from (with --timings, like the timings).
    let mut timed = args.to_vec();
    timed.push("--timings");
    let v = crate::common::json_stdout(&run_cached(xdg.path(), &timed));
    let c = &v["supply_cache"];
    assert_eq!(c["from_disk"].as_u64(), Some(n as u64), "{c}");
    assert_eq!(c["computed"], 0);
    assert_eq!(c["rejected"], 0);
    let v = crate::common::json_stdout(&run_cached(xdg.path(), &{
        let mut a = timed.clone();
        a.push("--no-cache");
        a
    }));
    assert_eq!(v["supply_cache"]["from_disk"], 0);
    assert!(v["supply_cache"]["dir"].is_null());
    assert_eq!(
        cache_entries(xdg.path()).len(),
        n,
        "--no-cache wrote nothing"
    );
}

#[test]
fn cache_misses_when_any_input_changes() {
    let xdg = tempfile::tempdir().unwrap();
    let q1 = ["supply", "--zone", "Q1", "--format", "json"];
    let base = run_cached(xdg.path(), &q1);
    assert_eq!(supply_cache_counts(&base), (0, 1, 0));
    let again = run_cached(xdg.path(), &q1);
    assert_eq!(supply_cache_counts(&again), (1, 0, 0));
    assert_eq!(base.stdout, again.stdout);
    let with = |extra: &[&str]| {
        let mut a = q1.to_vec();
        a.extend_from_slice(extra);
        run_cached(xdg.path(), &a)
    };
    // The CFE target, the reference years, a cost, the discount rate, offshore pricing.
    assert_eq!(supply_cache_counts(&with(&["--cfe-target", "0.85"])).1, 1);
    assert_eq!(
        supply_cache_counts(&with(&["--reference-year", "2011"])).1,
        1
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("capex.toml", "[supply]\nsolar_capex_aud_per_mw = 1.2e6\n"),
        ("rte.toml", "[supply]\nround_trip_efficiency = 0.86\n"),
        ("rate.toml", "[cost]\ndiscount_rate = 0.06\n"),
        ("offshore.toml", "[cost]\noffshore_zones = [\"Q1\"]\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = with(&["--scenario", path.to_str().unwrap()]);
        assert_eq!(supply_cache_counts(&out), (0, 1, 0), "{name}");
    }
    // One half-hour of Q1's solar trace changed by 1 ‰: a different dataset.
    let data = dir.path().join("data");
    crate::common::copy_embedded_data(&data);
    let trace = data.join("traces/REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv");
    let text = std::fs::read_to_string(&trace).unwrap();
    let edited = text.replacen(
        "2025,7,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,81,",
        "2025,7,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,82,",
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&trace, edited).unwrap();
    let manifest = data.join("manifest.toml");
    let out = with(&["--data", manifest.to_str().unwrap()]);
    assert_eq!(supply_cache_counts(&out), (0, 1, 0), "edited trace");
    // The original inputs still hit: entries of other inputs do not replace them.
    let out = run_cached(xdg.path(), &q1);
    assert_eq!(supply_cache_counts(&out), (1, 0, 0));
    assert_eq!(out.stdout, base.stdout);
}

#[test]
fn damaged_or_foreign_cache_entries_are_recomputed() {
    let xdg = tempfile::tempdir().unwrap();
    let q1 = ["supply", "--zone", "Q1", "--format", "json"];
    let reference = run_cached(xdg.path(), &q1);
    assert_eq!(supply_cache_counts(&reference), (0, 1, 0));
    let [entry] = cache_entries(xdg.path()).try_into().unwrap();
    let good = std::fs::read(&entry).unwrap();
    // N1's entry, to copy over Q1's (a foreign entry).
    supply_cache_counts(&run_cached(xdg.path(), &["supply", "--zone", "N1"]));
    let other = cache_entries(xdg.path())
        .into_iter()
        .find(|p| *p != entry)
        .unwrap();
    let foreign = std::fs::read(other).unwrap();
    let mut tampered = good.clone();
    let at = good.windows(9).position(|w| w == b"solar_mw\"").unwrap() + 12;
    assert!(tampered[at].is_ascii_digit());
    tampered[at] = if tampered[at] == b'9' {
        b'1'
    } else {
        tampered[at] + 1
    };
    let damages: [(&str, Vec<u8>); 5] = [
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("tampered", tampered),
        ("foreign", foreign),
        ("garbage", b"not a cache entry\n".to_vec()),
    ];
    for (what, bytes) in damages {
        std::fs::write(&entry, &bytes).unwrap();
        let out = run_cached(xdg.path(), &q1);
        assert_eq!(supply_cache_counts(&out), (0, 1, 1), "{what}");
        assert_eq!(out.stdout, reference.stdout, "{what}");
        assert_eq!(std::fs::read(&entry).unwrap(), good, "{what}: rewritten");
        let out = run_cached(xdg.path(), &q1);
        assert_eq!(supply_cache_counts(&out), (1, 0, 0), "{what}: valid again");
    }
}

#[test]
fn concurrent_writers_leave_a_valid_cache() {
    // Four processes computing and writing the same entry at once.
    let xdg = tempfile::tempdir().unwrap();
    let q1 = ["supply", "--zone", "Q1", "--format", "json"];
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(sitefind_bin())
                .env("XDG_CACHE_HOME", xdg.path())
                .env("HOME", xdg.path().join("home"))
                .args(q1)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(o.status.success());
        assert_eq!(o.stdout, outs[0].stdout);
    }
    let files = cache_entries(xdg.path());
    assert_eq!(
        files.len(),
        1,
        "one entry, no temporary files left: {files:?}"
    );
    let out = run_cached(xdg.path(), &q1);
    assert_eq!(supply_cache_counts(&out), (1, 0, 0));
    assert_eq!(out.stdout, outs[0].stdout);

    // Threads storing and loading the same key: a reader sees the entry or nothing, never a
    // partial file.
    use sitefind::supply::cache;
    let ds = Dataset::embedded().unwrap();
    let p = sitefind::supply::solve_zone(&ds, &Scenario::default(), "Q1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = cache::Key(0x5eed);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..50 {
                    assert!(cache::store(dir.path(), key, &p).unwrap());
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..200 {
                    match cache::load(dir.path(), key, "Q1", p.cfe_target) {
                        cache::Lookup::Hit(got) => assert_eq!(*got, p),
                        cache::Lookup::Missing => {}
                        cache::Lookup::Rejected(why) => panic!("a reader saw a bad entry: {why}"),
                    }
                }
            });
        }
    });
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn cache_path_and_clear() {
    let xdg = tempfile::tempdir().unwrap();
    let out = run_cached(xdg.path(), &["cache", "path"]);
    assert!(out.status.success());
    let root = xdg.path().join("sitefind");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        root.to_str().unwrap()
    );
    supply_cache_counts(&run_cached(xdg.path(), &["supply", "--zone", "Q1"]));
    assert_eq!(cache_entries(xdg.path()).len(), 1);
    let out = run_cached(xdg.path(), &["cache", "clear"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("removed 1 file"));
    assert!(!root.exists(), "the emptied folders are removed");
    // A relative XDG_CACHE_HOME is ignored (XDG rule): HOME/.cache is used.
    let out = Command::new(sitefind_bin())
        .env("XDG_CACHE_HOME", "relative/cache")
        .env("HOME", xdg.path())
        .args(["cache", "path"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        xdg.path().join(".cache/sitefind").to_str().unwrap()
    );
    // Neither set: `cache path` is a usage error; `supply` runs uncached.
    let bare = |args: &[&str]| {
        Command::new(sitefind_bin())
            .env_remove("XDG_CACHE_HOME")
            .env_remove("HOME")
            .args(args)
            .output()
            .unwrap()
    };
    let out = bare(&["cache", "path"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
    let out = bare(&["supply", "--zone", "Q1"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("on-disk cache off"));
}

#[test]
fn the_test_suite_uses_no_user_cache() {
    // .cargo/config.toml points XDG_CACHE_HOME into target/ for everything cargo runs.
    if std::env::var_os("CARGO").is_some() {
        let xdg = std::env::var("XDG_CACHE_HOME").unwrap_or_default();
        assert!(
            xdg.contains("target") && xdg.ends_with("test-xdg-cache"),
            "XDG_CACHE_HOME = {xdg:?}"
        );
    }
}

// ---- Flexible load (issue 26 item 1; docs/energy.md) ----

/// The flexible-load LP (model.md §5b), solved by `solver`: the LP of [`lp_reference`] with the
/// load l_t ∈ [1 − f, 1 + H] a variable, each day's (48 half-hours') energy fixed at 48 MW-half-
/// hours, H ≤ f, and `a_h` × H added to the cost (H fixed at f when `a_h` is 0). Returns (annual
/// cost per MW of average load including the headroom, H, the load per half-hour).
fn flex_lp_reference<S: good_lp::Solver>(
    p: &Problem<'_>,
    f: f64,
    a_h: f64,
    solver: S,
) -> (f64, f64, Vec<f64>)
where
    S::Model: SolverModel,
{
    let (cost, h, load, _) = flex_lp_full(p, f, a_h, solver);
    (cost, h, load)
}

/// [`flex_lp_reference`] with the LP's design [S, W, P, E] too.
fn flex_lp_full<S: good_lp::Solver>(
    p: &Problem<'_>,
    f: f64,
    a_h: f64,
    solver: S,
) -> (f64, f64, Vec<f64>, [f64; 4])
where
    S::Model: SolverModel,
{
    let n = p.solar.or(p.wind).map_or(0, <[f64]>::len);
    let (s, w) = (p.solar.unwrap(), p.wind.unwrap());
    let se = p.round_trip_efficiency.sqrt();
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = (0..4).map(|_| vars.add(variable().min(0.0))).collect();
    let hv = if a_h > 0.0 {
        vars.add(variable().min(0.0).max(f))
    } else {
        vars.add(variable().min(f).max(f))
    };
    let mk = |vars: &mut ProblemVariables| -> Vec<Variable> {
        (0..n).map(|_| vars.add(variable().min(0.0))).collect()
    };
    let (g, q, h, d, e) = (
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
        mk(&mut vars),
    );
    let l: Vec<Variable> = (0..n)
        .map(|_| vars.add(variable().min(1.0 - f).max(1.0 + f)))
        .collect();
    let load_mwh = DELTA_H * n as f64;
    let k = 8760.0 / load_mwh;
    let a = p.annualised;
    let grid: Expression = g.iter().map(|&v| DELTA_H * v).sum();
    let objective = a[0] * x[0]
        + a[1] * x[1]
        + a[2] * x[2]
        + a[3] * x[3]
        + a_h * hv
        + p.grid_price_aud_per_mwh * k * grid.clone();
    let mut model = vars.minimise(objective).using(solver);
    for t in 0..n {
        let ren = s[t] * x[0] + w[t] * x[1];
        model.add_constraint((ren.clone() - q[t] + d[t] - h[t] + g[t] - l[t]).eq(0.0));
        model.add_constraint((ren - q[t] - h[t]).geq(0.0));
        let prev = e[(t + n - 1) % n];
        model.add_constraint((e[t] - prev - DELTA_H * se * h[t] + (DELTA_H / se) * d[t]).eq(0.0));
        model.add_constraint((e[t] - x[3]).leq(0.0));
        model.add_constraint((h[t] - x[2]).leq(0.0));
        model.add_constraint((d[t] - x[2]).leq(0.0));
        model.add_constraint((l[t] - hv).leq(1.0));
    }
    for day in (0..n).step_by(48) {
        let r = day..(day + 48).min(n);
        let len = r.len() as f64;
        let sum: Expression = r.map(|t| l[t]).sum();
        model.add_constraint(sum.eq(len));
    }
    model.add_constraint(grid.leq((1.0 - p.cfe_target) * load_mwh));
    let sol = model.solve().unwrap();
    let xv: Vec<f64> = x.iter().map(|&v| sol.value(v)).collect();
    let hval = sol.value(hv);
    let gm: f64 = g.iter().map(|&v| DELTA_H * sol.value(v)).sum();
    let cost =
        (0..4).map(|i| a[i] * xv[i]).sum::<f64>() + a_h * hval + p.grid_price_aud_per_mwh * k * gm;
    let design = [xv[0], xv[1], xv[2], xv[3]];
    (
        cost,
        hval,
        l.iter().map(|&v| sol.value(v)).collect(),
        design,
    )
}

/// The search's total (energy + headroom) annual cost per MW of average load.
fn flex_total(sol: &sitefind::supply::optimise::FlexSolution) -> f64 {
    sol.solution.annual_cost_aud + sol.headroom_aud
}

#[test]
fn flexible_portfolio_matches_an_independent_lp_on_a_week() {
    // The default build's LP solver (microlp) on one week of Q1 (2011, from 1 July), f = 0.3,
    // free headroom; the HiGHS tests below take longer horizons.
    let (solar, wind, a, price) = reduced("Q1", 0, 7);
    let p = problem(&solar, &wind, a, price, 0.9);
    let ours = sitefind::supply::optimise::optimise_flexible(&p, 0.3, 0.0);
    let (lp_cost, lp_h, lp_load) = flex_lp_reference(&p, 0.3, 0.0, good_lp::microlp);
    let rel = (flex_total(&ours) - lp_cost) / lp_cost;
    eprintln!(
        "Q1 one week: search A${:.2}/MWh, LP A${:.2}/MWh (H {lp_h:.3}): {:+.3} %",
        flex_total(&ours) / 8760.0,
        lp_cost / 8760.0,
        100.0 * rel
    );
    assert!(rel > -1e-6 && rel < 0.01, "{rel}");
    assert!((lp_h - 0.3).abs() < 1e-9);
    for day in lp_load.chunks(48) {
        assert!((day.iter().sum::<f64>() - 48.0).abs() < 1e-6);
    }
}

#[cfg(feature = "highs")]
#[test]
fn flexible_portfolio_matches_highs_on_four_weeks() {
    // Four weeks of Q1's 2011 AEMO traces from 1 July (winter) and from day 220 (late summer),
    // f = 0.3, free headroom and a dear one (A$60k per MW-year). Measured gaps (docs/energy.md):
    // winter 0.006 %, late summer 0.85 % with free headroom. The 0.5 % target is met on
    // the full year (`flexible_q1_full_year_against_highs`, 0.45 %) but not on every 4-week
    // window: the bound here is the measured worst case rounded up, 1 %.
    let mut worst = 0.0f64;
    for (start, a_h) in [(0usize, 0.0), (220, 0.0), (0, 60_000.0), (220, 60_000.0)] {
        let (solar, wind, a, price) = reduced("Q1", start, 28);
        let p = problem(&solar, &wind, a, price, 0.9);
        let ours = sitefind::supply::optimise::optimise_flexible(&p, 0.3, a_h);
        let (lp_cost, lp_h, lp_load) = flex_lp_reference(&p, 0.3, a_h, good_lp::highs);
        let rel = (flex_total(&ours) - lp_cost) / lp_cost;
        eprintln!(
            "Q1 day {start} a_h {a_h}: flat A${:.2}/MWh, search A${:.2}/MWh (H {:.3}), LP A${:.2}/MWh (H {lp_h:.3}): {:+.3} %",
            ours.flat.annual_cost_aud / 8760.0,
            flex_total(&ours) / 8760.0,
            ours.headroom_mw,
            lp_cost / 8760.0,
            100.0 * rel
        );
        // Ours is a feasible point of the same LP: never cheaper beyond solver tolerance.
        assert!(rel > -1e-6, "day {start}, a_h {a_h}: {rel}");
        worst = worst.max(rel);
        // The LP's load keeps each day's energy.
        for day in lp_load.chunks(48) {
            assert!((day.iter().sum::<f64>() - 48.0).abs() < 1e-6);
        }
    }
    assert!(worst < 0.01, "worst gap {worst}");
}

/// One-off measurement against the reference point (a full year: ~1 minute of HiGHS):
/// `cargo test --release --features highs --test it flexible_q1_full_year -- --ignored --nocapture`.
#[cfg(feature = "highs")]
#[test]
#[ignore]
fn flexible_q1_full_year_against_highs() {
    let (solar, wind, a, price) = reduced("Q1", 0, 365);
    let p = problem(&solar, &wind, a, price, 0.9);
    let t = std::time::Instant::now();
    let ours = sitefind::supply::optimise::optimise_flexible(&p, 0.3, 0.0);
    let ours_s = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let (lp_cost, _, _) = flex_lp_reference(&p, 0.3, 0.0, good_lp::highs);
    let rel = (flex_total(&ours) - lp_cost) / lp_cost;
    eprintln!(
        "Q1 2011 f 0.3 free headroom: flat A${:.2}/MWh; search A${:.2}/MWh ({} dispatches, {ours_s:.1} s) {:?}; HiGHS LP A${:.2}/MWh ({:.1} s): {:+.3} %",
        ours.flat.annual_cost_aud / 8760.0,
        flex_total(&ours) / 8760.0,
        ours.solution.evaluations,
        ours.solution.design,
        lp_cost / 8760.0,
        t.elapsed().as_secs_f64(),
        100.0 * rel
    );
    assert!(rel > -1e-6 && rel < 0.005, "{rel}");
}

#[test]
fn flexible_search_keeps_daily_energy_is_monotone_and_equals_flat_at_zero() {
    use sitefind::supply::flex::{simulate_flexible, FlexScratch, Flexibility};
    use sitefind::supply::optimise::optimise_flexible;
    let (solar, wind, a, price) = reduced("Q1", 0, 28);
    let p = problem(&solar, &wind, a, price, 0.9);
    let flat = optimise(&p);
    let zero = optimise_flexible(&p, 0.0, 0.0);
    assert_eq!(zero.solution, flat);
    assert_eq!(zero.headroom_mw, 0.0);
    let mut last = flat.annual_cost_aud;
    for f in [0.1, 0.2, 0.3, 0.4] {
        let sol = optimise_flexible(&p, f, 0.0);
        let total = flex_total(&sol);
        eprintln!("f {f}: A${:.2}/MWh, H {}", total / 8760.0, sol.headroom_mw);
        // Free headroom: H = f, and a wider range never costs more (up to the search's noise).
        assert!(
            (sol.headroom_mw - f).abs() < 1e-12,
            "{f}: {}",
            sol.headroom_mw
        );
        assert!(total <= last * (1.0 + 1e-3), "f {f}: {total} > {last}");
        assert!(total < flat.annual_cost_aud, "f {f}");
        last = last.min(total);
        // The chosen dispatch keeps each day's energy, within [1 − f, 1 + H], and meets the
        // target.
        let mut sc = FlexScratch::default();
        let flex = Flexibility {
            flexible_share: f,
            headroom_mw: sol.headroom_mw,
        };
        let e = simulate_flexible(&solar, &wind, &sol.solution.design, flex, 0.85, &mut sc);
        assert!((e.grid_mwh - sol.solution.energy.grid_mwh).abs() < 1e-9);
        assert!(e.grid_mwh <= 0.1 * e.load_mwh * (1.0 + 1e-9));
        for day in sc.load().chunks(48) {
            assert!((day.iter().sum::<f64>() - 48.0).abs() < 1e-9);
            assert!(day
                .iter()
                .all(|l| *l >= 1.0 - f - 1e-12 && *l <= 1.0 + sol.headroom_mw + 1e-12));
        }
    }
}

#[test]
fn headroom_is_bought_only_when_it_pays() {
    use sitefind::supply::optimise::optimise_flexible;
    let (solar, wind, a, price) = reduced("Q1", 0, 28);
    let p = problem(&solar, &wind, a, price, 0.9);
    // Servers at A$10 M per MW-year: no headroom, exactly the flat portfolio.
    let dear = optimise_flexible(&p, 0.3, 1e7);
    assert_eq!(dear.headroom_mw, 0.0);
    assert!(dear.declined());
    assert_eq!(dear.solution, dear.flat);
    // Free servers: all the headroom the load may use.
    let free = optimise_flexible(&p, 0.3, 0.0);
    assert!((free.headroom_mw - 0.3).abs() < 1e-12);
    assert!(flex_total(&free) < free.flat.annual_cost_aud);
    // At a price between, the total is between the two and never above the flat cost.
    let mid = optimise_flexible(&p, 0.3, 20_000.0);
    assert!(flex_total(&mid) <= mid.flat.annual_cost_aud);
    assert!(flex_total(&mid) >= flex_total(&free) * (1.0 - 1e-3));
}

/// Where the gap to the LP comes from (a measurement, not a check): the LP's own design
/// dispatched by the heuristic, against the LP's cost and the search's.
/// `cargo test --release --features highs --test it flexible_gap_sources -- --ignored --nocapture`
#[cfg(feature = "highs")]
#[test]
#[ignore]
fn flexible_gap_sources() {
    use sitefind::supply::dispatch::Design;
    use sitefind::supply::flex::{simulate_flexible, FlexScratch, Flexibility};
    let days: usize = std::env::var("FLEX_DAYS").map_or(28, |v| v.parse().unwrap());
    let (solar, wind, a, price) = reduced("Q1", 0, days);
    let p = problem(&solar, &wind, a, price, 0.9);
    let (lp_cost, lp_x, lp_h) = flex_lp_design(&p, 0.3, good_lp::highs);
    let d = Design::from_array(lp_x);
    let flex = Flexibility {
        flexible_share: 0.3,
        headroom_mw: lp_h,
    };
    let e = simulate_flexible(&solar, &wind, &d, flex, 0.85, &mut FlexScratch::default());
    let k = 8760.0 / e.load_mwh;
    let capital: f64 = (0..4).map(|i| a[i] * lp_x[i]).sum();
    let heur_at_lp = capital + price * k * e.grid_mwh;
    let ours = sitefind::supply::optimise::optimise_flexible(&p, 0.3, 0.0);
    eprintln!(
        "{days} days: LP A${:.3}/MWh {lp_x:?}; heuristic dispatch of the LP design A${:.3}/MWh (grid share {:.4} vs limit 0.1); search A${:.3}/MWh {:?}",
        lp_cost / 8760.0,
        heur_at_lp / 8760.0,
        e.grid_mwh / e.load_mwh,
        flex_total(&ours) / 8760.0,
        ours.solution.design
    );
}

/// [`flex_lp_reference`]'s cost, design [S, W, P, E] and H (free headroom).
#[cfg(feature = "highs")]
fn flex_lp_design<S: good_lp::Solver>(p: &Problem<'_>, f: f64, solver: S) -> (f64, [f64; 4], f64)
where
    S::Model: SolverModel,
{
    let (cost, h, _, x) = flex_lp_full(p, f, 0.0, solver);
    (cost, x, h)
}

#[test]
fn grid_cfe_share_relaxes_the_constraint_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let run = |scenario: &str| {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, scenario).unwrap();
        Command::new(sitefind_bin())
            .args(["supply", "--zone", "Q1", "--reference-year", "2011"])
            .args(["--no-cache", "--format", "json", "--scenario"])
            .arg(&path)
            .output()
            .unwrap()
    };
    let strict = crate::common::json_stdout(&run("[supply]\ncfe_target = 0.9\n"));
    let half = crate::common::json_stdout(&run(
        "[supply]\ncfe_target = 0.9\ngrid_cfe_share = { QLD1 = 0.5 }\n",
    ));
    let other = crate::common::json_stdout(&run(
        "[supply]\ncfe_target = 0.9\ngrid_cfe_share = { NSW1 = 0.5 }\n",
    ));
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap();
    // Strict: grid share ≤ 0.1 and no grid_cfe_share written; another region's share changes
    // nothing here.
    assert!(f(&strict, "grid_share") <= 0.1 + 1e-6);
    assert!(strict.get("grid_cfe_share").is_none());
    assert_eq!(
        f(&other, "cost_aud_per_mwh"),
        f(&strict, "cost_aud_per_mwh")
    );
    // Half the grid counted: the grid share may reach (1 − 0.9) / (1 − 0.5) = 0.2, the cost
    // falls, and the reported score counts the grid's half.
    assert_eq!(f(&half, "grid_cfe_share"), 0.5);
    assert_eq!(f(&half["parameters"], "grid_cfe_share"), 0.5);
    let g = f(&half, "grid_share");
    assert!(g > 0.1 + 1e-3 && g <= 0.2 + 1e-6, "{g}");
    assert!((f(&half, "cfe") - (1.0 - 0.5 * g)).abs() < 1e-3);
    assert!(f(&half, "cfe") >= 0.9 - 1e-3);
    assert!(f(&half, "cost_aud_per_mwh") < f(&strict, "cost_aud_per_mwh"));
    // An unknown region id is a user error naming the valid ones.
    let bad = run("[supply]\ngrid_cfe_share = { QLD = 0.5 }\n");
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("grid_cfe_share.QLD") && err.contains("hint:") && err.contains("QLD1"),
        "{err}"
    );
    // Out of range: exit 1 naming the field.
    let bad = run("[supply]\ngrid_cfe_share = { QLD1 = 1.5 }\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("supply.grid_cfe_share.QLD1"));
}

#[test]
fn supply_cli_flexible_share_reports_the_trade_off() {
    let run = |capex: &str| {
        let out = Command::new(sitefind_bin())
            .args([
                "supply",
                "--zone",
                "Q1",
                "--reference-year",
                "2011",
                "--no-cache",
            ])
            .args([
                "--flexible-share",
                "0.3",
                "--server-capex-aud-per-mw-yr",
                capex,
            ])
            .args(["--format", "json"])
            .output()
            .unwrap();
        crate::common::json_stdout(&out)
    };
    // Free servers: H = f and a saving; the default-sized capex (A$1.32 M/MW-yr): declined,
    // with the reason and the break-even.
    let free = run("0");
    let x = &free["flexibility"];
    assert_eq!(x["headroom_mw"].as_f64().unwrap(), 0.3);
    assert!(x["energy_saving_aud_per_mwh"].as_f64().unwrap() > 5.0);
    assert_eq!(x["dispatch"], "heuristic");
    assert_eq!(free["parameters"]["flexible_share"], 0.3);
    let dear = run("1320000");
    let x = &dear["flexibility"];
    assert_eq!(x["headroom_mw"].as_f64().unwrap(), 0.0);
    assert!(x["declined"].as_str().unwrap().contains("break-even"));
    let be = x["break_even_server_capex_aud_per_mw_yr"].as_f64().unwrap();
    assert!(be > 1e5 && be < 1.32e6, "{be}");
    let flat = x["flat_cost_aud_per_mwh"].as_f64().unwrap();
    assert!((dear["cost_aud_per_mwh"].as_f64().unwrap() - flat).abs() < 0.01);
    // Out of range: exit 1 with a hint.
    let out = Command::new(sitefind_bin())
        .args([
            "supply",
            "--zone",
            "Q1",
            "--flexible-share",
            "0.7",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("supply.flexible_share"));
}

fn mean_of(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

// ---------------------------------------------------------------- regional portfolios

/// A regional problem on `sources` (zone, technology, profile, annualised AUD per MW-yr) with
/// the synthetic tests' battery costs, price and efficiency.
fn regional_problem<'a>(
    sources: &[(&'a str, Technology, &'a [f64], f64)],
    price: f64,
    target: f64,
) -> RegionalProblem<'a> {
    RegionalProblem {
        sources: sources
            .iter()
            .map(|&(zone_id, technology, profile, a)| Source {
                zone_id,
                technology,
                profile,
                annualised_aud_per_mw_yr: a,
            })
            .collect(),
        battery_power_annualised_aud_per_mw_yr: 40_000.0,
        battery_energy_annualised_aud_per_mwh_yr: 30_000.0,
        grid_price_aud_per_mwh: price,
        round_trip_efficiency: 0.85,
        cfe_target: target,
    }
}

/// The embedded dataset's zone profiles with the default scenario, in dataset order.
fn embedded_profiles() -> (Dataset, Scenario, Vec<synth::ZoneProfile>) {
    let ds = Dataset::embedded().unwrap();
    let s = Scenario::default();
    let profiles = synth::zone_profiles(&ds, &s.supply);
    (ds, s, profiles)
}

#[test]
fn regional_with_one_zone_is_that_zones_portfolio() {
    // Full horizon: a zone with both AEMO traces, one more, and an offshore wind-only zone.
    let (ds, s, profiles) = embedded_profiles();
    for id in ["Q1", "N2", "V5", "N10"] {
        let prof = profiles.iter().find(|p| p.zone_id == id).unwrap();
        let region = &ds.zones.iter().find(|z| z.id == id).unwrap().region;
        let zone = supply::solve_profile(&ds, &s, prof, 0.9);
        let reg = supply::solve_region(&ds, &s, region, &[prof], 0.9);
        let rel = reg.cost_aud_per_mwh / zone.cost_aud_per_mwh - 1.0;
        eprintln!(
            "{id}: regional {:.3} (bound {:.3}, {} dispatches) zone {:.3} ({:+.5} %)",
            reg.cost_aud_per_mwh,
            reg.lower_bound_aud_per_mwh,
            reg.evaluations,
            zone.cost_aud_per_mwh,
            100.0 * rel
        );
        assert!(reg.feasible && zone.feasible, "{id}");
        assert!(rel.abs() <= 5e-4, "{id}: {rel}");
        // Both bounds are proven: neither answer is below the other's bound.
        assert!(reg.cost_aud_per_mwh >= zone.lower_bound_aud_per_mwh * (1.0 - 1e-9));
        assert!(zone.cost_aud_per_mwh >= reg.lower_bound_aud_per_mwh * (1.0 - 1e-9));
        assert_eq!(reg.zones.len(), 1);
        assert_eq!(reg.zones[0].zone_id, id);
        assert_eq!(reg.zones[0].solar_mw == 0.0, id == "N10", "{id}: {reg:?}");
        assert!(reg.grid_share <= 0.1 * (1.0 + 1e-9), "{id}");
    }
}

#[test]
fn regional_matches_an_independent_lp_on_three_zones() {
    // One week of three NSW zones' AEMO-based profiles (six sources), two targets.
    let (ds, s, profiles) = embedded_profiles();
    let cut = |v: &Option<Vec<f64>>| v.as_ref().map(|v| v[48 * 200..48 * 207].to_vec());
    let zones = ["N1", "N2", "N3"];
    type Traces<'a> = (&'a str, Option<Vec<f64>>, Option<Vec<f64>>);
    let traces: Vec<Traces<'_>> = zones
        .iter()
        .map(|&id| {
            let p = profiles.iter().find(|p| p.zone_id == id).unwrap();
            (id, cut(&p.solar), cut(&p.wind))
        })
        .collect();
    let c = UnitCosts::new(&s.supply, s.cost.discount_rate, false);
    // Zone-specific cost markups so that the answer must weigh the zones.
    let mut sources: Vec<(&str, Technology, &[f64], f64)> = Vec::new();
    for (i, (id, solar, wind)) in traces.iter().enumerate() {
        let m = 1.0 + 0.05 * i as f64;
        if let Some(v) = solar {
            sources.push((
                id,
                Technology::Solar,
                v,
                m * c.solar_annualised_aud_per_mw_yr,
            ));
        }
        if let Some(v) = wind {
            sources.push((id, Technology::Wind, v, m * c.wind_annualised_aud_per_mw_yr));
        }
    }
    let price = ds
        .regions
        .iter()
        .find(|r| r.id == "NSW1")
        .unwrap()
        .price_aud_per_mwh;
    for target in [0.8, 0.95] {
        let mut p = regional_problem(&sources, price, target);
        p.battery_power_annualised_aud_per_mw_yr = c.battery_power_annualised_aud_per_mw_yr;
        p.battery_energy_annualised_aud_per_mwh_yr = c.battery_energy_annualised_aud_per_mwh_yr;
        let ours = optimise_regional(&p);
        let lp_src: Vec<(&[f64], f64)> = sources.iter().map(|s| (s.2, s.3)).collect();
        let lp = LpSupply {
            sources: &lp_src,
            battery: [
                p.battery_power_annualised_aud_per_mw_yr,
                p.battery_energy_annualised_aud_per_mwh_yr,
            ],
            price,
            eta: p.round_trip_efficiency,
            target,
        };
        let (lp_cost, lp_x, lp_pe, _) = lp_sources(&lp, good_lp::microlp);
        let rel = ours.annual_cost_aud / lp_cost - 1.0;
        eprintln!(
            "target {target}: ours {:.1} {:?} P {:.3} E {:.3} ({} dispatches, bound {:.1}); LP {lp_cost:.1} {lp_x:?} {lp_pe:?} ({:+.5} %)",
            ours.annual_cost_aud,
            ours.capacities_mw,
            ours.battery_mw,
            ours.battery_mwh,
            ours.evaluations,
            ours.lower_bound_aud,
            100.0 * rel
        );
        assert!(ours.feasible);
        assert!(rel.abs() <= 5e-4, "{target}: {rel}");
        assert!(rel > -1e-6, "{target}: cheaper than the LP: {rel}");
        assert!(ours.lower_bound_aud <= lp_cost * (1.0 + 1e-7));
        let g_max = (1.0 - target) * ours.energy.load_mwh;
        assert!(ours.energy.grid_mwh <= g_max * (1.0 + 1e-9) + 1e-9);
        // More than one zone is used (the LP's optimum also spreads).
        let used = ours.capacities_mw.iter().filter(|&&x| x > 1e-3).count();
        assert!(used >= 2, "{:?}", ours.capacities_mw);
    }
}

#[test]
fn regional_never_dearer_than_the_best_zone_of_each_region() {
    // Every NEM region of the embedded dataset, full horizon (both reference years).
    let (ds, s, profiles) = embedded_profiles();
    for region in &ds.regions {
        let zones: Vec<&synth::ZoneProfile> = profiles
            .iter()
            .filter(|p| {
                ds.zones
                    .iter()
                    .any(|z| z.id == p.zone_id && z.region == region.id)
            })
            .collect();
        if zones.is_empty() {
            continue;
        }
        let best = zones
            .iter()
            .map(|p| supply::solve_profile(&ds, &s, p, 0.9))
            .min_by(|a, b| a.cost_aud_per_mwh.total_cmp(&b.cost_aud_per_mwh))
            .unwrap();
        let t0 = std::time::Instant::now();
        let reg = supply::solve_region(&ds, &s, &region.id, &zones, 0.9);
        let secs = t0.elapsed().as_secs_f64();
        let gap = reg.cost_aud_per_mwh / reg.lower_bound_aud_per_mwh - 1.0;
        let sources: usize = zones
            .iter()
            .map(|p| usize::from(p.solar.is_some()) + usize::from(p.wind.is_some()))
            .sum();
        eprintln!(
            "{}: {} zones, {sources} sources: regional A${:.3}/MWh (bound {:.3}, gap {:.5} %, {} dispatches, {secs:.2} s, battery {:.2} MW / {:.2} MWh) vs best zone {} A${:.3} ({:.2} MWh)",
            region.id,
            zones.len(),
            reg.cost_aud_per_mwh,
            reg.lower_bound_aud_per_mwh,
            100.0 * gap,
            reg.evaluations,
            reg.battery_mw,
            reg.battery_mwh,
            best.zone_id,
            best.cost_aud_per_mwh,
            best.battery_mwh
        );
        for z in reg.zones.iter().filter(|z| z.solar_mw + z.wind_mw > 1e-3) {
            eprintln!(
                "    {}: solar {:.3} MW ({:.3} MWh/MWh) wind {:.3} MW ({:.3} MWh/MWh)",
                z.zone_id, z.solar_mw, z.solar_mwh_per_mwh_load, z.wind_mw, z.wind_mwh_per_mwh_load
            );
        }
        assert!(reg.feasible, "{}", region.id);
        assert!(
            reg.cost_aud_per_mwh <= best.cost_aud_per_mwh * (1.0 + 1e-9),
            "{}: regional {} > best zone {}",
            region.id,
            reg.cost_aud_per_mwh,
            best.cost_aud_per_mwh
        );
        assert!(reg.grid_share <= 0.1 * (1.0 + 1e-9), "{}", region.id);
        assert!(gap <= 1e-3, "{}: gap {gap}", region.id);
    }
}

/// Wind in two zones whose weather is in opposite phase: `w1` strong when `w2` is calm.
fn anti_correlated_wind(days: usize) -> (Vec<f64>, Vec<f64>) {
    let n = 48 * days;
    let phase = |t: usize| (2.0 * std::f64::consts::PI * t as f64 / (48.0 * 4.0)).sin();
    let gust = |t: usize| 0.9 + 0.1 * ((t * 7919) % 13) as f64 / 13.0;
    let w1 = (0..n)
        .map(|t| (0.5 + 0.45 * phase(t)).powi(2) * gust(t))
        .collect();
    let w2 = (0..n)
        .map(|t| (0.5 - 0.45 * phase(t)).powi(2) * gust(t + 5))
        .collect();
    (w1, w2)
}

#[test]
fn regional_diversity_beats_either_zone_with_a_smaller_battery() {
    let (w1, w2) = anti_correlated_wind(16);
    let wind = 250_000.0;
    let both = [
        ("A", Technology::Wind, &w1[..], wind),
        ("B", Technology::Wind, &w2[..], wind),
    ];
    let single = |i: usize| {
        optimise(&Problem {
            solar: None,
            wind: Some(both[i].2),
            annualised: [0.0, wind, 40_000.0, 30_000.0],
            grid_price_aud_per_mwh: 110.0,
            export_value_aud_per_mwh: 0.0,
            round_trip_efficiency: 0.85,
            cfe_target: 0.9,
        })
    };
    let (a, b) = (single(0), single(1));
    let cheaper = if a.annual_cost_aud <= b.annual_cost_aud {
        a
    } else {
        b
    };
    let reg = optimise_regional(&regional_problem(&both, 110.0, 0.9));
    eprintln!(
        "A {:.0} ({:.2} MWh) B {:.0} ({:.2} MWh) regional {:.0} {:?} ({:.2} MW / {:.2} MWh)",
        a.annual_cost_aud,
        a.design.battery_mwh,
        b.annual_cost_aud,
        b.design.battery_mwh,
        reg.annual_cost_aud,
        reg.capacities_mw,
        reg.battery_mw,
        reg.battery_mwh
    );
    assert!(reg.feasible && a.feasible && b.feasible);
    // Strictly cheaper than either zone alone, by a margin the proof gap cannot explain.
    assert!(reg.annual_cost_aud < 0.9 * cheaper.annual_cost_aud);
    // The combined output is steadier: less storage than the cheaper zone alone needs.
    assert!(reg.battery_mwh < 0.5 * cheaper.design.battery_mwh);
    // Both zones are used, in near-equal measure (the traces are mirror images).
    let (x1, x2) = (reg.capacities_mw[0], reg.capacities_mw[1]);
    assert!(
        x1 > 0.3 && x2 > 0.3 && (x1 / x2 - 1.0).abs() < 0.25,
        "{x1} {x2}"
    );
    // Generation shares are the capacities × mean capacity factors.
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!((reg.generated_mwh_per_mwh_load[0] - x1 * mean(&w1)).abs() < 1e-9);
    // The battery's dispatch on the combined output is the answer's energy.
    assert!(reg.energy.grid_mwh <= 0.1 * reg.energy.load_mwh * (1.0 + 1e-9));
}

#[test]
fn regional_monotone_in_target() {
    // Tasmania's zones on the embedded data, full horizon.
    let (ds, s, profiles) = embedded_profiles();
    let zones: Vec<&synth::ZoneProfile> = profiles
        .iter()
        .filter(|p| {
            ds.zones
                .iter()
                .any(|z| z.id == p.zone_id && z.region == "TAS1")
        })
        .collect();
    let (mut last_cost, mut last_bound) = (0.0, 0.0);
    for target in [0.0, 0.5, 0.8, 0.9, 0.95, 0.98] {
        let sol = supply::solve_region(&ds, &s, "TAS1", &zones, target);
        eprintln!(
            "target {target}: {:.3} (bound {:.3}, {} dispatches) battery {:.2} MWh, grid share {:.4}",
            sol.cost_aud_per_mwh,
            sol.lower_bound_aud_per_mwh,
            sol.evaluations,
            sol.battery_mwh,
            sol.grid_share
        );
        assert!(sol.feasible, "{target}");
        assert!(
            sol.grid_share <= (1.0 - target) * (1.0 + 1e-9) + 1e-12,
            "{target}"
        );
        // The optimum rises with the target: each answer is at least the last proven bound,
        // and within the proven gap the answers themselves are monotone.
        let gap = sol.cost_aud_per_mwh - sol.lower_bound_aud_per_mwh;
        assert!(
            gap >= 0.0 && gap <= 1e-5 * sol.cost_aud_per_mwh,
            "{target}: gap {gap}"
        );
        assert!(
            sol.cost_aud_per_mwh >= last_bound * (1.0 - 1e-9),
            "{target}"
        );
        assert!(sol.cost_aud_per_mwh >= last_cost - gap, "{target}");
        (last_cost, last_bound) = (sol.cost_aud_per_mwh, sol.lower_bound_aud_per_mwh);
    }
    assert!(last_cost > 1.2 * supply::solve_region(&ds, &s, "TAS1", &zones, 0.0).cost_aud_per_mwh);
}

/// The main job (no margins) with `[supply] sourcing` set to `sourcing`.
fn run_sourcing(sourcing: sitefind::scenario::Sourcing) -> sitefind::report::Report {
    let ds = Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let mut s = Scenario::default();
    s.alternatives.margins = false;
    s.supply.sourcing = sourcing;
    let out = sitefind::job::run(&ds, &demand, &s, &mut |_, _, _| {}).unwrap();
    assert!(out.report.check.feasible, "{:?}", out.report.check);
    out.report
}

#[test]
fn sourcing_co_located_regional_and_cheapest() {
    use sitefind::scenario::Sourcing;
    let (own, reg, best) = (
        run_sourcing(Sourcing::CoLocated),
        run_sourcing(Sourcing::Regional),
        run_sourcing(Sourcing::Cheapest),
    );
    let cost = |r: &sitefind::report::Report| r.totals.cost.total_aud_per_yr;
    eprintln!(
        "co-located A${:.0}, regional A${:.0}, cheapest A${:.0}",
        cost(&own),
        cost(&reg),
        cost(&best)
    );
    // Per site the cheapest sourcing prices energy at the lower of the two, so its optimum is
    // at most either's (each run is proven optimal to 1e-6).
    assert!(cost(&best) <= cost(&own) * (1.0 + 1e-6));
    assert!(cost(&best) <= cost(&reg) * (1.0 + 1e-6));
    let basis = |r: &sitefind::report::Report| -> Vec<String> {
        r.sites
            .iter()
            .filter_map(|s| s.supply.as_ref().map(|p| p.per_mw_load.basis.clone()))
            .collect()
    };
    assert!(
        !basis(&own).iter().any(|b| b == "regional"),
        "{:?}",
        basis(&own)
    );
    assert!(
        basis(&reg).iter().all(|b| b == "regional"),
        "{:?}",
        basis(&reg)
    );
    // On the embedded data the cheapest plan mixes both: the QLD regional portfolio (A$87.8/MWh
    // from Q1, Q3 and Q8) beats every REZ portfolio the latency limits admit even with the
    // network charge.
    assert!(
        basis(&best).iter().any(|b| b == "regional"),
        "{:?}",
        basis(&best)
    );
    assert!(
        basis(&best).iter().any(|b| b == "zone"),
        "{:?}",
        basis(&best)
    );
    check_cheapest_choice(&best);
    check_regional_draws(&best);
}

/// Every site of a cheapest-sourcing report buys the cheaper of its REZ's portfolio and its
/// region's regional portfolio plus the network charge (a site in a REZ pays it in the energy
/// price; outside a REZ, as its own cost component).
fn check_cheapest_choice(r: &sitefind::report::Report) {
    // The regional portfolios of every region (the report lists only those a site buys).
    let ds = Dataset::embedded().unwrap();
    let regions = ds.zones.iter().map(|z| z.region.clone()).collect();
    let (regional, _) = supply::solve_regions(&ds, &Scenario::default(), &regions).unwrap();
    let port = |id: &str| {
        r.supply_zones
            .iter()
            .chain(regional.values())
            .find(|p| p.zone_id == id)
    };
    let charge = Scenario::default().cost.network_charge_aud_per_mwh;
    for site in &r.sites {
        let Some(sp) = site.supply.as_ref().map(|s| &s.per_mw_load) else {
            continue;
        };
        let region = site.region_id.clone().unwrap_or_default();
        let regional = port(&format!("regional:{region}")).map(|p| p.cost_aud_per_mwh + charge);
        let zone = site
            .zone_id
            .as_deref()
            .and_then(port)
            .map(|p| p.cost_aud_per_mwh);
        match (sp.basis.as_str(), zone, regional) {
            ("regional", Some(z), Some(g)) => {
                assert!(g < z, "{}: regional {g} vs zone {z}", site.id);
                assert_eq!(sp.network_charge_aud_per_mwh, charge);
            }
            ("zone", Some(z), Some(g)) => assert!(z <= g, "{}: zone {z} vs {g}", site.id),
            ("regional", None, Some(_)) => assert_eq!(sp.network_charge_aud_per_mwh, 0.0),
            (b, z, g) => panic!("{}: basis {b} with zone {z:?}, regional {g:?}", site.id),
        }
    }
}

/// A regional site's draws add up to its portfolio and each zone's resource row counts them.
fn check_regional_draws(r: &sitefind::report::Report) {
    for site in &r.sites {
        let Some(sp) = site.supply.as_ref() else {
            continue;
        };
        let p = &sp.per_mw_load;
        if p.basis != "regional" {
            continue;
        }
        assert!(p.draws.len() >= 2, "{:?}", p.draws);
        let solar: f64 = p.draws.iter().map(|d| d.solar_mw_per_mw_load).sum();
        let wind: f64 = p.draws.iter().map(|d| d.wind_mw_per_mw_load).sum();
        assert!((solar - p.solar_mw_per_mw_load).abs() < 1e-3, "{solar}");
        assert!((wind - p.wind_mw_per_mw_load).abs() < 1e-3, "{wind}");
        for d in p.draws.iter().filter(|d| d.solar_mw_per_mw_load > 1e-3) {
            let row = r
                .grid_limits
                .iter()
                .find(|g| g.id == format!("solar:{}", d.zone_id))
                .unwrap_or_else(|| panic!("no solar row for {}", d.zone_id));
            assert!(row.sites.contains(&site.id), "{row:?}");
            let drawn = d.solar_mw_per_mw_load * sp.load_mw;
            assert!(row.load_mw >= drawn * (1.0 - 1e-3), "{row:?} vs {drawn}");
        }
    }
}

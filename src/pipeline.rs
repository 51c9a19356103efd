//! The main job end to end: dataset + demand + scenario → candidates → RTT and cost matrices →
//! MIP → solve → independent check → [`Report`].
//!
//! Each stage takes the previous stage's output and knows nothing of the later ones; the MIP
//! sees only plain matrices ([`SitingProblem`]).

use crate::candidates::{self, Candidate};
use crate::check;
use crate::cost::{CostModel, SiteCostRates};
use crate::data::{Dataset, Demand, LonLat, RenewableZone};
use crate::error::{Error, Result};
use crate::latency::LatencyModel;
use crate::model::{CityInput, SiteInput, SitingProblem, Solution, ZoneInput};
use crate::report::{
    Allocation, CheckSummary, CityReport, CostComponents, ModelSummary, Nearby, Report, SiteReport,
    SolverSummary, StageTiming, Totals, ZoneReport,
};
use crate::scenario::Scenario;
use crate::solve;
use std::collections::BTreeMap;
use std::time::Instant;

/// Progress callback: (stage name, seconds it took — NaN when the stage is starting —, a short
/// note).
pub type Progress<'a> = &'a mut dyn FnMut(&str, f64, &str);

/// Everything prepared for the MIP: candidates, their cost rates, the RTT rows, and the problem.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// All candidates generated.
    pub candidates: Vec<Candidate>,
    /// Indices into `candidates` of the sites in the model (those that reach ≥ 1 city).
    pub in_model: Vec<usize>,
    /// Cost rates of the model's sites (parallel to `in_model`).
    pub rates: Vec<SiteCostRates>,
    /// The problem the solver sees.
    pub problem: SitingProblem,
    /// Zone index in `problem.zones` → dataset zone index.
    pub zone_map: Vec<usize>,
    /// Best RTT available to each city from any candidate, ms.
    pub best_rtt_ms: Vec<Option<f64>>,
}

/// Builds candidates, RTTs and costs, and the siting problem.
pub fn prepare(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    latency: &LatencyModel,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let t = Instant::now();
    let candidates = candidates::generate(ds, &scenario.candidates)?;
    progress(
        "candidates",
        t.elapsed().as_secs_f64(),
        &format!("{} candidates", candidates.len()),
    );
    if candidates.is_empty() {
        return Err(Error::Infeasible {
            diagnosis: "no candidate site in the dataset with these candidate parameters".into(),
            hint: "check --region and [candidates] min_voltage_kv / rez_radius_km".into(),
        });
    }

    let t = Instant::now();
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let sites: Vec<LonLat> = candidates.iter().map(|c| c.location).collect();
    let rtt = latency.rtt_matrix(&sites, &cities).rtt_ms;
    prepare_from(ds, demand, scenario, candidates, rtt, t, progress)
}

/// The stages of [`prepare`] after the RTT matrix: latency limits, costs and the problem,
/// from given candidates and their RTT rows (`rtt[candidate][city]`, ms). A sweep reuses
/// candidates and RTTs across samples that do not change them. `latency_clock` is when the
/// RTT stage started (for its progress line).
pub fn prepare_from(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    candidates: Vec<Candidate>,
    rtt: Vec<Vec<f64>>,
    latency_clock: Instant,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let t = latency_clock;
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let limits: Vec<f64> = demand
        .nodes
        .iter()
        .map(|n| scenario.model.max_rtt_ms.unwrap_or(n.max_rtt_ms))
        .collect();
    let mut best_rtt_ms: Vec<Option<f64>> = vec![None; cities.len()];
    for row in &rtt {
        for (j, &v) in row.iter().enumerate() {
            if v.is_finite() && best_rtt_ms[j].is_none_or(|b| v < b) {
                best_rtt_ms[j] = Some(v);
            }
        }
    }
    // A city that no candidate reaches within its limit: say how close the best one gets.
    let mut unreachable: Vec<String> = Vec::new();
    for (j, node) in demand.nodes.iter().enumerate() {
        if !rtt.iter().any(|row| row[j] <= limits[j]) {
            let best = (0..candidates.len())
                .filter(|&i| rtt[i][j].is_finite())
                .min_by(|&a, &b| rtt[a][j].total_cmp(&rtt[b][j]).then(a.cmp(&b)));
            unreachable.push(match best {
                Some(i) => format!(
                    "{} ({}) has no candidate within its {:.1} ms RTT limit: the best of {} candidates is {} at {:.1} ms",
                    node.name, node.id, limits[j], candidates.len(), candidates[i].id, rtt[i][j]
                ),
                None => format!(
                    "{} ({}) has no route at all from any of {} candidates (cables cut?)",
                    node.name, node.id, candidates.len()
                ),
            });
        }
    }
    if !unreachable.is_empty() {
        return Err(Error::Infeasible {
            diagnosis: unreachable.join("; "),
            hint: "raise the limit (--max-rtt-ms or max_rtt_ms in the demand file), restore cut cables, or widen --region".into(),
        });
    }
    let in_model: Vec<usize> = (0..candidates.len())
        .filter(|&i| rtt[i].iter().zip(&limits).any(|(r, l)| r <= l))
        .collect();
    progress(
        "latency",
        t.elapsed().as_secs_f64(),
        &format!(
            "{} of {} candidates reach a city within its limit",
            in_model.len(),
            candidates.len()
        ),
    );

    let t = Instant::now();
    let cost = CostModel::new(&scenario.cost)?;
    let zone_index: BTreeMap<&str, usize> = ds
        .zones
        .iter()
        .enumerate()
        .map(|(k, z)| (z.id.as_str(), k))
        .collect();
    let zone_of = |c: &Candidate| -> Option<&RenewableZone> {
        c.zone_id
            .as_deref()
            .and_then(|id| zone_index.get(id))
            .map(|&k| &ds.zones[k])
    };
    let rates: Vec<SiteCostRates> = in_model
        .iter()
        .map(|&i| cost.site_rates(&candidates[i], zone_of(&candidates[i])))
        .collect();

    // Zones used by model sites, in dataset order.
    let mut zone_map: Vec<usize> = Vec::new();
    let mut zone_pos: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &in_model {
        if let Some(k) = candidates[i]
            .zone_id
            .as_deref()
            .and_then(|id| zone_index.get(id))
        {
            zone_pos.entry(*k).or_insert(0);
        }
    }
    for (k, pos) in zone_pos.iter_mut() {
        *pos = zone_map.len();
        zone_map.push(*k);
    }
    let zones: Vec<ZoneInput> = zone_map
        .iter()
        .map(|&k| {
            let z = &ds.zones[k];
            ZoneInput {
                id: z.id.clone(),
                limit_mw: z.network_limit_mw,
                expansion_cost_aud_per_mw: cost.rez_expansion_aud_per_mw_yr(z),
            }
        })
        .collect();

    // Must-build / exclude ids must exist.
    for (what, ids) in [
        ("--must-build", &scenario.model.must_build),
        ("--exclude", &scenario.model.exclude),
    ] {
        for id in ids.iter() {
            if !candidates.iter().any(|c| &c.id == id) {
                let close: Vec<&str> = candidates
                    .iter()
                    .map(|c| c.id.as_str())
                    .filter(|c| c.contains(id.as_str()) || id.contains(*c))
                    .take(5)
                    .collect();
                return Err(Error::usage(
                    format!("{what} {id}: no candidate has this id"),
                    if close.is_empty() {
                        "list candidate ids with `sitefind candidates --format csv`".to_string()
                    } else {
                        format!(
                            "did you mean {}? (`sitefind candidates` lists them)",
                            close.join(", ")
                        )
                    },
                ));
            }
        }
    }

    let m = &scenario.model;
    let site_inputs: Vec<SiteInput> = in_model
        .iter()
        .zip(&rates)
        .map(|(&i, r)| {
            let c = &candidates[i];
            SiteInput {
                id: c.id.clone(),
                fixed_cost_aud: r.fixed_aud_per_yr(),
                var_cost_aud_per_mw: r.per_mw_aud_per_yr(),
                min_mw: m.min_site_mw,
                max_mw: c.max_mw.min(m.max_site_mw),
                zone: c
                    .zone_id
                    .as_deref()
                    .and_then(|id| zone_index.get(id))
                    .and_then(|k| zone_pos.get(k).copied()),
                pue: r.pue,
                must_build: m.must_build.contains(&c.id),
                excluded: m.exclude.contains(&c.id),
            }
        })
        .collect();
    let city_inputs: Vec<CityInput> = demand
        .nodes
        .iter()
        .zip(&limits)
        .map(|(n, &l)| CityInput {
            id: n.id.clone(),
            demand_mw: n.it_load_mw,
            max_rtt_ms: l,
            min_sites: m.min_sites_per_city.unwrap_or(n.min_sites),
        })
        .collect();
    let rtt_rows: Vec<Vec<f64>> = in_model.iter().map(|&i| rtt[i].clone()).collect();
    let assign = vec![vec![0.0; city_inputs.len()]; site_inputs.len()];
    let problem = SitingProblem {
        sites: site_inputs,
        cities: city_inputs,
        zones,
        rtt_ms: rtt_rows,
        assign_cost_aud_per_mw: assign,
        max_sites: m.max_sites,
        module_mw: m.module_mw,
        unserved_penalty_aud_per_mw: m.unserved_penalty_aud_per_mw,
        objective: m.objective,
        cost_cap_aud: m.cost_cap_aud,
        budget_aud: m.budget_aud,
        shared_limits: Vec::new(),
        cover_sets: Vec::new(),
    };
    progress(
        "cost",
        t.elapsed().as_secs_f64(),
        &format!("{} sites priced", problem.sites.len()),
    );
    Ok(Prepared {
        candidates,
        in_model,
        rates,
        problem,
        zone_map,
        best_rtt_ms,
    })
}

/// The result of [`run`]: the report plus what produced it (for callers that want more).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The report.
    pub report: Report,
    /// The problem the solver saw.
    pub problem: SitingProblem,
    /// The solver's solution.
    pub solution: Solution,
}

/// Runs the whole pipeline on a dataset, a demand and a scenario. `progress` is told each
/// stage's time.
pub fn run(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
) -> Result<Outcome> {
    let label = "scenario";
    scenario.validate(label)?;
    let mut timings: Vec<StageTiming> = Vec::new();
    // A NaN duration announces a stage that is starting (long solves), and is not a timing.
    let mut record = |stage: &str, secs: f64, note: &str| {
        if !secs.is_nan() {
            timings.push(StageTiming {
                stage: stage.to_string(),
                seconds: secs,
            });
        }
        progress(stage, secs, note);
    };

    let t = Instant::now();
    let latency = LatencyModel::build(ds, &scenario.latency)?;
    record(
        "latency model",
        t.elapsed().as_secs_f64(),
        &format!("{} landings", ds.landings.len()),
    );

    let prepared = prepare(ds, demand, scenario, &latency, &mut record)?;
    let p = &prepared.problem;

    // Explain infeasibility that can be seen from the data before solving.
    crate::model::diagnose::diagnose(p)?;

    let opts = solve::SolveOptions::from(&scenario.solver);
    let (sr, solution, size, dominance) = solve::solve_with_reduction(p, &opts, &mut record)?;
    let (n_vars, n_rows, n_bin) = size;

    let t = Instant::now();
    let mut chk = check::check_reported(p, &solution, sr.objective);
    end_to_end_check(
        ds, demand, scenario, &latency, &prepared, &solution, &mut chk,
    )?;
    record(
        "check",
        t.elapsed().as_secs_f64(),
        if chk.feasible {
            "feasible"
        } else {
            "VIOLATIONS"
        },
    );

    let t = Instant::now();
    let mut report = assemble(
        ds,
        demand,
        scenario,
        &latency,
        &prepared,
        &solution,
        &sr,
        &chk,
        (n_vars, n_rows, n_bin),
        dominance,
    );
    record("report", t.elapsed().as_secs_f64(), "");
    crate::alternatives::attach(
        &mut report,
        &prepared,
        &solution,
        scenario,
        &opts,
        &mut record,
    )?;
    report.timings = Some(timings);
    Ok(Outcome {
        report,
        problem: prepared.problem,
        solution,
    })
}

/// Absolute tolerance of [`end_to_end_check`]'s RTT comparison, ms.
const E2E_RTT_TOLERANCE_MS: f64 = 1e-6;
/// Relative tolerance of [`end_to_end_check`]'s cost comparison.
const E2E_COST_TOLERANCE: f64 = 1e-9;

/// The second, end-to-end check: independent of the matrices the solver saw, recomputes each
/// allocation's RTT from the latency model (a fresh shortest path through the cable graph for
/// the pair) and each open site's annual cost rates from the cost model (the site's REZ looked
/// up again by id), and records a violation in `chk` where they differ from the problem's
/// matrices or break the city's RTT limit.
pub fn end_to_end_check(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    latency: &LatencyModel,
    prep: &Prepared,
    sol: &Solution,
    chk: &mut check::CheckReport,
) -> Result<()> {
    let p = &prep.problem;
    let mut violations: Vec<String> = Vec::new();
    let mut worst: f64 = 0.0;
    for &(k, j, mw) in &sol.flows {
        let (Some(&ci), Some(city)) = (prep.in_model.get(k), demand.nodes.get(j)) else {
            violations.push(format!("flow ({k}, {j}) refers to no candidate/city"));
            worst = f64::INFINITY;
            continue;
        };
        let c = &prep.candidates[ci];
        let limit = scenario.model.max_rtt_ms.unwrap_or(city.max_rtt_ms);
        let fresh = latency.rtt(c.location, city.location).map(|r| r.rtt_ms);
        let seen = p.rtt_ms.get(k).and_then(|row| row.get(j)).copied();
        match (fresh, seen) {
            (Some(fresh), Some(seen)) => {
                let d = (fresh - seen).abs();
                if d.is_nan() || d > E2E_RTT_TOLERANCE_MS {
                    worst = worst.max(d);
                    violations.push(format!(
                        "allocation \"{}\" → \"{}\": RTT recomputed through the cable graph is {fresh} ms, the solver saw {seen} ms",
                        c.id, city.id
                    ));
                }
                if mw > 0.0 && (fresh.is_nan() || fresh > limit) {
                    worst = f64::INFINITY;
                    violations.push(format!(
                        "allocation \"{}\" → \"{}\" ({mw} MW): RTT {fresh} ms above the city's limit {limit} ms",
                        c.id, city.id
                    ));
                }
            }
            _ => {
                worst = f64::INFINITY;
                violations.push(format!(
                    "allocation \"{}\" → \"{}\": no route through the cable graph",
                    c.id, city.id
                ));
            }
        }
    }
    let cost = CostModel::new(&scenario.cost)?;
    for (k, site) in p.sites.iter().enumerate() {
        if !sol.open.get(k).copied().unwrap_or(false) {
            continue;
        }
        let Some(c) = prep.in_model.get(k).and_then(|&i| prep.candidates.get(i)) else {
            continue;
        };
        let zone = c
            .zone_id
            .as_deref()
            .and_then(|id| ds.zones.iter().find(|z| z.id == id));
        let rates = cost.site_rates(c, zone);
        for (what, fresh, seen) in [
            ("fixed cost", rates.fixed_aud_per_yr(), site.fixed_cost_aud),
            (
                "cost per MW",
                rates.per_mw_aud_per_yr(),
                site.var_cost_aud_per_mw,
            ),
        ] {
            let d = (fresh - seen).abs() / fresh.abs().max(seen.abs()).max(1.0);
            if d.is_nan() || d > E2E_COST_TOLERANCE {
                worst = worst.max(d);
                violations.push(format!(
                    "site \"{}\": {what} recomputed from the cost model is {fresh} AUD/yr, the solver saw {seen} AUD/yr",
                    c.id
                ));
            }
        }
    }
    if !violations.is_empty() {
        chk.feasible = false;
        chk.max_violation = chk.max_violation.max(worst);
        chk.violations.extend(violations);
    }
    Ok(())
}

fn status_name(s: solve::SolveStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{s:?}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    latency: &LatencyModel,
    prep: &Prepared,
    sol: &Solution,
    sr: &solve::SolveReport,
    chk: &check::CheckReport,
    size: (usize, usize, usize),
    dominance: Option<(usize, usize)>,
) -> Report {
    let p = &prep.problem;
    let landing_pos: BTreeMap<&str, LonLat> = ds
        .landings
        .iter()
        .map(|l| (l.id.as_str(), l.location))
        .collect();

    // Allocations, per (site, city).
    let mut allocs: Vec<Allocation> = Vec::new();
    for &(k, j, mw) in &sol.flows {
        let c = &prep.candidates[prep.in_model[k]];
        let city = &demand.nodes[j];
        let path = latency.rtt(c.location, city.location);
        let (landings, cables) = path
            .as_ref()
            .map(|r| (r.landings.clone(), r.cables.clone()))
            .unwrap_or_default();
        let mut route = vec![c.location];
        route.extend(
            landings
                .iter()
                .filter_map(|id| landing_pos.get(id.as_str()).copied()),
        );
        route.push(city.location);
        allocs.push(Allocation {
            site_id: c.id.clone(),
            city_id: city.id.clone(),
            mw,
            rtt_ms: p.rtt_ms[k][j],
            landings,
            cables,
            route,
        });
    }

    // Zone loads and the attribution of expansion cost to sites (by grid draw).
    let mut zone_load = vec![0.0; p.zones.len()];
    for (k, site) in p.sites.iter().enumerate() {
        if let Some(z) = site.zone {
            zone_load[z] += site.pue * sol.capacity_mw[k];
        }
    }
    let expansion_aud: Vec<f64> = p
        .zones
        .iter()
        .enumerate()
        .map(|(z, zi)| {
            sol.expansion_mw.get(z).copied().unwrap_or(0.0) * zi.expansion_cost_aud_per_mw
        })
        .collect();

    // Context for "why": per-MW rates of every site in the model.
    let per_mw_all: Vec<f64> = prep.rates.iter().map(|r| r.per_mw_aud_per_yr()).collect();
    let energy_all: Vec<f64> = prep
        .rates
        .iter()
        .map(|r| r.energy_price_aud_per_mwh)
        .collect();
    let grid_all: Vec<f64> = prep.rates.iter().map(|r| r.grid_aud_per_mw_yr).collect();
    let net_all: Vec<f64> = prep.rates.iter().map(|r| r.network_aud_per_yr).collect();
    let pue_all: Vec<f64> = prep.rates.iter().map(|r| r.pue).collect();
    let (med_energy, med_grid, med_net, med_pue) = (
        median(energy_all),
        median(grid_all),
        median(net_all),
        median(pue_all),
    );

    let mut sites: Vec<SiteReport> = Vec::new();
    for (k, site) in p.sites.iter().enumerate() {
        if !sol.open.get(k).copied().unwrap_or(false) {
            continue;
        }
        let c = &prep.candidates[prep.in_model[k]];
        let r = &prep.rates[k];
        let built = sol.capacity_mw[k];
        let exp_share = match site.zone {
            Some(z) if zone_load[z] > 0.0 => expansion_aud[z] * site.pue * built / zone_load[z],
            _ => 0.0,
        };
        let b = r.breakdown(built, exp_share);
        let cost = CostComponents {
            capex_aud: b.capex_aud,
            site_fixed_aud: b.site_fixed_aud,
            grid_connection_aud: b.grid_connection_aud,
            rez_expansion_aud: b.rez_expansion_aud,
            energy_aud: b.energy_aud,
            network_aud: b.network_aud,
            total_aud: b.total_aud,
        };
        let serves: Vec<Allocation> = allocs
            .iter()
            .filter(|a| a.site_id == c.id)
            .cloned()
            .collect();
        let used: f64 = serves.iter().map(|a| a.mw).sum();

        // Why this site.
        let mut why: Vec<String> = Vec::new();
        let served_cities: Vec<usize> =
            sol.flows.iter().filter(|f| f.0 == k).map(|f| f.1).collect();
        let rivals: Vec<usize> = (0..p.sites.len())
            .filter(|&i| {
                served_cities
                    .iter()
                    .all(|&j| p.rtt_ms[i][j] <= p.cities[j].max_rtt_ms)
            })
            .collect();
        let mine = r.per_mw_aud_per_yr() + r.fixed_aud_per_yr() / built.max(1e-9);
        let rank = 1 + rivals
            .iter()
            .filter(|&&i| {
                let size = built.min(p.sites[i].max_mw).max(1e-9);
                per_mw_all[i] + prep.rates[i].fixed_aud_per_yr() / size < mine - 1e-6
            })
            .count();
        let names: Vec<&str> = served_cities
            .iter()
            .map(|&j| demand.nodes[j].name.as_str())
            .collect();
        why.push(format!(
            "annual cost A${:.2} M per MW at {:.0} MW: rank {} of {} candidates that reach {} within {} latency limit{}",
            mine / 1e6,
            built,
            rank,
            rivals.len(),
            names.join(", "),
            if names.len() > 1 { "their" } else { "its" },
            if names.len() > 1 { "s" } else { "" }
        ));
        let mut drivers: Vec<(f64, String)> = Vec::new();
        let mwh_per_yr = scenario.cost.utilisation * r.pue * 8760.0 * built;
        if r.energy_price_aud_per_mwh < med_energy {
            let zone = match (&c.zone_id, r.capacity_factor) {
                (Some(z), Some(cf)) => format!(
                    ", {:.0} % renewable PPA from REZ {z} at capacity factor {:.2}",
                    100.0 * scenario.cost.renewable_share,
                    cf
                ),
                _ => String::new(),
            };
            drivers.push((
                (med_energy - r.energy_price_aud_per_mwh) * mwh_per_yr,
                format!(
                    "energy A${:.1}/MWh against a median of A${:.1}/MWh{zone}",
                    r.energy_price_aud_per_mwh, med_energy
                ),
            ));
        }
        if r.pue < med_pue {
            drivers.push((
                (med_pue - r.pue) / r.pue * r.energy_aud_per_mw_yr * built,
                format!(
                    "PUE {:.3} (mean {:.1} °C) against a median of {:.3}",
                    r.pue, c.mean_temp_c, med_pue
                ),
            ));
        }
        if r.grid_aud_per_mw_yr < med_grid {
            drivers.push((
                (med_grid - r.grid_aud_per_mw_yr) * built,
                format!(
                    "grid connection {:.1} km to {} ({:.0} kV)",
                    c.substation_km.unwrap_or(0.0),
                    c.substation_name.as_deref().unwrap_or("-"),
                    c.substation_kv.unwrap_or(0.0)
                ),
            ));
        }
        if r.network_aud_per_yr < med_net {
            drivers.push((
                med_net - r.network_aud_per_yr,
                format!(
                    "backhaul {:.0} km to landing {} (median {:.0} km)",
                    c.landing_km.unwrap_or(0.0),
                    c.landing_name.as_deref().unwrap_or("-"),
                    med_net / scenario.cost.backhaul_aud_per_km_yr.max(1e-9)
                ),
            ));
        }
        drivers.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (saving, text) in drivers.into_iter().take(3) {
            why.push(format!(
                "cheaper than the median candidate: {text} (saves ~A${:.1} M/yr)",
                saving / 1e6
            ));
        }
        if built >= site.max_mw - 1e-6 {
            why.push(format!(
                "binding: built to its grid headroom of {:.0} MW ({})",
                site.max_mw, c.max_mw_source
            ));
        }
        if let Some(z) = site.zone {
            if sol.expansion_mw.get(z).copied().unwrap_or(0.0) > 1e-6 {
                why.push(format!(
                    "binding: REZ {} network limit {} MW is exceeded; {:.0} MW of expansion paid",
                    p.zones[z].id,
                    p.zones[z]
                        .limit_mw
                        .map(|l| format!("{l:.0}"))
                        .unwrap_or_else(|| "-".into()),
                    sol.expansion_mw[z]
                ));
            }
        }
        for &j in &served_cities {
            let city = &p.cities[j];
            let n_reach = (0..p.sites.len())
                .filter(|&i| p.rtt_ms[i][j] <= city.max_rtt_ms)
                .count();
            if n_reach <= 20 {
                why.push(format!(
                    "binding: only {n_reach} candidates reach {} within its {:.0} ms limit",
                    demand.nodes[j].name, city.max_rtt_ms
                ));
            }
            if city.min_sites > 1 {
                let x: f64 = sol
                    .flows
                    .iter()
                    .filter(|f| f.0 == k && f.1 == j)
                    .map(|f| f.2)
                    .sum();
                if x >= city.demand_mw / city.min_sites as f64 - 1e-6 {
                    why.push(format!(
                        "binding: redundancy — {} must be served by ≥ {} sites, so one site serves at most {:.0} MW of it",
                        demand.nodes[j].name,
                        city.min_sites,
                        city.demand_mw / city.min_sites as f64
                    ));
                }
            }
        }

        sites.push(SiteReport {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_string(),
            state: c.state.clone(),
            region_id: c.region_id.clone(),
            location: c.location,
            zone_id: c.zone_id.clone(),
            zone_name: c.zone_name.clone(),
            built_mw: built,
            used_mw: used,
            annual_cost_aud: cost.total_aud,
            cost_per_mw_aud: if built > 0.0 {
                cost.total_aud / built
            } else {
                0.0
            },
            cost,
            pue: r.pue,
            energy_price_aud_per_mwh: r.energy_price_aud_per_mwh,
            substation: Nearby {
                id: c.substation_id.clone().unwrap_or_default(),
                name: c.substation_name.clone().unwrap_or_default(),
                km: c.substation_km.unwrap_or(0.0),
            },
            substation_kv: c.substation_kv.unwrap_or(0.0),
            landing: Nearby {
                id: c.landing_id.clone().unwrap_or_default(),
                name: c.landing_name.clone().unwrap_or_default(),
                km: c.landing_km.unwrap_or(0.0),
            },
            minerals_within: c.minerals_within,
            nearest_mineral: c.nearest_mineral_id.as_ref().map(|id| Nearby {
                id: id.clone(),
                name: c.nearest_mineral_name.clone().unwrap_or_default(),
                km: c.nearest_mineral_km.unwrap_or(0.0),
            }),
            max_mw: site.max_mw,
            serves,
            why,
            margin: None,
        });
    }
    sites.sort_by(|a, b| a.id.cmp(&b.id));

    let cities: Vec<CityReport> = demand
        .nodes
        .iter()
        .enumerate()
        .map(|(j, n)| {
            let served_by: Vec<Allocation> = allocs
                .iter()
                .filter(|a| a.city_id == n.id)
                .cloned()
                .collect();
            let served: f64 = served_by.iter().map(|a| a.mw).sum();
            let weighted = if served > 0.0 {
                Some(served_by.iter().map(|a| a.mw * a.rtt_ms).sum::<f64>() / served)
            } else {
                None
            };
            let worst = served_by
                .iter()
                .map(|a| a.rtt_ms)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            CityReport {
                id: n.id.clone(),
                name: n.name.clone(),
                location: n.location,
                workload: n.workload,
                demand_mw: n.it_load_mw,
                served_mw: served,
                unserved_mw: sol.unserved_mw.get(j).copied().unwrap_or(0.0),
                max_rtt_ms: p.cities[j].max_rtt_ms,
                min_sites: p.cities[j].min_sites,
                weighted_rtt_ms: weighted,
                worst_rtt_ms: worst,
                best_available_rtt_ms: prep.best_rtt_ms[j],
                served_by,
            }
        })
        .collect();

    let zones: Vec<ZoneReport> = p
        .zones
        .iter()
        .enumerate()
        .filter(|(z, _)| zone_load[*z] > 1e-9)
        .map(|(z, zi)| {
            let dz = &ds.zones[prep.zone_map[z]];
            let members: Vec<String> = p
                .sites
                .iter()
                .enumerate()
                .filter(|(k, s)| s.zone == Some(z) && sol.open.get(*k).copied().unwrap_or(false))
                .map(|(_, s)| s.id.clone())
                .collect();
            ZoneReport {
                id: zi.id.clone(),
                name: dz.name.clone(),
                centre: dz.centre,
                radius_km: dz.radius_km,
                polygon: dz.polygon.clone(),
                limit_mw: zi.limit_mw,
                load_mw: zone_load[z],
                expansion_mw: sol.expansion_mw.get(z).copied().unwrap_or(0.0),
                expansion_aud: expansion_aud[z],
                binding: zi.limit_mw.is_some_and(|l| zone_load[z] >= l - 1e-6),
                sites: members,
            }
        })
        .collect();

    let mut total = CostComponents::default();
    for s in &sites {
        total.add(&s.cost);
    }
    let demand_mw: f64 = cities.iter().map(|c| c.demand_mw).sum();
    let served_mw: f64 = cities.iter().map(|c| c.served_mw).sum();
    let unserved_mw: f64 = cities.iter().map(|c| c.unserved_mw).sum();
    let totals = Totals {
        cost: total,
        unserved_penalty_aud: chk.unserved_penalty_aud,
        sites: sites.len(),
        built_mw: sites.iter().map(|s| s.built_mw).sum(),
        demand_mw,
        served_mw,
        unserved_mw,
        cost_per_mw_served_aud: if served_mw > 0.0 {
            Some(total.total_aud / served_mw)
        } else {
            None
        },
    };

    Report {
        sitefind_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: ds.source.clone(),
        demand_source: demand.source.clone(),
        demand_assumption: demand.assumption.clone(),
        objective: p.objective,
        solver: SolverSummary {
            backend: sr.backend.clone(),
            status: status_name(sr.status),
            objective: sr.objective.unwrap_or(f64::NAN),
            best_bound: sr.best_bound,
            gap: sr.gap,
            time_limit_s: scenario.solver.time_limit_s,
            mip_gap: scenario.solver.mip_gap,
        },
        check: CheckSummary {
            feasible: chk.feasible,
            max_violation: chk.max_violation,
            objective_recomputed: chk.objective_recomputed,
            violations: chk.violations.clone(),
        },
        model: ModelSummary {
            candidates: prep.candidates.len(),
            candidates_in_model: prep.in_model.len(),
            allowed_pairs: (0..p.sites.len())
                .map(|i| {
                    (0..p.cities.len())
                        .filter(|&j| p.rtt_ms[i][j] <= p.cities[j].max_rtt_ms)
                        .count()
                })
                .sum(),
            variables: size.0,
            constraints: size.1,
            binaries: size.2,
            sites_after_dominance: dominance.map_or(p.sites.len(), |d| d.0),
            dominance_open_sites_bound: dominance.map(|d| d.1),
        },
        sites,
        cities,
        zones,
        totals,
        parameters: scenario.clone(),
        timings: None,
        alternatives: None,
    }
}

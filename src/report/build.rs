//! Building the [`Report`] of a solved scenario from the pipeline's pieces: allocations and
//! their routes, per-site cost and "why", cities, REZs, totals and the solver/model summaries.
//! One function per part of the report; [`assemble`] puts them together.

use super::{
    Allocation, CheckSummary, CityReport, CostComponents, ModelSummary, Nearby, Report, SiteReport,
    SolverSummary, Totals, ZoneReport,
};
use crate::check::CheckReport;
use crate::data::{Dataset, Demand, LonLat};
use crate::engine::{SolveReport, SolveStatus};
use crate::latency::LatencyModel;
use crate::model::Solution;
use crate::outcome::{Outcome, Prepared};
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// Everything a report is built from: the inputs, the prepared problem, the solver's answer
/// and the independent check.
#[derive(Debug, Clone, Copy)]
pub struct Solved<'a> {
    /// The dataset.
    pub ds: &'a Dataset,
    /// The demand.
    pub demand: &'a Demand,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The latency model (for the routes' landings and cables).
    pub latency: &'a LatencyModel,
    /// Candidates, cost rates and the problem.
    pub prep: &'a Prepared,
    /// The solver's solution (of `prep.problem`).
    pub sol: &'a Solution,
    /// The solver's report.
    pub sr: &'a SolveReport,
    /// The independent checker's report.
    pub chk: &'a CheckReport,
    /// MIP size: variables, constraints, binaries.
    pub size: (usize, usize, usize),
    /// Dominance reduction: (sites kept, open-sites bound), if applied.
    pub dominance: Option<(usize, usize)>,
}

impl<'a> Solved<'a> {
    /// What a report is built from: the inputs and the pipeline's outcome.
    pub fn new(
        ds: &'a Dataset,
        demand: &'a Demand,
        scenario: &'a Scenario,
        out: &'a Outcome,
    ) -> Solved<'a> {
        Solved {
            ds,
            demand,
            scenario,
            latency: &out.latency,
            prep: &out.prepared,
            sol: &out.solution,
            sr: &out.solve,
            chk: &out.check,
            size: out.size,
            dominance: out.dominance,
        }
    }
}

/// The report of a solved scenario (unrounded; see [`Report::round_for_output`]).
pub fn assemble(s: &Solved) -> Report {
    let p = &s.prep.problem;
    let allocs = allocations(s);
    let loads = ZoneLoads::new(s);
    let medians = Medians::new(s.prep);
    let mut sites: Vec<SiteReport> = (0..p.sites.len())
        .filter(|&k| s.sol.open.get(k).copied().unwrap_or(false))
        .map(|k| site_report(s, k, &allocs, &loads, &medians))
        .collect();
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    let cities = city_reports(s, &allocs);
    let zones = zone_reports(s, &loads);
    let grid_limits = grid_limit_reports(s.prep, s.sol);
    let totals = totals(&sites, &cities, s.chk);
    let supply_zones: Vec<crate::supply::Portfolio> = {
        let used: std::collections::BTreeSet<&str> = sites
            .iter()
            .filter_map(|s| s.supply.as_ref())
            .filter_map(|s| s.per_mw_load.zone_id.as_deref())
            .collect();
        used.iter()
            .filter_map(|z| s.prep.portfolios.get(*z).cloned())
            .collect()
    };
    Report {
        schema_version: super::SCHEMA_VERSION.to_string(),
        sitefind_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: s.ds.source.clone(),
        demand_source: s.demand.source.clone(),
        demand_assumption: s.demand.assumption.clone(),
        objective: p.objective,
        solver: solver_summary(s),
        check: CheckSummary {
            feasible: s.chk.feasible,
            max_violation: s.chk.max_violation,
            objective_recomputed: s.chk.objective_recomputed,
            violations: s.chk.violations.clone(),
        },
        model: model_summary(s),
        sites,
        cities,
        zones,
        grid_limits,
        totals,
        supply_zones,
        alternatives: None,
        resilience: None,
        minerals: None,
        policy_prices: None,
        flexibility: super::flex::build(s.prep, s.demand, s.sol),
        parameters: s.scenario.clone(),
        timings: None,
        supply_cache: Some(s.prep.supply_cache.clone()),
    }
}

fn status_name(s: SolveStatus) -> String {
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

/// Allocations, per (site, city), with the route's landings and cables.
fn allocations(s: &Solved) -> Vec<Allocation> {
    let (ds, demand, latency, prep, sol) = (s.ds, s.demand, s.latency, s.prep, s.sol);
    // Positions of the graph's nodes (landings and points of presence) for drawing routes.
    let landing_pos: BTreeMap<&str, LonLat> = ds
        .landings
        .iter()
        .map(|l| (l.id.as_str(), l.location))
        .chain(ds.pops.iter().map(|p| (p.id.as_str(), p.location)))
        .collect();

    let mut allocs: Vec<Allocation> = Vec::new();
    for &(k, j, mw) in &sol.flows {
        let c = &prep.candidates[prep.in_model[k]];
        let city = &demand.nodes[j];
        let path = latency.rtt(c.location, city.location);
        let (landings, cables, pops, jurisdictions, nodes) = path
            .as_ref()
            .map(|r| {
                (
                    r.landings.clone(),
                    r.cables.clone(),
                    r.pops.clone(),
                    r.jurisdictions.clone(),
                    r.nodes.clone(),
                )
            })
            .unwrap_or_default();
        let mut route = vec![c.location];
        route.extend(
            nodes
                .iter()
                .filter_map(|id| landing_pos.get(id.as_str()).copied()),
        );
        route.push(city.location);
        allocs.push(Allocation {
            site_id: c.id.clone(),
            city_id: city.id.clone(),
            mw,
            rtt_ms: prep.rtt_p50_ms[k][j],
            rtt_p95_ms: prep.rtt_p95_ms[k][j],
            landings,
            cables,
            pops,
            jurisdictions,
            route,
        });
    }
    allocs
}

/// Zone loads (grid draw of the chosen sites, IT MW × PUE) and the annualised expansion cost
/// of each zone of the problem, for the attribution of expansion cost to sites (by grid draw).
struct ZoneLoads {
    load_mw: Vec<f64>,
    expansion_aud: Vec<f64>,
}

impl ZoneLoads {
    fn new(s: &Solved) -> Self {
        let (p, sol) = (&s.prep.problem, s.sol);
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
        ZoneLoads {
            load_mw: zone_load,
            expansion_aud,
        }
    }
}

/// Context for "why": per-MW rates of every site in the model and their medians.
struct Medians {
    per_mw_all: Vec<f64>,
    energy: f64,
    grid: f64,
    net: f64,
    pue: f64,
}

impl Medians {
    fn new(prep: &Prepared) -> Self {
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
        Medians {
            per_mw_all,
            energy: med_energy,
            grid: med_grid,
            net: med_net,
            pue: med_pue,
        }
    }
}

/// One chosen site (`k` indexes `prep.problem.sites`): its cost breakdown, what it serves
/// and why it was chosen.
fn site_report(
    s: &Solved,
    k: usize,
    allocs: &[Allocation],
    loads: &ZoneLoads,
    med: &Medians,
) -> SiteReport {
    let (prep, sol) = (s.prep, s.sol);
    let site = &prep.problem.sites[k];
    let (zone_load, expansion_aud) = (&loads.load_mw, &loads.expansion_aud);
    let c = &prep.candidates[prep.in_model[k]];
    let r = &prep.rates[k];
    let built = sol.capacity_mw[k];
    let exp_share = match site.zone {
        Some(z) if zone_load[z] > 0.0 => expansion_aud[z] * site.pue * built / zone_load[z],
        _ => 0.0,
    };
    let mut b = r.breakdown(built, exp_share);
    // Flexible load: energy on the average load at the flexible price, and (with an explicit
    // server capex) the headroom at that capex (`crate::flexload`).
    if let Some(fx) = &prep.flex {
        let (energy, capex) =
            crate::flexload::site_cost_overstatement(&fx.model, &prep.rates, sol, k);
        b.energy_aud -= energy;
        b.capex_aud -= capex;
        b.total_aud -= energy + capex;
    }
    let cost = CostComponents {
        capex_aud_per_yr: b.capex_aud,
        site_fixed_aud_per_yr: b.site_fixed_aud,
        grid_connection_aud_per_yr: b.grid_connection_aud,
        rez_expansion_aud_per_yr: b.rez_expansion_aud,
        energy_aud_per_yr: b.energy_aud,
        network_aud_per_yr: b.network_aud,
        network_charge_aud_per_yr: b.network_charge_aud,
        total_aud_per_yr: b.total_aud,
    };
    let serves: Vec<Allocation> = allocs
        .iter()
        .filter(|a| a.site_id == c.id)
        .cloned()
        .collect();
    let used: f64 = serves.iter().map(|a| a.mw).sum();

    let why = why_site(s, k, med);

    SiteReport {
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
        annual_cost_aud_per_yr: cost.total_aud_per_yr,
        cost_per_mw_aud_per_yr: if built > 0.0 {
            cost.total_aud_per_yr / built
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
        backhaul_km: crate::cost::CostModel::backhaul_km(c),
        backhaul_aud_per_yr: r.network_aud_per_yr,
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
        supply: r.supply.as_ref().map(|sp| {
            let load_mw = s.scenario.cost.utilisation * r.pue * built;
            super::SiteSupplyReport {
                per_mw_load: sp.clone(),
                load_mw,
                solar_mw: sp.solar_mw_per_mw_load * load_mw,
                wind_mw: sp.wind_mw_per_mw_load * load_mw,
                battery_mw: sp.battery_mw_per_mw_load * load_mw,
                battery_mwh: sp.battery_mwh_per_mw_load * load_mw,
                trace_source: sp
                    .zone_id
                    .as_ref()
                    .and_then(|z| prep.portfolios.get(z))
                    .map_or_else(
                        || "none (all grid)".to_string(),
                        crate::supply::Portfolio::source_summary,
                    ),
            }
        }),
    }
}

/// Why site `k` was chosen: its rank among the candidates that reach the same cities, its
/// cheapest cost drivers against the median candidate, and the limits that bind.
fn why_site(s: &Solved, k: usize, med: &Medians) -> Vec<String> {
    let (prep, sol, demand) = (s.prep, s.sol, s.demand);
    let p = &prep.problem;
    let r = &prep.rates[k];
    let built = sol.capacity_mw[k];
    let per_mw_all = &med.per_mw_all;
    let mut why: Vec<String> = Vec::new();
    let served_cities: Vec<usize> = sol.flows.iter().filter(|f| f.0 == k).map(|f| f.1).collect();
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
    why.extend(cost_drivers(s, k, med));
    why.extend(binding_limits(s, k, &served_cities));
    why
}

/// Up to three cost drivers in which site `k` beats the median candidate, largest saving first.
fn cost_drivers(s: &Solved, k: usize, med: &Medians) -> Vec<String> {
    let (prep, scenario) = (s.prep, s.scenario);
    let c = &prep.candidates[prep.in_model[k]];
    let r = &prep.rates[k];
    let built = s.sol.capacity_mw[k];
    let (med_energy, med_grid, med_net, med_pue) = (med.energy, med.grid, med.net, med.pue);
    let mut why: Vec<String> = Vec::new();
    let mut drivers: Vec<(f64, String)> = Vec::new();
    let mwh_per_yr = scenario.cost.utilisation * r.pue * 8760.0 * built;
    if r.energy_price_aud_per_mwh < med_energy {
        let zone = match &r.supply {
            Some(sp) if sp.basis == "regional" => format!(
                ", 24/7 supply regional ({}) at CFE {:.2}",
                sp.zone_id.as_deref().unwrap_or("-"),
                sp.cfe
            ),
            Some(sp) if sp.zone_id.is_some() => format!(
                ", 24/7 supply from REZ {} at CFE {:.2}{}",
                sp.zone_id.as_deref().unwrap_or("-"),
                sp.cfe,
                if sp.basis == "region-cheapest" {
                    " (the region's cheapest portfolio)"
                } else {
                    ""
                }
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
                crate::cost::CostModel::backhaul_km(c),
                c.backhaul_landing_id
                    .as_deref()
                    .or(c.landing_name.as_deref())
                    .unwrap_or("-"),
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
    why
}

/// The limits that bind on site `k`: grid headroom, REZ network limit, few candidates in reach,
/// redundancy.
fn binding_limits(s: &Solved, k: usize, served_cities: &[usize]) -> Vec<String> {
    let (prep, sol, demand) = (s.prep, s.sol, s.demand);
    let p = &prep.problem;
    let site = &p.sites[k];
    let c = &prep.candidates[prep.in_model[k]];
    let built = sol.capacity_mw[k];
    let mut why: Vec<String> = Vec::new();
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
    for g in grid_limit_reports(prep, sol)
        .iter()
        .filter(|g| g.binding && g.sites.contains(&c.id))
    {
        why.push(format!(
            "binding: grid limit {} — {:.0} MW of {:.0} MW used ({})",
            g.id, g.load_mw, g.limit_mw, g.description
        ));
    }
    for &j in served_cities {
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
    why
}

/// The demand cities, in demand-file order, with what serves them.
fn city_reports(s: &Solved, allocs: &[Allocation]) -> Vec<CityReport> {
    let (demand, prep, sol) = (s.demand, s.prep, s.sol);
    let p = &prep.problem;
    // The single cables each city's plan depends on: cut one, re-time the open sites.
    let open_locs: Vec<LonLat> = p
        .sites
        .iter()
        .enumerate()
        .filter(|(k, _)| sol.open.get(*k).copied().unwrap_or(false))
        .map(|(k, _)| prep.candidates[prep.in_model[k]].location)
        .collect();
    let city_locs: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let city_limits: Vec<f64> = p.cities.iter().map(|c| c.max_rtt_ms).collect();
    let depends =
        crate::latency::resilience::dependencies(s.latency, &open_locs, &city_locs, &city_limits);
    let stat = crate::pipeline::stat_name(&s.scenario.latency);
    demand
        .nodes
        .iter()
        .enumerate()
        .map(|(j, n)| {
            let served_by: Vec<Allocation> = allocs
                .iter()
                .filter(|a| a.city_id == n.id)
                .cloned()
                .collect();
            // A flexible city's flows are MW of peak: its average is served / (1 + H).
            let per_peak = prep.flex.as_ref().map_or(1.0, |f| {
                1.0 / (1.0 + f.model.headroom_mw.get(j).copied().unwrap_or(0.0))
            });
            let served: f64 = served_by.iter().map(|a| a.mw).sum::<f64>() * per_peak;
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
                unserved_mw: sol.unserved_mw.get(j).copied().unwrap_or(0.0) * per_peak,
                max_rtt_ms: p.cities[j].max_rtt_ms,
                min_sites: p.cities[j].min_sites,
                weighted_rtt_ms: weighted,
                worst_rtt_ms: worst,
                best_available_rtt_ms: prep.best_rtt_ms[j],
                limit_statistic: stat.clone(),
                worst_rtt_p95_ms: served_by
                    .iter()
                    .map(|a| a.rtt_p95_ms)
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v)))),
                best_available_rtt_p95_ms: prep.best_rtt_p95_ms[j],
                cables_used: served_by
                    .iter()
                    .flat_map(|a| a.cables.iter().cloned())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                depends_on_cables: depends.get(j).cloned().unwrap_or_default(),
                jurisdictions: served_by
                    .iter()
                    .flat_map(|a| a.jurisdictions.iter().cloned())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                slack_ms: slack_ms(&served_by, &stat, p.cities[j].max_rtt_ms),
                fail_at_plus_5pct: fail_at(&served_by, &stat, p.cities[j].max_rtt_ms, 1.05),
                served_by,
            }
        })
        .collect()
}

/// An allocation's RTT in the limit's statistic (`p50` or `p95`), ms.
fn limit_rtt(a: &Allocation, stat: &str) -> f64 {
    if stat == "p50" {
        a.rtt_ms
    } else {
        a.rtt_p95_ms
    }
}

/// The limit minus the worst RTT (limit statistic) among `served_by`, ms.
fn slack_ms(served_by: &[Allocation], stat: &str, limit: f64) -> Option<f64> {
    served_by
        .iter()
        .map(|a| limit - limit_rtt(a, stat))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))))
}

/// Sites among `served_by` whose RTT (limit statistic) × `factor` exceeds the limit, by id.
fn fail_at(served_by: &[Allocation], stat: &str, limit: f64, factor: f64) -> Vec<String> {
    let ids: std::collections::BTreeSet<String> = served_by
        .iter()
        .filter(|a| limit_rtt(a, stat) * factor > limit)
        .map(|a| a.site_id.clone())
        .collect();
    ids.into_iter().collect()
}

/// The REZs whose network serves a chosen site.
fn zone_reports(s: &Solved, loads: &ZoneLoads) -> Vec<ZoneReport> {
    let (ds, prep, sol) = (s.ds, s.prep, s.sol);
    let p = &prep.problem;
    let (zone_load, expansion_aud) = (&loads.load_mw, &loads.expansion_aud);
    p.zones
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
                groups: ds
                    .grid_groups
                    .iter()
                    .filter(|g| g.members.contains(&dz.id))
                    .map(|g| g.id.clone())
                    .collect(),
                load_mw: zone_load[z],
                expansion_mw: sol.expansion_mw.get(z).copied().unwrap_or(0.0),
                expansion_aud_per_yr: expansion_aud[z],
                binding: zi.limit_mw.is_some_and(|l| zone_load[z] >= l - 1e-6),
                sites: members,
            }
        })
        .collect()
}

/// Totals over the chosen sites and the cities.
fn totals(sites: &[SiteReport], cities: &[CityReport], chk: &CheckReport) -> Totals {
    let mut total = CostComponents::default();
    for s in sites {
        total.add(&s.cost);
    }
    let demand_mw: f64 = cities.iter().map(|c| c.demand_mw).sum();
    let served_mw: f64 = cities.iter().map(|c| c.served_mw).sum();
    let unserved_mw: f64 = cities.iter().map(|c| c.unserved_mw).sum();
    Totals {
        cost: total,
        unserved_penalty_aud_per_yr: chk.unserved_penalty_aud,
        sites: sites.len(),
        built_mw: sites.iter().map(|s| s.built_mw).sum(),
        demand_mw,
        served_mw,
        unserved_mw,
        cost_per_mw_served_aud_per_yr: if served_mw > 0.0 {
            Some(total.total_aud_per_yr / served_mw)
        } else {
            None
        },
    }
}

/// The solver line: backend, status, objective, bound, gap and the limits it was given.
fn solver_summary(s: &Solved) -> SolverSummary {
    let (sr, scenario) = (s.sr, s.scenario);
    SolverSummary {
        backend: sr.backend.clone(),
        status: status_name(sr.status),
        objective: sr.objective.unwrap_or(f64::NAN),
        best_bound: sr.best_bound,
        gap: sr.gap,
        time_limit_s: scenario.solver.time_limit_s,
        mip_gap: scenario.solver.mip_gap,
    }
}

/// Model size and pruning.
fn model_summary(s: &Solved) -> ModelSummary {
    let (prep, size, dominance) = (s.prep, s.size, s.dominance);
    let p = &prep.problem;
    ModelSummary {
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
    }
}

/// Load against limit for every shared grid limit a chosen site draws on, in row order.
fn grid_limit_reports(prep: &Prepared, sol: &Solution) -> Vec<super::GridLimitReport> {
    let p = &prep.problem;
    prep.grid_rows
        .iter()
        .filter_map(|row| {
            let load: f64 = row
                .terms
                .iter()
                .map(|&(k, coef)| coef * sol.capacity_mw.get(k).copied().unwrap_or(0.0))
                .sum();
            let sites: Vec<String> = row
                .terms
                .iter()
                .filter(|&&(k, _)| sol.capacity_mw.get(k).copied().unwrap_or(0.0) > 1e-9)
                .map(|&(k, _)| p.sites[k].id.clone())
                .collect();
            (load > 1e-9).then(|| super::GridLimitReport {
                id: row.limit.id.clone(),
                kind: row.limit.kind.name().to_string(),
                name: row.limit.name.clone(),
                limit_mw: row.limit.limit_mw,
                load_mw: load,
                binding: load >= row.limit.limit_mw - 1e-6 * row.limit.limit_mw.max(1.0),
                estimate: row.limit.estimate,
                description: row.limit.description.clone(),
                sites,
            })
        })
        .collect()
}

//! The pipeline: dataset + demand + scenario → candidates → RTT and cost matrices → MIP →
//! solve → independent check → a typed [`Outcome`] (the decisions and the report start from it;
//! [`crate::job::run`] runs all three).
//!
//! Each stage takes the previous stage's output and knows nothing of the later ones; the MIP
//! sees only plain matrices ([`SitingProblem`]).

use crate::candidates::{self, Candidate};
use crate::check;
use crate::cost::{CostModel, SiteCostRates, SiteSupply};
use crate::data::{Dataset, Demand, LonLat, RenewableZone};
use crate::engine;
use crate::error::{Error, Result};
use crate::latency::LatencyModel;
use crate::model::{CityInput, SiteInput, SitingProblem, Solution, ZoneInput};
pub use crate::outcome::{Outcome, Prepared, StageTiming};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::time::Instant;

/// Progress callback: (stage name, seconds it took — NaN when the stage is starting —, a short
/// note).
pub type Progress<'a> = &'a mut dyn FnMut(&str, f64, &str);

/// Network charge a site outside any REZ pays on top of its region's cheapest portfolio,
/// AUD per MWh (model.md §5a). Not modelled on this branch (0): the grid-limits work sets it
/// from a cited network tariff; this is the single place it enters the energy price.
pub fn non_rez_network_charge_aud_per_mwh(_scenario: &Scenario, _c: &Candidate) -> f64 {
    0.0
}

/// The zones' solar and wind resource limits as rows on the sites drawing on them (model.md
/// §5a, docs/limits.md): for zone z and technology x, Σ_i (x MW per MW of load of i's
/// portfolio × utilisation × PUE_i) · c_i ≤ z's x resource MW, over the sites whose supply is
/// z's portfolio (in z, or outside any REZ with z the region's cheapest). Every zone has both
/// limits ([`crate::supply::resource`]): AEMO's where published, else the stated rule, flagged
/// as an estimate (the report's grid limits say so); a limit of 0 removes the technology from
/// the portfolio instead. None when `[grid] enforce_resource_limits` is false.
pub fn resource_rows(
    ds: &Dataset,
    scenario: &Scenario,
    rates: &[SiteCostRates],
) -> Vec<crate::grid::GridRow> {
    if !scenario.grid.enforce_resource_limits {
        return Vec::new();
    }
    let limits = crate::supply::resource::resource_limits(ds);
    let mut out = Vec::new();
    for (z, l) in ds.zones.iter().zip(&limits) {
        for (tech, limit_mw, assumed) in [
            ("solar", l.solar_mw, l.solar_assumed),
            ("wind", l.wind_mw, l.wind_assumed),
        ] {
            let terms = resource_terms(scenario, rates, &z.id, tech);
            if limit_mw <= 0.0 || terms.is_empty() {
                continue;
            }
            let source = if assumed {
                "assumed: zone disc area × density calibrated on AEMO's limits, docs/limits.md"
            } else {
                "AEMO 2024 ISP build limits"
            };
            let limit = crate::grid::GridLimit {
                id: format!("{tech}:{}", z.id),
                kind: crate::grid::GridLimitKind::Resource,
                source_id: z.id.clone(),
                name: format!("{} ({}) {tech} resource", z.id, z.name),
                zones: vec![z.id.clone()],
                region: z.region.clone(),
                limit_mw,
                estimate: assumed,
                description: format!(
                    "REZ {} ({}) {tech} resource limit {limit_mw:.0} MW ({source}): the {tech} MW of the 24/7 portfolios of all sites drawing on the zone",
                    z.id, z.name
                ),
            };
            out.push(crate::grid::GridRow { limit, terms });
        }
    }
    out
}

/// The terms of zone `zone`'s `tech` resource row: each site whose supply is the zone's
/// portfolio, with the MW of `tech` it builds per IT MW.
fn resource_terms(
    scenario: &Scenario,
    rates: &[SiteCostRates],
    zone: &str,
    tech: &str,
) -> Vec<(usize, f64)> {
    rates
        .iter()
        .enumerate()
        .filter_map(|(k, r)| {
            let (solar, wind) = r.supply.as_ref()?.built_in(zone);
            let per_load = if tech == "solar" { solar } else { wind };
            let coef = per_load * scenario.cost.utilisation * r.pue;
            (coef > 0.0).then_some((k, coef))
        })
        .collect()
}

/// The zones whose portfolios the model's sites may draw on: each site's own REZ, and for a
/// site outside any REZ every zone of its NEM region.
pub fn supply_zone_ids(
    ds: &Dataset,
    candidates: &[Candidate],
    sites: &[usize],
) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    for &i in sites {
        let c = &candidates[i];
        match (&c.zone_id, &c.region_id) {
            (Some(z), _) => {
                ids.insert(z.clone());
            }
            (None, Some(r)) => {
                ids.extend(
                    ds.zones
                        .iter()
                        .filter(|z| &z.region == r)
                        .map(|z| z.id.clone()),
                );
            }
            (None, None) => {}
        }
    }
    ids
}

/// A site's 24/7 supply (model.md §5a, docs/energy.md "Sourcing"), by `[supply] sourcing`:
/// co-located, its REZ's portfolio (outside any REZ, the cheapest zone portfolio of its NEM
/// region plus [`non_rez_network_charge_aud_per_mwh`]); regional, its region's regional
/// portfolio ([`crate::supply::solve_regions`]) plus the network charge on all its energy (a
/// site outside any REZ pays that as its `network charge` cost component already); cheapest,
/// the cheaper of the two (ties: co-located). With no portfolio available, all grid at the
/// wholesale price (CFE 0).
pub fn site_supply(
    scenario: &Scenario,
    c: &Candidate,
    portfolios: &BTreeMap<String, crate::supply::Portfolio>,
    ds: &Dataset,
) -> SiteSupply {
    use crate::scenario::Sourcing;
    let co_located = co_located_supply(scenario, c, portfolios, ds);
    let regional = c
        .region_id
        .as_deref()
        .and_then(|r| portfolios.get(&crate::supply::regional_id(r)))
        .filter(|p| p.feasible)
        .map(|p| {
            let charge = if c.zone_id.is_some() {
                scenario.cost.network_charge_aud_per_mwh
            } else {
                non_rez_network_charge_aud_per_mwh(scenario, c)
            };
            SiteSupply::from_portfolio(p, "regional", charge)
        });
    match (scenario.supply.sourcing, co_located, regional) {
        (Sourcing::CoLocated, Some(own), _) => own,
        (Sourcing::Regional, _, Some(reg)) => reg,
        (Sourcing::Cheapest, Some(own), Some(reg)) => {
            if reg.price_aud_per_mwh() < own.price_aud_per_mwh() {
                reg
            } else {
                own
            }
        }
        (_, Some(own), None) => own,
        (_, None, Some(reg)) => reg,
        (_, None, None) => SiteSupply::grid_only(if c.region_known {
            c.price_aud_per_mwh
        } else {
            scenario.cost.default_price_aud_per_mwh
        }),
    }
}

/// The co-located supply: the site's REZ's portfolio, outside any REZ the cheapest feasible
/// zone portfolio of its NEM region; `None` when neither exists.
fn co_located_supply(
    scenario: &Scenario,
    c: &Candidate,
    portfolios: &BTreeMap<String, crate::supply::Portfolio>,
    ds: &Dataset,
) -> Option<SiteSupply> {
    if let Some(p) = c.zone_id.as_ref().and_then(|z| portfolios.get(z)) {
        if p.feasible {
            return Some(SiteSupply::from_portfolio(p, "zone", 0.0));
        }
    }
    let region = c.region_id.as_deref().unwrap_or("");
    let cheapest = ds
        .zones
        .iter()
        .filter(|z| z.region == region)
        .filter_map(|z| portfolios.get(&z.id))
        .filter(|p| p.feasible)
        .min_by(|a, b| {
            a.cost_aud_per_mwh
                .total_cmp(&b.cost_aud_per_mwh)
                .then_with(|| a.zone_id.cmp(&b.zone_id))
        })?;
    Some(SiteSupply::from_portfolio(
        cheapest,
        "region-cheapest",
        non_rez_network_charge_aud_per_mwh(scenario, c),
    ))
}

/// The zones' and (unless `[supply] sourcing` is co-located) the regions' portfolios the
/// model's sites `indices` may buy ([`supply_zone_ids`], [`crate::supply::solve_regions`]),
/// with how they were obtained.
///
/// # Errors
/// As [`crate::supply::solve_zones_counted`].
pub fn supply_portfolios(
    ds: &Dataset,
    scenario: &Scenario,
    candidates: &[Candidate],
    indices: &[usize],
    deadline: Option<Instant>,
    counted: &dyn crate::progress::Counted,
) -> Result<(
    BTreeMap<String, crate::supply::Portfolio>,
    crate::supply::CacheUse,
)> {
    let wanted = supply_zone_ids(ds, candidates, indices);
    let (mut portfolios, mut usage) =
        crate::supply::solve_zones_counted(ds, scenario, &wanted, deadline, counted)?;
    let regional = scenario.supply.sourcing != crate::scenario::Sourcing::CoLocated;
    if regional && scenario.supply.cfe_target > 0.0 {
        let regions: std::collections::BTreeSet<String> = indices
            .iter()
            .filter_map(|&i| candidates[i].region_id.clone())
            .collect();
        let (more, u) = crate::supply::solve_regions(ds, scenario, &regions)?;
        portfolios.extend(more);
        usage.add(&u);
    }
    Ok((portfolios, usage))
}

/// Builds candidates, RTTs and costs, and the siting problem.
pub fn prepare(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    latency: &LatencyModel,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let inputs = Inputs {
        ds,
        demand,
        scenario,
        latency,
        deadline: None,
        counted: &crate::progress::NoProgress,
    };
    prepare_until(&inputs, progress)
}

/// [`prepare`] with the run's deadline in `inp` (the supply stage checks it between zones).
fn prepare_until(inp: &Inputs<'_>, progress: Progress<'_>) -> Result<Prepared> {
    let (ds, demand, scenario) = (inp.ds, inp.demand, inp.scenario);
    progress("candidates", f64::NAN, "generating candidate sites");
    let t = Instant::now();
    let candidates = candidates::generate_routed(ds, &scenario.candidates, inp.latency, demand)?;
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

    progress(
        "latency",
        f64::NAN,
        "RTT from every candidate to every city",
    );
    let t = Instant::now();
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let sites: Vec<LonLat> = candidates.iter().map(|c| c.location).collect();
    let matrix = inp.latency.rtt_matrix(&sites, &cities);
    prepare_with(inp, candidates, matrix, t, progress)
}

/// The stages of [`prepare`] after the RTT matrix: latency limits, costs and the problem,
/// from given candidates and their RTT matrix (median and P95, `[candidate][city]`, ms). A
/// sweep reuses candidates and RTTs across samples that do not change them. `latency_clock`
/// is when the RTT stage started (for its progress line).
#[allow(clippy::too_many_arguments)]
pub fn prepare_from(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    latency: &LatencyModel,
    candidates: Vec<Candidate>,
    matrix: crate::latency::RttMatrix,
    latency_clock: Instant,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let inputs = Inputs {
        ds,
        demand,
        scenario,
        latency,
        deadline: None,
        counted: &crate::progress::NoProgress,
    };
    prepare_with(&inputs, candidates, matrix, latency_clock, progress)
}

/// [`prepare_from`] on `inputs` (with its deadline).
fn prepare_with(
    inputs: &Inputs<'_>,
    candidates: Vec<Candidate>,
    matrix: crate::latency::RttMatrix,
    latency_clock: Instant,
    progress: Progress<'_>,
) -> Result<Prepared> {
    let (demand, scenario) = (inputs.demand, inputs.scenario);
    let reach = Reach::new(inputs, &candidates, &matrix)?;
    let note = format!(
        "{} of {} candidates reach a city within its limit",
        reach.in_model.len(),
        candidates.len()
    );
    progress("latency", latency_clock.elapsed().as_secs_f64(), &note);
    check_named_ids(scenario, &candidates)?;
    let priced = price_sites(inputs, &candidates, &reach.in_model, progress)?;
    let t = Instant::now();
    let (mut problem, grid_rows) = build_problem(inputs, &candidates, &reach, &priced);
    add_promises(inputs, &candidates, &reach, &mut problem, progress)?;
    let no_cfe = problem
        .sites
        .iter()
        .zip(&priced.rates)
        .filter(|(s, r)| s.excluded && lacks_portfolio(scenario, r))
        .count();
    let note = format!(
        "{} sites priced; {} shared limits; {no_cfe} sites excluded: no 24/7 portfolio in their region (outside the NEM's REZs) at CFE target {}",
        problem.sites.len(),
        problem.shared_limits.len(),
        scenario.supply.cfe_target
    );
    progress("cost", t.elapsed().as_secs_f64() + priced.seconds, &note);
    let rows = |m: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        reach.in_model.iter().map(|&i| m[i].clone()).collect()
    };
    Ok(Prepared {
        in_model: reach.in_model.clone(),
        rates: priced.rates,
        problem,
        zone_map: priced.zone_map,
        best_rtt_ms: best_per_city(&matrix.rtt_ms, demand.nodes.len()),
        best_rtt_p95_ms: best_per_city(&matrix.rtt_p95_ms, demand.nodes.len()),
        rtt_p50_ms: rows(&matrix.rtt_ms),
        rtt_p95_ms: rows(&matrix.rtt_p95_ms),
        grid_rows,
        portfolios: priced.portfolios,
        supply_cache: priced.supply_cache,
        flex: None,
        candidates,
    })
}

/// The inputs every preparation step reads.
struct Inputs<'a> {
    ds: &'a Dataset,
    demand: &'a Demand,
    scenario: &'a Scenario,
    latency: &'a LatencyModel,
    /// The run's deadline (the supply stage stops at it).
    deadline: Option<Instant>,
    /// Told of each supply zone done.
    counted: &'a dyn crate::progress::Counted,
}

/// Which candidates reach which city within its limit.
struct Reach {
    /// Each city's RTT limit, ms.
    limits: Vec<f64>,
    /// The matrix of the statistic the limits apply to, `[candidate][city]`, ms.
    rtt: Vec<Vec<f64>>,
    /// Candidates that reach at least one city within its limit.
    in_model: Vec<usize>,
    /// The limit statistic's name.
    stat: String,
}

impl Reach {
    /// The limits and the candidates within them; a city no candidate reaches is an explained
    /// infeasibility.
    fn new(
        inp: &Inputs<'_>,
        candidates: &[Candidate],
        matrix: &crate::latency::RttMatrix,
    ) -> Result<Reach> {
        let scenario = inp.scenario;
        let reach = Reach {
            limits: inp
                .demand
                .nodes
                .iter()
                .map(|n| scenario.model.max_rtt_ms.unwrap_or(n.max_rtt_ms))
                .collect(),
            // The statistic a city's limit applies to (`[latency] limit_statistic`).
            rtt: matrix.limit_matrix(&scenario.latency).clone(),
            in_model: Vec::new(),
            stat: stat_name(&scenario.latency),
        };
        let unreachable: Vec<String> = (0..inp.demand.nodes.len())
            .filter(|&j| !reach.rtt.iter().any(|row| row[j] <= reach.limits[j]))
            .map(|j| reach.explain_unreachable(inp, candidates, j))
            .collect();
        if !unreachable.is_empty() {
            return Err(Error::Infeasible {
                diagnosis: unreachable.join("; "),
                hint: "raise the limit (--max-rtt-ms or max_rtt_ms in the demand file), set [latency] limit_statistic = \"p50\", restore cut or excluded cables, allow the avoided transit, or widen --region".into(),
            });
        }
        let in_model = (0..candidates.len())
            .filter(|&i| reach.rtt[i].iter().zip(&reach.limits).any(|(r, l)| r <= l))
            .collect();
        Ok(Reach { in_model, ..reach })
    }

    /// Why city `j` has no candidate within its limit: how close the best one gets, over which
    /// cables and jurisdictions.
    fn explain_unreachable(&self, inp: &Inputs<'_>, candidates: &[Candidate], j: usize) -> String {
        let node = &inp.demand.nodes[j];
        let (rtt, limit, stat) = (&self.rtt, self.limits[j], &self.stat);
        let policy = policy_note(&inp.scenario.latency);
        let best = (0..candidates.len())
            .filter(|&i| rtt[i][j].is_finite())
            .min_by(|&a, &b| rtt[a][j].total_cmp(&rtt[b][j]).then(a.cmp(&b)));
        let Some(i) = best else {
            return format!(
                "{} ({}) has no route at all from any of {} candidates{policy} (cables cut or excluded?)",
                node.name, node.id, candidates.len()
            );
        };
        let via = inp
            .latency
            .rtt(candidates[i].location, node.location)
            .map(|r| {
                let cables = if r.cables.is_empty() {
                    "land".to_string()
                } else {
                    r.cables.join(" + ")
                };
                let through = r.jurisdictions.join(" → ");
                format!(
                    " (median {:.1} ms) via {cables} through {through}",
                    r.rtt_ms
                )
            })
            .unwrap_or_default();
        format!(
            "{} ({}) has no candidate within its {:.1} ms RTT limit ({stat}){policy}: the best of {} candidates is {} at {:.1} ms{via}",
            node.name, node.id, limit, candidates.len(), candidates[i].id, rtt[i][j]
        )
    }
}

/// Best finite value of each city's column, ms.
fn best_per_city(m: &[Vec<f64>], n_cities: usize) -> Vec<Option<f64>> {
    let mut best: Vec<Option<f64>> = vec![None; n_cities];
    for row in m {
        for (j, &v) in row.iter().enumerate() {
            if v.is_finite() && best[j].is_none_or(|b| v < b) {
                best[j] = Some(v);
            }
        }
    }
    best
}

/// Must-build and exclude ids must name candidates (with suggestions when they do not).
fn check_named_ids(scenario: &Scenario, candidates: &[Candidate]) -> Result<()> {
    for (what, ids) in [
        ("--must-build", &scenario.model.must_build),
        ("--exclude", &scenario.model.exclude),
    ] {
        for id in ids.iter() {
            if candidates.iter().any(|c| &c.id == id) {
                continue;
            }
            let close: Vec<&str> = candidates
                .iter()
                .map(|c| c.id.as_str())
                .filter(|c| c.contains(id.as_str()) || id.contains(*c))
                .take(5)
                .collect();
            let hint = if close.is_empty() {
                "list candidate ids with `sitefind candidates --format csv`".to_string()
            } else {
                format!(
                    "did you mean {}? (`sitefind candidates` lists them)",
                    close.join(", ")
                )
            };
            return Err(Error::usage(
                format!("{what} {id}: no candidate has this id"),
                hint,
            ));
        }
    }
    Ok(())
}

/// The model's sites priced: cost rates, the zones they use and the 24/7 portfolios.
struct Priced {
    /// Cost rates of the model's sites (parallel to `in_model`).
    rates: Vec<SiteCostRates>,
    /// Zone index in the problem → dataset zone index (dataset order).
    zone_map: Vec<usize>,
    /// Dataset zone index → zone index in the problem.
    zone_pos: BTreeMap<usize, usize>,
    /// The problem's zones.
    zones: Vec<ZoneInput>,
    /// Portfolios by zone id.
    portfolios: BTreeMap<String, crate::supply::Portfolio>,
    /// How the portfolios were obtained.
    supply_cache: crate::supply::CacheUse,
    /// Seconds spent pricing (after the supply stage).
    seconds: f64,
}

/// Supply portfolios, each model site's cost rates and the problem's zones.
fn price_sites(
    inp: &Inputs<'_>,
    candidates: &[Candidate],
    in_model: &[usize],
    progress: Progress<'_>,
) -> Result<Priced> {
    let (ds, scenario) = (inp.ds, inp.scenario);
    let cost = CostModel::new(&scenario.cost)?;
    let zone_index = zone_index(ds);
    let t_supply = Instant::now();
    let (portfolios, supply_cache) = supply_portfolios(
        ds,
        scenario,
        candidates,
        in_model,
        inp.deadline,
        inp.counted,
    )?;
    let note = format!(
        "{} zones' and regions' 24/7 portfolios at CFE target {}; {}",
        portfolios.len(),
        scenario.supply.cfe_target,
        supply_cache.summary()
    );
    progress("supply", t_supply.elapsed().as_secs_f64(), &note);
    let t = Instant::now();
    let rates = site_rates(ds, scenario, &cost, candidates, in_model, &portfolios);
    // Zones used by model sites, in dataset order.
    let zone_pos: BTreeMap<usize, usize> = in_model
        .iter()
        .filter_map(|&i| candidates[i].zone_id.as_deref())
        .filter_map(|id| zone_index.get(id).copied())
        .collect::<std::collections::BTreeSet<usize>>()
        .into_iter()
        .enumerate()
        .map(|(pos, k)| (k, pos))
        .collect();
    let zone_map: Vec<usize> = zone_pos.keys().copied().collect();
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
    Ok(Priced {
        rates,
        zone_map,
        zone_pos,
        zones,
        portfolios,
        supply_cache,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// Cost rates of `candidates[i]` for each `i` of `indices`, exactly as the solve prices its
/// sites: the site's REZ, PUE, network and its 24/7 supply ([`site_supply`]) from the zones'
/// `portfolios` (those of [`supply_zone_ids`] for the same indices). `sitefind candidates` and
/// the GIS `candidates` layer price with this too ([`crate::pricing`]).
pub fn site_rates(
    ds: &Dataset,
    scenario: &Scenario,
    cost: &CostModel,
    candidates: &[Candidate],
    indices: &[usize],
    portfolios: &BTreeMap<String, crate::supply::Portfolio>,
) -> Vec<SiteCostRates> {
    let zone_index = zone_index(ds);
    let zone_of = |c: &Candidate| -> Option<&RenewableZone> {
        c.zone_id
            .as_deref()
            .and_then(|id| zone_index.get(id))
            .map(|&k| &ds.zones[k])
    };
    indices
        .iter()
        .map(|&i| {
            let c = &candidates[i];
            cost.site_rates_supplied(c, zone_of(c), site_supply(scenario, c, portfolios, ds))
        })
        .collect()
}

/// Dataset zone index by zone id.
fn zone_index(ds: &Dataset) -> BTreeMap<&str, usize> {
    ds.zones
        .iter()
        .enumerate()
        .map(|(k, z)| (z.id.as_str(), k))
        .collect()
}

/// A site whose region has no 24/7 portfolio (outside the NEM's REZs) when a CFE target is set:
/// the model excludes it.
pub fn lacks_portfolio(scenario: &Scenario, r: &SiteCostRates) -> bool {
    scenario.supply.cfe_target > 0.0 && r.supply.as_ref().is_some_and(|sp| sp.zone_id.is_none())
}

/// The promises as problem data: the separation graph (with its explained infeasibility) and,
/// with `--survive-cable-cut`, the N−1 contingencies ([`crate::promises`]).
fn add_promises(
    inp: &Inputs<'_>,
    candidates: &[Candidate],
    reach: &Reach,
    problem: &mut SitingProblem,
    progress: Progress<'_>,
) -> Result<()> {
    let t = Instant::now();
    let m = &inp.scenario.model;
    let locations: Vec<LonLat> = reach
        .in_model
        .iter()
        .map(|&i| candidates[i].location)
        .collect();
    problem.separation = crate::promises::separation(problem, &locations, m.min_separation_km);
    // Critical-mineral co-location: one capacity row (`crate::minerals`).
    crate::minerals::add_rule(inp.ds, &inp.scenario.minerals, problem, &locations)?;
    crate::promises::explain_separation(problem, &locations, &reach.stat)
        .map_err(|e| crate::minerals::with_cause(e, &inp.scenario.minerals))?;
    if m.survive_cable_cut {
        problem.contingencies = crate::promises::contingencies(
            inp.latency,
            inp.demand,
            problem,
            &locations,
            m.survive_share,
            &m.survive_domains,
            &reach.stat,
        )?;
    }
    let pairs: usize = problem
        .separation
        .as_ref()
        .map_or(0, |s| s.close.iter().map(Vec::len).sum::<usize>() / 2);
    let note = format!(
        "{pairs} site pairs closer than {} km; {} N−1 failure domains",
        m.min_separation_km,
        problem.contingencies.len()
    );
    progress("promises", t.elapsed().as_secs_f64(), &note);
    Ok(())
}

/// The siting problem from the priced sites, the cities and the shared limits, with the grid
/// rows tied to its sites.
fn build_problem(
    inp: &Inputs<'_>,
    candidates: &[Candidate],
    reach: &Reach,
    priced: &Priced,
) -> (SitingProblem, Vec<crate::grid::GridRow>) {
    let (ds, scenario) = (inp.ds, inp.scenario);
    let m = &scenario.model;
    let sites = site_inputs(inp, candidates, &reach.in_model, priced);
    let cities: Vec<CityInput> = inp
        .demand
        .nodes
        .iter()
        .zip(&reach.limits)
        .map(|(n, &l)| CityInput {
            id: n.id.clone(),
            demand_mw: n.it_load_mw,
            max_rtt_ms: l,
            min_sites: m.min_sites_per_city.unwrap_or(n.min_sites),
        })
        .collect();
    // Shared grid limits: AEMO group constraints / flow paths on the zone, regional size.
    let grid_limits = crate::grid::grid_limits(ds, &scenario.grid);
    let site_keys: Vec<(Option<&str>, Option<&str>, f64)> = reach
        .in_model
        .iter()
        .zip(&sites)
        .map(|(&i, s)| {
            let c = &candidates[i];
            (c.zone_id.as_deref(), c.region_id.as_deref(), s.pue)
        })
        .collect();
    // Resource limits (on the generation built), then the grid limits (AEMO group constraints
    // and flow paths, regional size): hard rows on the summed grid draw, coefficient = PUE.
    let mut grid_rows = resource_rows(ds, scenario, &priced.rates);
    grid_rows.extend(crate::grid::rows_for_sites(&grid_limits, &site_keys));
    let shared_limits = grid_rows
        .iter()
        .map(crate::grid::GridRow::shared_limit)
        .collect();
    let problem = SitingProblem {
        assign_cost_aud_per_mw: vec![vec![0.0; cities.len()]; sites.len()],
        rtt_ms: reach
            .in_model
            .iter()
            .map(|&i| reach.rtt[i].clone())
            .collect(),
        sites,
        cover_sets: Vec::new(),
        capacity_rows: Vec::new(),
        flow_caps: Vec::new(),
        contingencies: Vec::new(),
        separation: None,
        cities,
        zones: priced.zones.clone(),
        max_sites: m.max_sites,
        module_mw: m.module_mw,
        unserved_penalty_aud_per_mw: m.unserved_penalty_aud_per_mw,
        objective: m.objective,
        cost_cap_aud_per_yr: m.cost_cap_aud_per_yr,
        budget_aud_per_yr: m.budget_aud_per_yr,
        shared_limits,
    };
    (problem, grid_rows)
}

/// The model's sites: costs, sizes, zone, PUE, must-build and exclusions.
fn site_inputs(
    inp: &Inputs<'_>,
    candidates: &[Candidate],
    in_model: &[usize],
    priced: &Priced,
) -> Vec<SiteInput> {
    let scenario = inp.scenario;
    let m = &scenario.model;
    let zone_index = zone_index(inp.ds);
    in_model
        .iter()
        .zip(&priced.rates)
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
                    .and_then(|k| priced.zone_pos.get(k).copied()),
                pue: r.pue,
                must_build: m.must_build.contains(&c.id),
                excluded: m.exclude.contains(&c.id) || lacks_portfolio(scenario, r),
            }
        })
        .collect()
}

/// The limit statistic's name (`p50` or `p95`).
pub(crate) fn stat_name(p: &crate::scenario::LatencyParams) -> String {
    match p.limit_statistic {
        crate::scenario::RttStatistic::P50 => "p50".into(),
        crate::scenario::RttStatistic::P95 => "p95".into(),
    }
}

/// " with transit through Guam avoided and cables … excluded", or empty.
fn policy_note(p: &crate::scenario::LatencyParams) -> String {
    let mut parts = Vec::new();
    if !p.avoid_transit.is_empty() {
        parts.push(format!(
            "transit through {} avoided",
            p.avoid_transit.join(", ")
        ));
    }
    let mut off: Vec<String> = p.cut_cables.clone();
    off.extend(p.excluded_cables.iter().cloned());
    if !off.is_empty() {
        parts.push(format!("cables {} cut or excluded", off.join(", ")));
    }
    if !p.allowed_cables.is_empty() {
        parts.push(format!(
            "only cables {} allowed",
            p.allowed_cables.join(", ")
        ));
    }
    if !p.landing_jurisdictions.is_empty() {
        parts.push(format!(
            "landings only in {}",
            p.landing_jurisdictions.join(", ")
        ));
    }
    if !p.cable_owners.is_empty() {
        parts.push(format!(
            "only cables owned by {}",
            p.cable_owners.join(", ")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {}", parts.join(" and "))
    }
}

/// Runs the pipeline on a dataset, a demand and a scenario: latency model, candidates, RTTs,
/// costs and supply, the problem, the engine and the independent check. `progress` is told
/// each stage's time. The decisions ([`crate::decide`]) and the report ([`crate::report`]) start
/// from the [`Outcome`].
pub fn run(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
) -> Result<Outcome> {
    run_counted(ds, demand, scenario, progress, &crate::progress::NoProgress)
}

/// [`run`], telling `counted` of each supply zone as it is done (the CLI draws it as a bar).
///
/// # Errors
/// As [`run`].
pub fn run_counted(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
    counted: &dyn crate::progress::Counted,
) -> Result<Outcome> {
    run_seeded(ds, demand, scenario, progress, counted, None)
}

/// [`run_counted`] with the solve warm-started from an earlier run's problem and seed
/// (`from`: e.g. the base run of a policy relaxation). The seed is carried over to this run's
/// problem by site, city and zone id ([`engine::warm::Seed::transfer`]), so it applies whether
/// or not the relaxed scenario kept the same candidates; the answer is the same as a cold
/// run's (see [`engine::solve_warm`]).
///
/// # Errors
/// As [`run`].
pub fn run_seeded(
    ds: &Dataset,
    demand: &Demand,
    scenario: &Scenario,
    progress: Progress<'_>,
    counted: &dyn crate::progress::Counted,
    from: Option<(&SitingProblem, &engine::warm::Seed)>,
) -> Result<Outcome> {
    scenario.validate("scenario")?;
    let started = Instant::now();
    let mut timings: Vec<StageTiming> = Vec::new();
    let mut record = crate::outcome::recorder(&mut timings, progress);

    let latency = latency_stage(ds, scenario, &mut record)?;
    let options = engine::SolveOptions::from(&scenario.solver);
    let inputs = Inputs {
        ds,
        demand,
        scenario,
        latency: &latency,
        deadline: run_deadline(&options, started).0,
        counted,
    };
    let prepared = prepare_until(&inputs, &mut record)?;
    let p = &prepared.problem;

    // Explain infeasibility that can be seen from the data before solving.
    crate::model::diagnose::diagnose(p)?;
    explain_grid_limits(p, &prepared.grid_rows)?;

    let (deadline, solve_opts) = run_deadline(&options, started);
    let mut sink = engine::SolveSink {
        record: &mut record,
        progress: None,
    };
    let seed = from.map_or_else(Default::default, |(q, s)| s.transfer(q, p));
    let ((mut solve, mut solution, mut size, mut dominance), mut out_seed) =
        engine::solve_warm(p, &solve_opts, &mut sink, &seed)?;
    let mut prepared = prepared;
    // Flexible (training) load: the headroom grid (`crate::flexload`); nothing when all f = 0.
    // A flexible plan's seed keeps its promise rows only (its costs differ from the flat
    // problem the multipliers belong to).
    if let Some(r) = flexible_stage(&inputs, &mut prepared, &solve, &solve_opts, &mut record)? {
        let rows;
        ((solve, solution, size, dominance), rows) = r.solved;
        out_seed = engine::warm::Seed::from_rows(rows);
        prepared.problem = r.problem;
    }

    let check = check_stage(&inputs, &prepared, &solution, solve.objective, &mut record)?;
    drop(record);
    Ok(Outcome {
        latency,
        prepared,
        solution,
        solve,
        check,
        options,
        deadline,
        size,
        dominance,
        promise_rows: out_seed.rows,
        multipliers: out_seed.multipliers,
        timings,
    })
}

/// The latency model of the run's scenario, timed.
fn latency_stage(
    ds: &Dataset,
    scenario: &Scenario,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<LatencyModel> {
    record("latency model", f64::NAN, "building the cable graph");
    let t = Instant::now();
    let latency = LatencyModel::build(ds, &scenario.latency)?;
    record(
        "latency model",
        t.elapsed().as_secs_f64(),
        &format!("{} landings", ds.landings.len()),
    );
    Ok(latency)
}

/// The independent check of the answer, then the end-to-end check against the data, timed.
fn check_stage(
    inp: &Inputs<'_>,
    prepared: &Prepared,
    solution: &Solution,
    objective: Option<f64>,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<check::CheckReport> {
    let t = Instant::now();
    let mut check = check::check_reported(&prepared.problem, solution, objective);
    end_to_end_check(
        inp.ds,
        inp.demand,
        inp.scenario,
        inp.latency,
        prepared,
        solution,
        &mut check,
    )?;
    let note = if check.feasible {
        "feasible"
    } else {
        "VIOLATIONS"
    };
    record("check", t.elapsed().as_secs_f64(), note);
    Ok(check)
}

/// Flexible load (`crate::flexload`): when a city has f > 0, the flexible portfolios and the
/// problem at each headroom ratio, solved and compared with the flat plan (`flat`) by true
/// cost. Sets `prepared.flex` (at the chosen ratio) and returns the cheaper plan, if any.
fn flexible_stage(
    inp: &Inputs<'_>,
    prepared: &mut Prepared,
    flat: &engine::SolveReport,
    opts: &engine::SolveOptions,
    record: &mut dyn FnMut(&str, f64, &str),
) -> Result<Option<crate::flexload::RatioSolve>> {
    use crate::flexload as fl;
    let shares = fl::city_shares(inp.demand, inp.scenario);
    if shares.iter().all(|f| *f <= 0.0) {
        return Ok(None);
    }
    let p = &prepared.problem;
    let mut state = crate::outcome::FlexState {
        model: fl::apply(
            p,
            &prepared.rates,
            inp.scenario,
            &shares,
            &Default::default(),
            0.0,
        )
        .1,
        portfolios: Default::default(),
        cache: Default::default(),
        grid: Vec::new(),
        not_priced: None,
        warnings: fl::share_warnings(inp.demand, &shares),
    };
    let flat_cost = match (p.objective, flat.objective) {
        (crate::scenario::Objective::MinCost, Some(c)) => c,
        (crate::scenario::Objective::MinCost, None) => {
            state.not_priced = Some("the flat problem has no plan".into());
            prepared.flex = Some(state);
            return Ok(None);
        }
        _ => {
            state.not_priced = Some("flexibility is priced for the least-cost objective only: every city is served flat".into());
            prepared.flex = Some(state);
            return Ok(None);
        }
    };
    record(
        "flexible",
        f64::NAN,
        "flexible portfolios and the headroom grid",
    );
    let t = Instant::now();
    let (portfolios, cache) = fl::flexible_portfolios(
        inp.ds,
        inp.scenario,
        p,
        &prepared.rates,
        &shares,
        inp.deadline,
        inp.counted,
    )?;
    let make = |ratio: f64| {
        fl::apply(
            p,
            &prepared.rates,
            inp.scenario,
            &shares,
            &portfolios,
            ratio,
        )
    };
    let (chosen, grid) = fl::solve_ratios(&make, flat_cost, opts);
    state.model = match &chosen {
        Some(c) => c.model.clone(),
        None => make(0.0).1,
    };
    let costs: Vec<String> = grid
        .iter()
        .map(|g| match g.cost_aud_per_yr {
            Some(c) => format!("H/f {}: A${:.2} M", g.ratio, c / 1e6),
            None => format!("H/f {}: none", g.ratio),
        })
        .collect();
    let note = format!(
        "H/f = {} chosen ({}); {}",
        state.model.ratio,
        costs.join(", "),
        cache.summary()
    );
    record("flexible", t.elapsed().as_secs_f64(), &note);
    state.portfolios = portfolios;
    state.cache = cache;
    state.grid = grid;
    prepared.flex = Some(state);
    Ok(chosen)
}

/// One deadline for the run (the options' time limit from `started`) and the solve's options:
/// the solve gets what the stages before it left (at least 1 s), and the decisions after it
/// stop at the same deadline.
fn run_deadline(
    options: &engine::SolveOptions,
    started: Instant,
) -> (Option<Instant>, engine::SolveOptions) {
    let deadline = options
        .time_limit_s
        .map(|t| started + std::time::Duration::from_secs_f64(t));
    let solve_opts = engine::SolveOptions {
        time_limit_s: options
            .time_limit_s
            .map(|t| (t - started.elapsed().as_secs_f64()).max(1.0)),
        ..options.clone()
    };
    (deadline, solve_opts)
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
        // The statistic the limits apply to (the problem's matrix holds that statistic).
        let fresh = latency.rtt(c.location, city.location).map(|r| {
            match scenario.latency.limit_statistic {
                crate::scenario::RttStatistic::P50 => r.rtt_ms,
                crate::scenario::RttStatistic::P95 => r.rtt_p95_ms,
            }
        });
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
    // Separation on geodesic distances recomputed from the candidates, not the problem's graph.
    let sep = crate::promises::verify_separation(
        p,
        sol,
        &prep.candidates,
        &prep.in_model,
        scenario.model.min_separation_km,
    );
    if !sep.is_empty() {
        worst = f64::INFINITY;
        violations.extend(sep);
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
        // The site's 24/7 supply is looked up again from the zones' portfolios (by zone and
        // region id), then priced by the cost model.
        let rates =
            cost.site_rates_supplied(c, zone, site_supply(scenario, c, &prep.portfolios, ds));
        for (what, fresh, seen) in [
            ("fixed cost", rates.fixed_aud_per_yr(), site.fixed_cost_aud),
            (
                "cost per MW",
                rates.per_mw_aud_per_yr(),
                // A flexible run lowers each site's cost per MW by its shift (`crate::flexload`).
                site.var_cost_aud_per_mw
                    + prep
                        .flex
                        .as_ref()
                        .map_or(0.0, |f| f.model.site_shift_aud_per_mw[k]),
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

/// When all demand must be served, explains a demand that the regional grid limits cannot hold
/// (in total, or for one city over the sites that reach it) as an infeasible scenario.
fn explain_grid_limits(p: &SitingProblem, rows: &[crate::grid::GridRow]) -> Result<()> {
    if rows.is_empty() || !crate::model::diagnose::service_required(p) {
        return Ok(());
    }
    let draw: Vec<crate::grid::SiteDraw> = p
        .sites
        .iter()
        .map(|s| crate::grid::SiteDraw {
            max_mw: if s.excluded { 0.0 } else { s.max_mw },
            pue: s.pue,
        })
        .collect();
    let cities: Vec<(String, f64)> = p
        .cities
        .iter()
        .map(|c| (c.id.clone(), c.demand_mw))
        .collect();
    let reach: Vec<Vec<usize>> = p
        .cities
        .iter()
        .enumerate()
        .map(|(j, c)| {
            (0..p.sites.len())
                .filter(|&i| p.rtt_ms[i][j] <= c.max_rtt_ms)
                .collect()
        })
        .collect();
    let why = crate::grid::explain_rows(rows, &draw, &cities, &reach);
    if why.is_empty() {
        return Ok(());
    }
    Err(Error::Infeasible {
        diagnosis: why.join("; "),
        hint: "lower the demand, raise [grid] region_demand_fraction (an assumption) or set region_count_imports / enforce_region_limits, or allow more regions (--region, latency limits)".into(),
    })
}

//! A regional 24/7 portfolio (model.md §5b, regional sourcing): solar and wind drawn from any
//! zones of a NEM region plus one battery at the site, per MW of flat load.
//!
//! The design is one capacity x_k per source k (a zone's solar or wind) and the battery
//! (P, E); the combined renewable output at half-hour t is Σ_k x_k profile_k(t). With all
//! renewable energy free at the margin the greedy dispatch of the combined output
//! ([`dispatch::simulate_combined`]) buys the least grid energy any dispatch can, and that
//! grid energy is convex in the design (an LP's value), so the level bundle method of
//! [`super::cutting`] is exact here too: each dispatch gives the grid energy and a subgradient
//! ([`dispatch::grid_with_gradient_multi`]). The cost convention is [`optimise::optimise`]'s:
//! annualised capex plus the grid price × grid energy, AUD per year per MW of load, with no
//! value on curtailment. A network charge for energy carried across the grid is paid on all
//! the load's energy in regional sourcing, a constant the caller adds.
//!
//! The search starts from the best single-zone portfolio ([`optimise::optimise`] on each
//! zone's own sources), the other zones' optima seeding further cuts, so a regional portfolio
//! never costs more than the best single zone. Deterministic: the sources are taken in the
//! order given and every sum has a fixed order.

use super::cutting::{self, Bundle, GridModel};
use super::dispatch::{self, Energy, GradScratch, Scratch, DELTA_H};
use super::optimise;
use serde::{Deserialize, Serialize};

/// Dispatches a regional search may run per design variable (sources + 2 for the battery)
/// before it returns its best design (the gap is then in the lower bound).
pub const MAX_EVALUATIONS_PER_VARIABLE: usize = 60;

/// A renewable technology a zone offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Technology {
    /// Solar PV.
    Solar,
    /// Wind (onshore or offshore: the cost tells).
    Wind,
}

/// One source of a regional portfolio: a zone's solar or wind.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The zone's id.
    pub zone_id: &'a str,
    /// Its technology.
    pub technology: Technology,
    /// Capacity factors per half-hour (per unit of capacity); every source's horizon is the
    /// shortest profile's.
    pub profile: &'a [f64],
    /// Annualised cost, AUD per MW per year.
    pub annualised_aud_per_mw_yr: f64,
}

/// A regional supply problem per MW of flat load.
#[derive(Debug, Clone)]
pub struct RegionalProblem<'a> {
    /// The sources the portfolio may draw on, in a fixed order (at most one per zone and
    /// technology for the single-zone start to apply).
    pub sources: Vec<Source<'a>>,
    /// Battery power: annualised capex + FOM, AUD per MW per year.
    pub battery_power_annualised_aud_per_mw_yr: f64,
    /// Battery energy: annualised capex, AUD per MWh per year.
    pub battery_energy_annualised_aud_per_mwh_yr: f64,
    /// Grid price, AUD per MWh.
    pub grid_price_aud_per_mwh: f64,
    /// Round-trip efficiency of the battery, fraction.
    pub round_trip_efficiency: f64,
    /// Share of the load's energy that renewables and storage must cover, 0..=1.
    pub cfe_target: f64,
}

/// The least-cost regional portfolio per MW of load.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionalSolution {
    /// Capacity of each source (the problem's order), MW per MW of load.
    pub capacities_mw: Vec<f64>,
    /// Energy each source generates (before curtailment) per MWh of load.
    pub generated_mwh_per_mwh_load: Vec<f64>,
    /// Battery power, MW per MW of load.
    pub battery_mw: f64,
    /// Battery energy, MWh per MW of load.
    pub battery_mwh: f64,
    /// The dispatch over the horizon.
    pub energy: Energy,
    /// Annual cost per MW of load, AUD per year.
    pub annual_cost_aud: f64,
    /// Proven lower bound on the annual cost, AUD per year (0 when the search could not run
    /// and the best single zone is returned unproven).
    pub lower_bound_aud: f64,
    /// Dispatch simulations run (the single-zone starts included).
    pub evaluations: usize,
    /// False if the target cannot be met (no source generates anything).
    pub feasible: bool,
}

/// The sources' dispatch: design `[x_0, …, x_{k−1}, P, E]`.
struct Sources<'a> {
    profiles: Vec<&'a [f64]>,
    half_hours: usize,
    eta: f64,
    grad: GradScratch,
    combined: Vec<f64>,
    scratch: Scratch,
}

impl GridModel for Sources<'_> {
    fn load_mwh(&self) -> f64 {
        DELTA_H * self.half_hours as f64
    }

    fn grid_with_gradient(&mut self, x: &[f64]) -> (f64, Vec<f64>) {
        let k = self.profiles.len();
        let (g, mut grad, dp, de) = dispatch::grid_with_gradient_multi(
            &self.profiles,
            &x[..k],
            x[k],
            x[k + 1],
            self.eta,
            &mut self.grad,
        );
        grad.extend([dp, de]);
        (g, grad)
    }

    fn energy(&mut self, x: &[f64]) -> Energy {
        let k = self.profiles.len();
        dispatch::combine(&self.profiles, &x[..k], self.half_hours, &mut self.combined);
        dispatch::simulate_combined(&self.combined, x[k], x[k + 1], self.eta, &mut self.scratch)
    }
}

impl RegionalProblem<'_> {
    /// Annualised unit costs of `[x_0, …, x_{k−1}, P, E]`, AUD per year per unit.
    fn annualised(&self) -> Vec<f64> {
        let mut a: Vec<f64> = self
            .sources
            .iter()
            .map(|s| s.annualised_aud_per_mw_yr)
            .collect();
        a.extend([
            self.battery_power_annualised_aud_per_mw_yr,
            self.battery_energy_annualised_aud_per_mwh_yr,
        ]);
        a
    }

    /// The horizon: the shortest profile's half-hours (0 without sources).
    fn half_hours(&self) -> usize {
        self.sources
            .iter()
            .map(|s| s.profile.len())
            .min()
            .unwrap_or(0)
    }
}

/// A zone's own least-cost design known from elsewhere (its zone portfolio: the same
/// [`optimise::optimise`] on the same problem), so the regional search need not recompute it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownZone {
    /// Zone id (a source's `zone_id`).
    pub zone_id: String,
    /// Its design per MW of load.
    pub design: dispatch::Design,
    /// Its annual cost per MW of load, AUD (orders the start points only).
    pub annual_cost_aud: f64,
    /// The dispatches its search ran (counted in the regional search's total).
    pub evaluations: usize,
}

/// The least-cost regional portfolio of `p` (module docs).
pub fn optimise_regional(p: &RegionalProblem<'_>) -> RegionalSolution {
    optimise_regional_with(p, &[])
}

/// [`optimise_regional`] with the single-zone optima of `known` taken as given (each must be
/// [`optimise::optimise`]'s answer to that zone's own problem over the same half-hours and
/// costs; zones not in it are solved here). The same answer, fewer dispatches.
pub fn optimise_regional_with(p: &RegionalProblem<'_>, known: &[KnownZone]) -> RegionalSolution {
    let n = p.half_hours();
    let mut model = Sources {
        profiles: p.sources.iter().map(|s| &s.profile[..n]).collect(),
        half_hours: n,
        eta: p.round_trip_efficiency,
        grad: GradScratch::default(),
        combined: Vec::new(),
        scratch: Scratch::default(),
    };
    let zones = zone_optima(p, n, known);
    let Some(((best_x, _), others)) = zones.designs.split_first() else {
        let k = p.sources.len();
        return solution(p, &mut model, vec![0.0; k + 2], (0.0, zones.evaluations));
    };
    let a = p.annualised();
    let active: Vec<bool> = (0..a.len())
        .map(|i| i >= p.sources.len() || p.sources[i].profile[..n].iter().any(|&v| v > 0.0))
        .collect();
    let bundle = Bundle {
        max_evaluations: MAX_EVALUATIONS_PER_VARIABLE * a.len(),
        unit_aud_per_mwh: a.iter().map(|a| a / 8760.0).collect(),
        active,
        grid_price_aud_per_mwh: p.grid_price_aud_per_mwh,
        max_grid_share: (1.0 - p.cfe_target).max(0.0),
        start: best_x.clone(),
        seeds: others.iter().map(|(x, _)| x.clone()).collect(),
    };
    match cutting::solve_model(&bundle, &mut model) {
        Some(s) => {
            let evals = zones.evaluations + s.evaluations;
            let bound = s.lower_bound_aud_per_mwh * 8760.0;
            solution(p, &mut model, s.x, (bound, evals))
        }
        None => solution(p, &mut model, best_x.clone(), (0.0, zones.evaluations)),
    }
}

/// The single-zone optima of a regional problem, cheapest first.
struct ZoneOptima {
    /// Each feasible zone's design in the regional coordinates, with its annual cost.
    designs: Vec<(Vec<f64>, f64)>,
    /// Dispatches run.
    evaluations: usize,
}

/// Each zone's own least-cost portfolio ([`optimise::optimise`] on its first solar and first
/// wind source) over the first `n` half-hours, in the regional coordinates, cheapest first
/// (ties in zone order).
fn zone_optima(p: &RegionalProblem<'_>, n: usize, known: &[KnownZone]) -> ZoneOptima {
    let k = p.sources.len();
    let mut zone_ids: Vec<&str> = Vec::new();
    for s in &p.sources {
        if !zone_ids.contains(&s.zone_id) {
            zone_ids.push(s.zone_id);
        }
    }
    let mut out = ZoneOptima {
        designs: Vec::new(),
        evaluations: 0,
    };
    for zone in zone_ids {
        let find = |t: Technology| {
            (0..k).find(|&i| p.sources[i].zone_id == zone && p.sources[i].technology == t)
        };
        let (si, wi) = (find(Technology::Solar), find(Technology::Wind));
        let (d, cost, evaluations) = match known.iter().find(|z| z.zone_id == zone) {
            Some(z) => (z.design, z.annual_cost_aud, z.evaluations),
            None => {
                let sol = optimise::optimise(&zone_problem(p, n, si, wi));
                if !sol.feasible {
                    out.evaluations += sol.evaluations;
                    continue;
                }
                (sol.design, sol.annual_cost_aud, sol.evaluations)
            }
        };
        out.evaluations += evaluations;
        let mut x = vec![0.0; k + 2];
        for (i, v) in [(si, d.solar_mw), (wi, d.wind_mw)] {
            if let Some(i) = i {
                x[i] = v;
            }
        }
        (x[k], x[k + 1]) = (d.battery_mw, d.battery_mwh);
        out.designs.push((x, cost));
    }
    // A stable sort: equal costs keep the zone order.
    out.designs.sort_by(|a, b| a.1.total_cmp(&b.1));
    out
}

/// The single-zone problem of a regional problem's zone with solar source `si` and wind
/// source `wi` (either may be absent) over the first `n` half-hours.
fn zone_problem<'a>(
    p: &'a RegionalProblem<'a>,
    n: usize,
    si: Option<usize>,
    wi: Option<usize>,
) -> optimise::Problem<'a> {
    let cost = |i: Option<usize>| i.map_or(0.0, |i| p.sources[i].annualised_aud_per_mw_yr);
    optimise::Problem {
        solar: si.map(|i| &p.sources[i].profile[..n]),
        wind: wi.map(|i| &p.sources[i].profile[..n]),
        annualised: [
            cost(si),
            cost(wi),
            p.battery_power_annualised_aud_per_mw_yr,
            p.battery_energy_annualised_aud_per_mwh_yr,
        ],
        grid_price_aud_per_mwh: p.grid_price_aud_per_mwh,
        export_value_aud_per_mwh: 0.0,
        round_trip_efficiency: p.round_trip_efficiency,
        cfe_target: p.cfe_target,
    }
}

/// The solution of design `x` (`[x_0, …, x_{k−1}, P, E]`) with its lower bound (AUD per year)
/// and the dispatches run (one more here).
fn solution(
    p: &RegionalProblem<'_>,
    model: &mut Sources<'_>,
    x: Vec<f64>,
    (bound_aud, evaluations): (f64, usize),
) -> RegionalSolution {
    let k = p.sources.len();
    let energy = model.energy(&x);
    let load = model.load_mwh();
    let grid_aud = if load > 0.0 {
        p.grid_price_aud_per_mwh * 8760.0 / load * energy.grid_mwh
    } else {
        p.grid_price_aud_per_mwh * 8760.0
    };
    let a = p.annualised();
    let annual = a.iter().zip(&x).map(|(a, x)| a * x).sum::<f64>() + grid_aud;
    let generated = model
        .profiles
        .iter()
        .zip(&x)
        .map(|(pr, &c)| {
            let mean = pr.iter().sum::<f64>() / pr.len().max(1) as f64;
            c * mean
        })
        .collect();
    let max_grid = (1.0 - p.cfe_target).max(0.0) * load;
    RegionalSolution {
        capacities_mw: x[..k].to_vec(),
        generated_mwh_per_mwh_load: generated,
        battery_mw: x[k],
        battery_mwh: x[k + 1],
        energy,
        annual_cost_aud: annual,
        lower_bound_aud: bound_aud.min(annual),
        evaluations: evaluations + 1,
        feasible: load > 0.0 && energy.grid_mwh <= max_grid * (1.0 + 1e-9) + 1e-9,
    }
}

//! Flexible load in the siting model (docs/energy.md, "Flexible load in the siting model").
//!
//! A city j with flexible share `f_j` > 0 may move that share of its load within each day
//! (training). It is served at its *peak* `P_j = d_j (1 + H_j)` MW, with headroom
//! `H_j = ρ f_j`: the problem's demand row is `P_j`, so the capacity built (coefficient 1) holds
//! the peak and the site's capacity cost per MW prices the spare servers. The energy the site
//! buys for the city is the flexible portfolio's (the zone's, at `f_j` and `H_j`,
//! [`crate::supply::optimise::optimise_flexible_fixed`]) on the *average* load `d_j`: per peak
//! MW the site's flat energy `E_i = u · PUE_i · 8,760 · price_i` (inside `v_i`) is replaced by
//! `u · PUE_i · 8,760 · flex_i / (1 + H_j)`. With an explicit server capex `A_H` the headroom's
//! share `H/(1+H)` of each peak MW costs `A_H` instead of the site's capex per MW.
//!
//! The correction `δ_ij` (what a peak MW of city j at site i costs *less* than `v_i`) is ≥ 0,
//! and the model takes only costs ≥ 0 (the engine's bounds rely on it). So each site's
//! variable cost is lowered by `m_i = max_j δ_ij` and `a_ij = m_i − δ_ij` (≥ 0) is added to
//! every allocation: exact whenever a site's capacity equals what it serves; capacity built
//! beyond its flows (a minimum size, modules, N−1 spare capacity) is under-priced by `m_i` per
//! MW in the solver's objective, and [`true_cost_aud`] adds it back when the headroom grid is
//! compared and the report prints it.
//!
//! `H_j = ρ f_j` with one ratio ρ for all flexible cities, chosen exactly over
//! [`HEADROOM_RATIOS`] by solving the whole MIP at each (ρ = 0 is the flat problem, unchanged).

use crate::cost::SiteCostRates;
use crate::data::{Dataset, Demand, Workload};
use crate::error::Result;
use crate::model::{SitingProblem, Solution};
use crate::scenario::Scenario;
use crate::supply::{CacheUse, Portfolio};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The headroom grid: H / f for every flexible city (0 = a flat load at its average).
pub const HEADROOM_RATIOS: [f64; 3] = [0.0, 0.5, 1.0];

/// Hours per year.
const HOURS_PER_YEAR: f64 = 8760.0;

/// Each city's flexible share f_j: its demand record's `flexible_share`, or for a training
/// city `[demand] flexible_training_share` when set.
pub fn city_shares(demand: &Demand, scenario: &Scenario) -> Vec<f64> {
    demand
        .nodes
        .iter()
        .map(|n| {
            let training = n.workload == Workload::Training;
            scenario
                .demand
                .flexible_share_of(training, n.flexible_share)
        })
        .collect()
}

/// Warnings about the flexible shares: an inference city with f > 0 (allowed, but inference
/// serves users as they ask and cannot wait for the wind).
pub fn share_warnings(demand: &Demand, shares: &[f64]) -> Vec<String> {
    demand
        .nodes
        .iter()
        .zip(shares)
        .filter(|(n, f)| n.workload == Workload::Inference && **f > 0.0)
        .map(|(n, f)| {
            format!(
                "{} ({}) is an inference load with flexible_share {f}: inference usually cannot move with the wind and sun (docs/energy.md)",
                n.name, n.id
            )
        })
        .collect()
}

/// The flexible portfolios of one run: by (f, H) as bit patterns, then by zone id.
pub type FlexPortfolios = BTreeMap<(u64, u64), BTreeMap<String, Portfolio>>;

/// The supply zones of the model's sites (`rates`, parallel to the problem's sites) that reach
/// a city with f = `share` within its limit: only these zones' flexible portfolios are needed.
fn zones_for_share(
    p: &SitingProblem,
    rates: &[SiteCostRates],
    shares: &[f64],
    share: f64,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, r) in rates.iter().enumerate() {
        let reaches = (0..p.cities.len())
            .any(|j| shares[j] == share && p.rtt_ms[i][j] <= p.cities[j].max_rtt_ms);
        if let Some(z) = r.supply.as_ref().and_then(|s| s.zone_id.clone()) {
            if reaches && !p.sites[i].excluded {
                out.insert(z);
            }
        }
    }
    out
}

/// The flexible portfolios every ratio of [`HEADROOM_RATIOS`] above 0 needs: per distinct
/// flexible share, the zones its cities' candidate sites draw on at H = ρ f, through the supply stage's memo
/// and on-disk cache (its key holds f and H), with how they were obtained.
///
/// # Errors
/// As [`crate::supply::solve_zones_counted`].
pub fn flexible_portfolios(
    ds: &Dataset,
    scenario: &Scenario,
    p: &SitingProblem,
    rates: &[SiteCostRates],
    shares: &[f64],
    deadline: Option<std::time::Instant>,
    counted: &dyn crate::progress::Counted,
) -> Result<(FlexPortfolios, CacheUse)> {
    let mut distinct: Vec<f64> = shares.iter().copied().filter(|f| *f > 0.0).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let mut out = FlexPortfolios::new();
    let mut usage = CacheUse::default();
    for &f in &distinct {
        let zones = zones_for_share(p, rates, shares, f);
        for &ratio in HEADROOM_RATIOS.iter().filter(|r| **r > 0.0) {
            let h = ratio * f;
            let mut sc = scenario.clone();
            sc.supply.flexible_share = f;
            sc.supply.fixed_headroom_mw = Some(h);
            sc.supply.server_capex_aud_per_mw_yr = Some(0.0);
            let (map, u) = crate::supply::solve_zones_counted(ds, &sc, &zones, deadline, counted)?;
            usage.from_disk += u.from_disk;
            usage.from_memory += u.from_memory;
            usage.computed += u.computed;
            usage.written += u.written;
            usage.rejected += u.rejected;
            usage.dir = u.dir;
            out.insert((f.to_bits(), h.to_bits()), map);
        }
    }
    Ok((out, usage))
}

/// The flexible terms of a problem at one headroom ratio: what the report and the checks need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlexModel {
    /// The ratio ρ = H / f of every flexible city.
    pub ratio: f64,
    /// Each city's flexible share f_j (0: flat).
    pub shares: Vec<f64>,
    /// Each city's headroom H_j = ρ f_j, MW per MW of average load.
    pub headroom_mw: Vec<f64>,
    /// Each city's average IT load d_j, MW (the problem's demand row is d_j (1 + H_j)).
    pub average_mw: Vec<f64>,
    /// The amount m_i taken off each site's variable cost (and added to its allocations),
    /// AUD per MW per year.
    pub site_shift_aud_per_mw: Vec<f64>,
    /// Energy price of each (site, city) pair per MWh of average load: the flexible
    /// portfolio's at (f_j, H_j), else the site's flat price, AUD per MWh.
    pub energy_price_aud_per_mwh: Vec<Vec<f64>>,
    /// The same at the full headroom H = f_j (for the break-even server capex when ρ = 0).
    pub full_price_aud_per_mwh: Vec<Vec<f64>>,
    /// The explicit server capex pricing the headroom instead of the site's capex, AUD per MW
    /// per year (`None`: the site's own capex per MW).
    pub server_capex_aud_per_mw_yr: Option<f64>,
    /// Utilisation × 8,760: hours of average load per MW of IT per year.
    pub load_hours: f64,
}

impl FlexModel {
    /// True when city j is flexible.
    pub fn flexible(&self, j: usize) -> bool {
        self.shares.get(j).is_some_and(|f| *f > 0.0)
    }
}

/// The flexible price of site i's energy for a city at (f, H): its zone's flexible portfolio
/// in place of the flat one (never dearer), else the flat price.
fn flex_price(r: &SiteCostRates, portfolios: &FlexPortfolios, f: f64, h: f64) -> f64 {
    let flat = r.energy_price_aud_per_mwh;
    let Some(sp) = r.supply.as_ref() else {
        return flat;
    };
    let found = sp.zone_id.as_ref().and_then(|z| {
        portfolios
            .get(&(f.to_bits(), h.to_bits()))
            .and_then(|m| m.get(z))
    });
    match found {
        Some(p) if p.feasible => (flat - sp.portfolio_aud_per_mwh + p.cost_aud_per_mwh).min(flat),
        _ => flat,
    }
}

/// Energy prices per MWh of average load, `[site][city]`: at H_j = `ratio` × f_j (the
/// flexible portfolio of the site's zone, never above flat) and at the full headroom H_j = f_j;
/// the site's flat price for flat cities.
pub fn price_matrices(
    rates: &[SiteCostRates],
    shares: &[f64],
    portfolios: &FlexPortfolios,
    ratio: f64,
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let price = |r: &SiteCostRates, j: usize, h: f64| -> f64 {
        if shares[j] > 0.0 && h > 0.0 {
            flex_price(r, portfolios, shares[j], h)
        } else {
            r.energy_price_aud_per_mwh
        }
    };
    let at = |k: f64| -> Vec<Vec<f64>> {
        rates
            .iter()
            .map(|r| {
                (0..shares.len())
                    .map(|j| price(r, j, k * shares[j]))
                    .collect()
            })
            .collect()
    };
    (at(ratio), at(1.0))
}

/// The problem at headroom ratio `ratio` with the portfolios' prices ([`price_matrices`],
/// [`apply_prices`]).
pub fn apply(
    base: &SitingProblem,
    rates: &[SiteCostRates],
    scenario: &Scenario,
    shares: &[f64],
    portfolios: &FlexPortfolios,
    ratio: f64,
) -> (SitingProblem, FlexModel) {
    let (prices, full) = price_matrices(rates, shares, portfolios, ratio);
    apply_prices(base, rates, scenario, shares, ratio, prices, full)
}

/// The problem at headroom ratio `ratio`: the flexible cities' demand at their peak, each
/// site's variable cost lowered by its shift and the allocations' corrections (module docs),
/// with the terms the report needs. `base` is the flat problem (f ignored); `prices` and
/// `full` are the energy prices per MWh of average load at H = ρ f and at H = f,
/// `[site][city]` (flat cities: the site's flat price).
pub fn apply_prices(
    base: &SitingProblem,
    rates: &[SiteCostRates],
    scenario: &Scenario,
    shares: &[f64],
    ratio: f64,
    prices: Vec<Vec<f64>>,
    full: Vec<Vec<f64>>,
) -> (SitingProblem, FlexModel) {
    let mut p = base.clone();
    let load_hours = scenario.cost.utilisation * HOURS_PER_YEAR;
    let a_h = scenario.supply.server_capex_aud_per_mw_yr;
    let headroom: Vec<f64> = shares.iter().map(|f| ratio * f).collect();
    let (n, m) = (p.sites.len(), p.cities.len());
    let mut shift = vec![0.0; n];
    for i in 0..n {
        let r = &rates[i];
        let delta: Vec<f64> = (0..m)
            .map(|j| {
                let h = headroom[j];
                if shares[j] <= 0.0 || h <= 0.0 {
                    return 0.0;
                }
                let energy =
                    load_hours * r.pue * (r.energy_price_aud_per_mwh - prices[i][j] / (1.0 + h));
                let servers = a_h.map_or(0.0, |a| (r.capex_aud_per_mw_yr - a) * h / (1.0 + h));
                energy + servers
            })
            .collect();
        let m_i = delta.iter().copied().fold(0.0, f64::max);
        shift[i] = m_i;
        p.sites[i].var_cost_aud_per_mw -= m_i;
        for (a, d) in p.assign_cost_aud_per_mw[i].iter_mut().zip(&delta) {
            *a += m_i - d;
        }
    }
    let average: Vec<f64> = base.cities.iter().map(|c| c.demand_mw).collect();
    for (j, c) in p.cities.iter_mut().enumerate() {
        c.demand_mw = average[j] * (1.0 + headroom[j]);
    }
    let model = FlexModel {
        ratio,
        shares: shares.to_vec(),
        headroom_mw: headroom,
        average_mw: average,
        site_shift_aud_per_mw: shift,
        energy_price_aud_per_mwh: prices,
        full_price_aud_per_mwh: full,
        server_capex_aud_per_mw_yr: a_h,
        load_hours,
    };
    (p, model)
}

/// The plan's true annual cost (AUD): the solver's objective plus the shift of each site's
/// capacity built beyond what it serves (module docs; 0 when capacity equals the flows).
pub fn true_cost_aud(objective_aud: f64, model: &FlexModel, sol: &Solution) -> f64 {
    objective_aud + spare_shift_aud(model, sol)
}

/// Σ_i m_i · (c_i − Σ_j x_ij) over open sites, AUD per year.
pub fn spare_shift_aud(model: &FlexModel, sol: &Solution) -> f64 {
    let mut served = vec![0.0; sol.capacity_mw.len()];
    for &(i, _, mw) in &sol.flows {
        if let Some(s) = served.get_mut(i) {
            *s += mw;
        }
    }
    sol.capacity_mw
        .iter()
        .zip(&served)
        .zip(&model.site_shift_aud_per_mw)
        .map(|((c, s), m)| m * (c - s).max(0.0))
        .sum()
}

/// One site's flexible load in a solved plan (the report's row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteFlex {
    /// Index of the site in the problem.
    pub site: usize,
    /// Average flexible IT load served, MW (Σ over flexible cities of flow / (1 + H_j)).
    pub average_mw: f64,
    /// Flexible share f, weighted by average load.
    pub flexible_share: f64,
    /// Headroom H per MW of average load, weighted by average load.
    pub headroom_mw: f64,
    /// Energy saving against the flat load at the chosen H, AUD per year.
    pub energy_saving_aud_per_yr: f64,
    /// Cost of the extra capacity (H × average MW × the headroom's price per MW), AUD per year.
    pub extra_capacity_aud_per_yr: f64,
    /// Server capex per MW of headroom at which flexibility pays: the energy saving per MW of
    /// headroom at the chosen H, or at H = f when declined (AUD per MW per year); `None` when
    /// flexibility saves nothing there.
    pub break_even_server_capex_aud_per_mw_yr: Option<f64>,
}

/// The flexible rows of a solved plan: per open site serving flexible load, f, H, the energy
/// saving, the extra capacity's cost and the break-even server capex.
pub fn site_rows(model: &FlexModel, rates: &[SiteCostRates], sol: &Solution) -> Vec<SiteFlex> {
    let mut rows: BTreeMap<usize, SiteFlex> = BTreeMap::new();
    let mut full_saving: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for &(i, j, mw) in &sol.flows {
        if !model.flexible(j) || mw <= 0.0 {
            continue;
        }
        let (f, h) = (model.shares[j], model.headroom_mw[j]);
        let d = mw / (1.0 + h);
        let r = &rates[i];
        let per_mw = model.load_hours * r.pue;
        let saving =
            per_mw * d * (r.energy_price_aud_per_mwh - model.energy_price_aud_per_mwh[i][j]);
        let capex = model
            .server_capex_aud_per_mw_yr
            .unwrap_or(r.capex_aud_per_mw_yr);
        let row = rows.entry(i).or_insert(SiteFlex {
            site: i,
            average_mw: 0.0,
            flexible_share: 0.0,
            headroom_mw: 0.0,
            energy_saving_aud_per_yr: 0.0,
            extra_capacity_aud_per_yr: 0.0,
            break_even_server_capex_aud_per_mw_yr: None,
        });
        row.average_mw += d;
        row.flexible_share += f * d;
        row.headroom_mw += h * d;
        row.energy_saving_aud_per_yr += saving;
        row.extra_capacity_aud_per_yr += d * h * (capex + r.grid_aud_per_mw_yr);
        let fs = full_saving.entry(i).or_insert((0.0, 0.0));
        fs.0 += per_mw * d * (r.energy_price_aud_per_mwh - model.full_price_aud_per_mwh[i][j]);
        fs.1 += d * f;
    }
    for row in rows.values_mut() {
        let d = row.average_mw.max(1e-12);
        row.flexible_share /= d;
        row.headroom_mw /= d;
        let (saving, mw) = if row.headroom_mw > 0.0 {
            (row.energy_saving_aud_per_yr, row.headroom_mw * d)
        } else {
            full_saving.get(&row.site).copied().unwrap_or((0.0, 0.0))
        };
        row.break_even_server_capex_aud_per_mw_yr = (saving > 0.0 && mw > 0.0)
            .then(|| saving / mw - rates[row.site].grid_aud_per_mw_yr)
            .filter(|v| *v > 0.0);
    }
    rows.into_values().collect()
}

/// One solved ratio of the headroom grid.
pub struct RatioSolve {
    /// The problem at this ratio.
    pub problem: SitingProblem,
    /// Its flexible terms.
    pub model: FlexModel,
    /// The engine's answer and the promise rows it generated.
    pub solved: (
        crate::engine::ReducedSolve,
        crate::engine::lazy::PromiseRows,
    ),
    /// The plan's true annual cost ([`true_cost_aud`]), AUD.
    pub true_cost_aud: f64,
}

/// One ratio of the headroom grid and what the whole plan costs with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioCost {
    /// H / f.
    pub ratio: f64,
    /// The plan's true annual cost at this ratio ([`true_cost_aud`]), AUD; `None` when the
    /// problem at this ratio has no plan (`note` says why).
    pub cost_aud_per_yr: Option<f64>,
    /// Why there is no cost, if so.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

/// Solves the problem `make(ρ)` at every ratio ρ of [`HEADROOM_RATIOS`] above 0 (without progress output)
/// and returns the cheapest by true cost if it beats `flat_cost_aud` (the flat plan's cost),
/// with every ratio's cost. A ratio whose problem is infeasible or unsolved is skipped (its
/// entry says why). Least-cost objective only (the caller checks).
pub fn solve_ratios(
    make: &dyn Fn(f64) -> (SitingProblem, FlexModel),
    flat_cost_aud: f64,
    opts: &crate::engine::SolveOptions,
) -> (Option<RatioSolve>, Vec<RatioCost>) {
    let mut best: Option<RatioSolve> = None;
    let entry = |ratio: f64, cost: Option<f64>, note: Option<String>| RatioCost {
        ratio,
        cost_aud_per_yr: cost,
        note,
    };
    let mut grid = vec![entry(0.0, Some(flat_cost_aud), None)];
    for &ratio in HEADROOM_RATIOS.iter().filter(|r| **r > 0.0) {
        let (problem, model) = make(ratio);
        if let Err(e) = crate::model::diagnose::diagnose(&problem) {
            grid.push(entry(ratio, None, Some(format!("infeasible: {e}"))));
            continue;
        }
        let mut silent = |_: &str, _: f64, _: &str| {};
        let mut sink = crate::engine::SolveSink {
            record: &mut silent,
            progress: None,
        };
        let seed = crate::engine::lazy::PromiseRows::default();
        let solved = match crate::engine::solve_seeded(&problem, opts, &mut sink, &seed) {
            Ok(s) => s,
            Err(e) => {
                grid.push(entry(ratio, None, Some(format!("not solved: {e}"))));
                continue;
            }
        };
        let Some(obj) = solved.0 .0.objective else {
            grid.push(entry(ratio, None, Some("no plan".into())));
            continue;
        };
        let cost = true_cost_aud(obj, &model, &solved.0 .1);
        grid.push(entry(ratio, Some(cost), None));
        let better = cost < flat_cost_aud * (1.0 - 1e-9)
            && best
                .as_ref()
                .is_none_or(|b| cost < b.true_cost_aud * (1.0 - 1e-9));
        if better {
            best = Some(RatioSolve {
                problem,
                model,
                solved,
                true_cost_aud: cost,
            });
        }
    }
    (best, grid)
}

/// Per flexible allocation of site `k`, what the flat breakdown (energy on the built MW at the
/// flat price, capex on every MW) overstates: (energy, capex) in AUD per year. The report
/// subtracts them so that the site's cost is its true cost.
pub fn site_cost_overstatement(
    model: &FlexModel,
    rates: &[SiteCostRates],
    sol: &Solution,
    k: usize,
) -> (f64, f64) {
    let r = &rates[k];
    let (mut energy, mut capex) = (0.0, 0.0);
    for &(i, j, x) in sol.flows.iter().filter(|f| f.0 == k) {
        if !model.flexible(j) {
            continue;
        }
        let h = model.headroom_mw[j];
        let d = x / (1.0 + h);
        energy += model.load_hours
            * r.pue
            * (r.energy_price_aud_per_mwh * x - model.energy_price_aud_per_mwh[i][j] * d);
        if let Some(a) = model.server_capex_aud_per_mw_yr {
            capex += (r.capex_aud_per_mw_yr - a) * d * h;
        }
    }
    (energy, capex)
}

//! Decisions under uncertainty, part 2: Monte Carlo and grid sweeps over the scenario's
//! parameters, with the regret of fixed plans, sharded for clusters.
//!
//! A sweep file ([`spec`]) is a scenario with some numeric parameters given as distributions
//! or lists, plus a `[sweep]` table (samples, seed, design). [`Sweep::run`] then:
//! 1. solves the **base scenario** and lists its near-optimal alternatives
//!    ([`crate::decide::alternatives`]): these are the **plans** whose regret is evaluated (plan 1 is
//!    the base plan);
//! 2. for every sample (in parallel with rayon; the values of sample i depend only on the seed,
//!    i and the spec, see [`design`]): builds the sample's scenario, re-running only the stages
//!    whose parameters changed — candidates when `[candidates]` changes, the latency graph and
//!    RTT matrix when `[latency]` changes (cached per distinct value), cost rows and the MIP
//!    always (they are sub-millisecond) — solves it exactly, and evaluates every plan as a
//!    **fixed plan** (its sites forced open, the allocation re-optimised,
//!    [`crate::decide::alternatives::evaluate_plan`]);
//! 3. writes one [`Row`] per sample and a [`Summary`]: how often each site is chosen, cost
//!    P10/P50/P90, each plan's regret (its cost minus the best cost known for the sample: the
//!    sample's optimum, or a plan's cost if the solver's optimum was within its gap above it),
//!    the plan with the least expected (or worst-case) regret, and the Pareto front of cost
//!    against worst RTT over the samples.
//!
//! **Shards.** `--shard I/N` (1 ≤ I ≤ N) computes samples `⌊(I−1)·n/N⌋ … ⌊I·n/N⌋ − 1` only and
//! writes them with a [`SweepMeta`] carrying a fingerprint of the sweep (spec, dataset, demand);
//! [`merge`] checks that the shards belong to one sweep and cover it exactly once, and
//! produces the same rows and summary, byte for byte, as a single-process run (the summary is
//! a function of the rows and the metadata only, and numbers round-trip exactly through JSON).

use crate::candidates::{self, Candidate};
use crate::data::{Dataset, Demand, LonLat};
use crate::decide::alternatives::{self, FixedPlan, WarmStart};
use crate::engine::lazy::PromiseRows;
use crate::engine::reduce;
use crate::engine::{self, SolveOptions, SolveReport};
use crate::error::{Error, Location, Result};
use crate::latency::{LatencyModel, RttMatrix};
use crate::model::{SitingProblem, Solution};
use crate::outcome::Prepared;
use crate::pipeline;
use crate::progress::{Counted, NoProgress};
use crate::scenario::{Objective, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub mod design;
pub mod slurm;
pub mod spec;

pub use spec::{Design, Dist, Param, RegretCriterion, SweepSettings, SweepSpec};

/// Version of the shard/row format (merge refuses others).
pub const FORMAT_VERSION: u32 = 1;

/// One plan whose regret is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    /// 1 = the base scenario's optimum, 2… its next best alternatives.
    pub plan: usize,
    /// Open sites (ids, sorted).
    pub sites: Vec<String>,
    /// Its cost in the base scenario, AUD per year.
    #[serde(rename = "base_cost_aud_per_yr", alias = "base_cost_aud")]
    pub base_cost_aud: f64,
    /// Its worst RTT in the base scenario, ms.
    pub base_worst_rtt_ms: Option<f64>,
}

/// A site that appears in a plan, for maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Candidate id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State code.
    pub state: String,
    /// REZ id, if any.
    pub zone_id: Option<String>,
    /// Electricity market region id (NEM/WEM), if known.
    #[serde(default)]
    pub region_id: Option<String>,
    /// Position.
    pub location: LonLat,
}

/// What every shard (and a single run) knows about the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// sitefind version.
    pub sitefind_version: String,
    /// FNV-1a 64 of the spec, the dataset and the demand (hex): shards of one sweep agree.
    pub fingerprint: String,
    /// The sweep file.
    pub source: String,
    /// Dataset source.
    pub dataset: String,
    /// Demand source.
    pub demand: String,
    /// Number of samples of the whole sweep.
    pub samples: usize,
    /// The `[sweep]` settings.
    pub settings: SweepSettings,
    /// The uncertain parameters.
    pub params: Vec<Param>,
    /// The plans whose regret is evaluated.
    pub plans: Vec<PlanInfo>,
    /// Candidate sites of the base scenario (id, name, position) for maps.
    pub sites: Vec<SiteInfo>,
    /// This shard (I, N), or `None` for a whole run.
    pub shard: Option<(usize, usize)>,
    /// Samples in this output: [start, end).
    pub range: (usize, usize),
}

/// A fixed plan in one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEval {
    /// Its cost with the sample's parameters, AUD per year (`None`: infeasible).
    #[serde(rename = "cost_aud_per_yr", alias = "cost_aud")]
    pub cost_aud: Option<f64>,
    /// Cost minus the best cost known for the sample, AUD per year.
    #[serde(rename = "regret_aud_per_yr", alias = "regret_aud")]
    pub regret_aud: Option<f64>,
    /// Why it is infeasible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One sample's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Sample index (0-based).
    pub sample: usize,
    /// Parameter values (by path).
    pub values: BTreeMap<String, f64>,
    /// `optimal`, `gap-limit`, `time-limit-feasible`, `infeasible`, `invalid` (a value outside
    /// the field's range) or `error` (solver failure).
    pub status: String,
    /// Why it is infeasible, invalid or an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Optimal annual cost, AUD.
    #[serde(rename = "cost_aud_per_yr", alias = "cost_aud")]
    pub cost_aud: Option<f64>,
    /// Worst RTT served in the optimum, ms.
    pub worst_rtt_ms: Option<f64>,
    /// Demand the optimum leaves unserved, MW (0 when all is served; the cost then includes
    /// `model.unserved_penalty_aud_per_mw` per MW). `None` without a solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unserved_mw: Option<f64>,
    /// Open sites of the optimum (ids, sorted).
    pub open_sites: Vec<String>,
    /// The plans as fixed plans, in plan order.
    pub plans: Vec<PlanEval>,
    /// The optimum's open sites in detail (same order as `open_sites`): size, cost and the
    /// cities each serves with their RTTs. Empty without a solution (and in rows written by a sitefind
    /// before this field: their sites then have no sizes, costs or RTTs in the summary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteUse>,
}

/// One open site of a sample's optimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteUse {
    /// Candidate id.
    pub id: String,
    /// Position (also for a site that is not a base-scenario candidate).
    pub location: LonLat,
    /// REZ id, if any.
    pub zone_id: Option<String>,
    /// Electricity market region id, if known.
    pub region_id: Option<String>,
    /// IT capacity built, MW.
    pub built_mw: f64,
    /// The site's part of the optimum's cost, AUD per year: opening (F), capacity (v·c) and
    /// the network cost of its allocations (Σ a·x); REZ expansion and the unserved penalty are
    /// not attributed to sites.
    pub cost_aud_per_yr: f64,
    /// The cities it serves, in city order.
    pub serves: Vec<CityUse>,
}

/// One allocation of an open site in a sample's optimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityUse {
    /// Demand node id.
    pub city_id: String,
    /// IT load served, MW.
    pub mw: f64,
    /// Median RTT, ms.
    pub rtt_ms: f64,
    /// Planning (P95) RTT, ms.
    pub rtt_p95_ms: f64,
}

/// FNV-1a 64.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn to_json<T: Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("serialising {what}: {e}")))
}

/// The fingerprint of a sweep: spec, dataset (source and layer sizes) and demand.
pub fn fingerprint(spec: &SweepSpec, ds: &Dataset, demand: &Demand) -> Result<String> {
    let mut text = to_json(&spec.settings, "the sweep settings")?;
    text.push_str(&to_json(&spec.params, "the parameters")?);
    text.push_str(&to_json(&spec.base, "the base scenario")?);
    text.push_str(&to_json(&demand.nodes, "the demand")?);
    text.push_str(&format!(
        "{}|{} {} {} {} {} {} {}|{}",
        ds.source,
        ds.zones.len(),
        ds.substations.len(),
        ds.lines.len(),
        ds.minerals.len(),
        ds.landings.len(),
        ds.cables.len(),
        ds.regions.len(),
        env!("CARGO_PKG_VERSION")
    ));
    Ok(format!("{:016x}", fnv1a(text.as_bytes())))
}

/// Samples of shard `i` of `n` (1-based): `[⌊(i−1)·total/n⌋, ⌊i·total/n⌋)`.
pub fn shard_range(total: usize, i: usize, n: usize) -> (usize, usize) {
    let at = |k: usize| ((k as u128 * total as u128) / n as u128) as usize;
    (at(i - 1), at(i))
}

/// Parses `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = |why: String| {
        Error::usage(
            format!("--shard {s}: {why}"),
            "give I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 (Slurm: --shard ${SLURM_ARRAY_TASK_ID}/N with --array=1-N)",
        )
    };
    let (a, b) = s
        .split_once('/')
        .ok_or_else(|| bad("expected I/N".into()))?;
    let i: usize = a
        .trim()
        .parse()
        .map_err(|_| bad(format!("shard index `{a}` is not a whole number")))?;
    let n: usize = b
        .trim()
        .parse()
        .map_err(|_| bad(format!("shard count `{b}` is not a whole number")))?;
    if n == 0 || i == 0 || i > n {
        return Err(bad(format!(
            "shard {i} of {n} does not exist (shards are numbered 1 to N)"
        )));
    }
    Ok((i, n))
}

/// Candidates, the latency model and their RTT matrix (median and P95), shared between
/// samples.
type Stages = (Arc<Vec<Candidate>>, Arc<LatencyModel>, Arc<RttMatrix>);

/// The base scenario's state reused by every sample.
struct Base {
    candidates: Arc<Vec<Candidate>>,
    rtt: Arc<RttMatrix>,
    cand_key: String,
    lat_key: String,
    latency: Arc<LatencyModel>,
    /// The base problem and the promise rows (N−1, separation) its solve generated: every
    /// sample's solves start from them, carried over by id ([`PromiseRows::transfer`]).
    problem: SitingProblem,
    rows: PromiseRows,
}

/// A sweep ready to run: the spec, the inputs, the plans and the reusable base stages.
pub struct Sweep<'a> {
    ds: &'a Dataset,
    demand: &'a Demand,
    spec: &'a SweepSpec,
    /// Its metadata (plans, sites, fingerprint).
    pub meta: SweepMeta,
    values: Vec<Vec<f64>>,
    base: Base,
    rtt_cache: Mutex<HashMap<(String, String), Arc<Stages>>>,
}

fn no_progress() -> impl FnMut(&str, f64, &str) {
    |_: &str, _: f64, _: &str| {}
}

/// A sweep needs the least-cost objective: regret is a cost difference.
fn check_base_objective(spec: &SweepSpec) -> Result<()> {
    if spec.base.model.objective != Objective::MinCost {
        return Err(Error::usage(
            format!(
                "{}: a sweep needs the least-cost objective (regret is a cost difference)",
                spec.source
            ),
            "remove [model] objective from the sweep file",
        ));
    }
    Ok(())
}

/// The base scenario's candidate sites (an error when there are none).
fn base_candidates(
    ds: &Dataset,
    spec: &SweepSpec,
    latency: &LatencyModel,
    demand: &Demand,
) -> Result<Vec<Candidate>> {
    let cands = candidates::generate_routed(ds, &spec.base.candidates, latency, demand)?;
    if cands.is_empty() {
        return Err(Error::Infeasible {
            diagnosis: format!(
                "{} (base scenario): no candidate site with these candidate parameters",
                spec.source
            ),
            hint: "check [candidates] in the sweep file".into(),
        });
    }
    Ok(cands)
}

/// The pre-solve diagnosis of the base scenario's problem `p`, its message naming the file.
fn diagnose_base(p: &SitingProblem, spec: &SweepSpec) -> Result<()> {
    crate::model::diagnose::diagnose(p).map_err(|e| match e {
        Error::Infeasible { diagnosis, hint } => Error::Infeasible {
            diagnosis: format!("{} (base scenario): {diagnosis}", spec.source),
            hint,
        },
        e => e,
    })
}

/// The base scenario's plans, numbered from 1, each with its sites sorted.
fn plan_infos(alts: &alternatives::Alternatives, p: &SitingProblem) -> Vec<PlanInfo> {
    alts.plans
        .iter()
        .enumerate()
        .map(|(k, plan)| {
            let mut sites: Vec<String> = plan.open.iter().map(|&i| p.sites[i].id.clone()).collect();
            sites.sort();
            PlanInfo {
                plan: k + 1,
                sites,
                base_cost_aud: plan.cost_aud,
                base_worst_rtt_ms: plan.worst_rtt_ms,
            }
        })
        .collect()
}

/// The sites in the base scenario's model, sorted by id.
fn site_infos(prepared: &Prepared) -> Vec<SiteInfo> {
    let mut sites: Vec<SiteInfo> = prepared
        .in_model
        .iter()
        .map(|&i| {
            let c = &prepared.candidates[i];
            SiteInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                state: c.state.clone(),
                zone_id: c.zone_id.clone(),
                region_id: c.region_id.clone(),
                location: c.location,
            }
        })
        .collect();
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    sites
}

impl<'a> Sweep<'a> {
    /// Solves the base scenario, lists its alternatives (the plans) and prepares the design.
    pub fn new(ds: &'a Dataset, demand: &'a Demand, spec: &'a SweepSpec) -> Result<Sweep<'a>> {
        let base_sc = &spec.base;
        check_base_objective(spec)?;
        let latency = Arc::new(LatencyModel::build(ds, &base_sc.latency)?);
        let t = Instant::now();
        let cands = base_candidates(ds, spec, &latency, demand)?;
        let rtt = rtt_matrix(&latency, &cands, demand);
        let prepared = pipeline::prepare_from(
            ds,
            demand,
            base_sc,
            &latency,
            cands.clone(),
            rtt.clone(),
            t,
            &mut no_progress(),
        )?;
        let p = &prepared.problem;
        diagnose_base(p, spec)?;
        let opts = SolveOptions::from(&base_sc.solver);
        let rows = base_rows(p, &opts)?;
        let alts = alternatives::alternatives(
            p,
            spec.settings.alternatives,
            spec.settings.within_pct,
            &opts,
        )?;
        let n = spec.n_samples();
        let meta = SweepMeta {
            format_version: FORMAT_VERSION,
            sitefind_version: env!("CARGO_PKG_VERSION").to_string(),
            fingerprint: fingerprint(spec, ds, demand)?,
            source: spec.source.clone(),
            dataset: ds.source.clone(),
            demand: demand.source.clone(),
            samples: n,
            settings: spec.settings.clone(),
            params: spec.params.clone(),
            plans: plan_infos(&alts, p),
            sites: site_infos(&prepared),
            shard: None,
            range: (0, n),
        };
        let base = Base {
            candidates: Arc::new(cands),
            rtt: Arc::new(rtt),
            cand_key: to_json(&base_sc.candidates, "candidate parameters")?,
            lat_key: to_json(&base_sc.latency, "latency parameters")?,
            latency,
            problem: prepared.problem.clone(),
            rows,
        };
        Ok(Sweep {
            ds,
            demand,
            spec,
            meta,
            values: design::sample_values(spec),
            base,
            rtt_cache: Mutex::new(HashMap::new()),
        })
    }

    /// The values of every sample (`[sample][param]`).
    pub fn values(&self) -> &[Vec<f64>] {
        &self.values
    }

    /// Runs samples `range` (in parallel on the current rayon pool); rows in sample order.
    pub fn run(&self, range: (usize, usize)) -> Vec<Row> {
        self.run_counted(range, &NoProgress)
    }

    /// [`Sweep::run`], `progress` told of each sample as it finishes (stage `sweep samples`).
    pub fn run_counted(&self, range: (usize, usize), progress: &dyn Counted) -> Vec<Row> {
        progress.start("sweep samples", range.1.saturating_sub(range.0) as u64);
        let rows = (range.0..range.1)
            .into_par_iter()
            .map(|i| {
                let row = self.sample(i);
                progress.inc(1);
                row
            })
            .collect();
        progress.finish();
        rows
    }

    /// Candidates and RTT rows for a scenario: the base's when unchanged, else computed once
    /// per distinct (candidate, latency) parameters.
    fn stages(&self, sc: &Scenario) -> Result<Stages> {
        let ck = to_json(&sc.candidates, "candidate parameters")?;
        let lk = to_json(&sc.latency, "latency parameters")?;
        if ck == self.base.cand_key && lk == self.base.lat_key {
            return Ok((
                self.base.candidates.clone(),
                self.base.latency.clone(),
                self.base.rtt.clone(),
            ));
        }
        let key = (ck, lk);
        if let Some(hit) = self
            .rtt_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return Ok((hit.0.clone(), hit.1.clone(), hit.2.clone()));
        }
        let latency = if key.1 == self.base.lat_key {
            self.base.latency.clone()
        } else {
            Arc::new(LatencyModel::build(self.ds, &sc.latency)?)
        };
        // The backhaul each candidate is priced on follows its route: re-routed whenever the
        // candidates or the latency model differ from the base's.
        let mut fresh = if key.0 == self.base.cand_key {
            (*self.base.candidates).clone()
        } else {
            candidates::generate(self.ds, &sc.candidates)?
        };
        let cities: Vec<_> = self.demand.nodes.iter().map(|n| n.location).collect();
        candidates::set_backhaul(&mut fresh, &latency, &cities);
        let cands = Arc::new(fresh);
        let rtt = Arc::new(rtt_matrix(&latency, &cands, self.demand));
        if let Ok(mut c) = self.rtt_cache.lock() {
            // Bounded: a continuous latency parameter gives a new key per sample.
            if c.len() < 4096 {
                c.insert(key, Arc::new((cands.clone(), latency.clone(), rtt.clone())));
            }
        }
        Ok((cands, latency, rtt))
    }

    /// The scenario of sample `i`.
    pub fn scenario(&self, i: usize) -> std::result::Result<Scenario, String> {
        let mut table = self.spec.base_table.clone();
        for (k, param) in self.spec.params.iter().enumerate() {
            spec::set_path(
                &mut table,
                &param.path,
                spec::value_of(param, self.values[i][k]),
            );
        }
        spec::scenario_of(&table)
    }

    /// The row of sample `i` before it is run: its values, no status, no results.
    fn empty_row(&self, i: usize) -> Row {
        let values: BTreeMap<String, f64> = self
            .spec
            .params
            .iter()
            .zip(&self.values[i])
            .map(|(p, &v)| (p.path.clone(), v))
            .collect();
        Row {
            sample: i,
            values,
            status: String::new(),
            message: None,
            cost_aud: None,
            worst_rtt_ms: None,
            unserved_mw: None,
            open_sites: Vec::new(),
            plans: Vec::new(),
            sites: Vec::new(),
        }
    }

    /// `row` marked failed with `status` and `message`, every plan unevaluated.
    fn failed(&self, mut row: Row, status: &str, message: String) -> Row {
        row.status = status.to_string();
        row.message = Some(message);
        row.plans = vec![
            PlanEval {
                cost_aud: None,
                regret_aud: None,
                note: None,
            };
            self.meta.plans.len()
        ];
        row
    }

    /// The prepared problem of scenario `sc` (candidates and RTT rows from [`Self::stages`]).
    fn prepare(&self, sc: &Scenario) -> Result<Prepared> {
        let (cands, latency, rtt) = self.stages(sc)?;
        if cands.is_empty() {
            return Err(Error::Infeasible {
                diagnosis: "no candidate site with these candidate parameters".into(),
                hint: String::new(),
            });
        }
        pipeline::prepare_from(
            self.ds,
            self.demand,
            sc,
            &latency,
            cands.as_ref().clone(),
            rtt.as_ref().clone(),
            Instant::now(),
            &mut no_progress(),
        )
    }

    /// The cost of every plan of the base scenario in problem `p` (no regret yet).
    fn evaluate_plans(
        &self,
        p: &SitingProblem,
        opts: &SolveOptions,
        warm: &WarmStart,
    ) -> Vec<PlanEval> {
        let mut evals: Vec<PlanEval> = Vec::new();
        for plan in &self.meta.plans {
            let e = match alternatives::evaluate_plan_warm(p, &plan.sites, opts, warm) {
                Ok(FixedPlan::Cost(c, _)) => PlanEval {
                    cost_aud: Some(c),
                    regret_aud: None,
                    note: None,
                },
                Ok(FixedPlan::Infeasible(why)) => PlanEval {
                    cost_aud: None,
                    regret_aud: None,
                    note: Some(why),
                },
                Err(e) => PlanEval {
                    cost_aud: None,
                    regret_aud: None,
                    note: Some(format!("evaluation failed: {e}")),
                },
            };
            evals.push(e);
        }
        evals
    }

    fn sample(&self, i: usize) -> Row {
        let row = self.empty_row(i);
        let sc = match self.scenario(i) {
            Ok(sc) => sc,
            Err(e) => return self.failed(row, "invalid", e),
        };
        if let Err(e) = sc.validate(&format!("sample {i}")) {
            return self.failed(row, "invalid", e.to_string());
        }
        let prepared = match self.prepare(&sc) {
            Ok(p) => p,
            Err(Error::Infeasible { diagnosis, .. }) => {
                return self.failed(row, "infeasible", diagnosis)
            }
            Err(e) => return self.failed(row, "invalid", e.to_string()),
        };
        let p = &prepared.problem;
        if let Err(e) = crate::model::diagnose::diagnose(p) {
            return match e {
                Error::Infeasible { diagnosis, .. } => self.failed(row, "infeasible", diagnosis),
                e => self.failed(row, "invalid", e.to_string()),
            };
        }
        let opts = SolveOptions::from(&sc.solver);
        // The plans first: the cheapest feasible one bounds the optimum's cost, hence the
        // number of sites an optimal plan opens (model::reduce::open_sites_bound), which makes
        // the exact dominance reduction much stronger than its default first pass.
        let warm = WarmStart {
            rows: self.base.rows.transfer(&self.base.problem, p),
        };
        let evals = self.evaluate_plans(p, &opts, &warm);
        match solve_bounded(p, &evals, &opts, &warm.rows) {
            Ok((sr, sol)) => {
                let mut row = solved_row(row, p, &sr, &sol, evals);
                row.sites = site_uses(&prepared, &sol);
                row
            }
            Err(Error::Infeasible { diagnosis, .. }) => self.failed(row, "infeasible", diagnosis),
            Err(e) => self.failed(row, "error", e.to_string()),
        }
    }
}

/// Solves `p` exactly, reduced with the open-sites bound from the cheapest feasible plan in
/// `evals` when there is one, else with the default reduction; by the staged engine
/// (Lagrangian bound, heuristic, fixing, then a small MIP), its promise rows seeded with `rows`.
/// (The whole reduced MIP per round of promise rows, as before, took tens of CPU-seconds on
/// some samples of `data/sweeps/main_job.toml`.)
fn solve_bounded(
    p: &SitingProblem,
    evals: &[PlanEval],
    opts: &SolveOptions,
    rows: &PromiseRows,
) -> Result<(SolveReport, Solution)> {
    let ub = evals
        .iter()
        .filter_map(|e| e.cost_aud)
        .fold(f64::INFINITY, f64::min);
    let mut record = no_progress();
    let mut sink = engine::SolveSink {
        record: &mut record,
        progress: None,
    };
    if ub.is_finite() {
        let m = reduce::open_sites_bound(p, ub);
        let kept = reduce::reduce(p, m);
        if kept.len() < p.sites.len() {
            let q = reduce::restrict(p, &kept);
            return engine::solve_seeded(&q, opts, &mut sink, &rows.transfer(p, &q))
                .map(|((sr, s, _, _), _)| (sr, reduce::expand(&s, &kept, p.sites.len())));
        }
    }
    engine::solve_seeded(p, opts, &mut sink, rows).map(|((sr, s, _, _), _)| (sr, s))
}

/// The promise rows of the base problem's exact solve (empty without N−1 or separation
/// promises), to seed every sample's solves.
fn base_rows(p: &SitingProblem, opts: &SolveOptions) -> Result<PromiseRows> {
    if p.contingencies.is_empty() && p.separation.is_none() {
        return Ok(PromiseRows::default());
    }
    let mut record = no_progress();
    let mut sink = engine::SolveSink {
        record: &mut record,
        progress: None,
    };
    engine::solve_seeded(p, opts, &mut sink, &PromiseRows::default()).map(|r| r.1)
}

/// `row` filled with the optimum `sol` of `p` (checked independently) and the plans' `evals`
/// with their regret against the best cost known for this sample.
fn solved_row(
    mut row: Row,
    p: &SitingProblem,
    sr: &SolveReport,
    sol: &Solution,
    mut evals: Vec<PlanEval>,
) -> Row {
    let checked = crate::check::check(p, sol);
    let cost = checked.objective_recomputed;
    let demand_mw: f64 = p.cities.iter().map(|c| c.demand_mw).sum();
    let unserved_mw = demand_mw - checked.served_mw;
    row.unserved_mw = Some(if unserved_mw > 1e-6 { unserved_mw } else { 0.0 });
    row.status = serde_json::to_value(sr.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", sr.status));
    row.cost_aud = Some(cost);
    row.worst_rtt_ms = alternatives::worst_rtt_ms(p, sol);
    let mut open: Vec<String> = sol
        .open
        .iter()
        .enumerate()
        .filter(|(_, &o)| o)
        .map(|(k, _)| p.sites[k].id.clone())
        .collect();
    open.sort();
    row.open_sites = open;
    // Regret against the best cost known for this sample.
    let best = evals.iter().filter_map(|e| e.cost_aud).fold(cost, f64::min);
    for e in &mut evals {
        e.regret_aud = e.cost_aud.map(|c| c - best);
    }
    row.plans = evals;
    row
}

/// The open sites of `sol` (a solution of `prepared.problem`) in detail, sorted by id.
fn site_uses(prepared: &Prepared, sol: &Solution) -> Vec<SiteUse> {
    let p = &prepared.problem;
    let mut out: Vec<SiteUse> = Vec::new();
    for (k, site) in p.sites.iter().enumerate() {
        if !sol.open.get(k).copied().unwrap_or(false) {
            continue;
        }
        let cand = &prepared.candidates[prepared.in_model[k]];
        let built_mw = sol.capacity_mw.get(k).copied().unwrap_or(0.0);
        let mut cost = site.fixed_cost_aud + site.var_cost_aud_per_mw * built_mw;
        let mut serves = Vec::new();
        for &(i, j, x) in sol.flows.iter().filter(|f| f.0 == k && f.2 > 1e-9) {
            cost += p.assign_cost_aud_per_mw[i][j] * x;
            serves.push(CityUse {
                city_id: p.cities[j].id.clone(),
                mw: x,
                rtt_ms: prepared.rtt_p50_ms[i][j],
                rtt_p95_ms: prepared.rtt_p95_ms[i][j],
            });
        }
        out.push(SiteUse {
            id: site.id.clone(),
            location: cand.location,
            zone_id: cand.zone_id.clone(),
            region_id: cand.region_id.clone(),
            built_mw,
            cost_aud_per_yr: cost,
            serves,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn rtt_matrix(latency: &LatencyModel, cands: &[Candidate], demand: &Demand) -> RttMatrix {
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let sites: Vec<LonLat> = cands.iter().map(|c| c.location).collect();
    latency.rtt_matrix(&sites, &cities)
}

/// Percentiles of a sample (linear interpolation between order statistics, "type 7").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Largest.
    pub max: f64,
}

/// Percentiles of `v` (`None` if empty).
pub fn percentiles(mut v: Vec<f64>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * (v.len() - 1) as f64;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(v.len() - 1);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    };
    Some(Percentiles {
        n: v.len(),
        mean: v.iter().sum::<f64>() / v.len() as f64,
        min: v[0],
        p10: q(0.1),
        p50: q(0.5),
        p90: q(0.9),
        max: v[v.len() - 1],
    })
}

/// How often one site is in the sample's optimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteFrequency {
    /// Candidate id.
    pub id: String,
    /// Name (empty if the site is not a base-scenario candidate).
    pub name: String,
    /// State code.
    pub state: String,
    /// Position (`None` if not a base-scenario candidate).
    pub location: Option<LonLat>,
    /// Samples whose optimum opens it.
    pub chosen: usize,
    /// `chosen` / samples with a solution.
    pub share: f64,
    /// It is in the base plan.
    pub in_base_plan: bool,
    /// REZ id, if any.
    #[serde(default)]
    pub zone_id: Option<String>,
    /// Electricity market region id, if known.
    #[serde(default)]
    pub region_id: Option<String>,
    /// Mean IT capacity built over the samples that open it, MW (`None`: rows without site
    /// details).
    #[serde(default)]
    pub mean_built_mw: Option<f64>,
    /// Mean of the site's part of the optimum's cost over the samples that open it, AUD per
    /// year ([`SiteUse::cost_aud_per_yr`]).
    #[serde(default)]
    pub mean_cost_aud_per_yr: Option<f64>,
    /// Mean median RTT over every (sample, city) allocation it serves, ms.
    #[serde(default)]
    pub mean_rtt_ms: Option<f64>,
    /// Mean planning (P95) RTT over the same allocations, ms.
    #[serde(default)]
    pub mean_rtt_p95_ms: Option<f64>,
    /// Largest planning (P95) RTT of those allocations, ms (what a limit is checked against).
    #[serde(default)]
    pub max_rtt_p95_ms: Option<f64>,
    /// The cities it serves in at least one sample, sorted.
    #[serde(default)]
    pub cities_served: Vec<String>,
}

/// The per-site details of the solved rows, summed up for [`SiteFrequency`].
#[derive(Default)]
struct SiteStats {
    samples: usize,
    built_mw: f64,
    cost_aud_per_yr: f64,
    rtt_ms: Vec<f64>,
    rtt_p95_ms: Vec<f64>,
    cities: std::collections::BTreeSet<String>,
    location: Option<LonLat>,
    zone_id: Option<String>,
    region_id: Option<String>,
}

impl SiteStats {
    fn add(&mut self, u: &SiteUse) {
        self.samples += 1;
        self.built_mw += u.built_mw;
        self.cost_aud_per_yr += u.cost_aud_per_yr;
        for c in &u.serves {
            self.rtt_ms.push(c.rtt_ms);
            self.rtt_p95_ms.push(c.rtt_p95_ms);
            self.cities.insert(c.city_id.clone());
        }
        self.location.get_or_insert(u.location);
        if self.zone_id.is_none() {
            self.zone_id.clone_from(&u.zone_id);
        }
        if self.region_id.is_none() {
            self.region_id.clone_from(&u.region_id);
        }
    }

    fn mean(v: &[f64]) -> Option<f64> {
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// `f` with the means filled in.
    fn fill(&self, f: &mut SiteFrequency) {
        let n = self.samples as f64;
        if self.samples > 0 {
            f.mean_built_mw = Some(self.built_mw / n);
            f.mean_cost_aud_per_yr = Some(self.cost_aud_per_yr / n);
        }
        f.mean_rtt_ms = Self::mean(&self.rtt_ms);
        f.mean_rtt_p95_ms = Self::mean(&self.rtt_p95_ms);
        f.max_rtt_p95_ms = self.rtt_p95_ms.iter().copied().reduce(f64::max);
        f.cities_served = self.cities.iter().cloned().collect();
        if f.location.is_none() {
            f.location = self.location;
        }
        if f.zone_id.is_none() {
            f.zone_id.clone_from(&self.zone_id);
        }
        if f.region_id.is_none() {
            f.region_id.clone_from(&self.region_id);
        }
    }
}

/// The regret of one plan over the samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRegret {
    /// Plan number (1 = base plan).
    pub plan: usize,
    /// Its sites.
    pub sites: Vec<String>,
    /// Its cost in the base scenario, AUD per year.
    #[serde(rename = "base_cost_aud_per_yr", alias = "base_cost_aud")]
    pub base_cost_aud: f64,
    /// Samples (with a solution) where it is feasible.
    pub feasible: usize,
    /// Samples (with a solution) where it is infeasible.
    pub infeasible: usize,
    /// Samples where it is (within 1e-6 relative) the best plan.
    pub best_in: usize,
    /// Regret over the feasible samples, AUD per year.
    #[serde(rename = "regret_aud_per_yr", alias = "regret_aud")]
    pub regret_aud: Option<Percentiles>,
    /// Mean regret as a percentage of the sample's best cost.
    pub mean_regret_pct: Option<f64>,
}

/// The recommended plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// `expected` or `worst`.
    pub criterion: RegretCriterion,
    /// Plan number.
    pub plan: usize,
    /// Its sites.
    pub sites: Vec<String>,
    /// Its expected (or worst) regret, AUD per year.
    #[serde(rename = "regret_aud_per_yr", alias = "regret_aud")]
    pub regret_aud: Option<f64>,
    /// The base plan's, AUD per year.
    #[serde(rename = "base_plan_regret_aud_per_yr", alias = "base_plan_regret_aud")]
    pub base_plan_regret_aud: Option<f64>,
    /// By how much it beats the base plan, AUD per year (0 when it is the base plan).
    #[serde(rename = "beats_base_by_aud_per_yr", alias = "beats_base_by_aud")]
    pub beats_base_by_aud: Option<f64>,
    /// One sentence.
    pub text: String,
}

/// A sample on the cost–worst-RTT Pareto front.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParetoPoint {
    /// Sample index.
    pub sample: usize,
    /// Optimal cost, AUD per year.
    #[serde(rename = "cost_aud_per_yr", alias = "cost_aud")]
    pub cost_aud: f64,
    /// Worst RTT served, ms.
    pub worst_rtt_ms: f64,
    /// The sample's parameter values.
    pub values: BTreeMap<String, f64>,
    /// Open sites.
    pub open_sites: Vec<String>,
}

/// The summary of a sweep (a function of the rows and the metadata only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The sweep's fingerprint.
    pub fingerprint: String,
    /// The sweep file.
    pub source: String,
    /// Samples.
    pub samples: usize,
    /// Design.
    pub design: Design,
    /// Seed.
    pub seed: u64,
    /// Each parameter: distribution, base value and the sampled values' percentiles.
    pub params: Vec<ParamSummary>,
    /// Rows by status.
    pub status: BTreeMap<String, usize>,
    /// Samples whose optimum leaves demand unserved (their cost includes the penalty).
    #[serde(default)]
    pub samples_with_unserved: usize,
    /// Optimal cost over the samples with a solution, AUD per year.
    #[serde(rename = "cost_aud_per_yr", alias = "cost_aud")]
    pub cost_aud: Option<Percentiles>,
    /// Worst RTT of the optimum over the samples with a solution, ms.
    pub worst_rtt_ms: Option<Percentiles>,
    /// How often each site is chosen, most often first.
    pub site_frequency: Vec<SiteFrequency>,
    /// Distinct optimal plans (open sets) and how often each is optimal, most often first.
    pub optimal_plans: Vec<(Vec<String>, usize)>,
    /// Regret of the base plan (plan 1) and its alternatives.
    pub regret: Vec<PlanRegret>,
    /// The plan with the least expected (or worst) regret.
    pub recommendation: Option<Recommendation>,
    /// Samples on the Pareto front of (cost, worst RTT), cheapest first.
    pub pareto: Vec<ParetoPoint>,
}

/// One parameter in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSummary {
    /// Path.
    pub path: String,
    /// Distribution.
    pub dist: Dist,
    /// Base value.
    pub base: f64,
    /// The sampled values.
    pub sampled: Option<Percentiles>,
}

/// Rows by status.
fn status_counts(rows: &[Row]) -> BTreeMap<String, usize> {
    let mut status: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *status.entry(r.status.clone()).or_default() += 1;
    }
    status
}

/// Each parameter with the percentiles of its sampled values.
fn param_summaries(meta: &SweepMeta, rows: &[Row]) -> Vec<ParamSummary> {
    meta.params
        .iter()
        .map(|p| ParamSummary {
            path: p.path.clone(),
            dist: p.dist.clone(),
            base: p.base,
            sampled: percentiles(
                rows.iter()
                    .filter_map(|r| r.values.get(&p.path).copied())
                    .collect(),
            ),
        })
        .collect()
}

/// How often each site and each open set is optimal over the solved rows, most often first.
fn site_and_plan_frequency(
    meta: &SweepMeta,
    solved: &[&Row],
) -> (Vec<SiteFrequency>, Vec<(Vec<String>, usize)>) {
    let base_sites: Vec<&String> = meta
        .plans
        .first()
        .map(|p| p.sites.iter().collect())
        .unwrap_or_default();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut plan_counts: BTreeMap<&Vec<String>, usize> = BTreeMap::new();
    let mut stats: BTreeMap<&str, SiteStats> = BTreeMap::new();
    for r in solved {
        for s in &r.open_sites {
            *counts.entry(s.as_str()).or_default() += 1;
        }
        for u in &r.sites {
            stats.entry(u.id.as_str()).or_default().add(u);
        }
        *plan_counts.entry(&r.open_sites).or_default() += 1;
    }
    let info: HashMap<&str, &SiteInfo> = meta.sites.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut site_frequency: Vec<SiteFrequency> = counts
        .iter()
        .map(|(&id, &chosen)| {
            let i = info.get(id);
            let mut f = SiteFrequency {
                id: id.to_string(),
                name: i.map(|s| s.name.clone()).unwrap_or_default(),
                state: i.map(|s| s.state.clone()).unwrap_or_default(),
                location: i.map(|s| s.location),
                chosen,
                share: chosen as f64 / solved.len().max(1) as f64,
                in_base_plan: base_sites.iter().any(|b| b.as_str() == id),
                zone_id: i.and_then(|s| s.zone_id.clone()),
                region_id: i.and_then(|s| s.region_id.clone()),
                mean_built_mw: None,
                mean_cost_aud_per_yr: None,
                mean_rtt_ms: None,
                mean_rtt_p95_ms: None,
                max_rtt_p95_ms: None,
                cities_served: Vec::new(),
            };
            if let Some(st) = stats.get(id) {
                st.fill(&mut f);
            }
            f
        })
        .collect();
    site_frequency.sort_by(|a, b| b.chosen.cmp(&a.chosen).then(a.id.cmp(&b.id)));
    let mut optimal_plans: Vec<(Vec<String>, usize)> = plan_counts
        .into_iter()
        .map(|(k, v)| (k.clone(), v))
        .collect();
    optimal_plans.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (site_frequency, optimal_plans)
}

/// The regret of plan number `k` (0-based) over the solved rows.
fn plan_regret(k: usize, plan: &PlanInfo, solved: &[&Row]) -> PlanRegret {
    let mut reg = Vec::new();
    let mut pct = Vec::new();
    let (mut feasible, mut infeasible, mut best_in) = (0, 0, 0);
    for r in solved {
        match r.plans.get(k).and_then(|e| e.regret_aud.zip(e.cost_aud)) {
            Some((g, c)) => {
                feasible += 1;
                reg.push(g);
                let best = c - g;
                pct.push(100.0 * g / best.abs().max(1e-9));
                if g <= 1e-6 * best.abs().max(1.0) {
                    best_in += 1;
                }
            }
            None => infeasible += 1,
        }
    }
    PlanRegret {
        plan: plan.plan,
        sites: plan.sites.clone(),
        base_cost_aud: plan.base_cost_aud,
        feasible,
        infeasible,
        best_in,
        regret_aud: percentiles(reg),
        mean_regret_pct: (!pct.is_empty()).then(|| pct.iter().sum::<f64>() / pct.len() as f64),
    }
}

/// A plan's expected (mean) or worst (max) regret under `criterion`.
fn regret_value(r: &PlanRegret, criterion: RegretCriterion) -> Option<f64> {
    r.regret_aud.as_ref().map(|p| match criterion {
        RegretCriterion::Expected => p.mean,
        RegretCriterion::Worst => p.max,
    })
}

/// The plan with the fewest infeasible samples, then the least regret, then the lowest number.
fn recommend(regret: &[PlanRegret], criterion: RegretCriterion) -> Option<Recommendation> {
    let value = |r: &PlanRegret| regret_value(r, criterion);
    let best = regret.iter().filter(|r| r.feasible > 0).min_by(|a, b| {
        a.infeasible
            .cmp(&b.infeasible)
            .then(
                value(a)
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&value(b).unwrap_or(f64::INFINITY)),
            )
            .then(a.plan.cmp(&b.plan))
    })?;
    let base = regret.first();
    let (bv, rv) = (base.and_then(value), value(best));
    let by = match (bv, rv, base) {
        (Some(b), Some(r), Some(base)) if base.infeasible == best.infeasible => Some(b - r),
        _ => None,
    };
    Some(Recommendation {
        criterion,
        plan: best.plan,
        sites: best.sites.clone(),
        regret_aud: rv,
        base_plan_regret_aud: bv,
        beats_base_by_aud: if best.plan == 1 { Some(0.0) } else { by },
        text: recommendation_text(best, base, (bv, rv, by), criterion),
    })
}

/// The recommendation's sentence; `(bv, rv, by)` are the base plan's regret, the best plan's
/// regret and the difference (when both are feasible in the same number of samples).
fn recommendation_text(
    best: &PlanRegret,
    base: Option<&PlanRegret>,
    (bv, rv, by): (Option<f64>, Option<f64>, Option<f64>),
    criterion: RegretCriterion,
) -> String {
    let word = match criterion {
        RegretCriterion::Expected => "expected",
        RegretCriterion::Worst => "worst-case",
    };
    let m = |x: Option<f64>| {
        x.map(|v| format!("A${:.2} M/yr", v / 1e6))
            .unwrap_or_else(|| "n/a".into())
    };
    if best.plan == 1 {
        format!(
            "the base plan ({}) has the least {word} regret, {}{}",
            best.sites.join(", "),
            m(rv),
            if best.infeasible > 0 {
                format!(", but it is infeasible in {} samples", best.infeasible)
            } else {
                String::new()
            }
        )
    } else {
        format!(
            "plan {} ({}) has the least {word} regret, {}, against {} for the base plan{}",
            best.plan,
            best.sites.join(", "),
            m(rv),
            m(bv),
            match (by, base) {
                (Some(d), _) => format!(": it beats the base plan by A${:.2} M/yr", d / 1e6),
                (None, Some(b)) => format!(
                    ": the base plan is infeasible in {} samples, this plan in {}",
                    b.infeasible, best.infeasible
                ),
                _ => String::new(),
            }
        )
    }
}

/// Pareto front of (cost, worst RTT): cheapest first, keep strictly improving RTT.
fn pareto_front(solved: &[&Row]) -> Vec<ParetoPoint> {
    let mut pts: Vec<&Row> = solved
        .iter()
        .copied()
        .filter(|r| r.worst_rtt_ms.is_some())
        .collect();
    pts.sort_by(|a, b| {
        a.cost_aud
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.cost_aud.unwrap_or(f64::INFINITY))
            .then(
                a.worst_rtt_ms
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.worst_rtt_ms.unwrap_or(f64::INFINITY)),
            )
            .then(a.sample.cmp(&b.sample))
    });
    let mut pareto = Vec::new();
    let mut best_rtt = f64::INFINITY;
    for r in pts {
        let (Some(c), Some(w)) = (r.cost_aud, r.worst_rtt_ms) else {
            continue;
        };
        if w < best_rtt {
            best_rtt = w;
            pareto.push(ParetoPoint {
                sample: r.sample,
                cost_aud: c,
                worst_rtt_ms: w,
                values: r.values.clone(),
                open_sites: r.open_sites.clone(),
            });
        }
    }
    pareto
}

/// Computes the summary of `rows` (all samples of the sweep, in order).
pub fn summarise(meta: &SweepMeta, rows: &[Row], criterion: RegretCriterion) -> Summary {
    let solved: Vec<&Row> = rows.iter().filter(|r| r.cost_aud.is_some()).collect();
    let (site_frequency, optimal_plans) = site_and_plan_frequency(meta, &solved);
    let regret: Vec<PlanRegret> = meta
        .plans
        .iter()
        .enumerate()
        .map(|(k, plan)| plan_regret(k, plan, &solved))
        .collect();
    let recommendation = recommend(&regret, criterion);
    Summary {
        fingerprint: meta.fingerprint.clone(),
        source: meta.source.clone(),
        samples: rows.len(),
        design: meta.settings.design,
        seed: meta.settings.seed,
        params: param_summaries(meta, rows),
        status: status_counts(rows),
        samples_with_unserved: solved
            .iter()
            .filter(|r| r.unserved_mw.is_some_and(|u| u > 0.0))
            .count(),
        cost_aud: percentiles(solved.iter().filter_map(|r| r.cost_aud).collect()),
        worst_rtt_ms: percentiles(solved.iter().filter_map(|r| r.worst_rtt_ms).collect()),
        site_frequency,
        optimal_plans,
        regret,
        pareto: pareto_front(&solved),
        recommendation,
    }
}

/// Rows as CSV: sample, one column per parameter, status, cost, worst RTT, unserved MW, open sites (`;`),
/// each plan's cost and regret, message.
pub fn rows_csv(meta: &SweepMeta, rows: &[Row]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["sample".into()];
    header.extend(meta.params.iter().map(|p| p.path.clone()));
    header.extend(
        [
            "status",
            "cost_aud_per_yr",
            "worst_rtt_ms",
            "unserved_mw",
            "open_sites",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for p in &meta.plans {
        header.push(format!("plan_{}_cost_aud_per_yr", p.plan));
        header.push(format!("plan_{}_regret_aud_per_yr", p.plan));
    }
    header.push("message".into());
    let e = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(&header).map_err(e)?;
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for r in rows {
        let mut rec: Vec<String> = vec![r.sample.to_string()];
        rec.extend(
            meta.params
                .iter()
                .map(|p| opt(r.values.get(&p.path).copied())),
        );
        rec.push(r.status.clone());
        rec.push(opt(r.cost_aud));
        rec.push(opt(r.worst_rtt_ms));
        rec.push(opt(r.unserved_mw));
        rec.push(r.open_sites.join(";"));
        for k in 0..meta.plans.len() {
            let pe = r.plans.get(k);
            rec.push(opt(pe.and_then(|x| x.cost_aud)));
            rec.push(opt(pe.and_then(|x| x.regret_aud)));
        }
        rec.push(r.message.clone().unwrap_or_default());
        w.write_record(&rec).map_err(e)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("CSV is not UTF-8: {e}")))
}

/// Rows as JSON Lines.
pub fn rows_jsonl(rows: &[Row]) -> Result<String> {
    let mut s = String::new();
    for r in rows {
        s.push_str(&to_json(r, "a row")?);
        s.push('\n');
    }
    Ok(s)
}

fn pretty<T: Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Internal(format!("serialising {what}: {e}")))
}

/// File names written in an output folder.
pub const ROWS_CSV: &str = "rows.csv";
/// JSON Lines rows.
pub const ROWS_JSONL: &str = "rows.jsonl";
/// The summary.
pub const SUMMARY_JSON: &str = "summary.json";
/// The metadata of a whole run.
pub const META_JSON: &str = "meta.json";
/// The metadata of a shard.
pub const SHARD_JSON: &str = "shard.json";

/// The files of a complete sweep (name, contents), in writing order.
pub fn outputs(
    meta: &SweepMeta,
    rows: &[Row],
    summary: &Summary,
) -> Result<Vec<(&'static str, String)>> {
    let mut whole = meta.clone();
    whole.shard = None;
    whole.range = (0, meta.samples);
    Ok(vec![
        (ROWS_CSV, rows_csv(meta, rows)?),
        (ROWS_JSONL, rows_jsonl(rows)?),
        (META_JSON, pretty(&whole, "the metadata")?),
        (SUMMARY_JSON, pretty(summary, "the summary")?),
    ])
}

/// The files of a shard.
pub fn shard_outputs(meta: &SweepMeta, rows: &[Row]) -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        (ROWS_JSONL, rows_jsonl(rows)?),
        (SHARD_JSON, pretty(meta, "the shard metadata")?),
    ])
}

/// Checks the `--out` folder of a sweep before any work (see
/// [`crate::output::check_output_dir`]); `names` are the files it will hold.
pub fn check_out_dir(dir: &Path, names: &[&str]) -> Result<crate::output::OutputDir> {
    crate::output::check_output_dir("--out", dir, names)
}

/// Writes `files` into a checked folder as one set: every temporary first, then the renames
/// (a failure or an interruption leaves the previous set as it was; a new folder is removed
/// again).
pub fn write_dir(dir: &crate::output::OutputDir, files: &[(&'static str, String)]) -> Result<()> {
    let contents: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(n, t)| (*n, t.as_bytes().to_vec()))
        .collect();
    dir.write(&contents)
}

/// The files of a whole sweep's `--out` folder.
pub const WHOLE_FILES: [&str; 4] = [ROWS_CSV, ROWS_JSONL, META_JSON, SUMMARY_JSON];
/// The files of a shard's `--out` folder.
pub const SHARD_FILES: [&str; 2] = [ROWS_JSONL, SHARD_JSON];

fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let text = crate::input::read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(k, l)| {
            serde_json::from_str(l).map_err(|e| Error::Parse {
                at: Location::file(path.display().to_string()).record(format!("line {}", k + 1)),
                message: e.to_string(),
                hint: "shard rows are written by `sitefind sweep --shard I/N`; do not edit them"
                    .into(),
            })
        })
        .collect()
}

/// Checks the numbers of a shard file before anything is sized by them: the settings'
/// ranges ([`SweepSettings::validate`]), `samples` equal to the settings' count, the shard
/// index 1 ≤ I ≤ N ≤ samples and `range` exactly shard I's samples.
fn check_shard_meta(p: &Path, m: &SweepMeta) -> Result<()> {
    let label = p.display().to_string();
    let edited = "shard files are written by `sitefind sweep --shard I/N`; do not edit them (re-run the shard)";
    let bad = |field: &str, message: String| Error::Parse {
        at: Location::file(label.clone()).field(field.to_string()),
        message,
        hint: edited.into(),
    };
    m.settings.validate(&label, &m.params)?;
    let n = m.settings.n_samples(&m.params);
    if m.samples != n {
        return Err(bad(
            "samples",
            format!(
                "expected {n} (the number of samples of its [sweep] settings), found {}",
                m.samples
            ),
        ));
    }
    let Some((i, k)) = m.shard else {
        return Ok(());
    };
    if k == 0 || i == 0 || i > k || k > n.max(1) {
        return Err(bad(
            "shard",
            format!("expected [I, N] with 1 ≤ I ≤ N ≤ {n} (the samples), found [{i}, {k}]"),
        ));
    }
    let want = shard_range(n, i, k);
    if m.range != want {
        return Err(bad(
            "range",
            format!(
                "expected [{}, {}] (shard {i}/{k} of {n} samples), found [{}, {}]",
                want.0, want.1, m.range.0, m.range.1
            ),
        ));
    }
    Ok(())
}

/// The metadata of the shard folder `d` (its shard.json), format version and range checked.
fn read_shard_meta(d: &Path) -> Result<SweepMeta> {
    let p = d.join(SHARD_JSON);
    let text = crate::input::read_text(&p)?;
    let meta: SweepMeta = serde_json::from_str(&text).map_err(|e| Error::Parse {
        at: Location::file(p.display().to_string()).record(format!(
            "line {}, column {}",
            e.line(),
            e.column()
        )),
        message: e.to_string(),
        hint: "a shard folder is the --out of `sitefind sweep --shard I/N`".into(),
    })?;
    if meta.format_version != FORMAT_VERSION {
        return Err(Error::usage(
            format!(
                "{}: shard format {} (this sitefind reads {FORMAT_VERSION})",
                p.display(),
                meta.format_version
            ),
            "merge with the sitefind version that wrote the shards",
        ));
    }
    check_shard_meta(&p, &meta)?;
    Ok(meta)
}

/// Checks that shard `(d, m)` belongs to the sweep of `(first_dir, first)`, split into `n`,
/// and is not already in `seen`; records it there.
fn check_shard_of(
    (d, m): (&PathBuf, &SweepMeta),
    (first_dir, first): (&Path, &SweepMeta),
    n: usize,
    seen: &mut [Option<PathBuf>],
) -> Result<()> {
    if m.fingerprint != first.fingerprint || m.plans != first.plans || m.samples != first.samples {
        return Err(Error::usage(
            format!(
                "{} and {} are shards of different sweeps (fingerprints {} and {})",
                first_dir.display(),
                d.display(),
                first.fingerprint,
                m.fingerprint
            ),
            "merge only the shards of one sweep file run on the same dataset and demand",
        ));
    }
    let Some((i, ni)) = m.shard else {
        return Err(Error::usage(
            format!("{}: not a shard (no shard index)", d.display()),
            "merge the folders written by `sitefind sweep --shard I/N`",
        ));
    };
    if ni != n || i == 0 || i > n {
        return Err(Error::usage(
            format!(
                "{}: shard {i}/{ni}, but {} is shard of {n}",
                d.display(),
                first_dir.display()
            ),
            "merge shards of one split (the same N)",
        ));
    }
    if let Some(other) = &seen[i - 1] {
        return Err(Error::usage(
            format!(
                "shard {i}/{n} given twice: {} and {}",
                other.display(),
                d.display()
            ),
            "give each shard folder once",
        ));
    }
    seen[i - 1] = Some(d.clone());
    Ok(())
}

/// Checks that the shards are of one sweep and one split, each once, none missing; returns N.
fn check_shard_set(shards: &[(PathBuf, SweepMeta)]) -> Result<usize> {
    let (first_dir, first) = (&shards[0].0, &shards[0].1);
    let Some((_, n)) = first.shard else {
        return Err(Error::usage(
            format!("{}: not a shard (no shard index)", first_dir.display()),
            "merge the folders written by `sitefind sweep --shard I/N`",
        ));
    };
    let mut seen: Vec<Option<PathBuf>> = vec![None; n];
    for (d, m) in shards {
        check_shard_of((d, m), (first_dir, first), n, &mut seen)?;
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(
            format!("missing shard(s) {}", missing.join(", ")),
            "run the missing shards (sitefind sweep FILE --shard I/N) and merge all N",
        ));
    }
    Ok(n)
}

/// The rows of the shards (sorted by shard index), each shard's checked against its range.
fn shard_rows(shards: &[(PathBuf, SweepMeta)], n: usize, samples: usize) -> Result<Vec<Row>> {
    let mut rows = Vec::with_capacity(samples);
    for (d, m) in shards {
        let part = read_rows(&d.join(ROWS_JSONL))?;
        // The range was checked against the shard index (check_shard_meta), so it is small.
        let got: Vec<usize> = part.iter().map(|r| r.sample).collect();
        if !got.iter().copied().eq(m.range.0..m.range.1) {
            return Err(Error::usage(
                format!(
                    "{}: rows do not match shard {}/{n} (expected samples {}..{}, found {} rows)",
                    d.display(),
                    m.shard.map_or(0, |s| s.0),
                    m.range.0,
                    m.range.1,
                    part.len()
                ),
                "re-run that shard; shard folders must not be edited",
            ));
        }
        rows.extend(part);
    }
    Ok(rows)
}

/// Reads shard folders and combines them into the whole sweep's metadata and rows. Every
/// shard must carry the same fingerprint and shard count, each shard exactly once.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepMeta, Vec<Row>)> {
    if dirs.is_empty() {
        return Err(Error::usage(
            "sweep merge: no shard folder given",
            "sitefind sweep merge DIR… --out OUT",
        ));
    }
    let mut shards: Vec<(PathBuf, SweepMeta)> = Vec::new();
    for d in dirs {
        shards.push((d.clone(), read_shard_meta(d)?));
    }
    let n = check_shard_set(&shards)?;
    // The merged metadata is the first given shard's (before sorting), unsharded.
    let mut meta = shards[0].1.clone();
    shards.sort_by_key(|(_, m)| m.shard.map_or(0, |s| s.0));
    let rows = shard_rows(&shards, n, meta.samples)?;
    meta.shard = None;
    meta.range = (0, meta.samples);
    Ok((meta, rows))
}

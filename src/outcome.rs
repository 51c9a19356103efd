//! What the pipeline hands on: the prepared problem ([`Prepared`]) and the solved, checked
//! answer with everything that produced it ([`Outcome`]). Plain data, no behaviour: the
//! decisions ([`crate::decide`]) re-solve from it and the report ([`crate::report`]) renders
//! it, so neither needs the pipeline itself.

use crate::candidates::Candidate;
use crate::check::CheckReport;
use crate::cost::SiteCostRates;
use crate::engine::{SolveOptions, SolveReport};
use crate::latency::LatencyModel;
use crate::model::{SitingProblem, Solution};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Best median RTT available to each city from any candidate, ms.
    pub best_rtt_ms: Vec<Option<f64>>,
    /// Best planning (P95) RTT available to each city from any candidate, ms.
    pub best_rtt_p95_ms: Vec<Option<f64>>,
    /// Median RTT rows of the model's sites (parallel to `in_model`; the problem's `rtt_ms`
    /// holds the statistic the limits apply to).
    pub rtt_p50_ms: Vec<Vec<f64>>,
    /// Planning (P95) RTT rows of the model's sites (parallel to `in_model`).
    pub rtt_p95_ms: Vec<Vec<f64>>,
    /// Shared grid limits (`crate::grid`) tied to the problem's sites.
    pub grid_rows: Vec<crate::grid::GridRow>,
    /// The 24/7 CFE portfolios of the zones the model's sites draw on, by zone id.
    pub portfolios: BTreeMap<String, crate::supply::Portfolio>,
    /// How the portfolios were obtained: computed, reused, or read from the on-disk cache.
    pub supply_cache: crate::supply::CacheUse,
    /// Flexible (training) load in the problem (`crate::flexload`): `None` when every city's
    /// flexible share is 0 (the problem is the flat one).
    pub flex: Option<FlexState>,
}

/// The flexible load of a run: the terms at the chosen headroom ratio, the flexible
/// portfolios, and one note per ratio of the grid.
#[derive(Debug, Clone)]
pub struct FlexState {
    /// The terms at the chosen ratio (the problem the solver saw).
    pub model: crate::flexload::FlexModel,
    /// The flexible portfolios, by (f, H) bits and zone id.
    pub portfolios: crate::flexload::FlexPortfolios,
    /// How they were obtained.
    pub cache: crate::supply::CacheUse,
    /// Every ratio of the headroom grid with the plan's true cost.
    pub grid: Vec<crate::flexload::RatioCost>,
    /// Why flexibility was not priced (e.g. an objective other than least cost), if so.
    pub not_priced: Option<String>,
    /// Warnings on the shares (inference cities with f > 0).
    pub warnings: Vec<String>,
}

/// The solved and checked problem with what produced it: the result of
/// [`crate::pipeline::run`].
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The latency model the RTTs came from (for routes, landings and cables).
    pub latency: LatencyModel,
    /// Candidates, cost rates and the problem the solver saw.
    pub prepared: Prepared,
    /// The solver's solution of `prepared.problem`.
    pub solution: Solution,
    /// The solver's report (status, objective, bound, gap, time).
    pub solve: SolveReport,
    /// The independent checker's report (matrix check and end-to-end check).
    pub check: CheckReport,
    /// The solve options used (decisions re-solve with the same ones).
    pub options: SolveOptions,
    /// When the run's `--time-limit` ends, counted from the start of the pipeline (`None`: no
    /// limit); the decisions stop there.
    pub deadline: Option<std::time::Instant>,
    /// MIP size: variables, constraints, binaries.
    pub size: (usize, usize, usize),
    /// Dominance reduction: (sites kept, open-sites bound), if applied.
    pub dominance: Option<(usize, usize)>,
    /// The promise rows (N−1, separation) the solve generated: the warm start of the margins'
    /// re-solves (empty without such promises).
    pub promise_rows: crate::engine::lazy::PromiseRows,
    /// The Lagrangian multipliers of the solve's last relaxation, indexed by
    /// `prepared.problem` (`None` when the staged solve did not run): with `promise_rows` and
    /// the plan, the warm start of the re-solves ([`crate::engine::warm::Seed`]).
    pub multipliers: Option<crate::engine::lagrange::Multipliers>,
    /// Wall-clock time of each stage so far.
    pub timings: Vec<StageTiming>,
}

impl Outcome {
    /// The warm start this outcome gives a re-solve of its problem: its promise rows,
    /// multipliers and plan ([`crate::engine::warm::Seed`]).
    pub fn seed(&self) -> crate::engine::warm::Seed {
        crate::engine::warm::Seed {
            rows: self.promise_rows.clone(),
            multipliers: self.multipliers.clone(),
            incumbent: Some(self.solution.open.clone()),
        }
    }
}

/// Wall-clock time of one pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTiming {
    /// Stage name.
    pub stage: String,
    /// Seconds.
    pub seconds: f64,
}

/// A stage recorder: each finished stage's time is kept in `timings` (a NaN duration announces
/// a stage that is starting and is not kept), and every call is passed on to `progress`.
pub fn recorder<'a>(
    timings: &'a mut Vec<StageTiming>,
    progress: &'a mut dyn FnMut(&str, f64, &str),
) -> impl FnMut(&str, f64, &str) + 'a {
    move |stage: &str, secs: f64, note: &str| {
        if !secs.is_nan() {
            timings.push(StageTiming {
                stage: stage.to_string(),
                seconds: secs,
            });
        }
        progress(stage, secs, note);
    }
}

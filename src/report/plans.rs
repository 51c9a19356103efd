//! Near-optimal alternatives in the report: the JSON section, its text table and its GeoJSON
//! features (`plan` property), and the per-site margin ("why these sites").

use super::format::aud;
use super::geojson::{props, round_to, FeatureCollectionBuilder};
use super::Report;
use crate::data::LonLat;
use crate::decide::alternatives::{Alternatives, AlternativesParams, Decisions, Plan};
use crate::outcome::Prepared;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt::Write as _;

pub use crate::decide::alternatives::SiteMargin;

/// The near-optimal alternatives of a run (`--alternatives K --within PCT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativesReport {
    /// Plans asked for (K).
    pub requested: usize,
    /// Only plans within this percentage of the optimum qualify.
    pub within_pct: f64,
    /// `(1 + within_pct/100) · optimum`, AUD per year.
    #[serde(rename = "cutoff_aud_per_yr", alias = "cutoff_aud")]
    pub cutoff_aud: f64,
    /// True when the solver proved no further plan lies within the cut-off.
    pub exhausted: bool,
    /// How the list was computed (method and reduction), one sentence.
    pub method: String,
    /// The plans, cheapest first; plan 1 is the optimum.
    pub plans: Vec<PlanReport>,
}

/// One plan of the alternatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// 1 = the optimum, 2 = the next best distinct set of sites, …
    pub plan: usize,
    /// Annual cost, AUD (recomputed by the independent checker).
    #[serde(rename = "cost_aud_per_yr", alias = "cost_aud")]
    pub cost_aud: f64,
    /// Cost above plan 1, AUD per year.
    #[serde(rename = "delta_aud_per_yr", alias = "delta_aud")]
    pub delta_aud: f64,
    /// Cost above plan 1, percent.
    pub delta_pct: f64,
    /// Worst RTT of any MW served, ms.
    pub worst_rtt_ms: Option<f64>,
    /// Open sites (ids, sorted).
    pub sites: Vec<PlanSite>,
    /// Sites this plan opens that plan 1 does not.
    pub added: Vec<String>,
    /// Sites plan 1 opens that this plan does not.
    pub removed: Vec<String>,
}

/// One open site of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSite {
    /// Candidate id.
    pub id: String,
    /// Name.
    pub name: String,
    /// State code.
    pub state: String,
    /// REZ, if any.
    pub zone_id: Option<String>,
    /// Position.
    pub location: LonLat,
    /// IT MW built in this plan.
    pub built_mw: f64,
}

/// Adds the decisions (margins and alternatives) to a report of `prepared`'s problem: each
/// chosen site's margin with its note, and the alternative plans with their sites and their
/// difference from plan 1. `params` are the scenario's `[alternatives]` options.
pub fn attach(
    report: &mut Report,
    prepared: &Prepared,
    decisions: &Decisions,
    params: &AlternativesParams,
) {
    let p = &prepared.problem;
    for (i, m) in &decisions.margins {
        if let Some(site) = report.sites.iter_mut().find(|s| s.id == p.sites[*i].id) {
            site.why.push(m.note.clone());
            site.margin = Some(m.clone());
        }
    }
    if let Some(alts) = &decisions.alternatives {
        report.alternatives = Some(alternatives_report(prepared, alts, params));
    }
}

/// The alternatives' section of the report.
fn alternatives_report(
    prepared: &Prepared,
    alts: &Alternatives,
    params: &AlternativesParams,
) -> AlternativesReport {
    let p = &prepared.problem;
    let first = alts.plans.first().map(|x| x.cost_aud).unwrap_or(0.0);
    let first_ids: Vec<&str> = alts
        .plans
        .first()
        .map(|x| x.open.iter().map(|&i| p.sites[i].id.as_str()).collect())
        .unwrap_or_default();
    let plans: Vec<PlanReport> = alts
        .plans
        .iter()
        .enumerate()
        .map(|(k, plan)| plan_report(prepared, k, plan, first, &first_ids))
        .collect();
    let method = format!(
        "exact: Lawler–Murty partitioning of the plans (each branch forces sites open or closed, or one more site open, and is solved by the staged engine), cost cut-off at {}; {}",
        aud(alts.cutoff_aud),
        match alts.dominance_threshold {
            Some(t) => format!(
                "enumerated over {} of {} sites, those with fewer than {t} dominators (m + K − 1: a reduction exact for the K best plans, see src/decide/alternatives.rs)",
                alts.sites_enumerated,
                p.sites.len()
            ),
            None => format!("enumerated over all {} sites (no reduction)", p.sites.len()),
        }
    ) + &alts.note.as_ref().map_or(String::new(), |n| format!("; {n}"));
    AlternativesReport {
        requested: params.count,
        within_pct: params.within_pct,
        cutoff_aud: alts.cutoff_aud,
        exhausted: alts.exhausted,
        method,
        plans,
    }
}

/// Plan `k` (0-based) of the alternatives, against plan 1's cost `first` and sites.
fn plan_report(
    prepared: &Prepared,
    k: usize,
    plan: &Plan,
    first: f64,
    first_ids: &[&str],
) -> PlanReport {
    let p = &prepared.problem;
    let ids: Vec<&str> = plan.open.iter().map(|&i| p.sites[i].id.as_str()).collect();
    let mut sites: Vec<PlanSite> = plan
        .open
        .iter()
        .map(|&i| {
            let c = &prepared.candidates[prepared.in_model[i]];
            PlanSite {
                id: c.id.clone(),
                name: c.name.clone(),
                state: c.state.clone(),
                zone_id: c.zone_id.clone(),
                location: c.location,
                built_mw: plan.solution.capacity_mw[i],
            }
        })
        .collect();
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    let mut added: Vec<String> = ids
        .iter()
        .filter(|x| !first_ids.contains(x))
        .map(|x| x.to_string())
        .collect();
    let mut removed: Vec<String> = first_ids
        .iter()
        .filter(|x| !ids.contains(x))
        .map(|x| x.to_string())
        .collect();
    added.sort();
    removed.sort();
    PlanReport {
        plan: k + 1,
        cost_aud: plan.cost_aud,
        delta_aud: plan.cost_aud - first,
        delta_pct: 100.0 * (plan.cost_aud - first) / first.abs().max(1e-9),
        worst_rtt_ms: plan.worst_rtt_ms,
        sites,
        added,
        removed,
    }
}

/// The text section "NEAR-OPTIMAL ALTERNATIVES" (empty when there are none).
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    let Some(a) = &r.alternatives else {
        return s;
    };
    let _ = writeln!(
        s,
        "NEAR-OPTIMAL ALTERNATIVES ({} of {} asked, within {} % of the optimum{})",
        a.plans.len(),
        a.requested,
        a.within_pct,
        if a.exhausted {
            "; no other plan qualifies"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "plan      cost/yr    above best  worst ms  sites (+ added / − removed against plan 1)"
    );
    for p in &a.plans {
        let sites = if p.plan == 1 {
            p.sites
                .iter()
                .map(|x| format!("{} {:.0} MW", x.id, x.built_mw))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            let mut v: Vec<String> = p.added.iter().map(|x| format!("+{x}")).collect();
            v.extend(p.removed.iter().map(|x| format!("−{x}")));
            v.join(" ")
        };
        let _ = writeln!(
            s,
            "{:>4}  {:>11}  {:>12}  {:>8}  {}",
            p.plan,
            aud(p.cost_aud),
            if p.plan == 1 {
                "-".to_string()
            } else {
                format!("+{:.2} %", p.delta_pct)
            },
            p.worst_rtt_ms
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "-".into()),
            sites
        );
    }
    let _ = writeln!(s, "  {}", a.method);
    let _ = writeln!(s);
    s
}

/// Adds one Point feature per open site of every alternative plan (plan ≥ 2), with a `plan`
/// property; the chosen sites' own features carry `plan = 1`.
pub fn add_features(fc: &mut FeatureCollectionBuilder, r: &Report) {
    let Some(a) = &r.alternatives else {
        return;
    };
    for p in a.plans.iter().filter(|p| p.plan > 1) {
        for site in &p.sites {
            fc.point(
                site.location,
                props([
                    ("layer", json!("alternative-site")),
                    ("plan", json!(p.plan)),
                    ("id", json!(site.id)),
                    ("name", json!(site.name)),
                    ("state", json!(site.state)),
                    ("zone_id", json!(site.zone_id)),
                    ("built_mw", json!(round_to(site.built_mw, 3))),
                    ("plan_cost_aud_per_yr", json!(round_to(p.cost_aud, 0))),
                    ("plan_delta_pct", json!(round_to(p.delta_pct, 4))),
                    (
                        "plan_worst_rtt_ms",
                        json!(p.worst_rtt_ms.map(|v| round_to(v, 3))),
                    ),
                    ("marker-color", json!("#868e96")),
                    ("marker-size", json!("small")),
                    ("title", json!(format!("plan {}: {}", p.plan, site.name))),
                    (
                        "description",
                        json!(format!(
                            "alternative plan {} costs {} (+{:.2} % above the best)",
                            p.plan,
                            aud(p.cost_aud),
                            p.delta_pct
                        )),
                    ),
                ]),
            );
        }
    }
}

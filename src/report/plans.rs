//! Near-optimal alternatives in the report: the JSON section, its text table and its GeoJSON
//! features (`plan` property), and the per-site margin ("why these sites").

use super::geojson::{props, round_to, FeatureCollectionBuilder};
use super::text::aud;
use super::Report;
use crate::data::LonLat;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt::Write as _;

pub use crate::alternatives::SiteMargin;

/// The near-optimal alternatives of a run (`--alternatives K --within PCT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlternativesReport {
    /// Plans asked for (K).
    pub requested: usize,
    /// Only plans within this percentage of the optimum qualify.
    pub within_pct: f64,
    /// `(1 + within_pct/100) · optimum`, AUD per year.
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
    pub cost_aud: f64,
    /// Cost above plan 1, AUD per year.
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
                    ("plan_cost_aud", json!(round_to(p.cost_aud, 0))),
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

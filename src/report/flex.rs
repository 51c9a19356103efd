//! The report's flexible-load section (docs/energy.md, "Flexible load in the siting model"):
//! per site serving flexible (training) load, f, the chosen headroom H, the energy saving
//! against the flat load, the extra capacity's cost and the break-even server capex; the
//! headroom grid's plan costs, and why flexibility was declined when it was.

use super::format::aud;
use super::Report;
use crate::flexload::RatioCost;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A flexible city: its share, headroom and the peak the model builds for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlexCity {
    /// City id.
    pub id: String,
    /// Flexible share f.
    pub flexible_share: f64,
    /// Headroom H, MW per MW of average load.
    pub headroom_mw: f64,
    /// Average IT load, MW (the demand file's `it_load_mw`).
    pub average_mw: f64,
    /// Peak the model builds capacity for, d (1 + H), MW.
    pub peak_mw: f64,
}

/// One site serving flexible load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlexSite {
    /// Site id.
    pub site: String,
    /// Average flexible IT load served, MW.
    pub average_mw: f64,
    /// Flexible share f (weighted by average load).
    pub flexible_share: f64,
    /// Headroom H, MW per MW of average load (weighted).
    pub headroom_mw: f64,
    /// Energy saving against serving the same load flat, AUD per year.
    pub energy_saving_aud_per_yr: f64,
    /// Cost of the extra capacity (H × average MW at the headroom's capex and grid connection
    /// per MW), AUD per year.
    pub extra_capacity_aud_per_yr: f64,
    /// Server capex per MW-year of headroom below which the headroom pays (at the chosen H,
    /// or at H = f when declined); `None` when flexibility saves nothing here.
    pub break_even_server_capex_aud_per_mw_yr: Option<f64>,
}

/// The flexible-load section (only when a city has f > 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlexReport {
    /// Chosen H / f (0: declined, every city served flat).
    pub headroom_ratio: f64,
    /// The headroom's capex: the explicit server capex, AUD per MW per year, or `null` for
    /// each site's own capex per MW.
    pub server_capex_aud_per_mw_yr: Option<f64>,
    /// The flexible cities.
    pub cities: Vec<FlexCity>,
    /// The sites serving flexible load.
    pub sites: Vec<FlexSite>,
    /// The headroom grid: each ratio's plan cost.
    pub grid: Vec<RatioCost>,
    /// Total energy saving, AUD per year.
    pub energy_saving_aud_per_yr: f64,
    /// Total extra capacity cost, AUD per year.
    pub extra_capacity_aud_per_yr: f64,
    /// What the plan saves against the best flat plan, AUD per year (≥ 0).
    pub saving_vs_flat_aud_per_yr: f64,
    /// Why flexibility is not used, when it is not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub declined: Option<String>,
    /// Warnings on the shares (inference cities with f > 0).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
}

/// The section from a solved run: the prepared problem, the demand and the solution (`None`
/// when no city is flexible).
pub fn build(
    prep: &crate::outcome::Prepared,
    demand: &crate::data::Demand,
    sol: &crate::model::Solution,
) -> Option<FlexReport> {
    let fx = prep.flex.as_ref()?;
    let m = &fx.model;
    let cities = demand
        .nodes
        .iter()
        .enumerate()
        .filter(|(j, _)| m.flexible(*j))
        .map(|(j, n)| FlexCity {
            id: n.id.clone(),
            flexible_share: m.shares[j],
            headroom_mw: m.headroom_mw[j],
            average_mw: m.average_mw[j],
            peak_mw: m.average_mw[j] * (1.0 + m.headroom_mw[j]),
        })
        .collect();
    let rows = crate::flexload::site_rows(m, &prep.rates, sol);
    let sites: Vec<FlexSite> = rows
        .iter()
        .map(|r| FlexSite {
            site: prep.candidates[prep.in_model[r.site]].id.clone(),
            average_mw: r.average_mw,
            flexible_share: r.flexible_share,
            headroom_mw: r.headroom_mw,
            energy_saving_aud_per_yr: r.energy_saving_aud_per_yr,
            extra_capacity_aud_per_yr: r.extra_capacity_aud_per_yr,
            break_even_server_capex_aud_per_mw_yr: r.break_even_server_capex_aud_per_mw_yr,
        })
        .collect();
    let flat = fx.grid.first().and_then(|g| g.cost_aud_per_yr);
    let chosen = fx
        .grid
        .iter()
        .find(|g| g.ratio == m.ratio)
        .and_then(|g| g.cost_aud_per_yr);
    let saving = match (flat, chosen) {
        (Some(a), Some(b)) => (a - b).max(0.0),
        _ => 0.0,
    };
    let declined = fx.not_priced.clone().or_else(|| {
        (m.ratio == 0.0).then(|| declined_reason(&fx.grid, m.server_capex_aud_per_mw_yr))
    });
    Some(FlexReport {
        headroom_ratio: m.ratio,
        server_capex_aud_per_mw_yr: m.server_capex_aud_per_mw_yr,
        cities,
        energy_saving_aud_per_yr: sites.iter().map(|x| x.energy_saving_aud_per_yr).sum(),
        extra_capacity_aud_per_yr: sites.iter().map(|x| x.extra_capacity_aud_per_yr).sum(),
        sites,
        grid: fx.grid.clone(),
        saving_vs_flat_aud_per_yr: saving,
        declined,
        warnings: fx.warnings.clone(),
    })
}

/// Why the flat plan won: how much more each headroom ratio's plan costs.
fn declined_reason(grid: &[RatioCost], a_h: Option<f64>) -> String {
    let flat = grid.first().and_then(|g| g.cost_aud_per_yr).unwrap_or(0.0);
    let more: Vec<String> = grid
        .iter()
        .skip(1)
        .map(|g| match g.cost_aud_per_yr {
            Some(c) => format!("H/f = {}: {} more", g.ratio, aud(c - flat)),
            None => format!("H/f = {}: no plan", g.ratio),
        })
        .collect();
    let capex = match a_h {
        Some(a) => format!("a server capex of {}/MW-yr", aud(a)),
        None => "each site's own capex per MW".to_string(),
    };
    format!(
        "the spare capacity at {capex} costs more than the energy it saves ({}); see the break-even server capex per site",
        more.join(", ")
    )
}

/// Rounds the section for output: money to A$1, MW to 3 decimals, shares to 6.
pub fn round(r: &mut Report) {
    let rd = |x: &mut f64, d: i32| {
        if x.is_finite() {
            let f = 10f64.powi(d);
            *x = (*x * f).round() / f + 0.0;
        }
    };
    let Some(f) = &mut r.flexibility else {
        return;
    };
    rd(&mut f.energy_saving_aud_per_yr, 0);
    rd(&mut f.extra_capacity_aud_per_yr, 0);
    rd(&mut f.saving_vs_flat_aud_per_yr, 0);
    for g in &mut f.grid {
        if let Some(c) = &mut g.cost_aud_per_yr {
            rd(c, 0);
        }
    }
    for c in &mut f.cities {
        rd(&mut c.headroom_mw, 6);
        rd(&mut c.average_mw, 3);
        rd(&mut c.peak_mw, 3);
    }
    for s in &mut f.sites {
        rd(&mut s.average_mw, 3);
        rd(&mut s.flexible_share, 6);
        rd(&mut s.headroom_mw, 6);
        rd(&mut s.energy_saving_aud_per_yr, 0);
        rd(&mut s.extra_capacity_aud_per_yr, 0);
        if let Some(b) = &mut s.break_even_server_capex_aud_per_mw_yr {
            rd(b, 0);
        }
    }
}

/// "FLEXIBLE LOAD": the cities, one line per site, the totals and the grid (empty without a
/// flexible city). Lines stay within 120 columns.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    let Some(f) = &r.flexibility else {
        return s;
    };
    let capex = match f.server_capex_aud_per_mw_yr {
        Some(a) => format!("headroom priced at {}/MW-yr", aud(a)),
        None => "headroom priced at each site's capex per MW".to_string(),
    };
    let _ = writeln!(
        s,
        "FLEXIBLE LOAD (training load moves within each day; capacity built for the peak 1 + H; {capex})"
    );
    for c in &f.cities {
        let _ = writeln!(
            s,
            "  {}: f {:.2}, H {:.2} → peak {:.1} MW for {:.1} MW average",
            c.id, c.flexible_share, c.headroom_mw, c.peak_mw, c.average_mw
        );
    }
    let _ = writeln!(
        s,
        "  {:<36} {:>8} {:>5} {:>5} {:>14} {:>14} {:>16}",
        "site", "avg MW", "f", "H", "energy saved", "extra capacity", "break-even/MW-yr"
    );
    for x in &f.sites {
        let be = x
            .break_even_server_capex_aud_per_mw_yr
            .map_or_else(|| "-".to_string(), aud);
        let _ = writeln!(
            s,
            "  {:<36} {:>8.1} {:>5.2} {:>5.2} {:>14} {:>14} {:>16}",
            cut(&x.site, 36),
            x.average_mw,
            x.flexible_share,
            x.headroom_mw,
            aud(x.energy_saving_aud_per_yr),
            aud(x.extra_capacity_aud_per_yr),
            be
        );
    }
    let grid: Vec<String> = f
        .grid
        .iter()
        .map(|g| match g.cost_aud_per_yr {
            Some(c) => format!("H/f {} → {}", g.ratio, aud(c)),
            None => format!("H/f {} → no plan", g.ratio),
        })
        .collect();
    let _ = writeln!(
        s,
        "  total: energy saved {}/yr, extra capacity {}/yr, plan {}/yr cheaper than flat; plans: {}",
        aud(f.energy_saving_aud_per_yr),
        aud(f.extra_capacity_aud_per_yr),
        aud(f.saving_vs_flat_aud_per_yr),
        grid.join(", ")
    );
    if let Some(d) = &f.declined {
        let _ = writeln!(s, "  declined: {d}");
    }
    for w in &f.warnings {
        let _ = writeln!(s, "  warning: {w}");
    }
    s.push('\n');
    s
}

/// `s` cut to `n` characters (the last one an ellipsis when cut).
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}

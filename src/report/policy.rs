//! The policy sections of the report (docs/policy.md): critical-mineral co-location (the share
//! achieved, the sites and deposits that make it, its cost) and the price of each promise.

use super::format::aud;
use super::Report;
use crate::decide::policy::PolicyPrice;
use crate::minerals::MineralShare;
use std::fmt::Write as _;

/// Rounds the policy sections for output: money to A$1, MW and km to 3 decimals, shares and
/// percentages to 6.
pub fn round(r: &mut Report) {
    let rd = |x: &mut f64, d: i32| {
        if x.is_finite() {
            let f = 10f64.powi(d);
            *x = (*x * f).round() / f + 0.0;
        }
    };
    let rdo = |x: &mut Option<f64>, d: i32| {
        if let Some(v) = x {
            rd(v, d);
        }
    };
    if let Some(m) = &mut r.minerals {
        rd(&mut m.built_mw, 3);
        rd(&mut m.co_located_mw, 3);
        rd(&mut m.share_achieved, 6);
        rdo(&mut m.cost_without_rule_aud_per_yr, 0);
        rdo(&mut m.delta_aud_per_yr, 0);
        for s in &mut m.sites {
            rd(&mut s.built_mw, 3);
            s.deposits.iter_mut().for_each(|d| rd(&mut d.2, 3));
        }
    }
    for p in r.policy_prices.iter_mut().flatten() {
        rdo(&mut p.objective_without_aud_per_yr, 0);
        rdo(&mut p.delta_aud_per_yr, 0);
        rdo(&mut p.delta_pct, 6);
    }
}

/// The text sections (empty when the report has neither).
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    if let Some(m) = &r.minerals {
        write_minerals(&mut s, m);
    }
    if let Some(prices) = &r.policy_prices {
        write_prices(&mut s, prices, r.check.objective_recomputed);
    }
    s
}

/// "CRITICAL-MINERAL CO-LOCATION": share achieved against the rule, each co-located site with
/// its nearest deposits, and the rule's cost.
fn write_minerals(s: &mut String, m: &MineralShare) {
    let _ = writeln!(
        s,
        "CRITICAL-MINERAL CO-LOCATION (≥ {:.0} % of built MW within {} km of a matching critical-mineral site)",
        100.0 * m.min_share,
        m.radius_km
    );
    let _ = writeln!(
        s,
        "  achieved {:.1} %: {:.0} of {:.0} MW at {} site(s) in range",
        100.0 * m.share_achieved,
        m.co_located_mw,
        m.built_mw,
        m.sites.len()
    );
    for site in &m.sites {
        let near: Vec<String> = site
            .deposits
            .iter()
            .take(3)
            .map(|(_, name, km)| format!("{name} ({km:.0} km)"))
            .collect();
        let more = site.deposits.len().saturating_sub(3);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "  {:<30} {:>6.0} MW  near {}{more}",
            site.site,
            site.built_mw,
            near.join(", ")
        );
    }
    match (m.cost_without_rule_aud_per_yr, m.delta_aud_per_yr) {
        (Some(w), Some(d)) => {
            let _ = writeln!(
                s,
                "  the best plan without the rule costs {}/yr: the rule costs {}/yr\n",
                aud(w),
                aud(d)
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "  the cost of the plan without the rule was not computed\n"
            );
        }
    }
}

/// "POLICY PRICES": one line per promise, then its note.
fn write_prices(s: &mut String, prices: &[PolicyPrice], optimum: f64) {
    let _ = writeln!(
        s,
        "POLICY PRICES (each promise: the best plan without it, or relaxed one step; base plan {}/yr)",
        aud(optimum)
    );
    if prices.is_empty() {
        let _ = writeln!(s, "  no promise in force to price\n");
        return;
    }
    let _ = writeln!(
        s,
        "  {:<22} {:>14} {:>14} {:>9}  setting",
        "promise", "without /yr", "price /yr", "price %"
    );
    for p in prices {
        let money = |x: Option<f64>| x.map_or("-".to_string(), aud);
        let pct = p.delta_pct.map_or("-".to_string(), |v| format!("{v:.3}"));
        let row = format!(
            "  {:<22} {:>14} {:>14} {:>9}",
            p.promise,
            money(p.objective_without_aud_per_yr),
            money(p.delta_aud_per_yr),
            pct,
        );
        // Within 120 columns: a long setting goes on its own line under the column.
        if row.chars().count() + 2 + p.setting.chars().count() <= 120 {
            let _ = writeln!(s, "{row}  {}", p.setting);
        } else {
            let _ = writeln!(s, "{row}\n  {:<22} setting: {}", "", p.setting);
        }
        let _ = writeln!(s, "  {:<22} {}: {}", "", p.status, p.note);
    }
    let _ = writeln!(s);
}

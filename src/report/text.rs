//! The terminal report: chosen sites, cities, cost totals, the solver line and "why these
//! sites".

use super::{CityReport, Report, SiteReport};
use std::fmt::Write as _;

pub use super::format::aud;

fn opt_ms(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "-".into())
}

/// The widest line of the text report, in characters: longer lines are wrapped at spaces
/// ([`wrap`]).
pub const MAX_COLUMNS: usize = 120;

/// Renders the report as plain text for a terminal (deterministic; no timings), one section
/// after another: title, chosen sites, supply per zone, cities, zones, grid limits, cost,
/// "why these sites", the plans, and the solver and checker lines; money in words people read
/// (`A$2.67 B`; the JSON keeps exact numbers) and every line within [`MAX_COLUMNS`].
pub fn render(r: &Report) -> String {
    wrap(&render_sections(r), MAX_COLUMNS)
}

/// Every line of `text` within `width` characters: a longer line is broken at spaces, its
/// continuation lines indented 4 more than the line itself (a word longer than the width is
/// cut, so no line ever exceeds it).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        if body.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.chars().take_while(|c| *c == ' ').count();
        let cont = " ".repeat((indent + 4).min(width / 2));
        let mut cur = " ".repeat(indent);
        let mut cur_len = indent;
        let mut fresh = true;
        for word in body.split(' ').filter(|w| !w.is_empty()) {
            let n = word.chars().count();
            if !fresh && cur_len + 1 + n > width {
                out.push_str(cur.trim_end());
                out.push('\n');
                cur = cont.clone();
                cur_len = cont.len();
                fresh = true;
            }
            if !fresh {
                cur.push(' ');
                cur_len += 1;
            }
            // A word wider than the line is cut into pieces that fit.
            let mut chars: Vec<char> = word.chars().collect();
            while cur_len + chars.len() > width {
                let take = width.saturating_sub(cur_len).max(1);
                let rest = chars.split_off(take.min(chars.len()));
                cur.extend(chars);
                out.push_str(&cur);
                out.push('\n');
                cur = cont.clone();
                cur_len = cont.len();
                chars = rest;
            }
            cur_len += chars.len();
            cur.extend(chars);
            fresh = false;
        }
        out.push_str(cur.trim_end());
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The sections, before wrapping.
fn render_sections(r: &Report) -> String {
    let mut s = String::new();
    write_title(&mut s, r);
    write_sites(&mut s, r);
    write_supply_zones(&mut s, r);
    write_cities(&mut s, r);
    write_zones(&mut s, r);
    write_grid_limits(&mut s, r);
    write_cost(&mut s, r);
    write_why(&mut s, r);
    s.push_str(&super::plans::render_text(r));
    s.push_str(&super::resilience::render_text(r));
    s.push_str(&super::policy::render_text(r));
    s.push_str(&super::flex::render_text(r));
    write_solver(&mut s, r);
    s
}

/// The title: version, sites chosen, MW of demand and the objective; dataset and demand.
fn write_title(s: &mut String, r: &Report) {
    let _ = writeln!(
        s,
        "sitefind {} — {} site{} chosen for {:.0} MW of Japanese demand ({})",
        r.sitefind_version,
        r.totals.sites,
        if r.totals.sites == 1 { "" } else { "s" },
        r.totals.demand_mw,
        match r.objective {
            crate::scenario::Objective::MinCost => "objective: least annual cost",
            crate::scenario::Objective::MinWorstRtt => "objective: least worst RTT",
            crate::scenario::Objective::MaxCoverage => "objective: most demand served",
        }
    );
    let _ = writeln!(s, "dataset: {}   demand: {}", r.dataset, r.demand_source);
    if let Some(a) = &r.demand_assumption {
        let _ = writeln!(s, "demand sizing: {a}");
    }
    let _ = writeln!(s);
}

/// CHOSEN SITES: one row per site with its RTT to each city, then its detail lines.
fn write_sites(s: &mut String, r: &Report) {
    let city_ids: Vec<&str> = r.cities.iter().map(|c| c.id.as_str()).collect();
    let _ = writeln!(
        s,
        "CHOSEN SITES (each with its substation, landing, supply and RTT to each city: median / P95 ms)"
    );
    let _ = writeln!(
        s,
        "{:<40} {:<5} {:<5} {:>7} {:>11} {:>11}",
        "site", "state", "REZ", "MW", "cost/yr", "cost/MW/yr"
    );
    for site in &r.sites {
        write_site_row(s, site, &city_ids);
        write_site_details(s, site);
    }
    let _ = writeln!(s);
}

/// A site's row (name, state, REZ, MW, costs), its substation and its RTT to each of
/// `city_ids` (median / P95 ms; `-` where it serves none of the city).
fn write_site_row(s: &mut String, site: &SiteReport, city_ids: &[&str]) {
    let name = truncate(&format!("{} {}", site.id, site.name), 40);
    let _ = writeln!(
        s,
        "{:<40} {:<5} {:<5} {:>7.0} {:>11} {:>11}",
        name,
        site.state,
        site.zone_id.as_deref().unwrap_or("-"),
        site.built_mw,
        aud(site.annual_cost_aud_per_yr),
        aud(site.cost_per_mw_aud_per_yr),
    );
    let rtts: Vec<String> = city_ids
        .iter()
        .map(|c| {
            let rtt = site
                .serves
                .iter()
                .find(|a| a.city_id == *c)
                .map(|a| format!("{:.1}/{:.1}", a.rtt_ms, a.rtt_p95_ms));
            format!("{c} {}", rtt.unwrap_or_else(|| "-".into()))
        })
        .collect();
    let _ = writeln!(
        s,
        "    substation {} ({:.0} km, {:.0} kV) · RTT ms {}",
        site.substation.name,
        site.substation.km,
        site.substation_kv,
        rtts.join(" · ")
    );
}

/// A site's detail lines: minerals, landing, PUE, energy price, and its 24/7 supply.
fn write_site_details(s: &mut String, site: &SiteReport) {
    let minerals = match &site.nearest_mineral {
        Some(m) => format!(
            "{} critical-mineral site(s) within radius, nearest {} ({:.0} km)",
            site.minerals_within, m.name, m.km
        ),
        None => "no critical-mineral site nearby".to_string(),
    };
    let _ = writeln!(
        s,
        "    {} · landing {} ({:.0} km) · PUE {:.2} · energy A${:.0}/MWh",
        minerals, site.landing.name, site.landing.km, site.pue, site.energy_price_aud_per_mwh
    );
    if let Some(sp) = &site.supply {
        let p = &sp.per_mw_load;
        let basis = match p.basis.as_str() {
            "zone" => format!("REZ {}", p.zone_id.as_deref().unwrap_or("-")),
            "region-cheapest" => format!(
                "REZ {} (its region's cheapest; site outside any REZ)",
                p.zone_id.as_deref().unwrap_or("-")
            ),
            "regional" => regional_basis(p),
            _ => "grid only (no portfolio in its region)".to_string(),
        };
        let _ = writeln!(
            s,
            "    24/7 supply from {basis}: {:.0} MW solar + {:.0} MW wind + {:.0} MW / {:.0} MWh battery for {:.0} MW of load · CFE {:.2} · A${:.1}/MWh",
            sp.solar_mw,
            sp.wind_mw,
            sp.battery_mw,
            sp.battery_mwh,
            sp.load_mw,
            p.cfe,
            p.price_aud_per_mwh()
        );
    }
}

/// `regional NSW1 (N3 41 %, N2 33 %, N9 26 % of its solar + wind MW)`: a regional supply's
/// region and zones, largest first (ties by id).
fn regional_basis(p: &crate::cost::SiteSupply) -> String {
    let region = p.zone_id.as_deref().unwrap_or("-");
    let region = region.strip_prefix("regional:").unwrap_or(region);
    let total: f64 = p
        .draws
        .iter()
        .map(|d| d.solar_mw_per_mw_load + d.wind_mw_per_mw_load)
        .sum();
    let mut shares: Vec<(f64, &str)> = p
        .draws
        .iter()
        .map(|d| {
            let mw = d.solar_mw_per_mw_load + d.wind_mw_per_mw_load;
            (mw / total.max(1e-12), d.zone_id.as_str())
        })
        .filter(|(f, _)| *f >= 0.005)
        .collect();
    shares.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let list: Vec<String> = shares
        .iter()
        .map(|(f, z)| format!("{z} {:.0} %", f * 100.0))
        .collect();
    format!(
        "regional {region} ({} of its solar + wind MW)",
        list.join(", ")
    )
}

/// 24/7 SUPPLY PER ZONE (when any): the portfolio per MW of flat load.
fn write_supply_zones(s: &mut String, r: &Report) {
    if r.supply_zones.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "24/7 SUPPLY PER ZONE (per MW of flat load, CFE target {:.2})",
        r.parameters.supply.cfe_target
    );
    for p in &r.supply_zones {
        let _ = writeln!(
            s,
            "{:<5} solar {:.2} MW · wind {:.2} MW · battery {:.2} MW / {:.2} MWh · CFE {:.3} · curtailed {:.0} % · A${:.2}/MWh · {}",
            p.zone_id,
            p.solar_mw,
            p.wind_mw,
            p.battery_mw,
            p.battery_mwh,
            p.cfe,
            100.0 * p.curtailment_share,
            p.cost_aud_per_mwh,
            p.source_summary()
        );
    }
    let _ = writeln!(s);
}

/// CITIES: one row per city (demand, served, limit, RTTs), then the sites serving it.
fn write_cities(s: &mut String, r: &Report) {
    let _ = writeln!(s, "CITIES");
    let _ = writeln!(
        s,
        "{:<12} {:<9} {:>8} {:>8} {:>9} {:>11} {:>9} {:>9} {:>9}",
        "city",
        "workload",
        "demand",
        "served",
        "unserved",
        "limit",
        "weighted",
        "worst",
        "worst P95"
    );
    let _ = writeln!(
        s,
        "{:>14} served by (MW, median / P95 RTT ms) via cable path",
        "←"
    );
    for c in &r.cities {
        write_city_row(s, c);
        write_city_routes(s, c);
    }
    let _ = writeln!(s);
}

/// A city's row, flagged when part of its demand is unserved.
fn write_city_row(s: &mut String, c: &CityReport) {
    let flag = if c.unserved_mw > 1e-6 {
        "  <-- UNSERVED"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "{:<12} {:<9} {:>8.0} {:>8.0} {:>9.0} {:>11} {:>9} {:>9} {:>9}{}",
        truncate(&c.name, 12),
        c.workload.to_string(),
        c.demand_mw,
        c.served_mw,
        c.unserved_mw,
        format!(
            "{:.0} ({})",
            c.max_rtt_ms,
            if c.limit_statistic.is_empty() {
                "p50"
            } else {
                c.limit_statistic.as_str()
            }
        ),
        opt_ms(c.weighted_rtt_ms),
        opt_ms(c.worst_rtt_ms),
        opt_ms(c.worst_rtt_p95_ms),
        flag
    );
}

/// The sites serving a city, each with its cable path, then the cables used and whether the
/// city survives the loss of any one cable system.
fn write_city_routes(s: &mut String, c: &CityReport) {
    for a in &c.served_by {
        let _ = writeln!(
            s,
            "{:>14} {} {:.0} MW, {:.1} / {:.1} ms via {}{}",
            "←",
            a.site_id,
            a.mw,
            a.rtt_ms,
            a.rtt_p95_ms,
            if a.cables.is_empty() {
                "terrestrial fibre".to_string()
            } else {
                a.cables.join(" → ")
            },
            if a.jurisdictions.is_empty() {
                String::new()
            } else {
                format!(" (through {})", a.jurisdictions.join(" → "))
            }
        );
    }
    if c.served_by.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "{:>14} cables used: {}; {}",
        "",
        if c.cables_used.is_empty() {
            "none".to_string()
        } else {
            c.cables_used.join(", ")
        },
        if c.depends_on_cables.is_empty() {
            "survives the loss of any single cable system".to_string()
        } else {
            format!(
                "depends on {} (losing it leaves no open site within the limit)",
                c.depends_on_cables.join(", ")
            )
        }
    );
    if let Some(slack) = c.slack_ms {
        let edge = if c.fail_at_plus_5pct.is_empty() {
            "no serving site breaks it at +5 % RTT".to_string()
        } else {
            format!(
                "at +5 % RTT {} would break it",
                c.fail_at_plus_5pct.join(", ")
            )
        };
        let _ = writeln!(
            s,
            "{:>14} slack {slack:.1} ms to the {:.0} ms limit ({}); {edge}",
            "", c.max_rtt_ms, c.limit_statistic
        );
    }
}

/// RENEWABLE-ENERGY ZONES USED (when any): load, limit, expansion, binding.
fn write_zones(s: &mut String, r: &Report) {
    if r.zones.is_empty() {
        return;
    }
    let _ = writeln!(s, "RENEWABLE-ENERGY ZONES USED");
    for z in &r.zones {
        let limit = z
            .limit_mw
            .map(|l| format!("{l:.0} MW"))
            .unwrap_or_else(|| "not limited at REZ level".into());
        let limit = if z.groups.is_empty() {
            limit
        } else {
            format!("{limit}; in {}", z.groups.join(", "))
        };
        let _ = writeln!(
            s,
            "{:<5} {:<24} load {:>6.0} MW (IT × PUE) · limit {} · expansion {:.0} MW ({}/yr){}",
            z.id,
            truncate(&z.name, 24),
            z.load_mw,
            limit,
            z.expansion_mw,
            aud(z.expansion_aud_per_yr),
            if z.binding { " · BINDING" } else { "" }
        );
    }
    let _ = writeln!(s);
}

/// GRID LIMITS USED (when any): load against limit, binding or exceeded, and which bind
/// while demand is unserved.
fn write_grid_limits(s: &mut String, r: &Report) {
    if r.grid_limits.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "GRID LIMITS USED (AEMO group constraints, sub-regional flow paths, regional size, zone resource)"
    );
    for g in &r.grid_limits {
        let state = if g.load_mw > g.limit_mw + 1e-6 * g.limit_mw.max(1.0) {
            " · EXCEEDED"
        } else if g.binding {
            " · BINDING"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "{:<16} {:<22} {:<40} load {:>6.0} MW of {:>6.0} MW{}{}",
            g.id,
            g.kind,
            truncate(&g.name, 40),
            g.load_mw,
            g.limit_mw,
            if g.estimate { " (estimate)" } else { "" },
            state
        );
    }
    let binding: Vec<&str> = r
        .grid_limits
        .iter()
        .filter(|g| g.binding)
        .map(|g| g.id.as_str())
        .collect();
    if r.totals.unserved_mw > 1e-6 && !binding.is_empty() {
        let _ = writeln!(
            s,
            "  {:.0} MW of demand is UNSERVED while these grid limits bind: {} (each limit's source: --format json, grid_limits[].description)",
            r.totals.unserved_mw,
            binding.join(", ")
        );
    }
    let _ = writeln!(s);
}

/// ANNUAL COST BY COMPONENT: each part with its share, the total, the unserved penalty,
/// and MW built and served.
fn write_cost(s: &mut String, r: &Report) {
    let t = &r.totals;
    let _ = writeln!(s, "ANNUAL COST BY COMPONENT");
    for (name, v) in t.cost.parts() {
        let share = if t.cost.total_aud_per_yr > 0.0 {
            100.0 * v / t.cost.total_aud_per_yr
        } else {
            0.0
        };
        let _ = writeln!(s, "  {:<16} {:>14}  {:>5.1} %", name, aud(v), share);
    }
    let _ = writeln!(s, "  {:<16} {:>14}", "total", aud(t.cost.total_aud_per_yr));
    if t.unserved_penalty_aud_per_yr > 0.0 {
        let _ = writeln!(
            s,
            "  {:<16} {:>14}  (penalty, not a real cost)",
            "unserved",
            aud(t.unserved_penalty_aud_per_yr)
        );
    }
    let _ = writeln!(
        s,
        "  built {:.0} MW at {} sites · served {:.0} of {:.0} MW{}",
        t.built_mw,
        t.sites,
        t.served_mw,
        t.demand_mw,
        t.cost_per_mw_served_aud_per_yr
            .map(|v| format!(" · {} per MW served per year", aud(v)))
            .unwrap_or_default()
    );
    let _ = writeln!(s);
}

/// WHY THESE SITES (when any site is chosen): each site's reasons.
fn write_why(s: &mut String, r: &Report) {
    if r.sites.is_empty() {
        return;
    }
    let _ = writeln!(s, "WHY THESE SITES");
    for site in &r.sites {
        let _ = writeln!(s, "  {} ({}):", site.id, site.name);
        for w in &site.why {
            let _ = writeln!(s, "    - {w}");
        }
    }
    let _ = writeln!(s);
}

/// The solver line (backend, status, objective, bound, gap, model size) and the checker's
/// verdict with every violation.
fn write_solver(s: &mut String, r: &Report) {
    let v = &r.solver;
    let _ = writeln!(
        s,
        "solver: {} · status {} · objective {} · bound {} · gap {} · {} variables ({} binary), {} constraints · {} of {} candidates reach a city, {} after exact dominance reduction",
        v.backend,
        v.status,
        aud(v.objective),
        v.best_bound.map(aud).unwrap_or_else(|| "n/a".into()),
        v.gap.map(|g| format!("{:.4} %", 100.0 * g)).unwrap_or_else(|| "n/a".into()),
        r.model.variables,
        r.model.binaries,
        r.model.constraints,
        r.model.candidates_in_model,
        r.model.candidates,
        r.model.sites_after_dominance
    );
    let _ = writeln!(
        s,
        "check: {} · max violation {} · objective recomputed {}",
        if r.check.feasible {
            "feasible"
        } else {
            "INFEASIBLE"
        },
        if r.check.max_violation == 0.0 {
            "0".to_string()
        } else {
            format!("{:.1e}", r.check.max_violation)
        },
        aud(r.check.objective_recomputed)
    );
    for v in &r.check.violations {
        let _ = writeln!(s, "  violation: {v}");
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aud_units() {
        assert_eq!(aud(1_234_567.0), "A$1.2 M");
        assert_eq!(aud(256_612_345.0), "A$256.6 M");
        assert_eq!(aud(2.672808e9), "A$2.67 B");
        assert_eq!(aud(2.5e9), "A$2.50 B");
        assert_eq!(aud(950.0), "A$950");
        assert_eq!(aud(-12_345.0), "A$-12.3 k");
        // Never `A$1000.0 M` or `A$1000`: the next unit.
        assert_eq!(aud(999_960_000.0), "A$1.00 B");
        assert_eq!(aud(999_960.0), "A$1.0 M");
        assert_eq!(aud(999.6), "A$1.0 k");
        assert_eq!(aud(999_940_000.0), "A$999.9 M");
    }

    #[test]
    fn wrap_keeps_every_line_within_the_width() {
        let long = format!("  {}", ["word"; 60].join(" "));
        let w = wrap(&format!("short\n{long}\n{}\nend", "x".repeat(300)), 40);
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        // Nothing lost but spaces; continuation lines indented 4 more than the line.
        let words = |t: &str| t.split_whitespace().collect::<String>();
        let input = format!("short {long} {} end", "x".repeat(300));
        assert_eq!(words(&w), words(&input));
        assert!(w.lines().nth(2).unwrap().starts_with("      word"), "{w}");
        assert!(w.starts_with("short\n  word"));
        assert!(w.ends_with("\nend"));
        // Lines within the width are untouched.
        assert_eq!(wrap("a  b\n", 40), "a  b\n");
    }
}

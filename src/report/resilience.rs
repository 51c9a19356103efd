//! The resilience section of the text report: the demand servable after the loss of each
//! failure domain (cable system, landing station, shared transit hub), and the single points
//! of failure in words.

use super::Report;
use std::fmt::Write as _;

/// The section (empty when the report has none).
pub fn render_text(r: &Report) -> String {
    let Some(res) = &r.resilience else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "RESILIENCE (N−1 over the failure domains on the plan's routes: cable systems, landing stations, shared transit hubs; servable = independent max-flow within the limits)"
    );
    if res.domains.is_empty() {
        let _ = writeln!(s, "  no cable, landing or hub on the plan's routes\n");
        return s;
    }
    let _ = writeln!(
        s,
        "  {:<7} {:<34} {:>12} {:>10}  cities short",
        "kind", "domain lost", "servable MW", "of MW"
    );
    for d in &res.domains {
        let short: Vec<String> = d
            .short
            .iter()
            .map(|c| format!("{} −{:.0}", c.city_id, c.short_mw))
            .collect();
        let name: String = d.name.chars().take(34).collect();
        let short = if short.is_empty() {
            "none".to_string()
        } else {
            short.join(", ")
        };
        let _ = writeln!(
            s,
            "  {:<7} {name:<34} {:>12.1} {:>10.1}  {short}",
            d.kind, d.servable_mw, d.demand_mw
        );
    }
    if res.single_points_of_failure.is_empty() {
        let _ = writeln!(s, "  no single domain's loss leaves a city short");
    } else {
        let _ = writeln!(s, "  single points of failure:");
        for x in &res.single_points_of_failure {
            let _ = writeln!(s, "  - {x}");
        }
    }
    s.push('\n');
    s
}

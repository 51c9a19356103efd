//! A sweep's summary as text (what `sitefind sweep` prints): statuses, the parameters'
//! sampled percentiles, the optimum's cost and worst RTT, the site selection frequency, the
//! regret of the fixed plans with the recommendation, and the cost–worst-RTT Pareto front.

use crate::decide::sweep::Summary;
use std::fmt::Write as _;

/// Money in words (`A$2.43 B`, `A$4.6 M`).
fn millions_aud(x: f64) -> String {
    super::format::aud(x)
}

/// The header lines, the statuses and the unserved-demand warning.
fn text_header(t: &mut String, s: &Summary) {
    let _ = writeln!(
        t,
        "sitefind sweep — {} samples ({:?} design, seed {}) of {}  [fingerprint {}]",
        s.samples, s.design, s.seed, s.source, s.fingerprint
    );
    let st: Vec<String> = s.status.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(t, "status: {}", st.join(", "));
    if s.samples_with_unserved > 0 {
        let _ = writeln!(
            t,
            "WARNING: {} sample(s) leave demand unserved (column unserved_mw); their cost includes the unserved penalty",
            s.samples_with_unserved
        );
    }
}

/// The parameters' sampled percentiles and the optimum's cost and worst RTT.
fn text_params_and_optimum(t: &mut String, s: &Summary) {
    let m = millions_aud;
    let _ = writeln!(t);
    let _ = writeln!(t, "PARAMETERS");
    for p in &s.params {
        let _ = writeln!(
            t,
            "  {:<34} base {:<12} sampled P10 {:<12} P50 {:<12} P90 {}",
            p.path,
            p.base,
            p.sampled.as_ref().map_or(f64::NAN, |q| q.p10),
            p.sampled.as_ref().map_or(f64::NAN, |q| q.p50),
            p.sampled.as_ref().map_or(f64::NAN, |q| q.p90),
        );
    }
    if let Some(c) = &s.cost_aud {
        let _ = writeln!(
            t,
            "\nOPTIMAL COST  P10 {}  P50 {}  P90 {}  (min {}, max {}, {} samples)",
            m(c.p10),
            m(c.p50),
            m(c.p90),
            m(c.min),
            m(c.max),
            c.n
        );
    }
    if let Some(w) = &s.worst_rtt_ms {
        let _ = writeln!(
            t,
            "WORST RTT     P10 {:.1} ms  P50 {:.1} ms  P90 {:.1} ms",
            w.p10, w.p50, w.p90
        );
    }
}

/// The 15 most often chosen sites.
fn text_site_frequency(t: &mut String, s: &Summary) {
    let _ = writeln!(t, "\nSITE SELECTION FREQUENCY (share of solved samples)");
    for f in s.site_frequency.iter().take(15) {
        let _ = writeln!(
            t,
            "  {:>5.1} %  {:<32} {:<24} {}{}",
            100.0 * f.share,
            f.id,
            f.name,
            f.state,
            if f.in_base_plan { "  (base plan)" } else { "" }
        );
    }
    if s.site_frequency.len() > 15 {
        let _ = writeln!(t, "  … {} more sites", s.site_frequency.len() - 15);
    }
}

/// The regret table of the fixed plans and the recommendation.
fn text_regret(t: &mut String, s: &Summary) {
    let m = millions_aud;
    let _ = writeln!(
        t,
        "\nREGRET OF FIXED PLANS (cost with the sample's parameters − the sample's best)"
    );
    let _ = writeln!(
        t,
        "  plan  feasible  infeasible  best in   mean regret   P90 regret   max regret  mean %"
    );
    for r in &s.regret {
        let q = r.regret_aud.as_ref();
        let _ = writeln!(
            t,
            "  {:>4}  {:>8}  {:>10}  {:>7}  {:>12}  {:>11}  {:>11}  {:>6}\n        sites: {}",
            r.plan,
            r.feasible,
            r.infeasible,
            r.best_in,
            q.map_or("-".into(), |q| m(q.mean)),
            q.map_or("-".into(), |q| m(q.p90)),
            q.map_or("-".into(), |q| m(q.max)),
            r.mean_regret_pct.map_or("-".into(), |v| format!("{v:.3}")),
            r.sites.join(", ")
        );
    }
    if let Some(rec) = &s.recommendation {
        let _ = writeln!(t, "\nRECOMMENDATION: {}", rec.text);
    }
}

/// The cost–worst-RTT Pareto front (only when it has more than one point).
fn text_pareto(t: &mut String, s: &Summary) {
    if s.pareto.len() > 1 {
        let _ = writeln!(
            t,
            "\nPARETO FRONT (cost against worst RTT), {} samples",
            s.pareto.len()
        );
        // Costs in words plus the step from the cheapest point (A$2.43 B alone would hide it).
        let cheapest = s.pareto[0].cost_aud;
        for p in &s.pareto {
            let v: Vec<String> = p.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(
                t,
                "  {:>9} {:>13}  {:>6.1} ms  {}\n        sites: {}",
                millions_aud(p.cost_aud),
                format!("(+{})", millions_aud(p.cost_aud - cheapest)),
                p.worst_rtt_ms,
                v.join(" "),
                p.open_sites.join(", ")
            );
        }
    }
}

/// The summary as text (stdout of `sitefind sweep`): money in words, every line within
/// [`super::text::MAX_COLUMNS`] (wrapped at spaces).
pub fn render_text(s: &Summary) -> String {
    let mut t = String::new();
    text_header(&mut t, s);
    text_params_and_optimum(&mut t, s);
    text_site_frequency(&mut t, s);
    text_regret(&mut t, s);
    text_pareto(&mut t, s);
    super::text::wrap(&t, super::text::MAX_COLUMNS)
}

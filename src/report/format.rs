//! Number formats shared by the text renderers.

/// Formats AUD in words people read, with a unit suffix: `A$2.67 B`, `A$256.6 M`,
/// `A$12.3 k`, `A$950` (the JSON keeps the exact numbers). A value that would round up to the
/// next unit takes that unit (`A$999,999,999` is `A$1.00 B`, not `A$1000.0 M`).
pub fn aud(x: f64) -> String {
    let a = x.abs();
    if a >= 999.95e6 {
        format!("A${:.2} B", x / 1e9)
    } else if a >= 999.95e3 {
        format!("A${:.1} M", x / 1e6)
    } else if a >= 999.5 {
        format!("A${:.1} k", x / 1e3)
    } else {
        format!("A${x:.0}")
    }
}

/// The decimals a JSON or CSV number named `key` is written with, from the unit in its name
/// (the same precisions as the report, [`super::precision`]): money to A$1 (`_aud`,
/// `_aud_per_yr`, `_aud_per_mw_yr`, …) except prices per MWh (0.01), RTT to 0.01 ms, km and
/// MW to 0.001, shares and fractions to 1e-4, other ratios (`_per_`) to 1e-6, PUE to 1e-4,
/// coordinates to 7 decimals, seconds to 0.001. `None`: no unit recognised (the number keeps 10 significant digits, see
/// [`round_json`]).
pub fn decimals_for(key: &str) -> Option<i32> {
    use super::precision::{AUD, KM, MS, MW, PRICE, PUE, SECONDS};
    const SHARE: i32 = 4;
    const RATIO: i32 = 6;
    let k = key.to_ascii_lowercase();
    let ends = |s: &str| k.ends_with(s);
    if k == "lon" || k == "lat" || ends("_lon") || ends("_lat") {
        return Some(super::geojson::COORD_DECIMALS);
    }
    if k.contains("_aud") && !ends("per_aud") {
        return Some(if k.contains("per_mwh") { PRICE } else { AUD });
    }
    if k.contains("_per_") {
        // a ratio of two units (`fibre_ms_per_km`, `curtailed_mwh_per_mwh_load`)
        return Some(RATIO);
    }
    if k.starts_with("rtt_ms") || ends("_ms") {
        return Some(MS);
    }
    if k == "km" || ends("_km") {
        return Some(KM);
    }
    if k == "mw" || ends("_mw") || ends("_mwh") || k.contains("_mw_") || k.contains("_mwh_") {
        return Some(MW);
    }
    if k.starts_with("pue") {
        return Some(PUE);
    }
    if ends("seconds") || ends("_s") {
        return Some(SECONDS);
    }
    let shares = [
        "share",
        "cfe",
        "cfe_target",
        "capacity_factor",
        "fraction",
        "frequency",
        "probability",
    ];
    if shares.iter().any(|s| k == *s || ends(&format!("_{s}"))) {
        return Some(SHARE);
    }
    if k == "gap" || ends("_gap") {
        return Some(6);
    }
    None
}

/// Rounds `x` to `decimals` places (a negative zero becomes 0).
pub fn round_to(x: f64, decimals: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let k = 10f64.powi(decimals);
    let r = (x * k).round() / k;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Rounds `x` to 10 significant digits: removes float noise (`1.1732999999999998` →
/// `1.1733`) from a number whose unit is not known.
pub fn round_significant(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{x:.9e}").parse().unwrap_or(x)
}

/// Rounds a number named `key` for output ([`decimals_for`], else [`round_significant`]).
pub fn round_field(key: &str, x: f64) -> f64 {
    match decimals_for(key) {
        Some(d) => round_to(x, d),
        None => round_significant(x),
    }
}

/// Rounds every floating-point number of a JSON document for output by the name of the member
/// that holds it ([`round_field`]; array elements take their array's name, and a member whose
/// name has no unit, such as `mean` or `p90`, takes its parent's). Integers are kept;
/// members named in `verbatim` (e.g. `parameters`, the user's own inputs echoed back) are left
/// exactly as they are, with everything inside them.
pub fn round_json(v: &mut serde_json::Value, verbatim: &[&str]) {
    round_json_at("", v, verbatim);
}

fn round_json_at(key: &str, v: &mut serde_json::Value, verbatim: &[&str]) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if let Some(r) = serde_json::Number::from_f64(round_field(key, x)) {
                *n = r;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|x| round_json_at(key, x, verbatim)),
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if verbatim.contains(&k.as_str()) {
                    continue;
                }
                // A member whose name has no unit (`mean`, `p90`, `base`) takes its parent's.
                let unit_key = if decimals_for(k).is_none() && decimals_for(key).is_some() {
                    key
                } else {
                    k.as_str()
                };
                round_json_at(unit_key, x, verbatim);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_rounded_by_the_unit_in_their_name() {
        assert_eq!(
            round_field("cost_aud_per_yr", 2_672_808_123.6),
            2_672_808_124.0
        );
        assert_eq!(
            round_field("capex_aud_per_mw_yr", 1_321_500.96),
            1_321_501.0
        );
        assert_eq!(round_field("price_aud_per_mwh", 104.354_9), 104.35);
        assert_eq!(round_field("usd_per_aud", 0.654_321), 0.654_321);
        assert_eq!(round_field("rtt_ms_tokyo", 106.649_07), 106.65);
        assert_eq!(round_field("landing_km", 243.009_239), 243.009);
        assert_eq!(round_field("km", 8.670_388_258), 8.67);
        assert_eq!(round_field("solar_mw", 2.716_650_6), 2.717);
        assert_eq!(round_field("pue", 1.173_299_999_999_999_8), 1.1733);
        assert_eq!(round_field("cfe", 0.900_000_384), 0.9);
        assert_eq!(round_field("curtailment_share", 0.196_733_7), 0.1967);
        assert_eq!(round_field("gap", 1.78e-16), 0.0);
        assert_eq!(round_field("lon", 150.123_456_789), 150.123_456_8);
        assert_eq!(round_field("route_factor", 1.440_000_000_000_000_2), 1.44);
        assert_eq!(round_field("margin_aud_per_yr", -0.4), 0.0);
        assert_eq!(round_field("fibre_ms_per_km", 0.0049), 0.0049);
        assert_eq!(
            round_field("curtailed_mwh_per_mwh_load", 0.228_563_373),
            0.228_563
        );
        assert_eq!(
            round_field("rel_diff", 6.276_293_811_909_716e-10),
            6.276_293_812e-10
        );
    }

    #[test]
    fn round_json_walks_objects_and_arrays_but_not_verbatim_members() {
        let mut v = json!({
            "cost_aud_per_yr": 12.6,
            "rtt_ms": [106.6491, 113.476],
            "n": 3,
            "nested": {"pue": 1.1732999999999998},
            "cost_aud_per_yr_stats": {"mean": 2585417770.086389, "n": 3},
            "parameters": {"fibre_ms_per_km": 0.0049, "site_fixed_aud": 0.4}
        });
        round_json(&mut v, &["parameters"]);
        assert_eq!(
            v,
            json!({
                "cost_aud_per_yr": 13.0,
                "rtt_ms": [106.65, 113.48],
                "n": 3,
                "nested": {"pue": 1.1733},
                "cost_aud_per_yr_stats": {"mean": 2585417770.0, "n": 3},
                "parameters": {"fibre_ms_per_km": 0.0049, "site_fixed_aud": 0.4}
            })
        );
    }
}

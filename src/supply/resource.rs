//! Every zone's solar and wind resource limits (docs/limits.md): the most MW of each technology
//! that may be built in the zone, counted against the generation the 24/7 portfolios of all the
//! sites drawing on the zone build.
//!
//! * **Published**: AEMO's 2024 ISP build limits (the zone's `solar_resource_mw` /
//!   `wind_resource_mw`, where the dataset has them; 0 means the technology is absent, e.g.
//!   solar in an offshore wind area).
//! * **Assumed elsewhere** (flagged): land area × technology density. The land area is the
//!   zone's disc, π × `radius_km`², the extent the model gives the zone everywhere else; the
//!   density is calibrated on AEMO's own limits: the median, over the dataset's zones with a
//!   published limit > 0 for the technology, of limit ÷ disc area (embedded data: 0.162 MW/km²
//!   solar over 10 zones, 0.089 MW/km² wind over 8). These effective densities are two orders of
//!   magnitude below physical packing densities (utility PV ≈ 30–50 MW/km², wind ≈ 3 MW/km² of
//!   project area: NREL, Ong et al. 2013, TP-6A20-56290; Denholm et al. 2009, TP-6A2-45834)
//!   because AEMO's limits already exclude land use, terrain, protected areas and poorer
//!   resource; calibrating on AEMO keeps the rule in AEMO's terms. A dataset without any
//!   published limit uses the embedded data's densities ([`FALLBACK_SOLAR_MW_PER_KM2`],
//!   [`FALLBACK_WIND_MW_PER_KM2`]).

use crate::data::{Dataset, RenewableZone};
use serde::{Deserialize, Serialize};

/// Solar MW per km² of zone disc when the dataset has no published solar limit: the median of
/// AEMO 2024 ISP solar build limit ÷ π r² over the embedded data's 10 zones with one.
pub const FALLBACK_SOLAR_MW_PER_KM2: f64 = 0.162;

/// Wind MW per km² of zone disc when the dataset has no published wind limit: the median of
/// AEMO 2024 ISP wind build limit ÷ π r² over the embedded data's 8 zones with one > 0.
pub const FALLBACK_WIND_MW_PER_KM2: f64 = 0.089;

/// A zone's solar and wind resource limits and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceLimits {
    /// Most solar MW that may be built in the zone.
    pub solar_mw: f64,
    /// Most wind MW that may be built in the zone.
    pub wind_mw: f64,
    /// One sentence: the published table, or the rule with its numbers.
    pub source: String,
    /// True if the solar limit is sitefind's assumption (the rule), not AEMO's.
    pub solar_assumed: bool,
    /// True if the wind limit is sitefind's assumption (the rule), not AEMO's.
    pub wind_assumed: bool,
}

/// The densities (solar, wind MW per km² of zone disc) the rule uses for `ds`, each with the
/// number of zones it was calibrated on (0 = the embedded fallback).
pub fn densities_mw_per_km2(ds: &Dataset) -> ((f64, usize), (f64, usize)) {
    let calibrate = |limit: fn(&RenewableZone) -> Option<f64>, fallback: f64| {
        let mut v: Vec<f64> = ds
            .zones
            .iter()
            .filter_map(|z| {
                let l = limit(z)?;
                let area = disc_area_km2(z);
                (l > 0.0 && area > 0.0).then(|| l / area)
            })
            .collect();
        if v.is_empty() {
            return (fallback, 0);
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let med = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        (med, n)
    };
    (
        calibrate(|z| z.solar_resource_mw, FALLBACK_SOLAR_MW_PER_KM2),
        calibrate(|z| z.wind_resource_mw, FALLBACK_WIND_MW_PER_KM2),
    )
}

/// The zone's land area as the model sees it: the disc π × `radius_km`², km².
pub fn disc_area_km2(z: &RenewableZone) -> f64 {
    std::f64::consts::PI * z.radius_km * z.radius_km
}

/// Every zone's resource limits (dataset zone order).
pub fn resource_limits(ds: &Dataset) -> Vec<ResourceLimits> {
    let d = densities_mw_per_km2(ds);
    ds.zones.iter().map(|z| zone_limits(z, d)).collect()
}

/// One zone's resource limits with the rule's densities `d` ([`densities_mw_per_km2`]).
pub fn zone_limits(z: &RenewableZone, d: ((f64, usize), (f64, usize))) -> ResourceLimits {
    let area = disc_area_km2(z);
    let rule = |(density, n): (f64, usize), what: &str| {
        let basis = if n > 0 {
            format!(
                "median of AEMO limit ÷ disc area over the dataset's {n} zones with a {what} limit"
            )
        } else {
            "embedded data's calibration; no zone of this dataset has a published limit".into()
        };
        format!(
            "{what} assumed: disc area π × {:.0}² = {area:.0} km² × {density:.3} MW/km² ({basis})",
            z.radius_km
        )
    };
    let published = "AEMO 2024 ISP build limits";
    let (solar_mw, solar_assumed, solar_src) = match z.solar_resource_mw {
        Some(l) => (l, false, format!("solar {published}")),
        None => (area * d.0 .0, true, rule(d.0, "solar")),
    };
    let (wind_mw, wind_assumed, wind_src) = match z.wind_resource_mw {
        Some(l) => (l, false, format!("wind {published}")),
        None => (area * d.1 .0, true, rule(d.1, "wind")),
    };
    ResourceLimits {
        solar_mw,
        wind_mw,
        source: format!("{solar_src}; {wind_src}"),
        solar_assumed,
        wind_assumed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_where_known_rule_elsewhere() {
        let ds = Dataset::embedded().expect("embedded dataset");
        let ((ds_solar, n_solar), (ds_wind, n_wind)) = densities_mw_per_km2(&ds);
        // The embedded calibration is the fallback's (10 solar, 8 wind zones; by hand from
        // data/zones.csv: median of limit / (π r²)).
        assert_eq!((n_solar, n_wind), (10, 8));
        assert!(
            (ds_solar - FALLBACK_SOLAR_MW_PER_KM2).abs() < 5e-4,
            "{ds_solar}"
        );
        assert!(
            (ds_wind - FALLBACK_WIND_MW_PER_KM2).abs() < 5e-4,
            "{ds_wind}"
        );
        let all = resource_limits(&ds);
        assert_eq!(all.len(), ds.zones.len());
        for (z, l) in ds.zones.iter().zip(&all) {
            assert!(l.solar_mw.is_finite() && l.solar_mw >= 0.0, "{}", z.id);
            assert!(l.wind_mw.is_finite() && l.wind_mw >= 0.0, "{}", z.id);
        }
        let q1 = &all[ds.zones.iter().position(|z| z.id == "Q1").unwrap_or(0)];
        assert_eq!((q1.solar_mw, q1.wind_mw), (1100.0, 1710.0));
        assert!(!q1.solar_assumed && !q1.wind_assumed);
        // N3 (radius 110 km) has none: π × 110² × density.
        let k = ds.zones.iter().position(|z| z.id == "N3").unwrap_or(0);
        let n3 = &all[k];
        let area = std::f64::consts::PI * 110.0 * 110.0;
        assert!((n3.solar_mw - area * ds_solar).abs() < 1e-6);
        assert!((n3.wind_mw - area * ds_wind).abs() < 1e-6);
        assert!(n3.solar_assumed && n3.wind_assumed);
        assert!(n3.source.contains("38013 km²"), "{}", n3.source);
        // An offshore area keeps its published 0 MW of solar.
        let v8 = &all[ds.zones.iter().position(|z| z.id == "V8").unwrap_or(0)];
        assert_eq!(v8.solar_mw, 0.0);
        assert!(!v8.solar_assumed && v8.wind_assumed);
        // Without any published limit the fallback densities apply.
        let mut bare = ds.clone();
        for z in &mut bare.zones {
            z.solar_resource_mw = None;
            z.wind_resource_mw = None;
        }
        let d = densities_mw_per_km2(&bare);
        assert_eq!(
            d,
            (
                (FALLBACK_SOLAR_MW_PER_KM2, 0),
                (FALLBACK_WIND_MW_PER_KM2, 0)
            )
        );
    }
}

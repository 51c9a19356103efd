//! Open Electricity NEM annual price and temperature (`opennem-annual-csv`,
//! `climate_prices/nem_region_annual_price_temperature.csv`).
//!
//! One [`RegionProfile`] per NEM region in the file: `price_aud_per_mwh` is the plain mean of
//! the annual volume-weighted average price (`vwap_aud_per_mwh`) over the chosen years, and
//! `mean_temp_c` the mean of `mean_monthly_temperature_c` over the same years. Option
//! `years = [first, last]` picks the years (inclusive); by default the last five years with a
//! price for all 12 months (2018–2022 in the 2023 fixture). Only years with 12 months of
//! price count, so a partial year never skews the mean. Region names and the states each
//! region covers are fixed by the NEM: `NSW1` covers NSW and the ACT.

use super::super::{LayerSpec, RegionProfile};
use super::CsvTable;
use crate::error::{Error, Issues, Result};
use std::collections::BTreeMap;

/// Name and covered state codes of a NEM region id.
pub fn nem_region(id: &str) -> Option<(&'static str, &'static [&'static str])> {
    match id {
        "NSW1" => Some(("New South Wales", &["NSW", "ACT"])),
        "QLD1" => Some(("Queensland", &["QLD"])),
        "VIC1" => Some(("Victoria", &["VIC"])),
        "SA1" => Some(("South Australia", &["SA"])),
        "TAS1" => Some(("Tasmania", &["TAS"])),
        _ => None,
    }
}

struct Year {
    year: i64,
    vwap: f64,
    temp_c: Option<f64>,
}

fn years_option(spec: &LayerSpec) -> Result<Option<(i64, i64)>> {
    let Some(v) = spec.options.get("years") else {
        return Ok(None);
    };
    let pair = v.as_array().and_then(|a| match a.as_slice() {
        [a, b] => Some((a.as_integer()?, b.as_integer()?)),
        _ => None,
    });
    match pair {
        Some((a, b)) if a <= b => Ok(Some((a, b))),
        _ => Err(Error::usage(
            format!(
                "{}: option `years` = {v}: expected [first, last]",
                spec.label
            ),
            "write e.g. `years = [2018, 2022]`",
        )),
    }
}

/// Reads region price/temperature profiles (`opennem-annual-csv`).
pub fn load_regions(spec: &LayerSpec) -> Result<Vec<RegionProfile>> {
    let table = CsvTable::read(
        &spec.path,
        &spec.label,
        &[
            "network_region",
            "year",
            "months_with_price",
            "vwap_aud_per_mwh",
            "mean_monthly_temperature_c",
        ],
    )?;
    let range = years_option(spec)?;
    let mut issues = Issues::new();
    let mut by_region: BTreeMap<String, Vec<Year>> = BTreeMap::new();
    for row in table.iter() {
        let region = row.str("network_region").to_string();
        if nem_region(&region).is_none() {
            issues.push(
                row.at("network_region"),
                "a NEM region id (NSW1, QLD1, VIC1, SA1, TAS1)",
                format!("`{region}`"),
                "",
            );
            continue;
        }
        let year = row.f64("year", &mut issues);
        let months = row.f64("months_with_price", &mut issues);
        let vwap = row.opt_f64("vwap_aud_per_mwh", &mut issues);
        let temp_c = row.opt_f64("mean_monthly_temperature_c", &mut issues);
        let entry = by_region.entry(region).or_default();
        if let (Some(year), Some(months), Some(vwap)) = (year, months, vwap) {
            if months >= 12.0 {
                entry.push(Year {
                    year: year as i64,
                    vwap,
                    temp_c,
                });
            }
        }
    }
    std::mem::take(&mut issues).into_result(())?;
    let mut out = Vec::new();
    for (id, mut years) in by_region {
        years.sort_by_key(|y| y.year);
        let chosen: Vec<&Year> = match range {
            Some((a, b)) => years
                .iter()
                .filter(|y| y.year >= a && y.year <= b)
                .collect(),
            None => years.iter().rev().take(5).collect(),
        };
        if chosen.is_empty() {
            issues.push(
                crate::error::Location::file(&spec.label).field("year"),
                format!("at least one year with 12 months of price for {id}"),
                "none in the chosen range",
                "widen option `years`",
            );
            continue;
        }
        let price = chosen.iter().map(|y| y.vwap).sum::<f64>() / chosen.len() as f64;
        let temps: Vec<f64> = chosen.iter().filter_map(|y| y.temp_c).collect();
        if temps.is_empty() {
            issues.push(
                crate::error::Location::file(&spec.label).field("mean_monthly_temperature_c"),
                format!("a temperature for {id} in the chosen years"),
                "none",
                "",
            );
            continue;
        }
        let mean_temp_c = temps.iter().sum::<f64>() / temps.len() as f64;
        let (name, states) = nem_region(&id).unwrap_or(("", &[]));
        out.push(RegionProfile {
            id,
            name: name.to_string(),
            states: states.iter().map(|s| s.to_string()).collect(),
            price_aud_per_mwh: price,
            mean_temp_c,
        });
    }
    issues.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::data::LayerFormat;

    const CSV: &str = "network_region,year,months_with_price,vwap_aud_per_mwh,mean_monthly_temperature_c,mean_monthly_max_temperature_c,months_with_temperature\n\
NSW1,2008,0,,18,25,12\nNSW1,2009,6,40,18,25,12\nNSW1,2010,12,50,17,25,12\nNSW1,2011,12,60,18,25,12\nNSW1,2012,12,70,19,25,12\nNSW1,2013,12,80,20,25,12\nNSW1,2014,12,90,21,25,12\nNSW1,2015,12,100,22,25,12\n\
TAS1,2014,12,30,12,20,12\nTAS1,2015,12,40,13,20,12\n";

    #[test]
    fn default_last_five_complete_years() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(dir.path(), &[("p.csv", CSV)]);
        let spec = fixture::spec(dir.path(), "p.csv", LayerFormat::OpennemAnnualCsv, "");
        let r = load_regions(&spec).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].id, "NSW1");
        assert_eq!(r[0].states, ["NSW", "ACT"]);
        // 2011..=2015: (60+70+80+90+100)/5
        assert!((r[0].price_aud_per_mwh - 80.0).abs() < 1e-9);
        assert!((r[0].mean_temp_c - 20.0).abs() < 1e-9);
        assert!((r[1].price_aud_per_mwh - 35.0).abs() < 1e-9);
    }

    #[test]
    fn explicit_years_skip_partial_ones() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(dir.path(), &[("p.csv", CSV)]);
        let spec = fixture::spec(
            dir.path(),
            "p.csv",
            LayerFormat::OpennemAnnualCsv,
            "years = [2009, 2010]",
        );
        let err = load_regions(&spec).err().unwrap();
        // TAS1 has no year in 2009..=2010.
        assert!(err.to_string().contains("TAS1"), "{err}");
        let bad = fixture::spec(
            dir.path(),
            "p.csv",
            LayerFormat::OpennemAnnualCsv,
            "years = [2012]",
        );
        assert!(matches!(load_regions(&bad), Err(Error::Usage { .. })));
    }
}

//! Japanese demand proxies (`datacentres/`): no public dataset gives data-centre demand by
//! place, so demand is spread in proportion to population. Used to scale the number of demand
//! nodes (47 prefectures, 26 cities) in benchmarks.

use super::super::{DemandNode, LonLat, Workload};
use super::{slug, CsvTable};
use crate::data::Demand;
use crate::error::{Error, Issues, Result};
use std::collections::HashMap;
use std::path::Path;

fn check_params(total_it_load_mw: f64, max_rtt_ms: f64, min_sites: u32) -> Result<()> {
    use crate::limits::{MAX_IT_LOAD_MW, MAX_MIN_SITES, MAX_RTT_MS};
    if !(total_it_load_mw > 0.0 && total_it_load_mw <= MAX_IT_LOAD_MW) {
        return Err(Error::usage(
            format!("total IT load {total_it_load_mw} MW: expected MW in (0, 1e6]"),
            "pass the total Japanese IT load to spread over the nodes, MW",
        ));
    }
    if !(max_rtt_ms > 0.0 && max_rtt_ms <= MAX_RTT_MS) {
        return Err(Error::usage(
            format!("max RTT {max_rtt_ms} ms: expected ms in (0, 10000]"),
            "pass the round-trip-time limit every node gets, ms",
        ));
    }
    if min_sites == 0 || min_sites > MAX_MIN_SITES {
        return Err(Error::usage(
            format!("min_sites {min_sites}: expected 1..=1000"),
            "each node must be served by at least one site",
        ));
    }
    Ok(())
}

/// Spreads `total` over weighted places; ids must be unique.
#[allow(clippy::too_many_arguments)]
fn build(
    label: &str,
    places: Vec<(String, String, LonLat, f64, u64)>,
    total_it_load_mw: f64,
    max_rtt_ms: f64,
    workload: Workload,
    min_sites: u32,
    mut issues: Issues,
) -> Result<Demand> {
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (id, _, _, _, line) in &places {
        if let Some(first) = seen.insert(id.as_str(), *line) {
            issues.push(
                crate::error::Location::file(label).record(format!("line {line}")),
                "a unique place",
                format!("id `{id}` again (first on line {first})"),
                "",
            );
        }
    }
    let sum: f64 = places.iter().map(|p| p.3).sum();
    if issues.is_empty() && sum <= 0.0 {
        issues.push(
            crate::error::Location::file(label),
            "at least one place with population > 0",
            "none",
            "",
        );
    }
    issues.into_result(())?;
    let nodes = places
        .into_iter()
        .map(|(id, name, location, pop, _)| DemandNode {
            id,
            name,
            location,
            it_load_mw: total_it_load_mw * pop / sum,
            max_rtt_ms,
            workload,
            min_sites,
            flexible_share: 0.0,
        })
        .collect();
    // `..Default::default()`: `Demand` may gain optional fields (e.g. an assumption note).
    #[allow(clippy::needless_update)]
    let demand = Demand {
        source: label.to_string(),
        nodes,
        ..Default::default()
    };
    Ok(demand)
}

fn population(row: &super::Row<'_>, col: &str, issues: &mut Issues) -> Option<f64> {
    let v = row.f64(col, issues)?;
    if v > 0.0 {
        Some(v)
    } else {
        issues.push(row.at(col), "a population > 0", v.to_string(), "");
        None
    }
}

/// Demand at the 47 prefectural capitals (`japan_prefectures_population_2020.csv`), IT load
/// in proportion to the 2020 census population; id = slug of `name_en` (e.g. `tokyo`).
pub fn japan_demand_from_prefectures(
    path: &Path,
    total_it_load_mw: f64,
    max_rtt_ms: f64,
    workload: Workload,
    min_sites: u32,
) -> Result<Demand> {
    check_params(total_it_load_mw, max_rtt_ms, min_sites)?;
    let label = path.display().to_string();
    let table = CsvTable::read(
        path,
        &label,
        &[
            "name_en",
            "population_2020_census",
            "capital_lat",
            "capital_lon",
        ],
    )?;
    let mut issues = Issues::new();
    let mut places = Vec::new();
    for row in table.iter() {
        let pop = population(&row, "population_2020_census", &mut issues);
        let loc = row.lonlat("capital_lon", "capital_lat", &mut issues);
        let name = row.str("name_en").to_string();
        if let (Some(pop), Some(loc)) = (pop, loc) {
            places.push((slug(&name), name, loc, pop, row.line));
        }
    }
    build(
        &label,
        places,
        total_it_load_mw,
        max_rtt_ms,
        workload,
        min_sites,
        issues,
    )
}

/// Demand at the 26 Japanese cities of ≥ 500,000 people in Natural Earth
/// (`japan_demand_cities_ne.csv`), IT load in proportion to `pop_max` (metro estimate);
/// id = slug of `nameascii` (e.g. `osaka`).
pub fn japan_demand_from_cities(
    path: &Path,
    total_it_load_mw: f64,
    max_rtt_ms: f64,
    workload: Workload,
    min_sites: u32,
) -> Result<Demand> {
    check_params(total_it_load_mw, max_rtt_ms, min_sites)?;
    let label = path.display().to_string();
    let table = CsvTable::read(
        path,
        &label,
        &["name", "nameascii", "pop_max", "lat", "lon"],
    )?;
    let mut issues = Issues::new();
    let mut places = Vec::new();
    for row in table.iter() {
        let pop = population(&row, "pop_max", &mut issues);
        let loc = row.lonlat("lon", "lat", &mut issues);
        if let (Some(pop), Some(loc)) = (pop, loc) {
            places.push((
                slug(row.str("nameascii")),
                row.str("name").to_string(),
                loc,
                pop,
                row.line,
            ));
        }
    }
    build(
        &label,
        places,
        total_it_load_mw,
        max_rtt_ms,
        workload,
        min_sites,
        issues,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_in_proportion_to_population() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(
            &path,
            "name,nameascii,adm1name,pop_max,pop_min,megacity,worldcity,lat,lon\nTokyo,Tokyo,Tokyo,3000,1,1,1,35.68,139.75\nŌsaka,Osaka,Osaka,1000,1,1,1,34.75,135.46\n",
        )
        .unwrap();
        let d = japan_demand_from_cities(&path, 100.0, 120.0, Workload::Inference, 2).unwrap();
        assert_eq!(d.nodes.len(), 2);
        assert_eq!(d.nodes[1].id, "osaka");
        assert_eq!(d.nodes[1].name, "Ōsaka");
        assert!((d.nodes[0].it_load_mw - 75.0).abs() < 1e-9);
        assert!((d.nodes[1].it_load_mw - 25.0).abs() < 1e-9);
        assert_eq!(d.nodes[0].min_sites, 2);
        assert!(japan_demand_from_cities(&path, 0.0, 120.0, Workload::Inference, 1).is_err());
        assert!(japan_demand_from_cities(&path, 1.0, 120.0, Workload::Inference, 0).is_err());
    }

    #[test]
    fn bad_population_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(
            &path,
            "jis_code,iso_3166_2,name_en,name_ja,region_en,population_2020_census,capital_lat,capital_lon\n1,JP-01,Hokkaido,x,y,-5,43.06,141.35\n2,JP-02,Aomori,x,y,many,40.82,140.74\n",
        )
        .unwrap();
        let err = japan_demand_from_prefectures(&path, 1.0, 1.0, Workload::Training, 1)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("2 problems"), "{err}");
    }
}

//! AEMO 2025 IASR renewable-energy-zone table (`aemo-iasr-csv`,
//! `rez/rez_nem_iasr2025.csv`, 47 REZs).
//!
//! # Field choices
//! - `network_limit_mw` = `tx_limit_summer_typical_mw`: the limit that applies most of the year
//!   (AEMO also gives a peak-demand and a winter-reference limit; summer typical is the middle,
//!   representative case for a constant data-centre load). Empty → `None` (the REZ is governed
//!   by a group or sub-regional constraint, see `tx_limit_note`).
//! - `expansion_cost_aud_per_mw` = `tx_expansion_cost_tranche1_musd_per_mw` × 10⁶ (the column
//!   is $M AUD per MW). Where AEMO gives no tranche-1 cost (group-constrained REZs and a few
//!   with a limit but no augmentation option), the **dearest published tranche-1 cost in the
//!   file** is used, so that expansion stays possible but is never cheaper than any REZ AEMO
//!   did cost. The second tranche and its condition ("Apply after 500 MW", "After 700 MW")
//!   become `expansion_cost_tranche2_aud_per_mw` and `tranche2_after_mw`.
//! - `region`: `nem_region` `QLD` → `QLD1`, `NSW` → `NSW1`, `VIC` → `VIC1`, `SA` → `SA1`,
//!   `TAS` → `TAS1`.
//! - `centre`: `approx_lon`/`approx_lat` (median of the REZ's existing generators, derived by
//!   the data curator) with radius option `radius_km` (default 75). The 18 REZs without one get
//!   the location of their ISP sub-region's bus from option `fallback_locations`
//!   (`rez/isp2024_subregion_buses_pisp.csv`, columns `isp2024_subregion_bus,lat,lon`) with the
//!   larger radius option `fallback_radius_km` (default 150). The 2025 IASR sub-regions map
//!   onto the 12 ISP-2024 buses by code, except `WNV`, `SEV`, `MEL` → `VIC` (2024 had one
//!   Victorian bus) and `NSA` → `CSA` (2024 had no northern-SA bus). The IASR file
//!   `iasr2025_sub_regional_reference_nodes.csv` names reference substations but has no
//!   coordinates, so it cannot serve here. Without the option, such a REZ is an error.
//! - `polygon`: option `polygons` (`rez/rez_polygons_approx_gridmap.geojson`): the outer ring
//!   (closed) of each feature is attached to every REZ listed in its
//!   `iasr2025_rez_id_by_name` (`;`-separated, e.g. `V3;V4`).
//! - Resource limits: option `resource_limits` (`rez_resource_limits_isp2024_partial.csv`,
//!   2024-ISP numbering). Because several 2024 ids mean other zones than in 2025 (2024 `V7` is
//!   Gippsland Coast, 2025 `V7` Central North VIC), a row is used **only when both its id and
//!   its name match** the 2025 REZ (names compared ignoring case and punctuation); its
//!   `solar_resource_mw` and `wind_resource_mw` fill the zone's fields where not empty.
//!   Capacity factors are not in any public file here and stay `None` (the supply model then
//!   scales the donor profile to sitefind's stated assumption, see [`crate::supply::synth`]).
//! - Offshore wind areas: option `offshore` (a list of REZ ids, e.g. `["N10", "N11", "V8",
//!   "V9", "T4"]`, AEMO's offshore REZs in the 2025 IASR) sets `solar_resource_mw` to 0 (such a
//!   zone cannot build solar) and the wind capacity factor to sitefind's offshore assumption
//!   ([`crate::data::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR`], as in the embedded
//!   data). The CSV has no offshore flag, so the manifest states it; an id not in the table is
//!   an error.

use super::super::{LayerSpec, LonLat, RenewableZone};
use super::{option_f64, CsvTable, GeoFeatures, Row};
use crate::error::{Error, Issues, Location, Result};
use std::collections::{BTreeMap, HashMap};

const COLUMNS: &[&str] = &[
    "rez_id",
    "name",
    "nem_region",
    "isp_subregion",
    "tx_limit_summer_typical_mw",
    "tx_expansion_cost_tranche1_musd_per_mw",
    "tx_expansion_cost_tranche2_musd_per_mw",
    "tx_expansion_tranche2_condition",
    "approx_lon",
    "approx_lat",
];

/// The NEM region id for an IASR `nem_region` (`QLD` → `QLD1`).
pub fn nem_region_id(nem_region: &str) -> Option<&'static str> {
    match nem_region.trim().to_ascii_uppercase().as_str() {
        "QLD" | "QLD1" => Some("QLD1"),
        "NSW" | "NSW1" => Some("NSW1"),
        "VIC" | "VIC1" => Some("VIC1"),
        "SA" | "SA1" => Some("SA1"),
        "TAS" | "TAS1" => Some("TAS1"),
        _ => None,
    }
}

/// The ISP-2024 sub-regional bus standing in for a 2025 IASR sub-region.
fn bus_for_subregion(code: &str) -> String {
    match code {
        "WNV" | "SEV" | "MEL" => "VIC".to_string(),
        "NSA" => "CSA".to_string(),
        other => other.to_string(),
    }
}

/// Parses a tranche-2 condition such as `Apply after 500 MW` or `After 700 MW` into MW.
pub fn parse_after_mw(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let rest = &lower[lower.find("after")? + "after".len()..];
    let raw: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    let tail = rest.trim_start()[raw.len()..].trim_start();
    if !tail.starts_with("mw") {
        return None;
    }
    let number: String = raw.chars().filter(|c| *c != ',').collect();
    number.parse().ok()
}

fn norm_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What `load_zones` reads besides the table: its options and the files they name.
struct ZoneInputs {
    /// Radius of a REZ placed at its own coordinates, km.
    radius_km: f64,
    /// Radius of a REZ placed at its sub-region's bus, km.
    fallback_radius_km: f64,
    /// Option `fallback_locations`: bus positions by sub-region code.
    buses: Option<HashMap<String, LonLat>>,
    /// Option `polygons`: outlines by REZ id.
    polygons: BTreeMap<String, Vec<LonLat>>,
    /// Option `resource_limits`: resource MW by (2024) REZ id.
    resources: HashMap<String, Resource>,
    /// Option `offshore`: REZ ids with no solar resource.
    offshore: Vec<String>,
}

/// Reads the options of `spec` and the files they name.
fn zone_inputs(spec: &LayerSpec) -> Result<ZoneInputs> {
    let radius_km = option_f64(spec, "radius_km", 75.0)?;
    let fallback_radius_km = option_f64(spec, "fallback_radius_km", 150.0)?;
    let buses = match spec.extra_path("fallback_locations") {
        Some(path) => Some(read_buses(
            &path,
            &option_label(spec, "fallback_locations"),
        )?),
        None => None,
    };
    let polygons = match spec.extra_path("polygons") {
        Some(path) => read_polygons(&path, &option_label(spec, "polygons"))?,
        None => BTreeMap::new(),
    };
    let resources = match spec.extra_path("resource_limits") {
        Some(path) => read_resources(&path, &option_label(spec, "resource_limits"))?,
        None => HashMap::new(),
    };
    Ok(ZoneInputs {
        radius_km,
        fallback_radius_km,
        buses,
        polygons,
        resources,
        offshore: offshore_ids(spec)?,
    })
}

/// Reads REZs (`aemo-iasr-csv`); see the module doc for every field choice.
pub fn load_zones(spec: &LayerSpec) -> Result<Vec<RenewableZone>> {
    let table = CsvTable::read(&spec.path, &spec.label, COLUMNS)?;
    let inputs = zone_inputs(spec)?;
    let mut issues = Issues::new();
    let max_cost = dearest_tranche1_aud_per_mw(&table, &mut issues);
    if !issues.is_empty() {
        return issues.into_result(Vec::new());
    }
    let mut zones: Vec<RenewableZone> = Vec::with_capacity(table.rows.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in table.iter() {
        if let Some(z) = zone_from_row(&row, &inputs, max_cost, &mut seen, &mut issues) {
            zones.push(z);
        }
    }
    zones.sort_by(|a, b| a.id.cmp(&b.id));
    for id in &inputs.offshore {
        if !seen.contains_key(id) {
            return Err(Error::usage(
                format!(
                    "{}: option `offshore` names REZ `{id}`, which is not in the table",
                    spec.label
                ),
                "list only ids of the table's `rez_id` column, e.g. `offshore = [\"N10\", \"V8\"]`",
            ));
        }
    }
    issues.into_result(zones)
}

/// The dearest published tranche-1 cost, AUD/MW: the stand-in where AEMO gives none.
fn dearest_tranche1_aud_per_mw(table: &CsvTable, issues: &mut Issues) -> f64 {
    let mut max_cost = 0.0_f64;
    for row in table.iter() {
        if let Some(c) = row.opt_f64("tx_expansion_cost_tranche1_musd_per_mw", issues) {
            max_cost = max_cost.max(c * 1e6);
        }
    }
    max_cost
}

/// One REZ from its row, or `None` (with the problems recorded in `issues`) when it has no
/// id or no location; `seen` maps the ids read so far to their lines.
fn zone_from_row(
    row: &Row,
    inputs: &ZoneInputs,
    max_cost: f64,
    seen: &mut HashMap<String, u64>,
    issues: &mut Issues,
) -> Option<RenewableZone> {
    let id = zone_id(row, seen, issues)?;
    let region = zone_region(row, issues);
    let network_limit_mw = row.opt_f64("tx_limit_summer_typical_mw", issues);
    let cost1 = row.opt_f64("tx_expansion_cost_tranche1_musd_per_mw", issues);
    let cost2 = row.opt_f64("tx_expansion_cost_tranche2_musd_per_mw", issues);
    let tranche2_after_mw = tranche2_after(row, issues);
    let (centre, radius) = locate(row, inputs, issues)?;
    let polygon = inputs.polygons.get(&id).cloned();
    let (mut solar, wind) = inputs
        .resources
        .get(&id)
        .filter(|r| norm_name(&r.name) == norm_name(row.str("name")))
        .map(|r| (r.solar_mw, r.wind_mw))
        .unwrap_or((None, None));
    let mut wind_capacity_factor = None;
    if inputs.offshore.contains(&id) {
        solar = Some(0.0);
        wind_capacity_factor = Some(crate::data::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR);
    }
    Some(RenewableZone {
        id,
        name: row.str("name").to_string(),
        region,
        centre,
        radius_km: radius,
        polygon,
        network_limit_mw,
        expansion_cost_aud_per_mw: cost1.map(|c| c * 1e6).unwrap_or(max_cost),
        expansion_cost_tranche2_aud_per_mw: cost2.map(|c| c * 1e6),
        tranche2_after_mw,
        solar_resource_mw: solar,
        wind_resource_mw: wind,
        solar_capacity_factor: None,
        wind_capacity_factor,
    })
}

/// The row's REZ id: `None` when empty; a repeated id is recorded as a problem (and kept).
fn zone_id(row: &Row, seen: &mut HashMap<String, u64>, issues: &mut Issues) -> Option<String> {
    let id = row.str("rez_id").to_string();
    if id.is_empty() {
        issues.push(
            row.at("rez_id"),
            "a REZ id such as `N3`",
            "an empty field",
            "",
        );
        return None;
    }
    if let Some(first) = seen.insert(id.clone(), row.line) {
        issues.push(
            row.at("rez_id"),
            "a unique REZ id",
            format!("`{id}` again (first on line {first})"),
            "remove the duplicate row",
        );
    }
    Some(id)
}

/// The row's NEM region id (`QLD` → `QLD1`); empty, with a problem recorded, if unknown.
fn zone_region(row: &Row, issues: &mut Issues) -> String {
    match nem_region_id(row.str("nem_region")) {
        Some(r) => r.to_string(),
        None => {
            issues.push(
                row.at("nem_region"),
                "one of QLD, NSW, VIC, SA, TAS",
                format!("`{}`", row.str("nem_region")),
                "",
            );
            String::new()
        }
    }
}

/// The MW after which tranche 2 applies, from the row's condition text (empty → `None`).
fn tranche2_after(row: &Row, issues: &mut Issues) -> Option<f64> {
    let condition = row.str("tx_expansion_tranche2_condition");
    if condition.is_empty() {
        return None;
    }
    let v = parse_after_mw(condition);
    if v.is_none() {
        issues.push(
            row.at("tx_expansion_tranche2_condition"),
            "a condition like `Apply after 500 MW`",
            format!("`{condition}`"),
            "",
        );
    }
    v
}

/// The REZ's centre and radius: its own coordinates, else its sub-region's bus from option
/// `fallback_locations`; `None` (with a problem recorded) when neither is there.
fn locate(row: &Row, inputs: &ZoneInputs, issues: &mut Issues) -> Option<(LonLat, f64)> {
    let lon = row.opt_f64("approx_lon", issues);
    let lat = row.opt_f64("approx_lat", issues);
    if let (Some(lon), Some(lat)) = (lon, lat) {
        return Some((LonLat::new(lon, lat), inputs.radius_km));
    }
    let sub = row.str("isp_subregion");
    let Some(buses) = &inputs.buses else {
        issues.push(
            row.at("approx_lon/approx_lat"),
            "a location",
            "empty fields",
            "set option `fallback_locations` to rez/isp2024_subregion_buses_pisp.csv to place REZs without one at their sub-region's bus",
        );
        return None;
    };
    match buses.get(&bus_for_subregion(sub)) {
        Some(p) => Some((*p, inputs.fallback_radius_km)),
        None => {
            issues.push(
                row.at("isp_subregion"),
                "a sub-region with a bus in the `fallback_locations` file",
                format!("`{sub}`"),
                "add the sub-region's bus to the fallback file",
            );
            None
        }
    }
}

/// The `offshore` option: REZ ids with no solar resource.
fn offshore_ids(spec: &LayerSpec) -> Result<Vec<String>> {
    let Some(v) = spec.options.get("offshore") else {
        return Ok(Vec::new());
    };
    let bad = || {
        Error::usage(
            format!(
                "{}: option `offshore` = {v}: expected a list of REZ ids",
                spec.label
            ),
            "write e.g. `offshore = [\"N10\", \"N11\", \"V8\", \"V9\", \"T4\"]`",
        )
    };
    let arr = v.as_array().ok_or_else(bad)?;
    arr.iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
        .collect()
}

fn option_label(spec: &LayerSpec, key: &str) -> String {
    spec.options
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or(key)
        .to_string()
}

fn read_buses(path: &std::path::Path, label: &str) -> Result<HashMap<String, LonLat>> {
    let table = CsvTable::read(path, label, &["isp2024_subregion_bus", "lat", "lon"])?;
    let mut issues = Issues::new();
    let mut out = HashMap::new();
    for row in table.iter() {
        if let Some(p) = row.lonlat("lon", "lat", &mut issues) {
            out.insert(row.str("isp2024_subregion_bus").to_string(), p);
        }
    }
    issues.into_result(out)
}

/// What is wrong with a polygon's outer ring, if anything: `(expected, found, hint)`. A ring
/// must be closed (RFC 7946 §3.1.6: first position = last), have at least 4 positions and not
/// intersect itself (checked with `geo`'s OGC validation).
pub(crate) fn ring_problem(ring: &[LonLat]) -> Option<(String, String, String)> {
    use geo::Validation;
    if ring.len() < 4 {
        return Some((
            "a closed ring of at least 4 positions".into(),
            format!("{} positions", ring.len()),
            "RFC 7946 rings repeat the first position at the end: a triangle has 4".into(),
        ));
    }
    if ring.first() != ring.last() {
        return Some((
            "a closed ring (the last position equal to the first)".into(),
            format!("first {:?}, last {:?}", ring[0], ring[ring.len() - 1]),
            "repeat the first position at the end of the ring (RFC 7946 §3.1.6)".into(),
        ));
    }
    let line: geo::LineString<f64> = ring.iter().map(|p| (p.lon, p.lat)).collect();
    let poly = geo::Polygon::new(line, vec![]);
    poly.validation_errors().into_iter().next().map(|e| {
        (
            "a simple (not self-intersecting) polygon ring".into(),
            e.to_string(),
            "fix the ring in a GIS (e.g. QGIS \"Fix geometries\"); a bow-tie ring has no well-defined inside".into(),
        )
    })
}

fn read_polygons(path: &std::path::Path, label: &str) -> Result<BTreeMap<String, Vec<LonLat>>> {
    let features = GeoFeatures::read(path, label)?;
    if features.len() == 0 {
        return Err(Error::Parse {
            at: Location::file(label).field("features"),
            message: "the polygon file has no features".into(),
            hint: "give one Polygon feature per REZ, or drop the `polygons` option to use the zones' radii".into(),
        });
    }
    let mut issues = Issues::new();
    let mut out = BTreeMap::new();
    for f in features.iter() {
        let ids = f.str("iasr2025_rez_id_by_name", &mut issues);
        let Some((kind, coords)) = f.geometry(&mut issues) else {
            continue;
        };
        // Outer ring: Polygon → coordinates[0]; MultiPolygon → first polygon's outer ring.
        let ring = match kind {
            "Polygon" => coords.get(0),
            "MultiPolygon" => coords.get(0).and_then(|p| p.get(0)),
            other => {
                issues.push(
                    f.at("geometry"),
                    "a Polygon or MultiPolygon",
                    other.to_string(),
                    "",
                );
                continue;
            }
        };
        let Some(ring) = ring.and_then(|r| f.positions(r, &mut issues)) else {
            continue;
        };
        if let Some((expected, found, hint)) = ring_problem(&ring) {
            issues.push(f.at("geometry"), expected, found, hint);
            continue;
        }
        for id in ids.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            out.insert(id.to_string(), ring.clone());
        }
    }
    issues.into_result(out)
}

struct Resource {
    name: String,
    solar_mw: Option<f64>,
    wind_mw: Option<f64>,
}

fn read_resources(path: &std::path::Path, label: &str) -> Result<HashMap<String, Resource>> {
    let table = CsvTable::read(
        path,
        label,
        &["rez_id", "name", "wind_resource_mw", "solar_resource_mw"],
    )?;
    let mut issues = Issues::new();
    let mut out = HashMap::new();
    for row in table.iter() {
        let r = Resource {
            name: row.str("name").to_string(),
            solar_mw: row.opt_f64("solar_resource_mw", &mut issues),
            wind_mw: row.opt_f64("wind_resource_mw", &mut issues),
        };
        out.insert(row.str("rez_id").to_string(), r);
    }
    issues.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::data::LayerFormat;
    use crate::error::Error;

    const HEADER: &str = "rez_id,name,nem_region,isp_subregion,tx_limit_peak_mw,tx_limit_summer_typical_mw,tx_limit_winter_reference_mw,tx_limit_note,tx_expansion_cost_tranche1_musd_per_mw,tx_expansion_cost_tranche2_musd_per_mw,tx_expansion_tranche2_condition,connection_network_voltage_kv,connection_capacity_mva,connection_feeder_km,connection_cost_aud_per_kw,approx_lon,approx_lat,approx_n_stations\n";

    #[test]
    fn tranche_conditions() {
        assert_eq!(parse_after_mw("Apply after 500 MW"), Some(500.0));
        assert_eq!(parse_after_mw("After 700 MW"), Some(700.0));
        assert_eq!(parse_after_mw("Apply after 1,360 MW"), Some(1360.0));
        assert_eq!(parse_after_mw("sometimes"), None);
    }

    #[test]
    fn offshore_option_removes_solar_and_names_unknown_ids() {
        let dir = tempfile::tempdir().unwrap();
        let csv = format!(
            "{HEADER}N10,Hunter Coast,NSW,SNW,5650,5650,5650,,0.77,,,330,1000,10,100,152.05,-32.9,1\n\
             N3,Central-West Orana,NSW,CNSW,4500,4500,4500,,0.5,,,330,1000,10,100,149.6,-32.3,4\n"
        );
        fixture::write(dir.path(), &[("rez.csv", &csv)]);
        let spec = |opt: &str| fixture::spec(dir.path(), "rez.csv", LayerFormat::AemoIasrCsv, opt);
        let zones = load_zones(&spec(r#"offshore = ["N10"]"#)).unwrap();
        assert_eq!(zones[0].id, "N10");
        assert_eq!(zones[0].solar_resource_mw, Some(0.0));
        assert_eq!(
            zones[0].wind_capacity_factor,
            Some(crate::data::ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR)
        );
        assert_eq!(zones[1].solar_resource_mw, None);
        assert_eq!(zones[1].wind_capacity_factor, None);
        let e = load_zones(&spec(r#"offshore = ["N99"]"#)).unwrap_err();
        assert!(matches!(e, Error::Usage { .. }), "{e}");
        assert!(e.to_string().contains("`N99`"), "{e}");
        let e = load_zones(&spec(r#"offshore = "N10""#)).unwrap_err();
        assert!(e.to_string().contains("expected a list of REZ ids"), "{e}");
    }

    #[test]
    fn zones_with_fallback_polygon_and_resources() {
        let dir = tempfile::tempdir().unwrap();
        let csv = format!(
            "{HEADER}Q2,North Qld Clean Energy Hub,QLD,NQ,700.0,700.0,700.0,,2.5,1.1,Apply after 500 MW,275,300,10,240,144.186,-20.8548,3\n\
             V7,Central North VIC,VIC,WNV,,,,Group,,,,220,300,5,100,,,\n"
        );
        fixture::write(
            dir.path(),
            &[
                ("rez.csv", &csv),
                ("buses.csv", "isp2024_subregion_bus,lat,lon\nVIC,-37.77,144.94\nNQ,-17.8,145.6\n"),
                (
                    "poly.geojson",
                    r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"iasr2025_rez_id_by_name":"V7;V9"},"geometry":{"type":"Polygon","coordinates":[[[146,-36],[147,-36],[147,-37],[146,-36]]]}}]}"#,
                ),
                (
                    "res.csv",
                    "rez_id,name,region,wind_high_mw,wind_medium_mw,wind_resource_mw,solar_resource_mw,total_resource_limit_mw,land_area_km2\nQ2,North Qld Clean Energy Hub,QLD,1,2,3000,4000,7000,1\nV7,Gippsland Coast,VIC,,,9000,,9000,\n",
                ),
            ],
        );
        let spec = fixture::spec(
            dir.path(),
            "rez.csv",
            LayerFormat::AemoIasrCsv,
            r#"fallback_locations = "buses.csv"
polygons = "poly.geojson"
resource_limits = "res.csv"
radius_km = 50"#,
        );
        let zones = load_zones(&spec).unwrap();
        assert_eq!(zones.len(), 2);
        let q2 = &zones[0];
        assert_eq!(q2.id, "Q2");
        assert_eq!(q2.region, "QLD1");
        assert_eq!(q2.radius_km, 50.0);
        assert_eq!(q2.network_limit_mw, Some(700.0));
        assert!((q2.expansion_cost_aud_per_mw - 2.5e6).abs() < 1e-6);
        assert!((q2.expansion_cost_tranche2_aud_per_mw.unwrap() - 1.1e6).abs() < 1e-6);
        assert_eq!(q2.tranche2_after_mw, Some(500.0));
        assert_eq!(q2.solar_resource_mw, Some(4000.0));
        assert_eq!(q2.wind_resource_mw, Some(3000.0));
        assert!(q2.polygon.is_none());
        let v7 = &zones[1];
        assert_eq!(v7.region, "VIC1");
        assert_eq!(v7.centre, LonLat::new(144.94, -37.77));
        assert_eq!(v7.radius_km, 150.0);
        assert_eq!(v7.network_limit_mw, None);
        // No AEMO cost: the dearest published tranche-1 cost.
        assert!((v7.expansion_cost_aud_per_mw - 2.5e6).abs() < 1e-6);
        // 2024 V7 is another zone (name differs): not attached.
        assert_eq!(v7.wind_resource_mw, None);
        let ring = v7.polygon.as_ref().unwrap();
        assert_eq!(ring.len(), 4);
        assert_eq!(ring.first(), ring.last());
    }

    #[test]
    fn zone_problems_are_all_reported() {
        let dir = tempfile::tempdir().unwrap();
        let csv = format!(
            "{HEADER}Q1,A,QLD,NQ,1,x,1,,1,,,1,1,1,1,,,\nQ2,B,WA,NQ,1,1,1,,1,,Apply later,1,1,1,1,150,-20,1\n"
        );
        fixture::write(dir.path(), &[("rez.csv", &csv)]);
        let spec = fixture::spec(dir.path(), "rez.csv", LayerFormat::AemoIasrCsv, "");
        let err = load_zones(&spec).err().unwrap();
        let Error::Invalid(issues) = err else {
            panic!("{err}")
        };
        let fields: Vec<&str> = issues.iter().map(|i| i.at.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "tx_limit_summer_typical_mw",
                "approx_lon/approx_lat",
                "nem_region",
                "tx_expansion_tranche2_condition"
            ],
            "{issues:?}"
        );
        assert_eq!(issues[0].at.record, "line 2");
    }

    /// Issue 10: self-intersecting, unclosed and empty REZ polygon files are errors naming the
    /// GeoJSON file and the feature.
    #[test]
    fn bad_polygon_files_are_rejected() {
        let feature = |coords: &str| {
            format!(
                r#"{{"type":"Feature","properties":{{"iasr2025_rez_id_by_name":"Q2"}},"geometry":{{"type":"Polygon","coordinates":[{coords}]}}}}"#
            )
        };
        let ok = feature("[[146,-36],[147,-36],[147,-37],[146,-36]]");
        let cases = [
            (
                "bow-tie",
                feature("[[146,-36],[147,-37],[147,-36],[146,-37],[146,-36]]"),
                "self-intersection",
            ),
            (
                "unclosed",
                feature("[[146,-36],[147,-36],[147,-37],[146,-37]]"),
                "closed ring",
            ),
            (
                "too short",
                feature("[[146,-36],[147,-36],[146,-36]]"),
                "at least 4",
            ),
        ];
        for (what, bad, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            let csv = format!(
                "{HEADER}Q2,North Qld Clean Energy Hub,QLD,NQ,700.0,700.0,700.0,,2.5,1.1,Apply after 500 MW,275,300,10,240,144.186,-20.8548,3\n"
            );
            let poly = format!(r#"{{"type":"FeatureCollection","features":[{ok},{bad}]}}"#);
            fixture::write(dir.path(), &[("rez.csv", &csv), ("poly.geojson", &poly)]);
            let spec = fixture::spec(
                dir.path(),
                "rez.csv",
                LayerFormat::AemoIasrCsv,
                r#"polygons = "poly.geojson""#,
            );
            let e = load_zones(&spec).unwrap_err().to_string();
            assert!(
                e.contains("poly.geojson") && e.contains("feature 1"),
                "{what}: {e}"
            );
            assert!(e.contains(expected), "{what}: {e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let csv = format!(
            "{HEADER}Q2,North Qld Clean Energy Hub,QLD,NQ,700.0,700.0,700.0,,2.5,1.1,Apply after 500 MW,275,300,10,240,144.186,-20.8548,3\n"
        );
        fixture::write(
            dir.path(),
            &[
                ("rez.csv", &csv),
                (
                    "poly.geojson",
                    r#"{"type":"FeatureCollection","features":[]}"#,
                ),
            ],
        );
        let spec = fixture::spec(
            dir.path(),
            "rez.csv",
            LayerFormat::AemoIasrCsv,
            r#"polygons = "poly.geojson""#,
        );
        let e = load_zones(&spec).unwrap_err().to_string();
        assert!(
            e.contains("poly.geojson") && e.contains("no features"),
            "{e}"
        );
    }
}

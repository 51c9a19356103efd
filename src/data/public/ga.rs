//! Geoscience Australia layers: substations and transmission lines (`ga-geojson`, as
//! republished in `grid/`) and mines and mineral deposits (`ga-csv`, `minerals/`).
//!
//! # Ids
//! GA's GeoJSON here carries no stable feature id, so ids are derived from the feature's
//! position in the file and its name: `ga-sub-0001-bowen-north`, `ga-line-0001-taree-to-stroud`
//! (1-based, zero-padded so that sorting by id keeps file order). They are unique and the same
//! on every run for the same file.
//!
//! # Lines
//! A `MultiLineString` feature keeps its **longest part** (by geodesic length) rather than
//! concatenating the parts: joining disjoint parts would invent a straight segment between
//! them, which a distance-to-line test would then treat as real. (The current GA file holds
//! only `LineString`s.)

use super::super::{state_code, LayerSpec, MineralSite, Substation, TransmissionLine};
use super::{slug, CsvTable, GeoFeatures};
use crate::error::{Issues, Result};
use crate::spatial::geodesy::path_length_km;
use std::collections::HashMap;

/// Parses a published voltage text (`132`, `330/132`, `66 kV`) into its highest value, kV.
pub fn parse_voltage_kv(text: &str) -> Option<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

/// Reads substations (`ga-geojson`): `name`, `operationalstatus`, `voltage_kv` (or the text
/// `voltage` when the number is absent), `state` (normalised to a code) and the Point.
pub fn load_substations(spec: &LayerSpec) -> Result<Vec<Substation>> {
    let features = GeoFeatures::read(&spec.path, &spec.label)?;
    let mut issues = Issues::new();
    let mut out = Vec::with_capacity(features.len());
    for f in features.iter() {
        let name = f.str("name", &mut issues);
        let status = f.str("operationalstatus", &mut issues);
        let state = state_code(&f.opt_str("state"));
        let voltage = match f.opt_f64("voltage_kv", &mut issues) {
            Some(v) => Some(v),
            None => {
                let text = f.str("voltage", &mut issues);
                let v = parse_voltage_kv(&text);
                if v.is_none() && f.has("voltage") {
                    issues.push(
                        f.at("voltage"),
                        "a voltage in kV such as `132` or `330/132`",
                        format!("`{text}`"),
                        "",
                    );
                }
                v
            }
        };
        let location = f.point(&mut issues);
        let (Some(voltage_kv), Some(location)) = (voltage, location) else {
            continue;
        };
        out.push(Substation {
            id: format!("ga-sub-{:04}-{}", f.index + 1, slug(&name)),
            name,
            location,
            voltage_kv,
            state,
            spare_mw: None,
            operational: status.eq_ignore_ascii_case("operational"),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    issues.into_result(out)
}

/// Reads transmission lines (`ga-geojson`): `name`, `state`, `voltage_kv`, `status`
/// (`Operational` → operational) and the LineString (see the module doc for MultiLineString).
pub fn load_lines(spec: &LayerSpec) -> Result<Vec<TransmissionLine>> {
    let features = GeoFeatures::read(&spec.path, &spec.label)?;
    let mut issues = Issues::new();
    let mut out = Vec::with_capacity(features.len());
    for f in features.iter() {
        let name = f.str("name", &mut issues);
        let status = f.str("status", &mut issues);
        let state = state_code(&f.opt_str("state"));
        let before = issues.0.len();
        let voltage = f.opt_f64("voltage_kv", &mut issues);
        if voltage.is_none() && issues.0.len() == before {
            issues.push(
                f.at("voltage_kv"),
                "a nominal voltage, kV",
                "none",
                "every GA line has a voltage; is this the GA transmission-lines file?",
            );
        }
        let parts = f.lines(&mut issues);
        let (Some(voltage_kv), Some(parts)) = (voltage, parts) else {
            continue;
        };
        let longest = parts.into_iter().map(|p| (path_length_km(&p), p)).fold(
            None,
            |best: Option<(f64, Vec<_>)>, (len, p)| match best {
                Some((b, bp)) if b >= len => Some((b, bp)),
                _ => Some((len, p)),
            },
        );
        let path = match longest {
            Some((_, p)) if p.len() >= 2 => p,
            _ => {
                issues.push(
                    f.at("geometry"),
                    "a line of at least two positions",
                    "fewer",
                    "",
                );
                continue;
            }
        };
        out.push(TransmissionLine {
            id: format!("ga-line-{:04}-{}", f.index + 1, slug(&name)),
            name,
            voltage_kv,
            state,
            path,
            operational: status.trim().eq_ignore_ascii_case("operational"),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    issues.into_result(out)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads mines and deposits (`ga-csv`): id = `ga_id`, `commodities` and
/// `critical_commodities` split on `;`, status = `mine_status`, position `lon`/`lat`.
pub fn load_minerals(spec: &LayerSpec) -> Result<Vec<MineralSite>> {
    let table = CsvTable::read(
        &spec.path,
        &spec.label,
        &[
            "ga_id",
            "name",
            "mine_status",
            "commodities",
            "critical_commodities",
            "lon",
            "lat",
        ],
    )?;
    let mut issues = Issues::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in table.iter() {
        let id = row.str("ga_id").to_string();
        if id.is_empty() {
            issues.push(row.at("ga_id"), "a GA feature id", "an empty field", "");
            continue;
        }
        if let Some(first) = seen.insert(id.clone(), row.line) {
            issues.push(
                row.at("ga_id"),
                "a unique id",
                format!("`{id}` again (first on line {first})"),
                "remove the duplicate row",
            );
            continue;
        }
        let Some(location) = row.lonlat("lon", "lat", &mut issues) else {
            continue;
        };
        out.push(MineralSite {
            id,
            name: row.str("name").to_string(),
            location,
            commodities: split_list(row.str("commodities")),
            critical: split_list(row.str("critical_commodities")),
            status: row.str("mine_status").to_string(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    issues.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::data::{LayerFormat, LonLat};
    use crate::error::Error;

    #[test]
    fn voltages() {
        assert_eq!(parse_voltage_kv("132"), Some(132.0));
        assert_eq!(parse_voltage_kv("330/132"), Some(330.0));
        assert_eq!(parse_voltage_kv("66 kV"), Some(66.0));
        assert_eq!(parse_voltage_kv("unknown"), None);
    }

    #[test]
    fn substations_from_geojson() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "s.geojson",
                r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"Bowen North","operationalstatus":"Operational","voltage":"132","voltage_kv":132.0,"state":"Queensland"},"geometry":{"type":"Point","coordinates":[148.1675,-20.0178]}},
{"type":"Feature","properties":{"name":"Old","operationalstatus":"Non-Operational","voltage":"330/66","voltage_kv":null,"state":"Tasmania"},"geometry":{"type":"Point","coordinates":[147.0,-42.0]}}]}"#,
            )],
        );
        let spec = fixture::spec(dir.path(), "s.geojson", LayerFormat::GaGeojson, "");
        let subs = load_substations(&spec).unwrap();
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].id, "ga-sub-0001-bowen-north");
        assert_eq!(subs[0].state, "QLD");
        assert!(subs[0].operational);
        assert_eq!(subs[0].location, LonLat::new(148.1675, -20.0178));
        assert_eq!(subs[1].voltage_kv, 330.0);
        assert_eq!(subs[1].state, "TAS");
        assert!(!subs[1].operational);
    }

    #[test]
    fn substation_problems_name_feature_and_field() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "s.geojson",
                r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"A","operationalstatus":"Operational","voltage":"x","voltage_kv":"high","state":"NSW"},"geometry":{"type":"Point","coordinates":[150,-33]}},
{"type":"Feature","properties":{"name":"B","voltage_kv":66},"geometry":{"type":"Point","coordinates":[-33,150]}}]}"#,
            )],
        );
        let spec = fixture::spec(dir.path(), "s.geojson", LayerFormat::GaGeojson, "");
        let Err(Error::Invalid(issues)) = load_substations(&spec) else {
            panic!("expected invalid")
        };
        let got: Vec<(String, String)> = issues
            .iter()
            .map(|i| (i.at.record.clone(), i.at.field.clone()))
            .collect();
        assert!(
            got.contains(&("feature 0".into(), "voltage_kv".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("feature 0".into(), "voltage".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("feature 1".into(), "operationalstatus".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("feature 1".into(), "geometry".into())),
            "{got:?}"
        );
    }

    #[test]
    fn lines_keep_longest_part() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "l.geojson",
                r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"A to B","state":"NSW","voltage_kv":330,"status":"Operational"},"geometry":{"type":"LineString","coordinates":[[150,-33],[150.1,-33.1]]}},
{"type":"Feature","properties":{"name":"C to D","state":null,"voltage_kv":132,"status":"Under Construction"},"geometry":{"type":"MultiLineString","coordinates":[[[140,-30],[140.01,-30]],[[141,-30],[141.5,-30],[142,-30]]]}}]}"#,
            )],
        );
        let spec = fixture::spec(dir.path(), "l.geojson", LayerFormat::GaGeojson, "");
        let lines = load_lines(&spec).unwrap();
        assert_eq!(lines[0].id, "ga-line-0001-a-to-b");
        assert!(lines[0].operational);
        assert_eq!(lines[1].state, "");
        assert!(!lines[1].operational);
        assert_eq!(lines[1].path.len(), 3);
        assert_eq!(lines[1].path[0], LonLat::new(141.0, -30.0));
    }

    #[test]
    fn minerals_from_csv() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "m.csv",
                "ga_id,name,mine_status,occurrence_type,commodities,secondary_commodities,first_commodity,critical_commodities,owner,geologic_history,deposit_model,positional_accuracy,lon,lat\n\
                 333286,Bethanga,historic mine,deposit,Gold;Copper,,Gold,,,x,,100 metres,147.09,-36.11\n\
                 7,Greenbushes,operating mine,deposit,Lithium;Tantalum,,Lithium,Lithium;Tantalum,,,,,116.06,-33.86\n\
                 8,Bad,,deposit,,,,,,,,,abc,-33\n\
                 7,Dup,,deposit,,,,,,,,,116,-33\n",
            )],
        );
        let spec = fixture::spec(dir.path(), "m.csv", LayerFormat::GaCsv, "");
        let Err(Error::Invalid(issues)) = load_minerals(&spec) else {
            panic!("expected invalid")
        };
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert_eq!(issues[0].at.record, "line 4");
        assert_eq!(issues[0].at.field, "lon");
        assert_eq!(issues[1].at.record, "line 5");
        let dir2 = tempfile::tempdir().unwrap();
        fixture::write(
            dir2.path(),
            &[(
                "m.csv",
                "ga_id,name,mine_status,commodities,critical_commodities,lon,lat\n7,Greenbushes,operating mine,Lithium;Tantalum,Lithium;Tantalum,116.06,-33.86\n",
            )],
        );
        let spec = fixture::spec(dir2.path(), "m.csv", LayerFormat::GaCsv, "");
        let m = load_minerals(&spec).unwrap();
        assert_eq!(m[0].commodities, ["Lithium", "Tantalum"]);
        assert!(m[0].is_critical());
    }
}

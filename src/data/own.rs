//! sitefind's own CSV schemas (`format = "sitefind-csv"` in a manifest).
//!
//! Every file is UTF-8 CSV with a header line. Columns may come in any order; a `source`
//! column (free text: where the record comes from) is allowed and ignored; any other unknown
//! column is an error (it is usually a typo). Columns whose value is optional may be left out
//! of the header entirely; an empty cell in them means "unknown". Lists inside a cell are
//! `;`-separated. Numbers must be finite decimals (`NaN`, `inf` are rejected).
//!
//! The readers parse text (`label` names the file in errors) so that the embedded dataset and
//! files on disk go through the same code. Every problem in a file is collected before the
//! reader returns ([`Error::Invalid`]); each names the CSV line (header = line 1), the record
//! id, the column, what was expected and what was found. Range checks (voltage > 0, lon/lat in
//! Australia, …) are done for the whole dataset by [`super::validate`].

use super::{
    CableSegment, CableSystem, ExistingDataCentre, GridGroup, GridGroupKind, LandingStation,
    LonLat, MineralSite, PointOfPresence, RegionGridLimit, RegionProfile, RenewableZone,
    Substation, TransmissionLine,
};
use crate::error::{Error, Issues, Location, Result};
use std::collections::HashMap;

/// A record with the CSV line it started on (header = line 1).
pub type Lined<T> = (u64, T);

/// Column `source`: free text, always allowed, ignored.
const SOURCE_COLUMN: &str = "source";

/// One CSV schema: columns that must be in the header, and columns that may be left out.
struct Schema {
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// The column naming the record in errors.
    id: &'static str,
}

const ZONES: Schema = Schema {
    required: &[
        "id",
        "name",
        "region",
        "lon",
        "lat",
        "radius_km",
        "expansion_cost_aud_per_mw",
    ],
    optional: &[
        "network_limit_mw",
        "expansion_cost_tranche2_aud_per_mw",
        "tranche2_after_mw",
        "solar_resource_mw",
        "wind_resource_mw",
        "solar_capacity_factor",
        "wind_capacity_factor",
    ],
    id: "id",
};

const SUBSTATIONS: Schema = Schema {
    required: &["id", "name", "lon", "lat", "voltage_kv"],
    optional: &["state", "spare_mw", "operational"],
    id: "id",
};

const LINES: Schema = Schema {
    required: &["id", "name", "voltage_kv", "path"],
    optional: &["state", "operational"],
    id: "id",
};

const MINERALS: Schema = Schema {
    required: &["id", "name", "lon", "lat", "commodities"],
    optional: &["critical", "status"],
    id: "id",
};

const LANDINGS: Schema = Schema {
    required: &["id", "name", "lon", "lat", "country"],
    optional: &[],
    id: "id",
};

const CABLES: Schema = Schema {
    required: &["id", "name", "landing_ids"],
    optional: &["length_km", "rfs_year", "planned", "owners"],
    id: "id",
};

const SEGMENTS: Schema = Schema {
    required: &["cable_id", "from", "to", "length_km"],
    optional: &["length_source"],
    id: "cable_id",
};

const DATACENTRES: Schema = Schema {
    required: &["id", "name", "lon", "lat", "country"],
    optional: &["operator", "state"],
    id: "id",
};

const POPS: Schema = Schema {
    required: &["id", "name", "lon", "lat", "country"],
    optional: &["gateway"],
    id: "id",
};

const REGIONS: Schema = Schema {
    required: &["id", "name", "states", "price_aud_per_mwh", "mean_temp_c"],
    optional: &[],
    id: "id",
};

const GRID_GROUPS: Schema = Schema {
    required: &["id", "name", "kind", "region", "members", "limit_mw"],
    optional: &["expansion_cost_aud_per_mw", "estimate"],
    id: "id",
};

const REGION_LIMITS: Schema = Schema {
    required: &["id", "mean_demand_mw", "import_capability_mw"],
    optional: &["estimate"],
    id: "id",
};

const NUMBER_HINT: &str =
    "write a plain decimal number with `.` as decimal point and no thousands separator or unit";

/// One data row being read: gives typed cells and records problems with full context.
struct Row<'a> {
    label: &'a str,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
    line: u64,
    id: String,
}

impl Row<'_> {
    fn at(&self, column: &str) -> Location {
        let record = if self.id.is_empty() {
            format!("line {}", self.line)
        } else {
            format!("line {} \"{}\"", self.line, self.id)
        };
        Location::file(self.label).record(record).field(column)
    }

    /// The trimmed cell, empty if the column is absent.
    fn cell(&self, column: &str) -> &str {
        self.columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// A required, non-empty text cell.
    fn text(&self, column: &str, issues: &mut Issues) -> String {
        let cell = self.cell(column);
        if cell.is_empty() {
            issues.push(
                self.at(column),
                "a non-empty value",
                "an empty cell",
                format!("fill in `{column}`; it is required"),
            );
        }
        cell.to_string()
    }

    /// A cell that may be empty.
    fn opt_text(&self, column: &str) -> String {
        self.cell(column).to_string()
    }

    fn parse_number(&self, column: &str, cell: &str, issues: &mut Issues) -> f64 {
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            Ok(_) => {
                issues.push(
                    self.at(column),
                    "a finite number",
                    format!("`{cell}`"),
                    "NaN and infinities are not allowed; leave the cell empty if the value is unknown and the column is optional",
                );
                0.0
            }
            Err(_) => {
                issues.push(
                    self.at(column),
                    "a number",
                    format!("`{cell}`"),
                    NUMBER_HINT,
                );
                0.0
            }
        }
    }

    /// A required finite number.
    fn num(&self, column: &str, issues: &mut Issues) -> f64 {
        let cell = self.cell(column);
        if cell.is_empty() {
            issues.push(
                self.at(column),
                "a number",
                "an empty cell",
                format!("fill in `{column}`; it is required"),
            );
            return 0.0;
        }
        self.parse_number(column, cell, issues)
    }

    /// An optional finite number: empty cell = `None`.
    fn opt_num(&self, column: &str, issues: &mut Issues) -> Option<f64> {
        let cell = self.cell(column);
        if cell.is_empty() {
            None
        } else {
            Some(self.parse_number(column, cell, issues))
        }
    }

    /// An optional whole year / count.
    fn opt_u32(&self, column: &str, issues: &mut Issues) -> Option<u32> {
        let cell = self.cell(column);
        if cell.is_empty() {
            return None;
        }
        match cell.parse::<u32>() {
            Ok(v) => Some(v),
            Err(_) => {
                issues.push(
                    self.at(column),
                    "a whole number (e.g. a year such as 2020)",
                    format!("`{cell}`"),
                    "leave the cell empty if unknown",
                );
                None
            }
        }
    }

    /// A boolean (`true`/`false`, also `yes`/`no`, `1`/`0`); empty = `default`.
    fn bool(&self, column: &str, default: bool, issues: &mut Issues) -> bool {
        let cell = self.cell(column);
        match cell.to_ascii_lowercase().as_str() {
            "" => default,
            "true" | "yes" | "1" => true,
            "false" | "no" | "0" => false,
            _ => {
                issues.push(
                    self.at(column),
                    "`true` or `false`",
                    format!("`{cell}`"),
                    format!("leave the cell empty for the default ({default})"),
                );
                default
            }
        }
    }

    /// A `;`-separated list (empty items dropped).
    fn list(&self, column: &str) -> Vec<String> {
        split_list(self.cell(column))
    }

    /// A point from the `lon` and `lat` columns.
    fn lon_lat(&self, issues: &mut Issues) -> LonLat {
        LonLat::new(self.num("lon", issues), self.num("lat", issues))
    }

    /// A path `lon lat;lon lat;…`.
    fn path(&self, column: &str, issues: &mut Issues) -> Vec<LonLat> {
        let mut out = Vec::new();
        for (i, vertex) in self.cell(column).split(';').enumerate() {
            let vertex = vertex.trim();
            if vertex.is_empty() {
                continue;
            }
            let parts: Vec<&str> = vertex.split_whitespace().collect();
            let parsed = match parts.as_slice() {
                [lon, lat] => match (lon.parse::<f64>(), lat.parse::<f64>()) {
                    (Ok(lon), Ok(lat)) if lon.is_finite() && lat.is_finite() => {
                        Some(LonLat::new(lon, lat))
                    }
                    _ => None,
                },
                _ => None,
            };
            match parsed {
                Some(p) => out.push(p),
                None => issues.push(
                    self.at(column),
                    format!("vertex {i} as `lon lat` (two finite numbers separated by a space)"),
                    format!("`{vertex}`"),
                    "write the path as `lon lat;lon lat;…` in degrees, longitude first",
                ),
            }
        }
        out
    }
}

/// Splits a `;`-separated cell into trimmed, non-empty items.
fn split_list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads a CSV text against `schema`; `build` makes one record from a row, recording problems
/// in `issues`. Rows with any problem are dropped; all problems are returned together.
fn read_csv<T>(
    label: &str,
    text: &str,
    schema: &Schema,
    mut build: impl FnMut(&Row<'_>, &mut Issues) -> T,
) -> Result<Vec<Lined<T>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(label, &e))?.clone();
    let columns = header_columns(label, &header, schema)?;
    let mut issues = Issues::new();
    let mut out = Vec::new();
    for result in reader.records() {
        let Some(record) = csv_record(label, result, &mut issues) else {
            continue;
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let id_cell = columns
            .get(schema.id)
            .and_then(|&i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
            .to_string();
        if record.len() != header.len() {
            wrong_width(label, &record, header.len(), line, &id_cell, &mut issues);
            continue;
        }
        let row = Row {
            label,
            record: &record,
            columns: &columns,
            line,
            id: id_cell,
        };
        let before = issues.0.len();
        let item = build(&row, &mut issues);
        if issues.0.len() == before {
            out.push((line, item));
        }
    }
    issues.into_result(out)
}

/// The header's column positions by name; each column once, only columns of `schema` (and
/// `source`), every required column present. All header problems are returned together.
fn header_columns(
    label: &str,
    header: &csv::StringRecord,
    schema: &Schema,
) -> Result<HashMap<String, usize>> {
    let mut issues = Issues::new();
    let mut columns = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        if columns.insert(name.to_string(), i).is_some() {
            issues.push(
                Location::file(label).record("line 1 (header)").field(name),
                "each column once",
                format!("`{name}` twice"),
                "remove the duplicate column",
            );
        } else if name != SOURCE_COLUMN
            && !schema.required.contains(&name)
            && !schema.optional.contains(&name)
        {
            issues.push(
                Location::file(label).record("line 1 (header)").field(name),
                format!("only the columns {}", schema_columns(schema).join(",")),
                format!("unknown column `{name}`"),
                "check the column name for typos; a free-text `source` column is allowed",
            );
        }
    }
    missing_columns(label, header, schema, &columns, &mut issues);
    if !issues.is_empty() {
        return Err(Error::Invalid(issues.0));
    }
    Ok(columns)
}

/// Records one problem naming every required column of `schema` the header lacks.
fn missing_columns(
    label: &str,
    header: &csv::StringRecord,
    schema: &Schema,
    columns: &HashMap<String, usize>,
    issues: &mut Issues,
) {
    let missing: Vec<&str> = schema
        .required
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect();
    if missing.is_empty() {
        return;
    }
    let header_text = header.iter().collect::<Vec<_>>().join(",");
    issues.push(
        Location::file(label)
            .record("line 1 (header)")
            .field(missing.join(", ")),
        format!(
            "a header with the column{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
        format!("the header `{header_text}`"),
        format!(
            "the columns of this file are {} (a free-text `source` column is allowed)",
            schema_columns(schema).join(",")
        ),
    );
}

/// The record, or `None` with the CSV error recorded (bad quoting, invalid UTF-8).
fn csv_record(
    label: &str,
    result: std::result::Result<csv::StringRecord, csv::Error>,
    issues: &mut Issues,
) -> Option<csv::StringRecord> {
    match result {
        Ok(r) => Some(r),
        Err(e) => {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            issues.push(
                Location::file(label).record(format!("line {line}")),
                "a CSV record",
                e.to_string(),
                "check quoting: a field with a comma or quote must be in double quotes",
            );
            None
        }
    }
}

/// Records a record whose field count differs from the header's `width`.
fn wrong_width(
    label: &str,
    record: &csv::StringRecord,
    width: usize,
    line: u64,
    id_cell: &str,
    issues: &mut Issues,
) {
    let record_name = if id_cell.is_empty() {
        format!("line {line}")
    } else {
        format!("line {line} \"{id_cell}\"")
    };
    issues.push(
        Location::file(label).record(record_name),
        format!("{width} fields, as in the header"),
        format!("{} fields", record.len()),
        "a field containing a comma must be in double quotes; lists use `;`",
    );
}

fn schema_columns(schema: &Schema) -> Vec<&'static str> {
    schema
        .required
        .iter()
        .chain(schema.optional.iter())
        .copied()
        .collect()
}

fn csv_error(label: &str, e: &csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(1);
    Error::Parse {
        at: Location::file(label).record(format!("line {line}")),
        message: e.to_string(),
        hint: "the file must be UTF-8 CSV with a header line".to_string(),
    }
}

/// Drops the line numbers.
fn unlined<T>(v: Vec<Lined<T>>) -> Vec<T> {
    v.into_iter().map(|(_, t)| t).collect()
}

/// Parses `zones.csv` with line numbers.
pub fn parse_zones_lined(label: &str, text: &str) -> Result<Vec<Lined<RenewableZone>>> {
    read_csv(label, text, &ZONES, |r, is| RenewableZone {
        id: r.text("id", is),
        name: r.text("name", is),
        region: r.text("region", is),
        centre: r.lon_lat(is),
        radius_km: r.num("radius_km", is),
        polygon: None,
        network_limit_mw: r.opt_num("network_limit_mw", is),
        expansion_cost_aud_per_mw: r.num("expansion_cost_aud_per_mw", is),
        expansion_cost_tranche2_aud_per_mw: r.opt_num("expansion_cost_tranche2_aud_per_mw", is),
        tranche2_after_mw: r.opt_num("tranche2_after_mw", is),
        solar_resource_mw: r.opt_num("solar_resource_mw", is),
        wind_resource_mw: r.opt_num("wind_resource_mw", is),
        solar_capacity_factor: r.opt_num("solar_capacity_factor", is),
        wind_capacity_factor: r.opt_num("wind_capacity_factor", is),
    })
}

/// Parses `zones.csv`: renewable-energy zones.
pub fn parse_zones(label: &str, text: &str) -> Result<Vec<RenewableZone>> {
    parse_zones_lined(label, text).map(unlined)
}

/// Parses `substations.csv` with line numbers.
pub fn parse_substations_lined(label: &str, text: &str) -> Result<Vec<Lined<Substation>>> {
    read_csv(label, text, &SUBSTATIONS, |r, is| Substation {
        id: r.text("id", is),
        name: r.text("name", is),
        location: r.lon_lat(is),
        voltage_kv: r.num("voltage_kv", is),
        state: r.opt_text("state"),
        spare_mw: r.opt_num("spare_mw", is),
        operational: r.bool("operational", true, is),
    })
}

/// Parses `substations.csv`.
pub fn parse_substations(label: &str, text: &str) -> Result<Vec<Substation>> {
    parse_substations_lined(label, text).map(unlined)
}

/// Parses `lines.csv` with line numbers.
pub fn parse_lines_lined(label: &str, text: &str) -> Result<Vec<Lined<TransmissionLine>>> {
    read_csv(label, text, &LINES, |r, is| TransmissionLine {
        id: r.text("id", is),
        name: r.text("name", is),
        voltage_kv: r.num("voltage_kv", is),
        state: r.opt_text("state"),
        path: r.path("path", is),
        operational: r.bool("operational", true, is),
    })
}

/// Parses `lines.csv`: transmission lines with `path` = `lon lat;lon lat;…`.
pub fn parse_lines(label: &str, text: &str) -> Result<Vec<TransmissionLine>> {
    parse_lines_lined(label, text).map(unlined)
}

/// Parses `minerals.csv` with line numbers.
pub fn parse_minerals_lined(label: &str, text: &str) -> Result<Vec<Lined<MineralSite>>> {
    read_csv(label, text, &MINERALS, |r, is| MineralSite {
        id: r.text("id", is),
        name: r.text("name", is),
        location: r.lon_lat(is),
        commodities: r.list("commodities"),
        critical: r.list("critical"),
        status: r.opt_text("status"),
    })
}

/// Parses `minerals.csv`.
pub fn parse_minerals(label: &str, text: &str) -> Result<Vec<MineralSite>> {
    parse_minerals_lined(label, text).map(unlined)
}

/// Parses `landings.csv` with line numbers.
pub fn parse_landings_lined(label: &str, text: &str) -> Result<Vec<Lined<LandingStation>>> {
    read_csv(label, text, &LANDINGS, |r, is| LandingStation {
        id: r.text("id", is),
        name: r.text("name", is),
        location: r.lon_lat(is),
        country: r.text("country", is),
    })
}

/// Parses `landings.csv`.
pub fn parse_landings(label: &str, text: &str) -> Result<Vec<LandingStation>> {
    parse_landings_lined(label, text).map(unlined)
}

/// Parses `cables.csv` with line numbers (segments empty; see [`attach_segments`]).
pub fn parse_cables_lined(label: &str, text: &str) -> Result<Vec<Lined<CableSystem>>> {
    read_csv(label, text, &CABLES, |r, is| {
        let landing_ids = r.list("landing_ids");
        if landing_ids.is_empty() {
            is.push(
                r.at("landing_ids"),
                "at least one landing station id (`;`-separated)",
                "an empty cell",
                "list the ids of the cable's landing stations from landings.csv",
            );
        }
        CableSystem {
            id: r.text("id", is),
            name: r.text("name", is),
            landing_ids,
            length_km: r.opt_num("length_km", is),
            segments: Vec::new(),
            route: Vec::new(),
            rfs_year: r.opt_u32("rfs_year", is),
            planned: r.bool("planned", false, is),
            owners: r.list("owners"),
        }
    })
}

/// Parses `cables.csv`: cable systems without segments.
pub fn parse_cables(label: &str, text: &str) -> Result<Vec<CableSystem>> {
    parse_cables_lined(label, text).map(unlined)
}

/// One row of `cable_segments.csv`: the cable's id and the segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    /// CSV line (header = line 1).
    pub line: u64,
    /// The cable this segment belongs to.
    pub cable_id: String,
    /// The segment.
    pub segment: CableSegment,
}

/// Parses `cable_segments.csv` (`cable_id,from,to,length_km,length_source`).
pub fn parse_segments(label: &str, text: &str) -> Result<Vec<SegmentRow>> {
    let rows = read_csv(label, text, &SEGMENTS, |r, is| {
        let source = r.opt_text("length_source");
        (
            r.text("cable_id", is),
            CableSegment {
                from: r.text("from", is),
                to: r.text("to", is),
                length_km: r.num("length_km", is),
                length_source: if source.is_empty() {
                    "published".to_string()
                } else {
                    source
                },
            },
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|(line, (cable_id, segment))| SegmentRow {
            line,
            cable_id,
            segment,
        })
        .collect())
}

/// Attaches each segment to its cable, in file order. A segment naming a cable id that is not
/// in `cables` is an error (all of them are reported); `label` names the segments file.
pub fn attach_segments(
    cables: &mut [CableSystem],
    segments: Vec<SegmentRow>,
    label: &str,
) -> Result<()> {
    let index: HashMap<String, usize> = cables
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    let mut issues = Issues::new();
    for row in segments {
        match index.get(&row.cable_id) {
            Some(&i) => cables[i].segments.push(row.segment),
            None => {
                let mut known: Vec<&str> = cables.iter().map(|c| c.id.as_str()).collect();
                known.sort_unstable();
                known.truncate(10);
                issues.push(
                    Location::file(label)
                        .record(format!("line {} \"{}\"", row.line, row.cable_id))
                        .field("cable_id"),
                    "the id of a cable in the cables file",
                    format!("unknown cable id `{}`", row.cable_id),
                    format!(
                        "check the spelling; known cable ids include: {}",
                        known.join(", ")
                    ),
                );
            }
        }
    }
    issues.into_result(())
}

/// Parses `datacentres.csv` with line numbers.
pub fn parse_datacentres_lined(label: &str, text: &str) -> Result<Vec<Lined<ExistingDataCentre>>> {
    read_csv(label, text, &DATACENTRES, |r, is| ExistingDataCentre {
        id: r.text("id", is),
        name: r.text("name", is),
        location: r.lon_lat(is),
        operator: r.opt_text("operator"),
        country: r.text("country", is),
        state: r.opt_text("state"),
    })
}

/// Parses `datacentres.csv`.
pub fn parse_datacentres(label: &str, text: &str) -> Result<Vec<ExistingDataCentre>> {
    parse_datacentres_lined(label, text).map(unlined)
}

/// Parses `pops.csv` (points of presence) with line numbers.
pub fn parse_pops_lined(label: &str, text: &str) -> Result<Vec<Lined<PointOfPresence>>> {
    read_csv(label, text, &POPS, |r, is| PointOfPresence {
        id: r.text("id", is),
        name: r.text("name", is),
        location: r.lon_lat(is),
        country: r.text("country", is),
        gateway: r.bool("gateway", false, is),
    })
}

/// Parses `pops.csv`.
pub fn parse_pops(label: &str, text: &str) -> Result<Vec<PointOfPresence>> {
    parse_pops_lined(label, text).map(unlined)
}

/// Parses `regions.csv` with line numbers.
pub fn parse_regions_lined(label: &str, text: &str) -> Result<Vec<Lined<RegionProfile>>> {
    read_csv(label, text, &REGIONS, |r, is| {
        let states = r.list("states");
        if states.is_empty() {
            is.push(
                r.at("states"),
                "at least one state code (`;`-separated, e.g. `NSW;ACT`)",
                "an empty cell",
                "list the state codes the region covers",
            );
        }
        RegionProfile {
            id: r.text("id", is),
            name: r.text("name", is),
            states,
            price_aud_per_mwh: r.num("price_aud_per_mwh", is),
            mean_temp_c: r.num("mean_temp_c", is),
        }
    })
}

/// Parses `regions.csv`: region price and climate profiles.
pub fn parse_regions(label: &str, text: &str) -> Result<Vec<RegionProfile>> {
    parse_regions_lined(label, text).map(unlined)
}

/// Parses `grid_groups.csv` with line numbers: network limits shared by several zones.
pub fn parse_grid_groups_lined(label: &str, text: &str) -> Result<Vec<Lined<GridGroup>>> {
    read_csv(label, text, &GRID_GROUPS, |r, is| {
        let kind_cell = r.cell("kind");
        let kind = match kind_cell {
            "rez-group" => GridGroupKind::RezGroup,
            "subregional-flow-path" => GridGroupKind::SubregionalFlowPath,
            other => {
                is.push(
                    r.at("kind"),
                    "`rez-group` or `subregional-flow-path`",
                    format!("`{other}`"),
                    "rez-group = an AEMO REZ group constraint; subregional-flow-path = a sub-regional transfer limit",
                );
                GridGroupKind::RezGroup
            }
        };
        let members = r.list("members");
        if members.is_empty() {
            is.push(
                r.at("members"),
                "at least one zone id (`;`-separated, e.g. `Q1;Q2;Q3`)",
                "an empty cell",
                "list the REZ ids the limit governs",
            );
        }
        GridGroup {
            id: r.text("id", is),
            name: r.text("name", is),
            kind,
            region: r.text("region", is),
            members,
            limit_mw: r.num("limit_mw", is),
            expansion_cost_aud_per_mw: r.opt_num("expansion_cost_aud_per_mw", is),
            estimate: r.bool("estimate", false, is),
        }
    })
}

/// Parses `grid_groups.csv`.
pub fn parse_grid_groups(label: &str, text: &str) -> Result<Vec<GridGroup>> {
    parse_grid_groups_lined(label, text).map(unlined)
}

/// Parses `region_limits.csv` with line numbers: each region's mean operational demand and
/// import capability.
pub fn parse_region_limits_lined(label: &str, text: &str) -> Result<Vec<Lined<RegionGridLimit>>> {
    read_csv(label, text, &REGION_LIMITS, |r, is| RegionGridLimit {
        id: r.text("id", is),
        mean_demand_mw: r.num("mean_demand_mw", is),
        import_capability_mw: r.num("import_capability_mw", is),
        estimate: r.bool("estimate", false, is),
    })
}

/// Parses `region_limits.csv`.
pub fn parse_region_limits(label: &str, text: &str) -> Result<Vec<RegionGridLimit>> {
    parse_region_limits_lined(label, text).map(unlined)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONES_HEADER: &str = "id,name,region,lon,lat,radius_km,network_limit_mw,expansion_cost_aud_per_mw,expansion_cost_tranche2_aud_per_mw,tranche2_after_mw,solar_resource_mw,wind_resource_mw,solar_capacity_factor,wind_capacity_factor,source";

    #[test]
    fn zones_parse_optional_as_none() {
        let text = format!(
            "{ZONES_HEADER}\nN3,Central-West Orana,NSW1,149.0,-32.2,50,4500,300000,,,12000,8000,0.27,,AEMO\n"
        );
        let z = parse_zones("z.csv", &text).unwrap();
        assert_eq!(z.len(), 1);
        assert_eq!(z[0].id, "N3");
        assert_eq!(z[0].centre, LonLat::new(149.0, -32.2));
        assert_eq!(z[0].network_limit_mw, Some(4500.0));
        assert_eq!(z[0].expansion_cost_tranche2_aud_per_mw, None);
        assert_eq!(z[0].solar_capacity_factor, Some(0.27));
        assert_eq!(z[0].wind_capacity_factor, None);
    }

    #[test]
    fn nan_and_text_rejected_with_line_id_column() {
        let text = format!(
            "{ZONES_HEADER}\nN1,A,NSW1,NaN,-32,50,,1,,,,,,,\nN2,B,NSW1,149,-32,50,,12 AUD,,,,,,,\n"
        );
        let err = parse_zones("z.csv", &text).unwrap_err().to_string();
        assert!(err.contains("2 problems"), "{err}");
        assert!(
            err.contains(
                "z.csv: line 2 \"N1\": field `lon`: expected a finite number, found `NaN`"
            ),
            "{err}"
        );
        assert!(
            err.contains("line 3 \"N2\": field `expansion_cost_aud_per_mw`"),
            "{err}"
        );
    }

    #[test]
    fn missing_column_names_column_and_header() {
        let err = parse_landings("l.csv", "id,name,lon,country\nx,X,1,Japan\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `lat`"), "{err}");
        assert!(err.contains("the header `id,name,lon,country`"), "{err}");
    }

    #[test]
    fn wrong_field_count_and_bad_bool() {
        let text = "id,name,lon,lat,voltage_kv,state,spare_mw,operational\n\
                    a,A,150,-33,330,NSW,,maybe\n\
                    b,B,150,-33,330,NSW\n";
        let err = parse_substations("s.csv", text).unwrap_err().to_string();
        assert!(err.contains("line 2 \"a\": field `operational`"), "{err}");
        assert!(err.contains("line 3 \"b\": expected 8 fields"), "{err}");
    }

    #[test]
    fn lines_path_and_lists() {
        let text = "id,name,voltage_kv,state,operational,path\n\
                    l1,A to B,330,NSW,,150.1 -33.2;150.5 -33.9\n";
        let l = parse_lines("l.csv", text).unwrap();
        assert_eq!(
            l[0].path,
            vec![LonLat::new(150.1, -33.2), LonLat::new(150.5, -33.9)]
        );
        assert!(l[0].operational);
        let bad = "id,name,voltage_kv,path\nl2,X,330,150.1 -33.2;oops\n";
        let err = parse_lines("l.csv", bad).unwrap_err().to_string();
        assert!(err.contains("vertex 1"), "{err}");
        let m = parse_minerals(
            "m.csv",
            "id,name,lon,lat,commodities,critical,status\nm1,Mt X,120,-30,Li; Ta,lithium;,operating mine\n",
        )
        .unwrap();
        assert_eq!(m[0].commodities, vec!["Li", "Ta"]);
        assert_eq!(m[0].critical, vec!["lithium"]);
        assert!(m[0].is_critical());
    }

    #[test]
    fn segments_attach_and_unknown_cable() {
        let mut cables = parse_cables(
            "c.csv",
            "id,name,length_km,rfs_year,planned,landing_ids\nc1,C1,9000,2020,false,a;b\n",
        )
        .unwrap();
        assert_eq!(cables[0].rfs_year, Some(2020));
        let segs = parse_segments(
            "s.csv",
            "cable_id,from,to,length_km,length_source\nc1,a,b,7000,published\nc9,a,b,1,\n",
        )
        .unwrap();
        let err = attach_segments(&mut cables, segs, "s.csv")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("s.csv: line 3 \"c9\": field `cable_id`"),
            "{err}"
        );
        assert_eq!(cables[0].segments.len(), 1);
        assert_eq!(cables[0].segments[0].length_km, 7000.0);
    }

    #[test]
    fn unknown_column_is_an_error() {
        let err = parse_regions(
            "r.csv",
            "id,name,states,price_aud_per_mwh,mean_temp_c,colour\nNSW1,NSW,NSW;ACT,100,17,red\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown column `colour`"), "{err}");
    }

    proptest::proptest! {
        /// Arbitrary text never panics any reader: it parses or returns an error.
        #[test]
        fn arbitrary_text_never_panics(body in "[a-z0-9,;. \"\n-]{0,200}") {
            let zones = format!("{ZONES_HEADER}\n{body}");
            let _ = parse_zones("z.csv", &zones);
            let _ = parse_lines("l.csv", &format!("id,name,voltage_kv,path\n{body}"));
            let _ = parse_segments("s.csv", &body);
            let _ = crate::data::Demand::from_json_str("d.json", &body);
            let _ = crate::data::Manifest::from_toml_str("m.toml", &body, std::path::Path::new("."));
        }
    }
}

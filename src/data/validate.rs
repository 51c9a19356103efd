//! Dataset-wide validation: every problem across all layers, each naming the file, the record
//! and the field, what was expected, what was found and a hint.
//!
//! Checks: unique ids per layer; finite numbers; lon in −180..180 and lat in −90..90;
//! Australian layers (zones, substations, lines, minerals, data centres with country `AU`,
//! landings with country `Australia`) inside [`AUSTRALIA_BBOX`] and Japanese ones (data
//! centres `JP`, landings `Japan`) inside [`JAPAN_BBOX`], with a hint when swapping lon/lat
//! would fix it; voltage_kv > 0; network limits, expansion costs, resource MW and spare MW
//! ≥ 0; capacity factors in (0, 1]; radius_km > 0; lines with at least two vertices; cables'
//! landing ids resolve; segment endpoints are landings of their cable, distinct, with
//! length_km > 0; cable length_km > 0; regions name at least one state and have a plausible
//! mean temperature (−30..50 °C).
//!
//! A zone's `region` must be the id of a region profile **when the regions layer is not
//! empty**: the cost model prices a zone's energy through its region, so a region id that
//! matches no profile (usually a typo such as `NSW` for `NSW1`) is an error, not a warning.

use super::{in_bbox, Dataset, LonLat, AUSTRALIA_BBOX, JAPAN_BBOX};
use crate::error::{Issues, Location, Result};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where one record came from: its file and its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file's label (path or `<embedded>/zones.csv`).
    pub file: String,
    /// The record within the file, e.g. `line 12` or `record 3`.
    pub record: String,
}

/// For each layer name (`zones`, `substations`, …), the origin of each record, parallel to
/// the layer's records in the [`Dataset`]. Used to name files and lines in validation errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins(pub BTreeMap<&'static str, Vec<Origin>>);

/// Builds locations for records of one layer.
struct Layer<'a> {
    name: &'static str,
    origins: Option<&'a Vec<Origin>>,
    fallback_file: &'a str,
}

impl Layer<'_> {
    fn at(&self, index: usize, id: &str, field: &str) -> Location {
        match self.origins.and_then(|o| o.get(index)) {
            Some(o) => Location::file(&o.file)
                .record(format!("{} \"{id}\"", o.record))
                .field(field),
            None => Location::file(self.fallback_file)
                .record(format!("{}[{index}] \"{id}\"", self.name))
                .field(field),
        }
    }

    fn place(&self, index: usize) -> String {
        match self.origins.and_then(|o| o.get(index)) {
            Some(o) => format!("{} {}", o.file, o.record),
            None => format!("{}[{index}]", self.name),
        }
    }
}

/// Validates a dataset; records are named by layer index (`zones[3] "N3"`) in `ds.source`.
pub fn validate_dataset(ds: &Dataset) -> Result<()> {
    validate_dataset_with(ds, &Origins::default())
}

/// Validates a dataset, naming each record by its origin (file and line) where `origins`
/// knows it. One step per layer, in a fixed order (the order of the problems listed), then
/// the text of ids and names, then the layers that refer to others (grid groups, region
/// limits).
pub fn validate_dataset_with(ds: &Dataset, origins: &Origins) -> Result<()> {
    let mut is = Issues::new();
    let v = Validator {
        ds,
        origins,
        region_ids: ds.regions.iter().map(|r| r.id.as_str()).collect(),
    };
    v.zones(&mut is);
    v.substations(&mut is);
    v.lines(&mut is);
    v.minerals(&mut is);
    v.landings(&mut is);
    v.cables(&mut is);
    v.datacentres(&mut is);
    v.pops(&mut is);
    v.regions(&mut is);
    v.text_fields(&mut is);
    v.grid_groups(&mut is);
    v.region_limits(&mut is);
    is.into_result(())
}

/// The dataset being validated, with what every layer's checks share.
struct Validator<'a> {
    /// The dataset.
    ds: &'a Dataset,
    /// Where each record came from.
    origins: &'a Origins,
    /// Ids of the regions layer (empty when the dataset has no regions).
    region_ids: HashSet<&'a str>,
}

impl<'a> Validator<'a> {
    /// Locations for layer `name` of `n` records: by file and line when the origins match
    /// the layer's length, else by layer index in `ds.source`.
    fn layer(&self, name: &'static str, n: usize) -> Layer<'a> {
        let o = self.origins.0.get(name);
        Layer {
            name,
            // Origins only apply if they match the layer's length.
            origins: o.filter(|o| o.len() == n),
            fallback_file: self.ds.source.as_str(),
        }
    }

    /// Whether `id` names a region, or there is no regions layer to check against.
    fn region_ok(&self, id: &str) -> bool {
        self.region_ids.is_empty() || self.region_ids.contains(id)
    }

    /// Zones: in Australia (centre and polygon), radius, limits, costs, resources, capacity
    /// factors, and a region that exists.
    fn zones(&self, is: &mut Issues) {
        let l = self.layer("zones", self.ds.zones.len());
        unique_ids(&l, self.ds.zones.iter().map(|z| z.id.as_str()), is);
        for (i, z) in self.ds.zones.iter().enumerate() {
            let at = |f: &str| l.at(i, &z.id, f);
            point(&at("lon/lat"), z.centre, Region::Australia, is);
            if let Some(poly) = &z.polygon {
                for (k, p) in poly.iter().enumerate() {
                    point(&at(&format!("polygon[{k}]")), *p, Region::Australia, is);
                }
            }
            positive(&at("radius_km"), z.radius_km, is);
            if z.radius_km > crate::limits::MAX_RADIUS_KM {
                is.push(
                    at("radius_km"),
                    "km in (0, 5000]",
                    z.radius_km.to_string(),
                    "a REZ radius is tens of km; check the unit (km, not m)",
                );
            }
            zone_numbers(&at, z, is);
            if !self.region_ok(z.region.as_str()) {
                let mut known: Vec<&str> = self.region_ids.iter().copied().collect();
                known.sort_unstable();
                is.push(
                    at("region"),
                    "the id of a region in the regions layer",
                    format!("`{}`", z.region),
                    format!(
                        "use one of {} (NEM region ids end in 1, e.g. NSW1)",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// Substations: in Australia, voltage > 0, spare MW ≥ 0.
    fn substations(&self, is: &mut Issues) {
        let l = self.layer("substations", self.ds.substations.len());
        unique_ids(&l, self.ds.substations.iter().map(|s| s.id.as_str()), is);
        for (i, s) in self.ds.substations.iter().enumerate() {
            let at = |f: &str| l.at(i, &s.id, f);
            point(&at("lon/lat"), s.location, Region::Australia, is);
            positive(&at("voltage_kv"), s.voltage_kv, is);
            opt_non_negative(&at("spare_mw"), s.spare_mw, is);
        }
    }

    /// Lines: voltage > 0, at least two vertices, each in Australia.
    fn lines(&self, is: &mut Issues) {
        let l = self.layer("lines", self.ds.lines.len());
        unique_ids(&l, self.ds.lines.iter().map(|x| x.id.as_str()), is);
        for (i, x) in self.ds.lines.iter().enumerate() {
            let at = |f: &str| l.at(i, &x.id, f);
            positive(&at("voltage_kv"), x.voltage_kv, is);
            if x.path.len() < 2 {
                is.push(
                    at("path"),
                    "at least two vertices",
                    format!("{}", x.path.len()),
                    "write the path as `lon lat;lon lat;…`",
                );
            }
            for (k, p) in x.path.iter().enumerate() {
                point(&at(&format!("path[{k}]")), *p, Region::Australia, is);
            }
        }
    }

    /// Minerals: in Australia.
    fn minerals(&self, is: &mut Issues) {
        let l = self.layer("minerals", self.ds.minerals.len());
        unique_ids(&l, self.ds.minerals.iter().map(|m| m.id.as_str()), is);
        for (i, m) in self.ds.minerals.iter().enumerate() {
            point(
                &l.at(i, &m.id, "lon/lat"),
                m.location,
                Region::Australia,
                is,
            );
        }
    }

    /// Landings: in the bounding box of their country (Australia, Japan, else the world).
    fn landings(&self, is: &mut Issues) {
        let l = self.layer("landings", self.ds.landings.len());
        unique_ids(&l, self.ds.landings.iter().map(|x| x.id.as_str()), is);
        for (i, x) in self.ds.landings.iter().enumerate() {
            let region = match x.country.trim().to_ascii_lowercase().as_str() {
                "australia" | "au" => Region::Australia,
                "japan" | "jp" => Region::Japan,
                _ => Region::World,
            };
            point(&l.at(i, &x.id, "lon/lat"), x.location, region, is);
        }
    }

    /// Cables: length > 0, landing ids that exist, segments between the cable's own
    /// landings, and route vertices on the globe.
    fn cables(&self, is: &mut Issues) {
        let landing_ids: HashSet<&str> = self.ds.landings.iter().map(|x| x.id.as_str()).collect();
        let l = self.layer("cables", self.ds.cables.len());
        unique_ids(&l, self.ds.cables.iter().map(|c| c.id.as_str()), is);
        for (i, c) in self.ds.cables.iter().enumerate() {
            let at = |f: &str| l.at(i, &c.id, f);
            if let Some(len) = c.length_km {
                positive(&at("length_km"), len, is);
            }
            for id in &c.landing_ids {
                if !landing_ids.contains(id.as_str()) {
                    is.push(
                        at("landing_ids"),
                        "ids of landing stations in the landings layer",
                        format!("unknown landing id `{id}` in cable `{}`", c.id),
                        "add the landing station to the landings file or fix the id's spelling",
                    );
                }
            }
            cable_segments(&at, c, is);
            for (k, line) in c.route.iter().enumerate() {
                for (v, p) in line.iter().enumerate() {
                    point(&at(&format!("route[{k}][{v}]")), *p, Region::World, is);
                }
            }
        }
    }

    /// Data centres: in the bounding box of their country (AU, JP, else the world).
    fn datacentres(&self, is: &mut Issues) {
        let l = self.layer("datacentres", self.ds.datacentres.len());
        unique_ids(&l, self.ds.datacentres.iter().map(|d| d.id.as_str()), is);
        for (i, d) in self.ds.datacentres.iter().enumerate() {
            let region = match d.country.trim().to_ascii_uppercase().as_str() {
                "AU" | "AUSTRALIA" => Region::Australia,
                "JP" | "JAPAN" => Region::Japan,
                _ => Region::World,
            };
            point(&l.at(i, &d.id, "lon/lat"), d.location, region, is);
        }
    }

    /// Points of presence: in the bounding box of their country, which must be given.
    fn pops(&self, is: &mut Issues) {
        let l = self.layer("pops", self.ds.pops.len());
        unique_ids(&l, self.ds.pops.iter().map(|p| p.id.as_str()), is);
        for (i, p) in self.ds.pops.iter().enumerate() {
            let region = match p.country.trim().to_ascii_lowercase().as_str() {
                "australia" => Region::Australia,
                "japan" => Region::Japan,
                _ => Region::World,
            };
            point(&l.at(i, &p.id, "lon/lat"), p.location, region, is);
            if p.country.trim().is_empty() {
                is.push(
                    l.at(i, &p.id, "country"),
                    "a country name as spelled in the landing layer (e.g. Australia, Japan)",
                    "an empty cell",
                    "fill in the PoP's country",
                );
            }
        }
    }

    /// Regions: a plausible yearly price and mean temperature, and at least one state.
    fn regions(&self, is: &mut Issues) {
        let l = self.layer("regions", self.ds.regions.len());
        unique_ids(&l, self.ds.regions.iter().map(|r| r.id.as_str()), is);
        for (i, r) in self.ds.regions.iter().enumerate() {
            let at = |f: &str| l.at(i, &r.id, f);
            if finite(&at("price_aud_per_mwh"), r.price_aud_per_mwh, is)
                && !(0.0..=crate::limits::MAX_PRICE_AUD_PER_MWH).contains(&r.price_aud_per_mwh)
            {
                is.push(
                    at("price_aud_per_mwh"),
                    "a yearly average wholesale price in [0, 100000] AUD/MWh",
                    r.price_aud_per_mwh.to_string(),
                    "half-hourly prices can be negative, a yearly average is not: check the sign and the unit (AUD per MWh)",
                );
            }
            if finite(&at("mean_temp_c"), r.mean_temp_c, is)
                && !(-30.0..=50.0).contains(&r.mean_temp_c)
            {
                is.push(
                    at("mean_temp_c"),
                    "a mean air temperature in −30..50 °C",
                    r.mean_temp_c.to_string(),
                    "the value must be degrees Celsius, not Fahrenheit or Kelvin",
                );
            }
            if r.states.is_empty() {
                is.push(
                    at("states"),
                    "at least one state code",
                    "none",
                    "list the state codes the region covers, e.g. NSW;ACT",
                );
            }
        }
    }

    /// Ids and names: no control characters (they break text tables, CSV and the SVG's XML).
    fn text_fields(&self, is: &mut Issues) {
        macro_rules! text_fields {
            ($name:literal, $records:expr) => {{
                let l = self.layer($name, $records.len());
                for (i, r) in $records.iter().enumerate() {
                    for (field, text) in [("id", &r.id), ("name", &r.name)] {
                        if let Some(found) = crate::input::check_text(text) {
                            is.push(
                                l.at(i, &r.id.escape_debug().to_string(), field),
                                "text without control characters",
                                found,
                                "remove the control character (a stray tab, escape or line break)",
                            );
                        }
                    }
                }
            }};
        }
        let ds = self.ds;
        text_fields!("zones", ds.zones);
        text_fields!("substations", ds.substations);
        text_fields!("lines", ds.lines);
        text_fields!("minerals", ds.minerals);
        text_fields!("landings", ds.landings);
        text_fields!("cables", ds.cables);
        text_fields!("datacentres", ds.datacentres);
        text_fields!("regions", ds.regions);
    }

    /// Grid groups: members are zones, the region is a region, the limit is ≥ 0.
    fn grid_groups(&self, is: &mut Issues) {
        let zone_ids: HashSet<&str> = self.ds.zones.iter().map(|z| z.id.as_str()).collect();
        let l = self.layer("grid_groups", self.ds.grid_groups.len());
        unique_ids(&l, self.ds.grid_groups.iter().map(|g| g.id.as_str()), is);
        for (i, g) in self.ds.grid_groups.iter().enumerate() {
            let at = |f: &str| l.at(i, &g.id, f);
            non_negative(&at("limit_mw"), g.limit_mw, is);
            opt_non_negative(
                &at("expansion_cost_aud_per_mw"),
                g.expansion_cost_aud_per_mw,
                is,
            );
            for m in &g.members {
                if !zone_ids.contains(m.as_str()) {
                    is.push(
                        at("members"),
                        "ids of zones in the zones layer",
                        format!("`{m}`, which is not a zone"),
                        "check the zone id's spelling (e.g. Q10, DN1), or remove it from `members`",
                    );
                }
            }
            if !self.region_ok(g.region.as_str()) {
                is.push(
                    at("region"),
                    "the id of a region in the regions layer",
                    format!("`{}`", g.region),
                    "NEM region ids end in 1, e.g. QLD1",
                );
            }
        }
    }

    /// Region limits: one per region, non-negative figures.
    fn region_limits(&self, is: &mut Issues) {
        let l = self.layer("region_limits", self.ds.region_limits.len());
        unique_ids(&l, self.ds.region_limits.iter().map(|r| r.id.as_str()), is);
        for (i, r) in self.ds.region_limits.iter().enumerate() {
            let at = |f: &str| l.at(i, &r.id, f);
            non_negative(&at("mean_demand_mw"), r.mean_demand_mw, is);
            non_negative(&at("import_capability_mw"), r.import_capability_mw, is);
            if !self.region_ok(r.id.as_str()) {
                is.push(
                    at("id"),
                    "the id of a region in the regions layer",
                    format!("`{}`", r.id),
                    "NEM region ids end in 1, e.g. TAS1; WA's market is WEM",
                );
            }
        }
    }
}

/// A zone's limits, costs, resources (≥ 0) and capacity factors (in (0, 1]).
fn zone_numbers(at: &dyn Fn(&str) -> Location, z: &super::RenewableZone, is: &mut Issues) {
    opt_non_negative(&at("network_limit_mw"), z.network_limit_mw, is);
    non_negative(
        &at("expansion_cost_aud_per_mw"),
        z.expansion_cost_aud_per_mw,
        is,
    );
    opt_non_negative(
        &at("expansion_cost_tranche2_aud_per_mw"),
        z.expansion_cost_tranche2_aud_per_mw,
        is,
    );
    opt_non_negative(&at("tranche2_after_mw"), z.tranche2_after_mw, is);
    opt_non_negative(&at("solar_resource_mw"), z.solar_resource_mw, is);
    opt_non_negative(&at("wind_resource_mw"), z.wind_resource_mw, is);
    capacity_factor(&at("solar_capacity_factor"), z.solar_capacity_factor, is);
    capacity_factor(&at("wind_capacity_factor"), z.wind_capacity_factor, is);
}

/// A cable's segments: both ends landings of the cable itself, distinct, length > 0.
fn cable_segments(at: &dyn Fn(&str) -> Location, c: &super::CableSystem, is: &mut Issues) {
    let own: HashSet<&str> = c.landing_ids.iter().map(String::as_str).collect();
    for (k, s) in c.segments.iter().enumerate() {
        let f = format!("segments[{k}]");
        for end in [&s.from, &s.to] {
            if !own.contains(end.as_str()) {
                is.push(
                    at(&format!("{f}.from/to")),
                    format!("a landing of cable `{}` ({})", c.id, c.landing_ids.join(";")),
                    format!("`{end}` (segment {} → {})", s.from, s.to),
                    "a segment joins two landing stations of its own cable: add the landing to the cable's landing_ids or fix the id",
                );
            }
        }
        if s.from == s.to {
            is.push(
                at(&format!("{f}.to")),
                "a landing other than `from`",
                format!("`{}` at both ends", s.to),
                "",
            );
        }
        positive(&at(&format!("{f}.length_km")), s.length_km, is);
    }
}

/// Which bounding box a point must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Australia,
    Japan,
    World,
}

/// Checks a position: finite, in range, inside the region's box (hint when swapped).
fn point(at: &Location, p: LonLat, region: Region, is: &mut Issues) {
    if !p.lon.is_finite() || !p.lat.is_finite() {
        is.push(
            at.clone(),
            "finite coordinates",
            format!("lon {}, lat {}", p.lon, p.lat),
            "NaN and infinities are not coordinates",
        );
        return;
    }
    if !(-180.0..=180.0).contains(&p.lon) || !(-90.0..=90.0).contains(&p.lat) {
        let hint = if (-90.0..=90.0).contains(&p.lon) && (-180.0..=180.0).contains(&p.lat) {
            "lon/lat look swapped: longitude comes first (RFC 7946)"
        } else {
            "coordinates are WGS 84 degrees, longitude first"
        };
        is.push(
            at.clone(),
            "lon in −180..180 and lat in −90..90",
            format!("lon {}, lat {}", p.lon, p.lat),
            hint,
        );
        return;
    }
    let (bbox, name) = match region {
        Region::Australia => (AUSTRALIA_BBOX, "Australia"),
        Region::Japan => (JAPAN_BBOX, "Japan"),
        Region::World => return,
    };
    if !in_bbox(p, bbox) {
        let hint = if in_bbox(LonLat::new(p.lat, p.lon), bbox) {
            "lon/lat look swapped: longitude comes first (RFC 7946)".to_string()
        } else {
            format!(
                "{name}'s box is lon {}..{}, lat {}..{}; check the sign of the latitude and the record's country",
                bbox[0], bbox[2], bbox[1], bbox[3]
            )
        };
        is.push(
            at.clone(),
            format!("a position in {name}"),
            format!("lon {}, lat {}", p.lon, p.lat),
            hint,
        );
    }
}

fn finite(at: &Location, x: f64, is: &mut Issues) -> bool {
    if x.is_finite() {
        true
    } else {
        is.push(
            at.clone(),
            "a finite number",
            x.to_string(),
            "NaN and infinities are not allowed",
        );
        false
    }
}

fn positive(at: &Location, x: f64, is: &mut Issues) {
    if finite(at, x, is) && x <= 0.0 {
        is.push(at.clone(), "a number > 0", x.to_string(), "");
    }
}

fn non_negative(at: &Location, x: f64, is: &mut Issues) {
    if finite(at, x, is) && x < 0.0 {
        is.push(
            at.clone(),
            "a number ≥ 0",
            x.to_string(),
            "leave an optional cell empty if the value is unknown",
        );
    }
}

fn opt_non_negative(at: &Location, x: Option<f64>, is: &mut Issues) {
    if let Some(x) = x {
        non_negative(at, x, is);
    }
}

fn capacity_factor(at: &Location, x: Option<f64>, is: &mut Issues) {
    if let Some(x) = x {
        if finite(at, x, is) && !(x > 0.0 && x <= 1.0) {
            let hint = if x > 1.0 && x <= 100.0 {
                "a capacity factor is a fraction: write 27% as 0.27"
            } else {
                ""
            };
            is.push(
                at.clone(),
                "a capacity factor in (0, 1]",
                x.to_string(),
                hint,
            );
        }
    }
}

/// Reports every id used more than once in a layer, naming where it first appeared.
fn unique_ids<'a>(l: &Layer<'_>, ids: impl Iterator<Item = &'a str>, is: &mut Issues) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.enumerate() {
        if id.is_empty() {
            is.push(l.at(i, id, "id"), "a non-empty id", "an empty id", "");
            continue;
        }
        if let Some(&j) = first.get(id) {
            is.push(
                l.at(i, id, "id"),
                format!("an id unique within the {} layer", l.name),
                format!("`{id}`, already used by {}", l.place(j)),
                "give each record its own id (or drop the duplicate)",
            );
        } else {
            first.insert(id, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CableSegment, CableSystem, LandingStation, RegionProfile, RenewableZone};

    fn zone(id: &str, lon: f64, lat: f64) -> RenewableZone {
        RenewableZone {
            id: id.into(),
            name: id.into(),
            region: "NSW1".into(),
            centre: LonLat::new(lon, lat),
            radius_km: 50.0,
            polygon: None,
            network_limit_mw: Some(100.0),
            expansion_cost_aud_per_mw: 1.0,
            expansion_cost_tranche2_aud_per_mw: None,
            tranche2_after_mw: None,
            solar_resource_mw: None,
            wind_resource_mw: None,
            solar_capacity_factor: Some(0.25),
            wind_capacity_factor: None,
        }
    }

    #[test]
    fn clean_dataset_passes_and_problems_are_all_reported() {
        let mut ds = Dataset {
            source: "m.toml".into(),
            zones: vec![zone("N1", 150.0, -33.0)],
            regions: vec![RegionProfile {
                id: "NSW1".into(),
                name: "NSW".into(),
                states: vec!["NSW".into()],
                price_aud_per_mwh: 100.0,
                mean_temp_c: 17.0,
            }],
            ..Default::default()
        };
        validate_dataset(&ds).unwrap();
        ds.zones.push(zone("N1", -33.0, 150.0));
        ds.zones.push(zone("N2", 150.0, -33.0));
        ds.zones[2].solar_capacity_factor = Some(27.0);
        ds.zones[2].network_limit_mw = Some(-1.0);
        ds.zones[2].region = "NSW".into();
        let e = validate_dataset(&ds).unwrap_err().to_string();
        assert!(e.contains("5 problems"), "{e}");
        assert!(e.contains("zones[1] \"N1\": field `id`"), "{e}");
        assert!(e.contains("already used by zones[0]"), "{e}");
        assert!(e.contains("lon/lat look swapped"), "{e}");
        assert!(e.contains("write 27% as 0.27"), "{e}");
        assert!(
            e.contains("field `network_limit_mw`: expected a number ≥ 0, found -1"),
            "{e}"
        );
        assert!(e.contains("field `region`"), "{e}");
    }

    #[test]
    fn cable_landings_and_segments() {
        let landing = |id: &str, lon: f64, lat: f64, c: &str| LandingStation {
            id: id.into(),
            name: id.into(),
            location: LonLat::new(lon, lat),
            country: c.into(),
        };
        let ds = Dataset {
            source: "m.toml".into(),
            landings: vec![
                landing("guam", 144.8, 13.4, "Guam"),
                landing("syd", 151.2, -33.9, "Australia"),
            ],
            cables: vec![CableSystem {
                id: "jga".into(),
                name: "JGA".into(),
                landing_ids: vec!["syd".into(), "guam".into(), "tokyo".into()],
                length_km: Some(9000.0),
                segments: vec![CableSegment {
                    from: "syd".into(),
                    to: "maruyama".into(),
                    length_km: 0.0,
                    length_source: "published".into(),
                }],
                route: vec![],
                rfs_year: Some(2020),
                planned: false,
                owners: Vec::new(),
            }],
            ..Default::default()
        };
        let mut origins = Origins::default();
        origins.0.insert(
            "cables",
            vec![Origin {
                file: "cables.csv".into(),
                record: "line 2".into(),
            }],
        );
        let e = validate_dataset_with(&ds, &origins)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cables.csv: line 2 \"jga\": field `landing_ids`: expected ids of landing stations in the landings layer, found unknown landing id `tokyo` in cable `jga`"),
            "{e}"
        );
        assert!(e.contains("segments[0].from/to"), "{e}");
        assert!(e.contains("segments[0].length_km"), "{e}");
        assert!(e.contains("3 problems"), "{e}");
    }
}

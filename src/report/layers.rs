//! The answer as typed GIS layers: one geometry type and a fixed, typed set of columns per layer
//! (what a GeoPackage, a FlatGeobuf file or a Shapefile needs), written by
//! [`super::gpkg`] and [`super::fgb`].
//!
//! Layers: `sites` (Point), `routes` (MultiLineString, split at the antimeridian), `cities`
//! (Point), `rez` (Polygon), `landings` (Point), `cables` (MultiLineString) and, on request,
//! `alternatives` and `candidates` (Point); a sweep's summary gives the `site_frequency` layer
//! ([`site_frequency`]). Money columns say annual (`_aud_per_yr`) or one-off (`_aud`); numbers
//! are rounded as in the JSON report.

use super::geojson::{circle_ring, split_antimeridian};
use super::Report;
use crate::candidates::Candidate;
use crate::data::{Dataset, LonLat};
use crate::pricing::CandidatePricing;
use std::collections::BTreeSet;

/// Geometry type of a layer (every feature of a layer has this type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// Points.
    Point,
    /// Lines, each possibly in parts (split at the antimeridian).
    MultiLineString,
    /// Polygons with one outer ring.
    Polygon,
}

impl GeomType {
    /// OGC Simple Features name (`POINT`, …), as GeoPackage's `gpkg_geometry_columns` wants.
    pub fn ogc_name(self) -> &'static str {
        match self {
            GeomType::Point => "POINT",
            GeomType::MultiLineString => "MULTILINESTRING",
            GeomType::Polygon => "POLYGON",
        }
    }
}

/// A geometry, lon/lat WGS 84.
#[derive(Debug, Clone, PartialEq)]
pub enum Geom {
    /// A point.
    Point(LonLat),
    /// Line parts.
    MultiLineString(Vec<Vec<LonLat>>),
    /// One closed, counter-clockwise outer ring.
    Polygon(Vec<LonLat>),
}

impl Geom {
    /// Every vertex.
    pub fn coords(&self) -> Vec<LonLat> {
        match self {
            Geom::Point(p) => vec![*p],
            Geom::MultiLineString(parts) => parts.iter().flatten().copied().collect(),
            Geom::Polygon(r) => r.clone(),
        }
    }

    /// Envelope [min lon, min lat, max lon, max lat].
    pub fn envelope(&self) -> [f64; 4] {
        let mut e = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in self.coords() {
            e = [
                e[0].min(p.lon),
                e[1].min(p.lat),
                e[2].max(p.lon),
                e[3].max(p.lat),
            ];
        }
        e
    }

    /// Little-endian ISO WKB (2D).
    pub fn wkb(&self) -> Vec<u8> {
        fn pt(out: &mut Vec<u8>, p: LonLat) {
            out.extend_from_slice(&p.lon.to_le_bytes());
            out.extend_from_slice(&p.lat.to_le_bytes());
        }
        fn head(out: &mut Vec<u8>, ty: u32) {
            out.push(1);
            out.extend_from_slice(&ty.to_le_bytes());
        }
        fn count(out: &mut Vec<u8>, n: usize) {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        let mut out = Vec::new();
        match self {
            Geom::Point(p) => {
                head(&mut out, 1);
                pt(&mut out, *p);
            }
            Geom::MultiLineString(parts) => {
                head(&mut out, 5);
                count(&mut out, parts.len());
                for part in parts {
                    head(&mut out, 2);
                    count(&mut out, part.len());
                    part.iter().for_each(|&p| pt(&mut out, p));
                }
            }
            Geom::Polygon(ring) => {
                head(&mut out, 3);
                count(&mut out, 1);
                count(&mut out, ring.len());
                ring.iter().for_each(|&p| pt(&mut out, p));
            }
        }
        out
    }
}

/// Column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// UTF-8 text.
    Text,
    /// 64-bit float.
    Real,
    /// 64-bit integer.
    Integer,
    /// true/false.
    Boolean,
}

/// A column: name (with its unit) and type.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Type.
    pub ty: FieldType,
}

/// One cell; `None` is NULL. The variant always matches the column's [`FieldType`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(Option<String>),
    /// Float.
    Real(Option<f64>),
    /// Integer.
    Integer(Option<i64>),
    /// Boolean.
    Boolean(Option<bool>),
}

/// A layer: name, geometry type, columns and features.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Layer (table, file) name.
    pub name: &'static str,
    /// What it holds, one line.
    pub description: &'static str,
    /// Geometry type of every feature.
    pub geom_type: GeomType,
    /// Columns.
    pub fields: Vec<Field>,
    /// Features: geometry and one value per column.
    pub features: Vec<(Geom, Vec<Value>)>,
}

impl Layer {
    /// Envelope of every feature, or `None` when empty.
    pub fn envelope(&self) -> Option<[f64; 4]> {
        self.features
            .iter()
            .map(|(g, _)| g.envelope())
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })
    }
}

/// Builds a layer from rows of (name, value) pairs: the first row fixes the columns. Every row
/// must give the same names in the same order with the same types (checked in debug builds).
struct LayerBuilder {
    layer: Layer,
}

impl LayerBuilder {
    fn new(
        name: &'static str,
        description: &'static str,
        geom_type: GeomType,
        fields: &[(&'static str, FieldType)],
    ) -> Self {
        LayerBuilder {
            layer: Layer {
                name,
                description,
                geom_type,
                fields: fields
                    .iter()
                    .map(|&(name, ty)| Field {
                        name: name.to_string(),
                        ty,
                    })
                    .collect(),
                features: Vec::new(),
            },
        }
    }
    /// Adds a column after the fixed ones (per-city columns named at run time).
    fn add_field(&mut self, name: String, ty: FieldType) {
        self.layer.fields.push(Field { name, ty });
    }
    fn push(&mut self, g: Geom, values: Vec<Value>) {
        debug_assert_eq!(
            values.len(),
            self.layer.fields.len(),
            "layer {}",
            self.layer.name
        );
        self.layer.features.push((g, values));
    }
}

fn t(s: impl Into<String>) -> Value {
    Value::Text(Some(s.into()))
}
fn ot(s: Option<&String>) -> Value {
    Value::Text(s.cloned())
}
fn num(x: f64, decimals: i32) -> Value {
    Value::Real(Some(super::geojson::round_to(x, decimals)))
}
fn or(x: Option<f64>, decimals: i32) -> Value {
    Value::Real(x.map(|v| super::geojson::round_to(v, decimals)))
}
/// Money, rounded to A$1 and stored as a 64-bit integer: a Shapefile's Real field (24.15)
/// cannot hold A$10⁸ and more, an Integer64 (18 digits) can.
fn money(x: f64) -> Value {
    Value::Integer(Some(x.round() as i64))
}
fn i(x: usize) -> Value {
    Value::Integer(Some(x as i64))
}
fn b(x: bool) -> Value {
    Value::Boolean(Some(x))
}

/// One entry of a site's `serves` text: city, MW and the median / P95 RTT.
pub(super) fn serves_entry(a: &super::Allocation) -> String {
    format!(
        "{} {:.0} MW @ {:.1}/{:.1} ms (median/P95)",
        a.city_id, a.mw, a.rtt_ms, a.rtt_p95_ms
    )
}

fn line(path: &[LonLat]) -> Geom {
    Geom::MultiLineString(split_antimeridian(path))
}

use FieldType::{Boolean as B, Integer as I, Real as R, Text as T};

/// Names of the layers [`layers`] returns, in order (`alternatives` when the report lists
/// alternative plans, `candidates` when asked for).
pub fn layer_names(with_candidates: bool, with_alternatives: bool) -> Vec<&'static str> {
    let mut v = vec!["sites", "routes", "cities", "rez", "landings", "cables"];
    if with_alternatives {
        v.push("alternatives");
    }
    if with_candidates {
        v.push("candidates");
    }
    v
}

/// Every candidate with its price as the solve prices it ([`crate::pricing`]), for the
/// `candidates` layer.
#[derive(Debug, Clone, Copy)]
pub struct PricedCandidates<'a> {
    /// The candidates.
    pub candidates: &'a [Candidate],
    /// Their prices (parallel to `candidates`; RTTs in the report's city order).
    pub pricing: &'a CandidatePricing,
}

/// The answer's layers, in a fixed order. `candidates` adds every candidate as a layer.
pub fn layers(
    report: &Report,
    ds: &Dataset,
    candidates: Option<PricedCandidates<'_>>,
) -> Vec<Layer> {
    let mut out = vec![
        sites(report),
        routes(report),
        cities(report),
        zones(report),
        landings(report, ds),
        cables(report, ds),
    ];
    if let Some(a) = &report.alternatives {
        out.push(alternatives(a));
    }
    if let Some(c) = candidates {
        out.push(candidate_layer(report, c));
    }
    out
}

fn sites(r: &Report) -> Layer {
    let mut l = LayerBuilder::new(
        "sites",
        "chosen data-centre sites",
        GeomType::Point,
        &[
            ("id", T),
            ("name", T),
            ("kind", T),
            ("state", T),
            ("region_id", T),
            ("zone_id", T),
            ("built_mw", R),
            ("used_mw", R),
            ("max_mw", R),
            ("annual_cost_aud_per_yr", I),
            ("cost_per_mw_aud_per_yr", I),
            ("capex_aud_per_yr", I),
            ("site_fixed_aud_per_yr", I),
            ("grid_connection_aud_per_yr", I),
            ("rez_expansion_aud_per_yr", I),
            ("energy_aud_per_yr", I),
            ("network_aud_per_yr", I),
            ("pue", R),
            ("energy_price_aud_per_mwh", R),
            ("substation", T),
            ("substation_km", R),
            ("substation_kv", R),
            ("landing", T),
            ("landing_km", R),
            ("minerals_within", I),
            ("cities_served", I),
            ("serves", T),
        ],
    );
    for s in &r.sites {
        let c = &s.cost;
        l.push(
            Geom::Point(s.location),
            vec![
                t(&s.id),
                t(&s.name),
                t(&s.kind),
                t(&s.state),
                ot(s.region_id.as_ref()),
                ot(s.zone_id.as_ref()),
                num(s.built_mw, 3),
                num(s.used_mw, 3),
                num(s.max_mw, 3),
                money(s.annual_cost_aud_per_yr),
                money(s.cost_per_mw_aud_per_yr),
                money(c.capex_aud_per_yr),
                money(c.site_fixed_aud_per_yr),
                money(c.grid_connection_aud_per_yr),
                money(c.rez_expansion_aud_per_yr),
                money(c.energy_aud_per_yr),
                money(c.network_aud_per_yr),
                num(s.pue, 4),
                num(s.energy_price_aud_per_mwh, 2),
                t(&s.substation.name),
                num(s.substation.km, 3),
                num(s.substation_kv, 1),
                t(&s.landing.name),
                num(s.landing.km, 3),
                i(s.minerals_within),
                i(s.serves.len()),
                t(s.serves
                    .iter()
                    .map(serves_entry)
                    .collect::<Vec<_>>()
                    .join("; ")),
            ],
        );
    }
    l.layer
}

fn routes(r: &Report) -> Layer {
    let mut l = LayerBuilder::new(
        "routes",
        "site → Australian landing → cables → Japanese landing → city, one per allocation",
        GeomType::MultiLineString,
        &[
            ("site_id", T),
            ("city_id", T),
            ("mw", R),
            ("rtt_ms", R),
            ("rtt_p95_ms", R),
            ("limit_ms", R),
            ("limit_statistic", T),
            ("landings", T),
            ("cables", T),
        ],
    );
    for c in &r.cities {
        for a in &c.served_by {
            if a.route.len() < 2 {
                continue;
            }
            l.push(
                line(&a.route),
                vec![
                    t(&a.site_id),
                    t(&a.city_id),
                    num(a.mw, 3),
                    num(a.rtt_ms, 2),
                    num(a.rtt_p95_ms, 2),
                    num(c.max_rtt_ms, 2),
                    t(&c.limit_statistic),
                    t(a.landings.join(";")),
                    t(a.cables.join(";")),
                ],
            );
        }
    }
    l.layer
}

fn cities(r: &Report) -> Layer {
    let mut l = LayerBuilder::new(
        "cities",
        "Japanese demand cities",
        GeomType::Point,
        &[
            ("id", T),
            ("name", T),
            ("workload", T),
            ("demand_mw", R),
            ("served_mw", R),
            ("unserved_mw", R),
            ("max_rtt_ms", R),
            ("limit_statistic", T),
            ("min_sites", I),
            ("weighted_rtt_ms", R),
            ("worst_rtt_ms", R),
            ("worst_rtt_p95_ms", R),
            ("slack_ms", R),
            ("best_available_rtt_ms", R),
            ("best_available_rtt_p95_ms", R),
            ("served_by", I),
        ],
    );
    for c in &r.cities {
        l.push(
            Geom::Point(c.location),
            vec![
                t(&c.id),
                t(&c.name),
                t(c.workload.to_string()),
                num(c.demand_mw, 3),
                num(c.served_mw, 3),
                num(c.unserved_mw, 3),
                num(c.max_rtt_ms, 2),
                t(&c.limit_statistic),
                i(c.min_sites as usize),
                or(c.weighted_rtt_ms, 2),
                or(c.worst_rtt_ms, 2),
                or(c.worst_rtt_p95_ms, 2),
                or(c.slack_ms, 2),
                or(c.best_available_rtt_ms, 2),
                or(c.best_available_rtt_p95_ms, 2),
                i(c.served_by.len()),
            ],
        );
    }
    l.layer
}

fn zones(r: &Report) -> Layer {
    let mut l = LayerBuilder::new(
        "rez",
        "renewable-energy zones powering a chosen site",
        GeomType::Polygon,
        &[
            ("id", T),
            ("name", T),
            ("outline", T),
            ("limit_mw", R),
            ("load_mw", R),
            ("expansion_mw", R),
            ("expansion_aud_per_yr", I),
            ("binding", B),
            ("sites", T),
        ],
    );
    for z in &r.zones {
        let (ring, outline) = match &z.polygon {
            Some(p) if p.len() >= 3 => (p.clone(), "polygon"),
            _ => (
                circle_ring(z.centre, z.radius_km, 64),
                "circle (centre + radius)",
            ),
        };
        l.push(
            Geom::Polygon(super::geojson::closed_ccw(&ring)),
            vec![
                t(&z.id),
                t(&z.name),
                t(outline),
                or(z.limit_mw, 3),
                num(z.load_mw, 3),
                num(z.expansion_mw, 3),
                money(z.expansion_aud_per_yr),
                b(z.binding),
                t(z.sites.join(";")),
            ],
        );
    }
    l.layer
}

/// Landings and cables on any route of the answer.
fn on_route(r: &Report) -> (BTreeSet<&str>, BTreeSet<&str>) {
    let mut landings = BTreeSet::new();
    let mut cables = BTreeSet::new();
    for c in &r.cities {
        for a in &c.served_by {
            landings.extend(a.landings.iter().map(String::as_str));
            cables.extend(a.cables.iter().map(String::as_str));
        }
    }
    (landings, cables)
}

fn landings(r: &Report, ds: &Dataset) -> Layer {
    let (used, _) = on_route(r);
    let mut l = LayerBuilder::new(
        "landings",
        "submarine-cable landing stations of the dataset",
        GeomType::Point,
        &[("id", T), ("name", T), ("country", T), ("on_route", B)],
    );
    for s in &ds.landings {
        l.push(
            Geom::Point(s.location),
            vec![
                t(&s.id),
                t(&s.name),
                t(&s.country),
                b(used.contains(s.id.as_str())),
            ],
        );
    }
    l.layer
}

/// A cable's geometry: its drawn route where the data has one (`drawn`), else straight lines
/// between its landings in the listed order (`schematic`).
pub fn cable_geometry(
    c: &crate::data::CableSystem,
    ds: &Dataset,
) -> (Vec<Vec<LonLat>>, &'static str) {
    let drawn: Vec<Vec<LonLat>> = c.route.iter().filter(|p| p.len() >= 2).cloned().collect();
    if !drawn.is_empty() {
        return (drawn, "drawn");
    }
    let pts: Vec<LonLat> = c
        .landing_ids
        .iter()
        .filter_map(|id| ds.landings.iter().find(|l| &l.id == id).map(|l| l.location))
        .collect();
    (vec![pts], "schematic")
}

fn cables(r: &Report, ds: &Dataset) -> Layer {
    let (_, used) = on_route(r);
    let mut l = LayerBuilder::new(
        "cables",
        "submarine cable systems of the dataset",
        GeomType::MultiLineString,
        &[
            ("id", T),
            ("name", T),
            ("length_km", R),
            ("rfs_year", I),
            ("planned", B),
            ("landings", T),
            ("geometry_source", T),
            ("on_route", B),
        ],
    );
    for c in &ds.cables {
        let (parts, source) = cable_geometry(c, ds);
        let parts: Vec<Vec<LonLat>> = parts
            .iter()
            .filter(|p| p.len() >= 2)
            .flat_map(|p| split_antimeridian(p))
            .filter(|p| p.len() >= 2)
            .collect();
        if parts.is_empty() {
            continue;
        }
        l.push(
            Geom::MultiLineString(parts),
            vec![
                t(&c.id),
                t(&c.name),
                or(c.length_km, 3),
                Value::Integer(c.rfs_year.map(i64::from)),
                b(c.planned),
                t(c.landing_ids.join(";")),
                t(source),
                b(used.contains(c.id.as_str())),
            ],
        );
    }
    l.layer
}

/// Every open site of every near-optimal plan (plan 1 = the optimum), one feature per (plan,
/// site).
fn alternatives(a: &super::plans::AlternativesReport) -> Layer {
    let mut l = LayerBuilder::new(
        "alternatives",
        "the open sites of each near-optimal plan (plan 1 is the optimum)",
        GeomType::Point,
        &[
            ("plan", I),
            ("id", T),
            ("name", T),
            ("state", T),
            ("zone_id", T),
            ("built_mw", R),
            ("plan_cost_aud_per_yr", I),
            ("plan_delta_aud_per_yr", I),
            ("plan_delta_pct", R),
            ("plan_worst_rtt_ms", R),
            ("in_plan_1", B),
        ],
    );
    let best: BTreeSet<&str> = a
        .plans
        .iter()
        .filter(|p| p.plan == 1)
        .flat_map(|p| p.sites.iter().map(|s| s.id.as_str()))
        .collect();
    for p in &a.plans {
        for site in &p.sites {
            l.push(
                Geom::Point(site.location),
                vec![
                    i(p.plan),
                    t(&site.id),
                    t(&site.name),
                    t(&site.state),
                    ot(site.zone_id.as_ref()),
                    num(site.built_mw, 3),
                    money(p.cost_aud),
                    money(p.delta_aud),
                    num(p.delta_pct, 4),
                    or(p.worst_rtt_ms, 2),
                    b(best.contains(site.id.as_str())),
                ],
            );
        }
    }
    l.layer
}

fn candidate_layer(r: &Report, pc: PricedCandidates<'_>) -> Layer {
    let chosen: BTreeSet<&str> = r.sites.iter().map(|s| s.id.as_str()).collect();
    let mut l = LayerBuilder::new(
        "candidates",
        "every candidate site, priced as the solve prices it, with its RTTs and why the model leaves it out",
        GeomType::Point,
        &[
            ("id", T),
            ("name", T),
            ("kind", T),
            ("state", T),
            ("region_id", T),
            ("zone_id", T),
            ("zone_km", R),
            ("substation", T),
            ("substation_km", R),
            ("substation_kv", R),
            ("landing", T),
            ("landing_km", R),
            ("minerals_within", I),
            ("mean_temp_c", R),
            ("max_mw", R),
            ("pue", R),
            ("wholesale_aud_per_mwh", R),
            ("energy_price_aud_per_mwh", R),
            ("fixed_cost_aud_per_yr", I),
            ("var_cost_aud_per_mw_yr", I),
            ("reference_mw", R),
            ("cost_per_mw_aud_per_yr", I),
            ("in_model", B),
            ("excluded_reason", T),
            ("chosen", B),
        ],
    );
    for c in &r.cities {
        l.add_field(format!("rtt_ms_{}", c.id), R);
        l.add_field(format!("rtt_p95_ms_{}", c.id), R);
    }
    let finite = |x: Option<&f64>| {
        Value::Real(
            x.filter(|v| v.is_finite())
                .map(|v| super::geojson::round_to(*v, 2)),
        )
    };
    for (c, p) in pc.candidates.iter().zip(&pc.pricing.prices) {
        let mut values = vec![
            t(&c.id),
            t(&c.name),
            t(c.kind.as_str()),
            t(&c.state),
            ot(c.region_id.as_ref()),
            ot(c.zone_id.as_ref()),
            or(c.zone_km, 3),
            ot(c.substation_name.as_ref()),
            or(c.substation_km, 3),
            or(c.substation_kv, 1),
            ot(c.landing_name.as_ref()),
            or(c.landing_km, 3),
            i(c.minerals_within),
            num(c.mean_temp_c, 2),
            num(c.max_mw, 3),
            num(p.rates.pue, 4),
            num(p.rates.wholesale_aud_per_mwh, 2),
            num(p.rates.energy_price_aud_per_mwh, 2),
            money(p.fixed_cost_aud_per_yr),
            money(p.var_cost_aud_per_mw_yr),
            num(pc.pricing.reference_mw, 3),
            money(p.cost_per_mw_aud_per_yr),
            b(p.excluded_reason.is_none()),
            ot(p.excluded_reason.as_ref()),
            b(chosen.contains(c.id.as_str())),
        ];
        for k in 0..r.cities.len() {
            values.push(finite(p.rtt_ms.get(k)));
            values.push(finite(p.rtt_p95_ms.get(k)));
        }
        l.push(Geom::Point(c.location), values);
    }
    l.layer
}

/// Name of the sweep's site-frequency layer ([`site_frequency`]).
pub const SITE_FREQUENCY: &str = "site_frequency";

/// A sweep's site selection frequency as a Point layer: one feature per site opened in at
/// least one solved sample, in the summary's order (most often first, then by id). Sites with
/// no known position (rows written by an older sitefind, for a site outside the base scenario)
/// are left out.
pub fn site_frequency(s: &crate::decide::sweep::Summary) -> Layer {
    let mut l = LayerBuilder::new(
        SITE_FREQUENCY,
        "sites chosen by the sweep's samples: how often, how large, at what RTT",
        GeomType::Point,
        &[
            ("id", T),
            ("name", T),
            ("state", T),
            ("region_id", T),
            ("zone_id", T),
            ("samples_opened", I),
            ("samples_solved", I),
            ("share", R),
            ("in_base_plan", B),
            ("mean_built_mw", R),
            ("mean_cost_aud_per_yr", I),
            ("mean_rtt_ms", R),
            ("mean_rtt_p95_ms", R),
            ("max_rtt_p95_ms", R),
            ("cities_served", T),
        ],
    );
    let solved = s.cost_aud.as_ref().map_or(0, |c| c.n);
    for f in &s.site_frequency {
        let Some(at) = f.location else { continue };
        l.push(
            Geom::Point(at),
            vec![
                t(&f.id),
                t(&f.name),
                t(&f.state),
                ot(f.region_id.as_ref()),
                ot(f.zone_id.as_ref()),
                i(f.chosen),
                i(solved),
                num(f.share, 4),
                b(f.in_base_plan),
                or(f.mean_built_mw, 3),
                Value::Integer(f.mean_cost_aud_per_yr.map(|x| x.round() as i64)),
                or(f.mean_rtt_ms, 2),
                or(f.mean_rtt_p95_ms, 2),
                or(f.max_rtt_p95_ms, 2),
                t(f.cities_served.join(";")),
            ],
        );
    }
    l.layer
}

/// A typed layer as an RFC 7946 FeatureCollection ([`super::geojson`]): the same features and
/// columns (NULL is `null`, booleans `true`/`false`), points and polygons as they are, lines
/// split at the antimeridian.
pub fn to_geojson(layer: &Layer) -> ::geojson::FeatureCollection {
    use serde_json::{Map, Value as J};
    use Value as V;
    let mut fc = super::geojson::FeatureCollectionBuilder::new();
    for (g, values) in &layer.features {
        let props: Map<String, J> = layer
            .fields
            .iter()
            .zip(values)
            .map(|(f, v)| {
                let json = match v {
                    V::Text(x) => x.clone().map_or(J::Null, J::String),
                    V::Real(x) => x
                        .and_then(serde_json::Number::from_f64)
                        .map_or(J::Null, J::Number),
                    V::Integer(x) => x.map_or(J::Null, |n| J::Number(n.into())),
                    V::Boolean(x) => x.map_or(J::Null, J::Bool),
                };
                (f.name.clone(), json)
            })
            .collect();
        match g {
            Geom::Point(p) => fc.point(*p, props),
            Geom::Polygon(ring) => fc.polygon(ring, props),
            Geom::MultiLineString(parts) => {
                for part in parts {
                    fc.line(part, props.clone());
                }
            }
        }
    }
    fc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_point_is_little_endian_iso() {
        let w = Geom::Point(LonLat::new(1.0, 2.0)).wkb();
        assert_eq!(w.len(), 21);
        assert_eq!(&w[..5], &[1, 1, 0, 0, 0]);
        assert_eq!(f64::from_le_bytes(w[5..13].try_into().unwrap()), 1.0);
        assert_eq!(f64::from_le_bytes(w[13..21].try_into().unwrap()), 2.0);
    }

    #[test]
    fn wkb_multilinestring_layout() {
        let g = Geom::MultiLineString(vec![
            vec![LonLat::new(0.0, 0.0), LonLat::new(1.0, 1.0)],
            vec![LonLat::new(2.0, 2.0), LonLat::new(3.0, 3.0)],
        ]);
        let w = g.wkb();
        // header 9 + 2 × (9 + 2 × 16)
        assert_eq!(w.len(), 9 + 2 * (9 + 32));
        assert_eq!(u32::from_le_bytes(w[1..5].try_into().unwrap()), 5);
        assert_eq!(u32::from_le_bytes(w[5..9].try_into().unwrap()), 2);
        assert_eq!(g.envelope(), [0.0, 0.0, 3.0, 3.0]);
    }
}

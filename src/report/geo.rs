//! The report as GIS output: an RFC 7946 FeatureCollection with simplestyle-spec styling, and
//! the SVG map scene.

use super::geojson::{props, round_to, FeatureCollectionBuilder};
use super::svg::{MapCable, MapCity, MapLanding, MapRoute, MapScene, MapSite, MapZone, Rings};
use super::{Allocation, CityReport, Report, SiteReport, ZoneReport};
use crate::data::LonLat;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The answer as an RFC 7946 FeatureCollection: chosen sites (Point), routes site → landing →
/// cables → landing → city (LineString), demand cities (Point) and the REZs used (Polygon),
/// with properties in units and simplestyle-spec styling (`marker-color`, `marker-size`,
/// `stroke`, `stroke-width`, `fill`, `fill-opacity`, `title`, `description`).
pub fn feature_collection(r: &Report) -> ::geojson::FeatureCollection {
    let mut fc = FeatureCollectionBuilder::new();
    for z in &r.zones {
        let p = zone_props(z);
        match &z.polygon {
            Some(ring) if ring.len() >= 3 => fc.polygon(ring, p),
            _ => fc.circle(z.centre, z.radius_km, 64, p),
        }
    }
    for c in &r.cities {
        for a in &c.served_by {
            fc.line(&a.route, route_props(c, a));
        }
    }
    for s in &r.sites {
        fc.point(s.location, site_props(s, r.alternatives.is_some()));
    }
    for c in &r.cities {
        fc.point(c.location, city_props(c));
    }
    super::plans::add_features(&mut fc, r);
    fc.finish()
}

/// A used REZ's properties: limit, load, expansion, sites, and its styling.
fn zone_props(z: &ZoneReport) -> Map<String, Value> {
    props([
        ("layer", json!("zone")),
        ("id", json!(z.id)),
        ("name", json!(z.name)),
        ("limit_mw", json!(z.limit_mw.map(|v| round_to(v, 3)))),
        ("load_mw", json!(round_to(z.load_mw, 3))),
        ("expansion_mw", json!(round_to(z.expansion_mw, 3))),
        (
            "expansion_aud_per_yr",
            json!(round_to(z.expansion_aud_per_yr, 0)),
        ),
        ("binding", json!(z.binding)),
        ("sites", json!(z.sites.join(";"))),
        ("stroke", json!("#1b6b2c")),
        ("stroke-width", json!(1.5)),
        ("fill", json!("#2e9e44")),
        ("fill-opacity", json!(0.25)),
        ("title", json!(format!("REZ {} {}", z.id, z.name))),
        (
            "description",
            json!(format!(
                "grid draw {:.0} MW; limit {}; expansion {:.0} MW",
                z.load_mw,
                z.limit_mw
                    .map(|l| format!("{l:.0} MW"))
                    .unwrap_or_else(|| "none".into()),
                z.expansion_mw
            )),
        ),
    ])
}

/// A route's properties (allocation `a` serving city `c`): MW, RTT, landings, cables, and its
/// styling.
fn route_props(c: &CityReport, a: &Allocation) -> Map<String, Value> {
    props([
        ("layer", json!("route")),
        ("site_id", json!(a.site_id)),
        ("city_id", json!(a.city_id)),
        ("mw", json!(round_to(a.mw, 3))),
        ("rtt_ms", json!(round_to(a.rtt_ms, 2))),
        ("rtt_p95_ms", json!(round_to(a.rtt_p95_ms, 2))),
        ("limit_ms", json!(round_to(c.max_rtt_ms, 2))),
        ("limit_statistic", json!(c.limit_statistic)),
        ("landings", json!(a.landings.join(";"))),
        ("cables", json!(a.cables.join(";"))),
        ("stroke", json!("#d9480f")),
        ("stroke-width", json!(2)),
        ("stroke-opacity", json!(0.8)),
        ("title", json!(format!("{} → {}", a.site_id, c.name))),
        (
            "description",
            json!(format!(
                "{:.0} MW at {:.1} ms median / {:.1} ms P95 RTT (limit {:.0} ms, {}) via {}",
                a.mw,
                a.rtt_ms,
                a.rtt_p95_ms,
                c.max_rtt_ms,
                c.limit_statistic,
                if a.cables.is_empty() {
                    "terrestrial fibre".into()
                } else {
                    a.cables.join(" → ")
                }
            )),
        ),
    ])
}

/// A chosen site's properties: identity, costs, surroundings, RTT per city, its plan number
/// when alternatives are listed (`with_plan`), and its styling.
fn site_props(s: &SiteReport, with_plan: bool) -> Map<String, Value> {
    let mut p = site_identity_props(s);
    p.extend(site_cost_props(s));
    p.extend(site_surroundings_props(s));
    for a in &s.serves {
        p.insert(
            format!("rtt_ms_{}", a.city_id),
            json!(round_to(a.rtt_ms, 2)),
        );
        p.insert(
            format!("rtt_p95_ms_{}", a.city_id),
            json!(round_to(a.rtt_p95_ms, 2)),
        );
    }
    if with_plan {
        p.insert("plan".into(), json!(1));
    }
    p.insert("marker-color".into(), json!("#1c7ed6"));
    p.insert(
        "marker-size".into(),
        json!(if s.built_mw >= 500.0 {
            "large"
        } else if s.built_mw >= 150.0 {
            "medium"
        } else {
            "small"
        }),
    );
    p.insert("marker-symbol".into(), json!("building"));
    p.insert(
        "title".into(),
        json!(format!("{} — {:.0} MW", s.name, s.built_mw)),
    );
    p.insert("description".into(), json!(s.why.join(" ")));
    p
}

/// A site's identity: layer, id, name, kind, state, zone, MW built.
fn site_identity_props(s: &SiteReport) -> Map<String, Value> {
    props([
        ("layer", json!("site")),
        ("id", json!(s.id)),
        ("name", json!(s.name)),
        ("kind", json!(s.kind)),
        ("state", json!(s.state)),
        ("zone_id", json!(s.zone_id)),
        ("built_mw", json!(round_to(s.built_mw, 3))),
    ])
}

/// A site's annual cost, in total, per MW and by component, AUD/yr.
fn site_cost_props(s: &SiteReport) -> Map<String, Value> {
    let c = &s.cost;
    props([
        (
            "annual_cost_aud_per_yr",
            json!(round_to(s.annual_cost_aud_per_yr, 0)),
        ),
        (
            "cost_per_mw_aud_per_yr",
            json!(round_to(s.cost_per_mw_aud_per_yr, 0)),
        ),
        ("capex_aud_per_yr", json!(round_to(c.capex_aud_per_yr, 0))),
        (
            "site_fixed_aud_per_yr",
            json!(round_to(c.site_fixed_aud_per_yr, 0)),
        ),
        (
            "grid_connection_aud_per_yr",
            json!(round_to(c.grid_connection_aud_per_yr, 0)),
        ),
        (
            "rez_expansion_aud_per_yr",
            json!(round_to(c.rez_expansion_aud_per_yr, 0)),
        ),
        ("energy_aud_per_yr", json!(round_to(c.energy_aud_per_yr, 0))),
        (
            "network_aud_per_yr",
            json!(round_to(c.network_aud_per_yr, 0)),
        ),
    ])
}

/// A site's PUE, energy price, substation, landing, minerals and the cities it serves.
fn site_surroundings_props(s: &SiteReport) -> Map<String, Value> {
    let serves: Vec<String> = s.serves.iter().map(super::layers::serves_entry).collect();
    props([
        ("pue", json!(round_to(s.pue, 4))),
        (
            "energy_price_aud_per_mwh",
            json!(round_to(s.energy_price_aud_per_mwh, 2)),
        ),
        ("substation", json!(s.substation.name)),
        ("substation_km", json!(round_to(s.substation.km, 3))),
        ("substation_kv", json!(s.substation_kv)),
        ("landing", json!(s.landing.name)),
        ("landing_km", json!(round_to(s.landing.km, 3))),
        ("minerals_within", json!(s.minerals_within)),
        ("serves", json!(serves.join("; "))),
    ])
}

/// A demand city's properties: demand, served and unserved MW, RTTs, and its styling (black
/// when part of its demand is unserved).
fn city_props(c: &CityReport) -> Map<String, Value> {
    props([
        ("layer", json!("city")),
        ("id", json!(c.id)),
        ("name", json!(c.name)),
        ("workload", json!(c.workload.to_string())),
        ("demand_mw", json!(round_to(c.demand_mw, 3))),
        ("served_mw", json!(round_to(c.served_mw, 3))),
        ("unserved_mw", json!(round_to(c.unserved_mw, 3))),
        ("max_rtt_ms", json!(round_to(c.max_rtt_ms, 2))),
        ("limit_statistic", json!(c.limit_statistic)),
        (
            "worst_rtt_ms",
            json!(c.worst_rtt_ms.map(|v| round_to(v, 2))),
        ),
        (
            "worst_rtt_p95_ms",
            json!(c.worst_rtt_p95_ms.map(|v| round_to(v, 2))),
        ),
        ("slack_ms", json!(c.slack_ms.map(|v| round_to(v, 2)))),
        (
            "marker-color",
            json!(if c.unserved_mw > 1e-6 {
                "#000000"
            } else {
                "#c92a2a"
            }),
        ),
        ("marker-size", json!("medium")),
        ("marker-symbol", json!("city")),
        (
            "title",
            json!(format!("{} — {:.0} MW", c.name, c.demand_mw)),
        ),
        (
            "description",
            json!(format!(
                "served {:.0} of {:.0} MW; worst RTT {} ms median, {} ms P95 (limit {:.0} ms on the {})",
                c.served_mw,
                c.demand_mw,
                c.worst_rtt_ms
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "-".into()),
                c.worst_rtt_p95_ms
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "-".into()),
                c.max_rtt_ms,
                c.limit_statistic
            )),
        ),
    ])
}

/// The SVG map scene of the answer over the given basemap polygons (the embedded Natural Earth
/// coastline when `basemap` is empty); the dataset's other REZs are drawn faintly under the
/// ones the answer uses, its landing stations as small diamonds, and the cable systems on the
/// answer's routes along their drawn geometry where the dataset has one.
pub fn map_scene(r: &Report, basemap: Vec<Rings>, ds: &crate::data::Dataset) -> MapScene {
    let (basemap, basemap_source) = basemap_or_coastline(basemap);
    let (landings_used, cables_used) = used_on_routes(r);
    MapScene {
        title: format!(
            "sitefind: {} sites, {:.0} MW for {:.0} MW of Japanese demand, {}",
            r.totals.sites,
            r.totals.built_mw,
            r.totals.demand_mw,
            super::text::aud(r.totals.cost.total_aud_per_yr) + " per year"
        ),
        basemap,
        basemap_source,
        zones: map_zones(r, ds),
        cables: map_cables(ds, &cables_used),
        routes: r
            .cities
            .iter()
            .flat_map(|c| {
                c.served_by.iter().map(|a| MapRoute {
                    path: a.route.clone(),
                    mw: a.mw,
                })
            })
            .collect(),
        landings: map_landings(ds, &landings_used),
        sites: r
            .sites
            .iter()
            .map(|s| MapSite {
                label: s.name.clone(),
                location: s.location,
                mw: s.built_mw,
            })
            .collect(),
        cities: r
            .cities
            .iter()
            .map(|c| MapCity {
                label: c.name.clone(),
                location: c.location,
                mw: c.demand_mw,
            })
            .collect(),
        candidates: Vec::new(),
    }
}

/// The given basemap with its attribution, or the embedded coastline when it is empty.
fn basemap_or_coastline(basemap: Vec<Rings>) -> (Vec<Rings>, String) {
    if basemap.is_empty() {
        (
            super::svg::embedded_coastline().unwrap_or_default(),
            "Natural Earth 1:50m countries, simplified (public domain)".to_string(),
        )
    } else {
        (
            basemap,
            "basemap given by --basemap (no attribution given: --basemap-attribution TEXT)"
                .to_string(),
        )
    }
}

/// The ids of the landing stations and of the cable systems on the answer's routes.
fn used_on_routes(r: &Report) -> (BTreeSet<&str>, BTreeSet<&str>) {
    let mut landings_used: BTreeSet<&str> = BTreeSet::new();
    let mut cables_used: BTreeSet<&str> = BTreeSet::new();
    for c in &r.cities {
        for a in &c.served_by {
            landings_used.extend(a.landings.iter().map(String::as_str));
            cables_used.extend(a.cables.iter().map(String::as_str));
        }
    }
    (landings_used, cables_used)
}

/// A zone's outline for the map: its polygon, else a 48-point circle of its radius.
fn zone_ring(polygon: &Option<Vec<LonLat>>, centre: LonLat, radius_km: f64) -> Vec<LonLat> {
    match polygon {
        Some(p) if p.len() >= 3 => p.clone(),
        _ => super::geojson::circle_ring(centre, radius_km, 48),
    }
}

/// The map's zones: the dataset's REZs the answer does not use first (drawn faintly), then
/// the ones it uses.
fn map_zones(r: &Report, ds: &crate::data::Dataset) -> Vec<MapZone> {
    let used: Vec<&str> = r.zones.iter().map(|z| z.id.as_str()).collect();
    let mut zones: Vec<MapZone> = ds
        .zones
        .iter()
        .filter(|z| !used.contains(&z.id.as_str()))
        .map(|z| MapZone {
            label: format!("{} {}", z.id, z.name),
            ring: zone_ring(&z.polygon, z.centre, z.radius_km),
            used: false,
        })
        .collect();
    zones.extend(r.zones.iter().map(|z| MapZone {
        label: format!("{} {}", z.id, z.name),
        ring: zone_ring(&z.polygon, z.centre, z.radius_km),
        used: true,
    }));
    zones
}

/// The cable systems on the answer's routes that have a drawn geometry in the dataset.
fn map_cables(ds: &crate::data::Dataset, cables_used: &BTreeSet<&str>) -> Vec<MapCable> {
    ds.cables
        .iter()
        .filter(|c| cables_used.contains(c.id.as_str()))
        .filter_map(|c| {
            let (parts, source) = super::layers::cable_geometry(c, ds);
            (source == "drawn").then(|| MapCable {
                label: c.name.clone(),
                parts,
            })
        })
        .collect()
}

/// Every landing station of the dataset, labelled by the first part of its name, marked when
/// on a route of the answer.
fn map_landings(ds: &crate::data::Dataset, landings_used: &BTreeSet<&str>) -> Vec<MapLanding> {
    ds.landings
        .iter()
        .map(|l| MapLanding {
            label: l
                .name
                .split(',')
                .next()
                .unwrap_or(&l.name)
                .trim()
                .to_string(),
            location: l.location,
            on_route: landings_used.contains(l.id.as_str()),
        })
        .collect()
}

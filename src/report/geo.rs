//! The report as GIS output: an RFC 7946 FeatureCollection with simplestyle-spec styling, and
//! the SVG map scene.

use super::geojson::{props, round_to, FeatureCollectionBuilder};
use super::svg::{MapCable, MapCity, MapLanding, MapRoute, MapScene, MapSite, MapZone, Rings};
use super::Report;
use serde_json::json;

/// The answer as an RFC 7946 FeatureCollection: chosen sites (Point), routes site → landing →
/// cables → landing → city (LineString), demand cities (Point) and the REZs used (Polygon),
/// with properties in units and simplestyle-spec styling (`marker-color`, `marker-size`,
/// `stroke`, `stroke-width`, `fill`, `fill-opacity`, `title`, `description`).
pub fn feature_collection(r: &Report) -> ::geojson::FeatureCollection {
    let mut fc = FeatureCollectionBuilder::new();
    for z in &r.zones {
        let p = props([
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
        ]);
        match &z.polygon {
            Some(ring) if ring.len() >= 3 => fc.polygon(ring, p),
            _ => fc.circle(z.centre, z.radius_km, 64, p),
        }
    }
    for c in &r.cities {
        for a in &c.served_by {
            fc.line(
                &a.route,
                props([
                    ("layer", json!("route")),
                    ("site_id", json!(a.site_id)),
                    ("city_id", json!(a.city_id)),
                    ("mw", json!(round_to(a.mw, 3))),
                    ("rtt_ms", json!(round_to(a.rtt_ms, 2))),
                    ("landings", json!(a.landings.join(";"))),
                    ("cables", json!(a.cables.join(";"))),
                    ("stroke", json!("#d9480f")),
                    ("stroke-width", json!(2)),
                    ("stroke-opacity", json!(0.8)),
                    ("title", json!(format!("{} → {}", a.site_id, c.name))),
                    (
                        "description",
                        json!(format!(
                            "{:.0} MW at {:.1} ms RTT via {}",
                            a.mw,
                            a.rtt_ms,
                            if a.cables.is_empty() {
                                "terrestrial fibre".into()
                            } else {
                                a.cables.join(" → ")
                            }
                        )),
                    ),
                ]),
            );
        }
    }
    for s in &r.sites {
        let serves: Vec<String> = s
            .serves
            .iter()
            .map(|a| format!("{} {:.0} MW @ {:.1} ms", a.city_id, a.mw, a.rtt_ms))
            .collect();
        let mut p = props([
            ("layer", json!("site")),
            ("id", json!(s.id)),
            ("name", json!(s.name)),
            ("kind", json!(s.kind)),
            ("state", json!(s.state)),
            ("zone_id", json!(s.zone_id)),
            ("built_mw", json!(round_to(s.built_mw, 3))),
            (
                "annual_cost_aud_per_yr",
                json!(round_to(s.annual_cost_aud_per_yr, 0)),
            ),
            (
                "cost_per_mw_aud_per_yr",
                json!(round_to(s.cost_per_mw_aud_per_yr, 0)),
            ),
            (
                "capex_aud_per_yr",
                json!(round_to(s.cost.capex_aud_per_yr, 0)),
            ),
            (
                "site_fixed_aud_per_yr",
                json!(round_to(s.cost.site_fixed_aud_per_yr, 0)),
            ),
            (
                "grid_connection_aud_per_yr",
                json!(round_to(s.cost.grid_connection_aud_per_yr, 0)),
            ),
            (
                "rez_expansion_aud_per_yr",
                json!(round_to(s.cost.rez_expansion_aud_per_yr, 0)),
            ),
            (
                "energy_aud_per_yr",
                json!(round_to(s.cost.energy_aud_per_yr, 0)),
            ),
            (
                "network_aud_per_yr",
                json!(round_to(s.cost.network_aud_per_yr, 0)),
            ),
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
        ]);
        for a in &s.serves {
            p.insert(
                format!("rtt_ms_{}", a.city_id),
                json!(round_to(a.rtt_ms, 2)),
            );
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
        fc.point(s.location, p);
    }
    for c in &r.cities {
        fc.point(
            c.location,
            props([
                ("layer", json!("city")),
                ("id", json!(c.id)),
                ("name", json!(c.name)),
                ("workload", json!(c.workload.to_string())),
                ("demand_mw", json!(round_to(c.demand_mw, 3))),
                ("served_mw", json!(round_to(c.served_mw, 3))),
                ("unserved_mw", json!(round_to(c.unserved_mw, 3))),
                ("max_rtt_ms", json!(round_to(c.max_rtt_ms, 2))),
                (
                    "worst_rtt_ms",
                    json!(c.worst_rtt_ms.map(|v| round_to(v, 2))),
                ),
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
                        "served {:.0} of {:.0} MW; worst RTT {} ms (limit {:.0})",
                        c.served_mw,
                        c.demand_mw,
                        c.worst_rtt_ms
                            .map(|v| format!("{v:.1}"))
                            .unwrap_or_else(|| "-".into()),
                        c.max_rtt_ms
                    )),
                ),
            ]),
        );
    }
    fc.finish()
}

/// The SVG map scene of the answer over the given basemap polygons (the embedded Natural Earth
/// coastline when `basemap` is empty); the dataset's other REZs are drawn faintly under the
/// ones the answer uses, its landing stations as small diamonds, and the cable systems on the
/// answer's routes along their drawn geometry where the dataset has one.
pub fn map_scene(r: &Report, basemap: Vec<Rings>, ds: &crate::data::Dataset) -> MapScene {
    let (basemap, basemap_source) = if basemap.is_empty() {
        (
            super::svg::embedded_coastline().unwrap_or_default(),
            "Natural Earth 1:50m countries, simplified (public domain)".to_string(),
        )
    } else {
        (
            basemap,
            "Natural Earth (public domain), as given by --basemap".to_string(),
        )
    };
    let used: Vec<&str> = r.zones.iter().map(|z| z.id.as_str()).collect();
    let mut zones: Vec<MapZone> = ds
        .zones
        .iter()
        .filter(|z| !used.contains(&z.id.as_str()))
        .map(|z| MapZone {
            label: format!("{} {}", z.id, z.name),
            ring: match &z.polygon {
                Some(p) if p.len() >= 3 => p.clone(),
                _ => super::geojson::circle_ring(z.centre, z.radius_km, 48),
            },
            used: false,
        })
        .collect();
    zones.extend(r.zones.iter().map(|z| MapZone {
        label: format!("{} {}", z.id, z.name),
        ring: match &z.polygon {
            Some(p) if p.len() >= 3 => p.clone(),
            _ => super::geojson::circle_ring(z.centre, z.radius_km, 48),
        },
        used: true,
    }));
    let mut landings_used: std::collections::BTreeSet<&str> = Default::default();
    let mut cables_used: std::collections::BTreeSet<&str> = Default::default();
    for c in &r.cities {
        for a in &c.served_by {
            landings_used.extend(a.landings.iter().map(String::as_str));
            cables_used.extend(a.cables.iter().map(String::as_str));
        }
    }
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
        zones,
        cables: ds
            .cables
            .iter()
            .filter(|c| cables_used.contains(c.id.as_str()))
            .filter_map(|c| {
                let (parts, source) = super::layers::cable_geometry(c, ds);
                (source == "drawn").then(|| MapCable {
                    label: c.name.clone(),
                    parts,
                })
            })
            .collect(),
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
        landings: ds
            .landings
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
            .collect(),
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

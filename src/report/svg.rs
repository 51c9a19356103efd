//! An SVG map of the answer: Australia and Japan with renewable-energy zones, chosen sites
//! sized by MW, routes, cities, a legend and a scale bar, over an optional Natural Earth
//! basemap (else a graticule only).
//!
//! Projection: equirectangular (plate carrée) with longitudes unwrapped to 0..360 so routes
//! through Hawaii or the US west coast stay continuous. Distances on it are not uniform; the
//! scale bar states the latitude at which it holds.

use crate::data::LonLat;
use crate::error::{Error, Location, Result};
use std::fmt::Write as _;
use std::path::Path;

/// A polygon ring set (outer ring first) for the basemap.
pub type Rings = Vec<Vec<LonLat>>;

/// A zone drawn on the map.
#[derive(Debug, Clone)]
pub struct MapZone {
    /// Label (REZ id).
    pub label: String,
    /// Outline (closed ring).
    pub ring: Vec<LonLat>,
    /// True if the answer uses it (drawn stronger).
    pub used: bool,
}

/// A site drawn on the map.
#[derive(Debug, Clone)]
pub struct MapSite {
    /// Label.
    pub label: String,
    /// Position.
    pub location: LonLat,
    /// Built IT MW (circle area ∝ MW).
    pub mw: f64,
}

/// A route drawn on the map.
#[derive(Debug, Clone)]
pub struct MapRoute {
    /// Vertices, lon/lat.
    pub path: Vec<LonLat>,
}

/// A demand city drawn on the map.
#[derive(Debug, Clone)]
pub struct MapCity {
    /// Label.
    pub label: String,
    /// Position.
    pub location: LonLat,
    /// Demand, MW.
    pub mw: f64,
}

/// Everything on the map.
#[derive(Debug, Clone, Default)]
pub struct MapScene {
    /// Title line.
    pub title: String,
    /// Basemap polygons (countries, states).
    pub basemap: Vec<Rings>,
    /// Zones.
    pub zones: Vec<MapZone>,
    /// Routes.
    pub routes: Vec<MapRoute>,
    /// Sites.
    pub sites: Vec<MapSite>,
    /// Cities.
    pub cities: Vec<MapCity>,
    /// Other candidates (small grey dots), optional.
    pub candidates: Vec<LonLat>,
}

/// Reads the polygons of a GeoJSON file (Polygon / MultiPolygon features) for the basemap.
pub fn read_basemap(path: &Path) -> Result<Vec<Rings>> {
    let text = crate::input::read_text(path)?;
    let label = path.display().to_string();
    let v = crate::input::parse_json(
        &label,
        &text,
        "--basemap expects a GeoJSON FeatureCollection, e.g. Natural Earth countries",
    )?;
    let features = v
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| Error::Parse {
            at: Location::file(&label).field("features"),
            message: "no `features` array".into(),
            hint: "--basemap expects a GeoJSON FeatureCollection".into(),
        })?;
    let mut out = Vec::new();
    for f in features {
        let g = &f["geometry"];
        let polys: Vec<&serde_json::Value> = match g["type"].as_str() {
            Some("Polygon") => vec![&g["coordinates"]],
            Some("MultiPolygon") => g["coordinates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for poly in polys {
            let rings: Rings = poly
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| {
                            r.as_array()
                                .map(|pts| {
                                    pts.iter()
                                        .filter_map(|c| {
                                            Some(LonLat::new(
                                                c.get(0)?.as_f64()?,
                                                c.get(1)?.as_f64()?,
                                            ))
                                        })
                                        .collect()
                                })
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !rings.is_empty() {
                out.push(rings);
            }
        }
    }
    Ok(out)
}

const WIDTH_PX: f64 = 900.0;

struct Proj {
    min_lon: f64,
    max_lat: f64,
    k: f64,
}

impl Proj {
    fn x(&self, lon: f64) -> f64 {
        (unwrap(lon) - self.min_lon) * self.k
    }
    fn y(&self, lat: f64) -> f64 {
        (self.max_lat - lat) * self.k
    }
}

fn unwrap(lon: f64) -> f64 {
    if lon < 0.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// Escapes text for XML content and attribute values. Characters XML 1.0 does not allow at
/// all (control characters other than tab, line feed and carriage return; U+FFFE, U+FFFF) are
/// replaced by U+FFFD, so the document is always well-formed whatever the input names hold.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders the scene as an SVG document.
pub fn render(scene: &MapScene) -> String {
    // Extent from the answer (not the basemap), padded.
    let mut pts: Vec<LonLat> = Vec::new();
    pts.extend(scene.sites.iter().map(|s| s.location));
    pts.extend(scene.cities.iter().map(|c| c.location));
    pts.extend(scene.routes.iter().flat_map(|r| r.path.iter().copied()));
    pts.extend(
        scene
            .zones
            .iter()
            .filter(|z| z.used)
            .flat_map(|z| z.ring.iter().copied()),
    );
    pts.extend(scene.candidates.iter().copied());
    // Always frame Australia and Japan.
    pts.push(LonLat::new(112.0, -44.0));
    pts.push(LonLat::new(154.0, -10.0));
    pts.push(LonLat::new(129.0, 31.0));
    pts.push(LonLat::new(146.0, 45.5));
    let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pts {
        let lon = unwrap(p.lon);
        min_lon = min_lon.min(lon);
        max_lon = max_lon.max(lon);
        min_lat = min_lat.min(p.lat);
        max_lat = max_lat.max(p.lat);
    }
    let pad = 2.0;
    let (min_lon, max_lon, min_lat, max_lat) =
        (min_lon - pad, max_lon + pad, min_lat - pad, max_lat + pad);
    let k = WIDTH_PX / (max_lon - min_lon);
    let height = (max_lat - min_lat) * k;
    let pr = Proj {
        min_lon,
        max_lat,
        k,
    };
    let legend_h = 150.0;
    let total_h = height + legend_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="sans-serif">"#,
        w = WIDTH_PX,
        h = total_h
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&scene.title));
    let _ = writeln!(
        s,
        r#"<defs><clipPath id="map"><rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}"/></clipPath></defs>"#
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}" fill="#dbe9f4"/>"##
    );
    let _ = writeln!(s, r#"<g clip-path="url(#map)">"#);
    // Basemap.
    if !scene.basemap.is_empty() {
        let _ = write!(
            s,
            r##"<path fill="#f4f1e8" stroke="#9a9a8a" stroke-width="0.6" fill-rule="evenodd" d=""##
        );
        for rings in &scene.basemap {
            for ring in rings {
                for (i, p) in ring.iter().enumerate() {
                    let cmd = if i == 0 { 'M' } else { 'L' };
                    let _ = write!(s, "{cmd}{:.1},{:.1}", pr.x(p.lon), pr.y(p.lat));
                }
                s.push('Z');
            }
        }
        s.push_str("\"/>\n");
    }
    // Graticule every 10°.
    let _ = write!(
        s,
        r##"<g stroke="#8aa" stroke-width="0.4" stroke-dasharray="2,3" fill="none">"##
    );
    let mut lon = (min_lon / 10.0).ceil() * 10.0;
    while lon <= max_lon {
        let x = (lon - min_lon) * k;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{height:.1}"/>"#
        );
        lon += 10.0;
    }
    let mut lat = (min_lat / 10.0).ceil() * 10.0;
    while lat <= max_lat {
        let y = pr.y(lat);
        let _ = write!(
            s,
            r#"<line x1="0" y1="{y:.1}" x2="{WIDTH_PX:.0}" y2="{y:.1}"/>"#
        );
        lat += 10.0;
    }
    s.push_str("</g>\n");
    // Graticule labels.
    let _ = write!(s, r##"<g font-size="10" fill="#567">"##);
    let mut lon = (min_lon / 10.0).ceil() * 10.0;
    while lon <= max_lon {
        let x = (lon - min_lon) * k;
        let shown = if lon > 180.0 {
            format!("{}°W", 360.0 - lon)
        } else {
            format!("{lon}°E")
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{shown}</text>"#,
            x + 2.0,
            height - 4.0
        );
        lon += 10.0;
    }
    let mut lat = (min_lat / 10.0).ceil() * 10.0;
    while lat <= max_lat {
        let shown = if lat < 0.0 {
            format!("{}°S", -lat)
        } else {
            format!("{lat}°N")
        };
        let _ = write!(
            s,
            r#"<text x="2" y="{:.1}">{shown}</text>"#,
            pr.y(lat) - 2.0
        );
        lat += 10.0;
    }
    s.push_str("</g>\n");
    // Zones.
    for z in &scene.zones {
        let (fill, op, stroke) = if z.used {
            ("#2e9e44", "0.35", "#1b6b2c")
        } else {
            ("#7bc47f", "0.15", "#5a9a5e")
        };
        let _ = write!(
            s,
            r#"<path fill="{fill}" fill-opacity="{op}" stroke="{stroke}" stroke-width="0.8" d=""#
        );
        for (i, p) in z.ring.iter().enumerate() {
            let cmd = if i == 0 { 'M' } else { 'L' };
            let _ = write!(s, "{cmd}{:.1},{:.1}", pr.x(p.lon), pr.y(p.lat));
        }
        let _ = writeln!(s, r#"Z"><title>{}</title></path>"#, esc(&z.label));
    }
    // Candidates.
    if !scene.candidates.is_empty() {
        let _ = write!(s, r##"<g fill="#777" fill-opacity="0.5">"##);
        for p in &scene.candidates {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="1.2"/>"#,
                pr.x(p.lon),
                pr.y(p.lat)
            );
        }
        s.push_str("</g>\n");
    }
    // Routes.
    let _ = write!(
        s,
        r##"<g fill="none" stroke="#d9480f" stroke-width="1.4" stroke-opacity="0.8">"##
    );
    for r in &scene.routes {
        let _ = write!(s, r#"<polyline points=""#);
        for p in &r.path {
            let _ = write!(s, "{:.1},{:.1} ", pr.x(p.lon), pr.y(p.lat));
        }
        s.push_str("\"/>");
    }
    s.push_str("</g>\n");
    // Sites: area ∝ MW.
    let max_mw = scene.sites.iter().map(|s| s.mw).fold(1.0, f64::max);
    for site in &scene.sites {
        let r = 4.0 + 14.0 * (site.mw / max_mw).sqrt();
        let (x, y) = (pr.x(site.location.lon), pr.y(site.location.lat));
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="#1c7ed6" fill-opacity="0.75" stroke="#0b3d6e"><title>{} — {:.0} MW</title></circle><text x="{:.1}" y="{:.1}" font-size="11" fill="#0b3d6e">{}</text>"##,
            esc(&site.label),
            site.mw,
            x + r + 2.0,
            y + 4.0,
            esc(&site.label)
        );
    }
    // Cities.
    for c in &scene.cities {
        let (x, y) = (pr.x(c.location.lon), pr.y(c.location.lat));
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="#c92a2a"><title>{} — {:.0} MW</title></rect><text x="{:.1}" y="{:.1}" font-size="11" fill="#7a1010">{}</text>"##,
            x - 4.0,
            y - 4.0,
            esc(&c.label),
            c.mw,
            x + 7.0,
            y + 4.0,
            esc(&c.label)
        );
    }
    s.push_str("</g>\n");
    // Frame, title, legend, scale bar (below the map).
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}" fill="none" stroke="#333"/>"##
    );
    let ly = height + 24.0;
    let _ = writeln!(
        s,
        r#"<text x="10" y="{ly:.1}" font-size="16" font-weight="bold">{}</text>"#,
        esc(&scene.title)
    );
    let row = ly + 28.0;
    let _ = writeln!(
        s,
        r##"<g font-size="12"><circle cx="20" cy="{row:.1}" r="8" fill="#1c7ed6" fill-opacity="0.75" stroke="#0b3d6e"/><text x="34" y="{r4:.1}">chosen site (area ∝ MW built)</text><rect x="250" y="{rm4:.1}" width="8" height="8" fill="#c92a2a"/><text x="264" y="{r4:.1}">demand city</text><line x1="380" y1="{row:.1}" x2="410" y2="{row:.1}" stroke="#d9480f" stroke-width="2"/><text x="416" y="{r4:.1}">route: site → landing → cables → city (schematic)</text><rect x="12" y="{r2m5:.1}" width="16" height="10" fill="#2e9e44" fill-opacity="0.35" stroke="#1b6b2c"/><text x="34" y="{r2p4:.1}">renewable-energy zone used</text><rect x="242" y="{r2m5:.1}" width="16" height="10" fill="#7bc47f" fill-opacity="0.15" stroke="#5a9a5e"/><text x="264" y="{r2p4:.1}">other zone</text></g>"##,
        r4 = row + 4.0,
        rm4 = row - 4.0,
        r2m5 = row + 22.0 - 5.0,
        r2p4 = row + 22.0 + 4.0,
    );
    // Scale bar at 30°S: 1,000 km.
    let scale_lat: f64 = -30.0;
    let km_per_deg = 111.32 * scale_lat.to_radians().cos();
    let bar_px = 1000.0 / km_per_deg * k;
    let sy = row + 50.0;
    let _ = writeln!(
        s,
        r##"<g font-size="12"><rect x="20" y="{sy:.1}" width="{bar_px:.1}" height="6" fill="#333"/><rect x="20" y="{sy:.1}" width="{:.1}" height="6" fill="#fff" stroke="#333"/><text x="20" y="{:.1}">0</text><text x="{:.1}" y="{:.1}">1,000 km (at 30°S; equirectangular projection)</text></g>"##,
        bar_px / 2.0,
        sy + 20.0,
        20.0 + bar_px - 10.0,
        sy + 20.0
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#555" text-anchor="end">sitefind · WGS 84 · basemap: Natural Earth (public domain) where given</text>"##,
        WIDTH_PX - 10.0,
        total_h - 8.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_well_formed_svg() {
        let scene = MapScene {
            title: "test <&>".into(),
            sites: vec![MapSite {
                label: "A".into(),
                location: LonLat::new(150.0, -33.0),
                mw: 100.0,
            }],
            cities: vec![MapCity {
                label: "Tokyo".into(),
                location: LonLat::new(139.7, 35.7),
                mw: 100.0,
            }],
            routes: vec![MapRoute {
                path: vec![
                    LonLat::new(150.0, -33.0),
                    LonLat::new(-157.0, 21.0),
                    LonLat::new(139.7, 35.7),
                ],
            }],
            ..Default::default()
        };
        let svg = render(&scene);
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("test &lt;&amp;&gt;"));
        assert!(svg.contains("1,000 km"));
        assert!(!svg.contains("NaN"));
    }
}

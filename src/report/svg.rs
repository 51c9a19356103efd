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

/// A polygon ring set (outer ring first, then holes) for the basemap.
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

/// A route drawn on the map: one allocation's path.
#[derive(Debug, Clone)]
pub struct MapRoute {
    /// Vertices, lon/lat: site, landings…, city.
    pub path: Vec<LonLat>,
    /// MW carried (line width ∝ MW, summed where routes share a leg).
    pub mw: f64,
}

/// A submarine cable system on the answer's routes, along its drawn geometry.
#[derive(Debug, Clone)]
pub struct MapCable {
    /// Label (name).
    pub label: String,
    /// Line parts, lon/lat.
    pub parts: Vec<Vec<LonLat>>,
}

/// A landing station drawn on the map.
#[derive(Debug, Clone)]
pub struct MapLanding {
    /// Label.
    pub label: String,
    /// Position.
    pub location: LonLat,
    /// On a route of the answer (drawn stronger and labelled).
    pub on_route: bool,
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
    /// Basemap polygons (countries, states): each drawn as its own path.
    pub basemap: Vec<Rings>,
    /// Attribution of the basemap, shown in the footer.
    pub basemap_source: String,
    /// Zones.
    pub zones: Vec<MapZone>,
    /// Cable systems used, along their drawn geometry where the data has it.
    pub cables: Vec<MapCable>,
    /// Routes.
    pub routes: Vec<MapRoute>,
    /// Landing stations.
    pub landings: Vec<MapLanding>,
    /// Sites.
    pub sites: Vec<MapSite>,
    /// Cities.
    pub cities: Vec<MapCity>,
    /// Other candidates (small grey dots), optional.
    pub candidates: Vec<LonLat>,
}

/// The embedded coastline: Natural Earth 1:50m countries around the routes, simplified
/// (`data/coastline.geojson`, built by `data/tools/build_coastline.py`; public domain).
const COASTLINE: &str = include_str!("../../data/coastline.geojson");

/// The embedded coastline's polygons (Australia, Japan, the West Pacific and South-East Asia).
pub fn embedded_coastline() -> Result<Vec<Rings>> {
    parse_basemap(COASTLINE, "<embedded>/coastline.geojson")
}

/// The font embedded for PNG rendering: DejaVu Sans (Bitstream Vera licence, DejaVu changes
/// public domain; `data/fonts/`).
const FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");

/// Rasterises an SVG document (as written by [`render`]) to PNG with resvg, using the
/// embedded font for text.
pub fn to_png(svg: &str) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    {
        let db = opt.fontdb_mut();
        db.load_font_data(FONT.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
    }
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| Error::Internal(format!("parsing the map SVG: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        Error::Internal(format!(
            "map of {}×{} px cannot be rasterised",
            size.width(),
            size.height()
        ))
    })?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| Error::Internal(format!("encoding the map PNG: {e}")))
}

/// Reads the polygons of a GeoJSON file (Polygon / MultiPolygon features) for the basemap.
///
/// # Errors
/// [`Error::Parse`] (exit 1, with a hint to reproject) when the file is not WGS 84 lon/lat: a
/// `crs` member naming anything but CRS84 / EPSG:4326, or a position outside
/// [-180, 180] × [-90, 90].
pub fn read_basemap(path: &Path) -> Result<Vec<Rings>> {
    let text = crate::input::read_text(path)?;
    parse_basemap(&text, &path.display().to_string())
}

fn parse_basemap(text: &str, label: &str) -> Result<Vec<Rings>> {
    let label = label.to_string();
    let v = crate::input::parse_json(
        &label,
        text,
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
    check_crs(&v, &label)?;
    let mut out = Vec::new();
    for (k, f) in features.iter().enumerate() {
        let g = &f["geometry"];
        check_lon_lat(&g["coordinates"], &label, k)?;
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

/// The `crs` names that mean WGS 84 lon/lat (RFC 7946 allows no other; older GeoJSON named it).
const LON_LAT_CRS: [&str; 6] = [
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "CRS84",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326",
];

/// What to do with a basemap that is not WGS 84 lon/lat.
const REPROJECT_HINT: &str = "--basemap expects RFC 7946 GeoJSON in WGS 84 lon/lat: reproject it, e.g. `ogr2ogr -t_srs EPSG:4326 -lco RFC7946=YES out.geojson in.geojson`";

/// A basemap's `crs` member (GeoJSON 2008), if any, must name WGS 84 lon/lat: RFC 7946
/// GeoJSON is always lon/lat, and a projected basemap (e.g. EPSG:3577, metres) would be drawn
/// as nonsense.
fn check_crs(v: &serde_json::Value, label: &str) -> Result<()> {
    let Some(crs) = v.get("crs").filter(|c| !c.is_null()) else {
        return Ok(());
    };
    let name = crs["properties"]["name"]
        .as_str()
        .or_else(|| crs["properties"]["href"].as_str());
    match name {
        Some(n) if LON_LAT_CRS.iter().any(|ok| ok.eq_ignore_ascii_case(n.trim())) => Ok(()),
        other => Err(Error::Parse {
            at: Location::file(label).field("crs"),
            message: format!(
                "the basemap's coordinate reference system is {}, not WGS 84 lon/lat (CRS84 / EPSG:4326)",
                other.map_or_else(|| crs.to_string(), |n| format!("{n:?}"))
            ),
            hint: REPROJECT_HINT.into(),
        }),
    }
}

/// Every position of a geometry's `coordinates` must be a lon/lat: |lon| ≤ 180, |lat| ≤ 90.
fn check_lon_lat(coords: &serde_json::Value, label: &str, feature: usize) -> Result<()> {
    match coords.as_array() {
        Some(a) if a.first().is_some_and(|x| x.is_number()) => {
            let (lon, lat) = (
                a[0].as_f64().unwrap_or(f64::NAN),
                a.get(1).and_then(|y| y.as_f64()).unwrap_or(f64::NAN),
            );
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
                Ok(())
            } else {
                Err(Error::Parse {
                    at: Location::file(label)
                        .record(format!("features[{feature}]"))
                        .field("geometry.coordinates"),
                    message: format!(
                        "position [{lon}, {lat}] is outside lon [-180, 180] × lat [-90, 90]: projected coordinates (e.g. EPSG:3577 metres)?"
                    ),
                    hint: REPROJECT_HINT.into(),
                })
            }
        }
        Some(a) => a.iter().try_for_each(|c| check_lon_lat(c, label, feature)),
        None => Ok(()),
    }
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

/// An axis-aligned box in pixels: x0, y0, x1, y1.
type PxBox = [f64; 4];

fn overlaps(a: &PxBox, b: &PxBox) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Greedy label placement: each label (in priority order) takes the first of eight positions
/// around its anchor, at growing distances, whose box stays inside the map and overlaps no
/// placed label or marker; a label with no free position is left out (its feature keeps a
/// `<title>` tooltip).
struct Labeller {
    taken: Vec<PxBox>,
    width: f64,
    height: f64,
}

/// Where a label went: text origin (baseline, start) and an optional leader line
/// (x1, y1, x2, y2) from its marker.
struct Placed {
    x: f64,
    y: f64,
    leader: Option<(f64, f64, f64, f64)>,
}

/// Approximate advance width of DejaVu Sans, em per character.
const CHAR_EM: f64 = 0.6;

impl Labeller {
    fn block(&mut self, b: PxBox) {
        self.taken.push(b);
    }

    /// Returns the text's (x, y baseline, anchor) if it found room.
    fn place(
        &mut self,
        x: f64,
        y: f64,
        r: f64,
        text: &str,
        size: f64,
        far: bool,
    ) -> Option<Placed> {
        let w = CHAR_EM * size * text.chars().count() as f64;
        let h = size;
        // Near the marker first; `far` labels (sites, cities) may move further out, with a
        // leader line back to their marker.
        let steps: &[f64] = if far {
            &[1.0, 1.8, 2.8, 5.0, 8.0, 12.0, 18.0]
        } else {
            &[1.0, 1.8, 2.8]
        };
        for &step in steps {
            let d = r + 2.0 * step;
            // (box x0, box y0) for: right, left, above, below, and the four corners.
            let spots = [
                (x + d, y - h / 2.0),
                (x - d - w, y - h / 2.0),
                (x - w / 2.0, y - d - h),
                (x - w / 2.0, y + d),
                (x + d * 0.7, y - d * 0.7 - h),
                (x + d * 0.7, y + d * 0.7),
                (x - d * 0.7 - w, y - d * 0.7 - h),
                (x - d * 0.7 - w, y + d * 0.7),
            ];
            for (bx, by) in spots {
                let b = [bx - 1.0, by - 1.0, bx + w + 1.0, by + h + 1.0];
                if b[0] < 0.0 || b[1] < 0.0 || b[2] > self.width || b[3] > self.height {
                    continue;
                }
                if self.taken.iter().any(|t| overlaps(t, &b)) {
                    continue;
                }
                self.taken.push(b);
                // Leader from the marker's edge to the nearest point of the label box.
                let leader = (step > 2.8).then(|| {
                    let (cx, cy) = (x.clamp(b[0], b[2]), y.clamp(b[1], b[3]));
                    let len = ((cx - x).powi(2) + (cy - y).powi(2)).sqrt().max(1e-9);
                    (x + (cx - x) * r / len, y + (cy - y) * r / len, cx, cy)
                });
                return Some(Placed {
                    x: bx,
                    y: by + 0.8 * h,
                    leader,
                });
            }
        }
        None
    }
}

fn path_d(s: &mut String, pr: &Proj, pts: &[LonLat], close: bool) {
    for (i, p) in pts.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        let _ = write!(s, "{cmd}{:.1},{:.1}", pr.x(p.lon), pr.y(p.lat));
    }
    if close {
        s.push('Z');
    }
}

/// A straight piece of one or more routes between two vertices, with the MW it carries.
struct Leg {
    /// Rounded end coordinates, in order, to merge legs shared by several routes.
    key: (i64, i64, i64, i64),
    ends: [LonLat; 2],
    mw: f64,
}

/// The routes' legs, merged where routes share one (MW summed), heaviest first.
fn route_legs(routes: &[MapRoute]) -> Vec<Leg> {
    let mut legs: Vec<Leg> = Vec::new();
    let grid = |p: LonLat| ((p.lon * 1e4).round() as i64, (p.lat * 1e4).round() as i64);
    for r in routes {
        for w in r.path.windows(2) {
            let (a, b) = (grid(w[0]), grid(w[1]));
            let key = if a <= b {
                (a.0, a.1, b.0, b.1)
            } else {
                (b.0, b.1, a.0, a.1)
            };
            match legs.iter_mut().find(|l| l.key == key) {
                Some(l) => l.mw += r.mw,
                None => legs.push(Leg {
                    key,
                    ends: [w[0], w[1]],
                    mw: r.mw,
                }),
            }
        }
    }
    legs.sort_by(|a, b| b.mw.total_cmp(&a.mw).then(a.key.cmp(&b.key)));
    legs
}

/// A label waiting for a place: anchor (px), marker radius, text, size, colour, priority.
struct PendingLabel<'a> {
    x: f64,
    y: f64,
    r: f64,
    text: String,
    size: f64,
    color: &'a str,
    priority: f64,
    /// May move far from its marker (with a leader line) rather than be left out.
    far: bool,
}

/// Line width in px for `mw` of `max_mw`: 1.2 px to 7 px, ∝ MW.
fn route_width(mw: f64, max_mw: f64) -> f64 {
    1.2 + 5.8 * (mw / max_mw.max(1e-9)).clamp(0.0, 1.0)
}

/// The map's frame: the projection and the extent it shows, in degrees and px.
struct Frame {
    /// Projection into px.
    pr: Proj,
    /// West edge, degrees (unwrapped to 0..360).
    min_lon: f64,
    /// East edge, degrees (unwrapped to 0..360).
    max_lon: f64,
    /// South edge, degrees.
    min_lat: f64,
    /// North edge, degrees.
    max_lat: f64,
    /// Height of the map area, px.
    height: f64,
    /// Height of the document (map and legend), px.
    total_h: f64,
}

/// Height of the legend below the map, px.
const LEGEND_PX: f64 = 170.0;

/// Renders the scene as an SVG document, one layer after another: header, basemap,
/// graticule, zones, candidates, cables, routes, markers, labels, then the legend below.
pub fn render(scene: &MapScene) -> String {
    let f = frame(scene);
    let mut s = String::new();
    write_header(&mut s, scene, &f);
    write_basemap(&mut s, scene, &f.pr);
    write_graticule(&mut s, &f);
    write_graticule_labels(&mut s, &f);
    write_zones(&mut s, scene, &f.pr);
    write_candidates(&mut s, scene, &f.pr);
    write_cables(&mut s, scene, &f.pr);
    write_routes(&mut s, scene, &f.pr);
    let mut labels = Labeller {
        taken: Vec::new(),
        width: WIDTH_PX,
        height: f.height,
    };
    let site_r = site_radius(scene);
    write_markers(&mut s, scene, &f.pr, &mut labels, &site_r);
    write_labels(&mut s, label_queue(scene, &f.pr, &site_r), &mut labels);
    s.push_str("</g>\n");
    write_legend(&mut s, scene, &f);
    s.push_str("</svg>\n");
    s
}

/// The frame around the answer (not the basemap), padded 2°, always showing Australia and
/// Japan.
fn frame(scene: &MapScene) -> Frame {
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
    Frame {
        pr: Proj {
            min_lon,
            max_lat,
            k,
        },
        min_lon,
        max_lon,
        min_lat,
        max_lat,
        height,
        total_h: height + LEGEND_PX,
    }
}

/// The document's opening: `<svg>`, title, background, the map's clip path and sea, and the
/// opening of the clipped map group.
fn write_header(s: &mut String, scene: &MapScene, f: &Frame) {
    let (height, total_h) = (f.height, f.total_h);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans, sans-serif">"#,
        w = WIDTH_PX,
        h = total_h
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&scene.title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH_PX:.0}" height="{total_h:.1}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r#"<defs><clipPath id="map"><rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}"/></clipPath></defs>"#
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}" fill="#dbe9f4"/>"##
    );
    let _ = writeln!(s, r#"<g clip-path="url(#map)">"#);
}

/// Basemap: one path per polygon (its holes cut out by even-odd within that polygon only),
/// so overlapping polygons (a country and its states) never cancel each other.
fn write_basemap(s: &mut String, scene: &MapScene, pr: &Proj) {
    let _ = writeln!(
        s,
        r##"<g fill="#f4f1e8" stroke="#9a9a8a" stroke-width="0.6" fill-rule="evenodd">"##
    );
    for rings in &scene.basemap {
        s.push_str("<path d=\"");
        for ring in rings {
            path_d(s, pr, ring, true);
        }
        s.push_str("\"/>\n");
    }
    s.push_str("</g>\n");
}

/// The multiples of 10 in `lo..=hi`, as the graticule steps through them.
fn tens(lo: f64, hi: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut v = (lo / 10.0).ceil() * 10.0;
    while v <= hi {
        out.push(v);
        v += 10.0;
    }
    out
}

/// Graticule lines every 10°.
fn write_graticule(s: &mut String, f: &Frame) {
    let height = f.height;
    let _ = write!(
        s,
        r##"<g stroke="#8aa" stroke-width="0.4" stroke-dasharray="2,3" fill="none">"##
    );
    for lon in tens(f.min_lon, f.max_lon) {
        let x = (lon - f.min_lon) * f.pr.k;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{height:.1}"/>"#
        );
    }
    for lat in tens(f.min_lat, f.max_lat) {
        let y = f.pr.y(lat);
        let _ = write!(
            s,
            r#"<line x1="0" y1="{y:.1}" x2="{WIDTH_PX:.0}" y2="{y:.1}"/>"#
        );
    }
    s.push_str("</g>\n");
}

/// Graticule labels: longitudes along the bottom, latitudes along the left edge.
fn write_graticule_labels(s: &mut String, f: &Frame) {
    let _ = write!(s, r##"<g font-size="10" fill="#567">"##);
    for lon in tens(f.min_lon, f.max_lon) {
        let x = (lon - f.min_lon) * f.pr.k;
        let shown = if lon > 180.0 {
            format!("{}°W", 360.0 - lon)
        } else {
            format!("{lon}°E")
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{shown}</text>"#,
            x + 2.0,
            f.height - 4.0
        );
    }
    for lat in tens(f.min_lat, f.max_lat) {
        let shown = if lat < 0.0 {
            format!("{}°S", -lat)
        } else {
            format!("{lat}°N")
        };
        let _ = write!(
            s,
            r#"<text x="2" y="{:.1}">{shown}</text>"#,
            f.pr.y(lat) - 2.0
        );
    }
    s.push_str("</g>\n");
}

/// Zones: each its own path, stronger when the answer uses it.
fn write_zones(s: &mut String, scene: &MapScene, pr: &Proj) {
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
        path_d(s, pr, &z.ring, true);
        let _ = writeln!(s, r#""><title>{}</title></path>"#, esc(&z.label));
    }
}

/// Other candidates: small grey dots.
fn write_candidates(s: &mut String, scene: &MapScene, pr: &Proj) {
    if scene.candidates.is_empty() {
        return;
    }
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

/// Cable systems on the routes, along their drawn geometry.
fn write_cables(s: &mut String, scene: &MapScene, pr: &Proj) {
    if scene.cables.is_empty() {
        return;
    }
    let _ = write!(
        s,
        r##"<g fill="none" stroke="#5f3dc4" stroke-width="1.2" stroke-opacity="0.7" stroke-dasharray="5,2">"##
    );
    for c in &scene.cables {
        let _ = write!(s, r#"<path d=""#);
        for part in &c.parts {
            path_d(s, pr, part, false);
        }
        let _ = write!(s, r#""><title>{}</title></path>"#, esc(&c.label));
    }
    s.push_str("</g>\n");
}

/// Routes: legs shared by several allocations are drawn once, width ∝ total MW.
fn write_routes(s: &mut String, scene: &MapScene, pr: &Proj) {
    let legs = route_legs(&scene.routes);
    let max_leg = legs.iter().map(|l| l.mw).fold(0.0, f64::max);
    let _ = write!(
        s,
        r##"<g fill="none" stroke="#d9480f" stroke-opacity="0.75" stroke-linecap="round">"##
    );
    for leg in &legs {
        let [a, b] = leg.ends;
        let _ = write!(
            s,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke-width="{:.1}"><title>{:.0} MW</title></line>"#,
            pr.x(a.lon),
            pr.y(a.lat),
            pr.x(b.lon),
            pr.y(b.lat),
            route_width(leg.mw, max_leg),
            leg.mw
        );
    }
    s.push_str("</g>\n");
}

/// A site's marker radius in px for its MW: 4 px to 18 px, area ∝ MW of the largest site.
fn site_radius(scene: &MapScene) -> impl Fn(f64) -> f64 {
    let max_mw = scene.sites.iter().map(|s| s.mw).fold(1.0, f64::max);
    move |mw: f64| 4.0 + 14.0 * (mw / max_mw).sqrt()
}

/// Markers (landings, sites, cities), drawn before the labels and blocked for them so that
/// no label covers a marker.
fn write_markers(
    s: &mut String,
    scene: &MapScene,
    pr: &Proj,
    labels: &mut Labeller,
    site_r: &dyn Fn(f64) -> f64,
) {
    for l in &scene.landings {
        let (x, y) = (pr.x(l.location.lon), pr.y(l.location.lat));
        let (fill, r) = if l.on_route {
            ("#5f3dc4", 3.5)
        } else {
            ("#9c8fd0", 2.0)
        };
        if l.on_route {
            labels.block([x - r, y - r, x + r, y + r]);
        }
        let _ = writeln!(
            s,
            r##"<path d="M{:.1},{:.1}l{r:.1},{r:.1}l-{r:.1},{r:.1}l-{r:.1},-{r:.1}Z" fill="{fill}" stroke="#ffffff" stroke-width="0.5"><title>landing: {}</title></path>"##,
            x,
            y - r,
            esc(&l.label)
        );
    }
    for site in &scene.sites {
        let r = site_r(site.mw);
        let (x, y) = (pr.x(site.location.lon), pr.y(site.location.lat));
        labels.block([x - r, y - r, x + r, y + r]);
        let _ = writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="#1c7ed6" fill-opacity="0.75" stroke="#0b3d6e"><title>{} — {:.0} MW</title></circle>"##,
            esc(&site.label),
            site.mw,
        );
    }
    for c in &scene.cities {
        let (x, y) = (pr.x(c.location.lon), pr.y(c.location.lat));
        labels.block([x - 4.0, y - 4.0, x + 4.0, y + 4.0]);
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="8" height="8" fill="#c92a2a" stroke="#ffffff" stroke-width="0.5"><title>{} — {:.0} MW</title></rect>"##,
            x - 4.0,
            y - 4.0,
            esc(&c.label),
            c.mw,
        );
    }
}

/// Labels in priority order: sites and cities by MW, then landings on routes (ties by text).
fn label_queue(
    scene: &MapScene,
    pr: &Proj,
    site_r: &dyn Fn(f64) -> f64,
) -> Vec<PendingLabel<'static>> {
    let mut queue: Vec<PendingLabel> = Vec::new();
    for site in &scene.sites {
        queue.push(PendingLabel {
            x: pr.x(site.location.lon),
            y: pr.y(site.location.lat),
            r: site_r(site.mw),
            text: format!("{} ({:.0} MW)", site.label, site.mw),
            size: 12.0,
            color: "#0b3d6e",
            priority: 1e9 + site.mw,
            far: true,
        });
    }
    for c in &scene.cities {
        queue.push(PendingLabel {
            x: pr.x(c.location.lon),
            y: pr.y(c.location.lat),
            r: 4.0,
            text: c.label.clone(),
            size: 11.0,
            color: "#7a1010",
            priority: 1e6 + c.mw,
            far: true,
        });
    }
    for l in scene.landings.iter().filter(|l| l.on_route) {
        queue.push(PendingLabel {
            x: pr.x(l.location.lon),
            y: pr.y(l.location.lat),
            r: 3.5,
            text: l.label.clone(),
            size: 9.0,
            color: "#3b2a80",
            priority: 0.0,
            far: false,
        });
    }
    queue.sort_by(|a, b| {
        b.priority
            .total_cmp(&a.priority)
            .then_with(|| a.text.cmp(&b.text))
    });
    queue
}

/// Places each label of `queue` in turn (with a leader line when it moved far from its
/// marker); a label with no free place is left out.
fn write_labels(s: &mut String, queue: Vec<PendingLabel>, labels: &mut Labeller) {
    for PendingLabel {
        x,
        y,
        r,
        text,
        size,
        color,
        far,
        ..
    } in queue
    {
        if let Some(p) = labels.place(x, y, r, &text, size, far) {
            if let Some((x1, y1, x2, y2)) = p.leader {
                let _ = writeln!(
                    s,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{color}" stroke-width="0.8"/>"#
                );
            }
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="{size:.0}" fill="{color}" stroke="#ffffff" stroke-width="2.5" stroke-opacity="0.8" paint-order="stroke">{}</text>"##,
                p.x,
                p.y,
                esc(&text)
            );
        }
    }
}

/// Below the map: frame, title, legend, a 1,000 km scale bar at 30°S, and the footer naming
/// the basemap.
fn write_legend(s: &mut String, scene: &MapScene, f: &Frame) {
    let height = f.height;
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH_PX:.0}" height="{height:.1}" fill="none" stroke="#333"/>"##
    );
    let ly = height + 24.0;
    let _ = writeln!(
        s,
        r#"<text x="10" y="{ly:.1}" font-size="15" font-weight="bold">{}</text>"#,
        esc(&scene.title)
    );
    let row = ly + 26.0;
    let _ = writeln!(
        s,
        r##"<g font-size="12"><circle cx="20" cy="{row:.1}" r="8" fill="#1c7ed6" fill-opacity="0.75" stroke="#0b3d6e"/><text x="34" y="{r4:.1}">chosen site (area ∝ MW built)</text><rect x="250" y="{rm4:.1}" width="8" height="8" fill="#c92a2a"/><text x="264" y="{r4:.1}">demand city</text><line x1="380" y1="{row:.1}" x2="410" y2="{row:.1}" stroke="#d9480f" stroke-width="4" stroke-opacity="0.75"/><text x="416" y="{r4:.1}">route leg (width ∝ MW; site → landings → city)</text><rect x="12" y="{r2m5:.1}" width="16" height="10" fill="#2e9e44" fill-opacity="0.35" stroke="#1b6b2c"/><text x="34" y="{r2p4:.1}">renewable-energy zone used</text><rect x="242" y="{r2m5:.1}" width="16" height="10" fill="#7bc47f" fill-opacity="0.15" stroke="#5a9a5e"/><text x="264" y="{r2p4:.1}">other zone</text><path d="M386,{r2m5:.1}l5,5l-5,5l-5,-5Z" fill="#5f3dc4"/><text x="398" y="{r2p4:.1}">landing station</text><line x1="520" y1="{r2:.1}" x2="550" y2="{r2:.1}" stroke="#5f3dc4" stroke-width="1.2" stroke-dasharray="5,2"/><text x="556" y="{r2p4:.1}">cable on a route (drawn route where known)</text></g>"##,
        r4 = row + 4.0,
        rm4 = row - 4.0,
        r2 = row + 22.0,
        r2m5 = row + 22.0 - 5.0,
        r2p4 = row + 22.0 + 4.0,
    );
    write_scale_bar(s, f, row + 50.0);
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#555" text-anchor="end">sitefind · WGS 84 · basemap: {}</text>"##,
        WIDTH_PX - 10.0,
        f.total_h - 8.0,
        esc(if scene.basemap_source.is_empty() {
            "none"
        } else {
            &scene.basemap_source
        })
    );
}

/// Scale bar at 30°S: 1,000 km, its top at `sy` px.
fn write_scale_bar(s: &mut String, f: &Frame, sy: f64) {
    let scale_lat: f64 = -30.0;
    let km_per_deg = 111.32 * scale_lat.to_radians().cos();
    let bar_px = 1000.0 / km_per_deg * f.pr.k;
    let _ = writeln!(
        s,
        r##"<g font-size="12"><rect x="20" y="{sy:.1}" width="{bar_px:.1}" height="6" fill="#333"/><rect x="20" y="{sy:.1}" width="{:.1}" height="6" fill="#fff" stroke="#333"/><text x="20" y="{:.1}">0</text><text x="{:.1}" y="{:.1}">1,000 km (at 30°S; equirectangular projection)</text></g>"##,
        bar_px / 2.0,
        sy + 20.0,
        20.0 + bar_px - 10.0,
        sy + 20.0
    );
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
                mw: 100.0,
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

    #[test]
    fn overlapping_basemap_polygons_both_fill_and_labels_do_not_overlap() {
        let sq = |x0: f64, y0: f64, d: f64| {
            vec![vec![
                LonLat::new(x0, y0),
                LonLat::new(x0 + d, y0),
                LonLat::new(x0 + d, y0 + d),
                LonLat::new(x0, y0 + d),
                LonLat::new(x0, y0),
            ]]
        };
        // A country and a state inside it: with one even-odd path the state would be a hole.
        let scene = MapScene {
            basemap: vec![sq(120.0, -35.0, 20.0), sq(130.0, -30.0, 5.0)],
            cities: ["Tokyo", "Yokohama", "Kawasaki", "Chiba", "Saitama"]
                .iter()
                .enumerate()
                .map(|(k, n)| MapCity {
                    label: n.to_string(),
                    location: LonLat::new(139.7 + 0.05 * k as f64, 35.6 + 0.05 * k as f64),
                    mw: 10.0,
                })
                .collect(),
            ..Default::default()
        };
        let svg = render(&scene);
        let png = to_png(&svg).unwrap();
        let pix = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        // Frame: lon 110..156, lat −46..47.5 (Australia and Japan always framed, 2° pad).
        let k = 900.0 / 46.0;
        let (x, y) = ((132.5 - 110.0) * k, (47.5 + 27.5) * k);
        let p = pix.pixel(x as u32, y as u32).unwrap();
        assert_eq!((p.red(), p.green(), p.blue()), (0xf4, 0xf1, 0xe8));
        // Five labels for five cities a few km apart: placed without overlap, or left out.
        let boxes: Vec<PxBox> = svg
            .lines()
            .filter(|l| l.starts_with("<text x=") && l.contains("fill=\"#7a1010\""))
            .map(|l| {
                let num = |key: &str| -> f64 {
                    let rest = &l[l.find(key).unwrap() + key.len()..];
                    rest[..rest.find('"').unwrap()].parse().unwrap()
                };
                let (tx, ty) = (num("x=\""), num(" y=\""));
                let text = &l[l.find('>').unwrap() + 1..l.find("</text>").unwrap()];
                let w = CHAR_EM * 11.0 * text.chars().count() as f64;
                [tx, ty - 0.8 * 11.0, tx + w, ty + 0.2 * 11.0]
            })
            .collect();
        assert_eq!(boxes.len(), 5, "every city labelled");
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!overlaps(a, b), "{a:?} {b:?}");
            }
        }
    }
}

//! RFC 7946 GeoJSON output: WGS 84 lon/lat, at most 7 decimals, counter-clockwise outer rings,
//! a `bbox` member (west > east when the features straddle the antimeridian, §5.2), and lines
//! split at the antimeridian should they ever cross it. Built with the `geojson` crate's types.

use crate::data::LonLat;
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, Position};
use serde_json::{Map, Value};

/// Decimal places kept in coordinates (RFC 7946 §11.2 recommends ≤ 7: ~1 cm).
pub const COORD_DECIMALS: i32 = 7;

/// Rounds a coordinate to [`COORD_DECIMALS`] places.
pub fn round_coord(x: f64) -> f64 {
    let k = 10f64.powi(COORD_DECIMALS);
    let r = (x * k).round() / k;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Rounds a property value for output (fixed significant precision keeps files stable).
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    let r = (x * k).round() / k;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn pos(p: LonLat) -> Position {
    Position::from([round_coord(p.lon), round_coord(p.lat)])
}

/// Twice the signed area of a ring in lon/lat (positive = counter-clockwise).
fn signed_area2(ring: &[LonLat]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].lon * w[1].lat - w[1].lon * w[0].lat)
        .sum()
}

/// The ring closed (first vertex repeated at the end) and counter-clockwise (RFC 7946 §3.1.6).
pub fn closed_ccw(ring: &[LonLat]) -> Vec<LonLat> {
    let mut r: Vec<LonLat> = ring.to_vec();
    if r.len() >= 2 && r.first() != r.last() {
        r.push(r[0]);
    }
    if signed_area2(&r) < 0.0 {
        r.reverse();
    }
    r
}

/// Splits a polyline where it crosses the antimeridian (a jump of more than 180° in longitude),
/// interpolating the crossing latitude, so every part stays within −180..180.
pub fn split_antimeridian(path: &[LonLat]) -> Vec<Vec<LonLat>> {
    let mut parts: Vec<Vec<LonLat>> = Vec::new();
    let mut cur: Vec<LonLat> = Vec::new();
    for &p in path {
        if let Some(&q) = cur.last() {
            let dlon = p.lon - q.lon;
            if dlon.abs() > 180.0 {
                // Crossing: q → edge → other edge → p.
                let edge = if q.lon > 0.0 { 180.0 } else { -180.0 };
                let p_unwrapped = if dlon > 0.0 {
                    p.lon - 360.0
                } else {
                    p.lon + 360.0
                };
                let t = (edge - q.lon) / (p_unwrapped - q.lon);
                let lat = q.lat + t * (p.lat - q.lat);
                cur.push(LonLat::new(edge, lat));
                parts.push(std::mem::take(&mut cur));
                cur.push(LonLat::new(-edge, lat));
            }
        }
        cur.push(p);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// The RFC 7946 §5 bounding box `[west, south, east, north]` of a set of positions: the
/// shortest longitude interval that holds every position, so when the positions straddle the
/// antimeridian (e.g. a route through Hawaii) `west > east` (§5.2). −180 and 180 are the same
/// meridian.
pub fn bbox(points: &[LonLat]) -> Option<[f64; 4]> {
    if points.is_empty() {
        return None;
    }
    let south = points.iter().map(|p| p.lat).fold(f64::MAX, f64::min);
    let north = points.iter().map(|p| p.lat).fold(f64::MIN, f64::max);
    // Longitudes on the circle; the widest empty gap between neighbours is left out.
    let mut lons: Vec<f64> = points
        .iter()
        .map(|p| if p.lon <= -180.0 { 180.0 } else { p.lon })
        .collect();
    lons.sort_by(f64::total_cmp);
    lons.dedup();
    let n = lons.len();
    // Gap after lons[k] (to lons[k+1], or around the back to lons[0] + 360).
    let gap = |k: usize| {
        if k + 1 < n {
            lons[k + 1] - lons[k]
        } else {
            lons[0] + 360.0 - lons[k]
        }
    };
    let widest = (0..n)
        .max_by(|&a, &b| gap(a).total_cmp(&gap(b)).then(b.cmp(&a)))
        .unwrap_or(n - 1);
    let (west, east) = if widest == n - 1 {
        let min_lon = points.iter().map(|p| p.lon).fold(f64::MAX, f64::min);
        (min_lon, lons[n - 1])
    } else {
        (lons[widest + 1], lons[widest])
    };
    Some([west, south, east, north])
}

/// True if `bbox` (possibly crossing the antimeridian) holds `p`.
pub fn bbox_contains(b: &[f64; 4], p: LonLat) -> bool {
    let lat_ok = p.lat >= b[1] && p.lat <= b[3];
    let lon_ok = if b[0] <= b[2] {
        p.lon >= b[0] && p.lon <= b[2]
    } else {
        p.lon >= b[0] || p.lon <= b[2] || p.lon.abs() == 180.0
    };
    lat_ok && lon_ok
}

/// Builds a [`FeatureCollection`] (the `geojson` crate's types) with an RFC 7946 bbox over
/// every coordinate written.
#[derive(Debug, Default)]
pub struct FeatureCollectionBuilder {
    features: Vec<Feature>,
    coords: Vec<LonLat>,
}

impl FeatureCollectionBuilder {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: GeometryValue, properties: Map<String, Value>) {
        self.features.push(Feature {
            bbox: None,
            geometry: Some(Geometry::new(value)),
            id: None,
            properties: Some(properties),
            foreign_members: None,
        });
    }

    /// Adds a Point feature with a feature `id` (RFC 7946 §3.2).
    pub fn point_with_id(&mut self, id: &str, p: LonLat, properties: Map<String, Value>) {
        self.point(p, properties);
        if let Some(f) = self.features.last_mut() {
            f.id = Some(geojson::feature::Id::String(id.to_string()));
        }
    }

    fn note(&mut self, pts: &[LonLat]) {
        self.coords.extend(
            pts.iter()
                .map(|p| LonLat::new(round_coord(p.lon), round_coord(p.lat))),
        );
    }

    /// Adds a Point feature.
    pub fn point(&mut self, p: LonLat, properties: Map<String, Value>) {
        self.note(&[p]);
        self.push(GeometryValue::new_point(pos(p)), properties);
    }

    /// Adds a LineString (or a MultiLineString when it crosses the antimeridian).
    pub fn line(&mut self, path: &[LonLat], properties: Map<String, Value>) {
        if path.len() < 2 {
            return;
        }
        let parts = split_antimeridian(path);
        for part in &parts {
            self.note(part);
        }
        let value = if parts.len() == 1 {
            GeometryValue::new_line_string(parts[0].iter().map(|&p| pos(p)))
        } else {
            GeometryValue::new_multi_line_string(
                parts
                    .iter()
                    .map(|part| part.iter().map(|&p| pos(p)).collect::<Vec<_>>()),
            )
        };
        self.push(value, properties);
    }

    /// Adds a Polygon from an outer ring, closed and oriented counter-clockwise (RFC 7946 §3.1.6).
    pub fn polygon(&mut self, ring: &[LonLat], properties: Map<String, Value>) {
        if ring.len() < 3 {
            return;
        }
        let r = closed_ccw(ring);
        self.note(&r);
        self.push(
            GeometryValue::new_polygon([r.iter().map(|&p| pos(p)).collect::<Vec<_>>()]),
            properties,
        );
    }

    /// A circle of `radius_km` around `centre` as a polygon of `n` vertices (geodesic offsets on
    /// the mean sphere).
    pub fn circle(
        &mut self,
        centre: LonLat,
        radius_km: f64,
        n: usize,
        properties: Map<String, Value>,
    ) {
        let ring = circle_ring(centre, radius_km, n);
        self.polygon(&ring, properties);
    }

    /// Number of features so far.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True if no feature was added.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The FeatureCollection, with its bbox.
    pub fn finish(self) -> FeatureCollection {
        FeatureCollection {
            bbox: bbox(&self.coords).map(|b| b.to_vec()),
            features: self.features,
            foreign_members: None,
        }
    }
}

/// Vertices of a circle of `radius_km` around `centre` (destination points on the mean
/// sphere), counter-clockwise, not closed.
pub fn circle_ring(centre: LonLat, radius_km: f64, n: usize) -> Vec<LonLat> {
    let n = n.max(8);
    let d = radius_km / crate::spatial::geodesy::EARTH_RADIUS_KM;
    let (lat1, lon1) = (centre.lat.to_radians(), centre.lon.to_radians());
    (0..n)
        .map(|k| {
            // Compass bearings increase clockwise; decreasing them walks counter-clockwise.
            let brg = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * brg.cos()).asin();
            let lon2 =
                lon1 + (brg.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
            LonLat::new(lon2.to_degrees(), lat2.to_degrees())
        })
        .collect()
}

/// A `properties` map from key/value pairs.
pub fn props<I, K>(pairs: I) -> Map<String, Value>
where
    I: IntoIterator<Item = (K, Value)>,
    K: Into<String>,
{
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_is_ccw_closed_and_rounded() {
        let mut b = FeatureCollectionBuilder::new();
        // clockwise square
        let sq = [
            LonLat::new(0.0, 0.0),
            LonLat::new(0.0, 1.0),
            LonLat::new(1.123456789, 1.0),
            LonLat::new(1.0, 0.0),
        ];
        b.polygon(&sq, Map::new());
        let v = serde_json::to_value(b.finish()).unwrap();
        let ring: Vec<LonLat> = v["features"][0]["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| LonLat::new(c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect();
        assert_eq!(ring.first(), ring.last());
        assert!(signed_area2(&ring) > 0.0);
        assert!(ring.iter().any(|p| p.lon == 1.1234568));
        assert_eq!(v["bbox"][2].as_f64().unwrap(), 1.1234568);
    }

    #[test]
    fn circle_is_ccw() {
        let r = circle_ring(LonLat::new(150.0, -33.0), 50.0, 32);
        let mut closed = r.clone();
        closed.push(r[0]);
        assert!(signed_area2(&closed) > 0.0);
        for p in &r {
            let d = crate::spatial::geodesy::distance_km(LonLat::new(150.0, -33.0), *p);
            assert!((d - 50.0).abs() < 0.5, "{d}");
        }
    }

    #[test]
    fn antimeridian_split() {
        let parts = split_antimeridian(&[LonLat::new(170.0, 0.0), LonLat::new(-170.0, 10.0)]);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].last().unwrap().lon, 180.0);
        assert_eq!(parts[1][0].lon, -180.0);
        assert!((parts[0].last().unwrap().lat - 5.0).abs() < 1e-9);
    }

    #[test]
    fn bbox_across_the_antimeridian_has_west_greater_than_east() {
        let pts = [
            LonLat::new(150.0, -33.0),
            LonLat::new(180.0, 0.0),
            LonLat::new(-180.0, 0.0),
            LonLat::new(-157.8, 21.3),
            LonLat::new(139.7, 35.7),
        ];
        let b = bbox(&pts).unwrap();
        assert_eq!(b, [139.7, -33.0, -157.8, 35.7]);
        for p in pts {
            assert!(bbox_contains(&b, p), "{p:?}");
        }
        assert!(!bbox_contains(&b, LonLat::new(0.0, 0.0)));
        // Not crossing: ordinary bbox.
        let b = bbox(&[LonLat::new(113.0, -30.0), LonLat::new(146.0, 40.0)]).unwrap();
        assert_eq!(b, [113.0, -30.0, 146.0, 40.0]);
        // Western hemisphere only.
        let b = bbox(&[LonLat::new(-170.0, 0.0), LonLat::new(-10.0, 1.0)]).unwrap();
        assert_eq!(b, [-170.0, 0.0, -10.0, 1.0]);
    }
}

//! RFC 7946 GeoJSON output: WGS 84 lon/lat, at most 7 decimals, counter-clockwise outer rings,
//! a `bbox` member, and lines split at the antimeridian should they ever cross it.

use crate::data::LonLat;
use serde_json::{json, Map, Value};

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

fn pos(p: LonLat) -> Value {
    json!([round_coord(p.lon), round_coord(p.lat)])
}

/// Twice the signed area of a ring in lon/lat (positive = counter-clockwise).
fn signed_area2(ring: &[LonLat]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].lon * w[1].lat - w[1].lon * w[0].lat)
        .sum()
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

/// Builds a FeatureCollection with a bbox over every coordinate written.
#[derive(Debug, Default)]
pub struct FeatureCollectionBuilder {
    features: Vec<Value>,
    bbox: Option<[f64; 4]>,
}

impl FeatureCollectionBuilder {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn extend_bbox(&mut self, p: LonLat) {
        let (x, y) = (round_coord(p.lon), round_coord(p.lat));
        self.bbox = Some(match self.bbox {
            None => [x, y, x, y],
            Some([a, b, c, d]) => [a.min(x), b.min(y), c.max(x), d.max(y)],
        });
    }

    fn push(&mut self, geometry: Value, properties: Map<String, Value>) {
        self.features.push(json!({
            "type": "Feature",
            "geometry": geometry,
            "properties": Value::Object(properties),
        }));
    }

    /// Adds a Point feature.
    pub fn point(&mut self, p: LonLat, properties: Map<String, Value>) {
        self.extend_bbox(p);
        self.push(json!({"type": "Point", "coordinates": pos(p)}), properties);
    }

    /// Adds a LineString (or a MultiLineString when it crosses the antimeridian).
    pub fn line(&mut self, path: &[LonLat], properties: Map<String, Value>) {
        if path.len() < 2 {
            return;
        }
        for &p in path {
            self.extend_bbox(p);
        }
        let parts = split_antimeridian(path);
        let geometry = if parts.len() == 1 {
            json!({"type": "LineString", "coordinates": parts[0].iter().map(|&p| pos(p)).collect::<Vec<_>>()})
        } else {
            json!({"type": "MultiLineString", "coordinates": parts.iter().map(|part| part.iter().map(|&p| pos(p)).collect::<Vec<_>>()).collect::<Vec<_>>()})
        };
        self.push(geometry, properties);
    }

    /// Adds a Polygon from an outer ring, closed and oriented counter-clockwise (RFC 7946 §3.1.6).
    pub fn polygon(&mut self, ring: &[LonLat], properties: Map<String, Value>) {
        if ring.len() < 3 {
            return;
        }
        let mut r: Vec<LonLat> = ring.to_vec();
        if r.first() != r.last() {
            r.push(r[0]);
        }
        if signed_area2(&r) < 0.0 {
            r.reverse();
        }
        for &p in &r {
            self.extend_bbox(p);
        }
        self.push(
            json!({"type": "Polygon", "coordinates": [r.iter().map(|&p| pos(p)).collect::<Vec<_>>()]}),
            properties,
        );
    }

    /// A circle of `radius_km` around `centre` as a polygon of `n` vertices (geodesic offsets on
    /// the mean sphere), counter-clockwise.
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

    /// The FeatureCollection as JSON.
    pub fn finish(self) -> Value {
        let mut fc = Map::new();
        fc.insert("type".into(), json!("FeatureCollection"));
        if let Some(b) = self.bbox {
            fc.insert("bbox".into(), json!(b));
        }
        fc.insert("features".into(), Value::Array(self.features));
        Value::Object(fc)
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
        let v = b.finish();
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
}

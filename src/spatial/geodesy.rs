//! Geodesic distances on the WGS 84 ellipsoid (Karney's algorithm, via `geo`).
//!
//! # Units
//! Inputs are lon/lat degrees; outputs are kilometres. Never planar degrees.

use crate::data::LonLat;
use geo::{Distance, Geodesic, Point};

/// Mean Earth radius (IUGG), km. Used only to turn a km radius into a degree envelope.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Geodesic distance between two positions on the WGS 84 ellipsoid, km.
///
/// ```
/// use sitefind::data::LonLat;
/// use sitefind::spatial::geodesy::distance_km;
/// let sydney = LonLat::new(151.21, -33.87);
/// let tokyo = LonLat::new(139.69, 35.69);
/// let d = distance_km(sydney, tokyo);
/// assert!((d - 7_820.0).abs() < 30.0, "{d}");
/// ```
pub fn distance_km(a: LonLat, b: LonLat) -> f64 {
    Geodesic.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat)) / 1000.0
}

/// Length of a polyline along the ellipsoid, km.
pub fn path_length_km(path: &[LonLat]) -> f64 {
    path.windows(2).map(|w| distance_km(w[0], w[1])).sum()
}

/// The lon/lat bounding box `[min_lon, min_lat, max_lon, max_lat]` of some points (infinite,
/// inverted bounds when there are none).
pub fn bbox(points: &[LonLat]) -> [f64; 4] {
    points.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |e, q| {
            [
                e[0].min(q.lon),
                e[1].min(q.lat),
                e[2].max(q.lon),
                e[3].max(q.lat),
            ]
        },
    )
}

/// A lon/lat envelope `[min_lon, min_lat, max_lon, max_lat]` that contains every point within
/// `radius_km` of `centre` (conservative: used to prune R-tree queries before a geodesic test).
pub fn envelope_km(centre: LonLat, radius_km: f64) -> [f64; 4] {
    // 1.01: margin for the ellipsoid vs the mean sphere.
    let dlat = (radius_km * 1.01 / EARTH_RADIUS_KM).to_degrees();
    let max_abs_lat = (centre.lat.abs() + dlat).min(89.999);
    let dlon = if max_abs_lat >= 89.0 {
        180.0
    } else {
        (dlat / max_abs_lat.to_radians().cos()).min(180.0)
    };
    [
        centre.lon - dlon,
        (centre.lat - dlat).max(-90.0),
        centre.lon + dlon,
        (centre.lat + dlat).min(90.0),
    ]
}

/// Shortest distance from `p` to the polyline `path`, km (geodesic, to the nearest vertex or
/// to the nearest point on a segment, segments treated as short enough to interpolate in
/// lon/lat; exact at the vertices).
pub fn distance_to_path_km(p: LonLat, path: &[LonLat]) -> f64 {
    match path.len() {
        0 => f64::INFINITY,
        1 => distance_km(p, path[0]),
        _ => path
            .windows(2)
            .map(|w| distance_to_segment_km(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

fn distance_to_segment_km(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    distance_km(p, closest_on_segment(p, a, b))
}

/// The point of segment a–b closest to `p`, found in a local equirectangular frame around `p`
/// (exact enough for the short segments of lines and drawn routes; measure the distance to it
/// geodesically).
pub fn closest_on_segment(p: LonLat, a: LonLat, b: LonLat) -> LonLat {
    let k = p.lat.to_radians().cos();
    let (ax, ay) = ((a.lon - p.lon) * k, a.lat - p.lat);
    let (bx, by) = ((b.lon - p.lon) * k, b.lat - p.lat);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    LonLat::new(a.lon + t * (b.lon - a.lon), a.lat + t * (b.lat - a.lat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sydney_tokyo_matches_published_great_circle() {
        let d = distance_km(LonLat::new(151.21, -33.87), LonLat::new(139.69, 35.69));
        // model.md: ≈ 7,825 km.
        assert!((d - 7825.0).abs() < 40.0, "{d}");
    }

    #[test]
    fn envelope_contains_circle() {
        let c = LonLat::new(150.0, -35.0);
        let e = envelope_km(c, 100.0);
        for deg in (0..360).step_by(10) {
            let th = (deg as f64).to_radians();
            // a point ~99 km away in direction th
            let dlat = (99.0 / 111.0) * th.cos();
            let dlon = (99.0 / (111.0 * c.lat.to_radians().cos())) * th.sin();
            let q = LonLat::new(c.lon + dlon, c.lat + dlat);
            if distance_km(c, q) <= 100.0 {
                assert!(q.lon >= e[0] && q.lon <= e[2] && q.lat >= e[1] && q.lat <= e[3]);
            }
        }
    }

    #[test]
    fn point_on_segment_is_zero() {
        let a = LonLat::new(150.0, -35.0);
        let b = LonLat::new(151.0, -35.0);
        let d = distance_to_path_km(LonLat::new(150.5, -35.0), &[a, b]);
        assert!(d < 0.5, "{d}");
    }
}

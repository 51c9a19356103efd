//! R-tree indexes (rstar, bulk-loaded) over the point, line and zone layers, with queries
//! that answer in **geodesic kilometres**.
//!
//! # Why the R-tree alone is not enough
//! The trees store lon/lat degrees, so rstar's own distances are squared degrees. One degree
//! of longitude is `cos(lat)` times shorter than one of latitude, so the point nearest in
//! degrees is not always the point nearest on the ellipsoid. Every query here therefore
//! *prunes* with the tree and *decides* with [`crate::spatial::geodesy::distance_km`]:
//!
//! * `within_km(p, r)`: the tree returns every point inside [`crate::spatial::geodesy::envelope_km`]`(p, r)`,
//!   a lon/lat box that provably contains the whole geodesic disc of radius `r`; each is then
//!   kept only if its geodesic distance is `≤ r`.
//! * `nearest(p)` / `nearest_k(p, k)`: a two-step search. (1) Take the `k` points nearest in
//!   *degrees* (any `k` points will do); let `r` be the largest of their geodesic distances.
//!   At least `k` points lie within `r` km, so the true `k` geodesic-nearest points all lie
//!   within `r` km too. (2) Run the exact `within_km(p, r)` query above and keep the first `k`.
//!   This needs no fragile degree-to-km lower bound (which would depend on latitude and on
//!   the ellipsoid), only the envelope's containment property, and it is exact: the tests
//!   compare it with a brute-force scan.
//!
//! The same argument works for line segments and zones, whose distances are "distance to the
//! nearest point of the geometry": that point lies inside the geometry's bounding box, so if
//! it is within `r` km of `p` the box intersects `envelope_km(p, r)`.
//!
//! Ties are broken by index (layers are sorted by id), so results are deterministic.
//! The region used is assumed not to straddle the antimeridian (true for Australia and Japan).

use super::geodesy::{distance_km, distance_to_path_km, envelope_km};
use crate::data::{Dataset, LonLat, RenewableZone};
use geo::{Contains, Coord, LineString, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

type PointItem = GeomWithData<[f64; 2], usize>;
type RectItem = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn aabb(env: [f64; 4]) -> AABB<[f64; 2]> {
    AABB::from_corners([env[0], env[1]], [env[2], env[3]])
}

fn sort_hits(hits: &mut [(usize, f64)]) {
    hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
}

/// An R-tree over positions; each entry carries its index in the layer it was built from.
///
/// ```
/// use sitefind::data::LonLat;
/// use sitefind::spatial::PointIndex;
/// let idx = PointIndex::new(vec![
///     LonLat::new(151.21, -33.87), // Sydney
///     LonLat::new(144.96, -37.81), // Melbourne
///     LonLat::new(153.03, -27.47), // Brisbane
/// ]);
/// let canberra = LonLat::new(149.13, -35.28);
/// let (i, km) = idx.nearest(canberra).unwrap();
/// assert_eq!(i, 0);
/// assert!((km - 248.0).abs() < 5.0, "{km}");
/// let near: Vec<usize> = idx.within_km(canberra, 500.0).into_iter().map(|h| h.0).collect();
/// assert_eq!(near, [0, 1]);
/// ```
#[derive(Debug, Clone)]
pub struct PointIndex {
    tree: RTree<PointItem>,
    points: Vec<LonLat>,
}

impl PointIndex {
    /// Bulk-loads an index over `points`; entry `i` is `points[i]`.
    pub fn new(points: Vec<LonLat>) -> Self {
        let items = points
            .iter()
            .enumerate()
            .map(|(i, p)| GeomWithData::new([p.lon, p.lat], i))
            .collect();
        PointIndex {
            tree: RTree::bulk_load(items),
            points,
        }
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True if no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The position of entry `i`.
    pub fn point(&self, i: usize) -> LonLat {
        self.points[i]
    }

    /// Entries within `radius_km` (geodesic, inclusive) of `p`, as `(index, km)` sorted by
    /// distance then index.
    pub fn within_km(&self, p: LonLat, radius_km: f64) -> Vec<(usize, f64)> {
        self.within_km_where(p, radius_km, |_| true)
    }

    /// As [`PointIndex::within_km`], keeping only entries for which `keep(index)` is true.
    pub fn within_km_where<F: Fn(usize) -> bool>(
        &self,
        p: LonLat,
        radius_km: f64,
        keep: F,
    ) -> Vec<(usize, f64)> {
        if radius_km.is_nan() || radius_km < 0.0 {
            return Vec::new();
        }
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope(&aabb(envelope_km(p, radius_km)))
            .filter(|item| keep(item.data))
            .map(|item| (item.data, distance_km(p, self.points[item.data])))
            .filter(|&(_, d)| d <= radius_km)
            .collect();
        sort_hits(&mut hits);
        hits
    }

    /// Number of entries within `radius_km` of `p` for which `keep(index)` is true.
    pub fn count_within_km_where<F: Fn(usize) -> bool>(
        &self,
        p: LonLat,
        radius_km: f64,
        keep: F,
    ) -> usize {
        if radius_km.is_nan() || radius_km < 0.0 {
            return 0;
        }
        self.tree
            .locate_in_envelope(&aabb(envelope_km(p, radius_km)))
            .filter(|item| keep(item.data) && distance_km(p, self.points[item.data]) <= radius_km)
            .count()
    }

    /// The geodesic-nearest entry to `p` as `(index, km)` (ties: lowest index).
    pub fn nearest(&self, p: LonLat) -> Option<(usize, f64)> {
        self.nearest_k(p, 1).into_iter().next()
    }

    /// The geodesic-nearest entry for which `keep(index)` is true.
    pub fn nearest_where<F: Fn(usize) -> bool>(&self, p: LonLat, keep: F) -> Option<(usize, f64)> {
        self.nearest_k_where(p, 1, keep).into_iter().next()
    }

    /// The `k` geodesic-nearest entries to `p`, sorted by distance then index.
    pub fn nearest_k(&self, p: LonLat, k: usize) -> Vec<(usize, f64)> {
        self.nearest_k_where(p, k, |_| true)
    }

    /// The `k` geodesic-nearest entries for which `keep(index)` is true.
    pub fn nearest_k_where<F: Fn(usize) -> bool>(
        &self,
        p: LonLat,
        k: usize,
        keep: F,
    ) -> Vec<(usize, f64)> {
        if k == 0 {
            return Vec::new();
        }
        // Step 1 (see the module docs): any k kept points bound the search radius.
        let radius_km = self
            .tree
            .nearest_neighbor_iter(&[p.lon, p.lat])
            .filter(|item| keep(item.data))
            .take(k)
            .map(|item| distance_km(p, self.points[item.data]))
            .fold(f64::NEG_INFINITY, f64::max);
        if radius_km == f64::NEG_INFINITY {
            return Vec::new();
        }
        // Step 2: exact search within that radius.
        let mut hits = self.within_km_where(p, radius_km, keep);
        hits.truncate(k);
        hits
    }
}

/// An R-tree over the segments of polylines (transmission lines); each segment's bounding
/// box is indexed with the segment's number, and each line carries a voltage for filtering.
#[derive(Debug, Clone)]
pub struct LineIndex {
    tree: RTree<RectItem>,
    /// `(line index, first vertex index)` of each segment.
    segments: Vec<(usize, usize)>,
    paths: Vec<Vec<LonLat>>,
    voltages_kv: Vec<f64>,
}

impl LineIndex {
    /// Bulk-loads an index over the segments of `paths` (line `i` has voltage `voltages_kv[i]`).
    pub fn new(paths: Vec<Vec<LonLat>>, voltages_kv: Vec<f64>) -> Self {
        let mut segments = Vec::new();
        let mut items = Vec::new();
        for (li, path) in paths.iter().enumerate() {
            if path.len() == 1 {
                let q = [path[0].lon, path[0].lat];
                items.push(GeomWithData::new(
                    Rectangle::from_corners(q, q),
                    segments.len(),
                ));
                segments.push((li, 0));
            }
            for (vi, w) in path.windows(2).enumerate() {
                let rect = Rectangle::from_corners([w[0].lon, w[0].lat], [w[1].lon, w[1].lat]);
                items.push(GeomWithData::new(rect, segments.len()));
                segments.push((li, vi));
            }
        }
        LineIndex {
            tree: RTree::bulk_load(items),
            segments,
            paths,
            voltages_kv,
        }
    }

    /// Number of indexed lines.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True if no line is indexed.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    fn segment_km(&self, p: LonLat, seg: usize) -> f64 {
        let (li, vi) = self.segments[seg];
        let path = &self.paths[li];
        let end = (vi + 2).min(path.len());
        distance_to_path_km(p, &path[vi..end])
    }

    /// The nearest line with voltage `≥ min_voltage_kv` as `(line index, km)`, geodesic
    /// distance to the nearest point of the line (ties: lowest line index).
    pub fn nearest_line_km(&self, p: LonLat, min_voltage_kv: f64) -> Option<(usize, f64)> {
        let keep = |seg: usize| self.voltages_kv[self.segments[seg].0] >= min_voltage_kv;
        let seed = self
            .tree
            .nearest_neighbor_iter(&[p.lon, p.lat])
            .find(|item| keep(item.data))?;
        let radius_km = self.segment_km(p, seed.data);
        self.lines_within_km(p, radius_km, min_voltage_kv)
            .into_iter()
            .next()
    }

    /// Lines with voltage `≥ min_voltage_kv` within `radius_km` of `p`, as `(line index, km)`
    /// sorted by distance then index.
    pub fn lines_within_km(
        &self,
        p: LonLat,
        radius_km: f64,
        min_voltage_kv: f64,
    ) -> Vec<(usize, f64)> {
        if radius_km.is_nan() || radius_km < 0.0 {
            return Vec::new();
        }
        let mut best: Vec<(usize, f64)> = Vec::new();
        for item in self
            .tree
            .locate_in_envelope_intersecting(&aabb(envelope_km(p, radius_km)))
        {
            let li = self.segments[item.data].0;
            if self.voltages_kv[li] < min_voltage_kv {
                continue;
            }
            let d = self.segment_km(p, item.data);
            if d <= radius_km {
                best.push((li, d));
            }
        }
        // Keep each line's minimum over its segments.
        best.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        best.dedup_by_key(|h| h.0);
        sort_hits(&mut best);
        best
    }
}

/// The shape of one zone: a polygon, or a centre and radius.
#[derive(Debug, Clone)]
enum ZoneShape {
    Polygon {
        polygon: Polygon<f64>,
        ring: Vec<LonLat>,
    },
    Circle {
        centre: LonLat,
        radius_km: f64,
    },
}

/// An R-tree over renewable-energy zones: a polygon where one is given, else the disc of
/// `radius_km` around the centre.
#[derive(Debug, Clone)]
pub struct ZoneIndex {
    tree: RTree<RectItem>,
    shapes: Vec<ZoneShape>,
}

impl ZoneIndex {
    /// Bulk-loads an index over `zones` (entry `i` is `zones[i]`).
    pub fn new(zones: &[RenewableZone]) -> Self {
        let mut shapes = Vec::with_capacity(zones.len());
        let mut items = Vec::with_capacity(zones.len());
        for (i, z) in zones.iter().enumerate() {
            let (shape, env) = match &z.polygon {
                Some(ring) if ring.len() >= 3 => {
                    let coords: Vec<Coord<f64>> =
                        ring.iter().map(|q| Coord { x: q.lon, y: q.lat }).collect();
                    let env = crate::spatial::geodesy::bbox(ring);
                    let mut closed = ring.clone();
                    if closed.first() != closed.last() {
                        closed.push(ring[0]);
                    }
                    (
                        ZoneShape::Polygon {
                            polygon: Polygon::new(LineString::new(coords), vec![]),
                            ring: closed,
                        },
                        env,
                    )
                }
                _ => {
                    let r = z.radius_km.max(0.0);
                    (
                        ZoneShape::Circle {
                            centre: z.centre,
                            radius_km: r,
                        },
                        envelope_km(z.centre, r),
                    )
                }
            };
            items.push(GeomWithData::new(
                Rectangle::from_corners([env[0], env[1]], [env[2], env[3]]),
                i,
            ));
            shapes.push(shape);
        }
        ZoneIndex {
            tree: RTree::bulk_load(items),
            shapes,
        }
    }

    /// Number of indexed zones.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// True if no zone is indexed.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// True if zone `i` contains `p` (polygon interior, or geodesic distance to the centre
    /// `≤ radius_km`).
    pub fn contains(&self, i: usize, p: LonLat) -> bool {
        match &self.shapes[i] {
            ZoneShape::Polygon { polygon, .. } => polygon.contains(&Point::new(p.lon, p.lat)),
            ZoneShape::Circle { centre, radius_km } => distance_km(*centre, p) <= *radius_km,
        }
    }

    /// Geodesic distance from `p` to zone `i`, km: 0 inside; else to the polygon's boundary,
    /// or to the disc's edge (distance to the centre minus the radius).
    pub fn distance_km(&self, i: usize, p: LonLat) -> f64 {
        match &self.shapes[i] {
            ZoneShape::Polygon { polygon, ring } => {
                if polygon.contains(&Point::new(p.lon, p.lat)) {
                    0.0
                } else {
                    distance_to_path_km(p, ring)
                }
            }
            ZoneShape::Circle { centre, radius_km } => {
                (distance_km(*centre, p) - radius_km).max(0.0)
            }
        }
    }

    /// Indices of the zones containing `p`, ascending.
    pub fn containing(&self, p: LonLat) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.lon, p.lat]))
            .map(|item| item.data)
            .filter(|&i| self.contains(i, p))
            .collect();
        out.sort_unstable();
        out
    }

    /// Zones within `radius_km` of `p` (0 for a zone containing it), as `(index, km)` sorted
    /// by distance then index.
    pub fn within_km(&self, p: LonLat, radius_km: f64) -> Vec<(usize, f64)> {
        if radius_km.is_nan() || radius_km < 0.0 {
            return Vec::new();
        }
        let mut hits: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope_intersecting(&aabb(envelope_km(p, radius_km)))
            .map(|item| (item.data, self.distance_km(item.data, p)))
            .filter(|&(_, d)| d <= radius_km)
            .collect();
        sort_hits(&mut hits);
        hits
    }
}

/// Every index a candidate needs, built once per dataset and reused.
///
/// Entry `i` of each point index is record `i` of the dataset layer of the same name; the
/// line index holds every *operational* line (entry `i` is `dataset.lines[i]`, non-operational
/// lines get voltage `-∞` so that no voltage filter keeps them).
#[derive(Debug, Clone)]
pub struct Indexes {
    /// Substations (all; filter with the `_where` queries).
    pub substations: PointIndex,
    /// Mines and deposits (all).
    pub minerals: PointIndex,
    /// Landing stations (all countries).
    pub landings: PointIndex,
    /// Existing data centres (all countries).
    pub datacentres: PointIndex,
    /// Transmission-line segments.
    pub lines: LineIndex,
    /// Renewable-energy zones.
    pub zones: ZoneIndex,
}

impl Indexes {
    /// Builds every index of `ds` (bulk loads: O(n log n)).
    pub fn build(ds: &Dataset) -> Indexes {
        Indexes {
            substations: PointIndex::new(ds.substations.iter().map(|s| s.location).collect()),
            minerals: PointIndex::new(ds.minerals.iter().map(|s| s.location).collect()),
            landings: PointIndex::new(ds.landings.iter().map(|s| s.location).collect()),
            datacentres: PointIndex::new(ds.datacentres.iter().map(|s| s.location).collect()),
            lines: LineIndex::new(
                ds.lines.iter().map(|l| l.path.clone()).collect(),
                ds.lines
                    .iter()
                    .map(|l| {
                        if l.operational {
                            l.voltage_kv
                        } else {
                            f64::NEG_INFINITY
                        }
                    })
                    .collect(),
            ),
            zones: ZoneIndex::new(&ds.zones),
        }
    }
}

//! TeleGeography submarine cable map (the last CC BY-NC-SA snapshot, `cables/`):
//! landing points (`telegeography-geojson`, or `telegeography-csv` from the cable↔landing
//! edge table) and cable systems (`telegeography-csv`, with the drawn routes as an option).
//!
//! # Cables
//! `cables_au_jp.csv` gives per cable `id`, `name`, `length_km` (TeleGeography's system
//! length, all branches included; empty for 2 cables), `rfs_year`, `is_planned` and
//! `landing_point_ids` (`;`-separated). Options:
//! - `routes` = `cables_au_jp.geojson` (MultiLineString per cable, matched on property `id`):
//!   fills `route` and, together with
//! - `landing_points` = the landing-point GeoJSON or the cable↔landing CSV (for the landing
//!   coordinates), derives `segments` as below. Without `routes`, `segments` stay empty (the
//!   latency graph then falls back to the system length).
//!
//! # How a multi-landing system is split into segments
//! TeleGeography publishes only system lengths and a schematic drawing (a trunk with branches,
//! drawn as several lines). For each cable:
//! 1. **Route graph.** Every vertex of every drawn line becomes a node; vertices within
//!    [`SNAP_KM`] (1 km) of an earlier node are merged into it (this joins branches drawn from
//!    a trunk vertex, and the two ends of a line split at the antimeridian). Consecutive
//!    vertices are joined by an edge weighted with their geodesic distance. If the drawing is
//!    still in pieces (a branch drawn from a point on a trunk segment rather than from one of
//!    its vertices), the closest pair (loose end of a line, point on an edge of another piece)
//!    is joined: the edge is split at that point and a geodesic edge added, repeatedly, as long
//!    as the gap is at most [`BRIDGE_KM`] (100 km); farther pieces stay apart.
//! 2. **Attach landings.** Each landing of the cable is attached to its nearest route node;
//!    the geodesic distance between them is a stub added to every path from it. A landing
//!    farther than [`ATTACH_KM`] (50 km) from the drawing, or without coordinates, is skipped
//!    (no segment touches it; it stays in `landing_ids`). In the 2022 snapshot every AU/JP cable
//!    landing is within 24 km of its drawing.
//! 3. **Paths.** For every pair of attached landings the shortest path along the drawing is
//!    found (Dijkstra, geodesic km).
//! 4. **Adjacent pairs only.** A pair A–B is kept only when its path passes no other landing C
//!    of the same cable, i.e. no interior node of the path lies within [`PASS_KM`] (5 km) of
//!    C's node, where C is not itself within 5 km of A or B (landings at the same place do not
//!    block each other). So a trunk Sydney–Guam–Tokyo yields Sydney–Guam and Guam–Tokyo, not
//!    Sydney–Tokyo; a branching unit with three ends yields all three pairs (each path passes
//!    only the branching point). Pairs with no path (pieces left apart) yield no segment.
//! 5. **Lengths.** Drawn length = path length + both stubs. When the published system length
//!    is known and `ratio = length_km / total drawn length` (all lines of the drawing, i.e.
//!    all branches, like TeleGeography's figure) lies in [[`MIN_SCALE`], [`MAX_SCALE`]] =
//!    [0.75, 1.5], every drawn length is multiplied by `ratio` (`length_source` =
//!    `drawn-route-scaled`): laid fibre follows the seabed and is typically a few to 20 %
//!    longer than a smoothed drawing (the 2022 snapshot's ratios are 0.81–1.42). Outside those
//!    bounds the published figure probably describes something else than the drawing (a
//!    missing branch, one segment only), so the drawn length is kept as is
//!    (`drawn-route`), as it is when no length is published.
//! 6. **Published segments** (option `published_segments` = a `cable_segments.csv` in
//!    sitefind's form, e.g. the embedded `data/cable_segments.csv`; only its rows with
//!    `length_source` `published` are read): a segment of the drawing whose own length is
//!    published (a cited filing) takes that length (`published`), and the cable's other
//!    drawn segments are scaled by the published segments' `published / drawn` ratio instead of
//!    the system ratio (`drawn-route-scaled-to-published`). Why: TeleGeography's system figure
//!    is not always every branch. JGA-S's 7,081 km is the Sydney–Piti trunk alone (FCC filing,
//!    CommsUpdate 2019-08-02: trunk ≈ 7,081 km, Sunshine Coast branch 552 km), but its drawing
//!    includes the branch (6,913 km drawn, 501 of them the branch): the system ratio 1.024 made
//!    the trunk 6,568 km, 513 km (≈ 5 ms RTT) short of the filing; the trunk's own ratio
//!    (7,081 / 6,412 = 1.104) gives it exactly and the branch 553 km against the filed 552.
//!
//! Segments name their ends in id order (`from` < `to`) and are sorted by (`from`, `to`).

use super::super::{CableSegment, CableSystem, LandingStation, LayerFormat, LayerSpec, LonLat};
use super::{CsvTable, GeoFeatures, Row};
use crate::error::{Error, Issues, Result};
use crate::spatial::geodesy::{distance_km, path_length_km};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Route vertices closer than this are one node of the route graph, km.
pub const SNAP_KM: f64 = 1.0;
/// Largest gap bridged between pieces of a drawing, km.
pub const BRIDGE_KM: f64 = 100.0;
/// A landing farther than this from its cable's drawing is not attached, km.
pub const ATTACH_KM: f64 = 50.0;
/// A path passes a landing when it comes this close to the landing's node, km.
pub const PASS_KM: f64 = 5.0;
/// Smallest plausible published-to-drawn length ratio.
pub const MIN_SCALE: f64 = 0.75;
/// Largest plausible published-to-drawn length ratio.
pub const MAX_SCALE: f64 = 1.5;

/// Reads landing stations: `telegeography-geojson` (`landing_points_au_jp.geojson`: `id`,
/// `name`, `country`, Point) or `telegeography-csv` (`cable_landings_au_jp.csv`: one row per
/// cable and landing; deduplicated by `landing_point_id`, first row wins).
pub fn load_landings(spec: &LayerSpec) -> Result<Vec<LandingStation>> {
    read_landings(
        &spec.path,
        &spec.label,
        spec.format == LayerFormat::TelegeographyGeojson,
    )
}

fn read_landings(path: &Path, label: &str, geojson: bool) -> Result<Vec<LandingStation>> {
    let mut issues = Issues::new();
    let mut out: BTreeMap<String, LandingStation> = BTreeMap::new();
    if geojson {
        let features = GeoFeatures::read(path, label)?;
        for f in features.iter() {
            let id = f.str("id", &mut issues);
            let name = f.str("name", &mut issues);
            let country = f.str("country", &mut issues);
            let Some(location) = f.point(&mut issues) else {
                continue;
            };
            if id.is_empty() {
                issues.push(f.at("id"), "a landing point id", "an empty value", "");
                continue;
            }
            if out.contains_key(&id) {
                issues.push(f.at("id"), "a unique id", format!("`{id}` again"), "");
                continue;
            }
            out.insert(
                id.clone(),
                LandingStation {
                    id,
                    name,
                    location,
                    country,
                },
            );
        }
    } else {
        let table = CsvTable::read(
            path,
            label,
            &[
                "landing_point_id",
                "landing_point_name",
                "country",
                "lon",
                "lat",
            ],
        )?;
        for row in table.iter() {
            let id = row.str("landing_point_id").to_string();
            if id.is_empty() {
                issues.push(
                    row.at("landing_point_id"),
                    "a landing point id",
                    "an empty field",
                    "",
                );
                continue;
            }
            let Some(location) = row.lonlat("lon", "lat", &mut issues) else {
                continue;
            };
            out.entry(id.clone()).or_insert_with(|| LandingStation {
                id,
                name: row.str("landing_point_name").to_string(),
                location,
                country: row.str("country").to_string(),
            });
        }
    }
    issues.into_result(out.into_values().collect())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" | "" => Some(false),
        _ => None,
    }
}

/// Drawn routes by cable id (option `routes`).
type Routes = HashMap<String, Vec<Vec<LonLat>>>;

/// Reads cable systems (`telegeography-csv`); see the module doc for options and segments.
pub fn load_cables(spec: &LayerSpec) -> Result<Vec<CableSystem>> {
    let table = CsvTable::read(
        &spec.path,
        &spec.label,
        &[
            "id",
            "name",
            "length_km",
            "rfs_year",
            "is_planned",
            "landing_point_ids",
        ],
    )?;
    let (routes, landings) = route_files(spec)?;
    let published = published_segments(spec)?;
    let mut issues = Issues::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for row in table.iter() {
        let Some(id) = cable_id(&row, &mut seen, &mut issues) else {
            continue;
        };
        let length_km = row.opt_f64("length_km", &mut issues);
        if let Some(l) = length_km {
            if l <= 0.0 {
                issues.push(row.at("length_km"), "a length > 0 km", l.to_string(), "");
            }
        }
        let rfs_year = rfs_year(&row, &mut issues);
        let planned = planned(&row, &mut issues);
        let landing_ids = landing_ids(&row);
        let route = routes
            .as_ref()
            .and_then(|r| r.get(&id).cloned())
            .unwrap_or_default();
        let segments = if route.is_empty() {
            Vec::new()
        } else {
            let located: Vec<(String, LonLat)> = landing_ids
                .iter()
                .filter_map(|l| landings.get(l).map(|p| (l.clone(), *p)))
                .collect();
            let segs = route_segments(&route, &located, length_km);
            match published.get(&id) {
                Some(p) => with_published(segs, p, &route, length_km),
                None => segs,
            }
        };
        out.push(CableSystem {
            id,
            name: row.str("name").to_string(),
            landing_ids,
            length_km,
            segments,
            route,
            rfs_year,
            planned,
            owners: owners(&row),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    issues.into_result(out)
}

/// Published segment lengths by cable id (option `published_segments`: the rows of a
/// sitefind `cable_segments.csv` whose `length_source` is `published`).
fn published_segments(spec: &LayerSpec) -> Result<HashMap<String, Vec<CableSegment>>> {
    let Some(path) = spec.extra_path("published_segments") else {
        return Ok(HashMap::new());
    };
    let label = label_of(spec, "published_segments");
    let text = crate::input::read_text(&path)?;
    let mut out: HashMap<String, Vec<CableSegment>> = HashMap::new();
    for row in crate::data::own::parse_segments(&label, &text)? {
        if row
            .segment
            .length_source
            .trim()
            .eq_ignore_ascii_case("published")
        {
            out.entry(row.cable_id).or_default().push(row.segment);
        }
    }
    Ok(out)
}

/// A cable's drawn segments with its published segments applied (module doc, step 6): the
/// matching segments take their published lengths, the others are rescaled from the system
/// ratio to the published segments' own `published / drawn` ratio (when it lies within
/// [`MIN_SCALE`]..=[`MAX_SCALE`]; otherwise the published lengths are applied alone).
pub fn with_published(
    mut segs: Vec<CableSegment>,
    published: &[CableSegment],
    route: &[Vec<LonLat>],
    system_km: Option<f64>,
) -> Vec<CableSegment> {
    let same = |s: &CableSegment, p: &CableSegment| {
        (s.from == p.from && s.to == p.to) || (s.from == p.to && s.to == p.from)
    };
    // The system scale each segment was drawn with (to recover its drawn length).
    let total_drawn: f64 = route.iter().map(|p| path_length_km(p)).sum();
    let drawn_of = |s: &CableSegment| match (s.length_source.as_str(), system_km) {
        ("drawn-route-scaled", Some(l)) if total_drawn > 0.0 => s.length_km * total_drawn / l,
        _ => s.length_km,
    };
    let (mut pub_km, mut drawn_km) = (0.0, 0.0);
    for s in &segs {
        if let Some(p) = published.iter().find(|p| same(s, p)) {
            pub_km += p.length_km;
            drawn_km += drawn_of(s);
        }
    }
    if drawn_km <= 0.0 {
        return segs;
    }
    let ratio = pub_km / drawn_km;
    let rescale = (MIN_SCALE..=MAX_SCALE).contains(&ratio);
    for s in &mut segs {
        if let Some(p) = published.iter().find(|p| same(s, p)) {
            s.length_km = p.length_km;
            s.length_source = "published".to_string();
        } else if rescale {
            s.length_km = drawn_of(s) * ratio;
            s.length_source = "drawn-route-scaled-to-published".to_string();
        }
    }
    segs
}

/// Options `routes` and `landing_points`: the drawn routes (if given) and, with them, the
/// landing positions by id (required with `routes`).
fn route_files(spec: &LayerSpec) -> Result<(Option<Routes>, HashMap<String, LonLat>)> {
    let routes = match spec.extra_path("routes") {
        Some(path) => Some(read_routes(&path, &label_of(spec, "routes"))?),
        None => None,
    };
    let landings: HashMap<String, LonLat> = match (&routes, spec.extra_path("landing_points")) {
        (None, _) => HashMap::new(),
        (Some(_), Some(path)) => {
            let geojson = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json"));
            read_landings(&path, &label_of(spec, "landing_points"), geojson)?
                .into_iter()
                .map(|l| (l.id, l.location))
                .collect()
        }
        (Some(_), None) => {
            return Err(Error::usage(
                format!("{}: option `routes` needs option `landing_points`", spec.label),
                "add `landing_points = \"…/landing_points_au_jp.geojson\"` (or the cable_landings CSV) to the cables layer",
            ))
        }
    };
    Ok((routes, landings))
}

/// The row's cable id, or `None` (with a problem recorded) when empty or repeated; `seen`
/// maps the ids read so far to their lines.
fn cable_id(row: &Row, seen: &mut HashMap<String, u64>, issues: &mut Issues) -> Option<String> {
    let id = row.str("id").to_string();
    if id.is_empty() {
        issues.push(row.at("id"), "a cable id", "an empty field", "");
        return None;
    }
    if let Some(first) = seen.insert(id.clone(), row.line) {
        issues.push(
            row.at("id"),
            "a unique cable id",
            format!("`{id}` again (first on line {first})"),
            "",
        );
        return None;
    }
    Some(id)
}

/// The optional ready-for-service year: a whole year in 1850..=2200.
fn rfs_year(row: &Row, issues: &mut Issues) -> Option<u32> {
    match row.opt_f64("rfs_year", issues) {
        Some(y) if y.fract() == 0.0 && (1850.0..=2200.0).contains(&y) => Some(y as u32),
        Some(y) => {
            issues.push(row.at("rfs_year"), "a year", y.to_string(), "");
            None
        }
        None => None,
    }
}

/// `is_planned`: True or False (empty is False).
fn planned(row: &Row, issues: &mut Issues) -> bool {
    match parse_bool(row.str("is_planned")) {
        Some(b) => b,
        None => {
            issues.push(
                row.at("is_planned"),
                "True or False",
                format!("`{}`", row.str("is_planned")),
                "",
            );
            false
        }
    }
}

/// The `;`-separated landing ids, trimmed, empty ones and repeats dropped, in order.
/// The cable's owners: TeleGeography's `owners` cell, comma-separated (empty when absent).
fn owners(row: &Row) -> Vec<String> {
    row.str("owners")
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect()
}

fn landing_ids(row: &Row) -> Vec<String> {
    let mut landing_ids: Vec<String> = Vec::new();
    for l in row.str("landing_point_ids").split(';').map(str::trim) {
        if !l.is_empty() && !landing_ids.iter().any(|x| x == l) {
            landing_ids.push(l.to_string());
        }
    }
    landing_ids
}

fn label_of(spec: &LayerSpec, key: &str) -> String {
    spec.options
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or(key)
        .to_string()
}

fn read_routes(path: &Path, label: &str) -> Result<HashMap<String, Vec<Vec<LonLat>>>> {
    let features = GeoFeatures::read(path, label)?;
    let mut issues = Issues::new();
    let mut out = HashMap::new();
    for f in features.iter() {
        let id = f.str("id", &mut issues);
        if let Some(parts) = f.lines(&mut issues) {
            let parts: Vec<Vec<LonLat>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
            out.insert(id, parts);
        }
    }
    issues.into_result(out)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The route graph of a drawing: node positions and weighted adjacency (see the module doc,
/// step 1).
fn route_graph(route: &[Vec<LonLat>]) -> (Vec<LonLat>, Vec<Vec<(usize, f64)>>) {
    let mut nodes: Vec<LonLat> = Vec::new();
    let mut adj: Vec<Vec<(usize, f64)>> = Vec::new();
    let add_edge = |adj: &mut Vec<Vec<(usize, f64)>>, a: usize, b: usize, w: f64| {
        if a != b && !adj[a].iter().any(|&(x, _)| x == b) {
            adj[a].push((b, w));
            adj[b].push((a, w));
        }
    };
    for part in route {
        let mut prev: Option<usize> = None;
        for &v in part {
            let idx = match nodes.iter().position(|&n| distance_km(n, v) <= SNAP_KM) {
                Some(i) => i,
                None => {
                    nodes.push(v);
                    adj.push(Vec::new());
                    nodes.len() - 1
                }
            };
            if let Some(p) = prev {
                let w = distance_km(nodes[p], nodes[idx]);
                add_edge(&mut adj, p, idx, w);
            }
            prev = Some(idx);
        }
    }
    // Bridge pieces of the drawing: the closest (loose end, edge of another piece) pair
    // first, while within BRIDGE_KM; the edge is split at the closest point.
    loop {
        let mut parent: Vec<usize> = (0..nodes.len()).collect();
        for (a, edges) in adj.iter().enumerate() {
            for &(b, _) in edges {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra] = rb;
                }
            }
        }
        let roots: Vec<usize> = (0..nodes.len()).map(|i| find(&mut parent, i)).collect();
        if roots.iter().all(|&r| r == roots[0]) {
            break;
        }
        let ends: Vec<usize> = (0..nodes.len()).filter(|&i| adj[i].len() <= 1).collect();
        let mut best: Option<(f64, usize, usize, usize, LonLat)> = None;
        for &a in &ends {
            for (u, edges) in adj.iter().enumerate() {
                if roots[u] == roots[a] {
                    continue;
                }
                let mut consider = |v: usize, q: LonLat| {
                    let d = distance_km(nodes[a], q);
                    if best.is_none_or(|b| d < b.0) {
                        best = Some((d, a, u, v, q));
                    }
                };
                if edges.is_empty() {
                    consider(u, nodes[u]);
                }
                for &(v, _) in edges {
                    if u < v {
                        consider(
                            v,
                            crate::spatial::geodesy::closest_on_segment(
                                nodes[a], nodes[u], nodes[v],
                            ),
                        );
                    }
                }
            }
        }
        let Some((d, a, u, v, q)) = best.filter(|b| b.0 <= BRIDGE_KM) else {
            break;
        };
        let target = if distance_km(q, nodes[u]) <= SNAP_KM {
            u
        } else if distance_km(q, nodes[v]) <= SNAP_KM {
            v
        } else {
            // Split u–v at q.
            nodes.push(q);
            adj.push(Vec::new());
            let p = nodes.len() - 1;
            adj[u].retain(|&(x, _)| x != v);
            adj[v].retain(|&(x, _)| x != u);
            let (wu, wv) = (distance_km(nodes[u], q), distance_km(q, nodes[v]));
            add_edge(&mut adj, u, p, wu);
            add_edge(&mut adj, p, v, wv);
            p
        };
        add_edge(&mut adj, a, target, d);
    }
    (nodes, adj)
}

/// Splits a drawn route into segments between adjacent landings (see the module doc).
/// `landings` are the cable's landings with coordinates; `published_km` its system length.
pub fn route_segments(
    route: &[Vec<LonLat>],
    landings: &[(String, LonLat)],
    published_km: Option<f64>,
) -> Vec<CableSegment> {
    let (nodes, adj) = route_graph(route);
    if nodes.is_empty() {
        return Vec::new();
    }
    // Attach each landing to its nearest node.
    let mut attached: Vec<(&str, usize, f64)> = Vec::new();
    for (id, p) in landings {
        let nearest = nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| (i, distance_km(n, *p)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, d)) = nearest {
            if d <= ATTACH_KM {
                attached.push((id.as_str(), i, d));
            }
        }
    }
    // Nodes near each landing's node (for the "passes another landing" test).
    let near: Vec<Vec<bool>> = attached
        .iter()
        .map(|&(_, node, _)| {
            nodes
                .iter()
                .map(|&n| distance_km(n, nodes[node]) <= PASS_KM)
                .collect()
        })
        .collect();
    let total_drawn: f64 = route.iter().map(|p| path_length_km(p)).sum();
    let (scale, source) = match published_km {
        Some(l) if total_drawn > 0.0 && (MIN_SCALE..=MAX_SCALE).contains(&(l / total_drawn)) => {
            (l / total_drawn, "drawn-route-scaled")
        }
        _ => (1.0, "drawn-route"),
    };
    let mut segments = Vec::new();
    for (ai, &(a_id, a_node, a_stub)) in attached.iter().enumerate() {
        let (dist, pred) = crate::spatial::shortest_path::dijkstra(&adj, &[(a_node, 0.0)]);
        let prev: Vec<usize> = pred.iter().map(|p| p.unwrap_or(usize::MAX)).collect();
        for (bi, &(b_id, b_node, b_stub)) in attached.iter().enumerate().skip(ai + 1) {
            if !dist[b_node].is_finite() {
                continue;
            }
            // Interior nodes of the path a → b.
            let mut interior = Vec::new();
            let mut v = b_node;
            while v != a_node && prev[v] != usize::MAX {
                v = prev[v];
                if v != a_node {
                    interior.push(v);
                }
            }
            let blocked = attached.iter().enumerate().any(|(ci, _)| {
                ci != ai
                    && ci != bi
                    && !near[ci][a_node]
                    && !near[ci][b_node]
                    && interior.iter().any(|&v| near[ci][v])
            });
            if blocked {
                continue;
            }
            let drawn = dist[b_node] + a_stub + b_stub;
            if drawn <= 0.0 {
                continue;
            }
            let (from, to) = if a_id <= b_id {
                (a_id, b_id)
            } else {
                (b_id, a_id)
            };
            segments.push(CableSegment {
                from: from.to_string(),
                to: to.to_string(),
                length_km: drawn * scale,
                length_source: source.to_string(),
            });
        }
    }
    segments.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    segments.dedup_by(|a, b| a.from == b.from && a.to == b.to);
    segments
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn ll(lon: f64, lat: f64) -> LonLat {
        LonLat::new(lon, lat)
    }

    #[test]
    fn a_published_trunk_sets_the_scale_of_its_branch() {
        // A trunk a–c (drawn 1000 km) with a branch to b joining it (drawn 100 km), system
        // figure 1100 km (= drawn total, scale 1): the trunk's own published length is 1200 km,
        // so the branch's drawn segments take the trunk's ratio 1.2.
        let segs = vec![
            CableSegment {
                from: "a".into(),
                to: "c".into(),
                length_km: 1000.0,
                length_source: "drawn-route-scaled".into(),
            },
            CableSegment {
                from: "b".into(),
                to: "c".into(),
                length_km: 700.0,
                length_source: "drawn-route-scaled".into(),
            },
        ];
        let published = [CableSegment {
            from: "c".into(),
            to: "a".into(),
            length_km: 1200.0,
            length_source: "published".into(),
        }];
        // A drawing whose total is the system figure (1100 km), so the system scale is 1.
        let route = vec![vec![ll(0.0, 0.0), ll(1100.0 / 111.195, 0.0)]];
        let total: f64 = route.iter().map(|p| path_length_km(p)).sum();
        let out = with_published(segs, &published, &route, Some(total));
        assert_eq!(out[0].length_km, 1200.0);
        assert_eq!(out[0].length_source, "published");
        assert!((out[1].length_km - 840.0).abs() < 1e-9, "{out:?}");
        assert_eq!(out[1].length_source, "drawn-route-scaled-to-published");
        // No published segment of this cable: unchanged.
        let none = with_published(out.clone(), &[], &route, Some(total));
        assert_eq!(none, out);
    }

    #[test]
    fn trunk_with_a_middle_landing_is_split_there() {
        // A straight trunk 150E → 145E along 10S with a landing at each end and one in the
        // middle (drawn as two lines meeting at the middle landing).
        let route = vec![
            vec![ll(150.0, -10.0), ll(149.0, -10.0), ll(147.5, -10.0)],
            vec![ll(147.5, -10.0), ll(146.0, -10.0), ll(145.0, -10.0)],
        ];
        let landings = vec![
            ("a".to_string(), ll(150.0, -10.0)),
            ("m".to_string(), ll(147.5, -10.01)),
            ("z".to_string(), ll(145.0, -10.0)),
        ];
        let segs = route_segments(&route, &landings, None);
        let pairs: Vec<(&str, &str)> = segs
            .iter()
            .map(|s| (s.from.as_str(), s.to.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "m"), ("m", "z")]);
        let half = distance_km(ll(150.0, -10.0), ll(147.5, -10.0));
        assert!((segs[0].length_km - half).abs() < 2.0, "{segs:?}");
        assert_eq!(segs[0].length_source, "drawn-route");
    }

    #[test]
    fn branching_unit_yields_three_pairs_and_scaling() {
        // Y shape: trunk from (150,-10) to a branching point (148,-10), branches to (146,-8)
        // and (146,-12); the branches are drawn from the trunk's last vertex.
        let route = vec![
            vec![ll(150.0, -10.0), ll(148.0, -10.0)],
            vec![ll(148.0, -10.0), ll(146.0, -8.0)],
            vec![ll(148.0, -10.0), ll(146.0, -12.0)],
        ];
        let total: f64 = route.iter().map(|p| path_length_km(p)).sum();
        let landings = vec![
            ("t".to_string(), ll(150.0, -10.0)),
            ("n".to_string(), ll(146.0, -8.0)),
            ("s".to_string(), ll(146.0, -12.0)),
            ("far".to_string(), ll(100.0, 0.0)),
        ];
        let segs = route_segments(&route, &landings, Some(total * 1.1));
        assert_eq!(segs.len(), 3, "{segs:?}");
        for s in &segs {
            assert_eq!(s.length_source, "drawn-route-scaled");
            assert!(s.from < s.to);
            assert!(s.from != "far" && s.to != "far");
        }
        let ns = segs.iter().find(|s| s.from == "n" && s.to == "s").unwrap();
        let want = (distance_km(ll(148.0, -10.0), ll(146.0, -8.0))
            + distance_km(ll(148.0, -10.0), ll(146.0, -12.0)))
            * 1.1;
        assert!(
            (ns.length_km - want).abs() < 1.0,
            "{} vs {want}",
            ns.length_km
        );
        // An implausible published length is not used for scaling.
        let unscaled = route_segments(&route, &landings, Some(total * 3.0));
        assert!(unscaled.iter().all(|s| s.length_source == "drawn-route"));
    }

    #[test]
    fn gaps_are_bridged_and_antimeridian_joined() {
        // Two pieces meeting at the antimeridian, plus a branch starting 20 km off the trunk.
        let route = vec![
            vec![ll(170.0, -20.0), ll(180.0, -20.0)],
            vec![ll(-180.0, -20.0), ll(-170.0, -20.0)],
            vec![ll(175.0, -19.82), ll(175.0, -15.0)],
        ];
        let landings = vec![
            ("w".to_string(), ll(170.0, -20.0)),
            ("e".to_string(), ll(-170.0, -20.0)),
            ("n".to_string(), ll(175.0, -15.0)),
        ];
        let segs = route_segments(&route, &landings, None);
        assert_eq!(segs.len(), 3, "{segs:?}");
        let ew = segs.iter().find(|s| s.from == "e" && s.to == "w").unwrap();
        let want = distance_km(ll(170.0, -20.0), ll(180.0, -20.0)) * 2.0;
        assert!((ew.length_km - want).abs() < 1.0, "{}", ew.length_km);
    }

    #[test]
    fn cables_csv_with_routes() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[
                (
                    "c.csv",
                    "id,name,length_km,length_raw,route_length_km_drawn,rfs,rfs_year,is_planned,lands_in_australia,lands_in_japan,countries,landing_point_ids,owners,suppliers,url\n\
x,X,1000.0,,,,2020,False,True,False,A,a;b,,,\n\
y,Y,,,,,,True,,,,a;b;a,,,\n",
                ),
                (
                    "r.geojson",
                    r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x"},"geometry":{"type":"MultiLineString","coordinates":[[[150,-10],[145,-10]]]}}]}"#,
                ),
                (
                    "l.csv",
                    "cable_id,cable_name,landing_point_id,landing_point_name,country,is_tbd,lon,lat\nx,X,a,A,Australia,,150,-10\nx,X,b,B,Japan,,145,-10\ny,Y,a,A,Australia,,150,-10\n",
                ),
            ],
        );
        let spec = fixture::spec(
            dir.path(),
            "c.csv",
            LayerFormat::TelegeographyCsv,
            "routes = \"r.geojson\"\nlanding_points = \"l.csv\"",
        );
        let cables = load_cables(&spec).unwrap();
        assert_eq!(cables.len(), 2);
        let x = &cables[0];
        assert_eq!(x.rfs_year, Some(2020));
        assert!(!x.planned);
        assert_eq!(x.route.len(), 1);
        assert_eq!(x.segments.len(), 1);
        // Drawn ≈ 548 km, published 1000 km: ratio 1.8 is implausible → drawn length kept.
        assert_eq!(x.segments[0].length_source, "drawn-route");
        let y = &cables[1];
        assert_eq!(y.landing_ids, ["a", "b"]);
        assert!(y.planned && y.segments.is_empty() && y.length_km.is_none());

        let landings = load_landings(&fixture::spec(
            dir.path(),
            "l.csv",
            LayerFormat::TelegeographyCsv,
            "",
        ))
        .unwrap();
        assert_eq!(landings.len(), 2);
        assert_eq!(landings[1].country, "Japan");

        let no_points = fixture::spec(
            dir.path(),
            "c.csv",
            LayerFormat::TelegeographyCsv,
            "routes = \"r.geojson\"",
        );
        assert!(matches!(load_cables(&no_points), Err(Error::Usage { .. })));
    }

    #[test]
    fn bad_cable_rows_are_all_reported() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "c.csv",
                "id,name,length_km,rfs_year,is_planned,landing_point_ids\nx,X,long,2020,maybe,a\nx,X,1,,False,a\n",
            )],
        );
        let spec = fixture::spec(dir.path(), "c.csv", LayerFormat::TelegeographyCsv, "");
        let Err(Error::Invalid(issues)) = load_cables(&spec) else {
            panic!()
        };
        let fields: Vec<&str> = issues.iter().map(|i| i.at.field.as_str()).collect();
        assert_eq!(fields, ["length_km", "is_planned", "id"]);
    }
}

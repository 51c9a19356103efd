//! Derivation of cable edges (landing → landing fibre km) from a dataset's cable systems.
//!
//! This is the parameter-independent part of the latency graph: it is computed once per
//! dataset and then scaled by [`LatencyParams`](crate::scenario::LatencyParams) (slack, cuts,
//! route factor for the metro links) in [`super::LatencyModel`].
//!
//! # Rules (in order of preference)
//! 1. **Segments in the data**: a cable's `segments` are used as given (`length_km`); one whose
//!    `length_source` is not `published` (an estimate: great circle × a stated detour factor,
//!    data/SOURCES.md) is raised to the along-route distance of the cable's drawn route when
//!    that is longer (`+drawn-floor`), and is listed as estimated ([`is_estimated`]).
//! 2. **Two landings, no segments**: the published system length `length_km`; if missing, the
//!    length of the drawn route; if no route either, great-circle × [`NO_ROUTE_DETOUR`].
//! 3. **Several landings, no segments, drawn route present**: every pair of landings of the
//!    cable is joined by the distance *along the drawn route* (the route's lines become a small
//!    graph whose vertices are snapped to 1e-4°, line ends within [`ROUTE_JOIN_KM`] of another
//!    line are joined, each landing is attached to its nearest route vertex), scaled by
//!    `published length / drawn length` clamped to [`DRAWN_SCALE_MIN`]..=[`DRAWN_SCALE_MAX`]
//!    (the drawings are schematic; the published length includes every branch, like the drawn
//!    total). Joining all pairs (not only consecutive landings) gives the right length through
//!    branching units; shortest paths never prefer a detour through an intermediate landing
//!    because the along-route distances obey the triangle inequality. A pair the route does
//!    not connect falls back to rule 4.
//! 4. **Several landings, no segments, no route**: every pair joined by great-circle ×
//!    [`NO_ROUTE_DETOUR`].
//!
//! An estimated edge is never shorter than the median published length / great circle of the
//! cables in its corridor (see `corridor_floor`).
//!
//! Every edge is at least the geodesic distance between its two landings (a shorter stated
//! length is a data error; the geodesic is used). This is what makes every modelled RTT at
//! least the great-circle floor (triangle inequality of the geodesic distance).

use crate::data::{CableSystem, Dataset, LonLat};
use crate::error::{Error, Issues, Location, Result};
use crate::spatial::geodesy::distance_km;
use std::collections::{BTreeMap, HashMap};

/// Submarine cable length / great-circle distance used when nothing better is known.
///
/// Source: the public TeleGeography snapshot (`cables_au_jp.csv`): for the two-landing systems
/// longer than 1,000 km the published length over the great circle is 1.05 (TGA), 1.07
/// (JGA-N), 1.09 (Gondwana-1, Unity), 1.12 (Endeavour), with outliers 1.47 (INDIGO-Central,
/// around the south coast) and 2.3 (RJCN); 1.15 is slightly above the typical value.
pub const NO_ROUTE_DETOUR: f64 = 1.15;

/// Lowest scale applied to a drawn route (published / drawn length). The snapshot's ratios
/// range from 0.81 (North West Cable System) to 1.42 (HSCS), median 1.07.
pub const DRAWN_SCALE_MIN: f64 = 0.8;

/// Highest scale applied to a drawn route (published / drawn length).
pub const DRAWN_SCALE_MAX: f64 = 1.5;

/// Line ends of a drawn route closer than this to another line of the same cable are joined
/// (drawings do not always share the branching-unit vertex exactly), km.
pub const ROUTE_JOIN_KM: f64 = 50.0;

/// A landing farther than this from its cable's drawn route is joined by great circle instead
/// of along the route, km.
pub const ROUTE_ATTACH_MAX_KM: f64 = 300.0;

/// One derived cable edge between two landings (unscaled: no slack applied).
#[derive(Debug, Clone, PartialEq)]
pub struct RawEdge {
    /// Index of the cable in [`RawGraph::cables`].
    pub cable: usize,
    /// Landing index (into the dataset's landings) at one end.
    pub a: usize,
    /// Landing index at the other end.
    pub b: usize,
    /// Fibre km before slack (≥ geodesic distance between the ends).
    pub km: f64,
    /// Where the length comes from (`published-segment`, `system-length`, `drawn-route`,
    /// `great-circle`), with `+geodesic-floor` appended when the floor applied.
    pub source: String,
}

/// The parameter-independent cable edges of a dataset.
#[derive(Debug, Clone, Default)]
pub struct RawGraph {
    /// Cable ids, names and planned flags, in dataset order.
    pub cables: Vec<(String, String, bool)>,
    /// Ready-for-service year of each cable (same order as `cables`), if known.
    pub rfs_year: Vec<Option<u32>>,
    /// Edges, sorted by (cable, a, b).
    pub edges: Vec<RawEdge>,
    /// Pairs of landings of one country closer than [`super::METRO_LINK_MAX_KM`]:
    /// (a, b, geodesic km), a < b, sorted.
    pub metro: Vec<(usize, usize, f64)>,
}

/// Derives the cable edges of `dataset` (see the module doc for the rules).
///
/// Fails with every cable that names an unknown landing or has a non-positive length.
pub fn derive(dataset: &Dataset) -> Result<RawGraph> {
    let index: HashMap<&str, usize> = dataset
        .landings
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i))
        .collect();
    let mut issues = Issues::new();
    let file = if dataset.source.is_empty() {
        "<dataset>".to_string()
    } else {
        dataset.source.clone()
    };
    let mut graph = RawGraph::default();
    let ends = CableEnds { dataset, index };
    for (ci, cable) in dataset.cables.iter().enumerate() {
        graph
            .cables
            .push((cable.id.clone(), cable.name.clone(), cable.planned));
        graph.rfs_year.push(cable.rfs_year);
        if !check_cable(&file, ci, cable, &ends.index, &mut issues) {
            continue;
        }
        if !cable.segments.is_empty() {
            segment_edges(&mut graph, ci, cable, &ends);
        } else {
            landing_edges(&mut graph, ci, cable, &ends);
        }
    }
    issues.into_result(())?;
    let countries: Vec<String> = dataset
        .landings
        .iter()
        .map(|l| l.country.to_lowercase())
        .collect();
    corridor_floor(&mut graph, dataset, &countries);
    metro_links(&mut graph, dataset, &countries);
    graph.edges.sort_by_key(|e| (e.cable, e.a, e.b));
    Ok(graph)
}

/// The landings a cable can end at: their positions and their indices by id.
struct CableEnds<'a> {
    /// The dataset whose landings these are.
    dataset: &'a Dataset,
    /// Landing index by id.
    index: HashMap<&'a str, usize>,
}

impl CableEnds<'_> {
    /// The index of landing `id` (checked known by [`check_cable`]).
    fn lid(&self, id: &str) -> usize {
        self.index.get(id).copied().unwrap_or(0)
    }

    /// The location of landing `i`.
    fn pos(&self, i: usize) -> LonLat {
        self.dataset.landings[i].location
    }
}

/// Checks cable `ci` names only known landings and has positive segment lengths, pushing a
/// problem for each that does not; `false` if any was found.
fn check_cable(
    file: &str,
    ci: usize,
    cable: &CableSystem,
    index: &HashMap<&str, usize>,
    issues: &mut Issues,
) -> bool {
    let at = |field: &str| {
        Location::file(file.to_string())
            .record(format!("cable[{ci}] \"{}\"", cable.id))
            .field(field)
    };
    let mut ok = true;
    for id in cable
        .landing_ids
        .iter()
        .chain(cable.segments.iter().flat_map(|s| [&s.from, &s.to]))
    {
        if !index.contains_key(id.as_str()) {
            issues.push(
                at("landing_ids"),
                "the id of a landing station in the landing layer",
                format!("`{id}`"),
                "add the landing station or fix the id (`sitefind validate` lists all problems)",
            );
            ok = false;
        }
    }
    for (si, s) in cable.segments.iter().enumerate() {
        if !(s.length_km.is_finite() && s.length_km > 0.0) {
            issues.push(
                at(&format!("segments[{si}].length_km")),
                "a length in km > 0",
                s.length_km.to_string(),
                "fix the segment length",
            );
            ok = false;
        }
    }
    ok
}

/// Adds the edges of cable `ci` given by its segments. A segment whose length is not
/// published is never shorter than the cable's drawn route between its two landings.
fn segment_edges(graph: &mut RawGraph, ci: usize, cable: &CableSystem, ends: &CableEnds) {
    let pos = |i: usize| ends.pos(i);
    let mut seg_ids: Vec<usize> = cable
        .segments
        .iter()
        .flat_map(|s| [ends.lid(&s.from), ends.lid(&s.to)])
        .collect();
    seg_ids.sort_unstable();
    seg_ids.dedup();
    let drawn = if cable.route.is_empty() {
        None
    } else {
        along_route(cable, &seg_ids.iter().map(|&i| pos(i)).collect::<Vec<_>>())
    };
    for s in &cable.segments {
        let (a, b) = (ends.lid(&s.from), ends.lid(&s.to));
        if a == b {
            continue;
        }
        let published = s.length_source.trim().eq_ignore_ascii_case("published");
        let mut km = s.length_km;
        let mut source = if published {
            "published-segment".to_string()
        } else {
            format!("segment:{}", s.length_source.trim())
        };
        if !published {
            let x = seg_ids.iter().position(|&i| i == a);
            let y = seg_ids.iter().position(|&i| i == b);
            if let (Some(m), Some(x), Some(y)) = (drawn.as_ref(), x, y) {
                if let Some(d) = m[x][y] {
                    if d > km {
                        km = d;
                        source.push_str("+drawn-floor");
                    }
                }
            }
        }
        push_edge(graph, ci, a, b, km, &source, pos);
    }
}

/// Adds the edges of cable `ci` without segments, between every pair of its landings: the
/// system length (two landings), else the drawn route, else the detoured great circle.
fn landing_edges(graph: &mut RawGraph, ci: usize, cable: &CableSystem, ends: &CableEnds) {
    let pos = |i: usize| ends.pos(i);
    let mut ids: Vec<usize> = cable.landing_ids.iter().map(|id| ends.lid(id)).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return;
    }
    if ids.len() == 2 {
        let (a, b) = (ids[0], ids[1]);
        let drawn = route_length_km(cable);
        match (cable.length_km.filter(|k| *k > 0.0), drawn) {
            (Some(km), _) => push_edge(graph, ci, a, b, km, "system-length", pos),
            (None, Some(km)) => push_edge(graph, ci, a, b, km, "drawn-route", pos),
            (None, None) => {
                let km = distance_km(pos(a), pos(b)) * NO_ROUTE_DETOUR;
                push_edge(graph, ci, a, b, km, "great-circle", pos)
            }
        }
        return;
    }
    let along = along_route(cable, &ids.iter().map(|&i| pos(i)).collect::<Vec<_>>());
    for (x, &a) in ids.iter().enumerate() {
        for (y, &b) in ids.iter().enumerate().skip(x + 1) {
            match along.as_ref().and_then(|m| m[x][y]) {
                Some(km) => push_edge(graph, ci, a, b, km, "drawn-route", pos),
                None => {
                    let km = distance_km(pos(a), pos(b)) * NO_ROUTE_DETOUR;
                    push_edge(graph, ci, a, b, km, "great-circle", pos)
                }
            }
        }
    }
}

/// Adds the metro links: pairs of distinct landings of one country (`countries`, lower
/// case) closer than [`super::METRO_LINK_MAX_KM`].
fn metro_links(graph: &mut RawGraph, dataset: &Dataset, countries: &[String]) {
    for a in 0..dataset.landings.len() {
        for b in (a + 1)..dataset.landings.len() {
            if countries[a] != countries[b] {
                continue;
            }
            let d = distance_km(dataset.landings[a].location, dataset.landings[b].location);
            if d < super::METRO_LINK_MAX_KM && d > 0.0 {
                graph.metro.push((a, b, d));
            }
        }
    }
}

/// Raises every estimated edge to the published length / great circle of the cables with a
/// published length (segment or two-landing system length; drawn routes are schematic and do
/// not count) in the same corridor (the same pair of countries), when that is longer:
/// cables between the same coasts cross the same seabed (e.g. JGA-S, published 7,081 km for a
/// 5,300 km great circle Sydney–Guam, bounds the estimate of AJC's Sydney–Guam segments). The
/// median ratio of the corridor's published edges is used; `+corridor-floor` is appended.
fn corridor_floor(graph: &mut RawGraph, dataset: &Dataset, countries: &[String]) {
    let key = |a: usize, b: usize| {
        let (x, y) = (countries[a].clone(), countries[b].clone());
        if x <= y {
            (x, y)
        } else {
            (y, x)
        }
    };
    let gc = |a: usize, b: usize| {
        distance_km(dataset.landings[a].location, dataset.landings[b].location)
    };
    let mut ratios: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for e in &graph.edges {
        let d = gc(e.a, e.b);
        let published =
            e.source.starts_with("published-segment") || e.source.starts_with("system-length");
        if published && d > 100.0 && countries[e.a] != countries[e.b] {
            ratios.entry(key(e.a, e.b)).or_default().push(e.km / d);
        }
    }
    for e in &mut graph.edges {
        if !is_estimated(&e.source) {
            continue;
        }
        let Some(r) = ratios.get_mut(&key(e.a, e.b)) else {
            continue;
        };
        r.sort_by(f64::total_cmp);
        let m = if r.len() % 2 == 1 {
            r[r.len() / 2]
        } else {
            0.5 * (r[r.len() / 2 - 1] + r[r.len() / 2])
        };
        let floor = m * gc(e.a, e.b);
        if floor > e.km {
            e.km = floor;
            e.source.push_str("+corridor-floor");
        }
    }
}

fn push_edge(
    graph: &mut RawGraph,
    cable: usize,
    a: usize,
    b: usize,
    km: f64,
    source: &str,
    pos: impl Fn(usize) -> LonLat,
) {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    let floor = distance_km(pos(a), pos(b));
    let (km, source) = if km >= floor {
        (km, source.to_string())
    } else {
        (floor, format!("{source}+geodesic-floor"))
    };
    graph.edges.push(RawEdge {
        cable,
        a,
        b,
        km,
        source,
    });
}

/// Total geodesic length of a cable's drawn route, if it has one.
fn route_length_km(cable: &CableSystem) -> Option<f64> {
    let km: f64 = cable
        .route
        .iter()
        .map(|line| crate::spatial::geodesy::path_length_km(line))
        .sum();
    (km > 0.0).then_some(km)
}

/// Along-route km between every pair of `points` (landings), scaled by published / drawn
/// length; `None` for the whole matrix when the cable has no route, `None` per pair when the
/// route does not connect the two (or a landing is too far from the route).
#[allow(clippy::type_complexity)]
fn along_route(cable: &CableSystem, points: &[LonLat]) -> Option<Vec<Vec<Option<f64>>>> {
    let drawn = route_length_km(cable)?;
    let scale = cable
        .length_km
        .filter(|k| *k > 0.0)
        .map_or(1.0, |k| (k / drawn).clamp(DRAWN_SCALE_MIN, DRAWN_SCALE_MAX));
    // Vertices snapped to 1e-4 degree.
    let mut vid: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    let mut verts: Vec<LonLat> = Vec::new();
    let mut adj: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut line_vids: Vec<Vec<usize>> = Vec::new();
    for line in &cable.route {
        let mut ids = Vec::with_capacity(line.len());
        for p in line {
            if !(p.lon.is_finite() && p.lat.is_finite()) {
                continue;
            }
            let key = ((p.lon * 1e4).round() as i64, (p.lat * 1e4).round() as i64);
            let id = *vid.entry(key).or_insert_with(|| {
                verts.push(*p);
                adj.push(Vec::new());
                verts.len() - 1
            });
            ids.push(id);
        }
        for w in ids.windows(2) {
            if w[0] != w[1] {
                let d = distance_km(verts[w[0]], verts[w[1]]);
                adj[w[0]].push((w[1], d));
                adj[w[1]].push((w[0], d));
            }
        }
        line_vids.push(ids);
    }
    if verts.is_empty() {
        return None;
    }
    // Join each line end to the nearest vertex of another line when close.
    for (li, ids) in line_vids.iter().enumerate() {
        for &end in [ids.first(), ids.last()].into_iter().flatten() {
            let mut best: Option<(f64, usize)> = None;
            for (lj, other) in line_vids.iter().enumerate() {
                if lj == li || other.contains(&end) {
                    continue;
                }
                for &v in other {
                    let d = distance_km(verts[end], verts[v]);
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, v));
                    }
                }
            }
            if let Some((d, v)) = best {
                if d <= ROUTE_JOIN_KM && d > 0.0 {
                    adj[end].push((v, d));
                    adj[v].push((end, d));
                }
            }
        }
    }
    // Attach each landing to its nearest route vertex.
    let attach: Vec<Option<(usize, f64)>> = points
        .iter()
        .map(|p| {
            verts
                .iter()
                .enumerate()
                .map(|(i, v)| (i, distance_km(*p, *v)))
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .filter(|(_, d)| *d <= ROUTE_ATTACH_MAX_KM)
        })
        .collect();
    let n = points.len();
    let mut out = vec![vec![None; n]; n];
    for x in 0..n {
        let Some((vx, ox)) = attach[x] else { continue };
        let (dist, _) = crate::spatial::shortest_path::dijkstra(&adj, &[(vx, 0.0)]);
        for y in (x + 1)..n {
            let Some((vy, oy)) = attach[y] else { continue };
            if dist[vy].is_finite() {
                let km = (ox + dist[vy] + oy) * scale;
                out[x][y] = Some(km);
                out[y][x] = Some(km);
            }
        }
    }
    Some(out)
}

/// Whether an edge's length is an estimate (no published length and no drawn route: a
/// great circle × a stated detour factor, here or in the dataset), by its `source` label.
pub fn is_estimated(source: &str) -> bool {
    !(source.starts_with("published-segment")
        || source.starts_with("system-length")
        || source.starts_with("drawn-route")
        || source.contains("+drawn-floor")
        || source == "segment:published")
}

/// An error for a country (`bad`, given in option `field`) with no landing or PoP among
/// `node_country`, listing close matches and the countries the data has.
pub fn unknown_country(field: &str, bad: &str, node_country: &[String]) -> Error {
    let names: Vec<&str> = node_country
        .iter()
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let close = close_matches(bad, &names, 5);
    let all = names.join(", ");
    Error::usage(
        format!("{field}: no landing or PoP is in `{bad}`"),
        if close.is_empty() {
            format!("countries in the data: {all}")
        } else {
            format!(
                "did you mean {}? (countries in the data: {all})",
                close.join(", ")
            )
        },
    )
}

/// An error for a cable id that is not in the dataset, listing close matches.
pub fn unknown_cable(id: &str, known: &[&str]) -> Error {
    unknown_cable_in("--cut-cable / latency.cut_cables", id, known)
}

/// As [`unknown_cable`], naming the option (`field`) the id came from.
pub fn unknown_cable_in(field: &str, id: &str, known: &[&str]) -> Error {
    let close = close_matches(id, known, 5);
    let hint = if close.is_empty() {
        "cable ids are TeleGeography slugs (e.g. `japan-guam-australia-south-jga-s`); \
         `sitefind validate` loads the dataset and the cables file lists every id"
            .to_string()
    } else {
        format!(
            "did you mean {}? (`sitefind validate` loads the dataset; the cables file lists every id)",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Error::usage(format!("{field}: unknown cable id `{id}`"), hint)
}

/// Up to `max` entries of `known` that resemble `query` (case-insensitive substring either
/// way, or a small edit distance), best first.
pub fn close_matches(query: &str, known: &[&str], max: usize) -> Vec<String> {
    let q = query.to_lowercase();
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let kl = k.to_lowercase();
            let d = if !q.is_empty() && (kl.contains(&q) || q.contains(&kl)) {
                0
            } else {
                let d = levenshtein(&q, &kl);
                let tol = (q.chars().count().max(4)) / 3;
                if d > tol {
                    return None;
                }
                d
            };
            Some((d, *k))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(max)
        .map(|(_, k)| k.to_string())
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_and_close_matches() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        let known = ["jga-s", "jga-n", "ajc", "indigo-west"];
        assert_eq!(close_matches("JGA", &known, 5), vec!["jga-n", "jga-s"]);
        assert_eq!(close_matches("indigo-wst", &known, 5), vec!["indigo-west"]);
        assert!(close_matches("zzzzzzzz", &known, 5).is_empty());
    }

    #[test]
    fn along_route_follows_branches() {
        // A trunk A–B with a branch from the midpoint to C; landings at A, B, C.
        let a = LonLat::new(150.0, -30.0);
        let m = LonLat::new(150.0, -20.0);
        let b = LonLat::new(150.0, -10.0);
        let c = LonLat::new(155.0, -20.0);
        let cable = CableSystem {
            id: "t".into(),
            name: "T".into(),
            landing_ids: vec![],
            length_km: None,
            segments: vec![],
            route: vec![vec![a, m, b], vec![m, c]],
            rfs_year: None,
            planned: false,
            owners: Vec::new(),
        };
        let m2 = along_route(&cable, &[a, b, c]).unwrap();
        let ab = m2[0][1].unwrap();
        let ac = m2[0][2].unwrap();
        assert!((ab - distance_km(a, b)).abs() < 1.0);
        assert!((ac - (distance_km(a, m) + distance_km(m, c))).abs() < 1.0);
    }
}

//! Round-trip time through the submarine-cable graph (model.md §4).
//!
//! # The graph
//! Nodes are landing stations; edges are cable segments (derived by [`graph::derive`]: published
//! segments, else the system length for two-landing cables, else distances along the drawn
//! route, else great circle × [`graph::NO_ROUTE_DETOUR`]), each multiplied by
//! `cable_slack`. Cables in `cut_cables` are removed (an unknown id is a usage error listing
//! close matches); planned cables are left out unless `include_planned`.
//!
//! Landings of the same country closer than [`METRO_LINK_MAX_KM`] (two Sydney landings, Piti
//! and Tanguisson on Guam, Tuas and Changi in Singapore) are joined by a terrestrial edge of
//! great-circle × `route_factor`: cables interconnect through the city's points of presence.
//! Transit hubs (Guam, Singapore, Hawaii, the US west coast) are ordinary nodes; changing
//! cable at a hub costs no extra time beyond the fibre: an optical or IP transit adds well under
//! 0.1 ms, and the per-round-trip `equipment_overhead_ms` covers switching (see the README, "Latency").
//!
//! # A route
//! A place's country is the bounding-box country ([`crate::data::AUSTRALIA_BBOX`],
//! [`crate::data::JAPAN_BBOX`]) when it has a landing of that country within
//! [`AU_COUNTRY_MARGIN_KM`] / [`JP_COUNTRY_MARGIN_KM`] of its nearest landing (so that Port
//! Moresby, inside Australia's box, is Papua New Guinea, and Seoul, inside Japan's, is Korea),
//! else the country of its nearest landing. A place attaches to every landing of its country by
//! a terrestrial leg of great-circle × `route_factor` (outside Australia and Japan: only to the
//! landings within [`FOREIGN_ATTACH_MAX_KM`], so that Los Angeles does not "drive" to Hawaii).
//! The RTT is the minimum over the attachments of
//!
//! ```text
//! rtt_ms = 2 × fibre_ms_per_km × (route_factor × gc_km(from, landing_a)
//!                                 + cable_path_km(landing_a → landing_b)
//!                                 + route_factor × gc_km(landing_b, to))
//!          + equipment_overhead_ms
//! ```
//!
//! with the cable path by Dijkstra, and of the direct terrestrial route
//! `2 × fibre_ms_per_km × route_factor × gc_km(from, to) + equipment_overhead_ms` when both
//! ends are in the same country (Australia or Japan; elsewhere within
//! [`FOREIGN_ATTACH_MAX_KM`]).
//!
//! # The floor
//! Every edge is at least the geodesic distance between its ends, `route_factor` and
//! `cable_slack` are at least 1 and the overhead is ≥ 0 ([`LatencyModel::build`] rejects other
//! values), so by the triangle inequality every RTT is at least
//! `floor_ms = 2 × fibre_ms_per_km × gc_km(from, to)`.

use crate::data::{in_bbox, Dataset, LandingStation, LonLat, AUSTRALIA_BBOX, JAPAN_BBOX};
use crate::error::{Error, Result};
use crate::scenario::LatencyParams;
use crate::spatial::geodesy::distance_km;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod calibrate;
pub mod graph;

pub use calibrate::{calibrate, CalibrationGrid, CalibrationResult, Observation, Residual};
pub use graph::{close_matches, RawGraph};

/// Landings of one country closer than this are joined by a terrestrial edge, km.
pub const METRO_LINK_MAX_KM: f64 = 50.0;

/// A place inside Australia's box counts as Australian when an Australian landing is at most
/// this much farther than its nearest landing, km (inland sites are far from any landing, but
/// Port Moresby, inside the box, is next to its own landing).
pub const AU_COUNTRY_MARGIN_KM: f64 = 1000.0;

/// As [`AU_COUNTRY_MARGIN_KM`] for Japan's box (which also covers southern Korea), km.
pub const JP_COUNTRY_MARGIN_KM: f64 = 200.0;

/// Outside Australia and Japan a place attaches only to landings of its country within this
/// distance (and direct terrestrial routes are only this long), km.
pub const FOREIGN_ATTACH_MAX_KM: f64 = 1500.0;

/// One timed route between two places, with its path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RttPath {
    /// Modelled round-trip time, ms.
    pub rtt_ms: f64,
    /// Physical floor: great-circle distance in fibre, round trip, no overhead, ms.
    pub floor_ms: f64,
    /// Landing station ids along the path, origin side first (empty for a terrestrial route).
    pub landings: Vec<String>,
    /// Cable system ids used, in order (empty for a terrestrial route).
    pub cables: Vec<String>,
    /// Terrestrial great-circle km from the origin to the first landing (or to the destination).
    pub terrestrial_origin_km: f64,
    /// Submarine fibre km along the cable path (slack applied), including the short terrestrial
    /// links between landings of one city (already × route factor; see `legs`).
    pub cable_km: f64,
    /// Terrestrial great-circle km from the last landing to the destination.
    pub terrestrial_dest_km: f64,
    /// The legs between consecutive landings, in order.
    pub legs: Vec<PathLeg>,
    /// Great-circle km between the two places.
    pub great_circle_km: f64,
}

/// One leg of a path between two landings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathLeg {
    /// Landing id where the leg starts.
    pub from: String,
    /// Landing id where the leg ends.
    pub to: String,
    /// Cable id, or `None` for a terrestrial link between landings of one city.
    pub cable: Option<String>,
    /// Fibre km of the leg (cable: slack applied; terrestrial: × route factor).
    pub km: f64,
}

/// RTTs from every site to every city, ms: `rtt_ms[site][city]` (infinite = no route).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RttMatrix {
    /// `rtt_ms[site][city]`.
    pub rtt_ms: Vec<Vec<f64>>,
}

/// One edge of the latency graph, for listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Landing id at one end.
    pub from: String,
    /// Landing id at the other end.
    pub to: String,
    /// Cable id, `None` for a terrestrial link between landings of one city.
    pub cable: Option<String>,
    /// Fibre km as used by the model (slack or route factor applied).
    pub km: f64,
    /// Where the length comes from (see [`graph::RawEdge::source`]; `metro-link` for links).
    pub source: String,
}

#[derive(Debug, Clone, Copy)]
struct Adj {
    to: usize,
    km: f64,
    edge: usize,
}

/// The latency model: the cable graph and its parameters.
#[derive(Debug, Clone)]
pub struct LatencyModel {
    params: LatencyParams,
    landings: Vec<LandingStation>,
    /// Lower-cased country per landing.
    country: Vec<String>,
    cable_names: BTreeMap<String, String>,
    edges: Vec<GraphEdge>,
    adj: Vec<Vec<Adj>>,
}

/// Where a place attaches to the graph.
#[derive(Debug, Clone)]
struct Attach {
    country: Option<String>,
    /// (landing index, terrestrial great-circle km).
    landings: Vec<(usize, f64)>,
}

impl LatencyModel {
    /// Builds the cable graph from a dataset; cut cables (unknown ids are an error) removed.
    pub fn build(dataset: &Dataset, params: &LatencyParams) -> Result<LatencyModel> {
        let raw = graph::derive(dataset)?;
        LatencyModel::from_graph(dataset, &raw, params)
    }

    /// Builds the model from edges already derived by [`graph::derive`] from the same dataset
    /// (used by calibration to avoid re-deriving per parameter set).
    pub fn from_graph(
        dataset: &Dataset,
        raw: &RawGraph,
        params: &LatencyParams,
    ) -> Result<LatencyModel> {
        check_params(params)?;
        let n = dataset.landings.len();
        if raw
            .edges
            .iter()
            .any(|e| e.a >= n || e.b >= n || e.cable >= raw.cables.len())
            || raw.metro.iter().any(|&(a, b, _)| a >= n || b >= n)
        {
            return Err(Error::Internal(
                "latency graph derived from a different dataset".into(),
            ));
        }
        let ids: Vec<&str> = raw.cables.iter().map(|c| c.0.as_str()).collect();
        let mut cut = vec![false; raw.cables.len()];
        for id in &params.cut_cables {
            match ids.iter().position(|k| k.eq_ignore_ascii_case(id.trim())) {
                Some(i) => cut[i] = true,
                None => return Err(graph::unknown_cable(id, &ids)),
            }
        }
        let landings = dataset.landings.clone();
        let country: Vec<String> = landings.iter().map(|l| l.country.to_lowercase()).collect();
        let mut edges = Vec::new();
        let mut adj = vec![Vec::new(); landings.len()];
        let mut add = |edges: &mut Vec<GraphEdge>, a: usize, b: usize, km: f64, e: GraphEdge| {
            let idx = edges.len();
            edges.push(e);
            adj[a].push(Adj {
                to: b,
                km,
                edge: idx,
            });
            adj[b].push(Adj {
                to: a,
                km,
                edge: idx,
            });
        };
        for e in &raw.edges {
            let (cid, _, planned) = &raw.cables[e.cable];
            if cut[e.cable] || (*planned && !params.include_planned) {
                continue;
            }
            let km = e.km * params.cable_slack;
            let ge = GraphEdge {
                from: landings[e.a].id.clone(),
                to: landings[e.b].id.clone(),
                cable: Some(cid.clone()),
                km,
                source: e.source.clone(),
            };
            add(&mut edges, e.a, e.b, km, ge);
        }
        for &(a, b, d) in &raw.metro {
            let km = d * params.route_factor;
            let ge = GraphEdge {
                from: landings[a].id.clone(),
                to: landings[b].id.clone(),
                cable: None,
                km,
                source: "metro-link".into(),
            };
            add(&mut edges, a, b, km, ge);
        }
        let cable_names = raw
            .cables
            .iter()
            .map(|(id, name, _)| (id.clone(), name.clone()))
            .collect();
        Ok(LatencyModel {
            params: params.clone(),
            landings,
            country,
            cable_names,
            edges,
            adj,
        })
    }

    /// The parameters the model was built with.
    pub fn params(&self) -> &LatencyParams {
        &self.params
    }

    /// The landing stations (graph nodes), in dataset order.
    pub fn landings(&self) -> &[LandingStation] {
        &self.landings
    }

    /// The graph's edges (cut and excluded planned cables absent).
    pub fn edges(&self) -> &[GraphEdge] {
        &self.edges
    }

    /// A cable's name by id, if the dataset has it.
    pub fn cable_name(&self, id: &str) -> Option<&str> {
        self.cable_names.get(id).map(String::as_str)
    }

    /// The country a place is routed from (see the module doc), or `None` with no landings.
    pub fn country_of(&self, p: LonLat) -> Option<&str> {
        let idx = self.country_index(p)?;
        Some(self.landings[idx].country.as_str())
    }

    /// Index of a landing whose country is the place's country.
    fn country_index(&self, p: LonLat) -> Option<usize> {
        let d: Vec<f64> = self
            .landings
            .iter()
            .map(|l| haversine_km(p, l.location))
            .collect();
        let nearest = argmin(d.iter().copied().enumerate())?;
        for (bbox, name, margin) in [
            (AUSTRALIA_BBOX, "australia", AU_COUNTRY_MARGIN_KM),
            (JAPAN_BBOX, "japan", JP_COUNTRY_MARGIN_KM),
        ] {
            if in_bbox(p, bbox) {
                let best = argmin(
                    d.iter()
                        .copied()
                        .enumerate()
                        .filter(|(i, _)| self.country[*i] == name),
                );
                if let Some(b) = best {
                    if d[b] - d[nearest] <= margin {
                        return Some(b);
                    }
                }
            }
        }
        Some(nearest)
    }

    fn attach(&self, p: LonLat) -> Attach {
        let Some(ci) = self.country_index(p) else {
            return Attach {
                country: None,
                landings: Vec::new(),
            };
        };
        let c = &self.country[ci];
        let home = c == "australia" || c == "japan";
        let landings: Vec<(usize, f64)> = (0..self.landings.len())
            .filter(|&i| &self.country[i] == c)
            .map(|i| (i, distance_km(p, self.landings[i].location)))
            .filter(|&(i, d)| home || i == ci || d <= FOREIGN_ATTACH_MAX_KM)
            .collect();
        Attach {
            country: Some(c.clone()),
            landings,
        }
    }

    /// Whether a direct terrestrial route between two attached places may exist: `None` if
    /// they are in different countries, `Some(limit_km)` otherwise (infinite in Australia
    /// and Japan, [`FOREIGN_ATTACH_MAX_KM`] elsewhere).
    fn terrestrial_limit(&self, a: &Attach, b: &Attach) -> Option<f64> {
        match (&a.country, &b.country) {
            (Some(x), Some(y)) if x == y => Some(if x == "australia" || x == "japan" {
                f64::INFINITY
            } else {
                FOREIGN_ATTACH_MAX_KM
            }),
            _ => None,
        }
    }

    fn ms(&self, km: f64) -> f64 {
        2.0 * self.params.fibre_ms_per_km * km + self.params.equipment_overhead_ms
    }

    /// The fastest route between two places and its RTT, or `None` if no route exists
    /// (or a coordinate is not finite).
    pub fn rtt(&self, from: LonLat, to: LonLat) -> Option<RttPath> {
        if ![from.lon, from.lat, to.lon, to.lat]
            .iter()
            .all(|v| v.is_finite())
        {
            return None;
        }
        let rf = self.params.route_factor;
        let gc = distance_km(from, to);
        let floor_ms = 2.0 * self.params.fibre_ms_per_km * gc;
        let a = self.attach(from);
        let b = self.attach(to);
        let mut best: Option<(f64, Option<(usize, f64)>)> = None;
        if self.terrestrial_limit(&a, &b).is_some_and(|lim| gc <= lim) {
            best = Some((rf * gc, None));
        }
        let sources: Vec<(usize, f64)> = a.landings.iter().map(|&(i, d)| (i, rf * d)).collect();
        let (dist, pred) = self.dijkstra(&sources);
        for &(j, d) in &b.landings {
            let total = dist[j] + rf * d;
            if total.is_finite() && best.is_none_or(|(bt, _)| total < bt) {
                best = Some((total, Some((j, d))));
            }
        }
        let (total, end) = best?;
        let rtt_ms = self.ms(total);
        let Some((end, dest_km)) = end else {
            return Some(RttPath {
                rtt_ms,
                floor_ms,
                landings: Vec::new(),
                cables: Vec::new(),
                terrestrial_origin_km: gc,
                cable_km: 0.0,
                terrestrial_dest_km: 0.0,
                legs: Vec::new(),
                great_circle_km: gc,
            });
        };
        // Walk back.
        let mut nodes = vec![end];
        let mut legs = Vec::new();
        let mut cur = end;
        while let Some((prev, edge)) = pred[cur] {
            let e = &self.edges[edge];
            legs.push(PathLeg {
                from: self.landings[prev].id.clone(),
                to: self.landings[cur].id.clone(),
                cable: e.cable.clone(),
                km: e.km,
            });
            nodes.push(prev);
            cur = prev;
        }
        nodes.reverse();
        legs.reverse();
        let start = nodes[0];
        let origin_km = a
            .landings
            .iter()
            .find(|(i, _)| *i == start)
            .map_or(0.0, |&(_, d)| d);
        let cable_km = legs.iter().map(|l| l.km).sum();
        let mut cables: Vec<String> = Vec::new();
        for l in &legs {
            if let Some(c) = &l.cable {
                if cables.last() != Some(c) {
                    cables.push(c.clone());
                }
            }
        }
        Some(RttPath {
            rtt_ms,
            floor_ms,
            landings: nodes.iter().map(|&i| self.landings[i].id.clone()).collect(),
            cables,
            terrestrial_origin_km: origin_km,
            cable_km,
            terrestrial_dest_km: dest_km,
            legs,
            great_circle_km: gc,
        })
    }

    /// The route between a site and a city with its path (the same as [`LatencyModel::rtt`]).
    pub fn route(&self, site: LonLat, city: LonLat) -> Option<RttPath> {
        self.rtt(site, city)
    }

    /// RTT from every site to every city (fast path for the optimiser).
    ///
    /// For each landing a site can attach to, one Dijkstra gives the best cable path plus
    /// destination leg to every city; each (site, city) is then the minimum over the site's
    /// attachments of terrestrial leg + that, and the direct terrestrial route when allowed:
    /// O(sites × cities × attachments), parallel over sites, deterministic. Equal to
    /// [`LatencyModel::rtt`] up to floating-point rounding.
    pub fn rtt_matrix(&self, sites: &[LonLat], cities: &[LonLat]) -> RttMatrix {
        let rf = self.params.route_factor;
        let finite = |p: &LonLat| p.lon.is_finite() && p.lat.is_finite();
        let city_att: Vec<Attach> = cities
            .iter()
            .map(|c| {
                if finite(c) {
                    self.attach(*c)
                } else {
                    Attach {
                        country: None,
                        landings: Vec::new(),
                    }
                }
            })
            .collect();
        let site_att: Vec<Attach> = sites
            .par_iter()
            .map(|s| {
                if finite(s) {
                    self.attach(*s)
                } else {
                    Attach {
                        country: None,
                        landings: Vec::new(),
                    }
                }
            })
            .collect();
        let mut origins: Vec<usize> = site_att
            .iter()
            .flat_map(|a| a.landings.iter().map(|&(i, _)| i))
            .collect();
        origins.sort_unstable();
        origins.dedup();
        // best[row][city]: cable path from the origin landing + destination leg, km.
        let best: Vec<Vec<f64>> = origins
            .par_iter()
            .map(|&o| {
                let (dist, _) = self.dijkstra(&[(o, 0.0)]);
                city_att
                    .iter()
                    .map(|ca| {
                        ca.landings
                            .iter()
                            .map(|&(j, d)| dist[j] + rf * d)
                            .fold(f64::INFINITY, f64::min)
                    })
                    .collect()
            })
            .collect();
        let mut row_of = vec![usize::MAX; self.landings.len()];
        for (r, &o) in origins.iter().enumerate() {
            row_of[o] = r;
        }
        let rtt_ms = sites
            .par_iter()
            .zip(site_att.par_iter())
            .map(|(s, sa)| {
                cities
                    .iter()
                    .zip(&city_att)
                    .enumerate()
                    .map(|(ci, (c, ca))| {
                        let mut km = f64::INFINITY;
                        if let Some(lim) = self.terrestrial_limit(sa, ca) {
                            let gc = distance_km(*s, *c);
                            if gc <= lim {
                                km = rf * gc;
                            }
                        }
                        for &(i, d) in &sa.landings {
                            let t = rf * d + best[row_of[i]][ci];
                            if t < km {
                                km = t;
                            }
                        }
                        if km.is_finite() {
                            self.ms(km)
                        } else {
                            f64::INFINITY
                        }
                    })
                    .collect()
            })
            .collect();
        RttMatrix { rtt_ms }
    }

    /// Multi-source Dijkstra: distances and predecessors (previous landing, edge index).
    #[allow(clippy::type_complexity)]
    fn dijkstra(&self, sources: &[(usize, f64)]) -> (Vec<f64>, Vec<Option<(usize, usize)>>) {
        crate::spatial::shortest_path::dijkstra_by(
            self.landings.len(),
            |u| self.adj[u].iter().map(|a| (a.to, a.km, a.edge)),
            sources,
        )
    }
}

fn check_params(p: &LatencyParams) -> Result<()> {
    let bad = |field: &str, expected: &str, v: f64| {
        Error::usage(
            format!("latency.{field}: expected {expected}, found {v}"),
            "fix the [latency] section of the scenario file (the README's Latency section gives the calibrated values)",
        )
    };
    if !(p.fibre_ms_per_km.is_finite() && p.fibre_ms_per_km > 0.0) {
        return Err(bad("fibre_ms_per_km", "a number > 0", p.fibre_ms_per_km));
    }
    if !(p.route_factor.is_finite() && p.route_factor >= 1.0) {
        return Err(bad("route_factor", "a number ≥ 1", p.route_factor));
    }
    if !(p.cable_slack.is_finite() && p.cable_slack >= 1.0) {
        return Err(bad("cable_slack", "a number ≥ 1", p.cable_slack));
    }
    if !(p.equipment_overhead_ms.is_finite() && p.equipment_overhead_ms >= 0.0) {
        return Err(bad(
            "equipment_overhead_ms",
            "a number ≥ 0",
            p.equipment_overhead_ms,
        ));
    }
    Ok(())
}

/// Spherical great-circle km, used only to decide a place's country (margins of hundreds of
/// km); every modelled distance uses the ellipsoidal [`distance_km`].
fn haversine_km(a: LonLat, b: LonLat) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * crate::spatial::geodesy::EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

fn argmin(it: impl Iterator<Item = (usize, f64)>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, d) in it {
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

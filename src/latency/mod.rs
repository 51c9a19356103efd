//! Round-trip time through points of presence and the submarine-cable graph (model.md §4;
//! README "Latency").
//!
//! # The graph
//! Nodes are cable landing stations and points of presence (PoPs: internet exchanges / cloud
//! regions, the dataset's `pops` layer). Edges:
//! - **cable** segments (derived by [`graph::derive`]: segments in the data, else the system
//!   length for two-landing cables, else distances along the drawn route, else great circle ×
//!   [`graph::NO_ROUTE_DETOUR`]; estimates are flagged), × `cable_slack`;
//! - **metro** links between landings of one country closer than [`METRO_LINK_MAX_KM`];
//! - **backhaul** from each *gateway* PoP to every landing of its country;
//! - **backbone** between the PoPs of one country;
//!
//! terrestrial edges are great circle × the country's route factor
//! ([`LatencyParams::route_factor_for`]). Cables in `cut_cables` or `excluded_cables`, not in a
//! non-empty `allowed_cables`, or planned (unless `include_planned`) are absent; landings and
//! PoPs in `avoid_transit` countries are absent. Unknown cable ids are usage errors listing
//! close matches.
//!
//! # A route
//! A place's country is the bounding-box country ([`crate::data::AUSTRALIA_BBOX`],
//! [`crate::data::JAPAN_BBOX`]) when it has a landing of that country within
//! [`AU_COUNTRY_MARGIN_KM`] / [`JP_COUNTRY_MARGIN_KM`] of its nearest landing, else the country
//! of its nearest landing. A place of a country with PoPs reaches the graph through its nearest
//! PoP (and directly to the `capacity_landings` of its country, where capacity is bought at the
//! landing); a place of a country without PoPs attaches to the landings of its country (outside
//! Australia and Japan only within [`FOREIGN_ATTACH_MAX_KM`]), and two places of such a country
//! may also be joined by a direct terrestrial route. The RTT is the shortest path of
//!
//! ```text
//! rtt_ms = 2 × fibre_ms_per_km × Σ legs km            (terrestrial legs × route factor,
//!                                                       cables × cable_slack)
//!          + endpoint_overhead_ms                      (data-centre end: fabric, metro hop)
//!          + city_endpoint_overhead_ms                 (city end: a server at the exchange)
//!          + landing_overhead_ms × landings on the path (cable terminals)
//!          + pop_overhead_ms × PoPs on the path        (exchange routers)
//!          + equipment_overhead_ms
//! rtt_p95_ms = rtt_ms × (1 + p95_route_margin) + p95_jitter_ms
//! ```
//!
//! `from` is the data-centre end and `to` the city end. Cables with an `rfs_year` after
//! `in_service_year` are absent.
//!
//! by Dijkstra over per-edge times (a landing's overhead is split over its two path edges).
//!
//! # The floor
//! Every edge is at least the geodesic distance between its ends, route factors and
//! `cable_slack` are at least 1 and the overheads are ≥ 0 ([`LatencyModel::build`] rejects
//! other values), so by the triangle inequality every RTT is at least
//! `floor_ms = 2 × fibre_ms_per_km × gc_km(from, to)`; the P95 is at least the median.

use crate::data::{
    in_bbox, Dataset, LandingStation, LonLat, PointOfPresence, AUSTRALIA_BBOX, JAPAN_BBOX,
};
use crate::error::{Error, Result};
use crate::scenario::LatencyParams;
use crate::spatial::geodesy::distance_km;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub mod backhaul;
pub mod calibrate;
pub mod domains;
pub mod graph;
pub mod resilience;
pub mod sovereignty;

pub use backhaul::BackhaulRoute;
pub use calibrate::{
    calibrate, CalibrationGrid, CalibrationResult, ClassPercentile, GroupFit, Observation,
    PairGroup, Residual, RouteClass,
};
pub use domains::{DomainKind, FailureDomain};
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
    /// Modelled median round-trip time, ms.
    pub rtt_ms: f64,
    /// Modelled planning (P95) round-trip time, ms.
    pub rtt_p95_ms: f64,
    /// Physical floor: great-circle distance in fibre, round trip, no overhead, ms.
    pub floor_ms: f64,
    /// Propagation part of `rtt_ms` (fibre km × 2 × fibre_ms_per_km), ms.
    pub propagation_ms: f64,
    /// Overhead part of `rtt_ms` (endpoints, landings, constant), ms.
    pub overhead_ms: f64,
    /// Landing station ids along the path, origin side first (empty for a terrestrial route).
    pub landings: Vec<String>,
    /// PoP ids along the path.
    pub pops: Vec<String>,
    /// Every graph node (PoPs and landings) along the path.
    pub nodes: Vec<String>,
    /// Cable system ids used, in order (empty for a terrestrial route).
    pub cables: Vec<String>,
    /// Cable ids of the path with at least one estimated segment length.
    pub estimated_cables: Vec<String>,
    /// Countries and territories the path is in, in order (the ends' countries included).
    pub jurisdictions: Vec<String>,
    /// Terrestrial great-circle km from the origin to the first node (or to the destination).
    pub terrestrial_origin_km: f64,
    /// Fibre km of the graph legs (cables with slack, terrestrial legs × route factor).
    pub cable_km: f64,
    /// Terrestrial great-circle km from the last node to the destination.
    pub terrestrial_dest_km: f64,
    /// The legs between consecutive nodes, in order.
    pub legs: Vec<PathLeg>,
    /// Great-circle km between the two places.
    pub great_circle_km: f64,
}

/// One leg of a path between two graph nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathLeg {
    /// Node id (landing or PoP) where the leg starts.
    pub from: String,
    /// Node id where the leg ends.
    pub to: String,
    /// Cable id, or `None` for a terrestrial leg.
    pub cable: Option<String>,
    /// `cable`, `metro`, `backhaul` (gateway PoP – landing) or `backbone` (PoP – PoP).
    pub kind: String,
    /// Fibre km of the leg (cable: slack applied; terrestrial: × route factor).
    pub km: f64,
    /// The leg's length is an estimate (no published length or drawn route).
    pub estimated: bool,
}

/// A path's round trip split into the quantities the fitted terms multiply (calibration):
/// `rtt_ms = 2 × fibre_ms_per_km × (rf_AU × au_km + rf_JP × jp_km + cable_slack × cable_km)
/// + other_ms + 2 × endpoint_overhead_ms + equipment_overhead_ms
/// + landing_overhead_ms × landings + pop_overhead_ms × pops`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PathTerms {
    /// Terrestrial great-circle km in Australia (access legs, metro, backhaul, backbone).
    pub au_km: f64,
    /// Terrestrial great-circle km in Japan.
    pub jp_km: f64,
    /// Round-trip propagation of terrestrial legs in other countries (their route factor is
    /// not fitted), ms.
    pub other_ms: f64,
    /// Submarine km before `cable_slack`.
    pub cable_km: f64,
    /// Landing stations on the path.
    pub landings: f64,
    /// Points of presence on the path.
    pub pops: f64,
}

/// RTTs from every site to every city, ms: `rtt_ms[site][city]` (infinite = no route).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RttMatrix {
    /// Median, `rtt_ms[site][city]`.
    pub rtt_ms: Vec<Vec<f64>>,
    /// Planning P95, `rtt_p95_ms[site][city]`.
    pub rtt_p95_ms: Vec<Vec<f64>>,
}

impl RttMatrix {
    /// The matrix of the statistic the limits apply to.
    pub fn limit_matrix(&self, params: &LatencyParams) -> &Vec<Vec<f64>> {
        match params.limit_statistic {
            crate::scenario::RttStatistic::P50 => &self.rtt_ms,
            crate::scenario::RttStatistic::P95 => &self.rtt_p95_ms,
        }
    }
}

/// One edge of the latency graph, for listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// Node id (landing or PoP) at one end.
    pub from: String,
    /// Node id at the other end.
    pub to: String,
    /// Cable id, `None` for a terrestrial edge.
    pub cable: Option<String>,
    /// `cable`, `metro`, `backhaul` or `backbone`.
    pub kind: String,
    /// Fibre km as used by the model (slack or route factor applied).
    pub km: f64,
    /// Where the length comes from (see [`graph::RawEdge::source`]; `terrestrial` otherwise).
    pub source: String,
    /// The length is an estimate ([`graph::is_estimated`]).
    pub estimated: bool,
}

#[derive(Debug, Clone, Copy)]
struct Adj {
    to: usize,
    ms: f64,
    edge: usize,
}

/// The latency model: the graph and its parameters.
#[derive(Debug, Clone)]
pub struct LatencyModel {
    params: LatencyParams,
    landings: Vec<LandingStation>,
    pops: Vec<PointOfPresence>,
    /// Lower-cased country per landing (all landings, for deciding a place's country).
    country: Vec<String>,
    /// Node ids: landings then PoPs.
    node_id: Vec<String>,
    /// Country name per node (as spelled in the data).
    node_country: Vec<String>,
    /// Node present (not in an avoided country).
    active: Vec<bool>,
    cable_names: BTreeMap<String, String>,
    edges: Vec<GraphEdge>,
    edge_ms: Vec<f64>,
    /// Endpoints of each edge.
    edge_ends: Vec<(usize, usize)>,
    adj: Vec<Vec<Adj>>,
    /// Active PoP nodes per lower-cased country.
    pops_by_country: BTreeMap<String, Vec<usize>>,
    /// Landing nodes where capacity is bought directly.
    capacity: Vec<usize>,
}

/// Where a place attaches to the graph.
#[derive(Debug, Clone)]
struct Attach {
    country: Option<String>,
    /// Country as spelled in the data.
    country_name: String,
    /// Route factor of the place's country.
    rf: f64,
    /// (node, terrestrial great-circle km).
    nodes: Vec<(usize, f64)>,
    /// A direct terrestrial route to a place of the same country is allowed (no PoPs).
    direct: bool,
}

impl Attach {
    fn none() -> Attach {
        Attach {
            country: None,
            country_name: String::new(),
            rf: 1.0,
            nodes: Vec::new(),
            direct: false,
        }
    }
}

/// Checks `raw` was derived from a dataset of `n` landings (its indices are in range).
fn check_graph_matches(raw: &RawGraph, n: usize) -> Result<()> {
    if raw.rfs_year.len() != raw.cables.len()
        || raw
            .edges
            .iter()
            .any(|e| e.a >= n || e.b >= n || e.cable >= raw.cables.len())
        || raw.metro.iter().any(|&(a, b, _)| a >= n || b >= n)
    {
        return Err(Error::Internal(
            "latency graph derived from a different dataset".into(),
        ));
    }
    Ok(())
}

/// The cables removed by `params`, by index of `raw.cables`: cut, excluded, not allowed (when
/// a list of allowed cables is given) or not yet in service. Unknown ids are an error.
fn removed_cables(raw: &RawGraph, params: &LatencyParams) -> Result<Vec<bool>> {
    let ids: Vec<&str> = raw.cables.iter().map(|c| c.0.as_str()).collect();
    let find = |field: &str, id: &str| -> Result<usize> {
        ids.iter()
            .position(|k| k.eq_ignore_ascii_case(id.trim()))
            .ok_or_else(|| graph::unknown_cable_in(field, id, &ids))
    };
    let mut removed = vec![false; raw.cables.len()];
    for id in &params.cut_cables {
        removed[find("--cut-cable / latency.cut_cables", id)?] = true;
    }
    for id in &params.excluded_cables {
        removed[find("latency.excluded_cables", id)?] = true;
    }
    if !params.allowed_cables.is_empty() {
        let mut allowed = vec![false; raw.cables.len()];
        for id in &params.allowed_cables {
            allowed[find("latency.allowed_cables", id)?] = true;
        }
        for (r, a) in removed.iter_mut().zip(&allowed) {
            *r |= !a;
        }
    }
    if let Some(year) = params.in_service_year {
        for (r, rfs) in removed.iter_mut().zip(&raw.rfs_year) {
            *r |= rfs.is_some_and(|y| y > year);
        }
    }
    Ok(removed)
}

/// Checks every country of `latency.avoid_transit` has a landing or PoP (`node_country`).
fn check_avoid_transit(params: &LatencyParams, node_country: &[String]) -> Result<()> {
    if params.avoid_transit.is_empty() {
        return Ok(());
    }
    let known: BTreeSet<String> = node_country.iter().map(|c| lower(c)).collect();
    if let Some(c) = params
        .avoid_transit
        .iter()
        .find(|c| !known.contains(&lower(c)))
    {
        return Err(graph::unknown_country(
            "latency.avoid_transit",
            c,
            node_country,
        ));
    }
    Ok(())
}

/// The indices in `landings` of `latency.capacity_landings`; an unknown id is an error.
fn capacity_landings(params: &LatencyParams, landings: &[LandingStation]) -> Result<Vec<usize>> {
    let mut capacity = Vec::new();
    for id in &params.capacity_landings {
        match landings
            .iter()
            .position(|l| l.id.eq_ignore_ascii_case(id.trim()))
        {
            Some(i) => capacity.push(i),
            None => {
                let lids: Vec<&str> = landings.iter().map(|l| l.id.as_str()).collect();
                let close = close_matches(id, &lids, 5);
                return Err(Error::usage(
                    format!("latency.capacity_landings: unknown landing id `{id}`"),
                    if close.is_empty() {
                        "use landing ids of the landing layer (e.g. `maroochydore-qld-australia`)"
                            .to_string()
                    } else {
                        format!("did you mean {}?", close.join(", "))
                    },
                ));
            }
        }
    }
    Ok(capacity)
}

/// The two ends of a route found by [`LatencyModel::rtt`]: where each place attaches, their
/// great-circle distance and the route's total ms without the fixed overheads.
struct RouteEnds<'a> {
    /// The origin's attachment.
    a: &'a Attach,
    /// The destination's attachment.
    b: &'a Attach,
    /// Great-circle km between the places.
    gc: f64,
    /// Route ms without the fixed overheads.
    total: f64,
}

/// Appends country `c` to `js` unless empty or the same as the last one.
fn push_jurisdiction(c: &str, js: &mut Vec<String>) {
    if !c.is_empty() && js.last().map(String::as_str) != Some(c) {
        js.push(c.to_string());
    }
}

/// The cables of `legs` in order (consecutive repeats once), and those with an estimated
/// length (each once).
fn cables_of(legs: &[PathLeg]) -> (Vec<String>, Vec<String>) {
    let mut cables: Vec<String> = Vec::new();
    let mut estimated_cables: Vec<String> = Vec::new();
    for l in legs {
        if let Some(c) = &l.cable {
            if cables.last() != Some(c) {
                cables.push(c.clone());
            }
            if l.estimated && !estimated_cables.contains(c) {
                estimated_cables.push(c.clone());
            }
        }
    }
    (cables, estimated_cables)
}

fn lower(s: &str) -> String {
    s.trim().to_lowercase()
}

impl LatencyModel {
    /// Builds the graph from a dataset; cut and excluded cables (unknown ids are an error)
    /// removed.
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
        check_params(params, dataset)?;
        let n = dataset.landings.len();
        check_graph_matches(raw, n)?;
        let mut removed = removed_cables(raw, params)?;
        sovereignty::remove_by_owner(dataset, raw, params, &mut removed)?;
        let landings = dataset.landings.clone();
        let pops = dataset.pops.clone();
        let country: Vec<String> = landings.iter().map(|l| lower(&l.country)).collect();
        let mut node_id: Vec<String> = landings.iter().map(|l| l.id.clone()).collect();
        node_id.extend(pops.iter().map(|p| p.id.clone()));
        let mut node_country: Vec<String> = landings.iter().map(|l| l.country.clone()).collect();
        node_country.extend(pops.iter().map(|p| p.country.clone()));
        let avoid = sovereignty::avoided_countries(params, &node_country)?;
        let active: Vec<bool> = node_country
            .iter()
            .map(|c| !avoid.contains(&lower(c)))
            .collect();
        check_avoid_transit(params, &node_country)?;
        let capacity = capacity_landings(params, &landings)?;
        let mut m = LatencyModel {
            params: params.clone(),
            landings,
            pops,
            country,
            node_id,
            node_country,
            active,
            cable_names: raw
                .cables
                .iter()
                .map(|(id, name, _)| (id.clone(), name.clone()))
                .collect(),
            edges: Vec::new(),
            edge_ms: Vec::new(),
            edge_ends: Vec::new(),
            adj: Vec::new(),
            pops_by_country: BTreeMap::new(),
            capacity,
        };
        m.add_raw_edges(raw, &removed);
        m.pops_by_country = m.add_pop_edges();
        m.rebuild_adj(None);
        Ok(m)
    }

    /// Adds edge `e` between nodes `a` and `b` unless either end is in an avoided country;
    /// its delay is the fibre's round trip plus half of each end's overhead.
    fn push_edge(&mut self, a: usize, b: usize, e: GraphEdge) {
        if !(self.active[a] && self.active[b]) {
            return;
        }
        let n = self.landings.len();
        let f = self.params.fibre_ms_per_km;
        let lo = self.params.landing_overhead_ms;
        let po = self.params.pop_overhead_ms;
        let ms = 2.0 * f * e.km + node_half_ms(a, n, lo, po) + node_half_ms(b, n, lo, po);
        self.edges.push(e);
        self.edge_ms.push(ms);
        self.edge_ends.push((a, b));
    }

    /// Adds the derived cable edges (except `removed` cables, and planned ones unless
    /// included), then the metro links between landings.
    fn add_raw_edges(&mut self, raw: &RawGraph, removed: &[bool]) {
        for e in &raw.edges {
            let (cid, _, planned) = &raw.cables[e.cable];
            if removed[e.cable] || (*planned && !self.params.include_planned) {
                continue;
            }
            let ge = GraphEdge {
                from: self.node_id[e.a].clone(),
                to: self.node_id[e.b].clone(),
                cable: Some(cid.clone()),
                kind: "cable".into(),
                km: e.km * self.params.cable_slack,
                source: e.source.clone(),
                estimated: graph::is_estimated(&e.source),
            };
            self.push_edge(e.a, e.b, ge);
        }
        for &(a, b, d) in &raw.metro {
            let ge = GraphEdge {
                from: self.node_id[a].clone(),
                to: self.node_id[b].clone(),
                cable: None,
                kind: "metro".into(),
                km: d * self.params.route_factor_for(&self.node_country[a]),
                source: "terrestrial".into(),
                estimated: false,
            };
            self.push_edge(a, b, ge);
        }
    }

    /// A terrestrial edge of `kind` from PoP `pu` to node `to` over `km`.
    fn terrestrial_edge(pu: &PointOfPresence, to: &str, kind: &str, km: f64) -> GraphEdge {
        GraphEdge {
            from: pu.id.clone(),
            to: to.to_string(),
            cable: None,
            kind: kind.into(),
            km,
            source: "terrestrial".into(),
            estimated: false,
        }
    }

    /// Adds the PoP edges: backhaul from gateways (or every PoP of a country without one) to
    /// the country's landings, and backbone between a country's PoPs. Returns the active PoP
    /// nodes by lower-case country.
    fn add_pop_edges(&mut self) -> BTreeMap<String, Vec<usize>> {
        let n = self.landings.len();
        let mut by_country: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for k in 0..self.pops.len() {
            if self.active[n + k] {
                by_country
                    .entry(lower(&self.pops[k].country))
                    .or_default()
                    .push(n + k);
            }
        }
        for (c, nodes) in &by_country {
            let any_gateway = nodes.iter().any(|&v| self.pops[v - n].gateway);
            for (x, &u) in nodes.iter().enumerate() {
                let pu = self.pops[u - n].clone();
                let rf = self.params.route_factor_for(&pu.country);
                if pu.gateway || !any_gateway {
                    self.add_backhaul(u, &pu, rf, c);
                }
                for &v in &nodes[x + 1..] {
                    let pv = self.pops[v - n].clone();
                    let km = rf * distance_km(pu.location, pv.location);
                    let ge = Self::terrestrial_edge(&pu, &pv.id, "backbone", km);
                    self.push_edge(u, v, ge);
                }
            }
        }
        by_country
    }

    /// Adds backhaul edges from PoP node `u` (`pu`, route factor `rf`) to every active landing
    /// of lower-case country `c`.
    fn add_backhaul(&mut self, u: usize, pu: &PointOfPresence, rf: f64, c: &str) {
        for l in 0..self.landings.len() {
            if self.active[l] && self.country[l] == c {
                let km = rf * distance_km(pu.location, self.landings[l].location);
                let ge = Self::terrestrial_edge(pu, &self.node_id[l], "backhaul", km);
                self.push_edge(u, l, ge);
            }
        }
    }

    fn rebuild_adj(&mut self, without_cable: Option<&str>) {
        let mut adj = vec![Vec::new(); self.node_id.len()];
        for (i, e) in self.edges.iter().enumerate() {
            if without_cable.is_some() && e.cable.as_deref() == without_cable {
                continue;
            }
            let (a, b) = self.edge_ends[i];
            let ms = self.edge_ms[i];
            adj[a].push(Adj { to: b, ms, edge: i });
            adj[b].push(Adj { to: a, ms, edge: i });
        }
        self.adj = adj;
    }

    /// The same model with one more cable system removed (a cut), without re-deriving the
    /// graph. An unknown id leaves the graph unchanged.
    pub fn without_cable(&self, cable_id: &str) -> LatencyModel {
        let mut m = self.clone();
        m.edges.retain(|e| e.cable.as_deref() != Some(cable_id));
        let keep: Vec<bool> = self
            .edges
            .iter()
            .map(|e| e.cable.as_deref() != Some(cable_id))
            .collect();
        m.edge_ms = self
            .edge_ms
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| *v)
            .collect();
        m.edge_ends = self
            .edge_ends
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| *v)
            .collect();
        m.params.cut_cables.push(cable_id.to_string());
        m.rebuild_adj(None);
        m
    }

    /// The parameters the model was built with.
    pub fn params(&self) -> &LatencyParams {
        &self.params
    }

    /// The landing stations, in dataset order.
    pub fn landings(&self) -> &[LandingStation] {
        &self.landings
    }

    /// The points of presence, in dataset order.
    pub fn pops(&self) -> &[PointOfPresence] {
        &self.pops
    }

    /// The graph's edges (cut, excluded and planned cables and avoided countries absent).
    pub fn edges(&self) -> &[GraphEdge] {
        &self.edges
    }

    /// A cable's name by id, if the dataset has it.
    pub fn cable_name(&self, id: &str) -> Option<&str> {
        self.cable_names.get(id).map(String::as_str)
    }

    /// A node's (landing's or PoP's) display name by id.
    pub fn node_name(&self, id: &str) -> Option<&str> {
        self.landings
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.name.as_str())
            .or_else(|| {
                self.pops
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| p.name.as_str())
            })
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
        if !(p.lon.is_finite() && p.lat.is_finite()) {
            return Attach::none();
        }
        let Some(ci) = self.country_index(p) else {
            return Attach::none();
        };
        let c = self.country[ci].clone();
        let country_name = self.landings[ci].country.clone();
        let rf = self.params.route_factor_for(&country_name);
        let n = self.landings.len();
        if let Some(pops) = self.pops_by_country.get(&c) {
            let near = pops
                .iter()
                .map(|&v| (v, distance_km(p, self.pops[v - n].location)))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let mut nodes: Vec<(usize, f64)> = near.into_iter().collect();
            for &l in &self.capacity {
                if self.active[l] && self.country[l] == c {
                    nodes.push((l, distance_km(p, self.landings[l].location)));
                }
            }
            return Attach {
                country: Some(c),
                country_name,
                rf,
                nodes,
                direct: false,
            };
        }
        let home = c == "australia" || c == "japan";
        let nodes: Vec<(usize, f64)> = (0..n)
            .filter(|&i| self.active[i] && self.country[i] == c)
            .map(|i| (i, distance_km(p, self.landings[i].location)))
            .filter(|&(i, d)| home || i == ci || d <= FOREIGN_ATTACH_MAX_KM)
            .collect();
        Attach {
            country: Some(c),
            country_name,
            rf,
            nodes,
            direct: true,
        }
    }

    /// Whether a direct terrestrial route between two attached places may exist: `Some(limit_km)`
    /// when they are in the same country and that country has no PoPs (infinite in Australia
    /// and Japan, [`FOREIGN_ATTACH_MAX_KM`] elsewhere).
    fn terrestrial_limit(&self, a: &Attach, b: &Attach) -> Option<f64> {
        match (&a.country, &b.country) {
            (Some(x), Some(y)) if x == y && a.direct && b.direct => {
                Some(if x == "australia" || x == "japan" {
                    f64::INFINITY
                } else {
                    FOREIGN_ATTACH_MAX_KM
                })
            }
            _ => None,
        }
    }

    /// Time of an access leg (place ↔ node), ms.
    fn access_ms(&self, a: &Attach, node: usize, km: f64) -> f64 {
        let p = &self.params;
        2.0 * p.fibre_ms_per_km * a.rf * km
            + node_half_ms(
                node,
                self.landings.len(),
                p.landing_overhead_ms,
                p.pop_overhead_ms,
            )
    }

    /// The data-centre end, the city end and any further constant, ms.
    fn fixed_ms(&self) -> f64 {
        let p = &self.params;
        p.endpoint_overhead_ms + p.city_endpoint_overhead_ms + p.equipment_overhead_ms
    }

    /// The fastest route between two places and its RTTs, or `None` if no route exists
    /// (or a coordinate is not finite).
    pub fn rtt(&self, from: LonLat, to: LonLat) -> Option<RttPath> {
        if ![from.lon, from.lat, to.lon, to.lat]
            .iter()
            .all(|v| v.is_finite())
        {
            return None;
        }
        let gc = distance_km(from, to);
        let a = self.attach(from);
        let b = self.attach(to);
        let (total, end, pred) = self.best_route(&a, &b, gc)?;
        let mut jurisdictions: Vec<String> = Vec::new();
        push_jurisdiction(&a.country_name, &mut jurisdictions);
        let ends = RouteEnds {
            a: &a,
            b: &b,
            gc,
            total,
        };
        let Some((end, dest_km)) = end else {
            push_jurisdiction(&b.country_name, &mut jurisdictions);
            return Some(self.direct_path(&ends, jurisdictions));
        };
        Some(self.routed_path(&ends, &pred, end, dest_km, jurisdictions))
    }

    /// The best route from `a` to `b` (`gc` km apart): its total ms without the fixed
    /// overheads, its destination (node, km), `None` for a direct terrestrial route, and the
    /// shortest-path predecessors. `None` if no route exists.
    #[allow(clippy::type_complexity)]
    fn best_route(
        &self,
        a: &Attach,
        b: &Attach,
        gc: f64,
    ) -> Option<(f64, Option<(usize, f64)>, Vec<Option<(usize, usize)>>)> {
        let p = &self.params;
        let mut best: Option<(f64, Option<(usize, f64)>)> = None;
        if self.terrestrial_limit(a, b).is_some_and(|lim| gc <= lim) {
            best = Some((2.0 * p.fibre_ms_per_km * a.rf * gc, None));
        }
        let sources: Vec<(usize, f64)> = a
            .nodes
            .iter()
            .map(|&(i, d)| (i, self.access_ms(a, i, d)))
            .collect();
        let (dist, pred) = self.dijkstra(&sources);
        for &(j, d) in &b.nodes {
            let total = dist[j] + self.access_ms(b, j, d);
            if total.is_finite() && best.is_none_or(|(bt, _)| total < bt) {
                best = Some((total, Some((j, d))));
            }
        }
        let (total, end) = best?;
        Some((total, end, pred))
    }

    /// The path of a direct terrestrial route (no landing or PoP).
    fn direct_path(&self, ends: &RouteEnds, jurisdictions: Vec<String>) -> RttPath {
        let p = &self.params;
        let rtt_ms = ends.total + self.fixed_ms();
        RttPath {
            rtt_ms,
            rtt_p95_ms: p.p95_of(rtt_ms),
            floor_ms: 2.0 * p.fibre_ms_per_km * ends.gc,
            propagation_ms: ends.total,
            overhead_ms: self.fixed_ms(),
            landings: Vec::new(),
            pops: Vec::new(),
            nodes: Vec::new(),
            cables: Vec::new(),
            estimated_cables: Vec::new(),
            jurisdictions,
            terrestrial_origin_km: ends.gc,
            cable_km: 0.0,
            terrestrial_dest_km: 0.0,
            legs: Vec::new(),
            great_circle_km: ends.gc,
        }
    }

    /// The nodes and legs of the shortest path ending at `end`, walked back along `pred`,
    /// origin first.
    fn walk_back(&self, pred: &[Option<(usize, usize)>], end: usize) -> (Vec<usize>, Vec<PathLeg>) {
        let mut nodes = vec![end];
        let mut legs = Vec::new();
        let mut cur = end;
        while let Some((prev, edge)) = pred[cur] {
            let e = &self.edges[edge];
            legs.push(PathLeg {
                from: self.node_id[prev].clone(),
                to: self.node_id[cur].clone(),
                cable: e.cable.clone(),
                kind: e.kind.clone(),
                km: e.km,
                estimated: e.estimated,
            });
            nodes.push(prev);
            cur = prev;
        }
        nodes.reverse();
        legs.reverse();
        (nodes, legs)
    }

    /// The path through the graph ending at node `end`, `dest_km` from the destination.
    fn routed_path(
        &self,
        ends: &RouteEnds,
        pred: &[Option<(usize, usize)>],
        end: usize,
        dest_km: f64,
        mut jurisdictions: Vec<String>,
    ) -> RttPath {
        let p = &self.params;
        let (a, b) = (ends.a, ends.b);
        let rtt_ms = ends.total + self.fixed_ms();
        let (nodes, legs) = self.walk_back(pred, end);
        let start = nodes[0];
        let origin_km = a
            .nodes
            .iter()
            .find(|(i, _)| *i == start)
            .map_or(0.0, |&(_, d)| d);
        let cable_km: f64 = legs.iter().map(|l| l.km).sum();
        let (cables, estimated_cables) = cables_of(&legs);
        for &v in &nodes {
            push_jurisdiction(&self.node_country[v], &mut jurisdictions);
        }
        push_jurisdiction(&b.country_name, &mut jurisdictions);
        let n = self.landings.len();
        let n_landings = nodes.iter().filter(|&&v| v < n).count();
        let ids = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
            nodes
                .iter()
                .filter(|&&v| keep(v))
                .map(|&v| self.node_id[v].clone())
                .collect()
        };
        RttPath {
            rtt_ms,
            rtt_p95_ms: p.p95_of(rtt_ms),
            floor_ms: 2.0 * p.fibre_ms_per_km * ends.gc,
            propagation_ms: 2.0
                * p.fibre_ms_per_km
                * (a.rf * origin_km + cable_km + b.rf * dest_km),
            overhead_ms: self.fixed_ms()
                + p.landing_overhead_ms * n_landings as f64
                + p.pop_overhead_ms * (nodes.len() - n_landings) as f64,
            landings: ids(&|v| v < n),
            pops: ids(&|v| v >= n),
            nodes: ids(&|_| true),
            cables,
            estimated_cables,
            jurisdictions,
            terrestrial_origin_km: origin_km,
            cable_km,
            terrestrial_dest_km: dest_km,
            legs,
            great_circle_km: ends.gc,
        }
    }

    /// The terms of a route found by [`LatencyModel::rtt`] between `from` and `to` (see
    /// [`PathTerms`]); with this model's parameters they reproduce `path.rtt_ms`.
    pub fn path_terms(&self, path: &RttPath, from: LonLat, to: LonLat) -> PathTerms {
        let p = &self.params;
        let mut t = PathTerms {
            au_km: 0.0,
            jp_km: 0.0,
            other_ms: 0.0,
            cable_km: 0.0,
            landings: path.landings.len() as f64,
            pops: path.pops.len() as f64,
        };
        let add = |country: &str, km: f64, t: &mut PathTerms| match lower(country).as_str() {
            "australia" => t.au_km += km,
            "japan" => t.jp_km += km,
            _ => t.other_ms += 2.0 * p.fibre_ms_per_km * p.route_factor_for(country) * km,
        };
        let (a, b) = (self.attach(from), self.attach(to));
        add(&a.country_name, path.terrestrial_origin_km, &mut t);
        add(&b.country_name, path.terrestrial_dest_km, &mut t);
        for leg in &path.legs {
            if leg.cable.is_some() {
                t.cable_km += leg.km / p.cable_slack;
                continue;
            }
            let country = self
                .node_id
                .iter()
                .position(|id| *id == leg.from)
                .map_or("", |i| self.node_country[i].as_str());
            add(country, leg.km / p.route_factor_for(country), &mut t);
        }
        t
    }

    /// The route between a site and a city with its path (the same as [`LatencyModel::rtt`]).
    pub fn route(&self, site: LonLat, city: LonLat) -> Option<RttPath> {
        self.rtt(site, city)
    }

    /// RTT from every site to every city (fast path for the optimiser).
    ///
    /// For each node a site attaches to (a handful of PoPs), one Dijkstra gives the best path
    /// plus destination leg to every city; each (site, city) is then the minimum over the
    /// site's attachments: O(sites × cities × attachments), parallel over sites,
    /// deterministic. Equal to [`LatencyModel::rtt`] up to floating-point rounding.
    pub fn rtt_matrix(&self, sites: &[LonLat], cities: &[LonLat]) -> RttMatrix {
        let city_att: Vec<Attach> = cities.iter().map(|c| self.attach(*c)).collect();
        let site_att: Vec<Attach> = sites.par_iter().map(|s| self.attach(*s)).collect();
        self.matrix_from(sites, cities, &site_att, &city_att)
    }

    /// [`LatencyModel::rtt_matrix`] with the attachments already computed (they do not depend
    /// on the cables, so a cut model reuses them).
    fn matrix_from(
        &self,
        sites: &[LonLat],
        cities: &[LonLat],
        site_att: &[Attach],
        city_att: &[Attach],
    ) -> RttMatrix {
        let origins = origin_nodes(site_att);
        let best: Vec<Vec<f64>> = origins
            .par_iter()
            .map(|&o| {
                let (dist, _) = self.dijkstra(&[(o, 0.0)]);
                city_att
                    .iter()
                    .map(|ca| {
                        ca.nodes
                            .iter()
                            .map(|&(j, d)| dist[j] + self.access_ms(ca, j, d))
                            .fold(f64::INFINITY, f64::min)
                    })
                    .collect()
            })
            .collect();
        let mut row_of = vec![usize::MAX; self.node_id.len()];
        for (r, &o) in origins.iter().enumerate() {
            row_of[o] = r;
        }
        let fixed = self.fixed_ms();
        let f = self.params.fibre_ms_per_km;
        let rtt_ms: Vec<Vec<f64>> = sites
            .par_iter()
            .zip(site_att.par_iter())
            .map(|(s, sa)| {
                cities
                    .iter()
                    .zip(city_att)
                    .enumerate()
                    .map(|(ci, (c, ca))| {
                        let mut ms = f64::INFINITY;
                        if let Some(lim) = self.terrestrial_limit(sa, ca) {
                            let gc = distance_km(*s, *c);
                            if gc <= lim {
                                ms = 2.0 * f * sa.rf * gc;
                            }
                        }
                        for &(i, d) in &sa.nodes {
                            let t = self.access_ms(sa, i, d) + best[row_of[i]][ci];
                            if t < ms {
                                ms = t;
                            }
                        }
                        if ms.is_finite() {
                            ms + fixed
                        } else {
                            f64::INFINITY
                        }
                    })
                    .collect()
            })
            .collect();
        let rtt_p95_ms = rtt_ms
            .iter()
            .map(|row| row.iter().map(|&v| self.params.p95_of(v)).collect())
            .collect();
        RttMatrix { rtt_ms, rtt_p95_ms }
    }

    /// The cable systems on the fastest route of some (site, city) pair (the route
    /// [`LatencyModel::rtt_matrix`] times): the only cables whose cut can change an RTT there.
    /// Sorted.
    pub fn cables_on_paths(&self, sites: &[LonLat], cities: &[LonLat]) -> Vec<String> {
        let city_att: Vec<Attach> = cities.iter().map(|c| self.attach(*c)).collect();
        let site_att: Vec<Attach> = sites.par_iter().map(|s| self.attach(*s)).collect();
        self.on_paths((sites, cities), &site_att, &city_att)
            .cables
            .into_iter()
            .collect()
    }

    /// N−1 over cable systems: for every cable on some site→city fastest path
    /// ([`LatencyModel::cables_on_paths`]), the RTT matrix with that cable cut. One graph
    /// rebuild and a few Dijkstras per cable (not per site–city pair); parallel over cables,
    /// deterministic (sorted by cable id). [`LatencyModel::domain_matrices`] adds landing
    /// stations and shared transit hubs.
    pub fn cut_matrices(&self, sites: &[LonLat], cities: &[LonLat]) -> Vec<(String, RttMatrix)> {
        let city_att: Vec<Attach> = cities.iter().map(|c| self.attach(*c)).collect();
        let site_att: Vec<Attach> = sites.par_iter().map(|s| self.attach(*s)).collect();
        let cables: Vec<String> = self
            .on_paths((sites, cities), &site_att, &city_att)
            .cables
            .into_iter()
            .collect();
        cables
            .par_iter()
            .map(|c| {
                let m = self
                    .without_cable(c)
                    .matrix_from(sites, cities, &site_att, &city_att);
                (c.clone(), m)
            })
            .collect()
    }

    /// Multi-source Dijkstra over per-edge times: distances (ms) and predecessors
    /// (previous node, edge index).
    #[allow(clippy::type_complexity)]
    fn dijkstra(&self, sources: &[(usize, f64)]) -> (Vec<f64>, Vec<Option<(usize, usize)>>) {
        crate::spatial::shortest_path::dijkstra_by(
            self.node_id.len(),
            |u| self.adj[u].iter().map(|a| (a.to, a.ms, a.edge)),
            sources,
        )
    }
}

/// Every key of `route_factor_by_country` must be a country of the dataset's landings or PoPs
/// (case-insensitive, as [`LatencyParams::route_factor_for`] looks them up): a misspelt country
/// would silently get the default route factor. The default keys (Australia, Japan) are
/// exempt, so a small test dataset without one of them still takes the default scenario.
fn check_countries(p: &LatencyParams, ds: &Dataset) -> Result<()> {
    let defaults = LatencyParams::default().route_factor_by_country;
    let known: BTreeSet<&str> = ds
        .landings
        .iter()
        .map(|l| l.country.trim())
        .chain(ds.pops.iter().map(|p| p.country.trim()))
        .collect();
    for k in p.route_factor_by_country.keys() {
        if !defaults.contains_key(k) && !known.iter().any(|c| c.eq_ignore_ascii_case(k.trim())) {
            let list: Vec<&str> = known.iter().copied().collect();
            return Err(Error::usage(
                format!(
                    "latency.route_factor_by_country.{k}: no such country in the dataset's landings or PoPs; the countries are {}",
                    list.join(", ")
                ),
                "spell the country as the dataset's landings.csv does (e.g. Australia, Japan)",
            ));
        }
    }
    Ok(())
}

impl LatencyModel {
    /// The node at which the fastest path from a Dijkstra's origin (`dist`) reaches a city
    /// attached by `ca`, with the time to the city (ties: the lower node index); `None` when no
    /// attachment node is reached.
    fn city_end(&self, dist: &[f64], ca: &Attach) -> Option<(usize, f64)> {
        ca.nodes
            .iter()
            .map(|&(j, d)| (j, dist[j] + self.access_ms(ca, j, d)))
            .filter(|(_, t)| t.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}

/// The graph nodes the sites attach to, sorted and distinct (one Dijkstra each).
fn origin_nodes(site_att: &[Attach]) -> Vec<usize> {
    let mut origins: Vec<usize> = site_att
        .iter()
        .flat_map(|a| a.nodes.iter().map(|&(i, _)| i))
        .collect();
    origins.sort_unstable();
    origins.dedup();
    origins
}

fn check_params(p: &LatencyParams, ds: &Dataset) -> Result<()> {
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
    for (k, v) in &p.route_factor_by_country {
        if !(v.is_finite() && *v >= 1.0) {
            return Err(bad(
                &format!("route_factor_by_country.{k}"),
                "a number ≥ 1",
                *v,
            ));
        }
    }
    check_countries(p, ds)?;
    if !(p.cable_slack.is_finite() && p.cable_slack >= 1.0) {
        return Err(bad("cable_slack", "a number ≥ 1", p.cable_slack));
    }
    for (name, v) in [
        ("equipment_overhead_ms", p.equipment_overhead_ms),
        ("endpoint_overhead_ms", p.endpoint_overhead_ms),
        ("landing_overhead_ms", p.landing_overhead_ms),
        ("pop_overhead_ms", p.pop_overhead_ms),
        ("city_endpoint_overhead_ms", p.city_endpoint_overhead_ms),
        ("p95_route_margin", p.p95_route_margin),
        ("p95_jitter_ms", p.p95_jitter_ms),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(name, "a number ≥ 0", v));
        }
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

/// Half of a node's round-trip overhead, ms: a path pays it on each of the two legs at the
/// node (or on the access leg where the path starts or ends), so a node on the path costs
/// its whole overhead once. Nodes `< n_landings` are landings, the others PoPs.
fn node_half_ms(node: usize, n_landings: usize, landing_ms: f64, pop_ms: f64) -> f64 {
    0.5 * if node < n_landings {
        landing_ms
    } else {
        pop_ms
    }
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

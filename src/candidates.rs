//! Candidate sites and their attributes (model.md §3).
//!
//! A candidate is a place a data centre could be built:
//! * every operational substation of at least [`CandidateParams::min_voltage_kv`] inside or
//!   within [`CandidateParams::rez_radius_km`] of a renewable-energy zone ([`CandidateKind::RezSubstation`]);
//! * every operational substation of at least [`CandidateParams::backbone_voltage_kv`]
//!   anywhere ([`CandidateKind::Backbone`]);
//! * every cluster of existing Australian data centres ([`CandidateKind::Brownfield`]):
//!   data centres closer than [`CandidateParams::datacentre_cluster_km`] to one another are
//!   joined (single linkage); the cluster's candidate sits at its member nearest the
//!   cluster's centroid (ties: lowest id).
//!
//! Each candidate's attributes come from R-tree queries ([`Indexes`]) decided in geodesic km;
//! they are computed in parallel (rayon, collected in input order) and the output is sorted
//! by id, so the same input always gives the same output.
//!
//! For benchmarks and finer siting, [`densify`] lays synthetic points every N km inside the
//! zones and along the high-voltage lines, and [`attributes_for_points`] gives any points the
//! same attributes ([`CandidateKind::Synthetic`]).

use crate::data::{state_code, Dataset, LonLat, RenewableZone};
use crate::error::{Error, Issues, Location, Result};
use crate::scenario::{CandidateParams, CostParams, HeadroomClass};
use crate::spatial::geodesy::distance_km;
use crate::spatial::Indexes;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why a place is a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateKind {
    /// A substation inside or near a renewable-energy zone.
    RezSubstation,
    /// A high-voltage (backbone) substation away from any zone.
    Backbone,
    /// A cluster of existing data centres.
    Brownfield,
    /// A synthetic point (from [`densify`] or a user's grid).
    Synthetic,
}

impl CandidateKind {
    /// The kebab-case label used in JSON, CSV and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::RezSubstation => "rez-substation",
            CandidateKind::Backbone => "backbone",
            CandidateKind::Brownfield => "brownfield",
            CandidateKind::Synthetic => "synthetic",
        }
    }
}

impl std::fmt::Display for CandidateKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A candidate site with its attributes. Distances are geodesic km.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Unique id: `sub:<substation id>`, `dc:<representative data-centre id>`, or the id given
    /// to [`attributes_for_points`].
    pub id: String,
    /// Display name.
    pub name: String,
    /// Why it is a candidate.
    pub kind: CandidateKind,
    /// Position.
    pub location: LonLat,
    /// State code (`NSW`, …): the substation's or data centre's, else the nearest
    /// substation's; empty if unknown.
    pub state: String,
    /// Market region id (`NSW1`, …) from the state, else from the zone; `None` if unknown.
    pub region_id: Option<String>,
    /// True if `price_aud_per_mwh` and `mean_temp_c` come from the region's profile; false if
    /// they are the [`CostParams`] defaults (the cost model then uses its own defaults).
    pub region_known: bool,
    /// The substation the site connects to: itself for substation candidates, else the
    /// nearest operational substation of at least `min_voltage_kv`.
    pub substation_id: Option<String>,
    /// That substation's name.
    pub substation_name: Option<String>,
    /// Distance to that substation, km (0 for substation candidates).
    pub substation_km: Option<f64>,
    /// That substation's voltage, kV.
    pub substation_kv: Option<f64>,
    /// The zone that powers the site: one containing it, else the nearest within
    /// `rez_radius_km` (ties: lowest index); `None` if no zone is that close.
    pub zone_id: Option<String>,
    /// That zone's name.
    pub zone_name: Option<String>,
    /// Distance to that zone, km (0 inside).
    pub zone_km: Option<f64>,
    /// The nearest Australian landing station.
    pub landing_id: Option<String>,
    /// Its name.
    pub landing_name: Option<String>,
    /// Distance to it, km.
    pub landing_km: Option<f64>,
    /// Fibre km of the terrestrial backhaul the site's traffic uses: along its fastest route
    /// to its nearest-RTT demand city, from the site to the landing where the route goes
    /// submarine ([`crate::latency::LatencyModel::backhaul_routes`]); set by
    /// [`generate_routed`] / [`set_backhaul`], `None` before or without such a route (the cost
    /// model then uses `landing_km`).
    #[serde(default)]
    pub backhaul_km: Option<f64>,
    /// The landing station where that route goes submarine.
    #[serde(default)]
    pub backhaul_landing_id: Option<String>,
    /// Number of critical-mineral sites within `mineral_radius_km`.
    pub minerals_within: usize,
    /// The nearest critical-mineral site.
    pub nearest_mineral_id: Option<String>,
    /// Its name.
    pub nearest_mineral_name: Option<String>,
    /// Distance to it, km.
    pub nearest_mineral_km: Option<f64>,
    /// Distance to the nearest operational line of at least `min_voltage_kv`, km (`None` when
    /// the dataset has no such line).
    pub line_km: Option<f64>,
    /// Regional wholesale electricity price, AUD per MWh.
    pub price_aud_per_mwh: f64,
    /// Regional mean temperature, °C.
    pub mean_temp_c: f64,
    /// Grid headroom: the largest site the substation can supply, MW (0 without substation).
    pub max_mw: f64,
    /// Where `max_mw` comes from: `spare_mw`, `voltage class <kV> kV`, or `no substation`.
    pub max_mw_source: String,
    /// Ids of the candidates merged into this one as one campus ([`merge_campuses`]), sorted;
    /// empty when it stands alone.
    #[serde(default)]
    pub merged_ids: Vec<String>,
}

/// A place to evaluate: what [`generate`] and [`attributes_for_points`] feed the attribute
/// computation.
#[derive(Debug, Clone)]
struct Seed {
    id: String,
    name: String,
    kind: CandidateKind,
    location: LonLat,
    /// The substation the site is (index into `ds.substations`).
    substation: Option<usize>,
    /// A known state code (empty = derive).
    state: String,
}

/// Checks candidate parameters; every problem is listed.
pub fn validate_params(params: &CandidateParams) -> Result<()> {
    let mut issues = Issues::new();
    let at = |field: &str| Location::file("scenario").record("candidates").field(field);
    for (field, v) in [
        ("min_voltage_kv", params.min_voltage_kv),
        ("rez_radius_km", params.rez_radius_km),
        ("backbone_voltage_kv", params.backbone_voltage_kv),
        ("mineral_radius_km", params.mineral_radius_km),
        ("datacentre_cluster_km", params.datacentre_cluster_km),
        ("campus_merge_km", params.campus_merge_km),
    ] {
        if !v.is_finite() || v < 0.0 {
            issues.push(
                at(field),
                "a finite number ≥ 0",
                v.to_string(),
                "set it in the scenario's [candidates] table",
            );
        }
    }
    for (i, h) in params.headroom.iter().enumerate() {
        if !h.min_voltage_kv.is_finite() || h.min_voltage_kv < 0.0 {
            issues.push(
                at(&format!("headroom[{i}].min_voltage_kv")),
                "a finite voltage ≥ 0 kV",
                h.min_voltage_kv.to_string(),
                "",
            );
        }
        if !h.max_mw.is_finite() || h.max_mw < 0.0 {
            issues.push(
                at(&format!("headroom[{i}].max_mw")),
                "a finite capacity ≥ 0 MW",
                h.max_mw.to_string(),
                "",
            );
        }
    }
    issues.into_result(())
}

/// Headroom of a substation of `voltage_kv` without a known `spare_mw`: the class with the
/// highest `min_voltage_kv ≤ voltage_kv` in `table`, or 0 below every class.
pub fn headroom_mw(table: &[HeadroomClass], voltage_kv: f64) -> Option<(f64, f64)> {
    table
        .iter()
        .filter(|h| h.min_voltage_kv <= voltage_kv)
        .max_by(|a, b| a.min_voltage_kv.total_cmp(&b.min_voltage_kv))
        .map(|h| (h.min_voltage_kv, h.max_mw))
}

fn is_australia(country: &str) -> bool {
    let c = country.trim();
    c.eq_ignore_ascii_case("australia") || c.eq_ignore_ascii_case("au")
}

/// Generates every candidate of `ds` (see the module docs), with attributes, sorted by id.
/// With [`CandidateParams::densify_km`] set, the [`densify`] points are added as
/// [`CandidateKind::Synthetic`] candidates (same attributes, same region filter).
///
/// # Errors
/// Invalid parameters, or a `regions` entry that is neither a state code nor a region id of
/// the dataset.
pub fn generate(ds: &Dataset, params: &CandidateParams) -> Result<Vec<Candidate>> {
    validate_params(params)?;
    let filter = RegionFilter::new(ds, &params.regions)?;
    let idx = Indexes::build(ds);

    let mut seeds: Vec<Seed> = ds
        .substations
        .par_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            if !s.operational || s.voltage_kv < params.min_voltage_kv {
                return None;
            }
            let near_zone = !idx
                .zones
                .within_km(s.location, params.rez_radius_km)
                .is_empty();
            let kind = if near_zone {
                CandidateKind::RezSubstation
            } else if s.voltage_kv >= params.backbone_voltage_kv {
                CandidateKind::Backbone
            } else {
                return None;
            };
            Some(Seed {
                id: format!("sub:{}", s.id),
                name: s.name.clone(),
                kind,
                location: s.location,
                substation: Some(i),
                state: s.state.clone(),
            })
        })
        .collect();
    // Backbone substations below min_voltage_kv (a backbone threshold set lower).
    for (i, s) in ds.substations.iter().enumerate() {
        if s.operational
            && s.voltage_kv >= params.backbone_voltage_kv
            && s.voltage_kv < params.min_voltage_kv
        {
            seeds.push(Seed {
                id: format!("sub:{}", s.id),
                name: s.name.clone(),
                kind: CandidateKind::Backbone,
                location: s.location,
                substation: Some(i),
                state: s.state.clone(),
            });
        }
    }
    if params.include_existing_datacentres {
        seeds.extend(datacentre_clusters(ds, &idx, params.datacentre_cluster_km));
    }
    seeds.sort_by(|a, b| a.id.cmp(&b.id));
    seeds.dedup_by(|later, first| later.id == first.id);

    let defaults = CostParams::default();
    let mut out: Vec<Candidate> = seeds
        .par_iter()
        .map(|s| attributes(ds, &idx, s, params, &defaults))
        .collect();
    if let Some(spacing_km) = params.densify_km {
        // Synthetic ids (`grid:…`, `line:…`) never collide with `sub:`/`dc:` ids; the merge
        // below still keeps the first of any duplicate so ids stay unique whatever the input.
        let points = densify(ds, spacing_km, params)?;
        out.extend(attributes_for_points(ds, &idx, &points, params));
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|later, first| later.id == first.id);
    }
    out.retain(|c| filter.keeps(c));
    Ok(merge_campuses(out, params.campus_merge_km))
}

/// [`generate`], then each candidate's backhaul along its route ([`set_backhaul`]) to the
/// demand's cities: the candidates the pipeline prices.
///
/// # Errors
/// As [`generate`].
pub fn generate_routed(
    ds: &Dataset,
    params: &CandidateParams,
    latency: &crate::latency::LatencyModel,
    demand: &crate::data::Demand,
) -> Result<Vec<Candidate>> {
    let mut out = generate(ds, params)?;
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    set_backhaul(&mut out, latency, &cities);
    Ok(out)
}

/// Sets [`Candidate::backhaul_km`] and [`Candidate::backhaul_landing_id`] from the
/// terrestrial part of each candidate's fastest route to its nearest-RTT city in `cities`
/// ([`crate::latency::LatencyModel::backhaul_routes`]); `None` where there is no such route.
pub fn set_backhaul(
    cands: &mut [Candidate],
    latency: &crate::latency::LatencyModel,
    cities: &[LonLat],
) {
    let sites: Vec<LonLat> = cands.iter().map(|c| c.location).collect();
    let routes = latency.backhaul_routes(&sites, cities);
    for (c, r) in cands.iter_mut().zip(routes) {
        c.backhaul_km = r.as_ref().map(|r| r.km);
        c.backhaul_landing_id = r.map(|r| r.landing_id);
    }
}

/// Merges candidates closer than `merge_km` (geodesic) into campuses: one fire, flood or
/// substation fault takes out every building of a campus, so they count as one site.
///
/// Leader clustering, not single linkage: the candidates are taken in priority order (highest
/// connection voltage [`Candidate::substation_kv`] first, then the larger headroom
/// [`Candidate::max_mw`], then the smaller id); each one not yet merged keeps its record and
/// absorbs every unmerged candidate closer than `merge_km` to it (found with an R-tree). So
/// every merged record lies within `merge_km` of the record kept, the kept records are pairwise
/// at least `merge_km` apart, and a chain of points (a densified line) is not folded into one
/// campus. The kept record lists the others' ids in [`Candidate::merged_ids`] (sorted, with any
/// it had already merged). The output is sorted by id; `merge_km` ≤ 0 (or not finite)
/// returns the input unchanged. Deterministic: the same candidates give the same campuses.
pub fn merge_campuses(mut cands: Vec<Candidate>, merge_km: f64) -> Vec<Candidate> {
    if !(merge_km.is_finite() && merge_km > 0.0) || cands.len() < 2 {
        return cands;
    }
    let index = crate::spatial::PointIndex::new(cands.iter().map(|c| c.location).collect());
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| campus_priority(&cands[a], &cands[b]));
    let mut absorbed_by: Vec<Option<usize>> = vec![None; cands.len()];
    let mut leader = vec![false; cands.len()];
    for &i in &order {
        if absorbed_by[i].is_some() {
            continue;
        }
        leader[i] = true;
        for (j, km) in index.within_km_where(cands[i].location, merge_km, |j| j != i) {
            if km < merge_km && absorbed_by[j].is_none() && !leader[j] {
                absorbed_by[j] = Some(i);
            }
        }
    }
    let mut merged: Vec<Vec<String>> = vec![Vec::new(); cands.len()];
    for (j, by) in absorbed_by.iter().enumerate() {
        if let Some(i) = *by {
            merged[i].push(cands[j].id.clone());
            merged[i].extend(cands[j].merged_ids.iter().cloned());
        }
    }
    for (c, mut m) in cands.iter_mut().zip(merged) {
        if !m.is_empty() {
            m.append(&mut c.merged_ids);
            m.sort();
            m.dedup();
            c.merged_ids = m;
        }
    }
    let mut keep = leader.into_iter();
    cands.retain(|_| keep.next().unwrap_or(false));
    cands.sort_by(|a, b| a.id.cmp(&b.id));
    cands
}

/// Campus priority: higher connection voltage first (unknown last), then larger headroom,
/// then smaller id.
fn campus_priority(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    let kv = |c: &Candidate| c.substation_kv.filter(|v| v.is_finite()).unwrap_or(-1.0);
    let mw = |c: &Candidate| if c.max_mw.is_finite() { c.max_mw } else { -1.0 };
    kv(b)
        .total_cmp(&kv(a))
        .then(mw(b).total_cmp(&mw(a)))
        .then_with(|| a.id.cmp(&b.id))
}

/// Attributes for arbitrary points (e.g. from [`densify`]), as [`CandidateKind::Synthetic`]
/// candidates in input order. `idx` must have been built from `ds`. No region filter is
/// applied (use [`retain_regions`]).
pub fn attributes_for_points(
    ds: &Dataset,
    idx: &Indexes,
    points: &[(String, LonLat)],
    params: &CandidateParams,
) -> Vec<Candidate> {
    let defaults = CostParams::default();
    points
        .par_iter()
        .map(|(id, p)| {
            let seed = Seed {
                id: id.clone(),
                name: id.clone(),
                kind: CandidateKind::Synthetic,
                location: *p,
                substation: None,
                state: String::new(),
            };
            attributes(ds, idx, &seed, params, &defaults)
        })
        .collect()
}

/// Keeps only candidates in `regions` (state codes or region ids; empty keeps all).
///
/// # Errors
/// A `regions` entry that is neither a state code nor a region id of the dataset.
pub fn retain_regions(
    ds: &Dataset,
    candidates: &mut Vec<Candidate>,
    regions: &[String],
) -> Result<()> {
    let filter = RegionFilter::new(ds, regions)?;
    candidates.retain(|c| filter.keeps(c));
    Ok(())
}

/// The zone a candidate is powered by, looked up in `ds`.
pub fn zone_of<'a>(ds: &'a Dataset, c: &Candidate) -> Option<&'a RenewableZone> {
    let id = c.zone_id.as_deref()?;
    ds.zones.iter().find(|z| z.id == id)
}

/// Synthetic points every `spacing_km` inside each zone (a lat/lon grid with that spacing,
/// ids `grid:<zone id>:<row>:<col>`) and along each operational line of at least
/// `params.min_voltage_kv` (every `spacing_km` of geodesic length from its first vertex, ids
/// `line:<line id>:<k>`), sorted by id. Feed them to [`attributes_for_points`].
///
/// # Errors
/// `spacing_km` outside [1, 1000] km, or more than [`crate::limits::MAX_DENSIFY_POINTS`] points
/// or [`crate::limits::MAX_DENSIFY_CELLS`] grid cells to test.
pub fn densify(
    ds: &Dataset,
    spacing_km: f64,
    params: &CandidateParams,
) -> Result<Vec<(String, LonLat)>> {
    use crate::limits::{MAX_DENSIFY_CELLS, MAX_DENSIFY_KM, MAX_DENSIFY_POINTS, MIN_DENSIFY_KM};
    if !(MIN_DENSIFY_KM..=MAX_DENSIFY_KM).contains(&spacing_km) {
        return Err(Error::usage(
            format!("densify spacing must be km in [{MIN_DENSIFY_KM}, {MAX_DENSIFY_KM}], found {spacing_km}"),
            "use e.g. 10 (km); 5 km already gives ~100,000 candidates",
        ));
    }
    let too_many = |what: String| {
        Error::usage(
            format!("densify_km = {spacing_km} km: {what}"),
            format!(
                "at most {MAX_DENSIFY_POINTS} points and {MAX_DENSIFY_CELLS:e} grid cells: use a larger spacing"
            ),
        )
    };
    // Bound the work before doing it: the grid cells tested over all zone envelopes.
    let mut cells = 0.0;
    for z in &ds.zones {
        let env = match &z.polygon {
            Some(ring) if ring.len() >= 3 => crate::spatial::geodesy::bbox(ring),
            _ => crate::spatial::geodesy::envelope_km(z.centre, z.radius_km.max(0.0)),
        };
        let rows = ((env[3] - env[1]) * 111.2 / spacing_km).ceil().max(1.0);
        // The loop below narrows columns by cos(lat) per row; the widest row bounds them all.
        let cos_min = env[1].abs().max(env[3].abs()).to_radians().cos().max(1e-6);
        let cols = ((env[2] - env[0]) * 111.2 / (spacing_km * cos_min))
            .ceil()
            .max(1.0);
        cells += rows * cols;
    }
    if cells.is_nan() || cells > MAX_DENSIFY_CELLS {
        return Err(too_many(format!("{cells:.0} grid cells to test")));
    }
    let idx = crate::spatial::ZoneIndex::new(&ds.zones);
    let mut out: Vec<(String, LonLat)> = Vec::new();
    const KM_PER_DEG_LAT: f64 = 111.2;
    for (zi, z) in ds.zones.iter().enumerate() {
        let env = match &z.polygon {
            Some(ring) if ring.len() >= 3 => crate::spatial::geodesy::bbox(ring),
            _ => crate::spatial::geodesy::envelope_km(z.centre, z.radius_km.max(0.0)),
        };
        let dlat = spacing_km / KM_PER_DEG_LAT;
        let rows = ((env[3] - env[1]) / dlat).ceil().max(1.0) as usize;
        for r in 0..rows {
            let lat = env[1] + (r as f64 + 0.5) * dlat;
            let dlon = spacing_km / (KM_PER_DEG_LAT * lat.to_radians().cos().max(1e-6));
            let cols = ((env[2] - env[0]) / dlon).ceil().max(1.0) as usize;
            for c in 0..cols {
                let p = LonLat::new(env[0] + (c as f64 + 0.5) * dlon, lat);
                if idx.contains(zi, p) {
                    if out.len() >= MAX_DENSIFY_POINTS {
                        return Err(too_many(format!("more than {MAX_DENSIFY_POINTS} points")));
                    }
                    out.push((format!("grid:{}:{r:05}:{c:05}", z.id), p));
                }
            }
        }
    }
    for l in &ds.lines {
        if !l.operational || l.voltage_kv < params.min_voltage_kv || l.path.is_empty() {
            continue;
        }
        let mut k = 0usize;
        // Distance along the line at which the next point falls.
        let mut next_km = 0.0;
        let mut walked_km = 0.0;
        for w in l.path.windows(2) {
            let seg_km = distance_km(w[0], w[1]);
            while next_km <= walked_km + seg_km {
                let t = if seg_km > 0.0 {
                    (next_km - walked_km) / seg_km
                } else {
                    0.0
                };
                let p = LonLat::new(
                    w[0].lon + t * (w[1].lon - w[0].lon),
                    w[0].lat + t * (w[1].lat - w[0].lat),
                );
                if out.len() >= MAX_DENSIFY_POINTS {
                    return Err(too_many(format!("more than {MAX_DENSIFY_POINTS} points")));
                }
                out.push((format!("line:{}:{k:06}", l.id), p));
                k += 1;
                next_km += spacing_km;
            }
            walked_km += seg_km;
        }
        if l.path.len() == 1 {
            out.push((format!("line:{}:{k:06}", l.id), l.path[0]));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

/// Existing Australian data centres joined into clusters (single linkage within
/// `cluster_km`), one seed per cluster at the member nearest the cluster's centroid.
fn datacentre_clusters(ds: &Dataset, idx: &Indexes, cluster_km: f64) -> Vec<Seed> {
    let au: Vec<bool> = ds
        .datacentres
        .iter()
        .map(|d| is_australia(&d.country))
        .collect();
    let n = ds.datacentres.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in (0..n).filter(|&i| au[i]) {
        for (j, _) in idx
            .datacentres
            .within_km_where(ds.datacentres[i].location, cluster_km, |j| au[j] && j != i)
        {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut clusters: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in (0..n).filter(|&i| au[i]) {
        let root = find(&mut parent, i);
        clusters.entry(root).or_default().push(i);
    }
    clusters
        .into_values()
        .filter_map(|members| {
            let k = members.len() as f64;
            let centroid = LonLat::new(
                members
                    .iter()
                    .map(|&m| ds.datacentres[m].location.lon)
                    .sum::<f64>()
                    / k,
                members
                    .iter()
                    .map(|&m| ds.datacentres[m].location.lat)
                    .sum::<f64>()
                    / k,
            );
            let rep = members.iter().copied().min_by(|&a, &b| {
                let (da, db) = (
                    distance_km(centroid, ds.datacentres[a].location),
                    distance_km(centroid, ds.datacentres[b].location),
                );
                da.total_cmp(&db)
                    .then_with(|| ds.datacentres[a].id.cmp(&ds.datacentres[b].id))
            })?;
            let d = &ds.datacentres[rep];
            let name = if members.len() == 1 {
                d.name.clone()
            } else {
                format!("{} cluster ({} data centres)", d.name, members.len())
            };
            Some(Seed {
                id: format!("dc:{}", d.id),
                name,
                kind: CandidateKind::Brownfield,
                location: d.location,
                substation: None,
                state: state_code(&d.state),
            })
        })
        .collect()
}

fn attributes(
    ds: &Dataset,
    idx: &Indexes,
    seed: &Seed,
    params: &CandidateParams,
    defaults: &CostParams,
) -> Candidate {
    let p = seed.location;
    let substation = match seed.substation {
        Some(i) => Some((i, distance_km(p, ds.substations[i].location))),
        None => idx.substations.nearest_where(p, |i| {
            let s = &ds.substations[i];
            s.operational && s.voltage_kv >= params.min_voltage_kv
        }),
    };
    let zone = idx
        .zones
        .within_km(p, params.rez_radius_km)
        .into_iter()
        .next();
    let landing = idx
        .landings
        .nearest_where(p, |i| is_australia(&ds.landings[i].country));
    let critical = |i: usize| ds.minerals[i].is_critical();
    let minerals_within = idx
        .minerals
        .count_within_km_where(p, params.mineral_radius_km, critical);
    let mineral = idx.minerals.nearest_where(p, critical);
    let line_km = idx
        .lines
        .nearest_line_km(p, params.min_voltage_kv)
        .map(|(_, km)| km);

    let (state, region, region_id) = state_and_region(ds, idx, seed, substation, zone);
    let (max_mw, max_mw_source) = size_limit(ds, params, substation);
    let sub = substation.map(|(i, km)| (&ds.substations[i], km));
    let zn = zone.map(|(i, km)| (&ds.zones[i], km));
    let ld = landing.map(|(i, km)| (&ds.landings[i], km));
    let mn = mineral.map(|(i, km)| (&ds.minerals[i], km));
    Candidate {
        id: seed.id.clone(),
        name: seed.name.clone(),
        kind: seed.kind,
        location: p,
        state,
        region_id,
        region_known: region.is_some(),
        substation_id: sub.map(|(s, _)| s.id.clone()),
        substation_name: sub.map(|(s, _)| s.name.clone()),
        substation_km: sub.map(|(_, km)| km),
        substation_kv: sub.map(|(s, _)| s.voltage_kv),
        zone_id: zn.map(|(z, _)| z.id.clone()),
        zone_name: zn.map(|(z, _)| z.name.clone()),
        zone_km: zn.map(|(_, km)| km),
        landing_id: ld.map(|(l, _)| l.id.clone()),
        landing_name: ld.map(|(l, _)| l.name.clone()),
        landing_km: ld.map(|(_, km)| km),
        backhaul_km: None,
        backhaul_landing_id: None,
        minerals_within,
        nearest_mineral_id: mn.map(|(m, _)| m.id.clone()),
        nearest_mineral_name: mn.map(|(m, _)| m.name.clone()),
        nearest_mineral_km: mn.map(|(_, km)| km),
        line_km,
        price_aud_per_mwh: region
            .map_or(defaults.default_price_aud_per_mwh, |r| r.price_aud_per_mwh),
        mean_temp_c: region.map_or(defaults.default_temp_c, |r| r.mean_temp_c),
        max_mw,
        max_mw_source,
        merged_ids: Vec::new(),
    }
}

/// The site's state (from its seed, else the nearest substation that has one), its NEM
/// region (from the state, else its REZ's region) and the region id.
fn state_and_region<'d>(
    ds: &'d Dataset,
    idx: &Indexes,
    seed: &Seed,
    substation: Option<(usize, f64)>,
    zone: Option<(usize, f64)>,
) -> (
    String,
    Option<&'d crate::data::RegionProfile>,
    Option<String>,
) {
    let p = seed.location;
    let mut state = state_code(&seed.state);
    if state.is_empty() {
        let nearest_any = match substation {
            Some((i, _)) if !ds.substations[i].state.is_empty() => Some(i),
            _ => idx
                .substations
                .nearest_where(p, |i| !ds.substations[i].state.is_empty())
                .map(|(i, _)| i),
        };
        if let Some(i) = nearest_any {
            state = state_code(&ds.substations[i].state);
        }
    }
    let region = if state.is_empty() {
        None
    } else {
        ds.region_for_state(&state)
    }
    .or_else(|| {
        let z = &ds.zones[zone?.0];
        ds.regions
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(&z.region))
    });
    let region_id = region.map(|r| r.id.clone()).or_else(|| {
        zone.map(|(zi, _)| ds.zones[zi].region.clone())
            .filter(|r| !r.is_empty())
    });

    (state, region, region_id)
}

/// The largest size the site's substation allows, MW, and where that figure comes from.
fn size_limit(
    ds: &Dataset,
    params: &CandidateParams,
    substation: Option<(usize, f64)>,
) -> (f64, String) {
    match substation {
        Some((i, _)) => {
            let s = &ds.substations[i];
            match s.spare_mw {
                Some(mw) => (mw, "spare_mw".to_string()),
                None => match headroom_mw(&params.headroom, s.voltage_kv) {
                    Some((class_kv, mw)) => (mw, format!("voltage class {class_kv} kV")),
                    None => (
                        0.0,
                        format!("below every voltage class ({} kV)", s.voltage_kv),
                    ),
                },
            }
        }
        None => (0.0, "no substation".to_string()),
    }
}

/// The resolved `regions` restriction: state codes and region ids.
struct RegionFilter {
    all: bool,
    states: BTreeSet<String>,
    region_ids: BTreeSet<String>,
}

impl RegionFilter {
    fn new(ds: &Dataset, regions: &[String]) -> Result<RegionFilter> {
        let mut f = RegionFilter {
            all: regions.is_empty(),
            states: BTreeSet::new(),
            region_ids: BTreeSet::new(),
        };
        let mut issues = Issues::new();
        for (i, r) in regions.iter().enumerate() {
            if let Some(profile) = ds
                .regions
                .iter()
                .find(|p| p.id.eq_ignore_ascii_case(r.trim()))
            {
                f.region_ids.insert(profile.id.to_ascii_uppercase());
                f.states.extend(
                    profile
                        .states
                        .iter()
                        .map(|s| state_code(s))
                        .filter(|s| !s.is_empty()),
                );
                continue;
            }
            let code = state_code(r);
            if code.is_empty() {
                let known: Vec<&str> = ds.regions.iter().map(|p| p.id.as_str()).collect();
                issues.push(
                    Location::file("scenario").record(format!("candidates.regions[{i}]")).field("regions"),
                    "a state code (NSW, QLD, VIC, SA, TAS, WA, NT, ACT) or a region id of the dataset",
                    format!("{r:?}"),
                    format!("known region ids: {}", known.join(", ")),
                );
            } else {
                f.states.insert(code);
            }
        }
        issues.into_result(f)
    }

    fn keeps(&self, c: &Candidate) -> bool {
        self.all
            || self.states.contains(&c.state)
            || c.region_id
                .as_ref()
                .is_some_and(|r| self.region_ids.contains(&r.to_ascii_uppercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{LandingStation, RegionProfile, Substation, TransmissionLine};

    fn sub(id: &str, lon: f64, lat: f64, kv: f64, state: &str) -> Substation {
        Substation {
            id: id.into(),
            name: format!("Substation {id}"),
            location: LonLat::new(lon, lat),
            voltage_kv: kv,
            state: state.into(),
            spare_mw: None,
            operational: true,
        }
    }

    /// One 30 km REZ disc near Dubbo (NSW), a 330 kV line through it, a NSW substation in it
    /// and a WA backbone substation; a Sydney landing; NSW and WA market regions.
    fn dataset() -> Dataset {
        Dataset {
            source: "<unit>".into(),
            zones: vec![RenewableZone {
                id: "N1".into(),
                name: "Zone N1".into(),
                region: "NSW1".into(),
                centre: LonLat::new(148.6, -32.25),
                radius_km: 30.0,
                polygon: None,
                network_limit_mw: Some(1000.0),
                expansion_cost_aud_per_mw: 300_000.0,
                expansion_cost_tranche2_aud_per_mw: None,
                tranche2_after_mw: None,
                solar_resource_mw: None,
                wind_resource_mw: None,
                solar_capacity_factor: None,
                wind_capacity_factor: None,
            }],
            substations: vec![
                sub("s-nsw", 148.62, -32.26, 132.0, "NSW"),
                sub("s-wa", 116.0, -31.9, 330.0, "WA"),
            ],
            lines: vec![TransmissionLine {
                id: "l1".into(),
                name: "A to B".into(),
                voltage_kv: 330.0,
                state: "NSW".into(),
                path: vec![LonLat::new(148.0, -32.5), LonLat::new(149.5, -32.0)],
                operational: true,
            }],
            minerals: vec![],
            landings: vec![LandingStation {
                id: "sydney".into(),
                name: "Sydney".into(),
                location: LonLat::new(151.25, -33.9),
                country: "Australia".into(),
            }],
            cables: vec![],
            datacentres: vec![],
            pops: vec![],
            regions: vec![
                RegionProfile {
                    id: "NSW1".into(),
                    name: "New South Wales".into(),
                    states: vec!["NSW".into()],
                    price_aud_per_mwh: 110.0,
                    mean_temp_c: 17.0,
                },
                RegionProfile {
                    id: "WEM".into(),
                    name: "Western Australia".into(),
                    states: vec!["WA".into()],
                    price_aud_per_mwh: 80.0,
                    mean_temp_c: 19.0,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn generate_adds_densified_points_when_asked() {
        let ds = dataset();
        let base = generate(&ds, &CandidateParams::default()).unwrap();
        let base_ids: Vec<&str> = base.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(base_ids, ["sub:s-nsw", "sub:s-wa"]);

        let params = CandidateParams {
            densify_km: Some(10.0),
            ..CandidateParams::default()
        };
        let dense = generate(&ds, &params).unwrap();
        // A 30 km disc holds about π·30²/10² ≈ 28 grid cells; the ~160 km line one point
        // every 10 km from its first vertex (17).
        let grid = dense
            .iter()
            .filter(|c| c.id.starts_with("grid:N1:"))
            .count();
        let line = dense
            .iter()
            .filter(|c| c.id.starts_with("line:l1:"))
            .count();
        assert!((20..=36).contains(&grid), "{grid}");
        let len = crate::spatial::geodesy::path_length_km(&ds.lines[0].path);
        assert_eq!(line, (len / 10.0).floor() as usize + 1);
        assert_eq!(dense.len(), 2 + grid + line);
        // Real candidates are unchanged, synthetic ones carry attributes.
        for b in &base {
            assert_eq!(dense.iter().find(|c| c.id == b.id), Some(b));
        }
        let synthetic: Vec<&Candidate> = dense
            .iter()
            .filter(|c| c.kind == CandidateKind::Synthetic)
            .collect();
        assert_eq!(synthetic.len(), grid + line);
        assert!(synthetic.iter().all(|c| c.state == "NSW"
            && c.region_id.as_deref() == Some("NSW1")
            && c.substation_id.as_deref() == Some("s-nsw")));
        // Sorted by id, ids unique, same output on a second run.
        assert!(dense.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(generate(&ds, &params).unwrap(), dense);
    }

    #[test]
    fn densified_points_obey_the_region_filter() {
        let ds = dataset();
        let wa = CandidateParams {
            densify_km: Some(10.0),
            regions: vec!["WA".into()],
            ..CandidateParams::default()
        };
        let ids: Vec<String> = generate(&ds, &wa)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, ["sub:s-wa"]);
        let nsw = CandidateParams {
            regions: vec!["NSW1".into()],
            ..wa
        };
        let c = generate(&ds, &nsw).unwrap();
        assert!(c.len() > 30 && c.iter().all(|c| c.id != "sub:s-wa"));
    }

    #[test]
    fn invalid_densify_spacing_is_an_error() {
        let ds = dataset();
        for bad in [0.0, -5.0, f64::NAN] {
            let params = CandidateParams {
                densify_km: Some(bad),
                ..CandidateParams::default()
            };
            assert!(generate(&ds, &params).is_err(), "{bad}");
        }
    }
}

//! Failure domains: what one event can take out of the latency graph, and the RTTs after.
//!
//! Three kinds, each a set of graph elements removed together:
//! - a **cable** system: every segment of that system (as [`LatencyModel::cut_matrices`]);
//! - a **landing** station: its node and every edge at it (cable segments landing there, metro
//!   links, backhaul from the PoPs); a site or city attached to it directly re-attaches
//!   elsewhere;
//! - a shared transit **hub**: a country or territory other than Australia and Japan (the
//!   dataset's landing `country`, the same names [`LatencyModel::country_of`] returns) whose
//!   landings two or more cable systems of the graph land at, e.g. Guam; every landing and PoP
//!   of that country or territory is removed with its edges. The rule is per country as the
//!   dataset spells it: a country with landings far apart (the United States: Hawaii and the
//!   mainland) is one hub.
//!
//! Only domains on some fastest path are listed: a cable used by a leg, a landing that is a
//! node, a hub one of whose landings is a node, of the fastest route of some (site, city) pair
//! (the one [`LatencyModel::rtt_matrix`] times). Removing anything else leaves every fastest
//! route intact, so no RTT can change (removing nodes or edges only lengthens the others).

use super::{Attach, LatencyModel, RttMatrix};
use crate::data::LonLat;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of failure domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainKind {
    /// A submarine cable system (every segment).
    Cable,
    /// A landing station (its node and every edge at it).
    Landing,
    /// A shared transit hub: every landing and PoP of one country or territory outside
    /// Australia and Japan where two or more cable systems land.
    Hub,
}

impl DomainKind {
    /// `cable`, `landing` or `hub` (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainKind::Cable => "cable",
            DomainKind::Landing => "landing",
            DomainKind::Hub => "hub",
        }
    }
}

impl std::fmt::Display for DomainKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failure domain of the latency graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FailureDomain {
    /// Its kind.
    pub kind: DomainKind,
    /// Cable system id, landing station id, or the hub's country/territory as the dataset
    /// spells it.
    pub id: String,
    /// Display name (cable or landing name; the country/territory for a hub).
    pub name: String,
}

/// The cables and nodes on fastest paths.
#[derive(Debug, Default)]
pub(super) struct OnPaths {
    /// Cable system ids used by some leg.
    pub cables: BTreeSet<String>,
    /// Graph nodes (landings and PoPs) on some path, its ends included.
    pub nodes: BTreeSet<usize>,
}

impl LatencyModel {
    /// Every failure domain on some site→city fastest path, with the RTT matrix after its
    /// loss; sorted by (kind, id); deterministic. See the module docs for the three kinds and
    /// the hub rule. One graph copy and a few Dijkstras per domain (parallel over domains).
    pub fn domain_matrices(
        &self,
        sites: &[LonLat],
        cities: &[LonLat],
    ) -> Vec<(FailureDomain, RttMatrix)> {
        let city_att: Vec<Attach> = cities.iter().map(|c| self.attach(*c)).collect();
        let site_att: Vec<Attach> = sites.par_iter().map(|s| self.attach(*s)).collect();
        let used = self.on_paths((sites, cities), &site_att, &city_att);
        self.domains_on(&used)
            .into_par_iter()
            .map(|(d, gone)| {
                let m = match d.kind {
                    DomainKind::Cable => self
                        .without_cable(&d.id)
                        .matrix_from(sites, cities, &site_att, &city_att),
                    // Attachments depend on which landings are present: recomputed.
                    _ => self.without_nodes(&gone).rtt_matrix(sites, cities),
                };
                (d, m)
            })
            .collect()
    }

    /// The domains of [`LatencyModel::domain_matrices`], sorted by (kind, id), each with the
    /// nodes it removes (empty for a cable).
    fn domains_on(&self, used: &OnPaths) -> Vec<(FailureDomain, Vec<bool>)> {
        let n = self.landings.len();
        let none = vec![false; self.node_id.len()];
        let mut out: Vec<(FailureDomain, Vec<bool>)> = Vec::new();
        for c in &used.cables {
            let name = self.cable_name(c).unwrap_or(c).to_string();
            out.push((
                FailureDomain {
                    kind: DomainKind::Cable,
                    id: c.clone(),
                    name,
                },
                none.clone(),
            ));
        }
        for &v in used.nodes.iter().filter(|&&v| v < n) {
            let mut gone = none.clone();
            gone[v] = true;
            let l = &self.landings[v];
            let d = FailureDomain {
                kind: DomainKind::Landing,
                id: l.id.clone(),
                name: l.name.clone(),
            };
            out.push((d, gone));
        }
        for (country, gone) in self.hubs_on(used) {
            let d = FailureDomain {
                kind: DomainKind::Hub,
                id: country.clone(),
                name: country,
            };
            out.push((d, gone));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The shared transit hubs with a landing on some path: (country as spelled in the data,
    /// nodes of that country), by lower-cased country.
    fn hubs_on(&self, used: &OnPaths) -> Vec<(String, Vec<bool>)> {
        let n = self.landings.len();
        // Cable systems landing in each foreign country (edges present in the graph).
        let mut systems: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
        for (e, &(a, b)) in self.edges.iter().zip(&self.edge_ends) {
            let Some(cable) = e.cable.as_deref() else {
                continue;
            };
            for v in [a, b].into_iter().filter(|&v| v < n) {
                systems
                    .entry(self.country[v].clone())
                    .or_default()
                    .insert(cable);
            }
        }
        let mut on_path: BTreeMap<String, String> = BTreeMap::new();
        for &v in used.nodes.iter().filter(|&&v| v < n) {
            let c = &self.country[v];
            if c != "australia" && c != "japan" && systems.get(c).is_some_and(|s| s.len() >= 2) {
                on_path.insert(c.clone(), self.landings[v].country.trim().to_string());
            }
        }
        on_path
            .into_iter()
            .map(|(c, name)| {
                let gone: Vec<bool> = self
                    .node_country
                    .iter()
                    .map(|nc| super::lower(nc) == c)
                    .collect();
                (name, gone)
            })
            .collect()
    }

    /// The cables and nodes on the fastest path of every (site, city) pair: the best of the
    /// site's attachment nodes (ties: the first attachment, as in
    /// [`LatencyModel::rtt_matrix`]) and, from it, the best city-end node (ties: the lower
    /// index). A pair whose fastest route is a direct terrestrial one adds nothing.
    pub(super) fn on_paths(
        &self,
        ends: (&[LonLat], &[LonLat]),
        site_att: &[Attach],
        city_att: &[Attach],
    ) -> OnPaths {
        let (sites, cities) = ends;
        let origins = super::origin_nodes(site_att);
        // Per origin and city: the time from the origin to the city and its path.
        let paths: Vec<Vec<(f64, OnPaths)>> = origins
            .par_iter()
            .map(|&o| self.paths_from(o, city_att))
            .collect();
        let mut row_of = vec![usize::MAX; self.node_id.len()];
        for (r, &o) in origins.iter().enumerate() {
            row_of[o] = r;
        }
        let mut all = OnPaths::default();
        for (s, sa) in sites.iter().zip(site_att) {
            for (ci, (c, ca)) in cities.iter().zip(city_att).enumerate() {
                let mut best: (f64, Option<usize>) = (f64::INFINITY, None);
                if let Some(lim) = self.terrestrial_limit(sa, ca) {
                    let gc = crate::spatial::geodesy::distance_km(*s, *c);
                    if gc <= lim {
                        best.0 = 2.0 * self.params.fibre_ms_per_km * sa.rf * gc;
                    }
                }
                for &(i, d) in &sa.nodes {
                    let t = self.access_ms(sa, i, d) + paths[row_of[i]][ci].0;
                    if t < best.0 {
                        best = (t, Some(row_of[i]));
                    }
                }
                if let Some(r) = best.1 {
                    let p = &paths[r][ci].1;
                    all.cables.extend(p.cables.iter().cloned());
                    all.nodes.extend(p.nodes.iter().copied());
                }
            }
        }
        all
    }

    /// From node `o`: per city, the time to it (infinite without a route) and the cables and
    /// nodes of the fastest path (ties at the city end: the lower node index).
    fn paths_from(&self, o: usize, city_att: &[Attach]) -> Vec<(f64, OnPaths)> {
        let (dist, pred) = self.dijkstra(&[(o, 0.0)]);
        city_att
            .iter()
            .map(|ca| {
                let mut out = OnPaths::default();
                let end = self.city_end(&dist, ca);
                let Some((mut cur, t)) = end else {
                    return (f64::INFINITY, out);
                };
                out.nodes.insert(cur);
                while let Some((prev, edge)) = pred[cur] {
                    if let Some(c) = &self.edges[edge].cable {
                        out.cables.insert(c.clone());
                    }
                    out.nodes.insert(prev);
                    cur = prev;
                }
                (t, out)
            })
            .collect()
    }

    /// The same model with the nodes marked in `gone` (and every edge at them) removed, as if
    /// in an avoided country.
    pub(super) fn without_nodes(&self, gone: &[bool]) -> LatencyModel {
        let is_gone = |v: usize| gone.get(v).copied().unwrap_or(false);
        let mut m = self.clone();
        for (v, a) in m.active.iter_mut().enumerate() {
            *a = *a && !is_gone(v);
        }
        let keep: Vec<bool> = self
            .edge_ends
            .iter()
            .map(|&(a, b)| !is_gone(a) && !is_gone(b))
            .collect();
        let kept = |i: &usize| keep[*i];
        let idx: Vec<usize> = (0..keep.len()).filter(kept).collect();
        m.edges = idx.iter().map(|&i| self.edges[i].clone()).collect();
        m.edge_ms = idx.iter().map(|&i| self.edge_ms[i]).collect();
        m.edge_ends = idx.iter().map(|&i| self.edge_ends[i]).collect();
        for nodes in m.pops_by_country.values_mut() {
            nodes.retain(|&v| !is_gone(v));
        }
        m.pops_by_country.retain(|_, nodes| !nodes.is_empty());
        m.capacity.retain(|&v| !is_gone(v));
        m.rebuild_adj(None);
        m
    }
}

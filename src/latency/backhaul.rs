//! The terrestrial backhaul a site's traffic actually uses: from the site to the landing where
//! its fastest route to its nearest demand city goes submarine.
//!
//! For each site the **nearest city** is the demand city with the smallest median RTT
//! ([`LatencyModel::rtt_matrix`]; ties: the first city). Along that fastest route the
//! **backhaul** is everything before the first submarine cable leg: the access leg from the site
//! to the node it attaches to (great circle × the country's route factor) and the terrestrial
//! legs (backbone between PoPs, backhaul PoP → landing, metro between landings; each already
//! × route factor) up to the landing where the first cable leg starts. Its length is fibre km,
//! the same km the latency model times. A site whose fastest route to every city is
//! terrestrial or absent has no backhaul route (`None`).

use super::{Attach, LatencyModel};
use crate::data::LonLat;
use rayon::prelude::*;

/// A site's backhaul along its route.
#[derive(Debug, Clone, PartialEq)]
pub struct BackhaulRoute {
    /// Fibre km from the site to the landing where the route goes submarine.
    pub km: f64,
    /// That landing station's id.
    pub landing_id: String,
    /// Index of the nearest-RTT city (the route's destination).
    pub city: usize,
}

/// From one origin node to one city: the time and the terrestrial km and first landing of the
/// fastest path (`None` for the latter without a cable leg).
type OriginLeg = (f64, Option<(f64, usize)>);

impl LatencyModel {
    /// Each site's backhaul route (see the module docs), in input order; deterministic.
    pub fn backhaul_routes(
        &self,
        sites: &[LonLat],
        cities: &[LonLat],
    ) -> Vec<Option<BackhaulRoute>> {
        let city_att: Vec<Attach> = cities.iter().map(|c| self.attach(*c)).collect();
        let site_att: Vec<Attach> = sites.par_iter().map(|s| self.attach(*s)).collect();
        let origins = super::origin_nodes(&site_att);
        let legs: Vec<Vec<OriginLeg>> = origins
            .par_iter()
            .map(|&o| self.first_landing_from(o, &city_att))
            .collect();
        let mut row_of = vec![usize::MAX; self.node_id.len()];
        for (r, &o) in origins.iter().enumerate() {
            row_of[o] = r;
        }
        sites
            .par_iter()
            .zip(site_att.par_iter())
            .map(|(s, sa)| {
                let mut best: (f64, Option<(usize, usize, f64)>) = (f64::INFINITY, None);
                for (ci, (c, ca)) in cities.iter().zip(&city_att).enumerate() {
                    if let Some(lim) = self.terrestrial_limit(sa, ca) {
                        let gc = crate::spatial::geodesy::distance_km(*s, *c);
                        let t = 2.0 * self.params.fibre_ms_per_km * sa.rf * gc;
                        if gc <= lim && t < best.0 {
                            best = (t, None);
                        }
                    }
                    for &(i, d) in &sa.nodes {
                        let t = self.access_ms(sa, i, d) + legs[row_of[i]][ci].0;
                        if t < best.0 {
                            best = (t, Some((row_of[i], ci, sa.rf * d)));
                        }
                    }
                }
                let (row, ci, access_km) = best.1?;
                let (km, landing) = legs[row][ci].1?;
                Some(BackhaulRoute {
                    km: access_km + km,
                    landing_id: self.node_id[landing].clone(),
                    city: ci,
                })
            })
            .collect()
    }

    /// From node `o`, per city: the time of the fastest path (ties at the city end: the lower
    /// node index) and, when it has a cable leg, the terrestrial fibre km before the first one
    /// and the landing it starts at.
    fn first_landing_from(&self, o: usize, city_att: &[Attach]) -> Vec<OriginLeg> {
        let (dist, pred) = self.dijkstra(&[(o, 0.0)]);
        city_att
            .iter()
            .map(|ca| {
                let end = self.city_end(&dist, ca);
                let Some((mut cur, t)) = end else {
                    return (f64::INFINITY, None);
                };
                // Walk back to the origin; the last cable leg seen is the first on the path.
                let mut path_km = 0.0;
                let mut first: Option<usize> = None;
                while let Some((prev, edge)) = pred[cur] {
                    let e = &self.edges[edge];
                    if e.cable.is_some() {
                        first = Some(prev);
                        path_km = 0.0;
                    } else if first.is_some() {
                        path_km += e.km;
                    }
                    cur = prev;
                }
                (t, first.map(|landing| (path_km, landing)))
            })
            .collect()
    }
}

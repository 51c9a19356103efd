//! Cable-cut resilience (N−1 over cable systems): which sites still reach a city within its
//! limit when one cable system is lost.
//!
//! Only the cables on some site→city fastest path can change an RTT when cut (cutting any
//! other cable leaves every fastest path intact), so the graph is cut and re-timed once per
//! such cable ([`LatencyModel::cut_matrices`]), not once per (site, city) pair.

use super::LatencyModel;
use crate::data::LonLat;

/// The sites that keep a city within its limit when one cable system is cut.
#[derive(Debug, Clone, PartialEq)]
pub struct CutCover {
    /// City index.
    pub city: usize,
    /// The cable system cut.
    pub cable: String,
    /// Sites (indices into the `sites` given) within the city's limit with the cable cut.
    pub sites: Vec<usize>,
    /// The best site and its RTT (limit statistic) with the cable cut, if any route is left.
    pub best: Option<(usize, f64)>,
}

/// For every city and every cable on some fastest path, the sites within the city's limit
/// (`limits[j]`, applied to the scenario's limit statistic) after the cable is cut, kept only
/// where the cut removes at least one site that is within the limit without it (otherwise
/// the city's own limit already says the same). Sorted by (cable id, city).
pub fn cut_covers(
    model: &LatencyModel,
    sites: &[LonLat],
    cities: &[LonLat],
    limits: &[f64],
) -> Vec<CutCover> {
    let base = model.rtt_matrix(sites, cities);
    let base = base.limit_matrix(model.params());
    let mut out = Vec::new();
    for (cable, m) in model.cut_matrices(sites, cities) {
        let lim = m.limit_matrix(model.params());
        for (j, &l) in limits.iter().enumerate() {
            let before = (0..sites.len()).filter(|&i| base[i][j] <= l).count();
            let within: Vec<usize> = (0..sites.len()).filter(|&i| lim[i][j] <= l).collect();
            if within.len() < before {
                let best = (0..sites.len())
                    .filter(|&i| lim[i][j].is_finite())
                    .min_by(|&a, &b| lim[a][j].total_cmp(&lim[b][j]).then(a.cmp(&b)))
                    .map(|i| (i, lim[i][j]));
                out.push(CutCover {
                    city: j,
                    cable: cable.clone(),
                    sites: within,
                    best,
                });
            }
        }
    }
    out
}

/// Per city, the cable systems whose loss alone leaves none of `open_sites` within the city's
/// limit (the single cables the plan depends on). Sorted by cable id.
pub fn dependencies(
    model: &LatencyModel,
    open_sites: &[LonLat],
    cities: &[LonLat],
    limits: &[f64],
) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); cities.len()];
    if open_sites.is_empty() {
        return out;
    }
    for c in cut_covers(model, open_sites, cities, limits) {
        if c.sites.is_empty() {
            out[c.city].push(c.cable);
        }
    }
    out
}

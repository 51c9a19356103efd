//! Warm starts: what a solve of one problem hands to the solve of a related one (a margin's
//! re-solve with one site excluded, a policy relaxation, the same problem with a scenario
//! changed) so that the second starts where the first ended.
//!
//! A [`Seed`] has three parts, none of which can change the optimum:
//! - **promise rows** (N−1 Hall rows, separation caps, [`super::lazy::PromiseRows`]): valid
//!   inequalities, kept only where they fit the new problem;
//! - **Lagrangian multipliers** ([`Multipliers`]): where the subgradient of the staged solve
//!   starts ([`super::staged`]). Every admissible multiplier vector gives a valid lower bound
//!   (weak duality), and the relaxation projects any start onto the admissible set, so a seed
//!   only moves the starting point. Parts whose length does not match the new problem start
//!   from the cold values instead;
//! - **an incumbent** (an open set): repaired by the primal heuristic with the relaxation's
//!   first reduced costs and evaluated exactly by its fixed-set LP, then accepted by the
//!   independent checker — on the *new* problem — before it may serve as an upper bound. An
//!   open set that is infeasible for the new problem is repaired or dropped, never trusted.
//!
//! Seeds are indexed by the problem they came from; [`Seed::transfer`] carries one over to a
//! problem with other sites, cities or zones by id (a pipeline re-run on a relaxed scenario).

use super::lagrange::Multipliers;
use super::lazy::PromiseRows;
use crate::model::SitingProblem;
use std::collections::HashMap;

/// What a re-solve of a related problem starts from (see the module documentation). The
/// default is a cold start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seed {
    /// Promise rows to start with (N−1, separation).
    pub rows: PromiseRows,
    /// Lagrangian multipliers of the earlier solve's last relaxation: `site_zone` per site of
    /// the problem, `demand` per city, `zone` per zone, `shared` per shared limit then
    /// capacity row, `cover` per cover set.
    pub multipliers: Option<Multipliers>,
    /// An open set (per site of the problem) to repair, evaluate and offer as the first
    /// incumbent.
    pub incumbent: Option<Vec<bool>>,
}

impl Seed {
    /// A seed with promise rows only (the warm start before multipliers and incumbents).
    pub fn from_rows(rows: PromiseRows) -> Seed {
        Seed {
            rows,
            ..Seed::default()
        }
    }

    /// The seed with `open` as its incumbent.
    pub fn with_incumbent(&self, open: Vec<bool>) -> Seed {
        Seed {
            incumbent: Some(open),
            ..self.clone()
        }
    }

    /// The seed without its incumbent (rows and multipliers only).
    pub fn without_incumbent(&self) -> Seed {
        Seed {
            incumbent: None,
            ..self.clone()
        }
    }

    /// The incumbent when it has one entry per site of `p` (else none: a seed from another
    /// problem).
    pub fn incumbent_for(&self, p: &SitingProblem) -> Option<&[bool]> {
        self.incumbent
            .as_deref()
            .filter(|o| o.len() == p.sites.len())
    }

    /// The seed carried from problem `from` (the one it is indexed by) to problem `to` by
    /// site, city, zone and contingency id: rows by [`PromiseRows::transfer`], multipliers of
    /// sites, cities and zones `to` shares with `from` (0 for the others, the cold value of
    /// a per-site or per-zone multiplier; a city's missing λ makes the demand part cold),
    /// shared-limit and cover multipliers by position when the counts agree, and the
    /// incumbent's sites that `to` has.
    pub fn transfer(&self, from: &SitingProblem, to: &SitingProblem) -> Seed {
        let sites = ids(from.sites.iter().map(|s| s.id.as_str()));
        let site_map: Vec<Option<usize>> = to
            .sites
            .iter()
            .map(|s| sites.get(s.id.as_str()).copied())
            .collect();
        let incumbent = self.incumbent_for(from).map(|open| {
            site_map
                .iter()
                .map(|k| k.is_some_and(|k| open[k]))
                .collect()
        });
        let multipliers = self
            .multipliers
            .as_ref()
            .and_then(|m| transfer_multipliers(m, from, to, &site_map));
        Seed {
            rows: self.rows.transfer(from, to),
            multipliers,
            incumbent,
        }
    }
}

/// Index of each id.
fn ids<'a>(it: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    it.enumerate().map(|(k, id)| (id, k)).collect()
}

/// `m` (of `from`) carried to `to` by id; `None` when `m` does not fit `from` or a city of
/// `to` is not in `from`.
fn transfer_multipliers(
    m: &Multipliers,
    from: &SitingProblem,
    to: &SitingProblem,
    site_map: &[Option<usize>],
) -> Option<Multipliers> {
    if m.site_zone.len() != from.sites.len()
        || m.demand.len() != from.cities.len()
        || m.zone.len() != from.zones.len()
    {
        return None;
    }
    let cities = ids(from.cities.iter().map(|c| c.id.as_str()));
    let demand = to
        .cities
        .iter()
        .map(|c| cities.get(c.id.as_str()).map(|&k| m.demand[k]))
        .collect::<Option<Vec<f64>>>()?;
    let zones = ids(from.zones.iter().map(|z| z.id.as_str()));
    let zone = to
        .zones
        .iter()
        .map(|z| zones.get(z.id.as_str()).map_or(0.0, |&k| m.zone[k]))
        .collect();
    let site_zone = site_map
        .iter()
        .map(|k| k.map_or(0.0, |k| m.site_zone[k]))
        .collect();
    let n_shared = to.shared_limits.len() + to.capacity_rows.len();
    let same_shared = from.shared_limits.len() == to.shared_limits.len();
    let shared = (0..n_shared)
        .map(|k| {
            if same_shared {
                m.shared.get(k).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        })
        .collect();
    let cover = if m.cover.len() == to.cover_sets.len() {
        m.cover.clone()
    } else {
        vec![0.0; to.cover_sets.len()]
    };
    // Flow caps start cold (see `seeded_multipliers`).
    let flow = Vec::new();
    Some(Multipliers {
        site_zone,
        demand,
        zone,
        shared,
        cover,
        flow,
    })
}

/// The starting multipliers of a relaxation of `q` (the restriction of `p` to the sites
/// `kept`) from `cold` (its own cold start) and a seed `seed` indexed by `p`: each part of the
/// seed whose length fits replaces the cold one (shared-limit and capacity-row multipliers by
/// position, missing ones 0); non-finite values are never taken. Any result is admissible
/// after the relaxation's projection, so the bound stays valid whatever the seed.
pub(crate) fn seeded_multipliers(
    cold: Multipliers,
    seed: &Multipliers,
    n_sites: usize,
    kept: &[usize],
) -> Multipliers {
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    let mut m = cold;
    if seed.demand.len() == m.demand.len() && finite(&seed.demand) {
        m.demand.clone_from(&seed.demand);
    }
    if seed.zone.len() == m.zone.len() && finite(&seed.zone) {
        m.zone.clone_from(&seed.zone);
    }
    if seed.cover.len() == m.cover.len() && finite(&seed.cover) {
        m.cover.clone_from(&seed.cover);
    }
    if finite(&seed.shared) {
        for (x, s) in m.shared.iter_mut().zip(&seed.shared) {
            *x = *s;
        }
    }
    // Flow-cap multipliers (`flow`) start cold: a related problem writes its separation caps
    // in another order (its own cliques first), so a position would name another cap.
    if seed.site_zone.len() == n_sites && finite(&seed.site_zone) {
        m.site_zone = kept.iter().map(|&i| seed.site_zone[i]).collect();
    }
    m
}

/// Per-site multipliers of a restricted problem (sites `kept` of a problem with `n` sites)
/// spread back onto the whole problem's sites (0 elsewhere).
pub(crate) fn expand_multipliers(m: &Multipliers, kept: &[usize], n: usize) -> Multipliers {
    let mut site_zone = vec![0.0; n];
    for (k, &i) in kept.iter().enumerate() {
        if let (Some(x), Some(v)) = (site_zone.get_mut(i), m.site_zone.get(k)) {
            *x = *v;
        }
    }
    Multipliers {
        site_zone,
        ..m.clone()
    }
}

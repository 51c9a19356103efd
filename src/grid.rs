//! Network limits beyond a zone's own REZ limit: AEMO's REZ group constraints and sub-regional
//! flow paths (`grid_groups` layer), and the size of each market region (`region_limits`
//! layer), as hard shared limits on the grid draw of the sites they cover.
//!
//! # What is limited
//! A site's grid draw is its IT MW × PUE, the quantity the REZ rows of the model already count
//! against a zone's network limit (model.md §6: Σ PUE_i c_i ≤ L_r + e_r): the renewable capacity
//! contracted for the load occupies the zone's connection, and the load's imports at times of
//! low renewable output use it in the other direction.
//!
//! * **Group limits** (one row per `grid_groups` record): Σ PUE_i c_i over the sites whose zone
//!   is a member ≤ `limit_mw`. AEMO's summer-typical figures (2025 IASR / 2025 ISP model); for a
//!   sub-regional flow path the lower of its two directions. Group limits are **hard**: they are
//!   sub-regional cut-sets whose relief is a major ISP augmentation (years of lead time, sized
//!   as discrete options), not a per-MW charge a single customer can pay, so sitefind does not
//!   price expansion beyond them (AEMO's indicative cost is kept in the data for information).
//! * **Region limits** (one row per market region with a `region_limits` record):
//!   Σ PUE_i c_i over the sites in the region ≤ `region_demand_fraction` × mean operational
//!   demand + import capability (the latter if `region_count_imports`). E.g. Tasmania:
//!   0.25 × 1,239 MW + Basslink 478 MW = 788 MW.
//!
//! Each row becomes a `SharedLimit` of the siting problem (coefficient = the site's PUE);
//! [`explain_capacity`] explains, before solving, a demand that the region limits cannot hold.

use crate::data::{Dataset, GridGroupKind};
use crate::scenario::GridParams;
use serde::{Deserialize, Serialize};

/// What kind of limit a [`GridLimit`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GridLimitKind {
    /// An AEMO REZ group constraint.
    RezGroup,
    /// A sub-regional flow path.
    SubregionalFlowPath,
    /// A market region's headroom for new load.
    Region,
    /// A zone's solar or wind resource limit (on the generation the portfolios build there;
    /// `crate::supply::resource`).
    Resource,
}

impl GridLimitKind {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            GridLimitKind::RezGroup => "rez-group",
            GridLimitKind::SubregionalFlowPath => "subregional-flow-path",
            GridLimitKind::Region => "region",
            GridLimitKind::Resource => "resource",
        }
    }
}

/// One shared network limit, before it is tied to sites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridLimit {
    /// Unique id: `group:<id>`, `region:<id>`, or `solar:<zone>` / `wind:<zone>` (resource).
    pub id: String,
    /// Kind of limit.
    pub kind: GridLimitKind,
    /// The group's or region's own id, e.g. `NQ1`, `TAS1`.
    pub source_id: String,
    /// Human name.
    pub name: String,
    /// Zone ids it covers (groups), empty for a region.
    pub zones: Vec<String>,
    /// Region id it covers (regions), or the group's region.
    pub region: String,
    /// Limit on the summed grid draw, MW.
    pub limit_mw: f64,
    /// True if the figure is sitefind's estimate.
    pub estimate: bool,
    /// How the limit was obtained, one sentence (printed by reports and diagnoses).
    pub description: String,
}

impl GridLimit {
    /// True if a site in `zone` (if any) and `region` (if known) draws on this limit.
    pub fn covers(&self, zone: Option<&str>, region: Option<&str>) -> bool {
        match self.kind {
            GridLimitKind::Region => region == Some(self.region.as_str()),
            _ => zone.is_some_and(|z| self.zones.iter().any(|m| m == z)),
        }
    }
}

/// The grid limits of a dataset under `params`, groups first (by id), then regions (by id).
pub fn grid_limits(ds: &Dataset, params: &GridParams) -> Vec<GridLimit> {
    let mut out = Vec::new();
    if params.enforce_group_limits {
        for g in &ds.grid_groups {
            let (kind, what) = match g.kind {
                GridGroupKind::RezGroup => (GridLimitKind::RezGroup, "AEMO REZ group constraint"),
                GridGroupKind::SubregionalFlowPath => (
                    GridLimitKind::SubregionalFlowPath,
                    "AEMO sub-regional flow path",
                ),
            };
            out.push(GridLimit {
                id: format!("group:{}", g.id),
                kind,
                source_id: g.id.clone(),
                name: g.name.clone(),
                zones: g.members.clone(),
                region: g.region.clone(),
                limit_mw: g.limit_mw,
                estimate: g.estimate,
                description: format!(
                    "{what} {} ({}): data-centre grid draw in zones {} ≤ {:.0} MW{}",
                    g.id,
                    g.name,
                    g.members.join(", "),
                    g.limit_mw,
                    if g.estimate { " (estimate)" } else { "" }
                ),
            });
        }
    }
    if params.enforce_region_limits {
        for r in &ds.region_limits {
            let imports = if params.region_count_imports {
                r.import_capability_mw
            } else {
                0.0
            };
            let limit = params.region_demand_fraction * r.mean_demand_mw + imports;
            let name = ds
                .regions
                .iter()
                .find(|p| p.id == r.id)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| r.id.clone());
            out.push(GridLimit {
                id: format!("region:{}", r.id),
                kind: GridLimitKind::Region,
                source_id: r.id.clone(),
                name: name.clone(),
                zones: Vec::new(),
                region: r.id.clone(),
                limit_mw: limit,
                estimate: r.estimate,
                description: format!(
                    "region {} ({name}): new data-centre grid draw ≤ {:.2} × mean operational demand {:.0} MW + import capability {:.0} MW = {:.0} MW{}",
                    r.id,
                    params.region_demand_fraction,
                    r.mean_demand_mw,
                    imports,
                    limit,
                    if r.estimate { " (estimate)" } else { "" }
                ),
            });
        }
    }
    out
}

/// A grid limit tied to the siting problem's sites: Σ coef · c_k ≤ `limit.limit_mw` over
/// `terms` = (site index in the problem, PUE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRow {
    /// The limit.
    pub limit: GridLimit,
    /// (site index, grid MW per IT MW) of every site it covers.
    pub terms: Vec<(usize, f64)>,
}

impl GridRow {
    /// The siting problem's row: Σ PUE_k · c_k ≤ limit over the covered sites.
    pub fn shared_limit(&self) -> crate::model::SharedLimit {
        crate::model::SharedLimit {
            id: self.limit.id.clone(),
            description: self.limit.description.clone(),
            terms: self.terms.clone(),
            limit: self.limit.limit_mw,
        }
    }
}

/// Ties `limits` to sites: `sites[k]` = (zone id, region id, PUE) of the problem's site k.
/// Limits that cover no site are dropped.
pub fn rows_for_sites(
    limits: &[GridLimit],
    sites: &[(Option<&str>, Option<&str>, f64)],
) -> Vec<GridRow> {
    limits
        .iter()
        .filter_map(|l| {
            let terms: Vec<(usize, f64)> = sites
                .iter()
                .enumerate()
                .filter(|(_, (z, r, _))| l.covers(*z, *r))
                .map(|(k, (_, _, pue))| (k, *pue))
                .collect();
            (!terms.is_empty()).then(|| GridRow {
                limit: l.clone(),
                terms,
            })
        })
        .collect()
}

/// Explains, before solving, a demand the region rows cannot hold: the total demand over all
/// sites, and each city's demand over the sites that reach it within its RTT limit
/// (`reach[j]`). `draw[k]` is site k's size limit and PUE. Returns the sentences (empty when the
/// region limits allow the demand; the solver then decides).
pub fn explain_rows(
    rows: &[GridRow],
    draw: &[SiteDraw],
    cities: &[(String, f64)],
    reach: &[Vec<usize>],
) -> Vec<String> {
    let limits: Vec<GridLimit> = rows.iter().map(|r| r.limit.clone()).collect();
    let mut region_of: Vec<Option<usize>> = vec![None; draw.len()];
    for (r, row) in rows.iter().enumerate() {
        if row.limit.kind == GridLimitKind::Region {
            for &(k, _) in &row.terms {
                region_of[k] = Some(r);
            }
        }
    }
    let mut out = Vec::new();
    let all: Vec<usize> = (0..draw.len()).collect();
    let total: f64 = cities.iter().map(|c| c.1).sum();
    if let Some(why) = explain_capacity("the total demand", total, &all, draw, &region_of, &limits)
    {
        out.push(why);
    }
    for ((name, d), sites) in cities.iter().zip(reach) {
        if let Some(why) = explain_capacity(
            &format!("{name}'s demand"),
            *d,
            sites,
            draw,
            &region_of,
            &limits,
        ) {
            out.push(why);
        }
    }
    out
}

/// One site as the capacity explanation sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteDraw {
    /// Largest IT MW the site can build.
    pub max_mw: f64,
    /// Grid MW per IT MW.
    pub pue: f64,
}

/// The most IT MW that the sites in `sites` can build under the region limits among `limits`
/// (each site's region limit is given by `region_of[i]`, an index into `limits`): a valid upper
/// bound, since region rows partition the sites. Returns (bound, per-region rows used as
/// (limit index, IT MW the region can hold)).
pub fn it_capacity_bound(
    sites: &[usize],
    draw: &[SiteDraw],
    region_of: &[Option<usize>],
    limits: &[GridLimit],
) -> (f64, Vec<(usize, f64)>) {
    use std::collections::BTreeMap;
    let mut free = 0.0;
    // limit index → (Σ max_mw, min PUE)
    let mut per: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for &i in sites {
        let d = draw[i];
        match region_of[i] {
            Some(r) => {
                let e = per.entry(r).or_insert((0.0, f64::INFINITY));
                e.0 += d.max_mw;
                e.1 = e.1.min(d.pue.max(1e-9));
            }
            None => free += d.max_mw,
        }
    }
    let mut total = free;
    let mut rows = Vec::new();
    for (r, (sum_max, min_pue)) in per {
        let cap = sum_max.min(limits[r].limit_mw / min_pue);
        total += cap;
        rows.push((r, cap));
    }
    (total, rows)
}

/// A sentence explaining why `demand_mw` of IT load cannot be placed on `sites` under the
/// region limits, or `None` if the bound allows it. `what` names the demand ("the total demand",
/// "Tokyo's demand").
pub fn explain_capacity(
    what: &str,
    demand_mw: f64,
    sites: &[usize],
    draw: &[SiteDraw],
    region_of: &[Option<usize>],
    limits: &[GridLimit],
) -> Option<String> {
    let (bound, rows) = it_capacity_bound(sites, draw, region_of, limits);
    if demand_mw <= bound + 1e-6 {
        return None;
    }
    let parts: Vec<String> = rows
        .iter()
        .map(|&(r, cap)| {
            let l = &limits[r];
            format!(
                "{} {:.0} MW grid ({:.0} MW IT)",
                l.source_id, l.limit_mw, cap
            )
        })
        .collect();
    Some(format!(
        "{what} of {demand_mw:.0} MW IT exceeds the {bound:.0} MW IT that the regional grid limits allow at the candidate sites that can serve it (binding: {}); each region takes new data-centre grid draw up to a fraction of its mean operational demand plus its import capability",
        parts.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{GridGroup, RegionGridLimit, RegionProfile};

    fn ds() -> Dataset {
        Dataset {
            regions: vec![RegionProfile {
                id: "TAS1".into(),
                name: "Tasmania".into(),
                states: vec!["TAS".into()],
                price_aud_per_mwh: 80.0,
                mean_temp_c: 13.0,
            }],
            grid_groups: vec![GridGroup {
                id: "NET1".into(),
                name: "North East Tasmania".into(),
                kind: GridGroupKind::RezGroup,
                region: "TAS1".into(),
                members: vec!["T1".into(), "T4".into()],
                limit_mw: 1600.0,
                expansion_cost_aud_per_mw: None,
                estimate: false,
            }],
            region_limits: vec![RegionGridLimit {
                id: "TAS1".into(),
                mean_demand_mw: 1239.0,
                import_capability_mw: 478.0,
                estimate: false,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn tasmania_region_limit_and_group_membership() {
        let l = grid_limits(&ds(), &GridParams::default());
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].id, "group:NET1");
        assert!(l[0].covers(Some("T4"), Some("TAS1")));
        assert!(!l[0].covers(Some("T2"), Some("TAS1")));
        assert!(!l[0].covers(None, Some("TAS1")));
        // 0.25 × 1,239 + 478 = 787.75 MW (by hand).
        assert_eq!(l[1].id, "region:TAS1");
        assert!((l[1].limit_mw - 787.75).abs() < 1e-9);
        assert!(l[1].covers(None, Some("TAS1")) && !l[1].covers(Some("T1"), Some("VIC1")));
        assert!(l[1].description.contains("Tasmania") && l[1].description.contains("788 MW"));
        // Without imports, and with the checks switched off.
        let p = GridParams {
            region_count_imports: false,
            enforce_group_limits: false,
            ..GridParams::default()
        };
        let l = grid_limits(&ds(), &p);
        assert_eq!(l.len(), 1);
        assert!((l[0].limit_mw - 309.75).abs() < 1e-9);
        let p = GridParams {
            enforce_region_limits: false,
            enforce_group_limits: false,
            ..GridParams::default()
        };
        assert!(grid_limits(&ds(), &p).is_empty());
    }

    #[test]
    fn capacity_bound_and_explanation() {
        let limits = grid_limits(&ds(), &GridParams::default());
        // Three Tasmanian sites of 500 MW at PUE 1.15 and one site with no region limit.
        let draw = vec![
            SiteDraw {
                max_mw: 500.0,
                pue: 1.15
            };
            4
        ];
        let region_of = vec![Some(1), Some(1), Some(1), None];
        // Tasmania holds 787.75 / 1.15 = 685.0 MW IT; plus 500 MW free = 1,185.0 (by hand).
        let (bound, rows) = it_capacity_bound(&[0, 1, 2, 3], &draw, &region_of, &limits);
        assert!((bound - (787.75 / 1.15 + 500.0)).abs() < 1e-9, "{bound}");
        assert_eq!(rows.len(), 1);
        assert!(
            explain_capacity("demand", 1185.0, &[0, 1, 2, 3], &draw, &region_of, &limits).is_none()
        );
        let why = explain_capacity(
            "Hobart's demand",
            1000.0,
            &[0, 1, 2],
            &draw,
            &region_of,
            &limits,
        )
        .unwrap();
        assert!(
            why.contains("Hobart's demand of 1000 MW IT exceeds the 685 MW IT"),
            "{why}"
        );
        assert!(why.contains("TAS1 788 MW grid (685 MW IT)"), "{why}");
    }
}

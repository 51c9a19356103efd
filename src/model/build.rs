//! Builds the siting MIP (model.md §6) from a [`SitingProblem`] as a solver-neutral
//! [`LinearProgram`]; [`crate::engine`] hands it to a backend and [`BuiltModel::solution`] maps
//! the values back.
//!
//! # Variables
//! - `y_i` binary (site open), only for *active* sites (see reductions);
//! - capacity `c_i = s·w_i` with `w_i ≥ 0` continuous (`s = 1`) or integer modules
//!   (`s = module_mw`);
//! - `x_ij ≥ 0` (MW of city j served by site i) only for pairs with `rtt_ij ≤ max_rtt_j`, with
//!   upper bound `ub_ij = min(D_j / k_j, max_mw_i)` (the redundancy constraint as a bound);
//! - `u_j ∈ [0, D_j]` unserved MW, only when unserved demand is allowed (a finite penalty for
//!   `MinCost`, always for `MaxCoverage`, never for `MinWorstRtt`);
//! - `e_r ≥ 0` expansion MW for zones with a limit;
//! - for `MinWorstRtt` also `T ≥ 0` and binaries `z_ij` per allowed pair.
//!
//! # Constraints
//! demand `Σ_i x_ij + u_j = D_j`; capacity `Σ_j x_ij ≤ c_i`; size `min_mw·y_i ≤ c_i ≤ max_mw·y_i`;
//! strong linking `x_ij ≤ ub_ij·y_i`; zone `Σ_{i∈r} pue_i c_i ≤ L_r + e_r`; `Σ y_i ≤ max_sites`;
//! shared limits `Σ coef·c_i ≤ limit`; cover sets `Σ_{i∈S} y_i ≥ min_open`;
//! must-build sites have `y_i` fixed to 1; excluded sites get no variables at all.
//!
//! # Objectives
//! Let `cost = Σ F_i y_i + v_i c_i + Σ a_ij x_ij + Σ g_r e_r` (without penalty).
//! - `MinCost`: minimise `cost + penalty·Σ u_j`.
//! - `MinWorstRtt`: minimise `T + ε·cost` with `T ≥ rtt_ij z_ij`, `x_ij ≤ ub_ij z_ij`,
//!   `z_ij ≤ y_i`, all demand served, `cost ≤ cost_cap_aud_per_yr` (if given). `ε = 1e-3 / C` where `C`
//!   is the cost cap or an upper bound on any solution's cost, so the tie-break is worth at most
//!   0.001 ms: among solutions with the least worst RTT, the cheaper one is chosen.
//! - `MaxCoverage`: maximise `Σ_j (D_j − u_j) − ε·cost` with `cost ≤ budget_aud_per_yr` (if given);
//!   `ε = 1e-3 / C` as above, so the cost tie-break is worth at most 0.001 MW.
//!
//! # Reductions (all exact)
//! 1. Excluded sites and pairs above the latency limit never become variables.
//! 2. A site that is not must-build, in no cover set and has no allowed pair gets no variables
//!    (`y_i = 0`).
//!    Proof: such a site serves no flow, so opening it only adds `F_i + v_i c_i ≥ 0` to the cost
//!    (costs are validated non-negative), adds `pue_i c_i ≥ 0` to its zone's load and uses one
//!    unit of `max_sites`; closing it in any feasible solution keeps every constraint satisfied
//!    and never increases the cost, the worst RTT or decreases the coverage.
//!
//! No other dominance rule is applied.

use super::SitingProblem;
use crate::error::{Error, Issues, Location, Result};
use crate::model::Solution;
use crate::scenario::Objective;

/// One decision variable of a [`LinearProgram`].
#[derive(Debug, Clone, PartialEq)]
pub struct VarDef {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound (may be infinite).
    pub upper: f64,
    /// Integer variable.
    pub integer: bool,
}

/// The sense of a [`Row`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowSense {
    /// `Σ terms ≤ rhs`.
    Le,
    /// `Σ terms = rhs`.
    Eq,
}

/// One linear constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// (variable index, coefficient).
    pub terms: Vec<(usize, f64)>,
    /// `≤` or `=`.
    pub sense: RowSense,
    /// Right-hand side.
    pub rhs: f64,
}

/// A solver-neutral mixed-integer linear programme.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinearProgram {
    /// Variables.
    pub vars: Vec<VarDef>,
    /// Constraints.
    pub rows: Vec<Row>,
    /// Objective: (variable index, coefficient).
    pub objective: Vec<(usize, f64)>,
    /// Constant added to the objective.
    pub objective_constant: f64,
    /// Maximise (else minimise).
    pub maximise: bool,
}

impl LinearProgram {
    fn var(&mut self, lower: f64, upper: f64, integer: bool) -> usize {
        self.vars.push(VarDef {
            lower,
            upper,
            integer,
        });
        self.vars.len() - 1
    }

    fn le(&mut self, terms: Vec<(usize, f64)>, rhs: f64) {
        self.rows.push(Row {
            terms,
            sense: RowSense::Le,
            rhs,
        });
    }

    /// Number of integer variables with bounds inside [0, 1].
    pub fn n_binaries(&self) -> usize {
        self.vars
            .iter()
            .filter(|v| v.integer && v.lower >= 0.0 && v.upper <= 1.0)
            .count()
    }

    /// Number of integer variables (binaries included).
    pub fn n_integers(&self) -> usize {
        self.vars.iter().filter(|v| v.integer).count()
    }

    /// The objective value of `values`.
    pub fn objective_value(&self, values: &[f64]) -> f64 {
        self.objective_constant
            + self
                .objective
                .iter()
                .map(|&(v, c)| c * values.get(v).copied().unwrap_or(0.0))
                .sum::<f64>()
    }
}

/// The MIP of a [`SitingProblem`] with the map from model entities to variable indices.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltModel {
    /// The programme.
    pub lp: LinearProgram,
    /// `y_i` per site (`None`: site inactive, closed).
    pub open_var: Vec<Option<usize>>,
    /// `(w_i, s)` per site: capacity `c_i = s · w_i`.
    pub capacity_var: Vec<Option<(usize, f64)>>,
    /// `(i, j, x_ij)` for every allowed pair of active sites, sorted by (i, j).
    pub flow_vars: Vec<(usize, usize, usize)>,
    /// `u_j` per city (`None`: demand must be served in full).
    pub unserved_var: Vec<Option<usize>>,
    /// `e_r` per zone (`None`: no limit).
    pub expansion_var: Vec<Option<usize>>,
    /// `T`, the worst RTT (only for `MinWorstRtt`).
    pub worst_rtt_var: Option<usize>,
}

const WHERE: &str = "<siting problem>";

pub use super::rows::pair_allowed;

/// Upper bound of `x_ij`: `min(D_j / k_j, max_mw_i)`.
pub fn flow_upper(p: &SitingProblem, i: usize, j: usize) -> f64 {
    let city = &p.cities[j];
    let k = f64::from(city.min_sites.max(1));
    (city.demand_mw / k).min(p.sites[i].max_mw)
}

/// True if unserved demand `u_j` exists in the model for this problem.
pub fn unserved_allowed(p: &SitingProblem) -> bool {
    match p.objective {
        Objective::MinCost => p.unserved_penalty_aud_per_mw.is_finite(),
        Objective::MinWorstRtt => false,
        Objective::MaxCoverage => true,
    }
}

/// Checks dimensions and numbers of a problem; every problem is listed.
pub fn validate(p: &SitingProblem) -> Result<()> {
    let mut issues = Issues::new();
    validate_matrices(p, &mut issues);
    validate_sites(p, &mut issues);
    validate_cities(p, &mut issues);
    validate_zones(p, &mut issues);
    validate_shared_limits(p, &mut issues);
    validate_cover_sets(p, &mut issues);
    super::rows::validate_rows(p, &mut issues);
    issues.into_result(())
}

/// The RTT and assignment-cost matrices: one row per site, one column per city, costs ≥ 0.
fn validate_matrices(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    let n = p.cities.len();
    if p.rtt_ms.len() != p.sites.len() {
        issues.push(
            at("rtt_ms".into(), "rows"),
            format!("one row per site ({})", p.sites.len()),
            p.rtt_ms.len().to_string(),
            "build the RTT matrix from the same site list",
        );
    }
    if p.assign_cost_aud_per_mw.len() != p.sites.len() {
        issues.push(
            at("assign_cost_aud_per_mw".into(), "rows"),
            format!("one row per site ({})", p.sites.len()),
            p.assign_cost_aud_per_mw.len().to_string(),
            "build the cost matrix from the same site list",
        );
    }
    for (name, m) in [
        ("rtt_ms", &p.rtt_ms),
        ("assign_cost_aud_per_mw", &p.assign_cost_aud_per_mw),
    ] {
        for (i, row) in m.iter().enumerate() {
            if row.len() != n {
                issues.push(
                    at(format!("{name}[{i}]"), "columns"),
                    format!("one column per city ({n})"),
                    row.len().to_string(),
                    "build the matrix from the same city list",
                );
            }
        }
    }
    for (i, row) in p.assign_cost_aud_per_mw.iter().enumerate() {
        if let Some((j, v)) = row
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            issues.push(
                at(format!("assign_cost_aud_per_mw[{i}][{j}]"), "value"),
                "a finite cost ≥ 0",
                v.to_string(),
                "costs must be non-negative",
            );
        }
    }
}

/// Each site's costs, sizes, PUE and zone index.
fn validate_sites(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    for (i, s) in p.sites.iter().enumerate() {
        let rec = format!("site[{i}] \"{}\"", s.id);
        for (field, v, ok) in [
            (
                "fixed_cost_aud",
                s.fixed_cost_aud,
                s.fixed_cost_aud.is_finite() && s.fixed_cost_aud >= 0.0,
            ),
            (
                "var_cost_aud_per_mw",
                s.var_cost_aud_per_mw,
                s.var_cost_aud_per_mw.is_finite() && s.var_cost_aud_per_mw >= 0.0,
            ),
            ("min_mw", s.min_mw, s.min_mw.is_finite() && s.min_mw >= 0.0),
            ("max_mw", s.max_mw, s.max_mw.is_finite() && s.max_mw >= 0.0),
            ("pue", s.pue, s.pue.is_finite() && s.pue > 0.0),
        ] {
            if !ok {
                issues.push(
                    at(rec.clone(), field),
                    "a finite number ≥ 0",
                    v.to_string(),
                    "fix the site's attributes",
                );
            }
        }
        if let Some(z) = s.zone {
            if z >= p.zones.len() {
                issues.push(
                    at(rec.clone(), "zone"),
                    format!("a zone index < {}", p.zones.len()),
                    z.to_string(),
                    "zone is an index into SitingProblem::zones",
                );
            }
        }
    }
}

/// Each city's demand, limit and redundancy.
fn validate_cities(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    for (j, c) in p.cities.iter().enumerate() {
        let rec = format!("city[{j}] \"{}\"", c.id);
        if !(c.demand_mw.is_finite() && c.demand_mw >= 0.0) {
            issues.push(
                at(rec.clone(), "demand_mw"),
                "a finite number ≥ 0",
                c.demand_mw.to_string(),
                "",
            );
        }
        if c.max_rtt_ms.is_nan() {
            issues.push(at(rec.clone(), "max_rtt_ms"), "a number", "NaN", "");
        }
        if c.min_sites == 0 {
            issues.push(
                at(rec, "min_sites"),
                "an integer ≥ 1",
                "0",
                "use 1 for no redundancy",
            );
        }
    }
}

/// Each zone's limit and expansion cost, and the module size.
fn validate_zones(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    for (r, z) in p.zones.iter().enumerate() {
        let rec = format!("zone[{r}] \"{}\"", z.id);
        if let Some(l) = z.limit_mw {
            if !(l.is_finite() && l >= 0.0) {
                issues.push(
                    at(rec.clone(), "limit_mw"),
                    "a finite number ≥ 0",
                    l.to_string(),
                    "",
                );
            }
        }
        if !(z.expansion_cost_aud_per_mw.is_finite() && z.expansion_cost_aud_per_mw >= 0.0) {
            issues.push(
                at(rec, "expansion_cost_aud_per_mw"),
                "a finite number ≥ 0",
                z.expansion_cost_aud_per_mw.to_string(),
                "",
            );
        }
    }
    if let Some(m) = p.module_mw {
        if !(m.is_finite() && m > 0.0) {
            issues.push(
                at("module_mw".into(), "module_mw"),
                "a number > 0",
                m.to_string(),
                "",
            );
        }
    }
}

/// Each shared limit's bound and terms.
fn validate_shared_limits(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    for (k, l) in p.shared_limits.iter().enumerate() {
        let rec = format!("shared_limits[{k}] \"{}\"", l.id);
        if !(l.limit.is_finite() && l.limit >= 0.0) {
            issues.push(
                at(rec.clone(), "limit"),
                "a finite number ≥ 0",
                l.limit.to_string(),
                "",
            );
        }
        let mut seen = vec![false; p.sites.len()];
        for &(i, coef) in &l.terms {
            if i >= p.sites.len() || seen[i] {
                issues.push(
                    at(rec.clone(), "terms"),
                    format!("distinct site indices < {}", p.sites.len()),
                    i.to_string(),
                    "terms index SitingProblem::sites, one term per site",
                );
                continue;
            }
            seen[i] = true;
            if !(coef.is_finite() && coef >= 0.0) {
                issues.push(
                    at(rec.clone(), "terms"),
                    "a finite coefficient ≥ 0",
                    coef.to_string(),
                    "",
                );
            }
        }
    }
}

/// Each cover set's sites and count, and the unserved penalty.
fn validate_cover_sets(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    for (k, c) in p.cover_sets.iter().enumerate() {
        let rec = format!("cover_sets[{k}] \"{}\"", c.id);
        if c.min_open == 0 {
            issues.push(at(rec.clone(), "min_open"), "an integer ≥ 1", "0", "");
        }
        let mut seen = vec![false; p.sites.len()];
        for &i in &c.sites {
            if i >= p.sites.len() || seen[i] {
                issues.push(
                    at(rec.clone(), "sites"),
                    format!("distinct site indices < {}", p.sites.len()),
                    i.to_string(),
                    "sites index SitingProblem::sites",
                );
                continue;
            }
            seen[i] = true;
        }
    }
    if p.unserved_penalty_aud_per_mw.is_nan() || p.unserved_penalty_aud_per_mw < 0.0 {
        issues.push(
            at(
                "unserved_penalty_aud_per_mw".into(),
                "unserved_penalty_aud_per_mw",
            ),
            "a number ≥ 0",
            p.unserved_penalty_aud_per_mw.to_string(),
            "",
        );
    }
}

/// `covered[i]`: site i belongs to some cover set (so it needs a `y` variable even when it
/// serves no city).
pub fn in_cover_set(p: &SitingProblem) -> Vec<bool> {
    let mut covered = vec![false; p.sites.len()];
    for c in &p.cover_sets {
        for &i in &c.sites {
            if let Some(v) = covered.get_mut(i) {
                *v = true;
            }
        }
    }
    covered
}

/// An upper bound on the cost (without penalty) of any solution, for scaling tie-breaks.
fn cost_upper_bound(p: &SitingProblem) -> f64 {
    let mut ub = 0.0;
    for (i, s) in p.sites.iter().enumerate() {
        if s.excluded {
            continue;
        }
        let max_a = p.assign_cost_aud_per_mw[i]
            .iter()
            .copied()
            .fold(0.0, f64::max);
        let g = s
            .zone
            .and_then(|z| p.zones.get(z))
            .map(|z| z.expansion_cost_aud_per_mw * s.pue)
            .unwrap_or(0.0);
        ub += s.fixed_cost_aud + (s.var_cost_aud_per_mw + max_a + g) * s.max_mw;
    }
    ub.max(1.0)
}

/// Builds the MIP of `p` (see the module documentation).
pub fn build(p: &SitingProblem) -> Result<BuiltModel> {
    validate(p)?;
    let mut b = Builder::new(p);
    b.site_vars();
    b.flow_vars();
    b.demand_rows();
    b.zone_rows();
    b.shared_limit_rows();
    b.cover_rows()?;
    b.capacity_rows()?;
    b.flow_cap_rows();
    b.max_sites_row();
    b.objective();
    Ok(BuiltModel {
        lp: b.lp,
        open_var: b.open_var,
        capacity_var: b.capacity_var,
        flow_vars: b.flow_vars,
        unserved_var: b.unserved_var,
        expansion_var: b.expansion_var,
        worst_rtt_var: b.worst_rtt_var,
    })
}

/// The MIP of one problem under construction (the fields of [`BuiltModel`] plus the cost
/// terms and the allowed pairs).
struct Builder<'p> {
    p: &'p SitingProblem,
    lp: LinearProgram,
    /// Allowed pairs per site (reduction 1).
    allowed: Vec<Vec<usize>>,
    open_var: Vec<Option<usize>>,
    capacity_var: Vec<Option<(usize, f64)>>,
    flow_vars: Vec<(usize, usize, usize)>,
    unserved_var: Vec<Option<usize>>,
    expansion_var: Vec<Option<usize>>,
    worst_rtt_var: Option<usize>,
    /// Cost terms (variable, AUD per year per unit).
    cost: Vec<(usize, f64)>,
    /// Each city's flow terms.
    city_flows: Vec<Vec<(usize, f64)>>,
}

impl<'p> Builder<'p> {
    fn new(p: &'p SitingProblem) -> Self {
        let (n_sites, n_cities) = (p.sites.len(), p.cities.len());
        let allowed = (0..n_sites)
            .map(|i| {
                if p.sites[i].excluded {
                    Vec::new()
                } else {
                    (0..n_cities).filter(|&j| pair_allowed(p, i, j)).collect()
                }
            })
            .collect();
        Builder {
            p,
            lp: LinearProgram::default(),
            allowed,
            open_var: vec![None; n_sites],
            capacity_var: vec![None; n_sites],
            flow_vars: Vec::new(),
            unserved_var: vec![None; n_cities],
            expansion_var: vec![None; p.zones.len()],
            worst_rtt_var: None,
            cost: Vec::new(),
            city_flows: vec![Vec::new(); n_cities],
        }
    }

    /// Open and capacity variables of the active sites, with min_mw·y ≤ s·w ≤ max_mw·y.
    fn site_vars(&mut self) {
        let p = self.p;
        let mut covered = in_cover_set(p);
        for (c, r) in covered.iter_mut().zip(super::rows::in_capacity_row(p)) {
            *c |= r;
        }
        for (i, s) in p.sites.iter().enumerate() {
            // Reduction 2: inactive sites get no variables.
            if s.excluded || (self.allowed[i].is_empty() && !s.must_build && !covered[i]) {
                continue;
            }
            let lp = &mut self.lp;
            let lower = if s.must_build { 1.0 } else { 0.0 };
            let y = lp.var(lower, 1.0, true);
            self.open_var[i] = Some(y);
            let (w, scale) = match p.module_mw {
                Some(m) => (lp.var(0.0, (s.max_mw / m + 1e-9).floor(), true), m),
                None => (lp.var(0.0, s.max_mw, false), 1.0),
            };
            self.capacity_var[i] = Some((w, scale));
            self.cost.push((y, s.fixed_cost_aud));
            self.cost.push((w, s.var_cost_aud_per_mw * scale));
            if s.min_mw > 0.0 {
                lp.le(vec![(y, s.min_mw), (w, -scale)], 0.0);
            }
            lp.le(vec![(w, scale), (y, -s.max_mw)], 0.0);
        }
    }

    /// Flow variables of the allowed pairs of open-able sites, strong linking
    /// x_ij ≤ ub_ij·y_i, and each site's capacity row Σ_j x_ij ≤ c_i.
    fn flow_vars(&mut self) {
        let p = self.p;
        for i in 0..p.sites.len() {
            let Some(y) = self.open_var[i] else { continue };
            let mut site_flows: Vec<(usize, f64)> = Vec::new();
            for &j in &self.allowed[i] {
                let ub = flow_upper(p, i, j).max(0.0);
                let x = self.lp.var(0.0, ub, false);
                self.flow_vars.push((i, j, x));
                site_flows.push((x, 1.0));
                self.city_flows[j].push((x, 1.0));
                self.cost.push((x, p.assign_cost_aud_per_mw[i][j]));
                self.lp.le(vec![(x, 1.0), (y, -ub)], 0.0);
            }
            if let Some((w, scale)) = self.capacity_var[i] {
                if !site_flows.is_empty() {
                    site_flows.push((w, -scale));
                    self.lp.le(site_flows, 0.0);
                }
            }
        }
    }

    /// Each city's demand row Σ_i x_ij (+ u_j) = D_j.
    fn demand_rows(&mut self) {
        let p = self.p;
        let with_unserved = unserved_allowed(p);
        for (j, c) in p.cities.iter().enumerate() {
            let mut terms = std::mem::take(&mut self.city_flows[j]);
            if with_unserved {
                let u = self.lp.var(0.0, c.demand_mw, false);
                self.unserved_var[j] = Some(u);
                terms.push((u, 1.0));
            }
            self.lp.rows.push(Row {
                terms,
                sense: RowSense::Eq,
                rhs: c.demand_mw,
            });
        }
    }

    /// Each limited zone's row Σ pue_i c_i − e_r ≤ L_r with its paid expansion e_r.
    fn zone_rows(&mut self) {
        let p = self.p;
        for (r, z) in p.zones.iter().enumerate() {
            let Some(limit) = z.limit_mw else { continue };
            let mut terms: Vec<(usize, f64)> = p
                .sites
                .iter()
                .enumerate()
                .filter(|(_, s)| s.zone == Some(r))
                .filter_map(|(i, s)| self.capacity_var[i].map(|(w, scale)| (w, s.pue * scale)))
                .collect();
            if terms.is_empty() {
                continue;
            }
            let e = self.lp.var(0.0, f64::INFINITY, false);
            self.expansion_var[r] = Some(e);
            self.cost.push((e, z.expansion_cost_aud_per_mw));
            terms.push((e, -1.0));
            self.lp.le(terms, limit);
        }
    }

    /// Each shared limit's row Σ coef_i c_i ≤ limit.
    fn shared_limit_rows(&mut self) {
        for l in &self.p.shared_limits {
            let terms: Vec<(usize, f64)> = l
                .terms
                .iter()
                .filter(|&&(_, coef)| coef != 0.0)
                .filter_map(|&(i, coef)| self.capacity_var[i].map(|(w, scale)| (w, coef * scale)))
                .collect();
            if !terms.is_empty() {
                self.lp.le(terms, l.limit);
            }
        }
    }

    /// Each cover set's row Σ_{i∈S} y_i ≥ min_open; an explained infeasibility when too few of
    /// its sites can open.
    fn cover_rows(&mut self) -> Result<()> {
        for c in &self.p.cover_sets {
            // Σ_{i∈S} y_i ≥ min_open, written as −Σ y_i ≤ −min_open.
            let terms: Vec<(usize, f64)> = c
                .sites
                .iter()
                .filter_map(|&i| self.open_var[i].map(|y| (y, -1.0)))
                .collect();
            if terms.len() < c.min_open as usize {
                return Err(Error::Infeasible {
                    diagnosis: format!(
                        "{}: needs {} open site(s) but only {} of its {} site(s) can open",
                        c.description,
                        c.min_open,
                        terms.len(),
                        c.sites.len()
                    ),
                    hint: "relax the requirement behind it or allow more candidates".into(),
                });
            }
            self.lp.le(terms, -f64::from(c.min_open));
        }
        Ok(())
    }

    /// Each capacity row Σ coef_i c_i ≥ min_mw; an explained infeasibility when no site of a
    /// row with a positive right-hand side can open.
    fn capacity_rows(&mut self) -> Result<()> {
        for r in &self.p.capacity_rows {
            let terms: Vec<(usize, f64)> = r
                .terms
                .iter()
                .filter(|&&(_, coef)| coef != 0.0)
                .filter_map(|&(i, coef)| self.capacity_var[i].map(|(w, sc)| (w, -coef * sc)))
                .collect();
            if terms.is_empty() && r.min_mw > 0.0 {
                return Err(Error::Infeasible {
                    diagnosis: format!(
                        "{}: needs {:.1} MW but none of its sites can open",
                        r.description, r.min_mw
                    ),
                    hint: "relax the requirement behind it or allow more candidates".into(),
                });
            }
            if !terms.is_empty() {
                self.lp.le(terms, -r.min_mw);
            }
        }
        Ok(())
    }

    /// Each flow cap Σ_{i∈S} x_ij ≤ max_mw over the pairs that have a flow variable.
    fn flow_cap_rows(&mut self) {
        let index: std::collections::HashMap<(usize, usize), usize> = self
            .flow_vars
            .iter()
            .map(|&(i, j, x)| ((i, j), x))
            .collect();
        for c in &self.p.flow_caps {
            let terms: Vec<(usize, f64)> = c
                .sites
                .iter()
                .filter_map(|&i| index.get(&(i, c.city)).map(|&x| (x, 1.0)))
                .collect();
            if terms.len() > 1 {
                self.lp.le(terms, c.max_mw);
            } else if let Some(&(x, _)) = terms.first() {
                let v = &mut self.lp.vars[x];
                v.upper = v.upper.min(c.max_mw);
            }
        }
    }

    /// Σ y_i ≤ max_sites.
    fn max_sites_row(&mut self) {
        if let Some(max_sites) = self.p.max_sites {
            let terms: Vec<(usize, f64)> =
                self.open_var.iter().flatten().map(|&y| (y, 1.0)).collect();
            if !terms.is_empty() {
                self.lp.le(terms, max_sites as f64);
            }
        }
    }

    /// The objective of `p.objective` (with its cost cap or budget row).
    fn objective(&mut self) {
        let p = self.p;
        let cost_ub = cost_upper_bound(p);
        match p.objective {
            Objective::MinCost => {
                self.lp.objective = std::mem::take(&mut self.cost);
                for u in self.unserved_var.iter().flatten() {
                    self.lp.objective.push((*u, p.unserved_penalty_aud_per_mw));
                }
            }
            Objective::MinWorstRtt => self.min_worst_rtt(cost_ub),
            Objective::MaxCoverage => {
                let scale = p
                    .budget_aud_per_yr
                    .map_or(cost_ub, |c| c.min(cost_ub))
                    .max(1.0);
                let eps = 1e-3 / scale;
                if let Some(budget) = p.budget_aud_per_yr {
                    self.lp.le(self.cost.clone(), budget);
                }
                self.lp.maximise = true;
                self.lp.objective_constant = p.cities.iter().map(|c| c.demand_mw).sum();
                self.lp.objective = self.cost.iter().map(|&(v, c)| (v, -c * eps)).collect();
                for u in self.unserved_var.iter().flatten() {
                    self.lp.objective.push((*u, -1.0));
                }
            }
        }
    }

    /// min T + ε·cost with T ≥ rtt_ij z_ij, x_ij ≤ ub_ij z_ij, z_ij ≤ y_i (and the cost cap).
    fn min_worst_rtt(&mut self, cost_ub: f64) {
        let p = self.p;
        let scale = p
            .cost_cap_aud_per_yr
            .map_or(cost_ub, |c| c.min(cost_ub))
            .max(1.0);
        let eps = 1e-3 / scale;
        let lp = &mut self.lp;
        let t = lp.var(0.0, f64::INFINITY, false);
        self.worst_rtt_var = Some(t);
        for &(i, j, x) in &self.flow_vars {
            let Some(y) = self.open_var[i] else { continue };
            let ub = flow_upper(p, i, j).max(0.0);
            let z = lp.var(0.0, 1.0, true);
            lp.le(vec![(x, 1.0), (z, -ub)], 0.0);
            lp.le(vec![(z, 1.0), (y, -1.0)], 0.0);
            lp.le(vec![(z, p.rtt_ms[i][j]), (t, -1.0)], 0.0);
        }
        if let Some(cap) = p.cost_cap_aud_per_yr {
            lp.le(self.cost.clone(), cap);
        }
        lp.objective = self.cost.iter().map(|&(v, c)| (v, c * eps)).collect();
        lp.objective.push((t, 1.0));
    }
}

/// Removes solver noise: values within `1e-7·max(1, |reference|)` of zero become zero.
fn clean(v: f64, reference: f64) -> f64 {
    if v.abs() <= 1e-7 * reference.abs().max(1.0) {
        0.0
    } else {
        v
    }
}

impl BuiltModel {
    /// Adds a capacity row `Σ coef c_i ≥ min_mw` over the sites that have capacity variables.
    pub fn add_capacity_row(&mut self, r: &super::CapacityRow) {
        let terms: Vec<(usize, f64)> = r
            .terms
            .iter()
            .filter_map(|&(i, coef)| {
                let cv = self.capacity_var.get(i).copied().flatten();
                cv.map(|(w, sc)| (w, -coef * sc))
            })
            .collect();
        self.lp.le(terms, -r.min_mw);
    }

    /// Adds a flow cap `Σ_{i∈S} x_ij ≤ max_mw` over the pairs that have flow variables.
    pub fn add_flow_cap(&mut self, c: &super::FlowCap) {
        let terms: Vec<(usize, f64)> = self
            .flow_vars
            .iter()
            .filter(|&&(i, j, _)| j == c.city && c.sites.contains(&i))
            .map(|&(_, _, x)| (x, 1.0))
            .collect();
        if !terms.is_empty() {
            self.lp.le(terms, c.max_mw);
        }
    }
}

impl BuiltModel {
    /// The [`Solution`] encoded by variable `values` (one per variable of [`Self::lp`]), with
    /// solver noise removed and flows sorted by (site, city).
    pub fn solution(&self, p: &SitingProblem, values: &[f64]) -> Result<Solution> {
        if values.len() != self.lp.vars.len() {
            return Err(Error::Internal(format!(
                "solver returned {} values for {} variables",
                values.len(),
                self.lp.vars.len()
            )));
        }
        let open: Vec<bool> = self
            .open_var
            .iter()
            .map(|y| y.map(|y| values[y] > 0.5).unwrap_or(false))
            .collect();
        let capacity_mw: Vec<f64> = self
            .capacity_var
            .iter()
            .enumerate()
            .map(|(i, cv)| match cv {
                Some((w, scale)) if open[i] => {
                    let raw = values[*w];
                    let w = if self.lp.vars[*w].integer {
                        raw.round()
                    } else {
                        raw
                    };
                    clean(w * scale, p.sites[i].max_mw)
                }
                _ => 0.0,
            })
            .collect();
        let mut flows: Vec<(usize, usize, f64)> = self
            .flow_vars
            .iter()
            .filter(|(i, _, _)| open[*i])
            .map(|&(i, j, x)| (i, j, clean(values[x], p.cities[j].demand_mw)))
            .filter(|&(_, _, v)| v > 0.0)
            .collect();
        flows.sort_by_key(|f| (f.0, f.1));
        let unserved_mw = self
            .unserved_var
            .iter()
            .enumerate()
            .map(|(j, u)| {
                u.map(|u| clean(values[u], p.cities[j].demand_mw).max(0.0))
                    .unwrap_or(0.0)
            })
            .collect();
        let expansion_mw = self
            .expansion_var
            .iter()
            .enumerate()
            .map(|(r, e)| {
                e.map(|e| clean(values[e], p.zones[r].limit_mw.unwrap_or(1.0)).max(0.0))
                    .unwrap_or(0.0)
            })
            .collect();
        Ok(Solution {
            open,
            capacity_mw,
            flows,
            unserved_mw,
            expansion_mw,
        })
    }
}

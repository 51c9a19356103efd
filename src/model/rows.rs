//! The promise rows of a siting problem: capacity rows (`Σ coef · c_i ≥ min_mw`), flow caps
//! (`Σ_{i ∈ S} x_ij ≤ max_mw`) and contingencies (failure scenarios whose Hall rows the engine
//! generates as capacity rows), their validation, and the checks the engine and the checker
//! share: which site indices a row names, whether a plan meets a row.

use super::{Contingency, SitingProblem, Solution};
use crate::error::{Issues, Location};

const WHERE: &str = "<siting problem>";

/// Validates capacity rows, flow caps and contingencies (indices, distinct sites, finite
/// numbers), recording every problem in `issues`.
pub fn validate_rows(p: &SitingProblem, issues: &mut Issues) {
    let at = |record: String, field: &str| Location::file(WHERE).record(record).field(field);
    let n = p.sites.len();
    for (k, r) in p.capacity_rows.iter().enumerate() {
        let rec = format!("capacity_rows[{k}] \"{}\"", r.id);
        if !r.min_mw.is_finite() {
            issues.push(
                at(rec.clone(), "min_mw"),
                "a finite number",
                r.min_mw.to_string(),
                "",
            );
        }
        let sites: Vec<usize> = r.terms.iter().map(|t| t.0).collect();
        distinct_sites(&sites, n, issues, at(rec.clone(), "terms"));
        if let Some(&(_, c)) = r.terms.iter().find(|t| !t.1.is_finite()) {
            issues.push(at(rec, "terms"), "finite coefficients", c.to_string(), "");
        }
    }
    for (k, c) in p.flow_caps.iter().enumerate() {
        let rec = format!("flow_caps[{k}] \"{}\"", c.id);
        if c.city >= p.cities.len() {
            let expected = format!("a city index < {}", p.cities.len());
            issues.push(at(rec.clone(), "city"), expected, c.city.to_string(), "");
        }
        if !(c.max_mw.is_finite() && c.max_mw >= 0.0) {
            let found = c.max_mw.to_string();
            issues.push(at(rec.clone(), "max_mw"), "a finite number ≥ 0", found, "");
        }
        distinct_sites(&c.sites, n, issues, at(rec, "sites"));
    }
    for (k, c) in p.contingencies.iter().enumerate() {
        validate_contingency(p, k, c, issues);
    }
}

/// One contingency: a share in (0, 1] and pairs inside the matrices.
fn validate_contingency(p: &SitingProblem, k: usize, c: &Contingency, issues: &mut Issues) {
    let rec = format!("contingencies[{k}] \"{}\"", c.id);
    let at = |field: &str| Location::file(WHERE).record(rec.clone()).field(field);
    if !(c.serve_share > 0.0 && c.serve_share <= 1.0) {
        let found = c.serve_share.to_string();
        issues.push(at("serve_share"), "a number in (0, 1]", found, "");
    }
    let (n, m) = (p.sites.len(), p.cities.len());
    if let Some(&(i, j)) = c.lost_pairs.iter().find(|&&(i, j)| i >= n || j >= m) {
        let expected = format!("(site < {n}, city < {m}) pairs");
        issues.push(at("lost_pairs"), expected, format!("({i}, {j})"), "");
    }
}

/// Records an issue if `sites` has an index out of range or a repeated one.
fn distinct_sites(sites: &[usize], n: usize, issues: &mut Issues, at: Location) {
    let mut seen = vec![false; n];
    for &i in sites {
        if i >= n || seen[i] {
            let expected = format!("distinct site indices < {n}");
            issues.push(
                at,
                expected,
                i.to_string(),
                "indices into SitingProblem::sites",
            );
            return;
        }
        seen[i] = true;
    }
}

/// `in_row[i]`: site i has a non-zero coefficient in some capacity row (so it needs capacity
/// variables even when it serves no city).
pub fn in_capacity_row(p: &SitingProblem) -> Vec<bool> {
    let mut out = vec![false; p.sites.len()];
    for r in &p.capacity_rows {
        for &(i, coef) in &r.terms {
            if coef != 0.0 {
                if let Some(v) = out.get_mut(i) {
                    *v = true;
                }
            }
        }
    }
    out
}

/// Left-hand side of a capacity row at the plan's capacities.
pub fn capacity_lhs(r: &super::CapacityRow, s: &Solution) -> f64 {
    r.terms
        .iter()
        .map(|&(i, coef)| coef * s.capacity_mw.get(i).copied().unwrap_or(0.0))
        .sum()
}

/// Left-hand side of a flow cap: the MW its sites carry for its city.
pub fn flow_cap_lhs(c: &super::FlowCap, s: &Solution) -> f64 {
    let mut member = std::collections::BTreeSet::new();
    member.extend(c.sites.iter().copied());
    s.flows
        .iter()
        .filter(|&&(i, j, _)| j == c.city && member.contains(&i))
        .map(|&(_, _, x)| x)
        .sum()
}

/// Per site, the cities it may serve after contingency `c` (the problem's allowed pairs less
/// the lost ones), as a predicate over (site, city).
pub fn allowed_after<'a>(
    p: &'a SitingProblem,
    c: &Contingency,
) -> impl Fn(usize, usize) -> bool + 'a {
    let lost: std::collections::HashSet<(usize, usize)> = c.lost_pairs.iter().copied().collect();
    move |i, j| {
        super::build::pair_allowed(p, i, j) && !p.sites[i].excluded && !lost.contains(&(i, j))
    }
}

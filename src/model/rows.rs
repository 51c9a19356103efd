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
    if let Some(sep) = &p.separation {
        let at = Location::file(WHERE)
            .record("separation".to_string())
            .field("close");
        if sep.close.len() != n || !(sep.min_km.is_finite() && sep.min_km >= 0.0) {
            let found = format!("{} lists, min_km {}", sep.close.len(), sep.min_km);
            issues.push(
                at,
                format!("one list per site ({n}) and min_km ≥ 0"),
                found,
                "",
            );
        } else if let Some(i) = (0..n).find(|&i| {
            let c = &sep.close[i];
            c.iter().any(|&k| k >= n || k == i) || c.windows(2).any(|w| w[0] >= w[1])
        }) {
            issues.push(
                at,
                format!("sorted, distinct site indices < {n}, not the site itself"),
                format!("close[{i}]"),
                "",
            );
        }
    }
}

/// Site groups that break separation in a plan: for every city with `min_sites = k ≥ 2`,
/// every set of its serving sites that are mutually close (`close(a, b)`) and carry more than
/// `D / k` (beyond 1e-6 relative), as (city, sites). Brute force over the serving sites'
/// subsets (at most 2^20: a plan serves a city from a handful of sites).
pub fn separation_breaks(
    p: &SitingProblem,
    s: &Solution,
    close: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (j, c) in p.cities.iter().enumerate() {
        if c.min_sites < 2 {
            continue;
        }
        let cap = c.demand_mw / f64::from(c.min_sites);
        let served: Vec<(usize, f64)> = s
            .flows
            .iter()
            .filter(|&&(_, jj, x)| jj == j && x > 1e-9)
            .map(|&(i, _, x)| (i, x))
            .collect();
        let n = served.len().min(20);
        for mask in 1u32..(1 << n) {
            let members: Vec<usize> = (0..n).filter(|&b| mask & (1 << b) != 0).collect();
            if members.len() < 2 {
                continue;
            }
            let clique = members.iter().enumerate().all(|(x, &a)| {
                members[x + 1..]
                    .iter()
                    .all(|&b| close(served[a].0, served[b].0))
            });
            let load: f64 = members.iter().map(|&b| served[b].1).sum();
            if clique && load > cap + 1e-6 * cap.max(1.0) {
                out.push((j, members.iter().map(|&b| served[b].0).collect()));
            }
        }
    }
    out
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
    move |i, j| pair_allowed(p, i, j) && !p.sites[i].excluded && !lost.contains(&(i, j))
}

/// True if pair (i, j) may carry flow: finite RTT within the city's limit.
pub fn pair_allowed(p: &SitingProblem, i: usize, j: usize) -> bool {
    let rtt = p
        .rtt_ms
        .get(i)
        .and_then(|r| r.get(j))
        .copied()
        .unwrap_or(f64::INFINITY);
    let limit = p.cities.get(j).map_or(f64::NAN, |c| c.max_rtt_ms);
    rtt.is_finite() && rtt <= limit
}

//! Maximum flow on the site → city transportation graph: how much of each city's demand a set
//! of built sites can serve when only some (site, city) pairs are allowed. Used to verify
//! promises independently of the solver (e.g. what is still servable after a cable is lost).
//!
//! Edmonds–Karp (shortest augmenting paths by breadth-first search) on source → site (built
//! MW) → city (allowed pairs, unbounded) → sink (demand MW). The graph is small (open sites ×
//! cities), so the O(V E²) bound is no concern; capacities are MW as `f64`, and augmentations
//! below [`EPS_MW`] are ignored.

use std::collections::VecDeque;

/// Flows below this many MW are treated as zero.
pub const EPS_MW: f64 = 1e-9;

/// Per city, the MW a maximum flow serves from sites of `capacity_mw` to cities of
/// `demand_mw`, where site `i` may serve city `j` only if `allowed(i, j)`.
///
/// ```
/// use sitefind::model::flow::max_served;
/// // Two sites of 60 MW; city 0 (100 MW) reaches both, city 1 (50 MW) only site 1.
/// let served = max_served(&[60.0, 60.0], &[100.0, 50.0], &|i, j| j == 0 || i == 1);
/// assert!((served.iter().sum::<f64>() - 120.0).abs() < 1e-9);
/// ```
pub fn max_served(
    capacity_mw: &[f64],
    demand_mw: &[f64],
    allowed: &dyn Fn(usize, usize) -> bool,
) -> Vec<f64> {
    max_flow(capacity_mw, demand_mw, allowed).served_mw
}

/// A maximum flow's result: what each city is served and the cities on the sink side of a
/// minimum cut.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxFlow {
    /// Per city, the MW served.
    pub served_mw: Vec<f64>,
    /// The cities not reachable from the source in the final residual graph (sorted). When
    /// some demand is unserved, they form a set `T` whose demand exceeds what the sites that
    /// may serve any of them can hold (Hall's condition, by max-flow min-cut): the row
    /// `Σ_{i ∈ N(T)} c_i ≥ Σ_{j ∈ T} d_j` is violated.
    pub deficient_cities: Vec<usize>,
}

/// [`max_served`] with the minimum cut's deficient cities.
pub fn max_flow(
    capacity_mw: &[f64],
    demand_mw: &[f64],
    allowed: &dyn Fn(usize, usize) -> bool,
) -> MaxFlow {
    let (n, m) = (capacity_mw.len(), demand_mw.len());
    let mut g = Graph::new(n + m + 2);
    let (source, sink) = (n + m, n + m + 1);
    for (i, &c) in capacity_mw.iter().enumerate() {
        g.add(source, i, c.max(0.0));
        for j in 0..m {
            if allowed(i, j) {
                g.add(i, n + j, f64::INFINITY);
            }
        }
    }
    let sink_edges: Vec<usize> = demand_mw
        .iter()
        .enumerate()
        .map(|(j, &d)| g.add(n + j, sink, d.max(0.0)))
        .collect();
    while let Some(path) = g.augmenting_path(source, sink) {
        let push = path
            .iter()
            .map(|&e| g.residual(e))
            .fold(f64::INFINITY, f64::min);
        if push <= EPS_MW {
            break;
        }
        for &e in &path {
            g.flow[e] += push;
            g.flow[e ^ 1] -= push;
        }
    }
    let reached = g.reachable(source);
    MaxFlow {
        served_mw: sink_edges.iter().map(|&e| g.flow[e].max(0.0)).collect(),
        deficient_cities: (0..m).filter(|&j| !reached[n + j]).collect(),
    }
}

/// A residual graph: edges in pairs (forward `e`, reverse `e ^ 1`).
struct Graph {
    head: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<f64>,
    flow: Vec<f64>,
}

impl Graph {
    fn new(nodes: usize) -> Graph {
        Graph {
            head: vec![Vec::new(); nodes],
            to: Vec::new(),
            cap: Vec::new(),
            flow: Vec::new(),
        }
    }

    /// Adds an edge `a → b` of capacity `cap` (and its reverse); returns the forward edge.
    fn add(&mut self, a: usize, b: usize, cap: f64) -> usize {
        let e = self.to.len();
        for (from, to, c) in [(a, b, cap), (b, a, 0.0)] {
            self.head[from].push(self.to.len());
            self.to.push(to);
            self.cap.push(c);
            self.flow.push(0.0);
        }
        e
    }

    fn residual(&self, e: usize) -> f64 {
        self.cap[e] - self.flow[e]
    }

    /// Nodes reachable from `source` over edges with residual capacity.
    fn reachable(&self, source: usize) -> Vec<bool> {
        self.search(source).0
    }

    /// Breadth-first search from `source` over edges with residual capacity: which nodes are
    /// reached, and the edge each was first reached by.
    fn search(&self, source: usize) -> (Vec<bool>, Vec<Option<usize>>) {
        let mut via: Vec<Option<usize>> = vec![None; self.head.len()];
        let mut seen = vec![false; self.head.len()];
        seen[source] = true;
        let mut queue = VecDeque::from([source]);
        while let Some(u) = queue.pop_front() {
            for &e in &self.head[u] {
                let v = self.to[e];
                if !seen[v] && self.residual(e) > EPS_MW {
                    seen[v] = true;
                    via[v] = Some(e);
                    queue.push_back(v);
                }
            }
        }
        (seen, via)
    }

    /// The edges of a shortest path with residual capacity, if any.
    fn augmenting_path(&self, source: usize, sink: usize) -> Option<Vec<usize>> {
        let (seen, via) = self.search(source);
        if !seen[sink] {
            return None;
        }
        let mut path = Vec::new();
        let mut v = sink;
        while let Some(e) = via[v] {
            path.push(e);
            v = self.to[e ^ 1];
        }
        path.reverse();
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force for one or two cities: the best split of each site's capacity.
    #[test]
    fn matches_hand_computed_flows() {
        // City 0 reaches sites 0 and 1, city 1 only site 1: 60 + 60 capacity, 100 + 50 demand.
        let s = max_served(&[60.0, 60.0], &[100.0, 50.0], &|i, j| j == 0 || i == 1);
        assert!((s[0] + s[1] - 120.0).abs() < 1e-9, "{s:?}");
        assert!(s[1] <= 50.0 + 1e-9 && s[0] <= 100.0 + 1e-9);
        // A city no site may serve gets nothing; the other is capped by its demand.
        let s = max_served(&[500.0], &[30.0, 40.0], &|_, j| j == 1);
        assert_eq!(s, vec![0.0, 40.0]);
        // Re-routing is needed: greedy site 0 → city 0 would strand city 1.
        let s = max_served(&[10.0, 10.0], &[10.0, 10.0], &|i, j| !(i == 1 && j == 1));
        assert!(
            (s[0] - 10.0).abs() < 1e-9 && (s[1] - 10.0).abs() < 1e-9,
            "{s:?}"
        );
    }

    /// The deficient set of a minimum cut is the set whose Hall row is violated.
    #[test]
    fn deficient_cities_violate_hall() {
        // Sites 0 (50 MW) and 1 (50 MW); city 0 (80 MW) reaches only site 0, city 1 (10 MW)
        // both: T = {0}, N(T) = {0}, 50 < 80.
        let f = max_flow(&[50.0, 50.0], &[80.0, 10.0], &|i, j| j == 1 || i == 0);
        assert!((f.served_mw.iter().sum::<f64>() - 60.0).abs() < 1e-9);
        assert_eq!(f.deficient_cities, vec![0]);
        // Enough capacity: every city reachable in the residual graph is fully served, and the
        // deficient set carries no unmet demand.
        let f = max_flow(&[90.0, 50.0], &[80.0, 10.0], &|i, j| j == 1 || i == 0);
        assert!((f.served_mw.iter().sum::<f64>() - 90.0).abs() < 1e-9);
    }
}

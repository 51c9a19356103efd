//! Maximal cliques of the closeness graph (Bron–Kerbosch with Tomita's pivot), for the
//! separation caps written before the first round of [`super::lazy`].
//!
//! A separation promise caps what a city takes from every group of mutually close sites; the
//! caps of the maximal cliques imply all others. Generated only from the plans that break them,
//! a round adds one cap and the next plan moves to the next close pair, so the embedded main job
//! needed five whole solves. Where the cliques of the sites that may serve a city are few
//! (they are on the embedded and the national data: sites cluster around a few substations),
//! writing them all out first settles the promise in the first round; where they are many,
//! the enumeration stops at a limit and the rows stay lazy.

/// The maximal cliques (of two or more members) of the graph induced by `nodes` in the
/// symmetric adjacency `close` (`close[i]` sorted), each sorted, in lexicographic order; `None`
/// when there are more than `limit`.
pub fn maximal_cliques(
    nodes: &[usize],
    close: &[Vec<usize>],
    limit: usize,
) -> Option<Vec<Vec<usize>>> {
    let mut in_set = vec![false; close.len()];
    for &i in nodes {
        if let Some(x) = in_set.get_mut(i) {
            *x = true;
        }
    }
    let adj = |i: usize| -> Vec<usize> {
        close.get(i).map_or(Vec::new(), |v| {
            v.iter()
                .copied()
                .filter(|&k| in_set.get(k) == Some(&true))
                .collect()
        })
    };
    let neighbours: Vec<(usize, Vec<usize>)> = nodes.iter().map(|&i| (i, adj(i))).collect();
    let lookup: std::collections::HashMap<usize, &Vec<usize>> =
        neighbours.iter().map(|(i, v)| (*i, v)).collect();
    let mut search = Search {
        adj: &lookup,
        out: Vec::new(),
        limit,
    };
    let mut p: Vec<usize> = nodes
        .iter()
        .copied()
        .filter(|i| lookup.get(i).is_some_and(|v| !v.is_empty()))
        .collect();
    p.sort_unstable();
    p.dedup();
    if !search.expand(&mut Vec::new(), p, Vec::new()) {
        return None;
    }
    let mut out = search.out;
    for c in &mut out {
        c.sort_unstable();
    }
    out.sort();
    Some(out)
}

/// The state of one enumeration.
struct Search<'a> {
    adj: &'a std::collections::HashMap<usize, &'a Vec<usize>>,
    out: Vec<Vec<usize>>,
    limit: usize,
}

impl Search<'_> {
    fn neighbours(&self, v: usize) -> &[usize] {
        self.adj.get(&v).map_or(&[], |x| x.as_slice())
    }

    /// Bron–Kerbosch step: `r` the clique so far, `p` the candidates, `x` the excluded (all
    /// sorted). False when the limit was passed.
    fn expand(&mut self, r: &mut Vec<usize>, mut p: Vec<usize>, mut x: Vec<usize>) -> bool {
        if p.is_empty() {
            if x.is_empty() && r.len() >= 2 {
                self.out.push(r.clone());
            }
            return self.out.len() <= self.limit;
        }
        // Pivot: the vertex of P ∪ X with the most neighbours in P.
        let count = |u: usize| intersect(self.neighbours(u), &p).len();
        let pivot = p
            .iter()
            .chain(&x)
            .copied()
            .max_by_key(|&u| (count(u), std::cmp::Reverse(u)))
            .unwrap_or(p[0]);
        let skip = self.neighbours(pivot).to_vec();
        let branch: Vec<usize> = p
            .iter()
            .copied()
            .filter(|v| skip.binary_search(v).is_err())
            .collect();
        for v in branch {
            let nv = self.neighbours(v).to_vec();
            r.push(v);
            let ok = self.expand(r, intersect(&nv, &p), intersect(&nv, &x));
            r.pop();
            if !ok {
                return false;
            }
            p.retain(|&u| u != v);
            if let Err(k) = x.binary_search(&v) {
                x.insert(k, v);
            }
        }
        true
    }
}

/// The sorted intersection of two sorted lists.
fn intersect(a: &[usize], b: &[usize]) -> Vec<usize> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adjacency lists from an edge list.
    fn graph(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut g = vec![Vec::new(); n];
        for &(a, b) in edges {
            g[a].push(b);
            g[b].push(a);
        }
        for v in &mut g {
            v.sort_unstable();
        }
        g
    }

    /// Every maximal clique by brute force over subsets.
    fn brute(n: usize, g: &[Vec<usize>]) -> Vec<Vec<usize>> {
        let clique = |m: u32| {
            (0..n).all(|a| {
                (0..n)
                    .all(|b| a == b || m & (1 << a) == 0 || m & (1 << b) == 0 || g[a].contains(&b))
            })
        };
        let mut out = Vec::new();
        for m in 1u32..(1 << n) {
            if m.count_ones() < 2 || !clique(m) {
                continue;
            }
            let maximal = (0..n).all(|v| m & (1 << v) != 0 || !clique(m | (1 << v)));
            if maximal {
                out.push(
                    (0..n)
                        .filter(|&v| m & (1 << v) != 0)
                        .collect::<Vec<usize>>(),
                );
            }
        }
        out.sort();
        out
    }

    #[test]
    fn matches_brute_force_on_random_graphs() {
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for trial in 0..200 {
            let n = 3 + trial % 9;
            let density = 0.2 + 0.6 * rnd();
            let mut edges = Vec::new();
            for a in 0..n {
                for b in a + 1..n {
                    if rnd() < density {
                        edges.push((a, b));
                    }
                }
            }
            let g = graph(n, &edges);
            let nodes: Vec<usize> = (0..n).collect();
            let got = maximal_cliques(&nodes, &g, usize::MAX);
            assert_eq!(got, Some(brute(n, &g)), "trial {trial}: {edges:?}");
        }
    }

    #[test]
    fn induced_subgraph_and_limit() {
        // A triangle 0-1-2 and an edge 2-3; without node 1 the cliques are {0,2} and {2,3}.
        let g = graph(4, &[(0, 1), (1, 2), (0, 2), (2, 3)]);
        assert_eq!(
            maximal_cliques(&[0, 2, 3], &g, 10),
            Some(vec![vec![0, 2], vec![2, 3]])
        );
        assert_eq!(maximal_cliques(&[0, 1, 2, 3], &g, 1), None);
        assert_eq!(maximal_cliques(&[3], &g, 10), Some(Vec::new()));
    }
}

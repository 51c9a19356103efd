//! Dijkstra's shortest paths over a small adjacency list, shared by the cable-route splitter
//! (`data::public`) and the latency graph (`latency`). Deterministic: ties are broken by node
//! index.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One outgoing arc: destination node, length (≥ 0), and a label carried into the
/// predecessor list (e.g. the edge index; `()` when not needed).
pub type Arc<E> = (usize, f64, E);

#[derive(PartialEq)]
struct Queued(f64, usize);
impl Eq for Queued {}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on distance, ties by node index.
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Multi-source Dijkstra over any graph: `neighbours(u)` yields `(v, length ≥ 0, label)` arcs;
/// `sources` are (node, starting distance). Returns the distance to each of the `n` nodes
/// (infinite if unreachable) and its predecessor `(previous node, arc label)`.
pub fn dijkstra_by<E, I, F>(
    n: usize,
    neighbours: F,
    sources: &[(usize, f64)],
) -> (Vec<f64>, Vec<Option<(usize, E)>>)
where
    E: Copy,
    I: Iterator<Item = Arc<E>>,
    F: Fn(usize) -> I,
{
    let mut dist = vec![f64::INFINITY; n];
    let mut pred: Vec<Option<(usize, E)>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    for &(i, d) in sources {
        if i < n && d < dist[i] {
            dist[i] = d;
            heap.push(Queued(d, i));
        }
    }
    while let Some(Queued(d, u)) = heap.pop() {
        if d > dist[u] {
            continue;
        }
        for (v, w, label) in neighbours(u) {
            let nd = d + w;
            if nd < dist[v] {
                dist[v] = nd;
                pred[v] = Some((u, label));
                heap.push(Queued(nd, v));
            }
        }
    }
    (dist, pred)
}

/// [`dijkstra_by`] over an adjacency list of `(v, length)` arcs; predecessors are node indices.
pub fn dijkstra(
    adj: &[Vec<(usize, f64)>],
    sources: &[(usize, f64)],
) -> (Vec<f64>, Vec<Option<usize>>) {
    let (dist, pred) = dijkstra_by(
        adj.len(),
        |u| adj[u].iter().map(|&(v, w)| (v, w, ())),
        sources,
    );
    (dist, pred.into_iter().map(|p| p.map(|(u, ())| u)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_paths_on_a_small_graph() {
        // 0 —1→ 1 —1→ 2, and 0 —5→ 2; arcs labelled 7, 9, 8.
        let adj: Vec<Vec<Arc<u8>>> =
            vec![vec![(1, 1.0, 7), (2, 5.0, 9)], vec![(2, 1.0, 8)], vec![]];
        let (d, p) = dijkstra_by(3, |u| adj[u].iter().copied(), &[(0, 0.0)]);
        assert_eq!(d, vec![0.0, 1.0, 2.0]);
        assert_eq!(p[2], Some((1, 8)));
        assert_eq!(p[0], None);
        let plain: Vec<Vec<(usize, f64)>> = vec![vec![(1, 1.0), (2, 5.0)], vec![(2, 1.0)], vec![]];
        let (d, p) = dijkstra(&plain, &[(1, 0.5)]);
        assert_eq!(p[2], Some(1));
        assert!(d[0].is_infinite() && d[2] == 1.5);
    }
}

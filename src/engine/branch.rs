//! Lagrangian branch and bound on the open/close variables (Beasley 1988's scheme for the
//! capacitated facility location problem), for least-cost problems whose MIP on the sites left
//! free after reduced-cost fixing is too large for the backend (many cities per site).
//!
//! Depth first. At each node the relaxation ([`super::lagrange`]) is re-optimised from the
//! parent's multipliers with the node's sites fixed; the node is pruned when its bound reaches
//! the incumbent (within the relative gap); otherwise its relaxed open set goes to the
//! heuristic, reduced-cost fixing is applied locally, and the node branches on the free site
//! whose reduced cost is closest to zero, the relaxation's value first. A node with every site
//! fixed is solved exactly by the fixed-set LP ([`super::heuristic::fixed_set_lp`]).
//!
//! **Exactness.** Every part of the search space is either pruned by a valid lower bound or
//! solved exactly, so when the search completes the reported bound
//! `min(incumbent, least bound of a pruned node)` is proven; when it stops at the deadline the
//! unexplored nodes' bounds enter the minimum too.

use super::heuristic::Heuristic;
use super::lagrange::{reduced_cost_fixing, Fix, Multipliers, Relaxation, SubgradientParams};
use crate::error::Result;
use std::time::Instant;

/// What the search proved.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchResult {
    /// Proven lower bound on the optimum (under the root fixing, i.e. for plans better than
    /// the incumbent the root fixing was made with).
    pub bound: f64,
    /// The search finished (else it stopped at the deadline).
    pub complete: bool,
    /// Nodes processed.
    pub nodes: usize,
}

struct Node {
    fix: Vec<Fix>,
    mult: Multipliers,
    bound: f64,
}

/// Runs the search from `root` (fixing and multipliers, `root_bound` its relaxation value)
/// with the incumbent in `heur` (costs `ub_extra` if the incumbent lives elsewhere). `progress`
/// gets (nodes, open nodes, incumbent, bound).
#[allow(clippy::too_many_arguments)]
pub fn branch_and_bound(
    rel: &Relaxation<'_>,
    heur: &mut Heuristic<'_>,
    root: Vec<Fix>,
    root_mult: Multipliers,
    root_bound: f64,
    ub_extra: f64,
    gap: f64,
    deadline: Option<Instant>,
    progress: &mut dyn FnMut(usize, usize, f64, f64),
) -> Result<BranchResult> {
    let params = SubgradientParams {
        max_iter: 300,
        theta: 0.5,
        patience: 20,
        min_theta: 1e-4,
        gap,
        stop_free: 0,
        deadline,
    };
    let ub = |h: &Heuristic<'_>| h.ub().min(ub_extra);
    let threshold = |u: f64| u - gap * u.abs().max(1.0);
    let mut stack = vec![Node {
        fix: root,
        mult: root_mult,
        bound: root_bound,
    }];
    let mut pruned_min = f64::INFINITY;
    let mut nodes = 0usize;
    while let Some(node) = stack.pop() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stack.push(node);
            let open_min = stack.iter().map(|n| n.bound).fold(f64::INFINITY, f64::min);
            return Ok(BranchResult {
                bound: ub(heur).min(pruned_min).min(open_min),
                complete: false,
                nodes,
            });
        }
        nodes += 1;
        if node.bound >= threshold(ub(heur)) {
            pruned_min = pruned_min.min(node.bound);
            continue;
        }
        if !node.fix.contains(&Fix::Free) {
            let open: Vec<bool> = node.fix.iter().map(|f| *f == Fix::Open).collect();
            // A leaf cut short by the deadline keeps its bound (its value is unknown).
            let v = match heur.evaluate(&open)? {
                Some(v) => v,
                None if heur.timed_out() => node.bound,
                None => f64::INFINITY,
            };
            pruned_min = pruned_min.min(v);
            continue;
        }
        let u0 = ub(heur);
        let (ev, mult) = rel.optimise(node.mult, &node.fix, u0, &params, &mut |_, _| None);
        let bound = ev.value.max(node.bound);
        if bound >= threshold(ub(heur)) {
            pruned_min = pruned_min.min(bound);
            continue;
        }
        heur.from_relaxation(&ev.open, &ev.h, &node.fix, 1)?;
        let fix = reduced_cost_fixing(rel, &ev, &node.fix, ub(heur));
        progress(nodes, stack.len(), ub(heur), {
            let open_min = stack.iter().map(|n| n.bound).fold(f64::INFINITY, f64::min);
            pruned_min.min(open_min).min(bound)
        });
        let branch = (0..fix.len())
            .filter(|&i| fix[i] == Fix::Free)
            .min_by(|&a, &b| ev.h[a].abs().total_cmp(&ev.h[b].abs()).then(a.cmp(&b)));
        let Some(i) = branch else {
            stack.push(Node { fix, mult, bound });
            continue;
        };
        let first = if ev.open[i] { Fix::Open } else { Fix::Closed };
        let second = if first == Fix::Open {
            Fix::Closed
        } else {
            Fix::Open
        };
        let mut f2 = fix.clone();
        f2[i] = second;
        stack.push(Node {
            fix: f2,
            mult: mult.clone(),
            bound,
        });
        let mut f1 = fix;
        f1[i] = first;
        stack.push(Node {
            fix: f1,
            mult,
            bound,
        });
    }
    Ok(BranchResult {
        bound: ub(heur).min(pruned_min),
        complete: true,
        nodes,
    })
}

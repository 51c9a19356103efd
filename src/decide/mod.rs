//! Decisions: everything that re-solves the siting problem after the base plan is found.
//!
//! The pipeline ([`crate::pipeline`]) turns a dataset, a demand and a scenario into one solved
//! and checked problem. The modules here ask further questions of that problem by solving it
//! again with something changed: near-optimal alternatives and each chosen site's margin
//! ([`alternatives`]), and Monte Carlo or grid sweeps over the scenario's parameters with the
//! regret of fixed plans ([`sweep`]); and what the plan depends on: the demand still servable
//! after each cable system's loss ([`resilience`]). They import the pipeline and the layers below it, never
//! the report (which renders their results) or the CLI.

pub mod alternatives;
pub mod policy;
pub mod resilience;
pub mod sweep;

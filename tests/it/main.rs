//! The one integration-test binary: modules per capability.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod architecture;
mod campus;
mod cli;
mod common;
mod data;
mod engine;
mod flex_siting;
mod fuzz;
mod geo;
mod grid;
mod latency;
mod outputs;
mod p95_outputs;
mod policy;
mod progress_steps;
mod promises;
mod public_data;
mod reliability;
mod resilience;
mod supply;
mod sweep_layers;
mod uncertainty;
mod warm;

//! The one integration-test binary: modules per capability.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod architecture;
mod campus;
mod cli;
mod common;
mod data;
mod engine;
mod fuzz;
mod geo;
mod grid;
mod latency;
mod outputs;
mod policy;
mod promises;
mod public_data;
mod reliability;
mod resilience;
mod supply;
mod uncertainty;
mod warm;

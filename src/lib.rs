//! # sitefind
//!
//! Decides where in Australia to build data centres that sell compute to Japan.
//!
//! The pipeline: a demand file and a dataset manifest are loaded into typed, validated layers
//! ([`data`]); the point and line layers are indexed in R-trees ([`spatial`]); candidate sites
//! are generated from substations near renewable-energy zones, the high-voltage backbone and
//! existing data-centre clusters, each with its attributes ([`candidates`]); every
//! (site, city) pair is timed through the submarine-cable graph ([`latency`]) and every site is
//! priced ([`cost`]); a mixed-integer programme built from those plain matrices ([`model`]) is
//! solved by a backend chosen at run time ([`engine`]); an independent checker recomputes
//! feasibility and cost ([`check`]); and the answer is reported as text, JSON, RFC 7946 GeoJSON
//! and an SVG map ([`report`]). [`job::run`] runs it all; `docs/architecture.md` draws the layers.
//!
//! ```
//! let crf = sitefind::scenario::crf(0.07, 20.0);
//! assert!((crf - 0.0944).abs() < 1e-4);
//! ```
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod benchmark;
pub mod candidates;
pub mod check;
pub mod cost;
pub mod data;
pub mod decide;
pub mod engine;
pub mod error;
pub mod flexload;
pub mod grid;
pub mod input;
pub mod job;
pub mod latency;
pub mod limits;
pub mod minerals;
pub mod model;
pub mod outcome;
pub mod output;
pub mod pipeline;
pub mod pricing;
pub mod progress;
pub mod promises;
pub mod report;
pub mod scenario;
pub mod spatial;
pub mod supply;

pub use error::{Error, Result};

//! Spatial indexes (R-trees) over the data layers, and geodesy helpers.
//!
//! With lon/lat points an R-tree measures squared degrees: queries prune with an envelope
//! sized from a km radius ([`geodesy::envelope_km`]) and decide with geodesic distance.

pub mod geodesy;
pub mod index;
pub mod shortest_path;

pub use index::{Indexes, LineIndex, PointIndex, ZoneIndex};

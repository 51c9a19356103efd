//! Outputs: atomic files, RFC 7946 GeoJSON, the SVG map, and (with the main job) the report.

pub mod atomic;
pub mod geojson;
pub mod svg;

pub use atomic::write_atomic;

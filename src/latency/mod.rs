//! Round-trip time through the submarine-cable graph (model.md §4).
//! (Stub: the contract; being written.)

use crate::data::{Dataset, LonLat};
use crate::error::{Error, Result};
use crate::scenario::LatencyParams;
use serde::{Deserialize, Serialize};

/// One timed route between two places, with its path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RttPath {
    /// Modelled round-trip time, ms.
    pub rtt_ms: f64,
    /// Physical floor: great-circle distance in fibre, round trip, no overhead, ms.
    pub floor_ms: f64,
    /// Landing station ids along the path, origin side first (empty for a terrestrial route).
    pub landings: Vec<String>,
    /// Cable system ids used, in order (empty for a terrestrial route).
    pub cables: Vec<String>,
    /// Terrestrial great-circle km from the origin to the first landing (or to the destination).
    pub terrestrial_origin_km: f64,
    /// Submarine fibre km along the cable path.
    pub cable_km: f64,
    /// Terrestrial great-circle km from the last landing to the destination.
    pub terrestrial_dest_km: f64,
}

/// RTTs from every site to every city, ms: `rtt_ms[site][city]` (infinite = no route).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RttMatrix {
    /// `rtt_ms[site][city]`.
    pub rtt_ms: Vec<Vec<f64>>,
}

/// The latency model: the cable graph and its parameters.
#[derive(Debug, Clone)]
pub struct LatencyModel {
    _params: LatencyParams,
}

impl LatencyModel {
    /// Builds the cable graph from a dataset; cut cables (unknown ids are an error) removed.
    pub fn build(_dataset: &Dataset, params: &LatencyParams) -> Result<LatencyModel> {
        let _ = params;
        Err(Error::Internal("latency model not yet implemented".into()))
    }

    /// The fastest route between two places and its RTT, or `None` if no route exists.
    pub fn rtt(&self, _from: LonLat, _to: LonLat) -> Option<RttPath> {
        None
    }

    /// RTT from every site to every city (fast path for the optimiser).
    pub fn rtt_matrix(&self, _sites: &[LonLat], _cities: &[LonLat]) -> RttMatrix {
        RttMatrix::default()
    }
}

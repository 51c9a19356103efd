//! Readers for the public formats exactly as published (Geoscience Australia, AEMO IASR,
//! TeleGeography, dcmap, Open Electricity). (Stub: being written.)

use super::{
    CableSystem, ExistingDataCentre, LandingStation, LayerSpec, MineralSite, RegionProfile,
    RenewableZone, Substation, TransmissionLine,
};
use crate::error::{Error, Result};

fn todo(spec: &LayerSpec) -> Error {
    Error::Internal(format!("{}: public reader not yet implemented", spec.label))
}

/// Reads REZs (`aemo-iasr-csv`).
pub fn load_zones(spec: &LayerSpec) -> Result<Vec<RenewableZone>> {
    Err(todo(spec))
}
/// Reads substations (`ga-geojson`).
pub fn load_substations(spec: &LayerSpec) -> Result<Vec<Substation>> {
    Err(todo(spec))
}
/// Reads transmission lines (`ga-geojson`).
pub fn load_lines(spec: &LayerSpec) -> Result<Vec<TransmissionLine>> {
    Err(todo(spec))
}
/// Reads mines and deposits (`ga-csv`).
pub fn load_minerals(spec: &LayerSpec) -> Result<Vec<MineralSite>> {
    Err(todo(spec))
}
/// Reads landing stations (`telegeography-geojson` or `telegeography-csv`).
pub fn load_landings(spec: &LayerSpec) -> Result<Vec<LandingStation>> {
    Err(todo(spec))
}
/// Reads cable systems (`telegeography-csv`, option `routes` = the cable GeoJSON).
pub fn load_cables(spec: &LayerSpec) -> Result<Vec<CableSystem>> {
    Err(todo(spec))
}
/// Reads existing data centres (`dcmap-csv`).
pub fn load_datacentres(spec: &LayerSpec) -> Result<Vec<ExistingDataCentre>> {
    Err(todo(spec))
}
/// Reads region price/temperature profiles (`opennem-annual-csv`).
pub fn load_regions(spec: &LayerSpec) -> Result<Vec<RegionProfile>> {
    Err(todo(spec))
}

//! The dataset manifest: which file and format each layer comes from.
//! (Stub: being written. `LayerSpec` and `LayerFormat` are the contract between the manifest
//! and the format readers in `own` and `public`.)

use super::Dataset;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The format of one layer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// sitefind's own CSV schema (README "Input formats").
    SitefindCsv,
    /// Geoscience Australia substations / transmission lines GeoJSON.
    GaGeojson,
    /// Geoscience Australia mines and mineral deposits CSV.
    GaCsv,
    /// AEMO 2025 IASR REZ table CSV.
    AemoIasrCsv,
    /// TeleGeography submarine cable map GeoJSON (landing points).
    TelegeographyGeojson,
    /// TeleGeography submarine cable map CSV (cables, or cable↔landing edges).
    TelegeographyCsv,
    /// dcmap facilities CSV (OpenStreetMap + PeeringDB data centres).
    DcmapCsv,
    /// Open Electricity NEM annual price/temperature CSV.
    OpennemAnnualCsv,
}

/// One layer in a manifest, with paths resolved against the manifest's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    /// The layer's main file (resolved).
    pub path: PathBuf,
    /// Its format.
    pub format: LayerFormat,
    /// The folder relative paths in `options` resolve against.
    pub base_dir: PathBuf,
    /// Format-specific options (extra files such as `routes`, year ranges, …) as written.
    pub options: BTreeMap<String, toml::Value>,
    /// Label for error messages (the path as written, or `<embedded>/file`).
    pub label: String,
}

impl LayerSpec {
    /// The resolved path of an extra file named by option `key`, if given.
    pub fn extra_path(&self, key: &str) -> Option<PathBuf> {
        self.options
            .get(key)
            .and_then(|v| v.as_str())
            .map(|p| self.base_dir.join(p))
    }
}

/// A dataset manifest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {}

impl Dataset {
    /// Loads and validates the dataset a manifest names.
    pub fn load(path: &Path) -> Result<Dataset> {
        Err(Error::Internal(format!(
            "{}: loader not yet implemented",
            path.display()
        )))
    }

    /// The default Australian dataset embedded in the binary (`data/`).
    pub fn embedded() -> Result<Dataset> {
        Err(Error::Internal(
            "embedded loader not yet implemented".into(),
        ))
    }
}

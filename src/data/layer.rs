//! One layer of a dataset as a manifest names it: its file format ([`LayerFormat`]) and its
//! resolved paths and options ([`LayerSpec`]). The manifest ([`super::manifest`]) produces
//! them; the readers of each format take them.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The format of one layer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// sitefind's own CSV schema (docs/data.md "sitefind's own CSV formats").
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
    /// AEMO ISP solar/wind trace CSV (one file, or a folder of them; [`crate::data::traces`]).
    AemoTraceCsv,
}

impl LayerFormat {
    /// Every format, in manifest-name order.
    pub const ALL: [LayerFormat; 9] = [
        LayerFormat::SitefindCsv,
        LayerFormat::GaGeojson,
        LayerFormat::GaCsv,
        LayerFormat::AemoIasrCsv,
        LayerFormat::TelegeographyGeojson,
        LayerFormat::TelegeographyCsv,
        LayerFormat::DcmapCsv,
        LayerFormat::OpennemAnnualCsv,
        LayerFormat::AemoTraceCsv,
    ];

    /// The format's name in a manifest (kebab-case), e.g. `sitefind-csv`.
    pub fn name(self) -> &'static str {
        match self {
            LayerFormat::SitefindCsv => "sitefind-csv",
            LayerFormat::GaGeojson => "ga-geojson",
            LayerFormat::GaCsv => "ga-csv",
            LayerFormat::AemoIasrCsv => "aemo-iasr-csv",
            LayerFormat::TelegeographyGeojson => "telegeography-geojson",
            LayerFormat::TelegeographyCsv => "telegeography-csv",
            LayerFormat::DcmapCsv => "dcmap-csv",
            LayerFormat::OpennemAnnualCsv => "opennem-annual-csv",
            LayerFormat::AemoTraceCsv => "aemo-trace-csv",
        }
    }

    /// The format with manifest name `name`, if any.
    pub fn from_name(name: &str) -> Option<LayerFormat> {
        LayerFormat::ALL.into_iter().find(|f| f.name() == name)
    }
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

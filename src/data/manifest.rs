//! The dataset manifest: which file and format each layer comes from.
//! (Stub: being written.)

use super::Dataset;
use crate::error::{Error, Result};
use std::path::Path;

/// The format of one layer's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// sitefind's own CSV schema.
    SitefindCsv,
}

/// One layer in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    /// File path, relative to the manifest.
    pub path: String,
    /// Its format.
    pub format: LayerFormat,
}

/// A dataset manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {}

impl Dataset {
    /// Loads and validates the dataset a manifest names.
    pub fn load(path: &Path) -> Result<Dataset> {
        Err(Error::Internal(format!("{}: loader not yet implemented", path.display())))
    }

    /// The default Australian dataset embedded in the binary (`data/`).
    pub fn embedded() -> Result<Dataset> {
        Err(Error::Internal("embedded loader not yet implemented".into()))
    }
}

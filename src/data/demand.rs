//! Japanese demand nodes: sitefind's JSON demand file (`data/jp.json`).
//! (Stub: the loader is being written.)

use super::DemandNode;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A validated set of demand nodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    /// Where it came from (path or `<embedded>/jp.json`).
    pub source: String,
    /// The nodes, in file order.
    pub nodes: Vec<DemandNode>,
}

impl Demand {
    /// Parses and validates a demand file's text; `label` names it in errors.
    pub fn from_json_str(label: &str, _text: &str) -> Result<Demand> {
        Err(Error::Internal(format!(
            "{label}: demand loader not yet implemented"
        )))
    }

    /// Reads, parses and validates a demand file.
    pub fn load(path: &Path) -> Result<Demand> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        Demand::from_json_str(&path.display().to_string(), &text)
    }

    /// The embedded default demand (`data/jp.json`).
    pub fn embedded() -> Result<Demand> {
        Demand::from_json_str("<embedded>/jp.json", include_str!("../../data/jp.json"))
    }
}

//! `sitefind candidates`. (Stub: being written.)

use super::CandidatesArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind candidates`.
pub fn run(_args: &CandidatesArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::Internal(
        "`sitefind candidates` is not implemented yet".into(),
    ))
}

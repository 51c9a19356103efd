//! `sitefind solve`. (Stub: being written.)

use super::SolveArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind solve`.
pub fn run(_args: &SolveArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::Internal(
        "`sitefind solve` is not implemented yet".into(),
    ))
}

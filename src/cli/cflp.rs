//! `sitefind cflp`. (Stub: being written.)

use super::CflpArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind cflp`.
pub fn run(_args: &CflpArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::Internal(
        "`sitefind cflp` is not implemented yet".into(),
    ))
}

//! `sitefind validate`. (Stub: being written.)

use super::ValidateArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind validate`.
pub fn run(_args: &ValidateArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::Internal(
        "`sitefind validate` is not implemented yet".into(),
    ))
}

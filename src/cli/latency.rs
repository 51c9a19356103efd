//! `sitefind latency`. (Stub: being written.)

use super::LatencyArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind latency`.
pub fn run(_args: &LatencyArgs, _out: &mut dyn Write) -> Result<()> {
    Err(Error::Internal(
        "`sitefind latency` is not implemented yet".into(),
    ))
}

//! `sitefind validate`: load and validate a dataset (and a demand file), print the layer
//! counts, the demand nodes and total MW, and `ok`; or return the error listing every problem.

use super::ValidateArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind validate`.
pub fn run(args: &ValidateArgs, out: &mut dyn Write) -> Result<()> {
    let ds = super::load_dataset(args.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    eprintln!("validated {} and {}", ds.source, demand.source);
    if let Some(a) = &demand.assumption {
        eprintln!("demand assumption: {a}");
    }
    let w = |e| Error::write("<stdout>", e);
    writeln!(out, "{:<14} {:>8}", "layer", "records").map_err(w)?;
    for (layer, n) in ds.counts() {
        writeln!(out, "{layer:<14} {n:>8}").map_err(w)?;
    }
    writeln!(out, "{:<14} {:>8}", "demand nodes", demand.nodes.len()).map_err(w)?;
    writeln!(
        out,
        "{:<14} {:>8}",
        "demand MW",
        format!("{:.1}", demand.total_it_load_mw())
    )
    .map_err(w)?;
    writeln!(out, "ok").map_err(w)?;
    Ok(())
}

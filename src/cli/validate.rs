//! `sitefind validate`: load and validate a dataset (and a demand file), print the layer
//! counts, the demand nodes and total MW, and `ok` (or, with `--format json`, the same as a
//! JSON document, schema `src/schema/validate.schema.json`); or return the error listing every
//! problem (exit 1, nothing on stdout).

use super::ValidateArgs;
use sitefind::{Error, Result};
use std::io::Write;

/// What `validate --format json` prints.
#[derive(Debug, serde::Serialize)]
struct Validation<'a> {
    /// The dataset manifest read.
    dataset: &'a str,
    /// The demand file read.
    demand: &'a str,
    /// How the demand was sized, as the demand file states it.
    demand_assumption: Option<&'a str>,
    /// Records per layer, in the manifest's order.
    layers: Vec<LayerCount>,
    /// Demand nodes.
    demand_nodes: usize,
    /// Total IT load of the demand, MW.
    demand_mw: f64,
    /// Always true (a dataset with a problem is an error, exit 1).
    ok: bool,
}

/// One layer's record count.
#[derive(Debug, serde::Serialize)]
struct LayerCount {
    layer: &'static str,
    records: usize,
}

/// Runs `sitefind validate`.
pub fn run(args: &ValidateArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let ds = super::load_dataset(args.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    eprintln!("validated {} and {}", ds.source, demand.source);
    if let Some(a) = &demand.assumption {
        eprintln!("demand assumption: {a}");
    }
    let w = |e| Error::write("<stdout>", e);
    if format == "json" {
        let v = Validation {
            dataset: &ds.source,
            demand: &demand.source,
            demand_assumption: demand.assumption.as_deref(),
            layers: ds
                .counts()
                .into_iter()
                .map(|(layer, records)| LayerCount { layer, records })
                .collect(),
            demand_nodes: demand.nodes.len(),
            demand_mw: demand.total_it_load_mw(),
            ok: true,
        };
        let text = super::schema::to_json("validate", &v, &[])?;
        return out.write_all(text.as_bytes()).map_err(w);
    }
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

//! `sitefind cflp`: solve one OR-Library capacitated facility location instance and compare
//! with its known optimum.

use super::CflpArgs;
use sitefind::benchmark::solve_file_with_progress;
use sitefind::engine::SolveOptions;
use sitefind::{Error, Result};
use std::io::Write;

/// Runs `sitefind cflp`.
pub fn run(args: &CflpArgs, out: &mut dyn Write) -> Result<()> {
    let opts = SolveOptions {
        backend: args.solver.clone(),
        time_limit_s: args.time_limit,
        mip_gap: args.mip_gap.unwrap_or(1e-6),
    };
    if !matches!(args.format.as_str(), "text" | "json") {
        return Err(Error::usage(
            format!("unknown --format `{}`", args.format),
            "use --format text or --format json",
        ));
    }
    let progress = super::progress::StageProgress::new(false);
    let run =
        solve_file_with_progress(&args.file, args.capacity, args.optimum, &opts, &mut |ev| {
            progress.solver(ev)
        })?;
    progress.finish();
    let w = |e| Error::write("<stdout>", e);
    if args.format == "json" {
        // The checker's cost terms are in the instance's own units (not AUD): kept exact.
        let json = super::schema::to_json("cflp", &run, &["check"])?;
        return out.write_all(json.as_bytes()).map_err(w);
    }
    let r = &run.report;
    let opt = |v: Option<f64>, prec: usize| match v {
        Some(v) => format!("{v:.prec$}"),
        None => "n/a".to_string(),
    };
    let mut text = String::new();
    text.push_str(&format!(
        "instance      {} ({} facilities × {} customers{})\n",
        run.instance,
        run.m,
        run.n,
        run.capacity
            .map(|c| format!(", capacity {c}"))
            .unwrap_or_default()
    ));
    text.push_str(&format!("solver        {}\n", r.backend));
    text.push_str(&format!("status        {:?}\n", r.status));
    text.push_str(&format!("objective     {:.3}\n", run.objective));
    text.push_str(&format!("best bound    {}\n", opt(r.best_bound, 3)));
    text.push_str(&format!(
        "gap           {}\n",
        r.gap
            .map(|g| format!("{:.4}%", g * 100.0))
            .unwrap_or("n/a".into())
    ));
    text.push_str(&format!("time          {:.3} s\n", r.solve_time_s));
    text.push_str(&format!(
        "model         {} variables ({} binary), {} constraints\n",
        r.n_variables, r.n_binaries, r.n_constraints
    ));
    text.push_str(&format!(
        "open          {} facilities\n",
        run.open_facilities
    ));
    text.push_str(&format!(
        "check         {} (max violation {:.2e})\n",
        if run.check.feasible {
            "feasible"
        } else {
            "INFEASIBLE"
        },
        run.check.max_violation
    ));
    for v in &run.check.violations {
        text.push_str(&format!("  violation: {v}\n"));
    }
    text.push_str(&format!("known optimum {}\n", opt(run.known_optimum, 3)));
    text.push_str(&format!(
        "rel. diff     {}\n",
        run.rel_diff
            .map(|d| format!("{d:.3e}"))
            .unwrap_or("n/a".into())
    ));
    out.write_all(text.as_bytes()).map_err(w)?;
    Ok(())
}

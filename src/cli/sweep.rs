//! `sitefind sweep`: Monte Carlo / grid sweeps with regret, shards, merge and a Slurm submit
//! script (see `sitefind::decide::sweep`).

use super::{MergeArgs, SweepArgs, SweepCommand, SweepGisArgs};
use sitefind::decide::sweep::{self, slurm, RegretCriterion, Sweep, SweepSpec};
use sitefind::output::{check_distinct, check_output, write_set, OutputPath};
use sitefind::progress::Counted;
use sitefind::report::{fgb, gpkg, layers};
use sitefind::{Error, Result};
use std::io::Write;
use std::path::Path;

fn criterion(v: &str) -> Result<RegretCriterion> {
    match v.to_ascii_lowercase().as_str() {
        "expected" | "mean" => Ok(RegretCriterion::Expected),
        "worst" | "max" => Ok(RegretCriterion::Worst),
        _ => Err(Error::usage(
            format!("--regret {v}: unknown criterion"),
            "use --regret expected (mean regret) or --regret worst (largest regret)",
        )),
    }
}

fn absolute(p: &Path) -> Result<String> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::read(".", e))?
            .join(p)
    };
    Ok(abs.display().to_string())
}

fn print_summary(out: &mut dyn Write, summary: &sweep::Summary, format: &str) -> Result<()> {
    let text = if format == "json" {
        super::schema::to_json("sweep", summary, &[])?
    } else {
        sitefind::report::sweep_text::render_text(summary)
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Error::write("<stdout>", e))
}

/// The files of a whole sweep as written: `summary.json` and `meta.json` carry their
/// `schema_version` (`sitefind schema sweep`, `sweep-meta`) and, with `rows.csv`, numbers
/// rounded by unit; `rows.jsonl` keeps every number exact (it is what `sweep merge` and other
/// tools re-read).
fn whole_outputs(
    meta: &sweep::SweepMeta,
    rows: &[sweep::Row],
    summary: &sweep::Summary,
) -> Result<Vec<(&'static str, String)>> {
    let mut files = sweep::outputs(meta, rows, summary)?;
    for (name, text) in &mut files {
        if *name == sweep::SUMMARY_JSON {
            *text = super::schema::to_json("sweep", summary, &[])?;
        } else if *name == sweep::META_JSON {
            let v: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| Error::Internal(format!("re-reading the sweep metadata: {e}")))?;
            *text = super::schema::to_json("sweep-meta", &v, &[])?;
        } else if *name == sweep::ROWS_CSV {
            *text = round_csv(text)?;
        }
    }
    Ok(files)
}

/// A CSV with every decimal number rounded by its column's unit
/// ([`sitefind::report::format::round_field`]).
fn round_csv(text: &str) -> Result<String> {
    let bad = |e: csv::Error| Error::Internal(format!("rounding the rows CSV: {e}"));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().map_err(bad)?.clone();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).map_err(bad)?;
    for rec in r.records() {
        let rec = rec.map_err(bad)?;
        let cells = rec.iter().zip(header.iter()).map(|(cell, key)| {
            let decimal = cell.contains(['.', 'e', 'E']);
            match cell.parse::<f64>() {
                Ok(x) if decimal && x.is_finite() => {
                    sitefind::report::format::round_field(key, x).to_string()
                }
                _ => cell.to_string(),
            }
        });
        w.write_record(cells).map_err(bad)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("rounding the rows CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("rows CSV: {e}")))
}

/// The `site_frequency` layer's files, checked before any work (the rules of every output:
/// a regular file or a new one in an existing, writable folder, the right extension, all
/// distinct; no `-`).
#[derive(Debug, Default)]
struct GisPlan {
    gpkg: Option<OutputPath>,
    fgb: Option<OutputPath>,
    geojson: Option<OutputPath>,
}

impl GisPlan {
    fn is_empty(&self) -> bool {
        self.gpkg.is_none() && self.fgb.is_none() && self.geojson.is_none()
    }
}

fn plan_gis(g: &SweepGisArgs) -> Result<GisPlan> {
    let one = |flag: &str, p: &Option<std::path::PathBuf>, ext: &[&str]| {
        p.as_deref()
            .map(|p| {
                if super::is_stdout(p) {
                    return Err(Error::usage(
                        format!("{flag} -: the site_frequency layer is written to a file, not to stdout"),
                        format!("give a file name, e.g. {flag} site_frequency.{}", ext[0]),
                    ));
                }
                check_output(flag, p, ext)
            })
            .transpose()
    };
    let plan = GisPlan {
        gpkg: one("--gpkg", &g.gpkg, &["gpkg"])?,
        fgb: one("--fgb", &g.fgb, &["fgb"])?,
        geojson: one("--geojson", &g.geojson, &["geojson", "json"])?,
    };
    let all: Vec<OutputPath> = [&plan.gpkg, &plan.fgb, &plan.geojson]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    check_distinct(&all)?;
    Ok(plan)
}

/// Writes the `site_frequency` layer of `summary` to every file of `plan`, as one set.
fn write_gis(plan: GisPlan, summary: &sweep::Summary) -> Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    let layer = layers::site_frequency(summary);
    let mut files: Vec<(OutputPath, Vec<u8>)> = Vec::new();
    if let Some(o) = plan.gpkg {
        files.push((o, gpkg::to_bytes(std::slice::from_ref(&layer))?));
    }
    if let Some(o) = plan.fgb {
        files.push((o, fgb::to_bytes(&layer)?));
    }
    if let Some(o) = plan.geojson {
        let text = serde_json::to_string(&layers::to_geojson(&layer))
            .map_err(|e| Error::Internal(format!("serialising GeoJSON: {e}")))?;
        files.push((o, text.into_bytes()));
    }
    write_set(&files)
}

/// `--gpkg`/`--fgb`/`--geojson` need the whole sweep's summary: not with `--shard` or
/// `--emit-slurm`.
fn refuse_partial_gis(args: &SweepArgs, shard: bool) -> Result<()> {
    let g = &args.gis;
    let flag = [
        ("--gpkg", g.gpkg.is_some()),
        ("--fgb", g.fgb.is_some()),
        ("--geojson", g.geojson.is_some()),
    ]
    .into_iter()
    .find_map(|(f, on)| on.then_some(f));
    match flag {
        Some(f) if shard || args.emit_slurm.is_some() => Err(Error::usage(
            format!(
                "{f} writes the whole sweep's site_frequency layer: not with {}",
                if shard { "--shard" } else { "--emit-slurm" }
            ),
            format!(
                "write it from the merged shards: sitefind sweep merge DIR… --out OUT {f} FILE"
            ),
        )),
        _ => Ok(()),
    }
}

fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(f()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| Error::Internal(format!("thread pool: {e}"))),
    }
}

/// Checks the Slurm options and every path written into the script before any work.
fn check_slurm_options(args: &SweepArgs) -> Result<()> {
    use sitefind::limits;
    limits::threads("--cpus-per-task", args.cpus_per_task)?;
    limits::slurm_time(&args.time)?;
    if let Some(p) = &args.partition {
        limits::slurm_partition(p)?;
    }
    let paths = [
        ("the sweep file", args.file.as_deref()),
        ("--out", args.out.as_deref()),
        ("--data", args.data.as_deref()),
        ("--demand", args.demand.as_deref()),
    ];
    for (what, p) in paths {
        if let Some(p) = p {
            limits::script_text(what, &absolute(p)?)?;
        }
    }
    Ok(())
}

/// The `--shard I/N` of `args`, checked against the number of samples and `--out`.
fn shard_arg(args: &SweepArgs, spec: &SweepSpec) -> Result<Option<(usize, usize)>> {
    let shard = args.shard.as_deref().map(sweep::parse_shard).transpose()?;
    if let Some((_, k)) = shard {
        sitefind::limits::count(
            "--shard I/N: N",
            k,
            1,
            spec.n_samples().max(1),
            "at most one shard per sample",
        )?;
    }
    if shard.is_some() && args.out.is_none() {
        return Err(Error::usage(
            "--shard needs --out DIR (the shard's folder, merged later)",
            "add --out shards/I",
        ));
    }
    Ok(shard)
}

/// The `sitefind` binary the Slurm script runs and the arguments it passes on, all checked.
fn slurm_command(args: &SweepArgs) -> Result<(String, Vec<String>)> {
    let mut extra = Vec::new();
    if let Some(d) = &args.data {
        extra.push(format!("--data {}", slurm::shell_quote(&absolute(d)?)));
    }
    if let Some(d) = &args.demand {
        extra.push(format!("--demand {}", slurm::shell_quote(&absolute(d)?)));
    }
    if let Some(r) = &args.regret {
        extra.push(format!("--regret {}", slurm::shell_quote(r)));
    }
    let bin = match &args.sitefind {
        Some(b) => b.clone(),
        None => std::env::current_exe()
            .map_err(|e| Error::Internal(format!("locating the sitefind binary: {e}")))?
            .display()
            .to_string(),
    };
    for (what, text) in std::iter::once(("--sitefind", bin.as_str()))
        .chain(extra.iter().map(|e| ("argument", e.as_str())))
    {
        sitefind::limits::script_text(what, text)?;
    }
    Ok((bin, extra))
}

/// `--emit-slurm SCRIPT`: checks the options and inputs, then writes the submit script.
fn emit_slurm(args: &SweepArgs, file: &Path, spec: &SweepSpec, sharded: bool) -> Result<()> {
    let Some(script) = &args.emit_slurm else {
        return Ok(());
    };
    let Some(dir) = &args.out else {
        return Err(Error::usage(
            "--emit-slurm needs --out DIR: where the cluster job writes its shards and the merged sweep",
            "add --out /shared/scratch/sweep (a folder every node can write)",
        ));
    };
    if sharded {
        return Err(Error::usage(
            "--emit-slurm and --shard do not go together",
            "the script runs every shard itself",
        ));
    }
    if args.shards == 0 || args.shards > spec.n_samples().max(1) {
        return Err(Error::usage(
            format!(
                "--shards must be between 1 and the number of samples ({}), found {}",
                spec.n_samples(),
                args.shards
            ),
            "e.g. --shards 4",
        ));
    }
    check_slurm_options(args)?;
    // Fail now on a bad dataset or demand file rather than on the cluster.
    let _ = super::load_dataset(args.data.as_deref())?;
    let _ = super::load_demand(args.demand.as_deref())?;
    let (bin, extra) = slurm_command(args)?;
    let text = slurm::script(&slurm::SlurmJob {
        sitefind: bin,
        sweep_file: absolute(file)?,
        extra_args: extra,
        shards: args.shards,
        out: absolute(dir)?,
        cpus_per_task: args.cpus_per_task,
        time: args.time.clone(),
        partition: args.partition.clone(),
    });
    sitefind::output::write_atomic(script, text.as_bytes())?;
    if !args.quiet {
        eprintln!(
            "wrote {} ({} shards): run `bash {}` on the cluster's login node",
            script.display(),
            args.shards,
            script.display()
        );
    }
    Ok(())
}

/// Runs the samples of `range` (all, or shard `shard`) with progress on stderr.
fn run_samples(
    args: &SweepArgs,
    sw: &Sweep<'_>,
    shard: Option<(usize, usize)>,
    prepared_s: f64,
) -> Result<(Vec<sweep::Row>, (usize, usize))> {
    let n = sw.meta.samples;
    let range = match shard {
        Some((i, k)) => sweep::shard_range(n, i, k),
        None => (0, n),
    };
    if !args.quiet {
        eprintln!(
            "sitefind sweep: {} samples{} · base plan {} · {} plan(s) evaluated per sample · prepared in {:.2} s",
            range.1 - range.0,
            shard
                .map(|(i, k)| format!(" (shard {i}/{k} of {n})"))
                .unwrap_or_default(),
            sw.meta
                .plans
                .first()
                .map(|p| p.sites.join(", "))
                .unwrap_or_default(),
            sw.meta.plans.len(),
            prepared_s
        );
    }
    let t = std::time::Instant::now();
    let bars = super::progress::Bars::new(args.quiet);
    let rows = with_threads(args.threads, || counted_run(sw, range, &bars))?;
    if !args.quiet {
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "  {} samples in {:.2} s ({:.1} samples/s, {} threads)",
            rows.len(),
            secs,
            rows.len() as f64 / secs.max(1e-9),
            args.threads.unwrap_or_else(rayon::current_num_threads)
        );
    }
    Ok((rows, range))
}

/// The samples of `range` in blocks of a few per thread, `bars` told after each block (step
/// "sweep samples"). Every sample depends on its index only, so the rows are the same as one
/// `Sweep::run` over the whole range.
fn counted_run(sw: &Sweep<'_>, range: (usize, usize), bars: &dyn Counted) -> Vec<sweep::Row> {
    let block = (4 * rayon::current_num_threads()).max(8);
    bars.start("sweep samples", (range.1 - range.0) as u64);
    let mut rows = Vec::with_capacity(range.1 - range.0);
    let mut from = range.0;
    while from < range.1 {
        let to = (from + block).min(range.1);
        rows.extend(sw.run((from, to)));
        bars.inc((to - from) as u64);
        from = to;
    }
    bars.finish();
    rows
}

/// Runs `sitefind sweep …`.
pub fn run(args: &SweepArgs, out: &mut dyn Write) -> Result<()> {
    if let Some(SweepCommand::Merge(m)) = &args.merge {
        return merge(m, out);
    }
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let Some(file) = &args.file else {
        return Err(Error::usage(
            "sitefind sweep: no sweep file given",
            "sitefind sweep FILE.toml [--out DIR] (see README \"Sweeps\"), or sitefind sweep merge DIR… --out OUT",
        ));
    };
    let mut spec = SweepSpec::from_file(file)?;
    if let Some(r) = &args.regret {
        spec.settings.regret = criterion(r)?;
    }
    if let Some(n) = args.threads {
        sitefind::limits::threads("--threads", n)?;
    }
    let shard = shard_arg(args, &spec)?;
    refuse_partial_gis(args, shard.is_some())?;
    if args.emit_slurm.is_some() {
        return emit_slurm(args, file, &spec, shard.is_some());
    }
    // The outputs are checked before any work.
    let out_dir = match &args.out {
        Some(d) => Some(sweep::check_out_dir(
            d,
            if shard.is_some() {
                &sweep::SHARD_FILES
            } else {
                &sweep::WHOLE_FILES
            },
        )?),
        None => None,
    };
    let gis = plan_gis(&args.gis)?;
    let ds = super::load_dataset(args.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    let t = std::time::Instant::now();
    let sw = Sweep::new(&ds, &demand, &spec)?;
    let (rows, range) = run_samples(args, &sw, shard, t.elapsed().as_secs_f64())?;
    if let Some((i, k)) = shard {
        let mut meta = sw.meta.clone();
        meta.shard = Some((i, k));
        meta.range = range;
        if let Some(dir) = &out_dir {
            sweep::write_dir(dir, &sweep::shard_outputs(&meta, &rows)?)?;
            if !args.quiet {
                eprintln!("  shard {i}/{k} written to {}", dir.dir.display());
            }
        }
        return Ok(());
    }
    let summary = sweep::summarise(&sw.meta, &rows, spec.settings.regret);
    if let Some(dir) = &out_dir {
        sweep::write_dir(dir, &whole_outputs(&sw.meta, &rows, &summary)?)?;
    }
    write_gis(gis, &summary)?;
    print_summary(out, &summary, &format)
}

fn merge(m: &MergeArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&m.format, &["text", "json"])?;
    let out_dir = sweep::check_out_dir(&m.out, &sweep::WHOLE_FILES)?;
    let gis = plan_gis(&m.gis)?;
    let (meta, rows) = sweep::merge(&m.dirs)?;
    let crit = match &m.regret {
        Some(r) => criterion(r)?,
        None => meta.settings.regret,
    };
    let summary = sweep::summarise(&meta, &rows, crit);
    sweep::write_dir(&out_dir, &whole_outputs(&meta, &rows, &summary)?)?;
    write_gis(gis, &summary)?;
    if m.quiet {
        return Ok(());
    }
    print_summary(out, &summary, &format)
}

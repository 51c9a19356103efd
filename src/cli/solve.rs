//! `sitefind solve` (also `sitefind` without a subcommand): the main job.

use super::SolveArgs;
use sitefind::job;
use sitefind::output::{check_distinct, check_output, write_set, OutputPath};
use sitefind::report::{allocations, fgb, geo, gpkg, layers, svg, text};
use sitefind::scenario::{Objective, Scenario};
use sitefind::{Error, Result};
use std::io::Write;

/// The scenario: defaults ← `--scenario` file ← flags.
fn scenario(args: &SolveArgs) -> Result<Scenario> {
    let mut s = super::scenario_from(&args.data, &args.regions)?;
    s.supply.cache_dir = super::cache::dir_unless(args.no_cache);
    apply_model_flags(args, &mut s)?;
    apply_other_flags(args, &mut s)?;
    s.validate("command line and scenario")?;
    check_flag_combinations(args, &s)?;
    Ok(s)
}

/// The `[model]` and `[latency]` flags: limits, redundancy, objective and site lists.
fn apply_model_flags(args: &SolveArgs, s: &mut Scenario) -> Result<()> {
    let m = &mut s.model;
    if let Some(v) = args.max_rtt_ms {
        m.max_rtt_ms = Some(v);
    }
    if args.survive_cable_cut {
        m.survive_cable_cut = true;
    }
    if let Some(kinds) = &args.survive_domains {
        m.survive_domains = kinds.clone();
    }
    if let Some(km) = args.min_separation_km {
        m.min_separation_km = km;
    }
    if let Some(v) = &args.limit_statistic {
        s.latency.limit_statistic = match v.to_ascii_lowercase().as_str() {
            "p50" | "median" => sitefind::scenario::RttStatistic::P50,
            "p95" => sitefind::scenario::RttStatistic::P95,
            _ => {
                return Err(Error::usage(
                    format!("--limit-statistic {v}: expected p50 or p95"),
                    "p95 (planning percentile, the default) or p50 (median)",
                ))
            }
        };
    }
    if let Some(v) = args.min_sites {
        m.min_sites_per_city = Some(v);
    }
    if let Some(v) = args.max_sites {
        m.max_sites = Some(v);
    }
    if let Some(o) = &args.objective {
        m.objective = match o.to_ascii_lowercase().as_str() {
            "min-cost" => Objective::MinCost,
            "min-worst-rtt" => Objective::MinWorstRtt,
            "max-coverage" => Objective::MaxCoverage,
            _ => {
                return Err(Error::usage(
                    format!("--objective {o}: unknown objective"),
                    "use min-cost, min-worst-rtt or max-coverage",
                ))
            }
        };
    }
    if let Some(v) = args.cost_cap_aud_per_yr {
        m.cost_cap_aud_per_yr = Some(v);
    }
    if let Some(v) = args.budget_aud_per_yr {
        m.budget_aud_per_yr = Some(v);
    }
    m.must_build.extend(args.must_build.iter().cloned());
    m.exclude.extend(args.exclude.iter().cloned());
    apply_policy_flags(args, s);
    Ok(())
}

/// The `[minerals]` and `[report] policy_prices` flags.
fn apply_policy_flags(args: &SolveArgs, s: &mut Scenario) {
    let mn = &mut s.minerals;
    if let Some(v) = args.min_mineral_share {
        mn.min_share = v;
    }
    if let Some(v) = args.mineral_radius_km {
        mn.radius_km = v;
    }
    mn.groups.extend(args.mineral_groups.iter().cloned());
    mn.status.extend(args.mineral_status.iter().cloned());
    if args.policy_prices {
        s.report.policy_prices = true;
    }
}

/// The supply, solver and alternatives flags.
fn apply_other_flags(args: &SolveArgs, s: &mut Scenario) -> Result<()> {
    if let Some(v) = args.renewable_share {
        s.cost.renewable_share = v;
    }
    if let Some(v) = args.cfe_target {
        s.supply.cfe_target = v;
    }
    if let Some(v) = args.flexible_training_share {
        s.demand.flexible_training_share = Some(v);
    }
    if let Some(v) = args.server_capex_aud_per_mw_yr {
        s.supply.server_capex_aud_per_mw_yr = Some(v);
    }
    if let Some(v) = &args.sourcing {
        s.supply.sourcing = sitefind::scenario::Sourcing::parse(v)?;
    }
    if let Some(b) = &args.solver {
        s.solver.backend = Some(b.clone());
    }
    if let Some(v) = args.time_limit {
        s.solver.time_limit_s = v;
    }
    if let Some(v) = args.mip_gap {
        s.solver.mip_gap = v;
    }
    if let Some(k) = args.alternatives {
        s.alternatives.count = k;
    }
    if let Some(v) = args.within {
        if args.alternatives.is_none() && s.alternatives.count == 0 {
            return Err(Error::usage(
                "--within is only used with --alternatives",
                "add --alternatives K",
            ));
        }
        s.alternatives.within_pct = v;
    }
    if args.no_margins {
        s.alternatives.margins = false;
    }
    if let Some(g) = args.margin_gap {
        if !s.alternatives.margins {
            return Err(Error::usage(
                "--margin-gap is only used when margins are computed",
                "drop --no-margins (or [alternatives] margins = false), or drop --margin-gap",
            ));
        }
        s.alternatives.margin_gap = g;
    }
    Ok(())
}

/// Options that do not apply are errors, not silently ignored; objectives that need a cap or
/// a budget get one.
fn check_flag_combinations(args: &SolveArgs, s: &Scenario) -> Result<()> {
    if args.cost_cap_aud_per_yr.is_some() && s.model.objective != Objective::MinWorstRtt {
        return Err(Error::usage(
            "--cost-cap-aud-per-yr only applies to --objective min-worst-rtt",
            "add --objective min-worst-rtt, or drop --cost-cap-aud-per-yr",
        ));
    }
    if s.report.policy_prices && s.model.objective != Objective::MinCost {
        return Err(Error::usage(
            "--policy-prices needs the least-cost objective",
            "drop --objective (or use min-cost) with --policy-prices",
        ));
    }
    if args.budget_aud_per_yr.is_some() && s.model.objective != Objective::MaxCoverage {
        return Err(Error::usage(
            "--budget-aud-per-yr only applies to --objective max-coverage",
            "add --objective max-coverage, or drop --budget-aud-per-yr",
        ));
    }
    if args.print_scenario
        && (args.report.is_some()
            || args.geojson.is_some()
            || args.gpkg.is_some()
            || args.fgb.is_some()
            || args.allocations.is_some()
            || args.map.is_some()
            || args.export_problem.is_some())
    {
        return Err(Error::usage(
            "--print-scenario only prints the scenario: --report, --geojson, --gpkg, --fgb, --allocations, --map and --export-problem do not apply",
            "drop the output options, or drop --print-scenario",
        ));
    }
    if s.model.objective == Objective::MinWorstRtt && s.model.cost_cap_aud_per_yr.is_none() {
        return Err(Error::usage(
            "--objective min-worst-rtt needs a cost cap",
            "add --cost-cap-aud-per-yr AUD (e.g. 1.2 × the least-cost answer's total)",
        ));
    }
    if s.model.objective == Objective::MaxCoverage && s.model.budget_aud_per_yr.is_none() {
        return Err(Error::usage(
            "--objective max-coverage needs a budget",
            "add --budget-aud-per-yr AUD (annual)",
        ));
    }
    Ok(())
}

fn json_text<T: serde::Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::Internal(format!("serialising {what}: {e}")))
}

/// Writes the output files as a set ([`write_set`]), only when the checker passed: a failed
/// check is an internal error (exit 2) and writes nothing, since the files would present a
/// wrong answer.
fn write_outputs(
    check: &sitefind::report::CheckSummary,
    files: &[(OutputPath, Vec<u8>)],
) -> Result<()> {
    if !check.feasible {
        return Err(Error::Internal(format!(
            "the independent checker found {} violation(s) in the solver's answer (largest {:.3e}): {}; no output file was written",
            check.violations.len(),
            check.max_violation,
            check.violations.join("; ")
        )));
    }
    write_set(files)
}

/// Map output format, from the `--map` file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MapFormat {
    Svg,
    Png,
}

fn map_format(path: &std::path::Path) -> Result<MapFormat> {
    if super::is_stdout(path) {
        return Ok(MapFormat::Svg);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => Ok(MapFormat::Svg),
        "png" => Ok(MapFormat::Png),
        _ => Err(Error::usage(
            format!(
                "--map {}: unknown map format `{}`",
                path.display(),
                if ext.is_empty() {
                    "(no extension)"
                } else {
                    &ext
                }
            ),
            "name the file FILE.svg (vector) or FILE.png (raster, rendered with resvg)",
        )),
    }
}

/// Where one output goes: a checked file, or stdout (`-`).
#[derive(Debug, Clone)]
enum Dest {
    File(OutputPath),
    Stdout,
}

/// The FlatGeobuf folder: its layer files, checked now if the folder exists, else after the
/// run (the folder is created only when the outputs are written).
#[derive(Debug, Clone)]
struct FgbPlan {
    dir: std::path::PathBuf,
    files: Option<Vec<OutputPath>>,
}

/// Every output, checked before any expensive work (rules in `sitefind::output`):
/// regular file or new, folder writable, extension right, all distinct, at most one `-`.
#[derive(Debug, Clone, Default)]
struct Plan {
    export: Option<Dest>,
    report: Option<Dest>,
    geojson: Option<Dest>,
    gpkg: Option<Dest>,
    allocations: Option<Dest>,
    map: Option<(Dest, MapFormat)>,
    fgb: Option<FgbPlan>,
}

fn fgb_files(dir: &std::path::Path, names: &[&str]) -> Result<Vec<OutputPath>> {
    names
        .iter()
        .map(|n| check_output("--fgb", &dir.join(format!("{n}.fgb")), &["fgb"]))
        .collect()
}

fn plan_outputs(args: &SolveArgs) -> Result<Plan> {
    let outputs: Vec<(&str, &std::path::Path)> = [
        ("--export-problem", args.export_problem.as_deref()),
        ("--report", args.report.as_deref()),
        ("--geojson", args.geojson.as_deref()),
        ("--gpkg", args.gpkg.as_deref()),
        ("--allocations", args.allocations.as_deref()),
        ("--map", args.map.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, p)| p.map(|p| (flag, p)))
    .collect();
    let to_stdout: Vec<&str> = outputs
        .iter()
        .filter(|(_, p)| super::is_stdout(p))
        .map(|(f, _)| *f)
        .collect();
    if to_stdout.len() > 1 {
        return Err(Error::usage(
            format!("{} all write to stdout (`-`)", to_stdout.join(" and ")),
            "send at most one output to `-`; give the others file names",
        ));
    }
    if args.fgb.as_deref().is_some_and(super::is_stdout) {
        return Err(Error::usage(
            "--fgb -: FlatGeobuf output is a folder of files, not a stream",
            "give a folder name, e.g. --fgb answer-fgb",
        ));
    }
    if args.gis_candidates && args.gpkg.is_none() && args.fgb.is_none() {
        return Err(Error::usage(
            "--gis-candidates is only used with --gpkg or --fgb",
            "add --gpkg FILE.gpkg or --fgb DIR, or drop --gis-candidates",
        ));
    }
    let dest = |flag: &str, p: &Option<std::path::PathBuf>, ext: &[&str]| -> Result<Option<Dest>> {
        p.as_deref()
            .map(|p| {
                if super::is_stdout(p) {
                    Ok(Dest::Stdout)
                } else {
                    check_output(flag, p, ext).map(Dest::File)
                }
            })
            .transpose()
    };
    let map_fmt = args.map.as_deref().map(map_format).transpose()?;
    let mut plan = Plan {
        export: dest("--export-problem", &args.export_problem, &["json"])?,
        report: dest("--report", &args.report, &["json"])?,
        geojson: dest("--geojson", &args.geojson, &["geojson", "json"])?,
        gpkg: dest("--gpkg", &args.gpkg, &["gpkg"])?,
        allocations: dest("--allocations", &args.allocations, &["csv"])?,
        map: dest("--map", &args.map, &["svg", "png"])?.zip(map_fmt),
        fgb: None,
    };
    if let Some(dir) = &args.fgb {
        // Checked before the run; an `alternatives` layer is checked when it is written.
        let names = layers::layer_names(args.gis_candidates, false);
        let files = match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => Some(fgb_files(dir, &names)?),
            Ok(_) => {
                return Err(Error::usage(
                    format!("--fgb {}: is not a folder", dir.display()),
                    "give a new or existing folder for the FlatGeobuf layers",
                ))
            }
            Err(_) => {
                // A new folder: its parent must exist and take new entries.
                check_output("--fgb", dir, &[])?;
                None
            }
        };
        plan.fgb = Some(FgbPlan {
            dir: dir.clone(),
            files,
        });
    }
    let mut all: Vec<OutputPath> = [
        &plan.export,
        &plan.report,
        &plan.geojson,
        &plan.gpkg,
        &plan.allocations,
    ]
    .into_iter()
    .chain(std::iter::once(&plan.map.as_ref().map(|m| m.0.clone())))
    .filter_map(|d| match d {
        Some(Dest::File(o)) => Some(o.clone()),
        _ => None,
    })
    .collect();
    if let Some(FgbPlan {
        files: Some(files), ..
    }) = &plan.fgb
    {
        all.extend(files.iter().cloned());
    }
    check_distinct(&all)?;
    Ok(plan)
}

/// Warnings that `--quiet` never hides: unserved demand, and estimated inputs on the answer's
/// routes (cable lengths not published, REZ outlines drawn as circles).
fn warnings(report: &sitefind::report::Report, ds: &sitefind::data::Dataset) -> Vec<String> {
    let mut w = Vec::new();
    if report.totals.unserved_mw > 1e-6 {
        w.push(format!(
            "{:.0} MW of demand is UNSERVED (see the cities table)",
            report.totals.unserved_mw
        ));
    }
    if let Some(f) = &report.flexibility {
        w.extend(f.warnings.iter().cloned());
    }
    let mut used: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for c in &report.cities {
        for a in &c.served_by {
            used.extend(a.cables.iter().map(String::as_str));
        }
    }
    let estimated: Vec<&str> = ds
        .cables
        .iter()
        .filter(|c| used.contains(c.id.as_str()))
        .filter(|c| {
            c.segments.is_empty() || c.segments.iter().any(|s| s.length_source != "published")
        })
        .map(|c| c.id.as_str())
        .collect();
    if !estimated.is_empty() {
        w.push(format!(
            "estimated data: {} of {} cable system(s) on the answer's routes have segment lengths that are not published (derived from the system length or drawn route): {}",
            estimated.len(),
            used.len(),
            estimated.join(", ")
        ));
    }
    let circles: Vec<&str> = report
        .zones
        .iter()
        .filter(|z| z.polygon.is_none())
        .map(|z| z.id.as_str())
        .collect();
    if !circles.is_empty() {
        w.push(format!(
            "estimated data: REZ outline(s) {} are circles (centre + radius), not surveyed polygons",
            circles.join(", ")
        ));
    }
    w
}

/// Runs the main job.
pub fn run(args: &SolveArgs, out: &mut dyn Write) -> Result<()> {
    let format = super::format_arg(&args.format, &["text", "json"])?;
    let scenario = scenario(args)?;
    if args.print_scenario {
        let text = toml::to_string_pretty(&scenario)
            .map_err(|e| Error::Internal(format!("serialising the scenario: {e}")))?;
        return out
            .write_all(text.as_bytes())
            .map_err(|e| Error::write("<stdout>", e));
    }
    let plan = plan_outputs(args)?;
    let progress = super::progress::StageProgress::new(args.data.quiet);
    let (ds, demand, basemap) = load_inputs(args, &progress)?;
    let mut on_stage = |stage: &str, secs: f64, note: &str| progress.stage(stage, secs, note);
    let counted = progress.counted();
    let answer = job::run_counted(&ds, &demand, &scenario, &mut on_stage, &counted)?;
    let mut report = answer.report.clone();
    let timings = report.timings.take();
    let supply_cache = report.supply_cache.take();
    if args.timings {
        report.timings = timings;
        report.supply_cache = supply_cache;
    }
    // Outputs: rendered first, then written as a set (all temporaries, then the renames), so
    // a failure leaves none behind, and only if the checker passed; stdout last. One output
    // may go to stdout (`-`), and then replaces the report there.
    let report_json = json_text(&report, "the report")?;
    let pricing = candidate_pricing(args, &ds, &demand, &scenario, &answer, &progress)?;
    let ctx = Rendering {
        pricing: pricing.as_ref(),
        basemap_attribution: args.basemap_attribution.as_deref(),
        report: &report,
        report_json: &report_json,
        answer: &answer,
        ds: &ds,
        progress: &progress,
    };
    let mut rendered = ctx.render(plan, basemap)?;
    progress.finish();
    let mut new_fgb_dir = None;
    if let Some((f, bytes)) = rendered.fgb.take() {
        let names = layers::layer_names(args.gis_candidates, report.alternatives.is_some());
        let (layer_files, dir) = fgb_layer_files(f, report.check.feasible, &names)?;
        new_fgb_dir = dir;
        rendered.files.extend(layer_files.into_iter().zip(bytes));
    }
    write_outputs(&report.check, &rendered.files)?;
    if let Some(g) = new_fgb_dir {
        g.keep();
    }
    let w = |e| Error::write("<stdout>", e);
    match rendered.stdout {
        Some(bytes) => out.write_all(&bytes).map_err(w)?,
        None if format == "json" => out.write_all(report_json.as_bytes()).map_err(w)?,
        None => out.write_all(text::render(&report).as_bytes()).map_err(w)?,
    }
    for warning in warnings(&report, &ds) {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// The dataset, the demand and the basemaps (read before solving, so a bad path fails fast).
fn load_inputs(
    args: &SolveArgs,
    progress: &super::progress::StageProgress,
) -> Result<(
    sitefind::data::Dataset,
    sitefind::data::Demand,
    Vec<svg::Rings>,
)> {
    progress.stage("load", f64::NAN, "reading the dataset and demand");
    let t = std::time::Instant::now();
    let ds = super::load_dataset(args.data.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    let mut basemap = Vec::new();
    if args.map.is_some() {
        for p in &args.basemap {
            basemap.extend(svg::read_basemap(p)?);
        }
    }
    if args.basemap_attribution.is_some() && args.basemap.is_empty() {
        return Err(Error::usage(
            "--basemap-attribution is only used with --basemap",
            "add --basemap FILE.geojson, or drop --basemap-attribution",
        ));
    }
    if args.map.is_none() && !args.basemap.is_empty() {
        return Err(Error::usage(
            "--basemap is only used with --map",
            "add --map FILE.svg, or drop --basemap",
        ));
    }
    let note = format!(
        "{} ({} zones, {} substations, {} landings, {} cables) · demand {} ({} cities, {:.0} MW)",
        ds.source,
        ds.zones.len(),
        ds.substations.len(),
        ds.landings.len(),
        ds.cables.len(),
        demand.source,
        demand.nodes.len(),
        demand.nodes.iter().map(|n| n.it_load_mw).sum::<f64>()
    );
    progress.stage("load", t.elapsed().as_secs_f64(), &note);
    Ok((ds, demand, basemap))
}

/// Every candidate priced as the solve prices it, for the GIS `candidates` layer
/// (`--gis-candidates`), or `None` when not asked for.
fn candidate_pricing(
    args: &SolveArgs,
    ds: &sitefind::data::Dataset,
    demand: &sitefind::data::Demand,
    scenario: &sitefind::scenario::Scenario,
    answer: &job::Answer,
    progress: &super::progress::StageProgress,
) -> Result<Option<sitefind::pricing::CandidatePricing>> {
    if !args.gis_candidates || (args.gpkg.is_none() && args.fgb.is_none()) {
        return Ok(None);
    }
    progress.stage(
        "candidate prices",
        f64::NAN,
        "every candidate as the solve prices it",
    );
    let t = std::time::Instant::now();
    let pricing = sitefind::pricing::price_candidates(
        ds,
        demand,
        scenario,
        &answer.candidates,
        sitefind::pricing::REFERENCE_MW,
    )?;
    let note = format!("{} candidates", answer.candidates.len());
    progress.stage("candidate prices", t.elapsed().as_secs_f64(), &note);
    Ok(Some(pricing))
}

/// What the outputs are rendered from.
struct Rendering<'a> {
    /// Every candidate's price (`--gis-candidates`).
    pricing: Option<&'a sitefind::pricing::CandidatePricing>,
    /// `--basemap-attribution`.
    basemap_attribution: Option<&'a str>,
    report: &'a sitefind::report::Report,
    report_json: &'a str,
    answer: &'a job::Answer,
    ds: &'a sitefind::data::Dataset,
    progress: &'a super::progress::StageProgress,
}

/// The rendered outputs: files to write, the FlatGeobuf layers (written once the folder
/// exists) and what replaces the report on stdout.
#[derive(Default)]
struct Rendered {
    files: Vec<(OutputPath, Vec<u8>)>,
    fgb: Option<(FgbPlan, Vec<Vec<u8>>)>,
    stdout: Option<Vec<u8>>,
}

impl Rendered {
    fn emit(&mut self, d: Dest, bytes: Vec<u8>) {
        match d {
            Dest::File(o) => self.files.push((o, bytes)),
            Dest::Stdout => self.stdout = Some(bytes),
        }
    }
}

impl Rendering<'_> {
    /// Every output the plan names, rendered in memory.
    fn render(&self, plan: Plan, basemap: Vec<svg::Rings>) -> Result<Rendered> {
        let mut out = Rendered::default();
        if let Some(d) = plan.export {
            let problem = super::schema::to_json_exact("problem", &self.answer.problem)?;
            out.emit(d, problem.into_bytes());
        }
        if let Some(d) = plan.report {
            out.emit(d, self.report_json.as_bytes().to_vec());
        }
        if let Some(d) = plan.geojson {
            let fc = geo::feature_collection(self.report);
            let text = serde_json::to_string(&fc)
                .map_err(|e| Error::Internal(format!("serialising GeoJSON: {e}")))?;
            out.emit(d, text.into_bytes());
        }
        if let Some(d) = plan.allocations {
            out.emit(d, allocations::csv(self.report)?);
        }
        if plan.gpkg.is_some() || plan.fgb.is_some() {
            self.gis(plan.gpkg, plan.fgb, &mut out)?;
        }
        if let Some((d, fmt)) = plan.map {
            out.emit(d, self.map(fmt, basemap)?);
        }
        Ok(out)
    }

    /// The GeoPackage and FlatGeobuf layers.
    fn gis(
        &self,
        gpkg_to: Option<Dest>,
        fgb_to: Option<FgbPlan>,
        out: &mut Rendered,
    ) -> Result<()> {
        self.progress
            .stage("gis layers", f64::NAN, "GeoPackage / FlatGeobuf");
        let t = std::time::Instant::now();
        let cands = self.pricing.map(|pricing| layers::PricedCandidates {
            candidates: &self.answer.candidates,
            pricing,
        });
        let layers = layers::layers(self.report, self.ds, cands);
        if let Some(d) = gpkg_to {
            out.emit(d, gpkg::to_bytes(&layers)?);
        }
        if let Some(f) = fgb_to {
            let bytes = layers
                .iter()
                .map(fgb::to_bytes)
                .collect::<Result<Vec<_>>>()?;
            out.fgb = Some((f, bytes));
        }
        let note = format!("{} layers", layers.len());
        self.progress
            .stage("gis layers", t.elapsed().as_secs_f64(), &note);
        Ok(())
    }

    /// The SVG or PNG map.
    fn map(&self, fmt: MapFormat, basemap: Vec<svg::Rings>) -> Result<Vec<u8>> {
        let what = if fmt == MapFormat::Png {
            "drawing and rasterising the map"
        } else {
            "drawing the map"
        };
        self.progress.stage("map", f64::NAN, what);
        let t = std::time::Instant::now();
        let mut scene = geo::map_scene(self.report, basemap, self.ds);
        if let Some(a) = self.basemap_attribution {
            scene.basemap_source = a.to_string();
        }
        let svg_text = svg::render(&scene);
        let bytes = match fmt {
            MapFormat::Svg => svg_text.into_bytes(),
            MapFormat::Png => svg::to_png(&svg_text)?,
        };
        self.progress.stage("map", t.elapsed().as_secs_f64(), "");
        Ok(bytes)
    }
}

/// The FlatGeobuf layer files: a new --fgb folder is created only now, when the answer passed
/// the check (`feasible`); it is removed again if the write fails (or the run is interrupted)
/// unless its guard is kept, and a concurrent run creating it too is fine.
fn fgb_layer_files(
    f: FgbPlan,
    feasible: bool,
    names: &[&str],
) -> Result<(Vec<OutputPath>, Option<sitefind::output::DirGuard>)> {
    match f.files {
        Some(_) => Ok((fgb_files(&f.dir, names)?, None)),
        None if feasible => {
            let dir = sitefind::output::create_output_dir("--fgb", &f.dir)?;
            let files = fgb_files(&f.dir, names)?;
            Ok((files, Some(dir)))
        }
        None => Ok((Vec::new(), None)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_writes_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = check_output("--report", &dir.path().join("a.json"), &["json"]).unwrap();
        let b = check_output("--map", &dir.path().join("b.svg"), &["svg"]).unwrap();
        let files = vec![(a, b"{}".to_vec()), (b, b"<svg/>".to_vec())];
        let mut check = sitefind::report::CheckSummary {
            feasible: false,
            max_violation: 1.0,
            objective_recomputed: 0.0,
            violations: vec!["x".into()],
        };
        let e = write_outputs(&check, &files).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("no output file was written"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        check.feasible = true;
        write_outputs(&check, &files).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}

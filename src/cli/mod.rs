//! Command-line interface (binary only): clap definitions and dispatch to one module per
//! subcommand. stdout carries data; progress, timings and hints go to stderr.

use clap::{Args, Parser, Subcommand};
use sitefind::Result;
use std::io::Write;
use std::path::PathBuf;

mod cache;
mod calibrate;
mod candidates;
mod cflp;
mod check;
mod completions;
mod latency;
mod progress;
mod schema;
mod solve;
mod supply;
mod sweep;
mod validate;

/// Where in Australia to build data centres that sell compute to Japan.
///
/// Without a subcommand, runs the main job (`solve`).
#[derive(Debug, Parser)]
#[command(
    name = "sitefind",
    version,
    about,
    args_conflicts_with_subcommands = true,
    allow_negative_numbers = true,
    after_help = "Benchmarks:\n  cflp  Solve an OR-Library capacitated facility location instance with the same engine\n        and compare with its proven optimum (`sitefind cflp --help`)\n\nAn output path of `-` writes that output to stdout (instead of the report)."
)]
pub struct Cli {
    /// Subcommand (default: solve).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Arguments of the default `solve` job.
    #[command(flatten)]
    pub solve: SolveArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Choose sites and capacities for the demand (the main job).
    #[command(allow_negative_numbers = true)]
    Solve(SolveArgs),
    /// Load and validate a dataset (and a demand file); print layer counts or every error.
    #[command(allow_negative_numbers = true)]
    Validate(ValidateArgs),
    /// Generate candidate sites with their attributes, costs and RTTs.
    #[command(allow_negative_numbers = true)]
    Candidates(CandidatesArgs),
    /// Round-trip time between two places through the submarine-cable graph.
    #[command(allow_negative_numbers = true)]
    Latency(LatencyArgs),
    /// Benchmark: solve an OR-Library capacitated facility location instance.
    #[command(allow_negative_numbers = true, hide = true)]
    Cflp(CflpArgs),
    /// Fit the latency model's free parameters to measured round-trip times.
    #[command(allow_negative_numbers = true)]
    Calibrate(CalibrateArgs),
    /// A zone's least-cost 24/7 carbon-free supply (solar, wind, battery) per MW of load.
    #[command(allow_negative_numbers = true)]
    Supply(SupplyArgs),
    /// Monte Carlo or grid sweep of uncertain parameters: site-selection frequency, cost
    /// percentiles, regret of fixed plans; shards, merge and a Slurm submit script.
    #[command(allow_negative_numbers = true)]
    Sweep(SweepArgs),
    /// Re-check a saved answer (a report, or an exported problem and a solution) with the
    /// independent checker: exit 2 naming every broken promise.
    Check(CheckArgs),
    /// Print the JSON Schema of a command's JSON output (without NAME: list them).
    Schema(SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff, for `man -l -`) to stdout.
    Man,
    /// The on-disk cache of 24/7 supply portfolios: `path` prints its folder, `clear`
    /// empties it.
    Cache(CacheArgs),
}

/// Arguments of `sitefind cache`.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: CacheCommand,
}

/// Subcommands of `sitefind cache`.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum CacheCommand {
    /// Print the cache folder ($XDG_CACHE_HOME/sitefind, else ~/.cache/sitefind).
    Path,
    /// Remove every cached portfolio.
    Clear,
}

/// Arguments of `sitefind schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// The output: solve, supply, latency, candidates, calibrate, cflp, validate, sweep,
    /// sweep-meta.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

/// Arguments of `sitefind completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of `sitefind check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// A report written by `--report` (its dataset, demand and scenario are re-read).
    #[arg(value_name = "REPORT.json")]
    pub report: Option<PathBuf>,
    /// Dataset manifest, instead of the one the report names.
    #[arg(long, value_name = "MANIFEST")]
    pub data: Option<PathBuf>,
    /// Demand file, instead of the one the report names.
    #[arg(long, value_name = "FILE")]
    pub demand: Option<PathBuf>,
    /// A problem written by `--export-problem` (with --solution).
    #[arg(long, value_name = "P.json")]
    pub problem: Option<PathBuf>,
    /// A solution of that problem (JSON: open, capacity_mw, flows, unserved_mw, expansion_mw).
    #[arg(long, value_name = "S.json")]
    pub solution: Option<PathBuf>,
    /// The objective value the solution claims (with --problem).
    #[arg(long, value_name = "VALUE", allow_negative_numbers = true)]
    pub objective: Option<f64>,
}

/// Arguments of `sitefind supply`.
#[derive(Debug, Clone, Args)]
pub struct SupplyArgs {
    /// Zone id (e.g. Q1), or `all` for every zone.
    #[arg(long, value_name = "ZONE")]
    pub zone: String,
    /// Share of the load's energy renewables and storage must cover, 0..1 (default 0.9).
    #[arg(long, value_name = "FRACTION")]
    pub cfe_target: Option<f64>,
    /// AEMO weather reference year of the traces (repeatable; default 2011 and 2018).
    #[arg(long = "reference-year", value_name = "YEAR")]
    pub reference_years: Vec<u32>,
    /// Share of the load that may move within each day, 0..0.5 (default 0: a flat load); the
    /// optimiser also chooses the headroom (extra servers) it pays for (docs/energy.md).
    #[arg(long, value_name = "FRACTION")]
    pub flexible_share: Option<f64>,
    /// Annualised cost of a flexible load's extra server and facility capacity, AUD per MW per
    /// year (default: the cost model's annualised site capex per MW; 0 = spare servers free).
    #[arg(long, value_name = "AUD")]
    pub server_capex_aud_per_mw_yr: Option<f64>,
    /// Dataset manifest (TOML); default: the embedded dataset.
    #[arg(long, value_name = "MANIFEST")]
    pub data: Option<PathBuf>,
    /// Scenario file (TOML or JSON); its [supply] and [cost] tables apply.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// stdout format: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Neither read nor write the on-disk portfolio cache (`sitefind cache path`).
    #[arg(long)]
    pub no_cache: bool,
    /// Less output on stderr: no progress bar or timing line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `sitefind sweep`.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    /// `merge`: combine shard folders.
    #[command(subcommand)]
    pub merge: Option<SweepCommand>,
    /// Sweep file (TOML): a scenario whose numeric parameters may be distributions or lists,
    /// plus a [sweep] table (see docs/model.md "Decisions under uncertainty").
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Dataset manifest (TOML); default: the embedded dataset.
    #[arg(long, value_name = "MANIFEST")]
    pub data: Option<PathBuf>,
    /// Demand file (JSON); default: the embedded data/jp.json.
    #[arg(long, value_name = "FILE")]
    pub demand: Option<PathBuf>,
    /// Output folder: rows.csv, rows.jsonl, summary.json, meta.json (a shard: rows.jsonl and
    /// shard.json).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Compute only shard I of N (1 ≤ I ≤ N) of the samples; merge with `sweep merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Worker threads (default: every core). Rows do not depend on it.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Recommend the plan with the least `expected` (default) or `worst` regret.
    #[arg(long, value_name = "CRITERION")]
    pub regret: Option<String>,
    /// Write a Slurm submit script (job array of --shards tasks + a dependent merge job)
    /// instead of running; needs --out (a folder every node can write).
    #[arg(long, value_name = "FILE")]
    pub emit_slurm: Option<PathBuf>,
    /// With --emit-slurm: number of shards (array tasks).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub shards: usize,
    /// With --emit-slurm: CPUs per array task.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub cpus_per_task: usize,
    /// With --emit-slurm: wall-time limit per job (HH:MM:SS).
    #[arg(long, value_name = "HH:MM:SS", default_value = "01:00:00")]
    pub time: String,
    /// With --emit-slurm: Slurm partition (default: the cluster's default).
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,
    /// With --emit-slurm: path of sitefind on the cluster (default: this binary).
    #[arg(long, value_name = "PATH")]
    pub sitefind: Option<String>,
    /// stdout format of the summary: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// Less output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// The site-frequency layer (GIS output).
    #[command(flatten)]
    pub gis: SweepGisArgs,
}

/// The `site_frequency` layer of a sweep (`sitefind sweep`, `sitefind sweep merge`): one point
/// per site opened in at least one sample.
#[derive(Debug, Clone, Args, Default)]
pub struct SweepGisArgs {
    /// Write the site_frequency layer as a GeoPackage (replaced if it exists).
    #[arg(long, value_name = "FILE.gpkg", help_heading = "GIS output")]
    pub gpkg: Option<PathBuf>,
    /// Write the site_frequency layer as a FlatGeobuf file (replaced if it exists).
    #[arg(long, value_name = "FILE.fgb", help_heading = "GIS output")]
    pub fgb: Option<PathBuf>,
    /// Write the site_frequency layer as RFC 7946 GeoJSON (replaced if it exists).
    #[arg(long, value_name = "FILE.geojson", help_heading = "GIS output")]
    pub geojson: Option<PathBuf>,
}

/// Subcommands of `sitefind sweep`.
#[derive(Debug, Clone, Subcommand)]
pub enum SweepCommand {
    /// Combine shard folders into the whole sweep's rows and summary.
    Merge(MergeArgs),
}

/// Arguments of `sitefind sweep merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Shard folders (the --out of each `sitefind sweep --shard I/N`).
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder for the merged rows and summary.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Recommend by `expected` or `worst` regret (default: as the shards were run).
    #[arg(long, value_name = "CRITERION")]
    pub regret: Option<String>,
    /// stdout format of the summary: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
    /// No summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
    /// The site-frequency layer (GIS output).
    #[command(flatten)]
    pub gis: SweepGisArgs,
}

/// Options shared by commands that read a dataset.
#[derive(Debug, Clone, Args, Default)]
pub struct DataArgs {
    /// Dataset manifest (TOML); default: the embedded Australian dataset.
    #[arg(long, value_name = "MANIFEST", help_heading = "Input")]
    pub data: Option<PathBuf>,
    /// Scenario file (TOML or JSON) overriding model parameters.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub scenario: Option<PathBuf>,
    /// Remove a cable system from the latency graph (repeatable; a cable-cut scenario).
    #[arg(long = "cut-cable", value_name = "CABLE_ID", help_heading = "Latency")]
    pub cut_cables: Vec<String>,
    /// A country or territory no path may land in, e.g. Guam (repeatable; scenario
    /// `[latency] avoid_transit`).
    #[arg(
        long = "avoid-transit",
        value_name = "COUNTRY",
        help_heading = "Latency"
    )]
    pub avoid_transit: Vec<String>,
    /// Sovereignty: the only countries or territories a route may land in, comma-separated,
    /// e.g. Australia,Japan (scenario `[latency] landing_jurisdictions`).
    #[arg(
        long = "landing-jurisdictions",
        value_name = "COUNTRIES",
        value_delimiter = ',',
        help_heading = "Latency"
    )]
    pub landing_jurisdictions: Vec<String>,
    /// Sovereignty: use only cables owned (in part) by one of these owners, comma-separated
    /// names as in the cable layer's owners, e.g. "Telstra,NTT" (scenario `[latency]
    /// cable_owners`).
    #[arg(
        long = "cable-owners",
        value_name = "OWNERS",
        value_delimiter = ',',
        help_heading = "Latency"
    )]
    pub cable_owners: Vec<String>,
    /// Less output on stderr: no progress or timings (warnings about unserved demand or
    /// estimated data are always shown).
    #[arg(long, short, help_heading = "Output")]
    pub quiet: bool,
}

/// Arguments of `sitefind solve` (and of `sitefind` without a subcommand).
#[derive(Debug, Clone, Args, Default)]
pub struct SolveArgs {
    /// Demand file (JSON, see docs/data.md "Demand file"); default: the embedded data/jp.json.
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub demand: Option<PathBuf>,
    /// Dataset and scenario options.
    #[command(flatten)]
    pub data: DataArgs,
    /// Restrict candidates to a state (NSW, QLD, VIC, SA, TAS, WA, NT, ACT) or NEM region
    /// (NSW1, …) (repeatable).
    #[arg(long = "region", value_name = "REGION", help_heading = "Model")]
    pub regions: Vec<String>,
    /// Override every city's round-trip-time limit, ms.
    #[arg(long, value_name = "MS", help_heading = "Latency")]
    pub max_rtt_ms: Option<f64>,
    /// Which RTT statistic the limits apply to: p95 (planning, default) or p50 (median)
    /// (scenario `[latency] limit_statistic`).
    #[arg(long, value_name = "p50|p95", help_heading = "Latency")]
    pub limit_statistic: Option<String>,
    /// N−1: after the loss of any single failure domain on the plan's paths (a cable system,
    /// a landing station, a transit hub such as Guam) the built sites, re-allocated, still
    /// serve every city's demand within its limit (scenario `[model] survive_cable_cut`,
    /// `survive_share`).
    #[arg(long, help_heading = "Latency")]
    pub survive_cable_cut: bool,
    /// The kinds of failure domain N−1 covers, comma-separated: cable, landing, hub (scenario
    /// `[model] survive_domains`; default all three).
    #[arg(
        long,
        value_name = "KINDS",
        value_delimiter = ',',
        help_heading = "Latency"
    )]
    pub survive_domains: Option<Vec<String>>,
    /// A city's redundant sites must be at least this far apart, km; closer sites form one
    /// failure group carrying at most 1/min_sites of the city (scenario `[model]
    /// min_separation_km`, default 25; 0 counts every site).
    #[arg(long, value_name = "KM")]
    pub min_separation_km: Option<f64>,
    /// Critical-mineral co-location: at least this share (0..1) of the built MW lies within
    /// --mineral-radius-km of a matching critical-mineral site (scenario `[minerals]
    /// min_share`; docs/policy.md).
    #[arg(long, value_name = "SHARE", help_heading = "Policy")]
    pub min_mineral_share: Option<f64>,
    /// The co-location radius, km, geodesic (scenario `[minerals] radius_km`, default 100).
    #[arg(long, value_name = "KM", help_heading = "Policy")]
    pub mineral_radius_km: Option<f64>,
    /// Only these critical-mineral groups count, comma-separated, e.g. Lithium,"Rare earth
    /// elements" (scenario `[minerals] groups`; the minerals layer's critical column).
    #[arg(
        long,
        value_name = "GROUPS",
        value_delimiter = ',',
        help_heading = "Policy"
    )]
    pub mineral_groups: Vec<String>,
    /// Only critical-mineral sites of these statuses count, comma-separated, e.g. "operating
    /// mine" (scenario `[minerals] status`).
    #[arg(
        long,
        value_name = "STATUSES",
        value_delimiter = ',',
        help_heading = "Policy"
    )]
    pub mineral_status: Vec<String>,
    /// Price every promise in force: the best plan without it (or relaxed one step) and what
    /// it costs, as a report section and JSON `policy_prices` (scenario `[report]
    /// policy_prices`; docs/policy.md).
    #[arg(long, help_heading = "Policy")]
    pub policy_prices: bool,
    /// Override every city's redundancy: served by at least N sites.
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub min_sites: Option<u32>,
    /// Open at most N sites.
    #[arg(long, value_name = "N", help_heading = "Model")]
    pub max_sites: Option<usize>,
    /// Legacy annual-energy PPA share, 0..1 (superseded by --cfe-target; kept for scenario
    /// compatibility, it no longer changes the main job's energy price).
    #[arg(long, value_name = "FRACTION", help_heading = "Supply")]
    pub renewable_share: Option<f64>,
    /// Share of each site's load energy that its 24/7 portfolio (renewables + storage) must
    /// cover, 0..1 (default 0.9, `[supply] cfe_target`).
    #[arg(long, value_name = "FRACTION", help_heading = "Supply")]
    pub cfe_target: Option<f64>,
    /// Share of every training city's load that may move within each day, 0..0.5 (default:
    /// each city's `flexible_share`, 0 if absent; `[demand] flexible_training_share`). The
    /// model builds capacity for the peak and prices the energy saved (docs/energy.md).
    #[arg(long, value_name = "FRACTION", help_heading = "Supply")]
    pub flexible_training_share: Option<f64>,
    /// Annualised cost of a flexible load's extra server and facility capacity, AUD per MW per
    /// year (default: the site's own capex per MW; 0 = spare servers free).
    #[arg(long, value_name = "AUD", help_heading = "Supply")]
    pub server_capex_aud_per_mw_yr: Option<f64>,
    /// Where a site's 24/7 portfolio draws from: co-located (its own REZ), regional (any zones
    /// of its NEM region, paying the network charge on all its energy) or cheapest (per site;
    /// default, `[supply] sourcing`; docs/energy.md).
    #[arg(long, value_name = "SOURCING", help_heading = "Supply")]
    pub sourcing: Option<String>,
    /// Objective: min-cost (default), min-worst-rtt, max-coverage.
    #[arg(long, value_name = "OBJECTIVE", help_heading = "Model")]
    pub objective: Option<String>,
    /// Annual cost cap for min-worst-rtt, AUD per year (also `--cost-cap-aud`).
    #[arg(
        long,
        value_name = "AUD",
        help_heading = "Model",
        alias = "cost-cap-aud"
    )]
    pub cost_cap_aud_per_yr: Option<f64>,
    /// Annual budget for max-coverage, AUD per year (also `--budget-aud`).
    #[arg(long, value_name = "AUD", help_heading = "Model", alias = "budget-aud")]
    pub budget_aud_per_yr: Option<f64>,
    /// Candidate id that must be built (repeatable).
    #[arg(long = "must-build", value_name = "ID", help_heading = "Model")]
    pub must_build: Vec<String>,
    /// Candidate id that must not be built (repeatable).
    #[arg(long = "exclude", value_name = "ID", help_heading = "Model")]
    pub exclude: Vec<String>,
    /// Solver backend: microlp or highs (if compiled in).
    #[arg(long, value_name = "NAME", help_heading = "Solver")]
    pub solver: Option<String>,
    /// Solver time limit, seconds.
    #[arg(long, value_name = "SECONDS", help_heading = "Solver")]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which the solver may stop.
    #[arg(
        long,
        value_name = "GAP",
        allow_hyphen_values = true,
        help_heading = "Solver"
    )]
    pub mip_gap: Option<f64>,
    /// stdout format: text (default) or json.
    #[arg(
        long,
        value_name = "FORMAT",
        default_value = "text",
        help_heading = "Output"
    )]
    pub format: String,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub report: Option<PathBuf>,
    /// Write an RFC 7946 GeoJSON FeatureCollection of the answer to FILE.
    #[arg(long, value_name = "FILE", help_heading = "GIS and map output")]
    pub geojson: Option<PathBuf>,
    /// Write the answer as a GeoPackage to FILE: one layer per kind (sites, routes, cities,
    /// rez, landings, cables), each of one geometry type with typed columns.
    #[arg(long, value_name = "FILE.gpkg", help_heading = "GIS and map output")]
    pub gpkg: Option<PathBuf>,
    /// Write the same layers as FlatGeobuf files (LAYER.fgb) into DIR (created if missing;
    /// existing LAYER.fgb files there are replaced).
    #[arg(long, value_name = "DIR", help_heading = "GIS and map output")]
    pub fgb: Option<PathBuf>,
    /// Also write every candidate site as a `candidates` layer of --gpkg / --fgb.
    #[arg(long, help_heading = "GIS and map output")]
    pub gis_candidates: bool,
    /// Write the allocations as CSV to FILE: site, city, MW, RTT, landings and cable path.
    #[arg(long, value_name = "FILE.csv", help_heading = "Output")]
    pub allocations: Option<PathBuf>,
    /// Write a map of the answer to FILE: SVG, or PNG (rendered with resvg) by extension.
    #[arg(
        long,
        value_name = "FILE.svg|FILE.png",
        help_heading = "GIS and map output"
    )]
    pub map: Option<PathBuf>,
    /// Natural Earth GeoJSON (countries or states) drawn under the map instead of the
    /// embedded coastline (repeatable).
    #[arg(long, value_name = "GEOJSON", help_heading = "GIS and map output")]
    pub basemap: Vec<PathBuf>,
    /// Attribution of the --basemap data, printed in the map's footer (the embedded
    /// coastline's is Natural Earth)
    #[arg(long, value_name = "TEXT")]
    pub basemap_attribution: Option<String>,
    /// Also write the MIP's input matrices (the `SitingProblem`: sites, cities, zones, RTT
    /// and cost matrices) as JSON to FILE, e.g. to solve the same instance with another tool.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub export_problem: Option<PathBuf>,
    /// Include stage timings in the JSON report (they vary run to run; stderr always has them).
    #[arg(long, help_heading = "Output")]
    pub timings: bool,
    /// Neither read nor write the on-disk cache of supply portfolios (`sitefind cache path`).
    #[arg(long)]
    pub no_cache: bool,
    /// Print the effective scenario (defaults ← --scenario ← flags) as TOML and exit: every
    /// parameter with its value, a starting point for a scenario file.
    #[arg(long, help_heading = "Output")]
    pub print_scenario: bool,
    /// List up to K near-optimal plans (distinct sets of sites), best first (exact, by
    /// Lawler–Murty partitioning; least-cost objective).
    #[arg(long, value_name = "K", help_heading = "Decisions")]
    pub alternatives: Option<usize>,
    /// With --alternatives: only plans within PCT percent of the optimum (default 5).
    #[arg(long, value_name = "PCT", help_heading = "Decisions")]
    pub within: Option<f64>,
    /// Do not compute each chosen site's margin (one extra solve per site).
    #[arg(long, help_heading = "Decisions")]
    pub no_margins: bool,
    /// Relative gap at which each margin re-solve stops (default 1e-4; 1e-6 for exact margins).
    #[arg(
        long,
        value_name = "GAP",
        allow_hyphen_values = true,
        help_heading = "Decisions"
    )]
    pub margin_gap: Option<f64>,
}

/// Arguments of `sitefind validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Dataset manifest (TOML); default: the embedded dataset.
    #[arg(long, value_name = "MANIFEST")]
    pub data: Option<PathBuf>,
    /// Also validate a demand file.
    #[arg(long, value_name = "FILE")]
    pub demand: Option<PathBuf>,
    /// stdout format: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Arguments of `sitefind candidates`.
#[derive(Debug, Clone, Args)]
pub struct CandidatesArgs {
    /// Dataset and scenario options.
    #[command(flatten)]
    pub data: DataArgs,
    /// Restrict candidates to a state (NSW, QLD, VIC, SA, TAS, WA, NT, ACT) or NEM region
    /// (NSW1, …) (repeatable).
    #[arg(long = "region", value_name = "REGION", help_heading = "Model")]
    pub regions: Vec<String>,
    /// Demand file for RTT columns; default: the embedded data/jp.json.
    #[arg(long, value_name = "FILE")]
    pub demand: Option<PathBuf>,
    /// Write every candidate as GeoJSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// stdout format: text (default summary table), json or csv.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Arguments of `sitefind latency`.
#[derive(Debug, Clone, Args)]
pub struct LatencyArgs {
    /// Origin: `LON,LAT`, or the name/id of an embedded demand node or landing station.
    #[arg(long, value_name = "PLACE", allow_hyphen_values = true)]
    pub from: String,
    /// Destination: `LON,LAT`, or a name/id as for --from.
    #[arg(long, value_name = "PLACE", allow_hyphen_values = true)]
    pub to: String,
    /// Dataset and scenario options.
    #[command(flatten)]
    pub data: DataArgs,
    /// stdout format: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Arguments of `sitefind cflp`.
#[derive(Debug, Clone, Args)]
pub struct CflpArgs {
    /// OR-Library instance file (Beasley's cap format).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Capacity of every facility (needed for capa/capb/capc, whose file says `capacity`).
    #[arg(long, value_name = "N")]
    pub capacity: Option<f64>,
    /// Solver backend: microlp or highs (if compiled in).
    #[arg(long, value_name = "NAME")]
    pub solver: Option<String>,
    /// Solver time limit, seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which the solver may stop.
    #[arg(long, value_name = "GAP", allow_hyphen_values = true)]
    pub mip_gap: Option<f64>,
    /// Known optimum to compare with (default: looked up in optima.tsv beside FILE).
    #[arg(long, value_name = "VALUE")]
    pub optimum: Option<f64>,
    /// stdout format: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Arguments of `sitefind calibrate`.
#[derive(Debug, Clone, Args)]
pub struct CalibrateArgs {
    /// Measured RTTs: CSV with from_name, from_lon, from_lat, to_name, to_lon, to_lat, rtt_ms
    /// and optionally statistic, vintage (the format of latency/rtt_azure_published.csv).
    /// Repeatable: every file is one source (residuals are reported per source).
    #[arg(long, value_name = "CSV", required = true)]
    pub observations: Vec<PathBuf>,
    /// Dataset and scenario options.
    #[command(flatten)]
    pub data: DataArgs,
    /// Grid for the Australian and Japanese route factors: MIN,MAX,STEP (coarse stage; the
    /// fine stage steps a fifth of STEP around the coarse optimum).
    #[arg(long, value_name = "MIN,MAX,STEP", default_value = "1.10,1.80,0.05")]
    pub route_factor: String,
    /// Grid for the round-trip overhead per endpoint, ms: MIN,MAX,STEP.
    #[arg(long, value_name = "MIN,MAX,STEP", default_value = "0,5,0.05")]
    pub endpoint_overhead_ms: String,
    /// Grid for the round-trip overhead per landing station on the path, ms: MIN,MAX,STEP.
    #[arg(long, value_name = "MIN,MAX,STEP", default_value = "0,2,0.25")]
    pub landing_overhead_ms: String,
    /// Grid for the submarine cable slack (fibre / stated length): MIN,MAX,STEP.
    #[arg(long, value_name = "MIN,MAX,STEP", default_value = "1,1.1,0.02")]
    pub cable_slack: String,
    /// Grid for the round-trip overhead per point of presence on the path, ms: MIN,MAX,STEP.
    #[arg(long, value_name = "MIN,MAX,STEP", default_value = "0,2,0.25")]
    pub pop_overhead_ms: String,
    /// stdout format: text (default) or json.
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

/// Loads the dataset named by `--data` (or the embedded one).
pub fn load_dataset(manifest: Option<&std::path::Path>) -> Result<sitefind::data::Dataset> {
    match manifest {
        Some(p) => sitefind::data::Dataset::load(p),
        None => sitefind::data::Dataset::embedded(),
    }
}

/// Loads the demand file named by `--demand` (or the embedded `data/jp.json`).
pub fn load_demand(path: Option<&std::path::Path>) -> Result<sitefind::data::Demand> {
    match path {
        Some(p) => sitefind::data::Demand::load(p),
        None => sitefind::data::Demand::embedded(),
    }
}

/// Reads a scenario file (TOML, or JSON by extension), validated.
pub fn load_scenario(path: &std::path::Path) -> Result<sitefind::scenario::Scenario> {
    sitefind::scenario::Scenario::from_file(path)
}

/// The scenario from `--scenario` (or the defaults) with `--cut-cable`, `--avoid-transit` and
/// the `--region`s (`regions`) applied.
pub fn scenario_from(data: &DataArgs, regions: &[String]) -> Result<sitefind::scenario::Scenario> {
    let mut s = match &data.scenario {
        Some(p) => load_scenario(p)?,
        None => sitefind::scenario::Scenario::default(),
    };
    s.latency.cut_cables.extend(data.cut_cables.iter().cloned());
    s.latency
        .avoid_transit
        .extend(data.avoid_transit.iter().cloned());
    s.latency
        .landing_jurisdictions
        .extend(data.landing_jurisdictions.iter().cloned());
    s.latency
        .cable_owners
        .extend(data.cable_owners.iter().cloned());
    s.candidates.regions.extend(regions.iter().cloned());
    Ok(s)
}

/// Checks a `--format` value against the allowed names; returns it in lower case.
pub fn format_arg(value: &str, allowed: &[&str]) -> Result<String> {
    let v = value.to_ascii_lowercase();
    if allowed.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(sitefind::Error::usage(
            format!("--format: unknown format `{value}`"),
            format!("use one of: {}", allowed.join(", ")),
        ))
    }
}

/// True if `path` is `-`, i.e. stdout.
pub fn is_stdout(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        None => solve::run(&cli.solve, &mut out),
        Some(Command::Solve(args)) => solve::run(&args, &mut out),
        Some(Command::Validate(args)) => validate::run(&args, &mut out),
        Some(Command::Candidates(args)) => candidates::run(&args, &mut out),
        Some(Command::Latency(args)) => latency::run(&args, &mut out),
        Some(Command::Cflp(args)) => cflp::run(&args, &mut out),
        Some(Command::Calibrate(args)) => calibrate::run(&args, &mut out),
        Some(Command::Supply(args)) => supply::run(&args, &mut out),
        Some(Command::Sweep(args)) => sweep::run(&args, &mut out),
        Some(Command::Check(args)) => check::run(&args, &mut out),
        Some(Command::Cache(args)) => cache::run(&args, &mut out),
        Some(Command::Schema(args)) => schema::run(&args, &mut out),
        Some(Command::Completions(args)) => completions::completions(args.shell, &mut out),
        Some(Command::Man) => completions::man(&mut out),
    };
    let flushed = out.flush();
    result?;
    flushed.map_err(|e| sitefind::Error::write("<stdout>", e))
}

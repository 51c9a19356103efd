//! The valid range of every numeric input, in one place.
//!
//! Every number a user can give — a flag, a scenario field, a demand record, a calibration
//! grid, an OR-Library instance — is checked against these bounds where it enters (the edge),
//! so that no input can make sitefind panic, abort, allocate without bound or run without a
//! limit. The bounds are far outside any plausible value; they exist to turn nonsense (`1e300`
//! seconds, a 1 mm grid over Australia) into a clear error instead of a crash or a hang.
//!
//! | input | valid range | why the bound |
//! |---|---|---|
//! | `solver.time_limit_s`, `--time-limit` (solve, cflp) | (0, 1e6] s | durations beyond ~11 days overflow the solvers' clocks |
//! | `solver.mip_gap`, `--mip-gap` | [0, 1) | a relative gap |
//! | `candidates.densify_km` | [1, 1,000] km; ≤ 2,000,000 points, ≤ 20,000,000 grid cells tested | a 1 mm grid would run for hours |
//! | `candidates.rez_radius_km`, `mineral_radius_km`, `datacentre_cluster_km`, `campus_merge_km` | [0, 5,000] km | Australia is 4,000 km wide |
//! | `candidates.min_voltage_kv`, `backbone_voltage_kv`, headroom `min_voltage_kv` | (0, 2,000] kV | the highest AC voltage in service is 1,150 kV |
//! | headroom `max_mw`, `model.min_site_mw`, `max_site_mw`, `module_mw` | [0, 1e6] MW | a terawatt site |
//! | `model.max_sites` | [1, 1e6] | |
//! | `model.min_sites_per_city`, demand `min_sites` | [1, 1,000] | |
//! | `model.min_separation_km`, `--min-separation-km` | [0, 1,000] km | beyond, no two Australian sites of one city are far enough apart |
//! | `model.survive_share` | (0, 1] | a share of demand |
//! | `model.max_rtt_ms`, demand `max_rtt_ms` | (0, 10,000] ms | |
//! | demand `it_load_mw` | (0, 1e6] MW | |
//! | `model.unserved_penalty_aud_per_mw`, `cost_cap_aud_per_yr`, `budget_aud_per_yr`, every AUD amount of `[cost]` | ≤ 1e15 AUD | beyond it sums lose every cent and solver tolerances |
//! | `latency.route_factor`, `cable_slack` | [1, 10] | |
//! | `latency.equipment_overhead_ms` | [0, 1,000] ms | |
//! | `latency.fibre_ms_per_km` | (0, 1] ms/km | light in vacuum is 0.0033 ms/km |
//! | `cost.lifetime_years` | [1, 200] years | |
//! | `cost.pue_base` | [1, 10] | |
//! | temperatures (`pue_reference_temp_c`, `default_temp_c`) | [−60, 60] °C | |
//! | regional wholesale price (dataset), `default_price_aud_per_mwh` | [0, 100,000] AUD/MWh | a yearly average price is never negative |
//! | calibration grids (`--route-factor` …) | min ≤ max, step > 0, ≤ 100,000 points per axis, ≤ 20,000 (route factor × slack) latency models, ≤ 1e8 points in all | each (route factor, slack) pair rebuilds the latency model |
//! | `cflp --capacity` | (0, 1e12] | only for instances whose file says `capacity` |
//! | OR-Library instance | ≤ 100,000 facilities and customers, ≤ 1e8 cost entries | |
//! | `[supply] export_value_aud_per_mwh` | [0, 100,000] AUD/MWh | and below the cost of generating a MWh, or the portfolio is unbounded (an error) |
//! | `[supply]` capex and FOM amounts | [0, 1e15] AUD | |
//! | `[supply] flexible_share`, `--flexible-share` | [0, 0.5] | the range: a training load that halves and doubles within a day is another product |
//! | `[supply] server_capex_aud_per_mw_yr`, `--server-capex-aud-per-mw-yr` | [0, 1e15] AUD per MW-year | |
//! | `[supply] grid_cfe_share` values | [0, 1], keys NEM region ids of the dataset | a share of grid energy |
//! | `[supply] solar_life_years`, `wind_life_years`, `battery_life_years` | [1, 200] years | beyond, the capital recovery factor loses all precision |
//! | `[supply] battery_cost_curve` | ≥ 2 distinct durations in (0, 1,000] h; AUD/kWh in [0, 1e6]; fitted power part ≥ 0 and energy part > 0 | else storage is free |
//! | `[supply] reference_years` | 1 to 100 years, each in [1900, 2100] | |
//! | `[supply] solar_technology`, `wind_technology` | 1–16 letters/digits, and a code of the dataset's traces | |
//! | `[cost] offshore_zones` | zone ids of the dataset | |
//! | `[alternatives] count`, `[sweep] alternatives` | [1, 1,000] (scenario: [0, 1,000]) | each alternative is one more MIP solve |
//! | `[sweep] samples` (and a grid's point count, a shard file's `samples`) | [1, 1,000,000] | one solve per sample |
//! | `[sweep] grid_levels` | [1, 1,000] | levels of one continuous parameter |
//! | `[sweep]` parameters, values of one list | ≤ 1,000 parameters, ≤ 100,000 values per list | |
//! | `[sweep]` samples × parameters | ≤ 10,000,000 | the design's table is held in memory |
//! | `[sweep]` samples × alternatives | ≤ 10,000,000 fixed-plan solves | |
//! | `[sweep] within_pct` | [0, 1,000] % | |
//! | `sweep --threads`, `--cpus-per-task` | [1, 256] | one thread per core; the machine's limit on threads |
//! | `sweep --shards`, a shard file's `shard` = [I, N] | 1 ≤ I ≤ N ≤ samples | |
//! | a shard file's `range` | exactly shard I's samples `[⌊(I−1)·n/N⌋, ⌊I·n/N⌋)` | |
//! | `sweep --time` | Slurm's `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`; ≤ 365 days | |
//! | `sweep --partition` | 1–64 characters of `A-Z a-z 0-9 _ - . ,` | it is written into a shell script |
//! | any path or string written into a generated script | no control characters; no `$`, `` ` ``, `\` | the script is a shell here-document |

/// Largest flexible share of a load (the share that may move within a day).
pub const MAX_FLEXIBLE_SHARE: f64 = 0.5;
/// Largest minimum separation between a city's redundant sites, km.
pub const MAX_SEPARATION_KM: f64 = 1000.0;
/// Largest solver time limit, seconds (about 11.6 days).
pub const MAX_TIME_LIMIT_S: f64 = 1e6;
/// Smallest densification spacing, km.
pub const MIN_DENSIFY_KM: f64 = 1.0;
/// Largest densification spacing, km.
pub const MAX_DENSIFY_KM: f64 = 1000.0;
/// Most synthetic candidate points densification may generate.
pub const MAX_DENSIFY_POINTS: usize = 2_000_000;
/// Most grid cells densification may test for zone membership.
pub const MAX_DENSIFY_CELLS: f64 = 2.0e7;
/// Largest radius or clustering distance, km.
pub const MAX_RADIUS_KM: f64 = 5000.0;
/// Largest voltage, kV.
pub const MAX_VOLTAGE_KV: f64 = 2000.0;
/// Largest site size or module, MW.
pub const MAX_SITE_MW: f64 = 1e6;
/// Largest count of sites.
pub const MAX_SITES: usize = 1_000_000;
/// Largest redundancy (sites per city).
pub const MAX_MIN_SITES: u32 = 1000;
/// Largest RTT limit, ms.
pub const MAX_RTT_MS: f64 = 10_000.0;
/// Largest IT load of one demand node, MW.
pub const MAX_IT_LOAD_MW: f64 = 1e6;
/// Largest amount of money, AUD (or AUD per unit).
pub const MAX_AUD: f64 = 1e15;
/// Largest route factor or cable slack.
pub const MAX_ROUTE_FACTOR: f64 = 10.0;
/// Largest equipment overhead per round trip, ms.
pub const MAX_OVERHEAD_MS: f64 = 1000.0;
/// Largest fibre delay, ms per km.
pub const MAX_FIBRE_MS_PER_KM: f64 = 1.0;
/// Largest asset life, years.
pub const MAX_LIFETIME_YEARS: f64 = 200.0;
/// Largest base PUE.
pub const MAX_PUE: f64 = 10.0;
/// Temperature range, °C.
pub const TEMP_RANGE_C: (f64, f64) = (-60.0, 60.0);
/// Largest average wholesale price, AUD per MWh.
pub const MAX_PRICE_AUD_PER_MWH: f64 = 100_000.0;
/// Most points on one calibration grid axis.
pub const MAX_GRID_AXIS_POINTS: usize = 100_000;
/// Most (route factor × slack) latency models one calibration builds.
pub const MAX_GRID_MODELS: usize = 20_000;
/// Most grid points one calibration scores.
pub const MAX_GRID_POINTS: usize = 100_000_000;
/// Largest `cflp --capacity`.
pub const MAX_CFLP_CAPACITY: f64 = 1e12;
/// Most facilities or customers of an OR-Library instance.
pub const MAX_CFLP_SIZE: usize = 100_000;
/// Most cost entries (facilities × customers) of an OR-Library instance.
pub const MAX_CFLP_ENTRIES: usize = 100_000_000;

/// Longest battery duration of the cost curve, hours.
pub const MAX_BATTERY_DURATION_H: f64 = 1000.0;
/// Largest battery cost, AUD per kWh.
pub const MAX_AUD_PER_KWH: f64 = 1e6;
/// Valid AEMO weather reference years.
pub const REFERENCE_YEARS: std::ops::RangeInclusive<u32> = 1900..=2100;
/// Most reference years.
pub const MAX_REFERENCE_YEARS: usize = 100;
/// Most alternatives (scenario `[alternatives] count`, `[sweep] alternatives`).
pub const MAX_ALTERNATIVES: usize = 1000;
/// Most samples of a sweep.
pub const MAX_SWEEP_SAMPLES: usize = 1_000_000;
/// Most grid levels of one continuous parameter.
pub const MAX_GRID_LEVELS: usize = 1000;
/// Most uncertain parameters of a sweep.
pub const MAX_SWEEP_PARAMS: usize = 1000;
/// Most values of one list distribution.
pub const MAX_SWEEP_LIST: usize = 100_000;
/// Most sampled values (samples × parameters) of a sweep.
pub const MAX_SWEEP_VALUES: usize = 10_000_000;
/// Most fixed-plan evaluations (samples × alternatives) of a sweep.
pub const MAX_SWEEP_EVALUATIONS: usize = 10_000_000;
/// Largest `[sweep] within_pct`, %.
pub const MAX_WITHIN_PCT: f64 = 1000.0;
/// Most worker threads (`--threads`, `--cpus-per-task`).
pub const MAX_THREADS: usize = 256;
/// Longest Slurm wall time, days.
pub const MAX_SLURM_DAYS: u64 = 365;
/// Longest Slurm partition name, characters.
pub const MAX_PARTITION_CHARS: usize = 64;

/// Checks a count against [`min`, `max`]; `what` names it, `hint` says what to do.
pub fn count(what: &str, n: usize, min: usize, max: usize, hint: &str) -> crate::Result<usize> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(crate::Error::usage(
            format!("{what}: expected a whole number in [{min}, {max}], found {n}"),
            hint,
        ))
    }
}

/// Checks a thread count against [1, [`MAX_THREADS`]].
pub fn threads(what: &str, n: usize) -> crate::Result<usize> {
    count(
        what,
        n,
        1,
        MAX_THREADS,
        "one thread per core is enough: omit --threads to use every core",
    )
}

/// Checks a Slurm wall time (`M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, each a whole
/// number) and that it is at most [`MAX_SLURM_DAYS`] days.
pub fn slurm_time(s: &str) -> crate::Result<&str> {
    let bad = || {
        crate::Error::usage(
            format!("--time {s:?}: expected a Slurm wall time (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S) of at most {MAX_SLURM_DAYS} days"),
            "e.g. --time 01:00:00 (one hour) or --time 2-00:00:00 (two days)",
        )
    };
    let num = |p: &str| -> Option<u64> {
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (Some(num(d).ok_or_else(bad)?), r),
        None => (None, s),
    };
    let parts: Vec<u64> = rest
        .split(':')
        .map(num)
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(bad)?;
    let secs = match (days, parts.as_slice()) {
        (None, [m]) => m * 60,
        (None, [m, s]) => m * 60 + s,
        (None, [h, m, s]) | (Some(0), [h, m, s]) => h * 3600 + m * 60 + s,
        (Some(d), [h]) => d * 86_400 + h * 3600,
        (Some(d), [h, m]) => d * 86_400 + h * 3600 + m * 60,
        (Some(d), [h, m, s]) => d * 86_400 + h * 3600 + m * 60 + s,
        _ => return Err(bad()),
    };
    if secs == 0 || secs > MAX_SLURM_DAYS * 86_400 {
        return Err(bad());
    }
    Ok(s)
}

/// Checks a Slurm partition name (1–[`MAX_PARTITION_CHARS`] characters of `A-Za-z0-9_-.,`).
pub fn slurm_partition(s: &str) -> crate::Result<&str> {
    let ok = !s.is_empty()
        && s.chars().count() <= MAX_PARTITION_CHARS
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c));
    if ok {
        Ok(s)
    } else {
        Err(crate::Error::usage(
            format!(
                "--partition {s:?}: expected 1 to {MAX_PARTITION_CHARS} characters of A-Z a-z 0-9 _ - . , (a Slurm partition name or a comma-separated list)"
            ),
            "the name is written into the generated script; `sinfo -s` lists the cluster's partitions",
        ))
    }
}

/// Checks a string that is written into a generated shell script (inside a here-document):
/// no control characters (a newline would start a new command) and none of `$`, `` ` ``,
/// `\` (the here-document expands them when the script runs).
pub fn script_text<'s>(what: &str, s: &'s str) -> crate::Result<&'s str> {
    let bad = s
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || matches!(c, '$' | '`' | '\\'));
    match bad {
        None => Ok(s),
        Some((k, c)) => Err(crate::Error::usage(
            format!(
                "{what} {s:?}: character {} (U+{:04X}) cannot be written into the generated script",
                k + 1,
                u32::from(c)
            ),
            "control characters and $ ` \\ would change the script's commands: rename the file or folder",
        )),
    }
}

/// Checks a time limit against (0, [`MAX_TIME_LIMIT_S`]]; `what` names it in the error.
pub fn time_limit(what: &str, t: f64) -> crate::Result<f64> {
    if t.is_finite() && t > 0.0 && t <= MAX_TIME_LIMIT_S {
        Ok(t)
    } else {
        Err(crate::Error::usage(
            format!("{what}: expected seconds in (0, {MAX_TIME_LIMIT_S:e}], found {t}"),
            "e.g. --time-limit 60 (at most 1e6 s, about 11 days)",
        ))
    }
}

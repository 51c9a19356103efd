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
//! | `candidates.rez_radius_km`, `mineral_radius_km`, `datacentre_cluster_km` | [0, 5,000] km | Australia is 4,000 km wide |
//! | `candidates.min_voltage_kv`, `backbone_voltage_kv`, headroom `min_voltage_kv` | (0, 2,000] kV | the highest AC voltage in service is 1,150 kV |
//! | headroom `max_mw`, `model.min_site_mw`, `max_site_mw`, `module_mw` | [0, 1e6] MW | a terawatt site |
//! | `model.max_sites` | [1, 1e6] | |
//! | `model.min_sites_per_city`, demand `min_sites` | [1, 1,000] | |
//! | `model.max_rtt_ms`, demand `max_rtt_ms` | (0, 10,000] ms | |
//! | demand `it_load_mw` | (0, 1e6] MW | |
//! | `model.unserved_penalty_aud_per_mw`, `cost_cap_aud`, `budget_aud`, every AUD amount of `[cost]` | ≤ 1e15 AUD | beyond it sums lose every cent and solver tolerances |
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

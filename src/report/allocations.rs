//! The allocations as CSV: one row per (site, city) pair that carries demand.

use super::Report;
use crate::error::{Error, Result};

/// Header of [`csv()`].
pub const HEADER: [&str; 11] = [
    "site_id",
    "site_name",
    "city_id",
    "city_name",
    "mw",
    "rtt_ms",
    "rtt_p95_ms",
    "max_rtt_ms",
    "limit_statistic",
    "landings",
    "cables",
];

/// CSV (RFC 4180, `,`-separated, header first) of every allocation, in city then site order:
/// MW to 0.001, RTT to 0.01 ms (median `rtt_ms` and planning `rtt_p95_ms`; the city's limit
/// `max_rtt_ms` applies to the statistic `limit_statistic`, `p50` or `p95`); `landings` and `cables` are the path in order, `;`-separated.
pub fn csv(r: &Report) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::Internal(format!("writing the allocations CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(err)?;
    for c in &r.cities {
        for a in &c.served_by {
            let site = r
                .sites
                .iter()
                .find(|s| s.id == a.site_id)
                .map(|s| s.name.as_str())
                .unwrap_or("");
            w.write_record([
                a.site_id.as_str(),
                site,
                c.id.as_str(),
                c.name.as_str(),
                &format!("{:.3}", a.mw),
                &format!("{:.2}", a.rtt_ms),
                &format!("{:.2}", a.rtt_p95_ms),
                &format!("{:.2}", c.max_rtt_ms),
                c.limit_statistic.as_str(),
                &a.landings.join(";"),
                &a.cables.join(";"),
            ])
            .map_err(err)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("writing the allocations CSV: {e}")))
}

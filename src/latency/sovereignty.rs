//! Sovereignty rules over cables (issue 27; docs/policy.md): where a route may land
//! (`[latency] landing_jurisdictions`) and whose cables it may use (`[latency] cable_owners`).
//!
//! Both are filters on the cable graph, applied when the [`super::LatencyModel`] is built:
//! - **Landing jurisdictions**: when the list is non-empty, landings and PoPs in any other
//!   country or territory are absent (as if every other country were in `avoid_transit`), so
//!   "only routes landing in Australia and Japan" is one line.
//! - **Cable owners**: when the list is non-empty, a cable stays only if one of its owners (the
//!   cable layer's `owners`, case-insensitive exact names) is in the list.
//!
//! Unknown countries or owners are usage errors listing near matches.

use super::graph::{close_matches, unknown_country, RawGraph};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::scenario::LatencyParams;
use std::collections::BTreeSet;

fn lower(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The countries (lower case) whose landings and PoPs are absent: `avoid_transit`, and with a
/// non-empty `landing_jurisdictions` every country of `node_country` not in it. An unknown
/// jurisdiction is an error with near matches.
pub fn avoided_countries(
    params: &LatencyParams,
    node_country: &[String],
) -> Result<BTreeSet<String>> {
    let mut avoid: BTreeSet<String> = params.avoid_transit.iter().map(|c| lower(c)).collect();
    if params.landing_jurisdictions.is_empty() {
        return Ok(avoid);
    }
    let names: Vec<String> = node_country
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known: BTreeSet<String> = names.iter().map(|c| lower(c)).collect();
    let allowed: BTreeSet<String> = params
        .landing_jurisdictions
        .iter()
        .map(|c| lower(c))
        .collect();
    if let Some(bad) = params
        .landing_jurisdictions
        .iter()
        .find(|c| !known.contains(&lower(c)))
    {
        return Err(unknown_country(
            "--landing-jurisdictions / latency.landing_jurisdictions",
            bad,
            node_country,
        ));
    }
    avoid.extend(known.into_iter().filter(|c| !allowed.contains(c)));
    Ok(avoid)
}

/// Marks in `removed` (by index of `raw.cables`) every cable none of whose owners is in
/// `cable_owners` (nothing when the list is empty). An owner no cable has, or a cable layer
/// without owners, is an error.
pub fn remove_by_owner(
    dataset: &Dataset,
    raw: &RawGraph,
    params: &LatencyParams,
    removed: &mut [bool],
) -> Result<()> {
    if params.cable_owners.is_empty() {
        return Ok(());
    }
    let field = "--cable-owners / latency.cable_owners";
    let all: BTreeSet<&str> = dataset
        .cables
        .iter()
        .flat_map(|c| c.owners.iter().map(String::as_str))
        .collect();
    if all.is_empty() {
        return Err(Error::usage(
            format!("{field}: the cable layer has no owners"),
            "use the embedded cables (data/cables.csv has TeleGeography's 2022 owners) or the public TeleGeography layer (owners column), or drop the filter",
        ));
    }
    let wanted: BTreeSet<String> = params.cable_owners.iter().map(|o| lower(o)).collect();
    let known: BTreeSet<String> = all.iter().map(|o| lower(o)).collect();
    if let Some(bad) = params
        .cable_owners
        .iter()
        .find(|o| !known.contains(&lower(o)))
    {
        let refs: Vec<&str> = all.iter().copied().collect();
        let close = close_matches(bad, &refs, 5);
        return Err(Error::usage(
            format!("{field}: no cable is owned by `{bad}`"),
            if close.is_empty() {
                format!(
                    "{} owners in the cable layer, e.g. {}",
                    all.len(),
                    refs.iter().take(8).copied().collect::<Vec<_>>().join(", ")
                )
            } else {
                format!("did you mean {}?", close.join(", "))
            },
        ));
    }
    for (k, (id, _, _)) in raw.cables.iter().enumerate() {
        let keep = dataset
            .cables
            .iter()
            .find(|c| &c.id == id)
            .is_some_and(|c| c.owners.iter().any(|o| wanted.contains(&lower(o))));
        if let Some(r) = removed.get_mut(k) {
            *r |= !keep;
        }
    }
    Ok(())
}

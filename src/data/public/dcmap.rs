//! dcmap facilities (`dcmap-csv`, `datacentres/datacentres_au_jp.csv`): existing data
//! centres from OpenStreetMap, PeeringDB and Epoch AI.
//!
//! Rows are grouped by the publisher's deduplication id `site_id` (345 rows → 268 sites in
//! the 2026 file); only `country` `AU` and `JP` rows are read. Per site, in file order: the
//! name is the first non-empty `name` (else `operator`, else the site id), the operator the
//! first non-empty `operator`, the position the first row with coordinates whose
//! `geo_precision` is `exact` (else the first row with coordinates). A site none of whose rows
//! has coordinates (one Epoch AI record, `site-nogeo-…`, in the 2026 file) cannot be placed
//! and is skipped, so the 2026 file yields 267 sites. A row with only one of `lat`/`lon`, or an
//! unparsable one, is an error.
//!
//! `state` (AU only): a state name or code written in `address` or `city` (e.g. `… NSW 2000`,
//! `Victoria`), else the state of a capital city named in `city` (Sydney, Melbourne, Brisbane,
//! Perth, Adelaide, Hobart, Darwin, Canberra) or Gold Coast; else empty. Suburb names alone
//! are not resolved (many are ambiguous across states); locate by point-in-polygon against
//! state boundaries where the state matters.

use super::super::{state_code, ExistingDataCentre, LayerSpec, LonLat};
use super::CsvTable;
use crate::error::{Issues, Result};
use std::collections::BTreeMap;

const STATE_NAMES: &[(&str, &str)] = &[
    ("new south wales", "NSW"),
    ("victoria", "VIC"),
    ("queensland", "QLD"),
    ("south australia", "SA"),
    ("western australia", "WA"),
    ("tasmania", "TAS"),
    ("northern territory", "NT"),
    ("australian capital territory", "ACT"),
];

const CITIES: &[(&str, &str)] = &[
    ("sydney", "NSW"),
    ("melbourne", "VIC"),
    ("brisbane", "QLD"),
    ("perth", "WA"),
    ("adelaide", "SA"),
    ("hobart", "TAS"),
    ("darwin", "NT"),
    ("canberra", "ACT"),
    ("gold coast", "QLD"),
];

/// The Australian state code derivable from an address and city (see the module doc), or
/// an empty string.
pub fn au_state(city: &str, address: &str) -> String {
    for text in [address, city] {
        let lower = text.to_lowercase();
        // Longest names first so that "western australia" wins over "south australia"-like
        // partial matches.
        for (name, code) in STATE_NAMES {
            if lower.contains(name) {
                return code.to_string();
            }
        }
        for token in text.split(|c: char| !c.is_ascii_alphabetic()) {
            if token.len() >= 2 && token.chars().all(|c| c.is_ascii_uppercase()) {
                let code = state_code(token);
                if !code.is_empty() && token == code {
                    return code;
                }
            }
        }
    }
    let c = city.trim().to_lowercase();
    CITIES
        .iter()
        .find(|(name, _)| c == *name)
        .map(|(_, code)| code.to_string())
        .unwrap_or_default()
}

/// Reads existing data centres (`dcmap-csv`); see the module doc.
pub fn load_datacentres(spec: &LayerSpec) -> Result<Vec<ExistingDataCentre>> {
    let table = CsvTable::read(
        &spec.path,
        &spec.label,
        &[
            "site_id",
            "name",
            "operator",
            "country",
            "city",
            "address",
            "lat",
            "lon",
            "geo_precision",
        ],
    )?;
    let mut issues = Issues::new();
    // site_id → rows (index, location if any), in file order.
    let mut sites: BTreeMap<String, Vec<(usize, Option<LonLat>)>> = BTreeMap::new();
    for (i, row) in table.iter().enumerate() {
        let country = row.str("country");
        if country != "AU" && country != "JP" {
            continue;
        }
        let id = row.str("site_id");
        if id.is_empty() {
            issues.push(row.at("site_id"), "a site id", "an empty field", "");
            continue;
        }
        let location = if row.str("lat").is_empty() && row.str("lon").is_empty() {
            None
        } else {
            match row.lonlat("lon", "lat", &mut issues) {
                Some(p) => Some(p),
                None => continue,
            }
        };
        sites.entry(id.to_string()).or_default().push((i, location));
    }
    let mut out = Vec::with_capacity(sites.len());
    for (id, rows) in sites {
        let views: Vec<_> = rows.iter().map(|&(i, p)| (table.row(i), p)).collect();
        let location = views
            .iter()
            .find(|(r, p)| p.is_some() && r.str("geo_precision") == "exact")
            .or_else(|| views.iter().find(|(_, p)| p.is_some()))
            .and_then(|(_, p)| *p);
        let Some(location) = location else {
            continue;
        };
        let first = |col: &str| {
            views
                .iter()
                .map(|(r, _)| r.str(col))
                .find(|s| !s.is_empty())
                .unwrap_or("")
                .to_string()
        };
        let operator = first("operator");
        let mut name = first("name");
        if name.is_empty() {
            name = if operator.is_empty() {
                id.clone()
            } else {
                operator.clone()
            };
        }
        let country = views[0].0.str("country").to_string();
        let state = if country == "AU" {
            views
                .iter()
                .map(|(r, _)| au_state(r.str("city"), r.str("address")))
                .find(|s| !s.is_empty())
                .unwrap_or_default()
        } else {
            String::new()
        };
        out.push(ExistingDataCentre {
            id,
            name,
            location,
            operator,
            country,
            state,
        });
    }
    issues.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::data::LayerFormat;

    #[test]
    fn states_from_text() {
        assert_eq!(au_state("Sydney", ""), "NSW");
        assert_eq!(au_state("", "1 Smith St, Ultimo NSW 2007"), "NSW");
        assert_eq!(au_state("Bunbury", "Western Australia"), "WA");
        assert_eq!(au_state("St Leonards", "Level 2,"), "");
        assert_eq!(au_state("Salisbury", "Unit 4"), "");
    }

    #[test]
    fn sites_are_merged_by_site_id() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "d.csv",
                "site_id,facility_type,source,name,operator,country,city,address,lat,lon,geo_precision\n\
s1,traditional,osm,,,AU,,,-33.81,151.19,approx\n\
s1,traditional,pdb,Interactive,Interactive,AU,St Leonards,,-33.82,151.20,exact\n\
s2,ai,epoch,Nowhere,Firmus,AU,,,,,\n\
s3,traditional,osm,NTT,NTT,JP,Tokyo,,35.68,139.70,exact\n\
s4,traditional,osm,X,X,US,,,40,-70,exact\n",
            )],
        );
        let spec = fixture::spec(dir.path(), "d.csv", LayerFormat::DcmapCsv, "");
        let dcs = load_datacentres(&spec).unwrap();
        assert_eq!(dcs.len(), 2);
        assert_eq!(dcs[0].id, "s1");
        assert_eq!(dcs[0].name, "Interactive");
        assert_eq!(dcs[0].location, LonLat::new(151.20, -33.82));
        assert_eq!(dcs[0].state, "");
        assert_eq!(dcs[1].country, "JP");
    }

    #[test]
    fn half_coordinates_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fixture::write(
            dir.path(),
            &[(
                "d.csv",
                "site_id,name,operator,country,city,address,lat,lon,geo_precision\ns1,A,,AU,,,-33,,exact\ns2,B,,AU,,,x,150,exact\n",
            )],
        );
        let spec = fixture::spec(dir.path(), "d.csv", LayerFormat::DcmapCsv, "");
        let err = load_datacentres(&spec).err().unwrap().to_string();
        assert!(err.contains("2 problems"), "{err}");
        assert!(err.contains("line 2") && err.contains("line 3"), "{err}");
    }
}

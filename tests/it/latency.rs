//! The submarine-cable latency model: hand-built dataset tests, public-data calibration and
//! sanity checks against published measurements, and the `sitefind latency` command.

use crate::common;
use proptest::prelude::*;
use sitefind::data::{CableSegment, CableSystem, Dataset, LandingStation, LonLat};
use sitefind::latency::{calibrate, CalibrationGrid, LatencyModel, Observation};
use sitefind::scenario::LatencyParams;
use sitefind::spatial::geodesy::distance_km;
use sitefind::Error;
use std::path::Path;

/// The parameters recommended by the calibration (README, "Latency"): the defaults.
pub fn calibrated() -> LatencyParams {
    LatencyParams::default()
}

const SYDNEY: LonLat = LonLat::new(151.21, -33.87);
const MELBOURNE: LonLat = LonLat::new(144.96, -37.81);
const PERTH_CITY: LonLat = LonLat::new(115.86, -31.95);
const TOKYO: LonLat = LonLat::new(139.69, 35.69);
const OSAKA: LonLat = LonLat::new(135.5, 34.69);
const SINGAPORE: LonLat = LonLat::new(103.85, 1.29);
const LOS_ANGELES: LonLat = LonLat::new(-118.24, 34.05);
const AUCKLAND: LonLat = LonLat::new(174.76, -36.85);

/// A hand-built dataset: real landing coordinates and published system lengths from the
/// TeleGeography snapshot (`../shared/data/cables`).
pub mod fixture {
    use super::*;

    fn landing(id: &str, name: &str, lon: f64, lat: f64, country: &str) -> LandingStation {
        LandingStation {
            id: id.into(),
            name: name.into(),
            location: LonLat::new(lon, lat),
            country: country.into(),
        }
    }

    fn cable(id: &str, name: &str, landings: &[&str], length_km: Option<f64>) -> CableSystem {
        CableSystem {
            id: id.into(),
            name: name.into(),
            landing_ids: landings.iter().map(|s| s.to_string()).collect(),
            length_km,
            segments: Vec::new(),
            route: Vec::new(),
            rfs_year: None,
            planned: false,
            owners: Vec::new(),
        }
    }

    /// Landings in Australia, Guam, Japan, Singapore, Hawaii, California and New Zealand; cables
    /// JGA-S (multi-landing, no route: great circle), JGA-N and TGA (two landings: system length),
    /// AJC (multi-landing with a drawn route), INDIGO-Central/West, SJC (given segments), SCCN
    /// (multi-landing, no route), and a planned cable.
    pub fn dataset() -> Dataset {
        let landings = vec![
            landing(
                "alexandria-nsw-australia",
                "Alexandria, NSW, Australia",
                151.196209,
                -33.913674,
                "Australia",
            ),
            landing(
                "brookvale-nsw-australia",
                "Brookvale, NSW, Australia",
                151.273991,
                -33.761157,
                "Australia",
            ),
            landing(
                "chikura-japan",
                "Chikura, Japan",
                139.954663,
                34.976658,
                "Japan",
            ),
            landing(
                "hermosa-beach-ca-united-states",
                "Hermosa Beach, CA, United States",
                -118.399549,
                33.862233,
                "United States",
            ),
            landing(
                "kahe-point-hi-united-states",
                "Kahe Point, HI, United States",
                -158.130582,
                21.353982,
                "United States",
            ),
            landing(
                "kitaibaraki-japan",
                "Kitaibaraki, Japan",
                140.750951,
                36.801783,
                "Japan",
            ),
            landing(
                "maroochydore-qld-australia",
                "Maroochydore, QLD, Australia",
                153.089443,
                -26.651845,
                "Australia",
            ),
            landing(
                "maruyama-japan",
                "Maruyama, Japan",
                139.975467,
                35.005433,
                "Japan",
            ),
            landing(
                "minamiboso-japan",
                "Minamiboso, Japan",
                139.960979,
                34.974078,
                "Japan",
            ),
            landing(
                "morro-bay-ca-united-states",
                "Morro Bay, CA, United States",
                -120.847203,
                35.366681,
                "United States",
            ),
            landing(
                "oxford-falls-nsw-australia",
                "Oxford Falls, NSW, Australia",
                151.245084,
                -33.737386,
                "Australia",
            ),
            landing(
                "paddington-nsw-australia",
                "Paddington, NSW, Australia",
                151.228678,
                -33.882123,
                "Australia",
            ),
            landing(
                "perth-wa-australia",
                "Perth, WA, Australia",
                115.857219,
                -31.953439,
                "Australia",
            ),
            landing("piti-guam", "Piti, Guam", 144.694742, 13.464655, "Guam"),
            landing(
                "raglan-new-zealand",
                "Raglan, New Zealand",
                174.871794,
                -37.801406,
                "New Zealand",
            ),
            landing("shima-japan", "Shima, Japan", 136.874281, 34.33689, "Japan"),
            landing(
                "takapuna-new-zealand",
                "Takapuna, New Zealand",
                174.767921,
                -36.787834,
                "New Zealand",
            ),
            landing(
                "tanguisson-point-guam",
                "Tanguisson Point, Guam",
                144.809347,
                13.549098,
                "Guam",
            ),
            landing(
                "tuas-singapore",
                "Tuas, Singapore",
                103.64621,
                1.338646,
                "Singapore",
            ),
        ];
        let mut cables = vec![
            cable(
                "japan-guam-australia-south-jga-s",
                "Japan-Guam-Australia South (JGA-S)",
                &[
                    "brookvale-nsw-australia",
                    "maroochydore-qld-australia",
                    "piti-guam",
                ],
                Some(7081.0),
            ),
            cable(
                "japan-guam-australia-north-jga-n",
                "Japan-Guam-Australia North (JGA-N)",
                &["piti-guam", "minamiboso-japan"],
                Some(2600.0),
            ),
            cable(
                "tasman-global-access-tga-cable",
                "Tasman Global Access (TGA) Cable",
                &["oxford-falls-nsw-australia", "raglan-new-zealand"],
                Some(2288.0),
            ),
            cable(
                "indigo-central",
                "INDIGO-Central",
                &["alexandria-nsw-australia", "perth-wa-australia"],
                Some(4850.0),
            ),
            cable(
                "southern-cross-cable-network-sccn",
                "Southern Cross Cable Network (SCCN)",
                &[
                    "alexandria-nsw-australia",
                    "brookvale-nsw-australia",
                    "takapuna-new-zealand",
                    "kahe-point-hi-united-states",
                    "morro-bay-ca-united-states",
                ],
                Some(30500.0),
            ),
            cable(
                "jupiter",
                "JUPITER",
                &[
                    "maruyama-japan",
                    "shima-japan",
                    "hermosa-beach-ca-united-states",
                ],
                Some(14557.0),
            ),
        ];
        // AJC: a simplified drawing (trunk Sydney – Guam – Japan with branches), scaled by the
        // published 12,700 km over the drawn length.
        let mut ajc = cable(
            "australia-japan-cable-ajc",
            "Australia-Japan Cable (AJC)",
            &[
                "oxford-falls-nsw-australia",
                "paddington-nsw-australia",
                "tanguisson-point-guam",
                "maruyama-japan",
                "shima-japan",
            ],
            Some(12700.0),
        );
        ajc.route = vec![
            vec![
                LonLat::new(151.2451, -33.7374),
                LonLat::new(152.5, -33.5),
                LonLat::new(156.0, -20.0),
                LonLat::new(150.0, 0.0),
                LonLat::new(144.8093, 13.5491),
            ],
            vec![LonLat::new(151.2287, -33.8821), LonLat::new(152.5, -33.5)],
            vec![
                LonLat::new(144.8093, 13.5491),
                LonLat::new(141.5, 28.0),
                LonLat::new(140.3, 33.5),
                LonLat::new(139.9755, 35.0054),
            ],
            vec![LonLat::new(140.3, 33.5), LonLat::new(136.8743, 34.3369)],
        ];
        cables.push(ajc);
        // INDIGO-West and SJC with explicit (drawn-route) segments.
        let mut iw = cable(
            "indigo-west",
            "INDIGO-West",
            &["perth-wa-australia", "tuas-singapore"],
            Some(4600.0),
        );
        iw.segments = vec![CableSegment {
            from: "perth-wa-australia".into(),
            to: "tuas-singapore".into(),
            length_km: 4400.0,
            length_source: "drawn-route".into(),
        }];
        cables.push(iw);
        let mut sjc = cable(
            "southeast-asia-japan-cable-sjc",
            "Southeast Asia-Japan Cable (SJC)",
            &["tuas-singapore", "chikura-japan"],
            Some(8900.0),
        );
        sjc.segments = vec![CableSegment {
            from: "tuas-singapore".into(),
            to: "chikura-japan".into(),
            length_km: 7000.0,
            length_source: "drawn-route".into(),
        }];
        cables.push(sjc);
        let mut planned = cable(
            "planned-direct",
            "A planned direct cable",
            &["brookvale-nsw-australia", "kitaibaraki-japan"],
            Some(8000.0),
        );
        planned.planned = true;
        cables.push(planned);
        cables.sort_by(|a, b| a.id.cmp(&b.id));
        Dataset {
            source: "<fixture>".into(),
            landings,
            cables,
            ..Dataset::default()
        }
    }
}

/// A minimal reader of the public TeleGeography snapshot (test only; the real public readers
/// live in `sitefind::data::public`).
pub mod public {
    use super::*;
    use serde_json::Value;

    fn lonlat(v: &Value) -> LonLat {
        LonLat::new(v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    }

    /// Landings and cables from `cables/landing_points_au_jp.geojson` and
    /// `cables/cables_au_jp.geojson` (no segments: derived by the model).
    pub fn dataset(dir: &Path) -> Dataset {
        let read = |f: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join("cables").join(f)).unwrap())
                .unwrap()
        };
        let lp = read("landing_points_au_jp.geojson");
        let mut landings: Vec<LandingStation> = lp["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| LandingStation {
                id: f["properties"]["id"].as_str().unwrap().into(),
                name: f["properties"]["name"].as_str().unwrap().into(),
                location: lonlat(&f["geometry"]["coordinates"]),
                country: f["properties"]["country"].as_str().unwrap().into(),
            })
            .collect();
        landings.sort_by(|a, b| a.id.cmp(&b.id));
        let cj = read("cables_au_jp.geojson");
        let mut cables: Vec<CableSystem> = cj["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = &f["properties"];
                let route = f["geometry"]["coordinates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|line| line.as_array().unwrap().iter().map(lonlat).collect())
                    .collect();
                CableSystem {
                    id: p["id"].as_str().unwrap().into(),
                    name: p["name"].as_str().unwrap().into(),
                    landing_ids: p["landing_point_ids"]
                        .as_str()
                        .unwrap()
                        .split(';')
                        .map(String::from)
                        .collect(),
                    length_km: p["length_km"].as_f64(),
                    segments: Vec::new(),
                    route,
                    rfs_year: p["rfs_year"].as_u64().map(|y| y as u32),
                    planned: p["is_planned"].as_bool().unwrap(),
                    owners: Vec::new(),
                }
            })
            .collect();
        cables.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(landings.len(), 165);
        assert_eq!(cables.len(), 53);
        Dataset {
            source: dir.join("cables").display().to_string(),
            landings,
            cables,
            ..Dataset::default()
        }
    }
}

fn model(params: &LatencyParams) -> LatencyModel {
    LatencyModel::build(&fixture::dataset(), params).unwrap()
}

#[test]
fn sydney_tokyo_goes_by_cable_within_ten_percent_of_azure() {
    let m = model(&calibrated());
    let r = m.rtt(SYDNEY, TOKYO).unwrap();
    // Azure P50 Australia East – Japan East: 104 ms (latency/rtt_calibration.csv); the
    // fixture has no PoPs (no exchange overheads) and its own estimated JGA-S length.
    assert!((r.rtt_ms - 104.0).abs() <= 15.6, "{r:?}");
    assert!(r.rtt_ms >= r.floor_ms);
    assert!(
        (r.floor_ms - 2.0 * 0.0049 * 7_820.0).abs() < 1.0,
        "{}",
        r.floor_ms
    );
    assert!(!r.cables.is_empty());
    assert_eq!(r.nodes.len(), r.legs.len() + 1);
    // The RTT is the formula over the reported parts: propagation (terrestrial legs × the
    // country's route factor) + the data-centre and city ends + one overhead per landing
    // and per PoP on the path.
    let p = calibrated();
    let km = p.route_factor_for("Australia") * r.terrestrial_origin_km
        + r.cable_km
        + p.route_factor_for("Japan") * r.terrestrial_dest_km;
    let want = 2.0 * p.fibre_ms_per_km * km
        + p.endpoint_overhead_ms
        + p.city_endpoint_overhead_ms
        + p.landing_overhead_ms * r.landings.len() as f64
        + p.pop_overhead_ms * r.pops.len() as f64
        + p.equipment_overhead_ms;
    assert!((r.rtt_ms - want).abs() < 1e-9, "{} vs {want}", r.rtt_ms);
    assert!((r.propagation_ms + r.overhead_ms - r.rtt_ms).abs() < 1e-9);
    assert!((r.rtt_p95_ms - p.p95_of(r.rtt_ms)).abs() < 1e-12);
    assert_eq!(
        r.jurisdictions.first().map(String::as_str),
        Some("Australia")
    );
    assert_eq!(r.jurisdictions.last().map(String::as_str), Some("Japan"));
    let legs_km: f64 = r.legs.iter().map(|l| l.km).sum();
    assert!((legs_km - r.cable_km).abs() < 1e-9);
    // Starts in Sydney, ends in Japan.
    assert!(r.landings[0].ends_with("nsw-australia"), "{r:?}");
    assert!(r.landings.last().unwrap().ends_with("japan"), "{r:?}");
}

#[test]
fn domestic_pairs_are_terrestrial_and_about_ten_ms() {
    let m = model(&calibrated());
    let to = m.rtt(TOKYO, OSAKA).unwrap();
    assert!(to.cables.is_empty() && to.landings.is_empty(), "{to:?}");
    // Azure Japan East – Japan West 11 ms; AWS Tokyo – Osaka ~8 ms; WonderNetwork 8.2 ms
    // (the fixture has no PoPs: no exchange overheads).
    assert!((6.0..=14.0).contains(&to.rtt_ms), "{}", to.rtt_ms);
    let sm = m.rtt(SYDNEY, MELBOURNE).unwrap();
    assert!(sm.cables.is_empty(), "{sm:?}");
    // Azure Australia East – Australia Southeast 15 ms.
    assert!((11.0..=19.0).contains(&sm.rtt_ms), "{}", sm.rtt_ms);
    // Symmetric.
    let back = m.rtt(MELBOURNE, SYDNEY).unwrap();
    assert!((back.rtt_ms - sm.rtt_ms).abs() < 1e-9);
}

#[test]
fn cutting_the_best_path_raises_rtt_and_avoids_the_cut_cables() {
    let p = calibrated();
    let m = model(&p);
    let best = m.rtt(SYDNEY, TOKYO).unwrap();
    let mut cut = p.clone();
    cut.cut_cables = best.cables.clone();
    let m2 = model(&cut);
    let alt = m2.rtt(SYDNEY, TOKYO).unwrap();
    assert!(alt.rtt_ms > best.rtt_ms, "{best:?} {alt:?}");
    for c in &best.cables {
        assert!(!alt.cables.contains(c), "{c} still used: {alt:?}");
        assert!(m2.edges().iter().all(|e| e.cable.as_ref() != Some(c)));
    }
    assert!(alt.rtt_ms >= alt.floor_ms);
}

#[test]
fn cutting_every_cable_leaves_no_route_but_terrestrial() {
    let ds = fixture::dataset();
    let mut p = calibrated();
    p.cut_cables = ds.cables.iter().map(|c| c.id.clone()).collect();
    let m = LatencyModel::build(&ds, &p).unwrap();
    assert!(m.rtt(SYDNEY, TOKYO).is_none());
    assert!(m.rtt(SYDNEY, MELBOURNE).is_some());
    let mat = m.rtt_matrix(&[SYDNEY], &[TOKYO, MELBOURNE]);
    assert!(mat.rtt_ms[0][0].is_infinite());
    assert!(mat.rtt_ms[0][1].is_finite());
}

#[test]
fn unknown_cut_cable_is_a_usage_error_with_close_matches() {
    let mut p = calibrated();
    p.cut_cables = vec!["indigo-wst".into()];
    let e = LatencyModel::build(&fixture::dataset(), &p).unwrap_err();
    assert!(matches!(e, Error::Usage { .. }), "{e}");
    let s = e.to_string();
    assert!(
        s.contains("indigo-wst") && s.contains("`indigo-west`"),
        "{s}"
    );
    p.cut_cables = vec!["JGA".into()];
    let s = LatencyModel::build(&fixture::dataset(), &p)
        .unwrap_err()
        .to_string();
    assert!(s.contains("japan-guam-australia-north-jga-n"), "{s}");
}

#[test]
fn bad_parameters_are_rejected() {
    let mut p = calibrated();
    p.route_factor = 0.9;
    let e = LatencyModel::build(&fixture::dataset(), &p).unwrap_err();
    assert!(e.to_string().contains("route_factor"), "{e}");
}

#[test]
fn planned_cables_only_when_asked() {
    let p = calibrated();
    let uses = |m: &LatencyModel| {
        m.edges()
            .iter()
            .any(|e| e.cable.as_deref() == Some("planned-direct"))
    };
    assert!(!uses(&model(&p)));
    let mut q = p.clone();
    q.include_planned = true;
    let m = model(&q);
    assert!(uses(&m));
    // The direct 8,000 km cable beats the Guam route.
    let r = m.rtt(SYDNEY, TOKYO).unwrap();
    assert_eq!(r.cables, vec!["planned-direct".to_string()], "{r:?}");
}

#[test]
fn edge_lengths_follow_the_documented_rules() {
    // Slack 1 so that edge lengths are the derived lengths themselves.
    let m = model(&LatencyParams {
        cable_slack: 1.0,
        ..LatencyParams::default()
    });
    let find = |cable: &str, a: &str, b: &str| {
        m.edges()
            .iter()
            .find(|e| {
                e.cable.as_deref() == Some(cable)
                    && ((e.from == a && e.to == b) || (e.from == b && e.to == a))
            })
            .unwrap_or_else(|| panic!("{cable} {a} {b}"))
            .clone()
    };
    // Two landings: the system length.
    let e = find(
        "japan-guam-australia-north-jga-n",
        "piti-guam",
        "minamiboso-japan",
    );
    assert_eq!(e.km, 2600.0);
    // Given segment.
    assert_eq!(
        find("indigo-west", "perth-wa-australia", "tuas-singapore").km,
        4400.0
    );
    // Multi-landing without route: great circle × 1.15.
    let ds = fixture::dataset();
    let pos = |id: &str| ds.landings.iter().find(|l| l.id == id).unwrap().location;
    let e = find(
        "japan-guam-australia-south-jga-s",
        "brookvale-nsw-australia",
        "piti-guam",
    );
    let gc = distance_km(pos("brookvale-nsw-australia"), pos("piti-guam"));
    // Great circle × 1.15, raised to the corridor's (AU–Guam) drawn/published ratio (AJC's
    // drawn route here) when that is longer; listed as estimated.
    assert!(e.km >= gc * 1.15 - 1e-6, "{} {}", e.km, gc);
    assert!(e.source.starts_with("great-circle"), "{}", e.source);
    assert!(e.estimated);
    // Multi-landing with a route: along the route, longer than the great circle.
    let e = find(
        "australia-japan-cable-ajc",
        "oxford-falls-nsw-australia",
        "maruyama-japan",
    );
    let gc = distance_km(pos("oxford-falls-nsw-australia"), pos("maruyama-japan"));
    assert_eq!(e.source, "drawn-route");
    assert!(e.km > gc * 1.05 && e.km < 12_700.0, "{} {}", e.km, gc);
    // Metro links join the Sydney landings and the two Guam landings, not Sydney–Perth.
    assert!(m
        .edges()
        .iter()
        .any(|e| e.cable.is_none() && e.from == "piti-guam" && e.to == "tanguisson-point-guam"));
    assert!(m
        .edges()
        .iter()
        .filter(|e| e.cable.is_none())
        .all(|e| e.km < 50.0 * 1.6 + 1e-9));
    // Slack multiplies cable edges.
    let p = LatencyParams {
        cable_slack: 1.1,
        ..LatencyParams::default()
    };
    let m2 = model(&p);
    let e2 = m2
        .edges()
        .iter()
        .find(|e| e.cable.as_deref() == Some("japan-guam-australia-north-jga-n"))
        .unwrap();
    assert!((e2.km - 2860.0).abs() < 1e-9);
}

#[test]
fn countries_are_decided_by_box_and_nearest_landing() {
    let m = model(&calibrated());
    assert_eq!(m.country_of(LonLat::new(133.88, -23.70)), Some("Australia")); // Alice Springs
    assert_eq!(m.country_of(TOKYO), Some("Japan"));
    assert_eq!(m.country_of(SINGAPORE), Some("Singapore"));
    assert_eq!(m.country_of(AUCKLAND), Some("New Zealand"));
    assert_eq!(m.country_of(LonLat::new(144.75, 13.47)), Some("Guam"));
}

#[test]
fn matrix_equals_per_pair_rtt() {
    let m = model(&calibrated());
    let sites = vec![
        SYDNEY,
        MELBOURNE,
        PERTH_CITY,
        LonLat::new(133.88, -23.70), // Alice Springs
        LonLat::new(146.82, -19.26), // Townsville
        LonLat::new(138.60, -34.93), // Adelaide
        LonLat::new(147.33, -42.88), // Hobart
        LonLat::new(149.13, -35.28), // Canberra
        LonLat::new(130.84, -12.46), // Darwin
        LonLat::new(118.60, -20.31), // Port Hedland
    ];
    let cities = vec![
        TOKYO,
        OSAKA,
        LonLat::new(130.40, 33.59), // Fukuoka
        LonLat::new(141.35, 43.06), // Sapporo
        LonLat::new(127.68, 26.21), // Naha
        SINGAPORE,
        SYDNEY,
    ];
    let mat = m.rtt_matrix(&sites, &cities);
    assert_eq!(mat.rtt_ms.len(), sites.len());
    for (i, s) in sites.iter().enumerate() {
        assert_eq!(mat.rtt_ms[i].len(), cities.len());
        for (j, c) in cities.iter().enumerate() {
            let r = m.rtt(*s, *c).unwrap();
            assert!(
                (mat.rtt_ms[i][j] - r.rtt_ms).abs() < 1e-9,
                "{i} {j}: {} vs {}",
                mat.rtt_ms[i][j],
                r.rtt_ms
            );
        }
    }
    // Deterministic.
    assert_eq!(mat, m.rtt_matrix(&sites, &cities));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn rtt_is_never_below_the_floor(
        lon1 in 112.0f64..154.0, lat1 in -44.0f64..-10.0,
        lon2 in -180.0f64..180.0, lat2 in -60.0f64..60.0,
        rf in 1.0f64..2.0, rf_jp in 1.0f64..2.0, slack in 1.0f64..1.2, oh in 0.0f64..5.0,
        land in 0.0f64..2.0, margin in 0.0f64..0.3, jitter in 0.0f64..5.0,
    ) {
        let mut p = LatencyParams {
            route_factor: rf, cable_slack: slack, endpoint_overhead_ms: oh,
            landing_overhead_ms: land, p95_route_margin: margin, p95_jitter_ms: jitter,
            ..LatencyParams::default()
        };
        p.route_factor_by_country.insert("Japan".into(), rf_jp);
        for ds in [fixture::dataset(), sitefind::data::Dataset::embedded().unwrap()] {
            let m = LatencyModel::build(&ds, &p).unwrap();
            let (a, b) = (LonLat::new(lon1, lat1), LonLat::new(lon2, lat2));
            if let Some(r) = m.rtt(a, b) {
                prop_assert!(r.rtt_ms >= r.floor_ms - 1e-9, "{r:?}");
                prop_assert!(r.rtt_p95_ms >= r.rtt_ms, "{r:?}");
                prop_assert!((r.floor_ms - 2.0 * p.fibre_ms_per_km * distance_km(a, b)).abs() < 1e-9);
            }
        }
    }

    /// Cutting any cable never lowers an RTT (removing edges cannot shorten a shortest path),
    /// on the embedded dataset with its PoPs.
    #[test]
    fn cutting_a_cable_never_lowers_an_rtt(
        lon1 in 112.0f64..154.0, lat1 in -44.0f64..-10.0,
        lon2 in 129.0f64..146.0, lat2 in 31.0f64..44.0,
        k in 0usize..1000,
    ) {
        let ds = sitefind::data::Dataset::embedded().unwrap();
        let m = LatencyModel::build(&ds, &calibrated()).unwrap();
        let (a, b) = (LonLat::new(lon1, lat1), LonLat::new(lon2, lat2));
        let cables: Vec<String> = m.edges().iter().filter_map(|e| e.cable.clone())
            .collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let c = &cables[k % cables.len()];
        let cut = m.without_cable(c);
        let before = m.rtt(a, b).map_or(f64::INFINITY, |r| r.rtt_ms);
        let after = cut.rtt(a, b).map_or(f64::INFINITY, |r| r.rtt_ms);
        prop_assert!(after >= before - 1e-9, "{c}: {before} -> {after}");
        // The same through a rebuilt model with the cable in cut_cables.
        let mut p = calibrated();
        p.cut_cables = vec![c.clone()];
        let rebuilt = LatencyModel::build(&ds, &p).unwrap();
        let again = rebuilt.rtt(a, b).map_or(f64::INFINITY, |r| r.rtt_ms);
        prop_assert!((again - after).abs() < 1e-9 || (again.is_infinite() && after.is_infinite()));
    }
}

fn obs(name: &str, from: LonLat, to: LonLat, ms: f64, stat: &str) -> Observation {
    Observation {
        name: name.into(),
        from,
        to,
        rtt_ms: ms,
        statistic: stat.into(),
        vintage: "w".into(),
        source: "t".into(),
    }
}

#[test]
fn calibration_on_the_fixture_is_within_bounds_deterministic_and_fits() {
    let o = vec![
        obs("Sydney – Tokyo", SYDNEY, TOKYO, 104.0, "p50_30d"),
        obs("Sydney – Tokyo", SYDNEY, TOKYO, 106.0, "p95_30d"),
        obs("Tokyo – Osaka", TOKYO, OSAKA, 11.0, "p50_30d"),
        obs("Sydney – Melbourne", SYDNEY, MELBOURNE, 15.0, "p50_30d"),
        obs("Sydney – Singapore", SYDNEY, SINGAPORE, 95.0, "p50_30d"),
    ];
    let run = || {
        calibrate(
            &fixture::dataset(),
            &LatencyParams::default(),
            &o,
            &CalibrationGrid::default(),
        )
        .unwrap()
    };
    let r = run();
    let p = &r.params;
    for c in ["Australia", "Japan"] {
        assert!((1.1..=1.8).contains(&p.route_factor_for(c)), "{p:?}");
    }
    assert!((0.0..=5.0).contains(&p.endpoint_overhead_ms));
    assert!((0.0..=2.0).contains(&p.landing_overhead_ms));
    // The P95 terms are read off the data: jitter 106 − 104 = 2 ms; the margin is the 95th
    // percentile of measured / modelled − 1 over the three AU/JP typical rows (their largest).
    assert!((p.p95_jitter_ms - 2.0).abs() < 1e-9);
    let worst = r
        .residuals
        .iter()
        .filter(|x| x.statistic == "p50_30d" && x.group.label() != "via-SG/US")
        .map(|x| x.observed_ms / x.modelled_ms - 1.0)
        .fold(0.0, f64::max);
    assert!((p.p95_route_margin - worst).abs() < 1e-6, "{p:?} {worst}");
    assert_eq!(r.residuals.len(), 5);
    // The fitted pairs (AU/JP) within 8 % (the absolute-error fit matches two of three
    // exactly); Singapore is a check, not fitted.
    for res in r.residuals.iter().filter(|x| x.statistic == "p50_30d") {
        if res.name != "Sydney – Singapore" {
            assert!(res.residual_pct.abs() < 8.0, "{res:?} in {:?}", r.params);
        }
    }
    // The grid optimum is no worse than the defaults on the fitted rows.
    let m = model(&LatencyParams::default());
    let loss_default: f64 = o[..4]
        .iter()
        .filter(|x| !x.is_p95())
        .map(|x| {
            // Backbone rows join two data-centre ends; a route has one of each.
            let d = LatencyParams::default();
            let ms = m.rtt(x.from, x.to).unwrap().rtt_ms + d.endpoint_overhead_ms
                - d.city_endpoint_overhead_ms;
            (ms / x.rtt_ms - 1.0).abs()
        })
        .sum::<f64>()
        / 3.0;
    assert!(r.loss_pct <= 100.0 * loss_default + 1e-9);
    // Deterministic: the same fit twice.
    assert_eq!(r, run());
    // Groups reported.
    let groups: Vec<&str> = r.groups.iter().map(|g| g.group.label()).collect();
    assert!(
        groups.contains(&"AU-JP") && groups.contains(&"via-SG/US"),
        "{groups:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Public data: the TeleGeography snapshot and the Azure calibration file.

fn both_files(dir: &Path) -> Vec<Observation> {
    let mut o = Observation::read_csv(&dir.join("latency/rtt_azure_published.csv")).unwrap();
    o.extend(Observation::read_csv(&dir.join("latency/rtt_wondernetwork_2018.csv")).unwrap());
    o
}

/// The defaults are the fit: `sitefind calibrate` on the 94 published Azure RTTs and the 70
/// WonderNetwork pings with the embedded dataset reproduces every fitted term of
/// `LatencyParams::default()` exactly (deterministic), reports residuals per source and pair
/// group, and meets the targets measurable on these files.
#[test]
fn calibration_on_both_files_reproduces_the_defaults() {
    let Some(dir) = common::public_data("calibration_on_both_files_reproduces_the_defaults") else {
        return;
    };
    let o = both_files(&dir);
    assert_eq!(o.len(), 164);
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let run = || {
        calibrate(
            &ds,
            &LatencyParams::default(),
            &o,
            &CalibrationGrid::default(),
        )
        .unwrap()
    };
    let r = run();
    let d = LatencyParams::default();
    let p = &r.params;
    assert_eq!(p.route_factor_by_country, d.route_factor_by_country);
    assert_eq!(p.cable_slack, d.cable_slack);
    assert_eq!(p.endpoint_overhead_ms, d.endpoint_overhead_ms);
    assert_eq!(p.city_endpoint_overhead_ms, d.city_endpoint_overhead_ms);
    assert_eq!(p.landing_overhead_ms, d.landing_overhead_ms);
    assert_eq!(p.pop_overhead_ms, d.pop_overhead_ms);
    assert_eq!(p.p95_route_margin, d.p95_route_margin);
    assert_eq!(p.p95_jitter_ms, d.p95_jitter_ms);
    assert_eq!(r, run(), "deterministic");
    let g = |label: &str, source: &str| {
        r.groups
            .iter()
            .find(|g| g.group.label() == label && g.source == source && g.statistic == "median")
            .unwrap_or_else(|| panic!("no group {label} {source}"))
            .clone()
    };
    // A residual table per source and group.
    for src in ["all", "rtt_azure_published", "rtt_wondernetwork_2018"] {
        for grp in ["AU-JP", "AU-AU", "JP-JP", "via-SG/US"] {
            let x = g(grp, src);
            assert!(x.n > 0 && x.mean_abs_pct.is_finite(), "{x:?}");
        }
    }
    // Targets: AU–AU and JP–JP within 15 % on both sources; no regression beyond 1 pp on the
    // Azure AU–JP pairs (the previous fit, on the Azure file alone: 3.18 %).
    assert!(
        g("AU-AU", "all").mean_abs_pct <= 15.0,
        "{:?}",
        g("AU-AU", "all")
    );
    assert!(
        g("JP-JP", "all").mean_abs_pct <= 15.0,
        "{:?}",
        g("JP-JP", "all")
    );
    let az = g("AU-JP", "rtt_azure_published");
    assert!(
        az.mean_abs_pct <= 3.18 + 1.0 && az.mean_signed_pct.abs() <= 5.0,
        "{az:?}"
    );
    assert!(az.p95_covers_pct >= 90.0, "{az:?}");
    // The detour rule, not a list: exactly the rows above 2 × floor + 10 ms, and they are
    // the pathological ones PROVENANCE.md names.
    for x in &r.residuals {
        let over = x.observed_ms > 2.0 * x.floor_ms + 10.0 && !x.statistic.starts_with("p95");
        assert_eq!(x.detour, over, "{x:?}");
        assert!(!(x.detour && x.fitted), "{x:?}");
    }
    for name in [
        "Canberra [WonderNetwork] – Tokyo",
        "Adelaide [WonderNetwork] – Osaka",
    ] {
        assert!(
            r.residuals
                .iter()
                .any(|x| x.name.starts_with(name) && x.detour),
            "{name}"
        );
    }
    // Two route classes, each with its own percentile.
    assert_eq!(r.classes.len(), 2);
    assert!(r
        .classes
        .iter()
        .all(|c| c.route_margin >= 0.0 && c.jitter_pairs > 0));
}

/// A 2018 ping is routed over the cables in service in 2018: no residual's path uses a
/// cable whose `rfs_year` is after its measurement year (INDIGO 2019, JGA 2020 absent).
#[test]
fn a_cable_after_the_measurement_year_is_never_on_its_path() {
    let Some(dir) = common::public_data("a_cable_after_the_measurement_year_is_never_on_its_path")
    else {
        return;
    };
    let o = both_files(&dir);
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let r = calibrate(
        &ds,
        &LatencyParams::default(),
        &o,
        &CalibrationGrid::default(),
    )
    .unwrap();
    let rfs = |id: &str| {
        ds.cables
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.rfs_year)
    };
    let mut checked = 0;
    for x in &r.residuals {
        let year = x.year.unwrap();
        for c in &x.cables {
            assert!(
                rfs(c).is_none_or(|y| y <= year),
                "{c} on {} ({year})",
                x.name
            );
            checked += 1;
        }
    }
    assert!(checked > 100);
    // Perth–Tokyo: today over INDIGO-West (2019) or JGA; in 2018 over neither.
    let mut p = calibrated();
    let today = LatencyModel::build(&ds, &p)
        .unwrap()
        .rtt(PERTH_CITY, TOKYO)
        .unwrap();
    p.in_service_year = Some(2018);
    let then = LatencyModel::build(&ds, &p)
        .unwrap()
        .rtt(PERTH_CITY, TOKYO)
        .unwrap();
    for c in &then.cables {
        assert!(rfs(c).is_none_or(|y| y <= 2018), "{c} in {then:?}");
    }
    assert!(then.rtt_ms >= today.rtt_ms - 1e-9, "{then:?} {today:?}");
}

/// Osaka from Sydney is not within 3 ms of Tokyo: Japan's gateway for the Guam and Pacific
/// cables is Tokyo (pops.csv), so Osaka is reached over the Tōkaidō backbone from the Tokyo
/// PoP, as Azure (+6–7 ms) and WonderNetwork (+7.4 ms) measure.
#[test]
fn osaka_is_not_within_3_ms_of_tokyo_from_sydney() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    let tokyo = m.rtt(SYDNEY, TOKYO).unwrap();
    let osaka = m.rtt(SYDNEY, OSAKA).unwrap();
    let gap = osaka.rtt_ms - tokyo.rtt_ms;
    assert!((3.0..=14.0).contains(&gap), "{gap} {osaka:?}");
    assert!(osaka.pops.contains(&"pop-tokyo".to_string()), "{osaka:?}");
    assert_eq!(osaka.pops.last().map(String::as_str), Some("pop-osaka"));
}

/// Short domestic legs against WonderNetwork's 2018 pings (servers at exchanges: the city
/// ends' overhead at both ends): Sydney–Canberra, –Melbourne, –Brisbane, Tokyo–Osaka within
/// 15 % (the issue measured the previous model 15–46 % too slow on these).
#[test]
fn domestic_legs_within_15_percent_of_wondernetwork() {
    let Some(dir) = common::public_data("domestic_legs_within_15_percent_of_wondernetwork") else {
        return;
    };
    let o = Observation::read_csv(&dir.join("latency/rtt_wondernetwork_2018.csv")).unwrap();
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let p = calibrated();
    let m = LatencyModel::build(&ds, &p).unwrap();
    for (a, b) in [
        ("Sydney", "Canberra"),
        ("Sydney", "Melbourne"),
        ("Sydney", "Brisbane"),
        ("Tokyo", "Osaka"),
    ] {
        let row = o
            .iter()
            .find(|x| x.name == format!("{a} [WonderNetwork] – {b} [WonderNetwork]"))
            .unwrap();
        let r = m.rtt(row.from, row.to).unwrap();
        // A route has one data-centre end and one city end; a ping has two city ends.
        let ms = r.rtt_ms - p.endpoint_overhead_ms + p.city_endpoint_overhead_ms;
        let err = ms / row.rtt_ms - 1.0;
        assert!(
            err.abs() <= 0.15,
            "{a}–{b}: {ms:.2} vs {} ({err:+.3})",
            row.rtt_ms
        );
    }
}

#[test]
fn brisbane_is_not_faster_to_tokyo_than_sydney_unless_capacity_is_bought_at_maroochydore() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let brisbane = LonLat::new(153.03, -27.47);
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    let syd = m.rtt(SYDNEY, TOKYO).unwrap();
    let bne = m.rtt(brisbane, TOKYO).unwrap();
    // Brisbane reaches the cables through the Sydney gateway PoP.
    assert!(bne.rtt_ms > syd.rtt_ms, "{bne:?} {syd:?}");
    assert!(bne.pops.contains(&"pop-sydney".to_string()), "{bne:?}");
    // Buying capacity on the JGA-S Sunshine Coast branch is a direct cable path: faster.
    let mut p = calibrated();
    p.capacity_landings = vec!["maroochydore-qld-australia".into()];
    let m2 = LatencyModel::build(&ds, &p).unwrap();
    let direct = m2.rtt(brisbane, TOKYO).unwrap();
    assert!(direct.rtt_ms < syd.rtt_ms, "{direct:?}");
    assert_eq!(direct.landings[0], "maroochydore-qld-australia");
    assert!(direct.cables[0].contains("jga-s"), "{direct:?}");
}

#[test]
fn route_policy_avoids_countries_and_cables_and_lists_jurisdictions() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    let r = m.rtt(SYDNEY, TOKYO).unwrap();
    assert!(r.jurisdictions.iter().any(|j| j == "Guam"), "{r:?}");
    let mut p = calibrated();
    p.avoid_transit = vec!["guam".into()];
    let m2 = LatencyModel::build(&ds, &p).unwrap();
    let r2 = m2.rtt(SYDNEY, TOKYO).unwrap();
    assert!(r2.jurisdictions.iter().all(|j| j != "Guam"), "{r2:?}");
    assert!(r2.rtt_ms > r.rtt_ms);
    // Excluded and allowed cables.
    let mut q = calibrated();
    q.excluded_cables = r.cables.clone();
    let r3 = LatencyModel::build(&ds, &q)
        .unwrap()
        .rtt(SYDNEY, TOKYO)
        .unwrap();
    assert!(r3.cables.iter().all(|c| !r.cables.contains(c)), "{r3:?}");
    let mut a = calibrated();
    a.allowed_cables = vec![
        "japan-guam-australia-south-jga-s".into(),
        "japan-guam-australia-north-jga-n".into(),
    ];
    let r4 = LatencyModel::build(&ds, &a)
        .unwrap()
        .rtt(SYDNEY, TOKYO)
        .unwrap();
    assert_eq!(r4.cables, a.allowed_cables);
    // Unknown names are usage errors with close matches.
    let mut bad = calibrated();
    bad.avoid_transit = vec!["Gaum".into()];
    let e = LatencyModel::build(&ds, &bad).unwrap_err().to_string();
    assert!(e.contains("Gaum") && e.contains("Guam"), "{e}");
    let mut bad = calibrated();
    bad.excluded_cables = vec!["jga".into()];
    let e = LatencyModel::build(&ds, &bad).unwrap_err().to_string();
    assert!(e.contains("excluded_cables"), "{e}");
}

/// A hand-built graph: one Australian and one Japanese landing joined by two cables with
/// disjoint paths (direct, and via a Guam landing), or by one cable only.
fn two_path_dataset(second_path: bool) -> Dataset {
    let l = |id: &str, lon: f64, lat: f64, c: &str| LandingStation {
        id: id.into(),
        name: id.into(),
        location: LonLat::new(lon, lat),
        country: c.into(),
    };
    let cable = |id: &str, a: &str, b: &str, km: f64| CableSystem {
        id: id.into(),
        name: id.into(),
        landing_ids: vec![a.into(), b.into()],
        length_km: Some(km),
        segments: vec![],
        route: vec![],
        rfs_year: None,
        planned: false,
        owners: Vec::new(),
    };
    let mut cables = vec![cable("direct", "au", "jp", 8_000.0)];
    if second_path {
        cables.push(cable("south", "au2", "gu", 6_000.0));
        cables.push(cable("north", "gu", "jp2", 2_700.0));
    }
    Dataset {
        source: "<two paths>".into(),
        landings: vec![
            l("au", 151.27, -33.76, "Australia"),
            l("au2", 151.25, -33.74, "Australia"),
            l("gu", 144.69, 13.46, "Guam"),
            l("jp", 139.96, 34.97, "Japan"),
            l("jp2", 139.97, 35.0, "Japan"),
        ],
        cables,
        ..Dataset::default()
    }
}

#[test]
fn n_minus_1_accepts_two_disjoint_paths_and_rejects_a_single_cable() {
    use sitefind::latency::resilience::{cut_covers, dependencies};
    let sites = [SYDNEY, LonLat::new(150.9, -33.8)];
    let cities = [TOKYO];
    let limits = [200.0];
    // Two disjoint paths: every cut leaves both sites within the limit: no cover row needed,
    // and the plan depends on no single cable.
    let m = LatencyModel::build(&two_path_dataset(true), &calibrated()).unwrap();
    let covers = cut_covers(&m, &sites, &cities, &limits);
    assert!(covers.iter().all(|c| !c.sites.is_empty()), "{covers:?}");
    assert!(dependencies(&m, &sites, &cities, &limits)[0].is_empty());
    // With a tighter limit only the direct cable is fast enough: its cut strands Tokyo.
    let r = m.rtt(SYDNEY, TOKYO).unwrap();
    let tight = [r.rtt_p95_ms + 0.01];
    let covers = cut_covers(&m, &sites[..1], &cities, &tight);
    assert_eq!(covers.len(), 1, "{covers:?}");
    assert_eq!(covers[0].cable, r.cables[0]);
    assert!(covers[0].sites.is_empty());
    // One cable only: its loss strands the city (an empty cover set), and the plan depends on it.
    let m1 = LatencyModel::build(&two_path_dataset(false), &calibrated()).unwrap();
    let covers = cut_covers(&m1, &sites, &cities, &limits);
    assert_eq!(covers.len(), 1);
    assert_eq!(covers[0].cable, "direct");
    assert!(covers[0].sites.is_empty() && covers[0].best.is_none());
    assert_eq!(
        dependencies(&m1, &sites, &cities, &limits)[0],
        vec!["direct"]
    );
}

/// Published measurements not used in the calibration, with generous bands.
fn sanity_pairs() -> Vec<(&'static str, LonLat, LonLat, f64, f64)> {
    vec![
        // Azure Australia East – Japan East P50 104 ms (the calibration pair).
        ("Sydney–Tokyo", SYDNEY, TOKYO, 94.0, 114.0),
        // AWS ap-southeast-2 – ap-southeast-1 ~92 ms, Azure Australia East – Southeast Asia
        // ~90–95 ms (cloudping.co, Azure latency statistics).
        ("Sydney–Singapore", SYDNEY, SINGAPORE, 80.0, 110.0),
        // Public pings Perth – Singapore over INDIGO-West/ASC ~45–52 ms.
        ("Perth–Singapore", PERTH_CITY, SINGAPORE, 40.0, 60.0),
        // AWS ap-northeast-1 – ap-southeast-1 ~69–72 ms; Azure Japan East – Southeast Asia ~70 ms.
        ("Tokyo–Singapore", TOKYO, SINGAPORE, 58.0, 85.0),
        // AWS ap-southeast-2 – us-west-1 ~140 ms; public pings Sydney – Los Angeles ~140–150 ms.
        // (The public data has no PoPs here: a landing-to-landing route, 1.9 ms of overhead.)
        ("Sydney–Los Angeles", SYDNEY, LOS_ANGELES, 120.0, 165.0),
        // Public pings Sydney – Auckland over TGA/SCCN ~24–30 ms.
        ("Sydney–Auckland", SYDNEY, AUCKLAND, 20.0, 35.0),
        // Public pings Sydney – Perth ~48–55 ms.
        ("Sydney–Perth", SYDNEY, PERTH_CITY, 40.0, 62.0),
        // AWS ap-northeast-1 – us-west-1 ~105–110 ms (Tokyo – northern California / LA).
        ("Tokyo–Los Angeles", TOKYO, LOS_ANGELES, 90.0, 125.0),
    ]
}

// ---------------------------------------------------------------------------------------
// The command line.

#[test]
fn cli_rejects_swapped_lat_lon_with_a_hint() {
    let out = std::process::Command::new(common::sitefind_bin())
        .args(["latency", "--from", "-33.87,151.21", "--to", "139.69,35.69"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("-33.87,151.21") && err.contains("swapped"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(30))]
    #[test]
    fn matrix_equals_rtt_on_random_pairs(
        sites in proptest::collection::vec((112.0f64..154.0, -44.0f64..-10.0), 1..6),
        cities in proptest::collection::vec((-180.0f64..180.0, -60.0f64..60.0), 1..6),
    ) {
        let m = model(&calibrated());
        let s: Vec<LonLat> = sites.iter().map(|&(x, y)| LonLat::new(x, y)).collect();
        let c: Vec<LonLat> = cities.iter().map(|&(x, y)| LonLat::new(x, y)).collect();
        let mat = m.rtt_matrix(&s, &c);
        for (i, a) in s.iter().enumerate() {
            for (j, b) in c.iter().enumerate() {
                match m.rtt(*a, *b) {
                    Some(r) => prop_assert!((mat.rtt_ms[i][j] - r.rtt_ms).abs() < 1e-9),
                    None => prop_assert!(mat.rtt_ms[i][j].is_infinite()),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The main job with N−1 over cable systems and route policy.

fn solve_embedded(
    f: impl FnOnce(&mut sitefind::scenario::Scenario),
) -> sitefind::Result<sitefind::job::Answer> {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let mut s = sitefind::scenario::Scenario::default();
    f(&mut s);
    sitefind::job::run(&ds, &demand, &s, &mut |_, _, _| {})
}

#[test]
fn survive_cable_cut_rejects_a_plan_on_one_cable_and_names_city_and_cable() {
    // Only JGA-S + JGA-N allowed: every Japanese city hangs on them; under N−1 the loss of
    // either strands Tokyo, before anything is solved.
    let e = solve_embedded(|s| {
        s.latency.allowed_cables = vec![
            "japan-guam-australia-south-jga-s".into(),
            "japan-guam-australia-north-jga-n".into(),
        ];
        s.latency.limit_statistic = sitefind::scenario::RttStatistic::P50;
        s.model.survive_cable_cut = true;
        s.model.survive_domains = vec!["cable".into()];
    })
    .unwrap_err();
    assert!(matches!(e, Error::Infeasible { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("Tokyo (tokyo)")
            && (msg.contains("to survive the loss of cable")
                || msg.contains("has no route at all after the loss of cable"))
            && msg.contains("japan-guam-australia-"),
        "{msg}"
    );
    // Without the option the same policy solves, and the report says Tokyo depends on them.
    let out = solve_embedded(|s| {
        s.latency.allowed_cables = vec![
            "japan-guam-australia-south-jga-s".into(),
            "japan-guam-australia-north-jga-n".into(),
        ];
        s.latency.limit_statistic = sitefind::scenario::RttStatistic::P50;
    })
    .unwrap();
    let tokyo = out.report.cities.iter().find(|c| c.id == "tokyo").unwrap();
    assert_eq!(
        tokyo.depends_on_cables,
        vec![
            "japan-guam-australia-north-jga-n".to_string(),
            "japan-guam-australia-south-jga-s".to_string()
        ]
    );
}

#[test]
fn survive_cable_cut_plan_keeps_every_city_within_its_limit_after_any_single_cut() {
    let out = solve_embedded(|s| {
        s.latency.limit_statistic = sitefind::scenario::RttStatistic::P50;
        s.model.survive_cable_cut = true;
        s.model.survive_domains = vec!["cable".into()];
    })
    .unwrap();
    assert!(!out.problem.contingencies.is_empty());
    // Independently: cut each cable of the graph, re-time the open sites, every city keeps one.
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let p = LatencyParams {
        limit_statistic: sitefind::scenario::RttStatistic::P50,
        ..LatencyParams::default()
    };
    let m = LatencyModel::build(&ds, &p).unwrap();
    let open: Vec<LonLat> = out.report.sites.iter().map(|s| s.location).collect();
    let cities: Vec<LonLat> = out.report.cities.iter().map(|c| c.location).collect();
    let cables: std::collections::BTreeSet<String> =
        m.edges().iter().filter_map(|e| e.cable.clone()).collect();
    for c in &cables {
        let mat = m.without_cable(c).rtt_matrix(&open, &cities);
        for (j, city) in out.report.cities.iter().enumerate() {
            assert!(
                (0..open.len()).any(|i| mat.rtt_ms[i][j] <= city.max_rtt_ms),
                "{} stranded by {c}",
                city.id
            );
        }
    }
    for city in &out.report.cities {
        assert!(city.depends_on_cables.is_empty(), "{city:?}");
    }
}

#[test]
fn avoiding_guam_says_which_cities_become_unreachable_and_why() {
    let e = solve_embedded(|s| s.latency.avoid_transit = vec!["Guam".into()]).unwrap_err();
    let msg = e.to_string();
    for want in [
        "Tokyo (tokyo) has no candidate within its 125.0 ms RTT limit (p95) with transit through Guam avoided",
        "Osaka (osaka)",
        "the best of",
        "through Australia",
    ] {
        assert!(msg.contains(want), "missing {want:?} in {msg}");
    }
    assert!(!msg.contains("Nagoya (nagoya)"), "{msg}");
}

#[test]
fn embedded_sanity_pairs_against_published_measurements() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    for (name, a, b, lo, hi) in sanity_pairs() {
        let rt = m.rtt(a, b).unwrap();
        eprintln!("{name}: {:.1} ms via {:?}", rt.rtt_ms, rt.cables);
        assert!(rt.rtt_ms >= rt.floor_ms);
        assert!(
            (lo..=hi).contains(&rt.rtt_ms),
            "{name}: {:.1} not in {lo}..{hi}: {rt:?}",
            rt.rtt_ms
        );
    }
}

#[test]
fn public_telegeography_routes_give_sane_rtts() {
    let Some(dir) = common::public_data("public_telegeography_routes_give_sane_rtts") else {
        return;
    };
    let ds = public::dataset(&dir);
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    for (name, a, b, lo, hi) in sanity_pairs() {
        let rt = m.rtt(a, b).unwrap();
        eprintln!("{name}: {:.1} ms via {:?}", rt.rtt_ms, rt.cables);
        assert!(rt.rtt_ms >= rt.floor_ms);
        assert!(
            (lo..=hi).contains(&rt.rtt_ms),
            "{name}: {:.1} not in {lo}..{hi}: {rt:?}",
            rt.rtt_ms
        );
    }
}

#[test]
fn calibrate_command_prints_the_fit_and_residuals_per_pair_group() {
    let Some(dir) =
        common::public_data("calibrate_command_prints_the_fit_and_residuals_per_pair_group")
    else {
        return;
    };
    let run = || {
        std::process::Command::new(common::sitefind_bin())
            .args(["calibrate", "--observations"])
            .arg(dir.join("latency/rtt_azure_published.csv"))
            .arg("--observations")
            .arg(dir.join("latency/rtt_wondernetwork_2018.csv"))
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "route_factor Australia 1.44 · Japan 1.39 · pop_overhead_ms 1.25",
        "cable_slack 1.028 · landing_overhead_ms 0.25",
        "endpoint_overhead_ms 1.40",
        "city_endpoint_overhead_ms 0.00",
        "detour rule: measured > 2 × great-circle fibre floor + 10 ms",
        "p95 backbone         route_margin 0.119",
        "p95 public-internet",
        "AU-JP      rtt_azure_published      median    34",
        "AU-AU      rtt_wondernetwork_2018   median     7",
        "JP-JP      all",
        "via-SG/US  rtt_wondernetwork_2018",
        "Sydney [Azure Australia East] – Tokyo [Azure Japan East]",
        "DETOUR",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // One residual row per observation, and byte-identical on a second run.
    assert_eq!(text.matches(" p50_30d ").count(), 65);
    assert_eq!(text.matches(" p95_30d ").count(), 15);
    assert_eq!(text.matches(" table_value ").count(), 14);
    assert_eq!(text.matches(" avg ").count(), 58);
    assert_eq!(run().stdout, text.as_bytes());
}

/// One dataset semantics (issue 28 items 2 and 4): the public manifest has the
/// points-of-presence layer, so the same coordinate pairs route through the same exchanges and
/// backbone on the embedded and the public data, and it reads the published segment lengths
/// (JGA-S's 7,081 km is its trunk alone, not trunk + Sunshine Coast branch as the drawing's
/// scale assumed: the public trunk was 513 km short, every pair 2.5–3.3 % faster). What
/// remains is the cables' substance (PPC-1: estimated here, drawn there): within 3 % from the
/// east coast and inland Australia to Japan (measured +1.2 to +1.6 %, public slower). Perth
/// is not in the list: there the public drawings give ASC → APG via Singapore and the
/// embedded segments ASC → ASE via Hong Kong (−8.0 %), a difference of cable data, not of
/// semantics (docs/latency.md).
#[test]
fn embedded_and_public_data_give_the_same_rtt_for_the_same_pairs() {
    let Some(dir) =
        common::public_data("embedded_and_public_data_give_the_same_rtt_for_the_same_pairs")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let public = Dataset::load(&common::public_manifest(&dir, tmp.path())).unwrap();
    assert_eq!(public.pops.len(), 10);
    let embedded = Dataset::embedded().unwrap();
    let p = calibrated();
    let (me, mp) = (
        LatencyModel::build(&embedded, &p).unwrap(),
        LatencyModel::build(&public, &p).unwrap(),
    );
    let pairs = [
        (SYDNEY, TOKYO),
        (SYDNEY, OSAKA),
        (MELBOURNE, TOKYO),
        (LonLat::new(153.03, -27.47), TOKYO),
        (LonLat::new(138.6, -34.93), TOKYO),
        (LonLat::new(149.13, -35.28), TOKYO),
        (LonLat::new(142.0, -20.0), TOKYO),
        (LonLat::new(150.5, -32.3), OSAKA),
        (LonLat::new(147.3, -42.9), TOKYO),
        (SYDNEY, LonLat::new(141.35, 43.06)),
    ];
    for (a, b) in pairs {
        let (e, q) = (me.rtt(a, b).unwrap(), mp.rtt(a, b).unwrap());
        let d = q.rtt_ms / e.rtt_ms - 1.0;
        assert!(
            d.abs() <= 0.03,
            "{a:?}->{b:?}: embedded {} public {}",
            e.rtt_ms,
            q.rtt_ms
        );
        // The same exchanges at both ends.
        assert_eq!(e.pops.first(), q.pops.first(), "{e:?} {q:?}");
        assert_eq!(e.pops.last(), q.pops.last(), "{e:?} {q:?}");
    }
}

/// A hand-built graph for failure domains: Sydney (`au`, `au2`), Guam (`gu`), Tokyo Bay (`jp`,
/// `jp2`). The fastest route is `south` (au–gu) then `north` (gu–jp); the slower `direct2`
/// (au2–jp2) avoids both the landing `au` and Guam. `drop` leaves landings (and the cables at
/// them) out of the dataset: the graph a domain's loss should leave, built from scratch.
fn domain_dataset(drop: &[&str]) -> Dataset {
    let l = |id: &str, lon: f64, lat: f64, c: &str| LandingStation {
        id: id.into(),
        name: format!("Landing {id}"),
        location: LonLat::new(lon, lat),
        country: c.into(),
    };
    let cable = |id: &str, a: &str, b: &str, km: f64| CableSystem {
        id: id.into(),
        name: format!("Cable {id}"),
        landing_ids: vec![a.into(), b.into()],
        length_km: Some(km),
        segments: vec![],
        route: vec![],
        rfs_year: None,
        planned: false,
        owners: Vec::new(),
    };
    let landings = vec![
        l("au", 151.27, -33.76, "Australia"),
        l("au2", 151.0, -34.2, "Australia"),
        l("gu", 144.69, 13.46, "Guam"),
        l("jp", 139.96, 34.97, "Japan"),
        l("jp2", 139.8, 35.3, "Japan"),
    ];
    let cables = vec![
        cable("south", "au", "gu", 6_000.0),
        cable("north", "gu", "jp", 2_700.0),
        cable("direct2", "au2", "jp2", 9_500.0),
    ];
    Dataset {
        source: "<domains>".into(),
        landings: landings
            .into_iter()
            .filter(|x| !drop.contains(&x.id.as_str()))
            .collect(),
        cables: cables
            .into_iter()
            .filter(|c| c.landing_ids.iter().all(|x| !drop.contains(&x.as_str())))
            .collect(),
        ..Dataset::default()
    }
}

fn assert_same_matrix(a: &sitefind::latency::RttMatrix, b: &sitefind::latency::RttMatrix) {
    for (ra, rb) in a.rtt_ms.iter().zip(&b.rtt_ms) {
        for (x, y) in ra.iter().zip(rb) {
            assert!(
                (x.is_infinite() && y.is_infinite()) || (x - y).abs() < 1e-9,
                "{x} vs {y}"
            );
        }
    }
}

#[test]
fn domain_matrices_remove_cables_landings_and_hubs_and_reroute() {
    use sitefind::latency::{DomainKind, FailureDomain};
    let p = calibrated();
    let m = LatencyModel::build(&domain_dataset(&[]), &p).unwrap();
    let sites = [SYDNEY, LonLat::new(150.9, -33.8)];
    let cities = [TOKYO];
    let intact = m.rtt_matrix(&sites, &cities);
    let r = m.rtt(SYDNEY, TOKYO).unwrap();
    assert_eq!(r.cables, ["south", "north"]);

    let doms = m.domain_matrices(&sites, &cities);
    let listed: Vec<(DomainKind, &str)> =
        doms.iter().map(|(d, _)| (d.kind, d.id.as_str())).collect();
    // Sorted by (kind, id); only what is on the fastest paths (not direct2, au2 or jp2).
    assert_eq!(
        listed,
        [
            (DomainKind::Cable, "north"),
            (DomainKind::Cable, "south"),
            (DomainKind::Landing, "au"),
            (DomainKind::Landing, "gu"),
            (DomainKind::Landing, "jp"),
            (DomainKind::Hub, "Guam"),
        ]
    );
    assert_eq!(
        doms[2].0,
        FailureDomain {
            kind: DomainKind::Landing,
            id: "au".into(),
            name: "Landing au".into()
        }
    );
    let get = |kind: DomainKind, id: &str| {
        &doms
            .iter()
            .find(|(d, _)| d.kind == kind && d.id == id)
            .unwrap()
            .1
    };
    // Losing landing au re-routes over au2 and direct2: the graph built without au (and the
    // cable that lands only there) gives the same RTTs, slower than intact but finite.
    let no_au = LatencyModel::build(&domain_dataset(&["au"]), &p).unwrap();
    let after = get(DomainKind::Landing, "au");
    assert_same_matrix(after, &no_au.rtt_matrix(&sites, &cities));
    let via = no_au.rtt(SYDNEY, TOKYO).unwrap();
    assert_eq!(via.cables, ["direct2"]);
    assert_eq!(via.landings, ["au2", "jp2"]);
    assert!(after.rtt_ms[0][0] > intact.rtt_ms[0][0] + 1.0);
    assert!((after.rtt_ms[0][0] - via.rtt_ms).abs() < 1e-9);
    // Losing Guam (both its cables' landing) is the same as avoiding transit through it.
    let avoid = LatencyParams {
        avoid_transit: vec!["Guam".into()],
        ..p.clone()
    };
    let no_guam = LatencyModel::build(&domain_dataset(&[]), &avoid).unwrap();
    assert_same_matrix(
        get(DomainKind::Hub, "Guam"),
        &no_guam.rtt_matrix(&sites, &cities),
    );
    assert_same_matrix(
        get(DomainKind::Landing, "gu"),
        &LatencyModel::build(&domain_dataset(&["gu"]), &p)
            .unwrap()
            .rtt_matrix(&sites, &cities),
    );
    // The cable domains are exactly cut_matrices.
    let cuts = m.cut_matrices(&sites, &cities);
    assert_eq!(cuts.len(), 2);
    for (c, mat) in &cuts {
        assert_eq!(get(DomainKind::Cable, c), mat);
    }
    // Deterministic.
    assert_eq!(m.domain_matrices(&sites, &cities), doms);
}

#[test]
fn a_territory_with_one_cable_system_is_not_a_hub() {
    use sitefind::latency::DomainKind;
    // Without `north`, Guam is a dead end: the route is direct2 and no hub is listed; with
    // only `south` and `north`, Guam still counts (two systems land there).
    let mut ds = domain_dataset(&[]);
    ds.cables.retain(|c| c.id != "north");
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    let doms = m.domain_matrices(&[SYDNEY], &[TOKYO]);
    assert!(
        doms.iter().all(|(d, _)| d.kind != DomainKind::Hub),
        "{doms:?}"
    );
    assert!(doms.iter().any(|(d, _)| d.id == "direct2"));
}

/// The backhaul recomputed from the public route API: the terrestrial legs of the fastest path
/// to the nearest-RTT city before its first cable leg, plus the access leg × route factor.
fn backhaul_by_hand(m: &LatencyModel, site: LonLat, cities: &[LonLat]) -> (f64, String, usize) {
    let (ci, path) = cities
        .iter()
        .enumerate()
        .filter_map(|(i, c)| m.rtt(site, *c).map(|p| (i, p)))
        .min_by(|a, b| a.1.rtt_ms.total_cmp(&b.1.rtt_ms).then(a.0.cmp(&b.0)))
        .unwrap();
    let first = path.legs.iter().position(|l| l.cable.is_some()).unwrap();
    let rf = m.params().route_factor_for("Australia");
    let km = rf * path.terrestrial_origin_km + path.legs[..first].iter().map(|l| l.km).sum::<f64>();
    (km, path.legs[first].from.clone(), ci)
}

#[test]
fn backhaul_follows_the_route_to_the_landing_where_it_goes_submarine() {
    let ds = Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let m = LatencyModel::build(&ds, &calibrated()).unwrap();
    let cities: Vec<LonLat> = demand.nodes.iter().map(|n| n.location).collect();
    let gunson = LonLat::new(137.088048, -31.466129);
    let sites = [gunson, SYDNEY, MELBOURNE, PERTH_CITY];
    let routes = m.backhaul_routes(&sites, &cities);
    for (s, r) in sites.iter().zip(&routes) {
        let r = r.as_ref().unwrap();
        let (km, landing, city) = backhaul_by_hand(&m, *s, &cities);
        assert!((r.km - km).abs() < 1e-6, "{s:?}: {} vs {km}", r.km);
        assert_eq!((r.landing_id.as_str(), r.city), (landing.as_str(), city));
        // Never shorter than the great circle to that landing.
        let l = ds.landings.iter().find(|l| l.id == r.landing_id).unwrap();
        assert!(r.km >= distance_km(*s, l.location) - 1e-6);
    }
    // Mount Gunson (SA): its traffic to Japan runs via Adelaide to the Sydney landing, about
    // 2,300 fibre km, not the 1,008 km great circle to the nearest landing (Melbourne).
    let g = routes[0].as_ref().unwrap();
    assert_eq!(g.landing_id, "sydney-nsw-australia");
    assert!((2_000.0..2_600.0).contains(&g.km), "{}", g.km);
    // Deterministic.
    assert_eq!(m.backhaul_routes(&sites, &cities), routes);
    // No route to any city: no backhaul.
    let none = m.backhaul_routes(&[LonLat::new(f64::NAN, 0.0)], &cities);
    assert_eq!(none, [None]);
}

//! Spatial indexes against brute force, candidate generation on hand-built datasets, and the
//! embedded dataset's candidates.

use geo::{Contains, Coord, LineString, Point, Polygon};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use sitefind::candidates::{self, CandidateKind};
use sitefind::data::*;
use sitefind::scenario::CandidateParams;
use sitefind::spatial::geodesy::{distance_km, distance_to_path_km};
use sitefind::spatial::{Indexes, LineIndex, PointIndex, ZoneIndex};

fn config() -> Config {
    Config {
        cases: 64,
        rng_seed: RngSeed::Fixed(20_261_126),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A position in (or near) Australia; no antimeridian.
fn au_point() -> impl Strategy<Value = LonLat> {
    (112.0f64..154.0, -44.0f64..-10.0).prop_map(|(lon, lat)| LonLat::new(lon, lat))
}

/// Points clustered around a few centres, so that near-ties and dense areas occur.
fn au_points(max: usize) -> impl Strategy<Value = Vec<LonLat>> {
    prop::collection::vec(
        (au_point(), -1.0f64..1.0, -1.0f64..1.0, any::<bool>()),
        0..max,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(p, dx, dy, jitter)| {
                if jitter {
                    LonLat::new(146.0 + dx * 3.0, -33.0 + dy * 3.0)
                } else {
                    p
                }
            })
            .collect()
    })
}

fn brute(points: &[LonLat], p: LonLat) -> Vec<(usize, f64)> {
    let mut v: Vec<(usize, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, q)| (i, distance_km(p, *q)))
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn point_queries_equal_brute_force(
        points in au_points(120),
        p in au_point(),
        radius_km in 0.0f64..900.0,
        k in 1usize..6,
    ) {
        let idx = PointIndex::new(points.clone());
        let all = brute(&points, p);
        prop_assert_eq!(idx.nearest(p), all.first().copied());
        let expect_k: Vec<_> = all.iter().take(k).copied().collect();
        prop_assert_eq!(idx.nearest_k(p, k), expect_k);
        let expect_r: Vec<_> = all.iter().filter(|h| h.1 <= radius_km).copied().collect();
        prop_assert_eq!(idx.within_km(p, radius_km), expect_r.clone());
        // Filtered variants: even indices only.
        let even: Vec<_> = all.iter().filter(|h| h.0 % 2 == 0).copied().collect();
        prop_assert_eq!(idx.nearest_where(p, |i| i % 2 == 0), even.first().copied());
        prop_assert_eq!(
            idx.count_within_km_where(p, radius_km, |i| i % 2 == 0),
            expect_r.iter().filter(|h| h.0 % 2 == 0).count()
        );
    }

    #[test]
    fn line_queries_equal_brute_force(
        lines in prop::collection::vec(
            (au_point(), prop::collection::vec((-1.5f64..1.5, -1.5f64..1.5), 1..5), 0usize..3),
            0..40,
        ),
        p in au_point(),
        radius_km in 0.0f64..500.0,
    ) {
        let kv = [66.0, 132.0, 330.0];
        let paths: Vec<Vec<LonLat>> = lines
            .iter()
            .map(|(start, steps, _)| {
                let mut path = vec![*start];
                for (dx, dy) in steps {
                    let last = path[path.len() - 1];
                    path.push(LonLat::new(last.lon + dx, last.lat + dy));
                }
                path
            })
            .collect();
        let volts: Vec<f64> = lines.iter().map(|l| kv[l.2]).collect();
        let idx = LineIndex::new(paths.clone(), volts.clone());
        let mut all: Vec<(usize, f64)> = paths
            .iter()
            .enumerate()
            .filter(|(i, _)| volts[*i] >= 132.0)
            .map(|(i, path)| (i, distance_to_path_km(p, path)))
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let got = idx.nearest_line_km(p, 132.0);
        prop_assert_eq!(got.map(|g| g.0), all.first().map(|a| a.0));
        if let (Some(g), Some(a)) = (got, all.first()) {
            prop_assert!((g.1 - a.1).abs() < 1e-9);
        }
        let within = idx.lines_within_km(p, radius_km, 132.0);
        let expect: Vec<usize> = all.iter().filter(|a| a.1 <= radius_km).map(|a| a.0).collect();
        prop_assert_eq!(within.iter().map(|w| w.0).collect::<Vec<_>>(), expect);
    }

    #[test]
    fn zone_queries_equal_brute_force(
        zones in prop::collection::vec(
            (au_point(), 5.0f64..200.0, prop::option::of(prop::collection::vec((0.2f64..2.0, 0.0f64..1.0), 3..7))),
            0..25,
        ),
        p in au_point(),
        radius_km in 0.0f64..400.0,
    ) {
        let zs: Vec<RenewableZone> = zones
            .iter()
            .enumerate()
            .map(|(i, (c, r, poly))| {
                let polygon = poly.as_ref().map(|verts| {
                    // A star-shaped simple polygon: vertices at increasing angles.
                    let n = verts.len() as f64;
                    verts
                        .iter()
                        .enumerate()
                        .map(|(j, (rad, jit))| {
                            let th = (j as f64 + 0.8 * jit) / n * std::f64::consts::TAU;
                            LonLat::new(c.lon + rad * th.cos(), c.lat + rad * th.sin())
                        })
                        .collect::<Vec<_>>()
                });
                zone(&format!("Z{i:02}"), *c, *r, polygon)
            })
            .collect();
        let idx = ZoneIndex::new(&zs);
        // Containment, decided independently.
        let expect_in: Vec<usize> = zs
            .iter()
            .enumerate()
            .filter(|(_, z)| match &z.polygon {
                Some(ring) => {
                    let ls: LineString<f64> = ring.iter().map(|q| Coord { x: q.lon, y: q.lat }).collect();
                    Polygon::new(ls, vec![]).contains(&Point::new(p.lon, p.lat))
                }
                None => distance_km(z.centre, p) <= z.radius_km,
            })
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(idx.containing(p), expect_in.clone());
        // Distances: 0 inside, else to the ring / disc edge.
        let mut all: Vec<(usize, f64)> = zs
            .iter()
            .enumerate()
            .map(|(i, z)| {
                let d = if expect_in.contains(&i) {
                    0.0
                } else {
                    match &z.polygon {
                        Some(ring) => {
                            let mut closed = ring.clone();
                            closed.push(ring[0]);
                            distance_to_path_km(p, &closed)
                        }
                        None => (distance_km(z.centre, p) - z.radius_km).max(0.0),
                    }
                };
                (i, d)
            })
            .collect();
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let expect: Vec<_> = all.into_iter().filter(|a| a.1 <= radius_km).collect();
        prop_assert_eq!(idx.within_km(p, radius_km), expect);
    }
}

#[test]
fn geodesic_nearest_differs_from_degree_nearest_and_index_gets_it_right() {
    // At 40° S a degree of longitude is ~85 km, a degree of latitude ~111 km: the point 0.9°
    // north (~100 km) is nearer in degrees than the one 1.0° east (~85 km), but farther in km.
    let p = LonLat::new(145.0, -40.0);
    let north = LonLat::new(145.0, -39.1);
    let east = LonLat::new(146.0, -40.0);
    assert!(distance_km(p, east) < distance_km(p, north));
    let idx = PointIndex::new(vec![north, east]);
    assert_eq!(idx.nearest(p).map(|h| h.0), Some(1));
}

// ---------- hand-built dataset ----------

fn zone(id: &str, centre: LonLat, radius_km: f64, polygon: Option<Vec<LonLat>>) -> RenewableZone {
    RenewableZone {
        id: id.into(),
        name: format!("Zone {id}"),
        region: "NSW1".into(),
        centre,
        radius_km,
        polygon,
        network_limit_mw: Some(1000.0),
        expansion_cost_aud_per_mw: 300_000.0,
        expansion_cost_tranche2_aud_per_mw: None,
        tranche2_after_mw: None,
        solar_resource_mw: None,
        wind_resource_mw: None,
        solar_capacity_factor: Some(0.25),
        wind_capacity_factor: Some(0.35),
    }
}

fn sub(id: &str, lon: f64, lat: f64, kv: f64, state: &str, operational: bool) -> Substation {
    Substation {
        id: id.into(),
        name: format!("Substation {id}"),
        location: LonLat::new(lon, lat),
        voltage_kv: kv,
        state: state.into(),
        spare_mw: None,
        operational,
    }
}

fn dc(id: &str, lon: f64, lat: f64, country: &str, state: &str) -> ExistingDataCentre {
    ExistingDataCentre {
        id: id.into(),
        name: format!("DC {id}"),
        location: LonLat::new(lon, lat),
        operator: String::new(),
        country: country.into(),
        state: state.into(),
    }
}

/// A zone N1 (30 km disc) near Dubbo, NSW; substations around it; data centres in Sydney and
/// Perth; landings in Sydney and Tokyo; a few minerals; one 330 kV line.
fn dataset() -> Dataset {
    let centre = LonLat::new(148.6, -32.25);
    let mut with_spare = sub("s-spare", 148.62, -32.26, 132.0, "NSW", true);
    with_spare.spare_mw = Some(120.0);
    let mut ds = Dataset {
        source: "<test>".into(),
        zones: vec![zone("N1", centre, 30.0, None)],
        substations: vec![
            // 132 kV, ~60 km east of the centre: 30 km outside the disc, within 50 → candidate.
            sub("s-near132", 149.24, -32.25, 132.0, "NSW", true),
            // 66 kV inside the zone → not a candidate.
            sub("s-in66", 148.61, -32.24, 66.0, "NSW", true),
            // 330 kV in WA, far from any zone → backbone.
            sub("s-wa330", 116.0, -31.9, 330.0, "WA", true),
            // 132 kV far from any zone → nothing.
            sub("s-far132", 141.0, -20.0, 132.0, "QLD", true),
            // 330 kV, not operational → nothing.
            sub("s-dead330", 145.0, -37.8, 330.0, "VIC", false),
            // 132 kV inside with known spare capacity.
            with_spare,
            // 500 kV in Sydney.
            sub("s-syd500", 150.9, -33.8, 500.0, "NSW", true),
        ],
        lines: vec![TransmissionLine {
            id: "l1".into(),
            name: "A to B".into(),
            voltage_kv: 330.0,
            state: "NSW".into(),
            path: vec![LonLat::new(148.0, -32.5), LonLat::new(149.5, -32.0)],
            operational: true,
        }],
        minerals: vec![
            MineralSite {
                id: "m1".into(),
                name: "Cobalt deposit".into(),
                location: LonLat::new(148.7, -32.3),
                commodities: vec!["Co".into()],
                critical: vec!["cobalt".into()],
                status: "mineral deposit".into(),
            },
            MineralSite {
                id: "m2".into(),
                name: "Gold mine".into(),
                location: LonLat::new(148.6, -32.2),
                commodities: vec!["Au".into()],
                critical: vec![],
                status: "operating mine".into(),
            },
            MineralSite {
                id: "m3".into(),
                name: "Far lithium".into(),
                location: LonLat::new(118.0, -33.0),
                commodities: vec!["Li".into()],
                critical: vec!["lithium".into()],
                status: "operating mine".into(),
            },
        ],
        landings: vec![
            LandingStation {
                id: "sydney".into(),
                name: "Sydney".into(),
                location: LonLat::new(151.25, -33.9),
                country: "Australia".into(),
            },
            LandingStation {
                id: "tokyo".into(),
                name: "Tokyo".into(),
                location: LonLat::new(140.0, 35.0),
                country: "Japan".into(),
            },
            LandingStation {
                id: "perth".into(),
                name: "Perth".into(),
                location: LonLat::new(115.75, -31.95),
                country: "Australia".into(),
            },
        ],
        cables: vec![],
        datacentres: vec![
            dc("dc-a", 151.20, -33.87, "AU", "NSW"),
            dc("dc-b", 151.21, -33.87, "AU", "NSW"),
            dc("dc-c", 151.22, -33.87, "AU", "NSW"),
            dc("dc-p", 115.86, -31.95, "AU", "WA"),
            dc("dc-t", 139.7, 35.7, "JP", ""),
        ],
        pops: vec![],
        regions: vec![
            RegionProfile {
                id: "NSW1".into(),
                name: "New South Wales".into(),
                states: vec!["NSW".into(), "ACT".into()],
                price_aud_per_mwh: 110.0,
                mean_temp_c: 17.0,
            },
            RegionProfile {
                id: "WEM".into(),
                name: "Western Australia".into(),
                states: vec!["WA".into()],
                price_aud_per_mwh: 80.0,
                mean_temp_c: 19.0,
            },
        ],
        ..Default::default()
    };
    ds.substations.sort_by(|a, b| a.id.cmp(&b.id));
    ds.datacentres.sort_by(|a, b| a.id.cmp(&b.id));
    ds.landings.sort_by(|a, b| a.id.cmp(&b.id));
    ds
}

#[test]
fn candidates_on_hand_built_dataset() {
    let ds = dataset();
    let params = CandidateParams::default();
    let cands = candidates::generate(&ds, &params).unwrap();
    let ids: Vec<&str> = cands.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dc:dc-b",
            "dc:dc-p",
            "sub:s-near132",
            "sub:s-spare",
            "sub:s-syd500",
            "sub:s-wa330"
        ]
    );
    let get = |id: &str| cands.iter().find(|c| c.id == id).unwrap();

    let near = get("sub:s-near132");
    assert_eq!(near.kind, CandidateKind::RezSubstation);
    assert_eq!(near.zone_id.as_deref(), Some("N1"));
    let zkm = near.zone_km.unwrap();
    let expect = distance_km(near.location, LonLat::new(148.6, -32.25)) - 30.0;
    assert!(
        (zkm - expect).abs() < 1e-9 && zkm > 20.0 && zkm < 50.0,
        "{zkm}"
    );
    assert_eq!(near.substation_km, Some(0.0));
    assert_eq!(near.max_mw, 300.0);
    assert_eq!(near.state, "NSW");
    assert_eq!(near.region_id.as_deref(), Some("NSW1"));
    assert!(near.region_known);
    assert_eq!(near.price_aud_per_mwh, 110.0);
    assert_eq!(near.landing_id.as_deref(), Some("sydney"));
    let lkm = distance_km(near.location, LonLat::new(151.25, -33.9));
    assert!((near.landing_km.unwrap() - lkm).abs() < 1e-9);
    let lkm = distance_to_path_km(near.location, &ds.lines[0].path);
    assert!((near.line_km.unwrap() - lkm).abs() < 1e-9);
    // m1 (critical, ~60 km away) counts; m2 is not critical; m3 is far.
    assert_eq!(near.minerals_within, 1);
    assert_eq!(near.nearest_mineral_id.as_deref(), Some("m1"));

    let spare = get("sub:s-spare");
    assert_eq!(spare.zone_km, Some(0.0));
    assert_eq!(spare.max_mw, 120.0);
    assert_eq!(spare.max_mw_source, "spare_mw");

    let wa = get("sub:s-wa330");
    assert_eq!(wa.kind, CandidateKind::Backbone);
    assert_eq!(wa.zone_id, None);
    assert_eq!(wa.max_mw, 1000.0);
    assert_eq!(wa.region_id.as_deref(), Some("WEM"));
    assert_eq!(wa.landing_id.as_deref(), Some("perth"));
    assert_eq!(wa.nearest_mineral_id.as_deref(), Some("m3"));
    assert_eq!(get("sub:s-syd500").max_mw, 2000.0);

    // Brownfield: dc-a/b/c form one cluster at its middle member; Perth alone; Tokyo ignored.
    let syd = get("dc:dc-b");
    assert_eq!(syd.kind, CandidateKind::Brownfield);
    assert!(syd.name.contains("3 data centres"), "{}", syd.name);
    assert_eq!(syd.substation_id.as_deref(), Some("s-syd500"));
    let skm = distance_km(syd.location, LonLat::new(150.9, -33.8));
    assert!((syd.substation_km.unwrap() - skm).abs() < 1e-9);
    assert_eq!(syd.max_mw, 2000.0);
    assert_eq!(get("dc:dc-p").state, "WA");
}

#[test]
fn brownfield_clusters_split_with_a_small_radius() {
    let ds = dataset();
    let params = CandidateParams {
        datacentre_cluster_km: 0.5, // members are ~0.93 km apart
        campus_merge_km: 0.0,       // (the 2 km campus rule would join them again)
        ..CandidateParams::default()
    };
    let cands = candidates::generate(&ds, &params).unwrap();
    let dcs: Vec<&str> = cands
        .iter()
        .filter(|c| c.kind == CandidateKind::Brownfield)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(dcs, ["dc:dc-a", "dc:dc-b", "dc:dc-c", "dc:dc-p"]);
    let none = CandidateParams {
        include_existing_datacentres: false,
        ..CandidateParams::default()
    };
    let cands = candidates::generate(&ds, &none).unwrap();
    assert!(cands.iter().all(|c| c.kind != CandidateKind::Brownfield));
}

#[test]
fn region_filter_by_state_and_region_id() {
    let ds = dataset();
    let with = |regions: &[&str]| CandidateParams {
        regions: regions.iter().map(|s| s.to_string()).collect(),
        ..CandidateParams::default()
    };
    let wa = candidates::generate(&ds, &with(&["WA"])).unwrap();
    let ids: Vec<&str> = wa.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["dc:dc-p", "sub:s-wa330"]);
    let wem = candidates::generate(&ds, &with(&["wem"])).unwrap();
    assert_eq!(wa, wem);
    let nsw = candidates::generate(&ds, &with(&["NSW1"])).unwrap();
    assert_eq!(nsw.len(), 4);
    assert!(nsw.iter().all(|c| c.state == "NSW"));
    let err = candidates::generate(&ds, &with(&["NSW", "Atlantis"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("Atlantis") && err.contains("NSW1"), "{err}");
}

#[test]
fn candidates_are_deterministic_and_sorted() {
    let ds = dataset();
    let a = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    let b = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert!(a.windows(2).all(|w| w[0].id < w[1].id));
}

#[test]
fn invalid_candidate_params_are_rejected() {
    let ds = dataset();
    let params = CandidateParams {
        rez_radius_km: -1.0,
        mineral_radius_km: f64::NAN,
        ..CandidateParams::default()
    };
    let err = candidates::generate(&ds, &params).unwrap_err().to_string();
    assert!(
        err.contains("rez_radius_km") && err.contains("mineral_radius_km"),
        "{err}"
    );
}

#[test]
fn densify_and_attributes_for_points() {
    let ds = dataset();
    let params = CandidateParams::default();
    let pts = candidates::densify(&ds, 10.0, &params).unwrap();
    let grid: Vec<_> = pts.iter().filter(|p| p.0.starts_with("grid:N1:")).collect();
    // A 30 km disc holds about π·30²/10² ≈ 28 cells of 10 km.
    assert!((20..=36).contains(&grid.len()), "{}", grid.len());
    let centre = LonLat::new(148.6, -32.25);
    assert!(grid.iter().all(|p| distance_km(p.1, centre) <= 30.0));
    // The 330 kV line is ~160 km long: 17 points every 10 km from its first vertex.
    let len = sitefind::spatial::geodesy::path_length_km(&ds.lines[0].path);
    let on_line = pts.iter().filter(|p| p.0.starts_with("line:l1:")).count();
    assert_eq!(on_line, (len / 10.0).floor() as usize + 1);
    assert!(pts.windows(2).all(|w| w[0].0 < w[1].0));

    let idx = Indexes::build(&ds);
    let cands = candidates::attributes_for_points(&ds, &idx, &pts, &params);
    assert_eq!(cands.len(), pts.len());
    assert!(cands.iter().all(|c| c.kind == CandidateKind::Synthetic));
    let g = cands.iter().find(|c| c.id == grid[0].0).unwrap();
    assert_eq!(g.zone_km, Some(0.0));
    assert_eq!(g.state, "NSW");
    // Nearest ≥ 132 kV operational substation, by brute force.
    let best = ds
        .substations
        .iter()
        .filter(|s| s.operational && s.voltage_kv >= 132.0)
        .map(|s| (distance_km(g.location, s.location), s.id.clone()))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    assert_eq!(g.substation_id.as_deref(), Some(best.1.as_str()));
    assert!(candidates::densify(&ds, 0.0, &params).is_err());
}

// ---------- the embedded dataset (needs the loaders and data from other branches) ----------

#[test]
fn embedded_candidates_count_and_zone_coverage() {
    let ds = Dataset::embedded().unwrap();
    let params = CandidateParams::default();
    let cands = candidates::generate(&ds, &params).unwrap();
    assert!(cands.len() >= 300, "{} candidates", cands.len());
    assert_eq!(ds.zones.len(), 47);
    let zi = ZoneIndex::new(&ds.zones);
    for (i, z) in ds.zones.iter().enumerate() {
        let has_sub = ds.substations.iter().any(|s| {
            s.operational && s.voltage_kv >= 132.0 && zi.distance_km(i, s.location) <= 50.0
        });
        if has_sub {
            assert!(
                cands.iter().any(|c| c.kind == CandidateKind::RezSubstation
                    && zi.distance_km(i, c.location) <= params.rez_radius_km),
                "zone {} has a ≥ 132 kV substation nearby but no candidate",
                z.id
            );
        }
    }
}

#[test]
fn embedded_candidates_are_deterministic() {
    let ds = Dataset::embedded().unwrap();
    let a = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    let b = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(a, b);
    assert!(a
        .iter()
        .all(|c| c.landing_km.is_some() && c.substation_km.is_some()));
}

#[test]
fn embedded_candidates_cli_json_and_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let geo = dir.path().join("candidates.geojson");
    let out = std::process::Command::new(crate::common::sitefind_bin())
        .args(["candidates", "--format", "json", "--quiet", "--geojson"])
        .arg(&geo)
        .output()
        .unwrap();
    let doc = crate::common::json_stdout(&out);
    let cands = doc["candidates"].as_array().unwrap();
    assert!(cands.len() >= 300, "{}", cands.len());
    let city = doc["cities"][0]["id"].as_str().unwrap().to_string();
    let key = format!("rtt_ms_{city}");
    // Sites reach Japan through the cable graph, never faster than light in fibre allows.
    let rtts: Vec<f64> = cands.iter().filter_map(|c| c[&key].as_f64()).collect();
    assert!(
        rtts.len() * 10 >= cands.len() * 9,
        "{} of {} timed",
        rtts.len(),
        cands.len()
    );
    assert!(rtts.iter().all(|&t| t > 50.0));
    let fc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&geo).unwrap()).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), cands.len());
    assert_eq!(fc["bbox"].as_array().unwrap().len(), 4);
    // Only the output file is left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

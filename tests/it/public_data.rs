//! The public datasets read natively, exactly as published (`src/data/public/`): counts from
//! each folder's PROVENANCE.md, spot values, and the cable segments derived from drawn routes.

use crate::common;
use sitefind::data::public::{self, japan_demand_from_cities, japan_demand_from_prefectures};
use sitefind::data::{CableSystem, LayerFormat, LayerSpec, Workload};
use sitefind::spatial::geodesy::distance_km;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

fn spec(dir: &Path, file: &str, format: LayerFormat, options: &[(&str, toml::Value)]) -> LayerSpec {
    LayerSpec {
        path: dir.join(file),
        format,
        base_dir: dir.to_path_buf(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        label: file.to_string(),
    }
}

fn s(v: &str) -> toml::Value {
    toml::Value::String(v.to_string())
}

fn zones_spec(dir: &Path) -> LayerSpec {
    spec(
        dir,
        "rez/rez_nem_iasr2025.csv",
        LayerFormat::AemoIasrCsv,
        &[
            (
                "fallback_locations",
                s("rez/isp2024_subregion_buses_pisp.csv"),
            ),
            ("polygons", s("rez/rez_polygons_approx_gridmap.geojson")),
            (
                "resource_limits",
                s("rez/rez_resource_limits_isp2024_partial.csv"),
            ),
        ],
    )
}

fn cables(dir: &Path) -> Vec<CableSystem> {
    public::load_cables(&spec(
        dir,
        "cables/cables_au_jp.csv",
        LayerFormat::TelegeographyCsv,
        &[
            ("routes", s("cables/cables_au_jp.geojson")),
            ("landing_points", s("cables/landing_points_au_jp.geojson")),
        ],
    ))
    .unwrap()
}

#[test]
fn public_rez_table() {
    let Some(dir) = common::public_data("public_rez_table") else {
        return;
    };
    let zones = public::load_zones(&zones_spec(&dir)).unwrap();
    assert_eq!(zones.len(), 47);
    let q1 = zones.iter().find(|z| z.id == "Q1").unwrap();
    assert_eq!(q1.name, "Far North QLD");
    assert_eq!(q1.region, "QLD1");
    assert_eq!(q1.network_limit_mw, Some(750.0));
    assert!(
        (q1.expansion_cost_aud_per_mw - 3.23e6).abs() < 1e3,
        "{}",
        q1.expansion_cost_aud_per_mw
    );
    assert_eq!(q1.radius_km, 75.0);
    let n2 = zones.iter().find(|z| z.id == "N2").unwrap();
    assert_eq!(n2.tranche2_after_mw, Some(2400.0));
    assert!((n2.expansion_cost_tranche2_aud_per_mw.unwrap() - 0.4623e6).abs() < 1e3);
    // 2024 and 2025 N2 are both New England: resources attached; 2024 V7 is another zone.
    assert_eq!(n2.solar_resource_mw, Some(2985.0));
    assert!(n2.polygon.is_some());
    let v7 = zones.iter().find(|z| z.id == "V7").unwrap();
    assert_eq!(v7.wind_resource_mw, None);
    // 18 REZs have no approximate centre and sit at their sub-region's bus.
    let fallback = zones.iter().filter(|z| z.radius_km == 150.0).count();
    assert_eq!(fallback, 18);
    let n10 = zones.iter().find(|z| z.id == "N10").unwrap();
    assert!(distance_km(n10.centre, sitefind::data::LonLat::new(151.21, -33.87)) < 5.0);
    for z in &zones {
        assert!(z.expansion_cost_aud_per_mw > 0.0, "{}", z.id);
        assert!(
            sitefind::data::in_bbox(z.centre, sitefind::data::AUSTRALIA_BBOX),
            "{}",
            z.id
        );
        if let Some(p) = &z.polygon {
            assert_eq!(p.first(), p.last());
        }
    }
    // Without fallback locations, the 18 unlocated REZs are all reported.
    let plain = spec(
        &dir,
        "rez/rez_nem_iasr2025.csv",
        LayerFormat::AemoIasrCsv,
        &[],
    );
    match public::load_zones(&plain) {
        Err(sitefind::error::Error::Invalid(issues)) => assert_eq!(issues.len(), 18),
        other => panic!("{other:?}"),
    }
}

#[test]
fn public_grid_layers() {
    let Some(dir) = common::public_data("public_grid_layers") else {
        return;
    };
    let subs = public::load_substations(&spec(
        &dir,
        "grid/ga_substations.geojson",
        LayerFormat::GaGeojson,
        &[],
    ))
    .unwrap();
    assert_eq!(subs.len(), 1041);
    let ids: HashSet<&str> = subs.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 1041);
    let bowen = &subs[0];
    assert_eq!(bowen.name, "Bowen North");
    assert_eq!(bowen.voltage_kv, 132.0);
    assert_eq!(bowen.state, "QLD");
    assert_eq!(subs.iter().filter(|s| !s.operational).count(), 7);
    assert!(subs.iter().all(|s| !s.state.is_empty()));
    assert_eq!(subs.iter().filter(|s| s.state == "WA").count(), 195);

    let lines = public::load_lines(&spec(
        &dir,
        "grid/ga_transmission_lines.geojson",
        LayerFormat::GaGeojson,
        &[],
    ))
    .unwrap();
    assert_eq!(lines.len(), 3062);
    assert_eq!(lines.iter().map(|l| l.path.len()).sum::<usize>(), 32_925);
    assert_eq!(lines.iter().filter(|l| l.operational).count(), 3039);
    assert_eq!(lines.iter().filter(|l| l.voltage_kv == 500.0).count(), 45);
    assert_eq!(lines[0].name, "Taree to Stroud");
    // GA's length_m for Taree to Stroud is 86,010.5 m.
    let km = sitefind::spatial::geodesy::path_length_km(&lines[0].path);
    assert!((km - 86.01).abs() < 0.5, "{km}");
}

#[test]
fn public_minerals() {
    let Some(dir) = common::public_data("public_minerals") else {
        return;
    };
    let m = public::load_minerals(&spec(
        &dir,
        "minerals/ga_mines_and_deposits_2020.csv",
        LayerFormat::GaCsv,
        &[],
    ))
    .unwrap();
    assert_eq!(m.len(), 3982);
    assert_eq!(m.iter().filter(|x| x.is_critical()).count(), 726);
    assert_eq!(
        m.iter().filter(|x| x.status == "operating mine").count(),
        365
    );
    let bethanga = m.iter().find(|x| x.id == "333286").unwrap();
    assert_eq!(bethanga.name, "Bethanga");
    assert_eq!(bethanga.commodities, ["Gold", "Copper"]);
}

#[test]
fn public_landings_both_formats_agree() {
    let Some(dir) = common::public_data("public_landings_both_formats_agree") else {
        return;
    };
    let g = public::load_landings(&spec(
        &dir,
        "cables/landing_points_au_jp.geojson",
        LayerFormat::TelegeographyGeojson,
        &[],
    ))
    .unwrap();
    let c = public::load_landings(&spec(
        &dir,
        "cables/cable_landings_au_jp.csv",
        LayerFormat::TelegeographyCsv,
        &[],
    ))
    .unwrap();
    assert_eq!(g.len(), 165);
    assert_eq!(c.len(), 165);
    for (a, b) in g.iter().zip(&c) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.country, b.country);
        assert!(distance_km(a.location, b.location) < 0.1, "{}", a.id);
    }
    let agat = g.iter().find(|l| l.id == "agat-guam").unwrap();
    assert_eq!(agat.country, "Guam");
}

#[test]
fn public_cables_and_segments() {
    let Some(dir) = common::public_data("public_cables_and_segments") else {
        return;
    };
    let cables = cables(&dir);
    assert_eq!(cables.len(), 53);
    let landings: HashSet<String> = public::load_landings(&spec(
        &dir,
        "cables/landing_points_au_jp.geojson",
        LayerFormat::TelegeographyGeojson,
        &[],
    ))
    .unwrap()
    .into_iter()
    .map(|l| l.id)
    .collect();
    for c in &cables {
        assert!(!c.route.is_empty(), "{} has no route", c.id);
        for l in &c.landing_ids {
            assert!(landings.contains(l), "{}: unknown landing {l}", c.id);
        }
        if c.landing_ids.len() >= 2 {
            assert!(!c.segments.is_empty(), "{} has no segments", c.id);
        }
        for seg in &c.segments {
            assert!(c.landing_ids.contains(&seg.from), "{}: {}", c.id, seg.from);
            assert!(c.landing_ids.contains(&seg.to), "{}: {}", c.id, seg.to);
            assert!(seg.from < seg.to);
            assert!(seg.length_km > 0.0, "{}: {seg:?}", c.id);
            if let Some(len) = c.length_km {
                assert!(seg.length_km <= len * 1.05, "{}: {seg:?} > {len}", c.id);
                assert_eq!(seg.length_source, "drawn-route-scaled", "{}", c.id);
            } else {
                assert_eq!(seg.length_source, "drawn-route", "{}", c.id);
            }
        }
        // Every attached landing is reachable: the segment graph of a cable is connected
        // over the landings it touches.
        let touched: HashSet<&str> = c
            .segments
            .iter()
            .flat_map(|s| [s.from.as_str(), s.to.as_str()])
            .collect();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = touched.iter().next().into_iter().copied().collect();
        while let Some(n) = stack.pop() {
            if seen.insert(n) {
                for s in &c.segments {
                    if s.from == n {
                        stack.push(&s.to);
                    } else if s.to == n {
                        stack.push(&s.from);
                    }
                }
            }
        }
        assert_eq!(
            seen.len(),
            touched.len(),
            "{}: segments not connected",
            c.id
        );
    }

    let by_id = |id: &str| cables.iter().find(|c| c.id == id).unwrap();
    let jga_s = by_id("japan-guam-australia-south-jga-s");
    assert_eq!(jga_s.length_km, Some(7081.0));
    assert_eq!(jga_s.rfs_year, Some(2020));
    // Sydney–Guam (the AU–Guam trunk) is ≈ 7,000 km: the great circle is ≈ 5,700 km and the
    // published system (incl. a short branch) is 7,081 km.
    let syd_guam = jga_s
        .segments
        .iter()
        .find(|s| s.from == "brookvale-nsw-australia" && s.to == "piti-guam")
        .unwrap();
    assert!(
        (5_700.0..=7_081.0 * 1.05).contains(&syd_guam.length_km),
        "{syd_guam:?}"
    );
    let jga_n = by_id("japan-guam-australia-north-jga-n");
    assert_eq!(jga_n.segments.len(), 1);
    let n = &jga_n.segments[0];
    assert!((n.length_km - 2600.0).abs() < 30.0, "{n:?}");

    // AJC (Sydney-area landings, Guam, Japan): Australia–Guam must be longer than the
    // ≈ 5,300 km great circle and well short of the 12,700 km system.
    let ajc = by_id("australia-japan-cable-ajc");
    let au_guam = ajc
        .segments
        .iter()
        .filter(|s| {
            (s.from.contains("guam") && s.to.contains("australia"))
                || (s.to.contains("guam") && s.from.contains("australia"))
        })
        .collect::<Vec<_>>();
    assert!(!au_guam.is_empty(), "{:?}", ajc.segments);
    for s in au_guam {
        assert!((5_500.0..8_500.0).contains(&s.length_km), "{s:?}");
    }
    // AJC's Guam landings hang off branching units, so Australia–Japan is also an adjacent
    // pair (the trunk passes no landing): longer than the ≈ 7,800 km great circle, shorter
    // than the 12,700 km system.
    let au_jp: Vec<_> = ajc
        .segments
        .iter()
        .filter(|s| {
            (s.from.contains("japan") && s.to.contains("australia"))
                || (s.from.contains("australia") && s.to.contains("japan"))
        })
        .collect();
    assert_eq!(au_jp.len(), 4, "{:?}", ajc.segments);
    for s in au_jp {
        assert!((7_800.0..12_700.0).contains(&s.length_km), "{s:?}");
    }
    // Deterministic: a second read is identical.
    assert_eq!(cables, self::cables(&dir));
}

#[test]
fn public_datacentres() {
    let Some(dir) = common::public_data("public_datacentres") else {
        return;
    };
    let dcs = public::load_datacentres(&spec(
        &dir,
        "datacentres/datacentres_au_jp.csv",
        LayerFormat::DcmapCsv,
        &[],
    ))
    .unwrap();
    // 268 distinct site ids; one (an Epoch AI record) has no coordinates and is skipped.
    assert_eq!(dcs.len(), 267);
    assert!(dcs.iter().all(|d| d.id != "site-nogeo-b4ffc8fb"));
    let ids: HashSet<&str> = dcs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), dcs.len());
    for d in &dcs {
        let bbox = if d.country == "AU" {
            sitefind::data::AUSTRALIA_BBOX
        } else {
            sitefind::data::JAPAN_BBOX
        };
        assert!(sitefind::data::in_bbox(d.location, bbox), "{d:?}");
        if d.country == "JP" {
            assert!(d.state.is_empty());
        }
    }
    let vocus = dcs.iter().find(|d| d.id == "site-8ea3bec963").unwrap();
    assert_eq!(vocus.state, "NSW");
    assert_eq!(vocus.operator, "Vocus Group");
}

#[test]
fn public_region_prices() {
    let Some(dir) = common::public_data("public_region_prices") else {
        return;
    };
    let file = "climate_prices/nem_region_annual_price_temperature.csv";
    let r = public::load_regions(&spec(&dir, file, LayerFormat::OpennemAnnualCsv, &[])).unwrap();
    assert_eq!(r.len(), 5);
    let tas = r.iter().find(|x| x.id == "TAS1").unwrap();
    // 2018–2022: (72.8 + 94.12 + 43.26 + 34.36 + 157.1) / 5 = 80.328.
    assert!(
        (tas.price_aud_per_mwh - 80.328).abs() < 1e-9,
        "{}",
        tas.price_aud_per_mwh
    );
    let nsw = r.iter().find(|x| x.id == "NSW1").unwrap();
    assert_eq!(nsw.states, ["NSW", "ACT"]);
    let years = toml::Value::Array(vec![toml::Value::Integer(2022), toml::Value::Integer(2022)]);
    let r22 = public::load_regions(&spec(
        &dir,
        file,
        LayerFormat::OpennemAnnualCsv,
        &[("years", years)],
    ))
    .unwrap();
    let qld = r22.iter().find(|x| x.id == "QLD1").unwrap();
    assert!((qld.price_aud_per_mwh - 223.78).abs() < 1e-9);
    assert!((qld.mean_temp_c - 20.41).abs() < 1e-9);
}

#[test]
fn public_japan_demand_proxies() {
    let Some(dir) = common::public_data("public_japan_demand_proxies") else {
        return;
    };
    let p = japan_demand_from_prefectures(
        &dir.join("datacentres/japan_prefectures_population_2020.csv"),
        1000.0,
        150.0,
        Workload::Training,
        1,
    )
    .unwrap();
    assert_eq!(p.nodes.len(), 47);
    let total: f64 = p.nodes.iter().map(|n| n.it_load_mw).sum();
    assert!((total - 1000.0).abs() < 1e-6);
    let tokyo = p.nodes.iter().find(|n| n.id == "tokyo").unwrap();
    // Tokyo: 14,047,594 of 126,146,099 people in the 2020 census.
    assert!((tokyo.it_load_mw - 1000.0 * 14_047_594.0 / 126_146_099.0).abs() < 1e-6);
    let c = japan_demand_from_cities(
        &dir.join("datacentres/japan_demand_cities_ne.csv"),
        500.0,
        100.0,
        Workload::Inference,
        2,
    )
    .unwrap();
    assert_eq!(c.nodes.len(), 26);
    assert_eq!(c.nodes[0].id, "tokyo");
    for n in c.nodes.iter().chain(&p.nodes) {
        assert!(
            sitefind::data::in_bbox(n.location, sitefind::data::JAPAN_BBOX),
            "{}",
            n.id
        );
    }
}

/// data/public.toml names every layer with a path that exists next to the repository and a
/// format its reader accepts (its layers read with the same counts).
#[test]
fn public_manifest_paths() {
    let Some(dir) = common::public_data("public_manifest_paths") else {
        return;
    };
    let text = std::fs::read_to_string(common::repo().join("data/public.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut tables: Vec<(String, toml::Table)> = Vec::new();
    for (layer, v) in &doc {
        match v {
            toml::Value::Table(t) => tables.push((layer.clone(), t.clone())),
            toml::Value::Array(a) => {
                for t in a {
                    tables.push((layer.clone(), t.as_table().unwrap().clone()));
                }
            }
            other => panic!("{layer}: {other}"),
        }
    }
    let prefix = "../../shared/data/";
    let mut read = 0;
    for (layer, t) in &tables {
        let format = t["format"].as_str().unwrap();
        let path = t["path"].as_str().unwrap();
        if format == "sitefind-csv" {
            assert!(common::repo().join("data").join(path).is_file(), "{path}");
            continue;
        }
        let rel = path
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{path}"));
        let mut options = BTreeMap::new();
        for (k, v) in t {
            if k == "format" || k == "path" {
                continue;
            }
            // A project trace entry's identity options are names, not paths.
            let is_name =
                layer == "traces" && ["zone", "technology", "project"].contains(&k.as_str());
            let v = match v.as_str().filter(|_| !is_name) {
                Some(p) => match p.strip_prefix(prefix) {
                    Some(rel) => {
                        assert!(dir.join(rel).is_file(), "{layer}.{k}: {p}");
                        toml::Value::String(rel.to_string())
                    }
                    // sitefind's own file beside the manifest (e.g. the cables' published
                    // segment lengths, `cable_segments.csv`)
                    None => {
                        let own = common::repo().join("data").join(p);
                        assert!(own.is_file(), "{layer}.{k}: {p}");
                        toml::Value::String(own.display().to_string())
                    }
                },
                None => v.clone(),
            };
            options.insert(k.clone(), v);
        }
        let fmt = match format {
            "aemo-iasr-csv" => LayerFormat::AemoIasrCsv,
            "ga-geojson" => LayerFormat::GaGeojson,
            "ga-csv" => LayerFormat::GaCsv,
            "telegeography-geojson" => LayerFormat::TelegeographyGeojson,
            "telegeography-csv" => LayerFormat::TelegeographyCsv,
            "dcmap-csv" => LayerFormat::DcmapCsv,
            "opennem-annual-csv" => LayerFormat::OpennemAnnualCsv,
            "aemo-trace-csv" => LayerFormat::AemoTraceCsv,
            other => panic!("{other}"),
        };
        let spec = LayerSpec {
            path: dir.join(rel),
            format: fmt,
            base_dir: dir.clone(),
            options,
            label: path.to_string(),
        };
        if layer == "traces" {
            // AEMO traces: read and counted by tests/it/supply.rs (public trace reader).
            continue;
        }
        let n = match layer.as_str() {
            "zones" => public::load_zones(&spec).map(|v| v.len()),
            "substations" => public::load_substations(&spec).map(|v| v.len()),
            "lines" => public::load_lines(&spec).map(|v| v.len()),
            "minerals" => public::load_minerals(&spec).map(|v| v.len()),
            "landings" => public::load_landings(&spec).map(|v| v.len()),
            "cables" => public::load_cables(&spec).map(|v| v.len()),
            "datacentres" => public::load_datacentres(&spec).map(|v| v.len()),
            "regions" => public::load_regions(&spec).map(|v| v.len()),
            other => panic!("{other}"),
        }
        .unwrap();
        let want = match layer.as_str() {
            "zones" => 47,
            "substations" => 1041,
            "lines" => 3062,
            "minerals" => 3982,
            "landings" => 165,
            "cables" => 53,
            "datacentres" => 267,
            _ => 5,
        };
        assert_eq!(n, want, "{layer}");
        read += 1;
    }
    assert_eq!(read, 8);
}

//! Candidate campuses (issue 24 item 1): candidates closer than `campus_merge_km` are one site.

use crate::common;
use sitefind::candidates::{self, Candidate, CandidateKind};
use sitefind::data::{Dataset, LonLat, Substation};
use sitefind::scenario::CandidateParams;
use sitefind::spatial::geodesy::distance_km;
use std::process::Command;

fn sub(id: &str, lon: f64, lat: f64, kv: f64, spare_mw: Option<f64>) -> Substation {
    Substation {
        id: id.into(),
        name: format!("Substation {id}"),
        location: LonLat::new(lon, lat),
        voltage_kv: kv,
        state: "NSW".into(),
        spare_mw,
        operational: true,
    }
}

/// Backbone substations only (no zones): every one of ≥ 275 kV is a candidate.
fn dataset(subs: Vec<Substation>) -> Dataset {
    Dataset {
        source: "<campus test>".into(),
        substations: subs,
        ..Default::default()
    }
}

fn ids(c: &[Candidate]) -> Vec<&str> {
    c.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn the_two_wallerawang_records_360_m_apart_are_one_campus() {
    let ds = Dataset::embedded().unwrap();
    let a = ds
        .substations
        .iter()
        .find(|s| s.id == "sub-nsw-wallerawang-330kv")
        .unwrap();
    let b = ds
        .substations
        .iter()
        .find(|s| s.id == "sub-nsw-wallerawang-330kv-2")
        .unwrap();
    let km = distance_km(a.location, b.location);
    assert!((0.3..0.4).contains(&km), "{km}");

    let merged = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    let kept = merged
        .iter()
        .find(|c| c.id == "sub:sub-nsw-wallerawang-330kv")
        .expect("the smaller id of two equal records is kept");
    assert!(kept
        .merged_ids
        .contains(&"sub:sub-nsw-wallerawang-330kv-2".to_string()));
    assert!(merged
        .iter()
        .all(|c| c.id != "sub:sub-nsw-wallerawang-330kv-2"));

    // 0 turns merging off: both records are candidates again and nothing lists merged ids.
    let off = CandidateParams {
        campus_merge_km: 0.0,
        ..CandidateParams::default()
    };
    let all = candidates::generate(&ds, &off).unwrap();
    assert!(all.iter().all(|c| c.merged_ids.is_empty()));
    let absorbed: usize = merged.iter().map(|c| c.merged_ids.len()).sum();
    assert_eq!(all.len(), merged.len() + absorbed);
    for id in [
        "sub:sub-nsw-wallerawang-330kv",
        "sub:sub-nsw-wallerawang-330kv-2",
    ] {
        assert!(all.iter().any(|c| c.id == id), "{id}");
    }
    // Every absorbed record was a candidate within 2 km of the record that absorbed it.
    for c in &merged {
        for m in &c.merged_ids {
            let o = all.iter().find(|x| &x.id == m).unwrap();
            assert!(distance_km(c.location, o.location) < 2.0, "{} {m}", c.id);
        }
    }
}

#[test]
fn the_higher_voltage_record_is_kept_and_3_km_is_not_merged() {
    // 0.0036° of latitude ≈ 400 m; 0.027° ≈ 3.0 km.
    let ds = dataset(vec![
        sub("a-275", 150.0, -33.4, 275.0, None),
        sub("b-330", 150.0, -33.4036, 330.0, None),
        sub("c-330", 150.0, -33.4306, 330.0, None),
    ]);
    let c = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(ids(&c), ["sub:b-330", "sub:c-330"]);
    assert_eq!(c[0].merged_ids, ["sub:a-275"]);
    assert_eq!(c[0].substation_kv, Some(330.0));
    assert!(c[1].merged_ids.is_empty());
    let d = distance_km(c[0].location, c[1].location);
    assert!((2.9..3.1).contains(&d), "{d}");
}

#[test]
fn ties_go_to_the_larger_headroom_then_the_smaller_id() {
    let ds = dataset(vec![
        sub("a", 150.0, -33.4, 330.0, Some(100.0)),
        sub("b", 150.0, -33.401, 330.0, Some(400.0)),
    ]);
    let c = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(ids(&c), ["sub:b"]);
    assert_eq!(c[0].merged_ids, ["sub:a"]);

    let ds = dataset(vec![
        sub("y", 150.0, -33.4, 330.0, None),
        sub("x", 150.0, -33.401, 330.0, None),
    ]);
    let c = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(ids(&c), ["sub:x"]);
    assert_eq!(c[0].merged_ids, ["sub:y"]);
}

#[test]
fn a_chain_is_not_folded_into_one_campus() {
    // Three records 1.5 km apart in a row, the western one highest: it absorbs the middle one
    // (1.5 km) but not the eastern one (3 km from it), which stays a candidate of its own.
    let dlon = 1.5 / (111.32 * 33.4f64.to_radians().cos());
    let ds = dataset(vec![
        sub("w", 150.0, -33.4, 500.0, None),
        sub("m", 150.0 + dlon, -33.4, 330.0, None),
        sub("e", 150.0 + 2.0 * dlon, -33.4, 330.0, None),
    ]);
    let c = candidates::generate(&ds, &CandidateParams::default()).unwrap();
    assert_eq!(ids(&c), ["sub:e", "sub:w"]);
    assert_eq!(c[1].merged_ids, ["sub:m"]);
    assert!(c[0].merged_ids.is_empty());
}

/// Leader clustering by brute force: O(n²), no R-tree.
fn brute_force(cands: &[Candidate], merge_km: f64) -> Vec<(String, Vec<String>)> {
    let kv = |c: &Candidate| c.substation_kv.unwrap_or(-1.0);
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&cands[a], &cands[b]);
        kv(b)
            .total_cmp(&kv(a))
            .then(b.max_mw.total_cmp(&a.max_mw))
            .then(a.id.cmp(&b.id))
    });
    let mut taken = vec![false; cands.len()];
    let mut out = Vec::new();
    for &i in &order {
        if taken[i] {
            continue;
        }
        taken[i] = true;
        let mut members = Vec::new();
        for j in 0..cands.len() {
            if !taken[j] && distance_km(cands[i].location, cands[j].location) < merge_km {
                taken[j] = true;
                members.push(cands[j].id.clone());
            }
        }
        members.sort();
        out.push((cands[i].id.clone(), members));
    }
    out.sort();
    out
}

#[test]
fn merging_matches_brute_force_on_random_points() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let template = candidates::generate(
        &dataset(vec![sub("t", 150.0, -33.4, 330.0, None)]),
        &CandidateParams::default(),
    )
    .unwrap()
    .remove(0);
    for case in 0..30 {
        let n = 2 + (next() * 60.0) as usize;
        let merge_km = 0.5 + next() * 4.0;
        let cands: Vec<Candidate> = (0..n)
            .map(|i| Candidate {
                id: format!("c{case}-{i:02}"),
                kind: CandidateKind::Synthetic,
                // A ~20 km square: many pairs within a few km.
                location: LonLat::new(150.0 + next() * 0.2, -33.4 - next() * 0.2),
                substation_kv: Some([132.0, 275.0, 330.0][(next() * 3.0) as usize]),
                max_mw: [300.0, 1000.0][(next() * 2.0) as usize],
                ..template.clone()
            })
            .collect();
        let merged = candidates::merge_campuses(cands.clone(), merge_km);
        let got: Vec<(String, Vec<String>)> = merged
            .iter()
            .map(|c| (c.id.clone(), c.merged_ids.clone()))
            .collect();
        assert_eq!(got, brute_force(&cands, merge_km), "case {case}");
        // The records kept are pairwise at least merge_km apart.
        for (i, a) in merged.iter().enumerate() {
            for b in &merged[i + 1..] {
                assert!(distance_km(a.location, b.location) >= merge_km);
            }
        }
        // Deterministic whatever the input order.
        let mut reversed = cands.clone();
        reversed.reverse();
        assert_eq!(candidates::merge_campuses(reversed, merge_km), merged);
    }
}

#[test]
fn sitefind_candidates_lists_the_merged_ids() {
    let run = |format: &str| {
        let out = Command::new(common::sitefind_bin())
            .args(["candidates", "--format", format])
            .current_dir(common::repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let rec = json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sub:sub-nsw-wallerawang-330kv")
        .unwrap();
    assert!(rec["merged_ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "sub:sub-nsw-wallerawang-330kv-2"));

    let csv = run("csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "merged_ids").unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let row = rdr
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == "sub:sub-nsw-wallerawang-330kv")
        .unwrap();
    assert!(row[col]
        .split(';')
        .any(|m| m == "sub:sub-nsw-wallerawang-330kv-2"));

    // The text summary counts the campuses and the records they absorbed, as the JSON does.
    let all = json["candidates"].as_array().unwrap();
    let campuses = all
        .iter()
        .filter(|c| !c["merged_ids"].as_array().unwrap().is_empty())
        .count();
    let absorbed: usize = all
        .iter()
        .map(|c| c["merged_ids"].as_array().unwrap().len())
        .sum();
    assert!(campuses > 0);
    let text = run("text");
    let line = format!("campuses: {campuses} candidates absorbed {absorbed} records");
    assert!(text.contains(&line), "{line}\n{text}");
}

#[test]
fn a_negative_merge_distance_is_a_scenario_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "[candidates]\ncampus_merge_km = -1\n").unwrap();
    let e = sitefind::scenario::Scenario::from_file(&path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("candidates.campus_merge_km"), "{e}");
    assert!(e.contains("[0, 5000]"), "{e}");
}

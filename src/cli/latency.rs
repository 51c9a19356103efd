//! `sitefind latency`: the modelled round-trip time between two places, its physical floor and
//! the path through the submarine-cable graph.
//!
//! A PLACE is `LON,LAT` (degrees, longitude first, RFC 7946), or the id or name of an embedded
//! demand node (`tokyo`) or of a landing station (`piti-guam`, `Piti, Guam`, or the town part
//! `Piti` when unique), matched case-insensitively.

use super::LatencyArgs;
use sitefind::data::{Dataset, Demand, DemandNode, LandingStation, LonLat};
use sitefind::latency::{close_matches, LatencyModel, PathLeg, RttPath};
use sitefind::scenario::LatencyParams;
use sitefind::{Error, Result};
use std::io::Write;

/// A resolved place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
struct Place {
    /// What the user typed.
    input: String,
    /// Display name (the input for coordinates).
    name: String,
    /// Position.
    location: LonLat,
}

/// Runs `sitefind latency`.
pub fn run(args: &LatencyArgs, out: &mut dyn Write) -> Result<()> {
    let json = match args.format.to_ascii_lowercase().as_str() {
        "text" => false,
        "json" => true,
        other => {
            return Err(Error::usage(
                format!("--format: unknown format `{other}`"),
                "use --format text or --format json",
            ))
        }
    };
    // Coordinates are checked before anything is loaded.
    let from_xy = parse_lonlat("--from", &args.from)?;
    let to_xy = parse_lonlat("--to", &args.to)?;
    let dataset = super::load_dataset(args.data.data.as_deref())?;
    let needs_names = from_xy.is_none() || to_xy.is_none();
    let demand = if needs_names {
        Demand::embedded().map(|d| d.nodes)
    } else {
        Ok(Vec::new())
    };
    report(args, json, &dataset, &demand, out)
}

/// Resolves the places, builds the model and writes the route (`run` after loading).
fn report(
    args: &LatencyArgs,
    json: bool,
    dataset: &Dataset,
    demand: &Result<Vec<DemandNode>>,
    out: &mut dyn Write,
) -> Result<()> {
    let from_xy = parse_lonlat("--from", &args.from)?;
    let to_xy = parse_lonlat("--to", &args.to)?;
    let mut params = match &args.data.scenario {
        Some(p) => super::load_scenario(p)?.latency,
        None => LatencyParams::default(),
    };
    for c in &args.data.cut_cables {
        if !params.cut_cables.iter().any(|k| k.eq_ignore_ascii_case(c)) {
            params.cut_cables.push(c.clone());
        }
    }
    for c in &args.data.avoid_transit {
        if !params
            .avoid_transit
            .iter()
            .any(|k| k.eq_ignore_ascii_case(c))
        {
            params.avoid_transit.push(c.clone());
        }
    }
    let from = resolve("--from", &args.from, from_xy, demand, &dataset.landings)?;
    let to = resolve("--to", &args.to, to_xy, demand, &dataset.landings)?;
    let model = LatencyModel::build(dataset, &params)?;
    let Some(path) = model.rtt(from.location, to.location) else {
        return Err(Error::Infeasible {
            diagnosis: format!(
                "no route from {} to {}: no landing station reachable (cut cables: {})",
                from.name,
                to.name,
                if params.cut_cables.is_empty() {
                    "none".to_string()
                } else {
                    params.cut_cables.join(", ")
                }
            ),
            hint: "remove some --cut-cable options, or use --scenario with include_planned = true"
                .into(),
        });
    };
    let w = |e: std::io::Error| Error::write("<stdout>", e);
    if json {
        let v = serde_json::json!({
            "from": from,
            "to": to,
            "route": path,
            "parameters": params,
        });
        let text = super::schema::to_json("latency", &v, &["parameters"])?;
        out.write_all(text.as_bytes()).map_err(w)?;
    } else {
        write_text(out, &model, &from, &to, &path, &params).map_err(w)?;
    }
    Ok(())
}

/// Writes the route from `from` to `to` as text: its RTTs and their split, its path and the
/// parameters used.
fn write_text(
    out: &mut dyn Write,
    model: &LatencyModel,
    from: &Place,
    to: &Place,
    r: &RttPath,
    p: &LatencyParams,
) -> std::io::Result<()> {
    write_summary(out, from, to, r, p)?;
    write_path(out, model, to, r)?;
    write_parameters(out, p)
}

/// The name of node `id`, or the id itself.
fn node_name(model: &LatencyModel, id: &str) -> String {
    model.node_name(id).unwrap_or(id).to_string()
}

/// Writes the places, the RTTs, their split into propagation and overhead, and the
/// jurisdictions crossed.
fn write_summary(
    out: &mut dyn Write,
    from: &Place,
    to: &Place,
    r: &RttPath,
    p: &LatencyParams,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({:.4},{:.4}) -> {} ({:.4},{:.4})",
        from.name, from.location.lon, from.location.lat, to.name, to.location.lon, to.location.lat
    )?;
    writeln!(out, "rtt_ms         {:.1}   (median)", r.rtt_ms)?;
    writeln!(
        out,
        "rtt_p95_ms     {:.1}   (planning: median x {:.3} + {:.2} ms)",
        r.rtt_p95_ms,
        1.0 + p.p95_route_margin,
        p.p95_jitter_ms
    )?;
    writeln!(
        out,
        "               (backbone class, derived by `sitefind calibrate`: x = 1 + the 95th percentile of measured/modelled − 1 over the backbone rows of other vintages and years; + = mean P95−P50 gap within one 30-day window; docs/latency.md)"
    )?;
    writeln!(
        out,
        "floor_ms       {:.1}   (great circle {:.0} km in fibre, no overhead)",
        r.floor_ms, r.great_circle_km
    )?;
    writeln!(
        out,
        "split          {:.1} ms propagation + {:.1} ms overhead (data-centre end {} ms, city end {} ms, {} landing(s) x {} ms, {} PoP(s) x {} ms)",
        r.propagation_ms,
        r.overhead_ms,
        p.endpoint_overhead_ms,
        p.city_endpoint_overhead_ms,
        r.landings.len(),
        p.landing_overhead_ms,
        r.pops.len(),
        p.pop_overhead_ms
    )?;
    writeln!(out, "jurisdictions  {}", r.jurisdictions.join(" -> "))?;
    Ok(())
}

/// Writes the path leg by leg, then the cables whose length is estimated.
fn write_path(
    out: &mut dyn Write,
    model: &LatencyModel,
    to: &Place,
    r: &RttPath,
) -> std::io::Result<()> {
    writeln!(out, "path:")?;
    if r.nodes.is_empty() {
        writeln!(
            out,
            "  terrestrial  {:>8.0} km great circle (x the country's route factor)",
            r.terrestrial_origin_km
        )?;
    } else {
        writeln!(
            out,
            "  access       {:>8.0} km great circle -> {} [{}]",
            r.terrestrial_origin_km,
            node_name(model, &r.nodes[0]),
            r.nodes[0]
        )?;
        for leg in &r.legs {
            write_leg(out, model, leg)?;
        }
        writeln!(
            out,
            "  access       {:>8.0} km great circle -> {}",
            r.terrestrial_dest_km, to.name
        )?;
    }
    if !r.estimated_cables.is_empty() {
        writeln!(
            out,
            "estimated:     {} (no published length or drawn route: great circle x a stated detour factor, raised to the corridor's published ratio; data/SOURCES.md)",
            r.estimated_cables.join(", ")
        )?;
    }
    Ok(())
}

/// Writes one leg of a path through the graph.
fn write_leg(out: &mut dyn Write, model: &LatencyModel, leg: &PathLeg) -> std::io::Result<()> {
    let est = if leg.estimated {
        "  (ESTIMATED length)"
    } else {
        ""
    };
    match &leg.cable {
        Some(c) => writeln!(
            out,
            "  cable        {:>8.0} km {} [{}] -> {} [{}]{est}",
            leg.km,
            model.cable_name(c).unwrap_or(c),
            c,
            node_name(model, &leg.to),
            leg.to
        )?,
        None => writeln!(
            out,
            "  {:<12} {:>8.0} km (terrestrial, x route factor) -> {} [{}]",
            leg.kind,
            leg.km,
            node_name(model, &leg.to),
            leg.to
        )?,
    }
    Ok(())
}

/// Writes the latency parameters used.
fn write_parameters(out: &mut dyn Write, p: &LatencyParams) -> std::io::Result<()> {
    let rf: Vec<String> = p
        .route_factor_by_country
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    writeln!(
        out,
        "parameters: fibre_ms_per_km {}, route_factor {} (other countries {}), cable_slack {}, endpoint_overhead_ms {}, city_endpoint_overhead_ms {}, landing_overhead_ms {}, pop_overhead_ms {}, p95_route_margin {}, p95_jitter_ms {}, include_planned {}, cut_cables [{}], avoid_transit [{}]",
        p.fibre_ms_per_km,
        rf.join(", "),
        p.route_factor,
        p.cable_slack,
        p.endpoint_overhead_ms,
        p.city_endpoint_overhead_ms,
        p.landing_overhead_ms,
        p.pop_overhead_ms,
        p.p95_route_margin,
        p.p95_jitter_ms,
        p.include_planned,
        p.cut_cables.join(", "),
        p.avoid_transit.join(", ")
    )
}

/// Parses `LON,LAT`. `Ok(None)` when the text is not a pair of numbers (then it is a name);
/// an error for out-of-range or swapped coordinates.
fn parse_lonlat(flag: &str, text: &str) -> Result<Option<LonLat>> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != 2 {
        return Ok(None);
    }
    let (Ok(lon), Ok(lat)) = (parts[0].parse::<f64>(), parts[1].parse::<f64>()) else {
        return Ok(None);
    };
    let valid = |lon: f64, lat: f64| {
        lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat)
    };
    let swapped_hint = format!(
        "PLACE is LON,LAT (longitude first, RFC 7946): the values look swapped; did you mean `{},{}`?",
        parts[1], parts[0]
    );
    if valid(lon, lat) {
        return Ok(Some(LonLat::new(lon, lat)));
    }
    if valid(lat, lon) {
        return Err(Error::usage(
            format!(
                "{flag} `{text}`: expected LON,LAT with longitude in -180..=180 and latitude in \
                 -90..=90, found latitude {lat}: latitude and longitude are swapped"
            ),
            swapped_hint,
        ));
    }
    Err(Error::usage(
        format!(
            "{flag} `{text}`: expected LON,LAT with longitude in -180..=180 and latitude in -90..=90"
        ),
        "e.g. --from 151.21,-33.87 (Sydney) --to 139.69,35.69 (Tokyo)",
    ))
}

/// Resolves a place: coordinates, else a demand node or landing station by id or name.
fn resolve(
    flag: &str,
    text: &str,
    xy: Option<LonLat>,
    demand: &Result<Vec<DemandNode>>,
    landings: &[LandingStation],
) -> Result<Place> {
    if let Some(p) = xy {
        return Ok(Place {
            input: text.to_string(),
            name: text.to_string(),
            location: p,
        });
    }
    let q = text.trim();
    let nodes: &[DemandNode] = demand.as_ref().map(|v| v.as_slice()).unwrap_or(&[]);
    let place = |name: &str, location: LonLat| Place {
        input: text.to_string(),
        name: name.to_string(),
        location,
    };
    if let Some(n) = nodes
        .iter()
        .find(|n| n.id.eq_ignore_ascii_case(q) || n.name.eq_ignore_ascii_case(q))
    {
        return Ok(place(&n.name, n.location));
    }
    if let Some(l) = landings
        .iter()
        .find(|l| l.id.eq_ignore_ascii_case(q) || l.name.eq_ignore_ascii_case(q))
    {
        return Ok(place(&l.name, l.location));
    }
    let town: Vec<&LandingStation> = landings
        .iter()
        .filter(|l| {
            l.name
                .split(',')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(q))
        })
        .collect();
    if town.len() == 1 {
        return Ok(place(&town[0].name, town[0].location));
    }
    let mut known: Vec<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    known.extend(landings.iter().map(|l| l.id.as_str()));
    let mut close = close_matches(q, &known, 8);
    if town.len() > 1 {
        close = town.iter().map(|l| l.id.clone()).collect();
    }
    let mut hint = if close.is_empty() {
        "give LON,LAT (e.g. 151.21,-33.87), a demand node id (data/jp.json) or a landing station id"
            .to_string()
    } else {
        format!(
            "close matches: {}; or give LON,LAT (e.g. 151.21,-33.87)",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if let Err(e) = demand {
        hint.push_str(&format!(
            " (the demand nodes could not be loaded: {})",
            e.to_string().lines().next().unwrap_or("")
        ));
    }
    Err(Error::usage(
        format!(
            "{flag} `{text}`: {}",
            if town.len() > 1 {
                "ambiguous place name"
            } else {
                "unknown place (not LON,LAT, a demand node or a landing station)"
            }
        ),
        hint,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn landings() -> Vec<LandingStation> {
        vec![
            LandingStation {
                id: "piti-guam".into(),
                name: "Piti, Guam".into(),
                location: LonLat::new(144.694742, 13.464655),
                country: "Guam".into(),
            },
            LandingStation {
                id: "perth-wa-australia".into(),
                name: "Perth, WA, Australia".into(),
                location: LonLat::new(115.857219, -31.953439),
                country: "Australia".into(),
            },
        ]
    }

    #[test]
    fn lon_lat_parses_and_swaps_are_caught() {
        assert_eq!(
            parse_lonlat("--to", "139.69,35.69").unwrap(),
            Some(LonLat::new(139.69, 35.69))
        );
        assert_eq!(
            parse_lonlat("--to", " 151.21 , -33.87 ").unwrap(),
            Some(LonLat::new(151.21, -33.87))
        );
        // Tokyo as lat,lon: latitude 139.69 is out of range.
        let e = parse_lonlat("--to", "35.69,139.69")
            .unwrap_err()
            .to_string();
        assert!(e.contains("swapped") && e.contains("139.69,35.69"), "{e}");
        // Sydney as lat,lon.
        let e = parse_lonlat("--from", "-33.87,151.21")
            .unwrap_err()
            .to_string();
        assert!(e.contains("swapped"), "{e}");
        let e = parse_lonlat("--from", "-25.0,130.0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("swapped"), "{e}");
        assert!(parse_lonlat("--from", "200,100").is_err());
        assert_eq!(parse_lonlat("--from", "tokyo").unwrap(), None);
        assert_eq!(parse_lonlat("--from", "a,b").unwrap(), None);
    }

    fn args(from: &str, to: &str, cut: &[&str]) -> LatencyArgs {
        LatencyArgs {
            from: from.into(),
            to: to.into(),
            data: crate::cli::DataArgs {
                cut_cables: cut.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            format: "text".into(),
        }
    }

    fn dataset() -> Dataset {
        let mut landings = landings();
        landings.push(LandingStation {
            id: "brookvale-nsw-australia".into(),
            name: "Brookvale, NSW, Australia".into(),
            location: LonLat::new(151.273991, -33.761157),
            country: "Australia".into(),
        });
        landings.push(LandingStation {
            id: "minamiboso-japan".into(),
            name: "Minamiboso, Japan".into(),
            location: LonLat::new(139.960979, 34.974078),
            country: "Japan".into(),
        });
        let cable = |id: &str, name: &str, a: &str, b: &str, km: f64| sitefind::data::CableSystem {
            id: id.into(),
            name: name.into(),
            landing_ids: vec![a.into(), b.into()],
            length_km: Some(km),
            segments: vec![],
            route: vec![],
            rfs_year: None,
            planned: false,
            owners: Vec::new(),
        };
        Dataset {
            source: "<test>".into(),
            landings,
            cables: vec![
                cable(
                    "jga-n",
                    "Japan-Guam-Australia North (JGA-N)",
                    "piti-guam",
                    "minamiboso-japan",
                    2600.0,
                ),
                cable(
                    "jga-s",
                    "Japan-Guam-Australia South (JGA-S)",
                    "brookvale-nsw-australia",
                    "piti-guam",
                    7081.0,
                ),
            ],
            ..Dataset::default()
        }
    }

    #[test]
    fn text_and_json_reports_show_the_path_and_parameters() {
        let ds = dataset();
        let demand = Ok(Vec::new());
        let mut out = Vec::new();
        report(
            &args("151.21,-33.87", "minamiboso", &[]),
            false,
            &ds,
            &demand,
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        for want in [
            "rtt_ms",
            "floor_ms",
            "Japan-Guam-Australia South (JGA-S) [jga-s] -> Piti, Guam [piti-guam]",
            "Japan-Guam-Australia North (JGA-N) [jga-n] -> Minamiboso, Japan",
            "Australia 1.44",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        let mut out = Vec::new();
        report(
            &args("151.21,-33.87", "139.69,35.69", &[]),
            true,
            &ds,
            &demand,
            &mut out,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let rtt = v["route"]["rtt_ms"].as_f64().unwrap();
        let floor = v["route"]["floor_ms"].as_f64().unwrap();
        // Default parameters (no PoPs in this dataset): 2 × 0.0049 × (1.44 × 13.4 km +
        // 1.028 × 9,681 km of cable + 1.39 × 83.2 km) = 98.85 ms, + 1.4 ms (data-centre end)
        // + 0 (city end) + 3 × 0.25 ms (Brookvale, Piti, Minamiboso) = 101.0 ms;
        // P95 = 101.0 × 1.118736 + 2.133333 = 115.1 ms.
        assert!(rtt > floor && (100.5..101.5).contains(&rtt), "{v}");
        let p95 = v["route"]["rtt_p95_ms"].as_f64().unwrap();
        // Both are written to 0.01 ms: the P95 recomputed from the rounded median is within
        // 0.005 × 1.118736 + 0.005 ms of the rounded P95.
        assert!((p95 - (rtt * 1.118736 + 2.133333)).abs() < 0.0106, "{v}");
        assert_eq!(
            v["route"]["jurisdictions"],
            serde_json::json!(["Australia", "Guam", "Japan"])
        );
        assert_eq!(v["route"]["cables"], serde_json::json!(["jga-s", "jga-n"]));
        // Cutting a cable of the only route: no route, an infeasible error naming the cut.
        let e = report(
            &args("151.21,-33.87", "139.69,35.69", &["jga-s"]),
            false,
            &ds,
            &demand,
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no route") && e.contains("jga-s"), "{e}");
        // Unknown cut id.
        let e = report(
            &args("151.21,-33.87", "139.69,35.69", &["jga-x"]),
            false,
            &ds,
            &demand,
            &mut Vec::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("jga-x") && e.contains("`jga-n`"), "{e}");
    }

    #[test]
    fn names_resolve_to_landings_and_unknown_names_list_matches() {
        let demand: Result<Vec<DemandNode>> = Ok(vec![DemandNode {
            id: "tokyo".into(),
            name: "Tokyo".into(),
            location: LonLat::new(139.69, 35.69),
            it_load_mw: 100.0,
            max_rtt_ms: 120.0,
            workload: sitefind::data::Workload::Inference,
            min_sites: 1,
            flexible_share: 0.0,
        }]);
        let l = landings();
        let p = resolve("--to", "TOKYO", None, &demand, &l).unwrap();
        assert_eq!(p.location, LonLat::new(139.69, 35.69));
        let p = resolve("--to", "piti-guam", None, &demand, &l).unwrap();
        assert_eq!(p.name, "Piti, Guam");
        let p = resolve("--to", "perth", None, &demand, &l).unwrap();
        assert_eq!(p.name, "Perth, WA, Australia");
        let e = resolve("--to", "piti-gaum", None, &demand, &l)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown place") && e.contains("`piti-guam`"),
            "{e}"
        );
    }
}

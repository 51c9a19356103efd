//! `sitefind candidates`: every candidate site with its attributes, priced exactly as the solve
//! prices its sites ([`sitefind::pricing`]: 24/7 energy cost, PUE, network, grid connection),
//! the model's fixed and per-MW costs, the cost per MW at a stated size ([`REFERENCE_MW`]), the
//! median and P95 round-trip time to each demand city and, for every candidate the model
//! leaves out, why (`excluded_reason`); as a text summary, JSON or CSV on stdout, and
//! optionally as an RFC 7946 GeoJSON file.
//!
//! Files are checked before any work and written atomically ([`sitefind::output`]).

use super::CandidatesArgs;
use serde_json::{json, Map, Value};
use sitefind::candidates::{self, Candidate};
use sitefind::data::DemandNode;
use sitefind::output::{check_output, write_set};
pub use sitefind::pricing::REFERENCE_MW;
use sitefind::pricing::{self, CandidatePrice};
use sitefind::{Error, Result};
use std::collections::BTreeMap;
use std::io::Write;

/// Rows shown in the text summary.
const TEXT_ROWS: usize = 25;

/// Runs `sitefind candidates`.
pub fn run(args: &CandidatesArgs, out: &mut dyn Write) -> Result<()> {
    let format = args.format.to_ascii_lowercase();
    if !matches!(format.as_str(), "text" | "json" | "csv") {
        return Err(Error::usage(
            format!("unknown --format {:?}", args.format),
            "use text, json or csv",
        ));
    }
    // Output path checked before any work (rules in `sitefind::output`).
    let geojson_out = match &args.geojson {
        Some(p) => Some(check_output("--geojson", p, &["geojson", "json"])?),
        None => None,
    };
    let scenario = super::scenario_from(&args.data, &args.regions)?;
    let ds = super::load_dataset(args.data.data.as_deref())?;
    let demand = super::load_demand(args.demand.as_deref())?;
    let latency = sitefind::latency::LatencyModel::build(&ds, &scenario.latency)?;
    let cands = candidates::generate_routed(&ds, &scenario.candidates, &latency, &demand)?;
    let pricing = pricing::price_candidates(&ds, &demand, &scenario, &cands, REFERENCE_MW)?;
    let rows: Vec<Row> = cands
        .iter()
        .zip(&pricing.prices)
        .map(|(candidate, price)| Row { candidate, price })
        .collect();

    if let Some(out) = geojson_out {
        let text = serde_json::to_string(&geojson(&rows, &demand.nodes))
            .map_err(|e| Error::Internal(format!("serialising GeoJSON: {e}")))?;
        let path = out.path.clone();
        write_set(&[(out, text.into_bytes())])?;
        if !args.data.quiet {
            eprintln!("wrote {} candidates to {}", rows.len(), path.display());
        }
    }
    let w = |e: std::io::Error| Error::write("<stdout>", e);
    match format.as_str() {
        "json" => {
            let doc = json!({
                "dataset": ds.source,
                "reference_mw": REFERENCE_MW,
                "limit_statistic": pricing.limit_statistic,
                "cities": demand.nodes.iter().zip(&pricing.limits_ms).map(|(n, l)| json!({"id": n.id, "name": n.name, "limit_ms": l})).collect::<Vec<_>>(),
                "candidates": rows.iter().map(|r| Value::Object(record(r, &demand.nodes).into_iter().collect())).collect::<Vec<_>>(),
            });
            let text = super::schema::to_json("candidates", &doc, &[])?;
            out.write_all(text.as_bytes()).map_err(w)?;
        }
        "csv" => write_csv(out, &rows, &demand.nodes)?,
        _ => write_text(out, &rows, &demand.nodes).map_err(w)?,
    }
    Ok(())
}

/// One candidate with its price and RTTs.
struct Row<'a> {
    candidate: &'a Candidate,
    price: &'a CandidatePrice,
}

fn num(x: f64) -> Value {
    // Non-finite numbers (no route) become null.
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

fn opt_str(x: &Option<String>) -> Value {
    x.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// A candidate's attributes as `(name, value)` pairs: where it is, what is near it.
fn attributes(c: &Candidate) -> Vec<(&'static str, Value)> {
    vec![
        ("id", c.id.clone().into()),
        ("name", c.name.clone().into()),
        ("kind", c.kind.as_str().into()),
        ("lon", num(c.location.lon)),
        ("lat", num(c.location.lat)),
        ("state", c.state.clone().into()),
        ("region_id", opt_str(&c.region_id)),
        ("region_known", c.region_known.into()),
        ("substation_id", opt_str(&c.substation_id)),
        ("substation_name", opt_str(&c.substation_name)),
        ("substation_km", opt(c.substation_km)),
        ("substation_kv", opt(c.substation_kv)),
        ("zone_id", opt_str(&c.zone_id)),
        ("zone_name", opt_str(&c.zone_name)),
        ("zone_km", opt(c.zone_km)),
        ("landing_id", opt_str(&c.landing_id)),
        ("landing_name", opt_str(&c.landing_name)),
        ("landing_km", opt(c.landing_km)),
        (
            "backhaul_km",
            num(sitefind::cost::CostModel::backhaul_km(c)),
        ),
        ("backhaul_landing_id", opt_str(&c.backhaul_landing_id)),
        ("minerals_within", c.minerals_within.into()),
        ("nearest_mineral_id", opt_str(&c.nearest_mineral_id)),
        ("nearest_mineral_name", opt_str(&c.nearest_mineral_name)),
        ("nearest_mineral_km", opt(c.nearest_mineral_km)),
        ("line_km", opt(c.line_km)),
        ("mean_temp_c", num(c.mean_temp_c)),
        ("max_mw", num(c.max_mw)),
        ("max_mw_source", c.max_mw_source.clone().into()),
        (
            "merged_ids",
            Value::Array(c.merged_ids.iter().map(|m| m.clone().into()).collect()),
        ),
    ]
}

/// A candidate's price as the model sees it: exclusion, energy (24/7 supply), the model's
/// fixed and per-MW costs, and the breakdown at [`REFERENCE_MW`].
fn price_fields(p: &CandidatePrice) -> Vec<(&'static str, Value)> {
    let rt = &p.rates;
    let b = &p.breakdown;
    let sp = rt.supply.as_ref();
    vec![
        ("in_model", p.excluded_reason.is_none().into()),
        ("excluded_reason", opt_str(&p.excluded_reason)),
        ("pue", num(rt.pue)),
        ("wholesale_aud_per_mwh", num(rt.wholesale_aud_per_mwh)),
        (
            "supply_basis",
            sp.map_or(Value::Null, |s| s.basis.clone().into()),
        ),
        (
            "supply_zone_id",
            sp.map_or(Value::Null, |s| opt_str(&s.zone_id)),
        ),
        ("cfe", sp.map_or(Value::Null, |s| num(s.cfe))),
        ("energy_price_aud_per_mwh", num(rt.energy_price_aud_per_mwh)),
        ("fixed_cost_aud_per_yr", num(p.fixed_cost_aud_per_yr)),
        ("var_cost_aud_per_mw_yr", num(p.var_cost_aud_per_mw_yr)),
        ("capex_aud_per_mw_yr", num(rt.capex_aud_per_mw_yr)),
        ("grid_aud_per_mw_yr", num(rt.grid_aud_per_mw_yr)),
        ("energy_aud_per_mw_yr", num(rt.energy_aud_per_mw_yr)),
        (
            "network_charge_aud_per_mw_yr",
            num(rt.network_charge_aud_per_mw_yr),
        ),
        ("reference_mw", num(REFERENCE_MW)),
        ("capex_aud_per_yr", num(b.capex_aud)),
        ("site_fixed_aud_per_yr", num(b.site_fixed_aud)),
        ("grid_connection_aud_per_yr", num(b.grid_connection_aud)),
        ("energy_aud_per_yr", num(b.energy_aud)),
        ("network_aud_per_yr", num(b.network_aud)),
        ("network_charge_aud_per_yr", num(b.network_charge_aud)),
        ("total_aud_per_yr", num(b.total_aud)),
        ("cost_per_mw_aud_per_yr", num(p.cost_per_mw_aud_per_yr)),
    ]
}

/// A candidate as flat `(name, value)` pairs, in a fixed order and each name once: attributes,
/// price ([`price_fields`]), then `rtt_ms_<city id>` and `rtt_p95_ms_<city id>`. Shared by
/// JSON, CSV and GeoJSON.
fn record(r: &Row, cities: &[DemandNode]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = attributes(r.candidate)
        .into_iter()
        .chain(price_fields(r.price))
        .map(|(k, x)| (k.to_string(), x))
        .collect();
    for (k, city) in cities.iter().enumerate() {
        let rtt = r.price.rtt_ms.get(k).copied().unwrap_or(f64::INFINITY);
        out.push((format!("rtt_ms_{}", city.id), num(rtt)));
    }
    for (k, city) in cities.iter().enumerate() {
        let rtt = r.price.rtt_p95_ms.get(k).copied().unwrap_or(f64::INFINITY);
        out.push((format!("rtt_p95_ms_{}", city.id), num(rtt)));
    }
    // Rounded once by unit (money to A$1, RTT to 0.01 ms, …) for JSON, CSV and GeoJSON alike.
    for (k, x) in &mut out {
        if let Value::Number(n) = x {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                *x = num(sitefind::report::format::round_field(k, f));
            }
        }
    }
    out
}

fn write_csv(out: &mut dyn Write, rows: &[Row], cities: &[DemandNode]) -> Result<()> {
    let err = |e: csv::Error| Error::write("<stdout>", std::io::Error::from(e));
    let mut w = csv::Writer::from_writer(out);
    let mut header_written = false;
    for r in rows {
        let rec = record(r, cities);
        if !header_written {
            w.write_record(rec.iter().map(|(k, _)| k.as_str()))
                .map_err(err)?;
            header_written = true;
        }
        w.write_record(rec.iter().map(|(_, v)| {
            match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                // merged_ids: `;`-separated ids in one cell.
                Value::Array(xs) => xs
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            }
        }))
        .map_err(err)?;
    }
    w.flush().map_err(|e| Error::write("<stdout>", e))
}

fn write_text(out: &mut dyn Write, rows: &[Row], cities: &[DemandNode]) -> std::io::Result<()> {
    let left_out = rows
        .iter()
        .filter(|r| r.price.excluded_reason.is_some())
        .count();
    writeln!(
        out,
        "{} candidates priced as the solve prices them (24/7 energy, PUE, network); {left_out} left out of the model",
        rows.len()
    )?;
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_zone: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        let c = r.candidate;
        *by_kind.entry(c.kind.as_str()).or_default() += 1;
        *by_state
            .entry(if c.state.is_empty() { "?" } else { &c.state })
            .or_default() += 1;
        *by_zone
            .entry(c.zone_id.as_deref().unwrap_or("(none)"))
            .or_default() += 1;
        for reason in r.price.excluded_reason.iter().flat_map(|s| s.split("; ")) {
            // The reason's kind: the words before its details.
            let kind = reason.split([':', '(']).next().unwrap_or(reason).trim();
            *by_reason.entry(kind).or_default() += 1;
        }
    }
    for (title, counts) in [
        ("by kind", &by_kind),
        ("by state", &by_state),
        ("by zone", &by_zone),
        ("left out", &by_reason),
    ] {
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(out, "{}", wrap(&format!("{title:>9}: "), &parts, 120))?;
    }
    write_campuses(out, rows)?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<28} {:<14} {:<5} {:<5} {:>7} {:>10} {:>9}  best RTT (median/P95)",
        "id", "kind", "state", "zone", "max_mw", "A$/MW/yr", "A$/MWh"
    )?;
    for r in rows.iter().take(TEXT_ROWS) {
        writeln!(out, "{}", text_row(r, cities))?;
    }
    if rows.len() > TEXT_ROWS {
        writeln!(
            out,
            "… {} more (use --format json or csv for all)",
            rows.len() - TEXT_ROWS
        )?;
    }
    writeln!(
        out,
        "A$/MW/yr: annual cost per MW of IT at {REFERENCE_MW} MW; A$/MWh: the 24/7 energy price"
    )?;
    writeln!(
        out,
        "* left out of the model (why: excluded_reason in --format json or csv)"
    )?;
    Ok(())
}

/// `parts` joined by `, ` after `lead`, wrapped to `width` columns under the lead.
fn wrap(lead: &str, parts: &[String], width: usize) -> String {
    let indent = " ".repeat(lead.chars().count());
    let mut out = lead.to_string();
    let mut line_len = out.chars().count();
    for (k, part) in parts.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        let add = sep.chars().count() + part.chars().count();
        if k > 0 && line_len + add > width {
            out.push_str(",\n");
            out.push_str(&indent);
            line_len = indent.chars().count();
        } else {
            out.push_str(sep);
            line_len += sep.chars().count();
        }
        out.push_str(part);
        line_len += part.chars().count();
    }
    out
}

/// One line of the text table (within 120 columns).
fn text_row(r: &Row, cities: &[DemandNode]) -> String {
    let c = r.candidate;
    let p = r.price;
    let best = (0..cities.len())
        .filter(|&k| p.rtt_ms.get(k).is_some_and(|t| t.is_finite()))
        .min_by(|&a, &b| p.rtt_ms[a].total_cmp(&p.rtt_ms[b]))
        .map_or("-".to_string(), |k| {
            let p95 = p.rtt_p95_ms.get(k).copied().unwrap_or(f64::NAN);
            format!("{:.1}/{p95:.1} ms {}", p.rtt_ms[k], cities[k].id)
        });
    let mark = if p.excluded_reason.is_some() {
        " *"
    } else {
        ""
    };
    format!(
        "{:<28} {:<14} {:<5} {:<5} {:>7.0} {:>10} {:>9.1}  {best}{mark}",
        truncate(&c.id, 28),
        c.kind.as_str(),
        c.state,
        c.zone_id.as_deref().unwrap_or("-"),
        c.max_mw,
        human_aud(p.cost_per_mw_aud_per_yr),
        p.rates.energy_price_aud_per_mwh,
    )
}

/// Money in a few significant figures: `2.28 M`, `950 k`.
fn human_aud(x: f64) -> String {
    if !x.is_finite() {
        "-".to_string()
    } else if x.abs() >= 1e9 {
        format!("{:.2} B", x / 1e9)
    } else if x.abs() >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x.abs() >= 1e3 {
        format!("{:.0} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The campuses (candidates that absorbed others closer than `campus_merge_km`), up to
/// [`TEXT_ROWS`] of them.
fn write_campuses(out: &mut dyn Write, rows: &[Row]) -> std::io::Result<()> {
    let campuses: Vec<&Candidate> = rows
        .iter()
        .map(|r| r.candidate)
        .filter(|c| !c.merged_ids.is_empty())
        .collect();
    let merged: usize = campuses.iter().map(|c| c.merged_ids.len()).sum();
    writeln!(
        out,
        " campuses: {} candidates absorbed {merged} records closer than campus_merge_km",
        campuses.len()
    )?;
    for c in campuses.iter().take(TEXT_ROWS) {
        writeln!(out, "           {} ← {}", c.id, c.merged_ids.join(", "))?;
    }
    if campuses.len() > TEXT_ROWS {
        writeln!(out, "           … {} more", campuses.len() - TEXT_ROWS)?;
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// simplestyle-spec marker colour per candidate kind.
fn marker_color(kind: &str) -> &'static str {
    match kind {
        "rez-substation" => "#2ca02c",
        "backbone" => "#1f77b4",
        "brownfield" => "#d62728",
        _ => "#7f7f7f",
    }
}

/// An RFC 7946 FeatureCollection of Points with every attribute as properties and a `bbox`.
fn geojson(rows: &[Row], cities: &[DemandNode]) -> Value {
    let mut fc = sitefind::report::geojson::FeatureCollectionBuilder::new();
    for r in rows {
        let c = r.candidate;
        let mut props: Map<String, Value> = record(r, cities).into_iter().collect();
        props.insert("marker-color".into(), marker_color(c.kind.as_str()).into());
        props.insert("title".into(), c.name.clone().into());
        props.insert(
            "description".into(),
            format!(
                "{} · {} · A${:.1} M/yr at {REFERENCE_MW} MW ({}/MW/yr) · 24/7 energy A${:.1}/MWh{}",
                c.kind,
                c.zone_name.as_deref().unwrap_or("no REZ"),
                r.price.breakdown.total_aud / 1e6,
                human_aud(r.price.cost_per_mw_aud_per_yr),
                r.price.rates.energy_price_aud_per_mwh,
                r.price
                    .excluded_reason
                    .as_ref()
                    .map(|w| format!(" · left out of the model: {w}"))
                    .unwrap_or_default()
            )
            .into(),
        );
        fc.point_with_id(&c.id, c.location, props);
    }
    serde_json::to_value(fc.finish()).unwrap_or(Value::Null)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use sitefind::candidates::CandidateKind;
    use sitefind::cost::CostModel;
    use sitefind::data::{LonLat, Workload};
    use sitefind::scenario::CostParams;

    fn candidate(id: &str, kind: CandidateKind, lon: f64, lat: f64) -> Candidate {
        Candidate {
            id: id.into(),
            name: format!("Name {id}"),
            kind,
            location: LonLat::new(lon, lat),
            state: "NSW".into(),
            region_id: Some("NSW1".into()),
            region_known: true,
            substation_id: Some("s".into()),
            substation_name: Some("S".into()),
            substation_km: Some(5.0),
            substation_kv: Some(330.0),
            zone_id: None,
            zone_name: None,
            zone_km: None,
            landing_id: Some("sydney".into()),
            landing_name: Some("Sydney".into()),
            landing_km: Some(120.0),
            backhaul_km: None,
            backhaul_landing_id: None,
            minerals_within: 2,
            nearest_mineral_id: None,
            nearest_mineral_name: None,
            nearest_mineral_km: None,
            line_km: Some(1.5),
            price_aud_per_mwh: 100.0,
            mean_temp_c: 17.0,
            max_mw: 1000.0,
            max_mw_source: "voltage class 275 kV".into(),
            merged_ids: Vec::new(),
        }
    }

    fn city(id: &str) -> DemandNode {
        DemandNode {
            id: id.into(),
            name: id.into(),
            location: LonLat::new(139.7, 35.7),
            it_load_mw: 100.0,
            max_rtt_ms: 150.0,
            workload: Workload::Inference,
            min_sites: 1,
            flexible_share: 0.0,
        }
    }

    fn prices(cands: &[Candidate]) -> Vec<CandidatePrice> {
        let m = CostModel::new(&CostParams::default()).unwrap();
        cands
            .iter()
            .map(|c| {
                let rates = m.site_rates(c, None);
                let breakdown = rates.breakdown(REFERENCE_MW, 0.0);
                CandidatePrice {
                    fixed_cost_aud_per_yr: rates.fixed_aud_per_yr(),
                    var_cost_aud_per_mw_yr: rates.per_mw_aud_per_yr(),
                    cost_per_mw_aud_per_yr: breakdown.total_aud / REFERENCE_MW,
                    breakdown,
                    rates,
                    rtt_ms: vec![110.0, f64::INFINITY],
                    rtt_p95_ms: vec![125.0, f64::INFINITY],
                    excluded_reason: (c.id == "b").then(|| "named in the scenario".to_string()),
                }
            })
            .collect()
    }

    fn rows<'a>(cands: &'a [Candidate], prices: &'a [CandidatePrice]) -> Vec<Row<'a>> {
        cands
            .iter()
            .zip(prices)
            .map(|(candidate, price)| Row { candidate, price })
            .collect()
    }

    #[test]
    fn geojson_is_rfc7946_with_bbox_rounding_and_style() {
        let cands = vec![
            candidate("a", CandidateKind::Backbone, 150.123456789, -33.5),
            candidate("b", CandidateKind::Brownfield, 151.0, -34.987654321),
        ];
        let p = prices(&cands);
        let doc = geojson(&rows(&cands, &p), &[city("tokyo"), city("osaka")]);
        assert_eq!(doc["type"], "FeatureCollection");
        assert_eq!(doc["bbox"], json!([150.1234568, -34.9876543, 151.0, -33.5]));
        let f = &doc["features"][0];
        assert_eq!(f["geometry"]["coordinates"], json!([150.1234568, -33.5]));
        assert_eq!(f["properties"]["marker-color"], "#1f77b4");
        assert_eq!(f["properties"]["title"], "Name a");
        assert_eq!(f["properties"]["rtt_ms_tokyo"], 110.0);
        assert_eq!(f["properties"]["rtt_ms_osaka"], Value::Null);
        assert_eq!(f["properties"]["rtt_p95_ms_tokyo"], 125.0);
        assert_eq!(f["properties"]["excluded_reason"], Value::Null);
        assert_eq!(
            doc["features"][1]["properties"]["excluded_reason"],
            "named in the scenario"
        );
        assert_eq!(f["properties"]["network_aud_per_yr"], 1_296_000.0);
        // It parses as GeoJSON.
        let text = serde_json::to_string(&doc).unwrap();
        let parsed: geojson::GeoJson = text.parse().unwrap();
        assert!(
            matches!(parsed, geojson::GeoJson::FeatureCollection(fc) if fc.features.len() == 2)
        );
    }

    #[test]
    fn csv_has_one_header_and_all_columns() {
        let cands = vec![candidate("a", CandidateKind::Backbone, 150.0, -33.5)];
        let mut buf = Vec::new();
        let p = prices(&cands);
        write_csv(&mut buf, &rows(&cands, &p), &[city("tokyo"), city("osaka")]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("id,name,kind,lon,lat,"));
        assert!(lines[0].ends_with(
            "cost_per_mw_aud_per_yr,rtt_ms_tokyo,rtt_ms_osaka,rtt_p95_ms_tokyo,rtt_p95_ms_osaka"
        ));
        assert!(lines[1].ends_with(",110.0,,125.0,"), "{}", lines[1]);
        // Each column once (the header is not repeated).
        let cols: Vec<&str> = lines[0].split(',').collect();
        let unique: std::collections::BTreeSet<&str> = cols.iter().copied().collect();
        assert_eq!(unique.len(), cols.len(), "{}", lines[0]);
    }

    #[test]
    fn text_summary_counts() {
        let cands = vec![
            candidate("a", CandidateKind::Backbone, 150.0, -33.5),
            candidate("b", CandidateKind::Backbone, 151.0, -33.5),
        ];
        let mut buf = Vec::new();
        let p = prices(&cands);
        write_text(&mut buf, &rows(&cands, &p), &[city("tokyo")]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("by kind: backbone 2"), "{text}");
        assert!(text.contains("110.0/125.0 ms tokyo"), "{text}");
        assert!(text.contains("left out: named in the scenario 1"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    }
}

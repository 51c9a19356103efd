//! FlatGeobuf output of [`Layer`]s (one `.fgb` file per layer) with the `flatgeobuf` crate:
//! typed columns, EPSG:4326, a packed Hilbert R-tree index.
//!
//! Line layers are written as **LineString** layers, one feature per part with a `part`
//! column (0, 1, … — more than one only where a line crosses the antimeridian): the
//! `flatgeobuf` crate omits the part index of single-part MultiLineStrings, which the format
//! allows but GDAL before 3.8 cannot read ("Unexpected nullptr: MultiLineString ends data").

use super::layers::{FieldType, Geom, GeomType, Layer, Value};
use crate::data::LonLat;
use crate::error::{Error, Result};
use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, GeomProcessor, GeozeroGeometry, PropertyProcessor};

impl GeozeroGeometry for Geom {
    fn process_geom<P: GeomProcessor>(&self, p: &mut P) -> geozero::error::Result<()> {
        fn line<P: GeomProcessor>(
            p: &mut P,
            pts: &[LonLat],
            tagged: bool,
            idx: usize,
        ) -> geozero::error::Result<()> {
            p.linestring_begin(tagged, pts.len(), idx)?;
            for (k, q) in pts.iter().enumerate() {
                p.xy(q.lon, q.lat, k)?;
            }
            p.linestring_end(tagged, idx)
        }
        match self {
            Geom::Point(q) => {
                p.point_begin(0)?;
                p.xy(q.lon, q.lat, 0)?;
                p.point_end(0)
            }
            Geom::MultiLineString(parts) if parts.len() == 1 => line(p, &parts[0], true, 0),
            Geom::MultiLineString(parts) => {
                p.multilinestring_begin(parts.len(), 0)?;
                for (k, part) in parts.iter().enumerate() {
                    line(p, part, false, k)?;
                }
                p.multilinestring_end(0)
            }
            Geom::Polygon(ring) => {
                p.polygon_begin(true, 1, 0)?;
                line(p, ring, false, 0)?;
                p.polygon_end(true, 0)
            }
        }
    }
}

/// One feature per line part, with a `part` column; each geometry a one-part MultiLineString
/// (written as a LineString).
fn explode_lines(layer: &Layer) -> Layer {
    let mut out = layer.clone();
    out.fields.push(super::layers::Field {
        name: "part".to_string(),
        ty: FieldType::Integer,
    });
    out.features = layer
        .features
        .iter()
        .flat_map(|(g, values)| {
            let parts = match g {
                Geom::MultiLineString(parts) => parts.clone(),
                other => vec![other.coords()],
            };
            parts.into_iter().enumerate().map(move |(k, part)| {
                let mut v = values.clone();
                v.push(Value::Integer(Some(k as i64)));
                (Geom::MultiLineString(vec![part]), v)
            })
        })
        .collect();
    out
}

fn fgb_err(layer: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing FlatGeobuf layer {layer}: {e}"))
}

/// One layer as a FlatGeobuf file (bytes).
pub fn to_bytes(layer: &Layer) -> Result<Vec<u8>> {
    let exploded;
    let layer = if layer.geom_type == GeomType::MultiLineString {
        exploded = explode_lines(layer);
        &exploded
    } else {
        layer
    };
    let geometry_type = match layer.geom_type {
        GeomType::Point => GeometryType::Point,
        GeomType::MultiLineString => GeometryType::LineString,
        GeomType::Polygon => GeometryType::Polygon,
    };
    let options = FgbWriterOptions {
        write_index: !layer.features.is_empty(),
        detect_type: false,
        promote_to_multi: false,
        crs: FgbCrs {
            code: 4326,
            ..Default::default()
        },
        description: Some(layer.description),
        ..Default::default()
    };
    let mut w = FgbWriter::create_with_options(layer.name, geometry_type, options)
        .map_err(|e| fgb_err(layer.name, e))?;
    for f in &layer.fields {
        let ty = match f.ty {
            FieldType::Text => ColumnType::String,
            FieldType::Real => ColumnType::Double,
            FieldType::Integer => ColumnType::Long,
            FieldType::Boolean => ColumnType::Bool,
        };
        w.add_column(&f.name, ty, |_, col| col.nullable = true);
    }
    for (g, values) in &layer.features {
        let mut result = Ok(());
        w.add_feature_geom(g.clone(), |feat| {
            for (k, (f, v)) in layer.fields.iter().zip(values).enumerate() {
                let cv = match v {
                    Value::Text(Some(s)) => ColumnValue::String(s),
                    Value::Real(Some(x)) => ColumnValue::Double(*x),
                    Value::Integer(Some(x)) => ColumnValue::Long(*x),
                    Value::Boolean(Some(x)) => ColumnValue::Bool(*x),
                    // Absent = NULL.
                    _ => continue,
                };
                if let Err(e) = feat.property(k, &f.name, &cv) {
                    result = Err(e);
                }
            }
        })
        .map_err(|e| fgb_err(layer.name, e))?;
        result.map_err(|e| fgb_err(layer.name, e))?;
    }
    let mut out = Vec::new();
    w.write(&mut out).map_err(|e| fgb_err(layer.name, e))?;
    Ok(out)
}

//! OGC GeoPackage 1.3 writer for [`Layer`]s: one SQLite file, one feature table per layer.
//!
//! Written with `rusqlite` (SQLite compiled in, no system library): the core tables
//! `gpkg_spatial_ref_sys` (with the required −1 and 0 rows and EPSG:4326), `gpkg_contents`
//! (with each layer's extent) and `gpkg_geometry_columns`; the `application_id` (`GPKG`) and
//! `user_version` (10300) pragmas; geometries as standard GeoPackageBinary (`GP` header,
//! version 0, little-endian, SRS id, envelope) followed by ISO WKB. Columns are typed
//! (`TEXT`, `REAL`, `INTEGER`, `BOOLEAN`). The database is built in memory and serialised, so
//! the caller writes the bytes atomically; `last_change` is fixed so the same answer gives the
//! same bytes.

use super::layers::{FieldType, Geom, GeomType, Layer, Value};
use crate::error::{Error, Result};
use rusqlite::{params, Connection};

/// EPSG:4326 in OGC WKT 1 (the definition the GeoPackage specification gives).
const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// `gpkg_contents.last_change`, fixed for byte-identical output.
const LAST_CHANGE: &str = "2000-01-01T00:00:00.000Z";

/// `PRAGMA application_id`: ASCII "GPKG".
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` for GeoPackage 1.3.0 (GDAL 3.6 warns on 1.4).
pub const USER_VERSION: i32 = 10300;

fn sql_err(e: rusqlite::Error) -> Error {
    Error::Internal(format!("building the GeoPackage: {e}"))
}

/// GeoPackageBinary: header (magic, version, flags, SRS id, envelope) + WKB.
pub fn gpkg_geometry(g: &Geom, srs_id: i32) -> Vec<u8> {
    let mut out = vec![b'G', b'P', 0];
    // flags: bit 0 = little-endian; bits 1–3 = envelope [minx, maxx, miny, maxy] (1), none for points (0).
    let with_env = !matches!(g, Geom::Point(_));
    out.push(if with_env { 0b0000_0011 } else { 0b0000_0001 });
    out.extend_from_slice(&srs_id.to_le_bytes());
    if with_env {
        let e = g.envelope();
        for v in [e[0], e[2], e[1], e[3]] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&g.wkb());
    out
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn sql_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "TEXT",
        FieldType::Real => "REAL",
        FieldType::Integer => "INTEGER",
        FieldType::Boolean => "BOOLEAN",
    }
}

/// The layers as a GeoPackage file (bytes).
pub fn to_bytes(layers: &[Layer]) -> Result<Vec<u8>> {
    let conn = Connection::open_in_memory().map_err(sql_err)?;
    conn.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};
         CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    ))
    .map_err(sql_err)?;
    conn.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES
           ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
           ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
           ('WGS 84 geodetic', 4326, 'EPSG', 4326, ?1, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')",
        params![WGS84_WKT],
    )
    .map_err(sql_err)?;
    for layer in layers {
        write_layer(&conn, layer)?;
    }
    let bytes = conn.serialize(rusqlite::MAIN_DB).map_err(sql_err)?;
    Ok(bytes.to_vec())
}

fn write_layer(conn: &Connection, layer: &Layer) -> Result<()> {
    let mut cols = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string(),
        format!("geom {}", layer.geom_type.ogc_name()),
    ];
    cols.extend(
        layer
            .fields
            .iter()
            .map(|f| format!("{} {}", quote(&f.name), sql_type(f.ty))),
    );
    conn.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(layer.name),
        cols.join(", ")
    ))
    .map_err(sql_err)?;
    let env = layer.envelope();
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change,
           min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?1, ?2, ?3, ?4, ?5, ?6, ?7, 4326)",
        params![
            layer.name,
            layer.description,
            LAST_CHANGE,
            env.map(|e| e[0]),
            env.map(|e| e[1]),
            env.map(|e| e[2]),
            env.map(|e| e[3])
        ],
    )
    .map_err(sql_err)?;
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
        params![layer.name, layer.geom_type.ogc_name()],
    )
    .map_err(sql_err)?;
    let placeholders: Vec<String> = (0..=layer.fields.len())
        .map(|k| format!("?{}", k + 1))
        .collect();
    let names: Vec<String> = std::iter::once("geom".to_string())
        .chain(layer.fields.iter().map(|f| quote(&f.name)))
        .collect();
    let mut stmt = conn
        .prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(layer.name),
            names.join(", "),
            placeholders.join(", ")
        ))
        .map_err(sql_err)?;
    for (g, values) in &layer.features {
        debug_assert!(matches!(
            (g, layer.geom_type),
            (Geom::Point(_), GeomType::Point)
                | (Geom::MultiLineString(_), GeomType::MultiLineString)
                | (Geom::Polygon(_), GeomType::Polygon)
        ));
        let mut row: Vec<rusqlite::types::Value> = vec![gpkg_geometry(g, 4326).into()];
        row.extend(values.iter().map(|v| match v {
            Value::Text(x) => x.clone().map_or(rusqlite::types::Value::Null, Into::into),
            Value::Real(x) => x.map_or(rusqlite::types::Value::Null, Into::into),
            Value::Integer(x) => x.map_or(rusqlite::types::Value::Null, Into::into),
            Value::Boolean(x) => x.map_or(rusqlite::types::Value::Null, |b| i64::from(b).into()),
        }));
        stmt.execute(rusqlite::params_from_iter(row))
            .map_err(sql_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::LonLat;

    #[test]
    fn geometry_header_is_standard() {
        let g = Geom::MultiLineString(vec![vec![LonLat::new(1.0, 2.0), LonLat::new(3.0, 4.0)]]);
        let b = gpkg_geometry(&g, 4326);
        assert_eq!(&b[..4], &[b'G', b'P', 0, 3]);
        assert_eq!(i32::from_le_bytes(b[4..8].try_into().unwrap()), 4326);
        let env: Vec<f64> = (0..4)
            .map(|k| f64::from_le_bytes(b[8 + 8 * k..16 + 8 * k].try_into().unwrap()))
            .collect();
        assert_eq!(env, vec![1.0, 3.0, 2.0, 4.0]);
        assert_eq!(&b[40..], &g.wkb()[..]);
        let p = gpkg_geometry(&Geom::Point(LonLat::new(1.0, 2.0)), 4326);
        assert_eq!(p[3], 1);
        assert_eq!(p.len(), 8 + 21);
    }
}

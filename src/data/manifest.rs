//! The dataset manifest: which file and format each layer comes from.
//!
//! A manifest is a TOML file with one table per layer (`zones`, `substations`, `lines`,
//! `minerals`, `landings`, `cables`, `datacentres`, `regions`; `lines` and `datacentres` are
//! optional). A layer may instead be an array of tables (`[[regions]]`): the records of its
//! files are concatenated. Each table has `format`, `path` (relative to the manifest's folder,
//! or absolute), an optional `ids = [..]` (keep only records with these ids) and any other
//! keys, kept as format options (e.g. `segments`, `routes`, `years`).
//!
//! ```toml
//! [cables]
//! format = "sitefind-csv"
//! path = "cables.csv"
//! segments = "cable_segments.csv"
//!
//! [[regions]]
//! format = "opennem-annual-csv"
//! path = "climate_prices/nem_annual.csv"
//!
//! [[regions]]
//! format = "sitefind-csv"
//! path = "regions.csv"
//! ids = ["WEM"]
//! ```
//!
//! `LayerSpec` and `LayerFormat` are the contract between the manifest and the format readers
//! in [`super::own`] and [`super::public`].

use super::validate::{validate_dataset_with, Origin, Origins};
use super::{own, public, Dataset};
use crate::error::{Error, Issues, Location, Result};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

pub use super::layer::{LayerFormat, LayerSpec};

/// A layer a manifest can name: its name, whether it is required, and the formats that can
/// hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerKind {
    /// The table name in the manifest, e.g. `zones`.
    pub name: &'static str,
    /// True if every manifest must name it.
    pub required: bool,
    /// The formats that can hold this layer.
    pub formats: &'static [LayerFormat],
}

/// The layers of a dataset, in [`Dataset::counts`] order.
pub const LAYER_KINDS: [LayerKind; 12] = [
    LayerKind {
        name: "zones",
        required: true,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::AemoIasrCsv],
    },
    LayerKind {
        name: "substations",
        required: true,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::GaGeojson],
    },
    LayerKind {
        name: "lines",
        required: false,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::GaGeojson],
    },
    LayerKind {
        name: "minerals",
        required: true,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::GaCsv],
    },
    LayerKind {
        name: "landings",
        required: true,
        formats: &[
            LayerFormat::SitefindCsv,
            LayerFormat::TelegeographyGeojson,
            LayerFormat::TelegeographyCsv,
        ],
    },
    LayerKind {
        name: "cables",
        required: true,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::TelegeographyCsv],
    },
    LayerKind {
        name: "datacentres",
        required: false,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::DcmapCsv],
    },
    LayerKind {
        name: "regions",
        required: true,
        formats: &[LayerFormat::SitefindCsv, LayerFormat::OpennemAnnualCsv],
    },
    LayerKind {
        name: "pops",
        required: false,
        formats: &[LayerFormat::SitefindCsv],
    },
    LayerKind {
        name: "grid_groups",
        required: false,
        formats: &[LayerFormat::SitefindCsv],
    },
    LayerKind {
        name: "region_limits",
        required: false,
        formats: &[LayerFormat::SitefindCsv],
    },
    LayerKind {
        name: "traces",
        required: false,
        formats: &[LayerFormat::AemoTraceCsv],
    },
];

/// One file of a layer: the reader's spec and the manifest's `ids` filter.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerFile {
    /// What the format reader gets (resolved path, format, options, label).
    pub spec: LayerSpec,
    /// Keep only the records with these ids (`None` = keep all).
    pub ids: Option<Vec<String>>,
}

/// One layer named by a manifest, with its files (one table, or several for `[[layer]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestLayer {
    /// The layer, e.g. `zones` (one of [`LAYER_KINDS`]).
    pub name: &'static str,
    /// The files whose records are concatenated into the layer, in manifest order.
    pub files: Vec<LayerFile>,
}

/// A parsed dataset manifest: for each layer it names, the files, their formats and paths
/// (resolved against the manifest's folder), `ids` filters and format options.
///
/// Parse one with [`Manifest::load`] or [`Manifest::from_toml_str`]; load the dataset it names
/// with [`Dataset::load`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    /// The manifest's label (its path, or `<embedded>/manifest.toml`).
    pub source: String,
    /// The folder relative paths resolve against.
    pub base_dir: PathBuf,
    /// The layers named, in [`LAYER_KINDS`] order.
    pub layers: Vec<ManifestLayer>,
}

/// Folder name standing for the embedded dataset.
const EMBEDDED_DIR: &str = "<embedded>";

/// The embedded dataset's files: (file name, text).
const EMBEDDED_FILES: [(&str, &str); 32] = [
    ("manifest.toml", include_str!("../../data/manifest.toml")),
    ("zones.csv", include_str!("../../data/zones.csv")),
    (
        "substations.csv",
        include_str!("../../data/substations.csv"),
    ),
    ("minerals.csv", include_str!("../../data/minerals.csv")),
    ("landings.csv", include_str!("../../data/landings.csv")),
    ("cables.csv", include_str!("../../data/cables.csv")),
    (
        "cable_segments.csv",
        include_str!("../../data/cable_segments.csv"),
    ),
    (
        "datacentres.csv",
        include_str!("../../data/datacentres.csv"),
    ),
    ("regions.csv", include_str!("../../data/regions.csv")),
    ("pops.csv", include_str!("../../data/pops.csv")),
    (
        "grid_groups.csv",
        include_str!("../../data/grid_groups.csv"),
    ),
    (
        "region_limits.csv",
        include_str!("../../data/region_limits.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_SAT_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_SAT_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_SAT_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_SAT_RefYear2018.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_WH_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_WH_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_WH_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_WH_RefYear2018.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_WM_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_WM_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N1_North_West_NSW_WM_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N1_North_West_NSW_WM_RefYear2018.csv"),
    ),
    (
        "traces/REZ_N2_New_England_SAT_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N2_New_England_SAT_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N2_New_England_SAT_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N2_New_England_SAT_RefYear2018.csv"),
    ),
    (
        "traces/REZ_N2_New_England_WH_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N2_New_England_WH_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N2_New_England_WH_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N2_New_England_WH_RefYear2018.csv"),
    ),
    (
        "traces/REZ_N2_New_England_WM_RefYear2011.csv",
        include_str!("../../data/traces/REZ_N2_New_England_WM_RefYear2011.csv"),
    ),
    (
        "traces/REZ_N2_New_England_WM_RefYear2018.csv",
        include_str!("../../data/traces/REZ_N2_New_England_WM_RefYear2018.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_SAT_RefYear2011.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_SAT_RefYear2018.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_SAT_RefYear2018.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_WH_RefYear2011.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_WH_RefYear2011.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_WH_RefYear2018.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_WH_RefYear2018.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_WM_RefYear2011.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_WM_RefYear2011.csv"),
    ),
    (
        "traces/REZ_Q1_Far_North_QLD_WM_RefYear2018.csv",
        include_str!("../../data/traces/REZ_Q1_Far_North_QLD_WM_RefYear2018.csv"),
    ),
    (
        "traces_projects/Canunda_Wind_Farm_RefYear2011.csv",
        include_str!("../../data/traces_projects/Canunda_Wind_Farm_RefYear2011.csv"),
    ),
    (
        "traces_projects/Canunda_Wind_Farm_RefYear2018.csv",
        include_str!("../../data/traces_projects/Canunda_Wind_Farm_RefYear2018.csv"),
    ),
];

fn toml_type(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string {s:?}"),
        other => format!("a {}", other.type_str()),
    }
}

/// Every top-level table of the manifest names a layer of [`LAYER_KINDS`].
fn unknown_layers(label: &str, table: &toml::Table, is: &mut Issues) {
    let layer_names: Vec<&str> = LAYER_KINDS.iter().map(|k| k.name).collect();
    for key in table.keys() {
        if !layer_names.contains(&key.as_str()) {
            is.push(
                Location::file(label).record(format!("[{key}]")),
                format!("a layer: one of {}", layer_names.join(", ")),
                format!("`{key}`"),
                "check the table name for typos",
            );
        }
    }
}

/// The tables of layer `kind` with their record names (`[zones]`, `[[cables]] #2`); `None`
/// when the layer is absent (a problem if it is required) or neither a table nor an array.
fn layer_tables<'t>(
    label: &str,
    kind: LayerKind,
    table: &'t toml::Table,
    is: &mut Issues,
) -> Option<Vec<(String, &'t toml::Table)>> {
    match table.get(kind.name) {
        None => {
            if kind.required {
                is.push(
                    Location::file(label).record(format!("[{}]", kind.name)),
                    format!("a `[{}]` table (the layer is required)", kind.name),
                    "nothing",
                    format!(
                        "add `[{}]` with `format` (one of {}) and `path`",
                        kind.name,
                        format_names(kind.formats)
                    ),
                );
            }
            None
        }
        Some(toml::Value::Table(t)) => Some(vec![(format!("[{}]", kind.name), t)]),
        Some(toml::Value::Array(items)) => Some(array_tables(label, kind, items, is)),
        Some(other) => {
            is.push(
                Location::file(label).record(kind.name),
                format!("a `[{}]` table or `[[{}]]` tables", kind.name, kind.name),
                toml_type(other),
                "",
            );
            None
        }
    }
}

/// The `[[kind]]` tables of an array layer: at least one, each a table.
fn array_tables<'t>(
    label: &str,
    kind: LayerKind,
    items: &'t [toml::Value],
    is: &mut Issues,
) -> Vec<(String, &'t toml::Table)> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            toml::Value::Table(t) => {
                out.push((format!("[[{}]] #{}", kind.name, i + 1), t));
            }
            other => is.push(
                Location::file(label).record(format!("[[{}]] #{}", kind.name, i + 1)),
                "a table with `format` and `path`",
                toml_type(other),
                format!("write each file as its own `[[{}]]` table", kind.name),
            ),
        }
    }
    if items.is_empty() {
        is.push(
            Location::file(label).record(kind.name),
            "at least one table",
            "an empty array",
            "",
        );
    }
    out
}

impl Manifest {
    /// Parses a manifest's text; `label` names it in errors and relative paths resolve against
    /// `base_dir`. All problems (unknown layers or formats, missing keys, missing required
    /// layers) are reported together.
    pub fn from_toml_str(label: &str, text: &str, base_dir: &Path) -> Result<Manifest> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::Parse {
            at: Location::file(label),
            message: e.to_string().trim_end().to_string(),
            hint: "a manifest is TOML: one `[layer]` table per layer with `format` and `path`"
                .to_string(),
        })?;
        let mut is = Issues::new();
        unknown_layers(label, &table, &mut is);
        let mut layers = Vec::new();
        for kind in LAYER_KINDS {
            let Some(tables) = layer_tables(label, kind, &table, &mut is) else {
                continue;
            };
            let mut files = Vec::new();
            for (record, t) in tables {
                if let Some(file) = parse_layer_table(label, &record, kind, t, base_dir, &mut is) {
                    files.push(file);
                }
            }
            layers.push(ManifestLayer {
                name: kind.name,
                files,
            });
        }
        is.into_result(Manifest {
            source: label.to_string(),
            base_dir: base_dir.to_path_buf(),
            layers,
        })
    }

    /// Reads and parses a manifest file; relative paths resolve against its folder.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = crate::input::read_text(path)?;
        let base_dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Manifest::from_toml_str(&path.display().to_string(), &text, &base_dir)
    }

    /// The embedded default manifest (`data/manifest.toml`).
    pub fn embedded() -> Result<Manifest> {
        let text = embedded_text(&Path::new(EMBEDDED_DIR).join("manifest.toml"))?;
        Manifest::from_toml_str(
            &format!("{EMBEDDED_DIR}/manifest.toml"),
            text,
            Path::new(EMBEDDED_DIR),
        )
    }

    /// The files of layer `name` (empty if the manifest does not name it).
    pub fn layer(&self, name: &str) -> &[LayerFile] {
        self.layers
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.files.as_slice())
            .unwrap_or(&[])
    }

    fn is_embedded(&self) -> bool {
        self.base_dir == Path::new(EMBEDDED_DIR)
    }
}

fn format_names(formats: &[LayerFormat]) -> String {
    formats
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses one layer table; problems go to `is`.
fn parse_layer_table(
    label: &str,
    record: &str,
    kind: LayerKind,
    t: &toml::Table,
    base_dir: &Path,
    is: &mut Issues,
) -> Option<LayerFile> {
    let at = |field: &str| Location::file(label).record(record).field(field);
    let before = is.0.len();
    let format = layer_format(&at, kind, t, is);
    let path = layer_path(&at, t, base_dir, is);
    let ids = layer_ids(&at, t, is);
    let options: BTreeMap<String, toml::Value> = t
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "format" | "path" | "ids"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if format == Some(LayerFormat::SitefindCsv) {
        sitefind_csv_options(&at, kind, &options, is);
    }
    if is.0.len() != before {
        return None;
    }
    let (format, path) = (format?, path?);
    Some(LayerFile {
        spec: LayerSpec {
            label: path.display().to_string(),
            path,
            format,
            base_dir: base_dir.to_path_buf(),
            options,
        },
        ids,
    })
}

/// The layer's `format` key: a known format that holds `kind`.
fn layer_format(
    at: &dyn Fn(&str) -> Location,
    kind: LayerKind,
    t: &toml::Table,
    is: &mut Issues,
) -> Option<LayerFormat> {
    let s = match t.get("format") {
        Some(toml::Value::String(s)) => s,
        Some(other) => {
            is.push(at("format"), "a string", toml_type(other), "");
            return None;
        }
        None => {
            is.push(
                at("format"),
                "a `format` key",
                "nothing",
                format!(
                    "add `format = \"…\"`, one of {}",
                    format_names(kind.formats)
                ),
            );
            return None;
        }
    };
    match LayerFormat::from_name(s) {
        Some(f) if kind.formats.contains(&f) => Some(f),
        Some(f) => {
            is.push(
                at("format"),
                format!(
                    "a format for {}: one of {}",
                    kind.name,
                    format_names(kind.formats)
                ),
                format!("`{}`", f.name()),
                format!("`{}` does not hold {}", f.name(), kind.name),
            );
            None
        }
        None => {
            is.push(
                at("format"),
                format!("one of {}", format_names(&LayerFormat::ALL)),
                format!("`{s}`"),
                format!(
                    "for {} use one of {}",
                    kind.name,
                    format_names(kind.formats)
                ),
            );
            None
        }
    }
}

/// The layer's `path` key: a non-empty string, relative to the manifest's folder.
fn layer_path(
    at: &dyn Fn(&str) -> Location,
    t: &toml::Table,
    base_dir: &Path,
    is: &mut Issues,
) -> Option<PathBuf> {
    match t.get("path") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(base_dir.join(s)),
        Some(other) => {
            is.push(at("path"), "a non-empty string", toml_type(other), "");
            None
        }
        None => {
            is.push(
                at("path"),
                "a `path` key",
                "nothing",
                "add `path = \"file\"` (relative to the manifest's folder)",
            );
            None
        }
    }
}

/// The layer's optional `ids` key: an array of strings.
fn layer_ids(
    at: &dyn Fn(&str) -> Location,
    t: &toml::Table,
    is: &mut Issues,
) -> Option<Vec<String>> {
    match t.get("ids") {
        None => None,
        Some(toml::Value::Array(items)) => {
            let mut ids = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => ids.push(s.to_string()),
                    None => is.push(at("ids"), "an array of strings", toml_type(item), ""),
                }
            }
            Some(ids)
        }
        Some(other) => {
            is.push(
                at("ids"),
                "an array of strings, e.g. ids = [\"WEM\"]",
                toml_type(other),
                "",
            );
            None
        }
    }
}

/// A `sitefind-csv` layer takes no options but `segments` (a file path, cables only).
fn sitefind_csv_options(
    at: &dyn Fn(&str) -> Location,
    kind: LayerKind,
    options: &BTreeMap<String, toml::Value>,
    is: &mut Issues,
) {
    let allowed: &[&str] = if kind.name == "cables" {
        &["segments"]
    } else {
        &[]
    };
    for key in options.keys() {
        if !allowed.contains(&key.as_str()) {
            is.push(
                at(key),
                if allowed.is_empty() {
                    "only format, path, ids".to_string()
                } else {
                    format!("only format, path, ids, {}", allowed.join(", "))
                },
                format!("unknown key `{key}`"),
                "check the key for typos",
            );
        }
    }
    if let Some(v) = options.get("segments") {
        if !v.is_str() {
            is.push(at("segments"), "a file path string", toml_type(v), "");
        }
    }
}

/// The embedded text for a path under `<embedded>/`.
fn embedded_text(path: &Path) -> Result<&'static str> {
    let name = path
        .strip_prefix(EMBEDDED_DIR)
        .ok()
        .and_then(|p| p.to_str())
        .unwrap_or("");
    EMBEDDED_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            Error::Internal(format!(
                "{}: not among the embedded data files",
                path.display()
            ))
        })
}

/// Reads a file's text, from disk or from the embedded table.
fn read_text(path: &Path, embedded: bool) -> Result<String> {
    if embedded {
        embedded_text(path).map(str::to_string)
    } else {
        crate::input::read_text(path)
    }
}

/// Records with their origin, before sorting.
type Loaded<T> = Vec<(Origin, T)>;

/// Tags own-format records with `line N` origins.
fn lined<T>(label: &str, v: Vec<own::Lined<T>>) -> Loaded<T> {
    v.into_iter()
        .map(|(line, t)| {
            (
                Origin {
                    file: label.to_string(),
                    record: format!("line {line}"),
                },
                t,
            )
        })
        .collect()
}

/// Tags public-format records with `record N` origins (reader order).
fn indexed<T>(label: &str, v: Vec<T>) -> Loaded<T> {
    v.into_iter()
        .enumerate()
        .map(|(i, t)| {
            (
                Origin {
                    file: label.to_string(),
                    record: format!("record {i}"),
                },
                t,
            )
        })
        .collect()
}

/// Which layer a file is read for, so one dispatcher serves every layer type.
trait LayerRecord: Sized {
    fn id(&self) -> &str;
    fn read(file: &LayerSpec, embedded: bool) -> Result<Loaded<Self>>;
}

fn not_embeddable(spec: &LayerSpec) -> Error {
    Error::Internal(format!(
        "{}: the embedded manifest may only use sitefind-csv, found {}",
        spec.label,
        spec.format.name()
    ))
}

macro_rules! layer_record {
    ($ty:ty, $own:path, $public:path) => {
        impl LayerRecord for $ty {
            fn id(&self) -> &str {
                &self.id
            }
            fn read(spec: &LayerSpec, embedded: bool) -> Result<Loaded<Self>> {
                match spec.format {
                    LayerFormat::SitefindCsv => {
                        let text = read_text(&spec.path, embedded)?;
                        Ok(lined(&spec.label, $own(&spec.label, &text)?))
                    }
                    _ if embedded => Err(not_embeddable(spec)),
                    _ => Ok(indexed(&spec.label, $public(spec)?)),
                }
            }
        }
    };
}

layer_record!(
    super::RenewableZone,
    own::parse_zones_lined,
    public::load_zones
);
layer_record!(
    super::Substation,
    own::parse_substations_lined,
    public::load_substations
);
layer_record!(
    super::TransmissionLine,
    own::parse_lines_lined,
    public::load_lines
);
layer_record!(
    super::MineralSite,
    own::parse_minerals_lined,
    public::load_minerals
);
layer_record!(
    super::LandingStation,
    own::parse_landings_lined,
    public::load_landings
);
layer_record!(
    super::ExistingDataCentre,
    own::parse_datacentres_lined,
    public::load_datacentres
);
layer_record!(
    super::RegionProfile,
    own::parse_regions_lined,
    public::load_regions
);

impl LayerRecord for super::PointOfPresence {
    fn id(&self) -> &str {
        &self.id
    }
    fn read(spec: &LayerSpec, embedded: bool) -> Result<Loaded<Self>> {
        let text = read_text(&spec.path, embedded)?;
        Ok(lined(
            &spec.label,
            own::parse_pops_lined(&spec.label, &text)?,
        ))
    }
}

/// Grid-limit layers exist only in sitefind's own format (the public AEMO tables they come from
/// are not in `../shared/data`; see data/SOURCES.md).
macro_rules! own_only_layer_record {
    ($ty:ty, $own:path) => {
        impl LayerRecord for $ty {
            fn id(&self) -> &str {
                &self.id
            }
            fn read(spec: &LayerSpec, embedded: bool) -> Result<Loaded<Self>> {
                match spec.format {
                    LayerFormat::SitefindCsv => {
                        let text = read_text(&spec.path, embedded)?;
                        Ok(lined(&spec.label, $own(&spec.label, &text)?))
                    }
                    _ => Err(Error::Internal(format!(
                        "{}: only sitefind-csv holds this layer, found {}",
                        spec.label,
                        spec.format.name()
                    ))),
                }
            }
        }
    };
}

own_only_layer_record!(super::GridGroup, own::parse_grid_groups_lined);
own_only_layer_record!(super::RegionGridLimit, own::parse_region_limits_lined);

impl LayerRecord for super::CableSystem {
    fn id(&self) -> &str {
        &self.id
    }
    fn read(spec: &LayerSpec, embedded: bool) -> Result<Loaded<Self>> {
        match spec.format {
            LayerFormat::SitefindCsv => {
                let text = read_text(&spec.path, embedded)?;
                let rows = own::parse_cables_lined(&spec.label, &text)?;
                let (lines, mut cables): (Vec<u64>, Vec<_>) = rows.into_iter().unzip();
                if let Some(seg_path) = spec.extra_path("segments") {
                    let seg_label = seg_path.display().to_string();
                    let seg_text = read_text(&seg_path, embedded)?;
                    let segments = own::parse_segments(&seg_label, &seg_text)?;
                    own::attach_segments(&mut cables, segments, &seg_label)?;
                }
                Ok(lined(&spec.label, lines.into_iter().zip(cables).collect()))
            }
            _ if embedded => Err(not_embeddable(spec)),
            _ => Ok(indexed(&spec.label, public::load_cables(spec)?)),
        }
    }
}

/// Reads every file of one layer, applies `ids`, concatenates and sorts by id (stable).
fn load_layer<T: LayerRecord>(
    manifest: &Manifest,
    name: &'static str,
    errors: &mut Vec<Error>,
    origins: &mut Origins,
) -> Vec<T> {
    let embedded = manifest.is_embedded();
    let mut all: Loaded<T> = Vec::new();
    for file in manifest.layer(name) {
        match T::read(&file.spec, embedded) {
            Ok(mut records) => {
                if let Some(ids) = &file.ids {
                    let found: HashSet<&str> = records.iter().map(|(_, r)| r.id()).collect();
                    let mut is = Issues::new();
                    for id in ids {
                        if !found.contains(id.as_str()) {
                            is.push(
                                Location::file(&manifest.source)
                                    .record(format!("[{name}] {}", file.spec.label))
                                    .field("ids"),
                                format!("ids of records in {}", file.spec.label),
                                format!("`{id}`, which the file does not contain"),
                                "check the id's spelling, or remove it from `ids`",
                            );
                        }
                    }
                    if !is.is_empty() {
                        errors.push(Error::Invalid(is.0));
                    }
                    let keep: HashSet<&str> = ids.iter().map(String::as_str).collect();
                    records.retain(|(_, r)| keep.contains(r.id()));
                }
                all.extend(records);
            }
            Err(e) => errors.push(e),
        }
    }
    all.sort_by(|a, b| a.1.id().cmp(b.1.id()));
    let (o, records): (Vec<Origin>, Vec<T>) = all.into_iter().unzip();
    origins.0.insert(name, o);
    records
}

/// The file names in an embedded folder (`<embedded>/traces`), or `None` if `path` is not one.
fn embedded_folder(path: &Path) -> Option<Vec<String>> {
    let dir = path.strip_prefix(EMBEDDED_DIR).ok()?.to_str()?.to_string();
    let prefix = format!("{dir}/");
    let names: Vec<String> = EMBEDDED_FILES
        .iter()
        .filter_map(|(n, _)| n.strip_prefix(prefix.as_str()).map(str::to_string))
        .collect();
    (!names.is_empty()).then_some(names)
}

/// The file names in a folder on disk, or `None` if `path` is not a folder.
fn disk_folder(path: &Path) -> Option<Vec<String>> {
    if !path.is_dir() {
        return None;
    }
    let mut names: Vec<String> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    Some(names)
}

/// Reads the `traces` layer (AEMO trace files; `ids` keeps those zones), sorted by zone,
/// technology and reference year.
fn load_trace_layer(manifest: &Manifest, errors: &mut Vec<Error>) -> Vec<super::traces::Trace> {
    let embedded = manifest.is_embedded();
    let read = |p: &Path| read_text(p, embedded);
    let list = |p: &Path| {
        if embedded {
            embedded_folder(p)
        } else {
            disk_folder(p)
        }
    };
    let mut all = Vec::new();
    for file in manifest.layer("traces") {
        match super::traces::load_traces(&file.spec, &read, &list) {
            Ok(mut t) => {
                if let Some(ids) = &file.ids {
                    t.retain(|x| ids.contains(&x.zone_id));
                }
                all.extend(t);
            }
            Err(e) => errors.push(e),
        }
    }
    all.sort_by(|a, b| {
        (&a.zone_id, &a.technology, a.reference_year).cmp(&(
            &b.zone_id,
            &b.technology,
            b.reference_year,
        ))
    });
    all
}

/// Loads every layer a manifest names and validates the dataset.
fn load_manifest(manifest: &Manifest) -> Result<Dataset> {
    let mut errors = Vec::new();
    let mut origins = Origins::default();
    let mut ds = Dataset {
        source: manifest.source.clone(),
        ..Default::default()
    };
    ds.zones = load_layer(manifest, "zones", &mut errors, &mut origins);
    ds.substations = load_layer(manifest, "substations", &mut errors, &mut origins);
    ds.lines = load_layer(manifest, "lines", &mut errors, &mut origins);
    ds.minerals = load_layer(manifest, "minerals", &mut errors, &mut origins);
    ds.landings = load_layer(manifest, "landings", &mut errors, &mut origins);
    ds.cables = load_layer(manifest, "cables", &mut errors, &mut origins);
    ds.datacentres = load_layer(manifest, "datacentres", &mut errors, &mut origins);
    ds.regions = load_layer(manifest, "regions", &mut errors, &mut origins);
    ds.pops = load_layer(manifest, "pops", &mut errors, &mut origins);
    ds.grid_groups = load_layer(manifest, "grid_groups", &mut errors, &mut origins);
    ds.region_limits = load_layer(manifest, "region_limits", &mut errors, &mut origins);
    ds.traces = load_trace_layer(manifest, &mut errors);
    if !errors.is_empty() {
        return Err(merge_errors(errors));
    }
    validate_dataset_with(&ds, &origins)?;
    Ok(ds)
}

/// One error from many: the first that is not a list of record problems, else all record
/// problems merged into one list.
fn merge_errors(errors: Vec<Error>) -> Error {
    let mut issues = Vec::new();
    for e in errors {
        match e {
            Error::Invalid(list) => issues.extend(list),
            other => return other,
        }
    }
    Error::Invalid(issues)
}

impl Dataset {
    /// Loads and validates the dataset a manifest names.
    ///
    /// Each layer's files are read by their format's reader, concatenated, filtered by `ids`,
    /// sorted by id, and the whole dataset is checked by
    /// [`super::validate::validate_dataset`]; every problem found is reported.
    pub fn load(path: &Path) -> Result<Dataset> {
        load_manifest(&Manifest::load(path)?)
    }

    /// The default Australian dataset embedded in the binary (`data/`).
    pub fn embedded() -> Result<Dataset> {
        load_manifest(&Manifest::embedded()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_parses() {
        let m = Manifest::embedded().unwrap();
        assert_eq!(m.layer("zones").len(), 1);
        assert_eq!(m.layer("zones")[0].spec.label, "<embedded>/zones.csv");
        assert_eq!(m.layer("zones")[0].spec.format, LayerFormat::SitefindCsv);
        assert!(m.layer("lines").is_empty());
        assert_eq!(
            m.layer("cables")[0].spec.extra_path("segments"),
            Some(PathBuf::from("<embedded>/cable_segments.csv"))
        );
    }

    #[test]
    fn every_format_name_round_trips() {
        for f in LayerFormat::ALL {
            assert_eq!(LayerFormat::from_name(f.name()), Some(f));
        }
        assert_eq!(LayerFormat::from_name("shapefile"), None);
    }

    #[test]
    fn array_tables_options_and_errors() {
        let text = r#"
[zones]
format = "aemo-iasr-csv"
path = "rez.csv"
years = [2025]
[substations]
format = "ga-geojson"
path = "/abs/subs.geojson"
[minerals]
format = "ga-csv"
path = "m.csv"
[landings]
format = "telegeography-geojson"
path = "l.geojson"
[cables]
format = "telegeography-csv"
path = "c.csv"
routes = "r.geojson"
[[regions]]
format = "opennem-annual-csv"
path = "nem.csv"
[[regions]]
format = "sitefind-csv"
path = "regions.csv"
ids = ["WEM"]
"#;
        let m = Manifest::from_toml_str("m.toml", text, Path::new("/data")).unwrap();
        let regions = m.layer("regions");
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].ids, Some(vec!["WEM".to_string()]));
        assert_eq!(regions[0].spec.path, PathBuf::from("/data/nem.csv"));
        let subs = &m.layer("substations")[0].spec;
        assert_eq!(subs.path, PathBuf::from("/abs/subs.geojson"));
        let cables = &m.layer("cables")[0].spec;
        assert_eq!(
            cables.extra_path("routes"),
            Some(PathBuf::from("/data/r.geojson"))
        );
        assert!(m.layer("zones")[0].spec.options.contains_key("years"));

        let bad = text
            .replace("\"ga-csv\"", "\"shapefile\"")
            .replace("[landings]", "[landing]")
            .replace("format = \"dcmap-csv\"", "");
        let e = Manifest::from_toml_str("m.toml", &bad, Path::new("/data"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.toml: [minerals]: field `format`: expected one of sitefind-csv"),
            "{e}"
        );
        assert!(e.contains("found `shapefile`"), "{e}");
        assert!(
            e.contains("for minerals use one of sitefind-csv, ga-csv"),
            "{e}"
        );
        assert!(e.contains("[landing]: expected a layer"), "{e}");
        assert!(
            e.contains("[landings]: expected a `[landings]` table"),
            "{e}"
        );
    }

    #[test]
    fn wrong_format_for_layer_and_bad_toml() {
        let e = Manifest::from_toml_str(
            "m.toml",
            "[zones]\nformat = \"ga-csv\"\npath = \"z\"\n",
            Path::new("."),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`ga-csv` does not hold zones"), "{e}");
        let e = Manifest::from_toml_str("m.toml", "[zones\n", Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.toml: cannot parse"), "{e}");
    }
}

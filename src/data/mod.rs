//! Typed, validated data layers: what sitefind knows about Australia's grid, renewable-energy
//! zones, minerals, submarine cables and Japan's demand.
//!
//! Coordinates are WGS 84 longitude/latitude in degrees, in that order (RFC 7946). Every
//! numeric field names its unit (`_mw`, `_kv`, `_km`, `_aud_per_mwh`, …).
//!
//! A [`Dataset`] is loaded from a manifest ([`manifest`]) that names each layer's file and
//! format; two families of formats are read natively: sitefind's own simple CSV schemas
//! ([`own`]) and the public formats as published ([`public`]). [`Dataset::embedded`] loads the
//! default Australian dataset compiled into the binary.

use serde::{Deserialize, Serialize};

pub mod demand;
pub mod layer;
pub mod manifest;
pub mod own;
pub mod public;
pub mod traces;
pub mod validate;

pub use demand::Demand;
pub use layer::{LayerFormat, LayerSpec};
pub use manifest::Manifest;

/// sitefind's offshore wind capacity-factor assumption (`data/SOURCES.md`): the capacity factor
/// recorded for offshore wind areas that have no trace of their own.
pub const ASSUMED_OFFSHORE_WIND_CAPACITY_FACTOR: f64 = 0.45;

/// A WGS 84 position: longitude then latitude, degrees (RFC 7946 order).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    /// Longitude, degrees east, −180..=180.
    pub lon: f64,
    /// Latitude, degrees north, −90..=90.
    pub lat: f64,
}

impl LonLat {
    /// A position from longitude and latitude in degrees.
    pub const fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }
}

/// The kind of compute a Japanese demand node buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// Model training: latency-tolerant, power-hungry.
    Training,
    /// Inference serving: latency-sensitive.
    Inference,
    /// Storage / backup.
    Storage,
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Workload::Training => "training",
            Workload::Inference => "inference",
            Workload::Storage => "storage",
        })
    }
}

/// A Japanese city (or prefecture) that buys compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandNode {
    /// Unique id, e.g. `tokyo`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Where the demand is (city centre).
    pub location: LonLat,
    /// IT load to serve, MW (> 0).
    pub it_load_mw: f64,
    /// Round-trip-time limit to any site serving it, ms (> 0).
    pub max_rtt_ms: f64,
    /// Workload class.
    pub workload: Workload,
    /// Redundancy: served by at least this many sites (≥ 1).
    pub min_sites: u32,
    /// Share f of the load that may move within each day, 0..=0.5 (docs/energy.md, "Flexible
    /// load in the siting model"); 0 (the default) is a flat load.
    #[serde(default, skip_serializing_if = "is_zero_share")]
    pub flexible_share: f64,
}

fn is_zero_share(v: &f64) -> bool {
    *v == 0.0
}

/// An AEMO renewable-energy zone (REZ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewableZone {
    /// AEMO id, e.g. `N3`.
    pub id: String,
    /// Name, e.g. `Central-West Orana`.
    pub name: String,
    /// NEM region id, e.g. `NSW1` (see [`RegionProfile::id`]).
    pub region: String,
    /// Approximate centre.
    pub centre: LonLat,
    /// Radius around the centre that counts as "in the zone", km (used when no polygon).
    pub radius_km: f64,
    /// Outer ring of the zone's polygon (lon/lat, closed), if known.
    pub polygon: Option<Vec<LonLat>>,
    /// Existing transmission network limit for new load/generation, MW; `None` = governed by a
    /// group constraint (treated as unlimited at this level).
    pub network_limit_mw: Option<f64>,
    /// Network expansion cost beyond the limit, AUD per MW (capital, first tranche).
    pub expansion_cost_aud_per_mw: f64,
    /// Second-tranche expansion cost, AUD per MW, if any.
    pub expansion_cost_tranche2_aud_per_mw: Option<f64>,
    /// Expansion MW after which tranche 2 applies, if any.
    pub tranche2_after_mw: Option<f64>,
    /// Solar resource limit, MW, if known.
    pub solar_resource_mw: Option<f64>,
    /// Wind resource limit, MW, if known.
    pub wind_resource_mw: Option<f64>,
    /// Solar capacity factor, 0..1, if known.
    pub solar_capacity_factor: Option<f64>,
    /// Wind capacity factor, 0..1, if known.
    pub wind_capacity_factor: Option<f64>,
}

/// A transmission substation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Substation {
    /// Unique id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Highest nominal voltage, kV.
    pub voltage_kv: f64,
    /// Australian state or territory code (`NSW`, `QLD`, `VIC`, `SA`, `TAS`, `WA`, `NT`, `ACT`),
    /// empty if unknown.
    pub state: String,
    /// Spare capacity for new load, MW, if known (else derived from the voltage class).
    pub spare_mw: Option<f64>,
    /// False for substations recorded as not operational.
    pub operational: bool,
}

/// A transmission line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransmissionLine {
    /// Unique id.
    pub id: String,
    /// Name, e.g. `A to B`.
    pub name: String,
    /// Nominal voltage, kV.
    pub voltage_kv: f64,
    /// State code, empty if unknown.
    pub state: String,
    /// The line's vertices (lon/lat), at least two.
    pub path: Vec<LonLat>,
    /// False for lines recorded as not operational.
    pub operational: bool,
}

/// A mine or mineral deposit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MineralSite {
    /// Unique id (GA feature id or our own).
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Primary commodities as published.
    pub commodities: Vec<String>,
    /// Critical-mineral groups among them (empty = not critical).
    pub critical: Vec<String>,
    /// Status, e.g. `operating mine`, `mineral deposit`.
    pub status: String,
}

impl MineralSite {
    /// True if the site holds at least one critical mineral.
    pub fn is_critical(&self) -> bool {
        !self.critical.is_empty()
    }
}

/// A submarine-cable landing station (in Australia, Japan or a transit hub).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandingStation {
    /// Unique id, e.g. `sydney-nsw-australia`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Country name, e.g. `Australia`, `Japan`, `Guam`.
    pub country: String,
}

/// An internet exchange / cloud point of presence: where traffic from a place enters the
/// backbone (the latency model routes every place through its nearest PoP; see
/// `crate::latency`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointOfPresence {
    /// Unique id, e.g. `pop-sydney`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Country name, spelled as in the landing layer (`Australia`, `Japan`).
    pub country: String,
    /// International capacity is handed over here: the PoP connects to the country's cable
    /// landings; a non-gateway PoP reaches them through a gateway PoP.
    pub gateway: bool,
}

/// One segment of a cable system between two of its landing stations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CableSegment {
    /// Landing station id at one end.
    pub from: String,
    /// Landing station id at the other end.
    pub to: String,
    /// Fibre length, km.
    pub length_km: f64,
    /// Where the length comes from: `published` or `drawn-route` (or another short label).
    pub length_source: String,
}

/// A submarine cable system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CableSystem {
    /// Unique id, e.g. `japan-guam-australia-south-jga-s`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Landing station ids (all must exist in the landing layer).
    pub landing_ids: Vec<String>,
    /// Published system length, km, if known.
    pub length_km: Option<f64>,
    /// Segments between landings (may be empty: then derived from the route or system length).
    pub segments: Vec<CableSegment>,
    /// Drawn route (lines of lon/lat), if known.
    pub route: Vec<Vec<LonLat>>,
    /// Ready-for-service year, if known.
    pub rfs_year: Option<u32>,
    /// True if not yet in service.
    pub planned: bool,
    /// Owners as published (consortium members; empty = unknown). The sovereignty filter
    /// `[latency] cable_owners` keeps only cables with one of its owners.
    #[serde(default)]
    pub owners: Vec<String>,
}

/// An existing data centre (brownfield candidate and context).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExistingDataCentre {
    /// Unique id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Position.
    pub location: LonLat,
    /// Operator, empty if unknown.
    pub operator: String,
    /// ISO country code, `AU` or `JP`.
    pub country: String,
    /// State code (AU), empty if unknown.
    pub state: String,
}

/// A market region's price and climate (NEM regions and WA's WEM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionProfile {
    /// Region id: `NSW1`, `QLD1`, `VIC1`, `SA1`, `TAS1`, `WEM`, …
    pub id: String,
    /// Name.
    pub name: String,
    /// State codes this region covers, e.g. `["NSW", "ACT"]`.
    pub states: Vec<String>,
    /// Wholesale electricity price, AUD per MWh (volume-weighted average).
    pub price_aud_per_mwh: f64,
    /// Mean air temperature, °C.
    pub mean_temp_c: f64,
}

/// How a [`GridGroup`]'s limit arises in AEMO's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GridGroupKind {
    /// An AEMO REZ group constraint (IASR "group constraint", ISP `ExportGroup_*` row).
    RezGroup,
    /// A sub-regional flow path whose transfer capability governs the zones of its sub-region.
    SubregionalFlowPath,
}

impl GridGroupKind {
    /// The name used in files and reports (`rez-group`, `subregional-flow-path`).
    pub fn name(self) -> &'static str {
        match self {
            GridGroupKind::RezGroup => "rez-group",
            GridGroupKind::SubregionalFlowPath => "subregional-flow-path",
        }
    }
}

/// A network limit shared by several REZs (AEMO group constraint or sub-regional flow path):
/// the grid draw of every site drawing on a member zone, summed, must stay within `limit_mw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridGroup {
    /// AEMO's id, e.g. `NQ1`, `SWNSW1`, or the flow path, e.g. `CQ-NQ`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Group constraint or sub-regional flow path.
    pub kind: GridGroupKind,
    /// NEM region id of the members, e.g. `QLD1`.
    pub region: String,
    /// Member zone ids (at least one).
    pub members: Vec<String>,
    /// The group's limit, MW (summer typical).
    pub limit_mw: f64,
    /// AEMO's indicative expansion cost, AUD per MW, where given (informational: group limits
    /// are hard in sitefind, see `grid`).
    pub expansion_cost_aud_per_mw: Option<f64>,
    /// True where the figure is sitefind's estimate rather than an AEMO limit as published.
    pub estimate: bool,
}

/// A market region's size for the regional check on new load (`grid`): mean operational
/// demand and import capability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionGridLimit {
    /// Region id (a [`RegionProfile::id`]), e.g. `TAS1`.
    pub id: String,
    /// Mean operational demand, MW.
    pub mean_demand_mw: f64,
    /// Import capability over interconnectors into the region, MW.
    pub import_capability_mw: f64,
    /// True where the figures are sitefind's estimates.
    pub estimate: bool,
}

/// All layers of a dataset, each sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Where the dataset came from (manifest path or `<embedded>`).
    pub source: String,
    /// Renewable-energy zones.
    pub zones: Vec<RenewableZone>,
    /// Substations.
    pub substations: Vec<Substation>,
    /// Transmission lines (may be empty).
    pub lines: Vec<TransmissionLine>,
    /// Mines and deposits.
    pub minerals: Vec<MineralSite>,
    /// Landing stations.
    pub landings: Vec<LandingStation>,
    /// Cable systems.
    pub cables: Vec<CableSystem>,
    /// Existing data centres.
    pub datacentres: Vec<ExistingDataCentre>,
    /// Region price and climate profiles.
    pub regions: Vec<RegionProfile>,
    /// Internet exchanges / cloud points of presence (may be empty: places then attach to
    /// landings directly).
    #[serde(default)]
    pub pops: Vec<PointOfPresence>,
    /// Network limits shared by several zones (may be empty).
    #[serde(default)]
    pub grid_groups: Vec<GridGroup>,
    /// Regional size for the new-load check (may be empty).
    #[serde(default)]
    pub region_limits: Vec<RegionGridLimit>,
    /// AEMO half-hourly solar and wind traces (may be empty), sorted by zone, technology and
    /// reference year. Not serialised with the dataset (they are large; the manifest names them).
    #[serde(skip)]
    pub traces: Vec<traces::Trace>,
}

impl Dataset {
    /// Layer names and record counts, in a fixed order (as printed by `sitefind validate`).
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("zones", self.zones.len()),
            ("substations", self.substations.len()),
            ("lines", self.lines.len()),
            ("minerals", self.minerals.len()),
            ("landings", self.landings.len()),
            ("cables", self.cables.len()),
            ("datacentres", self.datacentres.len()),
            ("regions", self.regions.len()),
            ("pops", self.pops.len()),
            ("grid_groups", self.grid_groups.len()),
            ("region_limits", self.region_limits.len()),
            ("traces", self.traces.len()),
        ]
    }

    /// The region profile covering an Australian state code, if any.
    pub fn region_for_state(&self, state: &str) -> Option<&RegionProfile> {
        self.regions
            .iter()
            .find(|r| r.states.iter().any(|s| s.eq_ignore_ascii_case(state)))
    }
}

/// Australia's bounding box, lon/lat degrees: `[min_lon, min_lat, max_lon, max_lat]`: the
/// mainland, Tasmania and the external territories that carry infrastructure records
/// (Christmas and Cocos Islands to the west, Lord Howe and Norfolk Islands to the east,
/// Macquarie Island to the south; GA's mineral layer has records on Christmas Island). Used to
/// catch coordinates from elsewhere and swapped lon/lat.
pub const AUSTRALIA_BBOX: [f64; 4] = [96.0, -55.0, 168.5, -9.0];

/// Japan's bounding box, lon/lat degrees: `[min_lon, min_lat, max_lon, max_lat]`.
pub const JAPAN_BBOX: [f64; 4] = [122.0, 24.0, 146.5, 46.0];

/// True if `p` lies in `bbox` (`[min_lon, min_lat, max_lon, max_lat]`).
pub fn in_bbox(p: LonLat, bbox: [f64; 4]) -> bool {
    p.lon >= bbox[0] && p.lon <= bbox[2] && p.lat >= bbox[1] && p.lat <= bbox[3]
}

/// Normalises an Australian state name or code to its code (`New South Wales` → `NSW`).
/// Returns an empty string for unknown input.
pub fn state_code(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    let code = match n.as_str() {
        "nsw" | "new south wales" => "NSW",
        "qld" | "ql" | "queensland" => "QLD",
        "vic" | "vi" | "victoria" => "VIC",
        "sa" | "south australia" => "SA",
        "tas" | "ts" | "tasmania" => "TAS",
        "wa" | "western australia" => "WA",
        "nt" | "northern territory" => "NT",
        "act" | "australian capital territory" => "ACT",
        "jbt" | "jb" | "jervis bay territory" => "ACT",
        _ => "",
    };
    code.to_string()
}

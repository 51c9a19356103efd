//! The annual cost model (model.md §5): every component per site, annualised with the
//! capital recovery factor, in AUD per year.
//!
//! | component | formula (per year) | default (source) |
//! |---|---|---|
//! | building + M&E capex | CRF × `capex_aud_per_mw` × MW | A$14 M per MW IT (Stojkovic et al.; US$9.5/W at 0.65 USD/AUD) |
//! | fixed site cost | CRF × `site_fixed_aud` per opened site | A$25 M (assumption) |
//! | grid connection (reV) | CRF × (`substation_km` × `line_cost_aud_per_mw_km` + `tie_in_aud_per_mw`) × MW | US$2,279 per MW-km, US$14,000 per MW (NREL reV `transmission.py`) |
//! | REZ network expansion | CRF × `expansion_cost_aud_per_mw` × MW beyond the zone's limit | AEMO 2025 IASR (the zone's data) |
//! | energy | `utilisation` × PUE × 8,760 h × price × MW | utilisation 0.8 |
//! | energy price (model.md §5a, the main job) | the site's supply zone's 24/7 CFE portfolio cost per MWh at `supply.cfe_target` ([`crate::supply`]); a site outside any REZ buys the cheapest portfolio of its NEM region plus a network charge ([`SiteSupply`]); no portfolio in the region → all grid at the wholesale price (CFE 0) | target 0.9, GenCost 2024-25 costs |
//! | PUE | `pue_base` + `pue_per_deg_c` × max(0, mean_temp_c − `pue_reference_temp_c`) | 1.15 + 0.01/°C above 15 °C (assumption) |
//! | energy price without portfolios ([`CostModel::site_rates`], `sitefind candidates` only; superseded by §5a) | `renewable_share` × PPA + (1 − share) × wholesale; no zone → all wholesale | share 0.7 |
//! | PPA | cheapest technology the zone has: LCOE = (CRF × capex + FOM) / (CF × 8,760), solar with the zone's solar CF, wind with its wind CF (offshore costs for `offshore_zones`); a zone with neither CF: `renewable_capex_aud_per_mw` at `default_capacity_factor` 0.30 | solar A$1.5 M/MW + A$17 k/yr, onshore wind A$3.0 M/MW + A$28 k/yr, offshore wind A$5.5 M/MW + A$150 k/yr (assumptions in the CSIRO GenCost 2024-25 ranges) |
//! | network (backhaul) | `backhaul_aud_per_km_yr` × `backhaul_km` per opened site: the fibre km of the terrestrial legs of the site's fastest route to its nearest-RTT city, up to the landing where it goes submarine ([`crate::latency::LatencyModel::backhaul_routes`]); `landing_km` (great circle to the nearest landing) when the candidate has no such route | A$10,800 per km per year: Telstra's intercity fibre build, up to A$1.6 bn for ~14,000 route-km ≈ A$114,000 per km, × CRF(7 %, 20 y) 0.0944 (data/SOURCES.md, docs/resilience.md) |
//! | network charge | outside any REZ: `utilisation` × PUE × 8,760 h × `network_charge_aud_per_mwh` × MW; 0 in a REZ | A$15/MWh (assumption, docs/model.md "Grid limits") |

use crate::candidates::Candidate;
use crate::data::RenewableZone;
use crate::error::Result;
use crate::scenario::{crf, CostParams};
use serde::{Deserialize, Serialize};

/// Hours in a (non-leap) year.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// The cost model: validated parameters and their capital recovery factor.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    params: CostParams,
    crf: f64,
}

/// One site's annual cost rates: a fixed part paid if the site is opened and a part per MW
/// of IT capacity built. Every component is visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteCostRates {
    /// CRF × site_fixed_aud, AUD per year.
    pub site_fixed_aud_per_yr: f64,
    /// backhaul_aud_per_km_yr × backhaul km ([`CostModel::backhaul_km`]), AUD per year (0
    /// without a landing station).
    pub network_aud_per_yr: f64,
    /// CRF × capex_aud_per_mw, AUD per MW per year.
    pub capex_aud_per_mw_yr: f64,
    /// CRF × (substation_km × line_cost_aud_per_mw_km + tie_in_aud_per_mw), AUD per MW per
    /// year (tie-in only without a substation: such a site has `max_mw` 0 anyway).
    pub grid_aud_per_mw_yr: f64,
    /// Power usage effectiveness at the site's mean temperature.
    pub pue: f64,
    /// Regional wholesale price (or the default when the region is unknown), AUD per MWh.
    pub wholesale_aud_per_mwh: f64,
    /// Capacity factor of the zone's best resource (or the default), fraction; `None`
    /// without a zone.
    pub capacity_factor: Option<f64>,
    /// Renewable PPA price (LCOE at that capacity factor), AUD per MWh; `None` without a zone.
    pub ppa_aud_per_mwh: Option<f64>,
    /// Blended energy price, AUD per MWh.
    pub energy_price_aud_per_mwh: f64,
    /// utilisation × PUE × 8,760 × energy price, AUD per MW (IT) per year.
    pub energy_aud_per_mw_yr: f64,
    /// Network charge for a site outside any REZ: utilisation × PUE × 8,760 ×
    /// `network_charge_aud_per_mwh`, AUD per MW (IT) per year; 0 for a site in a REZ.
    #[serde(default)]
    pub network_charge_aud_per_mw_yr: f64,
    /// The 24/7 CFE supply that sets the energy price (model.md §5a), when priced with
    /// [`CostModel::site_rates_supplied`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<SiteSupply>,
}

/// How a site's energy is supplied (model.md §5a): which zone's portfolio it contracts and
/// what it pays per MWh of load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSupply {
    /// The zone whose portfolio the site contracts (`None`: no portfolio in its region, all
    /// grid).
    pub zone_id: Option<String>,
    /// `zone` (the site's own REZ), `region-cheapest` (outside any REZ: the cheapest zone's
    /// portfolio in its NEM region), `regional` (drawn from any zones of its NEM region,
    /// `[supply] sourcing`; `zone_id` is then `regional:<region>`) or `grid-only` (no zone with a
    /// portfolio in its region).
    pub basis: String,
    /// Portfolio cost per MWh of load at the CFE target, AUD (the wholesale price for
    /// `grid-only`).
    pub portfolio_aud_per_mwh: f64,
    /// Network charge on top, AUD per MWh (sites outside a REZ draw through the shared network).
    pub network_charge_aud_per_mwh: f64,
    /// CFE share reached, 0..1 (0 for `grid-only`).
    pub cfe: f64,
    /// Solar MW per MW of load.
    pub solar_mw_per_mw_load: f64,
    /// Wind MW per MW of load.
    pub wind_mw_per_mw_load: f64,
    /// Battery MW per MW of load.
    pub battery_mw_per_mw_load: f64,
    /// Battery MWh per MW of load.
    pub battery_mwh_per_mw_load: f64,
    /// A regional portfolio's zones, each with the solar and wind MW per MW of load it builds
    /// there (empty, not written, when the portfolio is one zone's: `zone_id`'s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<ZoneDraw>,
}

/// What a regional portfolio builds in one zone, per MW of load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneDraw {
    /// Zone id.
    pub zone_id: String,
    /// Solar MW per MW of load.
    pub solar_mw_per_mw_load: f64,
    /// Wind MW per MW of load.
    pub wind_mw_per_mw_load: f64,
}

impl SiteSupply {
    /// The solar and wind MW per MW of load the supply builds in zone `zone`.
    pub fn built_in(&self, zone: &str) -> (f64, f64) {
        if self.draws.is_empty() {
            return if self.zone_id.as_deref() == Some(zone) {
                (self.solar_mw_per_mw_load, self.wind_mw_per_mw_load)
            } else {
                (0.0, 0.0)
            };
        }
        self.draws
            .iter()
            .filter(|d| d.zone_id == zone)
            .fold((0.0, 0.0), |(s, w), d| {
                (s + d.solar_mw_per_mw_load, w + d.wind_mw_per_mw_load)
            })
    }

    /// The supply from a zone's portfolio (`basis` `zone` or `region-cheapest`).
    pub fn from_portfolio(
        p: &crate::supply::Portfolio,
        basis: &str,
        network_charge_aud_per_mwh: f64,
    ) -> SiteSupply {
        SiteSupply {
            zone_id: Some(p.zone_id.clone()),
            basis: basis.to_string(),
            portfolio_aud_per_mwh: p.cost_aud_per_mwh,
            network_charge_aud_per_mwh,
            cfe: p.cfe,
            solar_mw_per_mw_load: p.solar_mw,
            wind_mw_per_mw_load: p.wind_mw,
            battery_mw_per_mw_load: p.battery_mw,
            battery_mwh_per_mw_load: p.battery_mwh,
            draws: p
                .regional_zones
                .iter()
                .map(|z| ZoneDraw {
                    zone_id: z.zone_id.clone(),
                    solar_mw_per_mw_load: z.solar_mw,
                    wind_mw_per_mw_load: z.wind_mw,
                })
                .collect(),
        }
    }

    /// All grid at `price_aud_per_mwh` (no portfolio available).
    pub fn grid_only(price_aud_per_mwh: f64) -> SiteSupply {
        SiteSupply {
            zone_id: None,
            basis: "grid-only".into(),
            portfolio_aud_per_mwh: price_aud_per_mwh,
            network_charge_aud_per_mwh: 0.0,
            cfe: 0.0,
            solar_mw_per_mw_load: 0.0,
            wind_mw_per_mw_load: 0.0,
            battery_mw_per_mw_load: 0.0,
            battery_mwh_per_mw_load: 0.0,
            draws: Vec::new(),
        }
    }

    /// Energy price paid, AUD per MWh: portfolio + network charge.
    pub fn price_aud_per_mwh(&self) -> f64 {
        self.portfolio_aud_per_mwh + self.network_charge_aud_per_mwh
    }
}

impl SiteCostRates {
    /// Cost per year of opening the site, whatever its size: site fixed + network, AUD.
    pub fn fixed_aud_per_yr(&self) -> f64 {
        self.site_fixed_aud_per_yr + self.network_aud_per_yr
    }

    /// Cost per year per MW of IT built: capex + grid connection + energy + network charge,
    /// AUD per MW.
    pub fn per_mw_aud_per_yr(&self) -> f64 {
        self.capex_aud_per_mw_yr
            + self.grid_aud_per_mw_yr
            + self.energy_aud_per_mw_yr
            + self.network_charge_aud_per_mw_yr
    }

    /// The annual cost of a site of `capacity_mw` (opened if `capacity_mw > 0`), with its
    /// share of REZ network expansion (`rez_expansion_aud_per_yr`, already annualised).
    pub fn breakdown(&self, capacity_mw: f64, rez_expansion_aud_per_yr: f64) -> CostBreakdown {
        let open = if capacity_mw > 0.0 { 1.0 } else { 0.0 };
        let capex_aud = self.capex_aud_per_mw_yr * capacity_mw;
        let site_fixed_aud = self.site_fixed_aud_per_yr * open;
        let grid_connection_aud = self.grid_aud_per_mw_yr * capacity_mw;
        let energy_aud = self.energy_aud_per_mw_yr * capacity_mw;
        let network_aud = self.network_aud_per_yr * open;
        let network_charge_aud = self.network_charge_aud_per_mw_yr * capacity_mw;
        CostBreakdown {
            capex_aud,
            site_fixed_aud,
            grid_connection_aud,
            rez_expansion_aud: rez_expansion_aud_per_yr,
            energy_aud,
            network_aud,
            network_charge_aud,
            total_aud: capex_aud
                + site_fixed_aud
                + grid_connection_aud
                + rez_expansion_aud_per_yr
                + energy_aud
                + network_aud
                + network_charge_aud,
        }
    }
}

/// One site's annual cost by component, AUD per year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    /// Building + M&E capital, annualised.
    pub capex_aud: f64,
    /// Fixed site cost (land, fibre, permits), annualised.
    pub site_fixed_aud: f64,
    /// Spur line and tie-in to the substation, annualised.
    pub grid_connection_aud: f64,
    /// Share of REZ network expansion, annualised.
    pub rez_expansion_aud: f64,
    /// Electricity.
    pub energy_aud: f64,
    /// Backhaul fibre to the landing station.
    pub network_aud: f64,
    /// Network charge (transmission use of system) of a site outside any REZ.
    #[serde(default)]
    pub network_charge_aud: f64,
    /// Sum of the above.
    pub total_aud: f64,
}

impl CostModel {
    /// A cost model after checking every parameter (all problems are listed).
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] naming each parameter out of range.
    pub fn new(params: &CostParams) -> Result<CostModel> {
        params.issues().into_result(CostModel {
            crf: crf(params.discount_rate, params.lifetime_years),
            params: params.clone(),
        })
    }

    /// The parameters.
    pub fn params(&self) -> &CostParams {
        &self.params
    }

    /// The capital recovery factor CRF(discount_rate, lifetime_years), per year.
    pub fn crf(&self) -> f64 {
        self.crf
    }

    /// PUE at a mean temperature: pue_base + pue_per_deg_c × max(0, t − reference).
    pub fn pue(&self, mean_temp_c: f64) -> f64 {
        self.params.pue_base
            + self.params.pue_per_deg_c * (mean_temp_c - self.params.pue_reference_temp_c).max(0.0)
    }

    /// The capacity factor of the technology that sets a zone's PPA price (see
    /// [`CostModel::ppa`]).
    pub fn capacity_factor(&self, zone: &RenewableZone) -> f64 {
        self.ppa(zone).1
    }

    /// A zone's PPA: the cheapest LCOE among the technologies it has a capacity factor for
    /// (solar; onshore or, for `offshore_zones`, offshore wind), as
    /// `(AUD per MWh, capacity factor, technology)`. A zone with no capacity factor is priced
    /// with `renewable_capex_aud_per_mw` at `default_capacity_factor`.
    pub fn ppa(&self, zone: &RenewableZone) -> (f64, f64, &'static str) {
        let p = &self.params;
        let offshore = p.offshore_zones.iter().any(|z| z == &zone.id);
        let mut options: Vec<(f64, f64, &'static str)> = Vec::new();
        if let Some(cf) = zone.solar_capacity_factor {
            let cf = cf.clamp(1e-6, 1.0);
            options.push((
                self.lcoe(p.solar_capex_aud_per_mw, p.solar_fom_aud_per_mw_yr, cf),
                cf,
                "solar",
            ));
        }
        if let Some(cf) = zone.wind_capacity_factor {
            let cf = cf.clamp(1e-6, 1.0);
            let (capex, fom, tech) = if offshore {
                (
                    p.offshore_wind_capex_aud_per_mw,
                    p.offshore_wind_fom_aud_per_mw_yr,
                    "offshore wind",
                )
            } else {
                (p.wind_capex_aud_per_mw, p.wind_fom_aud_per_mw_yr, "wind")
            };
            options.push((self.lcoe(capex, fom, cf), cf, tech));
        }
        options
            .into_iter()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or_else(|| {
                let cf = p.default_capacity_factor.clamp(1e-6, 1.0);
                (self.lcoe_aud_per_mwh(cf), cf, "blend")
            })
    }

    fn lcoe(&self, capex_aud_per_mw: f64, fom_aud_per_mw_yr: f64, cf: f64) -> f64 {
        (self.crf * capex_aud_per_mw + fom_aud_per_mw_yr) / (cf * HOURS_PER_YEAR)
    }

    /// Renewable LCOE of the unknown-technology blend at capacity factor `cf`, AUD per MWh:
    /// (CRF × renewable_capex + renewable_fom) / (cf × 8,760).
    pub fn lcoe_aud_per_mwh(&self, cf: f64) -> f64 {
        self.lcoe(
            self.params.renewable_capex_aud_per_mw,
            self.params.renewable_fom_aud_per_mw_yr,
            cf,
        )
    }

    /// Annualised REZ expansion cost per MW beyond the zone's limit: CRF ×
    /// expansion_cost_aud_per_mw (first tranche), AUD per MW per year.
    pub fn rez_expansion_aud_per_mw_yr(&self, zone: &RenewableZone) -> f64 {
        self.crf * zone.expansion_cost_aud_per_mw
    }

    /// Network charge per MW of IT per year for a site with this PUE: utilisation × PUE ×
    /// 8,760 × `network_charge_aud_per_mwh` outside any REZ (its energy crosses the shared
    /// network), 0 inside one (its supply is the zone's own portfolio, whose network cost is the
    /// REZ limit and expansion), AUD per MW per year.
    pub fn network_charge_aud_per_mw_yr(&self, pue: f64, in_zone: bool) -> f64 {
        if in_zone {
            0.0
        } else {
            self.params.utilisation * pue * HOURS_PER_YEAR * self.params.network_charge_aud_per_mwh
        }
    }

    /// The backhaul km a candidate is priced on: its route's [`Candidate::backhaul_km`], else
    /// the great-circle `landing_km` to the nearest landing, else 0.
    pub fn backhaul_km(c: &Candidate) -> f64 {
        c.backhaul_km.or(c.landing_km).unwrap_or(0.0)
    }

    /// The annual cost rates of a candidate powered by `zone` (its [`Candidate::zone_id`]'s
    /// zone, or `None`: then the energy is all bought at the wholesale price, since there is no
    /// REZ to sign a PPA in).
    pub fn site_rates(&self, c: &Candidate, zone: Option<&RenewableZone>) -> SiteCostRates {
        let p = &self.params;
        let (wholesale, temp) = if c.region_known {
            (c.price_aud_per_mwh, c.mean_temp_c)
        } else {
            (p.default_price_aud_per_mwh, p.default_temp_c)
        };
        let pue = self.pue(temp);
        let ppa_full = zone.map(|z| self.ppa(z));
        let capacity_factor = ppa_full.map(|x| x.1);
        let ppa = ppa_full.map(|x| x.0);
        let energy_price = match ppa {
            Some(ppa) => p.renewable_share * ppa + (1.0 - p.renewable_share) * wholesale,
            None => wholesale,
        };
        SiteCostRates {
            site_fixed_aud_per_yr: self.crf * p.site_fixed_aud,
            network_aud_per_yr: p.backhaul_aud_per_km_yr * Self::backhaul_km(c),
            capex_aud_per_mw_yr: self.crf * p.capex_aud_per_mw,
            grid_aud_per_mw_yr: self.crf
                * (c.substation_km.unwrap_or(0.0) * p.line_cost_aud_per_mw_km
                    + p.tie_in_aud_per_mw),
            pue,
            wholesale_aud_per_mwh: wholesale,
            capacity_factor,
            ppa_aud_per_mwh: ppa,
            energy_price_aud_per_mwh: energy_price,
            energy_aud_per_mw_yr: p.utilisation * pue * HOURS_PER_YEAR * energy_price,
            network_charge_aud_per_mw_yr: self.network_charge_aud_per_mw_yr(pue, zone.is_some()),
            supply: None,
        }
    }

    /// The annual cost rates of a candidate whose energy is the 24/7 CFE `supply`
    /// (model.md §5a): energy price = portfolio cost per MWh + network charge. The `ppa` and
    /// `capacity_factor` fields keep the zone's single-technology LCOE for reference only.
    pub fn site_rates_supplied(
        &self,
        c: &Candidate,
        zone: Option<&RenewableZone>,
        supply: SiteSupply,
    ) -> SiteCostRates {
        let mut r = self.site_rates(c, zone);
        let price = supply.price_aud_per_mwh();
        r.energy_price_aud_per_mwh = price;
        r.energy_aud_per_mw_yr = self.params.utilisation * r.pue * HOURS_PER_YEAR * price;
        r.supply = Some(supply);
        r
    }

    /// Load drawn per MW of IT built at a site with this PUE: utilisation × PUE, MW.
    pub fn load_mw_per_it_mw(&self, pue: f64) -> f64 {
        self.params.utilisation * pue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::CandidateKind;
    use crate::data::LonLat;

    fn candidate(substation_km: f64, landing_km: f64, price: f64, temp_c: f64) -> Candidate {
        Candidate {
            id: "sub:x".into(),
            name: "X".into(),
            kind: CandidateKind::RezSubstation,
            location: LonLat::new(150.0, -33.0),
            state: "NSW".into(),
            region_id: Some("NSW1".into()),
            region_known: true,
            substation_id: Some("x".into()),
            substation_name: Some("X".into()),
            substation_km: Some(substation_km),
            substation_kv: Some(330.0),
            zone_id: Some("N1".into()),
            zone_name: Some("Zone".into()),
            zone_km: Some(0.0),
            landing_id: Some("l".into()),
            landing_name: Some("L".into()),
            landing_km: Some(landing_km),
            backhaul_km: None,
            backhaul_landing_id: None,
            minerals_within: 0,
            nearest_mineral_id: None,
            nearest_mineral_name: None,
            nearest_mineral_km: None,
            line_km: None,
            price_aud_per_mwh: price,
            mean_temp_c: temp_c,
            max_mw: 1000.0,
            max_mw_source: "voltage class 275 kV".into(),
            merged_ids: Vec::new(),
        }
    }

    fn zone(solar: Option<f64>, wind: Option<f64>) -> RenewableZone {
        RenewableZone {
            id: "N1".into(),
            name: "Zone".into(),
            region: "NSW1".into(),
            centre: LonLat::new(150.0, -33.0),
            radius_km: 50.0,
            polygon: None,
            network_limit_mw: Some(500.0),
            expansion_cost_aud_per_mw: 400_000.0,
            expansion_cost_tranche2_aud_per_mw: None,
            tranche2_after_mw: None,
            solar_resource_mw: None,
            wind_resource_mw: None,
            solar_capacity_factor: solar,
            wind_capacity_factor: wind,
        }
    }

    #[test]
    fn crf_7_percent_20_years() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        assert!((m.crf() - 0.094_392_9).abs() < 1e-6, "{}", m.crf());
    }

    #[test]
    fn rev_grid_connection_check() {
        // NREL reV: 50 km spur × US$2,279 per MW-km + US$14,000 per MW tie-in = US$127,950 per MW.
        let params = CostParams {
            line_cost_aud_per_mw_km: 2279.0,
            tie_in_aud_per_mw: 14_000.0,
            ..CostParams::default()
        };
        let m = CostModel::new(&params).unwrap();
        let r = m.site_rates(&candidate(50.0, 100.0, 100.0, 15.0), None);
        assert!((r.grid_aud_per_mw_yr / m.crf() - 127_950.0).abs() < 1e-6);
        // Defaults are the same figures in AUD at 0.65 USD per AUD.
        let d = CostModel::new(&CostParams::default()).unwrap();
        let r = d.site_rates(&candidate(50.0, 100.0, 100.0, 15.0), None);
        assert!((r.grid_aud_per_mw_yr / d.crf() - 127_950.0 / 0.65).abs() < 1e-6);
    }

    #[test]
    fn pue_formula() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        assert!((m.pue(25.0) - 1.25).abs() < 1e-12);
        assert!((m.pue(10.0) - 1.15).abs() < 1e-12);
        assert!((m.pue(15.0) - 1.15).abs() < 1e-12);
    }

    #[test]
    fn lcoe_for_known_capacity_factor() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        // (0.0943929 × 1.9e6 + 25,000) / (0.30 × 8,760) = 77.757 AUD/MWh (by hand).
        assert!((m.lcoe_aud_per_mwh(0.30) - 77.7574).abs() < 1e-3);
        // The zone's cheapest technology sets the PPA: solar at CF 0.25 costs
        // (0.0943929 × 1.5e6 + 17,000) / (0.25 × 8,760) = 72.4152 AUD/MWh, onshore wind at
        // CF 0.35 (0.0943929 × 3.0e6 + 28,000) / (0.35 × 8,760) = 101.4934 (by hand).
        let (ppa, cf, tech) = m.ppa(&zone(Some(0.25), Some(0.35)));
        assert!((ppa - 72.415246).abs() < 1e-5 && cf == 0.25 && tech == "solar");
        assert!((m.capacity_factor(&zone(None, None)) - 0.30).abs() < 1e-12);
        // Offshore zones pay offshore wind costs: (0.0943929 × 5.5e6 + 150,000) / (0.45 × 8,760).
        let mut t4 = zone(None, Some(0.45));
        t4.id = "T4".into();
        let (ppa, _, tech) = m.ppa(&t4);
        assert!(
            (ppa - 169.751672).abs() < 1e-5 && tech == "offshore wind",
            "{ppa}"
        );
    }

    #[test]
    fn full_breakdown_hand_computed() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        let c = candidate(10.0, 200.0, 100.0, 20.0);
        let z = zone(Some(0.25), Some(0.35));
        let r = m.site_rates(&c, Some(&z));
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        assert!(close(r.site_fixed_aud_per_yr, 2_359_823.143_581));
        // Backhaul: A$10,800/km/yr × 200 km (no route on the candidate: the great circle).
        assert!(close(r.network_aud_per_yr, 2_160_000.0));
        let mut routed = c.clone();
        routed.backhaul_km = Some(500.0);
        assert!(close(
            m.site_rates(&routed, Some(&z)).network_aud_per_yr,
            5_400_000.0
        ));
        assert!(close(r.capex_aud_per_mw_yr, 1_321_500.960_406));
        assert!(close(r.grid_aud_per_mw_yr, 5_342.639_597));
        assert!(close(r.pue, 1.20));
        assert!(close(r.ppa_aud_per_mwh.unwrap(), 72.415246));
        assert!(close(r.energy_price_aud_per_mwh, 80.690672));
        assert!(close(r.energy_aud_per_mw_yr, 678576.276597));
        let b = r.breakdown(100.0, 1.0e6);
        assert!(close(b.total_aud, 206061810.803527), "{}", b.total_aud);
        assert!(close(b.rez_expansion_aud, 1.0e6));
        assert!(close(
            b.capex_aud + b.site_fixed_aud + b.grid_connection_aud + b.energy_aud + b.network_aud,
            b.total_aud - 1.0e6
        ));
        // A closed site costs nothing.
        assert_eq!(r.breakdown(0.0, 0.0).total_aud, 0.0);
        assert!(close(
            m.rez_expansion_aud_per_mw_yr(&z),
            400_000.0 * m.crf()
        ));
    }

    #[test]
    fn no_zone_is_all_wholesale_and_unknown_region_uses_defaults() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        let mut c = candidate(10.0, 200.0, 100.0, 20.0);
        let r = m.site_rates(&c, None);
        assert_eq!(r.ppa_aud_per_mwh, None);
        assert!((r.energy_price_aud_per_mwh - 100.0).abs() < 1e-12);
        c.region_known = false;
        let r = m.site_rates(&c, None);
        assert!((r.energy_price_aud_per_mwh - 90.0).abs() < 1e-12);
        assert!((r.pue - 1.18).abs() < 1e-12);
    }

    #[test]
    fn network_charge_only_outside_a_zone() {
        let m = CostModel::new(&CostParams::default()).unwrap();
        let c = candidate(10.0, 200.0, 100.0, 20.0);
        // Outside a REZ: 0.8 × 1.20 × 8,760 h × A$15/MWh = A$126,144 per MW per year (by hand).
        let r = m.site_rates(&c, None);
        assert!((r.network_charge_aud_per_mw_yr - 126_144.0).abs() < 1e-6);
        let b = r.breakdown(100.0, 0.0);
        assert!((b.network_charge_aud - 12_614_400.0).abs() < 1e-3);
        assert!(
            (b.capex_aud
                + b.site_fixed_aud
                + b.grid_connection_aud
                + b.energy_aud
                + b.network_aud
                + b.network_charge_aud
                - b.total_aud)
                .abs()
                < 1e-3
        );
        assert!(
            (r.per_mw_aud_per_yr()
                - (r.capex_aud_per_mw_yr
                    + r.grid_aud_per_mw_yr
                    + r.energy_aud_per_mw_yr
                    + 126_144.0))
                .abs()
                < 1e-6
        );
        // In a REZ: none.
        let z = zone(Some(0.25), Some(0.35));
        assert_eq!(m.site_rates(&c, Some(&z)).network_charge_aud_per_mw_yr, 0.0);
        // A negative charge is rejected.
        let bad = CostParams {
            network_charge_aud_per_mwh: -1.0,
            ..CostParams::default()
        };
        assert!(CostModel::new(&bad)
            .unwrap_err()
            .to_string()
            .contains("network_charge_aud_per_mwh"));
    }

    #[test]
    fn invalid_parameters_are_all_listed() {
        let params = CostParams {
            discount_rate: 7.0,
            utilisation: 0.0,
            pue_base: f64::NAN,
            ..CostParams::default()
        };
        let err = CostModel::new(&params).unwrap_err().to_string();
        assert!(err.contains("3 problems"), "{err}");
        assert!(
            err.contains("discount_rate")
                && err.contains("utilisation")
                && err.contains("pue_base")
        );
    }
}

#!/usr/bin/env python3
"""Build sitefind's embedded default dataset (data/*.csv, data/jp.json).

Python 3 standard library only; deterministic (same inputs -> same bytes).

Usage:
    python3 data/tools/build_embedded.py [PUBLIC_DATA_DIR] [OUT_DIR]

PUBLIC_DATA_DIR defaults to $SITEFIND_PUBLIC_DATA or ../shared/data (the public
snapshot described by its PROVENANCE.md files); OUT_DIR defaults to the data/ folder
next to this script. Which column comes from which public file is documented in
data/SOURCES.md. Hand-curated facts (REZ centres that had to be placed, cable
topologies, published segment lengths, data-centre selection, extra mineral projects,
WEM/NT region values, Japanese demand) are the tables near the top of this file,
each with its source key.
"""

import csv
import io
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

# --------------------------------------------------------------------------- helpers

R_EARTH_KM = 6371.0088


def gc_km(lon1, lat1, lon2, lat2):
    """Haversine great-circle distance (km), mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def fnum(x, nd=None):
    """Format a number without trailing zeros; '' for None."""
    if x is None or x == "":
        return ""
    if nd is not None:
        x = round(float(x), nd)
    s = repr(float(x)) if not isinstance(x, int) else str(x)
    if "e" in s or "E" in s:
        s = f"{float(x):.6f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        assert len(r) == len(header), (path, r)
        w.writerow(r)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def read_header(path):
    with open(path, encoding="utf-8") as f:
        return f.readline().rstrip("\n").split(",")


def slug(s):
    s = s.lower().replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


# --------------------------------------------------------------------------- zones

REGION_ID = {"QLD": "QLD1", "NSW": "NSW1", "VIC": "VIC1", "SA": "SA1", "TAS": "TAS1"}

# Centres for the REZs without approx_lon/lat in rez_nem_iasr2025.csv, placed from
# public knowledge of where the zone is (AEMO 2024 ISP REZ map; NSW EnergyCo REZ pages;
# DCCEEW declared offshore wind areas). (lon, lat, radius_km, note)
PLACED_CENTRES = {
    "Q9": (150.45, -24.55, 70, "placed at Biloela-Moura (Banana Shire)"),
    "N7": (148.22, -35.35, 50, "placed at Tumut (Snowy 2.0/Lower Tumut)"),
    "N9": (151.15, -32.60, 70, "placed in the Hunter Valley (Muswellbrook-Singleton-Lake Macquarie)"),
    "N10": (152.05, -32.90, 40, "offshore: placed 15-30 km off Newcastle/Port Stephens (Hunter declared offshore wind area)"),
    "N11": (151.10, -34.45, 40, "offshore: placed 15-25 km off Wollongong (Illawarra declared offshore wind area)"),
    "N12": (150.85, -34.45, 40, "placed at Wollongong/Port Kembla"),
    "N13": (145.85, -32.30, 100, "placed south of Cobar"),
    "V6": (146.50, -38.20, 80, "placed in the Latrobe Valley/Gippsland"),
    "V8": (147.10, -38.75, 70, "offshore: placed off Ninety Mile Beach (Gippsland declared offshore wind area)"),
    "V9": (142.00, -38.55, 60, "offshore: placed off Portland-Port Fairy (Southern Ocean declared offshore wind area)"),
    "S2": (140.60, -34.20, 70, "placed at Renmark-Berri (Riverland)"),
    "S6": (136.90, -30.55, 80, "placed at Roxby Downs"),
    "S8": (134.60, -33.20, 90, "placed between Streaky Bay and Elliston (western Eyre Peninsula)"),
    "T1": (147.70, -41.10, 60, "placed at Scottsdale-St Helens (north-east Tasmania)"),
    "T4": (146.80, -40.80, 60, "offshore: placed in Bass Strait off Bell Bay/Bridport (Bass Strait North Tasmania declared offshore wind area)"),
    "DN1": (148.60, -32.25, 50, "placed at Dubbo (distribution-network zone)"),
    "DN2": (148.91, -34.84, 50, "placed at Yass (distribution-network zone)"),
    "DN3": (150.01, -34.71, 40, "placed at Marulan (distribution-network zone)"),
}
OFFSHORE = {"N10", "N11", "V8", "V9", "T4"}
# radius_km for zones with a derived centre, by extent of the zone on the AEMO ISP REZ map
RADIUS = {
    "Q1": 80, "Q2": 120, "Q3": 80, "Q4": 110, "Q5": 120, "Q6": 90, "Q7": 80, "Q8": 120,
    "Q10": 70, "N1": 120, "N2": 100, "N3": 110, "N4": 100, "N5": 120, "N6": 90, "N8": 70,
    "V1": 120, "V2": 80, "V3": 80, "V4": 100, "V5": 90, "V7": 90, "S1": 80, "S3": 100,
    "S4": 60, "S5": 100, "S7": 80, "T2": 60, "T3": 60,
}
# wind CF assumption by region (onshore); offshore zones 0.45
WIND_CF = {"QLD1": 0.33, "NSW1": 0.33, "VIC1": 0.36, "SA1": 0.36, "TAS1": 0.40}


def solar_cf(lat):
    a = abs(lat)
    if a < 22:
        return 0.28
    if a < 27:
        return 0.27
    if a < 31:
        return 0.26
    if a < 34:
        return 0.25
    if a < 37:
        return 0.24
    if a < 40:
        return 0.21
    return 0.18


def build_zones(pub):
    rows = []
    res = {}
    with open(os.path.join(pub, "rez/rez_resource_limits_isp2024_partial.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            res[r["rez_id"]] = r
    placed = []
    with open(os.path.join(pub, "rez/rez_nem_iasr2025.csv"), encoding="utf-8") as f:
        rez = list(csv.DictReader(f))
    by_region = {}
    for r in rez:
        if r["tx_expansion_cost_tranche1_musd_per_mw"]:
            by_region.setdefault(r["nem_region"], []).append(float(r["tx_expansion_cost_tranche1_musd_per_mw"]))
    median_cost = {}
    for reg, v in by_region.items():
        v = sorted(v)
        n = len(v)
        median_cost[reg] = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    for r in rez:
        zid = r["rez_id"]
        region = REGION_ID[r["nem_region"]]
        src = ["aemo-iasr2025"]
        if r["approx_lon"]:
            lon, lat = float(r["approx_lon"]), float(r["approx_lat"])
            radius = RADIUS[zid]
            src.append(f"centre=median of {r['approx_n_stations']} AEMO-assigned generators (derived)")
        else:
            lon, lat, radius, note = PLACED_CENTRES[zid]
            src.append("centre " + note + " (our placement, approx.)")
            placed.append(zid)
        limit = r["tx_limit_summer_typical_mw"]
        t1 = r["tx_expansion_cost_tranche1_musd_per_mw"]
        t2 = r["tx_expansion_cost_tranche2_musd_per_mw"]
        if not t1:
            t1 = str(median_cost[r["nem_region"]])
            src.append(f"expansion cost=median of {r['nem_region']} tranche-1 costs (assumption; AEMO gives none)")
        after = ""
        if t2:
            m = re.search(r"(\d+)\s*MW", r["tx_expansion_tranche2_condition"])
            after = m.group(1) if m else ""
        solar_mw = wind_mw = ""
        rr = res.get(zid)
        if rr and rr["name"] == r["name"] and rr["solar_resource_mw"]:
            solar_mw = fnum(float(rr["solar_resource_mw"]))
            wind_mw = fnum(float(rr["wind_resource_mw"]))
            src.append("resource=aemo-isp2024-build-limits(pisp)")
        if zid in OFFSHORE:
            # An offshore wind area has no solar resource (a fact, not a missing value).
            scf, wcf = "", "0.45"
            solar_mw = "0"
        else:
            scf, wcf = fnum(solar_cf(lat)), fnum(WIND_CF[region])
        src.append("CF=assumption")
        rows.append([
            zid, r["name"], region, fnum(lon, 4), fnum(lat, 4), str(radius),
            fnum(float(limit)) if limit else "",
            fnum(round(float(t1) * 1e6)) if t1 else "",
            fnum(round(float(t2) * 1e6)) if t2 else "",
            after, solar_mw, wind_mw, scf, wcf, "; ".join(src),
        ])
    order = {c: i for i, c in enumerate(["Q", "N", "V", "S", "T", "D"])}

    def key(row):
        m = re.match(r"([A-Z]+)(\d+)", row[0])
        return (order[m.group(1)[0]], m.group(1), int(m.group(2)))

    rows.sort(key=key)
    return rows, placed


# --------------------------------------------------------------------------- substations

STATE_CODE = {
    "New South Wales": "NSW", "Queensland": "QLD", "Victoria": "VIC", "South Australia": "SA",
    "Tasmania": "TAS", "Western Australia": "WA", "Northern Territory": "NT",
    "Australian Capital Territory": "ACT",
}


def build_substations(pub):
    with open(os.path.join(pub, "grid/ga_substations.geojson"), encoding="utf-8") as f:
        fs = json.load(f)["features"]
    sel = []
    for ft in fs:
        p = ft["properties"]
        kv = p.get("voltage_kv")
        if p.get("operationalstatus") != "Operational" or kv is None or kv < 132:
            continue
        lon, lat = ft["geometry"]["coordinates"][:2]
        st = STATE_CODE[p["state"]]
        sel.append((st, p["name"].strip(), float(kv), round(lon, 6), round(lat, 6), p.get("class") or ""))
    # deterministic order, then unique ids
    sel.sort(key=lambda t: (t[0], slug(t[1]), -t[2], t[3], t[4]))
    base_count = {}
    for st, name, kv, lon, lat, cls in sel:
        b = f"sub-{st.lower()}-{slug(name)}"
        base_count[b] = base_count.get(b, 0) + 1
    used = set()
    rows = []
    for st, name, kv, lon, lat, cls in sel:
        b = f"sub-{st.lower()}-{slug(name)}"
        sid = b if base_count[b] == 1 else f"{b}-{int(kv)}kv"
        n = 2
        cand = sid
        while cand in used:
            cand = f"{sid}-{n}"
            n += 1
        used.add(cand)
        src = "ga-substations-2017" + (f" ({cls})" if cls else "")
        rows.append([cand, name, fnum(lon), fnum(lat), fnum(kv), st, "", "true", src])
    rows.sort(key=lambda r: r[0])
    return rows


# --------------------------------------------------------------------------- minerals

ACTIVE = {"operating mine", "under development", "feasibility", "construction",
          "care and maintenance", "pending approval"}
CRIT_KEYS = [
    "alumina", "antimony", "arsenic", "beryl", "bismuth", "chrom", "cobalt", "gallium",
    "germanium", "graphite", "hafnium", "helium", "indium", "lithium", "spodumene", "magnes",
    "manganese", "molybd", "nickel", "niobium", "platinum", "pge", "rare earth", "monazite",
    "xenotime", "rhenium", "scandium", "selenium", "silicon", "tantal", "tellur", "titanium",
    "rutile", "ilmenite", "leucoxene", "tungsten", "scheelite", "wolfram", "vanadium",
    "zircon", "mineral sands", "heavy minerals",
]

# deposits of these first commodities are kept even when GA's position is coarse
STRATEGIC_KEYS = ["lithium", "rare earth", "monazite", "xenotime", "cobalt", "vanadium", "graphite",
                  "scandium", "tungsten", "platinum", "niobium", "tantal"]

# Recent projects absent from (or not named as such in) the July 2020 GA snapshot.
# (id, name, lon, lat, commodities, critical groups, status, source note) — coordinates approximate.
EXTRA_MINERALS = [
    ("proj-kathleen-valley", "Kathleen Valley lithium (Liontown Resources)", 120.55, -27.42,
     "Lithium;Tantalum", "Lithium;Tantalum", "operating mine",
     "public: Liontown Resources project page (about 60 km N / ~45 km NNW of Leinster WA; production commenced mid-2024); coords approx. +-15 km"),
    ("proj-gonneville", "Gonneville Ni-Cu-PGE (Chalice Mining, Julimar)", 116.30, -31.47,
     "Nickel;Copper;Platinum group elements;Cobalt", "Cobalt;Nickel;Platinum-group elements", "feasibility",
     "public: Chalice Mining Julimar project ~70 km NE of Perth near Toodyay; coords approx. +-15 km"),
    ("proj-thackaringa", "Broken Hill Cobalt Project (Cobalt Blue, Thackaringa)", 141.22, -32.07,
     "Cobalt", "Cobalt", "feasibility",
     "public: Cobalt Blue Holdings, ~23 km W of Broken Hill NSW; coords approx. +-10 km"),
]


def build_minerals(pub):
    rows = []
    with open(os.path.join(pub, "minerals/ga_mines_and_deposits_2020.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            crit = r["critical_commodities"]
            if not crit:
                continue
            status = r["mine_status"]
            first = r["first_commodity"].lower()
            primary_critical = any(k in first for k in CRIT_KEYS)
            m_acc = re.match(r"\s*(\d+)\s*metres", r["positional_accuracy"])
            acc_m = int(m_acc.group(1)) if m_acc else None
            located = acc_m is not None and acc_m != 999 and acc_m <= 1000
            strategic = any(k in first for k in STRATEGIC_KEYS)
            deposit_ok = status == "mineral deposit" and primary_critical and (located or strategic)
            if status in ACTIVE or deposit_ok:
                comm = r["commodities"] or crit
                comm = ";".join(dict.fromkeys(c.strip() for c in comm.split(";") if c.strip()))
                lon, lat = float(r["lon"]), float(r["lat"])
                rows.append([
                    f"ga-{r['ga_id']}", r["name"].strip().replace("  ", " "), fnum(lon, 5), fnum(lat, 5),
                    comm, crit, status,
                    "ga-ozmin-2020; critical groups = PROVENANCE keyword classification",
                ])
    for pid, name, lon, lat, comm, crit, status, note in EXTRA_MINERALS:
        rows.append([pid, name, fnum(lon), fnum(lat), comm, crit, status, note])
    rows.sort(key=lambda r: r[0])
    return rows


# --------------------------------------------------------------------------- cables

# Cable systems kept (TeleGeography slug = the id we write -> (short key used for the
# topology tables below, planned_2026, note)).
CABLES = {
    "australia-japan-cable-ajc": ("ajc", False, ""),
    "japan-guam-australia-south-jga-s": ("jga-s", False, ""),
    "japan-guam-australia-north-jga-n": ("jga-n", False, ""),
    "pipe-pacific-cable-1-ppc-1": ("ppc-1", False, ""),
    "indigo-west": ("indigo-west", False, ""),
    "indigo-central": ("indigo-central", False, ""),
    "australia-singapore-cable-asc": ("asc", False, ""),
    "southern-cross-cable-network-sccn": ("sccn", False, ""),
    "southern-cross-next": ("southern-cross-next", False, ""),
    "hawaiki": ("hawaiki", False, ""),
    "telstra-endeavour": ("telstra-endeavour", False, ""),
    "hawaiki-nui": ("hawaiki-nui", True, "not in service in 2026 (assumed; announced RFS slipped beyond 2025)"),
    "asia-connect-cable-1-acc-1": ("acc-1", True, "not in service in 2026 (assumed)"),
    "southeast-asia-japan-cable-sjc": ("sjc", False, ""),
    "southeast-asia-japan-cable-2-sjc2": ("sjc2", False, "activated July 2025 (CMI/NEC press releases)"),
    "asia-pacific-gateway-apg": ("apg", False, ""),
    "asia-submarine-cable-express-asecahaya-malaysia": ("ase", False, ""),
    "asia-direct-cable-adc": ("adc", False, "in service: inaugurated Dec 2024 (Reuters/Viettel, 19 Dec 2024); snapshot RFS 2023"),
    "apricot": ("apricot", True, "assumed not fully in service in 2026 (RFS 2024 target slipped; only partial segments reported)"),
    "guam-okinawa-kyushu-incheon-goki": ("goki", False, ""),
    "tata-tgn-pacific": ("tgn-pacific", False, ""),
    "japan-u-s-cable-network-jus": ("jus", False, ""),
    "juno": ("juno", False, "assumed in service by 2026 (2025 launch reports; US landing reported at Grover Beach, snapshot says Los Angeles)"),
    "jupiter": ("jupiter", False, ""),
    "faster": ("faster", False, ""),
    "pacific-crossing-1-pc-1": ("pc-1", False, ""),
    "unityeac-pacific": ("unity", False, ""),
    "new-cross-pacific-ncp-cable-system": ("ncp", False, ""),
    "trans-pacific-express-tpe-cable-system": ("tpe", False, ""),
}

# Topology per cable: segments between adjacent landings along the cable (trunk order,
# branches as separate segments). Landing ids are TeleGeography slugs.
TOPOLOGY = {
    "ajc": [("paddington-nsw-australia", "tumon-bay-guam"),
            ("oxford-falls-nsw-australia", "tanguisson-point-guam"),
            ("tumon-bay-guam", "maruyama-japan"),
            ("tanguisson-point-guam", "shima-japan")],
    "jga-s": [("brookvale-nsw-australia", "piti-guam"),
              ("maroochydore-qld-australia", "piti-guam")],
    "jga-n": [("piti-guam", "minamiboso-japan")],
    "ppc-1": [("sydney-nsw-australia", "madang-papua-new-guinea"),
              ("madang-papua-new-guinea", "piti-guam")],
    "indigo-west": [("perth-wa-australia", "jakarta-indonesia"),
                    ("jakarta-indonesia", "tuas-singapore")],
    "indigo-central": [("alexandria-nsw-australia", "perth-wa-australia")],
    "asc": [("perth-wa-australia", "flying-fish-cove-christmas-island"),
            ("flying-fish-cove-christmas-island", "anyer-indonesia"),
            ("anyer-indonesia", "tanah-merah-singapore")],
    "sccn": [("alexandria-nsw-australia", "suva-fiji"),
             ("suva-fiji", "kahe-point-hi-united-states"),
             ("kahe-point-hi-united-states", "morro-bay-ca-united-states"),
             ("brookvale-nsw-australia", "takapuna-new-zealand"),
             ("whenuapai-new-zealand", "spencer-beach-hi-united-states"),
             ("spencer-beach-hi-united-states", "hillsboro-or-united-states"),
             ("kahe-point-hi-united-states", "spencer-beach-hi-united-states"),
             ("morro-bay-ca-united-states", "hillsboro-or-united-states")],
    "southern-cross-next": [("alexandria-nsw-australia", "los-angeles-ca-united-states"),
                            ("alexandria-nsw-australia", "takapuna-new-zealand"),
                            ("alexandria-nsw-australia", "savusavu-fiji"),
                            ("savusavu-fiji", "suva-fiji"),
                            ("savusavu-fiji", "nukunonu-tokelau"),
                            ("nukunonu-tokelau", "kiritimati-kiribati"),
                            ("kiritimati-kiribati", "los-angeles-ca-united-states")],
    "hawaiki": [("sydney-nsw-australia", "mangawhai-new-zealand"),
                ("mangawhai-new-zealand", "pago-pago-american-samoa"),
                ("pago-pago-american-samoa", "kapolei-hi-united-states"),
                ("kapolei-hi-united-states", "hillsboro-or-united-states")],
    "telstra-endeavour": [("paddington-nsw-australia", "keawaula-hi-united-states")],
    "hawaiki-nui": [("singapore-singapore", "batam-indonesia"),
                    ("batam-indonesia", "jakarta-indonesia"),
                    ("jakarta-indonesia", "darwin-nt-australia"),
                    ("darwin-nt-australia", "brisbane-qld-australia"),
                    ("brisbane-qld-australia", "sydney-nsw-australia"),
                    ("sydney-nsw-australia", "melbourne-vic-australia"),
                    ("melbourne-vic-australia", "invercargill-new-zealand"),
                    ("invercargill-new-zealand", "dunedin-new-zealand"),
                    ("dunedin-new-zealand", "christchurch-new-zealand"),
                    ("christchurch-new-zealand", "kawaihae-hi-united-states"),
                    ("kawaihae-hi-united-states", "kapolei-hi-united-states"),
                    ("kapolei-hi-united-states", "los-angeles-ca-united-states")],
    "acc-1": [("los-angeles-ca-united-states", "piti-guam"),
              ("piti-guam", "manado-indonesia"),
              ("manado-indonesia", "makassar-indonesia"),
              ("makassar-indonesia", "dili-timor-leste"),
              ("dili-timor-leste", "darwin-nt-australia"),
              ("makassar-indonesia", "jakarta-indonesia"),
              ("jakarta-indonesia", "batam-indonesia"),
              ("batam-indonesia", "singapore-singapore"),
              ("singapore-singapore", "medan-indonesia")],
    "sjc": [("chikura-japan", "shantou-china"),
            ("shantou-china", "chung-hom-kok-china"),
            ("chung-hom-kok-china", "nasugbu-philippines"),
            ("nasugbu-philippines", "telisai-brunei"),
            ("telisai-brunei", "tuas-singapore")],
    "sjc2": [("chikura-japan", "shima-japan"),
             ("shima-japan", "busan-south-korea"),
             ("shima-japan", "tanshui-taiwan"),
             ("lingang-china", "tanshui-taiwan"),
             ("tanshui-taiwan", "fangshan-taiwan"),
             ("fangshan-taiwan", "chung-hom-kok-china"),
             ("chung-hom-kok-china", "quy-nhon-vietnam"),
             ("quy-nhon-vietnam", "songkhla-thailand"),
             ("songkhla-thailand", "changi-south-singapore")],
    "apg": [("maruyama-japan", "shima-japan"),
            ("shima-japan", "busan-south-korea"),
            ("busan-south-korea", "chongming-china"),
            ("chongming-china", "nanhui-china"),
            ("nanhui-china", "toucheng-taiwan"),
            ("toucheng-taiwan", "tseung-kwan-o-china"),
            ("tseung-kwan-o-china", "danang-vietnam"),
            ("danang-vietnam", "kuantan-malaysia"),
            ("songkhla-thailand", "kuantan-malaysia"),
            ("kuantan-malaysia", "changi-south-singapore")],
    "ase": [("maruyama-japan", "komesu-japan"),
            ("komesu-japan", "daet-philippines"),
            ("komesu-japan", "tseung-kwan-o-china"),
            ("tseung-kwan-o-china", "mersing-malaysia"),
            ("mersing-malaysia", "changi-south-singapore")],
    "adc": [("maruyama-japan", "shantou-china"),
            ("shantou-china", "chung-hom-kok-china"),
            ("chung-hom-kok-china", "batangas-philippines"),
            ("chung-hom-kok-china", "quy-nhon-vietnam"),
            ("quy-nhon-vietnam", "sriracha-thailand"),
            ("quy-nhon-vietnam", "tuas-singapore")],
    "apricot": [("tuas-singapore", "minamiboso-japan"),
                ("tuas-singapore", "batam-indonesia"),
                ("tuas-singapore", "tanjung-pakis-indonesia"),
                ("davao-philippines", "agat-guam"),
                ("baler-philippines", "toucheng-taiwan"),
                ("agat-guam", "minamiboso-japan"),
                ("toucheng-taiwan", "minamiboso-japan")],
    "goki": [("tumon-bay-guam", "okinawa-japan"),
             ("okinawa-japan", "kita-kyushu-japan")],
    "tgn-pacific": [("emi-japan", "hillsboro-or-united-states"),
                    ("toyohashi-japan", "los-angeles-ca-united-states"),
                    ("hillsboro-or-united-states", "los-angeles-ca-united-states"),
                    ("piti-guam", "toyohashi-japan")],
    "jus": [("kitaibaraki-japan", "manchester-ca-united-states"),
            ("maruyama-japan", "makaha-hi-united-states"),
            ("shima-japan", "makaha-hi-united-states"),
            ("makaha-hi-united-states", "morro-bay-ca-united-states"),
            ("manchester-ca-united-states", "morro-bay-ca-united-states")],
    "juno": [("ajigaura-japan", "los-angeles-ca-united-states"),
             ("shima-japan", "los-angeles-ca-united-states")],
    "jupiter": [("shima-japan", "hermosa-beach-ca-united-states"),
                ("maruyama-japan", "cloverdale-or-united-states"),
                ("shima-japan", "daet-philippines")],
    "faster": [("chikura-japan", "bandon-or-united-states"),
               ("shima-japan", "bandon-or-united-states"),
               ("shima-japan", "tanshui-taiwan")],
    "pc-1": [("ajigaura-japan", "harbour-pointe-wa-united-states"),
             ("shima-japan", "grover-beach-ca-united-states"),
             ("ajigaura-japan", "shima-japan"),
             ("grover-beach-ca-united-states", "harbour-pointe-wa-united-states")],
    "unity": [("chikura-japan", "redondo-beach-ca-united-states")],
    "ncp": [("maruyama-japan", "pacific-city-or-united-states"),
            ("maruyama-japan", "busan-south-korea"),
            ("maruyama-japan", "nanhui-china"),
            ("nanhui-china", "lingang-china"),
            ("lingang-china", "chongming-china"),
            ("maruyama-japan", "toucheng-taiwan")],
    "tpe": [("maruyama-japan", "nedonna-beach-or-united-states"),
            ("maruyama-japan", "geoje-south-korea"),
            ("geoje-south-korea", "qingdao-china"),
            ("qingdao-china", "chongming-china"),
            ("chongming-china", "tanshui-taiwan")],
}

# Published landing-to-landing lengths (km). (cable, a, b) -> (km, source)
PUBLISHED_SEGMENTS = {
    ("jga-s", "brookvale-nsw-australia", "piti-guam"): (
        7081, "JGA-S system length ~7,081 km Sydney-Piti trunk incl. Sunshine Coast branch (FCC filing via TeleGeography CommsUpdate 2019-11-29)"),
    ("jga-n", "piti-guam", "minamiboso-japan"): (
        2600, "JGA-N 2,600 km Minamiboso-Piti (RTI/NEC completion notice, CommsUpdate 2020-07-10)"),
    ("southern-cross-next", "alexandria-nsw-australia", "los-angeles-ca-united-states"): (
        13483, "SC NEXT US-Australia trunk 13,483 km (FCC filing via CommsUpdate 2020-07-10)"),
    ("southern-cross-next", "alexandria-nsw-australia", "takapuna-new-zealand"): (
        1301, "SC NEXT Takapuna branch 1,301 km to the trunk branching unit (FCC filing via CommsUpdate 2020-07-10)"),
    ("apricot", "tuas-singapore", "minamiboso-japan"): (
        8232, "Apricot main trunk Singapore-Japan 8,232 km (FCC cable landing licence, Telecom Review Americas)"),
}

# Branch segments estimated from a published trunk length minus a gc-scaled leg:
# (cable, a, b) -> (published km, leg end 1, leg end 2, explanation)
DERIVED_FROM_PUBLISHED = {
    ("jga-s", "maroochydore-qld-australia", "piti-guam"): (
        7081, "brookvale-nsw-australia", "maroochydore-qld-australia",
        "Sunshine Coast branch joins the Sydney-Guam trunk off Maroochydore; published JGA-S length"),
}

RF_MIN, RF_MAX = 1.0, 1.6


def build_cables(pub):
    meta = {}
    with open(os.path.join(pub, "cables/cables_au_jp.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            meta[r["id"]] = r
    lp = {}
    with open(os.path.join(pub, "cables/landing_points_au_jp.geojson"), encoding="utf-8") as f:
        for ft in json.load(f)["features"]:
            p = ft["properties"]
            lon, lat = ft["geometry"]["coordinates"][:2]
            lp[p["id"]] = (p["name"], p["country"], lon, lat)

    cables, segs, used_landings = [], [], set()
    factors = {}
    # first pass: per-cable route factors
    for tg_id, (cid, planned, note) in CABLES.items():
        m = meta[tg_id]
        lids = m["landing_point_ids"].split(";")
        topo = TOPOLOGY[cid]
        for a, b in topo:
            assert a in lids and b in lids, (cid, a, b)
        covered = {x for e in topo for x in e}
        assert covered == set(lids), (cid, set(lids) - covered)
        gsum = sum(gc_km(*lp[a][2:], *lp[b][2:]) for a, b in topo)
        f = float(m["length_km"]) / gsum
        factors[cid] = f
    valid = sorted(f for f in factors.values() if RF_MIN <= f <= RF_MAX)
    n = len(valid)
    default_rf = valid[n // 2] if n % 2 else (valid[n // 2 - 1] + valid[n // 2]) / 2
    fallback = []
    for tg_id, (cid, planned, note) in CABLES.items():
        m = meta[tg_id]
        lids = sorted(m["landing_point_ids"].split(";"))
        used_landings.update(lids)
        f = factors[cid]
        if not (RF_MIN <= f <= RF_MAX):
            fallback.append((tg_id, f))
            f_use = default_rf
        else:
            f_use = f
        src = "telegeography-2022 (name, length, RFS, landings)"
        if note:
            src += "; planned status: " + note
        cables.append([
            tg_id, m["name"], fnum(float(m["length_km"])), m["rfs_year"],
            "true" if planned else "false", ";".join(lids), src,
        ])
        topo = TOPOLOGY[cid]
        for a, b in topo:
            pub_len = PUBLISHED_SEGMENTS.get((cid, a, b))
            if len(topo) == 1 and pub_len is None:
                pub_len = (float(m["length_km"]), "point-to-point system: published system length (TeleGeography)")
            if (cid, a, b) in DERIVED_FROM_PUBLISHED:
                base_km, minus_a, minus_b, why = DERIVED_FROM_PUBLISHED[(cid, a, b)]
                leg = gc_km(*lp[minus_a][2:], *lp[minus_b][2:]) * default_rf
                segs.append([tg_id, a, b, fnum(round(base_km - leg)), "estimated-gc-scaled",
                             f"{why}: {base_km} km minus gc-scaled {minus_a}-{minus_b} leg "
                             f"({leg / default_rf:.0f} km x {default_rf:.3f})"])
            elif pub_len:
                segs.append([tg_id, a, b, fnum(round(pub_len[0])), "published", pub_len[1]])
            else:
                g = gc_km(*lp[a][2:], *lp[b][2:])
                how = (f"gc {g:.0f} km x route factor {f_use:.3f}"
                       + (" (cable's own)" if f_use == f else " (default median; cable's own factor out of range)"))
                segs.append([tg_id, a, b, fnum(round(g * f_use)), "estimated-gc-scaled", how])
    cables.sort(key=lambda r: r[0])
    segs.sort(key=lambda r: (r[0], r[1], r[2]))
    landings = []
    for lid in sorted(used_landings):
        name, country, lon, lat = lp[lid]
        landings.append([lid, name, fnum(round(lon, 5)), fnum(round(lat, 5)), country,
                         "telegeography-2022 landing point"])
    return cables, segs, landings, factors, default_rf, fallback


# --------------------------------------------------------------------------- datacentres

# (id, display name, operator, state, snapshot name to take coordinates from, note)
DATACENTRES = [
    ("nextdc-s1", "NEXTDC S1 Macquarie Park", "NEXTDC", "NSW", "NEXTDC - S1 Sydney", ""),
    ("nextdc-s2", "NEXTDC S2 Macquarie Park", "NEXTDC", "NSW", "NEXTDC - S2 Sydney", ""),
    ("nextdc-s3", "NEXTDC S3 Artarmon", "NEXTDC", "NSW", "NEXTDC - S3 Sidney", ""),
    ("equinix-sy1", "Equinix SY1 Alexandria", "Equinix", "NSW", "Equinix International Business Exchange SY1 Data Center", ""),
    ("equinix-sy4", "Equinix SY4 Alexandria", "Equinix", "NSW", "Equinix SY4", ""),
    ("equinix-sy6", "Equinix SY6 Silverwater", "Equinix", "NSW", "Equinix SY6", ""),
    ("equinix-sy9", "Equinix SY9x Western Sydney", "Equinix", "NSW", "Equinix SY9x", ""),
    ("airtrunk-syd1", "AirTrunk SYD1 Sydney West (Huntingwood)", "AirTrunk", "NSW", "AirTrunk Sydney West", ""),
    ("airtrunk-syd2", "AirTrunk SYD2 Sydney North (Lane Cove West)", "AirTrunk", "NSW", "AirTrunk Sydney North", ""),
    ("cdc-eastern-creek", "CDC Eastern Creek campus", "CDC Data Centres", "NSW", "CDC Eastern Creek Campus EC1", ""),
    ("digital-realty-erskine-park", "Digital Realty Erskine Park", "Digital Realty", "NSW", "Digital Erskine Park 1", ""),
    ("macquarie-ic2", "Macquarie Intellicentre 2 Macquarie Park", "Macquarie Data Centres", "NSW", "Intellicentre 2", ""),
    ("nextdc-m1", "NEXTDC M1 Port Melbourne", "NEXTDC", "VIC", "NextDC M1 Melbourne Data Centre", ""),
    ("nextdc-m2", "NEXTDC M2 Tullamarine", "NEXTDC", "VIC", "NEXTDC M2", ""),
    ("nextdc-m3", "NEXTDC M3 West Footscray", "NEXTDC", "VIC", "NEXTDC M3 Melbourne Data Centre", ""),
    ("equinix-me1", "Equinix ME1 Melbourne", "Equinix", "VIC", "Equinix ME1", ""),
    ("equinix-me4", "Equinix ME4 Derrimut", "Equinix", "VIC", "Equinix ME4", ""),
    ("airtrunk-mel1", "AirTrunk MEL1 Derrimut", "AirTrunk", "VIC", "site-45f24a8586", ""),
    ("telstra-clayton", "Telstra Clayton data centre", "Telstra", "VIC", "Telstra Clayton Data Centre", ""),
    ("nextdc-b1", "NEXTDC B1 Brisbane", "NEXTDC", "QLD", "NEXTDC B1", ""),
    ("nextdc-b2", "NEXTDC B2 Fortitude Valley", "NEXTDC", "QLD", "site-cc4197455f", "OSM object tagged 'NextDC' at the B2 site"),
    ("digico-bne1", "DigiCo BNE1 Brisbane", "DigiCo", "QLD", "DigiCo BNE1", ""),
    ("nextdc-p1", "NEXTDC P1 Malaga", "NEXTDC", "WA", "NEXTDC P1", ""),
    ("nextdc-p2", "NEXTDC P2 Perth", "NEXTDC", "WA", "NextDC P2 Perth Data Centre", ""),
    ("equinix-pe1", "Equinix PE1 East Perth", "Equinix", "WA", "Equinix PE1 - Perth", ""),
    ("equinix-pe2", "Equinix PE2 Shenton Park", "Equinix", "WA", "Equinix PE2", ""),
    ("fujitsu-malaga", "Fujitsu Malaga", "Fujitsu Australia", "WA", "Fujitsu Malaga", ""),
    ("nextdc-a1", "NEXTDC A1 Adelaide", "NEXTDC", "SA", "NextDC A1", ""),
    ("digico-adl2", "DigiCo ADL2 Adelaide", "DigiCo", "SA", "DigiCo ADL2", ""),
    ("cdc-hume", "CDC Hume campus", "CDC Data Centres", "ACT", "CDC Hume Datacentre 1", ""),
    ("cdc-fyshwick", "CDC Fyshwick campus", "CDC Data Centres", "ACT", "Fyshwick 1", ""),
    ("nextdc-c1", "NEXTDC C1 Canberra", "NEXTDC", "ACT", "Canberra 1", ""),
    ("tasmanet-hobart-dc3", "TasmaNet Hobart DC3", "TasmaNet", "TAS", "TasmaNet Hobart DC3", ""),
    ("nextdc-d1", "NEXTDC D1 Darwin", "NEXTDC", "NT", "NEXTDC Darwin D1", ""),
]


def build_datacentres(pub):
    rows_in = []
    with open(os.path.join(pub, "datacentres/datacentres_au_jp.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["country"] == "AU" and r["lat"]:
                rows_in.append(r)
    out = []
    for did, name, op, st, key, note in DATACENTRES:
        hits = [r for r in rows_in if r["name"] == key or r["site_id"] == key]
        assert hits, key
        r = hits[0]
        src_kind = {"osm": "OpenStreetMap (ODbL)", "peeringdb": "PeeringDB"}.get(r["source"], r["source"])
        src = f"dcmap {r['site_id']} via {src_kind} '{r['name'] or r['operator']}'"
        if note:
            src += "; " + note
        out.append([did, name, fnum(round(float(r["lon"]), 6)), fnum(round(float(r["lat"]), 6)), op, "AU", st, src])
    out.sort(key=lambda r: r[0])
    return out


# --------------------------------------------------------------------------- regions

def build_regions(pub):
    names = {"NSW1": ("New South Wales (incl. ACT)", "NSW;ACT"), "QLD1": ("Queensland", "QLD"),
             "VIC1": ("Victoria", "VIC"), "SA1": ("South Australia", "SA"), "TAS1": ("Tasmania", "TAS")}
    acc = {}
    with open(os.path.join(pub, "climate_prices/nem_region_annual_price_temperature.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if 2018 <= int(r["year"]) <= 2022:
                acc.setdefault(r["network_region"], []).append(r)
    rows = []
    for rid in sorted(names):
        rs = acc[rid]
        assert len(rs) == 5 and all(r["months_with_price"] == "12" and r["months_with_temperature"] == "12" for r in rs)
        price = sum(float(r["vwap_aud_per_mwh"]) for r in rs) / 5
        temp = sum(float(r["mean_monthly_temperature_c"]) for r in rs) / 5
        rows.append([rid, names[rid][0], names[rid][1], fnum(round(price, 2)), fnum(round(temp, 2)),
                     "opennem-nem-2018-2022: mean of annual VWAP and of annual mean monthly temperature at the capital-city BOM station"])
    rows.append(["WEM", "Western Australia (SWIS, Wholesale Electricity Market)", "WA", "90", "18.7",
                 "assumption: price ~A$90/MWh = order of AEMO-reported WEM balancing price averages 2022-23 (not verified per year); temp = BOM 009021 Perth Airport long-term mean of daily max 24.6 and min 12.7 C (BOM climate statistics)"])
    rows.append(["NT", "Northern Territory (Darwin-Katherine Interconnected System)", "NT", "120", "27.6",
                 "assumption: no spot market in the DKIS; A$120/MWh placeholder for generation cost; temp = BOM 014015 Darwin Airport long-term mean of daily max 32.0 and min 23.2 C (BOM climate statistics)"])
    return rows


# --------------------------------------------------------------------------- Japan demand

TOTAL_JP_MW = 1200
# (id, NE name, workload, max_rtt_ms, min_sites)
JP_CITIES = [
    ("tokyo", "Tokyo", "inference", 125, 2),
    ("osaka", "Ōsaka", "inference", 125, 2),
    ("nagoya", "Nagoya", "training", 200, 1),
    ("fukuoka", "Fukuoka", "training", 220, 1),
    ("sapporo", "Sapporo", "training", 220, 1),
    ("sendai", "Sendai", "training", 200, 1),
    ("hiroshima", "Hiroshima", "training", 220, 1),
]
JP_ASSUMPTION = (
    "A total of ~1,200 MW of Japanese AI compute (IT load) is placed in Australia, split across seven "
    "Japanese metros in proportion to Natural Earth metro population (pop_max; Tokyo includes Yokohama/"
    "Kawasaki, Osaka includes Kobe/Kyoto) and rounded to 5 MW. Tokyo and Osaka are latency-sensitive "
    "inference loads (max RTT 125 ms, two sites each for redundancy; Sydney-Tokyo is ~104 ms measured, so "
    "this admits east- and south-east-coast sites but not Perth or Darwin once the latency model is "
    "calibrated to that measurement); the other metros are training loads that tolerate 200-220 ms RTT. "
    "The sizes are a planning assumption, not a forecast: no public dataset of Japanese demand for "
    "offshore compute exists."
)


def build_jp(pub):
    cities = {}
    with open(os.path.join(pub, "datacentres/japan_demand_cities_ne.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cities[r["name"]] = r
    pops = {cid: float(cities[ne]["pop_max"]) for cid, ne, *_ in JP_CITIES}
    total = sum(pops.values())
    demand = []
    for cid, ne, wl, rtt, ms in JP_CITIES:
        r = cities[ne]
        mw = int(5 * round(TOTAL_JP_MW * pops[cid] / total / 5))
        demand.append({
            "id": cid, "name": r["nameascii"], "lon": round(float(r["lon"]), 5), "lat": round(float(r["lat"]), 5),
            "it_load_mw": mw, "max_rtt_ms": rtt, "workload": wl, "min_sites": ms,
        })
    return {"assumption": JP_ASSUMPTION, "demand": demand}


# --------------------------------------------------------------------------- main

def main():
    pub = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SITEFIND_PUBLIC_DATA", "../shared/data")
    out = sys.argv[2] if len(sys.argv) > 2 else OUT
    zones, placed = build_zones(pub)
    write_csv(os.path.join(out, "zones.csv"), read_header(os.path.join(out, "zones.csv")), zones)
    subs = build_substations(pub)
    write_csv(os.path.join(out, "substations.csv"), read_header(os.path.join(out, "substations.csv")), subs)
    mins = build_minerals(pub)
    write_csv(os.path.join(out, "minerals.csv"), read_header(os.path.join(out, "minerals.csv")), mins)
    cables, segs, landings, factors, default_rf, fallback = build_cables(pub)
    write_csv(os.path.join(out, "cables.csv"), read_header(os.path.join(out, "cables.csv")), cables)
    write_csv(os.path.join(out, "cable_segments.csv"), read_header(os.path.join(out, "cable_segments.csv")), segs)
    write_csv(os.path.join(out, "landings.csv"), read_header(os.path.join(out, "landings.csv")), landings)
    dcs = build_datacentres(pub)
    write_csv(os.path.join(out, "datacentres.csv"), read_header(os.path.join(out, "datacentres.csv")), dcs)
    regs = build_regions(pub)
    write_csv(os.path.join(out, "regions.csv"), read_header(os.path.join(out, "regions.csv")), regs)
    jp = build_jp(pub)
    with open(os.path.join(out, "jp.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(jp, ensure_ascii=False, indent=2) + "\n")
    sys.stderr.write(
        f"zones {len(zones)} (placed {','.join(placed)}), substations {len(subs)}, minerals {len(mins)}, "
        f"cables {len(cables)}, segments {len(segs)}, landings {len(landings)}, datacentres {len(dcs)}, "
        f"regions {len(regs)}, jp demand {len(jp['demand'])} ({sum(d['it_load_mw'] for d in jp['demand'])} MW)\n"
        f"default route factor {default_rf:.3f}; fallback for {', '.join(f'{c}={f:.2f}' for c, f in fallback)}\n"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Sanity checks for the embedded dataset (stdlib only). Exit 1 on any problem.

Checks: every CSV parses with its header (same column count), ids unique, no NaN/inf,
AU coordinates inside Australia (lon 112..154.5, lat -44..-9), REZ region ids,
booleans true/false, mineral critical groups non-empty, cable segments reference the cable's landings, landing ids exist,
jp.json shape, and the shortest Sydney -> Japan cable path length.
"""
import csv, heapq, json, math, os, sys

D = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def load(name):
    with open(os.path.join(D, name), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    hdr, body = rows[0], rows[1:]
    out = []
    for i, r in enumerate(body, start=2):
        if len(r) != len(hdr):
            problems.append(f"{name}:{i}: {len(r)} fields, header has {len(hdr)}")
            continue
        for v in r:
            if v.strip().lower() in ("nan", "inf", "-inf", "none", "null"):
                problems.append(f"{name}:{i}: bad value {v!r}")
        out.append(dict(zip(hdr, r)))
    ids = [r[hdr[0]] for r in out]
    if hdr[0] == "id" and len(ids) != len(set(ids)):
        problems.append(f"{name}: duplicate ids {sorted({x for x in ids if ids.count(x) > 1})}")
    return out


def in_au(r, name):
    lon, lat = float(r["lon"]), float(r["lat"])
    if not (112 <= lon <= 154.5 and -44 <= lat <= -9):
        problems.append(f"{name}: {r['id']} outside Australia ({lon},{lat})")


def boolean(v, where):
    if v not in ("true", "false"):
        problems.append(f"{where}: boolean expected, found {v!r}")


zones = load("zones.csv")
for r in zones:
    in_au(r, "zones.csv")
    if r["region"] not in ("QLD1", "NSW1", "VIC1", "SA1", "TAS1"):
        problems.append(f"zones.csv: {r['id']} region {r['region']}")
    if not (30 <= float(r["radius_km"]) <= 150):
        problems.append(f"zones.csv: {r['id']} radius")
for r in load("substations.csv"):
    in_au(r, "substations.csv")
    boolean(r["operational"], r["id"])
    if float(r["voltage_kv"]) < 132:
        problems.append(f"substations.csv: {r['id']} < 132 kV")
for r in load("minerals.csv"):
    in_au(r, "minerals.csv")
    if not r["critical"] or r["critical"] in ("true", "false"):
        problems.append(f"minerals.csv: {r['id']} critical must list critical-mineral groups")
for r in load("datacentres.csv"):
    in_au(r, "datacentres.csv")
regions = load("regions.csv")
landings = {r["id"]: r for r in load("landings.csv")}
for r in landings.values():
    lon, lat = float(r["lon"]), float(r["lat"])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append(f"landings.csv: {r['id']} bad coords")
    if r["country"] == "Australia":
        in_au(r, "landings.csv")
cables = {r["id"]: r for r in load("cables.csv")}
for c in cables.values():
    boolean(c["planned"], c["id"])
    for l in c["landing_ids"].split(";"):
        if l not in landings:
            problems.append(f"cables.csv: {c['id']} unknown landing {l}")
segs = load("cable_segments.csv")
graph = {}
for s in segs:
    c = cables.get(s["cable_id"])
    if c is None:
        problems.append(f"cable_segments.csv: unknown cable {s['cable_id']}")
        continue
    lids = c["landing_ids"].split(";")
    for e in (s["from"], s["to"]):
        if e not in lids:
            problems.append(f"cable_segments.csv: {s['cable_id']} endpoint {e} not a landing of the cable")
    if s["length_source"] not in ("published", "estimated-gc-scaled"):
        problems.append(f"cable_segments.csv: length_source {s['length_source']}")
    km = float(s["length_km"])
    if not km > 0:
        problems.append(f"cable_segments.csv: length {km}")
    if c["planned"] == "false":
        graph.setdefault(s["from"], []).append((s["to"], km, s["cable_id"]))
        graph.setdefault(s["to"], []).append((s["from"], km, s["cable_id"]))
for c in cables.values():
    lids = set(c["landing_ids"].split(";"))
    touched = {x for s in segs if s["cable_id"] == c["id"] for x in (s["from"], s["to"])}
    if touched != lids:
        problems.append(f"cable {c['id']}: landings without segment {sorted(lids - touched)}")

# shortest in-service path from any Sydney landing to any Japan landing
syd = [l for l in landings if l.endswith("-nsw-australia")]
jp = {l for l, r in landings.items() if r["country"] == "Japan"}
dist = {s: 0.0 for s in syd}
pq = [(0.0, s, []) for s in syd]
best = None
while pq:
    d, u, path = heapq.heappop(pq)
    if d > dist.get(u, math.inf):
        continue
    if u in jp:
        best = (d, path + [u])
        break
    for v, km, cid in graph.get(u, []):
        if d + km < dist.get(v, math.inf):
            dist[v] = d + km
            heapq.heappush(pq, (d + km, v, path + [f"{u} -[{cid}]->"]))
if best is None or not (8500 <= best[0] <= 10500):
    problems.append(f"shortest Sydney->Japan path {best}")
else:
    print(f"shortest Sydney->Japan cable path {best[0]:.0f} km: {' '.join(best[1])}")

with open(os.path.join(D, "jp.json"), encoding="utf-8") as f:
    j = json.load(f)
assert isinstance(j["assumption"], str) and j["assumption"]
ids = set()
for i, d in enumerate(j["demand"]):
    for k in ("id", "name", "lon", "lat", "it_load_mw", "max_rtt_ms", "workload", "min_sites"):
        if k not in d:
            problems.append(f"jp.json demand[{i}] missing {k}")
    if d["id"] in ids:
        problems.append(f"jp.json duplicate {d['id']}")
    ids.add(d["id"])
    if not (122 <= d["lon"] <= 146 and 24 <= d["lat"] <= 46) or d["it_load_mw"] <= 0:
        problems.append(f"jp.json demand[{i}] bad values")

for name in ("zones.csv", "substations.csv", "minerals.csv", "landings.csv", "cables.csv",
             "cable_segments.csv", "datacentres.csv", "regions.csv"):
    with open(os.path.join(D, name), encoding="utf-8") as f:
        print(f"{name}: {sum(1 for _ in f) - 1} rows")
print(f"jp.json: {len(j['demand'])} demand nodes, {sum(d['it_load_mw'] for d in j['demand'])} MW")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("OK")

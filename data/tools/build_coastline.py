#!/usr/bin/env python3
"""Builds data/coastline.geojson: a compact basemap of the countries around the Australia–Japan
cable routes, derived from Natural Earth 1:50m admin-0 countries (public domain), as snapshotted
in ../shared/data/boundaries/ne_50m_countries_asia_pacific.geojson (see its PROVENANCE.md).

Derivation (Python 3 standard library only, deterministic): every polygon ring simplified with
Douglas–Peucker at TOLERANCE_DEG, rings with fewer than 4 vertices left or an area under
MIN_AREA_DEG2 square degrees dropped (small islands), coordinates rounded to 2 decimals
(~1 km), one MultiPolygon per country with its `name` and `iso_a3`.

    python3 data/tools/build_coastline.py [../shared/data]
"""
import json
import sys
from pathlib import Path

TOLERANCE_DEG = 0.08
MIN_AREA_DEG2 = 0.05


def dp(points, tol):
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, idx = -1.0, 0
    for i in range(1, len(points) - 1):
        px, py = points[i]
        if norm == 0:
            d = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
        else:
            d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
        if d > best:
            best, idx = d, i
    if best <= tol:
        return [points[0], points[-1]]
    left = dp(points[: idx + 1], tol)
    right = dp(points[idx:], tol)
    return left[:-1] + right


def area(ring):
    return abs(sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))) / 2


def simplify_ring(ring):
    # Split the closed ring in two halves so DP keeps its shape (endpoints coincide otherwise).
    ring = ring[:-1] if ring[0] == ring[-1] else ring
    if len(ring) < 4:
        return None
    half = len(ring) // 2
    a = dp(ring[: half + 1], TOLERANCE_DEG)
    b = dp(ring[half:] + [ring[0]], TOLERANCE_DEG)
    out = [[round(x, 2), round(y, 2)] for x, y in a[:-1] + b]
    dedup = [out[0]]
    for p in out[1:]:
        if p != dedup[-1]:
            dedup.append(p)
    if len(dedup) < 4 or area(dedup) < MIN_AREA_DEG2:
        return None
    return dedup


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    src = json.loads((shared / "boundaries/ne_50m_countries_asia_pacific.geojson").read_text())
    features = []
    for f in sorted(src["features"], key=lambda f: f["properties"]["iso_a3"] + f["properties"]["name"]):
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        out = []
        for poly in polys:
            rings = [simplify_ring(r) for r in poly]
            if rings[0] is None:
                continue
            out.append([r for r in rings if r is not None])
        if out:
            features.append({
                "type": "Feature",
                "properties": {"name": f["properties"]["name"], "iso_a3": f["properties"]["iso_a3"]},
                "geometry": {"type": "MultiPolygon", "coordinates": out},
            })
    doc = {"type": "FeatureCollection", "features": features}
    dst = Path(__file__).resolve().parent.parent / "coastline.geojson"
    dst.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    n = sum(len(p) for f in features for p in f["geometry"]["coordinates"])
    print(f"{dst}: {len(features)} countries, {n} rings, {dst.stat().st_size} bytes")


if __name__ == "__main__":
    main()

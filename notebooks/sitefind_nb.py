"""Helpers shared by the sitefind notebooks: run the CLI, read its outputs, draw the figures.

Everything here is deterministic: the same sitefind binary and inputs give the same tables and
the same PNG bytes (matplotlib's `Software` metadata is dropped when saving).

The binary is `$SITEFIND_BIN`, else `../target/release/sitefind` relative to this folder.
Public data is `$SITEFIND_PUBLIC_DATA` (the folder holding boundaries/, rez/, grid/, ...).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

NB_DIR = Path(__file__).resolve().parent
REPO = NB_DIR.parent

# Cost components in report order, with the colours used in every figure.
COST_PARTS = [
    ("capex_aud_per_yr", "building + M&E capex", "#4c6ef5"),
    ("site_fixed_aud_per_yr", "site fixed", "#868e96"),
    ("grid_connection_aud_per_yr", "grid connection", "#fab005"),
    ("rez_expansion_aud_per_yr", "REZ network expansion", "#e8590c"),
    ("energy_aud_per_yr", "energy", "#2f9e44"),
    ("network_aud_per_yr", "network backhaul", "#ae3ec9"),
]


# --------------------------------------------------------------------------------------------
# Locating things
# --------------------------------------------------------------------------------------------


def sitefind_bin() -> Path:
    """The sitefind binary: `$SITEFIND_BIN` or ../target/release/sitefind (from notebooks/)."""
    env = os.environ.get("SITEFIND_BIN")
    p = Path(env).expanduser().resolve() if env else (NB_DIR / ".." / "target" / "release" / "sitefind").resolve()
    if not p.exists():
        raise FileNotFoundError(
            f"sitefind binary not found at {p}: run `cargo build --release` at the repository "
            "root, or set SITEFIND_BIN to the binary"
        )
    return p


def public_data() -> Optional[Path]:
    """The public data folder from `$SITEFIND_PUBLIC_DATA`, or None when unset or missing."""
    env = os.environ.get("SITEFIND_PUBLIC_DATA")
    if not env:
        return None
    p = Path(env).expanduser().resolve()
    return p if p.is_dir() else None


def figures_dir() -> Optional[Path]:
    """Where to save README figures: `$SITEFIND_NB_FIGURES` (set by run.sh), else None."""
    env = os.environ.get("SITEFIND_NB_FIGURES")
    if not env:
        return None
    p = Path(env)
    p.mkdir(parents=True, exist_ok=True)
    return p


def save_figure(fig, name: str) -> Optional[Path]:
    """Saves `fig` as figures/<name>.png when run.sh asked for figures; returns the path."""
    d = figures_dir()
    if d is None:
        return None
    path = d / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return path


# --------------------------------------------------------------------------------------------
# Running sitefind
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One `sitefind solve` run: its arguments, exit code, report (if any) and GeoJSON path."""

    args: list[str]
    returncode: int
    seconds: float
    stderr: str
    report: Optional[dict] = None
    geojson: Optional[Path] = None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when sitefind exited 0 and wrote a report."""
        return self.returncode == 0 and self.report is not None

    def error_line(self) -> str:
        """The first `error:` line of stderr (why sitefind refused), or the last line."""
        lines = [l for l in self.stderr.splitlines() if l.strip()]
        for l in lines:
            if l.lstrip().lower().startswith("error"):
                return l.strip()
        return lines[-1].strip() if lines else f"exit code {self.returncode}"


_WORK = Path(tempfile.mkdtemp(prefix="sitefind-nb-"))


def solve(*args: str, geojson: bool = False, timeout: float = 600) -> Run:
    """Runs `sitefind solve --format json --quiet ARGS` and parses the JSON report.

    A non-zero exit (1 = infeasible or bad input) is returned, not raised, so a sweep can
    record it and go on. With `geojson=True` the answer's GeoJSON is written to a temp file.
    """
    argv = [str(sitefind_bin()), "solve", "--format", "json", "--quiet", *map(str, args)]
    gj = None
    if geojson:
        fd, name = tempfile.mkstemp(suffix=".geojson", dir=_WORK)
        os.close(fd)
        gj = Path(name)
        argv += ["--geojson", str(gj)]
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    dt = time.perf_counter() - t0
    report = None
    if p.returncode == 0:
        report = json.loads(p.stdout)
    return Run(argv[1:], p.returncode, dt, p.stderr, report, gj if p.returncode == 0 else None)


def run_json(*args: str, timeout: float = 600) -> Any:
    """Runs any sitefind subcommand with `--format json` and returns the parsed stdout."""
    argv = [str(sitefind_bin()), *map(str, args), "--format", "json"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    if p.returncode != 0:
        raise RuntimeError(f"sitefind {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return json.loads(p.stdout)


def public_manifest(public: Path) -> Path:
    """data/public.toml with its dataset paths pointed at `public` (an absolute folder).

    The committed manifest refers to `../../shared/data/...` (the layout next to the
    repository's clone); other relative paths (e.g. `regions.csv`) are sitefind's own files in
    data/. Both are rewritten to absolute paths so the manifest works from any checkout.
    """
    src = REPO / "data" / "public.toml"
    out_lines = []
    pat = re.compile(r'^(\s*[A-Za-z_]+\s*=\s*")([^"]+)(".*)$')
    for line in src.read_text().splitlines():
        m = pat.match(line)
        if m and not line.lstrip().startswith("format"):
            value = m.group(2)
            if value.startswith("../../shared/data/"):
                new = public / value[len("../../shared/data/") :]
                line = f"{m.group(1)}{new.as_posix()}{m.group(3)}"
            elif "/" in value or value.endswith((".csv", ".geojson", ".json", ".toml")):
                new = (src.parent / value).resolve()
                line = f"{m.group(1)}{new.as_posix()}{m.group(3)}"
        out_lines.append(line)
    dst = _WORK / "public_abs.toml"
    dst.write_text("\n".join(out_lines) + "\n")
    return dst


# --------------------------------------------------------------------------------------------
# Reading reports
# --------------------------------------------------------------------------------------------


def sites_table(report: dict) -> pd.DataFrame:
    """One row per chosen site: id, name, state, REZ, MW, annual cost and its components."""
    rows = []
    for s in report["sites"]:
        row = {
            "id": s["id"],
            "name": s["name"],
            "state": s["state"],
            "zone": s.get("zone_id") or "-",
            "built_mw": s["built_mw"],
            "annual_cost_aud_m": s["annual_cost_aud_per_yr"] / 1e6,
            "cost_per_mw_aud_k": s["cost_per_mw_aud_per_yr"] / 1e3 if s.get("cost_per_mw_aud_per_yr") else np.nan,
            "serves": ", ".join(f"{a['city_id']} {a['mw']:.0f} MW" for a in s["serves"]),
        }
        for key, _, _ in COST_PARTS:
            row[key] = s["cost"][key]
        rows.append(row)
    return pd.DataFrame(rows)


def cities_table(report: dict) -> pd.DataFrame:
    """One row per demand city: demand, served, RTT limit and its statistic, weighted median RTT,
    worst median and P95 RTT, slack to the limit, best available RTTs, sites."""
    rows = []
    for c in report["cities"]:
        rows.append(
            {
                "id": c["id"],
                "name": c["name"],
                "workload": c["workload"],
                "demand_mw": c["demand_mw"],
                "served_mw": c["served_mw"],
                "unserved_mw": c["unserved_mw"],
                "max_rtt_ms": c["max_rtt_ms"],
                "limit_statistic": c.get("limit_statistic"),
                "weighted_rtt_ms": c.get("weighted_rtt_ms"),
                "worst_rtt_ms": c.get("worst_rtt_ms"),
                "worst_rtt_p95_ms": c.get("worst_rtt_p95_ms"),
                "slack_ms": c.get("slack_ms"),
                "best_available_rtt_ms": c.get("best_available_rtt_ms"),
                "best_available_rtt_p95_ms": c.get("best_available_rtt_p95_ms"),
                "sites": ", ".join(a["site_id"] for a in c["served_by"]),
            }
        )
    return pd.DataFrame(rows)


def limit_statistic(report: dict) -> str:
    """The statistic the RTT limits apply to (`p95` or `p50`; reports before 2.1 had none: p50)."""
    for c in report["cities"]:
        if c.get("limit_statistic"):
            return c["limit_statistic"]
    return "p50"


def limit_rtt_ms(city: dict, allocation: dict) -> float:
    """An allocation's RTT in the statistic its city's limit applies to, ms."""
    if city.get("limit_statistic") == "p95":
        return allocation["rtt_p95_ms"]
    return allocation["rtt_ms"]


def worst_rtt_ms(report: dict) -> float:
    """The worst RTT over every city's served demand, ms (NaN if nothing is served)."""
    vals = [c["worst_rtt_ms"] for c in report["cities"] if c.get("worst_rtt_ms") is not None]
    return max(vals) if vals else float("nan")


def pareto_front(df: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Rows of `df` not dominated in (x, y), both minimised, sorted by x.

    A point is dominated when another is no worse in both and better in one.
    """
    d = df.sort_values([x, y], kind="mergesort").reset_index(drop=True)
    keep = []
    best_y = np.inf
    for i, r in d.iterrows():
        if r[y] < best_y - 1e-9:
            keep.append(i)
            best_y = r[y]
    return d.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def load_basemap():
    """Natural Earth Asia–Pacific countries (GeoDataFrame) from the public data, or None."""
    pub = public_data()
    if pub is None:
        return None
    path = pub / "boundaries" / "ne_50m_countries_asia_pacific.geojson"
    if not path.exists():
        return None
    import geopandas as gpd

    return gpd.read_file(path)


def read_answer(path: Path):
    """The answer's GeoJSON as a GeoDataFrame (layers: zone, route, site, city)."""
    import geopandas as gpd

    return gpd.read_file(path)


def _frame(ax, extent, basemap, title):
    x0, x1, y0, y1 = extent
    if basemap is not None:
        basemap.plot(ax=ax, color="#eeeae2", edgecolor="#9a948a", linewidth=0.5, zorder=0)
    else:
        ax.set_facecolor("#f7f7f7")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    # Equirectangular with the aspect of the frame's mid-latitude: shapes look right there.
    ax.set_aspect(1.0 / np.cos(np.radians((y0 + y1) / 2)))
    ax.grid(True, color="#cccccc", linewidth=0.4, linestyle=":")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(title, fontsize=11)


def _site_size(mw):
    return 20 + np.sqrt(np.asarray(mw, dtype=float)) * 14


def _label_sites(ax, sites):
    """Labels each site with its name and MW next to its marker, choosing for each (north to
    south) the first of a few offsets whose box overlaps no label placed before (greedy)."""
    fig = ax.figure
    ax.apply_aspect()
    to_pt = 72.0 / fig.dpi
    placed = []
    offsets = [(12, 4), (12, -28), (-12, 4), (-12, -28), (12, 32), (-12, 32), (12, -56), (-12, -56)]
    ss = sites.assign(_lat=sites.geometry.y).sort_values("_lat", ascending=False, kind="mergesort")
    for _, r in ss.iterrows():
        name = str(r["name"])[:30]
        state = r.get("state", "")
        lines = [f"{name} ({state})" if state else name, f"{r['built_mw']:.0f} MW"]
        w = 4.6 * max(len(l) for l in lines) + 6
        h = 24.0
        px, py = (np.asarray(ax.transData.transform((r.geometry.x, r.geometry.y))) * to_pt)
        choice = offsets[0]
        for dx, dy in offsets:
            x0 = px + dx if dx > 0 else px + dx - w
            box = (x0, py + dy, x0 + w, py + dy + h)
            if all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in placed):
                choice = (dx, dy)
                break
        dx, dy = choice
        x0 = px + dx if dx > 0 else px + dx - w
        placed.append((x0, py + dy, x0 + w, py + dy + h))
        ax.annotate("\n".join(lines), (r.geometry.x, r.geometry.y), xytext=(dx, dy),
                    textcoords="offset points", fontsize=7.5, zorder=6, va="bottom",
                    ha="left" if dx > 0 else "right",
                    bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="#1c7ed6", lw=0.6, alpha=0.9),
                    arrowprops=dict(arrowstyle="-", color="#1c7ed6", lw=0.6, shrinkA=0, shrinkB=3))


def plot_answer_map(gdf, report: dict, basemap=None, title: str = ""):
    """Two panels: the whole corridor (Australia to Japan, routes and cities) and a zoom on the
    Australian sites with their REZs. Sites are sized by MW built, cities by demand MW."""
    fig, (ax0, ax1) = plt.subplots(
        1, 2, figsize=(13, 8.5), gridspec_kw={"width_ratios": [1, 1.35]}
    )
    layers = {k: gdf[gdf["layer"] == k] for k in ("zone", "route", "site", "city")}

    # Overview: route corridor.
    _frame(ax0, (108, 156, -45, 47), basemap, "Routes to Japan (schematic, via landings)")
    if len(layers["route"]):
        layers["route"].plot(ax=ax0, color="#d9480f", linewidth=1.0, alpha=0.6, zorder=2)
    if len(layers["zone"]):
        layers["zone"].plot(ax=ax0, color="#2e9e44", alpha=0.35, zorder=1)
    s = layers["site"]
    ax0.scatter(s.geometry.x, s.geometry.y, s=_site_size(s["built_mw"]) * 0.5, c="#1c7ed6",
                edgecolor="white", linewidth=0.6, zorder=4)
    c = layers["city"]
    ax0.scatter(c.geometry.x, c.geometry.y, s=_site_size(c["demand_mw"]) * 0.5, c="#c92a2a",
                marker="s", edgecolor="white", linewidth=0.6, zorder=4)
    # City labels stacked east of Japan (open ocean) with leader lines, north to south.
    cs = c.assign(_lat=c.geometry.y).sort_values("_lat", ascending=False, kind="mergesort")
    n = len(cs)
    if n:
        top = min(46.0, float(cs.geometry.y.mean()) + 2.6 * (n - 1) / 2 + 1.5)
        for k, (_, r) in enumerate(cs.iterrows()):
            ty = top - 2.6 * k
            ax0.annotate(f"{r['name']} {r['demand_mw']:.0f} MW", (r.geometry.x, r.geometry.y),
                         xytext=(145.0, ty), textcoords="data", fontsize=7, va="center",
                         zorder=5, arrowprops=dict(arrowstyle="-", color="#aaaaaa", lw=0.4,
                                                   shrinkA=0, shrinkB=2),
                         bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7))

    # Zoom on the sites, their REZs and the Australian landings their routes use (the route's
    # second vertex: site → landing → ...), so the backhaul is visible.
    xs = list(s.geometry.x) + [b for g in layers["zone"].geometry for b in (g.bounds[0], g.bounds[2])]
    ys = list(s.geometry.y) + [b for g in layers["zone"].geometry for b in (g.bounds[1], g.bounds[3])]
    for g in layers["route"].geometry:
        coords = list(g.coords) if g.geom_type == "LineString" else []
        if len(coords) >= 2 and coords[1][1] < -9.0:
            xs.append(coords[1][0])
            ys.append(coords[1][1])
    if xs:
        pad = 2.0
        x0, x1 = min(xs) - pad, max(xs) + pad
        y0, y1 = min(ys) - pad, max(ys) + pad
        # Keep a sensible minimum extent and roughly square frame.
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = max(x1 - x0, (y1 - y0), 8.0) / 2
        extent = (cx - half, cx + half, cy - half, cy + half)
    else:
        extent = (112, 155, -44, -10)
    _frame(ax1, extent, basemap, "Chosen sites and their renewable-energy zones")
    if len(layers["zone"]):
        layers["zone"].plot(ax=ax1, color="#2e9e44", alpha=0.25, edgecolor="#1b6b2c",
                            linewidth=1.0, zorder=1)
        # Label REZs north to south, alternating above / below the zone, to keep labels apart.
        zs = layers["zone"].assign(_lat=[(g.bounds[1] + g.bounds[3]) / 2 for g in layers["zone"].geometry])
        for k, (_, z) in enumerate(zs.sort_values("_lat", ascending=False, kind="mergesort").iterrows()):
            b = z.geometry.bounds
            above = k % 2 == 0
            px, py = (b[0] + b[2]) / 2, (b[3] if above else b[1])
            if extent[0] < px < extent[1] and extent[2] < py < extent[3]:
                ax1.annotate(f"REZ {z['id']} {z.get('name', '')}".strip(), (px, py), fontsize=7.5,
                             color="#1b6b2c", ha="center", va="bottom" if above else "top",
                             zorder=2, xytext=(0, 2 if above else -2), textcoords="offset points")
    if len(layers["route"]):
        layers["route"].plot(ax=ax1, color="#d9480f", linewidth=0.8, alpha=0.5, zorder=2)
    ax1.scatter(s.geometry.x, s.geometry.y, s=_site_size(s["built_mw"]) * 2.2, c="#1c7ed6",
                alpha=0.85, edgecolor="white", linewidth=1.0, zorder=4)
    _label_sites(ax1, s)

    # Legend with size keys.
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor="#2e9e44", alpha=0.35, edgecolor="#1b6b2c", label="REZ used"),
        Line2D([], [], color="#d9480f", lw=1.2, label="route site → landing → cable → city"),
        Line2D([], [], marker="s", color="none", markerfacecolor="#c92a2a", markersize=7,
               label="Japanese city (size ∝ √demand MW)"),
    ]
    for mw in (100, 300, 600):
        handles.append(Line2D([], [], marker="o", color="none", markerfacecolor="#1c7ed6",
                              markeredgecolor="white",
                              markersize=np.sqrt(_site_size(mw) * 2.2), label=f"site {mw} MW"))
    ax1.legend(handles=handles, loc="lower left", fontsize=7.5, framealpha=0.9,
               labelspacing=1.1, borderpad=0.8)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def plot_cost_breakdown(report: dict, title: str = "Annual cost by component per site"):
    """Stacked horizontal bars per site (A$ M/yr): all components (left) and a zoom on the
    location-dependent ones, which are small beside capex and energy (right)."""
    df = sites_table(report).sort_values("annual_cost_aud_m", ascending=True, kind="mergesort")
    fig, (ax, axz) = plt.subplots(
        1, 2, figsize=(12, 0.55 * len(df) + 2.4), sharey=True,
        gridspec_kw={"width_ratios": [2.2, 1]},
    )
    labels = [f"{n[:36]} ({st}, {mw:.0f} MW)" for n, st, mw in zip(df["name"], df["state"], df["built_mw"])]
    for a, parts, ttl in (
        (ax, COST_PARTS, title),
        (axz, [p for p in COST_PARTS if p[0] not in ("capex_aud_per_yr", "energy_aud_per_yr")],
         "zoom: location-dependent components"),
    ):
        left = np.zeros(len(df))
        for key, name, colour in parts:
            v = df[key].to_numpy() / 1e6
            a.barh(labels, v, left=left, color=colour, label=name, edgecolor="white", linewidth=0.5)
            left += v
        for y, tot in enumerate(left):
            a.text(tot, y, f" {tot:,.1f}" if a is axz else f" {tot:,.0f}", va="center", fontsize=8)
        a.set_xlim(0, left.max() * 1.18 if len(left) and left.max() > 0 else 1)
        a.set_xlabel("annual cost (A$ million per year)")
        a.set_title(ttl, fontsize=11)
        a.grid(axis="x", color="#dddddd", linewidth=0.5)
        a.set_axisbelow(True)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=6, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_city_rtt(report: dict, ax=None, title: str = "Round-trip time per city against its limit"):
    """Per city: each serving site's RTT in the statistic the limit applies to (dots: P95 by
    default) with its median (grey ticks), the MW-weighted median RTT (bar), the limit (red,
    labelled with its statistic) and the best RTT any candidate offers in that statistic."""
    cities = report["cities"]
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4.5))
    else:
        fig = ax.figure
    stat = limit_statistic(report)
    key = "rtt_p95_ms" if stat == "p95" else "rtt_ms"
    best_key = "best_available_rtt_p95_ms" if stat == "p95" else "best_available_rtt_ms"
    x = np.arange(len(cities))
    w = [c.get("weighted_rtt_ms") or 0 for c in cities]
    ax.bar(x, w, width=0.6, color="#a5d8ff", edgecolor="#1c7ed6", label="MW-weighted median RTT")
    for i, c in enumerate(cities):
        for a in c["served_by"]:
            ax.scatter(i, a[key], color="#1c7ed6", s=14 + a["mw"] / 4, zorder=3,
                       edgecolor="white", linewidth=0.5)
            if stat == "p95":
                ax.hlines(a["rtt_ms"], i - 0.12, i + 0.12, color="#868e96", linewidth=1, zorder=3)
        ax.hlines(c["max_rtt_ms"], i - 0.4, i + 0.4, color="#c92a2a", linewidth=2, zorder=4)
        if c.get(best_key) is not None:
            ax.hlines(c[best_key], i - 0.4, i + 0.4, color="#555555",
                      linewidth=1, linestyle="--", zorder=4)
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], marker="o", color="none", markerfacecolor="#1c7ed6",
               label=f"one serving site, {stat.upper()} RTT (size ∝ MW)"),
        Line2D([], [], color="#c92a2a", lw=2, label=f"RTT limit (applies to the {stat.upper()})"),
        Line2D([], [], color="#555555", lw=1, ls="--",
               label=f"best {stat.upper()} RTT any candidate offers"),
    ]
    if stat == "p95":
        handles.append(Line2D([], [], color="#868e96", lw=1, label="that site's median RTT"))
    ax.set_xticks(x, [f"{c['name']}\n{c['demand_mw']:.0f} MW" for c in cities], fontsize=8)
    ax.set_ylabel("round-trip time (ms)")
    top = max([c["max_rtt_ms"] for c in cities] + [a[key] for c in cities for a in c["served_by"]])
    ax.set_ylim(0, top * 1.08)
    ax.set_title(title)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8,
              frameon=False, ncol=3)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    fig.tight_layout()
    return fig

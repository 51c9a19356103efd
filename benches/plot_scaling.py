"""Plots benches/results/scaling.csv to benches/scaling.png: wall time per stage and peak memory
against the number of candidates, one line per demand-node count. Run with the compare venv
(benches/.venv/bin/python benches/plot_scaling.py)."""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

src = sys.argv[1] if len(sys.argv) > 1 else "benches/results/scaling.csv"
dst = sys.argv[2] if len(sys.argv) > 2 else "benches/scaling.png"
rows = [r for r in csv.DictReader(open(src)) if r["candidates"]]


def f(v):
    try:
        return float(v)
    except ValueError:
        return None


fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
stages = [("candidates_s", "candidates"), ("latency_s", "RTT matrix"),
          ("model_build_s", "model build"), ("solve_s", "solve")]
markers = {"7": "o", "26": "s", "47": "^"}
for n in sorted({r["demand_nodes"] for r in rows}, key=int):
    sub = sorted((r for r in rows if r["demand_nodes"] == n), key=lambda r: int(r["candidates"]))
    x = [int(r["candidates"]) for r in sub]
    for (key, label), color in zip(stages, ["C0", "C1", "C2", "C3"]):
        y = [f(r[key]) for r in sub]
        pts = [(a, b) for a, b in zip(x, y) if b is not None and b > 0]
        if pts:
            axes[0].plot(*zip(*pts), "-", color=color, marker=markers.get(n, "x"),
                         label=f"{label}, {n} nodes")
    w = [(a, f(r["wall_s"])) for a, r in zip(x, sub) if f(r["wall_s"])]
    if w:
        axes[1].plot(*zip(*w), marker=markers.get(n, "x"), label=f"{n} demand nodes")
    m = [(a, f(r["peak_rss_mb"])) for a, r in zip(x, sub) if f(r["peak_rss_mb"])]
    if m:
        axes[2].plot(*zip(*m), marker=markers.get(n, "x"), label=f"{n} demand nodes")
    bad = [(a, f(r["wall_s"])) for a, r in zip(x, sub)
           if r["status"] != "optimal" and f(r["wall_s"])]
    if bad:
        axes[1].plot(*zip(*bad), "x", color="red", markersize=12, mew=2,
                     label="not optimal" if n == "7" else None)
for ax, title, yl in zip(axes, ["time per stage", "whole run (wall)", "peak memory"],
                         ["seconds", "seconds", "MB (max RSS)"]):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("candidates (national public data, densified)")
    ax.set_ylabel(yl)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
axes[0].legend(fontsize=6, ncol=3, loc="upper left")
axes[1].legend(fontsize=8)
axes[2].legend(fontsize=8)
fig.suptitle("sitefind scaling on the national public data (HiGHS backend, 120 s solve limit; "
             "red x: stopped at the limit or solver error, see BENCHMARKS.md)")
fig.tight_layout()
fig.savefig(dst, dpi=110)
print(f"wrote {dst}")

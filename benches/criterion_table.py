"""Markdown table of criterion results: every bench under target/criterion (its `new/` run),
median and spread (min–max of the per-iteration sample means) per benchmark id.
Usage: python3 benches/criterion_table.py target/criterion [group ...]"""

import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/criterion"
groups = set(sys.argv[2:])


def human(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"


rows = []
for dirpath, dirnames, filenames in os.walk(root):
    if os.path.basename(dirpath) != "new" or "estimates.json" not in filenames:
        continue
    bench = json.load(open(os.path.join(dirpath, "benchmark.json")))
    if groups and bench["group_id"] not in groups:
        continue
    est = json.load(open(os.path.join(dirpath, "estimates.json")))
    sample = json.load(open(os.path.join(dirpath, "sample.json")))
    per_iter = [t / n for t, n in zip(sample["times"], sample["iters"])]
    rows.append((bench["group_id"], bench.get("function_id") or "", bench.get("value_str") or "",
                 est["median"]["point_estimate"], min(per_iter), max(per_iter), len(per_iter)))
order = ["load", "index", "latency_model", "candidates", "rtt_matrix", "cost", "model_build",
         "solve", "report", "end_to_end"]
rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else 99, r[0], r[1], r[2]))
print("| stage | instance | median | spread (min–max) | samples |")
print("|---|---|---|---|---|")
for g, fn, val, med, lo, hi, n in rows:
    inst = "/".join(x for x in (fn, val) if x)
    print(f"| {g} | {inst} | {human(med)} | {human(lo)}–{human(hi)} | {n} |")

"""Side-by-side on the 24/7 supply problem: sitefind's exact optimiser against HiGHS (highspy)
solving the full half-hourly LP of docs/model.md §5a, per zone, time and cost.

For each zone with its own AEMO traces (the LP needs the half-hourly profile; sitefind's JSON
names the trace files and every parameter), the LP over the whole horizon (365 days of each
reference year, concatenated) is

  min  A_S S + A_W W + A_P P + A_E E + price · Σ g_t Δ · 8760 / (T Δ)
  s.t. S s_t + W w_t − q_t + d_t − h_t + g_t = 1          (balance)
       S s_t + W w_t − q_t − h_t ≥ 0                      (charge only from renewables)
       e_t = e_{t−1} + Δ (√η h_t − d_t / √η), e_0 = e_T   (cyclic state of charge)
       e_t ≤ E, h_t ≤ P, d_t ≤ P, all ≥ 0
       Σ g_t Δ ≤ (1 − target) T Δ

solved by HiGHS (default solver choice, then interior point without crossover as a second row);
cost per MWh of load = objective / 8760, compared with `sitefind supply --zone Z --no-cache`
(a whole process: dataset load, profile, optimiser). Times: wall and CPU (user + sys).

Usage: supply_lp.py SITEFIND_BIN OUT_MD [--zones N1,N2,Q1] [--target 0.9] [--time-limit 600]
                    [--solvers choose,ipm]

A HiGHS run stopped by the time limit is reported with its status (its cost is then not an
optimum); the relative differences are to the first HiGHS run that reached its optimum, else
to sitefind's cost.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import time

import highspy
import numpy as np

DAYS = 365
DELTA_H = 0.5


def cpu_now():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def trace_values(path, scale):
    """The first 365 days of an AEMO trace (Year,Month,Day,1..48), divided by `scale`."""
    rows = []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            rows.append([float(v) / scale for v in row[3:51]])
            if len(rows) == DAYS:
                break
    return np.array(rows).ravel()


def profile(src, data_dir, scale):
    if src["method"] != "aemo-trace":
        return None
    paths = [os.path.join(data_dir, f.removeprefix("<embedded>/")) for f in src["files"]]
    return np.concatenate([trace_values(f, scale) for f in paths])


def supply_lp(s, w, a, price, eta, target):
    """The LP as CSC arrays for highspy: columns S, W, P, E, then per t g, q, h, d, e."""
    T = len(s)
    n = 4 + 5 * T
    col = lambda k, t: 4 + 5 * t + k  # k: 0 g, 1 q, 2 h, 3 d, 4 e
    cost = np.zeros(n)
    cost[:4] = a
    cost[[col(0, t) for t in range(T)]] = price * DELTA_H * 8760.0 / (T * DELTA_H)
    lo, hi = np.zeros(n), np.full(n, highspy.kHighsInf)
    rows_lo, rows_hi, entries = [], [], []  # entries: (row, col, val)

    def row(terms, l, h):
        r = len(rows_lo)
        rows_lo.append(l)
        rows_hi.append(h)
        for c, v in terms:
            entries.append((r, c, v))

    se = np.sqrt(eta)
    inf = highspy.kHighsInf
    for t in range(T):
        g, q, h, d, e = (col(k, t) for k in range(5))
        row([(0, s[t]), (1, w[t]), (q, -1.0), (d, 1.0), (h, -1.0), (g, 1.0)], 1.0, 1.0)
        row([(0, s[t]), (1, w[t]), (q, -1.0), (h, -1.0)], 0.0, inf)
        prev = col(4, T - 1 if t == 0 else t - 1)
        row([(e, 1.0), (prev, -1.0), (h, -DELTA_H * se), (d, DELTA_H / se)], 0.0, 0.0)
        row([(e, 1.0), (3, -1.0)], -inf, 0.0)
        row([(h, 1.0), (2, -1.0)], -inf, 0.0)
        row([(d, 1.0), (2, -1.0)], -inf, 0.0)
    row([(col(0, t), DELTA_H) for t in range(T)], -inf, (1.0 - target) * T * DELTA_H)
    ent = np.array(entries, dtype=[("r", np.int64), ("c", np.int64), ("v", float)])
    ent.sort(order=["c", "r"])
    starts = np.searchsorted(ent["c"], np.arange(n)).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows_lo)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lo, hi
    lp.row_lower_, lp.row_upper_ = np.array(rows_lo), np.array(rows_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, len(rows_lo)
    lp.a_matrix_.start_ = np.append(starts, len(ent)).astype(np.int32)
    lp.a_matrix_.index_ = ent["r"].astype(np.int32)
    lp.a_matrix_.value_ = ent["v"]
    return lp


def solve(lp, solver, time_limit):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", time_limit)
    h.setOptionValue("threads", 1)
    if solver == "ipm":
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    h.passModel(lp)
    t0, c0 = time.perf_counter(), cpu_now()
    h.run()
    wall, cpu = time.perf_counter() - t0, cpu_now() - c0
    status = h.modelStatusToString(h.getModelStatus())
    return h.getInfo().objective_function_value / 8760.0, status, wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sitefind")
    ap.add_argument("out_md")
    ap.add_argument("--zones", default="N1,N2,Q1")
    ap.add_argument("--target", type=float, default=0.9)
    ap.add_argument("--data-dir", default="data", help="folder the trace file names are relative to")
    ap.add_argument("--scale", type=float, default=1000.0, help="trace value divisor (embedded: 1000)")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--solvers", default="choose,ipm",
                    help="HiGHS runs in this order: choose (default choice), ipm (no crossover)")
    a = ap.parse_args()
    lines = ["| zone | half-hours | solver | status | A$/MWh | rel. diff to HiGHS | wall s | CPU s | HiGHS ÷ sitefind (CPU) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for z in a.zones.split(","):
        t0, c0 = time.perf_counter(), cpu_now()
        run = subprocess.run([a.sitefind, "supply", "--zone", z, "--format", "json", "--no-cache",
                              "--cfe-target", str(a.target)], capture_output=True, text=True, check=True)
        sf_wall, sf_cpu = time.perf_counter() - t0, cpu_now() - c0
        p = json.loads(run.stdout)
        s = profile(p["solar_source"], a.data_dir, a.scale)
        w = profile(p["wind_source"], a.data_dir, a.scale)
        if s is None or w is None:
            print(f"{z}: no own traces, skipped")
            continue
        pr = p["parameters"]
        costs = [pr["solar"]["annualised_aud_per_mw_yr"], pr["wind"]["annualised_aud_per_mw_yr"],
                 pr["battery_power"]["annualised_aud_per_mw_yr"],
                 pr["battery_energy"]["annualised_aud_per_mwh_yr"]]
        lp = supply_lp(s, w, costs, pr["grid_price_aud_per_mwh"], pr["round_trip_efficiency"], a.target)
        res = {m: solve(lp, m, a.time_limit) for m in a.solvers.split(",")}
        # The reference: HiGHS' first run that reached its optimum, else sitefind's cost.
        done = [r[0] for r in res.values() if r[1] == "Optimal"]
        ref = done[0] if done else p["cost_aud_per_mwh"]
        sf = p["cost_aud_per_mwh"]
        lines.append(f"| {z} | {len(s)} | sitefind (whole process, {p['evaluations']} dispatches) | "
                     f"proven gap ≤ 1e-5 | {sf:.4f} | {(sf - ref) / ref:+.2e} | {sf_wall:.3f} | {sf_cpu:.3f} | |")
        for m, (cost, status, wall, cpu) in res.items():
            name = "HiGHS (default: simplex)" if m == "choose" else "HiGHS interior point, no crossover"
            lines.append(f"| {z} | {len(s)} | {name} | {status} | {cost:.4f} | {(cost - ref) / ref:+.2e} | "
                         f"{wall:.3f} | {cpu:.3f} | {cpu / sf_cpu:.0f}× |")
        print(*lines[-1 - len(res):], sep="\n", flush=True)
    text = "\n".join(lines) + (
        f"\n\nCFE target {a.target}; HiGHS {highspy.Highs().version()} through highspy, 1 thread, "
        "LP built with numpy and passed whole (building it is not timed); sitefind: the release "
        "binary's whole `supply --zone Z --no-cache` process (load, profile, optimiser).\n")
    with open(a.out_md, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# OR-Library capa/capb/capc at their 12 published capacities (and, with SMALL=1, the 37 small
# instances cap41–cap134), each run once with the release binary (default build: microlp)
# under /usr/bin/time -v: CPU seconds (user + sys), wall seconds, peak RSS, with the load
# average at the start of each run. Prints a Markdown table.
#
# Usage: SITEFIND_PUBLIC_DATA=/path/to/shared/data benches/cflp_big.sh
# Env: SITEFIND_BIN (default target/release/sitefind), TIME_LIMIT (default 300), SMALL=1.
set -euo pipefail
DIR=${SITEFIND_PUBLIC_DATA:?set SITEFIND_PUBLIC_DATA}/orlib-cflp
BIN=${SITEFIND_BIN:-target/release/sitefind}
LIMIT=${TIME_LIMIT:-300}
runs=()
if [ -n "${SMALL:-}" ]; then
  for s in 4 5 6 7 8 9 10 11 12 13; do
    for k in 1 2 3 4; do [ -f "$DIR/cap$s$k.txt" ] && runs+=("cap$s$k:"); done
  done
else
  for c in 8000 10000 12000 14000; do runs+=("capa:$c"); done
  for c in 5000 6000 7000 8000; do runs+=("capb:$c"); done
  for c in 5000 5750 6500 7250; do runs+=("capc:$c"); done
fi
echo "| instance | capacity | status | objective | best bound | gap | known optimum | rel. diff | CPU s (user+sys) | wall s | peak RSS MB | load avg (1 min) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
tmp=$(mktemp -d)
for r in "${runs[@]}"; do
  inst=${r%%:*}; cap=${r#*:}
  args=("$DIR/$inst.txt" --format json --time-limit "$LIMIT")
  [ -n "$cap" ] && args+=(--capacity "$cap")
  load=$(cut -d' ' -f1 /proc/loadavg)
  if /usr/bin/time -v -o "$tmp/time" "$BIN" cflp "${args[@]}" > "$tmp/out" 2> "$tmp/err"; then
    python3 - "$inst" "${cap:--}" "$load" "$tmp/out" "$tmp/time" <<'PY'
import json, re, sys
inst, cap, load, out, tim = sys.argv[1:6]
v = json.load(open(out)); r = v["report"]; t = open(tim).read()
g = lambda k: float(re.search(re.escape(k) + r":\s*([\d.:]+)", t).group(1))
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss):")[1].split()[0]
parts = [float(x) for x in wall.split(":")]
wall_s = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = g("User time (seconds)") + g("System time (seconds)")
rss = g("Maximum resident set size (kbytes)") / 1024
f = lambda x: "n/a" if x is None else f"{x:.3f}"
gap = "n/a" if r["gap"] is None else f"{100*r['gap']:.5f}%"
rel = "n/a" if v["rel_diff"] is None else f"{v['rel_diff']:.2e}"
chk = "" if v["check"]["feasible"] else " (CHECK FAILED)"
print(f"| {inst} | {cap} | {r['status']}{chk} | {v['objective']:.3f} | {f(r['best_bound'])} | {gap} | {f(v['known_optimum'])} | {rel} | {cpu:.2f} | {wall_s:.2f} | {rss:.0f} | {load} |")
PY
  else
    echo "| $inst | ${cap:--} | error: $(tail -n 1 "$tmp/err") | | | | | | | | | $load |"
  fi
done
rm -rf "$tmp"

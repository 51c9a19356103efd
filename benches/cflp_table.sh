#!/usr/bin/env bash
# Solves every OR-Library CFLP instance (cap41–cap134, and capa/capb/capc at their four
# standard capacities) with each backend and prints a Markdown table.
#
# Usage: benches/cflp_table.sh [DATA_DIR] [BACKENDS] [BIG_TIME_LIMIT_S]
#   DATA_DIR  default: $SITEFIND_PUBLIC_DATA/orlib-cflp
#   BACKENDS  default: "microlp highs" (build with `cargo build --release --features highs`)
#   BIG_TIME_LIMIT_S  time limit for capa/capb/capc, default 60 (small ones get 60 too)
set -euo pipefail
DIR=${1:-${SITEFIND_PUBLIC_DATA:?set SITEFIND_PUBLIC_DATA or pass the folder}/orlib-cflp}
BACKENDS=${2:-"microlp highs"}
LIMIT=${3:-60}
BIN=${SITEFIND_BIN:-target/release/sitefind}

runs=()
for s in 4 5 6 7 8 9 10 11 12 13; do
  for k in 1 2 3 4; do
    [ -f "$DIR/cap$s$k.txt" ] && runs+=("cap$s$k:")
  done
done
for c in 8000 10000 12000 14000; do runs+=("capa:$c"); done
for c in 5000 6000 7000 8000; do runs+=("capb:$c"); done
for c in 5000 5750 6500 7250; do runs+=("capc:$c"); done

echo "| instance | capacity | m × n | backend | status | objective | best bound | gap | time (s) | known optimum | rel. diff |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for r in "${runs[@]}"; do
  inst=${r%%:*}; cap=${r#*:}
  args=("$DIR/$inst.txt" --format json --time-limit "$LIMIT")
  [ -n "$cap" ] && args+=(--capacity "$cap")
  for b in $BACKENDS; do
    if out=$("$BIN" cflp "${args[@]}" --solver "$b" 2>/tmp/cflp_table_err); then
      python3 - "$inst" "$cap" "$b" "$out" <<'PY'
import json, sys
inst, cap, b, out = sys.argv[1:5]
v = json.loads(out); r = v["report"]
f = lambda x, p=3: "n/a" if x is None else f"{x:.{p}f}"
gap = "n/a" if r["gap"] is None else f"{100*r['gap']:.4f}%"
rel = "n/a" if v["rel_diff"] is None else f"{v['rel_diff']:.2e}"
chk = "" if v["check"]["feasible"] else " (CHECK FAILED)"
print(f"| {inst} | {cap or '-'} | {v['m']} × {v['n']} | {b} | {r['status']}{chk} | {f(v['objective'])} | {f(r['best_bound'])} | {gap} | {r['solve_time_s']:.2f} | {f(v['known_optimum'])} | {rel} |")
PY
    else
      msg=$(sed 's/^error: //' /tmp/cflp_table_err | head -c 120 | tr '\n|' '  ')
      echo "| $inst | ${cap:--} | | $b | error: $msg | | | | | | |"
    fi
  done
done

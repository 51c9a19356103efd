#!/usr/bin/env bash
# Scaling runs: candidates (real sites only, densified every 20 km, every 5 km; ~0.7k, ~10k,
# ~107k candidates on the national public data) × demand nodes (7, 26, 47), each run once with
# the release binary under /usr/bin/time -v (peak RSS), a solver time limit, and the JSON report
# (stage timings, model size, objective, gap). Prints a Markdown table and writes
# benches/results/scaling.csv; each run's report and stderr are kept in benches/results/scaling/.
#
# Usage: SITEFIND_PUBLIC_DATA=/path/to/shared/data benches/scaling.sh
# Env: SOLVERS (default "highs" if compiled in, else "microlp"), TIME_LIMIT (s, default 120),
#      RUN_TIMEOUT (s per run, default 900), DENSIFY (default "none 20 5"), NODES ("7 26 47"),
#      FEATURES (cargo features, default "highs"), SKIP_BUILD=1 to use the existing binary,
#      CSV (output table, default benches/results/scaling.csv),
#      MEM_LIMIT_GB (address-space cap per run, default 12: a run that needs more aborts and is
#      recorded as out of memory instead of pushing a shared machine into swap/OOM),
#      MIP_GAP (relative gap at which the solve may stop, default the CLI's 1e-6),
#      MARGINS=1 to include the per-site margins (default off: the rows measure the solve).
set -euo pipefail
: "${SITEFIND_PUBLIC_DATA:?set SITEFIND_PUBLIC_DATA to the public datasets folder}"
# Absolute, as the generated manifest (inputs/public.toml) resolves relative paths from its
# own folder.
if [ ! -d "$SITEFIND_PUBLIC_DATA" ]; then
  echo "error: SITEFIND_PUBLIC_DATA=$SITEFIND_PUBLIC_DATA is not a folder" >&2
  echo "  hint: point it at the public datasets, e.g. SITEFIND_PUBLIC_DATA=../shared/data" >&2
  exit 1
fi
SITEFIND_PUBLIC_DATA=$(cd "$SITEFIND_PUBLIC_DATA" && pwd)
cd "$(dirname "$0")/.."
FEATURES=${FEATURES-highs}
TIME_LIMIT=${TIME_LIMIT:-120}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
MEM_LIMIT_GB=${MEM_LIMIT_GB:-12}
DENSIFY=${DENSIFY:-"none 20 5"}
NODES=${NODES:-"7 26 47"}
out=benches/results/scaling
mkdir -p "$out"
inputs=$out/inputs

if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release ${FEATURES:+--features "$FEATURES"} >&2
fi
bin=target/release/sitefind
SITEFIND_PUBLIC_DATA=$SITEFIND_PUBLIC_DATA cargo bench ${FEATURES:+--features "$FEATURES"} --bench inputs -- "$PWD/$inputs" >&2
if [ -z "${SOLVERS:-}" ]; then
  if "$bin" cflp "$SITEFIND_PUBLIC_DATA/orlib-cflp/cap41.txt" --solver highs >/dev/null 2>&1; then
    SOLVERS=highs
  else
    SOLVERS=microlp
  fi
fi

csv=${CSV:-benches/results/scaling.csv}
if [ -n "${MARGINS:-}" ]; then margins_flag=; else margins_flag=--no-margins; fi
echo "densify_km,demand_nodes,solver,candidates,in_model,variables,constraints,binaries,status,objective_aud,gap,load_s,candidates_s,latency_s,cost_s,model_build_s,solve_s,check_report_s,wall_s,peak_rss_mb,exit" > "$csv"
for d in $DENSIFY; do
  sc=$inputs/scenario_$d.toml
  if [ "$d" = none ]; then : > "$sc"; else printf '[candidates]\ndensify_km = %s\n' "$d" > "$sc"; fi
  for n in $NODES; do
    for s in $SOLVERS; do
      tag=d${d}_n${n}_${s}_t${TIME_LIMIT}
      echo "== $tag" >&2
      rm -f "$out/$tag.json" "$out/$tag.time"
      set +e
      (ulimit -v $((MEM_LIMIT_GB * 1024 * 1024)); exec timeout "$RUN_TIMEOUT" /usr/bin/time -v -o "$out/$tag.time" "$bin" solve \
        --data "$inputs/public.toml" --demand "$inputs/demand_$n.json" --scenario "$sc" \
        --solver "$s" --time-limit "$TIME_LIMIT" ${MIP_GAP:+--mip-gap "$MIP_GAP"} \
        $margins_flag --timings --format json \
        --report "$out/$tag.json" > /dev/null 2> "$out/$tag.err")
      rc=$?
      set -e
      tail -n 12 "$out/$tag.err" >&2
      python3 benches/scaling_row.py "$out/$tag" "$d" "$n" "$s" "$rc" "$MEM_LIMIT_GB" >> "$csv"
    done
  done
done
echo >&2
python3 - "$csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = list(rows[0].keys()) if rows else []
print("| " + " | ".join(cols) + " |")
print("|" + "---|" * len(cols))
for r in rows:
    print("| " + " | ".join(r[c] for c in cols) + " |")
PY

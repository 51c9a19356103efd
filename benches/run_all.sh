#!/usr/bin/env bash
# Reproduces every table of BENCHMARKS.md (except the OR-Library CFLP section, which is
# benches/cflp_table.sh): machine facts, the criterion per-stage benches, the scaling runs and
# plot, and the side-by-side with the Python stack. Results land in benches/results/.
#
# Usage: SITEFIND_PUBLIC_DATA=/path/to/shared/data benches/run_all.sh
# Takes ~30-40 min on 2 cores (HiGHS build from source not included: ~15 min the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SITEFIND_PUBLIC_DATA:?set SITEFIND_PUBLIC_DATA to the public datasets folder}"
export SITEFIND_PUBLIC_DATA
FEATURES=${FEATURES-highs}
export FEATURES
mkdir -p benches/results
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "memory: $(free -h | awk '/Mem:/ {print $2}') total"
  echo "rustc: $(rustc --version)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee benches/results/machine.txt
cargo build --release ${FEATURES:+--features "$FEATURES"}
# 1. criterion, every stage (per region on the public data).
cargo bench ${FEATURES:+--features "$FEATURES"} --bench pipeline 2>&1 | tee benches/results/pipeline.txt
benches/.venv/bin/python benches/criterion_table.py target/criterion > benches/results/pipeline.md 2>/dev/null \
  || python3 benches/criterion_table.py target/criterion > benches/results/pipeline.md
# 2. scaling (1 run each, 120 s solve limit) and its plot.
SKIP_BUILD=1 benches/scaling.sh | tee benches/results/scaling.md
# The same with microlp on the real candidates, and HiGHS with 600 s on the 10k tier.
SKIP_BUILD=1 SOLVERS=microlp DENSIFY=none CSV=benches/results/scaling_microlp.csv \
  benches/scaling.sh | tee benches/results/scaling_microlp.md
SKIP_BUILD=1 SOLVERS=highs DENSIFY=20 NODES=7 TIME_LIMIT=600 CSV=benches/results/scaling_long.csv \
  benches/scaling.sh | tee benches/results/scaling_long.md
# 3. Python side-by-side (creates benches/.venv with the pinned packages).
SKIP_BUILD=1 benches/compare/run.sh
# The 10k-candidate instance (densified every 20 km, 7 nodes), 120 s per solver, one run.
benches/.venv/bin/python benches/compare/compare.py target/release/sitefind benches/results/scaling/inputs \
  benches/results/compare_large.md --repeats 1 --backends highs,microlp --siting public-dense20 --cflp "" \
  --time-limit 120
benches/.venv/bin/python benches/plot_scaling.py benches/results/scaling.csv benches/scaling.png

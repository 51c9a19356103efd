#!/usr/bin/env bash
# The long fuzz run (issues 10 and 30): repeats the ignored property test
# `fuzz::fuzz_long_every_input_kind` (tests/it/fuzz.rs: every input surface — demand JSON,
# OR-Library, calibration CSV, scenario, manifest, the nine CSV layers, sweep spec, shard files,
# shard rows, [supply], alternatives, AEMO traces) at the lowest CPU priority until DURATION
# seconds have passed. Run r uses PROPTEST_RNG_SEED = SEED + r (recorded in LOG), each under a
# 30-minute timeout (a run that hits it is a hang: rc 124; a panic or abort: rc 101 or 134).
# Appends per-run lines, then the case count per surface and a total, to LOG.
#
#   cargo test --release --test it --no-run     # builds target/release/deps/it-*
#   FUZZ_SEED=3030 benches/fuzz_long.sh 3600 target/fuzz_long.log
#
# SITEFIND_FUZZ_CASES (default 500) is the number of cases per property and run (half of it for
# shard rows, alternatives and traces, a quarter for each CSV layer).
set -u
DURATION=${1:-3600}
LOG=${2:-target/fuzz_long.log}
CASES=${SITEFIND_FUZZ_CASES:-500}
SEED=${FUZZ_SEED:-$(date +%s)}
BIN=${FUZZ_BIN:-$(ls -t target/release/deps/it-* | grep -v '\.d$' | head -1)}
start=$(date +%s)
runs=0
fails=0
: > "$LOG.out"
echo "fuzz_long: $(date -u +%FT%TZ) binary $BIN, $CASES cases per property, $DURATION s, seeds $SEED + run" >> "$LOG"
while [ $(( $(date +%s) - start )) -lt "$DURATION" ]; do
  t0=$(date +%s)
  runs=$((runs + 1))
  PROPTEST_RNG_SEED=$((SEED + runs)) SITEFIND_FUZZ_CASES=$CASES timeout 1800 nice -n 19 "$BIN" \
    --ignored --exact fuzz::fuzz_long_every_input_kind --nocapture >> "$LOG.out" 2>&1
  rc=$?
  [ "$rc" -ne 0 ] && fails=$((fails + 1))
  echo "run $runs seed $((SEED + runs)) rc=$rc $(( $(date +%s) - t0 )) s" >> "$LOG"
done
# Cases per surface over every run (the lines the properties print), and the panics seen.
awk '/^fuzz [^:]*: [0-9]+ cases/ { name = $0; sub(/^fuzz /, "", name); sub(/: [0-9]+ cases.*/, "", name);
       n = $0; sub(/^fuzz [^:]*: /, "", n); split(n, a, " "); acc = $0; sub(/.*cases \(/, "", acc); split(acc, b, " ");
       cases[name] += a[1]; accepted[name] += b[1]; total += a[1] }
     END { for (k in cases) printf "  %s: %d cases (%d accepted)\n", k, cases[k], accepted[k] | "sort";
           close("sort"); printf "  all surfaces: %d cases\n", total }' "$LOG.out" >> "$LOG"
echo "panics: $(grep -c 'panicked at' "$LOG.out")" >> "$LOG"
echo "total: $runs runs ($fails failed), $(( $(date +%s) - start )) s wall, ended $(date -u +%FT%TZ)" >> "$LOG"

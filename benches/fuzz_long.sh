#!/usr/bin/env bash
# The long fuzz run of issue 10: repeats the ignored property test
# `fuzz::fuzz_long_every_input_kind` (tests/it/fuzz.rs) at the lowest CPU priority until
# DURATION seconds have passed, each run with fresh random seeds, each under a 30-minute
# timeout (a run that hits it is a hang: rc 124). Appends per-run lines and a total to LOG.
#
#   cargo test --release --no-run            # builds target/release/deps/it-*
#   benches/fuzz_long.sh 3600 target/fuzz_long.log
#
# SITEFIND_FUZZ_CASES (default 500) is the number of cases per property and run: 5 properties
# (demand JSON, OR-Library, calibration CSV, scenario TOML/JSON, manifest) get that many, each
# of the 8 CSV layers a quarter of it.
set -u
DURATION=${1:-3600}
LOG=${2:-target/fuzz_long.log}
CASES=${SITEFIND_FUZZ_CASES:-500}
BIN=${FUZZ_BIN:-$(ls -t target/release/deps/it-* | grep -v '\.d$' | head -1)}
start=$(date +%s)
runs=0
fails=0
echo "fuzz_long: $(date -u +%FT%TZ) binary $BIN, $CASES cases per property, $DURATION s" >> "$LOG"
while [ $(( $(date +%s) - start )) -lt "$DURATION" ]; do
  t0=$(date +%s)
  SITEFIND_FUZZ_CASES=$CASES timeout 1800 nice -n 19 "$BIN" --ignored --exact \
    fuzz::fuzz_long_every_input_kind --nocapture >> "$LOG.out" 2>&1
  rc=$?
  runs=$((runs + 1))
  [ "$rc" -ne 0 ] && fails=$((fails + 1))
  echo "run $runs rc=$rc $(( $(date +%s) - t0 )) s" >> "$LOG"
done
per_run=$(( 5 * CASES + 8 * ((CASES + 3) / 4) ))
echo "total: $runs runs ($fails failed), $(( runs * per_run )) cases, $(( $(date +%s) - start )) s wall, ended $(date -u +%FT%TZ)" >> "$LOG"

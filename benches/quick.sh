#!/usr/bin/env bash
# The quick whole-run measurements of BENCHMARKS.md's first section: supply (all zones), the
# main job with and without margins, the national public-data run with and without margins,
# each through /usr/bin/time (wall, user, sys, peak RSS), then the per-stage timings of one main
# job and one national run. Needs data/public.toml pointing at the public data (see
# data/public.toml) and a release build (`cargo build --release`).
#
# Usage: benches/quick.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SITEFIND_BIN:-target/release/sitefind}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=(/usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB")
echo "commit $(git rev-parse --short HEAD); $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(uptime)"
run() { # label, then the command
  local label=$1; shift
  "${T[@]}" "$@" > "$tmp/out" 2> "$tmp/err"
  echo "$label: $(tail -1 "$tmp/err")"
}
for _ in 1 2; do run "supply --zone all" "$BIN" supply --zone all --format json; done
for i in 1 2; do run "main job" "$BIN" -q --demand data/jp.json --timings --format json; cp "$tmp/out" "$tmp/main$i.json"; done
run "main job --no-margins" "$BIN" -q --demand data/jp.json --no-margins
for i in 1 2; do run "national" "$BIN" -q --data data/public.toml --demand data/jp.json --timings --format json; cp "$tmp/out" "$tmp/nat$i.json"; done
run "national --no-margins" "$BIN" -q --data data/public.toml --demand data/jp.json --no-margins
for f in main1 nat1; do
  python3 - "$tmp/$f.json" "$f" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
stages = ", ".join(f"{t['stage']} {t['seconds']:.3f}" for t in r["timings"] if t["seconds"] >= 0.01)
print(f"{sys.argv[2]}: {stages}; {r['solver']['status']}, gap {r['solver']['gap']:.1e}, objective {r['solver']['objective']}; model {r['model']}")
PY
done
uptime

#!/usr/bin/env bash
# Every command in README.md (and docs/outputs.md) runs as written (issue 28, item 8).
#
# Extracts each `sitefind …` and `cargo run --release -- …` line of the files' ```sh blocks,
# runs it with the release binary (as `sitefind`, first on PATH) in a temporary folder that links
# to the repository's top-level entries (so `data/jp.json` resolves and output files land in the
# temporary folder), and checks its exit code. A trailing comment on a command says what to
# expect (the comment is separated from the command by whitespace, `#` and a space):
#   # exit N …                      the command must exit with N (default 0), e.g.
#                                   `sitefind --max-rtt-ms 100 -q   # exit 1: no site reaches …`;
#                                   a command that exits 0 when N ≠ 0 fails, as does any other code
#   # needs SITEFIND_PUBLIC_DATA …  run only when SITEFIND_PUBLIC_DATA is set (else skipped)
# Any other trailing comment is prose: the expected exit code stays 0.
# `cargo test` lines are skipped; any other line in a ```sh block is an error (so every example
# the README shows is checked). A command that prints "panicked" on stderr fails too.
#
# Usage: tests/readme_commands.sh [FILE.md …]   (default: README.md docs/outputs.md)
#   SITEFIND_BIN      the binary (default: target/release/sitefind; build it with
#                     `cargo build --release` first)
#   README_CMD_TIMEOUT  seconds allowed per command (default 1800)
#   KEEP=1            keep the temporary folder (its path is printed) with each command's
#                     stdout/stderr
# Exit: 0 all passed (or skipped), 1 a command failed or the README has an unchecked line,
# 2 the script could not run (no binary, no README).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then
  docs=("$@")
else
  docs=("$repo/README.md" "$repo/docs/outputs.md")
fi
bin="${SITEFIND_BIN:-$repo/target/release/sitefind}"
timeout_s="${README_CMD_TIMEOUT:-1800}"

for readme in "${docs[@]}"; do
  if [ ! -f "$readme" ]; then
    echo "error: $readme: no such file; hint: pass the README's path" >&2
    exit 2
  fi
done
if [ ! -x "$bin" ]; then
  echo "error: $bin: no executable; hint: run \`cargo build --release\` or set SITEFIND_BIN" >&2
  exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

work="$(mktemp -d "${TMPDIR:-/tmp}/sitefind-readme.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then
  echo "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/bin" "$work/run" "$work/logs"
ln -s "$bin" "$work/bin/sitefind"
for entry in "$repo"/*; do
  ln -s "$entry" "$work/run/$(basename "$entry")"
done

# The commands: one per line, `\`-continued lines joined, from ```sh blocks only.
commands=()
for readme in "${docs[@]}"; do
  mapfile -t -O "${#commands[@]}" commands < <(awk '
    /^```sh[[:space:]]*$/ { inside = 1; next }
    /^```/ { if (inside && pending != "") { print pending; pending = "" } inside = 0; next }
    inside {
      line = $0
      if (line ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, "", line); pending = pending line " "; next }
      print pending line; pending = ""
    }' "$readme")
done

passed=0 failed=0 skipped=0 n=0
for raw in "${commands[@]}"; do
  line="$(sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' <<<"$raw")"
  [ -z "$line" ] && continue
  [[ "$line" == \#* ]] && continue
  cmd="$line" note=""
  if [[ "$line" =~ ^(.*[^[:space:]])[[:space:]]+#[[:space:]](.*)$ ]]; then
    cmd="${BASH_REMATCH[1]}" note="${BASH_REMATCH[2]}"
  fi
  case "$cmd" in
    "cargo test"*) continue ;;
    "cargo run --release -- "*) cmd="sitefind ${cmd#cargo run --release -- }" ;;
    "sitefind "* | sitefind) ;;
    *)
      echo "FAIL  unchecked line in a \`\`\`sh block (not a sitefind command): $line" >&2
      echo "      hint: show it in a \`\`\`text block, or make it a sitefind command" >&2
      failed=$((failed + 1))
      continue
      ;;
  esac
  want=0
  if [[ "$note" =~ ^exit[[:space:]]+([0-9]+) ]]; then
    want="${BASH_REMATCH[1]}"
  fi
  if [[ "$note" == needs\ SITEFIND_PUBLIC_DATA* ]] && [ -z "${SITEFIND_PUBLIC_DATA:-}" ]; then
    echo "skip  $cmd   (needs SITEFIND_PUBLIC_DATA)"
    skipped=$((skipped + 1))
    continue
  fi
  n=$((n + 1))
  start=$(date +%s.%N)
  set +e
  (cd "$work/run" && PATH="$work/bin:$PATH" timeout "$timeout_s" bash -c "$cmd" \
    >"$work/logs/$n.stdout" 2>"$work/logs/$n.stderr" </dev/null)
  rc=$?
  set -e
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ "$rc" -eq "$want" ] && ! grep -q "panicked" "$work/logs/$n.stderr"; then
    echo "ok    $cmd   (exit $rc, ${secs} s)"
    passed=$((passed + 1))
  else
    echo "FAIL  $cmd   (exit $rc, expected $want, ${secs} s)" >&2
    tail -n 5 "$work/logs/$n.stderr" | sed 's/^/      /' >&2
    failed=$((failed + 1))
  fi
done

echo "README commands: $passed passed, $failed failed, $skipped skipped (${docs[*]})"
if [ $((passed + failed)) -eq 0 ]; then
  echo "error: no command found in the README's \`\`\`sh blocks" >&2
  exit 1
fi
[ "$failed" -eq 0 ]

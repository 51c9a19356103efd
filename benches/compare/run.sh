#!/usr/bin/env bash
# Side-by-side with the Python reference stack: creates benches/.venv (gitignored) with the
# pinned packages of benches/compare/requirements.txt (spopt, PuLP with its bundled CBC,
# highspy, numpy, pandas, matplotlib), builds the release binary, writes the inputs (public
# manifest with absolute paths), and runs compare.py: the embedded instance and regional public
# instances exported by `sitefind solve --export-problem`, and OR-Library CFLP files read
# directly, each solved by sitefind, PuLP + CBC, spopt (closest model, see the note) and highspy.
# Writes benches/results/compare.md and prints it.
#
# Usage: SITEFIND_PUBLIC_DATA=/path/to/shared/data benches/compare/run.sh [compare.py options]
# Env: FEATURES (cargo features, default "highs"), SKIP_BUILD=1, PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
FEATURES=${FEATURES-highs}
venv=benches/.venv
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/pip" install -q -r benches/compare/requirements.txt >&2
if [ -z "${SKIP_BUILD:-}" ]; then
  cargo build --release ${FEATURES:+--features "$FEATURES"} >&2
fi
inputs=benches/results/scaling/inputs
mkdir -p "$inputs"
if [ -n "${SITEFIND_PUBLIC_DATA:-}" ]; then
  cargo bench ${FEATURES:+--features "$FEATURES"} --bench inputs -- "$PWD/$inputs" >&2
fi
backends=microlp
if target/release/sitefind cflp "${SITEFIND_PUBLIC_DATA:-/nonexistent}/orlib-cflp/cap41.txt" --solver highs >/dev/null 2>&1 \
   || target/release/sitefind solve --solver highs --time-limit 1 >/dev/null 2>&1; then
  backends=highs,microlp
fi
"$venv/bin/python" benches/compare/compare.py target/release/sitefind "$inputs" benches/results/compare.md \
  --backends "$backends" "$@"

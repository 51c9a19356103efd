#!/usr/bin/env bash
# Executes every notebook headless against a freshly built sitefind; fails on any cell error.
#
#   notebooks/run.sh                      # builds target/release/sitefind, runs all notebooks
#   SITEFIND_BIN=/path/to/sitefind notebooks/run.sh        # use that binary, no build
#   SITEFIND_PUBLIC_DATA=/abs/shared/data notebooks/run.sh # basemaps + notebook 03
#   notebooks/run.sh 02_cost_against_latency.ipynb         # only the notebooks named
#   notebooks/run.sh --refresh-figures                     # also replace the README's figures
#
# Executed copies go to $SITEFIND_NB_OUT (default notebooks/.out/), never over the committed
# notebooks. Figures go to $SITEFIND_NB_OUT/figures/; only `--refresh-figures` writes them to
# notebooks/figures/ (the README's), so a plain run leaves `git status` clean.
set -euo pipefail

REFRESH_FIGURES=0
args=()
for a in "$@"; do
    case "$a" in
        --refresh-figures) REFRESH_FIGURES=1 ;;
        *) args+=("$a") ;;
    esac
done
set -- "${args[@]+"${args[@]}"}"

NB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$NB_DIR/.." && pwd)"
VENV="$NB_DIR/.venv"
OUT="${SITEFIND_NB_OUT:-$NB_DIR/.out}"
CELL_TIMEOUT="${SITEFIND_NB_CELL_TIMEOUT:-900}"
start=$(date +%s)

# 1. Python environment (created once; pip is quiet and a no-op when satisfied).
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "notebooks: creating $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$NB_DIR/requirements.txt"

# Committed notebooks carry no outputs (executed copies go to $OUT).
"$VENV/bin/python" "$NB_DIR/strip.py" --check

# 2. The binary.
if [[ -z "${SITEFIND_BIN:-}" ]]; then
    echo "notebooks: cargo build --release" >&2
    (cd "$REPO" && cargo build --release --quiet)
    SITEFIND_BIN="$REPO/target/release/sitefind"
fi
SITEFIND_BIN="$(cd "$(dirname "$SITEFIND_BIN")" && pwd)/$(basename "$SITEFIND_BIN")"
[[ -x "$SITEFIND_BIN" ]] || { echo "notebooks: no executable at $SITEFIND_BIN" >&2; exit 1; }
export SITEFIND_BIN
if [[ $REFRESH_FIGURES == 1 ]]; then
    export SITEFIND_NB_FIGURES="$NB_DIR/figures"
    echo "notebooks: --refresh-figures: writing the README's figures to $SITEFIND_NB_FIGURES" >&2
else
    export SITEFIND_NB_FIGURES="${SITEFIND_NB_FIGURES:-$OUT/figures}"
fi
export MPLBACKEND=module://matplotlib_inline.backend_inline
if [[ -n "${SITEFIND_PUBLIC_DATA:-}" ]]; then
    echo "notebooks: public data $SITEFIND_PUBLIC_DATA" >&2
else
    echo "notebooks: SITEFIND_PUBLIC_DATA unset: plain basemap, notebook 03 skips" >&2
fi

# 3. Execute.
mkdir -p "$OUT" "$SITEFIND_NB_FIGURES"
if [[ $# -gt 0 ]]; then
    notebooks=("$@")
else
    notebooks=()
    while IFS= read -r f; do notebooks+=("$(basename "$f")"); done \
        < <(find "$NB_DIR" -maxdepth 1 -name '[0-9][0-9]_*.ipynb' | sort)
fi

status=0
"$VENV/bin/python" - "$NB_DIR" "$OUT" "$CELL_TIMEOUT" "${notebooks[@]}" <<'PY' || status=$?
import re, sys, time, traceback
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

nb_dir, out, timeout, names = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
passed, failed = [], []
for name in names:
    src = nb_dir / Path(name).name
    nb = nbformat.read(src, as_version=4)
    t0 = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(nb_dir)}})
    try:
        client.execute()
        ok = True
    except CellExecutionError as e:
        ok = False
        msg = str(e)
    except Exception as e:  # kernel died, timeout, ...
        ok = False
        msg = "".join(traceback.format_exception_only(type(e), e))
    nbformat.write(nb, out / src.name)
    dt = time.perf_counter() - t0
    if ok:
        passed.append(name)
        print(f"notebooks: ok    {src.name} ({dt:.1f} s)", file=sys.stderr)
    else:
        failed.append(name)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", msg)[-4000:]
        print(f"notebooks: FAIL  {src.name} ({dt:.1f} s)\n{plain}", file=sys.stderr)
print(f"notebooks: {len(passed)} passed, {len(failed)} failed (executed copies in {out})")
sys.exit(1 if failed else 0)
PY
echo "notebooks: total $(( $(date +%s) - start )) s" >&2
exit $status

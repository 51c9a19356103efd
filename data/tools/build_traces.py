#!/usr/bin/env python3
"""Derive the embedded compact traces (data/traces/) from AEMO's ISP trace CSVs.

Input: ../shared/data/traces/REZ_<zone>_<name>_<tech>_RefYear<year>.csv (AEMO 2024 ISP solar and
wind traces, see that folder's PROVENANCE.md). Output: the same AEMO layout and file names under
data/traces/, every capacity factor written as an integer in thousandths (per mille, rounded half-even:
0.0812293 -> 81), which data/manifest.toml declares with `scale = 1000`. Nothing else changes: same
days, same columns, same order. 1.15 MB for the 18 files instead of 2.5 MB (the largest rounding error
is 0.0005 of capacity; annual means move by < 0.0001). Deterministic: Python 3 standard library only;
two runs give identical bytes.

    python3 data/tools/build_traces.py [../shared/data]

Also the project traces of ../shared/data/traces_projects/ (AEMO 2024 ISP traces of existing
generators; that folder's PROVENANCE.md): <project>_RefYear<year>.csv -> data/traces_projects/, the
same per-mille layout. Their zone, technology and site are not in the file (nor taken from its name):
data/manifest.toml states them per entry.
"""
import csv
import os
import pathlib
import sys
from decimal import Decimal, ROUND_HALF_EVEN

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SITEFIND_PUBLIC_DATA", ROOT.parent / "shared" / "data"))
SRC = DATA / "traces"
OUT = ROOT / "data" / "traces"
PROJECT_SRC = DATA / "traces_projects"
PROJECT_OUT = ROOT / "data" / "traces_projects"


def q(text: str) -> str:
    v = (Decimal(text) * 1000).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN)
    return str(int(v))


def compact(files, out) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for f in files:
        with f.open(newline="") as fh:
            rows = list(csv.reader(fh))
        lines = [",".join(rows[0])]
        for r in rows[1:]:
            lines.append(",".join(r[:3] + [q(x) for x in r[3:]]))
        (out / f.name).write_text("\n".join(lines) + "\n")
        print(f"{f.name}: {len(rows) - 1} days")


def main() -> None:
    files = sorted(SRC.glob("REZ_*_RefYear*.csv"))
    if not files:
        sys.exit(f"no trace files under {SRC}")
    compact(files, OUT)
    projects = sorted(PROJECT_SRC.glob("*_RefYear*.csv"))
    if not projects:
        sys.exit(f"no project trace files under {PROJECT_SRC}")
    compact(projects, PROJECT_OUT)


if __name__ == "__main__":
    main()

"""Clears outputs and execution counts of the committed notebooks (or, with --check, fails if
any has them). Usage: python notebooks/strip.py [--check] [NOTEBOOK ...]"""

import sys
from pathlib import Path

import nbformat


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"] or sorted(
        Path(__file__).resolve().parent.glob("[0-9][0-9]_*.ipynb")
    )
    dirty = []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        has = any(
            c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
            for c in nb.cells
        )
        if not has:
            continue
        dirty.append(p.name)
        if not check:
            for c in nb.cells:
                if c.cell_type == "code":
                    c["outputs"] = []
                    c["execution_count"] = None
            nbformat.write(nb, p)
    if check and dirty:
        print(f"notebooks with outputs (run notebooks/strip.py): {', '.join(dirty)}", file=sys.stderr)
        return 1
    if dirty:
        print(f"stripped: {', '.join(dirty)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

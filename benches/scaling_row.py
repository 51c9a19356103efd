"""One CSV row of benches/scaling.sh from a run's saved files: BASE.json (the JSON report with
timings), BASE.err (stderr progress lines) and BASE.time (/usr/bin/time -v).
Usage: scaling_row.py BASE DENSIFY_KM NODES SOLVER EXIT_CODE MEM_LIMIT_GB"""

import json
import os
import re
import sys

base, d, n, solver, rc, mem_gb = sys.argv[1:]
t = open(base + ".time").read() if os.path.exists(base + ".time") else ""
err = open(base + ".err").read() if os.path.exists(base + ".err") else ""


def grab(pat):
    m = re.search(pat, t)
    return m.group(1) if m else None


rss = grab(r"Maximum resident set size \(kbytes\): (\d+)")
rss = float(rss) / 1024 if rss else None
wall = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)")
if wall:
    wall = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))

row = dict(cand="", inm="", var="", con="", bin="", status="", obj=None, gap=None)
# Stage lines on stderr: "  <stage>   <seconds> s  <note>".
st = {}
for line in err.splitlines():
    m = re.match(r"\s+([a-z ]+?)\s+([\d.]+) s\b\s*(.*)", line)
    if not m:
        continue
    stage, secs, note = m.group(1), float(m.group(2)), m.group(3)
    st[stage] = secs
    if stage == "candidates":
        row["cand"] = note.split()[0]
    elif stage == "latency":
        mm = re.match(r"(\d+) of (\d+)", note)
        if mm:
            row["inm"] = mm.group(1)
    elif stage == "model build":
        mm = re.match(r"(\d+) variables \((\d+) binary\), (\d+) constraints", note)
        if mm:
            row["var"], row["bin"], row["con"] = mm.groups()
if os.path.exists(base + ".json"):
    r = json.load(open(base + ".json"))
    m = r["model"]
    row.update(cand=m["candidates"], inm=m["candidates_in_model"], var=m["variables"],
               con=m["constraints"], bin=m["binaries"], status=r["solver"]["status"],
               obj=r["solver"]["objective"], gap=r["solver"].get("gap"))
    st = {x["stage"]: x["seconds"] for x in r.get("timings") or []} or st
    if any(c.get("unserved_mw", 0) > 1e-6 for c in r.get("cities", [])):
        unserved = sum(c.get("unserved_mw", 0) for c in r["cities"])
        row["status"] += f" ({unserved:.0f} MW unserved)"
elif rc == "124":
    row["status"] = "killed by timeout"
elif "memory allocation" in err or "bad_alloc" in err or rc in ("134", "137"):
    row["status"] = f"out of memory ({mem_gb} GB cap)"
else:
    last = (err.strip().splitlines() or [""])[-1]
    row["status"] = f"exit {rc}: {last[:80]}".replace(",", ";")


def f(v, spec=".3f"):
    return "" if v in (None, "") else (format(v, spec) if isinstance(v, float) else str(v))


known = sum(st.values())
load = (wall - known) if (wall and rc == "0") else None
lat = st.get("latency model", 0.0) + st["latency"] if "latency" in st else None
cr = st.get("check", 0.0) + st["report"] if "report" in st else None
vals = [d, n, solver, row["cand"], row["inm"], row["var"], row["con"], row["bin"], row["status"],
        f(row["obj"], ".2f"), f(row["gap"], ".2e"), f(load), f(st.get("candidates")), f(lat),
        f(st.get("cost")), f(st.get("model build")), f(st.get("solve")), f(cr), f(wall),
        f(rss, ".0f"), rc]
print(",".join(str(v) for v in vals))

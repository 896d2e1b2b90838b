#!/usr/bin/env python3
"""Turns the raw result lines of the runtime benchmarks into a report.

Input: the lines every benchmark program prints (see bench/WORKLOADS.md)
    workload=<name> runtime=<rt> flavor=<mt|ct> n=<ops> total_ms=<f> ns_per_op=<f> [extra=k:v,...]

    report.py RAW [--md OUT.md] [--dat OUT.dat --gp OUT.gp --svg OUT.svg]
              [--runtimes "edo tokio ..."] [--check] [--title TEXT]

--md    writes the markdown tables (ns/op per runtime, edo/tokio and edo/asio ratios,
        bytes per idle task, timer overshoot).
--dat/--gp/--svg  write the gnuplot data file and the gnuplot script that draws
        OUT.svg (grouped bars: each runtime's ns/op divided by Tokio's, same workload
        and flavor, log y); run_all.sh then runs `gnuplot OUT.gp`.
--check makes sure that every runtime in --runtimes printed one well-formed line for
        every workload in every flavor it supports (SUPPORTED below), with the extras
        WORKLOADS.md requires, and exits 1 naming what is missing. It never looks at
        timings.
Python 3 standard library only.
"""

import argparse
import math
import os
import platform
import re
import statistics
import subprocess
import sys
from collections import OrderedDict

WORKLOADS = [
    "spawn_many",
    "yield_many",
    "ping_pong",
    "chained_spawn",
    "mpsc_contended",
    "timers",
    "timeout_ready",
    "tcp_echo",
    "idle_tasks_mem",
]
FLAVORS = ["mt", "ct"]
# Runtime -> flavors it has (async-std has no current-thread runtime; Node no
# multi-thread scheduler). Column order of the tables and the chart.
SUPPORTED = OrderedDict(
    [
        ("edo", ["mt", "ct"]),
        ("tokio", ["mt", "ct"]),
        ("smol", ["mt", "ct"]),
        ("async-std", ["mt"]),
        ("asio", ["mt", "ct"]),
        ("node", ["ct"]),
    ]
)
REQUIRED_EXTRA = {"timers": "overshoot_ms", "idle_tasks_mem": "bytes_per_task"}

LINE_RE = re.compile(
    r"^workload=(?P<workload>\S+) runtime=(?P<runtime>\S+) flavor=(?P<flavor>mt|ct)"
    r" n=(?P<n>\d+) total_ms=(?P<total_ms>\S+) ns_per_op=(?P<ns>\S+)"
    r"(?: extra=(?P<extra>\S+))?$"
)


def parse_float(s):
    v = float(s)
    if not math.isfinite(v):
        raise ValueError("not finite")
    return v


def parse(path):
    """Returns (results, problems). results[(workload, runtime, flavor)] = dict."""
    results = OrderedDict()
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            m = LINE_RE.match(line)
            if not m:
                problems.append(f"line {lineno}: malformed: {line!r}")
                continue
            d = m.groupdict()
            try:
                rec = {
                    "n": int(d["n"]),
                    "total_ms": parse_float(d["total_ms"]),
                    "ns": parse_float(d["ns"]),
                    "extra": {},
                }
                if d["extra"]:
                    for kv in d["extra"].split(","):
                        k, sep, v = kv.partition(":")
                        if not sep or not k:
                            raise ValueError(f"bad extra item {kv!r}")
                        rec["extra"][k] = parse_float(v)
            except ValueError as e:
                problems.append(f"line {lineno}: {e}: {line!r}")
                continue
            if d["workload"] not in WORKLOADS:
                problems.append(f"line {lineno}: unknown workload {d['workload']!r}")
                continue
            if rec["n"] < 1:
                problems.append(f"line {lineno}: n < 1: {line!r}")
                continue
            key = (d["workload"], d["runtime"], d["flavor"])
            results.setdefault(key, []).append(rec)
    return OrderedDict((k, merge_rounds(v)) for k, v in results.items()), problems


def merge_rounds(recs):
    """Several rounds of one (workload, runtime, flavor): the median of each value."""
    if len(recs) == 1:
        rec = dict(recs[0])
        rec["rounds"] = 1
        return rec
    keys = set().union(*(r["extra"].keys() for r in recs))
    return {
        "n": recs[0]["n"],
        "total_ms": statistics.median(r["total_ms"] for r in recs),
        "ns": statistics.median(r["ns"] for r in recs),
        "extra": {
            k: statistics.median(r["extra"][k] for r in recs if k in r["extra"]) for k in keys
        },
        "rounds": len(recs),
    }


def check(results, problems, runtimes):
    missing = []
    for rt in runtimes:
        for fl in SUPPORTED.get(rt, FLAVORS):
            for w in WORKLOADS:
                rec = results.get((w, rt, fl))
                if rec is None:
                    missing.append(f"{rt} {fl} {w}: no result line")
                    continue
                need = REQUIRED_EXTRA.get(w)
                if need and need not in rec["extra"]:
                    missing.append(f"{rt} {fl} {w}: no extra={need}:<x>")
    unexpected = sorted(
        "/".join(k) for k in results if k[1] in runtimes and k[2] not in SUPPORTED.get(k[1], FLAVORS)
    )
    ok = not missing and not problems
    for p in problems:
        print(f"report.py: check: {p}", file=sys.stderr)
    for m in missing:
        print(f"report.py: check: MISSING {m}", file=sys.stderr)
    for u in unexpected:
        print(f"report.py: check: note: unexpected line for an unsupported flavor: {u}", file=sys.stderr)
    expected = sum(len(SUPPORTED.get(rt, FLAVORS)) for rt in runtimes) * len(WORKLOADS)
    print(
        f"report.py: check: {expected - len(missing)}/{expected} expected lines present"
        f" for {' '.join(runtimes)}" + ("" if ok else " -- FAILED"),
        file=sys.stderr,
    )
    return ok


def fmt_num(v, digits=None):
    if v is None:
        return "—"
    if digits is None:
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 100:
            return f"{v:.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.2f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def machine_info():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    cpu = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = [
        f"{os.cpu_count()} CPUs ({cpu})" if cpu else f"{os.cpu_count()} CPUs",
        f"kernel {platform.release()}",
    ]
    rev = sh(["git", "rev-parse", "--short", "HEAD"])
    if rev:
        info.append(f"edo commit {rev}")
    return ", ".join(info)


def present_runtimes(results, runtimes):
    seen = {k[1] for k in results}
    cols = [rt for rt in runtimes if rt in seen]
    cols += sorted(rt for rt in seen if rt not in cols)  # anything else that printed
    return cols


def rows(results):
    for w in WORKLOADS:
        for fl in FLAVORS:
            if any(k[0] == w and k[2] == fl for k in results):
                yield w, fl


def write_markdown(path, results, problems, runtimes, title, scale, failures):
    cols = present_runtimes(results, runtimes)
    out = []
    out.append(f"# {title}\n")
    rounds = max((r.get("rounds", 1) for r in results.values()), default=1)
    rounds_text = (
        f" The whole set ran {rounds} times, one round after another (each round runs every"
        " runtime); each cell is the median of the rounds."
        if rounds > 1
        else ""
    )
    out.append(
        f"SCALE={scale}. {machine_info()}. Each cell is the median of 5 timed runs after 1"
        " warm-up (idle_tasks_mem: one measurement in a fresh process)."
        f"{rounds_text} `mt` = 2 worker"
        " threads, `ct` = current-thread. Lower is better everywhere; a ratio < 1 means"
        " edo is faster / smaller. Workloads: bench/WORKLOADS.md; peers:"
        " bench/peers/README.md.\n"
    )
    if failures:
        out.append("**Runs that failed:** " + "; ".join(failures) + "\n")

    def table(header_label, value_of, digits=None, with_n=True, with_ratios=True, only=None):
        hdr = ["workload", "flavor"] + (["n"] if with_n else []) + cols
        if with_ratios:
            hdr += ["edo/tokio", "edo/asio"]
        lines = ["| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(hdr) - 2)) + "|"]
        mismatched_n = []
        for w, fl in rows(results):
            if only and w not in only:
                continue
            recs = {rt: results.get((w, rt, fl)) for rt in cols}
            ns = sorted({r["n"] for r in recs.values() if r})
            if len(ns) > 1:
                mismatched_n.append(f"{w}/{fl}: n = {', '.join(map(str, ns))}")
            vals = {rt: (value_of(r) if r else None) for rt, r in recs.items()}
            cells = [w, fl]
            if with_n:
                cells.append(f"{ns[0]:,}" if ns else "—")
            cells += [fmt_num(vals[rt], digits) for rt in cols]
            if with_ratios:
                cells.append(fmt_num(ratio(vals.get("edo"), vals.get("tokio")), 2))
                cells.append(fmt_num(ratio(vals.get("edo"), vals.get("asio")), 2))
            lines.append("| " + " | ".join(cells) + " |")
        out.append(f"## {header_label}\n")
        out.extend(lines)
        out.append("")
        if mismatched_n:
            out.append("Note: the runtimes ran different n: " + "; ".join(mismatched_n) + "\n")

    table("ns per operation", lambda r: r["ns"])
    out.append(
        "timers: ns/op is total wall time / timers (dominated by the 100 ms longest sleep);"
        " idle_tasks_mem: time to spawn the tasks and park them all, per task.\n"
    )
    table(
        "idle_tasks_mem: bytes per idle task (peak RSS growth / n)",
        lambda r: r["extra"].get("bytes_per_task"),
        digits=0,
        only={"idle_tasks_mem"},
    )
    table(
        "timers: overshoot in ms (total wall time − 100 ms)",
        lambda r: r["extra"].get("overshoot_ms"),
        digits=1,
        with_ratios=False,
        only={"timers"},
    )
    if problems:
        out.append("## Lines that could not be used\n")
        out.extend(f"- {p}" for p in problems)
        out.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out).rstrip() + "\n")


def write_chart(dat, gp, svg, results, runtimes, title):
    cols = present_runtimes(results, runtimes)
    data_rows = []
    for w, fl in rows(results):
        base = results.get((w, "tokio", fl))
        if not base or base["ns"] <= 0:
            continue
        vals = []
        for rt in cols:
            r = results.get((w, rt, fl))
            vals.append(f"{r['ns'] / base['ns']:.6g}" if r and r["ns"] > 0 else "?")
        data_rows.append((f"{w}/{fl}", vals))
    with open(dat, "w", encoding="utf-8") as f:
        f.write("# ns/op of each runtime divided by Tokio's (same workload and flavor); ? = no result\n")
        f.write("# columns: workload/flavor " + " ".join(cols) + "\n")
        for label, vals in data_rows:
            f.write(f'"{label}" ' + " ".join(vals) + "\n")
    ratios = [float(v) for _, vals in data_rows for v in vals if v != "?"]
    lo = min(ratios) if ratios else 0.1
    hi = max(ratios) if ratios else 10
    ymin = 10 ** math.floor(math.log10(min(lo, 1.0)) - 0.01)
    ymax = 10 ** math.ceil(math.log10(max(hi, 1.0)) + 0.01)
    width = min(1800, max(900, 14 * len(data_rows) * (len(cols) + 1) + 250))
    plots = []
    for i, rt in enumerate(cols):
        src = f"'{os.path.basename(dat)}'" if i == 0 else "''"
        using = f"{i + 2}:xtic(1)" if i == 0 else f"{i + 2}"
        plots.append(f"{src} using {using} title '{rt}'")
    script = f"""# gnuplot script written by bench/report.py; run from the directory of the files.
set terminal svg size {width},620 dynamic noenhanced font 'sans,12' background rgb 'white'
set output '{os.path.basename(svg)}'
set title "{title}: ns/op relative to Tokio (same flavor); log scale, lower is better"
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
set logscale y
set yrange [{ymin:g}:{ymax:g}]
set ylabel 'ns/op ÷ Tokio ns/op'
set grid ytics mytics
set xtics rotate by 45 right nomirror scale 0
set bmargin 9
set key outside right top
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'gray30'
plot {', '.join(plots)}
"""
    with open(gp, "w", encoding="utf-8") as f:
        f.write(script)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw")
    ap.add_argument("--md")
    ap.add_argument("--dat")
    ap.add_argument("--gp")
    ap.add_argument("--svg")
    ap.add_argument("--runtimes", default=" ".join(SUPPORTED))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--title", default="Runtime benchmark")
    ap.add_argument("--scale", default=os.environ.get("SCALE", "1"))
    ap.add_argument("--failed", action="append", default=[], help="a run that failed (listed in the report)")
    a = ap.parse_args()

    runtimes = a.runtimes.split()
    results, problems = parse(a.raw)
    if a.md:
        write_markdown(a.md, results, problems, runtimes, a.title, a.scale, a.failed)
    if a.dat or a.gp or a.svg:
        if not (a.dat and a.gp and a.svg):
            ap.error("--dat, --gp and --svg go together")
        write_chart(a.dat, a.gp, a.svg, results, runtimes, a.title)
    if a.check:
        return 0 if check(results, problems, runtimes) else 1
    for p in problems:
        print(f"report.py: warning: {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

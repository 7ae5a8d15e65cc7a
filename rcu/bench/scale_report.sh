#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The rcutorture project authors.
#
# scale_report.sh: runs the scaling benchmarks of rcu_bench (scale_bench.cc,
# every benchmark whose name contains "Scale") and turns their JSON output
# into
#   - markdown tables on stdout (tree-size axis, then registered threads), and
#   - rcu/bench/docs/scaling.svg: latency against nr_cpu_ids (log2 axis) for
#     Synchronize(), SynchronizeExpedited() and Barrier(), one line per
#     fanout, and latency against the number of registered threads.
#
# Usage: rcu/bench/scale_report.sh [RCU_BENCH [BENCHMARK_FLAGS...]]
#   RCU_BENCH defaults to build/release/rcu/bench/rcu_bench. Further flags
#   go to the binary, e.g. --benchmark_repetitions=3; with repetitions each
#   cell is the median of the per-repetition values.
# Needs python3 (JSON) and gnuplot (SVG terminal). Run it on a quiet box.
set -euo pipefail

bench="${1:-build/release/rcu/bench/rcu_bench}"
if [[ $# -gt 0 ]]; then shift; fi
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
svg="${script_dir}/docs/scaling.svg"

if [[ ! -x "${bench}" ]]; then
  echo "scale_report.sh: ${bench} is not an executable (build rcu_bench first)" >&2
  exit 1
fi
command -v gnuplot >/dev/null || { echo "scale_report.sh: gnuplot not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "scale_report.sh: python3 not found" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# The binary prints sizes on stderr; only the JSON goes to the file.
"${bench}" --benchmark_filter=Scale --benchmark_format=json "$@" >"${tmp}/scale.json"

# Tables on stdout; tree.dat and threads.dat for gnuplot.
python3 - "${tmp}/scale.json" "${tmp}" <<'PY'
import json
import re
import statistics
import sys

path, outdir = sys.argv[1], sys.argv[2]
with open(path) as f:
    doc = json.load(f)

# name -> {counter: [values over repetitions]}
runs = {}
for b in doc["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
        continue
    name = re.sub(r"/(min_time|iterations|repeats|manual_time|real_time)[^/]*",
                  "", b["run_name"])
    cell = runs.setdefault(name, {})
    for k, v in b.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            cell.setdefault(k, []).append(v)


def get(name, key):
    v = runs.get(name, {}).get(key)
    return statistics.median(v) if v else None


def fmt(v, digits=3):
    if v is None:
        return "-"
    return f"{v:.{digits}g}" if v < 1000 else f"{v:.0f}"


def lat(name):
    m, p = get(name, "median_us"), get(name, "p99_us")
    return "-" if m is None else f"{fmt(m)} / {fmt(p)}"


ctx = doc["context"]
load = ", ".join(f"{x:.2f}" for x in ctx.get("load_avg", []))
print(f"Run: {ctx.get('date', '?')} on {ctx.get('host_name', '?')}, "
      f"{ctx.get('num_cpus', '?')} CPUs, load average {load or '?'}.\n")

cpus_list = sorted({int(m.group(1)) for n in runs
                    if (m := re.search(r"^BM_ScaleSync/cpus:(\d+)/", n))})
fanouts = sorted({int(m.group(1)) for n in runs
                  if (m := re.search(r"/fanout:(\d+)", n))}, reverse=True)
cbs_loaded = sorted({int(m.group(1)) for n in runs
                     if (m := re.search(r"/cbs:(\d+)", n)) and m.group(1) != "0"})
loaded = cbs_loaded[-1] if cbs_loaded else None

print("| vCPUs | fanout / leaf | levels | nodes | Synchronize() µs, median / p99 "
      "| SynchronizeExpedited() µs, median / p99 | Barrier() empty µs, median / p99 "
      f"| Barrier() after {loaded} posts µs, median (pending) "
      "| Call() invoked M/s | GPs/s during Call() |")
print("|---:|---|---:|---:|---|---|---|---|---:|---:|")
tree_rows = []
for fo in fanouts:
    leaf = 16 if fo == 64 else fo
    for c in cpus_list:
        t = f"cpus:{c}/fanout:{fo}"
        sync, exp = f"BM_ScaleSync/{t}", f"BM_ScaleExp/{t}"
        bar0 = f"BM_ScaleBarrier/{t}/cbs:0"
        barn = f"BM_ScaleBarrier/{t}/cbs:{loaded}"
        call = f"BM_ScaleCall/{t}"
        pend = get(barn, "pending")
        barn_s = "-" if get(barn, "median_us") is None else (
            f"{fmt(get(barn, 'median_us'))} ({fmt(pend)})")
        print(f"| {c} | {fo} / {leaf} | {fmt(get(sync, 'levels'))} "
              f"| {fmt(get(sync, 'nodes'))} | {lat(sync)} | {lat(exp)} "
              f"| {lat(bar0)} | {barn_s} | {fmt(get(call, 'invoked_Mps'))} "
              f"| {fmt(get(call, 'gps_per_s'))} |")
        tree_rows.append((c, fo, get(sync, "median_us"), get(exp, "median_us"),
                          get(bar0, "median_us"), get(barn, "median_us")))
print()

threads = sorted({int(m.group(1)) for n in runs
                  if (m := re.search(r"^BM_ScaleThreads/\w+/threads:(\d+)", n))})
print("| registered threads | Synchronize() µs, median / p99 "
      "| SynchronizeExpedited() µs, median / p99 | Barrier() empty µs, median / p99 |")
print("|---:|---|---|---|")
thread_rows = []
for n in threads:
    names = [f"BM_ScaleThreads/{op}/threads:{n}" for op in ("sync", "exp", "barrier")]
    print(f"| {n} | " + " | ".join(lat(x) for x in names) + " |")
    thread_rows.append((n, *(get(x, "median_us") for x in names)))


def cell(v):
    return "?" if v is None else repr(v)


# tree.dat: one block per fanout (gnuplot index 0, 1, ...), fanouts in the
# order printed above; columns cpus sync exp barrier0 barrierN (µs).
with open(f"{outdir}/tree.dat", "w") as f:
    for fo in fanouts:
        f.write(f"# fanout {fo}\n")
        for c, rfo, *vals in tree_rows:
            if rfo == fo:
                f.write(" ".join([str(c)] + [cell(v) for v in vals]) + "\n")
        f.write("\n\n")
with open(f"{outdir}/threads.dat", "w") as f:
    for n, *vals in thread_rows:
        f.write(" ".join([str(n)] + [cell(v) for v in vals]) + "\n")
with open(f"{outdir}/meta", "w") as f:
    f.write(" ".join(str(fo) for fo in fanouts) + "\n")
    f.write(f"{loaded}\n")
    f.write(f"{ctx.get('date', '?')[:10]} {ctx.get('host_name', '?')} "
            f"load {load}\n")
PY

{
  read -r fanout_a fanout_b
  read -r loaded_cbs
  read -r run_info
} <"${tmp}/meta"

mkdir -p "$(dirname "${svg}")"
gnuplot <<GP
set encoding utf8
set terminal svg size 1100,600 dynamic font "sans,11"
set output "${tmp}/scaling.svg"
set datafile missing "?"
set multiplot layout 1,2 title "librcu scaling, median latency (${run_info})" noenhanced
set logscale xy 2
set format y "%g"
set grid
set key outside below left Left reverse font ",10" maxrows 4
set xlabel 'nr\_cpu\_ids (all online, 1 registered thread)'
set ylabel "µs"
set xrange [3:1400]
plot "${tmp}/tree.dat" index 0 using 1:2 with linespoints lt 1 pt 7 title "Synchronize(), fanout ${fanout_a}", \
     "${tmp}/tree.dat" index 1 using 1:2 with linespoints lt 1 dt 2 pt 6 title "Synchronize(), fanout ${fanout_b}", \
     "${tmp}/tree.dat" index 0 using 1:3 with linespoints lt 2 pt 7 title "SynchronizeExpedited(), fanout ${fanout_a}", \
     "${tmp}/tree.dat" index 1 using 1:3 with linespoints lt 2 dt 2 pt 6 title "SynchronizeExpedited(), fanout ${fanout_b}", \
     "${tmp}/tree.dat" index 0 using 1:4 with linespoints lt 3 pt 7 title "Barrier() empty, fanout ${fanout_a}", \
     "${tmp}/tree.dat" index 1 using 1:4 with linespoints lt 3 dt 2 pt 6 title "Barrier() empty, fanout ${fanout_b}", \
     "${tmp}/tree.dat" index 0 using 1:5 with linespoints lt 4 pt 7 title "Barrier() after ${loaded_cbs} posts, fanout ${fanout_a}", \
     "${tmp}/tree.dat" index 1 using 1:5 with linespoints lt 4 dt 2 pt 6 title "Barrier() after ${loaded_cbs} posts, fanout ${fanout_b}"
set xlabel 'idle registered threads (nr\_cpu\_ids 4)'
set xrange [0.8:320]
plot "${tmp}/threads.dat" using 1:2 with linespoints lt 1 pt 7 title "Synchronize()", \
     "${tmp}/threads.dat" using 1:3 with linespoints lt 2 pt 7 title "SynchronizeExpedited()", \
     "${tmp}/threads.dat" using 1:4 with linespoints lt 3 pt 7 title "Barrier() empty"
unset multiplot
GP

# The licence as an XML comment right after the XML declaration.
{
  head -n 1 "${tmp}/scaling.svg"
  echo "<!-- SPDX-License-Identifier: Apache-2.0 -->"
  echo "<!-- Copyright 2026 The rcutorture project authors. -->"
  tail -n +2 "${tmp}/scaling.svg"
} >"${svg}"
echo >&2 "scale_report.sh: wrote ${svg}"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# recheck.sh: re-analyses finished runs of scripts/torture.sh.
#
#   scripts/recheck.sh RESULTS_DIR...
#
# For each run directory (results/YYYY.MM.DD-HH.MM.SS), prints the run's
# first log line, then per scenario the kvm-recheck-rcu line
# (NAME ------- N GPs (R/s) [end-of-test GP state] cbs: Q/I n_max_cbs: N),
# re-runs scripts/parse-console.sh on its console.log (rewriting
# console.log.diags), and reports "Summary: Potential hang (killed)" for
# scenarios the runner killed. Exit (the last matching line wins):
#   0  clean
#   1  "N runs with configuration errors." (no config file, or a run
#      directory without scenarios)
#   2  "N runs with build errors." (the log's "torture.sh: build error"
#      line: a failed build, see Make.out, or --trust-build without a binary)
#   3  "N runs with runtime errors." (a console.log.diags was written)
#   64 bad usage (no argument, not a directory)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"

case "${1:-}" in
  -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "recheck.sh: usage: recheck.sh RESULTS_DIR..." >&2; exit 64 ;;
  -*) echo "recheck.sh: unknown option '$1'" >&2; exit 64 ;;
esac
for r in "$@"; do
  [[ -d "$r" ]] || { echo "recheck.sh: no results directory '$r'" >&2; exit 64; }
done

# scenario_report DIR: one scenario's lines, then "#status ok|conf|rt".
scenario_report() {
  local d="$1" name rv
  name="${d##*/}"
  if [[ -f "$d/skipped" ]]; then
    echo "$name ------- skipped (the run was stopped before it started)"
    echo "#status ok"
    return
  fi
  if [[ ! -s "$d/config" ]]; then
    echo "BUG: $name: no resolved config (configuration error)"
    echo "#status conf"
    return
  fi
  tl_gps_line "$d"
  if [[ ! -f "$d/console.log" ]]; then
    echo "BUG: $name: not run (no console.log)"
    echo "#status rt"
    return
  fi
  if [[ -f "$d/retval" ]]; then
    rv=$(<"$d/retval")
    [[ "${rv:0:16}" != 137 ]] || echo "Summary: Potential hang (killed)"
  fi
  "$here/parse-console.sh" "$d/console.log" "$name" 2>&1 | grep -v '^Summary: .*: clean'
  if [[ -s "$d/console.log.diags" ]]; then echo "#status rt"; else echo "#status ok"; fi
}

jobs_max=$(nproc 2>/dev/null || echo 2)
nconf=0
nbuild=0
nrt=0
for r in "$@"; do
  r="${r%/}"
  head -1 "$r/log" 2>/dev/null || echo "$r: (no log)"
  mapfile -t ds < <(tl_scenario_dirs "$r")
  if ((${#ds[@]} == 0)); then
    # torture.sh's marker: "torture.sh: build error: ..." (older runs:
    # "--trust-build, but BIN was not built").
    if grep -q '^torture.sh: build error\|^torture.sh: --trust-build, but ' "$r/log" 2>/dev/null; then
      echo "BUG: $r: build failed: $(grep -m1 '^torture.sh: build error\|^torture.sh: --trust-build, but ' "$r/log")"
      nbuild=$((nbuild + 1))
    elif grep -q 'configuration error\|does not exist' "$r/log" 2>/dev/null; then
      echo "BUG: $r: $(grep -m1 'configuration error' "$r/log")"
      nconf=$((nconf + 1))
    else
      echo "$r: no scenario directories"
      nconf=$((nconf + 1))
    fi
    continue
  fi
  # The scenarios are analysed in parallel (one job per CPU; each writes
  # its report to a file), then reported in name order.
  work=$(mktemp -d)
  i=0
  running=0
  for d in "${ds[@]}"; do
    scenario_report "$d" >"$work/$i" &
    i=$((i + 1))
    running=$((running + 1))
    if ((running >= jobs_max)); then
      wait -n
      running=$((running - 1))
    fi
  done
  wait
  for ((j = 0; j < i; j++)); do
    while IFS= read -r l; do
      case "$l" in
        "#status conf") nconf=$((nconf + 1)) ;;
        "#status rt") nrt=$((nrt + 1)) ;;
        "#status "*) ;;
        *) printf '%s\n' "$l" ;;
      esac
    done <"$work/$j"
  done
  rm -rf "$work"
done
code=0
if ((nconf)); then echo "$nconf runs with configuration errors."; code=1; fi
if ((nbuild)); then echo "$nbuild runs with build errors."; code=2; fi
if ((nrt)); then echo "$nrt runs with runtime errors."; code=3; fi
exit "$code"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# find-errors.sh: shows every problem of a torture.sh run with its log excerpt.
#
#   scripts/find-errors.sh [--context N] RESULTS_DIR
#
# Re-analyses each scenario (scripts/parse-console.sh), then for every one
# with a console.log.diags prints its diagnostics and, for each offending
# line, N (default 5) lines of console.log around its first occurrence;
# a build failure prints the tail of Make.out. With $EDITOR set (and not
# "echo") the diags and logs are also opened in it, as the kernel's
# kvm-find-errors.sh does. A scenario without a console.log (not
# skipped) is an error too. Excerpt lines are cut at 512 bytes. Ends with
# "No errors in console logs." or "N scenarios with errors.".
# Exit: 0 no errors, 1 errors found, 64 bad usage.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"
ctx=5
case "${1:-}" in
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --context) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "find-errors.sh: bad --context '${2:-}'" >&2; exit 64; }
             ctx="$2"; shift 2 ;;
esac
(($# == 1)) || { echo "find-errors.sh: usage: find-errors.sh [--context N] RESULTS_DIR" >&2; exit 64; }
r="${1%/}"
[[ -d "$r" ]] || { echo "find-errors.sh: no results directory '$r'" >&2; exit 64; }

nerr=0
files=()
if [[ -f "$r/Make.out" ]] && grep -q 'build error' "$r/log" 2>/dev/null; then
  echo "=== build error: $r/Make.out"
  tail -20 "$r/Make.out"
  nerr=$((nerr + 1))
  files+=("$r/Make.out")
fi
while read -r d; do
  name="$(basename "$d")"
  [[ ! -f "$d/skipped" ]] || continue  # the run was stopped before it
  if [[ ! -f "$d/console.log" ]]; then
    # A scenario that produced nothing never reads as clean.
    nerr=$((nerr + 1))
    echo "=== $name: no console.log (the scenario produced no output)"
    continue
  fi
  "$here/parse-console.sh" --quiet "$d/console.log" "$name" >/dev/null 2>&1
  [[ -s "$d/console.log.diags" ]] || continue
  nerr=$((nerr + 1))
  files+=("$d/console.log.diags" "$d/console.log")
  echo "=== $name: $d/console.log.diags"
  cat "$d/console.log.diags"
  # Log excerpts: the first five distinct offending lines, in the order the
  # diags list them (log order), each at its first occurrence in context.
  # parse-console.sh's own lines (BUG:/WARNING: TITLE ..., Verdict:,
  # Summary:) are no anchors; the console's own BUG:/WARNING: lines are.
  grep -v "^Summary: \|^Verdict: \|^BUG: $name \|^WARNING: $name \|^WARNING: HOTPLUG FAILURES \|^BUG: [0-9]* Reader Batch\|^WARNING: [0-9]* Reader Batch\|^\.\.\. " "$d/console.log.diags" |
    awk '!seen[$0]++' | head -5 |
    while IFS= read -r l; do
      n=$(grep -anF -- "${l:0:200}" "$d/console.log" | head -1 | cut -d: -f1)
      [[ -n "$n" ]] || continue
      echo "--- $name console.log line $n:"
      sed -n "$((n > ctx ? n - ctx : 1)),$((n + ctx))p" "$d/console.log" | cut -c1-512
    done
  if ! grep -aq -- 'End of test: ' "$d/console.log"; then
    echo "--- $name console.log, last $((2 * ctx)) lines:"
    tail -n $((2 * ctx)) "$d/console.log" | cut -c1-512
  fi
done < <(tl_scenario_dirs "$r")
if ((nerr == 0)); then
  echo "No errors in console logs."
  exit 0
fi
echo "$nerr scenarios with errors."
if [[ -n "${EDITOR:-}" && "${EDITOR}" != echo && -t 1 ]]; then
  "$EDITOR" "${files[@]}"
fi
exit 1

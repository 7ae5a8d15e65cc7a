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
# kvm-find-errors.sh does. Ends with "No errors in console logs." or
# "N scenarios with errors.".
# Exit: 0 no errors, 1 errors found, 64 bad usage.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"
ctx=5
case "${1:-}" in
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  [[ -f "$d/console.log" ]] || continue
  "$here/parse-console.sh" --quiet "$d/console.log" "$name" >/dev/null
  [[ -s "$d/console.log.diags" ]] || continue
  nerr=$((nerr + 1))
  files+=("$d/console.log.diags" "$d/console.log")
  echo "=== $name: $d/console.log.diags"
  cat "$d/console.log.diags"
  # Log excerpts: each distinct offending line's first occurrence in context.
  grep -v '^Summary: \|^BUG: \|^WARNING: \|^\.\.\. ' "$d/console.log.diags" | sort -u | head -5 |
    while IFS= read -r l; do
      n=$(grep -anF -- "$l" "$d/console.log" | head -1 | cut -d: -f1)
      [[ -n "$n" ]] || continue
      echo "--- $name console.log line $n:"
      sed -n "$((n > ctx ? n - ctx : 1)),$((n + ctx))p" "$d/console.log"
    done
  if ! grep -aq -- 'End of test: ' "$d/console.log"; then
    echo "--- $name console.log, last $((2 * ctx)) lines:"
    tail -n $((2 * ctx)) "$d/console.log"
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

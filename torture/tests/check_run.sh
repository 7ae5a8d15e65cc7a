#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# check_run.sh: runs one rcutorture command and checks its verdict.
#
#   check_run.sh --exit N [--pipe-ge2 | --pipe-clean] [--want ERE]...
#                [--order FIXED]... -- rcutorture ARGS...
#
# --exit N      the exit status must be N (0 SUCCESS, 1 FAILURE, ...).
# --pipe-ge2    the final Reader Pipe line must carry "!!!" and a non-zero
#               bucket at index >= 2, and the End line must say FAILURE
#               (the busted negative control).
# --pipe-clean  no Reader Pipe line may have a non-zero bucket at index
#               >= 2, no "!!!" anywhere, and the End line must say SUCCESS.
# --watchdog    the watchdog must have fired: "!!! Watchdog:" lines, the
#               flavour's GP dump, and no End line.
# --want ERE    some line of the log must match the extended regex ERE
#               (anchored at both ends); repeatable.
# --order FIXED the first lines containing each fixed string must appear
#               in the order the --order options are given.
# The log is printed when a check fails (ctest shows it).
set -uo pipefail
want_exit=""
mode=""
wants=()
orders=()
while (($#)); do
  case "$1" in
    --exit) want_exit="$2"; shift 2 ;;
    --want) wants+=("$2"); shift 2 ;;
    --order) orders+=("$2"); shift 2 ;;
    --pipe-ge2|--pipe-clean|--watchdog) mode="$1"; shift ;;
    --) shift; break ;;
    *) echo "check_run.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$(date +%s)
"$@" >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
fail() {
  echo "check_run.sh: FAILED: $*" >&2
  echo "----- log -----" >&2
  cat "$log" >&2
  exit 1
}
[[ "$rc" == "$want_exit" ]] || fail "exit status $rc, want $want_exit"
# Reader Pipe buckets 2..10 of every Reader Pipe line, summed.
bad_buckets=$(grep -E -- '-torture: (!!! )?Reader Pipe:' "$log" |
  sed -E 's/.*Reader Pipe: +//' |
  awk '{ s = 0; for (i = 3; i <= NF; i++) s += $i; print s }' | tail -1)
case "$mode" in
  --watchdog)
    grep -qE -- '-torture:!!! Watchdog: .* blocked in sync for [0-9]+ ms' "$log" || fail "no watchdog report"
    grep -qE -- '-torture:!!! Watchdog: hang detected, exiting with status 2' "$log" || fail "no exit line"
    if grep -q -- '--- End of test' "$log"; then fail "End line after a hang"; fi
    ;;
  --pipe-ge2)
    grep -qE -- '-torture:--- End of test: FAILURE: ' "$log" || fail "no FAILURE End line"
    grep -qE -- '-torture: !!! Reader Pipe:' "$log" || fail "no !!! Reader Pipe line"
    [[ "${bad_buckets:-0}" -gt 0 ]] || fail "final Reader Pipe has no bucket >= 2"
    ;;
  --pipe-clean)
    grep -qE -- '-torture:--- End of test: SUCCESS: ' "$log" || fail "no SUCCESS End line"
    if grep -q '!!!' "$log"; then fail "a line carries !!!"; fi
    all_bad=$(grep -E -- '-torture: (!!! )?Reader Pipe:' "$log" |
      sed -E 's/.*Reader Pipe: +//' |
      awk '{ for (i = 3; i <= NF; i++) s += $i } END { print s + 0 }')
    [[ "$all_bad" -eq 0 ]] || fail "Reader Pipe bucket >= 2 seen"
    ;;
esac
for w in "${wants[@]}"; do
  grep -qE -- "^$w\$" "$log" || fail "no line matching /^$w\$/"
done
prev=0
for o in "${orders[@]}"; do
  n=$(grep -nF -- "$o" "$log" | head -1 | cut -d: -f1)
  [[ -n "$n" ]] || fail "missing '$o'"
  ((n > prev)) || fail "'$o' (line $n) out of order"
  prev=$n
done
for w in "${wants[@]}"; do grep -E -- "^$w\$" "$log" | tail -1 | cut -c1-200; done
grep -E -- '-torture: (!!! )?Reader Pipe:|End of test' "$log" | tail -2 | cut -c1-160
echo "check_run.sh: ok (exit $rc, ${secs}s)"

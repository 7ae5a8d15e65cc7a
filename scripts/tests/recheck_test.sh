#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# recheck_test.sh: scripts/recheck.sh's exit codes and lines on results
# trees built in a temporary directory from the recorded logs in data/
# (clean, FAILURE, truncated, hung with its kill record, crashed), on
# configuration- and build-error runs, and on a real --trust-build run of
# scripts/torture.sh without a binary (a copy of the scripts in a tree
# with no build/). Needs no rcutorture binary.
set -euo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
data="$here/data"

# mkrun RUN [NAME:LOG:RETVAL]...: a results tree $tmp/RUN whose scenario
# NAME ran with console.log data/LOG (data/hung: its console.log and
# Warnings) and exit status RETVAL.
mkrun() {
  local r="$tmp/$1" spec name log rv
  shift
  mkdir -p "$r"
  echo "scripts/torture.sh --configs test" >"$r/log"
  for spec in "$@"; do
    IFS=: read -r name log rv <<<"$spec"
    mkdir -p "$r/$name"
    echo "rcutorture --config=configs/$name \"\$@\"" >"$r/$name/cmd"
    printf 'rcutorture.torture_type=rcu\nrcutorture.stat_interval=1\n' >"$r/$name/config"
    if [[ -d "$data/$log" ]]; then
      cp "$data/$log/console.log" "$data/$log/Warnings" "$r/$name/"
    else
      cp "$data/$log" "$r/$name/console.log"
    fi
    echo "$rv" >"$r/$name/retval"
  done
}

# check EXIT RUN... -- LINE...: recheck.sh RUN... exits EXIT and prints
# every LINE (a whole line, fixed string); it prints a count line only if
# one is given.
check() {
  local want="$1" runs=() rc=0 out l
  shift
  while [[ "$1" != -- ]]; do runs+=("$tmp/$1"); shift; done
  shift
  out="$tmp/out.$(basename "${runs[0]}")"
  "$s/recheck.sh" "${runs[@]}" >"$out" 2>&1 || rc=$?
  ((rc == want)) || fail "recheck ${runs[*]##*/}: exit $rc, want $want"
  for l in "$@"; do
    grep -qxF -- "$l" "$out" || fail "recheck ${runs[*]##*/}: no line '$l'"
  done
  if ! printf '%s\n' "$@" | grep -q ' runs with '; then
    ! grep -q ' runs with ' "$out" || fail "recheck ${runs[*]##*/}: unexpected '$(grep ' runs with ' "$out")'"
  fi
}

# Exit 0: clean, plus a scenario skipped by a stopped run.
mkrun clean TREE01:clean.log:0
mkdir "$tmp/clean/TREE02" && echo skipped >"$tmp/clean/TREE02/skipped"
check 0 clean -- "scripts/torture.sh --configs test" \
  "TREE01 ------- 450 GPs (112.5/s) [rcu: g4032 f0x1 total-gps=1308] cbs: 738/738" \
  "TREE02 ------- skipped (the run was stopped before it started)"
[[ ! -e "$tmp/clean/TREE01/console.log.diags" ]] || fail "clean: diags written"

# Exit 3: each recorded failure, with its diags rewritten.
mkrun failure TREE01:failure.log:1
check 3 failure -- "Summary: TREE01: Failures: 1  Errors: 4" "1 runs with runtime errors."
grep -q '^BUG: TREE01 FAILURE, 1660 instances$' "$tmp/failure/TREE01/console.log.diags" || fail "failure: diags"
mkrun truncated TREE01:truncated.log:139
check 3 truncated -- "Summary: TREE01: No verdict: 1" "1 runs with runtime errors."
mkrun hung TREE01:hung:137
check 3 hung -- "Summary: Potential hang (killed)" \
  "Summary: TREE01: GP hangs: 1  No verdict: 1  Hangs: 1  Writer stalls: 2" "1 runs with runtime errors."
mkrun crashed TREE01:crashed.log:134 TREE02:clean.log:0
check 3 crashed -- "Summary: TREE01: No verdict: 1  Crashes: 1" "1 runs with runtime errors."
[[ ! -e "$tmp/crashed/TREE02/console.log.diags" ]] || fail "crashed: diags for the clean scenario"

# No silent clean: a scenario with no console, an empty console, or one
# that is not text is a runtime error.
mkrun noconsole TREE01:clean.log:0
rm "$tmp/noconsole/TREE01/console.log"
check 3 noconsole -- "BUG: TREE01: not run (no console.log)" "1 runs with runtime errors."
mkrun emptycons TREE01:clean.log:0
: >"$tmp/emptycons/TREE01/console.log"
check 3 emptycons -- "Summary: TREE01: Empty: 1" "1 runs with runtime errors."
mkrun bincons TREE01:clean.log:0
head -c 20000 /dev/urandom >"$tmp/bincons/TREE01/console.log"
check 3 bincons -- "Summary: TREE01: Not text: 1" "1 runs with runtime errors."
# A kernel console with a BUG splat: find-errors.sh shows the console's
# own BUG: line in context (it is an anchor, not one of our diags lines).
mkrun oops TREE01:kernel.log:0
{ head -12 "$data/kernel.log"; printf '%s\n' "[  100.000001] BUG: unable to handle page fault for address: ffff888100000000" \
    "[  100.000003] Oops: 0000 [#1] PREEMPT SMP NOPTI" "[  100.000005] Call Trace:"; } >"$tmp/oops/TREE01/console.log"
check 3 oops -- "Summary: TREE01: No verdict: 1  Bugs: 1  Close calls: 2" "1 runs with runtime errors."
# find-errors.sh and recheck.sh agree on every run above.
for run in clean failure truncated hung crashed noconsole emptycons bincons oops; do
  rc=0
  "$s/recheck.sh" "$tmp/$run" >/dev/null 2>&1 || rc=$?
  fe=0
  "$s/find-errors.sh" "$tmp/$run" >"$tmp/fe.$run" 2>&1 || fe=$?
  if ((rc == 3)); then
    ((fe == 1)) || fail "$run: recheck.sh found runtime errors, find-errors.sh exit $fe"
  else
    ((fe == 0)) || fail "$run: recheck.sh exit $rc, find-errors.sh exit $fe"
  fi
done
grep -q "^=== TREE01: no console.log (the scenario produced no output)$" "$tmp/fe.noconsole" ||
  fail "find-errors.sh: a scenario without console.log not reported"
grep -q "^--- TREE01 console.log line 13:$" "$tmp/fe.oops" || fail "find-errors.sh: the kernel's BUG: line is no excerpt anchor"

# Exit 1: a scenario rejected before anything ran; a scenario without its
# resolved config; a run directory with no scenario at all.
mkrun conf
echo "torture.sh: configuration error in TREE01: rcutorture: unknown parameter 'x'" >>"$tmp/conf/log"
check 1 conf -- "BUG: $tmp/conf: torture.sh: configuration error in TREE01: rcutorture: unknown parameter 'x'" \
  "1 runs with configuration errors."
mkrun noconfig TREE01:clean.log:0
: >"$tmp/noconfig/TREE01/config"
check 1 noconfig -- "BUG: TREE01: no resolved config (configuration error)" "1 runs with configuration errors."
mkrun empty
check 1 empty -- "$tmp/empty: no scenario directories" "1 runs with configuration errors."

# Exit 2: a failed build.
mkrun build
echo "torture.sh: build error (see $tmp/build/Make.out)" >>"$tmp/build/log"
echo "make: *** [all] Error 2" >"$tmp/build/Make.out"
check 2 build -- "BUG: $tmp/build: build failed: torture.sh: build error (see $tmp/build/Make.out)" \
  "1 runs with build errors."

# Exit 2: torture.sh --trust-build without a binary records a build error.
mkdir -p "$tmp/top/scripts" "$tmp/top/configs"
cp "$s/torture.sh" "$s/torture-lib.sh" "$s/parse-console.sh" "$tmp/top/scripts/"
cp "$s/../configs/CFcommon" "$s/../configs/TREE07" "$tmp/top/configs/"
rc=0
"$tmp/top/scripts/torture.sh" --trust-build --configs TREE07 --duration 1s --results "$tmp" \
  --datestamp nobin >"$tmp/nobin.out" 2>&1 || rc=$?
((rc == 2)) || fail "torture.sh --trust-build without a binary: exit $rc, want 2"
grep -q "^torture.sh: build error: --trust-build, but $tmp/top/build/release/torture/rcutorture was not built" "$tmp/nobin.out" ||
  fail "nobin: no build-error line"
check 2 nobin -- "1 runs with build errors."
rc=0
"$s/find-errors.sh" "$tmp/nobin" >"$tmp/nobin.find" 2>&1 || rc=$?
((rc == 1)) && grep -q "^=== build error: $tmp/nobin/Make.out$" "$tmp/nobin.find" || fail "nobin: find-errors.sh"

# The last count that applies wins.
check 3 conf build failure -- "1 runs with configuration errors." "1 runs with build errors." \
  "1 runs with runtime errors."
check 2 conf build -- "1 runs with configuration errors." "1 runs with build errors."

# Bad usage.
rc=0
"$s/recheck.sh" "$tmp/nope" 2>/dev/null || rc=$?
((rc == 64)) || fail "missing directory: exit $rc, want 64"
exit "$status"

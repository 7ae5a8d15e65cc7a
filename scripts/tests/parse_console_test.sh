#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# parse_console_test.sh: parse-console.sh on the recorded logs in data/:
# exit codes, the Summary line of each (pinned: recheck.sh and torture.sh
# print it), the first finding, and console.log.diags written or not.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
pc="$here/../parse-console.sh"
cp -r "$here/data/." "$tmp/"
# check LOG EXIT SUMMARY [FIRST_LINE]
check() {
  local log="$tmp/$1" out rc
  out="$("$pc" "$log" T)"
  rc=$?
  [[ "$rc" == "$2" ]] || fail "$1: exit $rc, want $2"
  [[ "$(grep '^Summary: ' <<<"$out")" == "$3" ]] || fail "$1: summary '$(grep '^Summary: ' <<<"$out")', want '$3'"
  [[ -z "${4:-}" || "$(head -1 <<<"$out")" == "$4" ]] || fail "$1: first line '$(head -1 <<<"$out")', want '$4'"
  if [[ "$2" == 0 ]]; then
    [[ ! -e "$log.diags" ]] || fail "$1: diags written for a clean log"
  else
    [[ -s "$log.diags" ]] || fail "$1: no console.log.diags"
    [[ "$(cat "$log.diags")" == "$out" ]] || fail "$1: diags differ from the output"
  fi
}
check clean.log 0 "Summary: T: clean"
check failure.log 3 "Summary: T: Failures: 1  Errors: 4" "BUG: T FAILURE, 1660 instances"
check truncated.log 3 "Summary: T: No verdict: 1" "BUG: T no End of test line (the run died), 2 successful version messages"
check crashed.log 3 "Summary: T: No verdict: 1  Crashes: 2  Bugs: 1"
check hung/console.log 3 "Summary: T: GP hangs: 1  No verdict: 1  Hangs: 1  Writer stalls: 2" \
  "BUG: T no End of test line (the run died), 4 successful version messages: GP HANG at 256 torture stat 3"
check kernel.log 0 "Summary: T: clean  Close calls: 2"
# Recorded from real runs: a busted-lockdep run (one splat, at the
# reader's Dereference) and a wrong module exit (late callbacks).
check busted-lockdep.log 3 "Summary: T: Failures: 1  Errors: 3  Lockdep splats: 1  Close calls: 410"
grep -q '^torture/reader.cc:167 suspicious Dereference() usage!$' "$tmp/busted-lockdep.log.diags" || fail "lockdep splat body not in diags"
# The whole splat, not only its header: the locks held and the backtrace.
grep -q "^no locks held by reader1/16476\.$" "$tmp/busted-lockdep.log.diags" || fail "lockdep splat locks not in diags"
grep -q "torture::TortureOneRead()$" "$tmp/busted-lockdep.log.diags" || fail "lockdep splat backtrace not in diags"
check modules-late.log 3 "Summary: T: Failures: 1  Errors: 12  Late callbacks: 6209"
grep -q '^BUG: T 6209 late callbacks into unloaded modules (modules: field)$' "$tmp/modules-late.log.diags" || fail "no late-callback line"
# A clean re-analysis removes a stale diags file.
echo stale >"$tmp/clean.log.diags"
"$pc" "$tmp/clean.log" >/dev/null; [[ ! -e "$tmp/clean.log.diags" ]] || fail "stale diags kept"
# BAD SEQ: ver going backwards, with a verdict (a warning line).
sed 's/ver: 256 /ver: 100 /' "$tmp/clean.log" >"$tmp/badseq.log"
check badseq.log 3 "Summary: T: Bad seqs: 1" "WARNING: T BAD SEQ 231:100 last:441 version 2"
# RCU_HOTPLUG verdict.
sed 's/End of test: SUCCESS/End of test: RCU_HOTPLUG/' "$tmp/clean.log" >"$tmp/hotplug.log"
check hotplug.log 3 "Summary: T: Hotplug: 1" "WARNING: HOTPLUG FAILURES T"
# Induced stalls are expected, other stalls are errors.
{ sed -n '1,20p' "$tmp/clean.log"; echo "rcu-torture: rcu: INFO: rcu detected stalls on CPUs/tasks:"; sed -n '21,$p' "$tmp/clean.log"; } >"$tmp/stall.log"
check stall.log 3 "Summary: T: Stalls: 1"
sed 's/ stall_cpu=0 / stall_cpu=3 /' "$tmp/stall.log" >"$tmp/stall_expected.log"
check stall_expected.log 0 "Summary: T: clean  Expected stalls: 1"
# Bad usage: 64 and one line.
"$pc" 2>/dev/null; [[ $? == 64 ]] || fail "no argument: want 64"
"$pc" "$tmp/nope.log" 2>"$tmp/err"; [[ $? == 64 && $(wc -l <"$tmp/err") == 1 ]] || fail "missing file: want 64 and one line"
exit "$status"

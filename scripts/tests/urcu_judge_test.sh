#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# urcu_judge_test.sh: scripts/urcu-judge.sh on the sample outputs in
# data/urcu/ (liburcu's test programs' formats, with urcu-tests.sh's header
# and trailer lines): the exact PASS/FAIL line and exit code of each,
# several at once, bad usage; and scripts/urcu-tests.sh's usage errors and
# run lists (--list needs neither the network nor a build).
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
judge="$s/urcu-judge.sh"
d="$here/data/urcu"

# check FILE LINE: the judge prints exactly LINE for FILE, and exits 0 for
# a PASS, 1 for a FAIL.
check() {
  local out rc=0 want=1
  out="$("$judge" "$d/$1")" || rc=$?
  [[ "$2" == PASS* ]] && want=0
  [[ "$out" == "$2" ]] || fail "$1: '$out', want '$2'"
  ((rc == want)) || fail "$1: exit $rc, want $want"
}
check stress-clean.out "PASS rcutorture_urcu_qsbr_stress_percpu"
# The suite's own verdict is "ok 1" with exit 0: a grace period too short
# (synchronize_rcu returning at once) shows only in columns 2 and up.
check stress-grace-period-too-short.out "FAIL rcutorture_urcu_membarrier_stress_global: rcu_stress_count columns 2 and up not zero: 1141009026 16 226 1 20 0 1 0 0 0 0"
check stress-mberror.out "FAIL rcutorture_urcu_bp_stress_perthread: n_mberror 3; TAP: not ok 1 - stresstest readers: 2, stride: 1; TAP: 0 of 1 tests ok; exit status 1"
check stress-no-count.out "FAIL rcutorture_urcu_qsbr_stress_global: no rcu_stress_count line"
check perf-clean.out "PASS rcutorture_urcu_bp_perf_global"
check perf-hung.out "FAIL rcutorture_urcu_membarrier_uperf_percpu: timed out after 61 s (hung; killed); TAP: 0 of 1 tests ok"
check multiflavor-not-ok.out "FAIL test_urcu_multiflavor: TAP: not ok 3 - !test_mf_signal(); TAP: 4 of 5 tests ok; exit status 1"
check fork-short-plan.out "FAIL test_urcu_fork: TAP: 2 of 10 tests ok"
check bench-clean.out "PASS test_urcu_gc"
check bench-assert.out "FAIL test_urcu: killed by signal 6 (SIGABRT); assertion failed: test_urcu: /home/ci/.cache/rcutorture/liburcu-0.13.2/src/tests/benchmark/test_urcu.c:156: thr_reader: Assertion \`*local_ptr == 8' failed.; no SUMMARY line"
check bench-exit-status.out "FAIL test_urcu_defer: exit status 1"
check bench-interrupted.out "FAIL test_urcu_qsbr: no exit status recorded (the run was interrupted)"
# lfq/lfs print the Discrepancy and exit 0; the hash test's leak.
check lfq-discrepancy.out "FAIL test_urcu_lfq: WARNING! Discrepancy between nr succ. enqueues 2747219 vs succ. dequeues + end dequeues 2747218."
check hash-clean.out "PASS test_urcu_hash_01"
check hash-leaked.out "FAIL test_urcu_hash_05: nr_leaked 3; WARNING: 3 nodes were leaked!"
check hash-no-leak-figure.out "FAIL test_urcu_hash_07: no nr_leaked figure"
# The hash test's own WARNING about its options (runhash.sh run 15) is no error.
check hash-small-pool.out "PASS test_urcu_hash_15"
# Without the header: named after the file, the kind found from the output.
check no-header-tap.out "PASS no-header-tap"
check no-header-segv.out "FAIL no-header-segv: killed by signal 11 (SIGSEGV); TAP: 0 of 1 tests ok"
check unknown-kind.out "FAIL test_urcu: unknown kind \"bench\" in the expect line"

# Several at once: one line each, in order; exit 1 if any failed, else 0.
rc=0
out="$("$judge" "$d/perf-clean.out" "$d/lfq-discrepancy.out" "$d/hash-clean.out")" || rc=$?
[[ "$out" == $'PASS rcutorture_urcu_bp_perf_global\nFAIL test_urcu_lfq: WARNING! Discrepancy between nr succ. enqueues 2747219 vs succ. dequeues + end dequeues 2747218.\nPASS test_urcu_hash_01' ]] ||
  fail "three outputs: '$out'"
((rc == 1)) || fail "three outputs: exit $rc, want 1"
rc=0
"$judge" "$d/stress-clean.out" "$d/bench-clean.out" "$d/hash-clean.out" >/dev/null || rc=$?
((rc == 0)) || fail "three clean outputs: exit $rc, want 0"

# usage EXIT CMD...: CMD exits EXIT and, for 64, prints one line on stderr.
usage() {
  local want="$1" rc=0
  shift
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  ((rc == want)) || fail "$*: exit $rc, want $want"
  if ((want == 64)); then
    [[ "$(wc -l <"$tmp/err")" == 1 ]] || fail "$*: not one line on stderr: '$(cat "$tmp/err")'"
  fi
}
usage 64 "$judge"
usage 64 "$judge" --bogus "$d/perf-clean.out"
usage 64 "$judge" "$d/no-such.out"
usage 0 "$judge" --help
u="$s/urcu-tests.sh"
usage 64 "$u" --bogus
usage 64 "$u" --target=nope
usage 64 "$u" --target
usage 64 "$u" --duration=0
usage 64 "$u" --timeout=x
usage 64 "$u" --fetch=ftp
usage 64 "$u" --full=yes
usage 64 "$u" "--only=("
usage 64 "$u" --only=no-such-run --list
usage 0 "$u" --help

# Run lists: 36 regression runs (3 flavours x 4 modes x 3 call_rcu modes),
# fork, multiflavor and 17 benchmark runs; --only; --full; --compare.
list() { "$u" "$@" --list | cut -d: -f1; }
[[ "$(list | wc -l)" == 55 ]] || fail "--list: $(list | wc -l) runs, want 55"
[[ "$(list | grep -c '^rcutorture_urcu_')" == 36 ]] || fail "--list: not 36 regression runs"
[[ "$(list --only=_stress_ | tr '\n' ' ')" == "rcutorture_urcu_membarrier_stress_global rcutorture_urcu_membarrier_stress_percpu rcutorture_urcu_membarrier_stress_perthread rcutorture_urcu_qsbr_stress_global rcutorture_urcu_qsbr_stress_percpu rcutorture_urcu_qsbr_stress_perthread rcutorture_urcu_bp_stress_global rcutorture_urcu_bp_stress_percpu rcutorture_urcu_bp_stress_perthread " ]] ||
  fail "--only=_stress_: $(list --only=_stress_ | tr '\n' ' ')"
list --full | grep -qx rcutorture_urcu_signal_stress_perthread || fail "--full: no signal flavour"
list --full | grep -qx test_urcu_hash_17 || fail "--full: not every hash run"
! list | grep -qx test_urcu_hash_02 || fail "default list has hash run 02"
! list --compare | grep -q '_stress_\|_percpu\|test_urcu_fork\|multiflavor' || fail "--compare lists runs it does not time"
# --sweep: 2 programs x (1:1, 0:1 with and without writer delay; 2:0, 1:0).
[[ "$(list --sweep | tr '\n' ' ')" == "test_urcu_r1_w1_d0 test_urcu_r1_w1_d1000 test_urcu_r2_w0_d0 test_urcu_r1_w0_d0 test_urcu_r0_w1_d0 test_urcu_r0_w1_d1000 test_urcu_qsbr_r1_w1_d0 test_urcu_qsbr_r1_w1_d1000 test_urcu_qsbr_r2_w0_d0 test_urcu_qsbr_r1_w0_d0 test_urcu_qsbr_r0_w1_d0 test_urcu_qsbr_r0_w1_d1000 " ]] ||
  fail "--sweep: $(list --sweep | tr '\n' ' ')"
"$u" --sweep --list --duration=2 --only='^test_urcu_r0_w1_d1000$' | grep -qx 'test_urcu_r0_w1_d1000: test_urcu 0 1 2 -d 1000 (summary, 2 s)' ||
  fail "--sweep run: $("$u" --sweep --list --duration=2 --only='^test_urcu_r0_w1_d1000$')"
usage 64 "$u" --sweep=yes
"$u" --list --duration=3 --only='^test_urcu_gc$' | grep -qx 'test_urcu_gc: test_urcu_gc [0-9]* [0-9]* 3 (summary, 3 s)' ||
  fail "--duration: $("$u" --list --duration=3 --only='^test_urcu_gc$')"
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# torture_sh_test.sh: scripts/torture.sh (with the built binary,
# --trust-build) on two short scenarios, one BUSTED; the results tree
# (--bootargs reaching cmd and config); the cmd file run with overriding
# arguments; recheck.sh and find-errors.sh on it; again.sh replaying its
# parameters and seeds; the STOP file; usage and configuration errors.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
params() {  # the Start line's parameters without shutdown_secs
  grep -a -m1 -- '--- Start of test: ' "$1" | sed 's/.*Start of test: //; s/ shutdown_secs=[0-9]*//'
}

"$s/torture.sh" --trust-build --configs "TREE07 BUSTED" --duration 3s --seed 41 \
  --bootargs rcutorture.shuffle_interval=4 \
  --results "$tmp" --datestamp run -- --stat_interval=1 --fwd_progress=0 >"$tmp/out" 2>&1
rc=$?
((rc == 3)) || fail "torture.sh exit $rc, want 3 (BUSTED fails)"
r="$tmp/run"
for f in log testid.txt scenarios batches configs/TREE07 configs/CFcommon \
         TREE07/console.log TREE07/cmd TREE07/config TREE07/summary.json TREE07/retval \
         BUSTED/console.log BUSTED/console.log.diags; do
  [[ -s "$r/$f" ]] || fail "missing $f"
done
[[ ! -e "$r/TREE07/console.log.diags" ]] || fail "diags for the clean scenario"
[[ "$(cat "$r/TREE07/retval")" == 0 && "$(cat "$r/BUSTED/retval")" == 1 ]] || fail "retval files"
grep -q '^Current commit: ' "$r/testid.txt" && grep -q '^CPU: ' "$r/testid.txt" &&
  grep -q '^Compiler: ' "$r/testid.txt" && grep -q '^git diff HEAD:' "$r/testid.txt" || fail "testid.txt fields"
grep -qx "Host: $(hostname)" "$r/testid.txt" && grep -qx "Kernel: $(uname -srvm)" "$r/testid.txt" &&
  grep -qx 'git status:' "$r/testid.txt" || fail "testid.txt Host, Kernel or git status line"
grep -q '^rcutree.nr_cpus=1$' "$r/TREE07/config" || fail "config lacks the resolved nr_cpus"
# The seed is cmd's last own argument, before the caller's "$@".
grep -q -- '--seed=41 "$@"$' "$r/TREE07/cmd" && grep -q -- '--seed=42 "$@"$' "$r/BUSTED/cmd" || fail "seeds in cmd"
grep -q ' rcutorture\.shuffle_interval=4 ' "$r/TREE07/cmd" && grep -qx 'rcutorture.shuffle_interval=4' "$r/TREE07/config" &&
  grep -aq ' shuffle_interval=4 ' "$r/TREE07/console.log" || fail "--bootargs did not reach TREE07's cmd, config and run"
grep -q 'seed=41$' "$r/TREE07/console.log" || fail "TREE07 did not run with seed 41"
grep -Eq '^TREE07 +SUCCESS +0 +[0-9]+ GPs \([0-9.]+/s\) \[rcu: g-?[0-9]+ f0x[0-9a-f]+ total-gps=[0-9]+\] cbs: [0-9]+/[0-9]+$' "$tmp/out" || fail "TREE07 summary row"
grep -Eq '^BUSTED +FAILURE +1 ' "$tmp/out" || fail "BUSTED summary row"
grep -q '^ +Failures: 1  Errors: [0-9]+$' "$tmp/out" || grep -Eq '^ +Failures: 1  Errors: [0-9]+$' "$tmp/out" || fail "BUSTED findings row"
grep -q '^1 runs with runtime errors\.$' "$tmp/out" || fail "no runtime-error count"
cmp -s <(grep -v '^$' "$tmp/out" | tail -3) <(grep -v '^$' "$r/log" | tail -3) || fail "log does not end like the output"
# The cmd file runs as is; its arguments come last and win (rcutorture
# takes the last --duration and --json), so the tree's JSON stays intact.
cp "$r/TREE07/summary.json" "$tmp/summary.json.before"
bash "$r/TREE07/cmd" --duration=1s --json="$tmp/cmd.json" >"$tmp/cmd.log" 2>&1 || fail "cmd did not run"
grep -aq -- '--- Start of test: .* shutdown_secs=1 ' "$tmp/cmd.log" || fail "cmd ignored --duration=1s"
grep -q '^ *"duration": "1s",$' "$tmp/cmd.json" || fail "cmd ignored --json, or its JSON lacks the duration"
cmp -s "$r/TREE07/summary.json" "$tmp/summary.json.before" || fail "cmd overwrote TREE07/summary.json"

# recheck.sh and find-errors.sh.
"$s/recheck.sh" "$r" >"$tmp/recheck" 2>&1
rc=$?
((rc == 3)) || fail "recheck exit $rc, want 3"
grep -q '^1 runs with runtime errors\.$' "$tmp/recheck" || fail "recheck message"
grep -Eq '^TREE07 ------- [0-9]+ GPs ' "$tmp/recheck" || fail "recheck GPs line"
"$s/find-errors.sh" "$r" >"$tmp/find" 2>&1
rc=$?
((rc == 1)) || fail "find-errors exit $rc, want 1"
grep -q '^--- BUSTED console.log line [0-9]*:$' "$tmp/find" || fail "find-errors excerpt"
"$s/recheck.sh" "$r/TREE07/.." >/dev/null 2>&1
rm -r "$r/BUSTED"
"$s/recheck.sh" "$r" >/dev/null 2>&1; rc=$?
((rc == 0)) || fail "recheck of a clean run: exit $rc, want 0"

# again.sh: same parameters and seed, new duration.
"$s/again.sh" "$r" --duration 2s --results "$tmp" --datestamp again >"$tmp/again.out" 2>&1
rc=$?
((rc == 0)) || fail "again.sh exit $rc, want 0"
[[ "$(cat "$tmp/again/re-run")" == "$r" ]] || fail "re-run file"
[[ -n "$(params "$r/TREE07/console.log")" && "$(params "$r/TREE07/console.log")" == "$(params "$tmp/again/TREE07/console.log")" ]] ||
  fail "again.sh changed the parameters or the seed"
grep -q ' shutdown_secs=2 ' "$tmp/again/TREE07/console.log" || fail "again.sh ignored --duration"

# STOP: the running scenario stops with its verdict, the next is skipped.
( for _ in $(seq 100); do [[ -s "$tmp/stop/BUSTED/console.log" ]] && break; sleep 0.2; done
  sleep 2; touch "$tmp/stop/STOP" ) &
"$s/torture.sh" --trust-build --configs "BUSTED TREE07" --duration 60s --results "$tmp" \
  --datestamp stop -- --stat_interval=1 >"$tmp/stop.out" 2>&1
rc=$?
wait
# The exit code is that of the scenarios that ran (BUSTED fails).
((rc == 3)) || fail "STOP: exit $rc, want 3"
grep -q 'End of test: FAILURE' "$tmp/stop/BUSTED/console.log" || fail "STOP: no verdict from the stopped scenario"
[[ -f "$tmp/stop/TREE07/skipped" ]] || fail "STOP: TREE07 not recorded as skipped"
grep -q '^1 scenarios skipped' "$tmp/stop.out" || fail "STOP: no skipped count"

# Bad usage 64 (one line); unknown scenario 1; dryrun plans without running.
"$s/torture.sh" --duration 5x 2>"$tmp/err"; rc=$?
((rc == 64)) && [[ $(wc -l <"$tmp/err") == 1 ]] || fail "bad duration: exit $rc"
"$s/torture.sh" --cpus 0 2>/dev/null; (($? == 64)) || fail "bad --cpus"
"$s/torture.sh" --trust-build --configs NOPE 2>/dev/null; (($? == 1)) || fail "unknown scenario: want 1"
"$s/torture.sh" --trust-build --configs-dir "$tmp/nope" 2>"$tmp/err"; rc=$?
((rc == 64)) && [[ $(wc -l <"$tmp/err") == 1 ]] || fail "missing --configs-dir: exit $rc, want 64 and one line"
"$s/torture.sh" --dryrun --cpus 2 --configs "2*TREE07 TREE02" --results "$tmp" --datestamp dry >"$tmp/dry" || fail "dryrun"
grep -q 'TREE02 (16 cpus, runs alone)' "$tmp/dry" && grep -q 'Total number of scenarios: 3, batches: 2' "$tmp/dry" || fail "dryrun plan"
[[ ! -e "$tmp/dry" || -f "$tmp/dry" ]] && [[ ! -d "$tmp/dry" ]] || fail "dryrun created a run"
((status)) && cat "$tmp/out"
exit "$status"

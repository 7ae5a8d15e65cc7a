#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# slurm_test.sh: scripts/torture.sh --slurm against a real one-node Slurm
# (munged, slurmctld, slurmd of this test's own on 127.0.0.5; slurm-lib.sh):
#   - bad input: no sbatch in PATH, options sbatch --test-only refuses,
#     --slurm with --remote, --sbatch-opt without --slurm, --retries with
#     --slurm: exit 64, one line, the results tree untouched;
#   - TREE05, SRCU-N, BUSTED and TREE07 (3 s each) as one job array: the
#     verdicts and exit statuses of a local run (BUSTED fails: exit 3), the
#     same rcutorture parameters, each scenario's files moved into the tree
#     with its node, attempt and "job J task I", slurm-job, the summary's
#     host rows;
#   - a task killed with its rcutorture (as a dying node ends it): its
#     scenario `host lost`, with Slurm's JobState, the others kept;
#   - the STOP file: the running tasks end with their verdict (SIGTERM via
#     scancel --full), the pending ones are skipped.
#   - bisect.sh --slurm on a throwaway repository with a planted bad
#     commit: blamed and re-tested, each probe one two-task job array; a
#     partition Slurm refuses: 64 before git bisect starts.
# Prints SKIP and exits 0 only when Slurm or munge are missing
# (scripts/setup.sh installs slurm-wlm and munge). About 40 s on 2 cores.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=scripts/torture-lib.sh
. "$s/torture-lib.sh"
# shellcheck source=scripts/tests/slurm-lib.sh
. "$here/slurm-lib.sh"
miss=$(slurm_missing)
[[ -z "$miss" ]] || { echo "SKIP: slurm_test.sh: no $miss (scripts/setup.sh installs slurm-wlm and munge)"; exit 0; }
trap 'slurm_stop; rm -rf "$tmp"' EXIT
SECONDS=0
slurm_start
echo "slurm up: ${SECONDS}s"
SECONDS=0

# ---- Bad input: exit 64, one line, nothing in the results tree touched.
res="$tmp/res"
mkdir -p "$res/old/TREE07" && echo 0 >"$res/old/TREE07/retval" && echo log >"$res/old/log"
snap() { find "$res" -printf '%p %s %T@ %m\n' | sort; }
snap >"$tmp/snap.before"
mkdir -p "$tmp/nosb"
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
  [[ "${f##*/}" == sbatch || -e "$tmp/nosb/${f##*/}" ]] || ln -s "$f" "$tmp/nosb/${f##*/}"
done
echo 127.0.0.2 >"$tmp/hosts"
bad() {  # WHAT WANT ARGS...: torture.sh ARGS must exit 64 with one line matching WANT
  local what="$1" want="$2" rc
  shift 2
  "$@" --trust-build --configs TREE07 --duration 1s --results "$res" --datestamp bad >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  ((rc == 64)) || fail "bad input ($what): exit $rc, want 64"
  [[ $(wc -l <"$tmp/bad.err") == 1 && ! -s "$tmp/bad.out" ]] && grep -q -- "$want" "$tmp/bad.err" ||
    fail "bad input ($what): want one line with '$want' on stderr, got: $(cat "$tmp/bad.out" "$tmp/bad.err")"
  [[ ! -e "$res/bad" ]] || { fail "bad input ($what) created $res/bad"; rm -rf "$res/bad"; }
}
bad "no sbatch" "needs sbatch" env PATH="$tmp/nosb" "$s/torture.sh" --slurm
bad "no such partition" "sbatch --test-only refuses the job: .*[Pp]artition" \
  "$s/torture.sh" --slurm --sbatch-opt=--partition=nosuch
bad "bad sbatch option" "sbatch --test-only refuses the job" "$s/torture.sh" --slurm --sbatch-opt=--frobnicate
bad "--slurm and --remote" "exclude each other" "$s/torture.sh" --slurm --remote "$tmp/hosts"
bad "--sbatch-opt without --slurm" "is for --slurm" "$s/torture.sh" --sbatch-opt=--time=5
bad "--retries with --slurm" "Slurm requeues" "$s/torture.sh" --slurm --retries 2
snap >"$tmp/snap.after"
cmp -s "$tmp/snap.before" "$tmp/snap.after" || fail "bad input changed the results tree: $(diff "$tmp/snap.before" "$tmp/snap.after")"

echo "bad input: ${SECONDS}s"

# ---- One job array against a local run of the same scenarios.
cfgs="TREE05 SRCU-N BUSTED TREE07"
local_and_engine array "$cfgs" 3s --slurm --sbatch-opt=--job-name=slurmtest
l="$tmp/local"
r="$tmp/array"
((lrc == 3)) || fail "local run: exit $lrc, want 3 (BUSTED): $(cat "$tmp/local.out")"
job=$(cat "$r/slurm-job" 2>/dev/null)
[[ "$job" =~ ^[0-9]+$ ]] || fail "slurm-job: '$job'"
grep -q "^Slurm: job array $job, 4 tasks (sbatch --job-name=slurmtest)" "$tmp/array.out" || fail "no 'Slurm: job array' line"
i=0
for n in $cfgs; do
  for f in console.log cmd cmd.local config summary.json retval host attempt slurm; do
    [[ -s "$r/$n/$f" ]] || fail "$n: no $f in the slurm run"
  done
  [[ "$(tl_verdict "$r/$n")" == "$(tl_verdict "$l/$n")" ]] ||
    fail "$n: verdicts $(tl_verdict "$l/$n") here, $(tl_verdict "$r/$n") under Slurm"
  [[ "$(cat "$r/$n/retval")" == "$(cat "$l/$n/retval")" ]] || fail "$n: retval differs"
  [[ -n "$(start_params "$r/$n/console.log")" && "$(start_params "$r/$n/console.log")" == "$(start_params "$l/$n/console.log")" ]] ||
    fail "$n: rcutorture parameters differ"
  grep -q "$r/slurm/t/bin/rcutorture" "$r/$n/cmd" || fail "$n: cmd is not the task's: $(cat "$r/$n/cmd")"
  [[ "$(cat "$r/$n/host")" == n1 && "$(cat "$r/$n/attempt")" == 1 && "$(cat "$r/$n/slurm")" == "job $job task $i" ]] ||
    fail "$n: host/attempt/slurm files: $(cat "$r/$n/host" "$r/$n/attempt" "$r/$n/slurm")"
  grep -A2 -E "^$n +[A-Z]+ +[0-9]+ " "$tmp/array.out" | grep -qE "^ +host n1, slurm job $job task $i, attempts 1\$" ||
    fail "$n: summary rows: $(grep -A2 -E "^$n " "$tmp/array.out")"
  [[ ! -e "$r/slurm/$n" ]] || fail "$n: left in slurm/ after the move"
  i=$((i + 1))
done
grep -q '^torture-remote: start TREE05 attempt 1 on n1$' "$r/slurm/out/0.out" || fail "slurm/out/0.out: $(cat "$r/slurm/out/0.out")"

# ---- A task killed before its verdict: host lost, the rest kept.
SECONDS=0
"$s/torture.sh" --trust-build --slurm --configs "TREE05 TREE07" --duration 10s --results "$tmp" --datestamp cancel \
  >"$tmp/cancel.out" 2>&1 &
tpid=$!
for _ in $(seq 300); do
  grep -q '^torture-remote: start TREE07 ' "$tmp/cancel/slurm/out/1.out" 2>/dev/null && break
  sleep 0.2
done
sleep 1
# As a node that dies: the task's processes killed at once, no verdict.
mapfile -t victims < <(pgrep -f "torture-remote.sh job TREE07 " ; pgrep -f "$tmp/cancel/slurm/t/bin/rcutorture .*TREE07")
((${#victims[@]})) && kill -KILL "${victims[@]}" || fail "cancel: no TREE07 task to kill"
wait "$tpid"
rc=$?
echo "cancel run: ${SECONDS}s"
c="$tmp/cancel"
((rc == 3)) || fail "cancel: exit $rc, want 3"
[[ "$(tl_verdict "$c/TREE07")" == HOST-LOST ]] || fail "cancel: TREE07 verdict $(tl_verdict "$c/TREE07")"
grep -q '^host lost: 1 attempt (on n1; JobState=FAILED' "$c/TREE07/lost" 2>/dev/null ||
  fail "cancel: lost file: $(cat "$c/TREE07/lost" 2>&1)"
[[ "$(tl_verdict "$c/TREE05")" == SUCCESS ]] || fail "cancel: TREE05 verdict $(tl_verdict "$c/TREE05")"
grep -q '^1 scenarios lost with their hosts (host lost)\.$' "$tmp/cancel.out" || fail "cancel: no lost line"

# ---- STOP: running tasks end with their verdict, the pending one skipped
# (two 2-CPU scenarios hold the node's 4 CPUs: the third waits).
SECONDS=0
"$s/torture.sh" --trust-build --slurm --sbatch-opt=--cpus-per-task=2 --configs "TREE07 SRCU-N TREE05" \
  --duration 60s --results "$tmp" --datestamp stop >"$tmp/stop.out" 2>&1 &
tpid=$!
for _ in $(seq 300); do
  [[ "$(cat "$tmp/stop/slurm/out/"*.out 2>/dev/null | grep -c '^torture-remote: start ')" -ge 2 ]] && break
  sleep 0.2
done
sleep 2
touch "$tmp/stop/STOP"
wait "$tpid"
rc=$?
echo "STOP run: ${SECONDS}s"
o="$tmp/stop"
((rc == 0)) || fail "STOP: exit $rc, want 0: $(cat "$tmp/stop.out")"
((SECONDS < 50)) || fail "STOP: the run did not stop (${SECONDS}s)"
for n in TREE07 SRCU-N; do
  grep -q 'End of test: SUCCESS' "$o/$n/console.log" 2>/dev/null && [[ "$(cat "$o/$n/retval" 2>/dev/null)" == 0 ]] ||
    fail "STOP: $n's verdict was not kept"
done
[[ -f "$o/TREE05/skipped" ]] && grep -q '^1 scenarios skipped (the run was stopped)\.$' "$tmp/stop.out" ||
  fail "STOP: TREE05 not skipped"

# ---- bisect.sh --slurm: the planted bad commit found, each probe's two
# runs one job array.
pool_bisect "slurm bisect" '^Slurm: job array [0-9]+, 2 tasks' '^ +host n1, slurm job [0-9]+ task [01], attempts 1$' 2s --slurm
repo="$tmp/repo"
# A partition Slurm refuses: one line, 64, before git bisect starts.
(cd "$repo" && "$s/bisect.sh" --good HEAD~4 --bad HEAD --configs SCEN --duration 2s \
   --binary "$top/build/release/torture/rcutorture" --slurm --sbatch-opt=--partition=nosuch) >"$tmp/bbad.out" 2>"$tmp/bbad.err"
rc=$?
((rc == 64)) && [[ "$(wc -l <"$tmp/bbad.err")" == 1 ]] && grep -q '^bisect.sh: sbatch --test-only refuses the job' "$tmp/bbad.err" &&
  ! git -C "$repo" bisect log >/dev/null 2>&1 || fail "slurm bisect, bad partition: exit $rc, $(cat "$tmp/bbad.err")"

if ((status)); then
  for f in local.out array.out cancel.out stop.out bisect.out; do echo "--- $f" >&2; cat "$tmp/$f" >&2; done
  tail -20 "$tmp/slurm/slurmctld.log" >&2
fi
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# torture_sh_watchdog_test.sh: scripts/torture.sh's watchdog killing real
# rcutorture runs (--trust-build, the built binary), two runs at once:
#   silent  TREE07 for 20 s with --stat_interval=100 (nothing printed after
#           the start lines) and --log-timeout 3: killed as silent
#   grace   a busted-hang scenario (its writer's synchronize() never
#           returns, so it cannot shut down) for 2 s with --grace 2: killed
#           past duration + grace
# Each: retval 137, the Warnings record, the HANG row of the summary
# table, exit 3, and recheck.sh's "Potential hang". Both runs are bounded
# by timeout(1).
set -euo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"

# check_hang RUN NAME EXIT WARNING_ERE: the checks common to both runs.
check_hang() {
  local r="$tmp/$1" out="$tmp/$1.out" rc
  [[ "$3" == 3 ]] || fail "$1: exit $3, want 3"
  [[ "$(cat "$r/$2/retval")" == 137 ]] || fail "$1: retval '$(cat "$r/$2/retval")', want 137"
  grep -Eq "^!!! PID [0-9]+ $4\$" "$r/$2/Warnings" || fail "$1: Warnings: '$(cat "$r/$2/Warnings")'"
  grep -Eq "^torture.sh: $2: $4: killing PID [0-9]+\$" "$out" || fail "$1: no kill line"
  grep -Eq "^$2 +HANG +137 " "$out" || fail "$1: no HANG row in the summary table"
  grep -q '^1 runs with runtime errors\.$' "$out" || fail "$1: no runtime-error count"
  grep -aq -- '--- Start of test: ' "$r/$2/console.log" || fail "$1: console.log lacks the Start line"
  rc=0
  "$s/recheck.sh" "$r" >"$tmp/$1.recheck" 2>&1 || rc=$?
  ((rc == 3)) || fail "$1: recheck exit $rc, want 3"
  grep -q '^Summary: Potential hang (killed)$' "$tmp/$1.recheck" || fail "$1: recheck says no Potential hang"
}

mkdir "$tmp/cfg"
cp "$top/configs/CFcommon" "$tmp/cfg/"
printf 'rcutorture.torture_type=busted-hang\nnr_cpus=1\nrcutorture.stat_interval=1\n' >"$tmp/cfg/HANG"

rc_silent=0
timeout -k 10 60 "$s/torture.sh" --trust-build --configs TREE07 --duration 20s --log-timeout 3 \
  --results "$tmp" --datestamp silent -- --stat_interval=100 >"$tmp/silent.out" 2>&1 &
pid_silent=$!
rc_grace=0
timeout -k 10 60 "$s/torture.sh" --trust-build --configs-dir "$tmp/cfg" --configs HANG --duration 2s --grace 2 \
  --results "$tmp" --datestamp grace >"$tmp/grace.out" 2>&1 &
pid_grace=$!
wait "$pid_silent" || rc_silent=$?
wait "$pid_grace" || rc_grace=$?

check_hang silent TREE07 "$rc_silent" 'console.log silent for [0-9]+ s \(limit 3s\) at [0-9]+ s: hung'
check_hang grace HANG "$rc_grace" 'hung at [0-9]+ vs\. 2 seconds \(grace 2s\)'
if ((status)); then cat "$tmp/silent.out" "$tmp/grace.out"; fi
exit "$status"

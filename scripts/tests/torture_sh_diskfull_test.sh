#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# torture_sh_diskfull_test.sh: scripts/torture.sh (--trust-build, the
# built binary) when the disk fills up during a run. A fake `df` first in
# PATH reports 500 KiB free (below torture.sh's 1 MiB limit) once the test
# creates a flag file; console.log.diags is a link to /dev/full (ENOSPC
# on write; torture.sh never reads it back). Checks: the one-line
# "torture.sh: disk full: ..." error in the output and the log, the run
# stopped as by STOP (the running scenario ends with its verdict, the next
# is skipped), exit 1 although a scenario failed, the files written before
# kept, the failed diags write reported by name. Then a retval that cannot
# be written (a directory in its place): named, exit 1. Every run is
# bounded by timeout(1), so a regression cannot hang the test.
set -euo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"

# wait_for FILE: waits (at most 20 s) until FILE exists and is not empty.
wait_for() {
  local _
  for _ in $(seq 200); do
    [[ -s "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}

mkdir "$tmp/bin"
cat >"$tmp/bin/df" <<EOS
#!/usr/bin/env bash
# Fake df -Pk: 500 KiB available once $tmp/flag exists.
avail=9999999
[[ ! -e "$tmp/flag" ]] || avail=500
echo "Filesystem 1024-blocks Used Available Capacity Mounted on"
echo "fake 10000000 1 \$avail 1% /"
EOS
chmod +x "$tmp/bin/df"

# 1. df reports the disk full while BUSTED (30 s) runs; its diags cannot
# be written either. TREE07 (the next batch, --cpus 1) must be skipped.
r="$tmp/full"
( wait_for "$r/BUSTED/console.log" && ln -s /dev/full "$r/BUSTED/console.log.diags" &&
    sleep 1 && touch "$tmp/flag" ) &
rc=0
PATH="$tmp/bin:$PATH" timeout -k 10 90 "$s/torture.sh" --trust-build --cpus 1 --configs "BUSTED TREE07" \
  --duration 30s --results "$tmp" --datestamp full -- --stat_interval=1 >"$tmp/out" 2>&1 || rc=$?
wait
((rc == 1)) || fail "disk full: exit $rc, want 1 (even though BUSTED failed)"
grep -q "^torture.sh: disk full: 500 KiB free on the device of $r (below 1024 KiB): stopping the run$" "$tmp/out" ||
  fail "disk full: no one-line error in the output"
grep -q '^torture.sh: disk full: 500 KiB free' "$r/log" || fail "disk full: no error in the log"
grep -q '^torture.sh: disk full: cannot write BUSTED/console.log.diags$' "$tmp/out" ||
  fail "disk full: the failed diags write is not reported by name"
grep -aq 'End of test: FAILURE' "$r/BUSTED/console.log" || fail "disk full: BUSTED not stopped with its verdict"
[[ "$(cat "$r/BUSTED/retval")" == 1 ]] || fail "disk full: BUSTED retval"
[[ -f "$r/TREE07/skipped" ]] || fail "disk full: TREE07 not skipped"
grep -q '^1 scenarios skipped' "$tmp/out" || fail "disk full: no skipped count"
grep -q '^1 runs with runtime errors (perhaps only logs truncated by the full disk)\.$' "$tmp/out" ||
  fail "disk full: the runtime-error count does not mention the full disk"
grep -q ' exitcode 1$' "$tmp/out" || fail "disk full: summary exit code"
for f in testid.txt scenarios batches configs/BUSTED BUSTED/cmd BUSTED/config BUSTED/summary.json TREE07/cmd TREE07/config; do
  [[ -s "$r/$f" ]] || fail "disk full: lost $f"
done
[[ "$(head -1 "$r/log")" == "scripts/torture.sh --trust-build"* ]] || fail "disk full: log lost its first line"

# 2. Only the write of retval fails (not ENOSPC): reported by name, exit
# 1 although the scenario was clean; the run goes on.
rm -f "$tmp/flag"
r="$tmp/retval"
( wait_for "$r/TREE07/config" && mkdir "$r/TREE07/retval" ) &
rc=0
PATH="$tmp/bin:$PATH" timeout -k 10 60 "$s/torture.sh" --trust-build --configs TREE07 --duration 2s \
  --results "$tmp" --datestamp retval -- --stat_interval=1 >"$tmp/out2" 2>&1 || rc=$?
wait
((rc == 1)) || fail "retval: exit $rc, want 1"
grep -q '^torture.sh: cannot write TREE07/retval: Is a directory$' "$tmp/out2" ||
  fail "retval: the failed write is not reported by name"
grep -q '^torture.sh: some result files could not be written (see above)$' "$tmp/out2" ||
  fail "retval: no final write-failure line"
grep -q '^No errors in' "$tmp/out2" && fail "retval: reported as clean"

if ((status)); then cat "$tmp/out" "$tmp/out2"; fi
exit "$status"

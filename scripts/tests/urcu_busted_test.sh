#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# urcu_busted_test.sh BUILD_DIR: the negative control of scripts/urcu-tests.sh.
# liburcu's stress runs built against BUILD_DIR/compat/librcu-urcu-busted.so
# (synchronize_rcu returns at once) must be judged FAILED: the script exits
# 1 (not 2, a fetch or build error; not 0), every stress run has a FAIL
# line, and at least one names the rcu_stress_count columns (readers saw
# elements two or more updates old), the catch liburcu's own verdict
# ("ok 1", exit 0) misses.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
(($# == 1)) || { echo "urcu_busted_test.sh: usage: urcu_busted_test.sh BUILD_DIR" >&2; exit 64; }
rc=0
"$s/urcu-tests.sh" --target=librcu-busted --build="$1" --only=_stress_ >"$tmp/out" 2>"$tmp/err" || rc=$?
cat "$tmp/out" "$tmp/err"
runs="$("$s/urcu-tests.sh" --only=_stress_ --list | wc -l)"
case "$rc" in
  1) ;;
  0) fail "the busted library was judged PASSED" ;;
  2) fail "urcu-tests.sh could not fetch or build the suite (exit 2; see above), so nothing was judged" ;;
  *) fail "urcu-tests.sh exited $rc, want 1" ;;
esac
nfail="$(grep -c '^FAIL rcutorture_urcu_[a-z]*_stress_' "$tmp/out")"
((nfail == runs)) || fail "$nfail of $runs stress runs judged FAIL, want all"
grep -q '^FAIL .*rcu_stress_count columns 2 and up not zero' "$tmp/out" ||
  fail "no FAIL line names the rcu_stress_count columns"
grep -qx "0 passed, $runs failed" "$tmp/out" || fail "no '0 passed, $runs failed' line"
exit "$status"

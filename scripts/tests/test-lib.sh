# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034  # the variables are for the tests that source this
# test-lib.sh: the preamble every script test sources. Sets
#   here    scripts/tests (absolute)
#   top     the source tree
#   s       its scripts/
#   tmp     a fresh temporary directory, removed when the test exits
#   status  0; fail() sets it to 1
# The test ends with `exit "$status"`.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
s="$top/scripts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0

# fail MESSAGE: records a failed check.
fail() { echo "FAIL: $*" >&2; status=1; }

# make_bisect_repo DIR: a throwaway git repository for the bisect tests,
# five commits whose third ("the bug") switches scenario SCEN (one CPU,
# 1 s stats) from the rcu flavour to busted; c4 also adds LATE (a copy of
# the busted SCEN). Prints the culprit's hash.
make_bisect_repo() {
  mkdir -p "$1/configs" && (
    cd "$1" && git init -q . && git config user.email t@example.com && git config user.name test &&
    printf 'rcutorture.stat_interval=1\nrcutorture.stutter=0\nrcutorture.fwd_progress=0\nrcutorture.read_exit_burst=0\n' >configs/CFcommon &&
    printf 'rcutorture.torture_type=rcu\nnr_cpus=1\n' >configs/SCEN &&
    git add . && git commit -qm "c1: SCEN on rcu" &&
    echo one >file && git add file && git commit -qm "c2: unrelated" &&
    sed -i 's/torture_type=rcu/torture_type=busted/' configs/SCEN && git commit -qam "c3: SCEN on busted (the bug)" &&
    git rev-parse HEAD &&
    echo two >>file && cp configs/SCEN configs/LATE && git add configs/LATE && git commit -qam "c4: unrelated, adds LATE" &&
    echo three >>file && git commit -qam "c5: unrelated"
  )
}

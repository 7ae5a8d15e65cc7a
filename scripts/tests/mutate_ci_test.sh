#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mutate_ci_test.sh: the CI sample of the mutation matrix. scripts/mutate.sh
# on three mutants of different classes (a scanner that ignores readers, a
# segcblist advance one grace period early, srcu_barrier() without its
# count bias), each with a small budget on the scenario that kills it
# fastest; every one must be killed (exit 0, "killed" in the JSON).
# The scratch copy and build persist in ${RCU_MUTATE_CI_DIR:-
# ${XDG_CACHE_HOME:-~/.cache}/rcutorture-mutate-ci}, so only the first run
# on a machine builds everything (see torture/README.md, "Mutation testing",
# for the measured times). RCU_MUTATE_CI_ARGS: more mutate.sh options
# (e.g. --rev=HEAD while the work tree does not build).
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
export RCU_MUTATE_DIR="${RCU_MUTATE_CI_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rcutorture-mutate-ci}"
mutants="01-too-short-gp-fqs-ignores-reader,19-segcblist-advance-one-gp-early,34-srcu-barrier-no-bias"
t0=$SECONDS
# shellcheck disable=SC2086  # RCU_MUTATE_CI_ARGS: space-separated options
"$s/mutate.sh" --mutants="$mutants" --scenarios=TREE05,SRCU-D:watchdog_secs=10 --budget=40 \
  --json="$tmp/ci.json" ${RCU_MUTATE_CI_ARGS:-} >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
((rc == 0)) || fail "mutate.sh exit $rc, want 0 (every mutant killed)"
for m in ${mutants//,/ }; do
  grep -q "\"name\": \"$m\", [^}]*\"result\": \"killed\"" "$tmp/ci.json" || fail "$m was not killed"
done
echo "mutate_ci_test: $((SECONDS - t0)) s"
exit "$status"

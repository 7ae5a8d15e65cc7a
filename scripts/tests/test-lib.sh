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

# pool_bisect WHAT HEADER_RE ROW_RE DURATION ENGINE_ARGS...: bisect.sh
# with ENGINE_ARGS (--remote HOSTS, --slurm) on a make_bisect_repo
# repository in $tmp/repo (--parallel 2, --duration DURATION): exit 0, the
# culprit blamed, both re-tests; one torture.sh report beside the record
# per probe (>= 4), each with a line matching HEADER_RE and two host rows
# matching ROW_RE (each probe's two runs on the pool at once); bad and good
# records, the culprit's with two runs. Prints "WHAT: Ns".
pool_bisect() {
  local what="$1" header="$2" row="$3" dur="$4" culprit rc f n=0
  shift 4
  culprit=$(make_bisect_repo "$tmp/repo") || { fail "$what: cannot make the repository"; return; }
  SECONDS=0
  (cd "$tmp/repo" && "$s/bisect.sh" --good HEAD~4 --bad HEAD --configs SCEN --duration "$dur" --parallel 2 \
     --grace 20 --binary "$top/build/release/torture/rcutorture" --record "$tmp/bisect.jsonl" "$@") \
    >"$tmp/bisect.out" 2>&1
  rc=$?
  echo "$what: ${SECONDS}s"
  ((rc == 0)) || fail "$what: exit $rc, want 0"
  grep -q "^bisect.sh: first bad commit $culprit " "$tmp/bisect.out" &&
    grep -q "re-test of the blamed commit: bad, as blamed" "$tmp/bisect.out" &&
    grep -q "re-test of its parent: clean, as expected" "$tmp/bisect.out" ||
    fail "$what: blame or re-tests: $(grep 'first bad\|re-test' "$tmp/bisect.out")"
  for f in "$tmp"/bisect.probe*.out; do
    [[ -f "$f" ]] || continue
    n=$((n + 1))
    grep -Eq "$header" "$f" && [[ "$(grep -cE "$row" "$f")" == 2 ]] || fail "$what: probe report $f: $(cat "$f")"
  done
  [[ "$n" == "$(wc -l <"$tmp/bisect.jsonl")" ]] && ((n >= 4)) ||
    fail "$what: $n probe reports for $(wc -l <"$tmp/bisect.jsonl") probes, want one each, >= 4"
  grep -q '"verdict": "good", "exit": 0}' "$tmp/bisect.jsonl" &&
    grep -Eq "\"commit\": \"$culprit\", .*\"parallel\": 2, .*\"seeds\": \[[0-9]+,[0-9]+\], \"errors\": 2, \"matches\": 2, \"verdict\": \"bad\"" \
      "$tmp/bisect.jsonl" || fail "$what: record: $(cat "$tmp/bisect.jsonl")"
}

# start_params LOG: the rcutorture parameters of LOG's Start line.
start_params() { grep -a -m1 -- '--- Start of test: ' "$1" | sed 's/.*Start of test: //'; }
# result_rows OUT: torture.sh's per-scenario result lines (NAME VERDICT
# exit N SUMMARY), close calls left out, sorted.
result_rows() { grep -E '^(TREE|SRCU|BUSTED)[^ ]* +[A-Z_-]+ +exit ' "$1" | sed 's/  Close calls: [0-9]*//' | sort; }

# local_and_engine NAME CFGS DURATION ARGS...: torture.sh on CFGS (seed 7)
# here into $tmp/local, then with ARGS (an engine) into $tmp/NAME; sets lrc
# and erc to their exit codes and checks they agree, with the same result
# lines. Prints "NAME run: Ns".
local_and_engine() {
  local name="$1" cfgs="$2" dur="$3"
  shift 3
  "$s/torture.sh" --trust-build --configs "$cfgs" --duration "$dur" --seed 7 --results "$tmp" --datestamp local \
    >"$tmp/local.out" 2>&1
  lrc=$?
  SECONDS=0
  "$s/torture.sh" --trust-build --configs "$cfgs" --duration "$dur" --seed 7 --results "$tmp" --datestamp "$name" \
    "$@" >"$tmp/$name.out" 2>&1
  erc=$?
  echo "$name run: ${SECONDS}s"
  ((erc == lrc)) || fail "$name run: exit $erc, the local run's $lrc"
  [[ "$(result_rows "$tmp/$name.out")" == "$(result_rows "$tmp/local.out")" && -n "$(result_rows "$tmp/local.out")" ]] ||
    fail "result lines differ: local: $(result_rows "$tmp/local.out") $name: $(result_rows "$tmp/$name.out")"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bisect_test.sh RCUTORTURE: scripts/bisect.sh on a throwaway git repository
# whose "bug" is the commit switching scenario SCEN to the busted flavour.
# Checks: the blame, the sizing line, the per-probe record (only exit codes
# 0, 1 and 125 ever reach git), the re-tests of the blamed commit and its
# parent; that a build failure is a skip (125) and a crash that does not
# match the signature is a skip, never a code above 127; --configs
# expansion (N*NAME) in a probe, a scenario existing only at --bad
# accepted, an unknown one (or a bad --confidence) refused with 64 before
# anything runs; JSON escaping in the record.
set -uo pipefail
rt="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
scripts="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"

repo="$tmp/repo"
culprit=$(make_bisect_repo "$repo") || { echo "FAIL: cannot make the repository" >&2; exit 1; }
cd "$repo" || exit 1
branch="$(git symbolic-ref --short HEAD)"

out="$tmp/out"
# 3600 failures/h at 99%: 4.6 s of clean run time, 3 s on each of 2 runs.
"$scripts/bisect.sh" --good HEAD~4 --bad HEAD --configs SCEN --rate 3600/h \
  --confidence 0.99 --parallel 2 --grace 20 --binary "$rt" --record "$tmp/record.jsonl" >"$out" 2>&1
rc=$?
((rc == 0)) || fail "bisect.sh exit $rc, want 0"
grep -q "bisect.sh: rate 3600/3600s, confidence 0.99: t = -ln(1-C)/rate = 4.61 x 1s = 5 s of clean run time, 3 s on each of 2 parallel runs" "$out" ||
  fail "no sizing line"
grep -q "bisect.sh: first bad commit $culprit" "$out" || fail "blamed the wrong commit"
grep -q "re-test of the blamed commit: bad, as blamed" "$out" || fail "no re-test of the blamed commit"
grep -q "re-test of its parent: clean, as expected" "$out" || fail "no re-test of the parent"
[[ "$(git rev-parse HEAD)" == "$(git rev-parse "$branch")" ]] || fail "checkout not restored"
n=$(wc -l <"$tmp/record.jsonl")
((n >= 4)) || fail "record has $n probes, want >= 4 (2 bisect steps + 2 re-tests)"
grep -Ev '"exit": (0|1|125)\}$' "$tmp/record.jsonl" && fail "a probe returned something other than 0, 1, 125"
grep -q "\"commit\": \"$culprit\", \"host\": \"[^\"]*\", \"nproc\": [0-9]*, \"time\": \"[^\"]*\", \"duration_s\": 3, \"parallel\": 2, \"configs\": \"SCEN\", \"bootargs\": \"\", \"seeds\": \[[0-9]*,[0-9]*\], \"errors\": 2, \"matches\": 2, \"verdict\": \"bad\", \"exit\": 1}" "$tmp/record.jsonl" ||
  fail "no bad record line for the culprit"
grep -q '"verdict": "good", "exit": 0}' "$tmp/record.jsonl" || fail "no good record line"

# A failing build is a skip.
"$scripts/bisect.sh" --probe --configs SCEN --duration 1s --build-cmd false --binary "$rt" >/dev/null 2>&1
rc=$?
((rc == 125)) || fail "build failure: exit $rc, want 125"
# A run killed by a signal that does not match the signature is a skip.
printf '#!/bin/sh\necho "rcu-torture:--- Start of test: seed=1"\nkill -SEGV $$\n' >"$tmp/crash" && chmod +x "$tmp/crash"
"$scripts/bisect.sh" --probe --configs SCEN --duration 1s --binary "$tmp/crash" >/dev/null 2>&1
rc=$?
((rc == 125)) || fail "crash: exit $rc, want 125"
# ... and one that matches it is bad.
"$scripts/bisect.sh" --probe --configs SCEN --duration 1s --binary "$tmp/crash" --signature 'Start of test' >/dev/null 2>&1
rc=$?
((rc == 1)) || fail "matching crash: exit $rc, want 1"
# N*NAME runs NAME N times; string fields of the record are JSON-escaped.
"$scripts/bisect.sh" --probe --configs "2*SCEN" --duration 1s --binary "$tmp/crash" --signature 'Start of test' \
  --bootargs 'x="a\b"' --record "$tmp/probe.jsonl" >/dev/null 2>&1
rc=$?
((rc == 1)) || fail "2*SCEN probe: exit $rc, want 1"
grep -qF '"configs": "2*SCEN", "bootargs": "x=\"a\\b\"", "seeds": [' "$tmp/probe.jsonl" ||
  fail "probe record: configs or escaped bootargs: $(cat "$tmp/probe.jsonl")"
grep -Eq '"seeds": \[[0-9]+,[0-9]+\], "errors": 2, "matches": 2,' "$tmp/probe.jsonl" || fail "2*SCEN did not run twice"
if command -v jq >/dev/null; then jq -e . "$tmp/probe.jsonl" >/dev/null || fail "probe record is not JSON"; fi
# Bad usage: refused before git bisect starts or anything runs.
"$scripts/bisect.sh" --good HEAD~4 --bad HEAD --rate 1/x >/dev/null 2>&1
rc=$?
((rc == 64)) || fail "bad --rate: exit $rc, want 64"
"$scripts/bisect.sh" --good HEAD~4 --bad HEAD --configs "SCEN 2*NOPE" --duration 1s --binary "$rt" \
  --record "$tmp/nope.jsonl" >"$tmp/nope.out" 2>"$tmp/nope.err"
rc=$?
((rc == 64)) || fail "unknown scenario: exit $rc, want 64"
[[ "$(cat "$tmp/nope.err")" == "bisect.sh: unknown scenario 'NOPE' in --configs (no configs/NOPE here or at --bad HEAD)" ]] ||
  fail "unknown scenario: stderr '$(cat "$tmp/nope.err")'"
[[ ! -s "$tmp/nope.out" && ! -e "$tmp/nope.jsonl" ]] || fail "unknown scenario: probes ran"
git bisect log >/dev/null 2>&1 && fail "unknown scenario: git bisect started"
"$scripts/bisect.sh" --good HEAD~4 --bad HEAD --configs CFLIST --duration 1s --binary "$rt" >/dev/null 2>&1
rc=$?
((rc == 64)) || fail "CFLIST without configs/CFLIST: exit $rc, want 64"
"$scripts/bisect.sh" --good HEAD~4 --bad HEAD --duration 1s --confidence 2 --binary "$rt" >/dev/null 2>&1
rc=$?
((rc == 64)) || fail "bad --confidence with --duration: exit $rc, want 64"
# A scenario added after the checked-out commit, present at --bad, is fine.
git checkout -q HEAD~4
"$scripts/bisect.sh" --good "$branch~1" --bad "$branch" --configs LATE --duration 1s --binary "$tmp/crash" \
  --signature 'Start of test' --record "$tmp/late.jsonl" >"$tmp/late.out" 2>&1
rc=$?
((rc != 64)) || fail "scenario only at --bad refused: $(cat "$tmp/late.out")"
grep -q "bisect.sh: first bad commit $(git rev-parse "$branch")" "$tmp/late.out" || fail "LATE: no blame"
git checkout -q "$branch"
((status)) && { echo "----- bisect output -----"; cat "$out"; cat "$tmp/record.jsonl"; }
exit "$status"

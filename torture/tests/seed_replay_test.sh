#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seed_replay_test.sh RCUTORTURE: two runs with the same --seed make the
# same writer choices (the JSON "writer_choices" list, first 64 update
# types chosen), and a different seed makes different ones.
set -uo pipefail
rt="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
run() {
  "$rt" --torture_type=busted --seed="$1" --duration=2s --stat_interval=0 \
    --stutter=0 --nreaders=1 --nfakewriters=0 --verbose=0 --json="$2" >/dev/null 2>&1
  grep '"writer_choices"' "$2"
}
a=$(run 42 "$tmp/a.json")
b=$(run 42 "$tmp/b.json")
c=$(run 43 "$tmp/c.json")
n=$(grep -o RTWS "$tmp/a.json" | wc -l)
if [[ -z "$a" || "$n" -lt 32 ]]; then
  echo "FAIL: too few writer choices recorded ($n)" >&2; cat "$tmp/a.json" >&2; exit 1
fi
if [[ "$a" != "$b" ]]; then
  echo "FAIL: same seed, different choices:" >&2; echo "$a" >&2; echo "$b" >&2; exit 1
fi
if [[ "$a" == "$c" ]]; then
  echo "FAIL: different seeds, same choices" >&2; exit 1
fi
grep -q '"seed": 42,' "$tmp/a.json" || { echo "FAIL: seed not in JSON" >&2; exit 1; }
echo "ok: seed 42 replayed $n writer choices; seed 43 differs"

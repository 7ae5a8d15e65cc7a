#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mutate_test.sh: the fast checks of scripts/mutate.sh, none of which
# builds or runs anything: bad usage (one line, exit 64), --help, --list
# over the real catalogue (every mutant has a class and a why line, and
# its diff starts after the header), and a fake catalogue whose patch no
# longer applies, reported "stale" (exit 1, also in the JSON) with the
# scratch copy left equal to the tree.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
m="$s/mutate.sh"
export RCU_MUTATE_DIR="$tmp/scratch"

# Bad usage: one line on stderr, nothing on stdout, exit 64.
for args in "--bogus" "--budget=x" "--budget=2" "--preset=nope" "--mutants=no-such-mutant" \
  "--scenarios=NOPE" "--scenarios=TREE01:bad" "--mutants-dir=$tmp/none" "--budget"; do
  # shellcheck disable=SC2086  # one or two words on purpose
  "$m" $args >"$tmp/out" 2>"$tmp/err"
  rc=$?
  ((rc == 64)) || fail "$args: exit $rc, want 64"
  [[ "$(wc -l <"$tmp/err")" == 1 ]] || fail "$args: want one line on stderr, got: $(cat "$tmp/err")"
  [[ -s "$tmp/out" ]] && fail "$args: unexpected stdout: $(cat "$tmp/out")"
  grep -q '^mutate.sh: ' "$tmp/err" || fail "$args: the line does not name mutate.sh: $(cat "$tmp/err")"
done
grep -q "'--bogus'" <("$m" --bogus 2>&1) || fail "--bogus: the line does not name the option"
[[ -e "$RCU_MUTATE_DIR" ]] && fail "bad usage created the scratch directory"

# --help.
"$m" --help >"$tmp/help" 2>&1 || fail "--help: exit $?"
grep -q -- '--keep-going' "$tmp/help" || fail "--help does not describe --keep-going"

# --list: the real catalogue.
"$m" --list >"$tmp/list" 2>&1 || fail "--list: exit $?"
n=$(find "$top/mutants" -maxdepth 1 -name '*.patch' | wc -l)
((n >= 30)) || fail "the catalogue has $n mutants, want >= 30"
grep -q "^$n mutants in " "$tmp/list" || fail "--list: no count line: $(tail -1 "$tmp/list")"
for f in "$top"/mutants/*.patch; do
  b="$(basename "$f" .patch)"
  [[ "$b" =~ ^[0-9][0-9]-[a-z0-9-]+$ ]] || fail "$b: not named NN-class-short"
  head -1 "$f" | grep -q '^# SPDX-License-Identifier: Apache-2.0$' || fail "$b: no SPDX line first"
  grep -q '^# class: [a-z-]\+$' "$f" || fail "$b: no class line"
  grep -q '^# why: ..' "$f" || fail "$b: no why line"
  # Only comment lines before the diff.
  awk '/^--- /{exit} !/^#/{bad=1} END{exit bad}' "$f" || fail "$b: a non-comment line before the diff"
  grep -q "^$b " "$tmp/list" || fail "--list does not show $b"
done

# A stale mutant: a fake catalogue whose patch's context is not in the
# tree. Reported without building anything.
mkdir -p "$tmp/cat"
cat >"$tmp/cat/01-fake-stale.patch" <<'EOF'
# SPDX-License-Identifier: Apache-2.0
# class: fake
# why: the context below is not in rcu/seq.h
--- a/rcu/seq.h
+++ b/rcu/seq.h
@@ -1,3 +1,3 @@
 // no such line one
-// no such line two
+// changed
 // no such line three
EOF
"$m" --mutants-dir="$tmp/cat" --mutants=all --json="$tmp/stale.json" >"$tmp/stale.out" 2>&1
rc=$?
((rc == 1)) || fail "stale: exit $rc, want 1: $(cat "$tmp/stale.out")"
grep -q '01-fake-stale: stale' "$tmp/stale.out" || fail "stale: no 'stale' line: $(cat "$tmp/stale.out")"
grep -Eq '^01-fake-stale +fake +stale ' "$tmp/stale.out" || fail "stale: no stale row in the summary"
grep -q '"result": "stale"' "$tmp/stale.json" || fail "stale: not in the JSON"
if command -v jq >/dev/null; then jq -e . "$tmp/stale.json" >/dev/null || fail "stale: the JSON does not parse"; fi
[[ -d "$RCU_MUTATE_DIR/build" ]] && fail "stale: something was built"
cmp -s "$top/rcu/seq.h" "$RCU_MUTATE_DIR/src/rcu/seq.h" || fail "stale: the scratch copy differs from the tree"

# Regression: a work-tree sync after a --rev sync into a new scratch
# directory kept the commit's files (copied with the commit's mtimes, and
# the sync mark made both sides look unchanged), so mutants ran against
# old code.
root=$(git -C "$top" rev-list --max-parents=0 HEAD 2>/dev/null | tail -1)
if [[ -n "$root" ]] && git -C "$top" cat-file -e "$root:rcu/seq.h" 2>/dev/null; then
  export RCU_MUTATE_DIR="$tmp/scratch-rev"
  "$m" --mutants-dir="$tmp/cat" --mutants=all --rev="$root" >"$tmp/rev.out" 2>&1
  grep -q '01-fake-stale: stale' "$tmp/rev.out" || fail "--rev: $(cat "$tmp/rev.out")"
  "$m" --mutants-dir="$tmp/cat" --mutants=all >"$tmp/wt.out" 2>&1
  ndiff=0
  while IFS= read -r -d '' f; do
    [[ -f "$top/$f" ]] || continue
    cmp -s "$top/$f" "$RCU_MUTATE_DIR/src/$f" || { ndiff=$((ndiff + 1)); echo "differs: $f" >&2; }
  done < <(git -C "$top" ls-files -z)
  ((ndiff == 0)) || fail "after --rev then a work-tree sync, $ndiff scratch files differ from the tree"
fi

# Every mutant in the catalogue applies to the tree as it is (no fuzz, as
# mutate.sh applies it): an edit of rcu/ that moves a mutated line must
# regenerate the patch in the same change, not leave it for the matrix.
for p in "$top"/mutants/*.patch; do
  (cd "$top" && patch -p1 --dry-run -F0 -s <"$p" >/dev/null 2>&1) ||
    fail "$(basename "$p") is stale: it no longer applies to rcu/ (regenerate it, mutants/README.md)"
done
exit "$status"

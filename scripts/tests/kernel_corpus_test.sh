#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# kernel_corpus_test.sh: parse-console.sh on real Linux-kernel rcutorture
# consoles (data/kernel/, sources in SOURCES.md): each must get the exit
# code, Verdict line, Summary line and FAILURE line its row of
# data/kernel/expected.tsv gives (the rows were checked by hand against the
# facts SOURCES.md lists for each log), and a clean one must write no
# diags. Also: every log in data/kernel/ has a row, and every row a log.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
pc="$s/parse-console.sh"
d="$here/data/kernel"
cp "$d"/*.log "$tmp/"
rows=0
while IFS=$'\t' read -r file rc verdict summary failure; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  rows=$((rows + 1))
  [[ -f "$d/$file" ]] || { fail "$file: in expected.tsv but not in data/kernel/"; continue; }
  out=$("$pc" "$tmp/$file" T 2>&1)
  got=$?
  [[ "$got" == "$rc" ]] || fail "$file: exit $got, want $rc"
  v=$(grep '^Verdict: ' <<<"$out")
  [[ "$v" == "Verdict: T: $verdict" ]] || fail "$file: '$v', want 'Verdict: T: $verdict'"
  sm=$(grep '^Summary: ' <<<"$out")
  [[ "$sm" == "Summary: T: $summary" ]] || fail "$file: '$sm', want 'Summary: T: $summary'"
  f=$(grep -m1 '^BUG: T FAILURE' <<<"$out" || echo -)
  [[ "$f" == "$failure" ]] || fail "$file: '$f', want '$failure'"
  if [[ "$rc" == 0 ]]; then
    [[ ! -e "$tmp/$file.diags" ]] || fail "$file: diags written for a clean log"
  else
    [[ -s "$tmp/$file.diags" ]] || fail "$file: no diags"
  fi
done <"$d/expected.tsv"
nlogs=$(find "$d" -name '*.log' | wc -l)
((rows == nlogs)) || fail "expected.tsv has $rows rows for $nlogs logs"
((rows >= 14)) || fail "only $rows kernel consoles"
exit "$status"

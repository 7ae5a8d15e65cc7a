#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# readme_params_test.sh RCUTORTURE README: every parameter `--help` lists
# has a row in the README's parameter tables, so the docs cannot drift from
# the parameter table (params.h).
set -uo pipefail
rt="$1"
readme="$2"
status=0
help="$("$rt" --help)"
while read -r name; do
  if ! grep -qF "| \`$name\` |" "$readme"; then
    echo "FAIL: parameter $name is missing from $readme" >&2
    status=1
  fi
done < <(awk '/^  [a-z_]+ +(int|bool|string|uint64) +default/ { print $1 }' <<<"$help")
((status)) || echo "ok: README lists every parameter"
exit "$status"

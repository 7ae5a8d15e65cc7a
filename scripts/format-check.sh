#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# format-check.sh: checks that every C and C++ file of the project is
# formatted by clang-format with the repository's .clang-format (Google
# style). Exit 0: all formatted; 1: the unformatted files are listed, with
# the command that fixes them; 64: usage.
#
#   scripts/format-check.sh          check
#   scripts/format-check.sh --fix    reformat in place
#
# Left out: compat/include/ (liburcu's C API headers, kept in liburcu's
# layout so that they can be compared with the originals line by line).
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
case "${1:-}" in
  "") ;;
  --fix) fix=1 ;;
  *) echo "format-check.sh: unknown option '$1' (use --fix or nothing)" >&2; exit 64 ;;
esac
command -v clang-format >/dev/null || {
  echo "format-check.sh: clang-format not found (scripts/setup.sh installs it)" >&2
  exit 1
}
mapfile -t files < <(git ls-files -- '*.cc' '*.h' '*.c' ':!:compat/include/**')
if ((fix)); then
  clang-format -i --style=file "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf 'format-check.sh: not formatted: %s\n' "${bad[@]}" >&2
  echo "format-check.sh: fix with: scripts/format-check.sh --fix" >&2
  exit 1
fi
echo "format-check.sh: ${#files[@]} files formatted"

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

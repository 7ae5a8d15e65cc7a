#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# gen_params_md.sh RCUTORTURE: prints the README's parameter tables from
# `rcutorture --help` (regenerate the README section with it).
set -euo pipefail
"$1" --help | awk '
/^rcutorture\.\* parameters/ { print "\n### rcutorture.* (kernel names; also `--NAME=VALUE`)\n\n| name | type | default | meaning |\n|---|---|---|---|"; next }
/^rcutree\.\* parameters/ { print "\n### rcutree.* (the tree under test, `rcu` flavour; also `--NAME=VALUE`; `nr_cpus=`/`maxcpus=` bare)\n\n| name | type | default | meaning |\n|---|---|---|---|"; next }
/^Harness parameters/ { print "\n### Harness-only (`--NAME=VALUE`)\n\n| name | type | default | meaning |\n|---|---|---|---|"; next }
/^  [a-z_]+ +(int|bool|string|uint64) +default/ {
  name = $1; type = $2; def = $4; $1 = $2 = $3 = $4 = ""; sub(/^ +/, "")
  printf "| `%s` | %s | %s | %s |\n", name, type, def, $0 }'

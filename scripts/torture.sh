#!/usr/bin/env bash
# torture.sh: set up, build, and run one rcutorture scenario.
#
#   scripts/torture.sh [--config NAME] [--duration 30s] [--preset release]
#                      [-- EXTRA rcutorture ARGS...]
#
# Defaults: scenario TREE02 (the default-shaped tree, configs/TREE02), 30 s,
# the release build. The console log goes to
# results/YYYY.MM.DD-HH.MM.SS/<NAME>/console.log (with the exact command in
# `cmd` and the JSON summary in summary.json beside it). Prints the verdict
# line and where the log is, and exits with rcutorture's status:
# 0 SUCCESS, 1 FAILURE, 2 hang (watchdog), 64 bad usage or configuration.
# (The multi-scenario runner, --configs "TREE01 2*TREE02", comes later.)
set -euo pipefail
cd "$(dirname "$0")/.."

config=TREE02
duration=30s
preset=release
extra=()
while (($#)); do
  case "$1" in
    --config) config="${2:?--config needs a NAME}"; shift 2 ;;
    --config=*) config="${1#--config=}"; shift ;;
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    --duration=*) duration="${1#--duration=}"; shift ;;
    --preset) preset="${2:?--preset needs a name}"; shift 2 ;;
    --preset=*) preset="${1#--preset=}"; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "torture.sh: unknown option '$1' (see --help)" >&2; exit 64 ;;
  esac
done
cfgfile="configs/$config"
[[ -f "$cfgfile" ]] || { echo "torture.sh: no scenario file $cfgfile" >&2; exit 64; }

scripts/setup.sh "$preset" >&2
bin="build/$preset/torture/rcutorture"
[[ -x "$bin" ]] || { echo "torture.sh: $bin was not built" >&2; exit 2; }

resdir="results/$(date -u +%Y.%m.%d-%H.%M.%S)/$config"
mkdir -p "$resdir"
cmd=("$bin" "--config=$cfgfile" "--duration=$duration" "--json=$resdir/summary.json" "${extra[@]}")
printf '%q ' "${cmd[@]}" >"$resdir/cmd"
echo >>"$resdir/cmd"
echo "torture.sh: running $config for $duration: log in $resdir/console.log" >&2
set +e
"${cmd[@]}" >"$resdir/console.log" 2>&1
rc=$?
set -e
echo "$rc" >"$resdir/retval"
verdict=$(grep -E -- '-torture:--- End of test: ' "$resdir/console.log" | tail -1 | cut -c1-120)
if [[ -n "$verdict" ]]; then
  echo "$verdict ..."
else
  echo "torture.sh: no End of test line (exit $rc); last lines:"
  tail -5 "$resdir/console.log"
fi
echo "torture.sh: exit $rc; log: $resdir/console.log"
exit "$rc"

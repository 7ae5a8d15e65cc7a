#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# again.sh: re-runs an old torture.sh run exactly, without rebuilding.
#
#   scripts/again.sh OLD_RUN_DIR [--duration T] [--bootargs "x=y ..."]...
#                    [--results DIR] [--datestamp NAME] [--cpus N] [--dryrun]
#
# Every scenario of OLD_RUN_DIR that ran is run again with its recorded
# resolved parameters (NAME/config) and the seed it actually used (the
# seed= of its Start-of-test line, so a clock-seeded run replays too),
# under the same instance names, through scripts/torture.sh
# --trust-build with the old run's build preset. --duration defaults to
# the old run's; --bootargs are added after the old parameters. The new
# run goes to results/<old datestamp>-again (or --results/--datestamp) and
# records the old run's path in its `re-run` file.
# Exit: torture.sh's (0 clean, 1 configuration error, 2 no binary, 3
# runtime errors), 64 bad usage or an unusable OLD_RUN_DIR.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"
usage_error() { echo "again.sh: $*" >&2; exit 64; }
case "${1:-}" in
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  ""|-*) usage_error "usage: again.sh OLD_RUN_DIR [--duration T] [--bootargs ARGS]..." ;;
esac
old="$(cd "$1" 2>/dev/null && pwd)" || usage_error "no run directory '$1'"
shift
duration=""
results=""
datestamp=""
pass=()
while (($#)); do
  case "$1" in
    --duration) [[ -n "${2:-}" ]] || usage_error "--duration needs a value"; duration="$2"; shift 2 ;;
    --bootargs) [[ -n "${2:-}" ]] || usage_error "--bootargs needs a value"; pass+=(--bootargs "$2"); shift 2 ;;
    --cpus) [[ -n "${2:-}" ]] || usage_error "--cpus needs a value"; pass+=(--cpus "$2"); shift 2 ;;
    --results) [[ -n "${2:-}" ]] || usage_error "--results needs a value"; results="$2"; shift 2 ;;
    --datestamp) [[ -n "${2:-}" ]] || usage_error "--datestamp needs a value"; datestamp="$2"; shift 2 ;;
    --dryrun) pass+=(--dryrun); shift ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
[[ -z "$duration" ]] || tl_duration_secs "$duration" >/dev/null || usage_error "bad --duration '$duration'"

mapfile -t ds < <(tl_scenario_dirs "$old")
cfg="$(mktemp -d)"
trap 'rm -rf "$cfg"' EXIT
names=()
for d in "${ds[@]}"; do
  name="$(basename "$d")"
  [[ -f "$d/skipped" ]] && continue
  [[ -s "$d/config" ]] || usage_error "$d has no resolved config"
  # The seed the run used: its Start line (summary.json if the log is gone).
  s=$(grep -a -m1 -- '--- Start of test: ' "$d/console.log" 2>/dev/null | sed -n 's/.* seed=\([0-9]*\).*/\1/p')
  [[ -n "$s" ]] || s=$(sed -n 's/^  "seed": \([0-9]*\).*/\1/p' "$d/summary.json" 2>/dev/null)
  [[ -n "$s" ]] || s=$(sed -n 's/^--seed=//p' "$d/config")
  sed '/^--seed=/d' "$d/config" >"$cfg/$name"
  echo "--seed=$s" >>"$cfg/$name"
  names+=("$name")
done
((${#names[@]})) || usage_error "$old has no scenario that ran"
if [[ -z "$duration" ]]; then
  duration=$(grep -o -- '--duration=[^ ]*' "${ds[0]}/cmd" | head -1 | cut -d= -f2)
  [[ -n "$duration" ]] || usage_error "cannot find the old run's --duration in ${ds[0]}/cmd"
fi
preset=$(sed -n 's/^Build preset: //p' "$old/testid.txt" 2>/dev/null)
[[ -n "$datestamp" ]] || datestamp="$(basename "$old")-again"
[[ -n "$results" ]] || results="$(dirname "$old")"
"$here/torture.sh" --trust-build --build-preset "${preset:-release}" --configs-dir "$cfg" \
  --configs "${names[*]}" --duration "$duration" --results "$results" --datestamp "$datestamp" "${pass[@]}"
rc=$?
[[ -d "$results/$datestamp" ]] && echo "$old" >"$results/$datestamp/re-run"
exit "$rc"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bisect.sh: git bisect run for rcutorture, sized for rare failures.
#
#   scripts/bisect.sh --good REV --bad REV [--configs "NAME..."]
#       [--rate 1/h] [--confidence 0.99] [--parallel N] [--duration T]
#       [--signature ERE] [--bootargs "x=y ..."] [--grace SECS]
#       [--binary PATH | --build-cmd CMD] [--build-preset P] [--record FILE]
#       [--remote HOSTS [--retries N] | --slurm [--sbatch-opt OPT]...]
#
# Bisects the repository of the current directory between REV (good) and
# REV (bad). Each probe: build the commit (default `scripts/setup.sh
# P:rcutorture`, or --build-cmd CMD run by bash in the repository; with
# only --binary, nothing is built), then run the scenarios (configs/NAME
# of the commit under test; default TREE03) --parallel N times at once
# (default 1), each under a watchdog (duration + --grace, default 30 s).
# With --remote HOSTS or --slurm, a probe's runs go to the pool instead, all
# at once (scripts/torture.sh with that engine, given the commit's binary:
# a step takes about one run's time, however large --parallel is; a run
# lost with its host counts as an error that does not match, so such a
# probe is never "good"). The build stays here; the sizing is unchanged.
# Outcomes, always explicit (git aborts on exit codes above 127):
#   1   some run's console.log matches the hunted signature (--signature,
#       an extended regex; default "End of test: FAILURE|!!!")
#   125 the build failed, or a run crashed, hung, died or reported an
#       error that does not match the signature (the commit is skipped)
#   0   every run was clean for the full duration
# --configs takes torture.sh's forms (N*NAME repeats, CFLIST expands to
# configs/CFLIST); each scenario must exist in configs/ of the checkout or
# of the --bad commit (else exit 64).
# The clean-run duration comes from the failure rate on a bad commit and
# the confidence wanted that a clean probe is not a false negative:
# t = -ln(1 - C) / rate of run time, spread over the --parallel runs
# (printed before starting; --duration T overrides it). Every probe
# appends a JSON line to the record file (default
# results/bisect-YYYY.MM.DD-HH.MM.SS.jsonl): commit, host, nproc, time,
# duration per run, parallel, configs, bootargs, seeds, errors, matches,
# verdict, exit. Afterwards the blamed commit is re-tested (must fail) and
# its parent (must be clean), and `git bisect reset` restores the checkout.
# Exit: 0 bisected and confirmed, 1 the re-test contradicts the blame,
# 2 git bisect did not converge, 64 bad usage (unknown scenario, bad
# value).
# (`--probe` runs one probe on the current checkout: the `git bisect run`
# command, exit 0, 1 or 125.)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"
usage_error() { echo "bisect.sh: $*" >&2; exit 64; }
need() { [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; }

probe=0
good=""
bad=""
configs=TREE03
rate=""
confidence=0.99
parallel=1
duration=""
signature='End of test: FAILURE|!!!'
bootargs=""
grace=30
binary=""
build_cmd=""
preset=release
record=""
engine=()   # --remote HOSTS [--retries N] | --slurm [--sbatch-opt OPT]...: torture.sh's options
argv=("$@")
while (($#)); do
  case "$1" in
    --probe) probe=1; shift ;;
    --good) need "$@"; good="$2"; shift 2 ;;
    --bad) need "$@"; bad="$2"; shift 2 ;;
    --configs|--config) need "$@"; configs="$2"; shift 2 ;;
    --rate) need "$@"; rate="$2"; shift 2 ;;
    --confidence) need "$@"; confidence="$2"; shift 2 ;;
    --parallel) need "$@"; parallel="$2"; shift 2 ;;
    --duration) need "$@"; duration="$2"; shift 2 ;;
    --signature) need "$@"; signature="$2"; shift 2 ;;
    --bootargs) need "$@"; bootargs+=" $2"; shift 2 ;;
    --grace) need "$@"; grace="$2"; shift 2 ;;
    --binary) need "$@"; binary="$2"; shift 2 ;;
    --build-cmd) need "$@"; build_cmd="$2"; shift 2 ;;
    --build-preset|--preset) need "$@"; preset="$2"; shift 2 ;;
    --record) need "$@"; record="$2"; shift 2 ;;
    --remote) need "$@"; f="$2"; [[ "$f" == /* ]] || f="$(pwd)/$f"; engine+=(--remote "$f"); shift 2 ;;
    --retries) need "$@"; engine+=(--retries "$2"); shift 2 ;;
    --slurm) engine+=(--slurm); shift ;;
    --sbatch-opt) need "$@"; engine+=("--sbatch-opt=$2"); shift 2 ;;
    --sbatch-opt=*) engine+=("$1"); shift ;;
    --remote=*) f="${1#*=}"; [[ -n "$f" ]] || usage_error "--remote needs a value"; [[ "$f" == /* ]] || f="$(pwd)/$f"
                engine+=(--remote "$f"); shift ;;
    --retries=*) engine+=("$1"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) usage_error "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$parallel" =~ ^[0-9]+$ ]] && ((parallel >= 1)) || usage_error "bad --parallel '$parallel'"
[[ "$grace" =~ ^[0-9]+$ ]] || usage_error "bad --grace '$grace'"
case "$preset" in release|debug|asan|tsan|clang) ;; *) usage_error "bad --build-preset '$preset'" ;; esac
echo "x" | grep -Eq -- "$signature" 2>/dev/null; (($? < 2)) || usage_error "bad --signature '$signature' (not an extended regex)"
top="$(git rev-parse --show-toplevel 2>/dev/null)" || usage_error "not inside a git repository"
cd "$top" || exit 64
[[ -z "$binary" ]] || binary="$(cd "$(dirname "$binary")" 2>/dev/null && pwd)/$(basename "$binary")"

# ---- Sizing: seconds of run time per probe run. ----
[[ "$confidence" =~ ^0?\.[0-9]*[1-9][0-9]*$ ]] || usage_error "bad --confidence '$confidence' (want 0 < C < 1)"
if [[ -n "$duration" ]]; then
  [[ "$duration" =~ ^([0-9]+)([smhd]?)$ ]] || usage_error "bad --duration '$duration'"
  case "${BASH_REMATCH[2]}" in m) m=60 ;; h) m=3600 ;; d) m=86400 ;; *) m=1 ;; esac
  per_run=$((10#${BASH_REMATCH[1]} * m))
  ((per_run > 0)) || usage_error "bad --duration '$duration'"
  sizing="--duration $duration per run, given"
else
  [[ -n "$rate" ]] || usage_error "give --rate (failures per time on a bad commit, e.g. 1/h) or --duration"
  [[ "$rate" =~ ^([0-9]+(\.[0-9]+)?)/([0-9]*)([smhd])$ ]] || usage_error "bad --rate '$rate' (want e.g. 1/h, 0.5/h, 3/10m)"
  rn="${BASH_REMATCH[1]}"
  un="${BASH_REMATCH[3]:-1}"
  case "${BASH_REMATCH[4]}" in s) us=1 ;; m) us=60 ;; h) us=3600 ;; d) us=86400 ;; esac
  read -r total per_run < <(awk -v r="$rn" -v u="$((un * us))" -v c="$confidence" -v n="$parallel" 'BEGIN {
    if (r <= 0) { print "0 0"; exit }
    t = -log(1 - c) / (r / u)          # seconds of clean run time in total
    p = int(t / n); if (p < t / n) p++ # per run, rounded up
    if (p < 1) p = 1
    printf "%.0f %d\n", t, p }')
  ((per_run > 0)) || usage_error "bad --rate '$rate' (must be > 0)"
  sizing=$(awk -v r="$rn" -v u="$((un * us))" -v c="$confidence" -v n="$parallel" -v t="$total" -v p="$per_run" 'BEGIN {
    printf "rate %s/%ss, confidence %s: t = -ln(1-C)/rate = %.3g x %ss = %d s of clean run time, %d s on each of %d parallel runs", r, u, c, -log(1 - c), u / r, t, p, n }')
fi

# ---- One probe: build, run, classify. ----
# run_probe: builds and tests the checked-out commit, appends its record
# line; returns 0 (good), 1 (bad) or 125 (skip).
run_probe() {
  local commit host t0 i n_bad=0 n_other=0 n_err=0 verdict code bin d seeds=() rcs=() s
  commit="$(git rev-parse HEAD)"
  host="$(hostname)"
  t0="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  d="$(mktemp -d)"
  bin="$binary"
  local build_ok=1
  if [[ -n "$build_cmd" ]]; then
    bash -c "$build_cmd" >"$d/build.out" 2>&1 || build_ok=0
  elif [[ -z "$binary" ]]; then
    "$top/scripts/setup.sh" "$preset:rcutorture" >"$d/build.out" 2>&1 || build_ok=0
  fi
  [[ -n "$bin" ]] || bin="$top/build/$preset/torture/rcutorture"
  [[ -x "$bin" ]] || build_ok=0
  local cfgs=() expanded
  if ! expanded=$(tl_expand_configs "$configs" configs/CFLIST); then
    build_ok=0
    echo "bisect.sh: $commit has no configs/CFLIST" >&2
  fi
  for c in $expanded; do cfgs+=("$c"); done
  if ((build_ok)); then
    for c in "${cfgs[@]}"; do
      [[ -f "configs/$c" ]] || { build_ok=0; echo "bisect.sh: $commit has no configs/$c" >&2; }
    done
  fi
  if ((!build_ok)); then
    verdict=skip; code=125
    echo "bisect.sh: probe $commit: build failed (skip)" >&2
  elif ((${#engine[@]})); then
    # The pool: one torture.sh run of every run of the probe at once.
    local all="" logs=() k s0 rdir="$d/probe" name
    for ((i = 0; i < parallel; i++)); do all+=" ${cfgs[*]}"; done
    s0=$(( (RANDOM << 15 | RANDOM) + 1 ))
    "$here/torture.sh" --binary "$bin" --configs "${all# }" --configs-dir "$top/configs" \
      --duration "${per_run}s" --grace "$grace" --seed "$s0" --results "$d" --datestamp probe \
      ${bootargs:+--bootargs "${bootargs# }"} "${engine[@]}" >"$d/torture.out" 2>&1
    k=0
    while read -r name; do
      seeds+=("$((s0 + k))")
      logs+=("$rdir/$name/console.log")
      rcs+=("$(head -c 16 "$rdir/$name/retval" 2>/dev/null || echo lost)")
      k=$((k + 1))
    done <"$rdir/scenarios"
    ((k)) || { logs+=("$d/torture.out"); rcs+=(lost); }
    # torture.sh's report of the probe, beside the record: probe N (the
    # record's line N) of the commit.
    [[ -z "$record" || ! -s "$d/torture.out" ]] ||
      cp "$d/torture.out" "${record%.jsonl}.probe$(( $( { wc -l <"$record"; } 2>/dev/null || echo 0) + 1 ))-${commit:0:12}.out" 2>/dev/null
  else
    local pids=() logs=() k=0
    for ((i = 0; i < parallel; i++)); do
      for c in "${cfgs[@]}"; do
        s=$(( (RANDOM << 15 | RANDOM) + 1 ))
        seeds+=("$s")
        mkdir -p "$d/$k"
        # shellcheck disable=SC2086  # bootargs are whitespace-separated tokens
        timeout --signal=KILL "$((per_run + grace))" "$bin" "--config=configs/$c" $bootargs \
          "--duration=${per_run}s" "--seed=$s" >"$d/$k/console.log" 2>&1 </dev/null &
        pids+=($!)
        logs+=("$d/$k/console.log")
        k=$((k + 1))
      done
    done
    for i in "${!pids[@]}"; do
      wait "${pids[i]}" 2>/dev/null
      rcs+=("$?")
    done
  fi
  if ((build_ok)); then
    for i in "${!logs[@]}"; do
      local l="${logs[i]}" e=0
      "$here/parse-console.sh" --quiet "$l" "run$i" >/dev/null 2>&1 || e=1
      [[ "${rcs[i]}" == 0 ]] || e=1
      if grep -aEq -- "$signature" "$l"; then
        n_bad=$((n_bad + 1))
      elif ((e)); then
        n_other=$((n_other + 1))
      fi
      ((e)) && n_err=$((n_err + 1))
    done
    if ((n_bad)); then verdict=bad; code=1
    elif ((n_other)); then verdict=skip; code=125
    else verdict=good; code=0
    fi
    echo "bisect.sh: probe $commit: $verdict ($n_bad matching, $n_other other failures of ${#logs[@]} runs; exit codes ${rcs[*]})" >&2
  fi
  if [[ -n "$record" ]]; then
    printf '{"commit": %s, "host": %s, "nproc": %d, "time": %s, "duration_s": %d, "parallel": %d, "configs": %s, "bootargs": %s, "seeds": [%s], "errors": %d, "matches": %d, "verdict": %s, "exit": %d}\n' \
      "$(tl_json_str "$commit")" "$(tl_json_str "$host")" "$(nproc)" "$(tl_json_str "$t0")" "$per_run" "$parallel" \
      "$(tl_json_str "$configs")" "$(tl_json_str "${bootargs# }")" "$(IFS=,; echo "${seeds[*]}")" "$n_err" "$n_bad" \
      "$(tl_json_str "$verdict")" "$code" >>"$record" ||
      echo "bisect.sh: cannot write the record file $record" >&2
  fi
  rm -rf "$d"
  return "$code"
}

if ((probe)); then
  run_probe
  rc=$?
  case "$rc" in 0|1|125) exit "$rc" ;; *) exit 125 ;; esac
fi

# ---- Driver. ----
[[ -n "$good" && -n "$bad" ]] || usage_error "give --good REV and --bad REV"
good_sha="$(git rev-parse --verify -q "$good^{commit}")" || usage_error "unknown --good revision '$good'"
bad_sha="$(git rev-parse --verify -q "$bad^{commit}")" || usage_error "unknown --bad revision '$bad'"
# Every scenario must exist in the checkout's configs/ or (added later)
# in the --bad commit's; CFLIST is read from the checkout, else from --bad.
cflist=configs/CFLIST
if [[ ! -f "$cflist" ]] && git cat-file -e "$bad_sha:configs/CFLIST" 2>/dev/null; then
  cflist="$(mktemp)"
  git show "$bad_sha:configs/CFLIST" >"$cflist"
fi
expanded=$(tl_expand_configs "$configs" "$cflist") || usage_error "--configs uses CFLIST, but there is no configs/CFLIST"
[[ "$cflist" == configs/CFLIST ]] || rm -f "$cflist"
[[ -n "$expanded" ]] || usage_error "--configs names no scenario"
for c in $expanded; do
  if [[ "$c" == CFcommon || "$c" == CFLIST || "$c" == */* ]] ||
     { [[ ! -f "configs/$c" ]] && ! git cat-file -e "$bad_sha:configs/$c" 2>/dev/null; }; then
    usage_error "unknown scenario '$c' in --configs (no configs/$c here or at --bad $bad)"
  fi
done
[[ -n "$record" ]] || record="$top/results/bisect-$(date +%Y.%m.%d-%H.%M.%S).jsonl"
mkdir -p "$(dirname "$record")" || usage_error "cannot create the directory of $record"
case "$record" in /*) ;; *) record="$(pwd)/$record" ;; esac
# The probe runs from a copy: the checkout under test may not have these
# scripts, or older ones.
# (tools/scripts/, as torture.sh, run for --remote and --slurm, expects.)
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
mkdir -p "$tools/scripts"
cp "$here/bisect.sh" "$here/parse-console.sh" "$here/torture-lib.sh" "$here/torture.sh" "$here/report.sh" \
  "$here/torture-engines.sh" "$here/torture-remote.sh" "$tools/scripts/"
# And the log scanner parse-console.sh runs (older commits have none).
scan="$("$here/parse-console.sh" --scanner)" || exit 64
cp "$scan" "$tools/rcutorture-console-scan"
export RCUTORTURE_CONSOLE_SCAN="$tools/rcutorture-console-scan"
# The engine's own checks (hosts file, GNU parallel, sbatch --test-only),
# before git bisect starts: torture.sh's dry run on a scenario of its own.
if ((${#engine[@]})); then
  mkdir -p "$tools/cfgcheck" && : >"$tools/cfgcheck/X"
  if ! chk=$("$tools/scripts/torture.sh" --dryrun --binary /bin/true --configs X --configs-dir "$tools/cfgcheck" \
               "${engine[@]}" 2>&1 >/dev/null); then
    echo "bisect.sh: ${chk#torture.sh: }" >&2
    exit 64
  fi
fi
echo "bisect.sh: $sizing"
echo "bisect.sh: good $good_sha, bad $bad_sha, configs '$configs', signature /$signature/, record $record"
echo "bisect.sh: the Poisson model assumes independent failures at a constant rate on this host and CPU count ($(hostname), $(nproc) CPUs); keep both fixed"
probe_args=(--probe --configs "$configs" --duration "${per_run}s" --parallel "$parallel"
            --signature "$signature" --grace "$grace" --build-preset "$preset" --record "$record")
[[ -z "$bootargs" ]] || probe_args+=(--bootargs "${bootargs# }")
[[ -z "$binary" ]] || probe_args+=(--binary "$binary")
[[ -z "$build_cmd" ]] || probe_args+=(--build-cmd "$build_cmd")
git bisect reset >/dev/null 2>&1
git bisect start "$bad_sha" "$good_sha" >/dev/null || { echo "bisect.sh: git bisect start failed" >&2; exit 2; }
((${#engine[@]} == 0)) || probe_args+=("${engine[@]}")
git bisect run "$tools/scripts/bisect.sh" "${probe_args[@]}"
blamed="$(git rev-parse --verify -q refs/bisect/bad)"
if ! git bisect log | grep -q "^# first bad commit: "; then
  echo "bisect.sh: git bisect did not converge (skipped commits?); log:" >&2
  git bisect log >&2
  git bisect reset >/dev/null 2>&1
  exit 2
fi
echo "bisect.sh: blamed $(git log -1 --format='%h %s' "$blamed")"
status=0
git checkout -q "$blamed"
"$tools/scripts/bisect.sh" "${probe_args[@]}"
r=$?
if ((r == 1)); then echo "bisect.sh: re-test of the blamed commit: bad, as blamed"
else echo "bisect.sh: re-test of the blamed commit: exit $r, NOT bad: the blame is doubtful"; status=1; fi
if git rev-parse -q --verify "$blamed^" >/dev/null; then
  git checkout -q "$blamed^"
  "$tools/scripts/bisect.sh" "${probe_args[@]}"
  r=$?
  if ((r == 0)); then echo "bisect.sh: re-test of its parent: clean, as expected"
  else echo "bisect.sh: re-test of its parent: exit $r, NOT clean: the blame is doubtful"; status=1; fi
fi
git bisect reset >/dev/null 2>&1
echo "bisect.sh: first bad commit $blamed (record: $record; command: bisect.sh ${argv[*]})"
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# torture.sh: build rcutorture once, run many scenarios, analyse the logs.
#
#   scripts/torture.sh [--configs "TREE01 2*TREE02 CFLIST"] [--duration 30s]
#                      [--cpus N] [--bootargs "rcutorture.x=y ..."]...
#                      [--build-preset release|debug|asan|tsan] [--trust-build]
#                      [--binary PATH]
#                      [--buildonly] [--dryrun] [--results DIR] [--datestamp NAME]
#                      [--seed N] [--grace SECS] [--log-timeout SECS]
#                      [--progress-interval SECS] [--configs-dir DIR]
#                      [--remote HOSTS [--retries N]]
#                      [--slurm [--sbatch-opt OPT]...]
#                      [-- EXTRA rcutorture ARGS...]
#
# With no arguments: installs what is missing and builds (scripts/setup.sh),
# then runs configs/TREE02 for 30 s. --config is an alias of --configs,
# --preset of --build-preset. --binary PATH runs that rcutorture (with the
# torture_module.so and plugins/ beside it) and builds nothing (bisect.sh
# gives it the commit under test). See scripts/README.md for every option, the
# results tree (results/YYYY.MM.DD-HH.MM.SS/NAME/{console.log,cmd,config,
# summary.json,retval,...}) and the STOP file.
# --remote HOSTS runs the scenarios on other machines instead, with GNU
# parallel over ssh (HOSTS: its --sshloginfile, one [N/]user@host[:port] per
# line, N = scenarios at once, 1 when not given; a relative path is taken
# from the current directory): one tarball of the build and the scenarios,
# each host probed first (a host of another architecture, or that cannot
# run the shipped binary, is refused in one line), one job per scenario,
# tried again on another host when its host dies (--retries: tries in all,
# 2), results brought back into the same tree and analysed here; see
# scripts/README.md, "Running on many machines (--remote)".
# --slurm runs them as one Slurm job array instead (sbatch; one task per
# scenario instance, requeued by Slurm when its node fails; each
# --sbatch-opt is one more sbatch argument, e.g. --sbatch-opt=--partition=x;
# SBATCH_* variables work as usual). It needs the shared filesystem a Slurm
# cluster has: the results directory must be at the same path on every node.
# See scripts/README.md, "Running on a Slurm cluster (--slurm)".
# Exit: 0 all clean, 1 configuration error (unknown or malformed scenario,
# results directory unusable; disk full or a result file not written,
# whatever the scenarios found; --remote: every host refused), 2 build
# error (also --trust-build without a binary), 3 runtime errors (FAILURE,
# hang, crash, RCU_HOTPLUG, anything parse-console.sh reports; --remote:
# also a scenario whose every attempt was lost with its host), 64 bad usage
# (unknown option, bad value, no --configs-dir; --remote: a missing,
# unreadable or empty HOSTS, no GNU parallel or rsync; --slurm: no sbatch,
# or options sbatch --test-only refuses, slurmctld unreachable). A stopped
# run's code is that of the scenarios that ran.
set -uo pipefail
caller_pwd="$(pwd)"
cd "$(dirname "$0")/.." || exit 1
top="$(pwd)"
# shellcheck source=scripts/torture-lib.sh
source scripts/torture-lib.sh

usage_error() { echo "torture.sh: $*" >&2; exit 64; }
need() { [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; }

configs=TREE02
duration=30s
cpus=$(nproc)
bootargs=()
preset=release
trust=0
binary=""   # --binary PATH: this rcutorture, nothing built
buildonly=0
dryrun=0
results=results
datestamp=""
seed=""
grace=""
log_timeout=""
progress_interval=60
cfgdir=configs
remote=""    # --remote HOSTS: GNU parallel's --sshloginfile
retries=2    # --retries: tries per scenario (GNU parallel's --retries)
retries_set=0
slurm=""     # --slurm: one Slurm job array
sbatch_opts=()
extra=()
argv=("$@")
while (($#)); do
  case "$1" in
    --configs|--config) need "$@"; configs="$2"; shift 2 ;;
    --configs=*|--config=*) configs="${1#*=}"; shift ;;
    --duration) need "$@"; duration="$2"; shift 2 ;;
    --duration=*) duration="${1#*=}"; shift ;;
    --cpus) need "$@"; cpus="$2"; shift 2 ;;
    --cpus=*) cpus="${1#*=}"; shift ;;
    --bootargs) need "$@"; bootargs+=("$2"); shift 2 ;;
    --bootargs=*) bootargs+=("${1#*=}"); shift ;;
    --build-preset|--preset) need "$@"; preset="$2"; shift 2 ;;
    --build-preset=*|--preset=*) preset="${1#*=}"; shift ;;
    --trust-build) trust=1; shift ;;
    --binary) need "$@"; binary="$2"; trust=1; shift 2 ;;
    --binary=*) binary="${1#*=}"; trust=1; [[ -n "$binary" ]] || usage_error "--binary needs a value"; shift ;;
    --buildonly) buildonly=1; shift ;;
    --dryrun) dryrun=1; shift ;;
    --results) need "$@"; results="$2"; shift 2 ;;
    --results=*) results="${1#*=}"; shift ;;
    --datestamp) need "$@"; datestamp="$2"; shift 2 ;;
    --datestamp=*) datestamp="${1#*=}"; shift ;;
    --seed) need "$@"; seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --grace) need "$@"; grace="$2"; shift 2 ;;
    --grace=*) grace="${1#*=}"; shift ;;
    --log-timeout) need "$@"; log_timeout="$2"; shift 2 ;;
    --log-timeout=*) log_timeout="${1#*=}"; shift ;;
    --progress-interval) need "$@"; progress_interval="$2"; shift 2 ;;
    --progress-interval=*) progress_interval="${1#*=}"; shift ;;
    --configs-dir) need "$@"; cfgdir="$2"; shift 2 ;;
    --configs-dir=*) cfgdir="${1#*=}"; shift ;;
    --) shift; extra=("$@"); break ;;
    --remote) need "$@"; remote="$2"; shift 2 ;;
    --remote=*) remote="${1#*=}"; [[ -n "$remote" ]] || usage_error "--remote needs a value"; shift ;;
    --retries) need "$@"; retries="$2"; retries_set=1; shift 2 ;;
    --retries=*) retries="${1#*=}"; retries_set=1; shift ;;
    --slurm) slurm=1; shift ;;
    --sbatch-opt) need "$@"; sbatch_opts+=("$2"); shift 2 ;;
    --sbatch-opt=*) sbatch_opts+=("${1#*=}"); [[ -n "${1#*=}" ]] || usage_error "--sbatch-opt needs a value"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) usage_error "unknown option '$1' (see --help)" ;;
  esac
done

dur_secs=$(tl_duration_secs "$duration") || usage_error "bad --duration '$duration' (want N, Ns, Nm, Nh or Nd)"
((dur_secs > 0)) || usage_error "bad --duration '$duration' (must be > 0)"
[[ "$cpus" =~ ^[0-9]+$ ]] && ((cpus >= 1)) || usage_error "bad --cpus '$cpus' (want a positive integer)"
case "$preset" in
  release|debug|asan|tsan|clang) ;;
  *) usage_error "bad --build-preset '$preset' (release, debug, asan, tsan, clang)" ;;
esac
[[ -z "$seed" || "$seed" =~ ^[0-9]+$ ]] || usage_error "bad --seed '$seed' (want an unsigned integer)"
[[ -z "$grace" || "$grace" =~ ^[0-9]+$ ]] || usage_error "bad --grace '$grace' (want seconds)"
[[ -z "$log_timeout" || "$log_timeout" =~ ^[0-9]+$ ]] || usage_error "bad --log-timeout '$log_timeout' (want seconds)"
[[ "$progress_interval" =~ ^[0-9]+$ ]] && ((progress_interval > 0)) || usage_error "bad --progress-interval '$progress_interval'"
[[ -n "$datestamp" && "$datestamp" == */* ]] && usage_error "bad --datestamp '$datestamp' (no '/')"
[[ -d "$cfgdir" ]] || usage_error "no scenario directory '$cfgdir' (--configs-dir)"
# sshlogin_key LINE: the sshlogin of a hosts-file LINE as GNU parallel names
# it (its --tag, joblog and $PARALLEL_SSHLOGIN): without the @hostgroups/
# and N/ prefixes.
sshlogin_key() {
  local l="$1"
  [[ "$l" =~ ^@[^/]*/(.*)$ ]] && l="${BASH_REMATCH[1]}"
  [[ "$l" =~ ^[0-9]*/(.*)$ ]] && l="${BASH_REMATCH[1]}"
  echo "$l"
}
# sshlogin_slots LINE: LINE with one job slot (1/) when it gives none:
# parallel would otherwise run one scenario per core of the host (asking a
# GNU parallel there for the count).
sshlogin_slots() {
  local l="$1" hg=""
  if [[ "$l" =~ ^(@[^/]*/)(.*)$ ]]; then hg="${BASH_REMATCH[1]}"; l="${BASH_REMATCH[2]}"; fi
  if [[ "$l" =~ ^[0-9]+/ ]]; then :; elif [[ "$l" == /* ]]; then l="1$l"; else l="1/$l"; fi
  echo "$hg$l"
}
# --remote: the hosts file (relative to the caller's directory) and the
# tools, checked before anything is created.
hostlines=()
if [[ -n "$remote" ]]; then
  [[ "$remote" == /* ]] || remote="$caller_pwd/$remote"
  [[ -f "$remote" && -r "$remote" ]] || usage_error "cannot read the --remote hosts file '$remote'"
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [[ -z "$line" || "$line" == \#* ]] && continue
    [[ "$(sshlogin_key "$line")" != : ]] ||
      usage_error "the --remote hosts file '$remote' names ':' (this machine): run without --remote"
    hostlines+=("$line")
  done <"$remote"
  ((${#hostlines[@]})) || usage_error "the --remote hosts file '$remote' names no host"
  parallel --version 2>/dev/null | grep -q '^GNU parallel' ||
    usage_error "--remote needs GNU parallel (no 'parallel' in PATH is GNU parallel; scripts/setup.sh installs it)"
  command -v rsync >/dev/null 2>&1 ||
    usage_error "--remote needs rsync (GNU parallel ships files with it; scripts/setup.sh installs it)"
  [[ "$retries" =~ ^[0-9]+$ ]] && ((retries >= 1 && retries <= 100)) ||
    usage_error "bad --retries '$retries' (want 1 to 100: tries per scenario)"
elif ((retries_set)); then
  usage_error "--retries is for --remote$([[ -z "$slurm" ]] || echo ' (Slurm requeues a task whose node fails)')"
fi
# --slurm: sbatch, and the options checked by sbatch itself (--test-only:
# validated by slurmctld, nothing submitted) before anything is created.
if [[ -n "$slurm" ]]; then
  [[ -z "$remote" ]] || usage_error "--slurm and --remote exclude each other"
  for tool in sbatch squeue scancel scontrol; do
    command -v "$tool" >/dev/null 2>&1 ||
      usage_error "--slurm needs $tool (Slurm's client commands; scripts/setup.sh installs slurm-wlm)"
  done
  if ! sb_out=$(sbatch --test-only "${sbatch_opts[@]}" --wrap=true 2>&1); then
    usage_error "sbatch --test-only refuses the job: $(grep -v '^ *$' <<<"$sb_out" | head -1)"
  fi
elif ((${#sbatch_opts[@]})); then
  usage_error "--sbatch-opt is for --slurm"
fi
cfgdir="$(cd "$cfgdir" && pwd)"
# Shutdown grace: how long past --duration a scenario may take to clean up
# before it is killed as a hang: max(30 s, 10% of the duration).
if [[ -z "$grace" ]]; then
  grace=$((dur_secs / 10))
  ((grace >= 30)) || grace=30
fi

# ---- Scenario list: N*NAME repeats, CFLIST expands to configs/CFLIST. ----
names=()
expanded=$(tl_expand_configs "$configs" "$cfgdir/CFLIST") ||
  { echo "torture.sh: no scenario list $cfgdir/CFLIST" >&2; exit 1; }
for n in $expanded; do
  if [[ "$n" == CFcommon || "$n" == CFLIST || "$n" == */* || ! -f "$cfgdir/$n" ]]; then
    echo "torture.sh: the --configs scenario '$n' does not exist (no file $cfgdir/$n)" >&2
    exit 1
  fi
  names+=("$n")
done
((${#names[@]})) || { echo "torture.sh: --configs names no scenario" >&2; exit 1; }

# Instance directories (NAME, NAME.2, ...) and the cores each needs: its
# nr_cpus (CFcommon, scenario, --bootargs, extra args; later wins), or the
# binary's default (every hardware thread).
declare -A seen=()
dirs=()
need_cpus=()
for n in "${names[@]}"; do
  seen[$n]=$(( ${seen[$n]:-0} + 1 ))
  if ((seen[$n] == 1)); then dirs+=("$n"); else dirs+=("$n.${seen[$n]}"); fi
  c=$(tl_nr_cpus "$cfgdir/CFcommon" "$cfgdir/$n" "${bootargs[*]:-}" "${extra[*]:-}")
  [[ -n "$c" && "$c" != 0 ]] || c=$(nproc)
  need_cpus+=("$c")
done

# ---- Batches: first fit by decreasing need into --cpus cores; a scenario
# needing more than --cpus runs alone. ----
mapfile -t order < <(for i in "${!dirs[@]}"; do echo "${need_cpus[$i]} $i"; done | sort -s -k1,1nr | cut -d' ' -f2)
batches=()   # each: space-separated instance indexes
room=()
for i in "${order[@]}"; do
  c=${need_cpus[$i]}
  placed=0
  if ((c <= cpus)); then
    for b in "${!batches[@]}"; do
      if ((room[b] >= c)); then
        batches[b]+=" $i"
        room[b]=$((room[b] - c))
        placed=1
        break
      fi
    done
  fi
  if ((!placed)); then
    batches+=("$i")
    r=$((cpus - c))
    ((r >= 0)) || r=0
    room+=("$r")
  fi
done

bin="$top/build/$preset/torture/rcutorture"
if [[ -n "$binary" ]]; then
  [[ "$binary" == /* ]] || binary="$caller_pwd/$binary"
  [[ -f "$binary" && -x "$binary" ]] || usage_error "--binary '$binary' is not an executable file"
  bin="$binary"
fi
[[ -n "$datestamp" ]] || datestamp="$(date +%Y.%m.%d-%H.%M.%S)"
case "$results" in /*) ;; *) results="$top/$results" ;; esac
rundir="$results/$datestamp"

# The exact command of instance I (into the array `cmd`); a --remote host
# runs the same (tl_scenario_cmd) with its own paths.
make_cmd() { tl_scenario_cmd "$bin" "$rundir/configs" "$rundir" "$1"; }

if ((dryrun)); then
  echo "Results directory: $rundir"
  echo "Total number of scenarios: ${#dirs[@]}, batches: ${#batches[@]} (--cpus $cpus), duration $duration, grace ${grace}s"
  for b in "${!batches[@]}"; do
    echo "Batch $((b + 1)):"
    for i in ${batches[b]}; do
      make_cmd "$i"
      printf '  %s (%s cpus%s): ' "${dirs[$i]}" "${need_cpus[$i]}" "$( ((need_cpus[i] > cpus)) && echo ', runs alone')"
      printf '%q ' "${cmd[@]}"
      echo
    done
  done
  if [[ -n "$remote" ]]; then
    echo "Remote: not in batches: one GNU parallel job per scenario over the ${#hostlines[@]} sshlogins of $remote"
    echo "  (probed first; up to $retries tries per scenario), each command above with its host's paths under /tmp/rcutorture-remote.*"
  fi
  if [[ -n "$slurm" ]]; then
    echo "Slurm: not in batches: one job array of ${#dirs[@]} tasks (sbatch${sbatch_opts[*]:+ ${sbatch_opts[*]}}), each command above with the paths under $rundir/slurm/"
  fi
  exit 0
fi

# ---- Results tree. ----
if [[ -e "$rundir" ]]; then
  echo "torture.sh: results directory $rundir already exists" >&2
  exit 1
fi
mkdir -p "$rundir" 2>/dev/null || { echo "torture.sh: cannot create results directory $rundir" >&2; exit 1; }
runlog="$rundir/log"
write_failed() { echo "torture.sh: cannot write $1 (disk full or not writable)" >&2; exit 1; }
say() { printf '%s\n' "$*" >>"$runlog" 2>/dev/null || true; progress_clear; printf '%s\n' "$*"; }
tty=0
[[ -t 1 ]] && tty=1
drawn=0
progress_clear() { if ((tty && drawn)); then printf '\033[J'; drawn=0; fi; }

{
  printf 'scripts/torture.sh'; printf ' %q' "${argv[@]}"; echo
  echo "Started $(date '+%Y-%m-%d %H:%M:%S %Z') on $(hostname)"
} >"$runlog" 2>/dev/null || write_failed "$runlog"
{
  echo "Current commit: $(git log -1 --format='%H %s' 2>/dev/null || echo '(not a git tree)')"
  echo "Host: $(hostname)"
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //') ($(nproc) online)"
  echo "Kernel: $(uname -srvm)"
  cc=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "build/$preset/CMakeCache.txt" 2>/dev/null)
  echo "Compiler: ${cc:-c++} $("${cc:-c++}" --version 2>/dev/null | head -1)"
  echo "Build preset: $preset"
  echo "Binary: $bin"
  echo "git status:"
  git status --short 2>/dev/null || echo "(not a git tree)"
  echo "git diff HEAD:"
  git diff HEAD 2>/dev/null || echo "(not a git tree)"
} >"$rundir/testid.txt" 2>/dev/null || write_failed "$rundir/testid.txt"
printf '%s\n' "${dirs[@]}" >"$rundir/scenarios" || write_failed "$rundir/scenarios"
# The scenario files as run (and CFcommon): cmd files point here, so a
# run stays replayable when configs/ changes.
mkdir -p "$rundir/configs" || write_failed "$rundir/configs"
[[ ! -f "$cfgdir/CFcommon" ]] || cp "$cfgdir/CFcommon" "$rundir/configs/" || write_failed "$rundir/configs/CFcommon"
for n in "${names[@]}"; do
  cp "$cfgdir/$n" "$rundir/configs/$n" || write_failed "$rundir/configs/$n"
done
for b in "${!batches[@]}"; do
  line=""
  for i in ${batches[b]}; do line+="${dirs[$i]} "; done
  echo "${line% }"
done >"$rundir/batches" || write_failed "$rundir/batches"
say "Results directory: $rundir"

# ---- Build once. ----
if ((trust)); then
  if [[ ! -x "$bin" ]]; then
    # Recorded as a build error (Make.out and the log's marker), as
    # recheck.sh and find-errors.sh read it.
    echo "torture.sh: --trust-build, but $bin was not built" >"$rundir/Make.out" 2>/dev/null ||
      write_failed "$rundir/Make.out"
    say "torture.sh: build error: --trust-build, but $bin was not built (see $rundir/Make.out)"
    exit 2
  fi
else
  say "Building $preset (scripts/setup.sh $preset:rcutorture; output in Make.out)"
  if ! scripts/setup.sh "$preset:rcutorture" >"$rundir/Make.out" 2>&1 || [[ ! -x "$bin" ]]; then
    tail -20 "$rundir/Make.out"
    say "torture.sh: build error (see $rundir/Make.out)"
    exit 2
  fi
fi
((buildonly)) && { say "Build-only run: $bin"; exit 0; }

# ---- Per-instance directories: cmd and the resolved config. A scenario
# the binary rejects is a configuration error, found before anything runs.
for i in "${!dirs[@]}"; do
  d="$rundir/${dirs[$i]}"
  mkdir -p "$d" || write_failed "$d"
  make_cmd "$i"
  # Runnable as is; arguments of `bash cmd ARGS` come last (and so win).
  # With --remote the host's own cmd (its paths) replaces it when the
  # results come back; cmd.local keeps this machine's.
  tl_print_cmd >"$d/cmd" || write_failed "$d/cmd"
  [[ -z "$remote$slurm" ]] || cp "$d/cmd" "$d/cmd.local" || write_failed "$d/cmd.local"
  if ! "${cmd[@]}" --print_params >"$d/config" 2>"$d/config.err"; then
    say "torture.sh: configuration error in ${dirs[$i]}: $(head -1 "$d/config.err")"
    exit 1
  fi
  rm -f "$d/config.err"
done

# ---- Run. ----
stop=0
diskfull=0   # the disk filled up: the run stops, exit 1
writefail=0  # some result file could not be written: exit 1
trap 'stop=1' INT TERM
# stop_asked: notes a STOP file; true once, for the first stop request
# (signal or STOP), so that the caller stops its scenarios exactly once.
stop_asked() {
  if ((!stop)) && [[ -e "$rundir/STOP" ]]; then stop=1; fi
  ((stop == 1)) || return 1
  stop=2
}
declare -A pid_of=() start_of=() size_of=() grow_of=() deadline_of=()
running=()
bad=0
# The disk counts as full below this much free space (KiB, df -Pk), while
# there is still room left for the verdicts, retval files and the log.
min_free_kb=1024

# write_error FILE MESSAGE: reports a failed write of FILE during the run
# by name; "No space left on device" in MESSAGE is a full disk, which stops
# the run as STOP does. Either way the run exits 1.
write_error() {
  local f="${1#"$rundir"/}" why
  why=$(grep -m1 -o '[^:]*$' <<<"$2" | sed 's/^ *//')
  writefail=1
  if [[ "$2" == *"No space left on device"* ]]; then
    say "torture.sh: disk full: cannot write $f$( ((stop)) || echo ': stopping the run')"
    diskfull=1
    ((stop)) || stop=1
  else
    say "torture.sh: cannot write $f${why:+: $why}"
  fi
}

# put FILE LINE: writes LINE to FILE (appends with put -a), reporting a
# failure with write_error.
put() {
  local append=0 err
  if [[ "$1" == -a ]]; then append=1; shift; fi
  if ((append)); then
    err=$( { printf '%s\n' "$2" >>"$1"; } 2>&1 ) || write_error "$1" "$err"
  else
    err=$( { printf '%s\n' "$2" >"$1"; } 2>&1 ) || write_error "$1" "$err"
  fi
}

# check_disk: a results device with less than min_free_kb KiB available
# is full: says so once and stops the run as STOP does.
check_disk() {
  local avail
  ((diskfull)) && return 0
  avail=$(df -Pk "$rundir" 2>/dev/null | awk 'NR == 2 { print $4 }')
  [[ "$avail" =~ ^[0-9]+$ ]] || return 0
  if ((avail < min_free_kb)); then
    say "torture.sh: disk full: ${avail} KiB free on the device of $rundir (below ${min_free_kb} KiB): stopping the run"
    diskfull=1
    writefail=1
    ((stop)) || stop=1
  fi
  return 0
}

# finish NAME RC: records the exit status of instance NAME, then analyses it.
finish() {
  put "$rundir/$1/retval" "$2"
  analyse "$1" "$2"
}

# analyse NAME RC: analyses the console.log of instance NAME, which exited
# with RC (parse-console.sh writes console.log.diags on errors), and
# prints its one-line result.
analyse() {
  local name="$1" rc="$2" d="$rundir/$1" s prc v
  s=$(scripts/parse-console.sh --quiet "$d/console.log" "$name" 2>&1)
  prc=$?
  ((prc == 0)) || bad=$((bad + 1))
  if [[ "$s" == *"parse-console.sh: cannot write"* ]]; then
    # Errors found, but the diags could not be written.
    write_error "$d/console.log.diags" "$(grep -m1 'parse-console.sh: cannot write' <<<"$s" | sed 's/; the findings above.*//')"
    s="errors found (console.log.diags not written)"
  else
    s=$(grep -m1 '^Summary: ' <<<"$s" || echo "$s")
  fi
  v=$(tl_verdict "$d")
  say "$(printf '%-12s %-11s exit %-3s %s' "$name" "$v" "$rc" "${s#Summary: "$name": }")"
}

# kill_hung NAME WHY: records the watchdog's kill of instance NAME in its
# Warnings file and kills it (SIGKILL).
kill_hung() {
  local name="$1" pid="${pid_of[$1]}"
  put -a "$rundir/$name/Warnings" "!!! PID $pid $2"
  say "torture.sh: $name: $2: killing PID $pid"
  kill -KILL "$pid" 2>/dev/null
}

# show_progress NOW: one status line per running instance.
show_progress() {
  local now="$1" name el ver lines=()
  for name in "${running[@]}"; do
    el=$((now - start_of[$name]))
    ver=$(tail -c 8192 "$rundir/$name/console.log" 2>/dev/null | grep -ao ' ver: [0-9]*' | tail -1)
    lines+=("$(printf '  %-12s running %ds of %ds%s%s' "$name" "$el" "$dur_secs" "${ver:+,$ver}" "$( ((stop)) && echo ', stopping')")")
  done
  draw_lines "${lines[@]}"
}

# progress_line: the run's totals as report.sh --progress counts them
# (done, running, queued, skipped, host-lost; elapsed and ETA), one line,
# recomputed at most every 30 s (report.sh reads every console: on a
# terminal the status lines are redrawn each second); nothing when
# report.sh is not beside us.
prog_at=0
prog_txt=""
progress_line() {
  local now
  now=$(date +%s)
  if ((now - prog_at >= 30)) && [[ -x scripts/report.sh ]]; then
    prog_at=$now
    prog_txt=$(scripts/report.sh --progress "$rundir" 2>/dev/null | awk '
      NR == 1 && match($0, /elapsed [^ ,]*/) { el = substr($0, RSTART, RLENGTH) }
      NR == 2 { sub(/^ +/, ""); tot = $0 }
      /^  ETA: / { sub(/^  ETA: /, ""); sub(/ [(].*[)]$/, ""); eta = $0 }
      END { if (tot != "") printf "Progress: %s; %s, ETA %s\n", tot, el, eta }')
  fi
  [[ -z "$prog_txt" ]] || echo "$prog_txt"
}

# draw_lines LINE...: status lines, redrawn in place on a terminal, else
# printed (and logged), after the totals line.
draw_lines() {
  local p
  p=$(progress_line)
  [[ -z "$p" ]] || set -- "$p" "$@"
  if ((tty)); then
    progress_clear
    printf '%s\033[K\n' "$@"
    printf '\033[%dA' "$#"
    drawn=1
  else
    printf '%s\n' "$@" | tee -a "$runlog" 2>/dev/null
  fi
}

# The engines for other machines (--remote, --slurm).
# shellcheck source=scripts/torture-engines.sh
source scripts/torture-engines.sh

last_progress=$(date +%s)
nskip=0
if [[ -n "$remote" ]]; then
  remote_run
  batches=()  # GNU parallel scheduled them: no local batch to run
elif [[ -n "$slurm" ]]; then
  slurm_run
  batches=()  # Slurm scheduled them
fi
for b in "${!batches[@]}"; do
  if ((!stop)) && [[ -e "$rundir/STOP" ]]; then stop=1; fi
  check_disk
  if ((stop)); then
    for i in ${batches[b]}; do
      d="$rundir/${dirs[$i]}"
      put "$d/skipped" "skipped: the run was stopped (STOP file, signal or full disk) before it started"
      say "$(printf '%-12s SKIPPED' "${dirs[$i]}")"
      nskip=$((nskip + 1))
    done
    continue
  fi
  say "Batch $((b + 1)) of ${#batches[@]}: $(sed -n "$((b + 1))p" "$rundir/batches") ($duration)"
  running=()
  for i in ${batches[b]}; do
    name="${dirs[$i]}"
    d="$rundir/$name"
    make_cmd "$i"
    "${cmd[@]}" >"$d/console.log" 2>&1 </dev/null &
    pid_of[$name]=$!
    start_of[$name]=$(date +%s)
    size_of[$name]=0
    grow_of[$name]=${start_of[$name]}
    deadline_of[$name]=$((start_of[$name] + dur_secs + grace))
    running+=("$name")
  done
  while ((${#running[@]})); do
    sleep 1
    now=$(date +%s)
    check_disk
    if stop_asked; then
      say "torture.sh: stopping the run: running scenarios get SIGTERM (they clean up and print their verdict), not-started ones are skipped"
      for name in "${running[@]}"; do
        kill -TERM "${pid_of[$name]}" 2>/dev/null
        ((deadline_of[$name] <= now + grace)) || deadline_of[$name]=$((now + grace))
      done
    fi
    still=()
    for name in "${running[@]}"; do
      pid=${pid_of[$name]}
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        finish "$name" "$?"
        continue
      fi
      sz=$(stat -c %s "$rundir/$name/console.log" 2>/dev/null || echo 0)
      if ((sz != size_of[$name])); then size_of[$name]=$sz; grow_of[$name]=$now; fi
      # The same watchdog runs on --remote hosts (torture-remote.sh).
      why=$(tl_hung_reason "$now" "${start_of[$name]}" "${deadline_of[$name]}" "${grow_of[$name]}" \
        "$(tl_silence_limit "$log_timeout" "$rundir/$name/config")" "$dur_secs" "$grace")
      [[ -z "$why" ]] || kill_hung "$name" "$why"
      still+=("$name")
    done
    running=("${still[@]}")
    if ((${#running[@]})) && { ((tty)) || ((now - last_progress >= progress_interval)); }; then
      show_progress "$now"
      last_progress=$now
    fi
  done
done
trap - INT TERM

# ---- Summary. ----
progress_clear
say ""
say " --- $(date '+%Y-%m-%d %H:%M:%S') Summary: $rundir"
say "$(printf '%-12s %-11s %-5s %s' scenario verdict exit 'GPs / findings')"
nruns=0
for i in "${!dirs[@]}"; do
  name="${dirs[$i]}"
  d="$rundir/$name"
  v=$(tl_verdict "$d")
  rc=-
  [[ ! -f "$d/retval" ]] || rc=$(head -c 16 "$d/retval")
  [[ "$v" == SKIPPED ]] || nruns=$((nruns + 1))
  say "$(printf '%-12s %-11s %-5s %s' "$name" "$v" "$rc" "$(tl_gps_line "$d" | sed 's/^[^ ]* ------- *//')")"
  if [[ -f "$d/console.log.diags" ]]; then
    say "$(printf '%-12s %-11s %-5s %s' '' '' '' "$(grep '^Summary: ' "$d/console.log.diags" | sed "s/^Summary: $name: //")")"
  fi
  # --remote, --slurm: which host ran it, and in how many attempts.
  if [[ -n "$remote$slurm" && "$v" != SKIPPED ]]; then
    if [[ -f "$d/lost" ]]; then
      say "$(printf '%-12s %-11s %-5s %s' '' '' '' "$(head -c 1024 "$d/lost")")"
    else
      before=$(remote_started "$name" | cut -d' ' -f2- | grep -vxF -- "${host_of[$name]:-}" | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g')
      sj=""
      [[ ! -f "$d/slurm" ]] || sj=", slurm $(head -c 100 "$d/slurm")"
      say "$(printf '%-12s %-11s %-5s %s' '' '' '' "host ${host_of[$name]:-?}$sj, attempts ${attempts_of[$name]:-?}${before:+ (before: $before)}")"
    fi
  fi
done
# A stopped run's exit code is that of the scenarios that ran.
((nskip == 0)) || say "$nskip scenarios skipped (the run was stopped)."
if ((diskfull)); then
  ((bad == 0)) || say "$bad runs with runtime errors (perhaps only logs truncated by the full disk)."
  say "torture.sh: disk full: the run was stopped; files written before are kept"
  code=1
elif ((writefail)); then
  ((bad == 0)) || say "$bad runs with runtime errors."
  say "torture.sh: some result files could not be written (see above)"
  code=1
elif ((bad || nlost)); then
  ((bad == 0)) || say "$bad runs with runtime errors."
  ((nlost == 0)) || say "$nlost scenarios lost with their hosts (host lost)."
  code=3
else
  say "No errors in $nruns runs."
  code=0
fi
say " --- Done at $(date '+%Y-%m-%d %H:%M:%S') exitcode $code"
exit "$code"

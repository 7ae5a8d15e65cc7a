#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# torture-remote.sh: the far side of `scripts/torture.sh --remote` and
# `--slurm`. Shipped in the run's tarball (as t/scripts/) and run by GNU
# parallel over ssh in the run's directory on each host
# (/tmp/rcutorture-remote.TAG), or by a Slurm array task in RUN/slurm; not
# meant to be run by hand.
#
#   bash t/scripts/torture-remote.sh probe ARCH
#   bash t/scripts/torture-remote.sh job DIR ATTEMPT
#   bash t/scripts/torture-remote.sh collect DIR...
#
# probe    prints `torture-remote: ok ARCH`, or `torture-remote: refused
#          REASON` when this host's `uname -m` is not ARCH (the build's) or
#          the shipped rcutorture cannot run here (a library its ldd does
#          not find, or `rcutorture --help` failing).
# job      runs instance DIR of the run (t/params: torture.sh's scenario
#          list and parameters) with the command torture.sh uses locally
#          (tl_scenario_cmd, with this host's paths) under the same watchdog
#          (tl_hung_reason), writing DIR/{host,attempt,cmd,config,
#          console.log,summary.json,Warnings,retval} (host: the sshlogin,
#          $PARALLEL_SSHLOGIN, or the Slurm node; under Slurm also DIR/slurm:
#          "job J task I"); prints `torture-remote: start DIR attempt N
#          on SSHLOGIN` and `torture-remote: end DIR exit RC`. SIGTERM (a
#          stopped run: GNU parallel's --termseq, sent when the ssh
#          connection goes) is passed on to rcutorture, which ends with its
#          verdict within the grace, then the watchdog kills it.
# collect  waits (at most the grace + 10 s) for the named jobs still running
#          here, then writes a gzipped tar of their directories to stdout:
#          what a stopped run brings back.
# Exit: 0 done (job: whatever rcutorture's exit status, which is in
# retval), 1 this host could not do it (GNU parallel then retries the job
# on another host), 64 bad usage.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t="$(dirname "$here")"   # the unpacked tarball
R="$(dirname "$t")"      # the run's directory on this host (GNU parallel's --wd)
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"

die() { echo "torture-remote: $*" >&2; exit 1; }
# The host: GNU parallel's sshlogin, or the Slurm node's name.
me="${PARALLEL_SSHLOGIN:-${SLURMD_NODENAME:-$(hostname)}}"
# The run (written by torture.sh with declare -p): the instances and the
# parameters their command lines are made of.
names=() dirs=() bootargs=() extra=() duration="" seed="" dur_secs=0 grace=30 log_timeout=""
if [[ "${1:-}" == job || "${1:-}" == collect ]]; then
  # shellcheck source=/dev/null
  source "$t/params" || die "no $t/params"
fi

probe() {
  local want="$1" arch missing out
  arch=$(uname -m)
  if [[ "$arch" != "$want" ]]; then
    echo "torture-remote: refused architecture $arch, the build is $want"
    return 0
  fi
  missing=$(ldd "$t/bin/rcutorture" "$t/bin/torture_module.so" 2>/dev/null |
    sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
  if [[ -n "$missing" ]]; then
    echo "torture-remote: refused missing libraries: ${missing% } (ldd of the shipped rcutorture)"
    return 0
  fi
  if ! out=$("$t/bin/rcutorture" --help 2>&1 >/dev/null); then
    echo "torture-remote: refused the shipped rcutorture --help fails: $(head -1 <<<"$out")"
    return 0
  fi
  echo "torture-remote: ok $arch"
}

job() {
  local dir="$1" attempt="$2" i idx=-1 d pid rc now start deadline grown size sz lt why stopping=0
  for i in "${!dirs[@]}"; do [[ "${dirs[$i]}" == "$dir" ]] && idx=$i; done
  ((idx >= 0)) || die "no instance '$dir' in this run"
  d="$R/$dir"
  rm -rf "$d" && mkdir -p "$d" || die "cannot create $d"
  echo "$me" >"$d/host" && echo "$attempt" >"$d/attempt" || die "cannot write in $d"
  if [[ -n "${SLURM_ARRAY_JOB_ID:-}" ]]; then
    echo "job ${SLURM_ARRAY_JOB_ID} task ${SLURM_ARRAY_TASK_ID:-?}" >"$d/slurm" || die "cannot write in $d"
  fi
  echo "torture-remote: start $dir attempt $attempt on $me"
  tl_scenario_cmd "$t/bin/rcutorture" "$t/configs" "$R" "$idx"
  tl_print_cmd >"$d/cmd"
  "${cmd[@]}" --print_params >"$d/config" 2>"$d/config.err" && rm -f "$d/config.err"
  # A stopped run: GNU parallel's --termseq sends SIGTERM to this job's
  # process group (rcutorture too) when its ssh connection goes away; the
  # lines printed after that have no reader.
  trap 'stopping=1' TERM INT HUP
  echo $$ >"$d/.running"
  "${cmd[@]}" >"$d/console.log" 2>&1 </dev/null &
  pid=$!
  trap '' PIPE
  start=$(date +%s)
  grown=$start
  size=0
  deadline=$((start + dur_secs + grace))
  lt=$(tl_silence_limit "$log_timeout" "$d/config")
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    now=$(date +%s)
    if ((stopping == 1)); then
      stopping=2
      kill -TERM "$pid" 2>/dev/null
      ((deadline <= now + grace)) || deadline=$((now + grace))
    fi
    sz=$(stat -c %s "$d/console.log" 2>/dev/null || echo 0)
    if ((sz != size)); then size=$sz; grown=$now; fi
    why=$(tl_hung_reason "$now" "$start" "$deadline" "$grown" "$lt" "$dur_secs" "$grace")
    if [[ -n "$why" ]] && kill -0 "$pid" 2>/dev/null; then
      echo "!!! PID $pid $why" >>"$d/Warnings"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  while :; do
    wait "$pid"
    rc=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  echo "$rc" >"$d/retval" || die "cannot write $d/retval"
  rm -f "$d/.running"
  echo "torture-remote: end $dir exit $rc" 2>/dev/null
  return 0
}

collect() {
  local d p busy end have=()
  end=$(($(date +%s) + grace + 10))
  while :; do
    busy=0
    for d in "$@"; do
      p=$(cat "$R/$d/.running" 2>/dev/null) || continue
      kill -0 "$p" 2>/dev/null && busy=1
    done
    ((busy && $(date +%s) < end)) || break
    sleep 1
  done
  for d in "$@"; do [[ -d "$R/$d" ]] && have+=("$d"); done
  ((${#have[@]} == 0)) || tar czf - -C "$R" --exclude=.running -- "${have[@]}"
}

case "${1:-}" in
  probe) [[ $# == 2 ]] || { echo "torture-remote: usage: probe ARCH" >&2; exit 64; }; probe "$2" ;;
  job) [[ $# == 3 ]] || { echo "torture-remote: usage: job DIR ATTEMPT" >&2; exit 64; }; job "$2" "$3" ;;
  collect) shift; collect "$@" ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) echo "torture-remote: usage: torture-remote.sh probe ARCH | job DIR ATTEMPT | collect DIR..." >&2; exit 64 ;;
esac

# SPDX-License-Identifier: Apache-2.0
# torture-lib.sh: helpers shared by torture.sh, recheck.sh, again.sh and
# bisect.sh (sourced, not run).
# shellcheck shell=bash

# tl_duration_secs SPEC: prints SPEC (N, Ns, Nm, Nh or Nd; plain N is
# seconds, as rcutorture's --duration) in seconds; returns 1 if malformed.
tl_duration_secs() {
  local s="$1" n mult=1
  [[ "$s" =~ ^([0-9]+)([smhd]?)$ ]] || return 1
  n="${BASH_REMATCH[1]}"
  case "${BASH_REMATCH[2]}" in
    m) mult=60 ;;
    h) mult=3600 ;;
    d) mult=86400 ;;
  esac
  echo $((10#$n * mult))
}

# tl_nr_cpus TOKEN...: the last nr_cpus setting among scenario tokens and
# files (arguments naming readable files are read, '#' comments skipped);
# empty when none sets it.
tl_nr_cpus() {
  local a tok v=""
  for a in "$@"; do
    if [[ -f "$a" ]]; then
      while read -r -a toks; do
        for tok in "${toks[@]}"; do
          [[ "$tok" == \#* ]] && break
          [[ "$tok" =~ ^(--|rcutree\.)?nr_cpus=([0-9]+)$ ]] && v="${BASH_REMATCH[2]}"
        done
      done <"$a"
    else
      for tok in $a; do
        [[ "$tok" =~ ^(--|rcutree\.)?nr_cpus=([0-9]+)$ ]] && v="${BASH_REMATCH[2]}"
      done
    fi
  done
  echo "$v"
}

# tl_scenario_cmd BIN CONFIGS_DIR RUN_DIR I: sets the array `cmd` to the
# exact rcutorture command of instance I of a torture.sh run: BIN, scenario
# names[I] from CONFIGS_DIR, the globals bootargs (an array of
# whitespace-separated parameter lists), extra (an array), duration, the
# JSON summary in RUN_DIR/dirs[I], and --seed=seed+I when seed is set. The
# one definition of a scenario's command line: torture.sh runs it here,
# torture-remote.sh on a --remote host (with that host's paths).
# shellcheck disable=SC2154  # the globals are the caller's
tl_scenario_cmd() {
  local a
  cmd=("$1" "--config=$2/${names[$4]}")
  for a in "${bootargs[@]}"; do
    # shellcheck disable=SC2206  # bootargs are whitespace-separated tokens
    cmd+=($a)
  done
  cmd+=("${extra[@]}" "--duration=$duration" "--json=$3/${dirs[$4]}/summary.json")
  [[ -z "$seed" ]] || cmd+=("--seed=$((seed + $4))")
}

# tl_print_cmd: the array `cmd` as the runnable text of a `cmd` file
# (arguments of `bash cmd ARGS` come last, and so win).
tl_print_cmd() {
  printf '%q ' "${cmd[@]}"
  # shellcheck disable=SC2016  # "$@" is for the cmd file
  echo '"$@"'
}

# tl_silence_limit LOG_TIMEOUT CONFIG: a scenario's console silence limit
# in seconds: LOG_TIMEOUT when set, else two stats intervals plus 60 s from
# its resolved CONFIG; 0 (none) when it prints final stats only
# (stat_interval=0).
tl_silence_limit() {
  local si
  if [[ -n "$1" ]]; then echo "$1"; return; fi
  si=$(sed -n 's/^rcutorture\.stat_interval=//p' "$2" 2>/dev/null)
  if [[ "${si:-0}" -gt 0 ]]; then echo $((2 * si + 60)); else echo 0; fi
}

# tl_hung_reason NOW START DEADLINE GROWN LIMIT DUR_SECS GRACE: the
# watchdog's look at a running scenario (times in epoch seconds): prints
# why it is hung (past DEADLINE, or console.log not grown since GROWN for
# more than LIMIT s, 0 = no limit), or nothing.
tl_hung_reason() {
  local now="$1" start="$2" deadline="$3" grown="$4" lt="$5"
  if ((now > deadline)); then
    echo "hung at $((now - start)) vs. $6 seconds (grace ${7}s)"
  elif ((lt > 0 && now - grown > lt)); then
    echo "console.log silent for $((now - grown)) s (limit ${lt}s) at $((now - start)) s: hung"
  fi
}

# tl_expand_configs SPEC CFLIST_FILE: the scenario names of a --configs
# SPEC, one per line, in order: "N*NAME" repeats NAME N times, "CFLIST"
# expands to the names listed in CFLIST_FILE ('#' comments skipped). Names
# are not checked. Returns 1 (printing nothing) when SPEC uses CFLIST and
# CFLIST_FILE is not readable.
tl_expand_configs() {
  local tok rep i n line list out=()
  for tok in $1; do
    rep=1
    if [[ "$tok" =~ ^([0-9]{1,4})\*(.+)$ ]]; then
      rep=$((10#${BASH_REMATCH[1]}))
      tok="${BASH_REMATCH[2]}"
    fi
    list=("$tok")
    if [[ "$tok" == CFLIST ]]; then
      [[ -f "$2" && -r "$2" ]] || return 1
      list=()
      while read -r line; do
        line="${line%%#*}"
        for n in $line; do list+=("$n"); done
      done <"$2"
    fi
    for n in "${list[@]}"; do
      for ((i = 0; i < rep; i++)); do out+=("$n"); done
    done
  done
  ((${#out[@]} == 0)) || printf '%s\n' "${out[@]}"
}

# tl_verdict DIR: SUCCESS, FAILURE, RCU_HOTPLUG (the End of test line),
# HANG (killed by the runner's watchdog), NO-VERDICT (died), SKIPPED (never
# started), HOST-LOST (torture.sh --remote: every attempt lost with its
# host; the `lost` file) or NOT-RUN.
tl_verdict() {
  local d="$1" v
  if [[ -f "$d/skipped" ]]; then echo SKIPPED; return; fi
  if [[ -f "$d/lost" ]]; then echo HOST-LOST; return; fi
  if [[ ! -f "$d/console.log" ]]; then echo NOT-RUN; return; fi
  v=$(grep -a -- 'End of test: ' "$d/console.log" | tail -1 | sed -E 's/.*End of test: ([A-Z_]+).*/\1/')
  if [[ -n "$v" ]]; then echo "$v"; return; fi
  if [[ -f "$d/Warnings" ]] && grep -q 'hung\|silent for' "$d/Warnings"; then echo HANG; return; fi
  echo NO-VERDICT
}

# tl_gps_line DIR: the per-scenario line of the kernel's kvm-recheck-rcu:
#   NAME ------- 162625 GPs (30.1/s) [rcu: g1124169 f0x0 total-gps=N] cbs: Q/I n_max_cbs: N
# (GPs = the writer's final ver; rate over shutdown_secs; the End-test
# grace-period state; callbacks queued/invoked from the flavour's stats
# line; the largest forward-progress flood).
tl_gps_line() {
  local d="$1" name log
  name="${d%/}"
  name="${name##*/}"
  log="$d/console.log"
  if [[ -f "$d/skipped" ]]; then echo "$name ------- (not started)"; return; fi
  [[ -f "$log" ]] || { echo "$name ------- (no console.log)"; return; }
  # The measured run time when the JSON summary has it (a stopped run).
  local secs=""
  if [[ -f "$d/summary.json" ]]; then
    secs=$(sed -n 's/^  "duration_s": \([0-9]*\).*/\1/p' "$d/summary.json" 2>/dev/null)
  fi
  awk -v name="$name" -v secs="${secs:-0}" '
    { sub(/^\[ *[0-9]+\.[0-9]+\] /, "") }
    / [vV][eE][rR]: [0-9]+/ { v = $0; sub(/.* [vV][eE][rR]: /, "", v); sub(/ .*/, "", v); ver = v }
    /--- Start of test:/ && match($0, / shutdown_secs=[0-9]+/) { dur = substr($0, RSTART + 15, RLENGTH - 15) + 0 }
    /End-test grace-period state: / { s = $0; sub(/.*End-test grace-period state: /, "", s); stop = s; fl = $1 }
    /cbs queued\/invoked: [0-9]+\/[0-9]+/ { match($0, /cbs queued\/invoked: [0-9]+\/[0-9]+/); cbs = substr($0, RSTART + 20, RLENGTH - 20) }
    /rcu_torture_fwd_prog_cr Duration/ && match($0, /n_max_cbs: [0-9]+/) {
      n = substr($0, RSTART + 11, RLENGTH - 11) + 0; if (n > maxcbs) maxcbs = n
    }
    END {
      if (secs + 0 > 0) dur = secs + 0
      line = name " -------"
      if (ver != "") line = line " " ver " GPs" (dur > 0 ? sprintf(" (%.4g/s)", ver / dur) : "")
      if (stop != "") line = line " [" fl " " stop "]"
      if (cbs != "") line = line " cbs: " cbs
      if (maxcbs > 0) line = line " n_max_cbs: " maxcbs
      print line
    }' "$log"
}

# tl_scenario_dirs RUNDIR: the scenario directories of a run, in name order.
tl_scenario_dirs() {
  local d
  for d in "$1"/*/; do
    d="${d%/}"
    [[ -f "$d/cmd" || -f "$d/skipped" ]] && echo "$d"
  done
  return 0
}

# tl_json_str S: S as a JSON string literal (quoted; \, " and control
# characters escaped).
tl_json_str() {
  local s="$1" esc="" c i o
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      \\) esc+="\\\\" ;;
      \") esc+="\\\"" ;;
      $'\n') esc+="\\n" ;;
      $'\t') esc+="\\t" ;;
      $'\r') esc+="\\r" ;;
      *)
        printf -v o '%d' "'$c"
        if ((o >= 0 && o < 32)); then printf -v c '\\u%04x' "$o"; fi
        esc+="$c" ;;
    esac
  done
  printf '"%s"' "$esc"
}

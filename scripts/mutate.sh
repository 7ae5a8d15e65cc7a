#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mutate.sh: mutation testing of rcu/ with rcutorture.
#
#   scripts/mutate.sh [--mutants=LIST|all] [--scenarios=LIST] [--budget=SECONDS]
#                     [--json=FILE] [--keep-going] [--preset=P] [--baseline]
#                     [--mutants-dir=DIR] [--rev=REV] [--list] [--help]
#
# Each mutant (a unified diff in mutants/, see mutants/README.md) is applied
# to a scratch copy of the tree, never to the tree itself: the files git
# knows (tracked, plus untracked ones not ignored) are copied to
# ${RCU_MUTATE_DIR:-${XDG_CACHE_HOME:-~/.cache}/rcutorture-mutate}/src
# (only the files whose content changed, so that the persistent scratch
# build in build/ (build-P for another preset) recompiles only what the
# mutant touches). A mutant whose patch does not apply exactly (patch
# --dry-run, no fuzz) is "stale"; one that does not compile "build-failed".
# Otherwise rcutorture runs the scenarios (--config=configs/NAME plus the
# mutation overrides below and the scenario's own), timestamping each
# console line as it arrives, until the first symptom ("killed") or until
# the budget is spent ("survived"). The schedule: a short first pass over
# every scenario (min(20 s, budget/(2 x scenarios)) each), then the rest of
# the budget split evenly over a second pass. The mutant is reverted after
# its runs. Symptoms, first seen wins:
#   reader-pipe   a Reader Pipe bucket >= 2, a rtort_pipe_count WARNING, rtmbe > 0
#   reader-batch  a Reader Batch bucket >= 2
#   barrier       rtbe > 0, barrier: s/a:e with e > 0, a "!!!" barrier line
#   cookie        "Cookie check N failed"
#   stall         an RCU CPU stall warning in a run that induced none
#   watchdog      "!!! Watchdog" hang diagnostics, exit 2, or a run hung past
#                 its duration + watchdog_secs + 20 s (killed here)
#   crash         a signal exit, "*** SIGSEGV received" (any signal name), terminate, Check failed
#   sanitizer     an ASan/UBSan/TSan/LSan report (with --preset=asan|tsan)
#   other         any other "!!!" or WARNING line, FAILURE or RCU_HOTPLUG
#                 verdict, exit 4 (WARNINGS)
#
#   --mutants=LIST      comma-separated names (NN-class-short, with or without
#                       .patch, or just NN) or globs; "all" (default)
#   --scenarios=LIST    comma-separated NAME[:param=value...] (configs/NAME; a
#                       param without a dot is passed as --param=value);
#                       default: the list below (default_scenarios)
#   --budget=SECONDS    run time per mutant, split over the scenarios (300)
#   --json=FILE         also write the results as JSON
#   --keep-going        go on after a mutant that is not killed (survived,
#                       stale, build-failed); without it the run stops there
#   --preset=P          scratch build preset: release (default), debug, asan, tsan
#   --baseline          first run the scenarios on the unmutated tree: it must
#                       show no symptom (else the run stops, exit 1)
#   --mutants-dir=DIR   the catalogue (default: mutants/ of this tree)
#   --rev=REV           mutate the files of git commit REV (git archive)
#                       instead of the work tree's current content
#   --list              print the catalogue (name, class, expected symptom,
#                       why) and exit
# Stop: Ctrl-C (SIGINT/SIGTERM), or a file named STOP in the scratch dir:
# the current run is killed, the mutant reverted, the partial summary
# printed. Exit: 0 every selected mutant killed (a survivor whose catalogue
# entry argues it is equivalent counts as fine), 1 otherwise (also when
# stopped, or the unmutated scratch tree does not build), 64 bad usage.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/.." && pwd)"
# shellcheck source=scripts/torture-lib.sh
source "$here/torture-lib.sh"

usage_error() { echo "mutate.sh: $*" >&2; exit 64; }
die() { echo "mutate.sh: $*" >&2; exit 1; }

# The default scenario list (see torture/README.md, "Mutation testing"):
# short first, each shape exercising a different mechanism.
default_scenarios="TREE05,SRCU-P,TREE04,TREE09,NOCB,LIES,TREE01:reader_mode=fences,SRCU-D"
# Overrides for every mutation run: stats every second (Reader Pipe, rtbe
# seen within a second), short stutter, a watchdog bound of 20 s.
mutation_overrides=(--stat_interval=1 --stutter=2 --watchdog_secs=20)

mutants_arg=all
scenarios_arg="$default_scenarios"
budget=300
json=""
keep_going=0
preset=release
baseline=0
want_list=0
mdir="$top/mutants"
rev=""
while (($#)); do
  a="$1"
  shift
  case "$a" in
    --mutants=*) mutants_arg="${a#*=}" ;;
    --scenarios=*) scenarios_arg="${a#*=}" ;;
    --budget=*) budget="${a#*=}" ;;
    --json=*) json="${a#*=}" ;;
    --preset=*) preset="${a#*=}" ;;
    --mutants-dir=*) mdir="${a#*=}" ;;
    --rev=*) rev="${a#*=}" ;;
    --mutants|--scenarios|--budget|--json|--preset|--mutants-dir|--rev)
      (($#)) || usage_error "$a needs a value"
      set -- "$a=$1" "${@:2}" ;;
    --keep-going) keep_going=1 ;;
    --baseline) baseline=1 ;;
    --list) want_list=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown option '$a' (see --help)" ;;
  esac
done
[[ "$budget" =~ ^[0-9]+$ ]] && ((10#$budget >= 5)) || usage_error "bad --budget '$budget' (want seconds >= 5)"
budget=$((10#$budget))
case "$preset" in release|debug|asan|tsan) ;; *) usage_error "bad --preset '$preset' (release, debug, asan or tsan)" ;; esac
[[ -n "$mutants_arg" ]] || usage_error "bad --mutants '' (names, globs or all)"
if [[ -n "$rev" ]]; then
  git -C "$top" rev-parse -q --verify "$rev^{commit}" >/dev/null 2>&1 || usage_error "bad --rev '$rev' (not a commit)"
fi
[[ -d "$mdir" ]] || usage_error "bad --mutants-dir '$mdir' (no such directory)"
mdir="$(cd "$mdir" && pwd)"

# ---- The catalogue. ----
# hdr FILE KEY: the value of the header line "# KEY: value" (first one).
hdr() { sed -n "/^---/q; s/^# $2: \{0,1\}//p" "$1" | head -1; }

all_patches=()
while IFS= read -r f; do all_patches+=("$f"); done < <(find "$mdir" -maxdepth 1 -name '*.patch' | sort)

if ((want_list)); then
  printf '%-36s %-18s %-13s %s\n' mutant class expect why
  for f in "${all_patches[@]}"; do
    n="$(basename "$f" .patch)"
    e="$(hdr "$f" expect)"
    eq="$(hdr "$f" equivalent)"
    printf '%-36s %-18s %-13s %s%s\n' "$n" "$(hdr "$f" class)" "${e:--}" "$(hdr "$f" why)" "${eq:+ [equivalent: $eq]}"
  done
  echo "${#all_patches[@]} mutants in $mdir"
  exit 0
fi

selected=()
IFS=',' read -r -a want <<<"$mutants_arg"
for w in "${want[@]}"; do
  w="${w// /}"
  [[ -n "$w" ]] || continue
  w="${w%.patch}"
  hit=0
  for f in "${all_patches[@]}"; do
    n="$(basename "$f" .patch)"
    # shellcheck disable=SC2053  # $w is a glob on purpose
    if [[ "$w" == all || "$n" == $w || "${n%%-*}" == "$w" ]]; then
      local_dup=0
      for s in "${selected[@]+"${selected[@]}"}"; do [[ "$s" == "$f" ]] && local_dup=1; done
      ((local_dup)) || selected+=("$f")
      hit=1
    fi
  done
  ((hit)) || usage_error "bad --mutants: no mutant matches '$w' (see --list)"
done
((${#selected[@]})) || usage_error "bad --mutants '$mutants_arg': nothing selected"

# ---- Scenarios: NAME[:param=value...]. ----
scen_names=()
scen_args=()   # one string of extra arguments per scenario, space-separated
IFS=',' read -r -a specs <<<"$scenarios_arg"
for sp in "${specs[@]}"; do
  sp="${sp// /}"
  [[ -n "$sp" ]] || continue
  IFS=':' read -r -a parts <<<"$sp"
  name="${parts[0]}"
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ && -f "$top/configs/$name" && "$name" != CFcommon && "$name" != CFLIST ]] ||
    usage_error "bad --scenarios: unknown scenario '$name' (not in configs/)"
  extra=""
  for p in "${parts[@]:1}"; do
    [[ "$p" =~ ^(--)?[A-Za-z_][A-Za-z0-9_.]*=[^[:space:]]*$ ]] || usage_error "bad --scenarios: bad parameter '$p' in '$sp' (want param=value)"
    if [[ "$p" == --* || "$p" == *.*=* ]]; then extra+=" $p"; else extra+=" --$p"; fi
  done
  scen_names+=("$name")
  scen_args+=("$extra")
done
((${#scen_names[@]})) || usage_error "bad --scenarios '$scenarios_arg': no scenario"
if [[ -n "$json" ]]; then
  jd="$(dirname "$json")"
  [[ -d "$jd" && -w "$jd" ]] || usage_error "bad --json '$json' (directory not writable)"
fi

# ---- The scratch directory. ----
dir="${RCU_MUTATE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rcutorture-mutate}"
mkdir -p "$dir" || die "cannot create the scratch directory $dir"
dir="$(cd "$dir" && pwd)"
case "$dir/" in "$top"/*) die "the scratch directory $dir is inside the tree $top" ;; esac
src="$dir/src"
if [[ "$preset" == release ]]; then build="$dir/build"; else build="$dir/build-$preset"; fi
bin="$build/torture/rcutorture"
exec {lockfd}>"$dir/lock"
flock -n "$lockfd" || die "another mutate.sh is using $dir"
if [[ -e "$dir/STOP" ]]; then rm -f "$dir/STOP"; echo "mutate.sh: removed a stale $dir/STOP"; fi
mkdir -p "$src" "$dir/logs"

now_us() { local t="${EPOCHREALTIME/./}"; echo "$((10#$t))"; }
# secs US: microseconds as seconds with one decimal.
secs() { printf '%d.%d' "$(($1 / 1000000))" "$((($1 % 1000000) / 100000))"; }
ts() { date '+%H:%M:%S'; }
say() { echo "[$(ts)] $*"; }

# sync_tree: makes src/ the tree's current content. A file is copied only
# when its content differs; the first copy keeps the tree's mtimes, an
# update gets a fresh one (so that whatever was built from a mutant, or
# from an older version, is rebuilt).
sync_tree() {
  local f n_new=0 n_upd=0 n_del=0 manifest_new="$dir/manifest.new" mark="$dir/synced" new=() from="$top"
  if [[ -n "$rev" ]]; then
    # The commit's files, extracted afresh (git archive reads the object
    # store only); compared by content below like the work tree's.
    from="$dir/rev"
    rm -rf "$from"
    mkdir -p "$from"
    git -C "$top" archive --format=tar "$rev" | tar -x -C "$from" || die "git archive $rev failed"
    (cd "$from" && find . -type f -printf '%P\0') >"$manifest_new"
  else
    (cd "$top" && git ls-files -z --cached --others --exclude-standard) >"$manifest_new" || die "git ls-files failed in $top"
  fi
  [[ -n "$rev" || ! -f "$mark" || ! -f "$dir/manifest" ]] && mark=""
  touch "$dir/synced.new"
  while IFS= read -r -d '' f; do
    [[ -f "$from/$f" ]] || continue  # deleted in the work tree, not yet in git
    if [[ ! -e "$src/$f" ]]; then
      new+=("$f")
      n_new=$((n_new + 1))
    elif [[ -n "$mark" && ! "$from/$f" -nt "$mark" && ! "$src/$f" -nt "$mark" ]]; then
      continue  # neither side changed since the last sync
    elif ! cmp -s "$from/$f" "$src/$f"; then
      cp "$from/$f" "$src/$f.mutate-tmp" && mv -f "$src/$f.mutate-tmp" "$src/$f"
      n_upd=$((n_upd + 1))
    fi
  done <"$manifest_new"
  if ((${#new[@]})); then
    (cd "$from" && printf '%s\0' "${new[@]}" | xargs -0 cp -p --parents -t "$src") || die "cannot copy the tree to $src"
  fi
  if [[ -f "$dir/manifest" ]]; then
    while IFS= read -r -d '' f; do
      if [[ -e "$src/$f" && ! -f "$from/$f" ]]; then rm -f "$src/$f"; n_del=$((n_del + 1)); fi
    done <"$dir/manifest"
  fi
  mv -f "$manifest_new" "$dir/manifest"
  if [[ -n "$rev" ]]; then
    # src/ now holds a commit's files, whatever their mtimes in the work
    # tree: the next work-tree sync must compare every file.
    rm -f "$dir/synced.new" "$dir/synced"
  else
    mv -f "$dir/synced.new" "$dir/synced"
  fi
  srcroot="$from"
  ((n_new + n_upd + n_del == 0)) || say "scratch copy: $n_new new, $n_upd updated, $n_del removed files"
}

# patch_files PATCH: the files a patch changes (its +++ lines, b/ stripped).
patch_files() { sed -n 's,^+++ [ab]/\([^[:space:]]*\).*,\1,p' "$1"; }

applied=""   # the mutant currently applied to src/
srcroot="$top"  # where sync_tree() copied src/ from
revert() {
  [[ -n "$applied" ]] || return 0
  local f
  if ! patch -d "$src" -p1 -R -F0 -s --no-backup-if-mismatch -r - -i "$applied" >/dev/null 2>&1; then
    # Cannot happen unless src/ was edited meanwhile: take the tree's copy.
    while IFS= read -r f; do cp "$srcroot/$f" "$src/$f"; done < <(patch_files "$applied")
  fi
  # A fresh mtime either way: the next build recompiles the reverted files.
  while IFS= read -r f; do touch "$src/$f"; done < <(patch_files "$applied")
  applied=""
  rm -f "$dir/applied"
}

stop=0
cur_pid=""
build_pid=""
# shellcheck disable=SC2317  # invoked by the traps below
on_signal() {
  stop=1
  [[ -z "$cur_pid" ]] || kill -KILL -- "-$cur_pid" 2>/dev/null || kill -KILL "$cur_pid" 2>/dev/null || true
  [[ -z "$build_pid" ]] || kill -TERM "$build_pid" 2>/dev/null || true
}
# shellcheck disable=SC2317
on_exit() {
  [[ -z "$cur_pid" ]] || kill -KILL -- "-$cur_pid" 2>/dev/null || kill -KILL "$cur_pid" 2>/dev/null || true
  [[ -z "$build_pid" ]] || kill -TERM "$build_pid" 2>/dev/null || true
  revert
}
trap on_signal INT TERM
trap on_exit EXIT
check_stop() {
  if ((!stop)) && [[ -e "$dir/STOP" ]]; then
    stop=1
    rm -f "$dir/STOP"
    say "STOP file found: stopping"
  fi
  ((stop))
}

# build_scratch LOG: builds rcutorture in the scratch build; 0 on success.
build_scratch() {
  local log="$1" rc=0
  if [[ ! -f "$build/build.ninja" ]]; then
    (cd "$src" && cmake --preset "$preset" -B "$build") >"$log" 2>&1 || return 1
  fi
  cmake --build "$build" --target rcutorture >>"$log" 2>&1 &
  build_pid=$!
  while kill -0 "$build_pid" 2>/dev/null; do
    if check_stop; then kill -TERM "$build_pid" 2>/dev/null || true; fi
    sleep 1
  done
  wait "$build_pid" || rc=$?
  build_pid=""
  ((stop)) && return 2
  return "$rc"
}

# ---- One rcutorture run. ----
# run_one SCEN_INDEX DURATION LOG: runs a scenario, watching its console.
# Sets r_symptom ("" when clean), r_detail, r_t_us (time of the symptom
# from the start of the run, or the run's length) and r_rc.
r_symptom=""
r_detail=""
r_t_us=0
r_rc=0
stall_expected=0
# classify LINE: sets r_symptom/r_detail when LINE shows a symptom.
classify() {
  local l="$1" i n
  local -a c
  case "$l" in
    *"Start of test:"*)
      if [[ "$l" =~ \ stall_cpu=([0-9]+) ]] && ((10#${BASH_REMATCH[1]} > 0)); then stall_expected=1; fi
      if [[ "$l" =~ \ stall_gp_kthread=([0-9]+) ]] && ((10#${BASH_REMATCH[1]} > 0)); then stall_expected=1; fi ;;
    *"Reader Pipe:"*|*"Reader Batch:"*)
      read -r -a c <<<"${l##*:}"
      for ((i = 2; i < ${#c[@]}; i++)); do
        n="${c[i]}"
        [[ "$n" =~ ^[0-9]+$ ]] || continue
        if ((10#$n > 0)); then
          if [[ "$l" == *"Reader Pipe:"* ]]; then r_symptom=reader-pipe; else r_symptom=reader-batch; fi
          r_detail="${l#*torture: }"
          return
        fi
      done ;;
    *rtort_pipe_count*) r_symptom=reader-pipe; r_detail="${l#*torture: }" ;;
    *"Cookie check "*" failed"*) r_symptom=cookie; r_detail="${l#*torture: }" ;;
    *"detected stalls on CPUs/tasks"*|*"detected expedited stalls"*|*"self-detected stall"*|*"kthread starved for"*)
      ((stall_expected)) || { r_symptom=stall; r_detail="$l"; } ;;
    *"rcu_check_gp_start_stall"*|*"Writer stall:"*) r_symptom=stall; r_detail="${l#*torture: }" ;;
    *"!!! Watchdog"*|*"!!!Watchdog"*) r_symptom=watchdog; r_detail="${l#*!!!}" ;;
    *"*** SIG"*" received"*|*"terminate called"*|*"Check failed"*) r_symptom=crash; r_detail="$l" ;;
    *AddressSanitizer*|*ThreadSanitizer*|*LeakSanitizer*|*"runtime error:"*) r_symptom=sanitizer; r_detail="$l" ;;
    *"!!!"*barrier*) r_symptom=barrier; r_detail="${l#*torture:}" ;;
    *"!!!"*|WARNING:*) r_symptom=other; r_detail="${l#*torture:}" ;;
  esac
  [[ -z "$r_symptom" ]] || return 0
  # The stats line's counters.
  if [[ "$l" =~ \ rtmbe:\ ([0-9]+) ]] && ((10#${BASH_REMATCH[1]} > 0)); then
    r_symptom=reader-pipe; r_detail="rtmbe: ${BASH_REMATCH[1]} (a reader saw a freed element)"
  elif [[ "$l" =~ \ rtbe:\ ([0-9]+) ]] && ((10#${BASH_REMATCH[1]} > 0)); then
    r_symptom=barrier; r_detail="rtbe: ${BASH_REMATCH[1]}"
  elif [[ "$l" =~ \ barrier:\ [0-9]+/[0-9]+:([0-9]+) ]] && ((10#${BASH_REMATCH[1]} > 0)); then
    r_symptom=barrier; r_detail="barrier: errors ${BASH_REMATCH[1]}"
  fi
}

run_one() {
  local i="$1" d="$2" log="$3" t0 now fd line chunk st buf="" limit wd=20 verdict="" a
  local -a args
  r_symptom=""; r_detail=""; r_t_us=0; r_rc=0; stall_expected=0
  # shellcheck disable=SC2206  # the extra arguments are space-separated tokens
  args=(--config="$src/configs/${scen_names[i]}" "${mutation_overrides[@]}" ${scen_args[i]} --duration="${d}s")
  for a in "${args[@]}"; do [[ "$a" =~ ^--watchdog_secs=([0-9]+)$ ]] && wd=$((10#${BASH_REMATCH[1]})); done
  limit=$(((d + wd + 20) * 1000000))
  rm -f "$dir/run.fifo"
  mkfifo "$dir/run.fifo"
  echo "# $bin ${args[*]}" >"$log"
  t0=$(now_us)
  setsid "$bin" "${args[@]}" >"$dir/run.fifo" 2>&1 </dev/null &
  cur_pid=$!
  exec {fd}<"$dir/run.fifo"
  while :; do
    chunk=""
    if IFS= read -r -t 1 -u "$fd" chunk; then
      line="$buf$chunk"
      buf=""
      now=$(now_us)
      printf '[%4d.%06d] %s\n' "$(((now - t0) / 1000000))" "$(((now - t0) % 1000000))" "$line" >>"$log"
      [[ "$line" == *"End of test:"* ]] && verdict="${line##*End of test: }"
      classify "$line"
      if [[ -n "$r_symptom" ]]; then r_t_us=$((now - t0)); break; fi
    else
      st=$?
      if ((st > 128)); then
        buf+="$chunk"
        now=$(now_us)
        check_stop && break
        if ((now - t0 > limit)); then
          r_symptom=watchdog
          r_detail="hung: no exit $(((now - t0) / 1000000)) s after start (duration ${d} s + watchdog_secs ${wd} s + 20 s); killed"
          r_t_us=$((now - t0))
          break
        fi
        continue
      fi
      [[ -z "$buf$chunk" ]] || { line="$buf$chunk"; classify "$line"; printf '%s\n' "$line" >>"$log"; }
      break
    fi
  done
  now=$(now_us)
  if [[ -n "$r_symptom" ]] || ((stop)); then
    kill -KILL -- "-$cur_pid" 2>/dev/null || kill -KILL "$cur_pid" 2>/dev/null || true
  fi
  exec {fd}<&-
  wait "$cur_pid" 2>/dev/null || r_rc=$?
  cur_pid=""
  rm -f "$dir/run.fifo"
  ((stop)) && return 0
  if [[ -n "$r_symptom" ]]; then
    echo "# mutate.sh: $r_symptom at $(secs "$r_t_us") s: $r_detail" >>"$log"
    return 0
  fi
  r_t_us=$((now - t0))
  # No symptom while it ran: the verdict and exit code decide.
  if ((r_rc == 0)) && [[ "$verdict" == SUCCESS* ]]; then
    :
  elif ((r_rc == 2)); then
    r_symptom=watchdog; r_detail="exit 2"
  elif ((r_rc > 128)); then
    r_symptom=crash; r_detail="killed by signal $((r_rc - 128))"
  elif ((r_rc == 64)); then
    die "rcutorture refused the arguments of scenario ${scen_names[i]} (exit 64): see $log"
  else
    r_symptom=other; r_detail="End of test: ${verdict:-(none)}, exit $r_rc"
  fi
  [[ -z "$r_symptom" ]] || echo "# mutate.sh: $r_symptom at end: $r_detail" >>"$log"
}

# run_schedule LOGDIR: runs the scenarios within the budget until a symptom.
# Sets k_scen (the scenario that found it, "" if none), k_symptom,
# k_detail, k_t_run_us (into that run), k_t_total_us (run time spent).
run_schedule() {
  local ldir="$1" nsc="${#scen_names[@]}" pass i d d1 left used=0 n=0 t_run
  k_scen=""; k_symptom=""; k_detail=""; k_t_run_us=0; k_t_total_us=0
  d1=$((budget / (2 * nsc)))
  ((d1 > 20)) && d1=20
  ((d1 < 3)) && d1=3
  for pass in 1 2; do
    for ((i = 0; i < nsc; i++)); do
      left=$((budget * 1000000 - used))
      if ((pass == 1)); then
        d=$d1
      else
        d=$((left / 1000000 / (nsc - i)))
      fi
      ((d > left / 1000000)) && d=$((left / 1000000))
      ((d >= 3)) || continue
      n=$((n + 1))
      run_one "$i" "$d" "$ldir/$n-${scen_names[i]}.log"
      ((stop)) && return 0
      t_run=$r_t_us
      used=$((used + t_run))
      if [[ -n "$r_symptom" ]]; then
        k_scen="${scen_names[i]}"; k_symptom="$r_symptom"; k_detail="$r_detail"
        k_t_run_us=$t_run; k_t_total_us=$used
        return 0
      fi
    done
  done
  k_t_total_us=$used
}

# ---- Results. ----
res_name=(); res_class=(); res_result=(); res_scen=(); res_symptom=(); res_detail=()
res_trun=(); res_ttotal=(); res_build=(); res_equiv=(); res_expect=()
record() {  # NAME CLASS RESULT SCEN SYMPTOM DETAIL T_RUN_US T_TOTAL_US BUILD_S EQUIV EXPECT
  res_name+=("$1"); res_class+=("$2"); res_result+=("$3"); res_scen+=("$4"); res_symptom+=("$5")
  res_detail+=("$6"); res_trun+=("$7"); res_ttotal+=("$8"); res_build+=("$9"); res_equiv+=("${10}"); res_expect+=("${11}")
}

summary() {
  local i n=${#res_name[@]} killed=0 survived=0 equiv=0 stale=0 bfail=0 ok=1 times=() med="-" worst="-" rate="-" denom
  echo
  echo "Mutation results ($preset build, budget ${budget} s per mutant, scenarios: ${scenarios_arg}):"
  printf '%-36s %-18s %-13s %-26s %-13s %8s %8s %6s\n' mutant class result scenario symptom t_run_s t_total_s build_s
  for ((i = 0; i < n; i++)); do
    local r="${res_result[i]}"
    case "$r" in
      killed) killed=$((killed + 1)); times+=("${res_ttotal[i]}") ;;
      survived)
        if [[ -n "${res_equiv[i]}" ]]; then equiv=$((equiv + 1)); r="survived (equivalent)"; else survived=$((survived + 1)); ok=0; fi ;;
      stale) stale=$((stale + 1)); ok=0 ;;
      build-failed) bfail=$((bfail + 1)); ok=0 ;;
    esac
    printf '%-36s %-18s %-13s %-26s %-13s %8s %8s %6s\n' "${res_name[i]}" "${res_class[i]}" "$r" "${res_scen[i]:--}" \
      "${res_symptom[i]:--}" "$( [[ "${res_result[i]}" == killed ]] && secs "${res_trun[i]}" || echo -)" \
      "$( [[ "${res_result[i]}" == killed || "${res_result[i]}" == survived ]] && secs "${res_ttotal[i]}" || echo -)" "${res_build[i]:--}"
  done
  if ((${#times[@]})); then
    mapfile -t times < <(printf '%s\n' "${times[@]}" | sort -n)
    local m=${#times[@]}
    if ((m % 2)); then med=$(secs "${times[m / 2]}"); else med=$(secs $(((times[m / 2 - 1] + times[m / 2]) / 2))); fi
    worst=$(secs "${times[m - 1]}")
  fi
  denom=$((killed + survived))
  ((denom == 0)) || rate="$((100 * killed / denom))%"
  echo "Killed $killed of $denom non-equivalent mutants run (kill rate $rate); $equiv equivalent survived, $survived survived, $stale stale, $bfail build-failed; ${#selected[@]} selected$( ((stop)) && echo ", stopped early" )."
  echo "Time to detect (run time until the symptom, all scenarios): median ${med} s, worst ${worst} s."
  if [[ -n "$json" ]]; then
    {
      printf '{\n  "preset": %s,\n  "budget_s": %d,\n  "scenarios": %s,\n  "stopped": %s,\n  "mutants": [\n' \
        "$(tl_json_str "$preset")" "$budget" "$(tl_json_str "$scenarios_arg")" "$( ((stop)) && echo true || echo false)"
      for ((i = 0; i < n; i++)); do
        printf '    {"name": %s, "class": %s, "expect": %s, "result": %s, "equivalent": %s, "scenario": %s, "symptom": %s, "detail": %s, "t_run_s": %s, "t_total_s": %s, "build_s": %s}%s\n' \
          "$(tl_json_str "${res_name[i]}")" "$(tl_json_str "${res_class[i]}")" "$(tl_json_str "${res_expect[i]}")" \
          "$(tl_json_str "${res_result[i]}")" "$([[ -n "${res_equiv[i]}" ]] && echo true || echo false)" \
          "$(tl_json_str "${res_scen[i]}")" "$(tl_json_str "${res_symptom[i]}")" "$(tl_json_str "${res_detail[i]}")" \
          "$(secs "${res_trun[i]}")" "$(secs "${res_ttotal[i]}")" "${res_build[i]:-0}" "$( ((i + 1 < n)) && echo ,)"
      done
      printf '  ],\n  "summary": {"selected": %d, "run": %d, "killed": %d, "survived": %d, "equivalent": %d, "stale": %d, "build_failed": %d, "kill_rate": %s, "median_detect_s": %s, "worst_detect_s": %s}\n}\n' \
        "${#selected[@]}" "$n" "$killed" "$survived" "$equiv" "$stale" "$bfail" \
        "$( ((denom)) && awk -v k="$killed" -v d="$denom" 'BEGIN{printf "%.3f", k/d}' || echo null)" \
        "$([[ "$med" == - ]] && echo null || echo "$med")" "$([[ "$worst" == - ]] && echo null || echo "$worst")"
    } >"$json"
    echo "JSON: $json"
  fi
  ((ok && !stop && n == ${#selected[@]}))
}

# ---- Main loop. ----
say "scratch dir $dir; ${#selected[@]} mutant(s); scenarios ${scen_names[*]}; budget ${budget} s per mutant"
base_built=0
for f in "${selected[@]}"; do
  check_stop && break
  name="$(basename "$f" .patch)"
  class="$(hdr "$f" class)"
  equiv="$(hdr "$f" equivalent)"
  expect="$(hdr "$f" expect)"
  ldir="$dir/logs/$name"
  rm -rf "$ldir"
  mkdir -p "$ldir"
  sync_tree
  if ! patch -d "$src" -p1 -F0 -N --dry-run --no-backup-if-mismatch -r - -i "$f" >"$ldir/patch.out" 2>&1; then
    why="$(grep -m1 -E 'FAILED|Reversed|malformed|can.t find|No such file' "$ldir/patch.out" || head -1 "$ldir/patch.out")"
    say "$name: stale (the patch no longer applies: $why)"
    record "$name" "$class" stale "" "" "$why" 0 0 "" "$equiv" "$expect"
    ((keep_going)) && continue
    break
  fi
  if ((!base_built)); then
    say "building the unmutated scratch tree ($preset)"
    brc=0
    build_scratch "$dir/logs/base-build.log" || brc=$?
    ((brc == 2)) && break
    ((brc == 0)) || die "the unmutated scratch tree does not build ($preset): see $dir/logs/base-build.log"
    for ((i = 0; i < ${#scen_names[@]}; i++)); do
      # shellcheck disable=SC2206
      pargs=(--config="$src/configs/${scen_names[i]}" "${mutation_overrides[@]}" ${scen_args[i]} --print_params)
      "$bin" "${pargs[@]}" >/dev/null 2>"$dir/logs/params.err" ||
        usage_error "bad --scenarios: rcutorture refuses '${scen_names[i]}${scen_args[i]}': $(head -1 "$dir/logs/params.err")"
    done
    base_built=1
    if ((baseline)); then
      say "baseline: the scenarios on the unmutated tree"
      mkdir -p "$dir/logs/baseline"
      run_schedule "$dir/logs/baseline"
      ((stop)) && break
      if [[ -n "$k_symptom" ]]; then
        say "baseline: $k_symptom in ${k_scen} after $(secs "$k_t_run_us") s: $k_detail"
        die "the unmutated tree shows a symptom: the results would mean nothing (logs: $dir/logs/baseline)"
      fi
      say "baseline: clean ($(secs "$k_t_total_us") s)"
    fi
  fi
  patch -d "$src" -p1 -F0 -N -s --no-backup-if-mismatch -r - -i "$f" >>"$ldir/patch.out" 2>&1 || die "$name: patch failed after its dry run"
  applied="$f"
  echo "$f" >"$dir/applied"
  say "$name: building"
  b0=$(now_us)
  brc=0
  build_scratch "$ldir/build.log" || brc=$?
  bsecs=$((($(now_us) - b0) / 1000000))
  if ((brc == 2)); then revert; break; fi
  if ((brc != 0)); then
    say "$name: build-failed ($bsecs s; see $ldir/build.log)"
    record "$name" "$class" build-failed "" "" "see $ldir/build.log" 0 0 "$bsecs" "$equiv" "$expect"
    revert
    ((keep_going)) && continue
    break
  fi
  say "$name: built in $bsecs s; running"
  run_schedule "$ldir"
  revert
  ((stop)) && break
  if [[ -n "$k_symptom" ]]; then
    say "$name: killed by $k_scen: $k_symptom after $(secs "$k_t_run_us") s ($(secs "$k_t_total_us") s in all): $k_detail"
    record "$name" "$class" killed "$k_scen" "$k_symptom" "$k_detail" "$k_t_run_us" "$k_t_total_us" "$bsecs" "$equiv" "$expect"
  else
    say "$name: survived ($(secs "$k_t_total_us") s of runs${equiv:+; equivalent: $equiv})"
    record "$name" "$class" survived "" "" "" 0 "$k_t_total_us" "$bsecs" "$equiv" "$expect"
    [[ -n "$equiv" || "$keep_going" == 1 ]] || break
  fi
done
revert
((stop)) && say "stopped: the scratch copy is clean (no mutant applied), the tree untouched"
rc=0
summary || rc=1
exit "$rc"

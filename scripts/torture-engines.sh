# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154  # the globals of torture.sh
# torture-engines.sh: the engines that run torture.sh's scenarios on other
# machines, sourced by scripts/torture.sh (its globals and functions:
# rundir, dirs, analyse, put, say, stop_asked, ...): --remote (GNU
# parallel over ssh) and --slurm (one Slurm job array). Both ship the same
# tree (engine_stage) and run scripts/torture-remote.sh job on the far side.

# ---- --remote: the scenarios on other machines, with GNU parallel over ssh.
# Everything is GNU parallel's: the host list (--sshloginfile), shipping
# (--basefile), scheduling and slots, retries on another host (--retries),
# bringing results back (--return), removing them there (--cleanup), the
# record (--joblog), stopping (its SIGTERM handling and --termseq). The
# hosts run scripts/torture-remote.sh from the tarball: the same command
# (tl_scenario_cmd) and watchdog (tl_hung_reason) as a local run. Files in
# the run directory: remote.tgz (what is shipped), remote-hosts.all (the
# sshlogins of HOSTS, one slot each unless given), remote-probe (their
# answers), remote-hosts (the accepted ones: the run's --sshloginfile),
# joblog, remote.out (the jobs' start and end lines as they ran, also of
# attempts whose host died), remote.err (ssh and transfer errors).
declare -A attempts_of=() host_of=() rdone=()
nlost=0
nj=1
fanout=32    # hosts the probe, collect and clean-up steps log into at once
rdir=""
pssh=()

# engine_stage: one tarball, remote.tgz in the run directory: the binary
# with its module and plugins beside it, the scenario files as run, the
# scripts, the run's parameters. The binaries go without their debug
# sections (strip --strip-debug: the same code and symbol table, so crash
# reports still name functions; rcutorture: 20 MB -> 0.8 MB); the local
# build keeps them for addr2line.
engine_stage() {
  local bdir stage f
  bdir=$(dirname "$bin")
  stage=$(mktemp -d "$rundir/.stage.XXXXXX") || write_failed "$rundir/.stage"
  if ! { mkdir -p "$stage/t/bin" "$stage/t/scripts" &&
         cp "$bin" "$stage/t/bin/rcutorture" &&
         { [[ ! -f "$bdir/torture_module.so" ]] || cp "$bdir/torture_module.so" "$stage/t/bin/"; } &&
         { [[ ! -d "$bdir/plugins" ]] || cp -r "$bdir/plugins" "$stage/t/bin/"; } &&
         { for f in "$stage/t/bin/rcutorture" "$stage/t/bin"/*.so "$stage/t/bin/plugins"/*.so; do
             [[ ! -f "$f" ]] || strip --strip-debug "$f" 2>/dev/null || true
           done; } &&
         cp scripts/torture-lib.sh scripts/torture-remote.sh "$stage/t/scripts/" &&
         cp -r "$rundir/configs" "$stage/t/configs" &&
         declare -p names dirs bootargs extra duration seed dur_secs grace log_timeout >"$stage/t/params" &&
         tar czf "$rundir/remote.tgz" -C "$stage" t; }; then
    rm -rf "$stage"
    write_failed "$rundir/remote.tgz"
  fi
  rm -rf "$stage"
}

# remote_started NAME: the attempts of NAME that reached a host, as
# "ATTEMPT SSHLOGIN" lines (remote.out; --slurm: the tasks' output files,
# where the host is the node's name).
remote_started() {
  engine_out | awk -v n="$1" '$1 == "torture-remote:" && $2 == "start" && $3 == n && $4 == "attempt" && $6 == "on" {
    h = $7; for (i = 8; i <= NF; i++) h = h " " $i; print $5, h }'
}
# engine_out: the far side's start and end lines so far.
engine_out() {
  if [[ -n "$slurm" ]]; then
    cat "$rundir/slurm/out/"*.out 2>/dev/null
  else
    cat "$rundir/remote.out" 2>/dev/null
  fi
}

# remote_lost NAME WHY: every attempt of NAME was lost with its host
# (WHY: the last exit status): records it in NAME/lost, an error.
remote_lost() {
  local name="$1" d="$rundir/$1" hosts f n got=""
  hosts=$( { remote_started "$name" | cut -d' ' -f2-; [[ -z "${host_of[$name]:-}" ]] || echo "${host_of[$name]}"; } |
    awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g')
  if [[ -f "$d/host" ]]; then
    for f in "$d"/* "$d"/.[!.]*; do
      [[ -e "$f" && "${f##*/}" != cmd.local && "${f##*/}" != lost ]] && got+="${got:+ }${f##*/}"
    done
  fi
  n=${attempts_of[$name]:-1}
  n="$n attempt$( ((n == 1)) || echo s)"
  nlost=$((nlost + 1))
  put "$d/lost" "host lost: $n (on ${hosts:-no host}; $2); retrieved: ${got:-nothing}"
  say "$(printf '%-12s %-11s %s' "$name" HOST-LOST "on ${hosts:-no host} ($n; $2); retrieved: ${got:-nothing}")"
}

# remote_poll: the jobs GNU parallel finished since the last call (its
# joblog: seq, host, ..., exit status, command ending with the attempt
# number): analysed as a local run's, or lost.
remote_poll() {
  local seq host ev cl name
  [[ -f "$rundir/joblog" ]] || return 0
  while IFS=$'\t' read -r seq host _ _ _ _ ev _ cl; do
    [[ "$seq" =~ ^[0-9]+$ && -z "${rdone[$seq]:-}" ]] || continue
    # A job cut off by a stop: brought back by the collect step below.
    ((stop && ev != 0)) && continue
    rdone[$seq]=1
    name=${dirs[seq - 1]}
    attempts_of[$name]=${cl##* }
    host_of[$name]=$host
    if [[ "$ev" == 0 && -f "$rundir/$name/retval" ]]; then
      analyse "$name" "$(head -c 16 "$rundir/$name/retval")"
    elif [[ "$ev" == 0 ]]; then
      remote_lost "$name" "its results did not come back"
    else
      remote_lost "$name" "exit $ev"
    fi
  done <"$rundir/joblog"
}

# remote_progress NOW: one status line per scenario running on a host (the
# last start line of each in remote.out, less those done).
remote_progress() {
  local now="$1" i name a h el lines=()
  declare -A idx=()
  for i in "${!dirs[@]}"; do idx[${dirs[$i]}]=$((i + 1)); done
  while read -r name a h; do
    [[ -n "${idx[$name]:-}" && -z "${rdone[${idx[$name]}]:-}" ]] || continue
    [[ -n "${seen_at[$name.$a]:-}" ]] || seen_at[$name.$a]=$now
    el=$((now - seen_at[$name.$a]))
    # Past its duration, grace and GNU parallel's --termseq: its host went
    # silent (a dead host's job waits in GNU parallel's queue for a retry).
    if ((el > dur_secs + grace + 30)); then
      lines+=("$(printf '  %-12s no word from %s (attempt %s) for %ds: host lost? (retried if tries are left)' "$name" "$h" "$a" "$el")")
    else
      lines+=("$(printf '  %-12s running on %s (attempt %s), %ds%s' "$name" "$h" "$a" "$el" "$( ((stop)) && echo ', stopping')")")
    fi
  done < <(awk '$1 == "torture-remote:" && $2 == "start" && $4 == "attempt" && $6 == "on" {
      h = $7; for (i = 8; i <= NF; i++) h = h " " $i; last[$3] = $5 " " h; if (!($3 in seen)) { seen[$3] = 1; order[n++] = $3 } }
    END { for (i = 0; i < n; i++) print order[i], last[order[i]] }' "$rundir/remote.out" 2>/dev/null)
  ((${#lines[@]} == 0)) || draw_lines "${lines[@]}"
}

# remote_unstarted PRC: the scenarios that never started: skipped (a stopped
# run), or lost with GNU parallel (which exited PRC).
remote_unstarted() {
  local i name
  for i in "${!dirs[@]}"; do
    name=${dirs[$i]}
    [[ -z "${rdone[$((i + 1))]:-}" ]] || continue
    if ((stop)); then
      put "$rundir/$name/skipped" "skipped: the run was stopped (STOP file, signal or full disk) before it started"
      say "$(printf '%-12s SKIPPED' "$name")"
      nskip=$((nskip + 1))
    else
      remote_lost "$name" "never run: GNU parallel exited $1, see remote.err"
    fi
  done
}

# remote_cleanup SSHLOGINFILE: removes the run's directory on each host.
remote_cleanup() {
  if ! (cd "$rundir" && parallel --nonall -j "$nj" --slf "$1" "${pssh[@]}" "rm -rf $rdir") \
      >>"$rundir/remote.err" 2>&1; then
    say "torture.sh: could not remove $rdir on every host (see remote.err)"
  fi
}

# remote_run: ships, probes, runs every scenario with GNU parallel, brings
# the results back and analyses them as they come.
declare -A seen_at=()
remote_run() {
  local tag unpack line key ans f i name a h prc ppid now last accepted=() run=()
  engine_stage
  tag=$(printf '%s' "$(hostname -s 2>/dev/null || echo local).$datestamp.$$.$RANDOM" | tr -c 'A-Za-z0-9._-' _)
  rdir="/tmp/rcutorture-remote.$tag"
  nj=$(( ${#hostlines[@]} < fanout ? ${#hostlines[@]} : fanout ))
  [[ -n "${PARALLEL_SSH:-}" ]] ||
    pssh=(--ssh "ssh -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4")
  # Unpacked once per host (into t/, renamed into place: hosts sharing a
  # /tmp race harmlessly).
  # shellcheck disable=SC2016  # for the host's shell
  unpack='[ -d t ] || { x=$(mktemp -d u.XXXXXX) && tar xzf remote.tgz -C "$x" && { mv -T "$x/t" t 2>/dev/null; rm -rf "$x"; [ -d t ]; }; }'

  # ---- Probe: every host once, before any scenario is sent.
  for line in "${hostlines[@]}"; do sshlogin_slots "$line"; done >"$rundir/remote-hosts.all" ||
    write_failed "$rundir/remote-hosts.all"
  say "Remote: probing the ${#hostlines[@]} hosts of $remote (tarball $(du -k "$rundir/remote.tgz" | cut -f1) KiB into $rdir; uname -m, the binary's libraries)"
  (cd "$rundir" && parallel --nonall -j "$nj" --slf "$rundir/remote-hosts.all" --wd "$rdir" \
     --basefile "$rundir/./remote.tgz" --tag "${pssh[@]}" \
     "$unpack && exec bash t/scripts/torture-remote.sh probe $(uname -m)") >"$rundir/remote-probe" 2>&1
  if ((stop)); then
    say "torture.sh: the run was stopped while probing the hosts: no scenario started"
    remote_unstarted 0
    remote_cleanup "$rundir/remote-hosts.all"
    return
  fi
  for line in "${hostlines[@]}"; do
    key=$(sshlogin_key "$line")
    ans=$(awk -F'\t' -v k="$key" '$1 == k && $2 ~ /^torture-remote: (ok|refused) / { sub(/^[^\t]*\t/, ""); print; exit }' "$rundir/remote-probe")
    case "$ans" in
      "torture-remote: ok "*) accepted+=("$(sshlogin_slots "$line")") ;;
      "torture-remote: refused "*) say "torture.sh: host $key refused: ${ans#torture-remote: refused }" ;;
      *)
        ans=$(awk -F'\t' -v k="$key" '$1 == k && NF > 1 { sub(/^[^\t]*\t/, ""); if ($0 ~ /[^ ]/) { print; exit } }' "$rundir/remote-probe")
        say "torture.sh: host $key refused: no answer to the probe${ans:+ ($ans)}" ;;
    esac
  done
  if ((${#accepted[@]} == 0)); then
    say "torture.sh: no usable host: all ${#hostlines[@]} hosts of $remote refused"
    remote_cleanup "$rundir/remote-hosts.all"
    exit 1
  fi
  printf '%s\n' "${accepted[@]}" >"$rundir/remote-hosts" || write_failed "$rundir/remote-hosts"

  # ---- The run: one job per scenario. The attempt number is counted by
  # parallel as it builds each attempt's command (a retried job's command
  # is rebuilt), so the joblog's command ends with it.
  say "Remote: ${#dirs[@]} scenarios on ${#accepted[@]} hosts (GNU parallel, up to $retries attempts each; joblog, remote.out)"
  # shellcheck disable=SC2016  # {= =} is perl for parallel
  (cd "$rundir" && exec parallel --slf "$rundir/remote-hosts" --wd "$rdir" \
     --basefile "$rundir/./remote.tgz" --return '{}' --cleanup --joblog "$rundir/joblog" \
     --retries "$retries" --termseq "TERM,$(((grace + 15) * 1000)),KILL,25" --line-buffer "${pssh[@]}" \
     "$unpack && exec bash t/scripts/torture-remote.sh job {} {= \$_ = ++\$main::torture_attempt{\$_} =}" \
     ::: "${dirs[@]}") >"$rundir/remote.out" 2>"$rundir/remote.err" &
  ppid=$!
  last=$(date +%s)
  while kill -0 "$ppid" 2>/dev/null; do
    sleep 1
    now=$(date +%s)
    check_disk
    if stop_asked; then
      say "torture.sh: stopping the run: GNU parallel gets SIGTERM; its --termseq gives the running scenarios SIGTERM on their hosts (they end with their verdict and are brought back), not-started ones are skipped"
      kill -TERM "$ppid" 2>/dev/null
    fi
    remote_poll
    if ((tty)) || ((now - last >= progress_interval)); then
      remote_progress "$now"
      last=$now
    fi
  done
  wait "$ppid"
  prc=$?
  remote_poll
  progress_clear
  # GNU parallel ended by a signal torture.sh did not send (a Ctrl-C reaches
  # both; a kill of parallel alone): its --termseq stopped the running
  # scenarios on their hosts, so the run counts as stopped.
  if ((!stop && (prc == 255 || prc > 128))) && grep -q '^torture-remote: start ' "$rundir/remote.out" 2>/dev/null; then
    say "torture.sh: GNU parallel was stopped (exit $prc): the run counts as stopped; running scenarios end with their verdict on their hosts"
    stop=2
  fi

  # ---- A stopped run: bring back what the stopped scenarios left.
  if ((stop)); then
    for i in "${!dirs[@]}"; do
      name=${dirs[$i]}
      [[ -z "${rdone[$((i + 1))]:-}" && -n "$(remote_started "$name")" ]] && run+=("$name")
    done
    if ((${#run[@]})); then
      say "Remote: bringing back the ${#run[@]} stopped scenarios (${run[*]})"
      (cd "$rundir" && parallel --nonall -j "$nj" --slf "$rundir/remote-hosts" --wd "$rdir" "${pssh[@]}" \
         "exec bash t/scripts/torture-remote.sh collect$(printf ' %q' "${run[@]}")") 2>>"$rundir/remote.err" |
        tar -xzif - -C "$rundir" 2>>"$rundir/remote.err"
      for name in "${run[@]}"; do
        i=$(printf '%s\n' "${dirs[@]}" | grep -nx -- "$name" | cut -d: -f1)
        rdone[$i]=1
        read -r a h < <(remote_started "$name" | tail -1)
        attempts_of[$name]=$a
        host_of[$name]=$h
        if [[ -f "$rundir/$name/retval" ]]; then
          analyse "$name" "$(head -c 16 "$rundir/$name/retval")"
        else
          remote_lost "$name" "stopped, nothing came back"
        fi
      done
    fi
  fi
  remote_unstarted "$prc"
  remote_cleanup "$rundir/remote-hosts.all"
}


# ---- --slurm: the scenarios as one Slurm job array. Everything is Slurm's:
# placement on nodes (sbatch, the user's options), requeue of a task whose
# node fails (--requeue; the attempt is SLURM_RESTART_COUNT + 1), stopping
# (scancel). It assumes the shared filesystem a Slurm cluster has: the run
# directory is seen by every node at the same path. The tarball is unpacked
# once into RUN/slurm/t; task I runs `torture-remote.sh job` for instance I
# with RUN/slurm as its directory (the same command and watchdog as a local
# run); what a task leaves there is moved into RUN/NAME when the task ends
# and analysed as a local run's. Files: slurm-job (the array's job id),
# slurm/job.sh (the batch script), slurm/out/I.out (task I's output, every
# attempt), NAME/slurm ("job J task I"), NAME/host (the node).
declare -A sdone=() snode=()
slurm_job=""

# slurm_collect NAME WHY: a task that left the queue: its results copied
# into the run's tree and analysed, or the scenario lost with its node.
slurm_collect() {
  local name="$1" sd="$rundir/slurm/$1" d="$rundir/$1" a
  a=$(remote_started "$name" | tail -1 | cut -d' ' -f1)
  attempts_of[$name]=${a:-1}
  host_of[$name]=$(cat "$sd/host" 2>/dev/null || echo "${snode[$name]:-}")
  if [[ -f "$sd/retval" ]]; then
    # cmd.local (this machine's cmd) stays; the node's files win.
    if cp -a "$sd/." "$d/" 2>/dev/null; then rm -rf "$sd"; else write_error "$d" "cannot copy $sd"; fi
    rm -f "$d/.running"
    analyse "$name" "$(head -c 16 "$d/retval")"
  elif [[ -z "$a" && $stop != 0 ]]; then
    put "$d/skipped" "skipped: the run was stopped (STOP file, signal or full disk) before it started"
    say "$(printf '%-12s SKIPPED' "$name")"
    nskip=$((nskip + 1))
  else
    [[ ! -d "$sd" ]] || cp -a "$sd/." "$d/" 2>/dev/null
    remote_lost "$name" "$2"
  fi
}

# slurm_state TASK: Slurm's word on a finished task (scontrol keeps a job
# for MinJobAge after it ends): "JobState=... Reason=... ExitCode=...".
slurm_state() {
  scontrol -o show job "${slurm_job}_$1" 2>/dev/null |
    grep -o 'JobState=[^ ]*\|Reason=[^ ]*\|ExitCode=[^ ]*' | paste -sd' ' -
}

# slurm_run: submits the array, waits for it, brings each task's results
# into the tree as it ends.
slurm_run() {
  local sl="$rundir/slurm" i name now last tries=0 out q tid st node ended stop_at=0
  local -a lines=()
  local -a sopts=()
  engine_stage
  mkdir -p "$sl/out" && tar xzf "$rundir/remote.tgz" -C "$sl" || write_failed "$sl/t"
  {
    echo '#!/bin/bash'
    echo "# torture.sh --slurm: run $datestamp, one array task per scenario instance."
    printf 'dirs=('; printf ' %q' "${dirs[@]}"; echo ' )'
    # shellcheck disable=SC2016  # for the task's shell
    echo 'exec bash '"$(printf '%q' "$sl/t/scripts/torture-remote.sh")"' job "${dirs[$SLURM_ARRAY_TASK_ID]}" "$(( ${SLURM_RESTART_COUNT:-0} + 1 ))"'
  } >"$sl/job.sh" || write_failed "$sl/job.sh"
  # A time limit long enough for the run and its grace (the user's
  # --sbatch-opt --time, given later, wins).
  sopts=(--parsable --array="0-$((${#dirs[@]} - 1))" --job-name="rcutorture-$datestamp"
         --output="$sl/out/%a.out" --open-mode=append --chdir="$sl" --requeue
         --time="$(( (dur_secs + grace + 60 + 59) / 60 ))" "${sbatch_opts[@]}")
  if ! out=$(sbatch "${sopts[@]}" "$sl/job.sh" 2>&1); then
    say "torture.sh: sbatch could not submit the job array: $(head -1 <<<"$out")"
    for name in "${dirs[@]}"; do remote_lost "$name" "never run: sbatch failed"; done
    return
  fi
  slurm_job=${out%%;*}
  slurm_job=$(tail -1 <<<"$slurm_job")
  [[ "$slurm_job" =~ ^[0-9]+$ ]] || { say "torture.sh: sbatch answered '$out', not a job id"; return; }
  put "$rundir/slurm-job" "$slurm_job"
  say "Slurm: job array $slurm_job, ${#dirs[@]} tasks (sbatch${sbatch_opts[*]:+ ${sbatch_opts[*]}}); tasks' output in slurm/out/"
  last=$(date +%s)
  while :; do
    sleep 2
    now=$(date +%s)
    check_disk
    if stop_asked; then
      say "torture.sh: stopping the run: pending tasks cancelled, running ones get SIGTERM (scancel --full): they end with their verdict"
      scancel --state=PENDING "$slurm_job" >>"$sl/scancel.err" 2>&1
      scancel --full --signal=TERM "$slurm_job" >>"$sl/scancel.err" 2>&1
      stop_at=$now
    fi
    # A stopped run's tasks get the grace, then are cancelled outright.
    if ((stop_at && now > stop_at + grace + 15)); then
      scancel "$slurm_job" >>"$sl/scancel.err" 2>&1
      stop_at=$((now + 3600))
    fi
    # squeue lists the array's tasks still queued or running (-r: one line
    # per task); a failure (slurmctld busy or restarting) changes nothing.
    if ! q=$(squeue -h -r -j "$slurm_job" -o '%K %T %N' 2>&1); then
      tries=$((tries + 1))
      ((tries % 30)) || say "torture.sh: squeue failing for a minute: $(head -1 <<<"$q")"
      continue
    fi
    tries=0
    declare -A inq=()
    lines=()
    while read -r tid st node; do
      [[ "$tid" =~ ^[0-9]+$ ]] || continue
      inq[$tid]=$st
      name=${dirs[tid]}
      [[ -z "$node" || "$node" == "(null)" ]] || snode[$name]=$node
      [[ "$st" != RUNNING ]] || lines+=("$(printf '  %-12s running on %s (job %s task %s)%s' "$name" "${snode[$name]:-?}" "$slurm_job" "$tid" "$( ((stop)) && echo ', stopping')")")
    done <<<"$q"
    ended=0
    for i in "${!dirs[@]}"; do
      [[ -z "${sdone[$i]:-}" && -z "${inq[$i]:-}" ]] || continue
      sdone[$i]=1
      slurm_collect "${dirs[$i]}" "$(slurm_state "$i")"
      ended=1
    done
    unset inq
    ((${#sdone[@]} < ${#dirs[@]})) || break
    if ((${#lines[@]})) && { ((tty)) || ((ended)) || ((now - last >= progress_interval)); }; then
      draw_lines "${lines[@]}"
      last=$now
    fi
  done
  progress_clear
}

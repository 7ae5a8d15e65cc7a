# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154  # $tmp: test-lib.sh
# slurm-lib.sh: a one-node Slurm cluster of its own, on loopback, for the
# tests of `torture.sh --slurm` and `bisect.sh --slurm`. Sourced after
# test-lib.sh (uses $tmp). `slurm_start` starts a munged (its own key and
# socket), a slurmctld and a slurmd (node n1, 4 CPUs whatever the machine
# has, so that four tasks run at once) on 127.0.0.5, on free ports >= 20000,
# with every file under $tmp/slurm and SLURM_CONF exported; never the
# system's munge socket, ports 6817/6818 or /etc/slurm. `slurm_stop` kills
# them (the EXIT trap calls it; chain it if the test sets its own trap).
# `slurm_missing` names the first program missing (scripts/setup.sh installs
# slurm-wlm and munge).
slurm_pids=()

slurm_missing() {
  local tool
  for tool in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || { echo "$tool"; return 0; }
  done
}

# slurm_free_port: a TCP port >= 20000 nobody listens on.
slurm_free_port() {
  local p
  while :; do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    ss -Htln "( sport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
  done
}

# slurm_start: the cluster, up and its node idle (exit 1 if not within 30 s).
slurm_start() {
  local sd="$tmp/slurm" h cport dport
  PATH="$PATH:/usr/sbin"
  mkdir -p "$sd/state" "$sd/spool" && chmod 700 "$sd" || { echo "FAIL: slurm-lib: mkdir" >&2; exit 1; }
  head -c 1024 /dev/urandom >"$sd/munge.key" && chmod 600 "$sd/munge.key"
  # -f: the key and socket are ours, in a directory of ours; munged would
  # refuse to run as root otherwise.
  munged -f --socket="$sd/munge.sock" --key-file="$sd/munge.key" --pid-file="$sd/munged.pid" \
    --log-file="$sd/munged.log" --seed-file="$sd/munged.seed" ||
    { echo "FAIL: slurm-lib: munged did not start: $(tail -3 "$sd/munged.log" 2>/dev/null)" >&2; exit 1; }
  slurm_pids+=("$(cat "$sd/munged.pid")")
  h=$(hostname -s)
  cport=$(slurm_free_port)
  dport=$(slurm_free_port)
  # SlurmctldHost names this machine (slurmctld checks), at 127.0.0.5;
  # config_overrides: the node's 4 CPUs are believed, not probed.
  cat >"$sd/slurm.conf" <<EOF
ClusterName=rcutorture-test
SlurmctldHost=$h(127.0.0.5)
SlurmctldPort=$cport
SlurmdPort=$dport
AuthType=auth/munge
AuthInfo=socket=$sd/munge.sock
CredType=cred/munge
SlurmUser=$(id -un)
SlurmdUser=root
StateSaveLocation=$sd/state
SlurmdSpoolDir=$sd/spool
SlurmctldPidFile=$sd/slurmctld.pid
SlurmdPidFile=$sd/slurmd.pid
SlurmctldLogFile=$sd/slurmctld.log
SlurmdLogFile=$sd/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
SlurmdTimeout=30
MinJobAge=600
NodeName=n1 NodeAddr=127.0.0.5 CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=n1 Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$sd/slurm.conf"
  slurmctld -D -i >"$sd/slurmctld.out" 2>&1 &
  slurm_pids+=("$!")
  slurmd -D -N n1 >"$sd/slurmd.out" 2>&1 &
  slurm_pids+=("$!")
  for _ in $(seq 150); do
    [[ "$(sinfo -h -n n1 -o '%T' 2>/dev/null)" == idle ]] && return 0
    sleep 0.2
  done
  echo "FAIL: slurm-lib: node n1 not idle after 30 s: $(sinfo -h -o '%T %E' 2>&1)" >&2
  tail -5 "$sd/slurmctld.log" "$sd/slurmd.log" >&2
  exit 1
}

# slurm_stop: kills the daemons and what slurmd still runs.
# shellcheck disable=SC2317  # run by the EXIT trap
slurm_stop() {
  local p
  ((${#slurm_pids[@]})) || return 0
  scancel --user="$(id -un)" >/dev/null 2>&1
  for p in "${slurm_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${slurm_pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pkill -KILL -f "slurmstepd.*$tmp/slurm" 2>/dev/null
  slurm_pids=()
}

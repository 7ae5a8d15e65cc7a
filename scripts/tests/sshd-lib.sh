# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154  # $tmp: test-lib.sh
# sshd-lib.sh: real OpenSSH servers on loopback for the tests of
# `torture.sh --remote` and `bisect.sh --remote` (and for trying --remote on
# one machine). Sourced after test-lib.sh (uses $tmp). After `sshd_setup`
# (keys, client config, PARALLEL_SSH), each `start_host N`
# runs an `sshd -D` of its own on 127.0.0.N, on a free port >= 20000, with a
# host key and a client key generated here, its own config, never port 22 or
# the system sshd; `sshlogin N` is the
# host's sshlogin (user@127.0.0.N:PORT). The host numbered $fake_arch_host
# (none unless set) pretends to be aarch64: a `uname` answering aarch64
# first in its PATH. `kill_host N` kills a host as a machine that dies.
# Every sshd started is killed on exit (the EXIT trap runs sshd_cleanup,
# then removes $tmp).
sshd=/usr/sbin/sshd
fake_arch_host=${fake_arch_host:-}

# sshd_missing: the first tool these tests need that is missing (empty if
# none); scripts/setup.sh installs them all.
sshd_missing() {
  local tool
  for tool in "$sshd" ssh ssh-keygen parallel rsync; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool"; return 0; }
  done
  parallel --version 2>/dev/null | grep -q '^GNU parallel' || echo "GNU parallel"
}

declare -A sshd_pid=() port=()
# tree PID: PID and its descendants.
tree() {
  local c
  echo "$1"
  for c in $(pgrep -P "$1"); do tree "$c"; done
}
# kill_host N: kills the sshd of 127.0.0.N and every process under it (its
# connections and the jobs they run), as a machine that dies.
kill_host() {
  local p
  [[ -n "${sshd_pid[$1]:-}" ]] || return 0
  mapfile -t p < <(tree "${sshd_pid[$1]}")
  kill -STOP "${p[@]}" 2>/dev/null
  kill -KILL "${p[@]}" 2>/dev/null
  wait "${sshd_pid[$1]}" 2>/dev/null
  unset "sshd_pid[$1]"
}
# shellcheck disable=SC2317  # run by the EXIT trap
sshd_cleanup() {
  local n
  for n in "${!sshd_pid[@]}"; do kill_host "$n"; done
  rm -rf "$tmp"
}
trap sshd_cleanup EXIT

user=$(id -un)

# start_host N: sshd on 127.0.0.N, on a free port >= 20000 (kept across a
# restart).
start_host() {
  local n="$1" p env="SHLVL=1"
  [[ "$n" != "$fake_arch_host" ]] || env+=" PATH=$tmp/fakebin:/usr/local/bin:/usr/bin:/bin"
  for _ in 1 2 3 4 5; do
    p=${port[$n]:-$((20000 + (RANDOM * 32768 + RANDOM) % 40000))}
    if [[ -z "${port[$n]:-}" ]] && ss -Htln "( sport = :$p )" 2>/dev/null | grep -q .; then continue; fi
    # Root's ~/.bashrc on these machines runs `pyenv init` (1.6 s a
    # login); bash reads it under sshd only at SHLVL < 2, so SHLVL=1 keeps
    # each login fast: a lean host.
    cat >"$tmp/sshd$n.conf" <<EOF
ListenAddress 127.0.0.$n:$p
HostKey $tmp/hostkey
PidFile $tmp/sshd$n.pid
AuthorizedKeysFile $tmp/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $user
MaxStartups 100
PrintMotd no
SetEnv $env
EOF
    "$sshd" -D -f "$tmp/sshd$n.conf" -E "$tmp/sshd$n.log" &
    sshd_pid[$n]=$!
    for _ in $(seq 50); do
      if ss -Htln "( sport = :$p )" 2>/dev/null | grep -q "127.0.0.$n:$p"; then port[$n]=$p; return 0; fi
      kill -0 "${sshd_pid[$n]}" 2>/dev/null || break
      sleep 0.1
    done
    kill_host "$n"
  done
  echo "FAIL: cannot start sshd on 127.0.0.$n:" >&2
  cat "$tmp/sshd$n.log" >&2
  exit 1
}
# sshd_setup: the keys, the fake host's uname, the client's ssh config (our
# key, no host key checks, batch mode, dead peers noticed within 15 s) and
# PARALLEL_SSH using it. Before any start_host.
sshd_setup() {
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$tmp/clientkey" &&
    cp "$tmp/clientkey.pub" "$tmp/authorized_keys" || { echo "FAIL: ssh-keygen" >&2; exit 1; }
  # sshd's privilege separation directory (the ssh service makes it at boot).
  [[ -d /run/sshd || "$(id -u)" != 0 ]] || mkdir -p /run/sshd
  mkdir -p "$tmp/fakebin"
  # shellcheck disable=SC2016  # a script for the fake host
  printf '#!/bin/sh\n[ "$1" = -m ] && { echo aarch64; exit 0; }\nexec /bin/uname "$@"\n' >"$tmp/fakebin/uname"
  chmod +x "$tmp/fakebin/uname"
  cat >"$tmp/ssh_config" <<EOF
Host *
  IdentityFile $tmp/clientkey
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile /dev/null
  BatchMode yes
  ConnectTimeout 10
  ServerAliveInterval 5
  ServerAliveCountMax 3
  LogLevel ERROR
EOF
  export PARALLEL_SSH="ssh -F $tmp/ssh_config"
}

# sshlogin N: the sshlogin of 127.0.0.N's sshd.
sshlogin() { echo "$user@127.0.0.$1:${port[$1]}"; }

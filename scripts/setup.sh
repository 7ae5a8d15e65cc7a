#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up a fresh Debian 12 machine and builds the project.
#
#   scripts/setup.sh [PRESET...]     default preset: release
#
# Idempotent: installs only the Debian packages that are missing (one
# `apt-get update` when any are), adds a deb-src entry for Debian's main
# archive when there is none (/etc/apt/sources.list.d/debian-src.sources,
# for `apt-get source liburcu` in scripts/urcu-tests.sh; one `apt-get
# update` when added), then configures and builds each preset
# (release, debug, asan, tsan, clang, nolockdep; see CMakePresets.json). A preset
# may name targets after a colon: `clang:rcu,tree_test` builds only those.
# `parallel`, `openssh-server`, `openssh-client` and `rsync` are for
# `torture.sh --remote` and its test, which starts its own sshd instances on
# loopback: a newly installed openssh-server is not started (an existing
# /usr/sbin/policy-rc.d is kept, else a temporary one refuses service starts
# during the install) and, under systemd, its ssh.service and ssh.socket are
# disabled, so no system sshd is left listening on port 22 because of us.
# `slurm-wlm` and `munge` are for `torture.sh --slurm` and its test, which
# starts a one-node slurmctld, slurmd and munged of its own on loopback (the
# same policy-rc.d keeps the packaged services from starting; under systemd
# they are disabled too). `gnuplot-nox` draws scripts/report.sh's plots;
# `chromium` and `python3` are for the report's headless-browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake ninja-build g++ clang pkg-config libabsl-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev liburcu-dev shellcheck dpkg-dev
      clang-format parallel openssh-server openssh-client rsync
      slurm-wlm munge gnuplot-nox chromium python3)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
sudo=()
[[ "$(id -u)" == 0 ]] || sudo=(sudo)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  # No service started by the install (openssh-server's sshd on port 22):
  # policy-rc.d exit 101 = "action forbidden" (invoke-rc.d, deb-systemd-invoke).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# scripts/setup.sh: no service starts during its apt-get install\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && own_policy=1
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null || rc=$?
  ((own_policy == 0)) || "${sudo[@]}" rm -f "$policy"
  ((rc == 0)) || exit "$rc"
  if [[ " ${missing[*]} " == *" openssh-server "* && "$(cat /proc/1/comm 2>/dev/null)" == systemd ]]; then
    "${sudo[@]}" systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" slurm-wlm "* && "$(cat /proc/1/comm 2>/dev/null)" == systemd ]]; then
    "${sudo[@]}" systemctl disable --now slurmctld.service slurmd.service munge.service >/dev/null 2>&1 || true
  fi
fi
# Source packages: a copy of Debian's bookworm entry with Types: deb-src.
src_list=/etc/apt/sources.list.d/debian-src.sources
if ! grep -rqsE --include='*.list' --include='*.sources' '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "setup: adding $src_list (deb-src for bookworm, bookworm-updates)" >&2
  printf '%s\n' '# Added by scripts/setup.sh: Debian source packages (apt-get source).' \
    'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
    'Suites: bookworm bookworm-updates' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    "${sudo[@]}" tee "$src_list" >/dev/null
  "${sudo[@]}" apt-get update -qq
fi

presets=("$@")
((${#presets[@]})) || presets=(release)
for spec in "${presets[@]}"; do
  p="${spec%%:*}"
  targets=()
  if [[ "$spec" == *:* ]]; then
    IFS=, read -r -a targets <<< "${spec#*:}"
  fi
  case "$p" in
    release|debug|asan|tsan|clang|nolockdep) ;;
    *) echo "setup: unknown preset '$p' (release, debug, asan, tsan, clang, nolockdep)" >&2; exit 64 ;;
  esac
  [[ -f "build/$p/build.ninja" ]] || cmake --preset "$p" >/dev/null
  if ((${#targets[@]})); then
    cmake --build --preset "$p" --target "${targets[@]}"
  else
    cmake --build --preset "$p"
  fi
done

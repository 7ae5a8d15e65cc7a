#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sets up a fresh Debian 12 machine and builds the project.
#
#   scripts/setup.sh [PRESET...]     default preset: release
#
# Idempotent: installs only the Debian packages that are missing (one
# `apt-get update` when any are), then configures and builds each preset
# (release, debug, asan, tsan, clang, nolockdep; see CMakePresets.json). A preset
# may name targets after a colon: `clang:rcu,tree_test` builds only those.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake ninja-build g++ clang pkg-config libabsl-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev liburcu-dev shellcheck)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  echo "setup: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
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

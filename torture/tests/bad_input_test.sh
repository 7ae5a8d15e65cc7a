#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bad_input_test.sh RCUTORTURE CONFIGDIR: every bad-input case must exit 64
# with exactly one line on stderr that names the problem, and print nothing
# on stdout.
set -uo pipefail
rt="$1"
cfg="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'nr_cpus=8\nrcutorture.nreaders=three\n' >"$tmp/BADVAL"
printf 'nr_cpus=8\nrcutorture.no_such_knob=1\n' >"$tmp/BADKEY"
printf 'nr_cpus=8 garbage\n' >"$tmp/MALFORMED"
printf 'nr_cpus=8\nrcutorture.onoff_interval=-1\n' >"$tmp/NEGATIVE"
mkdir "$tmp/DIR"
status=0
# check NAME EXPECTED-SUBSTRING ARGS...
check() {
  local name="$1" want="$2"
  shift 2
  "$rt" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local nerr
  nerr=$(wc -l <"$tmp/err")
  if [[ "$rc" != 64 || "$nerr" != 1 || -s "$tmp/out" ]] || ! grep -qF -- "$want" "$tmp/err"; then
    echo "FAIL $name: rc=$rc, stderr lines=$nerr, want '$want' in:" >&2
    cat "$tmp/err" "$tmp/out" >&2
    status=1
  else
    echo "ok   $name: $(cat "$tmp/err")"
  fi
}
check unknown-flag "no_such_flag" --no_such_flag=1
check bad-int "nreaders" --nreaders=lots
check bad-bool "gp_sync" --gp_sync=maybe
check bad-duration "duration" --duration=10x
check bad-token "bogus" bogus
check wrong-group "rcutree.nreaders" rcutree.nreaders=3
check int-without-value "nreaders" --nreaders
check unknown-type "invalid torture type" --torture_type=nosuchrcu
check missing-config "cannot read" --config="$tmp/NOPE"
check empty-config "--config" --config=
check config-bad-value "BADVAL:2" --config="$tmp/BADVAL"
check config-bad-key "BADKEY:2" --config="$tmp/BADKEY"
check config-malformed "MALFORMED:1" --config="$tmp/MALFORMED"
check config-directory "rcutorture: --config=$tmp/DIR: is a directory" --config="$tmp/DIR"
check config-directory-slash "rcutorture: --config=$tmp/DIR/: is a directory" --config="$tmp/DIR/"
# Negative intervals, durations, holdoffs and counts are refused where set.
check negative-interval "rcutorture: bad value '-1' for onoff_interval: expected >= 0" \
  rcutorture.onoff_interval=-1
check negative-holdoff "rcutorture: bad value '-5' for stall_cpu_holdoff: expected >= 0" \
  --stall_cpu_holdoff=-5
check negative-stutter "rcutorture: bad value '-3' for stutter: expected >= 0" --stutter=-3
check config-negative "NEGATIVE:2: bad value '-1' for onoff_interval: expected >= 0" \
  --config="$tmp/NEGATIVE"
check out-of-range-fanout "rcutorture: bad value '1' for rcu_fanout: expected 2..64" \
  rcutree.rcu_fanout=1
check bad-reader-mode "reader_mode" --reader_mode=sometimes
check bad-watchdog "watchdog_secs" --watchdog_secs=0
check bad-stall-timeout "rcu_cpu_stall_timeout" rcutree.rcu_cpu_stall_timeout=301
check bad-rcupdate "rcupdate.rcu_expedited" rcupdate.rcu_expedited=1
check bad-n-modules "n_modules" --n_modules=0
check bad-module-interval "module_interval_ms" --module_interval_ms=0
check bad-module-domains "module_domains" --module_domains=5
check bad-module-exit "module_exit" --module-exit=sometimes
check one-barrier-one-domain "module_domains >= 2" --module_exit=one-barrier --module_domains=1
check missing-module "cannot read module file" --modules --module_path="$tmp/nope.so"
check modules-no-barrier "has no call/cb_barrier" --modules --torture_type=busted
help="$("$rt" --help)"
if grep -q "Flavours (torture_type): rcu" <<<"$help"; then
  # Rejected by the rcu flavour's Config validation, before the Start line.
  check bad-delay "bad rcutree configuration: Config.gp_init_delay = 20000" \
    --torture_type=rcu rcutree.gp_init_delay=20000
  check bad-online "rcutree" --torture_type=rcu nr_cpus=4 maxcpus=9
  # The SRCU flavours' vCPU instance takes every tree parameter too.
  check srcu-bad-delay "bad rcutree configuration: Config.gp_init_delay = 20000" \
    --torture_type=srcu rcutree.gp_init_delay=20000
  check srcud-bad-nocbs "bad rcutree configuration: Config.rcu_nocbs" \
    --torture_type=srcud nr_cpus=4 rcu_nocbs=0-7
fi
if grep -q "Flavours" <<<"$help"; then
  echo "ok   help"
else
  echo "FAIL help" >&2
  status=1
fi
if [[ -f "$cfg/TREE01" ]]; then
  "$rt" --config="$cfg/TREE01" --help >/dev/null || { echo "FAIL help with config" >&2; status=1; }
fi
exit "$status"

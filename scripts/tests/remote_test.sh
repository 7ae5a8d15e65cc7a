#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# remote_test.sh: scripts/torture.sh --remote (GNU parallel over ssh)
# against real OpenSSH servers this test starts on loopback: three
# `sshd -D` of its own (127.0.0.2, .3, .4, free ports >= 20000, host and
# client keys in a temporary directory, its own config; never port 22 or
# the system sshd), the client side through PARALLEL_SSH="ssh -F <own
# config>". 127.0.0.4 pretends to be of another architecture (a `uname`
# answering aarch64 first in its PATH).
#   - bad input: a missing, a directory or an empty hosts file, ':' in it,
#     no GNU parallel in PATH, an unknown option, a bad --retries, --retries
#     without --remote: exit 64, one line, the results tree untouched;
#   - TREE05, SRCU-N and 2*TREE07 (4 s each) locally, then over the hosts:
#     127.0.0.4 refused in one line naming it, the same verdicts, exit
#     statuses and parse-console Summary lines, the same rcutorture
#     parameters (Start lines, cmd files modulo the paths), each scenario's
#     files with its host and attempt, the joblog, the summary's host rows,
#     nothing left on the hosts;
#   - a host killed (its sshd and every process under it) while its
#     scenario runs: the scenario runs again on the other host (attempt 2 in
#     its files, the joblog and the summary), the other scenario keeps its
#     result; the only host killed: its scenario `host lost` (2 attempts,
#     the host named), exit 3;
#   - bisect.sh --remote on a throwaway repository with a planted bad
#     commit: blamed, both re-tests, every probe's two runs on the two
#     hosts at once (torture.sh's report beside the record), the record;
#     an empty hosts file refused (64) before git bisect starts;
#   - Ctrl-C (SIGINT to the process group, as a terminal sends it) during a
#     run: the running scenarios end with their verdicts, brought back;
#     the scenario not started is skipped; exit that of those that ran.
# Every sshd it started is killed on exit, also on failure. Prints SKIP and
# exits 0 only when sshd, ssh or GNU parallel are missing (scripts/setup.sh
# installs them). 1.5 to 2.5 minutes on 2 cores, with the load.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
# shellcheck source=scripts/torture-lib.sh
. "$s/torture-lib.sh"

# ---- Our sshd instances (sshd-lib.sh), killed with everything under them on exit.
fake_arch_host=4
# shellcheck source=scripts/tests/sshd-lib.sh
. "$here/sshd-lib.sh"
miss=$(sshd_missing)
[[ -z "$miss" ]] || { echo "SKIP: remote_test.sh: no $miss (scripts/setup.sh installs openssh-server, openssh-client, parallel, rsync)"; exit 0; }
sshd_setup
for n in 2 3 4; do start_host "$n"; done
h2="$user@127.0.0.2:${port[2]}"
h3="$user@127.0.0.3:${port[3]}"
h4="$user@127.0.0.4:${port[4]}"
for h in "$h2" "$h3"; do
  $PARALLEL_SSH -p "${h##*:}" "${h%:*}" true || { echo "FAIL: cannot ssh to $h" >&2; cat "$tmp"/sshd*.log >&2; exit 1; }
done
# One slot given, one by default (torture.sh: 1), the foreign host.
printf '# remote_test.sh\n%s\n\n1/%s\n%s\n' "$h2" "$h3" "$h4" >"$tmp/hosts"
printf '%s\n%s\n' "$h2" "$h3" >"$tmp/hosts2"

# ---- Bad input: exit 64, one line, nothing in the results tree touched.
res="$tmp/res"
mkdir -p "$res/old/TREE07" && echo 0 >"$res/old/TREE07/retval" && echo log >"$res/old/log"
snap() { find "$res" -printf '%p %s %T@ %m\n' | sort; }
snap >"$tmp/snap.before"
printf '# nothing\n\n   \n' >"$tmp/hosts.empty"
printf '%s\n:\n' "$h2" >"$tmp/hosts.local"
mkdir -p "$tmp/nopar"
for f in /usr/local/bin/* /usr/bin/* /bin/*; do
  [[ "${f##*/}" == parallel || -e "$tmp/nopar/${f##*/}" ]] || ln -s "$f" "$tmp/nopar/${f##*/}"
done
bad() {  # WHAT ARGS...: torture.sh ARGS must exit 64 with one line
  local what="$1" rc
  shift
  "$@" --trust-build --configs TREE07 --duration 1s --results "$res" --datestamp bad >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  ((rc == 64)) || fail "bad input ($what): exit $rc, want 64"
  [[ $(wc -l <"$tmp/bad.err") == 1 && ! -s "$tmp/bad.out" ]] ||
    fail "bad input ($what): want one line on stderr, got: $(cat "$tmp/bad.out" "$tmp/bad.err")"
  [[ ! -e "$res/bad" ]] || { fail "bad input ($what) created $res/bad"; rm -rf "$res/bad"; }
}
bad "missing hosts file" "$s/torture.sh" --remote "$tmp/no-such-hosts"
grep -q "cannot read the --remote hosts file '$tmp/no-such-hosts'" "$tmp/bad.err" || fail "missing hosts file: message: $(cat "$tmp/bad.err")"
bad "hosts file is a directory" "$s/torture.sh" --remote "$tmp"
bad "empty hosts file" "$s/torture.sh" --remote "$tmp/hosts.empty"
grep -q "names no host" "$tmp/bad.err" || fail "empty hosts file: message: $(cat "$tmp/bad.err")"
bad "':' in the hosts file" "$s/torture.sh" --remote "$tmp/hosts.local"
bad "no GNU parallel" env PATH="$tmp/nopar" "$s/torture.sh" --remote "$tmp/hosts"
grep -q "needs GNU parallel" "$tmp/bad.err" || fail "no parallel: message: $(cat "$tmp/bad.err")"
bad "unknown option" "$s/torture.sh" --remote "$tmp/hosts" --remote-frobnicate
bad "--retries 0" "$s/torture.sh" --remote "$tmp/hosts" --retries 0
bad "--retries x" "$s/torture.sh" --remote "$tmp/hosts" --retries x
bad "--retries without --remote" "$s/torture.sh" --retries 2
bad "--remote without a value" "$s/torture.sh" --remote
snap >"$tmp/snap.after"
cmp -s "$tmp/snap.before" "$tmp/snap.after" || fail "bad input changed the results tree: $(diff "$tmp/snap.before" "$tmp/snap.after")"

# ---- The same scenarios here and over ssh.
cfgs="TREE05 SRCU-N 2*TREE07"
insts="TREE05 SRCU-N TREE07 TREE07.2"
normcmd() {  # CMDFILE RUNDIR: the command with its paths as placeholders
  sed -e "s#/tmp/rcutorture-remote\.[^/ ]*/t/bin/rcutorture#BIN#; s#/tmp/rcutorture-remote\.[^/ ]*/t/configs/#CFG/#" \
      -e "s#/tmp/rcutorture-remote\.[^/ ]*/#RUN/#g; s#$top/build/release/torture/rcutorture#BIN#" \
      -e "s#$2/configs/#CFG/#; s#$2/#RUN/#g" "$1"
}
local_and_engine remote "$cfgs" 4s --remote "$tmp/hosts"
r="$tmp/remote"
l="$tmp/local"
((lrc == 0)) || fail "local run: exit $lrc, want 0: $(cat "$tmp/local.out")"
# 127.0.0.4 refused, in one line naming it; the others accepted.
[[ "$(grep -c 'refused' "$tmp/remote.out")" == 1 ]] &&
  grep -qx "torture.sh: host $h4 refused: architecture aarch64, the build is $(uname -m)" "$tmp/remote.out" ||
  fail "want one refusal line naming $h4: $(grep refused "$tmp/remote.out")"
[[ "$(cat "$r/remote-hosts")" == "$(printf '1/%s\n1/%s' "$h2" "$h3")" ]] || fail "remote-hosts: $(cat "$r/remote-hosts")"
[[ -s "$r/remote.tgz" ]] && tar tzf "$r/remote.tgz" >"$tmp/tgz.list" || fail "no remote.tgz"
for f in t/bin/rcutorture t/bin/torture_module.so t/scripts/torture-remote.sh t/scripts/torture-lib.sh \
         t/configs/TREE05 t/configs/CFcommon t/params; do
  grep -qx "$f" "$tmp/tgz.list" || fail "remote.tgz lacks $f"
done
grep -q '^t/bin/plugins/.*\.so$' "$tmp/tgz.list" || fail "remote.tgz lacks the plugins"
for n in $insts; do
  for f in console.log cmd cmd.local config summary.json retval host attempt; do
    [[ -s "$r/$n/$f" ]] || fail "$n: no $f in the remote run"
  done
  [[ "$(tl_verdict "$r/$n")" == SUCCESS && "$(tl_verdict "$l/$n")" == SUCCESS ]] ||
    fail "$n: verdicts $(tl_verdict "$l/$n") here, $(tl_verdict "$r/$n") remote"
  [[ "$(cat "$r/$n/retval")" == "$(cat "$l/$n/retval")" ]] || fail "$n: retval differs"
  a=$("$s/parse-console.sh" --quiet "$l/$n/console.log" "$n" | grep '^Summary:' | sed 's/  Close calls: [0-9]*//')
  b=$("$s/parse-console.sh" --quiet "$r/$n/console.log" "$n" | grep '^Summary:' | sed 's/  Close calls: [0-9]*//')
  [[ -n "$a" && "$a" == "$b" ]] || fail "$n: Summary lines differ: '$a' / '$b'"
  [[ -n "$(start_params "$r/$n/console.log")" && "$(start_params "$r/$n/console.log")" == "$(start_params "$l/$n/console.log")" ]] ||
    fail "$n: rcutorture parameters differ: $(start_params "$l/$n/console.log") / $(start_params "$r/$n/console.log")"
  grep -q '/tmp/rcutorture-remote\.' "$r/$n/cmd" || fail "$n: cmd is not the host's"
  [[ "$(normcmd "$r/$n/cmd" "$r")" == "$(normcmd "$l/$n/cmd" "$l")" &&
     "$(normcmd "$r/$n/cmd.local" "$r")" == "$(normcmd "$l/$n/cmd" "$l")" ]] ||
    fail "$n: command lines differ: $(normcmd "$l/$n/cmd" "$l") / $(normcmd "$r/$n/cmd" "$r")"
  host=$(cat "$r/$n/host")
  [[ "$host" == "$h2" || "$host" == "$h3" ]] || fail "$n: host file '$host'"
  [[ "$(cat "$r/$n/attempt")" == 1 ]] || fail "$n: attempt $(cat "$r/$n/attempt"), want 1"
  grep -Eq "^$n +SUCCESS +0 " "$tmp/remote.out" && grep -A1 -E "^$n +SUCCESS +0 " "$tmp/remote.out" |
    grep -qE "^ +host $host, attempts 1\$" || fail "$n: summary rows: $(grep -A1 -E "^$n " "$tmp/remote.out")"
done
[[ "$(awk -F'\t' 'NR > 1 && $7 == 0 && $9 ~ / 1$/' "$r/joblog" | wc -l)" == 4 && "$(wc -l <"$r/joblog")" == 5 ]] ||
  fail "joblog: want 4 jobs, exit 0, attempt 1: $(cat "$r/joblog")"
grep -q '^No errors in 4 runs\.$' "$tmp/remote.out" || fail "remote run: no 'No errors in 4 runs.'"
compgen -G "/tmp/rcutorture-remote.*.remote.*" >/dev/null && fail "the remote run directory was left on the hosts"

# ---- bisect.sh --remote: a throwaway repository whose third of five
# commits switches SCEN to the busted flavour; each probe's two runs go to
# the two hosts at once.
# Every probe's two runs on the two hosts (one slot each) at once.
pool_bisect "remote bisect" '^Remote: 2 scenarios on 2 hosts' "^ +host ($h2|$h3), attempts 1\$" 3s --remote "$tmp/hosts2"
repo="$tmp/repo"
# A bad hosts file is refused before git bisect starts.
(cd "$repo" && "$s/bisect.sh" --good HEAD~4 --bad HEAD --configs SCEN --duration 3s \
   --binary "$top/build/release/torture/rcutorture" --remote "$tmp/hosts.empty") >"$tmp/bbad.out" 2>"$tmp/bbad.err"
rc=$?
((rc == 64)) && [[ "$(cat "$tmp/bbad.err")" == "bisect.sh: the --remote hosts file '$tmp/hosts.empty' names no host" ]] &&
  ! git -C "$repo" bisect log >/dev/null 2>&1 || fail "remote bisect, empty hosts file: exit $rc, $(cat "$tmp/bbad.err")"

# ---- A host dies while its scenario runs.
SECONDS=0
"$s/torture.sh" --trust-build --remote "$tmp/hosts2" --configs "SRCU-N TREE07" --duration 10s \
  --results "$tmp" --datestamp kill >"$tmp/kill.out" 2>&1 &
tpid=$!
victim=""
vn=""
for _ in $(seq 600); do
  victim=$(grep -m1 '^torture-remote: start SRCU-N attempt 1 on ' "$tmp/kill/remote.out" 2>/dev/null | sed 's/.* on //')
  [[ -z "$victim" ]] || break
  kill -0 "$tpid" 2>/dev/null || break
  sleep 0.2
done
sleep 2
case "$victim" in
  "$h2") vn=2; other=$h3 ;;
  "$h3") vn=3; other=$h2 ;;
  *) fail "kill: SRCU-N did not start on a host ('$victim')"; other="" ;;
esac
[[ -z "$vn" ]] || kill_host "$vn"
wait "$tpid"
rc=$?
echo "kill run: ${SECONDS}s"
k="$tmp/kill"
((rc == 0)) || fail "kill: exit $rc, want 0"
[[ "$(tl_verdict "$k/SRCU-N")" == SUCCESS && "$(cat "$k/SRCU-N/retval" 2>/dev/null)" == 0 ]] ||
  fail "kill: SRCU-N verdict $(tl_verdict "$k/SRCU-N")"
[[ "$(cat "$k/SRCU-N/host" 2>/dev/null)" == "$other" && "$(cat "$k/SRCU-N/attempt" 2>/dev/null)" == 2 ]] ||
  fail "kill: SRCU-N's host/attempt files: $(cat "$k/SRCU-N/host" "$k/SRCU-N/attempt" 2>&1)"
[[ "$(grep -c '^torture-remote: start SRCU-N ' "$k/remote.out")" == 2 ]] &&
  grep -qx "torture-remote: start SRCU-N attempt 2 on $other" "$k/remote.out" ||
  fail "kill: SRCU-N's attempts in remote.out: $(grep SRCU-N "$k/remote.out")"
awk -F'\t' -v h="$other" '$2 == h && $7 == 0 && $9 ~ /job SRCU-N 2$/' "$k/joblog" | grep -q . ||
  fail "kill: joblog: $(cat "$k/joblog")"
grep -A1 -E '^SRCU-N +SUCCESS +0 ' "$tmp/kill.out" | grep -qE "^ +host $other, attempts 2 \\(before: $victim\\)\$" ||
  fail "kill: SRCU-N summary rows: $(grep -A1 -E '^SRCU-N ' "$tmp/kill.out")"
# The scenario on the surviving host keeps its result.
[[ "$(tl_verdict "$k/TREE07")" == SUCCESS && "$(cat "$k/TREE07/host" 2>/dev/null)" == "$other" &&
   "$(cat "$k/TREE07/attempt" 2>/dev/null)" == 1 ]] || fail "kill: TREE07 lost: $(tl_verdict "$k/TREE07")"
grep -A1 -E '^TREE07 +SUCCESS +0 ' "$tmp/kill.out" | grep -qE "^ +host $other, attempts 1\$" ||
  fail "kill: TREE07 summary rows: $(grep -A1 -E '^TREE07 ' "$tmp/kill.out")"
grep -q '^No errors in 2 runs\.$' "$tmp/kill.out" || fail "kill: no 'No errors in 2 runs.'"
[[ -z "$vn" ]] || start_host "$vn"   # the same port: the hosts file stays valid

# ---- Every attempt lost: the only host dies while its scenario runs (the
# retry, on the only host there is, finds it dead too).
printf '%s\n' "$h2" >"$tmp/hosts1"
SECONDS=0
"$s/torture.sh" --trust-build --remote "$tmp/hosts1" --configs TREE07 --duration 30s \
  --results "$tmp" --datestamp lost >"$tmp/lost.out" 2>&1 &
tpid=$!
for _ in $(seq 600); do
  grep -q '^torture-remote: start TREE07 attempt 1 ' "$tmp/lost/remote.out" 2>/dev/null && break
  kill -0 "$tpid" 2>/dev/null || break
  sleep 0.2
done
sleep 1
kill_host 2
wait "$tpid"
rc=$?
echo "lost run: ${SECONDS}s"
o="$tmp/lost"
((rc == 3)) || fail "lost: exit $rc, want 3"
[[ "$(tl_verdict "$o/TREE07")" == HOST-LOST ]] || fail "lost: verdict $(tl_verdict "$o/TREE07")"
[[ "$(cat "$o/TREE07/lost" 2>/dev/null)" == "host lost: 2 attempts (on $h2; exit 255); retrieved: nothing" ]] ||
  fail "lost: lost file: $(cat "$o/TREE07/lost" 2>&1)"
grep -qxF "TREE07       HOST-LOST   on $h2 (2 attempts; exit 255); retrieved: nothing" "$tmp/lost.out" &&
  grep -qx ' *host lost: 2 attempts .*' "$tmp/lost.out" &&
  grep -q '^1 scenarios lost with their hosts (host lost)\.$' "$tmp/lost.out" || fail "lost: report"
# The dead host's run directory (this machine's /tmp): no host left to remove it.
rd=$(grep -o 'into /tmp/rcutorture-remote\.[^;]*;' "$tmp/lost.out" | sed 's/^into //; s/;$//')
[[ "$rd" == /tmp/rcutorture-remote.*.lost.* ]] && rm -rf "$rd"
start_host 2

# ---- Ctrl-C: SIGINT to the whole process group (torture.sh and GNU
# parallel), as a terminal sends it. (A background job ignores SIGINT,
# which bash cannot trap: perl puts the default action back.)
SECONDS=0
# shellcheck disable=SC2016  # perl
setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$s/torture.sh" --trust-build --remote "$tmp/hosts2" \
  --configs "BUSTED TREE07 SRCU-N" --duration 60s --results "$tmp" --datestamp ctrlc -- --stat_interval=1 \
  >"$tmp/ctrlc.out" 2>&1 &
tpid=$!
for _ in $(seq 600); do
  [[ "$(grep -c '^torture-remote: start ' "$tmp/ctrlc/remote.out" 2>/dev/null)" -ge 2 ]] && break
  kill -0 "$tpid" 2>/dev/null || break
  sleep 0.2
done
sleep 3
kill -INT -- "-$tpid"
wait "$tpid"
rc=$?
echo "Ctrl-C run: ${SECONDS}s"
c="$tmp/ctrlc"
((rc == 3)) || fail "Ctrl-C: exit $rc, want 3 (the stopped BUSTED fails)"
((SECONDS < 55)) || fail "Ctrl-C: the run did not stop (${SECONDS}s)"
grep -q 'End of test: FAILURE' "$c/BUSTED/console.log" 2>/dev/null && [[ "$(cat "$c/BUSTED/retval")" == 1 ]] ||
  fail "Ctrl-C: BUSTED's verdict was not brought back"
grep -q 'End of test: SUCCESS' "$c/TREE07/console.log" 2>/dev/null && [[ "$(cat "$c/TREE07/retval")" == 0 ]] ||
  fail "Ctrl-C: TREE07's verdict was not brought back"
[[ -f "$c/SRCU-N/skipped" ]] && grep -q '^1 scenarios skipped (the run was stopped)\.$' "$tmp/ctrlc.out" ||
  fail "Ctrl-C: SRCU-N not skipped"
grep -q 'stopping the run\|the run counts as stopped' "$tmp/ctrlc.out" || fail "Ctrl-C: no stopping line"
grep -Eq '^BUSTED +FAILURE +1 ' "$tmp/ctrlc.out" && grep -Eq '^TREE07 +SUCCESS +0 ' "$tmp/ctrlc.out" ||
  fail "Ctrl-C: summary rows"
compgen -G "/tmp/rcutorture-remote.*.ctrlc.*" >/dev/null && fail "Ctrl-C: the run directory was left on the hosts"
pgrep -f 'rcutorture-remote\..*\.ctrlc\.' >/dev/null && fail "Ctrl-C: processes of the run left running"

if ((status)); then
  for f in remote.out kill.out lost.out ctrlc.out; do echo "--- $f" >&2; cat "$tmp/$f" >&2; done
fi
exit "$status"

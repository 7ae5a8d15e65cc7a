#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# parse_console_test.sh: parse-console.sh on the recorded logs in data/:
# exit codes, the Summary line of each (pinned: recheck.sh and torture.sh
# print it), the first finding, and console.log.diags written or not.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
pc="$here/../parse-console.sh"
cp -r "$here/data/." "$tmp/"
# check LOG EXIT SUMMARY [FIRST_LINE]
check() {
  local log="$tmp/$1" out rc
  out="$("$pc" "$log" T)"
  rc=$?
  [[ "$rc" == "$2" ]] || fail "$1: exit $rc, want $2"
  [[ "$(grep '^Summary: ' <<<"$out")" == "$3" ]] || fail "$1: summary '$(grep '^Summary: ' <<<"$out")', want '$3'"
  [[ -z "${4:-}" || "$(head -1 <<<"$out")" == "$4" ]] || fail "$1: first line '$(head -1 <<<"$out")', want '$4'"
  if [[ "$2" == 0 ]]; then
    [[ ! -e "$log.diags" ]] || fail "$1: diags written for a clean log"
  else
    [[ -s "$log.diags" ]] || fail "$1: no console.log.diags"
    [[ "$(cat "$log.diags")" == "$out" ]] || fail "$1: diags differ from the output"
  fi
}
check clean.log 0 "Summary: T: clean"
check failure.log 3 "Summary: T: Failures: 1  Errors: 4" "BUG: T FAILURE, 1660 instances"
check truncated.log 3 "Summary: T: No verdict: 1" "BUG: T no End of test line (the run died), 2 successful version messages"
check crashed.log 3 "Summary: T: No verdict: 1  Crashes: 1"
check hung/console.log 3 "Summary: T: GP hangs: 1  No verdict: 1  Hangs: 1  Writer stalls: 2" \
  "BUG: T no End of test line (the run died), 4 successful version messages: GP HANG at 256 torture stat 3"
check kernel.log 0 "Summary: T: clean  Close calls: 2"
# Recorded from real runs: a busted-lockdep run (one splat, at the
# reader's Dereference) and a wrong module exit (late callbacks).
check busted-lockdep.log 3 "Summary: T: Failures: 1  Errors: 3  Lockdep splats: 1  Close calls: 410"
grep -q '^torture/reader.cc:167 suspicious Dereference() usage!$' "$tmp/busted-lockdep.log.diags" || fail "lockdep splat body not in diags"
# The whole splat, not only its header: the locks held and the backtrace.
grep -q "^no locks held by reader1/16476\.$" "$tmp/busted-lockdep.log.diags" || fail "lockdep splat locks not in diags"
grep -q "torture::TortureOneRead()$" "$tmp/busted-lockdep.log.diags" || fail "lockdep splat backtrace not in diags"
check modules-late.log 3 "Summary: T: Failures: 1  Errors: 12  Late callbacks: 6209"
grep -q '^BUG: T 6209 late callbacks into unloaded modules (modules: field)$' "$tmp/modules-late.log.diags" || fail "no late-callback line"
# A clean re-analysis removes a stale diags file.
echo stale >"$tmp/clean.log.diags"
"$pc" "$tmp/clean.log" >/dev/null; [[ ! -e "$tmp/clean.log.diags" ]] || fail "stale diags kept"
# BAD SEQ: ver going backwards, with a verdict (a warning line).
sed 's/ver: 256 /ver: 100 /' "$tmp/clean.log" >"$tmp/badseq.log"
check badseq.log 3 "Summary: T: Bad seqs: 1" "WARNING: T BAD SEQ 231:100 last:441 version 2"
# RCU_HOTPLUG verdict.
sed 's/End of test: SUCCESS/End of test: RCU_HOTPLUG/' "$tmp/clean.log" >"$tmp/hotplug.log"
check hotplug.log 3 "Summary: T: Hotplug: 1" "WARNING: HOTPLUG FAILURES T"
# Induced stalls are expected, other stalls are errors.
{ sed -n '1,20p' "$tmp/clean.log"; echo "rcu-torture: rcu: INFO: rcu detected stalls on CPUs/tasks:"; sed -n '21,$p' "$tmp/clean.log"; } >"$tmp/stall.log"
check stall.log 3 "Summary: T: Stalls: 1"
sed 's/ stall_cpu=0 / stall_cpu=3 /' "$tmp/stall.log" >"$tmp/stall_expected.log"
check stall_expected.log 0 "Summary: T: clean  Expected stalls: 1"
# The verdict line, in both modes.
[[ "$("$pc" --quiet "$tmp/kernel.log" T)" == "Verdict: T: SUCCESS (End of test at line 20)"$'\n'"Summary: T: clean  Close calls: 2" ]] ||
  fail "kernel.log: --quiet prints the Verdict and Summary lines"

# Kernel consoles as they reach people (derived from kernel.log).
k="$tmp/kernel.log"
# CRLF, printk caller ids, mail quoting: the same verdict as the original.
sed 's/$/\r/' "$k" >"$tmp/crlf.log"
check crlf.log 0 "Summary: T: clean  Close calls: 2"
sed -E 's/^(\[ *[0-9]+\.[0-9]+\])/\1[    T91]/' "$k" >"$tmp/callerid.log"
check callerid.log 0 "Summary: T: clean  Close calls: 2"
sed 's/^/> /' "$k" >"$tmp/quoted.log"
check quoted.log 0 "Summary: T: clean  Close calls: 2"
# Wrapped by a mail client at 72 columns: the stats lines (ver:) and the
# End line are split; ver: stays monotonic and the verdict is found.
fold -s -w 72 "$k" >"$tmp/wrapped.log"
check wrapped.log 0 "Summary: T: clean  Close calls: 2"
# Boot chatter that merely says "Warning" (and a KASAN banner) is no
# finding; an uppercase WARNING: line is.
sed '2a [    0.100000] ACPI Warning: SystemIO range 0x0000000000000400-0x000000000000041F conflicts\n[    0.200000] KASAN: KernelAddressSanitizer initialized (generic)\n[    0.300000] Warning: unable to open an initial console.' "$k" >"$tmp/chatter.log"
check chatter.log 0 "Summary: T: clean  Close calls: 2"
# "!!!" without the torture prefix is no torture failure.
sed '5a [   10.000000] some-driver: !!! firmware says hello' "$k" >"$tmp/bangnoprefix.log"
check bangnoprefix.log 0 "Summary: T: clean  Close calls: 2"
# One BUG/Oops splat with its trace is one bug; a panic is its own class.
cat >"$tmp/splat.txt" <<'EOS'
[  100.000001] BUG: unable to handle page fault for address: ffff888100000000
[  100.000002] #PF: supervisor read access in kernel mode
[  100.000003] Oops: 0000 [#1] PREEMPT SMP NOPTI
[  100.000004] CPU: 1 PID: 91 Comm: rcu_torture_rea Not tainted 6.12.0 #1
[  100.000005] Call Trace:
[  100.000006]  <TASK>
[  100.000007]  rcu_torture_one_read+0x1a/0x2b0
[  100.000008]  </TASK>
[  100.000009] ---[ end trace 0000000000000000 ]---
[  100.000010] Kernel panic - not syncing: Fatal exception
[  100.000011] ---[ end Kernel panic - not syncing: Fatal exception ]---
EOS
head -12 "$k" | cat - "$tmp/splat.txt" >"$tmp/oops.log"
check oops.log 3 "Summary: T: No verdict: 1  Panics: 1  Bugs: 1  Close calls: 2"
# A WARN splat between "!!!" and its Reader Pipe histogram (the kernel's
# pr_cont() around WARN_ON_ONCE()): the histogram is still summed.
{ head -5 "$k"
  echo "[   20.000000] rcu-torture: rtc: 00000000b0b9fd3d ver: 1100 tfle: 0 rta: 1101 rtaf: 0 rtf: 1090"
  echo "[   20.000001] rcu-torture: !!! "
  echo "[   20.000002] ------------[ cut here ]------------"
  echo "[   20.000003] WARNING: CPU: 0 PID: 77 at kernel/rcu/rcutorture.c:2203 rcu_torture_stats_print+0x5e2/0x6a0"
  echo "[   20.000004] Call Trace:"
  echo "[   20.000005]  rcu_torture_stats+0x2c/0x60"
  echo "[   20.000006] ---[ end trace 0000000000000000 ]---"
  echo "[   20.000007] Reader Pipe:  1625740 227 3 1 0 0 0 0 0 0 0"
  sed -n '6,$p' "$k" | sed 's/End of test: SUCCESS/End of test: FAILURE/'
} >"$tmp/warnsplit.log"
check warnsplit.log 3 "Summary: T: Failures: 1  Errors: 1  Warnings: 1  Close calls: 2" "BUG: T FAILURE, 4 instances"
# A run that died right after its Start line, and an excerpt with neither.
head -4 "$k" >"$tmp/cut.log"
check cut.log 3 "Summary: T: No verdict: 1" "BUG: T no End of test line (the run died), 0 successful version messages"
grep -q '^Verdict: T: none (the log stops after its Start of test line, line 3' "$tmp/cut.log.diags" || fail "cut.log: verdict line"
sed -n '6,9p' "$k" >"$tmp/excerpt.log"
check excerpt.log 3 "Summary: T: No verdict: 1" "BUG: T no Start of test and no End of test line (an excerpt, or not an rcutorture console), 1 version messages"

# Bad inputs: each one line (or one finding) and a documented exit.
: >"$tmp/empty.log"
check empty.log 3 "Summary: T: Empty: 1" "BUG: T empty console log (the run wrote nothing)"
head -c 20000 /dev/urandom >"$tmp/binary.log"
check binary.log 3 "Summary: T: Not text: 1"
"$pc" "$tmp" 2>"$tmp/err"; [[ $? == 64 && $(wc -l <"$tmp/err") == 1 ]] && grep -q 'is a directory' "$tmp/err" ||
  fail "directory: want 64 and one line"
# A 10 MB line: kept, cut at 512 bytes in the output.
{ head -5 "$k"; printf 'rcu-torture: WARNING: %s\n' "$(head -c 10000000 /dev/zero | tr '\0' x)"; sed -n '6,$p' "$k"; } >"$tmp/longline.log"
out=$("$pc" "$tmp/longline.log" T); rc=$?
[[ $rc == 3 ]] || fail "longline: exit $rc, want 3"
(($(wc -c <<<"$out") < 20000)) || fail "longline: the 10 MB line was echoed whole"
grep -q ' more bytes\]$' <<<"$out" || fail "longline: no cut marker"
# The diags file cannot be written: the findings are printed anyway, one
# line on stderr names the file, exit 3.
cp "$tmp/failure.log" "$tmp/full.log"; ln -sf /dev/full "$tmp/full.log.diags"
out=$("$pc" "$tmp/full.log" T 2>"$tmp/err"); rc=$?
[[ $rc == 3 ]] || fail "unwritable diags: exit $rc, want 3"
grep -q '^Summary: T: Failures: 1' <<<"$out" || fail "unwritable diags: findings not printed"
[[ $(wc -l <"$tmp/err") == 1 ]] && grep -q "cannot write $tmp/full.log.diags: No space left on device" "$tmp/err" ||
  fail "unwritable diags: want one line naming the file ($(cat "$tmp/err"))"

# Bad usage: 64 and one line.
"$pc" 2>/dev/null; [[ $? == 64 ]] || fail "no argument: want 64"
"$pc" "$tmp/nope.log" 2>"$tmp/err"; [[ $? == 64 && $(wc -l <"$tmp/err") == 1 ]] || fail "missing file: want 64 and one line"
[[ "$("$pc" --help | tail -1)" == "cannot be read (missing, a directory, unreadable)." ]] ||
  fail "--help does not end with the header's last line"

# NUL bytes: reported, and dropped before the lines are read.
printf 'rcu-torture:--- Start of test: x\nrcu-torture:--- End of test: SUC\0CESS\n' >"$tmp/nul.log"
check nul.log 3 "Summary: T: NUL bytes: 1" "WARNING: T console output contains NUL bytes"
# A binary log larger than a pipe buffer (the awk version died of SIGPIPE).
head -c 200000 /dev/urandom >"$tmp/binary-big.log"
check binary-big.log 3 "Summary: T: Not text: 1"
# The scanner: RCUTORTURE_CONSOLE_SCAN names it (ctest sets it to this
# build's); one that is not there is one line and 64. --scanner prints it.
RCUTORTURE_CONSOLE_SCAN="$tmp/nope" "$pc" "$tmp/clean.log" >/dev/null 2>"$tmp/err"
[[ $? == 64 && $(wc -l <"$tmp/err") == 1 ]] && grep -q "RCUTORTURE_CONSOLE_SCAN='$tmp/nope'" "$tmp/err" ||
  fail "missing scanner: want 64 and one line naming it"
if [[ -n "${RCUTORTURE_CONSOLE_SCAN:-}" ]]; then
  [[ "$("$pc" --scanner)" == "$RCUTORTURE_CONSOLE_SCAN" ]] || fail "--scanner does not print RCUTORTURE_CONSOLE_SCAN"
fi
exit "$status"

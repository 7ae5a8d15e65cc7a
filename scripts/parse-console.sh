#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# parse-console.sh: finds what went wrong in one rcutorture console log.
#
#   scripts/parse-console.sh [--quiet] console.log [TITLE]
#
# Reads a log of ours or of the kernel's rcutorture (any "<type>-torture:"
# prefix; "[  123.456789] " console timestamps are ignored) and looks for:
#   Failures        an "End of test: FAILURE" verdict, or "!!!" lines: the
#                   "BUG: TITLE FAILURE, N instances" line sums the last 9
#                   fields of the last "!!!" line (Reader Pipe buckets 2..10)
#   Errors          lines carrying "!!!" (counted)
#   GP hangs, Bad seqs  the "ver:" counter of the stats lines must strictly
#                   increase: a repeat that lasts to the end is a GP HANG, any
#                   other non-increase a BAD SEQ
#   No verdict      no "End of test:" line (the run died or was killed)
#   Hotplug         an RCU_HOTPLUG verdict or "_HOTPLUG:" lines
#   Hangs           the runner killed the run ("hung" lines in the
#                   Warnings file beside the log)
#   Crashes         fatal signals (Abseil's "*** SIGSEGV received at ..."),
#                   sanitizer reports, "terminate called", "Check failed"
#   Bugs            "BUG" / "Oops:" lines
#   Lockdep splats  "WARNING: suspicious RCU usage" blocks
#   Warnings        other "WARNING:" / "Warn" lines
#   Stalls          RCU CPU stall warnings ("detected stalls", "detected
#                   expedited stalls", "self-detected stall"); reported as
#                   Expected stalls instead when the run induced them
#                   (stall_cpu > 0 on the Start line)
#   Starves, Writer stalls, Call traces, Badness   as the kernel's
#                   console-badness.sh
#   Late callbacks  N > 0 in a stats line's "modules: L/U:N" field
#   Close calls     Reader Batch buckets 2..10 of the last Reader Batch line
#                   (reported, not an error)
# Prints each finding, the offending lines (at most 200) and one line
#   Summary: TITLE: Failures: 1  Errors: 4 ...   (non-zero classes only), or
#   Summary: TITLE: clean [ Close calls: N]
# and writes the same text to console.log.diags beside the log when it
# found an error (removing a stale one otherwise).
# Exit: 0 clean, 3 errors found, 64 bad usage or unreadable log.
set -euo pipefail

quiet=0
if [[ "${1:-}" == "--quiet" ]]; then quiet=1; shift; fi
case "${1:-}" in
  -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "parse-console.sh: usage: parse-console.sh [--quiet] console.log [TITLE]" >&2; exit 64 ;;
  -*) echo "parse-console.sh: unknown option '$1'" >&2; exit 64 ;;
esac
log="$1"
[[ -f "$log" && -r "$log" ]] || { echo "parse-console.sh: cannot read console log '$log'" >&2; exit 64; }
(($# <= 2)) || { echo "parse-console.sh: too many arguments (usage: parse-console.sh console.log [TITLE])" >&2; exit 64; }
dir="$(dirname "$log")"
title="${2:-$(basename "$(cd "$dir" && pwd)")}"
diags="$log.diags"

nul=0
# shellcheck disable=SC2094  # both only read the log
if ! tr -d '\000' <"$log" | cmp -s - "$log"; then nul=1; fi
hung=0
if [[ -f "$dir/Warnings" ]]; then
  hung=$(grep -c 'hung\|silent for' "$dir/Warnings" || true)
fi

out="$(tr -d '\000' <"$log" | awk -v title="$title" -v nul="$nul" -v hung="$hung" -v warnfile="$dir/Warnings" '
function strip(s) {
  sub(/^\[ *[0-9]+\.[0-9]+\](\[ *[A-Z]?[0-9]+\])? ?/, "", s)
  return s
}
function keep(s) { if (nkept < 200) kept[++nkept] = s; else dropped++ }
{
  line = strip($0)
  matched = 0
  # The lines of a lockdep splat (what was wrong, the reader nesting, the
  # locks held, the backtrace), up to the next console line of the harness
  # or the next splat; blank lines are dropped.
  if (insplat) {
    if (line ~ /^[A-Za-z0-9_-]+-torture:/ || line ~ /^=+$/ || ++insplat > 40) insplat = 0
    else if (line !~ /^[ \t]*$/) keep(line)
  }
  if (line ~ /--- Start of test:/) {
    started = 1
    if (match(line, / stall_cpu=[0-9]+/)) {
      v = substr(line, RSTART + 11, RLENGTH - 11) + 0
      if (v > 0) stall_expected = 1
    }
    if (match(line, / shutdown_secs=[0-9]+/)) dur = substr(line, RSTART + 15, RLENGTH - 15) + 0
  }
  if (line ~ /End of test: /) {
    v = line; sub(/.*End of test: /, "", v); sub(/[: ].*/, "", v); verdict = v
  }
  if (line ~ /FAILURE/) anyfailure = 1
  if (line ~ /!!!/) { errors++; lastbang = line; matched = 1 }
  if (line ~ /_HOTPLUG:/ || line ~ /End of test: RCU_HOTPLUG/) { hotplug++; matched = 1 }
  if (line ~ /torture:.*ver:/ && line !~ /\(null\)/ && line !~ /rtc: 0+ /) {
    nver++
    v = line; sub(/.* ver: /, "", v); sub(/ .*/, "", v)
    if (v !~ /^[0-9]+$/) v = -1
    vers[nver] = v + 0
  }
  if (match(line, /modules: [0-9]+\/[0-9]+:[0-9]+/)) {
    v = substr(line, RSTART, RLENGTH); sub(/.*:/, "", v)
    if (v + 0 > late) late = v + 0
    if (v + 0 > 0) matched = 1
  }
  if (line ~ /Reader Batch:/) {
    v = line; sub(/.*Reader Batch: */, "", v)
    n = split(v, f, " "); s = 0
    for (i = 3; i <= n; i++) s += f[i]
    closecalls = s
  }
  if (line ~ /WARNING: suspicious RCU usage/) { lockdep++; matched = 1; insplat = 1 }
  else if (line ~ /WARNING:|Warn/) { warnings++; matched = 1 }
  if (line ~ /\*\*\* SIG[A-Z]+|AddressSanitizer|LeakSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer|runtime error: |terminate called|Check failed/) { crashes++; matched = 1 }
  if (line ~ /(^|[^A-Za-z0-9_])BUG|Oops:/) { bugs++; matched = 1 }
  if (line ~ /detected stalls on CPUs\/tasks:|self-detected stall on CPU|detected expedited stalls|Stall ended before state dump start/) {
    stalls++; matched = 1
  }
  if (line ~ /rcu_.*kthread starved for/) { starves++; matched = 1 }
  if (line ~ /\?\?\? Writer stall state/) { wstalls++; matched = 1 }
  if (line ~ /Call Trace:|Call trace:/) { traces++; matched = 1 }
  if (line ~ /Badness/) { badness++; matched = 1 }
  if (matched) keep(line)
}
END {
  # ver: monotonicity.
  seq = ""
  for (i = 2; i <= nver; i++) {
    if (vers[i] <= vers[i - 1]) {
      if (vers[i] == vers[i - 1] && vers[i] == vers[nver]) {
        seq = sprintf("GP HANG at %d torture stat %d", vers[i], i); gphang = 1
      } else {
        seq = sprintf("BAD SEQ %d:%d last:%d version %d", vers[i - 1], vers[i], vers[nver], i); badseq = 1
      }
      break
    }
  }
  if (anyfailure || errors) {
    failures = 1
    n = split(lastbang, f, " ")
    numeric = (n >= 9)
    for (i = n - 8; numeric && i <= n; i++) if (f[i] !~ /^[0-9]+$/) numeric = 0
    if (numeric) {
      s = 0; for (i = n - 8; i <= n; i++) s += f[i]
      print "BUG: " title " FAILURE, " s " instances"
    } else if (lastbang != "") {
      print "BUG: " title " FAILURE, " lastbang
    } else {
      print "BUG: " title " FAILURE"
    }
  }
  if (verdict == "") {
    noverdict = 1
    print "BUG: " title " no End of test line (the run died), " (nver + 0) " successful version messages" (seq != "" ? ": " seq : "")
  } else if (seq != "") {
    print "WARNING: " title " " seq
  }
  if (hotplug) print "WARNING: HOTPLUG FAILURES " title
  if (hung) {
    while ((getline w < warnfile) > 0) if (w ~ /hung|silent for/) print "BUG: " title " " w
  }
  if (nul) print "WARNING: " title " console output contains NUL bytes"
  if (late) print "BUG: " title " " late " late callbacks into unloaded modules (modules: field)"
  if (stall_expected && stalls) { xstalls = stalls; stalls = 0 }
  if (closecalls) {
    if (dur > 0 && int(closecalls * 36000 / dur) > 5 && closecalls > 1) sev = "BUG"; else sev = "WARNING"
    print sev ": " closecalls " Reader Batch close calls in " (dur > 0 ? sprintf("%.1f", dur / 60) : "?") " minute run: " title " (reported, not counted as an error)"
  }
  for (i = 1; i <= nkept; i++) print kept[i]
  if (dropped) print "... " dropped " more matching lines in the log"
  nerr = failures + errors + gphang + badseq + noverdict + hotplug + hung + crashes + bugs + \
         lockdep + warnings + stalls + starves + wstalls + traces + badness + (late > 0) + nul
  s = ""
  if (failures) s = s "  Failures: " failures
  if (errors) s = s "  Errors: " errors
  if (gphang) s = s "  GP hangs: 1"
  if (badseq) s = s "  Bad seqs: 1"
  if (noverdict) s = s "  No verdict: 1"
  if (hotplug) s = s "  Hotplug: " hotplug
  if (hung) s = s "  Hangs: " hung
  if (crashes) s = s "  Crashes: " crashes
  if (bugs) s = s "  Bugs: " bugs
  if (lockdep) s = s "  Lockdep splats: " lockdep
  if (warnings) s = s "  Warnings: " warnings
  if (stalls) s = s "  Stalls: " stalls
  if (starves) s = s "  Starves: " starves
  if (wstalls) s = s "  Writer stalls: " wstalls
  if (traces) s = s "  Call traces: " traces
  if (badness) s = s "  Badness: " badness
  if (late) s = s "  Late callbacks: " late
  if (nul) s = s "  NUL bytes: 1"
  r = ""
  if (xstalls) r = r "  Expected stalls: " xstalls
  if (closecalls) r = r "  Close calls: " closecalls
  if (nerr) print "Summary: " title ":" substr(s, 2) r
  else print "Summary: " title ": clean" r
  print "#errors " nerr
}')"

nerr="${out##*#errors }"
out="${out%$'\n'#errors *}"
if ((nerr > 0)); then
  if ! printf '%s\n' "$out" >"$diags"; then
    echo "parse-console.sh: cannot write $diags" >&2
    exit 64
  fi
else
  rm -f "$diags"
fi
if ((quiet)); then
  grep '^Summary: ' <<<"$out"
else
  printf '%s\n' "$out"
fi
((nerr == 0)) || exit 3
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# parse-console.sh: finds what went wrong in one rcutorture console log.
#
#   scripts/parse-console.sh [--quiet] console.log [TITLE]
#
# Reads a console of ours or of the kernel's rcutorture: any
# "<type>-torture:" prefix; console timestamps "[  123.456789] " with or
# without a printk caller id ("[  123.456789][  T91] "), carriage returns
# (CRLF copies) and mail quoting ("> ") are ignored, and in a timestamped
# console a line without a timestamp continues the one before it (a copy
# wrapped by a mail client). Classes, as the kernel's parse-console.sh and
# console-badness.sh count them, each splat counted once:
#   Failures        an "End of test: FAILURE" verdict, or torture "!!!"
#                   lines: the "BUG: TITLE FAILURE, N instances" line sums
#                   buckets 2..10 of the last "!!! Reader Pipe:" histogram
#                   (found on a later line when a splat split it from its
#                   "!!!")
#   Errors          lines with the torture prefix and "!!!"
#   GP hangs, Bad seqs  the "ver:" counter of the stats lines must strictly
#                   increase: a repeat that lasts to the end is a GP HANG, any
#                   other non-increase a BAD SEQ
#   No verdict      no "End of test:" line: the run died after its Start of
#                   test line, or (no Start line either) the log is an
#                   excerpt or no rcutorture console
#   Empty, Not text the log is empty, or mostly not text (nothing parsed)
#   Hotplug         an RCU_HOTPLUG verdict or "_HOTPLUG:" lines
#   Hangs           the runner killed the run ("hung" lines in the
#                   Warnings file beside the log)
#   Panics          "Kernel panic - not syncing"
#   Crashes         a fatal signal report (ours), a sanitizer's error report
#                   (ASan/LSan/TSan/MSan/UBSan), "terminate called",
#                   "Check failed"
#   Bugs            kernel BUG/Oops splats ("BUG:", "Oops:", "kernel BUG
#                   at", "Unable to handle kernel", "general protection
#                   fault"; KASAN/KCSAN reports): one per splat
#   Lockdep splats  lockdep reports ("WARNING: suspicious RCU usage",
#                   "possible circular locking dependency", ...)
#   Warnings        WARN splats ("WARNING: CPU: N PID: ..."), other
#                   "WARNING:" lines, and torture lines with "Warn"/"WARN";
#                   boot chatter that merely says "Warning" is not counted
#   Stalls          RCU CPU stall warnings ("detected stalls", "detected
#                   expedited stalls", "self-detected stall",
#                   "Stall ended before state dump start"); reported as
#                   Expected stalls instead when the run induced them
#                   (stall_cpu > 0 on the Start line)
#   Starves, Writer stalls, Badness   as the kernel's console-badness.sh
#   Call traces     "Call Trace:" outside any splat counted above
#   Late callbacks  N > 0 in a stats line's "modules: L/U:N" field
#   Close calls     Reader Batch buckets 2..10 of the last Reader Batch line
#                   (reported, not an error)
# Lines the kernel's console-badness.sh excludes never count (ODEBUG:, the
# DEBUG-kernel banner, the console and ttynull notices, NOHZ tick-stop).
# Prints each finding, the offending lines (at most 200, each cut at 512
# bytes), then
#   Verdict: TITLE: SUCCESS|FAILURE|RCU_HOTPLUG|none (why)
#   Summary: TITLE: Failures: 1  Errors: 4 ...   (non-zero classes only), or
#   Summary: TITLE: clean [ Close calls: N]
# and writes the same text to console.log.diags beside the log when it
# found an error (removing a stale one otherwise); if that file cannot be
# written the findings are still printed, and one line on stderr says so.
# --quiet prints the Verdict and Summary lines only. Memory is bounded by
# the longest line (plus the 200 kept lines).
# Exit: 0 clean, 3 errors found, 64 bad usage, or a log that cannot be
# read (missing, a directory, unreadable).
set -euo pipefail

quiet=0
if [[ "${1:-}" == "--quiet" ]]; then quiet=1; shift; fi
case "${1:-}" in
  -h|--help) sed -n '2,62p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "parse-console.sh: usage: parse-console.sh [--quiet] console.log [TITLE]" >&2; exit 64 ;;
  -*) echo "parse-console.sh: unknown option '$1'" >&2; exit 64 ;;
esac
log="$1"
(($# <= 2)) || { echo "parse-console.sh: too many arguments (usage: parse-console.sh console.log [TITLE])" >&2; exit 64; }
[[ -e "$log" ]] || { echo "parse-console.sh: no console log '$log'" >&2; exit 64; }
[[ ! -d "$log" ]] || { echo "parse-console.sh: '$log' is a directory, not a console log" >&2; exit 64; }
[[ -r "$log" ]] && head -c 1 "$log" >/dev/null 2>&1 || { echo "parse-console.sh: cannot read console log '$log'" >&2; exit 64; }
# Few processes per log (recheck.sh runs this once per scenario): the
# directory and title by parameter expansion, one grep for NUL bytes, one
# tr and one awk for the rest.
if [[ "$log" == */* ]]; then dir="${log%/*}"; dir="${dir:-/}"; else dir=.; fi
if [[ -n "${2:-}" ]]; then
  title="$2"
else
  title="$(cd "$dir" && pwd)"; title="${title##*/}"
fi
diags="$log.diags"
export LC_ALL=C

# NUL bytes anywhere are reported (and dropped before awk reads the log).
nul=0
if grep -qaP '\x00' -- "$log"; then nul=1; fi
hung=0
if [[ -f "$dir/Warnings" ]]; then
  hung=$(grep -c 'hung\|silent for' "$dir/Warnings" || true)
fi

# Text or not: a log whose first 64 KiB are mostly neither printable nor
# blank is not parsed at all (awk counts, and stops classifying).
out="$(tr -d '\000' <"$log" | awk -v title="$title" -v nul="$nul" -v hung="$hung" \
  -v warnfile="$dir/Warnings" '
# Console timestamp, optionally followed by a printk caller id.
function stamped(s) { return s ~ /^\[ *[0-9]+\.[0-9]+\]/ }
function strip(s) {
  sub(/^\[ *[0-9]+\.[0-9]+\](\[ *[A-Z]?[0-9]+\])? ?/, "", s)
  return s
}
function cut(s) {
  if (length(s) > 512) return substr(s, 1, 512) " [... " (length(s) - 512) " more bytes]"
  return s
}
function keep(s) { if (nkept < 200) kept[++nkept] = cut(s); else dropped++ }
# console-badness.sh exclusions.
function excluded(s) {
  return s ~ /ODEBUG: |This means that this is a DEBUG kernel and it is|Warning: unable to open an initial console|Warning: Failed to add ttynull console|NOHZ tick-stop error: Non-RCU local softirq work is pending, handler/
}
# The last 9 numbers of a histogram line, summed; -1 if it has no 9.
function hist9(s,    f, n, i, t) {
  n = split(s, f, " ")
  if (n < 9) return -1
  t = 0
  for (i = n - 8; i <= n; i++) { if (f[i] !~ /^[0-9]+$/) return -1; t += f[i] }
  return t
}
# Reads raw lines; hands each logical line (a wrapped one joined) to
# classify(). In a console whose lines carry timestamps, a line without
# one continues the previous line, up to 4096 bytes.
{
  if (!decided) {
    # The first 64 KiB: count bytes that are neither printable nor blank.
    nbytes += length($0) + 1
    t = $0; nodd += gsub(/[^[:print:][:space:]]/, "", t)
    if (nbytes >= 65536) {
      decided = 1
      if (nodd * 10 > nbytes) { binary = nodd; exit }
    }
  }
  raw = $0
  sub(/\r+$/, "", raw)
  while (raw ~ /^> ?/) sub(/^> ?/, "", raw)
  nraw++
  if (stamped(raw)) nstamped++
  if (pending_set && !stamped(raw) && raw != "" && nstamped * 10 >= nraw * 9 && nraw > 5 &&
      length(pending) < 4096) {
    pending = pending " " raw
    next
  }
  if (pending_set) classify(strip(pending), pending_nr)
  pending = raw; pending_nr = NR; pending_set = 1
}
function classify(line, nr,    matched, v, f, n, i, s) {
  matched = 0
  nlines++
  if (excluded(line)) return
  torture = line ~ /^[A-Za-z0-9_.-]+-torture:/
  # Inside a splat (a BUG, Oops, WARN or lockdep report and its trace):
  # its own lines are part of the one finding, and lockdep bodies are kept.
  if (insplat) {
    if (torture || line ~ /---\[ end trace/ || ++splatlen > 80) {
      if (line ~ /---\[ end trace/) { if (splatkind == "lockdep") keep(line) }
      insplat = 0
    } else if (splatkind == "lockdep" && line !~ /^[ \t]*$/) {
      keep(line)
    }
  }
  if (line ~ /--- Start of test:/) {
    started = nr
    if (match(line, / stall_cpu=[0-9]+/)) {
      v = substr(line, RSTART + 11, RLENGTH - 11) + 0
      if (v > 0) stall_expected = 1
    }
    if (match(line, / shutdown_secs=[0-9]+/)) dur = substr(line, RSTART + 15, RLENGTH - 15) + 0
  }
  if (line ~ /--- End of test: /) {
    v = line; sub(/.*End of test: /, "", v); sub(/[: ].*/, "", v); verdict = v; verdict_nr = nr
  }
  if (torture && line ~ /!!!/) {
    errors++; lastbang = line; matched = 1
    bangsum = hist9(line)
    if (bangsum < 0 && line !~ /Reader Pipe:/) awaitpipe = 1
  }
  if (awaitpipe && line ~ /Reader Pipe:/ && !(torture && line ~ /!!!/)) {
    # The histogram a splat separated from its "!!!" (the kernel prints
    # "!!! ", then WARN_ON_ONCE(), then "Reader Pipe: ...").
    awaitpipe = 0; v = line; sub(/.*Reader Pipe:/, "", v); bangsum = hist9(v)
    if (bangsum >= 0) pipeline = line
    matched = 1
  }
  if (line ~ /_HOTPLUG:/ || line ~ /End of test: RCU_HOTPLUG/) { hotplug++; matched = 1 }
  if (line ~ /torture:.*ver:/ && line !~ /\(null\)/ && line !~ /rtc: 0+ /) {
    nver++
    v = line; sub(/.* ver: /, "", v); sub(/ .*/, "", v)
    if (v !~ /^[0-9]+$/) v = -1
    # The first stats line whose ver: does not increase (judged at END).
    if (nver > 1 && !firstbad && v + 0 <= prevver) {
      firstbad = nver; fb_prev = prevver; fb_v = v + 0
    }
    prevver = v + 0
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
  if (line ~ /Kernel panic - not syncing/ && line !~ /---\[ end Kernel panic/) {
    panics++; matched = 1; install = 1; stalllen = 0  # its dump is part of it
  }
  # Splat headers, one finding each.
  if (line ~ /WARNING: suspicious RCU usage|WARNING: possible (circular|recursive) locking|WARNING: inconsistent lock state|WARNING: possible irq lock inversion|WARNING: bad unlock balance|WARNING: lock held when returning|WARNING: held lock freed|WARNING: Nested lock was not taken|WARNING: .*lock(ing)? (dependency|imbalance|recursion)/) {
    lockdep++; matched = 1; insplat = 1; splatlen = 0; splatkind = "lockdep"
  } else if (line ~ /ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer)|WARNING: ThreadSanitizer|runtime error: |\*\*\* SIG[A-Z]+ received|terminate called|Check failed/) {
    # Ours: a fatal signal prints the "*** SIG..." line twice and a BUG:
    # line between: one crash.
    if (!(insplat && splatkind == "crash" && line ~ /\*\*\* SIG/)) crashes++
    matched = 1; insplat = 1; splatlen = 0; splatkind = "crash"
  } else if (line ~ /(^|[^A-Za-z0-9_])BUG[: ]|Oops:|kernel BUG at|Unable to handle kernel|general protection fault/ &&
             !(insplat && (splatkind == "bug" || splatkind == "crash"))) {
    bugs++; matched = 1; insplat = 1; splatlen = 0; splatkind = "bug"
  } else if (line ~ /(^|[^A-Za-z0-9_])BUG[: ]|Oops:|kernel BUG at|Unable to handle kernel|general protection fault/) {
    matched = 1  # the same splat (an Oops: after its BUG:)
  } else if (line ~ /WARNING:/) {
    if (!(insplat && splatkind == "warn")) warnings++
    matched = 1
    if (line ~ /WARNING: (CPU: [0-9]+ PID: |at )/) { insplat = 1; splatlen = 0; splatkind = "warn" }
  } else if (torture && line ~ /Warn|WARN/) {
    warnings++; matched = 1
  }
  # A stall report (and a writer-stall or starvation report, a panic) runs
  # on with backtraces and task dumps: their Call Traces are part of it.
  if (line ~ /detected stalls on CPUs\/tasks:|self-detected stall on CPU|detected expedited stalls|Stall ended before state dump start/) {
    stalls++; matched = 1; install = 1; stalllen = 0
  } else if (install && (line ~ /--- (Start|End) of test/ || ++stalllen > 200)) {
    install = 0
  }
  if (line ~ /rcu_.*kthread starved for/) { starves++; matched = 1; install = 1; stalllen = 0 }
  if (line ~ /\?\?\? Writer stall state/) { wstalls++; matched = 1; install = 1; stalllen = 0 }
  if (line ~ /Call Trace:|Call trace:/) {
    if (!insplat && !install) { traces++; matched = 1 }
  }
  if (line ~ /Badness/) { badness++; matched = 1 }
  if (matched) keep(line)
}
END {
  if (!decided && nodd * 10 > nbytes) binary = nodd
  if (binary) {
    print "BUG: " title " console log is not text (" binary " of its first " (nbytes < 65536 ? nbytes : 65536) " bytes are neither printable nor blank); not parsed"
    print "Verdict: " title ": none (not text)"
    print "Summary: " title ": Not text: 1"
    print "#errors 1"
    exit
  }
  if (pending_set) classify(strip(pending), pending_nr)
  if (NR == 0) {
    print "BUG: " title " empty console log (the run wrote nothing)"
    print "Verdict: " title ": none (empty log)"
    print "Summary: " title ": Empty: 1"
    print "#errors 1"
    exit
  }
  # ver: monotonicity.
  # A repeat that lasts to the end is a GP hang, any other non-increase a
  # bad sequence.
  seq = ""
  if (firstbad && fb_v == fb_prev && fb_v == prevver) {
    seq = sprintf("GP HANG at %d torture stat %d", fb_v, firstbad); gphang = 1
  } else if (firstbad) {
    seq = sprintf("BAD SEQ %d:%d last:%d version %d", fb_prev, fb_v, prevver, firstbad); badseq = 1
  }
  if (verdict == "FAILURE" || errors) {
    failures = 1
    if (bangsum >= 0) {
      print "BUG: " title " FAILURE, " bangsum " instances"
    } else if (lastbang != "") {
      v = lastbang; sub(/^[ \t]+/, "", v)
      print "BUG: " title " FAILURE, " cut(v)
    } else {
      print "BUG: " title " FAILURE"
    }
  }
  if (verdict == "") {
    noverdict = 1
    if (started) {
      print "BUG: " title " no End of test line (the run died), " (nver + 0) " successful version messages" (seq != "" ? ": " seq : "")
      vline = "none (the log stops after its Start of test line, line " started ": the run died or the log is truncated)"
    } else {
      print "BUG: " title " no Start of test and no End of test line (an excerpt, or not an rcutorture console), " (nver + 0) " version messages" (seq != "" ? ": " seq : "")
      vline = "none (no Start of test line: an excerpt, or not an rcutorture console)"
    }
  } else {
    vline = verdict " (End of test at line " verdict_nr ")"
    if (seq != "") print "WARNING: " title " " seq
  }
  if (hotplug) print "WARNING: HOTPLUG FAILURES " title
  if (hung) {
    while ((getline w < warnfile) > 0) if (w ~ /hung|silent for/) print "BUG: " title " " w
  }
  if (nul) print "WARNING: " title " console output contains NUL bytes"
  if (late) print "BUG: " title " " late " late callbacks into unloaded modules (modules: field)"
  if (panics) print "BUG: " title " kernel panic"
  if (stall_expected && stalls) { xstalls = stalls; stalls = 0 }
  if (closecalls) {
    if (dur > 0 && int(closecalls * 36000 / dur) > 5 && closecalls > 1) sev = "BUG"; else sev = "WARNING"
    print sev ": " closecalls " Reader Batch close calls in " (dur > 0 ? sprintf("%.1f", dur / 60) : "?") " minute run: " title " (reported, not counted as an error)"
  }
  for (i = 1; i <= nkept; i++) print kept[i]
  if (dropped) print "... " dropped " more matching lines in the log"
  nerr = failures + errors + gphang + badseq + noverdict + hotplug + hung + panics + crashes + bugs + \
         lockdep + warnings + stalls + starves + wstalls + traces + badness + (late > 0) + nul
  s = ""
  if (failures) s = s "  Failures: " failures
  if (errors) s = s "  Errors: " errors
  if (gphang) s = s "  GP hangs: 1"
  if (badseq) s = s "  Bad seqs: 1"
  if (noverdict) s = s "  No verdict: 1"
  if (hotplug) s = s "  Hotplug: " hotplug
  if (hung) s = s "  Hangs: " hung
  if (panics) s = s "  Panics: " panics
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
  print "Verdict: " title ": " vline
  if (nerr) print "Summary: " title ":" substr(s, 2) r
  else print "Summary: " title ": clean" r
  print "#errors " nerr
}')"

nerr="${out##*#errors }"
out="${out%$'\n'#errors *}"
if ((quiet)); then
  # The last two lines.
  v="${out%$'\n'Summary: *}"
  printf '%s\n%s\n' "${v##*$'\n'}" "Summary: ${out##*$'\n'Summary: }"
else
  printf '%s\n' "$out"
fi
if ((nerr > 0)); then
  if ! err=$({ printf '%s\n' "$out" >"$diags"; } 2>&1); then
    echo "parse-console.sh: cannot write $diags: ${err##*: }; the findings above are not saved" >&2
  fi
  exit 3
fi
if [[ -e "$diags" ]] && ! rm -f "$diags" 2>/dev/null; then
  echo "parse-console.sh: cannot remove the stale $diags" >&2
fi
exit 0

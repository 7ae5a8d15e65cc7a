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
#   NUL bytes       NUL bytes anywhere in the log (dropped before the rest)
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
# The rules live in one place, the scanner rcutorture-console-scan
# (torture/console/console_scan.cc), which this script runs. It is, the
# first that exists: $RCUTORTURE_CONSOLE_SCAN; the installed one
# (<prefix>/libexec/rcutorture/, beside <prefix>/share/rcutorture/scripts/);
# build/release/torture/ of the tree, then build/*/torture/; else, in the
# source tree, one compiled on first use into build/console-scan/ (c++).
# --scanner prints the path of the scanner it would run and exits.
# Exit: 0 clean, 3 errors found, 64 bad usage, no scanner, or a log that
# cannot be read (missing, a directory, unreadable).
set -euo pipefail

# scanner: sets $scan to the scanner's path, or says why there is none
# and exits 64.
scanner() {
  local here=. top b
  [[ "${BASH_SOURCE[0]}" != */* ]] || here="${BASH_SOURCE[0]%/*}"
  if [[ -n "${RCUTORTURE_CONSOLE_SCAN:-}" ]]; then
    scan="$RCUTORTURE_CONSOLE_SCAN"
    [[ -f "$scan" && -x "$scan" ]] && return
    echo "parse-console.sh: RCUTORTURE_CONSOLE_SCAN='$scan' is not an executable file" >&2
    exit 64
  fi
  for scan in "$here/../../../libexec/rcutorture/rcutorture-console-scan" \
              "$here/../build/release/torture/rcutorture-console-scan" \
              "$here"/../build/*/torture/rcutorture-console-scan; do
    [[ -f "$scan" && -x "$scan" ]] && return
  done
  # The source tree without a build: compile it (again when a source is
  # newer than the binary).
  top="$here/.."
  local src="$top/torture/console"
  if [[ -f "$src/console_scan.cc" && -f "$src/console_scan_main.cc" && -f "$src/console_scan.h" ]]; then
    b="$top/build/console-scan"
    scan="$b/rcutorture-console-scan"
    if [[ -x "$scan" && ! "$src/console_scan.cc" -nt "$scan" && ! "$src/console_scan_main.cc" -nt "$scan" &&
          ! "$src/console_scan.h" -nt "$scan" ]]; then
      return
    fi
    if mkdir -p "$b" 2>/dev/null &&
       c++ -O2 -std=c++20 -I"$top" -o "$scan.$$" "$src/console_scan.cc" "$src/console_scan_main.cc" \
         >"$b/build.log" 2>&1 && mv -f "$scan.$$" "$scan"; then
      return
    fi
    rm -f "$scan.$$"
    echo "parse-console.sh: no rcutorture-console-scan found (build the tree or set RCUTORTURE_CONSOLE_SCAN); compiling one into $b failed (see $b/build.log)" >&2
    exit 64
  fi
  echo "parse-console.sh: no rcutorture-console-scan found (build the tree or set RCUTORTURE_CONSOLE_SCAN)" >&2
  exit 64
}

quiet=0
if [[ "${1:-}" == "--quiet" ]]; then quiet=1; shift; fi
case "${1:-}" in
  -h|--help) sed -n '2,73p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --scanner) scanner; printf '%s\n' "$scan"; exit 0 ;;
  "") echo "parse-console.sh: usage: parse-console.sh [--quiet] console.log [TITLE]" >&2; exit 64 ;;
  -*) echo "parse-console.sh: unknown option '$1'" >&2; exit 64 ;;
esac
log="$1"
(($# <= 2)) || { echo "parse-console.sh: too many arguments (usage: parse-console.sh console.log [TITLE])" >&2; exit 64; }
[[ -e "$log" ]] || { echo "parse-console.sh: no console log '$log'" >&2; exit 64; }
[[ ! -d "$log" ]] || { echo "parse-console.sh: '$log' is a directory, not a console log" >&2; exit 64; }
# (Opened here by the shell; the scanner says so if reading it fails.)
[[ -r "$log" ]] && { : <"$log"; } 2>/dev/null || { echo "parse-console.sh: cannot read console log '$log'" >&2; exit 64; }
# One process per log (recheck.sh runs this once per scenario): the
# directory and title by parameter expansion, then the scanner.
if [[ "$log" == */* ]]; then dir="${log%/*}"; dir="${dir:-/}"; else dir=.; fi
if [[ -n "${2:-}" ]]; then
  title="$2"
else
  title="$(cd "$dir" && pwd)"; title="${title##*/}"
fi
diags="$log.diags"
export LC_ALL=C
scanner
warnings=()
[[ ! -f "$dir/Warnings" ]] || warnings=("$dir/Warnings")
rc=0
out="$("$scan" "$log" "$title" "${warnings[@]}")" || rc=$?
if ((rc)); then
  # 64: it said why (the log cannot be read); else it failed.
  ((rc == 64)) || echo "parse-console.sh: $scan failed (exit $rc) on '$log'" >&2
  exit 64
fi

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

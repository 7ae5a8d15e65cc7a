#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# urcu-judge.sh: judges saved outputs of liburcu's test programs strictly
# (liburcu's own criteria pass a broken RCU; see scripts/README.md).
#
#   scripts/urcu-judge.sh OUTPUT...
#
# Each OUTPUT is one run's stdout and stderr as scripts/urcu-tests.sh saves
# it, between its header and trailer lines:
#   urcu-tests: run NAME: COMMAND     the run's name (else the file's name
#                                     without its extension)
#   urcu-tests: expect KIND           tap (a TAP plan, all ok), stress (tap
#                                     plus a rcu_stress_count line),
#                                     summary (a SUMMARY line), hash
#                                     (summary with nr_leaked); without it,
#                                     a TAP plan or a SUMMARY line
#   ...
#   urcu-tests: exit N                the exit status (128+S: signal S), or
#   urcu-tests: timeout S             killed after S seconds
# A run FAILs on any of: no exit line (interrupted), a timeout, a non-zero
# exit status or a signal, an "Assertion ... failed" line, a TAP plan not
# met or a "not ok" line, a non-zero rcu_stress_count column from 2 up (a
# reader saw an element two or more updates old: a grace period too
# short), a non-zero n_mberror, a WARNING or Discrepancy line (but
# test_urcu_hash's "WARNING: required to populate N nodes (-k), but random
# pool is quite small", a note on its options), a non-zero
# nr_leaked, a missing SUMMARY/plan/rcu_stress_count/nr_leaked its KIND
# needs.
# Prints one line per OUTPUT, `PASS NAME` or `FAIL NAME: REASON[; ...]`.
# Exit: 0 all passed, 1 some failed, 64 bad usage or an unreadable OUTPUT.
set -euo pipefail

case "${1:-}" in
  -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
  "") echo "urcu-judge.sh: usage: urcu-judge.sh OUTPUT..." >&2; exit 64 ;;
  --) shift ;;
  -*) echo "urcu-judge.sh: unknown option '$1'" >&2; exit 64 ;;
esac
for f in "$@"; do
  [[ -f "$f" && -r "$f" ]] || { echo "urcu-judge.sh: cannot read output '$f'" >&2; exit 64; }
done

failed=0
for f in "$@"; do
  base="$(basename "$f")"
  line="$(awk -v fname="${base%.*}" '
function why(s) { if (nwhy < 6) reasons[++nwhy] = s; else more++ }
function clip(s) { return length(s) > 160 ? substr(s, 1, 160) "..." : s }
BEGIN {
  name = fname; kind = "auto"; ended = ""; plan = -1; oks = 0
  signame[1] = "SIGHUP"; signame[2] = "SIGINT"; signame[3] = "SIGQUIT"
  signame[4] = "SIGILL"; signame[6] = "SIGABRT"; signame[7] = "SIGBUS"
  signame[8] = "SIGFPE"; signame[9] = "SIGKILL"; signame[11] = "SIGSEGV"
  signame[13] = "SIGPIPE"; signame[14] = "SIGALRM"; signame[15] = "SIGTERM"
}
/^urcu-tests: run / {
  s = $0; sub(/^urcu-tests: run /, "", s); sub(/:.*/, "", s)
  if (s != "") name = s
  next
}
/^urcu-tests: expect / { kind = $3; next }
/^urcu-tests: exit [0-9]+$/ { ended = "exit"; status = $3 + 0; next }
/^urcu-tests: timeout / { ended = "timeout"; tsecs = $3; next }
/^1\.\.[0-9]+/ { s = $0; sub(/^1\.\./, "", s); plan = s + 0 }
/^ok [0-9]+/ { oks++ }
/^not ok/ { why("TAP: " clip($0)) }
/Assertion .* failed/ { why("assertion failed: " clip($0)) }
/rcu_stress_count:/ {
  stress = 1
  s = $0; sub(/.*rcu_stress_count:/, "", s)
  n = split(s, c, " ")
  bad = 0
  for (i = 3; i <= n; i++) if (c[i] != "0") bad = 1
  if (n < 3) why("short rcu_stress_count line: " clip($0))
  else if (bad) why("rcu_stress_count columns 2 and up not zero:" s)
}
/n_mberror:/ {
  s = $0; sub(/.*n_mberror: */, "", s); sub(/[^0-9].*/, "", s)
  if (s + 0 != 0) why("n_mberror " s)
}
# A note of the hash test on its own options (runhash.sh run 15): no error.
/WARNING: required to populate [0-9]+ nodes \(-k\), but random pool is quite small/ { next }
/WARNING|Discrepancy/ { why(clip($0)) }
/^SUMMARY / { summary = 1 }
/nr_leaked/ {
  leaked = 1
  s = $0; sub(/.*nr_leaked +/, "", s); sub(/[^-0-9].*/, "", s)
  if (s + 0 != 0) why("nr_leaked " s)
}
END {
  if (kind == "auto") kind = plan >= 0 ? "tap" : (summary ? "summary" : "auto")
  if (kind == "tap" || kind == "stress") {
    if (plan < 0) why("no TAP plan line (1..N)")
    else if (oks < plan) why("TAP: " oks " of " plan " tests ok")
    if (kind == "stress" && !stress) why("no rcu_stress_count line")
  } else if (kind == "summary" || kind == "hash") {
    if (!summary) why("no SUMMARY line")
    if (kind == "hash" && !leaked) why("no nr_leaked figure")
  } else if (kind == "auto") {
    why("neither a TAP plan nor a SUMMARY line")
  } else {
    why("unknown kind \"" kind "\" in the expect line")
  }
  # How the run ended comes first when it did not end by itself.
  first = ""
  if (ended == "") first = "no exit status recorded (the run was interrupted)"
  else if (ended == "timeout") first = "timed out after " tsecs " s (hung; killed)"
  else if (status > 128) first = "killed by signal " status - 128 ((status - 128) in signame ? " (" signame[status - 128] ")" : "")
  else if (status != 0) why("exit status " status)
  if (!nwhy && first == "") { print "PASS " name; exit }
  out = "FAIL " name ": " (first != "" ? first : reasons[1])
  for (i = (first != "" ? 1 : 2); i <= nwhy; i++) out = out "; " reasons[i]
  if (more) out = out "; and " more " more"
  print out
}' "$f")"
  echo "$line"
  [[ "$line" == PASS* ]] || failed=1
done
exit "$failed"

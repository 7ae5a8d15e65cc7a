#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# golden_test.sh RCUTORTURE: pins the formats scripts parse (regex-based,
# since the numbers vary): the Start-of-test line, the four stats lines,
# the verbose task lines and the cleanup order (with the barrier, read-exit
# and forward-progress threads), the barrier and read-exit counters and the
# kernel's skip messages, the End-of-test line (same parameter list as
# Start), and the JSON summary's fields.
set -uo pipefail
rt="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
N='[0-9]+'
fail() { echo "FAIL: $*" >&2; status=1; }
# must LOG REGEX: some line of LOG matches REGEX (extended, whole line).
must() { grep -qE -- "^$2\$" "$1" || fail "no line matching /^$2\$/ in $1"; }
# order LOG PATTERN...: the first lines containing each fixed string appear in
# this order.
order() {
  local log="$1" prev=0 n
  shift
  for pat in "$@"; do
    n=$(grep -nF -- "$pat" "$log" | head -1 | cut -d: -f1)
    if [[ -z "$n" ]]; then fail "missing '$pat'"; return; fi
    if ((n < prev)); then fail "'$pat' (line $n) out of order"; fi
    prev=$n
  done
}

check_common() {
  local log="$1" t="$2" verdict="$3"
  must "$log" "$t-torture:--- Start of test: torture_type=$t nreaders=$N nfakewriters=$N stat_interval=1 verbose=1 test_no_idle_hz=1 shuffle_interval=$N stutter=$N .* seed=$N"
  must "$log" "$t-torture: rtc: (0x[0-9a-f]+|\(null\)) ver: $N tfle: [01] rta: $N rtaf: $N rtf: $N rtmbe: $N rtmbkf: $N/$N rtbe: $N rtbke: $N rtbf: $N rtb: $N nt: $N barrier: $N/$N:$N read-exits: $N nocb-toggles: $N:$N"
  # The final stats print comes after the writer stopped: VER and (null).
  must "$log" "$t-torture: rtc: \(null\) VER: $N .*"
  must "$log" "$t-torture: (!!! )?Reader Pipe: ( $N){11}"
  must "$log" "$t-torture: Reader Batch: ( $N){11}"
  must "$log" "$t-torture: Free-Block Circulation: ( $N){11}"
  must "$log" "$t-torture:--- End of test: $verdict: torture_type=$t nreaders=$N .* seed=$N"
  local sp ep
  sp=$(grep -- "--- Start of test: " "$log" | sed 's/.*--- Start of test: //')
  ep=$(grep -- "--- End of test: " "$log" | sed "s/.*--- End of test: $verdict: //")
  [[ "$sp" == "$ep" ]] || fail "Start and End parameter lists differ"
  must "$log" "$t:  Start-test grace-period state: g-?$N f0x[0-9a-f]+"
  must "$log" "$t:  End-test grace-period state: g-?$N f0x[0-9a-f]+( total-gps=$N)?"
  must "$log" "$t-torture: rcu_torture_write_types: Testing $N update types."
  order "$log" "Start of test" "Creating rcu_torture_writer task" \
    "Creating rcu_torture_fakewriter task" "Creating rcu_torture_reader task" \
    "Creating rcu_torture_stats task" \
    "Stopping torture_shuffle task" "Stopping rcu_torture_writer task" \
    "Stopping rcu_torture_reader task" "Stopping rcu_torture_fakewriter task" \
    "End-test grace-period state" "Stopping rcu_torture_stats task"
  must "$log" "$t-torture: rcu_torture_writer is stopping"
  must "$log" "$t-torture: rcu_torture_reader is stopping"
  local last_pipe end
  last_pipe=$(grep -n "Reader Pipe:" "$log" | tail -1 | cut -d: -f1)
  end=$(grep -n -- "--- End of test" "$log" | cut -d: -f1)
  (( last_pipe < end )) || fail "final stats not before the End line"
  [[ "$(tail -1 "$log" | grep -c -- '--- End of test')" == 1 ]] || fail "End line is not last"
}

check_json() {
  local j="$1" t="$2" verdict="$3" code="$4" result="${5:-$3}"
  must "$j" '\{'
  must "$j" '  "format": "rcutorture-summary",'
  must "$j" '  "format_version": 1,'
  must "$j" "  \"torture_type\": \"$t\","
  must "$j" "  \"verdict\": \"$verdict\","
  must "$j" "  \"exit_code\": $code,"
  must "$j" "  \"result\": \"$result\","
  must "$j" "  \"seed\": $N,"
  must "$j" '  "reader_mode": "[a-z-]+",'
  must "$j" "  \"duration_s\": $N\\.$N,"
  must "$j" "    \"nreaders\": $N,"
  must "$j" "    \"torture_type\": \"$t\","
  must "$j" "    \"ver\": $N, \"rta\": $N, \"rtaf\": $N, \"rtf\": $N, \"tfle\": [01],"
  must "$j" "    \"rtmbe\": $N, \"rtmbkf_fail\": $N, \"rtmbkf_tries\": $N, \"rtbe\": $N,"
  must "$j" "    \"nt\": $N, \"n_error\": $N, \"warnings\": $N, \"reads\": $N, \"gps\": $N,"
  must "$j" "    \"bang_lines\": $N, \"warning_lines\": $N"
  must "$j" "  \"rates\": \{\"reads_per_s\": $N\\.$N, \"updates_per_s\": $N\\.$N, \"gps_per_s\": $N\\.$N\},"
  must "$j" "    \"reader_pipe\": \[$N(, $N){10}\],"
  must "$j" "    \"reader_batch\": \[$N(, $N){10}\],"
  must "$j" "    \"free_block_circulation\": \[$N(, $N){10}\]"
  must "$j" '  "components": \{'
  must "$j" '    "barrier": \{"attempts": [0-9]+, "successes": [0-9]+, "errors": [0-9]+\},'
  must "$j" '    "read_exit": \{"read_exits": [0-9]+\},'
  must "$j" '  "writer_choices": \[("RTWS_[A-Z_]+"(, )?)*\]'
}

# A FAILURE run (busted) and a SUCCESS run (urcu-memb), both asking for
# barrier torture; read-exit (kernel default: 16 threads every 13 s) and
# forward progress (default: 1 thread, holdoff 60 s) are on by default.
"$rt" --torture_type=busted --duration=3s --stat_interval=1 --stutter=0 \
  --shuffle_interval=1 --nreaders=2 --nfakewriters=1 --n_barrier_cbs=2 \
  --json="$tmp/b.json" >"$tmp/b.log" 2>&1
rc=$?
[[ "$rc" == 1 ]] || fail "busted exit $rc, want 1"
check_common "$tmp/b.log" busted FAILURE
must "$tmp/b.log" "busted-torture: !!! Reader Pipe: ( $N){11}"
# busted has no cb_barrier: barrier torture skipped with the kernel's lines;
# forward progress disabled for it; read-exit runs.
must "$tmp/b.log" "busted-torture: Call or barrier ops missing for busted,"
must "$tmp/b.log" "busted-torture: RCU barrier testing omitted from run\\."
must "$tmp/b.log" "busted-torture: rcu_torture_fwd_prog_init: Disabled, unsupported by RCU flavor under test"
must "$tmp/b.log" "busted-torture: rtc: \\(null\\) VER: $N .* barrier: 0/0:0 read-exits: [1-9][0-9]* nocb-toggles: 0:0"
order "$tmp/b.log" "Creating rcu_torture_read_exit task" "Stopping rcu_torture_read_exit task" \
  "Stopping rcu_torture_writer task"
if grep -q "rcu_torture_barrier\|rcu_torture_fwd_prog " "$tmp/b.log"; then
  fail "busted: barrier or fwd_prog thread created"
fi
check_json "$tmp/b.json" busted FAILURE 1

"$rt" --torture_type=urcu-memb --duration=3s --stat_interval=1 --stutter=0 \
  --shuffle_interval=1 --nreaders=2 --nfakewriters=1 --n_barrier_cbs=2 \
  --read_exit_delay=1 --read_exit_burst=2 --json="$tmp/m.json" >"$tmp/m.log" 2>&1
rc=$?
[[ "$rc" == 0 ]] || fail "urcu-memb exit $rc, want 0"
check_common "$tmp/m.log" urcu-memb SUCCESS
order "$tmp/m.log" "Stopping rcu_torture_stats task" \
  "rcu_torture_cleanup: Invoking rcu_barrier()." "VER:" "--- End of test: SUCCESS"
# Barrier: every attempt a success, no errors; read-exits counted.
must "$tmp/m.log" "urcu-memb-torture: rtc: \\(null\\) VER: $N .* rtbe: 0 .* barrier: ([1-9][0-9]*)/\\1:0 read-exits: [1-9][0-9]* nocb-toggles: 0:0"
must "$tmp/m.log" "urcu-memb-torture: rcu_torture_barrier is stopping"
must "$tmp/m.log" "urcu-memb-torture: rcu_torture_barrier_cbs is stopping"
must "$tmp/m.log" "urcu-memb-torture: rcu_torture_read_exit is stopping"
must "$tmp/m.log" "urcu-memb-torture: rcu_torture_fwd_prog is stopping"
must "$tmp/m.log" "urcu-memb-torture: rcu_torture_read_exit: (Start|End) of episode"
# Creation in the kernel's order; cleanup: read-exit, barrier (coordinator
# first), forward progress, then the writer (rcu_torture_cleanup()).
order "$tmp/m.log" "Creating rcu_torture_writer task" "Creating rcu_torture_fwd_prog task" \
  "Creating rcu_torture_barrier_cbs task" "Creating rcu_torture_barrier task" \
  "Creating rcu_torture_read_exit task" "Creating torture_shuffle task" \
  "Stopping torture_shuffle task" "Stopping rcu_torture_read_exit task" \
  "Stopping rcu_torture_barrier task" "Stopping rcu_torture_barrier_cbs task" \
  "Stopping rcu_torture_fwd_prog task" "Stopping rcu_torture_writer task"
check_json "$tmp/m.json" urcu-memb SUCCESS 0

# The warnings exit code: busted-cookie (polled cookies that always read
# complete, synchronous updates only) prints cookie-check WARNINGs; the End
# line stays SUCCESS, the exit code is 4 and the JSON result WARNINGS.
# (The help is read whole first: "| grep -q" would end the pipe early, and
# pipefail would turn the writer's SIGPIPE into a skipped check.)
help="$("$rt" --help 2>&1)"
if [[ "$help" == *busted-cookie* ]]; then
  "$rt" --torture_type=busted-cookie --duration=2s --stat_interval=1 \
    --stutter=0 --gp_sync=1 --read_exit_burst=0 --fwd_progress=0 \
    --nreaders=2 --nfakewriters=1 --json="$tmp/c.json" >"$tmp/c.log" 2>&1
  rc=$?
  [[ "$rc" == 4 ]] || fail "busted-cookie exit $rc, want 4"
  must "$tmp/c.log" "WARNING: busted-cookie-torture: rcu_torture_writer: Cookie check 1 failed"
  check_json "$tmp/c.json" busted-cookie SUCCESS 4 WARNINGS
  must "$tmp/c.json" "    \"bang_lines\": 0, \"warning_lines\": [1-9][0-9]*"
fi

if ((status)); then
  echo "----- busted log -----" >&2; cat "$tmp/b.log" >&2
  echo "----- busted json -----" >&2; cat "$tmp/b.json" >&2
  echo "----- urcu-memb log -----" >&2; cat "$tmp/m.log" >&2
  exit 1
fi
echo "ok: golden formats"

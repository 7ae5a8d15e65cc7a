#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# report_test.sh: scripts/report.sh on four results trees: A, a real run
# of torture.sh (TREE05 and SRCU-N for 4 s, stat_interval 1, --trust-build);
# B, a finished --remote run built by hand around the recorded
# data/clean.log and data/failure.log (hosts, attempts, a retried one with a
# Slurm file, a HOST-LOST one, a FAILURE with its diags); C, a local run in
# progress (one done, one running with a cut console, one queued); D, a
# --slurm run in progress (a task's files still in slurm/NAME, one pending).
# Checks the verdict rows, exact soak hours, links to existing anchors, one
# plot per scenario with stats and a note for those without, --progress
# numbers (with a fixed current time), the page without gnuplot, bad input
# (exit 64, one line, the trees untouched by checksum), 1000 scenarios in
# well under a minute, and the page in headless Chromium: its DOM (rows,
# <svg> count) and a screenshot that is not blank. Prints SKIP (exit 0)
# only without chromium or /usr/bin/python3.
set -uo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"
chromium=$(command -v chromium || command -v chromium-browser || true)
python=/usr/bin/python3
[[ -n "$chromium" ]] || { echo "SKIP: report_test.sh: no chromium (scripts/setup.sh installs it)"; exit 0; }
[[ -x "$python" ]] || { echo "SKIP: report_test.sh: no $python (scripts/setup.sh installs python3)"; exit 0; }

# Chromium runs in its own process group, killed on exit.
chrome_pg=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  [[ -z "$chrome_pg" ]] || kill -KILL -- "-$chrome_pg" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# browse ARG...: headless Chromium on a throwaway profile, at most 60 s
# (stderr, with its dbus complaints, into chromium.err).
browse() {
  local rc
  setsid timeout 60 "$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run \
    --disable-dev-shm-usage --user-data-dir="$tmp/chromium-profile" "$@" 2>>"$tmp/chromium.err" &
  chrome_pg=$!
  wait "$chrome_pg"
  rc=$?
  kill -KILL -- "-$chrome_pg" 2>/dev/null
  chrome_pg=""
  return "$rc"
}

res="$tmp/results"
A="$res/A" B="$res/B" C="$res/C" D="$res/D"
report="$s/report.sh"

# ---- A: a real run. Its verdicts are what they are (a loaded machine may
# make a scenario fail): the rows expected are read from its files.
"$s/torture.sh" --trust-build --configs "TREE05 SRCU-N" --duration 4 --cpus 8 \
  --bootargs rcutorture.stat_interval=1 --results "$res" --datestamp A >"$tmp/A.out" 2>&1
rc=$?
((rc == 0 || rc == 3)) || { fail "torture.sh on TREE05 SRCU-N: exit $rc ($(tail -3 "$tmp/A.out"))"; exit 1; }
dur() { sed -n 's/^ *"duration_s": \([0-9.]*\),*$/\1/p' "$1/summary.json" 2>/dev/null; }
dA5=$(dur "$A/TREE05") dAS=$(dur "$A/SRCU-N")
[[ -n "$dA5" && -n "$dAS" ]] || { fail "A: no duration_s in summary.json"; exit 1; }
# arow NAME: A's row for NAME as its files say, into `arow`; errA: 1 when
# it counts as a failure.
arow() {
  local d="$A/$1" v fd="clean" x="-"
  v=$(grep -ao 'End of test: [A-Z_]*' "$d/console.log" | tail -1 | sed 's/.*: //')
  errA=0
  [[ "$v" == SUCCESS ]] || errA=1
  if [[ -f "$d/console.log.diags" ]]; then
    fd=$(sed -n "s/^Summary: $1: //p" "$d/console.log.diags")
    x=excerpt
    errA=1
  fi
  ((!errA)) || echo "report_test.sh: note: A/$1 ended ${v:-without a verdict} (${fd}); the rows expect it"
  printf -v arow '|A|%s|local|-|-|%.1f s|%s|%s|%s|%s|' "$1" "$(dur "$d")" "${v:-NO-VERDICT}" "$(cat "$d/retval")" "$fd" "$x"
}
arow TREE05 && rowA5=$arow errA5=$errA
arow SRCU-N && rowAS=$arow errAS=$errA
for n in TREE05 SRCU-N; do
  (($(grep -ac 'rtc:' "$A/$n/console.log") >= 2)) || fail "A/$n has fewer than 2 stats blocks"
done
clean="$here/data/clean.log"   # rcu, stat_interval=1: 4 stats blocks and the final one

# mkscn DIR CONSOLE DURATION_S RETVAL STAT_INTERVAL [FILE=TEXT]...: a
# finished scenario: CONSOLE (a 4 s run, stat_interval=1) made to look like
# a run of DURATION_S (its Start line saying STAT_INTERVAL), summary.json
# with DURATION_S, and the files given.
mkscn() {
  local d="$1" kv
  mkdir -p "$d"
  sed "1,/Start of test:/ s/ stat_interval=1 / stat_interval=$5 /" "$2" >"$d/console.log"
  sed "s/\"duration_s\": [0-9.]*/\"duration_s\": $3/" "$A/TREE05/summary.json" >"$d/summary.json"
  echo "$4" >"$d/retval"
  cp "$A/TREE05/config" "$d/config"
  echo "rcutorture --config=configs/${d##*/} --duration=2h \"\$@\"" >"$d/cmd"
  shift 5
  for kv in "$@"; do echo "${kv#*=}" >"$d/${kv%%=*}"; done
}
# testid COMMIT: a testid.txt.
testid() { printf 'Current commit: %s\nHost: vm\ngit status:\ngit diff HEAD:\n' "$1"; }

# ---- B: a finished --remote run on two hosts.
mkdir -p "$B"
{
  echo "scripts/torture.sh --configs 'TREE05 2*TREE07 BUSTED' --duration 2h --remote hosts"
  echo "Started 2026-12-06 10:00:00 UTC on vm"
  echo " --- Done at 2026-12-06 12:00:10 exitcode 3"
} >"$B/log"
testid "0123456789abcdef0123456789abcdef01234567 fixture: a remote run" >"$B/testid.txt"
printf '%s\n' TREE05 TREE07 TREE07.2 BUSTED >"$B/scenarios"
echo "TREE05 TREE07 TREE07.2 BUSTED" >"$B/batches"
printf '2/root@hostA:22\n1/root@hostB:22\n' >"$B/remote-hosts"
printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n' >"$B/joblog"
cat >"$B/remote.out" <<'EOF'
torture-remote: start TREE05 attempt 1 on root@hostA:22
torture-remote: start TREE07 attempt 1 on root@hostA:22
torture-remote: start BUSTED attempt 1 on root@hostA:22
torture-remote: end TREE05 exit 0
torture-remote: start TREE07 attempt 2 on root@hostB:22
torture-remote: end TREE07 exit 0
torture-remote: start TREE07.2 attempt 1 on root@hostB:22
torture-remote: end BUSTED exit 1
EOF
mkscn "$B/TREE05" "$clean" 7200.5 0 1800 host=root@hostA:22 attempt=1
mkscn "$B/TREE07" "$clean" 3600 0 900 host=root@hostB:22 attempt=2 "slurm=job 4242 task 7"
mkscn "$B/BUSTED" "$here/data/failure.log" 1800 1 450 host=root@hostA:22 attempt=1
"$s/parse-console.sh" --quiet "$B/BUSTED/console.log" BUSTED >/dev/null 2>&1
[[ -s "$B/BUSTED/console.log.diags" ]] || fail "B: parse-console.sh wrote no diags for failure.log"
mkdir -p "$B/TREE07.2"
cp "$B/TREE07/cmd" "$B/TREE07.2/cmd"
echo "host lost: 2 attempts (on root@hostB:22, root@hostA:22; exit 255); retrieved: nothing" >"$B/TREE07.2/lost"

# ---- C: a local run in progress: TREE05 done, SRCU-N running (its console
# cut before its third stats block: 2 s of 10 s), TREE03 queued.
mkdir -p "$C"
{
  echo "scripts/torture.sh --configs 'TREE05 SRCU-N TREE03' --duration 10s"
  echo "Started 2026-12-06 11:00:00 UTC on vm"
  echo "Batch 1 of 2: TREE05 SRCU-N (10s)"
} >"$C/log"
testid "89abcdef0123456789abcdef0123456789abcdef fixture: a run in progress" >"$C/testid.txt"
printf '%s\n' TREE05 SRCU-N TREE03 >"$C/scenarios"
printf 'TREE05 SRCU-N\nTREE03\n' >"$C/batches"
mkscn "$C/TREE05" "$clean" 60.25 0 15
mkdir -p "$C/SRCU-N" "$C/TREE03"
awk '/rtc:/ { n++ } n == 3 { exit } { print }' "$clean" >"$C/SRCU-N/console.log"
for n in SRCU-N TREE03; do
  echo "rcutorture --config=configs/$n --duration=10s \"\$@\"" >"$C/$n/cmd"
  cp "$A/SRCU-N/config" "$C/$n/config"
done
# ---- D: a --slurm run in progress: TREE01 running on node n1 (its files
# still in slurm/TREE01, 2 s of 10 s), TREE02 pending.
mkdir -p "$D/slurm/out" "$D/slurm/TREE01" "$D/TREE01" "$D/TREE02"
{
  echo "scripts/torture.sh --configs 'TREE01 TREE02' --duration 10s --slurm"
  echo "Started 2026-12-06 11:00:30 UTC on vm"
} >"$D/log"
testid "fedcba9876543210fedcba9876543210fedcba98 fixture: a Slurm run" >"$D/testid.txt"
printf '%s\n' TREE01 TREE02 >"$D/scenarios"
echo 77 >"$D/slurm-job"
echo "torture-remote: start TREE01 attempt 1 on n1" >"$D/slurm/out/0.out"
for n in TREE01 TREE02; do
  echo "rcutorture --config=configs/$n --duration=10s \"\$@\"" >"$D/$n/cmd"
  cp "$D/$n/cmd" "$D/$n/cmd.local"
  cp "$A/SRCU-N/config" "$D/$n/config"
done
cp "$C/SRCU-N/console.log" "$D/TREE01/cmd" "$D/slurm/TREE01/"
printf 'n1\n' >"$D/slurm/TREE01/host"
printf '1\n' >"$D/slurm/TREE01/attempt"
printf 'job 77 task 0\n' >"$D/slurm/TREE01/slurm"

now=$(date -d "2026-12-06 11:01:00 UTC" +%s)
export RCUTORTURE_REPORT_NOW="$now"

# tree_sum: every file of the results trees with its checksum, size and
# mtime, and every directory with its mtime (to see that nothing changed).
tree_sum() {
  (cd "$res" && find . -type d -printf 'D %p %T@\n' && find . -type f -printf 'F %p %s %T@\n' &&
    find . -type f -exec md5sum {} +) | sort
}

# ---- Bad input: exit 64, one line on stderr, nothing written.
tree_sum >"$tmp/sum.before"
mkdir -p "$tmp/notrun/sub"
: >"$tmp/plainfile"
bad() {  # WHAT ARGS...
  local what="$1" rc=0
  shift
  "$report" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
  ((rc == 64)) || fail "bad input ($what): exit $rc, want 64"
  (($(wc -l <"$tmp/bad.err") == 1)) && grep -q '^report.sh: ' "$tmp/bad.err" ||
    fail "bad input ($what): stderr is not one report.sh line: $(head -3 "$tmp/bad.err")"
  [[ ! -s "$tmp/bad.out" ]] || fail "bad input ($what): wrote to stdout"
}
bad "unknown option" --bogus "$A"
bad "no directory" "$tmp/missing"
bad "a file" "$tmp/plainfile"
bad "not a run" "$tmp/notrun"
bad "the results root" "$res"
bad "no RESULTS_DIR"
bad "-o without a value" "$A" -o
bad "two dirs without -o" "$A" "$B"
bad "-o in a missing directory" -o "$tmp/nodir/r.html" "$A"
bad "-o a directory" -o "$tmp/notrun" "$A"
bad "-o under /proc" -o /proc/report.html "$A"
grep -q "holds runs" <("$report" "$res" 2>&1) || fail "the results root: no hint that it holds runs"
tree_sum >"$tmp/sum.after"
cmp -s "$tmp/sum.before" "$tmp/sum.after" || fail "bad input changed the results trees: $(diff "$tmp/sum.before" "$tmp/sum.after" | head -5)"

# ---- Default output: A/report.html, nothing else changed in A.
"$report" "$A" >"$tmp/outA" 2>&1 || fail "report.sh A: exit $?"
grep -qx "report.sh: wrote $A/report.html" "$tmp/outA" || fail "report.sh A: $(cat "$tmp/outA")"
[[ -s "$A/report.html" ]] || fail "no A/report.html"
tree_sum | grep -v 'report\.html' | grep -v '^D \. \|^D \./A ' >"$tmp/sum.A"
grep -v '^D \. \|^D \./A ' "$tmp/sum.before" | cmp -s - "$tmp/sum.A" || fail "report.sh A changed more than A/report.html"
rm -f "$A/report.html"

# ---- The page over the three runs.
page="$tmp/report.html"
tree_sum >"$tmp/sum.before"
"$report" -o "$page" "$A" "$B" "$C" "$D" >"$tmp/out" 2>&1 || fail "report.sh A B C D: exit $? ($(cat "$tmp/out"))"
tree_sum >"$tmp/sum.after"
cmp -s "$tmp/sum.before" "$tmp/sum.after" || fail "report.sh -o changed the results trees"
[[ -s "$page" ]] || { fail "no page"; exit 1; }
# Self-contained: nothing to fetch (http only in the SVG namespaces).
! grep -q ' src=\|<script\|<link\|<img\|<iframe\|url(http\|href="http' "$page" || fail "the page is not self-contained"
# row RUN NAME VERDICT: the verdict row of RUN's NAME, its text cells.
row() {
  local id="row-r$1-$2"
  grep -o "<tr class=\"scn v-$3[^\"]*\" id=\"$id\">.*</tr>" "$page" | sed 's/<[^>]*>/|/g; s/||*/|/g'
}
[[ "$(grep -c '<tr class="scn ' "$page")" == 11 ]] || fail "verdict table: $(grep -c '<tr class="scn ' "$page") rows, want 11"
want_row() {  # RUN NAME VERDICT EXPECTED-CELLS
  local got
  got=$(row "$1" "$2" "$3")
  [[ "$got" == "$4" ]] || fail "row r$1 $2: '$got', want '$4'"
}
want_row 1 TREE05 '' "$rowA5"
want_row 1 SRCU-N '' "$rowAS"
want_row 2 TREE05 SUCCESS "|B|TREE05|root@hostA:22|1|-|2h00m01s|SUCCESS|0|clean|-|"
want_row 2 TREE07 SUCCESS "|B|TREE07|root@hostB:22|2|4242/7|1h00m00s|SUCCESS|0|clean|-|"
want_row 2 TREE07.2 HOST-LOST "|B|TREE07.2|root@hostB:22|1|-|-|HOST-LOST|-|host lost: 2 attempts (on root@hostB:22, root@hostA:22; exit 255); retrieved: nothing|excerpt|"
want_row 2 BUSTED FAILURE "|B|BUSTED|root@hostA:22|1|-|30m00s|FAILURE|1|Failures: 1  Errors: 4|excerpt|"
want_row 3 TREE05 SUCCESS "|C|TREE05|local|-|-|1m00s|SUCCESS|0|clean|-|"
want_row 3 SRCU-N running "|C|SRCU-N|local|-|-|&ge; 2.0 s |of 10s|running|-|-|"
want_row 3 TREE03 queued "|C|TREE03|local|-|-|- |of 10s|queued|-|-|"
want_row 4 TREE01 running "|D|TREE01|n1|1|77/0|&ge; 2.0 s |of 10s|running|-|-|"
want_row 4 TREE02 queued "|D|TREE02|-|-|-|- |of 10s|queued|-|-|"
# Links: every #anchor exists; the excerpts hold the findings.
mapfile -t hrefs < <(grep -o 'href="#[^"]*"' "$page" | sed 's/^href="#//; s/"$//' | sort -u)
((${#hrefs[@]} >= 9)) || fail "only ${#hrefs[@]} links"
for h in "${hrefs[@]}"; do
  grep -q "id=\"$h\"" "$page" || fail "link #$h: no such anchor"
done
grep -q 'href="#x-r2-BUSTED"' "$page" && grep -q 'href="#x-r2-TREE07.2"' "$page" || fail "no excerpt links for BUSTED and TREE07.2"
sed -n '/<section class="excerpt" id="x-r2-BUSTED">/,/<\/section>/p' "$page" >"$tmp/x.busted"
grep -q '^<pre>BUG: BUSTED FAILURE, 1660 instances$' "$tmp/x.busted" && grep -q '!!! Reader Pipe:' "$tmp/x.busted" ||
  fail "BUSTED excerpt lacks the diags lines"
# Soak hours: exact, per scenario and in total.
soak() {  # NAME INSTANCES FINISHED RUNNING FAILURES LOST SECONDS
  local got want
  got=$(grep -o "<tr class=\"soak\" id=\"soak-$1\">.*</tr>" "$page" | sed 's/<[^>]*>/|/g; s/||*/|/g')
  want=$(awk -v n="$1" -v a="$2" -v b="$3" -v c="$4" -v d="$5" -v e="$6" -v s="$7" \
    'BEGIN { printf "|%s|%s|%s|%s|%s|%s|%.1f|%.2f|", n, a, b, c, d, e, s, s / 3600 }')
  [[ "$got" == "$want" ]] || fail "soak row $1: '$got', want '$want'"
}
soak BUSTED 1 1 0 1 0 1800
soak SRCU-N 2 1 1 "$errAS" 0 "$(awk -v a="$dAS" 'BEGIN { print a + 2 }')"
soak TREE01 1 0 1 0 0 2
soak TREE02 1 0 0 0 0 0
soak TREE03 1 0 0 0 0 0
soak TREE05 3 3 0 "$errA5" 0 "$(awk -v a="$dA5" 'BEGIN { print a + 7200.5 + 60.25 }')"
soak TREE07 2 1 0 0 1 3600
total=$(awk -v a="$dA5" -v b="$dAS" -v f=$((1 + errA5 + errAS)) \
  'BEGIN { s = a + b + 7200.5 + 60.25 + 3600 + 1800 + 2 + 2; printf "|total|11|6|2|%d|1|%.1f|%.2f|", f, s, s / 3600 }')
got=$(grep -o '<tr class="total" id="soak-total">.*</tr>' "$page" | sed 's/<[^>]*>/|/g; s/||*/|/g')
[[ "$got" == "$total" ]] || fail "soak total: '$got', want '$total'"
# Plots: one figure per scenario with stats blocks, a note for TREE03.
for g in BUSTED SRCU-N TREE01 TREE05 TREE07; do
  sed -n "/<figure class=\"plot\" id=\"plot-$g\">/,/<\/figure>/p" "$page" >"$tmp/fig"
  grep -q '^<svg' "$tmp/fig" && grep -q '<figcaption>' "$tmp/fig" && grep -q '<path' "$tmp/fig" ||
    fail "no plot (figure, svg, caption) for $g"
done
grep -q 'reads/s' "$tmp/fig" && grep -q 'GPs/s' "$tmp/fig" && grep -q 'final Reader Pipe' "$tmp/fig" || fail "TREE07 plot panels"
sed -n '/<figure class="plot" id="plot-TREE05">/,/<\/figure>/p' "$page" >"$tmp/fig"
grep -q '>hotplug operations (onoff: online + offline)<' "$tmp/fig" && ! grep -q '>no hotplug' "$tmp/fig" ||
  fail "no hotplug data in TREE05's plot"
sed -n '/<figure class="plot" id="plot-BUSTED">/,/<\/figure>/p' "$page" >"$tmp/fig"
grep -q '>no hotplug (no onoff: field)<' "$tmp/fig" || fail "BUSTED's plot: no note that it has no hotplug"
[[ "$(grep -c '<figure class="plot"' "$page")" == 5 && "$(grep -c '^<svg' "$page")" == 5 ]] || fail "want 5 plots"
for g in TREE02 TREE03; do
  grep -q "<p class=\"note plot-skipped\" id=\"plot-$g\">No plot for $g: fewer than 2 stats blocks" "$page" || fail "no note for $g"
done
[[ -z "$(grep -o ' id="[^"]*"' "$page" | sort | uniq -d)" ]] || fail "duplicate ids: $(grep -o ' id="[^"]*"' "$page" | sort | uniq -d | head -3)"
# The header and progress.
grep -q '<code>0123456789ab</code> fixture: a remote run' "$page" || fail "B's commit"
grep -q 'root@hostA:22 (2 slots), root@hostB:22 (1 slot)' "$page" || fail "B's hosts"
grep -q '<td>C</td><td class="num">1m00s</td><td class="num">3</td><td class="num">1</td><td class="num">1</td><td class="num">1</td><td class="num">0</td><td class="num">0</td><td>18s ' "$page" ||
  fail "C's progress row"

# ---- --progress: exact numbers (C: 2 s of SRCU-N's 10 done, TREE03's 10 to come).
"$report" --progress "$C" >"$tmp/prog" 2>&1 || fail "--progress C: exit $?"
cat >"$tmp/prog.want" <<EOF
run C ($C): in progress, started 2026-12-06 11:00:00 UTC, elapsed 1m00s
  3 scenarios: 1 done, 1 running, 1 queued, 0 skipped, 0 host-lost
  host local: 1 done, 1 running
  ETA: 18s (batches: the running batch's longest remaining time plus each queued batch's longest planned duration)
total: 3 scenarios in 1 run: 1 done, 1 running, 1 queued, 0 skipped, 0 host-lost; ETA 18s
EOF
diff "$tmp/prog.want" "$tmp/prog" >&2 || fail "--progress C output"
"$report" --progress "$A" "$B" "$C" "$D" >"$tmp/prog3" 2>&1 || fail "--progress A B C D: exit $?"
for l in "run B ($B): finished 2026-12-06 12:00:10 UTC, started 2026-12-06 10:00:00 UTC, elapsed 2h00m10s" \
         "  4 scenarios: 3 done, 0 running, 0 queued, 0 skipped, 1 host-lost" \
         "  host root@hostA:22: 2 done, 0 running, 2 slots" \
         "run D ($D): in progress, started 2026-12-06 11:00:30 UTC, elapsed 30s" \
         "  2 scenarios: 0 done, 1 running, 1 queued, 0 skipped, 0 host-lost" "  host n1: 0 done, 1 running" \
         "  ETA: 18s (remaining work 18s over 1 slot (the scenarios running now))" \
         "total: 11 scenarios in 4 runs: 6 done, 2 running, 2 queued, 0 skipped, 1 host-lost; ETA 18s" \
         "total host local: 3 done, 1 running" "total host root@hostB:22: 2 done, 0 running"; do
  grep -qxF -- "$l" "$tmp/prog3" || fail "--progress A B C D: no line '$l'"
done
[[ ! -e "$C/report.html" ]] || fail "--progress wrote a page"

# ---- Without gnuplot: the page, with a note, and no plot.
GNUPLOT=/nonexistent/gnuplot "$report" -o "$tmp/nognuplot.html" "$B" >/dev/null 2>&1 || fail "no gnuplot: exit $?"
grep -q 'id="no-gnuplot">No plots: they need gnuplot (Debian package <code>gnuplot-nox</code>' "$tmp/nognuplot.html" &&
  ! grep -q '<svg' "$tmp/nognuplot.html" && grep -q 'id="row-r1-BUSTED"' "$tmp/nognuplot.html" || fail "no gnuplot: page"

# ---- 1000 scenarios (40 each of 25 names, 3 stats blocks each) in well
# under a minute.
big="$res/big"
mkdir -p "$big"
echo "scripts/torture.sh --configs big" >"$big/log"
con=$(awk '/rtc:/ { n++ } n == 4 { exit } n == 0 && NR > 3 { next } { print }' "$clean"
      grep -a 'End of test' "$clean")
names=()
for ((i = 0; i < 1000; i++)); do
  n="S$((i % 25))"
  ((i < 25)) || n+=".$((i / 25 + 1))"
  names+=("$n")
done
printf '%s\n' "${names[@]}" >"$big/scenarios"
(cd "$big" && mkdir "${names[@]}")
for n in "${names[@]}"; do
  printf '%s\n' "$con" >"$big/$n/console.log"
  echo 0 >"$big/$n/retval"
  echo 'rcutorture --duration=4 "$@"' >"$big/$n/cmd"
done
t0=$EPOCHREALTIME
"$report" "$big" >/dev/null 2>&1 || fail "1000 scenarios: exit $?"
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "report_test.sh: 1000 scenarios reported in $secs s"
awk -v s="$secs" 'BEGIN { exit !(s < 30) }' || fail "1000 scenarios took $secs s (want well under a minute)"
[[ "$(grep -c '<tr class="scn v-SUCCESS' "$big/report.html")" == 1000 ]] || fail "1000 scenarios: not 1000 SUCCESS rows"
[[ "$(grep -c '<figure class="plot"' "$big/report.html")" == 25 ]] || fail "1000 scenarios: not 25 plots"
grep -q '<tr class="total" id="soak-total"><td>total</td><td class="num">1000</td><td class="num">1000</td>' "$big/report.html" ||
  fail "1000 scenarios: soak total"

# ---- The page in a real browser: the DOM, and a screenshot not blank.
browse --dump-dom "file://$page" >"$tmp/dom.html" || fail "chromium --dump-dom: exit $? ($(grep -v dbus "$tmp/chromium.err" | tail -2))"
[[ "$(grep -o '<tr class="scn [^"]*" id="row-r[0-9]-[^"]*"' "$tmp/dom.html" | wc -l)" == 11 ]] || fail "DOM: not 11 verdict rows"
grep -q '<td class="verdict">FAILURE</td>' "$tmp/dom.html" && grep -q '<td class="verdict">HOST-LOST</td>' "$tmp/dom.html" ||
  fail "DOM: FAILURE and HOST-LOST cells"
[[ "$(grep -o '<svg' "$tmp/dom.html" | wc -l)" == 5 ]] || fail "DOM: $(grep -o '<svg' "$tmp/dom.html" | wc -l) <svg> elements, want 5"
[[ "$(grep -o '<figure class="plot"' "$tmp/dom.html" | wc -l)" == 5 ]] || fail "DOM: not 5 plot figures"
browse --screenshot="$tmp/shot.png" --window-size=1280,2000 --hide-scrollbars "file://$page" >/dev/null ||
  fail "chromium --screenshot: exit $?"
# The PNG decoded with the standard library: at least 50 colours and 5 %
# of the pixels not white.
"$python" - "$tmp/shot.png" >"$tmp/png" <<'EOF' || fail "screenshot: $(cat "$tmp/png")"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(print("not a PNG"))
pos, idat = 8, []
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if typ == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif typ == b"IDAT":
        idat.append(body)
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit(print("unexpected PNG format", depth, ctype, interlace))
raw = zlib.decompress(b"".join(idat))
bpp = 3 if ctype == 2 else 4
stride = w * bpp
prev = bytearray(stride)
white = bytes([255]) * stride if bpp == 3 else bytes([255, 255, 255, 255]) * w
colours, nonwhite = set(), 0
for y in range(h):
    f = raw[y * (stride + 1)]
    cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride):
            cur[i] = (cur[i] + cur[i - bpp]) & 255
    elif f == 2:
        cur = bytearray([(a + b) & 255 for a, b in zip(cur, prev)])
    elif f == 3:
        for i in range(stride):
            cur[i] = (cur[i] + ((cur[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = cur
    if bytes(cur) == white:
        colours.add((255, 255, 255))
        continue
    px = list(zip(cur[0::bpp], cur[1::bpp], cur[2::bpp]))
    colours.update(px)
    nonwhite += len(px) - px.count((255, 255, 255))
frac = nonwhite / (w * h)
print(f"{w}x{h}, {len(colours)} colours, {frac:.1%} not white")
sys.exit(0 if w == 1280 and h == 2000 and len(colours) > 50 and frac > 0.05 else 1)
EOF
echo "report_test.sh: screenshot $(cat "$tmp/png")"
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# report.sh: the soak report of torture.sh runs: one self-contained HTML
# page (inline CSS and SVG, no JavaScript, no network), or with --progress
# the progress of runs still going, as plain text.
#
#   scripts/report.sh [-o OUT.html] [--progress] RESULTS_DIR...
#
# RESULTS_DIR: a run directory written by scripts/torture.sh
# (results/YYYY.MM.DD-HH.MM.SS), finished or still running, local,
# --remote or Slurm. The page: the runs (commit, start, hosts), progress
# (done / running / queued, in total and per host, elapsed, ETA), one
# verdict row per scenario instance with a link to its console excerpt,
# soak hours per scenario, and plots of the periodic stats lines (reads/s,
# GPs/s, callbacks, hotplug, the final Reader Pipe histogram) drawn with
# gnuplot. It goes to RESULTS_DIR/report.html, or to -o OUT.html (required
# with several RESULTS_DIRs), written to a temporary file beside it and
# renamed; nothing else is written in the results tree. Without gnuplot
# (Debian: gnuplot-nox; $GNUPLOT names another) the page says plots need it.
# --progress prints the progress section to stdout and writes no page.
# See scripts/README.md, "Soak reports (report.sh)".
# Exit: 0 done, 1 an internal failure (no temporary directory, the analysis
# failed), 64 bad usage (unknown option, a missing, unreadable or non-run
# RESULTS_DIR, several without -o, an output that cannot be written): one
# line on stderr, nothing written.
set -euo pipefail

usage_error() { echo "report.sh: $*" >&2; exit 64; }

out=""
progress=0
dirs=()
while (($#)); do
  case "$1" in
    -o|--output) [[ $# -ge 2 && -n "$2" ]] || usage_error "$1 needs a value"; out="$2"; shift 2 ;;
    --output=*) out="${1#*=}"; [[ -n "$out" ]] || usage_error "--output needs a value"; shift ;;
    --progress) progress=1; shift ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    --) shift; dirs+=("$@"); break ;;
    -*) usage_error "unknown option '$1' (see --help)" ;;
    *) dirs+=("$1"); shift ;;
  esac
done
((${#dirs[@]})) || usage_error "no RESULTS_DIR given (see --help)"

# is_run DIR: DIR was written by torture.sh (its log, batches or scenarios).
is_run() {
  local first=""
  [[ -f "$1/batches" || -f "$1/scenarios" ]] && return 0
  [[ -f "$1/log" && -r "$1/log" ]] || return 1
  read -r first <"$1/log" || true
  [[ "$first" == scripts/torture.sh* ]]
}
absdirs=()
for d in "${dirs[@]}"; do
  [[ -e "$d" ]] || usage_error "no results directory '$d'"
  [[ -d "$d" ]] || usage_error "'$d' is not a directory"
  [[ -r "$d" && -x "$d" ]] || usage_error "cannot read the results directory '$d'"
  if ! is_run "$d"; then
    for sub in "$d"/*/; do
      if is_run "${sub%/}"; then
        usage_error "'$d' is not a torture.sh run directory but holds runs: name them (e.g. ${sub%/})"
      fi
    done
    usage_error "'$d' is not a torture.sh run directory (no log, batches or scenarios file)"
  fi
  absdirs+=("$(cd "$d" && pwd)")
done

# The output: checked (and its temporary file created) before any work.
tmpout=""
work=""
cleanup() {
  [[ -z "$tmpout" ]] || rm -f "$tmpout"
  [[ -z "$work" ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ((!progress)); then
  if [[ -z "$out" ]]; then
    ((${#absdirs[@]} == 1)) || usage_error "several results directories: name the page with -o OUT.html"
    out="${absdirs[0]}/report.html"
  fi
  [[ ! -d "$out" ]] || usage_error "cannot write '$out': it is a directory"
  outdir=$(dirname "$out")
  [[ -d "$outdir" ]] || usage_error "cannot write '$out': no directory '$outdir'"
  tmpout=$(mktemp "$outdir/.report.html.XXXXXX" 2>/dev/null) || usage_error "cannot write '$out': directory '$outdir' not writable"
  if [[ -e "$out" && ! -w "$out" ]]; then usage_error "cannot write '$out': not writable"; fi
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rcutorture-report.XXXXXX" 2>/dev/null) ||
  { echo "report.sh: cannot create a temporary directory in ${TMPDIR:-/tmp}" >&2; exit 1; }

# RCUTORTURE_REPORT_NOW (epoch seconds) stands for the current time: a
# test hook, as elapsed times and ETAs depend on it.
now=${RCUTORTURE_REPORT_NOW:-$EPOCHSECONDS}
[[ "$now" =~ ^[0-9]+$ ]] || usage_error "bad RCUTORTURE_REPORT_NOW '$now' (want epoch seconds)"

# ---- The manifest: one R line per run, one I line per scenario instance
# (its files as flag letters); the consoles, in the same order.
manifest="$work/manifest"
consoles=()
declare -A seenlabel=()
r=0
for d in "${absdirs[@]}"; do
  r=$((r + 1))
  label="${d##*/}"
  if [[ -n "${seenlabel[$label]:-}" ]]; then label="$label ($r)"; fi
  seenlabel[$label]=1
  started="" finished="" st_epoch="" dn_epoch="" tz=""
  if [[ -f "$d/log" ]]; then
    started=$(grep -a -m1 '^Started ' "$d/log" 2>/dev/null | sed 's/^Started //; s/ on [^ ]*$//' || true)
    finished=$(grep -a '^ --- Done at ' "$d/log" 2>/dev/null | tail -1 | sed 's/^ --- Done at //; s/ exitcode.*//' || true)
  fi
  if [[ -n "$started" ]]; then
    st_epoch=$(date -d "$started" +%s 2>/dev/null || true)
    tz="${started##* }"
    [[ "$tz" =~ ^[A-Za-z]+$ ]] || tz=""
  elif [[ "$label" =~ ^([0-9]{4})\.([0-9]{2})\.([0-9]{2})-([0-9]{2})\.([0-9]{2})\.([0-9]{2}) ]]; then
    started="${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]} ${BASH_REMATCH[4]}:${BASH_REMATCH[5]}:${BASH_REMATCH[6]}"
    st_epoch=$(date -d "$started" +%s 2>/dev/null || true)
  fi
  [[ -z "$finished" ]] || dn_epoch=$(date -d "$finished${tz:+ $tz}" +%s 2>/dev/null || true)
  # How it runs: local (batches), remote (--remote: GNU parallel over
  # ssh) or slurm (--slurm: a running task's files are in slurm/NAME until
  # it ends; the tasks' start lines in slurm/out/*.out).
  mode=local
  [[ ! -f "$d/remote-hosts" && ! -f "$d/remote-hosts.all" && ! -f "$d/joblog" && ! -f "$d/remote.out" ]] || mode=remote
  [[ ! -f "$d/slurm-job" && ! -d "$d/slurm/out" ]] || mode=slurm
  printf 'R\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$d" "$label" "$st_epoch" "$dn_epoch" \
    "$started" "$finished${finished:+${tz:+ $tz}}" "$mode" >>"$manifest"
  if [[ "$mode" == slurm ]]; then
    for f in "$d"/slurm/out/*.out; do [[ ! -f "$f" ]] || printf 'O\t%s\t%s\n' "$r" "$f" >>"$manifest"; done
  fi
  # Instances: the scenarios file (or batches) in order, then any other
  # scenario directory.
  names=()
  declare -A have=()
  if [[ -f "$d/scenarios" ]]; then
    mapfile -t names <"$d/scenarios"
  elif [[ -f "$d/batches" ]]; then
    while read -r -a words; do names+=("${words[@]}"); done <"$d/batches"
  fi
  for sub in "$d"/*/; do
    sub="${sub%/}"
    n="${sub##*/}"
    [[ "$n" != configs ]] || continue
    if [[ -f "$sub/cmd" || -f "$sub/skipped" || -f "$sub/console.log" || -f "$sub/retval" || -f "$sub/lost" ]]; then
      names+=("$n")
    fi
  done
  for n in "${names[@]}"; do
    [[ -n "$n" && "$n" != */* && -z "${have[$n]:-}" ]] || continue
    have[$n]=1
    s="$d/$n"
    c="$s/cmd"
    if [[ "$mode" == slurm && ! -f "$s/retval" && -d "$d/slurm/$n" ]]; then
      s="$d/slurm/$n"
      [[ -f "$s/cmd" ]] && c="$s/cmd"
    fi
    fl=""
    [[ ! -f "$s/retval" ]] || fl+=r
    [[ ! -f "$s/skipped" ]] || fl+=s
    [[ ! -f "$s/lost" ]] || fl+=l
    [[ ! -f "$s/host" ]] || fl+=h
    [[ ! -f "$s/attempt" ]] || fl+=a
    [[ ! -f "$s/slurm" ]] || fl+=u
    [[ ! -f "$s/summary.json" ]] || fl+=j
    [[ ! -f "$s/Warnings" ]] || fl+=w
    [[ ! -f "$c" ]] || fl+=m
    [[ ! -f "$s/console.log.diags" ]] || fl+=d
    if [[ -f "$s/console.log" && -r "$s/console.log" ]]; then fl+=c; consoles+=("$s/console.log"); fi
    printf 'I\t%s\t%s\t%s\t%s\t%s\n' "$r" "$n" "${fl:--}" "$s" "$c" >>"$manifest"
  done
  unset have
done

# ---- One pass over every console: only the lines the report reads (grep
# is much faster than awk at skipping the rest), each prefixed by its file.
stats="$work/stats"
: >"$stats"
if ((${#consoles[@]})); then
  grep -a -H -F -e 'Start of test:' -e 'End of test:' -e 'rtc:' -e 'Reader Pipe:' -e ' gps: ' \
    -e 'queued/invoked' -e 'Stopping rcu_torture_stats' -e 'grace-period state:' \
    -- "${consoles[@]}" >"$stats" 2>/dev/null || (($? == 1)) ||
    { echo "report.sh: cannot read the consoles (grep failed)" >&2; exit 1; }
fi

gnuplot_bin="${GNUPLOT:-gnuplot}"
have_gnuplot=0
command -v "$gnuplot_bin" >/dev/null 2>&1 && have_gnuplot=1

# ---- The analysis (one awk program): per instance its verdict, duration,
# stats blocks (plot data files d<I> in the work directory), per run and in
# total the progress; then the page with @@SVG@@ placeholders and one
# gnuplot script per plot, or (--progress) the progress as text.
# shellcheck disable=SC2016  # awk program
awk -v now="$now" -v work="$work" -v progress="$progress" -v have_gnuplot="$have_gnuplot" \
    -v gnuplot_bin="$gnuplot_bin" -v manifest="$manifest" '
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
function sid(s) { gsub(/[^A-Za-z0-9._-]/, "_", s); return s }
function gq(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function fmtdur(x,   h, m, s) {
  if (x == "" || x < 0) return "-"
  x = int(x + 0.5); h = int(x / 3600); m = int((x % 3600) / 60); s = x % 60
  if (h > 0) return sprintf("%dh%02dm%02ds", h, m, s)
  if (m > 0) return sprintf("%dm%02ds", m, s)
  return sprintf("%ds", s)
}
function fmtsecs(x) { return (x < 60) ? sprintf("%.1f s", x) : fmtdur(x) }
function firstline(f,   l, rc) { l = ""; rc = (getline l < f); close(f); if (rc <= 0) return ""; sub(/\r$/, "", l); return l }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function dursecs(s,   n, u) {
  if (!match(s, /^[0-9]+[smhd]?$/)) return ""
  u = substr(s, length(s)); n = s + 0
  if (u == "m") n *= 60; else if (u == "h") n *= 3600; else if (u == "d") n *= 86400
  return n
}
function readrun(r,   f, l, sec, n, w, i, k, h, sl) {
  f = rdir[r] "/testid.txt"; sec = ""
  while ((getline l < f) > 0) {
    if (l ~ /^Current commit: /) rcommit[r] = substr(l, 17)
    else if (l ~ /^Host: /) rhostname[r] = substr(l, 7)
    else if (l == "git status:") sec = "st"
    else if (l == "git diff HEAD:") sec = ""
    else if (sec == "st" && l != "" && l != "(not a git tree)") rdirty[r] = 1
  }
  close(f)
  f = rdir[r] "/batches"; rnb[r] = 0
  while ((getline l < f) > 0) if (trim(l) != "") rbatch[r, ++rnb[r]] = trim(l)
  close(f)
  f = rdir[r] "/remote-hosts"; rslots[r] = 0; rnh[r] = 0
  while ((getline l < f) > 0) {
    l = trim(l); if (l == "" || l ~ /^#/) continue
    sub(/^@[^\/]*\//, "", l); sl = 1
    if (match(l, /^[0-9]+\//)) { sl = substr(l, 1, RLENGTH - 1) + 0; l = substr(l, RLENGTH + 1) }
    rslots[r] += sl; rhslots[r, l] += sl
    if (!((r, l) in rhseen)) { rhseen[r, l] = 1; rhost[r, ++rnh[r]] = l }
  }
  close(f)
  readout(r, rdir[r] "/remote.out")
}
# readout R FILE: the start lines of the far side (remote.out, or the
# output of a Slurm task): the last host and attempt of each instance.
function readout(r, f,   l, n, w, h, i) {
  while ((getline l < f) > 0) {
    n = split(l, w, " ")
    if (w[1] != "torture-remote:") continue
    if (w[2] == "start" && w[4] == "attempt" && w[6] == "on" && n >= 7) {
      h = w[7]; for (i = 8; i <= n; i++) h = h " " w[i]
      rsh[r, w[3]] = h; rsa[r, w[3]] = w[5]
    }
  }
  close(f)
}
function readinst(i,   d, f, l, fl, nd, s, j) {
  d = idir[i]; fl = ifl[i]
  if (index(fl, "r")) iret[i] = trim(firstline(d "/retval"))
  if (index(fl, "s")) iskip[i] = 1
  if (index(fl, "l")) { ilost[i] = substr(firstline(d "/lost"), 1, 1024); if (ilost[i] == "") ilost[i] = "host lost" }
  if (index(fl, "h")) ihost[i] = trim(firstline(d "/host"))
  if (index(fl, "a")) iatt[i] = trim(firstline(d "/attempt"))
  if (index(fl, "u")) islurm[i] = trim(firstline(d "/slurm"))
  if (index(fl, "j")) {
    f = d "/summary.json"
    while ((getline l < f) > 0) if (match(l, /"duration_s": *[0-9.]+/)) { s = substr(l, RSTART, RLENGTH); sub(/.*: */, "", s); isj[i] = s + 0; break }
    close(f)
  }
  if (index(fl, "w")) {
    f = d "/Warnings"
    while ((getline l < f) > 0) if (l ~ /hung|silent for/) ihung[i] = 1
    close(f)
  }
  if (index(fl, "m")) {
    l = firstline(icmd[i])
    while (match(l, /--duration=[0-9]+[smhd]?/)) { s = dursecs(substr(l, RSTART + 11, RLENGTH - 11)); if (s != "") iplan[i] = s; l = substr(l, RSTART + RLENGTH) }
  }
  if (index(fl, "d")) {
    f = d "/console.log.diags"; nd = 0
    while ((getline l < f) > 0) {
      sub(/\r$/, "", l)
      if (l ~ /^Summary: /) { s = l; sub(/^Summary: /, "", s); j = index(s, ": "); if (j) s = substr(s, j + 2); isum[i] = s }
      if (++nd <= 80) ixc[i] = ixc[i] substr(l, 1, 512) "\n"
    }
    close(f)
    if (nd > 80) ixc[i] = ixc[i] "... " (nd - 80) " more lines in console.log.diags\n"
    ixsrc[i] = "console.log.diags"
  }
  if (index(fl, "c")) { ncon++; cpre[ncon] = d "/console.log:"; clen[ncon] = length(cpre[ncon]); cinst[ncon] = i }
}
# ---- Stats blocks of the console being read.
function cbegin(i) { cur = i; nbk = 0; aftend = 0; si = 0; shut = 0; tstart = ""; lastts = ""; cverd = ""; lastpipe = ""; onoffseen = 0; gpsseen = 0; cbsseen = 0; pipeseen = 0
  delete bver; delete bfin; delete bts; delete bpipe; delete bgps; delete bq; delete binv; delete bon }
function cflush(i,   k, n, t, pk, d, step, j, m, f, pp, tp, gp, tg, vr, tv, rd, gr, kk) {
  inb[i] = nbk; isi[i] = si; ishut[i] = shut; icv[i] = cverd; ipipe[i] = lastpipe
  if (tstart != "" && lastts != "" && lastts > tstart) itsdur[i] = lastts - tstart
  ionoff[i] = onoffseen; igps[i] = gpsseen; icbs[i] = cbsseen; ireads[i] = pipeseen
  pk = 0; n = 0
  for (k = 1; k <= nbk; k++) {
    if (!bfin[k]) pk++
    if (bts[k] != "" && tstart != "") t = bts[k] - tstart
    else if (!bfin[k]) { if (si <= 0) continue; t = pk * si }
    else { d = (i in isj) ? isj[i] : shut; if (d <= 0) continue; t = d }
    if (n > 0 && t <= pt[n] + (bfin[k] ? 0.25 * si : 0)) continue
    pt[++n] = t; pidx[n] = k
  }
  inper[i] = pk; ipts[i] = n
  if (progress || n < 2) return
  step = int((n + MAXPTS - 1) / MAXPTS); if (step < 1) step = 1
  f = work "/d" i; idata[i] = f
  pp = 0; tp = 0; gp = 0; tg = 0
  for (j = 1; j <= n; j++) {
    if (j % step != 0 && j != n) continue
    k = pidx[j]; t = pt[j]
    rd = "?"
    if (bpipe[k] != "") { if (t > tp) rd = sprintf("%.6g", (bpipe[k] - pp) / (t - tp)); pp = bpipe[k]; tp = t }
    gr = "?"
    kk = (bgps[k] != "") ? bgps[k] : bver[k]
    if (t > tg) gr = sprintf("%.6g", (kk - gp) / (t - tg))
    gp = kk; tg = t
    printf "%.6g %s %s %s %s %s\n", t, rd, gr, (bq[k] != "" ? bq[k] : "?"), (binv[k] != "" ? binv[k] : "?"), (bon[k] != "" ? bon[k] : "?") > f
  }
  close(f)
  if (t > itmax[i] + 0) itmax[i] = t
}
BEGIN { FS = "\t"; MAXPTS = 300; MAXLINES = 8 }
FILENAME == manifest {
  if ($1 == "R") {
    nr++; rdir[$2] = $3; rlabel[$2] = $4; rst[$2] = $5; rdn[$2] = $6; rsttxt[$2] = $7; rdntxt[$2] = $8
    rmode[$2] = $9; rremote[$2] = ($9 != "local"); rslurm[$2] = ($9 == "slurm")
    readrun($2)
  } else if ($1 == "O") readout($2, $3)
  else if ($1 == "I") {
    ni++; irun[ni] = $2; iname[ni] = $3; ifl[ni] = $4; idir[ni] = $5; icmd[ni] = $6; rinst[$2, $3] = ni
    readinst(ni)
  }
  next
}
{
  line = $0
  if (!(ci >= 1 && substr(line, 1, clen[ci]) == cpre[ci])) {
    if (ci >= 1) cflush(cinst[ci])
    do ci++; while (ci <= ncon && substr(line, 1, clen[ci]) != cpre[ci])
    if (ci > ncon) exit 1
    cbegin(cinst[ci])
  }
  line = substr(line, clen[ci] + 1)
  sub(/\r$/, "", line)
  while (substr(line, 1, 2) == "> ") line = substr(line, 3)
  ts = ""
  if (match(line, /^\[ *[0-9]+\.[0-9]+\]/)) {
    ts = substr(line, 2, RLENGTH - 2) + 0; line = substr(line, RLENGTH + 1); lastts = ts
    if (match(line, /^\[ *[A-Z]?[0-9]+\]/)) line = substr(line, RLENGTH + 1)
  }
  if (index(line, "Start of test:")) {
    si = 0; shut = 0; nbk = 0; aftend = 0; cverd = ""; lastpipe = ""; tstart = ts
    if (match(line, / stat_interval=[0-9]+/)) si = substr(line, RSTART + 15, RLENGTH - 15) + 0
    if (match(line, / shutdown_secs=[0-9]+/)) shut = substr(line, RSTART + 15, RLENGTH - 15) + 0
    next
  }
  if (index(line, "End of test:")) {
    s = substr(line, index(line, "End of test:") + 12); sub(/^ +/, "", s)
    if (match(s, /^[A-Z_]+/)) cverd = substr(s, 1, RLENGTH)
    next
  }
  if (index(line, "Stopping rcu_torture_stats") || index(line, "End-test grace-period state:")) { aftend = 1; next }
  if (index(line, "rtc:") && match(line, / [vV][eE][rR]: [0-9]+/)) {
    nbk++; bver[nbk] = substr(line, RSTART + 6, RLENGTH - 6) + 0; bfin[nbk] = aftend; bts[nbk] = ts
    bpipe[nbk] = ""; bgps[nbk] = ""; bq[nbk] = ""; binv[nbk] = ""; bon[nbk] = ""
    if (match(line, /onoff: [0-9]+\/[0-9]+:[0-9]+\/[0-9]+/)) {
      s = substr(line, RSTART + 7, RLENGTH - 7); split(s, w, /[\/:]/); bon[nbk] = w[1] + w[3]; onoffseen = 1
    }
    next
  }
  if (nbk == 0) next
  if (p = index(line, "Reader Pipe:")) {
    s = substr(line, p + 12); n = split(s, w, " "); sum = 0; lastpipe = ""
    for (k = 1; k <= n; k++) { sum += w[k]; lastpipe = lastpipe (k > 1 ? " " : "") (w[k] + 0) }
    bpipe[nbk] = sum; pipeseen = 1
  }
  if (match(line, / gps: [0-9]+/)) { bgps[nbk] = substr(line, RSTART + 6, RLENGTH - 6) + 0; gpsseen = 1 }
  if (match(line, /cbs queued\/invoked(\/pending)?:? [0-9]+\/[0-9]+/)) {
    s = substr(line, RSTART, RLENGTH); sub(/.* /, "", s); split(s, w, "/"); bq[nbk] = w[1] + 0; binv[nbk] = w[2] + 0; cbsseen = 1
  }
}
# ---- Verdicts, progress, the page.
function state_of(i) {
  if (iskip[i]) return "skipped"
  if (i in ilost) return "lost"
  if (i in iret) return "done"
  if (rdn[irun[i]] != "") return "done"
  if (index(ifl[i], "c") || (i in ihost) || ((irun[i], iname[i]) in rsh)) return "running"
  return "queued"
}
function verdict_of(i) {
  if (ist[i] == "skipped") return "SKIPPED"
  if (ist[i] == "lost") return "HOST-LOST"
  if (ist[i] == "running") return "running"
  if (ist[i] == "queued") return "queued"
  if (!index(ifl[i], "c")) return "NOT-RUN"
  if (icv[i] != "") return icv[i]
  if (ihung[i]) return "HANG"
  return "NO-VERDICT"
}
function plan_of(i,   r) {
  if (iplan[i] > 0) return iplan[i]
  if (ishut[i] > 0) return ishut[i]
  return rplan[irun[i]] + 0
}
function host_of(i,   r) {
  r = irun[i]
  if (ihost[i] != "") return ihost[i]
  if ((r, iname[i]) in rsh) return rsh[r, iname[i]]
  if (rremote[r]) return "-"
  return "local"
}
function tsort(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x } }
function cnt_line(d, r, q, s, l,   t) {
  t = d " done, " r " running, " q " queued"
  return t ", " s " skipped, " l " host-lost"
}
END {
  if (ci >= 1) cflush(cinst[ci])
  # Per instance.
  for (i = 1; i <= ni; i++) {
    r = irun[i]
    if (iplan[i] > rplan[r]) rplan[r] = iplan[i]
    if (ishut[i] > rplan[r] && !(iplan[i] > 0)) rplan[r] = ishut[i]
  }
  anyslurm = 0
  for (i = 1; i <= ni; i++) {
    r = irun[i]; ist[i] = state_of(i); iv[i] = verdict_of(i)
    if (islurm[i] != "") { anyslurm = 1; rslurm[r] = 1 }
    # Duration: the JSON summary, else the console (End of test: the
    # planned shutdown_secs; else stats blocks x stat_interval, a lower bound).
    idur[i] = ""; imark[i] = ""
    if (ist[i] == "lost" || ist[i] == "skipped" || ist[i] == "queued") idur[i] = ""
    else if (i in isj) idur[i] = isj[i]
    else if (i in itsdur) idur[i] = itsdur[i]
    else if (icv[i] != "" && ishut[i] > 0) { idur[i] = ishut[i]; imark[i] = "~" }
    else if (inper[i] > 0 && isi[i] > 0) { idur[i] = inper[i] * isi[i]; imark[i] = ">=" }
    ierr[i] = (index(ifl[i], "d") || (ist[i] == "done" && iv[i] != "SUCCESS")) ? 1 : 0
  }
  # Per run: counts per state and host, elapsed, ETA.
  for (r = 1; r <= nr; r++) { rc["done", r] = rc["running", r] = rc["queued", r] = rc["skipped", r] = rc["lost", r] = 0; rn[r] = 0 }
  nhk = 0
  for (i = 1; i <= ni; i++) {
    r = irun[i]; st = ist[i]; rc[st, r]++; rn[r]++; tc[st]++
    h = host_of(i)
    if (st == "queued" || h == "-") continue
    if (!((r, h) in rhk)) { rhk[r, h] = 1; rhl[r, ++rnhl[r]] = h }
    hc[r, h, st]++
    if (!(h in thk)) { thk[h] = 1; thl[++nhk] = h }
    thc[h, st]++
  }
  for (i = 1; i <= ni; i++) {
    if (ist[i] != "running") continue
    iel[i] = (inper[i] > 0 && isi[i] > 0) ? inper[i] * isi[i] : 0
    irem[i] = plan_of(i) - iel[i]; if (irem[i] < 0) irem[i] = 0
  }
  teta = 0
  for (r = 1; r <= nr; r++) {
    rel[r] = ""
    if (rst[r] != "") rel[r] = (rdn[r] != "" ? rdn[r] : now) - rst[r]
    if (rdn[r] != "") { reta[r] = 0; rhow[r] = "finished"; continue }
    if (rc["running", r] + rc["queued", r] == 0) { reta[r] = 0; rhow[r] = "nothing left to run"; continue }
    if (!rremote[r] && !rslurm[r] && rnb[r] > 0) {
      e = 0
      for (b = 1; b <= rnb[r]; b++) {
        n = split(rbatch[r, b], w, " "); bm = 0
        for (k = 1; k <= n; k++) {
          if ((r, w[k]) in rinst) { i = rinst[r, w[k]]; v = (ist[i] == "running") ? irem[i] : (ist[i] == "queued") ? plan_of(i) : 0 }
          else v = rplan[r]
          if (v > bm) bm = v
        }
        e += bm
      }
      reta[r] = e
      rhow[r] = "batches: the running batch'"'"'s longest remaining time plus each queued batch'"'"'s longest planned duration"
    } else {
      wk = 0
      for (i = 1; i <= ni; i++) if (irun[i] == r) wk += (ist[i] == "running") ? irem[i] : (ist[i] == "queued") ? plan_of(i) : 0
      sl = rremote[r] && rslots[r] > 0 ? rslots[r] : rc["running", r]
      if (sl < 1) sl = 1
      reta[r] = int((wk + sl - 1) / sl)
      rhow[r] = "remaining work " fmtdur(wk) " over " sl " slot" (sl == 1 ? "" : "s") (rremote[r] && rslots[r] > 0 ? " (remote-hosts)" : " (the scenarios running now)")
    }
    if (reta[r] > teta) teta = reta[r]
  }
  if (progress) {
    for (r = 1; r <= nr; r++) {
      printf "run %s (%s): %s, started %s, elapsed %s\n", rlabel[r], rdir[r], (rdn[r] != "" ? "finished " rdntxt[r] : "in progress"), (rsttxt[r] != "" ? rsttxt[r] : "?"), fmtdur(rel[r])
      printf "  %d scenarios: %s\n", rn[r], cnt_line(rc["done", r], rc["running", r], rc["queued", r], rc["skipped", r], rc["lost", r])
      for (k = 1; k <= rnhl[r]; k++) {
        h = rhl[r, k]
        printf "  host %s: %d done, %d running%s\n", h, hc[r, h, "done"] + hc[r, h, "lost"] + hc[r, h, "skipped"], hc[r, h, "running"], ((r, h) in rhslots ? ", " rhslots[r, h] " slots" : "")
      }
      printf "  ETA: %s (%s)\n", fmtdur(reta[r]), rhow[r]
    }
    printf "total: %d scenarios in %d run%s: %s; ETA %s\n", ni, nr, (nr == 1 ? "" : "s"), cnt_line(tc["done"] + 0, tc["running"] + 0, tc["queued"] + 0, tc["skipped"] + 0, tc["lost"] + 0), fmtdur(teta)
    if (nr > 1) for (k = 1; k <= nhk; k++) { h = thl[k]; printf "total host %s: %d done, %d running\n", h, thc[h, "done"] + thc[h, "lost"] + thc[h, "skipped"], thc[h, "running"] }
    exit 0
  }
  page = work "/page.html"
  # Head.
  title = (nr == 1) ? rlabel[1] : nr " runs"
  print "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">" > page
  print "<title>rcutorture soak report: " esc(title) "</title>" > page
  print "<style>" > page
  print "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1400px}" > page
  print "h1{font-size:1.6em;margin:0 0 .3em}h2{border-bottom:2px solid #36c;padding-bottom:.2em;margin-top:1.6em}" > page
  print "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}" > page
  print "th{background:#e4e9f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.total td{font-weight:bold;background:#f0f0f0}" > page
  print "td.verdict{font-weight:bold}.v-SUCCESS td.verdict{background:#cdeccd}.v-FAILURE td.verdict,.v-HANG td.verdict,.v-NO-VERDICT td.verdict,.v-RCU_HOTPLUG td.verdict,.v-NOT-RUN td.verdict{background:#f6c6c6}" > page
  print ".v-HOST-LOST td.verdict{background:#f3dca8}.v-running td.verdict{background:#cfe0fa}.v-queued td.verdict,.v-SKIPPED td.verdict{background:#e8e8e8}tr.errors td.findings{color:#a00}" > page
  print "pre{background:#f6f6f6;border:1px solid #ddd;padding:.5em;overflow-x:auto;font-size:12px}" > page
  print "figure.plot{margin:1em 0;border:1px solid #ddd;padding:.5em;max-width:1100px}figure.plot svg{width:100%;height:auto;display:block}" > page
  print "figcaption{font-size:13px;color:#444;margin-top:.3em}.note{background:#fff6d6;border-left:4px solid #e0b000;padding:.3em .6em}" > page
  print "nav a{margin-right:1em}code{font-size:13px}" > page
  print "</style>\n</head>\n<body>" > page
  print "<h1>rcutorture soak report: " esc(title) "</h1>" > page
  print "<nav><a href=\"#progress\">Progress</a><a href=\"#verdicts\">Verdicts</a><a href=\"#soak\">Soak hours</a><a href=\"#plots\">Plots</a><a href=\"#excerpts\">Console excerpts</a></nav>" > page
  print "<section id=\"runs\"><h2>Runs</h2>\n<table id=\"runs-table\"><tr><th>run</th><th>commit</th><th>started</th><th>status</th><th>hosts</th><th>scenarios</th></tr>" > page
  for (r = 1; r <= nr; r++) {
    c = rcommit[r]; if (c == "") c = "?"
    cm = (c ~ /^[0-9a-f]+ /) ? "<code>" esc(substr(c, 1, 12)) "</code>" esc(substr(c, index(c, " "))) : esc(c)
    if (rdirty[r]) cm = cm " <em>(with local changes: testid.txt)</em>"
    hs = ""
    if (rremote[r]) { for (k = 1; k <= rnh[r]; k++) hs = hs (k > 1 ? ", " : "") esc(rhost[r, k]) " (" rhslots[r, rhost[r, k]] " slot" (rhslots[r, rhost[r, k]] == 1 ? "" : "s") ")" }
    for (k = 1; k <= rnhl[r]; k++) if (!((r, rhl[r, k]) in rhslots)) hs = hs (hs != "" ? ", " : "") esc(rhl[r, k] == "local" && rhostname[r] != "" ? "local (" rhostname[r] ")" : rhl[r, k])
    if (hs == "") hs = (rremote[r] ? "-" : esc("local" (rhostname[r] != "" ? " (" rhostname[r] ")" : "")))
    stt = (rdn[r] != "") ? "finished " esc(rdntxt[r]) " (took " fmtdur(rel[r]) ")" : "<b>in progress</b>, " fmtdur(rel[r]) " elapsed"
    printf "<tr id=\"run-r%d\"><td title=\"%s\">%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%d</td></tr>\n", r, esc(rdir[r]), esc(rlabel[r]), cm, esc(rsttxt[r] != "" ? rsttxt[r] : "?"), stt, hs, rn[r] > page
  }
  print "</table></section>" > page
  # Progress.
  print "<section id=\"progress\"><h2>Progress</h2>\n<table id=\"progress-table\"><tr><th>run</th><th>elapsed</th><th>scenarios</th><th>done</th><th>running</th><th>queued</th><th>skipped</th><th>host-lost</th><th>ETA</th></tr>" > page
  for (r = 1; r <= nr; r++)
    printf "<tr class=\"prog\"><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td>%s <small>(%s)</small></td></tr>\n", esc(rlabel[r]), fmtdur(rel[r]), rn[r], rc["done", r], rc["running", r], rc["queued", r], rc["skipped", r], rc["lost", r], fmtdur(reta[r]), esc(rhow[r]) > page
  printf "<tr class=\"total\"><td>total</td><td></td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td>%s</td></tr>\n</table>\n", ni, tc["done"], tc["running"], tc["queued"], tc["skipped"], tc["lost"], fmtdur(teta) > page
  print "<table id=\"hosts-table\"><tr><th>host</th><th>done</th><th>running</th></tr>" > page
  for (k = 1; k <= nhk; k++) { h = thl[k]; printf "<tr class=\"host\"><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td></tr>\n", esc(h), thc[h, "done"] + thc[h, "lost"] + thc[h, "skipped"], thc[h, "running"] > page }
  print "</table>" > page
  print "<p>Elapsed: since the <code>Started</code> line of the run'"'"'s <code>log</code> (to its <code>Done</code> line when finished). ETA of a local run: per batch (<code>batches</code>), the running batch'"'"'s longest remaining time plus each queued batch'"'"'s longest planned duration (<code>--duration</code> in <code>cmd</code>). ETA of a <code>--remote</code> or Slurm run: the remaining work (running scenarios'"'"' planned minus elapsed time, queued scenarios'"'"' planned duration) divided by the slots (the sum of <code>N/</code> in <code>remote-hosts</code>; else the scenarios running now). A running scenario'"'"'s elapsed time is its stats blocks &times; <code>stat_interval</code> (the console has no timestamps; 0 when its console is on another host), so the ETA errs long by up to one interval; shutdown grace is not counted. The total ETA is the largest of the runs'"'"'.</p></section>" > page
  # Verdicts.
  print "<section id=\"verdicts\"><h2>Verdicts</h2>\n<table id=\"verdict-table\"><tr><th>run</th><th>scenario</th><th>host</th><th>attempt</th>" (anyslurm ? "<th>Slurm job/task</th>" : "") "<th>duration</th><th>verdict</th><th>exit</th><th>findings</th><th>console</th></tr>" > page
  for (i = 1; i <= ni; i++) {
    r = irun[i]; a = "x-r" r "-" sid(iname[i])
    ixs[i] = ""
    if (ixc[i] != "") ixs[i] = ixsrc[i]
    else if (i in ilost) { ixc[i] = ilost[i] "\n"; ixs[i] = "lost" }
    else if (ierr[i] && index(ifl[i], "c")) {
      f = idir[i] "/console.log"; n = 0
      while ((getline l < f) > 0) { tl[n % 40] = substr(l, 1, 512); n++ }
      close(f)
      for (k = (n > 40 ? n - 40 : 0); k < n; k++) ixc[i] = ixc[i] tl[k % 40] "\n"
      ixs[i] = "the last " (n > 40 ? 40 : n) " lines of console.log"
      if (n == 0) { ixc[i] = "(console.log is empty)\n" }
    }
    fd = isum[i]
    if (fd == "" && (i in ilost)) fd = ilost[i]
    if (fd == "" && ist[i] == "done" && iv[i] == "SUCCESS") fd = "clean"
    if (fd == "" && ist[i] == "skipped") fd = "skipped: the run was stopped"
    du = "-"
    if (idur[i] != "") du = (imark[i] == ">=" ? "&ge; " : imark[i] == "~" ? "&asymp; " : "") fmtsecs(idur[i])
    if (ist[i] == "running" || ist[i] == "queued") du = du " <small>of " fmtdur(plan_of(i)) "</small>"
    sl = ""
    if (anyslurm) {
      sl = islurm[i]
      if (match(sl, /job [^ ]+ task [^ ]+/)) { split(substr(sl, RSTART, RLENGTH), w, " "); sl = w[2] "/" w[4] }
      sl = "<td>" (sl == "" ? "-" : esc(sl)) "</td>"
    }
    printf "<tr class=\"scn v-%s%s\" id=\"row-r%d-%s\"><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%s</td>%s<td class=\"num\">%s</td><td class=\"verdict\">%s</td><td class=\"num\">%s</td><td class=\"findings\">%s</td><td>%s</td></tr>\n", \
      sid(iv[i]), (ierr[i] ? " errors" : ""), r, sid(iname[i]), esc(rlabel[r]), esc(iname[i]), esc(host_of(i)), esc(iatt[i] != "" ? iatt[i] : ((r, iname[i]) in rsa ? rsa[r, iname[i]] : "-")), sl, du, esc(iv[i]), esc(iret[i] != "" ? iret[i] : "-"), esc(fd), \
      (ixs[i] != "" ? "<a href=\"#" a "\">excerpt</a>" : "-") > page
  }
  print "</table></section>" > page
  # Soak hours per scenario name.
  nn = 0
  for (i = 1; i <= ni; i++) {
    n = iname[i]; sub(/\.[0-9]+$/, "", n); ibase[i] = n
    if (!(n in sk)) { sk[n] = 1; names[++nn] = n }
    sn[n]++; if (ist[i] == "done") sd[n]++; if (ist[i] == "running") sr[n]++
    if (ierr[i]) sf[n]++; if (ist[i] == "lost") sl2[n]++
    if (idur[i] != "") { ss[n] += idur[i]; tsoak += idur[i] }
  }
  tsort(names, nn)
  print "<section id=\"soak\"><h2>Soak hours</h2>\n<table id=\"soak-table\"><tr><th>scenario</th><th>instances</th><th>finished</th><th>running</th><th>failures</th><th>host-lost</th><th>soak seconds</th><th>soak hours</th></tr>" > page
  for (k = 1; k <= nn; k++) {
    n = names[k]
    printf "<tr class=\"soak\" id=\"soak-%s\"><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%.1f</td><td class=\"num\">%.2f</td></tr>\n", sid(n), esc(n), sn[n], sd[n], sr[n], sf[n], sl2[n], ss[n], ss[n] / 3600 > page
    tf += sf[n]; tl2 += sl2[n]
  }
  printf "<tr class=\"total\" id=\"soak-total\"><td>total</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td class=\"num\">%.1f</td><td class=\"num\">%.2f</td></tr>\n</table>\n", ni, tc["done"], tc["running"], tf, tl2, tsoak, tsoak / 3600 > page
  print "<p>Soak time: each instance'"'"'s <code>duration_s</code> (<code>summary.json</code>), else from its console: its timestamps (kernel consoles), else the planned <code>shutdown_secs</code> when it reached <code>End of test</code> (&asymp;), else its stats blocks &times; <code>stat_interval</code> (&ge;; also for running scenarios, so far). Failures: instances with a <code>console.log.diags</code> or a finished verdict other than SUCCESS.</p></section>" > page
  # Plots: one figure per scenario name (per name prefix when there are
  # more than 24 names), at most MAXLINES instances in each.
  ng = 0; grouped = (nn > 32)
  for (k = 1; k <= nn; k++) {
    g = names[k]
    if (grouped && match(g, /^[A-Za-z]+/)) g = substr(g, 1, RLENGTH)
    if (!(g in gk)) { gk[g] = ++ng; gname[ng] = g }
    gof[names[k]] = gk[g]
  }
  print "<section id=\"plots\"><h2>Plots</h2>" > page
  if (!have_gnuplot) print "<p class=\"note\" id=\"no-gnuplot\">No plots: they need gnuplot (Debian package <code>gnuplot-nox</code>; scripts/setup.sh installs it), and <code>" esc(gnuplot_bin) "</code> was not found.</p>" > page
  else print "<p>From the periodic stats blocks (<code>rtc:</code> lines and the lines after them), time = block index &times; <code>stat_interval</code> (the final block at the run'"'"'s duration; console timestamps when the console has them). Reads/s: the Reader Pipe total; GPs/s: the flavour'"'"'s <code>gps:</code> count, else the writer'"'"'s <code>ver:</code>; callbacks: <code>cbs queued/invoked</code>; hotplug: the <code>onoff:</code> online + offline successes; the histogram: the final Reader Pipe summed over the group'"'"'s instances (buckets &ge; 2 in red are failures). Each figure shows at most " MAXLINES " instances, failing ones first, then the longest.</p>" > page
  for (g = 1; g <= ng; g++) {
    nin = 0; nplot = 0; skipped = ""; delete hist; hn = 0; anyon = 0; anycbs = 0; anyreads = 0; tmax = 0
    for (i = 1; i <= ni; i++) {
      if (gof[ibase[i]] != g) continue
      nin++
      if (ipipe[i] != "") { n = split(ipipe[i], w, " "); for (k = 1; k <= n; k++) hist[k - 1] += w[k]; if (n > hn) hn = n }
      if (idata[i] != "") cand[++nplot] = i
      else if (index(ifl[i], "c")) skipped = skipped (skipped != "" ? ", " : "") lab(i) " (" inb[i] " block" (inb[i] == 1 ? "" : "s") ")"
    }
    gid = "plot-" sid(gname[g])
    if (nplot == 0) {
      printf "<p class=\"note plot-skipped\" id=\"%s\">No plot for %s: fewer than 2 stats blocks%s.</p>\n", gid, esc(gname[g]), (skipped != "" ? " (" esc(skipped) ")" : " (no console)") > page
      continue
    }
    # Failing first, then the most stats blocks.
    for (a1 = 2; a1 <= nplot; a1++) { x = cand[a1]; for (b1 = a1 - 1; b1 >= 1 && better(x, cand[b1]); b1--) cand[b1 + 1] = cand[b1]; cand[b1 + 1] = x }
    shown = (nplot > MAXLINES) ? MAXLINES : nplot
    for (k = 1; k <= shown; k++) { i = cand[k]; if (ionoff[i]) anyon = 1; if (icbs[i]) anycbs = 1; if (ireads[i]) anyreads = 1; if (itmax[i] > tmax) tmax = itmax[i] }
    if (!have_gnuplot) continue
    unit = 1; ul = "s"
    if (tmax > 7200) { unit = 3600; ul = "h" } else if (tmax > 600) { unit = 60; ul = "min" }
    gp = work "/g" g ".gp"; sv = work "/g" g ".svg"
    print "set terminal svg size 1000,820 dynamic noenhanced font \"sans,11\" name \"g" g "\"" > gp
    print "set output " gq(sv) > gp
    print "set datafile missing \"?\"\nset key off\nset grid lc rgb \"#dddddd\"\nset format y \"%.1s%c\"" > gp
    print "set multiplot layout 3,2 title " gq(gname[g] ": " nin " instance" (nin == 1 ? "" : "s") (nplot > shown ? ", " shown " shown" : "")) > gp
    print "set xlabel \"time (" ul ")\"\nset xrange [0:*]\nset yrange [0:*]" > gp
    panel(gp, "reads/s", anyreads, 2, "no Reader Pipe lines")
    panel(gp, "GPs/s", 1, 3, "")
    panel(gp, "callbacks queued (solid) / invoked (dashed)", anycbs, 4, "no cbs queued/invoked counts (this flavour prints none)")
    panel(gp, "hotplug operations (onoff: online + offline)", anyon, 6, "no hotplug (no onoff: field)")
    # The histogram.
    print "set title " gq("final Reader Pipe, " nin " instance" (nin == 1 ? "" : "s")) > gp
    hmax = 0; for (k = 0; k < hn; k++) if (hist[k] > hmax) hmax = hist[k]
    if (hmax > 0) {
      print "$pipe << EOD" > gp
      for (k = 0; k < hn; k++) printf "%d %.0f\n", k, hist[k] > gp
      print "EOD" > gp
      printf "set logscale y\nset format y \"%%.0s%%c\"\nset yrange [0.8:%.0f]\nset xrange [-0.9:%g]\nset xtics 1\nset style fill solid 0.7\nset boxwidth 0.8\nset xlabel \"bucket (grace periods a reader spanned)\"\n", hmax * 30, hn - 0.1 > gp
      print "plot $pipe using 1:($2 > 0 ? $2 : NaN):($1 >= 2 ? 0xcc2222 : 0x3366cc) with boxes lc rgb variable, $pipe using 1:($2 > 0 ? $2 : NaN):(sprintf(\"%.0f\", $2)) with labels offset 0,0.7 font \",9\"" > gp
      print "unset logscale y\nset xtics autofreq\nset format y \"%.1s%c\"" > gp
    } else blank(gp, "no Reader Pipe lines")
    # The legend.
    print "set title \"\"\nunset xlabel\nunset grid\nset border 0\nunset tics\nset xrange [0:1]\nset yrange [0:1]\nset key center center vertical Left reverse" > gp
    s = ""
    for (k = 1; k <= shown; k++) s = s (k > 1 ? ", " : "") "NaN with linespoints lc " k " pt 7 ps 0.5 title " gq(lab(cand[k]))
    print "plot " s > gp
    print "unset multiplot" > gp
    close(gp)
    cap = esc(gname[g]) ": reads/s, GPs/s, callbacks, hotplug and the final Reader Pipe; " (nplot > shown ? "showing " shown " of " nplot " instances with stats" : nplot " instance" (nplot == 1 ? "" : "s")) " (" esc(joinlab(shown)) ")"
    if (skipped != "") cap = cap "; not plotted (fewer than 2 stats blocks): " esc(skipped)
    printf "<figure class=\"plot\" id=\"%s\">\n@@SVG@@ g%d %s\n<figcaption>%s</figcaption>\n</figure>\n", gid, g, sv, cap > page
  }
  print "</section>" > page
  # Console excerpts.
  print "<section id=\"excerpts\"><h2>Console excerpts</h2>" > page
  nx = 0
  for (i = 1; i <= ni; i++) {
    if (ixs[i] == "") continue
    nx++; r = irun[i]
    printf "<section class=\"excerpt\" id=\"x-r%d-%s\"><h3>%s / %s: %s</h3>\n<p>From %s (<a href=\"#row-r%d-%s\">back to its row</a>)</p>\n<pre>%s</pre></section>\n", r, sid(iname[i]), esc(rlabel[r]), esc(iname[i]), esc(iv[i]), esc(idir[i] "/" ixs[i]), r, sid(iname[i]), esc(ixc[i]) > page
  }
  if (nx == 0) print "<p>None: no findings, failures or lost hosts.</p>" > page
  printf "</section>\n<p><small>Generated by scripts/report.sh.</small></p>\n</body>\n</html>\n" > page
  close(page)
}
function lab(i) { return (nr > 1 ? rlabel[irun[i]] " " : "") iname[i] }
function joinlab(n,   k, s) { s = ""; for (k = 1; k <= n; k++) s = s (k > 1 ? ", " : "") lab(cand[k]); return s }
function better(x, y) {
  if (ierr[x] != ierr[y]) return ierr[x] > ierr[y]
  return ipts[x] > ipts[y]
}
function blank(gp, why) {
  print "set border 0\nunset tics\nunset xlabel\nunset ylabel\nset xrange [0:1]\nset yrange [0:1]" > gp
  print "set label 1 " gq(why) " at graph 0.5,0.5 center" > gp
  print "plot 2 notitle\nunset label 1\nset border\nset tics\nset xrange [0:*]\nset yrange [0:*]\nset xlabel \"time (" ul ")\"" > gp
}
function panel(gp, title, any, col,  why,   k, i, s, n) {
  print "set title " gq(title) > gp
  if (!any) { blank(gp, why); return }
  s = ""; n = 0
  for (k = 1; k <= shown; k++) {
    i = cand[k]
    if (col == 2 && !ireads[i]) continue
    if ((col == 4) && !icbs[i]) continue
    if (col == 6 && !ionoff[i]) continue
    s = s (n++ ? ", " : "") gq(idata[i]) " using ($1/" unit "):" col " with linespoints lc " k " pt 7 ps 0.35"
    if (col == 4) s = s ", " gq(idata[i]) " using ($1/" unit "):5 with lines lc " k " dt 2"
  }
  print "plot " s > gp
}
' "$manifest" "$stats" || { echo "report.sh: the analysis failed" >&2; exit 1; }

((progress)) && exit 0

# ---- The plots: one gnuplot for all figures; when it fails (it stops at
# its first error), each figure not finished is drawn again on its own, so
# one failure costs one figure.
if ((have_gnuplot)); then
  gps=()
  for gp in "$work"/g*.gp; do [[ ! -e "$gp" ]] || gps+=("$gp"); done
  if ((${#gps[@]})) && ! "$gnuplot_bin" "${gps[@]}" >"$work/gnuplot.err" 2>&1; then
    for gp in "${gps[@]}"; do
      svg="${gp%.gp}.svg"
      [[ -s "$svg" ]] && tail -c 64 "$svg" | grep -q '</svg>' && continue
      "$gnuplot_bin" "$gp" >"${gp%.gp}.err" 2>&1 || rm -f "$svg"
    done
  fi
fi

# ---- The page: each @@SVG@@ line replaced by its SVG (without the XML
# declaration, its ids made unique in the page), or a note.
awk '
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
/^@@SVG@@ / {
  p = $2 "-"; f = $3; n = 0
  while ((getline l < f) > 0) {
    if (l ~ /^<\?xml/) continue
    gsub(/ id=\047/, " id=\047" p, l); gsub(/ id="/, " id=\"" p, l)
    gsub(/href=\047#/, "href=\047#" p, l); gsub(/href="#/, "href=\"#" p, l); gsub(/url\(#/, "url(#" p, l)
    print l; n++
  }
  close(f)
  if (n == 0) {
    e = $3; sub(/\.svg$/, ".err", e); why = ""
    while ((getline l < e) > 0) if (l ~ /[^ ]/) { why = l; break }
    close(e)
    print "<p class=\"note\">gnuplot drew nothing for this figure" (why != "" ? ": " esc(why) : "") "</p>"
  }
  next
}
{ print }' "$work/page.html" >"$tmpout" || { echo "report.sh: cannot write '$out'" >&2; exit 1; }
chmod 644 "$tmpout" 2>/dev/null || true
mv -f "$tmpout" "$out" || { echo "report.sh: cannot write '$out'" >&2; exit 1; }
tmpout=""
echo "report.sh: wrote $out"

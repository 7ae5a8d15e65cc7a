#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# urcu-tests.sh: liburcu 0.13.2's own test suite (its regression rcutorture,
# fork and multi-flavour tests and its benchmark programs) built against
# librcu's liburcu-compatible C API (compat/) and judged strictly by
# scripts/urcu-judge.sh: an external gate for librcu.
#
#   scripts/urcu-tests.sh [--target=T] [--build=DIR] [--full] [--only=ERE]
#   scripts/urcu-tests.sh --compare [--build=DIR] [--full] [--duration=S]
#   scripts/urcu-tests.sh --sweep [--build=DIR] [--duration=S]
#
# Fetches the Debian source package of liburcu 0.13.2 at test time into a
# cache outside the tree (GPL code, never committed): `apt-get source
# liburcu=0.13.2-1` (needs the deb-src entry scripts/setup.sh adds), else
# the .orig tarball from the Debian pool, checked against its sha256. Later
# runs reuse the cache with no network. Builds the test programs only
# (never liburcu itself), with their asserts on (no NDEBUG), into
# CACHE/build-TARGET, runs each under a timeout into CACHE/out/TARGET/NAME.out
# and prints one line per run, `PASS NAME` or `FAIL NAME: REASON`, then
# `N passed, N failed`.
#
# Targets (--target=T, default librcu):
#   librcu         compat/include first on the include path; linked against
#                  BUILD/compat/librcu-urcu.so (plus Debian's -lurcu-cds
#                  -lurcu-common for the data-structure tests)
#   librcu-busted  the same, linked against BUILD/compat/librcu-urcu-busted.so
#                  (synchronize_rcu returns at once): must be judged FAILED
#   liburcu        Debian's liburcu: its headers, -lurcu-memb/-qsbr/-bp/...
#
# Runs (R readers, W writers: nproc/2 and the rest, at least 1 each;
# D = --duration):
#   regression  rcutorture_urcu_{membarrier,qsbr,bp} with nproc readers, in
#               every mode (perf, rperf, uperf: 1 s; stress: 10 s, fixed
#               by the suite) and every call_rcu mode (callrcu_global,
#               _percpu, _perthread): rcutorture_urcu_FLAVOUR_MODE_CALLRCU
#   fork, unit  test_urcu_fork, test_urcu_multiflavor (TAP)
#   benchmarks  test_urcu{,_gc,_lgc,_qsbr,_qsbr_gc,_qsbr_lgc,_bp,_defer,
#               _assign,_dynamic_link} R W D, test_urcu_yield R W D -r -w,
#               test_urcu_lfq and test_urcu_lfs_rcu R W D, and
#               test_urcu_hash_NN: runs 01, 05, 07 and 16 of liburcu's
#               runhash.sh (all 17 with --full)
#   --full adds the mb and signal flavours (regression and benchmarks), the
#   dynamic-link variants of the qsbr, bp, assign, lfq and lfs tests,
#   test_urcu_multiflavor_dynlink and _single_unit, and every hash run.
#
# Options:
#   --target=T       librcu, librcu-busted or liburcu (librcu)
#   --build=DIR      librcu's build directory, holding compat/ (build/release)
#   --cache=DIR      the cache (env URCU_TESTS_CACHE, else
#                    ${XDG_CACHE_HOME:-~/.cache}/rcutorture/liburcu-0.13.2)
#   --full           the full matrix (above)
#   --only=ERE       only the runs whose name matches ERE (e.g. _stress_)
#   --duration=S     benchmark seconds (1)
#   --timeout=S      allowance over a run's nominal length before it is
#                    killed and judged hung (60)
#   --fetch=HOW      auto (apt-get source, else the pool), apt or pool (auto)
#   --compare        perf-mode regression and benchmark runs for librcu and
#                    for Debian's liburcu, side by side, then a table of
#                    ns/read, ns/update and the SUMMARY figures
#   --sweep          as --compare, on the readers:writers sweep that
#                    liburcu's run-urcu-tests.sh makes at one or two CPUs:
#                    test_urcu (memb) and test_urcu_qsbr with 1:1, 2:0, 1:0
#                    and 0:1 readers:writers, the writers without delay
#                    (-d 0) and with a 1000-loop delay between updates
#                    (-d 1000): runs BENCH_rR_wW_dD, reads/s and writes/s
#   --list           print the runs (name, command) and stop
# Each option also takes its value as the next argument (--target librcu).
# Exit: 0 every run passed, 1 some run failed, 2 the source could not be
# fetched, the compat library is missing, or a test program did not build
# (its runs FAIL with its first error; the others still run), 64 bad usage.
set -euo pipefail

me=urcu-tests.sh
top="$(cd "$(dirname "$0")/.." && pwd)"
judge="$top/scripts/urcu-judge.sh"
version=0.13.2
deb_version=0.13.2-1
orig=liburcu_${version}.orig.tar.bz2
orig_sha256=1213fd9f1b0b74da7de2bb74335b76098db9738fec5d3cdc07c0c524f34fc032
pool_url=http://deb.debian.org/debian/pool/main/libu/liburcu/$orig

usage() { echo "$me: $*" >&2; exit 64; }
die() { echo "$me: $*" >&2; exit 2; }

target=librcu
build="$top/build/release"
cache="${URCU_TESTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rcutorture/liburcu-$version}"
full=0 only="" duration=1 slack=60 fetch=auto compare=0 sweep=0 list=0
while (($#)); do
  opt="$1" val="" has=0
  if [[ "$opt" == --*=* ]]; then val="${opt#*=}"; opt="${opt%%=*}"; has=1; fi
  shift
  case "$opt" in
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    --full|--compare|--sweep|--list)
      ((has == 0)) || usage "$opt takes no value"
      case "$opt" in --full) full=1 ;; --compare) compare=1 ;; --sweep) compare=1 sweep=1 ;; --list) list=1 ;; esac
      continue ;;
    --target|--build|--cache|--only|--duration|--timeout|--fetch)
      if ((has == 0)); then
        (($#)) || usage "$opt needs a value"
        val="$1"; shift
      fi ;;
    *) usage "unknown option '$opt' (see --help)" ;;
  esac
  case "$opt" in
    --target)
      case "$val" in librcu|librcu-busted|liburcu) target="$val" ;;
        *) usage "bad --target '$val' (librcu, librcu-busted, liburcu)" ;; esac ;;
    --build) [[ -n "$val" ]] || usage "empty --build"; build="$(realpath -m -- "$val")" ;;
    --cache) [[ -n "$val" ]] || usage "empty --cache"; cache="$(realpath -m -- "$val")" ;;
    --only) only="$val"
      rc=0; [[ "" =~ $only ]] || rc=$?
      ((rc < 2)) || usage "bad --only regular expression '$val'" ;;
    --duration) [[ "$val" =~ ^[1-9][0-9]{0,4}$ ]] || usage "bad --duration '$val' (whole seconds, 1 or more)"; duration="$val" ;;
    --timeout) [[ "$val" =~ ^[1-9][0-9]{0,4}$ ]] || usage "bad --timeout '$val' (whole seconds, 1 or more)"; slack="$val" ;;
    --fetch) case "$val" in auto|apt|pool) fetch="$val" ;;
        *) usage "bad --fetch '$val' (auto, apt, pool)" ;; esac ;;
  esac
done
src="$cache/src"
ncpu="$(nproc)"
readers=$((ncpu / 2)); ((readers >= 1)) || readers=1
writers=$((ncpu - readers)); ((writers >= 1)) || writers=1
hmul=$((ncpu / 4)); ((hmul >= 1)) || hmul=1

# ---------------------------------------------------------------- programs
# prog NAME FLAVOUR "SOURCES" "DEFINES" [cds] [tap]: one test
# program. SOURCES are relative to the source's tests/; FLAVOUR is the
# liburcu flavour library it links (memb qsbr bp mb signal, or "all").
declare -A p_src p_defs p_flav p_extra
prog() {
  local name="$1"
  p_flav[$name]="$2" p_src[$name]="$3" p_defs[$name]="$4"
  shift 4
  p_extra[$name]="${*:-}"
}
rt=regression/urcutorture.c bm=benchmark
prog rcutorture_urcu_membarrier memb "$rt" "-DRCU_MEMBARRIER" tap
prog rcutorture_urcu_qsbr qsbr "$rt" "-DRCU_QSBR -DTORTURE_QSBR" tap
prog rcutorture_urcu_bp bp "$rt" "-DRCU_BP" tap
prog rcutorture_urcu_mb mb "$rt" "-DRCU_MB" tap
prog rcutorture_urcu_signal signal "$rt" "-DRCU_SIGNAL" tap
prog test_urcu_fork memb regression/test_urcu_fork.c "" tap
mf="unit/test_urcu_multiflavor.c unit/test_urcu_multiflavor-memb.c unit/test_urcu_multiflavor-mb.c"
mf+=" unit/test_urcu_multiflavor-signal.c unit/test_urcu_multiflavor-qsbr.c unit/test_urcu_multiflavor-bp.c"
prog test_urcu_multiflavor all "$mf" "" tap
prog test_urcu_multiflavor_dynlink all "$mf" "-DDYNAMIC_LINK_TEST" tap
prog test_urcu_multiflavor_single_unit all unit/test_urcu_multiflavor_single_unit.c "" tap
prog test_urcu memb $bm/test_urcu.c ""
prog test_urcu_gc memb $bm/test_urcu_gc.c ""
prog test_urcu_lgc memb $bm/test_urcu_gc.c "-DTEST_LOCAL_GC"
prog test_urcu_qsbr qsbr $bm/test_urcu_qsbr.c ""
prog test_urcu_qsbr_gc qsbr $bm/test_urcu_qsbr_gc.c ""
prog test_urcu_qsbr_lgc qsbr $bm/test_urcu_qsbr_gc.c "-DTEST_LOCAL_GC"
prog test_urcu_bp bp $bm/test_urcu_bp.c ""
prog test_urcu_defer memb $bm/test_urcu_defer.c ""
prog test_urcu_assign memb $bm/test_urcu_assign.c ""
prog test_urcu_yield memb "$bm/test_urcu.c common/debug-yield.c" "-DDEBUG_YIELD"
prog test_urcu_dynamic_link memb $bm/test_urcu.c "-DDYNAMIC_LINK_TEST"
prog test_urcu_qsbr_dynamic_link qsbr $bm/test_urcu_qsbr.c "-DDYNAMIC_LINK_TEST"
prog test_urcu_bp_dynamic_link bp $bm/test_urcu_bp.c "-DDYNAMIC_LINK_TEST"
prog test_urcu_assign_dynamic_link memb $bm/test_urcu_assign.c "-DDYNAMIC_LINK_TEST"
prog test_urcu_mb mb $bm/test_urcu.c "-DRCU_MB"
prog test_urcu_mb_gc mb $bm/test_urcu_gc.c "-DRCU_MB"
prog test_urcu_signal signal $bm/test_urcu.c "-DRCU_SIGNAL"
prog test_urcu_signal_gc signal $bm/test_urcu_gc.c "-DRCU_SIGNAL"
prog test_urcu_lfq memb $bm/test_urcu_lfq.c "" cds
prog test_urcu_lfq_dynlink memb $bm/test_urcu_lfq.c "-DDYNAMIC_LINK_TEST" cds
prog test_urcu_lfs_rcu memb $bm/test_urcu_lfs_rcu.c "" cds
prog test_urcu_lfs_rcu_dynlink memb $bm/test_urcu_lfs_rcu.c "-DDYNAMIC_LINK_TEST" cds
prog test_urcu_hash qsbr "$bm/test_urcu_hash.c $bm/test_urcu_hash_rw.c $bm/test_urcu_hash_unique.c" "-DRCU_QSBR" cds

# ---------------------------------------------------------------- runs
# run NAME KIND SECONDS PROGRAM [ARGS...]: one run; SECONDS is its nominal
# length (the timeout adds --timeout to it).
r_names=() r_kind=() r_secs=() r_prog=() r_args=() r_flav=()
run() {
  local name="$1" kind="$2" secs="$3" p="$4"
  shift 4
  [[ -z "$only" || "$name" =~ $only ]] || return 0
  r_names+=("$name") r_kind+=("$kind") r_secs+=("$secs") r_prog+=("$p") r_args+=("$*")
  r_flav+=("${p_flav[$p]}")
}
# perfonly: --compare's runs (perf modes with callrcu_global, SUMMARY benchmarks).
plan_runs() {
  local perfonly="${1:-0}" f mode cr b
  local flavours=(membarrier qsbr bp)
  ((full)) && flavours+=(mb signal)
  for f in "${flavours[@]}"; do
    for mode in perf rperf uperf stress; do
      [[ "$perfonly" == 0 || "$mode" != stress ]] || continue
      for cr in global percpu perthread; do
        [[ "$perfonly" == 0 || "$cr" == global ]] || continue
        if [[ "$mode" == stress ]]; then
          run "rcutorture_urcu_${f}_${mode}_$cr" stress 10 "rcutorture_urcu_$f" "$ncpu" "$mode" 1 "callrcu_$cr"
        else
          run "rcutorture_urcu_${f}_${mode}_$cr" tap 1 "rcutorture_urcu_$f" "$ncpu" "$mode" 1 "callrcu_$cr"
        fi
      done
    done
  done
  if [[ "$perfonly" == 0 ]]; then
    # 1110 processes, each with its call_rcu thread: about 16 s on 2 idle
    # cores, over a minute on a loaded machine.
    run test_urcu_fork tap 120 test_urcu_fork
    run test_urcu_multiflavor tap 0 test_urcu_multiflavor
    if ((full)); then
      run test_urcu_multiflavor_dynlink tap 0 test_urcu_multiflavor_dynlink
      run test_urcu_multiflavor_single_unit tap 0 test_urcu_multiflavor_single_unit
    fi
  fi
  local bench=(test_urcu test_urcu_gc test_urcu_lgc test_urcu_qsbr test_urcu_qsbr_gc
               test_urcu_qsbr_lgc test_urcu_bp test_urcu_defer test_urcu_assign
               test_urcu_dynamic_link)
  ((full)) && bench+=(test_urcu_qsbr_dynamic_link test_urcu_bp_dynamic_link
                      test_urcu_assign_dynamic_link test_urcu_mb test_urcu_mb_gc
                      test_urcu_signal test_urcu_signal_gc)
  for b in "${bench[@]}"; do
    run "$b" summary "$duration" "$b" "$readers" "$writers" "$duration"
  done
  run test_urcu_yield summary "$duration" test_urcu_yield "$readers" "$writers" "$duration" -r -w
  local ds=(test_urcu_lfq test_urcu_lfs_rcu)
  ((full)) && ds+=(test_urcu_lfq_dynlink test_urcu_lfs_rcu_dynlink)
  for b in "${ds[@]}"; do
    run "$b" summary "$duration" "$b" "$readers" "$writers" "$duration"
  done
  # liburcu's runhash.sh, numbered as there (THREAD_MUL = nproc/4, at least 1).
  local m2=$((2 * hmul)) m4=$((4 * hmul)) big="-M 100000000 -N 100000000 -O 100000000" n line hname
  local hash=(
    "0 $m4 -A -s -M 1 -N 1 -O 1"
    "0 $m4 -A -u -M 1 -N 1 -O 1"
    "$m2 $m2 -A -s -M 1 -N 1 -O 1"
    "$m2 $m2 -A -M 1 -N 1 -O 1"
    "$m2 $m2 -A"
    "$m2 $m2 -A -s"
    "$m2 $m2 -A -u"
    "$m2 $m2 -A -m 1 -n 1048576 -i $big -B order"
    "$m2 $m2 -A -m 1 -n 1048576 -i $big -B chunk"
    "$m2 $m2 -A -m 1 -n 1048576 -i $big -B mmap"
    "$m2 $m2 -A -R 1000000"
    "$m2 $m2 -A -M 10 -N 10 -O 10"
    "$m2 $m2 -A -M 10 -N 10 -O 10 -u"
    "$m2 $m2 -A -M 10 -N 10 -O 10 -s"
    "$m2 $m2 -A -M 10 -N 10 -O 10 -R 0 -T 0 -S 10 -k 10 -s"
    "$m2 $m2 -A -U"
    "$m2 $m2 -A -U -C 4"
  )
  for n in "${!hash[@]}"; do
    ((full)) || [[ "$n" == 0 || "$n" == 4 || "$n" == 6 || "$n" == 15 ]] || continue
    read -r -a line <<<"${hash[$n]}"
    printf -v hname 'test_urcu_hash_%02d' $((n + 1))
    run "$hname" hash "$duration" test_urcu_hash \
      "${line[0]}" "${line[1]}" "$duration" "${line[@]:2}"
  done
}

# The --sweep runs (see --help).
plan_sweep() {
  local b rw r w d
  for b in test_urcu test_urcu_qsbr; do
    for rw in 1:1 2:0 1:0 0:1; do
      r="${rw%:*}" w="${rw#*:}"
      for d in 0 1000; do
        ((w > 0 || d == 0)) || continue
        run "${b}_r${r}_w${w}_d$d" summary "$duration" "$b" "$r" "$w" "$duration" -d "$d"
      done
    done
  done
}
if ((sweep)); then plan_sweep; elif ((compare)); then plan_runs 1; else plan_runs 0; fi
((${#r_names[@]})) || usage "no run matches --only '$only' (see --list)"
if ((list)); then
  for i in "${!r_names[@]}"; do
    echo "${r_names[$i]}: ${r_prog[$i]} ${r_args[$i]} (${r_kind[$i]}, ${r_secs[$i]} s)"
  done
  exit 0
fi

# ---------------------------------------------------------------- fetch
# Into $src, once: apt-get source (the Debian package, its patches applied),
# else the pool's .orig tarball; both checked against $orig_sha256.
sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$orig_sha256" ]]; }
fetch_source() {
  [[ -f "$src/.complete" ]] && return 0
  local dl="$cache/download" tmp="$cache/src.tmp" log="$cache/fetch.log" how=""
  mkdir -p "$dl"
  rm -rf "$tmp"
  : >"$log"
  if [[ "$fetch" != pool ]]; then
    if ! command -v apt-get >/dev/null || ! command -v dpkg-source >/dev/null; then
      echo "$me: no apt-get or dpkg-source (dpkg-dev)" >>"$log"
    elif (cd "$dl" && apt-get source --download-only "liburcu=$deb_version") >>"$log" 2>&1 &&
         sha_ok "$dl/$orig" &&
         dpkg-source --no-copy -x "$dl/liburcu_$deb_version.dsc" "$tmp" >>"$log" 2>&1; then
      how="apt-get source liburcu=$deb_version"
    else
      rm -rf "$tmp"
    fi
    [[ -n "$how" || "$fetch" == auto ]] || die "apt-get source liburcu=$deb_version failed (no deb-src entry? run scripts/setup.sh); see $log"
    [[ -n "$how" ]] || echo "$me: apt-get source failed (see $log); trying the Debian pool" >&2
  fi
  if [[ -z "$how" ]]; then
    if ! sha_ok "$dl/$orig"; then
      rm -f "$dl/$orig"
      if command -v curl >/dev/null; then
        curl -fsSL --retry 2 -o "$dl/$orig.part" "$pool_url" >>"$log" 2>&1 || true
      else
        wget -q -O "$dl/$orig.part" "$pool_url" >>"$log" 2>&1 || true
      fi
      sha_ok "$dl/$orig.part" || die "could not fetch $pool_url with sha256 $orig_sha256; see $log"
      mv "$dl/$orig.part" "$dl/$orig"
    fi
    mkdir -p "$tmp"
    tar -xjf "$dl/$orig" -C "$tmp" --strip-components=1 >>"$log" 2>&1 || die "cannot unpack $dl/$orig; see $log"
    how="$pool_url"
  fi
  [[ -f "$tmp/tests/regression/urcutorture.c" ]] || die "no tests/regression/urcutorture.c in the fetched source; see $log"
  echo "$how (sha256 $orig_sha256)" >"$tmp/.complete"
  rm -rf "$src"
  mv "$tmp" "$src"
  echo "$me: fetched liburcu $version into $src ($how)" >&2
}

# ---------------------------------------------------------------- build
# build_target T: writes CACHE/build-T/build.ninja for the programs the
# planned runs need and runs ninja (binaries in CACHE/build-T/bin); records
# each program that did not build in unbuilt[T/PROGRAM] with its first error.
lib_for() {  # lib_for TARGET FLAVOUR [cds]: the link flags
  local t="$1" f="$2" cds="${3:-}" fl
  case "$t" in
    librcu) echo "-L$build/compat -lrcu-urcu -Wl,-rpath,$build/compat -L$build/rcu -lrcu -Wl,-rpath,$build/rcu${cds:+ -lurcu-cds -lurcu-common}" ;;
    librcu-busted) echo "-L$build/compat -lrcu-urcu-busted -Wl,-rpath,$build/compat -L$build/rcu -lrcu -Wl,-rpath,$build/rcu${cds:+ -lurcu-cds -lurcu-common}" ;;
    liburcu)
      if [[ "$f" == all ]]; then fl="liburcu-memb liburcu-mb liburcu-signal liburcu-qsbr liburcu-bp"
      else fl="liburcu-$f"; fi
      [[ -z "$cds" ]] || fl+=" liburcu-cds"
      # shellcheck disable=SC2086  # several package names
      pkg-config --libs $fl ;;
  esac
}
target_lib() {  # the compat library a target links, or nothing
  case "$1" in
    librcu) echo "$build/compat/librcu-urcu.so" ;;
    librcu-busted) echo "$build/compat/librcu-urcu-busted.so" ;;
  esac
}
check_target() {
  local t="$1" lib
  lib="$(target_lib "$t")"
  [[ -z "$lib" ]] && return 0
  [[ -f "$top/compat/include/urcu.h" ]] || die "no $top/compat/include/urcu.h: the compat layer is missing"
  [[ -f "$lib" ]] || die "no $lib: build librcu's compat libraries first (scripts/setup.sh release, or --build=DIR)"
}
build_target() {
  local t="$1" b="$cache/build-$1" lib cppflags p s o objs pr ex libs
  local -A need=()
  lib="$(target_lib "$t")"
  mkdir -p "$b/bin"
  cat >"$b/config.h" <<'EOF'
/* The configuration liburcu's configure would find on Debian 12
 * (glibc, x86-64) for its tests; written by scripts/urcu-tests.sh. */
#define _GNU_SOURCE 1
#define HAVE_GETTID 1
#define HAVE_RAND_R 1
#define HAVE_SCHED_GETCPU 1
#define HAVE_SCHED_SETAFFINITY 1
#define HAVE_SYSCONF 1
EOF
  cppflags="-I$src/tests/common -I$src/tests/utils -I$src/src -include $b/config.h"
  [[ -z "$lib" ]] || cppflags="-I$top/compat/include $cppflags"
  for p in "${r_prog[@]}"; do need[$p]=1; done
  {
    echo "# Generated by scripts/urcu-tests.sh --target=$t: liburcu $version's test programs."
    echo "cc = ${CC:-gcc}"
    echo "cflags = -O2 -g -pthread -Wall -UNDEBUG"
    echo "cppflags = $cppflags"
    echo "rule cc"
    echo "  command = \$cc -MMD -MF \$out.d \$cppflags \$cflags \$defs -c \$in -o \$out"
    echo "  depfile = \$out.d"
    echo "  deps = gcc"
    echo "  description = CC \$out"
    echo "rule link"
    echo "  command = \$cc -pthread -o \$out \$in \$libs"
    echo "  description = LINK \$out"
    echo "build obj/tap.o: cc $src/tests/utils/tap.c"
    for pr in $(printf '%s\n' "${!need[@]}" | sort); do
      objs=""
      for s in ${p_src[$pr]}; do
        o="obj/$pr/$(basename "${s%.c}").o"
        echo "build $o: cc $src/tests/$s"
        echo "  defs = ${p_defs[$pr]}"
        objs+=" $o"
      done
      ex="${p_extra[$pr]}"
      [[ "$ex" != *tap* ]] || objs+=" obj/tap.o"
      libs="$(lib_for "$t" "${p_flav[$pr]}" "$([[ "$ex" == *cds* ]] && echo cds)")"
      echo "build bin/$pr: link$objs${lib:+ | $lib}"
      echo "  libs = $libs"
    done
  } >"$b/build.ninja.new"
  mv "$b/build.ninja.new" "$b/build.ninja"
  # Every program that builds is run; the runs of one that does not FAIL
  # with its first error, and the exit status is then 2.
  ninja -C "$b" -k 0 >"$b/build.log" 2>&1 || true
  for pr in "${!need[@]}"; do
    if ! ninja -C "$b" -n "bin/$pr" 2>&1 | grep -q 'no work to do'; then
      unbuilt[$t/$pr]="not built for --target=$t: $(awk -v pr="$pr" '
        /^FAILED: / { mine = index($0, "obj/" pr "/") > 0 || $2 == "bin/" pr }
        mine && /error|undefined reference/ { print; exit }' "$b/build.log" | cut -c1-200) (see $b/build.log)"
    # A librcu target must not pull in Debian's RCU flavour libraries.
    elif [[ -n "$lib" ]] && readelf -d "$b/bin/$pr" | grep -qE 'NEEDED.*\[liburcu(-memb|-qsbr|-bp|-mb|-signal)?\.so'; then
      unbuilt[$t/$pr]="links Debian's liburcu flavour library: $(readelf -d "$b/bin/$pr" | grep -oE 'liburcu[a-z-]*\.so[.0-9]*' | tr '\n' ' ')"
    fi
  done
  local bad
  bad="$(printf '%s\n' "${!unbuilt[@]}" | sed -n "s|^$t/||p" | sort | tr '\n' ' ')"
  [[ -z "$bad" ]] || echo "$me: --target=$t: not built: $bad(see $b/build.log)" >&2
}

# ---------------------------------------------------------------- run
# run_one TARGET INDEX OUTDIR: runs one planned run under its timeout, saves
# its output with the header and trailer urcu-judge.sh reads, and sets
# verdict to the judge's line.
child=""
trap 'if [[ -n "$child" ]]; then kill -TERM "$child" 2>/dev/null || true; fi; exit 130' INT TERM
run_one() {
  local t="$1" i="$2" dir="$3" name="${r_names[$2]}" limit start rc=0 o
  local -a args
  if [[ -n "${unbuilt[$t/${r_prog[$i]}]:-}" ]]; then
    verdict="FAIL $name: ${r_prog[$i]} ${unbuilt[$t/${r_prog[$i]}]}"
    return
  fi
  read -r -a args <<<"${r_args[$i]}"
  o="$dir/$name.out"
  limit=$((r_secs[i] + slack))
  {
    echo "urcu-tests: run $name: ${r_prog[$i]} ${r_args[$i]}"
    echo "urcu-tests: expect ${r_kind[$i]}"
    echo "urcu-tests: target $t, timeout $limit s"
  } >"$o"
  start=$SECONDS
  (cd "$dir" && exec timeout -k 10 "$limit" "$cache/build-$t/bin/${r_prog[$i]}" "${args[@]}") >>"$o" 2>&1 &
  child=$!
  # (stderr: not bash's "Aborted" notice of a child killed by a signal; the
  # trailer records it)
  { wait "$child" || rc=$?; } 2>/dev/null
  child=""
  if ((rc == 124 || (rc == 137 && SECONDS - start >= limit))); then
    echo "urcu-tests: timeout $limit" >>"$o"
  else
    echo "urcu-tests: exit $rc" >>"$o"
  fi
  verdict="$("$judge" "$o" 2>&1)" || true
  [[ "$verdict" =~ ^(PASS|FAIL)\  ]] || verdict="FAIL $name: urcu-judge.sh failed: ${verdict:-no output}"
}

lock() {  # lock FILE: an exclusive lock on FILE, held by the descriptor $lockfd
  exec {lockfd}>>"$1"
  if ! flock -n "$lockfd"; then
    echo "$me: waiting for $1 (another urcu-tests.sh is using it)" >&2
    flock "$lockfd"
  fi
}

declare -A unbuilt=()
targets=("$target")
((compare)) && targets=(librcu liburcu)
for t in "${targets[@]}"; do check_target "$t"; done
mkdir -p "$cache"
lock "$cache/.fetch.lock"
fetch_source
exec {lockfd}>&-
for t in "${targets[@]}"; do
  lock "$cache/.lock-$t"
  build_target "$t"
done

pass=0 fail=0
count() { if [[ "$1" == PASS* ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi; }

if ((compare == 0)); then
  out="$cache/out/$target"
  rm -rf "$out"
  mkdir -p "$out"
  echo "$me: --target=$target: ${#r_names[@]} runs, outputs in $out" >&2
  for i in "${!r_names[@]}"; do
    run_one "$target" "$i" "$out"
    echo "$verdict"
    count "$verdict"
  done
  echo "$pass passed, $fail failed"
  ((${#unbuilt[@]} == 0)) || exit 2
  ((fail == 0)) || exit 1
  exit 0
fi

# --compare: each run for librcu then for liburcu, then the table.
for t in "${targets[@]}"; do rm -rf "$cache/out/compare/$t"; mkdir -p "$cache/out/compare/$t"; done
echo "$me: --compare: ${#r_names[@]} runs per target, outputs in $cache/out/compare" >&2
for i in "${!r_names[@]}"; do
  for t in "${targets[@]}"; do
    run_one "$t" "$i" "$cache/out/compare/$t"
    echo "$verdict ($t)"
    count "$verdict"
  done
done
echo "$pass passed, $fail failed"
# The figures: ns/read and ns/update (regression); nr_reads, nr_writes (or
# nr_enqueues, nr_dequeues) and their rates per second (SUMMARY).
figures() {  # figures FILE: "KEY VALUE" lines
  awk '
    /ns\/read:/ { for (i = 1; i < NF; i++) { if ($i == "ns/read:") print "ns/read", $(i+1); if ($i == "ns/update:") print "ns/update", $(i+1) } }
    /^SUMMARY / {
      for (i = 2; i < NF; i++) if ($i == "testdur") d = $(i+1)
      for (i = 2; i < NF; i++) if ($i ~ /^nr_(reads|writes|enqueues|dequeues)$/) {
        print $i, $(i+1); if (d > 0) printf "%s/s %.0f\n", substr($i, 4), $(i+1) / d
      }
    }' "$1"
}
echo
printf '%-42s %-10s %-13s %14s %14s %9s\n' test flavour figure librcu liburcu ratio
for i in "${!r_names[@]}"; do
  n="${r_names[$i]}"
  a="$(figures "$cache/out/compare/librcu/$n.out")"
  b="$(figures "$cache/out/compare/liburcu/$n.out")"
  first=1
  while read -r key va; do
    [[ -n "$key" ]] || continue
    vb="$(awk -v k="$key" '$1 == k { print $2; exit }' <<<"$b")"
    awk -v n="$( ((first)) && echo "$n")" -v f="$( ((first)) && echo "${r_flav[$i]}")" \
        -v k="$key" -v a="$va" -v b="${vb:--}" 'BEGIN {
      r = (a + 0 > 0 && b + 0 > 0 && a !~ /inf|nan/ && b !~ /inf|nan/) ? sprintf("%.2f", a / b) : "-"
      fa = (a ~ /^[0-9.]+$/ && a + 0 >= 1e6) ? sprintf("%.0f", a) : a
      fb = (b ~ /^[0-9.]+$/ && b + 0 >= 1e6) ? sprintf("%.0f", b) : b
      printf "%-42s %-10s %-13s %14s %14s %9s\n", n, f, k, fa, fb, r }'
    first=0
  done <<<"$a"
done
echo "(ratio: librcu / liburcu; ns/ figures: lower is better, counts and rates: higher is better)"
((${#unbuilt[@]} == 0)) || exit 2
((fail == 0)) || exit 1
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install-test.sh BUILD_DIR: installs an already-built tree into a fresh
# temporary prefix and checks it as a program outside the tree sees it:
#   - the layout: librcu.so.0.1.0 (SONAME librcu.so.0) with its symlinks,
#     librcu.a, the headers (not internal/test_util.h), the CMake package,
#     librcu.pc, rcutorture, its module and scenarios;
#   - librcu.so exports only names in namespace rcu:: (nothing of Abseil,
#     fmt or std), among them what the inline read path needs;
#   - examples/consumer built with find_package(librcu) (librcu::rcu and
#     librcu::rcu_static) and with pkg-config (shared, compiled with -fPIC;
#     and librcu.a with `pkg-config --static`), each run and printing its
#     ok line; the shared ones need librcu.so.0 and load it from the
#     prefix, the static ones do not need it; the -fPIC one reads the
#     reader's TLS without __tls_get_addr (initial-exec);
#   - examples/bench compiles (it is not run: no timing in tests);
#   - the installed rcutorture, run from another directory with a bare
#     scenario name, ends in SUCCESS, and the installed parse-console.sh
#     finds its log clean; it runs the installed log scanner
#     (libexec/rcutorture/rcutorture-console-scan, found from its own
#     directory), which finds a recorded FAILURE log failing;
#   - plugins: the ABI header (include/rcutorture/rcutorture_plugin.h)
#     compiles alone as C and C++; the installed rcutorture finds the
#     installed plugins (urcu-memb by name, plugin:epoch-rcu) and runs them
#     to SUCCESS; examples/epoch-rcu built out of the tree against the
#     installed header runs with --ops_plugin (and its busted twin FAILs).
# The prefix is moved after the install: everything installed must be
# relocatable. Each failed check prints one "FAIL: ..." line naming it.
set -euo pipefail
# shellcheck source=scripts/tests/test-lib.sh
. "$(dirname "$0")/test-lib.sh"

build="$(cd "${1:?usage: install-test.sh BUILD_DIR}" && pwd)"
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cxx="$(cache CMAKE_CXX_COMPILER)"
libdir="$(cache CMAKE_INSTALL_LIBDIR)"
libdir="${libdir:-lib}"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
p="$tmp/prefix"
lib="$p/$libdir"
log="$tmp/log"
mkdir -p "$log"
# first_error LOG: the first line of a failed build's LOG that says why.
first_error() { grep -m1 -E 'error:|Error|undefined reference' "$1" || tail -1 "$1"; }

# ---- Install, then move the prefix. ----
if ! cmake --install "$build" --prefix "$tmp/stage" >"$log/install" 2>&1; then
  echo "FAIL: cmake --install $build failed:" >&2
  tail -5 "$log/install" >&2
  exit 1
fi
mv "$tmp/stage" "$p"

# ---- Layout. ----
for f in "$lib/librcu.so.0.1.0" "$lib/librcu.a" "$lib/cmake/librcu/librcuConfig.cmake" \
         "$lib/cmake/librcu/librcuConfigVersion.cmake" "$lib/cmake/librcu/librcuTargets.cmake" \
         "$lib/pkgconfig/librcu.pc" "$p/bin/rcutorture" "$lib/rcutorture/torture_module.so" \
         "$p/share/rcutorture/configs/TREE01" "$p/share/rcutorture/configs/CFcommon" \
         "$p/share/rcutorture/scripts/parse-console.sh"; do
  [[ -f "$f" ]] || fail "not installed: ${f#"$p"/}"
done
for h in rcu.h tree.h config.h geometry.h seq.h segcblist.h srcu.h lockdep.h \
         mutex.h plain_mutex.h check.h export.h internal/reader.h; do
  [[ -f "$p/include/rcu/$h" ]] || fail "header not installed: include/rcu/$h"
done
[[ ! -e "$p/include/rcu/internal/test_util.h" ]] || fail "internal/test_util.h is installed"
[[ "$(readlink "$lib/librcu.so.0")" == librcu.so.0.1.0 ]] ||
  fail "librcu.so.0 is not a symlink to librcu.so.0.1.0"
[[ "$(readlink "$lib/librcu.so")" == librcu.so.0 ]] || fail "librcu.so is not a symlink to librcu.so.0"
soname="$(readelf -d "$lib/librcu.so.0.1.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
[[ "$soname" == librcu.so.0 ]] || fail "librcu.so.0.1.0 has SONAME '$soname', not librcu.so.0"
# The public headers compile with nothing but the installed ones and
# pkg-config's flags (no header they include was left out).
export PKG_CONFIG_PATH="$lib/pkgconfig"
read -r -a pc_cflags <<<"$(pkg-config --cflags librcu)"
for h in "$p"/include/rcu/*.h; do echo "#include \"rcu/${h##*/}\""; done >"$tmp/all_headers.cc"
if ! "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror "${pc_cflags[@]}" "$tmp/all_headers.cc" \
     >"$log/headers" 2>&1; then
  fail "the installed headers do not compile on their own: $(first_error "$log/headers")"
fi

# ---- Exports: only rcu::, and what the inline read path references (the
# consumers below link against it, so every symbol their inline code
# needs must be there too). ----
exports="$(nm -D --defined-only -C "$lib/librcu.so.0.1.0" | cut -d' ' -f3-)"
# Demangled names: rcu::..., or the compiler's own entities of an rcu::
# class (typeinfo, vtable, guard variable of a static).
leaks="$(grep -Ev '^((typeinfo|typeinfo name|vtable|VTT|guard variable) for )?rcu::' <<<"$exports" || true)"
[[ -z "$leaks" ]] || fail "librcu.so exports $(wc -l <<<"$leaks") symbols outside rcu::, e.g. '$(head -1 <<<"$leaks" | cut -c1-160)'"
for s in 'rcu::internal::tls_readers' 'rcu::internal::ReadUnlockSlow(' \
         'rcu::internal::ReadLockSlow(' 'rcu::internal::kNoWords' \
         'rcu::lockdep::internal::Splat(' 'rcu::Default()' 'rcu::Rcu::Synchronize()' \
         'rcu::SrcuDomain::ReadLockSlow(' 'rcu::SrcuDomain::ReadUnlockSlow(' \
         'rcu::Config::Validate() const'; do
  grep -qF "$s" <<<"$exports" || fail "librcu.so does not export $s"
done
if [[ "$(cache RCU_LOCKDEP)" != OFF ]]; then
  grep -qF 'rcu::lockdep::internal::g_enabled' <<<"$exports" ||
    fail "librcu.so does not export rcu::lockdep::internal::g_enabled"
fi

# ---- The consumer, four ways. ----
src="$top/examples/consumer"
# run_consumer NAME BINARY [ENV...]: runs it (ENV as for env(1)) and checks
# its ok line.
run_consumer() {
  local name="$1" bin="$2" out
  shift 2
  if ! out="$(cd "$tmp" && env "$@" "$bin" 2>&1)"; then
    fail "consumer ($name) exited non-zero: $(tail -1 <<<"$out")"
  elif ! grep -Eq '^consumer: ok reads=[1-9][0-9]* callbacks=1501$' <<<"$out"; then
    fail "consumer ($name) printed no ok line: $(tail -1 <<<"$out")"
  fi
}
# needs BINARY: its DT_NEEDED entries, one a line.
needs() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

for kind in shared static; do
  flag=OFF
  [[ "$kind" == static ]] && flag=ON
  b="$tmp/cmake-$kind"
  if ! { cmake -S "$src" -B "$b" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
           -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" -DCONSUMER_STATIC="$flag" &&
         cmake --build "$b"; } >"$log/cmake-$kind" 2>&1; then
    fail "consumer ($kind) does not build with find_package(librcu): $(first_error "$log/cmake-$kind")"
    continue
  fi
  run_consumer "find_package, $kind" "$b/consumer"
done
if [[ -x "$tmp/cmake-shared/consumer" ]]; then
  needs "$tmp/cmake-shared/consumer" | grep -qx librcu.so.0 ||
    fail "consumer (find_package, shared) does not need librcu.so.0"
  loaded="$(ldd "$tmp/cmake-shared/consumer" | sed -n 's/^\s*librcu\.so\.0 => \(\S*\).*/\1/p')"
  [[ "$loaded" == "$lib/librcu.so.0" ]] ||
    fail "consumer (find_package, shared) loads librcu.so.0 from '$loaded', not from the prefix"
fi
if [[ -x "$tmp/cmake-static/consumer" ]] && needs "$tmp/cmake-static/consumer" | grep -q '^librcu'; then
  fail "consumer (find_package, static) needs a shared librcu"
fi

# pkg-config, shared; compiled with -fPIC, as code for a shared object would
# be, to check the reader's TLS model.
read -r -a pc_libs <<<"$(pkg-config --libs librcu)"
if "$cxx" -std=c++20 -O2 -fPIC "$src/main.cc" -o "$tmp/pc-shared" "${pc_cflags[@]}" \
     "${pc_libs[@]}" >"$log/pc-shared" 2>&1; then
  run_consumer "pkg-config, shared" "$tmp/pc-shared" LD_LIBRARY_PATH="$lib"
  needs "$tmp/pc-shared" | grep -qx librcu.so.0 || fail "consumer (pkg-config, shared) does not need librcu.so.0"
  if objdump -d "$tmp/pc-shared" | grep -q '__tls_get_addr'; then
    fail "consumer (pkg-config, -fPIC) reads librcu's TLS through __tls_get_addr, not initial-exec"
  fi
else
  fail "consumer does not build with pkg-config --cflags --libs librcu: $(first_error "$log/pc-shared")"
fi
# pkg-config, static: librcu.a (the linker takes the archive for -lrcu, and
# --as-needed drops librcu.so, which --libs names again), its dependencies
# from `pkg-config --static`.
read -r -a pc_static <<<"$(pkg-config --static --libs librcu)"
if "$cxx" -std=c++20 -O2 "$src/main.cc" -o "$tmp/pc-static" "${pc_cflags[@]}" \
     -Wl,--as-needed -Wl,-Bstatic -lrcu -Wl,-Bdynamic "${pc_static[@]}" >"$log/pc-static" 2>&1; then
  run_consumer "pkg-config, static" "$tmp/pc-static"
  if needs "$tmp/pc-static" | grep -q '^librcu'; then
    fail "consumer (pkg-config --static) needs a shared librcu"
  fi
else
  fail "consumer does not build with pkg-config --static --libs librcu: $(first_error "$log/pc-static")"
fi

# ---- The benchmark compiles (not run). ----
b="$tmp/bench"
if ! { cmake -S "$top/examples/bench" -B "$b" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
         -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" && cmake --build "$b"; } \
     >"$log/bench" 2>&1; then
  fail "examples/bench does not build: $(first_error "$log/bench")"
fi

# ---- The installed rcutorture, from another directory. ----
mkdir -p "$tmp/run"
rc=0
(cd "$tmp/run" && "$p/bin/rcutorture" --config=TREE01 --duration=3 >console.log 2>&1) || rc=$?
if ! grep -q 'End of test: SUCCESS' "$tmp/run/console.log"; then
  fail "installed rcutorture --config=TREE01 --duration=3 (exit $rc): no 'End of test: SUCCESS'; $(tail -1 "$tmp/run/console.log" | cut -c1-100)"
elif ! env -u RCUTORTURE_CONSOLE_SCAN "$p/share/rcutorture/scripts/parse-console.sh" --quiet \
       "$tmp/run/console.log" >/dev/null 2>&1; then
  fail "installed parse-console.sh does not find the installed rcutorture's log clean"
fi
# The installed parse-console.sh runs the installed scanner (not one of a
# build tree, nor $RCUTORTURE_CONSOLE_SCAN).
libexecdir="$(cache CMAKE_INSTALL_LIBEXECDIR)"
scan="$p/${libexecdir:-libexec}/rcutorture/rcutorture-console-scan"
[[ -x "$scan" ]] || fail "not installed: ${scan#"$p"/}"
pc="$p/share/rcutorture/scripts/parse-console.sh"
rc=0
out="$(env -u RCUTORTURE_CONSOLE_SCAN "$pc" --scanner 2>&1)" || rc=$?
[[ "$rc" == 0 && "$out" -ef "$scan" ]] ||
  fail "installed parse-console.sh --scanner: '$out' (exit $rc), not the installed ${scan#"$p"/}"
cp "$top/scripts/tests/data/failure.log" "$tmp/run/failure.log"
rc=0
out="$(env -u RCUTORTURE_CONSOLE_SCAN "$pc" --quiet "$tmp/run/failure.log" T 2>&1)" || rc=$?
[[ "$rc" == 3 && "$out" == *$'\nSummary: T: Failures: 1  Errors: 4' ]] ||
  fail "installed parse-console.sh on tests/data/failure.log (exit $rc, want 3): $out"
# A bare name resolves to the installed scenario (a file only there, whose
# bad value names where it was read), and a missing one is one line, 64.
rc=0
echo "rcutorture.nreaders=bogus" >"$p/share/rcutorture/configs/INSTALLED-ONLY" || true
out="$(cd "$tmp/run" && "$p/bin/rcutorture" --config=INSTALLED-ONLY 2>&1)" || rc=$?
[[ "$rc" == 64 && "$out" == *"$p/share/rcutorture/configs/INSTALLED-ONLY:1"* ]] ||
  fail "installed rcutorture --config=INSTALLED-ONLY did not read the installed scenario (exit $rc): $out"
rc=0
out="$(cd "$tmp/run" && "$p/bin/rcutorture" --config=NO-SUCH-SCENARIO 2>&1)" || rc=$?
[[ "$rc" == 64 && "$(wc -l <<<"$out")" == 1 && "$out" == *"cannot read scenario file 'NO-SUCH-SCENARIO'"* ]] ||
  fail "installed rcutorture --config=NO-SUCH-SCENARIO: want exit 64 and one line, got $rc: $out"

# ---- Plugins. ----
for f in urcu-memb urcu-mb urcu-qsbr urcu-bp urcu-signal epoch-rcu epoch-rcu-busted; do
  [[ -f "$lib/rcutorture/plugins/$f.so" ]] || fail "plugin not installed: $libdir/rcutorture/plugins/$f.so"
done
[[ -f "$p/include/rcutorture/rcutorture_plugin.h" ]] ||
  fail "not installed: include/rcutorture/rcutorture_plugin.h"
cc="$(cache CMAKE_C_COMPILER)"
echo '#include <rcutorture/rcutorture_plugin.h>' >"$tmp/plugin_h.c"
for lang in "$cc -std=c99 -x c" "$cxx -std=c++20 -x c++"; do
  read -r -a compile <<<"$lang"
  if ! "${compile[@]}" -fsyntax-only -Wall -Wextra -Werror -pedantic -I"$p/include" \
       "$tmp/plugin_h.c" >"$log/plugin-h" 2>&1; then
    fail "rcutorture_plugin.h does not compile alone (${compile[*]}): $(first_error "$log/plugin-h")"
  fi
done
# torture_run WANT NAME ARGS...: the installed rcutorture, from another
# directory, ends with End of test: WANT.
torture_run() {
  local want="$1" name="$2" rc=0
  shift 2
  (cd "$tmp/run" && "$p/bin/rcutorture" "$@" >"$name.log" 2>&1) || rc=$?
  grep -q "End of test: $want" "$tmp/run/$name.log" ||
    fail "installed rcutorture $* (exit $rc): no 'End of test: $want'; $(tail -1 "$tmp/run/$name.log" | cut -c1-100)"
}
short=(--duration=3 --stat_interval=1 --nreaders=2 --nfakewriters=1)
torture_run SUCCESS urcu-memb --torture_type=urcu-memb "${short[@]}"
torture_run SUCCESS epoch-installed --torture_type=plugin:epoch-rcu "${short[@]}"
b="$tmp/epoch"
if { cmake -S "$top/examples/epoch-rcu" -B "$b" "${gen[@]}" -DCMAKE_C_COMPILER="$cc" \
       -DCMAKE_PREFIX_PATH="$p" && cmake --build "$b"; } >"$log/epoch" 2>&1; then
  torture_run SUCCESS epoch-own --ops_plugin="$b/epoch-rcu.so" --torture_type=plugin:epoch-rcu "${short[@]}"
  torture_run FAILURE epoch-own-busted --ops_plugin="$b/epoch-rcu-busted.so" --torture_type=plugin --stutter=0 \
    --duration=5 --nreaders=4 --nfakewriters=1
else
  fail "examples/epoch-rcu does not build against the installed header: $(first_error "$log/epoch")"
fi

((status)) || echo "ok: installed librcu, consumers (find_package, pkg-config; shared, static), bench build, rcutorture, plugins"
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# plugin_bad_input_test.sh RCUTORTURE BAD_PLUGIN_DIR CASE: one error case
# of the plugin loader (flavours/ops_plugin.cc). Each must print nothing on
# stdout and exactly one line on stderr, the one pinned here, and exit 64;
# except crash-init, a plugin whose init() dies of SIGSEGV: the failure
# signal handler's report and exit 139. BAD_PLUGIN_DIR holds the tiny
# broken plugins built from tests/plugins/bad_plugin.c.
set -uo pipefail
rt="$1"
dir="$2"
case="$3"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# re STRING: STRING as an ERE matching itself.
re() { sed -e 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; }
fail() {
  echo "FAIL [$case]: $*" >&2
  echo "----- stdout -----" >&2; cat "$tmp/out" >&2
  echo "----- stderr -----" >&2; cat "$tmp/err" >&2
  exit 1
}
# one_line ERE [VAR=VALUE...] -- ARGS...: rcutorture ARGS (in the
# environment given) exits 64 with nothing on stdout and one stderr line
# matching ERE (anchored).
one_line() {
  local want="$1" envs=() rc=0
  shift
  while [[ "$1" != -- ]]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$rt" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ "$rc" == 64 ]] || fail "exit status $rc, want 64"
  [[ ! -s "$tmp/out" ]] || fail "stdout not empty"
  [[ "$(wc -l <"$tmp/err")" == 1 ]] || fail "stderr has $(wc -l <"$tmp/err") lines, want 1"
  grep -qE "^$want\$" "$tmp/err" || fail "stderr is not /^$want\$/"
  echo "ok [$case]: $(cat "$tmp/err")"
}

d="$(re "$dir")"
case "$case" in
  missing-file)
    one_line "rcutorture: plugin $d/nonexistent\.so: no such file" -- \
      --ops_plugin="$dir/nonexistent.so" --torture_type=plugin ;;
  not-elf)
    echo "not a shared object" >"$tmp/not-elf.so"
    one_line "rcutorture: plugin $(re "$tmp")/not-elf\.so: dlopen failed: .*not-elf\.so: .+" -- \
      --ops_plugin="$tmp/not-elf.so" --torture_type=plugin ;;
  no-entry)
    one_line "rcutorture: plugin $d/no-entry\.so: no entry point rcutorture_plugin_v1\(\) \(not an rcutorture plugin, or one of another ABI version\)" -- \
      --ops_plugin="$dir/no-entry.so" --torture_type=plugin ;;
  version)
    one_line "rcutorture: plugin $d/version\.so: flavour #0 has abi_version 2; this rcutorture supports 1" -- \
      --ops_plugin="$dir/version.so" --torture_type=plugin:alpha ;;
  small-struct)
    one_line "rcutorture: plugin $d/small-struct\.so: flavour #0 has struct_size 16, less than the [0-9]+ of the first rcutorture_ops_v1" -- \
      --ops_plugin="$dir/small-struct.so" --torture_type=plugin ;;
  no-sync)
    one_line "rcutorture: plugin $d/no-sync\.so: flavour \"alpha\": required function sync is NULL" -- \
      --ops_plugin="$dir/no-sync.so" --torture_type=plugin ;;
  unknown-name)
    one_line "rcutorture: plugin $d/two-flavours\.so: no flavour \"gamma\" \(offers: alpha beta; choose one with --torture_type=plugin:NAME\)" -- \
      --ops_plugin="$dir/two-flavours.so" --torture_type=plugin:gamma ;;
  ambiguous)
    one_line "rcutorture: plugin $d/two-flavours\.so: offers 2 flavours \(alpha beta\): choose one with --torture_type=plugin:NAME" -- \
      --ops_plugin="$dir/two-flavours.so" --torture_type=plugin ;;
  plugin-without-path)
    one_line "rcutorture: --torture_type=plugin needs --ops_plugin=PATH \(or say --torture_type=plugin:NAME to load NAME\.so from the plugin directories\)" -- \
      --torture_type=plugin ;;
  builtin-name)
    one_line "rcutorture: plugin $d/builtin-name\.so: flavour \"busted\" has the name of a built-in flavour" -- \
      --ops_plugin="$dir/builtin-name.so" --torture_type=plugin ;;
  init-error)
    one_line "rcutorture: alpha: init failed: no RCU here \(errno 42\)" -- \
      --ops_plugin="$dir/init-error.so" --torture_type=plugin:alpha --duration=1 ;;
  search-path)
    # Not found: the directories searched, $RCUTORTURE_PLUGIN_PATH first.
    one_line "rcutorture: plugin nosuch: nosuch\.so not found in $(re "$tmp"), $d, .*/plugins, .*/rcutorture/plugins" \
      RCUTORTURE_PLUGIN_PATH="$tmp::$dir" -- --torture_type=plugin:nosuch
    # Found there: plugin:NAME loads NAME.so from $RCUTORTURE_PLUGIN_PATH.
    one_line "rcutorture: plugin $d/no-sync\.so: flavour \"alpha\": required function sync is NULL" \
      RCUTORTURE_PLUGIN_PATH="$tmp:$dir" -- --torture_type=plugin:no-sync ;;
  crash-init)
    rc=0
    "$rt" --ops_plugin="$dir/crash-init.so" --torture_type=plugin --duration=1 \
      >"$tmp/out" 2>"$tmp/err" || rc=$?
    [[ "$rc" == 139 ]] || fail "exit status $rc, want 139 (SIGSEGV)"
    grep -qx 'BUG: rcutorture: fatal signal, backtrace follows' "$tmp/err" || fail "no BUG: line"
    grep -q '\*\*\* SIGSEGV received' "$tmp/err" || fail "no SIGSEGV report"
    if grep -q 'End of test' "$tmp/out" "$tmp/err"; then fail "an End of test line"; fi
    echo "ok [$case]: exit 139, $(grep -m1 'SIGSEGV received' "$tmp/err" | cut -c1-80)" ;;
  *)
    echo "plugin_bad_input_test.sh: unknown case '$case'" >&2
    exit 64 ;;
esac

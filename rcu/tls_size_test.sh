#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that librcu.so's whole TLS is one 64-byte line (rcu/internal/reader.h,
# TlsReaders): every thread of a program that links librcu pays exactly that.
# Usage: tls_size_test.sh path/to/librcu.so
set -euo pipefail
lib=${1:?usage: tls_size_test.sh librcu.so}
# The PT_TLS program header's MemSiz (the sixth field of readelf -lW).
memsz=$(readelf -lW "$lib" | awk '$1 == "TLS" { print $6 }')
if [[ -z $memsz ]]; then
  echo "tls_size_test: $lib has no TLS segment" >&2
  exit 1
fi
bytes=$((memsz))
syms=$(readelf -sW "$lib" | awk '$4 == "TLS" && $7 != "UND" { print $8 }' | sort -u)
echo "tls_size_test: $lib TLS ${bytes} bytes: ${syms//$'\n'/ }"
if ((bytes > 64)); then
  echo "tls_size_test: FAIL: librcu's TLS is ${bytes} bytes, over 64" >&2
  exit 1
fi
if [[ $syms != _ZN3rcu8internal11tls_readersE ]]; then
  echo "tls_size_test: FAIL: TLS besides tls_readers: $syms" >&2
  exit 1
fi

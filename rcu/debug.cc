// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// debug.cc: the failure path of the check macros (check.h).
#include <cstdio>
#include <cstdlib>

#include "rcu/check.h"

namespace rcu {

void CheckFailed(const char* file, int line, const char* cond,
                 const char* msg) {
  std::fprintf(stderr, "WARNING: %s:%d: %s: %s\n", file, line, msg, cond);
  std::fflush(stderr);
  std::abort();
}

}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include <cstdio>
#include <cstdlib>

#include "rcu/internal/debug.h"

namespace rcu::internal {

void WarnFailed(const char* file, int line, const char* cond, const char* msg) {
  std::fprintf(stderr, "WARNING: %s:%d: %s: %s\n", file, line, msg, cond);
  std::fflush(stderr);
  std::abort();
}

}  // namespace rcu::internal

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/internal/membarrier.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rcu/internal/reader.h"

namespace rcu::internal {
namespace {

long Membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

bool Register() {
  if (kTsan) return false;
  long mask = Membarrier(MEMBARRIER_CMD_QUERY);
  if (mask < 0 || !(mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) return false;
  return Membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

}  // namespace

bool MembarrierAvailable() {
  static const bool available = Register();
  return available;
}

void MembarrierPrivateExpedited() {
  if (Membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) {
    std::fprintf(stderr, "rcu: membarrier(PRIVATE_EXPEDITED) failed: %s\n",
                 std::strerror(errno));
    std::abort();
  }
}

}  // namespace rcu::internal

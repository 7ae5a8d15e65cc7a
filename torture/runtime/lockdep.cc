// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/lockdep.h"

#include <cstdint>

#include "torture/runtime/torture.h"

namespace torture {
namespace {
// Splats before the run started (another run in the process, or none).
uint64_t g_splats_at_start = 0;
}  // namespace

bool FlavourReadLockHeld() {
  const TortureOps* ops = T().ops;
  return ops == nullptr || ops->read_lock_held == nullptr || ops->read_lock_held();
}

void LockdepStart(const Params& p) {
#if defined(TORTURE_HAVE_RCU)
  if (p.lockdep) rcu::lockdep::SetEnabled(true);
  rcu::lockdep::SetSink([](const std::string& text) {
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      PrintLine(std::string_view(text).substr(start, nl - start));
      start = nl + 1;
    }
  });
  g_splats_at_start = rcu::lockdep::SplatCount();
#else
  (void)p;
#endif
}

bool LockdepEnabled() {
#if defined(TORTURE_HAVE_RCU)
  return rcu::lockdep::Enabled();
#else
  return false;
#endif
}

long LockdepReport() {
#if defined(TORTURE_HAVE_RCU)
  long n = static_cast<long>(rcu::lockdep::SplatCount() - g_splats_at_start);
  if (n > 0) {
    TorErr(fmt::format("lockdep-RCU: {} suspicious RCU usage splat(s)", n));
    T().n_error.fetch_add(n, std::memory_order_relaxed);
  }
  return n;
#else
  return 0;
#endif
}

}  // namespace torture

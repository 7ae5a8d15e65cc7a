// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/lockdep.h"

#include <cstdint>

#include "fmt/format.h"
#include "torture/runtime/ops.h"
#include "torture/runtime/output.h"

namespace torture {
namespace {
// Splats before the run started (another run in the process, or none).
[[maybe_unused]] uint64_t g_splats_at_start = 0;
// The flavour under test, whose read_lock_held() the checks ask.
const TortureOps* g_ops = nullptr;
}  // namespace

bool FlavourReadLockHeld() {
  const TortureOps* ops = g_ops;
  return ops == nullptr || ops->read_lock_held == nullptr ||
         ops->read_lock_held();
}

void LockdepStart(const Params& p, const TortureOps* ops) {
  g_ops = ops;
#if defined(TORTURE_HAVE_RCU)
  if (p.lockdep) rcu::lockdep::SetEnabled(true);
  rcu::lockdep::SetSink([](const std::string& text) { PrintLines(text); });
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
    CountErrors(n);
  }
  return n;
#else
  return 0;
#endif
}

}  // namespace torture

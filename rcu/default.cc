// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// default.cc: the process-wide default instance behind rcu.h's functions.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/status/status.h"
#include "rcu/internal/fork.h"
#include "rcu/rcu.h"

namespace rcu {

class DefaultBuilder {
 public:
  static absl::StatusOr<std::unique_ptr<Rcu>> Build(const Config& config) {
    return Rcu::CreateInSlot(config, /*default_slot=*/true);
  }
};

namespace {

std::mutex g_default_mu;
// Published once with release; never destroyed (threads of a still-running
// program may use it during exit).
std::atomic<Rcu*> g_default{nullptr};

absl::Status BuildDefaultLocked(const Config& config) {
  absl::StatusOr<std::unique_ptr<Rcu>> r = DefaultBuilder::Build(config);
  if (!r.ok()) return r.status();
  g_default.store(r->release(), std::memory_order_release);
  return absl::OkStatus();
}

}  // namespace

namespace internal {
std::mutex& DefaultInstanceMutex() { return g_default_mu; }
}  // namespace internal

Config DefaultConfig() {
  Config c;
  c.name = "rcu";
  return c;
}

absl::Status InitDefault(const Config& config) {
  std::lock_guard<std::mutex> l(g_default_mu);
  if (g_default.load(std::memory_order_relaxed) != nullptr)
    return absl::FailedPreconditionError(
        "rcu::InitDefault: the default instance already exists");
  return BuildDefaultLocked(config);
}

Rcu& Default() {
  // Acquire: pairs with the release publishing the instance.
  Rcu* r = g_default.load(std::memory_order_acquire);
  if (__builtin_expect(r != nullptr, 1)) return *r;
  std::lock_guard<std::mutex> l(g_default_mu);
  if (g_default.load(std::memory_order_relaxed) == nullptr) {
    absl::Status s = BuildDefaultLocked(DefaultConfig());
    if (!s.ok()) {
      std::fprintf(stderr, "rcu: cannot build the default instance: %s\n",
                   s.ToString().c_str());
      std::abort();
    }
  }
  return *g_default.load(std::memory_order_relaxed);
}

}  // namespace rcu

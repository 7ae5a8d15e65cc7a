// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// cleanup_barriers.cc: the cleanup's barriers, run concurrently when the
// run used more than one flavour or SRCU domain.
#include "torture/runtime/cleanup_barriers.h"

#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "torture/runtime/output.h"

namespace torture {
namespace {

struct CleanupBarrier {
  std::string name;
  std::function<void()> fn;
};

std::mutex g_mu;
std::vector<CleanupBarrier>& Registered() {
  static std::vector<CleanupBarrier>* v = new std::vector<CleanupBarrier>;
  return *v;
}

}  // namespace

void RegisterCleanupBarrier(std::string name, std::function<void()> fn) {
  std::lock_guard<std::mutex> l(g_mu);
  Registered().push_back({std::move(name), std::move(fn)});
}

void RunCleanupBarriers(const TortureOps& flavour) {
  const TortureOps* ops = &flavour;
  std::vector<CleanupBarrier> all;
  if (ops->cb_barrier != nullptr)
    all.push_back({ops->cb_barrier_name, ops->cb_barrier});
  {
    std::lock_guard<std::mutex> l(g_mu);
    for (CleanupBarrier& b : Registered()) all.push_back(std::move(b));
    Registered().clear();
  }
  for (const CleanupBarrier& b : all) {
    TorOut(fmt::format("rcu_torture_cleanup: Invoking {}().", b.name));
  }
  if (all.size() == 1) {
    all[0].fn();
    return;
  }
  std::vector<std::thread> ts;
  ts.reserve(all.size());
  for (const CleanupBarrier& b : all) ts.emplace_back(b.fn);
  for (std::thread& t : ts) t.join();
  VerboseTorOut(fmt::format("rcu_torture_cleanup: {} barriers ran concurrently",
                            all.size()));
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// watchdog.cc: the hang watchdog (ours; the kernel's scripts rely on the
// qemu monitor instead).
//
// Twice a second, checks that no torture thread has been inside one
// blocking RCU primitive (sync, exp_sync, cond_sync, a poll loop, the
// barrier) for more than watchdog_secs, and that cleanup has not taken
// longer than watchdog_secs. If one did, it prints "!!!" diagnostics (which
// thread, which primitive, for how long, and the flavour's grace-period
// state: for `rcu`, the vCPUs and blocked readers holding the grace
// period) and exits the process with status 2. So a run never hangs.
#include <unistd.h>

#include <cstdio>

#include "torture/runtime/torture.h"

namespace torture {
namespace {

[[noreturn]] void Fire(const std::string& what) {
  TortureState& s = T();
  TorErr(fmt::format("Watchdog: {} (bound: watchdog_secs={})", what, s.p.watchdog_secs));
  int ws = s.writer_state.load(std::memory_order_relaxed);
  TorErr(fmt::format("Watchdog: writer state {}({}) ver {}", WriterStateName(ws), ws,
                     s.current_version.load(std::memory_order_relaxed)));
  if (s.init_done.load(std::memory_order_acquire)) {  // see WatchdogMain()
    int64_t now = NowNs();
    for (auto& t : s.threads) {
      int64_t since = t->blocked_since_ns.load(std::memory_order_relaxed);
      if (since == 0) continue;
      TorErr(fmt::format("Watchdog: {}/{} in {} for {} ms", t->name, t->index,
                         t->blocked_in.load(std::memory_order_relaxed),
                         (now - since) / 1'000'000));
    }
  }
  if (s.ops->gp_kthread_dbg != nullptr) {
    std::string dump = s.ops->gp_kthread_dbg();
    size_t start = 0;
    while (start < dump.size()) {
      size_t nl = dump.find('\n', start);
      if (nl == std::string::npos) nl = dump.size();
      TorErr(dump.substr(start, nl - start));
      start = nl + 1;
    }
  }
  TorErr(fmt::format("Watchdog: hang detected, exiting with status {}", kExitHang));
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(kExitHang);
}

}  // namespace

void WatchdogMain(std::atomic<bool>* done) {
  TortureState& s = T();
  const int64_t bound_ns = int64_t{s.p.watchdog_secs} * 1'000'000'000;
  while (!done->load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int64_t now = NowNs();
    // Acquire: pairs with the release store of init_done in RunTorture(),
    // so the thread list read below is complete.
    if (s.init_done.load(std::memory_order_acquire)) {
      for (auto& t : s.threads) {
        int64_t since = t->blocked_since_ns.load(std::memory_order_relaxed);
        if (since != 0 && now - since > bound_ns) {
          Fire(fmt::format("{}/{} blocked in {} for {} ms", t->name, t->index,
                           t->blocked_in.load(std::memory_order_relaxed),
                           (now - since) / 1'000'000));
        }
      }
    }
    int64_t cs = s.cleanup_start_ns.load(std::memory_order_relaxed);
    if (cs != 0 && now - cs > bound_ns) {
      Fire(fmt::format("cleanup did not finish in {} ms (step: {})", (now - cs) / 1'000'000,
                       s.cleanup_step.load(std::memory_order_relaxed)));
    }
  }
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/watchdog.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {

Watchdog::Watchdog(const Run& run) : run_(run), thread_([this] { Main(); }) {}

void Watchdog::Stop() {
  done_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void Watchdog::Fire(const std::string& what) {
  const Run& s = run_;
  TorErr(fmt::format("Watchdog: {} (bound: watchdog_secs={})", what,
                     s.p.watchdog_secs));
  int ws = s.writer_state.load(std::memory_order_relaxed);
  TorErr(fmt::format("Watchdog: writer state {}({}) ver {}",
                     WriterStateName(ws), ws,
                     s.current_version.load(std::memory_order_relaxed)));
  if (s.threads.complete()) {  // see Main()
    int64_t now = NowNs();
    for (auto& t : s.threads.all()) {
      int64_t since = t->blocked_since_ns.load(std::memory_order_relaxed);
      if (since == 0) continue;
      TorErr(fmt::format("Watchdog: {}/{} in {} for {} ms", t->name, t->index,
                         t->blocked_in.load(std::memory_order_relaxed),
                         (now - since) / 1'000'000));
    }
  }
  if (s.ops->gp_kthread_dbg != nullptr) {
    TorErrLines(s.ops->gp_kthread_dbg());
  }
  TorErr(fmt::format("Watchdog: hang detected, exiting with status {}",
                     kExitHang));
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(kExitHang);
}

void Watchdog::Main() {
  const Run& s = run_;
  const int64_t bound_ns = int64_t{s.p.watchdog_secs} * 1'000'000'000;
  while (!done_.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int64_t now = NowNs();
    // complete() is an acquire load (ThreadSet::MarkComplete()), so the
    // thread list read below is complete.
    if (s.threads.complete()) {
      for (auto& t : s.threads.all()) {
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
      Fire(fmt::format("cleanup did not finish in {} ms (step: {})",
                       (now - cs) / 1'000'000,
                       s.cleanup_step.load(std::memory_order_relaxed)));
    }
  }
}

}  // namespace torture

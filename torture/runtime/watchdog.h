// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// watchdog.h: the hang watchdog (ours; the kernel's scripts rely on the
// qemu monitor instead).
//
// Twice a second, checks that no torture thread has been inside one
// blocking RCU primitive (sync, exp_sync, cond_sync, a poll loop, the
// barrier) for more than watchdog_secs, and that cleanup has not taken
// longer than watchdog_secs. If one did, it prints "!!!" diagnostics (which
// thread, which primitive, for how long, and the flavour's grace-period
// state: for `rcu`, the vCPUs and blocked readers holding the grace
// period) and exits the process with status 2. So a run never hangs.
//
// It supervises the component table itself (every component's threads,
// then every cleanup step), so it is part of the runtime, not a row of the
// table: it starts before the first component and stops after the verdict.
#ifndef TORTURE_RUNTIME_WATCHDOG_H_
#define TORTURE_RUNTIME_WATCHDOG_H_

#include <atomic>
#include <string>
#include <thread>

namespace torture {

struct Run;

class Watchdog {
 public:
  explicit Watchdog(const Run& run);  // starts watching
  ~Watchdog() { Stop(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Stop();

 private:
  void Main();
  [[noreturn]] void Fire(const std::string& what);

  const Run& run_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace torture

#endif  // TORTURE_RUNTIME_WATCHDOG_H_

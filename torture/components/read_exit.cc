// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// read_exit.cc: read-exit testing (rcu_torture_read_exit and
// rcu_torture_read_exit_child).
//
// Readers racing with thread exit. Every read_exit_delay seconds, one
// episode of read_exit_burst short-lived threads, one at a time: each
// registers with the flavour (thread_init), does one torture read
// (TortureOneRead(-1): the full reader checks, histograms in the shared
// slot), unregisters (thread_exit) and exits, and the parent joins it
// (kthread_stop()) and counts it in `read-exits:`. After each episode the
// flavour's cb_barrier() (the kernel's rcu_barrier(), "Wait for
// task_struct free, avoid OOM"). For `rcu` each child is a RegisterThread /
// UnregisterThread cycle on a round-robin vCPU; for liburcu,
// rcu_register_thread / rcu_unregister_thread.
//
// The children are not torture threads: they are not in the thread list
// (which the shuffler and watchdog walk), and live for one read only.
#include <pthread.h>

#include <algorithm>
#include <thread>

#include "fmt/format.h"
#include "torture/components/reader.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class ReadExit : public Component {
 public:
  explicit ReadExit(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.read_exit_burst <= 0) return;
    thread_ =
        run_.threads.Create("rcu_torture_read_exit", 0, -1, [this] { Main(); });
  }

  // The kernel sets read_exit_child_stop and waits for the parent to finish
  // its episode; fullstop (already set) ends the episode here.
  void Stop() override { run_.threads.Stop(thread_); }

  std::string StatsFragment() const override {
    return fmt::format(" read-exits: {}", n_read_exits_.load());
  }
  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    return {{"read_exits", n_read_exits_.load()}};
  }

 private:
  // rcu_torture_read_exit_child().
  void Child(uint64_t n) {
    const TortureOps* ops = run_.ops;
    TortureRandom r(run_.p.seed, Stream::kReadExit, n);
    pthread_setname_np(pthread_self(), "read_exit_chld");
    ops->thread_init(-1);
    (void)TortureOneRead(run_, r, -1);
    if (ops->quiescent_state != nullptr) ops->quiescent_state();
    ops->thread_exit();
  }

  // rcu_torture_read_exit().
  void Main() {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    uint64_t nchild = 0;
    VerboseTorOut("rcu_torture_read_exit: Start of test");
    do {
      VerboseTorOut("rcu_torture_read_exit: Start of episode");
      for (int i = 0; i < p.read_exit_burst; ++i) {
        if (MustStop()) break;
        StutterWait();
        // Spawn the child, then reap it (offline meanwhile, for QSBR).
        if (ops->thread_offline != nullptr) ops->thread_offline();
        std::thread child([this, n = nchild++] { Child(n); });
        child.join();
        if (ops->thread_online != nullptr) ops->thread_online();
        n_read_exits_.fetch_add(1, std::memory_order_relaxed);
      }
      VerboseTorOut("rcu_torture_read_exit: End of episode");
      if (ops->cb_barrier != nullptr) {
        GpWaitScope w("cb_barrier");
        ops->cb_barrier();
      }
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      if (SleepUntilOrStop(NowNs() + int64_t{std::max(p.read_exit_delay, 0)} *
                                         1'000'000'000)) {
        break;
      }
      ApplyShuffle();
    } while (!MustStop());
    KthreadStopping("rcu_torture_read_exit");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
  std::atomic<long> n_read_exits_{0};
};

}  // namespace

std::unique_ptr<Component> MakeReadExit(Run& run) {
  return std::make_unique<ReadExit>(run);
}

}  // namespace torture

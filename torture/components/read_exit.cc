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

#include "torture/runtime/torture.h"

namespace torture {
namespace {

// rcu_torture_read_exit_child().
void ReadExitChild(uint64_t n) {
  const TortureOps* ops = T().ops;
  TortureRandom r(T().p.seed, Stream::kReadExit, n);
  pthread_setname_np(pthread_self(), "read_exit_chld");
  ops->thread_init(-1);
  (void)TortureOneRead(r, -1);
  if (ops->quiescent_state != nullptr) ops->quiescent_state();
  ops->thread_exit();
}

// rcu_torture_read_exit().
void ReadExitMain() {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  const Params& p = s.p;
  uint64_t nchild = 0;
  VerboseTorOut("rcu_torture_read_exit: Start of test");
  do {
    VerboseTorOut("rcu_torture_read_exit: Start of episode");
    for (int i = 0; i < p.read_exit_burst; ++i) {
      if (MustStop()) break;
      StutterWait();
      // Spawn the child, then reap it (offline meanwhile, for QSBR).
      if (ops->thread_offline != nullptr) ops->thread_offline();
      std::thread child(ReadExitChild, nchild++);
      child.join();
      if (ops->thread_online != nullptr) ops->thread_online();
      s.n_read_exits.fetch_add(1, std::memory_order_relaxed);
    }
    VerboseTorOut("rcu_torture_read_exit: End of episode");
    if (ops->cb_barrier != nullptr) {
      GpWaitScope w("cb_barrier");
      ops->cb_barrier();
    }
    if (ops->quiescent_state != nullptr) ops->quiescent_state();
    if (SleepUntilOrStop(NowNs() + int64_t{std::max(p.read_exit_delay, 0)} * 1'000'000'000)) {
      break;
    }
    ApplyShuffle();
  } while (!MustStop());
  KthreadStopping("rcu_torture_read_exit");
}

}  // namespace

void ReadExitInit() {
  TortureState& s = T();
  if (s.p.read_exit_burst <= 0) return;
  s.read_exit = CreateTortureThread("rcu_torture_read_exit", 0, -1, ReadExitMain);
}

// The kernel sets read_exit_child_stop and waits for the parent to finish
// its episode; fullstop (already set) ends the episode here.
void ReadExitCleanup() { StopTortureThread(T().read_exit); }

}  // namespace torture

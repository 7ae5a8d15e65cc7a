// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// thread.h: the torture threads' runtime (the kernel's kernel/torture.c
// thread machinery): creating and stopping threads, the stop flags
// (fullstop and each thread's kthread_should_stop()), sleeps that honour
// them, stutter pauses and shuffler requests, and the marks the watchdog
// reads.
//
// A component starts each of its threads with ThreadSet::Create(), which
// logs "Creating X task" and registers the thread with the flavour; each
// thread ends by KthreadStopping(), which logs "X is stopping" and waits to
// be joined by ThreadSet::Stop().
#ifndef TORTURE_RUNTIME_THREAD_H_
#define TORTURE_RUNTIME_THREAD_H_

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "torture/runtime/ops.h"

namespace torture {

// fullstop (kernel/torture.c).
enum FullStop : int { kDontStop = 0, kShutdown = 1, kRmmod = 2 };

// One torture thread.
struct ThreadCtx {
  std::string name;  // "rcu_torture_reader"
  int index = 0;
  int cpu_hint = -1;
  std::thread thread;
  pthread_t handle{};
  // kthread_should_stop(). Set by ThreadSet::Stop() before the join.
  std::atomic<bool> should_stop{false};
  // vCPU the shuffler wants this thread on; -1: no request. The thread
  // applies it at its next loop iteration, outside any reader.
  std::atomic<int> target_cpu{-1};
  // False for a thread bound to one CPU for its job (the boost test's):
  // the shuffler leaves its affinity alone. Set by the main thread before
  // the shuffler starts.
  bool shuffle = true;
  // Watchdog marks: when the thread entered a blocking RCU primitive
  // (0: not in one) and which. Relaxed: the watchdog only needs to see a
  // stale mark eventually.
  std::atomic<int64_t> blocked_since_ns{0};
  std::atomic<const char*> blocked_in{nullptr};
};

// The torture threads of a run, in creation order.
class ThreadSet {
 public:
  ThreadSet() = default;
  ThreadSet(const ThreadSet&) = delete;
  ThreadSet& operator=(const ThreadSet&) = delete;

  // Starts `fn` on a new thread registered with the flavour (ops->
  // thread_init(cpu_hint) first, thread_exit() last). Main thread only.
  ThreadCtx* Create(const std::string& name, int index, int cpu_hint,
                    std::function<void()> fn);
  // Sets the thread's should_stop, wakes its sleeps and joins it; nulls `t`.
  // Does nothing for a null `t`.
  void Stop(ThreadCtx*& t);
  void StopAll(std::vector<ThreadCtx*>& ts) {
    for (ThreadCtx*& t : ts) Stop(t);
  }

  // Every thread created, for the shuffler and the watchdog. Complete (no
  // longer changing) once MarkComplete() has been called; readers other
  // than the main thread must check complete() first.
  const std::vector<std::unique_ptr<ThreadCtx>>& all() const {
    return threads_;
  }
  void MarkComplete();
  bool complete() const;

 private:
  std::vector<std::unique_ptr<ThreadCtx>> threads_;  // main thread writes
  std::atomic<bool> complete_{false};
};

// The calling thread's ThreadCtx: nullptr outside torture threads, and in a
// torture thread before its flavour registration (thread_init()) and after
// its deregistration (thread_exit()).
ThreadCtx* CurrentThread();

// The runtime's flavour: the sleeps go offline around their waits through
// it, and threads register with it. Set once, before the first thread.
void InitThreadRuntime(const TortureOps* ops);

// ---- Stop flags. ----
void SetFullStop(FullStop v);  // wakes every sleep
bool MustStopIrq();            // fullstop != kDontStop
bool MustStop();               // MustStopIrq() || this thread's should_stop

// ---- Time. ----
int64_t NowNs();
// Busy-waits `us` microseconds (udelay/mdelay).
void UDelay(int64_t us);
// Sleeps; QSBR flavours go offline around it.
void TortureSleepUs(int64_t us);
// Sleeps until `deadline_ns` or until the calling thread is told to stop
// (or fullstop); true if told to stop.
bool SleepUntilOrStop(int64_t deadline_ns);
// Prints "<name> is stopping" (verbose), then waits for should_stop.
void KthreadStopping(const char* name);

// ---- Stutter and shuffle. ----
// Starts a stutter pause that ends at `till_ns` (0: none).
void SetStutterUntil(int64_t till_ns);
// stutter_wait(): true if it paused.
bool StutterWait();
// Applies a pending shuffler vCPU request for the calling thread.
void ApplyShuffle();

// Marks the calling thread as blocked in an RCU primitive, for the watchdog.
class GpWaitScope {
 public:
  explicit GpWaitScope(const char* what);
  ~GpWaitScope();
  GpWaitScope(const GpWaitScope&) = delete;
  GpWaitScope& operator=(const GpWaitScope&) = delete;

 private:
  ThreadCtx* t_;
};

}  // namespace torture

#endif  // TORTURE_RUNTIME_THREAD_H_

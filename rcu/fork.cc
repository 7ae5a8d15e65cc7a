// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// fork.cc: RCU in the child of fork().
//
// fork() copies the calling thread only. A child of a process using librcu
// would otherwise inherit instances whose grace-period and callback threads
// do not exist, locks held by threads that do not exist, and records of
// registered threads (perhaps inside read-side critical sections) that will
// never report a quiescent state: its first Synchronize() or Barrier()
// would hang. librcu therefore installs pthread_atfork() handlers when the
// first instance is built (liburcu leaves this to the program, through
// call_rcu_before_fork() and its siblings):
//
//  prepare  1. takes the long-held outer locks of every instance and SRCU
//              domain (hotplug, barrier, expedited): an operation in
//              progress on another thread finishes first, with the
//              instance's threads still running to complete it;
//           2. parks every grace-period and callback thread at its next
//              wait point, where it holds no lock and no callback;
//           3. takes every other lock of every instance and domain, so that
//              no thread is inside one of their critical sections.
//           Locks are taken with try_lock, all or none, retried: no lock
//           order is assumed, so no deadlock with a thread that takes two.
//  parent   releases the locks and unparks the threads: nothing changed.
//  child    releases the locks, renews the condition variables (the
//           parent's waiters do not exist here), unregisters every thread
//           record but the caller's (ending their readers: those threads do
//           not exist here). New grace-period and callback threads start
//           on the child's first update-side call (Call(), Synchronize(),
//           Barrier(), RegisterThread(), ...), so that fork() + exec()
//           starts none; the GP thread resumes a grace period that was in
//           progress. SRCU's thread likewise starts on first use.
//
// Callbacks queued at fork() time are in both processes' memory: each
// process invokes its own copy after a grace period (a callback that frees
// memory frees each process's copy once). A Barrier() in the child waits
// for them. The caller of fork() must not be inside a read-side critical
// section while another thread waits for an expedited grace period or a
// barrier that needs it (step 1 would wait for that thread, which waits for
// the caller), and a callback must not call fork().
#include "rcu/internal/fork.h"

#include <pthread.h>

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "rcu/check.h"
#include "rcu/tree.h"

namespace rcu {

class ForkHandler {
 public:
  static void Prepare();
  static void Parent();
  static void Child();

 private:
  static void OuterLocks(Rcu* r, std::vector<PlainMutex*>* v) {
    v->push_back(&r->hotplug_mu_);
    v->push_back(&r->barrier_mu_);
    v->push_back(&r->exp_mu_);
    // Its holder does not wait for the parked threads (DriveGpFromCaller()).
    v->push_back(&r->gp_driver_mu_);
  }
  static void InnerLocks(Rcu* r, std::vector<PlainMutex*>* v) {
    // Parked threads wake up (another one parking notifies them all) and
    // take fork_mu_ to test their predicate; held across fork() so that no
    // thread that does not exist in the child holds it there.
    v->push_back(&r->fork_mu_);
    v->push_back(&r->reg_mu_);
    v->push_back(&r->ofl_mu_);
    v->push_back(&r->barrier_lock_);
    for (int cpu = 0; cpu < r->config_.nr_cpu_ids; ++cpu)
      v->push_back(&r->rdps_[cpu].local);
    for (int i = r->geometry_.num_nodes() - 1; i >= 0; --i)
      v->push_back(&r->nodes_[i].lock);
    for (int cpu = 0; cpu < r->config_.nr_cpu_ids; ++cpu)
      v->push_back(&r->rdps_[cpu].wake_mu);
    v->push_back(&r->gp_wq_mu_);
    v->push_back(&r->done_mu_);
    v->push_back(&r->barrier_done_mu_);
  }
  static void RequestPark(Rcu* r);
  static void WaitParked(Rcu* r);
  static void Unpark(Rcu* r);
  static void ChildRestart(Rcu* r);
};

namespace {

// What the prepare handler took, for the parent and child handlers.
struct ForkState {
  std::vector<Rcu*> instances;
  std::vector<PlainMutex*> outer;
  std::vector<PlainMutex*> inner;
};
ForkState* g_fork = nullptr;

void UnlockAll(std::vector<PlainMutex*>& v) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (auto it = v.rbegin(); it != v.rend(); ++it) (*it)->Unlock();
}

// Takes every lock in `v`, all or none at a time, so that no order among
// them is assumed.
void TryLockAll(std::vector<PlainMutex*>& v) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (int round = 0;; ++round) {
    size_t i = 0;
    while (i < v.size() && v[i]->TryLock()) ++i;
    if (i == v.size()) return;
    while (i > 0) v[--i]->Unlock();
    if (round < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

void PrepareHandler() { ForkHandler::Prepare(); }
void ParentHandler() { ForkHandler::Parent(); }
void ChildHandler() { ForkHandler::Child(); }

}  // namespace

void Rcu::ParkForFork() {
  PlainMutexLock l(fork_mu_);
  ++fork_parked_;
  fork_cv_.NotifyAll();
  fork_cv_.Wait(fork_mu_,
                [this] { return !fork_park_.load(std::memory_order_relaxed); });
  --fork_parked_;
}

void ForkHandler::RequestPark(Rcu* r) {
  r->fork_park_.store(true, std::memory_order_relaxed);
}

void ForkHandler::WaitParked(Rcu* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // The threads check fork_park_ in their wait predicates; wake them until
  // all have parked (a thread started meanwhile parks at its first wait).
  for (;;) {
    r->WakeGpThread();
    for (int cpu = 0; cpu < r->config_.nr_cpu_ids; ++cpu)
      r->WakeRcuc(&r->rdps_[cpu]);
    PlainMutexLock l(r->fork_mu_);
    if (r->fork_cv_.WaitFor(r->fork_mu_, std::chrono::milliseconds(1),
                            [r]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->fork_mu_) {
                              return r->fork_parked_ ==
                                     r->n_threads_.load(
                                         std::memory_order_relaxed);
                            }))
      return;
  }
}

void ForkHandler::Unpark(Rcu* r) {
  {
    PlainMutexLock l(r->fork_mu_);
    r->fork_park_.store(false, std::memory_order_relaxed);
  }
  r->fork_cv_.NotifyAll();
}

void ForkHandler::Prepare() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  internal::DefaultInstanceMutex().lock();
  internal::InstancesMutex().lock();
  g_fork = new ForkState;
  for (int s = 0; s < internal::kMaxInstances; ++s) {
    Rcu* r = internal::InstanceInSlot(s);
    if (r != nullptr && !r->dying_.load(std::memory_order_relaxed))
      g_fork->instances.push_back(r);
  }
  internal::SrcuForkRegistryLock();
  for (Rcu* r : g_fork->instances) OuterLocks(r, &g_fork->outer);
  internal::SrcuForkOuterLocks(&g_fork->outer);
  TryLockAll(g_fork->outer);
  for (Rcu* r : g_fork->instances) RequestPark(r);
  internal::SrcuForkRequestPark();
  for (Rcu* r : g_fork->instances) WaitParked(r);
  internal::SrcuForkWaitParked();
  // Every internal thread is parked: the locks below are held, if at all,
  // by other threads of the program for a short critical section each.
  for (Rcu* r : g_fork->instances) InnerLocks(r, &g_fork->inner);
  internal::SrcuForkInnerLocks(&g_fork->inner);
  TryLockAll(g_fork->inner);
}

void ForkHandler::Parent() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  UnlockAll(g_fork->inner);
  for (Rcu* r : g_fork->instances) Unpark(r);
  internal::SrcuForkUnpark();
  UnlockAll(g_fork->outer);
  internal::SrcuForkRegistryUnlock();
  delete g_fork;
  g_fork = nullptr;
  internal::InstancesMutex().unlock();
  internal::DefaultInstanceMutex().unlock();
}

void ForkHandler::Child() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // The locks were taken by this very thread (the child's only one).
  UnlockAll(g_fork->inner);
  UnlockAll(g_fork->outer);
  internal::SrcuForkChild();
  internal::SrcuForkRegistryUnlock();
  std::vector<Rcu*> instances = std::move(g_fork->instances);
  delete g_fork;
  g_fork = nullptr;
  internal::InstancesMutex().unlock();
  internal::DefaultInstanceMutex().unlock();
  for (Rcu* r : instances) ChildRestart(r);
}

void ForkHandler::ChildRestart(Rcu* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // The parent's threads do not exist here: forget their handles and their
  // waits (a condition variable's waiter count would name ghosts).
  std::construct_at(&r->gp_thread_);
  std::construct_at(&r->gp_wq_cv_);
  std::construct_at(&r->done_cv_);
  std::construct_at(&r->barrier_done_cv_);
  std::construct_at(&r->fork_cv_);
  r->fork_parked_ = 0;
  r->fork_park_.store(false, std::memory_order_relaxed);
  r->n_threads_.store(0, std::memory_order_relaxed);
  for (int cpu = 0; cpu < r->config_.nr_cpu_ids; ++cpu) {
    RcuData& rdp = r->rdps_[cpu];
    std::construct_at(&rdp.rcuc);
    std::construct_at(&rdp.wake_cv);
    rdp.rcuc_started = false;
    rdp.wake_pending = false;
    RCU_CHECK(rdp.in_flight == 0,
              "fork: a callback thread parked with callbacks in hand");
  }
  // Every registered thread but this one is gone: end its reader, if it
  // was in one, and free its record.
  std::vector<internal::ThreadRec*> gone;
  {
    PlainMutexLock l(r->reg_mu_);
    for (const auto& t : r->recs_)
      if (t->registered && t.get() != internal::RecInSlot(r->slot_))
        gone.push_back(t.get());
  }
  for (internal::ThreadRec* t : gone) r->UnregisterRec(t, /*thread_gone=*/true);
  // Threads start on first use (MaybeRestartAfterFork()).
  r->restart_threads_.store(true, std::memory_order_relaxed);
}

void Rcu::RestartAfterFork() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  PlainMutexLock fl(fork_mu_);
  if (!restart_threads_.load(std::memory_order_relaxed)) return;
  // The GP thread finishes a grace period left in progress; callback
  // threads start for the vCPUs that need one.
  n_threads_.fetch_add(1, std::memory_order_relaxed);
  gp_thread_ = std::thread([this] { GpThreadMain(/*resume=*/true); });
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) {
    RcuData& rdp = rdps_[cpu];
    PlainMutexLock l(rdp.local);
    if (rdp.cblist.len() > 0 || rdp.n_attached > 0 ||
        (rdp.offloaded.load(std::memory_order_relaxed) &&
         rdp.online.load(std::memory_order_relaxed)))
      EnsureRcucLocked(&rdp);
  }
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) WakeRcuc(&rdps_[cpu]);
  WakeGpThread();
  // Release: the threads started above before any caller that sees the
  // flag clear and goes on.
  restart_threads_.store(false, std::memory_order_release);
}

namespace internal {

void InstallForkHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    RCU_CHECK(pthread_atfork(PrepareHandler, ParentHandler, ChildHandler) == 0,
              "pthread_atfork failed");
  });
}

}  // namespace internal
}  // namespace rcu

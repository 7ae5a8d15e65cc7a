// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// barrier.cc: Barrier(), the kernel's rcu_barrier().
//
// Barrier() entrains one callback behind the callbacks of every vCPU that
// has any, then waits for all of them to run. Callbacks on one vCPU run in
// order, so when a vCPU's barrier callback runs, every callback queued there
// before it has run. Concurrent callers share one barrier through
// barrier_seq_ (the gp_seq helpers): a caller whose snapshot a completed
// barrier reached returns at once.
#include <cstddef>
#include <thread>

#include "rcu/check.h"
#include "rcu/lockdep.h"
#include "rcu/tree.h"

namespace rcu {

void Rcu::BarrierCallback(RcuHead* head) {
  RcuData* rdp = reinterpret_cast<RcuData*>(reinterpret_cast<char*>(head) -
                                            offsetof(RcuData, barrier_head));
  Rcu* self = rdp->owner;
  // acq_rel: the callbacks this one ran after happen before the waiter's
  // return (the last decrement pairs with the waiter through barrier_done_mu_).
  if (self->barrier_cpu_count_.fetch_sub(1, std::memory_order_acq_rel) == 1)
    self->BarrierComplete();
}

void Rcu::BarrierComplete() {
  {
    PlainMutexLock l(barrier_done_mu_);
    barrier_done_ = true;
  }
  barrier_done_cv_.NotifyAll();
}

void Rcu::Barrier() {
  MaybeRestartAfterFork();
  if (internal::tls_readers.in_callback != nullptr) [[unlikely]]
    internal::FatalWaitInCallback("Barrier()");
  QsbrWaitScope offline(*this);
  if ((RCU_DEBUG_CHECKS_ENABLED || lockdep::Enabled()) && ReadLockHeld())
    lockdep::internal::IllegalWaitInReader("Barrier()",
                                           SourceLocation::current());
  // Orders the caller's earlier Call()s before the snapshot.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t snap = SeqSnap(barrier_seq_.load(std::memory_order_relaxed));
  PlainMutexLock bl(barrier_mu_);
  if (SeqDone(barrier_seq_.load(std::memory_order_relaxed), snap)) {
    // Another caller's barrier, started after our snapshot, did our work.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return;
  }
  {
    PlainMutexLock l(barrier_done_mu_);
    barrier_done_ = false;
  }
  // The count starts at 2, not 0, and the 2 is only taken back after every
  // vCPU was handled. Without the bias, the barrier callback entrained on
  // an early vCPU can run (on that vCPU's rcuc thread) and bring the count
  // to zero before later vCPUs are entrained: Barrier() would return while
  // their callbacks are still queued. Why 2 and not 1: a count is added
  // after the entrain succeeds, so between the two the just-entrained
  // callback may already have run and taken its count away; with a bias of
  // 1 that early decrement could itself reach zero once the caller's
  // reference is the only one left. (The kernel's rcu_barrier(), which
  // changed 1 to 2 for exactly this reason once offloaded callbacks ran on
  // other CPUs.)
  // The count is set in the same barrier_lock_ section that starts the
  // sequence: callback migration entrains for this barrier (and counts it)
  // as soon as it sees the sequence started under that lock, and a later
  // store would wipe its count (found by the nocb-toggle test under TSan).
  uint64_t gseq;
  {
    PlainMutexLock l(barrier_lock_);
    barrier_cpu_count_.store(2, std::memory_order_relaxed);
    gseq = SeqStartVal(barrier_seq_.load(std::memory_order_relaxed));
    barrier_seq_.store(gseq, std::memory_order_relaxed);
  }
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) {
    RcuData* rdp = &rdps_[cpu];
    // Acquire: pairs with the release below of a handler that already
    // entrained here for this barrier.
    if (rdp->barrier_seq_snap.load(std::memory_order_acquire) == gseq) continue;
    bool needwake = false;
    bool entrained = false;
    {
      PlainMutexLock l(rdp->local);
      PlainMutexLock b(barrier_lock_);
      // Re-checked under the locks: callback migration (OfflineCpu(),
      // SetOffloaded()) may have entrained this vCPU's callback for this
      // barrier since the check above, and moved it to another vCPU; a
      // second entrain would put one RcuHead on two lists.
      // No callbacks (len() counts those being invoked too): nothing to
      // wait for here. A never-online vCPU never has any.
      if (rdp->barrier_seq_snap.load(std::memory_order_relaxed) != gseq &&
          rdp->cblist.len() != 0) {
        rdp->barrier_head.func = &Rcu::BarrierCallback;
        if (rdp->cblist.Entrain(&rdp->barrier_head)) {
          barrier_cpu_count_.fetch_add(1, std::memory_order_relaxed);
          entrained = true;
          AccelerateLocked(rdp, &needwake);
          EnsureRcucLocked(rdp);
        }
      }
      rdp->barrier_seq_snap.store(gseq, std::memory_order_release);
    }
    if (entrained) WakeRcuc(rdp);
    if (needwake) WakeGpThread();
    if (config_.barrier_delay > 0)
      std::this_thread::sleep_for(jiffy_ * config_.barrier_delay);
  }
  if (barrier_cpu_count_.fetch_sub(2, std::memory_order_acq_rel) == 2)
    BarrierComplete();
  {
    PlainMutexLock l(barrier_done_mu_);
    WaitCheckingGpStart(barrier_done_mu_, barrier_done_cv_,
                        [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
                          // Called by the wait with barrier_done_mu_ held.
                          return barrier_done_;
                        });
  }
  const uint64_t end = SeqEndVal(gseq);
  {
    PlainMutexLock l(barrier_lock_);
    // Release: a caller that sees the barrier ended also sees its work.
    barrier_seq_.store(end, std::memory_order_release);
  }
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu)
    // Release: pairs with the acquire in the next barrier's per-vCPU check.
    rdps_[cpu].barrier_seq_snap.store(end, std::memory_order_release);
  barriers_.fetch_add(1, std::memory_order_relaxed);
  // The callbacks' effects happen before the caller's next accesses.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace rcu

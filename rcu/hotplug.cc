// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// hotplug.cc: emulated CPU hotplug (the kernel's rcutree_report_cpu_dead,
// rcutree_migrate_callbacks and rcutree_report_cpu_starting).
//
// Offline, in order:
//   1. The vCPU stops accepting threads (online = false, under its lock).
//   2. Its attached threads move to another online vCPU. A thread inside a
//      read-side critical section gets a proxy entry on this vCPU's leaf
//      blocked-readers list, blocking the current grace period if this vCPU
//      still owes it a quiescent state. The proxy records the thread's
//      `watch`; the FQS scan retires it once that reader is over. (The
//      thread itself is not marked BLOCKED: only its owner ever sets that.)
//   3. Under ofl_mu_ and the leaf lock, the vCPU reports its quiescent
//      state, then leaves qsmaskinitnext: grace-period initialization,
//      which holds ofl_mu_ for its ONOFF pass, sees either both or neither.
//   4. Once no callback of the vCPU is being invoked, its callbacks move to
//      an online vCPU. If a Barrier() is under way and has not handled this
//      vCPU yet, its callback is entrained here first, so that it travels
//      behind the callbacks it must wait for.
// Online is the mirror: qsmaskinitnext first (under ofl_mu_), then online.
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rcu/check.h"
#include "rcu/tree.h"

namespace rcu {

using internal::ThreadRec;

void LockTwo(RcuData* a, RcuData* b) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (a->cpu > b->cpu) std::swap(a, b);
  a->local.Lock();
  b->local.Lock();
}

void UnlockTwo(RcuData* a, RcuData* b) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  a->local.Unlock();
  b->local.Unlock();
}

namespace {

// LockTwo(), once no callback of `src` is being invoked: its rcuc thread
// finishes the batch it extracted before src's callbacks may move (they
// must not overtake it), and it cannot extract more while we hold src.
void LockTwoDrained(RcuData* src, RcuData* dst) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (;;) {
    LockTwo(src, dst);
    if (src->in_flight == 0) return;
    UnlockTwo(src, dst);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

}  // namespace

absl::Status Rcu::OfflineCpu(int cpu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  MaybeRestartAfterFork();
  if (cpu < 0 || cpu >= config_.nr_cpu_ids)
    return absl::InvalidArgumentError(
        absl::StrCat("OfflineCpu(", cpu, "): no such vCPU (nr_cpu_ids ",
                     config_.nr_cpu_ids, ")"));
  PlainMutexLock hl(hotplug_mu_);
  RcuData* rdp = &rdps_[cpu];
  if (!CpuOnline(cpu))
    return absl::FailedPreconditionError(
        absl::StrCat("OfflineCpu(", cpu, "): already offline"));
  if (num_online_cpus() == 1)
    return absl::FailedPreconditionError(
        absl::StrCat("OfflineCpu(", cpu, "): the last online vCPU"));
  // The vCPU the evicted threads and the callbacks go to.
  RcuData* trdp = &rdps_[OnlineTarget(cpu)];
  RcuNode* rnp = rdp->mynode;

  // 1 and 2. Two local locks, lower vCPU first (LockTwo()).
  LockTwo(rdp, trdp);
  // Release: pairs with CpuOnline()'s acquire.
  rdp->online.store(false, std::memory_order_release);
  while (ThreadRec* t = rdp->attached) {
    // Acquire: pairs with the release that set BLOCKED (ReaderQueued()).
    const uint32_t sp =
        internal::WordOf(t)->special.load(std::memory_order_acquire);
    const uint64_t w =
        internal::WordOf(t)->watch.load(internal::kWatchLoadOrder);
    // A stale BLOCKED (a deferred dequeue) does not cover a later reader.
    if ((w & internal::kNestMask) != 0 && !internal::ReaderQueued(t, sp, w)) {
      auto* e = new internal::BlkdEntry;
      e->t = t;
      e->watch.store(w, std::memory_order_relaxed);
      e->proxy = true;
      // QSBR: the online thread's next QuiescentState() must move its
      // generation on (tree.h), which retires the proxy.
      if (qsbr_)
        internal::WordOf(t)->special.fetch_or(internal::kSpecialNeedQs,
                                              std::memory_order_relaxed);
      PlainMutexLock nl(rnp->lock);
      EnqueueBlkdLocked(
          rnp, e,
          (rnp->qsmask.load(std::memory_order_relaxed) & rdp->grpmask) != 0);
      CheckBlkdLocked(rnp);
    }
    DetachLocked(t, rdp);
    AttachLocked(t, trdp);
  }
  EnsureRcucLocked(trdp);
  UnlockTwo(rdp, trdp);

  // 3. Report the quiescent state, then leave qsmaskinitnext.
  {
    PlainMutexLock ofl(ofl_mu_);
    rnp->lock.Lock();
    if (rnp->qsmask.load(std::memory_order_relaxed) & rdp->grpmask) {
      ReportQsRnp(rdp->grpmask, rnp,
                  rnp->gp_seq.load(std::memory_order_relaxed));
      rnp->lock.Lock();
    }
    rnp->qsmaskinitnext &= ~rdp->grpmask;
    rnp->lock.Unlock();
  }

  // 4. Migrate the callbacks once none is being invoked here. An
  // offloaded vCPU keeps them: its callback thread goes on invoking them.
  if (!rdp->offloaded.load(std::memory_order_relaxed)) {
    bool needwake = false;
    LockTwoDrained(rdp, trdp);
    MigrateCallbacksLocked(rdp, trdp, &needwake);
    const bool has_cbs = trdp->cblist.len() != 0;
    UnlockTwo(rdp, trdp);
    if (has_cbs) WakeRcuc(trdp);
    if (needwake) WakeGpThread();
  }
  hotplug_ops_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

int Rcu::OnlineTarget(int avoid) const {
  for (int i = 1; i < config_.nr_cpu_ids; ++i) {
    const int c = (avoid + i) % config_.nr_cpu_ids;
    if (CpuOnline(c)) return c;
  }
  return -1;
}

void Rcu::MigrateCallbacksLocked(RcuData* rdp, RcuData* trdp, bool* needwake) {
  RcuNode* rnp = rdp->mynode;
  {
    PlainMutexLock b(barrier_lock_);
    const uint64_t gseq = barrier_seq_.load(std::memory_order_relaxed);
    if (SeqState(gseq) != 0 &&
        rdp->barrier_seq_snap.load(std::memory_order_relaxed) != gseq) {
      rdp->barrier_head.func = &Rcu::BarrierCallback;
      if (rdp->cblist.Entrain(&rdp->barrier_head))
        barrier_cpu_count_.fetch_add(1, std::memory_order_relaxed);
      // Release: pairs with the acquire in Barrier()'s per-vCPU check.
      rdp->barrier_seq_snap.store(gseq, std::memory_order_release);
    }
    // Let both lists catch up with the tree before merging.
    {
      PlainMutexLock nl(rnp->lock);
      rdp->cblist.Advance(rnp->gp_seq.load(std::memory_order_relaxed));
    }
    {
      PlainMutexLock nl(trdp->mynode->lock);
      trdp->cblist.Advance(
          trdp->mynode->gp_seq.load(std::memory_order_relaxed));
    }
    trdp->cblist.Merge(&rdp->cblist);
  }
  RCU_WARN_ON(rdp->cblist.len() != rdp->in_flight);
  AccelerateLocked(trdp, needwake);
}

absl::Status Rcu::SetOffloaded(int cpu,
                               bool offloaded) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  MaybeRestartAfterFork();
  if (cpu < 0 || cpu >= config_.nr_cpu_ids)
    return absl::InvalidArgumentError(
        absl::StrCat("SetOffloaded(", cpu, "): no such vCPU (nr_cpu_ids ",
                     config_.nr_cpu_ids, ")"));
  PlainMutexLock hl(hotplug_mu_);
  if (CpuOnline(cpu))
    return absl::FailedPreconditionError(absl::StrCat(
        "SetOffloaded(", cpu, "): only an offline vCPU may be (de-)offloaded"));
  RcuData* rdp = &rdps_[cpu];
  if (offloaded) {
    PlainMutexLock l(rdp->local);
    rdp->offloaded.store(true, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  // De-offload: an offline non-offloaded vCPU holds no callbacks, so its
  // callbacks go to an online vCPU once none is being invoked here.
  RcuData* trdp = &rdps_[OnlineTarget(cpu)];
  bool needwake = false;
  LockTwoDrained(rdp, trdp);
  MigrateCallbacksLocked(rdp, trdp, &needwake);
  rdp->offloaded.store(false, std::memory_order_relaxed);
  const bool has_cbs = trdp->cblist.len() != 0;
  UnlockTwo(rdp, trdp);
  if (has_cbs) WakeRcuc(trdp);
  if (needwake) WakeGpThread();
  return absl::OkStatus();
}

absl::Status Rcu::OnlineCpu(int cpu) {
  MaybeRestartAfterFork();
  if (cpu < 0 || cpu >= config_.nr_cpu_ids)
    return absl::InvalidArgumentError(
        absl::StrCat("OnlineCpu(", cpu, "): no such vCPU (nr_cpu_ids ",
                     config_.nr_cpu_ids, ")"));
  PlainMutexLock hl(hotplug_mu_);
  RcuData* rdp = &rdps_[cpu];
  if (CpuOnline(cpu))
    return absl::FailedPreconditionError(
        absl::StrCat("OnlineCpu(", cpu, "): already online"));
  RcuNode* rnp = rdp->mynode;
  {
    PlainMutexLock ofl(ofl_mu_);
    PlainMutexLock nl(rnp->lock);
    // The current GP (its qsmask fixed at init) cannot wait on this vCPU.
    RCU_WARN_ON(rnp->qsmask.load(std::memory_order_relaxed) & rdp->grpmask);
    rnp->qsmaskinitnext |= rdp->grpmask;
  }
  {
    PlainMutexLock l(rdp->local);
    {
      PlainMutexLock nl(rnp->lock);
      rdp->gp_seq = rnp->gp_seq.load(std::memory_order_relaxed);
    }
    // Release: a thread that sees the vCPU online also sees the above.
    rdp->online.store(true, std::memory_order_release);
    // An offloaded vCPU's callback thread exists from its first online on.
    if (rdp->offloaded.load(std::memory_order_relaxed)) EnsureRcucLocked(rdp);
  }
  hotplug_ops_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace rcu

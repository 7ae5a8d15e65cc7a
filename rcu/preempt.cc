// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// preempt.cc: thread registration, vCPU attachment, and the blocked-readers
// lists that keep a reader that left its vCPU inside a read-side critical
// section (migration, eviction) holding the grace periods it predates.
//
// A blkd list holds the readers that left a vCPU of this leaf while inside a
// reader, newest at the head. When a reader leaves a vCPU that still owes
// the current grace period a quiescent state it is appended at the tail and,
// if it is the first such reader, gp_tasks points at it; otherwise it goes
// at the head. So [gp_tasks, tail] is exactly the set of blocked readers the
// current grace period waits for, and one pointer describes it.
//
// Deferred work (readers in signal handlers). The outermost unlock's
// special work (dequeuing the thread's own blkd entry under the node's
// lock, answering NEED_QS under the vCPU's local lock and up the tree)
// takes library locks, and may find the thread's reader state half-changed
// by the code it interrupted. So ReadUnlockSlow() does it only when the
// thread has no lock section open (internal::tls_lock_sections, raised by
// every PlainMutex operation: plain_mutex.h); otherwise it leaves the flags
// set and returns. The thread's code in between lock sections keeps
// `special` and `blocked_node` consistent for a handler that does the work
// itself: every step that depends on them re-checks them under the lock.
// Who finishes deferred work:
//   - the thread's next outermost unlock with no lock section open (the
//     flags are still set, so it takes the slow path), QuiescentState(),
//     ThreadOffline(), MigrateSelf() (before it may queue a new reader) and
//     UnregisterThread();
//   - the FQS scan, so that a thread which never reads again stalls no
//     grace period: RetireProxies() retires a self entry whose reader is
//     over exactly as it retires an eviction proxy, and a vCPU scan looks
//     past a stale BLOCKED (ReaderQueued()); NEED_QS is only a hint that
//     the scan repeats.
// Invariant: under its node's lock, a thread's own entry is on
// `blocked_node`'s blkd list iff BLOCKED is set, and stands for the reader
// whose watch it recorded; once that reader is over the entry is deferred
// work, never a reason to skip the thread's later readers. Checked by
// CheckBlkdLocked() and, at the safe points, by CheckNoStaleBlocked() in
// debug builds.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "fmt/format.h"
#include "rcu/check.h"
#include "rcu/lockdep.h"
#include "rcu/tree.h"

namespace rcu {

using internal::ThreadRec;

namespace internal {

void ReadUnlockSlow(ThreadRec* t, uint64_t w) {
  const uint32_t s = t->special.load(std::memory_order_relaxed);
  if (s & kSpecialFences) {
    // Orders the critical section's loads before the store that ends it;
    // pairs with the GP side's fence before it ends a grace period.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // see ReaderUnlock()
  }
  t->watch.store(w - 1 + kGenInc, kWatchStoreOrder);
  if ((s & ~kSpecialFences) == 0) return;
  if (tls_lock_sections != 0) {
    // Maybe a signal handler that interrupted a lock section of this
    // thread: defer (file comment). The flags stay set.
    t->owner->unlocks_deferred_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  t->owner->UnlockSpecial(t);
  t->owner->CheckNoStaleBlocked(t);
}

}  // namespace internal

// Locks the local lock of the vCPU `t` is attached to and returns it with
// the lock held. t->cpu may change (OfflineCpu() evicts) until that lock is
// held, so the choice is verified under it.
RcuData* Rcu::LockThreadCpu(ThreadRec* t) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (;;) {
    const int cpu = t->cpu.load(std::memory_order_relaxed);
    if (cpu < 0) {  // OfflineCpu() is moving this thread right now
      std::this_thread::yield();
      continue;
    }
    RcuData* rdp = &rdps_[cpu];
    rdp->local.Lock();
    if (t->cpu.load(std::memory_order_relaxed) == cpu) return rdp;
    rdp->local.Unlock();
  }
}

void Rcu::RegisterThread(int cpu) { RegisterThreadImpl(cpu, false, false); }

void Rcu::RegisterThreadImpl(int cpu, bool internal_thread, bool on_the_fly) {
  MaybeRestartAfterFork();
  if (ThreadRec* t = internal::tls_recs[slot_]; t != nullptr && t->on_the_fly) {
    // A read registered this thread on the fly; now it registers for good.
    t->on_the_fly = false;
    if (cpu >= 0) MigrateSelf(cpu);
    return;
  }
  RCU_CHECK(internal::tls_recs[slot_] == nullptr,
            "RegisterThread: this thread is already registered with this "
            "Rcu instance");
  RCU_CHECK(cpu < config_.nr_cpu_ids, "RegisterThread: no such vCPU");
  ThreadRec* t;
  {
    PlainMutexLock l(reg_mu_);
    if (free_recs_ != nullptr) {
      t = free_recs_;
      free_recs_ = t->free_next;
    } else {
      recs_.push_back(std::make_unique<ThreadRec>());
      t = recs_.back().get();
      t->blkd.t = t;
    }
    t->free_next = nullptr;
    t->registered = true;
    t->offline = false;
    t->owner = this;
    t->fences = reader_mode_ == ReaderMode::kFences;
    t->special.store(t->fences ? internal::kSpecialFences : 0,
                     std::memory_order_relaxed);
    t->tid = static_cast<int>(syscall(SYS_gettid));
    if (pthread_getname_np(pthread_self(), t->name, sizeof(t->name)) != 0)
      std::snprintf(t->name, sizeof(t->name), "tid%d", t->tid);
    t->internal_thread = internal_thread;
    t->on_the_fly = on_the_fly;
    ++(internal_thread ? n_internal_ : n_registered_);
  }
  internal::tls_recs[slot_] = t;
  ArmThreadExitHook();
  // A vCPU may go offline between the check above and its lock: then the
  // thread lands on another online vCPU, as an evicted thread would.
  for (;;) {
    if (cpu < 0 || !CpuOnline(cpu)) cpu = PickCpu();
    RcuData* rdp = &rdps_[cpu];
    PlainMutexLock l(rdp->local);
    if (!rdp->online.load(std::memory_order_relaxed)) {
      cpu = -1;
      continue;
    }
    AttachLocked(t, rdp);
    EnsureRcucLocked(rdp);
    return;
  }
}

void Rcu::UnregisterThread() {
  ThreadRec* t = internal::tls_recs[slot_];
  RCU_CHECK(t != nullptr,
            "UnregisterThread: this thread is not registered with this Rcu "
            "instance");
  UnregisterRec(t);
}

void Rcu::UnregisterRec(ThreadRec* t, bool thread_gone) {
  uint64_t w = t->watch.load(std::memory_order_relaxed);
  if ((w & internal::kNestMask) && thread_gone) {
    // A thread of the parent that does not exist in a fork() child: its
    // reader ends with it, silently.
    t->watch.store((w & ~internal::kNestMask) | 1, std::memory_order_relaxed);
    internal::ReaderUnlock(t);
  } else if (w & internal::kNestMask) {
    // The kernel's exit_rcu(): end the critical section so that no grace
    // period waits for a thread that is gone.
    if (lockdep::Enabled()) {
      lockdep::internal::Splat(
          fmt::format("Thread unregistered (or exited) inside RCU read-side "
                      "critical section of {}, nesting {}; ending it",
                      slot_ == 0 ? std::string("default") : config_.name,
                      static_cast<int>(w & internal::kNestMask)),
          SourceLocation::current());
    } else {
      std::fprintf(stderr,
                   "rcu: thread %s/%d unregistered inside a read-side critical "
                   "section (nesting %d); ending it\n",
                   t->name, t->tid, static_cast<int>(w & internal::kNestMask));
    }
    t->watch.store((w & ~internal::kNestMask) | 1, std::memory_order_relaxed);
    internal::ReaderUnlock(t);
  }
  // Deferred work ends with the registration: no entry may stay queued for
  // a record that goes back to the free list, nor a raise on its list.
  if (thread_gone) ForgetBoost(t);  // no such thread to restore
  UnlockSpecial(t);
  CheckNoStaleBlocked(t);
  {
    RcuData* rdp = LockThreadCpu(t);
    rdp->local.AssertHeld();
    DetachLocked(t, rdp);
    rdp->local.Unlock();
  }
  if (!thread_gone) internal::tls_recs[slot_] = nullptr;
  PlainMutexLock l(reg_mu_);
  t->registered = false;
  t->special.store(0, std::memory_order_relaxed);
  t->free_next = free_recs_;
  free_recs_ = t;
  --(t->internal_thread ? n_internal_ : n_registered_);
}

int Rcu::CurrentCpu() const {
  ThreadRec* t = internal::tls_recs[slot_];
  return t == nullptr ? -1 : t->cpu.load(std::memory_order_relaxed);
}

void Rcu::AttachLocked(ThreadRec* t, RcuData* rdp) {
  t->cpu.store(rdp->cpu, std::memory_order_relaxed);
  t->snap_valid = false;
  t->cpu_prev = nullptr;
  t->cpu_next = rdp->attached;
  if (rdp->attached != nullptr) rdp->attached->cpu_prev = t;
  rdp->attached = t;
  ++rdp->n_attached;
}

void Rcu::DetachLocked(ThreadRec* t, RcuData* rdp) {
  RCU_WARN_ON(t->cpu.load(std::memory_order_relaxed) != rdp->cpu);
  if (t->cpu_prev != nullptr) {
    t->cpu_prev->cpu_next = t->cpu_next;
  } else {
    rdp->attached = t->cpu_next;
  }
  if (t->cpu_next != nullptr) t->cpu_next->cpu_prev = t->cpu_prev;
  t->cpu_next = t->cpu_prev = nullptr;
  t->cpu.store(-1, std::memory_order_relaxed);
  --rdp->n_attached;
}

bool Rcu::MigrateSelf(int cpu) {
  ThreadRec* t = internal::tls_recs[slot_];
  RCU_CHECK(t != nullptr, "MigrateSelf: thread not registered");
  RCU_CHECK(cpu >= 0 && cpu < config_.nr_cpu_ids, "MigrateSelf: no such vCPU");
  if (!CpuOnline(cpu)) return false;
  if (t->cpu.load(std::memory_order_relaxed) == cpu) return true;
  // A deferred dequeue first (file comment): the thread's current reader
  // may need its own entry below. Acquire (both): pairs with the release
  // that set BLOCKED (ReaderQueued() reads the entry's watch) and with
  // DequeueSelfLocked()'s.
  if (t->blocked_node.load(std::memory_order_acquire) != nullptr &&
      !internal::ReaderQueued(t, t->special.load(std::memory_order_acquire),
                              t->watch.load(std::memory_order_relaxed)))
    UnlockSpecial(t);
  CheckNoStaleBlocked(t);
  RcuData* old = LockThreadCpu(t);
  old->local.AssertHeld();
  {
    // The kernel's rcu_note_context_switch(): a reader leaving its vCPU is
    // tracked by the leaf from now on, and the vCPU may report.
    // Acquire: see DequeueSelfLocked() (an FQS scan may have retired the
    // entry this thread had queued).
    if (internal::InReader(t) && !(t->special.load(std::memory_order_acquire) &
                                   internal::kSpecialBlocked))
      QueueBlockedLocked(t, old);
    DetachLocked(t, old);
    TryReportCpuQsLocked(old, &qs_rcuc_);
  }
  old->local.Unlock();
  // If `cpu` went offline meanwhile, land on another online vCPU.
  for (;;) {
    RcuData* rdp = &rdps_[cpu];
    PlainMutexLock l(rdp->local);
    if (rdp->online.load(std::memory_order_relaxed)) {
      AttachLocked(t, rdp);
      EnsureRcucLocked(rdp);
      return rdp->cpu == cpu;
    }
    cpu = PickCpu();
  }
}

// Debug builds: the blkd list invariant (file comment). Walks the list, so
// only called on the slow paths that change it.
void Rcu::CheckBlkdLocked(RcuNode* rnp) {
#if RCU_DEBUG_CHECKS_ENABLED
  int n = 0, proxies = 0;
  bool seen_gp_tasks = rnp->gp_tasks == nullptr;
  internal::BlkdEntry* prev = nullptr;
  for (internal::BlkdEntry* e = rnp->blkd_head; e != nullptr; e = e->next) {
    RCU_CHECK(e->prev == prev, "blkd list: broken back link");
    RCU_CHECK(e->t != nullptr, "blkd list: entry without a thread");
    if (e->proxy) {
      ++proxies;
    } else {
      RCU_CHECK(e == &e->t->blkd, "blkd list: foreign self entry");
      RCU_CHECK(e->t->blocked_node.load(std::memory_order_relaxed) == rnp,
                "blkd list: reader queued on another node");
      RCU_CHECK(e->t->special.load() & internal::kSpecialBlocked,
                "blkd list: queued reader not marked BLOCKED");
    }
    if (e == rnp->gp_tasks) seen_gp_tasks = true;
    prev = e;
    ++n;
  }
  RCU_CHECK(prev == rnp->blkd_tail, "blkd list: tail mismatch");
  RCU_CHECK(n == rnp->n_blkd, "blkd list: count mismatch");
  RCU_CHECK(proxies == rnp->n_proxies, "blkd list: proxy count mismatch");
  RCU_CHECK(seen_gp_tasks, "blkd list: gp_tasks not on the list");
  RCU_CHECK(rnp->is_leaf || n == 0,
            "blkd list: readers queued on an interior node");
#else
  (void)rnp;
#endif
}

void Rcu::EnqueueBlkdLocked(RcuNode* rnp, internal::BlkdEntry* e,
                            bool blocks_gp) {
  if (blocks_gp) {
    e->prev = rnp->blkd_tail;
    e->next = nullptr;
    if (rnp->blkd_tail != nullptr) {
      rnp->blkd_tail->next = e;
    } else {
      rnp->blkd_head = e;
    }
    rnp->blkd_tail = e;
    if (rnp->gp_tasks == nullptr) rnp->gp_tasks = e;
  } else {
    e->prev = nullptr;
    e->next = rnp->blkd_head;
    if (rnp->blkd_head != nullptr) {
      rnp->blkd_head->prev = e;
    } else {
      rnp->blkd_tail = e;
    }
    rnp->blkd_head = e;
  }
  ++rnp->n_blkd;
  if (e->proxy) ++rnp->n_proxies;
  blocked_readers_.fetch_add(1, std::memory_order_relaxed);
}

bool Rcu::DequeueBlkdLocked(RcuNode* rnp, internal::BlkdEntry* e) {
  const bool empty_norm = rnp->gp_tasks == nullptr;
  if (rnp->gp_tasks == e) rnp->gp_tasks = e->next;
  if (e->prev != nullptr) {
    e->prev->next = e->next;
  } else {
    rnp->blkd_head = e->next;
  }
  if (e->next != nullptr) {
    e->next->prev = e->prev;
  } else {
    rnp->blkd_tail = e->prev;
  }
  e->next = e->prev = nullptr;
  --rnp->n_blkd;
  if (e->proxy) --rnp->n_proxies;
  return !empty_norm && rnp->gp_tasks == nullptr;
}

void Rcu::QueueBlockedLocked(ThreadRec* t, RcuData* rdp) {
  RcuNode* rnp = rdp->mynode;
  PlainMutexLock l(rnp->lock);
  RCU_DCHECK(t->blocked_node.load(std::memory_order_relaxed) == nullptr,
             "QueueBlockedLocked: the thread's entry is still queued");
  // The reader this entry stands for (ReaderQueued(), RetireProxies()).
  t->blkd.watch.store(t->watch.load(std::memory_order_relaxed),
                      std::memory_order_relaxed);
  t->blocked_node.store(rnp, std::memory_order_relaxed);
  // Release: a scanner that sees BLOCKED (under the new vCPU's local lock,
  // taken after this, or with an acquire load) knows the blkd list holds
  // the reader, and sees the entry's watch stored above.
  t->special.fetch_or(internal::kSpecialBlocked, std::memory_order_release);
  // The reader blocks the current GP iff this vCPU still owes it a QS.
  EnqueueBlkdLocked(
      rnp, &t->blkd,
      (rnp->qsmask.load(std::memory_order_relaxed) & rdp->grpmask) != 0);
  CheckBlkdLocked(rnp);
}

// The special work of an outermost unlock, or of a safe point finishing
// deferred work: dequeues the thread's own blkd entry (the caller knows its
// reader is over) and answers NEED_QS. Runs also in a signal handler, when
// no lock section was open on the thread (file comment), and may itself be
// interrupted by one that does the same work: every step re-checks under
// the lock what another may have done first.
void Rcu::UnlockSpecial(ThreadRec* t) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  const uint32_t s = t->special.load(std::memory_order_relaxed);
  // First: a boosted thread whose reader is over stops preempting
  // real-time work before it does anything else.
  if (s & internal::kSpecialBoosted) DeboostSelf(t);
  {
    // The entry is queued iff blocked_node is set: BLOCKED alone may
    // already be clear while an FQS scan finishes retiring it (under the
    // node's lock, which the re-check below waits for). Acquire: pairs with
    // DequeueSelfLocked()'s release, so that the retirer's list writes
    // happen before this thread queues its entry again.
    RcuNode* rnp = t->blocked_node.load(std::memory_order_acquire);
    if (rnp != nullptr) {
      rnp->lock.Lock();
      if (t->blocked_node.load(std::memory_order_relaxed) == rnp) {
        const bool last = DequeueSelfLocked(rnp, t);
        CheckBlkdLocked(rnp);
        if (last) {
          ReportUnblockQsRnp(rnp);  // last reader blocking this GP here
        } else {
          rnp->lock.Unlock();
        }
      } else {
        rnp->lock.Unlock();
      }
    }
  }
  if (s & internal::kSpecialNeedQs) {
    t->special.fetch_and(~internal::kSpecialNeedQs, std::memory_order_relaxed);
    // As LockThreadCpu(), but an unattached thread (registering,
    // unregistering, or being moved by MigrateSelf() or OfflineCpu(),
    // which a handler may have interrupted) has no vCPU owing anything for
    // it: the FQS scan repeats the request if need be. Never waits for the
    // interrupted code.
    for (;;) {
      const int cpu = t->cpu.load(std::memory_order_relaxed);
      if (cpu < 0) break;
      RcuData* rdp = &rdps_[cpu];
      rdp->local.Lock();
      if (t->cpu.load(std::memory_order_relaxed) == cpu) {
        TryReportCpuQsLocked(rdp, &qs_unlock_);
        rdp->local.Unlock();
        break;
      }
      rdp->local.Unlock();
    }
  }
}

// Unlinks t's own entry from `rnp` and clears BLOCKED; true if it was the
// last entry blocking the current GP there.
bool Rcu::DequeueSelfLocked(RcuNode* rnp, ThreadRec* t) {
  const bool last = DequeueBlkdLocked(rnp, &t->blkd);
  // Release: pairs with the scanners' acquire loads of `special` (and the
  // owner's, MigrateSelf()).
  t->special.fetch_and(~internal::kSpecialBlocked, std::memory_order_release);
  // Last, release: the unlinking and the BLOCKED clear above happen before
  // the owner, seeing null (acquire), links its entry again.
  t->blocked_node.store(nullptr, std::memory_order_release);
  return last;
}

// Debug builds: at a safe point, with the deferred work done, BLOCKED may
// stand only for the thread's current reader (file comment, invariant).
void Rcu::CheckNoStaleBlocked(const ThreadRec* t) {
#if RCU_DEBUG_CHECKS_ENABLED
  // Acquire: as in ReaderQueued().
  const uint32_t s = t->special.load(std::memory_order_acquire);
  RCU_CHECK(!(s & internal::kSpecialBlocked) ||
                internal::ReaderQueued(
                    t, s, t->watch.load(std::memory_order_relaxed)),
            "deferred blkd entry left behind at a safe point");
#else
  (void)t;
#endif
}

// Retires the entries on `rnp` whose reader is over: its nesting is zero or
// its generation moved on since the entry was queued. Proxies (eviction),
// and self entries whose dequeue an unlock deferred (file comment; a self
// entry whose reader goes on is left alone, and so is one whose owner is
// dequeuing it: the owner re-checks under this lock). Called by the FQS
// scan, which observes `watch` after the GP began, as for any reader.
void Rcu::RetireProxies(RcuNode* rnp, std::vector<BoostCandidate>* holders)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  rnp->lock.Lock();
  if (rnp->n_blkd == 0) {
    rnp->lock.Unlock();
    return;
  }
  if (holders != nullptr) {
    // [gp_tasks, tail]: the blocked readers the current grace period waits
    // for (file comment). Those over are retired below, and a raise that
    // lands after its reader ended is undone by BoostReaders().
    for (internal::BlkdEntry* e = rnp->gp_tasks; e != nullptr; e = e->next)
      holders->push_back({e->t, e->watch.load(std::memory_order_relaxed)});
  }
  bool last = false;
  for (internal::BlkdEntry* e = rnp->blkd_head; e != nullptr;) {
    internal::BlkdEntry* next = e->next;
    const uint64_t w = e->t->watch.load(internal::kWatchLoadOrder);
    const uint64_t qw = e->watch.load(std::memory_order_relaxed);
    if ((w & internal::kNestMask) == 0 || (w >> 16) != (qw >> 16)) {
      if (e->proxy) {
        last |= DequeueBlkdLocked(rnp, e);
        delete e;
      } else {
        last |= DequeueSelfLocked(rnp, e->t);
        deferred_retired_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    e = next;
  }
  CheckBlkdLocked(rnp);
  if (last) {
    ReportUnblockQsRnp(rnp);
  } else {
    rnp->lock.Unlock();
  }
}

void Rcu::QuiescentState() {
  ThreadRec* t = internal::tls_recs[slot_];
  RCU_CHECK(t != nullptr, "QuiescentState: thread not registered");
  if (internal::InReader(t)) return;  // not a quiescent state
  if (t->special.load(std::memory_order_relaxed) & ~internal::kSpecialFences)
    UnlockSpecial(t);  // also deferred work (file comment)
  CheckNoStaleBlocked(t);
}

void Rcu::ThreadOffline() {
  ThreadRec* t = internal::tls_recs[slot_];
  RCU_CHECK(t != nullptr, "ThreadOffline: thread not registered");
  RCU_CHECK(!internal::InReader(t),
            "ThreadOffline: inside a read-side critical section");
  t->offline = true;
  if (t->special.load(std::memory_order_relaxed) & ~internal::kSpecialFences)
    UnlockSpecial(t);
}

void Rcu::ThreadOnline() {
  ThreadRec* t = internal::tls_recs[slot_];
  RCU_CHECK(t != nullptr, "ThreadOnline: thread not registered");
  t->offline = false;
}

}  // namespace rcu

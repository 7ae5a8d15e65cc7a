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
// thread has no lock section open (internal::TlsLockSections(), raised by
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

void ReadLockSlow(ReaderWord* rw, uint64_t w) {
  if (rw->lock_slow & kLockSlowUnregistered) {
    // The TLS word of a thread not registered with the default instance:
    // take the lock back (nobody can have seen it: no record points at
    // this word), register, and lock again on the registered word.
    rw->watch.store(w, std::memory_order_relaxed);
    ReaderLock(RegisterSelf(0));
    return;
  }
  // kLockSlowFences. Orders the nesting store before the critical
  // section's loads; pairs with the grace-period side's full fence after it
  // starts a grace period.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void ReadUnlockSlow(ReaderWord* rw, uint64_t w) {
  const uint32_t s = rw->special.load(std::memory_order_relaxed);
  if (s & kSpecialFences) {
    // Orders the critical section's loads before the store that ends it;
    // pairs with the GP side's fence before it ends a grace period.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // see ReaderUnlock()
  }
  rw->watch.store(w - 1 + kGenInc, kWatchStoreOrder);
  if ((s & ~kSpecialFences) == 0) return;
  ThreadRec* t = rw->rec;
  if (TlsLockSections() != 0) {
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

void Rcu::RegisterThread(int cpu) {
  RegisterThreadImpl(cpu, false, false);
  // QSBR: an explicitly registered thread starts online (tree.h, "QSBR").
  if (qsbr_) ThreadOnline();
}

void Rcu::RegisterThreadImpl(int cpu, bool internal_thread, bool on_the_fly) {
  MaybeRestartAfterFork();
  if (ThreadRec* t = internal::RecInSlot(slot_);
      t != nullptr && t->on_the_fly) {
    // A read registered this thread on the fly; now it registers for good.
    t->on_the_fly = false;
    if (cpu >= 0) MigrateSelf(cpu);
    return;
  }
  RCU_CHECK(internal::RecInSlot(slot_) == nullptr,
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
    t->tid = static_cast<int>(syscall(SYS_gettid));
    if (pthread_getname_np(pthread_self(), t->name, sizeof(t->name)) != 0)
      std::snprintf(t->name, sizeof(t->name), "tid%d", t->tid);
    t->internal_thread = internal_thread;
    t->on_the_fly = on_the_fly;
    ++(internal_thread ? n_internal_ : n_registered_);
    n_threads_hint_.store(n_registered_ + n_internal_,
                          std::memory_order_relaxed);
  }
  // The word: the thread's TLS word for the default instance, else the
  // record's own. Set up before the thread attaches, so every scanner that
  // finds it attached reads this word.
  const bool fences = reader_mode_ == ReaderMode::kFences;
  internal::ReaderWord* rw =
      slot_ == 0 ? &internal::tls_readers.word0 : &t->own;
  rw->rec = t;
  rw->special.store(fences ? internal::kSpecialFences : 0,
                    std::memory_order_relaxed);
  rw->lock_slow = fences ? internal::kLockSlowFences : 0;
  // Relaxed: scanners load it after they find the thread attached, under
  // the vCPU's local lock taken below.
  t->word.store(rw, std::memory_order_relaxed);
  const_cast<internal::ReaderWord**>(internal::EnsureWordTable())[slot_] = rw;
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
  ThreadRec* t = internal::RecInSlot(slot_);
  RCU_CHECK(t != nullptr,
            "UnregisterThread: this thread is not registered with this Rcu "
            "instance");
  // QSBR: an online thread goes offline first; only a QSBR reader still
  // open is a reader ended by unregistration.
  if (qsbr_ && (internal::OwnWord(t)->watch.load(std::memory_order_relaxed) &
                internal::kNestMask) == 1)
    ThreadOffline();
  UnregisterRec(t);
}

void Rcu::UnregisterRec(ThreadRec* t, bool thread_gone) {
  internal::ReaderWord* const rw = internal::OwnWord(t);
  uint64_t w = rw->watch.load(std::memory_order_relaxed);
  if ((w & internal::kNestMask) && thread_gone) {
    // A thread of the parent that does not exist in a fork() child: its
    // reader ends with it, silently.
    rw->watch.store((w & ~internal::kNestMask) | 1, std::memory_order_relaxed);
    internal::ReaderUnlock(rw);
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
    rw->watch.store((w & ~internal::kNestMask) | 1, std::memory_order_relaxed);
    internal::ReaderUnlock(rw);
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
  if (!thread_gone)
    const_cast<internal::ReaderWord**>(internal::tls_readers.words)[slot_] =
        nullptr;
  PlainMutexLock l(reg_mu_);
  if (rw != &t->own) {
    // Move the record off the thread's TLS word, which may be gone once
    // the thread exits: `own` keeps the final value (a reader over). Under
    // reg_mu_ (and after the detach above), so that scanners holding either
    // lock read the word unpinned (WordOf()); then wait for every pinned
    // scanner still reading the TLS word (PinnedWord). Seq_cst store and
    // load, against the pin's seq_cst increment and load of `word`.
    t->own.watch.store(rw->watch.load(std::memory_order_relaxed),
                       std::memory_order_relaxed);
    t->own.special.store(0, std::memory_order_relaxed);
    t->own.rec = t;
    t->word.store(&t->own, std::memory_order_seq_cst);
    while (t->word_pins.load(std::memory_order_seq_cst) != 0)
      std::this_thread::yield();
    if (!thread_gone) {
      rw->rec = nullptr;
      rw->special.store(0, std::memory_order_relaxed);
      rw->lock_slow = internal::kLockSlowUnregistered;
    }
  }
  t->registered = false;
  t->own.special.store(0, std::memory_order_relaxed);
  t->free_next = free_recs_;
  free_recs_ = t;
  --(t->internal_thread ? n_internal_ : n_registered_);
  n_threads_hint_.store(n_registered_ + n_internal_, std::memory_order_relaxed);
}

int Rcu::CurrentCpu() const {
  ThreadRec* t = internal::RecInSlot(slot_);
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

namespace {
std::atomic<void (*)()> g_migrate_hook{nullptr};
}  // namespace

void Rcu::SetMigrateHookForTesting(void (*hook)()) {
  g_migrate_hook.store(hook, std::memory_order_relaxed);
}

bool Rcu::MigrateSelf(int cpu) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ThreadRec* t = internal::RecInSlot(slot_);
  RCU_CHECK(t != nullptr, "MigrateSelf: thread not registered");
  RCU_CHECK(cpu >= 0 && cpu < config_.nr_cpu_ids, "MigrateSelf: no such vCPU");
  if (!CpuOnline(cpu)) return false;
  if (t->cpu.load(std::memory_order_relaxed) == cpu) return true;
  // A deferred dequeue first (file comment): the thread's current reader
  // may need its own entry below. Acquire (both): pairs with the release
  // that set BLOCKED (ReaderQueued() reads the entry's watch) and with
  // DequeueSelfLocked()'s.
  if (t->blocked_node.load(std::memory_order_acquire) != nullptr &&
      !internal::ReaderQueued(
          t, internal::OwnWord(t)->special.load(std::memory_order_acquire),
          internal::OwnWord(t)->watch.load(std::memory_order_relaxed)))
    UnlockSpecial(t);
  CheckNoStaleBlocked(t);
  // The move holds the old and the new vCPU's local locks together, so that
  // every scan finds the thread attached to one of them. Released between
  // the detach and the attach, they left a window in which the thread was
  // on no vCPU: a signal handler's reader that began there (the thread
  // outside a reader, so not queued) was seen by no scan, and a grace
  // period could end under it (signal_reader_test's SignalStorm caught a
  // handler reading a freed element). Two local locks: lower vCPU first,
  // as the hotplug path takes them (LockTwo(), which the thread-safety
  // analysis does not follow: hence none here, as in OfflineCpu()).
  const int wanted = cpu;
  for (;;) {
    const int from = t->cpu.load(std::memory_order_relaxed);
    if (from < 0) {  // OfflineCpu() is moving this thread right now
      std::this_thread::yield();
      continue;
    }
    if (from == cpu) return cpu == wanted;  // evicted there meanwhile
    RcuData* old = &rdps_[from];
    RcuData* rdp = &rdps_[cpu];
    LockTwo(old, rdp);
    if (t->cpu.load(std::memory_order_relaxed) != from) {
      UnlockTwo(old, rdp);
      continue;
    }
    if (!rdp->online.load(std::memory_order_relaxed)) {
      // `cpu` went offline meanwhile: land on another online vCPU.
      UnlockTwo(old, rdp);
      cpu = PickCpu();
      continue;
    }
    // The kernel's rcu_note_context_switch(): a reader leaving its vCPU is
    // tracked by the leaf from now on, and the vCPU may report.
    // Acquire: see DequeueSelfLocked() (an FQS scan may have retired the
    // entry this thread had queued).
    internal::ReaderWord* rw = internal::OwnWord(t);
    if (internal::InReader(rw) &&
        !(rw->special.load(std::memory_order_acquire) &
          internal::kSpecialBlocked))
      QueueBlockedLocked(t, old);
    DetachLocked(t, old);
    if (void (*hook)() = g_migrate_hook.load(std::memory_order_relaxed))
        [[unlikely]]
      hook();
    AttachLocked(t, rdp);
    TryReportCpuQsLocked(old, &qs_rcuc_);
    EnsureRcucLocked(rdp);
    UnlockTwo(old, rdp);
    return rdp->cpu == wanted;
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
      RCU_CHECK(internal::PinnedWord(e->t)->special.load() &
                    internal::kSpecialBlocked,
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
  internal::ReaderWord* rw = internal::OwnWord(t);  // the owner migrating
  t->blkd.watch.store(rw->watch.load(std::memory_order_relaxed),
                      std::memory_order_relaxed);
  t->blocked_node.store(rnp, std::memory_order_relaxed);
  // Release: a scanner that sees BLOCKED (under the new vCPU's local lock,
  // taken after this, or with an acquire load) knows the blkd list holds
  // the reader, and sees the entry's watch stored above.
  rw->special.fetch_or(internal::kSpecialBlocked, std::memory_order_release);
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
  internal::ReaderWord* rw = internal::OwnWord(t);  // the owner's safe point
  const uint32_t s = rw->special.load(std::memory_order_relaxed);
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
    rw->special.fetch_and(~internal::kSpecialNeedQs, std::memory_order_relaxed);
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
  // Pinned: the FQS scan retires entries of other threads.
  internal::PinnedWord(t)->special.fetch_and(~internal::kSpecialBlocked,
                                             std::memory_order_release);
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
  const internal::ReaderWord* rw = internal::OwnWord(t);  // the owner's
  const uint32_t s = rw->special.load(std::memory_order_acquire);
  RCU_CHECK(!(s & internal::kSpecialBlocked) ||
                internal::ReaderQueued(
                    t, s, rw->watch.load(std::memory_order_relaxed)),
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
    const uint64_t w =
        internal::PinnedWord(e->t)->watch.load(internal::kWatchLoadOrder);
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

void Rcu::QsbrReadLockChecked() {
  internal::ReaderWord* rw = internal::tls_readers.words[slot_];
  RCU_CHECK(rw != nullptr && internal::InReader(rw),
            "QsbrReadLock() on a thread that is offline or not registered "
            "with this QSBR instance: call RegisterThread() or ThreadOnline() "
            "first");
  internal::ReaderLock(rw);
}

void Rcu::QsbrWaitScope::Enter(Rcu& r) {
  internal::ReaderWord* rw = internal::tls_readers.words[r.slot_];
  if (rw == nullptr ||
      (rw->watch.load(std::memory_order_relaxed) & internal::kNestMask) != 1)
    return;  // not registered, offline, or inside a reader (the caller's
             // wait check reports that)
  internal::ReaderUnlock(rw);
  rw_ = rw;
}

void Rcu::QsbrWaitScope::Leave() { internal::ReaderLock(rw_); }

void Rcu::QuiescentStateSlow() {
  ThreadRec* t = internal::RecInSlot(slot_);
  RCU_CHECK(t != nullptr, "QuiescentState: thread not registered");
  internal::ReaderWord* rw = internal::OwnWord(t);
  if (qsbr_) {
    const uint64_t n =
        rw->watch.load(std::memory_order_relaxed) & internal::kNestMask;
    RCU_DCHECK(n <= 1,
               "QuiescentState() inside a QSBR read-side critical section "
               "(QsbrReadLock() held): the grace period would end under it");
    if (n != 1) return;  // offline, or a reader still open: not a QS
    // The end of the online thread's critical section, then the next:
    // the generation moves on, which every scan takes as a quiescent
    // state, and the unlock's slow path answers NEED_QS and finishes
    // deferred work, as any outermost unlock does.
    internal::ReaderUnlock(rw);
    internal::ReaderLock(rw);
    return;
  }
  if (internal::InReader(rw)) return;  // not a quiescent state
  if (rw->special.load(std::memory_order_relaxed) & ~internal::kSpecialFences)
    UnlockSpecial(t);  // also deferred work (file comment)
  CheckNoStaleBlocked(t);
}

void Rcu::ThreadOffline() {
  ThreadRec* t = internal::RecInSlot(slot_);
  RCU_CHECK(t != nullptr, "ThreadOffline: thread not registered");
  internal::ReaderWord* rw = internal::OwnWord(t);
  if (qsbr_) {
    const uint64_t n =
        rw->watch.load(std::memory_order_relaxed) & internal::kNestMask;
    RCU_CHECK(n <= 1,
              "ThreadOffline: inside a QSBR read-side critical section");
    if (n == 0) return;  // already offline
    t->offline = true;
    internal::ReaderUnlock(rw);  // the online critical section ends
    return;
  }
  RCU_CHECK(!internal::InReader(rw),
            "ThreadOffline: inside a read-side critical section");
  t->offline = true;
  if (rw->special.load(std::memory_order_relaxed) & ~internal::kSpecialFences)
    UnlockSpecial(t);
}

void Rcu::ThreadOnline() {
  ThreadRec* t = internal::RecInSlot(slot_);
  RCU_CHECK(t != nullptr, "ThreadOnline: thread not registered");
  t->offline = false;
  if (qsbr_) {
    internal::ReaderWord* rw = internal::OwnWord(t);
    // Online: the outermost lock of the thread's implicit critical section.
    if ((rw->watch.load(std::memory_order_relaxed) & internal::kNestMask) == 0)
      internal::ReaderLock(rw);
  }
}

}  // namespace rcu

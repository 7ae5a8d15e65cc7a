// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// boost.cc: reader priority boosting (Config::boost, the kernel's
// CONFIG_RCU_BOOST).
//
// A reader that the OS preempts inside its critical section holds every
// grace period that began before it, and the memory those grace periods
// would free, for as long as it does not run. Under real-time load that
// can be forever: a SCHED_FIFO thread spinning on the reader's CPU never
// lets it finish. The kernel lends the reader the priority of its rcub
// kthread through an rt_mutex the kthread locks on the reader's behalf
// (rcu_boost() in kernel/rcu/tree_plugin.h; "Priority-Boosting RCU
// Read-Side Critical Sections", LWN, 2007).
//
// Here the grace-period thread does it: once a normal grace period is
// boost_delay_ms old, each FQS scan hands BoostReaders() the readers the
// grace period still waits for (threads attached to a vCPU that owes a
// quiescent state, inside the reader the scan sampled; and the blocked
// readers from gp_tasks on), and each one still inside that reader is
// raised to SCHED_FIFO kthread_prio with sched_setscheduler() on its tid,
// its own policy saved, and its BOOSTED flag set. The reader's next
// outermost unlock takes the slow path (BOOSTED is in `special`), and
// UnlockSpecial() restores the saved policy first thing (DeboostSelf()).
// The grace-period thread runs at kthread_prio itself, so it gets to run
// on a CPU that real-time work below that priority has taken.
//
// The race, and what closes it: the unlock fast path tests `special`
// before its store, so a raise that lands between the two goes unseen and
// the thread leaves its reader raised. Every FQS scan, and the end of each
// grace period, undo such raises (UndoStaleBoosts(): the raised reader is
// over, its `watch` says so). A thread stays raised outside its reader at
// most until then: the raise it missed was for a reader that held the
// current grace period, which cannot end before that reader did.
//
// Invariant: under boost_mu_, a record is on boosted_ iff its `boosted` is
// true, and a record with `boosted` clear has BOOSTED clear in `special`
// (set and cleared only under boost_mu_). Checked in debug builds
// (CheckBoostedLocked()).
//
// boost_mu_ is taken by the grace-period thread (real-time) and by raised
// readers, and is never held across the restoring sched_setscheduler():
// a reader that drops its own priority while holding it would be
// preempted on the spot by the work it was raised above, and the
// grace-period thread would wait behind it. So the lock decides and the
// system call follows; a thread that is raised again in between (a signal
// handler's reader) is already at kthread_prio and is not raised twice.
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "rcu/check.h"
#include "rcu/tree.h"

namespace rcu {

using internal::ThreadRec;

namespace {

// A policy the boost priority does not outrank: real-time at or above it.
bool AtLeastBoostPriority(int policy, int priority, int boost_prio) {
  return (policy == SCHED_FIFO || policy == SCHED_RR) && priority >= boost_prio;
}

bool ReaderOver(const ThreadRec* t, uint64_t raised_for) {
  const uint64_t w =
      internal::PinnedWord(t)->watch.load(internal::kWatchLoadOrder);
  return (w & internal::kNestMask) == 0 || (w >> 16) != (raised_for >> 16);
}

void Restore(int tid, int policy, int priority) {
  sched_param sp{};
  sp.sched_priority = priority;
  // Lowering a thread's own or a same-user thread's priority needs no
  // privilege; ESRCH (the thread exited meanwhile) leaves nothing to do.
  (void)sched_setscheduler(tid, policy, &sp);
}

}  // namespace

void Rcu::SetUpGpThreadPriority() {
  if (config_.kthread_prio <= 0) return;
  sched_param sp{};
  sp.sched_priority = config_.kthread_prio;
  const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  if (err != 0) {
    ReportStall(fmt::format(
        "rcu: kthread_prio={}: SCHED_FIFO refused ({}): the grace-period "
        "thread runs at normal priority{}\n",
        config_.kthread_prio, std::strerror(err),
        config_.boost ? " and readers are not boosted" : ""));
    return;
  }
  boost_active_.store(config_.boost, std::memory_order_relaxed);
}

bool Rcu::BoostDue() const {
  return BoostActive() && std::chrono::steady_clock::now() - gp_start_time_ >=
                              std::chrono::milliseconds(config_.boost_delay_ms);
}

void Rcu::BoostReaders(const std::vector<BoostCandidate>& candidates) {
  const int prio = config_.kthread_prio;
  RaiseReaders(candidates, prio);
  UndoStaleBoosts();
}

void Rcu::RaiseReaders(const std::vector<BoostCandidate>& candidates,
                       int prio) {
  PlainMutexLock l(boost_mu_);
  for (const BoostCandidate& c : candidates) {
    ThreadRec* t = c.t;
    // Still inside the reader the scan saw? (Records are never freed, and
    // a record's generation only grows, so this also tells a record that
    // changed hands since.)
    if (t->boosted || ReaderOver(t, c.watch)) continue;
    const int policy = sched_getscheduler(t->tid);
    sched_param old{};
    if (policy < 0 || sched_getparam(t->tid, &old) != 0) continue;
    if (AtLeastBoostPriority(policy, old.sched_priority, prio)) continue;
    sched_param sp{};
    sp.sched_priority = prio;
    if (sched_setscheduler(t->tid, SCHED_FIFO, &sp) != 0) continue;
    t->boosted = true;
    t->boost_watch = c.watch;
    t->boost_old_policy = policy;
    t->boost_old_priority = old.sched_priority;
    boosted_.push_back(t);
    // Relaxed: the owner's unlock tests `special` relaxed; a raise it
    // misses is undone below or by a later scan.
    internal::PinnedWord(t)->special.fetch_or(internal::kSpecialBoosted,
                                              std::memory_order_relaxed);
    boosts_.fetch_add(1, std::memory_order_relaxed);
  }
  CheckBoostedLocked();
}

void Rcu::UndoStaleBoosts() {
  struct Undo {
    int tid, policy, priority;
  };
  std::vector<Undo> undo;
  {
    PlainMutexLock l(boost_mu_);
    for (size_t i = 0; i < boosted_.size();) {
      ThreadRec* t = boosted_[i];
      if (!ReaderOver(t, t->boost_watch)) {
        ++i;
        continue;
      }
      undo.push_back({t->tid, t->boost_old_policy, t->boost_old_priority});
      t->boosted = false;
      internal::PinnedWord(t)->special.fetch_and(~internal::kSpecialBoosted,
                                                 std::memory_order_relaxed);
      boosted_[i] = boosted_.back();
      boosted_.pop_back();
    }
    CheckBoostedLocked();
  }
  for (const Undo& u : undo) {
    Restore(u.tid, u.policy, u.priority);
    boosts_undone_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Rcu::DeboostSelf(ThreadRec* t) {
  int policy, priority;
  {
    PlainMutexLock l(boost_mu_);
    // Raised for the reader this thread is in now (MigrateSelf() inside a
    // reader gets here too): that reader's unlock restores it.
    if (!t->boosted || !ReaderOver(t, t->boost_watch)) return;
    policy = t->boost_old_policy;
    priority = t->boost_old_priority;
    t->boosted = false;
    internal::PinnedWord(t)->special.fetch_and(~internal::kSpecialBoosted,
                                               std::memory_order_relaxed);
    std::erase(boosted_, t);
    CheckBoostedLocked();
  }
  Restore(0, policy, priority);  // 0: the calling thread, t's own
}

void Rcu::ForgetBoost(ThreadRec* t) {
  PlainMutexLock l(boost_mu_);
  t->boosted = false;
  internal::PinnedWord(t)->special.fetch_and(~internal::kSpecialBoosted,
                                             std::memory_order_relaxed);
  std::erase(boosted_, t);
}

void Rcu::CheckBoostedLocked() {
#if RCU_DEBUG_CHECKS_ENABLED
  for (const ThreadRec* t : boosted_) {
    RCU_CHECK(t->boosted, "boosted_ lists a record that is not boosted");
    RCU_CHECK(internal::PinnedWord(t)->special.load(std::memory_order_relaxed) &
                  internal::kSpecialBoosted,
              "boosted record without BOOSTED in special");
  }
#endif
}

}  // namespace rcu

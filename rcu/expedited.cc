// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// expedited.cc: SynchronizeExpedited(), driven by the calling thread.
//
// One expedited grace period at a time (exp_mu_), numbered by exp_seq_ with
// the gp_seq helpers so that concurrent callers share one: a caller whose
// snapshot is reached by a grace period someone else ran returns at once.
// The grace period itself: a heavy fence (membarrier), a scan of every
// registered thread's `watch`, a wait for each thread seen inside a reader
// to leave it (its nesting bits clear or its generation moves on), and a
// second heavy fence. A reader that migrated mid-reader keeps its `watch`
// odd, so it is waited for wherever it is. Each expedited grace period
// takes a polled ticket (tree.h, GetState()), so that its end completes
// GetState() cookies as a normal grace period's does.

#include <thread>
#include <utility>
#include <vector>

#include "rcu/check.h"
#include "rcu/lockdep.h"
#include "rcu/tree.h"

namespace rcu {

using internal::ThreadRec;

namespace {

bool ReaderMovedOn(const ThreadRec* t, uint64_t w) {
  uint64_t now = internal::PinnedWord(t)->watch.load(internal::kWatchLoadOrder);
  return (now & internal::kNestMask) == 0 || (now >> 16) != (w >> 16);
}

// Spins briefly (readers are short), then yields, then sleeps with
// backoff. True once the reader moved on; false at `deadline`.
bool WaitForReader(const ThreadRec* t, uint64_t w,
                   std::chrono::steady_clock::time_point deadline) {
  for (int i = 0; i < 2000; ++i) {
    if (ReaderMovedOn(t, w)) return true;
    internal::CpuRelax();
  }
  for (int i = 0; i < 100; ++i) {
    if (ReaderMovedOn(t, w)) return true;
    std::this_thread::yield();
  }
  auto sleep = std::chrono::microseconds(10);
  while (!ReaderMovedOn(t, w)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(sleep);
    if (sleep < std::chrono::milliseconds(1)) sleep *= 2;
  }
  return true;
}

}  // namespace

void Rcu::SynchronizeExpedited() {
  MaybeRestartAfterFork();
  if (internal::tls_readers.in_callback != nullptr) [[unlikely]]
    internal::FatalWaitInCallback("SynchronizeExpedited()");
  QsbrWaitScope offline(*this);
  if ((RCU_DEBUG_CHECKS_ENABLED || lockdep::Enabled()) && ReadLockHeld())
    lockdep::internal::IllegalWaitInReader("SynchronizeExpedited()",
                                           SourceLocation::current());
  ExpeditedGp();
}

void Rcu::ExpeditedGp() {
  // A hint (relaxed): EndGpAtOnce() decides under reg_mu_. No reader but
  // the caller's own (none: it waits): the kernel's rcu_blocking_is_gp().
  if (NoOtherReaderPossible(n_threads_hint_.load(std::memory_order_relaxed)) &&
      EndGpAtOnce())
    return;
  // Orders the caller's updates before the snapshot; pairs with E1 below
  // of any expedited GP the caller ends up sharing. That GP starts after
  // the snapshot, so its ticket completes every GetState() cookie taken
  // before this call.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  ExpeditedGpOnce();
}

void Rcu::EndGpAtOnceLocked(uint64_t s) {
  CompletePolledTicket(TakePolledTicket());
  // Release: pairs with PollStateFull()'s acquire.
  exp_seq_.store(SeqEndVal(SeqStartVal(s)), std::memory_order_release);
}

bool Rcu::EndGpAtOnce() {
  // No registered thread but the caller, which is outside any reader: no
  // reader to wait for. reg_mu_ orders the rest, with no fence: a thread
  // that registers later takes reg_mu_ after this, so its readers see the
  // caller's updates (made before the unlock); one that unregistered ended
  // its readers before its unlock, which this lock follows. An expedited
  // grace period moves exp_seq_ to odd only under reg_mu_, so an even
  // value stays even until the unlock.
  PlainMutexLock r(reg_mu_);
  if (!NoOtherReaderPossibleLocked()) return false;
  const uint64_t s = exp_seq_.load(std::memory_order_relaxed);
  if (SeqState(s) != 0) return false;
  EndGpAtOnceLocked(s);
  return true;
}

void Rcu::ExpeditedGpOnce() {
  const uint64_t snap = SeqSnap(exp_seq_.load(std::memory_order_relaxed));
  PlainMutexLock l(exp_mu_);
  if (SeqDone(exp_seq_.load(std::memory_order_relaxed), snap)) {
    // Someone else's expedited GP covered ours; order what follows after it.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return;
  }
  uint64_t s;
  uint64_t ticket;
  {
    // EndGpAtOnce() may have moved exp_seq_ since: reloaded under reg_mu_,
    // where it is even (exp_mu_ is held) and stays so until the start.
    PlainMutexLock r(reg_mu_);
    s = exp_seq_.load(std::memory_order_relaxed);
    if (NoOtherReaderPossibleLocked()) {
      EndGpAtOnceLocked(s);
      return;
    }
    exp_seq_.store(SeqStartVal(s), std::memory_order_relaxed);
    ticket = TakePolledTicket();
  }
  // E1: readers whose lock store precedes it are seen by the scan; later
  // readers see the caller's updates.
  HeavyFence();
  std::vector<std::pair<const ThreadRec*, uint64_t>>& busy = exp_busy_;
  busy.clear();
  {
    PlainMutexLock r(reg_mu_);
    for (const auto& t : recs_) {
      if (!t->registered) continue;
      uint64_t w =
          internal::WordOf(t.get())->watch.load(internal::kWatchLoadOrder);
      if (w & internal::kNestMask) {
        busy.emplace_back(t.get(), w);
        // QSBR: an online thread's QuiescentState() moves its generation
        // on only when asked (tree.h); ask. Relaxed: a hint, as from the
        // FQS scan; the wait below polls the generation.
        if (qsbr_)
          internal::WordOf(t.get())->special.fetch_or(
              internal::kSpecialNeedQs, std::memory_order_relaxed);
      }
    }
  }
  // ThreadRecs are never freed before the instance, so waiting on one whose
  // thread unregistered meanwhile is safe: each read pins its word
  // (PinnedWord), and unregistration leaves the record on its own word,
  // whose nesting is then zero.
  const auto start = std::chrono::steady_clock::now();
  const auto timeout =
      config_.exp_stall_timeout_ms > 0
          ? std::chrono::milliseconds(config_.exp_stall_timeout_ms)
          : std::chrono::milliseconds(std::chrono::hours(1));
  auto warn_at = start + timeout;
  for (size_t i = 0; i < busy.size(); ++i) {
    while (!WaitForReader(busy[i].first, busy[i].second, warn_at)) {
      // Expedited stall: name every reader this GP still waits for.
      std::vector<const ThreadRec*> holders;
      for (size_t k = i; k < busy.size(); ++k)
        if (!ReaderMovedOn(busy[k].first, busy[k].second))
          holders.push_back(busy[k].first);
      const auto now = std::chrono::steady_clock::now();
      exp_stalls_.fetch_add(1, std::memory_order_relaxed);
      ReportStall(FormatExpStall(holders, now - start));
      warn_at = now + timeout;
    }
  }
  // E2: the readers' critical sections end before the caller frees.
  HeavyFence();
  CompletePolledTicket(ticket);
  // Release: a caller that sees this GP ended (its snapshot reached) also
  // sees E2 and the readers' finished critical sections.
  exp_seq_.store(SeqEndVal(SeqStartVal(s)), std::memory_order_release);
  exp_completed_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace rcu

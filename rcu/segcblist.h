// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// segcblist.h: the per-vCPU four-segment callback list.
//
// One singly linked list split by tail pointers into four segments, oldest
// first, in half-open notation:
//   [head, *tails[kDone])              DONE: grace period over, invoke them
//   [*tails[kDone], *tails[kWait])     WAIT: waiting for gp_seq[kWait]
//   [*tails[kWait], *tails[kNextReady]) NEXT_READY: waiting for
//                                      gp_seq[kNextReady]
//   [*tails[kNextReady], *tails[kNext]) NEXT: no grace period assigned yet
// Callbacks only ever move toward DONE and never overtake one another, so
// callbacks queued on one vCPU are invoked in the order they were queued
// (rcu_barrier() relies on it).
//
// Invariant: segments are contiguous; a non-empty WAIT and NEXT_READY have
// gp_seq[kWait] <= gp_seq[kNextReady]; WAIT is empty only if NEXT_READY is;
// the segment lengths plus the callbacks extracted but not yet invoked sum
// to len(). CheckInvariants() verifies it in debug builds.
//
// Not thread-safe: the owning vCPU's local lock guards every call except
// len(), which may be read locklessly (rcu_barrier() and the GP thread do).
#ifndef RCU_SEGCBLIST_H_
#define RCU_SEGCBLIST_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "rcu/export.h"

namespace rcu {

struct RcuHead;
using RcuCallback = void (*)(RcuHead*);

// Embed one in each object to be reclaimed after a grace period; pass it to
// Call(). Its fields are the library's until the callback runs.
struct RcuHead {
  RcuHead* next = nullptr;
  RcuCallback func = nullptr;
};

// A plain list of extracted callbacks.
struct RcuCbList {
  RcuHead* head = nullptr;
  RcuHead** tail = &head;
  long len = 0;
  void Enqueue(RcuHead* h) {
    h->next = nullptr;
    *tail = h;
    tail = &h->next;
    ++len;
  }
  RcuHead* Dequeue() {
    RcuHead* h = head;
    if (h == nullptr) return nullptr;
    head = h->next;
    if (head == nullptr) tail = &head;
    --len;
    return h;
  }
};

class RCU_EXPORT SegCbList {
 public:
  enum Seg { kDone = 0, kWait = 1, kNextReady = 2, kNext = 3, kNumSegs = 4 };

  SegCbList() { Init(); }
  SegCbList(const SegCbList&) = delete;
  SegCbList& operator=(const SegCbList&) = delete;

  void Init();

  // Callbacks on the list, including those extracted and not yet invoked.
  // Acquire: pairs with AddLen()'s release (see there).
  long len() const { return len_.load(std::memory_order_acquire); }
  long seglen(int seg) const { return seglen_[seg]; }
  uint64_t gp_seq(int seg) const { return gp_seq_[seg]; }
  bool SegEmpty(int seg) const;
  bool Empty() const { return head_ == nullptr; }
  bool HasDone() const { return tails_[kDone] != &head_; }
  // Callbacks waiting for a grace period (WAIT, NEXT_READY or NEXT).
  bool HasPending() const { return tails_[kDone] != tails_[kNext]; }
  // Callbacks with no grace period assigned yet (NEXT non-empty).
  bool HasUnassigned() const { return !SegEmpty(kNext); }

  // Appends to NEXT. Inline: Call()'s fast path.
  void Enqueue(RcuHead* h) {
    AddLen(1);
    ++seglen_[kNext];
    h->next = nullptr;
    *tails_[kNext] = h;
    tails_[kNext] = &h->next;
  }
  // Appends after the last callback of the newest non-empty segment, so that
  // `h` runs after every callback now queued, without necessarily waiting
  // for a grace period. Returns false (and leaves `h` alone) if the list
  // holds no callbacks: there is nothing to wait for.
  bool Entrain(RcuHead* h);
  // Moves every segment whose gp_seq is <= `seq` into DONE.
  void Advance(uint64_t seq);
  // Assigns grace period `seq` to the callbacks that have none (and merges
  // later segments that would wait for `seq` anyway). Returns true if any
  // callbacks now wait for `seq`: the caller must make sure it will happen.
  bool Accelerate(uint64_t seq);
  // Moves the DONE segment to `out`; len() is unchanged until AddLen().
  void ExtractDone(RcuCbList* out);
  // Puts callbacks taken with ExtractDone() back at the head of DONE.
  void InsertDone(RcuCbList* in);
  // Moves WAIT, NEXT_READY and NEXT to `out` (they will start waiting over).
  void ExtractPending(RcuCbList* out);
  // Appends `in` to NEXT.
  void InsertPending(RcuCbList* in);
  // Moves every queued callback of `src` to this list: src's DONE callbacks
  // to the end of this DONE, src's pending ones to the end of NEXT. `src` is
  // left empty, its len() counting only callbacks being invoked.
  void Merge(SegCbList* src);
  // Adds `v` to len(). Every change to a list (this included) is made
  // under its owner's lock (RcuData::local, SrcuData::lock), so a plain
  // load and store suffice, with no locked RMW. Barrier() samples len()
  // under that lock; the lockless readers (statistics, GpCleanup()'s wake
  // test, ~Rcu()'s drain loop) tolerate a stale value: a stale count makes
  // them wake or loop once more, and a count they must see was written
  // before something they synchronize with (a grace period's node lock, a
  // barrier's completion).
  // Release: pairs with len()'s acquire, so that a reader that sees the
  // count sees the list change made before it.
  void AddLen(long v) {
    len_.store(len_.load(std::memory_order_relaxed) + v,
               std::memory_order_release);
  }

  // Debug builds: aborts with a message if the invariant (file comment) is
  // broken. `in_flight`: callbacks extracted and not yet invoked.
  void CheckInvariants(long in_flight) const;

 private:
  RcuHead* head_;
  std::array<RcuHead**, kNumSegs> tails_;
  std::array<uint64_t, kNumSegs> gp_seq_;
  std::array<long, kNumSegs> seglen_;
  std::atomic<long> len_{0};
};

}  // namespace rcu

#endif  // RCU_SEGCBLIST_H_

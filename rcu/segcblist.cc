// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/segcblist.h"

#include "rcu/check.h"
#include "rcu/seq.h"

namespace rcu {

void SegCbList::Init() {
  head_ = nullptr;
  for (int i = 0; i < kNumSegs; ++i) {
    tails_[i] = &head_;
    gp_seq_[i] = 0;
    seglen_[i] = 0;
  }
  len_.store(0, std::memory_order_relaxed);
}

bool SegCbList::SegEmpty(int seg) const {
  if (seg == kDone) return tails_[kDone] == &head_;
  return tails_[seg] == tails_[seg - 1];
}

bool SegCbList::Entrain(RcuHead* h) {
  if (len() == 0) return false;
  AddLen(1);
  int i = kNext;
  while (i > kDone && SegEmpty(i)) --i;
  // Every segment after i is empty, so the end of segment i is the end of
  // the whole list.
  ++seglen_[i];
  h->next = nullptr;
  *tails_[i] = h;
  for (int j = i; j < kNumSegs; ++j) tails_[j] = &h->next;
  return true;
}

void SegCbList::Advance(uint64_t seq) {
  if (!HasPending()) return;
  int i;
  for (i = kWait; i < kNext; ++i) {
    if (SeqLt(seq, gp_seq_[i])) break;
    tails_[kDone] = tails_[i];
    seglen_[kDone] += seglen_[i];
    seglen_[i] = 0;
  }
  if (i == kWait) return;  // nothing became ready
  // Segments kWait..i-1 were emptied into DONE.
  for (int j = kWait; j < i; ++j) tails_[j] = tails_[kDone];
  // Slide the segments still waiting down to start at kWait.
  for (int j = kWait; i < kNext; ++i, ++j) {
    if (tails_[j] == tails_[kNext]) break;  // no more callbacks
    tails_[j] = tails_[i];
    seglen_[j] = seglen_[i];
    if (i != j) seglen_[i] = 0;
    gp_seq_[j] = gp_seq_[i];
  }
}

bool SegCbList::Accelerate(uint64_t seq) {
  if (!HasPending()) return false;
  // Find the newest non-empty segment whose grace period ends before `seq`:
  // it and everything older stay as they are.
  int i;
  for (i = kNextReady; i > kDone; --i) {
    if (!SegEmpty(i) && SeqLt(gp_seq_[i], seq)) break;
  }
  // Nothing after segment i, or no segment left to hold `seq`: the
  // waiting segments all end before `seq` and the next Advance() sorts it.
  if (tails_[i] == tails_[kNext] || ++i >= kNext) return false;
  for (int j = i + 1; j <= kNext; ++j) {
    seglen_[i] += seglen_[j];
    seglen_[j] = 0;
  }
  for (; i < kNext; ++i) {
    tails_[i] = tails_[kNext];
    gp_seq_[i] = seq;
  }
  return true;
}

void SegCbList::ExtractDone(RcuCbList* out) {
  if (!HasDone()) return;
  *out->tail = head_;
  out->tail = tails_[kDone];
  out->len += seglen_[kDone];
  head_ = *tails_[kDone];
  *out->tail = nullptr;
  seglen_[kDone] = 0;
  for (int i = kNumSegs - 1; i >= kDone; --i) {
    if (tails_[i] == tails_[kDone]) tails_[i] = &head_;
  }
}

void SegCbList::InsertDone(RcuCbList* in) {
  if (in->head == nullptr) return;
  *in->tail = head_;
  head_ = in->head;
  seglen_[kDone] += in->len;
  // Segments that ended at the old head now end after the inserted ones.
  for (int i = kDone; i < kNumSegs; ++i) {
    if (tails_[i] != &head_) break;
    tails_[i] = in->tail;
  }
  in->head = nullptr;
  in->tail = &in->head;
  in->len = 0;
}

void SegCbList::ExtractPending(RcuCbList* out) {
  if (!HasPending()) return;
  *out->tail = *tails_[kDone];
  out->tail = tails_[kNext];
  for (int i = kWait; i < kNumSegs; ++i) {
    out->len += seglen_[i];
    seglen_[i] = 0;
  }
  *tails_[kDone] = nullptr;
  for (int i = kWait; i < kNumSegs; ++i) tails_[i] = tails_[kDone];
}

void SegCbList::InsertPending(RcuCbList* in) {
  if (in->head == nullptr) return;
  seglen_[kNext] += in->len;
  *tails_[kNext] = in->head;
  tails_[kNext] = in->tail;
  in->head = nullptr;
  in->tail = &in->head;
  in->len = 0;
}

void SegCbList::Merge(SegCbList* src) {
  RcuCbList done, pend;
  src->ExtractDone(&done);
  src->ExtractPending(&pend);
  // Only the queued callbacks move; any being invoked stay counted on src
  // until their invoker subtracts them.
  const long n = done.len + pend.len;
  src->AddLen(-n);
  AddLen(n);
  // Append src's ready callbacks at the end of DONE.
  if (done.head != nullptr) {
    *done.tail = *tails_[kDone];
    *tails_[kDone] = done.head;
    seglen_[kDone] += done.len;
    RcuHead** old_done_tail = tails_[kDone];
    for (int i = kDone; i < kNumSegs; ++i) {
      if (tails_[i] != old_done_tail) break;
      tails_[i] = done.tail;
    }
  }
  InsertPending(&pend);
  const long in_flight = src->len();
  src->Init();
  src->AddLen(in_flight);
}

void SegCbList::CheckInvariants(long in_flight) const {
#if RCU_DEBUG_CHECKS_ENABLED
  long sum = 0;
  for (int i = 0; i < kNumSegs; ++i) {
    RCU_CHECK(seglen_[i] >= 0, "segcblist: negative segment length");
    sum += seglen_[i];
  }
  RCU_CHECK(sum + in_flight == len(), "segcblist: seglen sum != len");
  // Walk the list: segment boundaries appear in order and counts match.
  long counted[kNumSegs] = {};
  int seg = 0;
  RcuHead* const* pp = &head_;
  while (seg < kNumSegs && tails_[seg] == pp) ++seg;
  for (RcuHead* h = head_; h != nullptr; h = h->next) {
    RCU_CHECK(seg < kNumSegs, "segcblist: callbacks past the NEXT tail");
    ++counted[seg];
    pp = &h->next;
    while (seg < kNumSegs && tails_[seg] == pp) ++seg;
  }
  RCU_CHECK(seg == kNumSegs, "segcblist: a tail pointer is not on the list");
  for (int i = 0; i < kNumSegs; ++i)
    RCU_CHECK(counted[i] == seglen_[i], "segcblist: seglen mismatch");
  if (!SegEmpty(kWait) && !SegEmpty(kNextReady))
    RCU_CHECK(SeqGe(gp_seq_[kNextReady], gp_seq_[kWait]),
              "segcblist: WAIT gp_seq after NEXT_READY gp_seq");
  if (SegEmpty(kWait))
    RCU_CHECK(SegEmpty(kNextReady), "segcblist: WAIT empty, NEXT_READY not");
#else
  (void)in_flight;
#endif
}

}  // namespace rcu

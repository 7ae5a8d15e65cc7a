// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// seq.h: grace-period sequence numbers ("gp_seq") and their helpers.
//
// A sequence value keeps a state in its low two bits (0 = idle, non-zero = a
// grace period, or barrier, is in progress) and a counter above them. All
// comparisons are modular, so the counter may wrap: every instance starts at
// kInitialGpSeq, 300 grace periods before the wrap, so that each test run
// crosses it.
//
// Snapshot rule: SeqSnap(s) is the earliest value of the sequence that
// proves a full grace period elapsed after the snapshot was taken. If a
// grace period is already running it may have started before the caller's
// update, so the snapshot waits for the one after it.
//   s = 100 (idle)        -> snap 104 (the next GP's end)
//   s = 101 (GP running)  -> snap 108 (the end of the GP after it)
#ifndef RCU_SEQ_H_
#define RCU_SEQ_H_

#include <cstdint>

namespace rcu {

inline constexpr int kSeqCtrShift = 2;
inline constexpr uint64_t kSeqStateMask = (uint64_t{1} << kSeqCtrShift) - 1;
// The kernel's initial rcu_state.gp_seq: the counter wraps after 300 GPs.
inline constexpr uint64_t kInitialGpSeq = (uint64_t{0} - 300) << kSeqCtrShift;
// A polled-API cookie that is always complete.
inline constexpr uint64_t kGetStateCompleted = 0x1;

// Modular comparisons: a >= b when a is at most half the space ahead.
constexpr bool SeqGe(uint64_t a, uint64_t b) { return UINT64_MAX / 2 >= a - b; }
constexpr bool SeqLt(uint64_t a, uint64_t b) { return UINT64_MAX / 2 < a - b; }

constexpr uint64_t SeqCtr(uint64_t s) { return s >> kSeqCtrShift; }
constexpr uint64_t SeqState(uint64_t s) { return s & kSeqStateMask; }
constexpr uint64_t SeqSetState(uint64_t s, uint64_t st) {
  return (s & ~kSeqStateMask) | st;
}
// Value after starting a grace period from idle value `s`.
constexpr uint64_t SeqStartVal(uint64_t s) { return s + 1; }
// Value after ending the grace period in progress in `s`.
constexpr uint64_t SeqEndVal(uint64_t s) { return (s | kSeqStateMask) + 1; }
// See the file comment.
constexpr uint64_t SeqSnap(uint64_t s) {
  return (s + 2 * kSeqStateMask + 1) & ~kSeqStateMask;
}
// True when the grace period that snapshot `snap` waits for has started.
constexpr bool SeqStarted(uint64_t cur, uint64_t snap) {
  return SeqLt((snap - 1) & ~kSeqStateMask, cur);
}
// True when `cur` has reached snapshot `snap`.
constexpr bool SeqDone(uint64_t cur, uint64_t snap) { return SeqGe(cur, snap); }
// As SeqDone, but a cookie far ahead of `cur` (cur < snap - 10) also
// counts as done: that can only happen once the counter went all the way
// round, so the cookie is ancient. For the polled API, whose cookies may be
// kept arbitrarily long. The guard band is 10, not 7, because cookies are
// snapped from the state's gp_seq but polled on the root node's, which lags
// it by up to one grace-period start: root s, state s+1, cookie s+8.
constexpr bool SeqDoneExact(uint64_t cur, uint64_t snap) {
  return SeqGe(cur, snap) || SeqLt(cur, snap - (3 * kSeqStateMask + 1));
}
// True when a grace period ended between `old` and `cur`.
constexpr bool SeqCompletedGp(uint64_t old, uint64_t cur) {
  return SeqLt(old, cur & ~kSeqStateMask);
}
// True when a grace period started between `old` and `cur`.
constexpr bool SeqNewGp(uint64_t old, uint64_t cur) {
  return SeqLt((old + kSeqStateMask) & ~kSeqStateMask, cur);
}
// Number of grace periods that ended between `old` and `cur` (the counter
// counts ends); for the torture harness's Reader Batch histogram.
constexpr uint64_t SeqDiff(uint64_t cur, uint64_t old) {
  return ((cur & ~kSeqStateMask) - (old & ~kSeqStateMask)) >> kSeqCtrShift;
}

}  // namespace rcu

#endif  // RCU_SEQ_H_

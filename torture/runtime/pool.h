// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// pool.h: the fixed element pool and the pipeline invariant.
//
// kPoolSize = 10 * kPipeLen elements live for the whole run; a freelist
// hands them to the writer. Because elements are never returned to the
// allocator, a too-short grace period shows up as an anomaly readers can
// count (a pipe count >= 2, or mbtest == 0) instead of a use-after-free.
//
// The pipeline invariant (one sentence): an element's pipe count is 0 while
// it is current, becomes 1 when the writer replaces it, grows by one per
// grace period after that, and at kPipeLen the element goes back to the
// freelist with mbtest cleared; so a reader that picked an element up
// inside its critical section must see 0 or 1 at the end of it.
//
// Free-Block Circulation: wcount[i] counts elements that advanced out of
// stage i; [0] = removals, [1..9] = grace periods passed, [10] must be 0.
#ifndef TORTURE_RUNTIME_POOL_H_
#define TORTURE_RUNTIME_POOL_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "torture/runtime/mutex.h"
#include "torture/runtime/ops.h"

namespace torture {

inline constexpr int kPipeLen = 10;
inline constexpr int kPoolSize = 10 * kPipeLen;

// The memory-ordering mailbox of one reader (rcu_torture_reader_check),
// attached to an element for the rtmbkf check.
struct alignas(128) ReaderCheck {
  std::atomic<unsigned long> myloops{0};        // rtc_myloops
  std::atomic<int> chkrdr{-1};                  // rtc_chkrdr
  std::atomic<unsigned long> chkloops{0};       // rtc_chkloops
  std::atomic<int> ready{0};                    // rtc_ready
  std::atomic<ReaderCheck*> assigner{nullptr};  // rtc_assigner
};

class Pool;

// One element (the kernel's struct rcu_torture).
struct TortureElem {
  TortureHead head;  // first: flavours' heads live here
  // Written by the one thread that owns the element's current stage (the
  // writer, or the callback chain); read racily by readers, hence atomic
  // (relaxed: the reader's judgement is about grace-period ordering, which
  // the RCU primitives, not these accesses, must provide).
  std::atomic<int> pipe_count{0};
  // 1 while published; 0 on the freelist. Written before publication
  // (ordered by the release store of the current pointer) and at free.
  std::atomic<int> mbtest{0};
  // Mailbox attached by a reader for the ordering check (rtmbkf).
  std::atomic<ReaderCheck*> chkp{nullptr};
  // Freelist / removed-list link and membership, guarded by the pool lock
  // (freelist) or owned by the writer (removed list).
  TortureElem* next = nullptr;
  std::atomic<bool> on_list{false};
  Pool* owner = nullptr;  // the pool the element belongs to (set once)
};

class Pool {
 public:
  Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // Puts every element on the freelist with mbtest 0 and zeroes wcount and
  // the counters (rcu_torture_init()); the elements' callbacks go through
  // `ops` from here on.
  void Reset(const TortureOps* ops);
  const TortureOps* ops() const { return ops_; }

  // rcu_torture_alloc(): nullptr (and alloc_fail++) when empty.
  TortureElem* Alloc();
  // rcu_torture_free().
  void Free(TortureElem* e);

  // rcu_torture_pipe_update_one(): one grace period passed for `e`; fires
  // its mailbox, bumps wcount and the pipe count. True when it reached
  // kPipeLen (mbtest is then 0 and the caller frees it).
  bool PipeUpdateOne(TortureElem* e);
  // rcu_torture_pipe_update(): writer only. Adds `old` (if any) to the
  // removed list, then one grace period passed for every element on it.
  void PipeUpdate(TortureElem* old);
  // The writer's removal step: wcount[old count]++, pipe count 0 -> 1.
  void Remove(TortureElem* old);

  // True when every element is free, on the removed list, or `current`.
  // Otherwise *stuck is the first other element (the post-stutter check).
  bool AllAccountedFor(const TortureElem* current,
                       const TortureElem** stuck) const;

  TortureElem& elem(int i) { return elems_[i]; }
  const TortureElem* elems() const { return elems_.data(); }

  std::atomic<long> n_alloc{0};       // rta
  std::atomic<long> n_alloc_fail{0};  // rtaf
  std::atomic<long> n_free{0};        // rtf
  std::array<std::atomic<long>, kPipeLen + 1> wcount{};
  bool FreelistEmpty();  // tfle

 private:
  std::array<TortureElem, kPoolSize> elems_;
  const TortureOps* ops_ = nullptr;
  Mutex lock_;
  TortureElem* freelist_ ABSL_GUARDED_BY(lock_) = nullptr;
  // Writer-owned: removed, not yet through kPipeLen - 1 grace periods.
  TortureElem* removed_ = nullptr;
};

}  // namespace torture

#endif  // TORTURE_RUNTIME_POOL_H_

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu_reader.h: what SrcuDomain's inline read side (srcu.h) touches: the
// calling thread's counter block and the head of a domain's state.
//
// Each thread that uses SRCU owns one SrcuBlock (internal/srcu_block.h has
// the registry): a row of counter slots, one per SRCU domain that holds a
// slot, each with lock and unlock counts for both reader indexes. Only the
// owning thread writes its block, so an increment needs no locked
// instruction: on x86-64 it is one `incq` on memory, which a signal handler
// on the same thread cannot split (signals arrive between instructions);
// elsewhere, and under TSan, an atomic fetch_add. Other threads (the
// grace-period side) only load the counts.
//
// The layouts here are part of librcu.so's ABI, as reader.h's are.
#ifndef RCU_INTERNAL_SRCU_READER_H_
#define RCU_INTERNAL_SRCU_READER_H_

#include <atomic>
#include <cstdint>

namespace rcu::internal {

// Domains with per-thread counters at once; later ones use per-vCPU
// counters. 32 slots make a block 1 KiB.
inline constexpr int kSrcuFastSlots = 32;

struct SrcuSlotCounters {
  // Owner-written (SrcuCounterInc()); loaded by others (SrcuCounterLoad()).
  uint64_t locks[2];
  uint64_t unlocks[2];
};

struct alignas(64) SrcuBlock {
  SrcuSlotCounters slot[kSrcuFastSlots];
  // True while a live thread owns the block. Claimed by CAS (acquire),
  // given back by a release store: the last owner's counts happen before
  // the next owner's increments.
  std::atomic<bool> in_use{false};
  // Position in the registry (0, 1, ...): constant. TortureStats() shows
  // block i's counts under vCPU i % nr_cpu_ids.
  int index = 0;
  // A number drawn at each claim (0, 1, 2, ... over the process): threads
  // not registered with the default rcu instance queue their SRCU
  // callbacks on vCPU arrival % nr_cpu_ids, round-robin.
  int arrival = 0;
};

// The first bytes of a domain's state (srcu.cc's SrcuState derives from
// it): the two fields every reader loads, on one line.
struct alignas(64) SrcuReaderView {
  // The reader index is srcu_idx & 1; only the grace-period thread stores.
  std::atomic<uint64_t> srcu_idx{0};
  // The slot of the domain's counters in every thread's block when its
  // readers count there without fences (membarrier mode), else -1: the
  // one test the inline read side makes (srcu.cc, "Readers").
  int nofence_slot = -1;
};

// The owner's increment (see the file comment). `order` is the order of
// the atomic fallback; the x86-64 instruction is as strong as a relaxed
// RMW, which is all the membarrier()-paired readers need.
inline void SrcuCounterInc(uint64_t& c, std::memory_order order) {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  (void)order;
  // No "memory" clobber: the callers' fences (srcu.cc, B and C) order the
  // critical section around it.
  asm volatile("incq %0" : "+m"(c));
#else
  std::atomic_ref<uint64_t>(c).fetch_add(1, order);
#endif
}
// A locked increment, for readers that need it to be a full fence
// (ReaderMode::kFences: srcu.cc's MbAroundAtomic()).
inline void SrcuCounterIncLocked(uint64_t& c, std::memory_order order) {
  std::atomic_ref<uint64_t>(c).fetch_add(1, order);
}
inline uint64_t SrcuCounterLoad(const uint64_t& c, std::memory_order order) {
  return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(c)).load(order);
}

}  // namespace rcu::internal

#endif  // RCU_INTERNAL_SRCU_READER_H_

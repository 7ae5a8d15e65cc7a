// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu_block.h: the registry of per-thread SRCU reader counters
// (srcu_reader.h has the blocks themselves; srcu.h, "Readers").
//
// Blocks live in a process-wide registry that only grows (chunks of
// kSrcuBlocksPerChunk blocks from mmap(2), never unmapped). A thread claims
// a free block at its first SRCU reader (ClaimSrcuBlock()) and gives it
// back when it exits (a pthread key's destructor); the next thread to claim
// it continues its counts. Counts are never reset and never move between
// blocks, so the sums over all blocks that a grace period compares (srcu.cc,
// "drain check") stay exact while threads come and go, and a reader may
// still end on another thread than the one that began it.
//
// Slots are numbered 0..kSrcuFastSlots-1 and handed to domains when their
// state is built (AllocSrcuSlot()); a domain built when every slot is taken
// counts its readers on its per-vCPU counters instead (locked increments).
// A slot is freed with its domain's state, which happens only with no
// reader inside (Cleanup()), so the counts it leaves behind sum to zero
// readers for the next domain that takes it.
//
// Claiming is async-signal-safe: a walk of the registry with one CAS per
// free block, mmap(2) when none is free, and glibc's pthread_setspecific()
// for a key below PTHREAD_KEY_2NDLEVEL_SIZE (a store into the thread
// descriptor). So a signal handler may run the first SRCU reader of its
// thread.
//
// Invariant: a block is claimed by at most one live thread, and is the
// block its owner's tls_readers.srcu_block points to; checked by
// ClaimSrcuBlock() in debug builds.
#ifndef RCU_INTERNAL_SRCU_BLOCK_H_
#define RCU_INTERNAL_SRCU_BLOCK_H_

#include <atomic>
#include <cstdint>

#include "rcu/internal/reader.h"
#include "rcu/internal/srcu_reader.h"

namespace rcu::internal {

inline constexpr int kSrcuBlocksPerChunk = 15;

// The calling thread's block, claimed now if it has none.
SrcuBlock* ClaimSrcuBlock();
inline SrcuBlock* MySrcuBlock() {
  SrcuBlock* b = tls_readers.srcu_block;
  if (b == nullptr) [[unlikely]]
    b = ClaimSrcuBlock();
  return b;
}

// A free slot, or -1 when all kSrcuFastSlots are taken.
int AllocSrcuSlot();
void FreeSrcuSlot(int slot);

// Calls f(const SrcuBlock&) for every block in the registry, in no
// particular order: those claimed, free and never used alike (a free
// block's counts still count).
template <typename F>
void ForEachSrcuBlock(F&& f);

// fork() child: every block but the caller's is given back (their threads
// are gone), and in every block and slot the lock counts are set to the
// unlock counts, so no parent thread's reader is left inside (as srcu.cc's
// SrcuForkChild() resets the per-vCPU counters). The thread that called
// fork() must not be inside an SRCU reader, as there.
void SrcuBlocksForkChild();

// ---- Implementation details. ----

struct SrcuBlockChunk {
  SrcuBlock blocks[kSrcuBlocksPerChunk];
  SrcuBlockChunk* next = nullptr;  // constant once the chunk is published
};
// The registry's newest chunk; chunks are pushed, never removed.
extern std::atomic<SrcuBlockChunk*> g_srcu_chunks;

template <typename F>
void ForEachSrcuBlock(F&& f) {
  // Acquire: pairs with the release that published each chunk, so its
  // blocks' constant fields are seen.
  for (SrcuBlockChunk* c = g_srcu_chunks.load(std::memory_order_acquire);
       c != nullptr; c = c->next)
    for (const SrcuBlock& b : c->blocks) f(b);
}

}  // namespace rcu::internal

#endif  // RCU_INTERNAL_SRCU_BLOCK_H_

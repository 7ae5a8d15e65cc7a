// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu_block.cc: the registry of per-thread SRCU reader counters (see
// internal/srcu_block.h).
#include "rcu/internal/srcu_block.h"

#include <pthread.h>
#include <sys/mman.h>

#include <memory>
#include <mutex>
#include <new>

#include "rcu/check.h"

namespace rcu::internal {

std::atomic<SrcuBlockChunk*> g_srcu_chunks{nullptr};

namespace {

std::atomic<int> g_next_arrival{0};

// Gives the exiting thread's block back. Runs after the thread's C++
// thread_local destructors (which may still read); a pthread key
// destructor that reads after this one claims a block again, and glibc
// then calls this again (PTHREAD_DESTRUCTOR_ITERATIONS).
void ReleaseMine(void*) {
  SrcuBlock* b = tls_readers.srcu_block;
  if (b == nullptr) return;
  tls_readers.srcu_block = nullptr;
  // Release: this thread's increments happen before those of the block's
  // next owner, whose claim CAS is an acquire.
  b->in_use.store(false, std::memory_order_release);
}

// Created at load time, so that the first claim (maybe in a signal
// handler) does not create it.
const pthread_key_t g_exit_key = [] {
  pthread_key_t k;
  RCU_CHECK(pthread_key_create(&k, ReleaseMine) == 0,
            "srcu: pthread_key_create failed");
  return k;
}();

bool TryClaim(SrcuBlock& b) {
  if (b.in_use.load(std::memory_order_relaxed)) return false;
  bool expected = false;
  // Acquire: pairs with ReleaseMine()'s release store.
  return b.in_use.compare_exchange_strong(
      expected, true, std::memory_order_acquire, std::memory_order_relaxed);
}

SrcuBlock* ClaimFromRegistry() {
  for (SrcuBlockChunk* c = g_srcu_chunks.load(std::memory_order_acquire);
       c != nullptr; c = c->next)
    for (SrcuBlock& b : c->blocks)
      if (TryClaim(b)) return &b;
  return nullptr;
}

// A new chunk whose first block is claimed for the caller; the others are
// free once it is published.
SrcuBlock* ClaimFromNewChunk() {
  void* mem = mmap(nullptr, sizeof(SrcuBlockChunk), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  RCU_CHECK(mem != MAP_FAILED, "srcu: cannot map reader counters");
  auto* c = new (mem) SrcuBlockChunk;
  c->blocks[0].in_use.store(true, std::memory_order_relaxed);
  SrcuBlockChunk* head = g_srcu_chunks.load(std::memory_order_acquire);
  for (;;) {
    c->next = head;
    const int b =
        head == nullptr ? 0 : head->blocks[0].index + kSrcuBlocksPerChunk;
    for (int i = 0; i < kSrcuBlocksPerChunk; ++i) c->blocks[i].index = b + i;
    // Release: publishes the chunk's initialized blocks (pairs with the
    // acquire loads of the registry's walkers).
    if (g_srcu_chunks.compare_exchange_weak(head, c, std::memory_order_release,
                                            std::memory_order_acquire))
      return &c->blocks[0];
  }
}

// Slots handed to domains (srcu.cc builds and frees states under its own
// lock; this one keeps the table consistent on its own).
std::mutex g_slots_mu;
bool g_slot_used[kSrcuFastSlots] = {};

}  // namespace

SrcuBlock* ClaimSrcuBlock() {
  SrcuBlock* b = ClaimFromRegistry();
  if (b == nullptr) b = ClaimFromNewChunk();
  b->arrival =
      g_next_arrival.fetch_add(1, std::memory_order_relaxed) & 0x3fffffff;
  // A signal handler that interrupted this claim has finished its own: it
  // left a block in tls_readers.srcu_block, which this thread now keeps;
  // the one claimed here goes back (its counts are untouched).
  if (SrcuBlock* mine = tls_readers.srcu_block; mine != nullptr) {
    b->in_use.store(false, std::memory_order_release);
    return mine;
  }
  tls_readers.srcu_block = b;
  pthread_setspecific(g_exit_key, b);
  RCU_DCHECK(b->in_use.load(std::memory_order_relaxed),
             "srcu: a claimed reader block is not in use");
  return b;
}

int AllocSrcuSlot() {
  std::lock_guard<std::mutex> l(g_slots_mu);
  for (int s = 0; s < kSrcuFastSlots; ++s) {
    if (!g_slot_used[s]) {
      g_slot_used[s] = true;
      return s;
    }
  }
  return -1;
}

void FreeSrcuSlot(int slot) {
  if (slot < 0) return;
  std::lock_guard<std::mutex> l(g_slots_mu);
  RCU_DCHECK(g_slot_used[slot], "srcu: freeing a free counter slot");
  g_slot_used[slot] = false;
}

void SrcuBlocksForkChild() {
  // A parent thread may have held it at fork(); the child is single-threaded
  // here, and the table's bools are consistent between two stores.
  std::construct_at(&g_slots_mu);
  SrcuBlock* mine = tls_readers.srcu_block;
  for (SrcuBlockChunk* c = g_srcu_chunks.load(std::memory_order_relaxed);
       c != nullptr; c = c->next) {
    for (SrcuBlock& b : c->blocks) {
      if (&b != mine) b.in_use.store(false, std::memory_order_relaxed);
      for (SrcuSlotCounters& s : b.slot)
        for (int i = 0; i < 2; ++i) s.locks[i] = s.unlocks[i];
    }
  }
}

}  // namespace rcu::internal

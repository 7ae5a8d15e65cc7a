// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// urcu_memb_side.cc: the liburcu 0.13 urcu-memb half of rcu_bench, compiled
// as C++ with _LGPL_SOURCE (read side inlined). liburcu's macros stay in
// this file; rcu_bench.cc sees only urcu_side.h.
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <atomic>
#include <cstring>
#include <memory>

#include "rcu/bench/urcu_side.h"

namespace {

std::atomic<long> g_invoked{0};
std::unique_ptr<rcu_head[]> g_heads;
long g_nheads = 0;

void CountCallback(rcu_head* /*head*/) {
  g_invoked.fetch_add(1, std::memory_order_relaxed);
}

inline void EmptyPair() {
  urcu_memb_read_lock();
  asm volatile("" ::: "memory");
  urcu_memb_read_unlock();
}

}  // namespace

void UrcuMembRegister() { urcu_memb_register_thread(); }
void UrcuMembUnregister() { urcu_memb_unregister_thread(); }

void UrcuMembReadPairs(long n) {
  for (long i = 0; i < n; ++i) EmptyPair();
}

__attribute__((noinline)) void UrcuMembReadPairOnce() { EmptyPair(); }

long UrcuMembBusyReader(const std::atomic<bool>& stop) {
  long pairs = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 1000; ++i) EmptyPair();
    pairs += 1000;
  }
  return pairs;
}

void UrcuMembSynchronize() { urcu_memb_synchronize_rcu(); }
void UrcuMembReadLock() { urcu_memb_read_lock(); }
void UrcuMembReadUnlock() { urcu_memb_read_unlock(); }

void UrcuMembCallPrepare(long n) {
  if (n <= g_nheads) return;
  g_heads.reset(new rcu_head[n]);
  std::memset(static_cast<void*>(g_heads.get()), 0, n * sizeof(rcu_head));
  g_nheads = n;
}

void UrcuMembCallRange(long first, long n) {
  rcu_head* h = g_heads.get() + first;
  for (long i = 0; i < n; ++i) urcu_memb_call_rcu(&h[i], CountCallback);
}

void UrcuMembCallBatch(long n) { UrcuMembCallRange(0, n); }

long UrcuMembInvoked() { return g_invoked.load(std::memory_order_relaxed); }
void UrcuMembBarrier() { urcu_memb_barrier(); }
size_t UrcuMembReaderSize() { return sizeof(struct urcu_reader); }
size_t UrcuMembHeadSize() { return sizeof(struct rcu_head); }

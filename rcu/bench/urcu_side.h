// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// urcu_side.h: plain functions around liburcu 0.13's urcu-memb flavour, for
// rcu_bench.cc. liburcu's headers are included only in urcu_memb_side.cc
// (C++) and urcu_memb_c.c (C), with _LGPL_SOURCE so that its read side is
// inlined there, exactly as in liburcu's own fast path; its macros
// (rcu_read_lock, call_rcu, ...) never reach C++ code that uses rcu::.
#ifndef RCU_BENCH_URCU_SIDE_H_
#define RCU_BENCH_URCU_SIDE_H_

#include <stddef.h>

#ifdef __cplusplus
#include <atomic>

// ---- urcu_memb_side.cc (compiled as C++). ----
void UrcuMembRegister();
void UrcuMembUnregister();
// `n` empty read-side critical sections (lock, compiler barrier, unlock),
// urcu_memb_read_lock()/unlock() inlined.
void UrcuMembReadPairs(long n);
// One empty pair; noinline, for callgrind's --toggle-collect.
void UrcuMembReadPairOnce();
// Registers, loops blocks of 1000 empty pairs until `stop`, unregisters.
// Returns the number of pairs.
long UrcuMembBusyReader(const std::atomic<bool>& stop);
void UrcuMembSynchronize();
// Outermost read-side lock and unlock (out of line).
void UrcuMembReadLock();
void UrcuMembReadUnlock();
// Preallocates and prefaults `n` rcu_heads (reused across calls).
void UrcuMembCallPrepare(long n);
// urcu_memb_call_rcu() on the first `n` prepared heads; the callback only
// counts.
void UrcuMembCallBatch(long n);
// The same on prepared heads first..first+n-1.
void UrcuMembCallRange(long first, long n);
long UrcuMembInvoked();
void UrcuMembBarrier();
size_t UrcuMembReaderSize();  // sizeof(struct urcu_reader), TLS per thread
size_t UrcuMembHeadSize();    // sizeof(struct rcu_head)

extern "C" {
#endif

// ---- urcu_memb_c.c (compiled as C): the read side without g++'s TLS init
// wrapper. The thread must be registered (UrcuMembRegister()). ----
void UrcuMembReadPairsC(long n);
void UrcuMembReadPairOnceC(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // RCU_BENCH_URCU_SIDE_H_

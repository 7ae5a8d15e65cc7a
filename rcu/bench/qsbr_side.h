// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// qsbr_side.h: plain functions around liburcu 0.13's urcu-qsbr flavour
// (urcu_qsbr_c.c, compiled as C with its fast paths inlined), for
// qsbr_bench.cc. liburcu's macros never reach C++ code that uses rcu::.
#ifndef RCU_BENCH_QSBR_SIDE_H_
#define RCU_BENCH_QSBR_SIDE_H_

#ifdef __cplusplus
extern "C" {
#endif

void UrcuQsbrRegister(void);  // registers and goes online
void UrcuQsbrUnregister(void);
void UrcuQsbrOffline(void);
void UrcuQsbrOnline(void);
void UrcuQsbrSynchronize(void);
// `n` empty read-side critical sections, urcu_qsbr_read_lock()/unlock()
// inlined (nothing without DEBUG_RCU).
void UrcuQsbrReadPairs(long n);
void UrcuQsbrReadPairOnce(void);  // noinline, for callgrind
// `n` urcu_qsbr_quiescent_state() calls, inlined.
void UrcuQsbrQuiescentStates(long n);
void UrcuQsbrQuiescentStateOnce(void);  // noinline, for callgrind

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // RCU_BENCH_QSBR_SIDE_H_

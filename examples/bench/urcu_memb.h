// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// urcu_memb.h: liburcu's urcu-memb read side behind plain C functions, for
// read_pair_bench.cc. liburcu's headers are C: they are included only in
// urcu_memb.c, compiled as C with _LGPL_SOURCE so that the read side is
// inlined there as in any C program using liburcu, and their macros never
// meet the C++ code.
#ifndef EXAMPLES_BENCH_URCU_MEMB_H_
#define EXAMPLES_BENCH_URCU_MEMB_H_

#ifdef __cplusplus
extern "C" {
#endif

void UrcuMembRegister(void);
void UrcuMembUnregister(void);
// `n` empty read-side critical sections: urcu_memb_read_lock(), a compiler
// barrier, urcu_memb_read_unlock(). The thread must be registered.
void UrcuMembReadPairs(long n);
// One empty pair, never inlined: the function callgrind counts.
void UrcuMembReadPairOnce(void);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // EXAMPLES_BENCH_URCU_MEMB_H_

// SPDX-License-Identifier: Apache-2.0
/* Copyright 2026 The rcutorture project authors.
 *
 * urcu_qsbr_c.c: liburcu 0.13's urcu-qsbr flavour, its read side and
 * quiescent state inlined (_LGPL_SOURCE) and compiled as C, for
 * qsbr_bench.cc. */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include "rcu/bench/qsbr_side.h"

void UrcuQsbrRegister(void) { urcu_qsbr_register_thread(); }
void UrcuQsbrUnregister(void) { urcu_qsbr_unregister_thread(); }
void UrcuQsbrOffline(void) { urcu_qsbr_thread_offline(); }
void UrcuQsbrOnline(void) { urcu_qsbr_thread_online(); }
void UrcuQsbrSynchronize(void) { urcu_qsbr_synchronize_rcu(); }

void UrcuQsbrReadPairs(long n) {
  for (long i = 0; i < n; ++i) {
    urcu_qsbr_read_lock();
    __asm__ __volatile__("" ::: "memory");
    urcu_qsbr_read_unlock();
  }
}

__attribute__((noinline)) void UrcuQsbrReadPairOnce(void) {
  urcu_qsbr_read_lock();
  __asm__ __volatile__("" ::: "memory");
  urcu_qsbr_read_unlock();
}

void UrcuQsbrQuiescentStates(long n) {
  for (long i = 0; i < n; ++i) {
    urcu_qsbr_quiescent_state();
    __asm__ __volatile__("" ::: "memory");
  }
}

__attribute__((noinline)) void UrcuQsbrQuiescentStateOnce(void) {
  urcu_qsbr_quiescent_state();
}

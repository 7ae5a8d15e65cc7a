// SPDX-License-Identifier: Apache-2.0
/* Copyright 2026 The rcutorture project authors.
 *
 * urcu_memb_c.c: liburcu urcu-memb's inlined read side compiled as C, so
 * that its TLS is plain __thread (as C++ it is thread_local and g++ routes
 * every access through an init wrapper). See urcu_side.h. */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include "rcu/bench/urcu_side.h"

void UrcuMembReadPairsC(long n) {
  for (long i = 0; i < n; ++i) {
    urcu_memb_read_lock();
    __asm__ __volatile__("" ::: "memory");
    urcu_memb_read_unlock();
  }
}

__attribute__((noinline)) void UrcuMembReadPairOnceC(void) {
  urcu_memb_read_lock();
  __asm__ __volatile__("" ::: "memory");
  urcu_memb_read_unlock();
}

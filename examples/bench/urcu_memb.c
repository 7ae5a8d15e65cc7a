// SPDX-License-Identifier: Apache-2.0
/* Copyright 2026 The rcutorture project authors.
 *
 * urcu_memb.c: liburcu's urcu-memb read side, inlined (_LGPL_SOURCE) in a C
 * translation unit; see urcu_memb.h. */
#define _LGPL_SOURCE
#include "urcu_memb.h"

#include <urcu/urcu-memb.h>

void UrcuMembRegister(void) { urcu_memb_register_thread(); }

void UrcuMembUnregister(void) { urcu_memb_unregister_thread(); }

__attribute__((noinline)) void UrcuMembReadPairs(long n) {
  for (long i = 0; i < n; ++i) {
    urcu_memb_read_lock();
    __asm__ __volatile__("" ::: "memory");
    urcu_memb_read_unlock();
  }
}

__attribute__((noinline)) void UrcuMembReadPairOnce(void) {
  urcu_memb_read_lock();
  __asm__ __volatile__("" ::: "memory");
  urcu_memb_read_unlock();
}

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// debug.h: kernel-style WARN checks for the library.
//
// RCU_WARN_ON(cond) is the kernel's WARN_ON_ONCE turned into an assertion:
// in builds with RCU_DEBUG_CHECKS (the debug and asan presets) a true
// condition prints "WARNING: file:line: cond" plus a message and aborts; in
// other builds the condition is not evaluated and no code is emitted.
// RCU_CHECK(cond, msg) is always on: it guards API misuse whose only other
// outcome is memory corruption (for example destroying an instance that
// threads are still registered with).
#ifndef RCU_INTERNAL_DEBUG_H_
#define RCU_INTERNAL_DEBUG_H_

#include "rcu/export.h"

namespace rcu::internal {

[[noreturn]] RCU_EXPORT void WarnFailed(const char* file, int line, const char* cond,
                             const char* msg);

}  // namespace rcu::internal

#define RCU_CHECK(cond, msg)                                         \
  do {                                                               \
    if (__builtin_expect(!(cond), 0))                                \
      ::rcu::internal::WarnFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

#if defined(RCU_DEBUG_CHECKS) && RCU_DEBUG_CHECKS
#define RCU_DEBUG_CHECKS_ENABLED 1
#define RCU_WARN_ON(cond)                                                 \
  do {                                                                    \
    if (__builtin_expect(!!(cond), 0))                                    \
      ::rcu::internal::WarnFailed(__FILE__, __LINE__, #cond, "WARN_ON");  \
  } while (0)
#define RCU_DCHECK(cond, msg) RCU_CHECK(cond, msg)
#else
#define RCU_DEBUG_CHECKS_ENABLED 0
#define RCU_WARN_ON(cond) \
  do {                    \
  } while (0)
#define RCU_DCHECK(cond, msg) \
  do {                        \
  } while (0)
#endif

#endif  // RCU_INTERNAL_DEBUG_H_

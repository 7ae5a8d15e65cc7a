// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// check.h: kernel-style checks, used by librcu and available to its users.
//
//   RCU_CHECK(head != nullptr, "Enqueue() of a null head");  // always on
//   RCU_DCHECK(idx == 0 || idx == 1, "bad reader index");   // debug builds
//   RCU_WARN_ON(n_queued < 0);                               // debug builds
//
// RCU_CHECK(cond, msg) is always on: when `cond` is false it prints
// "WARNING: <file>:<line>: <msg>: <cond>" on stderr and aborts. librcu uses
// it to guard API misuse whose only other outcome is memory corruption (for
// example destroying an instance that threads are still registered with).
//
// RCU_DCHECK(cond, msg) is RCU_CHECK in builds with RCU_DEBUG_CHECKS (the
// debug and asan presets); in other builds `cond` is not evaluated and no
// code is emitted. RCU_WARN_ON(cond) is the kernel's WARN_ON_ONCE turned
// into an assertion: with RCU_DEBUG_CHECKS a true `cond` prints
// "WARNING: <file>:<line>: WARN_ON: <cond>" and aborts; otherwise nothing.
// RCU_DEBUG_CHECKS_ENABLED is 1 or 0 accordingly, for run-time tests such as
// `if (RCU_DEBUG_CHECKS_ENABLED) list.CheckInvariants();`.
//
// RCU_DEBUG_CHECKS is read where the macros are expanded: a program's own
// RCU_DCHECK()s follow the flags the program is compiled with, whatever
// librcu was built with. A failed check calls rcu::CheckFailed(), which
// librcu exports: a program that expands a check that is not compiled out
// links librcu.
//
// Cost: a passing RCU_CHECK evaluates `cond` and takes one branch predicted
// not taken; the failure path is a call to a [[noreturn]] function.
#ifndef RCU_CHECK_H_
#define RCU_CHECK_H_

#include "rcu/export.h"

namespace rcu {

// Prints "WARNING: <file>:<line>: <msg>: <cond>" on stderr, flushes it and
// aborts. Called by the macros below; callable directly for a check they
// cannot express.
[[noreturn]] RCU_EXPORT void CheckFailed(const char* file, int line,
                                         const char* cond, const char* msg);

}  // namespace rcu

#define RCU_CHECK(cond, msg)                                \
  do {                                                      \
    if (__builtin_expect(!(cond), 0))                       \
      ::rcu::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

#if defined(RCU_DEBUG_CHECKS) && RCU_DEBUG_CHECKS
#define RCU_DEBUG_CHECKS_ENABLED 1
#define RCU_WARN_ON(cond)                                       \
  do {                                                          \
    if (__builtin_expect(!!(cond), 0))                          \
      ::rcu::CheckFailed(__FILE__, __LINE__, #cond, "WARN_ON"); \
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

#endif  // RCU_CHECK_H_

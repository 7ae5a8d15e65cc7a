// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// mutex.h: the harness's lock and condition variable are the library's:
// std::mutex behind an ABSL_LOCKABLE wrapper (rcu/internal/mutex.h),
// because Debian's Abseil is not TSan-instrumented and the harness is
// checked under TSan.
#ifndef TORTURE_RUNTIME_MUTEX_H_
#define TORTURE_RUNTIME_MUTEX_H_

#include "rcu/internal/mutex.h"

namespace torture {

using Mutex = rcu::internal::Mutex;
using MutexLock = rcu::internal::MutexLock;
using CondVar = rcu::internal::CondVar;

}  // namespace torture

#endif  // TORTURE_RUNTIME_MUTEX_H_

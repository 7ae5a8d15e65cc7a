// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// mutex.h: the harness's lock and condition variable are librcu's plain
// ones (rcu/plain_mutex.h): std::mutex behind an ABSL_LOCKABLE wrapper,
// because Debian's Abseil is not TSan-instrumented and the harness is
// checked under TSan. Header-only, so the harness builds without the rcu
// library too.
#ifndef TORTURE_RUNTIME_MUTEX_H_
#define TORTURE_RUNTIME_MUTEX_H_

#include "rcu/plain_mutex.h"

namespace torture {

using Mutex = rcu::PlainMutex;
using MutexLock = rcu::PlainMutexLock;
using CondVar = rcu::PlainCondVar;

}  // namespace torture

#endif  // TORTURE_RUNTIME_MUTEX_H_

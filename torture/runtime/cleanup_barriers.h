// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// cleanup_barriers.h: waiting for every callback of the run at cleanup.
//
// After stopping the torture threads the cleanup must wait for every
// callback the run posted, on every flavour and every SRCU domain its
// callbacks can reach: ops->cb_barrier, plus each barrier registered here
// (by a flavour's init(), or any other user of a second flavour or domain).
// This is the rule of "RCU and unloadable modules" (LWN, 2007): whoever
// posted callbacks through a domain waits for that domain's barrier before
// freeing what the callbacks touch.
#ifndef TORTURE_RUNTIME_CLEANUP_BARRIERS_H_
#define TORTURE_RUNTIME_CLEANUP_BARRIERS_H_

#include <functional>
#include <string>

#include "torture/runtime/ops.h"

namespace torture {

void RegisterCleanupBarrier(std::string name, std::function<void()> fn);
// Prints "rcu_torture_cleanup: Invoking <name>()." for each (the flavour's
// cb_barrier first), then runs them: inline when there is one, on one
// thread each when there are several (the kernel runs them concurrently
// from workqueues), and returns when all have returned. Forgets the
// registrations.
void RunCleanupBarriers(const TortureOps& ops);

}  // namespace torture

#endif  // TORTURE_RUNTIME_CLEANUP_BARRIERS_H_

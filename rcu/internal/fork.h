// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// fork.h: the pieces of librcu that fork.cc's pthread_atfork() handlers
// reach into (see fork.cc for the protocol). Internal.
#ifndef RCU_INTERNAL_FORK_H_
#define RCU_INTERNAL_FORK_H_

#include <mutex>
#include <vector>

#include "rcu/plain_mutex.h"

namespace rcu {
class Rcu;
namespace internal {

// Installs the handlers once per process; called when an instance or an
// SRCU domain is built.
void InstallForkHandlers();

// default.cc: guards building the default instance.
std::mutex& DefaultInstanceMutex();
// tree.cc: guards the instance slots; InstanceInSlot() needs it held.
std::mutex& InstancesMutex();
Rcu* InstanceInSlot(int slot);

// srcu.cc: the same three steps for the SRCU domains and their
// grace-period thread. The registry lock keeps domains from coming and
// going from prepare to parent/child.
void SrcuForkRegistryLock();
void SrcuForkRegistryUnlock();
void SrcuForkOuterLocks(std::vector<PlainMutex*>* v);
void SrcuForkRequestPark();
void SrcuForkWaitParked();
void SrcuForkInnerLocks(std::vector<PlainMutex*>* v);
void SrcuForkUnpark();
void SrcuForkChild();
// Starts the worker in a fork() child on first use; cheap otherwise.
void SrcuMaybeRestartAfterFork();

}  // namespace internal
}  // namespace rcu

#endif  // RCU_INTERNAL_FORK_H_

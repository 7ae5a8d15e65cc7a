// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// membarrier.h: the asymmetric fence behind ReaderMode::kMembarrier.
//
// HeavyFence() makes every running thread of the process execute a full
// memory barrier before it returns (membarrier(2),
// MEMBARRIER_CMD_PRIVATE_EXPEDITED). Readers then need only compiler fences.
#ifndef RCU_INTERNAL_MEMBARRIER_H_
#define RCU_INTERNAL_MEMBARRIER_H_

namespace rcu::internal {

// Registers the process for MEMBARRIER_CMD_PRIVATE_EXPEDITED (once; later
// calls return the first result). False when the kernel lacks it or a
// seccomp policy denies it; always false under TSan, which cannot model
// membarrier.
bool MembarrierAvailable();
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). Requires
// MembarrierAvailable(); aborts if the system call fails.
void MembarrierPrivateExpedited();

}  // namespace rcu::internal

#endif  // RCU_INTERNAL_MEMBARRIER_H_

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// lockdep.h: the harness's checked accessors for its RCU-protected pointer
// (`current`) and the lockdep-RCU bookkeeping of a run.
//
// Readers load `current` with ReaderDereference(), which checks that the
// calling thread is inside a read-side critical section of the flavour
// under test (ops->read_lock_held; flavours that cannot tell, liburcu's,
// always pass). The writer publishes under UpdateLock on its
// UpdateMutex and reads the old pointer with UpdateDereference(p,
// mu.IsHeld()); code that only compares or prints the pointer uses
// AccessPointer(). With lockdep-RCU enabled (--lockdep, debug builds,
// RCU_LOCKDEP=1, or the busted-lockdep flavour) a misuse prints the
// library's "WARNING: suspicious RCU usage" splat, raw on the console so
// that log scanners see the kernel's shape, and every splat of the run is
// an error: cleanup prints "!!! lockdep-RCU: N suspicious RCU usage
// splat(s)" and the verdict is FAILURE.
//
// Without the rcu library (TORTURE_RCU_FLAVOUR=OFF) there is no lockdep:
// the accessors are plain loads and stores.
#ifndef TORTURE_RUNTIME_LOCKDEP_H_
#define TORTURE_RUNTIME_LOCKDEP_H_

#include <atomic>
#include <source_location>

#include "torture/runtime/mutex.h"
#include "torture/runtime/params.h"

#if defined(TORTURE_HAVE_RCU)
#include "rcu/lockdep.h"
#include "rcu/mutex.h"
#include "rcu/rcu.h"
#endif

namespace torture {

struct TortureOps;

// ops->read_lock_held(), or true when the flavour cannot tell.
bool FlavourReadLockHeld();

#if defined(TORTURE_HAVE_RCU)
using UpdateMutex = rcu::Mutex;
using UpdateLock = rcu::MutexLock;

// rcu_dereference() against the flavour under test.
template <typename T>
T* ReaderDereference(
    const std::atomic<T*>& p,
    rcu::SourceLocation site = rcu::SourceLocation::current()) {
  if (rcu::lockdep::Enabled() && !FlavourReadLockHeld()) [[unlikely]]
    rcu::lockdep::ReportSuspiciousUse("suspicious Dereference() usage", site);
  return p.load(std::memory_order_acquire);
}
// rcu_dereference_protected(p, held).
template <typename T>
T* UpdateDereference(
    const std::atomic<T*>& p, bool held,
    rcu::SourceLocation site = rcu::SourceLocation::current()) {
  return rcu::DereferenceProtected(p, held, site);
}
using rcu::AccessPointer;
using rcu::AssignPointer;
#else
// A plain lock; IsHeld() cannot be checked without lockdep.
class ABSL_LOCKABLE UpdateMutex : public Mutex {
 public:
  explicit UpdateMutex(const char*) {}
  bool IsHeld() const { return true; }
};
using UpdateLock = MutexLock;
template <typename T>
T* ReaderDereference(const std::atomic<T*>& p) {
  return p.load(std::memory_order_acquire);
}
template <typename T>
T* UpdateDereference(const std::atomic<T*>& p, bool) {
  return p.load(std::memory_order_relaxed);
}
template <typename T>
T* AccessPointer(const std::atomic<T*>& p) {
  return p.load(std::memory_order_relaxed);
}
template <typename T>
void AssignPointer(std::atomic<T*>& p, T* v) {
  p.store(v, std::memory_order_release);  // rcu_assign_pointer()
}
#endif

// Before ops->init: turns lockdep-RCU on if --lockdep asked for it, sends
// splats to the console and notes the splat count.
void LockdepStart(const Params& p, const TortureOps* ops);
// Whether lockdep-RCU checks are on (false when compiled out).
bool LockdepEnabled();
// At cleanup, before the verdict: splats since LockdepStart(), each
// counted as an error (with one "!!!" line when there were any).
long LockdepReport();

}  // namespace torture

#endif  // TORTURE_RUNTIME_LOCKDEP_H_

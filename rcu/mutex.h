// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// mutex.h: rcu::Mutex, an exclusive lock that lockdep-RCU conditions can
// name, and its RAII holder rcu::MutexLock.
//
//   struct Queue {
//     rcu::Mutex queue_lock{"q->queue_lock"};
//     std::atomic<Ctx*> data;
//   };
//   rcu::MutexLock l(q.queue_lock);
//   Ctx* c = rcu::DereferenceProtected(q.data, q.queue_lock.IsHeld());
//
// IsHeld() is true only on the thread that holds the lock (an owner word
// written by the holder, so it works whether lockdep is on or off). When
// lockdep is enabled, Lock() also records the lock and its call site on
// the thread's held-locks list, so a splat can list it (lockdep.h).
//
// Built on absl::Mutex. Under TSan it is built on std::mutex instead:
// Debian's Abseil is not TSan-instrumented, so TSan could not see the
// happens-before edges an absl::Mutex creates. A lock that no lockdep-RCU
// condition names can be an rcu::PlainMutex (plain_mutex.h), cheaper.
//
// Cost (release, g++ 12, shared 2-core 2.1 GHz VM; medians of 3 from
// `rcu_bench --benchmark_filter=Mutex --benchmark_repetitions=3`,
// rcu/bench/mutex_bench.cc): uncontended Lock()+Unlock()
//   absl::Mutex alone            63 ns
//   rcu::Mutex, lockdep off      69-70 ns (two relaxed stores, a TLS address)
//   rcu::Mutex, lockdep on       123-133 ns (held-locks list push and pop)
//   IsHeld() by the holder       0.35-0.45 ns
#ifndef RCU_MUTEX_H_
#define RCU_MUTEX_H_

#include <atomic>
#include <source_location>

#include "absl/base/thread_annotations.h"
#include "rcu/lockdep.h"

#if defined(__SANITIZE_THREAD__)
#include <mutex>
#else
#include "absl/synchronization/mutex.h"
#endif

namespace rcu {

namespace internal {
// A per-thread token: the address of a thread-local byte.
inline const void* ThisThreadToken() {
  static thread_local char token;
  return &token;
}
}  // namespace internal

inline namespace RCU_LOCKDEP_NS {

// Invariant: owner_ is the holder's token while the lock is held and null
// otherwise; recorded_ is true iff the holder has an entry for this lock
// on its held-locks list.
class ABSL_LOCKABLE Mutex {
 public:
  // `name` (a string that outlives the lock) is how splats list it.
  explicit Mutex(const char* name = "rcu::Mutex") : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock(SourceLocation site = SourceLocation::current())
      ABSL_EXCLUSIVE_LOCK_FUNCTION() {
#if defined(__SANITIZE_THREAD__)
    mu_.lock();
#else
    mu_.Lock();
#endif
    Locked(site);
  }
  bool TryLock(SourceLocation site = SourceLocation::current())
      ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
#if defined(__SANITIZE_THREAD__)
    if (!mu_.try_lock()) return false;
#else
    if (!mu_.TryLock()) return false;
#endif
    Locked(site);
    return true;
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    if (recorded_) {
      recorded_ = false;
      lockdep::internal::ReleaseLocal(this);
    }
    // Relaxed: only this thread compares owner_ with its own token.
    owner_.store(nullptr, std::memory_order_relaxed);
#if defined(__SANITIZE_THREAD__)
    mu_.unlock();
#else
    mu_.Unlock();
#endif
  }
  // Lowercase forms for std::lock_guard / std::unique_lock.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryLock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { Unlock(); }

  // True iff the calling thread holds this lock (the kernel's
  // lockdep_is_held()). Only the holder ever reads its own token here.
  bool IsHeld() const {
    return owner_.load(std::memory_order_relaxed) ==
           internal::ThisThreadToken();
  }
  // Tells the thread-safety analysis the caller holds the lock.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}
  const char* name() const { return name_; }

 private:
  // Called right after mu_ is taken; the analysis cannot see through the
  // inner lock, hence no analysis here.
  void Locked(const SourceLocation& site) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    owner_.store(internal::ThisThreadToken(), std::memory_order_relaxed);
    if (lockdep::Enabled()) {
      lockdep::Acquire(this, name_, lockdep::Kind::kMutex, site);
      recorded_ = true;
    }
  }

#if defined(__SANITIZE_THREAD__)
  std::mutex mu_;
#else
  absl::Mutex mu_;
#endif
  const char* const name_;
  std::atomic<const void*> owner_{nullptr};
  bool recorded_ ABSL_GUARDED_BY(this) = false;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu, SourceLocation site = SourceLocation::current())
      ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_.Lock(site);
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace RCU_LOCKDEP_NS
}  // namespace rcu

#endif  // RCU_MUTEX_H_

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// mutex.h: the lock and condition variable the library uses internally.
//
// Debian's Abseil is built without TSan instrumentation, so TSan cannot see
// absl::Mutex. The library's own locks are therefore std::mutex /
// std::condition_variable (which TSan intercepts) behind a small wrapper
// marked ABSL_LOCKABLE, so that ABSL_GUARDED_BY documents the locking and,
// under clang's -Wthread-safety, checks it.
#ifndef RCU_INTERNAL_MUTEX_H_
#define RCU_INTERNAL_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace rcu::internal {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return mu_.try_lock();
  }
  std::mutex& native() { return mu_; }
  // Tells the thread-safety analysis the caller holds this lock (taken by a
  // function the analysis cannot follow). No run-time check.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_.lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable usable with Mutex. Wait* must be called with `mu`
// held; the predicate is always evaluated under `mu`, so a notifier that
// changes the predicate's inputs and then takes `mu` to notify can never be
// missed.
class CondVar {
 public:
  void NotifyAll() { cv_.notify_all(); }
  void NotifyOne() { cv_.notify_one(); }

  template <typename Pred>
  void Wait(Mutex& mu, Pred pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lk(mu.native(), std::adopt_lock);
    cv_.wait(lk, pred);
    lk.release();
  }
  // Returns pred() at return.
  template <typename Pred>
  bool WaitFor(Mutex& mu, std::chrono::nanoseconds d, Pred pred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lk(mu.native(), std::adopt_lock);
    bool r = cv_.wait_for(lk, d, pred);
    lk.release();
    return r;
  }

 private:
  std::condition_variable cv_;
};

}  // namespace rcu::internal

#endif  // RCU_INTERNAL_MUTEX_H_

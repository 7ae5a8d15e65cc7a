// Copyright 2026 The rcutorture project authors.
//
// mutex.h: the harness's lock, std::mutex behind an ABSL_LOCKABLE wrapper.
//
// Debian's Abseil is not TSan-instrumented, so the harness (which the TSan
// build checks) locks with std::mutex, which TSan intercepts; the wrapper
// lets ABSL_GUARDED_BY document the locking and, under clang's
// -Wthread-safety, check it.
#ifndef TORTURE_MUTEX_H_
#define TORTURE_MUTEX_H_

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace torture {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace torture

#endif  // TORTURE_MUTEX_H_

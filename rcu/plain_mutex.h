// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// plain_mutex.h: rcu::PlainMutex, a std::mutex with Clang thread-safety
// annotations, its RAII holder rcu::PlainMutexLock, and rcu::PlainCondVar.
//
//   rcu::PlainMutex mu;
//   rcu::PlainCondVar cv;
//   int pending ABSL_GUARDED_BY(mu) = 0;
//
//   { rcu::PlainMutexLock l(mu); ++pending; }
//   cv.NotifyAll();
//
//   rcu::PlainMutexLock l(mu);
//   cv.Wait(mu, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
//     return pending > 0;
//   });
//
// Why it exists. These are the locks librcu uses internally, and the ones
// rcutorture uses. Debian's Abseil is built without TSan instrumentation,
// so TSan cannot see the happens-before edges an absl::Mutex creates;
// std::mutex and std::condition_variable are intercepted by TSan. The
// ABSL_LOCKABLE wrapper lets ABSL_GUARDED_BY document which lock guards
// what and, under clang's -Wthread-safety, checks it.
//
// Against rcu::Mutex (mutex.h): a PlainMutex records nothing for
// lockdep-RCU. It has no IsHeld(), never appears on a splat's held-locks
// list, and so cannot be named in a DereferenceCheck() or
// DereferenceProtected() condition. Use rcu::Mutex for the update-side lock
// of RCU-protected pointers, this one for everything else. Header-only; its
// one librcu symbol is the thread's lock-section count (below).
//
// Lock sections. Every PlainMutex operation counts itself in the calling
// thread's internal::TlsLockSections(), raised before the lock is taken and
// lowered after it is released: non-zero while the thread holds (or is
// taking or releasing) any PlainMutex, also while it waits on a
// PlainCondVar. librcu's locks are all PlainMutexes, so a read-side unlock
// that runs in a signal handler learns from this count whether the
// interrupted code may hold a library lock or be changing the thread's
// reader state; if so it defers its lock-taking work (tree.h, "Signal
// handlers"). A PlainMutex held by the program itself only makes that
// deferral conservative.
//
// Cost: that of std::mutex (a pthread mutex) plus a thread-local increment
// and decrement. Uncontended Lock()+Unlock(), `rcu_bench
// --benchmark_filter=Mutex` (release, g++ 12, loaded 2-core VM, medians of
// 3; rcu/bench/mutex_bench.cc and README.md, "Lockdep"): 13-20 ns, against
// 43-65 ns for absl::Mutex and for rcu::Mutex with lockdep off in the same
// runs. sizeof(PlainMutex) is sizeof(std::mutex), 40 bytes on x86-64 glibc;
// a PlainCondVar is a std::condition_variable.
#ifndef RCU_PLAIN_MUTEX_H_
#define RCU_PLAIN_MUTEX_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "rcu/internal/reader.h"

namespace rcu {

class PlainCondVar;

namespace internal {
// The calling thread's PlainMutex operations in progress (file comment,
// "Lock sections"), in librcu's TLS line (reader.h). Touched only by its
// own thread and by signal handlers running on it, which leave it as they
// found it; so a plain int, kept in memory around the lock calls by
// compiler fences. Initial-exec and constant-initialized: one %fs-relative
// access, no TLS wrapper.
inline int& TlsLockSections() { return tls_readers.lock_sections; }

// A pause for spin-wait loops (x86 `pause`; elsewhere a compiler fence).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}
}  // namespace internal

// A non-recursive exclusive lock. Constant-initialized at namespace scope
// (std::mutex's constructor is constexpr).
class ABSL_LOCKABLE PlainMutex {
 public:
  constexpr PlainMutex() = default;
  PlainMutex(const PlainMutex&) = delete;
  PlainMutex& operator=(const PlainMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    ++internal::TlsLockSections();
    // Compiler-only: a signal handler on this thread sees the count raised
    // before the lock call can hold anything.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (Held()) [[unlikely]]
      SpinWhileHeld();
    mu_.lock();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    mu_.unlock();
    // Compiler-only: the count drops only once the lock is released.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    --internal::TlsLockSections();
  }
  // True if the lock was free and is now held by the caller.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    ++internal::TlsLockSections();
    std::atomic_signal_fence(std::memory_order_seq_cst);  // as in Lock()
    if (mu_.try_lock()) return true;
    std::atomic_signal_fence(std::memory_order_seq_cst);  // as in Unlock()
    --internal::TlsLockSections();
    return false;
  }
  // Tells the thread-safety analysis the caller holds this lock (taken by a
  // function the analysis cannot follow). No run-time check.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class PlainCondVar;
  // The library's critical sections are short: a thread that finds the
  // lock held spins a little (up to kLockSpins pauses, a few microseconds,
  // reading the lock word) before it calls lock(), which sleeps at once if
  // the lock is still held, as absl::Mutex and glibc's adaptive mutexes
  // do. Without it, a grace period's caller and a reader reporting its
  // quiescent state met on the root's lock often enough that futex sleeps
  // and wake-ups were a visible part of Synchronize(). The uncontended
  // path is one load more than std::mutex::lock().
  static constexpr int kLockSpins = 100;
  bool Held() {
#ifdef __GLIBC__
    // glibc's lock word (bits/struct_mutex.h): 0 free, else held. Relaxed:
    // a hint; lock() decides.
    return __atomic_load_n(&mu_.native_handle()->__data.__lock,
                           __ATOMIC_RELAXED) != 0;
#else
    return false;
#endif
  }
  [[gnu::noinline, gnu::cold]] void SpinWhileHeld() {
    for (int i = 0; i < kLockSpins && Held(); ++i) internal::CpuRelax();
  }
  std::mutex mu_;
};

// Holds a PlainMutex for its scope.
class ABSL_SCOPED_LOCKABLE PlainMutexLock {
 public:
  explicit PlainMutexLock(PlainMutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_.Lock();
  }
  ~PlainMutexLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  PlainMutexLock(const PlainMutexLock&) = delete;
  PlainMutexLock& operator=(const PlainMutexLock&) = delete;

 private:
  PlainMutex& mu_;
};

// A condition variable used with a PlainMutex. Wait() and WaitFor() must be
// called with `mu` held, and return with it held; the predicate is always
// evaluated under `mu`, so a notifier that changes the predicate's inputs
// under `mu` and then notifies is never missed.
class PlainCondVar {
 public:
  void NotifyAll() { cv_.notify_all(); }
  void NotifyOne() { cv_.notify_one(); }

  template <typename Pred>
  void Wait(PlainMutex& mu, Pred pred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lk(mu.mu_, std::adopt_lock);
    cv_.wait(lk, pred);
    lk.release();
  }
  // Waits at most `d`; returns pred() at return.
  template <typename Pred>
  bool WaitFor(PlainMutex& mu, std::chrono::nanoseconds d, Pred pred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lk(mu.mu_, std::adopt_lock);
    bool r = cv_.wait_for(lk, d, pred);
    lk.release();
    return r;
  }

 private:
  std::condition_variable cv_;
};

}  // namespace rcu

#endif  // RCU_PLAIN_MUTEX_H_

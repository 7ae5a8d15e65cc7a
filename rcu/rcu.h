// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// rcu.h: the public API of librcu, a userspace Tree RCU.
//
// Two ways to use it:
//
//  1. Plain functions on a process-wide default instance:
//
//       rcu::RegisterThread();                  // once per thread
//       { rcu::ReadGuard g; Foo* f = rcu::Dereference(gp); use(f); }
//       rcu::AssignPointer(gp, new_foo);        // updater
//       rcu::Synchronize(); delete old_foo;     // or rcu::Call(&old->rh, Free)
//       rcu::UnregisterThread();
//
//     The default instance is built on first use from rcu::DefaultConfig()
//     (or from the Config passed to rcu::InitDefault() before that).
//
//  2. Instances of rcu::Rcu (tree.h), each with its own geometry, threads
//     and callbacks; a thread registers with each instance it reads under.
//
// Measured costs are in tree.h and the README.
#ifndef RCU_RCU_H_
#define RCU_RCU_H_

#include <atomic>
#include <cstdint>
#include <source_location>

#include "absl/status/status.h"
#include "rcu/config.h"
#include "rcu/export.h"
#include "rcu/internal/reader.h"
#include "rcu/lockdep.h"
#include "rcu/segcblist.h"
#include "rcu/tree.h"

namespace rcu {

// ---- The default instance. ----

// The instance behind the plain functions; built on first use. It uses
// instance slot 0, whose reader word is inline in each thread's TLS, so
// ReadLock()/ReadUnlock() below load no pointer at all.
RCU_EXPORT Rcu& Default();
// Builds the default instance from `config`. FailedPrecondition if it
// already exists; otherwise the result of Rcu::Create().
RCU_EXPORT absl::Status InitDefault(const Config& config);
// The Config the default instance is built from when InitDefault() was not
// called: all hardware threads as vCPUs, kernel defaults otherwise.
RCU_EXPORT Config DefaultConfig();

inline void RegisterThread(int cpu = -1) { Default().RegisterThread(cpu); }
inline void UnregisterThread() { Default().UnregisterThread(); }
inline void MigrateSelf(int cpu) { Default().MigrateSelf(cpu); }

inline void ReadLock() { internal::ReaderLock(internal::DefaultWord()); }
inline void ReadUnlock() {
  if (RCU_DEBUG_CHECKS_ENABLED && internal::DefaultWord()->rec == nullptr)
    internal::UnregisteredReader(0);
  internal::ReaderUnlock(internal::DefaultWord());
}
// True when the calling thread is inside a read-side critical section of
// the default instance (exact: the nesting count is always kept).
inline bool ReadLockHeld() {
  return internal::InReader(internal::DefaultWord());
}
inline void QuiescentState() { Default().QuiescentState(); }
inline void ThreadOffline() { Default().ThreadOffline(); }
inline void ThreadOnline() { Default().ThreadOnline(); }

inline void Synchronize() { Default().Synchronize(); }
inline void SynchronizeExpedited() { Default().SynchronizeExpedited(); }
inline uint64_t GetState() { return Default().GetState(); }
inline uint64_t StartPoll() { return Default().StartPoll(); }
inline bool PollState(uint64_t cookie) { return Default().PollState(cookie); }
inline void CondSynchronize(uint64_t cookie) {
  Default().CondSynchronize(cookie);
}
inline uint64_t StartPollExpedited() { return Default().StartPollExpedited(); }
inline void CondSynchronizeExpedited(uint64_t cookie) {
  Default().CondSynchronizeExpedited(cookie);
}
inline Rcu::FullCookie GetStateFull() { return Default().GetStateFull(); }
inline Rcu::FullCookie StartPollFull() { return Default().StartPollFull(); }
inline bool PollStateFull(const Rcu::FullCookie& cookie) {
  return Default().PollStateFull(cookie);
}
inline void CondSynchronizeFull(const Rcu::FullCookie& cookie) {
  Default().CondSynchronizeFull(cookie);
}
inline void Call(RcuHead* head, RcuCallback func) {
  Default().Call(head, func);
}
inline void Barrier() { Default().Barrier(); }

// RAII read-side critical section, on the default instance or on `rcu`.
class ReadGuard {
 public:
  ReadGuard() : rw_(internal::DefaultWord()) { internal::ReaderLock(rw_); }
  explicit ReadGuard(Rcu& rcu) : rw_(internal::WordForSlot(rcu.slot())) {
    internal::ReaderLock(rw_);
  }
  ~ReadGuard() { internal::ReaderUnlock(rw_); }
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;

 private:
  internal::ReaderWord* rw_;
};

// RAII thread registration.
class ScopedThread {
 public:
  explicit ScopedThread(int cpu = -1) : rcu_(Default()) {
    rcu_.RegisterThread(cpu);
  }
  explicit ScopedThread(Rcu& rcu, int cpu = -1) : rcu_(rcu) {
    rcu_.RegisterThread(cpu);
  }
  ~ScopedThread() { rcu_.UnregisterThread(); }
  ScopedThread(const ScopedThread&) = delete;
  ScopedThread& operator=(const ScopedThread&) = delete;

 private:
  Rcu& rcu_;
};

// ---- RCU-protected pointers. ----
// An RCU-protected pointer is a std::atomic<T*>. The checked accessors
// report misuse through lockdep-RCU (lockdep.h) when it is enabled: a
// "suspicious RCU usage" splat naming the caller's file:line (taken from
// the defaulted SourceLocation argument), once per call site. With
// lockdep off or compiled out they are the plain loads; the condition
// arguments are still evaluated by the caller, so keep them cheap
// (Mutex::IsHeld() is a load and a compare).

namespace internal {
// The accessors' path when lockdep is enabled, out of line so that the
// disabled path stays a flag test and the load.
template <typename T>
[[gnu::noinline, gnu::cold]] T* CheckedLoadSlow(const std::atomic<T*>& p,
                                                bool ok, const char* what,
                                                SourceLocation site, int slot,
                                                std::memory_order order) {
  if (!ok) lockdep::internal::Splat(what, site, slot);
  return p.load(order);
}
}  // namespace internal

inline namespace RCU_LOCKDEP_NS {

// Loads `p` for use inside a read-side critical section of the default
// instance: the load is ordered before every access through the result
// (acquire; a plain load on x86). Splats outside such a section.
template <typename T>
T* Dereference(const std::atomic<T*>& p,
               SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, ReadLockHeld(),
                                     "suspicious Dereference() usage", site, 0,
                                     std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}
// The same for a read-side critical section of `rcu`. A reader of another
// instance does not make this legal.
template <typename T>
T* Dereference(const std::atomic<T*>& p, const Rcu& rcu,
               SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, rcu.ReadLockHeld(),
                                     "suspicious Dereference() usage", site,
                                     rcu.slot(), std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}
// As Dereference(), legal also when `cond` holds (the kernel's
// rcu_dereference_check()): for code called both by readers and by
// updaters holding the lock, e.g. DereferenceCheck(p, mu.IsHeld()).
template <typename T>
T* DereferenceCheck(const std::atomic<T*>& p, bool cond,
                    SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, cond || ReadLockHeld(),
                                     "suspicious DereferenceCheck() usage",
                                     site, 0, std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}
template <typename T>
T* DereferenceCheck(const std::atomic<T*>& p, const Rcu& rcu, bool cond,
                    SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(
        p, cond || rcu.ReadLockHeld(), "suspicious DereferenceCheck() usage",
        site, rcu.slot(), std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}
// Update side (the kernel's rcu_dereference_protected()): `cond` says the
// caller holds what keeps `p` from changing (typically the update lock), so
// the load needs no ordering (relaxed). Only `cond` counts: it splats even
// inside a read-side critical section when `cond` is false.
template <typename T>
T* DereferenceProtected(const std::atomic<T*>& p, bool cond,
                        SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, cond,
                                     "suspicious DereferenceProtected() usage",
                                     site, -1, std::memory_order_relaxed);
  return p.load(std::memory_order_relaxed);
}
// Replaces `p` by `v` on the update side and returns the old value
// (rcu_replace_pointer()): DereferenceProtected() then AssignPointer().
template <typename T>
T* ReplacePointer(std::atomic<T*>& p, T* v, bool cond,
                  SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled() && !cond) [[unlikely]]
    lockdep::internal::Splat("suspicious ReplacePointer() usage", site, -1);
  // Release: publishes *v's initialization (see AssignPointer()).
  return p.exchange(v, std::memory_order_release);
}

}  // namespace RCU_LOCKDEP_NS

// Publishes `v`: every store that initialized *v is visible to a reader
// that loads `v` through Dereference() (release).
template <typename T>
void AssignPointer(std::atomic<T*>& p, T* v) {
  p.store(v, std::memory_order_release);
}
// Loads `p` with no ordering and no check (the kernel's
// rcu_access_pointer()): only to compare it or test it against null, never
// to dereference the result. Legal anywhere.
template <typename T>
T* AccessPointer(const std::atomic<T*>& p) {
  return p.load(std::memory_order_relaxed);
}

}  // namespace rcu

#endif  // RCU_RCU_H_

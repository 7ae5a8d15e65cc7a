// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// lockdep.h: lockdep-RCU, "suspicious RCU usage" detection.
//
// The checked accessors in rcu.h (Dereference, DereferenceCheck,
// DereferenceProtected) ask lockdep whether the calling thread may use an
// RCU-protected pointer: inside a read-side critical section of the right
// instance, or holding the lock the caller names in its condition (an
// rcu::Mutex, rcu/mutex.h, whose IsHeld() is true only for the holder).
// When it may not, lockdep prints a splat, once per call site:
//
//   =============================
//   WARNING: suspicious RCU usage
//   librcu release build, lockdep, g++ 12.2.0 Not tainted
//   -----------------------------
//   app/cfq.cc:41 suspicious Dereference() usage!
//
//   other info that might help us debug this:
//
//   rcu_scheduler_active = 2, debug_locks = 1, rcu reader nesting: default 0
//   1 lock held by scsi_scan_6/1552:
//    #0: 0x55d0c8e0a2c0 (q->queue_lock){mutex}, at: app/cfq.cc:60 CfqExitQueue
//
//   stack backtrace:
//    [<0x55d0c8c01a2b>] rcu::lockdep::internal::Splat(...)
//    [<0x55d0c8c01f10>] CfqExitSingle(...)
//    ...
//
// The context line gives the calling thread's reader nesting in every RCU
// instance it is registered with ("default" for the default instance,
// "<Config::name>#<slot>" for the others; "unregistered" when it is
// registered with none); read-side critical sections of rcu instances are
// not on the held-locks list (their lock/unlock fast path records nothing),
// so the nesting line is where they show. The held-locks list names every
// rcu::Mutex the thread holds and every reader a plug-in recorded through
// Acquire() (SRCU domains), newest last, with the site that took it.
// "no locks held by <name>/<tid>." when empty. The backtrace is symbolized
// with absl::Symbolize: call absl::InitializeSymbolizer(argv[0]) at the top
// of main() for the best results (rcutorture and the tests do).
//
// Also reported, by the library itself: Synchronize(),
// SynchronizeExpedited() and Barrier() inside a read-side critical section
// of the same instance ("Illegal Synchronize() in RCU read-side critical
// section"; the call then aborts, since it would wait for itself forever),
// and a thread unregistering (or exiting) inside a read-side critical
// section (the reader is ended, as the kernel's exit_rcu() does).
//
// Switches. Compiled in unless the RCU_LOCKDEP macro is 0 (CMake option
// RCU_LOCKDEP=OFF); then Enabled() is a constant false, the accessors are
// plain loads, rcu::Mutex keeps no held-locks list, and the API still
// compiles. When compiled in it is on by default in builds with
// RCU_DEBUG_CHECKS, off otherwise; the environment variable RCU_LOCKDEP=1
// (or 0), read once at start-up, and SetEnabled() override that.
//
// Once per call site: a site is its SourceLocation (file, line,
// column, function); the set of sites that already splatted is consulted
// only after a check failed, under a lock, so a correct program never
// touches it.
//
// Plug-in API for other read-side primitives and locks: Acquire() when the
// thread enters (only when Enabled(): the lockdep path may be slow),
// Release() when it leaves, IsHeld() in conditions. Release() by a thread
// that does not hold the entry finds and removes it from the owning
// thread's list (SRCU allows unlocking on another thread); an entry found
// nowhere (lockdep was switched on after the Acquire would have happened)
// is ignored. Every thread's list is reachable from the others under its
// own lock, and the threads' lists under a registry lock. Release(lock)
// removes the newest entry for `lock`, the releasing thread's first: when
// several threads hold entries for one lock and the release may come from
// any of them, the entry is ambiguous; Acquire()'s result names it, and
// Release(lock, id) removes exactly that entry (SrcuDomain passes it
// through its reader index). A check of the program's own reports its
// failure with ReportSuspiciousUse(), in the same format and count.
//
// Signal handlers. Acquire(), Release(), IsHeld() and ReleaseLocal() may be
// called from a signal handler that interrupted the same thread anywhere,
// also inside lockdep itself (then the handler's calls record and remove
// nothing, IsHeld() answers true, and Acquire() returns 0), provided the
// thread already recorded something outside the handler (its list exists)
// and holds fewer than 32 entries: then nothing allocates. SRCU readers in
// handlers rely on it (srcu.h). A splat is never async-signal-safe.
//
// Costs (release build, g++ 12 -O3, shared 2-core VM; rcu/bench/README.md,
// "Lockdep"). Instructions per call by callgrind, time per Dereference()
// inside a reader by BM_DerefInReader (medians of 3, noisy box):
//   ReadLock()+ReadUnlock()             19 instructions incl. ret, as before
//                                       (lockdep adds nothing to them)
//   Dereference(), compiled out         2 instructions (the acquire load, ret;
//                                       RcuDerefOnce in the nolockdep build)
//   Dereference(), compiled in, off     5 instructions (+ flag load, test,
//                                       branch); 0.4-1.0 ns, same as plain
//   Dereference(), lockdep on           32 instructions (out-of-line check of
//                                       the TLS record's nesting); ~4 ns
#ifndef RCU_LOCKDEP_H_
#define RCU_LOCKDEP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <source_location>
#include <string>
#include <string_view>

#include "rcu/export.h"

#ifndef RCU_LOCKDEP
#define RCU_LOCKDEP 1
#endif

namespace rcu {

// std::source_location where the standard library has it; otherwise (clang
// before 15 with libstdc++) the same interface over the compiler builtins.
#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
class SourceLocation {
 public:
  static constexpr SourceLocation current(
      const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
      unsigned column = __builtin_COLUMN(),
      const char* function = __builtin_FUNCTION()) noexcept {
    SourceLocation s;
    s.file_ = file;
    s.line_ = line;
    s.column_ = column;
    s.function_ = function;
    return s;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr unsigned column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  unsigned line_ = 0;
  unsigned column_ = 0;
};
#endif

}  // namespace rcu

namespace rcu::lockdep {

// What a held-locks entry is.
enum class Kind {
  kMutex,       // rcu::Mutex (or another exclusive lock)
  kRcuReader,   // a read-side critical section of an rcu instance
  kSrcuReader,  // a read-side critical section of an SRCU domain
};
// "mutex", "rcu reader", "srcu reader".
RCU_EXPORT const char* KindName(Kind kind);

// The functions whose bodies depend on RCU_LOCKDEP live in an inline
// namespace named after it, so that a translation unit compiled with
// lockdep off links with a library compiled with it on (no ODR clash).
#if RCU_LOCKDEP
#define RCU_LOCKDEP_NS lockdep_on
#else
#define RCU_LOCKDEP_NS lockdep_off
#endif

namespace internal {
#if RCU_LOCKDEP
// The runtime switch; relaxed loads (a switch, not a synchronizer).
extern RCU_EXPORT std::atomic<bool> g_enabled;
#endif
// Prints the splat for `message` at `site` unless that site already
// splatted. `slot` >= 0 names the rcu instance whose reader was expected,
// so the splat can say the thread is not registered with it.
RCU_EXPORT void Splat(std::string_view message, SourceLocation site,
                      int slot = -1);
// The splat's text (without the once-per-site filter); for tests.
std::string FormatSplat(std::string_view message, const SourceLocation& site,
                        int slot);
// "Illegal <what> in <section> read-side critical section": splats (when
// enabled), then aborts: the caller would wait for itself forever.
[[noreturn]] void IllegalWaitInReader(const char* what,
                                      const SourceLocation& site,
                                      const char* section = "RCU");
// Removes the calling thread's newest entry for `lock`, looking at no
// other thread (exclusive locks: the holder always releases).
RCU_EXPORT void ReleaseLocal(const void* lock);
// Forgets which sites splatted (tests that print the same site twice).
void ResetWarnedSitesForTesting();
}  // namespace internal

inline namespace RCU_LOCKDEP_NS {
// True when checks run. Compiled out: always false.
inline bool Enabled() {
#if RCU_LOCKDEP
  return internal::g_enabled.load(std::memory_order_relaxed);
#else
  return false;
#endif
}
}  // namespace RCU_LOCKDEP_NS
// Turns the checks on or off at run time (no effect when compiled out).
RCU_EXPORT void SetEnabled(bool on);
// True when lockdep is compiled in (RCU_LOCKDEP != 0).
constexpr bool CompiledIn() { return RCU_LOCKDEP != 0; }

// Splats printed so far in this process.
RCU_EXPORT uint64_t SplatCount();

// Receives each splat (several lines, each ending in '\n'). An empty
// function restores the default, stderr. Returns the previous sink. Splats
// are delivered one at a time (the sink is called under a lock and must
// not splat itself).
using Sink = std::function<void(const std::string&)>;
RCU_EXPORT Sink SetSink(Sink sink);

inline namespace RCU_LOCKDEP_NS {
// The RCU_LOCKDEP_WARN() of the kernel: when Enabled() and `ok` is false,
// splats "<file>:<line> <message>!" once per call site.
inline void Check(bool ok, const char* message,
                  SourceLocation site = SourceLocation::current()) {
  if (Enabled() && !ok) [[unlikely]]
    internal::Splat(message, site);
}
}  // namespace RCU_LOCKDEP_NS

// Reports a failed check of the program's own (one lockdep cannot make: a
// read-side primitive it does not know, or a condition too costly to
// evaluate as Check()'s argument): prints the library's splat,
// "<file>:<line> <what>!" with the context, held-locks list and backtrace
// shown above, to the sink, and counts it in SplatCount(). Once per `site`,
// as every splat: a later report from a site that already splatted does
// nothing. It does not test Enabled(); test that first, so that the
// condition costs nothing while lockdep is off:
//
//   if (rcu::lockdep::Enabled() && !MyReadLockHeld()) [[unlikely]]
//     rcu::lockdep::ReportSuspiciousUse("suspicious MyDeref() usage", site);
//
// Always inlined: it adds no frame, so the backtrace goes from the
// library's splat function straight to the caller.
[[gnu::always_inline]] inline void ReportSuspiciousUse(
    std::string_view what, SourceLocation site = SourceLocation::current()) {
  internal::Splat(what, site);
}

// ---- Held-locks list (plug-in API). ----
// Records that the calling thread took `lock` (named `name`, a string
// that outlives the entry) at `site`. Call only when Enabled(). Nested
// entries for the same lock (recursive readers) are separate entries.
// Returns the entry's id, in [1, kMaxEntryId]; ids are handed out in turn
// and wrap, so two entries alive at once share one only after kMaxEntryId
// Acquire()s in between. Returns 0 and records nothing when called from a
// signal handler that interrupted this thread inside lockdep (see "Signal
// handlers" below).
RCU_EXPORT uint32_t Acquire(const void* lock, const char* name, Kind kind,
                            SourceLocation site = SourceLocation::current());
inline constexpr uint32_t kMaxEntryId = (1u << 30) - 1;
// Removes the newest entry for `lock`: the calling thread's, or else any
// thread's (see the file comment). Safe to call when the Acquire was
// skipped.
RCU_EXPORT void Release(const void* lock);
// Removes the entry `id` of `lock` (Acquire()'s result) from whichever
// thread's list holds it; ignored when none does (the owner exited).
RCU_EXPORT void Release(const void* lock, uint32_t id);
// Removes every entry for `lock` from every thread's list: `lock` is being
// destroyed while held (a bug its owner reports), and its entries must
// neither outlive its name nor stand for a later lock at the same address
// (the kernel's lockdep_free_key_range()).
RCU_EXPORT void ForgetLock(const void* lock);
// True when the calling thread's list has an entry for `lock`. Always
// false when compiled out or never enabled; true (cannot tell) in a signal
// handler that interrupted this thread inside lockdep.
RCU_EXPORT bool IsHeld(const void* lock);
// Entries on the calling thread's list.
RCU_EXPORT int HeldCount();

}  // namespace rcu::lockdep

#endif  // RCU_LOCKDEP_H_

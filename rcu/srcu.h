// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu.h: SrcuDomain, sleepable RCU (the kernel's Tree SRCU).
//
// An SRCU domain is an RCU of its own: its readers only hold up its own
// grace periods, they may block (sleep, take locks, wait for I/O) inside
// their critical sections, and a critical section may end on another thread
// than the one that began it. Any number of domains may exist:
//
//   rcu::SrcuDomain g_srcu;                       // static: ready at load
//   auto d = rcu::SrcuDomain::Create(config);     // dynamic: own geometry
//
//   int idx = g_srcu.ReadLock();                  // any thread, registered
//   Foo* f = rcu::Dereference(gp);                // with rcu or not
//   Use(f); sleep(1);                             // readers may block
//   g_srcu.ReadUnlock(idx);                       // may be another thread
//
//   Foo* old = gp.exchange(fresh);
//   g_srcu.Synchronize(); delete old;             // or g_srcu.Call(...)
//   ...
//   g_srcu.Barrier();                             // before unloading code
//                                                 // that Call() callbacks run
//
// Readers. Each thread that uses SRCU owns a block of counters
// (internal/srcu_reader.h), with one slot per domain: lock and unlock
// counts for both reader indexes. ReadLock() reads the current index and
// increments its thread's lock count for it; ReadUnlock(idx) increments
// its thread's unlock count for idx. Only the owner writes a block, so the
// increment is one `incq` on x86-64 (no locked instruction; a signal
// handler on the same thread cannot split it) and an atomic add elsewhere.
// The lock and the unlock of one critical section may count in different
// threads' blocks: only the sums over all blocks matter. A block whose
// thread exits is claimed, counts and all, by a later thread; blocks are
// never freed or reset (internal/srcu_block.h).
//
// Fences (membarrier mode, the default): B, after the lock's increment,
// and C, before the unlock's, are compiler fences only; the grace-period
// side's fence A (see "Grace periods") is a membarrier(), which makes
// every running thread of the process execute a full barrier, so a reader
// either has its lock counted by the check or sees every store made before
// it (the argument of rcu's read side, internal/reader.h; the kernel's
// SRCU-fast readers pair with synchronize_rcu() in the same place). A
// domain whose Config::reader_mode is kFences, or any domain where
// membarrier() is unavailable (old kernel, seccomp, TSan builds), makes B
// and C full fences (a locked increment on x86-64) and A an ordinary
// fence: readers pay about 6.5 ns, grace periods no IPI.
//
// Slots: the first 32 domains alive at once get one each; a domain built
// while all are taken counts its readers on per-vCPU counters with locked
// increments and full fences B and C (SrcuStats::counter_slot is -1), on
// the vCPU the thread is attached to in the default rcu instance, else the
// thread's round-robin choice (ReaderCpu()).
//
// Signal handlers. ReadLock(), ReadUnlock() and ReadLockHeld() are
// async-signal-safe: a signal handler may read on a thread it interrupted
// anywhere, also inside a reader or inside any library call, once the
// domain's state exists (a Create()d domain, or a static one used once
// outside a handler: the first use builds it under a lock). The read side
// is an increment on the thread's own counters and fences, and takes no
// lock; a thread's first reader, in a handler or not, claims its counter
// block with a CAS over the registry (and mmap(2) when it must grow). With
// lockdep-RCU enabled the reader is recorded on the thread's held-locks
// list, which is async-signal-safe on the terms lockdep.h gives ("Signal
// handlers": the thread has recorded something before, outside the
// handler); a handler that interrupted lockdep itself records nothing and
// ReadLockHeld() then answers true. Every other call is not
// async-signal-safe.
//
// Grace periods. gp_seq (seq.h helpers) holds the state in its low bits:
// idle, SCAN1, SCAN2. A grace period first waits until the index readers
// are not using has as many unlocks as locks (SCAN1: late readers of the
// previous flip), then flips the index (fence E, store, fence D), then waits
// until the old index drains (SCAN2). A drain check sums the unlocks, issues
// fence A, then sums the locks: a lock is always counted when its unlock
// is. Fence pairs A/B and A/C are store-buffering pairs; D pairs with C so
// that a reader whose unlock the check missed sees the new index at its
// next lock (in membarrier mode, where C is a compiler fence, the next
// check's membarrier() does that: a reader may use the old index for one
// more section, which only delays the drain). In membarrier mode a pass
// with an ordinary fence in A's place comes first, and only when it finds
// the index empty is the check repeated with the membarrier(): a reader
// still inside costs no IPI. Equality is sufficient despite readers that
// fetched the old index before the flip and increment after it: each thread can
// do so at most twice, so the sums cannot balance by accident.
//
// Callbacks. Call() queues on the caller's vCPU's four-segment list
// (segcblist.h) under the vCPU's lock, inside an internal read-side
// critical section of the domain (so the grace period it asks for cannot
// end before it is recorded), and records the request in an srcu_node tree
// built like the rcu_node tree (geometry.h): each node keeps, per gp_seq
// slot (counter % 4), the latest grace period its subtree asked for, and
// each leaf which of its vCPUs asked; the root keeps the furthest grace
// period needed. At the end of a grace period only the vCPUs their leaves
// recorded for it have their callbacks advanced and invoked. Callbacks of
// one vCPU run in the order they were queued, never concurrently.
//
// Barrier() entrains one callback behind the callbacks of every vCPU that
// has any; the count starts at 1 so that it cannot reach zero before every
// vCPU was visited. Concurrent Barrier() calls share one pass.
//
// Who runs the grace periods. One process-wide thread ("srcu_gp"), started
// at the first grace-period request of any domain, serves every domain:
// it advances the domains with work, never blocking on readers (a domain
// whose readers have not drained is retried later: after ~10 us when an
// expedited grace period is wanted, else after a delay growing from 50 us
// to 5 ms with the grace period's age), and invokes callbacks. So a reader
// of one domain never delays another domain's grace periods. Callbacks run
// on that thread: they must not block (they may Call()); a slow callback
// delays other domains' callbacks. Synchronize() is Call() of an internal
// callback plus a wait.
//
// Lifetime. The default constructor is constexpr: a namespace-scope domain
// is constant-initialized (usable by other static initializers) and builds
// its state at first use with the geometry of the default rcu instance when
// the first user is registered with it, else DefaultConfig()'s. Cleanup()
// frees the state once no reader is inside, no callback is queued and no
// grace period is pending (else FailedPrecondition naming what is
// outstanding, and nothing is freed); the domain may be used again after
// it. The destructor does Cleanup(); if that fails (readers or callbacks
// outstanding, e.g. a static domain at exit) it detaches the domain from
// the grace-period thread and leaks the state, so a late reader or a
// callback never touches freed memory. No domain owns a thread, so no
// destructor can leak one; the shared thread and its queue are never
// destroyed, so static domains are safe during static destruction.
//
// Misuse: Synchronize()/SynchronizeExpedited()/Barrier() inside a reader of
// the same domain, or inside a callback, deadlock; so does a callback that
// calls Cleanup() on, or destroys, its own domain.
//
// Lockdep-RCU (lockdep.h). When it is enabled, ReadLock() puts the reader
// on the thread's held-locks list, as "<name> {srcu reader}" with the
// caller's file:line, and ReadUnlock() takes that very entry off, on
// whichever thread it ends (the entry's id travels in the bits of the
// reader index above bit 0). ReadLockHeld() asks the list; the checked
// accessors below use it:
//
//   int idx = g_srcu.ReadLock();
//   Foo* f = rcu::SrcuDereference(gp, g_srcu);    // splats outside a
//   g_srcu.ReadUnlock(idx);                       // g_srcu reader
//   Foo* u = rcu::SrcuDereferenceCheck(gp, g_srcu, mu.IsHeld());
//
// A reader of another domain or of an rcu instance does not make them
// legal (nor does an SRCU reader make rcu::Dereference() legal). Also
// reported: Synchronize(), SynchronizeExpedited() or Barrier() inside a
// reader of the same domain ("Illegal SrcuDomain::Synchronize() in
// same-domain SRCU read-side critical section", then abort: it would wait
// for itself forever) or inside a reader of the default rcu instance
// (splat only: a blocking wait in an rcu reader holds up rcu grace
// periods), and Cleanup() or destruction with readers inside ("SrcuDomain
// <name> cleaned up with N reader(s) active", besides the refusal). With
// lockdep off, the read side pays a flag test in ReadLock() and a test of
// the index in ReadUnlock(): 61 instructions per pair against 58 with
// lockdep compiled out (callgrind, `rcu_bench --icount=srcu`, noinline
// call and ret included; rcu/bench/README.md, "Lockdep").
//
// Costs, measured with rcu/bench/rcu_bench (release build, 2-core 2.1 GHz
// AMD EPYC KVM guest, medians of 5 interleaved repetitions, our rcu and
// liburcu urcu-memb in the same run; rcu/bench/README.md, "SRCU"):
//   ReadLock()+ReadUnlock()        1.9-2.6 ns, registered with rcu or not
//                                  (two incq; was 13.6 ns with locked
//                                  increments on per-vCPU counters); 6.5 ns
//                                  in a kFences domain (rcu 0.94 ns,
//                                  urcu-memb 1.13 ns C, 2.3 ns C++)
//   Synchronize(), 1 busy reader   35 us, p99 70 us (kFences domain 12 us:
//                                  the difference is two membarrier() IPIs
//                                  to the busy CPU, 5-8 us each on this VM;
//                                  rcu 37 us, urcu-memb 24 us)
//   Synchronize(), no reader       61-64 us in this run, either mode (two
//                                  thread wake-ups on a VM that was slow to
//                                  wake that day; 10.5 us in an earlier run)
//   SynchronizeExpedited()         the same as Synchronize()
//   Call()                         13.5 M callbacks/s posted and invoked
//                                  from one thread
//   Barrier() with 100k queued     0.07 ms (1.1 ms when their grace period
//                                  had not started)
//   Barrier() with nothing queued  0.08 us
// Memory: 1088 B per thread that ever read (its counter block; blocks are
// reused, never freed), 384 B per vCPU (SrcuData), 128 B per srcu_node,
// plus the one process-wide grace-period thread.
#ifndef RCU_SRCU_H_
#define RCU_SRCU_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rcu/config.h"
#include "rcu/export.h"
#include "rcu/internal/reader.h"
#include "rcu/internal/srcu_reader.h"
#include "rcu/lockdep.h"
#include "rcu/rcu.h"
#include "rcu/segcblist.h"

namespace rcu {

class SrcuDomain;
namespace internal {
struct SrcuState;

// Test-only hooks (srcu_test's DrainCheckSumsUnlocksFirstBug). When set,
// the drain check calls the hook between its unlock and lock sums, with
// the state and the index it checks; unset in production (one relaxed load
// per drain check, on the grace-period thread).
using DrainCheckHook = void (*)(SrcuState* st, int idx);
void SetDrainCheckHookForTesting(DrainCheckHook hook);
// A late reader (one that fetched `idx` before a flip) locks and unlocks
// on `idx` now, on vCPU 0.
void LateReaderForTesting(SrcuState* st, int idx);
// One drain check of `d`'s index `idx`, now, on the calling thread: true
// when no reader is inside on it (srcu_test's litmus test of fence A).
bool DrainCheckForTesting(SrcuDomain& d, int idx);
}  // namespace internal

// Counters of one domain, for stats lines and tests.
struct SrcuStats {
  uint64_t gp_seq = 0;  // current gp_seq
  uint64_t gps_completed = 0;
  uint64_t flips = 0;
  uint64_t cbs_queued = 0;
  uint64_t cbs_invoked = 0;     // Barrier() callbacks not counted
  uint64_t barriers = 0;        // Barrier() passes that entrained
  uint64_t readers_active = 0;  // locks - unlocks, both indexes, now
  long cbs_pending = 0;         // queued or being invoked
  int nr_cpu_ids = 0;
  int num_nodes = 0;
  // The slot of the per-thread counters the domain's readers count in
  // (see "Readers" above), or -1: they count on per-vCPU counters.
  int counter_slot = -1;
  // Readers execute full fences B and C (membarrier() unavailable, or
  // Config::reader_mode kFences).
  bool reader_fences = false;
};

class RCU_EXPORT SrcuDomain {
 public:
  // A domain whose state is built at first use (see the file comment).
  // constexpr: namespace-scope domains are constant-initialized.
  // Named "srcu" in lockdep-RCU splats.
  constexpr SrcuDomain() = default;
  // Named `name` (a string that outlives the domain, e.g. a literal).
  constexpr explicit SrcuDomain(const char* name) : name_(name) {}
  // A domain with the geometry of `config` (nr_cpu_ids, fanout,
  // fanout_leaf, fanout_exact; initial_gp_seq; its name names nothing),
  // named `name` (copied) in lockdep-RCU splats. InvalidArgument names the
  // bad field, as Config::Validate().
  static absl::StatusOr<std::unique_ptr<SrcuDomain>> Create(
      const Config& config, std::string_view name = "srcu");
  // See the file comment.
  ~SrcuDomain();
  SrcuDomain(const SrcuDomain&) = delete;
  SrcuDomain& operator=(const SrcuDomain&) = delete;

  // Enters a read-side critical section; pass the result, unchanged, to
  // ReadUnlock(). The result is opaque: the reader index (0 or 1) in bit 0,
  // lockdep-RCU's entry id above it when lockdep recorded the reader.
  // Nestable; legal on any thread; may block inside. Async-signal-safe
  // (file comment, "Signal handlers"), as are ReadUnlock() and
  // ReadLockHeld().
  int ReadLock(SourceLocation site = SourceLocation::current());
  // Leaves the critical section that returned `idx`; legal on another
  // thread or vCPU than the ReadLock().
  void ReadUnlock(int idx);
  // True when the calling thread is inside a read-side critical section of
  // this domain, as far as lockdep-RCU knows: with lockdep enabled, when
  // the thread's held-locks list has one of its readers (a reader begun
  // before lockdep was switched on is not there); with lockdep off or
  // compiled out, always true (the kernel's srcu_read_lock_held()), so
  // that a check built on it never fires without lockdep.
  bool ReadLockHeld() const;
  // The name splats give this domain's readers.
  const char* name() const { return name_; }

  // Waits until every critical section that began before the call ended.
  // Inside a reader of this domain: a lockdep splat naming `site`, then
  // abort (see the file comment); the same for the two below.
  void Synchronize(SourceLocation site = SourceLocation::current());
  // The same, with the grace-period thread checking for readers without
  // delay between attempts.
  void SynchronizeExpedited(SourceLocation site = SourceLocation::current());
  // Runs func(head) on the grace-period thread after a grace period.
  // Callbacks queued on one vCPU run in order.
  void Call(RcuHead* head, RcuCallback func);
  // Waits until every callback queued (by any thread) before the call ran.
  void Barrier(SourceLocation site = SourceLocation::current());

  // Polled grace periods: GetState() returns a cookie; PollState(cookie)
  // is true once a full grace period passed since it was taken (cookies
  // survive the counter wrap); StartPoll() is GetState() that also makes
  // sure that grace period will happen.
  uint64_t GetState();
  uint64_t StartPoll();
  bool PollState(uint64_t cookie);

  // Frees the state: FailedPrecondition (naming the readers, callbacks or
  // grace period outstanding) and nothing freed while any is. Readers
  // inside also splat (lockdep enabled), naming `site`.
  absl::Status Cleanup(SourceLocation site = SourceLocation::current());

  // Introspection (builds the state if there is none).
  SrcuStats GetStats();
  int nr_cpu_ids();
  // Current gp_seq (the kernel's rcu_seq_current(&srcu_gp_seq)).
  uint64_t GpSeq();
  // The kernel's srcu_torture_stats_print() body, no prefix:
  //   "Tree SRCU g<gp_seq> state 8 (SRCU_SIZE_BIG) per-CPU(idx=<i>):
  //    <cpu>(<c0>,<c1> <C|.>) ... T(<s0>,<s1>)"
  // c0/c1: locks - unlocks of the inactive/active index on that vCPU's
  // counters plus those of thread block i for every i with i % nr_cpu_ids
  // equal to it (may be negative: unlocks counted elsewhere); C: callbacks
  // queued there.
  std::string TortureStats();
  // The vCPU the calling thread's Call()s queue on, and its readers count
  // on in a domain without a counter slot (file comment, "Readers").
  int ReaderCpu();

 private:
  friend bool internal::DrainCheckForTesting(SrcuDomain& d, int idx);
  explicit SrcuDomain(std::unique_ptr<internal::SrcuState> state);
  internal::SrcuState* State();
  internal::SrcuState* BuildState();
  // Everything ReadLock()/ReadUnlock() do but their inline common case
  // (below).
  int ReadLockSlow(SourceLocation site);
  void ReadUnlockSlow(int idx);
  // ReadLock()/ReadUnlock() of a reader lockdep records; out of line and
  // tail-called, so the unrecorded path needs no stack frame.
  int ReadLockRecorded(internal::SrcuState* st, SourceLocation site);
  void ReadUnlockRecorded(internal::SrcuState* st, int idx);
  // Synchronize()/Barrier() misuse checks (lockdep enabled).
  void CheckWaitAllowed(const char* what, const SourceLocation& site) const;
  // Outstanding() of `st`, with a splat when readers are inside.
  std::string CheckOutstanding(internal::SrcuState* st,
                               const SourceLocation& site) const;

  // Null until first use (static domains) or after Cleanup().
  std::atomic<internal::SrcuState*> state_{nullptr};
  // Create()'s geometry, or null: the first user's.
  std::unique_ptr<Config> config_;
  // Lockdep-RCU's name for the domain; Create() points it at config_->name.
  const char* name_ = "srcu";
};

// The read side's common case: a state built in membarrier mode with a
// counter slot, a thread that has its counter block, lockdep off. One
// `incq` on the thread's own block and a compiler fence (srcu.cc,
// "Readers", has the memory-ordering argument); anything else is the
// out-of-line slow path.
inline int SrcuDomain::ReadLock(SourceLocation site) {
  auto* v = reinterpret_cast<internal::SrcuReaderView*>(
      state_.load(std::memory_order_acquire));
  internal::SrcuBlock* b = internal::tls_readers.srcu_block;
  if (v != nullptr && b != nullptr && !lockdep::Enabled()) [[likely]] {
    if (const int slot = v->nofence_slot; slot >= 0) [[likely]] {
      const int idx =
          static_cast<int>(v->srcu_idx.load(std::memory_order_relaxed) & 1);
      internal::SrcuCounterInc(b->slot[slot].locks[idx],
                               std::memory_order_relaxed);
      // B (membarrier mode): the compiler keeps the critical section after
      // the increment; the drain check's membarrier() orders the CPU.
      std::atomic_signal_fence(std::memory_order_seq_cst);
      return idx;
    }
  }
  return ReadLockSlow(site);
}

// An index above 1 (lockdep recorded the reader) also takes the slow path.
inline void SrcuDomain::ReadUnlock(int idx) {
  auto* v = reinterpret_cast<internal::SrcuReaderView*>(
      state_.load(std::memory_order_acquire));
  internal::SrcuBlock* b = internal::tls_readers.srcu_block;
  if (v != nullptr && b != nullptr && static_cast<unsigned>(idx) <= 1)
      [[likely]] {
    if (const int slot = v->nofence_slot; slot >= 0) [[likely]] {
      // C (membarrier mode): the compiler keeps the critical section before
      // the increment.
      std::atomic_signal_fence(std::memory_order_seq_cst);
      internal::SrcuCounterInc(b->slot[slot].unlocks[idx],
                               std::memory_order_relaxed);
      return;
    }
  }
  ReadUnlockSlow(idx);
}

// ---- SRCU-protected pointers (lockdep.h, rcu.h's accessors). ----
inline namespace RCU_LOCKDEP_NS {

// Loads `p` for use inside a read-side critical section of `domain`
// (the kernel's srcu_dereference()): acquire, as rcu::Dereference().
// Splats, once per call site, when lockdep is enabled and the calling
// thread holds no reader of `domain`.
template <typename T>
T* SrcuDereference(const std::atomic<T*>& p, const SrcuDomain& domain,
                   SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, domain.ReadLockHeld(),
                                     "suspicious SrcuDereference() usage", site,
                                     -1, std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}
// As SrcuDereference(), legal also when `cond` holds (the kernel's
// srcu_dereference_check()), e.g. SrcuDereferenceCheck(p, d, mu.IsHeld()).
template <typename T>
T* SrcuDereferenceCheck(const std::atomic<T*>& p, const SrcuDomain& domain,
                        bool cond,
                        SourceLocation site = SourceLocation::current()) {
  if (lockdep::Enabled()) [[unlikely]]
    return internal::CheckedLoadSlow(p, cond || domain.ReadLockHeld(),
                                     "suspicious SrcuDereferenceCheck() usage",
                                     site, -1, std::memory_order_acquire);
  return p.load(std::memory_order_acquire);
}

}  // namespace RCU_LOCKDEP_NS

}  // namespace rcu

#endif  // RCU_SRCU_H_

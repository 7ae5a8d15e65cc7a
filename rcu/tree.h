// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// tree.h: Rcu, one userspace Tree RCU instance.
//
// An Rcu owns everything: the rcu_node tree (see geometry.h), one RcuData
// per possible vCPU, the grace-period (GP) thread, one callback thread
// ("rcuc/N") per vCPU that needs one, and the records of the threads
// registered with it. Tests build instances of any shape side by side; the
// plain functions in rcu.h use a process-wide default instance.
//
// Readers. A registered thread is attached to one online vCPU. Its reader
// state is a ReaderWord (reader.h): inline in the thread's TLS for the
// default instance, in its ThreadRec for the others. ReadLock()/
// ReadUnlock() are inline, cost a load and a relaxed store each, and never
// take a lock.
//
// Signal handlers. ReadLock(), ReadUnlock(), ReadGuard, ReadLockHeld() and
// the lockdep-RCU checked accessors of rcu.h (Dereference(),
// DereferenceCheck(); a splat itself is not) are async-signal-safe: a
// signal handler may read on a thread it interrupted anywhere, inside or
// outside a reader, also inside any library call (Synchronize(), Call(),
// MigrateSelf(), QuiescentState(), OfflineCpu(), ...), provided the thread
// is registered with the instance (explicitly, or by a read outside any
// handler) and is not unregistering. An outermost unlock whose special work
// (dequeuing a reader that migrated, answering the grace period's request
// for a report) would take a library lock while the interrupted code may
// hold one defers that work, as the kernel's rcu_read_unlock_special()
// does in irq context; the thread's next outermost unlock or quiescent
// point, or else the FQS scan, finishes it (preempt.cc, "Deferred work").
// A handler's reader is honoured by grace periods like any other. Every
// other call is not async-signal-safe.
//
// Quiescent states. A vCPU is quiescent for the current grace period when
// each thread attached to it, and not queued as a blocked reader, was seen
// outside a read-side critical section (or its generation changed) after
// the grace period began; a vCPU with no attached threads is quiescent.
// Reports clear the vCPU's bit in its leaf's qsmask and climb the tree under
// per-node locks (child lock released before the parent's is taken). They
// come from the vCPU's rcuc thread, from a reader's unlock slow path when
// the GP asked it to report (NEED_QS), and from the GP thread's
// force-quiescent-state (FQS) scan.
//
// Who runs grace periods. The GP thread, as the kernel's rcu_gp_kthread,
// except the start of one a Synchronize() asks for when none is in
// progress (Config::caller_gps, on by default): the caller itself
// initializes it, scans once, waits up to the first FQS interval for the
// readers it found (the last one's report wakes it) and ends it, so that a
// grace period with no reader inside costs the caller no thread wake-up,
// and one with short readers a single wake-up, as liburcu's
// synchronize_rcu() does. A grace period that outlasts that wait goes to
// the GP thread, which goes on with it (FQS rescans, stall warnings,
// priority boosting). Grace periods for callbacks, polled ones and
// SynchronizeExpedited() are unchanged.
//
// Migration inside a reader. MigrateSelf() called inside a read-side
// critical section queues the thread on its old leaf's blocked-readers list
// (blkd list); if the old vCPU still owed the current grace period a
// quiescent state the thread is made to block it (gp_tasks). The outermost
// ReadUnlock() dequeues it and, if it was the last blocker, reports the
// leaf's quiescent state up the tree. Grace-period initialization makes
// every reader already queued on a leaf block the new grace period.
//
// Lock order (outer first): registry lock; a vCPU's local lock (two at
// once only lower vCPU first: hotplug and MigrateSelf()); barrier
// lock; an rcu_node lock (one at a time, child before parent); the GP
// wait-queue and waiter locks (never held while taking another).
//
// Costs, measured with rcu/bench/rcu_bench (release build, 2-core 2.1 GHz
// VM, ours and liburcu 0.13 urcu-memb in the same run; rcu/bench/README.md):
//   ReadLock()+ReadUnlock()        0.63 ns, 19 instructions incl. ret,
//                                  default instance (urcu-memb as C: 0.82
//                                  ns, 24); an explicit instance 1.25 ns;
//                                  fence mode: 13 ns
//   QsbrReadLock()+QsbrReadUnlock() nothing (0 instructions; urcu-qsbr's
//                                  inlined pair is nothing too)
//   QuiescentState(), QSBR         0.52 ns, 12 instructions incl. ret
//                                  (urcu-qsbr inlined: 0.59 ns, 5)
//   SynchronizeExpedited()         3.9 us median with one busy reader
//                                  (urcu-memb synchronize_rcu: 4.3 us);
//                                  0.041 us with no other registered
//                                  thread (EndGpAtOnce(); urcu-memb 0.044)
//   Synchronize()                  23.0-26.0 us with one busy reader, the
//                                  caller running the grace period
//                                  (urcu-memb 22.3-26.2 us, same runs;
//                                  36-48 us through the GP thread); 0.040
//                                  us with no other registered thread
//                                  (urcu-memb with none registered: 0.044
//                                  us); QSBR, one reader announcing
//                                  quiescent states: 1.0-2.4 us
//                                  (urcu-qsbr 0.5-1.3 us; our expedited
//                                  grace period there: 1.06 us)
//   Call()                         31.7-49.8 M callbacks/s posted and
//                                  invoked from one thread, 48.2-57.7 M/s
//                                  from two (urcu-memb 14.9-19.1 and
//                                  10.9-12.2 M/s); a flood batches
//                                  35-90 k callbacks per grace
//                                  period (Config::cb_gp_interval_us)
//   Barrier() with 100k queued     0.6-1.1 ms (urcu-memb 5-7 ms)
// Memory: 256 B per registered thread per instance (ThreadRec), a 512 B
// table per thread registered with any instance, and 64 B of TLS per
// thread of the process (reader.h, TlsReaders); 512 B per vCPU (RcuData) plus
// its rcuc thread once used; 256 B per rcu_node.
#ifndef RCU_TREE_H_
#define RCU_TREE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "rcu/config.h"
#include "rcu/export.h"
#include "rcu/geometry.h"
#include "rcu/internal/reader.h"
#include "rcu/plain_mutex.h"
#include "rcu/segcblist.h"
#include "rcu/seq.h"

namespace rcu {

class Rcu;
namespace internal {
// The instance whose callbacks the calling thread is invoking, if any, is
// tls_readers.in_callback (reader.h).
// Synchronize(), Barrier() and the like from a callback: fatal, naming it.
[[noreturn]] void FatalWaitInCallback(const char* what);
}  // namespace internal
// Arms the thread-exit hook that unregisters a thread that exits while
// still registered (internal; called by RegisterThread()).
void ArmThreadExitHook();

// GP thread states, with the kernel's names (printed by diagnostics).
enum class GpState : int {
  kIdle = 0,
  kWaitGps,
  kDoneGps,
  kOnOff,
  kInit,
  kWaitFqs,
  kDoingFqs,
  kCleanup,
  kCleaned,
};
RCU_EXPORT const char* GpStateName(GpState s);

// One rcu_node. Invariant: a bit set in qsmask is set in qsmaskinit, and a
// non-leaf node never has blocked readers; at the end of a grace period
// every qsmask is zero and no gp_tasks remains.
class alignas(128) RcuNode {
 public:
  PlainMutex lock;
  // --- Fields guarded by lock. ---
  // Written under lock; loaded locklessly by diagnostics and fast checks.
  std::atomic<uint64_t> gp_seq{0};
  uint64_t gp_seq_needed ABSL_GUARDED_BY(lock) = 0;
  uint64_t completedqs ABSL_GUARDED_BY(lock) = 0;
  // Children (leaf: vCPUs) that still owe the current GP a quiescent state.
  // Written under lock; loaded locklessly by rcuc and diagnostics.
  std::atomic<uint64_t> qsmask{0};
  // Children the current GP waits for, from qsmaskinitnext at GP start.
  uint64_t qsmaskinit ABSL_GUARDED_BY(lock) = 0;
  // Children online now (leaf: online vCPUs), applied at the next GP start.
  uint64_t qsmaskinitnext ABSL_GUARDED_BY(lock) = 0;
  bool wait_blkd_tasks ABSL_GUARDED_BY(lock) = false;
  // Blocked readers, head newest; [gp_tasks, tail] block the current GP.
  internal::BlkdEntry* blkd_head ABSL_GUARDED_BY(lock) = nullptr;
  internal::BlkdEntry* blkd_tail ABSL_GUARDED_BY(lock) = nullptr;
  internal::BlkdEntry* gp_tasks ABSL_GUARDED_BY(lock) = nullptr;
  int n_blkd ABSL_GUARDED_BY(lock) = 0;
  int n_proxies ABSL_GUARDED_BY(lock) = 0;
  // --- End of fields guarded by lock. ---

  // Constant after construction.
  int index = 0;
  int level = 0;
  int grplo = 0;
  int grphi = 0;
  int grpnum = 0;
  uint64_t grpmask = 0;
  RcuNode* parent = nullptr;
  bool is_leaf = false;
};

// Per-vCPU state (the kernel's rcu_data).
struct RcuData;
// Two vCPUs' local locks, lower vCPU first: the one order in which the
// library ever holds two of them (hotplug, MigrateSelf(); hotplug.cc).
void LockTwo(RcuData* a, RcuData* b);
void UnlockTwo(RcuData* a, RcuData* b);

struct alignas(128) RcuData {
  // Stands in for "interrupts disabled on this CPU": serializes Call()
  // enqueues, callback extraction, barrier entrain and thread attach/detach.
  PlainMutex local;
  // --- Fields guarded by local. ---
  SegCbList cblist ABSL_GUARDED_BY(local);
  uint64_t gp_seq ABSL_GUARDED_BY(local) = 0;         // last leaf gp_seq seen
  uint64_t gp_seq_needed ABSL_GUARDED_BY(local) = 0;  // furthest GP requested
  internal::ThreadRec* attached ABSL_GUARDED_BY(local) = nullptr;
  int n_attached ABSL_GUARDED_BY(local) = 0;
  long in_flight ABSL_GUARDED_BY(local) = 0;  // extracted, not yet invoked
  RcuHead barrier_head;  // owned by Barrier() while entrained
  bool rcuc_started ABSL_GUARDED_BY(local) = false;
  // --- End of fields guarded by local. ---

  // Barrier generation this vCPU was last handled for; release-stored by
  // Barrier() after it entrained (or skipped) here.
  std::atomic<uint64_t> barrier_seq_snap{0};
  std::atomic<bool> online{false};
  // Offloaded (no-CBs): callbacks stay here while offline. Changed only
  // while offline, under hotplug_mu_ and `local`.
  std::atomic<bool> offloaded{false};

  // rcuc thread's wait queue.
  PlainMutex wake_mu;
  PlainCondVar wake_cv;
  bool wake_pending ABSL_GUARDED_BY(wake_mu) = false;
  std::thread rcuc;

  Rcu* owner = nullptr;  // constant after construction

  // Statistics (relaxed: counters only).
  std::atomic<uint64_t> n_cbs_queued{0};
  std::atomic<uint64_t> n_cbs_invoked{0};  // Barrier() callbacks not counted
  std::atomic<uint64_t> n_qs_reported{0};

  // Constant after construction.
  int cpu = 0;
  RcuNode* mynode = nullptr;
  uint64_t grpmask = 0;
};

// Counters for stats lines and tests; a consistent-enough snapshot.
struct RcuStats {
  uint64_t gp_seq = 0;
  uint64_t gps_completed = 0;
  uint64_t exp_seq = 0;
  uint64_t exp_completed = 0;
  uint64_t fqs_scans = 0;
  uint64_t cbs_queued = 0;
  uint64_t cbs_invoked = 0;
  uint64_t barriers = 0;
  uint64_t qs_rcuc = 0;          // QS reported by rcuc threads
  uint64_t qs_unlock = 0;        // QS reported from a reader's unlock slow path
  uint64_t qs_fqs = 0;           // vCPU QS found by the FQS scan
  uint64_t blocked_readers = 0;  // queued on blkd lists, cumulative
  // Outermost unlocks that deferred their special work (a signal handler
  // that interrupted a lock section: preempt.cc, "Deferred work").
  uint64_t unlocks_deferred = 0;
  // Threads' own blkd entries the FQS scan retired, their reader over (a
  // deferred dequeue, or one it got to before the owner's unlock).
  uint64_t deferred_retired = 0;
  uint64_t stalls = 0;              // normal GP stall warnings printed
  uint64_t exp_stalls = 0;          // expedited GP stall warnings printed
  uint64_t hotplug_ops = 0;         // successful OfflineCpu()/OnlineCpu() calls
  uint64_t fqs_offline_fixups = 0;  // offline vCPUs FQS had to report for
  uint64_t gp_start_stalls = 0;  // GP requests not started in time (lost wake)
  uint64_t gp_kthread_starved = 0;  // GP thread silent mid-GP for a timeout
  // Normal grace periods a Synchronize() caller started itself
  // (Config::caller_gps), and those of them it also ended (the rest the
  // GP thread took over).
  uint64_t caller_gps = 0;
  uint64_t caller_gps_done = 0;
  // Priority boosting (Config::boost): readers raised by a grace period,
  // and raises the FQS scan undid because the reader ended before it could
  // see the request (the rest are undone by the readers' own unlocks).
  uint64_t boosts = 0;
  uint64_t boosts_undone_by_scan = 0;
  int online_cpus = 0;
  int registered_threads = 0;
  GpState gp_state = GpState::kIdle;
};

class RCU_EXPORT Rcu {
 public:
  // Builds an instance; InvalidArgument names the bad Config field,
  // ResourceExhausted if kMaxInstances instances already exist,
  // FailedPrecondition if ReaderMode::kMembarrier was asked for and
  // membarrier() cannot register.
  static absl::StatusOr<std::unique_ptr<Rcu>> Create(const Config& config);

  // Invokes every pending callback (waiting for the grace periods they
  // need), stops the instance's threads and frees everything. The calling
  // thread is unregistered if it was registered; any other registered
  // thread is a fatal error.
  ~Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  // ---- Threads. ----
  // Registers the calling thread and attaches it to `cpu` (-1: the next
  // online vCPU, round-robin; an offline `cpu`: another online vCPU, as
  // eviction would). Registering twice is a fatal error, except that a
  // thread registered on the fly by a read (below) may register once more
  // (it then moves to `cpu`).
  //
  // A thread that reads without registering is registered on the fly by
  // its first outermost ReadLock() (liburcu-bp's semantics), on a vCPU
  // chosen round-robin, and unregistered when it exits.
  void RegisterThread(int cpu = -1);
  // Detaches and unregisters the calling thread. Inside a read-side
  // critical section this ends it first (the kernel's exit_rcu()).
  void UnregisterThread();
  bool IsRegistered() const {
    return internal::tls_readers.words[slot_] != nullptr;
  }
  // Moves the calling (registered) thread to vCPU `cpu`. Legal inside a
  // read-side critical section: the thread is then queued as a blocked
  // reader of its old leaf, and grace periods wait for its outermost unlock.
  // False (and the thread stays put) if `cpu` is offline; false also if it
  // went offline during the move, and the thread landed on another vCPU.
  bool MigrateSelf(int cpu);
  // The vCPU the calling thread is attached to, -1 if unregistered.
  int CurrentCpu() const;

  // ---- Readers. ----
  // Async-signal-safe on a registered thread, as is ReadLockHeld() (file
  // comment, "Signal handlers").
  void ReadLock() { internal::ReaderLock(internal::WordForSlot(slot_)); }
  void ReadUnlock() { internal::ReaderUnlock(internal::WordForUnlock(slot_)); }
  // True when the calling thread is inside a read-side critical section of
  // this instance.
  bool ReadLockHeld() const { return internal::InReaderSlot(slot_); }
  // Announces a quiescent state (the kernel's cond_resched() role): outside
  // a reader it is always one; this also answers a pending NEED_QS request.
  // On a QSBR instance (below) it ends the online thread's implicit
  // critical section and starts the next one; nothing on an offline
  // thread; a fatal error inside QsbrReadLock() in debug builds.
  //
  // QSBR fast path, inline: an online thread with nothing asked of it
  // returns at once, as liburcu-qsbr's does when no grace period is
  // waiting. A grace period that waits for the thread asks it: the FQS
  // scan and the expedited scan set NEED_QS on every online thread they
  // find holding them, eviction does for the thread it queues a proxy
  // for, and migration's BLOCKED (as BOOSTED) is in the same word. Then
  // QuiescentStateSlow() ends the thread's critical section and starts
  // the next (its generation moves on), and the unlock's slow path reports
  // the quiescent state up the tree at once. Debug builds always take the
  // slow path, which checks for an open QsbrReadLock(). A QSBR instance
  // runs in fence mode unless Config::reader_mode says otherwise (its
  // transitions fence, and its grace periods need no membarrier()).
  void QuiescentState() {
    if (!RCU_DEBUG_CHECKS_ENABLED && qsbr_) {
      const internal::ReaderWord* rw = internal::tls_readers.words[slot_];
      // Relaxed: a request set just after this load is seen by the next
      // call, and the grace period waits for it. Fence mode's bit asks
      // nothing: only a quiescent state that is reported orders anything.
      if (rw != nullptr && (rw->special.load(std::memory_order_relaxed) &
                            ~internal::kSpecialFences) == 0)
        return;
    }
    QuiescentStateSlow();
  }
  void QuiescentStateSlow();
  // Extended quiescent state: the thread promises not to read until
  // ThreadOnline(). On a QSBR instance, ThreadOffline() ends the online
  // thread's implicit critical section (and the promise is what makes
  // sleeping legal), ThreadOnline() starts the next; both are idempotent.
  void ThreadOffline();
  void ThreadOnline();

  // ---- QSBR (Config::qsbr). ----
  // A registered thread is online from RegisterThread() (a thread that
  // registers on the fly by a ReadLock() starts offline) until
  // ThreadOffline()/UnregisterThread(); online, it is inside one read-side
  // critical section that each QuiescentState() ends and restarts, so
  // grace periods wait for every online thread's next QuiescentState() or
  // ThreadOffline(). The machinery is the same as for ReadLock() (the
  // online state is an outermost lock held: nesting 1): hotplug, blocked
  // readers, expedited grace periods, callbacks and barriers all apply.
  // Synchronize(), SynchronizeExpedited() and Barrier() called by an
  // online thread take it offline for the wait, as liburcu-qsbr's
  // synchronize_rcu() does.
  //
  // The read side: nothing at all in release builds. With debug checks,
  // a nesting level on top of the online state, so that QuiescentState()
  // or ThreadOffline() inside a QSBR reader, and a QSBR reader on an
  // offline thread, are fatal errors naming the mistake. ReadLock() on a
  // QSBR instance is a real critical section (an offline thread may read
  // under it).
  bool qsbr() const { return qsbr_; }
  void QsbrReadLock() {
    if constexpr (RCU_DEBUG_CHECKS_ENABLED) QsbrReadLockChecked();
  }
  void QsbrReadUnlock() {
    if constexpr (RCU_DEBUG_CHECKS_ENABLED) ReadUnlock();
  }

  // ---- Updaters. ----
  // Waits for a full grace period: every reader that began before the call
  // has ended when it returns. Concurrent callers share grace periods.
  // Must not be called inside a read-side critical section.
  void Synchronize();
  // As Synchronize(), driven by the caller: one membarrier, a scan of the
  // registered threads, a wait for those inside a reader, a membarrier.
  void SynchronizeExpedited();
  // While ExpediteGp() was called more often than UnexpediteGp(),
  // Synchronize() runs SynchronizeExpedited() instead (the kernel's
  // rcu_expedite_gp(), rcu_unexpedite_gp(), rcu_gp_is_expedited()).
  void ExpediteGp() {
    expedite_nesting_.fetch_add(1, std::memory_order_relaxed);
  }
  void UnexpediteGp() {
    expedite_nesting_.fetch_sub(1, std::memory_order_relaxed);
  }
  bool GpIsExpedited() const {
    return expedite_nesting_.load(std::memory_order_relaxed) > 0;
  }
  // Polled API. A cookie from GetState() is complete (PollState() true)
  // once a full grace period, normal or expedited, has elapsed after
  // GetState() was called; StartPoll() also makes sure that grace period
  // will happen. CondSynchronize(c) waits only if c is not complete yet.
  // After Synchronize() or SynchronizeExpedited() returns, and when a
  // callback queued after GetState() runs, the cookie is complete. Cookies
  // are one word: every grace period of either kind takes a ticket as it
  // starts (the tickets count up in fours, so no cookie equals
  // kGetStateCompleted) and publishes it as done when it ends; a cookie is
  // the next ticket, complete once a ticket at least as new is done (the
  // role of the kernel's gp_seq_polled). Comparisons are modular: a cookie
  // more than 2^61 grace periods old may read as incomplete.
  uint64_t GetState();
  uint64_t StartPoll();
  bool PollState(uint64_t cookie);
  void CondSynchronize(uint64_t cookie);
  // Expedited forms: the same cookies. StartPollExpedited() makes sure a
  // grace period will complete the cookie; with no expedited worker thread
  // here, that is a normal grace period (the kernel queues an expedited
  // one). CondSynchronizeExpedited(c) runs SynchronizeExpedited() if c is
  // not complete yet.
  uint64_t StartPollExpedited() { return StartPoll(); }
  void CondSynchronizeExpedited(uint64_t cookie);
  // Full-state cookies (the kernel's struct rcu_gp_oldstate and
  // get_state_synchronize_rcu_full()): the normal and the expedited
  // sequences, each snapped; complete when either has moved a full grace
  // period on. Two words, but no polled period to share: a full cookie
  // completes as soon as any grace period of either kind that started
  // after it ends.
  struct FullCookie {
    uint64_t norm = 0;
    uint64_t exp = 0;
  };
  FullCookie GetStateFull();
  FullCookie StartPollFull();
  FullCookie StartPollExpeditedFull() { return StartPollFull(); }
  bool PollStateFull(const FullCookie& cookie);
  void CondSynchronizeFull(const FullCookie& cookie);
  void CondSynchronizeExpeditedFull(const FullCookie& cookie);
  // Queues `head` on the caller's vCPU (any online vCPU for an unregistered
  // thread); `func(head)` runs after a grace period, on an rcuc thread.
  // Callbacks queued on one vCPU run in the order they were queued.
  void Call(RcuHead* head, RcuCallback func);
  // Waits until every callback queued (on any vCPU) before the call has
  // run. Concurrent callers share one barrier. Must not be called inside a
  // read-side critical section, nor from a callback.
  void Barrier();

  // ---- CPU hotplug (hotplug.cc). ----
  // Takes vCPU `cpu` offline: no thread may attach to it; the threads
  // attached are moved to other online vCPUs (one inside a reader stays a
  // blocked reader of this vCPU's leaf until that reader ends); the vCPU
  // reports its quiescent state and leaves its leaf's qsmaskinitnext; its
  // callbacks move to an online vCPU, behind an in-flight Barrier()'s.
  // InvalidArgument for an id outside 0..nr_cpu_ids-1; FailedPrecondition
  // if it is already offline or is the last online vCPU.
  absl::Status OfflineCpu(int cpu);
  // Brings an offline (or never yet online) vCPU online; grace periods that
  // start afterwards wait for it. FailedPrecondition if already online.
  absl::Status OnlineCpu(int cpu);
  // Offloads (true) or de-offloads vCPU `cpu`. Only an offline vCPU may
  // change (the kernel's rule); de-offloading moves its callbacks to an
  // online vCPU. FailedPrecondition if online, InvalidArgument if no such.
  absl::Status SetOffloaded(int cpu, bool offloaded);
  bool CpuOffloaded(int cpu) const {
    return rdps_[cpu].offloaded.load(std::memory_order_relaxed);
  }

  // ---- Introspection. ----
  const Config& config() const { return config_; }
  const Geometry& geometry() const { return geometry_; }
  ReaderMode reader_mode() const { return reader_mode_; }
  int nr_cpu_ids() const { return config_.nr_cpu_ids; }
  int num_online_cpus() const;
  bool CpuOnline(int cpu) const;
  // Acquire: pair with the releases that end grace periods, so a caller
  // that sees a GP ended also sees what happened before its end.
  uint64_t GpSeq() const { return gp_seq_.load(std::memory_order_acquire); }
  uint64_t ExpSeq() const { return exp_seq_.load(std::memory_order_acquire); }
  RcuStats GetStats() const;
  // The kernel's dump_tree format (see Geometry::Dump()).
  std::string DumpTree() const { return geometry_.Dump(); }
  // Human-readable GP state: gp_seq, GP thread state, each node's qsmask,
  // the vCPUs and threads (name/tid) still holding the GP, blocked readers.
  std::string DumpGpState() const;
  // Makes the grace-period thread sleep `ms` milliseconds, once, at its next
  // force-quiescent-state wait, deaf to wake-ups (the kernel's
  // rcu_gp_set_torture_wait(), which rcutorture's stall_gp_kthread uses).
  // A grace period in progress then stalls; when `ms` exceeds the stall
  // timeout, a thread waiting for it prints the "kthread starved" report.
  // Makes the next `n` wake-ups of the grace-period thread do nothing: the
  // lost wake-up that the grace-period-start stall check must name.
  void DropGpWakeupsForTesting(int n) {
    drop_gp_wakeups_.store(n, std::memory_order_relaxed);
  }
  void SetGpThreadTortureWait(int ms) {
    gp_torture_wait_ms_.store(ms, std::memory_order_relaxed);
  }
  // True when readers are boosted: Config::boost, and the grace-period
  // thread got SCHED_FIFO kthread_prio (rcu/boost.cc).
  bool BoostActive() const {
    return boost_active_.load(std::memory_order_relaxed);
  }
  // The slot of this instance in internal::tls_readers.words.
  int slot() const { return slot_; }
  // Asks the GP thread for a force-quiescent-state scan now (the kernel's
  // rcu_force_quiescent_state(); the harness's fqs thread uses it).
  void ForceQs();

  // For tests only: the rcu_node `i` (0 is the root) and vCPU `cpu`'s
  // per-vCPU state, to inspect or lock them. Not a stable API.
  RcuNode& NodeForTesting(int i) { return nodes_[i]; }
  RcuData& RdpForTesting(int cpu) { return rdps_[cpu]; }
  // For tests only: MigrateSelf() calls `hook` (if set) on the migrating
  // thread between its detach from the old vCPU and its attach to the new
  // one (signal_reader_test raises a signal there). Process-wide.
  static void SetMigrateHookForTesting(void (*hook)());

 private:
  // A reader holding up the current grace period, a candidate for a
  // priority boost (boost.cc): its thread and the watch value the scan saw.
  struct BoostCandidate {
    internal::ThreadRec* t;
    uint64_t watch;
  };
  friend void internal::ReadLockSlow(internal::ReaderWord* rw, uint64_t w);
  friend void internal::ReadUnlockSlow(internal::ReaderWord* rw, uint64_t w);
  friend internal::ReaderWord* internal::RegisterSelf(int slot);
  friend class ForkHandler;
  void RegisterThreadImpl(int cpu, bool internal_thread, bool on_the_fly);
  friend class DefaultBuilder;
  static absl::StatusOr<std::unique_ptr<Rcu>> CreateInSlot(const Config& config,
                                                           bool default_slot);
  Rcu(const Config& config, Geometry geometry, int slot, ReaderMode mode);
  void Start();

  // tree.cc: GP thread and QS reporting.
  void GpThreadMain(bool resume = false);
  bool GpInit();
  void GpFqsLoop();
  void GpCleanup();
  // `kick_rcuc`: wake the callback thread of a vCPU whose readers hold
  // the grace period up, to poll them (the GP thread's scans; a caller's
  // first scan waits for their reports instead).
  void ForceQuiescentStates(bool kick_rcuc = true);
  // Wakes whoever drives the current grace period: the caller of
  // DriveGpFromCaller() while it does, else the GP thread.
  void WakeGpDriver();
  void GpSlow(int delay);
  void HeavyFence();
  // Asks for grace period `gp_seq_req` (a SeqSnap() value); true if the GP
  // thread must be woken to start it. `urgent`: a caller waits for it, so
  // PaceGp() must not delay it.
  bool StartThisGp(uint64_t gp_seq_req, bool urgent = false);
  // Cuts PaceGp()'s wait short after an urgent request.
  void HurryGp();
  // Synchronize(), after its StartThisGp() asked for a grace period when
  // none was in progress: runs that grace period's start in the caller
  // instead of waking the GP thread (see tree.cc). False when it did
  // nothing, and the GP thread must be woken.
  bool DriveGpFromCaller();
  // GP thread, before a grace period starts: waits until
  // Config::cb_gp_interval_us after the last one started, unless a caller
  // waits for it (urgent), so that a callback flood batches.
  void PaceGp();
  void WakeGpThread();
  bool RootGpDone();
  void InitNewRnpLocked(RcuNode* leaf)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(leaf->lock);
  void CleanupDeadRnpLocked(RcuNode* leaf)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(leaf->lock);
  long CbLen(RcuData* rdp) const;
  void ReportQsRnp(uint64_t mask, RcuNode* rnp, uint64_t gps)
      ABSL_UNLOCK_FUNCTION(rnp->lock);
  void ReportQsRsp() ABSL_UNLOCK_FUNCTION(nodes_[0].lock);
  void ReportUnblockQsRnp(RcuNode* rnp) ABSL_UNLOCK_FUNCTION(rnp->lock);
  // True if every thread attached to rdp has passed a quiescent state for
  // grace period `gps`; `holders`, when given, receives the readers that
  // have not (boost candidates).
  bool CheckCpuQsLocked(RcuData* rdp, uint64_t gps,
                        std::vector<BoostCandidate>* holders = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  bool TryReportCpuQsLocked(RcuData* rdp, std::atomic<uint64_t>* counter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  void AccelerateLocked(RcuData* rdp, bool* needwake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  uint64_t SnapGpSeq() const;
  uint64_t PolledGpSeq() const;

  // Callback processing.
  void RcucMain(RcuData* rdp);
  bool RcuCore(RcuData* rdp);
  void WakeRcuc(RcuData* rdp);
  void EnsureRcucLocked(RcuData* rdp) ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  void WaitForCallbacks();

  // Threads and blocked readers (preempt.cc).
  void AttachLocked(internal::ThreadRec* t, RcuData* rdp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  void DetachLocked(internal::ThreadRec* t, RcuData* rdp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  void QueueBlockedLocked(internal::ThreadRec* t, RcuData* rdp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local);
  void EnqueueBlkdLocked(RcuNode* rnp, internal::BlkdEntry* e, bool blocks_gp)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rnp->lock);
  // Unlinks `e`; true if it was the last entry blocking the current GP.
  bool DequeueBlkdLocked(RcuNode* rnp, internal::BlkdEntry* e)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rnp->lock);
  // Retires rnp's blkd entries whose reader is over; `holders`, when
  // given, receives the readers still blocking the current grace period.
  void RetireProxies(RcuNode* rnp,
                     std::vector<BoostCandidate>* holders = nullptr);
  // Moves rdp's callbacks to trdp (both local locks held), entraining an
  // in-flight barrier's callback on rdp first.
  void MigrateCallbacksLocked(RcuData* rdp, RcuData* trdp, bool* needwake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->local, trdp->local);
  int OnlineTarget(int avoid) const;
  RcuData* LockThreadCpu(internal::ThreadRec* t);
  void UnlockSpecial(internal::ThreadRec* t);
  bool DequeueSelfLocked(RcuNode* rnp, internal::ThreadRec* t)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rnp->lock);
  void CheckNoStaleBlocked(const internal::ThreadRec* t);
  void CheckBlkdLocked(RcuNode* rnp) ABSL_EXCLUSIVE_LOCKS_REQUIRED(rnp->lock);
  // Ends t's reader if it is in one, detaches and frees its record.
  // `thread_gone`: t's thread is not the caller and no longer exists (a
  // fork() child's sweep); otherwise t is the caller's own record.
  void UnregisterRec(internal::ThreadRec* t, bool thread_gone = false);
  int PickCpu();

  // stall.cc.
  void RecordGpStallCheckTime();
  std::chrono::nanoseconds TimeToStallCheck() const;
  void CheckGpStall();
  // The GP-thread checks made by threads waiting for a grace period
  // (Synchronize(), Barrier()), never by the GP thread, whose silence they
  // name; at most one report per stall timeout:
  //  - the grace-period-start stall (the kernel's
  //    rcu_check_gp_start_stall()): a grace period was requested, none is
  //    in progress, and neither the request nor the GP thread has moved for
  //    a stall timeout. Counted (gp_start_stalls); the GP thread is woken.
  //  - GP-thread starvation: a grace period is in progress but the GP
  //    thread has not run for a stall timeout (the kernel's "kthread
  //    starved" report). Counted (gp_kthread_starved).
  void CheckGpStartStall();
  // cv.Wait(mu, pred), running the GP-start stall check (with `mu`
  // released) every half stall timeout while it waits.
  void WaitCheckingGpStart(PlainMutex& mu, PlainCondVar& cv,
                           absl::FunctionRef<bool()> pred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Steady-clock nanoseconds now: the GP-start stall check's clock.
  static int64_t MonoNs();
  void ReportStall(const std::string& text);
  std::string FormatExpStall(
      const std::vector<const internal::ThreadRec*>& holders,
      std::chrono::nanoseconds waited) const;

  // boost.cc.
  // GP thread, at its start: SCHED_FIFO kthread_prio, and boost_active_.
  void SetUpGpThreadPriority();
  // GP thread: true when the current grace period is old enough to boost.
  bool BoostDue() const;
  // GP thread: raises each candidate still inside the reader the scan saw,
  // then undoes the raises whose reader ended unseen (UndoStaleBoosts()).
  void BoostReaders(const std::vector<BoostCandidate>& candidates);
  void RaiseReaders(const std::vector<BoostCandidate>& candidates, int prio);
  void UndoStaleBoosts();
  void CheckBoostedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(boost_mu_);
  // The owner, at a safe point with its reader over (UnlockSpecial()):
  // restores its own scheduling policy if a grace period raised it.
  void DeboostSelf(internal::ThreadRec* t);
  // A record whose thread is gone (fork() child): forget the raise.
  void ForgetBoost(internal::ThreadRec* t);

  // barrier.cc.
  static void BarrierCallback(RcuHead* head);
  void BarrierComplete();

  // ---- Constant after construction. ----
  const Config config_;
  const Geometry geometry_;
  const int slot_;
  const ReaderMode reader_mode_;
  const bool qsbr_;  // Config::qsbr
  const std::chrono::nanoseconds jiffy_;
  std::unique_ptr<RcuNode[]> nodes_;
  std::unique_ptr<RcuData[]> rdps_;

  // ---- Polled grace periods (tree.cc, expedited.cc). ----
  // A grace period's ticket, taken at its start before its first heavy
  // fence (M1, E1); published as done after its last (M2, E2).
  uint64_t TakePolledTicket() {
    // Release: orders the grace period's start (the gp_seq_ or exp_seq_
    // store before this) before its ticket; pairs with GetState()'s
    // acquire, so that a cookie newer than this ticket was taken after the
    // grace period had visibly started, and a Synchronize() that snapped
    // gp_seq_ before this GP started holds a cookie this ticket completes.
    return polled_ticket_.fetch_add(4, std::memory_order_acq_rel) + 4;
  }
  void CompletePolledTicket(uint64_t ticket) {
    uint64_t done = polled_done_.load(std::memory_order_relaxed);
    // Release: a PollState() that sees this ticket done also sees the
    // grace period's closing fence (M2 or E2) and what it ordered.
    while (SeqLt(done, ticket) && !polled_done_.compare_exchange_weak(
                                      done, ticket, std::memory_order_release,
                                      std::memory_order_relaxed)) {
    }
  }
  // One expedited grace period (or a share of a concurrent one). With no
  // thread registered there is no reader to wait for: a ticket is taken
  // and completed at once, under reg_mu_.
  void ExpeditedGpOnce();
  // SynchronizeExpedited() past its checks: the grace period ended at once
  // when no other reader can exist, else ExpeditedGpOnce().
  void ExpeditedGp();
  // The grace period of a caller that no reader can hold up, ended at once
  // under reg_mu_ alone: false (nothing done) when another thread is
  // registered or an expedited grace period is in progress.
  bool EndGpAtOnce();
  // Takes and completes a ticket and moves exp_seq_ (even, `s`) by one
  // whole grace period.
  void EndGpAtOnceLocked(uint64_t s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reg_mu_);
  // No thread but the caller (outside any reader of this instance) is
  // registered, `n_threads` being the registered count: no reader exists
  // to wait for (Synchronize()'s and ExpeditedGpOnce()'s fast path).
  bool NoOtherReaderPossible(int n_threads) const;
  bool NoOtherReaderPossibleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(reg_mu_);
  // QsbrReadLock() with debug checks: online required.
  void QsbrReadLockChecked();
  // For the duration of a wait on a QSBR instance, takes an online calling
  // thread offline (and back online after), so that the grace period does
  // not wait for its own caller. Nothing on other instances.
  class QsbrWaitScope {
   public:
    explicit QsbrWaitScope(Rcu& r) {
      if (r.qsbr_) [[unlikely]]
        Enter(r);
    }
    ~QsbrWaitScope() {
      if (rw_ != nullptr) [[unlikely]]
        Leave();
    }
    QsbrWaitScope(const QsbrWaitScope&) = delete;
    QsbrWaitScope& operator=(const QsbrWaitScope&) = delete;

   private:
    void Enter(Rcu& r);
    void Leave();
    internal::ReaderWord* rw_ = nullptr;
  };

  // ---- Grace-period state. ----
  // Authoritative gp_seq; written under nodes_[0].lock, loaded anywhere.
  std::atomic<uint64_t> gp_seq_;
  // kGpFlag* bits; written under nodes_[0].lock, loaded by the GP thread.
  std::atomic<uint32_t> gp_flags_{0};
  std::atomic<GpState> gp_state_{GpState::kIdle};
  std::atomic<uint64_t> gps_completed_{0};
  std::atomic<uint64_t> fqs_scans_{0};
  std::atomic<uint64_t> qs_rcuc_{0}, qs_unlock_{0}, qs_fqs_{0};
  std::atomic<uint64_t> blocked_readers_{0};
  std::atomic<uint64_t> unlocks_deferred_{0}, deferred_retired_{0};
  std::atomic<uint64_t> stalls_{0}, exp_stalls_{0};
  // The newest grace period a caller waits for (StartThisGp()'s urgent);
  // written under nodes_[0].lock, loaded by the GP thread in PaceGp().
  std::atomic<uint64_t> urgent_gp_seq_{kInitialGpSeq};
  // GP thread only: when the last grace period started (PaceGp()).
  std::chrono::steady_clock::time_point last_gp_init_;
  // GP thread only: when the current GP started and when it next warns.
  std::chrono::steady_clock::time_point gp_start_time_;
  std::chrono::steady_clock::time_point next_stall_check_;
  std::atomic<bool> stop_{false};
  std::thread gp_thread_;
  // Held by a Synchronize() caller while it runs a grace period's start
  // (DriveGpFromCaller()), and by fork()'s prepare handler (an outer lock):
  // no grace period is half started at fork().
  PlainMutex gp_driver_mu_;
  // A Synchronize() caller drives the current grace period; written under
  // nodes_[0].lock (WakeGpDriver() wakes it, not the GP thread).
  std::atomic<bool> caller_driving_{false};
  PlainMutex caller_wq_mu_;  // the driving caller's wait queue
  PlainCondVar caller_wq_cv_;
  bool caller_waiting_ ABSL_GUARDED_BY(caller_wq_mu_) = false;
  std::atomic<uint64_t> caller_gps_{0};       // grace periods a caller started
  std::atomic<uint64_t> caller_gps_done_{0};  // ... and also ended
  PlainMutex gp_wq_mu_;                       // GP thread's wait queue
  PlainCondVar gp_wq_cv_;
  // The GP thread is in PaceGp()'s wait (HurryGp() wakes it).
  bool gp_pacing_ ABSL_GUARDED_BY(gp_wq_mu_) = false;
  PlainMutex done_mu_;  // Synchronize() waiters
  PlainCondVar done_cv_;
  PlainMutex ofl_mu_;      // excludes hotplug from GP init's ONOFF pass
  PlainMutex hotplug_mu_;  // one OfflineCpu()/OnlineCpu() at a time
  std::atomic<uint64_t> hotplug_ops_{0};
  // FQS found an offline vCPU still owing a QS (its offline path should
  // have reported it): a hotplug bug, WARNed in debug builds.
  std::atomic<uint64_t> fqs_offline_fixups_{0};
  // The GP-start stall check's clocks (MonoNs()): the last new grace-period
  // request (StartThisGp()) and the GP thread's last sign of life, and when
  // the check last reported (one report per stall timeout).
  std::atomic<int64_t> gp_req_activity_ns_{0};
  std::atomic<int64_t> gp_activity_ns_{0};
  std::atomic<int64_t> gp_start_stall_report_ns_{0};
  std::atomic<uint64_t> gp_start_stalls_{0};
  std::atomic<uint64_t> gp_kthread_starved_{0};
  // SetGpThreadTortureWait(): the GP thread's next FQS wait first sleeps
  // this long (ms), once.
  std::atomic<int> gp_torture_wait_ms_{0};
  std::atomic<int> drop_gp_wakeups_{0};   // DropGpWakeupsForTesting()
  std::atomic<int> expedite_nesting_{0};  // ExpediteGp() - UnexpediteGp()

  // ---- Expedited (expedited.cc). ----
  PlainMutex exp_mu_;
  // The threads an expedited grace period found inside a reader, and the
  // watch it saw; reused from one expedited GP to the next.
  std::vector<std::pair<const internal::ThreadRec*, uint64_t>> exp_busy_
      ABSL_GUARDED_BY(exp_mu_);
  // Moved into a grace period (odd) under exp_mu_ and reg_mu_, out of one
  // under exp_mu_, and by a whole grace period at once under reg_mu_ only
  // while even (EndGpAtOnce()); loaded by callers taking a snapshot.
  std::atomic<uint64_t> exp_seq_;
  // GetState() tickets: the last taken and the newest done (a monotonic
  // max). gp_ticket_: the current normal grace period's (GP thread only).
  std::atomic<uint64_t> polled_ticket_;
  std::atomic<uint64_t> polled_done_;
  uint64_t gp_ticket_ = 0;
  std::atomic<uint64_t> exp_completed_{0};

  // ---- Priority boosting (boost.cc). ----
  std::atomic<bool> boost_active_{false};
  // Orders raising and restoring a thread's priority; guards every
  // ThreadRec's boost fields (Group 4) and boosted_. Never held across a
  // call that may block on a thread that is not real-time.
  PlainMutex boost_mu_;
  std::vector<internal::ThreadRec*> boosted_ ABSL_GUARDED_BY(boost_mu_);
  std::atomic<uint64_t> boosts_{0}, boosts_undone_{0};

  // ---- Barrier (barrier.cc). ----
  PlainMutex barrier_mu_;    // one barrier at a time
  PlainMutex barrier_lock_;  // entrain vs. callback migration
  // Written under barrier_mu_; loaded by callers taking a snapshot.
  std::atomic<uint64_t> barrier_seq_{0};
  std::atomic<long> barrier_cpu_count_{0};
  PlainMutex barrier_done_mu_;
  PlainCondVar barrier_done_cv_;
  bool barrier_done_ ABSL_GUARDED_BY(barrier_done_mu_) = false;
  std::atomic<uint64_t> barriers_{0};

  // ---- Thread registry. ----
  mutable PlainMutex reg_mu_;
  std::vector<std::unique_ptr<internal::ThreadRec>> recs_
      ABSL_GUARDED_BY(reg_mu_);
  internal::ThreadRec* free_recs_ ABSL_GUARDED_BY(reg_mu_) = nullptr;
  int n_registered_ ABSL_GUARDED_BY(reg_mu_) = 0;  // user threads
  // n_registered_ + n_internal_, stored under reg_mu_ and loaded without
  // it: the hint for Synchronize()'s short path, rechecked under the lock.
  std::atomic<int> n_threads_hint_{0};
  int n_internal_ ABSL_GUARDED_BY(reg_mu_) = 0;  // rcuc threads that read
  std::atomic<uint32_t> rr_cpu_{0};

  // ---- fork() (fork.cc). ----
  // Set by the prepare handler: the GP and rcuc threads park at their next
  // wait point (holding no lock, no callback in hand) until it is cleared.
  std::atomic<bool> fork_park_{false};
  // Set (under g_slots_mu) when ~Rcu() begins: fork() leaves it alone.
  std::atomic<bool> dying_{false};
  // GP and rcuc threads started; changes only under a local lock (rcuc) or
  // before the instance is published (the GP thread).
  std::atomic<int> n_threads_{0};
  PlainMutex fork_mu_;
  PlainCondVar fork_cv_;
  int fork_parked_ ABSL_GUARDED_BY(fork_mu_) = 0;
  // Set in a fork() child: the GP and callback threads start on the
  // child's first update-side call (MaybeRestartAfterFork()), not in the
  // handler, so that fork() + exec() starts no thread.
  std::atomic<bool> restart_threads_{false};
  void ParkForFork();
  void MaybeRestartAfterFork() {
    // Acquire: pairs with the release that clears it once restarted.
    if (restart_threads_.load(std::memory_order_acquire)) [[unlikely]]
      RestartAfterFork();
  }
  void RestartAfterFork();
};

}  // namespace rcu

#endif  // RCU_TREE_H_

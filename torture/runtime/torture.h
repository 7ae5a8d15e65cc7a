// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// torture.h: the harness's shared state and lifecycle (the kernel's
// rcutorture.c globals plus kernel/torture.c's thread machinery).
//
// One test per process ("One torture test at a time!"): the state is a
// process-wide singleton, T(). RunTorture() is rcu_torture_init() followed
// by waiting shutdown_secs and rcu_torture_cleanup():
//
//   init:    select ops, ops->init, resolve nreaders/nfakewriters, print
//            Start of test, fill the pool, choose the update types, then
//            create writer, fake writers, readers, stats, shuffler,
//            stutter, fqs, stall, forward progress, barrier, read-exit
//            (and the watchdog, which is ours).
//   cleanup: fullstop; stop shuffler and stutter; read-exit; barrier
//            (coordinator, then callback threads); forward progress;
//            stall; writer; readers; fake writers; End-test GP state;
//            stats; fqs; module unload (modules.h); the barriers of the
//            flavour and of every SRCU domain in use, concurrently ("Wait
//            for all RCU callbacks to fire"); the module domains'
//            cleanup; final stats; reader segment dump;
//            ops->cleanup (its errors count); lockdep-RCU splat count; End
//            of test verdict; JSON.
//
// Thread kinds live one per file: writer.cc, reader.cc, fakewriter.cc,
// stats.cc, shuffler.cc, stutter.cc, watchdog.cc, fqs.cc, stall.cc,
// fwd_prog.cc, barrier.cc, read_exit.cc (later: onoff.cc). Each is started through
// CreateTortureThread(), which logs "Creating X task", registers the thread
// with the flavour and the shuffler; each ends by KthreadStopping(), which
// logs "X is stopping" and waits to be joined.
#ifndef TORTURE_RUNTIME_TORTURE_H_
#define TORTURE_RUNTIME_TORTURE_H_

#include <pthread.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fmt/format.h"
#include "torture/runtime/mutex.h"
#include "torture/flavours/ops.h"
#include "torture/runtime/params.h"
#include "torture/runtime/pool.h"
#include "torture/runtime/random.h"

namespace torture {

// Exit codes.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitHang = 2;
inline constexpr int kExitHotplug = 3;
inline constexpr int kExitUsage = 64;

// fullstop (kernel/torture.c).
enum FullStop : int { kDontStop = 0, kShutdown = 1, kRmmod = 2 };

// Writer states, with the kernel's names (rcu_torture_writer_state).
#define RTWS_STATES(X)                                                      \
  X(RTWS_FIXED_DELAY) X(RTWS_DELAY) X(RTWS_REPLACE) X(RTWS_DEF_FREE)        \
  X(RTWS_EXP_SYNC) X(RTWS_COND_GET) X(RTWS_COND_GET_FULL)                   \
  X(RTWS_COND_GET_EXP) X(RTWS_COND_GET_EXP_FULL) X(RTWS_COND_SYNC)          \
  X(RTWS_COND_SYNC_FULL) X(RTWS_COND_SYNC_EXP) X(RTWS_COND_SYNC_EXP_FULL)   \
  X(RTWS_POLL_GET) X(RTWS_POLL_GET_FULL) X(RTWS_POLL_GET_EXP)               \
  X(RTWS_POLL_GET_EXP_FULL) X(RTWS_POLL_WAIT) X(RTWS_POLL_WAIT_FULL)        \
  X(RTWS_POLL_WAIT_EXP) X(RTWS_POLL_WAIT_EXP_FULL) X(RTWS_SYNC)             \
  X(RTWS_STUTTER) X(RTWS_STOPPING)
enum WriterState : int {
#define TORTURE_ENUM(n) n,
  RTWS_STATES(TORTURE_ENUM)
#undef TORTURE_ENUM
};
const char* WriterStateName(int s);

// The memory-ordering mailbox of one reader (rcu_torture_reader_check).
struct alignas(128) ReaderCheck {
  std::atomic<unsigned long> myloops{0};      // rtc_myloops
  std::atomic<int> chkrdr{-1};                // rtc_chkrdr
  std::atomic<unsigned long> chkloops{0};     // rtc_chkloops
  std::atomic<int> ready{0};                  // rtc_ready
  std::atomic<ReaderCheck*> assigner{nullptr};  // rtc_assigner
};

// Per-reader histograms (the kernel's per-CPU rcu_torture_count and
// rcu_torture_batch). Only the owning reader stores; stats sum them. One
// extra slot, after the readers', is shared by readers without an id
// (read-exit children), which add to it atomically.
struct alignas(128) ReaderHist {
  std::array<std::atomic<uint64_t>, kPipeLen + 1> pipe{};
  std::array<std::atomic<uint64_t>, kPipeLen + 1> batch{};
};

// One torture thread.
struct ThreadCtx {
  std::string name;  // "rcu_torture_reader"
  int index = 0;
  int cpu_hint = -1;
  std::thread thread;
  pthread_t handle{};
  // kthread_should_stop(). Set by StopTortureThread() before the join.
  std::atomic<bool> should_stop{false};
  // vCPU the shuffler wants this thread on; -1: no request. The thread
  // applies it at its next loop iteration, outside any reader.
  std::atomic<int> target_cpu{-1};
  // Watchdog marks: when the thread entered a blocking RCU primitive
  // (0: not in one) and which. Relaxed: the watchdog only needs to see a
  // stale mark eventually.
  std::atomic<int64_t> blocked_since_ns{0};
  std::atomic<const char*> blocked_in{nullptr};
};

// The calling thread's ThreadCtx (nullptr on main before cleanup).
ThreadCtx* CurrentThread();

struct TortureState {
  Params p;
  const TortureOps* ops = nullptr;
  std::string type;  // torture_type
  int nrealreaders = 1;
  int nrealfakewriters = 0;
  int online_cpus = 1;  // ops->num_online_cpus() at init

  std::atomic<int> fullstop{kRmmod};

  Pool pool;
  // rcu_torture_current: the one RCU-protected pointer.
  std::atomic<TortureElem*> current{nullptr};
  std::atomic<unsigned long> current_version{0};
  std::atomic<int> writer_state{RTWS_STOPPING};
  std::atomic<int> writer_cpu{-1};

  // Error and statistics counters.
  std::atomic<long> n_mberror{0};     // rtmbe
  std::atomic<long> n_mbchk_fail{0};  // rtmbkf fail
  std::atomic<long> n_mbchk_tries{0};  // rtmbkf tries
  std::atomic<long> n_error{0};       // n_rcu_torture_error
  std::atomic<long> n_barrier_error{0};
  std::atomic<long> n_barrier_attempts{0};
  std::atomic<long> n_barrier_successes{0};
  std::atomic<long> n_timers{0};      // nt
  std::atomic<long> n_read_exits{0};  // read-exits
  // torture_onoff statistics (onoff.cc); times in jiffies.
  std::atomic<long> n_online_attempts{0}, n_online_successes{0};
  std::atomic<long> n_offline_attempts{0}, n_offline_successes{0};
  std::atomic<long> min_online{0}, max_online{0}, sum_online{0};
  std::atomic<long> min_offline{0}, max_offline{0}, sum_offline{0};
  // nocb-toggles: offloads and de-offloads done (nocb_toggle.cc).
  std::atomic<long> n_nocb_offload{0}, n_nocb_deoffload{0};
  std::atomic<long> n_warnings{0};    // WARNING: lines printed

  std::unique_ptr<ReaderHist[]> hist;       // nrealreaders + 1 (see ReaderHist)
  std::unique_ptr<ReaderCheck[]> mbchk;     // nrealreaders

  // Update types in use (RTWS_* values), from rcu_torture_write_types().
  std::vector<int> synctypes;
  // The writer's first choices, for replay checks (writer-only until the
  // writer is joined).
  std::vector<int> writer_choices;

  // Stutter: absolute end of the current pause, steady-clock ns.
  std::atomic<int64_t> stutter_till_ns{0};

  // rcu_fwd_cb_nodelay: non-zero while a forward-progress test runs; the
  // readers then skip their long delays and the writer its post-stutter
  // pool check.
  std::atomic<int> fwd_cb_nodelay{0};
  // stallsdone: before this (steady-clock ns) the writer skips its
  // post-stutter pool check, because stall tests hold grace periods.
  // Written by the main thread before the writer starts.
  int64_t stallsdone_ns = 0;

  // Threads, in creation order. Written by the main thread only.
  std::vector<std::unique_ptr<ThreadCtx>> threads;
  ThreadCtx* writer = nullptr;
  std::vector<ThreadCtx*> readers;
  std::vector<ThreadCtx*> fakewriters;
  ThreadCtx* stats = nullptr;
  ThreadCtx* shuffler = nullptr;
  ThreadCtx* stutter = nullptr;
  ThreadCtx* fqs = nullptr;
  ThreadCtx* stall = nullptr;
  std::vector<ThreadCtx*> fwd_progs;
  ThreadCtx* barrier = nullptr;
  std::vector<ThreadCtx*> barrier_cbs;
  ThreadCtx* read_exit = nullptr;
  ThreadCtx* onoff = nullptr;
  std::vector<ThreadCtx*> nocb_togglers;

  // Wakes long sleeps (stats, shuffler, stutter) at stop.
  std::mutex stop_mu;
  std::condition_variable stop_cv;

  // First failing/close-call reader's segments.
  Mutex err_mu;
  std::vector<ReadSeg> err_segs ABSL_GUARDED_BY(err_mu);
  bool err_preempted ABSL_GUARDED_BY(err_mu) = false;

  // Set once every thread is created (the thread list no longer changes).
  std::atomic<bool> init_done{false};
  // Cleanup progress, for the watchdog (0: not started).
  std::atomic<int64_t> cleanup_start_ns{0};
  std::atomic<const char*> cleanup_step{""};

  int64_t start_ns = 0;
  int64_t stop_ns = 0;  // fullstop set
  uint64_t start_gps = 0;
  // Read from the flavour for the JSON summary before ops->cleanup.
  uint64_t end_gps = 0;
  std::string reader_mode = "unknown";
};

TortureState& T();

// ---- Time. ----
int64_t NowNs();
// Busy-waits `us` microseconds (udelay/mdelay).
void UDelay(int64_t us);
// Sleeps; QSBR flavours go offline around it.
void TortureSleepUs(int64_t us);
// Sleeps until `deadline_ns` or until the calling thread is told to stop
// (or fullstop); true if told to stop.
bool SleepUntilOrStop(int64_t deadline_ns);

// ---- Output. Every line starts with "<type>-torture:". ----
void PrintLine(std::string_view line);  // raw, whole line, flushed
void TorOut(std::string_view s);          // "<type>-torture: s"
void VerboseTorOut(std::string_view s);   // same, if verbose
void TorErr(std::string_view s);          // "<type>-torture:!!! s"
// A kernel-style WARNING line; counted in n_warnings.
void TortureWarn(std::string_view where, std::string_view what);

// ---- Threads. ----
bool MustStopIrq();  // fullstop != kDontStop
bool MustStop();     // MustStopIrq() || this thread's should_stop
ThreadCtx* CreateTortureThread(const std::string& name, int index, int cpu_hint,
                               std::function<void()> fn);
void StopTortureThread(ThreadCtx*& t);
// Prints "<name> is stopping" (verbose), then waits for should_stop.
void KthreadStopping(const char* name);
// stutter_wait(): true if it paused.
bool StutterWait();
// Applies a pending shuffler vCPU request for the calling thread.
void ApplyShuffle();

// ---- Cleanup barriers. ----
// After stopping the torture threads the cleanup must wait for every
// callback the run posted, on every flavour and every SRCU domain its
// callbacks can reach: ops->cb_barrier, plus each barrier registered here
// (by a flavour's init(), or any other user of a second flavour or domain).
void RegisterCleanupBarrier(std::string name, std::function<void()> fn);
// Prints "rcu_torture_cleanup: Invoking <name>()." for each, then runs them:
// inline when there is one, on one thread each when there are several (the
// seed's "use workqueues to run these functions concurrently"), and returns
// when all have returned. Forgets the registrations.
void RunCleanupBarriers();

// Marks the calling thread as blocked in an RCU primitive, for the watchdog.
class GpWaitScope {
 public:
  explicit GpWaitScope(const char* what);
  ~GpWaitScope();
  GpWaitScope(const GpWaitScope&) = delete;
  GpWaitScope& operator=(const GpWaitScope&) = delete;

 private:
  ThreadCtx* t_;
};

// ---- Thread kinds (one file each). ----
void WriterMain();
void ReaderMain(int id);
void FakeWriterMain(int id);
void StatsMain();
void ShufflerMain();
void StutterMain();
void WatchdogMain(std::atomic<bool>* done);
// Disturbance and end-to-end test threads: each XInit() prints the
// kernel's messages and creates its threads if its parameters ask for
// them; each XCleanup() stops them (cleanup order: see the file comment).
void FqsInit();                 // fqs.cc
void FqsCleanup();
void StallInit();               // stall.cc
void StallCleanup();
void FwdProgInit();             // fwd_prog.cc
void FwdProgCleanup();
void BarrierInit();             // barrier.cc
void BarrierCleanup();
void ReadExitInit();            // read_exit.cc
void ReadExitCleanup();
void OnoffInit();               // onoff.cc
void OnoffCleanup();            // also brings every vCPU it used back online
bool OnoffFailures();           // torture_onoff_failures()
std::string OnoffStats();       // "onoff: ... (HZ=n) " or "" when off
void NocbToggleInit();          // nocb_toggle.cc
void NocbToggleCleanup();

// rcu_torture_one_read(): one read-side critical section with the
// harness's checks. `myid` < 0: a reader without a mailbox or histogram
// slot of its own (read-exit children). False if there was no element yet.
bool TortureOneRead(TortureRandom& r, int myid);
// Counts an error that makes the verdict FAILURE (n_rcu_torture_error) and
// prints it as a "<type>-torture:!!! " line.
void TortureError(std::string_view what);

// rcu_torture_write_types(): fills T().synctypes; prints the kernel's lines.
void ChooseWriteTypes();
// rcu_torture_stats_print(); returns true if it found an error.
void StatsPrint();
// Reader totals for stats and JSON.
std::array<uint64_t, kPipeLen + 1> SumPipe();
std::array<uint64_t, kPipeLen + 1> SumBatch();
// The "Failure/close-call rcutorture reader segments:" dump.
void DumpErrSegs();
// JSON summary (json.cc).
std::string JsonSummary(const char* verdict, int exit_code);

// The whole run; returns the process exit code.
int RunTorture(const Params& p);

}  // namespace torture

#endif  // TORTURE_RUNTIME_TORTURE_H_

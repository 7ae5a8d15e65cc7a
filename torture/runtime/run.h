// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// run.h: one torture run: the state its components share (the kernel's
// rcutorture.c globals that more than one thread kind reads) and
// RunTorture(), which walks the component table (component.h).
//
// One run per process ("One torture test at a time!"). RunTorture() is
// rcu_torture_init(), then waiting shutdown_secs, then
// rcu_torture_cleanup(): the flavour's init, the Start lines, the table's
// components started in table order; at the end fullstop, the components
// stopped in the table's cleanup order, every flavour's and SRCU domain's
// barrier (cleanup_barriers.h), the components' Finish() steps, the
// flavour's cleanup, the lockdep-RCU count, the verdict and the JSON
// summary. The watchdog (watchdog.h) supervises all of it.
#ifndef TORTURE_RUNTIME_RUN_H_
#define TORTURE_RUNTIME_RUN_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "torture/runtime/component.h"
#include "torture/runtime/mutex.h"
#include "torture/runtime/ops.h"
#include "torture/runtime/output.h"
#include "torture/runtime/params.h"
#include "torture/runtime/pool.h"
#include "torture/runtime/random.h"
#include "torture/runtime/thread.h"

namespace torture {

// Exit codes.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitHang = 2;
inline constexpr int kExitHotplug = 3;
// "End of test: SUCCESS" as the kernel prints it, but the run printed
// WARNING lines (a cookie check, a writer stall, a stall warning nobody
// induced, ...): not a clean run. (A "!!!" line makes it FAILURE.)
inline constexpr int kExitWarnings = 4;
inline constexpr int kExitUsage = 64;

// Writer states, with the kernel's names (rcu_torture_writer_state).
// clang-format off
#define RTWS_STATES(X) \
  X(RTWS_FIXED_DELAY)        \
  X(RTWS_DELAY)              \
  X(RTWS_REPLACE)            \
  X(RTWS_DEF_FREE)           \
  X(RTWS_EXP_SYNC)           \
  X(RTWS_COND_GET)           \
  X(RTWS_COND_GET_FULL)      \
  X(RTWS_COND_GET_EXP)       \
  X(RTWS_COND_GET_EXP_FULL)  \
  X(RTWS_COND_SYNC)          \
  X(RTWS_COND_SYNC_FULL)     \
  X(RTWS_COND_SYNC_EXP)      \
  X(RTWS_COND_SYNC_EXP_FULL) \
  X(RTWS_POLL_GET)           \
  X(RTWS_POLL_GET_FULL)      \
  X(RTWS_POLL_GET_EXP)       \
  X(RTWS_POLL_GET_EXP_FULL)  \
  X(RTWS_POLL_WAIT)          \
  X(RTWS_POLL_WAIT_FULL)     \
  X(RTWS_POLL_WAIT_EXP)      \
  X(RTWS_POLL_WAIT_EXP_FULL) \
  X(RTWS_SYNC)               \
  X(RTWS_STUTTER)            \
  X(RTWS_STOPPING)
// clang-format on
enum WriterState : int {
#define TORTURE_ENUM(n) n,
  RTWS_STATES(TORTURE_ENUM)
#undef TORTURE_ENUM
};
const char* WriterStateName(int s);

// Per-reader histograms (the kernel's per-CPU rcu_torture_count and
// rcu_torture_batch). Only the owning reader stores; stats sum them. One
// extra slot, after the readers', is shared by readers without an id
// (read-exit children), which add to it atomically.
struct alignas(128) ReaderHist {
  std::array<std::atomic<uint64_t>, kPipeLen + 1> pipe{};
  std::array<std::atomic<uint64_t>, kPipeLen + 1> batch{};
};

struct Run {
  // `p` with its seed resolved; `ops` the flavour, already initialized.
  Run(const Params& params, const TortureOps* flavour, int online);
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // ---- Fixed for the whole run. ----
  const Params p;
  const TortureOps* const ops;
  const std::string type;      // torture_type
  const int online_cpus;       // ops->num_online_cpus() at init
  const int nrealreaders;      // nreaders resolved
  const int nrealfakewriters;  // nfakewriters resolved

  ThreadSet threads;
  // The components, in table order (stats, JSON and the verdict ask each).
  // Filled before the first Start(); never shrinks.
  std::vector<std::unique_ptr<Component>> components;

  // ---- The protected element and its checks. ----
  Pool pool;
  // rcu_torture_current: the one RCU-protected pointer.
  std::atomic<TortureElem*> current{nullptr};
  std::atomic<unsigned long> current_version{0};
  std::atomic<int> writer_state{RTWS_STOPPING};
  std::atomic<int> writer_cpu{-1};
  std::atomic<long> n_mberror{0};        // rtmbe
  std::atomic<long> n_mbchk_fail{0};     // rtmbkf fail
  std::atomic<long> n_mbchk_tries{0};    // rtmbkf tries
  std::atomic<long> n_barrier_error{0};  // rtbe (barrier torture's errors)
  std::atomic<long> n_timers{0};         // nt
  // The boost test's (components/boost.cc): thread setup failures, boost
  // failures, test intervals run.
  std::atomic<long> n_boost_ktrerror{0};  // rtbke
  std::atomic<long> n_boost_failure{0};   // rtbf
  std::atomic<long> n_boosts{0};          // rtb
  std::unique_ptr<ReaderHist[]> hist;     // nrealreaders + 1 (see ReaderHist)
  std::unique_ptr<ReaderCheck[]> mbchk;   // nrealreaders

  // Update types in use (RTWS_* values), from rcu_torture_write_types();
  // written by the writer's Start(), read-only afterwards.
  std::vector<int> synctypes;
  // The writer's first choices, for replay checks (writer-only until the
  // writer is joined).
  std::vector<int> writer_choices;

  // rcu_fwd_cb_nodelay: non-zero while a forward-progress test runs; the
  // readers then skip their long delays and the writer its post-stutter
  // pool check.
  std::atomic<int> fwd_cb_nodelay{0};
  // stallsdone: before this (steady-clock ns) the writer skips its
  // post-stutter pool check, because stall tests hold grace periods.
  int64_t stallsdone_ns = 0;

  // First failing/close-call reader's segments.
  Mutex err_mu;
  std::vector<ReadSeg> err_segs ABSL_GUARDED_BY(err_mu);
  bool err_preempted ABSL_GUARDED_BY(err_mu) = false;

  // ---- Progress, for the watchdog and the summary. ----
  std::atomic<int64_t> cleanup_start_ns{0};  // 0: not started
  std::atomic<const char*> cleanup_step{""};
  int64_t start_ns = 0;
  int64_t stop_ns = 0;  // fullstop set
  uint64_t start_gps = 0;
  uint64_t end_gps = 0;  // read from the flavour before ops->cleanup
  std::string reader_mode = "unknown";

  // Reader totals for stats and JSON.
  std::array<uint64_t, kPipeLen + 1> SumPipe() const;
  std::array<uint64_t, kPipeLen + 1> SumBatch() const;
};

// The whole run of flavour `ops` (the torture_type's, which the caller
// looked up); returns the process exit code.
int RunTorture(const Params& p, const TortureOps* ops);

}  // namespace torture

#endif  // TORTURE_RUNTIME_RUN_H_

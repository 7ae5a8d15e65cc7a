// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "fmt/format.h"
#include "torture/runtime/cleanup_barriers.h"
#include "torture/runtime/json.h"
#include "torture/runtime/lockdep.h"
#include "torture/runtime/watchdog.h"

namespace torture {
namespace {

// Set by SIGINT/SIGTERM: end the run early, through the normal cleanup.
std::atomic<bool> g_interrupted{false};

Run* g_run = nullptr;
void OnInterrupt(int) { g_interrupted.store(true, std::memory_order_relaxed); }

int ResolveCount(int n, int online) {
  if (n >= 0) return n;
  return std::max(1, online - 2 - n);
}

void PrintModuleParms(const Run& run, std::string_view tag) {
  PrintLine(
      fmt::format("{}-torture:--- {}: {}", run.type, tag, ParamLine(run.p)));
}

// The rows of the table in the order of `rank` (ascending), skipping 0.
std::vector<size_t> RowsByRank(const std::vector<ComponentRow>& table,
                               int ComponentRow::*rank) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].*rank != 0) rows.push_back(i);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
    return table[a].*rank < table[b].*rank;
  });
  return rows;
}

}  // namespace

const char* WriterStateName(int s) {
  static const char* const kNames[] = {
#define TORTURE_NAME(n) #n,
      RTWS_STATES(TORTURE_NAME)
#undef TORTURE_NAME
  };
  if (s < 0 || s >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return "RTWS_UNKNOWN";
  }
  return kNames[s];
}

Run::Run(const Params& params, const TortureOps* flavour, int online)
    : p(params),
      ops(flavour),
      type(params.torture_type),
      online_cpus(online),
      nrealreaders(std::max(1, ResolveCount(params.nreaders, online))),
      nrealfakewriters(ResolveCount(params.nfakewriters, online)),
      hist(std::make_unique<ReaderHist[]>(nrealreaders + 1)),
      mbchk(std::make_unique<ReaderCheck[]>(nrealreaders)) {}

std::array<uint64_t, kPipeLen + 1> Run::SumPipe() const {
  std::array<uint64_t, kPipeLen + 1> s{};
  for (int r = 0; r <= nrealreaders; ++r) {  // + the shared slot
    for (int i = 0; i <= kPipeLen; ++i)
      s[i] += hist[r].pipe[i].load(std::memory_order_relaxed);
  }
  return s;
}

std::array<uint64_t, kPipeLen + 1> Run::SumBatch() const {
  std::array<uint64_t, kPipeLen + 1> s{};
  for (int r = 0; r <= nrealreaders; ++r) {  // + the shared slot
    for (int i = 0; i <= kPipeLen; ++i)
      s[i] += hist[r].batch[i].load(std::memory_order_relaxed);
  }
  return s;
}

int RunTorture(const Params& params, const TortureOps* ops) {
  InitOutput(params.torture_type, params.verbose);
  InitThreadRuntime(ops);
  const std::vector<ComponentRow>& table = ComponentTable();
  for (const ComponentRow& row : table) {
    if (row.validate == nullptr) continue;
    if (absl::Status ms = row.validate(params, *ops); !ms.ok()) {
      std::fprintf(stderr, "rcutorture: %s\n",
                   std::string(ms.message()).c_str());
      return kExitUsage;
    }
  }
  // Before the flavour's init, so that a splat there is printed and counted.
  LockdepStart(params, ops);
  if (ops->init != nullptr) {
    absl::Status st = ops->init(params);
    if (!st.ok()) {
      std::fprintf(stderr, "rcutorture: %s\n",
                   std::string(st.message()).c_str());
      return kExitUsage;
    }
  }
  Params p = params;
  // The Start and End lines say whether the checks ran (a flavour such as
  // busted-lockdep, a debug build or RCU_LOCKDEP=1 turns them on too).
  if (LockdepEnabled()) p.lockdep = true;
  if (p.seed == 0) {
    p.seed = SplitMix64(
        static_cast<uint64_t>(
            std::chrono::system_clock::now().time_since_epoch().count()) ^
        static_cast<uint64_t>(getpid()));
    if (p.seed == 0) p.seed = 1;
  }
  // Lives for the process (reachable through g_run): late callbacks may
  // still reach it and its components after this function returns.
  g_run = new Run(p, ops, ops->num_online_cpus());
  Run& run = *g_run;

  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);

  SetFullStop(kDontStop);
  PrintModuleParms(run, "Start of test");
  if (ops->describe != nullptr) TorOut(ops->describe());
  TorOut(fmt::format(
      "nrealreaders={} nrealfakewriters={} online_cpus={} seed={}",
      run.nrealreaders, run.nrealfakewriters, run.online_cpus, p.seed));
  if (ops->total_gps != nullptr) run.start_gps = ops->total_gps();
  run.pool.Reset(ops);

  // The components, created in table order (constructors print nothing).
  for (const ComponentRow& row : table) run.components.push_back(row.make(run));

  Watchdog watchdog(run);
  run.start_ns = NowNs();
  for (auto& c : run.components) c->Start();
  run.threads.MarkComplete();

  // Run: shutdown_secs (torture_shutdown), or until SIGINT/SIGTERM.
  int64_t end = p.shutdown_secs > 0
                    ? run.start_ns + int64_t{p.shutdown_secs} * 1'000'000'000
                    : INT64_MAX;
  if (p.shutdown_secs > 0 && p.verbose) {
    TorOut(fmt::format("torture_shutdown task: {} ms remaining",
                       int64_t{p.shutdown_secs} * 1000));
  }
  while (NowNs() < end && !g_interrupted.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (p.shutdown_secs > 0 && !g_interrupted.load()) {
    VerboseTorOut("torture_shutdown task shutting down system");
  } else {
    TorOut("Interrupted: cleaning up");
  }

  // ---- rcu_torture_cleanup(): the table's cleanup order. ----
  run.cleanup_start_ns.store(NowNs(), std::memory_order_relaxed);
  SetFullStop(kRmmod);
  run.stop_ns = NowNs();
  for (size_t i : RowsByRank(table, &ComponentRow::stop_rank)) {
    run.cleanup_step.store(table[i].name, std::memory_order_relaxed);
    run.components[i]->Stop();
  }
  // Wait for all RCU callbacks to fire: every flavour's and SRCU domain's
  // barrier in use, concurrently when there are several.
  run.cleanup_step.store("barrier", std::memory_order_relaxed);
  RunCleanupBarriers(*ops);
  for (size_t i : RowsByRank(table, &ComponentRow::finish_rank)) {
    run.cleanup_step.store(table[i].name, std::memory_order_relaxed);
    run.components[i]->Finish();
  }
  // The flavour's own teardown (freeing its instance, cleanup_srcu_struct())
  // comes before the verdict, as in the kernel, so that an error it reports
  // counts; what the JSON summary reads from the flavour is read first.
  run.end_gps = ops->total_gps != nullptr ? ops->total_gps() : run.start_gps;
  if (ops->reader_mode != nullptr) run.reader_mode = ops->reader_mode();
  run.cleanup_step.store("ops cleanup", std::memory_order_relaxed);
  if (ops->cleanup != nullptr) ops->cleanup();
  LockdepReport();

  // The verdict: FAILURE for any error, any barrier error, any component's
  // failure, or any "!!!" line; RCU_HOTPLUG for a failed hotplug attempt;
  // else SUCCESS, with exit code kExitWarnings if any WARNING line was
  // printed (the End line stays the kernel's).
  bool failed = ErrorCount() != 0 || run.n_barrier_error.load() != 0 ||
                run.n_boost_failure.load() != 0 ||
                run.n_boost_ktrerror.load() != 0 || BangLineCount() != 0;
  bool hotplug_failed = false;
  for (const auto& c : run.components) {
    failed = failed || c->Failed();
    hotplug_failed = hotplug_failed || c->HotplugFailed();
  }
  const char* verdict;
  int code;
  if (failed) {
    verdict = "FAILURE";
    code = kExitFailure;
  } else if (hotplug_failed) {
    verdict = "RCU_HOTPLUG";
    code = kExitHotplug;
  } else {
    verdict = "SUCCESS";
    code = WarningCount() != 0 || WarningLineCount() != 0 ? kExitWarnings
                                                          : kExitSuccess;
  }
  std::string json = JsonSummary(run, table, verdict, code);
  PrintModuleParms(run, fmt::format("End of test: {}", verdict));
  watchdog.Stop();

  if (!p.json.empty()) {
    std::ofstream out(p.json);
    out << json;
    if (!out) {
      std::fprintf(stderr, "%s-torture: cannot write JSON summary to '%s'\n",
                   run.type.c_str(), p.json.c_str());
    }
  }
  return code;
}

}  // namespace torture

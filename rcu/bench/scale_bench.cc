// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// scale_bench.cc: how librcu's update-side costs grow with the size of the
// rcu_node tree and with the number of registered threads. Linked into
// rcu_bench; method and results in README.md, "Scaling".
//
// Every benchmark run builds its own explicit instance with
// rcu::Rcu::Create() before the timed region and destroys it afterwards;
// every vCPU of the instance is online. Latencies are timed call by call
// with steady_clock (manual time); the Time column is the mean.
//
// Tree axis. cpus:N is Config::nr_cpu_ids (4, 16, 64, 256, 1024); fanout:64
// is the default geometry (fanout 64, fanout_leaf 16), fanout:2 is fanout 2
// and fanout_leaf 2 (a binary tree: 10 levels at 1024 vCPUs). The measuring
// thread is the only registered thread, attached to vCPU 0; the other vCPUs
// have no thread attached and never run anything.
//   BM_ScaleSync/cpus:N/fanout:F     Synchronize(): one normal grace period.
//   BM_ScaleExp/cpus:N/fanout:F      SynchronizeExpedited().
//   BM_ScaleBarrier/cpus:N/fanout:F/cbs:C
//                                    Barrier() right after posting C
//                                    callbacks from vCPU 0 (C = 0: nothing
//                                    queued anywhere).
//   BM_ScaleCall/cpus:N/fanout:F     Call() throughput: 1 M preallocated
//                                    heads posted from vCPU 0, then one
//                                    Barrier().
// Threads axis. Default geometry with nr_cpu_ids 4; T threads (1, 4, 16,
// 64, 256) registered round-robin on vCPUs 0..3, each then blocked on a
// condition variable outside any read-side critical section. The measuring
// thread is not registered.
//   BM_ScaleThreads/{sync,exp,barrier}/threads:T
//                                    Synchronize(), SynchronizeExpedited(),
//                                    Barrier() with nothing queued.
//
// Counters: median_us, p99_us, max_us (latencies); levels and nodes (the
// instance's rcu_node tree, from Rcu::geometry()). The Synchronize()
// benchmarks also report fqs_per_gp (FQS scans per grace period, from
// Rcu::GetStats()). BM_ScaleBarrier also reports post_ms (median time to
// post the C callbacks) and pending (median number of them not yet invoked
// when Barrier() started). BM_ScaleCall reports posted_Mps, invoked_Mps
// (callbacks invoked during the posting window, per second), e2e_Mps
// (1 M / (posting + Barrier())), drain_ms (the Barrier()) and gps_per_s
// (grace periods completed per second, RcuStats::gps_completed).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "rcu/bench/call_flood.h"
#include "rcu/rcu.h"

namespace {

using Clock = std::chrono::steady_clock;

// The default geometry's fanouts (config.h); fanout:2 uses 2 for both.
constexpr int kDefaultFanout = 64;
constexpr int kDefaultFanoutLeaf = 16;
// vCPUs of the instance in the threads axis.
constexpr int kThreadsAxisCpus = 4;
// Heads posted per BM_ScaleCall iteration.
constexpr long kCallHeads = 1'000'000;
// Callbacks queued before the timed Barrier() in the loaded case.
constexpr long kBarrierCbs = 10'000;
constexpr double kMinTime = 0.2;  // seconds of manual time per benchmark

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The value at quantile q (0..1) of v, nearest rank.
double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

// Callbacks invoked, by every instance (one benchmark runs at a time).
std::atomic<long> g_invoked{0};

void CountInvoked(rcu::RcuHead* /*head*/) {
  g_invoked.fetch_add(1, std::memory_order_relaxed);
}

// Preallocated, prefaulted heads, kept across runs: every head is free
// again once the run's final Barrier() has returned.
rcu::RcuHead* Heads(long n) {
  static std::unique_ptr<rcu::RcuHead[]> heads;
  static long have = 0;
  if (n > have) {
    heads.reset(new rcu::RcuHead[n]());  // value-initialized: prefaulted
    have = n;
  }
  return heads.get();
}

__attribute__((noinline)) void PostBatch(rcu::Rcu& r, rcu::RcuHead* heads,
                                         long n) {
  for (long i = 0; i < n; ++i) r.Call(&heads[i], CountInvoked);
}

// Builds an instance with `cpus` vCPUs, all online, and the given fanouts;
// on failure, skips the benchmark and returns null.
std::unique_ptr<rcu::Rcu> MakeInstance(benchmark::State& state, int cpus,
                                       int fanout, int fanout_leaf) {
  rcu::Config c;
  c.nr_cpu_ids = cpus;
  c.fanout = fanout;
  c.fanout_leaf = fanout_leaf;
  c.name = "scale";
  absl::StatusOr<std::unique_ptr<rcu::Rcu>> r = rcu::Rcu::Create(c);
  if (!r.ok()) {
    state.SkipWithError(r.status().ToString().c_str());
    return nullptr;
  }
  const rcu::Geometry& g = (*r)->geometry();
  state.counters["levels"] = g.num_levels();
  state.counters["nodes"] = g.num_nodes();
  state.SetLabel(rcu::ReaderModeName((*r)->reader_mode()));
  return *std::move(r);
}

// Times `op` once per iteration (manual time) and sets the latency
// counters, in microseconds.
template <typename Op>
void TimeEachCall(benchmark::State& state, Op op) {
  std::vector<double> us;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    op();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    us.push_back(sec * 1e6);
  }
  state.counters["median_us"] = Quantile(us, 0.5);
  state.counters["p99_us"] = Quantile(us, 0.99);
  state.counters["max_us"] = Quantile(us, 1.0);
}

// Sets fqs_per_gp: force-quiescent-state scans per normal grace period
// since `before` (1.0: every grace period ended after its first scan).
void SetFqsPerGp(benchmark::State& state, const rcu::Rcu& r,
                 const rcu::RcuStats& before) {
  const rcu::RcuStats after = r.GetStats();
  const uint64_t gps = after.gps_completed - before.gps_completed;
  if (gps > 0) {
    state.counters["fqs_per_gp"] =
        static_cast<double>(after.fqs_scans - before.fqs_scans) / gps;
  }
}

// ---------------------------------------------------------------------------
// Tree axis: state.range(0) = nr_cpu_ids, state.range(1) = fanout (64: the
// default geometry, 2: fanout and fanout_leaf 2).

// `n` threads registered with `r` on vCPUs 0, 1, ..., round-robin, each
// blocked on a condition variable (a futex wait, outside any read-side
// critical section) until the object is destroyed; then each unregisters.
class IdleThreads {
 public:
  IdleThreads(rcu::Rcu& r, int n) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, &r, i] {
        r.RegisterThread(i % r.nr_cpu_ids());
        std::unique_lock<std::mutex> l(mu_);
        ++ready_;
        cv_.notify_all();
        cv_.wait(l, [this] { return stop_; });
        l.unlock();
        r.UnregisterThread();
      });
    }
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this, n] { return ready_ == n; });
  }
  ~IdleThreads() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  IdleThreads(const IdleThreads&) = delete;
  IdleThreads& operator=(const IdleThreads&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int ready_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// One instance of the requested shape, with the calling thread registered
// on vCPU 0 for the lifetime of the object, and one more registered thread,
// idle: with only the caller registered, Synchronize() and
// SynchronizeExpedited() would take their short path (no other reader can
// exist) and measure no grace period at all.
class TreeInstance {
 public:
  explicit TreeInstance(benchmark::State& state) {
    const int cpus = static_cast<int>(state.range(0));
    const int fanout = static_cast<int>(state.range(1));
    const int leaf = fanout == kDefaultFanout ? kDefaultFanoutLeaf : fanout;
    rcu_ = MakeInstance(state, cpus, fanout, leaf);
    if (rcu_ == nullptr) return;
    rcu_->RegisterThread(/*cpu=*/0);
    idle_ = std::make_unique<IdleThreads>(*rcu_, 1);
  }
  ~TreeInstance() {
    if (rcu_ == nullptr) return;
    idle_.reset();
    rcu_->UnregisterThread();
    rcu_.reset();
  }
  TreeInstance(const TreeInstance&) = delete;
  TreeInstance& operator=(const TreeInstance&) = delete;

  bool ok() const { return rcu_ != nullptr; }
  rcu::Rcu& rcu() { return *rcu_; }

 private:
  std::unique_ptr<rcu::Rcu> rcu_;
  std::unique_ptr<IdleThreads> idle_;
};

// Synchronize() latency: one normal grace period per call, which the GP
// thread runs over the whole tree (init, FQS scan, cleanup) while the
// caller sleeps.
void BM_ScaleSync(benchmark::State& state) {
  TreeInstance inst(state);
  if (!inst.ok()) return;
  rcu::Rcu& r = inst.rcu();
  r.Synchronize();  // warm-up: the first grace period of the instance
  const rcu::RcuStats before = r.GetStats();
  TimeEachCall(state, [&r] { r.Synchronize(); });
  SetFqsPerGp(state, r, before);
}

// SynchronizeExpedited() latency: run by the caller, with one registered
// thread (itself) to scan.
void BM_ScaleExp(benchmark::State& state) {
  TreeInstance inst(state);
  if (!inst.ok()) return;
  rcu::Rcu& r = inst.rcu();
  r.SynchronizeExpedited();
  TimeEachCall(state, [&r] { r.SynchronizeExpedited(); });
}

// Barrier() latency right after posting state.range(2) callbacks from
// vCPU 0; 0 times a barrier with nothing queued on any vCPU.
void BM_ScaleBarrier(benchmark::State& state) {
  TreeInstance inst(state);
  if (!inst.ok()) return;
  rcu::Rcu& r = inst.rcu();
  const long cbs = state.range(2);
  rcu::RcuHead* heads = Heads(std::max(cbs, 1L));
  PostBatch(r, heads, 1);  // warm-up: starts vCPU 0's callback thread
  r.Barrier();
  std::vector<double> us, post_ms, pending;
  for (auto _ : state) {
    const long base = g_invoked.load();
    const Clock::time_point tp = Clock::now();
    PostBatch(r, heads, cbs);
    const Clock::time_point t0 = Clock::now();
    pending.push_back(static_cast<double>(cbs - (g_invoked.load() - base)));
    r.Barrier();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    us.push_back(sec * 1e6);
    post_ms.push_back(Seconds(t0 - tp) * 1e3);
    if (g_invoked.load() - base != cbs) {
      state.SkipWithError("Barrier() returned before every callback ran");
      break;
    }
  }
  state.counters["median_us"] = Quantile(us, 0.5);
  state.counters["p99_us"] = Quantile(us, 0.99);
  state.counters["max_us"] = Quantile(us, 1.0);
  state.counters["post_ms"] = Quantile(post_ms, 0.5);
  state.counters["pending"] = Quantile(pending, 0.5);
}

// Call() throughput: kCallHeads preallocated heads posted from vCPU 0 by
// one registered thread, then one Barrier(); the callback only counts.
void BM_ScaleCall(benchmark::State& state) {
  TreeInstance inst(state);
  if (!inst.ok()) return;
  rcu::Rcu& r = inst.rcu();
  rcu::RcuHead* heads = Heads(kCallHeads);
  PostBatch(r, heads, 1);
  r.Barrier();
  const uint64_t gps0 = r.GetStats().gps_completed;
  const double window = rcu_bench::MeasureCallFlood(
      state, kCallHeads, [&](long n) { PostBatch(r, heads, n); },
      [&] { r.Barrier(); }, [] { return g_invoked.load(); });
  const uint64_t gps = r.GetStats().gps_completed - gps0;
  if (window > 0) state.counters["gps_per_s"] = gps / window;
}

// 4, 16, 64, 256, 1024 vCPUs; default and binary geometry.
const std::vector<std::vector<int64_t>> kTreeArgs = {
    benchmark::CreateRange(4, 1024, /*multi=*/4), {kDefaultFanout, 2}};

BENCHMARK(BM_ScaleSync)
    ->ArgNames({"cpus", "fanout"})
    ->ArgsProduct(kTreeArgs)
    ->UseManualTime()
    ->MinTime(kMinTime)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScaleExp)
    ->ArgNames({"cpus", "fanout"})
    ->ArgsProduct(kTreeArgs)
    ->UseManualTime()
    ->MinTime(kMinTime)
    ->Unit(benchmark::kMicrosecond);
// Nothing queued: microseconds each, so run for kMinTime.
BENCHMARK(BM_ScaleBarrier)
    ->ArgNames({"cpus", "fanout", "cbs"})
    ->ArgsProduct({kTreeArgs[0], kTreeArgs[1], {0}})
    ->UseManualTime()
    ->MinTime(kMinTime)
    ->Unit(benchmark::kMicrosecond);
// kBarrierCbs queued: each iteration also posts them, so a fixed count.
BENCHMARK(BM_ScaleBarrier)
    ->ArgNames({"cpus", "fanout", "cbs"})
    ->ArgsProduct({kTreeArgs[0], kTreeArgs[1], {kBarrierCbs}})
    ->UseManualTime()
    ->Iterations(20)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ScaleCall)
    ->ArgNames({"cpus", "fanout"})
    ->ArgsProduct(kTreeArgs)
    ->UseManualTime()
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Threads axis: state.range(0) idle registered threads.

enum class ThreadsOp { kSync, kExp, kBarrier };

// Synchronize(), SynchronizeExpedited() or an empty Barrier() from an
// unregistered thread, with state.range(0) idle registered threads.
void BM_ScaleThreads(benchmark::State& state, ThreadsOp op) {
  const int n = static_cast<int>(state.range(0));
  std::unique_ptr<rcu::Rcu> r =
      MakeInstance(state, kThreadsAxisCpus, kDefaultFanout, kDefaultFanoutLeaf);
  if (r == nullptr) return;
  {
    IdleThreads idle(*r, n);
    state.counters["registered"] = r->GetStats().registered_threads;
    auto call = [&r, op] {
      switch (op) {
        case ThreadsOp::kSync:
          r->Synchronize();
          break;
        case ThreadsOp::kExp:
          r->SynchronizeExpedited();
          break;
        case ThreadsOp::kBarrier:
          r->Barrier();
          break;
      }
    };
    call();  // warm-up
    const rcu::RcuStats before = r->GetStats();
    TimeEachCall(state, call);
    if (op == ThreadsOp::kSync) SetFqsPerGp(state, *r, before);
  }
  r.reset();
}

// The threads axis: 1, 4, 16, 64, 256 registered threads.
void ThreadsAxis(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")
      ->RangeMultiplier(4)
      ->Range(1, 256)
      ->UseManualTime()
      ->MinTime(kMinTime)
      ->Unit(benchmark::kMicrosecond);
}
BENCHMARK_CAPTURE(BM_ScaleThreads, sync, ThreadsOp::kSync)->Apply(ThreadsAxis);
BENCHMARK_CAPTURE(BM_ScaleThreads, exp, ThreadsOp::kExp)->Apply(ThreadsAxis);
BENCHMARK_CAPTURE(BM_ScaleThreads, barrier, ThreadsOp::kBarrier)
    ->Apply(ThreadsAxis);

}  // namespace

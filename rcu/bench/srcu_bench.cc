// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu_bench.cc: SrcuDomain (rcu/srcu.h) benchmarks, linked into rcu_bench
// beside the rcu and urcu-memb ones so that one interleaved run compares
// them (README.md, "SRCU"). Debian packages no SRCU library, so the
// comparison is with the RCUs that exist: our rcu (BM_ReadPair/rcu_default,
// BM_SyncLatency/rcu_*, BM_CallRcu/rcu, BM_Barrier/rcu) and liburcu
// urcu-memb (the same names with urcu_memb).
//
//   BM_SrcuReadPair/registered:R/fences:F      ReadLock()+ReadUnlock()
//   BM_SrcuSyncLatency/exp:E/readers:N/fences:F Synchronize(), Expedited()
//     (fences:1: a domain whose readers execute fences, Config::reader_mode
//     kFences; fences:0 the default, membarrier() mode)
//   BM_SrcuSyncOtherDomainHeld                 the same, another domain stuck
//   BM_SrcuCall                                 Call() posted and invoked
//   BM_SrcuBarrier/cbs:N/held:H                 Barrier()
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "rcu/bench/call_flood.h"
#include "rcu/rcu.h"
#include "rcu/srcu.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double P99(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(v.size() * 0.99))];
}

// One static domain, as most users would have.
rcu::SrcuDomain g_bench_srcu;

// A domain whose readers execute full fences (Config::reader_mode
// kFences): cheaper grace periods (no membarrier()), dearer readers.
rcu::SrcuDomain& FencesDomain() {
  static rcu::SrcuDomain* d = [] {
    rcu::Config c;
    c.reader_mode = rcu::ReaderMode::kFences;
    return rcu::SrcuDomain::Create(c, "bench_fences").value().release();
  }();
  return *d;
}

// The domain for state.range(i): 0 g_bench_srcu, 1 FencesDomain().
rcu::SrcuDomain& DomainArg(const benchmark::State& state, int i) {
  return state.range(i) != 0 ? FencesDomain() : g_bench_srcu;
}

inline void CompilerBarrier() { asm volatile("" ::: "memory"); }

__attribute__((noinline)) void SrcuReadPairs(rcu::SrcuDomain& d, long n) {
  for (long i = 0; i < n; ++i) {
    int idx = d.ReadLock();
    CompilerBarrier();
    d.ReadUnlock(idx);
  }
}

// state.range(0): 1 if the thread is registered with the default rcu
// instance; state.range(1): the domain (DomainArg()).
void BM_SrcuReadPair(benchmark::State& state) {
  const bool registered = state.range(0) != 0;
  rcu::SrcuDomain& d = DomainArg(state, 1);
  if (registered) rcu::RegisterThread();
  constexpr long kPairs = 1000;
  const Clock::time_point t0 = Clock::now();
  for (auto _ : state) SrcuReadPairs(d, kPairs);
  const double ns = Seconds(Clock::now() - t0) * 1e9;
  if (registered) rcu::UnregisterThread();
  state.counters["ns_per_pair"] =
      ns / (static_cast<double>(state.iterations()) * kPairs);
  state.SetItemsProcessed(state.iterations() * kPairs);
}
BENCHMARK(BM_SrcuReadPair)
    ->ArgNames({"registered", "fences"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->MinTime(0.5);

// state.range(0): 1 expedited; state.range(1): busy readers (each loops
// short critical sections on the other CPU); state.range(2): the domain
// (DomainArg()).
void BM_SrcuSyncLatency(benchmark::State& state) {
  const bool exp = state.range(0) != 0;
  const int readers = static_cast<int>(state.range(1));
  rcu::SrcuDomain& d = DomainArg(state, 2);
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < readers; ++i) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (!stop.load(std::memory_order_relaxed)) SrcuReadPairs(d, 1000);
    });
  }
  while (ready.load() < readers) std::this_thread::yield();
  std::vector<double> us;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    exp ? d.SynchronizeExpedited() : d.Synchronize();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    us.push_back(sec * 1e6);
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  state.counters["median_us"] = Median(us);
  state.counters["p99_us"] = P99(us);
}
BENCHMARK(BM_SrcuSyncLatency)
    ->ArgNames({"exp", "readers", "fences"})
    ->ArgsProduct({{0, 1}, {0, 1}, {0, 1}})
    ->UseManualTime()
    ->MinTime(0.5)
    ->Unit(benchmark::kMicrosecond);

// Synchronize() on one domain while another domain's grace period waits
// for a reader held for the whole run (the shared grace-period thread keeps
// retrying it): the held domain must not slow the other down.
void BM_SrcuSyncOtherDomainHeld(benchmark::State& state) {
  static rcu::SrcuDomain held_domain;
  const int idx = held_domain.ReadLock();
  std::thread waiter(
      [] { held_domain.Synchronize(); });  // retried until release
  std::vector<double> us;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    g_bench_srcu.Synchronize();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    us.push_back(sec * 1e6);
  }
  held_domain.ReadUnlock(idx);
  waiter.join();
  state.counters["median_us"] = Median(us);
  state.counters["p99_us"] = P99(us);
}
BENCHMARK(BM_SrcuSyncOtherDomainHeld)
    ->UseManualTime()
    ->MinTime(0.5)
    ->Unit(benchmark::kMicrosecond);

std::atomic<long> g_srcu_invoked{0};
void SrcuCount(rcu::RcuHead*) {
  g_srcu_invoked.fetch_add(1, std::memory_order_relaxed);
}

// Posts 1M callbacks from one thread, then Barrier(): the counters of
// call_flood.h (posting, in-window invocation and end-to-end rates).
void BM_SrcuCall(benchmark::State& state) {
  constexpr long kN = 1'000'000;
  std::unique_ptr<rcu::RcuHead[]> heads(new rcu::RcuHead[kN]);
  rcu_bench::MeasureCallFlood(
      state, kN,
      [&](long n) {
        for (long i = 0; i < n; ++i) g_bench_srcu.Call(&heads[i], SrcuCount);
      },
      [] { g_bench_srcu.Barrier(); }, [] { return g_srcu_invoked.load(); });
}
BENCHMARK(BM_SrcuCall)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// state.range(0) callbacks queued, then Barrier(); state.range(1): 1 if a
// reader held the grace period while they were posted and left just before
// the timed Barrier() (every callback still queued when it starts).
void BM_SrcuBarrier(benchmark::State& state) {
  const long cbs = state.range(0);
  const bool held = state.range(1) != 0;
  std::unique_ptr<rcu::RcuHead[]> heads(new rcu::RcuHead[std::max(cbs, 1L)]);
  std::vector<double> ms;
  for (auto _ : state) {
    const long base = g_srcu_invoked.load();
    const int idx = held ? g_bench_srcu.ReadLock() : -1;
    for (long i = 0; i < cbs; ++i) g_bench_srcu.Call(&heads[i], SrcuCount);
    if (held) g_bench_srcu.ReadUnlock(idx);
    const Clock::time_point t0 = Clock::now();
    g_bench_srcu.Barrier();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    ms.push_back(sec * 1e3);
    if (g_srcu_invoked.load() - base != cbs) {
      state.SkipWithError("Barrier() returned before every callback ran");
      break;
    }
  }
  state.counters["median_ms"] = Median(ms);
}
BENCHMARK(BM_SrcuBarrier)
    ->ArgNames({"cbs", "held"})
    ->Args({100'000, 0})
    ->Args({100'000, 1})
    ->Args({0, 0})
    ->UseManualTime()
    ->Iterations(10)
    ->Unit(benchmark::kMillisecond);

}  // namespace

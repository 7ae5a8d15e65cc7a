// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// qsbr_bench.cc: librcu's QSBR instances (rcu::Config::qsbr) against
// liburcu 0.13's urcu-qsbr (Debian liburcu-dev), in the same binary:
//   BM_QsbrReadPair/<impl>        1000 empty QSBR read pairs per iteration
//                                 (lock, compiler barrier, unlock);
//                                 ns_per_pair
//   BM_QsbrQuiescentState/<impl>  1000 quiescent states per iteration on an
//                                 online thread, no grace period waiting;
//                                 ns_per_qs
//   BM_QsbrSyncLatency/<impl>     Synchronize() / synchronize_rcu() from an
//                                 offline thread while one online thread
//                                 on another CPU announces a quiescent state
//                                 every 1000 read pairs; median_us, p99_us
// <impl>: rcu_qsbr (an rcu::Rcu with Config::qsbr, in the default reader
// mode) or urcu_qsbr. Instruction counts: --icount=rcu_qsbr | urcu_qsbr |
// rcu_qsbr_qs | urcu_qsbr_qs (QsbrIcount(), called from rcu_bench.cc).
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rcu/bench/qsbr_side.h"
#include "rcu/tree.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPerIteration = 1000;

// kRcuExp: the rcu_qsbr instance, timing SynchronizeExpedited().
enum class Impl { kRcu, kUrcu, kRcuExp };

rcu::Rcu& QsbrInstance() {
  static rcu::Rcu* const r = [] {
    rcu::Config c;
    c.qsbr = true;
    c.name = "qsbr";
    auto made = rcu::Rcu::Create(c);
    if (!made.ok()) {
      std::fprintf(stderr, "qsbr_bench: %s\n",
                   made.status().ToString().c_str());
      std::abort();
    }
    return made->release();
  }();
  return *r;
}

void Register(Impl impl) {
  if (impl != Impl::kUrcu) {
    QsbrInstance().RegisterThread();
  } else {
    UrcuQsbrRegister();
  }
}
void Unregister(Impl impl) {
  if (impl != Impl::kUrcu) {
    QsbrInstance().UnregisterThread();
  } else {
    UrcuQsbrUnregister();
  }
}

}  // namespace

// Out of the anonymous namespace, with plain names, for callgrind's
// --toggle-collect.
__attribute__((noinline)) void RcuQsbrReadPairs(rcu::Rcu* r, long n) {
  for (long i = 0; i < n; ++i) {
    r->QsbrReadLock();
    asm volatile("" ::: "memory");
    r->QsbrReadUnlock();
  }
}
__attribute__((noinline)) void RcuQsbrReadPairOnce(rcu::Rcu* r) {
  r->QsbrReadLock();
  asm volatile("" ::: "memory");
  r->QsbrReadUnlock();
}
__attribute__((noinline)) void RcuQsbrQuiescentStates(rcu::Rcu* r, long n) {
  for (long i = 0; i < n; ++i) {
    r->QuiescentState();
    asm volatile("" ::: "memory");
  }
}
__attribute__((noinline)) void RcuQsbrQuiescentStateOnce(rcu::Rcu* r) {
  r->QuiescentState();
}

namespace {

void BM_QsbrReadPair(benchmark::State& state, Impl impl) {
  Register(impl);
  rcu::Rcu* r = &QsbrInstance();
  for (auto _ : state) {
    if (impl == Impl::kRcu) {
      RcuQsbrReadPairs(r, kPerIteration);
    } else {
      UrcuQsbrReadPairs(kPerIteration);
    }
  }
  Unregister(impl);
  state.counters["ns_per_pair"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kPerIteration,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_QsbrQuiescentState(benchmark::State& state, Impl impl) {
  Register(impl);
  rcu::Rcu* r = &QsbrInstance();
  for (auto _ : state) {
    if (impl == Impl::kRcu) {
      RcuQsbrQuiescentStates(r, kPerIteration);
    } else {
      UrcuQsbrQuiescentStates(kPerIteration);
    }
  }
  Unregister(impl);
  state.counters["ns_per_qs"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kPerIteration,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void BM_QsbrSyncLatency(benchmark::State& state, Impl impl) {
  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  rcu::Rcu* r = &QsbrInstance();
  // The online thread: read pairs, a quiescent state every 1000.
  std::thread online([&] {
    PinTo(1);
    Register(impl);
    ready.store(true);
    while (!stop.load(std::memory_order_relaxed)) {
      if (impl != Impl::kUrcu) {
        RcuQsbrReadPairs(r, kPerIteration);
        r->QuiescentState();
      } else {
        UrcuQsbrReadPairs(kPerIteration);
        UrcuQsbrQuiescentStates(1);
      }
    }
    Unregister(impl);
  });
  while (!ready.load()) std::this_thread::yield();
  std::vector<double> us;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    if (impl == Impl::kRcu) {
      r->Synchronize();
    } else if (impl == Impl::kRcuExp) {
      r->SynchronizeExpedited();
    } else {
      UrcuQsbrSynchronize();
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    us.push_back(s * 1e6);
  }
  stop.store(true);
  online.join();
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["median_us"] = us[us.size() / 2];
    state.counters["p99_us"] =
        us[std::min(us.size() - 1, us.size() * 99 / 100)];
  }
}

BENCHMARK_CAPTURE(BM_QsbrReadPair, rcu_qsbr, Impl::kRcu)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_QsbrReadPair, urcu_qsbr, Impl::kUrcu)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_QsbrQuiescentState, rcu_qsbr, Impl::kRcu)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_QsbrQuiescentState, urcu_qsbr, Impl::kUrcu)->MinTime(0.5);
BENCHMARK_CAPTURE(BM_QsbrSyncLatency, rcu_qsbr, Impl::kRcu)
    ->MinTime(0.5)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_QsbrSyncLatency, rcu_qsbr_exp, Impl::kRcuExp)
    ->MinTime(0.5)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_QsbrSyncLatency, urcu_qsbr, Impl::kUrcu)
    ->MinTime(0.5)
    ->UseManualTime();

}  // namespace

// --icount= modes of this file; -1 when `what` is not one of them.
int QsbrIcount(const std::string& what, long n) {
  rcu::Rcu* r = &QsbrInstance();
  const char* fn = nullptr;
  if (what == "rcu_qsbr" || what == "rcu_qsbr_qs") {
    Register(Impl::kRcu);
    if (what == "rcu_qsbr") {
      for (long i = 0; i < n; ++i) RcuQsbrReadPairOnce(r);
      fn = "RcuQsbrReadPairOnce(rcu::Rcu*)";
    } else {
      for (long i = 0; i < n; ++i) RcuQsbrQuiescentStateOnce(r);
      fn = "RcuQsbrQuiescentStateOnce(rcu::Rcu*)";
    }
    Unregister(Impl::kRcu);
  } else if (what == "urcu_qsbr" || what == "urcu_qsbr_qs") {
    Register(Impl::kUrcu);
    if (what == "urcu_qsbr") {
      for (long i = 0; i < n; ++i) UrcuQsbrReadPairOnce();
      fn = "UrcuQsbrReadPairOnce";
    } else {
      for (long i = 0; i < n; ++i) UrcuQsbrQuiescentStateOnce();
      fn = "UrcuQsbrQuiescentStateOnce";
    }
    Unregister(Impl::kUrcu);
  } else {
    return -1;
  }
  std::printf("icount %s: %ld calls of %s (use --toggle-collect='%s')\n",
              what.c_str(), n, fn, fn);
  return 0;
}

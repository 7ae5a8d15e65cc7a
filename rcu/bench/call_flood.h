// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// call_flood.h: the measuring loop of the Call() throughput benchmarks
// (rcu_bench.cc's BM_CallRcu, scale_bench.cc's BM_ScaleCall,
// srcu_bench.cc's BM_SrcuCall), shared so that all report the same
// counters the same way.
#ifndef RCU_BENCH_CALL_FLOOD_H_
#define RCU_BENCH_CALL_FLOOD_H_

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace rcu_bench {

// Each iteration posts `n` callbacks (`post(n)`), then waits for them
// (`barrier()`); `invoked()` counts the callbacks invoked so far. Sets
// posted_Mps (posts per second in the posting window), invoked_Mps
// (callbacks invoked inside that window, per second), e2e_Mps (n over
// posting plus barrier) and drain_ms (the barrier), averaged over the
// iterations, and the manual iteration time. Returns the total time
// measured, in seconds (for a grace periods per second counter).
template <typename Post, typename Barrier, typename Invoked>
double MeasureCallFlood(benchmark::State& state, long n, Post post,
                        Barrier barrier, Invoked invoked) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::duration d) {
    return std::chrono::duration<double>(d).count();
  };
  double posted = 0, in_window_rate = 0, e2e = 0, drain = 0, window = 0;
  for (auto _ : state) {
    const long base = invoked();
    const Clock::time_point t0 = Clock::now();
    post(n);
    const Clock::time_point t1 = Clock::now();
    const long in_window = invoked() - base;
    barrier();
    const Clock::time_point t2 = Clock::now();
    state.SetIterationTime(seconds(t2 - t0));
    posted += n / seconds(t1 - t0) / 1e6;
    in_window_rate += in_window / seconds(t1 - t0) / 1e6;
    e2e += n / seconds(t2 - t0) / 1e6;
    drain += seconds(t2 - t1) * 1e3;
    window += seconds(t2 - t0);
    if (invoked() - base != n) {
      state.SkipWithError("Barrier() returned before every callback ran");
      break;
    }
  }
  const double iters =
      static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  state.counters["posted_Mps"] = posted / iters;
  state.counters["invoked_Mps"] = in_window_rate / iters;
  state.counters["e2e_Mps"] = e2e / iters;
  state.counters["drain_ms"] = drain / iters;
  return window;
}

}  // namespace rcu_bench

#endif  // RCU_BENCH_CALL_FLOOD_H_

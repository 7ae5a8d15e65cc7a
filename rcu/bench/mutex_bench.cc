// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// mutex_bench.cc: rcu::Mutex (rcu/mutex.h) against the absl::Mutex it is
// built on and against rcu::PlainMutex (rcu/plain_mutex.h), uncontended,
// linked into rcu_bench (README.md, "Lockdep").
//
//   BM_MutexLockUnlock/absl          absl::Mutex Lock()+Unlock()
//   BM_MutexLockUnlock/plain         rcu::PlainMutex (std::mutex)
//   BM_MutexLockUnlock/lockdep_off   rcu::Mutex, lockdep switched off
//   BM_MutexLockUnlock/lockdep_on    rcu::Mutex, lockdep on (held-locks
//                                    list push and pop, acquisition site)
//   BM_MutexIsHeld                   IsHeld() by the holder
#include <benchmark/benchmark.h>

#include "absl/synchronization/mutex.h"
#include "rcu/lockdep.h"
#include "rcu/mutex.h"
#include "rcu/plain_mutex.h"

namespace {

enum class Lock { kAbsl, kPlain, kOff, kOn };

void BM_MutexLockUnlock(benchmark::State& state, Lock which) {
  static absl::Mutex absl_mu;
  static rcu::PlainMutex plain_mu;
  static rcu::Mutex rcu_mu("bench_mu");
  const bool was = rcu::lockdep::Enabled();
  rcu::lockdep::SetEnabled(which == Lock::kOn);
  for (auto _ : state) {
    if (which == Lock::kAbsl) {
      absl_mu.Lock();
      absl_mu.Unlock();
    } else if (which == Lock::kPlain) {
      plain_mu.Lock();
      plain_mu.Unlock();
    } else {
      rcu_mu.Lock();
      rcu_mu.Unlock();
    }
  }
  rcu::lockdep::SetEnabled(was);
}
BENCHMARK_CAPTURE(BM_MutexLockUnlock, absl, Lock::kAbsl);
BENCHMARK_CAPTURE(BM_MutexLockUnlock, plain, Lock::kPlain);
BENCHMARK_CAPTURE(BM_MutexLockUnlock, lockdep_off, Lock::kOff);
BENCHMARK_CAPTURE(BM_MutexLockUnlock, lockdep_on, Lock::kOn);

void BM_MutexIsHeld(benchmark::State& state) {
  static rcu::Mutex mu("bench_held");
  rcu::MutexLock l(mu);
  for (auto _ : state) benchmark::DoNotOptimize(mu.IsHeld());
}
BENCHMARK(BM_MutexIsHeld);

}  // namespace

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// shuffler.cc: the shuffler thread (torture_shuffle).
//
// Every shuffle_interval seconds, moves every torture thread so that one
// CPU stays idle, the idle one rotating 0, 1, ..., N-1, none, 0, ...:
//   - real CPUs, with pthread_setaffinity_np() (sched_setaffinity());
//   - for flavours with vCPUs (rcu), the emulated CPUs: each thread is
//     given a random online vCPU other than the idle one, which it moves to
//     at its next loop iteration (a thread can only migrate itself; the
//     readers also migrate inside critical sections at preemption points).
// With random_shuffle, only a random half of the threads move each time.
#include <pthread.h>
#include <sched.h>

#include "torture/runtime/run.h"

namespace torture {
namespace {

class Shuffler : public Component {
 public:
  explicit Shuffler(Run& run) : run_(run) {}

  // Last in the table: the shuffler walks the thread list, which is
  // complete from here.
  void Start() override {
    if (run_.p.test_no_idle_hz && run_.p.shuffle_interval > 0) {
      thread_ =
          run_.threads.Create("torture_shuffle", 0, -1, [this] { Main(); });
    }
  }

  void Stop() override { run_.threads.Stop(thread_); }

 private:
  void Main() {
    const Run& s = run_;
    const TortureOps* ops = s.ops;
    TortureRandom r(s.p.seed, Stream::kShuffler, 0);
    cpu_set_t all;
    CPU_ZERO(&all);
    if (sched_getaffinity(0, sizeof(all), &all) != 0) CPU_ZERO(&all);
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &all)) cpus.push_back(c);
    }
    int idle = -1;   // index into cpus; -1: none idle this round
    int vidle = -1;  // idle vCPU
    const int64_t interval_ns = int64_t{s.p.shuffle_interval} * 1'000'000'000;
    while (!SleepUntilOrStop(NowNs() + interval_ns)) {
      // Real CPUs.
      if (cpus.size() > 1) {
        idle = idle + 1 >= static_cast<int>(cpus.size()) ? -1 : idle + 1;
        cpu_set_t mask;
        CPU_ZERO(&mask);
        for (int i = 0; i < static_cast<int>(cpus.size()); ++i) {
          if (i != idle) CPU_SET(cpus[i], &mask);
        }
        for (auto& t : s.threads.all()) {
          if (t.get() == CurrentThread() || !t->shuffle) continue;
          if (s.p.random_shuffle && (r() & 1)) continue;
          pthread_setaffinity_np(t->handle, sizeof(mask), &mask);
        }
      }
      // vCPUs.
      if (ops->migrate != nullptr && ops->num_online_cpus != nullptr) {
        int n = ops->num_online_cpus();
        if (n > 1) {
          vidle = vidle + 1 >= n ? -1 : vidle + 1;
          for (auto& t : s.threads.all()) {
            if (t.get() == CurrentThread()) continue;
            if (s.p.random_shuffle && (r() & 1)) continue;
            int c = static_cast<int>(r() % n);
            if (c == vidle) c = (c + 1) % n;
            t->target_cpu.store(c, std::memory_order_relaxed);
          }
        }
      }
    }
    // Let every thread run anywhere again.
    for (auto& t : s.threads.all()) {
      if (t.get() != CurrentThread() && t->shuffle)
        pthread_setaffinity_np(t->handle, sizeof(all), &all);
    }
    KthreadStopping("torture_shuffle");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
};

}  // namespace

std::unique_ptr<Component> MakeShuffler(Run& run) {
  return std::make_unique<Shuffler>(run);
}

}  // namespace torture

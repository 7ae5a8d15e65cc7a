// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// preempt.cc: the CPU hog (the kernel's rcu_torture_preempt(), parameters
// preempt_duration and preempt_interval).
//
// Every preempt_interval ms (after stall_cpu_holdoff), the
// `rcu_torture_preempt` thread moves to the next CPU it may run on, raises
// itself to SCHED_FIFO and spins there for preempt_duration ms, then drops
// back to SCHED_OTHER and to every CPU, and honours stutter. Whatever ran
// on that CPU (readers inside their critical sections, the writer inside
// a grace period, the grace-period thread) is preempted for the whole
// spin: grace periods must wait the preempted readers out, and nothing
// may break. Where the OS refuses SCHED_FIFO (no CAP_SYS_NICE), one line
// says so and the hog spins at normal priority, still pinned. Counted in
// the JSON summary (`preempt`: hogs, fifo).
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class Preempt : public Component {
 public:
  explicit Preempt(Run& run) : run_(run), p_(run.p) {}

  void Start() override {
    if (p_.preempt_duration <= 0) return;
    thread_ =
        run_.threads.Create("rcu_torture_preempt", 0, -1, [this] { Main(); });
  }

  void Stop() override { run_.threads.Stop(thread_); }

  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    if (p_.preempt_duration <= 0) return {};
    return {{"hogs", hogs_.load(std::memory_order_relaxed)},
            {"fifo", fifo_.load(std::memory_order_relaxed) ? 1 : 0}};
  }

 private:
  void Main() {
    cpu_set_t all;
    CPU_ZERO(&all);
    if (sched_getaffinity(0, sizeof(all), &all) != 0) {
      TorOut(fmt::format("rcu_torture_preempt: sched_getaffinity: {}",
                         std::strerror(errno)));
      KthreadStopping("rcu_torture_preempt");
      return;
    }
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &all)) cpus.push_back(c);
    }
    TortureRandom r(p_.seed, Stream::kPreempt, 0);
    bool said_no_fifo = false;
    size_t next = 0;
    if (!SleepUntilOrStop(NowNs() +
                          int64_t{p_.stall_cpu_holdoff} * 1'000'000'000)) {
      while (!MustStop()) {
        // preempt_interval ms with up to 100 us of fuzz.
        if (SleepUntilOrStop(NowNs() +
                             int64_t{p_.preempt_interval} * 1'000'000 +
                             static_cast<int64_t>(r() % 100'000))) {
          break;
        }
        const int cpu = cpus[next++ % cpus.size()];
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof(one), &one) != 0) continue;
        sched_param fifo{};
        fifo.sched_priority = 1;
        const int err =
            pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo);
        if (err == 0) {
          fifo_.store(true, std::memory_order_relaxed);
        } else if (!said_no_fifo) {
          said_no_fifo = true;
          TorOut(fmt::format(
              "rcu_torture_preempt: SCHED_FIFO refused ({}): the CPU hog runs "
              "at normal priority",
              std::strerror(err)));
        }
        UDelay(int64_t{p_.preempt_duration} * 1000);
        sched_param normal{};
        pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
        sched_setaffinity(0, sizeof(all), &all);
        hogs_.fetch_add(1, std::memory_order_relaxed);
        StutterWait();
      }
    }
    KthreadStopping("rcu_torture_preempt");
  }

  Run& run_;
  const Params& p_;
  ThreadCtx* thread_ = nullptr;
  std::atomic<long> hogs_{0};
  std::atomic<bool> fifo_{false};
};

}  // namespace

std::unique_ptr<Component> MakePreempt(Run& run) {
  return std::make_unique<Preempt>(run);
}

}  // namespace torture

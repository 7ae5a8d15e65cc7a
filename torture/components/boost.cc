// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// boost.cc: the priority-boost test (the kernel's rcu_torture_boost(),
// parameters test_boost, test_boost_interval, test_boost_duration and
// test_boost_holdoff).
//
// Runs when test_boost is 2, or 1 and the flavour boosts readers
// (TortureOps::can_boost: `rcu` with rcutree.rcu_boost=1, the kernel's
// CONFIG_RCU_BOOST). For every CPU this process may use but the last (the
// kernel uses every CPU; one is left to the host here), two threads are
// bound to that CPU:
//   - `rcu_torture_boost_reader`, at normal priority, stays inside
//     read-side critical sections back to back: 1 ms each, except that
//     the one it enters just before a test starts lasts 250 ms of its own
//     CPU time (not wall time, see below), so the spin preempts it there;
//   - `rcu_torture_boost`, SCHED_FIFO priority 1. test_boost_interval s
//     after test_boost_holdoff, and then test_boost_interval s after the
//     end of each test (the kernel's boost_starttime), it spins for
//     test_boost_duration s, starting a polled grace period whenever the
//     last one completed. The reader on its CPU gets no CPU time while it
//     spins, so each grace period waits for a preempted reader: only a
//     boost (the grace-period thread raising the reader above the
//     spinner, rcutree.kthread_prio > 1) ends it. A grace period still
//     incomplete after test_boost_duration - 0.5 s is a boost failure
//     (`rtbf`), printed as the kernel prints it ("rcu_torture_boost
//     boosting failed", "Boost inversion thread ->rt_priority ...") and an
//     error of the run. Each test interval counts in `rtb`.
//
// A spinning real-time thread does not quite starve the reader: RT
// throttling (kernel.sched_rt_runtime_us, 950 ms of each second) and, from
// Linux 6.12, the deadline "fair server" give normal threads about 50 ms
// of every second. The built-in kernel test turns throttling off; the
// fair server cannot be turned off without debugfs. So the reader's
// preempted critical section is measured in its own CPU time
// (CLOCK_THREAD_CPUTIME_ID): 250 ms of it take five seconds of 50 ms
// slices, longer than any test_boost_duration that fails (the spin ends
// first), while a boost after rcutree.rcu_boost_delay (500 ms) ends it
// in a quarter second. Nothing machine-wide is changed. The test is
// skipped, with one line saying why, when SCHED_FIFO is refused (no
// CAP_SYS_NICE) or there is a single CPU; for test_boost=1 it also needs
// the grace-period thread above the spinners (kthread_prio > 1), else the
// kernel's "RCU kthread priority too low" line. Thread setup failures
// count in `rtbke`. The JSON summary has `boost`: whether it ran, tests,
// failures, grace periods seen to end.
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

// CPU time of the reader's critical section preempted by a test.
constexpr int64_t kLongReaderCpuNs = 250'000'000;
// It starts this long before the test (so that it is running when the
// spinner wakes).
constexpr int64_t kLongReaderLeadNs = 30'000'000;

int64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

bool PinTo(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return sched_setaffinity(0, sizeof(one), &one) == 0;
}

class Boost : public Component {
 public:
  explicit Boost(Run& run) : run_(run), p_(run.p) {}

  void Start() override {
    const TortureOps* ops = run_.ops;
    const bool can_boost = ops->can_boost != nullptr && ops->can_boost();
    if (!(p_.test_boost == 2 || (p_.test_boost == 1 && can_boost))) return;
    if (p_.test_boost == 1 && p_.kthread_prio < 2) {
      TorOut(
          "WARN: RCU kthread priority too low to test boosting.  Skip RCU "
          "boost test. Try passing rcutree.kthread_prio > 1 on the kernel "
          "command line.");
      return;
    }
    if (const std::string why = SetUp(); !why.empty()) {
      TorOut(fmt::format("rcu_torture_boost: boost test skipped: {}", why));
      return;
    }
    ran_ = true;
    // The first test test_boost_interval s after the holdoff, as the
    // kernel's boost_starttime: the readers are bound and inside their
    // critical sections by then.
    next_start_ns_.store(
        NowNs() + int64_t{p_.test_boost_holdoff + p_.test_boost_interval} *
                      1'000'000'000,
        std::memory_order_relaxed);
    for (size_t i = 0; i < cpus_.size(); ++i) {
      const int cpu = cpus_[i];
      ThreadCtx* booster =
          run_.threads.Create("rcu_torture_boost", static_cast<int>(i), -1,
                              [this, cpu] { BoosterMain(cpu); });
      ThreadCtx* reader =
          run_.threads.Create("rcu_torture_boost_reader", static_cast<int>(i),
                              -1, [this, cpu] { ReaderMain(cpu); });
      // Bound to their CPU for the test: the shuffler leaves them alone.
      reader->shuffle = false;
      booster->shuffle = false;
      // Spinners first in threads_: stopped first, they free the CPU the
      // readers need to see their own stop request.
      threads_.push_back(booster);
      threads_.push_back(reader);
    }
  }

  void Stop() override { run_.threads.StopAll(threads_); }

  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    if (p_.test_boost == 0) return {};
    return {{"ran", ran_ ? 1 : 0},
            {"tests", run_.n_boosts.load(std::memory_order_relaxed)},
            {"failures", run_.n_boost_failure.load(std::memory_order_relaxed)},
            {"gps", gps_.load(std::memory_order_relaxed)}};
  }

 private:
  // Checks and prepares what the test needs; empty, or why it cannot run.
  std::string SetUp() {
    const TortureOps* ops = run_.ops;
    if (ops->start_gp_poll == nullptr || ops->poll_gp_state == nullptr)
      return "the flavour has no polled grace periods";
    cpu_set_t all;
    CPU_ZERO(&all);
    if (sched_getaffinity(0, sizeof(all), &all) != 0)
      return fmt::format("sched_getaffinity: {}", std::strerror(errno));
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &all)) cpus.push_back(c);
    }
    if (cpus.size() < 2)
      return "it needs two CPUs (one is left to everything else)";
    cpus.pop_back();
    // SCHED_FIFO: tried on a scratch thread, so that this one is unchanged.
    int err = 0;
    std::thread probe([&err] {
      sched_param sp{};
      sp.sched_priority = 1;
      err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    });
    probe.join();
    if (err != 0)
      return fmt::format("SCHED_FIFO refused ({})", std::strerror(err));
    cpus_ = cpus;
    return "";
  }

  void ReaderMain(int cpu) {
    const TortureOps* ops = run_.ops;
    if (!PinTo(cpu)) run_.n_boost_ktrerror.fetch_add(1);
    const int64_t duration_ns = int64_t{p_.test_boost_duration} * 1'000'000'000;
    while (!MustStop()) {
      const int64_t start = next_start_ns_.load(std::memory_order_relaxed);
      const int64_t now = NowNs();
      ops->readlock();
      if (now >= start - kLongReaderLeadNs && now < start + duration_ns) {
        // The critical section the spinner preempts (file comment).
        const int64_t until = ThreadCpuNs() + kLongReaderCpuNs;
        while (ThreadCpuNs() < until && !MustStop()) {
        }
      } else {
        UDelay(1000);
      }
      ops->readunlock();
    }
    KthreadStopping("rcu_torture_boost_reader");
  }

  void BoosterMain(int cpu) {
    const TortureOps* ops = run_.ops;
    sched_param sp{};
    sp.sched_priority = 1;
    if (!PinTo(cpu) ||
        pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0) {
      run_.n_boost_ktrerror.fetch_add(1);
      KthreadStopping("rcu_torture_boost");
      return;
    }
    const int64_t duration_ns = int64_t{p_.test_boost_duration} * 1'000'000'000;
    const int64_t interval_ns = int64_t{p_.test_boost_interval} * 1'000'000'000;
    // rcu_torture_boost_failed()'s bound: a GP this old has not been helped.
    const int64_t fail_ns = duration_ns - 500'000'000;
    for (;;) {
      // Sleeping at FIFO priority is fine: the CPU is free meanwhile.
      const int64_t start = next_start_ns_.load(std::memory_order_relaxed);
      if (SleepUntilOrStop(start)) break;
      const int64_t end = start + duration_ns;
      uint64_t cookie = ops->start_gp_poll();
      int64_t gp_start = NowNs();
      bool failed = false;
      int64_t now;
      while ((now = NowNs()) < end && !MustStop()) {
        if (ops->poll_gp_state(cookie)) {
          gps_.fetch_add(1, std::memory_order_relaxed);
          cookie = ops->start_gp_poll();
          gp_start = now;
        } else if (now - gp_start > fail_ns) {
          // Re-check after the time check, to avoid a false positive.
          if (ops->poll_gp_state(cookie)) continue;
          failed = true;
          break;
        }
      }
      if (failed) ReportFailure(cookie, now - gp_start);
      // The first thread done with this test sets the next start time,
      // test_boost_interval after its end (the kernel's boost_starttime):
      // the CPU is always free that long between two spins.
      int64_t expected = start;
      if (next_start_ns_.compare_exchange_strong(expected,
                                                 NowNs() + interval_ns)) {
        run_.n_boosts.fetch_add(1, std::memory_order_relaxed);
      }
      // Never spin into the next test's window after a failure.
      if (failed && SleepUntilOrStop(end)) break;
    }
    sched_param normal{};
    pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal);
    KthreadStopping("rcu_torture_boost");
  }

  void ReportFailure(uint64_t cookie, int64_t waited_ns) {
    VerboseTorOut("rcu_torture_boost boosting failed");
    run_.n_boost_failure.fetch_add(1, std::memory_order_relaxed);
    if (!dbg_done_.exchange(true)) {
      const TortureOps* ops = run_.ops;
      TorOut(fmt::format(
          "Boost inversion thread ->rt_priority 1 gp_state {} jiffies {}",
          cookie, waited_ns / 1'000'000));
      if (ops->stats != nullptr) TorOutLines(ops->stats());
      // Who holds the grace period (vCPUs owing a quiescent state, the
      // threads inside readers there, blocked readers), as the kernel's
      // rcu_torture_boost_failed() calls ->gp_kthread_dbg(): a failure on
      // an overloaded host tells a starved vCPU from an unboosted reader.
      if (ops->gp_kthread_dbg != nullptr) TorOutLines(ops->gp_kthread_dbg());
      TorOut(fmt::format(
          "Boost inversion: GP {} {}.", cookie,
          ops->poll_gp_state(cookie) ? "ended already" : "still pending"));
    }
  }

  Run& run_;
  const Params& p_;
  std::vector<int> cpus_;            // main thread, before the threads
  std::vector<ThreadCtx*> threads_;  // main thread only
  bool ran_ = false;                 // main thread; read after Stop()
  std::atomic<int64_t> next_start_ns_{0};
  std::atomic<long> gps_{0};
  std::atomic<bool> dbg_done_{false};
};

}  // namespace

std::unique_ptr<Component> MakeBoost(Run& run) {
  return std::make_unique<Boost>(run);
}

}  // namespace torture

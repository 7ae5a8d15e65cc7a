// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// onoff.cc: the CPU-hotplug thread (torture_onoff), for flavours with
// emulated CPUs (rcu).
//
// After onoff_holdoff seconds, every onoff_interval jiffies it picks a
// random vCPU among those online at start (0..maxcpu) and takes it offline,
// or, if it is offline, brings it online; never the last online vCPU. Each
// attempt and success is counted with its duration in jiffies, printed as
// the kernel's "onoff:" stats field, and a failed attempt makes the verdict
// RCU_HOTPLUG (exit 3) unless there were worse errors. At cleanup every
// vCPU it took offline comes back online (torture_online_all()).
#include <algorithm>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class Onoff : public Component {
 public:
  explicit Onoff(Run& run) : run_(run) {}

  void Start() override {
    const TortureOps* ops = run_.ops;
    if (run_.p.onoff_interval <= 0) return;
    if (ops->offline_cpu == nullptr || ops->online_cpu == nullptr ||
        ops->cpu_online == nullptr) {
      TorOut(
          "torture_onoff_init: no CPU hotplug for this flavour, onoff "
          "disabled");
      return;
    }
    for (int cpu = 0; cpu < ops->num_possible_cpus(); ++cpu) {
      if (ops->cpu_online(cpu)) maxcpu_ = cpu;
    }
    if (maxcpu_ <= 0) {
      VerboseTorOut("Only one CPU, so CPU-hotplug testing is disabled");
      return;
    }
    thread_ = run_.threads.Create("torture_onoff", 0, -1, [this] { Main(); });
  }

  // Also brings every vCPU the thread may have offlined back online
  // (torture_online_all()).
  void Stop() override {
    if (thread_ == nullptr) return;
    run_.threads.Stop(thread_);
    for (int cpu = 0; cpu <= maxcpu_; ++cpu)
      TortureHotplug(cpu, /*online=*/true);
  }

  // torture_onoff_failures().
  bool HotplugFailed() const override {
    return n_online_successes_.load() != n_online_attempts_.load() ||
           n_offline_successes_.load() != n_offline_attempts_.load();
  }

  // " onoff: ... (HZ=n)" when hotplug is on; times in jiffies.
  std::string StatsFragment() const override {
    if (run_.p.onoff_interval <= 0 || run_.ops->offline_cpu == nullptr)
      return "";
    return fmt::format(" onoff: {}/{}:{}/{} {},{}:{},{} {}:{} (HZ={})",
                       n_online_successes_.load(), n_online_attempts_.load(),
                       n_offline_successes_.load(), n_offline_attempts_.load(),
                       min_online_.load(), max_online_.load(),
                       min_offline_.load(), max_offline_.load(),
                       sum_online_.load(), sum_offline_.load(), run_.p.hz);
  }

  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    if (StatsFragment().empty()) return {};
    return {{"online_attempts", n_online_attempts_.load()},
            {"online_successes", n_online_successes_.load()},
            {"offline_attempts", n_offline_attempts_.load()},
            {"offline_successes", n_offline_successes_.load()}};
  }

 private:
  long ElapsedJiffies(int64_t start_ns) const {
    return static_cast<long>((NowNs() - start_ns) * run_.p.hz / 1'000'000'000);
  }

  static void Record(std::atomic<long>& mn, std::atomic<long>& mx,
                     std::atomic<long>& sum, long d, bool first) {
    sum.fetch_add(d, std::memory_order_relaxed);
    if (first || d < mn.load(std::memory_order_relaxed))
      mn.store(d, std::memory_order_relaxed);
    if (d > mx.load(std::memory_order_relaxed))
      mx.store(d, std::memory_order_relaxed);
  }

  // torture_offline() / torture_online(): brings `cpu` to the other state.
  // False if it was not a candidate (already in that state, or the last
  // online vCPU); true once an attempt was made, counted and timed.
  bool TortureHotplug(int cpu, bool online) {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    if (ops->cpu_online(cpu) == online) return false;
    if (!online && ops->num_online_cpus() <= 1) return false;
    const char* what = online ? "online" : "offline";
    (online ? n_online_attempts_ : n_offline_attempts_)
        .fetch_add(1, std::memory_order_relaxed);
    const int64_t start = NowNs();
    std::string err;
    if (!(online ? ops->online_cpu : ops->offline_cpu)(cpu, &err)) {
      if (p.verbose)
        TorOut(fmt::format("torture_onoff task: {} {} failed: {}", what, cpu,
                           err));
      return true;
    }
    if (p.verbose > 1)
      VerboseTorOut(fmt::format("torture_onoff task: {}d {}", what, cpu));
    std::atomic<long>& successes =
        online ? n_online_successes_ : n_offline_successes_;
    const bool first = successes.fetch_add(1, std::memory_order_relaxed) == 0;
    if (online) {
      Record(min_online_, max_online_, sum_online_, ElapsedJiffies(start),
             first);
    } else {
      Record(min_offline_, max_offline_, sum_offline_, ElapsedJiffies(start),
             first);
    }
    return true;
  }

  void Main() {
    const Params& p = run_.p;
    TortureRandom r(p.seed, Stream::kOnoff, 0);
    VerboseTorOut("torture_onoff task started");
    if (p.onoff_holdoff > 0) {
      VerboseTorOut("torture_onoff begin holdoff");
      if (SleepUntilOrStop(NowNs() +
                           int64_t{p.onoff_holdoff} * 1'000'000'000)) {
        KthreadStopping("torture_onoff");
        return;
      }
      VerboseTorOut("torture_onoff end holdoff");
    }
    const int64_t interval_ns =
        int64_t{p.onoff_interval} * 1'000'000'000 / p.hz;
    while (!MustStop()) {
      const int cpu =
          static_cast<int>(r() % static_cast<uint64_t>(maxcpu_ + 1));
      if (!TortureHotplug(cpu, /*online=*/false))
        TortureHotplug(cpu, /*online=*/true);
      // The kernel adds up to a jiffy of fuzz to the interval.
      const int64_t fuzz = static_cast<int64_t>(
          r() % static_cast<uint64_t>(1'000'000'000 / p.hz));
      if (SleepUntilOrStop(NowNs() + interval_ns + fuzz)) break;
    }
    KthreadStopping("torture_onoff");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
  int maxcpu_ = -1;  // highest vCPU online at start; written before the thread
  std::atomic<long> n_online_attempts_{0}, n_online_successes_{0};
  std::atomic<long> n_offline_attempts_{0}, n_offline_successes_{0};
  std::atomic<long> min_online_{0}, max_online_{0}, sum_online_{0};
  std::atomic<long> min_offline_{0}, max_offline_{0}, sum_offline_{0};
};

}  // namespace

std::unique_ptr<Component> MakeOnoff(Run& run) {
  return std::make_unique<Onoff>(run);
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// nocb_toggle.cc: the callback-offload toggle threads (rcu_nocb_toggle),
// for flavours with emulated CPUs (rcu).
//
// nocbs_nthreads threads each, every nocbs_toggle ms (with up to as much
// again of fuzz), pick a random possible vCPU and, if it is offline,
// offload or de-offload it (at random): as in the kernel, only an offline
// vCPU may change. Online vCPUs are left alone, so the toggles work on
// vCPUs that the onoff thread took down or that never came online, and
// never disturb onoff's accounting. Counted in the "nocb-toggles:" field.
#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class NocbToggle : public Component {
 public:
  explicit NocbToggle(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.nocbs_nthreads <= 0) return;
    if (run_.ops->set_offloaded == nullptr) {
      TorOut(
          "rcu_torture_init: nocbs_nthreads without primitives, no toggling");
      return;
    }
    for (int i = 0; i < run_.p.nocbs_nthreads; ++i) {
      threads_.push_back(run_.threads.Create("rcu_nocb_toggle", i, -1,
                                             [this, i] { Main(i); }));
    }
  }

  void Stop() override { run_.threads.StopAll(threads_); }

  // Offloads and de-offloads done.
  std::string StatsFragment() const override {
    return fmt::format(" nocb-toggles: {}:{}", n_offload_.load(),
                       n_deoffload_.load());
  }
  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    return {{"offloads", n_offload_.load()},
            {"deoffloads", n_deoffload_.load()}};
  }

 private:
  void Main(int id) {
    const Run& s = run_;
    const TortureOps* ops = s.ops;
    TortureRandom r(s.p.seed, Stream::kNocbToggle, static_cast<uint64_t>(id));
    VerboseTorOut("rcu_nocb_toggle task started");
    const int ncpus = ops->num_possible_cpus();
    const int64_t toggle_ns = int64_t{s.p.nocbs_toggle} * 1'000'000;
    while (!MustStop()) {
      const int cpu = static_cast<int>(r() % static_cast<uint64_t>(ncpus));
      const bool offload = (r() & 1) != 0;
      if (!ops->cpu_online(cpu) && ops->cpu_offloaded(cpu) != offload) {
        std::string err;
        // Refused only if the vCPU came online meanwhile: not an error.
        if (ops->set_offloaded(cpu, offload, &err)) {
          (offload ? n_offload_ : n_deoffload_)
              .fetch_add(1, std::memory_order_relaxed);
          if (s.p.verbose > 1) {
            VerboseTorOut(fmt::format("rcu_nocb_toggle: {} {}",
                                      offload ? "offloaded" : "de-offloaded",
                                      cpu));
          }
        }
      }
      const int64_t fuzz =
          toggle_ns > 0
              ? static_cast<int64_t>(r() % static_cast<uint64_t>(toggle_ns))
              : 0;
      if (SleepUntilOrStop(NowNs() + toggle_ns + fuzz)) break;
    }
    KthreadStopping("rcu_nocb_toggle");
  }

  Run& run_;
  std::vector<ThreadCtx*> threads_;
  std::atomic<long> n_offload_{0}, n_deoffload_{0};
};

}  // namespace

std::unique_ptr<Component> MakeNocbToggle(Run& run) {
  return std::make_unique<NocbToggle>(run);
}

}  // namespace torture

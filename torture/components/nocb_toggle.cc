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
#include "torture/runtime/torture.h"

namespace torture {
namespace {

void NocbToggleMain(int id) {
  TortureState& s = T();
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
        (offload ? s.n_nocb_offload : s.n_nocb_deoffload)
            .fetch_add(1, std::memory_order_relaxed);
        if (s.p.verbose > 1) {
          VerboseTorOut(fmt::format("rcu_nocb_toggle: {} {}",
                                    offload ? "offloaded" : "de-offloaded", cpu));
        }
      }
    }
    const int64_t fuzz = toggle_ns > 0 ? static_cast<int64_t>(r() % static_cast<uint64_t>(toggle_ns)) : 0;
    if (SleepUntilOrStop(NowNs() + toggle_ns + fuzz)) break;
  }
  KthreadStopping("rcu_nocb_toggle");
}

}  // namespace

void NocbToggleInit() {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  if (s.p.nocbs_nthreads <= 0) return;
  if (ops->set_offloaded == nullptr) {
    TorOut("rcu_torture_init: nocbs_nthreads without primitives, no toggling");
    return;
  }
  for (int i = 0; i < s.p.nocbs_nthreads; ++i) {
    s.nocb_togglers.push_back(CreateTortureThread(
        "rcu_nocb_toggle", i, -1, [i] { NocbToggleMain(i); }));
  }
}

void NocbToggleCleanup() {
  for (ThreadCtx*& t : T().nocb_togglers) StopTortureThread(t);
}

}  // namespace torture

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

#include "torture/runtime/torture.h"

namespace torture {
namespace {

int g_maxcpu = -1;  // highest vCPU online at start; written before the thread

long ElapsedJiffies(int64_t start_ns) {
  return static_cast<long>((NowNs() - start_ns) * T().p.hz / 1'000'000'000);
}

void Record(std::atomic<long>& mn, std::atomic<long>& mx, std::atomic<long>& sum,
            long d, bool first) {
  sum.fetch_add(d, std::memory_order_relaxed);
  if (first || d < mn.load(std::memory_order_relaxed)) mn.store(d, std::memory_order_relaxed);
  if (d > mx.load(std::memory_order_relaxed)) mx.store(d, std::memory_order_relaxed);
}

// torture_offline() / torture_online(): brings `cpu` to the other state.
// False if it was not a candidate (already in that state, or the last
// online vCPU); true once an attempt was made, counted and timed.
bool TortureHotplug(int cpu, bool online) {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  if (ops->cpu_online(cpu) == online) return false;
  if (!online && ops->num_online_cpus() <= 1) return false;
  const char* what = online ? "online" : "offline";
  (online ? s.n_online_attempts : s.n_offline_attempts).fetch_add(1, std::memory_order_relaxed);
  const int64_t start = NowNs();
  std::string err;
  if (!(online ? ops->online_cpu : ops->offline_cpu)(cpu, &err)) {
    if (s.p.verbose) TorOut(fmt::format("torture_onoff task: {} {} failed: {}", what, cpu, err));
    return true;
  }
  if (s.p.verbose > 1) VerboseTorOut(fmt::format("torture_onoff task: {}d {}", what, cpu));
  std::atomic<long>& successes = online ? s.n_online_successes : s.n_offline_successes;
  const bool first = successes.fetch_add(1, std::memory_order_relaxed) == 0;
  if (online) {
    Record(s.min_online, s.max_online, s.sum_online, ElapsedJiffies(start), first);
  } else {
    Record(s.min_offline, s.max_offline, s.sum_offline, ElapsedJiffies(start), first);
  }
  return true;
}

void OnoffMain() {
  TortureState& s = T();
  const Params& p = s.p;
  TortureRandom r(p.seed, Stream::kOnoff, 0);
  VerboseTorOut("torture_onoff task started");
  if (p.onoff_holdoff > 0) {
    VerboseTorOut("torture_onoff begin holdoff");
    if (SleepUntilOrStop(NowNs() + int64_t{p.onoff_holdoff} * 1'000'000'000)) {
      KthreadStopping("torture_onoff");
      return;
    }
    VerboseTorOut("torture_onoff end holdoff");
  }
  const int64_t interval_ns = int64_t{p.onoff_interval} * 1'000'000'000 / p.hz;
  while (!MustStop()) {
    const int cpu = static_cast<int>(r() % static_cast<uint64_t>(g_maxcpu + 1));
    if (!TortureHotplug(cpu, /*online=*/false)) TortureHotplug(cpu, /*online=*/true);
    // The kernel adds up to a jiffy of fuzz to the interval.
    const int64_t fuzz = static_cast<int64_t>(r() % static_cast<uint64_t>(1'000'000'000 / p.hz));
    if (SleepUntilOrStop(NowNs() + interval_ns + fuzz)) break;
  }
  KthreadStopping("torture_onoff");
}

}  // namespace

void OnoffInit() {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  if (s.p.onoff_interval <= 0) return;
  if (ops->offline_cpu == nullptr || ops->online_cpu == nullptr ||
      ops->cpu_online == nullptr) {
    TorOut("torture_onoff_init: no CPU hotplug for this flavour, onoff disabled");
    return;
  }
  for (int cpu = 0; cpu < ops->num_possible_cpus(); ++cpu)
    if (ops->cpu_online(cpu)) g_maxcpu = cpu;
  if (g_maxcpu <= 0) {
    VerboseTorOut("Only one CPU, so CPU-hotplug testing is disabled");
    return;
  }
  s.onoff = CreateTortureThread("torture_onoff", 0, -1, OnoffMain);
}

void OnoffCleanup() {
  TortureState& s = T();
  if (s.onoff == nullptr) return;
  StopTortureThread(s.onoff);
  // torture_online_all(): every vCPU the thread may have offlined.
  for (int cpu = 0; cpu <= g_maxcpu; ++cpu) TortureHotplug(cpu, /*online=*/true);
}

bool OnoffFailures() {
  const TortureState& s = T();
  return s.n_online_successes.load() != s.n_online_attempts.load() ||
         s.n_offline_successes.load() != s.n_offline_attempts.load();
}

std::string OnoffStats() {
  const TortureState& s = T();
  if (s.p.onoff_interval <= 0 || T().ops->offline_cpu == nullptr) return "";
  return fmt::format("onoff: {}/{}:{}/{} {},{}:{},{} {}:{} (HZ={}) ",
                     s.n_online_successes.load(), s.n_online_attempts.load(),
                     s.n_offline_successes.load(), s.n_offline_attempts.load(),
                     s.min_online.load(), s.max_online.load(), s.min_offline.load(),
                     s.max_offline.load(), s.sum_online.load(), s.sum_offline.load(),
                     s.p.hz);
}

}  // namespace torture

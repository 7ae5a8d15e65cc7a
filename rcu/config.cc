// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/config.h"

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rcu {

const char* ReaderModeName(ReaderMode m) {
  const size_t i = static_cast<size_t>(m);
  return i < kReaderModeNames.size() ? kReaderModeNames[i] : "?";
}

namespace {
absl::Status Bad(const char* field, long long v, const char* want) {
  return absl::InvalidArgumentError(
      absl::StrCat("Config.", field, " = ", v, ": ", want));
}
}  // namespace

absl::StatusOr<std::vector<bool>> ParseCpuList(const std::string& list, int n) {
  std::vector<bool> out(n, false);
  if (list.empty()) return out;
  if (list == "all") return std::vector<bool>(n, true);
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    std::vector<absl::string_view> ends = absl::StrSplit(part, '-');
    int lo, hi;
    if (ends.size() > 2 || !absl::SimpleAtoi(ends[0], &lo) ||
        !absl::SimpleAtoi(ends.back(), &hi) || lo < 0 || hi < lo) {
      return absl::InvalidArgumentError(
          absl::StrCat("cpulist \"", list, "\": bad part \"", part, "\""));
    }
    if (hi >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cpulist \"", list, "\": vCPU ", hi, " beyond nr_cpu_ids ", n));
    }
    for (int c = lo; c <= hi; ++c) out[c] = true;
  }
  return out;
}

absl::Status Config::Validate() const {
  const Config r = Resolved();
  if (nr_cpu_ids < 0 || nr_cpu_ids > 65536)
    return Bad("nr_cpu_ids", nr_cpu_ids,
               "must be 0 (hardware threads) or 1..65536");
  if (online_at_start < -1 || online_at_start == 0 ||
      online_at_start > r.nr_cpu_ids)
    return Bad("online_at_start", online_at_start,
               "must be -1 (all) or 1..nr_cpu_ids");
  if (fanout < 2 || fanout > 64)
    return Bad("fanout", fanout, "must be in 2..64");
  if (fanout_leaf < 2 || fanout_leaf > 64)
    return Bad("fanout_leaf", fanout_leaf, "must be in 2..64");
  if (hz < 1 || hz > 10000) return Bad("hz", hz, "must be in 1..10000");
  if (jiffies_till_first_fqs < -1 || jiffies_till_first_fqs > hz)
    return Bad("jiffies_till_first_fqs", jiffies_till_first_fqs,
               "must be -1 (default) or 0..hz");
  if (jiffies_till_next_fqs < -1 || jiffies_till_next_fqs == 0 ||
      jiffies_till_next_fqs > hz)
    return Bad("jiffies_till_next_fqs", jiffies_till_next_fqs,
               "must be -1 (default) or 1..hz");
  if (gp_preinit_delay < 0 || gp_preinit_delay > 10 * hz)
    return Bad("gp_preinit_delay", gp_preinit_delay, "must be in 0..10*hz");
  if (gp_init_delay < 0 || gp_init_delay > 10 * hz)
    return Bad("gp_init_delay", gp_init_delay, "must be in 0..10*hz");
  if (gp_cleanup_delay < 0 || gp_cleanup_delay > 10 * hz)
    return Bad("gp_cleanup_delay", gp_cleanup_delay, "must be in 0..10*hz");
  if (barrier_delay < 0 || barrier_delay > 10 * hz)
    return Bad("barrier_delay", barrier_delay, "must be in 0..10*hz");
  if (cb_gp_interval_us < 0 || cb_gp_interval_us > 1'000'000)
    return Bad("cb_gp_interval_us", cb_gp_interval_us, "must be in 0..1000000");
  if (blimit < 1) return Bad("blimit", blimit, "must be at least 1");
  if (absl::StatusOr<std::vector<bool>> m =
          ParseCpuList(rcu_nocbs, r.nr_cpu_ids);
      !m.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Config.rcu_nocbs: ", m.status().message()));
  }
  if (stall_timeout_ms < 0 || stall_timeout_ms > 3'600'000)
    return Bad("stall_timeout_ms", stall_timeout_ms,
               "must be 0 (off) or at most 3600000");
  if (exp_stall_timeout_ms < 0 || exp_stall_timeout_ms > 3'600'000)
    return Bad("exp_stall_timeout_ms", exp_stall_timeout_ms,
               "must be 0 (same as stall_timeout_ms) or at most 3600000");
  if (SeqState(initial_gp_seq) != 0)
    return Bad("initial_gp_seq", static_cast<long long>(initial_gp_seq),
               "must have its two low (state) bits clear");
  if (kthread_prio < 0 || kthread_prio > 99)
    return Bad("kthread_prio", kthread_prio, "must be in 0..99");
  if (boost_delay_ms < 0 || boost_delay_ms > 60'000)
    return Bad("boost_delay_ms", boost_delay_ms, "must be in 0..60000");
  if (name.empty() || name.size() > 8)
    return absl::InvalidArgumentError(
        absl::StrCat("Config.name = \"", name, "\": must be 1..8 characters"));
  return absl::OkStatus();
}

Config Config::Resolved() const {
  Config r = *this;
  if (r.nr_cpu_ids == 0) {
    unsigned n = std::thread::hardware_concurrency();
    r.nr_cpu_ids = n == 0 ? 1 : static_cast<int>(n);
  }
  if (r.online_at_start == -1) r.online_at_start = r.nr_cpu_ids;
  int d = 1 + (r.hz > 250) + (r.hz > 500) + r.nr_cpu_ids / 256;
  if (r.jiffies_till_first_fqs == -1) r.jiffies_till_first_fqs = d;
  if (r.jiffies_till_next_fqs == -1) r.jiffies_till_next_fqs = d;
  if (r.exp_stall_timeout_ms == 0) r.exp_stall_timeout_ms = r.stall_timeout_ms;
  if (r.boost && r.kthread_prio == 0) r.kthread_prio = 1;
  return r;
}

}  // namespace rcu

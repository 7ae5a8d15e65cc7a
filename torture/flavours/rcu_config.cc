// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/flavours/rcu_config.h"

#include <string_view>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "fmt/format.h"
#include "torture/runtime/output.h"

namespace torture {
namespace {

// The vCPUs of `r` that are offloaded, as a kernel cpulist ("0-1,5"; ""
// for none).
std::string OffloadedCpuList(const rcu::Rcu& r) {
  std::string out;
  const int n = r.nr_cpu_ids();
  for (int lo = 0; lo < n; ++lo) {
    if (!r.CpuOffloaded(lo)) continue;
    int hi = lo;
    while (hi + 1 < n && r.CpuOffloaded(hi + 1)) ++hi;
    if (!out.empty()) out += ',';
    out += lo == hi ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, hi);
    lo = hi;
  }
  return out;
}

std::string ModeNames() {
  const auto& n = rcu::kReaderModeNames;
  return fmt::format("{} or {}", absl::StrJoin(n.begin(), n.end() - 1, ", "),
                     n.back());
}

}  // namespace

absl::StatusOr<rcu::Config> RcuConfigFromParams(const Params& p) {
  std::optional<rcu::ReaderMode> mode = rcu::ParseReaderMode(p.reader_mode);
  if (!mode.has_value()) {
    return absl::InvalidArgumentError(
        fmt::format("bad value '{}' for reader_mode: expected {}",
                    p.reader_mode, ModeNames()));
  }
  rcu::Config c;
  c.nr_cpu_ids = p.nr_cpus;
  c.online_at_start = p.maxcpus;
  c.fanout = p.rcu_fanout;
  c.fanout_leaf = p.rcu_fanout_leaf;
  c.fanout_exact = p.rcu_fanout_exact;
  c.hz = p.hz;
  c.jiffies_till_first_fqs = p.jiffies_till_first_fqs;
  c.jiffies_till_next_fqs = p.jiffies_till_next_fqs;
  c.gp_preinit_delay = p.gp_preinit_delay;
  c.gp_init_delay = p.gp_init_delay;
  c.gp_cleanup_delay = p.gp_cleanup_delay;
  c.barrier_delay = p.barrier_delay;
  c.blimit = p.blimit;
  c.cb_gp_interval_us = p.cb_gp_interval_us;
  c.caller_gps = p.caller_gps;
  c.rcu_nocbs = p.rcu_nocbs;
  c.stall_timeout_ms = p.rcu_cpu_stall_timeout * 1000;
  c.stall_sink = ConsoleLineSink;
  c.reader_mode = *mode;
  c.kthread_prio = p.kthread_prio;
  c.boost = p.rcu_boost;
  c.boost_delay_ms = p.rcu_boost_delay;
  c.name = "rcu";
  return c;
}

void ConsoleLineSink(const std::string& text) { TorOutLines(text); }

std::string DescribeRcu(const rcu::Rcu& r, bool tunables,
                        size_t max_tree_chars) {
  const rcu::Config& c = r.config();
  std::string tree = absl::StrReplaceAll(r.DumpTree(), {{"\n", " "}});
  std::string more;
  if (tunables) {
    more = fmt::format(
        "jiffies_till_first_fqs={} jiffies_till_next_fqs={} "
        "gp_preinit_delay={} "
        "gp_init_delay={} gp_cleanup_delay={} blimit={} "
        "rcu_cpu_stall_timeout={} "
        "rcu_nocbs={} ",
        c.jiffies_till_first_fqs, c.jiffies_till_next_fqs, c.gp_preinit_delay,
        c.gp_init_delay, c.gp_cleanup_delay, c.blimit,
        c.stall_timeout_ms / 1000, OffloadedCpuList(r));
    // Only when set, so that the line is unchanged for everyone else.
    if (c.barrier_delay != 0)
      more += fmt::format("barrier_delay={} ", c.barrier_delay);
    if (c.cb_gp_interval_us != 0)
      more += fmt::format("cb_gp_interval_us={} ", c.cb_gp_interval_us);
    if (!c.caller_gps) more += "caller_gps=0 ";
    if (c.kthread_prio != 0 || c.boost) {
      more += fmt::format("kthread_prio={} rcu_boost={} rcu_boost_delay={} ",
                          c.kthread_prio, c.boost ? 1 : 0, c.boost_delay_ms);
    }
  }
  return fmt::format(
      "rcu: nr_cpu_ids={} online={} fanout={} fanout_leaf={} fanout_exact={} "
      "hz={} reader_mode={} {}tree: {}",
      r.nr_cpu_ids(), r.num_online_cpus(), c.fanout, c.fanout_leaf,
      c.fanout_exact ? 1 : 0, c.hz, rcu::ReaderModeName(r.reader_mode()), more,
      tree.substr(0, max_tree_chars));
}

}  // namespace torture

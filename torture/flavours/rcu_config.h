// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// rcu_config.h: the rcutree.* parameters as an rcu::Config, in one place
// for every flavour that builds an rcu::Rcu: rcu and its busted variants
// (their own instance), srcu, srcud and srcu-busted (the default instance,
// whose vCPUs the run uses).
#ifndef TORTURE_FLAVOURS_RCU_CONFIG_H_
#define TORTURE_FLAVOURS_RCU_CONFIG_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "rcu/config.h"
#include "rcu/tree.h"
#include "torture/runtime/params.h"

namespace torture {

// The rcu::Config that the tree parameters of `p` describe, all of them:
//   nr_cpus            -> nr_cpu_ids
//   maxcpus            -> online_at_start
//   rcu_fanout, rcu_fanout_leaf, rcu_fanout_exact
//                      -> fanout, fanout_leaf, fanout_exact
//   hz, jiffies_till_first_fqs, jiffies_till_next_fqs, gp_preinit_delay,
//   gp_init_delay, gp_cleanup_delay, blimit, cb_gp_interval_us,
//   caller_gps, rcu_nocbs, kthread_prio
//                      -> the fields of the same names
//   rcu_boost, rcu_boost_delay (ms) -> boost, boost_delay_ms
//   rcu_cpu_stall_timeout (s) -> stall_timeout_ms
//   reader_mode        -> reader_mode (rcu::ParseReaderMode)
// Stall warnings go to the console log (ConsoleLineSink); the instance is
// named "rcu". InvalidArgument, naming the parameter, when reader_mode
// names no mode. The result is not validated: Rcu::Create(),
// rcu::InitDefault() and SrcuDomain::Create() do that.
absl::StatusOr<rcu::Config> RcuConfigFromParams(const Params& p);

// Prints `text` to the console log, one "<type>-torture: " line per
// '\n'-terminated line of it: the sink of the instances' stall warnings.
void ConsoleLineSink(const std::string& text);

// The instance `r` for the describe line:
//   rcu: nr_cpu_ids=N online=N fanout=N fanout_leaf=N fanout_exact=B hz=N
//   reader_mode=MODE tree: <DumpTree() on one line>
// With `tunables`, the rest of its configuration comes before "tree:":
//   jiffies_till_first_fqs=N jiffies_till_next_fqs=N gp_preinit_delay=N
//   gp_init_delay=N gp_cleanup_delay=N blimit=N rcu_cpu_stall_timeout=S
//   rcu_nocbs=CPULIST (resolved values; the vCPUs offloaded now)
// and, when either is set, kthread_prio=N rcu_boost=B rcu_boost_delay=MS;
// cb_gp_interval_us=N when it is not 0; caller_gps=0 when it is off.
// The tree part is cut after `max_tree_chars` characters.
std::string DescribeRcu(const rcu::Rcu& r, bool tunables = false,
                        size_t max_tree_chars = std::string::npos);

}  // namespace torture

#endif  // TORTURE_FLAVOURS_RCU_CONFIG_H_

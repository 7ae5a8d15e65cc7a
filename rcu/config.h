// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// config.h: the validated shape and tunables of one RCU instance.
#ifndef RCU_CONFIG_H_
#define RCU_CONFIG_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rcu/export.h"
#include "rcu/seq.h"

namespace rcu {

// How readers order their `watch` stores against the grace-period side.
enum class ReaderMode {
  // membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) when it registers, else
  // kFences. Always kFences under TSan, and for a QSBR instance
  // (Config::qsbr), whose read side has nothing to order: its transitions
  // fence, and its grace periods need no membarrier().
  kAuto,
  // Readers use compiler fences only; the grace-period side pays with
  // membarrier(). Instance creation fails if membarrier cannot register.
  kMembarrier,
  // Readers execute full fences at their outermost lock and unlock.
  kFences,
};

// The name of each ReaderMode, indexed by its value: the one spelling of
// the modes, in configuration text (ParseReaderMode) and in output
// (ReaderModeName).
inline constexpr std::array<const char*, 3> kReaderModeNames = {
    "auto", "membarrier", "fences"};
static_assert(static_cast<size_t>(ReaderMode::kFences) + 1 ==
                  kReaderModeNames.size(),
              "kReaderModeNames names every ReaderMode");

// "auto", "membarrier" or "fences".
RCU_EXPORT const char* ReaderModeName(ReaderMode m);

// The mode kReaderModeNames spells `name`, or nullopt. Inline (it needs
// nothing from the library), so that a program may check a mode name
// without linking librcu.
constexpr std::optional<ReaderMode> ParseReaderMode(std::string_view name) {
  for (size_t i = 0; i < kReaderModeNames.size(); ++i) {
    if (name == kReaderModeNames[i]) return static_cast<ReaderMode>(i);
  }
  return std::nullopt;
}

struct RCU_EXPORT Config {
  // Possible vCPUs (the kernel's nr_cpu_ids). 0: the hardware threads.
  int nr_cpu_ids = 0;
  // vCPUs online at start: 0..online_at_start-1. -1: all of them.
  int online_at_start = -1;
  // rcu_node fanout of interior nodes and of leaves, 2..64.
  int fanout = 64;
  int fanout_leaf = 16;
  // true: leaves hold exactly fanout_leaf vCPUs; false: balance the leaves.
  bool fanout_exact = false;
  // Tick rate (jiffies per second), 1..10000.
  int hz = 1000;
  // Force-quiescent-state scan intervals in jiffies; -1: the kernel's
  // formula, 1 + (hz > 250) + (hz > 500) + nr_cpu_ids / 256.
  int jiffies_till_first_fqs = -1;
  int jiffies_till_next_fqs = -1;
  // Debug delays in jiffies that widen the races of grace-period
  // pre-initialization, initialization and cleanup with hotplug and
  // readers, each taken in one grace period in so many (as the kernel's
  // rcu_gp_slow()); gp_preinit_delay also in every grace period whose
  // pre-initialization kept a leaf only for its blocked readers. 0: off.
  int gp_preinit_delay = 0;
  int gp_init_delay = 0;
  int gp_cleanup_delay = 0;
  // Debug delay in jiffies after each vCPU that Barrier() visits: widens
  // the race of a barrier with hotplug and offload toggling (a vCPU going
  // down, its callbacks migrating, while the barrier is half way through
  // the vCPUs). 0: off. Not a kernel parameter.
  int barrier_delay = 0;
  // A normal grace period older than this prints a stall warning, once per
  // timeout (the kernel's rcu_cpu_stall_timeout, 21 s). 0: never.
  int stall_timeout_ms = 21000;
  // The same for an expedited grace period; 0: stall_timeout_ms.
  int exp_stall_timeout_ms = 0;
  // Receives each stall warning (several lines, each ending in '\n').
  // Empty: written to stderr.
  std::function<void(const std::string&)> stall_sink;
  // Offloaded ("no-CBs") vCPUs, in the kernel's cpulist syntax: "1,3-5",
  // "all", or "" for none (rcu_nocbs=). An offloaded vCPU's callbacks stay
  // with it while it is offline and its callback thread keeps invoking
  // them; that thread is created when the vCPU first comes online.
  std::string rcu_nocbs;
  // A grace period that only callbacks wait for starts at least this many
  // microseconds after the previous one started, so that a callback flood
  // batches thousands of callbacks per grace period (and two heavy fences)
  // instead of a grace period per hundred. A grace period that a caller
  // waits for (Synchronize()) is not delayed. Isolated callbacks are not
  // delayed either: the first after a quiet spell starts one at once.
  // 0: every grace period starts as soon as it is needed. Not a kernel
  // parameter; the kernel's callback grace periods batch over their
  // jiffies_till_first_fqs and scheduler-tick quiescent states.
  int cb_gp_interval_us = 1000;
  // A Synchronize() that asks for a grace period when none is in progress
  // runs that grace period's start itself (GP init, the first scan, up to
  // jiffies_till_first_fqs for the readers found to report, the cleanup if
  // they did) instead of waking the grace-period thread, which takes over
  // a grace period that outlasts that wait. false: every grace period runs
  // on the grace-period thread, as in the kernel. Not a kernel parameter.
  bool caller_gps = true;
  // Callbacks invoked per batch before checking for other work (at least
  // this many; more when the backlog is long).
  int blimit = 1000;
  ReaderMode reader_mode = ReaderMode::kAuto;
  // Quiescent-state-based reclamation (liburcu-qsbr's flavour): a thread
  // registered with the instance is *online* from RegisterThread() until
  // ThreadOffline() or UnregisterThread(), and everything it does while
  // online is one long read-side critical section, cut only by its
  // QuiescentState() calls. QsbrReadLock()/QsbrReadUnlock() then compile to
  // nothing in release builds (tree.h, "QSBR"). Not a kernel parameter.
  bool qsbr = false;
  // Initial gp_seq. Tests set values just before the wrap.
  uint64_t initial_gp_seq = kInitialGpSeq;
  // Thread-name prefix for the instance's own threads (GP, callbacks).
  std::string name = "rcu";
  // SCHED_FIFO priority of the grace-period thread, 1..99; 0: it runs at
  // normal priority (the kernel's rcutree.kthread_prio). Needs
  // CAP_SYS_NICE; refused, one line says so and the thread stays normal.
  int kthread_prio = 0;
  // Reader priority boosting (the kernel's CONFIG_RCU_BOOST): a normal
  // grace period that has waited boost_delay_ms raises every thread whose
  // read-side critical section it still waits for (attached to a vCPU
  // owing a quiescent state, or on a blocked-readers list) to SCHED_FIFO
  // priority kthread_prio until that critical section ends, so that a
  // reader preempted by real-time work cannot hold grace periods (and
  // memory) for as long as that work runs (rcu/boost.cc). Implies
  // kthread_prio >= 1 (1 when 0), as the kernel's Kconfig does.
  bool boost = false;
  // How long a grace period waits before it boosts (RCU_BOOST_DELAY),
  // 0..60000.
  int boost_delay_ms = 500;

  // OK, or InvalidArgument naming the first bad field and its value.
  absl::Status Validate() const;
  // Copy with the defaults (-1, 0) replaced by their resolved values.
  Config Resolved() const;
};

// Parses a kernel cpulist ("0,2-5", "all", "") for `n` vCPUs.
// InvalidArgument names the bad part.
RCU_EXPORT absl::StatusOr<std::vector<bool>> ParseCpuList(
    const std::string& list, int n);

}  // namespace rcu

#endif  // RCU_CONFIG_H_

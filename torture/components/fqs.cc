// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// fqs.cc: the fqs thread (rcu_torture_fqs).
//
// Bursts of the flavour's force-quiescent-state primitive: wait
// fqs_stutter seconds, then for fqs_duration microseconds call ops->fqs()
// every fqs_holdoff microseconds (busy-waiting in between, the kernel's
// udelay()), then honour stutter. For `rcu` that is Rcu::ForceQs(), so the
// GP thread scans for quiescent states far more often than its own FQS
// timer would, racing with quiescent-state reports from every other path.
// No error counter of its own: a bug shows up as a reader or writer error,
// a hang (the watchdog) or a library check.
//
// The thread exists only if fqs_duration and fqs_holdoff are both non-zero
// and the flavour has an fqs primitive ("->fqs NULL and non-zero
// fqs_duration, fqs disabled." otherwise, as the kernel says).
#include "torture/runtime/torture.h"

namespace torture {
namespace {

void FqsMain() {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  const Params& p = s.p;
  do {
    // The kernel waits fqs_stutter seconds in HZ/20 steps.
    if (SleepUntilOrStop(NowNs() + int64_t{p.fqs_stutter} * 1'000'000'000)) break;
    ApplyShuffle();
    int remaining = p.fqs_duration;
    while (remaining > 0 && !MustStop()) {
      ops->fqs();
      UDelay(p.fqs_holdoff);
      remaining -= p.fqs_holdoff;
    }
    if (ops->quiescent_state != nullptr) ops->quiescent_state();
    StutterWait();
  } while (!MustStop());
  KthreadStopping("rcu_torture_fqs");
}

}  // namespace

void FqsInit() {
  TortureState& s = T();
  const Params& p = s.p;
  if (s.ops->fqs == nullptr && p.fqs_duration != 0) {
    TorOut("->fqs NULL and non-zero fqs_duration, fqs disabled.");
    return;
  }
  if (p.fqs_duration > 0 && p.fqs_holdoff > 0) {
    s.fqs = CreateTortureThread("rcu_torture_fqs", 0, -1, FqsMain);
  }
}

void FqsCleanup() { StopTortureThread(T().fqs); }

}  // namespace torture

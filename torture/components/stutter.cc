// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// stutter.cc: the stutter thread (torture_stutter).
//
// The global pause/run rhythm: every load thread calls StutterWait() once
// per loop iteration, and while a pause is in force it sleeps until the
// pause ends. A pause lasts `stutter` seconds; so does the run period
// between pauses (the kernel runs for stall_dur() when the flavour has a
// stall timeout; none here has). Purpose (kernel comment): "catch bugs that
// appear when load is suddenly applied to or removed from the system".
//
// Unlike the kernel's thread, which starts with a pause, this one starts
// with a run period, so that short runs spend their first seconds loaded.
#include "torture/runtime/torture.h"

namespace torture {

void StutterMain() {
  TortureState& s = T();
  const int64_t stutter_ns = int64_t{s.p.stutter} * 1'000'000'000;
  const int64_t gap_ns = stutter_ns;  // run period
  while (!MustStop()) {
    if (SleepUntilOrStop(NowNs() + gap_ns)) break;
    int64_t till = NowNs() + stutter_ns;
    s.stutter_till_ns.store(till, std::memory_order_relaxed);
    // Sleep one jiffy less than the pause, as the kernel does.
    if (SleepUntilOrStop(till - 1'000'000)) break;
  }
  s.stutter_till_ns.store(0, std::memory_order_relaxed);
  KthreadStopping("torture_stutter");
}

}  // namespace torture

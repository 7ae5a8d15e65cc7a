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
#include "torture/runtime/run.h"

namespace torture {
namespace {

class Stutter : public Component {
 public:
  explicit Stutter(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.stutter > 0) {
      thread_ =
          run_.threads.Create("torture_stutter", 0, -1, [this] { Main(); });
    }
  }

  void Stop() override { run_.threads.Stop(thread_); }

 private:
  void Main() {
    const int64_t stutter_ns = int64_t{run_.p.stutter} * 1'000'000'000;
    const int64_t gap_ns = stutter_ns;  // run period
    while (!MustStop()) {
      if (SleepUntilOrStop(NowNs() + gap_ns)) break;
      int64_t till = NowNs() + stutter_ns;
      SetStutterUntil(till);
      // Sleep one jiffy less than the pause, as the kernel does.
      if (SleepUntilOrStop(till - 1'000'000)) break;
    }
    SetStutterUntil(0);
    KthreadStopping("torture_stutter");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
};

}  // namespace

std::unique_ptr<Component> MakeStutter(Run& run) {
  return std::make_unique<Stutter>(run);
}

}  // namespace torture

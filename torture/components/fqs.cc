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
#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class Fqs : public Component {
 public:
  explicit Fqs(Run& run) : run_(run), p_(run.p) {}

  void Start() override {
    if (run_.ops->fqs == nullptr && p_.fqs_duration != 0) {
      TorOut("->fqs NULL and non-zero fqs_duration, fqs disabled.");
      return;
    }
    if (p_.fqs_duration > 0 && p_.fqs_holdoff > 0) {
      thread_ =
          run_.threads.Create("rcu_torture_fqs", 0, -1, [this] { Main(); });
    }
  }

  void Stop() override { run_.threads.Stop(thread_); }

 private:
  void Main() {
    const TortureOps* ops = run_.ops;
    do {
      // The kernel waits fqs_stutter seconds in HZ/20 steps.
      if (SleepUntilOrStop(NowNs() + int64_t{p_.fqs_stutter} * 1'000'000'000))
        break;
      ApplyShuffle();
      int remaining = p_.fqs_duration;
      while (remaining > 0 && !MustStop()) {
        ops->fqs();
        UDelay(p_.fqs_holdoff);
        remaining -= p_.fqs_holdoff;
      }
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      StutterWait();
    } while (!MustStop());
    KthreadStopping("rcu_torture_fqs");
  }

  Run& run_;
  const Params& p_;
  ThreadCtx* thread_ = nullptr;
};

}  // namespace

std::unique_ptr<Component> MakeFqs(Run& run) {
  return std::make_unique<Fqs>(run);
}

}  // namespace torture

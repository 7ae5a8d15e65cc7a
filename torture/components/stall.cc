// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// stall.cc: the stall thread (rcu_torture_stall, rcu_torture_stall_one).
//
// Induces an RCU CPU stall on purpose: after stall_cpu_holdoff seconds, one
// thread enters a read-side critical section and stays in it for stall_cpu
// seconds, spinning (or sleeping, with stall_cpu_block); stall_cpu_repeat
// more episodes follow, each after its own holdoff. Every grace period
// that starts meanwhile waits for this reader, so the flavour's stall
// detector must warn.
//
// Unlike the kernel, which leaves judging the warnings to its scripts,
// the harness checks them: for a flavour with a stall detector (`rcu`:
// Rcu::GetStats().stalls, the warnings routed into the console log by
// ops_rcu.cc) an episode that ran to its end and lasted longer than the
// stall timeout (rcutree.rcu_cpu_stall_timeout) must have raised the
// warning count; if it did not, that is an error (FAILURE). The warnings
// themselves are the expected output of this test, not errors.
//
// Forward-progress testing is disabled when stall_cpu > 0 (fwd_prog.cc),
// and the writer's post-stutter pool check waits until the stall episodes
// are over (stallsdone, writer.cc).
//
// stall_gp_kthread > 0 first stalls the grace-period thread itself (the
// kernel's rcu_gp_set_torture_wait()): after the holdoff, the flavour's
// TortureOps::stall_gp_kthread hook makes it sleep stall_gp_kthread
// seconds at its next force-quiescent-state wait, deaf to wake-ups, while
// this thread waits in a grace period (a waiter is what notices), then 2
// seconds more. When that is longer than
// the stall timeout, the flavour's starvation report (counted by
// TortureOps::gp_kthread_starved) must appear, else error. A flavour
// without the hook: reported and ignored. stall_cpu_irqsoff has no meaning
// here (no irqs): spinning.
#include <algorithm>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class Stall : public Component {
 public:
  explicit Stall(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.stall_cpu <= 0 && run_.p.stall_gp_kthread <= 0) return;
    thread_ =
        run_.threads.Create("rcu_torture_stall", 0, -1, [this] { Main(); });
  }

  void Stop() override { run_.threads.Stop(thread_); }

 private:
  // rcu_torture_stall_one(): one episode. True if the stall ran to its end.
  bool StallOne(int rep) {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    if (p.stall_cpu_holdoff > 0) {
      VerboseTorOut("rcu_torture_stall begin holdoff");
      if (SleepUntilOrStop(NowNs() +
                           int64_t{p.stall_cpu_holdoff} * 1'000'000'000)) {
        return false;
      }
      VerboseTorOut("rcu_torture_stall end holdoff");
    }
    if (MustStop()) return false;
    ApplyShuffle();
    VerboseTorOut("rcu_torture_stall begin CPU stall");
    const int64_t stop_at = NowNs() + int64_t{p.stall_cpu} * 1'000'000'000;
    // RCU CPU stall is expected behavior in following code.
    ops->readlock();
    int cpu = ops->current_cpu != nullptr ? ops->current_cpu() : -1;
    PrintLine(
        fmt::format("rcu_torture_stall_one start stall episode {} on CPU {}.",
                    rep + 1, cpu));
    bool stopped = false;
    while (NowNs() < stop_at) {
      // kthread_should_stop() in the kernel; fullstop as well here, so that
      // cleanup is never held up for a whole episode.
      if (MustStop()) {
        stopped = true;
        break;
      }
      if (p.stall_cpu_block) {
        // Blocked inside the reader: no quiescent state for this thread, and
        // no offline marking (that would end the critical section for QSBR).
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        UDelay(1000);
      }
    }
    ops->readunlock();
    return !stopped;
  }

  // The grace-period-thread stall (stall_gp_kthread).
  void StallGpKthread(int timeout_ms) {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    if (ops->stall_gp_kthread == nullptr) {
      TorOut(fmt::format(
          "rcu_torture_stall: stall_gp_kthread={} not supported by {}, ignored",
          p.stall_gp_kthread, ops->name));
      return;
    }
    if (p.stall_cpu_holdoff > 0 &&
        SleepUntilOrStop(NowNs() +
                         int64_t{p.stall_cpu_holdoff} * 1'000'000'000)) {
      return;
    }
    const uint64_t before =
        ops->gp_kthread_starved != nullptr ? ops->gp_kthread_starved() : 0;
    VerboseTorOut("rcu_torture_stall begin GP stall");
    ops->stall_gp_kthread(p.stall_gp_kthread * 1000);
    // Wait in a grace period, so that at least one thread waits through
    // the stall: the waiters are the ones that report the GP thread
    // starved (the writer may be polling instead).
    if (ops->sync != nullptr) {
      GpWaitScope w("sync");
      ops->sync();
    }
    for (int i = 0; i < 2; ++i) {
      if (SleepUntilOrStop(NowNs() + 1'000'000'000)) return;
    }
    VerboseTorOut("rcu_torture_stall end GP stall");
    if (ops->gp_kthread_starved == nullptr || timeout_ms <= 0 ||
        int64_t{p.stall_gp_kthread} * 1000 <= timeout_ms) {
      return;
    }
    const uint64_t after = ops->gp_kthread_starved();
    if (after == before) {
      TortureError(fmt::format(
          "rcu_torture_stall: the grace-period thread slept {} s but no "
          "starvation report was printed (stall timeout {} ms)",
          p.stall_gp_kthread, timeout_ms));
    } else {
      TorOut(fmt::format(
          "rcu_torture_stall: GP stall: {} starvation report(s), as expected",
          after - before));
    }
  }

  void Main() {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    int repeat = p.stall_cpu_repeat;
    if (repeat < 0) {
      TortureWarn("rcu_torture_stall", "negative stall_cpu_repeat, using 0");
      repeat = 0;
    }
    const int timeout_ms =
        ops->stall_dur_ms != nullptr ? ops->stall_dur_ms() : 0;
    if (p.stall_gp_kthread > 0) StallGpKthread(timeout_ms);
    for (int i = 0; i <= repeat && p.stall_cpu > 0; ++i) {
      if (MustStop()) break;
      uint64_t before =
          ops->stall_warnings != nullptr ? ops->stall_warnings() : 0;
      bool complete = StallOne(i);
      if (!complete || ops->stall_warnings == nullptr || timeout_ms <= 0)
        continue;
      if (int64_t{p.stall_cpu} * 1000 <= timeout_ms) {
        TorOut(
            fmt::format("rcu_torture_stall: stall_cpu={} s is not longer than "
                        "the stall timeout ({} ms): "
                        "no warning expected",
                        p.stall_cpu, timeout_ms));
        continue;
      }
      uint64_t after = ops->stall_warnings();
      if (after == before) {
        TortureError(
            fmt::format("rcu_torture_stall: episode {} held a reader for {} s "
                        "but no RCU CPU stall warning "
                        "was printed (stall timeout {} ms)",
                        i + 1, p.stall_cpu, timeout_ms));
      } else {
        TorOut(fmt::format(
            "rcu_torture_stall: episode {}: {} stall warning(s), as expected",
            i + 1, after - before));
      }
    }
    PrintLine("rcu_torture_stall end.");
    KthreadStopping("rcu_torture_stall");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
};

}  // namespace

std::unique_ptr<Component> MakeStall(Run& run) {
  return std::make_unique<Stall>(run);
}

}  // namespace torture

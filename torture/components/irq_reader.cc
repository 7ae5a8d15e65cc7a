// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// irq_reader.cc: readers in emulated interrupt context (the kernel's
// irqreader parameter and rcu_torture_timer()).
//
// The kernel's readers arm a timer whose handler does one read-side
// critical section in softirq context, interrupting whatever the CPU was
// doing. Here the `rcu_torture_irq` thread sends a signal, about once a
// millisecond, to each torture thread in turn: readers inside their
// critical sections, writers inside synchronize(), threads asleep. The
// handler does one short read (lock, load the current element, check it,
// sample its pipe count and the grace-period delta into the shared Reader
// Pipe and Reader Batch slot, unlock) and counts it in the stats line's
// `nt:` field. A too-short grace period shows up as a pipe count >= 2, as
// for every reader.
//
// Only flavours whose read side is async-signal-safe take part
// (TortureOps::irq_capable): `rcu` and the SRCU flavours (`srcu`, `srcud`,
// `srcu-busted`), whose read sides are documented async-signal-safe
// (rcu/tree.h and rcu/srcu.h, "Signal handlers"), and liburcu's, except
// QSBR, whose threads are offline while they sleep. For `rcu` this is the
// case the kernel's deferred quiescent-state report exists for: the
// handler's outermost unlock may find a quiescent-state request or a
// blocked-reader entry to deal with while the interrupted thread holds a
// library lock (inside Synchronize(), Call(), MigrateSelf(), the unlock
// slow path itself); it then leaves that work to the thread's next unlock
// or quiescent point, or to the FQS scan. The handler reads only when the
// interrupted thread is a torture thread registered with the flavour
// (CurrentThread() is set only between thread_init() and thread_exit()),
// takes no lock of its own and allocates nothing.
#include <pthread.h>
#include <signal.h>

#include <cerrno>

#include "fmt/format.h"
#include "torture/runtime/lockdep.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

// The handler's way to the run: a signal handler gets only the signal.
// Set before the first signal is sent and never reset (a signal may still
// be pending on some thread after the component stopped).
std::atomic<Run*> g_irq_run{nullptr};

int IrqSignal() { return SIGRTMIN + 3; }

// rcu_torture_timer(): one read, async-signal-safe.
void OnIrq(int) {
  const int saved_errno = errno;
  Run* run = g_irq_run.load(std::memory_order_acquire);
  if (run != nullptr && CurrentThread() != nullptr) {
    const TortureOps* ops = run->ops;
    ops->readlock();
    const uint64_t started = ops->get_gp_seq();
    TortureElem* p = ReaderDereference(run->current);
    if (p != nullptr) {
      if (p->mbtest.load(std::memory_order_relaxed) == 0) {
        run->n_mberror.fetch_add(1, std::memory_order_relaxed);
      }
      int pipe_count = p->pipe_count.load(std::memory_order_relaxed);
      if (pipe_count > kPipeLen) pipe_count = kPipeLen;
      uint64_t diff = ops->gp_diff(ops->get_gp_seq(), started);
      if (diff > kPipeLen) diff = kPipeLen;
      // The shared slot after the readers' (several writers: atomic adds).
      ReaderHist& h = run->hist[run->nrealreaders];
      h.pipe[pipe_count].fetch_add(1, std::memory_order_relaxed);
      h.batch[diff].fetch_add(1, std::memory_order_relaxed);
    }
    ops->readunlock();
    if (p != nullptr) run->n_timers.fetch_add(1, std::memory_order_relaxed);
  }
  errno = saved_errno;
}

class IrqReader : public Component {
 public:
  explicit IrqReader(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.irqreader == 0 || !run_.ops->irq_capable) return;
    on_ = true;
    // Release: the run's fields before any handler's acquire load.
    g_irq_run.store(&run_, std::memory_order_release);
    struct sigaction sa {};
    sa.sa_handler = OnIrq;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(IrqSignal(), &sa, nullptr);
    thread_ = run_.threads.Create("rcu_torture_irq", 0, -1, [this] { Main(); });
  }

  // First in the cleanup: no signal may be sent to a thread being joined.
  void Stop() override { run_.threads.Stop(thread_); }

  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    if (!on_) return {};
    return {{"timer_reads", run_.n_timers.load()}};
  }

 private:
  void Main() {
    while (!run_.threads.complete() &&
           !SleepUntilOrStop(NowNs() + 10'000'000)) {
    }
    const auto& all = run_.threads.all();
    size_t next = 0;
    while (!SleepUntilOrStop(NowNs() + 1'000'000)) {
      const ThreadCtx* t = all[next++ % all.size()].get();
      if (t != CurrentThread()) pthread_kill(t->handle, IrqSignal());
    }
    KthreadStopping("rcu_torture_irq");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
  bool on_ = false;
};

}  // namespace

std::unique_ptr<Component> MakeIrqReader(Run& run) {
  return std::make_unique<IrqReader>(run);
}

}  // namespace torture

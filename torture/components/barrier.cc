// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// barrier.cc: barrier torture (rcu_torture_barrier and
// rcu_torture_barrier_cbs).
//
// n_barrier_cbs callback threads and one coordinator. Each phase: the
// coordinator zeroes barrier_cbs_invoked, sets the count of threads still
// to post to n_barrier_cbs and flips the phase; each callback thread i,
// seeing the new phase, posts one callback through the flavour's call()
// from vCPU i (the kernel's smp_call_on_cpu(); for flavours without vCPUs,
// from wherever it runs) and counts itself off, the last one waking the
// coordinator. The coordinator then runs the flavour's cb_barrier() and
// checks the exact count: barrier_cbs_invoked must equal n_barrier_cbs,
// since every callback was posted before the barrier began. A miscount
// bumps rtbe (n_barrier_error; the stats line's "barrier: s/a:e" shows
// successes/attempts:errors), which makes the verdict FAILURE, and the
// coordinator then waits for the stragglers ("Recovered: ...") so that no
// callback head is reused while still queued. 100 ms between phases.
//
// Unlike the kernel's rcu_torture_barrier_cbf(), every other callback
// takes its time (0.1-1 ms, a sleep before it counts itself, chosen from
// the phase and the thread so that runs repeat). A barrier that forgets a
// callback usually forgets one that waits for the same grace period as
// the callbacks it does wait for: one that sits behind the barrier's own
// callback on a list it merged into, or one on a vCPU it skipped. Invoked
// at once, such a callback has run by the time the coordinator looks, and
// the bug goes unseen; a slow one is still pending and counted missing.
// Correct barriers wait for it however long it takes.
//
// Skipped, with the kernel's two lines, for flavours without call or
// cb_barrier (e.g. busted).
#include <chrono>
#include <memory>
#include <thread>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

struct BarrierState {
  Mutex mu;
  CondVar cv;  // phase flips (callback threads) and count reaching 0
  bool phase ABSL_GUARDED_BY(mu) = false;
  int count ABSL_GUARDED_BY(mu) = 0;  // barrier_cbs_count
  // barrier_cbs_invoked: bumped by the callbacks. Relaxed: cb_barrier()
  // orders every callback it waited for before its return, and the
  // coordinator reads it only after that (or, recovering, polls it).
  std::atomic<int> invoked{0};
  // Phases started; read by the callbacks to pick their delay.
  std::atomic<unsigned> nphase{0};
  // One callback head per callback thread (the kernel's on-stack head);
  // reused only after the coordinator saw its callback invoked.
  std::unique_ptr<TortureHead[]> heads;
};

// The callbacks' way to the state: a callback gets only its head.
BarrierState* g_barrier = nullptr;

void BarrierCbf(TortureHead* head) {
  BarrierState& b = *g_barrier;
  const unsigned i = static_cast<unsigned>(head - b.heads.get());
  const unsigned k = b.nphase.load(std::memory_order_relaxed) + i;
  // A plain sleep: this runs on the flavour's callback thread, not on a
  // torture thread (no QS announcements, no stop checks).
  if (k % 2 == 0)
    std::this_thread::sleep_for(
        std::chrono::microseconds(100 * (1 + (k * 7) % 10)));
  b.invoked.fetch_add(1, std::memory_order_relaxed);
}

// Waits, with bounded sleeps so that a stop request is seen, until `done`.
template <typename Pred>
void WaitOrStop(BarrierState& b, Pred done)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(b.mu) {
  while (!done() && !MustStop()) {
    b.cv.WaitFor(
        b.mu, std::chrono::milliseconds(50),
        [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return done() || MustStop(); });
  }
}

class Barrier : public Component {
 public:
  explicit Barrier(Run& run) : run_(run) {}

  void Start() override {
    const TortureOps* ops = run_.ops;
    const int n = run_.p.n_barrier_cbs;
    if (n <= 0) return;
    if (ops->call == nullptr || ops->cb_barrier == nullptr) {
      TorOut(fmt::format("Call or barrier ops missing for {},", ops->name));
      TorOut("RCU barrier testing omitted from run.");
      return;
    }
    g_barrier =
        new BarrierState;  // lives for the process (callbacks may run late)
    g_barrier->heads = std::make_unique<TortureHead[]>(n);
    const int online = std::max(1, run_.online_cpus);
    for (int i = 0; i < n; ++i) {
      cbs_.push_back(run_.threads.Create(
          "rcu_torture_barrier_cbs", i, i % online, [this, i] { CbsMain(i); }));
    }
    thread_ =
        run_.threads.Create("rcu_torture_barrier", 0, -1, [this] { Main(); });
  }

  // The coordinator first, then the callback threads.
  void Stop() override {
    run_.threads.Stop(thread_);
    run_.threads.StopAll(cbs_);
  }

  // " barrier: successes/attempts:errors".
  std::string StatsFragment() const override {
    return fmt::format(" barrier: {}/{}:{}", n_successes_.load(),
                       n_attempts_.load(), run_.n_barrier_error.load());
  }
  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    return {{"attempts", n_attempts_.load()},
            {"successes", n_successes_.load()},
            {"errors", run_.n_barrier_error.load()}};
  }

 private:
  // rcu_torture_barrier_cbs().
  void CbsMain(int myid) {
    const TortureOps* ops = run_.ops;
    BarrierState& b = *g_barrier;
    bool lastphase = false;
    do {
      ApplyShuffle();
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      {
        if (ops->thread_offline != nullptr) ops->thread_offline();
        MutexLock l(b.mu);
        WaitOrStop(b, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return b.phase != lastphase;
        });
        lastphase = b.phase;
      }
      if (ops->thread_online != nullptr) ops->thread_online();
      if (MustStop()) break;
      // smp_call_on_cpu(myid, ...): post from vCPU myid if it is online.
      if (ops->migrate != nullptr && ops->num_online_cpus != nullptr) {
        int n = ops->num_online_cpus();
        if (n > 0) ops->migrate(myid % n);
      }
      ops->call(&b.heads[myid], BarrierCbf);
      MutexLock l(b.mu);
      if (--b.count == 0) b.cv.NotifyAll();
    } while (!MustStop());
    // No callback of ours may stay queued after this thread is gone.
    {
      GpWaitScope w("cb_barrier");
      ops->cb_barrier();
    }
    KthreadStopping("rcu_torture_barrier_cbs");
  }

  // rcu_torture_barrier().
  void Main() {
    const TortureOps* ops = run_.ops;
    BarrierState& b = *g_barrier;
    const int n = run_.p.n_barrier_cbs;
    do {
      ApplyShuffle();
      {
        MutexLock l(b.mu);
        b.invoked.store(0, std::memory_order_relaxed);
        b.nphase.fetch_add(1, std::memory_order_relaxed);
        b.count = n;
        b.phase = !b.phase;  // the lock orders the two stores above before it
        b.cv.NotifyAll();
        if (ops->thread_offline != nullptr) ops->thread_offline();
        WaitOrStop(
            b, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return b.count == 0; });
      }
      if (ops->thread_online != nullptr) ops->thread_online();
      if (MustStop()) break;
      n_attempts_.fetch_add(1, std::memory_order_relaxed);
      {
        GpWaitScope w("cb_barrier");
        ops->cb_barrier();
      }
      int got = b.invoked.load(std::memory_order_relaxed);
      if (got != n) {
        run_.n_barrier_error.fetch_add(1, std::memory_order_relaxed);
        TorErr(fmt::format("barrier_cbs_invoked = {}, n_barrier_cbs = {}", got,
                           n));
        TortureWarn("rcu_torture_barrier",
                    "barrier_cbs_invoked != n_barrier_cbs");
        // Wait manually for the remaining callbacks.
        int i = 0;
        do {
          if (i++ == 1000)
            TortureWarn("rcu_torture_barrier", "still waiting for callbacks");
          TortureSleepUs(1000);
          GpWaitScope w("cb_barrier");
          ops->cb_barrier();
        } while (b.invoked.load(std::memory_order_relaxed) != n && !MustStop());
        if (!MustStop()) {
          TorOut(fmt::format("Recovered: barrier_cbs_invoked = {}",
                             b.invoked.load(std::memory_order_relaxed)));
        }
      } else {
        n_successes_.fetch_add(1, std::memory_order_relaxed);
      }
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      SleepUntilOrStop(NowNs() + 100'000'000);  // HZ / 10
    } while (!MustStop());
    KthreadStopping("rcu_torture_barrier");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
  std::vector<ThreadCtx*> cbs_;
  std::atomic<long> n_attempts_{0};
  std::atomic<long> n_successes_{0};
};

}  // namespace

std::unique_ptr<Component> MakeBarrier(Run& run) {
  return std::make_unique<Barrier>(run);
}

}  // namespace torture

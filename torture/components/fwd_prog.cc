// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// fwd_prog.cc: forward-progress testing (rcu_torture_fwd_prog and its
// two tests, rcu_torture_fwd_prog_cr and rcu_torture_fwd_prog_nr).
//
// fwd_progress threads (default 1; <0: one per CPU; at most one per CPU).
// Thread 0 sleeps fwd_progress_holdoff seconds, then starts a round; the
// others follow its round counter. Each round:
//
//   cr (callback flood): for up to 8 s, post callbacks through the
//   flavour's call() as fast as possible. Each invoked callback appends
//   itself to a list and to a histogram (10 buckets per second); the
//   flooding thread "launders" the oldest invoked callback (re-posts it)
//   whenever one is ready, else allocates a new one, until 100 callbacks
//   have each been through 3 grace periods. Then cb_barrier(), free
//   everything, print
//     rcu_torture_fwd_prog_cr Duration <j> barrier: <j> pending <n>
//       n_launders: <n> n_launders_sa: <n> n_max_gps: <n> n_max_cbs: <n>
//       cver <n> gps <n> #online <n>
//     rcu_torture_fwd_cb_hist: Callback-invocation histogram <id>
//       (duration <j> jiffies): 1s/10: <launders>:<gps> 2s/10: ...
//   (one line each; <j> in jiffies of rcutree.hz). Fewer than 100
//   callbacks laundered 3 times in 8 s means grace periods did not advance
//   under the flood: an error here (FAILURE), where the kernel only WARNs.
//
//   nr (tight reader loop, flavours with a stall timeout): start a
//   self-propagating callback (re-posts itself until told to stop), then
//   for a random time in [stall timeout / fwd_progress_div, stall timeout]
//   loop readlock(); udelay(10); readunlock(). Grace periods must still
//   end: neither a writer update nor 2 grace periods in that time is an
//   error (FAILURE; the kernel WARNs), and so is a self-propagating
//   callback that did not stop after sync() + cb_barrier(). Prints
//     rcu_torture_fwd_prog_nr: <id> Duration <j> cver <n> gps <n>
//
// While a test runs (fwd_cb_nodelay), readers skip their 300 ms delays and
// the writer its post-stutter pool check. The kernel stops starting tests
// 30 s before shutdown (shutdown_time_arrived()); here that guard is
// min(30 s, shutdown_secs / 4), so short runs still test. Tests cut short
// by the guard or by the end of the run are not judged.
//
// Memory stays bounded: at most cbflood_max callbacks (the flavour's, else
// kDefaultCbFloodMax, 100000 x 80 bytes) exist at once.
//
// Disabled (the kernel's messages) for busted* flavours, flavours with
// neither sync nor call, flavours with neither a stall timeout nor a
// flood cap, and, with a WARNING, when stall_cpu > 0 (a stall test holds
// grace periods on purpose).
#include <sched.h>

#include <memory>

#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

constexpr int64_t kMaxFwdCbNs = 8'000'000'000;  // MAX_FWD_CB_JIFFIES
constexpr int kMinFwdCbLaunders = 3;            // MIN_FWD_CB_LAUNDERS
constexpr int kMinFwdCbsLaundered = 100;        // MIN_FWD_CBS_LAUNDERED
constexpr int kFwdCbsHistDiv = 10;              // FWD_CBS_HIST_DIV
constexpr int64_t kHistBucketNs = 1'000'000'000 / kFwdCbsHistDiv;
constexpr int kNLaundersHist =
    static_cast<int>(2 * kMaxFwdCbNs / kHistBucketNs);
constexpr long kDefaultCbFloodMax = 100000;

struct RcuFwd;

// One flood callback (struct rcu_fwd_cb).
struct RcuFwdCb {
  TortureHead head;  // first: the flavour's head lives here
  // Next on the invoked list. Release-stored by the callback that appends
  // the next element (or reset by this element's own callback); acquire-
  // loaded by the flooding thread.
  std::atomic<RcuFwdCb*> next{nullptr};
  RcuFwd* rfp = nullptr;
  // Grace periods this callback went through. Written by its callback,
  // read by the flooding thread after the acquire load that found it.
  int gps = 0;
};

struct LaunderHist {
  long n_launders = 0;
  uint64_t launder_gp_seq = 0;
};

// Per-thread forward-progress state (struct rcu_fwd).
struct RcuFwd {
  Mutex lock;  // rcu_fwd_lock
  // Oldest invoked callback. Moved on by the flooding thread while the
  // list has two or more elements; stored by a callback (release) through
  // cb_tail when the list is empty.
  std::atomic<RcuFwdCb*> cb_head{nullptr};
  std::atomic<RcuFwdCb*>* cb_tail ABSL_GUARDED_BY(lock) = &cb_head;
  std::atomic<long> n_launders_cb{0};
  std::atomic<int64_t> startat_ns{0};
  LaunderHist hist[kNLaundersHist] ABSL_GUARDED_BY(lock);
  uint64_t launder_gp_seq_start ABSL_GUARDED_BY(lock) = 0;
  int id = 0;
  Run* run = nullptr;  // the callbacks' way to the run
};

Mutex g_fwd_mutex;                        // serializes histogram prints
std::atomic<unsigned long> g_fwd_seq{0};  // rounds started by thread 0
std::atomic<long> g_fwd_max_cbs{0};

int64_t Jiffies(const Run& run, int64_t ns) {
  return ns * run.p.hz / 1'000'000'000;
}

// shutdown_time_arrived(), with the guard scaled for short runs.
bool ShutdownTimeArrived(const Run& s) {
  const int64_t secs = s.p.shutdown_secs;
  if (secs <= 0) return false;
  const int64_t guard = std::min<int64_t>(30, secs / 4);
  return NowNs() > s.start_ns + (secs - guard) * 1'000'000'000;
}

// cond_resched(): a quiescent state for QSBR flavours; let others run.
void CondResched(const TortureOps* ops, unsigned long iter) {
  if (ops->quiescent_state != nullptr) ops->quiescent_state();
  if ((iter & 0xff) == 0) sched_yield();
}

void Sync(const TortureOps* ops, const char* what) {
  GpWaitScope w(what);
  ops->sync();
}

void CbBarrier(const TortureOps* ops) {
  GpWaitScope w("cb_barrier");
  ops->cb_barrier();
}

// The self-propagating callback of the nr test (struct fwd_cb_state).
struct FwdCbState {
  TortureHead head;
  std::atomic<int> stop{0};  // 1: stop re-posting; 2: stopped
  const TortureOps* ops = nullptr;
};

// rcu_torture_fwd_prog_cb().
void FwdProgCb(TortureHead* h) {
  FwdCbState* fcsp = reinterpret_cast<FwdCbState*>(h);
  if (fcsp->stop.load(std::memory_order_relaxed)) {
    fcsp->stop.store(2, std::memory_order_relaxed);
    return;
  }
  fcsp->ops->call(&fcsp->head, FwdProgCb);
}

// rcu_torture_fwd_cb_cr(): an invoked flood callback joins the list.
void FwdCbCr(TortureHead* h) {
  RcuFwdCb* rfcp = reinterpret_cast<RcuFwdCb*>(h);
  RcuFwd* rfp = rfcp->rfp;
  rfcp->next.store(nullptr, std::memory_order_relaxed);
  rfcp->gps++;
  MutexLock l(rfp->lock);
  std::atomic<RcuFwdCb*>* rfcpp = rfp->cb_tail;
  rfp->cb_tail = &rfcp->next;
  // Release: the flooding thread that finds rfcp through this link (its
  // acquire loads) sees the stores to rfcp->next and rfcp->gps above.
  rfcpp->store(rfcp, std::memory_order_release);
  rfp->n_launders_cb.fetch_add(1, std::memory_order_relaxed);
  int64_t i = (NowNs() - rfp->startat_ns.load(std::memory_order_relaxed)) /
              kHistBucketNs;
  if (i >= kNLaundersHist) i = kNLaundersHist - 1;
  if (i < 0) i = 0;
  rfp->hist[i].n_launders++;
  rfp->hist[i].launder_gp_seq = rfp->run->ops->get_gp_seq();
}

// rcu_torture_fwd_cb_hist().
void FwdCbHist(RcuFwd* rfp) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_fwd_mutex) {
  MutexLock l(rfp->lock);
  int i;
  for (i = kNLaundersHist - 1; i > 0; --i) {
    if (rfp->hist[i].n_launders > 0) break;
  }
  std::string line = fmt::format(
      "rcu_torture_fwd_cb_hist: Callback-invocation histogram {} (duration {} "
      "jiffies):",
      rfp->id,
      Jiffies(*rfp->run,
              NowNs() - rfp->startat_ns.load(std::memory_order_relaxed)));
  uint64_t gps_old = rfp->launder_gp_seq_start;
  for (int j = 0; j <= i; ++j) {
    // An empty bucket has no sample of its own: no grace periods in it.
    uint64_t gps =
        rfp->hist[j].n_launders > 0 ? rfp->hist[j].launder_gp_seq : gps_old;
    line += fmt::format(" {}s/{}: {}:{}", j + 1, kFwdCbsHistDiv,
                        rfp->hist[j].n_launders,
                        rfp->run->ops->gp_diff(gps, gps_old));
    gps_old = gps;
  }
  PrintLine(line);
}

// rcu_torture_fwd_prog_cbfree(): frees the invoked list.
unsigned long FwdProgCbFree(RcuFwd* rfp) {
  unsigned long freed = 0;
  for (;;) {
    RcuFwdCb* rfcp;
    {
      MutexLock l(rfp->lock);
      rfcp = rfp->cb_head.load(std::memory_order_relaxed);
      if (rfcp == nullptr) break;
      RcuFwdCb* next = rfcp->next.load(std::memory_order_relaxed);
      rfp->cb_head.store(next, std::memory_order_relaxed);
      if (next == nullptr) rfp->cb_tail = &rfp->cb_head;
    }
    delete rfcp;
    ++freed;
  }
  return freed;
}

// rcu_torture_fwd_prog_nr(): the tight reader loop.
void FwdProgNr(RcuFwd* rfp, TortureRandom& r, int* tested, int* tested_tries) {
  Run& s = *rfp->run;
  const TortureOps* ops = s.ops;
  const Params& p = s.p;
  PrintLine(fmt::format(
      "rcu_torture_fwd_prog_nr: Starting forward-progress test {}", rfp->id));
  if (ops->sync == nullptr) return;
  const bool selfpropcb = ops->call != nullptr && ops->cb_barrier != nullptr;
  FwdCbState fcs;
  fcs.ops = ops;

  // Tight loop containing cond_resched().
  s.fwd_cb_nodelay.fetch_add(1, std::memory_order_relaxed);
  Sync(ops, "sync");  // Later readers see above write.
  if (selfpropcb) {
    fcs.stop.store(0, std::memory_order_relaxed);
    ops->call(&fcs.head, FwdProgCb);
  }
  unsigned long cver = s.current_version.load(std::memory_order_relaxed);
  uint64_t gps = ops->get_gp_seq();
  const int64_t sd = int64_t{ops->stall_dur_ms()} + 1;  // ms
  const int64_t sd4 = (sd + p.fwd_progress_div - 1) / p.fwd_progress_div;
  const int64_t dur_ms = sd4 + (sd > sd4 ? r() % (sd - sd4) : 0);
  const int64_t startat = NowNs();
  rfp->startat_ns.store(startat, std::memory_order_relaxed);
  const int64_t stopat = startat + dur_ms * 1'000'000;
  // need_resched() for a QSBR flavour: the kernel's tick asks a CPU that
  // holds up a grace period to reschedule (rcu_sched_clock_irq() ->
  // resched_cpu()), and a non-preemptible reader's cond_resched() is then
  // its quiescent state. Without it such a flavour could never end a grace
  // period in this loop, and every round that ran to its end failed.
  const int64_t tick_ns = 1'000'000'000 / p.hz;
  int64_t next_tick = startat + tick_ns;
  while (NowNs() < stopat && !ShutdownTimeArrived(s) && !MustStop()) {
    ops->readlock();
    UDelay(10);
    ops->readunlock();
    // need_resched() is otherwise never known here: with
    // fwd_progress_need_resched the loop never yields on its own
    // (CONFIG_PREEMPT-like).
    if (!p.fwd_progress_need_resched) {
      CondResched(ops, 0);
    } else if (ops->quiescent_state != nullptr && NowNs() >= next_tick) {
      ops->quiescent_state();  // once a tick, without yielding
      next_tick = NowNs() + tick_ns;
    }
  }
  ++*tested_tries;
  if (NowNs() >= stopat && !ShutdownTimeArrived(s) && !MustStop()) {
    ++*tested;
    cver = s.current_version.load(std::memory_order_relaxed) - cver;
    gps = ops->gp_diff(ops->get_gp_seq(), gps);
    if (cver == 0 && gps < 2) {
      TortureError(
          fmt::format("rcu_torture_fwd_prog_nr: no progress under a tight "
                      "reader loop: cver {} gps {} in {} "
                      "ms",
                      cver, gps, dur_ms));
      if (ops->gp_kthread_dbg != nullptr) PrintLine(ops->gp_kthread_dbg());
    }
    PrintLine(
        fmt::format("rcu_torture_fwd_prog_nr: {} Duration {} cver {} gps {}",
                    rfp->id, Jiffies(s, dur_ms * 1'000'000), cver, gps));
  }
  if (selfpropcb) {
    fcs.stop.store(1, std::memory_order_relaxed);
    Sync(ops, "sync");  // Wait for running CB to complete.
    PrintLine(fmt::format("rcu_torture_fwd_prog_nr: Waiting for CBs: {}() {}",
                          ops->cb_barrier_name, rfp->id));
    CbBarrier(ops);  // Wait for queued callbacks.
    if (fcs.stop.load(std::memory_order_relaxed) != 2) {
      TortureError(
          fmt::format("rcu_torture_fwd_prog_nr: self-propagating callback did "
                      "not stop (stop {})",
                      fcs.stop.load(std::memory_order_relaxed)));
    }
  }
  TortureSleepUs(100'000);  // Let kthreads recover.
  s.fwd_cb_nodelay.fetch_sub(1, std::memory_order_relaxed);
}

// rcu_torture_fwd_prog_cr(): the callback flood.
void FwdProgCr(RcuFwd* rfp) {
  Run& s = *rfp->run;
  const TortureOps* ops = s.ops;
  PrintLine(fmt::format(
      "rcu_torture_fwd_prog_cr: Starting forward-progress test {}", rfp->id));
  if (ops->call == nullptr)
    return;  // Can't do call_rcu() fwd prog without ->call.
  const long cbflood_max =
      ops->cbflood_max > 0 ? ops->cbflood_max : kDefaultCbFloodMax;

  // Loop continuously posting RCU callbacks.
  s.fwd_cb_nodelay.fetch_add(1, std::memory_order_relaxed);
  if (ops->sync != nullptr)
    Sync(ops, "sync");  // Later readers see above write.
  const int64_t startat = NowNs();
  rfp->startat_ns.store(startat, std::memory_order_relaxed);
  const int64_t stopat = startat + kMaxFwdCbNs;
  long n_launders = 0;
  rfp->n_launders_cb.store(0, std::memory_order_relaxed);
  long n_launders_sa = 0;
  long n_max_cbs = 0;
  long n_max_gps = 0;
  unsigned long cver = s.current_version.load(std::memory_order_relaxed);
  uint64_t gps = ops->get_gp_seq();
  {
    MutexLock l(rfp->lock);
    for (LaunderHist& h : rfp->hist) h.n_launders = 0;
    rfp->launder_gp_seq_start = gps;
  }
  while (NowNs() < stopat && !ShutdownTimeArrived(s) && !MustStop()) {
    // Acquire (both): pair with the invoking callback's release store that
    // linked the element in, so its gps and next are seen as it left them.
    RcuFwdCb* rfcp = rfp->cb_head.load(std::memory_order_acquire);
    RcuFwdCb* rfcpn =
        rfcp != nullptr ? rfcp->next.load(std::memory_order_acquire) : nullptr;
    if (rfcpn != nullptr) {
      if (rfcp->gps >= kMinFwdCbLaunders && ++n_max_gps >= kMinFwdCbsLaundered)
        break;
      // Two or more on the list: callbacks only append, so the head is ours.
      rfp->cb_head.store(rfcpn, std::memory_order_relaxed);
      ++n_launders;
      ++n_launders_sa;
    } else if (n_max_cbs < cbflood_max) {
      rfcp = new RcuFwdCb;
      ++n_max_cbs;
      n_launders_sa = 0;
      rfcp->gps = 0;
      rfcp->rfp = rfp;
    } else {
      rfcp = nullptr;  // at the cap: wait for an invocation
    }
    if (rfcp != nullptr) {
      ops->call(&rfcp->head, FwdCbCr);
      CondResched(ops, static_cast<unsigned long>(n_launders + n_max_cbs));
    } else {
      CondResched(ops, 0);  // at the cap: yield every time, do not spin
    }
  }
  const int64_t stoppedat = NowNs();
  const long n_launders_cb_snap =
      rfp->n_launders_cb.load(std::memory_order_relaxed);
  cver = s.current_version.load(std::memory_order_relaxed) - cver;
  gps = ops->gp_diff(ops->get_gp_seq(), gps);
  PrintLine(fmt::format("rcu_torture_fwd_prog_cr: Waiting for CBs: {}() {}",
                        ops->cb_barrier_name, rfp->id));
  if (ops->cb_barrier != nullptr)
    CbBarrier(ops);  // Wait for callbacks to be invoked.
  (void)FwdProgCbFree(rfp);

  if (!MustStop() && !ShutdownTimeArrived(s)) {
    if (n_max_gps < kMinFwdCbsLaundered) {
      TortureError(
          fmt::format("rcu_torture_fwd_prog_cr: grace periods did not advance "
                      "under the callback flood: "
                      "n_max_gps {} < {} in {} ms (gps {})",
                      n_max_gps, kMinFwdCbsLaundered,
                      (stoppedat - startat) / 1'000'000, gps));
      if (ops->gp_kthread_dbg != nullptr) PrintLine(ops->gp_kthread_dbg());
    }
    PrintLine(fmt::format(
        "rcu_torture_fwd_prog_cr Duration {} barrier: {} pending {} "
        "n_launders: {} "
        "n_launders_sa: {} n_max_gps: {} n_max_cbs: {} cver {} gps {} #online "
        "{}",
        Jiffies(s, stoppedat - startat), Jiffies(s, NowNs() - stoppedat),
        n_launders + n_max_cbs - n_launders_cb_snap, n_launders, n_launders_sa,
        n_max_gps, n_max_cbs, cver, gps, ops->num_online_cpus()));
    g_fwd_max_cbs.fetch_add(n_max_cbs, std::memory_order_relaxed);
    MutexLock l(g_fwd_mutex);  // Serialize histograms.
    FwdCbHist(rfp);
  }
  SleepUntilOrStop(NowNs() + 1'000'000'000);  // Let CBs drain.
  s.fwd_cb_nodelay.fetch_sub(1, std::memory_order_relaxed);
}

class FwdProg : public Component {
 public:
  explicit FwdProg(Run& run) : run_(run) {}

  // rcu_torture_fwd_prog_init().
  void Start() override {
    const Run& s = run_;
    const TortureOps* ops = s.ops;
    int n = s.p.fwd_progress;
    if (n == 0) return;  // Not requested, so don't do it.
    const int ncpus = std::max(1, s.online_cpus);
    if (n >= ncpus) {
      VerboseTorOut(
          "rcu_torture_fwd_prog_init: Limiting fwd_progress to # CPUs.");
      n = ncpus;
    } else if (n < 0) {
      n = ncpus;
    }
    const bool has_stall_dur =
        ops->stall_dur_ms != nullptr && ops->stall_dur_ms() > 0;
    if ((ops->sync == nullptr && ops->call == nullptr) ||
        (ops->cbflood_max == 0 && !has_stall_dur) ||
        !ops->fwd_progress_capable) {
      VerboseTorOut(
          "rcu_torture_fwd_prog_init: Disabled, unsupported by RCU flavor "
          "under test");
      return;
    }
    if (s.p.stall_cpu > 0) {
      VerboseTorOut(
          "rcu_torture_fwd_prog_init: Disabled, conflicts with CPU-stall "
          "and/or preemption "
          "testing");
      // Make sure scripting notices the conflict (the kernel's WARN_ON(1)).
      TortureWarn("rcu_torture_fwd_prog_init",
                  "fwd_progress conflicts with stall_cpu");
      return;
    }
    fwds_ = std::make_unique<RcuFwd[]>(n);
    for (int i = 0; i < n; ++i) {
      fwds_[i].id = i;
      fwds_[i].run = &run_;
    }
    for (int i = 0; i < n; ++i) {
      threads_.push_back(run_.threads.Create("rcu_torture_fwd_prog", i, -1,
                                             [this, i] { Main(i); }));
    }
  }

  void Stop() override {
    run_.threads.StopAll(threads_);
    // Every thread drained its callbacks (cb_barrier) before it stopped.
    fwds_.reset();
  }

 private:
  // rcu_torture_fwd_prog().
  void Main(int id) {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    RcuFwd* rfp = &fwds_[id];
    TortureRandom r(p.seed, Stream::kFwdProg, static_cast<uint64_t>(id));
    bool firsttime = true;
    // g_fwd_seq is relaxed throughout: a round counter only; no data is
    // handed from thread 0 to the others through it.
    unsigned long oldseq = g_fwd_seq.load(std::memory_order_relaxed);
    int tested = 0;
    int tested_tries = 0;
    do {
      if (id == 0) {
        if (SleepUntilOrStop(NowNs() +
                             int64_t{p.fwd_progress_holdoff} * 1'000'000'000))
          break;
        if (!firsttime) {
          long max_cbs = g_fwd_max_cbs.exchange(0, std::memory_order_relaxed);
          PrintLine(fmt::format("rcu_torture_fwd_prog n_max_cbs: {}", max_cbs));
        }
        firsttime = false;
        g_fwd_seq.fetch_add(1, std::memory_order_relaxed);
      } else {
        while (g_fwd_seq.load(std::memory_order_relaxed) == oldseq &&
               !MustStop()) {
          SleepUntilOrStop(NowNs() + 50'000'000);  // HZ / 20
        }
        oldseq = g_fwd_seq.load(std::memory_order_relaxed);
      }
      if (MustStop()) break;
      ApplyShuffle();
      PrintLine(fmt::format(
          "rcu_torture_fwd_prog: Starting forward-progress test {}", id));
      if (ops->num_online_cpus() > id) FwdProgCr(rfp);
      if (ops->stall_dur_ms != nullptr && ops->stall_dur_ms() > 0 &&
          !MustStop()) {
        FwdProgNr(rfp, r, &tested, &tested_tries);
      }
      // Avoid slow periods, better to test when busy.
      StutterWait();
    } while (!MustStop());
    // Short runs might not contain a valid forward-progress attempt.
    if (id == 0) {
      if (!tested && tested_tries >= 5) {
        TortureWarn("rcu_torture_fwd_prog",
                    "no need_resched test ran to its end in 5 tries");
      }
      PrintLine(fmt::format("rcu_torture_fwd_prog: tested {} tested_tries {}",
                            tested, tested_tries));
    }
    KthreadStopping("rcu_torture_fwd_prog");
  }

  Run& run_;
  std::vector<ThreadCtx*> threads_;
  std::unique_ptr<RcuFwd[]> fwds_;
};

}  // namespace

std::unique_ptr<Component> MakeFwdProg(Run& run) {
  return std::make_unique<FwdProg>(run);
}

}  // namespace torture

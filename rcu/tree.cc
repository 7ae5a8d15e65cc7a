// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// tree.cc: instance lifecycle, the grace-period thread, quiescent-state
// reporting up the rcu_node tree, and callback processing (rcuc threads).
#include "rcu/tree.h"

#include <pthread.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <iterator>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "rcu/check.h"
#include "rcu/internal/fork.h"
#include "rcu/internal/membarrier.h"
#include "rcu/lockdep.h"
#include "rcu/rcu.h"

namespace rcu {

namespace internal {
ReaderWord* const kNoWords[kMaxInstances] = {};
thread_local constinit TlsReaders tls_readers;

void UnregisteredReader(int slot) {
  std::fprintf(stderr,
               "rcu: ReadUnlock() on a thread that holds no read-side critical "
               "section of instance slot %d (unlock without lock)\n",
               slot);
  std::abort();
}

// tls_readers.in_callback is set while an rcuc thread invokes callbacks: a
// callback may read, but must not wait for a grace period or a barrier.
void FatalWaitInCallback(const char* what) {
  std::fprintf(stderr,
               "rcu: %s called from an RCU callback: a callback must not wait "
               "for a grace period or a barrier (it would wait for itself); "
               "queue another callback with Call() instead\n",
               what);
  std::abort();
}
}  // namespace internal

using internal::ThreadRec;

namespace {

constexpr uint32_t kGpFlagInit = 0x1;  // a grace period is needed
constexpr uint32_t kGpFlagFqs = 0x2;   // scan (or re-check) now
// A grace period a Synchronize() caller started and handed over: the GP
// thread goes on with its FQS loop (DriveGpFromCaller()).
constexpr uint32_t kGpFlagAdopt = 0x4;

// Instance slots; slot 0 belongs to the default instance.
std::mutex g_slots_mu;
Rcu* g_instances[internal::kMaxInstances] = {};
bool g_slot_used[internal::kMaxInstances] = {};

// Unregisters the exiting thread from every instance it is still
// registered with (a thread that forgot UnregisterThread()), then frees its
// table of words: the destructor of g_exit_key, which RegisterThread()
// arms. A pthread key rather than a thread_local object with a destructor:
// it costs no TLS (librcu's TLS is one line, reader.h), and it runs after
// the thread's C++ thread_local destructors, which may still read.
void ThreadExit(void*) {
  for (int s = 0; s < internal::kMaxInstances; ++s) {
    if (internal::tls_readers.words[s] == nullptr) continue;
    Rcu* r;
    {
      std::lock_guard<std::mutex> l(g_slots_mu);
      r = g_instances[s];
    }
    if (r != nullptr) r->UnregisterThread();
  }
  internal::FreeWordTable();
}

pthread_key_t ExitKey() {
  static const pthread_key_t key = [] {
    pthread_key_t k;
    RCU_CHECK(pthread_key_create(&k, ThreadExit) == 0,
              "rcu: pthread_key_create failed");
    return k;
  }();
  return key;
}

void SetThreadName(const std::string& name) {
  std::string n = name.substr(0, 15);
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace

void ArmThreadExitHook() {
  if (pthread_getspecific(ExitKey()) == nullptr)
    pthread_setspecific(ExitKey(), reinterpret_cast<void*>(1));
}

namespace internal {
std::mutex& InstancesMutex() { return g_slots_mu; }
Rcu* InstanceInSlot(int slot) { return g_instances[slot]; }
}  // namespace internal

namespace internal {
ReaderWord* const* EnsureWordTable() {
  if (tls_readers.words == kNoWords) {
    // Freed by FreeWordTable() when the thread exits (ThreadExitHook).
    tls_readers.words = new ReaderWord* [kMaxInstances] {};
  }
  return tls_readers.words;
}

void FreeWordTable() {
  if (tls_readers.words == kNoWords) return;
  ReaderWord* const* table = tls_readers.words;
  tls_readers.words = kNoWords;
  delete[] table;
}

ReaderWord* RegisterSelf(int slot) {
  Rcu* r;
  if (slot == 0) {
    r = &Default();
  } else {
    std::lock_guard<std::mutex> l(g_slots_mu);
    r = g_instances[slot];
  }
  if (r == nullptr) {
    std::fprintf(stderr,
                 "rcu: read-side critical section of instance slot %d, which "
                 "does not exist (destroyed, or never created)\n",
                 slot);
    std::abort();
  }
  // An rcuc thread reading its own instance from a callback registers as
  // one of the instance's own threads: it does not count as a user thread
  // (~Rcu() and the statistics) and unregisters when it stops.
  r->RegisterThreadImpl(-1, /*internal_thread=*/tls_readers.in_callback == r,
                        /*on_the_fly=*/true);
  return tls_readers.words[slot];
}

}  // namespace internal

const char* GpStateName(GpState s) {
  switch (s) {
    case GpState::kIdle:
      return "RCU_GP_IDLE";
    case GpState::kWaitGps:
      return "RCU_GP_WAIT_GPS";
    case GpState::kDoneGps:
      return "RCU_GP_DONE_GPS";
    case GpState::kOnOff:
      return "RCU_GP_ONOFF";
    case GpState::kInit:
      return "RCU_GP_INIT";
    case GpState::kWaitFqs:
      return "RCU_GP_WAIT_FQS";
    case GpState::kDoingFqs:
      return "RCU_GP_DOING_FQS";
    case GpState::kCleanup:
      return "RCU_GP_CLEANUP";
    case GpState::kCleaned:
      return "RCU_GP_CLEANED";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Construction and destruction.

absl::StatusOr<std::unique_ptr<Rcu>> Rcu::CreateInSlot(const Config& config,
                                                       bool default_slot) {
  if (absl::Status s = config.Validate(); !s.ok()) return s;
  Config c = config.Resolved();
  absl::StatusOr<Geometry> g =
      Geometry::Build(c.nr_cpu_ids, c.fanout, c.fanout_leaf, c.fanout_exact);
  if (!g.ok()) return g.status();
  ReaderMode mode = c.reader_mode;
  if (mode == ReaderMode::kAuto && c.qsbr) {
    // QSBR: the read side has no stores to order, only the online/offline
    // transitions and the quiescent states a grace period asks for do
    // (rare, and slow paths already), so their full fences cost readers
    // nothing while every grace period saves two membarrier() IPIs, as
    // liburcu-qsbr's fences in rcu_thread_online()/offline() and
    // rcu_quiescent_state() spare its synchronize_rcu() any.
    mode = ReaderMode::kFences;
  } else if (mode == ReaderMode::kAuto) {
    mode = internal::MembarrierAvailable() ? ReaderMode::kMembarrier
                                           : ReaderMode::kFences;
  } else if (mode == ReaderMode::kMembarrier &&
             !internal::MembarrierAvailable()) {
    return absl::FailedPreconditionError(
        "Config.reader_mode = membarrier: membarrier(PRIVATE_EXPEDITED) "
        "cannot register here (old kernel, seccomp or TSan build)");
  }
  int slot = -1;
  {
    std::lock_guard<std::mutex> l(g_slots_mu);
    if (default_slot) {
      if (!g_slot_used[0]) slot = 0;
    } else {
      for (int s = 1; s < internal::kMaxInstances; ++s) {
        if (!g_slot_used[s]) {
          slot = s;
          break;
        }
      }
    }
    if (slot < 0) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "rcu: at most ", internal::kMaxInstances - 1,
          " Rcu instances (besides the default one) may exist at once"));
    }
    g_slot_used[slot] = true;
  }
  internal::InstallForkHandlers();
  std::unique_ptr<Rcu> r(new Rcu(c, *std::move(g), slot, mode));
  {
    std::lock_guard<std::mutex> l(g_slots_mu);
    g_instances[slot] = r.get();
  }
  r->Start();
  return r;
}

absl::StatusOr<std::unique_ptr<Rcu>> Rcu::Create(const Config& config) {
  return CreateInSlot(config, /*default_slot=*/false);
}

Rcu::Rcu(const Config& config, Geometry geometry, int slot, ReaderMode mode)
    : config_(config),
      geometry_(std::move(geometry)),
      slot_(slot),
      reader_mode_(mode),
      qsbr_(config.qsbr),
      jiffy_(std::chrono::nanoseconds(1'000'000'000 / config.hz)),
      nodes_(new RcuNode[geometry_.num_nodes()]),
      rdps_(new RcuData[config.nr_cpu_ids]),
      gp_seq_(config.initial_gp_seq),
      exp_seq_(config.initial_gp_seq),
      polled_ticket_(config.initial_gp_seq & ~uint64_t{3}),
      polled_done_(config.initial_gp_seq & ~uint64_t{3}) {
  const int n = geometry_.num_nodes();
  for (int i = 0; i < n; ++i) {
    const GeometryNode& gn = geometry_.nodes[i];
    RcuNode& rnp = nodes_[i];
    rnp.index = i;
    rnp.level = gn.level;
    rnp.grplo = gn.grplo;
    rnp.grphi = gn.grphi;
    rnp.grpnum = gn.grpnum;
    rnp.grpmask = gn.grpmask;
    rnp.parent = gn.parent >= 0 ? &nodes_[gn.parent] : nullptr;
    rnp.is_leaf = i >= geometry_.first_leaf();
    PlainMutexLock l(rnp.lock);
    rnp.gp_seq.store(config.initial_gp_seq, std::memory_order_relaxed);
    rnp.gp_seq_needed = config.initial_gp_seq;
    rnp.completedqs = config.initial_gp_seq;
  }
  for (int cpu = 0; cpu < config.nr_cpu_ids; ++cpu) {
    RcuData& rdp = rdps_[cpu];
    rdp.cpu = cpu;
    rdp.owner = this;
    rdp.mynode = &nodes_[geometry_.cpu_leaf[cpu]];
    rdp.grpmask = geometry_.cpu_mask(cpu);
    PlainMutexLock l(rdp.local);
    rdp.gp_seq = config.initial_gp_seq;
    rdp.gp_seq_needed = config.initial_gp_seq;
  }
  // vCPUs 0..online_at_start-1 come online: their leaf bits, and each
  // non-empty node's bit in its ancestors (the first GP applies them).
  const std::vector<bool> nocb =
      *ParseCpuList(config.rcu_nocbs, config.nr_cpu_ids);
  for (int cpu = 0; cpu < config.nr_cpu_ids; ++cpu)
    rdps_[cpu].offloaded.store(nocb[cpu], std::memory_order_relaxed);
  for (int cpu = 0; cpu < config.online_at_start; ++cpu) {
    RcuData& rdp = rdps_[cpu];
    rdp.online.store(true, std::memory_order_relaxed);
    RcuNode* rnp = rdp.mynode;
    PlainMutexLock l(rnp->lock);
    rnp->qsmaskinitnext |= rdp.grpmask;
    rnp->qsmaskinit |= rdp.grpmask;
  }
  for (int i = n - 1; i > 0; --i) {
    RcuNode* rnp = &nodes_[i];
    bool nonempty;
    {
      PlainMutexLock l(rnp->lock);
      nonempty = rnp->qsmaskinit != 0;
    }
    if (nonempty) {
      PlainMutexLock l(rnp->parent->lock);
      rnp->parent->qsmaskinit |= rnp->grpmask;
      rnp->parent->qsmaskinitnext |= rnp->grpmask;
    }
  }
}

void Rcu::Start() {
  n_threads_.fetch_add(1, std::memory_order_relaxed);
  gp_thread_ = std::thread([this] { GpThreadMain(); });
  // Offloaded vCPUs online at start get their callback threads now.
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) {
    RcuData& rdp = rdps_[cpu];
    PlainMutexLock l(rdp.local);
    if (rdp.offloaded.load(std::memory_order_relaxed) &&
        rdp.online.load(std::memory_order_relaxed))
      EnsureRcucLocked(&rdp);
  }
}

Rcu::~Rcu() {
  {
    std::lock_guard<std::mutex> l(g_slots_mu);
    dying_.store(true, std::memory_order_relaxed);
  }
  MaybeRestartAfterFork();
  if (IsRegistered()) UnregisterThread();
  {
    PlainMutexLock l(reg_mu_);
    RCU_CHECK(n_registered_ == 0,
              "~Rcu: other threads are still registered with this instance");
  }
  WaitForCallbacks();
  // Release: the threads that see stop_ also see every callback done.
  stop_.store(true, std::memory_order_release);
  WakeGpThread();
  gp_thread_.join();
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) {
    RcuData& rdp = rdps_[cpu];
    WakeRcuc(&rdp);
    if (rdp.rcuc.joinable()) rdp.rcuc.join();
  }
  // Proxies of readers that ended after the last FQS scan.
  for (int i = geometry_.first_leaf(); i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    PlainMutexLock nl(rnp->lock);
    while (rnp->blkd_head != nullptr) {
      internal::BlkdEntry* e = rnp->blkd_head;
      RCU_CHECK(e->proxy, "~Rcu: a thread is still queued as a blocked reader");
      DequeueBlkdLocked(rnp, e);
      delete e;
    }
  }
  std::lock_guard<std::mutex> l(g_slots_mu);
  g_instances[slot_] = nullptr;
  g_slot_used[slot_] = false;
}

// Runs barriers until no vCPU holds a callback (callbacks may queue more).
void Rcu::WaitForCallbacks() {
  for (int round = 0;; ++round) {
    Barrier();
    long left = 0;
    for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu)
      left += CbLen(&rdps_[cpu]);
    if (left == 0) return;
    RCU_CHECK(round < 100000, "~Rcu: callbacks keep queueing callbacks");
  }
}

long Rcu::CbLen(RcuData* rdp) const ABSL_NO_THREAD_SAFETY_ANALYSIS {
  return rdp->cblist.len();  // atomic; lockless by design (see len())
}

int Rcu::num_online_cpus() const {
  int n = 0;
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) n += CpuOnline(cpu);
  return n;
}

bool Rcu::CpuOnline(int cpu) const {
  // Acquire: pairs with the release that brings a vCPU online, so its
  // RcuData is initialized for whoever sees it online.
  return cpu >= 0 && cpu < config_.nr_cpu_ids &&
         rdps_[cpu].online.load(std::memory_order_acquire);
}

// ---------------------------------------------------------------------------
// Grace-period thread.

void Rcu::HeavyFence() {
  if (reader_mode_ == ReaderMode::kMembarrier) {
    // Every thread running now executes a full barrier: pairs with the
    // readers' compiler fences around their `watch` stores.
    internal::MembarrierPrivateExpedited();
  } else {
    // Pairs with the readers' full fences around their `watch` stores.
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

uint64_t Rcu::SnapGpSeq() const {
  // Orders the caller's earlier updates (the removal a callback or cookie
  // protects) before the gp_seq load; pairs with HeavyFence() after the
  // gp_seq start in GpInit(). If the load misses a GP start, that GP's
  // heavy fence makes the removal visible to every later reader. With
  // membarrier, HeavyFence() runs a full barrier on this thread too (if
  // it is running; a thread that is not has passed a context switch), so
  // either the barrier falls after the removal, or before this load, and
  // then the load sees the start: a compiler fence suffices here, as on
  // the read side. In fence mode the heavy fence is local to the GP
  // thread, so this side needs its own full fence.
  if (reader_mode_ == ReaderMode::kMembarrier) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  return SeqSnap(gp_seq_.load(std::memory_order_relaxed));
}

void Rcu::WakeGpThread() {
  if (drop_gp_wakeups_.load(std::memory_order_relaxed) > 0 &&
      drop_gp_wakeups_.fetch_sub(1, std::memory_order_relaxed) > 0) {
    return;  // DropGpWakeupsForTesting()
  }
  // The flag was set before this lock; the GP thread checks it under the
  // lock, so the notification cannot fall between its check and its wait.
  { PlainMutexLock l(gp_wq_mu_); }
  gp_wq_cv_.NotifyAll();
}

bool Rcu::StartThisGp(uint64_t req, bool urgent) {
  RcuNode* root = &nodes_[0];
  PlainMutexLock l(root->lock);
  if (urgent && SeqLt(urgent_gp_seq_.load(std::memory_order_relaxed), req))
    urgent_gp_seq_.store(req, std::memory_order_relaxed);  // under root lock
  if (SeqGe(root->gp_seq_needed, req)) return false;       // already requested
  root->gp_seq_needed = req;
  gp_req_activity_ns_.store(MonoNs(), std::memory_order_relaxed);
  // A GP in progress: its cleanup sees gp_seq_needed and starts the next.
  if (SeqState(gp_seq_.load(std::memory_order_relaxed)) != 0) return false;
  gp_flags_.fetch_or(kGpFlagInit,
                     std::memory_order_relaxed);  // under root lock
  return true;
}

void Rcu::HurryGp() {
  // The urgent request was recorded (under the root lock) before this lock;
  // PaceGp() tests it under the same lock, so the wake-up cannot fall
  // between its test and its wait.
  bool pacing;
  {
    PlainMutexLock l(gp_wq_mu_);
    pacing = gp_pacing_;
  }
  if (pacing) gp_wq_cv_.NotifyAll();
}

void Rcu::PaceGp() {
  if (config_.cb_gp_interval_us <= 0) return;
  const std::chrono::steady_clock::time_point not_before =
      last_gp_init_ + std::chrono::microseconds(config_.cb_gp_interval_us);
  // The grace period about to start ends at SeqSnap(gp_seq_); a waiter
  // that asked for it (or a later one) does not wait for the pacing.
  auto urgent = [this] {
    return SeqGe(urgent_gp_seq_.load(std::memory_order_relaxed),
                 SeqSnap(gp_seq_.load(std::memory_order_relaxed)));
  };
  if (urgent() || std::chrono::steady_clock::now() >= not_before) return;
  PlainMutexLock l(gp_wq_mu_);
  gp_pacing_ = true;
  gp_wq_cv_.WaitFor(gp_wq_mu_, not_before - std::chrono::steady_clock::now(),
                    [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
                      return urgent() ||
                             stop_.load(std::memory_order_relaxed) ||
                             fork_park_.load(std::memory_order_relaxed);
                    });
  gp_pacing_ = false;
}

// The kernel's rcu_gp_kthread() runs every grace period; a Synchronize()
// caller then sleeps through three thread wake-ups (the GP thread's, the
// GP thread's again at the last quiescent state, its own at the end).
// liburcu's synchronize_rcu() runs its grace period in the caller, woken
// once by the last reader. Here the caller that asked for a grace period
// when none was in progress runs its start itself: GpInit(), the first
// scan (vCPUs with no reader inside report at once), then a wait of at
// most the first FQS interval for the readers it found to report (the
// last one's report wakes it), and GpCleanup() if they did. Otherwise
// it hands the grace period to the GP thread (kGpFlagAdopt), whose FQS
// loop goes on with it: stall warnings, boosting and FQS rescans stay the
// GP thread's. GpInit() clears kGpFlagInit under the root lock, so the GP
// thread, woken for another reason, cannot start the same grace period
// twice; whoever runs GpInit() first owns the grace period.
namespace {
// DriveGpFromCaller()'s spin for the last report before it sleeps.
constexpr int kCallerGpSpins = 2000;
}  // namespace

bool Rcu::DriveGpFromCaller() {
  // Config::caller_gps off; a GP-thread stall a torture test asked for
  // (it wants the next grace period to go through the GP thread).
  if (!config_.caller_gps ||
      gp_torture_wait_ms_.load(std::memory_order_relaxed) > 0)
    return false;
  // Held by fork()'s prepare handler (or another caller, which has just
  // started a grace period: that one is not ours, and the GP thread is
  // woken for ours as before).
  if (!gp_driver_mu_.TryLock()) return false;
  if (fork_park_.load(std::memory_order_relaxed) ||
      stop_.load(std::memory_order_relaxed)) {
    gp_driver_mu_.Unlock();
    return false;
  }
  gp_activity_ns_.store(MonoNs(), std::memory_order_relaxed);
  if (!GpInit()) {
    // The GP thread's GpInit() came first: it runs this grace period.
    gp_driver_mu_.Unlock();
    return true;
  }
  caller_gps_.fetch_add(1, std::memory_order_relaxed);
  {
    PlainMutexLock l(nodes_[0].lock);
    caller_driving_.store(true, std::memory_order_relaxed);
  }
  ForceQuiescentStates(/*kick_rcuc=*/false);
  const std::chrono::nanoseconds first_fqs =
      jiffy_ * std::max(1, config_.jiffies_till_first_fqs);
  const auto deadline = std::chrono::steady_clock::now() + first_fqs;
  // Readers are short, usually: spin a little for the last report (as
  // liburcu's synchronize_rcu() does before it sleeps) rather than pay a
  // futex sleep and wake-up for a reader that ends a microsecond later.
  for (int i = 0; i < kCallerGpSpins &&
                  !(gp_flags_.load(std::memory_order_relaxed) & kGpFlagFqs);
       ++i)
    internal::CpuRelax();
  while (!RootGpDone()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    bool flagged;
    {
      PlainMutexLock l(caller_wq_mu_);
      // ReportQsRsp() (the root's last report) and ForceQs() set
      // kGpFlagFqs, then wake this queue if caller_waiting_ (tested under
      // its lock after the flag was set: no lost wake-up).
      caller_waiting_ = true;
      flagged = caller_wq_cv_.WaitFor(caller_wq_mu_, deadline - now, [this] {
        return (gp_flags_.load(std::memory_order_relaxed) & kGpFlagFqs) != 0;
      });
      caller_waiting_ = false;
    }
    if (flagged) {
      gp_flags_.fetch_and(~kGpFlagFqs, std::memory_order_relaxed);
      if (!RootGpDone()) ForceQuiescentStates();  // ForceQs(): scan again
    }
  }
  bool wake = true;
  {
    PlainMutexLock l(nodes_[0].lock);
    caller_driving_.store(false, std::memory_order_relaxed);
  }
  // A report after this wakes the GP thread, which adopts the grace period
  // or finds it over.
  if (RootGpDone()) {
    GpCleanup();
    caller_gps_done_.fetch_add(1, std::memory_order_relaxed);
    // Cleanup asked for the next grace period (callbacks wait for it).
    wake = gp_flags_.load(std::memory_order_relaxed) & kGpFlagInit;
  } else {
    PlainMutexLock l(nodes_[0].lock);
    gp_flags_.fetch_or(kGpFlagAdopt, std::memory_order_relaxed);
  }
  gp_driver_mu_.Unlock();
  if (wake) WakeGpThread();
  return true;
}

void Rcu::GpSlow(int delay) {
  if (delay <= 0) return;
  uint64_t period = static_cast<uint64_t>(geometry_.num_nodes()) * 3 * delay;
  if (SeqCtr(gp_seq_.load(std::memory_order_relaxed)) % period == 0)
    std::this_thread::sleep_for(jiffy_ * delay);
}

void Rcu::GpThreadMain(bool resume) {
  SetThreadName(config_.name + "_gp");
  SetUpGpThreadPriority();
  // In a fork() child: the parent's GP thread parked in the FQS loop of a
  // grace period in progress; finish it.
  if (resume && SeqState(gp_seq_.load(std::memory_order_relaxed)) != 0) {
    GpFqsLoop();
    GpCleanup();
    gp_state_.store(GpState::kCleaned, std::memory_order_relaxed);
  }
  for (;;) {
    gp_state_.store(GpState::kWaitGps, std::memory_order_relaxed);
    {
      PlainMutexLock l(gp_wq_mu_);
      gp_wq_cv_.Wait(gp_wq_mu_, [this] {
        return (gp_flags_.load(std::memory_order_relaxed) &
                (kGpFlagInit | kGpFlagAdopt)) ||
               stop_.load(std::memory_order_relaxed) ||
               fork_park_.load(std::memory_order_relaxed);
      });
    }
    const bool adopt = gp_flags_.load(std::memory_order_relaxed) & kGpFlagAdopt;
    // Returns at once when woken to stop or to park for fork(). An adopted
    // grace period is under way: never paced.
    if (!adopt) PaceGp();
    if (fork_park_.load(std::memory_order_relaxed)) {
      ParkForFork();
      continue;
    }
    // Acquire: pairs with the destructor's release of stop_.
    if (stop_.load(std::memory_order_acquire) &&
        !(gp_flags_.load(std::memory_order_relaxed) &
          (kGpFlagInit | kGpFlagAdopt)))
      break;
    if (adopt) {
      {
        PlainMutexLock l(nodes_[0].lock);
        gp_flags_.fetch_and(~kGpFlagAdopt, std::memory_order_relaxed);
      }
      // (A fork() child may find the flag of a grace period its resume
      // path above already ended.)
      if (SeqState(gp_seq_.load(std::memory_order_relaxed)) != 0) {
        GpFqsLoop();
        GpCleanup();
        gp_state_.store(GpState::kCleaned, std::memory_order_relaxed);
      }
      continue;
    }
    gp_state_.store(GpState::kDoneGps, std::memory_order_relaxed);
    gp_activity_ns_.store(MonoNs(), std::memory_order_relaxed);
    last_gp_init_ = std::chrono::steady_clock::now();
    if (!GpInit()) continue;
    GpFqsLoop();
    GpCleanup();
    gp_state_.store(GpState::kCleaned, std::memory_order_relaxed);
  }
}

bool Rcu::GpInit() {
  RcuNode* root = &nodes_[0];
  {
    PlainMutexLock l(root->lock);
    if (!(gp_flags_.load(std::memory_order_relaxed) & kGpFlagInit))
      return false;  // spurious wakeup
    gp_flags_.store(0, std::memory_order_relaxed);
    uint64_t s = gp_seq_.load(std::memory_order_relaxed);
    RCU_WARN_ON(SeqState(s) != 0);  // GP already in progress
    gp_seq_.store(SeqStartVal(s), std::memory_order_relaxed);
  }
  gp_ticket_ = TakePolledTicket();
  RecordGpStallCheckTime();
  // M1: orders the gp_seq start, and every update made before a caller
  // requested this GP, before the scans below; every reader whose lock store
  // precedes it is seen by the scans, every later reader sees the updates.
  HeavyFence();

  // Apply hotplug changes to the leaves, excluding hotplug while doing so.
  gp_state_.store(GpState::kOnOff, std::memory_order_relaxed);
  bool blkd_only_leaf = false;  // a leaf kept only for its blocked readers
  {
    PlainMutexLock ofl(ofl_mu_);
    for (int i = geometry_.first_leaf(); i < geometry_.num_nodes(); ++i) {
      RcuNode* rnp = &nodes_[i];
      PlainMutexLock l(rnp->lock);
      // A leaf belongs in its parent's qsmaskinit iff it has an online vCPU
      // or blocked readers; in the second case alone wait_blkd_tasks is
      // set. Recompute both from qsmaskinitnext and the blkd list. (Blocked
      // readers can also appear on a leaf with no online vCPU left when a
      // vCPU came online and went offline again between two GPs.)
      const bool wait = rnp->qsmaskinitnext == 0 && rnp->n_blkd > 0;
      blkd_only_leaf |= wait;
      if (rnp->qsmaskinit == rnp->qsmaskinitnext &&
          rnp->wait_blkd_tasks == wait)
        continue;
      const bool was_in = rnp->qsmaskinit != 0 || rnp->wait_blkd_tasks;
      rnp->qsmaskinit = rnp->qsmaskinitnext;
      rnp->wait_blkd_tasks = wait;
      const bool now_in = rnp->qsmaskinit != 0 || wait;
      if (!was_in && now_in) {
        InitNewRnpLocked(rnp);
      } else if (was_in && !now_in) {
        CleanupDeadRnpLocked(rnp);
      }
    }
  }
  // The debug delay widens the race of this pass with hotplug and with
  // readers. It follows one grace period in so many (GpSlow()), and every
  // one whose pass kept a leaf only for its blocked readers: should those
  // readers all end before the qsmask setup below, that setup must report
  // the leaf itself, and a leaf with no online vCPU and blocked readers is
  // rare enough that one grace period in so many would seldom see it.
  if (blkd_only_leaf && config_.gp_preinit_delay > 0) {
    std::this_thread::sleep_for(jiffy_ * config_.gp_preinit_delay);
  } else {
    GpSlow(config_.gp_preinit_delay);
  }

  // Set every node's qsmask, parents before children.
  gp_state_.store(GpState::kInit, std::memory_order_relaxed);
  const uint64_t gps = gp_seq_.load(std::memory_order_relaxed);
  for (int i = 0; i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    rnp->lock.Lock();
    RCU_WARN_ON(rnp->gp_tasks != nullptr);  // left over from the last GP
    // Readers already blocked here began before this GP: it waits for them.
    if (rnp->blkd_head != nullptr && (rnp->qsmaskinit || rnp->wait_blkd_tasks))
      rnp->gp_tasks = rnp->blkd_head;
    rnp->qsmask.store(rnp->qsmaskinit, std::memory_order_relaxed);
    // Release: a reporter that sees the new gp_seq under the lock also sees
    // M1's effects (it takes the same lock).
    rnp->gp_seq.store(gps, std::memory_order_release);
    uint64_t mask =
        rnp->qsmask.load(std::memory_order_relaxed) & ~rnp->qsmaskinitnext;
    if (rnp->is_leaf && (mask || rnp->wait_blkd_tasks)) {
      // vCPUs that went offline since the ONOFF pass.
      ReportQsRnp(mask, rnp, gps);
    } else {
      rnp->lock.Unlock();
    }
    GpSlow(config_.gp_init_delay);
  }
  return true;
}

void Rcu::InitNewRnpLocked(RcuNode* leaf) {
  RcuNode* rnp = leaf;
  for (;;) {
    uint64_t mask = rnp->grpmask;
    RcuNode* parent = rnp->parent;
    if (parent == nullptr) return;
    PlainMutexLock l(parent->lock);  // child before parent
    uint64_t oldmask = parent->qsmaskinit;
    parent->qsmaskinit |= mask;
    parent->qsmaskinitnext |= mask;
    if (oldmask) return;
    rnp = parent;
  }
}

void Rcu::CleanupDeadRnpLocked(RcuNode* leaf) {
  RcuNode* rnp = leaf;
  for (;;) {
    uint64_t mask = rnp->grpmask;
    RcuNode* parent = rnp->parent;
    if (parent == nullptr) return;
    PlainMutexLock l(parent->lock);
    // Between grace periods, so no ancestor may still wait on anyone.
    RCU_WARN_ON(parent->qsmask.load(std::memory_order_relaxed) != 0);
    parent->qsmaskinit &= ~mask;
    parent->qsmaskinitnext &= ~mask;
    if (parent->qsmaskinit) return;
    rnp = parent;
  }
}

bool Rcu::RootGpDone() {
  RcuNode* root = &nodes_[0];
  PlainMutexLock l(root->lock);
  return root->qsmask.load(std::memory_order_relaxed) == 0 &&
         root->gp_tasks == nullptr;
}

void Rcu::GpFqsLoop() {
  // The first scan is immediate: vCPUs with no thread inside a reader
  // report at once, and the rest are asked to report (NEED_QS) as soon as
  // their readers end.
  gp_state_.store(GpState::kDoingFqs, std::memory_order_relaxed);
  ForceQuiescentStates();
  std::chrono::nanoseconds j =
      jiffy_ * std::max(1, config_.jiffies_till_first_fqs);
  for (;;) {
    if (RootGpDone()) return;
    gp_state_.store(GpState::kWaitFqs, std::memory_order_relaxed);
    if (const int ms =
            gp_torture_wait_ms_.exchange(0, std::memory_order_relaxed);
        ms > 0) {
      // SetGpThreadTortureWait(): deaf to wake-ups, as a starved thread is.
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    {
      PlainMutexLock l(gp_wq_mu_);
      gp_wq_cv_.WaitFor(gp_wq_mu_, std::min(j, TimeToStallCheck()), [this] {
        return (gp_flags_.load(std::memory_order_relaxed) & kGpFlagFqs) != 0 ||
               fork_park_.load(std::memory_order_relaxed);
      });
    }
    if (fork_park_.load(std::memory_order_relaxed)) ParkForFork();
    gp_flags_.fetch_and(~kGpFlagFqs, std::memory_order_relaxed);
    if (RootGpDone()) return;
    gp_activity_ns_.store(MonoNs(), std::memory_order_relaxed);
    CheckGpStall();
    gp_state_.store(GpState::kDoingFqs, std::memory_order_relaxed);
    ForceQuiescentStates();
    j = jiffy_ * config_.jiffies_till_next_fqs;
  }
}

void Rcu::ForceQs() {
  MaybeRestartAfterFork();
  gp_flags_.fetch_or(kGpFlagFqs, std::memory_order_relaxed);
  WakeGpDriver();
}

void Rcu::WakeGpDriver() {
  // A stale answer costs at most a grace period's first FQS interval: the
  // caller hands over at its end, and the GP thread's loop starts with a
  // scan and a look at the root.
  if (!caller_driving_.load(std::memory_order_relaxed)) {
    WakeGpThread();
    return;
  }
  {
    PlainMutexLock l(caller_wq_mu_);
    if (!caller_waiting_) return;  // spinning, or about to test the flag
  }
  caller_wq_cv_.NotifyAll();
}

void Rcu::ForceQuiescentStates(bool kick_rcuc) {
  fqs_scans_.fetch_add(1, std::memory_order_relaxed);
  // The readers this grace period still waits for, once it is old enough
  // to boost them.
  std::vector<BoostCandidate> holders;
  std::vector<BoostCandidate>* boost = BoostDue() ? &holders : nullptr;
  for (int i = geometry_.first_leaf(); i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    RetireProxies(rnp, boost);
    uint64_t mask, gps, initnext;
    {
      PlainMutexLock l(rnp->lock);
      mask = rnp->qsmask.load(std::memory_order_relaxed);
      gps = rnp->gp_seq.load(std::memory_order_relaxed);
      initnext = rnp->qsmaskinitnext;
    }
    if (mask == 0) continue;
    uint64_t qs = 0;
    for (uint64_t m = mask; m != 0; m &= m - 1) {
      int bit = std::countr_zero(m);
      RcuData* rdp = &rdps_[rnp->grplo + bit];
      bool kick = false;
      {
        PlainMutexLock l(rdp->local);
        // A vCPU out of qsmaskinitnext (RCU-offline) should have reported
        // on its way down, or been reported by GP init: complain, and
        // report for it rather than hang, as the kernel's
        // rcu_watching_snap_recheck() does. (A vCPU on its way down but
        // still in qsmaskinitnext has no threads left: quiescent below.)
        if (!(initnext & (uint64_t{1} << bit))) {
          fqs_offline_fixups_.fetch_add(1, std::memory_order_relaxed);
          RCU_WARN_ON(true);  // offline vCPU still owes a QS
          qs |= uint64_t{1} << bit;
        } else if (CheckCpuQsLocked(rdp, gps, boost)) {
          qs |= uint64_t{1} << bit;
        } else {
          kick = true;
        }
      }
      if (kick && kick_rcuc) WakeRcuc(rdp);  // poll until the readers end
    }
    if (qs != 0) {
      qs_fqs_.fetch_add(std::popcount(qs), std::memory_order_relaxed);
      rnp->lock.Lock();
      ReportQsRnp(qs, rnp, gps);
    }
  }
  if (boost != nullptr) BoostReaders(holders);
}

void Rcu::GpCleanup() {
  gp_state_.store(GpState::kCleanup, std::memory_order_relaxed);
  // M2: every reader seen outside its critical section has finished that
  // critical section's accesses before anything below (callbacks advance
  // on the node gp_seq stores, cookies complete on gp_seq_).
  HeavyFence();
  const uint64_t new_seq = SeqEndVal(gp_seq_.load(std::memory_order_relaxed));
  for (int i = 0; i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    {
      PlainMutexLock l(rnp->lock);
      RCU_WARN_ON(rnp->qsmask.load(std::memory_order_relaxed) != 0);
      RCU_WARN_ON(rnp->gp_tasks != nullptr);
      // Cookies complete just before the root node ends (what
      // Synchronize()'s wait watches) and before any leaf lets callbacks
      // advance.
      if (i == 0) CompletePolledTicket(gp_ticket_);
      // Release: pairs with the acquire of rcuc's load under the lock.
      rnp->gp_seq.store(new_seq, std::memory_order_release);
    }
    if (rnp->is_leaf) {
      for (int cpu = rnp->grplo; cpu <= rnp->grphi; ++cpu) {
        if (CbLen(&rdps_[cpu]) > 0) WakeRcuc(&rdps_[cpu]);
      }
    }
    GpSlow(config_.gp_cleanup_delay);
  }
  RcuNode* root = &nodes_[0];
  {
    PlainMutexLock l(root->lock);
    // Release: a PollState() that sees the end also sees M2's effects.
    gp_seq_.store(new_seq, std::memory_order_release);
    gps_completed_.fetch_add(1, std::memory_order_relaxed);
    if (SeqLt(new_seq, root->gp_seq_needed)) {
      gp_flags_.fetch_or(kGpFlagInit, std::memory_order_relaxed);
    } else {
      root->gp_seq_needed = new_seq;  // keep it near gp_seq across the wrap
    }
  }
  gp_state_.store(GpState::kIdle, std::memory_order_relaxed);
  gp_activity_ns_.store(MonoNs(), std::memory_order_relaxed);
  // A reader raised for this grace period has ended (the GP could not end
  // otherwise); undo a raise it missed before the GP thread goes idle.
  if (BoostActive()) UndoStaleBoosts();
  { PlainMutexLock l(done_mu_); }
  done_cv_.NotifyAll();
}

// ---------------------------------------------------------------------------
// Quiescent-state reporting.

bool Rcu::CheckCpuQsLocked(RcuData* rdp, uint64_t gps,
                           std::vector<BoostCandidate>* holders) {
  bool all = true;
  for (ThreadRec* t = rdp->attached; t != nullptr; t = t->cpu_next) {
    // A blocked reader is tracked by its old leaf's blkd list instead; a
    // stale BLOCKED (deferred dequeue) hides no later reader. Acquire:
    // pairs with the release that set BLOCKED (the entry's watch).
    // Attached under the held local lock: the word cannot move (WordOf()).
    internal::ReaderWord* rw = internal::WordOf(t);
    const uint32_t sp = rw->special.load(std::memory_order_acquire);
    uint64_t w = rw->watch.load(internal::kWatchLoadOrder);
    if (internal::ReaderQueued(t, sp, w)) continue;
    if ((w & internal::kNestMask) == 0) continue;  // outside any reader
    bool have_snap = t->snap_valid && t->snap_gp == gps;
    if (have_snap && (t->snap_watch >> 16) != (w >> 16)) continue;  // ended one
    if (!have_snap) {
      t->snap_watch = w;
      t->snap_gp = gps;
      t->snap_valid = true;
    }
    // Ask the reader to report from its outermost unlock.
    rw->special.fetch_or(internal::kSpecialNeedQs, std::memory_order_relaxed);
    if (holders != nullptr) holders->push_back({t, w});
    all = false;
  }
  return all;
}

bool Rcu::TryReportCpuQsLocked(RcuData* rdp, std::atomic<uint64_t>* counter) {
  RcuNode* rnp = rdp->mynode;
  uint64_t gps;
  {
    PlainMutexLock l(rnp->lock);
    if (!(rnp->qsmask.load(std::memory_order_relaxed) & rdp->grpmask))
      return true;  // nothing owed
    gps = rnp->gp_seq.load(std::memory_order_relaxed);
  }
  if (!CheckCpuQsLocked(rdp, gps)) return false;
  counter->fetch_add(1, std::memory_order_relaxed);
  rdp->n_qs_reported.fetch_add(1, std::memory_order_relaxed);
  rnp->lock.Lock();
  ReportQsRnp(rdp->grpmask, rnp, gps);
  return true;
}

// Walks up the tree hand over hand (child lock released before the
// parent's is taken), which the thread-safety analysis cannot follow.
void Rcu::ReportQsRnp(uint64_t mask, RcuNode* rnp,
                      uint64_t gps) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  uint64_t oldmask = 0;
  for (;;) {
    uint64_t q = rnp->qsmask.load(std::memory_order_relaxed);
    if ((!(q & mask) && mask) ||
        rnp->gp_seq.load(std::memory_order_relaxed) != gps) {
      // Already reported, or that grace period is over.
      rnp->lock.Unlock();
      return;
    }
    RCU_WARN_ON(oldmask != 0);  // a child reporting must be all clear
    (void)oldmask;
    RCU_WARN_ON(!rnp->is_leaf && rnp->gp_tasks != nullptr);
    q &= ~mask;
    rnp->qsmask.store(q, std::memory_order_relaxed);
    if (q != 0 || rnp->gp_tasks != nullptr) {
      rnp->lock.Unlock();
      return;
    }
    rnp->completedqs = gps;
    mask = rnp->grpmask;
    if (rnp->parent == nullptr) break;
    RcuNode* child = rnp;
    rnp->lock.Unlock();
    rnp = rnp->parent;
    rnp->lock.Lock();
    oldmask = child->qsmask.load(std::memory_order_relaxed);
  }
  ReportQsRsp();
}

void Rcu::ReportQsRsp() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  RCU_WARN_ON(SeqState(gp_seq_.load(std::memory_order_relaxed)) == 0);
  gp_flags_.fetch_or(kGpFlagFqs, std::memory_order_relaxed);  // under root lock
  nodes_[0].lock.Unlock();
  WakeGpDriver();
}

void Rcu::ReportUnblockQsRnp(RcuNode* rnp) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  if (rnp->gp_tasks != nullptr ||
      rnp->qsmask.load(std::memory_order_relaxed) != 0) {
    rnp->lock.Unlock();
    return;
  }
  const uint64_t gps = rnp->gp_seq.load(std::memory_order_relaxed);
  rnp->completedqs = gps;
  if (rnp->parent == nullptr) {
    ReportQsRsp();
    return;
  }
  const uint64_t mask = rnp->grpmask;
  RcuNode* parent = rnp->parent;
  rnp->lock.Unlock();
  parent->lock.Lock();
  ReportQsRnp(mask, parent, gps);
}

// ---------------------------------------------------------------------------
// Callbacks.

void Rcu::AccelerateLocked(RcuData* rdp, bool* needwake) {
  const uint64_t snap = SnapGpSeq();
  if (!rdp->cblist.Accelerate(snap)) return;
  if (SeqGe(rdp->gp_seq_needed, snap)) return;  // this vCPU asked already
  if (StartThisGp(snap)) *needwake = true;
  rdp->gp_seq_needed = snap;
}

int Rcu::PickCpu() {
  const int n = config_.nr_cpu_ids;
  for (int tries = 0; tries < 2 * n; ++tries) {
    int cpu =
        static_cast<int>(rr_cpu_.fetch_add(1, std::memory_order_relaxed) % n);
    if (CpuOnline(cpu)) return cpu;
  }
  return 0;
}

void Rcu::Call(RcuHead* head, RcuCallback func) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  MaybeRestartAfterFork();
  head->func = func;
  ThreadRec* t = internal::RecInSlot(slot_);
  RcuData* rdp;
  if (t != nullptr) {
    rdp = LockThreadCpu(t);  // attached means online
  } else {
    for (;;) {
      rdp = &rdps_[PickCpu()];
      rdp->local.Lock();
      if (rdp->online.load(std::memory_order_relaxed)) break;
      rdp->local.Unlock();
    }
  }
  rdp->local.AssertHeld();
  bool needwake = false;
  rdp->cblist.Enqueue(head);
  AccelerateLocked(rdp, &needwake);
  EnsureRcucLocked(rdp);
  // Written only under `local`: a plain increment, no locked RMW.
  rdp->n_cbs_queued.store(rdp->n_cbs_queued.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
  rdp->local.Unlock();
  if (needwake) WakeGpThread();
}

void Rcu::EnsureRcucLocked(RcuData* rdp) {
  if (rdp->rcuc_started) return;
  rdp->rcuc_started = true;
  n_threads_.fetch_add(1, std::memory_order_relaxed);
  rdp->rcuc = std::thread([this, rdp] { RcucMain(rdp); });
}

void Rcu::WakeRcuc(RcuData* rdp) {
  {
    PlainMutexLock l(rdp->wake_mu);
    rdp->wake_pending = true;
  }
  rdp->wake_cv.NotifyOne();
}

void Rcu::RcucMain(RcuData* rdp) {
  // "rcuo/N" for an offloaded vCPU's thread, "rcuc/N" otherwise.
  SetThreadName(absl::StrCat(
      config_.name,
      rdp->offloaded.load(std::memory_order_relaxed) ? "o/" : "c/", rdp->cpu));
  // Callbacks run here: they may read (registering this thread on the fly,
  // as one of the instance's own), but must not wait for a grace period.
  internal::tls_readers.in_callback = this;
  bool tick = false;
  for (;;) {
    {
      PlainMutexLock l(rdp->wake_mu);
      auto pred = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(rdp->wake_mu) {
        return rdp->wake_pending || stop_.load(std::memory_order_relaxed) ||
               fork_park_.load(std::memory_order_relaxed);
      };
      if (tick) {
        rdp->wake_cv.WaitFor(rdp->wake_mu, jiffy_, pred);
      } else {
        rdp->wake_cv.Wait(rdp->wake_mu, pred);
      }
      rdp->wake_pending = false;
    }
    if (fork_park_.load(std::memory_order_relaxed)) ParkForFork();
    // Acquire: pairs with the destructor's release of stop_.
    if (stop_.load(std::memory_order_acquire) && CbLen(rdp) == 0) {
      if (IsRegistered()) UnregisterThread();  // a callback read
      internal::tls_readers.in_callback = nullptr;
      return;
    }
    tick = RcuCore(rdp);
  }
}

bool Rcu::RcuCore(RcuData* rdp) {
  bool needwake = false;
  bool owe_qs;
  RcuCbList ready;
  {
    PlainMutexLock l(rdp->local);
    RcuNode* rnp = rdp->mynode;
    {
      PlainMutexLock nl(rnp->lock);
      // Acquire (with the lock): the GP's M2 precedes this gp_seq.
      const uint64_t g = rnp->gp_seq.load(std::memory_order_acquire);
      rdp->gp_seq = g;
      rdp->cblist.Advance(g);
    }
    AccelerateLocked(rdp, &needwake);
    owe_qs = !TryReportCpuQsLocked(rdp, &qs_rcuc_);
    rdp->cblist.ExtractDone(&ready);
    rdp->in_flight += ready.len;
    if (RCU_DEBUG_CHECKS_ENABLED && rdp->cblist.len() < 1000)
      rdp->cblist.CheckInvariants(rdp->in_flight);
  }
  if (needwake) WakeGpThread();
  long done = 0;
  uint64_t invoked = 0;  // not counting Barrier()'s own callbacks
  while (RcuHead* h = ready.Dequeue()) {
    RcuCallback f = h->func;
    RCU_WARN_ON(f == nullptr);  // double invocation
    if (RCU_DEBUG_CHECKS_ENABLED) h->func = nullptr;
    // Barrier()'s callbacks are not counted, whichever vCPU's they are
    // (one entrained on a vCPU going offline runs here, after migration).
    const bool counted = f != &Rcu::BarrierCallback;
    if (!counted && invoked != 0) {
      // Publish the count before the barrier can complete: a caller that
      // returns from Barrier() sees every callback queued before it
      // counted as invoked (GetStats()).
      rdp->n_cbs_invoked.fetch_add(invoked, std::memory_order_relaxed);
      invoked = 0;
    }
    f(h);  // may free h
    invoked += counted;
    if (++done % config_.blimit == 0) {
      // Publish progress so a concurrent Barrier() can see the list drain.
      PlainMutexLock l(rdp->local);
      rdp->in_flight -= config_.blimit;
      rdp->cblist.AddLen(-config_.blimit);
    }
  }
  long rest = done % config_.blimit;
  bool more;
  {
    PlainMutexLock l(rdp->local);
    rdp->in_flight -= rest;
    rdp->cblist.AddLen(-rest);
    more = rdp->cblist.HasDone();
  }
  rdp->n_cbs_invoked.fetch_add(invoked, std::memory_order_relaxed);
  if (more) WakeRcuc(rdp);
  return owe_qs;
}

// ---------------------------------------------------------------------------
// Synchronous and polled grace periods.

uint64_t Rcu::GetState() {
  // Orders the caller's earlier updates before the load; pairs with the
  // heavy fence (M1, E1) a grace period runs after taking its ticket: a
  // grace period whose ticket is this cookie or newer began after it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Acquire: pairs with TakePolledTicket()'s release (see there).
  return polled_ticket_.load(std::memory_order_acquire) + 4;
}

uint64_t Rcu::StartPoll() {
  MaybeRestartAfterFork();
  const uint64_t c = GetState();
  // The next normal grace period starts after this: its ticket is c or
  // newer.
  if (StartThisGp(SnapGpSeq())) WakeGpThread();
  return c;
}

// Normal grace periods are waited for on the root node's gp_seq: GP cleanup
// ends the root node first, the leaves next (callbacks advance on those)
// and gp_seq_ last, all after M2.
uint64_t Rcu::PolledGpSeq() const {
  return nodes_[0].gp_seq.load(std::memory_order_acquire);
}

bool Rcu::PollState(uint64_t cookie) {
  if (cookie == kGetStateCompleted ||
      SeqGe(polled_done_.load(std::memory_order_acquire), cookie)) {
    // Orders the caller's later accesses (freeing) after the GP end.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return true;
  }
  return false;
}

void Rcu::CondSynchronize(uint64_t cookie) {
  if (!PollState(cookie)) Synchronize();
}

void Rcu::CondSynchronizeExpedited(uint64_t cookie) {
  if (!PollState(cookie)) SynchronizeExpedited();
}

Rcu::FullCookie Rcu::GetStateFull() {
  // Orders the caller's earlier updates before the loads (as GetState()).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return FullCookie{SeqSnap(gp_seq_.load(std::memory_order_relaxed)),
                    SeqSnap(exp_seq_.load(std::memory_order_relaxed))};
}

Rcu::FullCookie Rcu::StartPollFull() {
  MaybeRestartAfterFork();
  const FullCookie c = GetStateFull();
  if (StartThisGp(c.norm)) WakeGpThread();
  return c;
}

bool Rcu::PollStateFull(const FullCookie& c) {
  // Acquire loads: a sequence seen ended carries its GP's closing fence.
  if (SeqDoneExact(PolledGpSeq(), c.norm) ||
      SeqDoneExact(exp_seq_.load(std::memory_order_acquire), c.exp)) {
    // Orders the caller's later accesses (freeing) after the GP end.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return true;
  }
  return false;
}

void Rcu::CondSynchronizeFull(const FullCookie& c) {
  if (!PollStateFull(c)) Synchronize();
}

void Rcu::CondSynchronizeExpeditedFull(const FullCookie& c) {
  if (!PollStateFull(c)) SynchronizeExpedited();
}

bool Rcu::NoOtherReaderPossible(int n_threads) const {
  if (n_threads == 0) return true;
  // Only the caller is registered, and it is outside any reader of this
  // instance (a caller inside one would wait for itself: hang, or a fatal
  // error with debug checks; not a reason to return early).
  return n_threads == 1 && internal::RecInSlot(slot_) != nullptr &&
         !internal::InReaderSlot(slot_);
}

bool Rcu::NoOtherReaderPossibleLocked() {
  return NoOtherReaderPossible(n_registered_ + n_internal_);
}

void Rcu::Synchronize() {
  MaybeRestartAfterFork();
  if (internal::tls_readers.in_callback != nullptr) [[unlikely]]
    internal::FatalWaitInCallback("Synchronize()");
  QsbrWaitScope offline(*this);
  if ((RCU_DEBUG_CHECKS_ENABLED || lockdep::Enabled()) && ReadLockHeld())
    lockdep::internal::IllegalWaitInReader("Synchronize()",
                                           SourceLocation::current());
  if (GpIsExpedited()) {
    SynchronizeExpedited();
    return;
  }
  if (NoOtherReaderPossible(n_threads_hint_.load(std::memory_order_relaxed))) {
    // No reader can be running but the caller's own (none: it waits), so
    // no grace-period thread round trip: SynchronizeExpedited()'s way,
    // which ends the grace period at once under the registry lock (or, if
    // a thread registered meanwhile, runs a real expedited one).
    ExpeditedGp();
    return;
  }
  // The grace period waited for starts after this call, so its ticket
  // completes every cookie taken before it.
  const uint64_t s = SnapGpSeq();
  if (StartThisGp(s, /*urgent=*/true)) {
    if (!DriveGpFromCaller()) WakeGpThread();
  } else {
    HurryGp();  // requested already, perhaps by callbacks, and paced
  }
  {
    PlainMutexLock l(done_mu_);
    WaitCheckingGpStart(done_mu_, done_cv_,
                        [&] { return SeqDoneExact(PolledGpSeq(), s); });
  }
  // The woken thread's later accesses follow the GP's (the kernel's
  // smp_mb() after wait_for_completion() in synchronize_rcu()).
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

// ---------------------------------------------------------------------------
// Introspection.

RcuStats Rcu::GetStats() const {
  RcuStats s;
  s.gp_seq = gp_seq_.load(std::memory_order_relaxed);
  s.gps_completed = gps_completed_.load(std::memory_order_relaxed);
  s.exp_seq = exp_seq_.load(std::memory_order_relaxed);
  s.exp_completed = exp_completed_.load(std::memory_order_relaxed);
  s.fqs_scans = fqs_scans_.load(std::memory_order_relaxed);
  s.barriers = barriers_.load(std::memory_order_relaxed);
  s.qs_rcuc = qs_rcuc_.load(std::memory_order_relaxed);
  s.qs_unlock = qs_unlock_.load(std::memory_order_relaxed);
  s.qs_fqs = qs_fqs_.load(std::memory_order_relaxed);
  s.blocked_readers = blocked_readers_.load(std::memory_order_relaxed);
  s.unlocks_deferred = unlocks_deferred_.load(std::memory_order_relaxed);
  s.deferred_retired = deferred_retired_.load(std::memory_order_relaxed);
  s.stalls = stalls_.load(std::memory_order_relaxed);
  s.hotplug_ops = hotplug_ops_.load(std::memory_order_relaxed);
  s.fqs_offline_fixups = fqs_offline_fixups_.load(std::memory_order_relaxed);
  s.gp_start_stalls = gp_start_stalls_.load(std::memory_order_relaxed);
  s.gp_kthread_starved = gp_kthread_starved_.load(std::memory_order_relaxed);
  s.caller_gps = caller_gps_.load(std::memory_order_relaxed);
  s.caller_gps_done = caller_gps_done_.load(std::memory_order_relaxed);
  s.boosts = boosts_.load(std::memory_order_relaxed);
  s.boosts_undone_by_scan = boosts_undone_.load(std::memory_order_relaxed);
  s.online_cpus = num_online_cpus();
  s.exp_stalls = exp_stalls_.load(std::memory_order_relaxed);
  s.gp_state = gp_state_.load(std::memory_order_relaxed);
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu) {
    s.cbs_queued += rdps_[cpu].n_cbs_queued.load(std::memory_order_relaxed);
    s.cbs_invoked += rdps_[cpu].n_cbs_invoked.load(std::memory_order_relaxed);
  }
  {
    PlainMutexLock l(reg_mu_);
    s.registered_threads = n_registered_;
  }
  return s;
}

namespace {

// printf's "%#x": 0 prints as "0" (fmt's "{:#x}" would print "0x0").
std::string AltHex(uint64_t v) {
  return v == 0 ? std::string("0") : fmt::format("{:#x}", v);
}

}  // namespace

std::string Rcu::DumpGpState() const {
  std::string out = fmt::format(
      "{}: gp_seq {} (ctr {} state {}) gp_state {} gp_flags {} "
      "gps_completed {} fqs_scans {} exp_seq {} reader_mode {}\n",
      config_.name, static_cast<int64_t>(gp_seq_.load()),
      SeqCtr(gp_seq_.load()), SeqState(gp_seq_.load()),
      GpStateName(gp_state_.load()), AltHex(gp_flags_.load()),
      gps_completed_.load(), fqs_scans_.load(),
      static_cast<int64_t>(exp_seq_.load()), ReaderModeName(reader_mode_));
  for (int i = 0; i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    PlainMutexLock l(rnp->lock);
    uint64_t q = rnp->qsmask.load(std::memory_order_relaxed);
    if (q == 0 && rnp->blkd_head == nullptr) continue;
    fmt::format_to(std::back_inserter(out),
                   "  node {} ({}:{} level {}): qsmask {} qsmaskinit "
                   "{} gp_seq {} blocked readers {}{}\n",
                   i, rnp->grplo, rnp->grphi, rnp->level, AltHex(q),
                   AltHex(rnp->qsmaskinit),
                   static_cast<int64_t>(rnp->gp_seq.load()), rnp->n_blkd,
                   rnp->gp_tasks != nullptr ? " (blocking this GP)" : "");
    bool blocking = false;
    for (internal::BlkdEntry* e = rnp->blkd_head; e != nullptr; e = e->next) {
      if (e == rnp->gp_tasks) blocking = true;
      fmt::format_to(std::back_inserter(out), "    blocked reader {}/{}{}{}\n",
                     e->t->name, e->t->tid, e->proxy ? " (evicted)" : "",
                     blocking ? " holds the GP" : "");
    }
    if (!rnp->is_leaf) continue;
    for (uint64_t m = q; m != 0; m &= m - 1) {
      RcuData* rdp = &rdps_[rnp->grplo + std::countr_zero(m)];
      fmt::format_to(std::back_inserter(out),
                     "    vCPU {} holds the GP{}:", rdp->cpu,
                     rdp->online.load() ? "" : " (offline)");
      // Racy read of the attached list is avoided: take the local lock
      // only if free, this is a diagnostic.
      if (rdp->local.TryLock()) {
        for (ThreadRec* t = rdp->attached; t != nullptr; t = t->cpu_next) {
          uint64_t w = internal::WordOf(t)->watch.load();  // attached
          if (w & internal::kNestMask)
            fmt::format_to(std::back_inserter(out),
                           " {}/{}(in reader, nesting {})", t->name, t->tid,
                           w & internal::kNestMask);
        }
        rdp->local.Unlock();
      } else {
        out += " (vCPU busy)";
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace rcu

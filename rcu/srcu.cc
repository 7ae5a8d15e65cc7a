// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// srcu.cc: SrcuDomain (see srcu.h): the per-vCPU counters, the srcu_node
// tree, the grace-period state machine, callbacks and Barrier(), and the
// process-wide grace-period thread that serves every domain.
#include "rcu/srcu.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "rcu/check.h"
#include "rcu/geometry.h"
#include "rcu/internal/fork.h"
#include "rcu/internal/membarrier.h"
#include "rcu/internal/reader.h"
#include "rcu/internal/srcu_block.h"
#include "rcu/lockdep.h"
#include "rcu/plain_mutex.h"
#include "rcu/rcu.h"
#include "rcu/seq.h"
#include "rcu/tree.h"

namespace rcu {
namespace internal {
namespace {

// gp_seq states (the kernel's SRCU_STATE_*).
constexpr uint64_t kStateIdle = 0;
constexpr uint64_t kStateScan1 = 1;
constexpr uint64_t kStateScan2 = 2;

// Reader counter ordering. The fences B, C and A carry the ordering the
// algorithm needs; under TSan (which does not model fences) the unlock
// increment is a release and the updater's sums are acquires, which gives
// TSan the same edge from a reader's critical section to the memory freed
// after the grace period.
constexpr std::memory_order kUnlockIncOrder =
    kTsan ? std::memory_order_release : std::memory_order_relaxed;
constexpr std::memory_order kSumLoadOrder =
    kTsan ? std::memory_order_acquire : std::memory_order_relaxed;

// The kernel's smp_mb__before_atomic()/smp_mb__after_atomic(): a full
// fence next to an atomic read-modify-write. On x86 every locked RMW is
// already a full barrier, so only the compiler must be kept from moving
// accesses across it; elsewhere (and under TSan, which needs to see the
// fence) it is a seq_cst fence.
#if defined(__x86_64__) || defined(__i386__)
inline constexpr bool kRmwIsFullBarrier = !kTsan;
#else
inline constexpr bool kRmwIsFullBarrier = false;
#endif
inline void MbAroundAtomic() {
  if constexpr (kRmwIsFullBarrier) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Per-vCPU state (the kernel's srcu_data). Invariant: summed over all
// vCPUs, locks[i] - unlocks[i] is the number of critical sections inside on
// index i (never negative when the unlocks are summed before the locks);
// checked by every drain check in debug builds.
struct alignas(128) SrcuData {
  // Read side: one cache line, written by readers with atomic RMWs.
  std::atomic<uint64_t> locks[2] = {0, 0};
  std::atomic<uint64_t> unlocks[2] = {0, 0};

  // Update side. `lock` stands in for the kernel's per-CPU srcu_data lock.
  alignas(64) PlainMutex lock;
  SegCbList cblist ABSL_GUARDED_BY(lock);
  long in_flight ABSL_GUARDED_BY(lock) = 0;  // extracted, not yet invoked
  RcuHead barrier_head;  // owned by Barrier() while entrained

  std::atomic<uint64_t> n_cbs_queued{0};
  std::atomic<uint64_t> n_cbs_invoked{0};

  // Constant after construction.
  SrcuState* owner = nullptr;
  int cpu = 0;
  int leaf = 0;  // index of its srcu_node leaf
  uint64_t grpmask = 0;
};

// len() is documented as lockless-readable (segcblist.h).
long QueuedLockless(const SrcuData& d) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  return d.cblist.len();
}

// One srcu_node. Invariant: have_cbs[i] only moves forward; a leaf's
// data_have_cbs[i] bits name vCPUs whose callbacks wait for have_cbs[i].
struct alignas(128) SrcuNode {
  PlainMutex lock;
  // The latest grace period this subtree asked for, per gp_seq slot
  // (counter % 4).
  uint64_t have_cbs[4] ABSL_GUARDED_BY(lock) = {};
  // Leaves: which vCPUs (bit cpu - grplo) asked for have_cbs[i].
  uint64_t data_have_cbs[4] ABSL_GUARDED_BY(lock) = {};
  int parent = -1;
  int grplo = 0;
  bool is_leaf = false;
};

void RegisterState(SrcuState* s);
void UnregisterState(SrcuState* s);

// Derives from SrcuReaderView (srcu_reader.h), which must come first: the
// inline read side (srcu.h) reads it at the state's address.
struct SrcuState : SrcuReaderView {
  ~SrcuState() {
    UnregisterState(this);
    FreeSrcuSlot(fast_slot);
  }
  SrcuState(const Config& c, Geometry g)
      : config(c),
        geo(std::move(g)),
        nr(geo.nr_cpu_ids),
        sdp(new SrcuData[nr]),
        nodes(new SrcuNode[geo.num_nodes()]),
        fast_slot(AllocSrcuSlot()),
        reader_fences(c.reader_mode == ReaderMode::kFences ||
                      !MembarrierAvailable()),
        gp_seq(c.initial_gp_seq),
        barrier_seq(c.initial_gp_seq) {
    nofence_slot = reader_fences ? -1 : fast_slot;
    RCU_CHECK(static_cast<void*>(static_cast<SrcuReaderView*>(this)) == this,
              "SrcuState: its SrcuReaderView is not at its address");
    gp_seq_needed = c.initial_gp_seq;
    gp_seq_needed_exp.store(c.initial_gp_seq, std::memory_order_relaxed);
    for (int i = 0; i < geo.num_nodes(); ++i) {
      SrcuNode& n = nodes[i];
      n.parent = geo.nodes[i].parent;
      n.grplo = geo.nodes[i].grplo;
      n.is_leaf = i >= geo.first_leaf();
      PlainMutexLock l(n.lock);
      for (int k = 0; k < 4; ++k) n.have_cbs[k] = c.initial_gp_seq;
    }
    for (int cpu = 0; cpu < nr; ++cpu) {
      SrcuData& d = sdp[cpu];
      d.owner = this;
      d.cpu = cpu;
      d.leaf = geo.cpu_leaf[cpu];
      d.grpmask = geo.cpu_mask(cpu);
    }
    RegisterState(this);
  }

  const Config config;
  const Geometry geo;
  const int nr;
  std::unique_ptr<SrcuData[]> sdp;
  std::unique_ptr<SrcuNode[]> nodes;

  // The reader index and nofence_slot are in SrcuReaderView. The slot of
  // the per-thread counters (internal/srcu_block.h) the readers count in,
  // or -1: they count on the per-vCPU SrcuData counters.
  const int fast_slot;
  // Readers execute fences B and C (membarrier() is unavailable, or
  // Config::reader_mode is kFences); else B and C are compiler fences and
  // the drain check's A is membarrier() (see "Readers" below).
  const bool reader_fences;

  // gp_seq: stored by the grace-period thread only (under gp_lock);
  // loaded locklessly by everyone.
  alignas(64) std::atomic<uint64_t> gp_seq;
  PlainMutex gp_lock;  // the kernel's srcu_struct lock
  uint64_t gp_seq_needed ABSL_GUARDED_BY(gp_lock);
  // Written under gp_lock; loaded by the grace-period thread to pick its
  // retry delay.
  std::atomic<uint64_t> gp_seq_needed_exp{0};
  // Grace-period thread only.
  int64_t gp_start_ns = 0;
  int gp_retries = 0;

  // Barrier().
  PlainMutex barrier_mu;
  std::atomic<uint64_t> barrier_seq;
  std::atomic<long> barrier_count{0};
  PlainMutex barrier_done_mu;
  PlainCondVar barrier_done_cv;
  bool barrier_done ABSL_GUARDED_BY(barrier_done_mu) = false;

  std::atomic<uint64_t> n_gps{0};
  std::atomic<uint64_t> n_flips{0};
  std::atomic<uint64_t> n_barriers{0};
};

namespace {

// The process-wide grace-period thread. Never destroyed: it outlives every
// domain, static ones included. Invariant: a domain is in `due_` at most
// once, and `running_` is the domain whose Process() is executing.
class GpWorker {
 public:
  static GpWorker& Get() {
    static GpWorker* w = new GpWorker;  // leaked on purpose (file comment)
    return *w;
  }

  // Runs Process(s) no later than `delay_ns` from now.
  void Kick(SrcuState* s, int64_t delay_ns) {
    PlainMutexLock l(mu_);
    AddLocked(s, NowNs() + delay_ns);
    ++kicks_;
    if (!started_) {
      started_ = true;
      std::thread([this] { Main(); }).detach();
    }
    cv_.NotifyOne();
  }

  // Forgets `s`; returns once its Process() is not running.
  void Detach(SrcuState* s) {
    PlainMutexLock l(mu_);
    due_.erase(s);
    idle_cv_.Wait(mu_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return running_ != s;
    });
  }

 private:
  void AddLocked(SrcuState* s, int64_t when)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto [it, inserted] = due_.try_emplace(s, when);
    if (!inserted && when < it->second) it->second = when;
  }

  void Main();

  friend void ::rcu::internal::SrcuForkRequestPark();
  friend void ::rcu::internal::SrcuForkWaitParked();
  friend void ::rcu::internal::SrcuForkInnerLocks(std::vector<PlainMutex*>* v);
  friend void ::rcu::internal::SrcuForkUnpark();
  friend void ::rcu::internal::SrcuForkChild();
  friend void ::rcu::internal::SrcuMaybeRestartAfterFork();

  PlainMutex mu_;
  PlainCondVar cv_;
  PlainCondVar idle_cv_;
  // fork(): the prepare handler sets park_; Main() parks between two
  // Process() calls (no domain in hand) until it is cleared.
  std::atomic<bool> park_{false};
  PlainCondVar park_cv_;
  bool parked_ ABSL_GUARDED_BY(mu_) = false;
  std::map<SrcuState*, int64_t> due_ ABSL_GUARDED_BY(mu_);
  SrcuState* running_ ABSL_GUARDED_BY(mu_) = nullptr;
  uint64_t kicks_ ABSL_GUARDED_BY(mu_) = 0;  // Kick() calls so far
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

// ---- Readers. ----

// The vCPU the calling thread's callbacks queue on, and its readers count
// on in a domain without a counter slot.
int ReaderCpuOf(const SrcuState* st) {
  const ThreadRec* t = tls_readers.word0.rec;
  if (t != nullptr) {
    int c =
        t->cpu.load(std::memory_order_relaxed);  // a hint; any vCPU is correct
    if (c >= 0) return c < st->nr ? c : c % st->nr;
  }
  return MySrcuBlock()->arrival % st->nr;
}

// Readers of a domain with a counter slot count in their thread's block
// (internal/srcu_block.h) without a locked instruction. In membarrier mode
// (reader_fences false) B and C are compiler fences only: the drain
// check's A is a membarrier(), which makes every running thread execute a
// full barrier, so a reader's lock increment and its critical section are
// ordered against the check either way (the argument of rcu's read side,
// reader.h, "Memory ordering"; the kernel's SRCU-fast readers pair with
// synchronize_rcu() in the same place). With reader_fences they are full
// fences, as on the per-vCPU counters.
int LockOn(SrcuState* st) {
  const int idx =
      static_cast<int>(st->srcu_idx.load(std::memory_order_relaxed) & 1);
  if (st->fast_slot >= 0) [[likely]] {
    uint64_t& c = MySrcuBlock()->slot[st->fast_slot].locks[idx];
    if (!st->reader_fences) [[likely]] {
      SrcuCounterInc(c, std::memory_order_relaxed);
      // B (membarrier mode): keeps the compiler from moving the critical
      // section's accesses above the increment; the CPU's ordering comes
      // from A's membarrier().
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      SrcuCounterIncLocked(c, std::memory_order_relaxed);
      MbAroundAtomic();  // B, as below
    }
    return idx;
  }
  st->sdp[ReaderCpuOf(st)].locks[idx].fetch_add(1, std::memory_order_relaxed);
  // B: orders the lock increment before the critical section's accesses;
  // pairs with A in the drain check (store buffering: either the check
  // counts this lock, or this reader sees every store made before it).
  MbAroundAtomic();
  return idx;
}

void UnlockOn(SrcuState* st, int idx) {
  RCU_DCHECK(idx == 0 || idx == 1, "SrcuDomain::ReadUnlock: bad index");
  if (st->fast_slot >= 0) [[likely]] {
    uint64_t& c = MySrcuBlock()->slot[st->fast_slot].unlocks[idx];
    if (!st->reader_fences) [[likely]] {
      // C (membarrier mode): keeps the compiler from moving the critical
      // section's accesses below the increment; A's membarrier() orders
      // them for the CPU.
      std::atomic_signal_fence(std::memory_order_seq_cst);
      SrcuCounterInc(c, kUnlockIncOrder);
    } else {
      MbAroundAtomic();  // C, as below
      SrcuCounterIncLocked(c, kUnlockIncOrder);
    }
    return;
  }
  // C: orders the critical section's accesses before the unlock increment;
  // pairs with A (a check that counts this unlock sees the section over)
  // and with D (a reader whose unlock a check missed sees the new index).
  MbAroundAtomic();
  st->sdp[ReaderCpuOf(st)].unlocks[idx].fetch_add(1, kUnlockIncOrder);
}

// The sum of one kind of count (`unlocks` or locks) for index `idx` over
// the per-vCPU counters and, for a domain with a slot, every thread block.
uint64_t SumCounts(const SrcuState* st, int idx, bool unlocks,
                   std::memory_order order) {
  uint64_t sum = 0;
  for (int c = 0; c < st->nr; ++c)
    sum +=
        (unlocks ? st->sdp[c].unlocks[idx] : st->sdp[c].locks[idx]).load(order);
  if (st->fast_slot >= 0) {
    ForEachSrcuBlock([&](const SrcuBlock& b) {
      const SrcuSlotCounters& k = b.slot[st->fast_slot];
      sum += SrcuCounterLoad(unlocks ? k.unlocks[idx] : k.locks[idx], order);
    });
  }
  return sum;
}

// A: the full fence between the unlock sums and the lock sums (see
// ReadersDrained()). A membarrier() when the domain's readers count in
// thread blocks without fences.
void FenceA(const SrcuState* st) {
  if (st->fast_slot >= 0 && !st->reader_fences) {
    MembarrierPrivateExpedited();
  } else {
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
}

// ---- Grace periods (grace-period thread). ----

std::atomic<DrainCheckHook> g_drain_check_hook{nullptr};

// srcu_readers_active_idx_check(): true when no reader is inside on `idx`.
// When fence A is a membarrier() (an IPI to every CPU running one of the
// process's threads: 5-8 us on a 2-vCPU VM with the other vCPU busy), a
// first pass with an ordinary fence in its place looks for readers: if it
// finds any, the answer is false at once; "false" is always safe, since
// the caller only checks again later. Only a pass that finds the index
// empty is repeated with the membarrier(), and only that one's "empty" is
// believed.
bool ReadersDrained(SrcuState* st, int idx) {
  const bool heavy = st->fast_slot >= 0 && !st->reader_fences;
  for (int pass = heavy ? 0 : 1; pass < 2; ++pass) {
    const uint64_t unlocks = SumCounts(st, idx, true, kSumLoadOrder);
    if (DrainCheckHook hook =
            g_drain_check_hook.load(std::memory_order_relaxed)) [[unlikely]]
      hook(st, idx);
    // A: orders the unlock sums before the lock sums, so a counted
    // unlock's lock is counted too; pairs with B and C.
    if (pass == 0) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
    } else {
      FenceA(st);
    }
    const uint64_t locks = SumCounts(st, idx, false, kSumLoadOrder);
    // The first pass may see an unlock before its lock where increments
    // are not ordered for the CPU (membarrier mode off x86-64).
    if (pass == 1) RCU_WARN_ON(static_cast<int64_t>(locks - unlocks) < 0);
    if (locks != unlocks) return false;
  }
  return true;
}

// srcu_flip(): readers from now on use the other index.
void Flip(SrcuState* st) {
  // E: orders the drain check before the index store (the control
  // dependency already does; kept for clarity, as in the kernel).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  st->srcu_idx.store(st->srcu_idx.load(std::memory_order_relaxed) + 1,
                     std::memory_order_relaxed);
  // D: orders the index store before the next drain check; pairs with C.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  st->n_flips.fetch_add(1, std::memory_order_relaxed);
}

bool ExpWanted(SrcuState* st, uint64_t g) {
  return SeqGe(st->gp_seq_needed_exp.load(std::memory_order_relaxed),
               SeqEndVal(g));
}

// try_check_zero(): a few quick checks (readers are usually short).
bool TryDrain(SrcuState* st, int idx, bool exp) {
  const int tries = exp ? 8 : 2;
  for (int i = 0; i < tries; ++i) {
    if (ReadersDrained(st, idx)) return true;
    std::this_thread::yield();
  }
  return false;
}

int64_t RetryDelayNs(SrcuState* st, bool exp) {
  ++st->gp_retries;
  if (exp) return 10'000;
  int64_t age = NowNs() - st->gp_start_ns;
  return std::clamp<int64_t>(age / 4, 50'000, 5'000'000);
}

void BarrierCallback(RcuHead* head);

// Invokes the ready callbacks of one vCPU, in order.
void InvokeCallbacks(SrcuData& d) {
  SrcuState* st = d.owner;
  PlainMutexLock l(d.lock);
  for (;;) {
    d.cblist.Advance(st->gp_seq.load(std::memory_order_acquire));
    RcuCbList ready;
    d.cblist.ExtractDone(&ready);
    if (ready.len == 0) break;
    d.in_flight += ready.len;
    const long n = ready.len;
    d.lock.Unlock();
    uint64_t counted = 0;
    while (RcuHead* h = ready.Dequeue()) {
      RcuCallback f = h->func;
      if (f != BarrierCallback) ++counted;
      f(h);
    }
    d.n_cbs_invoked.fetch_add(counted, std::memory_order_relaxed);
    d.lock.Lock();
    d.in_flight -= n;
    d.cblist.AddLen(-n);
    if (RCU_DEBUG_CHECKS_ENABLED) d.cblist.CheckInvariants(d.in_flight);
  }
}

// srcu_gp_end(): publishes the end, then invokes the callbacks of the vCPUs
// the leaves recorded for this grace period.
void GpEnd(SrcuState* st) {
  uint64_t done;
  {
    PlainMutexLock l(st->gp_lock);
    done = SeqEndVal(st->gp_seq.load(std::memory_order_relaxed));
    // Release: the drained checks (and so every ended reader) happen
    // before a caller that sees the new gp_seq (PollState, Advance).
    st->gp_seq.store(done, std::memory_order_release);
  }
  st->n_gps.fetch_add(1, std::memory_order_relaxed);
  const int slot = static_cast<int>(SeqCtr(done) & 3);
  for (int i = st->geo.first_leaf(); i < st->geo.num_nodes(); ++i) {
    SrcuNode& n = st->nodes[i];
    uint64_t mask = 0;
    {
      PlainMutexLock l(n.lock);
      if (n.have_cbs[slot] == done) {
        mask = n.data_have_cbs[slot];
        n.data_have_cbs[slot] = 0;
      }
    }
    for (int b = 0; mask != 0; ++b, mask >>= 1) {
      if (mask & 1) InvokeCallbacks(st->sdp[n.grplo + b]);
    }
  }
}

// process_srcu(): advances `st` as far as its readers allow. Returns the
// delay before it must run again, or -1 when it has nothing left to do.
int64_t Process(SrcuState* st) {
  for (;;) {
    const uint64_t g =
        st->gp_seq.load(std::memory_order_relaxed);  // only writer
    const uint64_t state = SeqState(g);
    RCU_WARN_ON(state > kStateScan2);
    if (state == kStateIdle) {
      PlainMutexLock l(st->gp_lock);
      if (!SeqLt(g, st->gp_seq_needed)) return -1;
      // srcu_gp_start().
      st->gp_seq.store(SeqStartVal(g), std::memory_order_relaxed);
      st->gp_start_ns = NowNs();
      st->gp_retries = 0;
      continue;
    }
    const bool exp = ExpWanted(st, g);
    // Both scans check the index readers are not now using: before the
    // flip, late readers of the previous flip; after it, the old index.
    const int idx = static_cast<int>(
        (st->srcu_idx.load(std::memory_order_relaxed) & 1) ^ 1);
    if (!TryDrain(st, idx, exp)) return RetryDelayNs(st, exp);
    if (state == kStateScan1) {
      Flip(st);
      st->gp_seq.store(SeqSetState(g, kStateScan2), std::memory_order_relaxed);
    } else {
      GpEnd(st);
    }
  }
}

void GpWorker::Main() {
  pthread_setname_np(pthread_self(), "srcu_gp");
  PlainMutexLock l(mu_);
  for (;;) {
    if (park_.load(std::memory_order_relaxed)) {
      parked_ = true;
      park_cv_.NotifyAll();
      park_cv_.Wait(mu_,
                    [&] { return !park_.load(std::memory_order_relaxed); });
      parked_ = false;
      continue;
    }
    if (due_.empty()) {
      cv_.Wait(mu_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !due_.empty() || park_.load(std::memory_order_relaxed);
      });
      continue;
    }
    auto first = due_.begin();
    for (auto it = due_.begin(); it != due_.end(); ++it)
      if (it->second < first->second) first = it;
    const int64_t now = NowNs();
    if (first->second > now) {
      // Until the earliest is due, or a Kick() (maybe for an earlier time).
      const uint64_t kicks = kicks_;
      cv_.WaitFor(mu_, std::chrono::nanoseconds(first->second - now),
                  [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                    return kicks_ != kicks ||
                           park_.load(std::memory_order_relaxed);
                  });
      continue;
    }
    SrcuState* s = first->first;
    due_.erase(first);
    running_ = s;
    mu_.Unlock();
    const int64_t next = Process(s);
    mu_.Lock();
    running_ = nullptr;
    if (next >= 0) AddLocked(s, NowNs() + next);
    idle_cv_.NotifyAll();
  }
}

// ---- Callbacks. ----

// srcu_funnel_gp_start(): records that vCPU `d` needs grace period `s` and
// makes sure the grace-period thread will run it. Called inside a reader of
// the domain, so grace period `s` cannot end before the leaf records it.
void Funnel(SrcuState* st, SrcuData& d, uint64_t s, bool exp) {
  const int slot = static_cast<int>(SeqCtr(s) & 3);
  for (int i = d.leaf; i >= 0; i = st->nodes[i].parent) {
    SrcuNode& n = st->nodes[i];
    PlainMutexLock l(n.lock);
    const bool leaf = i == d.leaf;
    if (SeqGe(n.have_cbs[slot], s)) {
      // Already asked for: the leaf notes this vCPU; above it, stop.
      RCU_WARN_ON(leaf && n.have_cbs[slot] != s);
      if (leaf) n.data_have_cbs[slot] |= d.grpmask;
      if (!exp) return;
      break;
    }
    n.have_cbs[slot] = s;
    if (leaf) n.data_have_cbs[slot] |= d.grpmask;
  }
  bool kick = false;
  {
    PlainMutexLock l(st->gp_lock);
    if (SeqLt(st->gp_seq_needed, s)) {
      st->gp_seq_needed = s;
      kick = true;
    }
    if (exp &&
        SeqLt(st->gp_seq_needed_exp.load(std::memory_order_relaxed), s)) {
      st->gp_seq_needed_exp.store(s, std::memory_order_relaxed);
      kick = true;
    }
  }
  if (kick) GpWorker::Get().Kick(st, 0);
}

// srcu_gp_start_if_needed(): queues `head` (if any) on the caller's vCPU and
// asks for the grace period it needs.
void Enqueue(SrcuState* st, RcuHead* head, bool exp) {
  const int ridx = LockOn(st);
  SrcuData& d = st->sdp[ReaderCpuOf(st)];
  uint64_t s;
  {
    PlainMutexLock l(d.lock);
    if (head != nullptr) {
      d.cblist.Enqueue(head);
      d.n_cbs_queued.fetch_add(1, std::memory_order_relaxed);
    }
    // The snapshot is taken after LockOn()'s fence B, which orders the
    // caller's update before it (the kernel's smp_mb() in rcu_seq_snap()):
    // a grace period whose flip a reader of the old data saw has its start
    // (stored before fence E) seen here too, so the snapshot waits for the
    // grace period after it. It is taken before the advance: taken after
    // it, a grace period ending in between would make it one too late.
    s = SeqSnap(st->gp_seq.load(std::memory_order_acquire));
    d.cblist.Advance(st->gp_seq.load(std::memory_order_acquire));
    d.cblist.Accelerate(s);
    if (RCU_DEBUG_CHECKS_ENABLED) d.cblist.CheckInvariants(d.in_flight);
  }
  Funnel(st, d, s, exp);
  UnlockOn(st, ridx);
}

void BarrierCallback(RcuHead* head) {
  SrcuData* d = reinterpret_cast<SrcuData*>(reinterpret_cast<char*>(head) -
                                            offsetof(SrcuData, barrier_head));
  SrcuState* st = d->owner;
  // acq_rel: the callbacks this one ran after happen before the waiter's
  // return (the last decrement hands over through barrier_done_mu).
  if (st->barrier_count.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    PlainMutexLock l(st->barrier_done_mu);
    st->barrier_done = true;
    st->barrier_done_cv.NotifyAll();
  }
}

struct SyncWaiter {
  RcuHead head;  // first: the callback finds the waiter from it
  PlainMutex mu;
  PlainCondVar cv;
  bool done ABSL_GUARDED_BY(mu) = false;
};

void SyncCallback(RcuHead* head) {
  SyncWaiter* w = reinterpret_cast<SyncWaiter*>(head);
  PlainMutexLock l(w->mu);
  w->done = true;
  w->cv.NotifyAll();
}

// Counts readers and callbacks outstanding; empty when none. `*readers_out`
// (if not null) receives the readers inside.
std::string Outstanding(SrcuState* st, uint64_t* readers_out = nullptr) {
  uint64_t readers = 0;
  long cbs = 0;
  for (int idx = 0; idx < 2; ++idx) {
    const uint64_t u = SumCounts(st, idx, true, kSumLoadOrder);
    FenceA(st);  // orders the unlock sums before the lock sums
    readers += SumCounts(st, idx, false, kSumLoadOrder) - u;
  }
  if (readers_out != nullptr) *readers_out = readers;
  for (int c = 0; c < st->nr; ++c) cbs += QueuedLockless(st->sdp[c]);
  bool gp_pending;
  {
    PlainMutexLock l(st->gp_lock);
    const uint64_t g = st->gp_seq.load(std::memory_order_relaxed);
    gp_pending = SeqState(g) != kStateIdle || SeqLt(g, st->gp_seq_needed);
  }
  std::string out;
  auto add = [&out](const std::string& s) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", s);
  };
  if (readers != 0)
    add(fmt::format("{} reader(s) inside a read-side critical section",
                    readers));
  if (cbs != 0)
    add(fmt::format("{} callback(s) queued (Barrier() first)", cbs));
  if (gp_pending) add("a grace period in progress or requested");
  return out;
}

PlainMutex& InitMu() {
  // Leaked: usable during static destruction.
  static PlainMutex* mu = new PlainMutex;
  return *mu;
}

}  // namespace

void SetDrainCheckHookForTesting(DrainCheckHook hook) {
  g_drain_check_hook.store(hook, std::memory_order_relaxed);
}

void LateReaderForTesting(SrcuState* st, int idx) {
  st->sdp[0].locks[idx].fetch_add(1, std::memory_order_relaxed);
  st->sdp[0].unlocks[idx].fetch_add(1, std::memory_order_relaxed);
}

bool DrainCheckForTesting(SrcuDomain& d, int idx) {
  return ReadersDrained(d.State(), idx);
}

// ---- fork() (see fork.cc). ----

namespace {
// Every SrcuState in existence (leaked ones included), for fork().
std::mutex g_states_mu;
std::set<SrcuState*>* g_states = new std::set<SrcuState*>;  // never freed
// Set in a fork() child until the worker is restarted.
std::atomic<bool> g_srcu_restart{false};
}  // namespace

void RegisterState(SrcuState* s) {
  InstallForkHandlers();
  std::lock_guard<std::mutex> l(g_states_mu);
  g_states->insert(s);
}

void UnregisterState(SrcuState* s) {
  std::lock_guard<std::mutex> l(g_states_mu);
  g_states->erase(s);
}

void SrcuForkRegistryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  g_states_mu.lock();
}
void SrcuForkRegistryUnlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  g_states_mu.unlock();
}

void SrcuForkOuterLocks(std::vector<PlainMutex*>* v) {
  for (SrcuState* s : *g_states) v->push_back(&s->barrier_mu);
}

void SrcuForkRequestPark() {
  GpWorker::Get().park_.store(true, std::memory_order_relaxed);
}

void SrcuForkWaitParked() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GpWorker& w = GpWorker::Get();
  PlainMutexLock l(w.mu_);
  if (!w.started_) return;
  while (!w.parked_) {
    w.cv_.NotifyAll();
    w.park_cv_.WaitFor(
        w.mu_, std::chrono::milliseconds(1),
        [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(w.mu_) { return w.parked_; });
  }
}

void SrcuForkInnerLocks(std::vector<PlainMutex*>* v) {
  v->push_back(&GpWorker::Get().mu_);
  for (SrcuState* s : *g_states) {
    v->push_back(&s->gp_lock);
    for (int i = s->geo.num_nodes() - 1; i >= 0; --i)
      v->push_back(&s->nodes[i].lock);
    for (int cpu = 0; cpu < s->nr; ++cpu) v->push_back(&s->sdp[cpu].lock);
    v->push_back(&s->barrier_done_mu);
  }
}

void SrcuForkUnpark() {
  GpWorker& w = GpWorker::Get();
  {
    PlainMutexLock l(w.mu_);
    w.park_.store(false, std::memory_order_relaxed);
  }
  w.park_cv_.NotifyAll();
}

// In the child: the worker thread is gone, and so are the threads of any
// reader that was inside a critical section: their counts are dropped
// (locks == unlocks on every vCPU), so grace periods do not wait for them.
// The thread that called fork() must not itself be inside an SRCU reader.
void SrcuForkChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  GpWorker& w = GpWorker::Get();
  std::construct_at(&w.cv_);
  std::construct_at(&w.idle_cv_);
  std::construct_at(&w.park_cv_);
  w.park_.store(false, std::memory_order_relaxed);
  w.parked_ = false;
  w.running_ = nullptr;
  w.started_ = false;
  for (SrcuState* s : *g_states) {
    std::construct_at(&s->barrier_done_cv);
    // A thread of the parent may have recorded a request in the srcu_node
    // funnel (Funnel()) and not yet raised gp_seq_needed when fork()
    // struck: later requests stop at the funnel, so raise it here.
    for (int i = 0; i < s->geo.num_nodes(); ++i)
      for (uint64_t want : s->nodes[i].have_cbs)
        if (SeqLt(s->gp_seq_needed, want)) s->gp_seq_needed = want;
    for (int cpu = 0; cpu < s->nr; ++cpu) {
      SrcuData& d = s->sdp[cpu];
      for (int i = 0; i < 2; ++i)
        d.locks[i].store(d.unlocks[i].load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    }
  }
  SrcuBlocksForkChild();
  // The worker starts again on the child's first update-side call
  // (SrcuMaybeRestartAfterFork()), and processes the domains left in due_.
  g_srcu_restart.store(true, std::memory_order_relaxed);
}

void SrcuMaybeRestartAfterFork() {
  // Acquire: pairs with the release below.
  if (!g_srcu_restart.load(std::memory_order_acquire)) [[likely]]
    return;
  GpWorker& w = GpWorker::Get();
  std::lock_guard<std::mutex> sl(g_states_mu);
  PlainMutexLock l(w.mu_);
  if (!g_srcu_restart.load(std::memory_order_relaxed)) return;
  // Every domain gets a pass: a thread of the parent may have recorded a
  // grace-period request and not yet kicked the worker when fork() struck
  // (a pass with nothing to do costs one Process() call).
  for (SrcuState* s : *g_states) w.AddLocked(s, NowNs());
  if (!w.started_) {
    w.started_ = true;
    std::thread([&w] { w.Main(); }).detach();
  }
  // Release: the worker started before a caller that sees the flag clear.
  g_srcu_restart.store(false, std::memory_order_release);
}

}  // namespace internal

using internal::SrcuData;
using internal::SrcuState;

absl::StatusOr<std::unique_ptr<SrcuDomain>> SrcuDomain::Create(
    const Config& config, std::string_view name) {
  if (absl::Status s = config.Validate(); !s.ok()) return s;
  Config c = config.Resolved();
  absl::StatusOr<Geometry> g =
      Geometry::Build(c.nr_cpu_ids, c.fanout, c.fanout_leaf, c.fanout_exact);
  if (!g.ok()) return g.status();
  std::unique_ptr<SrcuDomain> d(
      new SrcuDomain(std::make_unique<SrcuState>(c, *std::move(g))));
  d->config_ = std::make_unique<Config>(c);
  d->config_->name = std::string(name);  // validated above; names nothing else
  d->name_ = d->config_->name.c_str();
  return d;
}

SrcuDomain::SrcuDomain(std::unique_ptr<SrcuState> state) {
  state_.store(state.release(), std::memory_order_release);
}

SrcuDomain::~SrcuDomain() {
  SrcuState* st = state_.load(std::memory_order_acquire);
  if (st == nullptr) return;
  internal::GpWorker::Get().Detach(st);
  std::string out = CheckOutstanding(st, SourceLocation::current());
  if (!out.empty()) {
    // Readers or callbacks may still touch it: leak it, never free it.
    std::fprintf(stderr,
                 "srcu: domain destroyed with %s; its state is leaked\n",
                 out.c_str());
    // Its readers' held-locks entries name it and can never be released.
    lockdep::ForgetLock(this);
    return;
  }
  state_.store(nullptr, std::memory_order_relaxed);
  delete st;
}

SrcuState* SrcuDomain::State() {
  // Acquire: pairs with the release publishing the state.
  SrcuState* s = state_.load(std::memory_order_acquire);
  if (__builtin_expect(s != nullptr, 1)) return s;
  return BuildState();
}

SrcuState* SrcuDomain::BuildState() {
  PlainMutexLock l(internal::InitMu());
  SrcuState* s = state_.load(std::memory_order_relaxed);
  if (s != nullptr) return s;
  Config c;
  if (config_ != nullptr) {
    c = *config_;
  } else if (const internal::ThreadRec* t = internal::tls_readers.word0.rec;
             t != nullptr && t->owner != nullptr) {
    c = t->owner->config();  // the default rcu instance's geometry
  } else {
    c = DefaultConfig().Resolved();
  }
  absl::StatusOr<Geometry> g =
      Geometry::Build(c.nr_cpu_ids, c.fanout, c.fanout_leaf, c.fanout_exact);
  RCU_CHECK(g.ok(), "SrcuDomain: cannot build the srcu_node tree");
  s = new SrcuState(c, *std::move(g));
  // Release: the built state before any use through state_.
  state_.store(s, std::memory_order_release);
  return s;
}

int SrcuDomain::ReadLockSlow(SourceLocation site) {
  SrcuState* st = State();
  if (lockdep::Enabled()) [[unlikely]]
    return ReadLockRecorded(st, site);
  return internal::LockOn(st);
}

[[gnu::noinline, gnu::cold]] int SrcuDomain::ReadLockRecorded(
    SrcuState* st, SourceLocation site) {
  const int idx = internal::LockOn(st);
  const uint32_t id =
      lockdep::Acquire(this, name_, lockdep::Kind::kSrcuReader, site);
  return idx | static_cast<int>(id << 1);
}

void SrcuDomain::ReadUnlockSlow(int idx) {
  SrcuState* st = state_.load(std::memory_order_acquire);
  RCU_CHECK(st != nullptr, "SrcuDomain::ReadUnlock without ReadLock");
  RCU_DCHECK(idx >= 0, "SrcuDomain::ReadUnlock: bad index");
  // An id above the index: lockdep recorded this reader (whether or not it
  // is still enabled).
  if (idx > 1) [[unlikely]]
    return ReadUnlockRecorded(st, idx);
  internal::UnlockOn(st, idx);
}

[[gnu::noinline, gnu::cold]] void SrcuDomain::ReadUnlockRecorded(SrcuState* st,
                                                                 int idx) {
  // That very entry goes, on whichever thread's list it is.
  lockdep::Release(this, static_cast<uint32_t>(idx) >> 1);
  internal::UnlockOn(st, idx & 1);
}

bool SrcuDomain::ReadLockHeld() const {
  if (!lockdep::Enabled()) return true;
  return lockdep::IsHeld(this);
}

void SrcuDomain::CheckWaitAllowed(const char* what,
                                  const SourceLocation& site) const {
  if (!lockdep::Enabled()) return;
  // It would wait for a grace period that waits for the caller.
  if (lockdep::IsHeld(this))
    lockdep::internal::IllegalWaitInReader(what, site, "same-domain SRCU");
  // No deadlock (SRCU grace periods ignore rcu readers), but a blocking
  // wait inside an rcu reader holds up the rcu instance's grace periods.
  if (rcu::ReadLockHeld()) {
    lockdep::internal::Splat(
        absl::StrCat("Illegal ", what, " in RCU read-side critical section"),
        site);
  }
}

std::string SrcuDomain::CheckOutstanding(SrcuState* st,
                                         const SourceLocation& site) const {
  uint64_t readers = 0;
  std::string out = internal::Outstanding(st, &readers);
  if (readers != 0 && lockdep::Enabled()) {
    lockdep::internal::Splat(
        // A null name prints as empty (fmt would throw on a null C string).
        fmt::format("SrcuDomain {} cleaned up with {} reader(s) active",
                    name_ != nullptr ? name_ : "", readers),
        site);
  }
  return out;
}

void SrcuDomain::Call(RcuHead* head, RcuCallback func) {
  internal::SrcuMaybeRestartAfterFork();
  head->func = func;
  internal::Enqueue(State(), head, /*exp=*/false);
}

namespace {
void SyncImpl(SrcuState* st, bool exp) {
  internal::SyncWaiter w;
  w.head.func = internal::SyncCallback;
  internal::Enqueue(st, &w.head, exp);
  {
    PlainMutexLock l(w.mu);
    w.cv.Wait(w.mu,
              [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(w.mu) { return w.done; });
  }
  // The caller may have taken no part in the grace period: order its later
  // accesses after it (the kernel's smp_mb() after the wait).
  std::atomic_thread_fence(std::memory_order_seq_cst);
}
}  // namespace

void SrcuDomain::Synchronize(SourceLocation site) {
  internal::SrcuMaybeRestartAfterFork();
  CheckWaitAllowed("SrcuDomain::Synchronize()", site);
  SyncImpl(State(), false);
}
void SrcuDomain::SynchronizeExpedited(SourceLocation site) {
  internal::SrcuMaybeRestartAfterFork();
  CheckWaitAllowed("SrcuDomain::SynchronizeExpedited()", site);
  SyncImpl(State(), true);
}

void SrcuDomain::Barrier(SourceLocation site) {
  internal::SrcuMaybeRestartAfterFork();
  CheckWaitAllowed("SrcuDomain::Barrier()", site);
  SrcuState* st = State();
  // Orders the caller's earlier Call()s before the snapshot.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint64_t snap =
      SeqSnap(st->barrier_seq.load(std::memory_order_acquire));
  PlainMutexLock bl(st->barrier_mu);
  if (SeqDone(st->barrier_seq.load(std::memory_order_acquire), snap)) {
    // A pass that started after our snapshot did our work.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return;
  }
  st->barrier_seq.store(
      SeqStartVal(st->barrier_seq.load(std::memory_order_relaxed)),
      std::memory_order_relaxed);
  {
    PlainMutexLock l(st->barrier_done_mu);
    st->barrier_done = false;
  }
  // The initial count of 1 keeps the count above zero until every vCPU was
  // visited: a callback entrained early may run (and decrement) before
  // later vCPUs are entrained. Each vCPU's count is added before its
  // entrain, so it is never taken back before it was added.
  st->barrier_count.store(1, std::memory_order_relaxed);
  for (int c = 0; c < st->nr; ++c) {
    SrcuData& d = st->sdp[c];
    PlainMutexLock l(d.lock);
    st->barrier_count.fetch_add(1, std::memory_order_relaxed);
    d.barrier_head.func = internal::BarrierCallback;
    if (!d.cblist.Entrain(&d.barrier_head))
      st->barrier_count.fetch_sub(1, std::memory_order_relaxed);
  }
  st->n_barriers.fetch_add(1, std::memory_order_relaxed);
  // acq_rel: as in BarrierCallback.
  if (st->barrier_count.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    PlainMutexLock l(st->barrier_done_mu);
    st->barrier_done = true;
  }
  {
    PlainMutexLock l(st->barrier_done_mu);
    st->barrier_done_cv.Wait(
        st->barrier_done_mu,
        [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(st->barrier_done_mu) {
          return st->barrier_done;
        });
  }
  // Release: a later caller whose snapshot this pass reached may return.
  st->barrier_seq.store(
      SeqEndVal(st->barrier_seq.load(std::memory_order_relaxed)),
      std::memory_order_release);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

uint64_t SrcuDomain::GetState() {
  SrcuState* st = State();
  // Orders the caller's earlier updates before the snapshot.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return SeqSnap(st->gp_seq.load(std::memory_order_acquire));
}

uint64_t SrcuDomain::StartPoll() {
  internal::SrcuMaybeRestartAfterFork();
  SrcuState* st = State();
  std::atomic_thread_fence(std::memory_order_seq_cst);  // as in GetState()
  const uint64_t cookie = SeqSnap(st->gp_seq.load(std::memory_order_acquire));
  internal::Enqueue(st, nullptr, /*exp=*/false);
  return cookie;
}

bool SrcuDomain::PollState(uint64_t cookie) {
  SrcuState* st = State();
  // Acquire: pairs with GpEnd()'s release.
  const bool done =
      SeqDoneExact(st->gp_seq.load(std::memory_order_acquire), cookie);
  // Orders the caller's later accesses after the check.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return done;
}

absl::Status SrcuDomain::Cleanup(SourceLocation site) {
  PlainMutexLock l(internal::InitMu());
  SrcuState* st = state_.load(std::memory_order_acquire);
  if (st == nullptr) return absl::OkStatus();
  // Detach first: the grace-period thread may still be finishing the pass
  // that woke the last waiter (its callback counts stay on the lists until
  // then).
  internal::GpWorker::Get().Detach(st);
  std::string out = CheckOutstanding(st, site);
  if (!out.empty()) {
    internal::GpWorker::Get().Kick(st, 0);  // resume whatever is pending
    return absl::FailedPreconditionError(
        absl::StrCat("SrcuDomain::Cleanup: ", out, "; nothing freed"));
  }
  state_.store(nullptr, std::memory_order_release);
  delete st;
  return absl::OkStatus();
}

SrcuStats SrcuDomain::GetStats() {
  SrcuState* st = State();
  SrcuStats s;
  s.gp_seq = st->gp_seq.load(std::memory_order_acquire);
  s.gps_completed = st->n_gps.load(std::memory_order_relaxed);
  s.flips = st->n_flips.load(std::memory_order_relaxed);
  s.barriers = st->n_barriers.load(std::memory_order_relaxed);
  s.nr_cpu_ids = st->nr;
  s.num_nodes = st->geo.num_nodes();
  s.counter_slot = st->fast_slot;
  s.reader_fences = st->reader_fences;
  for (int c = 0; c < st->nr; ++c) {
    SrcuData& d = st->sdp[c];
    s.cbs_queued += d.n_cbs_queued.load(std::memory_order_relaxed);
    s.cbs_invoked += d.n_cbs_invoked.load(std::memory_order_relaxed);
    s.cbs_pending += internal::QueuedLockless(d);
  }
  constexpr auto kRelaxed = std::memory_order_relaxed;
  const uint64_t unlocks = internal::SumCounts(st, 0, true, kRelaxed) +
                           internal::SumCounts(st, 1, true, kRelaxed);
  // Orders the unlock sums before the lock sums (as fence A; a statistic,
  // so a plain fence: a reader just beginning may be missed).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  s.readers_active = internal::SumCounts(st, 0, false, kRelaxed) +
                     internal::SumCounts(st, 1, false, kRelaxed) - unlocks;
  return s;
}

int SrcuDomain::nr_cpu_ids() { return State()->nr; }
uint64_t SrcuDomain::GpSeq() {
  return State()->gp_seq.load(std::memory_order_acquire);
}
int SrcuDomain::ReaderCpu() { return internal::ReaderCpuOf(State()); }

std::string SrcuDomain::TortureStats() {
  SrcuState* st = State();
  const int idx =
      static_cast<int>(st->srcu_idx.load(std::memory_order_relaxed) & 1);
  std::string out = fmt::format(
      "Tree SRCU g{} state 8 (SRCU_SIZE_BIG) per-CPU(idx={}):",
      static_cast<int64_t>(st->gp_seq.load(std::memory_order_relaxed)), idx);
  // Per vCPU: its own counters, plus those of thread block i when
  // i % nr_cpu_ids is that vCPU. Unlocks are loaded before locks (then an
  // acquire fence: loads are not reordered with loads after it), so a lock
  // is counted when its unlock is.
  constexpr auto kRelaxed = std::memory_order_relaxed;
  std::vector<uint64_t> counts(4 * static_cast<size_t>(st->nr));
  auto at = [&](int cpu, bool lock, int i) -> uint64_t& {
    return counts[4 * static_cast<size_t>(cpu) + (lock ? 2 : 0) + i];
  };
  auto gather = [&](bool lock) {
    for (int c = 0; c < st->nr; ++c)
      for (int i = 0; i < 2; ++i)
        at(c, lock, i) =
            (lock ? st->sdp[c].locks[i] : st->sdp[c].unlocks[i]).load(kRelaxed);
    if (st->fast_slot < 0) return;
    internal::ForEachSrcuBlock([&](const internal::SrcuBlock& b) {
      const internal::SrcuSlotCounters& k = b.slot[st->fast_slot];
      for (int i = 0; i < 2; ++i)
        at(b.index % st->nr, lock, i) += internal::SrcuCounterLoad(
            lock ? k.locks[i] : k.unlocks[i], kRelaxed);
    });
  };
  gather(/*lock=*/false);
  std::atomic_thread_fence(std::memory_order_acquire);
  gather(/*lock=*/true);
  int64_t s0 = 0, s1 = 0;
  for (int c = 0; c < st->nr; ++c) {
    SrcuData& d = st->sdp[c];
    const int64_t c0 =
        static_cast<int64_t>(at(c, true, !idx) - at(c, false, !idx));
    const int64_t c1 =
        static_cast<int64_t>(at(c, true, idx) - at(c, false, idx));
    fmt::format_to(std::back_inserter(out), " {}({},{} {})", c, c0, c1,
                   internal::QueuedLockless(d) == 0 ? '.' : 'C');
    s0 += c0;
    s1 += c1;
  }
  fmt::format_to(std::back_inserter(out), " T({},{})", s0, s1);
  return out;
}

}  // namespace rcu

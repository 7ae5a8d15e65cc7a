// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_srcu.cc: the SRCU flavours, on rcu::SrcuDomain (rcu/srcu.h).
//
//   srcu         a static domain (namespace scope, built at first use)
//   srcud        a domain made with SrcuDomain::Create() in init() and
//                freed with Cleanup() in cleanup()
//   srcu-busted  readers in one domain, grace periods and callbacks in
//                another: SRCU protects only its own domain's readers, so
//                the run must end in FAILURE
//
// vCPUs. The run's vCPUs are those of the default rcu instance, built from
// all the rcutree.* parameters (RcuConfigFromParams(), rcu_config.h: the
// same instance the rcu flavour would build, offloading, GP delays and
// stall timeout included); every torture thread registers with it, so an
// SRCU reader counts on the vCPU its thread is attached to (srcu.h), CPU
// hotplug (onoff) evicts and moves threads, and the preemption point
// migrates a reader to another vCPU inside its critical section: its unlock
// then counts on another vCPU than its lock. The domains have the same
// geometry (nr_cpus, rcu_fanout, rcu_fanout_leaf, rcu_fanout_exact).
//
// Readers. TortureOps::readlock()/readunlock() carry no index, so each
// thread keeps the indexes of its nested ReadLock()s in a thread-local
// stack (the harness nests and unnests LIFO). At preemption points a reader
// sometimes sleeps (SRCU readers may block), as the kernel's
// srcu_read_delay(). The irq reader (irq_capable) reads in a signal
// handler: SrcuDomain's read side is async-signal-safe (rcu/srcu.h), and
// the stack is too, since a push reserves its slot before filling it and
// a pop takes the index before freeing its slot, so a handler's balanced
// pushes and pops in between use only slots above the interrupted one.
//
// Cleanup barriers: the domain's Barrier() is cb_barrier ("srcu_barrier");
// init() also registers the default rcu instance's Barrier() (its vCPUs are
// in use) and, for srcu-busted, the readers' domain's, so that the cleanup
// runs every barrier in use, concurrently (torture.h).
//
// Lockdep-RCU: the domains are named srcu_ctl (static), srcu_ctld and
// srcu_ctld_readers in the held-locks lists of splats, and read_lock_held
// is the readers' domain's ReadLockHeld().
//
// Stats line: the kernel's Tree SRCU per-vCPU line, e.g.
//   srcud-torture: Tree SRCU g-1180 state 8 (SRCU_SIZE_BIG) per-CPU(idx=1):
//   0(0,1 .) 1(-1,0 C) ... T(0,1)
// (c0, c1: locks - unlocks of the inactive and active index on that vCPU;
// C: callbacks queued there).
#include <sched.h>

#include <atomic>
#include <memory>
#include <thread>

#include "fmt/format.h"
#include "rcu/rcu.h"
#include "rcu/seq.h"
#include "rcu/srcu.h"
#include "torture/flavours/flavours.h"
#include "torture/flavours/rcu_config.h"
#include "torture/runtime/cleanup_barriers.h"
#include "torture/runtime/output.h"
#include "torture/runtime/thread.h"

namespace torture {
namespace {

static_assert(sizeof(rcu::RcuHead) <= sizeof(TortureHead::impl),
              "rcu::RcuHead must fit in TortureHead::impl");

// The static domain of `srcu` (the kernel's DEFINE_STATIC_SRCU(srcu_ctl)).
rcu::SrcuDomain g_srcu_static{"srcu_ctl"};
// srcud's domain, and srcu-busted's two. Written by init()/cleanup() on the
// main thread while no torture thread exists.
std::unique_ptr<rcu::SrcuDomain> g_srcu_dyn;
std::unique_ptr<rcu::SrcuDomain> g_srcu_busted_readers;
// The domain updaters use; readers use g_read (the same except for
// srcu-busted).
rcu::SrcuDomain* g_upd = nullptr;
rcu::SrcuDomain* g_read = nullptr;

// The per-thread stack of reader indexes, by nesting depth.
constexpr int kMaxNest = 64;
thread_local int tls_idx[kMaxNest];
thread_local int tls_depth = 0;

absl::Status InitVcpus(const Params& p) {
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
  if (!c.ok()) return c.status();
  // Nothing builds the default instance before the flavour's init(): it
  // is built here, from every rcutree.* parameter, or the run stops.
  if (absl::Status st = rcu::InitDefault(*c); !st.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "bad rcutree configuration: {}", std::string(st.message())));
  }
  RegisterCleanupBarrier("rcu_barrier", [] { rcu::Barrier(); });
  return absl::OkStatus();
}

// `name`: the domain's name in lockdep-RCU splats.
absl::StatusOr<std::unique_ptr<rcu::SrcuDomain>> MakeDomain(const Params& p,
                                                            const char* name) {
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
  if (!c.ok()) return c.status();
  c->online_at_start = -1;
  c->name = "srcu";
  auto d = rcu::SrcuDomain::Create(*c, name);
  if (!d.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "bad SRCU configuration: {}", std::string(d.status().message())));
  }
  return d;
}

absl::Status SrcuInit(const Params& p) {
  if (absl::Status st = InitVcpus(p); !st.ok()) return st;
  // Build the static domain now, from a thread registered with the default
  // instance, so that it takes the scenario's geometry.
  std::thread([] {
    rcu::ScopedThread reg;
    (void)g_srcu_static.GetState();
  }).join();
  g_upd = g_read = &g_srcu_static;
  return absl::OkStatus();
}

absl::Status SrcudInit(const Params& p) {
  if (absl::Status st = InitVcpus(p); !st.ok()) return st;
  auto d = MakeDomain(p, "srcu_ctld");
  if (!d.ok()) return d.status();
  g_srcu_dyn = *std::move(d);
  g_upd = g_read = g_srcu_dyn.get();
  return absl::OkStatus();
}

absl::Status BustedInit(const Params& p) {
  if (absl::Status st = SrcudInit(p); !st.ok()) return st;
  auto d = MakeDomain(p, "srcu_ctld_readers");
  if (!d.ok()) return d.status();
  g_srcu_busted_readers = *std::move(d);
  g_read = g_srcu_busted_readers.get();
  RegisterCleanupBarrier("srcu_barrier(readers' domain)",
                         [] { g_read->Barrier(); });
  return absl::OkStatus();
}

void SrcuCleanup() { g_upd = g_read = nullptr; }
void SrcudCleanup() {
  g_upd = g_read = nullptr;
  CleanupSrcuDomain(g_srcu_busted_readers, "");
  CleanupSrcuDomain(g_srcu_dyn, "");
}

// The domain's shape, then the vCPU instance's as the rcu flavour's
// describe line gives it, with the rest of its configuration.
std::string Describe() {
  rcu::Rcu& r = rcu::Default();
  return fmt::format(
      "{}: srcu_node tree of {} vCPUs ({} online), {} nodes; vCPUs: {}",
      TortureType(), g_upd->nr_cpu_ids(), r.num_online_cpus(),
      g_upd->GetStats().num_nodes,
      DescribeRcu(r, /*tunables=*/true, /*max_tree_chars=*/200));
}

void ThreadInit(int cpu) {
  if (cpu >= 0 && !rcu::Default().CpuOnline(cpu)) cpu = -1;
  rcu::Default().RegisterThread(cpu);
  // With lockdep-RCU on, the thread's held-locks list now exists, so that
  // an irq reader's first record allocates nothing (rcu/lockdep.h).
  g_read->ReadUnlock(g_read->ReadLock());
}
void ThreadExit() {
  if (tls_depth != 0) {
    TortureWarn("srcu thread_exit", "thread exits inside an SRCU reader");
  }
  rcu::Default().UnregisterThread();
}

void ReadLock() {
  if (tls_depth >= kMaxNest) {
    TortureWarn("srcu readlock", "SRCU reader nesting too deep");
    return;
  }
  const int idx = g_read->ReadLock();
  const int d = tls_depth++;
  // Compiler-only: the slot is reserved before it is filled (file comment).
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tls_idx[d] = idx;
}
void ReadUnlock() {
  if (tls_depth <= 0) {
    TortureWarn("srcu readunlock", "SRCU unlock without a lock");
    return;
  }
  const int idx = tls_idx[tls_depth - 1];
  // Compiler-only: the index is taken before the slot is freed.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  --tls_depth;
  g_read->ReadUnlock(idx);
}
// Whether the thread holds a reader of the domain its readers use (lockdep:
// --lockdep checks the readers' dereferences against it).
bool ReadLockHeld() { return g_read->ReadLockHeld(); }

// A preemption point inside a reader: migrate to a random online vCPU (the
// unlock then counts there), and sometimes sleep (srcu_read_delay()).
void Preempt(TortureRandom& r) {
  rcu::Rcu& d = rcu::Default();
  const int n = d.nr_cpu_ids();
  for (int tries = 0; tries < 4; ++tries) {
    int cpu = static_cast<int>(r() % n);
    if (d.CpuOnline(cpu)) {
      d.MigrateSelf(cpu);
      break;
    }
  }
  if (r() % 8 == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + r() % 10));
  } else {
    sched_yield();
  }
}

uint64_t GpSeq() { return g_upd->GpSeq(); }
uint64_t GpDiff(uint64_t n, uint64_t o) { return rcu::SeqDiff(n, o); }
void Sync() { g_upd->Synchronize(); }
void ExpSync() { g_upd->SynchronizeExpedited(); }
uint64_t GetState() { return g_upd->GetState(); }
uint64_t StartPoll() { return g_upd->StartPoll(); }
bool PollState(uint64_t c) { return g_upd->PollState(c); }

void Trampoline(rcu::RcuHead* head) {
  TortureHead* h = reinterpret_cast<TortureHead*>(head);  // impl at offset 0
  h->func(h);
}
void Call(TortureHead* h, void (*func)(TortureHead*)) {
  h->func = func;
  g_upd->Call(new (h->impl) rcu::RcuHead, Trampoline);
}
void Barrier() { g_upd->Barrier(); }

std::string Stats() {
  std::string s = g_upd->TortureStats();
  if (g_read != g_upd)
    s += "\n" + TortureType() +
         "-torture: readers' domain: " + g_read->TortureStats();
  return s;
}
std::string Dbg() {
  rcu::SrcuStats st = g_upd->GetStats();
  return fmt::format(
      "srcu: g{} gps {} flips {} cbs queued/invoked/pending {}/{}/{} readers "
      "{}",
      static_cast<int64_t>(st.gp_seq), st.gps_completed, st.flips,
      st.cbs_queued, st.cbs_invoked, st.cbs_pending, st.readers_active);
}
void GpData(int* flags, uint64_t* seq) {
  *flags = 0;
  *seq = g_upd->GpSeq();
}
uint64_t TotalGps() { return g_upd->GetStats().gps_completed; }
const char* Mode() { return "srcu-fences"; }
int Online() { return rcu::Default().num_online_cpus(); }
int CurrentCpu() { return rcu::Default().CurrentCpu(); }
void Migrate(int cpu) {
  if (rcu::Default().CpuOnline(cpu)) rcu::Default().MigrateSelf(cpu);
}
int Possible() { return rcu::Default().nr_cpu_ids(); }
bool CpuOnline(int cpu) { return rcu::Default().CpuOnline(cpu); }
bool StatusToBool(const absl::Status& st, std::string* err) {
  if (st.ok()) return true;
  if (err != nullptr) *err = std::string(st.message());
  return false;
}
bool OnlineCpu(int cpu, std::string* err) {
  return StatusToBool(rcu::Default().OnlineCpu(cpu), err);
}
bool OfflineCpu(int cpu, std::string* err) {
  return StatusToBool(rcu::Default().OfflineCpu(cpu), err);
}

TortureOps MakeOps(const char* name, absl::Status (*init)(const Params&),
                   void (*cleanup)()) {
  return TortureOps{
      .name = name,
      .init = init,
      .cleanup = cleanup,
      .describe = Describe,
      .thread_init = ThreadInit,
      .thread_exit = ThreadExit,
      .readlock = ReadLock,
      .readunlock = ReadUnlock,
      .read_lock_held = ReadLockHeld,
      .preempt = Preempt,
      .get_gp_seq = GpSeq,
      .gp_diff = GpDiff,
      .deferred_free = CallDeferredFree,
      .sync = Sync,
      .exp_sync = ExpSync,
      .get_gp_state = GetState,
      .start_gp_poll = StartPoll,
      .poll_gp_state = PollState,
      .call = Call,
      .cb_barrier = Barrier,
      .cb_barrier_name = "srcu_barrier",
      .stats = Stats,
      .gp_kthread_dbg = Dbg,
      .get_gp_data = GpData,
      .total_gps = TotalGps,
      .reader_mode = Mode,
      .num_online_cpus = Online,
      .current_cpu = CurrentCpu,
      .migrate = Migrate,
      .num_possible_cpus = Possible,
      .cpu_online = CpuOnline,
      .online_cpu = OnlineCpu,
      .offline_cpu = OfflineCpu,
      .exp_completes_gp_state = true,
      // The read side is async-signal-safe (readers, above).
      .irq_capable = true,
      .cbflood_max = 50000,
  };
}

}  // namespace

// The dynamic domains' cleanup_srcu_struct() (the static one stays). A
// polled grace period the writer started and nobody waited for may still
// be pending after the barriers; Synchronize() lets it end first.
void CleanupSrcuDomain(std::unique_ptr<rcu::SrcuDomain>& d,
                       std::string_view what) {
  if (d == nullptr) return;
  d->Synchronize();
  if (absl::Status st = d->Cleanup(); !st.ok()) {
    TortureError(fmt::format("{}cleanup_srcu_struct({}): {}", what, d->name(),
                             std::string(st.message())));
    (void)d.release();  // leaked, as its Cleanup() refused to free it
    return;
  }
  d.reset();
}

const TortureOps kSrcuOps = MakeOps("srcu", SrcuInit, SrcuCleanup);
const TortureOps kSrcudOps = MakeOps("srcud", SrcudInit, SrcudCleanup);
const TortureOps kSrcuBustedOps =
    MakeOps("srcu-busted", BustedInit, SrcudCleanup);

}  // namespace torture

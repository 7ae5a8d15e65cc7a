// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_rcu.cc: the `rcu` flavour, our Tree RCU (rcu/).
//
// One rcu::Rcu instance per run, built from all the rcutree.* parameters
// (RcuConfigFromParams(), rcu_config.h). Every torture thread registers
// with it on a vCPU; readers start on vCPU id % online, and the shuffler
// moves threads between vCPUs.
// The readers' preemption points migrate the reader to a random vCPU
// *inside* its critical section (Rcu::MigrateSelf), which queues it as a
// blocked reader of its old leaf: the case preemptible RCU exists for.
//
// Primitives: sync = Synchronize, exp_sync = SynchronizeExpedited, the
// polled and conditional API (GetState/StartPoll/PollState/CondSynchronize),
// call = Call, cb_barrier = Barrier, fqs = ForceQs; get_gp_seq = GpSeq
// with rcu::SeqDiff as gp_diff (grace periods ended between two samples).
//
// Stall warnings: the instance's stall timeout is rcutree.
// rcu_cpu_stall_timeout (s), and its reports go to the console log, each
// line as "<type>-torture: rcu: INFO: ..." (ConsoleLineSink()), where the
// stall test (stall.cc) expects them and parse scripts find them.
#include <sched.h>

#include <chrono>
#include <memory>
#include <thread>

#include "fmt/format.h"
#include "rcu/lockdep.h"
#include "rcu/rcu.h"
#include "rcu/seq.h"
#include "rcu/tree.h"
#include "torture/flavours/flavours.h"
#include "torture/flavours/rcu_config.h"
#include "torture/runtime/cleanup_barriers.h"
#include "torture/runtime/output.h"
#include "torture/runtime/thread.h"

namespace torture {
namespace {

static_assert(sizeof(rcu::RcuHead) <= sizeof(TortureHead::impl),
              "rcu::RcuHead must fit in TortureHead::impl");

// The instance under test. Written by init()/cleanup() on the main thread
// while no torture thread exists; read by torture threads in between.
rcu::Rcu* g_rcu = nullptr;
std::unique_ptr<rcu::Rcu> g_owner;

absl::Status InitInstance(const Params& p, bool qsbr) {
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
  if (!c.ok()) return c.status();
  c->qsbr = qsbr;
  absl::StatusOr<std::unique_ptr<rcu::Rcu>> r = rcu::Rcu::Create(*c);
  if (!r.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "bad rcutree configuration: {}", std::string(r.status().message())));
  }
  g_owner = std::move(*r);
  g_rcu = g_owner.get();
  return absl::OkStatus();
}
absl::Status RcuInit(const Params& p) { return InitInstance(p, false); }

void RcuCleanup() {
  g_rcu = nullptr;
  g_owner.reset();
}

std::string RcuDescribe() { return DescribeRcu(*g_rcu); }

void RcuThreadInit(int cpu) {
  if (cpu >= 0 && !g_rcu->CpuOnline(cpu)) cpu = -1;
  g_rcu->RegisterThread(cpu);
}
void RcuThreadExit() { g_rcu->UnregisterThread(); }
void RcuReadLock() { g_rcu->ReadLock(); }
void RcuReadUnlock() { g_rcu->ReadUnlock(); }
bool RcuReadLockHeld() { return g_rcu->ReadLockHeld(); }

// A preemption point inside a reader: migrate to a random online vCPU
// (inside the critical section), then let the OS run something else.
void RcuPreempt(TortureRandom& r) {
  int n = g_rcu->nr_cpu_ids();
  for (int tries = 0; tries < 4; ++tries) {
    int cpu = static_cast<int>(r() % n);
    if (g_rcu->CpuOnline(cpu)) {
      g_rcu->MigrateSelf(cpu);
      break;
    }
  }
  sched_yield();
}

int RcuPossible() { return g_rcu->nr_cpu_ids(); }
bool RcuCpuOnline(int cpu) { return g_rcu->CpuOnline(cpu); }
bool StatusToBool(const absl::Status& st, std::string* err) {
  if (st.ok()) return true;
  if (err != nullptr) *err = std::string(st.message());
  return false;
}
bool RcuOnlineCpu(int cpu, std::string* err) {
  return StatusToBool(g_rcu->OnlineCpu(cpu), err);
}
bool RcuOfflineCpu(int cpu, std::string* err) {
  return StatusToBool(g_rcu->OfflineCpu(cpu), err);
}
bool RcuCpuOffloaded(int cpu) { return g_rcu->CpuOffloaded(cpu); }
bool RcuSetOffloaded(int cpu, bool on, std::string* err) {
  return StatusToBool(g_rcu->SetOffloaded(cpu, on), err);
}

uint64_t RcuGpSeq() { return g_rcu->GpSeq(); }
uint64_t RcuGpDiff(uint64_t n, uint64_t o) { return rcu::SeqDiff(n, o); }
void RcuSync() { g_rcu->Synchronize(); }
void RcuExpSync() { g_rcu->SynchronizeExpedited(); }
uint64_t RcuGetState() { return g_rcu->GetState(); }
uint64_t RcuStartPoll() { return g_rcu->StartPoll(); }
bool RcuPollState(uint64_t c) { return g_rcu->PollState(c); }
void RcuCondSync(uint64_t c) { g_rcu->CondSynchronize(c); }

void RcuTrampoline(rcu::RcuHead* head) {
  // impl is at offset 0 of TortureHead.
  TortureHead* h = reinterpret_cast<TortureHead*>(head);
  h->func(h);
}
void RcuCall(TortureHead* h, void (*func)(TortureHead*)) {
  h->func = func;
  rcu::RcuHead* rh = new (h->impl) rcu::RcuHead;
  g_rcu->Call(rh, RcuTrampoline);
}
void RcuBarrier() { g_rcu->Barrier(); }
void RcuFqs() { g_rcu->ForceQs(); }
int RcuStallDurMs() { return g_rcu->config().stall_timeout_ms; }
uint64_t RcuStallWarnings() { return g_rcu->GetStats().stalls; }

std::string RcuStats() {
  rcu::RcuStats st = g_rcu->GetStats();
  return fmt::format(
      "rcu: g{} gps: {} exp: {} fqs: {} cbs queued/invoked: {}/{} barriers: {} "
      "qs rcuc/unlock/fqs: "
      "{}/{}/{} blkd: {} threads: {} gp_state: {} ofl-fixups: {} "
      "gp-start-stalls: {} gp-starved: {} boosts: {}/{}",
      static_cast<int64_t>(st.gp_seq), st.gps_completed, st.exp_completed,
      st.fqs_scans, st.cbs_queued, st.cbs_invoked, st.barriers, st.qs_rcuc,
      st.qs_unlock, st.qs_fqs, st.blocked_readers, st.registered_threads,
      rcu::GpStateName(st.gp_state), st.fqs_offline_fixups, st.gp_start_stalls,
      st.gp_kthread_starved, st.boosts, st.boosts_undone_by_scan);
}
bool RcuCanBoost() { return g_rcu->config().boost; }
uint64_t RcuOfflineQsFixups() { return g_rcu->GetStats().fqs_offline_fixups; }
uint64_t RcuCallbacksOutstanding() {
  const rcu::RcuStats st = g_rcu->GetStats();
  return st.cbs_queued - st.cbs_invoked;
}
uint64_t RcuGpStartStalls() { return g_rcu->GetStats().gp_start_stalls; }
uint64_t RcuGpKthreadStarved() { return g_rcu->GetStats().gp_kthread_starved; }
void RcuStallGpKthread(int ms) { g_rcu->SetGpThreadTortureWait(ms); }
void RcuExpediteGp() { g_rcu->ExpediteGp(); }
void RcuUnexpediteGp() { g_rcu->UnexpediteGp(); }
uint64_t RcuStartPollExp() { return g_rcu->StartPollExpedited(); }
void RcuCondSyncExp(uint64_t c) { g_rcu->CondSynchronizeExpedited(c); }
GpFullCookie ToTorture(const rcu::Rcu::FullCookie& f) {
  return GpFullCookie{f.norm, f.exp};
}
rcu::Rcu::FullCookie FromTorture(const GpFullCookie& c) {
  return rcu::Rcu::FullCookie{c.a, c.b};
}
void RcuGetStateFull(GpFullCookie* c) { *c = ToTorture(g_rcu->GetStateFull()); }
void RcuStartPollFull(GpFullCookie* c) {
  *c = ToTorture(g_rcu->StartPollFull());
}
void RcuStartPollExpFull(GpFullCookie* c) {
  *c = ToTorture(g_rcu->StartPollExpeditedFull());
}
bool RcuPollStateFull(const GpFullCookie& c) {
  return g_rcu->PollStateFull(FromTorture(c));
}
void RcuCondSyncFull(const GpFullCookie& c) {
  g_rcu->CondSynchronizeFull(FromTorture(c));
}
void RcuCondSyncExpFull(const GpFullCookie& c) {
  g_rcu->CondSynchronizeExpeditedFull(FromTorture(c));
}
std::string RcuDbg() { return g_rcu->DumpGpState(); }
void RcuGpData(int* flags, uint64_t* seq) {
  rcu::RcuStats st = g_rcu->GetStats();
  *flags = static_cast<int>(st.gp_state);
  *seq = st.gp_seq;
}
uint64_t RcuTotalGps() { return g_rcu->GetStats().gps_completed; }
const char* RcuMode() { return rcu::ReaderModeName(g_rcu->reader_mode()); }
int RcuOnline() { return g_rcu->num_online_cpus(); }
int RcuCurrentCpu() { return g_rcu->CurrentCpu(); }
void RcuMigrate(int cpu) {
  if (g_rcu->CpuOnline(cpu)) g_rcu->MigrateSelf(cpu);
}

// busted-nesting: the rcu flavour with nesting implemented wrongly (the
// first unlock of a nest ends the critical section; the next lock starts a
// new one). Each nesting transition (new locks, then the old unlocks) then
// leaves the reader unprotected through its delay while it still holds the
// element: a bug in reader extension, like the kernel's busted_srcud.
thread_local bool bn_held = false;
void BustedNestLock() {
  if (!bn_held) {
    g_rcu->ReadLock();
    bn_held = true;
  }
}
void BustedNestUnlock() {
  if (bn_held) {
    g_rcu->ReadUnlock();
    bn_held = false;
  }
}

// busted-barrier: cb_barrier returns without waiting for anything.
void NoBarrier() {}

// busted-lockdep: readers take no read lock (their loads of `current` are
// then unprotected, which lockdep-RCU must report); lockdep-RCU is turned
// on whatever --lockdep says.
void NoReadLock() {}
absl::Status BustedLockdepInit(const Params& p) {
  absl::Status st = RcuInit(p);
  if (st.ok()) rcu::lockdep::SetEnabled(true);
  return st;
}

// rcu-qsbr: the instance is QSBR (rcu::Config::qsbr, tree.h "QSBR"). Its
// read side compiles to nothing in release builds; every torture loop's
// quiescent_state() ends the thread's implicit critical section, and
// thread_offline()/thread_online() surround its sleeps.
absl::Status RcuQsbrInit(const Params& p) { return InitInstance(p, true); }
void QsbrReadLock() { g_rcu->QsbrReadLock(); }
void QsbrReadUnlock() { g_rcu->QsbrReadUnlock(); }
void QsbrQuiescentState() { g_rcu->QuiescentState(); }
void QsbrThreadOffline() { g_rcu->ThreadOffline(); }
void QsbrThreadOnline() { g_rcu->ThreadOnline(); }

// busted-qsbr: a reader that announces a quiescent state inside its
// critical section, at its preemption points (release builds: the grace
// period may then end under it; debug builds: the library's check aborts).
// Then it lets the writer run, so that the element it holds is recycled.
void QsbrBustedPreempt(TortureRandom& r) {
  g_rcu->QuiescentState();
  RcuPreempt(r);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// busted-qsbr's read-side lock: the reader announces a quiescent state
// right after it begins, so every critical section, not only those that
// reach a preemption point, is left unprotected (with the preemption
// points alone a 6 s run saw a pipe count of 2 a few times, and sometimes
// never: the negative control did not fail every time).
void QsbrBustedReadLock() {
  g_rcu->QsbrReadLock();
  if (!g_rcu->ReadLockHeld()) return;
  g_rcu->QuiescentState();
}

}  // namespace

const TortureOps kRcuOps = {
    .name = "rcu",
    .init = RcuInit,
    .cleanup = RcuCleanup,
    .describe = RcuDescribe,
    .thread_init = RcuThreadInit,
    .thread_exit = RcuThreadExit,
    .readlock = RcuReadLock,
    .readunlock = RcuReadUnlock,
    .read_lock_held = RcuReadLockHeld,
    .preempt = RcuPreempt,
    .get_gp_seq = RcuGpSeq,
    .gp_diff = RcuGpDiff,
    .deferred_free = CallDeferredFree,
    .sync = RcuSync,
    .exp_sync = RcuExpSync,
    .get_gp_state = RcuGetState,
    .start_gp_poll = RcuStartPoll,
    .poll_gp_state = RcuPollState,
    .cond_sync = RcuCondSync,
    .get_gp_state_exp = RcuGetState,
    .start_gp_poll_exp = RcuStartPollExp,
    .poll_gp_state_exp = RcuPollState,
    .cond_sync_exp = RcuCondSyncExp,
    .call = RcuCall,
    .cb_barrier = RcuBarrier,
    .cb_barrier_name = "rcu_barrier",
    .fqs = RcuFqs,
    .stats = RcuStats,
    .gp_kthread_dbg = RcuDbg,
    .get_gp_data = RcuGpData,
    .total_gps = RcuTotalGps,
    .reader_mode = RcuMode,
    .stall_dur_ms = RcuStallDurMs,
    .stall_warnings = RcuStallWarnings,
    .num_online_cpus = RcuOnline,
    .current_cpu = RcuCurrentCpu,
    .migrate = RcuMigrate,
    .num_possible_cpus = RcuPossible,
    .cpu_online = RcuCpuOnline,
    .online_cpu = RcuOnlineCpu,
    .offline_cpu = RcuOfflineCpu,
    .cpu_offloaded = RcuCpuOffloaded,
    .set_offloaded = RcuSetOffloaded,
    // Expedited grace periods take polled tickets (rcu/tree.h, GetState()).
    .exp_completes_gp_state = true,
    // The read side is async-signal-safe (rcu/tree.h, "Signal handlers"):
    // an outermost unlock in the irq reader's handler that would take a
    // lock the interrupted code may hold defers that work.
    .irq_capable = true,
    // rcutree.rcu_boost: the instance boosts readers (rcu/boost.cc).
    .can_boost = RcuCanBoost,
    .offline_qs_fixups = RcuOfflineQsFixups,
    .gp_start_stalls = RcuGpStartStalls,
    .gp_kthread_starved = RcuGpKthreadStarved,
    .callbacks_outstanding = RcuCallbacksOutstanding,
    .stall_gp_kthread = RcuStallGpKthread,
    .get_gp_state_full = RcuGetStateFull,
    .start_gp_poll_full = RcuStartPollFull,
    .start_gp_poll_exp_full = RcuStartPollExpFull,
    .poll_gp_state_full = RcuPollStateFull,
    .cond_sync_full = RcuCondSyncFull,
    .cond_sync_exp_full = RcuCondSyncExpFull,
    .expedite_gp = RcuExpediteGp,
    .unexpedite_gp = RcuUnexpediteGp,
};

// See BustedNestLock(). Must end in FAILURE.
const TortureOps kBustedNestingOps = [] {
  TortureOps o = kRcuOps;
  o.name = "busted-nesting";
  o.fwd_progress_capable = false;
  o.readlock = BustedNestLock;
  o.readunlock = BustedNestUnlock;
  o.irq_capable = false;  // bn_held is not async-signal-safe
  return o;
}();

// busted-barrier: the rcu flavour with a barrier that does not wait, the
// barrier torture's negative control: with n_barrier_cbs > 0 the
// coordinator must count fewer callbacks than it posted (rtbe) and the
// verdict must be FAILURE. (Forward progress, which frees its callbacks
// after cb_barrier(), is disabled for busted* flavours.)
const TortureOps kBustedBarrierOps = [] {
  TortureOps o = kRcuOps;
  o.name = "busted-barrier";
  o.fwd_progress_capable = false;
  o.cb_barrier = NoBarrier;
  return o;
}();

// busted-cookie: the rcu flavour with a polled-grace-period check that
// always says "completed", the negative control of the warnings exit code:
// with update types that do not poll (gp_sync), readers stay protected,
// but the writer's and readers' cookie checks fail (WARNING lines), so the
// End line says SUCCESS and the exit code is 4 (kExitWarnings).
bool AlwaysCompleted(uint64_t) { return true; }
const TortureOps kBustedCookieOps = [] {
  TortureOps o = kRcuOps;
  o.name = "busted-cookie";
  o.fwd_progress_capable = false;
  o.poll_gp_state = AlwaysCompleted;
  return o;
}();

// busted-lockdep: the lockdep-RCU negative control. Its readers skip the
// read lock, so their ReaderDereference() of `current` splats ("suspicious
// Dereference() usage"), the splat counts as an error and the verdict is
// FAILURE (too-short grace periods also show in Reader Pipe).
const TortureOps kBustedLockdepOps = [] {
  TortureOps o = kRcuOps;
  o.name = "busted-lockdep";
  o.fwd_progress_capable = false;
  o.init = BustedLockdepInit;
  o.readlock = NoReadLock;
  o.readunlock = NoReadLock;
  o.irq_capable = false;  // its splats are not async-signal-safe
  return o;
}();

// rcu-qsbr: the rcu flavour on a QSBR instance. Must SUCCEED.
const TortureOps kRcuQsbrOps = [] {
  TortureOps o = kRcuOps;
  o.name = "rcu-qsbr";
  o.init = RcuQsbrInit;
  o.readlock = QsbrReadLock;
  o.readunlock = QsbrReadUnlock;
  o.quiescent_state = QsbrQuiescentState;
  o.thread_offline = QsbrThreadOffline;
  o.thread_online = QsbrThreadOnline;
  // A signal handler's QSBR reader is nothing: on a thread that is offline
  // (asleep) it would not be protected. No irq readers.
  o.irq_capable = false;
  return o;
}();

// busted-qsbr: rcu-qsbr whose readers announce a quiescent state inside
// their critical sections (QsbrBustedPreempt()). Must end in FAILURE.
const TortureOps kBustedQsbrOps = [] {
  TortureOps o = kRcuQsbrOps;
  o.name = "busted-qsbr";
  o.fwd_progress_capable = false;
  o.readlock = QsbrBustedReadLock;
  o.preempt = QsbrBustedPreempt;
  return o;
}();

}  // namespace torture

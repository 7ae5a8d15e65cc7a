// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops.h: TortureOps, the operations vector of one RCU flavour (the kernel's
// struct rcu_torture_ops): the interface between the harness and the RCU
// under test. The flavours (flavours/) implement it; their registry is
// flavours/flavours.h.
//
// The harness drives every flavour through the same writer, reader and
// fake-writer loops; a null function pointer means the flavour lacks that
// primitive (the update types that need it are then not used, and asking
// for them prints "gp_X without primitives").
#ifndef TORTURE_RUNTIME_OPS_H_
#define TORTURE_RUNTIME_OPS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "torture/runtime/params.h"
#include "torture/runtime/random.h"

namespace torture {

struct TortureElem;

// A callback head the harness embeds in its elements. `impl` holds the
// flavour's own head (our rcu::RcuHead or liburcu's struct rcu_head) at
// offset 0; the flavour's trampoline finds the TortureHead from it and calls
// `func`. Each ops file static_asserts that its head fits.
struct TortureHead {
  alignas(16) unsigned char impl[32];
  void (*func)(TortureHead*) = nullptr;
};

// One segment of a reader's critical section, recorded for the
// "Failure/close-call rcutorture reader segments:" dump.
struct ReadSeg {
  int nesting = 0;   // read-lock depth held during the segment
  int cpu = -1;      // vCPU at segment start (-1: flavour has none)
  int cpu_end = -1;  // vCPU at segment end
  int delay_us = 0;  // short delay taken in the segment
  int delay_ms = 0;  // long delay taken in the segment
  bool preempted = false;
  uint64_t gp_start = 0, gp_end = 0;
};

// A full-state cookie (the kernel's struct rcu_gp_oldstate): a flavour's
// own two words, complete when either says so.
struct GpFullCookie {
  uint64_t a = 0;
  uint64_t b = 0;
};

struct TortureOps {
  const char* name;

  // Per-run setup/teardown. init() may fail (bad rcutree.* values): the
  // message is printed and the run exits 64.
  absl::Status (*init)(const Params& p) = nullptr;
  void (*cleanup)() = nullptr;
  // One line describing the flavour instance (geometry, reader mode).
  std::string (*describe)() = nullptr;

  // Every torture thread calls thread_init() first and thread_exit() last.
  // `cpu` is a vCPU hint (-1: any); flavours without vCPUs ignore it.
  void (*thread_init)(int cpu) = nullptr;
  void (*thread_exit)() = nullptr;

  // Readers.
  void (*readlock)() = nullptr;
  void (*readunlock)() = nullptr;
  // True when the calling thread is inside a read-side critical section of
  // this flavour (lockdep-RCU checks, torture/lockdep.h); null: the flavour
  // cannot tell, and the checks pass.
  bool (*read_lock_held)() = nullptr;
  // A preemption point inside a reader (the kernel's
  // torture_preempt_schedule()): yields, and for `rcu` migrates the reader
  // to another vCPU inside its critical section.
  void (*preempt)(TortureRandom& r) = nullptr;
  // QSBR: announce a quiescent state (called by every loop outside
  // readers); go offline around sleeps.
  void (*quiescent_state)() = nullptr;
  void (*thread_offline)() = nullptr;
  void (*thread_online)() = nullptr;

  uint64_t (*get_gp_seq)() = nullptr;
  uint64_t (*gp_diff)(uint64_t newer, uint64_t older) = nullptr;

  // Updaters.
  void (*deferred_free)(TortureElem* e) = nullptr;
  void (*sync)() = nullptr;
  void (*exp_sync)() = nullptr;
  uint64_t (*get_gp_state)() = nullptr;
  uint64_t (*start_gp_poll)() = nullptr;
  bool (*poll_gp_state)(uint64_t cookie) = nullptr;
  void (*cond_sync)(uint64_t cookie) = nullptr;
  uint64_t (*get_gp_state_exp)() = nullptr;
  uint64_t (*start_gp_poll_exp)() = nullptr;
  bool (*poll_gp_state_exp)(uint64_t cookie) = nullptr;
  void (*cond_sync_exp)(uint64_t cookie) = nullptr;
  void (*call)(TortureHead* h, void (*func)(TortureHead*)) = nullptr;
  void (*cb_barrier)() = nullptr;
  const char* cb_barrier_name = "";
  // rcu_force_quiescent_state(): ask for a force-quiescent-state scan now.
  void (*fqs)() = nullptr;

  // Diagnostics.
  std::string (*stats)() = nullptr;           // extra stats line, no prefix
  std::string (*gp_kthread_dbg)() = nullptr;  // GP state for !!! dumps
  // "g<seq> f<flags>" and total grace periods for Start/End-test lines.
  void (*get_gp_data)(int* flags, uint64_t* gp_seq) = nullptr;
  uint64_t (*total_gps)() = nullptr;
  const char* (*reader_mode)() = nullptr;
  // stall_dur(): the RCU CPU stall timeout, ms (0: no stall warnings).
  // Sizes the forward-progress need_resched test; null: no such test.
  int (*stall_dur_ms)() = nullptr;
  // Stall warnings printed so far (normal grace periods); null: the
  // flavour has no stall detector, so the stall test cannot check one.
  uint64_t (*stall_warnings)() = nullptr;

  // vCPUs (rcu flavour only; others report the hardware CPUs).
  int (*num_online_cpus)() = nullptr;
  int (*current_cpu)() = nullptr;
  // Moves the calling thread to vCPU `cpu` (outside a reader).
  void (*migrate)(int cpu) = nullptr;
  // Emulated CPU hotplug and callback offloading (rcu flavour only). The
  // bool functions return false and set *err when refused.
  int (*num_possible_cpus)() = nullptr;
  bool (*cpu_online)(int cpu) = nullptr;
  bool (*online_cpu)(int cpu, std::string* err) = nullptr;
  bool (*offline_cpu)(int cpu, std::string* err) = nullptr;
  bool (*cpu_offloaded)(int cpu) = nullptr;
  // Only an offline vCPU may change (the kernel's rule).
  bool (*set_offloaded)(int cpu, bool offloaded, std::string* err) = nullptr;

  // True when exp_sync also completes cookies from get_gp_state (the
  // kernel's rule, through its gp_seq_polled). librcu's cookies track
  // normal grace periods only, so for `rcu` the writer does not expect it.
  bool exp_completes_gp_state = true;
  bool irq_capable = false;
  // True when the flavour boosts readers that hold a grace period (the
  // kernel's can_boost, CONFIG_RCU_BOOST): test_boost=1 runs the boost
  // test then (components/boost.cc). Null: never.
  bool (*can_boost)() = nullptr;
  bool slow_gps = false;
  // Cap on callbacks in flight in the forward-progress flood (the kernel's
  // cbflood_max); 0: the harness's default cap (fwd_prog.cc).
  long cbflood_max = 0;
  // False for the broken flavours: the forward-progress tests would only
  // measure the breakage (a sync that does nothing, callbacks that never
  // run), so fwd_prog skips them.
  bool fwd_progress_capable = true;

  // The RCU's own checks for bugs it survives (null: it has none). Each
  // count is cumulative; the stats thread makes every increase an error of
  // the run (the stall thread excepted, see stall.cc):
  //  - offline_qs_fixups: quiescent states the force-quiescent-state scan
  //    had to report for an offline vCPU that still owed one (its offline
  //    path should have);
  //  - gp_start_stalls: grace periods requested but not started within a
  //    stall timeout (a lost wake-up of the grace-period thread);
  //  - gp_kthread_starved: grace periods during which the grace-period
  //    thread did not run for a stall timeout.
  uint64_t (*offline_qs_fixups)() = nullptr;
  uint64_t (*gp_start_stalls)() = nullptr;
  uint64_t (*gp_kthread_starved)() = nullptr;
  // Callbacks queued through the flavour but not invoked yet. After the
  // cleanup barriers it must drop to 0: the stats component's Finish()
  // makes anything left an error (callbacks lost).
  uint64_t (*callbacks_outstanding)() = nullptr;
  // stall_gp_kthread: makes the grace-period thread sleep `ms`, once, deaf
  // to wake-ups (null: the flavour has no such hook).
  void (*stall_gp_kthread)(int ms) = nullptr;

  // Full-state cookies (get_state_synchronize_rcu_full() and friends): the
  // gp_poll_full, gp_cond_full, gp_poll_exp_full and gp_cond_exp_full
  // update types and Cookie checks 4 to 6. Null: not offered.
  void (*get_gp_state_full)(GpFullCookie* c) = nullptr;
  void (*start_gp_poll_full)(GpFullCookie* c) = nullptr;
  void (*start_gp_poll_exp_full)(GpFullCookie* c) = nullptr;
  bool (*poll_gp_state_full)(const GpFullCookie& c) = nullptr;
  void (*cond_sync_full)(const GpFullCookie& c) = nullptr;
  void (*cond_sync_exp_full)(const GpFullCookie& c) = nullptr;

  // rcu_expedite_gp() / rcu_unexpedite_gp(): while expedited more times
  // than unexpedited, sync() runs expedited grace periods. The writer
  // cycles the nesting up to 4 and back (null: not offered).
  void (*expedite_gp)() = nullptr;
  void (*unexpedite_gp)() = nullptr;
};

// The harness's callback (rcu_torture_cb) and the deferred_free that chains
// it through ops->call: shared by every flavour with a call primitive.
void TortureCb(TortureHead* h);
void CallDeferredFree(TortureElem* e);

}  // namespace torture

#endif  // TORTURE_RUNTIME_OPS_H_

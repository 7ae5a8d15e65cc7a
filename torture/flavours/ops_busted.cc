// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_busted.cc: the `busted` flavour, a deliberately broken RCU.
//
// "Don't even think about trying any of these in real life!!! The only
// purpose of these functions is to provide a buggy RCU implementation to
// make sure that rcutorture correctly emits buggy-RCU error messages."
// (kernel/rcu/rcutorture.c). Readers do nothing, sync does nothing, call
// invokes the callback at once and the gp sequence is always 0: elements
// race to kPipeLen and back to the freelist while readers still hold them,
// so Reader Pipe buckets >= 2 fill and the verdict must be FAILURE.
//
// `busted-hang` is the watchdog's negative control: its sync never returns.
#include <sched.h>

#include <thread>

#include "torture/flavours/flavours.h"
#include "torture/runtime/pool.h"

namespace torture {
namespace {

void NoOp() {}
void NoOpInt(int) {}
uint64_t Zero() { return 0; }
uint64_t Diff(uint64_t n, uint64_t o) { return n - o; }
void BustedDeferredFree(TortureElem* e) { TortureCb(&e->head); }
void BustedCall(TortureHead* h, void (*func)(TortureHead*)) { func(h); }
int HwCpus() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}
void BustedDbg(int* flags, uint64_t* seq) {
  *flags = 0;
  *seq = 0;
}
const char* ModeNone() { return "none"; }

// busted-hang: grace periods never end.
void HangForever() {
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}
std::string HangDbg() {
  return "busted-hang: synchronize() never returns, by design";
}

}  // namespace

const TortureOps kBustedOps = {
    .name = "busted",
    .thread_init = NoOpInt,
    .thread_exit = NoOp,
    .readlock = NoOp,
    .readunlock = NoOp,
    .get_gp_seq = Zero,
    .gp_diff = Diff,
    .deferred_free = BustedDeferredFree,
    .sync = NoOp,
    .exp_sync = NoOp,
    .call = BustedCall,
    .get_gp_data = BustedDbg,
    .reader_mode = ModeNone,
    .num_online_cpus = HwCpus,
    .irq_capable = true,
    .fwd_progress_capable = false,
};

// busted-hang: the watchdog's negative control. sync never returns, so the
// watchdog must report "!!! Watchdog:" and exit 2 once watchdog_secs pass.
const TortureOps kBustedHangOps = {
    .name = "busted-hang",
    .thread_init = NoOpInt,
    .thread_exit = NoOp,
    .readlock = NoOp,
    .readunlock = NoOp,
    .get_gp_seq = Zero,
    .gp_diff = Diff,
    .sync = HangForever,
    .gp_kthread_dbg = HangDbg,
    .get_gp_data = BustedDbg,
    .reader_mode = ModeNone,
    .num_online_cpus = HwCpus,
    .fwd_progress_capable = false,
};

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_urcu_impl.h: the body of a liburcu flavour's TortureOps, written once
// in liburcu's generic names (rcu_read_lock, synchronize_rcu, call_rcu,
// rcu_barrier, ...). Each ops_urcu_<flavour>.cc includes its flavour's
// header with URCU_API_MAP defined (so the generic names map to that
// flavour's prefixed symbols, urcu_memb_* etc.) and then this file, after
// defining:
//   TORTURE_URCU_NAME   "urcu-memb"
//   TORTURE_URCU_OPS    kUrcuMembOps
//   TORTURE_URCU_QSBR   1 for urcu-qsbr (quiescent states, offline sleeps)
//   TORTURE_URCU_BP     1 for urcu-bp (registration at the first read)
// Only one flavour per translation unit: the headers' macros clash.
//
// liburcu 0.13 offers sync, call_rcu and rcu_barrier; no expedited, polled
// or conditional grace periods, and no grace-period counter, so get_gp_seq
// counts grace-period waits completed by this process's synchronize calls
// (Reader Batch then means "synchronize calls that returned during the
// read", an upper bound on full grace periods).
//
// The read side is inlined (_LGPL_SOURCE), as a C++ user would build it.
#ifndef TORTURE_URCU_NAME
#error \
    "define TORTURE_URCU_NAME, TORTURE_URCU_OPS, TORTURE_URCU_QSBR, TORTURE_URCU_BP first"
#endif

#include <cstddef>
#include <thread>

#include "fmt/format.h"
#include "torture/flavours/flavours.h"
#include "torture/runtime/pool.h"

namespace torture {
namespace {

static_assert(sizeof(struct rcu_head) <= sizeof(TortureHead::impl),
              "liburcu's rcu_head must fit in TortureHead::impl");

std::atomic<uint64_t> urcu_gps{0};

void UrcuThreadInit(int) { rcu_register_thread(); }
void UrcuThreadExit() { rcu_unregister_thread(); }
void UrcuReadLock() { rcu_read_lock(); }
void UrcuReadUnlock() { rcu_read_unlock(); }
#if TORTURE_URCU_QSBR
void UrcuQs() { rcu_quiescent_state(); }
void UrcuOffline() { rcu_thread_offline(); }
void UrcuOnline() { rcu_thread_online(); }
#endif
uint64_t UrcuGpSeq() { return urcu_gps.load(std::memory_order_relaxed); }
uint64_t UrcuGpDiff(uint64_t n, uint64_t o) { return n - o; }
void UrcuSync() {
  synchronize_rcu();
  urcu_gps.fetch_add(1, std::memory_order_relaxed);
}
void UrcuTrampoline(struct rcu_head* head) {
  // impl is at offset 0 of TortureHead.
  TortureHead* h = reinterpret_cast<TortureHead*>(head);
  h->func(h);
}
void UrcuCall(TortureHead* h, void (*func)(TortureHead*)) {
  h->func = func;
  call_rcu(reinterpret_cast<struct rcu_head*>(h->impl), UrcuTrampoline);
}
void UrcuBarrier() { rcu_barrier(); }
void UrcuGpData(int* flags, uint64_t* seq) {
  *flags = 0;
  *seq = urcu_gps.load(std::memory_order_relaxed);
}
uint64_t UrcuTotalGps() { return urcu_gps.load(std::memory_order_relaxed); }
const char* UrcuMode() { return TORTURE_URCU_NAME; }
int UrcuCpus() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}
std::string UrcuDescribe() {
  return fmt::format(
      "{}: liburcu 0.13 flavour, inline read side (_LGPL_SOURCE)",
      TORTURE_URCU_NAME);
}

}  // namespace

const TortureOps TORTURE_URCU_OPS = {
    .name = TORTURE_URCU_NAME,
    .describe = UrcuDescribe,
    .thread_init = UrcuThreadInit,
    .thread_exit = UrcuThreadExit,
    .readlock = UrcuReadLock,
    .readunlock = UrcuReadUnlock,
#if TORTURE_URCU_QSBR
    .quiescent_state = UrcuQs,
    .thread_offline = UrcuOffline,
    .thread_online = UrcuOnline,
#endif
    .get_gp_seq = UrcuGpSeq,
    .gp_diff = UrcuGpDiff,
    .deferred_free = CallDeferredFree,
    .sync = UrcuSync,
    .call = UrcuCall,
    .cb_barrier = UrcuBarrier,
    .cb_barrier_name = "rcu_barrier",
    .get_gp_data = UrcuGpData,
    .total_gps = UrcuTotalGps,
    .reader_mode = UrcuMode,
    .num_online_cpus = UrcuCpus,
    // liburcu's read side is async-signal-safe, except where the thread may
    // be offline (QSBR, while it sleeps) or not yet registered (bp
    // registers at its first read, allocating).
    .irq_capable = !TORTURE_URCU_QSBR && !TORTURE_URCU_BP,
    // No stall timeout (so no need_resched forward-progress test), but a
    // bounded callback flood, as the kernel's SRCU flavours have.
    .cbflood_max = 50000,
};

}  // namespace torture

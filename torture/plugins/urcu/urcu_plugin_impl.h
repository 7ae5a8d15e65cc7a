/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_plugin_impl.h: the body of a liburcu flavour's rcutorture plugin,
 * written once in liburcu's generic names (rcu_read_lock, synchronize_rcu,
 * call_rcu, rcu_barrier, ...) against the plugin ABI only
 * (rcutorture/rcutorture_plugin.h). Each urcu_<flavour>.c includes its
 * flavour's header with URCU_API_MAP defined (so that the generic names map
 * to that flavour's prefixed symbols, urcu_memb_* etc.) and then this file,
 * after defining:
 *   URCU_PLUGIN_NAME  "urcu-memb"
 *   URCU_PLUGIN_QSBR  1 for urcu-qsbr (quiescent states, offline sleeps)
 *   URCU_PLUGIN_BP    1 for urcu-bp (registration at the first read)
 * One flavour per plugin: the headers' macros clash.
 *
 * liburcu 0.13 offers sync, call_rcu and rcu_barrier: no expedited, polled
 * or conditional grace periods, and no grace-period counter. get_gp_seq is
 * NULL, so the harness counts the synchronize_rcu() calls that returned
 * (Reader Batch then counts "synchronize calls that returned during the
 * read", an upper bound on full grace periods).
 *
 * The read side is inlined (_LGPL_SOURCE) into read_lock/read_unlock, which
 * the harness calls directly.
 */
#ifndef URCU_PLUGIN_NAME
#error "define URCU_PLUGIN_NAME, URCU_PLUGIN_QSBR and URCU_PLUGIN_BP first"
#endif

#include <stdio.h>

#include "rcutorture/rcutorture_plugin.h"

/* What call() keeps in the harness's callback head: liburcu's rcu_head,
 * then the harness's function. */
struct UrcuPluginHead {
  struct rcu_head rh;
  rcutorture_cb_func func;
};
_Static_assert(sizeof(struct UrcuPluginHead) <= RCUTORTURE_CB_HEAD_SIZE,
               "liburcu's rcu_head and a function pointer must fit in the "
               "harness's callback head");

static void UrcuThreadInit(void) { rcu_register_thread(); }
static void UrcuThreadExit(void) { rcu_unregister_thread(); }
static void UrcuReadLock(void) { rcu_read_lock(); }
static void UrcuReadUnlock(void) { rcu_read_unlock(); }
#if URCU_PLUGIN_QSBR
static void UrcuQs(void) { rcu_quiescent_state(); }
static void UrcuOffline(void) { rcu_thread_offline(); }
static void UrcuOnline(void) { rcu_thread_online(); }
#endif
static void UrcuSync(void) { synchronize_rcu(); }

static void UrcuTrampoline(struct rcu_head *rh) {
  /* rh is at offset 0 of the head's storage, which is at offset 0 of the
   * harness's head. */
  struct UrcuPluginHead *h = (struct UrcuPluginHead *)rh;
  h->func((struct rcutorture_cb_head *)h);
}
static void UrcuCall(struct rcutorture_cb_head *head, rcutorture_cb_func func) {
  struct UrcuPluginHead *h = (struct UrcuPluginHead *)head->storage;
  h->func = func;
  call_rcu(&h->rh, UrcuTrampoline);
}
static void UrcuBarrier(void) { rcu_barrier(); }
static void UrcuDescribe(char *buf, size_t len) {
  snprintf(buf, len,
           "%s: liburcu 0.13 flavour, inline read side (_LGPL_SOURCE)",
           URCU_PLUGIN_NAME);
}

static const struct rcutorture_ops_v1 kUrcuOps = {
    .abi_version = RCUTORTURE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct rcutorture_ops_v1),
    .name = URCU_PLUGIN_NAME,
    /* liburcu's read side is async-signal-safe, except where the thread
     * may be offline (QSBR, while it sleeps) or not yet registered (bp
     * registers at its first read, allocating). There is no expedited
     * grace period, so "exp completes normal cookies" holds trivially. */
    .caps = RCUTORTURE_CAP_EXP_COMPLETES_STATE | RCUTORTURE_CAP_FWD_PROGRESS |
            (!URCU_PLUGIN_QSBR && !URCU_PLUGIN_BP ? RCUTORTURE_CAP_IRQ_SAFE_READ
                                                  : 0),
    /* No stall timeout (so no need_resched forward-progress test), but a
     * bounded callback flood, as the kernel's SRCU flavours have. */
    .cbflood_max = 50000,
    .describe = UrcuDescribe,
    .thread_init = UrcuThreadInit,
    .thread_exit = UrcuThreadExit,
    .read_lock = UrcuReadLock,
    .read_unlock = UrcuReadUnlock,
#if URCU_PLUGIN_QSBR
    .quiescent_state = UrcuQs,
    .thread_offline = UrcuOffline,
    .thread_online = UrcuOnline,
#endif
    .sync = UrcuSync,
    .call = UrcuCall,
    .cb_barrier = UrcuBarrier,
};

static const struct rcutorture_ops_v1 *const kUrcuFlavours[] = {&kUrcuOps,
                                                                NULL};

const struct rcutorture_ops_v1 *const *rcutorture_plugin_v1(void) {
  return kUrcuFlavours;
}

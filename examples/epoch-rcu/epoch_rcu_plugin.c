/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * epoch_rcu_plugin.c: the rcutorture plugin of epoch_rcu (epoch_rcu.h),
 * written against the installed plugin ABI only:
 *
 *   cc -O2 -shared -fPIC -I PREFIX/include epoch_rcu.c epoch_rcu_plugin.c \
 *      -o epoch-rcu.so -pthread
 *   rcutorture --ops_plugin=./epoch-rcu.so --torture_type=plugin:epoch-rcu
 *
 * Built with EPOCH_RCU_BUSTED defined (epoch_rcu.c too) it offers
 * epoch-rcu-busted instead, whose grace periods miss the current epoch's
 * readers: rcutorture must end it in FAILURE.
 */
#define _POSIX_C_SOURCE 200809L
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "epoch_rcu.h"
#include "rcutorture/rcutorture_plugin.h"

#ifdef EPOCH_RCU_BUSTED
#define EPOCH_FLAVOUR "epoch-rcu-busted"
#else
#define EPOCH_FLAVOUR "epoch-rcu"
#endif

/* What call() keeps in the harness's callback head: epoch_rcu's head, then
 * the harness's function. */
struct EpochPluginHead {
  struct epoch_rcu_head eh;
  rcutorture_cb_func func;
};
_Static_assert(sizeof(struct EpochPluginHead) <= RCUTORTURE_CB_HEAD_SIZE,
               "the plugin's head must fit in the harness's callback head");

static int EpochInit(char *err, size_t err_len) {
  int e = epoch_rcu_init();
  if (e != 0) {
    snprintf(err, err_len, "cannot start the callback thread: %s", strerror(e));
    return 1;
  }
  return 0;
}

static void EpochDescribe(char *buf, size_t len) {
  snprintf(buf, len,
           "%s: epoch-based RCU (examples/epoch-rcu): per-thread epoch "
           "slots, one callback thread%s",
           EPOCH_FLAVOUR,
           strcmp(EPOCH_FLAVOUR, "epoch-rcu") == 0
               ? ""
               : "; grace periods skip the current epoch's readers");
}

/* Inside a reader: mostly a yield, now and then a 50 us sleep, so that
 * grace periods overlap readers that are off the CPU. */
static void EpochReadDelay(uint32_t random) {
  if ((random & 0xf) == 0) {
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
  } else {
    sched_yield();
  }
}

static void EpochTrampoline(struct epoch_rcu_head *eh) {
  /* eh is at offset 0 of the head's storage, which is at offset 0 of the
   * harness's head. */
  struct EpochPluginHead *h = (struct EpochPluginHead *)eh;
  h->func((struct rcutorture_cb_head *)h);
}

static void EpochCall(struct rcutorture_cb_head *head,
                      rcutorture_cb_func func) {
  struct EpochPluginHead *h = (struct EpochPluginHead *)head->storage;
  h->func = func;
  epoch_rcu_call(&h->eh, EpochTrampoline);
}

static const struct rcutorture_ops_v1 kEpochOps = {
    .abi_version = RCUTORTURE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct rcutorture_ops_v1),
    .name = EPOCH_FLAVOUR,
#ifdef EPOCH_RCU_BUSTED
    /* Broken on purpose: no forward-progress floods. */
    .caps = RCUTORTURE_CAP_EXP_COMPLETES_STATE,
#else
    .caps = RCUTORTURE_CAP_EXP_COMPLETES_STATE | RCUTORTURE_CAP_FWD_PROGRESS,
    .cbflood_max = 50000,
#endif
    .init = EpochInit,
    .cleanup = epoch_rcu_cleanup,
    .describe = EpochDescribe,
    .thread_init = epoch_rcu_register_thread,
    .thread_exit = epoch_rcu_unregister_thread,
    .read_lock = epoch_rcu_read_lock,
    .read_unlock = epoch_rcu_read_unlock,
    .read_delay = EpochReadDelay,
    .get_gp_seq = epoch_rcu_completed,
    .sync = epoch_rcu_synchronize,
    .exp_sync = epoch_rcu_synchronize_expedited,
    .get_state = epoch_rcu_get_state,
    .start_poll = epoch_rcu_start_poll,
    .poll_state = epoch_rcu_poll_state,
    .cond_sync = epoch_rcu_cond_synchronize,
    .call = EpochCall,
    .cb_barrier = epoch_rcu_barrier,
    .stats = epoch_rcu_stats,
};

static const struct rcutorture_ops_v1 *const kEpochFlavours[] = {&kEpochOps,
                                                                 NULL};

const struct rcutorture_ops_v1 *const *rcutorture_plugin_v1(void) {
  return kEpochFlavours;
}

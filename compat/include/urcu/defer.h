/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/defer.h: defer_rcu() and its registration of librcu-urcu (librcu's
 * liburcu-compatible C API). The generic names become each flavour's own
 * (defer_rcu -> urcu_memb_defer_rcu, ...) through the flavour header
 * included first, as in liburcu 0.13.
 *
 * defer_rcu(fct, p) calls fct(p) on a librcu callback thread after a grace
 * period: a small node holding fct and p goes through the flavour's
 * call_rcu(). It blocks (a synchronize_rcu() then fct(p) in the caller)
 * only when that node cannot be allocated. liburcu's per-thread queues, its
 * reclaim thread and its 100 ms batching do not exist here; registration
 * is optional (rcu_defer_register_thread() always succeeds).
 * rcu_defer_barrier() and rcu_defer_barrier_thread() wait for every
 * deferred call and callback queued before them (rcu_barrier());
 * rcu_defer_unregister_thread() does the same. Neither may be called from
 * a read-side critical section (they would wait for themselves: an error
 * is printed and they return).
 */
#ifndef _URCU_DEFER_H
#define _URCU_DEFER_H

#include <stdlib.h>
#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

extern void defer_rcu(void (*fct)(void *p), void *p);

extern int rcu_defer_register_thread(void);
extern void rcu_defer_unregister_thread(void);
extern void rcu_defer_barrier(void);
extern void rcu_defer_barrier_thread(void);

#ifdef __cplusplus
}
#endif

#endif /* _URCU_DEFER_H */

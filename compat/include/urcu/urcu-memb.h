/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/urcu-memb.h: the memb flavour of librcu-urcu, librcu's
 * liburcu-0.13-compatible C API (link -lrcu-urcu).
 *
 * Readers, grace periods and callbacks are librcu's default instance
 * (slot 0), shared by memb, mb and signal.
 *
 *   urcu_memb_register_thread()     registers the calling thread (optional:
 *                                   a thread's first read registers it);
 *                                   a no-op if it is registered already
 *   urcu_memb_unregister_thread()   unregisters it
 *   urcu_memb_read_lock/unlock()    read-side critical section, nestable;
 *                                   inline with _LGPL_SOURCE
 *   urcu_memb_read_ongoing()        non-zero inside one
 *   urcu_memb_synchronize_rcu()     waits for a grace period
 *   urcu_memb_quiescent_state(),
 *   urcu_memb_thread_offline/online() no-ops, as in liburcu
 * plus urcu/call-rcu.h, urcu/defer.h and urcu/flavor.h
 * (urcu_memb_flavor). The unprefixed names (rcu_read_lock, ...) are the
 * macros of urcu/map/urcu-memb.h.
 */
#ifndef _URCU_MEMB_H
#define _URCU_MEMB_H

#include <stdlib.h>
#include <pthread.h>

#include <urcu/pointer.h>
#include <urcu/map/urcu-memb.h>

#ifdef _LGPL_SOURCE
#include <urcu/static/urcu-memb.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef _LGPL_SOURCE

#define urcu_memb_read_lock		_urcu_memb_read_lock
#define urcu_memb_read_unlock		_urcu_memb_read_unlock
#define urcu_memb_read_ongoing		_urcu_memb_read_ongoing

#else /* !_LGPL_SOURCE */

extern void urcu_memb_read_lock(void);
extern void urcu_memb_read_unlock(void);
extern int urcu_memb_read_ongoing(void);

#endif /* !_LGPL_SOURCE */

extern void urcu_memb_synchronize_rcu(void);

extern void urcu_memb_register_thread(void);
extern void urcu_memb_unregister_thread(void);

/* Builds librcu's default instance now (it is otherwise built on first use). */
extern void urcu_memb_init(void);

/* Quiescent-state reporting: QSBR only. */
static inline void urcu_memb_quiescent_state(void)
{
}

static inline void urcu_memb_thread_offline(void)
{
}

static inline void urcu_memb_thread_online(void)
{
}

#ifdef __cplusplus
}
#endif

#include <urcu/call-rcu.h>
#include <urcu/defer.h>
#include <urcu/flavor.h>

#ifndef URCU_API_MAP
#include <urcu/map/clear.h>
#endif

#endif /* _URCU_MEMB_H */

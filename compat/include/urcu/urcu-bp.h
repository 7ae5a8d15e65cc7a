/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/urcu-bp.h: the bp ("bulletproof") flavour of librcu-urcu, librcu's
 * liburcu-0.13-compatible C API (link -lrcu-urcu).
 *
 * The flavour has a librcu instance of its own, built on first use. No
 * registration is needed: a thread's first read registers it, and it is
 * unregistered when it exits.
 *
 *   urcu_bp_read_lock/unlock()      read-side critical section, nestable;
 *                                   inline with _LGPL_SOURCE
 *   urcu_bp_read_ongoing()          non-zero inside one
 *   urcu_bp_synchronize_rcu()       waits for a grace period
 *   urcu_bp_register_thread()       registers now what the first read
 *                                   would (optional)
 *   urcu_bp_unregister_thread(), urcu_bp_init(),
 *   urcu_bp_quiescent_state(), urcu_bp_thread_offline/online()  no-ops
 *   urcu_bp_before_fork(), urcu_bp_after_fork_parent/child()     no-ops:
 *                                   librcu handles fork() itself
 *   urcu_bp_dereference() and siblings  rcu_dereference() and siblings
 * plus urcu/call-rcu.h, urcu/defer.h and urcu/flavor.h (urcu_bp_flavor).
 * The unprefixed names are the macros of urcu/map/urcu-bp.h.
 */
#ifndef _URCU_BP_H
#define _URCU_BP_H

#include <stdlib.h>
#include <pthread.h>

#include <urcu/map/urcu-bp.h>
#include <urcu/pointer.h>

#ifdef _LGPL_SOURCE
#include <urcu/static/urcu-bp.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef _LGPL_SOURCE

#define urcu_bp_read_lock		_urcu_bp_read_lock
#define urcu_bp_read_unlock		_urcu_bp_read_unlock
#define urcu_bp_read_ongoing		_urcu_bp_read_ongoing

#define urcu_bp_dereference		rcu_dereference
#define urcu_bp_cmpxchg_pointer		rcu_cmpxchg_pointer
#define urcu_bp_xchg_pointer		rcu_xchg_pointer
#define urcu_bp_set_pointer		rcu_set_pointer

#else /* !_LGPL_SOURCE */

extern void urcu_bp_read_lock(void);
extern void urcu_bp_read_unlock(void);
extern int urcu_bp_read_ongoing(void);

/* Out of line, p passed by value, as with liburcu-bp. */
extern void *urcu_bp_dereference_sym(void *p);
#define urcu_bp_dereference(p) _URCU_COMPAT_DEREFERENCE_VIA(urcu_bp_dereference_sym, p)

extern void *urcu_bp_cmpxchg_pointer_sym(void **p, void *old, void *_new);
#define urcu_bp_cmpxchg_pointer(p, old, _new) \
	_URCU_COMPAT_CMPXCHG_VIA(urcu_bp_cmpxchg_pointer_sym, p, old, _new)

extern void *urcu_bp_xchg_pointer_sym(void **p, void *v);
#define urcu_bp_xchg_pointer(p, v) _URCU_COMPAT_XCHG_VIA(urcu_bp_xchg_pointer_sym, p, v)

extern void *urcu_bp_set_pointer_sym(void **p, void *v);
#define urcu_bp_set_pointer(p, v) _URCU_COMPAT_XCHG_VIA(urcu_bp_set_pointer_sym, p, v)

#endif /* !_LGPL_SOURCE */

extern void urcu_bp_synchronize_rcu(void);

/* No-ops: librcu's pthread_atfork() handlers look after fork(). */
extern void urcu_bp_before_fork(void);
extern void urcu_bp_after_fork_parent(void);
extern void urcu_bp_after_fork_child(void);

/* Registers the calling thread now (its first read would otherwise). */
extern void urcu_bp_register_thread(void);
/* The same; the name liburcu-bp's inline read side calls. */
extern void urcu_bp_register(void);

/* A thread is unregistered when it exits. */
static inline void urcu_bp_unregister_thread(void)
{
}

/* The instance is built on first use. */
static inline void urcu_bp_init(void)
{
}

/* Quiescent-state reporting: QSBR only. */
static inline void urcu_bp_quiescent_state(void)
{
}

static inline void urcu_bp_thread_offline(void)
{
}

static inline void urcu_bp_thread_online(void)
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

#endif /* _URCU_BP_H */

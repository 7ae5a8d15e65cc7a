/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/urcu-qsbr.h: the qsbr (quiescent-state-based) flavour of
 * librcu-urcu, librcu's liburcu-0.13-compatible C API (link -lrcu-urcu).
 *
 * The flavour has a librcu instance of its own, built on first use; a
 * registered thread is online exactly while it holds an outermost
 * read-side critical section of it (urcu/static/urcu-qsbr.h):
 *
 *   urcu_qsbr_register_thread()     registers the calling thread, online
 *   urcu_qsbr_unregister_thread()   goes offline and unregisters it
 *   urcu_qsbr_quiescent_state()     announces a quiescent state
 *   urcu_qsbr_thread_offline()      extended quiescent state (the thread
 *   urcu_qsbr_thread_online()       must not read in between)
 *   urcu_qsbr_read_lock/unlock()    nothing (checks the thread is online
 *                                   with DEBUG_RCU, as liburcu)
 *   urcu_qsbr_read_ongoing()        non-zero while online
 *   urcu_qsbr_synchronize_rcu()     waits for a grace period; an online
 *                                   caller goes offline meanwhile
 * plus urcu/call-rcu.h, urcu/defer.h and urcu/flavor.h
 * (urcu_qsbr_flavor). The unprefixed names are the macros of
 * urcu/map/urcu-qsbr.h.
 */
#ifndef _URCU_QSBR_H
#define _URCU_QSBR_H

#include <stdlib.h>
#include <pthread.h>

#include <urcu/config.h>
#include <urcu/pointer.h>
#include <urcu/map/urcu-qsbr.h>

#ifdef RCU_DEBUG	/* An older spelling of DEBUG_RCU. */
#define DEBUG_RCU
#endif

#ifdef _LGPL_SOURCE
#include <urcu/static/urcu-qsbr.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef _LGPL_SOURCE

#define urcu_qsbr_read_lock		_urcu_qsbr_read_lock
#define urcu_qsbr_read_unlock		_urcu_qsbr_read_unlock
#define urcu_qsbr_read_ongoing		_urcu_qsbr_read_ongoing

#define urcu_qsbr_quiescent_state	_urcu_qsbr_quiescent_state
#define urcu_qsbr_thread_offline	_urcu_qsbr_thread_offline
#define urcu_qsbr_thread_online		_urcu_qsbr_thread_online

#else /* !_LGPL_SOURCE */

#if !defined(BUILD_QSBR_LIB) && !defined(DEBUG_RCU) && \
	!defined(CONFIG_RCU_DEBUG)

/* Nothing to do: an online QSBR thread is always inside a reader. */
static inline void urcu_qsbr_read_lock(void)
{
}

static inline void urcu_qsbr_read_unlock(void)
{
}

#else /* BUILD_QSBR_LIB || DEBUG_RCU || CONFIG_RCU_DEBUG */

/* Out of line, checking that the calling thread is online. */
extern void urcu_qsbr_read_lock(void);
extern void urcu_qsbr_read_unlock(void);

#endif /* BUILD_QSBR_LIB || DEBUG_RCU || CONFIG_RCU_DEBUG */

extern int urcu_qsbr_read_ongoing(void);
extern void urcu_qsbr_quiescent_state(void);
extern void urcu_qsbr_thread_offline(void);
extern void urcu_qsbr_thread_online(void);

#endif /* !_LGPL_SOURCE */

extern void urcu_qsbr_synchronize_rcu(void);

extern void urcu_qsbr_register_thread(void);
extern void urcu_qsbr_unregister_thread(void);

/* Nothing to do (exported for programs that call rcu_exit()). */
extern void urcu_qsbr_exit(void);

#ifdef __cplusplus
}
#endif

#include <urcu/call-rcu.h>
#include <urcu/defer.h>
#include <urcu/flavor.h>

#ifndef URCU_API_MAP
#include <urcu/map/clear.h>
#endif

#endif /* _URCU_QSBR_H */

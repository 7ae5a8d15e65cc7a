/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/static/urcu-qsbr.h: the inline read side of librcu-urcu's qsbr
 * flavour, for code built with _LGPL_SOURCE (urcu/urcu-qsbr.h maps
 * urcu_qsbr_read_lock(), urcu_qsbr_quiescent_state() and their siblings to
 * these).
 *
 * QSBR on librcu: the flavour has an instance of its own, and a registered
 * thread is "online" exactly when it holds an outermost read-side critical
 * section of that instance. So:
 *   register_thread      registers with the instance, then goes online
 *   quiescent_state      outermost unlock + lock: one quiescent state
 *   thread_offline       unlock (extended quiescent state)
 *   thread_online        lock
 *   read_lock/unlock     nothing: an online thread is always a reader
 *   read_ongoing         non-zero while online
 *   unregister_thread    goes offline, then unregisters
 * synchronize_rcu() and rcu_barrier() from an online thread go offline
 * while they wait, and back online after, as liburcu-qsbr's do.
 *
 * With DEBUG_RCU (or CONFIG_RCU_DEBUG), read_lock/unlock check that a
 * thread registered with the flavour is online, and abort naming the
 * mistake if not; liburcu-qsbr asserts the same under the same macros.
 * Threads not registered with the flavour (callbacks run on librcu's
 * callback threads) are not checked. Without them the pair is nothing
 * even when NDEBUG is not defined: liburcu's own benchmarks build with
 * asserts on, and a check there made their qsbr readers three times
 * slower than liburcu-qsbr's.
 */
#ifndef _URCU_QSBR_STATIC_H
#define _URCU_QSBR_STATIC_H

#include <urcu/static/urcu-librcu.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The calling thread's record in the qsbr instance, NULL if none: the one
 * urcu_qsbr_register_thread() left in TLS, else (a thread registered some
 * other way, or not at all) the lookup by slot.
 */
static inline struct urcu_compat_rec *urcu_compat_qsbr_rec(void)
{
	struct urcu_compat_rec *t = urcu_compat_qsbr_self;

	if (caa_likely(t != NULL))
		return t;
	return urcu_compat_rec_in(&urcu_compat_qsbr_slot);
}

/* Aborts if the calling thread is registered with qsbr but offline. */
static inline void urcu_compat_qsbr_check_online(void)
{
	struct urcu_compat_rec *t = urcu_compat_qsbr_rec();

	if (caa_unlikely(t != NULL && !urcu_compat_ongoing(t)))
		urcu_compat_qsbr_offline_reader();
}

#if defined(DEBUG_RCU) || defined(CONFIG_RCU_DEBUG)
#define URCU_COMPAT_QSBR_CHECK()	urcu_compat_qsbr_check_online()
#else
#define URCU_COMPAT_QSBR_CHECK()	do { } while (0)
#endif

/* Nothing to do: an online QSBR thread is always inside a reader. */
static inline void _urcu_qsbr_read_lock(void)
{
	URCU_COMPAT_QSBR_CHECK();
}

static inline void _urcu_qsbr_read_unlock(void)
{
	URCU_COMPAT_QSBR_CHECK();
}

/* Non-zero while the calling thread is online. */
static inline int _urcu_qsbr_read_ongoing(void)
{
	int state = urcu_compat_qsbr_state;

	if (caa_likely(state != 0))
		return state - 1;
	return urcu_compat_ongoing(urcu_compat_rec_in(&urcu_compat_qsbr_slot));
}

/* Keeps urcu_compat_qsbr_state in step with `t`'s state. */
static inline void urcu_compat_qsbr_note(struct urcu_compat_rec *t)
{
	if (t == urcu_compat_qsbr_self)
		urcu_compat_qsbr_state = urcu_compat_ongoing(t) ? 2 : 1;
}

/*
 * Announces a quiescent state. As librcu's Rcu::QuiescentState(): an online
 * thread that no grace period has asked for one (nothing in `special` but
 * fence mode's bit) has nothing to do, and returns after three loads, as
 * liburcu-qsbr's does when no grace period is waiting. Otherwise the slow
 * path ends the thread's reader and starts a new one, reporting the
 * quiescent state; on an offline thread it brings the thread online, as
 * liburcu-qsbr's does. Nothing on a thread that is not registered with the
 * flavour. With DEBUG_RCU always the slow path, which checks more.
 */
static inline void _urcu_qsbr_quiescent_state(void)
{
#if !defined(DEBUG_RCU) && !defined(CONFIG_RCU_DEBUG)
	struct urcu_compat_rec *t = urcu_compat_qsbr_self;

	/*
	 * Relaxed: a request set just after the load of `special` is seen
	 * by the next call, and the grace period waits for it.
	 */
	if (caa_likely(urcu_compat_ongoing(t) &&
		       (__atomic_load_n(&t->special, __ATOMIC_RELAXED) &
			~URCU_COMPAT_SPECIAL_FENCES) == 0))
		return;
#endif
	urcu_compat_qsbr_quiescent_state_slow();
}

/* Enters an extended quiescent state (e.g. around a blocking call). */
static inline void _urcu_qsbr_thread_offline(void)
{
	struct urcu_compat_rec *t = urcu_compat_qsbr_rec();

	if (urcu_compat_ongoing(t)) {
		urcu_compat_unlock(t);
		urcu_compat_qsbr_note(t);
	}
}

/* Leaves the extended quiescent state. */
static inline void _urcu_qsbr_thread_online(void)
{
	struct urcu_compat_rec *t = urcu_compat_qsbr_rec();

	if (t != NULL && !urcu_compat_ongoing(t)) {
		urcu_compat_lock(t);
		urcu_compat_qsbr_note(t);
	}
}

#ifdef __cplusplus
}
#endif

#endif /* _URCU_QSBR_STATIC_H */

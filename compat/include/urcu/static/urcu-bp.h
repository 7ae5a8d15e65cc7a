/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/static/urcu-bp.h: the inline read side of librcu-urcu's bp
 * ("bulletproof") flavour, for code built with _LGPL_SOURCE (urcu/urcu-bp.h
 * maps urcu_bp_read_lock() and its siblings to these).
 *
 * The flavour reads under an instance of its own, built on first use. A
 * thread needs no registration: its first read registers it with the
 * instance, and it is unregistered when it exits.
 */
#ifndef _URCU_BP_STATIC_H
#define _URCU_BP_STATIC_H

#include <urcu/static/urcu-librcu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Enters a read-side critical section; nestable. */
static inline void _urcu_bp_read_lock(void)
{
	struct urcu_compat_rec *t = urcu_compat_rec_in(&urcu_compat_bp_slot);

	if (caa_unlikely(t == NULL))
		t = urcu_compat_bp_register_self();
	urcu_compat_lock(t);
}

/* Leaves the innermost read-side critical section. */
static inline void _urcu_bp_read_unlock(void)
{
	urcu_compat_unlock(urcu_compat_rec_in(&urcu_compat_bp_slot));
}

/* Non-zero inside a read-side critical section. */
static inline int _urcu_bp_read_ongoing(void)
{
	return urcu_compat_ongoing(urcu_compat_rec_in(&urcu_compat_bp_slot));
}

#ifdef __cplusplus
}
#endif

#endif /* _URCU_BP_STATIC_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/static/urcu-memb.h: the inline read side of librcu-urcu's memb
 * flavour (the default one), for code built with _LGPL_SOURCE
 * (urcu/urcu-memb.h maps urcu_memb_read_lock() and its siblings to these).
 *
 * The flavour reads under librcu's default instance (slot 0), as memb, mb
 * and signal all do here: one instance serves the three, so a grace period
 * of any of them waits for the readers of all three. A thread that reads
 * without having called urcu_memb_register_thread() is registered by its
 * first read, and unregistered when it exits.
 */
#ifndef _URCU_MEMB_STATIC_H
#define _URCU_MEMB_STATIC_H

#include <urcu/static/urcu-librcu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Enters a read-side critical section; nestable. */
static inline void _urcu_memb_read_lock(void)
{
	urcu_compat_lock(urcu_compat_rec_for_lock(0));
}

/* Leaves the innermost read-side critical section. */
static inline void _urcu_memb_read_unlock(void)
{
	urcu_compat_unlock(urcu_compat_default_rec());
}

/* Non-zero inside a read-side critical section. */
static inline int _urcu_memb_read_ongoing(void)
{
	return urcu_compat_ongoing(urcu_compat_default_rec());
}

#ifdef __cplusplus
}
#endif

#endif /* _URCU_MEMB_STATIC_H */

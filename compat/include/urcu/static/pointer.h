/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/static/pointer.h: the inline RCU pointer accessors of librcu-urcu
 * (urcu/pointer.h maps rcu_dereference() and its siblings to these with
 * _LGPL_SOURCE or URCU_INLINE_SMALL_FUNCTIONS).
 *
 * Written with the compiler's __atomic builtins, so that ThreadSanitizer
 * sees the publication and subscription they implement:
 *   _rcu_dereference(p)          consume load of the lvalue p (acquire on
 *                                GCC and Clang; a plain load on x86)
 *   _rcu_set_pointer(p, v)       release store of v to *p
 *   _rcu_assign_pointer(p, v)    _rcu_set_pointer(&(p), v)
 *   _rcu_xchg_pointer(p, v)      exchange, fully ordered; the old value
 *   _rcu_cmpxchg_pointer(p, o, n) compare-and-exchange, fully ordered; the
 *                                value found at *p (o when it succeeded)
 * liburcu 0.13's own versions order the same way with its uatomic/cmm
 * primitives (store-store barrier then store; full-barrier xchg/cmpxchg).
 */
#ifndef _URCU_POINTER_STATIC_H
#define _URCU_POINTER_STATIC_H

#include <urcu/compiler.h>
#include <urcu/arch.h>
#include <urcu/system.h>
#include <urcu/uatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

#define _rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)

#define _rcu_set_pointer(p, v)						\
	do {								\
		__typeof__(*(p)) _urcu_compat_v = (v);			\
		__atomic_store_n((p), _urcu_compat_v, __ATOMIC_RELEASE); \
	} while (0)

#define _rcu_assign_pointer(p, v)	_rcu_set_pointer(&(p), (v))

#define _rcu_xchg_pointer(p, v)						\
	__extension__							\
	({								\
		__typeof__(*(p)) _urcu_compat_v = (v);			\
		__atomic_exchange_n((p), _urcu_compat_v,		\
				    __ATOMIC_SEQ_CST);			\
	})

#define _rcu_cmpxchg_pointer(p, old, _new)				\
	__extension__							\
	({								\
		__typeof__(*(p)) _urcu_compat_o = (old);		\
		__typeof__(*(p)) _urcu_compat_n = (_new);		\
		(void) __atomic_compare_exchange_n((p), &_urcu_compat_o, \
				_urcu_compat_n, 0, __ATOMIC_SEQ_CST,	\
				__ATOMIC_SEQ_CST);			\
		_urcu_compat_o;						\
	})

#ifdef __cplusplus
}
#endif

#endif /* _URCU_POINTER_STATIC_H */

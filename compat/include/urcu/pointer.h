/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/pointer.h: RCU pointer publication and subscription, the flavour-
 * independent part of librcu-urcu (librcu's liburcu-compatible C API).
 *
 *   rcu_dereference(p)             load an RCU-protected pointer inside a
 *                                  read-side critical section
 *   rcu_assign_pointer(p, v)       publish v in p (p an lvalue)
 *   rcu_set_pointer(&p, v)         the same, given &p
 *   rcu_xchg_pointer(&p, v)        publish v, return the old value
 *   rcu_cmpxchg_pointer(&p, o, n)  publish n if p is o; return what p held
 *
 * With _LGPL_SOURCE or URCU_INLINE_SMALL_FUNCTIONS they are inline
 * (urcu/static/pointer.h); otherwise they call rcu_dereference_sym() and
 * its siblings in librcu-urcu, as liburcu's do. (Everything here is
 * Apache-2.0: _LGPL_SOURCE implies nothing about the program's licence.)
 */
#ifndef _URCU_POINTER_H
#define _URCU_POINTER_H

#include <urcu/compiler.h>
#include <urcu/arch.h>
#include <urcu/uatomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * How the out-of-line rcu_dereference() forms load their argument: as is
 * (by value, as liburcu's), except under TSan, where the load is atomic
 * (the argument must then be an lvalue) so that TSan sees the
 * subscription.
 */
#if defined(__SANITIZE_THREAD__)
#define _URCU_COMPAT_LOAD(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define _URCU_COMPAT_LOAD(p)	__atomic_load_n(&(p), __ATOMIC_CONSUME)
#endif
#endif
#ifndef _URCU_COMPAT_LOAD
#define _URCU_COMPAT_LOAD(p)	(p)
#endif

/*
 * The out-of-line forms, by the function they call (rcu_dereference_sym()
 * here, urcu_bp_dereference_sym() and its siblings in urcu-bp.h).
 */
#define _URCU_COMPAT_DEREFERENCE_VIA(sym, p)				\
	__extension__							\
	({								\
		__typeof__(p) _urcu_compat_r = URCU_FORCE_CAST(		\
			__typeof__(p),					\
			sym(URCU_FORCE_CAST(void *, _URCU_COMPAT_LOAD(p)))); \
		_urcu_compat_r;						\
	})
#define _URCU_COMPAT_CMPXCHG_VIA(sym, p, old, _new)			\
	__extension__							\
	({								\
		__typeof__(*(p)) _urcu_compat_o = (old);		\
		__typeof__(*(p)) _urcu_compat_n = (_new);		\
		__typeof__(*(p)) _urcu_compat_r = URCU_FORCE_CAST(	\
			__typeof__(*(p)),				\
			sym(URCU_FORCE_CAST(void **, p),		\
			    _urcu_compat_o, _urcu_compat_n));		\
		_urcu_compat_r;						\
	})
#define _URCU_COMPAT_XCHG_VIA(sym, p, v)				\
	__extension__							\
	({								\
		__typeof__(*(p)) _urcu_compat_v = (v);			\
		__typeof__(*(p)) _urcu_compat_r = URCU_FORCE_CAST(	\
			__typeof__(*(p)),				\
			sym(URCU_FORCE_CAST(void **, p), _urcu_compat_v)); \
		_urcu_compat_r;						\
	})

#if defined(_LGPL_SOURCE) || defined(URCU_INLINE_SMALL_FUNCTIONS)

#include <urcu/static/pointer.h>

#define rcu_dereference		_rcu_dereference
#define rcu_cmpxchg_pointer	_rcu_cmpxchg_pointer
#define rcu_xchg_pointer	_rcu_xchg_pointer
#define rcu_set_pointer		_rcu_set_pointer

#else /* !(_LGPL_SOURCE || URCU_INLINE_SMALL_FUNCTIONS) */

/* Out of line: p is passed by value, as with liburcu (see above for TSan). */
extern void *rcu_dereference_sym(void *p);
#define rcu_dereference(p) _URCU_COMPAT_DEREFERENCE_VIA(rcu_dereference_sym, p)

extern void *rcu_cmpxchg_pointer_sym(void **p, void *old, void *_new);
#define rcu_cmpxchg_pointer(p, old, _new) \
	_URCU_COMPAT_CMPXCHG_VIA(rcu_cmpxchg_pointer_sym, p, old, _new)

extern void *rcu_xchg_pointer_sym(void **p, void *v);
#define rcu_xchg_pointer(p, v) _URCU_COMPAT_XCHG_VIA(rcu_xchg_pointer_sym, p, v)

extern void *rcu_set_pointer_sym(void **p, void *v);
#define rcu_set_pointer(p, v)						\
	do {								\
		__typeof__(*(p)) _urcu_compat_v = (v);			\
		(void) rcu_set_pointer_sym(URCU_FORCE_CAST(void **, p),	\
					   _urcu_compat_v);		\
	} while (0)

#endif /* !(_LGPL_SOURCE || URCU_INLINE_SMALL_FUNCTIONS) */

/* Publishes v in the RCU-protected pointer p (an lvalue). */
#define rcu_assign_pointer(p, v)	rcu_set_pointer((&p), (v))

#ifdef __cplusplus
}
#endif

#endif /* _URCU_POINTER_H */

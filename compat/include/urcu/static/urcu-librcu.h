/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/static/urcu-librcu.h: the read-side fast path that every flavour of
 * librcu-urcu (librcu's liburcu-compatible C API) inlines.
 *
 * A C rendering of librcu's inline reader (rcu/internal/reader.h: ReaderLock(),
 * ReaderUnlock(), InReader()), operating on librcu's own per-thread reader
 * words (rcu::internal::ReaderWord) in librcu's own TLS
 * (rcu::internal::tls_readers: the default instance's word inline, and a
 * table of every instance's word by slot). The library checks this layout
 * against the C++ definition at build time (compat/layout_check.cc): a
 * change there breaks the build, not readers.
 *
 * Instances: memb, mb and signal use librcu's default instance (slot 0);
 * qsbr and bp each use an instance of their own, built on first use, whose
 * slot the library publishes in urcu_compat_qsbr_slot / urcu_compat_bp_slot
 * (-1 until then).
 *
 * Memory ordering is librcu's (see rcu/internal/reader.h). With membarrier(), the
 * outermost lock is a relaxed store then a compiler fence, the outermost
 * unlock a compiler fence then a relaxed store; the grace-period side's
 * membarrier() turns both fences into full ones. In fence mode (no
 * membarrier(), or under TSan) the outermost lock and unlock both take the
 * library's slow path, which runs the full fences. Under TSan the reader's
 * stores to `watch` are release stores, as in librcu.
 *
 * Internal to librcu-urcu: programs use the flavour headers.
 */
#ifndef _URCU_STATIC_URCU_LIBRCU_H
#define _URCU_STATIC_URCU_LIBRCU_H

#include <stdint.h>

#include <urcu/compiler.h>
#include <urcu/debug.h>

#ifdef __cplusplus
extern "C" {
#endif

/* rcu::internal::kNestMask, kGenInc and kMaxInstances. */
#define URCU_COMPAT_NEST_MASK		((uint64_t) 0xffff)
#define URCU_COMPAT_GEN_INC		((uint64_t) 1 << 16)
#define URCU_COMPAT_MAX_INSTANCES	64
/* `special`'s fence-mode bit: set for good, it asks nothing. */
#define URCU_COMPAT_SPECIAL_FENCES	((uint32_t) 4)

/*
 * rcu::internal::ReaderWord, field for field:
 *   watch      bits 0..15 read-side nesting depth, bits 16..63 a generation
 *              that every outermost unlock increments; stored only by the
 *              owning thread, loaded by the grace-period side.
 *   special    non-zero sends the outermost unlock to the library's slow
 *              path (fence mode, blocked reader, quiescent state wanted).
 *   lock_slow  non-zero sends the outermost lock to the library's slow
 *              path after its store (fence mode, thread not registered).
 *   rec        the library's record of the thread (opaque here).
 */
struct urcu_compat_rec {
	uint64_t watch;
	uint32_t special;
	unsigned char lock_slow;
	void *rec;
};

/*
 * The leading fields of rcu::internal::TlsReaders (librcu keeps more of
 * its per-thread state after them): the default instance's word inline (memb,
 * mb and signal), and every instance's word by slot (NULL where the thread
 * is not registered).
 */
struct urcu_compat_tls {
	struct urcu_compat_rec word0;
	struct urcu_compat_rec *const *words;
};

#ifndef URCU_COMPAT_LAYOUT_ONLY

/*
 * rcu::internal::tls_readers: the calling thread's reader words.
 * Constant-initialized TLS of librcu, addressed %fs-relative.
 */
extern __thread struct urcu_compat_tls urcu_compat_tls
	__asm__("_ZN3rcu8internal11tls_readersE")
	__attribute__((tls_model("initial-exec")));

/* Slots of the qsbr and bp instances; -1 until the instance is built. */
extern int urcu_compat_qsbr_slot;
extern int urcu_compat_bp_slot;

/*
 * The calling thread's record in the qsbr instance while the thread is
 * registered through urcu_qsbr_register_thread(), else NULL: one TLS load
 * for the qsbr read side (librcu-urcu's own TLS, 8 bytes), where the
 * lookup by slot takes three dependent loads.
 */
extern __thread struct urcu_compat_rec *urcu_compat_qsbr_self
	__attribute__((tls_model("initial-exec")));
/*
 * 0 while urcu_compat_qsbr_self is unset; else 1 when the thread is
 * offline and 2 when it is online. Kept by every qsbr call that changes
 * it, so that rcu_read_ongoing() is one TLS load and one compare, as
 * liburcu-qsbr's is.
 */
extern __thread int urcu_compat_qsbr_state
	__attribute__((tls_model("initial-exec")));

/*
 * Registers the calling thread with the instance in `slot` (the default
 * instance for slot 0, built if need be) and returns its record: a reader
 * that did not register is registered by its first read.
 */
extern struct urcu_compat_rec *urcu_compat_register_self(int slot);
/* The same for the bp instance, building it on first use. */
extern struct urcu_compat_rec *urcu_compat_bp_register_self(void);
/* librcu's outermost lock slow path; `w` is `watch` before the lock. */
extern void urcu_compat_read_lock_slow(struct urcu_compat_rec *t, uint64_t w);
/* librcu's outermost unlock slow path; `w` is `watch` before the unlock. */
extern void urcu_compat_read_unlock_slow(struct urcu_compat_rec *t,
					 uint64_t w);
/*
 * urcu_qsbr_quiescent_state() when the fast path cannot answer: the thread
 * is offline, or a grace period asked it for a quiescent state.
 */
extern void urcu_compat_qsbr_quiescent_state_slow(void);
/* Reports a QSBR read-side critical section on an offline thread; aborts. */
extern void urcu_compat_qsbr_offline_reader(void)
	__attribute__((noreturn, cold));

#if defined(__SANITIZE_THREAD__)
#define URCU_COMPAT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define URCU_COMPAT_TSAN 1
#endif
#endif

/* The order of the reader's outermost stores to `watch`. */
#ifdef URCU_COMPAT_TSAN
#define URCU_COMPAT_WATCH_STORE_ORDER	__ATOMIC_RELEASE
#else
#define URCU_COMPAT_WATCH_STORE_ORDER	__ATOMIC_RELAXED
#endif

/*
 * The calling thread's word in the default instance (slot 0). Its first
 * outermost lock registers the thread (lock_slow), at no cost to the fast
 * path.
 */
static inline struct urcu_compat_rec *urcu_compat_default_rec(void)
{
	return &urcu_compat_tls.word0;
}

/* The calling thread's word in `slot`, registering it if need be. */
static inline struct urcu_compat_rec *urcu_compat_rec_for_lock(int slot)
{
	struct urcu_compat_rec *t;

	if (slot == 0)
		return urcu_compat_default_rec();
	t = urcu_compat_tls.words[slot];
	if (caa_unlikely(t == NULL))
		t = urcu_compat_register_self(slot);
	return t;
}

/* ReaderLock(): enters a (possibly nested) read-side critical section. */
static inline void urcu_compat_lock(struct urcu_compat_rec *t)
{
	/* Relaxed: only this thread stores to its own `watch`. */
	uint64_t w = __atomic_load_n(&t->watch, __ATOMIC_RELAXED);

	urcu_assert((w & URCU_COMPAT_NEST_MASK) != URCU_COMPAT_NEST_MASK);
	/*
	 * The outermost case falls through: on some CPUs taken branches, not
	 * instructions, bound a loop of read pairs (librcu's C++ reader does
	 * the same).
	 */
	if (caa_likely((w & URCU_COMPAT_NEST_MASK) == 0)) {
		__atomic_store_n(&t->watch, w + 1,
				 URCU_COMPAT_WATCH_STORE_ORDER);
		if (caa_unlikely(t->lock_slow)) {
			/*
			 * Fence mode: the library orders the nesting store
			 * before the critical section's loads with a full
			 * fence, pairing with the grace-period side's full
			 * fence after it starts a grace period. Or the thread
			 * registers first.
			 */
			urcu_compat_read_lock_slow(t, w);
		} else {
			/*
			 * Compiler-only: the critical section's accesses stay
			 * after the store; the grace-period side's
			 * membarrier() supplies the CPU fence.
			 */
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
		}
	} else {
		/* Nested: no other thread needs this store in any order. */
		__atomic_store_n(&t->watch, w + 1, __ATOMIC_RELAXED);
	}
}

/* ReaderUnlock(): leaves the innermost read-side critical section. */
static inline void urcu_compat_unlock(struct urcu_compat_rec *t)
{
	uint64_t w = __atomic_load_n(&t->watch, __ATOMIC_RELAXED);

	urcu_assert((w & URCU_COMPAT_NEST_MASK) != 0);
	if (caa_unlikely((w & URCU_COMPAT_NEST_MASK) != 1)) {
		/* Nested: see urcu_compat_lock(). */
		__atomic_store_n(&t->watch, w - 1, __ATOMIC_RELAXED);
		return;
	}
	/*
	 * One test covers fence mode and the grace-period side's rare
	 * requests. Relaxed and before the store, as in librcu: the blocked
	 * flag is this thread's own, the quiescent-state request a hint that
	 * the next scan repeats.
	 */
	if (caa_unlikely(__atomic_load_n(&t->special, __ATOMIC_RELAXED) != 0)) {
		urcu_compat_read_unlock_slow(t, w);
		return;
	}
	/*
	 * Compiler-only: the critical section's accesses stay before the
	 * store that ends it; the grace-period side's membarrier() supplies
	 * the CPU fence.
	 */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->watch, w - 1 + URCU_COMPAT_GEN_INC,
			 URCU_COMPAT_WATCH_STORE_ORDER);
}

/* InReader(): non-zero inside a read-side critical section of t's instance. */
static inline int urcu_compat_ongoing(const struct urcu_compat_rec *t)
{
	return t != NULL &&
		(__atomic_load_n(&t->watch, __ATOMIC_RELAXED) &
		 URCU_COMPAT_NEST_MASK) != 0;
}

/*
 * The calling thread's record in the qsbr or bp instance, NULL if the
 * instance does not exist yet or the thread is not registered with it.
 * Relaxed: a thread that registered itself built the instance first or
 * saw it built; any other thread that reads -1 takes the slow path.
 */
static inline struct urcu_compat_rec *urcu_compat_rec_in(const int *slotp)
{
	int slot = __atomic_load_n(slotp, __ATOMIC_RELAXED);

	if (caa_unlikely(slot < 0))
		return NULL;
	return urcu_compat_tls.words[slot];
}

#endif /* !URCU_COMPAT_LAYOUT_ONLY */

#ifdef __cplusplus
}
#endif

#endif /* _URCU_STATIC_URCU_LIBRCU_H */

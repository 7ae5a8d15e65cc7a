/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * epoch_rcu.h: a small epoch-based RCU, the kind a user might write for
 * their own program: one global epoch counter, one slot per registered
 * thread holding the epoch its outermost read-side critical section began
 * in (0 outside), and grace periods that advance the epoch and wait until
 * no slot holds an older one. Callbacks run on one thread of its own.
 * Plain C11 and pthreads; nothing else.
 *
 * Built with EPOCH_RCU_BUSTED defined, the grace period does not wait for
 * readers that began in the epoch current when it started (only for older
 * ones): a deliberately broken RCU that a torture test must catch.
 *
 * Rules: a thread registers before reading (or is registered at its first
 * read_lock) and unregisters outside any read-side critical section before
 * it exits; epoch_rcu_synchronize() and epoch_rcu_barrier() may not be
 * called inside a read-side critical section or from a callback.
 */
#ifndef EPOCH_RCU_EPOCH_RCU_H_
#define EPOCH_RCU_EPOCH_RCU_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A callback head, embedded in the caller's object. */
struct epoch_rcu_head {
  struct epoch_rcu_head *next;
  void (*func)(struct epoch_rcu_head *head);
};

/* Starts the callback thread. 0 on success, else an errno value. */
int epoch_rcu_init(void);
/* Runs the callbacks still queued, then stops the callback thread. */
void epoch_rcu_cleanup(void);

void epoch_rcu_register_thread(void);
void epoch_rcu_unregister_thread(void);

/* Read-side critical sections; nestable. */
void epoch_rcu_read_lock(void);
void epoch_rcu_read_unlock(void);

/* Waits until every read-side critical section that began before the call
 * has ended. The expedited one busy-waits (yielding) instead of sleeping. */
void epoch_rcu_synchronize(void);
void epoch_rcu_synchronize_expedited(void);

/* Polled grace periods: a cookie, and whether a grace period has elapsed
 * since it was taken. start_poll also asks the callback thread for a grace
 * period; cond_synchronize waits only when none has elapsed. */
uint64_t epoch_rcu_get_state(void);
uint64_t epoch_rcu_start_poll(void);
int epoch_rcu_poll_state(uint64_t cookie);
void epoch_rcu_cond_synchronize(uint64_t cookie);

/* Grace periods completed so far. */
uint64_t epoch_rcu_completed(void);

/* Calls func(head) on the callback thread after a grace period. */
void epoch_rcu_call(struct epoch_rcu_head *head,
                    void (*func)(struct epoch_rcu_head *head));
/* Waits until every callback queued before it has been invoked. */
void epoch_rcu_barrier(void);

/* One line of counters: epoch, grace periods, waits, callbacks. */
void epoch_rcu_stats(char *buf, size_t len);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EPOCH_RCU_EPOCH_RCU_H_ */

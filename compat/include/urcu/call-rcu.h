/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/call-rcu.h: call_rcu(), rcu_barrier() and the call_rcu_data API of
 * librcu-urcu (librcu's liburcu-compatible C API).
 *
 * The generic names below become each flavour's own (call_rcu ->
 * urcu_memb_call_rcu, ...) through the flavour header included first
 * (urcu/map/urcu-FLAVOUR.h), as in liburcu 0.13.
 *
 * Differences from liburcu (details in the library's README.md):
 *  - Callbacks go to librcu's per-vCPU callback threads (Rcu::Call()), which
 *    batch them per grace period. A struct call_rcu_data is a handle with
 *    no thread of its own: create/set/get/free behave as liburcu's (same
 *    return values and errno), but which handle a thread "uses" does not
 *    change where its callbacks run. call_rcu_data_free() waits for the
 *    callbacks queued before it (an rcu_barrier()), unless the caller is
 *    inside a read-side critical section or a callback.
 *  - get_call_rcu_thread() returns 0: there is no such thread.
 *  - URCU_CALL_RCU_RT and the cpu_affinity argument are accepted and
 *    ignored.
 *  - call_rcu() needs no registration (liburcu's needs a registered,
 *    online thread); it never blocks.
 *  - Callbacks run on librcu's callback threads, which are not QSBR
 *    readers: a qsbr callback must not rely on being online. A callback
 *    must not call synchronize_rcu() or rcu_barrier() (librcu aborts,
 *    naming the mistake); it may call call_rcu() and read (memb, mb,
 *    signal and bp threads register on their first read).
 *  - call_rcu_before_fork(), call_rcu_after_fork_parent() and
 *    call_rcu_after_fork_child() only run the cds_lfht worker's fork
 *    hooks (urcu_register_rculfhash_atfork()): librcu's own pthread_atfork()
 *    handlers stop and rebuild its grace-period and callback threads
 *    around every fork().
 */
#ifndef _URCU_CALL_RCU_H
#define _URCU_CALL_RCU_H

#include <stdlib.h>
#include <pthread.h>

#include <urcu/wfcqueue.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque: a handle (see above). */
struct call_rcu_data;

/* Flags of create_call_rcu_data() and create_all_cpu_call_rcu_data(). */
#define URCU_CALL_RCU_RT	(1U << 0)
#define URCU_CALL_RCU_RUNNING	(1U << 1)
#define URCU_CALL_RCU_STOP	(1U << 2)
#define URCU_CALL_RCU_STOPPED	(1U << 3)
#define URCU_CALL_RCU_PAUSE	(1U << 4)
#define URCU_CALL_RCU_PAUSED	(1U << 5)

/*
 * Embed one in each object reclaimed through call_rcu(); the library owns
 * it from call_rcu() until `func` is called. 16 bytes, laid out as
 * librcu's rcu::RcuHead {next, func}, to which call_rcu() hands it.
 */
struct rcu_head {
	struct cds_wfcq_node next;
	void (*func)(struct rcu_head *head);
};

/* Calls func(head) on a librcu callback thread after a grace period. */
void call_rcu(struct rcu_head *head,
	      void (*func)(struct rcu_head *head));

struct call_rcu_data *create_call_rcu_data(unsigned long flags,
					   int cpu_affinity);
void call_rcu_data_free(struct call_rcu_data *crdp);

struct call_rcu_data *get_default_call_rcu_data(void);
struct call_rcu_data *get_cpu_call_rcu_data(int cpu);
struct call_rcu_data *get_thread_call_rcu_data(void);
struct call_rcu_data *get_call_rcu_data(void);
pthread_t get_call_rcu_thread(struct call_rcu_data *crdp);

void set_thread_call_rcu_data(struct call_rcu_data *crdp);
int set_cpu_call_rcu_data(int cpu, struct call_rcu_data *crdp);

int create_all_cpu_call_rcu_data(unsigned long flags);
void free_all_cpu_call_rcu_data(void);

void call_rcu_before_fork(void);
void call_rcu_after_fork_parent(void);
void call_rcu_after_fork_child(void);

/*
 * Waits until every callback queued (by any thread) before the call has
 * run. Inside a read-side critical section it prints an error once and
 * returns, as liburcu's does; a QSBR thread goes offline while it waits.
 */
void rcu_barrier(void);

#ifdef __cplusplus
}
#endif

#endif /* _URCU_CALL_RCU_H */

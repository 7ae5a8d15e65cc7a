/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * epoch_rcu.c: the epoch-based RCU of epoch_rcu.h.
 *
 * Ordering. A reader's outermost read_lock loads the global epoch E
 * (acquire), stores E into its slot and issues a full fence before its
 * critical section reads anything. A grace period first advances the epoch
 * to N (a sequentially consistent read-modify-write), issues a full fence,
 * then reads every slot (acquire) and waits while one holds a value in
 * 1..N-1. Of the two fences one comes first: either the grace period sees
 * the reader's slot (and waits for it), or the reader's critical section
 * sees every store the updater made before the grace period (the removal
 * of what is about to be freed). A reader that loaded N or later
 * synchronized with the epoch advance, so it sees those stores as well.
 * The outermost read_unlock stores 0 with release: what the reader read
 * happens before the grace period's acquire load of that 0.
 */
#define _POSIX_C_SOURCE 200809L
#include "epoch_rcu.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* One registered thread. `epoch` is written by its owner only. */
struct Reader {
  _Atomic uint64_t epoch; /* 0: outside; else the epoch its reader began in */
  unsigned nesting;       /* read_lock depth, owner only */
  struct Reader *prev, *next;
};

static _Thread_local struct Reader *tls_reader;

/* The epoch; readers record it, grace periods advance it. Starts at 1 (0
 * marks a slot outside any reader). */
static _Atomic uint64_t g_epoch = 1;
/* Every reader that began in an epoch below this one has ended. */
static _Atomic uint64_t g_completed = 1;
static _Atomic uint64_t g_waits; /* times a grace period had to wait */

/* The registered threads; a grace period holds it while it scans. */
static pthread_mutex_t g_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct Reader *g_readers;
/* One grace period at a time. */
static pthread_mutex_t g_gp_lock = PTHREAD_MUTEX_INITIALIZER;

/* Callbacks: one FIFO list, invoked in batches by g_cb_thread. */
static pthread_mutex_t g_cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cb_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_cb_done = PTHREAD_COND_INITIALIZER;
static struct epoch_rcu_head *g_cb_head;
static struct epoch_rcu_head **g_cb_tail = &g_cb_head;
static uint64_t g_cb_queued;  /* under g_cb_lock */
static uint64_t g_cb_invoked; /* under g_cb_lock */
static bool g_gp_wanted;      /* under g_cb_lock: start_poll asked */
static bool g_cb_stop;        /* under g_cb_lock */
static bool g_cb_running;
static pthread_t g_cb_thread;

void epoch_rcu_register_thread(void) {
  if (tls_reader != NULL) return;
  struct Reader *r = calloc(1, sizeof(*r));
  if (r == NULL) abort();
  atomic_init(&r->epoch, 0);
  pthread_mutex_lock(&g_registry_lock);
  r->next = g_readers;
  if (g_readers != NULL) g_readers->prev = r;
  g_readers = r;
  pthread_mutex_unlock(&g_registry_lock);
  tls_reader = r;
}

void epoch_rcu_unregister_thread(void) {
  struct Reader *r = tls_reader;
  if (r == NULL) return;
  pthread_mutex_lock(&g_registry_lock);
  if (r->prev != NULL) r->prev->next = r->next;
  if (r->next != NULL) r->next->prev = r->prev;
  if (g_readers == r) g_readers = r->next;
  pthread_mutex_unlock(&g_registry_lock);
  tls_reader = NULL;
  free(r);
}

void epoch_rcu_read_lock(void) {
  struct Reader *r = tls_reader;
  if (r == NULL) {
    epoch_rcu_register_thread();
    r = tls_reader;
  }
  if (r->nesting++ == 0) {
    uint64_t e = atomic_load_explicit(&g_epoch, memory_order_acquire);
    atomic_store_explicit(&r->epoch, e, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
  }
}

void epoch_rcu_read_unlock(void) {
  struct Reader *r = tls_reader;
  if (--r->nesting == 0) {
    atomic_store_explicit(&r->epoch, 0, memory_order_release);
  }
}

/* Whether a reader that began in epoch `e` (0: none) holds up the grace
 * period that advanced the epoch to `target`. */
static bool Blocks(uint64_t e, uint64_t target) {
#ifdef EPOCH_RCU_BUSTED
  /* The bug: readers of the epoch current when the grace period started
   * (target - 1) are not waited for. */
  return e != 0 && e + 1 < target;
#else
  return e != 0 && e < target;
#endif
}

/* Waits while `r` holds up the grace period to `target`: yields at first,
 * then (unless expedited) sleeps 10 us, doubling up to 1 ms. */
static void WaitFor(struct Reader *r, uint64_t target, bool expedited) {
  long sleep_ns = 10000;
  int spins = 0;
  bool waited = false;
  while (
      Blocks(atomic_load_explicit(&r->epoch, memory_order_acquire), target)) {
    waited = true;
    if (expedited || ++spins < 10) {
      sched_yield();
      continue;
    }
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, NULL);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
  if (waited) atomic_fetch_add_explicit(&g_waits, 1, memory_order_relaxed);
}

static void GracePeriod(bool expedited) {
  pthread_mutex_lock(&g_gp_lock);
  uint64_t target = atomic_fetch_add(&g_epoch, 1) + 1;
  atomic_thread_fence(memory_order_seq_cst);
  pthread_mutex_lock(&g_registry_lock);
  for (struct Reader *r = g_readers; r != NULL; r = r->next) {
    WaitFor(r, target, expedited);
  }
  pthread_mutex_unlock(&g_registry_lock);
  atomic_store_explicit(&g_completed, target, memory_order_release);
  pthread_mutex_unlock(&g_gp_lock);
}

void epoch_rcu_synchronize(void) { GracePeriod(false); }
void epoch_rcu_synchronize_expedited(void) { GracePeriod(true); }

/* A reader that began before this call recorded an epoch no later than the
 * one loaded here, so the grace period that advances past it suffices. */
uint64_t epoch_rcu_get_state(void) {
  return atomic_load_explicit(&g_epoch, memory_order_acquire) + 1;
}

uint64_t epoch_rcu_start_poll(void) {
  uint64_t cookie = epoch_rcu_get_state();
  pthread_mutex_lock(&g_cb_lock);
  g_gp_wanted = true;
  pthread_cond_signal(&g_cb_work);
  pthread_mutex_unlock(&g_cb_lock);
  return cookie;
}

int epoch_rcu_poll_state(uint64_t cookie) {
  return atomic_load_explicit(&g_completed, memory_order_acquire) >= cookie;
}

void epoch_rcu_cond_synchronize(uint64_t cookie) {
  if (!epoch_rcu_poll_state(cookie)) epoch_rcu_synchronize();
}

uint64_t epoch_rcu_completed(void) {
  return atomic_load_explicit(&g_completed, memory_order_acquire) - 1;
}

void epoch_rcu_call(struct epoch_rcu_head *head,
                    void (*func)(struct epoch_rcu_head *head)) {
  head->func = func;
  head->next = NULL;
  pthread_mutex_lock(&g_cb_lock);
  *g_cb_tail = head;
  g_cb_tail = &head->next;
  ++g_cb_queued;
  pthread_cond_signal(&g_cb_work);
  pthread_mutex_unlock(&g_cb_lock);
}

void epoch_rcu_barrier(void) {
  pthread_mutex_lock(&g_cb_lock);
  uint64_t target = g_cb_queued;
  while (g_cb_invoked < target) pthread_cond_wait(&g_cb_done, &g_cb_lock);
  pthread_mutex_unlock(&g_cb_lock);
}

/* The callback thread: takes every queued callback, waits for a grace
 * period, invokes them in order. A registered reader, so callbacks may
 * read. */
static void *CallbackThread(void *arg) {
  (void)arg;
  epoch_rcu_register_thread();
  pthread_mutex_lock(&g_cb_lock);
  for (;;) {
    while (!g_cb_stop && g_cb_head == NULL && !g_gp_wanted) {
      pthread_cond_wait(&g_cb_work, &g_cb_lock);
    }
    if (g_cb_stop && g_cb_head == NULL) break;
    struct epoch_rcu_head *batch = g_cb_head;
    g_cb_head = NULL;
    g_cb_tail = &g_cb_head;
    g_gp_wanted = false;
    pthread_mutex_unlock(&g_cb_lock);

    epoch_rcu_synchronize();
    uint64_t n = 0;
    while (batch != NULL) {
      struct epoch_rcu_head *next = batch->next; /* func may free it */
      batch->func(batch);
      batch = next;
      ++n;
    }

    pthread_mutex_lock(&g_cb_lock);
    g_cb_invoked += n;
    pthread_cond_broadcast(&g_cb_done);
  }
  pthread_mutex_unlock(&g_cb_lock);
  epoch_rcu_unregister_thread();
  return NULL;
}

int epoch_rcu_init(void) {
  if (g_cb_running) return EBUSY;
  g_cb_stop = false;
  int err = pthread_create(&g_cb_thread, NULL, CallbackThread, NULL);
  if (err == 0) g_cb_running = true;
  return err;
}

void epoch_rcu_cleanup(void) {
  if (!g_cb_running) return;
  pthread_mutex_lock(&g_cb_lock);
  g_cb_stop = true;
  pthread_cond_signal(&g_cb_work);
  pthread_mutex_unlock(&g_cb_lock);
  pthread_join(g_cb_thread, NULL);
  g_cb_running = false;
}

void epoch_rcu_stats(char *buf, size_t len) {
  pthread_mutex_lock(&g_cb_lock);
  unsigned long long queued = g_cb_queued, invoked = g_cb_invoked;
  pthread_mutex_unlock(&g_cb_lock);
  snprintf(buf, len,
           "epoch-rcu: epoch %llu completed %llu waits %llu callbacks "
           "queued %llu invoked %llu",
           (unsigned long long)atomic_load(&g_epoch),
           (unsigned long long)epoch_rcu_completed(),
           (unsigned long long)atomic_load(&g_waits), queued, invoked);
}

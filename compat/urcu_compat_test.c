/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu_compat_test.c: librcu-urcu (librcu's liburcu-compatible C API)
 * exercised as a liburcu 0.13 program would: C, the liburcu headers'
 * names, compat/include first on the include path, -lrcu-urcu.
 *
 * Built once per flavour, like liburcu's own tests:
 *   -DTEST_FLAVOUR_MEMB    <urcu.h> (memb)     -DRCU_MB      <urcu.h> (mb)
 *   -DTEST_FLAVOUR_QSBR    <urcu-qsbr.h>       -DRCU_SIGNAL  <urcu.h> (signal)
 *   -DTEST_FLAVOUR_BP      <urcu-bp.h>
 * with _LGPL_SOURCE (the inline read side) unless -DTEST_NO_LGPL (the
 * library's out-of-line functions).
 *
 *   urcu_compat_test TEST [SECONDS]     one test (or "all"); SECONDS (1)
 *                                       bounds the stress tests
 *   urcu_compat_test --list             the tests of this flavour
 *
 * Each test is named after the failure it pins. Exit status: 0 passed,
 * 1 failed, 2 an RCU guarantee was broken (a reader saw reclaimed memory, a
 * grace period or callback did not wait for a reader): the status
 * librcu-urcu-busted (synchronize_rcu() returns at once) must produce.
 */
#ifndef TEST_NO_LGPL
#define _LGPL_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(TEST_FLAVOUR_QSBR)
#include <urcu-qsbr.h>
#define FLAVOUR_NAME "qsbr"
#elif defined(TEST_FLAVOUR_BP)
#include <urcu-bp.h>
#define FLAVOUR_NAME "bp"
#else
#include <urcu.h>
#if defined(RCU_MB)
#define FLAVOUR_NAME "mb"
#elif defined(RCU_SIGNAL)
#define FLAVOUR_NAME "signal"
#else
#define FLAVOUR_NAME "memb"
#endif
#endif

#include <urcu/compiler.h>
#include <urcu/rculfhash.h>

#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#endif

#ifdef TEST_TSAN
/*
 * Debian's liburcu-cds is not instrumented: TSan cannot see the
 * synchronization inside it (its resize workqueue, its lock-free lists),
 * only the memory it allocates and frees.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) {
  return "race:liburcu-cds.so\n";
}
#endif

enum { kPassed = 0, kFailed = 1, kViolation = 2 };

/* The current test's outcome; main() keeps the worst for the exit status. */
static int status = kPassed;
static double test_seconds = 1.0;

/* Raises the current test's outcome to `s` (any thread). */
static void set_status(int s) {
  int old = __atomic_load_n(&status, __ATOMIC_RELAXED);

  while (old < s &&
         !__atomic_compare_exchange_n(&status, &old, s, 0, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED))
    ;
}

#define FAIL(...)                                               \
  do {                                                          \
    fprintf(stderr, "FAILED (" FLAVOUR_NAME "): " __VA_ARGS__); \
    fputc('\n', stderr);                                        \
    set_status(kFailed);                                        \
  } while (0)

#define EXPECT(cond)                                           \
  do {                                                         \
    if (!(cond)) FAIL("%s:%d: %s", __FILE__, __LINE__, #cond); \
  } while (0)

/* A broken RCU guarantee: exit status 2. */
static int violations;

static void violation(const char *what) {
  if (__atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED) < 5)
    fprintf(stderr, "VIOLATION (" FLAVOUR_NAME "): %s\n", what);
  set_status(kViolation);
}

static double now(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms) { (void)poll(NULL, 0, ms); }

static pthread_t spawn(void *(*fn)(void *), void *arg) {
  pthread_t tid;
  int ret = pthread_create(&tid, NULL, fn, arg);

  if (ret) {
    fprintf(stderr, "pthread_create: %s\n", strerror(ret));
    exit(kFailed);
  }
  return tid;
}

static void join(pthread_t tid) {
  int ret = pthread_join(tid, NULL);

  if (ret) {
    fprintf(stderr, "pthread_join: %s\n", strerror(ret));
    exit(kFailed);
  }
}

/*
 * Registration of a reader thread, as a liburcu program of the flavour
 * does it. bp readers do not register: their first read registers them.
 */
static void reader_register(void) {
#ifndef TEST_FLAVOUR_BP
  rcu_register_thread();
#endif
}

static void reader_unregister(void) {
#ifndef TEST_FLAVOUR_BP
  rcu_unregister_thread();
#endif
}

/* A quiescent state: QSBR readers must announce them. */
static void reader_quiescent(void) {
#ifdef TEST_FLAVOUR_QSBR
  rcu_quiescent_state();
#endif
}

/* ------------------------------------------------------------------ */
/* gp_ends_under_reader: synchronize_rcu() returned while a reader that
 * began before it was still inside its critical section. */

static int gp_reader_inside;
static int gp_reader_done;

static void *gp_reader(void *arg) {
  (void)arg;
  reader_register();
  rcu_read_lock();
  __atomic_store_n(&gp_reader_inside, 1, __ATOMIC_RELEASE);
  sleep_ms(200);
  /* Still inside: a grace period that began earlier must not be over. */
  __atomic_store_n(&gp_reader_done, 1, __ATOMIC_RELEASE);
  rcu_read_unlock();
  reader_quiescent();
  reader_unregister();
  return NULL;
}

static void test_gp_ends_under_reader(void) {
  pthread_t tid;

  gp_reader_inside = gp_reader_done = 0;
  tid = spawn(gp_reader, NULL);
  while (!__atomic_load_n(&gp_reader_inside, __ATOMIC_ACQUIRE)) sleep_ms(1);
  synchronize_rcu();
  if (!__atomic_load_n(&gp_reader_done, __ATOMIC_ACQUIRE))
    violation(
        "synchronize_rcu() returned while a reader that began "
        "before it was inside its critical section");
  join(tid);
}

/* ------------------------------------------------------------------ */
/* reader_sees_reclaimed_node: the pipeline stress test. An updater
 * replaces the published node and retires the old one after a grace
 * period (alternately synchronize_rcu() and call_rcu()); readers check
 * that no node they hold was retired ("freed" set) or aged two grace
 * periods (rcutorture's pipe count). Nodes are recycled, never freed, so
 * a broken RCU shows as a count, not as a crash. */

#define PIPE_LEN 10

struct pipe_node {
  int payload;    /* kPayload while published or held */
  int pipe_count; /* grace periods since it was replaced */
  int freed;      /* retired: no reader may hold it */
  struct rcu_head rh;
};

enum { kPayload = 0x5eed };

static struct pipe_node pipe_nodes[PIPE_LEN];
static struct pipe_node *pipe_current;
static int pipe_stop;
static long pipe_reads, pipe_updates;

static pthread_mutex_t pipe_cb_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pipe_cb_cond = PTHREAD_COND_INITIALIZER;
static int pipe_cb_done;

static void *pipe_reader(void *arg) {
  long reads = 0;
  volatile int spin;

  (void)arg;
  reader_register();
  while (!__atomic_load_n(&pipe_stop, __ATOMIC_RELAXED)) {
    struct pipe_node *p;
    int i;

    rcu_read_lock();
    p = rcu_dereference(pipe_current);
    if (p->payload != kPayload)
      violation("reader saw a node with a bad payload");
    if (__atomic_load_n(&p->freed, __ATOMIC_RELAXED))
      violation("reader saw a retired node");
    /* Nested reader, and a delay inside the outer one. */
    rcu_read_lock();
    for (i = 0; i < 100; i++) spin = i;
    rcu_read_unlock();
    (void)spin;
    if (__atomic_load_n(&p->pipe_count, __ATOMIC_RELAXED) > 1)
      violation("a node outlived a full grace period in a reader");
    if (__atomic_load_n(&p->freed, __ATOMIC_RELAXED))
      violation("a node held by a reader was retired");
    rcu_read_unlock();
    reader_quiescent();
    if ((++reads & 0xfff) == 0) {
      rcu_thread_offline(); /* no-ops except in QSBR */
      sleep_ms(0);
      rcu_thread_online();
    }
  }
  __atomic_fetch_add(&pipe_reads, reads, __ATOMIC_RELAXED);
  reader_unregister();
  return NULL;
}

static void pipe_cb(struct rcu_head *head) {
  (void)head;
  pthread_mutex_lock(&pipe_cb_mutex);
  pipe_cb_done = 1;
  pthread_cond_signal(&pipe_cb_cond);
  pthread_mutex_unlock(&pipe_cb_mutex);
}

/* Waits for a grace period the way rcutorture's updater does. */
static void pipe_wait_gp(long n, struct rcu_head *rh) {
  if (n & 1) {
    synchronize_rcu();
    return;
  }
  pthread_mutex_lock(&pipe_cb_mutex);
  pipe_cb_done = 0;
  call_rcu(rh, pipe_cb);
  while (!pipe_cb_done) pthread_cond_wait(&pipe_cb_cond, &pipe_cb_mutex);
  pthread_mutex_unlock(&pipe_cb_mutex);
}

static void test_reader_sees_reclaimed_node(void) {
  pthread_t readers[3];
  struct rcu_head rh;
  int idx = 0, i;
  long n = 0;
  double end;

  memset(pipe_nodes, 0, sizeof(pipe_nodes));
  pipe_nodes[0].payload = kPayload;
  pipe_current = &pipe_nodes[0];
  pipe_stop = 0;
  pipe_reads = pipe_updates = 0;
  for (i = 0; i < 3; i++) readers[i] = spawn(pipe_reader, NULL);
  end = now() + test_seconds;
  while (now() < end) {
    struct pipe_node *old = &pipe_nodes[idx], *p;

    idx = (idx + 1) % PIPE_LEN;
    p = &pipe_nodes[idx];
    p->payload = kPayload;
    __atomic_store_n(&p->pipe_count, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->freed, 0, __ATOMIC_RELAXED);
    rcu_assign_pointer(pipe_current, p);
    for (i = 0; i < PIPE_LEN; i++)
      if (i != idx)
        __atomic_fetch_add(&pipe_nodes[i].pipe_count, 1, __ATOMIC_RELAXED);
    pipe_wait_gp(n++, &rh);
    /* No reader can hold `old` any more: retire it. */
    __atomic_store_n(&old->freed, 1, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&pipe_stop, 1, __ATOMIC_RELAXED);
  for (i = 0; i < 3; i++) join(readers[i]);
  pipe_updates = n;
  if (pipe_reads == 0 || pipe_updates == 0)
    FAIL("no progress: %ld reads, %ld updates", pipe_reads, pipe_updates);
  printf("# %s reader_sees_reclaimed_node: %ld reads, %ld updates\n",
         FLAVOUR_NAME, pipe_reads, pipe_updates);
}

/* ------------------------------------------------------------------ */
/* callback_before_grace_period: a call_rcu() callback ran while a reader
 * that began before call_rcu() was still inside. */

static int cbgp_ran_early;
static int cbgp_ran;

static void cbgp_cb(struct rcu_head *head) {
  (void)head;
  if (!__atomic_load_n(&gp_reader_done, __ATOMIC_ACQUIRE))
    __atomic_store_n(&cbgp_ran_early, 1, __ATOMIC_RELAXED);
  __atomic_store_n(&cbgp_ran, 1, __ATOMIC_RELEASE);
}

static void test_callback_before_grace_period(void) {
  static struct rcu_head rh;
  pthread_t tid;

  gp_reader_inside = gp_reader_done = 0;
  cbgp_ran_early = cbgp_ran = 0;
  tid = spawn(gp_reader, NULL);
  while (!__atomic_load_n(&gp_reader_inside, __ATOMIC_ACQUIRE)) sleep_ms(1);
  call_rcu(&rh, cbgp_cb);
  rcu_barrier();
  EXPECT(__atomic_load_n(&cbgp_ran, __ATOMIC_ACQUIRE));
  if (__atomic_load_n(&cbgp_ran_early, __ATOMIC_RELAXED))
    violation(
        "a call_rcu() callback ran before a pre-existing "
        "reader ended");
  join(tid);
}

/* ------------------------------------------------------------------ */
/* barrier_misses_callbacks: rcu_barrier() returned before every callback
 * queued earlier (by several threads, some re-posting themselves) ran. */

struct counted {
  struct rcu_head rh;
  int repost;
};

static long cb_invoked;

static void counted_cb(struct rcu_head *head) {
  struct counted *c = caa_container_of(head, struct counted, rh);

  __atomic_fetch_add(&cb_invoked, 1, __ATOMIC_RELAXED);
  if (c->repost) {
    /* Callbacks may queue callbacks. */
    c->repost = 0;
    call_rcu(&c->rh, counted_cb);
    return;
  }
  free(c);
}

enum { kCbThreads = 3, kCbPerThread = 20000 };

static void *cb_poster(void *arg) {
  int i;

  (void)arg;
  reader_register();
  for (i = 0; i < kCbPerThread; i++) {
    struct counted *c = calloc(1, sizeof(*c));

    if (!c) abort();
    call_rcu(&c->rh, counted_cb);
    if ((i & 0xff) == 0) reader_quiescent();
  }
  rcu_barrier();
  reader_unregister();
  return NULL;
}

static void test_barrier_misses_callbacks(void) {
  pthread_t tids[kCbThreads];
  struct counted *c;
  int i;

  cb_invoked = 0;
  for (i = 0; i < kCbThreads; i++) tids[i] = spawn(cb_poster, NULL);
  for (i = 0; i < kCbThreads; i++) join(tids[i]);
  if (__atomic_load_n(&cb_invoked, __ATOMIC_RELAXED) !=
      kCbThreads * kCbPerThread)
    FAIL("rcu_barrier(): %ld of %d callbacks invoked", cb_invoked,
         kCbThreads * kCbPerThread);
  /* A re-posting callback needs a barrier per hop. */
  cb_invoked = 0;
  c = calloc(1, sizeof(*c));
  if (!c) abort();
  c->repost = 1;
  call_rcu(&c->rh, counted_cb);
  rcu_barrier();
  rcu_barrier();
  EXPECT(__atomic_load_n(&cb_invoked, __ATOMIC_RELAXED) == 2);
}

/* ------------------------------------------------------------------ */
/* barrier_in_reader_hangs: rcu_barrier() inside a read-side critical
 * section must report the mistake and return (liburcu's behaviour), not
 * wait for itself. Not for QSBR, where a reader is an online thread and
 * rcu_barrier() goes offline. */

static void test_barrier_in_reader_hangs(void) {
#ifndef TEST_FLAVOUR_QSBR
  reader_register();
  rcu_read_lock();
  rcu_barrier(); /* prints "[error] ..." and returns */
  EXPECT(rcu_read_ongoing());
  rcu_read_unlock();
  reader_unregister();
#endif
}

/* ------------------------------------------------------------------ */
/* call_rcu_data_inconsistent: the call_rcu_data API returns what
 * liburcu's would; freeing a handle waits for the callbacks queued before
 * it. */

static void test_call_rcu_data_inconsistent(void) {
  struct call_rcu_data *crdp, *dflt, *cpu0;
  struct counted *c;
  int i;

  dflt = get_default_call_rcu_data();
  EXPECT(dflt != NULL);
  EXPECT(get_default_call_rcu_data() == dflt);
  EXPECT(get_thread_call_rcu_data() == NULL);
  EXPECT(get_call_rcu_thread(dflt) == (pthread_t)0);
  call_rcu_data_free(dflt); /* refused, as liburcu */
  call_rcu_data_free(NULL);
  EXPECT(get_default_call_rcu_data() == dflt);

  crdp = create_call_rcu_data(0, -1);
  EXPECT(crdp != NULL && crdp != dflt);
  set_thread_call_rcu_data(crdp);
  EXPECT(get_thread_call_rcu_data() == crdp);
  EXPECT(get_call_rcu_data() == crdp);
  cb_invoked = 0;
  for (i = 0; i < 1000; i++) {
    c = calloc(1, sizeof(*c));
    if (!c) abort();
    call_rcu(&c->rh, counted_cb);
  }
  set_thread_call_rcu_data(NULL);
  call_rcu_data_free(crdp);
  EXPECT(__atomic_load_n(&cb_invoked, __ATOMIC_RELAXED) == 1000);
  EXPECT(get_call_rcu_data() == dflt);

  EXPECT(get_cpu_call_rcu_data(0) == NULL);
  EXPECT(create_all_cpu_call_rcu_data(0) == 0);
  cpu0 = get_cpu_call_rcu_data(0);
  EXPECT(cpu0 != NULL && cpu0 != dflt);
  EXPECT(create_all_cpu_call_rcu_data(0) == 0); /* keeps them */
  EXPECT(get_cpu_call_rcu_data(0) == cpu0);
  crdp = create_call_rcu_data(URCU_CALL_RCU_RT, 0);
  errno = 0;
  EXPECT(set_cpu_call_rcu_data(0, crdp) == -EEXIST && errno == EEXIST);
  errno = 0;
  EXPECT(set_cpu_call_rcu_data(-1, crdp) == -EINVAL && errno == EINVAL);
  EXPECT(get_cpu_call_rcu_data(1 << 20) == NULL);
  EXPECT(set_cpu_call_rcu_data(0, NULL) == 0);
  EXPECT(get_cpu_call_rcu_data(0) == NULL);
  EXPECT(set_cpu_call_rcu_data(0, crdp) == 0);
  EXPECT(get_cpu_call_rcu_data(0) == crdp);
  call_rcu_data_free(cpu0);
  {
    struct call_rcu_data *mine = get_call_rcu_data();

    /* This thread's CPU's handle, whichever CPU it runs on. */
    EXPECT(mine != NULL && mine != dflt);
  }
  free_all_cpu_call_rcu_data();
  EXPECT(get_cpu_call_rcu_data(0) == NULL);
  EXPECT(get_call_rcu_data() == dflt);
}

/* ------------------------------------------------------------------ */
/* defer_rcu_loses_calls: every defer_rcu() runs after a grace period,
 * and rcu_defer_barrier() waits for them. */

static long deferred;

static void deferred_fn(void *p) {
  __atomic_fetch_add(&deferred, 1, __ATOMIC_RELAXED);
  free(p);
}

static void test_defer_rcu_loses_calls(void) {
  int i;

  deferred = 0;
  reader_register();
  EXPECT(rcu_defer_register_thread() == 0);
  for (i = 0; i < 10000; i++) {
    void *p = malloc(16);

    if (!p) abort();
    defer_rcu(deferred_fn, p);
  }
  rcu_defer_barrier();
  EXPECT(__atomic_load_n(&deferred, __ATOMIC_RELAXED) == 10000);
  defer_rcu(deferred_fn, malloc(16));
  rcu_defer_barrier_thread();
  EXPECT(__atomic_load_n(&deferred, __ATOMIC_RELAXED) == 10001);
  defer_rcu(deferred_fn, malloc(16));
  rcu_defer_unregister_thread();
  EXPECT(__atomic_load_n(&deferred, __ATOMIC_RELAXED) == 10002);
  reader_unregister();
}

/* ------------------------------------------------------------------ */
/* callback_cannot_read: a callback that enters a read-side critical
 * section (liburcu's callback threads are readers). */

static int cb_read_ok;
static int cb_value = 42;
static int *cb_ptr = &cb_value;

static void reading_cb(struct rcu_head *head) {
  int *p;

  rcu_read_lock();
  p = rcu_dereference(cb_ptr);
  if (*p == 42) __atomic_store_n(&cb_read_ok, 1, __ATOMIC_RELAXED);
  rcu_read_unlock();
  free(head);
}

static void test_callback_cannot_read(void) {
  struct rcu_head *rh = calloc(1, sizeof(*rh));

  if (!rh) abort();
  cb_read_ok = 0;
  call_rcu(rh, reading_cb);
  rcu_barrier();
  EXPECT(__atomic_load_n(&cb_read_ok, __ATOMIC_RELAXED));
}

/* ------------------------------------------------------------------ */
/* register_twice_unbalances: registering an already registered thread
 * (twice explicitly, or after its first read registered it) is a no-op
 * that the matching unregister undoes. */

static void *register_twice(void *arg) {
  (void)arg;
#ifndef TEST_FLAVOUR_BP
  rcu_register_thread();
  rcu_register_thread();
  rcu_read_lock();
  EXPECT(rcu_read_ongoing());
  rcu_read_unlock();
  rcu_unregister_thread();
  /* Still registered (and, for QSBR, online) after one unregister. */
  rcu_read_lock();
  rcu_read_unlock();
  reader_quiescent();
  rcu_unregister_thread();
#endif
#if !defined(TEST_FLAVOUR_QSBR)
  /* First read registers the thread; register is then a no-op. */
  rcu_read_lock();
  EXPECT(rcu_read_ongoing());
  rcu_read_unlock();
  EXPECT(!rcu_read_ongoing());
  rcu_register_thread();
  rcu_unregister_thread();
#endif
  return NULL;
}

static void test_register_twice_unbalances(void) {
  join(spawn(register_twice, NULL));
  synchronize_rcu(); /* not held up by the exited thread */
}

/* ------------------------------------------------------------------ */
/* QSBR. */

#ifdef TEST_FLAVOUR_QSBR

/* qsbr_gp_ignores_online_thread: a grace period ended while a registered
 * online thread had not announced a quiescent state. */
static void *qsbr_online_holder(void *arg) {
  (void)arg;
  rcu_register_thread();
  __atomic_store_n(&gp_reader_inside, 1, __ATOMIC_RELEASE);
  sleep_ms(200); /* online, no quiescent state */
  __atomic_store_n(&gp_reader_done, 1, __ATOMIC_RELEASE);
  rcu_quiescent_state();
  rcu_thread_offline();
  rcu_unregister_thread();
  return NULL;
}

static void test_qsbr_gp_ignores_online_thread(void) {
  pthread_t tid;

  gp_reader_inside = gp_reader_done = 0;
  tid = spawn(qsbr_online_holder, NULL);
  while (!__atomic_load_n(&gp_reader_inside, __ATOMIC_ACQUIRE)) sleep_ms(1);
  synchronize_rcu();
  if (!__atomic_load_n(&gp_reader_done, __ATOMIC_ACQUIRE))
    violation(
        "a QSBR grace period ended before an online thread "
        "announced a quiescent state");
  join(tid);
}

/* qsbr_offline_thread_blocks_gp: a registered thread that is offline
 * (blocked) held up grace periods. */
static int offline_release;

static void *qsbr_offline_sleeper(void *arg) {
  (void)arg;
  rcu_register_thread();
  rcu_thread_offline();
  __atomic_store_n(&gp_reader_inside, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&offline_release, __ATOMIC_ACQUIRE)) sleep_ms(1);
  rcu_thread_online();
  rcu_unregister_thread();
  return NULL;
}

static void test_qsbr_offline_thread_blocks_gp(void) {
  pthread_t tid;
  double t0;

  gp_reader_inside = 0;
  offline_release = 0;
  tid = spawn(qsbr_offline_sleeper, NULL);
  while (!__atomic_load_n(&gp_reader_inside, __ATOMIC_ACQUIRE)) sleep_ms(1);
  t0 = now();
  synchronize_rcu(); /* hangs if offline threads were waited for */
  synchronize_rcu();
  EXPECT(now() - t0 < 5.0);
  __atomic_store_n(&offline_release, 1, __ATOMIC_RELEASE);
  join(tid);
}

/* qsbr_sync_from_online_thread_hangs: synchronize_rcu(), rcu_barrier()
 * and defer barriers from an online thread must go offline while they
 * wait (or they wait for themselves), and come back online. */
static void test_qsbr_sync_from_online_thread_hangs(void) {
  struct counted *c = calloc(1, sizeof(*c));

  if (!c) abort();
  rcu_register_thread();
  EXPECT(rcu_read_ongoing());
  synchronize_rcu();
  EXPECT(rcu_read_ongoing());
  cb_invoked = 0;
  call_rcu(&c->rh, counted_cb);
  rcu_barrier();
  EXPECT(rcu_read_ongoing());
  EXPECT(__atomic_load_n(&cb_invoked, __ATOMIC_RELAXED) == 1);
  rcu_defer_barrier();
  EXPECT(rcu_read_ongoing());
  rcu_unregister_thread();
}

/* qsbr_online_state_wrong: the online/offline state after each call,
 * including the ones liburcu tolerates (offline twice, a quiescent state
 * on an offline thread, which brings it online). */
static void *qsbr_states(void *arg) {
  (void)arg;
  EXPECT(!rcu_read_ongoing());
  rcu_quiescent_state(); /* unregistered: nothing */
  rcu_thread_online();
  EXPECT(!rcu_read_ongoing());
  rcu_register_thread();
  EXPECT(rcu_read_ongoing());
  rcu_read_lock();
  rcu_read_unlock();
  rcu_quiescent_state();
  EXPECT(rcu_read_ongoing());
  rcu_thread_offline();
  EXPECT(!rcu_read_ongoing());
  rcu_thread_offline();
  EXPECT(!rcu_read_ongoing());
  rcu_thread_online();
  EXPECT(rcu_read_ongoing());
  rcu_thread_online();
  EXPECT(rcu_read_ongoing());
  rcu_thread_offline();
  rcu_quiescent_state();
  EXPECT(rcu_read_ongoing());
  rcu_thread_offline();
  rcu_unregister_thread(); /* offline already */
  EXPECT(!rcu_read_ongoing());
  rcu_register_thread();
  rcu_unregister_thread(); /* online: goes offline first */
  EXPECT(!rcu_read_ongoing());
  return NULL;
}

static void test_qsbr_online_state_wrong(void) {
  join(spawn(qsbr_states, NULL));
  synchronize_rcu();
}

/* qsbr_quiescent_state_unreported: an online thread kept announcing
 * quiescent states, and a grace period still waited for it (the inline
 * rcu_quiescent_state() returned without answering the grace period's
 * request). Thread A stays online and announces quiescent states in a
 * loop; thread B waits for a grace period, which A's next announcement
 * must end. */
static int qs_stop;
static int qs_sync_done;

static void *qsbr_announcer(void *arg) {
  (void)arg;
  rcu_register_thread();
  __atomic_store_n(&gp_reader_inside, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&qs_stop, __ATOMIC_ACQUIRE)) rcu_quiescent_state();
  rcu_thread_offline();
  rcu_unregister_thread();
  return NULL;
}

static void *qsbr_syncer(void *arg) {
  (void)arg;
  synchronize_rcu();
  __atomic_store_n(&qs_sync_done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void test_qsbr_quiescent_state_unreported(void) {
  pthread_t a, b;
  double deadline;

  gp_reader_inside = qs_stop = qs_sync_done = 0;
  a = spawn(qsbr_announcer, NULL);
  while (!__atomic_load_n(&gp_reader_inside, __ATOMIC_ACQUIRE)) sleep_ms(1);
  b = spawn(qsbr_syncer, NULL);
  /* A liveness bound, not a timing assertion: a grace period takes
   * microseconds here; 10 s means it waits for A to go offline. */
  deadline = now() + 10.0;
  while (!__atomic_load_n(&qs_sync_done, __ATOMIC_ACQUIRE) && now() < deadline)
    sleep_ms(1);
  if (!__atomic_load_n(&qs_sync_done, __ATOMIC_ACQUIRE))
    violation(
        "synchronize_rcu() did not return in 10 s while an online thread "
        "announced quiescent states");
  __atomic_store_n(&qs_stop, 1, __ATOMIC_RELEASE);
  join(b);
  join(a);
}

#endif /* TEST_FLAVOUR_QSBR */

/* ------------------------------------------------------------------ */
/* bp. */

#ifdef TEST_FLAVOUR_BP

/* bp_exited_reader_blocks_gp: a thread registered by its first read
 * exited without unregistering, and later grace periods waited for it. */
static void *bp_reader_exits(void *arg) {
  (void)arg;
  rcu_read_lock();
  EXPECT(rcu_read_ongoing());
  rcu_read_unlock();
  return NULL;
}

static void test_bp_exited_reader_blocks_gp(void) {
  pthread_t tids[8];
  double t0;
  int i;

  for (i = 0; i < 8; i++) tids[i] = spawn(bp_reader_exits, NULL);
  for (i = 0; i < 8; i++) join(tids[i]);
  t0 = now();
  synchronize_rcu();
  EXPECT(now() - t0 < 5.0);
}

#endif /* TEST_FLAVOUR_BP */

/* ------------------------------------------------------------------ */
/* lfht_reader_sees_freed_node: liburcu-cds's cds_lfht, driven through
 * this flavour's rcu_flavor, under concurrent lookups, with an updater
 * that deletes and re-adds keys (retiring nodes with call_rcu()) and a
 * table that resizes itself. */

struct ht_node {
  struct cds_lfht_node node;
  unsigned long key;
  int dead; /* set by the reclaiming callback */
  struct rcu_head rh;
};

enum { kHtKeys = 4096 };

static struct cds_lfht *ht;
static int ht_stop;
static long ht_lookups;

static unsigned long ht_hash(unsigned long key) {
  return key * 0x9e3779b97f4a7c15UL;
}

static int ht_match(struct cds_lfht_node *node, const void *key) {
  struct ht_node *n = caa_container_of(node, struct ht_node, node);

  return n->key == *(const unsigned long *)key;
}

static void ht_free_cb(struct rcu_head *head) {
  struct ht_node *n = caa_container_of(head, struct ht_node, rh);

  __atomic_store_n(&n->dead, 1, __ATOMIC_RELAXED);
  free(n);
}

static struct ht_node *ht_new_node(unsigned long key) {
  struct ht_node *n = calloc(1, sizeof(*n));

  if (!n) abort();
  cds_lfht_node_init(&n->node);
  n->key = key;
  return n;
}

static void *ht_reader(void *arg) {
  unsigned int rnd = (unsigned int)(uintptr_t)arg;
  long lookups = 0;

  reader_register();
  while (!__atomic_load_n(&ht_stop, __ATOMIC_RELAXED)) {
    struct cds_lfht_iter iter;
    struct cds_lfht_node *node;
    unsigned long key = rand_r(&rnd) % kHtKeys;

    rcu_read_lock();
    cds_lfht_lookup(ht, ht_hash(key), ht_match, &key, &iter);
    node = cds_lfht_iter_get_node(&iter);
    if (node) {
      struct ht_node *n = caa_container_of(node, struct ht_node, node);

      if (n->key != key || __atomic_load_n(&n->dead, __ATOMIC_RELAXED))
        violation(
            "cds_lfht lookup returned a "
            "reclaimed node");
    }
    rcu_read_unlock();
    reader_quiescent();
    lookups++;
  }
  __atomic_fetch_add(&ht_lookups, lookups, __ATOMIC_RELAXED);
  reader_unregister();
  return NULL;
}

static void test_lfht_reader_sees_freed_node(void) {
  struct cds_lfht_iter iter;
  struct ht_node *n;
  pthread_t readers[2];
  unsigned long key, count = 0;
  long approx_before, approx_after, updates = 0;
  int nreaders = 2, i;
  double end;

  ht = cds_lfht_new(1, 1, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
  EXPECT(ht != NULL);
  if (!ht) return;
  reader_register();
  rcu_read_lock();
  for (key = 0; key < kHtKeys; key++) {
    n = ht_new_node(key);
    EXPECT(cds_lfht_add_unique(ht, ht_hash(key), ht_match, &key, &n->node) ==
           &n->node);
  }
  rcu_read_unlock();
  reader_quiescent();
#ifdef TEST_TSAN
  /*
   * Debian's liburcu-cds is not instrumented: TSan cannot see its
   * publication of a node, so lookups racing with updates would be
   * reported. Lookups run in this thread only.
   */
  nreaders = 0;
#endif
  ht_stop = 0;
  ht_lookups = 0;
  for (i = 0; i < nreaders; i++)
    readers[i] = spawn(ht_reader, (void *)(uintptr_t)(i + 1));
  end = now() + test_seconds;
  while (now() < end) {
    key = (unsigned long)(updates * 7919) % kHtKeys;
    rcu_read_lock();
    cds_lfht_lookup(ht, ht_hash(key), ht_match, &key, &iter);
    if (cds_lfht_iter_get_node(&iter) &&
        cds_lfht_del(ht, cds_lfht_iter_get_node(&iter)) == 0) {
      n = caa_container_of(cds_lfht_iter_get_node(&iter), struct ht_node, node);
      call_rcu(&n->rh, ht_free_cb);
    }
    n = ht_new_node(key);
    if (cds_lfht_add_unique(ht, ht_hash(key), ht_match, &key, &n->node) !=
        &n->node)
      free(n);
    rcu_read_unlock();
    reader_quiescent();
    updates++;
  }
  __atomic_store_n(&ht_stop, 1, __ATOMIC_RELAXED);
  for (i = 0; i < nreaders; i++) join(readers[i]);

  /* Every key is there once; then empty the table. */
  rcu_read_lock();
  for (key = 0; key < kHtKeys; key++) {
    cds_lfht_lookup(ht, ht_hash(key), ht_match, &key, &iter);
    EXPECT(cds_lfht_iter_get_node(&iter) != NULL);
  }
  cds_lfht_count_nodes(ht, &approx_before, &count, &approx_after);
  EXPECT(count == kHtKeys);
  cds_lfht_for_each_entry(ht, &iter, n, node) {
    EXPECT(cds_lfht_del(ht, &n->node) == 0);
    call_rcu(&n->rh, ht_free_cb);
  }
  rcu_read_unlock();
  rcu_thread_offline();
  rcu_barrier();
  EXPECT(cds_lfht_destroy(ht, NULL) == 0);
  rcu_thread_online();
  reader_unregister();
  printf("# %s lfht_reader_sees_freed_node: %ld lookups, %ld updates\n",
         FLAVOUR_NAME, ht_lookups, updates);
}

/* ------------------------------------------------------------------ */
/* fork_child_hangs: a fork() child (with liburcu's fork hooks called as
 * liburcu's test_urcu_fork does) can read, wait for grace periods and run
 * callbacks. */

static void test_fork_child_hangs(void) {
  pid_t pid;
  int wstatus;
  struct counted *c;

  reader_register();
  synchronize_rcu();
  c = calloc(1, sizeof(*c));
  if (!c) abort();
  call_rcu(&c->rh, counted_cb); /* in flight across fork() */
  rcu_thread_offline();
  call_rcu_before_fork();
  pid = fork();
  if (pid == 0) {
    call_rcu_after_fork_child();
    rcu_thread_online();
    rcu_read_lock();
    rcu_read_unlock();
    reader_quiescent();
    synchronize_rcu();
    c = calloc(1, sizeof(*c));
    if (!c) abort();
    call_rcu(&c->rh, counted_cb);
    rcu_barrier();
    reader_unregister();
    _exit(status);
  }
  call_rcu_after_fork_parent();
  rcu_thread_online();
  EXPECT(pid > 0);
  if (pid > 0) {
    EXPECT(waitpid(pid, &wstatus, 0) == pid);
    EXPECT(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  }
  synchronize_rcu();
  rcu_barrier();
  reader_unregister();
}

/* ------------------------------------------------------------------ */

struct test {
  const char *name;
  void (*fn)(void);
};

static const struct test tests[] = {
    {"gp_ends_under_reader", test_gp_ends_under_reader},
    {"reader_sees_reclaimed_node", test_reader_sees_reclaimed_node},
    {"callback_before_grace_period", test_callback_before_grace_period},
    {"barrier_misses_callbacks", test_barrier_misses_callbacks},
    {"barrier_in_reader_hangs", test_barrier_in_reader_hangs},
    {"call_rcu_data_inconsistent", test_call_rcu_data_inconsistent},
    {"defer_rcu_loses_calls", test_defer_rcu_loses_calls},
    {"callback_cannot_read", test_callback_cannot_read},
    {"register_twice_unbalances", test_register_twice_unbalances},
#ifdef TEST_FLAVOUR_QSBR
    {"qsbr_gp_ignores_online_thread", test_qsbr_gp_ignores_online_thread},
    {"qsbr_offline_thread_blocks_gp", test_qsbr_offline_thread_blocks_gp},
    {"qsbr_sync_from_online_thread_hangs",
     test_qsbr_sync_from_online_thread_hangs},
    {"qsbr_online_state_wrong", test_qsbr_online_state_wrong},
    {"qsbr_quiescent_state_unreported", test_qsbr_quiescent_state_unreported},
#endif
#ifdef TEST_FLAVOUR_BP
    {"bp_exited_reader_blocks_gp", test_bp_exited_reader_blocks_gp},
#endif
    {"lfht_reader_sees_freed_node", test_lfht_reader_sees_freed_node},
    {"fork_child_hangs", test_fork_child_hangs},
};

#define NR_TESTS (sizeof(tests) / sizeof(tests[0]))

int main(int argc, char **argv) {
  size_t i;
  int ran = 0;

  if (argc < 2) {
    fprintf(stderr, "usage: %s TEST|all|--list [SECONDS]\n", argv[0]);
    return kFailed;
  }
  if (strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < NR_TESTS; i++) printf("%s\n", tests[i].name);
    return kPassed;
  }
  if (argc > 2) test_seconds = atof(argv[2]);
  for (i = 0; i < NR_TESTS; i++) {
    int worst = status;

    if (strcmp(argv[1], "all") != 0 && strcmp(argv[1], tests[i].name) != 0)
      continue;
    /* fork() is for its own run: other tests leave threads. */
    if (strcmp(argv[1], "all") == 0 && tests[i].fn == test_fork_child_hangs)
      continue;
    status = kPassed;
    tests[i].fn();
    ran++;
    printf("%s %s %s\n", status == kPassed ? "ok" : "not ok", FLAVOUR_NAME,
           tests[i].name);
    fflush(stdout);
    if (status < worst) status = worst;
  }
  if (!ran) {
    fprintf(stderr, "%s: no test '%s' (see --list)\n", argv[0], argv[1]);
    return kFailed;
  }
  return status;
}

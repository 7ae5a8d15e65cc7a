/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * rcutorture_plugin.h: the plugin ABI of rcutorture, version 1. A plugin is
 * a shared object (built with -shared -fPIC, or as a CMake MODULE library)
 * that offers one or more RCU flavours to the harness, each described by a
 * struct rcutorture_ops_v1, and exports one function,
 * rcutorture_plugin_v1(), that returns them:
 *
 *   rcutorture --ops_plugin=./my-rcu.so --torture_type=plugin:my-rcu
 *
 * Plain C (C99 or later, and C++): fixed-size integers, function pointers
 * and strings only; nothing of the harness's C++ types crosses it.
 *
 * Threads. The harness calls the plugin from many threads at once (writer,
 * readers, fake writers, callback floods, barrier and read-exit threads...).
 * Each of its torture threads calls thread_init() before any other call and
 * thread_exit() after its last one; read_lock(), read_unlock(),
 * read_delay(), quiescent_state(), thread_offline() and thread_online() are
 * only called on such threads. The other functions may also be called from
 * threads that never called thread_init(): init(), describe(), stats() and
 * cleanup(), get_gp_seq() for the Start/End lines, and cb_barrier() at
 * cleanup, come from the main thread or a short-lived helper thread.
 * Callbacks (call) run on threads of the plugin's choosing.
 *
 * Versioning. The version of this ABI is in its names (rcutorture_ops_v1,
 * rcutorture_plugin_v1) and in abi_version. Within version 1 the struct
 * only grows: new fields are appended at its end, and each new field is
 * optional, its zero value meaning what the older harness did without it.
 * struct_size, set by the plugin to sizeof(struct rcutorture_ops_v1) as it
 * was compiled, tells the harness which fields the plugin knows: fields at
 * or past struct_size read as 0/NULL, and a harness ignores fields beyond
 * the ones it knows (and capability bits it does not know). So a plugin
 * built against an older or a newer version-1 header loads in any version-1
 * harness. An incompatible change would be version 2 (rcutorture_ops_v2,
 * rcutorture_plugin_v2), which a harness may offer beside version 1.
 */
#ifndef RCUTORTURE_RCUTORTURE_PLUGIN_H_
#define RCUTORTURE_RCUTORTURE_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The value of rcutorture_ops_v1.abi_version. */
#define RCUTORTURE_PLUGIN_ABI_VERSION 1

/* The name of the entry function, for dlsym(). */
#define RCUTORTURE_PLUGIN_ENTRY_V1 "rcutorture_plugin_v1"

#if defined(__cplusplus)
#define RCUTORTURE_ALIGNED_16 alignas(16)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define RCUTORTURE_ALIGNED_16 _Alignas(16)
#else
#define RCUTORTURE_ALIGNED_16 __attribute__((aligned(16)))
#endif

/*
 * A callback head, embedded in the harness's elements. Between a call()
 * and the invocation of its func, the storage belongs to the plugin: it
 * holds the plugin's own callback head (a struct rcu_head, a list link and
 * the func pointer, ...), 32 bytes aligned to 16. The harness does not
 * touch it until func(head) has been called.
 */
#define RCUTORTURE_CB_HEAD_SIZE 32
struct rcutorture_cb_head {
  RCUTORTURE_ALIGNED_16 unsigned char storage[RCUTORTURE_CB_HEAD_SIZE];
};

/* The harness's callback function, as passed to call(). */
typedef void (*rcutorture_cb_func)(struct rcutorture_cb_head *head);

/*
 * Capability flags (rcutorture_ops_v1.caps). A bit the plugin does not set
 * is a capability the harness does not count on.
 */
/* read_lock()/read_unlock() are async-signal-safe on any thread that
 * called thread_init(): a signal handler may run a whole read-side
 * critical section while the interrupted thread is anywhere, even inside
 * read_lock() or read_unlock() or its own critical section (the harness's
 * irqreader=1 readers, in emulated interrupt context). */
#define RCUTORTURE_CAP_IRQ_SAFE_READ (UINT64_C(1) << 0)
/* exp_sync() also completes the cookies get_state() and start_poll()
 * return, as sync() does (the kernel's rule). Without it the writer does
 * not poll a cookie across an expedited grace period. */
#define RCUTORTURE_CAP_EXP_COMPLETES_STATE (UINT64_C(1) << 1)
/* The forward-progress tests may run: callback floods (needs call and
 * cb_barrier, and cbflood_max > 0). Leave it out for a deliberately broken
 * flavour, whose floods would only measure the breakage. */
#define RCUTORTURE_CAP_FWD_PROGRESS (UINT64_C(1) << 2)
/* Grace periods are slow (tens of milliseconds or more): after each
 * stutter pause the writer does not require every element's callback
 * chain to have drained already. */
#define RCUTORTURE_CAP_SLOW_GPS (UINT64_C(1) << 3)
/* The RCU boosts readers that higher-priority work preempted inside their
 * critical sections (the kernel's CONFIG_RCU_BOOST): rcutorture's
 * test_boost=1 then runs the boost test, whose grace periods (start_poll,
 * poll_state) must end although a SCHED_FIFO thread spins on the CPU of
 * a reader inside one. */
#define RCUTORTURE_CAP_BOOST (UINT64_C(1) << 4)

/*
 * One RCU flavour. Required: abi_version, struct_size, name, read_lock,
 * read_unlock and sync; every other function may be NULL (the harness then
 * does without it, as the comments say). Some come in groups that must be
 * all set or all NULL: quiescent_state/thread_offline/thread_online;
 * get_state/poll_state (start_poll and cond_sync need both); call/
 * cb_barrier. The harness copies the struct when it loads the plugin; the
 * strings it points to must live as long as the plugin is loaded (the
 * harness never unloads it).
 */
struct rcutorture_ops_v1 {
  /* RCUTORTURE_PLUGIN_ABI_VERSION. A different value is refused. */
  uint32_t abi_version;
  /* sizeof(struct rcutorture_ops_v1) as the plugin was compiled. Less
   * than RCUTORTURE_OPS_V1_MIN_SIZE is refused; see "Versioning" above. */
  uint32_t struct_size;
  /* The flavour's name: the torture_type (plugin:NAME or NAME) and the
   * "NAME-torture:" prefix of every output line. Letters, digits, '_' and
   * '-', at most 63 characters, unique within the plugin, and not the name
   * of a flavour built into rcutorture (rcu, busted, srcu, ...). */
  const char *name;
  /* RCUTORTURE_CAP_* bits. */
  uint64_t caps;
  /* With RCUTORTURE_CAP_FWD_PROGRESS: the most callbacks the forward-
   * progress flood keeps in flight (the kernel's cbflood_max); 0: no flood
   * (no forward-progress test). */
  int64_t cbflood_max;

  /* Once, before any other function, on the main thread. Returns 0 on success.
   * On failure returns non-zero after writing a one-line message (no newline,
   * NUL-terminated, at most err_len bytes) into err: rcutorture prints
   * "rcutorture: NAME: init failed: MESSAGE" and exits 64. NULL: nothing to set
   * up. */
  int (*init)(char *err, size_t err_len);
  /* Once, at the end of the run, after the last cb_barrier() and after
   * every harness thread has called thread_exit(). NULL: nothing to do. */
  void (*cleanup)(void);
  /* Writes one line describing the flavour instance (NUL-terminated, at
   * most len bytes, no newline), printed after the Start line as
   * "NAME-torture: LINE". Called after init(). NULL: no such line. */
  void (*describe)(char *buf, size_t len);

  /* Registers/unregisters the calling thread with the RCU (a reader must
   * be registered). NULL: no registration needed. */
  void (*thread_init)(void);
  void (*thread_exit)(void);

  /* Enter and leave a read-side critical section. Nestable: the harness
   * nests them up to 3 deep, and the critical section ends with the
   * outermost read_unlock(). */
  void (*read_lock)(void);
  void (*read_unlock)(void);
  /* A preemption point inside a read-side critical section (about one
   * read in 500 per reader): the flavour may sleep, yield, migrate, or
   * widen a race here. `random` is a random value from the reader's
   * generator (reproducible from the run's seed). NULL: the harness calls
   * sched_yield(). */
  void (*read_delay)(uint32_t random);

  /* QSBR flavours (all three, or none). quiescent_state(): the calling
   * thread is outside any read-side critical section; every harness loop
   * calls it between reads. thread_offline()/thread_online(): the thread
   * stops/starts reading (around sleeps); grace periods do not wait for an
   * offline thread. */
  void (*quiescent_state)(void);
  void (*thread_offline)(void);
  void (*thread_online)(void);

  /* Grace periods completed so far: monotonic, one more per grace period
   * (the Reader Batch histogram counts how many ended during a read, and
   * the Start/End lines print it). NULL: the harness counts the sync(),
   * exp_sync() and cond_sync() calls that returned. */
  uint64_t (*get_gp_seq)(void);

  /* Waits for a grace period: returns after every read-side critical
   * section that began before the call has ended. */
  void (*sync)(void);
  /* The same, expedited. NULL: the writer does not use it. */
  void (*exp_sync)(void);

  /* Polled grace periods. get_state() returns a cookie; poll_state(c)
   * returns non-zero once a full grace period has elapsed since the
   * get_state() or start_poll() that returned c (and from then on always).
   * start_poll() is get_state() that also makes sure a grace period will
   * start; cond_sync(c) waits like sync() unless poll_state(c) would return
   * non-zero. NULL: the writer does not use them (get_state/poll_state
   * both or neither; start_poll and cond_sync need both). */
  uint64_t (*get_state)(void);
  uint64_t (*start_poll)(void);
  int (*poll_state)(uint64_t cookie);
  void (*cond_sync)(uint64_t cookie);

  /* Queues func(head) to be called once, after a grace period, on any
   * thread, but not from inside call() itself and not inside a read-side
   * critical section. func may call call() again (callback chains). NULL (with
   * cb_barrier NULL): the harness frees elements after sync() instead, and
   * skips barrier and forward-progress testing. */
  void (*call)(struct rcutorture_cb_head *head, rcutorture_cb_func func);
  /* Waits until every callback queued by call() before it has been
   * invoked (rcu_barrier()). */
  void (*cb_barrier)(void);

  /* Asks the RCU to push the current grace period along now (the kernel's
   * rcu_force_quiescent_state()), for the fqs_duration bursts. NULL: no
   * fqs testing. */
  void (*fqs)(void);

  /* Writes one line of the flavour's statistics (NUL-terminated, at most
   * len bytes, no newline), printed with every stats line as
   * "NAME-torture: LINE". NULL: no such line. */
  void (*stats)(char *buf, size_t len);

  /* Fields added later in version 1 go here, at the end. */
};

/* The size of the first version-1 struct: the smallest struct_size
 * accepted. */
#define RCUTORTURE_OPS_V1_MIN_SIZE             \
  (offsetof(struct rcutorture_ops_v1, stats) + \
   sizeof(((struct rcutorture_ops_v1 *)0)->stats))

#if defined(__GNUC__)
#define RCUTORTURE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define RCUTORTURE_PLUGIN_EXPORT
#endif

/*
 * The entry point every plugin defines (and exports, if it builds with
 * -fvisibility=hidden: the declaration here marks it default-visible).
 * Returns a NULL-terminated array of the plugin's flavours, at least one;
 * the array and the structs must stay valid while the plugin is loaded.
 * It is called once, right after dlopen(), before init(); it should do no
 * more than return the array (no threads, no output).
 */
RCUTORTURE_PLUGIN_EXPORT const struct rcutorture_ops_v1 *const *
rcutorture_plugin_v1(void);

/* The type of rcutorture_plugin_v1, for a loader's dlsym(). */
typedef const struct rcutorture_ops_v1 *const *(*rcutorture_plugin_v1_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RCUTORTURE_RCUTORTURE_PLUGIN_H_ */

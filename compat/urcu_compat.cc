// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// urcu_compat.cc: librcu-urcu's exported C symbols, the liburcu 0.13 ABI of
// every flavour (urcu_memb_*, urcu_mb_*, urcu_signal_*, urcu_qsbr_*,
// urcu_bp_*, the rcu_*_sym pointer functions and the urcu_compat_* entry
// points of the inline read side), and the flavours' readers, registration
// and grace periods. Callbacks are in call_rcu.cc. The mapping and every
// difference from liburcu are in README.md.
//
// Built twice: librcu-urcu.so, and librcu-urcu-busted.so with
// RCU_URCU_BUSTED=1, the negative control of the liburcu test suite, whose
// synchronize_rcu() (every flavour) returns without waiting.
#define BUILD_QSBR_LIB 1  // urcu/urcu-qsbr.h: declare the out-of-line read side
#include <urcu/static/urcu-librcu.h>
#include <urcu/urcu-bp.h>
#include <urcu/urcu-mb.h>
#include <urcu/urcu-memb.h>
#include <urcu/urcu-qsbr.h>
#include <urcu/urcu-signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/status/statusor.h"
#include "compat/flavour.h"
#include "rcu/internal/reader.h"
#include "rcu/rcu.h"
#include "rcu/tree.h"

#ifndef RCU_URCU_BUSTED
#define RCU_URCU_BUSTED 0
#endif

// The slots of the qsbr and bp instances, -1 until built (exported: the
// inline read side reads them).
extern "C" {
__attribute__((visibility("default"))) int urcu_compat_qsbr_slot = -1;
__attribute__((visibility("default"))) int urcu_compat_bp_slot = -1;
// Set by QsbrRegister(), cleared by QsbrUnregister() (urcu-librcu.h).
__attribute__((visibility(
    "default"))) __thread urcu_compat_rec* urcu_compat_qsbr_self = nullptr;
// 0 while urcu_compat_qsbr_self is unset, else 1 offline, 2 online
// (urcu-librcu.h).
__attribute__((visibility("default"))) __thread int urcu_compat_qsbr_state = 0;
}

namespace rcu::compat {

using internal::ReaderLock;
using internal::ReaderUnlock;
using internal::ReaderWord;
using internal::RegisterSelf;
using internal::tls_readers;

// True inside a reader of the word's instance; a null word (the thread is
// not registered) is outside.
bool Ongoing(const ReaderWord* rw) {
  return rw != nullptr && internal::InReader(rw);
}

namespace {

// Builds the instance of a flavour that has its own, and publishes its slot.
// Never destroyed: threads may read under it until the process exits.
Rcu* BuildInstance(Flavour f, int* slot) {
  Config config = DefaultConfig();
  // qsbr: a QSBR instance (tree.h, "QSBR"), whose online state is the
  // outermost lock this file takes and drops on the thread's word.
  config.qsbr = f == Flavour::kQsbr;
  absl::StatusOr<std::unique_ptr<Rcu>> r = Rcu::Create(config);
  if (!r.ok()) {
    std::fprintf(stderr,
                 "librcu-urcu: cannot build the %s flavour's instance: %s\n",
                 FlavourName(f), r.status().ToString().c_str());
    std::abort();
  }
  Rcu* rcu = r->release();
  // Release: a thread that reads the slot finds the instance built.
  std::atomic_ref<int>(*slot).store(rcu->slot(), std::memory_order_release);
  return rcu;
}

Rcu& QsbrInstance() {
  static Rcu* const rcu = BuildInstance(Flavour::kQsbr, &urcu_compat_qsbr_slot);
  return *rcu;
}

Rcu& BpInstance() {
  static Rcu* const rcu = BuildInstance(Flavour::kBp, &urcu_compat_bp_slot);
  return *rcu;
}

// The calling thread's word in `rcu`, registering it if need be.
ReaderWord* RecOrRegister(Rcu& rcu) {
  ReaderWord* t = tls_readers.words[rcu.slot()];
  return t != nullptr ? t : RegisterSelf(rcu.slot());
}

// Explicit registrations of the calling thread not yet undone: the default
// instance's (memb, mb and signal together) and qsbr's. Registering a
// thread that is registered already only counts; the last unregistration
// unregisters it.
thread_local int tls_default_registrations = 0;
thread_local int tls_qsbr_registrations = 0;

// ---- memb, mb, signal: the default instance. ----

void DefaultReadLock() { ReaderLock(internal::DefaultWord()); }
void DefaultReadUnlock() { ReaderUnlock(internal::DefaultWord()); }
int DefaultReadOngoing() { return Ongoing(internal::DefaultWord()); }

void DefaultRegister() {
  ++tls_default_registrations;
  if (internal::RecInSlot(0) == nullptr) Default().RegisterThread();
}

void DefaultUnregister() {
  if (tls_default_registrations > 0 && --tls_default_registrations > 0) return;
  if (internal::RecInSlot(0) != nullptr) Default().UnregisterThread();
}

// ---- qsbr. ----

ReaderWord* QsbrRec() {
  if (urcu_compat_qsbr_self != nullptr)
    return reinterpret_cast<ReaderWord*>(urcu_compat_qsbr_self);
  const int slot = std::atomic_ref<int>(urcu_compat_qsbr_slot)
                       .load(std::memory_order_acquire);
  return slot < 0 ? nullptr : tls_readers.words[slot];
}

void QsbrCheckOnline() {
  ReaderWord* t = QsbrRec();
  if (t != nullptr && !Ongoing(t)) urcu_compat_qsbr_offline_reader();
}

// Keeps urcu_compat_qsbr_state in step (urcu-librcu.h).
void QsbrNote(ReaderWord* t) {
  if (reinterpret_cast<urcu_compat_rec*>(t) == urcu_compat_qsbr_self)
    urcu_compat_qsbr_state = Ongoing(t) ? 2 : 1;
}

void QsbrQuiescentState() {
  ReaderWord* t = QsbrRec();
  if (t == nullptr) return;
  if (Ongoing(t)) {
    QsbrInstance().QuiescentState();  // the QSBR instance's own (tree.h)
  } else {
    ReaderLock(t);  // offline: liburcu's brings the thread online
    QsbrNote(t);
  }
}

void QsbrOfflineNow() {
  ReaderWord* t = QsbrRec();
  if (Ongoing(t)) {
    ReaderUnlock(t);
    QsbrNote(t);
  }
}

void QsbrOnlineNow() {
  ReaderWord* t = QsbrRec();
  if (t != nullptr && !Ongoing(t)) {
    ReaderLock(t);
    QsbrNote(t);
  }
}

void QsbrRegister() {
  Rcu& rcu = QsbrInstance();
  ++tls_qsbr_registrations;
  ReaderWord* t = RecOrRegister(rcu);
  urcu_compat_qsbr_self = reinterpret_cast<urcu_compat_rec*>(t);
  if (!Ongoing(t)) ReaderLock(t);
  QsbrNote(t);
}

void QsbrUnregister() {
  if (tls_qsbr_registrations > 0 && --tls_qsbr_registrations > 0) return;
  ReaderWord* t = QsbrRec();
  if (t == nullptr) return;
  // Offline first: librcu ends a reader that unregisters, but calls that a
  // mistake.
  if (Ongoing(t)) ReaderUnlock(t);
  urcu_compat_qsbr_self = nullptr;
  urcu_compat_qsbr_state = 0;
  QsbrInstance().UnregisterThread();
}

// ---- bp. ----

ReaderWord* BpRec() {
  const int slot =
      std::atomic_ref<int>(urcu_compat_bp_slot).load(std::memory_order_acquire);
  return slot < 0 ? nullptr : tls_readers.words[slot];
}

void BpReadLock() { ReaderLock(RecOrRegister(BpInstance())); }
void BpReadUnlock() { ReaderUnlock(BpRec()); }
int BpReadOngoing() { return Ongoing(BpRec()); }
void BpRegister() { RecOrRegister(BpInstance()); }

}  // namespace

const char* FlavourName(Flavour f) {
  switch (f) {
    case Flavour::kMemb:
      return "memb";
    case Flavour::kMb:
      return "mb";
    case Flavour::kSignal:
      return "signal";
    case Flavour::kQsbr:
      return "qsbr";
    case Flavour::kBp:
      return "bp";
  }
  return "?";
}

Rcu& InstanceOf(Flavour f) {
  switch (f) {
    case Flavour::kQsbr:
      return QsbrInstance();
    case Flavour::kBp:
      return BpInstance();
    default:
      return Default();
  }
}

void SynchronizeRcu(Flavour f) {
  Rcu& rcu = InstanceOf(f);
  QsbrOffline offline(IsQsbr(f), rcu);
#if RCU_URCU_BUSTED
  // BUSTED: the negative control. No grace period: readers that began
  // before the call may still hold what the caller frees next. Built only
  // into librcu-urcu-busted.so, which is never installed.
  (void)rcu;
#else
  rcu.Synchronize();
#endif
}

}  // namespace rcu::compat

// ---------------------------------------------------------------------------
// The exported C symbols.

using rcu::compat::Flavour;
namespace compat = rcu::compat;

#pragma GCC visibility push(default)

extern "C" {

// ---- Entry points of the inline read side (urcu/static/urcu-librcu.h). ----

urcu_compat_rec* urcu_compat_register_self(int slot) {
  return reinterpret_cast<urcu_compat_rec*>(rcu::internal::RegisterSelf(slot));
}

urcu_compat_rec* urcu_compat_bp_register_self(void) {
  return reinterpret_cast<urcu_compat_rec*>(
      compat::RecOrRegister(compat::BpInstance()));
}

void urcu_compat_read_lock_slow(urcu_compat_rec* t, uint64_t w) {
  rcu::internal::ReadLockSlow(reinterpret_cast<rcu::internal::ReaderWord*>(t),
                              w);
}

void urcu_compat_read_unlock_slow(urcu_compat_rec* t, uint64_t w) {
  rcu::internal::ReadUnlockSlow(reinterpret_cast<rcu::internal::ReaderWord*>(t),
                                w);
}

void urcu_compat_qsbr_quiescent_state_slow(void) {
  compat::QsbrQuiescentState();
}

void urcu_compat_qsbr_offline_reader(void) {
  std::fprintf(
      stderr,
      "librcu-urcu: rcu_read_lock()/rcu_read_unlock() of the qsbr flavour on "
      "an offline thread: call rcu_thread_online() first (an offline "
      "QSBR thread must not read RCU-protected data)\n");
  std::abort();
}

// ---- Pointer functions (urcu/pointer.h without _LGPL_SOURCE). ----

void* rcu_dereference_sym(void* p) {
  // p was loaded by the caller; the fence keeps the caller's accesses
  // through it after that load (consume, as liburcu's).
  std::atomic_thread_fence(std::memory_order_acquire);
  return p;
}

void* rcu_set_pointer_sym(void** p, void* v) {
  std::atomic_ref<void*>(*p).store(v, std::memory_order_release);
  return v;
}

void* rcu_xchg_pointer_sym(void** p, void* v) {
  return std::atomic_ref<void*>(*p).exchange(v, std::memory_order_seq_cst);
}

void* rcu_cmpxchg_pointer_sym(void** p, void* old, void* _new) {
  std::atomic_ref<void*>(*p).compare_exchange_strong(old, _new,
                                                     std::memory_order_seq_cst);
  return old;
}

void* urcu_bp_dereference_sym(void* p) { return rcu_dereference_sym(p); }
void* urcu_bp_set_pointer_sym(void** p, void* v) {
  return rcu_set_pointer_sym(p, v);
}
void* urcu_bp_xchg_pointer_sym(void** p, void* v) {
  return rcu_xchg_pointer_sym(p, v);
}
void* urcu_bp_cmpxchg_pointer_sym(void** p, void* old, void* _new) {
  return rcu_cmpxchg_pointer_sym(p, old, _new);
}

// ---- Per-flavour readers and registration. ----

// The flavor struct entries that do nothing in a flavour (quiescent states
// outside QSBR, bp's unregistration).
static void urcu_compat_no_op(void) {}

// memb, mb and signal: the same functions under three prefixes.
#define RCU_URCU_DEFAULT_FLAVOUR(f)                                          \
  void urcu_##f##_read_lock(void) { compat::DefaultReadLock(); }             \
  void urcu_##f##_read_unlock(void) { compat::DefaultReadUnlock(); }         \
  int urcu_##f##_read_ongoing(void) { return compat::DefaultReadOngoing(); } \
  void urcu_##f##_register_thread(void) { compat::DefaultRegister(); }       \
  void urcu_##f##_unregister_thread(void) { compat::DefaultUnregister(); }   \
  void urcu_##f##_init(void) { (void)rcu::Default(); }                       \
  void urcu_##f##_exit(void) {}

RCU_URCU_DEFAULT_FLAVOUR(memb)
RCU_URCU_DEFAULT_FLAVOUR(mb)
RCU_URCU_DEFAULT_FLAVOUR(signal)

void urcu_qsbr_read_lock(void) { compat::QsbrCheckOnline(); }
void urcu_qsbr_read_unlock(void) { compat::QsbrCheckOnline(); }
int urcu_qsbr_read_ongoing(void) { return compat::Ongoing(compat::QsbrRec()); }
void urcu_qsbr_quiescent_state(void) { compat::QsbrQuiescentState(); }
void urcu_qsbr_thread_offline(void) { compat::QsbrOfflineNow(); }
void urcu_qsbr_thread_online(void) { compat::QsbrOnlineNow(); }
void urcu_qsbr_register_thread(void) { compat::QsbrRegister(); }
void urcu_qsbr_unregister_thread(void) { compat::QsbrUnregister(); }
void urcu_qsbr_exit(void) {}

void urcu_bp_read_lock(void) { compat::BpReadLock(); }
void urcu_bp_read_unlock(void) { compat::BpReadUnlock(); }
int urcu_bp_read_ongoing(void) { return compat::BpReadOngoing(); }
void urcu_bp_register_thread(void) { compat::BpRegister(); }
void urcu_bp_register(void) { compat::BpRegister(); }
void urcu_bp_exit(void) {}
// librcu's own pthread_atfork() handlers look after fork().
void urcu_bp_before_fork(void) {}
void urcu_bp_after_fork_parent(void) {}
void urcu_bp_after_fork_child(void) {}

// ---- Every flavour: grace periods, callbacks, defer, flavor struct. ----

#define RCU_URCU_FLAVOUR_COMMON(f, F)                                          \
  void urcu_##f##_synchronize_rcu(void) { compat::SynchronizeRcu(F); }         \
  void urcu_##f##_call_rcu(struct rcu_head* head,                              \
                           void (*func)(struct rcu_head*)) {                   \
    compat::CallRcu(F, head, func);                                            \
  }                                                                            \
  void urcu_##f##_barrier(void) { compat::RcuBarrier(F); }                     \
  struct call_rcu_data* urcu_##f##_create_call_rcu_data(unsigned long flags,   \
                                                        int cpu_affinity) {    \
    return compat::CreateCallRcuData(F, flags, cpu_affinity);                  \
  }                                                                            \
  void urcu_##f##_call_rcu_data_free(struct call_rcu_data* crdp) {             \
    compat::CallRcuDataFree(F, crdp);                                          \
  }                                                                            \
  struct call_rcu_data* urcu_##f##_get_default_call_rcu_data(void) {           \
    return compat::GetDefaultCallRcuData(F);                                   \
  }                                                                            \
  struct call_rcu_data* urcu_##f##_get_cpu_call_rcu_data(int cpu) {            \
    return compat::GetCpuCallRcuData(F, cpu);                                  \
  }                                                                            \
  struct call_rcu_data* urcu_##f##_get_thread_call_rcu_data(void) {            \
    return compat::GetThreadCallRcuData(F);                                    \
  }                                                                            \
  struct call_rcu_data* urcu_##f##_get_call_rcu_data(void) {                   \
    return compat::GetCallRcuData(F);                                          \
  }                                                                            \
  pthread_t urcu_##f##_get_call_rcu_thread(struct call_rcu_data*) {            \
    return pthread_t{};                                                        \
  }                                                                            \
  void urcu_##f##_set_thread_call_rcu_data(struct call_rcu_data* crdp) {       \
    compat::SetThreadCallRcuData(F, crdp);                                     \
  }                                                                            \
  int urcu_##f##_set_cpu_call_rcu_data(int cpu, struct call_rcu_data* crdp) {  \
    return compat::SetCpuCallRcuData(F, cpu, crdp);                            \
  }                                                                            \
  int urcu_##f##_create_all_cpu_call_rcu_data(unsigned long flags) {           \
    return compat::CreateAllCpuCallRcuData(F, flags);                          \
  }                                                                            \
  void urcu_##f##_free_all_cpu_call_rcu_data(void) {                           \
    compat::FreeAllCpuCallRcuData(F);                                          \
  }                                                                            \
  void urcu_##f##_call_rcu_before_fork(void) { compat::CallRcuBeforeFork(F); } \
  void urcu_##f##_call_rcu_after_fork_parent(void) {                           \
    compat::CallRcuAfterForkParent(F);                                         \
  }                                                                            \
  void urcu_##f##_call_rcu_after_fork_child(void) {                            \
    compat::CallRcuAfterForkChild(F);                                          \
  }                                                                            \
  void urcu_##f##_defer_rcu(void (*fct)(void* p), void* p) {                   \
    compat::DeferRcu(F, fct, p);                                               \
  }                                                                            \
  int urcu_##f##_defer_register_thread(void) { return 0; }                     \
  void urcu_##f##_defer_unregister_thread(void) { compat::DeferBarrier(F); }   \
  void urcu_##f##_defer_barrier(void) { compat::DeferBarrier(F); }             \
  void urcu_##f##_defer_barrier_thread(void) { compat::DeferBarrier(F); }      \
  void urcu_##f##_defer_exit(void) {}                                          \
  void urcu_##f##_register_rculfhash_atfork(struct urcu_atfork* atfork) {      \
    compat::RegisterRculfhashAtfork(F, atfork);                                \
  }                                                                            \
  void urcu_##f##_unregister_rculfhash_atfork(struct urcu_atfork* atfork) {    \
    compat::UnregisterRculfhashAtfork(F, atfork);                              \
  }

RCU_URCU_FLAVOUR_COMMON(memb, Flavour::kMemb)
RCU_URCU_FLAVOUR_COMMON(mb, Flavour::kMb)
RCU_URCU_FLAVOUR_COMMON(signal, Flavour::kSignal)
RCU_URCU_FLAVOUR_COMMON(qsbr, Flavour::kQsbr)
RCU_URCU_FLAVOUR_COMMON(bp, Flavour::kBp)

}  // extern "C"

// The flavor structs (urcu/flavor.h), for cds_lfht and other code generic
// over flavours. An extern "C" declaration each, so that the const objects
// have external linkage.
#define RCU_URCU_FLAVOR_STRUCT(f, quiescent_state, offline, online,          \
                               unregister)                                   \
  extern "C" const struct rcu_flavor_struct urcu_##f##_flavor;               \
  const struct rcu_flavor_struct urcu_##f##_flavor = {                       \
      .read_lock = urcu_##f##_read_lock,                                     \
      .read_unlock = urcu_##f##_read_unlock,                                 \
      .read_ongoing = urcu_##f##_read_ongoing,                               \
      .read_quiescent_state = quiescent_state,                               \
      .update_call_rcu = urcu_##f##_call_rcu,                                \
      .update_synchronize_rcu = urcu_##f##_synchronize_rcu,                  \
      .update_defer_rcu = urcu_##f##_defer_rcu,                              \
      .thread_offline = offline,                                             \
      .thread_online = online,                                               \
      .register_thread = urcu_##f##_register_thread,                         \
      .unregister_thread = unregister,                                       \
      .barrier = urcu_##f##_barrier,                                         \
      .register_rculfhash_atfork = urcu_##f##_register_rculfhash_atfork,     \
      .unregister_rculfhash_atfork = urcu_##f##_unregister_rculfhash_atfork, \
  };

RCU_URCU_FLAVOR_STRUCT(memb, urcu_compat_no_op, urcu_compat_no_op,
                       urcu_compat_no_op, urcu_memb_unregister_thread)
RCU_URCU_FLAVOR_STRUCT(mb, urcu_compat_no_op, urcu_compat_no_op,
                       urcu_compat_no_op, urcu_mb_unregister_thread)
RCU_URCU_FLAVOR_STRUCT(signal, urcu_compat_no_op, urcu_compat_no_op,
                       urcu_compat_no_op, urcu_signal_unregister_thread)
RCU_URCU_FLAVOR_STRUCT(qsbr, urcu_qsbr_quiescent_state,
                       urcu_qsbr_thread_offline, urcu_qsbr_thread_online,
                       urcu_qsbr_unregister_thread)
RCU_URCU_FLAVOR_STRUCT(bp, urcu_compat_no_op, urcu_compat_no_op,
                       urcu_compat_no_op, urcu_compat_no_op)

#pragma GCC visibility pop

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// flavour.h: what the out-of-line parts of librcu-urcu share. urcu_compat.cc
// defines the flavours' readers, registration and grace periods and every
// exported C symbol; call_rcu.cc defines their callbacks (call_rcu(),
// call_rcu_data, rcu_barrier(), defer_rcu(), the fork hooks).
//
// liburcu's five flavours map onto librcu instances:
//   memb, mb, signal   the default instance (slot 0), one for the three
//   qsbr               an instance of its own; a registered thread is online
//                      exactly while it holds an outermost read-side
//                      critical section of it
//   bp                 an instance of its own; threads register on the fly
// The qsbr and bp instances are built on first use and live until the
// process exits; their slots are published in urcu_compat_qsbr_slot and
// urcu_compat_bp_slot for the inline read side (urcu/static/urcu-librcu.h).
#ifndef RCU_COMPAT_FLAVOUR_H_
#define RCU_COMPAT_FLAVOUR_H_

#include <urcu/call-rcu.h>
#include <urcu/flavor.h>

#include "rcu/internal/reader.h"
#include "rcu/tree.h"

namespace rcu::compat {

enum class Flavour { kMemb = 0, kMb, kSignal, kQsbr, kBp };
inline constexpr int kNumFlavours = 5;

inline bool IsQsbr(Flavour f) { return f == Flavour::kQsbr; }
// The name printed in messages ("memb", ...).
const char* FlavourName(Flavour f);

// The flavour's librcu instance, built if need be.
Rcu& InstanceOf(Flavour f);

// Waits for a grace period of `f` (synchronize_rcu()); an online QSBR
// caller goes offline meanwhile. librcu-urcu-busted returns at once.
void SynchronizeRcu(Flavour f);

// For its lifetime, takes the calling thread offline if it is an online
// QSBR thread of `rcu` (`qsbr` true); nothing otherwise.
class QsbrOffline {
 public:
  QsbrOffline(bool qsbr, Rcu& rcu)
      : t_(qsbr ? internal::tls_readers.words[rcu.slot()] : nullptr),
        was_online_(t_ != nullptr && internal::InReader(t_)) {
    if (was_online_) internal::ReaderUnlock(t_);
  }
  ~QsbrOffline() {
    if (was_online_) internal::ReaderLock(t_);
  }
  QsbrOffline(const QsbrOffline&) = delete;
  QsbrOffline& operator=(const QsbrOffline&) = delete;

 private:
  internal::ReaderWord* const t_;
  const bool was_online_;
};

// ---- call_rcu.cc. ----
void CallRcu(Flavour f, rcu_head* head, void (*func)(rcu_head*));
void RcuBarrier(Flavour f);
call_rcu_data* CreateCallRcuData(Flavour f, unsigned long flags,
                                 int cpu_affinity);
void CallRcuDataFree(Flavour f, call_rcu_data* crdp);
call_rcu_data* GetDefaultCallRcuData(Flavour f);
call_rcu_data* GetCpuCallRcuData(Flavour f, int cpu);
call_rcu_data* GetThreadCallRcuData(Flavour f);
call_rcu_data* GetCallRcuData(Flavour f);
void SetThreadCallRcuData(Flavour f, call_rcu_data* crdp);
int SetCpuCallRcuData(Flavour f, int cpu, call_rcu_data* crdp);
int CreateAllCpuCallRcuData(Flavour f, unsigned long flags);
void FreeAllCpuCallRcuData(Flavour f);
void CallRcuBeforeFork(Flavour f);
void CallRcuAfterForkParent(Flavour f);
void CallRcuAfterForkChild(Flavour f);
void RegisterRculfhashAtfork(Flavour f, urcu_atfork* atfork);
void UnregisterRculfhashAtfork(Flavour f, urcu_atfork* atfork);
void DeferRcu(Flavour f, void (*fct)(void*), void* p);
// rcu_defer_barrier(), rcu_defer_barrier_thread() and
// rcu_defer_unregister_thread(): waits for every callback queued before it.
void DeferBarrier(Flavour f);

}  // namespace rcu::compat

#endif  // RCU_COMPAT_FLAVOUR_H_

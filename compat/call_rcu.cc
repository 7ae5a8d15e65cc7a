// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// call_rcu.cc: call_rcu(), rcu_barrier(), the call_rcu_data API, defer_rcu()
// and the call_rcu fork hooks of every flavour of librcu-urcu.
//
// Every callback goes through librcu's Rcu::Call() on the flavour's
// instance: librcu has per-vCPU callback threads already, which batch
// callbacks per grace period. liburcu's rcu_head {next, func} has the layout
// of rcu::RcuHead {next, func}, so the caller's head is handed over as is.
// A struct call_rcu_data is a handle without a thread: each flavour keeps
// liburcu's bookkeeping (a default handle, one per CPU, one per thread) so
// that create/set/get/free return what liburcu's would, but no handle
// changes where a callback runs.
#include <errno.h>
#include <sched.h>
#include <sys/sysinfo.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "compat/flavour.h"
#include "rcu/segcblist.h"
#include "rcu/tree.h"

static_assert(sizeof(rcu_head) == sizeof(rcu::RcuHead) &&
                  alignof(rcu_head) == alignof(rcu::RcuHead),
              "liburcu's struct rcu_head must be laid out as rcu::RcuHead");
static_assert(offsetof(rcu_head, next) == offsetof(rcu::RcuHead, next) &&
                  offsetof(rcu_head, func) == offsetof(rcu::RcuHead, func),
              "liburcu's struct rcu_head must be laid out as rcu::RcuHead");
static_assert(sizeof(cds_wfcq_node) == sizeof(rcu::RcuHead*),
              "struct cds_wfcq_node is one pointer");

// The handle. Opaque to programs (urcu/call-rcu.h).
struct call_rcu_data {
  unsigned long flags;
  int cpu_affinity;
};

namespace rcu::compat {
namespace {

// One flavour's call_rcu_data bookkeeping and cds_lfht fork hooks.
struct CallRcuState {
  std::mutex mu;
  // Built on first use, never freed (as liburcu's).
  std::atomic<call_rcu_data*> default_crdp{nullptr};
  // The per-CPU handles, nr_cpus of them; allocated under `mu` on first
  // use, then constant. Entries are set under `mu`, loaded anywhere.
  std::atomic<std::atomic<call_rcu_data*>*> per_cpu{nullptr};
  int nr_cpus = 0;
  // The cds_lfht worker's fork hooks (urcu_register_rculfhash_atfork()).
  urcu_atfork* atfork = nullptr;
  int atfork_refs = 0;
  bool warned_cpu_range = false;
};

CallRcuState g_states[kNumFlavours];
thread_local call_rcu_data* tls_thread_crdp[kNumFlavours] = {};

CallRcuState& StateOf(Flavour f) { return g_states[static_cast<int>(f)]; }

call_rcu_data* NewHandle(unsigned long flags, int cpu_affinity) {
  auto* crdp =
      static_cast<call_rcu_data*>(std::calloc(1, sizeof(call_rcu_data)));
  if (crdp == nullptr) {
    std::fprintf(stderr, "librcu-urcu: out of memory for a call_rcu_data\n");
    std::abort();
  }
  crdp->flags = flags | URCU_CALL_RCU_RUNNING;
  crdp->cpu_affinity = cpu_affinity;
  return crdp;
}

// The per-CPU table, allocated if need be (under st.mu).
std::atomic<call_rcu_data*>* PerCpuLocked(CallRcuState& st) {
  std::atomic<call_rcu_data*>* table =
      st.per_cpu.load(std::memory_order_relaxed);
  if (table != nullptr) return table;
  const int n = get_nprocs_conf();
  if (n <= 0) return nullptr;
  table = new (std::nothrow) std::atomic<call_rcu_data*>[n]();
  if (table == nullptr) return nullptr;
  st.nr_cpus = n;
  st.per_cpu.store(table, std::memory_order_release);
  return table;
}

void WarnOnce(CallRcuState& st, const char* what) {
  std::lock_guard<std::mutex> l(st.mu);
  if (st.warned_cpu_range) return;
  st.warned_cpu_range = true;
  std::fprintf(stderr, "[error] librcu-urcu: %s CPU # out of range\n", what);
}

// Waits for the callbacks queued before the call, where waiting is
// possible: not from a callback (librcu's callback threads would wait for
// themselves), not inside a read-side critical section of the flavour
// (the barrier's grace periods would wait for the caller). Skipping is
// harmless there: no callback refers to a handle.
void WaitForQueuedCallbacks(Flavour f) {
  if (internal::tls_readers.in_callback != nullptr) return;
  Rcu& rcu = InstanceOf(f);
  QsbrOffline offline(IsQsbr(f), rcu);
  if (rcu.ReadLockHeld()) return;
  rcu.Barrier();
}

struct DeferNode {
  RcuHead head;  // first: the callback gets &head
  void (*fct)(void*);
  void* p;
};

void DeferCallback(RcuHead* head) {
  auto* node = reinterpret_cast<DeferNode*>(head);
  node->fct(node->p);
  delete node;
}

}  // namespace

void CallRcu(Flavour f, rcu_head* head, void (*func)(rcu_head*)) {
  // Same layout (static_asserts above), and a callback receives exactly the
  // pointer it was queued with.
  InstanceOf(f).Call(reinterpret_cast<RcuHead*>(head),
                     reinterpret_cast<RcuCallback>(func));
}

void RcuBarrier(Flavour f) {
  Rcu& rcu = InstanceOf(f);
  QsbrOffline offline(IsQsbr(f), rcu);
  if (rcu.ReadLockHeld()) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true, std::memory_order_relaxed)) {
      std::fprintf(stderr,
                   "[error] librcu-urcu: rcu_barrier() called from within RCU "
                   "read-side critical section.\n");
    }
    return;
  }
  rcu.Barrier();  // from a callback: librcu aborts, naming the mistake
}

call_rcu_data* CreateCallRcuData(Flavour f, unsigned long flags,
                                 int cpu_affinity) {
  (void)f;
  return NewHandle(flags, cpu_affinity);
}

void CallRcuDataFree(Flavour f, call_rcu_data* crdp) {
  if (crdp == nullptr ||
      crdp == StateOf(f).default_crdp.load(std::memory_order_acquire)) {
    return;  // as liburcu: NULL and the default handle are never freed
  }
  WaitForQueuedCallbacks(f);
  std::free(crdp);
}

call_rcu_data* GetDefaultCallRcuData(Flavour f) {
  CallRcuState& st = StateOf(f);
  call_rcu_data* crdp = st.default_crdp.load(std::memory_order_acquire);
  if (crdp != nullptr) return crdp;
  std::lock_guard<std::mutex> l(st.mu);
  crdp = st.default_crdp.load(std::memory_order_relaxed);
  if (crdp == nullptr) {
    crdp = NewHandle(0, -1);
    st.default_crdp.store(crdp, std::memory_order_release);
  }
  return crdp;
}

call_rcu_data* GetCpuCallRcuData(Flavour f, int cpu) {
  CallRcuState& st = StateOf(f);
  std::atomic<call_rcu_data*>* table =
      st.per_cpu.load(std::memory_order_acquire);
  if (table == nullptr) return nullptr;
  if (cpu < 0 || cpu >= st.nr_cpus) {
    WarnOnce(st, "get");
    return nullptr;
  }
  return table[cpu].load(std::memory_order_acquire);
}

call_rcu_data* GetThreadCallRcuData(Flavour f) {
  return tls_thread_crdp[static_cast<int>(f)];
}

call_rcu_data* GetCallRcuData(Flavour f) {
  if (call_rcu_data* crdp = GetThreadCallRcuData(f)) return crdp;
  CallRcuState& st = StateOf(f);
  if (st.per_cpu.load(std::memory_order_acquire) != nullptr) {
    const int cpu = sched_getcpu();
    if (cpu >= 0 && cpu < st.nr_cpus) {
      if (call_rcu_data* crdp = GetCpuCallRcuData(f, cpu)) return crdp;
    }
  }
  return GetDefaultCallRcuData(f);
}

void SetThreadCallRcuData(Flavour f, call_rcu_data* crdp) {
  tls_thread_crdp[static_cast<int>(f)] = crdp;
}

int SetCpuCallRcuData(Flavour f, int cpu, call_rcu_data* crdp) {
  CallRcuState& st = StateOf(f);
  std::unique_lock<std::mutex> l(st.mu);
  std::atomic<call_rcu_data*>* table = PerCpuLocked(st);
  if (table != nullptr && (cpu < 0 || cpu >= st.nr_cpus)) {
    l.unlock();
    WarnOnce(st, "set");
    errno = EINVAL;
    return -EINVAL;
  }
  if (table == nullptr) {
    errno = ENOMEM;
    return -ENOMEM;
  }
  if (crdp != nullptr &&
      table[cpu].load(std::memory_order_relaxed) != nullptr) {
    errno = EEXIST;
    return -EEXIST;
  }
  table[cpu].store(crdp, std::memory_order_release);
  return 0;
}

int CreateAllCpuCallRcuData(Flavour f, unsigned long flags) {
  CallRcuState& st = StateOf(f);
  {
    std::lock_guard<std::mutex> l(st.mu);
    if (PerCpuLocked(st) == nullptr) {
      errno = ENOMEM;
      return -ENOMEM;
    }
  }
  for (int cpu = 0; cpu < st.nr_cpus; ++cpu) {
    if (GetCpuCallRcuData(f, cpu) != nullptr) continue;
    call_rcu_data* crdp = NewHandle(flags, cpu);
    const int ret = SetCpuCallRcuData(f, cpu, crdp);
    if (ret != 0) {
      std::free(crdp);
      if (ret == -EEXIST) continue;  // another thread set it meanwhile
      return ret;
    }
  }
  return 0;
}

void FreeAllCpuCallRcuData(Flavour f) {
  CallRcuState& st = StateOf(f);
  std::vector<call_rcu_data*> freed;
  {
    std::lock_guard<std::mutex> l(st.mu);
    std::atomic<call_rcu_data*>* table =
        st.per_cpu.load(std::memory_order_relaxed);
    if (table == nullptr) return;
    for (int cpu = 0; cpu < st.nr_cpus; ++cpu) {
      if (call_rcu_data* crdp =
              table[cpu].exchange(nullptr, std::memory_order_acq_rel))
        freed.push_back(crdp);
    }
  }
  if (freed.empty()) return;
  WaitForQueuedCallbacks(f);  // once for all of them
  for (call_rcu_data* crdp : freed) std::free(crdp);
}

// liburcu holds its call_rcu lock from before_fork to after_fork_*, and
// runs the cds_lfht worker's hooks inside; so does this. librcu's own
// threads are handled by librcu's pthread_atfork() handlers.
void CallRcuBeforeFork(Flavour f) {
  CallRcuState& st = StateOf(f);
  st.mu.lock();
  if (st.atfork != nullptr) st.atfork->before_fork(st.atfork->priv);
}

void CallRcuAfterForkParent(Flavour f) {
  CallRcuState& st = StateOf(f);
  if (st.atfork != nullptr) st.atfork->after_fork_parent(st.atfork->priv);
  st.mu.unlock();
}

void CallRcuAfterForkChild(Flavour f) {
  CallRcuState& st = StateOf(f);
  if (st.atfork != nullptr) st.atfork->after_fork_child(st.atfork->priv);
  st.mu.unlock();
}

void RegisterRculfhashAtfork(Flavour f, urcu_atfork* atfork) {
  CallRcuState& st = StateOf(f);
  std::lock_guard<std::mutex> l(st.mu);
  if (st.atfork == nullptr) st.atfork = atfork;
  ++st.atfork_refs;
}

void UnregisterRculfhashAtfork(Flavour f, urcu_atfork* atfork) {
  (void)atfork;
  CallRcuState& st = StateOf(f);
  std::lock_guard<std::mutex> l(st.mu);
  if (st.atfork_refs > 0 && --st.atfork_refs == 0) st.atfork = nullptr;
}

void DeferRcu(Flavour f, void (*fct)(void*), void* p) {
  auto* node = new (std::nothrow) DeferNode{RcuHead{}, fct, p};
  if (node == nullptr) {
    // No memory for the node: wait here instead, as liburcu does when its
    // queue is full.
    SynchronizeRcu(f);
    fct(p);
    return;
  }
  InstanceOf(f).Call(&node->head, DeferCallback);
}

void DeferBarrier(Flavour f) { RcuBarrier(f); }

}  // namespace rcu::compat

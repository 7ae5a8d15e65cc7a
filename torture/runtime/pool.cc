// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/pool.h"

#include <algorithm>

#include "torture/runtime/thread.h"

namespace torture {

Pool::Pool() { Reset(nullptr); }

void Pool::Reset(const TortureOps* ops) {
  MutexLock l(lock_);
  ops_ = ops;
  freelist_ = nullptr;
  removed_ = nullptr;
  for (TortureElem& e : elems_) {
    e.pipe_count.store(0, std::memory_order_relaxed);
    e.mbtest.store(0, std::memory_order_relaxed);
    e.chkp.store(nullptr, std::memory_order_relaxed);
    e.owner = this;
    e.next = freelist_;
    e.on_list.store(true, std::memory_order_relaxed);
    freelist_ = &e;
  }
  n_alloc = 0;
  n_alloc_fail = 0;
  n_free = 0;
  for (auto& w : wcount) w = 0;
}

TortureElem* Pool::Alloc() {
  MutexLock l(lock_);
  TortureElem* e = freelist_;
  if (e == nullptr) {
    n_alloc_fail.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  freelist_ = e->next;
  e->next = nullptr;
  e->on_list.store(false, std::memory_order_relaxed);
  n_alloc.fetch_add(1, std::memory_order_relaxed);
  return e;
}

void Pool::Free(TortureElem* e) {
  n_free.fetch_add(1, std::memory_order_relaxed);
  MutexLock l(lock_);
  e->next = freelist_;
  e->on_list.store(true, std::memory_order_relaxed);
  freelist_ = e;
}

bool Pool::FreelistEmpty() {
  MutexLock l(lock_);
  return freelist_ == nullptr;
}

bool Pool::PipeUpdateOne(TortureElem* e) {
  ReaderCheck* rtrcp = e->chkp.load(std::memory_order_relaxed);
  if (rtrcp != nullptr) {
    e->chkp.store(nullptr, std::memory_order_relaxed);
    // Release: the grace period that just ended (and everything the
    // updater saw before it) is ordered before the checker's acquire load
    // of `ready` in DoMbchk().
    rtrcp->ready.store(1, std::memory_order_release);
  }
  int i = e->pipe_count.load(std::memory_order_relaxed);
  if (i > kPipeLen) i = kPipeLen;
  wcount[i].fetch_add(1, std::memory_order_relaxed);
  e->pipe_count.store(i + 1, std::memory_order_relaxed);
  if (i + 1 >= kPipeLen) {
    e->mbtest.store(0, std::memory_order_relaxed);
    return true;
  }
  return false;
}

void Pool::Remove(TortureElem* old) {
  int i = old->pipe_count.load(std::memory_order_relaxed);
  if (i > kPipeLen) i = kPipeLen;
  wcount[i].fetch_add(1, std::memory_order_relaxed);
  old->pipe_count.store(old->pipe_count.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

void Pool::PipeUpdate(TortureElem* old) {
  if (old != nullptr) {
    old->next = removed_;
    old->on_list.store(true, std::memory_order_relaxed);
    removed_ = old;
  }
  TortureElem** pp = &removed_;
  while (*pp != nullptr) {
    TortureElem* e = *pp;
    if (PipeUpdateOne(e)) {
      *pp = e->next;
      Free(e);
    } else {
      pp = &e->next;
    }
  }
}

bool Pool::AllAccountedFor(const TortureElem* current,
                           const TortureElem** stuck) const {
  for (const TortureElem& e : elems_) {
    if (!e.on_list.load(std::memory_order_relaxed) && &e != current) {
      *stuck = &e;
      return false;
    }
  }
  return true;
}

// rcu_torture_cb(): one grace period passed for the element; free it at
// kPipeLen, else send it round again.
void TortureCb(TortureHead* h) {
  TortureElem* rp = reinterpret_cast<TortureElem*>(h);  // head is first
  if (MustStopIrq()) {
    // Test is ending, just drop callbacks on the floor.
    return;
  }
  Pool* pool = rp->owner;
  if (pool->PipeUpdateOne(rp)) {
    pool->Free(rp);
  } else {
    pool->ops()->deferred_free(rp);
  }
}

void CallDeferredFree(TortureElem* e) {
  e->owner->ops()->call(&e->head, TortureCb);
}

}  // namespace torture

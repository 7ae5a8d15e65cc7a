// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// torture_module.cc: the module rcutorture loads and unloads over and over
// (--modules; see torture/module_abi.h and torture/modules.h).
//
// While loaded, a poster thread of the module posts callbacks on every
// domain the host offers, in turn: heap Items whose callback function
// (ItemCb) and counters live in this image. About one callback in 16 sleeps
// 2 ms inside the module, so callbacks queued behind it on the same vCPU
// run late: the window a wrong exit sequence falls into. The module also
// registers a hook on the last domain, which the harness calls from
// callbacks of its own: code of this image reached by callbacks the module
// never posted.
//
// torture_module_exit() follows the unload rule: first "unregister" (stop
// the poster thread, unregister the hook: nothing new is posted that can
// reach this image), then wait for what was posted, then return so that
// the harness can "unallocate" (dlclose). With kModuleExitBarrier every
// posted callback has run when it returns, which it checks (posted ==
// invoked); the other modes wait wrongly on purpose. kModuleExitCounter is
// the counting exit the seeds warn about: every callback decrements a count
// and the exit waits for zero, but a callback that decremented may still
// be running here (the slow ones sleep after counting themselves done).
//
// Everything here has internal linkage (only the two entry points are
// exported), so several copies can be loaded at once without clashing.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "torture/modules/module_abi.h"

namespace {

using torture::ModuleHead;
using torture::ModuleHost;

constexpr uint32_t kItemMagic = 0x6d6f6431;
constexpr long kMaxPending = 512;  // posted but not yet invoked
constexpr int kPostsPerRound = 4;
constexpr int64_t kRoundUs = 1000;
constexpr uint64_t kSlowOneIn = 16;  // callbacks that sleep in the module
constexpr auto kSlowSleep = std::chrono::microseconds(2000);
constexpr int kMaxDomains = 8;

// One posted callback. `head` first: ItemCb() gets the head back.
struct Item {
  ModuleHead head;
  uint32_t magic = kItemMagic;
  int domain = 0;
  bool slow = false;
};

// The module's state, in its static storage (unmapped by dlclose()).
// Invariant: per domain, invoked <= posted, and after a barrier on that
// domain they are equal.
struct ModuleState {
  const ModuleHost* host = nullptr;
  std::atomic<bool> stop{false};
  std::atomic<long> posted[kMaxDomains] = {};
  std::atomic<long> invoked[kMaxDomains] = {};
  std::atomic<long> pending{0};  // sum over domains of posted - invoked
  std::atomic<long> hook_calls{0};
  int hook = -1;
  uint64_t rng = 0;  // poster thread only
  std::thread poster;
};
ModuleState g;

uint64_t NextRandom() {
  // xorshift64: the module links nothing but the C++ runtime.
  g.rng ^= g.rng << 13;
  g.rng ^= g.rng >> 7;
  g.rng ^= g.rng << 17;
  return g.rng;
}

void ItemCb(ModuleHead* head) {
  Item* it = reinterpret_cast<Item*>(head);
  if (it->magic != kItemMagic)
    g.host->error(g.host, "callback on a corrupted item");
  const int d = it->domain;
  const bool slow = it->slow;
  it->magic = 0;
  delete it;
  // Relaxed: the exit's check reads them after Barrier(), which orders
  // every earlier callback (all of it, the sleep below included) before
  // its return.
  g.invoked[d].fetch_add(1, std::memory_order_relaxed);
  // Release: a counting exit (kModuleExitCounter) that sees the count at
  // zero with an acquire load sees the item freed; what the count cannot
  // tell it is that this function is still running.
  g.pending.fetch_sub(1, std::memory_order_release);
  // The rest of the callback's work, after it has counted itself done.
  if (slow) std::this_thread::sleep_for(kSlowSleep);
}

void Hook(void* arg) {
  static_cast<ModuleState*>(arg)->hook_calls.fetch_add(
      1, std::memory_order_relaxed);
}

void PosterMain() {
  const ModuleHost* h = g.host;
  h->thread_init(h);
  uint64_t n = 0;
  // Relaxed: the exit joins this thread after setting stop; the join orders.
  while (!g.stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < kPostsPerRound; ++i) {
      if (g.pending.load(std::memory_order_relaxed) >= kMaxPending) break;
      Item* it = new Item;
      it->domain = static_cast<int>(n++ % h->n_domains);
      it->slow = NextRandom() % kSlowOneIn == 0;
      g.posted[it->domain].fetch_add(1, std::memory_order_relaxed);
      g.pending.fetch_add(1, std::memory_order_relaxed);
      h->call(h, it->domain, &it->head, ItemCb);
    }
    h->sleep_us(h, kRoundUs);
  }
  h->thread_exit(h);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int torture_module_init(
    const ModuleHost* h) {
  if (h->abi_version != torture::kModuleAbiVersion || h->n_domains < 1 ||
      h->n_domains > kMaxDomains) {
    return -1;
  }
  g.host = h;
  g.rng = h->seed | 1;
  g.hook = h->register_hook(h, h->n_domains - 1, Hook, &g);
  g.poster = std::thread(PosterMain);
  return 0;
}

extern "C" __attribute__((visibility("default"))) void torture_module_exit(
    const ModuleHost* h, int mode) {
  // Unregister: after these, nothing new is posted that can reach this
  // image (the poster is gone, the harness posts no new hook callbacks).
  g.stop.store(true, std::memory_order_relaxed);
  g.poster.join();
  h->unregister_hook(h, g.hook);
  // Then wait for what was posted: rcu_barrier() and srcu_barrier() on
  // every domain (Documentation/RCU/rcubarrier.rst), or one of the wrong ways.
  for (int d = 0; d < h->n_domains; ++d) {
    switch (mode) {
      case torture::kModuleExitBarrier:
        h->barrier(h, d);
        break;
      case torture::kModuleExitSynchronize:
        h->synchronize(h, d);
        break;
      case torture::kModuleExitOneBarrier:
        if (d <= 1) h->barrier(h, d);
        break;
      default:
        break;
    }
  }
  if (mode == torture::kModuleExitCounter) {
    // Acquire: pairs with ItemCb()'s release decrement.
    while (g.pending.load(std::memory_order_acquire) != 0) h->sleep_us(h, 100);
  }
  char msg[160];
  long posted = 0, invoked = 0;
  for (int d = 0; d < h->n_domains; ++d) {
    long p = g.posted[d].load(std::memory_order_relaxed);
    long i = g.invoked[d].load(std::memory_order_relaxed);
    posted += p;
    invoked += i;
    if (mode == torture::kModuleExitBarrier && p != i) {
      std::snprintf(msg, sizeof(msg),
                    "%ld callbacks on %s still pending after its Barrier()",
                    p - i, h->domain_names[d]);
      h->error(h, msg);
    }
  }
  std::snprintf(msg, sizeof(msg), "exit: posted %ld invoked %ld hook calls %ld",
                posted, invoked, g.hook_calls.load(std::memory_order_relaxed));
  h->log(h, msg);
}

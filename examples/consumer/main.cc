// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// consumer: a program outside the source tree that uses an installed
// librcu (see ../README.md for how it is built). Two registered reader
// threads read an RCU-protected version while the main thread replaces it
// kUpdates times; each old version is freed by an rcu::Call() callback, or
// (every fourth) after rcu::Synchronize(). rcu::Barrier() then waits for
// the callbacks. Prints
//   consumer: ok reads=N callbacks=M
// and exits 0 when every callback ran once and no reader saw a version
// freed or out of order; otherwise prints "consumer: FAILED ..." and
// exits 1.
#include <atomic>
#include <cstdio>
#include <thread>

#include "rcu/rcu.h"

namespace {

constexpr long kUpdates = 2000;
constexpr long kMinReads = 20000;  // per reader
constexpr long kPoison = -1;

struct Version {
  rcu::RcuHead rh;  // first: the callback gets the Version back from it
  long seq = 0;
  long check = 0;  // seq * 7 while the version is live, kPoison once freed
};

std::atomic<Version*> g_current{nullptr};
std::atomic<long> g_callbacks{0};
std::atomic<long> g_bad{0};
std::atomic<bool> g_stop{false};

Version* NewVersion(long seq) {
  Version* v = new Version;
  v->seq = seq;
  v->check = seq * 7;
  return v;
}

void Free(Version* v) {
  v->check = kPoison;
  delete v;
}

void FreeCallback(rcu::RcuHead* head) {
  Free(reinterpret_cast<Version*>(head));
  g_callbacks.fetch_add(1, std::memory_order_relaxed);
}

// Reads until stopped, and at least kMinReads times. Returns the reads.
long Reader() {
  rcu::ScopedThread registration;
  long reads = 0;
  long last = -1;
  while (reads < kMinReads || !g_stop.load(std::memory_order_relaxed)) {
    rcu::ReadGuard guard;
    const Version* v = rcu::Dereference(g_current);
    // Versions only move forward, and none is freed under a reader.
    if (v->check != v->seq * 7 || v->seq < last) {
      g_bad.fetch_add(1, std::memory_order_relaxed);
    }
    last = v->seq;
    ++reads;
  }
  return reads;
}

}  // namespace

int main() {
  rcu::ScopedThread registration;
  rcu::AssignPointer(g_current, NewVersion(0));
  long reads[2] = {0, 0};
  std::thread r0([&] { reads[0] = Reader(); });
  std::thread r1([&] { reads[1] = Reader(); });

  long called = 0;
  long synchronized = 0;
  for (long seq = 1; seq <= kUpdates; ++seq) {
    // The only updater: the old version is ours to retire.
    Version* old =
        rcu::ReplacePointer(g_current, NewVersion(seq), /*cond=*/true);
    if (seq % 4 == 0) {
      rcu::Synchronize();
      Free(old);
      ++synchronized;
    } else {
      rcu::Call(&old->rh, FreeCallback);
      ++called;
    }
  }
  g_stop.store(true, std::memory_order_relaxed);
  r0.join();
  r1.join();
  rcu::Call(
      &rcu::ReplacePointer(g_current, static_cast<Version*>(nullptr), true)->rh,
      FreeCallback);
  ++called;
  rcu::Barrier();

  long callbacks = g_callbacks.load(std::memory_order_relaxed);
  long bad = g_bad.load(std::memory_order_relaxed);
  if (callbacks != called || bad != 0 || synchronized != kUpdates / 4) {
    std::printf(
        "consumer: FAILED callbacks=%ld (want %ld) bad_reads=%ld "
        "synchronized=%ld\n",
        callbacks, called, bad, synchronized);
    return 1;
  }
  std::printf("consumer: ok reads=%ld callbacks=%ld\n", reads[0] + reads[1],
              callbacks);
  return 0;
}

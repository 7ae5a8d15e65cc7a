// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/cleanup_barriers.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "torture/runtime/output.h"

namespace torture {
namespace {

std::atomic<int> g_started{0};
std::atomic<int> g_saw_other{0};  // barriers that saw the other running

// Waits (up to 5 s) until the other barrier has started too. Both see each
// other only when the two run at the same time.
void WaitForTheOther() {
  g_started.fetch_add(1);
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (g_started.load() < 2 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  if (g_started.load() >= 2) g_saw_other.fetch_add(1);
}

// Thread A (the flavour's cb_barrier) and thread B (a registered barrier)
// each wait for the other to start: RunCleanupBarriers() must run them
// concurrently, or each would wait alone.
TEST(CleanupBarriers, SeveralRunConcurrently) {
  TortureOps ops{.name = "test"};
  ops.cb_barrier = WaitForTheOther;
  ops.cb_barrier_name = "test_barrier";
  InitOutput("test", 0);
  std::atomic<int> b_ran{0};
  RegisterCleanupBarrier("second_barrier", [&] {
    WaitForTheOther();
    b_ran.fetch_add(1);
  });
  RunCleanupBarriers(ops);
  EXPECT_EQ(b_ran.load(), 1);
  EXPECT_EQ(g_started.load(), 2);
  EXPECT_EQ(g_saw_other.load(), 2) << "the barriers ran one after the other";
  // The registrations are forgotten: a second run calls only cb_barrier.
  g_started = 1;  // the flavour's barrier then finds "the other" at once
  RunCleanupBarriers(ops);
  EXPECT_EQ(b_ran.load(), 1);
}

}  // namespace
}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using rcu::testing::HeldReader;
using rcu::testing::MakeRcu;
using namespace std::chrono_literals;

struct CountCb {
  RcuHead head;
  std::atomic<long>* ran;
  static void Run(RcuHead* h) {
    reinterpret_cast<CountCb*>(h)->ran->fetch_add(1, std::memory_order_relaxed);
  }
};

TEST(Barrier, WithNoCallbacksReturns) {
  auto r = MakeRcu(16, 2, 2);
  r->Barrier();
  r->Barrier();
  EXPECT_EQ(r->GetStats().barriers, 2u);
}

// barrier_delay sleeps after each vCPU Barrier() visits (a lower bound on
// its run time, so this cannot flake on a slow machine).
TEST(Barrier, BarrierDelaySleepsAfterEachCpu) {
  Config c;
  c.nr_cpu_ids = 4;
  c.barrier_delay = 5;
  auto r = Rcu::Create(c);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto start = std::chrono::steady_clock::now();
  (*r)->Barrier();
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(4 * 5));
}

TEST(Barrier, WaitsForEveryCallbackOnEveryCpu) {
  auto r = MakeRcu(16, 2, 4);
  std::atomic<long> ran{0};
  constexpr int kPerCpu = 500;
  std::vector<CountCb> cbs(16 * kPerCpu);
  r->RegisterThread(0);
  for (int cpu = 0; cpu < 16; ++cpu) {
    r->MigrateSelf(cpu);
    for (int i = 0; i < kPerCpu; ++i) {
      CountCb& c = cbs[cpu * kPerCpu + i];
      c.ran = &ran;
      r->Call(&c.head, CountCb::Run);
    }
  }
  r->Barrier();
  EXPECT_EQ(ran.load(), 16 * kPerCpu);
  r->UnregisterThread();
}

// Thread A posts callbacks on several vCPUs while threads B and C call
// Barrier() over and over. Each barrier must wait for every callback A had
// queued (counted) before that barrier began.
TEST(Barrier, ConcurrentBarriersRacingCalls) {
  auto r = MakeRcu(8, 2, 2);
  std::atomic<long> ran{0};
  std::atomic<long> queued{0};
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  constexpr int kN = 40000;
  std::vector<CountCb> cbs(kN);
  std::thread a([&] {
    r->RegisterThread(0);
    for (int i = 0; i < kN; ++i) {
      if (i % 1000 == 0) r->MigrateSelf((i / 1000) % 8);
      cbs[i].ran = &ran;
      r->Call(&cbs[i].head, CountCb::Run);
      queued.fetch_add(1);
    }
    r->UnregisterThread();
    stop.store(true);
  });
  auto barrier_loop = [&] {
    while (!stop.load()) {
      long before = queued.load();
      r->Barrier();
      if (ran.load() < before) errors.fetch_add(1);
    }
  };
  std::thread b(barrier_loop), c(barrier_loop);
  a.join();
  b.join();
  c.join();
  r->Barrier();
  EXPECT_EQ(ran.load(), kN);
  EXPECT_EQ(errors.load(), 0);
}

// Regression test for the barrier returning early when its count is not
// biased.
//   Thread A (rcuc/0) is invoking a blocking callback on vCPU 0.
//   Thread C sits in a read-side critical section on vCPU 2, so vCPU 1's
//   callback cannot finish its grace period.
//   Thread B calls Barrier(): it entrains behind A's callback on vCPU 0,
//   then stalls on vCPU 1, whose local lock the test holds.
// The test releases A's callback, so vCPU 0's barrier callback runs and
// takes its count back; then it lets B go on to vCPU 1. Only the barrier's
// own bias kept the count above zero in between; without it B's wait would
// already be satisfied and Barrier() would return while vCPU 1's callback
// is still queued.
TEST(Barrier, BarrierReturnsEarlyWithoutBiasBug) {
  auto r = MakeRcu(4);
  Flag blocking, unblock;
  struct BlockCb {
    RcuHead head;
    Flag* blocking;
    Flag* unblock;
  } block{{}, &blocking, &unblock};
  std::atomic<long> ran1{0};
  CountCb on1{{}, &ran1};

  r->RegisterThread(0);
  r->Call(&block.head, [](RcuHead* h) {
    auto* b = reinterpret_cast<BlockCb*>(h);
    b->blocking->Set();
    b->unblock->Wait();
  });
  blocking.Wait();  // rcuc/0 is inside the blocking callback
  HeldReader c(*r, 2);
  r->MigrateSelf(1);
  r->Call(&on1.head, CountCb::Run);  // waits for a GP that C holds
  r->UnregisterThread();

  const uint64_t invoked0 = r->RdpForTesting(0).n_cbs_invoked.load();
  // The test, not the library, holds vCPU 1's local lock across asserts.
  auto lock1 = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    r->RdpForTesting(1).local.Lock();
  };
  auto unlock1 = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    r->RdpForTesting(1).local.Unlock();
  };
  lock1();
  std::atomic<bool> barrier_returned{false};
  std::atomic<long> ran1_at_return{-1};
  std::thread b([&] {
    r->Barrier();
    ran1_at_return.store(ran1.load());
    barrier_returned.store(true);
  });
  // B entrains on vCPU 0 (its barrier_seq_snap moves) and stalls on vCPU 1.
  ASSERT_TRUE(Eventually([&] {
    return r->RdpForTesting(0).barrier_seq_snap.load() !=
           r->RdpForTesting(1).barrier_seq_snap.load();
  }));
  unblock.Set();
  // The blocking callback and, after it, vCPU 0's barrier callback have
  // run: vCPU 0's list is empty.
  ASSERT_TRUE(Eventually([&] {
    return r->RdpForTesting(0).n_cbs_invoked.load() == invoked0 + 1;
  }));
  ASSERT_TRUE(Eventually([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    // len() may be read without the lock (segcblist.h): taking vCPU 0's
    // lock here, with vCPU 1's held, would invert the library's order of
    // two local locks (lower vCPU first: hotplug, MigrateSelf()).
    return r->RdpForTesting(0).cblist.len() == 0;
  }));
  unlock1();
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(barrier_returned.load())
      << "Barrier() returned while vCPU 1's callback was still queued";
  c.Release();
  b.join();
  EXPECT_EQ(ran1_at_return.load(), 1);
}

// Callbacks run in order with a barrier between batches: every callback
// queued before Barrier() has run when it returns, also when the barrier
// callback lands in the DONE segment behind callbacks being invoked.
TEST(Barrier, FromCallbackHeavyLoadRepeatedly) {
  auto r = MakeRcu(2);
  std::atomic<long> ran{0};
  std::vector<CountCb> cbs(100000);
  for (int round = 0; round < 5; ++round) {
    long before = ran.load();
    for (int i = 0; i < 20000; ++i) {
      CountCb& c = cbs[round * 20000 + i];
      c.ran = &ran;
      r->Call(&c.head, CountCb::Run);
    }
    r->Barrier();
    EXPECT_EQ(ran.load() - before, 20000);
  }
}

// A heap callback that counts itself done as its very last action, after
// an optional sleep: a Barrier() that returned while it was queued, or
// while it was still running, finds it uncounted.
struct SlowCountCb {
  RcuHead head;
  std::atomic<long>* done;
  bool slow;
  static void Run(RcuHead* h) {
    auto* c = reinterpret_cast<SlowCountCb*>(h);
    if (c->slow) std::this_thread::sleep_for(100us);
    std::atomic<long>* d = c->done;
    delete c;
    // Relaxed: Barrier() orders the callback before its return.
    d->fetch_add(1, std::memory_order_relaxed);
  }
};

// The module-unload sequence on a 2-vCPU instance whose posters are not
// registered with it (Call() picks their vCPU round-robin), repeated:
//   Threads A..C post heap callbacks (one in 8 sleeps inside the callback,
//   so later ones queue behind it), then exit and are joined.
//   Thread D, also unregistered, posts callbacks all along (the other
//   modules and the hook thread).
//   Threads E and F call Barrier() over and over (other barrier callers),
//   each checking that D's callbacks posted before it began have run.
//   The main thread, once A..C are joined, calls Barrier() and checks that
//   every callback A..C posted has run to its end.
// A barrier often finds a vCPU whose lists are empty while its thread is
// still invoking an extracted batch; with blimit 3 that thread also lowers
// the vCPU's count mid-batch.
TEST(Barrier, UnregisteredPostersThenBarrier) {
  for (const int blimit : {1000, 3}) {
    SCOPED_TRACE(absl::StrCat("blimit ", blimit));
    constexpr int kRounds = 150;
    constexpr int kPosters = 3;
    constexpr int kPerPoster = 40;
    // Counts, declared before the instance so that they outlive every
    // callback, also ones a wrong Barrier() left behind.
    std::vector<std::atomic<long>> done(kRounds);
    std::atomic<long> d_posted{0}, d_done{0};
    Config c;
    c.nr_cpu_ids = 2;
    c.blimit = blimit;
    absl::StatusOr<std::unique_ptr<Rcu>> made = Rcu::Create(c);
    ASSERT_TRUE(made.ok()) << made.status();
    Rcu& r = **made;
    std::atomic<bool> stop{false};
    std::thread d([&] {
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        r.Call(&(new SlowCountCb{{}, &d_done, i % 8 == 0})->head,
               SlowCountCb::Run);
        d_posted.fetch_add(1, std::memory_order_relaxed);
        if (i % 4 == 0) std::this_thread::sleep_for(50us);
      }
    });
    std::atomic<int> early{0};
    auto barriers = [&] {
      while (!stop.load(std::memory_order_relaxed)) {
        const long before = d_posted.load();
        r.Barrier();
        if (d_done.load() < before) early.fetch_add(1);
      }
    };
    std::thread e(barriers), f(barriers);
    int failures = 0;
    for (int round = 0; round < kRounds && failures < 3; ++round) {
      std::atomic<long>* round_done = &done[round];
      std::vector<std::thread> posters;
      for (int p = 0; p < kPosters; ++p) {
        posters.emplace_back([&r, round_done, p, round] {
          for (int i = 0; i < kPerPoster; ++i) {
            const bool slow = (i + p + round) % 8 == 0;
            r.Call(&(new SlowCountCb{{}, round_done, slow})->head,
                   SlowCountCb::Run);
          }
        });
      }
      for (std::thread& t : posters) t.join();
      r.Barrier();
      const long n = round_done->load(std::memory_order_relaxed);
      if (n != kPosters * kPerPoster) {
        ++failures;
        ADD_FAILURE() << "round " << round << ": Barrier() returned with "
                      << kPosters * kPerPoster - n << " callbacks not done";
      }
    }
    stop.store(true);
    d.join();
    e.join();
    f.join();
    r.Barrier();
    EXPECT_EQ(d_done.load(), d_posted.load());
    EXPECT_EQ(early.load(), 0) << "a concurrent Barrier() returned before "
                                  "thread D's earlier callbacks had run";
  }
}

}  // namespace
}  // namespace rcu

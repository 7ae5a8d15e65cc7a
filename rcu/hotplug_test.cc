// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Tests of emulated CPU hotplug: OfflineCpu() / OnlineCpu().
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using rcu::testing::HeldReader;
using namespace std::chrono_literals;

std::unique_ptr<Rcu> Make(int cpus, int fanout, int leaf, int first_fqs = -1,
                          const char* nocbs = "") {
  Config c;
  c.nr_cpu_ids = cpus;
  c.rcu_nocbs = nocbs;
  c.fanout = fanout;
  c.fanout_leaf = leaf;
  c.jiffies_till_first_fqs = first_fqs;
  c.jiffies_till_next_fqs = first_fqs;
  return *Rcu::Create(c);
}

bool CpuOwesQs(Rcu& r, int cpu) {
  RcuData& rdp = r.RdpForTesting(cpu);
  return (rdp.mynode->qsmask.load() & rdp.grpmask) != 0;
}

TEST(Hotplug, RefusesBadRequests) {
  auto r = Make(2, 64, 16);
  EXPECT_EQ(r->OfflineCpu(2).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r->OfflineCpu(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r->OnlineCpu(0).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(r->OfflineCpu(1).ok());
  EXPECT_EQ(r->OfflineCpu(1).code(), absl::StatusCode::kFailedPrecondition);
  absl::Status last = r->OfflineCpu(0);
  EXPECT_EQ(last.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(last.message().find("last online vCPU"), std::string::npos);
  EXPECT_EQ(r->num_online_cpus(), 1);
  ASSERT_TRUE(r->OnlineCpu(1).ok());
  EXPECT_EQ(r->num_online_cpus(), 2);
  EXPECT_EQ(r->GetStats().hotplug_ops, 2u);
}

// Possible vCPUs that never came online: no threads attach there and
// grace periods never wait for them.
TEST(Hotplug, NeverOnlineCpusAreIgnored) {
  Config c;
  c.nr_cpu_ids = 16;
  c.online_at_start = 6;
  c.fanout = 2;
  c.fanout_leaf = 2;
  auto r = *Rcu::Create(c);
  EXPECT_EQ(r->num_online_cpus(), 6);
  r->RegisterThread(12);  // offline: lands on an online vCPU
  EXPECT_LT(r->CurrentCpu(), 6);
  EXPECT_FALSE(r->MigrateSelf(9));
  r->Synchronize();
  r->SynchronizeExpedited();
  r->Barrier();
  r->UnregisterThread();
  EXPECT_EQ(r->GetStats().fqs_offline_fixups, 0u);
}

// Thread A is attached to vCPU 3 outside any reader. Offlining vCPU 3
// moves A elsewhere, and grace periods no longer involve vCPU 3.
TEST(Hotplug, OfflineEvictsThreads) {
  auto r = Make(4, 64, 16);
  Flag attached, go;
  std::atomic<int> cpu_after{-1};
  std::thread a([&] {
    r->RegisterThread(3);
    attached.Set();
    go.Wait();
    cpu_after.store(r->CurrentCpu());
    r->ReadLock();
    r->ReadUnlock();
    r->UnregisterThread();
  });
  attached.Wait();
  ASSERT_TRUE(r->OfflineCpu(3).ok());
  go.Set();
  a.join();
  EXPECT_NE(cpu_after.load(), 3);
  EXPECT_GE(cpu_after.load(), 0);
  r->Synchronize();
  {
    PlainMutexLock l(r->RdpForTesting(3).local);
    EXPECT_EQ(r->RdpForTesting(3).n_attached, 0);
  }
  EXPECT_EQ(r->GetStats().fqs_offline_fixups, 0u)
      << "the offline path did not report vCPU 3's quiescent state";
}

// Thread A is inside a reader on vCPU 1 when a grace period starts and
// vCPU 1 goes offline. A is moved to another vCPU, which may already have
// reported; only the proxy entry on vCPU 1's leaf still stands for A's
// reader. The grace period must not end before A's outermost unlock.
TEST(Hotplug, ReaderEvictedByOfflineHoldsGracePeriodBug) {
  for (int target_reported : {0, 1}) {
    auto r = Make(8, 2, 2);
    std::atomic<bool> unlocking{false};
    HeldReader a(*r, 1, [&] { unlocking.store(true); });
    const uint64_t cookie = r->StartPoll();
    ASSERT_TRUE(Eventually([&] {
      const uint64_t g = r->GpSeq();
      return SeqState(g) != 0 &&
             r->RdpForTesting(1).mynode->gp_seq.load() == g &&
             r->RdpForTesting(2).mynode->gp_seq.load() == g &&
             (!target_reported || !CpuOwesQs(*r, 2));
    }));
    ASSERT_TRUE(r->OfflineCpu(1).ok());  // A moves to vCPU 2
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(r->PollState(cookie))
        << "grace period ended while an evicted reader was inside\n"
        << r->DumpGpState();
    a.Release();
    EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }))
        << r->DumpGpState();
    EXPECT_TRUE(unlocking.load());
    EXPECT_EQ(r->GetStats().fqs_offline_fixups, 0u);
  }
}

// vCPU 5 owes the current grace period a quiescent state (thread A is in
// a reader there) when it goes offline. Its offline path must report that
// quiescent state before leaving qsmaskinitnext; A's reader is covered by
// its proxy entry instead. If the report is skipped, vCPU 5's bit stays set
// and only the FQS fallback (which counts a fixup) ends the grace period.
TEST(Hotplug, OfflineReportsQuiescentStateBug) {
  auto r = Make(8, 2, 2, /*first_fqs=*/200);  // only the first scan is soon
  HeldReader a(*r, 5);
  const uint64_t cookie = r->StartPoll();
  ASSERT_TRUE(Eventually([&] {
    const uint64_t g = r->GpSeq();
    return SeqState(g) != 0 && r->RdpForTesting(5).mynode->gp_seq.load() == g &&
           CpuOwesQs(*r, 5);
  }));
  ASSERT_TRUE(r->OfflineCpu(5).ok());
  EXPECT_FALSE(CpuOwesQs(*r, 5)) << r->DumpGpState();
  EXPECT_FALSE(r->PollState(cookie)) << "the proxy must hold the GP";
  a.Release();
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }));
  EXPECT_EQ(r->GetStats().fqs_offline_fixups, 0u);
}

struct CountCb {
  RcuHead head;
  std::atomic<long>* ran;
  static void Run(RcuHead* h) {
    reinterpret_cast<CountCb*>(h)->ran->fetch_add(1);
  }
};

// From a thread registered on vCPU `cpu`, queues every callback in `cbs`
// (counting into `ran`), then unregisters; returns after that thread ended.
void PostFromCpu(Rcu& r, int cpu, std::vector<CountCb>& cbs,
                 std::atomic<long>& ran) {
  std::thread t([&] {
    r.RegisterThread(cpu);
    for (auto& cb : cbs) {
      cb.ran = &ran;
      r.Call(&cb.head, CountCb::Run);
    }
    r.UnregisterThread();
  });
  t.join();
}

// Callbacks queued on a vCPU move with it when it goes offline; a barrier
// waits for them wherever they are.
TEST(Hotplug, OfflineMigratesCallbacks) {
  auto r = Make(4, 64, 16);
  std::atomic<long> ran{0};
  std::vector<CountCb> cbs(5000);
  {
    HeldReader holder(*r, 0);  // no GP ends while we queue and offline
    PostFromCpu(*r, 2, cbs, ran);
    ASSERT_TRUE(r->OfflineCpu(2).ok());
    EXPECT_EQ(ran.load(), 0);
  }
  r->Barrier();
  EXPECT_EQ(ran.load(), 5000);
  PlainMutexLock l(r->RdpForTesting(2).local);
  EXPECT_EQ(r->RdpForTesting(2).cblist.len(), 0);
}

// Thread A posts callbacks and loops Barrier() checks; thread B offlines
// and onlines random vCPUs; readers (C) read and migrate inside readers.
// Every barrier must see every callback queued before it; every grace
// period must wait for readers (checked with a poisoned element as in
// stress_test); no offline vCPU may ever be left owing a QS.
class Churn : public ::testing::TestWithParam<const char*> {};

TEST_P(Churn, ReadersCallbacksAndBarriers) {
  auto r = Make(8, 2, 2, -1, GetParam());
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, ran{0}, queued{0}, barrier_errors{0};
  struct Elem {
    std::atomic<uint64_t> magic{1};
  };
  std::vector<Elem> elems(2);
  std::atomic<Elem*> cur{&elems[0]};
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i) {
    ts.emplace_back([&, i] {
      r->RegisterThread(i);
      std::minstd_rand rng(i);
      while (!stop.load()) {
        r->ReadLock();
        Elem* e = cur.load(std::memory_order_acquire);
        if (rng() % 8 == 0) r->MigrateSelf(static_cast<int>(rng() % 8));
        if (rng() % 32 == 0) std::this_thread::sleep_for(50us);
        if (e->magic.load() != 1) bad.fetch_add(1);
        r->ReadUnlock();
      }
      r->UnregisterThread();
    });
  }
  ts.emplace_back([&] {  // updater: swap, wait a GP, poison, restore
    r->RegisterThread(3);
    int k = 0;
    while (!stop.load()) {
      Elem* old = cur.exchange(&elems[++k % 2], std::memory_order_acq_rel);
      if (k % 2) {
        r->Synchronize();
      } else {
        r->SynchronizeExpedited();
      }
      old->magic.store(0);  // "freed"
      old->magic.store(1);  // reused
    }
    r->UnregisterThread();
  });
  std::vector<CountCb> cbs(200000);
  ts.emplace_back([&] {  // callbacks and barriers
    r->RegisterThread(4);
    size_t n = 0;
    std::minstd_rand rng(7);
    while (!stop.load() && n + 100 <= cbs.size()) {
      for (int j = 0; j < 100; ++j, ++n) {
        cbs[n].ran = &ran;
        r->Call(&cbs[n].head, CountCb::Run);
        queued.fetch_add(1);
      }
      r->MigrateSelf(static_cast<int>(rng() % 8));
      const long before = queued.load();
      r->Barrier();
      if (ran.load() < before) barrier_errors.fetch_add(1);
    }
    r->UnregisterThread();
  });
  std::thread hotplug([&] {
    std::minstd_rand rng(11);
    const auto end = std::chrono::steady_clock::now() + 1500ms;
    while (std::chrono::steady_clock::now() < end) {
      const int cpu = static_cast<int>(rng() % 8);
      if (r->CpuOnline(cpu)) {
        (void)r->OfflineCpu(cpu);  // may refuse the last one
      } else {
        EXPECT_TRUE(r->OnlineCpu(cpu).ok());
      }
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    }
  });
  hotplug.join();
  stop.store(true);
  for (auto& t : ts) t.join();
  r->Barrier();
  EXPECT_EQ(bad.load(), 0) << "a reader saw a freed element";
  EXPECT_EQ(barrier_errors.load(), 0);
  EXPECT_EQ(ran.load(), queued.load());
  RcuStats s = r->GetStats();
  EXPECT_GT(s.hotplug_ops, 50u);
  EXPECT_EQ(s.fqs_offline_fixups, 0u);
  // Every callback queued was invoked, and counted once: a barrier
  // callback entrained on a vCPU that then went offline runs on another
  // vCPU, and was once counted there as one of the program's callbacks.
  EXPECT_EQ(s.cbs_invoked, s.cbs_queued);
}

INSTANTIATE_TEST_SUITE_P(Nocbs, Churn, ::testing::Values("", "1,3,5,7", "all"));

// The churn above, with grace-period initialization and cleanup slowed
// down (gp_preinit_delay, gp_init_delay, gp_cleanup_delay) so that hotplug
// lands inside GP init's ONOFF and INIT passes.
TEST(Hotplug, RacesWithSlowGracePeriodInitBug) {
  Config c;
  c.nr_cpu_ids = 8;
  c.fanout = 2;
  c.fanout_leaf = 2;
  c.gp_preinit_delay = 1;
  c.gp_init_delay = 1;
  c.gp_cleanup_delay = 1;
  auto r = *Rcu::Create(c);
  std::atomic<bool> stop{false};
  std::atomic<long> bad{0};
  std::atomic<uint64_t> epoch{0};  // odd while the reader is inside
  std::thread reader([&] {
    r->RegisterThread(1);
    std::minstd_rand rng(3);
    while (!stop.load()) {
      r->ReadLock();
      epoch.fetch_add(1);
      r->MigrateSelf(static_cast<int>(rng() % 8));
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
      epoch.fetch_add(1);
      r->ReadUnlock();
    }
    r->UnregisterThread();
  });
  std::thread hotplug([&] {
    std::minstd_rand rng(5);
    while (!stop.load()) {
      const int cpu = static_cast<int>(rng() % 8);
      if (r->CpuOnline(cpu)) {
        (void)r->OfflineCpu(cpu);
      } else {
        (void)r->OnlineCpu(cpu);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
    }
  });
  const auto end = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < end) {
    const uint64_t e = epoch.load();
    r->Synchronize();
    if ((e & 1) && epoch.load() == e) bad.fetch_add(1);  // reader still in
  }
  stop.store(true);
  reader.join();
  hotplug.join();
  EXPECT_EQ(bad.load(), 0) << "a grace period ended inside a reader";
  EXPECT_EQ(r->GetStats().fqs_offline_fixups, 0u);
}

// Thread A migrates inside its reader from vCPU 2, so it is queued on the
// leaf of vCPUs 2-3; then both go offline. The leaf has no online vCPU but
// a blocked reader: it must stay in its parent's qsmaskinit
// (wait_blkd_tasks), and grace periods must wait for A. Once A is done the
// next grace period drops the leaf from its parent.
TEST(Hotplug, LastCpuOfLeafOfflineWithBlockedReaderBug) {
  auto r = Make(8, 2, 2);
  RcuNode& leaf = *r->RdpForTesting(2).mynode;  // CPUs 2-3
  RcuNode& parent = *leaf.parent;
  std::atomic<bool> unlocking{false};
  Flag migrated, release;
  std::thread a([&] {
    r->RegisterThread(2);
    r->ReadLock();
    r->MigrateSelf(5);
    migrated.Set();
    release.Wait();
    unlocking.store(true);
    r->ReadUnlock();
    r->UnregisterThread();
  });
  migrated.Wait();
  ASSERT_TRUE(r->OfflineCpu(2).ok());
  ASSERT_TRUE(r->OfflineCpu(3).ok());
  const uint64_t cookie = r->StartPoll();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(r->PollState(cookie)) << r->DumpGpState();
  {
    PlainMutexLock l(parent.lock);
    EXPECT_TRUE(parent.qsmaskinit & leaf.grpmask);
  }
  {
    PlainMutexLock l(leaf.lock);
    EXPECT_TRUE(leaf.wait_blkd_tasks);
    EXPECT_EQ(leaf.qsmaskinit, 0u);
  }
  release.Set();
  a.join();
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }));
  EXPECT_TRUE(unlocking.load());
  {
    // Two normal grace periods (their initialization drops the leaf), not
    // the short path Synchronize() takes with no other thread registered.
    rcu::testing::IdleRegistered idle(*r, 6);
    r->Synchronize();
    r->Synchronize();
  }
  PlainMutexLock l(parent.lock);
  EXPECT_FALSE(parent.qsmaskinit & leaf.grpmask)
      << "empty leaf kept in its parent";
}

// Regression test for "Lies that firmware tells RCU": 16 possible vCPUs,
// 6 online, 8-15 offloaded and never online. A barrier that entrained a
// callback on a never-online offloaded vCPU (which has no callback thread)
// would wait forever; Barrier() must return, and no callback thread may
// exist for those vCPUs.
TEST(Nocb, NeverOnlineOffloadedCpusBarrierHangBug) {
  Config c;
  c.nr_cpu_ids = 16;
  c.online_at_start = 6;
  c.rcu_nocbs = "8-15";
  auto r = *Rcu::Create(c);
  std::atomic<long> ran{0};
  std::vector<CountCb> cbs(6 * 2000);
  std::vector<std::thread> ts;
  for (int cpu = 0; cpu < 6; ++cpu) {
    ts.emplace_back([&, cpu] {
      r->RegisterThread(cpu);
      for (int i = 0; i < 2000; ++i) {
        CountCb& cb = cbs[cpu * 2000 + i];
        cb.ran = &ran;
        r->Call(&cb.head, CountCb::Run);
      }
      r->UnregisterThread();
    });
  }
  for (auto& t : ts) t.join();
  Flag done;
  std::thread b([&] {
    r->Barrier();
    done.Set();
  });
  const bool returned = done.WaitFor(10000ms);
  EXPECT_TRUE(returned) << "Barrier() hung\n" << r->DumpGpState();
  if (!returned)
    b.detach();
  else
    b.join();
  if (!returned) std::_Exit(1);  // cannot destroy an instance mid-barrier
  EXPECT_EQ(ran.load(), 6 * 2000);
  for (int cpu = 8; cpu < 16; ++cpu) {
    EXPECT_TRUE(r->CpuOffloaded(cpu));
    PlainMutexLock l(r->RdpForTesting(cpu).local);
    EXPECT_FALSE(r->RdpForTesting(cpu).rcuc_started) << "vCPU " << cpu;
  }
}

// An offloaded vCPU that goes offline keeps its callbacks, and its own
// callback thread invokes them while it is offline.
TEST(Nocb, OfflineOffloadedCpuKeepsAndInvokesCallbacks) {
  auto r = Make(4, 64, 16, -1, "3");
  std::atomic<long> ran{0};
  std::vector<CountCb> cbs(1000);
  {
    HeldReader holder(*r, 0);
    PostFromCpu(*r, 3, cbs, ran);
    ASSERT_TRUE(r->OfflineCpu(3).ok());
    PlainMutexLock l(r->RdpForTesting(3).local);
    EXPECT_EQ(r->RdpForTesting(3).cblist.len(), 1000);
  }
  r->Barrier();
  EXPECT_EQ(ran.load(), 1000);
  // Invoked on vCPU 3 (counted at the end of its batch).
  EXPECT_TRUE(Eventually(
      [&] { return r->RdpForTesting(3).n_cbs_invoked.load() == 1000u; }));
}

TEST(Nocb, OffloadOnlyWhileOfflineAndDeoffloadMigrates) {
  auto r = Make(4, 64, 16);
  EXPECT_EQ(r->SetOffloaded(2, true).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r->SetOffloaded(9, true).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(r->OfflineCpu(2).ok());
  ASSERT_TRUE(r->SetOffloaded(2, true).ok());
  ASSERT_TRUE(r->OnlineCpu(2).ok());
  EXPECT_TRUE(r->CpuOffloaded(2));
  std::atomic<long> ran{0};
  std::vector<CountCb> cbs(500);
  {
    HeldReader holder(*r, 0);
    PostFromCpu(*r, 2, cbs, ran);
    ASSERT_TRUE(r->OfflineCpu(2).ok());
    ASSERT_TRUE(r->SetOffloaded(2, false).ok());  // callbacks move away
    PlainMutexLock l(r->RdpForTesting(2).local);
    EXPECT_EQ(r->RdpForTesting(2).cblist.len(), 0);
  }
  r->Barrier();
  EXPECT_EQ(ran.load(), 500);
  EXPECT_FALSE(r->CpuOffloaded(2));
}

// vCPU 3 goes round offline -> offload -> online -> offline -> de-offload
// -> online while another thread floods callbacks on every vCPU and a third
// runs barriers. No callback is lost, none runs early, no barrier hangs.
TEST(Nocb, ToggleUnderLoadBug) {
  auto r = Make(4, 64, 16);
  std::atomic<bool> stop{false};
  std::atomic<long> ran{0}, queued{0}, barrier_errors{0};
  std::vector<CountCb> cbs(300000);
  std::thread flood([&] {
    r->RegisterThread(0);
    std::minstd_rand rng(1);
    for (size_t n = 0; n < cbs.size() && !stop.load(); ++n) {
      cbs[n].ran = &ran;
      r->Call(&cbs[n].head, CountCb::Run);
      queued.fetch_add(1);
      if (n % 500 == 0) r->MigrateSelf(static_cast<int>(rng() % 4));
    }
    r->UnregisterThread();
  });
  std::thread barriers([&] {
    while (!stop.load()) {
      const long before = queued.load();
      r->Barrier();
      if (ran.load() < before) barrier_errors.fetch_add(1);
    }
  });
  int toggles = 0;
  const auto end = std::chrono::steady_clock::now() + 1200ms;
  while (std::chrono::steady_clock::now() < end) {
    ASSERT_TRUE(r->OfflineCpu(3).ok());
    ASSERT_TRUE(r->SetOffloaded(3, !r->CpuOffloaded(3)).ok());
    ASSERT_TRUE(r->OnlineCpu(3).ok());
    ++toggles;
    std::this_thread::sleep_for(2ms);
  }
  stop.store(true);
  flood.join();
  barriers.join();
  r->Barrier();
  EXPECT_GT(toggles, 20);
  EXPECT_EQ(ran.load(), queued.load());
  EXPECT_EQ(barrier_errors.load(), 0);
}

TEST(Nocb, BadCpuListIsRejected) {
  Config c;
  c.nr_cpu_ids = 4;
  c.rcu_nocbs = "1-7";
  EXPECT_NE(c.Validate().message().find("rcu_nocbs"), std::string::npos);
  c.rcu_nocbs = "x";
  EXPECT_FALSE(c.Validate().ok());
  c.rcu_nocbs = "all";
  EXPECT_TRUE(c.Validate().ok());
}

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Tests of readers that leave their vCPU inside a read-side critical
// section: the blocked-readers lists and the grace periods they hold.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using rcu::testing::MakeRcu;
using namespace std::chrono_literals;

// Slow FQS so that, while a test watches, QS reports come only from the
// paths it drives.
std::unique_ptr<Rcu> MakeSlowFqs(int cpus, int fanout, int leaf) {
  Config c;
  c.nr_cpu_ids = cpus;
  c.fanout = fanout;
  c.fanout_leaf = leaf;
  c.jiffies_till_first_fqs = 20;
  c.jiffies_till_next_fqs = 20;
  return *Rcu::Create(c);
}

bool CpuOwesQs(Rcu& r, int cpu) {
  RcuData& rdp = r.RdpForTesting(cpu);
  return (rdp.mynode->qsmask.load() & rdp.grpmask) != 0;
}

// True once a grace period is running and its initialization has reached
// the leaves of vCPUs 0..n-1 (before that their qsmask bits mean nothing).
bool GpInitializedFor(Rcu& r, int n) {
  const uint64_t g = r.GpSeq();
  if (SeqState(g) == 0) return false;
  for (int cpu = 0; cpu < n; ++cpu)
    if (r.RdpForTesting(cpu).mynode->gp_seq.load() != g) return false;
  return true;
}

// Thread A enters a reader on vCPU 1. Thread B starts a grace period and
// waits until vCPU 2 (idle) has reported its quiescent state. A then
// migrates to vCPU 2 inside its reader: vCPU 1 is left with no threads and
// reports too, and vCPU 2 already reported, so only the blocked-readers
// list of vCPU 1's leaf still knows about A. The grace period must not end
// before A's outermost unlock.
void MigrationInsideReaderHoldsGracePeriod(int cpus, int fanout, int leaf) {
  auto r = MakeSlowFqs(cpus, fanout, leaf);
  Flag in_reader, migrate, migrated, release;
  std::atomic<bool> unlocking{false};
  std::thread a([&] {
    r->RegisterThread(1);
    r->ReadLock();
    in_reader.Set();
    migrate.Wait();
    r->MigrateSelf(2);
    migrated.Set();
    release.Wait();
    unlocking.store(true);
    r->ReadUnlock();
    r->UnregisterThread();
  });
  in_reader.Wait();
  const uint64_t cookie = r->StartPoll();
  ASSERT_TRUE(Eventually([&] {
    return GpInitializedFor(*r, 4) && !CpuOwesQs(*r, 2) && !CpuOwesQs(*r, 0) &&
           !CpuOwesQs(*r, 3);
  })) << r->DumpGpState();
  EXPECT_TRUE(CpuOwesQs(*r, 1));
  migrate.Set();
  migrated.Wait();
  EXPECT_EQ(r->GetStats().blocked_readers, 1u);
  // Give every path (rcuc ticks, FQS scans) time to end the GP wrongly.
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(r->PollState(cookie))
      << "grace period ended while a migrated reader was inside\n"
      << r->DumpGpState();
  release.Set();
  a.join();
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }))
      << r->DumpGpState();
  EXPECT_TRUE(unlocking.load());
}

TEST(BlockedReaders, MigrationInsideReaderHoldsGracePeriodAcrossLeaves) {
  MigrationInsideReaderHoldsGracePeriod(8, 2, 2);  // vCPUs 1, 2 on two leaves
}

TEST(BlockedReaders, MigrationInsideReaderHoldsGracePeriodSameLeaf) {
  MigrationInsideReaderHoldsGracePeriod(4, 64, 16);  // one node: root is leaf
}

// Thread A migrates inside its reader while no grace period is running, so
// it blocks no GP yet. The next grace period starts with A already queued
// on the leaf and must wait for it.
TEST(BlockedReaders, ReaderBlockedBeforeGpStartHoldsNextGp) {
  auto r = MakeSlowFqs(8, 2, 2);
  Flag migrated, release;
  std::atomic<bool> unlocking{false};
  std::thread a([&] {
    r->RegisterThread(4);
    r->ReadLock();
    r->MigrateSelf(7);
    r->MigrateSelf(0);  // twice: queued once, on the first leaf left
    migrated.Set();
    release.Wait();
    unlocking.store(true);
    r->ReadUnlock();
    r->UnregisterThread();
  });
  migrated.Wait();
  {
    RcuNode& leaf = *r->RdpForTesting(4).mynode;
    PlainMutexLock l(leaf.lock);
    EXPECT_EQ(leaf.n_blkd, 1);
    EXPECT_EQ(leaf.gp_tasks, nullptr);
  }
  std::thread b([&] {
    r->Synchronize();
    EXPECT_TRUE(unlocking.load()) << "GP ignored an already-blocked reader";
  });
  std::this_thread::sleep_for(100ms);
  release.Set();
  a.join();
  b.join();
  RcuNode& leaf = *r->RdpForTesting(4).mynode;
  PlainMutexLock l(leaf.lock);
  EXPECT_EQ(leaf.n_blkd, 0);
  EXPECT_EQ(leaf.blkd_head, nullptr);
}

// The blkd list order: a reader that leaves a vCPU still owing the current
// GP goes to the tail and becomes gp_tasks; one that leaves after its vCPU
// reported goes to the head and does not block the GP.
TEST(BlockedReaders, ListOrderAndGpTasks) {
  auto r = MakeSlowFqs(4, 64, 16);
  Flag t1_in, t2_in, go1, go2, done1, done2, release;
  std::atomic<bool> t1_unlocking{false};
  std::thread t1([&] {
    r->RegisterThread(1);
    r->ReadLock();
    t1_in.Set();
    go1.Wait();
    r->MigrateSelf(3);
    done1.Set();
    release.Wait();
    t1_unlocking.store(true);
    r->ReadUnlock();
    r->UnregisterThread();
  });
  std::thread t2([&] {
    r->RegisterThread(2);
    t2_in.Set();
    go2.Wait();  // vCPU 2 has reported by now
    r->ReadLock();
    r->MigrateSelf(3);
    done2.Set();
    release.Wait();
    r->ReadUnlock();
    r->UnregisterThread();
  });
  t1_in.Wait();
  t2_in.Wait();
  uint64_t cookie = r->StartPoll();
  ASSERT_TRUE(
      Eventually([&] { return GpInitializedFor(*r, 4) && !CpuOwesQs(*r, 2); }));
  go1.Set();
  done1.Wait();
  go2.Set();
  done2.Wait();
  {
    RcuNode& leaf = r->NodeForTesting(0);
    PlainMutexLock l(leaf.lock);
    ASSERT_EQ(leaf.n_blkd, 2);
    EXPECT_NE(leaf.gp_tasks, nullptr);
    EXPECT_EQ(leaf.gp_tasks, leaf.blkd_tail);  // T1, blocking
    EXPECT_NE(leaf.blkd_head, leaf.gp_tasks);  // T2 at the head, not blocking
  }
  EXPECT_FALSE(r->PollState(cookie));
  release.Set();
  t1.join();
  t2.join();
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }));
}

// Thread A unregisters while still inside a reader (a bug in A, handled as
// the kernel's exit_rcu() does): the reader is ended so grace periods do
// not wait for a thread that is gone.
TEST(BlockedReaders, UnregisterInsideReaderEndsIt) {
  auto r = MakeRcu(2);
  std::thread a([&] {
    r->RegisterThread(1);
    r->ReadLock();
    r->MigrateSelf(0);
    r->UnregisterThread();
  });
  a.join();
  r->Synchronize();
  r->SynchronizeExpedited();
}

// Thread A migrates inside readers over and over while thread B runs
// expedited and normal grace periods; each GP must wait for every reader
// that was running when it began (checked with a generation counter).
TEST(BlockedReaders, ChurnWithGracePeriods) {
  auto r = MakeRcu(8, 2, 2);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reader_epoch{0};  // odd while A is inside
  std::atomic<int> errors{0};
  Flag started;
  std::thread a([&] {
    r->RegisterThread(0);
    started.Set();
    int cpu = 0;
    while (!stop.load()) {
      r->ReadLock();
      reader_epoch.fetch_add(1);
      for (int i = 0; i < 3; ++i) r->MigrateSelf(cpu = (cpu + 3) % 8);
      reader_epoch.fetch_add(1);
      r->ReadUnlock();
    }
    r->UnregisterThread();
  });
  started.Wait();
  const auto end = std::chrono::steady_clock::now() + 300ms;
  for (int i = 0; i < 400 || std::chrono::steady_clock::now() < end; ++i) {
    const uint64_t e = reader_epoch.load();
    if (i % 2) {
      r->Synchronize();
    } else {
      r->SynchronizeExpedited();
    }
    const uint64_t after = reader_epoch.load();
    // If A was inside at `e` (odd), that reader must have ended.
    if ((e & 1) && after == e) errors.fetch_add(1);
  }
  stop.store(true);
  a.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(r->GetStats().blocked_readers, 0u);
}

}  // namespace
}  // namespace rcu

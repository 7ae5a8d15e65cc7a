// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// QSBR instances (rcu::Config::qsbr, tree.h "QSBR"): online threads hold
// grace periods until their next QuiescentState() or ThreadOffline(), and
// the whole tree machinery (migration, hotplug, expedited grace periods,
// callbacks, barrier) works on that implicit critical section.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "rcu/internal/membarrier.h"
#include "rcu/internal/test_util.h"
#include "rcu/rcu.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using namespace std::chrono_literals;

std::unique_ptr<Rcu> MakeQsbr(int nr_cpu_ids, int fanout = 64,
                              int fanout_leaf = 16) {
  Config c = rcu::testing::TreeConfig(nr_cpu_ids, fanout, fanout_leaf);
  c.qsbr = true;
  return rcu::testing::MakeRcu(c);
}

// A thread registered (online) on `cpu` that runs `setup`, then stays
// silent until Report(): then it announces a quiescent state, and
// unregisters when the object is destroyed.
class SilentOnlineThread {
 public:
  SilentOnlineThread(Rcu& r, int cpu, std::function<void()> setup = nullptr)
      : thread_([this, &r, cpu, setup] {
          r.RegisterThread(cpu);
          EXPECT_TRUE(r.ReadLockHeld());  // online: the implicit reader
          if (setup) setup();
          ready_.Set();
          report_.Wait();
          r.QuiescentState();
          done_.Wait();
          r.UnregisterThread();
        }) {
    ready_.Wait();
  }
  ~SilentOnlineThread() {
    report_.Set();
    done_.Set();
    thread_.join();
  }
  SilentOnlineThread(const SilentOnlineThread&) = delete;
  SilentOnlineThread& operator=(const SilentOnlineThread&) = delete;
  void Report() { report_.Set(); }

 private:
  Flag ready_, report_, done_;
  std::thread thread_;
};

// A grace period started now must wait for `a`'s quiescent state, and end
// after it.
void ExpectGracePeriodWaitsFor(Rcu& r, SilentOnlineThread& a) {
  const uint64_t cookie = r.StartPoll();
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(r.PollState(cookie))
      << "a grace period ended while an online thread had not reported";
  a.Report();
  EXPECT_TRUE(Eventually([&] { return r.PollState(cookie); }));
}

// Thread A registers (online) and then does nothing; the main thread's
// grace period must wait for A's QuiescentState(), and end after it.
// A QSBR instance left to choose (ReaderMode::kAuto) runs in fence mode:
// its grace periods need no membarrier(); one that asks for membarrier
// mode gets it where it registers.
TEST(Qsbr, AutoReaderModeIsFences) {
  Config c;
  c.nr_cpu_ids = 2;
  c.qsbr = true;
  auto r = Rcu::Create(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->reader_mode(), ReaderMode::kFences);
  c.qsbr = false;
  auto plain = Rcu::Create(c);
  ASSERT_TRUE(plain.ok()) << plain.status();
  if (internal::MembarrierAvailable()) {
    EXPECT_EQ((*plain)->reader_mode(), ReaderMode::kMembarrier);
  }
}

TEST(Qsbr, OnlineThreadHoldsGracePeriodUntilQuiescentState) {
  auto r = MakeQsbr(2);
  SilentOnlineThread a(*r, 1);
  ExpectGracePeriodWaitsFor(*r, a);
}

// The same for an expedited grace period, which waits for A's generation
// to move on.
TEST(Qsbr, ExpeditedGracePeriodWaitsForOnlineThread) {
  auto r = MakeQsbr(2);
  Flag online, report;
  std::atomic<bool> exp_done{false};
  std::thread a([&] {
    r->RegisterThread(1);
    online.Set();
    report.Wait();
    r->QuiescentState();
    r->UnregisterThread();
  });
  online.Wait();
  std::thread e([&] {
    r->SynchronizeExpedited();
    exp_done.store(true);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(exp_done.load());
  report.Set();
  e.join();
  a.join();
  EXPECT_TRUE(exp_done.load());
}

// Thread A goes offline and sleeps: it holds nothing.
TEST(Qsbr, OfflineThreadHoldsNothing) {
  auto r = MakeQsbr(2);
  Flag offline, done;
  std::thread a([&] {
    r->RegisterThread(1);
    r->ThreadOffline();
    r->ThreadOffline();  // idempotent
    EXPECT_FALSE(r->ReadLockHeld());
    offline.Set();
    done.Wait();
    r->ThreadOnline();
    r->ThreadOnline();  // idempotent
    EXPECT_TRUE(r->ReadLockHeld());
    r->UnregisterThread();
  });
  offline.Wait();
  r->Synchronize();
  r->SynchronizeExpedited();
  done.Set();
  a.join();
}

// An online thread's own waits take it offline for their duration: no
// self-deadlock, and it is online again after each.
TEST(Qsbr, WaitsFromAnOnlineThreadGoOfflineMeanwhile) {
  auto r = MakeQsbr(2);
  std::thread([&] {
    r->RegisterThread(0);
    r->Synchronize();
    EXPECT_TRUE(r->ReadLockHeld());
    r->SynchronizeExpedited();
    EXPECT_TRUE(r->ReadLockHeld());
    static std::atomic<int> invoked{0};
    static RcuHead head;
    r->Call(&head, [](RcuHead*) { invoked.fetch_add(1); });
    r->Barrier();
    EXPECT_EQ(invoked.load(), 1);
    EXPECT_TRUE(r->ReadLockHeld());
    r->UnregisterThread();
  }).join();
}

// Thread A migrates while online, then stays silent: it is queued as a
// blocked reader of its old leaf, and the grace period waits for it there.
TEST(Qsbr, MigratedOnlineThreadBlocksTheGracePeriod) {
  auto r = MakeQsbr(4, 2, 2);
  Rcu* rp = r.get();
  SilentOnlineThread a(*r, 0, [rp] { rp->MigrateSelf(3); });
  ExpectGracePeriodWaitsFor(*r, a);
}

// Thread A's vCPU goes offline while A is online: A is evicted with a proxy
// entry, which holds the grace period until A reports.
TEST(Qsbr, EvictedOnlineThreadBlocksTheGracePeriod) {
  auto r = MakeQsbr(4, 2, 2);
  {
    SilentOnlineThread a(*r, 2);
    ASSERT_TRUE(r->OfflineCpu(2).ok());
    ExpectGracePeriodWaitsFor(*r, a);
  }
  ASSERT_TRUE(r->OnlineCpu(2).ok());
}

// Regression test for a grace period that never ends: thread A, online on
// vCPU 2, keeps announcing quiescent states; thread C holds a reader on
// vCPU 2, so vCPU 2 still owes the grace period after A reported (and its
// request was answered), while vCPU 3, with no thread, has reported. Then
// vCPU 2 goes offline: A and C are evicted to vCPU 3 with proxies that
// hold the grace period. Nothing scans vCPU 3 for this grace period any
// more, so A's store-less QuiescentState() calls would never move its
// generation on, and its proxy would never retire, had eviction not asked
// A for a quiescent state (NEED_QS).
TEST(Qsbr, EvictedThreadIsAskedForAQuiescentStateBug) {
  auto r = MakeQsbr(4, 2, 2);
  std::atomic<bool> stop{false};
  Flag online;
  std::thread a([&] {
    r->RegisterThread(2);
    online.Set();
    while (!stop.load()) {
      r->QuiescentState();
      std::this_thread::sleep_for(200us);
    }
    r->UnregisterThread();
  });
  online.Wait();
  uint64_t cookie = 0;
  {
    rcu::testing::HeldReader c(*r, 2);
    cookie = r->StartPoll();
    std::this_thread::sleep_for(50ms);  // A reported; vCPU 3 reported
    EXPECT_FALSE(r->PollState(cookie));
    ASSERT_TRUE(r->OfflineCpu(2).ok());
  }  // C's reader ends; its proxy retires at the next scan
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }))
      << r->DumpGpState();
  stop.store(true);
  a.join();
  ASSERT_TRUE(r->OnlineCpu(2).ok());
}

// A thread that reads without registering registers on the fly offline;
// its ReadLock() is then a real critical section.
TEST(Qsbr, OnTheFlyRegistrationStartsOffline) {
  auto r = MakeQsbr(2);
  std::thread([&] {
    r->ReadLock();
    EXPECT_TRUE(r->ReadLockHeld());
    r->ReadUnlock();
    EXPECT_FALSE(r->ReadLockHeld());  // offline: holds nothing
    r->Synchronize();
    r->UnregisterThread();
  }).join();
}

// Release builds: the QSBR read side is nothing, not even a nesting count.
// Debug builds: a nesting level on the online state.
TEST(Qsbr, ReadSideIsNothingInReleaseBuilds) {
  auto r = MakeQsbr(2);
  std::thread([&] {
    r->RegisterThread();
    const internal::ReaderWord* rw = internal::tls_readers.words[r->slot()];
    const uint64_t before = rw->watch.load();
    r->QsbrReadLock();
    EXPECT_EQ(rw->watch.load(), before + (RCU_DEBUG_CHECKS_ENABLED ? 1 : 0));
    r->QsbrReadUnlock();
    EXPECT_EQ(rw->watch.load(), before);
    r->UnregisterThread();
  }).join();
}

#if RCU_DEBUG_CHECKS_ENABLED
// The mistake the busted-qsbr torture flavour makes, caught by the library.
TEST(QsbrDeathTest, QuiescentStateInsideReaderIsFatal) {
  auto r = MakeQsbr(2);
  EXPECT_DEATH(
      {
        r->RegisterThread();
        r->QsbrReadLock();
        r->QuiescentState();
      },
      "QuiescentState\\(\\) inside a QSBR read-side critical section");
}

TEST(QsbrDeathTest, ReaderOnOfflineThreadIsFatal) {
  auto r = MakeQsbr(2);
  EXPECT_DEATH(
      {
        r->RegisterThread();
        r->ThreadOffline();
        r->QsbrReadLock();
      },
      "QsbrReadLock\\(\\) on a thread that is offline");
}
#endif

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::HeldReader;
using namespace std::chrono_literals;

struct Sink {
  std::mutex mu;
  std::vector<std::string> reports;
  std::function<void(const std::string&)> Fn() {
    return [this](const std::string& s) {
      std::lock_guard<std::mutex> l(mu);
      reports.push_back(s);
    };
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> l(mu);
    return reports;
  }
};

std::unique_ptr<Rcu> MakeStallRcu(Sink& sink, int timeout_ms,
                                  bool caller_gps = true) {
  Config c;
  c.caller_gps = caller_gps;
  c.nr_cpu_ids = 8;
  c.fanout = 2;
  c.fanout_leaf = 2;
  c.name = "rcu_st";
  c.stall_timeout_ms = timeout_ms;
  c.stall_sink = sink.Fn();
  return *Rcu::Create(c);
}

// Thread A holds a reader on vCPU 5 past the stall timeout while a grace
// period waits: the GP thread must warn, once per timeout, naming vCPU 5
// and thread A; after A leaves, the warnings stop.
TEST(Stall, NormalGracePeriodStallNamesTheReader) {
  Sink sink;
  auto r = MakeStallRcu(sink, 100);
  {
    HeldReader a(*r, 5, nullptr, "staller");
    uint64_t cookie = r->StartPoll();
    std::this_thread::sleep_for(450ms);
    EXPECT_FALSE(r->PollState(cookie));
  }
  r->Synchronize();
  auto reports = sink.Get();
  ASSERT_GE(reports.size(), 2u);
  EXPECT_LE(reports.size(), 6u) << "more than once per timeout";
  const std::string& rep = reports[0];
  EXPECT_NE(rep.find("rcu: INFO: rcu_st detected stalls on CPUs/tasks:"),
            std::string::npos)
      << rep;
  EXPECT_NE(rep.find("5-OoN:"), std::string::npos) << rep;
  EXPECT_NE(rep.find("staller/"), std::string::npos) << rep;
  EXPECT_NE(rep.find("(detected by rcu_st_gp, t="), std::string::npos) << rep;
  EXPECT_EQ(r->GetStats().stalls, reports.size());
  const size_t n = reports.size();
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(sink.Get().size(), n) << "warnings continued after the GP ended";
}

// Thread A migrates inside its reader, so only the blocked-readers list
// holds the grace period: the warning must list it there.
TEST(Stall, BlockedReaderIsReported) {
  Sink sink;
  auto r = MakeStallRcu(sink, 100);
  testing::Flag migrated, release;
  std::thread a([&] {
    pthread_setname_np(pthread_self(), "migrant");
    r->RegisterThread(1);
    r->ReadLock();
    r->StartPoll();
    Eventually([&] { return SeqState(r->GpSeq()) != 0; });
    r->MigrateSelf(6);
    migrated.Set();
    release.Wait();
    r->ReadUnlock();
    r->UnregisterThread();
  });
  migrated.Wait();
  ASSERT_TRUE(Eventually([&] { return !sink.Get().empty(); }, 2000ms));
  release.Set();
  a.join();
  const std::string rep = sink.Get()[0];
  EXPECT_NE(rep.find("Tasks blocked on level-2 rcu_node (CPUs 0-1): P"),
            std::string::npos)
      << rep;
  EXPECT_NE(rep.find("/migrant"), std::string::npos) << rep;
}

// Thread A holds a reader; thread B's expedited grace period waits past
// the expedited timeout and must warn naming A.
TEST(Stall, ExpeditedStallNamesTheReader) {
  Sink sink;
  auto r = MakeStallRcu(sink, 100);
  HeldReader a(*r, 3, nullptr, "expstall");
  std::thread b([&] { r->SynchronizeExpedited(); });
  ASSERT_TRUE(
      Eventually([&] { return r->GetStats().exp_stalls >= 1; }, 2000ms));
  a.Release();
  b.join();
  bool found = false;
  for (const auto& rep : sink.Get()) {
    if (rep.find("detected expedited stalls on CPUs/tasks: { P") !=
            std::string::npos &&
        rep.find("/expstall } ") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found);
}

TEST(Stall, DisabledWithZeroTimeout) {
  Sink sink;
  auto r = MakeStallRcu(sink, 0);
  {
    HeldReader a(*r, 2);
    r->StartPoll();
    std::this_thread::sleep_for(150ms);
  }
  r->Synchronize();
  EXPECT_TRUE(sink.Get().empty());
}

// The GP thread sleeps through the wake-up of a new request (a lost
// wake-up): the thread waiting in Synchronize() must name it as a
// grace-period-start stall within about a stall timeout, count it, and wake
// the GP thread so that its grace period still completes.
TEST(Stall, LostGpWakeupIsReportedAsGpStartStall) {
  Sink sink;
  // Every grace period through the GP thread: a caller that starts its own
  // (Config::caller_gps) needs no wake-up to lose.
  auto r = MakeStallRcu(sink, 100, /*caller_gps=*/false);
  // A registered thread, so that Synchronize() runs normal grace periods
  // through the GP thread (not the short path).
  rcu::testing::IdleRegistered idle(*r, 1);
  r->Synchronize();
  ASSERT_TRUE(
      Eventually([&] { return r->GetStats().gp_state == GpState::kWaitGps; }));
  std::this_thread::sleep_for(50ms);  // let it reach its wait
  r->DropGpWakeupsForTesting(1);
  r->Synchronize();  // must return: the check wakes the GP thread
  RcuStats st = r->GetStats();
  EXPECT_EQ(st.gp_start_stalls, 1u);
  EXPECT_EQ(st.gp_kthread_starved, 0u);
  auto reports = sink.Get();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("rcu: rcu_check_gp_start_stall: g"),
            std::string::npos)
      << reports[0];
  EXPECT_NE(reports[0].find("lost wake-up of the rcu_st_gp thread"),
            std::string::npos)
      << reports[0];
}

// Thread A holds a reader on vCPU 3 so that the grace period reaches the
// GP thread's FQS wait, where SetGpThreadTortureWait() makes it sleep four
// stall timeouts; the test thread, waiting in Synchronize(), must report
// the GP thread starved (and no grace-period-start stall: one is running).
TEST(Stall, StarvedGpThreadIsReportedByTheWaiter) {
  Sink sink;
  auto r = MakeStallRcu(sink, 100);
  r->SetGpThreadTortureWait(400);
  std::thread a([&] {
    HeldReader h(*r, 3, nullptr, "holder");
    std::this_thread::sleep_for(50ms);
  });
  std::this_thread::sleep_for(10ms);
  r->Synchronize();
  a.join();
  RcuStats st = r->GetStats();
  EXPECT_GE(st.gp_kthread_starved, 1u);
  EXPECT_EQ(st.gp_start_stalls, 0u);
  bool found = false;
  for (const std::string& rep : sink.Get()) {
    found = found || rep.find("rcu: rcu_st_gp kthread starved for ") !=
                         std::string::npos;
  }
  EXPECT_TRUE(found);
}

// A quiet instance whose grace periods all start in time reports neither.
TEST(Stall, NoGpThreadReportsWhenWakeupsArrive) {
  Sink sink;
  auto r = MakeStallRcu(sink, 100);
  rcu::testing::IdleRegistered idle(*r, 1);  // normal grace periods
  for (int i = 0; i < 20; ++i) {
    r->Synchronize();
    std::this_thread::sleep_for(15ms);
  }
  RcuStats st = r->GetStats();
  EXPECT_EQ(st.gp_start_stalls, 0u);
  EXPECT_EQ(st.gp_kthread_starved, 0u);
  EXPECT_TRUE(sink.Get().empty());
}

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Reader priority boosting (rcu/boost.cc). Each test needs SCHED_FIFO
// (CAP_SYS_NICE, e.g. root); without it the test is skipped, and says why.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using namespace std::chrono_literals;

constexpr int kPrio = 3;

// Empty if this process may use SCHED_FIFO, else why not.
std::string FifoRefused() {
  sched_param sp{};
  sp.sched_priority = 1;
  std::string why;
  std::thread t([&] {
    const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (err != 0) why = std::strerror(err);
  });
  t.join();
  return why;
}

#define SKIP_WITHOUT_FIFO()                          \
  if (std::string why = FifoRefused(); !why.empty()) \
  GTEST_SKIP() << "SCHED_FIFO refused (" << why << "): boosting untestable"

std::unique_ptr<Rcu> MakeBoostRcu(bool boost) {
  Config c;
  c.nr_cpu_ids = 4;
  c.fanout = 2;
  c.fanout_leaf = 2;
  c.name = "rcu_bst";
  c.boost = boost;
  c.kthread_prio = kPrio;
  c.boost_delay_ms = 20;
  return *Rcu::Create(c);
}

int Tid() { return static_cast<int>(syscall(SYS_gettid)); }

// The policy and priority of thread `tid`.
std::pair<int, int> SchedOf(int tid) {
  sched_param sp{};
  const int policy = sched_getscheduler(tid);
  sched_getparam(tid, &sp);
  return {policy, sp.sched_priority};
}

bool RaisedToBoost(int tid) {
  return SchedOf(tid) == std::pair<int, int>{SCHED_FIFO, kPrio};
}

// A thread registered on vCPU `cpu` that enters a reader (`inside_reader`
// runs there, e.g. to migrate) and stays until Release(); then it records
// its own policy and priority after its unlock.
class Reader {
 public:
  Reader(Rcu& r, int cpu, std::function<void()> inside_reader = nullptr)
      : thread_([this, &r, cpu, inside_reader] {
          r.RegisterThread(cpu);
          tid_ = Tid();
          r.ReadLock();
          if (inside_reader) inside_reader();
          inside_.Set();
          release_.Wait();
          r.ReadUnlock();
          after_ = SchedOf(0);
          r.UnregisterThread();
        }) {
    inside_.Wait();
  }
  ~Reader() { Release(); }
  int tid() const { return tid_; }
  // Ends the reader; returns once the thread has exited.
  void Release() {
    release_.Set();
    if (thread_.joinable()) thread_.join();
  }
  // Policy and priority right after the unlock (valid after Release()).
  std::pair<int, int> after() const { return after_; }

 private:
  Flag inside_, release_;
  std::atomic<int> tid_{0};
  std::pair<int, int> after_{-1, -1};
  std::thread thread_;
};

// Thread A sits in a reader on vCPU 1 (as if preempted there), while a
// grace period waits for it. The grace period must raise A to SCHED_FIFO
// kthread_prio after boost_delay_ms, and A's own unlock must put it back
// to SCHED_OTHER.
TEST(Boost, ReaderHoldingTheGracePeriodIsRaisedUntilItsUnlock) {
  SKIP_WITHOUT_FIFO();
  auto r = MakeBoostRcu(true);
  Reader a(*r, 1);
  const uint64_t cookie = r->StartPoll();
  ASSERT_TRUE(Eventually([&] { return RaisedToBoost(a.tid()); }, 5s))
      << "reader not raised; policy " << SchedOf(a.tid()).first;
  EXPECT_TRUE(r->BoostActive());
  EXPECT_FALSE(r->PollState(cookie));
  a.Release();
  EXPECT_EQ(a.after().first, SCHED_OTHER) << "the unlock did not restore it";
  r->Synchronize();
  EXPECT_TRUE(r->PollState(cookie));
  EXPECT_GE(r->GetStats().boosts, 1u);
}

// Thread A migrates inside its reader, so only its old leaf's
// blocked-readers list holds the grace period: it must be raised too.
TEST(Boost, BlockedReaderIsRaised) {
  SKIP_WITHOUT_FIFO();
  auto r = MakeBoostRcu(true);
  Reader a(*r, 0, [&] { r->MigrateSelf(3); });  // leaves leaf 0 in a reader
  ASSERT_GE(r->GetStats().blocked_readers, 1u);
  const uint64_t cookie = r->StartPoll();
  ASSERT_TRUE(Eventually([&] { return RaisedToBoost(a.tid()); }, 5s));
  a.Release();
  EXPECT_EQ(a.after().first, SCHED_OTHER);
  r->Synchronize();
  EXPECT_TRUE(r->PollState(cookie));
}

// The race the fast path leaves: thread A's unlock tests `special` before
// the raise lands and ends its reader without the slow path. The next grace
// period must put A back (UndoStaleBoosts()), or A would run real-time
// outside any reader for good.
TEST(Boost, RaiseTheUnlockMissedIsUndoneByTheGracePeriod) {
  SKIP_WITHOUT_FIFO();
  auto r = MakeBoostRcu(true);
  std::atomic<int> tid{0};
  Flag inside, ended, done;
  std::thread a([&] {
    r->RegisterThread(1);
    tid = Tid();
    r->ReadLock();
    inside.Set();
    ended.Wait();
    // The fast path's store, as if its test of `special` came first.
    internal::ReaderWord* t = internal::tls_readers.words[r->slot()];
    const uint64_t w = t->watch.load(std::memory_order_relaxed);
    t->watch.store(w - 1 + internal::kGenInc, std::memory_order_release);
    done.Wait();
    r->UnregisterThread();
  });
  inside.Wait();
  r->StartPoll();
  ASSERT_TRUE(Eventually([&] { return RaisedToBoost(tid); }, 5s));
  ended.Set();
  r->Synchronize();
  EXPECT_TRUE(Eventually([&] { return SchedOf(tid).first == SCHED_OTHER; }, 5s))
      << "still real-time outside its reader";
  EXPECT_GE(r->GetStats().boosts_undone_by_scan, 1u);
  done.Set();
  a.join();
}

// Without Config::boost a reader is never raised, however long the grace
// period waits (the GP thread still runs at kthread_prio).
TEST(Boost, NoBoostWithoutTheOption) {
  SKIP_WITHOUT_FIFO();
  auto r = MakeBoostRcu(false);
  Reader a(*r, 1);
  r->StartPoll();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(SchedOf(a.tid()).first, SCHED_OTHER);
  EXPECT_FALSE(r->BoostActive());
  a.Release();
  r->Synchronize();
  EXPECT_EQ(r->GetStats().boosts, 0u);
}

// A reader already real-time at or above kthread_prio is left alone: a
// boost never lowers a thread.
TEST(Boost, HigherPriorityReaderIsLeftAlone) {
  SKIP_WITHOUT_FIFO();
  auto r = MakeBoostRcu(true);
  Reader a(*r, 1, [] {
    sched_param sp{};
    sp.sched_priority = kPrio + 1;
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  });
  r->StartPoll();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(SchedOf(a.tid()).second, kPrio + 1);
  a.Release();
  EXPECT_EQ(a.after().second, kPrio + 1);
  EXPECT_EQ(r->GetStats().boosts, 0u);
}

}  // namespace
}  // namespace rcu

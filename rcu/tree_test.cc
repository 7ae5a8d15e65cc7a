// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/tree.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/rcu.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using rcu::testing::HeldReader;
using rcu::testing::MakeRcu;
using namespace std::chrono_literals;

TEST(Rcu, CreateRejectsBadConfig) {
  Config c;
  c.fanout = 70;
  auto r = Rcu::Create(c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Config.fanout"), std::string::npos);
}

TEST(Rcu, ReaderModeIsChosenAndReported) {
  auto r = MakeRcu(2);
  EXPECT_NE(r->reader_mode(), ReaderMode::kAuto);
  if (internal::kTsan) {
    EXPECT_EQ(r->reader_mode(), ReaderMode::kFences);
  }
  auto f = MakeRcu(2, 64, 16, ReaderMode::kFences);
  EXPECT_EQ(f->reader_mode(), ReaderMode::kFences);
}

// Thread A is registered and idle (outside any reader), so the short path
// below does not apply: the grace-period thread runs a normal grace period.
TEST(Rcu, SynchronizeWithoutReadersCompletesAGracePeriod) {
  auto r = MakeRcu(4);
  rcu::testing::IdleRegistered a(*r, 2);
  const uint64_t before = r->GpSeq();
  r->Synchronize();
  EXPECT_GE(SeqDiff(r->GpSeq(), before), 1u);
  EXPECT_EQ(SeqState(r->GpSeq()), 0u);
  EXPECT_GE(r->GetStats().gps_completed, 1u);
}

// The kernel's rcu_blocking_is_gp() case: with no thread but the caller
// registered, Synchronize() needs no grace-period thread round trip, and
// still completes the cookies taken before it.
TEST(Rcu, SynchronizeByTheOnlyRegisteredThreadTakesTheShortPath) {
  auto r = MakeRcu(4);
  std::thread([&] {
    r->RegisterThread(1);
    const uint64_t cookie = r->GetState();
    const uint64_t gps = r->GetStats().gps_completed;
    r->Synchronize();
    EXPECT_EQ(r->GetStats().gps_completed, gps)
        << "the grace-period thread ran a grace period for it";
    EXPECT_TRUE(r->PollState(cookie));
    r->UnregisterThread();
  }).join();
  // No thread registered at all: the same.
  const uint64_t cookie = r->GetState();
  const uint64_t gps = r->GetStats().gps_completed;
  r->Synchronize();
  EXPECT_EQ(r->GetStats().gps_completed, gps);
  EXPECT_TRUE(r->PollState(cookie));
}

// Thread A is registered and inside a reader; the caller is registered
// too. The short path must not be taken: Synchronize() waits for A.
TEST(Rcu, SynchronizeWithAnotherRegisteredThreadWaitsForItsReader) {
  auto r = MakeRcu(4);
  HeldReader a(*r, 2);
  std::atomic<bool> done{false};
  std::thread b([&] {
    r->RegisterThread(1);
    r->Synchronize();
    done.store(true);
    r->UnregisterThread();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(done.load()) << "Synchronize() returned under a reader";
  a.Release();
  b.join();
  EXPECT_TRUE(done.load());
}

TEST(Rcu, HugeTreeWorks) {
  auto r = MakeRcu(1024, 2, 2);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->geometry().num_levels(), 10);
  r->RegisterThread(1000);
  r->Synchronize();
  r->ReadLock();
  r->ReadUnlock();
  r->Synchronize();
  r->UnregisterThread();
}

enum class SyncKind { kNormal, kExpedited, kCond, kPoll };

void DoSync(Rcu& r, SyncKind k) {
  switch (k) {
    case SyncKind::kNormal:
      r.Synchronize();
      break;
    case SyncKind::kExpedited:
      r.SynchronizeExpedited();
      break;
    case SyncKind::kCond:
      r.CondSynchronize(r.GetState());
      break;
    case SyncKind::kPoll: {
      uint64_t c = r.StartPoll();
      while (!r.PollState(c)) std::this_thread::sleep_for(100us);
      break;
    }
  }
}

struct Shape {
  int cpus, fanout, leaf;
};

class GracePeriodGuarantee
    : public ::testing::TestWithParam<std::tuple<SyncKind, Shape, ReaderMode>> {
};

// Thread A enters a read-side critical section and holds it. Thread B then
// waits for a grace period, which must not end while A is still inside: A
// sets `unlocking` just before its outermost unlock, and B checks it
// when its wait returns. Nested sections must hold it too.
TEST_P(GracePeriodGuarantee, PreexistingReaderHoldsGracePeriod) {
  const SyncKind kind = std::get<0>(GetParam());
  const Shape shape = std::get<1>(GetParam());
  const ReaderMode mode = std::get<2>(GetParam());
  auto r = MakeRcu(shape.cpus, shape.fanout, shape.leaf, mode);
  for (int round = 0; round < 3; ++round) {
    Flag in_reader, unlocking;
    std::thread a([&] {
      r->RegisterThread(shape.cpus - 1);
      r->ReadLock();
      r->ReadLock();  // nested
      in_reader.Set();
      std::this_thread::sleep_for(30ms);
      r->ReadUnlock();  // inner: still inside
      std::this_thread::sleep_for(20ms);
      unlocking.Set();
      r->ReadUnlock();
      r->UnregisterThread();
    });
    in_reader.Wait();
    r->RegisterThread(0);
    DoSync(*r, kind);
    EXPECT_TRUE(unlocking.IsSet()) << "grace period ended inside a reader";
    r->UnregisterThread();
    a.join();
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, GracePeriodGuarantee,
    ::testing::Combine(
        ::testing::Values(SyncKind::kNormal, SyncKind::kExpedited,
                          SyncKind::kCond, SyncKind::kPoll),
        ::testing::Values(Shape{1, 64, 16}, Shape{8, 2, 2}, Shape{16, 64, 4}),
        ::testing::Values(ReaderMode::kAuto, ReaderMode::kFences)));

// Thread R holds a reader, so the grace period it started cannot end.
// Eight threads call Synchronize() meanwhile; when R leaves, the one R held
// and one after it serve all eight (a third only if a caller, delayed by
// the machine, snapshots after the held one ended).
TEST(Rcu, ConcurrentSynchronizeCallersShareGracePeriods) {
  auto r = MakeRcu(4);
  HeldReader reader(*r, 1);
  r->StartPoll();
  ASSERT_TRUE(Eventually([&] { return SeqState(r->GpSeq()) != 0; }));
  const uint64_t before = r->GetStats().gps_completed;
  std::atomic<int> entered{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] {
      entered.fetch_add(1);
      r->Synchronize();
    });
  ASSERT_TRUE(Eventually([&] { return entered.load() == 8; }));
  std::this_thread::sleep_for(100ms);
  reader.Release();
  for (auto& t : ts) t.join();
  EXPECT_LE(r->GetStats().gps_completed - before, 3u)
      << "8 callers, no sharing";
}

TEST(Rcu, PolledCookiesAcrossTheWrap) {
  Config c;
  c.nr_cpu_ids = 4;
  c.initial_gp_seq = uint64_t{0} - 40;  // ten GPs before the wrap
  auto r = *Rcu::Create(c);
  // Normal grace periods, not the short path, so that gp_seq wraps.
  rcu::testing::IdleRegistered idle(*r, 3);
  std::vector<uint64_t> cookies;
  for (int i = 0; i < 25; ++i) {
    uint64_t ck = r->GetState();
    EXPECT_FALSE(r->PollState(ck)) << "a fresh cookie cannot be complete";
    cookies.push_back(ck);
    r->Synchronize();
    EXPECT_TRUE(r->PollState(ck));
  }
  EXPECT_LT(r->GpSeq(), uint64_t{1000}) << "the counter should have wrapped";
  for (uint64_t ck : cookies) EXPECT_TRUE(r->PollState(ck));
  EXPECT_TRUE(r->PollState(kGetStateCompleted));
  uint64_t ck = r->StartPoll();
  EXPECT_TRUE(Eventually([&] { return r->PollState(ck); }));
}

// Thread A registers (so that the expedited grace period is not vacuous);
// the test thread takes cookies and runs expedited grace periods only: each
// must complete the cookies taken before it, plain and full.
TEST(Rcu, ExpeditedGracePeriodCompletesPolledCookies) {
  auto r = MakeRcu(4);
  Flag stop;
  std::thread a([&] {
    r->RegisterThread(2);
    while (!stop.IsSet()) {
      r->ReadLock();
      r->ReadUnlock();
      std::this_thread::yield();
    }
    r->UnregisterThread();
  });
  const uint64_t normal_before = r->GetStats().gps_completed;
  for (int i = 0; i < 50; ++i) {
    const uint64_t c = r->GetState();
    const Rcu::FullCookie f = r->GetStateFull();
    EXPECT_FALSE(r->PollState(c));
    EXPECT_FALSE(r->PollStateFull(f));
    r->SynchronizeExpedited();
    EXPECT_TRUE(r->PollState(c)) << "round " << i;
    EXPECT_TRUE(r->PollStateFull(f)) << "round " << i;
  }
  stop.Set();
  a.join();
  EXPECT_LT(r->GetStats().gps_completed - normal_before, 50u)
      << "the cookies should not have needed a normal GP each";
}

// With no thread registered, an expedited grace period is vacuous, yet it
// still completes the cookies taken before it.
TEST(Rcu, VacuousExpeditedGracePeriodCompletesPolledCookies) {
  auto r = MakeRcu(4);
  const uint64_t c = r->GetState();
  r->SynchronizeExpedited();
  EXPECT_TRUE(r->PollState(c));
}

// Thread A holds a reader; thread B's expedited grace period waits for it.
// A cookie taken meanwhile must not complete while A reads, and must be
// complete when B's SynchronizeExpedited() returns only if taken before
// B's call; a Synchronize() after A leaves completes it in one go.
TEST(Rcu, PolledCookieWaitsForReaderDuringExpeditedGracePeriod) {
  auto r = MakeRcu(4);
  HeldReader a(*r, 1);
  const uint64_t before = r->GetState();
  const Rcu::FullCookie before_full = r->GetStateFull();
  std::atomic<bool> b_done{false};
  std::thread b([&] {
    r->SynchronizeExpedited();
    b_done = true;
  });
  std::this_thread::sleep_for(20ms);
  const uint64_t during = r->GetState();
  EXPECT_FALSE(b_done.load());
  EXPECT_FALSE(r->PollState(before)) << "reader A still reads";
  EXPECT_FALSE(r->PollStateFull(before_full)) << "reader A still reads";
  EXPECT_FALSE(r->PollState(during));
  a.Release();
  b.join();
  EXPECT_TRUE(r->PollState(before));
  EXPECT_TRUE(r->PollStateFull(before_full));
  r->Synchronize();
  EXPECT_TRUE(r->PollState(during));
}

// StartPoll() alone must make its cookie complete, even when the grace
// period in progress is an expedited one that began before the cookie.
TEST(Rcu, StartPollCompletesDuringExpeditedGracePeriod) {
  auto r = MakeRcu(4);
  HeldReader a(*r, 1);
  std::thread b([&] { r->SynchronizeExpedited(); });
  std::this_thread::sleep_for(20ms);
  const uint64_t c = r->StartPoll();
  const Rcu::FullCookie f = r->StartPollFull();
  a.Release();
  b.join();
  EXPECT_TRUE(Eventually([&] { return r->PollState(c); }));
  EXPECT_TRUE(Eventually([&] { return r->PollStateFull(f); }));
}

// ExpediteGp() nests: while expedited more often than unexpedited,
// Synchronize() runs expedited grace periods (and still completes cookies).
TEST(Rcu, ExpediteGpMakesSynchronizeExpedited) {
  auto r = MakeRcu(4);
  Flag stop;
  std::thread a([&] {
    r->RegisterThread(2);
    while (!stop.IsSet()) std::this_thread::sleep_for(1ms);
    r->UnregisterThread();
  });
  std::this_thread::sleep_for(5ms);
  r->ExpediteGp();
  r->ExpediteGp();
  r->UnexpediteGp();
  EXPECT_TRUE(r->GpIsExpedited());
  const RcuStats before = r->GetStats();
  const uint64_t c = r->GetState();
  r->Synchronize();
  EXPECT_TRUE(r->PollState(c));
  const RcuStats mid = r->GetStats();
  EXPECT_EQ(mid.exp_completed, before.exp_completed + 1);
  EXPECT_EQ(mid.gps_completed, before.gps_completed);
  r->UnexpediteGp();
  EXPECT_FALSE(r->GpIsExpedited());
  r->Synchronize();
  EXPECT_EQ(r->GetStats().exp_completed, mid.exp_completed);
  EXPECT_GT(r->GetStats().gps_completed, mid.gps_completed);
  stop.Set();
  a.join();
}

struct TimedCb {
  RcuHead head;
  Rcu* rcu = nullptr;
  uint64_t cookie = 0;
  std::atomic<bool>* early = nullptr;
  std::atomic<int>* ran = nullptr;
};

void CheckCookie(RcuHead* h) {
  auto* cb = reinterpret_cast<TimedCb*>(h);
  if (!cb->rcu->PollState(cb->cookie)) cb->early->store(true);
  cb->ran->fetch_add(1);
}

// Every callback must run after a full grace period from its Call(): the
// callback checks the polled cookie taken just before it was queued.
TEST(Rcu, CallNeverRunsBeforeItsGracePeriod) {
  auto r = MakeRcu(8, 2, 2);
  std::atomic<bool> early{false};
  std::atomic<int> ran{0};
  constexpr int kPerThread = 3000;
  std::vector<std::unique_ptr<TimedCb[]>> cbs;
  for (int t = 0; t < 4; ++t) cbs.emplace_back(new TimedCb[kPerThread]);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      r->RegisterThread(t * 2);
      for (int i = 0; i < kPerThread; ++i) {
        TimedCb& cb = cbs[t][i];
        cb.rcu = r.get();
        cb.early = &early;
        cb.ran = &ran;
        cb.cookie = r->GetState();
        r->Call(&cb.head, CheckCookie);
        if (i % 500 == 0) r->MigrateSelf((t * 2 + i / 500) % 8);
      }
      r->UnregisterThread();
    });
  }
  for (auto& t : ts) t.join();
  r->Barrier();
  EXPECT_EQ(ran.load(), 4 * kPerThread);
  EXPECT_FALSE(early.load());
}

// Thread A holds a reader; thread B queues a callback. The callback must
// not run until A's reader ends.
TEST(Rcu, CallWaitsForPreexistingReader) {
  auto r = MakeRcu(4);
  std::atomic<bool> unlocked{false};
  HeldReader a(*r, 1, [&] { unlocked.store(true); });
  struct Cb {
    RcuHead head;
    std::atomic<bool>* unlocked;
    std::atomic<int> state{0};  // 0 not run, 1 ran after unlock, 2 early
  } cb;
  cb.unlocked = &unlocked;
  r->Call(&cb.head, [](RcuHead* h) {
    auto* c = reinterpret_cast<Cb*>(h);
    c->state.store(c->unlocked->load() ? 1 : 2);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(cb.state.load(), 0);
  a.Release();
  r->Barrier();
  EXPECT_EQ(cb.state.load(), 1);
}

// ---- Grace periods a Synchronize() caller runs (Config::caller_gps). ----

// Thread B is registered and idle (so Synchronize() takes no short path).
// Each Synchronize() finds no reader inside at its first scan, so it ends
// its grace period itself, with no GP-thread wake-up.
TEST(Rcu, SynchronizeEndsAGracePeriodWithNoReaderInsideItself) {
  auto r = MakeRcu(4);
  rcu::testing::IdleRegistered b(*r, 1);
  const RcuStats before = r->GetStats();
  for (int i = 0; i < 20; ++i) r->Synchronize();
  const RcuStats after = r->GetStats();
  EXPECT_EQ(after.gps_completed - before.gps_completed, 20u);
  // The GP thread may win GpInit() now and then (a spurious wake-up).
  EXPECT_GE(after.caller_gps_done - before.caller_gps_done, 15u);
}

// Thread A holds a reader on vCPU 1 and ends it `hold` after the caller
// calls Synchronize(), which must not return before that. Returns how long
// Synchronize() took.
std::chrono::nanoseconds SynchronizeAgainstReaderHeldFor(
    Rcu& r, std::chrono::milliseconds hold) {
  std::atomic<bool> unlocked{false};
  HeldReader a(r, 1, [&] { unlocked.store(true); });
  std::thread releaser([&] {
    std::this_thread::sleep_for(hold);
    a.Release();
  });
  const auto t0 = std::chrono::steady_clock::now();
  r.Synchronize();
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(unlocked.load()) << "the grace period ended under a reader";
  releaser.join();
  return waited;
}

// Thread A holds a reader well past the first FQS interval: the caller
// hands its grace period to the GP thread, and must not return before A's
// reader ends (a caller that ended it anyway would).
TEST(Rcu, SynchronizeHandsALongGracePeriodToTheGpThread) {
  auto r = MakeRcu(4);
  const RcuStats before = r->GetStats();
  SynchronizeAgainstReaderHeldFor(*r, 60ms);
  const RcuStats after = r->GetStats();
  EXPECT_EQ(after.caller_gps - before.caller_gps, 1u);
  EXPECT_EQ(after.caller_gps_done - before.caller_gps_done, 0u);
}

// With a 1 s first FQS interval, thread A's reader ends 20 ms into the
// caller's grace period: A's report wakes the caller, which ends the grace
// period itself, long before the interval is out.
TEST(Rcu, SynchronizeIsWokenByTheLastReport) {
  Config c = rcu::testing::TreeConfig(4);
  c.hz = 1000;
  c.jiffies_till_first_fqs = 1000;
  auto r = MakeRcu(c);
  const RcuStats before = r->GetStats();
  const auto waited = SynchronizeAgainstReaderHeldFor(*r, 20ms);
  EXPECT_LT(waited, 500ms) << "the caller slept out its wait: no wake-up";
  const RcuStats after = r->GetStats();
  EXPECT_EQ(after.caller_gps_done - before.caller_gps_done, 1u);
}

// ---- Grace-period pacing (Config::cb_gp_interval_us). ----

std::unique_ptr<Rcu> MakePaced(int interval_us) {
  Config c = rcu::testing::TreeConfig(4);
  c.cb_gp_interval_us = interval_us;
  return MakeRcu(c);
}

void Discard(RcuHead* h) { delete h; }

// Thread A floods Call() for 300 ms. Grace periods that only callbacks
// wait for start at least 20 ms apart, so the flood drives at most about
// fifteen of them; unpaced it drove one per hundred or so callbacks
// (thousands here).
TEST(Rcu, CallbackFloodBatchesGracePeriods) {
  auto r = MakePaced(20'000);
  r->RegisterThread(0);
  const uint64_t before = r->GetStats().gps_completed;
  const auto end = std::chrono::steady_clock::now() + 300ms;
  long posted = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 100; ++i) r->Call(new RcuHead, Discard);
    posted += 100;
    std::this_thread::sleep_for(50us);
  }
  const uint64_t gps = r->GetStats().gps_completed - before;
  r->UnregisterThread();
  r->Barrier();
  EXPECT_GE(gps, 1u);
  EXPECT_LE(gps, 300u / 20u + 2u) << posted << " callbacks";
}

// Thread A's callbacks asked for a grace period that pacing holds back for
// a second; thread A's Synchronize() then must not wait for the pacing
// (thread B, registered and idle, keeps Synchronize() off its short path).
TEST(Rcu, SynchronizeIsNotPacedBehindCallbacks) {
  auto r = MakePaced(1'000'000);
  rcu::testing::IdleRegistered b(*r, 1);
  r->RegisterThread(0);
  // The first callback after a quiet spell starts a grace period at once;
  // once it ran, the second needs the next one, which pacing delays.
  std::atomic<bool> ran{false};
  struct Cb {
    RcuHead head;
    std::atomic<bool>* ran;
  } cb{{}, &ran};
  r->Call(&cb.head,
          [](RcuHead* h) { reinterpret_cast<Cb*>(h)->ran->store(true); });
  ASSERT_TRUE(Eventually([&] { return ran.load(); }));
  r->Call(new RcuHead, Discard);
  const auto t0 = std::chrono::steady_clock::now();
  r->Synchronize();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  r->UnregisterThread();
}

// A callback posted after a quiet spell starts its grace period at once,
// whatever the pacing interval.
TEST(Rcu, LoneCallbackIsNotPaced) {
  auto r = MakePaced(1'000'000);
  std::atomic<bool> ran{false};
  struct Cb {
    RcuHead head;
    std::atomic<bool>* ran;
  } cb{{}, &ran};
  const auto t0 = std::chrono::steady_clock::now();
  r->Call(&cb.head,
          [](RcuHead* h) { reinterpret_cast<Cb*>(h)->ran->store(true); });
  EXPECT_TRUE(Eventually([&] { return ran.load(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
}

// Callbacks queued on one vCPU run in the order they were queued.
TEST(Rcu, CallbacksRunInOrderPerCpu) {
  auto r = MakeRcu(4);
  constexpr int kN = 20000;
  struct Cb {
    RcuHead head;
    int seq;
    int* last;
    std::atomic<int>* bad;
  };
  std::vector<Cb> cbs(2 * kN);
  int last[2] = {-1, -1};
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&, t] {
      r->RegisterThread(t);
      for (int i = 0; i < kN; ++i) {
        Cb& c = cbs[t * kN + i];
        c.seq = i;
        c.last = &last[t];
        c.bad = &bad;
        r->Call(&c.head, [](RcuHead* h) {
          auto* c = reinterpret_cast<Cb*>(h);
          if (c->seq != *c->last + 1) c->bad->fetch_add(1);
          *c->last = c->seq;
        });
      }
      r->UnregisterThread();
    });
  }
  for (auto& t : ts) t.join();
  r->Barrier();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(last[0], kN - 1);
  EXPECT_EQ(last[1], kN - 1);
}

TEST(Rcu, UnregisteredThreadMayCallAndSynchronize) {
  auto r = MakeRcu(3);
  std::atomic<int> ran{0};
  struct Cb {
    RcuHead head;
    std::atomic<int>* ran;
  };
  std::vector<Cb> cbs(100);
  for (auto& c : cbs) {
    c.ran = &ran;
    r->Call(&c.head,
            [](RcuHead* h) { reinterpret_cast<Cb*>(h)->ran->fetch_add(1); });
  }
  r->Synchronize();
  r->SynchronizeExpedited();
  r->Barrier();
  EXPECT_EQ(ran.load(), 100);
}

struct ChainCb {
  RcuHead head;
  Rcu* r;
  int chain;
  static std::atomic<int> ran;
  static void Run(RcuHead* h) {
    auto* c = reinterpret_cast<ChainCb*>(h);
    ran.fetch_add(1);
    if (c->chain-- > 0) c->r->Call(&c->head, Run);
  }
};
std::atomic<int> ChainCb::ran{0};

TEST(Rcu, DestroyInvokesPendingCallbacksIncludingChained) {
  std::vector<ChainCb> cbs(1000);
  {
    auto r = MakeRcu(4);
    for (auto& c : cbs) {
      c.r = r.get();
      c.chain = 2;
      r->Call(&c.head, ChainCb::Run);
    }
  }
  EXPECT_EQ(ChainCb::ran.load(), 3000);
}

// Thread A reads under instance 1 forever (until told); thread B's grace
// periods on instance 2 must not wait for it.
TEST(Rcu, InstancesAreIndependent) {
  auto r1 = MakeRcu(2);
  auto r2 = MakeRcu(2);
  Flag in_reader, release;
  std::thread a([&] {
    r1->RegisterThread();
    r2->RegisterThread();
    r1->ReadLock();
    in_reader.Set();
    release.Wait();
    r1->ReadUnlock();
    r1->UnregisterThread();
    r2->UnregisterThread();
  });
  in_reader.Wait();
  r2->Synchronize();
  r2->SynchronizeExpedited();
  EXPECT_FALSE(release.IsSet());
  release.Set();
  a.join();
}

TEST(Rcu, QuiescentStateAndThreadOffline) {
  auto r = MakeRcu(2);
  r->RegisterThread(0);
  r->QuiescentState();
  r->ThreadOffline();
  std::thread t([&] { r->Synchronize(); });
  t.join();
  r->ThreadOnline();
  r->ReadLock();
  EXPECT_TRUE(r->ReadLockHeld());
  r->ReadUnlock();
  EXPECT_FALSE(r->ReadLockHeld());
  r->UnregisterThread();
}

TEST(Rcu, ThreadExitingRegisteredIsUnregistered) {
  auto r = MakeRcu(2);
  std::thread([&] { r->RegisterThread(); }).join();
  EXPECT_EQ(r->GetStats().registered_threads, 0);
}

TEST(Rcu, DumpGpStateNamesHolders) {
  Config c;
  c.nr_cpu_ids = 4;
  c.jiffies_till_first_fqs = 100;
  c.jiffies_till_next_fqs = 100;
  auto r = *Rcu::Create(c);
  HeldReader a(*r, 2, nullptr, "holder");
  r->StartPoll();
  // The dump names a vCPU's threads only when it gets the vCPU's local lock
  // without waiting ("(vCPU busy)" otherwise: an rcuc or FQS pass holds
  // it), so look until one dump did.
  std::string d;
  ASSERT_TRUE(Eventually([&] {
    d = r->DumpGpState();
    return d.find("vCPU 2 holds the GP: holder/") != std::string::npos;
  })) << d;
  EXPECT_NE(d.find("(in reader, nesting 1)"), std::string::npos) << d;
  a.Release();
}

TEST(DefaultInstance, PlainFunctions) {
  RegisterThread();
  static std::atomic<int> value{1};
  std::atomic<std::atomic<int>*> p{&value};
  {
    ReadGuard g;
    EXPECT_TRUE(ReadLockHeld());
    EXPECT_EQ(Dereference(p)->load(), 1);
  }
  EXPECT_FALSE(ReadLockHeld());
  AssignPointer(p, &value);
  EXPECT_EQ(AccessPointer(p), &value);
  Synchronize();
  SynchronizeExpedited();
  CondSynchronize(GetState());
  static std::atomic<int> ran{0};
  static RcuHead h;
  Call(&h, [](RcuHead*) { ran.fetch_add(1); });
  Barrier();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_FALSE(InitDefault(Config()).ok());
  EXPECT_EQ(Default().slot(), 0);
  UnregisterThread();
}

#if RCU_DEBUG_CHECKS_ENABLED
TEST(RcuDeathTest, SynchronizeInsideReaderIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto r = MakeRcu(2);
        r->RegisterThread();
        r->ReadLock();
        r->Synchronize();
      },
      "Illegal Synchronize\\(\\) in RCU read-side critical section");
  EXPECT_DEATH(
      {
        auto r = MakeRcu(2);
        r->RegisterThread();
        r->ReadLock();
        r->Barrier();
      },
      "Illegal Barrier\\(\\)");
}

// Reading on an unregistered thread registers it on the fly (fork_test.cc);
// an unlock with no lock is caught in debug builds.
TEST(RcuDeathTest, UnlockWithoutLockIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto r = MakeRcu(2);
        r->ReadUnlock();
      },
      "unlock without lock");
}
#endif

}  // namespace
}  // namespace rcu

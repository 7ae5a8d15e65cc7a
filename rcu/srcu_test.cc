// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/srcu.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/rcu.h"
#include "rcu/seq.h"

namespace rcu {
namespace {

using ::rcu::testing::Eventually;
using ::rcu::testing::Flag;
using namespace std::chrono_literals;

// A static domain, constant-initialized, built at first use.
SrcuDomain g_static_srcu;

std::unique_ptr<SrcuDomain> MakeDomain(int nr_cpu_ids, int fanout = 64,
                                       int fanout_leaf = 16) {
  Config c;
  c.nr_cpu_ids = nr_cpu_ids;
  c.fanout = fanout;
  c.fanout_leaf = fanout_leaf;
  auto d = SrcuDomain::Create(c);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : nullptr;
}

// Thread B runs `wait` (a grace-period wait) while a reader is inside;
// after `hold`, `wait` must not have returned. Then `end_reader` ends the
// reader, and B must return.
void ExpectWaitOutlastsReader(const std::function<void()>& wait,
                              std::chrono::milliseconds hold,
                              const std::function<void()>& end_reader) {
  Flag done;
  std::thread b([&] {
    wait();
    done.Set();
  });
  std::this_thread::sleep_for(hold);
  EXPECT_FALSE(done.IsSet()) << "grace period ended under a reader";
  end_reader();
  b.join();
  EXPECT_TRUE(done.IsSet());
}

// A thread holding a reader of `d` until Release(); it may unlock on
// another thread (`unlock_elsewhere`).
class SrcuHeldReader {
 public:
  explicit SrcuHeldReader(SrcuDomain& d, bool unlock_elsewhere = false)
      : d_(d), unlock_elsewhere_(unlock_elsewhere) {
    std::thread([this] {
      lock_cpu_ = d_.ReaderCpu();
      idx_ = d_.ReadLock();
      inside_.Set();
    }).join();
    inside_.Wait();
  }
  ~SrcuHeldReader() { Release(); }
  void Release() {
    if (released_) return;
    released_ = true;
    if (unlock_elsewhere_) {
      std::thread([this] {
        unlock_cpu_ = d_.ReaderCpu();
        d_.ReadUnlock(idx_);
      }).join();
    } else {
      d_.ReadUnlock(idx_);
    }
  }

  // The vCPUs the lock and the unlock counted on.
  int lock_cpu() const { return lock_cpu_; }
  int unlock_cpu() const { return unlock_cpu_; }
  // The reader index it counts on (ReadLock()'s bit 0).
  int index() const { return idx_ & 1; }

 private:
  int lock_cpu_ = -1;
  int unlock_cpu_ = -1;
  SrcuDomain& d_;
  bool unlock_elsewhere_;
  int idx_ = -1;
  bool released_ = false;
  Flag inside_;
};

int CountThreads() {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

TEST(SrcuTest, CreateRejectsBadGeometry) {
  Config c;
  c.fanout = 1;
  auto d = SrcuDomain::Create(c);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("fanout"), std::string::npos)
      << d.status();
  c = Config();
  c.nr_cpu_ids = -3;
  d = SrcuDomain::Create(c);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("nr_cpu_ids"), std::string::npos)
      << d.status();
}

TEST(SrcuTest, TreeHasRcuGeometry) {
  auto d = MakeDomain(16, 2, 2);
  SrcuStats s = d->GetStats();
  EXPECT_EQ(s.nr_cpu_ids, 16);
  EXPECT_EQ(s.num_nodes, 15);  // 8 leaves of 2, then 4, 2, 1
}

// Thread A holds a reader and sleeps inside it. Thread B (main) waits for
// a grace period: it must not end while A is inside.
TEST(SrcuTest, SynchronizeWaitsForSleepingReader) {
  auto d = MakeDomain(4);
  SrcuHeldReader reader(*d);
  // The reader sleeps inside for 50 ms.
  ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 50ms,
                           [&] { reader.Release(); });
}

// Thread A holds a reader on index i. Thread B (the grace-period thread)
// checks whether i has drained; between its two sums, a late reader (one
// that fetched i before the flip) locks and unlocks on i. A check that
// summed the locks before the unlocks would count that unlock without its
// lock, balance the sums while A is still inside, and end the grace period
// early. (Only the order of the sums is checked here: fence A itself
// cannot be caught on x86, which keeps loads in order.)
std::atomic<int> g_late_idx{-1};
std::atomic<int> g_late_readers{0};
void InjectLateReader(internal::SrcuState* st, int idx) {
  if (idx != g_late_idx.load()) return;
  internal::LateReaderForTesting(st, idx);
  g_late_readers.fetch_add(1);
}

TEST(SrcuTest, DrainCheckSumsUnlocksFirstBug) {
  auto d = MakeDomain(2);
  SrcuHeldReader reader(*d);
  g_late_idx = reader.index();
  internal::SetDrainCheckHookForTesting(InjectLateReader);
  ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 50ms,
                           [&] {
                             // A late reader in every check would keep i from
                             // ever draining.
                             internal::SetDrainCheckHookForTesting(nullptr);
                             reader.Release();
                           });
  EXPECT_GT(g_late_readers.load(), 0)
      << "the check never ran on the reader's index";
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

// Thread A locks, thread C unlocks, on another vCPU. Thread B's grace
// period must wait for C's unlock.
TEST(SrcuTest, UnlockOnAnotherThreadEndsTheReader) {
  auto d = MakeDomain(8);
  SrcuHeldReader reader(*d, /*unlock_elsewhere=*/true);
  ExpectWaitOutlastsReader([&] { d->SynchronizeExpedited(); }, 30ms,
                           [&] { reader.Release(); });
  EXPECT_NE(reader.lock_cpu(), reader.unlock_cpu());
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

// The grace-period guarantee under load. Threads R1..R4 read a published
// object, sometimes sleeping inside and sometimes handing the unlock to a
// helper thread U; each checks, at the end of its critical section, that
// the object was not retired. Thread W publishes new objects and retires
// the old ones after Synchronize(), SynchronizeExpedited() or Call().
struct Obj {
  RcuHead rh;
  std::atomic<int> alive{1};
};

TEST(SrcuTest, GracePeriodGuaranteeWithSleepingAndHandedOffReaders) {
  auto d = MakeDomain(4, 2, 2);
  std::atomic<Obj*> gp{new Obj};
  std::atomic<bool> stop{false}, readers_done{false};
  std::atomic<long> errors{0}, reads{0};
  // Retired objects are kept (poisoned), never freed during the run, so a
  // reader that sees a poisoned object reports it instead of crashing.
  std::mutex retired_mu;
  std::vector<Obj*> retired;
  // Unlocks handed off to thread U.
  std::mutex q_mu;
  std::deque<std::pair<Obj*, int>> q;

  auto retire = [&](Obj* o) {
    o->alive.store(0, std::memory_order_relaxed);
    std::lock_guard<std::mutex> l(retired_mu);
    retired.push_back(o);
  };
  static std::atomic<std::vector<Obj*>*> cb_sink{nullptr};
  static std::mutex cb_mu;
  std::vector<Obj*> cb_retired;
  cb_sink = &cb_retired;

  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 rng(r);
      while (!stop.load(std::memory_order_relaxed)) {
        int idx = d->ReadLock();
        Obj* o = Dereference(gp);
        if (rng() % 16 == 0)
          std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
        if (o->alive.load(std::memory_order_relaxed) != 1) errors.fetch_add(1);
        reads.fetch_add(1, std::memory_order_relaxed);
        if (rng() % 4 == 0) {
          std::lock_guard<std::mutex> l(q_mu);
          q.emplace_back(o, idx);  // U checks again, then unlocks
        } else {
          d->ReadUnlock(idx);
        }
      }
    });
  }
  std::thread unlocker([&] {
    for (;;) {
      std::pair<Obj*, int> e{nullptr, -1};
      {
        std::lock_guard<std::mutex> l(q_mu);
        if (!q.empty()) {
          e = q.front();
          q.pop_front();
        }
      }
      if (e.first == nullptr) {
        if (readers_done.load()) {
          std::lock_guard<std::mutex> l(q_mu);
          if (q.empty()) return;
          continue;
        }
        std::this_thread::sleep_for(20us);
        continue;
      }
      if (e.first->alive.load(std::memory_order_relaxed) != 1)
        errors.fetch_add(1);
      d->ReadUnlock(e.second);
    }
  });
  auto deadline = std::chrono::steady_clock::now() + 1500ms;
  long updates = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Obj* old = gp.exchange(new Obj);
    switch (updates++ % 3) {
      case 0:
        d->Synchronize();
        retire(old);
        break;
      case 1:
        d->SynchronizeExpedited();
        retire(old);
        break;
      default:
        d->Call(&old->rh, [](RcuHead* h) {
          Obj* o = reinterpret_cast<Obj*>(h);
          o->alive.store(0, std::memory_order_relaxed);
          std::lock_guard<std::mutex> l(cb_mu);
          cb_sink.load()->push_back(o);
        });
    }
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  readers_done.store(true);
  unlocker.join();
  d->Barrier();
  EXPECT_EQ(errors.load(), 0) << "a reader saw an object retired under it";
  EXPECT_GT(reads.load(), 100);
  EXPECT_GT(updates, 10);
  EXPECT_EQ(static_cast<long>(retired.size() + cb_retired.size()), updates);
  for (Obj* o : retired) delete o;
  for (Obj* o : cb_retired) delete o;
  delete gp.load();
  EXPECT_TRUE(d->Cleanup().ok());
}

// Callbacks posted while a reader is held: none runs before the reader
// ends, each runs exactly once, in posting order (one posting thread).
struct Cb {
  RcuHead rh;
  int seq = 0;
};
std::mutex g_order_mu;
std::vector<int> g_order;

TEST(SrcuTest, CallbacksNotEarlyNotLostInOrder) {
  auto d = MakeDomain(4);
  g_order.clear();
  constexpr int kN = 2000;
  std::vector<Cb> cbs(kN);
  {
    SrcuHeldReader reader(*d);
    for (int i = 0; i < kN; ++i) {
      cbs[i].seq = i;
      d->Call(&cbs[i].rh, [](RcuHead* h) {
        std::lock_guard<std::mutex> l(g_order_mu);
        g_order.push_back(reinterpret_cast<Cb*>(h)->seq);
      });
    }
    std::this_thread::sleep_for(30ms);
    std::lock_guard<std::mutex> l(g_order_mu);
    EXPECT_TRUE(g_order.empty()) << "callback ran under a pre-existing reader";
  }
  d->Barrier();
  std::lock_guard<std::mutex> l(g_order_mu);
  ASSERT_EQ(g_order.size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) ASSERT_EQ(g_order[i], i);
  // The invoker adds a batch to the statistics after running it.
  EXPECT_TRUE(Eventually(
      [&] { return d->GetStats().cbs_invoked == static_cast<uint64_t>(kN); }));
}

// Threads P1..P4 post callbacks (on different vCPUs) and, after each batch,
// call Barrier(): every callback a thread posted before its Barrier() must
// have run when Barrier() returns.
TEST(SrcuTest, BarrierWaitsForEveryEarlierCall) {
  auto d = MakeDomain(4, 2, 2);
  struct Counted {
    RcuHead rh;
    std::atomic<int>* ran;
  };
  std::vector<std::thread> ts;
  std::atomic<long> bad{0};
  for (int p = 0; p < 4; ++p) {
    ts.emplace_back([&] {
      std::atomic<int> ran{0};
      for (int round = 0; round < 30; ++round) {
        std::vector<Counted> v(50);
        for (auto& c : v) {
          c.ran = &ran;
          d->Call(&c.rh, [](RcuHead* h) {
            reinterpret_cast<Counted*>(h)->ran->fetch_add(
                1, std::memory_order_relaxed);
          });
        }
        d->Barrier();
        if (ran.load() != 50 * (round + 1)) {
          bad.fetch_add(1);
          ADD_FAILURE() << "round " << round << ": " << ran.load() << " of "
                        << 50 * (round + 1)
                        << " callbacks ran before Barrier() returned";
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
  // The invoker subtracts a batch from the count after running it.
  EXPECT_TRUE(Eventually([&] { return d->GetStats().cbs_pending == 0; }));
}

// Barrier() with nothing queued returns at once; an idle domain stays idle.
TEST(SrcuTest, BarrierWithNothingQueued) {
  auto d = MakeDomain(3);
  d->Barrier();
  d->Barrier();
  EXPECT_EQ(d->GetStats().gps_completed, 0u);
}

// A thread that runs closures handed to it, so that several calls come
// from one thread (and so count on one vCPU).
class TaskThread {
 public:
  TaskThread() : t_([this] { Loop(); }) {}
  ~TaskThread() {
    Run([this] { quit_ = true; });
    t_.join();
  }
  // Runs `f` on the thread and returns when it is done.
  void Run(std::function<void()> f) {
    std::unique_lock<std::mutex> l(mu_);
    task_ = std::move(f);
    cv_.notify_all();
    cv_.wait(l, [this] { return !task_; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> l(mu_);
    while (!quit_) {
      cv_.wait(l, [this] { return static_cast<bool>(task_); });
      task_();
      task_ = nullptr;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> task_;
  bool quit_ = false;
  std::thread t_;
};

std::atomic<int> g_early_state{0};  // 1: being invoked
std::atomic<bool> g_barrier_started{false};
std::atomic<bool> g_late_ran{false};
SrcuDomain* g_count_domain = nullptr;

// The barrier count must not reach zero before every vCPU was visited.
// Thread E (vCPU 0) has a callback being invoked when thread M calls
// Barrier(); the callback returns as soon as M entrained E's vCPU, so E's
// barrier callback runs while M is still walking the vCPUs. Thread L's
// callback, on the last vCPU, waits for a grace period a held reader
// blocks: Barrier() must not return before it ran. Forty rounds.
TEST(SrcuTest, BarrierCountStartsAboveZeroBug) {
  constexpr int kNr = 64;
  auto d = MakeDomain(kNr);
  g_count_domain = d.get();
  // Threads count on vCPU (arrival number % kNr): within kNr + 1 new
  // threads both vCPU 0 and vCPU kNr - 1 turn up.
  std::unique_ptr<TaskThread> e, l;
  for (int i = 0; i < 2 * kNr && (e == nullptr || l == nullptr); ++i) {
    auto t = std::make_unique<TaskThread>();
    int cpu = -1;
    t->Run([&] { cpu = d->ReaderCpu(); });
    if (cpu == 0 && e == nullptr)
      e = std::move(t);
    else if (cpu == kNr - 1 && l == nullptr)
      l = std::move(t);
  }
  ASSERT_TRUE(e != nullptr && l != nullptr);
  for (int round = 0; round < 40; ++round) {
    g_early_state = 0;
    g_barrier_started = false;
    g_late_ran = false;
    RcuHead early, late;
    e->Run([&] {
      d->Call(&early, [](RcuHead*) {
        g_early_state = 1;
        while (!g_barrier_started.load()) std::this_thread::yield();
        // Return once Barrier() entrained behind this callback (the
        // pending count grows from 2 to 3).
        for (int i = 0;
             i < 100000 && g_count_domain->GetStats().cbs_pending < 3; ++i)
          std::this_thread::yield();
      });
    });
    ASSERT_TRUE(Eventually([] { return g_early_state.load() == 1; }));
    auto reader = std::make_unique<SrcuHeldReader>(*d);
    l->Run([&] { d->Call(&late, [](RcuHead*) { g_late_ran = true; }); });
    Flag barrier_done;
    std::thread m([&] {
      g_barrier_started = true;
      d->Barrier();
      barrier_done.Set();
      EXPECT_TRUE(g_late_ran.load())
          << "round " << round
          << ": Barrier() returned before an earlier Call() ran";
    });
    barrier_done.WaitFor(20ms);
    EXPECT_FALSE(barrier_done.IsSet()) << "round " << round;
    reader->Release();
    m.join();
    if (::testing::Test::HasFailure()) break;
  }
}

// A reader held in domain A never delays domain B: B's grace periods,
// callbacks and barriers complete while A's Synchronize() waits.
TEST(SrcuTest, DomainsAreIndependent) {
  auto a = MakeDomain(4);
  auto b = MakeDomain(4);
  SrcuHeldReader reader(*a);
  Flag a_synced;
  std::thread t([&] {
    a->Synchronize();
    a_synced.Set();
  });
  for (int i = 0; i < 20; ++i) {
    b->Synchronize();
    b->SynchronizeExpedited();
  }
  static std::atomic<int> ran{0};
  RcuHead h;
  b->Call(&h, [](RcuHead*) { ran.fetch_add(1); });
  b->Barrier();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_GE(b->GetStats().gps_completed, 40u);
  EXPECT_FALSE(a_synced.IsSet());
  reader.Release();
  t.join();
  EXPECT_TRUE(b->Cleanup().ok());
}

// Cleanup() refuses, naming what is outstanding, and frees nothing.
TEST(SrcuTest, CleanupRefusesWithReadersOrCallbacks) {
  auto d = MakeDomain(2);
  auto reader = std::make_unique<SrcuHeldReader>(*d);
  absl::Status s = d->Cleanup();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("1 reader(s)"), std::string::npos) << s;
  static std::atomic<int> ran{0};
  RcuHead h;
  d->Call(&h, [](RcuHead*) { ran.fetch_add(1); });
  s = d->Cleanup();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("1 callback(s) queued"), std::string::npos) << s;
  // Nothing was freed: the domain still works.
  reader->Release();
  d->Barrier();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_TRUE(d->Cleanup().ok());
  // And it may be used again after Cleanup().
  d->Synchronize();
  EXPECT_TRUE(d->Cleanup().ok());
}

TEST(SrcuTest, StaticDomainsWork) {
  static SrcuDomain local_static;
  for (SrcuDomain* d : {&g_static_srcu, &local_static}) {
    int idx = d->ReadLock();
    ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 20ms,
                             [&] { d->ReadUnlock(idx); });
    d->Barrier();
  }
}

TEST(SrcuTest, PolledGracePeriods) {
  auto d = MakeDomain(2);
  auto reader = std::make_unique<SrcuHeldReader>(*d);
  uint64_t c1 = d->GetState();
  uint64_t c2 = d->StartPoll();
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(d->PollState(c1));
  EXPECT_FALSE(d->PollState(c2));
  reader->Release();
  EXPECT_TRUE(Eventually([&] { return d->PollState(c2); }));  // StartPoll's GP
  d->Synchronize();
  EXPECT_TRUE(d->PollState(c1));
}

// gp_seq starts 300 grace periods before the wrap: cross it.
TEST(SrcuTest, SurvivesGpSeqWrap) {
  auto d = MakeDomain(2);
  uint64_t first = d->GpSeq();
  uint64_t cookie = d->GetState();
  for (int i = 0; i < 320; ++i) d->SynchronizeExpedited();
  EXPECT_LT(d->GpSeq(), first) << "the counter should have wrapped";
  EXPECT_TRUE(d->PollState(cookie));
  EXPECT_GE(d->GetStats().gps_completed, 320u);
  SrcuHeldReader reader(*d);
  ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 20ms,
                           [&] { reader.Release(); });
}

// Thread A, registered with the default rcu instance, counts on its vCPU
// there (an unregistered thread keeps a stable choice); A locks on vCPU 1
// and unlocks on vCPU 0 while thread B waits for a grace period.
TEST(SrcuTest, ReaderCpuFollowsDefaultRcuAttachment) {
  auto d = MakeDomain(64);
  std::thread([&] {
    int a = d->ReaderCpu();
    EXPECT_EQ(d->ReaderCpu(), a);
    rcu::ScopedThread reg(0);
    EXPECT_EQ(d->ReaderCpu(), 0);
    if (Default().nr_cpu_ids() > 1) {
      ASSERT_TRUE(Default().MigrateSelf(1));
      EXPECT_EQ(d->ReaderCpu(), 1);
      // A reader that migrates between its lock and its unlock: thread B's
      // grace period waits for the unlock on the other vCPU.
      int idx = d->ReadLock();
      ASSERT_TRUE(Default().MigrateSelf(0));
      ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 20ms,
                               [&] { d->ReadUnlock(idx); });
    }
  }).join();
  EXPECT_EQ(d->GetStats().readers_active, 0u);
  d->Synchronize();
}

// Dynamic domains own no thread: creating and destroying many leaves the
// thread count where one domain left it.
TEST(SrcuTest, DynamicDomainsLeakNoThreads) {
  {
    auto d = MakeDomain(2);
    d->Synchronize();
  }
  const int before = CountThreads();
  for (int i = 0; i < 50; ++i) {
    auto d = MakeDomain(2);
    RcuHead h;
    d->Call(&h, [](RcuHead*) {});
    d->Synchronize();
    d->Barrier();
  }
  EXPECT_EQ(CountThreads(), before);
}

// The invoker subtracts a batch from the callback count only after running
// the whole batch, so just after Barrier() returns the count may still
// include callbacks that ran (seen under TSan as cbs_pending 51 after a
// Barrier()). Thread A posts and calls Barrier(), then Cleanup() at once:
// Cleanup() must wait for the grace-period thread to finish the pass, not
// report those callbacks as outstanding. Repeated, with several batches.
TEST(SrcuTest, CleanupJustAfterBarrierBug) {
  for (int i = 0; i < 50; ++i) {
    auto d = MakeDomain(2);
    std::vector<RcuHead> hs(64);
    for (RcuHead& h : hs) d->Call(&h, [](RcuHead*) {});
    d->Barrier();
    absl::Status s = d->Cleanup();
    ASSERT_TRUE(s.ok()) << "iteration " << i << ": " << s;
  }
}

// A static domain destroyed at exit while a reader is inside and a
// callback queued: its destructor must neither free the state (the reader
// and the grace-period thread may still touch it) nor hang; it says so and
// leaks it.
TEST(SrcuDeathTest, StaticDomainBusyAtExitIsLeakedNotFreed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        static SrcuDomain d;
        (void)d.ReadLock();
        static RcuHead h;
        d.Call(&h, [](RcuHead*) {});
        std::exit(0);
      },
      ::testing::ExitedWithCode(0),
      "srcu: domain destroyed with 1 reader\\(s\\) inside a read-side critical "
      "section, "
      "1 callback\\(s\\) queued .*; its state is leaked");
}

// Thread A locks and exits; thread N, started after, claims A's counter
// block (the only free one it can find first) and runs readers of its own;
// thread B's grace period must still wait for A's reader, which thread C
// ends. A block handed to a new thread keeps its counts: zeroing them at
// the claim loses A's lock and ends B's grace period under the reader.
TEST(SrcuTest, ClaimedBlockKeepsAnExitedThreadsReaderCountBug) {
  auto d = MakeDomain(4);
  ASSERT_GE(d->GetStats().counter_slot, 0);
  for (int round = 0; round < 20; ++round) {
    int idx = -1;
    std::thread([&] { idx = d->ReadLock(); }).join();  // A
    std::thread([&] {                                  // N
      for (int i = 0; i < 3; ++i) d->ReadUnlock(d->ReadLock());
    })
        .join();
    ExpectWaitOutlastsReader(
        [&] { d->Synchronize(); }, 5ms,
        [&] {
          std::thread([&] { d->ReadUnlock(idx); }).join();  // C
        });
  }
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

// More domains than counter slots at once: the later ones count their
// readers on per-vCPU counters, and readers hold grace periods in both
// kinds. Thread B waits for a grace period of each while thread A's reader
// of it is inside.
TEST(SrcuTest, DomainsBeyondTheCounterSlotsStillWork) {
  std::vector<std::unique_ptr<SrcuDomain>> ds;
  for (int i = 0; i < internal::kSrcuFastSlots + 2; ++i)
    ds.push_back(MakeDomain(2));
  std::set<int> slots;
  for (auto& d : ds) {
    const int slot = d->GetStats().counter_slot;
    if (slot >= 0) {
      EXPECT_TRUE(slots.insert(slot).second) << "slot " << slot;
    }
  }
  EXPECT_EQ(ds.back()->GetStats().counter_slot, -1);
  EXPECT_EQ(ds[ds.size() - 2]->GetStats().counter_slot, -1);
  for (SrcuDomain* d : {ds.front().get(), ds.back().get()}) {
    SrcuHeldReader reader(*d);
    ExpectWaitOutlastsReader([&] { d->Synchronize(); }, 10ms,
                             [&] { reader.Release(); });
    EXPECT_EQ(d->GetStats().readers_active, 0u);
  }
}

// A slot freed with its domain goes to the next domain built, with the
// counts the old readers left (some locked on one thread and unlocked on
// another): the new domain starts with no reader inside, and its readers
// hold its grace periods.
TEST(SrcuTest, ReusedCounterSlotStartsWithNoReaderInside) {
  auto d = MakeDomain(2);
  const int slot = d->GetStats().counter_slot;
  ASSERT_GE(slot, 0);
  for (int i = 0; i < 5; ++i) {
    SrcuHeldReader reader(*d, /*unlock_elsewhere=*/true);
  }
  d->ReadUnlock(d->ReadLock());
  d.reset();
  auto e = MakeDomain(2);
  ASSERT_EQ(e->GetStats().counter_slot, slot);
  EXPECT_EQ(e->GetStats().readers_active, 0u);
  e->Synchronize();
  SrcuHeldReader reader(*e, /*unlock_elsewhere=*/true);
  ExpectWaitOutlastsReader([&] { e->Synchronize(); }, 10ms,
                           [&] { reader.Release(); });
}

// Thread R (a reader) and thread U (an updater) run the store-buffering
// litmus test of fence A, round after round: R enters a reader and then
// loads `flag`; U stores `flag` and then runs a drain check of R's index.
// Forbidden: the check finds no reader inside while R's load missed the
// store: an updater would then free what R goes on to use. In membarrier
// mode R's lock executes no CPU fence; only the check's membarrier()
// forbids the outcome.
TEST(SrcuTest, DrainCheckSeesReaderOrReaderSeesUpdateLitmus) {
  auto d = MakeDomain(2);
  // The index R's readers use (no flips here): bit 0 of ReadLock()'s
  // result (lockdep, when enabled, keeps its entry's id above it).
  const int token = d->ReadLock();
  d->ReadUnlock(token);
  const int idx = token & 1;
  constexpr int kRounds = 100000;
  std::atomic<int> arrive{0};
  std::atomic<int> flag{0};
  std::atomic<int> r_saw{0};
  std::atomic<int> r_done{0};
  std::atomic<int> u_done{0};
  auto barrier = [&](int round) {
    arrive.fetch_add(1, std::memory_order_acq_rel);
    while (arrive.load(std::memory_order_acquire) < 2 * round) {
    }
  };
  // R waits a random 0-31 spins after the barrier, U none: R's lock then
  // falls just before, inside or just after U's check. (Without fence A's
  // membarrier() this made 150-4600 violations per 100000 rounds here;
  // other spreads made fewer.)
  auto spin = [](std::minstd_rand& rng) {
    for (int i = static_cast<int>(rng() % 32); i > 0; --i)
      std::atomic_signal_fence(std::memory_order_seq_cst);
  };
  std::thread r([&] {
    std::minstd_rand rng(1);
    for (int round = 1; round <= kRounds; ++round) {
      barrier(round);
      spin(rng);
      const int i = d->ReadLock();
      r_saw.store(flag.load(std::memory_order_relaxed),
                  std::memory_order_relaxed);
      r_done.store(round, std::memory_order_release);
      while (u_done.load(std::memory_order_acquire) < round) {
      }
      d->ReadUnlock(i);
    }
  });
  int violations = 0, drained = 0;
  for (int round = 1; round <= kRounds; ++round) {
    flag.store(0, std::memory_order_relaxed);
    barrier(round);
    flag.store(1, std::memory_order_relaxed);
    const bool none_inside = internal::DrainCheckForTesting(*d, idx);
    while (r_done.load(std::memory_order_acquire) < round) {
    }
    if (none_inside) {
      ++drained;
      if (r_saw.load(std::memory_order_relaxed) == 0) ++violations;
    }
    u_done.store(round, std::memory_order_release);
  }
  r.join();
  EXPECT_EQ(violations, 0) << "a drain check missed a reader that missed the "
                              "update, in "
                           << violations << " of " << drained
                           << " rounds whose check found the index empty";
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

TEST(SrcuTest, TortureStatsLineShape) {
  auto d = MakeDomain(2);
  int idx = d->ReadLock();
  std::string s = d->TortureStats();
  EXPECT_TRUE(s.starts_with("Tree SRCU g")) << s;
  EXPECT_NE(s.find(" state 8 (SRCU_SIZE_BIG) per-CPU(idx="), std::string::npos)
      << s;
  EXPECT_NE(s.find(" T(0,1)"), std::string::npos) << s;
  d->ReadUnlock(idx);
  EXPECT_NE(d->TortureStats().find(" T(0,0)"), std::string::npos);
}

}  // namespace
}  // namespace rcu

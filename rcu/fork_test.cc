// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Tests of librcu in real programs' hands: callbacks that read, threads
// that read without registering, fork() under load, and process exit with
// work in flight. Each test is named after the failure it pins.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/rcu.h"
#include "rcu/srcu.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using rcu::testing::MakeRcu;
using namespace std::chrono_literals;

struct Node {
  RcuHead head;
  int value = 0;
};

std::atomic<Node*> g_ptr{nullptr};
std::atomic<long> g_reads_in_cb{0};
std::atomic<long> g_chained{0};
std::atomic<long> g_freed{0};

void FreeNode(RcuHead* h) {
  g_freed.fetch_add(1, std::memory_order_relaxed);
  delete reinterpret_cast<Node*>(h);
}

void Chained(RcuHead* h) {
  g_chained.fetch_add(1, std::memory_order_relaxed);
  delete reinterpret_cast<Node*>(h);
}

// A callback that reads, dereferences, and queues another callback.
void ReadingCallback(RcuHead* h) {
  {
    ReadGuard g;
    Node* n = Dereference(g_ptr);
    if (n != nullptr && n->value == 42)
      g_reads_in_cb.fetch_add(1, std::memory_order_relaxed);
  }
  Call(&(new Node)->head, Chained);
  delete reinterpret_cast<Node*>(h);
}

// A callback opening a read-side critical section crashed (the callback
// thread was never registered).
TEST(Callbacks, CallbackThatReadsSegfaulted) {
  ScopedThread reg;
  Node* pub = new Node;
  pub->value = 42;
  AssignPointer(g_ptr, pub);
  constexpr int kN = 200;
  for (int i = 0; i < kN; ++i) Call(&(new Node)->head, ReadingCallback);
  Barrier();  // the reading callbacks
  Barrier();  // the ones they queued
  EXPECT_EQ(g_reads_in_cb.load(), kN);
  EXPECT_EQ(g_chained.load(), kN);
  // Grace periods still end with the callback threads registered.
  Synchronize();
  SynchronizeExpedited();
  Node* old = g_ptr.exchange(nullptr);
  Synchronize();
  delete old;
}

// The same on an instance of its own, whose callbacks read it: the
// callback threads register with it as its own threads, so the instance
// still counts no user thread and can be destroyed.
TEST(Callbacks, CallbackThatReadsItsInstanceBlocksDestruction) {
  auto r = MakeRcu(4, 2, 2);
  static Rcu* inst;
  static std::atomic<long> reads;
  inst = r.get();
  reads = 0;
  struct Cb {
    RcuHead head;
    static void Run(RcuHead* h) {
      inst->ReadLock();
      reads.fetch_add(1, std::memory_order_relaxed);
      inst->ReadUnlock();
      delete reinterpret_cast<Cb*>(h);
    }
  };
  for (int i = 0; i < 50; ++i) r->Call(&(new Cb)->head, Cb::Run);
  r->Barrier();
  EXPECT_EQ(reads.load(), 50);
  EXPECT_EQ(r->GetStats().registered_threads, 0);
  r->SynchronizeExpedited();
  r.reset();  // must not find "other threads still registered"
}

// Synchronize() or Barrier() from a callback deadlocked: the callback
// thread waited for a grace period or barrier that needed the callback
// itself to finish. Now a fatal error naming the mistake.
TEST(CallbacksDeathTest, CallbackThatSynchronizesDeadlocked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto call_and_wait = [](RcuCallback f) {
    ScopedThread reg;
    Call(&(new Node)->head, f);
    Barrier();
  };
  EXPECT_DEATH(call_and_wait([](RcuHead*) { Synchronize(); }),
               "Synchronize\\(\\) called from an RCU callback");
  EXPECT_DEATH(call_and_wait([](RcuHead*) { Barrier(); }),
               "Barrier\\(\\) called from an RCU callback");
  EXPECT_DEATH(call_and_wait([](RcuHead*) { SynchronizeExpedited(); }),
               "SynchronizeExpedited\\(\\) called from an RCU callback");
}

// Thread A never registers and enters a read-side critical section: it
// crashed. Now it is registered on the fly. Thread B's Synchronize() must
// wait for A's reader, and A's registration ends when A exits.
TEST(Registration, UnregisteredReaderSegfaulted) {
  auto r = MakeRcu(4, 2, 2);
  Flag in_reader, release, synced;
  std::thread a([&] {
    r->ReadLock();  // no RegisterThread()
    in_reader.Set();
    release.Wait();
    r->ReadUnlock();
  });
  in_reader.Wait();
  EXPECT_EQ(r->GetStats().registered_threads, 1);
  std::thread b([&] {
    r->Synchronize();
    synced.Set();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(synced.IsSet())
      << "a grace period ended under an on-the-fly reader";
  release.Set();
  a.join();
  b.join();
  EXPECT_TRUE(
      Eventually([&] { return r->GetStats().registered_threads == 0; }));
}

// The same through the default instance and ReadGuard, with an
// expedited grace period.
TEST(Registration, UnregisteredDefaultReaderSegfaulted) {
  Flag in_reader, release, synced;
  std::thread a([&] {
    ReadGuard g;
    EXPECT_TRUE(ReadLockHeld());
    in_reader.Set();
    release.Wait();
  });
  in_reader.Wait();
  std::thread b([&] {
    SynchronizeExpedited();
    synced.Set();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(synced.IsSet());
  release.Set();
  a.join();
  b.join();
}

// A thread registered on the fly by a read, then calling RegisterThread()
// as it should have at first, was a fatal "already registered".
TEST(Registration, RegisterAfterOnTheFlyRegistrationAborted) {
  auto r = MakeRcu(4, 2, 2);
  std::thread([&] {
    r->ReadLock();
    r->ReadUnlock();
    EXPECT_TRUE(r->IsRegistered());
    r->RegisterThread(3);
    EXPECT_EQ(r->CurrentCpu(), 3);
    r->UnregisterThread();
    EXPECT_FALSE(r->IsRegistered());
  }).join();
  EXPECT_EQ(r->GetStats().registered_threads, 0);
}

// ---- fork() ----

// TSan cannot follow a threaded process into a fork() child that starts
// threads (its thread registry keeps the parent's threads: "dup thread",
// die_after_fork). Under TSan the children below only exit; the prepare
// and parent handlers still run under load.
#if defined(__SANITIZE_THREAD__)
constexpr bool kChildMayStartThreads = false;
#else
constexpr bool kChildMayStartThreads = true;
#endif
// ASan's allocator is not fork()-safe: a parent thread inside malloc at
// fork() time leaves its lock held in the child, whose new threads then
// hang in ASan's own code. Under ASan the allocating threads pause around
// each fork (readers and grace periods stay in flight).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPauseAllocatorsAtFork = true;
#else
constexpr bool kPauseAllocatorsAtFork = false;
#endif

// Runs `child` in a fork()ed child with a watchdog; returns its exit
// status as a string ("exit 0" when it passed).
template <typename F>
std::string RunInChild(F child, std::function<void()> in_parent = nullptr) {
  pid_t pid = fork();
  if (pid == 0) {
    alarm(20);  // a hang in the child is a failure, not a hung test
    _exit(child() ? 0 : 1);
  }
  if (in_parent) in_parent();
  int st = 0;
  EXPECT_EQ(waitpid(pid, &st, 0), pid);
  if (WIFEXITED(st)) return "exit " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return "signal " + std::to_string(WTERMSIG(st));
  return "?";
}

std::atomic<long> g_child_cbs{0};
void CountChildCb(RcuHead* h) {
  g_child_cbs.fetch_add(1, std::memory_order_relaxed);
  delete reinterpret_cast<Node*>(h);
}

// What the child checks: grace periods (normal, expedited, polled),
// Call() + Barrier(), a second instance, an SRCU domain.
bool ChildWorks(Rcu* other, SrcuDomain* srcu) {
  if (!kChildMayStartThreads) return true;
  RegisterThread();
  Synchronize();
  SynchronizeExpedited();
  uint64_t cookie = StartPoll();
  CondSynchronize(cookie);
  if (!PollState(cookie)) return false;
  g_child_cbs = 0;
  for (int i = 0; i < 100; ++i) Call(&(new Node)->head, CountChildCb);
  Barrier();
  if (g_child_cbs.load() != 100) return false;
  other->Synchronize();
  other->Call(&(new Node)->head, CountChildCb);
  other->Barrier();
  if (g_child_cbs.load() != 101) return false;
  srcu->Synchronize();
  srcu->Call(&(new Node)->head, CountChildCb);
  srcu->Barrier();
  if (g_child_cbs.load() != 102) return false;
  UnregisterThread();
  return true;
}

// Thread A reads in a loop, thread B is inside read-side critical sections
// (default instance, another instance, an SRCU domain) at each fork,
// thread C queues callbacks and waits for grace periods, thread D reads
// and updates an SRCU domain; the main thread forks in the middle of all
// of it. The child hung (no grace-period or
// callback thread, readers of threads that do not exist); it must now get
// a working RCU, and the parent must be unaffected.
TEST(Fork, ForkChildHadNoGracePeriods) {
  auto other = MakeRcu(4, 2, 2);
  auto srcu = *SrcuDomain::Create(Config{}, "fork_srcu");
  std::atomic<bool> stop{false};
  std::atomic<bool> hold{false}, b_inside{false};
  std::atomic<long> c_rounds{0};
  std::atomic<bool> quiet{false};
  std::atomic<int> quiet_acks{0};
  auto maybe_pause = [&] {
    if (!kPauseAllocatorsAtFork || !quiet.load()) return;
    quiet_acks.fetch_add(1);
    while (quiet.load()) std::this_thread::sleep_for(100us);
  };
  std::vector<std::thread> ts;
  ts.emplace_back([&] {  // A
    ScopedThread reg;
    while (!stop.load()) {
      ReadGuard g;
      other->ReadLock();
      other->ReadUnlock();
    }
  });
  ts.emplace_back([&] {  // B
    ScopedThread reg;
    while (!stop.load()) {
      if (!hold.load()) {
        std::this_thread::sleep_for(100us);
        continue;
      }
      ReadGuard g;
      other->ReadLock();
      int idx = srcu->ReadLock();
      b_inside = true;
      const auto give_up = std::chrono::steady_clock::now() + 5s;
      while (hold.load() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(100us);
      srcu->ReadUnlock(idx);
      other->ReadUnlock();
      b_inside = false;
    }
  });
  ts.emplace_back([&] {  // C
    ScopedThread reg;
    while (!stop.load()) {
      maybe_pause();
      for (int i = 0; i < 50; ++i) Call(&(new Node)->head, FreeNode);
      other->Call(&(new Node)->head, FreeNode);
      // A normal grace period: its waiters hold no lock, so the fork
      // happens while it is in progress (blocked by B). An expedited one
      // or a barrier would make fork() wait for it, hence for B.
      Synchronize();
      c_rounds.fetch_add(1);
    }
  });
  ts.emplace_back([&] {  // D
    while (!stop.load()) {
      maybe_pause();
      srcu->Call(&(new Node)->head, FreeNode);
      int idx = srcu->ReadLock();
      srcu->ReadUnlock(idx);
    }
  });
  ASSERT_TRUE(Eventually([&] { return c_rounds.load() > 3; }));
  for (int round = 0; round < 3; ++round) {
    if (kPauseAllocatorsAtFork) {
      quiet_acks = 0;
      quiet = true;
      ASSERT_TRUE(Eventually([&] { return quiet_acks.load() == 2; }));
    }
    hold = true;
    ASSERT_TRUE(Eventually([&] { return b_inside.load(); }));
    // Grace periods in progress at fork(), held up by B.
    StartPoll();
    other->StartPoll();
    EXPECT_EQ(RunInChild([&] { return ChildWorks(other.get(), srcu.get()); },
                         [&] {
                           hold = false;
                           quiet = false;
                         }),
              "exit 0")
        << "fork round " << round;
  }
  // A grandchild: fork from a child that forked under no load.
  if (kPauseAllocatorsAtFork) {
    quiet_acks = 0;
    quiet = true;
    ASSERT_TRUE(Eventually([&] { return quiet_acks.load() == 2; }));
  }
  EXPECT_EQ(RunInChild(
                [&] {
                  // TSan's runtime cannot fork again from such a child.
                  if (!kChildMayStartThreads) return true;
                  if (!ChildWorks(other.get(), srcu.get())) return false;
                  return RunInChild([&] {
                           return ChildWorks(other.get(), srcu.get());
                         }) == "exit 0";
                },
                [&] { quiet = false; }),
            "exit 0");
  // The parent goes on: its updaters still make progress.
  const long before = c_rounds.load();
  EXPECT_TRUE(Eventually([&] { return c_rounds.load() > before + 3; }));
  stop = true;
  for (auto& t : ts) t.join();
  Barrier();
  other->Barrier();
  srcu->Barrier();
}

// Uses the default instance and `other` on every vCPU (a callback thread
// each): in a fork() child, this restarts their threads.
void UseBoth(Rcu* other) {
  for (int cpu = 0; cpu < other->nr_cpu_ids(); ++cpu) {
    RegisterThread();
    other->RegisterThread(cpu);
    Call(&(new Node)->head, FreeNode);
    other->Call(&(new Node)->head, FreeNode);
    other->UnregisterThread();
    UnregisterThread();
  }
  Synchronize();
  other->Synchronize();
}

// UseBoth(), then a fork whose child does the same, `depth` levels down,
// while the parent uses both again (as liburcu's test_urcu_fork does).
bool UseThenFork(Rcu* other, int depth) {
  if (!kChildMayStartThreads) return true;
  UseBoth(other);
  if (depth == 0) {
    Barrier();
    other->Barrier();
    return true;
  }
  return RunInChild([&] { return UseThenFork(other, depth - 1); },
                    [&] { UseBoth(other); }) == "exit 0";
}

// Thread A, the main thread, forks at once after its use of the instances
// restarted their threads (in a fork() child, as liburcu's test_urcu_fork
// does); threads B.. are that use's grace-period and callback threads,
// parking for the fork. A thread that had just parked woke up when the
// next one parked and took the parking mutex to recheck its predicate,
// holding it at the instant of fork(): the child inherited it locked by a
// thread that does not exist there, and hung at its first use of RCU.
TEST(Fork, ForkWhileAParkedThreadRechecksHungTheChildBug) {
  auto other = MakeRcu(8, 4, 4);  // eight callback threads to park
  // About one round in fifty hung; 150 rounds take about a second.
  for (int round = 0; round < 150; ++round) {
    ASSERT_EQ(RunInChild([&] { return UseThenFork(other.get(), 3); }), "exit 0")
        << "round " << round;
  }
}

int CountThreads() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

// fork() + exec() from a program using librcu: the child started librcu's
// threads in the atfork handler, between fork() and exec(). They now start
// on first use only.
TEST(Fork, ForkThenExecStartedThreads) {
  ScopedThread reg;
  Call(&(new Node)->head, FreeNode);
  Synchronize();
  EXPECT_EQ(RunInChild([] { return CountThreads() == 1; }), "exit 0");
  Barrier();
}

// ---- Process exit ----

// A program that returns from main() (or calls exit()) with callbacks
// queued, threads still registered and one of them inside a reader must
// exit cleanly: no crash, no hang.
TEST(ExitDeathTest, ExitWithQueuedCallbacksCrashed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto body = [] {
    RegisterThread();
    static std::atomic<bool> stop{false};
    for (int i = 0; i < 4; ++i) {
      std::thread([] {
        RegisterThread();  // never unregistered
        while (!stop.load()) {
          ReadGuard g;
          Call(&(new Node)->head, FreeNode);
        }
      }).detach();
    }
    std::thread([] {
      RegisterThread();
      ReadLock();  // inside a reader at exit
      for (;;) std::this_thread::sleep_for(1s);
    }).detach();
    for (int i = 0; i < 10000; ++i) Call(&(new Node)->head, FreeNode);
    std::this_thread::sleep_for(20ms);
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Readers in signal handlers (tree.h and srcu.h, "Signal handlers"): the
// read side of rcu instances and SRCU domains is async-signal-safe. An
// outermost unlock that runs while its thread has a lock section open
// defers its special work (preempt.cc, "Deferred work"); these tests pin
// that no handler deadlocks, that deferred work is finished by the thread
// or by the FQS scan, and that a handler's reader holds grace periods.
//
// A test that deadlocks cannot be joined: a watchdog (DieAfter()) prints
// the grace-period state and ends the process with a failure instead of
// letting ctest wait for its timeout.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/plain_mutex.h"
#include "rcu/rcu.h"
#include "rcu/srcu.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using rcu::testing::Eventually;
using rcu::testing::Flag;
using namespace std::chrono_literals;

constexpr uint64_t kAlive = 0x600dcafe;
constexpr uint64_t kPoison = 0xdeadbeef;

int TestSignal() { return SIGRTMIN + 5; }

// What the handler does, set by each test before it sends a signal.
std::atomic<void (*)()> g_on_signal{nullptr};

void OnSignal(int) {
  const int saved_errno = errno;
  if (void (*f)() = g_on_signal.load(std::memory_order_acquire)) f();
  errno = saved_errno;
}

void InstallHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(TestSignal(), &sa, nullptr), 0);
}

// Fails the test and ends the process unless `done` is set within `d`: a
// deadlocked thread can be neither joined nor detached safely.
void DieAfter(const Flag& done, std::chrono::milliseconds d, Rcu* r,
              const char* what) {
  if (done.WaitFor(d)) return;
  std::fprintf(stderr, "[  FAILED  ] deadlock: %s did not finish in %lld ms\n",
               what, static_cast<long long>(d.count()));
  if (r != nullptr) std::fputs(r->DumpGpState().c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(1);
}

std::unique_ptr<Rcu> MakeTree(int cpus, int fanout, int leaf, int fqs_jiffies,
                              ReaderMode mode = ReaderMode::kAuto) {
  Config c;
  c.nr_cpu_ids = cpus;
  c.fanout = fanout;
  c.fanout_leaf = leaf;
  c.reader_mode = mode;
  if (fqs_jiffies > 0) {
    c.jiffies_till_first_fqs = fqs_jiffies;
    c.jiffies_till_next_fqs = fqs_jiffies;
  }
  return *Rcu::Create(c);
}

internal::ReaderWord* MyRec(Rcu& r) {
  return internal::tls_readers.words[r.slot()];
}

// ---------------------------------------------------------------------------
// The deadlock a lock-taking unlock in a handler causes, pinned.

Rcu* g_dl_rcu = nullptr;
std::atomic<int> g_dl_reads{0};
void DeadlockHandler() {
  g_dl_rcu->ReadLock();
  g_dl_rcu->ReadUnlock();
  g_dl_reads.fetch_add(1, std::memory_order_relaxed);
}

// Thread A, registered on vCPU 1 and outside any reader, holds vCPU 1's
// local lock (as Call(), MigrateSelf() or a vCPU scan do), with a
// quiescent-state request (NEED_QS) pending on it; a signal handler on A
// then reads. The handler's outermost unlock must defer the report, which
// would take that very lock: a self-deadlock. After A releases the lock,
// QuiescentState() finishes the deferred work.
TEST(SignalReaders, HandlerUnlockUnderOwnLocalLockSelfDeadlock) {
  InstallHandler();
  auto r = MakeTree(4, 64, 16, 0);
  g_dl_rcu = r.get();
  g_on_signal.store(DeadlockHandler, std::memory_order_release);
  const uint64_t deferred0 = r->GetStats().unlocks_deferred;
  Flag done;
  std::thread a([&] {
    r->RegisterThread(1);
    internal::ReaderWord* t = MyRec(*r);
    RcuData& rdp = r->RdpForTesting(1);
    rdp.local.Lock();
    t->special.fetch_or(internal::kSpecialNeedQs, std::memory_order_relaxed);
    pthread_kill(pthread_self(), TestSignal());
    rdp.local.Unlock();
    EXPECT_NE(t->special.load() & internal::kSpecialNeedQs, 0u)
        << "the handler's unlock did not defer";
    r->QuiescentState();  // a safe point: finishes the deferred request
    EXPECT_EQ(t->special.load() & internal::kSpecialNeedQs, 0u);
    r->UnregisterThread();
    done.Set();
  });
  DieAfter(done, 10s, r.get(), "a handler read under the vCPU's local lock");
  a.join();
  g_on_signal.store(nullptr);
  EXPECT_EQ(g_dl_reads.load(), 1);
  EXPECT_GT(r->GetStats().unlocks_deferred, deferred0);
  r->Synchronize();
}

// ---------------------------------------------------------------------------
// A reader inside a handler holds grace periods (rcu and SRCU).

struct HeldState {
  Rcu* r = nullptr;
  SrcuDomain* srcu = nullptr;
  Flag inside, release;
  std::atomic<int>* rcu_obj = nullptr;
  std::atomic<int>* srcu_obj = nullptr;
  std::atomic<int> bad{0};
};
HeldState* g_held = nullptr;

void HoldingHandler() {
  HeldState& h = *g_held;
  h.r->ReadLock();
  h.r->ReadLock();  // nested inside the handler too
  const int idx = h.srcu->ReadLock();
  h.inside.Set();
  while (!h.release.IsSet()) {
    struct timespec ts = {0, 100'000};
    nanosleep(&ts, nullptr);  // async-signal-safe
  }
  if (h.rcu_obj->load(std::memory_order_relaxed) != 1) h.bad.fetch_add(1);
  if (h.srcu_obj->load(std::memory_order_relaxed) != 1) h.bad.fetch_add(1);
  h.srcu->ReadUnlock(idx);
  h.r->ReadUnlock();
  h.r->ReadUnlock();
}

// A 4-vCPU instance, an SRCU domain and the two objects HoldingHandler()
// checks, with that handler installed.
struct HeldSetup {
  HeldSetup() {
    InstallHandler();
    Config sc;
    sc.nr_cpu_ids = 4;
    srcu = *SrcuDomain::Create(sc, "signal_srcu");
    h.r = r.get();
    h.srcu = srcu.get();
    h.rcu_obj = &rcu_obj;
    h.srcu_obj = &srcu_obj;
    g_held = &h;
    g_on_signal.store(HoldingHandler, std::memory_order_release);
  }
  std::unique_ptr<Rcu> r = MakeTree(4, 2, 2, 0);
  std::unique_ptr<SrcuDomain> srcu;
  std::atomic<int> rcu_obj{1}, srcu_obj{1};
  HeldState h;
};

// Thread A sits outside any reader; a signal handler on A enters an rcu
// and an SRCU reader and stays inside until released. Thread B meanwhile
// runs Synchronize() of each; neither may return (nor "free" the object,
// which the handler checks) before the handler's readers end.
TEST(SignalReaders, HandlerReaderHoldsGracePeriod) {
  HeldSetup setup;
  Rcu* r = setup.r.get();
  SrcuDomain* srcu = setup.srcu.get();
  std::atomic<int>& rcu_obj = setup.rcu_obj;
  std::atomic<int>& srcu_obj = setup.srcu_obj;
  HeldState& h = setup.h;
  Flag registered, a_done;
  std::thread a([&] {
    r->RegisterThread(2);
    srcu->ReadUnlock(srcu->ReadLock());  // lockdep list exists (lockdep.h)
    registered.Set();
    h.release.Wait();
    while (!a_done.IsSet()) std::this_thread::sleep_for(1ms);
    r->UnregisterThread();
  });
  registered.Wait();
  // TSan delivers a signal at the thread's next interceptor: resend until
  // the handler is in (a second, pending delivery just reads and leaves).
  for (int i = 0; i < 100 && !h.inside.IsSet(); ++i) {
    pthread_kill(a.native_handle(), TestSignal());
    h.inside.WaitFor(100ms);
  }
  ASSERT_TRUE(h.inside.IsSet()) << "the signal handler never ran";
  Flag rcu_gp, srcu_gp;
  std::thread b([&] {
    r->Synchronize();
    rcu_obj.store(0);  // "freed"
    rcu_gp.Set();
  });
  std::thread c([&] {
    srcu->Synchronize();
    srcu_obj.store(0);
    srcu_gp.Set();
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(rcu_gp.IsSet()) << "an rcu GP ended under a handler's reader";
  EXPECT_FALSE(srcu_gp.IsSet()) << "an SRCU GP ended under a handler's reader";
  h.release.Set();
  DieAfter(rcu_gp, 20s, r, "Synchronize() after the handler's reader");
  DieAfter(srcu_gp, 20s, r, "SrcuDomain::Synchronize()");
  b.join();
  c.join();
  a_done.Set();
  a.join();
  g_on_signal.store(nullptr);
  EXPECT_EQ(h.bad.load(), 0);
}

// Thread A migrates from vCPU 1 to vCPU 2 outside any reader; between
// its detach from vCPU 1 and its attach to vCPU 2 a signal handler on A
// enters a reader and stays inside until released. Thread B's
// Synchronize() must not return before the handler's reader ends. (The
// move used to drop both vCPUs' local locks there: A was on no vCPU, no
// scan saw the handler's reader, and the grace period ended under it.)
TEST(SignalReaders, HandlerReaderInsideMigrateSelfHoldsGracePeriodBug) {
  HeldSetup setup;
  Rcu* r = setup.r.get();
  SrcuDomain* srcu = setup.srcu.get();
  std::atomic<int>& rcu_obj = setup.rcu_obj;
  HeldState& h = setup.h;
  Flag migrated;
  std::thread a([&] {
    r->RegisterThread(1);
    srcu->ReadUnlock(srcu->ReadLock());  // lockdep list exists (lockdep.h)
    Rcu::SetMigrateHookForTesting([] { raise(TestSignal()); });
    EXPECT_TRUE(r->MigrateSelf(2));
    Rcu::SetMigrateHookForTesting(nullptr);
    migrated.Set();
    r->UnregisterThread();
  });
  // TSan may deliver the signal later, at A's next intercepted call: the
  // handler's reader then begins after the move, which holds grace
  // periods just the same.
  ASSERT_TRUE(h.inside.WaitFor(10s)) << "the signal handler never ran";
  Flag rcu_gp;
  std::thread b([&] {
    r->Synchronize();
    rcu_obj.store(0);  // "freed"
    rcu_gp.Set();
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(rcu_gp.IsSet()) << "an rcu GP ended under a handler's reader";
  h.release.Set();
  DieAfter(rcu_gp, 20s, r, "Synchronize() after the handler's reader");
  b.join();
  a.join();
  EXPECT_TRUE(migrated.IsSet());
  g_on_signal.store(nullptr);
  EXPECT_EQ(h.bad.load(), 0);
}

// ---------------------------------------------------------------------------
// Deferred work outside handlers: a lock section open at the unlock (any
// PlainMutex counts) defers it just the same.

// Thread A enters a reader on vCPU 1 and migrates to vCPU 2 inside it (a
// blocked reader of vCPU 1's leaf), then ends it while holding a lock of
// its own: the dequeue is deferred. A never reads again. Thread B's
// Synchronize() must still return: the FQS scan retires the entry, whose
// reader is over.
TEST(SignalReaders, DeferredDequeueRetiredByFqs) {
  auto r = MakeTree(4, 2, 2, 0);
  Flag deferred, finish;
  PlainMutex mu;
  std::thread a([&] {
    r->RegisterThread(1);
    r->ReadLock();
    r->MigrateSelf(2);
    {
      PlainMutexLock l(mu);
      r->ReadUnlock();  // deferred
    }
    EXPECT_NE(MyRec(*r)->special.load() & internal::kSpecialBlocked, 0u);
    deferred.Set();
    finish.Wait();
    r->UnregisterThread();
  });
  deferred.Wait();
  EXPECT_EQ(r->GetStats().unlocks_deferred, 1u);
  Flag gp;
  std::thread b([&] {
    r->Synchronize();
    r->Synchronize();
    gp.Set();
  });
  DieAfter(gp, 20s, r.get(), "Synchronize() with a deferred blkd entry");
  b.join();
  EXPECT_GE(r->GetStats().deferred_retired, 1u);
  {
    RcuNode& leaf = r->RdpForTesting(1).mynode[0];
    PlainMutexLock l(leaf.lock);
    EXPECT_EQ(leaf.n_blkd, 0);
  }
  finish.Set();
  a.join();
}

// As above, but A reads again: its next outermost unlock, with no lock
// section open, finishes the deferred dequeue itself (no grace period runs,
// so no FQS scan can).
TEST(SignalReaders, DeferredDequeueFinishedByNextUnlock) {
  auto r = MakeTree(4, 2, 2, 0);
  PlainMutex mu;
  std::thread a([&] {
    r->RegisterThread(1);
    r->ReadLock();
    r->MigrateSelf(2);
    {
      PlainMutexLock l(mu);
      r->ReadUnlock();  // deferred
    }
    internal::ReaderWord* t = MyRec(*r);
    EXPECT_NE(t->special.load() & internal::kSpecialBlocked, 0u);
    r->ReadLock();
    r->ReadUnlock();  // finishes it
    EXPECT_EQ(t->special.load() & internal::kSpecialBlocked, 0u);
    EXPECT_EQ(t->rec->blocked_node.load(), nullptr);
    r->UnregisterThread();
  });
  a.join();
  RcuNode& leaf = r->RdpForTesting(1).mynode[0];
  PlainMutexLock l(leaf.lock);
  EXPECT_EQ(leaf.n_blkd, 0);
}

// Thread A on vCPU 3 enters a reader, migrates to vCPU 0 inside it, and
// ends it with a lock section open: a stale BLOCKED (deferred dequeue) on
// vCPU 3's leaf. A then starts a new reader, without migrating, and stays
// inside. A grace period started now must wait for that reader: a vCPU
// scan of vCPU 0 (the first leaf, scanned before vCPU 3's leaf retires the
// stale entry) must not take the stale BLOCKED for "tracked elsewhere".
TEST(SignalReaders, StaleBlockedDoesNotHideLaterReader) {
  auto r = MakeTree(4, 2, 2, 0);
  Flag inside, release;
  PlainMutex mu;
  std::thread a([&] {
    r->RegisterThread(3);
    r->ReadLock();
    r->MigrateSelf(0);
    {
      PlainMutexLock l(mu);
      r->ReadUnlock();  // deferred
    }
    r->ReadLock();
    inside.Set();
    release.Wait();
    r->ReadUnlock();
    r->UnregisterThread();
  });
  inside.Wait();
  const uint64_t cookie = r->StartPoll();
  for (int i = 0; i < 20; ++i) {
    r->ForceQs();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(r->PollState(cookie)) << "a GP ended under a reader\n"
                                     << r->DumpGpState();
  release.Set();
  a.join();
  EXPECT_TRUE(Eventually([&] { return r->PollState(cookie); }));
}

// ---------------------------------------------------------------------------
// The storm.

struct Elem {
  RcuHead head;
  std::atomic<uint64_t> magic{kPoison};
  std::atomic<bool>* free_slot = nullptr;
};

struct Storm {
  Rcu* r = nullptr;
  SrcuDomain* srcu = nullptr;
  std::atomic<Elem*> current{nullptr};
  std::atomic<Elem*> srcu_current{nullptr};
  // What a reader saw that it must not have, by kind of reader: an rcu
  // element poisoned (in a worker's reader, in a handler's before and after
  // its SRCU reader), an SRCU element poisoned (worker, handler), and the
  // handler's SRCU reader unknown to lockdep.
  enum Bad {
    kRcuWorker,
    kRcuHandler,
    kRcuHandlerLate,
    kSrcuWorker,
    kSrcuHandler,
    kSrcuNotHeld,
    kNumBad
  };
  std::atomic<long> bad[kNumBad] = {};
  std::atomic<long> handler_reads{0}, handler_nested{0};
  long BadTotal() const {
    long n = 0;
    for (const auto& b : bad) n += b.load();
    return n;
  }
  std::string BadKinds() const {
    static const char* const kNames[] = {
        "rcu worker",  "rcu handler",  "rcu handler after srcu",
        "srcu worker", "srcu handler", "srcu not held"};
    std::string out;
    for (int i = 0; i < kNumBad; ++i)
      out += std::string(kNames[i]) + " " + std::to_string(bad[i].load()) +
             (i + 1 < kNumBad ? ", " : "");
    return out;
  }
};
std::atomic<Storm*> g_storm{nullptr};
// Set on a storm thread while the handler may read on it (registered with
// the instance and its lockdep list created).
thread_local constinit bool t_storm_ready = false;
thread_local constinit unsigned t_storm_count = 0;

void StormHandler() {
  Storm* s = g_storm.load(std::memory_order_acquire);
  if (s == nullptr || !t_storm_ready) return;
  const bool nested = s->r->ReadLockHeld();  // interrupted inside a reader
  s->r->ReadLock();
  const bool twice = (++t_storm_count & 3) == 0;
  if (twice) s->r->ReadLock();
  Elem* e = Dereference(s->current, *s->r);
  if (e != nullptr && e->magic.load(std::memory_order_relaxed) != kAlive)
    s->bad[Storm::kRcuHandler].fetch_add(1, std::memory_order_relaxed);
  const int idx = s->srcu->ReadLock();
  Elem* se = SrcuDereference(s->srcu_current, *s->srcu);
  if (se != nullptr && se->magic.load(std::memory_order_relaxed) != kAlive)
    s->bad[Storm::kSrcuHandler].fetch_add(1, std::memory_order_relaxed);
  if (!s->srcu->ReadLockHeld())
    s->bad[Storm::kSrcuNotHeld].fetch_add(1, std::memory_order_relaxed);
  s->srcu->ReadUnlock(idx);
  if (e != nullptr && e->magic.load(std::memory_order_relaxed) != kAlive)
    s->bad[Storm::kRcuHandlerLate].fetch_add(1, std::memory_order_relaxed);
  if (twice) s->r->ReadUnlock();
  s->r->ReadUnlock();
  s->handler_reads.fetch_add(1, std::memory_order_relaxed);
  if (nested) s->handler_nested.fetch_add(1, std::memory_order_relaxed);
}

// A pool of elements; retiring one poisons it and frees its slot.
class Pool {
 public:
  explicit Pool(int n) : elems_(n), free_(n) {
    for (int i = 0; i < n; ++i) {
      elems_[i].free_slot = &free_[i];
      free_[i].store(true);
    }
  }
  // A free element, made alive; null if none is free.
  Elem* Take() {
    for (size_t k = 0; k < elems_.size(); ++k) {
      next_ = (next_ + 1) % elems_.size();
      if (free_[next_].load(std::memory_order_acquire)) {
        free_[next_].store(false, std::memory_order_relaxed);
        elems_[next_].magic.store(kAlive, std::memory_order_relaxed);
        return &elems_[next_];
      }
    }
    return nullptr;
  }
  static void Retire(Elem* e) {
    e->magic.store(kPoison, std::memory_order_relaxed);
    e->free_slot->store(true, std::memory_order_release);
  }
  static void RetireCb(RcuHead* h) { Retire(reinterpret_cast<Elem*>(h)); }

 private:
  std::vector<Elem> elems_;
  std::vector<std::atomic<bool>> free_;
  size_t next_ = 0;
};

class SignalStorm : public ::testing::TestWithParam<ReaderMode> {};

// Thread A and thread B (workers) loop over everything a thread does with
// the library: readers (nested, migrating to another vCPU inside, ending
// with a lock section open), QuiescentState(), MigrateSelf() outside a
// reader, Call(), Barrier(), SynchronizeExpedited(), SRCU readers and
// Synchronize(). Thread W (rcu writer) and thread S (SRCU writer) replace
// their protected element and retire the old one after a grace period
// (poisoning it). Thread H takes vCPUs offline and back online. Thread X
// sends a signal every ~20 us to A, B, W, S and H in turn; the handler does
// one outermost or nested rcu reader (sometimes doubly nested) with an SRCU
// reader inside, and checks that neither element it sees was poisoned.
// Meanwhile the main thread checks that grace periods still complete.
TEST_P(SignalStorm, NoDeadlockNoEarlyFree) {
  InstallHandler();
  auto r = MakeTree(8, 2, 2, 0, GetParam());
  Config sc;
  sc.nr_cpu_ids = 8;
  sc.fanout_leaf = 2;
  auto srcu = *SrcuDomain::Create(sc, "storm_srcu");
  Storm st;
  st.r = r.get();
  st.srcu = srcu.get();
  Pool rpool(64), spool(64);
  st.current.store(rpool.Take());
  st.srcu_current.store(spool.Take());
  g_storm.store(&st, std::memory_order_release);
  g_on_signal.store(StormHandler, std::memory_order_release);

  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<long> worker_ops{0};
  auto enter = [&](int cpu) {
    r->RegisterThread(cpu);
    srcu->ReadUnlock(srcu->ReadLock());  // lockdep list exists (lockdep.h)
    t_storm_ready = true;
    ready.fetch_add(1);
  };
  // A thread that left stays until the storm is over: no signal may be
  // sent to a thread that exited.
  std::atomic<int> left{0};
  std::atomic<bool> stop_signals{false};
  auto leave = [&] {
    t_storm_ready = false;
    r->UnregisterThread();
    left.fetch_add(1);
    while (!stop_signals.load()) std::this_thread::sleep_for(1ms);
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      enter(w);
      std::minstd_rand rng(w + 1);
      PlainMutex mu;
      std::vector<Elem> cbs(8);
      std::vector<std::atomic<bool>> cb_free(8);
      for (int i = 0; i < 8; ++i) {
        cbs[i].free_slot = &cb_free[i];
        cb_free[i].store(true);
      }
      while (!stop.load(std::memory_order_relaxed)) {
        switch (rng() % 10) {
          case 0:
          case 1:
          case 2: {  // a reader, maybe nested, maybe migrating inside
            r->ReadLock();
            const bool nest = rng() % 3 == 0;
            if (nest) r->ReadLock();
            Elem* e = Dereference(st.current, *r);
            if (rng() % 2) r->MigrateSelf(static_cast<int>(rng() % 8));
            if (rng() % 8 == 0) std::this_thread::yield();
            if (e->magic.load(std::memory_order_relaxed) != kAlive)
              st.bad[Storm::kRcuWorker].fetch_add(1);
            if (nest) r->ReadUnlock();
            if (rng() % 2) {
              PlainMutexLock l(mu);  // a lock section: the unlock defers
              r->ReadUnlock();
            } else {
              r->ReadUnlock();
            }
            break;
          }
          case 3:
            r->QuiescentState();
            break;
          case 4:
            r->MigrateSelf(static_cast<int>(rng() % 8));
            break;
          case 5: {
            const int i = static_cast<int>(rng() % 8);
            if (cb_free[i].load(std::memory_order_acquire)) {
              cb_free[i].store(false, std::memory_order_relaxed);
              r->Call(&cbs[i].head, Pool::RetireCb);
            }
            break;
          }
          case 6:
            if (rng() % 8 == 0) r->Barrier();
            break;
          case 7:
            if (rng() % 4 == 0) r->SynchronizeExpedited();
            break;
          case 8: {
            const int idx = srcu->ReadLock();
            Elem* e = SrcuDereference(st.srcu_current, *srcu);
            if (rng() % 8 == 0) std::this_thread::yield();
            if (e->magic.load(std::memory_order_relaxed) != kAlive)
              st.bad[Storm::kSrcuWorker].fetch_add(1);
            srcu->ReadUnlock(idx);
            break;
          }
          default:
            if (rng() % 8 == 0) r->Synchronize();
            break;
        }
        worker_ops.fetch_add(1, std::memory_order_relaxed);
      }
      r->Barrier();  // the callbacks on `cbs` ran
      leave();
    });
  }
  // W (rcu) and S (SRCU): replace the element, then free the old one after
  // a grace period of one of the first `kinds` sorts (normal, callback,
  // expedited).
  auto writer = [&](auto& dom, Pool& pool, std::atomic<Elem*>& cur, int cpu,
                    unsigned seed, unsigned kinds) {
    enter(cpu);
    std::minstd_rand rng(seed);
    while (!stop.load(std::memory_order_relaxed)) {
      Elem* e = pool.Take();
      if (e == nullptr) {
        dom.Barrier();
        continue;
      }
      Elem* old = cur.exchange(e, std::memory_order_acq_rel);
      switch (rng() % kinds) {
        case 0:
          dom.Synchronize();
          Pool::Retire(old);
          break;
        case 1:
          dom.Call(&old->head, Pool::RetireCb);
          break;
        default:
          dom.SynchronizeExpedited();
          Pool::Retire(old);
          break;
      }
    }
    dom.Barrier();
    leave();
  };
  threads.emplace_back([&] { writer(*r, rpool, st.current, 4, 7, 3); });
  threads.emplace_back([&] { writer(*srcu, spool, st.srcu_current, 5, 8, 2); });
  threads.emplace_back([&] {  // H: hotplug
    enter(6);
    std::minstd_rand rng(9);
    while (!stop.load(std::memory_order_relaxed)) {
      const int cpu = 1 + static_cast<int>(rng() % 7);
      if (r->OfflineCpu(cpu).ok()) {
        std::this_thread::sleep_for(500us);
        EXPECT_TRUE(r->OnlineCpu(cpu).ok());
      }
      std::this_thread::sleep_for(500us);
    }
    leave();
  });
  const size_t n_targets = threads.size();
  while (ready.load() < static_cast<int>(n_targets))
    std::this_thread::sleep_for(1ms);
  std::vector<pthread_t> targets;
  for (auto& t : threads) targets.push_back(t.native_handle());
  std::atomic<long> sent{0};
  std::thread x([&] {  // X: the signal storm
    size_t i = 0;
    while (!stop_signals.load(std::memory_order_relaxed)) {
      pthread_kill(targets[i++ % targets.size()], TestSignal());
      sent.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(20us);
    }
  });

  // Grace periods complete during the storm, within bounded time.
  const auto end = std::chrono::steady_clock::now() + 2s;
  int gps = 0;
  while (std::chrono::steady_clock::now() < end) {
    Flag gp;
    std::thread g([&] {
      r->Synchronize();
      srcu->Synchronize();
      gp.Set();
    });
    DieAfter(gp, 30s, r.get(), "a grace period during the signal storm");
    g.join();
    ++gps;
  }
  stop.store(true);
  Flag all_left;
  std::thread watcher([&] {
    while (left.load() < static_cast<int>(n_targets))
      std::this_thread::sleep_for(1ms);
    all_left.Set();
  });
  DieAfter(all_left, 60s, r.get(), "the storm's threads");
  watcher.join();
  stop_signals.store(true);
  x.join();
  for (auto& t : threads) t.join();
  g_on_signal.store(nullptr);
  g_storm.store(nullptr);
  r->Barrier();
  srcu->Barrier();

  const RcuStats s = r->GetStats();
  std::printf(
      "signals %ld, handler reads %ld (%ld nested), worker ops %ld, "
      "grace periods %d, unlocks deferred %lu, deferred entries retired by "
      "FQS %lu, hotplug ops %lu\n",
      sent.load(), st.handler_reads.load(), st.handler_nested.load(),
      worker_ops.load(), gps, static_cast<unsigned long>(s.unlocks_deferred),
      static_cast<unsigned long>(s.deferred_retired),
      static_cast<unsigned long>(s.hotplug_ops));
  EXPECT_EQ(st.BadTotal(), 0)
      << "a reader saw a poisoned element: " << st.BadKinds();
  EXPECT_GT(st.handler_reads.load(), 100);
  EXPECT_GT(st.handler_nested.load(), 0);
  EXPECT_GT(s.unlocks_deferred, 0u);
  EXPECT_GT(gps, 2);
}

INSTANTIATE_TEST_SUITE_P(Modes, SignalStorm,
                         ::testing::Values(ReaderMode::kAuto,
                                           ReaderMode::kFences));

}  // namespace
}  // namespace rcu

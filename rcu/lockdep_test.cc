// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Tests of lockdep-RCU: the checked accessors, rcu::Mutex, the held-locks
// list, the splat's shape and the switches.
#include "rcu/lockdep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/debugging/symbolize.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "rcu/internal/test_util.h"
#include "rcu/mutex.h"
#include "rcu/rcu.h"

namespace rcu {
namespace {

using testing::Flag;
using ::testing::HasSubstr;
using testing::MakeRcu;
using ::testing::Not;

// Lockdep on, splats captured (test_util.h).
using Lockdep = testing::LockdepTest;

// ---- The example of "Lockdep-RCU" (LWN, 2010): cfq_exit_queue(). ----

struct CfqIoContext {
  int key = 0;
};
struct IoContext {
  std::atomic<CfqIoContext*> ioc_data{nullptr};
};
struct RequestQueue {
  Mutex scan_mutex{"&shost->scan_mutex"};
  Mutex queue_lock{"&q->queue_lock"};
};

// __cfq_exit_single_io_context() as it was: rcu_dereference() with only the
// queue lock held.
constexpr int kBuggyLine = __LINE__ + 2;
[[gnu::noinline]] bool CfqExitSingleBuggy(IoContext* ioc, CfqIoContext* cic) {
  return Dereference(ioc->ioc_data) == cic;
}
// Fix 1: say which lock protects the pointer.
[[gnu::noinline]] bool CfqExitSingleProtected(RequestQueue* q, IoContext* ioc,
                                              CfqIoContext* cic) {
  return DereferenceProtected(ioc->ioc_data, q->queue_lock.IsHeld()) == cic;
}
// Fix 2: a read-side critical section spanning the use.
[[gnu::noinline]] bool CfqExitSingleReader(IoContext* ioc, CfqIoContext* cic) {
  ReadGuard g;
  return Dereference(ioc->ioc_data) == cic;
}
// Fix 3: the pointer is only compared.
[[gnu::noinline]] bool CfqExitSingleAccess(IoContext* ioc, CfqIoContext* cic) {
  return AccessPointer(ioc->ioc_data) == cic;
}

constexpr int kQueueLockLine = __LINE__ + 4;
template <typename F>
void CfqExitQueue(RequestQueue* q, F exit_single) {
  MutexLock scan(q->scan_mutex);
  q->queue_lock.Lock();
  exit_single();
  q->queue_lock.Unlock();
}

TEST_F(Lockdep, CfqExitQueueSplatsOnceWithHeldLocks) {
  ScopedThread reg;
  RequestQueue q;
  IoContext ioc;
  CfqIoContext cic;
  ioc.ioc_data.store(&cic);
  // The same buggy site, twice: one splat.
  for (int i = 0; i < 2; ++i) {
    CfqExitQueue(&q, [&] { EXPECT_TRUE(CfqExitSingleBuggy(&ioc, &cic)); });
  }
  ASSERT_EQ(Splats(), 1u);
  const std::string s = Last();
  EXPECT_THAT(s, HasSubstr("WARNING: suspicious RCU usage\n"));
  EXPECT_THAT(s,
              HasSubstr(fmt::format("{}:{} suspicious Dereference() usage!\n",
                                    __FILE__, kBuggyLine)));
  EXPECT_THAT(s, HasSubstr("rcu reader nesting: default 0\n"));
  EXPECT_THAT(s, HasSubstr("2 locks held by "));
  EXPECT_THAT(s, HasSubstr(fmt::format(" (&q->queue_lock){{mutex}}, at: {}:{} ",
                                       __FILE__, kQueueLockLine)));
  EXPECT_THAT(s, HasSubstr(" #0: "));
  EXPECT_THAT(s, HasSubstr(" (&shost->scan_mutex){mutex}"));
  // The backtrace is symbolized and names the buggy function.
  EXPECT_THAT(s, HasSubstr("stack backtrace:\n"));
  EXPECT_THAT(s, HasSubstr("CfqExitSingleBuggy"));
}

TEST_F(Lockdep, CfqExitQueueFixesAreSilent) {
  ScopedThread reg;
  RequestQueue q;
  IoContext ioc;
  CfqIoContext cic;
  ioc.ioc_data.store(&cic);
  CfqExitQueue(&q,
               [&] { EXPECT_TRUE(CfqExitSingleProtected(&q, &ioc, &cic)); });
  CfqExitQueue(&q, [&] { EXPECT_TRUE(CfqExitSingleReader(&ioc, &cic)); });
  CfqExitQueue(&q, [&] { EXPECT_TRUE(CfqExitSingleAccess(&ioc, &cic)); });
  EXPECT_EQ(Splats(), 0u) << Last();
  // Fix 1 without the lock is still caught.
  EXPECT_TRUE(CfqExitSingleProtected(&q, &ioc, &cic));
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious DereferenceProtected() usage!"));
  EXPECT_THAT(Last(), HasSubstr("no locks held by "));
}

// ---- Each accessor. ----

TEST_F(Lockdep, DereferenceDefaultInstance) {
  ScopedThread reg;
  int v = 1;
  std::atomic<int*> p{&v};
  {
    ReadGuard g;
    EXPECT_TRUE(ReadLockHeld());
    EXPECT_EQ(Dereference(p), &v);
    {
      ReadGuard nested;
      EXPECT_EQ(Dereference(p), &v);
    }
    EXPECT_EQ(Dereference(p), &v);  // still inside the outer section
  }
  EXPECT_EQ(Splats(), 0u);
  EXPECT_FALSE(ReadLockHeld());
  EXPECT_EQ(Dereference(p), &v);
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious Dereference() usage!"));
}

TEST_F(Lockdep, ReaderOfOneInstanceDoesNotCoverAnother) {
  auto a = MakeRcu(2);
  auto b = MakeRcu(2);
  a->RegisterThread();
  b->RegisterThread();
  int v = 1;
  std::atomic<int*> p{&v};
  a->ReadLock();
  EXPECT_EQ(Dereference(p, *a), &v);
  EXPECT_EQ(Splats(), 0u);
  EXPECT_EQ(Dereference(p, *b), &v);
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr(fmt::format("rcu reader nesting: rcu#{} 1, rcu#{} 0\n",
                                    a->slot(), b->slot())));
  EXPECT_EQ(Dereference(p), &v);  // nor the default instance
  EXPECT_EQ(Splats(), 2u);
  EXPECT_EQ(DereferenceCheck(p, *a, false), &v);
  EXPECT_EQ(Splats(), 2u);
  a->ReadUnlock();
  b->ReadLock();
  EXPECT_EQ(Dereference(p, *b), &v);
  EXPECT_EQ(Splats(), 2u);
  b->ReadUnlock();
  {
    ScopedThread reg;
    ReadGuard g;  // a default-instance reader covers neither A nor B
    EXPECT_EQ(Dereference(p), &v);
    EXPECT_EQ(Splats(), 2u);
    EXPECT_EQ(Dereference(p, *a), &v);
    EXPECT_EQ(Splats(), 3u);
  }
  a->UnregisterThread();
  b->UnregisterThread();
}

TEST_F(Lockdep, DereferenceOnUnregisteredThread) {
  auto a = MakeRcu(2);
  int v = 1;
  std::atomic<int*> p{&v};
  EXPECT_EQ(Dereference(p, *a), &v);
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr("RCU used illegally from a thread not registered "
                        "with the instance!\n"));
}

TEST_F(Lockdep, DereferenceCheck) {
  ScopedThread reg;
  int v = 1;
  std::atomic<int*> p{&v};
  Mutex mu;
  {
    MutexLock l(mu);
    EXPECT_EQ(DereferenceCheck(p, mu.IsHeld()), &v);  // the lock
  }
  {
    ReadGuard g;
    EXPECT_EQ(DereferenceCheck(p, mu.IsHeld()), &v);  // or a reader
  }
  EXPECT_EQ(Splats(), 0u);
  EXPECT_EQ(DereferenceCheck(p, mu.IsHeld()), &v);  // neither
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious DereferenceCheck() usage!"));
}

// The instance form: a reader of that instance or the condition, and a
// reader of another instance (or the default one) is neither.
TEST_F(Lockdep, DereferenceCheckOnInstance) {
  auto a = MakeRcu(2);
  a->RegisterThread();
  ScopedThread reg;  // the default instance too
  int v = 1;
  std::atomic<int*> p{&v};
  Mutex mu;
  {
    MutexLock l(mu);
    EXPECT_EQ(DereferenceCheck(p, *a, mu.IsHeld()), &v);  // the lock alone
  }
  a->ReadLock();
  EXPECT_EQ(DereferenceCheck(p, *a, mu.IsHeld()), &v);  // or A's reader
  a->ReadUnlock();
  EXPECT_EQ(Splats(), 0u);
  {
    ReadGuard g;  // a default-instance reader does not cover A
    EXPECT_EQ(DereferenceCheck(p, *a, mu.IsHeld()), &v);
  }
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious DereferenceCheck() usage!"));
  EXPECT_THAT(Last(), HasSubstr(fmt::format("rcu#{} 0", a->slot())));
  EXPECT_EQ(DereferenceCheck(p, *a, mu.IsHeld()), &v);  // neither, another site
  EXPECT_EQ(Splats(), 2u);
  a->UnregisterThread();
}

TEST_F(Lockdep, DereferenceProtectedIgnoresReaders) {
  ScopedThread reg;
  int v = 1, w = 2;
  std::atomic<int*> p{&v};
  Mutex mu;
  {
    MutexLock l(mu);
    EXPECT_EQ(DereferenceProtected(p, mu.IsHeld()), &v);
    EXPECT_EQ(ReplacePointer(p, &w, mu.IsHeld()), &v);
  }
  EXPECT_EQ(Splats(), 0u);
  {
    ReadGuard g;  // a reader does not protect an update-side access
    EXPECT_EQ(DereferenceProtected(p, mu.IsHeld()), &w);
  }
  EXPECT_EQ(Splats(), 1u);
  EXPECT_EQ(ReplacePointer(p, &v, mu.IsHeld()), &w);
  EXPECT_EQ(Splats(), 2u);
  EXPECT_THAT(Last(), HasSubstr("suspicious ReplacePointer() usage!"));
}

TEST_F(Lockdep, AccessPointerNeverSplats) {
  int v = 1;
  std::atomic<int*> p{&v};
  EXPECT_EQ(AccessPointer(p), &v);  // no reader, no lock, not registered
  EXPECT_EQ(Splats(), 0u);
}

TEST_F(Lockdep, CheckMacroEquivalent) {
  lockdep::Check(true, "fine");
  EXPECT_EQ(Splats(), 0u);
  lockdep::Check(false, "Callback enqueued on offline CPU");
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("Callback enqueued on offline CPU!\n"));
}

// A check of the program's own: the library's splat, counted, once per
// site, with no frame of ReportSuspiciousUse() in the backtrace.
TEST_F(Lockdep, ReportSuspiciousUse) {
  const SourceLocation site = SourceLocation::current();
  for (int i = 0; i < 2; ++i)
    lockdep::ReportSuspiciousUse("suspicious MyDeref() usage", site);
  EXPECT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("WARNING: suspicious RCU usage\n"));
  EXPECT_THAT(Last(),
              HasSubstr(fmt::format("{}:{} suspicious MyDeref() usage!\n",
                                    site.file_name(), site.line())));
  EXPECT_THAT(Last(), HasSubstr("stack backtrace:\n"));
  EXPECT_THAT(Last(), Not(HasSubstr("lockdep::ReportSuspiciousUse")));
}

// ---- Once per site, the counter and the switch. ----

TEST_F(Lockdep, OncePerCallSite) {
  int v = 1;
  std::atomic<int*> p{&v};
  for (int i = 0; i < 3; ++i) Dereference(p);  // one site
  EXPECT_EQ(Splats(), 1u);
  Dereference(p);  // another site
  EXPECT_EQ(Splats(), 2u);
  Dereference(p);
  Dereference(p);  // same line, two columns: two sites
  EXPECT_EQ(Splats(), 4u);
}

// Threads A..D run the same buggy site at once: exactly one splat.
TEST_F(Lockdep, OncePerCallSiteUnderConcurrency) {
  int v = 1;
  std::atomic<int*> p{&v};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) {
    ts.emplace_back([&] {
      for (int j = 0; j < 100; ++j) Dereference(p);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(Splats(), 1u);
}

TEST_F(Lockdep, RuntimeSwitch) {
  int v = 1;
  std::atomic<int*> p{&v};
  lockdep::SetEnabled(false);
  EXPECT_FALSE(lockdep::Enabled());
  Dereference(p);
  DereferenceProtected(p, false);
  EXPECT_EQ(Splats(), 0u);
  Mutex mu;
  mu.Lock();
  EXPECT_TRUE(mu.IsHeld());            // works with lockdep off
  EXPECT_FALSE(lockdep::IsHeld(&mu));  // but is not on the list
  lockdep::SetEnabled(true);
  mu.Unlock();  // switched on while held: fine
  EXPECT_EQ(lockdep::HeldCount(), 0);
  Dereference(p);
  EXPECT_EQ(Splats(), 1u);
  EXPECT_TRUE(lockdep::CompiledIn());
}

// ---- Locks and the held-locks list across threads. ----

// Thread B takes the lock and holds it; thread A (the test) then checks that
// the lock does not count as held by A, and that A's update-side access
// splats; B's own check is silent.
TEST_F(Lockdep, LockHeldByAnotherThreadDoesNotCount) {
  Mutex mu{"other_lock"};
  int v = 1;
  std::atomic<int*> p{&v};
  Flag locked, checked;
  std::thread b([&] {
    MutexLock l(mu);
    EXPECT_TRUE(mu.IsHeld());
    EXPECT_TRUE(lockdep::IsHeld(&mu));
    EXPECT_EQ(DereferenceProtected(p, mu.IsHeld()), &v);
    locked.Set();
    checked.Wait();
  });
  locked.Wait();
  EXPECT_FALSE(mu.IsHeld());
  EXPECT_FALSE(lockdep::IsHeld(&mu));
  EXPECT_EQ(DereferenceProtected(p, mu.IsHeld()), &v);
  checked.Set();
  b.join();
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("no locks held by "));
  EXPECT_THAT(Last(), Not(HasSubstr("other_lock")));
}

// Thread B enters a plug-in reader (an SRCU-style domain) and exits the
// critical section's owner role; thread A releases it, as SRCU allows: the
// entry leaves B's list, with no splat.
TEST_F(Lockdep, ReleaseOnAnotherThreadRemovesOwnersEntry) {
  int domain = 0;
  Flag acquired, released;
  std::atomic<int> b_count{-1};
  std::thread b([&] {
    lockdep::Acquire(&domain, "my_srcu", lockdep::Kind::kSrcuReader);
    EXPECT_TRUE(lockdep::IsHeld(&domain));
    acquired.Set();
    released.Wait();
    b_count.store(lockdep::HeldCount());
  });
  acquired.Wait();
  EXPECT_FALSE(lockdep::IsHeld(&domain));
  lockdep::Release(&domain);
  released.Set();
  b.join();
  EXPECT_EQ(b_count.load(), 0);
  lockdep::Release(&domain);  // nowhere: ignored
  EXPECT_EQ(Splats(), 0u);
}

TEST_F(Lockdep, PluginEntriesAreListedWithKind) {
  int domain = 0;
  lockdep::Acquire(&domain, "my_srcu", lockdep::Kind::kSrcuReader);
  lockdep::Check(false, "plug-in check");
  lockdep::Release(&domain);
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("1 lock held by "));
  EXPECT_THAT(Last(), HasSubstr(" (my_srcu){srcu reader}, at: "));
  EXPECT_EQ(lockdep::HeldCount(), 0);
}

// ---- Reader misuse the library reports. ----

TEST_F(Lockdep, UnregisterInsideReaderSplats) {
  auto a = MakeRcu(2);
  a->RegisterThread();
  a->ReadLock();
  a->ReadLock();
  a->UnregisterThread();
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr("Thread unregistered (or exited) inside RCU "
                        "read-side critical section of rcu, nesting 2"));
  // The reader was ended: grace periods do not wait for it.
  a->SynchronizeExpedited();
  a->Synchronize();
}

// Thread B registers, enters a reader and exits without leaving it; the
// thread-exit hook unregisters it with a splat (counted once per site, so
// this test resets the sites first).
TEST_F(Lockdep, ThreadExitInsideReaderSplats) {
  lockdep::internal::ResetWarnedSitesForTesting();
  auto a = MakeRcu(2);
  std::thread b([&] {
    a->RegisterThread();
    a->ReadLock();
  });
  b.join();
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("Thread unregistered (or exited) inside RCU"));
  a->Synchronize();
}

using LockdepDeathTest = Lockdep;

TEST_F(LockdepDeathTest, WaitsInsideReaderSplatThenAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const char* kSplat =
      "WARNING: suspicious RCU usage(.|\n)*Illegal Synchronize\\(\\) in RCU "
      "read-side critical section!(.|\n)*rcu reader nesting: rcu#[0-9]+ 1";
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        auto r = MakeRcu(2);
        r->RegisterThread();
        r->ReadLock();
        r->Synchronize();
      },
      kSplat);
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        auto r = MakeRcu(2);
        r->RegisterThread();
        r->ReadLock();
        r->SynchronizeExpedited();
      },
      "Illegal SynchronizeExpedited\\(\\) in RCU read-side critical section!");
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        auto r = MakeRcu(2);
        r->RegisterThread();
        r->ReadLock();
        r->Barrier();
      },
      "Illegal Barrier\\(\\) in RCU read-side critical section!");
}

// ---- The splat's shape (golden). ----

// Masks what changes from run to run: addresses, the tid, the build line
// and the backtrace's frames (at least one frame is required). No
// std::regex: g++ 12 warns inside <regex> under ASan.
std::string Mask(const std::string& in) {
  auto is_hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  };
  std::string s;
  for (size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "0x") == 0 && i + 2 < in.size() && is_hex(in[i + 2])) {
      s += "ADDR";
      i += 2;
      while (i < in.size() && is_hex(in[i])) ++i;
    } else {
      s += in[i++];
    }
  }
  std::vector<std::string> lines = absl::StrSplit(s, '\n');
  std::string out;
  bool in_trace = false;
  int frames = 0;
  bool bad = false;
  for (size_t i = 0;
       i + 1 < lines.size() || (i < lines.size() && !lines[i].empty()); ++i) {
    std::string l = lines[i];
    if (in_trace) {
      if (absl::StartsWith(l, " [<ADDR>] ") && l.size() > 10) {
        ++frames;
      } else {
        bad = true;
      }
      continue;
    }
    if (absl::StartsWith(l, "librcu ") && absl::EndsWith(l, " Not tainted"))
      l = "BUILD Not tainted";
    if (size_t h = l.find("held by "); h != std::string::npos) {
      if (size_t slash = l.find('/', h); slash != std::string::npos) {
        size_t e = slash + 1;
        while (e < l.size() && l[e] >= '0' && l[e] <= '9') ++e;
        l = l.substr(0, slash + 1) + "TID" + l.substr(e);
      }
    }
    out += l + "\n";
    if (l == "stack backtrace:") in_trace = true;
  }
  if (in_trace) out += (frames > 0 && !bad) ? "FRAMES\n" : "BAD FRAMES\n";
  return out;
}

TEST_F(Lockdep, GoldenSplatShape) {
  ScopedThread reg;
  pthread_setname_np(pthread_self(), "golden");
  Mutex mu{"golden_lock"};
  SourceLocation lock_site = SourceLocation::current();
  mu.Lock(lock_site);
  SourceLocation site = SourceLocation::current();
  std::string s =
      lockdep::internal::FormatSplat("suspicious Dereference() usage", site, 0);
  mu.Unlock();
  const std::string expected = fmt::format(
      "=============================\n"
      "WARNING: suspicious RCU usage\n"
      "BUILD Not tainted\n"
      "-----------------------------\n"
      "{0}:{1} suspicious Dereference() usage!\n"
      "\n"
      "other info that might help us debug this:\n"
      "\n"
      "rcu_scheduler_active = 2, debug_locks = 1, rcu reader nesting: default "
      "0\n"
      "1 lock held by golden/TID:\n"
      " #0: ADDR (golden_lock){{mutex}}, at: {0}:{2} {3}\n"
      "\n"
      "stack backtrace:\n"
      "FRAMES\n",
      __FILE__, site.line(), lock_site.line(), lock_site.function_name());
  EXPECT_EQ(Mask(s), expected) << s;
  EXPECT_EQ(Splats(), 0u);  // FormatSplat only formats
}

TEST_F(Lockdep, GoldenNoLocksUnregistered) {
  std::thread t([] {
    pthread_setname_np(pthread_self(), "bare");
    SourceLocation site = SourceLocation::current();
    std::string s = lockdep::internal::FormatSplat("msg", site, -1);
    EXPECT_THAT(
        Mask(s),
        HasSubstr(fmt::format(
            "{}:{} msg!\n\nother info that might help us debug this:\n\n"
            "rcu_scheduler_active = 2, debug_locks = 1, rcu reader "
            "nesting: unregistered\nno locks held by bare/TID.\n\n"
            "stack backtrace:\nFRAMES\n",
            __FILE__, site.line())));
  });
  t.join();
}

}  // namespace
}  // namespace rcu

int main(int argc, char** argv) {
  absl::InitializeSymbolizer(argv[0]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

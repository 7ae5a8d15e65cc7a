// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Tests of lockdep-RCU for SRCU domains (srcu.h): SrcuDereference() and
// SrcuDereferenceCheck(), ReadLockHeld(), readers on the held-locks list
// (nested, ended on another thread), Synchronize()/Barrier() inside a
// reader, and Cleanup() with readers inside.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "absl/debugging/symbolize.h"
#include "fmt/format.h"
#include "rcu/internal/test_util.h"
#include "rcu/lockdep.h"
#include "rcu/mutex.h"
#include "rcu/rcu.h"
#include "rcu/srcu.h"

namespace rcu {
namespace {

using testing::Flag;
using ::testing::HasSubstr;
using ::testing::Not;

// Lockdep on, splats captured (test_util.h).
using SrcuLockdep = testing::LockdepTest;

std::unique_ptr<SrcuDomain> MakeDomain(const char* name) {
  Config c;
  c.nr_cpu_ids = 4;
  auto d = SrcuDomain::Create(c, name);
  return d.ok() ? *std::move(d) : nullptr;
}

SrcuDomain g_static_domain{"srcu_static"};

TEST_F(SrcuLockdep, SrcuDereferenceInsideReaderIsSilent) {
  auto d = MakeDomain("dom_a");
  ASSERT_NE(d, nullptr);
  int v = 1;
  std::atomic<int*> p{&v};
  EXPECT_FALSE(d->ReadLockHeld());
  const int idx = d->ReadLock();
  EXPECT_TRUE(d->ReadLockHeld());
  EXPECT_EQ(SrcuDereference(p, *d), &v);
  EXPECT_EQ(SrcuDereferenceCheck(p, *d, false), &v);
  d->ReadUnlock(idx);
  EXPECT_FALSE(d->ReadLockHeld());
  EXPECT_EQ(lockdep::HeldCount(), 0);
  EXPECT_EQ(Splats(), 0u);
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

TEST_F(SrcuLockdep, SrcuDereferenceOutsideReaderSplats) {
  auto d = MakeDomain("dom_a");
  int v = 1;
  std::atomic<int*> p{&v};
  const int line = __LINE__ + 1;
  EXPECT_EQ(SrcuDereference(p, *d), &v);
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr(fmt::format("{}:{} suspicious SrcuDereference() usage!",
                                    __FILE__, line)));
  EXPECT_THAT(Last(), HasSubstr("no locks held by "));
}

TEST_F(SrcuLockdep, SrcuDereferenceCheckTakesTheCondition) {
  auto d = MakeDomain("dom_a");
  Mutex mu{"upd_lock"};
  int v = 1;
  std::atomic<int*> p{&v};
  {
    MutexLock l(mu);
    EXPECT_EQ(SrcuDereferenceCheck(p, *d, mu.IsHeld()), &v);
  }
  EXPECT_EQ(Splats(), 0u);
  EXPECT_EQ(SrcuDereferenceCheck(p, *d, mu.IsHeld()), &v);
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious SrcuDereferenceCheck() usage!"));
}

TEST_F(SrcuLockdep, ReaderOfDomainADoesNotCoverDomainB) {
  auto a = MakeDomain("dom_a");
  auto b = MakeDomain("dom_b");
  int v = 1;
  std::atomic<int*> p{&v};
  const int idx = a->ReadLock();
  EXPECT_TRUE(a->ReadLockHeld());
  EXPECT_FALSE(b->ReadLockHeld());
  EXPECT_EQ(SrcuDereference(p, *b), &v);
  a->ReadUnlock(idx);
  ASSERT_EQ(Splats(), 1u);
  // The held-locks list shows domain A's reader and where it was taken.
  EXPECT_THAT(Last(), HasSubstr("suspicious SrcuDereference() usage!"));
  EXPECT_THAT(Last(), HasSubstr("1 lock held by "));
  EXPECT_THAT(Last(), HasSubstr(" (dom_a){srcu reader}, at: "));
  EXPECT_THAT(Last(), Not(HasSubstr("dom_b")));
}

TEST_F(SrcuLockdep, RcuAndSrcuReadersDoNotCoverEachOther) {
  ScopedThread reg;
  auto d = MakeDomain("dom_a");
  int v = 1;
  std::atomic<int*> p{&v};
  {
    ReadGuard g;
    EXPECT_FALSE(d->ReadLockHeld());
    EXPECT_EQ(SrcuDereference(p, *d), &v);
  }
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(), HasSubstr("suspicious SrcuDereference() usage!"));
  EXPECT_THAT(Last(), HasSubstr("rcu reader nesting: default 1"));
  const int idx = d->ReadLock();
  EXPECT_FALSE(ReadLockHeld());
  EXPECT_EQ(Dereference(p), &v);
  d->ReadUnlock(idx);
  ASSERT_EQ(Splats(), 2u);
  EXPECT_THAT(Last(), HasSubstr("suspicious Dereference() usage!"));
  EXPECT_THAT(Last(), HasSubstr("rcu reader nesting: default 0"));
  EXPECT_THAT(Last(), HasSubstr(" (dom_a){srcu reader}, at: "));
}

TEST_F(SrcuLockdep, NestedReadersAreSeparateEntries) {
  auto d = MakeDomain("dom_a");
  int v = 1;
  std::atomic<int*> p{&v};
  const SourceLocation outer_site = SourceLocation::current();
  const int i1 = d->ReadLock(outer_site);
  const SourceLocation inner_site = SourceLocation::current();
  const int i2 = d->ReadLock(inner_site);
  EXPECT_EQ(lockdep::HeldCount(), 2);
  lockdep::Check(false, "two srcu readers");
  d->ReadUnlock(i2);
  EXPECT_TRUE(d->ReadLockHeld());
  EXPECT_EQ(SrcuDereference(p, *d), &v);
  d->ReadUnlock(i1);
  EXPECT_FALSE(d->ReadLockHeld());
  EXPECT_EQ(lockdep::HeldCount(), 0);
  ASSERT_EQ(Splats(), 1u);
  const std::string s = Last();
  EXPECT_THAT(s, HasSubstr("2 locks held by "));
  EXPECT_THAT(
      s, HasSubstr(fmt::format(" #0: {} (dom_a){{srcu reader}}, at: {}:{} ",
                               static_cast<const void*>(d.get()), __FILE__,
                               outer_site.line())));
  EXPECT_THAT(
      s, HasSubstr(fmt::format(" #1: {} (dom_a){{srcu reader}}, at: {}:{} ",
                               static_cast<const void*>(d.get()), __FILE__,
                               inner_site.line())));
}

// The site a reader was taken at defaults to ReadLock()'s caller.
TEST_F(SrcuLockdep, DefaultSiteIsTheCaller) {
  const int line = __LINE__ + 1;
  const int idx = g_static_domain.ReadLock();
  lockdep::Check(false, "static domain reader");
  g_static_domain.ReadUnlock(idx);
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr(fmt::format("(srcu_static){{srcu reader}}, at: {}:{} ",
                                    __FILE__, line)));
}

// Thread A enters a reader of `d` and hands its index to thread B, which
// is inside its own reader of `d` and ends A's reader: A no longer holds
// `d` and B still does, with no splat.
TEST_F(SrcuLockdep, UnlockOnAnotherThreadRemovesThatReadersEntry) {
  auto d = MakeDomain("dom_a");
  int v = 1;
  std::atomic<int*> p{&v};
  std::atomic<int> a_idx{-1};
  Flag locked, b_inside, handed, b_checked;
  std::thread b([&] {
    const int own = d->ReadLock();
    b_inside.Set();
    locked.Wait();
    d->ReadUnlock(a_idx.load());
    EXPECT_TRUE(d->ReadLockHeld());  // its own reader is still listed
    EXPECT_EQ(SrcuDereference(p, *d), &v);
    EXPECT_EQ(lockdep::HeldCount(), 1);
    handed.Set();
    b_checked.Wait();
    d->ReadUnlock(own);
    EXPECT_FALSE(d->ReadLockHeld());
  });
  b_inside.Wait();
  a_idx.store(d->ReadLock());
  EXPECT_TRUE(d->ReadLockHeld());
  locked.Set();
  handed.Wait();
  EXPECT_FALSE(d->ReadLockHeld());
  EXPECT_EQ(lockdep::HeldCount(), 0);
  b_checked.Set();
  b.join();
  EXPECT_EQ(Splats(), 0u);
  EXPECT_EQ(d->GetStats().readers_active, 0u);
}

// A reader recorded with lockdep on and ended with it off leaves no entry
// behind; one begun with lockdep off and ended with it on touches no other
// reader's entry.
TEST_F(SrcuLockdep, SwitchingLockdepInsideAReader) {
  auto d = MakeDomain("dom_a");
  const int recorded = d->ReadLock();
  lockdep::SetEnabled(false);
  EXPECT_TRUE(d->ReadLockHeld());  // conservative when off
  const int unrecorded = d->ReadLock();
  d->ReadUnlock(recorded);
  lockdep::SetEnabled(true);
  EXPECT_EQ(lockdep::HeldCount(), 0);
  EXPECT_FALSE(d->ReadLockHeld());  // the unrecorded reader is unknown
  const int again = d->ReadLock();
  d->ReadUnlock(unrecorded);
  EXPECT_TRUE(d->ReadLockHeld());
  d->ReadUnlock(again);
  EXPECT_FALSE(d->ReadLockHeld());
  EXPECT_EQ(d->GetStats().readers_active, 0u);
  EXPECT_EQ(Splats(), 0u);
}

TEST_F(SrcuLockdep, ReadLockHeldTrueWhenLockdepOff) {
  auto d = MakeDomain("dom_a");
  lockdep::SetEnabled(false);
  EXPECT_TRUE(d->ReadLockHeld());
  int v = 1;
  std::atomic<int*> p{&v};
  EXPECT_EQ(SrcuDereference(p, *d), &v);
  lockdep::SetEnabled(true);
  EXPECT_EQ(Splats(), 0u);
}

// Waits inside a reader of another domain are legal; inside an rcu reader
// they splat (without deadlock) and return.
TEST_F(SrcuLockdep, SynchronizeInsideOtherReaders) {
  auto a = MakeDomain("dom_a");
  auto b = MakeDomain("dom_b");
  const int idx = a->ReadLock();
  b->Synchronize();
  b->SynchronizeExpedited();
  b->Barrier();
  a->ReadUnlock(idx);
  EXPECT_EQ(Splats(), 0u);
  ScopedThread reg;
  {
    ReadGuard g;
    const int line = __LINE__ + 1;
    b->Synchronize();
    ASSERT_EQ(Splats(), 1u);
    EXPECT_THAT(Last(),
                HasSubstr(fmt::format(
                    "{}:{} Illegal SrcuDomain::Synchronize() in RCU read-side "
                    "critical section!",
                    __FILE__, line)));
    EXPECT_THAT(Last(), HasSubstr("rcu reader nesting: default 1"));
  }
}

TEST_F(SrcuLockdep, CleanupWithReadersActiveSplats) {
  auto d = MakeDomain("dom_a");
  const int idx = d->ReadLock();
  const int line = __LINE__ + 1;
  absl::Status st = d->Cleanup();
  EXPECT_FALSE(st.ok());
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(Last(),
              HasSubstr(fmt::format(
                  "{}:{} SrcuDomain dom_a cleaned up with 1 reader(s) active!",
                  __FILE__, line)));
  EXPECT_THAT(Last(), HasSubstr(" (dom_a){srcu reader}, at: "));
  d->ReadUnlock(idx);
  EXPECT_TRUE(d->Cleanup().ok());
  EXPECT_EQ(Splats(), 1u);
}

// A domain destroyed with a reader inside splats (listing the reader) and
// drops the reader's entry: no later splat reads its freed name (ASan), and
// a new domain at the same address is not held (it would abort in
// Synchronize()).
TEST_F(SrcuLockdep, DestroyedWithReaderInsideForgetsItsEntriesBug) {
  std::unique_ptr<SrcuDomain> d;
  {
#if defined(__SANITIZE_ADDRESS__)
    __lsan::ScopedDisabler leaked_on_purpose;  // the state outlives the domain
#endif
    d = MakeDomain("dom_leaked");
    (void)d->ReadLock();
  }
  d.reset();
  ASSERT_EQ(Splats(), 1u);
  EXPECT_THAT(
      Last(),
      HasSubstr("SrcuDomain dom_leaked cleaned up with 1 reader(s) active!"));
  EXPECT_THAT(Last(), HasSubstr(" (dom_leaked){srcu reader}, at: "));
  EXPECT_EQ(lockdep::HeldCount(), 0);
  lockdep::Check(false, "after the domain is gone");
  ASSERT_EQ(Splats(), 2u);
  EXPECT_THAT(Last(), HasSubstr("no locks held by "));
  for (int i = 0; i < 4; ++i) {
    auto e = MakeDomain("dom_next");
    EXPECT_FALSE(e->ReadLockHeld());
    e->Synchronize();
  }
}

// Callbacks queued, no reader: refused (or freed, once they ran), never
// with a splat.
TEST_F(SrcuLockdep, CleanupWithCallbacksOnlyDoesNotSplat) {
  auto d = MakeDomain("dom_a");
  static std::atomic<int> ran{0};
  RcuHead h;
  d->Call(&h, [](RcuHead*) { ran.fetch_add(1); });
  (void)d->Cleanup();
  d->Barrier();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_TRUE(d->Cleanup().ok());
  EXPECT_EQ(Splats(), 0u);
}

using SrcuLockdepDeathTest = SrcuLockdep;

TEST_F(SrcuLockdepDeathTest, WaitsInsideOwnReaderSplatThenAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const char* kSplat =
      "WARNING: suspicious RCU usage(.|\n)*srcu_lockdep_test\\.cc:[0-9]+ "
      "Illegal "
      "SrcuDomain::Synchronize\\(\\) in same-domain SRCU read-side critical "
      "section!(.|\n)*1 lock held by .*:\n #0: 0x[0-9a-f]+ "
      "\\(dom_a\\)\\{srcu reader\\}, at: .*srcu_lockdep_test\\.cc:[0-9]+ ";
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        auto d = MakeDomain("dom_a");
        (void)d->ReadLock();
        d->Synchronize();
      },
      kSplat);
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        auto d = MakeDomain("dom_a");
        (void)d->ReadLock();
        d->SynchronizeExpedited();
      },
      "Illegal SrcuDomain::SynchronizeExpedited\\(\\) in same-domain SRCU "
      "read-side "
      "critical section!");
  EXPECT_DEATH(
      {
        lockdep::SetSink(nullptr);
        (void)g_static_domain.ReadLock();
        g_static_domain.Barrier();
      },
      "Illegal SrcuDomain::Barrier\\(\\) in same-domain SRCU read-side "
      "critical "
      "section!(.|\n)*\\(srcu_static\\)\\{srcu reader\\}");
}

}  // namespace
}  // namespace rcu

int main(int argc, char** argv) {
  absl::InitializeSymbolizer(argv[0]);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// lockdep compiled out (this translation unit is built with RCU_LOCKDEP=0,
// the library with lockdep in): the API still compiles, Enabled() is a
// constant false, and no accessor splats even with the library's switch
// on.
#if RCU_LOCKDEP
#error "lockdep_off_test must be compiled with RCU_LOCKDEP=0"
#endif

#include <gtest/gtest.h>

#include <atomic>

#include "rcu/lockdep.h"
#include "rcu/mutex.h"
#include "rcu/rcu.h"

namespace rcu {
namespace {

TEST(LockdepOff, AccessorsArePlainLoads) {
  static_assert(!lockdep::CompiledIn());
  lockdep::SetEnabled(true);  // the library's switch; not ours
  EXPECT_FALSE(lockdep::Enabled());
  const uint64_t start = lockdep::SplatCount();
  int v = 1, w = 2;
  std::atomic<int*> p{&v};
  // None of these is legal with lockdep on: no reader, no lock.
  EXPECT_EQ(Dereference(p), &v);
  EXPECT_EQ(DereferenceCheck(p, false), &v);
  EXPECT_EQ(DereferenceProtected(p, false), &v);
  EXPECT_EQ(ReplacePointer(p, &w, false), &v);
  EXPECT_EQ(AccessPointer(p), &w);
  lockdep::Check(false, "never printed");
  EXPECT_EQ(lockdep::SplatCount(), start);
  lockdep::SetEnabled(false);
}

TEST(LockdepOff, MutexStillKnowsItsHolder) {
  lockdep::SetEnabled(true);
  Mutex mu{"off_lock"};
  {
    MutexLock l(mu);
    EXPECT_TRUE(mu.IsHeld());
    EXPECT_EQ(lockdep::HeldCount(), 0);  // no held-locks list
  }
  EXPECT_FALSE(mu.IsHeld());
  lockdep::SetEnabled(false);
}

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/pool.h"

#include "gtest/gtest.h"

namespace torture {
namespace {

// The pipeline invariant on one element pushed through the synchronous
// path: removal makes it 1, each PipeUpdate() is one grace period, and it
// is freed (mbtest cleared) when it reaches kPipeLen.
TEST(Pool, SyncPathFreesAtPipeLen) {
  Pool pool;
  TortureElem* e = pool.Alloc();
  ASSERT_NE(e, nullptr);
  e->mbtest = 1;
  pool.Remove(e);
  EXPECT_EQ(e->pipe_count.load(), 1);
  pool.PipeUpdate(e);
  for (int gp = 2; gp < kPipeLen; ++gp) {
    EXPECT_EQ(e->pipe_count.load(), gp);
    EXPECT_EQ(e->mbtest.load(), 1);
    pool.PipeUpdate(nullptr);
  }
  EXPECT_EQ(e->pipe_count.load(), kPipeLen);
  EXPECT_EQ(e->mbtest.load(), 0);
  EXPECT_EQ(pool.n_free.load(), 1);
  EXPECT_EQ(pool.wcount[0].load(), 1);
  for (int i = 1; i < kPipeLen; ++i) EXPECT_EQ(pool.wcount[i].load(), 1) << i;
  EXPECT_EQ(pool.wcount[kPipeLen].load(), 0);
}

TEST(Pool, AllocFailsWhenEmpty) {
  Pool pool;
  for (int i = 0; i < kPoolSize; ++i) ASSERT_NE(pool.Alloc(), nullptr);
  EXPECT_TRUE(pool.FreelistEmpty());
  EXPECT_EQ(pool.Alloc(), nullptr);
  EXPECT_EQ(pool.n_alloc_fail.load(), 1);
  EXPECT_EQ(pool.n_alloc.load(), kPoolSize);
}

TEST(Pool, StuckElementIsReported) {
  Pool pool;
  TortureElem* cur = pool.Alloc();
  const TortureElem* stuck = nullptr;
  EXPECT_TRUE(pool.AllAccountedFor(cur, &stuck));
  TortureElem* inflight = pool.Alloc();  // e.g. lost in a callback chain
  EXPECT_FALSE(pool.AllAccountedFor(cur, &stuck));
  EXPECT_EQ(stuck, inflight);
}

}  // namespace
}  // namespace torture

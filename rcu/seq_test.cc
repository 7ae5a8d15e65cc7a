// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/seq.h"

#include <gtest/gtest.h>

namespace rcu {
namespace {

TEST(Seq, WorkedExample) {
  // Idle at 100: the next GP ends at 104.
  EXPECT_EQ(SeqSnap(100), 104u);
  // GP 101 running: it may predate the caller's update, so wait for 108.
  EXPECT_EQ(SeqStartVal(100), 101u);
  EXPECT_EQ(SeqSnap(101), 108u);
  EXPECT_EQ(SeqEndVal(101), 104u);
  EXPECT_EQ(SeqState(101), 1u);
  EXPECT_EQ(SeqCtr(104), 26u);
}

TEST(Seq, InitialValueWrapsAfter300GracePeriods) {
  uint64_t s = kInitialGpSeq;
  for (int i = 0; i < 299; ++i) s = SeqEndVal(SeqStartVal(s));
  EXPECT_GT(s, uint64_t{1} << 63);
  s = SeqEndVal(SeqStartVal(s));
  EXPECT_EQ(s, 0u);
}

TEST(Seq, ComparisonsAcrossTheWrap) {
  const uint64_t before = uint64_t{0} - 8;  // two GPs before the wrap
  const uint64_t after = 4;
  EXPECT_TRUE(SeqLt(before, after));
  EXPECT_TRUE(SeqGe(after, before));
  EXPECT_FALSE(SeqGe(before, after));
  const uint64_t snap = SeqSnap(before);  // (-8 + 7) & ~3 = -4
  EXPECT_EQ(snap, uint64_t{0} - 4);
  EXPECT_FALSE(SeqDone(before, snap));
  EXPECT_TRUE(SeqDone(snap, snap));
  EXPECT_TRUE(SeqDone(after, snap));
  EXPECT_TRUE(SeqCompletedGp(before, after));
  EXPECT_TRUE(SeqNewGp(before, SeqStartVal(before)));
  EXPECT_FALSE(SeqNewGp(before, before));
  EXPECT_EQ(SeqDiff(after, before), 3u);  // ends at -4, 0, 4
}

TEST(Seq, StartedAndDone) {
  const uint64_t s = 200;
  const uint64_t snap = SeqSnap(s);  // 204
  EXPECT_FALSE(SeqStarted(s, snap));
  EXPECT_TRUE(SeqStarted(SeqStartVal(s), snap));
  EXPECT_FALSE(SeqDone(SeqStartVal(s), snap));
  EXPECT_TRUE(SeqDone(SeqEndVal(SeqStartVal(s)), snap));
}

TEST(Seq, DoneExactTreatsAncientCookiesAsDone) {
  const uint64_t cookie = SeqSnap(1000);  // 1004
  EXPECT_FALSE(SeqDoneExact(1000, cookie));
  EXPECT_FALSE(SeqDoneExact(1001, cookie));
  EXPECT_TRUE(SeqDoneExact(1004, cookie));
  // The counter went (almost) all the way round: gp_seq now sits just
  // "before" the cookie in modular terms; SeqDone would say not done for
  // half the space, SeqDoneExact says done.
  const uint64_t wrapped = cookie - 100;
  EXPECT_FALSE(SeqDone(wrapped, cookie));
  EXPECT_TRUE(SeqDoneExact(wrapped, cookie));
}

// Regression: PollState() reads the root node's gp_seq, which lags the
// state's by up to one GP start. A cookie snapped from a just-started GP
// must not look "ancient" (and hence complete) against the lagging value.
TEST(Seq, DoneExactWithLaggingCounterBug) {
  const uint64_t s = 1000;
  const uint64_t cookie = SeqSnap(SeqStartVal(s));  // 1008
  EXPECT_FALSE(SeqDoneExact(s, cookie));
  EXPECT_FALSE(SeqDoneExact(SeqStartVal(s), cookie));
  EXPECT_FALSE(SeqDoneExact(SeqEndVal(SeqStartVal(s)), cookie));
  EXPECT_TRUE(SeqDoneExact(cookie, cookie));
}

TEST(Seq, SetState) {
  EXPECT_EQ(SeqSetState(101, 2), 102u);
  EXPECT_EQ(SeqSetState(100, 0), 100u);
}

}  // namespace
}  // namespace rcu

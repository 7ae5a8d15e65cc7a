// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/segcblist.h"

#include <gtest/gtest.h>

#include <vector>

#include "rcu/seq.h"

namespace rcu {
namespace {

struct Cb {
  RcuHead head;
  int id;
};

std::vector<int> Ids(RcuCbList& l) {
  std::vector<int> out;
  while (RcuHead* h = l.Dequeue()) out.push_back(reinterpret_cast<Cb*>(h)->id);
  return out;
}

class SegCbListTest : public ::testing::Test {
 protected:
  void Add(int id) {
    cbs_[id].id = id;
    l_.Enqueue(&cbs_[id].head);
  }
  std::vector<int> TakeDone() {
    RcuCbList done;
    l_.ExtractDone(&done);
    long n = done.len;
    auto ids = Ids(done);
    l_.AddLen(-n);
    l_.CheckInvariants(0);
    return ids;
  }
  Cb cbs_[32];
  SegCbList l_;
};

TEST_F(SegCbListTest, AccelerateThenAdvanceInOrder) {
  Add(0);
  Add(1);
  EXPECT_EQ(l_.len(), 2);
  EXPECT_TRUE(l_.HasUnassigned());
  EXPECT_TRUE(l_.Accelerate(104));  // both wait for GP ending at 104
  EXPECT_FALSE(l_.HasUnassigned());
  EXPECT_EQ(l_.seglen(SegCbList::kWait), 2);
  Add(2);
  EXPECT_TRUE(l_.Accelerate(108));  // a later GP: NEXT_READY
  EXPECT_EQ(l_.seglen(SegCbList::kNextReady), 1);
  EXPECT_EQ(l_.gp_seq(SegCbList::kNextReady), 108u);
  l_.CheckInvariants(0);

  l_.Advance(103);  // not yet
  EXPECT_FALSE(l_.HasDone());
  l_.Advance(105);  // GP 104 over, next one in progress
  EXPECT_EQ(TakeDone(), (std::vector<int>{0, 1}));
  EXPECT_EQ(l_.seglen(SegCbList::kWait), 1);  // 2 slid down to WAIT
  EXPECT_EQ(l_.gp_seq(SegCbList::kWait), 108u);
  l_.Advance(108);
  EXPECT_EQ(TakeDone(), (std::vector<int>{2}));
  EXPECT_EQ(l_.len(), 0);
}

TEST_F(SegCbListTest, AccelerateMergesIntoSegmentWithSameGp) {
  Add(0);
  l_.Accelerate(104);
  Add(1);
  EXPECT_TRUE(l_.Accelerate(104));
  EXPECT_EQ(l_.seglen(SegCbList::kWait), 2);
  EXPECT_TRUE(l_.SegEmpty(SegCbList::kNextReady));
  l_.CheckInvariants(0);
}

TEST_F(SegCbListTest, AccelerateWithNoRoomLeavesNextAlone) {
  Add(0);
  l_.Accelerate(104);
  Add(1);
  l_.Accelerate(108);
  Add(2);
  // WAIT(104) and NEXT_READY(108) both end before 112: no segment for it.
  EXPECT_FALSE(l_.Accelerate(112));
  EXPECT_TRUE(l_.HasUnassigned());
  l_.Advance(104);
  EXPECT_TRUE(l_.Accelerate(112));
  l_.CheckInvariants(0);
}

TEST_F(SegCbListTest, AdvanceAcrossTheWrap) {
  const uint64_t before = uint64_t{0} - 4;
  Add(0);
  l_.Accelerate(before);
  Add(1);
  l_.Accelerate(0);
  l_.Advance(before);
  EXPECT_EQ(TakeDone(), (std::vector<int>{0}));
  l_.Advance(SeqStartVal(before));
  EXPECT_FALSE(l_.HasDone());
  l_.Advance(0);
  EXPECT_EQ(TakeDone(), (std::vector<int>{1}));
}

TEST_F(SegCbListTest, EntrainRunsAfterEverythingQueued) {
  RcuHead barrier;
  EXPECT_FALSE(l_.Entrain(&barrier));  // empty: nothing to wait for
  Add(0);
  l_.Accelerate(104);
  Add(1);  // unassigned
  EXPECT_TRUE(l_.Entrain(&barrier));
  EXPECT_EQ(l_.len(), 3);
  l_.CheckInvariants(0);
  l_.Accelerate(108);
  l_.Advance(108);
  RcuCbList done;
  l_.ExtractDone(&done);
  ASSERT_EQ(done.len, 3);
  EXPECT_EQ(done.Dequeue(), &cbs_[0].head);
  EXPECT_EQ(done.Dequeue(), &cbs_[1].head);
  EXPECT_EQ(done.Dequeue(), &barrier);
}

TEST_F(SegCbListTest, EntrainOnlyInFlightGoesToDone) {
  Add(0);
  l_.Accelerate(104);
  l_.Advance(104);
  RcuCbList done;
  l_.ExtractDone(&done);  // being invoked: len still 1
  RcuHead barrier;
  EXPECT_TRUE(l_.Entrain(&barrier));
  EXPECT_TRUE(l_.HasDone());
  l_.CheckInvariants(1);
}

TEST_F(SegCbListTest, InsertDonePutsLeftoversBackFirst) {
  for (int i = 0; i < 4; ++i) Add(i);
  l_.Accelerate(104);
  l_.Advance(104);
  Add(4);
  RcuCbList done;
  l_.ExtractDone(&done);
  done.Dequeue();  // 0 invoked
  l_.AddLen(-1);
  l_.InsertDone(&done);
  l_.CheckInvariants(0);
  EXPECT_EQ(TakeDone(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(l_.len(), 1);
}

TEST_F(SegCbListTest, MergeKeepsEveryCallback) {
  SegCbList src;
  Cb other[3];
  for (int i = 0; i < 3; ++i) {
    other[i].id = 100 + i;
    src.Enqueue(&other[i].head);
  }
  src.Accelerate(104);
  src.Advance(104);  // 100..102 done on src
  Add(0);
  l_.Accelerate(108);
  l_.Merge(&src);
  EXPECT_EQ(src.len(), 0);
  EXPECT_EQ(l_.len(), 4);
  l_.CheckInvariants(0);
  EXPECT_EQ(TakeDone(), (std::vector<int>{100, 101, 102}));
  l_.Advance(108);
  EXPECT_EQ(TakeDone(), (std::vector<int>{0}));
}

TEST_F(SegCbListTest, ExtractPendingRestartsWaiting) {
  Add(0);
  l_.Accelerate(104);
  Add(1);
  RcuCbList pend;
  l_.ExtractPending(&pend);
  EXPECT_EQ(pend.len, 2);
  EXPECT_FALSE(l_.HasPending());
  l_.InsertPending(&pend);
  EXPECT_TRUE(l_.HasUnassigned());
  EXPECT_EQ(l_.seglen(SegCbList::kNext), 2);
  l_.CheckInvariants(0);
}

}  // namespace
}  // namespace rcu

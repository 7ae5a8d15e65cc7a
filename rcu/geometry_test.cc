// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/geometry.h"

#include <gtest/gtest.h>

#include <tuple>

namespace rcu {
namespace {

Geometry MustBuild(int n, int fanout, int leaf, bool exact = false) {
  absl::StatusOr<Geometry> g = Geometry::Build(n, fanout, leaf, exact);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

TEST(Geometry, EightCpusFanoutTwo) {
  Geometry g = MustBuild(8, 2, 2);
  EXPECT_EQ(g.num_levels(), 3);
  EXPECT_EQ(g.num_nodes(), 7);
  EXPECT_EQ(g.Dump(),
            "0:7 ^0  \n"
            "0:3 ^0  4:7 ^1  \n"
            "0:1 ^0  2:3 ^1  4:5 ^0  6:7 ^1  \n");
  EXPECT_EQ(g.cpu_leaf[5], 5);
  EXPECT_EQ(g.cpu_mask(5), 0x2u);
  EXPECT_EQ(g.nodes[4].parent, 1);
}

TEST(Geometry, SixteenCpusLeafFour) {
  Geometry g = MustBuild(16, 64, 4);
  EXPECT_EQ(g.num_levels(), 2);
  EXPECT_EQ(g.Dump(), "0:15 ^0  \n0:3 ^0  4:7 ^1  8:11 ^2  12:15 ^3  \n");
  for (int c = 0; c < 16; ++c) {
    EXPECT_EQ(g.cpu_leaf[c], 1 + c / 4);
    EXPECT_EQ(g.cpu_mask(c), uint64_t{1} << (c % 4));
  }
  Geometry g2 = MustBuild(16, 2, 4);
  EXPECT_EQ(
      g2.Dump(),
      "0:15 ^0  \n0:7 ^0  8:15 ^1  \n0:3 ^0  4:7 ^1  8:11 ^0  12:15 ^1  \n");
}

TEST(Geometry, BalancedVersusExactLeaves) {
  EXPECT_EQ(MustBuild(17, 64, 16).Dump(), "0:16 ^0  \n0:8 ^0  9:16 ^1  \n");
  EXPECT_EQ(MustBuild(17, 64, 16, true).Dump(),
            "0:16 ^0  \n0:15 ^0  16:16 ^1  \n");
}

TEST(Geometry, SingleNodeTreeIsRootAndLeaf) {
  Geometry g = MustBuild(8, 2, 16);
  EXPECT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.first_leaf(), 0);
  EXPECT_EQ(g.Dump(), "0:7 ^0  \n");
}

TEST(Geometry, ThousandCpusFanoutTwoHasNoLevelCap) {
  Geometry g = MustBuild(1024, 2, 2);
  EXPECT_EQ(g.num_levels(), 10);
  EXPECT_EQ(g.num_nodes(), 1023);
}

// Structural invariants for a grid of shapes: levels partition the vCPUs,
// each node covers exactly its children's range, masks fit in 64 bits.
class GeometryGrid
    : public ::testing::TestWithParam<std::tuple<int, int, bool>> {};

TEST_P(GeometryGrid, Invariants) {
  const auto [n, fanout, exact] = GetParam();
  for (int leaf : {2, 3, 16, 64}) {
    Geometry g = MustBuild(n, fanout, leaf, exact);
    ASSERT_EQ(g.nodes[0].grplo, 0);
    ASSERT_EQ(g.nodes[0].grphi, n - 1);
    for (int lvl = 0; lvl < g.num_levels(); ++lvl) {
      int next = 0;
      for (int j = 0; j < g.num_lvl[lvl]; ++j) {
        const GeometryNode& nd = g.nodes[g.level_start[lvl] + j];
        ASSERT_EQ(nd.level, lvl);
        ASSERT_EQ(nd.grplo, next) << "level " << lvl << " node " << j;
        ASSERT_LE(nd.grplo, nd.grphi);
        next = nd.grphi + 1;
        if (lvl > 0) {
          const GeometryNode& p = g.nodes[nd.parent];
          ASSERT_EQ(p.level, lvl - 1);
          ASSERT_LE(p.grplo, nd.grplo);
          ASSERT_GE(p.grphi, nd.grphi);
          ASSERT_LT(nd.grpnum, 64);
          ASSERT_EQ(nd.grpmask, uint64_t{1} << nd.grpnum);
        }
      }
      ASSERT_EQ(next, n) << "level " << lvl << " does not cover every vCPU";
    }
    for (int c = 0; c < n; ++c) {
      const GeometryNode& lf = g.nodes[g.cpu_leaf[c]];
      ASSERT_EQ(lf.level, g.num_levels() - 1);
      ASSERT_LE(lf.grplo, c);
      ASSERT_GE(lf.grphi, c);
      ASSERT_LT(c - lf.grplo, 64);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, GeometryGrid,
                         ::testing::Combine(::testing::Values(1, 7, 64, 1024),
                                            ::testing::Values(2, 3, 16, 64),
                                            ::testing::Bool()));

TEST(Geometry, RejectsBadParameters) {
  auto g = Geometry::Build(0, 64, 16, false);
  EXPECT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("nr_cpu_ids"), std::string::npos);
  g = Geometry::Build(8, 65, 16, false);
  EXPECT_NE(g.status().message().find("fanout must"), std::string::npos);
  g = Geometry::Build(8, 64, 1, false);
  EXPECT_NE(g.status().message().find("fanout_leaf"), std::string::npos);
}

}  // namespace
}  // namespace rcu

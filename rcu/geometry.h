// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// geometry.h: the shape of the rcu_node tree, by the kernel's
// rcu_init_geometry() / rcu_init_levelspread() / rcu_init_one() rules.
//
// The tree is a heap-ordered array: level 0 is the root, the last level is
// the leaves, and a breadth-first walk is a scan of the array. Unlike the
// kernel there is no four-level cap: 1024 vCPUs at fanout 2 build a
// ten-level tree. Leaf masks are relative to the node's grplo, so a leaf
// bit is `1 << (cpu - grplo)`.
#ifndef RCU_GEOMETRY_H_
#define RCU_GEOMETRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rcu/export.h"

namespace rcu {

struct GeometryNode {
  int level = 0;
  int grplo = 0;         // first vCPU covered
  int grphi = 0;         // last vCPU covered (inclusive)
  int grpnum = 0;        // index among the parent's children
  uint64_t grpmask = 0;  // 1 << grpnum, 0 for the root
  int parent = -1;       // index into nodes, -1 for the root
};

struct RCU_EXPORT Geometry {
  int nr_cpu_ids = 0;
  int fanout = 0;
  int fanout_leaf = 0;
  bool fanout_exact = false;
  std::vector<int> num_lvl;      // nodes per level, root first
  std::vector<int> levelspread;  // children per node at each level
  std::vector<int> level_start;  // index of each level's first node
  std::vector<GeometryNode> nodes;
  std::vector<int> cpu_leaf;  // leaf node index of each vCPU

  int num_levels() const { return static_cast<int>(num_lvl.size()); }
  int num_nodes() const { return static_cast<int>(nodes.size()); }
  int first_leaf() const { return level_start.back(); }
  uint64_t cpu_mask(int cpu) const {
    return uint64_t{1} << (cpu - nodes[cpu_leaf[cpu]].grplo);
  }

  // Builds the tree for nr_cpu_ids vCPUs. InvalidArgument names the bad
  // parameter (nr_cpu_ids < 1, a fanout outside 2..64).
  static absl::StatusOr<Geometry> Build(int nr_cpu_ids, int fanout,
                                        int fanout_leaf, bool fanout_exact);

  // The kernel's dump_tree format: one line per level, each node as
  // "grplo:grphi ^grpnum" followed by two spaces, e.g. for 8 vCPUs at
  // fanout 2:
  //   0:7 ^0
  //   0:3 ^0  4:7 ^1
  //   0:1 ^0  2:3 ^1  4:5 ^0  6:7 ^1
  std::string Dump() const;
};

}  // namespace rcu

#endif  // RCU_GEOMETRY_H_

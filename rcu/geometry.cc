// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/geometry.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace rcu {

absl::StatusOr<Geometry> Geometry::Build(int nr_cpu_ids, int fanout,
                                         int fanout_leaf, bool fanout_exact) {
  if (nr_cpu_ids < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("nr_cpu_ids must be at least 1, got ", nr_cpu_ids));
  }
  if (fanout < 2 || fanout > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("fanout must be in 2..64, got ", fanout));
  }
  if (fanout_leaf < 2 || fanout_leaf > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("fanout_leaf must be in 2..64, got ", fanout_leaf));
  }
  Geometry g;
  g.nr_cpu_ids = nr_cpu_ids;
  g.fanout = fanout;
  g.fanout_leaf = fanout_leaf;
  g.fanout_exact = fanout_exact;

  // capacity[i]: vCPUs a tree of i+1 levels can hold.
  std::vector<int64_t> capacity{fanout_leaf};
  while (nr_cpu_ids > capacity.back())
    capacity.push_back(capacity.back() * fanout);
  const int levels = static_cast<int>(capacity.size());
  for (int i = 0; i < levels; ++i) {
    int64_t cap = capacity[levels - 1 - i];
    g.num_lvl.push_back(static_cast<int>((nr_cpu_ids + cap - 1) / cap));
  }

  g.levelspread.assign(levels, 0);
  if (fanout_exact) {
    for (int i = 0; i < levels - 1; ++i) g.levelspread[i] = fanout;
    g.levelspread[levels - 1] = fanout_leaf;
  } else {
    int cprv = nr_cpu_ids;
    for (int i = levels - 1; i >= 0; --i) {
      g.levelspread[i] = (cprv + g.num_lvl[i] - 1) / g.num_lvl[i];
      cprv = g.num_lvl[i];
    }
  }

  int start = 0;
  for (int i = 0; i < levels; ++i) {
    g.level_start.push_back(start);
    start += g.num_lvl[i];
  }
  g.nodes.resize(start);

  int64_t cpustride = 1;
  for (int i = levels - 1; i >= 0; --i) {
    cpustride *= g.levelspread[i];
    for (int j = 0; j < g.num_lvl[i]; ++j) {
      GeometryNode& n = g.nodes[g.level_start[i] + j];
      n.level = i;
      int64_t lo = j * cpustride;
      int64_t hi = (j + 1) * cpustride - 1;
      if (hi >= nr_cpu_ids) hi = nr_cpu_ids - 1;
      n.grplo = static_cast<int>(lo);
      n.grphi = static_cast<int>(hi);
      if (i == 0) {
        n.grpnum = 0;
        n.grpmask = 0;
        n.parent = -1;
      } else {
        n.grpnum = j % g.levelspread[i - 1];
        n.grpmask = uint64_t{1} << n.grpnum;
        n.parent = g.level_start[i - 1] + j / g.levelspread[i - 1];
      }
    }
  }

  g.cpu_leaf.resize(nr_cpu_ids);
  int leaf = g.first_leaf();
  for (int cpu = 0; cpu < nr_cpu_ids; ++cpu) {
    while (cpu > g.nodes[leaf].grphi) ++leaf;
    g.cpu_leaf[cpu] = leaf;
  }
  return g;
}

std::string Geometry::Dump() const {
  std::string out;
  for (int i = 0; i < num_levels(); ++i) {
    for (int j = 0; j < num_lvl[i]; ++j) {
      const GeometryNode& n = nodes[level_start[i] + j];
      absl::StrAppend(&out, n.grplo, ":", n.grphi, " ^", n.grpnum, "  ");
    }
    out += "\n";
  }
  return out;
}

}  // namespace rcu

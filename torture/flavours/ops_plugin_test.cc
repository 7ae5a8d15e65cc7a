// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_plugin_test.cc: the adapter over a loaded plugin flavour.
#include "torture/flavours/ops_plugin.h"

#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace torture {
namespace {

// The process's read() and pread() calls so far (/proc/self/io "syscr").
long ReadSyscalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long value = 0;
  while (io >> key >> value) {
    if (key == "syscr:") return value;
  }
  ADD_FAILURE() << "no syscr in /proc/self/io";
  return 0;
}

// Every torture reader asks for the online CPU count once per read. The
// plugin adapter answered with std::thread::hardware_concurrency(), which
// glibc computes by opening and reading /sys/devices/system/cpu/online:
// a plugin flavour's readers made three system calls per read, ran at a
// thirtieth of their speed, and so made fewer long reader delays, which
// flattered the flavour's update rate.
TEST(PluginOps, OnlineCpuCountReadsNoFilePerCallBug) {
  auto ops = LoadPluginFlavour(TORTURE_TEST_PLUGIN, "");
  ASSERT_TRUE(ops.ok()) << ops.status();
  ASSERT_NE((*ops)->num_online_cpus, nullptr);
  const int first = (*ops)->num_online_cpus();
  EXPECT_GE(first, 1);
  constexpr int kCalls = 1000;
  const long before = ReadSyscalls();
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ((*ops)->num_online_cpus(), first);
  const long after = ReadSyscalls();
  // One read of /proc/self/io itself may be counted; a file per call is
  // kCalls reads or more.
  EXPECT_LT(after - before, 10) << "num_online_cpus() reads a file per call";
}

}  // namespace
}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// The harness's lockdep-RCU bookkeeping (torture/lockdep.h): every splat
// of a run is an error of the run, whatever else the run saw. (The
// busted-lockdep ctest cannot show this alone: its readers' missing read
// lock also fails the Reader Pipe check.)
#include <atomic>

#include "gtest/gtest.h"
#include "rcu/lockdep.h"
#include "torture/runtime/lockdep.h"
#include "torture/runtime/output.h"
#include "torture/runtime/pool.h"

namespace torture {
namespace {

bool g_in_reader = false;
bool InReader() { return g_in_reader; }

TortureElem g_elem;
std::atomic<TortureElem*> g_current{&g_elem};

TortureElem* ReadCurrent() { return ReaderDereference(g_current); }

TEST(TortureLockdep, EachSplatIsAnErrorOfTheRun) {
  TortureOps ops{.name = "test"};
  ops.read_lock_held = InReader;
  InitOutput("test", 0);
  Params p;
  p.lockdep = true;
  LockdepStart(p, &ops);
  const long errors_before = ErrorCount();

  g_in_reader = true;
  EXPECT_EQ(ReadCurrent(), &g_elem);  // inside a reader: silent
  EXPECT_EQ(LockdepReport(), 0);
  EXPECT_EQ(ErrorCount(), errors_before);

  g_in_reader = false;
  ReadCurrent();                 // outside: one splat
  ReadCurrent();                 // the same site again: no second splat
  ReaderDereference(g_current);  // another site: a second splat
  EXPECT_EQ(LockdepReport(), 2);
  EXPECT_EQ(ErrorCount(), errors_before + 2);
  rcu::lockdep::SetEnabled(false);
}

}  // namespace
}  // namespace torture

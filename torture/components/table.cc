// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// table.cc: the component table (runtime/component.h).
//
// Rows are in the kernel's start order (rcu_torture_init(): the writer,
// fake writers, readers, stats, stutter, then fqs, onoff, stall, forward
// progress, barrier, read-exit, and the shuffler last, when the thread list
// is complete). `stop` is the component's place in the kernel's cleanup
// order (rcu_torture_cleanup(): the shuffler, stutter and onoff stop first,
// the load threads next, the stats and fqs threads after the End-test
// grace-period state). Between the Stop() and the Finish() walks, the run
// waits for every callback (cleanup_barriers.h). `finish` orders the
// Finish() calls (0: none). Ranks go in tens, so that a new row fits
// between two others without renumbering. The stats line carries the
// components' fragments in row order.
//
// A new kind of thread: one file in this folder defining MakeX(), one row
// here (and its declaration above the table), and its test in
// torture/tests/runs.table.
#include <memory>
#include <vector>

#include "torture/runtime/component.h"

namespace torture {

std::unique_ptr<Component> MakeGpState(Run& run);      // gp_state.cc
std::unique_ptr<Component> MakeWriter(Run& run);       // writer.cc
std::unique_ptr<Component> MakeFakeWriters(Run& run);  // fakewriter.cc
std::unique_ptr<Component> MakeReaders(Run& run);      // reader.cc
std::unique_ptr<Component> MakeStats(Run& run);        // stats.cc
std::unique_ptr<Component> MakeStutter(Run& run);      // stutter.cc
std::unique_ptr<Component> MakeFqs(Run& run);          // fqs.cc
std::unique_ptr<Component> MakeOnoff(Run& run);        // onoff.cc
std::unique_ptr<Component> MakeStall(Run& run);        // stall.cc
std::unique_ptr<Component> MakeFwdProg(Run& run);      // fwd_prog.cc
std::unique_ptr<Component> MakeBarrier(Run& run);      // barrier.cc
std::unique_ptr<Component> MakeReadExit(Run& run);     // read_exit.cc
std::unique_ptr<Component> MakeNocbToggle(Run& run);   // nocb_toggle.cc
std::unique_ptr<Component> MakeModules(Run& run);      // modules.cc
absl::Status ValidateModules(const Params& p, const TortureOps& ops);
std::unique_ptr<Component> MakeIrqReader(Run& run);  // irq_reader.cc
std::unique_ptr<Component> MakePreempt(Run& run);    // preempt.cc
std::unique_ptr<Component> MakeBoost(Run& run);      // boost.cc
std::unique_ptr<Component> MakeShuffler(Run& run);   // shuffler.cc

const std::vector<ComponentRow>& ComponentTable() {
  // clang-format off
  static const std::vector<ComponentRow>* table = new std::vector<ComponentRow>{
      // name         make             stop  finish  validate
      {"gp_state",    MakeGpState,     120,  0},
      {"writer",      MakeWriter,      80,   0},
      {"fakewriters", MakeFakeWriters, 110,  0},
      {"readers",     MakeReaders,     100,  0},
      {"stats",       MakeStats,       130,  20},
      {"stutter",     MakeStutter,     20,   0},
      {"fqs",         MakeFqs,         140,  0},
      {"onoff",       MakeOnoff,       30,   0},
      {"stall",       MakeStall,       70,   0},
      {"fwd_prog",    MakeFwdProg,     60,   0},
      {"barrier",     MakeBarrier,     50,   0},
      {"read_exit",   MakeReadExit,    40,   0},
      {"nocb_toggle", MakeNocbToggle,  90,   0},
      {"modules",     MakeModules,     150,  10,     ValidateModules},
      {"irq_reader",  MakeIrqReader,   5,    0},
      {"preempt",     MakePreempt,     25,   0},
      {"boost",       MakeBoost,       27,   0},
      {"shuffler",    MakeShuffler,    10,   0},
  };
  // clang-format on
  return *table;
}

}  // namespace torture

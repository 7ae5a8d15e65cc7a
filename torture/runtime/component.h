// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// component.h: one kind of torture thread (or one step of the run) as a
// component, and the table of components that RunTorture() walks.
//
// A component owns its view of the parameters (through the Run it is given),
// its counters, its threads, its fragment of the stats line, its JSON
// fields and its part of the verdict. The table (components/table.cc) lists
// the components in the kernel's start order (rcu_torture_init()) and gives
// each its place in the kernel's cleanup order (rcu_torture_cleanup()):
// that table is the only place where either order is written down.
#ifndef TORTURE_RUNTIME_COMPONENT_H_
#define TORTURE_RUNTIME_COMPONENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace torture {

struct Params;
struct Run;
struct TortureOps;

class Component {
 public:
  virtual ~Component() = default;

  // Prints the kernel's init messages and creates the component's threads,
  // if its parameters ask for them. Main thread, in table order.
  virtual void Start() = 0;
  // Stops the component's threads and undoes what they did to the flavour
  // (for example, brings offlined vCPUs back). Main thread, in cleanup order.
  virtual void Stop() = 0;
  // After every callback of the run has been invoked (the cleanup
  // barriers): releases what callbacks could still reach. Main thread, in
  // the table's finish order; only for rows that have one.
  virtual void Finish() {}

  // The component's fragment of the stats line, appended in table order to
  // the fixed fields (" barrier: 3/3:0"), or "".
  virtual std::string StatsFragment() const { return ""; }
  // Counters for the JSON summary's "components" object: name and value.
  virtual std::vector<std::pair<std::string, long>> JsonCounters() const {
    return {};
  }
  // True when the component saw an error that makes the verdict FAILURE
  // without having counted it through TortureError().
  virtual bool Failed() const { return false; }
  // True when emulated CPU hotplug failed (the verdict RCU_HOTPLUG).
  virtual bool HotplugFailed() const { return false; }
};

// One row of the table.
struct ComponentRow {
  const char* name;  // for the JSON summary and the watchdog's cleanup step
  std::unique_ptr<Component> (*make)(Run& run);
  int stop_rank;    // position in the cleanup order (1 first)
  int finish_rank;  // position among the Finish() calls; 0: none
  // Checks the component's parameters against the flavour before the
  // flavour is initialized; an error is the run's usage error (exit 64).
  // Null: nothing to check.
  absl::Status (*validate)(const Params& p, const TortureOps& ops) = nullptr;
};

// The table, in start order.
const std::vector<ComponentRow>& ComponentTable();

}  // namespace torture

#endif  // TORTURE_RUNTIME_COMPONENT_H_

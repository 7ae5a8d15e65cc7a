// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// gp_state.cc: the flavour's grace-period state at the start and at the
// end of the run (rcutorture_get_gp_data() in rcu_torture_init() and
// rcu_torture_cleanup()):
//
//   <flavour>:  Start-test grace-period state: g<seq> f<flags>
//   <flavour>:  End-test grace-period state: g<seq> f<flags> total-gps=<n>
//
// The End line comes after the load threads are stopped and before the
// stats thread is (the table's cleanup order). No threads of its own.
#include "fmt/format.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

class GpState : public Component {
 public:
  explicit GpState(Run& run) : run_(run) {}

  void Start() override { Print("Start"); }
  void Stop() override { Print("End"); }

 private:
  void Print(std::string_view when) const {
    const TortureOps* ops = run_.ops;
    if (ops->get_gp_data == nullptr) return;
    int flags = 0;
    uint64_t seq = 0;
    ops->get_gp_data(&flags, &seq);
    std::string line =
        fmt::format("{}:  {}-test grace-period state: g{} f{:#x}", ops->name,
                    when, static_cast<int64_t>(seq), flags);
    if (when == "End" && ops->total_gps != nullptr) {
      line += fmt::format(" total-gps={}", ops->total_gps() - run_.start_gps);
    }
    PrintLine(line);
  }

  const Run& run_;
};

}  // namespace

std::unique_ptr<Component> MakeGpState(Run& run) {
  return std::make_unique<GpState>(run);
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/flavours/flavours.h"

namespace torture {

const std::vector<const TortureOps*>& AllOps() {
  static const std::vector<const TortureOps*>* all =
      new std::vector<const TortureOps*> {
#if defined(TORTURE_HAVE_RCU)
    &kRcuOps, &kBustedNestingOps, &kBustedBarrierOps,
#if !defined(RCU_LOCKDEP) || RCU_LOCKDEP
        // Its splats are the point: not offered when lockdep-RCU is compiled
        // out (RCU_LOCKDEP=OFF).
        &kBustedLockdepOps,
#endif
        &kSrcuOps, &kSrcudOps, &kSrcuBustedOps,
#endif
        &kBustedOps, &kBustedHangOps, &kUrcuMembOps, &kUrcuMbOps, &kUrcuQsbrOps,
        &kUrcuBpOps, &kUrcuSignalOps,
  };
  return *all;
}

std::vector<std::string> OpsNames() {
  std::vector<std::string> names;
  for (const TortureOps* o : AllOps()) names.push_back(o->name);
  return names;
}

const TortureOps* FindOps(std::string_view name) {
  for (const TortureOps* o : AllOps()) {
    if (name == o->name) return o;
  }
  return nullptr;
}

}  // namespace torture

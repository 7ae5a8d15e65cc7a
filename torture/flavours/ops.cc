// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/flavours/flavours.h"

namespace torture {

const std::vector<const TortureOps*>& AllOps() {
  static const std::vector<const TortureOps*>* all =
      new std::vector<const TortureOps*> {
#if defined(TORTURE_HAVE_RCU)
    &kRcuOps, &kBustedNestingOps, &kBustedBarrierOps, &kBustedCookieOps,
#if !defined(RCU_LOCKDEP) || RCU_LOCKDEP
        // Its splats are the point: not offered when lockdep-RCU is compiled
        // out (RCU_LOCKDEP=OFF).
        &kBustedLockdepOps,
#endif
        &kRcuQsbrOps, &kBustedQsbrOps, &kSrcuOps, &kSrcudOps, &kSrcuBustedOps,
#endif
        &kBustedOps, &kBustedHangOps,
  };
  return *all;
}

const std::vector<std::string>& PluginFlavourNames() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "urcu-memb", "urcu-mb", "urcu-qsbr", "urcu-bp", "urcu-signal"};
  return *names;
}

std::vector<std::string> OpsNames() {
  std::vector<std::string> names;
  for (const TortureOps* o : AllOps()) names.push_back(o->name);
  for (const std::string& n : PluginFlavourNames()) names.push_back(n);
  return names;
}

const TortureOps* FindOps(std::string_view name) {
  for (const TortureOps* o : AllOps()) {
    if (name == o->name) return o;
  }
  return nullptr;
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// flavours.h: the registry of the RCU flavours the harness can torture.
// One ops_<flavour>.cc defines each table:
//   rcu          our Tree RCU (rcu/), one instance built from rcutree.*
//   busted       sync does nothing and call invokes at once: must FAIL
//   busted-hang  sync never returns: the watchdog must fire (exit 2)
//   busted-nesting  rcu with broken reader nesting (the first unlock ends
//                the critical section): must FAIL (ops_rcu.cc)
//   busted-barrier  rcu whose cb_barrier returns at once: must FAIL under
//                barrier torture (ops_rcu.cc)
//   busted-lockdep  rcu whose readers take no read lock, with lockdep-RCU
//                on: must splat and FAIL (ops_rcu.cc)
//   rcu-qsbr     rcu on a QSBR instance (rcu::Config::qsbr): readers are
//                nothing in release builds, threads announce quiescent
//                states (ops_rcu.cc)
//   busted-qsbr  rcu-qsbr whose readers announce a quiescent state inside
//                their critical sections: must FAIL (ops_rcu.cc)
//   srcu         SRCU (rcu/srcu.h), a static domain (ops_srcu.cc)
//   srcud        SRCU, a domain created in init() and cleaned up after
//   srcu-busted  readers in one SRCU domain, grace periods in another:
//                must FAIL
//   urcu-memb, urcu-mb, urcu-qsbr, urcu-bp, urcu-signal
//                liburcu 0.13's flavours (Debian liburcu-dev): must SUCCEED.
//                Not in the binary: plugins (torture/plugins/urcu/) built
//                beside it, which these names load (ops_plugin.h).
// Any other flavour comes from a plugin too: --ops_plugin=PATH and
// --torture_type=plugin:NAME (ops_plugin.h).
#ifndef TORTURE_FLAVOURS_FLAVOURS_H_
#define TORTURE_FLAVOURS_FLAVOURS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "torture/runtime/ops.h"

#if defined(TORTURE_HAVE_RCU)
namespace rcu {
class SrcuDomain;
}  // namespace rcu
#endif

namespace torture {

// The built-in tables, in --help order.
const std::vector<const TortureOps*>& AllOps();
// The flavours built as plugins beside the binary (liburcu's), which
// --torture_type=NAME loads as plugin:NAME, in --help order.
const std::vector<std::string>& PluginFlavourNames();
// Both, in --help order: the names --help and the "invalid torture type"
// error list.
std::vector<std::string> OpsNames();
// A built-in table; nullptr when no built-in flavour has that name.
const TortureOps* FindOps(std::string_view name);

// The flavour tables (one per ops_*.cc).
extern const TortureOps kRcuOps;
extern const TortureOps kBustedNestingOps;
extern const TortureOps kBustedBarrierOps;
extern const TortureOps kBustedCookieOps;
extern const TortureOps kBustedLockdepOps;
extern const TortureOps kRcuQsbrOps;
extern const TortureOps kBustedQsbrOps;
extern const TortureOps kBustedOps;
extern const TortureOps kBustedHangOps;
extern const TortureOps kSrcuOps;
extern const TortureOps kSrcudOps;
extern const TortureOps kSrcuBustedOps;

#if defined(TORTURE_HAVE_RCU)
// cleanup_srcu_struct() on a dynamic domain the harness created, before the
// verdict and after its barrier: a refusal (readers or callbacks still
// outstanding) is an error of the run, printed after `what`, and the
// domain is then leaked, not freed under them. Resets `d` otherwise.
void CleanupSrcuDomain(std::unique_ptr<rcu::SrcuDomain>& d,
                       std::string_view what);
#endif

}  // namespace torture

#endif  // TORTURE_FLAVOURS_FLAVOURS_H_

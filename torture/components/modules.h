// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// modules.h: module-unload torture (--modules): real shared objects that
// post RCU callbacks, loaded with dlopen() and unloaded with dlclose() over
// and over while the rest of the torture test runs.
//
// The problem (seeds 000-002): a callback whose function lives in a module
// must not run after the module is gone. The module's exit must first stop
// every new post ("unregister"), then Barrier() every domain its callbacks
// can reach (our rcu and each secondary domain, the kernel's rcu_barrier()
// and srcu_barrier() on each srcu_struct), and only then may it be unmapped
// ("unallocate"). Synchronize() is not enough: it waits for a grace
// period, not for the callbacks that grace period made ready.
//
// Threads: `rcu_torture_modules` (the loader) keeps n_modules modules
// loaded (torture/modules/torture_module.cc, copied to one file per slot so
// that each dlopen() maps a fresh image), and every module_interval_ms
// unloads one with the --module_exit sequence and loads it again;
// `rcu_torture_module_hooks` posts the harness's own callbacks that call
// hooks the modules registered (code reached by callbacks a module never
// posted itself).
//
// Detection: each instance's image span (its PT_LOAD segments, from
// dl_iterate_phdr) is recorded at load and kept after dlclose(), in an
// index of every span ever mapped. Every module callback goes through
// ModuleCbTrampoline, which before calling looks the function's address up
// in that index: it must lie in a loaded image, and that image must be the
// instance the callback was posted for (resolved at post time, when the
// poster is loaded, since a later dlopen() may map another copy at the
// same address). Otherwise it prints
//   <type>-torture:!!! callback into unloaded module NAME (fn 0xADDR, posted on DOMAIN)
// and skips the call. An unloaded span is then reserved PROT_NONE (best
// effort, the last kReservedSpans spans), so that with --module_check=0 a
// late callback jumps into unmapped memory and dies of SIGSEGV, which the
// failure signal handler reports. Hook functions are checked against the
// registering module's span when registered, module-posted functions when
// posted.
//
// The check reads only harness memory and the callback's head: heads are
// on the heap (module_abi.h), instance records are never freed, so the
// check itself cannot fault on unmapped module memory.
//
// Stats field: ` modules: loads/unloads:late-callbacks` at the end of the
// stats line when --modules is on; a late callback makes the run FAIL.
#ifndef TORTURE_COMPONENTS_MODULES_H_
#define TORTURE_COMPONENTS_MODULES_H_

#include <string>

#include "absl/status/status.h"
#include "torture/flavours/ops.h"
#include "torture/runtime/params.h"

namespace torture {

// A domain module callbacks can be posted on. `call` has TortureOps::call's
// shape, so the flavour under test (any flavour with call and cb_barrier)
// is domain 0 as it stands; secondary domains wrap a library object with
// Call(RcuHead*, RcuCallback), Barrier() and Synchronize().
struct CallbackDomain {
  std::string name;
  void* ctx = nullptr;
  void (*call)(void* ctx, TortureHead* h, void (*func)(TortureHead*)) = nullptr;
  void (*barrier)(void* ctx) = nullptr;
  void (*synchronize)(void* ctx) = nullptr;
};

// Before the Start line: the flavour must have call and cb_barrier (and
// sync for --module_exit=synchronize), and the module file must exist.
// The error is printed as one line and the run exits 64.
absl::Status ModulesValidate(const Params& p, const TortureOps& ops);
// Creates the secondary domains and the loader and hook threads (if
// --modules). After the other thread kinds' XInit().
void ModulesInit();
// Stops both threads, unloads every loaded module the correct way
// (Barrier() on every domain, then dlclose()), and registers each
// secondary domain's barrier with RegisterCleanupBarrier(), so that late
// callbacks still queued there run during the cleanup's concurrent
// barriers. Before RunCleanupBarriers().
void ModulesCleanup();
// After RunCleanupBarriers(), before the verdict: cleanup_srcu_struct() on
// each secondary domain (a refusal is an error of the run), and the count
// of late callbacks.
void ModulesDestroyDomains();
// " modules: loads/unloads:late-callbacks" or "" when --modules is off.
std::string ModulesStats();

}  // namespace torture

#endif  // TORTURE_COMPONENTS_MODULES_H_

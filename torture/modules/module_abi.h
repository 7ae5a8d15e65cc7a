// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// module_abi.h: the interface between rcutorture and the torture modules
// it loads with dlopen() (torture/modules/*.cc, built as shared objects).
//
// Plain structs and function pointers only: a module links nothing of the
// harness or the library and reaches every callback domain through its
// ModuleHost. The harness calls, in order:
//
//   torture_module_init(host)         the module starts posting callbacks
//                                     (own heads, own functions) and may
//                                     register hooks the harness's own
//                                     callbacks call into it
//   torture_module_exit(host, mode)   "unregister" then the barriers: stop
//                                     every new post (join the poster
//                                     thread, unregister hooks), then, in
//                                     kModuleExitBarrier mode, Barrier() on
//                                     every domain its callbacks can reach
//   dlclose()                         "unallocate": the image is unmapped
//
// The other exit modes do the barrier step wrongly on purpose
// (rcutorture --module_exit=), and the harness must then catch a callback
// that arrives after dlclose().
//
// Memory rule: a ModuleHead must live on the heap (operator new), never in
// the module's static storage. The domain keeps the head on its callback
// list until the callback runs, and the harness's trampoline reads it
// before deciding whether the target is still mapped; a head inside the
// image would be unmapped by dlclose() under both. The harness rejects
// (counts as an error) a head posted from inside the module's image.
#ifndef TORTURE_MODULES_MODULE_ABI_H_
#define TORTURE_MODULES_MODULE_ABI_H_

#include <cstddef>
#include <cstdint>

namespace torture {

inline constexpr int kModuleAbiVersion = 1;

// How torture_module_exit() waits for its callbacks (--module_exit=).
enum ModuleExitMode : int {
  kModuleExitBarrier = 0,      // Barrier() on every reachable domain: correct
  kModuleExitSynchronize = 1,  // Synchronize() instead: a GP, not callbacks
  kModuleExitOneBarrier = 2,   // Barrier() on the flavour and the first
                               // secondary domain only
  kModuleExitNone = 3,         // no wait at all
  kModuleExitCounter = 4,      // wait until the module's own count of
                               // callbacks in flight is zero (the race
                               // that makes counting no substitute for
                               // Barrier(): a callback that decremented
                               // the count is still running module code)
};

// A callback head a module posts. Opaque: the harness keeps the domain's
// own head and its bookkeeping here. Embed one in a heap object.
struct ModuleHead {
  alignas(16) unsigned char opaque[112];
};
using ModuleCallback = void (*)(ModuleHead*);
using ModuleHook = void (*)(void* arg);

// What the harness offers one loaded module; valid from init until after
// dlclose(). Domain 0 is the flavour under test (rcutorture's
// torture_type); domains 1..n_domains-1 are the secondary domains.
struct ModuleHost {
  int abi_version;
  const char* name;  // "torture_module.2#15": slot 2, load 15
  int n_domains;
  const char* const* domain_names;
  uint64_t seed;      // for the module's own random choices
  void* harness_ctx;  // the harness's own; a module leaves it alone

  // call_rcu() on domain `d`: func(head) runs after a grace period of `d`,
  // through the harness's checking trampoline.
  void (*call)(const ModuleHost* h, int d, ModuleHead* head,
               ModuleCallback func);
  // rcu_barrier() / synchronize_rcu() on domain `d` (not from a callback).
  void (*barrier)(const ModuleHost* h, int d);
  void (*synchronize)(const ModuleHost* h, int d);

  // Asks the harness to call hook(arg), from callbacks of its own posted on
  // domain `d`, until unregistered. Returns a handle. After
  // unregister_hook() returns the harness posts no new such callback; ones
  // already posted still call the hook (so `d` needs a barrier too).
  int (*register_hook)(const ModuleHost* h, int d, ModuleHook hook, void* arg);
  void (*unregister_hook)(const ModuleHost* h, int handle);

  // A module thread calls thread_init() first and thread_exit() last (the
  // flavour registers it); sleep_us() sleeps as a quiescent thread.
  void (*thread_init)(const ModuleHost* h);
  void (*thread_exit)(const ModuleHost* h);
  void (*sleep_us)(const ModuleHost* h, int64_t us);

  // A "<type>-torture:!!! <name>: msg" line; the run ends in FAILURE.
  void (*error)(const ModuleHost* h, const char* msg);
  // A verbose log line "<type>-torture: <name>: msg".
  void (*log)(const ModuleHost* h, const char* msg);
};

}  // namespace torture

// The module's entry points (looked up with dlsym).
extern "C" {
using TortureModuleInitFn = int (*)(const torture::ModuleHost*);
using TortureModuleExitFn = void (*)(const torture::ModuleHost*, int mode);
inline constexpr char kTortureModuleInit[] = "torture_module_init";
inline constexpr char kTortureModuleExit[] = "torture_module_exit";
}

#endif  // TORTURE_MODULES_MODULE_ABI_H_

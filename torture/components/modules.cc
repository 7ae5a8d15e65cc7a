// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// modules.cc: module-unload torture (--modules): real shared objects that
// post RCU callbacks, loaded with dlopen() and unloaded with dlclose() over
// and over while the rest of the torture test runs.
//
// The problem ("RCU and unloadable modules", LWN, 2007; the kernel's
// Documentation/RCU/rcubarrier.rst): a callback whose function lives in a
// module must not run after the module is gone. The module's exit must first
// stop every new post ("unregister"), then Barrier() every domain its callbacks
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
//   <type>-torture:!!! callback into unloaded module NAME (fn 0xADDR, posted on
//   DOMAIN)
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
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <system_error>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "rcu/check.h"
#include "torture/flavours/flavours.h"
#include "torture/modules/module_abi.h"
#include "torture/runtime/cleanup_barriers.h"
#include "torture/runtime/mutex.h"
#include "torture/runtime/run.h"

#if defined(TORTURE_HAVE_RCU)
#include "rcu/srcu.h"
#endif

namespace torture {
namespace {

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

// ---- Secondary domains. ----
//
// Each secondary domain is one library object with Call(RcuHead*,
// RcuCallback), Barrier() and Synchronize(), shared by every module (like a
// global srcu_struct a module's callbacks use). They are SRCU domains; the
// harness only uses those three members, LibraryDomain() and
// CreateSecondary().
#if defined(TORTURE_HAVE_RCU)
using SecondaryDomain = rcu::SrcuDomain;
constexpr char kSecondaryKind[] = "srcu";  // domain names: srcu1, srcu2, ...

absl::StatusOr<std::unique_ptr<SecondaryDomain>> CreateSecondary(
    const std::string& name) {
  rcu::Config c;
  c.nr_cpu_ids = 2;  // two callback queues per domain
  return rcu::SrcuDomain::Create(c, name);
}

static_assert(sizeof(rcu::RcuHead) <= sizeof(TortureHead::impl),
              "rcu::RcuHead must fit in TortureHead::impl");

// A domain over a library object D: the domain's RcuHead lives in the
// TortureHead's impl (offset 0), as ops_rcu.cc does for the flavour.
template <typename D>
CallbackDomain LibraryDomain(std::string name, D* d) {
  CallbackDomain dom;
  dom.name = std::move(name);
  dom.ctx = d;
  dom.call = [](void* ctx, TortureHead* h, void (*func)(TortureHead*)) {
    h->func = func;
    rcu::RcuHead* rh = new (h->impl) rcu::RcuHead;
    static_cast<D*>(ctx)->Call(rh, [](rcu::RcuHead* r) {
      TortureHead* th = reinterpret_cast<TortureHead*>(r);
      th->func(th);
    });
  };
  dom.barrier = [](void* ctx) { static_cast<D*>(ctx)->Barrier(); };
  dom.synchronize = [](void* ctx) { static_cast<D*>(ctx)->Synchronize(); };
  return dom;
}
#endif  // TORTURE_HAVE_RCU

// Domain 0: the flavour under test, through its ops table.
CallbackDomain FlavourDomain(const TortureOps* ops, const std::string& type) {
  CallbackDomain dom;
  dom.name = type;
  dom.ctx = const_cast<TortureOps*>(ops);
  dom.call = [](void* ctx, TortureHead* h, void (*func)(TortureHead*)) {
    static_cast<const TortureOps*>(ctx)->call(h, func);
  };
  dom.barrier = [](void* ctx) {
    static_cast<const TortureOps*>(ctx)->cb_barrier();
  };
  dom.synchronize = [](void* ctx) {
    static_cast<const TortureOps*>(ctx)->sync();
  };
  return dom;
}

// ---- Instances. ----

enum class InstState { kLoaded, kUnloading, kUnloaded };

// The one lock of this file: instance states and in-flight counts, hooks.
Mutex g_mu;
CondVar g_cv;  // in_flight dropped to 0

// One load of one module. Never freed during the run: late callbacks keep
// pointing here after dlclose().
struct Instance {
  uint64_t id = 0;
  int slot = 0;
  std::string name;
  void* handle = nullptr;
  // The image span, [lo, hi), page-aligned; kept after dlclose().
  uintptr_t lo = 0, hi = 0;
  TortureModuleExitFn exit_fn = nullptr;
  ModuleHost host{};
  // Invariant: in_flight > 0 only while state is kLoaded or kUnloading,
  // and the unloader waits for 0 before dlclose() (with checking on).
  InstState state ABSL_GUARDED_BY(g_mu) = InstState::kUnloaded;
  int in_flight ABSL_GUARDED_BY(g_mu) = 0;
  // The most recent callback that entered the module, for reports.
  uintptr_t last_fn ABSL_GUARDED_BY(g_mu) = 0;
  const char* last_domain ABSL_GUARDED_BY(g_mu) = "";
};

// The harness's part of a callback that calls into a module: in a
// module's ModuleHead (module-posted) or on the heap (hook callbacks).
// `th` first: domains hand the TortureHead back.
struct CbHead {
  TortureHead th;
  Instance* owner = nullptr;
  const CallbackDomain* domain = nullptr;
  ModuleCallback module_fn = nullptr;  // module-posted: module_fn(head)
  ModuleHook hook_fn = nullptr;        // hook: hook_fn(hook_arg)
  void* hook_arg = nullptr;
};
static_assert(sizeof(CbHead) <= sizeof(ModuleHead::opaque),
              "CbHead must fit in ModuleHead");
static_assert(alignof(CbHead) <= alignof(ModuleHead), "ModuleHead alignment");

// A hook a module registered.
struct HookReg {
  int handle;
  Instance* owner;
  int domain;
  ModuleHook fn;
  void* arg;
};

// Reports printed in full; later ones are counted only.
constexpr long kMaxReports = 10;
// Unloaded image spans kept reserved (PROT_NONE).
constexpr size_t kReservedSpans = 64;
constexpr int64_t kHookPeriodUs = 1000;

struct ModulesState {
  bool on = false;
  bool check = true;
  int exit_mode = kModuleExitBarrier;
  std::filesystem::path dir;  // per-slot copies live here
  std::vector<std::string> slot_paths;
#if defined(TORTURE_HAVE_RCU)
  std::vector<std::unique_ptr<SecondaryDomain>> secondaries;
#endif
  std::vector<CallbackDomain> domains;  // fixed while modules run
  std::vector<const char*> domain_names;
  // Loader (or cleanup, after the loader is joined) only.
  std::deque<std::unique_ptr<Instance>> all;
  std::vector<Instance*> loaded;  // per slot; nullptr: empty
  std::deque<std::pair<uintptr_t, uintptr_t>> reserved;
  Run* run = nullptr;  // set before the first thread or callback
  ThreadCtx* loader = nullptr;
  ThreadCtx* hooker = nullptr;

  std::atomic<long> loads{0}, unloads{0}, late{0};
  std::vector<HookReg> hooks ABSL_GUARDED_BY(g_mu);
  // Every image span ever mapped, by start address: lo -> the instance
  // mapped there most recently (loaded or not). Invariant: the spans are
  // disjoint (a load drops the unloaded entries its span overlaps), so the
  // entry at or below an address is the only one that can contain it.
  std::map<uintptr_t, Instance*> spans ABSL_GUARDED_BY(g_mu);
  int next_hook ABSL_GUARDED_BY(g_mu) = 0;
  // Late module-posted heads, kept (module memory, never freed by us).
  std::vector<CbHead*> quarantine ABSL_GUARDED_BY(g_mu);
};

// The callbacks' and the module ABI's way to the state: they get only a
// head or a ModuleHost.
ModulesState& M() {
  static ModulesState* m = new ModulesState;
  return *m;
}

// The instance whose image span contains `a` (the last one mapped there),
// or nullptr when no module was ever mapped at `a`.
Instance* SpanOwnerLocked(uintptr_t a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  auto it = M().spans.upper_bound(a);
  if (it == M().spans.begin()) return nullptr;
  --it;
  return a < it->second->hi ? it->second : nullptr;
}

// Records a freshly mapped image's span, replacing the unloaded spans it
// overlaps (their addresses now belong to this image).
void AddSpanLocked(Instance* inst) ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
  std::map<uintptr_t, Instance*>& spans = M().spans;
  auto it = spans.upper_bound(inst->lo);
  if (it != spans.begin() && std::prev(it)->second->hi > inst->lo) --it;
  while (it != spans.end() && it->first < inst->hi) {
    RCU_DCHECK(it->second->state == InstState::kUnloaded,
               "two loaded module images overlap");
    it = spans.erase(it);
  }
  spans.emplace(inst->lo, inst);
}

uintptr_t FnAddr(const CbHead* cb) {
  return cb->module_fn != nullptr ? reinterpret_cast<uintptr_t>(cb->module_fn)
                                  : reinterpret_cast<uintptr_t>(cb->hook_fn);
}

// Counts one late callback; prints the first kMaxReports.
void ReportLate(const std::string& what) {
  long n = M().late.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n <= kMaxReports) {
    TortureError(what);
  } else {
    CountErrors(1);
    if (n == kMaxReports + 1)
      TorErr("modules: further late-callback reports suppressed");
  }
}

void Invoke(CbHead* cb) {
  if (cb->module_fn != nullptr) {
    // The module frees its head (our CbHead inside it) in module_fn.
    cb->module_fn(reinterpret_cast<ModuleHead*>(cb));
  } else {
    cb->hook_fn(cb->hook_arg);
    delete cb;
  }
}

// Every callback into a module runs through here (the domain's callback).
void ModuleCbTrampoline(TortureHead* th) {
  CbHead* cb = reinterpret_cast<CbHead*>(th);
  if (!M().check) {
    Invoke(cb);
    return;
  }
  Instance* inst = cb->owner;
  const uintptr_t fn = FnAddr(cb);
  std::string late;
  {
    MutexLock l(g_mu);
    // Two checks, both before the call: the function's address must lie in
    // a loaded image (the kept spans of unloaded ones say whose it was),
    // and the instance it was posted for must be that loaded one, since a
    // later copy may have been mapped at the same address.
    Instance* at = SpanOwnerLocked(fn);
    if (at == inst && inst->state == InstState::kLoaded) {
      ++inst->in_flight;
      inst->last_fn = fn;
      inst->last_domain = cb->domain->name.c_str();
    } else {
      const Instance* gone = inst->state != InstState::kLoaded ? inst : at;
      late =
          gone != nullptr
              ? fmt::format(
                    "callback into unloaded module {} (fn {:#x}, posted on {})",
                    gone->name, fn, cb->domain->name)
              : fmt::format(
                    "callback into unloaded module: fn {:#x} in no module "
                    "image "
                    "(posted by {} on {})",
                    fn, inst->name, cb->domain->name);
      if (cb->module_fn != nullptr) {
        M().quarantine.push_back(cb);
      } else {
        delete cb;
      }
    }
  }
  if (!late.empty()) {
    ReportLate(late);
    return;
  }
  Invoke(cb);  // cb may be freed from here on
  MutexLock l(g_mu);
  RCU_DCHECK(inst->in_flight > 0 && inst->state != InstState::kUnloaded,
             "module callback returned into an unloaded instance's count");
  if (--inst->in_flight == 0) g_cv.NotifyAll();
}

// ---- The host interface (module_abi.h). ----

Instance* Inst(const ModuleHost* h) {
  return static_cast<Instance*>(h->harness_ctx);
}

bool InImage(const Instance* inst, uintptr_t a) {
  return a >= inst->lo && a < inst->hi;
}

bool ValidDomain(const ModuleHost* h, int d, const char* what) {
  if (d >= 0 && d < static_cast<int>(M().domains.size())) return true;
  TortureError(
      fmt::format("{}: {} on domain {}: no such domain", h->name, what, d));
  return false;
}

void HostCall(const ModuleHost* h, int d, ModuleHead* head,
              ModuleCallback func) {
  Instance* inst = Inst(h);
  if (!ValidDomain(h, d, "call")) return;
  if (InImage(inst, reinterpret_cast<uintptr_t>(head))) {
    // The domain would hold a pointer into memory dlclose() unmaps.
    TortureError(fmt::format(
        "{}: callback head {} inside the module image (use the heap)", h->name,
        fmt::ptr(head)));
    return;
  }
  if (!InImage(inst, reinterpret_cast<uintptr_t>(func))) {
    TortureError(fmt::format("{}: callback fn {:#x} outside the module image",
                             h->name, reinterpret_cast<uintptr_t>(func)));
  }
  CbHead* cb = new (head->opaque) CbHead;
  cb->owner = inst;
  cb->domain = &M().domains[d];
  cb->module_fn = func;
  cb->domain->call(cb->domain->ctx, &cb->th, ModuleCbTrampoline);
}

void HostBarrier(const ModuleHost* h, int d) {
  if (!ValidDomain(h, d, "barrier")) return;
  GpWaitScope w("module barrier");
  M().domains[d].barrier(M().domains[d].ctx);
}

void HostSynchronize(const ModuleHost* h, int d) {
  if (!ValidDomain(h, d, "synchronize")) return;
  GpWaitScope w("module synchronize");
  M().domains[d].synchronize(M().domains[d].ctx);
}

int HostRegisterHook(const ModuleHost* h, int d, ModuleHook hook, void* arg) {
  if (!ValidDomain(h, d, "register_hook")) return -1;
  if (!InImage(Inst(h), reinterpret_cast<uintptr_t>(hook))) {
    TortureError(fmt::format("{}: hook fn {:#x} outside the module image",
                             h->name, reinterpret_cast<uintptr_t>(hook)));
    return -1;
  }
  MutexLock l(g_mu);
  int handle = M().next_hook++;
  M().hooks.push_back({handle, Inst(h), d, hook, arg});
  return handle;
}

void HostUnregisterHook(const ModuleHost*, int handle) {
  MutexLock l(g_mu);
  std::erase_if(M().hooks,
                [handle](const HookReg& r) { return r.handle == handle; });
}

void HostThreadInit(const ModuleHost*) { M().run->ops->thread_init(-1); }
void HostThreadExit(const ModuleHost*) { M().run->ops->thread_exit(); }
void HostSleepUs(const ModuleHost*, int64_t us) { TortureSleepUs(us); }
void HostError(const ModuleHost* h, const char* msg) {
  TortureError(fmt::format("{}: {}", h->name, msg));
}
void HostLog(const ModuleHost* h, const char* msg) {
  if (M().run->p.verbose >= 2) TorOut(fmt::format("{}: {}", h->name, msg));
}

// ---- Load and unload. ----

// The page-aligned span of the PT_LOAD segments of the object whose load
// address and name are in `lm`.
struct SpanQuery {
  const link_map* lm;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
};

int FindSpan(dl_phdr_info* info, size_t, void* data) {
  SpanQuery* q = static_cast<SpanQuery*>(data);
  if (info->dlpi_addr != q->lm->l_addr || info->dlpi_name == nullptr ||
      std::strcmp(info->dlpi_name, q->lm->l_name) != 0) {
    return 0;
  }
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    q->lo = std::min(q->lo, start & ~(page - 1));
    q->hi = std::max(q->hi, (start + ph.p_memsz + page - 1) & ~(page - 1));
  }
  return 1;
}

// Keeps an unloaded image's span mapped PROT_NONE, so that nothing else is
// mapped there for a while and a late call faults. Best effort: another
// mapping may already have taken part of it.
void ReserveSpan(uintptr_t lo, uintptr_t hi) {
  void* want = reinterpret_cast<void*>(lo);
  void* p = mmap(
      want, hi - lo, PROT_NONE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return;
  if (p != want) {  // a kernel without MAP_FIXED_NOREPLACE placed it elsewhere
    munmap(p, hi - lo);
    return;
  }
  M().reserved.emplace_back(lo, hi);
  if (M().reserved.size() > kReservedSpans) {
    munmap(reinterpret_cast<void*>(M().reserved.front().first),
           M().reserved.front().second - M().reserved.front().first);
    M().reserved.pop_front();
  }
}

void Load(int slot) {
  ModulesState& m = M();
  const std::string& path = m.slot_paths[slot];
  auto owned = std::make_unique<Instance>();
  Instance* inst = owned.get();
  inst->id = m.all.size();
  inst->slot = slot;
  inst->name = fmt::format("torture_module.{}#{}", slot, inst->id);
  m.all.push_back(std::move(owned));
  inst->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (inst->handle == nullptr) {
    TortureError(fmt::format("modules: dlopen {}: {}", path, dlerror()));
    return;
  }
  link_map* lm = nullptr;
  SpanQuery q;
  if (dlinfo(inst->handle, RTLD_DI_LINKMAP, &lm) == 0) {
    q.lm = lm;
    dl_iterate_phdr(FindSpan, &q);
  }
  auto init = reinterpret_cast<TortureModuleInitFn>(
      dlsym(inst->handle, kTortureModuleInit));
  inst->exit_fn = reinterpret_cast<TortureModuleExitFn>(
      dlsym(inst->handle, kTortureModuleExit));
  if (q.hi == 0 || init == nullptr || inst->exit_fn == nullptr) {
    TortureError(
        fmt::format("modules: {}: no image span or no {}/{} entry point", path,
                    kTortureModuleInit, kTortureModuleExit));
    dlclose(inst->handle);
    return;
  }
  inst->lo = q.lo;
  inst->hi = q.hi;
  ModuleHost& h = inst->host;
  h.abi_version = kModuleAbiVersion;
  h.name = inst->name.c_str();
  h.n_domains = static_cast<int>(m.domains.size());
  h.domain_names = m.domain_names.data();
  h.seed = SplitMix64(M().run->p.seed ^ SplitMix64(inst->id + 1));
  h.harness_ctx = inst;
  h.call = HostCall;
  h.barrier = HostBarrier;
  h.synchronize = HostSynchronize;
  h.register_hook = HostRegisterHook;
  h.unregister_hook = HostUnregisterHook;
  h.thread_init = HostThreadInit;
  h.thread_exit = HostThreadExit;
  h.sleep_us = HostSleepUs;
  h.error = HostError;
  h.log = HostLog;
  {
    MutexLock l(g_mu);
    inst->state = InstState::kLoaded;
    AddSpanLocked(inst);
  }
  if (init(&inst->host) != 0) {
    TortureError(
        fmt::format("modules: {}: torture_module_init failed", inst->name));
    // Nothing was posted; no barrier needed.
    {
      MutexLock l(g_mu);
      inst->state = InstState::kUnloaded;
    }
    dlclose(inst->handle);
    return;
  }
  m.loaded[slot] = inst;
  m.loads.fetch_add(1, std::memory_order_relaxed);
  if (M().run->p.verbose >= 2) {
    TorOut(fmt::format("modules: loaded {} at [{:#x}, {:#x})", inst->name,
                       inst->lo, inst->hi));
  }
}

void Unload(int slot, int mode) {
  ModulesState& m = M();
  Instance* inst = m.loaded[slot];
  if (inst == nullptr) return;
  m.loaded[slot] = nullptr;
  // The module's exit: unregister, then (per mode) the barriers.
  inst->exit_fn(&inst->host, mode);
  std::string running;
  {
    MutexLock l(g_mu);
    inst->state = InstState::kUnloading;
    if (m.check && inst->in_flight > 0) {
      // Its exit returned with a callback still running in its code.
      running = fmt::format(
          "callback into module {} still running at unload (fn {:#x}, posted "
          "on {})",
          inst->name, inst->last_fn, inst->last_domain);
    }
  }
  if (!running.empty()) {
    ReportLate(running);
    // Let it return before unmapping (with checking off it would crash).
    MutexLock l(g_mu);
    g_cv.Wait(g_mu, [inst]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_mu) {
      return inst->in_flight == 0;
    });
  }
  if (m.check) {
    MutexLock l(g_mu);
    RCU_DCHECK(inst->in_flight == 0,
               "unmapping a module with a callback running in it");
  }
  const std::string& path = m.slot_paths[slot];
  if (dlclose(inst->handle) != 0) {
    TortureError(fmt::format("modules: dlclose {}: {}", inst->name, dlerror()));
  }
  // The image must really be gone (a STB_GNU_UNIQUE symbol or a
  // thread_local with a destructor would pin it).
  if (void* again = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    TortureError(
        fmt::format("modules: {} still mapped after dlclose", inst->name));
    dlclose(again);
  } else {
    ReserveSpan(inst->lo, inst->hi);
  }
  {
    MutexLock l(g_mu);
    inst->state = InstState::kUnloaded;
  }
  m.unloads.fetch_add(1, std::memory_order_relaxed);
  if (M().run->p.verbose >= 2)
    TorOut(fmt::format("modules: unloaded {}", inst->name));
}

int ExitMode(const std::string& s) {
  if (s == "barrier") return kModuleExitBarrier;
  if (s == "synchronize") return kModuleExitSynchronize;
  if (s == "one-barrier") return kModuleExitOneBarrier;
  if (s == "none") return kModuleExitNone;
  if (s == "counter") return kModuleExitCounter;
  return -1;
}

// --module_path, else torture_module.so beside the binary (the build
// tree), else <bindir>/../<libdir>/rcutorture/torture_module.so (an
// installed rcutorture; relative to the executable, so the installed tree
// may be moved). The first name when neither exists, for the error.
std::filesystem::path ModuleFile(const Params& p) {
  if (!p.module_path.empty()) return p.module_path;
  std::error_code ec;
  std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path beside = exe.parent_path() / "torture_module.so";
  std::filesystem::path installed = exe.parent_path().parent_path() /
                                    TORTURE_INSTALL_LIBDIR / "rcutorture" /
                                    "torture_module.so";
  if (!std::filesystem::exists(beside) && std::filesystem::exists(installed)) {
    return installed.lexically_normal();
  }
  return beside;
}

// ---- Threads. ----

void LoaderMain() {
  ModulesState& m = M();
  const Params& p = M().run->p;
  for (int i = 0; i < p.n_modules && !MustStop(); ++i) Load(i);
  int next = 0;
  while (!MustStop()) {
    if (SleepUntilOrStop(NowNs() + int64_t{p.module_interval_ms} * 1'000'000))
      break;
    Unload(next, m.exit_mode);
    Load(next);
    next = (next + 1) % p.n_modules;
  }
  KthreadStopping("rcu_torture_modules");
}

void HookPosterMain() {
  const TortureOps* ops = M().run->ops;
  do {
    {
      // Posting under g_mu: after HostUnregisterHook() returns, no new
      // callback for that hook is posted.
      MutexLock l(g_mu);
      for (const HookReg& r : M().hooks) {
        CbHead* cb = new CbHead;
        cb->owner = r.owner;
        cb->domain = &M().domains[r.domain];
        cb->hook_fn = r.fn;
        cb->hook_arg = r.arg;
        cb->domain->call(cb->domain->ctx, &cb->th, ModuleCbTrampoline);
      }
    }
    if (ops->quiescent_state != nullptr) ops->quiescent_state();
  } while (!SleepUntilOrStop(NowNs() + kHookPeriodUs * 1000));
  KthreadStopping("rcu_torture_module_hooks");
}

// Creates the secondary domains and the loader and hook threads (if
// --modules).
void ModulesInit(Run& run) {
  ModulesState& m = M();
  m.run = &run;
  const Params& p = M().run->p;
  if (!p.modules) return;
  m.on = true;
  m.check = p.module_check;
  m.exit_mode = ExitMode(p.module_exit);
  m.domains.push_back(FlavourDomain(run.ops, run.type));
#if defined(TORTURE_HAVE_RCU)
  for (int i = 1; i <= p.module_domains; ++i) {
    std::string name = fmt::format("{}{}", kSecondaryKind, i);
    absl::StatusOr<std::unique_ptr<SecondaryDomain>> d = CreateSecondary(name);
    if (!d.ok()) {
      TortureError(fmt::format("modules: cannot create domain {}: {}", name,
                               std::string(d.status().message())));
      m.domains.clear();
      return;
    }
    m.secondaries.push_back(std::move(*d));
    m.domains.push_back(LibraryDomain(name, m.secondaries.back().get()));
  }
#endif
  for (const CallbackDomain& d : m.domains)
    m.domain_names.push_back(d.name.c_str());
  // One copy of the module per slot: dlopen() of one path returns the
  // handle already loaded, so each slot needs a file of its own.
  std::filesystem::path src = ModuleFile(p);
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "rcutorture-modules.XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    TortureError(
        fmt::format("modules: mkdtemp {}: {}", tmpl, std::strerror(errno)));
    return;
  }
  m.dir = tmpl;
  for (int i = 0; i < p.n_modules; ++i) {
    std::filesystem::path dst = m.dir / fmt::format("torture_module.{}.so", i);
    std::error_code ec;
    std::filesystem::copy_file(src, dst, ec);
    if (ec) {
      TortureError(fmt::format("modules: copy {} to {}: {}", src.string(),
                               dst.string(), ec.message()));
      return;
    }
    m.slot_paths.push_back(dst.string());
  }
  m.loaded.assign(p.n_modules, nullptr);
  std::vector<std::string> names(m.domain_names.begin(), m.domain_names.end());
  TorOut(
      fmt::format("modules: n_modules={} module_interval_ms={} domains={} "
                  "module_exit={} module_check={} "
                  "module={}",
                  p.n_modules, p.module_interval_ms, fmt::join(names, ","),
                  p.module_exit, p.module_check ? 1 : 0, src.string()));
  m.hooker =
      m.run->threads.Create("rcu_torture_module_hooks", 0, -1, HookPosterMain);
  m.loader = m.run->threads.Create("rcu_torture_modules", 0, -1, LoaderMain);
}

// Stops both threads, unloads every loaded module the correct way
// (Barrier() on every domain, then dlclose()), and registers each
// secondary domain's barrier with RegisterCleanupBarrier(), so that late
// callbacks still queued there run during the cleanup's concurrent
// barriers.
void ModulesCleanup() {
  ModulesState& m = M();
  if (!m.on) return;
  m.run->threads.Stop(m.loader);
  m.run->threads.Stop(m.hooker);
  // Each remaining module the correct way: its exit with Barrier() on
  // every domain, then dlclose().
  if (!m.slot_paths.empty()) {
    VerboseTorOut(
        fmt::format("modules: unloading {} modules (barrier on {} domains)",
                    std::count_if(m.loaded.begin(), m.loaded.end(),
                                  [](Instance* i) { return i != nullptr; }),
                    m.domains.size()));
  }
  for (size_t i = 0; i < m.loaded.size(); ++i)
    Unload(static_cast<int>(i), kModuleExitBarrier);
  std::error_code ec;
  std::filesystem::remove_all(m.dir, ec);
  // Late callbacks of wrongly unloaded modules may still be queued on a
  // secondary domain: each domain's barrier joins the cleanup's barriers,
  // which run concurrently with the flavour's (RunCleanupBarriers()).
#if defined(TORTURE_HAVE_RCU)
  for (std::unique_ptr<SecondaryDomain>& d : m.secondaries) {
    SecondaryDomain* dp = d.get();
    RegisterCleanupBarrier(fmt::format("srcu_barrier({})", dp->name()),
                           [dp] { dp->Barrier(); });
  }
#endif
}

// After the cleanup barriers, before the verdict: cleanup_srcu_struct() on
// each secondary domain (a refusal is an error of the run), and the count
// of late callbacks.
void ModulesDestroyDomains() {
  ModulesState& m = M();
  if (!m.on) return;
#if defined(TORTURE_HAVE_RCU)
  // cleanup_srcu_struct() on each secondary domain: after its barrier, so
  // a refusal (a callback or reader still outstanding) is an error of the
  // run, and the refused domain is leaked rather than freed under it.
  for (std::unique_ptr<SecondaryDomain>& d : m.secondaries)
    CleanupSrcuDomain(d, "modules: ");
  m.secondaries.clear();
#endif
  long late = m.late.load(std::memory_order_relaxed);
  if (late > 0) {
    TorErr(
        fmt::format("modules: {} late callbacks into unloaded modules", late));
  }
}

std::string ModulesStats() {
  ModulesState& m = M();
  if (!m.on) return "";
  return fmt::format(" modules: {}/{}:{}",
                     m.loads.load(std::memory_order_relaxed),
                     m.unloads.load(std::memory_order_relaxed),
                     m.late.load(std::memory_order_relaxed));
}

class Modules : public Component {
 public:
  explicit Modules(Run& run) : run_(run) {}

  void Start() override { ModulesInit(run_); }
  // Every module unloaded (its barriers, then dlclose) before the
  // flavour's own barrier and cleanup.
  void Stop() override { ModulesCleanup(); }
  void Finish() override { ModulesDestroyDomains(); }

  // " modules: loads/unloads:late-callbacks" when --modules is on.
  std::string StatsFragment() const override { return ModulesStats(); }
  std::vector<std::pair<std::string, long>> JsonCounters() const override {
    ModulesState& m = M();
    if (!m.on) return {};
    return {{"loads", m.loads.load()},
            {"unloads", m.unloads.load()},
            {"late", m.late.load()}};
  }

 private:
  Run& run_;
};

}  // namespace

std::unique_ptr<Component> MakeModules(Run& run) {
  return std::make_unique<Modules>(run);
}

// Before the Start line: the flavour must have call and cb_barrier (and
// sync for --module_exit=synchronize), and the module file must exist.
// The error is printed as one line and the run exits 64.
absl::Status ValidateModules(const Params& p, const TortureOps& ops) {
  if (!p.modules) return absl::OkStatus();
  if (ops.call == nullptr || ops.cb_barrier == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("modules: torture_type {} has no call/cb_barrier to post "
                    "module callbacks on",
                    ops.name));
  }
  if (p.module_exit == "synchronize" && ops.sync == nullptr) {
    return absl::InvalidArgumentError(fmt::format(
        "modules: torture_type {} has no sync for module_exit=synchronize",
        ops.name));
  }
#if !defined(TORTURE_HAVE_RCU)
  if (p.module_domains > 0) {
    return absl::InvalidArgumentError(
        "modules: module_domains > 0 needs the rcu library (built with "
        "TORTURE_RCU_FLAVOUR=OFF)");
  }
#endif
  std::filesystem::path f = ModuleFile(p);
  if (access(f.c_str(), R_OK) != 0) {
    return absl::NotFoundError(
        fmt::format("modules: cannot read module file '{}'", f.string()));
  }
  return absl::OkStatus();
}

}  // namespace torture

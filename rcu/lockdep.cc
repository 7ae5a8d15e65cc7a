// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// lockdep.cc: held-locks lists, the splat printer and the switches.
#include "rcu/lockdep.h"

#include <execinfo.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/debugging/stacktrace.h"
#include "absl/debugging/symbolize.h"
#include "fmt/format.h"
#include "rcu/check.h"
#include "rcu/internal/reader.h"
#include "rcu/plain_mutex.h"
#include "rcu/tree.h"  // Rcu::config(): instance names in the nesting line

namespace rcu::lockdep {

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kMutex:
      return "mutex";
    case Kind::kRcuReader:
      return "rcu reader";
    case Kind::kSrcuReader:
      return "srcu reader";
  }
  return "?";
}

namespace {

// One held-locks entry.
struct Entry {
  const void* lock;
  const char* name;
  Kind kind;
  SourceLocation site;
  uint32_t id;
};

// One thread's held-locks list. Invariant: `held` lists, oldest first,
// the entries Acquire()d by this thread and not yet Release()d by anyone.
struct ThreadLocks {
  PlainMutex mu;
  std::vector<Entry> held ABSL_GUARDED_BY(mu);
  int tid = 0;
  // Registry links, guarded by g_registry_mu.
  ThreadLocks* next = nullptr;
  ThreadLocks* prev = nullptr;
};

// Lock order: g_registry_mu, then one ThreadLocks::mu. g_splat_mu is
// taken with neither held, and takes a ThreadLocks::mu inside.
PlainMutex g_registry_mu;
ThreadLocks* g_registry ABSL_GUARDED_BY(g_registry_mu) = nullptr;

PlainMutex g_splat_mu;
Sink* g_sink ABSL_GUARDED_BY(g_splat_mu) = nullptr;
std::set<std::string>* g_warned_sites ABSL_GUARDED_BY(g_splat_mu) = nullptr;
std::atomic<uint64_t> g_splats{0};
// The next entry id (Acquire()); relaxed: only uniqueness matters.
std::atomic<uint32_t> g_next_id{0};

// The calling thread's list, in librcu's TLS line (reader.h): trivial TLS,
// so it stays readable during thread exit after ReleaseMine() (then it is
// null).
ThreadLocks* TlsLocks() {
  return static_cast<ThreadLocks*>(rcu::internal::tls_readers.lockdep_locks);
}
void SetTlsLocks(ThreadLocks* t) {
  rcu::internal::tls_readers.lockdep_locks = t;
}

// Signal handlers. An SRCU reader in a signal handler (srcu.h) records
// itself here. If the handler interrupted this thread inside lockdep, a
// list lock may be held or a list half-changed: while TlsBusy() (the
// calling thread's lockdep calls in progress) is non-zero the plug-in API
// records and removes nothing, Acquire() returns 0 ("not recorded") and
// IsHeld() answers true ("cannot tell", so that no check splats falsely).
// A handler finds the count as the interrupted code left it, and leaves it
// so. Allocation: a thread's list is created by its first record, with
// room for kReserved entries; a handler records without allocating when
// its thread already has a list and holds fewer entries.
int& TlsBusy() { return rcu::internal::tls_readers.lockdep_busy; }
constexpr size_t kReserved = 32;

class Busy {
 public:
  Busy() {
    ++TlsBusy();
    // Compiler-only: a handler on this thread sees the count raised before
    // any list is touched.
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~Busy() {
    std::atomic_signal_fence(std::memory_order_seq_cst);  // as above
    --TlsBusy();
  }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

// Unregisters and frees the thread's list when the thread exits (the
// destructor of g_exit_key, armed by the thread's first record). Entries
// still on it are dropped (an SRCU reader may legally be ended later by
// another thread, whose Release() then finds nothing and is ignored).
void ReleaseMine(void*) {
  ThreadLocks* t = TlsLocks();
  if (t == nullptr) return;
  Busy busy;
  SetTlsLocks(nullptr);
  PlainMutexLock l(g_registry_mu);
  if (t->prev != nullptr) {
    t->prev->next = t->next;
  } else {
    g_registry = t->next;
  }
  if (t->next != nullptr) t->next->prev = t->prev;
  delete t;
}

pthread_key_t ExitKey() {
  static const pthread_key_t key = [] {
    pthread_key_t k;
    RCU_CHECK(pthread_key_create(&k, ReleaseMine) == 0,
              "lockdep: pthread_key_create failed");
    return k;
  }();
  return key;
}

int GetTid() { return static_cast<int>(syscall(SYS_gettid)); }

ThreadLocks* Mine() {
  if (ThreadLocks* t = TlsLocks(); t != nullptr) return t;
  // Arms ReleaseMine() for this thread's exit.
  pthread_setspecific(ExitKey(), reinterpret_cast<void*>(1));
  auto* t = new ThreadLocks;
  t->tid = GetTid();
  {
    PlainMutexLock l(t->mu);
    t->held.reserve(kReserved);
  }
  {
    PlainMutexLock l(g_registry_mu);
    t->next = g_registry;
    if (g_registry != nullptr) g_registry->prev = t;
    g_registry = t;
  }
  SetTlsLocks(t);
  return t;
}

// Removes the newest entry for `lock` (with id `id`, unless 0) from `t`;
// true if there was one.
bool RemoveFrom(ThreadLocks* t, const void* lock, uint32_t id = 0) {
  PlainMutexLock l(t->mu);
  for (size_t i = t->held.size(); i-- > 0;) {
    if (t->held[i].lock == lock && (id == 0 || t->held[i].id == id)) {
      t->held.erase(t->held.begin() + static_cast<ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

[[maybe_unused]] bool InitialEnabled() {
  const char* e = std::getenv("RCU_LOCKDEP");
  if (e != nullptr && e[0] != '\0') return std::strcmp(e, "0") != 0;
  return RCU_DEBUG_CHECKS_ENABLED != 0;
}

std::string SiteKey(const SourceLocation& s) {
  return fmt::format("{}:{}:{}:{}", s.file_name(), s.line(), s.column(),
                     s.function_name());
}

std::string ThreadName() {
  char name[16] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return "?";
  return name;
}

// "rcu reader nesting: default 0, tree#3 1" over the instances the
// calling thread is registered with.
std::string NestingLine() {
  std::string out = "rcu reader nesting:";
  bool any = false;
  for (int slot = 0; slot < rcu::internal::kMaxInstances; ++slot) {
    const rcu::internal::ReaderWord* rw =
        rcu::internal::tls_readers.words[slot];
    if (rw == nullptr) continue;
    const rcu::internal::ThreadRec* t = rw->rec;
    // Owner-only stores: the calling thread reads its own word.
    int nest = static_cast<int>(rw->watch.load(std::memory_order_relaxed) &
                                rcu::internal::kNestMask);
    std::string who = slot == 0
                          ? std::string("default")
                          : fmt::format("{}#{}", t->owner->config().name, slot);
    out += fmt::format("{} {} {}", any ? "," : "", who, nest);
    any = true;
  }
  if (!any) out += " unregistered";
  return out;
}

std::string BuildLine() {
  return fmt::format("librcu {} build, lockdep, {} {}",
                     RCU_DEBUG_CHECKS_ENABLED ? "debug" : "release",
#if defined(__clang__)
                     "clang",
#else
                     "g++",
#endif
                     __VERSION__);
}

std::string Backtrace() {
  void* pcs[48];
  // Skip this function; the splat machinery stays visible on purpose, as
  // lockdep_rcu_suspicious does in the kernel's traces.
  int n = absl::GetStackTrace(pcs, 48, 1);
  // Debian's Abseil build unwinds nothing on x86-64 (GetStackTrace returns
  // 0 frames); glibc's unwinder is the fallback.
  if (n == 0) n = backtrace(pcs, 48);
  std::string out;
  bool leading = true;
  for (int i = 0; i < n; ++i) {
    char sym[1024];
    const char* name = "(unknown)";
    // pc - 1: the call instruction, not the one after it.
    if (absl::Symbolize(static_cast<char*>(pcs[i]) - 1, sym, sizeof(sym)))
      name = sym;
    // The formatting frames themselves are noise; the trace starts at
    // Splat(), the kernel's lockdep_rcu_suspicious().
    if (leading && (std::strstr(name, "FormatSplat") != nullptr ||
                    std::strstr(name, "Backtrace") != nullptr))
      continue;
    leading = false;
    out += fmt::format(" [<{}>] {}\n", pcs[i], name);
  }
  return out;
}

void Deliver(const std::string& text)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(g_splat_mu) {
  if (g_sink != nullptr && *g_sink) {
    (*g_sink)(text);
  } else {
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace

namespace internal {

#if RCU_LOCKDEP
constinit std::atomic<bool> g_enabled{RCU_DEBUG_CHECKS_ENABLED != 0};
// The environment overrides the build's default once, at start-up.
[[maybe_unused]] const bool g_env_applied = [] {
  g_enabled.store(InitialEnabled(), std::memory_order_relaxed);
  return true;
}();
#endif

std::string FormatSplat(std::string_view message, const SourceLocation& site,
                        int slot) {
  std::string s;
  s += "=============================\n";
  s += "WARNING: suspicious RCU usage\n";
  s += BuildLine() + " Not tainted\n";
  s += "-----------------------------\n";
  s += fmt::format("{}:{} {}!\n\n", site.file_name(), site.line(), message);
  s += "other info that might help us debug this:\n\n";
  if (slot >= 0 && rcu::internal::RecInSlot(slot) == nullptr) {
    s += "RCU used illegally from a thread not registered with the instance!\n";
  }
  s += "rcu_scheduler_active = 2, debug_locks = 1, " + NestingLine() + "\n";
  std::vector<Entry> held;
  if (ThreadLocks* t = TlsLocks(); t != nullptr) {
    Busy busy;
    PlainMutexLock l(t->mu);
    held = t->held;
  }
  const std::string who = fmt::format("{}/{}", ThreadName(), GetTid());
  if (held.empty()) {
    s += fmt::format("no locks held by {}.\n", who);
  } else {
    s += fmt::format("{} lock{} held by {}:\n", held.size(),
                     held.size() == 1 ? "" : "s", who);
    for (size_t i = 0; i < held.size(); ++i) {
      const Entry& e = held[i];
      s += fmt::format(" #{}: {} ({}){{{}}}, at: {}:{} {}\n", i, e.lock, e.name,
                       KindName(e.kind), e.site.file_name(), e.site.line(),
                       e.site.function_name());
    }
  }
  s += "\nstack backtrace:\n";
  s += Backtrace();
  return s;
}

void Splat(std::string_view message, SourceLocation site, int slot) {
  {
    PlainMutexLock l(g_splat_mu);
    if (g_warned_sites == nullptr) g_warned_sites = new std::set<std::string>;
    if (!g_warned_sites->insert(SiteKey(site)).second) return;
  }
  // Formatted outside g_splat_mu (symbolizing is slow); delivered under it
  // so that two splats never interleave.
  std::string text = FormatSplat(message, site, slot);
  PlainMutexLock l(g_splat_mu);
  g_splats.fetch_add(1, std::memory_order_relaxed);
  Deliver(text);
}

void IllegalWaitInReader(const char* what, const SourceLocation& site,
                         const char* section) {
  std::string msg =
      fmt::format("Illegal {} in {} read-side critical section", what, section);
  if (Enabled()) Splat(msg, site, -1);
  // Waiting for a grace period from inside one never returns.
  rcu::CheckFailed(site.file_name(), static_cast<int>(site.line()),
                   "ReadLockHeld()", msg.c_str());
}

void ReleaseLocal(const void* lock) {
  if (TlsBusy() != 0) return;  // a handler inside lockdep: see TlsBusy()
  Busy busy;
  if (ThreadLocks* t = TlsLocks(); t != nullptr) RemoveFrom(t, lock);
}

void ResetWarnedSitesForTesting() {
  PlainMutexLock l(g_splat_mu);
  if (g_warned_sites != nullptr) g_warned_sites->clear();
}

}  // namespace internal

void SetEnabled(bool on) {
#if RCU_LOCKDEP
  internal::g_enabled.store(on, std::memory_order_relaxed);
#else
  (void)on;
#endif
}

uint64_t SplatCount() { return g_splats.load(std::memory_order_relaxed); }

Sink SetSink(Sink sink) {
  PlainMutexLock l(g_splat_mu);
  Sink old = g_sink != nullptr ? std::move(*g_sink) : Sink();
  delete g_sink;
  g_sink = sink ? new Sink(std::move(sink)) : nullptr;
  return old;
}

uint32_t Acquire(const void* lock, const char* name, Kind kind,
                 SourceLocation site) {
  if (TlsBusy() != 0) return 0;  // a handler inside lockdep: see TlsBusy()
  Busy busy;
  const uint32_t id =
      g_next_id.fetch_add(1, std::memory_order_relaxed) % kMaxEntryId + 1;
  ThreadLocks* t = Mine();
  PlainMutexLock l(t->mu);
  t->held.push_back(Entry{lock, name, kind, site, id});
  return id;
}

namespace {
void ReleaseImpl(const void* lock, uint32_t id) {
  if (TlsBusy() != 0) return;  // a handler inside lockdep: see TlsBusy()
  Busy busy;
  if (ThreadLocks* t = TlsLocks(); t != nullptr && RemoveFrom(t, lock, id))
    return;
  // Released by another thread than the one that took it (SRCU).
  PlainMutexLock l(g_registry_mu);
  for (ThreadLocks* t = g_registry; t != nullptr; t = t->next) {
    if (RemoveFrom(t, lock, id)) return;
  }
}
}  // namespace

void Release(const void* lock) { ReleaseImpl(lock, 0); }

void ForgetLock(const void* lock) {
  Busy busy;
  PlainMutexLock l(g_registry_mu);
  for (ThreadLocks* t = g_registry; t != nullptr; t = t->next) {
    while (RemoveFrom(t, lock)) {
    }
  }
}
void Release(const void* lock, uint32_t id) {
  RCU_DCHECK(id != 0, "lockdep::Release: entry id 0");
  ReleaseImpl(lock, id);
}

bool IsHeld(const void* lock) {
  ThreadLocks* t = TlsLocks();
  if (t == nullptr) return false;
  if (TlsBusy() != 0) return true;  // a handler inside lockdep: see TlsBusy()
  Busy busy;
  PlainMutexLock l(t->mu);
  for (const Entry& e : t->held) {
    if (e.lock == lock) return true;
  }
  return false;
}

int HeldCount() {
  ThreadLocks* t = TlsLocks();
  if (t == nullptr) return 0;
  if (TlsBusy() != 0) return 0;  // a handler inside lockdep: see TlsBusy()
  Busy busy;
  PlainMutexLock l(t->mu);
  return static_cast<int>(t->held.size());
}

}  // namespace rcu::lockdep

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/thread.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include "fmt/format.h"
#include "torture/runtime/output.h"

namespace torture {
namespace {

thread_local ThreadCtx* tls_ctx = nullptr;

const TortureOps* g_ops = nullptr;  // set before the first thread
std::atomic<int> g_fullstop{kRmmod};
// Absolute end of the current stutter pause, steady-clock ns (0: none).
std::atomic<int64_t> g_stutter_till_ns{0};

// Wakes long sleeps (stats, shuffler, stutter) at stop.
std::mutex& StopMu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
std::condition_variable& StopCv() {
  static std::condition_variable* cv = new std::condition_variable;
  return *cv;
}

void Offline() {
  if (g_ops->thread_offline != nullptr) g_ops->thread_offline();
}
void Online() {
  if (g_ops->thread_online != nullptr) g_ops->thread_online();
}

}  // namespace

ThreadCtx* CurrentThread() { return tls_ctx; }

void InitThreadRuntime(const TortureOps* ops) { g_ops = ops; }

// ---- Threads. ----

ThreadCtx* ThreadSet::Create(const std::string& name, int index, int cpu_hint,
                             std::function<void()> fn) {
  VerboseTorOut(fmt::format("Creating {} task", name));
  auto owned = std::make_unique<ThreadCtx>();
  ThreadCtx* t = owned.get();
  t->name = name;
  t->index = index;
  t->cpu_hint = cpu_hint;
  threads_.push_back(std::move(owned));
  t->thread = std::thread([t, fn = std::move(fn)] {
    std::string_view base = t->name;
    for (std::string_view prefix : {"rcu_torture_", "torture_"}) {
      if (base.starts_with(prefix)) {
        base.remove_prefix(prefix.size());
        break;
      }
    }
    std::string comm = fmt::format("{}{}", base, t->index);
    pthread_setname_np(pthread_self(), comm.substr(0, 15).c_str());
    g_ops->thread_init(t->cpu_hint);
    // Set only while registered with the flavour, so that code that may
    // interrupt the thread can tell whether it may enter a reader.
    tls_ctx = t;
    fn();
    tls_ctx = nullptr;
    g_ops->thread_exit();
  });
  t->handle = t->thread.native_handle();
  return t;
}

void ThreadSet::Stop(ThreadCtx*& t) {
  if (t == nullptr) return;
  VerboseTorOut(fmt::format("Stopping {} task", t->name));
  {
    std::lock_guard<std::mutex> l(StopMu());
    t->should_stop.store(true, std::memory_order_relaxed);
  }
  StopCv().notify_all();
  t->thread.join();
  t = nullptr;
}

// Release: the complete thread list before the acquire load in complete().
void ThreadSet::MarkComplete() {
  complete_.store(true, std::memory_order_release);
}

// Acquire: pairs with the release store in MarkComplete(), so that a
// caller that sees true sees every element of all().
bool ThreadSet::complete() const {
  return complete_.load(std::memory_order_acquire);
}

// ---- Stop flags. ----

void SetFullStop(FullStop v) {
  {
    std::lock_guard<std::mutex> l(StopMu());
    g_fullstop.store(v, std::memory_order_relaxed);
  }
  StopCv().notify_all();
}

bool MustStopIrq() {
  return g_fullstop.load(std::memory_order_relaxed) != kDontStop;
}

bool MustStop() {
  if (MustStopIrq()) return true;
  ThreadCtx* t = tls_ctx;
  return t != nullptr && t->should_stop.load(std::memory_order_relaxed);
}

// ---- Time. ----

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void UDelay(int64_t us) {
  int64_t end = NowNs() + us * 1000;
  while (NowNs() < end) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
}

void TortureSleepUs(int64_t us) {
  Offline();
  std::this_thread::sleep_for(std::chrono::microseconds(us));
  Online();
}

bool SleepUntilOrStop(int64_t deadline_ns) {
  Offline();
  std::unique_lock<std::mutex> l(StopMu());
  bool stopped = false;
  while (!(stopped = MustStop()) && NowNs() < deadline_ns) {
    int64_t left = deadline_ns - NowNs();
    // Bounded waits: should_stop is set without the lock held by some paths.
    StopCv().wait_for(
        l, std::chrono::nanoseconds(std::min<int64_t>(left, 50'000'000)));
  }
  l.unlock();
  Online();
  return stopped;
}

void KthreadStopping(const char* name) {
  VerboseTorOut(fmt::format("{} is stopping", name));
  ThreadCtx* t = tls_ctx;
  Offline();
  while (t != nullptr && !t->should_stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Online();
}

// ---- Stutter and shuffle. ----

void SetStutterUntil(int64_t till_ns) {
  g_stutter_till_ns.store(till_ns, std::memory_order_relaxed);
}

bool StutterWait() {
  int64_t till = g_stutter_till_ns.load(std::memory_order_relaxed);
  if (till == 0 || NowNs() >= till) return false;
  if (g_ops->quiescent_state != nullptr) g_ops->quiescent_state();
  SleepUntilOrStop(till);
  return true;
}

void ApplyShuffle() {
  ThreadCtx* t = tls_ctx;
  if (t == nullptr || g_ops->migrate == nullptr) return;
  int cpu = t->target_cpu.exchange(-1, std::memory_order_relaxed);
  if (cpu >= 0) g_ops->migrate(cpu);
}

GpWaitScope::GpWaitScope(const char* what) : t_(tls_ctx) {
  if (t_ == nullptr) return;
  t_->blocked_in.store(what, std::memory_order_relaxed);
  t_->blocked_since_ns.store(NowNs(), std::memory_order_relaxed);
}

GpWaitScope::~GpWaitScope() {
  if (t_ != nullptr) t_->blocked_since_ns.store(0, std::memory_order_relaxed);
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/torture.h"

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_join.h"
#include "torture/runtime/lockdep.h"
#include "torture/components/modules.h"

namespace torture {
namespace {

thread_local ThreadCtx* tls_ctx = nullptr;

std::mutex& OutMu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

// Set by SIGINT/SIGTERM: end the run early, through the normal cleanup.
std::atomic<bool> g_interrupted{false};
void OnInterrupt(int) { g_interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

TortureState& T() {
  static TortureState* s = new TortureState;
  return *s;
}

ThreadCtx* CurrentThread() { return tls_ctx; }

const char* WriterStateName(int s) {
  static const char* const kNames[] = {
#define TORTURE_NAME(n) #n,
      RTWS_STATES(TORTURE_NAME)
#undef TORTURE_NAME
  };
  if (s < 0 || s >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return "RTWS_UNKNOWN";
  }
  return kNames[s];
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
  const TortureOps* ops = T().ops;
  if (ops->thread_offline != nullptr) ops->thread_offline();
  std::this_thread::sleep_for(std::chrono::microseconds(us));
  if (ops->thread_online != nullptr) ops->thread_online();
}

bool SleepUntilOrStop(int64_t deadline_ns) {
  const TortureOps* ops = T().ops;
  if (ops->thread_offline != nullptr) ops->thread_offline();
  std::unique_lock<std::mutex> l(T().stop_mu);
  bool stopped = false;
  while (!(stopped = MustStop()) && NowNs() < deadline_ns) {
    int64_t left = deadline_ns - NowNs();
    // Bounded waits: should_stop is set without stop_mu held by some paths.
    T().stop_cv.wait_for(l, std::chrono::nanoseconds(std::min<int64_t>(left, 50'000'000)));
  }
  l.unlock();
  if (ops->thread_online != nullptr) ops->thread_online();
  return stopped;
}

// ---- Output. ----

void PrintLine(std::string_view line) {
  std::lock_guard<std::mutex> l(OutMu());
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void TorOut(std::string_view s) { PrintLine(fmt::format("{}-torture: {}", T().type, s)); }

void VerboseTorOut(std::string_view s) {
  if (T().p.verbose) TorOut(s);
}

void TorErr(std::string_view s) { PrintLine(fmt::format("{}-torture:!!! {}", T().type, s)); }

void TortureError(std::string_view what) {
  T().n_error.fetch_add(1, std::memory_order_relaxed);
  TorErr(what);
}

void TortureWarn(std::string_view where, std::string_view what) {
  T().n_warnings.fetch_add(1, std::memory_order_relaxed);
  // WARN_ONCE: the first of each kind is printed, every one is counted
  // (warnings: in the JSON summary).
  static std::mutex* mu = new std::mutex;
  static std::set<std::string>* seen = new std::set<std::string>;
  {
    std::lock_guard<std::mutex> l(*mu);
    if (!seen->insert(fmt::format("{}: {}", where, what)).second) return;
  }
  PrintLine(fmt::format("WARNING: {}-torture: {}: {}", T().type, where, what));
}

// ---- Threads. ----

bool MustStopIrq() {
  return T().fullstop.load(std::memory_order_relaxed) != kDontStop;
}

bool MustStop() {
  if (MustStopIrq()) return true;
  ThreadCtx* t = tls_ctx;
  return t != nullptr && t->should_stop.load(std::memory_order_relaxed);
}

ThreadCtx* CreateTortureThread(const std::string& name, int index, int cpu_hint,
                               std::function<void()> fn) {
  VerboseTorOut(fmt::format("Creating {} task", name));
  auto owned = std::make_unique<ThreadCtx>();
  ThreadCtx* t = owned.get();
  t->name = name;
  t->index = index;
  t->cpu_hint = cpu_hint;
  T().threads.push_back(std::move(owned));
  t->thread = std::thread([t, fn = std::move(fn)] {
    tls_ctx = t;
    std::string_view base = t->name;
    for (std::string_view prefix : {"rcu_torture_", "torture_"}) {
      if (base.starts_with(prefix)) {
        base.remove_prefix(prefix.size());
        break;
      }
    }
    std::string comm = fmt::format("{}{}", base, t->index);
    pthread_setname_np(pthread_self(), comm.substr(0, 15).c_str());
    T().ops->thread_init(t->cpu_hint);
    fn();
    T().ops->thread_exit();
    tls_ctx = nullptr;
  });
  t->handle = t->thread.native_handle();
  return t;
}

void StopTortureThread(ThreadCtx*& t) {
  if (t == nullptr) return;
  VerboseTorOut(fmt::format("Stopping {} task", t->name));
  {
    std::lock_guard<std::mutex> l(T().stop_mu);
    t->should_stop.store(true, std::memory_order_relaxed);
  }
  T().stop_cv.notify_all();
  t->thread.join();
  t = nullptr;
}

void KthreadStopping(const char* name) {
  VerboseTorOut(fmt::format("{} is stopping", name));
  ThreadCtx* t = tls_ctx;
  const TortureOps* ops = T().ops;
  if (ops->thread_offline != nullptr) ops->thread_offline();
  while (t != nullptr && !t->should_stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (ops->thread_online != nullptr) ops->thread_online();
}

bool StutterWait() {
  int64_t till = T().stutter_till_ns.load(std::memory_order_relaxed);
  if (till == 0 || NowNs() >= till) return false;
  if (T().ops->quiescent_state != nullptr) T().ops->quiescent_state();
  SleepUntilOrStop(till);
  return true;
}

void ApplyShuffle() {
  ThreadCtx* t = tls_ctx;
  if (t == nullptr || T().ops->migrate == nullptr) return;
  int cpu = t->target_cpu.exchange(-1, std::memory_order_relaxed);
  if (cpu >= 0) T().ops->migrate(cpu);
}

GpWaitScope::GpWaitScope(const char* what) : t_(tls_ctx) {
  if (t_ == nullptr) return;
  t_->blocked_in.store(what, std::memory_order_relaxed);
  t_->blocked_since_ns.store(NowNs(), std::memory_order_relaxed);
}

GpWaitScope::~GpWaitScope() {
  if (t_ != nullptr) t_->blocked_since_ns.store(0, std::memory_order_relaxed);
}

// ---- Histograms and segment dump. ----

std::array<uint64_t, kPipeLen + 1> SumPipe() {
  std::array<uint64_t, kPipeLen + 1> s{};
  for (int r = 0; r <= T().nrealreaders; ++r) {  // + the shared slot
    for (int i = 0; i <= kPipeLen; ++i) {
      s[i] += T().hist[r].pipe[i].load(std::memory_order_relaxed);
    }
  }
  return s;
}

std::array<uint64_t, kPipeLen + 1> SumBatch() {
  std::array<uint64_t, kPipeLen + 1> s{};
  for (int r = 0; r <= T().nrealreaders; ++r) {  // + the shared slot
    for (int i = 0; i <= kPipeLen; ++i) {
      s[i] += T().hist[r].batch[i].load(std::memory_order_relaxed);
    }
  }
  return s;
}

void DumpErrSegs() {
  MutexLock l(T().err_mu);
  if (T().err_segs.empty()) return;
  TorOut("Failure/close-call rcutorture reader segments:");
  for (size_t i = 0; i < T().err_segs.size(); ++i) {
    const ReadSeg& s = T().err_segs[i];
    std::string line = fmt::format("\t{}: nesting {}", i, s.nesting);
    if (s.cpu >= 0) {
      line += fmt::format(" CPU {:2}", s.cpu);
      if (s.cpu_end != s.cpu) line += fmt::format("->{:<2}", s.cpu_end);
    }
    line += fmt::format(" {:#x}->{:#x}", s.gp_start, s.gp_end);
    if (s.delay_ms) line += fmt::format(" {}ms", s.delay_ms);
    if (s.delay_us) line += fmt::format(" {}us", s.delay_us);
    if (s.preempted) line += " preempted";
    PrintLine(line);
  }
  if (T().err_preempted) PrintLine("\tReader was preempted.");
}

// ---- Lifecycle. ----

namespace {

int ResolveCount(int n, int online) {
  if (n >= 0) return n;
  return std::max(1, online - 2 - n);
}

void PrintModuleParms(const char* tag) {
  PrintLine(fmt::format("{}-torture:--- {}: {}", T().type, tag, ParamLine(T().p)));
}

void PrintGpState(const char* when) {
  const TortureOps* ops = T().ops;
  if (ops->get_gp_data == nullptr) return;
  int flags = 0;
  uint64_t seq = 0;
  ops->get_gp_data(&flags, &seq);
  std::string line = fmt::format("{}:  {}-test grace-period state: g{} f{:#x}",
                                 ops->name, when, static_cast<int64_t>(seq), flags);
  if (std::string_view(when) == "End" && ops->total_gps != nullptr) {
    line += fmt::format(" total-gps={}", ops->total_gps() - T().start_gps);
  }
  PrintLine(line);
}

}  // namespace

int RunTorture(const Params& p) {
  TortureState& s = T();
  s.p = p;
  s.type = p.torture_type;
  s.ops = FindOps(p.torture_type);
  if (s.ops == nullptr) {
    std::fprintf(stderr,
                 "rcu-torture: invalid torture type: \"%s\" (valid: %s)\n",
                 p.torture_type.c_str(), absl::StrJoin(OpsNames(), " ").c_str());
    return kExitUsage;
  }
  const TortureOps* ops = s.ops;
  if (absl::Status ms = ModulesValidate(p, *ops); !ms.ok()) {
    std::fprintf(stderr, "rcutorture: %s\n", std::string(ms.message()).c_str());
    return kExitUsage;
  }
  // Before the flavour's init, so that a splat there is printed and counted.
  LockdepStart(p);
  if (ops->init != nullptr) {
    absl::Status st = ops->init(p);
    if (!st.ok()) {
      std::fprintf(stderr, "rcutorture: %s\n", std::string(st.message()).c_str());
      return kExitUsage;
    }
  }
  // The Start and End lines say whether the checks ran (a flavour such as
  // busted-lockdep, a debug build or RCU_LOCKDEP=1 turns them on too).
  if (LockdepEnabled()) s.p.lockdep = true;
  if (s.p.seed == 0) {
    s.p.seed = SplitMix64(static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count()) ^
        static_cast<uint64_t>(getpid()));
    if (s.p.seed == 0) s.p.seed = 1;
  }
  s.online_cpus = ops->num_online_cpus();
  s.nrealreaders = ResolveCount(p.nreaders, s.online_cpus);
  if (s.nrealreaders < 1) s.nrealreaders = 1;
  s.nrealfakewriters = ResolveCount(p.nfakewriters, s.online_cpus);
  s.hist = std::make_unique<ReaderHist[]>(s.nrealreaders + 1);
  s.mbchk = std::make_unique<ReaderCheck[]>(s.nrealreaders);

  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);

  s.fullstop.store(kDontStop, std::memory_order_relaxed);
  PrintModuleParms("Start of test");
  if (ops->describe != nullptr) TorOut(ops->describe());
  TorOut(fmt::format("nrealreaders={} nrealfakewriters={} online_cpus={} seed={}",
                     s.nrealreaders, s.nrealfakewriters, s.online_cpus, s.p.seed));
  if (ops->total_gps != nullptr) s.start_gps = ops->total_gps();
  PrintGpState("Start");
  s.pool.Reset();
  ChooseWriteTypes();

  // The watchdog is ours (the kernel relies on the qemu monitor).
  std::atomic<bool> watchdog_done{false};
  std::thread watchdog([&watchdog_done] { WatchdogMain(&watchdog_done); });

  s.start_ns = NowNs();
  // The writer's stallsdone: no post-stutter pool check until the stall
  // episodes (holdoff + stall, repeated) plus 60 s are over. The kernel
  // applies this to every run (stall_cpu_holdoff defaults to 10); here only
  // to runs with a stall test, so that other runs keep the check.
  if (p.stall_cpu > 0 || p.stall_gp_kthread > 0) {
    s.stallsdone_ns =
        s.start_ns + (int64_t{p.stall_cpu_holdoff} + p.stall_gp_kthread + p.stall_cpu + 60) *
                         (int64_t{std::max(p.stall_cpu_repeat, 0)} + 1) * 1'000'000'000;
  }
  s.writer = CreateTortureThread("rcu_torture_writer", 0, -1, WriterMain);
  for (int i = 0; i < s.nrealfakewriters; ++i) {
    s.fakewriters.push_back(CreateTortureThread(
        "rcu_torture_fakewriter", i, -1, [i] { FakeWriterMain(i); }));
  }
  for (int i = 0; i < s.nrealreaders; ++i) {
    s.readers.push_back(CreateTortureThread(
        "rcu_torture_reader", i, i % std::max(1, s.online_cpus),
        [i] { ReaderMain(i); }));
  }
  if (p.stat_interval > 0) {
    s.stats = CreateTortureThread("rcu_torture_stats", 0, -1, StatsMain);
  }
  if (p.stutter > 0) {
    s.stutter = CreateTortureThread("torture_stutter", 0, -1, StutterMain);
  }
  // The kernel's order: fqs, (boost, shutdown, onoff,) stall, forward
  // progress, barrier, read-exit.
  FqsInit();
  OnoffInit();
  StallInit();
  FwdProgInit();
  BarrierInit();
  ReadExitInit();
  NocbToggleInit();
  ModulesInit();
  // Last: the shuffler walks the thread list, which is complete from here.
  if (p.test_no_idle_hz && p.shuffle_interval > 0) {
    s.shuffler = CreateTortureThread("torture_shuffle", 0, -1, ShufflerMain);
  }
  // Release: the complete thread list before the watchdog's acquire load.
  s.init_done.store(true, std::memory_order_release);

  // Run: shutdown_secs (torture_shutdown), or until SIGINT/SIGTERM.
  int64_t end = p.shutdown_secs > 0 ? s.start_ns + int64_t{p.shutdown_secs} * 1'000'000'000
                                    : INT64_MAX;
  if (p.shutdown_secs > 0 && p.verbose) {
    TorOut(fmt::format("torture_shutdown task: {} ms remaining",
                       int64_t{p.shutdown_secs} * 1000));
  }
  while (NowNs() < end && !g_interrupted.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (p.shutdown_secs > 0 && !g_interrupted.load()) {
    VerboseTorOut("torture_shutdown task shutting down system");
  } else {
    TorOut("Interrupted: cleaning up");
  }

  // ---- rcu_torture_cleanup(), in seed 002's order. ----
  s.cleanup_start_ns.store(NowNs(), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> l(s.stop_mu);
    s.fullstop.store(kRmmod, std::memory_order_relaxed);
  }
  s.stop_cv.notify_all();
  s.stop_ns = NowNs();
  s.cleanup_step.store("stop shuffler/stutter", std::memory_order_relaxed);
  StopTortureThread(s.shuffler);
  StopTortureThread(s.stutter);
  OnoffCleanup();  // torture_cleanup_begin() stops onoff with these
  s.cleanup_step.store("stop read-exit", std::memory_order_relaxed);
  ReadExitCleanup();
  s.cleanup_step.store("stop barrier", std::memory_order_relaxed);
  BarrierCleanup();
  s.cleanup_step.store("stop fwd_prog", std::memory_order_relaxed);
  FwdProgCleanup();
  s.cleanup_step.store("stop stall", std::memory_order_relaxed);
  StallCleanup();
  s.cleanup_step.store("stop writer", std::memory_order_relaxed);
  StopTortureThread(s.writer);
  s.cleanup_step.store("stop nocb toggle", std::memory_order_relaxed);
  NocbToggleCleanup();
  s.cleanup_step.store("stop readers", std::memory_order_relaxed);
  for (ThreadCtx*& t : s.readers) StopTortureThread(t);
  s.cleanup_step.store("stop fake writers", std::memory_order_relaxed);
  for (ThreadCtx*& t : s.fakewriters) StopTortureThread(t);
  PrintGpState("End");
  s.cleanup_step.store("stop stats", std::memory_order_relaxed);
  StopTortureThread(s.stats);
  s.cleanup_step.store("stop fqs", std::memory_order_relaxed);
  FqsCleanup();
  // Every module unloaded (its barriers, then dlclose) before the
  // flavour's own barrier and cleanup.
  s.cleanup_step.store("unload modules", std::memory_order_relaxed);
  ModulesCleanup();

  // Wait for all RCU callbacks to fire: every flavour's and SRCU domain's
  // barrier in use, concurrently when there are several.
  s.cleanup_step.store("barrier", std::memory_order_relaxed);
  RunCleanupBarriers();
  ModulesDestroyDomains();
  s.cleanup_step.store("final stats", std::memory_order_relaxed);
  StatsPrint();  // -After- the stats thread is stopped!
  DumpErrSegs();
  // The flavour's own teardown (freeing its instance, cleanup_srcu_struct())
  // comes before the verdict, as in the kernel, so that an error it reports
  // counts; what the JSON summary reads from the flavour is read first.
  s.end_gps = ops->total_gps != nullptr ? ops->total_gps() : s.start_gps;
  if (ops->reader_mode != nullptr) s.reader_mode = ops->reader_mode();
  s.cleanup_step.store("ops cleanup", std::memory_order_relaxed);
  if (ops->cleanup != nullptr) ops->cleanup();
  LockdepReport();

  const char* verdict;
  int code;
  if (s.n_error.load() != 0 || s.n_barrier_error.load() != 0) {
    verdict = "FAILURE";
    code = kExitFailure;
  } else if (OnoffFailures()) {
    verdict = "RCU_HOTPLUG";
    code = kExitHotplug;
  } else {
    verdict = "SUCCESS";
    code = kExitSuccess;
  }
  std::string json = JsonSummary(verdict, code);
  PrintModuleParms(fmt::format("End of test: {}", verdict).c_str());

  watchdog_done.store(true, std::memory_order_relaxed);
  watchdog.join();

  if (!s.p.json.empty()) {
    std::ofstream out(s.p.json);
    out << json;
    if (!out) {
      std::fprintf(stderr, "%s-torture: cannot write JSON summary to '%s'\n",
                   s.type.c_str(), s.p.json.c_str());
    }
  }
  return code;
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// rcu_bench: librcu (rcu/) against Debian's liburcu 0.13.2, flavour
// urcu-memb, side by side in one binary (the method: rcu/bench/README.md).
//
// What is measured:
//   BM_ReadPair/<impl>        ns per empty read-side critical section
//                             (lock, compiler barrier, unlock), 1 thread, no
//                             writer; loops of 1000 pairs. <impl>:
//                               rcu_default rcu::ReadLock()/ReadUnlock()
//                                                    (default instance, slot 0)
//                               rcu_instance         Rcu::ReadLock() on an
//                                                    explicit kMembarrier
//                                                    instance
//                               rcu_instance_fences  ... on a kFences instance
//                               urcu_memb            liburcu inlined, C++ TU
//                               urcu_memb_c          liburcu inlined, C TU
//                             Counter ns_per_pair.
//   BM_SyncLatency/<impl>/readers:R
//                             latency of one synchronize with R busy readers
//                             (each loops blocks of 1000 empty pairs, pinned
//                             to CPU 1, 2, ...); the timing thread is unpinned
//                             and unregistered. <impl>: rcu_sync
//                             (rcu::Synchronize()), rcu_exp
//                             (rcu::SynchronizeExpedited()), rcu_exp_fences
//                             (SynchronizeExpedited() on a kFences instance),
//                             urcu_memb (urcu_memb_synchronize_rcu()).
//                             Counters median_us, p99_us, max_us,
//                             reader_Mpairs_per_s; the Time column is the
//                             mean.
//   BM_CallRcu/<impl>/posters:P
//                             P registered posters (1 or 2, at once) Call()
//                             4 M preallocated, prefaulted heads between
//                             them, whose callback only counts, then
//                             Barrier(). Counters: posted_Mps (posts per
//                             second over the posting window), invoked_Mps
//                             (callbacks invoked inside that window per
//                             second: the baseline's "invoked/s"), e2e_Mps
//                             (4 M / (posting + final Barrier())), drain_ms,
//                             gps_per_s and cbs_per_gp (ours: grace periods
//                             per second, callbacks per grace period).
//   BM_Barrier/<impl>/cbs:N/held:H
//                             Barrier() latency right after posting N
//                             callbacks (N = 100000, and 0 for an empty
//                             queue). held:1: a second thread sits in a
//                             read-side critical section while they are
//                             posted and leaves it just before the timed
//                             Barrier(), so all N are still queued when it
//                             starts. Counters median_ms, max_ms,
//                             post_median_ms (time to post the N).
//   Memory: sizeof(ThreadRec), sizeof(RcuData), sizeof(RcuNode) and liburcu's
//   per-thread struct urcu_reader are printed at startup and added to the
//   benchmark context.
//
// Run (release preset):
//   cmake --build --preset release --target rcu_bench -j2
//   build/release/rcu/bench/rcu_bench --benchmark_repetitions=3
//       --benchmark_enable_random_interleaving=true   (one line)
//   build/release/rcu/bench/rcu_bench --benchmark_filter=ReadPair
//       --default_reader_mode=fences     (one line; default instance kFences)
// Instruction counts of one read pair (callgrind; Ir/pair = Collected/N):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null
//       --toggle-collect=RcuDefaultReadPairOnce
//       build/release/rcu/bench/rcu_bench --icount=rcu_default --pairs=1000000
//   (one command line)
//   (--icount= rcu_default | rcu_instance | rcu_instance_fences | urcu_memb |
//   srcu |
//    urcu_memb_c | call_rcu | call_urcu; the function to collect is printed
//    by the binary and listed in README.md.)
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rcu/bench/call_flood.h"
#include "rcu/bench/urcu_side.h"
#include "rcu/lockdep.h"
#include "rcu/rcu.h"
#include "rcu/srcu.h"

// One empty pair each, noinline, for callgrind's --toggle-collect. C linkage
// so that the collected function's name is exactly the one given.
extern "C" {
void RcuCallBatch(long n);
void RcuCallRange(long first, long n);
void RcuDefaultReadPairOnce();
void RcuInstanceReadPairOnce(rcu::Rcu* r);
int* RcuDerefOnce(const std::atomic<int*>* p);
int* PlainDerefOnce(const std::atomic<int*>* p);
void SrcuReadPairOnce(rcu::SrcuDomain* d);
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPairsPerIteration = 1000;
constexpr long kCallNodes = 4'000'000;
constexpr int kBarrierReps = 10;

// Explicit instances (slots >= 1), one per reader mode.
rcu::Rcu* g_inst_membarrier = nullptr;
rcu::Rcu* g_inst_fences = nullptr;
bool g_default_fences = false;

inline void CompilerBarrier() { asm volatile("" ::: "memory"); }

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void PinSelf(int cpu) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % std::max(n, 1), &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// ---------------------------------------------------------------------------
// Read side.

enum class Impl {
  kRcuDefault,         // rcu::ReadLock(), default instance
  kRcuInstance,        // Rcu::ReadLock(), kMembarrier instance
  kRcuInstanceFences,  // Rcu::ReadLock(), kFences instance
  kUrcuMemb,           // liburcu, C++ TU
  kUrcuMembC,          // liburcu, C TU
};

rcu::Rcu* InstanceFor(Impl impl) {
  switch (impl) {
    case Impl::kRcuDefault:
      return &rcu::Default();
    case Impl::kRcuInstance:
      return g_inst_membarrier;
    case Impl::kRcuInstanceFences:
      return g_inst_fences;
    default:
      return nullptr;
  }
}

void Register(Impl impl, int cpu = -1) {
  if (rcu::Rcu* r = InstanceFor(impl)) {
    r->RegisterThread(cpu);
  } else {
    UrcuMembRegister();
  }
}

void Unregister(Impl impl) {
  if (rcu::Rcu* r = InstanceFor(impl)) {
    r->UnregisterThread();
  } else {
    UrcuMembUnregister();
  }
}

// The loops are noinline so that every variant runs the same loop shape in
// a function of its own, as UrcuMembReadPairs() does in its TU.
__attribute__((noinline)) void RcuDefaultReadPairs(long n) {
  for (long i = 0; i < n; ++i) {
    rcu::ReadLock();
    CompilerBarrier();
    rcu::ReadUnlock();
  }
}

__attribute__((noinline)) void RcuInstanceReadPairs(rcu::Rcu* r, long n) {
  for (long i = 0; i < n; ++i) {
    r->ReadLock();
    CompilerBarrier();
    r->ReadUnlock();
  }
}

void ReadPairs(Impl impl, long n) {
  switch (impl) {
    case Impl::kRcuDefault:
      RcuDefaultReadPairs(n);
      break;
    case Impl::kRcuInstance:
      RcuInstanceReadPairs(g_inst_membarrier, n);
      break;
    case Impl::kRcuInstanceFences:
      RcuInstanceReadPairs(g_inst_fences, n);
      break;
    case Impl::kUrcuMemb:
      UrcuMembReadPairs(n);
      break;
    case Impl::kUrcuMembC:
      UrcuMembReadPairsC(n);
      break;
  }
}

void BM_ReadPair(benchmark::State& state, Impl impl) {
  Register(impl);
  const Clock::time_point t0 = Clock::now();
  for (auto _ : state) ReadPairs(impl, kPairsPerIteration);
  const double ns = Seconds(Clock::now() - t0) * 1e9;
  Unregister(impl);
  state.counters["ns_per_pair"] =
      ns / (static_cast<double>(state.iterations()) * kPairsPerIteration);
  state.SetItemsProcessed(state.iterations() * kPairsPerIteration);
}

// Dereference() inside a read-side critical section of the default
// instance, 1000 per iteration: lockdep compiled in and off (`off`), on
// (`on`), and the plain acquire load it costs when compiled out (`plain`).
enum class Deref { kPlain, kOff, kOn };
std::atomic<int*> g_deref_target{nullptr};

__attribute__((noinline)) void DerefLoop(Deref d, long n) {
  if (d == Deref::kPlain) {
    for (long i = 0; i < n; ++i)
      benchmark::DoNotOptimize(g_deref_target.load(std::memory_order_acquire));
  } else {
    for (long i = 0; i < n; ++i)
      benchmark::DoNotOptimize(rcu::Dereference(g_deref_target));
  }
}

void BM_DerefInReader(benchmark::State& state, Deref d) {
  static int target = 0;
  g_deref_target.store(&target);
  rcu::RegisterThread();
  const bool was = rcu::lockdep::Enabled();
  rcu::lockdep::SetEnabled(d == Deref::kOn);
  rcu::ReadLock();
  const Clock::time_point t0 = Clock::now();
  for (auto _ : state) DerefLoop(d, kPairsPerIteration);
  const double ns = Seconds(Clock::now() - t0) * 1e9;
  rcu::ReadUnlock();
  rcu::lockdep::SetEnabled(was);
  rcu::UnregisterThread();
  state.counters["ns_per_deref"] =
      ns / (static_cast<double>(state.iterations()) * kPairsPerIteration);
}

// Loops blocks of 1000 empty pairs until `stop`; the thread is registered.
long BusyReader(Impl impl, const std::atomic<bool>& stop) {
  if (impl == Impl::kUrcuMemb) return UrcuMembBusyReader(stop);
  long pairs = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    ReadPairs(impl, 1000);
    pairs += 1000;
  }
  return pairs;
}

// ---------------------------------------------------------------------------
// Synchronize latency.

enum class Sync { kRcuSync, kRcuExp, kRcuExpFences, kUrcuMemb };

Impl ReaderImplFor(Sync s) {
  switch (s) {
    case Sync::kRcuSync:
    case Sync::kRcuExp:
      return Impl::kRcuDefault;
    case Sync::kRcuExpFences:
      return Impl::kRcuInstanceFences;
    case Sync::kUrcuMemb:
      return Impl::kUrcuMemb;
  }
  return Impl::kRcuDefault;
}

void DoSync(Sync s) {
  switch (s) {
    case Sync::kRcuSync:
      rcu::Synchronize();
      break;
    case Sync::kRcuExp:
      rcu::SynchronizeExpedited();
      break;
    case Sync::kRcuExpFences:
      g_inst_fences->SynchronizeExpedited();
      break;
    case Sync::kUrcuMemb:
      UrcuMembSynchronize();
      break;
  }
}

void BM_SyncLatency(benchmark::State& state, Sync s) {
  const int readers = static_cast<int>(state.range(0));
  const Impl impl = ReaderImplFor(s);
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<long> reader_pairs{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < readers; ++i) {
    threads.emplace_back([&, i] {
      // Register before pinning: registration may start the vCPU's rcuc
      // thread, which would inherit a one-CPU affinity.
      Register(impl, /*cpu=*/(i + 1) % 2);
      PinSelf(i + 1);
      ready.fetch_add(1);
      reader_pairs.fetch_add(BusyReader(impl, stop));
      Unregister(impl);
    });
  }
  while (ready.load() < readers) std::this_thread::yield();
  std::vector<double> us;
  const Clock::time_point start = Clock::now();
  const rcu::RcuStats before = rcu::Default().GetStats();
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    DoSync(s);
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    us.push_back(sec * 1e6);
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  // Confirms the readers kept running: pairs per second per reader.
  if (readers > 0) {
    state.counters["reader_Mpairs_per_s"] =
        reader_pairs.load() / Seconds(Clock::now() - start) / 1e6 / readers;
  }
  state.counters["median_us"] = Percentile(us, 0.5);
  state.counters["p99_us"] = Percentile(us, 0.99);
  state.counters["max_us"] =
      us.empty() ? 0 : *std::max_element(us.begin(), us.end());
  if (impl == Impl::kRcuDefault && state.iterations() > 0) {
    // How the default instance's normal grace periods went: the share a
    // Synchronize() caller started, and ended itself (Config::caller_gps).
    const rcu::RcuStats after = rcu::Default().GetStats();
    const double n = static_cast<double>(state.iterations());
    state.counters["caller_started"] =
        static_cast<double>(after.caller_gps - before.caller_gps) / n;
    state.counters["caller_ended"] =
        static_cast<double>(after.caller_gps_done - before.caller_gps_done) / n;
  }
}

// ---------------------------------------------------------------------------
// Call() throughput and Barrier() latency.

std::atomic<long> g_rcu_invoked{0};
std::unique_ptr<rcu::RcuHead[]> g_rcu_heads;
long g_rcu_nheads = 0;

void CountCallback(rcu::RcuHead* /*head*/) {
  g_rcu_invoked.fetch_add(1, std::memory_order_relaxed);
}

void RcuCallPrepare(long n) {
  if (n <= g_rcu_nheads) return;
  g_rcu_heads.reset(new rcu::RcuHead[n]);  // value-initialized: prefaulted
  g_rcu_nheads = n;
}

struct Caller {
  bool urcu;
  void Prepare(long n) const {
    urcu ? UrcuMembCallPrepare(n) : RcuCallPrepare(n);
  }
  void Post(long n) const { urcu ? UrcuMembCallBatch(n) : RcuCallBatch(n); }
  void PostRange(long first, long n) const {
    urcu ? UrcuMembCallRange(first, n) : RcuCallRange(first, n);
  }
  // Posts heads 0..n-1 from `posters` registered threads at once: this one
  // and posters-1 others, each a contiguous share.
  void PostFrom(int posters, long n) const {
    std::vector<std::thread> others;
    const long share = n / posters;
    for (int p = 1; p < posters; ++p) {
      const long first = p * share;
      const long len = p == posters - 1 ? n - first : share;
      others.emplace_back([this, first, len] {
        Register();
        PostRange(first, len);
        Unregister();
      });
    }
    PostRange(0, share);
    for (auto& t : others) t.join();
  }
  long Invoked() const {
    return urcu ? UrcuMembInvoked()
                : g_rcu_invoked.load(std::memory_order_relaxed);
  }
  void Barrier() const { urcu ? UrcuMembBarrier() : rcu::Barrier(); }
  void Register() const { urcu ? UrcuMembRegister() : rcu::RegisterThread(); }
  void Unregister() const {
    urcu ? UrcuMembUnregister() : rcu::UnregisterThread();
  }
};

void BM_CallRcu(benchmark::State& state, bool urcu) {
  const Caller c{urcu};
  c.Prepare(kCallNodes);
  c.Register();
  c.Post(1);  // starts liburcu's call_rcu worker outside the window
  c.Barrier();
  const uint64_t gps0 = urcu ? 0 : rcu::Default().GetStats().gps_completed;
  const int posters = static_cast<int>(state.range(0));
  const double window = rcu_bench::MeasureCallFlood(
      state, kCallNodes, [&](long n) { c.PostFrom(posters, n); },
      [&] { c.Barrier(); }, [&] { return c.Invoked(); });
  if (!urcu && window > 0) {
    // Grace periods the posting drove (ours only): GPs per second, and
    // callbacks per grace period.
    const double gps =
        static_cast<double>(rcu::Default().GetStats().gps_completed - gps0);
    state.counters["gps_per_s"] = gps / window;
    state.counters["cbs_per_gp"] =
        gps > 0 ? static_cast<double>(kCallNodes) *
                      static_cast<double>(state.iterations()) / gps
                : 0;
  }
  c.Unregister();
}

// A thread inside one read-side critical section from Start() until
// Release(): callbacks posted meanwhile cannot reach their grace period.
class Holder {
 public:
  explicit Holder(bool urcu) : urcu_(urcu) {}
  void Start() {
    thread_ = std::thread([this] {
      urcu_ ? UrcuMembRegister() : rcu::RegisterThread();
      urcu_ ? UrcuMembReadLock() : rcu::ReadLock();
      locked_.store(true);
      while (!release_.load())
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      urcu_ ? UrcuMembReadUnlock() : rcu::ReadUnlock();
      urcu_ ? UrcuMembUnregister() : rcu::UnregisterThread();
    });
    while (!locked_.load()) std::this_thread::yield();
  }
  void Release() {
    release_.store(true);
    thread_.join();
  }

 private:
  const bool urcu_;
  std::atomic<bool> locked_{false};
  std::atomic<bool> release_{false};
  std::thread thread_;
};

// state.range(0): callbacks posted before the Barrier(); state.range(1): 1
// if a reader holds the grace period while they are posted and leaves its
// critical section just before the timed Barrier(), so that every callback
// is still queued when Barrier() starts.
void BM_Barrier(benchmark::State& state, bool urcu) {
  const Caller c{urcu};
  const long cbs = state.range(0);
  const bool held = state.range(1) != 0;
  c.Prepare(std::max(cbs, 1L));
  c.Register();
  c.Post(1);
  c.Barrier();
  std::vector<double> ms, post_ms;
  for (auto _ : state) {
    const long base = c.Invoked();
    Holder holder(urcu);
    if (held) holder.Start();
    const Clock::time_point tp = Clock::now();
    c.Post(cbs);
    Clock::time_point t0 = Clock::now();
    if (held) {
      holder.Release();
      t0 = Clock::now();
    }
    post_ms.push_back(Seconds(t0 - tp) * 1e3);
    c.Barrier();
    const double sec = Seconds(Clock::now() - t0);
    state.SetIterationTime(sec);
    ms.push_back(sec * 1e3);
    if (c.Invoked() - base != cbs) {
      state.SkipWithError("Barrier() returned before every callback ran");
      break;
    }
  }
  c.Unregister();
  state.counters["median_ms"] = Percentile(ms, 0.5);
  state.counters["post_median_ms"] = Percentile(post_ms, 0.5);
  state.counters["max_ms"] =
      ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
}

// ---------------------------------------------------------------------------
// Registration.

double Min(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double Max(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

benchmark::internal::Benchmark* WithStats(benchmark::internal::Benchmark* b) {
  return b->ComputeStatistics("min", Min)->ComputeStatistics("max", Max);
}

void RegisterAll() {
  const std::string def =
      g_default_fences ? "rcu_default_fences" : "rcu_default";
  const std::pair<std::string, Impl> readers[] = {
      {def, Impl::kRcuDefault},
      {"rcu_instance", Impl::kRcuInstance},
      {"rcu_instance_fences", Impl::kRcuInstanceFences},
      {"urcu_memb", Impl::kUrcuMemb},
      {"urcu_memb_c", Impl::kUrcuMembC},
  };
  for (const auto& [name, impl] : readers) {
    WithStats(benchmark::RegisterBenchmark(("BM_ReadPair/" + name).c_str(),
                                           BM_ReadPair, impl))
        ->MinTime(0.5);
  }
  const std::pair<std::string, Deref> derefs[] = {{"plain", Deref::kPlain},
                                                  {"lockdep_off", Deref::kOff},
                                                  {"lockdep_on", Deref::kOn}};
  for (const auto& [name, d] : derefs) {
    WithStats(benchmark::RegisterBenchmark(("BM_DerefInReader/" + name).c_str(),
                                           BM_DerefInReader, d))
        ->MinTime(0.5);
  }
  const std::pair<std::string, Sync> syncs[] = {
      {g_default_fences ? "rcu_sync_fences" : "rcu_sync", Sync::kRcuSync},
      {g_default_fences ? "rcu_exp_default_fences" : "rcu_exp", Sync::kRcuExp},
      {"rcu_exp_fences", Sync::kRcuExpFences},
      {"urcu_memb", Sync::kUrcuMemb},
  };
  for (const auto& [name, s] : syncs) {
    WithStats(benchmark::RegisterBenchmark(("BM_SyncLatency/" + name).c_str(),
                                           BM_SyncLatency, s))
        ->ArgName("readers")
        ->Arg(0)
        ->Arg(1)
        ->UseManualTime()
        ->MinTime(0.5)
        ->Unit(benchmark::kMicrosecond);
  }
  for (bool urcu : {false, true}) {
    const std::string name = urcu ? "urcu_memb" : "rcu";
    WithStats(benchmark::RegisterBenchmark(("BM_CallRcu/" + name).c_str(),
                                           BM_CallRcu, urcu))
        ->ArgName("posters")
        ->Arg(1)
        ->Arg(2)
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
    WithStats(benchmark::RegisterBenchmark(("BM_Barrier/" + name).c_str(),
                                           BM_Barrier, urcu))
        ->ArgNames({"cbs", "held"})
        ->Args({100'000, 0})
        ->Args({100'000, 1})
        ->Args({0, 0})
        ->UseManualTime()
        ->Iterations(kBarrierReps)
        ->Unit(benchmark::kMillisecond);
  }
}

void AddMemoryContext() {
  const std::pair<const char*, size_t> sizes[] = {
      {"sizeof(rcu::internal::ThreadRec)", sizeof(rcu::internal::ThreadRec)},
      {"sizeof(rcu::RcuData)", sizeof(rcu::RcuData)},
      {"sizeof(rcu::RcuNode)", sizeof(rcu::RcuNode)},
      {"sizeof(rcu::internal::tls_readers)",
       sizeof(rcu::internal::tls_readers)},
      {"sizeof(rcu::RcuHead)", sizeof(rcu::RcuHead)},
      {"sizeof(struct urcu_reader)", UrcuMembReaderSize()},
      {"sizeof(struct rcu_head)", UrcuMembHeadSize()},
  };
  for (const auto& [name, size] : sizes) {
    std::fprintf(stderr, "%-34s %zu bytes\n", name, size);
    benchmark::AddCustomContext(name, std::to_string(size));
  }
  benchmark::AddCustomContext(
      "default reader mode", rcu::ReaderModeName(rcu::Default().reader_mode()));
}

}  // namespace
int QsbrIcount(const std::string& what, long n);  // qsbr_bench.cc
namespace {

// --icount=<impl> [--pairs=N]: runs N single-pair noinline calls for
// callgrind. Returns the process exit code.
int RunIcount(const std::string& what, long pairs) {
  struct Mode {
    const char* name;
    Impl impl;
    const char* fn;  // --toggle-collect pattern
    std::function<void()> once;
  };
  const Mode modes[] = {
      {"rcu_default", Impl::kRcuDefault, "RcuDefaultReadPairOnce",
       [] { RcuDefaultReadPairOnce(); }},
      {"rcu_instance", Impl::kRcuInstance, "RcuInstanceReadPairOnce",
       [] { RcuInstanceReadPairOnce(g_inst_membarrier); }},
      {"rcu_instance_fences", Impl::kRcuInstanceFences,
       "RcuInstanceReadPairOnce",
       [] { RcuInstanceReadPairOnce(g_inst_fences); }},
      {"urcu_memb", Impl::kUrcuMemb, "UrcuMembReadPairOnce()",
       [] { UrcuMembReadPairOnce(); }},
      {"urcu_memb_c", Impl::kUrcuMemb, "UrcuMembReadPairOnceC",
       [] { UrcuMembReadPairOnceC(); }},
  };
  // Call() cost: instructions per post, including the loop (2 per call).
  if (what == "call_rcu" || what == "call_urcu") {
    const Caller c{what == "call_urcu"};
    c.Prepare(pairs);
    c.Register();
    c.Post(1);
    c.Barrier();
    c.Post(pairs);
    c.Barrier();
    c.Unregister();
    const char* fn = c.urcu ? "UrcuMembCallBatch(long)" : "RcuCallBatch";
    std::printf("icount %s: %ld calls in %s (use --toggle-collect='%s')\n",
                what.c_str(), pairs, fn, fn);
    return 0;
  }
  // Dereference() inside a reader: lockdep off / on, and the plain load.
  if (what == "deref_off" || what == "deref_on" || what == "deref_plain") {
    static int target = 0;
    std::atomic<int*> p{&target};
    rcu::RegisterThread();
    rcu::lockdep::SetEnabled(what == "deref_on");
    rcu::ReadLock();
    const bool plain = what == "deref_plain";
    for (long i = 0; i < pairs; ++i)
      plain ? PlainDerefOnce(&p) : RcuDerefOnce(&p);
    rcu::ReadUnlock();
    rcu::UnregisterThread();
    const char* fn = plain ? "PlainDerefOnce" : "RcuDerefOnce";
    std::printf("icount %s: %ld calls of %s (use --toggle-collect='%s')\n",
                what.c_str(), pairs, fn, fn);
    return 0;
  }
  // SrcuDomain ReadLock()+ReadUnlock() on a registered thread, lockdep off.
  if (what == "srcu") {
    static rcu::SrcuDomain domain;
    rcu::RegisterThread();
    rcu::lockdep::SetEnabled(false);
    for (long i = 0; i < pairs; ++i) SrcuReadPairOnce(&domain);
    rcu::UnregisterThread();
    std::printf(
        "icount srcu: %ld calls of SrcuReadPairOnce (use "
        "--toggle-collect='SrcuReadPairOnce')\n",
        pairs);
    return 0;
  }
  for (const Mode& m : modes) {
    if (what != m.name) continue;
    Register(m.impl);
    for (long i = 0; i < pairs; ++i) m.once();
    Unregister(m.impl);
    std::printf("icount %s: %ld calls of %s (use --toggle-collect='%s')\n",
                m.name, pairs, m.fn, m.fn);
    return 0;
  }
  if (int rc = QsbrIcount(what, pairs); rc >= 0) return rc;  // qsbr_bench.cc
  std::fprintf(stderr, "unknown --icount=%s\n", what.c_str());
  return 2;
}

std::unique_ptr<rcu::Rcu> MakeInstance(rcu::ReaderMode mode, const char* name) {
  rcu::Config c;
  c.reader_mode = mode;
  c.name = name;
  absl::StatusOr<std::unique_ptr<rcu::Rcu>> r = rcu::Rcu::Create(c);
  if (!r.ok()) {
    std::fprintf(stderr, "Rcu::Create(%s): %s\n", name,
                 r.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(r);
}

}  // namespace

extern "C" __attribute__((noinline)) void RcuCallRange(long first, long n) {
  rcu::RcuHead* h = g_rcu_heads.get() + first;
  for (long i = 0; i < n; ++i) rcu::Call(&h[i], CountCallback);
}

extern "C" __attribute__((noinline)) void RcuCallBatch(long n) {
  RcuCallRange(0, n);
}

extern "C" __attribute__((noinline)) void RcuDefaultReadPairOnce() {
  rcu::ReadLock();
  CompilerBarrier();
  rcu::ReadUnlock();
}

extern "C" __attribute__((noinline)) int* RcuDerefOnce(
    const std::atomic<int*>* p) {
  return rcu::Dereference(*p);
}

extern "C" __attribute__((noinline)) int* PlainDerefOnce(
    const std::atomic<int*>* p) {
  return p->load(std::memory_order_acquire);
}

extern "C" __attribute__((noinline)) void SrcuReadPairOnce(rcu::SrcuDomain* d) {
  const int idx = d->ReadLock();
  CompilerBarrier();
  d->ReadUnlock(idx);
}

extern "C" __attribute__((noinline)) void RcuInstanceReadPairOnce(rcu::Rcu* r) {
  r->ReadLock();
  CompilerBarrier();
  r->ReadUnlock();
}

int main(int argc, char** argv) {
  // Our own flags, removed before benchmark::Initialize().
  std::string icount;
  long pairs = 1'000'000;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--icount=", 0) == 0) {
      icount = a.substr(9);
    } else if (a.rfind("--pairs=", 0) == 0) {
      pairs = std::atol(a.c_str() + 8);
    } else if (a == "--default_reader_mode=fences") {
      g_default_fences = true;
    } else if (a == "--default_reader_mode=membarrier") {
      g_default_fences = false;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;

  rcu::Config dc = rcu::DefaultConfig();
  dc.reader_mode = g_default_fences ? rcu::ReaderMode::kFences
                                    : rcu::ReaderMode::kMembarrier;
  if (absl::Status s = rcu::InitDefault(dc); !s.ok()) {
    std::fprintf(stderr, "rcu::InitDefault: %s\n", s.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rcu::Rcu> inst_mb =
      MakeInstance(rcu::ReaderMode::kMembarrier, "rcu_mb");
  std::unique_ptr<rcu::Rcu> inst_fences =
      MakeInstance(rcu::ReaderMode::kFences, "rcu_fe");
  g_inst_membarrier = inst_mb.get();
  g_inst_fences = inst_fences.get();

  int rc = 0;
  if (!icount.empty()) {
    rc = RunIcount(icount, pairs);
  } else {
    AddMemoryContext();
    RegisterAll();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  }
  g_inst_membarrier = g_inst_fences = nullptr;
  inst_fences.reset();
  inst_mb.reset();
  return rc;
}

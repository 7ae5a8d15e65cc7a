// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// stats.cc: the stats thread (rcu_torture_stats) and the stats lines
// (rcu_torture_stats_print), in the kernel's layout:
//
//   <type>-torture: rtc: <ptr> ver: <n> tfle: <0|1> rta: <n> rtaf: <n> rtf: <n>
//       rtmbe: <n> rtmbkf: <fail>/<tries> rtbe: <n> rtbke: <n> rtbf: <n>
//       rtb: <n> nt: <n> barrier: <s>/<a>:<e> read-exits: <n>
//       [onoff: <on_s>/<on_a>:<off_s>/<off_a> <min>,<max>:<min>,<max>
//        <sum>:<sum> (HZ=<hz>) ]                              (hotplug on)
//       nocb-toggles: <n>:<n>
//       [modules: <loads>/<unloads>:<late callbacks>]   (--modules; one line)
// The fields from "rtc:" to "nt:" are the run's; the rest are the
// components' fragments (Component::StatsFragment()), in table order.
//   <type>-torture: [!!! ]Reader Pipe:  <11 counts>
//   <type>-torture: Reader Batch:  <11 counts>
//   <type>-torture: Free-Block Circulation:  <11 counts>
//   <type>-torture: <flavour stats>                         (if any)
//   <type>-torture: ??? Writer stall state <RTWS>(<n>) g<seq> f<flags>
//       ->state <x> cpu <vcpu>                 (version did not advance)
//
// `ver:` is `VER:` when there is no current element, so that monotonicity
// checks on `ver:` skip those lines. Errors (rtmbe, rtmbkf fail, rtbe, any
// Reader Pipe bucket above 1) put "!!! " on the Reader Pipe line and bump
// the error count that makes the verdict FAILURE.
//
// At the end of the run (Finish(), after the stats thread is stopped and
// every callback has run) the final stats, then the
// "Failure/close-call rcutorture reader segments:" dump.
#include <chrono>
#include <thread>

#include "fmt/format.h"
#include "torture/runtime/lockdep.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

template <typename A>
std::string Join(const A& a) {
  std::string out;
  for (const auto& v : a) out += fmt::format(" {}", v);
  return out;
}

class Stats : public Component {
 public:
  explicit Stats(Run& run) : run_(run) {}

  void Start() override {
    if (run_.p.stat_interval > 0) {
      thread_ =
          run_.threads.Create("rcu_torture_stats", 0, -1, [this] { Main(); });
    }
  }

  void Stop() override { run_.threads.Stop(thread_); }

  // -After- the stats thread is stopped!
  void Finish() override {
    Print();
    DumpErrSegs();
    CheckCallbacksInvoked();
  }

 private:
  void Main() {
    do {
      if (SleepUntilOrStop(NowNs() +
                           int64_t{run_.p.stat_interval} * 1'000'000'000))
        break;
      Print();
    } while (!MustStop());
    KthreadStopping("rcu_torture_stats");
  }

  // rcu_torture_stats_print().
  void Print() {
    Run& s = run_;
    const TortureOps* ops = s.ops;
    std::array<uint64_t, kPipeLen + 1> pipesummary = s.SumPipe();
    std::array<uint64_t, kPipeLen + 1> batchsummary = s.SumBatch();
    int i;
    for (i = kPipeLen; i >= 0; --i) {
      if (pipesummary[i] != 0) break;
    }
    TortureElem* rtc = AccessPointer(s.current);  // printed only
    unsigned long ver = s.current_version.load(std::memory_order_relaxed);
    std::string rtcs =
        rtc == nullptr ? "(null)" : fmt::format("{}", fmt::ptr(rtc));
    std::string fragments;
    for (const auto& c : s.components) fragments += c->StatsFragment();
    PrintLine(fmt::format(
        "{}-torture: rtc: {} {}: {} tfle: {} rta: {} rtaf: {} rtf: {} "
        "rtmbe: {} rtmbkf: {}/{} rtbe: {} rtbke: {} rtbf: {} rtb: {} nt: {}{}",
        s.type, rtcs, rtc == nullptr ? "VER" : "ver", ver,
        s.pool.FreelistEmpty() ? 1 : 0, s.pool.n_alloc.load(),
        s.pool.n_alloc_fail.load(), s.pool.n_free.load(), s.n_mberror.load(),
        s.n_mbchk_fail.load(), s.n_mbchk_tries.load(), s.n_barrier_error.load(),
        s.n_boost_ktrerror.load(), s.n_boost_failure.load(), s.n_boosts.load(),
        s.n_timers.load(), fragments));
    bool error = s.n_mberror.load() != 0 || s.n_mbchk_fail.load() != 0 ||
                 s.n_barrier_error.load() != 0 ||
                 s.n_boost_ktrerror.load() != 0 ||
                 s.n_boost_failure.load() != 0 || i > 1;
    if (error) CountErrors(1);
    PrintLine(fmt::format("{}-torture: {}Reader Pipe: {}", s.type,
                          error ? "!!! " : "", Join(pipesummary)));
    PrintLine(fmt::format("{}-torture: Reader Batch: {}", s.type,
                          Join(batchsummary)));
    std::array<long, kPipeLen + 1> wc{};
    for (int k = 0; k <= kPipeLen; ++k)
      wc[k] = s.pool.wcount[k].load(std::memory_order_relaxed);
    PrintLine(fmt::format("{}-torture: Free-Block Circulation: {}", s.type,
                          Join(wc)));
    if (ops->stats != nullptr) TorOut(ops->stats());
    CheckSelfReports();
    const bool stalled = rtcv_snap_ == ver && rtc != nullptr;
    CheckWriterStall(stalled);
    if (stalled) {
      uint64_t g = ops->get_gp_seq();
      int flags = 0;
      if (ops->get_gp_data != nullptr) ops->get_gp_data(&flags, &g);
      int ws = s.writer_state.load(std::memory_order_relaxed);
      TorOut(fmt::format(
          "??? Writer stall state {}({}) g{} f{:#x} ->state {:#x} cpu {}",
          WriterStateName(ws), ws, static_cast<int64_t>(g), flags, 0,
          s.writer_cpu.load(std::memory_order_relaxed)));
      if (ops->gp_kthread_dbg != nullptr) PrintLine(ops->gp_kthread_dbg());
    }
    rtcv_snap_ = ver;
  }

  // Makes every increase of the flavour's own bug counters an error of the
  // run, and stall warnings nobody induced a warning.
  void CheckSelfReports() {
    const TortureOps* ops = run_.ops;
    const Params& p = run_.p;
    auto check = [](uint64_t (*count)(), uint64_t* seen, const char* what) {
      if (count == nullptr) return;
      const uint64_t n = count();
      if (n <= *seen) return;
      TortureError(fmt::format("{}: {} more (total {})", what, n - *seen, n));
      *seen = n;
    };
    check(ops->offline_qs_fixups, &seen_fixups_,
          "the FQS scan reported a quiescent state for an offline vCPU that "
          "still owed one");
    check(ops->gp_start_stalls, &seen_gp_start_stalls_,
          "grace period requested but not started within the stall timeout "
          "(lost wake-up of the grace-period thread)");
    if (p.stall_gp_kthread == 0) {
      check(ops->gp_kthread_starved, &seen_starved_,
            "the grace-period thread did not run for a stall timeout");
    }
    if (p.stall_cpu == 0 && p.stall_gp_kthread == 0 &&
        ops->stall_warnings != nullptr) {
      const uint64_t n = ops->stall_warnings();
      if (n > seen_stalls_) {
        TortureWarn("rcu_torture_stats_print",
                    fmt::format("{} RCU CPU stall warning(s) with no stall "
                                "test running",
                                n - seen_stalls_));
        seen_stalls_ = n;
      }
    }
  }

  // After the cleanup barriers every callback queued must have run. The
  // count of invoked callbacks is published per batch, a little after the
  // barrier's own callback ran, so allow it a moment.
  void CheckCallbacksInvoked() {
    const TortureOps* ops = run_.ops;
    if (ops->callbacks_outstanding == nullptr) return;
    uint64_t n = ops->callbacks_outstanding();
    for (int i = 0; i < 200 && n != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      n = ops->callbacks_outstanding();
    }
    if (n != 0) {
      TortureError(fmt::format(
          "{} callback(s) queued but never invoked after the cleanup barriers "
          "(callbacks lost)",
          static_cast<int64_t>(n)));
    }
  }

  // A writer that made no update for two stats intervals and at least
  // kWriterStallSecs, and is not pausing (stutter) or held up by a stall
  // test, is stalled: a WARNING (the "??? Writer stall state" line the
  // kernel prints at every such interval stays as it is).
  static constexpr int64_t kWriterStallSecs = 10;
  void CheckWriterStall(bool stalled) {
    Run& s = run_;
    const int ws = s.writer_state.load(std::memory_order_relaxed);
    if (!stalled || ws == RTWS_STUTTER || ws == RTWS_STOPPING ||
        NowNs() < s.stallsdone_ns) {
      writer_stall_since_ns_ = 0;
      writer_stall_prints_ = 0;
      return;
    }
    if (writer_stall_since_ns_ == 0) writer_stall_since_ns_ = NowNs();
    ++writer_stall_prints_;
    const int64_t secs = (NowNs() - writer_stall_since_ns_) / 1'000'000'000;
    if (writer_stall_prints_ >= 2 && secs >= kWriterStallSecs) {
      TortureWarn("rcu_torture_stats_print",
                  fmt::format("Writer stall: no update for {} s in state {}",
                              secs, WriterStateName(ws)));
    }
  }

  // The "Failure/close-call rcutorture reader segments:" dump.
  void DumpErrSegs() {
    Run& s = run_;
    MutexLock l(s.err_mu);
    if (s.err_segs.empty()) return;
    TorOut("Failure/close-call rcutorture reader segments:");
    for (size_t i = 0; i < s.err_segs.size(); ++i) {
      const ReadSeg& seg = s.err_segs[i];
      std::string line = fmt::format("\t{}: nesting {}", i, seg.nesting);
      if (seg.cpu >= 0) {
        line += fmt::format(" CPU {:2}", seg.cpu);
        if (seg.cpu_end != seg.cpu) line += fmt::format("->{:<2}", seg.cpu_end);
      }
      line += fmt::format(" {:#x}->{:#x}", seg.gp_start, seg.gp_end);
      if (seg.delay_ms) line += fmt::format(" {}ms", seg.delay_ms);
      if (seg.delay_us) line += fmt::format(" {}us", seg.delay_us);
      if (seg.preempted) line += " preempted";
      PrintLine(line);
    }
    if (s.err_preempted) PrintLine("\tReader was preempted.");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
  // The previous print's version (rtcv_snap); the stats thread and the
  // final print only, which never run concurrently.
  unsigned long rtcv_snap_ = ~0UL;
  // What CheckSelfReports() and CheckWriterStall() saw last (same threads).
  uint64_t seen_fixups_ = 0, seen_gp_start_stalls_ = 0, seen_starved_ = 0,
           seen_stalls_ = 0;
  int64_t writer_stall_since_ns_ = 0;
  int writer_stall_prints_ = 0;
};

}  // namespace

std::unique_ptr<Component> MakeStats(Run& run) {
  return std::make_unique<Stats>(run);
}

}  // namespace torture

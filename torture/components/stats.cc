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
        0, 0, 0, s.n_timers.load(), fragments));
    bool error = s.n_mberror.load() != 0 || s.n_mbchk_fail.load() != 0 ||
                 s.n_barrier_error.load() != 0 || i > 1;
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
    if (rtcv_snap_ == ver && rtc != nullptr) {
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
};

}  // namespace

std::unique_ptr<Component> MakeStats(Run& run) {
  return std::make_unique<Stats>(run);
}

}  // namespace torture

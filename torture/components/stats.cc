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
#include "absl/strings/str_join.h"
#include "torture/runtime/lockdep.h"
#include "torture/components/modules.h"
#include "torture/runtime/torture.h"

namespace torture {
namespace {

// The previous print's version (rtcv_snap); stats thread and final print
// only, which never run concurrently.
unsigned long rtcv_snap = ~0UL;

template <typename A>
std::string Join(const A& a) {
  std::string out;
  for (const auto& v : a) out += fmt::format(" {}", v);
  return out;
}

}  // namespace

void StatsPrint() {
  TortureState& s = T();
  const TortureOps* ops = s.ops;
  std::array<uint64_t, kPipeLen + 1> pipesummary = SumPipe();
  std::array<uint64_t, kPipeLen + 1> batchsummary = SumBatch();
  int i;
  for (i = kPipeLen; i >= 0; --i) {
    if (pipesummary[i] != 0) break;
  }
  TortureElem* rtc = AccessPointer(s.current);  // printed only
  unsigned long ver = s.current_version.load(std::memory_order_relaxed);
  std::string rtcs = rtc == nullptr ? "(null)" : fmt::format("{}", fmt::ptr(rtc));
  PrintLine(fmt::format(
      "{}-torture: rtc: {} {}: {} tfle: {} rta: {} rtaf: {} rtf: {} "
      "rtmbe: {} rtmbkf: {}/{} rtbe: {} rtbke: {} rtbf: {} rtb: {} nt: {} "
      "{}barrier: {}/{}:{} read-exits: {} nocb-toggles: {}:{}{}",
      s.type, rtcs, rtc == nullptr ? "VER" : "ver", ver,
      s.pool.FreelistEmpty() ? 1 : 0, s.pool.n_alloc.load(), s.pool.n_alloc_fail.load(),
      s.pool.n_free.load(), s.n_mberror.load(), s.n_mbchk_fail.load(),
      s.n_mbchk_tries.load(), s.n_barrier_error.load(), 0, 0, 0, s.n_timers.load(),
      OnoffStats(), s.n_barrier_successes.load(), s.n_barrier_attempts.load(),
      s.n_barrier_error.load(), s.n_read_exits.load(), s.n_nocb_offload.load(),
      s.n_nocb_deoffload.load(), ModulesStats()));
  bool error = s.n_mberror.load() != 0 || s.n_mbchk_fail.load() != 0 ||
               s.n_barrier_error.load() != 0 || i > 1;
  if (error) s.n_error.fetch_add(1, std::memory_order_relaxed);
  PrintLine(fmt::format("{}-torture: {}Reader Pipe: {}", s.type, error ? "!!! " : "",
                        Join(pipesummary)));
  PrintLine(fmt::format("{}-torture: Reader Batch: {}", s.type, Join(batchsummary)));
  std::array<long, kPipeLen + 1> wc{};
  for (int k = 0; k <= kPipeLen; ++k) wc[k] = s.pool.wcount[k].load(std::memory_order_relaxed);
  PrintLine(fmt::format("{}-torture: Free-Block Circulation: {}", s.type, Join(wc)));
  if (ops->stats != nullptr) TorOut(ops->stats());
  if (rtcv_snap == ver && rtc != nullptr) {
    uint64_t g = ops->get_gp_seq();
    int flags = 0;
    if (ops->get_gp_data != nullptr) ops->get_gp_data(&flags, &g);
    int ws = s.writer_state.load(std::memory_order_relaxed);
    TorOut(fmt::format("??? Writer stall state {}({}) g{} f{:#x} ->state {:#x} cpu {}",
                       WriterStateName(ws), ws, static_cast<int64_t>(g), flags, 0,
                       s.writer_cpu.load(std::memory_order_relaxed)));
    if (ops->gp_kthread_dbg != nullptr) PrintLine(ops->gp_kthread_dbg());
  }
  rtcv_snap = ver;
}

void StatsMain() {
  TortureState& s = T();
  do {
    if (SleepUntilOrStop(NowNs() + int64_t{s.p.stat_interval} * 1'000'000'000)) break;
    StatsPrint();
  } while (!MustStop());
  KthreadStopping("rcu_torture_stats");
}

}  // namespace torture

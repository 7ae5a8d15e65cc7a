// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// stall.cc: RCU CPU stall warnings.
//
// A normal grace period older than Config::stall_timeout_ms makes the GP
// thread print, once per timeout, a report in the kernel's shape: each vCPU
// still owing a quiescent state (with its online / qsmaskinit /
// qsmaskinitnext flags and the threads attached to it that are inside a
// reader, by name and tid), the readers on blocked-readers lists holding
// the grace period, a "(detected by ...)" summary line and the GP thread's
// state. An expedited grace period older than exp_stall_timeout_ms prints,
// from the thread driving it, the registered threads it still waits for.
// A grace period that was requested but has not started within the stall
// timeout (the GP thread missed its wake-up) is reported by the threads
// waiting for it, as the kernel's rcu_check_gp_start_stall() does.
// Reports go to Config::stall_sink (stderr by default) and are counted
// (RcuStats::stalls, exp_stalls, gp_start_stalls).
#include <cstdio>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "rcu/tree.h"

namespace rcu {

using internal::ThreadRec;

namespace {

// printf's "%#x": 0 prints as "0" (fmt's "{:#x}" would print "0x0").
std::string AltHex(uint64_t v) {
  return v == 0 ? std::string("0") : fmt::format("{:#x}", v);
}

}  // namespace

void Rcu::ReportStall(const std::string& text) {
  if (config_.stall_sink) {
    config_.stall_sink(text);
  } else {
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
  }
}

void Rcu::RecordGpStallCheckTime() {
  gp_start_time_ = std::chrono::steady_clock::now();
  next_stall_check_ =
      gp_start_time_ + std::chrono::milliseconds(config_.stall_timeout_ms);
}

std::chrono::nanoseconds Rcu::TimeToStallCheck() const {
  if (config_.stall_timeout_ms == 0) return std::chrono::hours(1);
  auto d = next_stall_check_ - std::chrono::steady_clock::now();
  return std::max(std::chrono::nanoseconds(0),
                  std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

int64_t Rcu::MonoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Rcu::WaitCheckingGpStart(PlainMutex& mu, PlainCondVar& cv,
                              absl::FunctionRef<bool()> pred) {
  if (config_.stall_timeout_ms == 0) {
    cv.Wait(mu, pred);
    return;
  }
  const auto period =
      std::chrono::milliseconds(std::max(1, config_.stall_timeout_ms / 2));
  while (!cv.WaitFor(mu, period, pred)) {
    mu.Unlock();
    CheckGpStartStall();
    mu.Lock();
  }
}

void Rcu::CheckGpStartStall() {
  const int64_t timeout_ns = int64_t{config_.stall_timeout_ms} * 1'000'000;
  if (timeout_ns == 0) return;
  const int64_t now = MonoNs();
  RcuNode* root = &nodes_[0];
  uint64_t gps, needed;
  uint32_t flags;
  {
    PlainMutexLock l(root->lock);
    gps = gp_seq_.load(std::memory_order_relaxed);
    needed = root->gp_seq_needed;
    flags = gp_flags_.load(std::memory_order_relaxed);
  }
  const int64_t req = gp_req_activity_ns_.load(std::memory_order_relaxed);
  const int64_t act = gp_activity_ns_.load(std::memory_order_relaxed);
  // The GP thread moved within the timeout, or no GP is in progress and
  // none is wanted, or the request is recent: nothing is stuck.
  const bool in_progress = SeqState(gps) != 0;
  if (now - act < timeout_ns ||
      (!in_progress && (!SeqLt(gps, needed) || now - req < timeout_ns))) {
    return;
  }
  // One report per timeout, whichever waiter sees it first.
  int64_t last = gp_start_stall_report_ns_.load(std::memory_order_relaxed);
  if (now - last < timeout_ns ||
      !gp_start_stall_report_ns_.compare_exchange_strong(
          last, now, std::memory_order_relaxed)) {
    return;
  }
  const GpState st = gp_state_.load(std::memory_order_relaxed);
  if (in_progress) {
    // The GP thread is inside a grace period but has not run its FQS loop
    // for a stall timeout (the kernel's "kthread starved" report).
    gp_kthread_starved_.fetch_add(1, std::memory_order_relaxed);
    ReportStall(fmt::format(
        "rcu: {}_gp kthread starved for {} jiffies! g{} f{} {}({}) "
        "(detected by a grace-period waiter)\n",
        config_.name, (now - act) / jiffy_.count(), static_cast<int64_t>(gps),
        AltHex(flags), GpStateName(st), static_cast<int>(st)));
    return;
  }
  gp_start_stalls_.fetch_add(1, std::memory_order_relaxed);
  ReportStall(fmt::format(
      "rcu: rcu_check_gp_start_stall: g{}->{} gar:{} ga:{} f{} gs:{} "
      "{}_gp->state:{}\n"
      "rcu: \t(grace period requested but not started: lost wake-up of the "
      "{}_gp thread? waking it)\n",
      static_cast<int64_t>(gps), static_cast<int64_t>(needed),
      (now - req) / jiffy_.count(), (now - act) / jiffy_.count(), AltHex(flags),
      static_cast<int>(st), config_.name, GpStateName(st), config_.name));
  // Recover rather than hang: the report names the bug, the counter makes
  // it count, and the grace period still happens.
  WakeGpThread();
}

void Rcu::CheckGpStall() {
  if (config_.stall_timeout_ms == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_stall_check_) return;
  next_stall_check_ = now + std::chrono::milliseconds(config_.stall_timeout_ms);
  const long jiffies = static_cast<long>((now - gp_start_time_) / jiffy_);
  const uint64_t gps = gp_seq_.load(std::memory_order_relaxed);

  std::string out = fmt::format(
      "rcu: INFO: {} detected stalls on CPUs/tasks:\n", config_.name);
  int holders = 0;
  for (int i = geometry_.first_leaf(); i < geometry_.num_nodes(); ++i) {
    RcuNode* rnp = &nodes_[i];
    uint64_t q, init, initnext;
    std::string blocked;
    {
      PlainMutexLock l(rnp->lock);
      q = rnp->qsmask.load(std::memory_order_relaxed);
      init = rnp->qsmaskinit;
      initnext = rnp->qsmaskinitnext;
      bool holds = false;
      for (internal::BlkdEntry* e = rnp->blkd_head; e != nullptr; e = e->next) {
        if (e == rnp->gp_tasks) holds = true;
        if (holds)
          fmt::format_to(std::back_inserter(blocked), " P{}/{}", e->t->tid,
                         e->t->name);
      }
    }
    for (uint64_t m = q; m != 0; m &= m - 1) {
      const int bit = std::countr_zero(m);
      RcuData* rdp = &rdps_[rnp->grplo + bit];
      const uint64_t b = uint64_t{1} << bit;
      fmt::format_to(
          std::back_inserter(out),
          "rcu: \t{}-{}{}{}: ({} jiffies this GP) attached=", rdp->cpu,
          rdp->online.load(std::memory_order_relaxed) ? 'O' : '.',
          (init & b) ? 'o' : '.', (initnext & b) ? 'N' : '.', jiffies);
      {
        PlainMutexLock l(rdp->local);
        absl::StrAppend(&out, rdp->n_attached);
        for (ThreadRec* t = rdp->attached; t != nullptr; t = t->cpu_next) {
          const uint64_t w =
              internal::WordOf(t)->watch.load(std::memory_order_relaxed);
          if (w & internal::kNestMask)
            fmt::format_to(std::back_inserter(out),
                           " {}/{}(reader, nesting {})", t->name, t->tid,
                           w & internal::kNestMask);
        }
      }
      if (!rdp->online.load(std::memory_order_relaxed))
        fmt::format_to(std::back_inserter(out),
                       " Offline CPU {} blocking current GP.", rdp->cpu);
      out += "\n";
      ++holders;
    }
    if (!blocked.empty()) {
      fmt::format_to(std::back_inserter(out),
                     "rcu: \tTasks blocked on level-{} rcu_node (CPUs "
                     "{}-{}):{}\n",
                     rnp->level, rnp->grplo, rnp->grphi, blocked);
      ++holders;
    }
  }
  long queued = 0;
  for (int cpu = 0; cpu < config_.nr_cpu_ids; ++cpu)
    queued += CbLen(&rdps_[cpu]);
  if (holders == 0) {
    fmt::format_to(std::back_inserter(out),
                   "rcu: All QSes seen, last {} kthread activity, "
                   "jiffies_till_next_fqs={}, root ->qsmask {}\n",
                   config_.name, config_.jiffies_till_next_fqs,
                   AltHex(nodes_[0].qsmask.load(std::memory_order_relaxed)));
  }
  fmt::format_to(
      std::back_inserter(out),
      "rcu: \t(detected by {}_gp, t={} jiffies, g={}, q={} ncpus={})\n",
      config_.name, jiffies, static_cast<int64_t>(gps), queued,
      num_online_cpus());
  fmt::format_to(std::back_inserter(out),
                 "rcu: {}_gp kthread state {}({}) gp_flags {}\n", config_.name,
                 GpStateName(gp_state_.load()),
                 static_cast<int>(gp_state_.load()), AltHex(gp_flags_.load()));
  stalls_.fetch_add(1, std::memory_order_relaxed);
  ReportStall(out);
}

std::string Rcu::FormatExpStall(const std::vector<const ThreadRec*>& holders,
                                std::chrono::nanoseconds waited) const {
  std::string out =
      fmt::format("rcu: INFO: {} detected expedited stalls on CPUs/tasks: {{",
                  config_.name);
  // Threads by tid and name: their vCPU may change under us.
  for (const ThreadRec* t : holders)
    fmt::format_to(std::back_inserter(out), " P{}/{}", t->tid, t->name);
  fmt::format_to(std::back_inserter(out), " }} {} jiffies s: {}\n",
                 static_cast<long>(waited / jiffy_),
                 static_cast<int64_t>(exp_seq_.load()));
  return out;
}

}  // namespace rcu

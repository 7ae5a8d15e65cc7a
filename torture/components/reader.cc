// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// reader.cc: the readers (rcu_torture_reader, rcu_torture_one_read).
//
// One read-side critical section: enter with a random nesting depth, take
// the gp sequence, load the current element (acquire), check its mbtest
// (rtmbe) and run the mailbox ordering check (rtmbkf); then 1-8 nesting
// transitions, each taking the new depth's locks before dropping the old
// ones (no gap) and followed by a random delay: rarely 300 ms, sometimes
// 200 us, sometimes a preemption point (for `rcu`: migration to another
// vCPU inside the critical section). Last, sample the element's pipe count
// and the gp sequence delta into the Reader Pipe and Reader Batch
// histograms, and leave.
//
// A pipe count >= 2 means the element went through a full grace period
// while this reader held it: a too-short grace period. The segments of the
// first such read (or close call: Reader Batch >= 2) are kept for the
// cleanup dump.
#include "torture/components/reader.h"

#include <sched.h>

#include <algorithm>
#include <thread>

#include "torture/runtime/lockdep.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

constexpr int kMaxSegs = 9;

struct ReadState {
  int nesting = 0;
  ReadSeg segs[kMaxSegs];
  int nsegs = 0;
  bool preempted = false;
};

void Lock(const TortureOps* ops, int n) {
  for (int i = 0; i < n; ++i) ops->readlock();
}
void Unlock(const TortureOps* ops, int n) {
  for (int i = 0; i < n; ++i) ops->readunlock();
}

int CurCpu(const TortureOps* ops) {
  return ops->current_cpu != nullptr ? ops->current_cpu() : -1;
}

// rcu_read_delay().
void ReadDelay(const Run& run, TortureRandom& r, ReadState& rs, ReadSeg& seg) {
  if (!run.p.reader_delays) return;
  const int nr = run.nrealreaders;
  constexpr int kShortDelayUs = 200;
  constexpr int kLongDelayMs = 300;
  if (!(r() % (static_cast<uint32_t>(nr) * 2000 * kLongDelayMs)) &&
      run.fwd_cb_nodelay.load(std::memory_order_relaxed) == 0) {
    // A long delay makes grace periods wait, and the FQS scans run. A sleep
    // (not a busy wait) so that two cores are not burnt; readers of every
    // flavour here may be preempted.
    std::this_thread::sleep_for(std::chrono::milliseconds(kLongDelayMs));
    seg.delay_ms = kLongDelayMs;
  }
  if (!(r() % (static_cast<uint32_t>(nr) * 2 * kShortDelayUs))) {
    UDelay(kShortDelayUs);
    seg.delay_us = kShortDelayUs;
  }
  if (!(r() % (static_cast<uint32_t>(nr) * 500))) {
    if (run.ops->preempt != nullptr) {
      run.ops->preempt(r);
    } else {
      sched_yield();
    }
    seg.preempted = true;
    rs.preempted = true;
  }
}

// New nesting depth for a transition: mostly 1, sometimes 2 or 3.
int NewDepth(TortureRandom& r) {
  uint32_t x = r();
  if ((x & 7) != 0) return 1 + ((x >> 3) & 1);
  return 1 + ((x >> 4) % 3);
}

// rcu_torture_reader_do_mbchk().
void DoMbchk(Run& s, int myid, TortureElem* rtp, TortureRandom& r) {
  if (myid < 0) return;
  const int nr = s.nrealreaders;
  int noc = s.online_cpus;
  ReaderCheck* rtrcp = &s.mbchk[myid];
  // Increment my counter (owner-only; others read it).
  rtrcp->myloops.store(rtrcp->myloops.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);

  // Attempt to assign someone else some checking work.
  int rdrchked = r() % nr;
  ReaderCheck* rtrcp_chked = &s.mbchk[rdrchked];
  int rdrchker = r() % nr;
  ReaderCheck* rtrcp_chker = &s.mbchk[rdrchker];
  // Acquire loads pair with the release stores at the end of a check: the
  // checker's reads of our mailbox are done before we reuse it.
  if (rdrchked != myid && rdrchked != rdrchker && noc >= rdrchked &&
      noc >= rdrchker && rtrcp->chkrdr.load(std::memory_order_acquire) < 0 &&
      rtp->chkp.load(std::memory_order_relaxed) == nullptr &&
      rtrcp_chker->assigner.load(std::memory_order_acquire) == nullptr) {
    rtrcp->chkloops.store(rtrcp_chked->myloops.load(std::memory_order_relaxed),
                          std::memory_order_relaxed);
    rtrcp->chkrdr.store(rdrchked, std::memory_order_relaxed);
    ReaderCheck* expected = nullptr;
    if (!rtrcp_chker->assigner.compare_exchange_strong(
            expected, rtrcp, std::memory_order_relaxed)) {
      rtrcp->chkrdr.store(-1, std::memory_order_relaxed);
    } else {
      expected = nullptr;
      if (!rtp->chkp.compare_exchange_strong(expected, rtrcp,
                                             std::memory_order_relaxed)) {
        // Back out.
        ReaderCheck* me = rtrcp;
        rtrcp_chker->assigner.compare_exchange_strong(
            me, nullptr, std::memory_order_relaxed);
        rtrcp->chkrdr.store(-1, std::memory_order_relaxed);
      }
    }
  }

  // If assigned some completed work, do it!
  ReaderCheck* rtrcp_assigner = rtrcp->assigner.load(std::memory_order_relaxed);
  // Acquire pairs with the release store of `ready` in PipeUpdateOne(): the
  // grace period ended before we look at the checked reader's counter.
  if (rtrcp_assigner == nullptr ||
      !rtrcp_assigner->ready.load(std::memory_order_acquire)) {
    return;
  }
  rdrchked = rtrcp_assigner->chkrdr.load(std::memory_order_relaxed);
  if (rdrchked < 0) return;
  rtrcp_chked = &s.mbchk[rdrchked];
  unsigned long loops = rtrcp_chked->myloops.load(std::memory_order_relaxed);
  s.n_mbchk_tries.fetch_add(1, std::memory_order_relaxed);
  if (static_cast<long>(loops - rtrcp_assigner->chkloops.load(
                                    std::memory_order_relaxed)) < 0) {
    s.n_mbchk_fail.fetch_add(1, std::memory_order_relaxed);
  }
  rtrcp_assigner->chkloops.store(loops + ULONG_MAX / 2,
                                 std::memory_order_relaxed);
  rtrcp_assigner->ready.store(0, std::memory_order_relaxed);
  // Release: our reads of the assigner's mailbox are done before either of
  // us reuses it (pairs with the acquire loads above).
  rtrcp->assigner.store(nullptr, std::memory_order_release);
  rtrcp_assigner->chkrdr.store(-1, std::memory_order_release);
}

}  // namespace

// rcu_torture_one_read(). False when there is no current element yet.
bool TortureOneRead(Run& s, TortureRandom& r, int myid) {
  const TortureOps* ops = s.ops;
  ReadState rs;
  bool checkpolling = !(r() & 0xfff) && ops->get_gp_state != nullptr &&
                      ops->poll_gp_state != nullptr;

  rs.nesting = NewDepth(r);
  Lock(ops, rs.nesting);
  uint64_t cookie = checkpolling ? ops->get_gp_state() : 0;
  const bool checkpolling_full = checkpolling &&
                                 ops->get_gp_state_full != nullptr &&
                                 ops->poll_gp_state_full != nullptr;
  GpFullCookie cookie_full;
  if (checkpolling_full) ops->get_gp_state_full(&cookie_full);
  uint64_t started = ops->get_gp_seq();
  // rcu_dereference(): acquire pairs with the writer's release store;
  // checked against the flavour's read-side critical section.
  TortureElem* p = ReaderDereference(s.current);
  if (p == nullptr) {
    Unlock(ops, rs.nesting);
    return false;
  }
  if (p->mbtest.load(std::memory_order_relaxed) == 0) {
    s.n_mberror.fetch_add(1, std::memory_order_relaxed);
  }
  DoMbchk(s, myid, p, r);

  // rcutorture_loop_extend(): 1..8 transitions.
  uint32_t x = r();
  int j = static_cast<int>(((x | (x >> 3)) & 7) + 1);
  for (int i = 0; i < j && i < kMaxSegs; ++i) {
    ReadSeg& seg = rs.segs[rs.nsegs++];
    int nd = NewDepth(r);
    Lock(ops, nd);            // new protection first...
    Unlock(ops, rs.nesting);  // ...then drop the old: no gap
    rs.nesting = nd;
    seg.nesting = nd;
    seg.cpu = CurCpu(ops);
    seg.gp_start = ops->get_gp_seq();
    ReadDelay(s, r, rs, seg);
    seg.gp_end = ops->get_gp_seq();
    seg.cpu_end = CurCpu(ops);
  }

  // rcu_torture_one_read_end().
  int pipe_count = p->pipe_count.load(std::memory_order_relaxed);
  if (pipe_count > kPipeLen) pipe_count = kPipeLen;  // quite often for busted
  uint64_t completed = ops->get_gp_seq();
  uint64_t diff = ops->gp_diff(completed, started);
  if (diff > kPipeLen) diff = kPipeLen;
  if (myid >= 0) {
    ReaderHist& h = s.hist[myid];
    h.pipe[pipe_count].store(
        h.pipe[pipe_count].load(std::memory_order_relaxed) + 1,
        std::memory_order_relaxed);
    h.batch[diff].store(h.batch[diff].load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
  } else {
    // The shared slot after the readers' (several writers: atomic adds).
    ReaderHist& h = s.hist[s.nrealreaders];
    h.pipe[pipe_count].fetch_add(1, std::memory_order_relaxed);
    h.batch[diff].fetch_add(1, std::memory_order_relaxed);
  }
  if (checkpolling && ops->poll_gp_state(cookie)) {
    TortureWarn("rcu_torture_one_read", "Cookie check 2 failed");
  }
  if (checkpolling_full && ops->poll_gp_state_full(cookie_full)) {
    TortureWarn("rcu_torture_one_read", "Cookie check 6 failed");
  }
  Unlock(ops, rs.nesting);
  if (pipe_count > 1 || diff > 1) {
    MutexLock l(s.err_mu);
    if (s.err_segs.empty()) {
      s.err_segs.assign(rs.segs, rs.segs + rs.nsegs);
      s.err_preempted = rs.preempted;
    }
  }
  return true;
}

namespace {

class Readers : public Component {
 public:
  explicit Readers(Run& run) : run_(run) {}

  void Start() override {
    for (int i = 0; i < run_.nrealreaders; ++i) {
      threads_.push_back(run_.threads.Create("rcu_torture_reader", i,
                                             i % std::max(1, run_.online_cpus),
                                             [this, i] { Main(i); }));
    }
  }

  void Stop() override { run_.threads.StopAll(threads_); }

 private:
  void Main(int id) {
    Run& s = run_;
    const TortureOps* ops = s.ops;
    TortureRandom r(s.p.seed, Stream::kReader, static_cast<uint64_t>(id));
    int64_t lastsleep = NowNs();
    while (!MustStop()) {
      ApplyShuffle();
      if (!TortureOneRead(s, r, id)) {
        SleepUntilOrStop(NowNs() + 1'000'000'000);  // no element yet
      }
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      int64_t now = NowNs();
      if (now > lastsleep) {
        TortureSleepUs(500);               // torture_hrtimeout_us(500, 1000)
        lastsleep = NowNs() + 10'000'000;  // every ~10 jiffies
      }
      // Readers whose id exceeds the online vCPU count park, so that reader
      // load follows (emulated) CPU hotplug.
      while (!MustStop() && ops->num_online_cpus() < id) {
        SleepUntilOrStop(NowNs() + 200'000'000);
      }
      StutterWait();
    }
    KthreadStopping("rcu_torture_reader");
  }

  Run& run_;
  std::vector<ThreadCtx*> threads_;
};

}  // namespace

std::unique_ptr<Component> MakeReaders(Run& run) {
  return std::make_unique<Readers>(run);
}

}  // namespace torture

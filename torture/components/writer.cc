// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// writer.cc: the writer (rcu_torture_writer) and the choice of update
// types (rcu_torture_write_types).
//
// Exactly one writer. Each iteration: sleep ~500 us, take an element from
// the pool, busy-wait 0-1023 us, publish it (release), mark the old one
// removed (pipe count 0 -> 1) and send the old one through a randomly
// chosen update style:
//   RTWS_DEF_FREE   ops->deferred_free: a chain of call()s, one GP per hop
//   RTWS_SYNC       sync(), then one GP for every removed element
//   RTWS_EXP_SYNC   exp_sync(), same accounting
//   RTWS_COND_GET   get_gp_state(), random wait, cond_sync()
//   RTWS_POLL_GET   start_gp_poll(), then poll_gp_state() with random waits
//   ..._EXP, ..._FULL, ..._EXP_FULL   the same with expedited grace periods
//                   and/or full-state cookies (GpFullCookie)
// then bump the version and honour stutter. After a stutter pause, every
// element must be free, removed-and-waiting, or current (a stuck element
// means callbacks or grace periods stopped advancing).
#include <algorithm>

#include "fmt/format.h"
#include "torture/runtime/lockdep.h"
#include "torture/runtime/run.h"

namespace torture {
namespace {

// How many of the writer's choices are kept for replay checks.
constexpr size_t kChoicesKept = 64;

void AddType(const char* param, bool wanted, bool have, int rtws,
             std::vector<int>& out) {
  if (!wanted) return;
  if (have) {
    out.push_back(rtws);
    VerboseTorOut(fmt::format("rcu_torture_write_types: Testing {}.", param));
  } else {
    TorOut(
        fmt::format("rcu_torture_write_types: {} without primitives.", param));
  }
}

// do_rtws_sync(): with probability 1/4 each, takes a polled cookie and a
// full-state cookie first and checks that each is complete once the grace
// period is over (Cookie checks 3 and 4; for exp_sync, the plain cookie
// only if the flavour's expedited grace periods complete such cookies).
void DoRtwsSync(const TortureOps* ops, TortureRandom& r, void (*sync)(),
                const char* what) {
  const uint64_t rnd = r();
  bool dopoll = ops->get_gp_state != nullptr && ops->poll_gp_state != nullptr &&
                !(rnd & 0x3);
  if (sync == ops->exp_sync && !ops->exp_completes_gp_state) dopoll = false;
  const bool dopoll_full = ops->get_gp_state_full != nullptr &&
                           ops->poll_gp_state_full != nullptr && !(rnd & 0xc);
  uint64_t cookie = 0;
  GpFullCookie cookie_full;
  if (dopoll) cookie = ops->get_gp_state();
  if (dopoll_full) ops->get_gp_state_full(&cookie_full);
  {
    GpWaitScope w(what);
    sync();
  }
  if (dopoll && !ops->poll_gp_state(cookie)) {
    TortureWarn("do_rtws_sync", "Cookie check 3 failed");
  }
  if (dopoll_full && !ops->poll_gp_state_full(cookie_full)) {
    TortureWarn("do_rtws_sync", "Cookie check 4 failed");
  }
}

// rcu_torture_write_types(): fills run.synctypes; prints the kernel's lines.
void ChooseWriteTypes(Run& run) {
  const TortureOps* ops = run.ops;
  const Params& p = run.p;
  std::vector<int>& st = run.synctypes;
  st.clear();
  bool gp_cond1 = p.gp_cond, gp_cond_exp1 = p.gp_cond_exp,
       gp_cond_full1 = p.gp_cond_full, gp_cond_exp_full1 = p.gp_cond_exp_full,
       gp_exp1 = p.gp_exp, gp_normal1 = p.gp_normal, gp_poll1 = p.gp_poll,
       gp_poll_exp1 = p.gp_poll_exp, gp_poll_full1 = p.gp_poll_full,
       gp_poll_exp_full1 = p.gp_poll_exp_full, gp_sync1 = p.gp_sync;
  // If none was asked for, test all.
  if (!gp_cond1 && !gp_cond_exp1 && !gp_cond_full1 && !gp_cond_exp_full1 &&
      !gp_exp1 && !gp_normal1 && !gp_poll1 && !gp_poll_exp1 && !gp_poll_full1 &&
      !gp_poll_exp_full1 && !gp_sync1) {
    gp_cond1 = gp_cond_exp1 = gp_cond_full1 = gp_cond_exp_full1 = gp_exp1 =
        gp_normal1 = gp_poll1 = gp_poll_exp1 = gp_poll_full1 =
            gp_poll_exp_full1 = gp_sync1 = true;
  }
  AddType("gp_cond", gp_cond1, ops->get_gp_state && ops->cond_sync,
          RTWS_COND_GET, st);
  AddType("gp_cond_exp", gp_cond_exp1,
          ops->get_gp_state_exp && ops->cond_sync_exp, RTWS_COND_GET_EXP, st);
  AddType("gp_cond_full", gp_cond_full1,
          ops->get_gp_state_full && ops->cond_sync_full, RTWS_COND_GET_FULL,
          st);
  AddType("gp_cond_exp_full", gp_cond_exp_full1,
          ops->get_gp_state_full && ops->cond_sync_exp_full,
          RTWS_COND_GET_EXP_FULL, st);
  AddType("gp_exp", gp_exp1, ops->exp_sync != nullptr, RTWS_EXP_SYNC, st);
  AddType("gp_normal", gp_normal1, ops->deferred_free != nullptr, RTWS_DEF_FREE,
          st);
  AddType("gp_poll", gp_poll1, ops->start_gp_poll && ops->poll_gp_state,
          RTWS_POLL_GET, st);
  AddType("gp_poll_exp", gp_poll_exp1,
          ops->start_gp_poll_exp && ops->poll_gp_state_exp, RTWS_POLL_GET_EXP,
          st);
  AddType("gp_poll_full", gp_poll_full1,
          ops->start_gp_poll_full && ops->poll_gp_state_full,
          RTWS_POLL_GET_FULL, st);
  AddType("gp_poll_exp_full", gp_poll_exp_full1,
          ops->start_gp_poll_exp_full && ops->poll_gp_state_full,
          RTWS_POLL_GET_EXP_FULL, st);
  AddType("gp_sync", gp_sync1, ops->sync != nullptr, RTWS_SYNC, st);
  TorOut(fmt::format("rcu_torture_write_types: Testing {} update types.",
                     st.size()));
  TorOut(fmt::format(
      "rcu_torture_write_types: gp_cond_wi {} gp_cond_wi_exp {} gp_poll_wi {} "
      "gp_poll_wi_exp {}",
      p.gp_cond_wi, p.gp_cond_wi_exp, p.gp_poll_wi, p.gp_poll_wi_exp));
}

class Writer : public Component {
 public:
  explicit Writer(Run& run) : run_(run) {}

  void Start() override {
    ChooseWriteTypes(run_);
    const Params& p = run_.p;
    // The writer's stallsdone: no post-stutter pool check until the stall
    // episodes (holdoff + stall, repeated) plus 60 s are over. The kernel
    // applies this to every run (stall_cpu_holdoff defaults to 10); here
    // only to runs with a stall test, so that other runs keep the check.
    if (p.stall_cpu > 0 || p.stall_gp_kthread > 0) {
      run_.stallsdone_ns =
          run_.start_ns + (int64_t{p.stall_cpu_holdoff} + p.stall_gp_kthread +
                           p.stall_cpu + 60) *
                              (int64_t{std::max(p.stall_cpu_repeat, 0)} + 1) *
                              1'000'000'000;
    }
    thread_ =
        run_.threads.Create("rcu_torture_writer", 0, -1, [this] { Main(); });
  }

  void Stop() override { run_.threads.Stop(thread_); }

 private:
  void Main() {
    Run& s = run_;
    const TortureOps* ops = s.ops;
    const Params& p = s.p;
    Pool& pool = s.pool;
    // Choices in a stream of their own so that a seed replays them no matter
    // how the timing-dependent draws (delays, poll loops) went.
    TortureRandom choice(p.seed, Stream::kWriterChoice, 0);
    TortureRandom r(p.seed, Stream::kWriterDelay, 0);
    auto set_state = [&s](int st) {
      s.writer_state.store(st, std::memory_order_relaxed);
    };
    if (s.synctypes.empty()) {
      TortureWarn("rcu_torture_writer", "No update-side primitives");
      set_state(RTWS_STOPPING);
      KthreadStopping("rcu_torture_writer");
      return;
    }
    const int nsynctypes = static_cast<int>(s.synctypes.size());
    UpdateMutex update_mu{"rcu_torture_writer.update_mu"};
    // Dynamic grace-period expediting: about once in 256 updates, a cycle
    // of eight that expedites four times over and then unexpedites, one
    // step per update, so sync() alternates between normal and expedited
    // grace periods under the writer's feet.
    const bool can_expedite =
        ops->expedite_gp != nullptr && ops->unexpedite_gp != nullptr;
    TortureRandom exp_r(p.seed, Stream::kWriterExpedite, 0);
    int expediting = 0;

    while (!MustStop()) {
      ApplyShuffle();
      if (ops->current_cpu != nullptr) {
        s.writer_cpu.store(ops->current_cpu(), std::memory_order_relaxed);
      }
      set_state(RTWS_FIXED_DELAY);
      TortureSleepUs(500);  // torture_hrtimeout_us(500, 1000): +<=1 us fuzz
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      TortureElem* rp = pool.Alloc();
      if (rp == nullptr) continue;
      rp->pipe_count.store(0, std::memory_order_relaxed);
      set_state(RTWS_DELAY);
      UDelay(r() & 0x3ff);
      set_state(RTWS_REPLACE);
      TortureElem* old_rp;
      {
        // The update lock makes the update-side accesses checkable
        // (rcu_dereference_protected()); the writer is the only updater.
        UpdateLock l(update_mu);
        old_rp = UpdateDereference(s.current, update_mu.IsHeld());
        rp->mbtest.store(1, std::memory_order_relaxed);
        // rcu_assign_pointer(): release orders the element's initialization
        // (pipe_count = 0, mbtest = 1) before its publication; pairs with
        // the readers' acquire load of `current`.
        AssignPointer(s.current, rp);
      }
      if (old_rp != nullptr) {
        pool.Remove(old_rp);

        // Make sure readers block polled grace periods.
        if (ops->get_gp_state != nullptr && ops->poll_gp_state != nullptr) {
          ops->readlock();
          uint64_t cookie = ops->get_gp_state();
          if (ops->poll_gp_state(cookie)) {
            TortureWarn("rcu_torture_writer", "Cookie check 1 failed");
          }
          if (ops->get_gp_state_full != nullptr &&
              ops->poll_gp_state_full != nullptr) {
            GpFullCookie full;
            ops->get_gp_state_full(&full);
            if (ops->poll_gp_state_full(full)) {
              TortureWarn("rcu_torture_writer", "Cookie check 5 failed");
            }
          }
          ops->readunlock();
        }

        int st = s.synctypes[choice() % nsynctypes];
        if (s.writer_choices.size() < kChoicesKept)
          s.writer_choices.push_back(st);
        switch (st) {
          case RTWS_DEF_FREE:
            set_state(RTWS_DEF_FREE);
            ops->deferred_free(old_rp);
            break;
          case RTWS_EXP_SYNC:
            set_state(RTWS_EXP_SYNC);
            DoRtwsSync(ops, r, ops->exp_sync, "exp_sync");
            pool.PipeUpdate(old_rp);
            break;
          case RTWS_SYNC:
            set_state(RTWS_SYNC);
            DoRtwsSync(ops, r, ops->sync, "sync");
            pool.PipeUpdate(old_rp);
            break;
          case RTWS_COND_GET:
          case RTWS_COND_GET_EXP: {
            bool exp = st == RTWS_COND_GET_EXP;
            set_state(st);
            uint64_t gp_snap =
                exp ? ops->get_gp_state_exp() : ops->get_gp_state();
            TortureSleepUs(r() % (exp ? p.gp_cond_wi_exp : p.gp_cond_wi));
            set_state(exp ? RTWS_COND_SYNC_EXP : RTWS_COND_SYNC);
            {
              GpWaitScope w(exp ? "cond_sync_exp" : "cond_sync");
              (exp ? ops->cond_sync_exp : ops->cond_sync)(gp_snap);
            }
            pool.PipeUpdate(old_rp);
            break;
          }
          case RTWS_COND_GET_FULL:
          case RTWS_COND_GET_EXP_FULL: {
            bool exp = st == RTWS_COND_GET_EXP_FULL;
            set_state(st);
            GpFullCookie gp_snap;
            ops->get_gp_state_full(&gp_snap);
            TortureSleepUs(r() % (exp ? p.gp_cond_wi_exp : p.gp_cond_wi));
            set_state(exp ? RTWS_COND_SYNC_EXP_FULL : RTWS_COND_SYNC_FULL);
            {
              GpWaitScope w(exp ? "cond_sync_exp_full" : "cond_sync_full");
              (exp ? ops->cond_sync_exp_full : ops->cond_sync_full)(gp_snap);
            }
            pool.PipeUpdate(old_rp);
            break;
          }
          case RTWS_POLL_GET_FULL:
          case RTWS_POLL_GET_EXP_FULL: {
            bool exp = st == RTWS_POLL_GET_EXP_FULL;
            set_state(st);
            GpFullCookie gp_snap;
            (exp ? ops->start_gp_poll_exp_full
                 : ops->start_gp_poll_full)(&gp_snap);
            set_state(exp ? RTWS_POLL_WAIT_EXP_FULL : RTWS_POLL_WAIT_FULL);
            {
              GpWaitScope w(exp ? "poll_gp_state_exp_full"
                                : "poll_gp_state_full");
              while (!ops->poll_gp_state_full(gp_snap)) {
                TortureSleepUs(r() % (exp ? p.gp_poll_wi_exp : p.gp_poll_wi));
                if (ops->quiescent_state != nullptr) ops->quiescent_state();
              }
            }
            pool.PipeUpdate(old_rp);
            break;
          }
          case RTWS_POLL_GET:
          case RTWS_POLL_GET_EXP: {
            bool exp = st == RTWS_POLL_GET_EXP;
            set_state(st);
            uint64_t gp_snap =
                exp ? ops->start_gp_poll_exp() : ops->start_gp_poll();
            set_state(exp ? RTWS_POLL_WAIT_EXP : RTWS_POLL_WAIT);
            {
              GpWaitScope w(exp ? "poll_gp_state_exp" : "poll_gp_state");
              while (!(exp ? ops->poll_gp_state_exp
                           : ops->poll_gp_state)(gp_snap)) {
                TortureSleepUs(r() % (exp ? p.gp_poll_wi_exp : p.gp_poll_wi));
                if (ops->quiescent_state != nullptr) ops->quiescent_state();
              }
            }
            pool.PipeUpdate(old_rp);
            break;
          }
          default:
            TortureWarn("rcu_torture_writer",
                        fmt::format("Invalid synctype {}", st));
            break;
        }
      }
      s.current_version.fetch_add(1, std::memory_order_relaxed);
      if (can_expedite && (expediting != 0 || (exp_r() & 0xff) == 0)) {
        if (expediting >= 0) {
          ops->expedite_gp();
        } else {
          ops->unexpedite_gp();
        }
        if (++expediting > 3) expediting = -expediting;
      }
      set_state(RTWS_STUTTER);
      bool waited = StutterWait();
      if (waited && !ops->slow_gps && !MustStop() &&
          s.fwd_cb_nodelay.load(std::memory_order_relaxed) == 0 &&
          NowNs() >= s.stallsdone_ns) {
        // After a pause in which every load thread slept, every callback
        // chain should have drained (unless a forward-progress test floods
        // callbacks or a stall test holds grace periods).
        const TortureElem* stuck = nullptr;
        if (!pool.AllAccountedFor(AccessPointer(s.current), &stuck)) {
          std::string dbg =
              ops->gp_kthread_dbg != nullptr ? ops->gp_kthread_dbg() : "";
          TortureWarn(
              "rcu_torture_writer",
              fmt::format("rtort_pipe_count: {}",
                          stuck->pipe_count.load(std::memory_order_relaxed)));
          if (!dbg.empty()) PrintLine(dbg);
        }
      }
    }
    if (can_expedite) {
      TorOut("Dynamic grace-period expediting was disabled.");
      // Undo the expedites of an unfinished cycle.
      for (; expediting > 0; --expediting) ops->unexpedite_gp();
      for (; expediting < 0; ++expediting) ops->unexpedite_gp();
    }
    // Let the stats thread know that we are done.
    s.current.store(nullptr, std::memory_order_relaxed);
    set_state(RTWS_STOPPING);
    KthreadStopping("rcu_torture_writer");
  }

  Run& run_;
  ThreadCtx* thread_ = nullptr;
};

}  // namespace

std::unique_ptr<Component> MakeWriter(Run& run) {
  return std::make_unique<Writer>(run);
}

}  // namespace torture

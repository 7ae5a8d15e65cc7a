// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// fakewriter.cc: the fake writers (rcu_torture_fakewriter).
//
// Concurrent grace-period requests with no data structure behind them:
// sleep 0-9 jiffies, then with probability 1/(8 * nfakewriters) run the
// flavour's barrier, otherwise one randomly chosen update primitive. Errors
// only show up as hangs (the watchdog) or as failures of the real writer.
#include "torture/runtime/run.h"

namespace torture {
namespace {

class FakeWriters : public Component {
 public:
  explicit FakeWriters(Run& run) : run_(run) {}

  void Start() override {
    for (int i = 0; i < run_.nrealfakewriters; ++i) {
      threads_.push_back(run_.threads.Create("rcu_torture_fakewriter", i, -1,
                                             [this, i] { Main(i); }));
    }
  }

  void Stop() override { run_.threads.StopAll(threads_); }

 private:
  void Main(int id) {
    const Run& s = run_;
    const TortureOps* ops = s.ops;
    const Params& p = s.p;
    TortureRandom r(p.seed, Stream::kFakeWriter, static_cast<uint64_t>(id));
    const int nsynctypes = static_cast<int>(s.synctypes.size());
    if (nsynctypes == 0) {
      KthreadStopping("rcu_torture_fakewriter");
      return;
    }
    while (!MustStop()) {
      ApplyShuffle();
      TortureSleepUs((r() % 10) * 1000);  // torture_hrtimeout_jiffies(r % 10)
      if (ops->quiescent_state != nullptr) ops->quiescent_state();
      if (MustStop()) break;
      if (ops->cb_barrier != nullptr &&
          r() % (static_cast<uint32_t>(s.nrealfakewriters) * 8) == 0) {
        GpWaitScope w("cb_barrier");
        ops->cb_barrier();
      } else {
        int st = s.synctypes[r() % nsynctypes];
        switch (st) {
          case RTWS_DEF_FREE:
            break;
          case RTWS_EXP_SYNC: {
            GpWaitScope w("exp_sync");
            ops->exp_sync();
            break;
          }
          case RTWS_COND_GET:
          case RTWS_COND_GET_EXP: {
            bool exp = st == RTWS_COND_GET_EXP;
            uint64_t gp_snap =
                exp ? ops->get_gp_state_exp() : ops->get_gp_state();
            TortureSleepUs((r() % 16) * 1000);
            GpWaitScope w(exp ? "cond_sync_exp" : "cond_sync");
            (exp ? ops->cond_sync_exp : ops->cond_sync)(gp_snap);
            break;
          }
          case RTWS_POLL_GET:
          case RTWS_POLL_GET_EXP: {
            bool exp = st == RTWS_POLL_GET_EXP;
            uint64_t gp_snap =
                exp ? ops->start_gp_poll_exp() : ops->start_gp_poll();
            GpWaitScope w(exp ? "poll_gp_state_exp" : "poll_gp_state");
            while (
                !(exp ? ops->poll_gp_state_exp : ops->poll_gp_state)(gp_snap)) {
              TortureSleepUs((r() % 16) * 1000);
              if (ops->quiescent_state != nullptr) ops->quiescent_state();
            }
            break;
          }
          case RTWS_SYNC: {
            GpWaitScope w("sync");
            ops->sync();
            break;
          }
          default:
            break;
        }
      }
      StutterWait();
    }
    KthreadStopping("rcu_torture_fakewriter");
  }

  Run& run_;
  std::vector<ThreadCtx*> threads_;
};

}  // namespace

std::unique_ptr<Component> MakeFakeWriters(Run& run) {
  return std::make_unique<FakeWriters>(run);
}

}  // namespace torture

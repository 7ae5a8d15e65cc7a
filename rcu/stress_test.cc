// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// Short multi-threaded stress runs, also run under TSan and ASan: readers
// follow an RCU-protected pointer and check the element is intact; a writer
// replaces it and retires the old one through every update style; the
// retired element is poisoned and put back in a pool only after its grace
// period, so a too-short grace period shows as a reader seeing poison (and,
// under ASan/TSan, as a use-after-poison race).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "rcu/internal/test_util.h"
#include "rcu/tree.h"

namespace rcu {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kAlive = 0x600dcafe;
constexpr uint64_t kPoison = 0xdeadbeef;

struct Elem {
  RcuHead head;
  std::atomic<uint64_t> magic{kPoison};
  std::atomic<uint64_t> seq{0};
  std::atomic<bool>* free_slot = nullptr;
};

struct StressParams {
  int cpus, fanout, leaf;
  ReaderMode mode;
};

class Stress : public ::testing::TestWithParam<StressParams> {};

// Readers (4 threads) each loop: lock (maybe nested), load the current
// element, check it is alive, sometimes migrate to another vCPU inside the
// reader, re-check, unlock. The writer loops: take a free element from the
// pool, publish it, retire the old one with one of Synchronize,
// SynchronizeExpedited, the polled API or Call(). Retiring poisons the
// element and returns it to the pool.
TEST_P(Stress, ReadersNeverSeeRetiredElements) {
  const StressParams p = GetParam();
  Config c;
  c.nr_cpu_ids = p.cpus;
  c.fanout = p.fanout;
  c.fanout_leaf = p.leaf;
  c.reader_mode = p.mode;
  auto r = *Rcu::Create(c);

  constexpr int kPool = 64;
  std::vector<Elem> pool(kPool);
  std::vector<std::atomic<bool>> is_free(kPool);
  for (int i = 0; i < kPool; ++i) {
    pool[i].free_slot = &is_free[i];
    is_free[i].store(true);
  }
  is_free[0].store(false);
  pool[0].magic.store(kAlive);
  std::atomic<Elem*> current{&pool[0]};

  std::atomic<bool> stop{false};
  std::atomic<long> bad{0}, reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      r->RegisterThread(t % p.cpus);
      std::minstd_rand rng(t);
      while (!stop.load(std::memory_order_relaxed)) {
        r->ReadLock();
        const bool nest = rng() % 4 == 0;
        if (nest) r->ReadLock();
        Elem* e = current.load(std::memory_order_acquire);
        if (e->magic.load(std::memory_order_relaxed) != kAlive)
          bad.fetch_add(1);
        if (rng() % 16 == 0) r->MigrateSelf(static_cast<int>(rng() % p.cpus));
        if (rng() % 64 == 0) std::this_thread::yield();
        if (e->magic.load(std::memory_order_relaxed) != kAlive)
          bad.fetch_add(1);
        if (nest) r->ReadUnlock();
        r->ReadUnlock();
        reads.fetch_add(1, std::memory_order_relaxed);
      }
      r->UnregisterThread();
    });
  }

  auto retire = [](Elem* e) {
    e->magic.store(kPoison, std::memory_order_relaxed);
    e->free_slot->store(true, std::memory_order_release);
  };
  std::thread writer([&] {
    r->RegisterThread(0);
    std::minstd_rand rng(99);
    const auto end = std::chrono::steady_clock::now() + 1500ms;
    int next = 1;
    long updates = 0;
    while (std::chrono::steady_clock::now() < end) {
      int tries = 0;
      while (!is_free[next].load(std::memory_order_acquire)) {
        next = (next + 1) % kPool;
        if (++tries > kPool) {
          r->Barrier();  // pool drained by pending callbacks
          tries = 0;
        }
      }
      is_free[next].store(false, std::memory_order_relaxed);
      Elem* e = &pool[next];
      e->seq.store(updates, std::memory_order_relaxed);
      e->magic.store(kAlive, std::memory_order_relaxed);
      Elem* old = current.exchange(e, std::memory_order_acq_rel);
      switch (rng() % 5) {
        case 0:
          r->Synchronize();
          retire(old);
          break;
        case 1:
          r->SynchronizeExpedited();
          retire(old);
          break;
        case 2: {
          uint64_t ck = r->StartPoll();
          while (!r->PollState(ck)) std::this_thread::sleep_for(50us);
          retire(old);
          break;
        }
        case 3:
          r->CondSynchronize(r->GetState());
          retire(old);
          break;
        default:
          r->Call(&old->head, [](RcuHead* h) {
            Elem* el = reinterpret_cast<Elem*>(h);
            el->magic.store(kPoison, std::memory_order_relaxed);
            el->free_slot->store(true, std::memory_order_release);
          });
          break;
      }
      ++updates;
      next = (next + 1) % kPool;
    }
    r->UnregisterThread();
    EXPECT_GT(updates, 50);
  });
  writer.join();
  stop.store(true);
  for (auto& t : readers) t.join();
  r->Barrier();
  EXPECT_EQ(bad.load(), 0) << "a reader saw a retired element";
  EXPECT_GT(reads.load(), 1000);
  RcuStats s = r->GetStats();
  EXPECT_GT(s.gps_completed, 10u);
  EXPECT_EQ(s.cbs_queued, s.cbs_invoked);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Stress,
    ::testing::Values(StressParams{8, 2, 2, ReaderMode::kAuto},
                      StressParams{16, 64, 4, ReaderMode::kAuto},
                      StressParams{3, 64, 16, ReaderMode::kFences},
                      StressParams{8, 3, 2, ReaderMode::kFences}));

}  // namespace
}  // namespace rcu

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// test_util.h: small helpers shared by the library's tests (test-only).
#ifndef RCU_INTERNAL_TEST_UTIL_H_
#define RCU_INTERNAL_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "rcu/lockdep.h"
#include "rcu/plain_mutex.h"
#include "rcu/tree.h"

namespace rcu::testing {

inline std::unique_ptr<Rcu> MakeRcu(const Config& c) {
  auto r = Rcu::Create(c);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : nullptr;
}
inline Config TreeConfig(int nr_cpu_ids, int fanout = 64, int fanout_leaf = 16,
                         ReaderMode mode = ReaderMode::kAuto) {
  Config c;
  c.nr_cpu_ids = nr_cpu_ids;
  c.fanout = fanout;
  c.fanout_leaf = fanout_leaf;
  c.reader_mode = mode;
  return c;
}
inline std::unique_ptr<Rcu> MakeRcu(int nr_cpu_ids, int fanout = 64,
                                    int fanout_leaf = 16,
                                    ReaderMode mode = ReaderMode::kAuto) {
  return MakeRcu(TreeConfig(nr_cpu_ids, fanout, fanout_leaf, mode));
}

// A fixture that turns lockdep-RCU on for the test and captures its
// splats; restores the switch and the sink after.
class LockdepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    was_enabled_ = lockdep::Enabled();
    lockdep::SetEnabled(true);
    old_sink_ = lockdep::SetSink([this](const std::string& s) {
      PlainMutexLock l(mu_);
      splats_.push_back(s);
    });
    start_ = lockdep::SplatCount();
  }
  void TearDown() override {
    lockdep::SetSink(std::move(old_sink_));
    lockdep::SetEnabled(was_enabled_);
  }
  // Splats since SetUp().
  uint64_t Splats() const { return lockdep::SplatCount() - start_; }
  std::vector<std::string> Texts() {
    PlainMutexLock l(mu_);
    return splats_;
  }
  std::string Last() {
    PlainMutexLock l(mu_);
    return splats_.empty() ? std::string() : splats_.back();
  }

 private:
  bool was_enabled_ = false;
  lockdep::Sink old_sink_;
  uint64_t start_ = 0;
  PlainMutex mu_;
  std::vector<std::string> splats_ ABSL_GUARDED_BY(mu_);
};

// A one-shot flag that TSan understands (std::atomic, no Abseil).
class Flag {
 public:
  void Set() { v_.store(true, std::memory_order_release); }
  bool IsSet() const { return v_.load(std::memory_order_acquire); }
  void Wait() const {
    while (!IsSet()) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  // True if set within `d`.
  bool WaitFor(std::chrono::milliseconds d) const {
    auto end = std::chrono::steady_clock::now() + d;
    while (!IsSet()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
  }

 private:
  std::atomic<bool> v_{false};
};

// Waits up to `d` for pred(); returns pred().
template <typename Pred>
bool Eventually(Pred pred,
                std::chrono::milliseconds d = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + d;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return pred();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

// A thread registered on `cpu` and idle (outside any reader) for its
// lifetime. With it registered, Synchronize() from another thread runs a
// real grace period through the grace-period thread instead of the short
// path taken when no other thread is registered (tree.cc,
// NoOtherReaderPossible()): for tests of the grace-period machinery.
class IdleRegistered {
 public:
  IdleRegistered(Rcu& r, int cpu)
      : thread_([this, &r, cpu] {
          r.RegisterThread(cpu);
          registered_.Set();
          release_.Wait();
          r.UnregisterThread();
        }) {
    registered_.Wait();
  }
  ~IdleRegistered() {
    release_.Set();
    thread_.join();
  }
  IdleRegistered(const IdleRegistered&) = delete;
  IdleRegistered& operator=(const IdleRegistered&) = delete;

 private:
  Flag registered_, release_;
  std::thread thread_;
};

// A thread that registers on `cpu`, enters a read-side critical section and
// stays inside until Release(). The constructor returns once it is inside;
// `before_unlock` runs just before its outermost unlock; `name` names the
// thread (for diagnostics that print it).
class HeldReader {
 public:
  HeldReader(Rcu& r, int cpu, std::function<void()> before_unlock = nullptr,
             std::string name = "")
      : thread_([this, &r, cpu, before_unlock, name] {
          if (!name.empty()) pthread_setname_np(pthread_self(), name.c_str());
          r.RegisterThread(cpu);
          r.ReadLock();
          inside_.Set();
          release_.Wait();
          if (before_unlock) before_unlock();
          r.ReadUnlock();
          r.UnregisterThread();
        }) {
    inside_.Wait();
  }
  ~HeldReader() { Release(); }
  HeldReader(const HeldReader&) = delete;
  HeldReader& operator=(const HeldReader&) = delete;

  bool released() const { return release_.IsSet(); }
  // Ends the critical section; returns after the thread unregistered.
  void Release() {
    release_.Set();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Flag inside_, release_;
  std::thread thread_;
};

}  // namespace rcu::testing

#endif  // RCU_INTERNAL_TEST_UTIL_H_

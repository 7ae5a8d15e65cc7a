// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// The reader words (rcu/internal/reader.h): where each instance's word
// lives, on-the-fly registration through the lock's slow path, and the
// move of a record off its thread's TLS word at unregistration.
#include "rcu/internal/reader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "rcu/internal/test_util.h"
#include "rcu/rcu.h"

namespace rcu {
namespace {

using internal::ReaderWord;
using internal::ThreadRec;
using internal::tls_readers;
using rcu::testing::MakeRcu;
using namespace std::chrono_literals;

TEST(ReaderWord, TlsIsOneCacheLine) {
  EXPECT_EQ(sizeof(internal::TlsReaders), 64u);
  EXPECT_EQ(alignof(internal::TlsReaders), 64u);
}

TEST(ReaderWord, DefaultInstanceWordIsInlineInTls) {
  std::thread([] {
    // A fresh thread: not registered, so its first outermost lock takes
    // the slow path and registers it.
    EXPECT_EQ(tls_readers.word0.rec, nullptr);
    EXPECT_EQ(tls_readers.word0.lock_slow, internal::kLockSlowUnregistered);
    ReadLock();
    ThreadRec* t = tls_readers.word0.rec;
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->word.load(), &tls_readers.word0);
    EXPECT_EQ(tls_readers.words[0], &tls_readers.word0);
    EXPECT_TRUE(ReadLockHeld());
    EXPECT_EQ(tls_readers.word0.watch.load() & internal::kNestMask, 1u);
    ReadUnlock();
    EXPECT_FALSE(ReadLockHeld());
    UnregisterThread();
    EXPECT_EQ(tls_readers.word0.rec, nullptr);
    EXPECT_EQ(tls_readers.words[0], nullptr);
  }).join();
}

TEST(ReaderWord, InstanceWordIsInTheRecord) {
  auto r = MakeRcu(2);
  std::thread([&] {
    EXPECT_FALSE(r->IsRegistered());
    r->ReadLock();  // registers on the fly
    ReaderWord* rw = tls_readers.words[r->slot()];
    ASSERT_NE(rw, nullptr);
    EXPECT_EQ(rw, &rw->rec->own);
    EXPECT_EQ(rw->rec->word.load(), rw);
    EXPECT_TRUE(r->ReadLockHeld());
    EXPECT_FALSE(ReadLockHeld());  // not a reader of the default instance
    r->ReadUnlock();
    r->UnregisterThread();
  }).join();
}

// The regression the move pins: a thread exited while a grace period still
// held its record, and the grace period then read the dead thread's TLS.
TEST(ReaderWord, UnregistrationMovesTheRecordOffTheTlsWord) {
  ThreadRec* t = nullptr;
  uint64_t last = 0;
  std::thread([&] {
    RegisterThread();
    ReadLock();
    ReadUnlock();
    t = tls_readers.word0.rec;
    last = tls_readers.word0.watch.load();
    UnregisterThread();
  }).join();
  ASSERT_NE(t, nullptr);
  // The thread is gone; its record now holds its last watch itself.
  EXPECT_EQ(t->word.load(), &t->own);
  EXPECT_EQ(t->own.watch.load(), last);
  EXPECT_EQ(t->own.watch.load() & internal::kNestMask, 0u);
}

// Thread A holds a pin on thread B's word (as a scanner does while it reads
// it); B unregisters. B's unregistration must wait for the pin, since B's
// TLS may be gone once it returns and exits.
TEST(ReaderWord, UnregistrationWaitsForPinnedScanners) {
  std::atomic<ThreadRec*> rec{nullptr};
  std::atomic<bool> pinned{false};
  std::atomic<bool> unregistered{false};
  std::atomic<bool> release{false};
  std::thread b([&] {
    RegisterThread();
    rec.store(tls_readers.word0.rec);
    while (!pinned.load()) std::this_thread::yield();
    UnregisterThread();
    unregistered.store(true);
  });
  std::thread a([&] {
    while (rec.load() == nullptr) std::this_thread::yield();
    internal::PinnedWord rw(rec.load());
    pinned.store(true);
    while (!release.load()) std::this_thread::yield();
    // Still B's TLS word while pinned.
    EXPECT_EQ(rw->rec, rec.load());
  });
  while (!pinned.load()) std::this_thread::yield();
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(unregistered.load()) << "unregistration did not wait for "
                                       "the pin";
  release.store(true);
  a.join();
  b.join();
  EXPECT_TRUE(unregistered.load());
}

TEST(ReaderWord, FenceModeInstanceLocksThroughTheSlowPath) {
  auto r = MakeRcu(2, 64, 16, ReaderMode::kFences);
  std::thread([&] {
    r->RegisterThread();
    ReaderWord* rw = tls_readers.words[r->slot()];
    EXPECT_EQ(rw->lock_slow, internal::kLockSlowFences);
    EXPECT_NE(rw->special.load() & internal::kSpecialFences, 0u);
    r->ReadLock();
    r->ReadLock();
    EXPECT_EQ(rw->watch.load() & internal::kNestMask, 2u);
    r->ReadUnlock();
    r->ReadUnlock();
    EXPECT_FALSE(r->ReadLockHeld());
    r->Synchronize();
    r->UnregisterThread();
  }).join();
}

}  // namespace
}  // namespace rcu

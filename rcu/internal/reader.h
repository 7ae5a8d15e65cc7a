// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// reader.h: the per-thread reader record and the inline read-side fast path.
//
// Each thread registered with an Rcu instance owns one ThreadRec. Its
// `watch` word is written only by the owning thread and read by the
// grace-period side:
//
//   bits 0..15   read-side nesting depth (0: not in a reader)
//   bits 16..63  generation, incremented by every outermost unlock
//
// A thread is inside a read-side critical section iff its nesting bits are
// non-zero. A grace-period scanner that sees the nesting bits zero, or sees
// the generation change since an earlier sample taken after the grace
// period began, knows that the thread passed through a quiescent state.
//
// Invariant: only the owning thread stores to `watch`, and it stores a
// nesting count that is never below zero nor above kMaxNesting.
//
// Memory ordering (ReaderMode::kMembarrier). For a reader R and a
// grace-period thread G: G issues membarrier() after it starts a grace
// period and before it lets the grace period end. The reader's outermost
// lock is a plain store followed by a compiler fence; its outermost unlock a
// compiler fence then a plain store. If G's scan sees R's nesting bits zero
// (or its generation changed), every load R made inside its earlier
// critical section happened before G's second membarrier returned, so no
// memory R could still read is freed early. If R's lock store comes after
// the first membarrier, R's loads see every update made before the grace
// period started. ReaderMode::kFences replaces each compiler fence by a
// full fence (the smp_mb() pairing), and G's membarrier() by a full fence.
// Under TSan the stores are release and the scanner's loads acquire, so
// TSan sees the same happens-before edges the fences provide.
//
// Signal handlers. ReaderLock() and ReaderUnlock() may run in a signal
// handler that interrupted the same thread anywhere, also between another
// ReaderLock()'s or ReaderUnlock()'s load of `watch` and its store. The
// handler's critical sections are balanced, so at its return `watch` holds
// what the interrupted code loaded, except that a handler which found the
// nesting zero ran outermost critical sections and advanced the generation.
// Only an interrupted outermost lock can then store over it (an
// interrupted unlock saw nesting >= 1, so the handler's sections were
// nested and left the generation alone); it stores the generation it loaded
// with nesting 1, moving the generation back. That is harmless: a
// scanner's sample of a handler's section is taken while the handler runs,
// and the only later stores with another generation are the handler's own
// outermost unlocks (the section is over) or the interrupted lock's store,
// which starts a new critical section after the handler's ended, with the
// generation the handler's section had. So a scanner can mistake the new
// section for the old (it waits longer), never an unfinished section for a
// finished one. And a section that starts after another one ended has a
// higher generation than it (the rolled-back value was loaded after every
// earlier section ended): only the interrupted lock's section shares a
// generation, with the handler's sections, which never migrate.
//
// Where the word lives. A reader's hot state is a ReaderWord: `watch`,
// `special`, and what sends its outermost lock to the slow path. The
// default instance's word is inline in the thread's TLS (tls_readers.word0),
// so its fast path addresses it %fs-relative with a constant offset, as
// liburcu's reader does: no pointer is loaded, and the store of a lock and
// the load of the unlock that follows use the same address form, which the
// CPU forwards (memory renaming) without waiting for an address. An explicit
// instance's word is in the thread's ThreadRec and found through
// tls_readers.words[slot]. A ThreadRec points at its word (`word`); the
// grace-period side reaches every word through that pointer, pinned
// (PinnedWord) when it may race with the owner's unregistration, after
// which the thread's TLS may be gone.
//
// Cost (release build, 2-core AMD EPYC VM, rcu/bench, interleaved with
// liburcu 0.13 in the same run): an outermost lock/unlock pair through the
// default instance is 0.63 ns and 19 instructions including the call's ret
// (urcu-memb compiled as C: 0.82 ns, 24); through an explicit instance
// 1.25 ns. The outermost paths are the fall-through ones
// (__builtin_expect): laid out as taken branches, the same pair ran 0.92
// ns, since taken branches, not instructions, bound it. Before the
// default word moved into TLS it was 1.55 ns against
// liburcu's 1.43 ns although it ran fewer instructions: the unlock
// reloaded the record pointer from TLS after the compiler fence, and a
// load whose address comes from a just-loaded register does not get the
// store-to-load forwarding shortcut (memory renaming) that a fixed
// %fs-relative address gets. A loop of the same pair measured 0.89 ns with
// the pointer reloaded, 0.62 ns with it kept in a register, and 0.60 ns
// with the word inline.
#ifndef RCU_INTERNAL_READER_H_
#define RCU_INTERNAL_READER_H_

#include <atomic>
#include <cstdint>

#include "rcu/check.h"
#include "rcu/export.h"

namespace rcu {

class Rcu;
class RcuNode;

namespace internal {

inline constexpr uint64_t kNestMask = 0xffff;
inline constexpr uint64_t kMaxNesting = kNestMask;
inline constexpr uint64_t kGenInc = uint64_t{1} << 16;
// At most this many Rcu instances may exist at once; slot 0 is the default
// instance's.
inline constexpr int kMaxInstances = 64;

// ThreadRec::special bits.
inline constexpr uint32_t kSpecialBlocked = 1;  // queued on a blkd list
inline constexpr uint32_t kSpecialNeedQs = 2;   // GP wants a report soon
// Permanent for the registration in ReaderMode::kFences: sends every
// outermost unlock to the slow path, so the fast path tests one word.
inline constexpr uint32_t kSpecialFences = 4;
// Raised to the boost priority by a grace period (rcu/boost.cc): the
// outermost unlock restores the thread's own scheduling policy.
inline constexpr uint32_t kSpecialBoosted = 8;

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kTsan = true;
#else
inline constexpr bool kTsan = false;
#endif
// The ordering of reader stores to `watch` (see the file comment).
inline constexpr std::memory_order kWatchStoreOrder =
    kTsan ? std::memory_order_release : std::memory_order_relaxed;
inline constexpr std::memory_order kWatchLoadOrder =
    kTsan ? std::memory_order_acquire : std::memory_order_relaxed;

struct ThreadRec;
struct SrcuBlock;

// An entry on an rcu_node's blocked-readers list. Each ThreadRec embeds one
// for itself (the thread queued itself when it migrated inside a reader);
// a proxy entry is allocated when a vCPU going offline evicts a thread that
// is inside a reader, and stands for that one reader: it is retired once
// the thread's `watch` shows the reader over. Either kind stands for the
// one reader whose `watch` it recorded when queued. The self entry is
// dequeued by the thread's outermost unlock, or, when that unlock had to
// defer it (a signal handler, see preempt.cc), at the thread's next safe
// point or by the FQS scan, as a proxy is.
struct BlkdEntry {
  BlkdEntry* next = nullptr;
  BlkdEntry* prev = nullptr;
  ThreadRec* t = nullptr;
  // The reader's watch when queued. Written under the node's lock before
  // the entry is linked (a self entry: before BLOCKED is set); loaded under
  // it, and relaxed by scanners that saw BLOCKED with acquire (ReaderQueued()).
  std::atomic<uint64_t> watch{0};
  bool proxy = false;
};

// A reader's hot state (file comment, "Where the word lives").
// Invariant: only the owning thread stores to `watch`, and `lock_slow` and
// `rec` change only while the word's thread is not inside a reader of it.
struct ReaderWord {
  // See the file comment. Owner-only stores; scanners load.
  std::atomic<uint64_t> watch{0};
  // kSpecial* bits. Set by the owner (BLOCKED, FENCES at registration) and
  // by scanners (NEED_QS, BOOSTED); cleared by the owner's unlock slow path
  // or at its next safe point, and BLOCKED also by the FQS scan retiring a
  // self entry whose reader is over (preempt.cc, "Deferred work").
  std::atomic<uint32_t> special{0};
  // kLockSlow* bits: non-zero sends the outermost lock to ReadLockSlow()
  // after its store. Owner-only.
  uint8_t lock_slow = 0;
  // The record this word belongs to; null in a TLS word whose thread is
  // not registered with the default instance. Owner-only stores.
  ThreadRec* rec = nullptr;
};

// ReaderWord::lock_slow bits.
inline constexpr uint8_t kLockSlowFences = 1;        // ReaderMode::kFences
inline constexpr uint8_t kLockSlowUnregistered = 2;  // register on the fly

// The calling thread's readers: the default instance's word inline, and
// the words of every instance by slot (words[0] == &word0 once the thread
// registered with the default instance). `words` points at the shared
// all-null kNoWords until the thread first registers with any instance,
// then at a table of its own, freed when it exits.
//
// The rest of librcu's per-thread state shares the struct, so that the
// library's whole TLS is this one 64-byte line in every thread of a
// program that links it (tls_size_test checks librcu.so's TLS segment).
RCU_EXPORT extern ReaderWord* const kNoWords[kMaxInstances];
struct alignas(64) TlsReaders {
  ReaderWord word0{.lock_slow = kLockSlowUnregistered};
  ReaderWord* const* words = kNoWords;
  // The instance whose callbacks the thread is invoking (tree.h).
  Rcu* in_callback = nullptr;
  // lockdep-RCU's list of what the thread holds (lockdep.cc).
  void* lockdep_locks = nullptr;
  // PlainMutex sections open on the thread (plain_mutex.h).
  int lock_sections = 0;
  // lockdep calls in progress on the thread (lockdep.cc).
  int lockdep_busy = 0;
  // The thread's SRCU reader counters, null until its first SRCU use
  // (internal/srcu_block.h).
  SrcuBlock* srcu_block = nullptr;
};
static_assert(sizeof(TlsReaders) == 64);

struct alignas(128) ThreadRec {
  // --- Group 1: the owner's hot line. ---
  // The word of an instance other than the default one (`word` points
  // here); for the default instance the thread's TLS word is used, and
  // this one holds the last value after unregistration.
  ReaderWord own;
  Rcu* owner = nullptr;

  // --- Group 2: attachment, guarded by the attached vCPU's local lock. ---
  // Attached vCPU, -1 when unattached. Changed only with the local locks of
  // the old and the new vCPU held (by the owner, or by OfflineCpu()
  // evicting it); relaxed loads elsewhere, verified under the lock.
  alignas(64) std::atomic<int> cpu{-1};
  // The word the owner's readers write: &own, or the owner's TLS word for
  // the default instance. Stored by the owner at registration (before it
  // attaches) and at unregistration (after it detached, then it waits for
  // `word_pins` to drain); loaded by scanners through PinnedWord.
  std::atomic<ReaderWord*> word{&own};
  // Scanners reading `*word` now (PinnedWord).
  mutable std::atomic<int> word_pins{0};
  ThreadRec* cpu_next = nullptr;  // intrusive list of the vCPU's threads
  ThreadRec* cpu_prev = nullptr;
  // Scanner sample: generation and GP it was taken for. Written and read
  // only under the local lock of the vCPU the thread is attached to.
  uint64_t snap_watch = 0;
  uint64_t snap_gp = 0;
  bool snap_valid = false;

  // --- Group 3: blocked-readers list, guarded by blocked_node's lock. ---
  // Written under that lock (queue, dequeue, FQS retirement); the owner
  // loads it relaxed to find the lock, and checks it again under it.
  std::atomic<RcuNode*> blocked_node{nullptr};
  BlkdEntry blkd;  // this thread's own entry (blkd.t == this)

  // --- Group 4: priority boosting (rcu/boost.cc), guarded by the owning
  //     instance's boost_mu_. ---
  bool boosted = false;      // raised, and on the instance's boosted_ list
  uint64_t boost_watch = 0;  // the reader it was raised for (its watch)
  int boost_old_policy = 0;  // what to restore
  int boost_old_priority = 0;

  // --- Group 5: registry bookkeeping, guarded by the instance's
  //     registry lock. ---
  ThreadRec* free_next = nullptr;
  bool registered = false;
  bool offline = false;  // between ThreadOffline() and ThreadOnline()
  // One of the instance's own threads (an rcuc thread whose callbacks
  // read): not counted as a user thread.
  bool internal_thread = false;
  // Registered on the fly by a read (RegisterSelf()), not by
  // RegisterThread(): an explicit RegisterThread() later adopts it.
  bool on_the_fly = false;
  int tid = 0;
  char name[16] = {};
};

// The calling thread's reader words. Constant-initialized, so the fast path
// addresses them with no init wrapper. Initial-exec TLS model, also in code
// compiled with -fPIC: %fs-relative through a GOT offset (local-exec in an
// executable linking librcu.a), never a __tls_get_addr() call. The cost:
// librcu.so's TLS (under 64 B) lives in the static TLS block, so the
// library must be loaded at program start (linked, not dlopen()ed later,
// unless glibc's static TLS surplus still has room for it).
[[gnu::tls_model(
    "initial-exec")]] extern RCU_EXPORT thread_local constinit TlsReaders
    tls_readers;

// The calling thread's own table of words (allocated on first use), and its
// release at thread exit (tree.cc).
ReaderWord* const* EnsureWordTable();
void FreeWordTable();

// The outermost lock when `lock_slow` is non-zero, after its store; `w` is
// the watch value before the lock. Fence mode: the full fence. A TLS word
// of a thread not registered with the default instance: registers it (as
// RegisterSelf()) and redoes the lock.
RCU_EXPORT void ReadLockSlow(ReaderWord* rw, uint64_t w);
// The outermost unlock when `special` is non-zero; `w` is the watch value
// before the unlock.
RCU_EXPORT void ReadUnlockSlow(ReaderWord* rw, uint64_t w);
[[noreturn]] RCU_EXPORT void UnregisteredReader(int slot);

inline void ReaderLock(ReaderWord* rw) {
  uint64_t w = rw->watch.load(std::memory_order_relaxed);  // owner-only
  RCU_WARN_ON((w & kNestMask) == kMaxNesting);
  // Expected: an outermost lock, laid out as the fall-through path (a
  // taken branch per lock and per unlock cost 0.92 against 0.78 ns per
  // pair on AMD EPYC: taken branches, not instructions, bound the loop).
  if (__builtin_expect((w & kNestMask) == 0, 1)) {
    rw->watch.store(w + 1, kWatchStoreOrder);
    if (__builtin_expect(rw->lock_slow != 0, 0)) {
      // Fence mode: ReadLockSlow() orders the nesting store before the
      // critical section's loads with a full fence, pairing with the
      // grace-period side's full fence after it starts a GP.
      ReadLockSlow(rw, w);
    } else {
      // Compiler-only: membarrier() on the GP side supplies the CPU fence.
      std::atomic_signal_fence(std::memory_order_seq_cst);
    }
  } else {
    // Nested: no one else needs to see this store in any order.
    rw->watch.store(w + 1, std::memory_order_relaxed);
  }
}

inline void ReaderUnlock(ReaderWord* rw) {
  uint64_t w = rw->watch.load(std::memory_order_relaxed);  // owner-only
  RCU_WARN_ON((w & kNestMask) == 0);
  if (__builtin_expect((w & kNestMask) != 1, 0)) {      // expected: outermost
    rw->watch.store(w - 1, std::memory_order_relaxed);  // nested: see lock
    return;
  }
  // One test covers fence mode (kSpecialFences) and the rare requests
  // (BLOCKED, NEED_QS, BOOSTED). Relaxed, and before the store: BLOCKED is
  // the owner's own flag, NEED_QS a hint that the next scan repeats, and a
  // BOOSTED set too late for this load is undone by the next FQS scan.
  if (__builtin_expect(rw->special.load(std::memory_order_relaxed) != 0, 0)) {
    ReadUnlockSlow(rw, w);
    return;
  }
  // Compiler-only: the critical section's accesses stay before the store
  // that ends it; membarrier() on the GP side supplies the CPU fence.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  rw->watch.store(w - 1 + kGenInc, kWatchStoreOrder);
}

// Registers the calling thread with the instance in `slot` (building the
// default instance for slot 0 if need be) and returns its word: a thread
// that reads without having registered is registered on the fly, as
// liburcu-bp does, and unregistered when it exits. Out of line and cold.
[[gnu::cold]] RCU_EXPORT ReaderWord* RegisterSelf(int slot);

// The calling thread's word in the default instance. Its outermost lock
// registers the thread on the fly (kLockSlowUnregistered), at no cost to
// the fast path.
inline ReaderWord* DefaultWord() {
  ReaderWord* rw = &tls_readers.word0;
#if defined(__SANITIZE_ADDRESS__)
  // g++ 12 with -fsanitize=address,undefined compiles UBSan's null check of
  // this TLS address into a branch on flags no instruction set (`lea`
  // then `je`), which reports a null pointer that is not there. Hiding
  // the address's origin makes the check a plain test of a register.
  asm("" : "+r"(rw));
#endif
  return rw;
}

// The calling thread's word in `slot` for the outermost lock: registers it
// on the fly on its first read. One dependent load (the table) and one
// predicted test of the pointer on the read fast path.
inline ReaderWord* WordForSlot(int slot) {
  ReaderWord* rw = tls_readers.words[slot];
  if (__builtin_expect(rw == nullptr, 0)) rw = RegisterSelf(slot);
  return rw;
}

// The calling thread's word in `slot` for an unlock: it exists, since the
// matching lock registered the thread. Unlock without lock is checked in
// debug builds.
inline ReaderWord* WordForUnlock(int slot) {
  ReaderWord* rw = tls_readers.words[slot];
  if (RCU_DEBUG_CHECKS_ENABLED && rw == nullptr) UnregisteredReader(slot);
  return rw;
}

// The calling thread's record in `slot`, null when not registered with it.
inline ThreadRec* RecInSlot(int slot) {
  const ReaderWord* rw = tls_readers.words[slot];
  return rw == nullptr ? nullptr : rw->rec;
}

// Another thread's word, held steady against its owner's unregistration
// (which moves `word` off the owner's TLS and waits for the pins): for the
// grace-period side and diagnostics. Seq_cst pin and load, against the
// owner's seq_cst store of `word` and load of `word_pins`: either this
// load sees the new `word`, or the owner sees the pin and waits.
class PinnedWord {
 public:
  explicit PinnedWord(const ThreadRec* t) : t_(t) {
    t->word_pins.fetch_add(1, std::memory_order_seq_cst);
    rw_ = t->word.load(std::memory_order_seq_cst);
  }
  ~PinnedWord() {
    // Release: this pin's loads of the word come before the owner's
    // thread may exit.
    t_->word_pins.fetch_sub(1, std::memory_order_release);
  }
  PinnedWord(const PinnedWord&) = delete;
  PinnedWord& operator=(const PinnedWord&) = delete;
  ReaderWord* operator->() const { return rw_; }

 private:
  const ThreadRec* t_;
  ReaderWord* rw_;
};

// The word of a record whose word cannot move now: read by a scanner that
// holds the local lock of the vCPU the thread is attached to (the owner
// detaches before it moves its word), or the instance's registry lock with
// the record registered (the owner moves its word inside that lock, as it
// unregisters). Everywhere else, PinnedWord.
inline ReaderWord* WordOf(const ThreadRec* t) {
  return t->word.load(std::memory_order_relaxed);
}

// The record's word as its owner sees it (the owner's own accesses: the
// word changes only by the owner).
inline ReaderWord* OwnWord(const ThreadRec* t) {
  return t->word.load(std::memory_order_relaxed);
}

// True when `t`'s current reader is the one its own blkd entry stands
// for, so that the blkd list tracks it and a vCPU scan must skip it; `s`
// and `w` are `special` (loaded with acquire: pairs with the release that
// sets BLOCKED after the entry's watch is stored) and `watch`, in that
// order. False for a BLOCKED thread whose queued reader is over (deferred
// work): its later readers are checked like any other thread's. A reader
// that starts after the queued one ended has a higher generation (file
// comment, "Signal handlers"), so comparing generations is exact.
inline bool ReaderQueued(const ThreadRec* t, uint32_t s, uint64_t w) {
  return (s & kSpecialBlocked) != 0 && (w & kNestMask) != 0 &&
         (w >> 16) == (t->blkd.watch.load(std::memory_order_relaxed) >> 16);
}

inline bool InReader(const ReaderWord* rw) {
  return (rw->watch.load(std::memory_order_relaxed) & kNestMask) != 0;
}

// The calling thread is inside a reader of `slot`.
inline bool InReaderSlot(int slot) {
  const ReaderWord* rw = tls_readers.words[slot];
  return rw != nullptr && InReader(rw);
}

}  // namespace internal
}  // namespace rcu

#endif  // RCU_INTERNAL_READER_H_

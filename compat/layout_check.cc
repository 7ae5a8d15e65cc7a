// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// layout_check.cc: the build-time proof that the C read side of librcu-urcu
// (urcu/static/urcu-librcu.h) reads and writes librcu's real per-thread
// reader words. It operates on rcu::internal::ReaderWord and tls_readers
// from C, so a change of their layout, of the `watch` encoding or of the
// instance count in rcu/internal/reader.h must fail here rather than corrupt
// readers.
#define URCU_COMPAT_LAYOUT_ONLY 1
#include <urcu/static/urcu-librcu.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "rcu/internal/reader.h"

namespace rcu::internal {
namespace {

// The C code reaches these as plain words with __atomic builtins.
static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t) &&
              alignof(std::atomic<uint64_t>) == alignof(uint64_t) &&
              std::atomic<uint64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
              alignof(std::atomic<uint32_t>) == alignof(uint32_t) &&
              std::atomic<uint32_t>::is_always_lock_free);
static_assert(sizeof(bool) == sizeof(unsigned char));

// offsetof on ReaderWord and TlsReaders: standard layout, so it is well
// defined.
static_assert(std::is_standard_layout_v<ReaderWord> &&
              std::is_standard_layout_v<TlsReaders>);
static_assert(sizeof(ReaderWord) == sizeof(urcu_compat_rec) &&
              alignof(ReaderWord) == alignof(urcu_compat_rec));
static_assert(offsetof(ReaderWord, watch) == offsetof(urcu_compat_rec, watch) &&
              offsetof(ReaderWord, watch) == 0);
static_assert(offsetof(ReaderWord, special) ==
                  offsetof(urcu_compat_rec, special) &&
              offsetof(ReaderWord, special) == 8);
static_assert(offsetof(ReaderWord, lock_slow) ==
                  offsetof(urcu_compat_rec, lock_slow) &&
              offsetof(ReaderWord, lock_slow) == 12);
static_assert(offsetof(ReaderWord, rec) == offsetof(urcu_compat_rec, rec));
static_assert(
    std::is_same_v<decltype(ReaderWord::watch), std::atomic<uint64_t>>);
static_assert(
    std::is_same_v<decltype(ReaderWord::special), std::atomic<uint32_t>>);
static_assert(std::is_same_v<decltype(ReaderWord::lock_slow), uint8_t>);
static_assert(std::is_same_v<decltype(ReaderWord::rec), ThreadRec*>);

// The `watch` encoding and the slot count.
static_assert(kNestMask == URCU_COMPAT_NEST_MASK);
static_assert(kMaxNesting == URCU_COMPAT_NEST_MASK);
static_assert(kGenInc == URCU_COMPAT_GEN_INC);
static_assert(kSpecialFences == URCU_COMPAT_SPECIAL_FENCES);
static_assert(kMaxInstances == URCU_COMPAT_MAX_INSTANCES);

// tls_readers is what the C side declares under its mangled name
// _ZN3rcu8internal11tls_readersE: the default instance's word, then the
// table of words by slot.
static_assert(std::is_same_v<decltype(tls_readers), TlsReaders>);
// The C side declares only the leading fields it reads.
static_assert(sizeof(urcu_compat_tls) <= sizeof(TlsReaders));
static_assert(offsetof(TlsReaders, word0) == offsetof(urcu_compat_tls, word0));
static_assert(offsetof(TlsReaders, words) == offsetof(urcu_compat_tls, words));
static_assert(std::is_same_v<decltype(TlsReaders::words), ReaderWord* const*>);

}  // namespace
}  // namespace rcu::internal

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// layout_check.cc: the build-time proof that the C read side of librcu-urcu
// (urcu/static/urcu-librcu.h) reads and writes librcu's real per-thread
// record. It operates on rcu::internal::ThreadRec and tls_recs from C, so a
// change of their layout, of the `watch` encoding or of the instance count
// in rcu/internal/reader.h must fail here rather than corrupt readers.
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

// offsetof on ThreadRec: standard layout, so it is well defined.
static_assert(std::is_standard_layout_v<ThreadRec>);
static_assert(offsetof(ThreadRec, watch) == offsetof(urcu_compat_rec, watch) &&
              offsetof(ThreadRec, watch) == 0);
static_assert(offsetof(ThreadRec, special) ==
                  offsetof(urcu_compat_rec, special) &&
              offsetof(ThreadRec, special) == 8);
static_assert(offsetof(ThreadRec, fences) ==
                  offsetof(urcu_compat_rec, fences) &&
              offsetof(ThreadRec, fences) == 12);
static_assert(
    std::is_same_v<decltype(ThreadRec::watch), std::atomic<uint64_t>>);
static_assert(
    std::is_same_v<decltype(ThreadRec::special), std::atomic<uint32_t>>);
static_assert(std::is_same_v<decltype(ThreadRec::fences), bool>);

// The `watch` encoding and the slot count.
static_assert(kNestMask == URCU_COMPAT_NEST_MASK);
static_assert(kMaxNesting == URCU_COMPAT_NEST_MASK);
static_assert(kGenInc == URCU_COMPAT_GEN_INC);
static_assert(kMaxInstances == URCU_COMPAT_MAX_INSTANCES);

// tls_recs is what the C side declares under its mangled name
// _ZN3rcu8internal8tls_recsE: an array of kMaxInstances pointers.
static_assert(std::is_same_v<decltype(tls_recs), ThreadRec* [kMaxInstances]>);

}  // namespace
}  // namespace rcu::internal

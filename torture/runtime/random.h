// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// random.h: TortureRandom, the per-thread generator (the kernel's
// torture_random()), made reproducible.
//
// The kernel's generator is a linear congruential one reseeded from the
// clock every 10000 calls, so a run cannot be replayed. Ours is seeded once
// from the run's --seed and a stream id (thread kind and index) and never
// reseeded: the same seed gives every thread the same sequence of random
// choices. Timing still differs between runs, so only choice sequences that
// do not depend on timing replay exactly (the writer keeps its choices in a
// stream of their own for that reason).
//
// Not thread-safe: one generator per thread.
#ifndef TORTURE_RUNTIME_RANDOM_H_
#define TORTURE_RUNTIME_RANDOM_H_

#include <cstdint>

namespace torture {

// Stream ids: kind in the high bits, index in the low ones.
enum class Stream : uint64_t {
  kWriterChoice = 1,
  kWriterDelay = 2,
  kReader = 3,
  kFakeWriter = 4,
  kShuffler = 5,
  kStutter = 6,
  kCallback = 7,
  kStats = 8,
  kFwdProg = 9,
  kReadExit = 10,
  kOnoff = 11,
  kNocbToggle = 12,
  kWriterExpedite = 13,
  kPreempt = 14,
};

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class TortureRandom {
 public:
  TortureRandom() : TortureRandom(1, Stream::kStats, 0) {}
  TortureRandom(uint64_t seed, Stream stream, uint64_t index)
      : state_(SplitMix64(
            seed ^ SplitMix64((static_cast<uint64_t>(stream) << 32) ^ index))) {
    if (state_ == 0) state_ = 0x2545f4914f6cdd1dULL;
  }

  // 32 random bits (xorshift64*, upper half).
  uint32_t operator()() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<uint32_t>((state_ * 0x2545f4914f6cdd1dULL) >> 32);
  }

 private:
  uint64_t state_;
};

}  // namespace torture

#endif  // TORTURE_RUNTIME_RANDOM_H_

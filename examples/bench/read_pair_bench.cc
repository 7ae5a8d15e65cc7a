// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// read_pair_bench: what an outermost read-side critical section costs a
// program that uses the installed librcu.so, against liburcu's urcu-memb,
// in one binary and one run.
//
//   BM_ReadPair/librcu     rcu::ReadLock(); rcu::ReadUnlock(); on the
//                          default instance, inlined from the installed
//                          headers; the thread's record is read from
//                          librcu.so's TLS (initial-exec,
//                          rcu/internal/reader.h).
//   BM_ReadPair/urcu_memb  urcu_memb_read_lock(); urcu_memb_read_unlock();
//                          inlined in C (_LGPL_SOURCE, urcu_memb.c).
//
// Each iteration runs kPairs empty pairs (lock, compiler barrier, unlock)
// in a loop that is not inlined; counter ns_per_pair. The context names
// the librcu.so loaded and the default instance's reader mode.
//
//   read_pair_bench [--benchmark_* flags]
//   read_pair_bench --pairs=N   no benchmark: N calls of LibrcuReadPairOnce
//                               and N of UrcuMembReadPairOnce, one pair
//                               each, for callgrind (../README.md)
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rcu/rcu.h"
#include "urcu_memb.h"

namespace {

constexpr long kPairs = 1000;

[[gnu::noinline]] void LibrcuReadPairs(long n) {
  for (long i = 0; i < n; ++i) {
    rcu::ReadLock();
    asm volatile("" ::: "memory");
    rcu::ReadUnlock();
  }
}

enum class Impl { kLibrcu, kUrcuMemb };

void BM_ReadPair(benchmark::State& state, Impl impl) {
  if (impl == Impl::kLibrcu) {
    rcu::RegisterThread();
  } else {
    UrcuMembRegister();
  }
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (impl == Impl::kLibrcu) {
      LibrcuReadPairs(kPairs);
    } else {
      UrcuMembReadPairs(kPairs);
    }
  }
  std::chrono::duration<double, std::nano> ns =
      std::chrono::steady_clock::now() - start;
  state.counters["ns_per_pair"] =
      ns.count() / (static_cast<double>(state.iterations()) * kPairs);
  state.SetItemsProcessed(state.iterations() * kPairs);
  if (impl == Impl::kLibrcu) {
    rcu::UnregisterThread();
  } else {
    UrcuMembUnregister();
  }
}
BENCHMARK_CAPTURE(BM_ReadPair, librcu, Impl::kLibrcu);
BENCHMARK_CAPTURE(BM_ReadPair, urcu_memb, Impl::kUrcuMemb);

// The file librcu's code was loaded from.
std::string LibrcuFile() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&rcu::Default), &info) == 0 ||
      info.dli_fname == nullptr) {
    return "?";
  }
  return info.dli_fname;
}

}  // namespace

// One pair each, never inlined: what callgrind's --toggle-collect counts.
extern "C" [[gnu::noinline]] void LibrcuReadPairOnce() {
  rcu::ReadLock();
  asm volatile("" ::: "memory");
  rcu::ReadUnlock();
}

int main(int argc, char** argv) {
  long pairs = 0;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--pairs=", 8) == 0) {
      pairs = std::atol(argv[i] + 8);
      if (pairs <= 0) {
        std::fprintf(stderr, "read_pair_bench: bad value '%s' for --pairs\n",
                     argv[i] + 8);
        return 64;
      }
    } else {
      args.push_back(argv[i]);
    }
  }
  const char* mode = rcu::ReaderModeName(rcu::Default().reader_mode());
  if (pairs > 0) {
    rcu::RegisterThread();
    UrcuMembRegister();
    for (long i = 0; i < pairs; ++i) LibrcuReadPairOnce();
    for (long i = 0; i < pairs; ++i) UrcuMembReadPairOnce();
    UrcuMembUnregister();
    rcu::UnregisterThread();
    std::printf("read_pair_bench: %ld pairs each (librcu %s, reader mode %s)\n",
                pairs, LibrcuFile().c_str(), mode);
    return 0;
  }
  benchmark::AddCustomContext("librcu", LibrcuFile());
  benchmark::AddCustomContext("librcu_reader_mode", mode);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);  // argv[argc]
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 64;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

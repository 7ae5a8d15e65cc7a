// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/output.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>

#include "fmt/format.h"

namespace torture {
namespace {

std::mutex& OutMu() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

std::string& Type() {
  static std::string* type = new std::string;
  return *type;
}

std::atomic<int> g_verbose{0};
std::atomic<long> g_errors{0};
std::atomic<long> g_warnings{0};
std::atomic<long> g_bang_lines{0};
std::atomic<long> g_warning_lines{0};

void ForEachLine(std::string_view text, void (*print)(std::string_view)) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    print(text.substr(start, nl - start));
    start = nl + 1;
  }
}

}  // namespace

void InitOutput(std::string_view type, int verbose) {
  Type() = std::string(type);
  g_verbose.store(verbose, std::memory_order_relaxed);
}

const std::string& TortureType() { return Type(); }

int Verbosity() { return g_verbose.load(std::memory_order_relaxed); }

void PrintLine(std::string_view line) {
  if (line.find("!!!") != std::string_view::npos) {
    g_bang_lines.fetch_add(1, std::memory_order_relaxed);
  }
  if (line.starts_with("WARNING:")) {
    g_warning_lines.fetch_add(1, std::memory_order_relaxed);
  }
  std::lock_guard<std::mutex> l(OutMu());
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void PrintLines(std::string_view text) { ForEachLine(text, PrintLine); }
void TorOutLines(std::string_view text) { ForEachLine(text, TorOut); }
void TorErrLines(std::string_view text) { ForEachLine(text, TorErr); }

void TorOut(std::string_view s) {
  PrintLine(fmt::format("{}-torture: {}", Type(), s));
}

void VerboseTorOut(std::string_view s) {
  if (Verbosity() != 0) TorOut(s);
}

void TorErr(std::string_view s) {
  PrintLine(fmt::format("{}-torture:!!! {}", Type(), s));
}

void TortureError(std::string_view what) {
  CountErrors(1);
  TorErr(what);
}

void CountErrors(long n) { g_errors.fetch_add(n, std::memory_order_relaxed); }

long ErrorCount() { return g_errors.load(std::memory_order_relaxed); }

void TortureWarn(std::string_view where, std::string_view what) {
  g_warnings.fetch_add(1, std::memory_order_relaxed);
  static std::mutex* mu = new std::mutex;
  static std::set<std::string>* seen = new std::set<std::string>;
  {
    std::lock_guard<std::mutex> l(*mu);
    if (!seen->insert(fmt::format("{}: {}", where, what)).second) return;
  }
  PrintLine(fmt::format("WARNING: {}-torture: {}: {}", Type(), where, what));
}

long WarningCount() { return g_warnings.load(std::memory_order_relaxed); }
long BangLineCount() { return g_bang_lines.load(std::memory_order_relaxed); }
long WarningLineCount() {
  return g_warning_lines.load(std::memory_order_relaxed);
}

}  // namespace torture

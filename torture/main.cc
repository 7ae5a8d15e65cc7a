// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// main.cc: the rcutorture binary. Parses parameters (exit 64 on bad
// input, with one line naming the problem), installs the failure signal
// handler (a fatal signal prints a BUG: line and a symbolized backtrace),
// and runs the test; the exit status is the verdict (torture.h).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/debugging/failure_signal_handler.h"
#include "absl/debugging/symbolize.h"
#include "absl/strings/str_join.h"
#include "torture/flavours/flavours.h"
#include "torture/runtime/params.h"
#include "torture/runtime/run.h"

namespace {

bool g_bug_printed = false;

// Writes the failure handler's report to stderr, after a one-line BUG:
// header that log scanners (parse-console) match.
void WriteFailure(const char* data) {
  if (data == nullptr) return;
  if (!g_bug_printed) {
    g_bug_printed = true;
    static const char kBug[] =
        "BUG: rcutorture: fatal signal, backtrace follows\n";
    (void)!write(STDERR_FILENO, kBug, sizeof(kBug) - 1);
  }
  (void)!write(STDERR_FILENO, data, strlen(data));
}

}  // namespace

int main(int argc, char** argv) {
  absl::InitializeSymbolizer(argv[0]);
  absl::FailureSignalHandlerOptions opts;
  opts.writerfn = WriteFailure;
  absl::InstallFailureSignalHandler(opts);

  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<torture::Params> p = torture::ParseCommandLine(args);
  if (!p.ok()) {
    std::fprintf(stderr, "rcutorture: %s\n",
                 std::string(p.status().message()).c_str());
    return torture::kExitUsage;
  }
  if (p->help) {
    std::fputs(torture::HelpText(torture::OpsNames()).c_str(), stdout);
    return 0;
  }
  const torture::TortureOps* ops = torture::FindOps(p->torture_type);
  if (ops == nullptr) {
    std::fprintf(stderr,
                 "rcutorture: invalid torture type: \"%s\" (valid: %s)\n",
                 p->torture_type.c_str(),
                 absl::StrJoin(torture::OpsNames(), " ").c_str());
    return torture::kExitUsage;
  }
  if (p->print_params) {
    std::fputs(torture::ScenarioText(*p).c_str(), stdout);
    return 0;
  }
  return torture::RunTorture(*p, ops);
}

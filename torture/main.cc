// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// main.cc: the rcutorture binary. Parses parameters (exit 64 on bad
// input, with one line naming the problem), installs the failure signal
// handler (a fatal signal prints a BUG: line and a symbolized backtrace),
// resolves the flavour (built in, or from a plugin: --ops_plugin=PATH,
// flavours/ops_plugin.h) and runs the test; the exit status is the verdict
// (torture.h).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/debugging/failure_signal_handler.h"
#include "absl/debugging/symbolize.h"
#include "torture/flavours/flavours.h"
#include "torture/flavours/ops_plugin.h"
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

// Takes --ops_plugin=PATH (also spelt --ops-plugin=PATH; the last one
// wins) out of `args`: a harness option outside the parameter table, so
// that the Start/End lines and the JSON summary of runs without a plugin
// stay as they were. nullopt when not given.
std::optional<std::string> TakeOpsPlugin(std::vector<std::string>& args) {
  std::optional<std::string> path;
  std::vector<std::string> rest;
  for (std::string& a : args) {
    bool taken = false;
    for (const char* flag : {"--ops_plugin", "--ops-plugin"}) {
      const size_t n = std::strlen(flag);
      // "--ops_plugin" alone: no path (an error when resolved).
      if (a.rfind(flag, 0) == 0 && (a.size() == n || a[n] == '=')) {
        path = a.size() == n ? "" : a.substr(n + 1);
        taken = true;
        break;
      }
    }
    if (!taken) rest.push_back(std::move(a));
  }
  args = std::move(rest);
  return path;
}

constexpr char kPluginHelp[] =
    "\n"
    "Plugins (torture/README.md, \"Torturing your own RCU: plugins\"):\n"
    "  --ops_plugin=PATH.so         load an RCU flavour plugin; "
    "--torture_type=plugin\n"
    "                               (its only flavour) or plugin:NAME picks "
    "one\n"
    "  --torture_type=plugin:NAME   NAME.so from $RCUTORTURE_PLUGIN_PATH, "
    "plugins/\n"
    "                               beside the binary, or "
    "<libdir>/rcutorture/plugins\n";

}  // namespace

int main(int argc, char** argv) {
  absl::InitializeSymbolizer(argv[0]);
  absl::FailureSignalHandlerOptions opts;
  opts.writerfn = WriteFailure;
  absl::InstallFailureSignalHandler(opts);

  std::vector<std::string> args(argv + 1, argv + argc);
  const std::optional<std::string> ops_plugin = TakeOpsPlugin(args);
  absl::StatusOr<torture::Params> p = torture::ParseCommandLine(args);
  if (!p.ok()) {
    std::fprintf(stderr, "rcutorture: %s\n",
                 std::string(p.status().message()).c_str());
    return torture::kExitUsage;
  }
  if (p->help) {
    std::fputs(torture::HelpText(torture::OpsNames()).c_str(), stdout);
    std::fputs(kPluginHelp, stdout);
    return 0;
  }
  std::string type;
  absl::StatusOr<const torture::TortureOps*> ops =
      torture::ResolveFlavour(p->torture_type, ops_plugin, &type);
  if (!ops.ok()) {
    std::fprintf(stderr, "rcutorture: %s\n",
                 std::string(ops.status().message()).c_str());
    return torture::kExitUsage;
  }
  // A plugin flavour runs (and prints its lines) under its own name.
  p->torture_type = type;
  if (p->print_params) {
    std::fputs(torture::ScenarioText(*p).c_str(), stdout);
    return 0;
  }
  return torture::RunTorture(*p, *ops);
}

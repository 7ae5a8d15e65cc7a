// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
// rcutorture-console-scan LOG TITLE [WARNINGS_FILE]: the scanner behind
// scripts/parse-console.sh (console_scan.h). Prints the report for the
// console log LOG, naming the run TITLE, to standard output, its last line
// "#errors N"; WARNINGS_FILE is the runner's Warnings file beside the log,
// if there is one. parse-console.sh checks the arguments, computes the
// title, prints (all or --quiet) and writes console.log.diags.
// Exit: 0 (whatever the log holds), 64 bad usage or a log that cannot be
// read (one line on stderr), 1 the report could not be written. A
// Warnings file that cannot be read is one line on stderr, and no hangs.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "torture/console/console_scan.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fputs("usage: rcutorture-console-scan LOG TITLE [WARNINGS_FILE]\n",
               stderr);
    return 64;
  }
  torture::ConsoleScanner scanner(argv[2]);
  std::string error;
  if (argc == 4 && argv[3][0] != '\0' &&
      !torture::ReadWarningsFile(argv[3], &scanner, &error)) {
    std::fprintf(stderr, "rcutorture-console-scan: %s\n", error.c_str());
  }
  if (!torture::FeedConsoleFile(argv[1], &scanner, &error)) {
    std::fprintf(stderr, "rcutorture-console-scan: %s\n", error.c_str());
    return 64;
  }
  const std::string report = scanner.Finish();
  if (std::fwrite(report.data(), 1, report.size(), stdout) != report.size() ||
      std::fflush(stdout) != 0) {
    std::fprintf(stderr,
                 "rcutorture-console-scan: cannot write the report: %s\n",
                 std::strerror(errno));
    return 1;
  }
  return 0;
}

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
// console_scan.h: the console-log scanner behind scripts/parse-console.sh.
//
// ConsoleScanner reads one rcutorture console log (ours, or the Linux
// kernel's as it reaches people: console timestamps, printk caller ids,
// CRLF, mail quoting, mail-wrapped lines) and writes the report
// parse-console.sh prints: the findings, the offending lines (at most 200,
// each cut at 512 bytes), the "Verdict:" and "Summary:" lines, and a last
// "#errors N" line the script reads its exit code from. The classes and
// what counts as each are documented in scripts/parse-console.sh's header;
// this file is the one implementation of them. Most rules come from the
// kernel's tools/testing/selftests/rcutorture/bin/parse-console.sh (the
// "!!!" FAILURE line and its Reader Pipe histogram, the "ver:"
// monotonicity check, HOTPLUG, NUL bytes), console-badness.sh (what is
// badness, and its exclusions) and kvm-recheck-rcu.sh (Reader Batch close
// calls); the numbers print as mawk printed them, the awk program this
// replaces.
//
// Speed: one pass over the bytes. Lines are split with memchr; each
// logical line is checked against every keyword at once by a byte-pair
// prefilter (Prefilter in console_scan.cc), and only the rules whose
// keywords occur in it run. Memory: a few copies of the longest line at
// most (the line being read, the one before it, the last Reader Batch
// line) plus the 200 kept lines.
//
// The C++ standard library and POSIX (open, read, memmem) only: it also
// compiles on its own, from the top of the tree (as parse-console.sh
// does when there is no build):
//   c++ -O2 -std=c++20 -I. -o rcutorture-console-scan
//       torture/console/console_scan.cc torture/console/console_scan_main.cc
#ifndef TORTURE_CONSOLE_CONSOLE_SCAN_H_
#define TORTURE_CONSOLE_CONSOLE_SCAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torture {

struct Hits;  // console_scan.cc

class ConsoleScanner {
 public:
  // TITLE names the run in the findings ("BUG: TITLE FAILURE, ...").
  explicit ConsoleScanner(std::string title);

  ConsoleScanner(const ConsoleScanner&) = delete;
  ConsoleScanner& operator=(const ConsoleScanner&) = delete;

  // One line of the Warnings file beside the log (written by the runner
  // when it killed a run): a line that says "hung" or "silent for" is a
  // Hang, printed as "BUG: TITLE LINE".
  void AddWarningsLine(std::string_view line);

  // The next bytes of the log, in chunks of any size (a line may span
  // chunks). NUL bytes are dropped (and reported).
  void Feed(std::string_view bytes);

  // True when the rest of the log cannot change the report (it was found
  // not to be text): the caller may stop reading.
  bool Done() const { return done_; }

  // Ends the log and returns the report, every line ending in '\n'.
  std::string Finish();

 private:
  enum class SplatKind : uint8_t { kNone, kLockdep, kCrash, kBug, kWarn };

  void FeedText(std::string_view bytes);
  void RawLine(std::string_view raw);
  void ClassifyPending();
  void Classify(std::string_view line, int64_t nr);
  void VerLine(std::string_view line, const Hits& hits, size_t torture_colon);
  void Keep(std::string_view line);

  std::string title_;

  // ---- Reading: records as awk's NR counts them (NUL bytes dropped).
  bool nul_ = false;      // the log had NUL bytes
  bool done_ = false;     // not text: nothing more is read
  std::string partial_;   // a line not yet ended by '\n' (spans chunks)
  std::string nul_free_;  // scratch: a chunk without its NUL bytes
  int64_t nr_ = 0;

  // ---- Not text: bytes that are neither printable nor blank, over the
  // first 64 KiB (whole lines: counting stops at the line that reaches it).
  bool decided_ = false;
  int64_t nbytes_ = 0;
  int64_t nodd_ = 0;
  int64_t binary_ = 0;

  // ---- Wrapped lines: in a timestamped console a line without a
  // timestamp continues the one before (pending_, up to 4096 bytes).
  int64_t nraw_ = 0;
  int64_t nstamped_ = 0;
  bool pending_set_ = false;
  std::string pending_;
  size_t pending_prefix_ = 0;  // its timestamp and caller id
  bool pending_joined_ = false;
  int64_t pending_nr_ = 0;

  // ---- Classification state.
  int64_t started_ = 0;  // line of the Start of test line (0: none)
  bool stall_expected_ = false;
  double dur_ = 0;       // shutdown_secs of the Start line
  std::string verdict_;  // word after the last "End of test: "
  int64_t verdict_nr_ = 0;
  int64_t errors_ = 0;
  bool has_lastbang_ = false;
  std::string lastbang_;      // the last "!!!" line, left-trimmed and cut
  bool bangsum_set_ = false;  // awk's bangsum, unset until the first "!!!"
  double bangsum_ = 0;
  bool awaitpipe_ = false;
  int64_t hotplug_ = 0;
  int64_t nver_ = 0;
  double prevver_ = 0;
  int64_t firstbad_ = 0;
  double fb_prev_ = 0;
  double fb_v_ = 0;
  double late_ = 0;
  bool batch_set_ = false;
  std::string batch_;  // the last Reader Batch histogram
  double closecalls_ = 0;
  int64_t panics_ = 0;
  int64_t lockdep_ = 0;
  int64_t crashes_ = 0;
  int64_t bugs_ = 0;
  int64_t warnings_ = 0;
  int64_t stalls_ = 0;
  int64_t starves_ = 0;
  int64_t wstalls_ = 0;
  int64_t traces_ = 0;
  int64_t badness_ = 0;
  bool insplat_ = false;
  SplatKind splatkind_ = SplatKind::kNone;
  int64_t splatlen_ = 0;
  bool install_ = false;  // inside a stall (or panic, starvation) report
  int64_t stalllen_ = 0;
  std::vector<std::string> kept_;
  int64_t dropped_ = 0;
  std::vector<std::string_view> fields_;  // scratch: a line's fields

  // ---- The Warnings file's hang lines.
  std::vector<std::string> hung_;
};

// Feeds the log at PATH to SCANNER with read(2) in large chunks (stopping
// early once SCANNER is Done()). False, and a one-line reason in *error, if
// it cannot be read.
bool FeedConsoleFile(const std::string& path, ConsoleScanner* scanner,
                     std::string* error);

// Feeds the lines of the Warnings file at PATH to SCANNER. False, and a
// one-line reason in *error, if it cannot be read.
bool ReadWarningsFile(const std::string& path, ConsoleScanner* scanner,
                      std::string* error);

// How mawk prints a number in a string ("%d" when it is integral and within
// +-2147483647, else "%.6g"): the report's numbers read as they always did.
std::string AwkNumber(double d);

}  // namespace torture

#endif  // TORTURE_CONSOLE_CONSOLE_SCAN_H_

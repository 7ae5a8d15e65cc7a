// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
// The console scanner's rules, one test each (console_scan.h;
// scripts/tests/parse_console_test.sh checks the script around it on
// recorded logs).
#include "torture/console/console_scan.h"

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace torture {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Scan(std::string_view log) {
  ConsoleScanner s("T");
  s.Feed(log);
  return s.Finish();
}

// The report after a newline: each of its lines is "\nLINE\n" in it.
std::string Framed(std::string_view log) { return "\n" + Scan(log); }

std::vector<std::string> Lines(const std::string& report) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < report.size()) {
    const size_t nl = report.find('\n', start);
    lines.push_back(report.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string LineWith(const std::string& report, std::string_view prefix) {
  for (const std::string& l : Lines(report)) {
    if (l.starts_with(prefix)) return l;
  }
  return "";
}

std::string Summary(const std::string& report) {
  return LineWith(report, "Summary: ");
}

// Our own console: Start line, stats lines with the given ver: values,
// End line with VERDICT; EXTRA lines go after the second stats line.
std::string OurLog(const std::vector<int>& vers, const std::string& extra = "",
                   const std::string& verdict = "SUCCESS") {
  std::string s =
      "rcu-torture:--- Start of test: nreaders=2 shutdown_secs=60 "
      "stall_cpu=0\n";
  for (size_t i = 0; i < vers.size(); ++i) {
    s += "rcu-torture: rtc: 00000000b0b9fd3d ver: " + std::to_string(vers[i]) +
         " tfle: 0 rta: 5 rtaf: 0 rtf: 4\n";
    s += "rcu-torture: Reader Pipe:  100 0 0 0 0 0 0 0 0 0 0\n";
    if (i == 1) s += extra;
  }
  s += "rcu-torture:--- End of test: " + verdict + ": nreaders=2\n";
  return s;
}

// A kernel console's first N lines, all timestamped: its Start line and
// boot chatter.
std::string StampedStart(int n) {
  std::string s = "[    0.000000] rcu-torture:--- Start of test: nreaders=2\n";
  for (int t = 1; t < n; ++t)
    s += "[    " + std::to_string(t) +
         ".000000] smpboot: CPU 1 is now offline\n";
  return s;
}

TEST(ConsoleScan, CleanLog) {
  const std::string r = Scan(OurLog({1, 2, 3}));
  EXPECT_EQ(Lines(r), (std::vector<std::string>{
                          "Verdict: T: SUCCESS (End of test at line 8)",
                          "Summary: T: clean", "#errors 0"}));
}

// In a timestamped console a line without a timestamp continues the one
// before: a mail client wrapped the End of test line here.
TEST(ConsoleScan, WrappedLineJoinsTheOneBefore) {
  std::string log = StampedStart(10);
  log += "[   11.000000] rcu-torture:--- End of test:\nSUCCESS: nreaders=2\n";
  EXPECT_EQ(LineWith(Scan(log), "Verdict: "),
            "Verdict: T: SUCCESS (End of test at line 11)");
}

// Not joined unless at least 90% of the lines so far carry a timestamp
// (which also keeps the first lines of a console, up to 9, apart: the
// "more than 5 lines" condition can never decide).
TEST(ConsoleScan, NoJoinUnlessNinetyPercentStamped) {
  // 9 of 11 lines timestamped when the continuation comes: no join.
  std::string log = "boot chatter\n" + StampedStart(8);
  log += "[   9.000000] rcu-torture:--- End of test:\nSUCCESS: nreaders=2\n";
  EXPECT_THAT(Summary(Scan(log)), HasSubstr("No verdict: 1"));
  // 10 of 11: joined.
  log = StampedStart(9) +
        "[   9.000000] rcu-torture:--- End of test:\nSUCCESS: nreaders=2\n";
  EXPECT_EQ(LineWith(Scan(log), "Verdict: "),
            "Verdict: T: SUCCESS (End of test at line 10)");
  // An empty line continues nothing.
  log = StampedStart(9) +
        "[   9.000000] rcu-torture:--- End of test:\n\nSUCCESS: nreaders=2\n";
  EXPECT_THAT(Summary(Scan(log)), HasSubstr("No verdict: 1"));
}

// A joined line stops growing at 4096 bytes.
TEST(ConsoleScan, JoinStopsAt4096Bytes) {
  std::string log = StampedStart(20);
  log +=
      std::string(4090, 'y') + "\n";  // joined: the pending line is now > 4096
  log += "rcu-torture: WARNING: late\n";  // not joined: a line of its own
  log += "[ 9.0] rcu-torture:--- End of test: SUCCESS\n";
  const std::string r = Framed(log);
  EXPECT_THAT(r, HasSubstr("\nrcu-torture: WARNING: late\n"));
  EXPECT_THAT(Summary(r), HasSubstr("Warnings: 1"));
}

// The prefix of a joined line is stripped as awk strips it: "[1.1]" and a
// continuation " x" are "[1.1]  x", whose message is " x".
TEST(ConsoleScan, JoinedLinePrefixIncludesTheJoinSpace) {
  std::string log = StampedStart(20);
  log += "[7.0]\n Badness here\n[ 9.0] rcu-torture:--- End of test: SUCCESS\n";
  EXPECT_THAT(Framed(log), HasSubstr("\n Badness here\n"));
}

// CRLF copies, mail quoting and printk caller ids are not part of lines.
TEST(ConsoleScan, CarriageReturnsQuotesAndCallerIds) {
  const std::string r = Scan(
      "> > [  1.000000][  T91] rcu-torture:--- Start of test: x\r\r\n"
      ">>[  2.000000][C3] rcu-torture:--- End of test: FAILURE\r\n");
  EXPECT_EQ(LineWith(r, "Verdict: "),
            "Verdict: T: FAILURE (End of test at line 2)");
  EXPECT_EQ(LineWith(r, "BUG: "),
            "BUG: T FAILURE,  instances");  // awk's unset bangsum
  // A torture line only once its timestamp and caller id are gone.
  EXPECT_EQ(Summary(Scan(
                OurLog({1, 2}, ">[  3.000000][  T91] rcu-torture: !!! x\r\n"))),
            "Summary: T: Failures: 1  Errors: 1");
}

// The FAILURE line sums buckets 2..10 of the "!!!" line's histogram; when
// a splat separates the "!!!" from its "Reader Pipe:" line, that later
// line's.
TEST(ConsoleScan, HistogramRecoveredAcrossASplat) {
  const std::string split =
      "rcu-torture: !!! \n"
      "------------[ cut here ]------------\n"
      "WARNING: CPU: 0 PID: 77 at kernel/rcu/rcutorture.c:2203 "
      "rcu_torture_stats_print\n"
      "Call Trace:\n"
      "---[ end trace 0000000000000000 ]---\n"
      "Reader Pipe:  1625740 227 3 1 0 0 0 0 0 0 0\n";
  const std::string r = Scan(OurLog({1, 2, 3}, split, "FAILURE"));
  EXPECT_EQ(Lines(r)[0], "BUG: T FAILURE, 4 instances");
  EXPECT_THAT(Summary(r), HasSubstr("Failures: 1  Errors: 1  Warnings: 1"));
  const std::string direct =
      "rcu-torture: !!! Reader Pipe:  1 2 3 4 5 6 7 8 9 10 11\n";
  EXPECT_EQ(Lines(Scan(OurLog({1, 2, 3}, direct, "FAILURE")))[0],
            "BUG: T FAILURE, 63 instances");
}

// Each splat is one finding: a BUG: and its Oops:, a fatal signal printed
// twice with a BUG: between, a WARN splat's own WARNING: lines.
TEST(ConsoleScan, OneCountPerSplat) {
  const std::string bug =
      "BUG: unable to handle page fault\n#PF: supervisor read\nOops: 0000 [#1] "
      "SMP\n"
      "Call Trace:\n rcu_torture_one_read+0x1a\n---[ end trace 0 ]---\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, bug))), "Summary: T: Bugs: 1");
  const std::string sig =
      "*** SIGSEGV received at time=1 ***\nBUG: x\n*** SIGSEGV received at "
      "time=1 ***\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, sig))), "Summary: T: Crashes: 1");
  const std::string warn =
      "WARNING: CPU: 3 PID: 5 at foo.c:1 f\nWARNING: nested\nCall Trace:\n---[ "
      "end trace 0 ]---\n"
      "WARNING: again\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, warn))), "Summary: T: Warnings: 2");
  // A splat is 80 lines after its header at most: a Call Trace after them
  // is a finding of its own.
  std::string longsplat = "BUG: x\n";
  for (int i = 0; i < 79; ++i) longsplat += "frame\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, longsplat + "Call Trace:\n"))),
            "Summary: T: Bugs: 1");
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, longsplat + "frame\nCall Trace:\n"))),
            "Summary: T: Bugs: 1  Call traces: 1");
}

// A lockdep splat is kept whole (its non-blank lines), to its end trace.
TEST(ConsoleScan, LockdepSplatBodyKept) {
  const std::string lockdep =
      "WARNING: suspicious RCU usage\n  \ntorture/reader.cc:167 suspicious "
      "Dereference() usage!\n"
      "no locks held by reader1/16476.\n---[ end trace 0 ]---\nafter\n";
  const std::string r = Framed(OurLog({1, 2}, lockdep));
  EXPECT_THAT(
      r,
      HasSubstr(
          "\nWARNING: suspicious RCU usage\ntorture/reader.cc:167 suspicious "
          "Dereference() usage!\nno locks held by reader1/16476.\n---[ end "
          "trace 0 ]---\n"
          "Verdict:"));
  EXPECT_EQ(Summary(r), "Summary: T: Lockdep splats: 1");
}

// Kept lines are cut at 512 bytes.
TEST(ConsoleScan, KeptLinesCutAt512Bytes) {
  const std::string at512 = "WARNING: " + std::string(503, 'a');
  const std::string at600 = "WARNING: " + std::string(591, 'b');
  const std::string r = Framed(OurLog({1, 2}, at512 + "\n" + at600 + "\n"));
  EXPECT_THAT(r, HasSubstr("\n" + at512 + "\n"));
  EXPECT_THAT(
      r, HasSubstr("\n" + at600.substr(0, 512) + " [... 88 more bytes]\n"));
}

// At most 200 kept lines; the others are counted.
TEST(ConsoleScan, KeepsAtMost200Lines) {
  std::string extra;
  for (int i = 0; i < 250; ++i) extra += "Badness " + std::to_string(i) + "\n";
  const std::string r = Scan(OurLog({1, 2}, extra));
  EXPECT_THAT(
      r, HasSubstr("\nBadness 199\n... 50 more matching lines in the log\n"));
  EXPECT_THAT(r, Not(HasSubstr("Badness 200\n")));
  EXPECT_EQ(Summary(r), "Summary: T: Badness: 250");
}

// console-badness.sh's exclusions never count, nor end or lengthen a
// splat.
TEST(ConsoleScan, ExcludedLinesNeverCount) {
  EXPECT_EQ(Summary(Scan(OurLog(
                {1, 2},
                "ODEBUG: WARNING: Badness\nWarning: unable to open an initial "
                "console.\nNOHZ tick-stop error: Non-RCU local softirq work is "
                "pending, handler #08!!!\n"))),
            "Summary: T: clean");
  std::string splat = "BUG: x\n";
  for (int i = 0; i < 80; ++i) splat += "ODEBUG: frame\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, splat + "Call Trace:\n"))),
            "Summary: T: Bugs: 1");
}

// NUL bytes are dropped before lines are read, and reported.
TEST(ConsoleScan, NulBytesDroppedAndReported) {
  std::string log = OurLog({1, 2}, std::string("WAR\0NING: x\n", 12));
  log.insert(0, 3, '\0');
  const std::string r = Scan(log);
  EXPECT_THAT(r, HasSubstr("WARNING: T console output contains NUL bytes\n"));
  EXPECT_THAT(r, HasSubstr("\nWARNING: x\n"));
  EXPECT_EQ(Summary(r), "Summary: T: Warnings: 1  NUL bytes: 1");
  EXPECT_EQ(Summary(Scan(std::string(5, '\0'))), "Summary: T: Empty: 1");
}

// Fed in any chunks (NULs and lines across their edges), the same report.
TEST(ConsoleScan, ChunksDoNotMatter) {
  std::string log = OurLog({1, 2, 3},
                           std::string("rcu-torture: !!! Reader") + '\0' +
                               " Pipe: 1 2 3 4 5 6 7 8 9 1 1\n",
                           "FAILURE");
  log += "no newline at the end: Badness";
  const std::string whole = Scan(log);
  for (size_t chunk : {1, 2, 7, 64}) {
    ConsoleScanner s("T");
    for (size_t i = 0; i < log.size(); i += chunk)
      s.Feed(std::string_view(log).substr(i, chunk));
    EXPECT_EQ(s.Finish(), whole) << chunk;
  }
  EXPECT_THAT(whole, HasSubstr("BUG: T FAILURE, 44 instances"));
}

// Not text: more than 10% of the first 64 KiB neither printable nor blank.
TEST(ConsoleScan, NotText) {
  std::string small(1000, '\x01');
  EXPECT_EQ(Scan(small),
            "BUG: T console log is not text (1000 of its first 1001 bytes are "
            "neither printable nor "
            "blank); not parsed\nVerdict: T: none (not text)\nSummary: T: Not "
            "text: 1\n#errors 1\n");
  std::string big;
  while (big.size() < 70000) big += "ab\x80\x90\x7f\t\r\n";
  EXPECT_THAT(Scan(big), HasSubstr("of its first 65536 bytes"));
  // Text for the first 64 KiB: parsed, whatever follows.
  std::string late;
  while (late.size() < 70000) late += "Badness is text\n";
  late += std::string(100000, '\xff') + "\n";
  EXPECT_THAT(Summary(Scan(late)), HasSubstr("Badness: 4375"));
}

TEST(ConsoleScan, EmptyLog) {
  EXPECT_EQ(Scan(""),
            "BUG: T empty console log (the run wrote nothing)\nVerdict: T: "
            "none (empty log)\n"
            "Summary: T: Empty: 1\n#errors 1\n");
  EXPECT_THAT(Summary(Scan("\n")),
              HasSubstr("No verdict: 1"));  // one empty line is a log
}

// ver: must strictly increase: a repeat lasting to the end is a GP hang,
// any other non-increase a bad sequence; (null) and "rtc: 0+ " lines are
// not stats lines.
TEST(ConsoleScan, GpHangVersusBadSeq) {
  EXPECT_EQ(LineWith(Scan(OurLog({1, 2, 3, 3, 3})), "WARNING: "),
            "WARNING: T GP HANG at 3 torture stat 4");
  EXPECT_EQ(Summary(Scan(OurLog({1, 2, 3, 3, 3}))), "Summary: T: GP hangs: 1");
  EXPECT_EQ(LineWith(Scan(OurLog({1, 2, 2, 3})), "WARNING: "),
            "WARNING: T BAD SEQ 2:2 last:3 version 3");
  EXPECT_EQ(LineWith(Scan(OurLog({5, 4, 4})), "WARNING: "),
            "WARNING: T BAD SEQ 5:4 last:4 version 2");
  EXPECT_EQ(Summary(Scan(OurLog({1, 2},
                                "rcu-torture: rtc: 0000000000000000 ver: 0 x\n"
                                "rcu-torture: rtc: (null) ver: 0 x\n"))),
            "Summary: T: clean");
  // No Start line and no End line: the sequence goes with the verdict.
  EXPECT_EQ(Lines(Scan("x-torture: ver: 7 \nx-torture: ver: 7 \n"))[0],
            "BUG: T no Start of test and no End of test line (an excerpt, or "
            "not an rcutorture "
            "console), 2 version messages: GP HANG at 7 torture stat 2");
}

// The torture prefix: "!!!" and Warn count only on torture lines.
TEST(ConsoleScan, TorturePrefix) {
  EXPECT_EQ(Summary(Scan(
                OurLog({1, 2}, "some-driver: !!! Warn\nrcu torture: !!!\n"))),
            "Summary: T: clean");
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, "srcu.d_1-torture: !!! Warn\n"))),
            "Summary: T: Failures: 1  Errors: 1  Warnings: 1");
}

// Stalls: induced ones (stall_cpu > 0) are expected; a stall report's Call
// Traces are part of it for 200 lines or up to a Start or End line.
TEST(ConsoleScan, Stalls) {
  const std::string stall =
      "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, stall + "Call Trace:\n"))),
            "Summary: T: Stalls: 1");
  std::string induced = OurLog({1, 2}, stall);
  induced.replace(induced.find("stall_cpu=0"), 11, "stall_cpu=3");
  EXPECT_EQ(Summary(Scan(induced)), "Summary: T: clean  Expected stalls: 1");
  std::string lines;
  for (int i = 0; i < 199; ++i) lines += "task dump\n";
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, stall + lines + "Call Trace:\n"))),
            "Summary: T: Stalls: 1");
  EXPECT_EQ(Summary(Scan(OurLog({1, 2}, stall + lines + "x\nCall Trace:\n"))),
            "Summary: T: Stalls: 1  Call traces: 1");
}

// Close calls: reported with the kernel's BUG/WARNING rule, never errors.
TEST(ConsoleScan, CloseCalls) {
  const std::string batch =
      "rcu-torture: Reader Batch:  1625533 434 1 1 0 0 0 0 0 0 0\n";
  const std::string r = Scan(OurLog({1, 2}, batch));
  EXPECT_EQ(Lines(r)[0],
            "BUG: 2 Reader Batch close calls in 1.0 minute run: T (reported, "
            "not counted as an error)");
  EXPECT_EQ(Summary(r), "Summary: T: clean  Close calls: 2");
  std::string long_run = OurLog({1, 2}, batch);
  long_run.replace(long_run.find("shutdown_secs=60"), 16,
                   "shutdown_secs=36000");
  EXPECT_THAT(
      Lines(Scan(long_run))[0],
      HasSubstr("WARNING: 2 Reader Batch close calls in 600.0 minute run"));
}

TEST(ConsoleScan, LateCallbacksAndHotplug) {
  const std::string r =
      Scan(OurLog({1, 2}, "rcu-torture: nt: 5 modules: 1/2 modules: 3/4:7 x\n",
                  "RCU_HOTPLUG"));
  EXPECT_THAT(r, HasSubstr("WARNING: HOTPLUG FAILURES T\nBUG: T 7 late "
                           "callbacks into unloaded modules"));
  EXPECT_EQ(Summary(r), "Summary: T: Hotplug: 1  Late callbacks: 7");
}

TEST(ConsoleScan, WarningsFileHangs) {
  ConsoleScanner s("T");
  s.AddWarningsLine("!!! PID 4242 hung at 52 vs. 30 seconds");
  s.AddWarningsLine("nothing");
  s.AddWarningsLine("silent for 3 s");
  s.Feed(OurLog({1, 2}));
  const std::string r = s.Finish();
  EXPECT_THAT(r, HasSubstr("BUG: T !!! PID 4242 hung at 52 vs. 30 "
                           "seconds\nBUG: T silent for 3 s\n"));
  EXPECT_EQ(Summary(r), "Summary: T: Hangs: 2");
}

// Every keyword is found wherever it sits in a line (the prefilter looks
// at every third byte pair) and at its very end.
TEST(ConsoleScan, KeywordsFoundAtEveryOffset) {
  struct Case {
    std::string line;
    std::string summary;
  };
  const std::vector<Case> cases = {
      {"Badness", "Badness: 1"},
      {"??? Writer stall state", "Writer stalls: 1"},
      {"rcu_sched kthread starved for", "Starves: 1"},
      {"Call trace:", "Call traces: 1"},
      {"detected expedited stalls", "Stalls: 1"},
      {"Stall ended before state dump start", "Stalls: 1"},
      {"self-detected stall on CPU", "Stalls: 1"},
      {"general protection fault", "Bugs: 1"},
      {"Unable to handle kernel", "Bugs: 1"},
      {"Oops:", "Bugs: 1"},
      {"BUG:", "Bugs: 1"},
      {"Check failed", "Crashes: 1"},
      {"terminate called", "Crashes: 1"},
      {"*** SIGABRT received", "Crashes: 1"},
      {"runtime error: ", "Crashes: 1"},
      {"WARNING: ThreadSanitizer", "Crashes: 1"},
      {"WARNING: inconsistent lock state", "Lockdep splats: 1"},
      {"WARNING:", "Warnings: 1"},
      {"Kernel panic - not syncing", "Panics: 1"},
      {"_HOTPLUG:", "Hotplug: 1"},
      {"x-torture: !!!", "Errors: 1"},
  };
  for (const Case& c : cases) {
    for (int pad = 0; pad < 7; ++pad) {
      const std::string line = std::string(pad, '-') + c.line;
      EXPECT_THAT(Summary(Scan(OurLog({1, 2}, line + "\n"))),
                  HasSubstr(c.summary))
          << line;
      EXPECT_THAT(Summary(Scan(OurLog({1, 2}, line + " tail\n"))),
                  HasSubstr(c.summary))
          << line;
    }
  }
}

// Numbers print as mawk printed them.
TEST(ConsoleScan, AwkNumber) {
  EXPECT_EQ(AwkNumber(2147483647), "2147483647");
  EXPECT_EQ(AwkNumber(2147483648.0), "2.14748e+09");
  EXPECT_EQ(AwkNumber(-2147483647), "-2147483647");
  EXPECT_EQ(AwkNumber(-0.0), "0");
  EXPECT_EQ(AwkNumber(3.75), "3.75");
  EXPECT_EQ(AwkNumber(INFINITY), "inf");
}

}  // namespace
}  // namespace torture

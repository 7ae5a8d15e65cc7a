// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
// console_scan.cc: ConsoleScanner (console_scan.h). The rules, in the order
// they apply to each line, are the ones documented in
// scripts/parse-console.sh; each says where it comes from.
#include "torture/console/console_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace torture {
namespace {

// ---- Limits, as parse-console.sh documents them.
constexpr size_t kKeptMax = 200;            // offending lines printed
constexpr size_t kCutAt = 512;              // each cut at 512 bytes
constexpr int64_t kTextCheckBytes = 65536;  // not text: the first 64 KiB
constexpr size_t kJoinMax = 4096;           // a wrapped line, joined
constexpr int64_t kSplatMax = 80;           // lines of one splat at most
constexpr int64_t kStallMax = 200;          // lines of one stall report at most

// ---- Keywords. Each rule below first asks whether its keyword occurs in
// the line; one Prefilter pass answers for all of them as a set of Flags.
enum Flag : uint32_t {
  kExcluded = 1u << 0,      // console-badness.sh's exclusions
  kEndTrace = 1u << 1,      // "---[ end trace": a splat's end
  kStartOfTest = 1u << 2,   // "--- Start of test"
  kEndOfTest = 1u << 3,     // "--- End of test"
  kBang = 1u << 4,          // "!!!"
  kReaderPipe = 1u << 5,    // "Reader Pipe:"
  kHotplug = 1u << 6,       // "_HOTPLUG"
  kVer = 1u << 7,           // "ver:" (stats lines)
  kModules = 1u << 8,       // "modules: "
  kReaderBatch = 1u << 9,   // "Reader Batch:"
  kPanic = 1u << 10,        // "Kernel panic - not syncing"
  kWarnUpper = 1u << 11,    // "WARN" (also every "WARNING:")
  kWarnMixed = 1u << 12,    // "Warn"
  kCrash = 1u << 13,        // sanitizers, "runtime error: ", "*** SIG", ...
  kBugWord = 1u << 14,      // "BUG:", "BUG "
  kBugOther = 1u << 15,     // "Oops:", "Unable to handle kernel", ...
  kStall = 1u << 16,        // RCU CPU stall warnings
  kStarved = 1u << 17,      // "kthread starved for"
  kWriterStall = 1u << 18,  // "??? Writer stall state"
  kCallTrace = 1u << 19,    // "Call Trace:", "Call trace:"
  kBadness = 1u << 20,      // "Badness"
  kNull = 1u << 21,         // "(null)"
  kRtcZero = 1u << 22,      // "rtc: 0"
};

// Keywords whose every occurrence is counted, and the first and last
// located (Hits): the stats lines' rules need them.
enum Tracked : int8_t {
  kUntracked = -1,
  kTrackVer,
  kTrackRtc,
  kTrackBatch,
  kTrackedCount
};

// The prefilter looks at every kStep-th byte pair of a line; a keyword is
// found through the kStep consecutive pairs starting at its anchor (one of
// them is always looked at). The anchors sit on byte pairs that are rare
// in consoles (counted over scripts/tests/data and a 200 MB kernel
// console), so that few looks need a memcmp.
constexpr size_t kStep = 3;

struct Keyword {
  std::string_view text;
  uint32_t flag;
  uint8_t anchor;
  Tracked track = kUntracked;
};

constexpr Keyword kKeywords[] = {
    // console-badness.sh's exclusions: such a line never counts.
    {"ODEBUG: ", kExcluded, 0},
    {"This means that this is a DEBUG kernel and it is", kExcluded, 28},
    {"Warning: unable to open an initial console", kExcluded, 8},
    {"Warning: Failed to add ttynull console", kExcluded, 9},
    {"NOHZ tick-stop error: Non-RCU local softirq work is pending, handler",
     kExcluded, 24},
    {"---[ end trace", kEndTrace, 4},
    {"--- Start of test", kStartOfTest, 0},
    {"--- End of test", kEndOfTest, 2},
    {"!!!", kBang, 0},
    {"Reader Pipe:", kReaderPipe, 7},
    {"_HOTPLUG", kHotplug, 0},
    {"ver:", kVer, 0, kTrackVer},
    {"(null)", kNull, 0},
    {"rtc: 0", kRtcZero, 0, kTrackRtc},
    {"modules: ", kModules, 0},
    {"Reader Batch:", kReaderBatch, 9, kTrackBatch},
    {"Kernel panic - not syncing", kPanic, 20},
    {"WARN", kWarnUpper, 0},
    {"Warn", kWarnMixed, 0},
    {"Sanitizer", kCrash, 0},
    {"runtime error: ", kCrash, 0},
    {"*** SIG", kCrash, 0},
    {"terminate called", kCrash, 10},
    {"Check failed", kCrash, 0},
    {"BUG:", kBugWord, 0},
    {"BUG ", kBugWord, 0},
    {"Oops:", kBugOther, 0},
    {"Unable to handle kernel", kBugOther, 0},
    {"general protection fault", kBugOther, 6},
    {"detected stalls on CPUs/tasks:", kStall, 21},
    {"self-detected stall on CPU", kStall, 2},
    {"detected expedited stalls", kStall, 21},
    {"Stall ended before state dump start", kStall, 24},
    {"kthread starved for", kStarved, 0},
    {"??? Writer stall state", kWriterStall, 2},
    {"Call Trace:", kCallTrace, 3},
    {"Call trace:", kCallTrace, 0},
    {"Badness", kBadness, 0},
};

}  // namespace

// What Prefilter::Scan found in a line: the Flags of the keywords in it,
// and where the tracked ones are.
struct Hits {
  uint32_t flags = 0;
  uint32_t count[kTrackedCount] = {};
  size_t first[kTrackedCount] = {};
  size_t last[kTrackedCount] = {};
};

namespace {

// A multi-keyword search in one pass: a bit per byte pair (8 KiB, in L1)
// says whether the pair may belong to a keyword's anchor; only then are
// the keywords of that pair compared. A line that holds no keyword costs
// one table look per kStep bytes.
class Prefilter {
 public:
  Prefilter() {
    for (size_t w = 0; w < std::size(kKeywords); ++w) {
      const std::string_view t = kKeywords[w].text;
      const size_t a = kKeywords[w].anchor;
      if (t.size() < kStep || a + kStep > t.size()) {
        std::abort();  // a bad table
      }
      for (size_t j = a; j < a + kStep; ++j) {
        const Candidate c{static_cast<uint8_t>(w), static_cast<uint8_t>(j)};
        if (j + 1 < t.size()) {
          Add(Key(t[j], t[j + 1]), c);
        } else {
          // The keyword's last byte: the byte after it is anything (the
          // end of the line looks like a NUL, which no line holds).
          for (int next = 0; next < 256; ++next) {
            Add(Key(t[j], static_cast<char>(next)), c);
          }
        }
      }
    }
  }

  // The keywords that occur in LINE.
  Hits Scan(std::string_view line) const {
    const char* b = line.data();
    const size_t n = line.size();
    Hits h;
    size_t i = 0;
    for (; i + 1 < n; i += kStep) {
      uint16_t k;
      std::memcpy(&k, b + i, 2);
      if ((bits_[k >> 6] >> (k & 63)) & 1) Verify(k, b, n, i, &h);
    }
    if (i < n) {
      const uint16_t k = Key(b[i], '\0');
      if ((bits_[k >> 6] >> (k & 63)) & 1) Verify(k, b, n, i, &h);
    }
    return h;
  }

 private:
  struct Candidate {
    uint8_t keyword;
    uint8_t offset;  // of the pair in the keyword
  };

  static uint16_t Key(char a, char b) {
    const char pair[2] = {a, b};
    uint16_t k;
    std::memcpy(&k, pair, 2);
    return k;
  }

  void Add(uint16_t k, Candidate c) {
    bits_[k >> 6] |= uint64_t{1} << (k & 63);
    if (slot_[k] == 0) {
      lists_.emplace_back();
      slot_[k] = static_cast<uint16_t>(lists_.size());
    }
    lists_[slot_[k] - 1].push_back(c);
  }

  // Adds to H the keywords of pair K found at I (an untracked keyword once:
  // the first time). Each occurrence of a keyword is looked at once, left
  // to right.
  void Verify(uint16_t k, const char* b, size_t n, size_t i, Hits* h) const {
    for (const Candidate& c : lists_[slot_[k] - 1]) {
      const Keyword& w = kKeywords[c.keyword];
      if (((h->flags & w.flag) != 0 && w.track == kUntracked) || i < c.offset) {
        continue;
      }
      const size_t start = i - c.offset;
      const size_t len = w.text.size();
      if (start + len > n) continue;
      const char* p = b + start;
      if (p[0] != w.text[0] || p[len - 1] != w.text[len - 1] ||
          std::memcmp(p, w.text.data(), len) != 0) {
        continue;
      }
      h->flags |= w.flag;
      if (w.track != kUntracked) {
        if (h->count[w.track]++ == 0) h->first[w.track] = start;
        h->last[w.track] = start;
      }
    }
  }

  uint64_t bits_[65536 / 64] = {};
  uint16_t slot_[65536] = {};  // 1 + index in lists_; 0: no keyword
  std::vector<std::vector<Candidate>> lists_;
};

const Prefilter& TheKeywords() {
  static const Prefilter* const p = new Prefilter();
  return *p;
}

// ---- Character classes (the C locale).
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsWordChar(char c) {  // [A-Za-z0-9_]
  return IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z') || c == '_';
}
// awk's [^[:print:][:space:]]: neither printable nor blank.
bool IsOdd(unsigned char c) {
  return c < 0x09 || (c > 0x0d && c < 0x20) || c >= 0x7f;
}

// The first T in S at or after FROM, or npos (memmem: no call per byte
// that merely starts like T).
size_t Find(std::string_view s, std::string_view t, size_t from = 0) {
  if (from > s.size()) return std::string_view::npos;
  const void* hit =
      memmem(s.data() + from, s.size() - from, t.data(), t.size());
  return hit == nullptr
             ? std::string_view::npos
             : static_cast<size_t>(static_cast<const char*>(hit) - s.data());
}

bool Contains(std::string_view s, std::string_view t) {
  return Find(s, t) != std::string_view::npos;
}

// The last T in S, or npos (string_view::rfind calls compare() at every
// byte).
size_t RFind(std::string_view s, std::string_view t) {
  if (t.empty() || t.size() > s.size()) return std::string_view::npos;
  for (size_t p = s.size() - t.size() + 1; p-- > 0;) {
    if (s[p] == t[0] && std::memcmp(s.data() + p, t.data(), t.size()) == 0) {
      return p;
    }
  }
  return std::string_view::npos;
}

size_t DigitsAt(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && IsDigit(s[j])) ++j;
  return j - i;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && DigitsAt(s, 0) == s.size();
}

// awk's STRING + 0: strtod() of its longest numeric prefix (mawk's, which
// takes hex, "inf" and "nan" too); 0 if there is none.
double AwkValue(std::string_view s) {
  if (s.size() <= 15 && AllDigits(s)) {  // exact, as strtod() rounds it
    uint64_t v = 0;
    for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
    return static_cast<double>(v);
  }
  const std::string z(s);
  return std::strtod(z.c_str(), nullptr);
}

// mawk's printf("%d", D): D clamped to +-2147483647 (NaN to the minimum).
std::string AwkPrintfD(double d) {
  constexpr double kMaxInt = 2147483647.0;
  int v;
  if (d >= kMaxInt) {
    v = 2147483647;
  } else if (d > -kMaxInt) {
    v = static_cast<int>(d);
  } else {
    v = -2147483647;
  }
  return std::to_string(v);
}

// awk's split(S, f, " "): fields separated by runs of blanks (space, tab;
// mawk does not split at other white space).
void SplitFields(std::string_view s, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    if (i == s.size()) return;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    fields->push_back(s.substr(start, i - start));
  }
}

// The kernel's parse-console.sh sums the last 9 numbers of the "!!!" line
// (buckets 2..10 of its Reader Pipe histogram: readers that saw a grace
// period end under them). -1 if the line does not end in 9 numbers.
double Hist9(std::string_view s) {
  std::vector<std::string_view> f;
  SplitFields(s, &f);
  if (f.size() < 9) return -1;
  double t = 0;
  for (size_t i = f.size() - 9; i < f.size(); ++i) {
    if (!AllDigits(f[i])) return -1;
    t += AwkValue(f[i]);
  }
  return t;
}

// "TEXT [... N more bytes]": a kept line cut at 512 bytes.
std::string Cut(std::string_view s) {
  if (s.size() <= kCutAt) return std::string(s);
  std::string r(s.substr(0, kCutAt));
  r += " [... ";
  r += AwkNumber(static_cast<double>(s.size() - kCutAt));
  r += " more bytes]";
  return r;
}

// A console timestamp "[  123.456789]" at the start of S: its length, or 0.
size_t StampLength(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  size_t i = 1;
  while (i < s.size() && s[i] == ' ') ++i;
  size_t d = DigitsAt(s, i);
  if (d == 0) return 0;
  i += d;
  if (i >= s.size() || s[i] != '.') return 0;
  ++i;
  d = DigitsAt(s, i);
  if (d == 0) return 0;
  i += d;
  if (i >= s.size() || s[i] != ']') return 0;
  return i + 1;
}

// What precedes the message of S, whose timestamp is STAMP bytes long: the
// timestamp, a printk caller id ("[  T91]", "[C3]") after it, and one
// space.
size_t PrefixLength(std::string_view s, size_t stamp) {
  size_t i = stamp;
  if (i == 0) return 0;
  if (i < s.size() && s[i] == '[') {
    size_t j = i + 1;
    while (j < s.size() && s[j] == ' ') ++j;
    if (j < s.size() && IsUpper(s[j])) ++j;
    const size_t d = DigitsAt(s, j);
    if (d > 0 && j + d < s.size() && s[j + d] == ']') i = j + d + 1;
  }
  if (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// A torture line: /^[A-Za-z0-9_.-]+-torture:/ ("rcu-torture:",
// "srcud-torture:", "busted-lockdep-torture:"). Where its ':' is, or 0.
size_t TortureColon(std::string_view s) {
  size_t k = 0;
  while (k < s.size() && (IsWordChar(s[k]) || s[k] == '.' || s[k] == '-')) ++k;
  if (k >= 9 && k < s.size() && s[k] == ':' &&
      std::memcmp(s.data() + k - 8, "-torture", 8) == 0) {
    return k;
  }
  return 0;
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// /(^|[^A-Za-z0-9_])BUG[: ]/: "BUG:" or "BUG " as a word of its own.
bool HasBugWord(std::string_view s) {
  for (size_t p = Find(s, "BUG"); p != std::string_view::npos;
       p = Find(s, "BUG", p + 1)) {
    if (p + 3 < s.size() && (s[p + 3] == ':' || s[p + 3] == ' ') &&
        (p == 0 || !IsWordChar(s[p - 1]))) {
      return true;
    }
  }
  return false;
}

// Lockdep's reports (our lockdep-RCU's and the kernel's).
bool IsLockdepHeader(std::string_view s) {
  static constexpr std::string_view kHeaders[] = {
      "WARNING: suspicious RCU usage",
      "WARNING: possible circular locking",
      "WARNING: possible recursive locking",
      "WARNING: inconsistent lock state",
      "WARNING: possible irq lock inversion",
      "WARNING: bad unlock balance",
      "WARNING: lock held when returning",
      "WARNING: held lock freed",
      "WARNING: Nested lock was not taken",
  };
  for (std::string_view h : kHeaders) {
    if (Contains(s, h)) return true;
  }
  // /WARNING: .*lock(ing)? (dependency|imbalance|recursion)/
  const size_t p = Find(s, "WARNING: ");
  if (p == std::string_view::npos) return false;
  const std::string_view rest = s.substr(p + 9);
  static constexpr std::string_view kWhat[] = {
      "lock dependency",   "locking dependency", "lock imbalance",
      "locking imbalance", "lock recursion",     "locking recursion",
  };
  for (std::string_view w : kWhat) {
    if (Contains(rest, w)) return true;
  }
  return false;
}

// /\*\*\* SIG[A-Z]+ received/: our fatal signal report.
bool HasSignalReport(std::string_view s) {
  for (size_t p = Find(s, "*** SIG"); p != std::string_view::npos;
       p = Find(s, "*** SIG", p + 1)) {
    size_t q = p + 7;
    while (q < s.size() && IsUpper(s[q])) ++q;
    if (q > p + 7 && s.substr(q).starts_with(" received")) return true;
  }
  return false;
}

// A crash: a sanitizer's error report, our fatal signal report, an
// uncaught exception, a failed CHECK.
bool IsCrashHeader(std::string_view s) {
  return Contains(s, "ERROR: AddressSanitizer") ||
         Contains(s, "ERROR: LeakSanitizer") ||
         Contains(s, "ERROR: MemorySanitizer") ||
         Contains(s, "WARNING: ThreadSanitizer") ||
         Contains(s, "runtime error: ") || HasSignalReport(s) ||
         Contains(s, "terminate called") || Contains(s, "Check failed");
}

// /WARNING: (CPU: [0-9]+ PID: |at )/: the header of a WARN splat (its
// backtrace follows).
bool IsWarnSplatHeader(std::string_view s) {
  for (size_t p = Find(s, "WARNING: "); p != std::string_view::npos;
       p = Find(s, "WARNING: ", p + 1)) {
    const std::string_view rest = s.substr(p + 9);
    if (rest.starts_with("at ")) return true;
    if (rest.starts_with("CPU: ")) {
      const size_t d = DigitsAt(rest, 5);
      if (d > 0 && rest.substr(5 + d).starts_with(" PID: ")) return true;
    }
  }
  return false;
}

// The first " NAME=DIGITS" of S (awk's match(s, / NAME=[0-9]+/)): the
// digits, or empty.
std::string_view ParamDigits(std::string_view s, std::string_view name_eq) {
  for (size_t p = Find(s, name_eq); p != std::string_view::npos;
       p = Find(s, name_eq, p + 1)) {
    const size_t q = p + name_eq.size();
    const size_t d = DigitsAt(s, q);
    if (d > 0) return s.substr(q, d);
  }
  return {};
}

}  // namespace

std::string AwkNumber(double d) {
  if (d >= -2147483647.0 && d <= 2147483647.0) {
    const int i = static_cast<int>(d);
    if (static_cast<double>(i) == d) return std::to_string(i);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

ConsoleScanner::ConsoleScanner(std::string title) : title_(std::move(title)) {
  TheKeywords();  // built once, before the first line
}

void ConsoleScanner::AddWarningsLine(std::string_view line) {
  if (Contains(line, "hung") || Contains(line, "silent for"))
    hung_.emplace_back(line);
}

// NUL bytes anywhere are reported (the kernel's parse-console.sh: "Console
// output contains nul bytes") and dropped before anything else.
void ConsoleScanner::Feed(std::string_view bytes) {
  if (done_) return;
  if (std::memchr(bytes.data(), '\0', bytes.size()) == nullptr) {
    FeedText(bytes);
    return;
  }
  nul_ = true;
  nul_free_.clear();
  for (char c : bytes) {
    if (c != '\0') nul_free_ += c;
  }
  FeedText(nul_free_);
}

// Splits BYTES into lines at '\n' (the last line of the log needs none).
void ConsoleScanner::FeedText(std::string_view bytes) {
  size_t pos = 0;
  if (!partial_.empty()) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    if (nl == nullptr) {
      partial_.append(bytes);
      return;
    }
    const size_t n =
        static_cast<size_t>(static_cast<const char*>(nl) - bytes.data());
    partial_.append(bytes.data(), n);
    RawLine(partial_);
    partial_.clear();
    pos = n + 1;
  }
  while (pos < bytes.size() && !done_) {
    const char* start = bytes.data() + pos;
    const void* nl = std::memchr(start, '\n', bytes.size() - pos);
    if (nl == nullptr) {
      partial_.assign(start, bytes.size() - pos);
      return;
    }
    const size_t n = static_cast<size_t>(static_cast<const char*>(nl) - start);
    RawLine(std::string_view(start, n));
    pos += n + 1;
  }
}

void ConsoleScanner::RawLine(std::string_view raw) {
  ++nr_;
  // Not text: a log whose first 64 KiB are more than 10% bytes that are
  // neither printable nor blank is not parsed at all.
  if (!decided_) {
    nbytes_ += static_cast<int64_t>(raw.size()) + 1;
    for (char c : raw) nodd_ += IsOdd(static_cast<unsigned char>(c));
    if (nbytes_ >= kTextCheckBytes) {
      decided_ = true;
      if (nodd_ * 10 > nbytes_) {
        binary_ = nodd_;
        done_ = true;
        return;
      }
    }
  }
  // CRLF copies, and mail quoting ("> ", "> > ", ">>").
  while (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  while (!raw.empty() && raw[0] == '>') {
    raw.remove_prefix(1);
    if (!raw.empty() && raw[0] == ' ') raw.remove_prefix(1);
  }
  ++nraw_;
  const size_t stamp = StampLength(raw);
  const bool stamped = stamp > 0;
  if (stamped) ++nstamped_;
  // Wrapped lines: when at least 90% of the lines so far (and more than 5;
  // the 90% already needs 10 when this one has none) carry a timestamp, a
  // non-empty line without one continues the line before (a copy wrapped
  // by a mail client), up to 4096 bytes.
  if (pending_set_ && !stamped && !raw.empty() && nstamped_ * 10 >= nraw_ * 9 &&
      nraw_ > 5 && pending_.size() < kJoinMax) {
    pending_ += ' ';
    pending_.append(raw);
    pending_joined_ = true;
    return;
  }
  if (pending_set_) ClassifyPending();
  pending_.assign(raw);
  pending_prefix_ = PrefixLength(raw, stamp);
  pending_joined_ = false;
  pending_nr_ = nr_;
  pending_set_ = true;
}

void ConsoleScanner::ClassifyPending() {
  std::string_view line(pending_);
  // A joined line's prefix may run into what was joined ("[1.1]" + " x").
  line.remove_prefix(pending_joined_ ? PrefixLength(line, StampLength(line))
                                     : pending_prefix_);
  Classify(line, pending_nr_);
}

// At most 200 offending lines are printed, each cut at 512 bytes; the rest
// are counted.
void ConsoleScanner::Keep(std::string_view line) {
  if (kept_.size() < kKeptMax) {
    kept_.push_back(Cut(line));
  } else {
    ++dropped_;
  }
}

// One logical line (NR of its first raw line): every rule, in order.
void ConsoleScanner::Classify(std::string_view line, int64_t nr) {
  const Hits hits = TheKeywords().Scan(line);
  const uint32_t f = hits.flags;
  if (f & kExcluded) return;
  bool matched = false;
  const size_t torture_colon = TortureColon(line);
  const bool torture = torture_colon != 0;
  const bool end_trace = (f & kEndTrace) != 0;
  // Inside a splat (a BUG, Oops, WARN, crash or lockdep report and its
  // trace): its lines are part of the one finding, and lockdep bodies are
  // kept. It ends at a torture line, its "---[ end trace", or after 80
  // lines.
  if (insplat_) {
    if (torture || end_trace || ++splatlen_ > kSplatMax) {
      if (end_trace && splatkind_ == SplatKind::kLockdep) Keep(line);
      insplat_ = false;
    } else if (splatkind_ == SplatKind::kLockdep && !IsBlank(line)) {
      Keep(line);
    }
  }
  // The Start of test line: where the run began, whether it induces stalls
  // (stall_cpu > 0) and its duration (shutdown_secs, for close calls).
  if ((f & kStartOfTest) && Contains(line, "--- Start of test:")) {
    started_ = nr;
    const std::string_view stall_cpu = ParamDigits(line, " stall_cpu=");
    if (!stall_cpu.empty() && AwkValue(stall_cpu) > 0) stall_expected_ = true;
    const std::string_view secs = ParamDigits(line, " shutdown_secs=");
    if (!secs.empty()) dur_ = AwkValue(secs);
  }
  // The verdict: the word after the last "End of test: ".
  if ((f & kEndOfTest) && Contains(line, "--- End of test: ")) {
    std::string_view v = line.substr(RFind(line, "End of test: ") + 13);
    v = v.substr(0, v.find_first_of(": "));
    verdict_.assign(v);
    verdict_nr_ = nr;
  }
  // Errors: torture lines with "!!!" (the kernel's parse-console.sh:
  // '-torture.*!!!'); its FAILURE line sums the histogram that ends the
  // last one.
  const bool bang = torture && (f & kBang);
  if (bang) {
    ++errors_;
    size_t lead = 0;
    while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t'))
      ++lead;
    lastbang_ = Cut(line.substr(lead));
    has_lastbang_ = true;
    matched = true;
    bangsum_ = Hist9(line);
    bangsum_set_ = true;
    if (bangsum_ < 0 && !(f & kReaderPipe)) awaitpipe_ = true;
  }
  // The histogram a splat separated from its "!!!" (the kernel prints
  // "!!! ", then WARN_ON_ONCE(), then "Reader Pipe: ...").
  if (awaitpipe_ && (f & kReaderPipe) && !bang) {
    awaitpipe_ = false;
    bangsum_ = Hist9(line.substr(RFind(line, "Reader Pipe:") + 12));
    matched = true;
  }
  // HOTPLUG (the kernel's parse-console.sh: "_HOTPLUG:").
  if ((f & kHotplug) && (Contains(line, "_HOTPLUG:") ||
                         Contains(line, "End of test: RCU_HOTPLUG"))) {
    ++hotplug_;
    matched = true;
  }
  if (f & kVer) VerLine(line, hits, torture_colon);
  // Late callbacks: N in the first "modules: L/U:N" (callbacks that ran
  // after their module was unloaded).
  if (f & kModules) {
    for (size_t p = Find(line, "modules: "); p != std::string_view::npos;
         p = Find(line, "modules: ", p + 1)) {
      size_t q = p + 9;
      size_t d = DigitsAt(line, q);
      if (d == 0 || q + d >= line.size() || line[q + d] != '/') continue;
      q += d + 1;
      d = DigitsAt(line, q);
      if (d == 0 || q + d >= line.size() || line[q + d] != ':') continue;
      q += d + 1;
      d = DigitsAt(line, q);
      if (d == 0) continue;
      const double v = AwkValue(line.substr(q, d));
      if (v > late_) late_ = v;
      if (v > 0) matched = true;
      break;
    }
  }
  // Close calls (the kernel's kvm-recheck-rcu.sh): buckets 2.. of the last
  // Reader Batch histogram.
  if (f & kReaderBatch) {
    batch_.assign(
        line.substr(hits.last[kTrackBatch] + 13));  // summed at the end
    batch_set_ = true;
  }
  if ((f & kPanic) && !Contains(line, "---[ end Kernel panic")) {
    ++panics_;
    matched = true;
    install_ = true;  // its dump is part of it
    stalllen_ = 0;
  }
  // Splat headers, one finding each.
  if ((f & kWarnUpper) && IsLockdepHeader(line)) {
    ++lockdep_;
    matched = true;
    insplat_ = true;
    splatlen_ = 0;
    splatkind_ = SplatKind::kLockdep;
  } else if ((f & kCrash) && IsCrashHeader(line)) {
    // Ours: a fatal signal prints the "*** SIG..." line twice and a BUG:
    // line between: one crash.
    if (!(insplat_ && splatkind_ == SplatKind::kCrash &&
          Contains(line, "*** SIG")))
      ++crashes_;
    matched = true;
    insplat_ = true;
    splatlen_ = 0;
    splatkind_ = SplatKind::kCrash;
  } else if (((f & kBugWord) && HasBugWord(line)) || (f & kBugOther)) {
    if (!(insplat_ &&
          (splatkind_ == SplatKind::kBug || splatkind_ == SplatKind::kCrash))) {
      ++bugs_;
      insplat_ = true;
      splatlen_ = 0;
      splatkind_ = SplatKind::kBug;
    }
    matched = true;  // else the same splat (an Oops: after its BUG:)
  } else if ((f & kWarnUpper) && Contains(line, "WARNING:")) {
    if (!(insplat_ && splatkind_ == SplatKind::kWarn)) ++warnings_;
    matched = true;
    if (IsWarnSplatHeader(line)) {
      insplat_ = true;
      splatlen_ = 0;
      splatkind_ = SplatKind::kWarn;
    }
  } else if (torture && (f & (kWarnUpper | kWarnMixed))) {
    ++warnings_;
    matched = true;
  }
  // A stall report (and a writer-stall or starvation report, a panic) runs
  // on with backtraces and task dumps: their Call Traces are part of it,
  // until a Start or End of test line or 200 lines.
  if (f & kStall) {
    ++stalls_;
    matched = true;
    install_ = true;
    stalllen_ = 0;
  } else if (install_ &&
             ((f & (kStartOfTest | kEndOfTest)) || ++stalllen_ > kStallMax)) {
    install_ = false;
  }
  // console-badness.sh's /rcu_.*kthread starved for/.
  if (f & kStarved) {
    const size_t p = Find(line, "rcu_");
    if (p != std::string_view::npos &&
        RFind(line, "kthread starved for") >= p + 4) {
      ++starves_;
      matched = true;
      install_ = true;
      stalllen_ = 0;
    }
  }
  if (f & kWriterStall) {
    ++wstalls_;
    matched = true;
    install_ = true;
    stalllen_ = 0;
  }
  if ((f & kCallTrace) && !insplat_ && !install_) {
    ++traces_;
    matched = true;
  }
  if (f & kBadness) {
    ++badness_;
    matched = true;
  }
  if (matched) Keep(line);
}

// GP hangs and bad sequences (the kernel's parse-console.sh): the "ver:"
// of the stats lines (/torture:.*ver:/, but not "(null)" or "rtc: 0+ "
// ones) must strictly increase. Its first non-increase is judged at the
// end: a repeat that lasts to the end is a GP HANG, anything else a BAD
// SEQ.
void ConsoleScanner::VerLine(std::string_view line, const Hits& hits,
                             size_t torture_colon) {
  constexpr size_t npos = std::string_view::npos;
  const size_t t =
      torture_colon != 0 ? torture_colon - 7 : Find(line, "torture:");
  const size_t last = hits.last[kTrackVer];  // the last "ver:"
  if (t == npos || last < t + 8) return;
  if (hits.flags & kNull) return;
  if (hits.flags & kRtcZero) {
    for (size_t p = hits.first[kTrackRtc]; p != npos;
         p = hits.count[kTrackRtc] > 1 ? Find(line, "rtc: 0", p + 1) : npos) {
      size_t q = p + 5;
      while (q < line.size() && line[q] == '0') ++q;
      if (q < line.size() && line[q] == ' ') return;
    }
  }
  ++nver_;
  // The number after the last " ver: " (the line's first word if none);
  // -1 if it is not a number.
  std::string_view v = line;
  for (size_t q = last; q != npos;) {  // the last " ver: "
    if (q > 0 && line[q - 1] == ' ' && q + 4 < line.size() &&
        line[q + 4] == ' ') {
      v = line.substr(q + 5);
      break;
    }
    q = q == 0 || hits.count[kTrackVer] == 1
            ? npos
            : RFind(line.substr(0, q + 3), "ver:");
  }
  v = v.substr(0, v.find(' '));
  const double x = AllDigits(v) ? AwkValue(v) : -1;
  if (nver_ > 1 && firstbad_ == 0 && x <= prevver_) {
    firstbad_ = nver_;
    fb_prev_ = prevver_;
    fb_v_ = x;
  }
  prevver_ = x;
}

std::string ConsoleScanner::Finish() {
  if (!done_ && !partial_.empty()) {
    const std::string last = std::move(partial_);
    partial_.clear();
    RawLine(last);
  }
  const std::string& t = title_;
  std::string out;
  if (!decided_ && nodd_ * 10 > nbytes_) binary_ = nodd_;
  if (binary_ != 0) {
    out += "BUG: " + t + " console log is not text (" + AwkNumber(binary_) +
           " of its first " +
           AwkNumber(nbytes_ < kTextCheckBytes ? nbytes_ : kTextCheckBytes) +
           " bytes are neither printable nor blank); not parsed\n";
    out += "Verdict: " + t + ": none (not text)\n";
    out += "Summary: " + t + ": Not text: 1\n";
    out += "#errors 1\n";
    return out;
  }
  if (pending_set_) {
    ClassifyPending();
    pending_set_ = false;
  }
  if (nr_ == 0) {
    out += "BUG: " + t + " empty console log (the run wrote nothing)\n";
    out += "Verdict: " + t + ": none (empty log)\n";
    out += "Summary: " + t + ": Empty: 1\n";
    out += "#errors 1\n";
    return out;
  }
  std::string seq;
  bool gphang = false;
  bool badseq = false;
  if (firstbad_ != 0 && fb_v_ == fb_prev_ && fb_v_ == prevver_) {
    seq = "GP HANG at " + AwkPrintfD(fb_v_) + " torture stat " +
          AwkPrintfD(firstbad_);
    gphang = true;
  } else if (firstbad_ != 0) {
    seq = "BAD SEQ " + AwkPrintfD(fb_prev_) + ":" + AwkPrintfD(fb_v_) +
          " last:" + AwkPrintfD(prevver_) + " version " + AwkPrintfD(firstbad_);
    badseq = true;
  }
  bool failures = false;
  if (verdict_ == "FAILURE" || errors_ != 0) {
    failures = true;
    // awk's bangsum >= 0 holds while it is unset (and prints as "").
    if (!bangsum_set_ || bangsum_ >= 0) {
      out += "BUG: " + t + " FAILURE, " +
             (bangsum_set_ ? AwkNumber(bangsum_) : "") + " instances\n";
    } else if (has_lastbang_) {
      out += "BUG: " + t + " FAILURE, " + lastbang_ + "\n";
    } else {
      out += "BUG: " + t + " FAILURE\n";
    }
  }
  bool noverdict = false;
  std::string vline;
  const std::string seq_tail = seq.empty() ? "" : ": " + seq;
  if (verdict_.empty()) {
    noverdict = true;
    if (started_ != 0) {
      out += "BUG: " + t + " no End of test line (the run died), " +
             AwkNumber(nver_) + " successful version messages" + seq_tail +
             "\n";
      vline = "none (the log stops after its Start of test line, line " +
              AwkNumber(started_) + ": the run died or the log is truncated)";
    } else {
      out += "BUG: " + t +
             " no Start of test and no End of test line (an excerpt, or not an "
             "rcutorture console), " +
             AwkNumber(nver_) + " version messages" + seq_tail + "\n";
      vline =
          "none (no Start of test line: an excerpt, or not an rcutorture "
          "console)";
    }
  } else {
    vline = verdict_ + " (End of test at line " + AwkNumber(verdict_nr_) + ")";
    if (!seq.empty()) out += "WARNING: " + t + " " + seq + "\n";
  }
  if (hotplug_ != 0) out += "WARNING: HOTPLUG FAILURES " + t + "\n";
  for (const std::string& w : hung_) out += "BUG: " + t + " " + w + "\n";
  if (nul_) out += "WARNING: " + t + " console output contains NUL bytes\n";
  if (late_ != 0) {
    out += "BUG: " + t + " " + AwkNumber(late_) +
           " late callbacks into unloaded modules (modules: field)\n";
  }
  if (panics_ != 0) out += "BUG: " + t + " kernel panic\n";
  if (batch_set_) {
    SplitFields(batch_, &fields_);
    double s = 0;
    for (size_t i = 2; i < fields_.size(); ++i) s += AwkValue(fields_[i]);
    closecalls_ = s;
  }
  int64_t stalls = stalls_;
  int64_t xstalls = 0;
  if (stall_expected_ && stalls != 0) {
    xstalls = stalls;
    stalls = 0;
  }
  // Close calls: a BUG when more than 5 per tenth of an hour (and more
  // than one), else a WARNING (kvm-recheck-rcu.sh); never an error.
  if (closecalls_ != 0) {
    const bool bug = dur_ > 0 && std::trunc(closecalls_ * 36000 / dur_) > 5 &&
                     closecalls_ > 1;
    std::string minutes = "?";
    if (dur_ > 0) {
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.1f", dur_ / 60);
      minutes = buf;
    }
    out += std::string(bug ? "BUG" : "WARNING") + ": " +
           AwkNumber(closecalls_) + " Reader Batch close calls in " + minutes +
           " minute run: " + t + " (reported, not counted as an error)\n";
  }
  for (const std::string& k : kept_) {
    out += k;
    out += '\n';
  }
  if (dropped_ != 0)
    out += "... " + AwkNumber(dropped_) + " more matching lines in the log\n";
  const int64_t hung = static_cast<int64_t>(hung_.size());
  const int64_t nerr = failures + errors_ + gphang + badseq + noverdict +
                       hotplug_ + hung + panics_ + crashes_ + bugs_ + lockdep_ +
                       warnings_ + stalls + starves_ + wstalls_ + traces_ +
                       badness_ + (late_ > 0) + nul_;
  std::string s;
  const auto add = [&s](const char* name, int64_t n) {
    if (n != 0) s += std::string("  ") + name + ": " + AwkNumber(n);
  };
  add("Failures", failures);
  add("Errors", errors_);
  add("GP hangs", gphang);
  add("Bad seqs", badseq);
  add("No verdict", noverdict);
  add("Hotplug", hotplug_);
  add("Hangs", hung);
  add("Panics", panics_);
  add("Crashes", crashes_);
  add("Bugs", bugs_);
  add("Lockdep splats", lockdep_);
  add("Warnings", warnings_);
  add("Stalls", stalls);
  add("Starves", starves_);
  add("Writer stalls", wstalls_);
  add("Call traces", traces_);
  add("Badness", badness_);
  if (late_ != 0) s += "  Late callbacks: " + AwkNumber(late_);
  add("NUL bytes", nul_);
  std::string r;
  if (xstalls != 0) r += "  Expected stalls: " + AwkNumber(xstalls);
  if (closecalls_ != 0) r += "  Close calls: " + AwkNumber(closecalls_);
  out += "Verdict: " + t + ": " + vline + "\n";
  if (nerr != 0) {
    out += "Summary: " + t + ":" + s.substr(1) + r + "\n";
  } else {
    out += "Summary: " + t + ": clean" + r + "\n";
  }
  out += "#errors " + AwkNumber(nerr) + "\n";
  return out;
}

bool FeedConsoleFile(const std::string& path, ConsoleScanner* scanner,
                     std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot read console log '" + path + "': " + std::strerror(errno);
    return false;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // 256 KiB: large enough for few read() calls, small enough to stay in
  // the cache while it is scanned.
  constexpr size_t kChunk = 256 * 1024;
  const std::unique_ptr<char[]> buf(new char[kChunk]);
  bool ok = true;
  while (!scanner->Done()) {
    const ssize_t n = read(fd, buf.get(), kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error =
          "cannot read console log '" + path + "': " + std::strerror(errno);
      ok = false;
      break;
    }
    if (n == 0) break;
    scanner->Feed(std::string_view(buf.get(), static_cast<size_t>(n)));
  }
  close(fd);
  return ok;
}

bool ReadWarningsFile(const std::string& path, ConsoleScanner* scanner,
                      std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) scanner->AddWarningsLine(line);
  if (in.bad()) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace torture

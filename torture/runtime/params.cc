// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/params.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "rcu/config.h"

namespace torture {
namespace {

// Debian's Abseil has its own string_view; convert at the boundary.
absl::string_view A(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Per-type parsing and printing.
absl::Status ParseValue(std::string_view name, std::string_view v, int* out) {
  if (!absl::SimpleAtoi(A(v), out)) {
    return absl::InvalidArgumentError(
        fmt::format("bad value '{}' for {}: expected an integer", v, name));
  }
  return absl::OkStatus();
}
absl::Status ParseValue(std::string_view name, std::string_view v,
                        uint64_t* out) {
  if (!absl::SimpleAtoi(A(v), out)) {
    return absl::InvalidArgumentError(fmt::format(
        "bad value '{}' for {}: expected an unsigned integer", v, name));
  }
  return absl::OkStatus();
}
absl::Status ParseValue(std::string_view name, std::string_view v, bool* out) {
  std::string s = absl::AsciiStrToLower(A(v));
  if (s == "1" || s == "y" || s == "yes" || s == "true" || s == "on") {
    *out = true;
  } else if (s == "0" || s == "n" || s == "no" || s == "false" || s == "off") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(
        fmt::format("bad value '{}' for {}: expected 0/1/true/false", v, name));
  }
  return absl::OkStatus();
}
absl::Status ParseValue(std::string_view, std::string_view v,
                        std::string* out) {
  *out = std::string(v);
  return absl::OkStatus();
}

// "" for kAnyValue, else ">= MIN" or "MIN..MAX".
std::string RangeText(ParamRange r) {
  if (r.min == kAnyValue.min && r.max == kAnyValue.max) return "";
  if (r.max == kAnyValue.max) return fmt::format(">= {}", r.min);
  return fmt::format("{}..{}", r.min, r.max);
}

// Parses `v` into *out; an integer must also lie in `range`.
template <typename T>
absl::Status SetValue(std::string_view name, std::string_view v,
                      ParamRange range, T* out) {
  T value{};
  if (absl::Status s = ParseValue(name, v, &value); !s.ok()) return s;
  if constexpr (std::is_same_v<T, int>) {
    if (value < range.min || value > range.max) {
      return absl::InvalidArgumentError(fmt::format(
          "bad value '{}' for {}: expected {}", v, name, RangeText(range)));
    }
  }
  *out = std::move(value);
  return absl::OkStatus();
}

// "auto, membarrier or fences": the reader modes, as rcu::ParseReaderMode()
// spells them.
std::string ReaderModeChoices() {
  const auto& n = rcu::kReaderModeNames;
  return fmt::format("{} or {}", absl::StrJoin(n.begin(), n.end() - 1, ", "),
                     n.back());
}

std::string Show(int v) { return std::to_string(v); }
std::string Show(uint64_t v) { return std::to_string(v); }
std::string Show(bool v) { return v ? "1" : "0"; }
std::string Show(const std::string& v) { return v; }

template <typename T>
const char* TypeName();
template <>
const char* TypeName<int>() {
  return "int";
}
template <>
const char* TypeName<bool>() {
  return "bool";
}
template <>
const char* TypeName<uint64_t>() {
  return "uint64";
}
template <>
const char* TypeName<std::string>() {
  return "string";
}

std::vector<ParamInfo> BuildTable() {
  std::vector<ParamInfo> t;
#define TORTURE_ROW(type, name, def, range, doc) \
  t.push_back({#name, TypeName<type>(), #def, doc, kGroup, range});
  {
    constexpr ParamGroup kGroup = ParamGroup::kRcutorture;
    RCUTORTURE_PARAMS(TORTURE_ROW)
  }
  {
    constexpr ParamGroup kGroup = ParamGroup::kRcutree;
    RCUTREE_PARAMS(TORTURE_ROW)
  }
  {
    constexpr ParamGroup kGroup = ParamGroup::kHarness;
    HARNESS_PARAMS(TORTURE_ROW)
  }
#undef TORTURE_ROW
  // Defaults written as string literals print with their quotes; strip them.
  for (ParamInfo& r : t) {
    std::string_view d = r.def;
    if (d.size() >= 2 && d.front() == '"') {
      static std::vector<std::unique_ptr<std::string>> keep;
      keep.push_back(std::make_unique<std::string>(d.substr(1, d.size() - 2)));
      r.def = keep.back()->c_str();
    }
  }
  return t;
}

const ParamInfo* Find(std::string_view name) {
  for (const ParamInfo& r : ParamTable()) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

// Aliases accepted for convenience (the library's Config names).
std::string_view Canonical(std::string_view name) {
  if (name == "nr_cpu_ids") return "nr_cpus";
  if (name == "online_at_start") return "maxcpus";
  if (name == "fanout") return "rcu_fanout";
  if (name == "fanout_leaf") return "rcu_fanout_leaf";
  if (name == "fanout_exact") return "rcu_fanout_exact";
  if (name == "type") return "torture_type";
  return name;
}

// Integer ranges are checked where each value is set (SetValue()); these
// are the rules beyond them.
absl::Status Sanitize(Params& p) {
  // The kernel's rcu_torture_init() and rcu_torture_fwd_prog_init() rules
  // for values in range (negative ones were refused).
  if (p.test_boost_interval < 1) p.test_boost_interval = 1;
  if (p.test_boost_duration < 2) p.test_boost_duration = 2;
  if (p.fwd_progress_holdoff == 0) p.fwd_progress_holdoff = 1;
  if (p.fwd_progress_div == 0) p.fwd_progress_div = 4;
  // The one spelling of the modes is the library's (inline: no need to
  // link librcu, which a build without the rcu flavours does not).
  if (!rcu::ParseReaderMode(p.reader_mode).has_value()) {
    return absl::InvalidArgumentError(
        fmt::format("bad value '{}' for reader_mode: expected {}",
                    p.reader_mode, ReaderModeChoices()));
  }
  // Module-unload torture (modules.h).
  if (p.module_exit != "barrier" && p.module_exit != "synchronize" &&
      p.module_exit != "one-barrier" && p.module_exit != "none" &&
      p.module_exit != "counter") {
    return absl::InvalidArgumentError(
        fmt::format("bad value '{}' for module_exit: expected barrier, "
                    "synchronize, one-barrier, none or "
                    "counter",
                    p.module_exit));
  }
  if (p.module_exit == "one-barrier" && p.module_domains < 2) {
    return absl::InvalidArgumentError(
        "bad value 'one-barrier' for module_exit: needs module_domains >= 2");
  }
#if defined(RCU_LOCKDEP) && !RCU_LOCKDEP
  if (p.lockdep) {
    return absl::InvalidArgumentError(
        "bad value '1' for lockdep: lockdep-RCU is compiled out of this build "
        "(RCU_LOCKDEP=OFF)");
  }
#endif
  return absl::OkStatus();
}

// The directories a bare scenario name (no '/') is looked up in, after the
// working directory: an installed rcutorture's
// <bindir>/../<datadir>/rcutorture/configs, then the source tree's
// configs/ (a build inside the source tree). Both relative to the
// executable or fixed at build time, so an installed tree may be moved.
std::vector<std::filesystem::path> ScenarioDirs() {
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path().parent_path() / TORTURE_INSTALL_DATADIR /
                   "rcutorture" / "configs");
  }
  dirs.push_back(TORTURE_SOURCE_CONFIGS_DIR);
  return dirs;
}

// The scenario file --config=NAME names: NAME when it exists, else for a
// bare name the first ScenarioDirs() entry holding it. NotFound (one line,
// naming the places looked in) when there is none; InvalidArgument when
// what it names is a directory.
absl::StatusOr<std::filesystem::path> FindScenario(const std::string& config) {
  std::filesystem::path cfg(config);
  std::error_code ec;  // unreadable: not a directory here, "cannot read" later
  if (std::filesystem::is_directory(cfg, ec)) {
    return absl::InvalidArgumentError(
        fmt::format("--config={}: is a directory", config));
  }
  if (std::filesystem::exists(cfg)) return cfg;
  if (config.find('/') != std::string::npos) {
    return absl::NotFoundError(
        fmt::format("cannot read scenario file '{}'", config));
  }
  std::vector<std::string> tried;
  for (const std::filesystem::path& dir : ScenarioDirs()) {
    std::filesystem::path f = dir / config;
    if (std::filesystem::is_directory(f, ec)) {
      return absl::InvalidArgumentError(
          fmt::format("--config={}: {} is a directory", config,
                      f.lexically_normal().string()));
    }
    if (std::filesystem::exists(f)) return f.lexically_normal();
    tried.push_back(dir.lexically_normal().string());
  }
  return absl::NotFoundError(
      fmt::format("cannot read scenario file '{}' (not in the working "
                  "directory, nor in {})",
                  config, absl::StrJoin(tried, ", nor in ")));
}

}  // namespace

const std::vector<ParamInfo>& ParamTable() {
  static const std::vector<ParamInfo>* t =
      new std::vector<ParamInfo>(BuildTable());
  return *t;
}

absl::Status SetParam(Params& p, std::string_view raw_name,
                      std::string_view value) {
  std::string_view name = Canonical(raw_name);
  if (name == "duration") {
    absl::StatusOr<int> secs = ParseDurationSecs(value);
    if (!secs.ok()) return secs.status();
    p.duration = std::string(value);
    p.shutdown_secs = *secs;
    return absl::OkStatus();
  }
#define TORTURE_SET(type, pname, def, range, doc) \
  if (name == #pname) return SetValue(#pname, value, range, &p.pname);
  RCUTORTURE_PARAMS(TORTURE_SET)
  RCUTREE_PARAMS(TORTURE_SET)
  HARNESS_PARAMS(TORTURE_SET)
#undef TORTURE_SET
  return absl::NotFoundError(fmt::format("unknown parameter '{}'", raw_name));
}

std::string GetParam(const Params& p, std::string_view name) {
#define TORTURE_GET(type, pname, def, range, doc) \
  if (name == #pname) return Show(p.pname);
  RCUTORTURE_PARAMS(TORTURE_GET)
  RCUTREE_PARAMS(TORTURE_GET)
  HARNESS_PARAMS(TORTURE_GET)
#undef TORTURE_GET
  return "";
}

absl::StatusOr<int> ParseDurationSecs(std::string_view s) {
  if (s.empty()) return absl::InvalidArgumentError("bad value '' for duration");
  int mult = 1;
  std::string_view num = s;
  switch (s.back()) {
    case 's':
      mult = 1;
      num.remove_suffix(1);
      break;
    case 'm':
      mult = 60;
      num.remove_suffix(1);
      break;
    case 'h':
      mult = 3600;
      num.remove_suffix(1);
      break;
    case 'd':
      mult = 86400;
      num.remove_suffix(1);
      break;
    default:
      break;
  }
  int n = 0;
  if (!absl::SimpleAtoi(A(num), &n) || n < 0 || n > INT32_MAX / mult) {
    return absl::InvalidArgumentError(fmt::format(
        "bad value '{}' for duration: expected N, Ns, Nm, Nh or Nd", s));
  }
  return n * mult;
}

absl::Status ApplyToken(Params& p, std::string_view token,
                        std::string_view where) {
  auto err = [&](const absl::Status& s) {
    return absl::Status(
        s.code(),
        absl::StrCat(A(where), where.empty() ? "" : ": ", s.message()));
  };
  std::string_view t = token;
  bool flag = false;
  if (t.starts_with("--")) {
    t.remove_prefix(2);
    flag = true;
  }
  // A flag's name may spell '_' as '-' (--module-exit=none).
  std::string flag_tok;
  if (flag && t.substr(0, t.find('=')).find('-') != std::string_view::npos) {
    flag_tok = std::string(t);
    std::replace(
        flag_tok.begin(),
        flag_tok.begin() + std::min(flag_tok.find('='), flag_tok.size()), '-',
        '_');
    t = flag_tok;
  }
  std::string_view key = t, value;
  size_t eq = t.find('=');
  if (eq != std::string_view::npos) {
    key = t.substr(0, eq);
    value = t.substr(eq + 1);
  } else if (flag) {
    // "--x" alone: a bool set to true.
    const ParamInfo* r = Find(Canonical(key));
    if (r == nullptr || std::string_view(r->type) != "bool") {
      return err(absl::InvalidArgumentError(
          r == nullptr ? fmt::format("unknown parameter '{}'", token)
                       : fmt::format("missing value for '{}' (use {}=VALUE)",
                                     token, token)));
    }
    value = "1";
  } else {
    return err(absl::InvalidArgumentError(
        fmt::format("malformed token '{}': expected key=value", token)));
  }
  ParamGroup want;
  std::string_view name = key;
  if (flag) {
    want = ParamGroup::kHarness;  // flags may name any parameter
  } else if (key.starts_with("rcutorture.")) {
    name.remove_prefix(11);
    want = ParamGroup::kRcutorture;
  } else if (key.starts_with("torture.")) {
    name.remove_prefix(8);
    if (name != "random_shuffle") {
      return err(absl::InvalidArgumentError(
          fmt::format("unknown parameter '{}'", key)));
    }
    want = ParamGroup::kRcutorture;
  } else if (key.starts_with("rcupdate.")) {
    // kernel/rcu/update.c's stall timeout; the tree's parameter here.
    name.remove_prefix(9);
    if (name != "rcu_cpu_stall_timeout") {
      return err(absl::InvalidArgumentError(
          fmt::format("unknown parameter '{}'", key)));
    }
    want = ParamGroup::kRcutree;
  } else if (key.starts_with("rcutree.")) {
    name.remove_prefix(8);
    want = ParamGroup::kRcutree;
  } else if (key == "nr_cpus" || key == "maxcpus" || key == "rcu_nocbs") {
    want = ParamGroup::kRcutree;
  } else {
    return err(absl::InvalidArgumentError(fmt::format(
        "unknown parameter '{}' (expected rcutorture.X=V, rcutree.X=V, "
        "nr_cpus=N, maxcpus=N, rcu_nocbs=LIST or --X=V)",
        key)));
  }
  const ParamInfo* r = Find(Canonical(name));
  if (name == "duration") r = Find("duration");
  if (r == nullptr || (!flag && r->group != want)) {
    return err(
        absl::InvalidArgumentError(fmt::format("unknown parameter '{}'", key)));
  }
  absl::Status s = SetParam(p, name, value);
  if (!s.ok()) return err(s);
  return absl::OkStatus();
}

absl::Status ApplyScenarioFile(Params& p, const std::string& path) {
  // An ifstream opens a directory and reads nothing from it.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(fmt::format("{}: is a directory", path));
  }
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        fmt::format("cannot read scenario file '{}'", path));
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream ls(line);
    std::string tok;
    while (ls >> tok) {
      if (tok.starts_with("--config") || tok == "--help") {
        return absl::InvalidArgumentError(
            fmt::format("{}:{}: '{}' is not allowed in a scenario file", path,
                        lineno, tok));
      }
      absl::Status s = ApplyToken(p, tok, fmt::format("{}:{}", path, lineno));
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Params> ParseCommandLine(const std::vector<std::string>& args) {
  Params p;
  // First pass: --config (and --help, which wins over everything else).
  std::string config;
  for (const std::string& a : args) {
    if (a == "--config=") {
      return absl::InvalidArgumentError(
          "missing value for '--config' (use --config=FILE)");
    }
    if (a.starts_with("--config=")) config = a.substr(9);
    if (a == "--help" || a == "-h" || a == "--help=1") {
      p.help = true;
      return p;
    }
  }
  if (std::find(args.begin(), args.end(), "--config") != args.end()) {
    return absl::InvalidArgumentError(
        "missing value for '--config' (use --config=FILE)");
  }
  if (!config.empty()) {
    absl::StatusOr<std::filesystem::path> found = FindScenario(config);
    if (!found.ok()) return found.status();
    const std::filesystem::path& cfg = *found;
    std::filesystem::path common = cfg.parent_path() / "CFcommon";
    if (cfg.filename() != "CFcommon" && std::filesystem::exists(common)) {
      absl::Status s = ApplyScenarioFile(p, common.string());
      if (!s.ok()) return s;
    }
    absl::Status s = ApplyScenarioFile(p, cfg.string());
    if (!s.ok()) return s;
    p.config = cfg.string();
  }
  for (const std::string& a : args) {
    if (a.starts_with("--config=")) continue;
    absl::Status s = ApplyToken(p, a, "");
    if (!s.ok()) return s;
  }
  absl::Status s = Sanitize(p);
  if (!s.ok()) return s;
  return p;
}

std::string HelpText(const std::vector<std::string>& flavour_names) {
  std::string out;
  out +=
      "Usage: rcutorture [--config=SCENARIO] [--NAME=VALUE | "
      "rcutorture.NAME=VALUE |\n"
      "                   rcutree.NAME=VALUE | nr_cpus=N | maxcpus=N]...\n"
      "\n"
      "A userspace port of the Linux kernel's rcutorture. Runs writer, "
      "reader,\n"
      "fake-writer, stats, shuffler and stutter threads (and, as asked, "
      "barrier,\n"
      "forward-progress, fqs, stall and read-exit threads) against an RCU "
      "flavour,\n"
      "then prints '<type>-torture:--- End of test: SUCCESS' (exit 0) or "
      "FAILURE\n"
      "(exit 1). Exit 2: the watchdog saw a hang; exit 64: bad usage.\n"
      "\n";
  out +=
      "Flavours (torture_type): " + absl::StrJoin(flavour_names, ", ") + "\n";
  auto group = [&](ParamGroup g, const char* title) {
    out += fmt::format("\n{}\n", title);
    for (const ParamInfo& r : ParamTable()) {
      if (r.group != g) continue;
      std::string range = RangeText(r.range);
      out += fmt::format("  {:<28} {:<6} default {:<8} {}{}\n", r.name, r.type,
                         *r.def ? r.def : "\"\"", r.doc,
                         range.empty() ? "" : fmt::format(" [{}]", range));
    }
  };
  group(ParamGroup::kRcutorture,
        "rcutorture.* parameters (also --NAME=VALUE):");
  group(
      ParamGroup::kRcutree,
      "rcutree.* parameters, the tree under test (also --NAME=VALUE; nr_cpus= "
      "and maxcpus= bare):");
  group(ParamGroup::kHarness, "Harness parameters (--NAME=VALUE only):");
  return out;
}

std::string ParamLine(const Params& p) {
  std::vector<std::string> kv;
  for (const ParamInfo& r : ParamTable()) {
    if (r.group == ParamGroup::kHarness) continue;
    kv.push_back(absl::StrCat(r.name, "=", GetParam(p, r.name)));
  }
  kv.push_back(absl::StrCat("reader_delays=", p.reader_delays ? 1 : 0));
  kv.push_back(absl::StrCat("lockdep=", p.lockdep ? 1 : 0));
  kv.push_back(absl::StrCat("watchdog_secs=", p.watchdog_secs));
  kv.push_back(absl::StrCat("seed=", p.seed));
  return absl::StrJoin(kv, " ");
}

std::string ScenarioText(const Params& p) {
  std::string out;
  for (const ParamInfo& r : ParamTable()) {
    if (r.group == ParamGroup::kHarness) continue;
    absl::StrAppend(
        &out, r.group == ParamGroup::kRcutree ? "rcutree." : "rcutorture.",
        r.name, "=", GetParam(p, r.name), "\n");
  }
  absl::StrAppend(&out, "--reader_delays=", p.reader_delays ? 1 : 0, "\n");
  absl::StrAppend(&out, "--watchdog_secs=", p.watchdog_secs, "\n");
  absl::StrAppend(&out, "--seed=", p.seed, "\n");
  return out;
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// json.cc: the --json summary.
//
// One JSON object, versioned by "format_version" (currently 1). Readers
// must ignore fields they do not know; fields are only ever added within a
// version. Layout:
//   format, format_version, torture_type, verdict (the End line's),
//   exit_code, result (ResultName(exit_code): SUCCESS, FAILURE, HANG,
//   RCU_HOTPLUG, WARNINGS), seed,
//   reader_mode, duration_s (measured run time, start to fullstop),
//   params {every parameter, typed},
//   counters {ver, rta, rtaf, rtf, tfle, rtmbe, rtmbkf_fail, rtmbkf_tries,
//             rtbe, nt, n_error, warnings, reads, gps, bang_lines,
//             warning_lines},
//   rates {reads_per_s, updates_per_s, gps_per_s},
//   histograms {reader_pipe[11], reader_batch[11],
//               free_block_circulation[11]},
//   components {<table name>: {<counter>: n, ...}, ...}  (components that
//               count something: barrier, onoff, read_exit, ...),
//   writer_choices [first 64 update types chosen, RTWS names]
#include "torture/runtime/json.h"

#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace torture {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += c;
        }
    }
  }
  out.push_back('"');
  return out;
}

template <typename A>
std::string Array(const A& a) {
  std::vector<std::string> v;
  for (const auto& x : a) v.push_back(fmt::format("{}", x));
  return fmt::format("[{}]", absl::StrJoin(v, ", "));
}

}  // namespace

const char* ResultName(int exit_code) {
  switch (exit_code) {
    case kExitSuccess:
      return "SUCCESS";
    case kExitFailure:
      return "FAILURE";
    case kExitHang:
      return "HANG";
    case kExitHotplug:
      return "RCU_HOTPLUG";
    case kExitWarnings:
      return "WARNINGS";
    default:
      return "UNKNOWN";
  }
}

std::string JsonSummary(Run& s, const std::vector<ComponentRow>& table,
                        const char* verdict, int exit_code) {
  std::vector<std::string> params;
  for (const ParamInfo& r : ParamTable()) {
    std::string v = GetParam(s.p, r.name);
    std::string_view type = r.type;
    params.push_back(fmt::format("    {}: {}", Quote(r.name),
                                 type == "string" ? Quote(v) : v));
  }
  auto pipe = s.SumPipe();
  auto batch = s.SumBatch();
  std::array<long, kPipeLen + 1> wc{};
  for (int k = 0; k <= kPipeLen; ++k) wc[k] = s.pool.wcount[k].load();
  uint64_t reads = 0;
  for (uint64_t v : pipe) reads += v;
  uint64_t gps = s.end_gps - s.start_gps;
  double secs =
      static_cast<double>((s.stop_ns ? s.stop_ns : NowNs()) - s.start_ns) / 1e9;
  if (secs <= 0) secs = 1e-9;
  unsigned long ver = s.current_version.load();
  std::vector<std::string> choices;
  for (int c : s.writer_choices) choices.push_back(Quote(WriterStateName(c)));

  std::string out = "{\n";
  out += "  \"format\": \"rcutorture-summary\",\n";
  out += "  \"format_version\": 1,\n";
  out += fmt::format("  \"torture_type\": {},\n", Quote(s.type));
  out += fmt::format("  \"verdict\": {},\n", Quote(verdict));
  out += fmt::format("  \"exit_code\": {},\n", exit_code);
  out += fmt::format("  \"result\": {},\n", Quote(ResultName(exit_code)));
  out += fmt::format("  \"seed\": {},\n", s.p.seed);
  out += fmt::format("  \"reader_mode\": {},\n", Quote(s.reader_mode));
  out += fmt::format("  \"duration_s\": {:.3f},\n", secs);
  out += fmt::format("  \"params\": {{\n{}\n  }},\n",
                     absl::StrJoin(params, ",\n"));
  out += "  \"counters\": {\n";
  out += fmt::format(
      "    \"ver\": {}, \"rta\": {}, \"rtaf\": {}, \"rtf\": {}, \"tfle\": {},\n"
      "    \"rtmbe\": {}, \"rtmbkf_fail\": {}, \"rtmbkf_tries\": {}, \"rtbe\": "
      "{},\n"
      "    \"rtbke\": {}, \"rtbf\": {}, \"rtb\": {},\n"
      "    \"nt\": {}, \"n_error\": {}, \"warnings\": {}, \"reads\": {}, "
      "\"gps\": {},\n"
      "    \"bang_lines\": {}, \"warning_lines\": {}\n",
      ver, s.pool.n_alloc.load(), s.pool.n_alloc_fail.load(),
      s.pool.n_free.load(), s.pool.FreelistEmpty() ? 1 : 0, s.n_mberror.load(),
      s.n_mbchk_fail.load(), s.n_mbchk_tries.load(), s.n_barrier_error.load(),
      s.n_boost_ktrerror.load(), s.n_boost_failure.load(), s.n_boosts.load(),
      s.n_timers.load(), ErrorCount(), WarningCount(), reads, gps,
      BangLineCount(), WarningLineCount());
  out += "  },\n";
  out += fmt::format(
      "  \"rates\": {{\"reads_per_s\": {:.1f}, \"updates_per_s\": {:.1f}, "
      "\"gps_per_s\": {:.1f}}},\n",
      reads / secs, ver / secs, gps / secs);
  out += "  \"histograms\": {\n";
  out += fmt::format("    \"reader_pipe\": {},\n", Array(pipe));
  out += fmt::format("    \"reader_batch\": {},\n", Array(batch));
  out += fmt::format("    \"free_block_circulation\": {}\n", Array(wc));
  out += "  },\n";
  std::vector<std::string> comps;
  for (size_t i = 0; i < s.components.size() && i < table.size(); ++i) {
    std::vector<std::string> fields;
    for (const auto& [name, value] : s.components[i]->JsonCounters()) {
      fields.push_back(fmt::format("{}: {}", Quote(name), value));
    }
    if (fields.empty()) continue;
    comps.push_back(fmt::format("    {}: {{{}}}", Quote(table[i].name),
                                absl::StrJoin(fields, ", ")));
  }
  out += comps.empty() ? "  \"components\": {},\n"
                       : fmt::format("  \"components\": {{\n{}\n  }},\n",
                                     absl::StrJoin(comps, ",\n"));
  out +=
      fmt::format("  \"writer_choices\": [{}]\n", absl::StrJoin(choices, ", "));
  out += "}\n";
  return out;
}

}  // namespace torture

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/flavours/rcu_config.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "torture/runtime/params.h"

namespace torture {
namespace {

// One tree parameter: a value other than its default, and the check that
// the Config carries it.
struct TreeCase {
  const char* name;
  const char* value;
  std::function<void(const rcu::Config&)> check;
};

std::vector<TreeCase> TreeCases() {
  return {
      {"nr_cpus", "12",
       [](const rcu::Config& c) { EXPECT_EQ(c.nr_cpu_ids, 12); }},
      {"maxcpus", "5",
       [](const rcu::Config& c) { EXPECT_EQ(c.online_at_start, 5); }},
      {"rcu_fanout", "3", [](const rcu::Config& c) { EXPECT_EQ(c.fanout, 3); }},
      {"rcu_fanout_leaf", "4",
       [](const rcu::Config& c) { EXPECT_EQ(c.fanout_leaf, 4); }},
      {"rcu_fanout_exact", "1",
       [](const rcu::Config& c) { EXPECT_TRUE(c.fanout_exact); }},
      {"hz", "250", [](const rcu::Config& c) { EXPECT_EQ(c.hz, 250); }},
      {"jiffies_till_first_fqs", "7",
       [](const rcu::Config& c) { EXPECT_EQ(c.jiffies_till_first_fqs, 7); }},
      {"jiffies_till_next_fqs", "9",
       [](const rcu::Config& c) { EXPECT_EQ(c.jiffies_till_next_fqs, 9); }},
      {"gp_preinit_delay", "2",
       [](const rcu::Config& c) { EXPECT_EQ(c.gp_preinit_delay, 2); }},
      {"gp_init_delay", "3",
       [](const rcu::Config& c) { EXPECT_EQ(c.gp_init_delay, 3); }},
      {"gp_cleanup_delay", "4",
       [](const rcu::Config& c) { EXPECT_EQ(c.gp_cleanup_delay, 4); }},
      {"barrier_delay", "2",
       [](const rcu::Config& c) { EXPECT_EQ(c.barrier_delay, 2); }},
      {"blimit", "17", [](const rcu::Config& c) { EXPECT_EQ(c.blimit, 17); }},
      {"cb_gp_interval_us", "250",
       [](const rcu::Config& c) { EXPECT_EQ(c.cb_gp_interval_us, 250); }},
      {"caller_gps", "0",
       [](const rcu::Config& c) { EXPECT_FALSE(c.caller_gps); }},
      {"rcu_cpu_stall_timeout", "5",
       [](const rcu::Config& c) { EXPECT_EQ(c.stall_timeout_ms, 5000); }},
      {"reader_mode", "fences",
       [](const rcu::Config& c) {
         EXPECT_EQ(c.reader_mode, rcu::ReaderMode::kFences);
       }},
      {"rcu_nocbs", "0-1,4",
       [](const rcu::Config& c) { EXPECT_EQ(c.rcu_nocbs, "0-1,4"); }},
      {"kthread_prio", "2",
       [](const rcu::Config& c) { EXPECT_EQ(c.kthread_prio, 2); }},
      {"rcu_boost", "1", [](const rcu::Config& c) { EXPECT_TRUE(c.boost); }},
      {"rcu_boost_delay", "250",
       [](const rcu::Config& c) { EXPECT_EQ(c.boost_delay_ms, 250); }},
  };
}

// Every rcutree.* parameter reaches the Config: each set alone to a value
// other than its default, and all of them together.
TEST(RcuConfigFromParams, MapsEveryTreeParameter) {
  const Params defaults;
  Params all;
  std::set<std::string> covered;
  for (const TreeCase& t : TreeCases()) {
    SCOPED_TRACE(t.name);
    ASSERT_NE(GetParam(defaults, t.name), t.value)
        << "not a change from the default";
    Params p;
    ASSERT_TRUE(SetParam(p, t.name, t.value).ok());
    ASSERT_TRUE(SetParam(all, t.name, t.value).ok());
    absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
    ASSERT_TRUE(c.ok()) << c.status();
    t.check(*c);
    covered.insert(t.name);
  }
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(all);
  ASSERT_TRUE(c.ok()) << c.status();
  for (const TreeCase& t : TreeCases()) {
    SCOPED_TRACE(t.name);
    t.check(*c);
  }
  EXPECT_TRUE(c->Validate().ok()) << c->Validate();
  // A tree parameter added to params.h must be mapped, and listed above.
  for (const ParamInfo& r : ParamTable()) {
    if (r.group != ParamGroup::kRcutree) continue;
    EXPECT_TRUE(covered.count(r.name)) << r.name;
  }
}

// The parameters' defaults are the library's.
TEST(RcuConfigFromParams, DefaultsAreTheLibrarys) {
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(Params());
  ASSERT_TRUE(c.ok()) << c.status();
  const rcu::Config lib;
  EXPECT_EQ(c->nr_cpu_ids, lib.nr_cpu_ids);
  EXPECT_EQ(c->online_at_start, lib.online_at_start);
  EXPECT_EQ(c->fanout, lib.fanout);
  EXPECT_EQ(c->fanout_leaf, lib.fanout_leaf);
  EXPECT_EQ(c->fanout_exact, lib.fanout_exact);
  EXPECT_EQ(c->hz, lib.hz);
  EXPECT_EQ(c->jiffies_till_first_fqs, lib.jiffies_till_first_fqs);
  EXPECT_EQ(c->jiffies_till_next_fqs, lib.jiffies_till_next_fqs);
  EXPECT_EQ(c->gp_preinit_delay, lib.gp_preinit_delay);
  EXPECT_EQ(c->gp_init_delay, lib.gp_init_delay);
  EXPECT_EQ(c->gp_cleanup_delay, lib.gp_cleanup_delay);
  EXPECT_EQ(c->blimit, lib.blimit);
  // The one exception: the harness starts grace periods as soon as
  // callbacks need them (pacing makes them rarer, so the negative controls
  // would see fewer grace periods inside their readers); scenarios turn
  // the library's pacing on by name.
  EXPECT_EQ(c->cb_gp_interval_us, 0);
  EXPECT_NE(lib.cb_gp_interval_us, 0);
  EXPECT_EQ(c->caller_gps, lib.caller_gps);
  EXPECT_EQ(c->stall_timeout_ms, lib.stall_timeout_ms);
  EXPECT_EQ(c->reader_mode, lib.reader_mode);
  EXPECT_EQ(c->rcu_nocbs, lib.rcu_nocbs);
  EXPECT_EQ(c->kthread_prio, lib.kthread_prio);
  EXPECT_EQ(c->boost, lib.boost);
  EXPECT_EQ(c->boost_delay_ms, lib.boost_delay_ms);
  EXPECT_EQ(c->name, "rcu");
  EXPECT_TRUE(c->stall_sink);  // stall warnings go to the console log
}

TEST(RcuConfigFromParams, EveryReaderModeName) {
  for (const char* name : rcu::kReaderModeNames) {
    Params p;
    p.reader_mode = name;
    absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_STREQ(rcu::ReaderModeName(c->reader_mode), name);
  }
  Params p;
  p.reader_mode = "sometimes";
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "bad value 'sometimes' for reader_mode: expected auto, membarrier "
            "or fences");
}

TEST(ConsoleLineSink, OneConsoleLinePerLine) {
  testing::internal::CaptureStdout();
  ConsoleLineSink("rcu: INFO: first\n\tsecond\n");
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("-torture: rcu: INFO: first\n"), std::string::npos) << out;
  EXPECT_NE(out.find("-torture: \tsecond\n"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
}

// The describe line: the rcu flavour's fields, and with `tunables` the rest
// of the instance's configuration, as the instance has it.
TEST(DescribeRcu, ShowsTheInstance) {
  Params p;
  for (auto [name, value] : {std::pair{"nr_cpus", "4"},
                             {"rcu_fanout_leaf", "2"},
                             {"gp_init_delay", "3"},
                             {"rcu_nocbs", "0-1"},
                             {"rcu_cpu_stall_timeout", "7"},
                             {"reader_mode", "fences"},
                             {"jiffies_till_first_fqs", "2"}}) {
    ASSERT_TRUE(SetParam(p, name, value).ok()) << name;
  }
  absl::StatusOr<rcu::Config> c = RcuConfigFromParams(p);
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<std::unique_ptr<rcu::Rcu>> r = rcu::Rcu::Create(*c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(DescribeRcu(**r),
            "rcu: nr_cpu_ids=4 online=4 fanout=64 fanout_leaf=2 fanout_exact=0 "
            "hz=1000 "
            "reader_mode=fences tree: 0:3 ^0   0:1 ^0  2:3 ^1   ");
  EXPECT_EQ(
      DescribeRcu(**r, /*tunables=*/true, /*max_tree_chars=*/4),
      "rcu: nr_cpu_ids=4 online=4 fanout=64 fanout_leaf=2 fanout_exact=0 "
      "hz=1000 "
      "reader_mode=fences jiffies_till_first_fqs=2 jiffies_till_next_fqs=3 "
      "gp_preinit_delay=0 gp_init_delay=3 gp_cleanup_delay=0 blimit=1000 "
      "rcu_cpu_stall_timeout=7 rcu_nocbs=0-1 tree: 0:3 ");
}

}  // namespace
}  // namespace torture

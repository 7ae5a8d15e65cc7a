// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/runtime/params.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace torture {
namespace {

absl::StatusOr<Params> Parse(std::vector<std::string> args) {
  return ParseCommandLine(args);
}

TEST(Params, KernelDefaults) {
  Params p;
  EXPECT_EQ(p.torture_type, "rcu");
  EXPECT_EQ(p.nreaders, -1);
  EXPECT_EQ(p.nfakewriters, 4);
  EXPECT_EQ(p.stat_interval, 60);
  EXPECT_EQ(p.stutter, 5);
  EXPECT_EQ(p.shuffle_interval, 3);
  EXPECT_EQ(p.verbose, 1);
  EXPECT_EQ(p.shutdown_secs, 0);
  EXPECT_EQ(p.rcu_fanout, 64);
  EXPECT_EQ(p.rcu_fanout_leaf, 16);
}

TEST(Params, FlagsAndKernelTokens) {
  auto p = Parse({"--nreaders=4", "rcutorture.nfakewriters=2",
                  "rcutree.rcu_fanout_leaf=4", "nr_cpus=43", "maxcpus=8",
                  "torture.random_shuffle=1", "--gp_sync",
                  "rcutree.gp_init_delay=3"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->nreaders, 4);
  EXPECT_EQ(p->nfakewriters, 2);
  EXPECT_EQ(p->rcu_fanout_leaf, 4);
  EXPECT_EQ(p->nr_cpus, 43);
  EXPECT_EQ(p->maxcpus, 8);
  EXPECT_EQ(p->random_shuffle, 1);
  EXPECT_TRUE(p->gp_sync);
  EXPECT_EQ(p->gp_init_delay, 3);
}

TEST(Params, StallTimeout) {
  EXPECT_EQ(Params().rcu_cpu_stall_timeout, 21);  // the kernel's default
  auto p = Parse(
      {"rcupdate.rcu_cpu_stall_timeout=5"});  // kernel/rcu/update.c's name
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->rcu_cpu_stall_timeout, 5);
  p = Parse({"rcutree.rcu_cpu_stall_timeout=0"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->rcu_cpu_stall_timeout, 0);
  EXPECT_FALSE(Parse({"rcutree.rcu_cpu_stall_timeout=301"}).ok());
  EXPECT_FALSE(Parse({"rcutree.rcu_cpu_stall_timeout=-1"}).ok());
  EXPECT_FALSE(Parse({"rcupdate.rcu_expedited=1"}).ok());
  EXPECT_FALSE(
      Parse({"rcutorture.rcu_cpu_stall_timeout=5"}).ok());  // wrong group
}

TEST(Params, DurationSetsShutdownSecs) {
  EXPECT_EQ(*ParseDurationSecs("30s"), 30);
  EXPECT_EQ(*ParseDurationSecs("10m"), 600);
  EXPECT_EQ(*ParseDurationSecs("8h"), 8 * 3600);
  EXPECT_EQ(*ParseDurationSecs("1d"), 86400);
  EXPECT_EQ(*ParseDurationSecs("45"), 45);
  EXPECT_FALSE(ParseDurationSecs("10x").ok());
  EXPECT_FALSE(ParseDurationSecs("").ok());
  auto p = Parse({"--duration=2m"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shutdown_secs, 120);
}

TEST(Params, Sanitizing) {
  auto p =
      Parse({"--stutter=0", "--test_boost_duration=0", "--fwd_progress_div=0",
             "--fwd_progress_holdoff=0", "--test_boost_interval=0"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->stutter, 0);
  EXPECT_EQ(p->test_boost_duration, 2);
  EXPECT_EQ(p->fwd_progress_div, 4);
  EXPECT_EQ(p->fwd_progress_holdoff, 1);
  EXPECT_EQ(p->test_boost_interval, 1);
}

// Every integer parameter's range comes from the table: the default lies
// in it, its ends are accepted, one beyond either end is refused with one
// line naming the parameter and the value.
TEST(Params, IntegerRanges) {
  const Params defaults;
  int checked = 0;
  for (const ParamInfo& r : ParamTable()) {
    if (std::string_view(r.type) != "int") continue;
    SCOPED_TRACE(r.name);
    const int def = std::stoi(GetParam(defaults, r.name));
    EXPECT_GE(def, r.range.min);
    EXPECT_LE(def, r.range.max);
    for (int64_t bound : {r.range.min, r.range.max}) {
      if (bound == kAnyValue.min || bound == kAnyValue.max) continue;
      Params p;
      EXPECT_TRUE(SetParam(p, r.name, std::to_string(bound)).ok());
      const int64_t out = bound == r.range.min ? bound - 1 : bound + 1;
      absl::Status st = SetParam(p, r.name, std::to_string(out));
      ASSERT_FALSE(st.ok());
      EXPECT_EQ(st.message(),
                bound == r.range.min && r.range.max == kAnyValue.max
                    ? "bad value '" + std::to_string(out) + "' for " + r.name +
                          ": expected >= " + std::to_string(bound)
                    : "bad value '" + std::to_string(out) + "' for " + r.name +
                          ": expected " + std::to_string(r.range.min) + ".." +
                          std::to_string(r.range.max));
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
}

TEST(Params, NegativeValues) {
  // Intervals, durations, holdoffs and counts: refused, wherever they are set.
  struct Case {
    const char* token;
    const char* message;
  };
  for (const Case& c : {
           Case{"rcutorture.onoff_interval=-1",
                "bad value '-1' for onoff_interval: expected >= 0"},
           Case{"--stutter=-3", "bad value '-3' for stutter: expected >= 0"},
           Case{"--stat_interval=-1",
                "bad value '-1' for stat_interval: expected >= 0"},
           Case{"--shutdown_secs=-5",
                "bad value '-5' for shutdown_secs: expected >= 0"},
           Case{"--fqs_holdoff=-1",
                "bad value '-1' for fqs_holdoff: expected >= 0"},
           Case{"--nocbs_nthreads=-1",
                "bad value '-1' for nocbs_nthreads: expected >= 0"},
           Case{"--n_barrier_cbs=-2",
                "bad value '-2' for n_barrier_cbs: expected >= 0"},
           Case{"rcutree.gp_init_delay=-1",
                "bad value '-1' for gp_init_delay: expected >= 0"},
           Case{"--gp_poll_wi=0",
                "bad value '0' for gp_poll_wi: expected >= 1"},
       }) {
    auto p = Parse({c.token});
    ASSERT_FALSE(p.ok()) << c.token;
    EXPECT_EQ(p.status().message(), c.message);
  }
  // The kernel's meanings of negative values stay.
  auto p = Parse({"--nreaders=-3", "--nfakewriters=-1", "--fwd_progress=-1",
                  "maxcpus=-1", "rcutree.jiffies_till_first_fqs=-1"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->nreaders, -3);
  EXPECT_EQ(p->nfakewriters, -1);
  EXPECT_EQ(p->fwd_progress, -1);
  EXPECT_FALSE(Parse({"maxcpus=-2"}).ok());
  // A scenario file's bad value is reported at its line.
  std::string dir = ::testing::TempDir() + "/negative";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/NEG") << "nr_cpus=8\nrcutorture.onoff_interval=-1\n";
  auto q = Parse({"--config=" + dir + "/NEG"});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(),
            dir + "/NEG:2: bad value '-1' for onoff_interval: expected >= 0");
}

TEST(Params, ConfigDirectoryIsRefused) {
  std::string dir = ::testing::TempDir() + "/a_directory";
  std::filesystem::create_directories(dir);
  auto p = Parse({"--config=" + dir});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "--config=" + dir + ": is a directory");
  Params q;
  EXPECT_FALSE(ApplyScenarioFile(q, dir).ok());
}

TEST(Params, BadInputNamesTheProblem) {
  auto a = Parse({"--nreaders=four"});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("nreaders"), std::string::npos);
  auto b = Parse({"--no_such_param=1"});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("no_such_param"), std::string::npos);
  EXPECT_FALSE(Parse({"rcutorture.rcu_fanout=2"}).ok());  // wrong group
  EXPECT_FALSE(Parse({"rcutree.nreaders=2"}).ok());
  EXPECT_FALSE(Parse({"bogus"}).ok());
  EXPECT_FALSE(Parse({"--nreaders"}).ok());  // int needs a value
  EXPECT_FALSE(Parse({"--config=/nonexistent/TREE99"}).ok());
  EXPECT_FALSE(Parse({"--reader_mode=sometimes"}).ok());
}

TEST(Params, ModuleParamsAndDashedFlags) {
  auto p = Parse({"--modules", "--n-modules=5", "--module-exit=one-barrier",
                  "--module_domains=2", "--module-check=0",
                  "--module_interval_ms=7"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->modules);
  EXPECT_EQ(p->n_modules, 5);
  EXPECT_EQ(p->module_exit, "one-barrier");
  EXPECT_EQ(p->module_domains, 2);
  EXPECT_FALSE(p->module_check);
  EXPECT_EQ(p->module_interval_ms, 7);
  // Kernel-style tokens keep their exact names.
  EXPECT_FALSE(Parse({"rcutorture.n-modules=5"}).ok());
}

TEST(Params, ModuleParamRanges) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--n_modules=17"},
        {"--n_modules=0"},
        {"--module_interval_ms=0"},
        {"--module_interval_ms=60001"},
        {"--module_domains=-1"},
        {"--module_domains=5"},
        {"--module_exit=barriers"},
        {"--module_exit=one-barrier", "--module_domains=1"}}) {
    auto p = Parse(bad);
    ASSERT_FALSE(p.ok()) << bad[0];
    EXPECT_NE(std::string(p.status().message())
                  .find(bad[0].substr(2, bad[0].find('=') - 2)),
              std::string::npos)
        << p.status();
  }
  EXPECT_TRUE(Parse({"--module_exit=one-barrier", "--module_domains=2"}).ok());
  EXPECT_TRUE(
      Parse({"--n_modules=16", "--module_domains=0", "--module_exit=none"})
          .ok());
}

TEST(Params, ScenarioFileWithCommonAndComments) {
  std::string dir = ::testing::TempDir() + "/cfgs";
  std::system(("mkdir -p " + dir).c_str());
  std::ofstream(dir + "/CFcommon") << "rcutorture.stat_interval=15 # common\n";
  std::ofstream(dir + "/SCEN")
      << "# a scenario\nnr_cpus=8\n"
         "rcutree.rcu_fanout=2 rcutree.rcu_fanout_leaf=2\n"
         "rcutorture.nreaders=3\n";
  auto p = Parse({"--config=" + dir + "/SCEN", "--nreaders=5"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->stat_interval, 15);
  EXPECT_EQ(p->nr_cpus, 8);
  EXPECT_EQ(p->rcu_fanout, 2);
  EXPECT_EQ(p->nreaders, 5);  // the command line wins over the scenario

  std::ofstream(dir + "/BAD") << "nr_cpus=8\nrcutorture.nreaders=x\n";
  auto bad = Parse({"--config=" + dir + "/BAD"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("BAD:2"), std::string::npos)
      << bad.status();
}

TEST(Params, ParamLineListsEveryKernelParameter) {
  Params p;
  std::string line = ParamLine(p);
  EXPECT_NE(line.find("nreaders=-1 nfakewriters=4 stat_interval=60"),
            std::string::npos);
  EXPECT_NE(line.find("rcu_fanout_leaf=16"), std::string::npos);
  EXPECT_NE(line.find("seed="), std::string::npos);
}

// ScenarioText() is the `config` file of scripts/torture.sh's results tree:
// read back as a scenario it must reproduce every parameter and the seed.
TEST(Params, ScenarioTextRoundTrips) {
  auto p = Parse({"nr_cpus=5", "rcutree.rcu_fanout_leaf=3", "--duration=2m",
                  "rcutorture.torture_type=busted", "--seed=77",
                  "--reader_delays=0", "rcu_nocbs=1,3-4", "--watchdog_secs=9"});
  ASSERT_TRUE(p.ok()) << p.status();
  std::string text = ScenarioText(*p);
  EXPECT_NE(text.find("\nrcutree.nr_cpus=5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rcutorture.shutdown_secs=120\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("rcutree.rcu_nocbs=1,3-4\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("--seed=77\n")) << text;
  std::string dir = ::testing::TempDir() + "/scenario_text";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config") << text;
  auto q = Parse({"--config=" + dir + "/config"});
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(ParamLine(*q), ParamLine(*p));
  EXPECT_EQ(ScenarioText(*q), text);
  // An empty string parameter survives the round trip too.
  auto d = Parse({});
  ASSERT_TRUE(d.ok());
  std::ofstream(dir + "/defaults") << ScenarioText(*d);
  auto e = Parse({"--config=" + dir + "/defaults"});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(ParamLine(*e), ParamLine(*d));
}

TEST(Params, HelpListsEveryParameter) {
  std::string help = HelpText({"rcu", "busted"});
  for (const ParamInfo& r : ParamTable()) {
    EXPECT_NE(help.find(r.name), std::string::npos) << r.name;
  }
  // With the range of each bounded integer, from the table.
  EXPECT_NE(help.find("; 0: none (also rcupdate.) [0..300]\n"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("(ms at hz=1000); 0: none [>= 0]\n"), std::string::npos)
      << help;
  EXPECT_NE(help.find("<0: online CPUs - 2 - value, min 1\n"),
            std::string::npos)
      << help;
}

}  // namespace
}  // namespace torture

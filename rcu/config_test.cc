// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "rcu/config.h"

#include <gtest/gtest.h>

namespace rcu {
namespace {

std::string Err(const Config& c) { return std::string(c.Validate().message()); }

TEST(Config, DefaultsAreValidAndResolve) {
  Config c;
  EXPECT_TRUE(c.Validate().ok());
  Config r = c.Resolved();
  EXPECT_GE(r.nr_cpu_ids, 1);
  EXPECT_EQ(r.online_at_start, r.nr_cpu_ids);
  EXPECT_EQ(r.jiffies_till_first_fqs, 3);  // 1 + (HZ>250) + (HZ>500) at HZ=1000
}

TEST(Config, FqsDefaultGrowsWithCpus) {
  Config c;
  c.nr_cpu_ids = 1024;
  EXPECT_EQ(c.Resolved().jiffies_till_next_fqs, 3 + 4);
}

TEST(Config, ErrorsNameTheField) {
  Config c;
  c.fanout = 1;
  EXPECT_NE(Err(c).find("Config.fanout = 1"), std::string::npos);
  c = Config();
  c.fanout_leaf = 65;
  EXPECT_NE(Err(c).find("fanout_leaf"), std::string::npos);
  c = Config();
  c.nr_cpu_ids = 4;
  c.online_at_start = 5;
  EXPECT_NE(Err(c).find("online_at_start"), std::string::npos);
  c = Config();
  c.hz = 0;
  EXPECT_NE(Err(c).find("Config.hz"), std::string::npos);
  c = Config();
  c.jiffies_till_next_fqs = 0;
  EXPECT_NE(Err(c).find("jiffies_till_next_fqs"), std::string::npos);
  c = Config();
  c.initial_gp_seq = 5;
  EXPECT_NE(Err(c).find("initial_gp_seq"), std::string::npos);
  c = Config();
  c.gp_init_delay = -1;
  EXPECT_NE(Err(c).find("gp_init_delay"), std::string::npos);
  c = Config();
  c.barrier_delay = -1;
  EXPECT_NE(Err(c).find("barrier_delay"), std::string::npos);
  c = Config();
  c.kthread_prio = 100;
  EXPECT_NE(Err(c).find("Config.kthread_prio = 100"), std::string::npos);
  c = Config();
  c.boost_delay_ms = -1;
  EXPECT_NE(Err(c).find("boost_delay_ms"), std::string::npos);
}

// CONFIG_RCU_BOOST implies a real-time grace-period thread, as the kernel's
// Kconfig default for RCU_KTHREAD_PRIO does.
TEST(Config, BoostImpliesKthreadPrio) {
  Config c;
  c.boost = true;
  EXPECT_EQ(c.Resolved().kthread_prio, 1);
  c.kthread_prio = 2;
  EXPECT_EQ(c.Resolved().kthread_prio, 2);
  EXPECT_EQ(Config().Resolved().kthread_prio, 0);
}

TEST(Config, ReaderModeNamesRoundTrip) {
  for (ReaderMode m :
       {ReaderMode::kAuto, ReaderMode::kMembarrier, ReaderMode::kFences}) {
    EXPECT_EQ(ParseReaderMode(ReaderModeName(m)), m) << ReaderModeName(m);
  }
  EXPECT_STREQ(ReaderModeName(ReaderMode::kAuto), "auto");
  EXPECT_STREQ(ReaderModeName(ReaderMode::kMembarrier), "membarrier");
  EXPECT_STREQ(ReaderModeName(ReaderMode::kFences), "fences");
  EXPECT_EQ(ParseReaderMode("sometimes"), std::nullopt);
  EXPECT_EQ(ParseReaderMode(""), std::nullopt);
  EXPECT_EQ(ParseReaderMode("Fences"), std::nullopt);  // exact spelling only
  static_assert(ParseReaderMode("fences") == ReaderMode::kFences);
}

}  // namespace
}  // namespace rcu

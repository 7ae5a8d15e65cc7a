// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// params.h: every rcutorture parameter, declared once.
//
// Each parameter is one line of an X-macro list below: type, name, default,
// the values accepted and a one-line doc, like the kernel's
//   torture_param(int, nreaders, -1, "Number of RCU reader threads");
// The lists generate the Params struct, the range checks, the `--help`
// text, the Start/End parameter lines and the JSON "params" object, so a
// parameter cannot be half-declared.
//
// The values accepted (integers only; kAnyValue for the other types):
// AtLeast(MIN) or Between(MIN, MAX). A value outside is refused where it is
// set, "bad value 'V' for NAME: expected >= MIN" (exit 64). A negative
// value is accepted only where it means something: nreaders, nfakewriters
// and fwd_progress (kAnyValue; see their docs), -1 for maxcpus and
// jiffies_till_*_fqs. Constraints between parameters (maxcpus <= nr_cpus,
// delays <= 10*hz, ...) are the rcu library's (rcu::Config::Validate()),
// checked by the flavours that build an instance.
//
// Three groups, by the prefix a kernel boot line gives them:
//   rcutorture.NAME=V   the torture test (kernel/rcu/rcutorture.c names)
//   rcutree.NAME=V      the shape of the Tree RCU under test (rcu and srcu
//                       flavours); nr_cpus=N and maxcpus=N are also accepted
//                       bare, as on a kernel command line
//   --NAME=V            everything, plus the harness-only parameters
//                       (seed, duration, config, json, watchdog_secs)
// `torture.random_shuffle=V` (kernel/torture.c) and
// `rcupdate.rcu_cpu_stall_timeout=V` (kernel/rcu/update.c) are accepted as
// well.
//
// Sources apply in this order, later ones winning: defaults, the scenario's
// directory's CFcommon, the scenario file (--config), the command line.
#ifndef TORTURE_RUNTIME_PARAMS_H_
#define TORTURE_RUNTIME_PARAMS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace torture {

// The values an integer parameter accepts: min..max.
struct ParamRange {
  int64_t min;
  int64_t max;
};
inline constexpr ParamRange kAnyValue = {INT64_MIN, INT64_MAX};
constexpr ParamRange AtLeast(int64_t min) { return {min, INT64_MAX}; }
constexpr ParamRange Between(int64_t min, int64_t max) { return {min, max}; }

// rcutorture.* parameters. Kernel names, kernel defaults.
#define RCUTORTURE_PARAMS(P)                                                   \
  P(std::string, torture_type, "rcu", kAnyValue,                               \
    "Type of RCU to torture (rcutorture --help lists them)")                   \
  P(int, nreaders, -1, kAnyValue,                                              \
    "Number of reader threads; <0: online CPUs - 2 - value, min 1")            \
  P(int, nfakewriters, 4, kAnyValue,                                           \
    "Number of fake-writer threads; <0 as for nreaders")                       \
  P(int, stat_interval, 60, AtLeast(0),                                        \
    "Seconds between stats lines; 0: final stats only")                        \
  P(int, verbose, 1, AtLeast(0),                                               \
    "Print Creating/Stopping/is stopping task lines (>1: more)")               \
  P(bool, test_no_idle_hz, true, kAnyValue,                                    \
    "Run the shuffler (idle one CPU in turn)")                                 \
  P(int, shuffle_interval, 3, AtLeast(0),                                      \
    "Seconds between shuffles of threads across CPUs")                         \
  P(int, stutter, 5, AtLeast(0),                                               \
    "Seconds of each global pause, and of each run period; 0: none")           \
  P(int, irqreader, 1, AtLeast(0),                                             \
    "Also read from emulated irq context: a signal to each torture thread "    \
    "in turn, ~1/ms (irq_capable flavours: rcu, srcu, srcud, urcu-memb, ...)") \
  P(int, fqs_duration, 0, AtLeast(0),                                          \
    "FQS burst duration, us; fqs thread only if fqs_duration and fqs_holdoff " \
    "are set")                                                                 \
  P(int, fqs_holdoff, 0, AtLeast(0),                                           \
    "Holdoff between FQS calls in a burst, us")                                \
  P(int, fqs_stutter, 3, AtLeast(0), "Wait between FQS bursts, s")             \
  P(int, test_boost, 1, Between(0, 2),                                         \
    "Priority-boost test: 0 no, 1 if the flavour boosts readers (rcu with "    \
    "rcu_boost=1), 2 always (BUSTED-BOOST); needs SCHED_FIFO")                 \
  P(int, test_boost_interval, 7, AtLeast(0),                                   \
    "Interval between boost tests, s")                                         \
  P(int, test_boost_duration, 4, AtLeast(0),                                   \
    "Duration of each boost test (RT spinning), s")                            \
  P(int, test_boost_holdoff, 0, AtLeast(0), "Holdoff before boost tests, s")   \
  P(int, shutdown_secs, 0, AtLeast(0),                                         \
    "Run this many seconds then clean up and exit; 0: until SIGINT/SIGTERM")   \
  P(int, stall_cpu, 0, AtLeast(0),                                             \
    "Induced reader stall duration, s; 0: none")                               \
  P(int, stall_cpu_holdoff, 10, AtLeast(0), "Wait before stalling, s")         \
  P(int, stall_cpu_irqsoff, 0, AtLeast(0),                                     \
    "Stall with irqs off (no irqs here: same as spinning)")                    \
  P(int, stall_cpu_block, 0, AtLeast(0),                                       \
    "Sleep inside the stalling reader instead of spinning")                    \
  P(int, stall_cpu_repeat, 0, AtLeast(0), "Extra stall episodes")              \
  P(int, stall_gp_kthread, 0, AtLeast(0),                                      \
    "Stall the grace-period thread this long, s, after stall_cpu_holdoff; "    \
    "0: none")                                                                 \
  P(int, n_barrier_cbs, 0, AtLeast(0),                                         \
    "Callback threads for barrier testing; 0: none")                           \
  P(int, onoff_interval, 0, AtLeast(0),                                        \
    "Time between vCPU hotplug operations, jiffies (ms at hz=1000); 0: none")  \
  P(int, onoff_holdoff, 0, AtLeast(0), "Time before hotplug starts, s")        \
  P(int, read_exit_delay, 13, AtLeast(0),                                      \
    "Delay between read-then-exit episodes, s")                                \
  P(int, read_exit_burst, 16, AtLeast(0),                                      \
    "Threads per read-exit episode; 0: none")                                  \
  P(int, fwd_progress, 1, kAnyValue,                                           \
    "Forward-progress threads; 0: none; <0: nr_cpu_ids")                       \
  P(int, fwd_progress_div, 4, AtLeast(0),                                      \
    "Fraction of stall time for the cond_resched test")                        \
  P(int, fwd_progress_holdoff, 60, AtLeast(0),                                 \
    "Time between forward-progress tests, s")                                  \
  P(int, fwd_progress_need_resched, 1, AtLeast(0),                             \
    "Hide cond_resched() behind need_resched() (never true here)")             \
  P(int, nocbs_nthreads, 0, AtLeast(0),                                        \
    "Callback-offload toggle threads; each (de)offloads random offline vCPUs") \
  P(int, nocbs_toggle, 1000, AtLeast(0), "Time between offload toggles, ms")   \
  P(int, preempt_duration, 0, AtLeast(0),                                      \
    "CPU hog: spin this long, ms, at SCHED_FIFO on one CPU; 0: no hog")        \
  P(int, preempt_interval, 1000, AtLeast(0), "Interval between CPU hogs, ms")  \
  P(bool, gp_cond, false, kAnyValue,                                           \
    "Use conditional grace periods (get_state + cond_sync)")                   \
  P(bool, gp_cond_exp, false, kAnyValue,                                       \
    "Use conditional expedited grace periods")                                 \
  P(bool, gp_cond_full, false, kAnyValue,                                      \
    "Use conditional full-state grace periods")                                \
  P(bool, gp_cond_exp_full, false, kAnyValue,                                  \
    "Use conditional expedited full-state grace periods")                      \
  P(int, gp_cond_wi, 16000, AtLeast(1),                                        \
    "Max random wait between get_state and cond_sync, us")                     \
  P(int, gp_cond_wi_exp, 128, AtLeast(1), "Same, expedited, us")               \
  P(bool, gp_exp, false, kAnyValue, "Use expedited synchronous grace periods") \
  P(bool, gp_normal, false, kAnyValue,                                         \
    "Use asynchronous grace periods (call chains)")                            \
  P(bool, gp_poll, false, kAnyValue,                                           \
    "Use polled grace periods (start_poll + poll_state)")                      \
  P(bool, gp_poll_exp, false, kAnyValue, "Use polled expedited grace periods") \
  P(bool, gp_poll_full, false, kAnyValue,                                      \
    "Use polled full-state grace periods")                                     \
  P(bool, gp_poll_exp_full, false, kAnyValue,                                  \
    "Use polled expedited full-state grace periods")                           \
  P(int, gp_poll_wi, 16000, AtLeast(1), "Max random wait between polls, us")   \
  P(int, gp_poll_wi_exp, 128, AtLeast(1), "Same, expedited, us")               \
  P(bool, gp_sync, false, kAnyValue, "Use synchronous grace periods")          \
  P(int, random_shuffle, 0, AtLeast(0),                                        \
    "Shuffler moves only a random half of the threads "                        \
    "(torture.random_shuffle)")

// rcutree.* parameters: the Tree RCU instance that the rcu flavours test,
// and that provides the SRCU flavours' vCPUs (flavours/rcu_config.h).
#define RCUTREE_PARAMS(P)                                                     \
  P(int, nr_cpus, 0, Between(0, 4096),                                        \
    "Possible vCPUs (nr_cpu_ids); 0: the machine's hardware threads")         \
  P(int, maxcpus, -1, AtLeast(-1),                                            \
    "vCPUs online at start (0..maxcpus-1); -1: all")                          \
  P(int, rcu_fanout, 64, Between(2, 64), "rcu_node fanout of interior nodes") \
  P(int, rcu_fanout_leaf, 16, Between(2, 64), "rcu_node fanout of leaves")    \
  P(bool, rcu_fanout_exact, false, kAnyValue,                                 \
    "Leaves hold exactly rcu_fanout_leaf vCPUs")                              \
  P(int, hz, 1000, Between(1, 10000),                                         \
    "Jiffies per second of the emulated tick")                                \
  P(int, jiffies_till_first_fqs, -1, AtLeast(-1),                             \
    "Jiffies before the first FQS scan; -1: kernel formula")                  \
  P(int, jiffies_till_next_fqs, -1, AtLeast(-1),                              \
    "Jiffies between FQS scans; -1: kernel formula")                          \
  P(int, gp_preinit_delay, 0, AtLeast(0),                                     \
    "Debug delay in GP pre-initialization, jiffies")                          \
  P(int, gp_init_delay, 0, AtLeast(0),                                        \
    "Debug delay in GP initialization, jiffies")                              \
  P(int, gp_cleanup_delay, 0, AtLeast(0),                                     \
    "Debug delay in GP cleanup, jiffies")                                     \
  P(int, barrier_delay, 0, AtLeast(0),                                        \
    "Debug delay after each vCPU rcu_barrier() visits, jiffies (not a "       \
    "kernel parameter)")                                                      \
  P(int, blimit, 1000, AtLeast(1), "Callbacks invoked per batch")             \
  P(int, cb_gp_interval_us, 0, Between(0, 1000000),                           \
    "Grace periods only callbacks wait for start this many us apart; 0: "     \
    "at once (the library's default is 1000; not a kernel parameter)")        \
  P(bool, caller_gps, true, kAnyValue,                                        \
    "A synchronize_rcu() that finds no grace period in progress runs its "    \
    "start itself; 0: all on the GP kthread (not a kernel parameter)")        \
  P(int, rcu_cpu_stall_timeout, 21, Between(0, 300),                          \
    "RCU CPU stall warning timeout, s; 0: none (also rcupdate.)")             \
  P(std::string, reader_mode, "auto", kAnyValue,                              \
    "Reader ordering: auto, membarrier or fences")                            \
  P(std::string, rcu_nocbs, "", kAnyValue,                                    \
    "Offloaded vCPUs, kernel cpulist (\"1,3-5\", \"all\"); also bare "        \
    "rcu_nocbs=")                                                             \
  P(int, kthread_prio, 0, Between(0, 99),                                     \
    "SCHED_FIFO priority of the GP thread and of boosted readers; 0: normal") \
  P(bool, rcu_boost, false, kAnyValue,                                        \
    "Boost readers that hold a grace period (CONFIG_RCU_BOOST)")              \
  P(int, rcu_boost_delay, 500, Between(0, 60000),                             \
    "Grace-period age before boosting, ms (CONFIG_RCU_BOOST_DELAY)")

// Harness-only parameters (flags only).
#define HARNESS_PARAMS(P)                                                      \
  P(uint64_t, seed, 0, kAnyValue,                                              \
    "Seed for every thread's generator; 0: from the clock (printed)")          \
  P(std::string, duration, "", kAnyValue,                                      \
    "Run time, e.g. 30s, 10m, 8h, 1d; sets shutdown_secs")                     \
  P(std::string, config, "", kAnyValue,                                        \
    "Scenario file, or a name in configs/ (installed or source tree); its "    \
    "directory's CFcommon first")                                              \
  P(std::string, json, "", kAnyValue, "Write a JSON summary to this file")     \
  P(int, watchdog_secs, 60, AtLeast(1),                                        \
    "Bound on one grace period, barrier or cleanup; exceeded: !!! and exit 2") \
  P(bool, lockdep, false, kAnyValue,                                           \
    "Turn lockdep-RCU on (suspicious RCU usage splats; each is an error); on " \
    "anyway in debug builds or with RCU_LOCKDEP=1")                            \
  P(bool, reader_delays, true, kAnyValue,                                      \
    "Readers take the kernel's random in-reader delays; 0: none (throughput "  \
    "runs)")                                                                   \
  P(bool, modules, false, kAnyValue,                                           \
    "Module-unload torture: load and unload torture modules that post "        \
    "callbacks")                                                               \
  P(int, n_modules, 3, Between(1, 16), "Modules loaded at once")               \
  P(int, module_interval_ms, 20, Between(1, 60000),                            \
    "Time between unloading one module and loading it again, ms")              \
  P(int, module_domains, 1, Between(0, 4),                                     \
    "Secondary callback domains the modules post on besides the flavour")      \
  P(std::string, module_exit, "barrier", kAnyValue,                            \
    "Module exit: barrier (correct); synchronize, one-barrier, none or "       \
    "counter (wrong: must FAIL)")                                              \
  P(bool, module_check, true, kAnyValue,                                       \
    "Check each callback into a module before calling it; 0: a late one "      \
    "crashes")                                                                 \
  P(std::string, module_path, "", kAnyValue,                                   \
    "The torture module; \"\": torture_module.so beside the binary, else the " \
    "installed one")                                                           \
  P(bool, help, false, kAnyValue, "Print this help and exit")                  \
  P(bool, print_params, false, kAnyValue,                                      \
    "Print the resolved parameters as a scenario file and exit")

struct Params {
#define TORTURE_DECLARE_FIELD(type, name, def, range, doc) type name = def;
  RCUTORTURE_PARAMS(TORTURE_DECLARE_FIELD)
  RCUTREE_PARAMS(TORTURE_DECLARE_FIELD)
  HARNESS_PARAMS(TORTURE_DECLARE_FIELD)
#undef TORTURE_DECLARE_FIELD
};

enum class ParamGroup { kRcutorture, kRcutree, kHarness };

// One row of the generated table.
struct ParamInfo {
  const char* name;
  const char* type;  // "int", "bool", "string", "uint64"
  const char* def;   // default, as text
  const char* doc;
  ParamGroup group;
  ParamRange range;  // kAnyValue for every non-integer
};
const std::vector<ParamInfo>& ParamTable();

// Sets parameter `name` (no prefix) to `value`. InvalidArgument naming the
// parameter and the value when the value does not parse or is outside the
// parameter's range; NotFound when no parameter has that name.
absl::Status SetParam(Params& p, std::string_view name, std::string_view value);
// The value of parameter `name` as text ("1"/"0" for bools).
std::string GetParam(const Params& p, std::string_view name);

// Applies one token: "rcutorture.x=y", "rcutree.x=y", "torture.x=y",
// "rcupdate.rcu_cpu_stall_timeout=y",
// "nr_cpus=N", "maxcpus=N", or "--x=y" / "--x" (bool true) / "x=y".
// `where` prefixes error messages ("configs/TREE01:3").
absl::Status ApplyToken(Params& p, std::string_view token,
                        std::string_view where);

// Reads a scenario file: whitespace-separated tokens, '#' to end of line is
// a comment. NotFound if the file cannot be read, InvalidArgument if it is
// a directory.
absl::Status ApplyScenarioFile(Params& p, const std::string& path);

// Parses a duration: plain seconds or N followed by s, m, h or d.
absl::StatusOr<int> ParseDurationSecs(std::string_view s);

// Parses argv (argv[0] excluded) as described in the file comment, then
// sanitizes (kernel rules: negative stutter -> 0, ...). Errors name the bad
// token; the caller prints them and exits 64.
absl::StatusOr<Params> ParseCommandLine(const std::vector<std::string>& args);

// The --help text: usage, then every parameter with group, default and doc.
std::string HelpText(const std::vector<std::string>& flavour_names);

// "k=v k=v ..." for the Start/End lines: every rcutorture.* parameter in
// table order, then the rcutree.* ones, then reader_delays, watchdog_secs
// and seed.
std::string ParamLine(const Params& p);

// The resolved parameters as a scenario file (--print_params): one token
// per line, "rcutorture.NAME=V" for every rcutorture.* parameter,
// "rcutree.NAME=V" for every rcutree.* one, then "--reader_delays=V",
// "--watchdog_secs=V" and "--seed=V". Fed back through --config it yields
// the same parameters (shutdown_secs included).
std::string ScenarioText(const Params& p);

}  // namespace torture

#endif  // TORTURE_RUNTIME_PARAMS_H_

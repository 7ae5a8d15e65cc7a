// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
#include "torture/flavours/ops_plugin.h"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "rcutorture/rcutorture_plugin.h"
#include "torture/flavours/flavours.h"
#include "torture/runtime/pool.h"

namespace torture {
namespace {

static_assert(sizeof(rcutorture_cb_head) <= sizeof(TortureHead::impl) &&
                  alignof(rcutorture_cb_head) <= alignof(TortureHead),
              "the plugin's callback head must fit in TortureHead::impl");

// The one plugin flavour of this process.
struct PluginFlavour {
  std::string name;
  rcutorture_ops_v1 t{};  // zero past the plugin's struct_size
  TortureOps ops;
  // Grace periods counted by the harness when get_gp_seq is NULL.
  std::atomic<uint64_t> gps{0};
  // The CPUs the OS had online when the plugin was loaded. Counted once:
  // glibc counts them by reading /sys/devices/system/cpu/online, and
  // every reader asks once per read.
  int online_cpus = 1;
};
PluginFlavour* g_flavour = nullptr;

const rcutorture_ops_v1& T() { return g_flavour->t; }

// Copies a line the plugin wrote into `buf` (NUL-terminated at the end,
// line breaks turned into blanks).
std::string Line(char* buf, size_t len) {
  buf[len - 1] = '\0';
  std::string s(buf);
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

// ---- The adapter: TortureOps functions over the loaded table. ----

absl::Status PluginInit(const Params&) {
  if (T().init == nullptr) return absl::OkStatus();
  char err[512] = {};
  if (T().init(err, sizeof(err)) == 0) return absl::OkStatus();
  std::string msg = Line(err, sizeof(err));
  return absl::InvalidArgumentError(
      fmt::format("{}: init failed: {}", g_flavour->name,
                  msg.empty() ? std::string("(no message)") : msg));
}
void PluginCleanup() {
  if (T().cleanup != nullptr) T().cleanup();
}
std::string PluginDescribe() {
  char buf[512] = {};
  T().describe(buf, sizeof(buf));
  return Line(buf, sizeof(buf));
}
std::string PluginStats() {
  char buf[1024] = {};
  T().stats(buf, sizeof(buf));
  return Line(buf, sizeof(buf));
}
void PluginThreadInit(int) {
  if (T().thread_init != nullptr) T().thread_init();
}
void PluginThreadExit() {
  if (T().thread_exit != nullptr) T().thread_exit();
}
void PluginReadDelay(TortureRandom& r) { T().read_delay(r()); }

// Without get_gp_seq, the grace-period count is that of the waits that
// returned.
uint64_t CountedGpSeq() {
  return g_flavour->gps.load(std::memory_order_relaxed);
}
void CountGp() { g_flavour->gps.fetch_add(1, std::memory_order_relaxed); }
void CountedSync() {
  T().sync();
  CountGp();
}
void CountedExpSync() {
  T().exp_sync();
  CountGp();
}
void CountedCondSync(uint64_t cookie) {
  T().cond_sync(cookie);
  CountGp();
}
uint64_t GpSeq() {
  return T().get_gp_seq != nullptr ? T().get_gp_seq() : CountedGpSeq();
}
uint64_t GpDiff(uint64_t newer, uint64_t older) { return newer - older; }
void GpData(int* flags, uint64_t* seq) {
  *flags = 0;
  *seq = GpSeq();
}
bool PollState(uint64_t cookie) { return T().poll_state(cookie) != 0; }

// The plugin's callback head is TortureHead::impl, at offset 0.
void Trampoline(rcutorture_cb_head* head) {
  TortureHead* h = reinterpret_cast<TortureHead*>(head);
  h->func(h);
}
void PluginCall(TortureHead* h, void (*func)(TortureHead*)) {
  h->func = func;
  T().call(reinterpret_cast<rcutorture_cb_head*>(h->impl), Trampoline);
}

const char* ReaderMode() { return g_flavour->name.c_str(); }
bool CanBoost() { return (T().caps & RCUTORTURE_CAP_BOOST) != 0; }
int CountHardwareCpus() {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  return n > 0 ? n : 1;
}
int HardwareCpus() { return g_flavour->online_cpus; }

TortureOps Adapt(const rcutorture_ops_v1& t, const std::string& name) {
  TortureOps o;
  o.name = name.c_str();
  o.init = PluginInit;
  o.cleanup = PluginCleanup;
  if (t.describe != nullptr) o.describe = PluginDescribe;
  o.thread_init = PluginThreadInit;
  o.thread_exit = PluginThreadExit;
  // The read side calls the plugin directly: no adapter in between.
  o.readlock = t.read_lock;
  o.readunlock = t.read_unlock;
  if (t.read_delay != nullptr) o.preempt = PluginReadDelay;
  o.quiescent_state = t.quiescent_state;
  o.thread_offline = t.thread_offline;
  o.thread_online = t.thread_online;
  const bool counted = t.get_gp_seq == nullptr;
  o.get_gp_seq = counted ? CountedGpSeq : t.get_gp_seq;
  o.gp_diff = GpDiff;
  o.sync = counted ? CountedSync : t.sync;
  if (t.exp_sync != nullptr) o.exp_sync = counted ? CountedExpSync : t.exp_sync;
  o.get_gp_state = t.get_state;
  o.start_gp_poll = t.start_poll;
  if (t.poll_state != nullptr) o.poll_gp_state = PollState;
  if (t.cond_sync != nullptr) {
    o.cond_sync = counted ? CountedCondSync : t.cond_sync;
  }
  if (t.call != nullptr) {
    o.call = PluginCall;
    o.deferred_free = CallDeferredFree;
    o.cb_barrier = t.cb_barrier;
    o.cb_barrier_name = "rcu_barrier";
  }
  o.fqs = t.fqs;
  if (t.stats != nullptr) o.stats = PluginStats;
  o.get_gp_data = GpData;
  o.total_gps = GpSeq;
  o.reader_mode = ReaderMode;
  o.num_online_cpus = HardwareCpus;
  o.exp_completes_gp_state = (t.caps & RCUTORTURE_CAP_EXP_COMPLETES_STATE) != 0;
  o.irq_capable = (t.caps & RCUTORTURE_CAP_IRQ_SAFE_READ) != 0;
  o.slow_gps = (t.caps & RCUTORTURE_CAP_SLOW_GPS) != 0;
  o.fwd_progress_capable = (t.caps & RCUTORTURE_CAP_FWD_PROGRESS) != 0;
  o.can_boost = CanBoost;
  o.cbflood_max = t.cbflood_max > 0 ? static_cast<long>(t.cbflood_max) : 0;
  return o;
}

// ---- Loading and checking. ----

bool GoodName(std::string_view n) {
  if (n.empty() || n.size() > 63) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

absl::Status Bad(const std::string& path, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("plugin {}: {}", path, what));
}

// Checks one table (already known to have the right version and size):
// its name and the functions it must have.
absl::Status CheckTable(const std::string& path, size_t index,
                        const rcutorture_ops_v1& t) {
  if (t.name == nullptr) {
    return Bad(path, fmt::format("flavour #{} has no name", index));
  }
  // A name longer than allowed is cut for the message.
  std::string name(t.name, strnlen(t.name, 64));
  if (!GoodName(name)) {
    return Bad(path, fmt::format("flavour #{} has a bad name \"{}\" (letters, "
                                 "digits, '_' and '-', at most 63)",
                                 index, name));
  }
  if (FindOps(name) != nullptr) {
    return Bad(
        path,
        fmt::format("flavour \"{}\" has the name of a built-in flavour", name));
  }
  struct Required {
    const char* field;
    bool set;
  };
  const Required required[] = {
      {"read_lock", t.read_lock != nullptr},
      {"read_unlock", t.read_unlock != nullptr},
      {"sync", t.sync != nullptr},
  };
  for (const Required& r : required) {
    if (!r.set) {
      return Bad(path, fmt::format("flavour \"{}\": required function {} is "
                                   "NULL",
                                   name, r.field));
    }
  }
  // Groups: all or none, or one needing another.
  auto need = [&](bool cond, std::string_view what) -> absl::Status {
    if (cond) return absl::OkStatus();
    return Bad(path, fmt::format("flavour \"{}\": {}", name, what));
  };
  const bool qs = t.quiescent_state != nullptr;
  if (absl::Status s = need(
          qs == (t.thread_offline != nullptr) &&
              qs == (t.thread_online != nullptr),
          "quiescent_state, thread_offline and thread_online must be all set "
          "or all NULL");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          need((t.get_state != nullptr) == (t.poll_state != nullptr),
               "get_state and poll_state must be both set or both NULL");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = need(t.start_poll == nullptr || t.poll_state != nullptr,
                            "start_poll needs poll_state");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = need(t.cond_sync == nullptr || t.get_state != nullptr,
                            "cond_sync needs get_state");
      !s.ok()) {
    return s;
  }
  return need((t.call != nullptr) == (t.cb_barrier != nullptr),
              "call and cb_barrier must be both set or both NULL");
}

}  // namespace

std::vector<std::filesystem::path> PluginDirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("RCUTORTURE_PLUGIN_PATH")) {
    for (absl::string_view d : absl::StrSplit(env, ':', absl::SkipEmpty())) {
      dirs.emplace_back(std::string(d));
    }
  }
  std::error_code ec;
  std::filesystem::path exe =
      std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path() / "plugins");
    dirs.push_back((exe.parent_path().parent_path() / TORTURE_INSTALL_LIBDIR /
                    "rcutorture" / "plugins")
                       .lexically_normal());
  }
  return dirs;
}

absl::StatusOr<const TortureOps*> LoadPluginFlavour(const std::string& path,
                                                    std::string_view name) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "--ops_plugin: no path (--ops_plugin=PATH.so)");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Bad(path, "no such file");
  // A name without '/' would be searched for in the library path.
  std::string open_path =
      path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = dlerror();
    return Bad(path, fmt::format("dlopen failed: {}", e ? e : "unknown error"));
  }
  dlerror();
  void* sym = dlsym(handle, RCUTORTURE_PLUGIN_ENTRY_V1);
  if (sym == nullptr) {
    return Bad(path, "no entry point " RCUTORTURE_PLUGIN_ENTRY_V1
                     "() (not an rcutorture plugin, or one of another ABI "
                     "version)");
  }
  auto entry = reinterpret_cast<rcutorture_plugin_v1_fn>(sym);
  const rcutorture_ops_v1* const* list = entry();
  if (list == nullptr || list[0] == nullptr) {
    return Bad(path, RCUTORTURE_PLUGIN_ENTRY_V1 "() returned no flavour");
  }
  std::vector<rcutorture_ops_v1> tables;
  for (size_t i = 0; list[i] != nullptr; ++i) {
    const rcutorture_ops_v1& t = *list[i];
    if (t.abi_version != RCUTORTURE_PLUGIN_ABI_VERSION) {
      return Bad(path,
                 fmt::format("flavour #{} has abi_version {}; this "
                             "rcutorture supports {}",
                             i, t.abi_version, RCUTORTURE_PLUGIN_ABI_VERSION));
    }
    if (t.struct_size < RCUTORTURE_OPS_V1_MIN_SIZE) {
      return Bad(path,
                 fmt::format("flavour #{} has struct_size {}, less than the "
                             "{} of the first rcutorture_ops_v1",
                             i, t.struct_size, RCUTORTURE_OPS_V1_MIN_SIZE));
    }
    // Fields the plugin does not know stay zero; fields this harness does
    // not know are left out.
    rcutorture_ops_v1 copy{};
    std::memcpy(&copy, &t,
                std::min<size_t>(t.struct_size, sizeof(rcutorture_ops_v1)));
    if (absl::Status s = CheckTable(path, i, copy); !s.ok()) return s;
    for (const rcutorture_ops_v1& o : tables) {
      if (std::strcmp(o.name, copy.name) == 0) {
        return Bad(path, fmt::format("two flavours named \"{}\"", copy.name));
      }
    }
    tables.push_back(copy);
  }
  std::vector<std::string> names;
  for (const rcutorture_ops_v1& t : tables) names.emplace_back(t.name);
  const rcutorture_ops_v1* chosen = nullptr;
  if (name.empty()) {
    if (tables.size() > 1) {
      return Bad(path, fmt::format("offers {} flavours ({}): choose one with "
                                   "--torture_type=plugin:NAME",
                                   tables.size(), absl::StrJoin(names, " ")));
    }
    chosen = &tables[0];
  } else {
    for (const rcutorture_ops_v1& t : tables) {
      if (name == t.name) chosen = &t;
    }
    if (chosen == nullptr) {
      return Bad(path, fmt::format("no flavour \"{}\" (offers: {}; choose one "
                                   "with --torture_type=plugin:NAME)",
                                   name, absl::StrJoin(names, " ")));
    }
  }
  g_flavour = new PluginFlavour;
  g_flavour->name = chosen->name;
  g_flavour->t = *chosen;
  g_flavour->ops = Adapt(g_flavour->t, g_flavour->name);
  g_flavour->online_cpus = CountHardwareCpus();
  return &g_flavour->ops;
}

absl::StatusOr<const TortureOps*> ResolveFlavour(
    std::string_view type, const std::optional<std::string>& ops_plugin,
    std::string* resolved) {
  constexpr std::string_view kPlugin = "plugin";
  constexpr std::string_view kPluginColon = "plugin:";
  const bool prefixed = type.substr(0, kPluginColon.size()) == kPluginColon;
  std::string_view name = prefixed ? type.substr(kPluginColon.size()) : type;
  if (ops_plugin.has_value()) {
    absl::StatusOr<const TortureOps*> ops =
        LoadPluginFlavour(*ops_plugin, type == kPlugin ? "" : name);
    if (ops.ok()) *resolved = (*ops)->name;
    return ops;
  }
  if (type == kPlugin) {
    return absl::InvalidArgumentError(
        "--torture_type=plugin needs --ops_plugin=PATH (or say "
        "--torture_type=plugin:NAME to load NAME.so from the plugin "
        "directories)");
  }
  if (!prefixed) {
    if (const TortureOps* ops = FindOps(name)) {
      *resolved = std::string(name);
      return ops;
    }
  }
  if (prefixed && !GoodName(name)) {
    return absl::InvalidArgumentError(
        fmt::format("--torture_type={}: bad flavour name \"{}\" (letters, "
                    "digits, '_' and '-', at most 63)",
                    type, name));
  }
  const std::vector<std::string>& urcu = PluginFlavourNames();
  const bool known =
      prefixed || std::find(urcu.begin(), urcu.end(), name) != urcu.end();
  if (!known && !GoodName(name)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid torture type: \"{}\" (valid: {})", type,
                    absl::StrJoin(OpsNames(), " ")));
  }
  std::vector<std::filesystem::path> dirs = PluginDirs();
  std::string file = std::string(name) + ".so";
  for (const std::filesystem::path& d : dirs) {
    std::error_code ec;
    std::filesystem::path f = d / file;
    if (std::filesystem::exists(f, ec)) {
      absl::StatusOr<const TortureOps*> ops =
          LoadPluginFlavour(f.string(), name);
      if (ops.ok()) *resolved = (*ops)->name;
      return ops;
    }
  }
  if (!known) {
    return absl::InvalidArgumentError(
        fmt::format("invalid torture type: \"{}\" (valid: {})", type,
                    absl::StrJoin(OpsNames(), " ")));
  }
  std::vector<std::string> shown;
  for (const std::filesystem::path& d : dirs) shown.push_back(d.string());
  return absl::NotFoundError(fmt::format("plugin {}: {} not found in {}", name,
                                         file, absl::StrJoin(shown, ", ")));
}

}  // namespace torture

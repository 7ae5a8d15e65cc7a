// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_plugin.h: RCU flavours loaded from plugins, shared objects written
// against the C ABI of torture/plugin/rcutorture/rcutorture_plugin.h, and
// the resolution of --torture_type (and --ops_plugin) to the TortureOps a
// run uses.
//
// A loaded flavour's struct rcutorture_ops_v1 is copied into one global
// and adapted into a TortureOps whose functions read that global (the
// TortureOps functions take no context): one plugin flavour per process.
// The plugin is never unloaded.
#ifndef TORTURE_FLAVOURS_OPS_PLUGIN_H_
#define TORTURE_FLAVOURS_OPS_PLUGIN_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "torture/runtime/ops.h"

namespace torture {

// The directories `plugin:NAME` looks for NAME.so in, in order: each entry
// of $RCUTORTURE_PLUGIN_PATH (colon-separated), then plugins/ beside the
// binary (the build tree), then <bindir>/../<libdir>/rcutorture/plugins
// (an installed rcutorture, wherever the tree was moved).
std::vector<std::filesystem::path> PluginDirs();

// Loads the plugin at `path` and adapts its flavour `name` ("": its only
// flavour). Every problem is one line (no "rcutorture: " prefix), for
// stderr and exit 64: the file is missing, dlopen() fails, the entry
// symbol is missing, a table has the wrong abi_version, a too small
// struct_size, no name, a bad or duplicate name, a required function
// missing, or no flavour has that name. Call once per process.
absl::StatusOr<const TortureOps*> LoadPluginFlavour(const std::string& path,
                                                    std::string_view name);

// Resolves the flavour a run tortures, from --torture_type (`type`) and
// --ops_plugin (`ops_plugin`, nullopt when not given):
//   with --ops_plugin: `plugin` (its only flavour), `plugin:NAME` or `NAME`
//     must name a flavour of that plugin;
//   `plugin:NAME`: NAME.so from PluginDirs(), flavour NAME;
//   a built-in flavour's name: its table;
//   urcu-memb, urcu-mb, urcu-qsbr, urcu-bp, urcu-signal (liburcu's
//     flavours, built as plugins beside the binary): as plugin:NAME;
//   any other name: as plugin:NAME when NAME.so is in PluginDirs(), else
//     the "invalid torture type" error.
// Sets *resolved to the flavour's own name, the torture_type the run
// prints and its output lines carry (so that the printed parameters
// replay). Errors are one line, without the "rcutorture: " prefix.
absl::StatusOr<const TortureOps*> ResolveFlavour(
    std::string_view type, const std::optional<std::string>& ops_plugin,
    std::string* resolved);

}  // namespace torture

#endif  // TORTURE_FLAVOURS_OPS_PLUGIN_H_

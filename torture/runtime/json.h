// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// json.h: the --json summary of a run (format in json.cc).
#ifndef TORTURE_RUNTIME_JSON_H_
#define TORTURE_RUNTIME_JSON_H_

#include <string>
#include <vector>

#include "torture/runtime/run.h"

namespace torture {

// The "result" of a run with this exit code: SUCCESS, FAILURE, HANG,
// RCU_HOTPLUG or WARNINGS (SUCCESS on the End line, WARNING lines printed).
const char* ResultName(int exit_code);

// `table` names run.components (same order).
std::string JsonSummary(Run& run, const std::vector<ComponentRow>& table,
                        const char* verdict, int exit_code);

}  // namespace torture

#endif  // TORTURE_RUNTIME_JSON_H_

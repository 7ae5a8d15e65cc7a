// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_urcu_signal.cc: liburcu's urcu-signal flavour (see ops_urcu_impl.h).
// It forces readers' memory barriers with SIGUSR1: the harness must not use
// that signal.
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-signal.h>

#define TORTURE_URCU_NAME "urcu-signal"
#define TORTURE_URCU_OPS kUrcuSignalOps
#define TORTURE_URCU_QSBR 0
#define TORTURE_URCU_BP 0
#include "torture/flavours/ops_urcu_impl.h"

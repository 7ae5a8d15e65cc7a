// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_urcu_mb.cc: liburcu's urcu-mb flavour (see ops_urcu_impl.h).
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-mb.h>

#define TORTURE_URCU_NAME "urcu-mb"
#define TORTURE_URCU_OPS kUrcuMbOps
#define TORTURE_URCU_QSBR 0
#define TORTURE_URCU_BP 0
#include "torture/flavours/ops_urcu_impl.h"

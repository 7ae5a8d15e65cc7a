// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_urcu_bp.cc: liburcu's urcu-bp flavour (see ops_urcu_impl.h).
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-bp.h>

#define TORTURE_URCU_NAME "urcu-bp"
#define TORTURE_URCU_OPS kUrcuBpOps
#define TORTURE_URCU_QSBR 0
#define TORTURE_URCU_BP 1
#include "torture/flavours/ops_urcu_impl.h"

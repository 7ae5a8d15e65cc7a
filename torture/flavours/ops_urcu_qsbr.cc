// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// ops_urcu_qsbr.cc: liburcu's urcu-qsbr flavour (see ops_urcu_impl.h).
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-qsbr.h>

#define TORTURE_URCU_NAME "urcu-qsbr"
#define TORTURE_URCU_OPS kUrcuQsbrOps
#define TORTURE_URCU_QSBR 1
#define TORTURE_URCU_BP 0
#include "torture/flavours/ops_urcu_impl.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_bp.c: the plugin of liburcu's urcu-bp flavour (urcu-bp.so; see
 * urcu_plugin_impl.h).
 */
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-bp.h>

#define URCU_PLUGIN_NAME "urcu-bp"
#define URCU_PLUGIN_QSBR 0
#define URCU_PLUGIN_BP 1
#include "urcu_plugin_impl.h"

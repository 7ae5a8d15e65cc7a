/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_qsbr.c: the plugin of liburcu's urcu-qsbr flavour (urcu-qsbr.so; see
 * urcu_plugin_impl.h).
 */
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-qsbr.h>

#define URCU_PLUGIN_NAME "urcu-qsbr"
#define URCU_PLUGIN_QSBR 1
#define URCU_PLUGIN_BP 0
#include "urcu_plugin_impl.h"

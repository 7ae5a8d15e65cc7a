/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_mb.c: the plugin of liburcu's urcu-mb flavour (urcu-mb.so; see
 * urcu_plugin_impl.h).
 */
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-mb.h>

#define URCU_PLUGIN_NAME "urcu-mb"
#define URCU_PLUGIN_QSBR 0
#define URCU_PLUGIN_BP 0
#include "urcu_plugin_impl.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_memb.c: the plugin of liburcu's urcu-memb flavour (urcu-memb.so; see
 * urcu_plugin_impl.h).
 */
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-memb.h>

#define URCU_PLUGIN_NAME "urcu-memb"
#define URCU_PLUGIN_QSBR 0
#define URCU_PLUGIN_BP 0
#include "urcu_plugin_impl.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * urcu_signal.c: the plugin of liburcu's urcu-signal flavour (urcu-signal.so;
 * see urcu_plugin_impl.h). It forces readers' memory barriers with SIGUSR1: the
 * harness must not use that signal.
 */
#define _LGPL_SOURCE
#define URCU_API_MAP
#include <urcu/urcu-signal.h>

#define URCU_PLUGIN_NAME "urcu-signal"
#define URCU_PLUGIN_QSBR 0
#define URCU_PLUGIN_BP 0
#include "urcu_plugin_impl.h"

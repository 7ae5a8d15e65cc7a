/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu-qsbr.h: librcu-urcu's qsbr flavour (urcu/urcu-qsbr.h) with the
 * unprefixed names (rcu_read_lock(), rcu_quiescent_state(), ...).
 */
#define URCU_API_MAP
#include <urcu/urcu-qsbr.h>

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu-bp.h: librcu-urcu's bp flavour (urcu/urcu-bp.h) with the
 * unprefixed names (rcu_read_lock(), ...).
 */
#define URCU_API_MAP
#include <urcu/urcu-bp.h>

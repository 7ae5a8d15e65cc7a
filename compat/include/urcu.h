/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu.h: librcu-urcu, librcu's liburcu-0.13-compatible C API; the
 * flavour picked by -DRCU_MEMBARRIER (default), -DRCU_MB or -DRCU_SIGNAL
 * (urcu/urcu.h), with the unprefixed names (rcu_read_lock(), ...).
 * Link -lrcu-urcu. See README.md of librcu's compat/ for the differences
 * from liburcu.
 */
#define URCU_API_MAP
#include <urcu/urcu.h>

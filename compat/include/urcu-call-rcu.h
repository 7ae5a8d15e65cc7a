/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu-call-rcu.h: the older spelling of <urcu/call-rcu.h>.
 */
#include <urcu/call-rcu.h>

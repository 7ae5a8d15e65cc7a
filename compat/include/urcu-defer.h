/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu-defer.h: the older spelling of <urcu/defer.h>.
 */
#include <urcu/defer.h>

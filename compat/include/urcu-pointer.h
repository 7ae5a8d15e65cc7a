/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu-pointer.h: the older spelling of <urcu/pointer.h>.
 */
#include <urcu/pointer.h>

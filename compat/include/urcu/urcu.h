/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copyright 2026 The rcutorture project authors.
 *
 * urcu/urcu.h: picks the flavour of <urcu.h>, as liburcu's does:
 * -DRCU_MEMBARRIER (the default), -DRCU_MB or -DRCU_SIGNAL. In librcu-urcu
 * all three read under librcu's default instance; only their symbol
 * prefixes differ (urcu_memb_, urcu_mb_, urcu_signal_).
 */
#ifndef _URCU_H
#define _URCU_H

#if !defined(RCU_MEMBARRIER) && !defined(RCU_SIGNAL) && !defined(RCU_MB)
#define RCU_MEMBARRIER
#endif

#if defined(RCU_MEMBARRIER)
#include <urcu/urcu-memb.h>
#elif defined(RCU_SIGNAL)
#include <urcu/urcu-signal.h>
#elif defined(RCU_MB)
#include <urcu/urcu-mb.h>
#else
#error "Unknown urcu flavor"
#endif

#endif /* _URCU_H */

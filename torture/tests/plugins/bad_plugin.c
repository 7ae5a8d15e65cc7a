/* SPDX-License-Identifier: Apache-2.0 */
/* Copyright 2026 The rcutorture project authors. */
/*
 * bad_plugin.c: tiny plugins for the loader's error cases
 * (plugin_bad_input_test.sh), one per macro:
 *   BAD_NO_ENTRY      exports no rcutorture_plugin_v1
 *   BAD_VERSION       abi_version 2
 *   BAD_SMALL_STRUCT  struct_size 16
 *   BAD_NO_SYNC       sync NULL
 *   BAD_CRASH_INIT    init dereferences a null pointer (SIGSEGV)
 *   BAD_INIT_ERROR    init fails with a message
 *   BAD_TWO_FLAVOURS  two good flavours, "alpha" and "beta"
 *   BAD_BUILTIN_NAME  a flavour named "busted", like a built-in one
 * Their RCU does nothing: no run gets past init with them.
 */
#include <stdio.h>

#include "rcutorture/rcutorture_plugin.h"

static void Nothing(void) {}

#ifdef BAD_CRASH_INIT
static int CrashInit(char *err, size_t err_len) {
  (void)err;
  (void)err_len;
  volatile int *volatile p = NULL;
  return *p;
}
#endif

#ifdef BAD_INIT_ERROR
static int FailInit(char *err, size_t err_len) {
  snprintf(err, err_len, "no RCU here (errno %d)", 42);
  return -1;
}
#endif

#if defined(BAD_VERSION)
#define ABI_VERSION 2
#else
#define ABI_VERSION RCUTORTURE_PLUGIN_ABI_VERSION
#endif
#if defined(BAD_SMALL_STRUCT)
#define STRUCT_SIZE 16
#else
#define STRUCT_SIZE sizeof(struct rcutorture_ops_v1)
#endif

static const struct rcutorture_ops_v1 kAlpha = {
    .abi_version = ABI_VERSION,
    .struct_size = STRUCT_SIZE,
#ifdef BAD_BUILTIN_NAME
    .name = "busted",
#else
    .name = "alpha",
#endif
#if defined(BAD_CRASH_INIT)
    .init = CrashInit,
#elif defined(BAD_INIT_ERROR)
    .init = FailInit,
#endif
    .read_lock = Nothing,
    .read_unlock = Nothing,
#ifndef BAD_NO_SYNC
    .sync = Nothing,
#endif
};

#ifdef BAD_TWO_FLAVOURS
static const struct rcutorture_ops_v1 kBeta = {
    .abi_version = RCUTORTURE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct rcutorture_ops_v1),
    .name = "beta",
    .read_lock = Nothing,
    .read_unlock = Nothing,
    .sync = Nothing,
};
static const struct rcutorture_ops_v1 *const kFlavours[] = {&kAlpha, &kBeta,
                                                            NULL};
#else
static const struct rcutorture_ops_v1 *const kFlavours[] = {&kAlpha, NULL};
#endif

#ifdef BAD_NO_ENTRY
/* Exported, but not under the entry point's name. */
RCUTORTURE_PLUGIN_EXPORT const struct rcutorture_ops_v1 *const *
rcutorture_plugin_v0(void) {
  return kFlavours;
}
#else
const struct rcutorture_ops_v1 *const *rcutorture_plugin_v1(void) {
  return kFlavours;
}
#endif

// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// export.h: RCU_EXPORT, the mark on what librcu.so exports.
//
// librcu is compiled with -fvisibility=hidden and -fvisibility-inlines-hidden,
// so the shared library's dynamic symbol table holds only the declarations
// marked RCU_EXPORT: the public API (classes are marked whole), and every
// symbol that the inline code of the public headers references, such as
// the reader fast path's internal::tls_readers and lockdep's switch. A program
// that links the static library librcu.a sees no difference.
#ifndef RCU_EXPORT_H_
#define RCU_EXPORT_H_

#define RCU_EXPORT __attribute__((visibility("default")))

#endif  // RCU_EXPORT_H_

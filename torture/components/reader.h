// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// reader.h: one checked read-side critical section, shared by the readers
// and the read-exit children.
#ifndef TORTURE_COMPONENTS_READER_H_
#define TORTURE_COMPONENTS_READER_H_

#include "torture/runtime/random.h"

namespace torture {

struct Run;

// rcu_torture_one_read(): one read-side critical section with the
// harness's checks. `myid` < 0: a reader without a mailbox or histogram
// slot of its own (read-exit children). False if there was no element yet.
bool TortureOneRead(Run& run, TortureRandom& r, int myid);

}  // namespace torture

#endif  // TORTURE_COMPONENTS_READER_H_

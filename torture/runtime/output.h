// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The rcutorture project authors.
//
// output.h: the harness's console lines, and the counts of the errors and
// warnings it printed.
//
// Every line is written whole and flushed under one lock, so that lines of
// concurrent threads never interleave. The kernel's prefixes: "<type>-torture:
// " for information, "<type>-torture:!!! " for errors, "WARNING: " for
// warnings. The errors counted here make the verdict FAILURE.
//
// Every line printed is also screened: a line carrying "!!!" anywhere, or
// starting with "WARNING:", is counted (BangLineCount(), WarningLineCount()),
// whoever printed it, so that no such line can end in a clean exit code.
#ifndef TORTURE_RUNTIME_OUTPUT_H_
#define TORTURE_RUNTIME_OUTPUT_H_

#include <string>
#include <string_view>

namespace torture {

// Sets the torture type printed in every prefix and the verbosity
// (the verbose parameter); before the first line of a run.
void InitOutput(std::string_view type, int verbose);
const std::string& TortureType();
int Verbosity();

void PrintLine(std::string_view line);   // raw, whole line, flushed
void TorOut(std::string_view s);         // "<type>-torture: s"
void VerboseTorOut(std::string_view s);  // same, if verbose
void TorErr(std::string_view s);         // "<type>-torture:!!! s"
// Multi-line text (a splat, a stall report, a state dump): one console line
// per '\n'-separated line, raw (PrintLines), with the "<type>-torture: "
// prefix (TorOutLines) or with the error prefix (TorErrLines).
void PrintLines(std::string_view text);
void TorOutLines(std::string_view text);
void TorErrLines(std::string_view text);

// Counts an error that makes the verdict FAILURE (n_rcu_torture_error) and
// prints it as a "<type>-torture:!!! " line.
void TortureError(std::string_view what);
// Counts `n` errors that were reported some other way.
void CountErrors(long n);
long ErrorCount();

// A kernel-style WARNING line (WARN_ONCE: the first of each kind is
// printed); every one is counted.
void TortureWarn(std::string_view where, std::string_view what);
long WarningCount();

// The console lines printed so far that carry "!!!" / start with "WARNING:".
long BangLineCount();
long WarningLineCount();

}  // namespace torture

#endif  // TORTURE_RUNTIME_OUTPUT_H_

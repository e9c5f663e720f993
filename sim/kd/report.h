/*
 * report.h - what a kernel debugger would show of a run: the bug check
 * report of CONTRACT section 2 and the one-line summaries of other outcomes.
 */
#ifndef DRVSIM_KD_REPORT_H
#define DRVSIM_KD_REPORT_H

#include <stdio.h>

#include "drvsim/drvsim.h"

/*
 * Writes the human report of a finished run to out:
 *  - a bug check as in CONTRACT section 2 (STOP line, name, driver and rule,
 *    time/CPU/IRQL/process, seed and digest, replay line), then, for a run
 *    whose outcome did not match its expect, why;
 *  - otherwise one line for the outcome (clean, timeout, error).
 * `replay` is the command that reproduces the run ("drvsim run x.lua --seed 42").
 */
void kd_report_write(FILE *out, const drvsim_result *r, const char *replay);

/* What an expect asked for: "clean", "timeout", or "bug check 0xC4 P1=0x62
 * driver leaky.sys". Returns buf. */
const char *kd_format_expect(const drvsim_expect *e, char *buf, size_t len);

#endif /* DRVSIM_KD_REPORT_H */

/*
 * kd.h - bug checks: the record that halts the simulated machine.
 *
 * A check site names its rule; the code and the sub-code parameter come from
 * the rule catalogue (vf/rules.h). The first bug check wins: the machine
 * stops, and every later DDI call refuses to run.
 */
#ifndef DRVSIM_KD_H
#define DRVSIM_KD_H

#include "io/io.h"
#include "ke/ke.h"
#include "vf/rules.h"

/*
 * Raises the rule's bug check with the caller's driver blamed. The sub-code
 * parameter is taken from the catalogue; `params` gives the other three in
 * order (P2, P3, P4 for a P1 sub-code; P1, P2, P3 for a P4 sub-code).
 */
void kd_raise(ke_call *call, rule_id rule, uint64_t a, uint64_t b, uint64_t c);

/* Raises with all four parameters given (rules without a sub-code, or a
 * driver's own KeBugCheckEx), code for rules whose code varies, a blamed
 * driver other than the caller (NULL = the caller's) and a detail line. */
void kd_raise_full(ke_call *call, rule_id rule, uint32_t code, const uint64_t params[4],
                   io_driver *blame, const char *detail);

#endif /* DRVSIM_KD_H */

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

/*
 * A warning: the rule's case found, reported and counted, and the run goes
 * on (a WDM DRIVER WARNING, which Windows reports without stopping: with a
 * kernel debugger attached it prints it). A trace record (in the digest)
 * and an entry of the run's warnings; `params` as kd_raise_full's.
 */
void kd_warn(ke_call *call, rule_id rule, const uint64_t params[4], io_driver *blame);

/* ------------------------------------------------------------------------ */
/* Debug output (dbgprint.c): DbgPrint, DbgPrintEx, KdPrint                 */
/* ------------------------------------------------------------------------ */

/* What one call transmits at most: longer output is cut, as DbgPrint's
 * 512-byte buffer cuts it. */
#define KD_DBGPRINT_MAX_BYTES 512u
/* Calls kept for the report; later ones still go into the trace. */
#define KD_DEBUG_OUTPUT_MAX_CALLS 4096u

/* One argument of a DbgPrint call: an integer (or a pointer's address), or a
 * host string (a Lua string literal) for %s / %ws. */
typedef struct kd_arg {
    bool is_text;
    uint64_t value;
    const char *text; /* is_text: NUL-terminated, owned by the caller */
} kd_arg;

/*
 * Formats the C printf subset drivers use: %d %i %u %x %X %o %p %s %ws %S %Z
 * %wZ %c %C %%, flags "-+ 0#", width and precision (or '*'), and the size
 * prefixes h, l, ll, I32, I64, I (pointer-sized), w. Strings given as pointers
 * are read as the caller's own loads (a bad pointer faults as in the driver;
 * returns false then). Integers are formatted from their bits, never from a
 * host address, so the text is the same on every host. `*missing` is set when
 * the format wants more arguments than were given (the text stops there).
 * Precondition: out_len > 0.
 */
bool kd_format(ke_call *call, const char *format, const kd_arg *args, size_t argc, char *out,
               size_t out_len, bool *missing);

/* Records one call's text: a trace record (thread, driver, component,
 * level, length, hash of the text: the output is observable, so it is in the
 * digest) and a line of the run's debug output. */
void kd_debug_output(ke_call *call, uint32_t component, uint32_t level, const char *text);

#endif /* DRVSIM_KD_H */

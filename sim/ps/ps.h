/*
 * ps.h - processes (process.c): the user processes a scenario creates.
 */
#ifndef DRVSIM_PS_H
#define DRVSIM_PS_H

#include "ke/ke.h"

/* First process id given to a user process; the next ones follow in steps
 * of 4, as Windows' ids are multiples of 4. */
#define PS_FIRST_USER_PROCESS_ID 0x100u

/* Creates a user process named `image` ("app.exe"), with its EPROCESS.
 * NULL on host OOM, an exhausted pool or too many processes. */
ps_process *ps_create_process(ke_machine *m, const char *image);

/* The process whose EPROCESS is at va, or NULL. */
ps_process *ps_process_at(const ke_machine *m, PVOID_VA eprocess);

/* Creates a thread of harness code in process p, READY: it runs host
 * routine `routine` (0 = none) with no arguments, and may call the harness
 * functions. NULL on host OOM. */
ke_thread *ps_create_harness_thread(ke_machine *m, ps_process *p, uint32_t routine);

/*
 * A user process's last thread ended (t, in whose context the kernel runs
 * down the process): the process ends, as on Windows, with a trace record,
 * and pages still locked in its context stop the machine (0xCB with
 * locked-page tracking, 0x76 without).
 */
void ps_process_ended(ke_machine *m, ps_process *p, ke_thread *t);

#endif /* DRVSIM_PS_H */

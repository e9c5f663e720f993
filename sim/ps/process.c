/*
 * process.c - user processes: the applications a scenario runs code in
 * (CreateProcess, RunInProcess, StartInProcess), so that a driver sees the
 * process context Windows would give it: PsGetCurrentProcess in a request
 * from an application is that application, quota is charged to it, and a
 * DPC that interrupts its thread runs in its context.
 *
 * A process here is its id, image name and EPROCESS; its address space is
 * the kernel's (user-mode memory is not modelled yet). It ends when its last
 * thread ends; no thread can be started in it after that.
 */
#include <string.h>

#include "ex/pool.h"
#include "mm/mdl.h"
#include "ps/ps.h"

ps_process *ps_create_process(ke_machine *m, const char *image)
{
    uint32_t users = m->process_count - 2; /* after System and Idle */
    ps_process *p = ke_create_process(m, PS_FIRST_USER_PROCESS_ID + 4u * users, image);
    if (p == NULL)
        return NULL;
    p->eprocess = ex_alloc_internal(m, NonPagedPool, KE_EPROCESS_SIZE, 0x636F7250u /* "Proc" */);
    if (p->eprocess == 0)
        return NULL; /* the registered process stays, unusable; the run ends */

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_PROCESS);
    des_rec_u32(&rec, p->id);
    des_rec_str(&rec, p->image);
    ke_trace_commit(m, &rec);
    return p;
}

ps_process *ps_process_at(const ke_machine *m, PVOID_VA eprocess)
{
    for (uint32_t i = 0; i < m->process_count; i++) {
        if (eprocess != 0 && m->processes[i]->eprocess == eprocess)
            return m->processes[i];
    }
    return NULL;
}

ke_thread *ps_create_harness_thread(ke_machine *m, ps_process *p, uint32_t routine)
{
    ke_thread *t = ke_create_thread(m, p, NULL);
    if (t == NULL)
        return NULL;
    t->harness = true;
    t->exec.start_routine = routine;
    t->exec.start_driver = NULL;
    t->exec.start_name = "UserThread";
    t->exec.start_argc = 0;
    return t;
}

void ps_process_ended(ke_machine *m, ps_process *p, ke_thread *t)
{
    KE_CHECK(m, !p->exited && p->live_threads == 0);
    p->exited = true;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_PROCESS_EXIT);
    des_rec_u32(&rec, p->id);
    ke_trace_commit(m, &rec);
    mdl_process_ended(m, p, t);
}

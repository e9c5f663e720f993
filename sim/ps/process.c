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

#include "ddi_table.h"
#include "ex/pool.h"
#include "mm/mdl.h"
#include "ob/ob.h"
#include "ke/hooks.h"
#include "ps/ps.h"

ps_process *ps_create_process(ke_machine *m, const char *image)
{
    uint32_t users = m->process_count - 2; /* after System and Idle */
    ps_process *p = ke_create_process(m, PS_FIRST_USER_PROCESS_ID + 4u * users, image);
    if (p == NULL)
        return NULL;
    p->privileges = ob_default_privileges();
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

ke_thread *ps_create_harness_thread(ke_machine *m, ps_process *p, uint32_t routine,
                                   ke_exec *creator)
{
    ke_thread *t = ke_create_thread(m, p, NULL);
    if (t == NULL)
        return NULL;
    t->harness = true;
    t->exec.start_routine = routine;
    t->exec.start_driver = NULL;
    t->exec.start_name = "UserThread";
    t->exec.start_argc = 0;
    /* It starts after its creator's call (the race detector's edge). */
    ke_hook_sync_exec(m, KE_EVENT_SYNC_RELEASE, t->object->va, creator, KE_ROLE_NONE);
    ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, t->object->va, &t->exec, KE_ROLE_NONE);
    return t;
}

/* ------------------------------------------------------------------------ */
/* Process-creation callbacks                                               */
/* ------------------------------------------------------------------------ */

static bool same_routine(const ke_machine *m, uint32_t a, uint32_t b)
{
    if (a == b)
        return true;
    return m->host.same_routine != NULL && m->host.same_routine(m->host.ctx, a, b);
}

/*
 * Registers (or with Remove, unregisters) a routine that the kernel calls at
 * PASSIVE_LEVEL, in the context of the creating thread, whenever a process
 * is created: NotifyRoutine(ParentId, ProcessId, Create = TRUE). Processes
 * never end here, so it is never called with Create FALSE. A routine
 * registered already, one more than PSP_MAX_CREATE_PROCESS_NOTIFY, or one
 * to remove that is not registered: STATUS_INVALID_PARAMETER. The routines
 * of PsSetCreateProcessNotifyRoutineEx (notify.c) share the list, in
 * registration order; a routine's two kinds are registered apart. Unloading
 * without removing it is not checked by Windows; the next process creation
 * runs code that is gone (0xCE).
 */
NTSTATUS ps_set_process_notify(ke_call *call, uint32_t NotifyRoutine, bool Remove, bool ex)
{
    ke_machine *m = call->m;
    for (uint32_t i = 0; i < m->process_notify_count; i++) {
        if (m->process_notify[i].driver != call->driver || m->process_notify[i].ex != ex ||
            !same_routine(m, m->process_notify[i].routine, NotifyRoutine))
            continue;
        if (!Remove)
            return STATUS_INVALID_PARAMETER;
        memmove(&m->process_notify[i], &m->process_notify[i + 1],
                (m->process_notify_count - i - 1) * sizeof m->process_notify[0]);
        m->process_notify_count--;
        return STATUS_SUCCESS;
    }
    if (Remove || NotifyRoutine == 0 || m->process_notify_count == KE_MAX_PROCESS_NOTIFY)
        return STATUS_INVALID_PARAMETER;
    m->process_notify[m->process_notify_count++] =
        (struct ke_notify){.driver = call->driver, .routine = NotifyRoutine, .ex = ex};
    return STATUS_SUCCESS;
}

NTSTATUS PsSetCreateProcessNotifyRoutine(ke_call *call, uint32_t NotifyRoutine, bool Remove)
{
    return ps_set_process_notify(call, NotifyRoutine, Remove, false);
}

void ps_process_ended(ke_machine *m, ps_process *p, ke_thread *t)
{
    KE_CHECK(m, !p->exited && p->live_threads == 0);
    p->exited = true;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_PROCESS_EXIT);
    des_rec_u32(&rec, p->id);
    ke_trace_commit(m, &rec);
    ob_process_ended(m, p, t);
    mdl_process_ended(m, p, t);
}

void ps_process_refused(ke_call *call, ps_process *p)
{
    ke_machine *m = call->m;
    KE_CHECK(m, !p->exited && p->live_threads == 0);
    p->exited = true;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_PROCESS_EXIT);
    des_rec_u32(&rec, p->id);
    ke_trace_commit(m, &rec);
}

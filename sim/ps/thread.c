/*
 * thread.c - system threads and the current context: PsCreateSystemThread,
 * PsTerminateSystemThread, PsGetCurrentThread, PsGetCurrentProcess,
 * PsGetCurrentThreadId, PsGetCurrentProcessId.
 *
 * A system thread belongs to the System process and starts in a routine of
 * the driver that created it, on whatever processor the scheduler gives it.
 */
#include "ddi_table.h"
#include "io/io.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "ob/ob.h"

#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008u)

NTSTATUS PsCreateSystemThread(ke_call *call, uint64_t *ThreadHandle, ULONG DesiredAccess,
                              PVOID_VA ObjectAttributes, uint64_t ProcessHandle,
                              ke_client_id *ClientId, uint32_t StartRoutine, PVOID_VA StartContext)
{
    ke_machine *m = call->m;
    (void)DesiredAccess;    /* kernel handles grant all access */
    (void)ObjectAttributes; /* no name, no security: nothing observable */
    *ThreadHandle = 0;
    /* Only the System process exists to put a thread in (NULL means it). */
    if (ProcessHandle != 0)
        return STATUS_INVALID_HANDLE;
    if (ke_thread_limit_reached(call))
        return STATUS_INSUFFICIENT_RESOURCES; /* the machine stopped */
    ke_thread *t = ke_create_thread(m, m->system_process, call->driver);
    if (t == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating a thread");
    t->exec.start_routine = StartRoutine;
    t->exec.start_driver = call->driver;
    t->exec.start_name = "SystemThread";
    t->exec.start_args[0] = StartContext;
    t->exec.start_argc = 1;
    /* The thread starts after its creation: it sees what its creator did
     * (the race detector's edge; the kernel hands it over now, before the
     * thread runs). */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, t->object->va);
    ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, t->object->va, &t->exec, KE_ROLE_NONE);
    *ThreadHandle = ob_create_handle(m, t->object);
    ClientId->process = m->system_process->id;
    ClientId->thread = t->id * 4; /* thread ids are multiples of 4 */
    return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(ke_call *call, NTSTATUS ExitStatus)
{
    /* Does not return: the thread ends where it is, unless its exit checks
     * stop the machine. */
    if (!ke_thread_exit_checks(call, call->thread))
        return ExitStatus;
    ke_terminate_thread(call->m, call->thread, ExitStatus);
    call->blocked = true;
    return ExitStatus;
}

PVOID_VA PsGetCurrentThread(ke_call *call)
{
    return call->thread->object->va;
}

PVOID_VA PsGetCurrentProcess(ke_call *call)
{
    return call->thread->process->eprocess;
}

uint64_t PsGetCurrentThreadId(ke_call *call)
{
    return call->thread->id * 4;
}

uint64_t PsGetCurrentProcessId(ke_call *call)
{
    return call->thread->process->id;
}

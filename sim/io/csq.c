/*
 * csq.c - cancel-safe IRP queues: IoCsqInitialize(Ex), IoCsqInsertIrp(Ex),
 * IoCsqRemoveIrp, IoCsqRemoveNextIrp, and IopCsqCancelRoutine, the cancel
 * routine IoCsqInsertIrp gives the IRPs it queues.
 *
 * The queue is the driver's: an IO_CSQ in its memory holds the addresses of
 * its six callbacks, and the I/O manager only orders the calls, as Windows'
 * csq.c does. Every routine takes the driver's lock with CsqAcquireLock
 * (which stores the previous IRQL through its PKIRQL), calls CsqInsertIrp,
 * CsqRemoveIrp or CsqPeekNextIrp with the lock held, exchanges the IRP's
 * cancel routine, and gives the lock back with CsqReleaseLock; an IRP found
 * cancelled goes to CsqCompleteCanceledIrp after the lock is released. An
 * IO_CSQ_IRP_CONTEXT ties an IRP to its queue (Irp, Csq); the IRP's
 * Tail.Overlay.DriverContext[3] points at the context, or at the IO_CSQ
 * when the caller gave none.
 *
 * Each callback is a callout: the DDI's first half pushes the first one,
 * and io_csq_callout_end takes the next step when it returns, pushing the
 * next callback, until the routine's result is known. The KIRQL that
 * CsqAcquireLock stores is a kernel local in Windows; drvsim gives it eight
 * bytes of nonpaged pool for the call.
 */
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

#define IO_TYPE_CSQ_IRP_CONTEXT 1u
#define IO_TYPE_CSQ             2u
#define IO_TYPE_CSQ_EX          3u
#define IO_CSQ_IRQL_POOL_TAG    0x71734349u /* "ICsq" */

/* Where an IoCsq* routine is, after the callback that just returned. */
typedef enum csq_step {
    /* IoCsqInsertIrp(Ex) */
    INSERT_LOCKED = 1,  /* CsqAcquireLock returned: insert */
    INSERT_INSERTED,    /* CsqInsertIrp(Ex) returned: the cancel routine */
    INSERT_REMOVED,     /* found cancelled, CsqRemoveIrp returned: unlock, complete */
    /* IoCsqRemoveIrp */
    REMOVE_LOCKED,      /* CsqAcquireLock returned: the context's IRP */
    REMOVE_REMOVED,     /* CsqRemoveIrp returned: unlock */
    /* IoCsqRemoveNextIrp */
    NEXT_LOCKED,        /* CsqAcquireLock returned: peek */
    NEXT_PEEKED,        /* CsqPeekNextIrp returned an IRP, or NULL */
    NEXT_REMOVED,       /* CsqRemoveIrp returned: unlock */
    /* IopCsqCancelRoutine */
    CANCEL_LOCKED,      /* CsqAcquireLock returned: remove */
    CANCEL_REMOVED,     /* CsqRemoveIrp returned: unlock, complete */
    /* Any */
    UNLOCKED_COMPLETE,  /* CsqReleaseLock returned: CsqCompleteCanceledIrp */
    DONE,               /* the last callback returned: the DDI's result */
} csq_step;

static const ke_field *csq_f(const char *name)
{
    return ke_type_field(KE_TYPE_IO_CSQ, name);
}

static const ke_field *context_f(const char *name)
{
    return ke_type_field(KE_TYPE_IO_CSQ_IRP_CONTEXT, name);
}

uint64_t io_csq_cancel_token(const ke_machine *m)
{
    return mm_region_base(m->config.arch, MM_REGION_SYSTEM_IMAGES) - IO_CSQ_CANCEL_ROUTINE_OFFSET;
}

/* The kernel's own loads and stores (a bad pointer faults in the kernel). */
static ke_call kernel_call(const ke_call *call)
{
    ke_call kernel = *call;
    kernel.driver = NULL;
    return kernel;
}

static uint64_t load(ke_call *call, PVOID_VA va, const ke_field *f)
{
    ke_call kernel = kernel_call(call);
    uint64_t v = 0;
    ke_field_get(&kernel, va, f, &v);
    return v;
}

static void store(ke_call *call, PVOID_VA va, const ke_field *f, uint64_t v)
{
    ke_call kernel = kernel_call(call);
    ke_field_set(&kernel, va, f, v);
}

/* Irp->Tail.Overlay.DriverContext[3]: the IRP's context or queue. */
static PVOID_VA driver_context3(const ke_machine *m, PVOID_VA Irp)
{
    ke_arch arch = m->config.arch;
    return Irp + KE_FIELD(IRP, Tail)->offset[arch] +
           KE_FIELD(IRP_TAIL_OVERLAY, DriverContext)->offset[arch] +
           ke_type_field(KE_TYPE_DRIVER_CONTEXT, "[3]")->offset[arch];
}

static uint64_t pointer_at(ke_call *call, PVOID_VA va)
{
    ke_call kernel = kernel_call(call);
    uint64_t v = 0;
    mm_access(&kernel, va, &v, call->m->config.arch == KE_ARCH_X86 ? 4 : 8, false);
    return v;
}

static void set_pointer_at(ke_call *call, PVOID_VA va, uint64_t v)
{
    ke_call kernel = kernel_call(call);
    mm_access(&kernel, va, &v, call->m->config.arch == KE_ARCH_X86 ? 4 : 8, true);
}

/* InterlockedExchangePointer(&Irp->CancelRoutine, value): the old one. */
static uint64_t exchange_cancel_routine(ke_call *call, PVOID_VA Irp, uint64_t value)
{
    uint64_t old = load(call, Irp, KE_FIELD(IRP, CancelRoutine));
    store(call, Irp, KE_FIELD(IRP, CancelRoutine), value);
    return old;
}

/* A callback's arguments after the IO_CSQ, and how its result reads. */
typedef struct csq_args {
    uint8_t argc; /* with the IO_CSQ */
    uint64_t a1, a2;
    uint8_t t1, t2;   /* ke_type_id of each pointer */
    uint8_t int_args; /* which are integers (a KIRQL by value) */
    uint8_t returns;  /* ke_callout_returns */
} csq_args;

/*
 * Calls the queue's callback `name` (an IO_CSQ field) with the IO_CSQ and
 * `a`; `next` is the step when it returns. The state of the routine travels
 * in the callout: the IRP, the context, the IRQL, the result so far.
 */
static void call_back(ke_call *call, const ke_callout *from, const char *name, csq_step next,
                      csq_args a)
{
    ke_machine *m = call->m;
    uint64_t token = load(call, from->queue, csq_f(name));
    if (ke_stopped(m))
        return;
    io_driver *d = NULL;
    io_routine r = io_routine_of_token(m, token, &d);
    if (r == 0) {
        /* A NULL (or foreign) callback: Windows calls through it and the
         * processor faults at its address; drvsim raises that fault as the
         * kernel's access to the address. */
        ke_call kernel = kernel_call(call);
        uint8_t byte = 0;
        mm_access(&kernel, token, &byte, 1, false);
        KE_CHECK(m, ke_stopped(m));
        return;
    }
    ke_callout *c = io_push_callout(call, KE_CALLOUT_CSQ);
    if (c == NULL)
        return; /* the machine stopped */
    c->irp = from->irp;
    c->queue = from->queue;
    c->argument = from->argument;
    c->scratch = from->scratch;
    c->old_irql = from->old_irql;
    c->result = from->result;
    c->step = (uint8_t)next;
    c->routine = r;
    c->driver = d;
    c->name = csq_f(name)->name;
    c->args[0] = from->queue;
    c->arg_types[0] = KE_TYPE_IO_CSQ;
    c->args[1] = a.a1;
    c->arg_types[1] = a.t1;
    c->args[2] = a.a2;
    c->arg_types[2] = a.t2;
    c->argc = a.argc;
    c->int_args = a.int_args;
    c->returns = a.returns;
}

/* The callbacks, with their WDK signatures. */
static void acquire(ke_call *call, const ke_callout *from, csq_step next)
{
    /* VOID CsqAcquireLock(PIO_CSQ Csq, PKIRQL Irql) */
    call_back(call, from, "CsqAcquireLock", next,
              (csq_args){.argc = 2, .a1 = from->scratch, .returns = KE_RETURNS_NOTHING});
}

static void release(ke_call *call, const ke_callout *from, csq_step next)
{
    /* VOID CsqReleaseLock(PIO_CSQ Csq, KIRQL Irql) */
    call_back(call, from, "CsqReleaseLock", next,
              (csq_args){.argc = 2, .a1 = from->old_irql, .int_args = 1u << 1,
                         .returns = KE_RETURNS_NOTHING});
}

static void with_irp(ke_call *call, const ke_callout *from, const char *name, csq_step next,
                     PVOID_VA irp)
{
    /* VOID CsqRemoveIrp / CsqInsertIrp / CsqCompleteCanceledIrp(PIO_CSQ, PIRP) */
    call_back(call, from, name, next,
              (csq_args){.argc = 2, .a1 = irp, .t1 = KE_TYPE_IRP, .returns = KE_RETURNS_NOTHING});
}

static void insert_ex(ke_call *call, const ke_callout *from, csq_step next, PVOID_VA irp,
                      PVOID_VA insert_context)
{
    /* NTSTATUS CsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PVOID InsertContext) */
    call_back(call, from, "CsqInsertIrp", next,
              (csq_args){.argc = 3, .a1 = irp, .t1 = KE_TYPE_IRP, .a2 = insert_context,
                         .returns = KE_RETURNS_STATUS});
}

static void peek(ke_call *call, const ke_callout *from, csq_step next, PVOID_VA irp,
                 PVOID_VA peek_context)
{
    /* PIRP CsqPeekNextIrp(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext) */
    call_back(call, from, "CsqPeekNextIrp", next,
              (csq_args){.argc = 3, .a1 = irp, .t1 = KE_TYPE_IRP, .a2 = peek_context,
                         .returns = KE_RETURNS_POINTER});
}

/* The first half of every IoCsq* routine: the KIRQL's storage, then
 * CsqAcquireLock. */
static void begin(ke_call *call, PVOID_VA Csq, PVOID_VA Irp, PVOID_VA argument, csq_step next,
                  uint64_t result)
{
    ke_machine *m = call->m;
    ke_callout from;
    memset(&from, 0, sizeof from);
    from.queue = Csq;
    from.irp = Irp;
    from.argument = argument;
    from.result = result;
    from.scratch = ex_alloc_internal(m, NonPagedPoolNx, 8, IO_CSQ_IRQL_POOL_TAG);
    KE_CHECK(m, from.scratch != 0); /* eight bytes of the kernel's own */
    acquire(call, &from, next);
}

/* The routine is over: the KIRQL's storage goes back. */
static uint64_t finish(ke_call *call, const ke_callout *c)
{
    ke_call kernel = kernel_call(call);
    if (c->scratch != 0)
        ExFreePool(&kernel, c->scratch);
    return c->result;
}

/* Breaks the association of an IRP and its queue (context->Irp = NULL when
 * the IRP has a context; DriverContext[3] = NULL). */
static void disassociate(ke_call *call, PVOID_VA Irp, PVOID_VA context)
{
    if (context != 0 && load(call, context, context_f("Type")) == IO_TYPE_CSQ_IRP_CONTEXT)
        store(call, context, context_f("Irp"), 0);
    set_pointer_at(call, driver_context3(call->m, Irp), 0);
}

/* ------------------------------------------------------------------------ */
/* The DDIs                                                                 */
/* ------------------------------------------------------------------------ */

static NTSTATUS initialize(ke_call *call, PVOID_VA Csq, uint32_t type, const uint32_t routines[6])
{
    static const char *const names[6] = {"CsqInsertIrp",   "CsqRemoveIrp",   "CsqPeekNextIrp",
                                         "CsqAcquireLock", "CsqReleaseLock", "CsqCompleteCanceledIrp"};
    if (!ke_field_set(call, Csq, csq_f("Type"), type))
        return STATUS_ACCESS_VIOLATION;
    for (int i = 0; i < 6; i++) {
        uint64_t token = call->driver != NULL ? io_routine_token(call->driver, routines[i]) : 0;
        if (!ke_field_set(call, Csq, csq_f(names[i]), token))
            return STATUS_ACCESS_VIOLATION;
    }
    ke_field_set(call, Csq, csq_f("ReservePointer"), 0);
    return STATUS_SUCCESS;
}

NTSTATUS IoCsqInitialize(ke_call *call, PVOID_VA Csq, uint32_t CsqInsertIrp,
                         uint32_t CsqRemoveIrp, uint32_t CsqPeekNextIrp, uint32_t CsqAcquireLock,
                         uint32_t CsqReleaseLock, uint32_t CsqCompleteCanceledIrp)
{
    const uint32_t r[6] = {CsqInsertIrp,   CsqRemoveIrp,   CsqPeekNextIrp,
                           CsqAcquireLock, CsqReleaseLock, CsqCompleteCanceledIrp};
    return initialize(call, Csq, IO_TYPE_CSQ, r);
}

NTSTATUS IoCsqInitializeEx(ke_call *call, PVOID_VA Csq, uint32_t CsqInsertIrp,
                           uint32_t CsqRemoveIrp, uint32_t CsqPeekNextIrp,
                           uint32_t CsqAcquireLock, uint32_t CsqReleaseLock,
                           uint32_t CsqCompleteCanceledIrp)
{
    const uint32_t r[6] = {CsqInsertIrp,   CsqRemoveIrp,   CsqPeekNextIrp,
                           CsqAcquireLock, CsqReleaseLock, CsqCompleteCanceledIrp};
    return initialize(call, Csq, IO_TYPE_CSQ_EX, r);
}

NTSTATUS IoCsqInsertIrpEx(ke_call *call, PVOID_VA Csq, PVOID_VA Irp, PVOID_VA Context,
                          PVOID_VA InsertContext)
{
    /* The association first: the context names the IRP and its queue;
     * DriverContext[3] points at the context, or at the queue. */
    if (Context != 0) {
        if (!ke_field_set(call, Context, context_f("Type"), IO_TYPE_CSQ_IRP_CONTEXT) ||
            !ke_field_set(call, Context, context_f("Irp"), Irp) ||
            !ke_field_set(call, Context, context_f("Csq"), Csq))
            return STATUS_ACCESS_VIOLATION;
    }
    uint64_t ptr = call->m->config.arch == KE_ARCH_X86 ? 4 : 8;
    uint64_t association = Context != 0 ? Context : Csq;
    if (!mm_access(call, driver_context3(call->m, Irp), &association, ptr, true))
        return STATUS_ACCESS_VIOLATION;
    /* InsertContext rides in the callout's `argument` until the insert;
     * the IRP's context is found again through DriverContext[3]. */
    begin(call, Csq, Irp, InsertContext, INSERT_LOCKED, (uint32_t)STATUS_SUCCESS);
    return STATUS_SUCCESS; /* the result comes at the end of the chain */
}

void IoCsqInsertIrp(ke_call *call, PVOID_VA Csq, PVOID_VA Irp, PVOID_VA Context)
{
    IoCsqInsertIrpEx(call, Csq, Irp, Context, 0);
}

PVOID_VA IoCsqRemoveIrp(ke_call *call, PVOID_VA Csq, PVOID_VA Context)
{
    begin(call, Csq, 0, Context, REMOVE_LOCKED, 0);
    return 0;
}

PVOID_VA IoCsqRemoveNextIrp(ke_call *call, PVOID_VA Csq, PVOID_VA PeekContext)
{
    begin(call, Csq, 0, PeekContext, NEXT_LOCKED, 0);
    return 0;
}

void io_csq_cancel(ke_call *call, PVOID_VA Irp)
{
    /* IopCsqCancelRoutine: the cancel lock goes first; the queue is the
     * context's, or DriverContext[3] is the queue itself. */
    KIRQL irql = (KIRQL)load(call, Irp, KE_FIELD(IRP, CancelIrql));
    ke_call kernel = kernel_call(call);
    IoReleaseCancelSpinLock(&kernel, irql);
    PVOID_VA association = pointer_at(call, driver_context3(call->m, Irp));
    uint64_t type = association != 0 ? load(call, association, context_f("Type")) : 0;
    PVOID_VA Csq = 0;
    if (type == IO_TYPE_CSQ_IRP_CONTEXT)
        Csq = load(call, association, context_f("Csq"));
    else if (type == IO_TYPE_CSQ || type == IO_TYPE_CSQ_EX)
        Csq = association;
    else
        return; /* not a queue's: csq.c asserts and returns */
    begin(call, Csq, Irp, association, CANCEL_LOCKED, true /* IoCancelIrp's TRUE */);
}

/* ------------------------------------------------------------------------ */
/* The steps                                                                */
/* ------------------------------------------------------------------------ */

uint64_t io_csq_callout_end(ke_call *call, const ke_callout *c, uint64_t result)
{
    ke_machine *m = call->m;
    ke_callout s = *c; /* the state, for the next step */
    if (ke_stopped(m))
        return c->result;
    switch ((csq_step)c->step) {
    case INSERT_LOCKED:
    case REMOVE_LOCKED:
    case NEXT_LOCKED:
    case CANCEL_LOCKED: {
        /* The IRQL CsqAcquireLock stored through its PKIRQL. */
        uint8_t irql = 0;
        ke_call kernel = kernel_call(call);
        mm_access(&kernel, c->scratch, &irql, 1, false);
        s.old_irql = irql;
        if (c->step == INSERT_LOCKED) {
            if (load(call, c->queue, csq_f("Type")) == IO_TYPE_CSQ_EX)
                insert_ex(call, &s, INSERT_INSERTED, c->irp, c->argument);
            else
                with_irp(call, &s, "CsqInsertIrp", INSERT_INSERTED, c->irp);
        } else if (c->step == REMOVE_LOCKED) {
            PVOID_VA context = c->argument;
            PVOID_VA irp = load(call, context, context_f("Irp"));
            if (irp != 0 && exchange_cancel_routine(call, irp, 0) != 0) {
                /* Its cancel routine had not run: out of the queue. */
                s.irp = irp;
                s.result = irp;
                with_irp(call, &s, "CsqRemoveIrp", REMOVE_REMOVED, irp);
            } else {
                s.result = 0; /* none, or its cancellation has it */
                release(call, &s, DONE);
            }
        } else if (c->step == NEXT_LOCKED) {
            peek(call, &s, NEXT_PEEKED, 0, c->argument);
        } else {
            with_irp(call, &s, "CsqRemoveIrp", CANCEL_REMOVED, c->irp);
        }
        return c->result;
    }
    case INSERT_INSERTED:
        if (c->returns == KE_RETURNS_STATUS && !NT_SUCCESS((NTSTATUS)result)) {
            /* CsqInsertIrpEx refused it (an error status): the IRP is not
             * queued, and IoCsqInsertIrpEx returns that status. */
            s.result = (uint32_t)result;
            release(call, &s, DONE);
            return c->result;
        }
        {
            ke_call kernel = kernel_call(call);
            IoMarkIrpPending(&kernel, c->irp);
        }
        exchange_cancel_routine(call, c->irp, io_csq_cancel_token(m));
        if (load(call, c->irp, KE_FIELD(IRP, Cancel)) != 0 &&
            exchange_cancel_routine(call, c->irp, 0) != 0) {
            /* Cancelled before its cancel routine was set: the insert
             * takes it out again and completes it as cancelled. */
            with_irp(call, &s, "CsqRemoveIrp", INSERT_REMOVED, c->irp);
        } else {
            s.result = c->returns == KE_RETURNS_STATUS ? (uint32_t)result : s.result;
            release(call, &s, DONE); /* queued; or its cancel routine runs */
        }
        return c->result;
    case INSERT_REMOVED:
    case CANCEL_REMOVED: {
        PVOID_VA association = pointer_at(call, driver_context3(m, c->irp));
        disassociate(call, c->irp, association);
        release(call, &s, UNLOCKED_COMPLETE);
        return c->result;
    }
    case REMOVE_REMOVED:
        disassociate(call, c->irp, c->argument);
        release(call, &s, DONE);
        return c->result;
    case NEXT_PEEKED: {
        PVOID_VA irp = result;
        if (irp == 0) {
            s.result = 0;
            release(call, &s, DONE);
        } else if (exchange_cancel_routine(call, irp, 0) == 0) {
            /* Being cancelled: its cancel routine waits for the lock and
             * takes it out; the next one after it. */
            peek(call, &s, NEXT_PEEKED, irp, c->argument);
        } else {
            s.irp = irp;
            s.result = irp;
            with_irp(call, &s, "CsqRemoveIrp", NEXT_REMOVED, irp);
        }
        return c->result;
    }
    case NEXT_REMOVED: {
        PVOID_VA association = pointer_at(call, driver_context3(m, c->irp));
        disassociate(call, c->irp, association);
        release(call, &s, DONE);
        return c->result;
    }
    case UNLOCKED_COMPLETE:
        with_irp(call, &s, "CsqCompleteCanceledIrp", DONE, c->irp);
        return c->result;
    case DONE:
        return finish(call, c);
    }
    KE_CHECK(m, false);
    return 0;
}

/*
 * interrupt.c - interrupt objects: IoConnectInterrupt, IoDisconnectInterrupt,
 * KeSynchronizeExecution, KeAcquireInterruptSpinLock,
 * KeReleaseInterruptSpinLock, and the delivery of an interrupt to its ISR.
 *
 * A device interrupt (the harness' Interrupt()) is requested on a processor
 * of the object's ProcessorEnableMask drawn from the "sched" stream. It is
 * serviced as soon as that processor's IRQL is below the device IRQL: the
 * processor raises to it, takes the interrupt spin lock (spinning while
 * another processor holds it), and runs the ServiceRoutine as an execution
 * of its own that interrupts whatever ran there (a thread or a DPC), in the
 * interrupted thread's context, as a DPC does. When the ISR returns, the
 * lock is released and the IRQL goes back to what was interrupted.
 *
 * Not modelled: ISRs chained on a shared vector (each object is delivered
 * alone), nested ISRs on one processor (a second interrupt waits for the
 * first ISR to end), interrupts delivered to a processor spinning on a
 * lock (they wait until its spin ends), message-signalled interrupts.
 */
#include <stdlib.h>
#include <string.h>

#include "cm/cm.h"
#include "ddi_table.h"
#include "ex/pool.h"
#include "hal/hal.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "mm/mm.h"
#include "vf/vf.h"

/* What IoConnectInterrupt allocates: a KINTERRUPT in nonpaged pool. Its
 * real layout is not modelled; the lock used when the caller passes no
 * SpinLock is the KINTERRUPT's own, at this offset. */
#define KINTERRUPT_SIZE_BYTES  0x100u
#define KINTERRUPT_LOCK_OFFSET 0x40u
#define KINTERRUPT_TAG         0x746E4920u /* " Int" */
#define LevelSensitive         0u
#define Latched                1u

static size_t lock_bytes(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? 4 : 8;
}

static void trace_interrupt(ke_machine *m, uint32_t cpu, const ke_interrupt *i, uint8_t what)
{
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_INTERRUPT);
    des_rec_u8(&rec, (uint8_t)cpu);
    des_rec_u64(&rec, i->va);
    des_rec_u8(&rec, what);
    ke_trace_commit(m, &rec);
}

ke_interrupt *ke_interrupt_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->interrupts, va);
}

/* The interrupt spin lock: 0 free, the owner's processor number + 1. The
 * kernel always writes it (unlike a uniprocessor's plain spin locks):
 * KeSynchronizeExecution and the ISR must exclude each other across
 * processors, and on one processor the IRQL already does. */
static uint64_t lock_owner(const ke_machine *m, const ke_interrupt *i)
{
    uint64_t owner = 0;
    mm_peek(m->mm, i->spin_lock, &owner, lock_bytes(m));
    return owner;
}

static void lock_set(ke_machine *m, const ke_interrupt *i, uint64_t owner)
{
    mm_poke(m->mm, i->spin_lock, &owner, lock_bytes(m));
}

NTSTATUS IoConnectInterrupt(ke_call *call, PVOID_VA *InterruptObject, uint32_t ServiceRoutine,
                            PVOID_VA ServiceContext, PVOID_VA SpinLock, ULONG Vector, KIRQL Irql,
                            KIRQL SynchronizeIrql, ULONG InterruptMode, bool ShareVector,
                            uint64_t ProcessorEnableMask, bool FloatingSave)
{
    ke_machine *m = call->m;
    *InterruptObject = 0;
    uint64_t present = m->cpu_count >= 64 ? UINT64_MAX : (1ull << m->cpu_count) - 1;
    /* The parameter checks IoConnectInterrupt makes: a routine, a device
     * IRQL, SynchronizeIrql not below Irql, a known mode, a processor. */
    if (ServiceRoutine == 0 || Irql < KE_DIRQL_MIN || Irql > KE_DIRQL_MAX ||
        SynchronizeIrql < Irql || SynchronizeIrql > KE_DIRQL_MAX ||
        (InterruptMode != LevelSensitive && InterruptMode != Latched) ||
        (ProcessorEnableMask & present) == 0)
        return STATUS_INVALID_PARAMETER;
    PVOID_VA va = ex_alloc_internal(m, NonPagedPool, KINTERRUPT_SIZE_BYTES, KINTERRUPT_TAG);
    if (va == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    ke_interrupt *i = calloc(1, sizeof *i);
    if (i == NULL || !des_map_put(&m->interrupts, va, i))
        ke_panic(m, __FILE__, __LINE__, "out of host memory connecting an interrupt");
    i->va = va;
    i->routine = ServiceRoutine;
    i->driver = call->driver;
    i->context = ServiceContext;
    i->spin_lock = SpinLock != 0 ? SpinLock : va + KINTERRUPT_LOCK_OFFSET;
    i->vector = Vector;
    i->irql = Irql;
    i->synchronize_irql = SynchronizeIrql;
    i->mode = InterruptMode;
    i->share_vector = ShareVector;
    i->floating_save = FloatingSave;
    i->processor_mask = ProcessorEnableMask & present;
    i->connected = true;
    /* Its ISR's runs see what the driver did before connecting it. */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, i->va);
    /* The caller's lock is initialised by it (KeInitializeSpinLock); the
     * built-in one by the kernel. */
    if (SpinLock == 0)
        lock_set(m, i, 0);
    if (m->interrupts_tail != NULL)
        m->interrupts_tail->next = i;
    else
        m->interrupts_head = i;
    m->interrupts_tail = i;
    *InterruptObject = va;
    return STATUS_SUCCESS;
}

/* The interrupt object a driver passes, or a fault as its use would be. */
static ke_interrupt *interrupt_of(ke_call *call, PVOID_VA va)
{
    ke_interrupt *i = ke_interrupt_at(call->m, va);
    if (i == NULL || !i->connected) {
        /* Not an interrupt object (or one disconnected and freed): the
         * kernel reads its lock pointer from whatever is there. */
        uint64_t word = 0;
        if (mm_access(call, va, &word, lock_bytes(call->m), false))
            mm_access(call, 0, &word, lock_bytes(call->m), false);
        return NULL;
    }
    return i;
}

/* Raises to the synchronize IRQL and takes the interrupt spin lock, or
 * marks the call to spin. Returns whether it holds the lock. */
static bool sync_acquire(ke_call *call, ke_interrupt *i, KIRQL *old)
{
    ke_machine *m = call->m;
    ke_processor *cpu = ke_call_cpu(call);
    *old = cpu->spinning_on == i->spin_lock ? cpu->spin_old_irql : cpu->irql;
    if (i->synchronize_irql > cpu->irql)
        ke_set_irql(call, i->synchronize_irql);
    uint64_t owner = lock_owner(m, i);
    if (owner == cpu->number + 1u && m->config.build == KE_BUILD_CHECKED) {
        const uint64_t p[4] = {i->spin_lock, 0, 0, 0};
        kd_raise_full(call, RULE_kspin_lock_already_owned, 0x0F, p, NULL, NULL);
        return false;
    }
    if (owner != 0) {
        cpu->spin_old_irql = *old;
        ke_spin(call, i->spin_lock);
        return false;
    }
    cpu->spinning_on = 0;
    lock_set(m, i, cpu->number + 1u);
    ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_INTERRUPT_SPIN, i->spin_lock);
    return true;
}

static void sync_release(ke_call *call, ke_interrupt *i, KIRQL old)
{
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, KE_LOCK_INTERRUPT_SPIN, i->spin_lock);
    lock_set(call->m, i, 0);
    ke_set_irql(call, old);
}

bool KeSynchronizeExecution(ke_call *call, PVOID_VA Interrupt, uint32_t SynchronizeRoutine,
                            PVOID_VA SynchronizeContext)
{
    ke_interrupt *i = interrupt_of(call, Interrupt);
    if (i == NULL)
        return false;
    ke_exec *e = call->exec;
    if (!ke_callout_stack_room(call))
        return false; /* the kernel stack overflowed: the machine stopped */
    KIRQL old;
    if (!sync_acquire(call, i, &old))
        return false;
    ke_callout *c = &e->callouts[e->callout_count++];
    memset(c, 0, sizeof *c);
    c->kind = KE_CALLOUT_SYNCHRONIZE;
    c->args[0] = SynchronizeContext;
    c->argc = 1;
    c->routine = SynchronizeRoutine;
    c->driver = call->driver;
    c->name = "SynchronizeRoutine";
    c->argument = SynchronizeContext;
    c->interrupt = i;
    c->old_irql = old;
    call->callout = true;
    return false; /* the routine's result is the DDI's (ke_callout_end) */
}

uint64_t ke_callout_end(ke_call *call, uint64_t result)
{
    ke_exec *e = call->exec;
    KE_CHECK(call->m, e->callout_count > 0);
    if (e->callouts[e->callout_count - 1].kind == KE_CALLOUT_QUERY_ROUTINE)
        return cm_query_callout_end(call, result); /* RtlQueryRegistryValues' routines */
    if (e->callouts[e->callout_count - 1].kind == KE_CALLOUT_REGISTRY)
        return cm_notify_callout_end(call, result); /* RegistryCallback routines */
    if (e->callouts[e->callout_count - 1].kind == KE_CALLOUT_DMA)
        return hal_dma_callout_end(call, result); /* a DMA ExecutionRoutine */
    if (e->callouts[e->callout_count - 1].kind != KE_CALLOUT_SYNCHRONIZE)
        return io_callout_end(call, result); /* the I/O manager's routines */
    ke_callout *c = &e->callouts[--e->callout_count];
    sync_release(call, c->interrupt, c->old_irql);
    return result != 0; /* a BOOLEAN */
}

KIRQL KeAcquireInterruptSpinLock(ke_call *call, PVOID_VA Interrupt)
{
    ke_interrupt *i = interrupt_of(call, Interrupt);
    if (i == NULL)
        return ke_call_irql(call);
    KIRQL old;
    sync_acquire(call, i, &old);
    return old;
}

void KeReleaseInterruptSpinLock(ke_call *call, PVOID_VA Interrupt, KIRQL OldIrql)
{
    ke_interrupt *i = interrupt_of(call, Interrupt);
    if (i != NULL)
        sync_release(call, i, OldIrql);
}

void IoDisconnectInterrupt(ke_call *call, PVOID_VA InterruptObject)
{
    ke_machine *m = call->m;
    ke_interrupt *i = interrupt_of(call, InterruptObject);
    if (i == NULL)
        return;
    /* An ISR running on another processor finishes first: the kernel takes
     * the interrupt lock (spinning while the ISR holds it) before it lets go
     * of the object. */
    if (lock_owner(m, i) != 0) {
        ke_spin(call, i->spin_lock);
        return;
    }
    ke_call_cpu(call)->spinning_on = 0;
    i->connected = false;
    i->pending_cpus = 0;
    des_map_remove(&m->interrupts, i->va);
    ExFreePool(call, i->va);
}

/* ------------------------------------------------------------------------ */
/* Delivery                                                                 */
/* ------------------------------------------------------------------------ */

bool ke_request_interrupt(ke_machine *m, ke_interrupt *i)
{
    if (!i->connected)
        return false;
    uint32_t choices[KE_MAX_CPUS], n = 0;
    for (uint32_t c = 0; c < m->cpu_count; c++) {
        if (i->processor_mask & (1ull << c))
            choices[n++] = c;
    }
    KE_CHECK(m, n > 0);
    uint32_t cpu = choices[n > 1 ? des_rng_below(&m->rng_sched, n) : 0];
    /* A request while one is pending on that processor merges with it, as
     * a line raised twice before it is serviced. */
    i->pending_cpus |= 1ull << cpu;
    trace_interrupt(m, cpu, i, 0);
    return true;
}

/* The first connected interrupt pending on a processor whose IRQL allows
 * it, in connection order. */
static ke_interrupt *deliverable(const ke_machine *m, const ke_processor *cpu)
{
    if (cpu->in_isr || cpu->spinning_on != 0 || cpu->held)
        return NULL; /* held: --sched directed stalls the processor */
    for (ke_interrupt *i = m->interrupts_head; i != NULL; i = i->next) {
        if (i->connected && (i->pending_cpus & (1ull << cpu->number)) && cpu->irql < i->irql)
            return i;
    }
    return NULL;
}

bool ke_cpu_isr_deliverable(const ke_machine *m, const ke_processor *cpu)
{
    return deliverable(m, cpu) != NULL;
}

bool ke_cpu_start_isr(ke_machine *m, ke_processor *cpu)
{
    ke_interrupt *i = deliverable(m, cpu);
    if (i == NULL)
        return false;
    i->pending_cpus &= ~(1ull << cpu->number);
    cpu->in_isr = true;
    ke_cpu_note_busy(m, cpu);
    cpu->isr = i;
    cpu->irql_before_isr = cpu->irql;
    ke_cpu_set_irql(m, cpu, i->irql);
    ke_exec *e = &cpu->isr_exec;
    ke_exec_prepare(e, cpu->current, cpu->number, i->routine, i->driver, "InterruptService");
    e->is_isr = true;
    e->run = ++cpu->isr_runs;
    e->start_args[0] = i->va;
    e->start_args[1] = i->context;
    e->start_argc = 2;
    ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, i->va, e, KE_ROLE_ISR);
    trace_interrupt(m, cpu->number, i, 1);
    /* The interrupt spin lock, on a multiprocessor; the ISR spins at its
     * IRQL while another processor holds it. */
    if (lock_owner(m, i) != 0) {
        cpu->isr_lock_wait = true;
        cpu->spinning_on = i->spin_lock;
        des_rec rec;
        ke_trace_begin(m, &rec, KE_TR_SPIN);
        des_rec_u8(&rec, (uint8_t)cpu->number);
        des_rec_u64(&rec, i->spin_lock);
        ke_trace_commit(m, &rec);
    } else {
        lock_set(m, i, cpu->number + 1u);
        ke_hook_lock_exec(m, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_INTERRUPT_SPIN, i->spin_lock, e,
                          i->driver, i->irql);
    }
    return true;
}

void ke_isr_take_lock(ke_machine *m, ke_processor *cpu)
{
    KE_CHECK(m, cpu->in_isr && cpu->isr_lock_wait && lock_owner(m, cpu->isr) == 0);
    cpu->isr_lock_wait = false;
    cpu->spinning_on = 0;
    lock_set(m, cpu->isr, cpu->number + 1u);
    ke_hook_lock_exec(m, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_INTERRUPT_SPIN, cpu->isr->spin_lock,
                      &cpu->isr_exec, cpu->isr->driver, cpu->isr->irql);
}

void ke_isr_ended(ke_machine *m, ke_exec *e)
{
    ke_processor *cpu = &m->cpus[e->cpu];
    KE_CHECK(m, cpu->in_isr && e == &cpu->isr_exec);
    ke_interrupt *i = cpu->isr;
    if (cpu->irql != i->irql) {
        /* The interrupt dispatcher finds the IRQL changed across the ISR.
         * For a verified driver, Driver Verifier's check comes first
         * (0xC4/0x111); otherwise IRQL_UNEXPECTED_VALUE, UniqueValue 3, P2
         * the ServiceRoutine, P3 the KINTERRUPT. */
        ke_call call = {.m = m, .exec = e, .thread = e->thread, .driver = i->driver};
        uint64_t routine = i->driver != NULL ? io_routine_token(i->driver, i->routine) : 0;
        if (vf_isr_irql_changed(&call, routine, i->irql, cpu->irql))
            return;
        const uint64_t p[4] = {(uint64_t)cpu->irql << 16 | (uint64_t)i->irql << 8 | 3, routine,
                               i->va, 0};
        kd_raise_full(&call, RULE_kisr_irql_changed, 0xC8, p, i->driver, NULL);
        return;
    }
    ke_hook_lock_exec(m, KE_EVENT_LOCK_RELEASED, KE_LOCK_INTERRUPT_SPIN, i->spin_lock, e,
                      i->driver, cpu->irql);
    lock_set(m, i, 0);
    cpu->in_isr = false;
    ke_cpu_note_busy(m, cpu);
    cpu->isr = NULL;
    e->host = NULL;
    ke_cpu_set_irql(m, cpu, cpu->irql_before_isr);
    trace_interrupt(m, cpu->number, i, 2);
}

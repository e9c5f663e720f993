/*
 * dpc.c - DPCs and timers: KeInitializeDpc, KeInsertQueueDpc,
 * KeRemoveQueueDpc, KeSetTargetProcessorDpc, KeSetImportanceDpc,
 * KeFlushQueuedDpcs; KeInitializeTimer(Ex), KeSetTimer(Ex), KeCancelTimer,
 * KeReadStateTimer.
 *
 * A DPC runs on its processor as soon as that processor's IRQL is below
 * DISPATCH_LEVEL, at DISPATCH_LEVEL, in the context of whatever thread it
 * interrupts (often the idle thread: the Idle process). A timer is a
 * dispatcher object; when it expires it is signalled and its DPC is queued
 * on the processor whose clock interrupt noticed (drawn from the "sched"
 * stream, as it varies on a real machine).
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "ke/types.h"
#include "mm/mm.h"

#define DPC_OBJECT_TYPE 0x13 /* DpcObject: KDPC.Type */
#define HighImportance  2u

/* ------------------------------------------------------------------------ */
/* DPCs                                                                     */
/* ------------------------------------------------------------------------ */

static ke_dpc *dpc_at(ke_call *call, PVOID_VA va)
{
    ke_dpc *d = des_map_get(&call->m->dpcs, va);
    if (d == NULL) {
        /* An uninitialised KDPC: its routine is NULL, and running it is a
         * jump to address 0 (a fault at DISPATCH_LEVEL). */
        uint8_t type = 0;
        mm_access(call, va, &type, 1, false);
    }
    return d;
}

void KeInitializeDpc(ke_call *call, PVOID_VA Dpc, uint32_t DeferredRoutine,
                     PVOID_VA DeferredContext)
{
    ke_machine *m = call->m;
    uint8_t type = DPC_OBJECT_TYPE;
    if (!mm_access(call, Dpc, &type, 1, true))
        return;
    ke_dpc *d = des_map_get(&m->dpcs, Dpc);
    if (d == NULL) {
        d = calloc(1, sizeof *d);
        if (d == NULL || !des_map_put(&m->dpcs, Dpc, d))
            ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a DPC");
        d->va = Dpc;
    }
    d->routine = DeferredRoutine;
    d->driver = call->driver;
    d->context = DeferredContext;
    d->target_cpu = -1;
    d->importance = 1; /* MediumImportance */
}

/* Queues a DPC on a processor: HighImportance at the head, others at the
 * tail. False if it is already queued. */
static bool queue_dpc(ke_machine *m, ke_dpc *d, uint32_t cpu_number)
{
    if (d->queued)
        return false;
    ke_processor *cpu = &m->cpus[cpu_number];
    d->queued = true;
    d->queued_cpu = cpu_number;
    m->dpc_cpus |= 1ull << cpu_number; /* ke_run looks at this processor's queue */
    d->next = d->prev = NULL;
    if (d->importance == HighImportance && cpu->dpc_head != NULL) {
        d->next = cpu->dpc_head;
        cpu->dpc_head->prev = d;
        cpu->dpc_head = d;
    } else {
        d->prev = cpu->dpc_tail;
        if (cpu->dpc_tail != NULL)
            cpu->dpc_tail->next = d;
        else
            cpu->dpc_head = d;
        cpu->dpc_tail = d;
    }
    return true;
}

static void unqueue_dpc(ke_machine *m, ke_dpc *d)
{
    ke_processor *cpu = &m->cpus[d->queued_cpu];
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        cpu->dpc_head = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    else
        cpu->dpc_tail = d->prev;
    d->next = d->prev = NULL;
    d->queued = false;
}

bool KeInsertQueueDpc(ke_call *call, PVOID_VA Dpc, PVOID_VA SystemArgument1,
                      PVOID_VA SystemArgument2)
{
    ke_dpc *d = dpc_at(call, Dpc);
    if (d == NULL || d->queued)
        return false;
    d->argument1 = SystemArgument1;
    d->argument2 = SystemArgument2;
    uint32_t cpu = d->target_cpu >= 0 ? (uint32_t)d->target_cpu : call->exec->cpu;
    /* The DPC's run sees what its queuer did (the race detector's edge; an
     * ISR's IoRequestDpc comes here too). */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, Dpc);
    return queue_dpc(call->m, d, cpu);
}

bool ke_queue_kernel_dpc(ke_machine *m, ke_dpc *d, uint32_t cpu)
{
    KE_CHECK(m, d->kernel_routine != NULL && d->routine == 0 && cpu < m->cpu_count);
    return queue_dpc(m, d, cpu);
}

bool KeRemoveQueueDpc(ke_call *call, PVOID_VA Dpc)
{
    ke_dpc *d = dpc_at(call, Dpc);
    if (d == NULL || !d->queued)
        return false;
    unqueue_dpc(call->m, d);
    return true;
}

void KeSetTargetProcessorDpc(ke_call *call, PVOID_VA Dpc, uint8_t Number)
{
    ke_dpc *d = dpc_at(call, Dpc);
    if (d == NULL)
        return;
    /* A processor that does not exist: the DPC would go to a queue no one
     * runs. Windows' checked kernel asserts; here it is the last one. */
    d->target_cpu = Number < call->m->cpu_count ? Number : (int32_t)call->m->cpu_count - 1;
}

/* PROCESSOR_NUMBER: USHORT Group, UCHAR Number. One group, 0: another, or
 * a processor that does not exist, is STATUS_INVALID_PARAMETER. */
NTSTATUS KeSetTargetProcessorDpcEx(ke_call *call, PVOID_VA Dpc, PVOID_VA ProcNumber)
{
    uint32_t number = 0;
    if (!mm_access(call, ProcNumber, &number, 4, false))
        return STATUS_ACCESS_VIOLATION;
    if ((uint16_t)number != 0 || ((number >> 16) & 0xFFu) >= call->m->cpu_count)
        return STATUS_INVALID_PARAMETER;
    KeSetTargetProcessorDpc(call, Dpc, (uint8_t)(number >> 16));
    return STATUS_SUCCESS;
}

void KeSetImportanceDpc(ke_call *call, PVOID_VA Dpc, ULONG Importance)
{
    ke_dpc *d = dpc_at(call, Dpc);
    if (d != NULL)
        d->importance = Importance;
}

bool ke_dpcs_pending(const ke_machine *m)
{
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        if (m->cpus[i].dpc_head != NULL || m->cpus[i].in_dpc)
            return true;
    }
    return false;
}

void KeFlushQueuedDpcs(ke_call *call)
{
    ke_machine *m = call->m;
    /* What every DPC that ran did is seen after it (the race detector's
     * edge: each DPC's end releases the flush object). */
    if (m->flush != NULL)
        ke_hook_sync(call, KE_EVENT_SYNC_ACQUIRE, m->flush->va);
    if (!ke_dpcs_pending(m))
        return;
    /* Waits until every queue has drained and no DPC runs. */
    m->flush->signal_state = 0;
    ke_wait_on(call, m->flush);
}

/* The KDPC a DPC execution runs (an I/O timer's routine is not passed it). */
static PVOID_VA d_va_of(const ke_exec *e)
{
    return e->start_argc == 2 ? e->start_args[3] : e->start_args[0];
}

/* The end of a drain: the processor goes back to the IRQL the first DPC
 * interrupted, and a KeFlushQueuedDpcs waiting for every queue may return. */
static void end_drain(ke_machine *m, ke_processor *cpu)
{
    cpu->dpc_drain = false;
    ke_cpu_set_irql(m, cpu, cpu->irql_before_dpc);
    if (!ke_dpcs_pending(m)) {
        m->flush->signal_state = 1;
        ke_object_signal(m, m->flush);
    }
}

bool ke_cpu_start_dpc(ke_machine *m, ke_processor *cpu)
{
    if (cpu->in_dpc || cpu->held)
        return false; /* held: --sched directed stalls the processor */
    if (cpu->dpc_drain && cpu->dpc_head == NULL) {
        end_drain(m, cpu); /* another processor removed what was queued */
        return false;
    }
    if (cpu->dpc_head == NULL || (cpu->irql >= DISPATCH_LEVEL && !cpu->dpc_drain))
        return false;
    /* Each DPC run counts against the event limit, so that a drain that
     * never empties is bounded by --max-events too. */
    if (!des_count_event(&m->des)) {
        ke_stop_machine(m, KE_STOP_LIMIT, "event limit reached (%llu events)",
                        (unsigned long long)m->des.limits.max_events);
        return false;
    }
    ke_dpc *d = cpu->dpc_head;
    unqueue_dpc(m, d);
    cpu->in_dpc = true;
    ke_cpu_note_busy(m, cpu);
    if (cpu->dpc_drain) {
        /* Back-to-back in one drain: still at DISPATCH_LEVEL, the time the
         * last one took (see KE_DPC_BACK_TO_BACK_100NS) counting towards
         * the DPC watchdog. */
        cpu->dpc_drain = false;
        cpu->drain_runs++;
        des_advance(&m->des, KE_DPC_BACK_TO_BACK_100NS);
    } else {
        cpu->drain_runs = 1;
        cpu->irql_before_dpc = cpu->irql;
        ke_cpu_set_irql(m, cpu, DISPATCH_LEVEL);
    }
    ke_exec *e = &cpu->dpc_exec;
    /* In the context of whatever it interrupts: often the Idle process. */
    if (d->ex_timer != 0) {
        ke_exec_prepare(e, cpu->current, cpu->number, d->routine, d->driver, "ExTimerCallback");
        e->start_args[0] = d->ex_timer;
        e->start_args[1] = d->context;
        e->start_args[3] = d->va; /* not passed: the trace's DPC */
        e->start_argc = 2;
    } else if (d->io_timer_device != 0) {
        ke_exec_prepare(e, cpu->current, cpu->number, d->routine, d->driver, "IoTimerRoutine");
        e->start_args[0] = d->io_timer_device;
        e->start_arg_types[0] = KE_TYPE_DEVICE_OBJECT;
        e->start_args[1] = d->context;
        e->start_args[3] = d->va; /* not passed: the trace's DPC */
        e->start_argc = 2;
    } else if (d->kernel_routine != NULL) {
        /* The kernel's own: its C routine, no driver frame. */
        ke_exec_prepare(e, cpu->current, cpu->number, 0, NULL, "KernelDeferredRoutine");
        e->kernel_routine = d->kernel_routine;
        e->kernel_context = d->kernel_context;
        e->start_args[0] = d->va; /* not passed: the trace's DPC */
    } else {
        ke_exec_prepare(e, cpu->current, cpu->number, d->routine, d->driver, "DeferredRoutine");
        e->start_args[0] = d->va;
        e->start_args[1] = d->context;
        e->start_args[2] = d->argument1;
        e->start_args[3] = d->argument2;
        e->start_argc = 4;
    }
    e->is_dpc = true;
    e->run = ++cpu->dpc_runs;
    /* A new run, ordered after the DPC's queueing (KeInsertQueueDpc, or
     * the set of the timer that queued it). */
    ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, d->va, e, KE_ROLE_DPC);

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_DPC);
    des_rec_u8(&rec, (uint8_t)cpu->number);
    des_rec_u64(&rec, d->va);
    des_rec_u8(&rec, 1);
    ke_trace_commit(m, &rec);
    return true;
}

void ke_dpc_ended(ke_machine *m, ke_exec *e)
{
    ke_processor *cpu = &m->cpus[e->cpu];
    KE_CHECK(m, cpu->in_dpc && e == &cpu->dpc_exec);
    cpu->in_dpc = false;
    ke_cpu_note_busy(m, cpu);
    if (m->flush != NULL)
        ke_hook_sync_exec(m, KE_EVENT_SYNC_RELEASE, m->flush->va, e, KE_ROLE_DPC); /* run ends */
    e->host = NULL;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_DPC);
    des_rec_u8(&rec, (uint8_t)cpu->number);
    des_rec_u64(&rec, d_va_of(e));
    des_rec_u8(&rec, 0);
    ke_trace_commit(m, &rec);
    /* KiRetireDpcList runs the queue until it is empty without lowering
     * the IRQL: the next DPC of this processor starts at DISPATCH_LEVEL. */
    cpu->dpc_drain = true;
    m->dpc_cpus |= 1ull << cpu->number; /* ke_run ends or continues the drain */
    if (cpu->dpc_head == NULL)
        end_drain(m, cpu);
}

ke_dpc *ke_dpc_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        for (ke_dpc *d = m->cpus[i].dpc_head; d != NULL; d = d->next) {
            if (d->va >= start && d->va < end)
                return d;
        }
    }
    return NULL;
}

ke_dpc *ke_dpc_of_driver(const ke_machine *m, const io_driver *driver)
{
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        for (ke_dpc *d = m->cpus[i].dpc_head; d != NULL; d = d->next) {
            if (d->driver == driver)
                return d;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Timers                                                                   */
/* ------------------------------------------------------------------------ */

/* KTIMER sizes (wdm.h). */
#define KTIMER_SIZE_X64 0x40u
#define KTIMER_SIZE_X86 0x28u

static void link_set(ke_machine *m, ke_timer *t)
{
    m->timers_set_count++;
    t->set_seq = ++m->timers_set_seq;
    t->prev = NULL;
    t->next = m->timers_head;
    if (m->timers_head != NULL)
        m->timers_head->prev = t;
    m->timers_head = t;
}

static void unlink_set(ke_machine *m, ke_timer *t)
{
    m->timers_set_count--;
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        m->timers_head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

static void timer_fire(des_sim *sim, des_event *ev)
{
    ke_timer *t = DES_CONTAINER_OF(ev, ke_timer, expiry);
    ke_machine *m = t->machine;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_TIMER);
    des_rec_u64(&rec, t->va);
    ke_trace_commit(m, &rec);

    if (t->period_100ns != 0) {
        if (!des_schedule(sim, &t->expiry, sim->now_100ns + t->period_100ns))
            ke_panic(m, __FILE__, __LINE__, "out of host memory rearming a timer");
    } else {
        t->set = false;
        unlink_set(m, t);
    }
    t->object->signal_state = 1;
    ke_object_signal(m, t->object);
    if (t->dpc != 0) {
        ke_dpc *d = des_map_get(&m->dpcs, t->dpc);
        if (d != NULL) {
            uint32_t cpu = d->target_cpu >= 0
                               ? (uint32_t)d->target_cpu
                               : (uint32_t)des_rng_below(&m->rng_sched, m->cpu_count);
            d->argument1 = KE_BOOT_SYSTEM_TIME + sim->now_100ns; /* the expiry time, low part */
            d->argument2 = 0;
            queue_dpc(m, d, cpu);
        }
    }
}

static ke_timer *timer_init(ke_call *call, PVOID_VA Timer, ke_object_type type)
{
    ke_machine *m = call->m;
    uint32_t size = m->config.arch == KE_ARCH_X86 ? KTIMER_SIZE_X86 : KTIMER_SIZE_X64;
    uint8_t zero[KTIMER_SIZE_X64] = {0};
    if (!mm_access(call, Timer, zero, size, true))
        return NULL;
    ke_timer *t = des_map_get(&m->timers, Timer);
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL || !des_map_put(&m->timers, Timer, t))
            ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a timer");
        t->va = Timer;
        t->machine = m;
        des_event_init(&t->expiry, timer_fire);
    } else if (t->set) {
        /* Reinitialising a set timer: Windows corrupts its timer list; the
         * simulated one forgets the setting. */
        des_cancel(&m->des, &t->expiry);
        unlink_set(m, t);
        t->set = false;
    }
    t->object = ke_object_init(m, Timer, type, 0);
    if (t->object == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a timer");
    return t;
}

void KeInitializeTimer(ke_call *call, PVOID_VA Timer)
{
    timer_init(call, Timer, KE_OBJECT_NOTIFICATION_TIMER);
}

void KeInitializeTimerEx(ke_call *call, PVOID_VA Timer, ULONG Type)
{
    timer_init(call, Timer,
               Type == 1 ? KE_OBJECT_SYNCHRONIZATION_TIMER : KE_OBJECT_NOTIFICATION_TIMER);
}

static ke_timer *timer_at(ke_call *call, PVOID_VA va)
{
    ke_timer *t = des_map_get(&call->m->timers, va);
    if (t == NULL) {
        /* An uninitialised KTIMER: its list links are zero, and inserting it
         * in the timer table dereferences NULL. */
        uint8_t header = 0;
        if (mm_access(call, va, &header, 1, false)) {
            PVOID_VA null_link = 0;
            mm_access(call, 0, &null_link, sizeof null_link, true);
        }
    }
    return t;
}

bool KeSetTimerEx(ke_call *call, PVOID_VA Timer, int64_t DueTime, int32_t Period, PVOID_VA Dpc)
{
    ke_machine *m = call->m;
    ke_timer *t = timer_at(call, Timer);
    if (t == NULL)
        return false;
    bool was_set = t->set;
    if (was_set)
        unlink_set(m, t);
    uint64_t now = m->des.now_100ns, due = now;
    if (DueTime < 0) {
        uint64_t interval = (uint64_t) - (DueTime + 1) + 1;
        due = now + interval < now ? DES_TIME_NEVER - 1 : now + interval;
    } else if (DueTime > KE_BOOT_SYSTEM_TIME) {
        uint64_t since_boot = (uint64_t)(DueTime - KE_BOOT_SYSTEM_TIME);
        due = since_boot > now ? since_boot : now;
    }
    t->set = true;
    t->period_100ns = Period > 0 ? (uint64_t)Period * 10000u : 0; /* milliseconds */
    t->dpc = Dpc;
    t->setter = call->driver;
    t->object->signal_state = 0;
    /* A wait on the timer and its DPC's runs see what the setter did. */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, Timer);
    if (Dpc != 0)
        ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, Dpc);
    link_set(m, t);
    if (!des_schedule(&m->des, &t->expiry, due))
        ke_panic(m, __FILE__, __LINE__, "out of host memory setting a timer");
    return was_set;
}

bool KeSetTimer(ke_call *call, PVOID_VA Timer, int64_t DueTime, PVOID_VA Dpc)
{
    return KeSetTimerEx(call, Timer, DueTime, 0, Dpc);
}

bool KeCancelTimer(ke_call *call, PVOID_VA Timer)
{
    ke_timer *t = timer_at(call, Timer);
    if (t == NULL || !t->set)
        return false;
    des_cancel(&call->m->des, &t->expiry);
    unlink_set(call->m, t);
    t->set = false;
    return true;
}

bool KeReadStateTimer(ke_call *call, PVOID_VA Timer)
{
    ke_timer *t = timer_at(call, Timer);
    return t != NULL && t->object->signal_state > 0;
}

/* The set timer whose KTIMER starts in [start, end), the one set last if
 * several do (the list's order), or NULL. A pool free asks it; with many
 * timers set and a small block, each address of the block is looked up in
 * the timers map instead of walking the set timers, so that frees stay
 * flat in the number of timers (issue 18); the answer is the same. */
ke_timer *ke_timer_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    if (end > start && end - start < m->timers_set_count) {
        ke_timer *found = NULL;
        for (PVOID_VA a = start; a < end; a++) {
            ke_timer *t = des_map_get(&m->timers, a);
            if (t != NULL && t->set && (found == NULL || t->set_seq > found->set_seq))
                found = t;
        }
        return found;
    }
    for (ke_timer *t = m->timers_head; t != NULL; t = t->next) {
        if (t->va >= start && t->va < end)
            return t;
    }
    return NULL;
}

ke_timer *ke_timer_of_driver(const ke_machine *m, const io_driver *driver)
{
    for (ke_timer *t = m->timers_head; t != NULL; t = t->next) {
        const ke_dpc *d = t->dpc != 0 ? des_map_get(&m->dpcs, t->dpc) : NULL;
        if (t->setter == driver || (d != NULL && d->driver == driver) ||
            (t->va >= driver->image_base && t->va < driver->image_base + IO_IMAGE_STRIDE))
            return t;
    }
    return NULL;
}

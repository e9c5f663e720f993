/*
 * test_dispatcher.c - the semantics of the kernel's first objects, run on
 * the real scheduler: events, waits and their timeouts, timers, DPCs, spin
 * lock contention, thread objects and object references.
 *
 * The host runs C programs. A program is a step function called with a
 * step number; each step makes at most one DDI call. When the call blocks
 * (a wait), spins (a held lock) or the preemption point says so, the
 * program stops and resumes later: at the next step after a block or a
 * preemption, at the same step after a spin (the call is made again, as
 * the Lua binding does). A wait's status reaches the program in p->status.
 */
#include "mm/mm.h"
#include "ob/ob.h"
#include "test_machine.h"

#define STATUS_WAIT_1 ((NTSTATUS)0x00000001)

typedef struct prog prog;
/* Runs step `step` of p with call context c; false when the program ends. */
typedef bool (*step_fn)(prog *p, ke_call *c, uint32_t step);

struct prog {
    step_fn fn;
    uint32_t step;
    NTSTATUS status;   /* the last wait's result */
    uint64_t woke_at;  /* when the last wait returned (100 ns) */
    uint64_t counter;  /* program-defined */
    PVOID_VA object;   /* program-defined */
    bool resumed_wait; /* stopped in a wait: its status comes from the thread */
};

#define MAX_PROGS 16

static ke_machine *m;
static prog progs[MAX_PROGS]; /* by thread id; DPC programs by routine number */
static step_fn dpc_fns[4];    /* DPC routine numbers 1.. */
static uint32_t dpc_runs[4];
static PVOID_VA shared; /* simulated memory the programs share */
static ke_thread *workers[MAX_PROGS];
static uint32_t worker_count;

static void run_prog(ke_exec *e, prog *p)
{
    if (p->resumed_wait) {
        p->status = e->thread->wait_status;
        p->woke_at = m->des.now_100ns;
        p->resumed_wait = false;
    }
    for (;;) {
        ke_call c = tm_call_of(m, e, 0);
        bool more = p->fn(p, &c, p->step);
        if (ke_stopped(m))
            return;
        if (c.spin)
            return; /* the same step again once the lock is free */
        p->step++;
        if (!more) {
            ke_exec_ended(m, e);
            return;
        }
        if (c.blocked) {
            p->resumed_wait = true;
            return;
        }
        p->woke_at = m->des.now_100ns;
        if (ke_preempt_point(&c))
            return;
    }
}

static void host_resume(void *ctx, ke_exec *e)
{
    (void)ctx;
    e->host = &m; /* started */
    if (e->is_dpc) {
        uint32_t r = e->start_routine;
        cr_assert(r >= 1 && r < 4 && dpc_fns[r] != NULL);
        dpc_runs[r]++;
        ke_call c = tm_call_of(m, e, 0);
        dpc_fns[r](NULL, &c, dpc_runs[r]);
        ke_exec_ended(m, e);
        return;
    }
    run_prog(e, &progs[e->thread->id]);
}

/* Boots a machine whose harness runs `harness`. */
static void boot(uint64_t seed, uint32_t cpus, step_fn harness)
{
    memset(progs, 0, sizeof progs);
    memset(dpc_fns, 0, sizeof dpc_fns);
    memset(dpc_runs, 0, sizeof dpc_runs);
    memset(workers, 0, sizeof workers);
    worker_count = 0;
    ke_config config = tm_config(seed, cpus, KE_ARCH_X64);
    ke_host host = tm_passive_host();
    host.resume = host_resume;
    m = tm_boot(&config, &host, NULL, false);
    progs[m->harness->id].fn = harness;
    /* Kernel objects for the programs, allocated as the harness would. */
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTag);
    shared = ExAllocatePoolWithTag(&c, NonPagedPoolNx, 0x400, 0x74736554u);
    cr_assert_neq(shared, 0);
}

static void run_to_end(void)
{
    cr_assert_eq(ke_run(m), KE_STOP_FINISHED, "%s (bug check 0x%X)", m->stop_message,
                 m->bugcheck.code);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

/* Starts a thread running fn (from a harness step). */
static ke_thread *start(step_fn fn)
{
    ke_thread *t = ke_create_thread(m, m->system_process, NULL);
    cr_assert_not_null(t);
    t->exec.start_routine = 1; /* a program, not the harness body */
    progs[t->id].fn = fn;
    workers[worker_count++] = t;
    return t;
}

/* Objects in the shared block. */
#define EVENT_A (shared + 0x00)
#define EVENT_B (shared + 0x20)
#define TIMER   (shared + 0x40)
#define DPC     (shared + 0x100)
#define LOCK    (shared + 0x180)
#define COUNTER (shared + 0x188)

static const ke_timeout forever = {.given = false};

static ke_timeout relative(int64_t interval_100ns)
{
    return (ke_timeout){.given = true, .value_100ns = -interval_100ns};
}

static NTSTATUS wait_one(ke_call *c, PVOID_VA object, ke_timeout timeout)
{
    c->ddi = DDI_KeWaitForSingleObject;
    return KeWaitForSingleObject(c, object, 0 /* Executive */, 0 /* KernelMode */, false, timeout);
}

static void sleep_ms(ke_call *c, uint64_t ms)
{
    ke_wait_interval(c, ms * 10000);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

static bool waiter(prog *p, ke_call *c, uint32_t step)
{
    if (step == 0) {
        p->status = wait_one(c, EVENT_A, forever);
        return true;
    }
    return false;
}

static uint32_t waiters_to_start = 3;
static bool set_after_start(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    if (step == 0) {
        KeInitializeEvent(c, EVENT_A, (ULONG)p->counter, false);
        for (uint32_t i = 0; i < waiters_to_start; i++)
            start(waiter);
        return true;
    }
    if (step == 1) {
        sleep_ms(c, 1); /* the waiters wait */
        return true;
    }
    if (step == 2) {
        KeSetEvent(c, EVENT_A, 0, false);
        return true;
    }
    if (step == 3) {
        sleep_ms(c, 1); /* the woken run */
        return true;
    }
    return false;
}

Test(events, a_notification_event_releases_every_waiter, .fini = shutdown)
{
    boot(1, 2, set_after_start);
    progs[m->harness->id].counter = 0; /* NotificationEvent */
    run_to_end();
    for (uint32_t i = 0; i < worker_count; i++) {
        prog *p = &progs[workers[i]->id];
        cr_assert_eq(p->step, 2, "waiter %u did not return", i);
        cr_assert_eq(p->status, STATUS_SUCCESS);
        cr_assert_geq(p->woke_at, 10000, "woke before the event was set");
    }
    ke_object *o = ke_object_at(m, EVENT_A);
    cr_assert_eq(o->signal_state, 1, "a notification event stays signalled");
}

Test(events, a_synchronization_event_releases_one_waiter_and_resets, .fini = shutdown)
{
    boot(1, 2, set_after_start);
    progs[m->harness->id].counter = 1; /* SynchronizationEvent */
    run_to_end();
    uint32_t returned = 0;
    for (uint32_t i = 0; i < worker_count; i++)
        returned += progs[workers[i]->id].step == 2;
    cr_assert_eq(returned, 1, "%u waiters returned", returned);
    cr_assert_eq(progs[workers[0]->id].step, 2, "the first waiter goes first (FIFO)");
    cr_assert_eq(ke_object_at(m, EVENT_A)->signal_state, 0, "reset by the satisfied wait");
}

static bool state_calls(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    if (step > 0)
        return false;
    KeInitializeEvent(c, EVENT_A, 0, true);
    cr_assert_eq(KeReadStateEvent(c, EVENT_A), 1);
    cr_assert_eq(KeResetEvent(c, EVENT_A), 1, "the previous state");
    cr_assert_eq(KeResetEvent(c, EVENT_A), 0);
    cr_assert_eq(KeSetEvent(c, EVENT_A, 0, false), 0, "the previous state");
    cr_assert_eq(KeSetEvent(c, EVENT_A, 0, false), 1);
    KeClearEvent(c, EVENT_A);
    cr_assert_eq(KeReadStateEvent(c, EVENT_A), 0);
    uint8_t header[8];
    cr_assert(mm_peek(m->mm, EVENT_A, header, sizeof header));
    cr_assert_eq(header[0], 0, "DISPATCHER_HEADER.Type: NotificationEvent");
    return true;
}

Test(events, state_routines_return_the_previous_state, .fini = shutdown)
{
    boot(1, 1, state_calls);
    run_to_end();
}

/* ------------------------------------------------------------------------ */
/* Waits                                                                    */
/* ------------------------------------------------------------------------ */

static bool timed_waits(prog *p, ke_call *c, uint32_t step)
{
    switch (step) {
    case 0:
        KeInitializeEvent(c, EVENT_A, 0, false);
        return true;
    case 1:
        p->status = wait_one(c, EVENT_A, relative(10 * 10000)); /* 10 ms */
        return true;
    case 2:
        cr_assert_eq(p->status, STATUS_TIMEOUT);
        cr_assert_geq(p->woke_at, 10 * 10000);
        cr_assert_lt(p->woke_at, 11 * 10000);
        /* A zero timeout polls: no wait at all. */
        p->counter = m->des.now_100ns;
        p->status = wait_one(c, EVENT_A, relative(0));
        cr_assert_not(c->blocked);
        cr_assert_eq(p->status, STATUS_TIMEOUT);
        return true;
    case 3:
        /* An absolute time in the past: also a poll. */
        p->status =
            wait_one(c, EVENT_A, (ke_timeout){.given = true, .value_100ns = KE_BOOT_SYSTEM_TIME});
        cr_assert_not(c->blocked);
        cr_assert_eq(p->status, STATUS_TIMEOUT);
        return true;
    default:
        return false;
    }
}

Test(waits, timeouts_return_status_timeout_when_due, .fini = shutdown)
{
    boot(1, 1, timed_waits);
    run_to_end();
}

static bool wait_many(prog *p, ke_call *c, uint32_t step)
{
    ke_ptr_array objects = {.count = 2, .items = {EVENT_A, EVENT_B}};
    c->ddi = DDI_KeWaitForMultipleObjects;
    switch (step) {
    case 0:
        p->status =
            KeWaitForMultipleObjects(c, 2, &objects, (ULONG)p->counter, 0, 0, false, forever, 0);
        return true;
    default:
        return false;
    }
}

static bool signal_b_then_a(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    switch (step) {
    case 0:
        KeInitializeEvent(c, EVENT_A, 0, false);
        KeInitializeEvent(c, EVENT_B, 0, false);
        progs[start(wait_many)->id].counter = 1; /* WaitAny */
        progs[start(wait_many)->id].counter = 0; /* WaitAll */
        return true;
    case 1:
        sleep_ms(c, 1);
        return true;
    case 2:
        KeSetEvent(c, EVENT_B, 0, false);
        return true;
    case 3:
        sleep_ms(c, 1);
        return true;
    case 4:
        cr_assert_eq(progs[workers[0]->id].step, 2, "WaitAny returned");
        cr_assert_eq(progs[workers[0]->id].status, STATUS_WAIT_1, "object index 1");
        cr_assert_eq(progs[workers[1]->id].step, 1, "WaitAll still waits");
        KeSetEvent(c, EVENT_A, 0, false);
        return true;
    case 5:
        sleep_ms(c, 1);
        return true;
    default:
        cr_assert_eq(progs[workers[1]->id].step, 2, "WaitAll returned");
        cr_assert_eq(progs[workers[1]->id].status, STATUS_SUCCESS);
        return false;
    }
}

Test(waits, wait_any_returns_the_index_and_wait_all_needs_every_object, .fini = shutdown)
{
    boot(3, 2, signal_b_then_a);
    run_to_end();
}

/* ------------------------------------------------------------------------ */
/* Timers and DPCs                                                          */
/* ------------------------------------------------------------------------ */

static bool count_dpc(prog *p, ke_call *c, uint32_t run)
{
    (void)p;
    (void)run;
    cr_assert_eq(ke_call_irql(c), DISPATCH_LEVEL, "a DPC runs at DISPATCH_LEVEL");
    cr_assert(c->exec->is_dpc);
    return false;
}

static bool periodic_timer(prog *p, ke_call *c, uint32_t step)
{
    switch (step) {
    case 0:
        dpc_fns[1] = count_dpc;
        KeInitializeTimer(c, TIMER);
        KeInitializeDpc(c, DPC, 1, 0);
        /* First in 5 ms, then every 10 ms. */
        cr_assert_not(KeSetTimerEx(c, TIMER, -5 * 10000, 10, DPC), "was not set");
        return true;
    case 1:
        sleep_ms(c, 46);
        return true;
    case 2:
        /* Due at 5, 15, 25, 35, 45 ms. */
        cr_assert_eq(dpc_runs[1], 5, "%u runs", dpc_runs[1]);
        cr_assert(KeCancelTimer(c, TIMER), "it was set");
        cr_assert_not(KeCancelTimer(c, TIMER), "not any more");
        p->counter = dpc_runs[1];
        return true;
    case 3:
        sleep_ms(c, 50);
        return true;
    default:
        cr_assert_eq(dpc_runs[1], p->counter, "a cancelled timer runs no more");
        return false;
    }
}

Test(timers, a_periodic_timer_queues_its_dpc_each_period_until_cancelled, .fini = shutdown)
{
    boot(1, 2, periodic_timer);
    run_to_end();
}

static bool timer_object(prog *p, ke_call *c, uint32_t step)
{
    switch (step) {
    case 0:
        KeInitializeTimer(c, TIMER);
        cr_assert_not(KeReadStateTimer(c, TIMER));
        KeSetTimer(c, TIMER, -20 * 10000, 0);
        cr_assert(KeSetTimer(c, TIMER, -30 * 10000, 0), "re-setting a set timer says so");
        return true;
    case 1:
        p->status = wait_one(c, TIMER, forever);
        return true;
    default:
        cr_assert_eq(p->status, STATUS_SUCCESS);
        cr_assert_geq(p->woke_at, 30 * 10000, "the second due time replaced the first");
        cr_assert_lt(p->woke_at, 31 * 10000);
        cr_assert(KeReadStateTimer(c, TIMER), "a notification timer stays signalled");
        return false;
    }
}

Test(timers, a_timer_is_a_dispatcher_object_signalled_when_due, .fini = shutdown)
{
    boot(1, 1, timer_object);
    run_to_end();
}

static bool dpc_queue(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    switch (step) {
    case 0: {
        dpc_fns[1] = count_dpc;
        KeInitializeDpc(c, DPC, 1, 0);
        /* Raised, so the DPC cannot run at once on this processor. */
        KIRQL old;
        KeRaiseIrql(c, DISPATCH_LEVEL, &old);
        KeSetTargetProcessorDpc(c, DPC, 0);
        cr_assert(KeInsertQueueDpc(c, DPC, 0, 0));
        cr_assert_not(KeInsertQueueDpc(c, DPC, 0, 0), "already queued");
        cr_assert(KeRemoveQueueDpc(c, DPC));
        cr_assert_not(KeRemoveQueueDpc(c, DPC), "no longer queued");
        cr_assert(KeInsertQueueDpc(c, DPC, 0, 0));
        KeLowerIrql(c, old); /* the DPC runs at the next preemption point */
        return true;
    }
    case 1:
        cr_assert_eq(dpc_runs[1], 1, "the DPC interrupted the thread when the IRQL dropped");
        c->ddi = DDI_KeFlushQueuedDpcs;
        KeFlushQueuedDpcs(c);
        return true;
    default:
        cr_assert_eq(dpc_runs[1], 1, "queued once, run once");
        return false;
    }
}

Test(dpcs, insert_remove_and_run_at_the_next_call_below_dispatch, .fini = shutdown)
{
    boot(1, 1, dpc_queue);
    run_to_end();
}

/* ------------------------------------------------------------------------ */
/* Spin locks                                                               */
/* ------------------------------------------------------------------------ */

#define INCREMENTS 200
static bool use_lock;

/* Increments the shared counter INCREMENTS times: load, a preemption point,
 * store; under the lock or not. */
static bool incrementer(prog *p, ke_call *c, uint32_t step)
{
    uint32_t i = step / 4, phase = step % 4;
    if (i == INCREMENTS)
        return false;
    uint64_t value;
    switch (phase) {
    case 0:
        if (use_lock) {
            KIRQL old;
            c->ddi = DDI_KeAcquireSpinLock;
            KeAcquireSpinLock(c, LOCK, &old);
            p->object = old;
        }
        return true;
    case 1:
        cr_assert(mm_peek(m->mm, COUNTER, &p->counter, 8));
        return true;
    case 2:
        value = p->counter + 1;
        cr_assert(mm_poke(m->mm, COUNTER, &value, 8));
        return true;
    default:
        if (use_lock)
            KeReleaseSpinLock(c, LOCK, (KIRQL)p->object);
        return true;
    }
}

static bool two_incrementers(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    switch (step) {
    case 0: {
        KeInitializeSpinLock(c, LOCK);
        uint64_t zero = 0;
        cr_assert(mm_poke(m->mm, COUNTER, &zero, 8));
        start(incrementer);
        start(incrementer);
        return true;
    }
    case 1:
    case 2:
        wait_one(c, workers[step - 1]->object->va, forever);
        return true;
    default:
        return false;
    }
}

static uint64_t count_with(bool locked, uint64_t seed)
{
    use_lock = locked;
    boot(seed, 2, two_incrementers);
    run_to_end();
    uint64_t total = 0;
    cr_assert(mm_peek(m->mm, COUNTER, &total, 8));
    shutdown();
    return total;
}

Test(spinlocks, a_lock_makes_two_processors_increments_exact)
{
    for (uint64_t seed = 1; seed <= 10; seed++)
        cr_assert_eq(count_with(true, seed), 2 * INCREMENTS, "seed %llu", (unsigned long long)seed);
}

Test(spinlocks, without_the_lock_updates_are_lost)
{
    uint32_t lost = 0;
    for (uint64_t seed = 1; seed <= 10; seed++)
        lost += count_with(false, seed) < 2 * INCREMENTS;
    cr_assert_geq(lost, 9, "only %u of 10 seeds lost an update", lost);
}

/* ------------------------------------------------------------------------ */
/* Threads and references                                                   */
/* ------------------------------------------------------------------------ */

static bool short_lived(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    if (step == 0) {
        sleep_ms(c, 3);
        return true;
    }
    return false;
}

static bool references(prog *p, ke_call *c, uint32_t step)
{
    switch (step) {
    case 0: {
        ke_thread *t = start(short_lived);
        uint64_t handle = ob_create_handle(m, t->object);
        PVOID_VA object = 0, info = 0;
        c->ddi = DDI_ObReferenceObjectByHandle;
        cr_assert_eq(ObReferenceObjectByHandle(c, handle, 0, 0, 0, &object, &info), STATUS_SUCCESS);
        cr_assert_eq(object, t->object->va);
        cr_assert_eq(t->object->references, 3, "the thread's own, the handle's, ours");
        cr_assert_eq(ZwClose(c, handle), STATUS_SUCCESS);
        p->object = object;
        return true;
    }
    case 1:
        p->status = wait_one(c, p->object, forever);
        return true;
    case 2: {
        cr_assert_eq(p->status, STATUS_SUCCESS);
        cr_assert_geq(p->woke_at, 3 * 10000, "signalled when the thread ended");
        ke_object *o = ke_object_at(m, p->object);
        cr_assert_eq(o->references, 1, "the thread dropped its own at its end");
        c->ddi = DDI_ObDereferenceObject;
        ObDereferenceObject(c, p->object); /* the last: the ETHREAD is freed */
        cr_assert_not(ke_stopped(m));
        ObDereferenceObject(c, p->object); /* once too often */
        cr_assert(ke_stopped(m));
        cr_assert_eq(m->bugcheck.code, 0x18, "REFERENCE_BY_POINTER");
        return false;
    }
    default:
        return false;
    }
}

Test(threads, a_thread_object_is_signalled_at_the_end_and_counts_references, .fini = shutdown)
{
    boot(1, 2, references);
    cr_assert_eq(ke_run(m), KE_STOP_BUGCHECK);
    cr_assert_eq(m->bugcheck.code, 0x18);
}

/* NtClose from kernel mode on a handle that is not valid: 0x93, P1 the
 * handle, P2 = 1 (bug-check-0x93--invalid-kernel-handle.md). */
static bool close_twice(prog *p, ke_call *c, uint32_t step)
{
    (void)p;
    if (step != 0)
        return false;
    ke_thread *t = start(short_lived);
    uint64_t handle = ob_create_handle(m, t->object);
    c->ddi = DDI_ZwClose;
    cr_assert_eq(ZwClose(c, handle), STATUS_SUCCESS);
    cr_assert_not(ke_stopped(m));
    ZwClose(c, handle);
    cr_assert(ke_stopped(m), "closed already");
    cr_assert_eq(m->bugcheck.code, 0x93, "INVALID_KERNEL_HANDLE");
    cr_assert_eq(m->bugcheck.params[0], handle);
    cr_assert_eq(m->bugcheck.params[1], 1, "an invalid handle closed");
    cr_assert_eq(m->bugcheck.params[3], 0);
    return false;
}

Test(threads, closing_a_closed_handle_is_invalid_kernel_handle, .fini = shutdown)
{
    boot(1, 2, close_twice);
    cr_assert_eq(ke_run(m), KE_STOP_BUGCHECK);
    cr_assert_eq(m->bugcheck.code, 0x93);
}

/*
 * dispatcher.c - dispatcher objects and waits: events (notification and
 * synchronization), semaphores, mutexes and thread objects;
 * KeInitializeEvent, KeSetEvent, KeResetEvent, KeClearEvent,
 * KeReadStateEvent, KeInitializeSemaphore, KeReleaseSemaphore,
 * KeReadStateSemaphore, KeInitializeMutex, KeReleaseMutex, KeReadStateMutex,
 * KeWaitForSingleObject, KeWaitForMultipleObjects, KeDelayExecutionThread,
 * KeQuerySystemTime, KeQueryInterruptTime; critical and guarded regions
 * (KeEnter/LeaveCriticalRegion, KeEnter/LeaveGuardedRegion,
 * KeAreApcsDisabled, KeAreAllApcsDisabled) and a thread's exit checks.
 *
 * The kernel keeps each object's state here (signal state, waiters) and
 * mirrors its DISPATCHER_HEADER (Type, SignalState) into simulated memory, so
 * a driver reading its KEVENT sees what Windows would show.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "mm/mm.h"

#define STATUS_WAIT_0                   ((NTSTATUS)0x00000000)
#define STATUS_MUTANT_NOT_OWNED         ((NTSTATUS)0xC0000046u)
#define STATUS_SEMAPHORE_LIMIT_EXCEEDED ((NTSTATUS)0xC0000047u)

/* KEVENT sizes (wdm.h): a DISPATCHER_HEADER. */
#define KEVENT_SIZE_X64 0x18u
#define KEVENT_SIZE_X86 0x10u

/* KSEMAPHORE: the header, then LONG Limit. */
#define KSEMAPHORE_SIZE_X64  0x20u
#define KSEMAPHORE_SIZE_X86  0x14u
#define KSEMAPHORE_LIMIT_X64 0x18u
#define KSEMAPHORE_LIMIT_X86 0x10u

/* KMUTEX (= KMUTANT): the header, LIST_ENTRY MutantListEntry, PKTHREAD
 * OwnerThread, BOOLEAN Abandoned, UCHAR ApcDisable. */
#define KMUTEX_SIZE_X64        0x38u
#define KMUTEX_SIZE_X86        0x20u
#define KMUTEX_OWNER_X64       0x28u
#define KMUTEX_OWNER_X86       0x18u
#define KMUTEX_APC_DISABLE_X64 0x31u
#define KMUTEX_APC_DISABLE_X86 0x1Du

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

ke_object *ke_object_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->objects, va);
}

ke_thread *ke_thread_at(const ke_machine *m, PVOID_VA va)
{
    const ke_object *o = va != 0 ? ke_object_at(m, va) : NULL;
    return o != NULL && o->type == KE_OBJECT_THREAD ? o->thread : NULL;
}

/* SignalState (and a mutex's owner) into simulated memory, as Windows'
 * KeSetEvent and the waits change them; the Type byte is the
 * initialisation's (mirror). */
static void mirror_state(ke_machine *m, const ke_object *o)
{
    mm_poke(m->mm, o->va + 4, &o->signal_state, 4);
    if (o->type == KE_OBJECT_MUTANT) {
        bool x86 = m->config.arch == KE_ARCH_X86;
        uint64_t owner = o->owner != NULL ? o->owner->object->va : 0;
        mm_poke(m->mm, o->va + (x86 ? KMUTEX_OWNER_X86 : KMUTEX_OWNER_X64), &owner, x86 ? 4 : 8);
    }
}

/* The whole header an initialisation writes: Type, then mirror_state's. */
static void mirror(ke_machine *m, const ke_object *o)
{
    uint8_t type = (uint8_t)o->type;
    mm_poke(m->mm, o->va, &type, 1);
    mirror_state(m, o);
}

/* The owner's list of mutexes: appended at acquisition, as KiWaitSatisfy-
 * Mutant inserts at the tail of MutantListHead. */
static void own_mutex(ke_thread *t, ke_object *o)
{
    ke_object **p = &t->owned_mutexes;
    while (*p != NULL)
        p = &(*p)->next_owned;
    o->next_owned = NULL;
    *p = o;
}

static void disown_mutex(ke_thread *t, ke_object *o)
{
    for (ke_object **p = &t->owned_mutexes; *p != NULL; p = &(*p)->next_owned) {
        if (*p == o) {
            *p = o->next_owned;
            o->next_owned = NULL;
            return;
        }
    }
}

ke_object *ke_object_init(ke_machine *m, PVOID_VA va, ke_object_type type, int32_t signal)
{
    ke_object *o = des_map_get(&m->objects, va);
    if (o == NULL) {
        o = calloc(1, sizeof *o);
        if (o == NULL || !des_map_put(&m->objects, va, o)) {
            free(o);
            return NULL;
        }
        o->va = va;
    }
    /* Reinitialising an object with waiters corrupts their wait in Windows;
     * here the waiters stay queued, which is kinder but still a bug. An
     * owned mutex reinitialised leaves its owner's list. */
    if (o->type == KE_OBJECT_MUTANT && o->owner != NULL)
        disown_mutex(o->owner, o);
    o->owner = NULL;
    o->apc_disable = 0;
    o->limit = 0;
    o->type = type;
    o->signal_state = signal;
    o->references = 0; /* memory reused for a new object (an ETHREAD sets its own) */
    mirror(m, o);
    return o;
}

/* ------------------------------------------------------------------------ */
/* Waits                                                                    */
/* ------------------------------------------------------------------------ */

static void link_block(ke_object *o, ke_wait_block *wb)
{
    wb->next = NULL;
    wb->prev = o->waiters_tail;
    if (o->waiters_tail != NULL)
        o->waiters_tail->next = wb;
    else
        o->waiters_head = wb;
    o->waiters_tail = wb;
    wb->queued = true;
}

static void unlink_blocks(ke_thread *t)
{
    for (uint32_t i = 0; i < t->wait_count; i++) {
        ke_wait_block *wb = &t->blocks[i];
        if (!wb->queued)
            continue;
        ke_object *o = wb->object;
        if (wb->prev != NULL)
            wb->prev->next = wb->next;
        else
            o->waiters_head = wb->next;
        if (wb->next != NULL)
            wb->next->prev = wb->prev;
        else
            o->waiters_tail = wb->prev;
        wb->queued = false;
    }
    t->wait_count = 0;
}

/* Whether an object satisfies thread t's wait: signalled, or (a mutex) owned
 * by t already, which a recursive acquisition takes again. */
static bool signalled(const ke_object *o, const ke_thread *t)
{
    if (o->type == KE_OBJECT_MUTANT && o->owner == t && t != NULL)
        return true;
    return o->signal_state > 0;
}

/* What satisfying t's wait does to an object: a synchronization event resets
 * (it releases one waiter), a semaphore's count drops by one, a mutex goes
 * one level deeper and, taken free, becomes t's with a critical region
 * (KiWaitSatisfyMutant: KernelApcDisable -= ApcDisable); the others stay
 * signalled. */
static void consume(ke_machine *m, ke_object *o, ke_thread *t)
{
    switch (o->type) {
    case KE_OBJECT_SYNCHRONIZATION_EVENT:
        o->signal_state = 0;
        break;
    case KE_OBJECT_SEMAPHORE:
        o->signal_state--;
        break;
    case KE_OBJECT_MUTANT:
        o->signal_state--;
        if (o->signal_state == 0) {
            o->owner = t;
            t->kernel_apc_disable = (int16_t)(t->kernel_apc_disable - o->apc_disable);
            own_mutex(t, o);
        }
        if (ke_hook_wanted(m, KE_EVENT_LOCK_ACQUIRED)) {
            /* The wait that takes it is satisfied: by the waiter itself, or
             * by a release on its behalf (at the IRQL it waits at). */
            const ke_frame *f = ke_top_frame(&t->exec);
            KIRQL irql =
                t->state == KE_THREAD_RUNNING ? m->cpus[t->exec.cpu].irql : t->wait_irql;
            ke_hook_lock_exec(m, KE_EVENT_LOCK_ACQUIRED, KE_LOCK_MUTEX, o->va, &t->exec,
                              f != NULL ? f->driver : NULL, irql);
        }
        break;
    default:
        return;
    }
    mirror_state(m, o);
}

/* Whether the objects of t's wait satisfy it now: the index of the first
 * signalled one for WaitAny, 0 when all are for WaitAll; -1 if not. */
static int64_t satisfied(ke_object *const *objects, uint32_t count, bool wait_all,
                         const ke_thread *t)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!wait_all && signalled(objects[i], t))
            return i;
        if (wait_all && !signalled(objects[i], t))
            return -1;
    }
    return wait_all ? 0 : -1;
}

/* Satisfies a wait of exec (t's code, or a DPC polling with a zero
 * timeout on t): each object that satisfies it is consumed, and for the
 * race detector exec sees what was done before the object was signalled
 * (SYNC_ACQUIRE). */
static void consume_for(ke_machine *m, ke_object *const *objects, uint32_t count, bool wait_all,
                        int64_t index, ke_thread *t, ke_exec *exec)
{
    if (wait_all) {
        for (uint32_t i = 0; i < count; i++) {
            consume(m, objects[i], t);
            ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, objects[i]->va, exec, KE_ROLE_NONE);
        }
    } else {
        consume(m, objects[index], t);
        ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, objects[index]->va, exec, KE_ROLE_NONE);
    }
}

void ke_object_signal(ke_machine *m, ke_object *o)
{
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_SIGNAL);
    des_rec_u64(&rec, o->va);
    des_rec_u32(&rec, (uint32_t)o->signal_state);
    ke_trace_commit(m, &rec);

    /* Waiters in arrival order; each one satisfied leaves the list, so the
     * walk restarts from the head until no waiter can be satisfied. */
    ke_wait_block *wb = o->waiters_head;
    while (wb != NULL && o->signal_state > 0) {
        ke_thread *t = wb->thread;
        ke_object *objects[KE_MAX_WAIT_OBJECTS];
        for (uint32_t i = 0; i < t->wait_count; i++)
            objects[i] = t->blocks[i].object;
        int64_t index = satisfied(objects, t->wait_count, t->wait_all, t);
        if (index < 0) {
            wb = wb->next;
            continue;
        }
        consume_for(m, objects, t->wait_count, t->wait_all, index, t, &t->exec);
        unlink_blocks(t);
        ke_ready_thread(m, t, STATUS_WAIT_0 + (NTSTATUS)index);
        wb = o->waiters_head;
    }
    mirror_state(m, o);
}

static void wake_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    ke_thread *t = DES_CONTAINER_OF(ev, ke_thread, wake);
    if (t->state != KE_THREAD_WAITING)
        return;
    unlink_blocks(t);
    ke_ready_thread(t->machine, t, t->timeout_status);
}

void ke_thread_init_wake(ke_thread *t)
{
    des_event_init(&t->wake, wake_fire);
}

/* The due time of a timeout, or 0 when it has already passed (a poll). */
static uint64_t due_of(const ke_machine *m, ke_timeout timeout)
{
    uint64_t now = m->des.now_100ns;
    if (timeout.value_100ns < 0) {
        uint64_t interval = (uint64_t) - (timeout.value_100ns + 1) + 1;
        return now + interval < now ? DES_TIME_NEVER - 1 : now + interval;
    }
    /* Absolute: system time. */
    if (timeout.value_100ns <= KE_BOOT_SYSTEM_TIME)
        return 0;
    uint64_t since_boot = (uint64_t)(timeout.value_100ns - KE_BOOT_SYSTEM_TIME);
    return since_boot <= now ? 0 : since_boot;
}

/* Puts the calling thread to sleep on objects (none: a delay) until they
 * satisfy the wait or the timeout passes. */
static void block(ke_call *call, ke_object *const *objects, uint32_t count, bool wait_all,
                  uint64_t due, NTSTATUS timeout_status)
{
    ke_machine *m = call->m;
    ke_thread *t = call->thread;
    if (call->exec->is_dpc || call->exec->is_isr) {
        /* A DPC has no thread of its own to put to sleep: the dispatcher
         * would switch away from the thread it interrupted. P1 that thread,
         * P2 the one it would switch to (none chosen: 0). An ISR is in the
         * same position (the page documents DPCs; the check is the same). */
        const uint64_t p[4] = {t->object->va, 0, 0, 0};
        kd_raise_full(call, RULE_kdpc_switch, 0xB8, p, NULL, NULL);
        return;
    }
    KE_CHECK(m, t->state == KE_THREAD_RUNNING && !t->idle);
    t->wait_count = count;
    t->wait_all = wait_all;
    for (uint32_t i = 0; i < count; i++) {
        ke_wait_block *wb = &t->blocks[i];
        wb->thread = t;
        wb->object = objects[i];
        wb->index = i;
        link_block(objects[i], wb);
    }
    t->timeout_status = timeout_status;
    if (due != DES_TIME_NEVER && !des_schedule(&m->des, &t->wake, due))
        ke_panic(m, __FILE__, __LINE__, "out of host memory scheduling a timeout");
    /* The thread's IRQL goes with it (Windows' WaitIrql); its processor is
     * free for others at PASSIVE_LEVEL. */
    ke_processor *cpu = ke_call_cpu(call);
    t->wait_irql = cpu->irql;
    ke_cpu_set_irql(m, cpu, PASSIVE_LEVEL);
    t->state = KE_THREAD_WAITING;
    call->blocked = true;

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAIT);
    des_rec_u32(&rec, t->id);
    des_rec_u64(&rec, due);
    ke_trace_commit(m, &rec);
}

/* A wait on objects: satisfied now, a timeout now, or a block. Returns the
 * wait's status when it does not block. */
static NTSTATUS wait_objects(ke_call *call, ke_object *const *objects, uint32_t count,
                             bool wait_all, ke_timeout timeout)
{
    int64_t index = satisfied(objects, count, wait_all, call->thread);
    if (index >= 0) {
        consume_for(call->m, objects, count, wait_all, index, call->thread, call->exec);
        return STATUS_WAIT_0 + (NTSTATUS)index;
    }
    uint64_t due = timeout.given ? due_of(call->m, timeout) : DES_TIME_NEVER;
    if (due == 0)
        return STATUS_TIMEOUT; /* a zero or past timeout polls */
    block(call, objects, count, wait_all, due, STATUS_TIMEOUT);
    return STATUS_PENDING; /* the real status comes at the wake */
}

void ke_wait_on(ke_call *call, ke_object *o)
{
    if (wait_objects(call, &o, 1, false, (ke_timeout){.given = false}) == STATUS_WAIT_0)
        return; /* already signalled */
}

void ke_wait_interval(ke_call *call, uint64_t interval_100ns)
{
    uint64_t now = call->m->des.now_100ns;
    uint64_t due = now + interval_100ns < now ? DES_TIME_NEVER - 1 : now + interval_100ns;
    block(call, NULL, 0, false, due, STATUS_SUCCESS);
}

/*
 * What an uninitialised or bogus object does to the dispatcher: reading its
 * header (unmapped: a page fault) or linking a wait into its zeroed list head
 * (a NULL dereference). Either way the bug check Windows would give.
 */
static void bad_object(ke_call *call, PVOID_VA va)
{
    uint8_t header;
    if (mm_access(call, va, &header, 1, false)) {
        PVOID_VA null_flink = 0;
        mm_access(call, 0, &null_flink, sizeof null_flink, true);
    }
}

NTSTATUS KeWaitForSingleObject(ke_call *call, PVOID_VA Object, ULONG WaitReason, ULONG WaitMode,
                               bool Alertable, ke_timeout Timeout)
{
    (void)WaitReason; /* affects nothing drvsim observes */
    (void)WaitMode;
    (void)Alertable; /* no APCs are simulated: an alertable wait is never alerted */
    ke_object *o = ke_object_at(call->m, Object);
    if (o == NULL) {
        bad_object(call, Object);
        return STATUS_ACCESS_VIOLATION;
    }
    return wait_objects(call, &o, 1, false, Timeout);
}

NTSTATUS KeWaitForMultipleObjects(ke_call *call, ULONG Count, const ke_ptr_array *Object,
                                  ULONG WaitType, ULONG WaitReason, ULONG WaitMode, bool Alertable,
                                  ke_timeout Timeout, PVOID_VA WaitBlockArray)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    /* THREAD_WAIT_OBJECTS (3) wait blocks come with the thread; more need
     * the caller's array, and no wait takes more than 64 objects. */
    if (Count > KE_MAX_WAIT_OBJECTS || (Count > 3 && WaitBlockArray == 0)) {
        const uint64_t p[4] = {Count, WaitBlockArray, 0, 0};
        kd_raise_full(call, RULE_kwait_too_many, 0x0C, p, NULL, NULL);
        return STATUS_INVALID_PARAMETER;
    }
    ke_object *objects[KE_MAX_WAIT_OBJECTS];
    for (ULONG i = 0; i < Count; i++) {
        PVOID_VA va = i < Object->count ? Object->items[i] : 0;
        objects[i] = ke_object_at(call->m, va);
        if (objects[i] == NULL) {
            bad_object(call, va);
            return STATUS_ACCESS_VIOLATION;
        }
    }
    return wait_objects(call, objects, Count, WaitType == 0 /* WaitAll */, Timeout);
}

NTSTATUS KeDelayExecutionThread(ke_call *call, ULONG WaitMode, bool Alertable, ke_timeout Interval)
{
    (void)WaitMode;
    (void)Alertable;
    if (!Interval.given) {
        PVOID_VA null_interval = 0;
        mm_access(call, 0, &null_interval, sizeof null_interval, false); /* *NULL */
        return STATUS_ACCESS_VIOLATION;
    }
    uint64_t due = due_of(call->m, Interval);
    if (due == 0)
        due = call->m->des.now_100ns; /* a zero delay still yields the processor */
    block(call, NULL, 0, false, due, STATUS_SUCCESS);
    return STATUS_PENDING;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

void KeInitializeEvent(ke_call *call, PVOID_VA Event, ULONG Type, bool State)
{
    ke_machine *m = call->m;
    uint32_t size = m->config.arch == KE_ARCH_X86 ? KEVENT_SIZE_X86 : KEVENT_SIZE_X64;
    uint8_t zero[KEVENT_SIZE_X64] = {0};
    /* Writing the header is the driver's own store into its storage. */
    if (!mm_access(call, Event, zero, size, true))
        return;
    ke_object_type type =
        Type == 1 ? KE_OBJECT_SYNCHRONIZATION_EVENT : KE_OBJECT_NOTIFICATION_EVENT;
    if (ke_object_init(m, Event, type, State ? 1 : 0) == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising an event");
}

static ke_object *event_at(ke_call *call, PVOID_VA Event)
{
    ke_object *o = ke_object_at(call->m, Event);
    if (o == NULL ||
        (o->type != KE_OBJECT_NOTIFICATION_EVENT && o->type != KE_OBJECT_SYNCHRONIZATION_EVENT)) {
        bad_object(call, Event);
        return NULL;
    }
    return o;
}

void ke_object_set_state(ke_machine *m, ke_object *o, int32_t state)
{
    o->signal_state = state;
    if (state > 0)
        ke_object_signal(m, o);
    else
        mirror_state(m, o);
}

int32_t KeSetEvent(ke_call *call, PVOID_VA Event, int32_t Increment, bool Wait)
{
    (void)Increment; /* priority boosts are not simulated */
    (void)Wait;      /* Wait = TRUE promises a wait right after: nothing to do here */
    ke_object *o = event_at(call, Event);
    if (o == NULL)
        return 0;
    int32_t previous = o->signal_state;
    o->signal_state = 1;
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, Event);
    ke_object_signal(call->m, o);
    return previous;
}

int32_t KeResetEvent(ke_call *call, PVOID_VA Event)
{
    ke_object *o = event_at(call, Event);
    if (o == NULL)
        return 0;
    int32_t previous = o->signal_state;
    o->signal_state = 0;
    mirror_state(call->m, o);
    return previous;
}

void KeClearEvent(ke_call *call, PVOID_VA Event)
{
    KeResetEvent(call, Event);
}

int32_t KeReadStateEvent(ke_call *call, PVOID_VA Event)
{
    ke_object *o = event_at(call, Event);
    return o != NULL ? o->signal_state : 0;
}

/* ------------------------------------------------------------------------ */
/* Semaphores                                                               */
/* ------------------------------------------------------------------------ */

void KeInitializeSemaphore(ke_call *call, PVOID_VA Semaphore, int32_t Count, int32_t Limit)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint8_t zero[KSEMAPHORE_SIZE_X64] = {0};
    if (!mm_access(call, Semaphore, zero, x86 ? KSEMAPHORE_SIZE_X86 : KSEMAPHORE_SIZE_X64, true) ||
        !mm_access(call, Semaphore + (x86 ? KSEMAPHORE_LIMIT_X86 : KSEMAPHORE_LIMIT_X64), &Limit, 4,
                   true))
        return;
    ke_object *o = ke_object_init(m, Semaphore, KE_OBJECT_SEMAPHORE, Count);
    if (o == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a semaphore");
    o->limit = Limit;
}

static ke_object *object_of_type(ke_call *call, PVOID_VA va, ke_object_type type)
{
    ke_object *o = ke_object_at(call->m, va);
    if (o == NULL || o->type != type) {
        bad_object(call, va);
        return NULL;
    }
    return o;
}

/*
 * Adds Adjustment to the count and wakes as many waiters as it now admits.
 * A count that would pass the Limit (or wrap) is refused as KeReleaseSemaphore
 * does: the structured exception STATUS_SEMAPHORE_LIMIT_EXCEEDED, the count
 * unchanged. Returns the previous count.
 */
int32_t KeReleaseSemaphore(ke_call *call, PVOID_VA Semaphore, int32_t Increment, int32_t Adjustment,
                           bool Wait)
{
    (void)Increment; /* priority boosts are not simulated */
    (void)Wait;      /* as KeSetEvent's */
    ke_object *o = object_of_type(call, Semaphore, KE_OBJECT_SEMAPHORE);
    if (o == NULL)
        return 0;
    int32_t previous = o->signal_state;
    int64_t state = (int64_t)previous + Adjustment;
    if (state > o->limit || state < previous) {
        call->raised = STATUS_SEMAPHORE_LIMIT_EXCEEDED;
        return previous;
    }
    o->signal_state = (int32_t)state;
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, Semaphore);
    ke_object_signal(call->m, o);
    return previous;
}

int32_t KeReadStateSemaphore(ke_call *call, PVOID_VA Semaphore)
{
    ke_object *o = object_of_type(call, Semaphore, KE_OBJECT_SEMAPHORE);
    return o != NULL ? o->signal_state : 0;
}

/* ------------------------------------------------------------------------ */
/* Mutexes                                                                  */
/* ------------------------------------------------------------------------ */

/* A KMUTEX is a mutant whose acquisition disables normal kernel APCs
 * (ApcDisable = 1). Level only orders mutexes on checked builds of old
 * Windows; nothing checks it now. */
void KeInitializeMutex(ke_call *call, PVOID_VA Mutex, ULONG Level)
{
    (void)Level;
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint8_t zero[KMUTEX_SIZE_X64] = {0};
    uint8_t apc_disable = 1;
    if (!mm_access(call, Mutex, zero, x86 ? KMUTEX_SIZE_X86 : KMUTEX_SIZE_X64, true) ||
        !mm_access(call, Mutex + (x86 ? KMUTEX_APC_DISABLE_X86 : KMUTEX_APC_DISABLE_X64),
                   &apc_disable, 1, true))
        return;
    ke_object *o = ke_object_init(m, Mutex, KE_OBJECT_MUTANT, 1);
    if (o == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising a mutex");
    o->apc_disable = apc_disable;
    ke_hook_lock(call, KE_EVENT_LOCK_INITIALIZED, KE_LOCK_MUTEX, Mutex);
}

/*
 * Gives back one level of ownership; the last one frees the mutex, ends the
 * critical region its acquisition entered, and wakes a waiter. A caller that
 * does not own it gets what KeReleaseMutant gives (KeReleaseMutex is
 * KeReleaseMutant(Mutex, 1, FALSE, Wait)): the structured exception
 * STATUS_MUTANT_NOT_OWNED. The THREAD_NOT_MUTEX_OWNER bug check (0x11) is
 * what NT 3.x did; since mutexes became mutants (NT 4) Windows raises.
 * Returns the previous signal state.
 */
int32_t KeReleaseMutex(ke_call *call, PVOID_VA Mutex, bool Wait)
{
    (void)Wait;
    ke_object *o = object_of_type(call, Mutex, KE_OBJECT_MUTANT);
    if (o == NULL)
        return 0;
    ke_thread *t = call->thread;
    int32_t previous = o->signal_state;
    if (o->owner != t) {
        call->raised = STATUS_MUTANT_NOT_OWNED;
        return previous;
    }
    ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, KE_LOCK_MUTEX, Mutex);
    o->signal_state++;
    if (o->signal_state == 1) {
        disown_mutex(t, o);
        o->owner = NULL;
        t->kernel_apc_disable = (int16_t)(t->kernel_apc_disable + o->apc_disable);
        ke_object_signal(call->m, o);
    } else {
        mirror_state(call->m, o);
    }
    return previous;
}

int32_t KeReadStateMutex(ke_call *call, PVOID_VA Mutex)
{
    ke_object *o = object_of_type(call, Mutex, KE_OBJECT_MUTANT);
    return o != NULL ? o->signal_state : 0;
}

/* ------------------------------------------------------------------------ */
/* Critical and guarded regions                                             */
/* ------------------------------------------------------------------------ */

/* Only counts: no APCs are delivered in drvsim, so a region changes nothing
 * else, but the counts are what Windows checks (at thread exit, in the
 * verifier). */
void KeEnterCriticalRegion(ke_call *call)
{
    call->thread->kernel_apc_disable--;
}

void KeLeaveCriticalRegion(ke_call *call)
{
    call->thread->kernel_apc_disable++;
}

void KeEnterGuardedRegion(ke_call *call)
{
    call->thread->special_apc_disable--;
}

void KeLeaveGuardedRegion(ke_call *call)
{
    call->thread->special_apc_disable++;
}

/* CombinedApcDisable != 0: in a critical or a guarded region. */
bool KeAreApcsDisabled(ke_call *call)
{
    return ke_combined_apc_disable(call->thread) != 0;
}

/* In a guarded region, or at APC_LEVEL and above. */
bool KeAreAllApcsDisabled(ke_call *call)
{
    return call->thread->special_apc_disable != 0 || ke_call_irql(call) >= APC_LEVEL;
}

/* ------------------------------------------------------------------------ */
/* Thread exit                                                              */
/* ------------------------------------------------------------------------ */

/*
 * PspExitThread first lowers to PASSIVE_LEVEL and refuses a thread whose
 * CombinedApcDisable is not zero: KERNEL_APC_PENDING_DURING_EXIT (0x20) with
 * P1 0 (no APC named), P2 the count, P3 0 (the IRQL it just lowered to) and
 * P4 1, as the Windows Research Kernel's ps/psdelete.c raises it. Then
 * KeRundownThread abandons the mutants the thread owns, but a kernel mutex
 * (ApcDisable != 0) is THREAD_TERMINATE_HELD_MUTEX (0x4000008A), P1 the
 * thread, P2 the mutex (ke/thrdobj.c). A thread that still owns a KMUTEX is
 * still in the critical region its acquisition entered, so the first check
 * is the one it meets unless the driver rebalanced the count.
 */
bool ke_thread_exit_checks(ke_call *call, ke_thread *t)
{
    uint32_t combined = ke_combined_apc_disable(t);
    if (combined != 0) {
        const uint64_t p[4] = {0, combined, 0, 1};
        kd_raise_full(call, RULE_kthread_exit_apcs_disabled, 0x20, p, t->creator, NULL);
        return false;
    }
    for (ke_object *o = t->owned_mutexes; o != NULL; o = o->next_owned) {
        if (o->apc_disable != 0) {
            const uint64_t p[4] = {t->object->va, o->va, 0, 0};
            kd_raise_full(call, RULE_kthread_exit_mutex_held, 0x4000008Au, p, t->creator, NULL);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                     */
/* ------------------------------------------------------------------------ */

void KeQuerySystemTime(ke_call *call, int64_t *CurrentTime)
{
    *CurrentTime = KE_BOOT_SYSTEM_TIME + (int64_t)call->m->des.now_100ns;
}

uint64_t KeQueryInterruptTime(ke_call *call)
{
    return call->m->des.now_100ns;
}

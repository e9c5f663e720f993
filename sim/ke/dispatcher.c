/*
 * dispatcher.c - dispatcher objects and waits: events (notification and
 * synchronization) and thread objects; KeInitializeEvent, KeSetEvent,
 * KeResetEvent, KeClearEvent, KeReadStateEvent, KeWaitForSingleObject,
 * KeWaitForMultipleObjects, KeDelayExecutionThread, KeQuerySystemTime,
 * KeQueryInterruptTime.
 *
 * The kernel keeps each object's state here (signal state, waiters) and
 * mirrors its DISPATCHER_HEADER (Type, SignalState) into simulated memory, so
 * a driver reading its KEVENT sees what Windows would show.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "kd/kd.h"
#include "ke/ke.h"
#include "mm/mm.h"

#define STATUS_WAIT_0 ((NTSTATUS)0x00000000)

/* KEVENT sizes (wdm.h): a DISPATCHER_HEADER. */
#define KEVENT_SIZE_X64 0x18u
#define KEVENT_SIZE_X86 0x10u

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

ke_object *ke_object_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->objects, va);
}

static void mirror(ke_machine *m, const ke_object *o)
{
    uint8_t type = (uint8_t)o->type;
    mm_poke(m->mm, o->va, &type, 1);
    mm_poke(m->mm, o->va + 4, &o->signal_state, 4);
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
     * here the waiters stay queued, which is kinder but still a bug. */
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

static bool signalled(const ke_object *o)
{
    return o->signal_state > 0;
}

/* What satisfying a wait does to an object: a synchronization event resets
 * (it releases one waiter), the others stay signalled. */
static void consume(ke_machine *m, ke_object *o)
{
    if (o->type == KE_OBJECT_SYNCHRONIZATION_EVENT) {
        o->signal_state = 0;
        mirror(m, o);
    }
}

/* Whether the objects of a wait satisfy it now: the index of the first
 * signalled one for WaitAny, 0 when all are for WaitAll; -1 if not. */
static int64_t satisfied(ke_object *const *objects, uint32_t count, bool wait_all)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!wait_all && signalled(objects[i]))
            return i;
        if (wait_all && !signalled(objects[i]))
            return -1;
    }
    return wait_all ? 0 : -1;
}

static void consume_for(ke_machine *m, ke_object *const *objects, uint32_t count, bool wait_all,
                        int64_t index)
{
    if (wait_all) {
        for (uint32_t i = 0; i < count; i++)
            consume(m, objects[i]);
    } else {
        consume(m, objects[index]);
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
    while (wb != NULL && signalled(o)) {
        ke_thread *t = wb->thread;
        ke_object *objects[KE_MAX_WAIT_OBJECTS];
        for (uint32_t i = 0; i < t->wait_count; i++)
            objects[i] = t->blocks[i].object;
        int64_t index = satisfied(objects, t->wait_count, t->wait_all);
        if (index < 0) {
            wb = wb->next;
            continue;
        }
        consume_for(m, objects, t->wait_count, t->wait_all, index);
        unlink_blocks(t);
        ke_ready_thread(m, t, STATUS_WAIT_0 + (NTSTATUS)index);
        wb = o->waiters_head;
    }
    mirror(m, o);
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
    int64_t index = satisfied(objects, count, wait_all);
    if (index >= 0) {
        consume_for(call->m, objects, count, wait_all, index);
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

int32_t KeSetEvent(ke_call *call, PVOID_VA Event, int32_t Increment, bool Wait)
{
    (void)Increment; /* priority boosts are not simulated */
    (void)Wait;      /* Wait = TRUE promises a wait right after: nothing to do here */
    ke_object *o = event_at(call, Event);
    if (o == NULL)
        return 0;
    int32_t previous = o->signal_state;
    o->signal_state = 1;
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
    mirror(call->m, o);
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

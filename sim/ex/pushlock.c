/*
 * pushlock.c - push locks: ExInitializePushLock,
 * ExAcquirePushLockExclusive(Ex), ExAcquirePushLockShared(Ex),
 * ExReleasePushLockExclusive(Ex), ExReleasePushLockShared(Ex).
 *
 * An EX_PUSH_LOCK is one pointer-sized word in simulated memory, with
 * wdm.h's bits: Locked (bit 0, any owner), Waiting (bit 1), and the shared
 * owners' count from bit 4 (EX_PUSH_LOCK_SHARE_INC, 0x10). Free is 0, owned
 * exclusively 0x1, by n readers (n << 4) | 0x1. While threads wait, Windows
 * replaces the word with the address of the waiters' chain (on their
 * stacks); drvsim keeps the owners' bits and sets Waiting, and keeps the
 * waiters in a queue of its own, in arrival order.
 *
 * The policy is Windows': a push lock is not recursive and not fair to
 * late readers. A reader gets in only while no writer owns it and nobody
 * waits; otherwise it waits. A release that frees the lock hands it to the
 * first waiter: a writer alone, or the readers at the head of the queue,
 * together. A thread that acquires a push lock it owns exclusively waits
 * for itself (the deadlock report names the thread and the lock). Each
 * acquisition and release is one atomic step; the caller's accesses fault
 * on a freed lock.
 *
 * The routines must be called at IRQL <= APC_LEVEL with normal kernel APCs
 * disabled (KeEnterCriticalRegion, or a guarded region): an APC that ran in
 * the owner and took the same lock would deadlock. Driver Verifier checks
 * that with 0xC4/0xEA and 0xEB, which drvsim does not raise yet (issue
 * 17). Releasing a push lock the thread does not hold is not checked
 * either, as on Windows: the word's arithmetic corrupts it.
 *
 * The kernel reports each acquisition and release through its hook
 * interface (KE_LOCK_PUSH_EXCLUSIVE, KE_LOCK_PUSH_SHARED), including the
 * acquisitions a release hands to waiting threads.
 */
#include <stdlib.h>

#include "ddi_table.h"
#include "ex/pushlock.h"
#include "ke/hooks.h"
#include "mm/mm.h"

#define PL_LOCKED    0x1u
#define PL_WAITING   0x2u
#define PL_SHARE_INC 0x10u

typedef struct pl_waiter {
    ke_thread *thread;
    bool exclusive;
} pl_waiter;

/* The waiters of one push lock, first come first. */
typedef struct ex_push_lock {
    pl_waiter *waiters;
    uint32_t head, count, capacity; /* a ring */
} ex_push_lock;

static size_t word_bytes(const ke_call *call)
{
    return call->m->config.arch == KE_ARCH_X86 ? 4 : 8;
}

static bool get(ke_call *call, PVOID_VA lock, uint64_t *v)
{
    *v = 0;
    return mm_access(call, lock, v, word_bytes(call), false);
}

static bool set(ke_call *call, PVOID_VA lock, uint64_t v)
{
    if (word_bytes(call) == 4)
        v &= UINT32_MAX;
    return mm_access(call, lock, &v, word_bytes(call), true);
}

static void lock_event(ke_call *call, ke_event_kind kind, bool exclusive, PVOID_VA lock,
                       ke_thread *thread)
{
    if (!ke_hook_wanted(call->m, kind))
        return;
    bool own = thread == call->thread;
    ke_event ev = {
        .kind = (uint8_t)kind,
        .lock = exclusive ? KE_LOCK_PUSH_EXCLUSIVE : KE_LOCK_PUSH_SHARED,
        .irql = ke_call_irql(call),
        .ddi = call->ddi,
        .call = own ? call : NULL,
        .exec = own ? call->exec : &thread->exec,
        .thread = thread,
        .driver = call->driver,
        .address = lock,
    };
    ke_hook(call->m, &ev);
}

static ex_push_lock *waiters_of(ke_machine *m, PVOID_VA lock)
{
    return des_map_get(&m->push_locks, lock);
}

static bool enqueue(ke_machine *m, PVOID_VA lock, ke_thread *t, bool exclusive)
{
    ex_push_lock *pl = waiters_of(m, lock);
    if (pl == NULL) {
        pl = calloc(1, sizeof *pl);
        if (pl == NULL || !des_map_put(&m->push_locks, lock, pl)) {
            free(pl);
            return false;
        }
    }
    if (pl->count == pl->capacity) {
        uint32_t capacity = pl->capacity != 0 ? 2 * pl->capacity : 4;
        pl_waiter *grown = malloc(capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        for (uint32_t i = 0; i < pl->count; i++)
            grown[i] = pl->waiters[(pl->head + i) % pl->capacity];
        free(pl->waiters);
        pl->waiters = grown;
        pl->head = 0;
        pl->capacity = capacity;
    }
    pl->waiters[(pl->head + pl->count) % pl->capacity] = (pl_waiter){t, exclusive};
    pl->count++;
    return true;
}

static bool has_waiters(ke_machine *m, PVOID_VA lock)
{
    const ex_push_lock *pl = waiters_of(m, lock);
    return pl != NULL && pl->count > 0;
}

/* The caller waits on its own event until a release hands it the lock. */
static void wait(ke_call *call, PVOID_VA lock, uint64_t v, bool exclusive)
{
    ke_machine *m = call->m;
    ke_object *event = ke_thread_lock_event(m, call->thread);
    if (event == NULL || !set(call, lock, v | PL_WAITING))
        return;
    if (!enqueue(m, lock, call->thread, exclusive))
        ke_panic(m, __FILE__, __LINE__, "out of host memory for a push lock's waiters");
    call->thread->lock_wait = lock;
    call->thread->lock_wait_kind = exclusive ? KE_LOCK_WAIT_PUSH_EXCLUSIVE : KE_LOCK_WAIT_PUSH_SHARED;
    ke_wait_on(call, event);
}

/* The lock is free: hand it to the first waiter (a writer), or to the
 * readers at the head of the queue. Returns the new word. */
static uint64_t hand_over(ke_call *call, PVOID_VA lock)
{
    ke_machine *m = call->m;
    ex_push_lock *pl = waiters_of(m, lock);
    if (pl == NULL || pl->count == 0)
        return 0;
    uint64_t v = 0;
    bool first = true;
    while (pl->count > 0) {
        pl_waiter w = pl->waiters[pl->head];
        if (!first && (w.exclusive || (v & ~(uint64_t)(PL_SHARE_INC - 1)) == 0))
            break;
        pl->head = (pl->head + 1) % pl->capacity;
        pl->count--;
        v = w.exclusive ? PL_LOCKED : v + PL_SHARE_INC;
        v |= PL_LOCKED;
        lock_event(call, KE_EVENT_LOCK_ACQUIRED, w.exclusive, lock, w.thread);
        w.thread->lock_wait = 0;
        w.thread->lock_wait_kind = 0;
        ke_object_set_state(m, w.thread->lock_event, 1);
        first = false;
        if (w.exclusive)
            break;
    }
    if (pl->count == 0) {
        des_map_remove(&m->push_locks, lock);
        free(pl->waiters);
        free(pl);
    } else {
        v |= PL_WAITING;
    }
    return v;
}

void ExInitializePushLock(ke_call *call, PVOID_VA PushLock)
{
    if (set(call, PushLock, 0))
        lock_event(call, KE_EVENT_LOCK_INITIALIZED, true, PushLock, call->thread);
}

void ExAcquirePushLockExclusiveEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    (void)Flags; /* EX_DEFAULT_PUSH_LOCK_FLAGS, the one value defined */
    uint64_t v;
    if (!get(call, PushLock, &v))
        return;
    if (v == 0) {
        if (set(call, PushLock, PL_LOCKED))
            lock_event(call, KE_EVENT_LOCK_ACQUIRED, true, PushLock, call->thread);
        return;
    }
    wait(call, PushLock, v, true);
}

void ExAcquirePushLockSharedEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    (void)Flags;
    uint64_t v;
    if (!get(call, PushLock, &v))
        return;
    /* Free, or shared with nobody waiting: one more reader. */
    if (v == 0 || ((v & PL_WAITING) == 0 && v >= (PL_SHARE_INC | PL_LOCKED) &&
                   !has_waiters(call->m, PushLock))) {
        if (set(call, PushLock, (v + PL_SHARE_INC) | PL_LOCKED))
            lock_event(call, KE_EVENT_LOCK_ACQUIRED, false, PushLock, call->thread);
        return;
    }
    wait(call, PushLock, v, false);
}

void ExReleasePushLockExclusiveEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    (void)Flags;
    uint64_t v;
    if (!get(call, PushLock, &v))
        return;
    lock_event(call, KE_EVENT_LOCK_RELEASED, true, PushLock, call->thread);
    if ((v & ~(uint64_t)PL_WAITING) != PL_LOCKED) {
        set(call, PushLock, v - PL_LOCKED); /* not held exclusively: corrupted */
        return;
    }
    set(call, PushLock, hand_over(call, PushLock));
}

void ExReleasePushLockSharedEx(ke_call *call, PVOID_VA PushLock, ULONG Flags)
{
    (void)Flags;
    uint64_t v;
    if (!get(call, PushLock, &v))
        return;
    lock_event(call, KE_EVENT_LOCK_RELEASED, false, PushLock, call->thread);
    if (v < (PL_SHARE_INC | PL_LOCKED)) {
        set(call, PushLock, v - PL_SHARE_INC); /* no reader holds it: corrupted */
        return;
    }
    uint64_t next = v - PL_SHARE_INC;
    if ((next & ~(uint64_t)(PL_SHARE_INC - 1)) != 0) {
        set(call, PushLock, next); /* other readers remain */
        return;
    }
    set(call, PushLock, hand_over(call, PushLock));
}

/* The macros of wdm.h: the Ex forms with EX_DEFAULT_PUSH_LOCK_FLAGS. */
void ExAcquirePushLockExclusive(ke_call *call, PVOID_VA PushLock)
{
    ExAcquirePushLockExclusiveEx(call, PushLock, 0);
}

void ExAcquirePushLockShared(ke_call *call, PVOID_VA PushLock)
{
    ExAcquirePushLockSharedEx(call, PushLock, 0);
}

void ExReleasePushLockExclusive(ke_call *call, PVOID_VA PushLock)
{
    ExReleasePushLockExclusiveEx(call, PushLock, 0);
}

void ExReleasePushLockShared(ke_call *call, PVOID_VA PushLock)
{
    ExReleasePushLockSharedEx(call, PushLock, 0);
}

void ex_push_locks_destroy(ke_machine *m)
{
    /* Freeing only: the map's order reaches nothing. */
    for (size_t i = 0; i < m->push_locks.capacity; i++) {
        ex_push_lock *pl = m->push_locks.slots[i].value;
        if (pl != NULL) {
            free(pl->waiters);
            free(pl);
        }
    }
    des_map_fini(&m->push_locks);
}

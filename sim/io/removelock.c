/*
 * removelock.c - remove locks (IO_REMOVE_LOCK): IoInitializeRemoveLockEx,
 * IoAcquireRemoveLockEx, IoReleaseRemoveLockEx, IoReleaseRemoveLockAndWaitEx,
 * the exports the WDK's IoInitializeRemoveLock, IoAcquireRemoveLock,
 * IoReleaseRemoveLock and IoReleaseRemoveLockAndWait macros expand to.
 *
 * The lock lives in the driver's memory (usually its device extension) as a
 * free build lays it out: IO_REMOVE_LOCK_COMMON_BLOCK, that is Removed, the
 * outstanding count IoCount (1 for the lock itself, plus one per
 * acquisition) and RemoveEvent, a synchronization event that the release
 * taking the count to zero sets. The kernel reads and writes those fields
 * in that memory as Windows does, so a lock in freed memory faults.
 *
 * Beside it, the kernel keeps what a checked kernel keeps in the lock's
 * DBG block and Driver Verifier in its shadow copy for free builds: the
 * outstanding acquisitions by tag, and whether IoReleaseRemoveLockAndWait
 * has run. I/O verification's checks (sim/vf/thunks_io.c: 0xC4 with
 * 0xD5, 0xD6, 0xD7) read it. A record goes when the memory holding its lock
 * is freed (pool, the image's data at unload), so a new lock at a reused
 * address starts fresh.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "io/io.h"
#include "ke/types.h"

#define STATUS_DELETE_PENDING ((NTSTATUS)0xC0000056u)
#define SYNCHRONIZATION_EVENT 1u /* EVENT_TYPE SynchronizationEvent */

static const ke_field *common_field(const char *name)
{
    return ke_type_field(KE_TYPE_IO_REMOVE_LOCK_COMMON_BLOCK, name);
}

io_remove_lock *io_remove_lock_at(const ke_machine *m, PVOID_VA va)
{
    for (io_remove_lock *l = m->remove_locks; l != NULL; l = l->next) {
        if (l->va == va)
            return l;
    }
    return NULL;
}

static void remove_lock_free(io_remove_lock *l)
{
    free(l->tags);
    free(l);
}

void io_remove_locks_freed(ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    for (io_remove_lock **p = &m->remove_locks; *p != NULL;) {
        io_remove_lock *l = *p;
        if (l->va >= start && l->va < end) {
            *p = l->next;
            remove_lock_free(l);
        } else {
            p = &l->next;
        }
    }
}

void io_remove_locks_destroy(ke_machine *m)
{
    for (io_remove_lock *l = m->remove_locks, *next; l != NULL; l = next) {
        next = l->next;
        remove_lock_free(l);
    }
    m->remove_locks = NULL;
}

uint32_t io_remove_lock_outstanding(const io_remove_lock *l, PVOID_VA tag)
{
    for (uint32_t i = 0; i < l->tag_count; i++) {
        if (l->tags[i].tag == tag)
            return l->tags[i].count;
    }
    return 0;
}

/* One more acquisition under `tag`; false on host OOM. */
static bool track_acquire(ke_machine *m, io_remove_lock *l, PVOID_VA tag)
{
    l->last_tag = tag;
    for (uint32_t i = 0; i < l->tag_count; i++) {
        if (l->tags[i].tag == tag) {
            l->tags[i].count++;
            return true;
        }
    }
    if (l->tag_count == l->tag_capacity) {
        uint32_t capacity = l->tag_capacity != 0 ? 2 * l->tag_capacity : 4;
        void *grown = realloc(l->tags, capacity * sizeof *l->tags);
        if (grown == NULL) {
            ke_panic(m, __FILE__, __LINE__, "out of host memory tracking a remove lock");
            return false;
        }
        l->tags = grown;
        l->tag_capacity = capacity;
    }
    l->tags[l->tag_count].tag = tag;
    l->tags[l->tag_count].count = 1;
    l->tag_count++;
    return true;
}

/* One acquisition under `tag` released, if there is one. */
static void track_release(io_remove_lock *l, PVOID_VA tag)
{
    for (uint32_t i = 0; i < l->tag_count; i++) {
        if (l->tags[i].tag != tag)
            continue;
        if (--l->tags[i].count == 0) {
            /* Keep the order: the oldest tag first. */
            memmove(&l->tags[i], &l->tags[i + 1], (l->tag_count - i - 1) * sizeof *l->tags);
            l->tag_count--;
        }
        return;
    }
}

PVOID_VA io_remove_lock_any_tag(const io_remove_lock *l)
{
    return l->tag_count > 0 ? l->tags[l->tag_count - 1].tag : l->last_tag;
}

void IoInitializeRemoveLockEx(ke_call *call, PVOID_VA Lock, ULONG AllocateTag,
                              ULONG MaxLockedMinutes, ULONG HighWatermark, ULONG RemlockSize)
{
    /* AllocateTag, MaxLockedMinutes and HighWatermark feed a checked
     * kernel's tracking blocks; RemlockSize tells a free build's lock from a
     * checked one's. A free kernel initialises the common block only. */
    (void)AllocateTag;
    (void)MaxLockedMinutes;
    (void)HighWatermark;
    (void)RemlockSize;
    ke_machine *m = call->m;
    if (!ke_field_set(call, Lock, common_field("Removed"), 0) ||
        !ke_field_set(call, Lock, common_field("IoCount"), 1))
        return; /* the store faulted */
    KeInitializeEvent(call, Lock + common_field("RemoveEvent")->offset[m->config.arch],
                      SYNCHRONIZATION_EVENT, false);
    if (ke_stopped(m))
        return;
    io_remove_lock *l = io_remove_lock_at(m, Lock);
    if (l == NULL) {
        l = calloc(1, sizeof *l);
        if (l == NULL) {
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating a remove lock");
            return;
        }
        l->va = Lock;
        l->next = m->remove_locks;
        m->remove_locks = l;
    }
    l->driver = call->driver;
    l->waited = false;
    l->tag_count = 0;
    l->last_tag = 0;
}

/* InterlockedIncrement / InterlockedDecrement on Common.IoCount; false
 * when the access faulted. */
static bool add_count(ke_call *call, PVOID_VA Lock, int32_t delta, int32_t *now)
{
    uint64_t v = 0;
    if (!ke_field_get(call, Lock, common_field("IoCount"), &v))
        return false;
    *now = (int32_t)(uint32_t)v + delta;
    return ke_field_set(call, Lock, common_field("IoCount"), (uint32_t)*now);
}

static void set_remove_event(ke_call *call, PVOID_VA Lock)
{
    ke_call kernel = *call;
    kernel.driver = NULL;
    KeSetEvent(&kernel, Lock + common_field("RemoveEvent")->offset[call->m->config.arch], 0,
               false);
}

NTSTATUS IoAcquireRemoveLockEx(ke_call *call, PVOID_VA RemoveLock, PVOID_VA Tag, PVOID_VA File,
                               ULONG Line, ULONG RemlockSize)
{
    (void)File; /* where the acquisition is: a checked kernel's tracking only */
    (void)Line;
    (void)RemlockSize;
    int32_t count = 0;
    if (!add_count(call, RemoveLock, 1, &count))
        return STATUS_ACCESS_VIOLATION;
    uint64_t removed = 0;
    if (!ke_field_get(call, RemoveLock, common_field("Removed"), &removed))
        return STATUS_ACCESS_VIOLATION;
    if (removed == 0) {
        io_remove_lock *l = io_remove_lock_at(call->m, RemoveLock);
        if (l != NULL && !track_acquire(call->m, l, Tag))
            return STATUS_INSUFFICIENT_RESOURCES;
        return STATUS_SUCCESS;
    }
    /* IoReleaseRemoveLockAndWait has begun: the acquisition is undone,
     * and the last one out signals the waiter. */
    if (!add_count(call, RemoveLock, -1, &count))
        return STATUS_ACCESS_VIOLATION;
    if (count == 0)
        set_remove_event(call, RemoveLock);
    return STATUS_DELETE_PENDING;
}

void IoReleaseRemoveLockEx(ke_call *call, PVOID_VA RemoveLock, PVOID_VA Tag, ULONG RemlockSize)
{
    (void)RemlockSize;
    int32_t count = 0;
    if (!add_count(call, RemoveLock, -1, &count))
        return;
    io_remove_lock *l = io_remove_lock_at(call->m, RemoveLock);
    if (l != NULL)
        track_release(l, Tag);
    if (count == 0)
        set_remove_event(call, RemoveLock); /* IoReleaseRemoveLockAndWait may go on */
}

void IoReleaseRemoveLockAndWaitEx(ke_call *call, PVOID_VA RemoveLock, PVOID_VA Tag,
                                  ULONG RemlockSize)
{
    (void)RemlockSize;
    ke_machine *m = call->m;
    if (!ke_field_set(call, RemoveLock, common_field("Removed"), 1))
        return;
    /* The caller's own acquisition, then the lock's initial count: the
     * event is set by whoever takes the count to zero. */
    int32_t count = 0;
    if (!add_count(call, RemoveLock, -1, &count))
        return;
    io_remove_lock *l = io_remove_lock_at(m, RemoveLock);
    if (l != NULL) {
        track_release(l, Tag);
        l->waited = true;
    }
    if (!add_count(call, RemoveLock, -1, &count))
        return;
    if (count > 0) {
        /* KeWaitForSingleObject(&RemoveEvent, Executive, KernelMode,
         * FALSE, NULL): until the outstanding acquisitions are released. */
        ke_call kernel = *call;
        kernel.driver = NULL;
        const ke_timeout forever = {.given = false, .value_100ns = 0};
        KeWaitForSingleObject(&kernel, RemoveLock + common_field("RemoveEvent")->offset[m->config.arch],
                              0 /* Executive */, 0 /* KernelMode */, false, forever);
        call->blocked = kernel.blocked;
    }
}

/*
 * resource.c - executive resources, the reader/writer lock of the executive:
 * ExInitializeResourceLite, ExReinitializeResourceLite, ExDeleteResourceLite,
 * ExAcquireResourceExclusiveLite, ExAcquireResourceSharedLite,
 * ExAcquireSharedStarveExclusive, ExAcquireSharedWaitForExclusive,
 * ExTryToAcquireResourceExclusiveLite, ExReleaseResourceLite,
 * ExReleaseResourceForThreadLite, ExConvertExclusiveToSharedLite,
 * ExIsResourceAcquiredExclusiveLite, ExIsResourceAcquiredSharedLite,
 * ExGetExclusiveWaiterCount, ExGetSharedWaiterCount,
 * ExEnterCriticalRegionAndAcquireResourceExclusive/Shared,
 * ExReleaseResourceAndLeaveCriticalRegion, ExGetCurrentResourceThread.
 *
 * The policy is the Windows Research Kernel's (ex/resource.c):
 * - a free resource goes to whoever asks; its exclusive owner may acquire it
 *   again, exclusive or shared, which only deepens its exclusive ownership;
 * - a shared owner asking again shared gets it at once; a new reader gets it
 *   while no writer waits (ExAcquireSharedStarveExclusive even then;
 *   ExAcquireSharedWaitForExclusive waits behind a waiting writer even when
 *   it holds the resource shared already);
 * - a writer waits until every reader has gone, so a shared owner asking for
 *   exclusive access waits for itself for ever;
 * - the releasing exclusive owner hands the resource to every waiting reader
 *   at once if there are any, else to the first waiting writer; the last
 *   reader hands it to the first waiting writer. The new owners are set by
 *   the releaser: the woken threads do not compete again.
 * Waiters wait on the resource's own dispatcher objects, a semaphore for
 * readers and a synchronization event for writers, allocated from nonpaged
 * pool at the first contention (tags "ReSe" and "ReEv", as Windows').
 *
 * The kernel's own checks: ExReleaseResourceLite by a thread that holds no
 * shared ownership is RESOURCE_NOT_OWNED (0xE3, P4 2, as Windows 10's shared
 * release path raises it); releasing a resource another thread owns
 * exclusively is that bug check (P4 1) on a checked build only, since a free
 * build has always allowed it. ExDeleteResourceLite of a resource still owned
 * is not checked by Windows (unless ownership-transfer enforcement, an
 * internal option, is on), and is not here. An ERESOURCE left initialised in
 * an unloading image is not checked at unload either (the Windows Research
 * Kernel has that check compiled out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ex/resource.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "mm/mm.h"

#define ResourceOwnedExclusive 0x0080u

/* Pool tags of the waiter objects: 'eSeR' and 'vEeR' in C, "ReSe" and
 * "ReEv" as the debugger shows them. */
#define EX_TAG_RESOURCE_SEMAPHORE 0x65536552u
#define EX_TAG_RESOURCE_EVENT     0x76456552u

#define KEVENT_BYTES_X64     0x18u
#define KEVENT_BYTES_X86     0x10u
#define KSEMAPHORE_BYTES_X64 0x20u
#define KSEMAPHORE_BYTES_X86 0x14u
#define MAXLONG              0x7FFFFFFF

/* ERESOURCE fields (wdm.h) the kernel mirrors: offsets on x64 and x86. */
typedef struct res_layout {
    uint32_t size;
    uint32_t active_count, flag, shared_waiters, exclusive_waiters;
    uint32_t owner_thread, owner_count, active_entries, contention_count;
    uint32_t number_shared_waiters, number_exclusive_waiters;
    uint32_t pointer_bytes;
} res_layout;

static const res_layout layout_x64 = {
    .size = ERESOURCE_SIZE_X64,
    .active_count = 0x18,
    .flag = 0x1A,
    .shared_waiters = 0x20,
    .exclusive_waiters = 0x28,
    .owner_thread = 0x30,
    .owner_count = 0x38,
    .active_entries = 0x40,
    .contention_count = 0x44,
    .number_shared_waiters = 0x48,
    .number_exclusive_waiters = 0x4C,
    .pointer_bytes = 8,
};

static const res_layout layout_x86 = {
    .size = ERESOURCE_SIZE_X86,
    .active_count = 0x0C,
    .flag = 0x0E,
    .shared_waiters = 0x10,
    .exclusive_waiters = 0x14,
    .owner_thread = 0x18,
    .owner_count = 0x1C,
    .active_entries = 0x20,
    .contention_count = 0x24,
    .number_shared_waiters = 0x28,
    .number_exclusive_waiters = 0x2C,
    .pointer_bytes = 4,
};

static const res_layout *layout(const ke_machine *m)
{
    return m->config.arch == KE_ARCH_X86 ? &layout_x86 : &layout_x64;
}

/* ------------------------------------------------------------------------ */
/* The kernel's state                                                       */
/* ------------------------------------------------------------------------ */

ex_resource *ex_resource_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->resources, va);
}

ex_resource *ex_resource_tracked_in_range(const ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    /* The lowest address wins, so the answer does not depend on the map's
     * order. */
    ex_resource *found = NULL;
    for (size_t i = 0; i < m->resources.capacity; i++) {
        ex_resource *r = m->resources.slots[i].value;
        if (r != NULL && r->vf_tracked && r->listed && r->va >= start && r->va < end &&
            (found == NULL || r->va < found->va))
            found = r;
    }
    return found;
}

uint32_t ex_resource_held(const ex_resource *r, const ke_thread *t)
{
    for (uint32_t i = 0; i < r->owner_count; i++) {
        if (r->owners[i].thread == t)
            return r->owners[i].count;
    }
    return 0;
}

void ex_resource_free_all(ke_machine *m)
{
    for (size_t i = 0; i < m->resources.capacity; i++) {
        ex_resource *r = m->resources.slots[i].value;
        if (r != NULL) {
            free(r->owners);
            free(r);
        }
    }
    des_map_fini(&m->resources);
}

static ex_resource *create(ke_machine *m, PVOID_VA va)
{
    ex_resource *r = calloc(1, sizeof *r);
    if (r == NULL || !des_map_put(&m->resources, va, r)) {
        free(r);
        ke_panic(m, __FILE__, __LINE__, "out of host memory initialising an ERESOURCE");
    }
    r->va = va;
    return r;
}

static void put_field(ke_machine *m, PVOID_VA va, uint64_t value, uint32_t bytes)
{
    mm_poke(m->mm, va, &value, bytes);
}

/* Writes the fields a debugger's !locks (or a driver) reads. OwnerEntry is
 * the first owner; a second shared owner would be in the OwnerTable, which
 * is not laid out in memory (OwnerTable stays NULL). */
static void mirror(ke_machine *m, const ex_resource *r)
{
    const res_layout *l = layout(m);
    uint32_t pb = l->pointer_bytes;
    uint16_t active = r->exclusive ? 1 : (uint16_t)r->owner_count;
    uint16_t flag = r->exclusive ? ResourceOwnedExclusive : 0;
    uint64_t owner = r->owner_count > 0 ? r->owners[0].thread->object->va : 0;
    uint32_t owner_count = r->owner_count > 0 ? r->owners[0].count << 3 : 0; /* OwnerCount:29 */
    put_field(m, r->va + l->active_count, active, 2);
    put_field(m, r->va + l->flag, flag, 2);
    put_field(m, r->va + l->shared_waiters, r->shared_semaphore, pb);
    put_field(m, r->va + l->exclusive_waiters, r->exclusive_event, pb);
    put_field(m, r->va + l->owner_thread, owner, pb);
    put_field(m, r->va + l->owner_count, owner_count, 4);
    put_field(m, r->va + l->active_entries, r->owner_count, 4);
    put_field(m, r->va + l->contention_count, r->contention_count, 4);
    put_field(m, r->va + l->number_shared_waiters, r->shared_waiters, 4);
    put_field(m, r->va + l->number_exclusive_waiters, r->exclusive_waiters, 4);
}

/*
 * The resource at va as a DDI finds it: the caller's read of the ERESOURCE
 * (a bad pointer faults as in Windows), then the kernel's state. Memory
 * that was never initialised but is all zero behaves as a free resource, as
 * Windows' code reading it would find it; any other uninitialised contents
 * send Windows through garbage pointers, here a NULL dereference. NULL when
 * the access faulted.
 */
static ex_resource *resource_of(ke_call *call, PVOID_VA va)
{
    uint8_t bytes[ERESOURCE_SIZE_X64];
    uint32_t size = layout(call->m)->size;
    if (!mm_access(call, va, bytes, size, false))
        return NULL;
    ex_resource *r = ex_resource_at(call->m, va);
    if (r != NULL)
        return r;
    for (uint32_t i = 0; i < size; i++) {
        if (bytes[i] != 0) {
            PVOID_VA null_owner_table = 0;
            mm_access(call, 0, &null_owner_table, sizeof null_owner_table, false);
            return NULL;
        }
    }
    return create(call->m, va);
}

static int64_t find_owner(const ex_resource *r, uint64_t thread_va)
{
    for (uint32_t i = 0; i < r->owner_count; i++) {
        if (r->owners[i].thread->object->va == thread_va)
            return i;
    }
    return -1;
}

/* One more level for t: its entry's count, or a new entry. */
static void add_owner(ke_machine *m, ex_resource *r, ke_thread *t)
{
    int64_t i = find_owner(r, t->object->va);
    if (i >= 0) {
        r->owners[i].count++;
        return;
    }
    if (r->owner_count == r->owner_capacity) {
        uint32_t capacity = r->owner_capacity == 0 ? 4 : r->owner_capacity * 2;
        ex_resource_owner *owners = realloc(r->owners, capacity * sizeof *owners);
        if (owners == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory recording a resource owner");
        r->owners = owners;
        r->owner_capacity = capacity;
    }
    r->owners[r->owner_count++] = (ex_resource_owner){.thread = t, .count = 1};
}

static void remove_owner(ex_resource *r, uint32_t i)
{
    memmove(&r->owners[i], &r->owners[i + 1], (r->owner_count - i - 1) * sizeof *r->owners);
    r->owner_count--;
}

/* ------------------------------------------------------------------------ */
/* Waiting and handing over                                                 */
/* ------------------------------------------------------------------------ */

/* The waiter object of a kind, allocated and initialised at first use as
 * ExpAllocateExclusiveWaiterEvent and ExpAllocateSharedWaiterSemaphore do.
 * NULL when the pool is exhausted (Windows retries for ever; here the run
 * stops). */
static ke_object *waiter_object(ke_call *call, ex_resource *r, bool exclusive)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    PVOID_VA *va = exclusive ? &r->exclusive_event : &r->shared_semaphore;
    if (*va == 0) {
        uint64_t bytes = exclusive ? (x86 ? KEVENT_BYTES_X86 : KEVENT_BYTES_X64)
                                   : (x86 ? KSEMAPHORE_BYTES_X86 : KSEMAPHORE_BYTES_X64);
        PVOID_VA object = ex_alloc_internal(
            m, NonPagedPool, bytes, exclusive ? EX_TAG_RESOURCE_EVENT : EX_TAG_RESOURCE_SEMAPHORE);
        if (object == 0) {
            ke_stop_machine(m, KE_STOP_LIMIT,
                            "nonpaged pool exhausted allocating the waiters of ERESOURCE 0x%llx",
                            (unsigned long long)r->va);
            return NULL;
        }
        if (exclusive)
            KeInitializeEvent(call, object, 1 /* SynchronizationEvent */, false);
        else
            KeInitializeSemaphore(call, object, 0, MAXLONG);
        *va = object;
    }
    return ke_object_at(m, *va);
}

/* The hook interface's account of ownership (ke/hooks.h): the caller took
 * a level; a waiter was handed the resource (at its wait's IRQL); `thread`'s
 * level is given back. */
static void hook_acquired(ke_call *call, const ex_resource *r)
{
    ke_hook_lock(call, KE_EVENT_LOCK_ACQUIRED,
                 r->exclusive ? KE_LOCK_RESOURCE_EXCLUSIVE : KE_LOCK_RESOURCE_SHARED, r->va);
}

static void hook_granted(ke_machine *m, const ex_resource *r, ke_thread *t)
{
    if (!ke_hook_wanted(m, KE_EVENT_LOCK_ACQUIRED))
        return;
    const ke_frame *f = ke_top_frame(&t->exec);
    ke_hook_lock_exec(m, KE_EVENT_LOCK_ACQUIRED,
                      r->exclusive ? KE_LOCK_RESOURCE_EXCLUSIVE : KE_LOCK_RESOURCE_SHARED, r->va,
                      &t->exec, f != NULL ? f->driver : NULL, t->wait_irql);
}

static void hook_released(ke_call *call, const ex_resource *r, uint64_t thread)
{
    if (!ke_hook_wanted(call->m, KE_EVENT_LOCK_RELEASED))
        return;
    ke_lock_kind kind = r->exclusive ? KE_LOCK_RESOURCE_EXCLUSIVE : KE_LOCK_RESOURCE_SHARED;
    /* ExReleaseResourceForThreadLite gives back another thread's level. */
    int64_t i = thread == call->thread->object->va ? -1 : find_owner(r, thread);
    if (i < 0)
        ke_hook_lock(call, KE_EVENT_LOCK_RELEASED, kind, r->va);
    else
        ke_hook_lock_exec(call->m, KE_EVENT_LOCK_RELEASED, kind, r->va,
                          &r->owners[i].thread->exec, call->driver, ke_call_irql(call));
}

/* The calling thread waits until a release hands it the resource.
 * Precondition: it may wait (IRQL <= APC_LEVEL on a thread). */
static void wait_for(ke_call *call, ex_resource *r, bool exclusive)
{
    ke_object *o = waiter_object(call, r, exclusive);
    if (o == NULL)
        return;
    r->contention_count++;
    if (exclusive)
        r->exclusive_waiters++;
    else
        r->shared_waiters++;
    ke_thread *t = call->thread;
    t->resource_wait = r->va;
    t->resource_wait_exclusive = exclusive;
    mirror(call->m, r);
    ke_wait_on(call, o);
    KE_CHECK(call->m, call->blocked || ke_stopped(call->m));
}

/* Every waiting reader becomes an owner, the resource goes shared, and the
 * semaphore lets them all go. */
static void grant_shared_waiters(ke_call *call, ex_resource *r)
{
    ke_object *o = ke_object_at(call->m, r->shared_semaphore);
    KE_CHECK(call->m, o != NULL);
    int32_t n = 0;
    r->exclusive = false;
    for (ke_wait_block *wb = o->waiters_head; wb != NULL; wb = wb->next) {
        add_owner(call->m, r, wb->thread);
        wb->thread->resource_wait = 0;
        hook_granted(call->m, r, wb->thread);
        n++;
    }
    r->shared_waiters = 0;
    mirror(call->m, r);
    KeReleaseSemaphore(call, r->shared_semaphore, 0, n, false);
}

/* The first waiting writer becomes the exclusive owner; the event wakes it
 * (a synchronization event releases exactly the first waiter). */
static void grant_exclusive_waiter(ke_call *call, ex_resource *r)
{
    ke_object *o = ke_object_at(call->m, r->exclusive_event);
    KE_CHECK(call->m, o != NULL && o->waiters_head != NULL);
    ke_thread *next = o->waiters_head->thread;
    add_owner(call->m, r, next);
    next->resource_wait = 0;
    r->exclusive = true;
    if (r->exclusive_waiters != 0) /* 0 after a reinitialisation with waiters */
        r->exclusive_waiters--;
    hook_granted(call->m, r, next);
    mirror(call->m, r);
    KeSetEvent(call, r->exclusive_event, 0, false);
}

/* After the last owner left: readers first if the resource was exclusive
 * (they waited behind the writer), else the next writer. */
static void hand_over(ke_call *call, ex_resource *r, bool was_exclusive)
{
    r->exclusive = false;
    ke_object *readers = ke_object_at(call->m, r->shared_semaphore);
    ke_object *writers = ke_object_at(call->m, r->exclusive_event);
    bool readers_wait =
        r->shared_semaphore != 0 && readers != NULL && readers->waiters_head != NULL;
    bool writers_wait = r->exclusive_event != 0 && writers != NULL && writers->waiters_head != NULL;
    if (readers_wait && (was_exclusive || !writers_wait))
        grant_shared_waiters(call, r);
    else if (writers_wait)
        grant_exclusive_waiter(call, r);
    else
        mirror(call->m, r);
}

/* ------------------------------------------------------------------------ */
/* Initialisation and deletion                                              */
/* ------------------------------------------------------------------------ */

NTSTATUS ExInitializeResourceLite(ke_call *call, PVOID_VA Resource)
{
    ke_machine *m = call->m;
    uint8_t zero[ERESOURCE_SIZE_X64] = {0};
    /* RtlZeroMemory of the structure: the caller's storage, its fault. The
     * waiter objects of an earlier initialisation are forgotten (leaked), as
     * zeroing them out of the structure does in Windows. */
    if (!mm_access(call, Resource, zero, layout(m)->size, true))
        return STATUS_ACCESS_VIOLATION;
    ex_resource *r = ex_resource_at(m, Resource);
    if (r == NULL)
        r = create(m, Resource);
    r->owner_count = 0;
    r->exclusive = false;
    r->shared_waiters = r->exclusive_waiters = r->contention_count = 0;
    r->shared_semaphore = r->exclusive_event = 0;
    r->listed = true;
    r->vf_tracked = false; /* the verifier's thunk decides after the call */
    mirror(m, r);
    ke_hook_lock(call, KE_EVENT_LOCK_INITIALIZED, KE_LOCK_RESOURCE_EXCLUSIVE, Resource);
    return STATUS_SUCCESS;
}

/* Resets the state and reinitialises the waiter objects in place, keeping
 * the resource where it is (ExReinitializeResourceLite replaces a delete,
 * free, allocate and initialise). */
NTSTATUS ExReinitializeResourceLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    if (r == NULL)
        return STATUS_ACCESS_VIOLATION;
    /* Threads waiting now keep waiting on the reinitialised objects; a later
     * release may hand the resource to them. To a lock graph it is a new
     * lock. */
    ke_hook_lock(call, KE_EVENT_LOCK_DELETED, KE_LOCK_RESOURCE_EXCLUSIVE, Resource);
    ke_hook_lock(call, KE_EVENT_LOCK_INITIALIZED, KE_LOCK_RESOURCE_EXCLUSIVE, Resource);
    r->owner_count = 0;
    r->exclusive = false;
    r->shared_waiters = r->exclusive_waiters = r->contention_count = 0;
    if (r->exclusive_event != 0)
        KeInitializeEvent(call, r->exclusive_event, 1, false);
    if (r->shared_semaphore != 0)
        KeInitializeSemaphore(call, r->shared_semaphore, 0, MAXLONG);
    mirror(call->m, r);
    return STATUS_SUCCESS;
}

/* Frees a waiter object unless a thread still waits on it (a resource
 * deleted with waiters: they wait for ever, as in Windows). */
static void free_waiter_object(ke_call *call, PVOID_VA va)
{
    ke_object *o = ke_object_at(call->m, va);
    if (va != 0 && (o == NULL || o->waiters_head == NULL))
        ExFreePool(call, va);
}

NTSTATUS ExDeleteResourceLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    if (r == NULL)
        return STATUS_ACCESS_VIOLATION;
    ke_hook_lock(call, KE_EVENT_LOCK_DELETED, KE_LOCK_RESOURCE_EXCLUSIVE, Resource);
    free_waiter_object(call, r->exclusive_event);
    free_waiter_object(call, r->shared_semaphore);
    const res_layout *l = layout(call->m);
    put_field(call->m, Resource + l->shared_waiters, 0, l->pointer_bytes);
    put_field(call->m, Resource + l->exclusive_waiters, 0, l->pointer_bytes);
    des_map_remove(&call->m->resources, Resource);
    free(r->owners);
    free(r);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Acquisition                                                              */
/* ------------------------------------------------------------------------ */

typedef enum acquire_kind {
    ACQUIRE_EXCLUSIVE,
    ACQUIRE_SHARED,          /* ExAcquireResourceSharedLite */
    ACQUIRE_STARVE,          /* ExAcquireSharedStarveExclusive */
    ACQUIRE_WAIT_FOR_WRITER, /* ExAcquireSharedWaitForExclusive */
} acquire_kind;

/* Returns TRUE when the resource is (or, after the wait the call is blocked
 * in, will be) the caller's, FALSE when Wait is FALSE and it would wait. */
static bool acquire(ke_call *call, PVOID_VA Resource, acquire_kind kind, bool Wait)
{
    ex_resource *r = resource_of(call, Resource);
    if (r == NULL)
        return false;
    ke_machine *m = call->m;
    ke_thread *t = call->thread;
    bool exclusive = kind == ACQUIRE_EXCLUSIVE;
    if (r->owner_count == 0 && !r->exclusive) {
        add_owner(m, r, t);
        r->exclusive = exclusive;
        mirror(m, r);
        hook_acquired(call, r);
        return true;
    }
    if (r->exclusive) {
        /* Its owner deepens its exclusive ownership, whatever it asks. */
        if (r->owners[0].thread == t) {
            r->owners[0].count++;
            mirror(m, r);
            hook_acquired(call, r);
            return true;
        }
    } else if (!exclusive) {
        bool owner = find_owner(r, t->object->va) >= 0;
        bool writer_waits = r->exclusive_waiters != 0;
        bool granted = kind == ACQUIRE_STARVE || !writer_waits || (kind == ACQUIRE_SHARED && owner);
        if (granted) {
            add_owner(m, r, t);
            mirror(m, r);
            hook_acquired(call, r);
            return true;
        }
    }
    if (!Wait)
        return false;
    wait_for(call, r, exclusive);
    return true;
}

bool ExAcquireResourceExclusiveLite(ke_call *call, PVOID_VA Resource, bool Wait)
{
    return acquire(call, Resource, ACQUIRE_EXCLUSIVE, Wait);
}

bool ExAcquireResourceSharedLite(ke_call *call, PVOID_VA Resource, bool Wait)
{
    return acquire(call, Resource, ACQUIRE_SHARED, Wait);
}

bool ExAcquireSharedStarveExclusive(ke_call *call, PVOID_VA Resource, bool Wait)
{
    return acquire(call, Resource, ACQUIRE_STARVE, Wait);
}

bool ExAcquireSharedWaitForExclusive(ke_call *call, PVOID_VA Resource, bool Wait)
{
    return acquire(call, Resource, ACQUIRE_WAIT_FOR_WRITER, Wait);
}

bool ExTryToAcquireResourceExclusiveLite(ke_call *call, PVOID_VA Resource)
{
    return acquire(call, Resource, ACQUIRE_EXCLUSIVE, false);
}

/* Win32Thread of the caller, which the routine returns: NULL, since no
 * thread here is a GUI thread. */
PVOID_VA ExEnterCriticalRegionAndAcquireResourceExclusive(ke_call *call, PVOID_VA Resource)
{
    KeEnterCriticalRegion(call);
    acquire(call, Resource, ACQUIRE_EXCLUSIVE, true);
    return 0;
}

PVOID_VA ExEnterCriticalRegionAndAcquireResourceShared(ke_call *call, PVOID_VA Resource)
{
    KeEnterCriticalRegion(call);
    acquire(call, Resource, ACQUIRE_SHARED, true);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Release                                                                  */
/* ------------------------------------------------------------------------ */

/* RESOURCE_NOT_OWNED: P1 the resource, P2 the thread, P3 the owner table
 * (not laid out in memory here: 0), P4 where the release found it out. */
static void not_owned(ke_call *call, PVOID_VA Resource, uint64_t thread, uint64_t where)
{
    const uint64_t p[4] = {Resource, thread, 0, where};
    kd_raise_full(call, RULE_kresource_not_owned, 0xE3, p, NULL, NULL);
}

/* Gives back one level of `thread`'s ownership (ERESOURCE_THREAD: its
 * KTHREAD address). */
static void release(ke_call *call, PVOID_VA Resource, uint64_t thread)
{
    ex_resource *r = resource_of(call, Resource);
    if (r == NULL)
        return;
    if (r->exclusive) {
        KE_CHECK(call->m, r->owner_count == 1);
        /* Only a checked kernel compares the releasing thread with the
         * exclusive owner; a free one releases the owner's level. */
        if (r->owners[0].thread->object->va != thread &&
            call->m->config.build == KE_BUILD_CHECKED) {
            not_owned(call, Resource, thread, 1);
            return;
        }
        hook_released(call, r, thread);
        if (--r->owners[0].count == 0) {
            remove_owner(r, 0);
            hand_over(call, r, true);
        } else {
            mirror(call->m, r);
        }
        return;
    }
    int64_t i = find_owner(r, thread);
    if (i < 0) {
        not_owned(call, Resource, thread, 2);
        return;
    }
    hook_released(call, r, thread);
    if (--r->owners[i].count == 0) {
        remove_owner(r, (uint32_t)i);
        if (r->owner_count == 0) {
            hand_over(call, r, false);
            return;
        }
    }
    mirror(call->m, r);
}

void ExReleaseResourceLite(ke_call *call, PVOID_VA Resource)
{
    release(call, Resource, call->thread->object->va);
}

void ExReleaseResourceForThreadLite(ke_call *call, PVOID_VA Resource, uint64_t ResourceThreadId)
{
    release(call, Resource, ResourceThreadId);
}

void ExReleaseResourceAndLeaveCriticalRegion(ke_call *call, PVOID_VA Resource)
{
    release(call, Resource, call->thread->object->va);
    if (!ke_stopped(call->m))
        KeLeaveCriticalRegion(call);
}

/* The exclusive owner keeps its levels as shared ones, and every waiting
 * reader comes in with it. The Windows Research Kernel only asserts that the
 * caller owns it exclusively; so does this, in effect: the conversion is
 * done as written whoever asks. */
void ExConvertExclusiveToSharedLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    if (r == NULL)
        return;
    r->exclusive = false;
    ke_object *readers = ke_object_at(call->m, r->shared_semaphore);
    if (r->shared_semaphore != 0 && readers != NULL && readers->waiters_head != NULL)
        grant_shared_waiters(call, r);
    else
        mirror(call->m, r);
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

bool ExIsResourceAcquiredExclusiveLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    return r != NULL && r->exclusive && r->owners[0].thread == call->thread;
}

/* How many times the calling thread holds it, shared or exclusive. */
ULONG ExIsResourceAcquiredSharedLite(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    return r != NULL ? ex_resource_held(r, call->thread) : 0;
}

ULONG ExGetExclusiveWaiterCount(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    return r != NULL ? r->exclusive_waiters : 0;
}

ULONG ExGetSharedWaiterCount(ke_call *call, PVOID_VA Resource)
{
    ex_resource *r = resource_of(call, Resource);
    return r != NULL ? r->shared_waiters : 0;
}

/* ERESOURCE_THREAD of the caller: its KTHREAD's address (a macro in wdm.h,
 * ((ULONG_PTR)PsGetCurrentThread())). */
uint64_t ExGetCurrentResourceThread(ke_call *call)
{
    return call->thread->object->va;
}

/*
 * work.c - work items and the system worker threads (see work.h).
 *
 * The IO_WORKITEM lives in simulated memory (nonpaged pool from
 * IoAllocateWorkItem, or the caller's storage for IoInitializeWorkItem);
 * its WORK_QUEUE_ITEM link is nonzero while it is queued, as the executive
 * leaves it, and cleared when a worker takes it, so the routine may queue
 * it again. The kernel's own checks (0xE4 WORKER_INVALID) are made here,
 * verified or not.
 *
 * Worker threads are kernel threads: their execution is the routine of the
 * item they run, restarted for each item (the host runs one routine per
 * start). Between items they wait, with no timeout, for their queue.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "ke/hooks.h"
#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"

/* IO_WORKITEM fields drvsim writes (its layout is opaque in wdm.h; this is
 * the kernel's: a WORK_QUEUE_ITEM first, then the I/O manager's part). */
static uint32_t field_offset(const ke_machine *m, int which)
{
    /* 0 List.Flink, 1 IoObject, 2 Context, 3 Routine */
    static const uint32_t x64[] = {0x0, 0x28, 0x30, 0x20};
    static const uint32_t x86[] = {0x0, 0x14, 0x18, 0x10};
    return m->config.arch == KE_ARCH_X86 ? x86[which] : x64[which];
}

static void write_ptr(ke_machine *m, PVOID_VA va, uint64_t v)
{
    /* The kernel's own bookkeeping: memory it already checked (the item
     * record exists only for mapped storage that was initialised). */
    mm_poke(m->mm, va, &v, m->config.arch == KE_ARCH_X86 ? 4 : 8);
}

static ex_work *work_of(ke_machine *m)
{
    if (m->work == NULL) {
        m->work = calloc(1, sizeof *m->work);
        if (m->work == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating the work queues");
        for (uint32_t i = 0; i < EX_WORK_QUEUES; i++)
            m->work->queues[i].type = i;
    }
    return m->work;
}

ex_work_item *ex_work_item_at(const ke_machine *m, PVOID_VA va)
{
    return des_map_get(&m->work_items, va);
}

ex_work_item *ex_work_item_queued_in(const ke_machine *m, PVOID_VA start, PVOID_VA end)
{
    if (m->work == NULL)
        return NULL;
    for (ex_work_item *w = m->work->items_head; w != NULL; w = w->next) {
        if (w->queued && w->va >= start && w->va < end)
            return w;
    }
    return NULL;
}

/* The driver whose DRIVER_OBJECT is at va, or NULL. */
static io_driver *driver_object_at(const ke_machine *m, PVOID_VA va)
{
    for (uint32_t i = 0; i < m->driver_count; i++) {
        if (m->drivers[i]->loaded && m->drivers[i]->driver_object == va)
            return m->drivers[i];
    }
    return NULL;
}

/* Whether an I/O work item can be made for IoObject: a device object or a
 * driver object. Raises 0xE4/0x3 if not (P2 the object, P3 the item). */
static bool check_io_object(ke_call *call, PVOID_VA IoObject, PVOID_VA item)
{
    io_device *dev = io_device_at(call->m, IoObject);
    if ((dev != NULL && !dev->deleted) || driver_object_at(call->m, IoObject) != NULL)
        return true;
    kd_raise(call, RULE_kworker_bad_object, IoObject, item, 0);
    return false;
}

static ex_work_item *new_item(ke_call *call, PVOID_VA va, PVOID_VA IoObject, bool allocated)
{
    ke_machine *m = call->m;
    ex_work *w = work_of(m);
    ex_work_item *item = calloc(1, sizeof *item);
    if (item == NULL || !des_map_put(&m->work_items, va, item))
        ke_panic(m, __FILE__, __LINE__, "out of host memory creating a work item");
    item->va = va;
    item->owner = call->driver;
    item->io_object = IoObject;
    item->allocated = allocated;
    item->prev = w->items_tail;
    if (w->items_tail != NULL)
        w->items_tail->next = item;
    else
        w->items_head = item;
    w->items_tail = item;
    write_ptr(m, va + field_offset(m, 0), 0);
    if (IoObject != 0)
        write_ptr(m, va + field_offset(m, 1), IoObject);
    return item;
}

static void unqueue(ke_call *call, ex_work_item *item);

static void forget_item(ke_call *call, ex_work_item *item)
{
    ke_machine *m = call->m;
    ex_work *w = m->work;
    if (item->queued)
        unqueue(call, item);
    if (item->prev != NULL)
        item->prev->next = item->next;
    else
        w->items_head = item->next;
    if (item->next != NULL)
        item->next->prev = item->prev;
    else
        w->items_tail = item->prev;
    /* A worker running it must not touch it again. */
    for (uint32_t q = 0; q < EX_WORK_QUEUES; q++) {
        for (uint32_t i = 0; i < w->queues[q].worker_count; i++) {
            if (w->queues[q].workers[i].item == item)
                w->queues[q].workers[i].item = NULL;
        }
    }
    des_map_remove(&m->work_items, item->va);
    free(item);
}

PVOID_VA ex_work_item_allocate(ke_call *call, PVOID_VA DeviceObject, ULONG tag)
{
    ke_machine *m = call->m;
    /* The object is checked when the item is made, before any memory. */
    if (!check_io_object(call, DeviceObject, 0))
        return 0;
    uint32_t size = ke_types[KE_TYPE_IO_WORKITEM].size[m->config.arch];
    PVOID_VA va = ex_alloc_internal(m, NonPagedPoolNx, size, tag);
    if (va == 0)
        return 0;
    ex_block *b = ex_pool_find(m->pool, va);
    b->owner = call->driver; /* the driver's allocation: pool tracking counts it */
    b->site = ke_call_site(m);
    new_item(call, va, DeviceObject, true);
    return va;
}

PVOID_VA IoAllocateWorkItem(ke_call *call, PVOID_VA DeviceObject)
{
    return ex_work_item_allocate(call, DeviceObject, IO_WORKITEM_POOL_TAG);
}

ULONG IoSizeofWorkItem(ke_call *call)
{
    return ke_types[KE_TYPE_IO_WORKITEM].size[call->m->config.arch];
}

void IoInitializeWorkItem(ke_call *call, PVOID_VA IoObject, PVOID_VA IoWorkItem)
{
    ke_machine *m = call->m;
    /* The caller's storage, written as its own stores: a bad pointer faults. */
    uint8_t zero[0x58] = {0};
    uint32_t size = ke_types[KE_TYPE_IO_WORKITEM].size[m->config.arch];
    if (!mm_access(call, IoWorkItem, zero, size, true))
        return;
    if (!check_io_object(call, IoObject, IoWorkItem))
        return;
    ex_work_item *old = ex_work_item_at(m, IoWorkItem);
    if (old != NULL)
        forget_item(call, old); /* storage reused: the old item is gone */
    new_item(call, IoWorkItem, IoObject, false);
}

/* A worker takes an item: the item leaves its queue (its link is cleared,
 * so the routine may queue it again) and the worker's execution restarts
 * with the routine. The reference the item holds passes to the worker. */
static void start_item(ke_machine *m, ex_worker *wk, ex_work_item *item)
{
    item->queued = false;
    write_ptr(m, item->va + field_offset(m, 0), 0);
    wk->busy = true;
    wk->item = item;
    wk->device = item->ref_device; /* the item's reference passes to the worker */
    wk->driver = item->ref_driver;
    item->ref_device = NULL;
    item->ref_driver = NULL;
    ke_exec *e = &wk->thread->exec;
    KE_CHECK(m, e->frame_count == 0);
    e->host = NULL;
    e->kernel_routine = item->kernel_routine; /* NULL but for the kernel's own */
    e->kernel_context = item->kernel_context;
    e->start_routine = item->routine;
    e->start_driver = item->routine_driver;
    e->start_name = "WorkerRoutine";
    ke_hook_sync_exec(m, KE_EVENT_SYNC_ACQUIRE, item->va, e, KE_ROLE_WORK_ITEM);
    memset(e->start_args, 0, sizeof e->start_args);
    memset(e->start_arg_types, 0, sizeof e->start_arg_types);
    if (item->executive) {
        e->start_args[0] = item->context; /* PWORKER_THREAD_ROUTINE(Parameter) */
        e->start_argc = 1;
        return;
    }
    e->start_args[0] = item->io_object;
    e->start_arg_types[0] =
        io_device_at(m, item->io_object) != NULL ? KE_TYPE_DEVICE_OBJECT : KE_TYPE_NONE;
    e->start_args[1] = item->context;
    e->start_args[2] = item->va;
    e->start_argc = item->routine_ex ? 3 : 2;
}

static ex_work_item *pop_queue(ex_work_queue *q)
{
    ex_work_item *item = q->head;
    if (item != NULL) {
        q->head = item->next_queued;
        if (q->head == NULL)
            q->tail = NULL;
        item->next_queued = NULL;
        q->queued_count--;
    }
    return item;
}

static ex_work_queue *queue_of(ke_machine *m, uint32_t queue_type)
{
    return &work_of(m)->queues[queue_type < MaximumWorkQueue ? queue_type : MaximumWorkQueue];
}

/* An item leaves its queue before a worker took it (its storage is reused):
 * the reference it held goes. */
static void unqueue(ke_call *call, ex_work_item *item)
{
    ke_machine *m = call->m;
    ex_work_queue *q = queue_of(m, item->queue_type);
    ex_work_item **link = &q->head;
    ex_work_item *prev = NULL;
    while (*link != item) {
        prev = *link;
        link = &(*link)->next_queued;
    }
    *link = item->next_queued;
    if (q->tail == item)
        q->tail = prev;
    item->next_queued = NULL;
    item->queued = false;
    q->queued_count--;
    io_device *dev = item->ref_device;
    io_driver *drv = item->ref_driver;
    item->ref_device = NULL;
    item->ref_driver = NULL;
    if (dev != NULL)
        io_device_dereference(call, dev);
    else if (drv != NULL)
        io_driver_dereference(call, drv);
}

/* Wakes (or creates, up to the cap) a worker for each queued item no
 * worker is on its way to take. The item stays queued until the worker
 * runs and takes it (ex_worker_start). */
static void dispatch(ke_machine *m, ex_work_queue *q)
{
    while (q->queued_count > q->pending_starts) {
        ex_worker *wk = NULL;
        for (uint32_t i = 0; i < q->worker_count && wk == NULL; i++) {
            if (!q->workers[i].busy)
                wk = &q->workers[i];
        }
        if (wk != NULL) {
            wk->busy = true;
            q->pending_starts++;
            ke_ready_thread(m, wk->thread, STATUS_SUCCESS);
            continue;
        }
        if (q->worker_count == EX_WORKERS_PER_QUEUE)
            return; /* every worker is busy: the item waits its turn */
        ke_thread *t = ke_create_thread(m, m->system_process, NULL);
        if (t == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory creating a worker thread");
        t->work_queue = q;
        wk = &q->workers[q->worker_count++];
        wk->thread = t;
        wk->busy = true;
        q->pending_starts++;
    }
}

bool ex_worker_start(ke_machine *m, ke_thread *t)
{
    ex_work_queue *q = t->work_queue;
    ex_worker *wk = NULL;
    for (uint32_t i = 0; i < q->worker_count; i++) {
        if (q->workers[i].thread == t)
            wk = &q->workers[i];
    }
    KE_CHECK(m, wk != NULL && wk->busy && q->pending_starts > 0);
    q->pending_starts--;
    ex_work_item *item = pop_queue(q);
    if (item != NULL) {
        start_item(m, wk, item);
        return true;
    }
    /* The item it was woken for left the queue: back to waiting. */
    wk->busy = false;
    t->wait_irql = PASSIVE_LEVEL;
    t->wait_count = 0;
    t->state = KE_THREAD_WAITING;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAIT);
    des_rec_u32(&rec, t->id);
    des_rec_u64(&rec, DES_TIME_NEVER);
    ke_trace_commit(m, &rec);
    return false;
}

static bool queue_type_valid(ULONG QueueType)
{
    return QueueType < MaximumWorkQueue ||
           (QueueType >= CustomPriorityWorkQueue && QueueType < CustomPriorityWorkQueue + 32u);
}

static void queue_item(ke_call *call, PVOID_VA IoWorkItem, io_routine WorkerRoutine,
                       ULONG QueueType, PVOID_VA Context, bool routine_ex)
{
    ke_machine *m = call->m;
    ex_work_item *item = ex_work_item_at(m, IoWorkItem);
    if (item == NULL) {
        /* Not a work item: the executive reads it as one; a bad pointer
         * faults, and zeroed storage holds no object to run for. */
        uint64_t link = 0;
        mm_access(call, IoWorkItem, &link, m->config.arch == KE_ARCH_X86 ? 4 : 8, false);
        return;
    }
    if (item->queued) {
        /* P2 the item, P3 the queue it was queued to (the queue number). */
        kd_raise(call, RULE_kworker_queued_again, IoWorkItem, item->queue_type, 0);
        return;
    }
    if (!queue_type_valid(QueueType)) {
        kd_raise(call, RULE_kworker_bad_queue_type, IoWorkItem, QueueType, 0);
        return;
    }
    /* The item holds its object while queued and running. A device freed
     * since the item was made is not there to reference: the routine gets
     * a dangling pointer, as on Windows. */
    io_device *dev = io_device_at(m, item->io_object);
    io_driver *drv = dev == NULL ? driver_object_at(m, item->io_object) : NULL;
    if (dev != NULL)
        io_device_reference(dev);
    else if (drv != NULL)
        drv->object_refs++;
    item->ref_device = dev;
    item->ref_driver = drv;
    if (!item->executive) {
        item->routine = WorkerRoutine;
        item->routine_driver = call->driver;
        item->routine_ex = routine_ex;
        item->context = Context;
    }
    item->queue_type = QueueType;
    item->queued = true;
    /* Its run sees what the queuer did (the race detector's edge). */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, IoWorkItem);
    /* A nonzero link: the item is on a queue. */
    write_ptr(m, IoWorkItem + field_offset(m, 0), IoWorkItem);
    if (!item->executive)
        write_ptr(m, IoWorkItem + field_offset(m, 2), Context);

    ex_work_queue *q = queue_of(m, QueueType);
    item->next_queued = NULL;
    if (q->tail != NULL)
        q->tail->next_queued = item;
    else
        q->head = item;
    q->tail = item;
    q->queued_count++;
    dispatch(m, q);
}

void IoQueueWorkItem(ke_call *call, PVOID_VA IoWorkItem, uint32_t WorkerRoutine, ULONG QueueType,
                     PVOID_VA Context)
{
    queue_item(call, IoWorkItem, WorkerRoutine, QueueType, Context, false);
}

void IoQueueWorkItemEx(ke_call *call, PVOID_VA IoWorkItem, uint32_t WorkerRoutine, ULONG QueueType,
                       PVOID_VA Context)
{
    queue_item(call, IoWorkItem, WorkerRoutine, QueueType, Context, true);
}

/* WORK_QUEUE_ITEM (wdm.h): LIST_ENTRY List, PWORKER_THREAD_ROUTINE
 * WorkerRoutine, PVOID Parameter. ExInitializeWorkItem is a macro: the
 * driver's own stores (List.Flink NULL: not queued). */
void ExInitializeWorkItem(ke_call *call, PVOID_VA Item, uint32_t Routine, PVOID_VA Parameter)
{
    ke_machine *m = call->m;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint64_t routine = Routine != 0 && call->driver != NULL ? io_routine_token(call->driver, Routine)
                                                            : 0;
    uint64_t zero = 0;
    size_t ptr = x86 ? 4 : 8;
    if (!mm_access(call, Item, &zero, ptr, true) ||
        !mm_access(call, Item + 2 * ptr, &routine, ptr, true) ||
        !mm_access(call, Item + 3 * ptr, &Parameter, ptr, true))
        return;
    ex_work_item *item = ex_work_item_at(m, Item);
    if (item != NULL && item->queued) {
        /* Reinitialising a queued item: the queue's link is overwritten
         * (Windows corrupts its queue); drvsim forgets the old item. */
        forget_item(call, item);
        item = NULL;
    }
    if (item == NULL)
        item = new_item(call, Item, 0, false);
    item->executive = true;
    item->routine = Routine;
    item->routine_driver = call->driver;
    item->routine_ex = false;
    item->context = Parameter;
}

void ExQueueWorkItem(ke_call *call, PVOID_VA WorkItem, ULONG QueueType)
{
    ex_work_item *item = ex_work_item_at(call->m, WorkItem);
    if (item != NULL && !item->executive)
        item = NULL; /* an IO_WORKITEM is no WORK_QUEUE_ITEM */
    if (item == NULL) {
        uint64_t link = 0;
        mm_access(call, WorkItem, &link, call->m->config.arch == KE_ARCH_X86 ? 4 : 8, false);
        return;
    }
    queue_item(call, WorkItem, item->routine, QueueType, item->context, false);
}

bool ex_queue_kernel_work(ke_call *call, ke_kernel_routine routine, void *context, ULONG QueueType,
                          ULONG tag)
{
    ke_machine *m = call->m;
    ke_call kernel = *call;
    kernel.driver = NULL;
    /* WORK_QUEUE_ITEM: LIST_ENTRY List, WorkerRoutine, Parameter. */
    uint32_t ptr = m->config.arch == KE_ARCH_X86 ? 4u : 8u;
    PVOID_VA va = ex_alloc_internal(m, NonPagedPoolNx, 4u * ptr, tag);
    if (va == 0)
        return false;
    mm_fill(m->mm, va, 4u * ptr, 0);
    ex_work_item *item = new_item(&kernel, va, 0, false);
    item->executive = true; /* references nothing: the kernel does not unload */
    item->kernel_routine = routine;
    item->kernel_context = context;
    queue_item(&kernel, va, 0, QueueType, 0, false);
    return true;
}

/* The checks of freeing or uninitialising an item; false if one fired. */
static bool check_release(ke_call *call, ex_work_item *item)
{
    if (!item->queued)
        return true;
    /* P2 the item, P3 its worker routine. */
    uint64_t routine =
        item->routine_driver != NULL ? io_routine_token(item->routine_driver, item->routine) : 0;
    kd_raise(call, RULE_kworker_free_queued, item->va, routine, 0);
    return false;
}

void IoFreeWorkItem(ke_call *call, PVOID_VA IoWorkItem)
{
    ke_machine *m = call->m;
    ex_work_item *item = ex_work_item_at(m, IoWorkItem);
    if (item != NULL && !item->allocated)
        item = NULL; /* IoInitializeWorkItem storage is not the pool's to free */
    if (item != NULL && !check_release(call, item))
        return;
    if (item != NULL)
        forget_item(call, item);
    /* The item is pool: ExFreePool's checks apply to a bad pointer. */
    ExFreePool(call, IoWorkItem);
}

void IoUninitializeWorkItem(ke_call *call, PVOID_VA IoWorkItem)
{
    ex_work_item *item = ex_work_item_at(call->m, IoWorkItem);
    if (item == NULL || item->allocated)
        return; /* nothing the kernel tracks: the call has nothing to undo */
    if (check_release(call, item))
        forget_item(call, item);
}

void ex_worker_returned(ke_machine *m, ke_thread *t)
{
    ex_work_queue *q = t->work_queue;
    ex_worker *wk = NULL;
    for (uint32_t i = 0; i < q->worker_count; i++) {
        if (q->workers[i].thread == t)
            wk = &q->workers[i];
    }
    KE_CHECK(m, wk != NULL && wk->busy);
    ke_exec *e = &t->exec;
    ke_call call = {.m = m, .exec = e, .thread = t, .driver = NULL, .ddi = 0xFFFF};
    io_device *dev = wk->device;
    io_driver *drv = wk->driver;
    ex_work_item *done = wk->item;
    wk->busy = false;
    wk->item = NULL;
    e->kernel_routine = NULL;
    e->kernel_context = NULL;
    if (done != NULL && done->kernel_routine != NULL) {
        /* The kernel's item has served: it and its block go. */
        PVOID_VA va = done->va;
        forget_item(&call, done);
        ExFreePool(&call, va);
    }
    wk->device = NULL;
    wk->driver = NULL;
    e->host = NULL;
    /* The reference the item held: the last one of a deleted device frees
     * it, and may let its driver's image go. */
    if (dev != NULL)
        io_device_dereference(&call, dev);
    else if (drv != NULL)
        io_driver_dereference(&call, drv);
    if (ke_stopped(m))
        return;
    if (q->queued_count > q->pending_starts) {
        /* More work: the thread runs on and takes it (ex_worker_start). */
        wk->busy = true;
        q->pending_starts++;
        return;
    }
    /* Nothing queued: the worker waits for its queue, at PASSIVE_LEVEL. */
    ke_processor *cpu = &m->cpus[e->cpu];
    t->wait_irql = PASSIVE_LEVEL;
    ke_cpu_set_irql(m, cpu, PASSIVE_LEVEL);
    t->wait_count = 0;
    t->state = KE_THREAD_WAITING;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAIT);
    des_rec_u32(&rec, t->id);
    des_rec_u64(&rec, DES_TIME_NEVER);
    ke_trace_commit(m, &rec);
}

void ex_work_destroy(ke_machine *m)
{
    if (m->work != NULL) {
        ex_work_item *item = m->work->items_head;
        while (item != NULL) {
            ex_work_item *next = item->next;
            free(item);
            item = next;
        }
        free(m->work);
    }
    des_map_fini(&m->work_items);
}

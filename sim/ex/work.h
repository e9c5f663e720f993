/*
 * work.h - work items and the system worker threads that run them:
 * IoAllocateWorkItem, IoInitializeWorkItem, IoQueueWorkItem(Ex),
 * IoFreeWorkItem, IoUninitializeWorkItem, IoSizeofWorkItem; and the
 * executive's own, ExInitializeWorkItem and ExQueueWorkItem.
 *
 * A queued item waits on its queue (one per WORK_QUEUE_TYPE) until a worker
 * thread of the System process takes it and runs its routine at
 * PASSIVE_LEVEL. Worker threads are created as items need them, up to
 * EX_WORKERS_PER_QUEUE per queue, and then wait for more work. While an
 * item is queued or running, the device object (or driver object) it was
 * made for is referenced, so its driver's image stays loaded until the
 * routine has returned, as on Windows.
 */
#ifndef DRVSIM_EX_WORK_H
#define DRVSIM_EX_WORK_H

#include "io/io.h"
#include "ke/ke.h"

/* WORK_QUEUE_TYPE (wdm.h). */
#define CriticalWorkQueue       0u
#define DelayedWorkQueue        1u
#define HyperCriticalWorkQueue  2u
#define NormalWorkQueue         3u
#define BackgroundWorkQueue     4u
#define RealTimeWorkQueue       5u
#define SuperCriticalWorkQueue  6u
#define MaximumWorkQueue        7u
#define CustomPriorityWorkQueue 32u

#define EX_WORK_QUEUES       (MaximumWorkQueue + 1u) /* the last serves custom priorities */
#define EX_WORKERS_PER_QUEUE 2u

/* An IO_WORKITEM: the kernel's state of one. */
typedef struct ex_work_item {
    PVOID_VA va;
    io_driver *owner;   /* the driver that allocated or initialised it */
    PVOID_VA io_object; /* the device (or driver) object it was made for */
    bool allocated;     /* IoAllocateWorkItem (else IoInitializeWorkItem storage) */
    bool queued;        /* on a queue, not yet taken by a worker */
    uint32_t queue_type;
    /* Set by IoQueueWorkItem(Ex). */
    io_routine routine;
    io_driver *routine_driver;
    bool routine_ex; /* IO_WORKITEM_ROUTINE_EX: gets the item too */
    /* An executive WORK_QUEUE_ITEM (ExInitializeWorkItem/ExQueueWorkItem):
     * its routine gets Parameter alone, and it references nothing, so the
     * driver may unload under it (why the routines are deprecated). */
    bool executive;
    /* The kernel's own item (ex_queue_kernel_work): a C routine, no driver;
     * its WORK_QUEUE_ITEM is the kernel's pool block, freed when it ran. */
    ke_kernel_routine kernel_routine;
    void *kernel_context;
    PVOID_VA context;
    /* What it references while queued: its device, or a driver object
     * (neither when the object was gone before it was queued). */
    io_device *ref_device;
    io_driver *ref_driver;
    struct ex_work_item *next_queued; /* its queue, FIFO */
    struct ex_work_item *next, *prev; /* every item, oldest first */
} ex_work_item;

/* A worker thread and what it runs now. */
typedef struct ex_worker {
    ke_thread *thread;
    ex_work_item *item; /* the item it runs; NULL when idle or the item was freed */
    io_device *device;  /* the reference it holds while running: a device... */
    io_driver *driver;  /* ...or a driver object */
    bool busy;          /* running an item, or readied to take one */
} ex_worker;

typedef struct ex_work_queue {
    uint32_t type;
    ex_work_item *head, *tail;
    uint32_t queued_count;   /* items on it */
    uint32_t pending_starts; /* workers readied to take one, not yet running */
    ex_worker workers[EX_WORKERS_PER_QUEUE];
    uint32_t worker_count;
} ex_work_queue;

typedef struct ex_work {
    ex_work_queue queues[EX_WORK_QUEUES];
    ex_work_item *items_head, *items_tail;
} ex_work;

/* The work item at va, or NULL. */
ex_work_item *ex_work_item_at(const ke_machine *m, PVOID_VA va);

/* The first queued work item (oldest first) stored in [start, end), for the
 * free checks; NULL if none. */
ex_work_item *ex_work_item_queued_in(const ke_machine *m, PVOID_VA start, PVOID_VA end);

/* Allocates an IO_WORKITEM in nonpaged pool with this tag (the verifier
 * allocates with its own, "Vfwi"). 0 when the pool is out. */
PVOID_VA ex_work_item_allocate(ke_call *call, PVOID_VA DeviceObject, ULONG tag);

/* A worker thread's routine returned (ke_exec_ended): the item's reference
 * goes, and the thread goes on to take the next item or waits for one. */
void ex_worker_returned(ke_machine *m, ke_thread *t);

/* A worker thread is about to run with no routine started: it takes the
 * item at the head of its queue now (the item stays queued until then).
 * False when the queue is empty after all: the thread waits again. */
bool ex_worker_start(ke_machine *m, ke_thread *t);

/* Queues a C routine of the kernel to run at PASSIVE_LEVEL on a system
 * worker thread of QueueType (the power manager's sends that must not reach
 * a pageable stack at DISPATCH_LEVEL). Its WORK_QUEUE_ITEM is a block of the
 * kernel's nonpaged pool with this tag, freed when the routine has returned.
 * False when the pool is out (nothing is queued). */
bool ex_queue_kernel_work(ke_call *call, ke_kernel_routine routine, void *context, ULONG QueueType,
                          ULONG tag);

void ex_work_destroy(ke_machine *m);

#define IO_WORKITEM_POOL_TAG          0x49576F49u /* "IoWI" */
#define IO_WORKITEM_VERIFIER_POOL_TAG 0x69776656u /* "Vfwi" */

#endif /* DRVSIM_EX_WORK_H */

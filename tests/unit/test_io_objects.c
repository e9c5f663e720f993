/*
 * test_io_objects.c - device objects, work items and lookaside lists, driven
 * through the kernel's own DDIs from C (no Lua): the DEVICE_OBJECT layout
 * on x64 and x86, the driver's device list and unique names; work items run
 * in queue order on System worker threads with their context, holding
 * their device (and the driver's image) until they have run; lookaside
 * lists' depth, their fall-through to the pool with the list's tag, and the
 * kernel's depth adjustment.
 */
#include "test_machine.h"
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/lookaside.h"
#include "ex/pool.h"
#include "ex/work.h"
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"

/* The host: worker routines are not code here; running one records its
 * arguments and returns at once. */
typedef struct run_record {
    uint32_t routine;
    uint32_t thread;
    uint64_t args[4];
    uint8_t argc;
    KIRQL irql;
} run_record;

static run_record runs[16];
static uint32_t run_count;
static ke_machine *m;
static ke_call call;
static io_driver *drv;

static void run_routine(void *ctx, ke_exec *e)
{
    (void)ctx;
    cr_assert(run_count < 16);
    run_record *r = &runs[run_count++];
    if (e->kernel_routine != NULL) {
        /* The kernel's own C routine: the host runs it, as lua/ does. */
        ke_call c = {.m = m, .exec = e, .thread = e->thread, .ddi = 0xFFFF};
        e->kernel_routine(&c, e->kernel_context);
    }
    r->routine = e->start_routine;
    r->thread = e->thread->id;
    memcpy(r->args, e->start_args, sizeof r->args);
    r->argc = e->start_argc;
    r->irql = m->cpus[e->cpu].irql;
    ke_exec_ended(m, e);
}

static void boot(ke_arch arch)
{
    ke_config config = tm_config(7, 1, arch);
    config.limits.max_time_100ns = 50ull * 10000000ull; /* 5 s */
    ke_host host = tm_passive_host();
    host.resume = run_routine;
    m = tm_create(&config, &host, NULL);
    /* The calls come from a driver's routine on a System thread that is not
     * scheduled: the tests are its code. */
    ke_thread *t = ke_create_thread(m, m->system_process, NULL);
    cr_assert_not_null(t);
    /* It is READY from its creation: off the ready queue, waiting for ever,
     * so that the scheduler never picks it. */
    cr_assert_eq(m->ready_head, t);
    ke_unready_thread(m, t);
    t->state = KE_THREAD_WAITING;
    memset(&call, 0, sizeof call);
    call.m = m;
    call.exec = &t->exec;
    call.thread = t;
    drv = io_register_driver(m, "unit.sys", false, NULL);
    cr_assert_not_null(drv);
    cr_assert_eq(io_load_begin(&call, drv), STATUS_SUCCESS);
    call.driver = drv;
    run_count = 0;
}

static void boot_x64(void)
{
    boot(KE_ARCH_X64);
}

static void boot_x86(void)
{
    boot(KE_ARCH_X86);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

/* Runs the machine until nothing more can happen (every worker waits) or
 * the time limit; the thread the tests speak for never runs. */
static void run_machine(void)
{
    ke_run(m);
}

static uint64_t field(PVOID_VA va, ke_type_id type, const char *name)
{
    const ke_field *f = ke_type_field(type, name);
    cr_assert_not_null(f);
    uint64_t v = 0;
    cr_assert(mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f)));
    return v;
}

/* A UNICODE_STRING for name in nonpaged pool. */
static PVOID_VA unicode(const char *name)
{
    size_t n = strlen(name);
    PVOID_VA s = ex_alloc_internal(m, NonPagedPool, 16 + 2 * n, 0x74736554u);
    uint16_t lengths[2] = {(uint16_t)(2 * n), (uint16_t)(2 * n)};
    mm_poke(m->mm, s, lengths, 4);
    PVOID_VA buffer = s + 16;
    for (size_t i = 0; i < n; i++) {
        uint16_t wc = (uint8_t)name[i];
        mm_poke(m->mm, buffer + 2 * i, &wc, 2);
    }
    mm_poke(m->mm, s + (m->config.arch == KE_ARCH_X86 ? 4 : 8), &buffer,
            m->config.arch == KE_ARCH_X86 ? 4 : 8);
    return s;
}

static PVOID_VA create(const char *name, ULONG extension_bytes)
{
    PVOID_VA dev = 0;
    NTSTATUS s = IoCreateDevice(&call, drv->driver_object, extension_bytes,
                                name != NULL ? unicode(name) : 0, 0x22, 0x100, false, &dev);
    cr_assert_eq(s, STATUS_SUCCESS);
    return dev;
}

/* ------------------------------------------------------------------------ */
/* Device objects                                                           */
/* ------------------------------------------------------------------------ */

static void check_layout(uint32_t object_bytes)
{
    PVOID_VA dev = create("\\Device\\Unit", 24);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "Type"), IO_TYPE_DEVICE);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "DriverObject"), drv->driver_object);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "DeviceExtension"), dev + object_bytes);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "Flags"), DO_DEVICE_INITIALIZING);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "DeviceType"), 0x22);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "Characteristics"), 0x100);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "StackSize"), 1);
    cr_assert_eq(field(dev, KE_TYPE_DEVICE_OBJECT, "NextDevice"), 0);
    /* The extension is zeroed and lives in nonpaged pool with the object. */
    uint8_t ext[24];
    memset(ext, 0xAA, sizeof ext);
    cr_assert(mm_peek(m->mm, dev + object_bytes, ext, sizeof ext));
    for (size_t i = 0; i < sizeof ext; i++)
        cr_assert_eq(ext[i], 0);
    ex_block *b = ex_pool_find(m->pool, dev);
    cr_assert_not_null(b);
    cr_assert(!ex_pool_type_paged(b->pool_type));
}

Test(device, layout_x64, .init = boot_x64, .fini = shutdown)
{
    check_layout(0x150);
}

Test(device, layout_x86, .init = boot_x86, .fini = shutdown)
{
    check_layout(0xB8);
}

Test(device, list_names_and_delete, .init = boot_x64, .fini = shutdown)
{
    uint32_t list = 8; /* DRIVER_OBJECT.DeviceObject on x64 */
    PVOID_VA a = create("\\Device\\Alpha", 0);
    PVOID_VA b = create(NULL, 0);
    uint64_t head = 0;
    mm_peek(m->mm, drv->driver_object + list, &head, 8);
    cr_assert_eq(head, b, "the newest device heads the list");
    cr_assert_eq(field(b, KE_TYPE_DEVICE_OBJECT, "NextDevice"), a);
    cr_assert_eq(field(a, KE_TYPE_DEVICE_OBJECT, "DeviceExtension"), 0, "no extension asked");

    PVOID_VA dup = 0;
    cr_assert_eq(IoCreateDevice(&call, drv->driver_object, 0, unicode("\\DEVICE\\alpha"), 0x22, 0,
                                false, &dup),
                 STATUS_OBJECT_NAME_COLLISION, "names are unique, case-insensitive");
    cr_assert_eq(dup, 0);

    IoDeleteDevice(&call, a);
    cr_assert_null(io_device_at(m, a), "an unreferenced device goes at once");
    cr_assert_eq(field(b, KE_TYPE_DEVICE_OBJECT, "NextDevice"), 0);
    cr_assert_eq(drv->object_refs, 1);
    cr_assert_eq(create("\\Device\\Alpha", 0) != 0, true, "a deleted device's name is free");
}

/* ------------------------------------------------------------------------ */
/* Work items                                                               */
/* ------------------------------------------------------------------------ */

Test(workitem, runs_in_queue_order_with_context, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create("\\Device\\Work", 0);
    PVOID_VA items[3];
    for (int i = 0; i < 3; i++) {
        items[i] = IoAllocateWorkItem(&call, dev);
        cr_assert_neq(items[i], 0);
        cr_assert_eq(ex_pool_find(m->pool, items[i])->tag, IO_WORKITEM_POOL_TAG);
    }
    IoQueueWorkItem(&call, items[0], 11, DelayedWorkQueue, 0x1000);
    IoQueueWorkItem(&call, items[1], 12, DelayedWorkQueue, 0x2000);
    IoQueueWorkItemEx(&call, items[2], 13, DelayedWorkQueue, 0x3000);
    cr_assert_eq(io_device_at(m, dev)->references, 4, "each queued item holds the device");
    run_machine();
    cr_assert_eq(run_count, 3);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(runs[i].routine, 11 + i, "queue order");
        cr_assert_eq(runs[i].args[0], dev);
        cr_assert_eq(runs[i].args[1], 0x1000u * (i + 1), "its context");
        cr_assert_eq(runs[i].irql, PASSIVE_LEVEL);
        cr_assert_eq(m->threads[runs[i].thread - 1]->process, m->system_process);
    }
    cr_assert_eq(runs[0].argc, 2);
    cr_assert_eq(runs[2].argc, 3, "IO_WORKITEM_ROUTINE_EX gets the item too");
    cr_assert_eq(runs[2].args[2], items[2]);
    cr_assert_eq(io_device_at(m, dev)->references, 1, "the references went back");
    cr_assert_eq(runs[0].thread, runs[1].thread, "one worker took them in turn");
}

Test(workitem, device_and_image_stay_until_the_item_ran, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA dev = create("\\Device\\Late", 0);
    PVOID_VA item = IoAllocateWorkItem(&call, dev);
    IoQueueWorkItem(&call, item, 21, CriticalWorkQueue, 0);
    drv->unload = 99; /* it has a DriverUnload, which deletes the device */
    cr_assert_eq(io_unload_begin(&call, drv), STATUS_SUCCESS);
    IoDeleteDevice(&call, dev);
    io_unload_end(&call, drv);
    cr_assert_not_null(io_device_at(m, dev), "the queued item references it");
    cr_assert(drv->loaded && drv->unload_pending, "the image waits for the item");
    run_machine();
    cr_assert_eq(run_count, 1);
    cr_assert_null(io_device_at(m, dev));
    cr_assert(!drv->loaded, "the image went with the last reference");
}

Test(workitem, requeued_from_its_routine_and_initialized_storage, .init = boot_x86,
     .fini = shutdown)
{
    PVOID_VA dev = create("\\Device\\Init", 0);
    cr_assert_eq(IoSizeofWorkItem(&call), 0x34);
    PVOID_VA storage = ex_alloc_internal(m, NonPagedPool, 0x40, 0x74736554u);
    IoInitializeWorkItem(&call, dev, storage);
    IoQueueWorkItem(&call, storage, 31, HyperCriticalWorkQueue, 7);
    uint32_t link = 0;
    mm_peek(m->mm, storage, &link, 4);
    cr_assert_neq(link, 0, "a queued item's link is set");
    run_machine();
    mm_peek(m->mm, storage, &link, 4);
    cr_assert_eq(link, 0, "cleared when the worker took it");
    cr_assert_eq(run_count, 1);
    /* Queued again after it ran: allowed. */
    IoQueueWorkItem(&call, storage, 32, HyperCriticalWorkQueue, 8);
    m->stop = KE_RUNNING;
    ke_run(m);
    cr_assert_eq(run_count, 2);
    cr_assert_eq(runs[1].args[1], 8);
    IoUninitializeWorkItem(&call, storage);
    cr_assert_null(ex_work_item_at(m, storage));
}

/* A kernel routine's record: its IRQL and thread when it ran. */
typedef struct kernel_job {
    uint32_t runs;
    KIRQL irql;
    uint32_t thread;
} kernel_job;

static void kernel_job_routine(ke_call *c, void *context)
{
    kernel_job *job = context;
    job->runs++;
    job->irql = ke_call_irql(c);
    job->thread = c->thread->id;
}

Test(workitem, kernel_routine_runs_at_passive_and_its_item_goes, .init = boot_x64, .fini = shutdown)
{
    kernel_job job = {0};
    /* Queued from DISPATCH_LEVEL, as the power manager queues a send. */
    KIRQL old = PASSIVE_LEVEL;
    KeRaiseIrql(&call, DISPATCH_LEVEL, &old);
    cr_assert(
        ex_queue_kernel_work(&call, kernel_job_routine, &job, CriticalWorkQueue, 0x6F507750u));
    KeLowerIrql(&call, old);
    ex_work_item *item = m->work->items_head;
    cr_assert_not_null(item);
    PVOID_VA va = item->va;
    ex_block *b = ex_pool_find(m->pool, va);
    cr_assert_not_null(b, "its WORK_QUEUE_ITEM is a pool block");
    cr_assert_eq(b->tag, 0x6F507750u);
    cr_assert_null(b->owner, "the kernel's, not the driver's");
    run_machine();
    cr_assert_eq(job.runs, 1);
    cr_assert_eq(job.irql, PASSIVE_LEVEL);
    cr_assert_eq(m->threads[job.thread - 1]->process, m->system_process);
    cr_assert_neq(job.thread, call.thread->id, "a worker thread, not the queuer");
    cr_assert_null(m->work->items_head, "the item went when its routine returned");
    cr_assert_null(ex_work_item_at(m, va));
    b = ex_pool_find(m->pool, va);
    cr_assert(b == NULL || b->freed, "and its block");
    /* The worker's next item is a driver's: no kernel routine left over. */
    PVOID_VA dev = create("\\Device\\After", 0);
    PVOID_VA io = IoAllocateWorkItem(&call, dev);
    IoQueueWorkItem(&call, io, 41, CriticalWorkQueue, 0);
    m->stop = KE_RUNNING;
    ke_run(m);
    cr_assert_eq(job.runs, 1);
    cr_assert_eq(runs[run_count - 1].routine, 41);
}

/* ------------------------------------------------------------------------ */
/* Lookaside lists                                                          */
/* ------------------------------------------------------------------------ */

static uint64_t lfield(PVOID_VA list, const char *name)
{
    return field(list, KE_TYPE_NPAGED_LOOKASIDE_LIST, name);
}

Test(lookaside, depth_and_fall_through, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA list = io_image_storage(m, drv, 0x80, 64);
    ExInitializeNPagedLookasideList(&call, list, 0, 0, POOL_NX_ALLOCATION, 48, 0x6B6F6F4Cu, 0);
    cr_assert_eq(lfield(list, "Depth"), EX_LOOKASIDE_MINIMUM_DEPTH);
    cr_assert_eq(lfield(list, "MaximumDepth"), EX_LOOKASIDE_MAXIMUM_DEPTH);
    cr_assert_eq(lfield(list, "Size"), 48);
    cr_assert_eq(lfield(list, "Type"), NonPagedPoolNx);
    PVOID_VA blocks[6];
    for (int i = 0; i < 6; i++) {
        blocks[i] = ExAllocateFromNPagedLookasideList(&call, list);
        cr_assert_neq(blocks[i], 0);
        ex_block *b = ex_pool_find(m->pool, blocks[i]);
        cr_assert_eq(b->tag, 0x6B6F6F4Cu, "blocks come from the pool with the list's tag");
        cr_assert_eq(b->size_bytes, 48);
    }
    cr_assert_eq(lfield(list, "TotalAllocates"), 6);
    cr_assert_eq(lfield(list, "AllocateMisses"), 6, "an empty list falls through");
    for (int i = 0; i < 6; i++)
        ExFreeToNPagedLookasideList(&call, list, blocks[i]);
    cr_assert_eq(lfield(list, "TotalFrees"), 6);
    cr_assert_eq(lfield(list, "FreeMisses"), 2, "the list keeps Depth (4) blocks");
    cr_assert(ex_pool_find(m->pool, blocks[5])->freed, "the rest went back to the pool");
    cr_assert(!ex_pool_find(m->pool, blocks[3])->freed);
    cr_assert_eq(lfield(list, "ListHead"), blocks[3], "the last kept block is on top");
    /* Hits: the kept blocks, last freed first. */
    cr_assert_eq(ExAllocateFromNPagedLookasideList(&call, list), blocks[3]);
    cr_assert_eq(ExAllocateFromNPagedLookasideList(&call, list), blocks[2]);
    cr_assert_eq(lfield(list, "AllocateMisses"), 6);
    ExDeleteNPagedLookasideList(&call, list);
    cr_assert(ex_pool_find(m->pool, blocks[0])->freed, "delete frees what the list holds");
    cr_assert(ex_pool_find(m->pool, blocks[1])->freed);
    cr_assert(!ex_lookaside_at(m, list)->active);
}

static void nothing_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    (void)ev;
}

Test(lookaside, depth_follows_the_miss_rate, .init = boot_x64, .fini = shutdown)
{
    PVOID_VA list = io_image_storage(m, drv, 0x80, 64);
    ExInitializeNPagedLookasideList(&call, list, 0, 0, 0, 32, 0x6B6F6F4Cu, 0);
    for (int i = 0; i < 30; i++)
        cr_assert_neq(ExAllocateFromNPagedLookasideList(&call, list), 0);
    /* Something still to come past both scans (as a thread's timed wait
     * would be): without it nothing could ever run again, the scans wake
     * nobody, and the machine would stop at once as a deadlock. */
    static des_event later;
    des_event_init(&later, nothing_fire);
    cr_assert(des_schedule(&m->des, &later, 3 * EX_LOOKASIDE_SCAN_100NS));
    m->des.limits.max_time_100ns = EX_LOOKASIDE_SCAN_100NS + 1;
    run_machine();
    /* 30 allocations, all misses: 4 + (995 * 256) / 2000 + 5. */
    cr_assert_eq(lfield(list, "Depth"), 136);
    cr_assert_eq(lfield(list, "LastTotalAllocates"), 30);
    /* A quiet second: fewer than 25 allocations lower it by 10. */
    m->stop = KE_RUNNING;
    m->des.limits.max_time_100ns = 2 * EX_LOOKASIDE_SCAN_100NS + 1;
    ke_run(m);
    cr_assert_eq(lfield(list, "Depth"), 126);
}

Test(lookaside, paged_list_on_x86, .init = boot_x86, .fini = shutdown)
{
    PVOID_VA list = io_image_storage(m, drv, 0x68, 8);
    ExInitializePagedLookasideList(&call, list, 0, 0, 0, 100, 0x6B6F6F4Cu, 0);
    cr_assert_eq(field(list, KE_TYPE_PAGED_LOOKASIDE_LIST, "Type"), PagedPool);
    PVOID_VA block = ExAllocateFromPagedLookasideList(&call, list);
    cr_assert_neq(block, 0);
    cr_assert(ex_pool_type_paged(ex_pool_find(m->pool, block)->pool_type));
    ExFreeToPagedLookasideList(&call, list, block);
    cr_assert_eq(field(list, KE_TYPE_PAGED_LOOKASIDE_LIST, "ListHead"), block);
    ExDeletePagedLookasideList(&call, list);
    cr_assert(ex_pool_find(m->pool, block)->freed);
}

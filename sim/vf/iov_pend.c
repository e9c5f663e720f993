/*
 * iov_pend.c - Force pending I/O requests (/flags 0x200): which IRPs a
 * verified driver sends come back STATUS_PENDING, and their deferred
 * completion (see iov_pend.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ex/pool.h"
#include "io/io.h"
#include "ke/hooks.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/iov_pend.h"
#include "vf/thunks.h"
#include "vf/vf.h"

#define VF_PEND_KDPC_BYTES 0x40u       /* a KDPC (x64 wdm.h) */
#define VF_PEND_POOL_TAG   0x64506656u /* "VfPd" */

/* A deferred completion: the timer that queues the verifier's DPC, the DPC
 * (its KDPC in nonpaged pool, for the trace), the IRP, and the processor
 * the sender ran on. */
typedef struct vf_pend_item {
    des_event timer;
    ke_dpc dpc;
    ke_machine *m;
    PVOID_VA irp;
    uint32_t cpu;
    struct vf_pend_item *next;
} vf_pend_item;

void vf_pend_init(vf_pend *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    /* Seeding draws nothing: a run that never forces keeps its digest. */
    des_rng_stream(&p->rng, seed, "iopend");
}

void vf_pend_free(vf_pend *p)
{
    vf_pend_item *i = p->items;
    while (i != NULL) {
        vf_pend_item *next = i->next;
        free(i);
        i = next;
    }
    p->items = NULL;
}

static uint64_t peek(ke_machine *m, PVOID_VA va, const ke_field *f)
{
    uint64_t v = 0;
    mm_peek(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
    return v;
}

static void poke(ke_machine *m, PVOID_VA va, const ke_field *f, uint64_t v)
{
    mm_poke(m->mm, va + f->offset[m->config.arch], &v, ke_field_size(m->config.arch, f));
}

/* Stack location `n` (1-based, as CurrentLocation counts). */
static PVOID_VA location_va(ke_machine *m, PVOID_VA irp, uint64_t n)
{
    return irp + io_irp_bytes(m, 0) + (n - 1) * io_stack_location_bytes(m);
}

/* KE_TR_PEND: irp u64, location u8, what u8 (1 forced: IoCallDriver
 * returns STATUS_PENDING; 0 resumed: the verifier's DPC completes it), the
 * status the drivers below returned (forced) or 0. */
static void trace_pend(ke_machine *m, PVOID_VA irp, uint8_t location, bool forced, NTSTATUS status)
{
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_PEND);
    des_rec_u64(&rec, irp);
    des_rec_u8(&rec, location);
    des_rec_u8(&rec, forced ? 1 : 0);
    des_rec_u32(&rec, (uint32_t)status);
    ke_trace_commit(m, &rec);
}

void vf_pend_call(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    if (!vf_option_enabled(call, VF_FLAG_FORCE_PENDING_IO) || ke_stopped(m))
        return;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL || irp->pend_armed || irp->pend_held)
        return;
    /* IoCallDriver takes the next location: the sender's is CurrentLocation
     * (StackCount + 1 for the IRP's creator), the one held below it. */
    uint64_t location = peek(m, Irp, KE_FIELD(IRP, CurrentLocation));
    if (location < 2 || location > (uint64_t)irp->stack_count + 1)
        return; /* out of locations: I/O verification's 0x208 or the kernel's own */
    vf_pend *p = &m->vf->pend;
    if (!vf_inject_point(call, &p->rng, &p->rng_drawn, VF_PEND_PROBABILITY))
        return;
    irp->pend_armed = true;
    irp->pend_location = (uint8_t)(location - 1);
}

/* The verifier's DPC: the held completion goes on, from the location below
 * the sender (its completion routine is the first to run, at
 * DISPATCH_LEVEL). Nothing if the IRP went meanwhile (freed: I/O
 * verification reported the free) or someone else completed it. */
static void pend_resume(ke_call *call, void *context)
{
    vf_pend_item *item = context;
    ke_machine *m = call->m;
    KE_CHECK(m, item->m == m && item->dpc.va != 0);
    ke_call kernel = *call;
    kernel.driver = NULL;
    ExFreePool(&kernel, item->dpc.va); /* the KDPC's run has started: it is no longer used */
    io_irp *irp = io_irp_at(m, item->irp);
    if (irp == NULL || !irp->pend_held || irp->pend_armed || ke_stopped(m))
        return;
    trace_pend(m, irp->va, irp->pend_location, false, 0);
    io_complete_resume(&kernel, irp);
    call->callout = kernel.callout;
}

bool vf_pend_complete(ke_call *call, PVOID_VA Irp)
{
    ke_machine *m = call->m;
    io_irp *irp = io_irp_at(m, Irp);
    if (irp == NULL || !irp->pend_held || irp->pend_armed || m->vf->settings.iolevel < 2)
        return false;
    PVOID_VA held = location_va(m, Irp, irp->pend_location);
    io_device *holder = io_device_at(m, peek(m, held, KE_FIELD(IO_STACK_LOCATION, DeviceObject)));
    return vf_io_raise(call, RULE_io2_complete_queued_irp, NULL, ke_caller_code(call), Irp,
                       holder != NULL ? holder->va : 0);
}

static void pend_timer_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    vf_pend_item *item = DES_CONTAINER_OF(ev, vf_pend_item, timer);
    ke_queue_kernel_dpc(item->m, &item->dpc, item->cpu);
}

NTSTATUS vf_pend_returned(ke_call *call, io_irp *irp, NTSTATUS status)
{
    ke_machine *m = call->m;
    KE_CHECK(m, irp->pend_armed);
    irp->pend_armed = false;
    if (!irp->pend_held || ke_stopped(m))
        return status; /* pending below for real: nothing to force */
    /* The location below answers STATUS_PENDING: marked pending, as its
     * driver would have marked it (IoMarkIrpPending), so the completion
     * routine above sees PendingReturned when the walk resumes. */
    PVOID_VA held = location_va(m, irp->va, irp->pend_location);
    const ke_field *control = KE_FIELD(IO_STACK_LOCATION, Control);
    poke(m, held, control, peek(m, held, control) | SL_PENDING_RETURNED);
    vf_pend_item *item = calloc(1, sizeof *item);
    PVOID_VA kdpc = item != NULL
                        ? ex_alloc_internal(m, NonPagedPoolNx, VF_PEND_KDPC_BYTES, VF_PEND_POOL_TAG)
                        : 0;
    if (kdpc == 0)
        ke_panic(m, __FILE__, __LINE__, "out of memory deferring a forced-pending IRP");
    item->m = m;
    item->irp = irp->va;
    item->cpu = call->exec->cpu;
    item->timer.heap_index = DES_NOT_QUEUED;
    item->timer.fire = pend_timer_fire;
    item->dpc.va = kdpc;
    item->dpc.target_cpu = -1;
    item->dpc.importance = 1; /* MediumImportance */
    item->dpc.kernel_routine = pend_resume;
    item->dpc.kernel_context = item;
    vf_pend *p = &m->vf->pend;
    item->next = p->items;
    p->items = item;
    p->forced++;
    /* The DPC's run sees what the sender did before (the race detector's
     * edge, as KeInsertQueueDpc gives one). */
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, kdpc);
    if (!des_schedule(&m->des, &item->timer, m->des.now_100ns + VF_PEND_DELAY_100NS))
        ke_panic(m, __FILE__, __LINE__, "out of host memory deferring a forced-pending IRP");
    trace_pend(m, irp->va, irp->pend_location, true, status);
    return STATUS_PENDING;
}

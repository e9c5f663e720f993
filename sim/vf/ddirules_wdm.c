/*
 * ddirules_wdm.c - what the WDM rules of sim/vf/ddi_rules.spec read of the
 * objects a DDI is handed: the lock a KLOCK_QUEUE_HANDLE holds, an IRP's
 * status and the major function of its next stack location (the one
 * IoCallDriver passes down), the IRP an interlocked list entry belongs to,
 * who made an IRP. The reads are the verifier's own (mm_peek): they neither
 * fault nor reach the trace, and memory that cannot be read gives 0.
 */
#include "io/io.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "vf/ddirules.h"

#define IRP_MJ_POWER_CODE 0x16u /* wdm.h's IRP_MJ_POWER */

static uint64_t peek(const ke_machine *m, PVOID_VA va, size_t bytes)
{
    uint64_t v = 0;
    if (va == 0 || !mm_peek(m->mm, va, &v, bytes))
        return 0;
    return v;
}

static uint64_t peek_field(const ke_machine *m, PVOID_VA base, const ke_field *f)
{
    ke_arch arch = m->config.arch;
    return peek(m, base + f->offset[arch], ke_field_size(arch, f));
}

uint64_t ddc_queued_lock_of(const ddc_ctx *x, uint64_t handle)
{
    /* KLOCK_QUEUE_HANDLE: LockQueue { Next, Lock }, then OldIrql; the
     * acquire stored the lock there (sim/ke/spinlock.c). */
    const ke_machine *m = x->call->m;
    size_t ptr = m->config.arch == KE_ARCH_X86 ? 4 : 8;
    return handle == 0 ? 0 : peek(m, handle + ptr, ptr);
}

int32_t ddc_irp_status(const ddc_ctx *x, uint64_t irp)
{
    const ke_machine *m = x->call->m;
    if (irp == 0)
        return 0;
    PVOID_VA iosb = irp + KE_FIELD(IRP, IoStatus)->offset[m->config.arch];
    return (int32_t)(uint32_t)peek_field(m, iosb, KE_FIELD(IO_STATUS_BLOCK, Status));
}

/* The IRP's Tail.Overlay, where its current stack location and its list
 * entry are. */
static PVOID_VA tail_overlay(const ke_machine *m, uint64_t irp)
{
    return irp + KE_FIELD(IRP, Tail)->offset[m->config.arch];
}

bool ddc_forward_allowed_at_dispatch(const ddc_ctx *x, uint64_t irp)
{
    const ke_machine *m = x->call->m;
    if (io_irp_at(m, irp) == NULL)
        return true; /* not an IRP: IoCallDriver's own checks report it */
    PVOID_VA current =
        peek_field(m, tail_overlay(m, irp),
                   ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "CurrentStackLocation"));
    if (current == 0)
        return true;
    PVOID_VA next = current - io_stack_location_bytes(m);
    uint64_t major = peek_field(m, next, KE_FIELD(IO_STACK_LOCATION, MajorFunction));
    return major == IRP_MJ_POWER_CODE || major == IRP_MJ_READ || major == IRP_MJ_WRITE ||
           major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL;
}

uint64_t ddc_irp_of_list_entry(const ddc_ctx *x, uint64_t entry)
{
    const ke_machine *m = x->call->m;
    ke_arch arch = m->config.arch;
    uint64_t offset = KE_FIELD(IRP, Tail)->offset[arch] +
                      ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "ListEntry")->offset[arch];
    if (entry < offset || io_irp_at(m, entry - offset) == NULL)
        return 0;
    return entry - offset;
}

bool ddc_irp_allocated(const ddc_ctx *x, uint64_t irp)
{
    const io_irp *r = io_irp_at(x->call->m, irp);
    return r == NULL || r->origin == IO_IRP_ALLOCATED;
}

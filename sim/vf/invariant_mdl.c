/*
 * invariant_mdl.c - invariant MDL checking for stack (/flags 0x2000) and for
 * driver (/flags 0x4000), Windows 8 and later (invariant-mdl-checking-for-
 * stack.md, invariant-mdl-checking-for-driver.md).
 *
 * The buffer an MDL describes in a read or write request belongs to the
 * request's originator: a driver on the way down may read it, not change
 * it. A write request's data must stay as the originator wrote it for the
 * IRP's whole life; a read request's buffer is the device's to fill, so it
 * must not change on its dispatch path, before the request leaves the
 * stack.
 *
 * The first time IoCallDriver carries an IRP_MJ_READ or IRP_MJ_WRITE with
 * an MDL (Irp->MdlAddress), the verifier takes a signature of the buffer
 * (here a 64-bit FNV-1a of its bytes) and keeps it by IRP. Then:
 *   for stack (0x2000): a write request's buffer is compared at
 *     IoCompleteRequest (0xC4/0x1010); a read request's at IoCallDriver, so
 *     that the last call, where the request leaves the stack, is one
 *     (0xC4/0x1011). The report cannot say which driver changed it.
 *   for driver (0x4000): every IoCallDriver and, for a write request,
 *     IoCompleteRequest compares it, so the driver that had the IRP since
 *     the last check is the one that changed it.
 * P2 the target device object (the device called, or the device of the
 * completing location), P3 the IRP, P4 the buffer's address (its system
 * mapping when it has one, else the address the MDL describes). A record
 * ends at IoCompleteRequest, or when the IRP carries another MDL.
 *
 * Both options are global, not per driver, and need I/O verification on at
 * least one driver (verifier.exe adds 0x10 with them): they watch every
 * request once a driver is verified. They hear the I/O manager through the
 * kernel's hook interface (KE_EVENT_IRP_CALL, KE_EVENT_IRP_COMPLETE).
 */
#include <stdlib.h>

#include "des/map.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/types.h"
#include "mm/mdl.h"
#include "mm/mm.h"
#include "vf/invariant_mdl.h"
#include "vf/vf.h"

/* One signed buffer: the IRP it travels with. */
typedef struct imdl_record {
    PVOID_VA mdl;
    PVOID_VA buffer; /* what P4 names */
    uint64_t signature;
    bool write;
    uint32_t next_free; /* index + 1 of the next free record, when free */
} imdl_record;

typedef struct vf_imdl {
    des_map by_irp; /* IRP address -> record index + 1 (as a pointer) */
    imdl_record *records;
    uint32_t count, capacity;
    uint32_t free_head; /* index + 1 of a free record, 0 for none */
} vf_imdl;

uint32_t vf_imdl_hook_mask(const vf_settings *s)
{
    bool target = s->all_drivers || s->drivers.count > 0;
    if (!target || (s->flags & (VF_FLAG_INVARIANT_MDL_STACK | VF_FLAG_INVARIANT_MDL_DRIVER)) == 0 ||
        (s->flags & VF_FLAG_IO_VERIFICATION) == 0)
        return 0;
    return 1u << KE_EVENT_IRP_CALL | 1u << KE_EVENT_IRP_COMPLETE;
}

void vf_imdl_destroy(vf_imdl *im)
{
    if (im == NULL)
        return;
    des_map_fini(&im->by_irp);
    free(im->records);
    free(im);
}

static uint64_t read_ptr(const ke_machine *m, PVOID_VA va)
{
    uint64_t v = 0;
    mm_peek(m->mm, va, &v, m->config.arch == KE_ARCH_X86 ? 4 : 8);
    return v;
}

static PVOID_VA irp_mdl(const ke_machine *m, PVOID_VA irp)
{
    return read_ptr(m, irp + KE_FIELD(IRP, MdlAddress)->offset[m->config.arch]);
}

/* The major function of the IRP's current location (0xFF when none). */
static uint8_t irp_major(const ke_machine *m, PVOID_VA irp)
{
    ke_arch arch = m->config.arch;
    PVOID_VA tail = irp + KE_FIELD(IRP, Tail)->offset[arch];
    PVOID_VA sl = read_ptr(
        m, tail + ke_type_field(KE_TYPE_IRP_TAIL_OVERLAY, "CurrentStackLocation")->offset[arch]);
    uint8_t major = 0xFF;
    if (sl != 0)
        mm_peek(m->mm, sl + KE_FIELD(IO_STACK_LOCATION, MajorFunction)->offset[arch], &major, 1);
    return major;
}

/* The signature of the buffer an MDL describes; false when its bytes cannot
 * be read (not mapped): nothing is then kept or compared. */
static bool sign(const ke_machine *m, PVOID_VA mdl, uint64_t *signature, PVOID_VA *buffer)
{
    mdl_view v;
    if (!mdl_read(m, mdl, &v))
        return false;
    PVOID_VA va = v.start_va + v.byte_offset;
    uint64_t h = 0xCBF29CE484222325ull;
    uint8_t chunk[512];
    for (uint32_t done = 0; done < v.byte_count;) {
        uint32_t n = v.byte_count - done < sizeof chunk ? v.byte_count - done : sizeof chunk;
        if (!mm_peek(m->mm, va + done, chunk, n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            h = (h ^ chunk[i]) * 0x100000001B3ull;
        done += n;
    }
    *signature = h;
    *buffer = (v.flags & MDL_MAPPED_TO_SYSTEM_VA) && v.mapped_va != 0 ? v.mapped_va : va;
    return true;
}

static imdl_record *record_of(vf_imdl *im, PVOID_VA irp)
{
    uintptr_t slot = (uintptr_t)des_map_get(&im->by_irp, irp);
    return slot == 0 ? NULL : &im->records[slot - 1];
}

static void forget(vf_imdl *im, PVOID_VA irp)
{
    uintptr_t slot = (uintptr_t)des_map_remove(&im->by_irp, irp);
    if (slot == 0)
        return;
    im->records[slot - 1].next_free = im->free_head;
    im->free_head = (uint32_t)slot;
}

static bool remember(vf_imdl *im, PVOID_VA irp, const imdl_record *r)
{
    uint32_t index;
    if (im->free_head != 0) {
        index = im->free_head - 1;
        im->free_head = im->records[index].next_free;
    } else {
        if (im->count == im->capacity) {
            uint32_t cap = im->capacity ? im->capacity * 2 : 16;
            imdl_record *grown = realloc(im->records, cap * sizeof *grown);
            if (grown == NULL)
                return false;
            im->records = grown;
            im->capacity = cap;
        }
        index = im->count++;
    }
    im->records[index] = *r;
    return des_map_put(&im->by_irp, irp, (void *)(uintptr_t)(index + 1));
}

/* Compares the record's buffer with what it holds now; raises and returns
 * false when it changed. */
static bool unchanged(ke_machine *m, const ke_event *ev, const imdl_record *r)
{
    uint64_t now;
    PVOID_VA buffer;
    if (!sign(m, r->mdl, &now, &buffer) || now == r->signature)
        return true;
    bool driver = (m->vf->settings.flags & VF_FLAG_INVARIANT_MDL_DRIVER) != 0;
    rule_id rule = r->write
                       ? (driver ? RULE_invariant_mdl_write_driver : RULE_invariant_mdl_write_stack)
                       : (driver ? RULE_invariant_mdl_read_driver : RULE_invariant_mdl_read_stack);
    kd_raise(ev->call, rule, ev->device, ev->address, r->buffer);
    return false;
}

void vf_imdl_event(ke_machine *m, const ke_event *ev)
{
    if (ev->call == NULL)
        return;
    vf_state *vf = m->vf;
    if (vf->imdl == NULL) {
        vf->imdl = calloc(1, sizeof *vf->imdl);
        if (vf->imdl == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory (invariant MDL checking)");
        des_map_init(&vf->imdl->by_irp);
    }
    vf_imdl *im = vf->imdl;
    bool driver = (vf->settings.flags & VF_FLAG_INVARIANT_MDL_DRIVER) != 0;
    PVOID_VA irp = ev->address;
    imdl_record *r = record_of(im, irp);
    if (ev->kind == KE_EVENT_IRP_COMPLETE) {
        if (r == NULL)
            return;
        imdl_record copy = *r;
        forget(im, irp);
        /* A read request's buffer is the device's to fill: its dispatch path
         * ended. A write request's must still be the originator's. */
        if (copy.write)
            unchanged(m, ev, &copy);
        return;
    }
    PVOID_VA mdl = irp_mdl(m, irp);
    if (r != NULL && r->mdl != mdl) {
        forget(im, irp); /* another request in the same IRP */
        r = NULL;
    }
    if (r != NULL) {
        if (!r->write || driver)
            unchanged(m, ev, r);
        return;
    }
    uint8_t major = irp_major(m, irp);
    if (mdl == 0 || (major != IRP_MJ_READ && major != IRP_MJ_WRITE))
        return;
    imdl_record fresh = {.mdl = mdl, .write = major == IRP_MJ_WRITE};
    if (!sign(m, mdl, &fresh.signature, &fresh.buffer))
        return;
    if (!remember(im, irp, &fresh))
        ke_panic(m, __FILE__, __LINE__, "out of host memory (invariant MDL checking)");
}

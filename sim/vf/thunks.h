/*
 * thunks.h - what the verifier's thunk files share (private to sim/vf):
 * thunks.c (IRQL, pool, MDLs, Rtl strings, and the import table),
 * thunks_ke.c (interrupts, spin locks, fast mutexes and regions, executive
 * resources, waits and object references), thunks_io.c (work items,
 * lookaside lists, I/O verification).
 */
#ifndef DRVSIM_VF_THUNKS_H
#define DRVSIM_VF_THUNKS_H

#include "ddi_table.h"
#include "ke/types.h"
#include "vf/vf.h"

static inline uint64_t *counter(ke_call *call, enum drvsim_global_counter which)
{
    return &call->m->vf->counters[which];
}

/* Force IRQL checking (0x2): a verified driver went to DISPATCH_LEVEL or
 * above (a raise, a spin lock, a synchronized call): pageable memory leaves
 * the working set, and Trims counts it (vf_irql_trim). Inline: without the
 * option, the verifier's every KeRaiseIrql only asks. */
void vf_irql_trim(ke_call *call);
static inline void vf_force_irql_trim(ke_call *call)
{
    if (vf_option_enabled(call, VF_FLAG_FORCE_IRQL_CHECKING))
        vf_irql_trim(call);
}

/* Low resources simulation for one allocating call: true when it is failed
 * deliberately, with a raise of STATUS_INSUFFICIENT_RESOURCES set when the
 * request asked for one (else the caller returns NULL or its status). */
bool vf_inject_pool(ke_call *call, ULONG PoolType, ULONG Tag, bool raise);

/* The thunks of thunks_ke.c and thunks_io.c into a verified image's imports. */
void vf_patch_imports_ke(ddi_imports *imports);
void vf_patch_imports_io(ddi_imports *imports);

/* A 0xC9 whose P1 is the rule's code (thunks_io.c): a WDM DRIVER ERROR with
 * a kernel debugger attached is printed and ignored (false). */
bool vf_io_raise(ke_call *call, rule_id rule, struct io_driver *blame, uint64_t p2, uint64_t p3,
                 uint64_t p4);
/* PnP, power and WMI IRP handling, forwarding and completion (iov_pnp.c):
 * true when a check stopped the call. */
bool vf_iov_call(ke_call *call, PVOID_VA DeviceObject, PVOID_VA Irp);
bool vf_iov_complete(ke_call *call, PVOID_VA Irp);
bool vf_iov_forward_queued(ke_call *call, PVOID_VA Irp);
bool vf_iov_reinitialize(ke_call *call, PVOID_VA Irp);
bool vf_iov_dispatch_returned(ke_call *call, const ke_callout *c, struct io_irp *irp,
                              NTSTATUS status);
void vf_iov_completion_returned(ke_call *call, const ke_callout *c, struct io_irp *irp);
bool vf_iov_set_cancel_routine(ke_call *call, PVOID_VA Irp, uint32_t CancelRoutine);
/* iov_pnp2.c: a bus's children (0x221, 0x249), filters' device type
 * (0x246), a cancel routine left on a completed IRP (0x23C), routines that
 * require a PDO (0x24D), file I/O's IRQL (0x24A). */
bool vf_iov_pnp_completing(ke_call *call, struct io_device *dev, uint64_t minor,
                           uint64_t argument0, uint32_t status, uint64_t information);
void vf_iov_device_deleted(ke_machine *m, PVOID_VA DeviceObject);
bool vf_iov_pdo_remove_returned(ke_call *call, const ke_callout *c, struct io_irp *irp);
void vf_iov_filter_started(ke_call *call, const ke_callout *c, struct io_irp *irp,
                           struct io_device *dev);
bool vf_iov_completed_with_cancel(ke_call *call, const ke_callout *c, struct io_irp *irp);
bool vf_iov_file_irql(ke_call *call);
void vf_patch_imports_iov2(ddi_imports *imports);
void vf_patch_imports_cm(ddi_imports *imports); /* thunks_cm.c: the registry */
void vf_patch_imports_mm(ddi_imports *imports); /* thunks_mm.c: mappings, physical memory */
void vf_patch_imports_dma(ddi_imports *imports); /* dma_verify.c: DMA verification */

/* Code integrity (/flags 0x2000000, thunks_mm.c): false when the request
 * stopped the machine. vf_ci_pool: an executable pool type (0xC4/0x2000);
 * vf_ci_mdl_mapping: a system-space MDL mapping without MdlMappingNoExecute
 * (0x2002). */
bool vf_ci_pool(ke_call *call, ULONG PoolType, ULONG Tag);
bool vf_ci_mdl_mapping(ke_call *call, ULONG AccessMode, ULONG Priority);

/* Security checks (/flags 0x100, security.c) of a Zw routine's arguments:
 * an OBJECT_ATTRIBUTES, a UNICODE_STRING and a buffer (each 0 for none).
 * False when one stopped the machine (0xC4/0xE3 a user-mode address, 0xE4
 * a malformed string). */
bool vf_sec_zw(ke_call *call, PVOID_VA attributes, PVOID_VA string, PVOID_VA buffer);
/* A kernel object of the given type initialised at a user-mode address
 * (0xC4/0xE0); false when it stopped the machine. */
bool vf_sec_kernel_object(ke_call *call, PVOID_VA object, ke_type_id type);
/* An IRP sent with RequestorMode KernelMode and a user-mode buffer (0xE2);
 * false when it stopped the machine. */
bool vf_sec_irp(ke_call *call, PVOID_VA Irp);
void vf_patch_imports_wmi(ddi_imports *imports); /* thunks_wmi.c: WMI and ETW */
/* Miscellaneous checks of WMI and ETW (thunks_wmi.c): a device deleted
 * while registered (true: raised), and a driver unloading with a callback
 * or a provider registered. */
bool vf_wmi_device_deleting(ke_call *call, PVOID_VA DeviceObject);
void vf_wmi_unload_check(ke_call *call, io_driver *d);

#endif /* DRVSIM_VF_THUNKS_H */

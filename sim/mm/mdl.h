/*
 * mdl.h - memory descriptor lists in simulated memory (mdl.c).
 */
#ifndef DRVSIM_MM_MDL_H
#define DRVSIM_MM_MDL_H

#include "ke/ke.h"

/* MdlFlags (wdm.h). */
#define MDL_MAPPED_TO_SYSTEM_VA     0x0001u
#define MDL_PAGES_LOCKED            0x0002u
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004u
#define MDL_ALLOCATED_FIXED_SIZE    0x0008u
#define MDL_PARTIAL                 0x0010u
#define MDL_PARTIAL_HAS_BEEN_MAPPED 0x0020u
#define MDL_WRITE_OPERATION         0x0080u

/* LOCK_OPERATION. */
#define IoReadAccess   0u
#define IoWriteAccess  1u
#define IoModifyAccess 2u

#define MDL_POOL_TAG          0x206C644Du /* "Mdl " */
#define MDL_VERIFIER_POOL_TAG 0x6C644D56u /* "VMdl": the verifier's, in leak lists */

/* The fields of an MDL that the kernel and the verifier decide on. */
typedef struct mdl_view {
    uint16_t flags;
    PVOID_VA start_va; /* page aligned */
    PVOID_VA mapped_va;
    uint32_t byte_count;
    uint32_t byte_offset;
} mdl_view;

/* Reads an MDL; false when mdl is NULL or not mapped. */
bool mdl_read(const ke_machine *m, PVOID_VA mdl, mdl_view *v);
void mdl_set_flags(ke_machine *m, PVOID_VA mdl, uint16_t flags);
uint32_t mdl_page_count(const mdl_view *v);

/* IoAllocateMdl with the pool tag to use: the verifier allocates the MDLs
 * of the drivers it tracks under its own tag. */
PVOID_VA mdl_allocate(ke_call *call, PVOID_VA VirtualAddress, ULONG Length, bool SecondaryBuffer,
                      bool ChargeQuota, PVOID_VA Irp, ULONG tag);

/* The most bytes MmAllocatePagesForMdl puts in one MDL: what the Size
 * field (a CSHORT) allows on x64, with the header (x86 allows more). */
#define MDL_PAGES_MAX_BYTES (4088ull * PAGE_SIZE)

/* An MDL (pool the caller owns and frees with ExFreePool) describing `bytes`
 * of locked pages at va, as MmAllocatePagesForMdl returns it: 0 on
 * exhaustion. */
PVOID_VA mdl_for_pages(ke_call *call, PVOID_VA va, uint64_t bytes);

/*
 * Process p ended, in the context of its last thread t: pages still locked
 * in its context are a bug check. With locked-page tracking (pool tracking
 * of the driver that locked them) 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
 * names the MDL; without, 0x76 PROCESS_HAS_LOCKED_PAGES only the process.
 */
void mdl_process_ended(ke_machine *m, ps_process *p, ke_thread *t);

#endif /* DRVSIM_MM_MDL_H */

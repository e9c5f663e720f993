/*
 * thunks_mm.c - the verifier's thunks for the memory manager's mappings and
 * physical memory (see thunks.c), and the code integrity checks the pool
 * and MDL thunks share.
 *
 * Code integrity (/flags 0x2000000, Windows 10 and later) reports a verified
 * driver that asks for memory it could execute: an executable pool type
 * (0xC4/0x2000), an executable page protection (0x2001) or an MDL mapping
 * without MdlMappingNoExecute (0x2002). P2, Windows' call site, is the
 * calling routine's address here, as for 0xF6: drvsim has no instruction
 * addresses inside a routine.
 */
#include "ddi_table.h"
#include "kd/kd.h"
#include "ex/pool.h"
#include "mm/mdl.h"
#include "mm/mm.h"
#include "vf/thunks.h"
#include "vf/vf.h"

/* MM_PAGE_PRIORITY's modifier bits (wdm.h). */
#define MDL_MAPPING_NO_EXECUTE 0x40000000u

bool vf_ci_pool(ke_call *call, ULONG PoolType, ULONG Tag)
{
    /* Every nonpaged type but the Nx ones (NonPagedPoolNx,
     * NonPagedPoolNxCacheAligned, NonPagedPoolSessionNx) is executable;
     * paged pool never is. */
    if (ex_pool_type_paged(PoolType) || (PoolType & POOL_NX_ALLOCATION) != 0 ||
        !vf_rule_enabled(call, RULE_ci_pool_executable))
        return true;
    kd_raise(call, RULE_ci_pool_executable, ke_caller_code(call), PoolType, Tag);
    return false;
}

bool vf_ci_mdl_mapping(ke_call *call, ULONG AccessMode, ULONG Priority)
{
    /* Only a system-space mapping takes the MdlMapping* bits. */
    if (AccessMode != 0 /* KernelMode */ || (Priority & MDL_MAPPING_NO_EXECUTE) != 0 ||
        !vf_rule_enabled(call, RULE_ci_mdl_mapping_executable))
        return true;
    kd_raise(call, RULE_ci_mdl_mapping_executable, ke_caller_code(call), Priority, 0);
    return false;
}

/* ------------------------------------------------------------------------ */
/* I/O space                                                                */
/* ------------------------------------------------------------------------ */

/* PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
 * PAGE_EXECUTE_WRITECOPY (wdm.h). */
#define PAGE_EXECUTE_ANY 0xF0u

/* 0x73: P3 the physical address, its low 32 bits on x86 (C4). */
static bool check_map_io(ke_call *call, uint64_t PhysicalAddress, uint64_t NumberOfBytes)
{
    KIRQL irql = ke_call_irql(call);
    if (irql <= DISPATCH_LEVEL || !vf_rule_enabled(call, RULE_iospace_map_above_dispatch))
        return true;
    uint64_t pa = call->m->config.arch == KE_ARCH_X86 ? (uint32_t)PhysicalAddress : PhysicalAddress;
    kd_raise(call, RULE_iospace_map_above_dispatch, irql, pa, NumberOfBytes);
    return false;
}

static PVOID_VA vf_MmMapIoSpace(ke_call *call, uint64_t PhysicalAddress, uint64_t NumberOfBytes,
                                ULONG CacheType)
{
    /* Low resources simulation fails it (a NULL), as it fails pool. */
    if (!check_map_io(call, PhysicalAddress, NumberOfBytes) ||
        vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmMapIoSpace(call, PhysicalAddress, NumberOfBytes, CacheType);
}

/* MmMapIoSpaceEx (Windows 10) gets MmMapIoSpace's IRQL check, and code
 * integrity's check of its protection (0x2001). */
static PVOID_VA vf_MmMapIoSpaceEx(ke_call *call, uint64_t PhysicalAddress, uint64_t NumberOfBytes,
                                  ULONG Protect)
{
    if (!check_map_io(call, PhysicalAddress, NumberOfBytes))
        return 0;
    if ((Protect & PAGE_EXECUTE_ANY) != 0 &&
        vf_rule_enabled(call, RULE_ci_protection_executable)) {
        kd_raise(call, RULE_ci_protection_executable, ke_caller_code(call), Protect, 0);
        return 0;
    }
    /* Low resources simulation's list names MmMapIoSpace, not this one. */
    return MmMapIoSpaceEx(call, PhysicalAddress, NumberOfBytes, Protect);
}

static void vf_MmUnmapIoSpace(ke_call *call, PVOID_VA BaseAddress, uint64_t NumberOfBytes)
{
    KIRQL irql = ke_call_irql(call);
    if (irql > APC_LEVEL && vf_rule_enabled(call, RULE_iospace_unmap_above_apc)) {
        kd_raise(call, RULE_iospace_unmap_above_apc, irql, BaseAddress, NumberOfBytes);
        return;
    }
    MmUnmapIoSpace(call, BaseAddress, NumberOfBytes);
}

/* ------------------------------------------------------------------------ */
/* Physical memory                                                          */
/* ------------------------------------------------------------------------ */

/* 0x141: a request that caps physical addresses below 4 GB, on x64 (on
 * x86 every address a driver sees is below 4 GB anyway). */
static bool check_below_4gb(ke_call *call, uint64_t highest, uint64_t bytes)
{
    if (call->m->config.arch == KE_ARCH_X86 || highest > 0xFFFFFFFFull ||
        !vf_rule_enabled(call, RULE_physical_memory_below_4gb))
        return true;
    kd_raise(call, RULE_physical_memory_below_4gb, highest, bytes, 0);
    return false;
}

static PVOID_VA vf_MmAllocateContiguousMemorySpecifyCache(ke_call *call, uint64_t NumberOfBytes,
                                                          uint64_t LowestAcceptableAddress,
                                                          uint64_t HighestAcceptableAddress,
                                                          uint64_t BoundaryAddressMultiple,
                                                          ULONG CacheType)
{
    if (!check_below_4gb(call, HighestAcceptableAddress, NumberOfBytes) ||
        vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmAllocateContiguousMemorySpecifyCache(call, NumberOfBytes, LowestAcceptableAddress,
                                                  HighestAcceptableAddress,
                                                  BoundaryAddressMultiple, CacheType);
}

static PVOID_VA vf_MmAllocateContiguousMemory(ke_call *call, uint64_t NumberOfBytes,
                                              uint64_t HighestAcceptableAddress)
{
    if (!check_below_4gb(call, HighestAcceptableAddress, NumberOfBytes) ||
        vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmAllocateContiguousMemory(call, NumberOfBytes, HighestAcceptableAddress);
}

static bool check_pages_irql(ke_call *call)
{
    KIRQL irql = ke_call_irql(call);
    if (irql <= DISPATCH_LEVEL || !vf_rule_enabled(call, RULE_mdl_pages_above_dispatch))
        return true;
    kd_raise(call, RULE_mdl_pages_above_dispatch, irql, DISPATCH_LEVEL, 0);
    return false;
}

static PVOID_VA vf_MmAllocatePagesForMdlEx(ke_call *call, uint64_t LowAddress,
                                           uint64_t HighAddress, uint64_t SkipBytes,
                                           uint64_t TotalBytes, ULONG CacheType, ULONG Flags)
{
    if (!check_pages_irql(call) || !check_below_4gb(call, HighAddress, TotalBytes) ||
        vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmAllocatePagesForMdlEx(call, LowAddress, HighAddress, SkipBytes, TotalBytes, CacheType,
                                   Flags);
}

static PVOID_VA vf_MmAllocatePagesForMdl(ke_call *call, uint64_t LowAddress, uint64_t HighAddress,
                                         uint64_t SkipBytes, uint64_t TotalBytes)
{
    if (!check_pages_irql(call) || !check_below_4gb(call, HighAddress, TotalBytes) ||
        vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return MmAllocatePagesForMdl(call, LowAddress, HighAddress, SkipBytes, TotalBytes);
}

static void vf_MmFreePagesFromMdl(ke_call *call, PVOID_VA MemoryDescriptorList)
{
    if (check_pages_irql(call))
        MmFreePagesFromMdl(call, MemoryDescriptorList);
}

/* ------------------------------------------------------------------------ */
/* MmMapLockedPages                                                         */
/* ------------------------------------------------------------------------ */

/* Its IRQL first (0x74 KernelMode, 0x75 UserMode), then the call itself
 * (0x81): it bug-checks where MmMapLockedPagesSpecifyCache could fail. */
static PVOID_VA vf_MmMapLockedPages(ke_call *call, PVOID_VA MemoryDescriptorList,
                                    ULONG AccessMode)
{
    KIRQL irql = ke_call_irql(call);
    if (AccessMode == 0 && irql > DISPATCH_LEVEL &&
        vf_rule_enabled(call, RULE_mdl_old_map_above_dispatch)) {
        kd_raise(call, RULE_mdl_old_map_above_dispatch, irql, MemoryDescriptorList, AccessMode);
        return 0;
    }
    if (AccessMode != 0 && irql > APC_LEVEL &&
        vf_rule_enabled(call, RULE_mdl_old_map_user_above_apc)) {
        kd_raise(call, RULE_mdl_old_map_user_above_apc, irql, MemoryDescriptorList, AccessMode);
        return 0;
    }
    mdl_view v;
    if (vf_rule_enabled(call, RULE_mdl_old_map)) {
        kd_raise(call, RULE_mdl_old_map, MemoryDescriptorList,
                 mdl_read(call->m, MemoryDescriptorList, &v) ? v.flags : 0, 0);
        return 0;
    }
    return MmMapLockedPages(call, MemoryDescriptorList, AccessMode);
}

/* ------------------------------------------------------------------------ */
/* Memory copies                                                            */
/* ------------------------------------------------------------------------ */

/* RtlCopyMemory is memcpy: overlapping ranges are undefined (0xF0, P2 the
 * destination, P3 the source, P4 the length); RtlMoveMemory is for them. */
static void vf_RtlCopyMemory(ke_call *call, PVOID_VA Destination, PVOID_VA Source,
                             uint64_t Length)
{
    if (Length != 0 && Destination < Source + Length && Source < Destination + Length &&
        Destination != Source && vf_rule_enabled(call, RULE_memcpy_overlap)) {
        kd_raise(call, RULE_memcpy_overlap, Destination, Source, Length);
        return;
    }
    RtlCopyMemory(call, Destination, Source, Length);
}

/* Low resources simulation fails error log entries too (a NULL). */
static PVOID_VA vf_IoAllocateErrorLogEntry(ke_call *call, PVOID_VA IoObject, uint8_t EntrySize)
{
    if (vf_inject_fault(call, 0, 0, false, false))
        return 0;
    return IoAllocateErrorLogEntry(call, IoObject, EntrySize);
}

void vf_patch_imports_mm(ddi_imports *imports)
{
    imports->RtlCopyMemory = vf_RtlCopyMemory;
    imports->IoAllocateErrorLogEntry = vf_IoAllocateErrorLogEntry;
    imports->MmMapIoSpace = vf_MmMapIoSpace;
    imports->MmMapIoSpaceEx = vf_MmMapIoSpaceEx;
    imports->MmUnmapIoSpace = vf_MmUnmapIoSpace;
    imports->MmAllocateContiguousMemory = vf_MmAllocateContiguousMemory;
    imports->MmAllocateContiguousMemorySpecifyCache = vf_MmAllocateContiguousMemorySpecifyCache;
    imports->MmAllocatePagesForMdl = vf_MmAllocatePagesForMdl;
    imports->MmAllocatePagesForMdlEx = vf_MmAllocatePagesForMdlEx;
    imports->MmFreePagesFromMdl = vf_MmFreePagesFromMdl;
    imports->MmMapLockedPages = vf_MmMapLockedPages;
}

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

void vf_patch_imports_mm(ddi_imports *imports)
{
    (void)imports;
}

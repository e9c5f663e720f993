/*
 * pool_inline.c - the allocation routines wdm.h defines inline over the
 * exported ones, and ExInitializeDriverRuntime.
 *
 * ExAllocatePoolZero and its family (WDK for Windows 10, version 2004) are
 * __forceinline wrappers compiled into the driver: "identical to
 * ExAllocatePoolWithTag except it zero initializes the allocated memory".
 * The call a kernel (and Driver Verifier's thunks) sees is the exported
 * routine the wrapper calls, with POOL_ZERO_ALLOCATION added to the pool
 * type for the *Zero forms; so here each calls through the calling image's
 * own import table, and a verified driver's allocation is checked, tracked,
 * special-pooled and failed by low resources simulation exactly as the
 * exported routine's.
 *
 * ExInitializeDriverRuntime(DrvRtPoolNxOptIn) is the run-time half of
 * POOL_NX_OPTIN: a driver built with it names NonPagedPool through the
 * variable ExDefaultNonPagedPoolType, which this call sets to
 * NonPagedPoolNx. drvsim keeps the setting per image (io_driver's
 * pool_nx_optin); the binding reads NonPagedPool in that image's code as
 * NonPagedPoolNx from then on, as the compiled driver would.
 */
#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"

/* The calling image's imports: a driver's (the verifier's thunks when it is
 * verified), the kernel's own for harness code. */
static const ddi_imports *imports_of(const ke_call *call)
{
    return call->driver != NULL ? &call->driver->imports : &ddi_kernel_exports;
}

PVOID_VA ExAllocatePoolZero(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    return imports_of(call)->ExAllocatePoolWithTag(call, PoolType | POOL_ZERO_ALLOCATION,
                                                   NumberOfBytes, Tag);
}

PVOID_VA ExAllocatePoolUninitialized(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                     ULONG Tag)
{
    return imports_of(call)->ExAllocatePoolWithTag(call, PoolType, NumberOfBytes, Tag);
}

PVOID_VA ExAllocatePoolQuotaZero(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes, ULONG Tag)
{
    return imports_of(call)->ExAllocatePoolWithQuotaTag(call, PoolType | POOL_ZERO_ALLOCATION,
                                                        NumberOfBytes, Tag);
}

PVOID_VA ExAllocatePoolQuotaUninitialized(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                          ULONG Tag)
{
    return imports_of(call)->ExAllocatePoolWithQuotaTag(call, PoolType, NumberOfBytes, Tag);
}

PVOID_VA ExAllocatePoolPriorityZero(ke_call *call, ULONG PoolType, uint64_t NumberOfBytes,
                                    ULONG Tag, ULONG Priority)
{
    return imports_of(call)->ExAllocatePoolWithTagPriority(call, PoolType | POOL_ZERO_ALLOCATION,
                                                           NumberOfBytes, Tag, Priority);
}

PVOID_VA ExAllocatePoolPriorityUninitialized(ke_call *call, ULONG PoolType,
                                             uint64_t NumberOfBytes, ULONG Tag, ULONG Priority)
{
    return imports_of(call)->ExAllocatePoolWithTagPriority(call, PoolType, NumberOfBytes, Tag,
                                                           Priority);
}

/* DrvRtPoolNxOptIn, the one flag defined (wdm.h). */
#define DRVRT_POOL_NX_OPT_IN 0x00000001u

void ExInitializeDriverRuntime(ke_call *call, ULONG RuntimeFlags)
{
    /* Harness code has no image to opt in; other bits are ignored, as the
     * routine ignores flags it does not know. */
    if (call->driver != NULL && (RuntimeFlags & DRVRT_POOL_NX_OPT_IN))
        call->driver->pool_nx_optin = true;
}

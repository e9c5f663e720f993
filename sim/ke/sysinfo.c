/*
 * sysinfo.c - what a driver asks of the system it runs on, beyond the
 * version (rtl/version.c) and the processors (ke/processor.c):
 * PsGetVersion, KeGetCurrentNodeNumber, KeGetRecommendedSharedDataAlignment,
 * MmQuerySystemSize, IoIsSystemThread, IoThreadToProcess, and the Rtl
 * arithmetic and string sizes drivers compute with (RtlExtendedMagicDivide,
 * RtlAnsiStringToUnicodeSize) and MmGetMdlPfnArray.
 *
 * drvsim's machine is Windows 11 23H2 (10.0.22631, rtl/version.c), one NUMA
 * node, 64-byte cache lines, and as much memory as a large system has.
 */
#include <string.h>

#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "ps/ps.h"

#define DRVSIM_WINDOWS_MAJOR 10u
#define DRVSIM_WINDOWS_MINOR 0u
#define DRVSIM_WINDOWS_BUILD 22631u
#define CACHE_LINE_BYTES     64u
#define MM_LARGE_SYSTEM      2u /* MM_SYSTEMSIZE's MmLargeSystem */

/* The OS version, the optional parts written when asked; TRUE on a
 * checked build (scenario{ build = "checked" }). CSDVersion is the empty
 * string: no service pack. */
bool PsGetVersion(ke_call *call, PVOID_VA MajorVersion, PVOID_VA MinorVersion,
                  PVOID_VA BuildNumber, PVOID_VA CSDVersion)
{
    uint32_t v[3] = {DRVSIM_WINDOWS_MAJOR, DRVSIM_WINDOWS_MINOR, DRVSIM_WINDOWS_BUILD};
    const PVOID_VA at[3] = {MajorVersion, MinorVersion, BuildNumber};
    for (int i = 0; i < 3; i++) {
        if (at[i] != 0 && !mm_access(call, at[i], &v[i], 4, true))
            return false;
    }
    if (CSDVersion != 0)
        ke_field_set(call, CSDVersion, KE_FIELD(UNICODE_STRING, Length), 0);
    return call->m->config.build == KE_BUILD_CHECKED;
}

ULONG KeGetCurrentNodeNumber(ke_call *call)
{
    (void)call;
    return 0; /* one NUMA node */
}

ULONG KeGetRecommendedSharedDataAlignment(ke_call *call)
{
    (void)call;
    return CACHE_LINE_BYTES; /* the largest cache line */
}

/* Windows answers MmLargeSystem on any machine with more than a few tens
 * of megabytes of memory, which every drvsim machine has. */
ULONG MmQuerySystemSize(ke_call *call)
{
    (void)call;
    return MM_LARGE_SYSTEM;
}

/* The thread object at va, or NULL. */
static ke_thread *thread_at(ke_call *call, PVOID_VA Thread)
{
    ke_object *o = ke_object_at(call->m, Thread);
    return o != NULL && o->type == KE_OBJECT_THREAD ? o->thread : NULL;
}

bool IoIsSystemThread(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_at(call, Thread);
    return t != NULL && t->process == call->m->system_process;
}

PVOID_VA IoThreadToProcess(ke_call *call, PVOID_VA Thread)
{
    ke_thread *t = thread_at(call, Thread);
    return t != NULL ? t->process->eprocess : 0;
}

/* wdm.h's macro: the PFN array follows the MDL's header. */
PVOID_VA MmGetMdlPfnArray(ke_call *call, PVOID_VA Mdl)
{
    return Mdl + (call->m->config.arch == KE_ARCH_X86 ? 0x1Cu : 0x30u);
}

/* wdm.h's macro for a single-byte code page: the characters and a NUL. */
ULONG RtlAnsiStringToUnicodeSize(ke_call *call, PVOID_VA AnsiString)
{
    uint64_t length = 0;
    ke_field_get(call, AnsiString, KE_FIELD(ANSI_STRING, Length), &length);
    return (ULONG)((length + 1) * 2);
}

/* The high 64 bits of a 64 x 64-bit product. */
static uint64_t mul_high(uint64_t a, uint64_t b)
{
    uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    uint64_t lo = a_lo * b_lo, mid1 = a_hi * b_lo, mid2 = a_lo * b_hi, hi = a_hi * b_hi;
    uint64_t carry = ((lo >> 32) + (mid1 & 0xFFFFFFFFu) + (mid2 & 0xFFFFFFFFu)) >> 32;
    return hi + (mid1 >> 32) + (mid2 >> 32) + carry;
}

/* Dividend / divisor by multiplication with the divisor's magic reciprocal
 * (as the Windows Research Kernel computes it): the high half of the
 * product of the dividend's magnitude and MagicDivisor, shifted right by
 * ShiftCount, with the dividend's sign. */
int64_t RtlExtendedMagicDivide(ke_call *call, int64_t Dividend, int64_t MagicDivisor,
                               uint8_t ShiftCount)
{
    (void)call;
    bool negative = Dividend < 0;
    uint64_t magnitude = negative ? 0 - (uint64_t)Dividend : (uint64_t)Dividend;
    uint64_t q = mul_high(magnitude, (uint64_t)MagicDivisor);
    q = ShiftCount < 64 ? q >> ShiftCount : 0;
    return negative ? -(int64_t)q : (int64_t)q;
}

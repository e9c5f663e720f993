/*
 * mem.c - the Rtl memory routines: RtlCopyMemory, RtlMoveMemory,
 * RtlZeroMemory, RtlFillMemory, RtlCompareMemory, RtlEqualMemory.
 *
 * They touch simulated memory the way the driver's own loads and stores do
 * (mm_access, with the caller's IRQL and identity), so a bad pointer faults
 * as it would in the driver. They work in page-sized chunks: a large length
 * costs no more host memory than a page, and the first byte that faults is
 * the one reported.
 *
 * They are the driver's accesses for the race detector too (MEMORY_ACCESS,
 * ke/hooks.h): a chunk's read of the source, then its write of the
 * destination; a fill as one write.
 */
#include <string.h>

#include "ddi_table.h"
#include "ke/hooks.h"
#include "mm/mm.h"

#define RTL_CHUNK PAGE_SIZE

static size_t chunk_of(uint64_t left)
{
    return left < RTL_CHUNK ? (size_t)left : RTL_CHUNK;
}

/* Copies as memmove does: overlapping ranges keep the source's bytes. */
static void copy(ke_call *call, PVOID_VA dst, PVOID_VA src, uint64_t len)
{
    uint8_t buf[RTL_CHUNK];
    bool backwards = dst > src && dst < src + len;
    for (uint64_t done = 0; done < len;) {
        size_t n = chunk_of(len - done);
        uint64_t at = backwards ? len - done - n : done;
        if (!mm_access(call, src + at, buf, n, false))
            return; /* the fault stopped the machine */
        ke_hook_access(call, src + at, n, false);
        if (ke_stopped(call->m) || !mm_access(call, dst + at, buf, n, true))
            return;
        ke_hook_access(call, dst + at, n, true);
        if (ke_stopped(call->m))
            return;
        done += n;
    }
}

void RtlCopyMemory(ke_call *call, PVOID_VA Destination, PVOID_VA Source, uint64_t Length)
{
    copy(call, Destination, Source, Length);
}

void RtlMoveMemory(ke_call *call, PVOID_VA Destination, PVOID_VA Source, uint64_t Length)
{
    copy(call, Destination, Source, Length);
}

void RtlFillMemory(ke_call *call, PVOID_VA Destination, uint64_t Length, uint8_t Fill)
{
    if (mm_access_fill(call, Destination, Length, Fill))
        ke_hook_access(call, Destination, Length, true);
}

void RtlZeroMemory(ke_call *call, PVOID_VA Destination, uint64_t Length)
{
    RtlFillMemory(call, Destination, Length, 0);
}

uint64_t RtlCompareMemory(ke_call *call, PVOID_VA Source1, PVOID_VA Source2, uint64_t Length)
{
    uint8_t a[RTL_CHUNK], b[RTL_CHUNK];
    for (uint64_t done = 0; done < Length;) {
        size_t n = chunk_of(Length - done);
        if (!mm_access(call, Source1 + done, a, n, false) ||
            !mm_access(call, Source2 + done, b, n, false))
            return done;
        for (size_t i = 0; i < n; i++) {
            if (a[i] != b[i])
                return done + i; /* the number of bytes that match */
        }
        done += n;
    }
    return Length;
}

bool RtlEqualMemory(ke_call *call, PVOID_VA Source1, PVOID_VA Source2, uint64_t Length)
{
    return RtlCompareMemory(call, Source1, Source2, Length) == Length;
}

void ExRaiseStatus(ke_call *call, NTSTATUS Status)
{
    /* The exception unwinds to the nearest __try in the driver, or crashes
     * it (0x7E) when there is none; the binding does the unwinding. */
    call->raised = Status;
}

/*
 * nofence.c - wdm.h's accessors of intentionally shared variables:
 * ReadNoFence / WriteNoFence (8, 16, 32, 64 bits and pointers), their
 * unsigned and BOOLEAN forms (ReadULongNoFence, WriteUCharNoFence, ...),
 * and the Acquire / Release forms (ReadAcquire, WriteRelease,
 * ReadPointerAcquire, WriteULongRelease, ...).
 *
 * In the WDK they are FORCEINLINE functions over a volatile access: one
 * load or one store, which the compiler may not tear, fuse or elide. The
 * NoFence forms order nothing; the Acquire forms keep later accesses after
 * the load, the Release forms earlier ones before the store (on x64 a
 * compiler barrier, on ARM64 ldar / stlr). A driver writes them where a
 * variable is shared without a lock on purpose: a statistics counter, a
 * "stop" flag polled by a DPC. So the race detector (vf/race.c) does not
 * report them: they are the caller's accesses through the page tables
 * (mm_access, with this DDI's id), a bad pointer faults as the inline code
 * would, and they are no MEMORY_ACCESS event. The Acquire and Release
 * forms are also its synchronisation on the variable (SYNC_ACQUIRE after
 * the load, SYNC_RELEASE before the store), as C11 acquire and release
 * atomics: a reader that sees the flag sees what the writer did before.
 *
 * The simulated machine is sequentially consistent (interlocked.c), so the
 * fences themselves change nothing here.
 */
#include "ddi_table.h"
#include "ke/hooks.h"
#include "mm/mm.h"

static bool x86(const ke_call *call)
{
    return call->m->config.arch == KE_ARCH_X86;
}

/* One load of n bytes (1, 2, 4 or 8); 0 when it faulted (the machine has
 * stopped and nobody sees the value). */
static uint64_t load(ke_call *call, PVOID_VA va, size_t n)
{
    uint64_t v = 0;
    if (!mm_access(call, va, &v, n, false))
        return 0;
    return v;
}

static void store(ke_call *call, PVOID_VA va, size_t n, uint64_t v)
{
    mm_access(call, va, &v, n, true);
}

static size_t ptr_bytes(const ke_call *call)
{
    return x86(call) ? 4 : 8;
}

/* ------------------------------------------------------------------------ */
/* NoFence: no ordering                                                     */
/* ------------------------------------------------------------------------ */

int32_t ReadNoFence8(ke_call *call, PVOID_VA Source)
{
    return (int8_t)load(call, Source, 1); /* CHAR, sign-extended */
}

int32_t ReadNoFence16(ke_call *call, PVOID_VA Source)
{
    return (int16_t)load(call, Source, 2); /* SHORT */
}

int32_t ReadNoFence(ke_call *call, PVOID_VA Source)
{
    return (int32_t)load(call, Source, 4);
}

int64_t ReadNoFence64(ke_call *call, PVOID_VA Source)
{
    return (int64_t)load(call, Source, 8);
}

PVOID_VA ReadPointerNoFence(ke_call *call, PVOID_VA Source)
{
    return load(call, Source, ptr_bytes(call));
}

void WriteNoFence8(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    store(call, Destination, 1, (uint8_t)Value);
}

void WriteNoFence16(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    store(call, Destination, 2, (uint16_t)Value);
}

void WriteNoFence(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    store(call, Destination, 4, (uint32_t)Value);
}

void WriteNoFence64(ke_call *call, PVOID_VA Destination, int64_t Value)
{
    store(call, Destination, 8, (uint64_t)Value);
}

void WritePointerNoFence(ke_call *call, PVOID_VA Destination, PVOID_VA Value)
{
    store(call, Destination, ptr_bytes(call), Value);
}

uint8_t ReadUCharNoFence(ke_call *call, PVOID_VA Source)
{
    return (uint8_t)load(call, Source, 1);
}

ULONG ReadUShortNoFence(ke_call *call, PVOID_VA Source)
{
    return (uint16_t)load(call, Source, 2); /* USHORT */
}

ULONG ReadULongNoFence(ke_call *call, PVOID_VA Source)
{
    return (ULONG)load(call, Source, 4);
}

uint64_t ReadULong64NoFence(ke_call *call, PVOID_VA Source)
{
    return load(call, Source, 8);
}

bool ReadBooleanNoFence(ke_call *call, PVOID_VA Source)
{
    return load(call, Source, 1) != 0;
}

void WriteUCharNoFence(ke_call *call, PVOID_VA Destination, uint8_t Value)
{
    store(call, Destination, 1, Value);
}

void WriteUShortNoFence(ke_call *call, PVOID_VA Destination, ULONG Value)
{
    store(call, Destination, 2, (uint16_t)Value);
}

void WriteULongNoFence(ke_call *call, PVOID_VA Destination, ULONG Value)
{
    store(call, Destination, 4, Value);
}

void WriteULong64NoFence(ke_call *call, PVOID_VA Destination, uint64_t Value)
{
    store(call, Destination, 8, Value);
}

void WriteBooleanNoFence(ke_call *call, PVOID_VA Destination, bool Value)
{
    store(call, Destination, 1, Value ? 1 : 0);
}

/* ------------------------------------------------------------------------ */
/* Acquire and Release                                                      */
/* ------------------------------------------------------------------------ */

/* The load, then the acquire: what the last release of the variable
 * published is seen from here on. */
static uint64_t load_acquire(ke_call *call, PVOID_VA va, size_t n)
{
    uint64_t v = 0;
    if (!mm_access(call, va, &v, n, false))
        return 0;
    ke_hook_sync(call, KE_EVENT_SYNC_ACQUIRE, va);
    return v;
}

/* The release, then the store. */
static void store_release(ke_call *call, PVOID_VA va, size_t n, uint64_t v)
{
    ke_hook_sync(call, KE_EVENT_SYNC_RELEASE, va);
    mm_access(call, va, &v, n, true);
}

int32_t ReadAcquire(ke_call *call, PVOID_VA Source)
{
    return (int32_t)load_acquire(call, Source, 4);
}

int64_t ReadAcquire64(ke_call *call, PVOID_VA Source)
{
    return (int64_t)load_acquire(call, Source, 8);
}

PVOID_VA ReadPointerAcquire(ke_call *call, PVOID_VA Source)
{
    return load_acquire(call, Source, ptr_bytes(call));
}

ULONG ReadULongAcquire(ke_call *call, PVOID_VA Source)
{
    return (ULONG)load_acquire(call, Source, 4);
}

void WriteRelease(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    store_release(call, Destination, 4, (uint32_t)Value);
}

void WriteRelease64(ke_call *call, PVOID_VA Destination, int64_t Value)
{
    store_release(call, Destination, 8, (uint64_t)Value);
}

void WritePointerRelease(ke_call *call, PVOID_VA Destination, PVOID_VA Value)
{
    store_release(call, Destination, ptr_bytes(call), Value);
}

void WriteULongRelease(ke_call *call, PVOID_VA Destination, ULONG Value)
{
    store_release(call, Destination, 4, Value);
}

/*
 * interlocked.c - atomic operations on simulated memory: the Interlocked
 * family of wdm.h (Increment, Decrement, Exchange, CompareExchange,
 * ExchangeAdd, Add, And, Or, Xor, their 64-bit and pointer forms,
 * BitTestAndSet/Reset), KeMemoryBarrier, ExInterlockedAddUlong and
 * ExInterlockedAddLargeInteger, and the sequenced singly linked lists
 * (SLIST_HEADER): InitializeSListHead, InterlockedPushEntrySList,
 * InterlockedPopEntrySList, InterlockedFlushSList, ExQueryDepthSList and
 * the ExInterlocked...EntrySList forms.
 *
 * In the WDK the Interlocked routines are compiler intrinsics: one locked
 * instruction. Here each is one DDI call: its access is the caller's
 * own, through the page tables (mm_access), so a freed, guard or unmapped
 * page faults as the locked instruction would (as a write: rmw_load), and
 * nothing runs between its load and its store; the call's end is a preemption point, as every DDI's is,
 * where another processor may run before the caller goes on. That is the
 * difference from the inline list routines (sim/rtl/list.c), which yield
 * between their loads and their stores.
 *
 * The simulated machine is sequentially consistent: every access is seen by
 * every processor at once, in one order. KeMemoryBarrier (a fence, or a
 * locked instruction on x86) orders nothing that is not ordered already, so
 * it is a call that does nothing but pass its preemption point.
 *
 * For the race detector (ke/hooks.h) each locked operation is an ATOMIC
 * event on its target, an acquire and a release of that location (the
 * Interlocked routines are full barriers on Windows), and not an access
 * of the driver's: atomics do not race with each other. KeMemoryBarrier
 * is an ATOMIC of address 0, a full fence.
 *
 * SLIST_HEADER keeps the layout of wdm.h. On x64 (16 bytes, 16-byte
 * aligned) the first quadword holds Depth (bits 0-15) and Sequence (bits
 * 16-63), the second NextEntry in its bits 4-63: the first entry's address,
 * whose low four bits the header has no room for (entries are 16-byte
 * aligned, MEMORY_ALLOCATION_ALIGNMENT; a misaligned one comes back rounded
 * down, as on Windows). On x86 (8 bytes) Next is at 0, Depth at 4 and
 * Sequence at 6. Each push and pop increments Sequence, as Windows does
 * against the ABA problem. An SLIST_ENTRY's Next is at offset 0.
 */
#include "ddi_table.h"
#include "ke/hooks.h"
#include "mm/mm.h"

static bool x86(const ke_call *call)
{
    return call->m->config.arch == KE_ARCH_X86;
}

static size_t ptr_bytes(const ke_call *call)
{
    return x86(call) ? 4 : 8;
}

/* The caller's own load and store of n bytes (4 or 8). False when it
 * faulted and the machine stopped. */
static bool load(ke_call *call, PVOID_VA va, size_t n, uint64_t *v)
{
    *v = 0;
    return mm_access(call, va, v, n, false);
}

static bool store(ke_call *call, PVOID_VA va, size_t n, uint64_t v)
{
    return mm_access(call, va, &v, n, true);
}

/* The load of a locked read-modify-write instruction. Its one access is a
 * write (x86 reports a fault in a locked RMW with the write bit), so the
 * value is read without checks and the store that follows is the checked
 * access: a freed, guard or unmapped page faults there, as a write, and
 * nothing is stored. False when it faulted. */
static bool rmw_load(ke_call *call, PVOID_VA va, size_t n, uint64_t *v)
{
    *v = 0;
    if (mm_peek(call->m->mm, va, v, n)) {
        ke_hook_sync(call, KE_EVENT_ATOMIC, va);
        return true;
    }
    uint64_t unused = 0;
    mm_access(call, va, &unused, n, true); /* unmapped: faults */
    return false;
}

/* ------------------------------------------------------------------------ */
/* 32-bit operations (LONG)                                                 */
/* ------------------------------------------------------------------------ */

typedef enum rmw_op { RMW_ADD, RMW_AND, RMW_OR, RMW_XOR, RMW_EXCHANGE } rmw_op;

/* An atomic read-modify-write of a LONG: returns the value it found (0 when
 * the access faulted: the machine has stopped, nobody sees it). */
static int32_t rmw32(ke_call *call, PVOID_VA target, rmw_op op, int32_t operand)
{
    uint64_t raw;
    if (!rmw_load(call, target, 4, &raw))
        return 0;
    uint32_t old = (uint32_t)raw, v = (uint32_t)operand, next = old;
    switch (op) {
    case RMW_ADD:
        next = old + v; /* wraps, as the instruction does */
        break;
    case RMW_AND:
        next = old & v;
        break;
    case RMW_OR:
        next = old | v;
        break;
    case RMW_XOR:
        next = old ^ v;
        break;
    case RMW_EXCHANGE:
        next = v;
        break;
    }
    store(call, target, 4, next);
    return (int32_t)old;
}

int32_t InterlockedIncrement(ke_call *call, PVOID_VA Addend)
{
    return (int32_t)((uint32_t)rmw32(call, Addend, RMW_ADD, 1) + 1u);
}

int32_t InterlockedDecrement(ke_call *call, PVOID_VA Addend)
{
    return (int32_t)((uint32_t)rmw32(call, Addend, RMW_ADD, -1) - 1u);
}

int32_t InterlockedExchange(ke_call *call, PVOID_VA Target, int32_t Value)
{
    return rmw32(call, Target, RMW_EXCHANGE, Value);
}

int32_t InterlockedExchangeAdd(ke_call *call, PVOID_VA Addend, int32_t Value)
{
    return rmw32(call, Addend, RMW_ADD, Value);
}

int32_t InterlockedAdd(ke_call *call, PVOID_VA Addend, int32_t Value)
{
    return (int32_t)((uint32_t)rmw32(call, Addend, RMW_ADD, Value) + (uint32_t)Value);
}

int32_t InterlockedAnd(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    return rmw32(call, Destination, RMW_AND, Value);
}

int32_t InterlockedOr(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    return rmw32(call, Destination, RMW_OR, Value);
}

int32_t InterlockedXor(ke_call *call, PVOID_VA Destination, int32_t Value)
{
    return rmw32(call, Destination, RMW_XOR, Value);
}

/* lock cmpxchg: the store happens only on a match, but the access is a
 * write either way (a read-only page faults even on a mismatch). */
int32_t InterlockedCompareExchange(ke_call *call, PVOID_VA Destination, int32_t ExChange,
                                   int32_t Comperand)
{
    uint64_t raw;
    if (!rmw_load(call, Destination, 4, &raw))
        return 0;
    uint32_t old = (uint32_t)raw;
    store(call, Destination, 4, old == (uint32_t)Comperand ? (uint32_t)ExChange : old);
    return (int32_t)old;
}

/* lock bts / btr: the bit string starts at Base; Offset may pass its first
 * LONG (or precede it, negative), as the instruction's register form
 * allows. Returns the bit's previous value. */
static bool bit_test_and(ke_call *call, PVOID_VA base, int32_t offset, bool set)
{
    PVOID_VA word = base + (uint64_t)(int64_t)((offset >> 5) * 4);
    uint32_t mask = 1u << (offset & 31);
    uint64_t raw;
    if (!rmw_load(call, word, 4, &raw))
        return false;
    uint32_t old = (uint32_t)raw;
    store(call, word, 4, set ? old | mask : old & ~mask);
    return (old & mask) != 0;
}

bool InterlockedBitTestAndSet(ke_call *call, PVOID_VA Base, int32_t Offset)
{
    return bit_test_and(call, Base, Offset, true);
}

bool InterlockedBitTestAndReset(ke_call *call, PVOID_VA Base, int32_t Offset)
{
    return bit_test_and(call, Base, Offset, false);
}

/* ------------------------------------------------------------------------ */
/* 64-bit operations (LONG64)                                               */
/* ------------------------------------------------------------------------ */

static int64_t rmw64(ke_call *call, PVOID_VA target, rmw_op op, int64_t operand)
{
    uint64_t old;
    if (!rmw_load(call, target, 8, &old))
        return 0;
    uint64_t v = (uint64_t)operand, next = old;
    switch (op) {
    case RMW_ADD:
        next = old + v;
        break;
    case RMW_AND:
        next = old & v;
        break;
    case RMW_OR:
        next = old | v;
        break;
    case RMW_XOR:
        next = old ^ v;
        break;
    case RMW_EXCHANGE:
        next = v;
        break;
    }
    store(call, target, 8, next);
    return (int64_t)old;
}

int64_t InterlockedIncrement64(ke_call *call, PVOID_VA Addend)
{
    return (int64_t)((uint64_t)rmw64(call, Addend, RMW_ADD, 1) + 1u);
}

int64_t InterlockedDecrement64(ke_call *call, PVOID_VA Addend)
{
    return (int64_t)((uint64_t)rmw64(call, Addend, RMW_ADD, -1) - 1u);
}

int64_t InterlockedExchange64(ke_call *call, PVOID_VA Target, int64_t Value)
{
    return rmw64(call, Target, RMW_EXCHANGE, Value);
}

int64_t InterlockedExchangeAdd64(ke_call *call, PVOID_VA Addend, int64_t Value)
{
    return rmw64(call, Addend, RMW_ADD, Value);
}

int64_t InterlockedAdd64(ke_call *call, PVOID_VA Addend, int64_t Value)
{
    return (int64_t)((uint64_t)rmw64(call, Addend, RMW_ADD, Value) + (uint64_t)Value);
}

int64_t InterlockedAnd64(ke_call *call, PVOID_VA Destination, int64_t Value)
{
    return rmw64(call, Destination, RMW_AND, Value);
}

int64_t InterlockedOr64(ke_call *call, PVOID_VA Destination, int64_t Value)
{
    return rmw64(call, Destination, RMW_OR, Value);
}

int64_t InterlockedXor64(ke_call *call, PVOID_VA Destination, int64_t Value)
{
    return rmw64(call, Destination, RMW_XOR, Value);
}

int64_t InterlockedCompareExchange64(ke_call *call, PVOID_VA Destination, int64_t ExChange,
                                     int64_t Comperand)
{
    uint64_t old;
    if (!rmw_load(call, Destination, 8, &old))
        return 0;
    store(call, Destination, 8, old == (uint64_t)Comperand ? (uint64_t)ExChange : old);
    return (int64_t)old;
}

/* ------------------------------------------------------------------------ */
/* Pointers (PVOID: 4 bytes on x86, 8 on x64)                               */
/* ------------------------------------------------------------------------ */

PVOID_VA InterlockedExchangePointer(ke_call *call, PVOID_VA Target, PVOID_VA Value)
{
    uint64_t old;
    if (!rmw_load(call, Target, ptr_bytes(call), &old))
        return 0;
    store(call, Target, ptr_bytes(call), Value);
    return old;
}

PVOID_VA InterlockedCompareExchangePointer(ke_call *call, PVOID_VA Destination,
                                           PVOID_VA ExChange, PVOID_VA Comperand)
{
    uint64_t old;
    if (!rmw_load(call, Destination, ptr_bytes(call), &old))
        return 0;
    store(call, Destination, ptr_bytes(call), old == Comperand ? ExChange : old);
    return old;
}

void KeMemoryBarrier(ke_call *call)
{
    /* Sequential consistency (see the comment at the top): nothing to do
     * but tell the race detector, for which it is a full fence. */
    ke_hook_sync(call, KE_EVENT_ATOMIC, 0);
}

/* ------------------------------------------------------------------------ */
/* ExInterlockedAdd...: the addition under a spin lock                      */
/* ------------------------------------------------------------------------ */

ULONG ExInterlockedAddUlong(ke_call *call, PVOID_VA Addend, ULONG Increment, PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0; /* spinning: the call is made again */
    uint64_t old = 0;
    if (load(call, Addend, 4, &old))
        store(call, Addend, 4, (uint32_t)(old + Increment));
    ke_spinlock_give(call, Lock);
    return (ULONG)old;
}

int64_t ExInterlockedAddLargeInteger(ke_call *call, PVOID_VA Addend, int64_t Increment,
                                     PVOID_VA Lock)
{
    if (!ke_spinlock_take(call, Lock))
        return 0;
    uint64_t old = 0;
    if (load(call, Addend, 8, &old))
        store(call, Addend, 8, old + (uint64_t)Increment);
    ke_spinlock_give(call, Lock);
    return (int64_t)old;
}

/* ------------------------------------------------------------------------ */
/* Sequenced singly linked lists                                            */
/* ------------------------------------------------------------------------ */

/* An SLIST_HEADER's three parts, whatever the architecture. */
typedef struct slist_state {
    PVOID_VA first;
    uint16_t depth;
    uint64_t sequence; /* 48 bits on x64, 16 on x86 */
} slist_state;

static bool slist_get(ke_call *call, PVOID_VA head, slist_state *s)
{
    uint64_t a, b;
    if (x86(call)) {
        if (!load(call, head, 4, &a) || !load(call, head + 4, 4, &b))
            return false;
        s->first = a;
        s->depth = (uint16_t)b;
        s->sequence = (b >> 16) & 0xFFFFu;
        return true;
    }
    if (!load(call, head, 8, &a) || !load(call, head + 8, 8, &b))
        return false;
    s->depth = (uint16_t)a;
    s->sequence = a >> 16;
    s->first = b & ~(uint64_t)0xF;
    return true;
}

static bool slist_set(ke_call *call, PVOID_VA head, const slist_state *s)
{
    if (x86(call))
        return store(call, head, 4, s->first) &&
               store(call, head + 4, 4, (uint32_t)s->depth | (uint32_t)(s->sequence & 0xFFFFu) << 16);
    return store(call, head, 8, (uint64_t)s->depth | (s->sequence & 0xFFFFFFFFFFFFull) << 16) &&
           store(call, head + 8, 8, s->first & ~(uint64_t)0xF);
}

void InitializeSListHead(ke_call *call, PVOID_VA SListHead)
{
    const slist_state empty = {0};
    slist_set(call, SListHead, &empty);
}

void ExInitializeSListHead(ke_call *call, PVOID_VA SListHead)
{
    InitializeSListHead(call, SListHead);
}

/* Returns the previous first entry (NULL for an empty list). */
PVOID_VA InterlockedPushEntrySList(ke_call *call, PVOID_VA ListHead, PVOID_VA ListEntry)
{
    slist_state s;
    ke_hook_sync(call, KE_EVENT_ATOMIC, ListHead);
    if (!slist_get(call, ListHead, &s) || !store(call, ListEntry, ptr_bytes(call), s.first))
        return 0;
    PVOID_VA previous = s.first;
    s.first = ListEntry;
    s.depth++;
    s.sequence++;
    slist_set(call, ListHead, &s);
    return previous;
}

/* Reads the first entry's Next: an entry freed while still on the list
 * faults here, in the caller. */
PVOID_VA InterlockedPopEntrySList(ke_call *call, PVOID_VA ListHead)
{
    slist_state s;
    ke_hook_sync(call, KE_EVENT_ATOMIC, ListHead);
    if (!slist_get(call, ListHead, &s) || s.first == 0)
        return 0;
    uint64_t next;
    if (!load(call, s.first, ptr_bytes(call), &next))
        return 0;
    PVOID_VA entry = s.first;
    s.first = next;
    s.depth--;
    s.sequence++;
    slist_set(call, ListHead, &s);
    return entry;
}

/* Takes the whole chain: the list is empty afterwards (Sequence kept). */
PVOID_VA InterlockedFlushSList(ke_call *call, PVOID_VA ListHead)
{
    slist_state s;
    ke_hook_sync(call, KE_EVENT_ATOMIC, ListHead);
    if (!slist_get(call, ListHead, &s) || s.first == 0)
        return 0;
    PVOID_VA chain = s.first;
    s.first = 0;
    s.depth = 0;
    slist_set(call, ListHead, &s);
    return chain;
}

ULONG ExQueryDepthSList(ke_call *call, PVOID_VA SListHead)
{
    slist_state s;
    return slist_get(call, SListHead, &s) ? s.depth : 0;
}

/* The ExInterlocked forms take a spin lock for compatibility and do not use
 * it (wdm.h maps them onto the Interlocked ones on x64; the x86 exports
 * ignore it too). */
PVOID_VA ExInterlockedPushEntrySList(ke_call *call, PVOID_VA ListHead, PVOID_VA ListEntry,
                                     PVOID_VA Lock)
{
    (void)Lock;
    return InterlockedPushEntrySList(call, ListHead, ListEntry);
}

PVOID_VA ExInterlockedPopEntrySList(ke_call *call, PVOID_VA ListHead, PVOID_VA Lock)
{
    (void)Lock;
    return InterlockedPopEntrySList(call, ListHead);
}

PVOID_VA ExInterlockedFlushSList(ke_call *call, PVOID_VA ListHead)
{
    return InterlockedFlushSList(call, ListHead);
}

/* The NoFence forms order nothing, as every access here is ordered. */
int64_t InterlockedExchangeNoFence64(ke_call *call, PVOID_VA Target, int64_t Value)
{
    return rmw64(call, Target, RMW_EXCHANGE, Value);
}

/* ntddk.h's flag macros: InterlockedOr / InterlockedAnd on a ULONG. */
void RtlInterlockedSetBits(ke_call *call, PVOID_VA Flags, ULONG Flag)
{
    rmw32(call, Flags, RMW_OR, (int32_t)Flag);
}

void RtlInterlockedClearBits(ke_call *call, PVOID_VA Flags, ULONG Flag)
{
    rmw32(call, Flags, RMW_AND, (int32_t)~Flag);
}

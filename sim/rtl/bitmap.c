/*
 * bitmap.c - the run-time library's bitmaps (RTL_BITMAP, wdm.h):
 * RtlInitializeBitMap, RtlClearBits, RtlSetBits, RtlClearAllBits,
 * RtlSetAllBits, RtlNumberOfClearBits, RtlNumberOfSetBits,
 * RtlFindClearBits, RtlFindSetBits, RtlFindClearBitsAndSet, RtlAreBitsClear,
 * RtlAreBitsSet, RtlCheckBit, and the bit scans RtlFindLeastSignificantBit,
 * RtlFindMostSignificantBit, RtlNumberOfSetBitsUlongPtr.
 *
 * The bits live in the caller's buffer (ULONGs, bit 0 the lowest of the
 * first): each routine reads and writes it as the driver's own code would
 * (a bad pointer faults, blamed on the caller). As on Windows nothing is
 * checked: a range past SizeOfBitMap reads and writes past the bitmap (a
 * checked build's ASSERT only), which special pool and pool tracking see.
 * The searches follow the Windows Research Kernel's: from HintIndex (0 when
 * it is past the end) to the end, then from the start; 0xFFFFFFFF when no
 * run is found.
 */
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"

#define NOT_FOUND 0xFFFFFFFFu

typedef struct bitmap {
    uint32_t size;   /* SizeOfBitMap, in bits */
    PVOID_VA buffer; /* PULONG */
} bitmap;

static bool header(ke_call *call, PVOID_VA h, bitmap *b)
{
    uint64_t size = 0, buffer = 0;
    if (!ke_field_get(call, h, KE_FIELD(RTL_BITMAP, SizeOfBitMap), &size) ||
        !ke_field_get(call, h, KE_FIELD(RTL_BITMAP, Buffer), &buffer))
        return false;
    b->size = (uint32_t)size;
    b->buffer = buffer;
    return true;
}

/* Bit i of the buffer (false with *ok false when the access faulted). */
static bool get_bit(ke_call *call, const bitmap *b, uint64_t i, bool *ok)
{
    uint8_t byte = 0;
    *ok = mm_access(call, b->buffer + i / 8, &byte, 1, false);
    return (byte >> (i % 8)) & 1u;
}

static bool put_bits(ke_call *call, const bitmap *b, uint64_t start, uint64_t count, bool value)
{
    for (uint64_t i = start; i < start + count; i++) {
        uint8_t byte = 0;
        if (!mm_access(call, b->buffer + i / 8, &byte, 1, false))
            return false;
        byte = value ? (uint8_t)(byte | (1u << (i % 8))) : (uint8_t)(byte & ~(1u << (i % 8)));
        if (!mm_access(call, b->buffer + i / 8, &byte, 1, true))
            return false;
    }
    return true;
}

void RtlInitializeBitMap(ke_call *call, PVOID_VA BitMapHeader, PVOID_VA BitMapBuffer,
                         ULONG SizeOfBitMap)
{
    if (ke_field_set(call, BitMapHeader, KE_FIELD(RTL_BITMAP, SizeOfBitMap), SizeOfBitMap))
        ke_field_set(call, BitMapHeader, KE_FIELD(RTL_BITMAP, Buffer), BitMapBuffer);
}

void RtlClearBits(ke_call *call, PVOID_VA BitMapHeader, ULONG StartingIndex, ULONG NumberToClear)
{
    bitmap b;
    if (header(call, BitMapHeader, &b))
        put_bits(call, &b, StartingIndex, NumberToClear, false);
}

void RtlSetBits(ke_call *call, PVOID_VA BitMapHeader, ULONG StartingIndex, ULONG NumberToSet)
{
    bitmap b;
    if (header(call, BitMapHeader, &b))
        put_bits(call, &b, StartingIndex, NumberToSet, true);
}

/* The whole ULONGs the bitmap spans, as Windows fills them. */
static void fill_all(ke_call *call, PVOID_VA BitMapHeader, uint8_t byte)
{
    bitmap b;
    if (header(call, BitMapHeader, &b))
        mm_access_fill(call, b.buffer, ((uint64_t)b.size + 31) / 32 * 4, byte);
}

void RtlClearAllBits(ke_call *call, PVOID_VA BitMapHeader)
{
    fill_all(call, BitMapHeader, 0);
}

void RtlSetAllBits(ke_call *call, PVOID_VA BitMapHeader)
{
    fill_all(call, BitMapHeader, 0xFF);
}

static ULONG count_bits(ke_call *call, PVOID_VA BitMapHeader, bool value)
{
    bitmap b;
    if (!header(call, BitMapHeader, &b))
        return 0;
    ULONG n = 0;
    for (uint64_t i = 0; i < b.size; i++) {
        bool ok = true;
        if (get_bit(call, &b, i, &ok) == value)
            n++;
        if (!ok)
            return 0;
    }
    return n;
}

ULONG RtlNumberOfClearBits(ke_call *call, PVOID_VA BitMapHeader)
{
    return count_bits(call, BitMapHeader, false);
}

ULONG RtlNumberOfSetBits(ke_call *call, PVOID_VA BitMapHeader)
{
    return count_bits(call, BitMapHeader, true);
}

/* Whether bits [start, start + length) all have the value. */
static bool all_are(ke_call *call, const bitmap *b, uint64_t start, uint64_t length, bool value)
{
    for (uint64_t i = start; i < start + length; i++) {
        bool ok = true;
        if (get_bit(call, b, i, &ok) != value || !ok)
            return false;
    }
    return true;
}

static ULONG find_bits(ke_call *call, PVOID_VA BitMapHeader, ULONG NumberToFind, ULONG HintIndex,
                       bool value)
{
    bitmap b;
    if (!header(call, BitMapHeader, &b))
        return NOT_FOUND;
    if (NumberToFind > b.size)
        return NOT_FOUND;
    if (HintIndex >= b.size)
        HintIndex = 0;
    if (NumberToFind == 0)
        return HintIndex & ~7u; /* the Windows Research Kernel's answer */
    /* From the hint to the end, then from the start. */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t from = pass == 0 ? HintIndex : 0;
        uint64_t to = pass == 0 ? b.size : (uint64_t)HintIndex + NumberToFind - 1;
        if (to > b.size)
            to = b.size;
        for (uint64_t i = from; i + NumberToFind <= to; i++) {
            if (all_are(call, &b, i, NumberToFind, value))
                return (ULONG)i;
            if (ke_stopped(call->m))
                return NOT_FOUND;
        }
    }
    return NOT_FOUND;
}

ULONG RtlFindClearBits(ke_call *call, PVOID_VA BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return find_bits(call, BitMapHeader, NumberToFind, HintIndex, false);
}

ULONG RtlFindSetBits(ke_call *call, PVOID_VA BitMapHeader, ULONG NumberToFind, ULONG HintIndex)
{
    return find_bits(call, BitMapHeader, NumberToFind, HintIndex, true);
}

ULONG RtlFindClearBitsAndSet(ke_call *call, PVOID_VA BitMapHeader, ULONG NumberToFind,
                             ULONG HintIndex)
{
    ULONG at = find_bits(call, BitMapHeader, NumberToFind, HintIndex, false);
    if (at != NOT_FOUND)
        RtlSetBits(call, BitMapHeader, at, NumberToFind);
    return at;
}

bool RtlAreBitsClear(ke_call *call, PVOID_VA BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    bitmap b;
    return header(call, BitMapHeader, &b) && all_are(call, &b, StartingIndex, Length, false);
}

bool RtlAreBitsSet(ke_call *call, PVOID_VA BitMapHeader, ULONG StartingIndex, ULONG Length)
{
    bitmap b;
    return header(call, BitMapHeader, &b) && all_are(call, &b, StartingIndex, Length, true);
}

bool RtlCheckBit(ke_call *call, PVOID_VA BitMapHeader, ULONG BitPosition)
{
    bitmap b;
    bool ok = true;
    return header(call, BitMapHeader, &b) && get_bit(call, &b, BitPosition, &ok) && ok;
}

/* CCHAR results: the bit's index, or -1 for an empty set. */
int32_t RtlFindLeastSignificantBit(ke_call *call, uint64_t Set)
{
    (void)call;
    return Set == 0 ? -1 : __builtin_ctzll(Set);
}

int32_t RtlFindMostSignificantBit(ke_call *call, uint64_t Set)
{
    (void)call;
    return Set == 0 ? -1 : 63 - __builtin_clzll(Set);
}

ULONG RtlNumberOfSetBitsUlongPtr(ke_call *call, uint64_t Target)
{
    if (call->m->config.arch == KE_ARCH_X86)
        Target &= 0xFFFFFFFFull; /* a ULONG_PTR is 32 bits there */
    return (ULONG)__builtin_popcountll(Target);
}

/*
 * string.c - the Rtl counted-string routines: RtlInitAnsiString,
 * RtlInitString, RtlInitUnicodeString, RtlAnsiStringToUnicodeString,
 * RtlUnicodeStringToAnsiString, RtlFreeUnicodeString, RtlFreeAnsiString,
 * RtlCopyUnicodeString, RtlEqualUnicodeString, RtlCompareUnicodeString,
 * RtlAppendUnicodeToString, RtlAppendUnicodeStringToString,
 * RtlUpcaseUnicodeString, RtlInitEmptyUnicodeString, RtlPrefixUnicodeString,
 * RtlStringFromGUID, RtlGUIDFromString; and the OEM ones (code page 437):
 * RtlOemToUnicodeN, RtlUnicodeToOemN, RtlOemStringToCountedUnicodeString,
 * RtlUnicodeStringToCountedOemString, RtlFreeOemString.
 *
 * UNICODE_STRING and ANSI_STRING live in simulated memory (ke/types.h) and
 * are read and written as the calling driver's own accesses, so a bad
 * pointer faults as it would. The ANSI code page is Windows-1252, as on an
 * English Windows; a character it cannot hold becomes '?'. The allocating
 * routines take paged pool under the caller's identity (pool tracking sees
 * the buffers) with the tags ReactOS documents: "RtlU" and "RtlA".
 */
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ke/types.h"
#include "mm/mm.h"

#define MAXUSHORT                  0xFFFFu
#define STATUS_BUFFER_OVERFLOW     ((NTSTATUS)0x80000005u)
#define STATUS_BUFFER_TOO_SMALL    ((NTSTATUS)0xC0000023u)
#define STATUS_INVALID_PARAMETER_2 ((NTSTATUS)0xC00000F0u)
#define STATUS_UNMAPPABLE_CHARACTER ((NTSTATUS)0xC0000162u)

/* Windows-1252's 0x80..0x9F, the range where it differs from Latin-1. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static uint16_t ansi_to_unicode(uint8_t c)
{
    return c >= 0x80 && c <= 0x9F ? cp1252_high[c - 0x80] : c;
}

static uint8_t unicode_to_ansi(uint16_t wc)
{
    if (wc < 0x80 || (wc >= 0xA0 && wc <= 0xFF))
        return (uint8_t)wc;
    for (int i = 0; i < 32; i++) {
        if (cp1252_high[i] == wc)
            return (uint8_t)(0x80 + i);
    }
    return '?'; /* the default character */
}

/* The upper case RtlUpcaseUnicodeChar gives, for the Latin-1 range. */
static uint16_t upcase(uint16_t wc)
{
    if ((wc >= 'a' && wc <= 'z') || (wc >= 0xE0 && wc <= 0xFE && wc != 0xF7))
        return (uint16_t)(wc - 0x20);
    return wc;
}

/* A counted string's fields, read through the driver's eyes. */
typedef struct counted {
    uint64_t length, maximum, buffer;
} counted;

static bool get_counted(ke_call *call, PVOID_VA s, ke_type_id type, counted *c)
{
    return ke_field_get(call, s, ke_type_field(type, "Length"), &c->length) &&
           ke_field_get(call, s, ke_type_field(type, "MaximumLength"), &c->maximum) &&
           ke_field_get(call, s, ke_type_field(type, "Buffer"), &c->buffer);
}

static bool set_counted(ke_call *call, PVOID_VA s, ke_type_id type, const counted *c)
{
    return ke_field_set(call, s, ke_type_field(type, "Length"), c->length) &&
           ke_field_set(call, s, ke_type_field(type, "MaximumLength"), c->maximum) &&
           ke_field_set(call, s, ke_type_field(type, "Buffer"), c->buffer);
}

/* The length of a NUL-terminated string of `unit`-byte characters, in
 * characters, at most `limit`; -1 when reading it faulted. */
static int64_t terminated_length(ke_call *call, PVOID_VA s, size_t unit, uint64_t limit)
{
    for (uint64_t n = 0; n < limit; n++) {
        uint16_t ch = 0;
        if (!mm_access(call, s + n * unit, &ch, unit, false))
            return -1;
        if (ch == 0)
            return (int64_t)n;
    }
    return (int64_t)limit;
}

static void init_counted(ke_call *call, PVOID_VA Destination, PVOID_VA Source, ke_type_id type,
                         size_t unit)
{
    counted c = {0, 0, Source};
    if (Source != 0) {
        /* Longer strings are cut to what a USHORT length can hold. */
        uint64_t limit = (MAXUSHORT - unit) / unit;
        int64_t n = terminated_length(call, Source, unit, limit);
        if (n < 0)
            return;
        c.length = (uint64_t)n * unit;
        c.maximum = c.length + unit;
    }
    set_counted(call, Destination, type, &c);
}

void RtlInitAnsiString(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    init_counted(call, DestinationString, SourceString, KE_TYPE_ANSI_STRING, 1);
}

void RtlInitString(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    init_counted(call, DestinationString, SourceString, KE_TYPE_ANSI_STRING, 1);
}

void RtlInitUnicodeString(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    init_counted(call, DestinationString, SourceString, KE_TYPE_UNICODE_STRING, 2);
}

/* Gives dst room for `bytes` (+ a terminator when allocating), or checks
 * that it has it. */
static NTSTATUS prepare(ke_call *call, counted *dst, uint64_t bytes, size_t unit, bool allocate,
                        ULONG tag)
{
    if (allocate) {
        dst->maximum = bytes + unit;
        dst->buffer = ExAllocatePoolWithTag(call, PagedPool, dst->maximum, tag);
        return dst->buffer != 0 ? STATUS_SUCCESS : STATUS_NO_MEMORY;
    }
    return bytes > dst->maximum ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS RtlAnsiStringToUnicodeString(ke_call *call, PVOID_VA DestinationString,
                                      PVOID_VA SourceString, bool AllocateDestinationString)
{
    counted src, dst;
    if (!get_counted(call, SourceString, KE_TYPE_ANSI_STRING, &src) ||
        !get_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst))
        return STATUS_ACCESS_VIOLATION; /* the machine stopped: the value is not seen */
    uint64_t bytes = src.length * 2;
    if (bytes > MAXUSHORT - 1)
        return STATUS_INVALID_PARAMETER_2;
    NTSTATUS status =
        prepare(call, &dst, bytes, 2, AllocateDestinationString, RTL_STRING_POOL_TAG_UNICODE);
    if (!NT_SUCCESS(status) || ke_stopped(call->m))
        return status;
    for (uint64_t i = 0; i < src.length; i++) {
        uint8_t c;
        if (!mm_access(call, src.buffer + i, &c, 1, false))
            return STATUS_ACCESS_VIOLATION;
        uint16_t wc = ansi_to_unicode(c);
        if (!mm_access(call, dst.buffer + 2 * i, &wc, 2, true))
            return STATUS_ACCESS_VIOLATION;
    }
    dst.length = bytes;
    if (dst.length < dst.maximum) {
        uint16_t nul = 0;
        mm_access(call, dst.buffer + dst.length, &nul, 2, true);
    }
    set_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringToAnsiString(ke_call *call, PVOID_VA DestinationString,
                                      PVOID_VA SourceString, bool AllocateDestinationString)
{
    counted src, dst;
    if (!get_counted(call, SourceString, KE_TYPE_UNICODE_STRING, &src) ||
        !get_counted(call, DestinationString, KE_TYPE_ANSI_STRING, &dst))
        return STATUS_ACCESS_VIOLATION;
    uint64_t chars = src.length / 2;
    NTSTATUS status =
        prepare(call, &dst, chars, 1, AllocateDestinationString, RTL_STRING_POOL_TAG_ANSI);
    if (!NT_SUCCESS(status) || ke_stopped(call->m))
        return status;
    for (uint64_t i = 0; i < chars; i++) {
        uint16_t wc;
        if (!mm_access(call, src.buffer + 2 * i, &wc, 2, false))
            return STATUS_ACCESS_VIOLATION;
        uint8_t c = unicode_to_ansi(wc);
        if (!mm_access(call, dst.buffer + i, &c, 1, true))
            return STATUS_ACCESS_VIOLATION;
    }
    dst.length = chars;
    if (dst.length < dst.maximum) {
        uint8_t nul = 0;
        mm_access(call, dst.buffer + dst.length, &nul, 1, true);
    }
    set_counted(call, DestinationString, KE_TYPE_ANSI_STRING, &dst);
    return STATUS_SUCCESS;
}

/* Frees what an allocating conversion gave, and empties the string. A
 * buffer the pool never gave (a literal from RtlInit*String) is the kernel's
 * bad free, as on Windows. */
static void free_counted(ke_call *call, PVOID_VA s, ke_type_id type)
{
    counted c;
    if (!get_counted(call, s, type, &c))
        return;
    if (c.buffer != 0)
        ExFreePool(call, c.buffer);
    if (ke_stopped(call->m))
        return;
    counted empty = {0, 0, 0};
    set_counted(call, s, type, &empty);
}

void RtlFreeUnicodeString(ke_call *call, PVOID_VA UnicodeString)
{
    free_counted(call, UnicodeString, KE_TYPE_UNICODE_STRING);
}

void RtlFreeAnsiString(ke_call *call, PVOID_VA AnsiString)
{
    free_counted(call, AnsiString, KE_TYPE_ANSI_STRING);
}

/* Copies `bytes` of UTF-16 from src to dst's buffer at offset, and writes a
 * terminator when there is room. */
static bool put_chars(ke_call *call, counted *dst, uint64_t offset, PVOID_VA src, uint64_t bytes)
{
    for (uint64_t i = 0; i < bytes; i += 2) {
        uint16_t wc;
        if (!mm_access(call, src + i, &wc, 2, false) ||
            !mm_access(call, dst->buffer + offset + i, &wc, 2, true))
            return false;
    }
    dst->length = offset + bytes;
    if (dst->length + 2 <= dst->maximum) {
        uint16_t nul = 0;
        return mm_access(call, dst->buffer + dst->length, &nul, 2, true);
    }
    return true;
}

void RtlCopyUnicodeString(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    counted dst, src = {0, 0, 0};
    if (!get_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst))
        return;
    if (SourceString != 0 && !get_counted(call, SourceString, KE_TYPE_UNICODE_STRING, &src))
        return;
    /* As much as fits: RtlCopyUnicodeString truncates silently. */
    uint64_t bytes = src.length < dst.maximum ? src.length : dst.maximum & ~1ull;
    if (put_chars(call, &dst, 0, src.buffer, bytes))
        set_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst);
}

/* Compares two UNICODE_STRINGs as RtlCompareUnicodeString does: the first
 * differing character decides, then the length. */
static bool compare_unicode(ke_call *call, PVOID_VA a, PVOID_VA b, bool insensitive, int64_t *out)
{
    counted x, y;
    if (!get_counted(call, a, KE_TYPE_UNICODE_STRING, &x) ||
        !get_counted(call, b, KE_TYPE_UNICODE_STRING, &y))
        return false;
    uint64_t n = (x.length < y.length ? x.length : y.length) / 2;
    for (uint64_t i = 0; i < n; i++) {
        uint16_t cx, cy;
        if (!mm_access(call, x.buffer + 2 * i, &cx, 2, false) ||
            !mm_access(call, y.buffer + 2 * i, &cy, 2, false))
            return false;
        if (insensitive) {
            cx = upcase(cx);
            cy = upcase(cy);
        }
        if (cx != cy) {
            *out = (int64_t)cx - (int64_t)cy;
            return true;
        }
    }
    *out = (int64_t)x.length - (int64_t)y.length;
    return true;
}

int32_t RtlCompareUnicodeString(ke_call *call, PVOID_VA String1, PVOID_VA String2,
                                bool CaseInSensitive)
{
    int64_t r = 0;
    compare_unicode(call, String1, String2, CaseInSensitive, &r);
    return (int32_t)r;
}

bool RtlEqualUnicodeString(ke_call *call, PVOID_VA String1, PVOID_VA String2, bool CaseInSensitive)
{
    int64_t r = 1;
    return compare_unicode(call, String1, String2, CaseInSensitive, &r) && r == 0;
}

NTSTATUS RtlAppendUnicodeToString(ke_call *call, PVOID_VA Destination, PVOID_VA Source)
{
    counted dst;
    if (!get_counted(call, Destination, KE_TYPE_UNICODE_STRING, &dst))
        return STATUS_ACCESS_VIOLATION;
    if (Source == 0)
        return STATUS_SUCCESS;
    int64_t chars = terminated_length(call, Source, 2, MAXUSHORT / 2);
    if (chars < 0)
        return STATUS_ACCESS_VIOLATION;
    uint64_t bytes = (uint64_t)chars * 2;
    if (dst.length + bytes > dst.maximum)
        return STATUS_BUFFER_TOO_SMALL;
    if (put_chars(call, &dst, dst.length, Source, bytes))
        set_counted(call, Destination, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

NTSTATUS RtlAppendUnicodeStringToString(ke_call *call, PVOID_VA Destination, PVOID_VA Source)
{
    counted dst, src;
    if (!get_counted(call, Destination, KE_TYPE_UNICODE_STRING, &dst) ||
        !get_counted(call, Source, KE_TYPE_UNICODE_STRING, &src))
        return STATUS_ACCESS_VIOLATION;
    if (dst.length + src.length > dst.maximum)
        return STATUS_BUFFER_TOO_SMALL;
    if (put_chars(call, &dst, dst.length, src.buffer, src.length))
        set_counted(call, Destination, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* Upper case, prefixes, empty strings, GUIDs                               */
/* ------------------------------------------------------------------------ */

NTSTATUS RtlUpcaseUnicodeString(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString,
                                bool AllocateDestinationString)
{
    counted src, dst;
    if (!get_counted(call, SourceString, KE_TYPE_UNICODE_STRING, &src) ||
        !get_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst))
        return STATUS_SUCCESS; /* the fault stopped the machine */
    if (AllocateDestinationString) {
        /* Exactly the source's length, no terminator (as ReactOS and the
         * documentation's "MaximumLength ... Length" describe). */
        dst.maximum = src.length;
        dst.buffer = ExAllocatePoolWithTag(call, PagedPool, src.length == 0 ? 2 : src.length,
                                           RTL_STRING_POOL_TAG_UNICODE);
        if (dst.buffer == 0)
            return STATUS_NO_MEMORY;
    } else if (src.length > dst.maximum) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (uint64_t i = 0; i < src.length; i += 2) {
        uint16_t wc;
        if (!mm_access(call, src.buffer + i, &wc, 2, false))
            return STATUS_SUCCESS;
        wc = upcase(wc);
        if (!mm_access(call, dst.buffer + i, &wc, 2, true))
            return STATUS_SUCCESS;
    }
    dst.length = src.length;
    set_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

/* RtlInitEmptyUnicodeString (an inline of wdm.h): Length 0 over a buffer. */
void RtlInitEmptyUnicodeString(ke_call *call, PVOID_VA UnicodeString, PVOID_VA Buffer,
                               ULONG BufferSize)
{
    counted c = {0, BufferSize & 0xFFFFu, Buffer};
    set_counted(call, UnicodeString, KE_TYPE_UNICODE_STRING, &c);
}

bool RtlPrefixUnicodeString(ke_call *call, PVOID_VA String1, PVOID_VA String2, bool CaseInSensitive)
{
    counted a, b;
    if (!get_counted(call, String1, KE_TYPE_UNICODE_STRING, &a) ||
        !get_counted(call, String2, KE_TYPE_UNICODE_STRING, &b))
        return false;
    if (a.length > b.length)
        return false;
    for (uint64_t i = 0; i < a.length; i += 2) {
        uint16_t x, y;
        if (!mm_access(call, a.buffer + i, &x, 2, false) ||
            !mm_access(call, b.buffer + i, &y, 2, false))
            return false;
        if (CaseInSensitive ? upcase(x) != upcase(y) : x != y)
            return false;
    }
    return true;
}

/* GUID: Data1 (ULONG), Data2, Data3 (USHORT), Data4[8], 16 bytes. */
#define GUID_STRING_CHARS 38 /* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} */

NTSTATUS RtlStringFromGUID(ke_call *call, PVOID_VA Guid, PVOID_VA GuidString)
{
    uint8_t g[16];
    if (!mm_access(call, Guid, g, sizeof g, false))
        return STATUS_SUCCESS;
    uint32_t d1 =
        (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24;
    unsigned d2 = g[4] | g[5] << 8, d3 = g[6] | g[7] << 8;
    char text[GUID_STRING_CHARS + 1];
    snprintf(text, sizeof text, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", d1, d2, d3,
             g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    counted dst = {2 * GUID_STRING_CHARS, 2 * GUID_STRING_CHARS + 2, 0};
    dst.buffer = ExAllocatePoolWithTag(call, PagedPool, dst.maximum, RTL_STRING_POOL_TAG_UNICODE);
    if (dst.buffer == 0)
        return STATUS_NO_MEMORY;
    for (size_t i = 0; i <= GUID_STRING_CHARS; i++) {
        uint16_t wc = (uint8_t)text[i];
        if (!mm_access(call, dst.buffer + 2 * i, &wc, 2, true))
            return STATUS_SUCCESS;
    }
    set_counted(call, GuidString, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

static int hex_digit(uint16_t wc)
{
    if (wc >= '0' && wc <= '9')
        return wc - '0';
    if (wc >= 'a' && wc <= 'f')
        return wc - 'a' + 10;
    if (wc >= 'A' && wc <= 'F')
        return wc - 'A' + 10;
    return -1;
}

/* RtlGUIDFromString: the braced form only, as the routine accepts. */
NTSTATUS RtlGUIDFromString(ke_call *call, PVOID_VA GuidString, PVOID_VA Guid)
{
    counted s;
    if (!get_counted(call, GuidString, KE_TYPE_UNICODE_STRING, &s))
        return STATUS_SUCCESS;
    if (s.length != 2 * GUID_STRING_CHARS)
        return STATUS_INVALID_PARAMETER;
    uint16_t wc[GUID_STRING_CHARS];
    for (size_t i = 0; i < GUID_STRING_CHARS; i++) {
        if (!mm_access(call, s.buffer + 2 * i, &wc[i], 2, false))
            return STATUS_SUCCESS;
    }
    static const char shape[] = "{........-....-....-....-............}";
    uint8_t nibbles[32];
    size_t n = 0;
    for (size_t i = 0; i < GUID_STRING_CHARS; i++) {
        if (shape[i] != '.') {
            if (wc[i] != (uint16_t)shape[i])
                return STATUS_INVALID_PARAMETER;
            continue;
        }
        int d = hex_digit(wc[i]);
        if (d < 0)
            return STATUS_INVALID_PARAMETER;
        nibbles[n++] = (uint8_t)d;
    }
    uint8_t g[16];
    uint32_t d1 = 0;
    for (int i = 0; i < 8; i++)
        d1 = d1 << 4 | nibbles[i];
    unsigned d2 = 0, d3 = 0;
    for (int i = 8; i < 12; i++)
        d2 = d2 << 4 | nibbles[i];
    for (int i = 12; i < 16; i++)
        d3 = d3 << 4 | nibbles[i];
    for (int i = 0; i < 4; i++)
        g[i] = (uint8_t)(d1 >> (8 * i));
    g[4] = (uint8_t)d2, g[5] = (uint8_t)(d2 >> 8), g[6] = (uint8_t)d3, g[7] = (uint8_t)(d3 >> 8);
    for (int i = 0; i < 8; i++)
        g[8 + i] = (uint8_t)(nibbles[16 + 2 * i] << 4 | nibbles[17 + 2 * i]);
    mm_access(call, Guid, g, sizeof g, true);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------------ */
/* OEM strings                                                              */
/* ------------------------------------------------------------------------ */

/* The OEM code page: 437 (United States), the code page of an en-US
 * installation. 0x00-0x7F are ASCII; the rest map through this table
 * (Unicode's CP437 mapping). */
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

static uint16_t oem_to_unicode(uint8_t c)
{
    return c < 0x80 ? c : cp437_high[c - 0x80];
}

/* The OEM character of wc, or the code page's default character '?' (and
 * *mapped false) when it has none. */
static uint8_t unicode_to_oem(uint16_t wc, bool *mapped)
{
    *mapped = true;
    if (wc < 0x80)
        return (uint8_t)wc;
    for (unsigned i = 0; i < 128; i++) {
        if (cp437_high[i] == wc)
            return (uint8_t)(0x80 + i);
    }
    *mapped = false;
    return '?';
}

NTSTATUS RtlOemToUnicodeN(ke_call *call, PVOID_VA UnicodeString, ULONG MaxBytesInUnicodeString,
                          PVOID_VA BytesInUnicodeString, PVOID_VA OemString,
                          ULONG BytesInOemString)
{
    ULONG count = MaxBytesInUnicodeString / 2 < BytesInOemString ? MaxBytesInUnicodeString / 2
                                                                  : BytesInOemString;
    /* Backwards: the two strings may be the same buffer. */
    for (ULONG i = count; i-- > 0;) {
        uint8_t c;
        if (!mm_access(call, OemString + i, &c, 1, false))
            return STATUS_ACCESS_VIOLATION;
        uint16_t wc = oem_to_unicode(c);
        if (!mm_access(call, UnicodeString + 2ull * i, &wc, 2, true))
            return STATUS_ACCESS_VIOLATION;
    }
    ULONG bytes = count * 2;
    if (BytesInUnicodeString != 0 && !mm_access(call, BytesInUnicodeString, &bytes, 4, true))
        return STATUS_ACCESS_VIOLATION;
    return count < BytesInOemString ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeToOemN(ke_call *call, PVOID_VA OemString, ULONG MaxBytesInOemString,
                          PVOID_VA BytesInOemString, PVOID_VA UnicodeString,
                          ULONG BytesInUnicodeString)
{
    ULONG chars = BytesInUnicodeString / 2;
    ULONG count = MaxBytesInOemString < chars ? MaxBytesInOemString : chars;
    for (ULONG i = 0; i < count; i++) {
        uint16_t wc;
        bool mapped;
        if (!mm_access(call, UnicodeString + 2ull * i, &wc, 2, false))
            return STATUS_ACCESS_VIOLATION;
        uint8_t c = unicode_to_oem(wc, &mapped);
        if (!mm_access(call, OemString + i, &c, 1, true))
            return STATUS_ACCESS_VIOLATION;
    }
    if (BytesInOemString != 0 && !mm_access(call, BytesInOemString, &count, 4, true))
        return STATUS_ACCESS_VIOLATION;
    return count < chars ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/* A counted string has no terminating NUL: an allocated buffer is exactly
 * Length bytes (MaximumLength = Length), as the Counted routines give. */
static NTSTATUS prepare_counted(ke_call *call, counted *dst, uint64_t bytes, bool allocate,
                                ULONG tag)
{
    if (allocate) {
        dst->maximum = bytes;
        dst->buffer = bytes > 0 ? ExAllocatePoolWithTag(call, PagedPool, bytes, tag) : 0;
        return bytes == 0 || dst->buffer != 0 ? STATUS_SUCCESS : STATUS_NO_MEMORY;
    }
    return bytes > dst->maximum ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS RtlOemStringToCountedUnicodeString(ke_call *call, PVOID_VA DestinationString,
                                            PVOID_VA SourceString, bool AllocateDestinationString)
{
    counted src, dst;
    if (!get_counted(call, SourceString, KE_TYPE_ANSI_STRING, &src) ||
        !get_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst))
        return STATUS_ACCESS_VIOLATION;
    uint64_t bytes = src.length * 2;
    if (bytes > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    NTSTATUS status = prepare_counted(call, &dst, bytes, AllocateDestinationString,
                                      RTL_STRING_POOL_TAG_UNICODE);
    if (!NT_SUCCESS(status) || ke_stopped(call->m))
        return status;
    for (uint64_t i = 0; i < src.length; i++) {
        uint8_t c;
        if (!mm_access(call, src.buffer + i, &c, 1, false))
            return STATUS_ACCESS_VIOLATION;
        uint16_t wc = oem_to_unicode(c);
        if (!mm_access(call, dst.buffer + 2 * i, &wc, 2, true))
            return STATUS_ACCESS_VIOLATION;
    }
    dst.length = bytes;
    set_counted(call, DestinationString, KE_TYPE_UNICODE_STRING, &dst);
    return STATUS_SUCCESS;
}

/* A character the OEM code page does not have becomes '?', and the
 * conversion is STATUS_UNMAPPABLE_CHARACTER (what it allocated freed), as
 * the Windows Research Kernel's RtlUnicodeStringToCountedOemString does. */
NTSTATUS RtlUnicodeStringToCountedOemString(ke_call *call, PVOID_VA DestinationString,
                                            PVOID_VA SourceString, bool AllocateDestinationString)
{
    counted src, dst;
    if (!get_counted(call, SourceString, KE_TYPE_UNICODE_STRING, &src) ||
        !get_counted(call, DestinationString, KE_TYPE_ANSI_STRING, &dst))
        return STATUS_ACCESS_VIOLATION;
    uint64_t chars = src.length / 2;
    NTSTATUS status = prepare_counted(call, &dst, chars, AllocateDestinationString,
                                      RTL_STRING_POOL_TAG_ANSI);
    if (!NT_SUCCESS(status) || ke_stopped(call->m))
        return status;
    bool all_mapped = true;
    for (uint64_t i = 0; i < chars; i++) {
        uint16_t wc;
        bool mapped;
        if (!mm_access(call, src.buffer + 2 * i, &wc, 2, false))
            return STATUS_ACCESS_VIOLATION;
        uint8_t c = unicode_to_oem(wc, &mapped);
        all_mapped = all_mapped && mapped;
        if (!mm_access(call, dst.buffer + i, &c, 1, true))
            return STATUS_ACCESS_VIOLATION;
    }
    if (!all_mapped) {
        if (AllocateDestinationString && dst.buffer != 0)
            ExFreePool(call, dst.buffer);
        return STATUS_UNMAPPABLE_CHARACTER;
    }
    dst.length = chars;
    set_counted(call, DestinationString, KE_TYPE_ANSI_STRING, &dst);
    return STATUS_SUCCESS;
}

void RtlFreeOemString(ke_call *call, PVOID_VA OemString)
{
    free_counted(call, OemString, KE_TYPE_ANSI_STRING);
}

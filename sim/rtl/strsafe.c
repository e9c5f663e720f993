/*
 * strsafe.c - ntstrsafe.h's bounded string routines: RtlStringCb* and
 * RtlStringCch* Copy, CopyN, Cat, CatN and Length, in their A (char) and W
 * (WCHAR) forms, the UNICODE_STRING forms RtlUnicodeStringCopy(String),
 * RtlUnicodeStringCat(String), and the core of the Printf forms
 * (rtl_strsafe_printf; the Lua binding marshals their variable arguments).
 *
 * In the WDK these are inline functions compiled into the driver, so every
 * load and store is the driver's own (mm_access: a bad pointer faults as in
 * the driver). Their contract, as ntstrsafe.h implements it:
 *  - a destination of 0 characters, or more than NTSTRSAFE_MAX_CCH
 *    (2147483647; NTSTRSAFE_UNICODE_STRING_MAX_CCH = 32767 for counted
 *    strings), is STATUS_INVALID_PARAMETER and nothing is written;
 *  - a result that does not fit is truncated, still NUL-terminated, and
 *    STATUS_BUFFER_OVERFLOW tells the caller (a warning: NT_SUCCESS is
 *    FALSE for it, so `if (!NT_SUCCESS(status))` sees the truncation);
 *  - Cat needs a destination already terminated within its size, else
 *    STATUS_INVALID_PARAMETER;
 *  - Length fails with STATUS_INVALID_PARAMETER when the string is not
 *    terminated within the maximum given, and then returns length 0.
 */
#include <string.h>

#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "rtl/strsafe.h"

#define NTSTRSAFE_MAX_CCH                2147483647ull
#define NTSTRSAFE_UNICODE_STRING_MAX_CCH 32767ull
#define STATUS_BUFFER_OVERFLOW           ((NTSTATUS)0x80000005u)

/* One character of a unit-byte string (1: char, 2: WCHAR). */
static bool get_char(ke_call *call, PVOID_VA s, uint64_t index, size_t unit, uint16_t *c)
{
    *c = 0;
    return mm_access(call, s + index * unit, c, unit, false);
}

static bool put_char(ke_call *call, PVOID_VA s, uint64_t index, size_t unit, uint16_t c)
{
    return mm_access(call, s + index * unit, &c, unit, true);
}

/* The length of a terminated string, in characters, if it ends before
 * `limit` characters: -1 if not, -2 if a load faulted. */
static int64_t length_within(ke_call *call, PVOID_VA s, size_t unit, uint64_t limit)
{
    uint16_t c;
    for (uint64_t i = 0; i < limit; i++) {
        if (!get_char(call, s, i, unit, &c))
            return -2;
        if (c == 0)
            return (int64_t)i;
    }
    return -1;
}

/*
 * Copies at most `max_src` characters of src (stopping at its NUL) to dest at
 * character `at`, in a buffer of `cch` characters, and terminates it. The
 * status: success, or STATUS_BUFFER_OVERFLOW when src did not fit.
 */
static NTSTATUS copy_at(ke_call *call, PVOID_VA dest, uint64_t cch, uint64_t at, PVOID_VA src,
                        uint64_t max_src, size_t unit)
{
    uint64_t i = 0;
    uint16_t c = 0;
    for (; i < max_src; i++) {
        if (!get_char(call, src, i, unit, &c))
            return STATUS_SUCCESS; /* the fault stopped the machine */
        if (c == 0)
            break;
        if (at + i + 1 >= cch) {
            put_char(call, dest, at + i, unit, 0);
            return STATUS_BUFFER_OVERFLOW;
        }
        if (!put_char(call, dest, at + i, unit, c))
            return STATUS_SUCCESS;
    }
    put_char(call, dest, at + i, unit, 0);
    return STATUS_SUCCESS;
}

static bool valid_cch(uint64_t cch)
{
    return cch != 0 && cch <= NTSTRSAFE_MAX_CCH;
}

static NTSTATUS copy(ke_call *call, PVOID_VA dest, uint64_t cch, PVOID_VA src, uint64_t max_src,
                     size_t unit)
{
    if (!valid_cch(cch))
        return STATUS_INVALID_PARAMETER;
    if (max_src > NTSTRSAFE_MAX_CCH) {
        put_char(call, dest, 0, unit, 0);
        return STATUS_INVALID_PARAMETER;
    }
    if (src == 0) { /* ntstrsafe treats a NULL source as "" */
        put_char(call, dest, 0, unit, 0);
        return STATUS_SUCCESS;
    }
    return copy_at(call, dest, cch, 0, src, max_src, unit);
}

static NTSTATUS cat(ke_call *call, PVOID_VA dest, uint64_t cch, PVOID_VA src, uint64_t max_src,
                    size_t unit)
{
    if (!valid_cch(cch) || max_src > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    int64_t len = length_within(call, dest, unit, cch);
    if (len == -2)
        return STATUS_SUCCESS;
    if (len < 0)
        return STATUS_INVALID_PARAMETER; /* not terminated within its size */
    if (src == 0)
        return STATUS_SUCCESS;
    return copy_at(call, dest, cch, (uint64_t)len, src, max_src, unit);
}

static NTSTATUS length(ke_call *call, PVOID_VA s, uint64_t cch_max, size_t unit, uint64_t *out)
{
    *out = 0;
    if (s == 0 || cch_max > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    int64_t len = length_within(call, s, unit, cch_max);
    if (len < 0)
        return len == -2 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    *out = (uint64_t)len;
    return STATUS_SUCCESS;
}

/* Copy */
NTSTATUS RtlStringCbCopyA(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc)
{
    return copy(call, pszDest, cbDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCbCopyW(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc)
{
    return copy(call, pszDest, cbDest / 2, pszSrc, NTSTRSAFE_MAX_CCH, 2);
}

NTSTATUS RtlStringCchCopyA(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc)
{
    return copy(call, pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCchCopyW(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc)
{
    return copy(call, pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 2);
}

NTSTATUS RtlStringCbCopyNA(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc,
                           uint64_t cbToCopy)
{
    return copy(call, pszDest, cbDest, pszSrc, cbToCopy, 1);
}

NTSTATUS RtlStringCbCopyNW(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc,
                           uint64_t cbToCopy)
{
    return copy(call, pszDest, cbDest / 2, pszSrc, cbToCopy / 2, 2);
}

NTSTATUS RtlStringCchCopyNA(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc,
                            uint64_t cchToCopy)
{
    return copy(call, pszDest, cchDest, pszSrc, cchToCopy, 1);
}

NTSTATUS RtlStringCchCopyNW(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc,
                            uint64_t cchToCopy)
{
    return copy(call, pszDest, cchDest, pszSrc, cchToCopy, 2);
}

/* Cat */
NTSTATUS RtlStringCbCatA(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc)
{
    return cat(call, pszDest, cbDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCbCatW(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc)
{
    return cat(call, pszDest, cbDest / 2, pszSrc, NTSTRSAFE_MAX_CCH, 2);
}

NTSTATUS RtlStringCchCatA(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc)
{
    return cat(call, pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCchCatW(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc)
{
    return cat(call, pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 2);
}

NTSTATUS RtlStringCbCatNA(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc,
                          uint64_t cbToAppend)
{
    return cat(call, pszDest, cbDest, pszSrc, cbToAppend, 1);
}

NTSTATUS RtlStringCbCatNW(ke_call *call, PVOID_VA pszDest, uint64_t cbDest, PVOID_VA pszSrc,
                          uint64_t cbToAppend)
{
    return cat(call, pszDest, cbDest / 2, pszSrc, cbToAppend / 2, 2);
}

NTSTATUS RtlStringCchCatNA(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc,
                           uint64_t cchToAppend)
{
    return cat(call, pszDest, cchDest, pszSrc, cchToAppend, 1);
}

NTSTATUS RtlStringCchCatNW(ke_call *call, PVOID_VA pszDest, uint64_t cchDest, PVOID_VA pszSrc,
                           uint64_t cchToAppend)
{
    return cat(call, pszDest, cchDest, pszSrc, cchToAppend, 2);
}

/* Length: in bytes for Cb, characters for Cch, without the NUL. */
NTSTATUS RtlStringCbLengthA(ke_call *call, PVOID_VA psz, uint64_t cbMax, uint64_t *pcbLength)
{
    return length(call, psz, cbMax, 1, pcbLength);
}

NTSTATUS RtlStringCbLengthW(ke_call *call, PVOID_VA psz, uint64_t cbMax, uint64_t *pcbLength)
{
    NTSTATUS s = length(call, psz, cbMax / 2, 2, pcbLength);
    *pcbLength *= 2;
    return s;
}

NTSTATUS RtlStringCchLengthA(ke_call *call, PVOID_VA psz, uint64_t cchMax, uint64_t *pcchLength)
{
    return length(call, psz, cchMax, 1, pcchLength);
}

NTSTATUS RtlStringCchLengthW(ke_call *call, PVOID_VA psz, uint64_t cchMax, uint64_t *pcchLength)
{
    return length(call, psz, cchMax, 2, pcchLength);
}

/* ------------------------------------------------------------------------ */
/* UNICODE_STRING destinations                                              */
/* ------------------------------------------------------------------------ */

typedef struct ustr {
    uint16_t length, maximum;
    PVOID_VA buffer;
} ustr;

static bool get_ustr(ke_call *call, PVOID_VA s, ustr *u)
{
    ke_arch arch = call->m->config.arch;
    const ke_field *b = KE_FIELD(UNICODE_STRING, Buffer);
    uint16_t lengths[2];
    u->buffer = 0;
    if (!mm_access(call, s, lengths, sizeof lengths, false) ||
        !mm_access(call, s + b->offset[arch], &u->buffer, ke_field_size(arch, b), false))
        return false;
    u->length = lengths[0];
    u->maximum = lengths[1];
    return true;
}

/* RtlUnicodeStringValidate's rules for a counted string ntstrsafe takes. */
static bool valid_ustr(const ustr *u)
{
    return (u->length % 2) == 0 && (u->maximum % 2) == 0 && u->length <= u->maximum &&
           u->maximum <= NTSTRSAFE_UNICODE_STRING_MAX_CCH * 2 &&
           (u->buffer != 0 || u->maximum == 0);
}

/* Appends `count` characters read from src at dest's current end (at =
 * dest's length, 0 for a copy); truncates to MaximumLength. */
static NTSTATUS ustr_put(ke_call *call, PVOID_VA dest, ustr *d, uint64_t at, PVOID_VA src,
                         uint64_t count, bool src_terminated)
{
    uint64_t room = d->maximum / 2;
    uint64_t i = 0;
    NTSTATUS status = STATUS_SUCCESS;
    for (; i < count; i++) {
        uint16_t c;
        if (!get_char(call, src, i, 2, &c))
            return STATUS_SUCCESS;
        if (src_terminated && c == 0)
            break;
        if (at + i >= room) {
            status = STATUS_BUFFER_OVERFLOW;
            break;
        }
        if (!put_char(call, d->buffer, at + i, 2, c))
            return STATUS_SUCCESS;
    }
    uint16_t new_length = (uint16_t)(2 * (at + i));
    mm_access(call, dest, &new_length, 2, true);
    return status;
}

NTSTATUS RtlUnicodeStringCopy(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    ustr d, s;
    if (!get_ustr(call, DestinationString, &d) || !get_ustr(call, SourceString, &s))
        return STATUS_SUCCESS;
    if (!valid_ustr(&d) || !valid_ustr(&s))
        return STATUS_INVALID_PARAMETER;
    return ustr_put(call, DestinationString, &d, 0, s.buffer, s.length / 2, false);
}

NTSTATUS RtlUnicodeStringCat(ke_call *call, PVOID_VA DestinationString, PVOID_VA SourceString)
{
    ustr d, s;
    if (!get_ustr(call, DestinationString, &d) || !get_ustr(call, SourceString, &s))
        return STATUS_SUCCESS;
    if (!valid_ustr(&d) || !valid_ustr(&s))
        return STATUS_INVALID_PARAMETER;
    return ustr_put(call, DestinationString, &d, d.length / 2, s.buffer, s.length / 2, false);
}

NTSTATUS RtlUnicodeStringCopyString(ke_call *call, PVOID_VA DestinationString, PVOID_VA pszSrc)
{
    ustr d;
    if (!get_ustr(call, DestinationString, &d))
        return STATUS_SUCCESS;
    if (!valid_ustr(&d))
        return STATUS_INVALID_PARAMETER;
    return ustr_put(call, DestinationString, &d, 0, pszSrc, NTSTRSAFE_UNICODE_STRING_MAX_CCH, true);
}

NTSTATUS RtlUnicodeStringCatString(ke_call *call, PVOID_VA DestinationString, PVOID_VA pszSrc)
{
    ustr d;
    if (!get_ustr(call, DestinationString, &d))
        return STATUS_SUCCESS;
    if (!valid_ustr(&d))
        return STATUS_INVALID_PARAMETER;
    return ustr_put(call, DestinationString, &d, d.length / 2, pszSrc,
                    NTSTRSAFE_UNICODE_STRING_MAX_CCH, true);
}

/* ------------------------------------------------------------------------ */
/* Printf                                                                   */
/* ------------------------------------------------------------------------ */

/* UTF-8 text (kd_format's output) to UTF-16 code units, one at a time. */
static size_t utf8_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
    uint8_t c = (uint8_t)s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > len)
        n = 1;
    uint32_t v = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; k++)
        v = (v << 6) | ((uint8_t)s[i + k] & 0x3F);
    *cp = n == 1 && c >= 0x80 ? c : v;
    return n;
}

NTSTATUS rtl_strsafe_printf(ke_call *call, PVOID_VA dest, uint64_t cch, size_t unit, bool counted,
                            const char *text)
{
    ustr d = {0, 0, 0};
    PVOID_VA buffer = dest;
    if (counted) {
        if (!get_ustr(call, dest, &d))
            return STATUS_SUCCESS;
        if (!valid_ustr(&d))
            return STATUS_INVALID_PARAMETER;
        buffer = d.buffer;
        cch = d.maximum / 2;
    } else if (!valid_cch(cch)) {
        return STATUS_INVALID_PARAMETER;
    }
    /* A counted string has no terminator: all its characters are text. */
    uint64_t room = counted ? cch : cch - 1;
    size_t len = strlen(text);
    uint64_t out = 0;
    NTSTATUS status = STATUS_SUCCESS;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = unit == 1 ? 1 : utf8_next(text, len, i, &cp);
        uint16_t units[2];
        size_t count = 1;
        if (unit == 1) {
            units[0] = (uint8_t)text[i];
        } else if (cp >= 0x10000) {
            units[0] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            units[1] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            count = 2;
        } else {
            units[0] = (uint16_t)cp;
        }
        if (out + count > room) {
            status = STATUS_BUFFER_OVERFLOW;
            break;
        }
        for (size_t k = 0; k < count; k++) {
            if (!put_char(call, buffer, out++, unit, units[k]))
                return STATUS_SUCCESS;
        }
        i += n;
    }
    if (counted) {
        uint16_t new_length = (uint16_t)(2 * out);
        mm_access(call, dest, &new_length, 2, true);
    } else {
        put_char(call, buffer, out, unit, 0);
    }
    return status;
}

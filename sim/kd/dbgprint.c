/*
 * dbgprint.c - what a kernel debugger shows of DbgPrint, DbgPrintEx and
 * KdPrint: the C printf subset drivers use, formatted deterministically, and
 * the run's debug output.
 *
 * The debugger in the model has its print filter open (every component and
 * level shown, as after `ed nt!Kd_DEFAULT_Mask 0xFFFFFFFF`): a scenario
 * sees every DbgPrintEx it makes. Each call's text is cut at 512 bytes, as
 * DbgPrint's buffer cuts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "kd/kd.h"
#include "ke/types.h"
#include "mm/mm.h"

/* Output under construction: cut silently at the end of the buffer. */
typedef struct kd_out {
    char *buf;
    size_t len, cap; /* cap includes the NUL */
} kd_out;

static void put_char(kd_out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len++] = c;
}

static void put_padded(kd_out *o, const char *s, size_t n, int width, bool left)
{
    size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
    for (size_t i = 0; !left && i < pad; i++)
        put_char(o, ' ');
    for (size_t i = 0; i < n; i++)
        put_char(o, s[i]);
    for (size_t i = 0; left && i < pad; i++)
        put_char(o, ' ');
}

/* UTF-16 code unit sequence to UTF-8 (an unpaired surrogate becomes '?'). */
static size_t utf16_to_utf8(const uint16_t *u, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n && len + 4 < cap; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = '?';
        }
        if (cp < 0x80) {
            out[len++] = (char)cp;
        } else if (cp < 0x800) {
            out[len++] = (char)(0xC0 | cp >> 6);
            out[len++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[len++] = (char)(0xE0 | cp >> 12);
            out[len++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[len++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[len++] = (char)(0xF0 | cp >> 18);
            out[len++] = (char)(0x80 | (cp >> 12 & 0x3F));
            out[len++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[len++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[len] = '\0';
    return len;
}

/* Reads a NUL-terminated string (units of 1 or 2 bytes) at va, at most
 * max_units, as the caller's loads. Converts to UTF-8 in text. */
static bool read_string(ke_call *call, PVOID_VA va, bool wide, size_t max_units, char *text,
                        size_t cap, size_t *len)
{
    uint16_t units[KD_DBGPRINT_MAX_BYTES];
    size_t n = 0;
    if (max_units > KD_DBGPRINT_MAX_BYTES)
        max_units = KD_DBGPRINT_MAX_BYTES;
    for (; n < max_units; n++) {
        uint16_t u = 0;
        if (!mm_access(call, va + n * (wide ? 2u : 1u), &u, wide ? 2 : 1, false))
            return false;
        if (u == 0)
            break;
        units[n] = u;
    }
    if (wide) {
        *len = utf16_to_utf8(units, n, text, cap);
    } else {
        for (size_t i = 0; i < n && i + 1 < cap; i++)
            text[i] = (char)units[i];
        *len = n < cap ? n : cap - 1;
        text[*len] = '\0';
    }
    return true;
}

/* A counted string (UNICODE_STRING for %wZ, ANSI_STRING for %Z): Length
 * bytes from Buffer; a NULL Buffer prints "(null)" as the kernel's does. */
static bool read_counted(ke_call *call, PVOID_VA va, bool wide, char *text, size_t cap, size_t *len)
{
    ke_type_id type = wide ? KE_TYPE_UNICODE_STRING : KE_TYPE_ANSI_STRING;
    uint64_t length = 0, buffer = 0;
    if (!ke_field_get(call, va, ke_type_field(type, "Length"), &length) ||
        !ke_field_get(call, va, ke_type_field(type, "Buffer"), &buffer))
        return false;
    if (buffer == 0) {
        *len = (size_t)snprintf(text, cap, "(null)");
        return true;
    }
    size_t units = (size_t)length / (wide ? 2u : 1u);
    uint16_t raw[KD_DBGPRINT_MAX_BYTES];
    if (units > KD_DBGPRINT_MAX_BYTES)
        units = KD_DBGPRINT_MAX_BYTES;
    for (size_t i = 0; i < units; i++) {
        raw[i] = 0;
        if (!mm_access(call, buffer + i * (wide ? 2u : 1u), &raw[i], wide ? 2 : 1, false))
            return false;
    }
    if (wide) {
        *len = utf16_to_utf8(raw, units, text, cap);
    } else {
        size_t n = units < cap ? units : cap - 1;
        for (size_t i = 0; i < n; i++)
            text[i] = (char)raw[i];
        text[n] = '\0';
        *len = n;
    }
    return true;
}

/* An integer conversion: digits of v in base, then sign, prefix, zero
 * padding and width as printf does them. */
static void put_integer(kd_out *o, uint64_t v, bool negative, unsigned base, bool upper,
                        const char *flags, int width, int precision)
{
    char digits[32];
    size_t n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (v == 0 && precision != 0)
        digits[n++] = '0';
    while (v != 0) {
        digits[n++] = set[v % base];
        v /= base;
    }
    while (precision > 0 && n < (size_t)precision && n < sizeof digits)
        digits[n++] = '0';
    bool left = strchr(flags, '-') != NULL,
         zero = strchr(flags, '0') != NULL && !left && precision < 0;
    char prefix[3] = "";
    if (negative)
        strcpy(prefix, "-");
    else if (base == 10 && strchr(flags, '+') != NULL)
        strcpy(prefix, "+");
    else if (base == 10 && strchr(flags, ' ') != NULL)
        strcpy(prefix, " ");
    else if (base == 16 && strchr(flags, '#') != NULL && n > 0 && !(n == 1 && digits[0] == '0'))
        strcpy(prefix, upper ? "0X" : "0x");
    else if (base == 8 && strchr(flags, '#') != NULL && digits[n - 1] != '0')
        strcpy(prefix, "0");
    size_t total = n + strlen(prefix);
    size_t pad = width > 0 && (size_t)width > total ? (size_t)width - total : 0;
    for (size_t i = 0; !left && !zero && i < pad; i++)
        put_char(o, ' ');
    for (const char *p = prefix; *p; p++)
        put_char(o, *p);
    for (size_t i = 0; zero && i < pad; i++)
        put_char(o, '0');
    while (n > 0)
        put_char(o, digits[--n]);
    for (size_t i = 0; left && i < pad; i++)
        put_char(o, ' ');
}

bool kd_format(ke_call *call, const char *format, const kd_arg *args, size_t argc, char *out,
               size_t out_len, bool *missing)
{
    KE_CHECK(call->m, out_len > 0);
    kd_out o = {.buf = out, .len = 0, .cap = out_len};
    size_t next = 0;
    bool x86 = call->m->config.arch == KE_ARCH_X86;
    *missing = false;
    for (const char *p = format; *p != '\0'; p++) {
        if (*p != '%') {
            put_char(&o, *p);
            continue;
        }
        p++;
        if (*p == '%') {
            put_char(&o, '%');
            continue;
        }
        char flags[8] = "";
        size_t nflags = 0;
        while (*p != '\0' && strchr("-+ 0#", *p) != NULL) {
            if (nflags + 1 < sizeof flags)
                flags[nflags++] = *p;
            p++;
        }
        int width = 0, precision = -1;
        if (*p == '*') {
            if (next >= argc)
                goto need_more;
            int64_t w = (int32_t)(uint32_t)args[next++].value;
            if (w < 0) { /* a negative '*' width means left-justified */
                if (nflags + 1 < sizeof flags)
                    flags[nflags++] = '-';
                w = -w;
            }
            width = w > 4096 ? 4096 : (int)w;
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width > 4096 ? width : width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            precision = 0;
            if (*p == '*') {
                if (next >= argc)
                    goto need_more;
                int64_t pr = (int32_t)(uint32_t)args[next++].value;
                precision = pr < 0 ? -1 : pr > 4096 ? 4096 : (int)pr;
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    precision = precision > 4096 ? precision : precision * 10 + (*p++ - '0');
            }
        }
        /* Size prefixes: h, l (32 bits, as on Windows), ll / I64 (64), I32,
         * I (pointer-sized), w (wide, for c / s / Z). */
        unsigned bits = 32;
        bool wide = false, half = false;
        for (;;) {
            if (*p == 'l' && p[1] == 'l') {
                bits = 64, p += 2;
            } else if (*p == 'l') {
                bits = 32, p++;
                if (p[0] == 'c' || p[0] == 's')
                    wide = true;
            } else if (*p == 'h') {
                half = true, p++;
            } else if (*p == 'w') {
                wide = true, p++;
            } else if (*p == 'I' && p[1] == '6' && p[2] == '4') {
                bits = 64, p += 3;
            } else if (*p == 'I' && p[1] == '3' && p[2] == '2') {
                bits = 32, p += 3;
            } else if (*p == 'I') {
                bits = x86 ? 32 : 64, p++;
            } else {
                break;
            }
        }
        char conv = *p;
        if (conv == '\0')
            break; /* a lone '%' at the end prints nothing */
        if (next >= argc)
            goto need_more;
        const kd_arg *a = &args[next++];
        uint64_t v = a->value;
        uint64_t mask = bits == 64 ? UINT64_MAX : UINT32_MAX;
        char text[KD_DBGPRINT_MAX_BYTES * 4];
        size_t len = 0;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t s = bits == 64 ? (int64_t)v : half ? (int16_t)v : (int32_t)(uint32_t)v;
            put_integer(&o, s < 0 ? 0 - (uint64_t)s : (uint64_t)s, s < 0, 10, false, flags, width,
                        precision);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            v &= half ? 0xFFFFu : mask;
            put_integer(&o, v, false,
                        conv == 'u'   ? 10
                        : conv == 'o' ? 8
                                      : 16,
                        conv == 'X', flags, width, precision);
            break;
        case 'p':
            /* Windows prints a pointer as all its hex digits, upper case. */
            put_integer(&o, x86 ? v & UINT32_MAX : v, false, 16, true, "0", x86 ? 8 : 16, -1);
            break;
        case 'c':
        case 'C': {
            uint16_t unit = (uint16_t)v;
            len = (wide || conv == 'C') ? utf16_to_utf8(&unit, 1, text, sizeof text) : 1;
            if (!(wide || conv == 'C'))
                text[0] = (char)v;
            put_padded(&o, text, len, width, strchr(flags, '-') != NULL);
            break;
        }
        case 's':
        case 'S':
        case 'Z': {
            bool w = wide || conv == 'S';
            if (a->is_text) {
                len = strlen(a->text);
                if (len >= sizeof text)
                    len = sizeof text - 1;
                memcpy(text, a->text, len);
            } else if (v == 0) {
                len = (size_t)snprintf(text, sizeof text, "(null)");
            } else if (conv == 'Z') {
                if (!read_counted(call, v, w, text, sizeof text, &len))
                    return false;
            } else {
                size_t max = precision >= 0 ? (size_t)precision : KD_DBGPRINT_MAX_BYTES;
                if (!read_string(call, v, w, max, text, sizeof text, &len))
                    return false;
            }
            if (precision >= 0 && (size_t)precision < len)
                len = (size_t)precision;
            put_padded(&o, text, len, width, strchr(flags, '-') != NULL);
            break;
        }
        default:
            /* Not in the subset (%f has no place in kernel code): printed as
             * written, and the argument is consumed. */
            put_char(&o, '%');
            put_char(&o, conv);
            break;
        }
    }
    o.buf[o.len] = '\0';
    return true;

need_more:
    o.buf[o.len] = '\0';
    *missing = true;
    return true;
}

void kd_debug_output(ke_call *call, uint32_t component, uint32_t level, const char *text)
{
    ke_machine *m = call->m;
    size_t len = strlen(text);
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_DBGPRINT);
    des_rec_u32(&rec, call->thread->id);
    des_rec_u8(&rec, ke_trace_driver(call->driver));
    des_rec_u32(&rec, component);
    des_rec_u32(&rec, level);
    des_rec_u32(&rec, (uint32_t)len);
    des_rec_u64(&rec, XXH3_64bits(text, len));
    ke_trace_commit(m, &rec);

    if (m->debug_output_count >= KD_DEBUG_OUTPUT_MAX_CALLS)
        return;
    if (m->debug_output_count % 64 == 0) {
        char **grown =
            realloc(m->debug_output, (m->debug_output_count + 64) * sizeof *m->debug_output);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory keeping debug output");
        m->debug_output = grown;
    }
    char *copy = strdup(text);
    if (copy == NULL)
        ke_panic(m, __FILE__, __LINE__, "out of host memory keeping debug output");
    m->debug_output[m->debug_output_count++] = copy;
}

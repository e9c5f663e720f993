/*
 * gflags.c - the GFlags kernel special pool request (+spp / -spp), as
 * verifier_cli.md section 5 describes it:
 *
 *     [/k | /r] +spp {PoolTag | Size | *} [overruns | underruns]
 *     [/k | /r] -spp
 *
 * /k (running kernel) and /r (registry, after a reboot) both mean "for this
 * run": a simulated run starts at boot. Only one tag or size is in force at a
 * time system-wide, as on Windows. The placement word (drvsim's stand-in for
 * the dialog's Verify Start / Verify End) may stand anywhere after /k or /r,
 * or alone, since it also governs Driver Verifier's own special pool.
 *
 * A value is a size when written as a number: 0x hex, or decimal digits only
 * (so an all-digit tag such as "1234" cannot be given as text). Anything else
 * is a tag pattern.
 */
#include "des/check.h"
#include "vf/vf_settings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VF_GFLAGS_CMDLINE_MAX_CHARS 32767u  /* CreateProcess' limit */
#define VF_SPP_PAGE_SIZE            0x1000u /* values below it are size classes */
#define VF_SPP_ALL_VALUE            0x2Au   /* '*': every allocation */
#define VF_SPP_TAG_MAX_CHARS        4u

_Static_assert(sizeof(((vf_gflags *)0)->spp_tag) == VF_SPP_TAG_MAX_CHARS + 1, "tag + NUL");

/* Writes "gflags: <message>" into err (if any); returns false. */
static DES_PRINTF(3, 4) bool vf_gflags_error(char *err, size_t err_len, const char *fmt, ...)
{
    if (err == NULL || err_len == 0) {
        return false;
    }
    int prefix = snprintf(err, err_len, "gflags: ");
    if (prefix < 0 || (size_t)prefix >= err_len) {
        return false;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + prefix, err_len - (size_t)prefix, fmt, ap);
    va_end(ap);
    return false;
}

static bool vf_gflags_equal_ci(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (ca != cb) {
            return false;
        }
        if (ca == '\0') {
            return true;
        }
    }
}

/* Parses the value as a number if it is written as one ("0x30", "48").
 * Returns 1 with *out set, 0 if it is not written as a number (a tag), -1 if
 * it starts as a number but is malformed or too big. */
static int vf_gflags_number(const char *text, uint32_t *out)
{
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char *p = hex ? text + 2 : text;
    if (!hex && (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))) {
        return 0; /* letters: a tag such as "Fred" or "Av?4" */
    }
    if (*p == '\0') {
        return -1;
    }
    uint64_t value = 0;
    for (; *p != '\0'; p++) {
        int digit;
        if (*p >= '0' && *p <= '9') {
            digit = *p - '0';
        } else if (hex && *p >= 'a' && *p <= 'f') {
            digit = *p - 'a' + 10;
        } else if (hex && *p >= 'A' && *p <= 'F') {
            digit = *p - 'A' + 10;
        } else {
            return -1;
        }
        value = value * (hex ? 16u : 10u) + (uint32_t)digit;
        if (value > UINT32_MAX) {
            return -1;
        }
    }
    *out = (uint32_t)value;
    return 1;
}

static bool vf_gflags_spp_value(vf_gflags *g, const char *text, char *err, size_t err_len)
{
    char q[VF_QUOTE_BUF_BYTES];
    if (strcmp(text, "*") == 0) {
        g->spp = VF_SPP_ALL;
        g->spp_value = VF_SPP_ALL_VALUE;
        return true;
    }
    uint32_t value = 0;
    int number = vf_gflags_number(text, &value);
    if (number < 0) {
        return vf_gflags_error(err, err_len, "+spp: %s is not a number", vf_quote(q, text));
    }
    if (number > 0) {
        if (value == 0 || value >= VF_SPP_PAGE_SIZE) {
            return vf_gflags_error(err, err_len,
                                   "+spp: size %s is out of range (1 to 0xFFF; give a pool tag "
                                   "as its characters)",
                                   vf_quote(q, text));
        }
        g->spp = value == VF_SPP_ALL_VALUE ? VF_SPP_ALL : VF_SPP_SIZE;
        g->spp_value = value;
        return true;
    }

    size_t len = strlen(text);
    if (len == 0 || len > VF_SPP_TAG_MAX_CHARS) {
        return vf_gflags_error(err, err_len, "+spp: %s is not a pool tag (1 to 4 characters)",
                               vf_quote(q, text));
    }
    bool wildcard = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7E) {
            return vf_gflags_error(err, err_len,
                                   "+spp: pool tag %s has a character outside 0x20..0x7E",
                                   vf_quote(q, text));
        }
        wildcard = wildcard || c == '*' || c == '?';
    }
    g->spp = VF_SPP_TAG;
    memcpy(g->spp_tag, text, len);
    g->spp_tag[len] = '\0';
    g->spp_value = 0;
    if (!wildcard) {
        /* The tag's characters in memory order, read as a little-endian ULONG
         * ("Tag1" -> 0x31676154, as GFlags prints it). A shorter tag leaves
         * the high bytes zero, as a short C character constant does. */
        for (size_t i = 0; i < len; i++) {
            g->spp_value |= (uint32_t)(unsigned char)text[i] << (8u * i);
        }
    }
    return true;
}

void vf_gflags_init(vf_gflags *g)
{
    DES_CHECK(g != NULL);
    memset(g, 0, sizeof *g);
    g->spp = VF_SPP_NONE;
    g->overruns = true; /* PoolTagOverruns = 1: Verify End */
}

/* `g` need not be initialised: it is overwritten. */
bool vf_gflags_parse(vf_gflags *g, const char *cmdline, char *err, size_t err_len)
{
    DES_CHECK(g != NULL && cmdline != NULL);
    vf_gflags_init(g);
    if (err != NULL && err_len > 0) {
        err[0] = '\0';
    }
    if (strlen(cmdline) > VF_GFLAGS_CMDLINE_MAX_CHARS) {
        return vf_gflags_error(err, err_len, "the command line is longer than %u characters",
                               VF_GFLAGS_CMDLINE_MAX_CHARS);
    }
    vf_names args;
    if (!vf_cmdline_split(cmdline, &args)) {
        return vf_gflags_error(err, err_len, "out of memory");
    }

    bool ok = true;
    bool spp_given = false;       /* +spp or -spp */
    bool placement_given = false; /* overruns or underruns */
    char q[VF_QUOTE_BUF_BYTES];
    for (size_t i = 0; i < args.count && ok; i++) {
        const char *arg = args.items[i];
        if (vf_gflags_equal_ci(arg, "/k") || vf_gflags_equal_ci(arg, "/r")) {
            if (i != 0) {
                ok = vf_gflags_error(err, err_len, "%s must come first", vf_quote(q, arg));
            }
        } else if (vf_gflags_equal_ci(arg, "+spp") || vf_gflags_equal_ci(arg, "-spp")) {
            if (spp_given) {
                ok =
                    vf_gflags_error(err, err_len, "%s: only one special pool tag or size at a time",
                                    vf_quote(q, arg));
            } else if (arg[0] == '-') {
                spp_given = true; /* clears: g stays VF_SPP_NONE */
            } else if (i + 1 >= args.count) {
                ok = vf_gflags_error(err, err_len, "+spp needs a pool tag, a size or *");
            } else {
                spp_given = true;
                ok = vf_gflags_spp_value(g, args.items[++i], err, err_len);
            }
        } else if (vf_gflags_equal_ci(arg, "overruns") || vf_gflags_equal_ci(arg, "underruns")) {
            if (placement_given) {
                ok = vf_gflags_error(err, err_len, "%s: overruns or underruns, once",
                                     vf_quote(q, arg));
            }
            placement_given = true;
            g->overruns = arg[0] == 'o' || arg[0] == 'O';
        } else if (i == 0 &&
                   (vf_gflags_equal_ci(arg, "gflags") || vf_gflags_equal_ci(arg, "gflags.exe"))) {
            ok = vf_gflags_error(err, err_len, "%s: leave out the program name", vf_quote(q, arg));
        } else {
            ok = vf_gflags_error(err, err_len,
                                 "%s is not supported (only [/k | /r] {+spp VALUE | -spp} "
                                 "[overruns | underruns])",
                                 vf_quote(q, arg));
        }
    }
    vf_names_free(&args);
    return ok;
}

/* Glob match of a tag's text (NUL-terminated) against a +spp pattern. */
static bool vf_gflags_glob(const char *pattern, const char *text)
{
    if (*pattern == '\0') {
        return *text == '\0';
    }
    if (*pattern == '*') {
        for (const char *t = text;; t++) {
            if (vf_gflags_glob(pattern + 1, t)) {
                return true;
            }
            if (*t == '\0') {
                return false;
            }
        }
    }
    if (*text == '\0' || (*pattern != '?' && *pattern != *text)) {
        return false;
    }
    return vf_gflags_glob(pattern + 1, text + 1);
}

bool vf_gflags_spp_matches(const vf_gflags *g, uint32_t tag, uint64_t size_bytes,
                           uint32_t granularity_bytes)
{
    DES_CHECK(g != NULL && granularity_bytes != 0);
    switch (g->spp) {
    case VF_SPP_ALL:
        return true;
    case VF_SPP_SIZE: {
        uint64_t rounded = (size_bytes + granularity_bytes - 1) / granularity_bytes;
        return tag == g->spp_value ||
               rounded * granularity_bytes + granularity_bytes == (uint64_t)g->spp_value;
    }
    case VF_SPP_TAG: {
        /* The tag's characters in memory order, up to its first NUL (a
         * shorter tag is NUL-padded). */
        char text[VF_SPP_TAG_MAX_CHARS + 1];
        size_t n = 0;
        for (; n < VF_SPP_TAG_MAX_CHARS; n++) {
            char c = (char)(tag >> (8u * n));
            if (c == '\0') {
                break;
            }
            text[n] = c;
        }
        text[n] = '\0';
        return vf_gflags_glob(g->spp_tag, text);
    }
    case VF_SPP_NONE:
    default:
        return false;
    }
}

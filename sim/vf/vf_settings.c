/*
 * vf_settings.c - verifier.exe command lines into vf_settings, /volatile
 * changes applied to the settings in force, and the Windows-style command
 * line splitter that the GFlags parser shares.
 *
 * The syntax follows verifier_cli.md sections 1 and 3 (Windows 10/11, plus
 * the older /iolevel). Everything that verifier.exe would accept but that is
 * not a setting of the simulated machine (management commands, boot modes,
 * logging, extensions) is recorded in `unsimulated` rather than refused, so a
 * command line copied from a real test plan keeps working and the run can say
 * what it ignored.
 */
#include "des/check.h"
#include "vf/vf_settings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CreateProcess' own limit on a command line; it also bounds every list the
 * parser builds. */
#define VF_CMDLINE_MAX_CHARS 32767u

/*
 * Bits /volatile may change: the Windows 10 list (standard 0x1 0x2 0x8 0x10
 * 0x20 0x80 0x100 0x800, additional 0x4 0x200 0x400 0x2000 0x4000) plus 0x40,
 * which rides along with 0x10 since Windows 7. Windows 11 narrows this to
 * 0x4 0x20 0x80 0x200 0x400; the simulator takes the wider, older set so that
 * scenarios can switch special pool or pool tracking at run time.
 */
#define VF_FLAGS_VOLATILE 0x00006FFFu

/* Options documented as needing I/O verification; verifier.exe turns 0x10 on
 * with them ("/flags 0x200 alone turns 0x10 on too"). Rule classes 10, 11, 14
 * and 15 map to these bits, so /rc gets the same treatment. */
#define VF_FLAGS_NEED_IO                                                                           \
    (VF_FLAG_FORCE_PENDING_IO | VF_FLAG_IRP_LOGGING | VF_FLAG_INVARIANT_MDL_STACK |                \
     VF_FLAG_INVARIANT_MDL_DRIVER)

_Static_assert((VF_FLAGS_STANDARD & ~VF_FLAGS_KNOWN) == 0, "standard bits are documented");
_Static_assert((VF_FLAGS_VOLATILE & ~VF_FLAGS_KNOWN) == 0, "volatile bits are documented");
_Static_assert((VF_OPTIONS_EXTRA & VF_FLAGS_KNOWN) == 0, "VF_OPTION_* bits are no /flags bit");

/* The rule class of the additional IRQL rules (no /flags bit). */
#define VF_RULE_CLASS_DDI_IRQL_ADDITIONAL 35u

#define VF_FAULTS_PROBABILITY_MAX 10000u /* in 10,000 */
#define VF_FAULTS_VALUE_COUNT     4u     /* Probability PoolTags Applications DelayMins */
#define VF_POOL_TAG_MAX_CHARS     4u
#define VF_RULE_CLASS_DIF_MODE    36u
#define VF_IOLEVEL_MAX            2u

#define VF_NOTE_MAX_BYTES 128u /* an `unsimulated` phrase */

/* ------------------------------------------------------------------------ */
/* Rule classes                                                             */
/* ------------------------------------------------------------------------ */

/*
 * (id, /flags bit or 0, can start at once with /dif /now, name when there is
 * no flag bit to name it). The /now column is the union of the two Windows 11
 * tables (one marks class 2 "no", the other "(^)"; 35 appears in one only).
 */
#define VF_RULE_CLASS_TABLE(X)                                                                     \
    X(1, VF_FLAG_SPECIAL_POOL, true, NULL)                                                         \
    X(2, VF_FLAG_FORCE_IRQL_CHECKING, true, NULL)                                                  \
    X(3, VF_FLAG_LOW_RESOURCES, false, NULL)                                                       \
    X(4, VF_FLAG_POOL_TRACKING, true, NULL)                                                        \
    X(5, VF_FLAG_IO_VERIFICATION, true, NULL)                                                      \
    X(6, VF_FLAG_DEADLOCK_DETECTION, false, NULL)                                                  \
    X(8, VF_FLAG_DMA_CHECKING, false, NULL)                                                        \
    X(9, VF_FLAG_SECURITY_CHECKS, true, NULL)                                                      \
    X(10, VF_FLAG_FORCE_PENDING_IO, false, NULL)                                                   \
    X(11, VF_FLAG_IRP_LOGGING, false, NULL)                                                        \
    X(12, VF_FLAG_MISC_CHECKS, true, NULL)                                                         \
    X(14, VF_FLAG_INVARIANT_MDL_STACK, false, NULL)                                                \
    X(15, VF_FLAG_INVARIANT_MDL_DRIVER, false, NULL)                                               \
    X(16, VF_FLAG_POWER_DELAY_FUZZING, false, NULL)                                                \
    X(17, VF_FLAG_PORT_MINIPORT, false, NULL)                                                      \
    X(18, VF_FLAG_DDI_COMPLIANCE, true, NULL)                                                      \
    X(19, VF_FLAG_SYSTEMATIC_LOW_RESOURCES, true, NULL)                                            \
    X(20, VF_FLAG_DDI_COMPLIANCE_ADDITIONAL, true, NULL)                                           \
    X(22, VF_FLAG_NDIS_WIFI, false, NULL)                                                          \
    X(24, VF_FLAG_KERNEL_SYNC_DELAY_FUZZING, false, NULL)                                          \
    X(25, VF_FLAG_VM_SWITCH, false, NULL)                                                          \
    X(26, VF_FLAG_CODE_INTEGRITY, false, NULL)                                                     \
    X(33, 0u, false, "Driver isolation checks")                                                    \
    X(34, 0u, false, "WDF verification")                                                           \
    X(35, 0u, true, "DDI checking (additional IRQL rules)")                                        \
    X(36, 0u, true, "DIF mode")                                                                    \
    X(37, 0u, false, "File system filter verification")

typedef struct vf_rule_class {
    uint32_t id;
    uint32_t flag;    /* the /flags bit it stands for, 0 if none */
    bool now_capable; /* may be started without reboot by /dif ... /now */
    const char *name; /* only for classes without a flag bit */
} vf_rule_class;

static const vf_rule_class vf_rule_classes[] = {
#define VF_RULE_CLASS_ROW(id_, flag_, now_, name_)                                                 \
    {.id = id_, .flag = flag_, .now_capable = now_, .name = name_},
    VF_RULE_CLASS_TABLE(VF_RULE_CLASS_ROW)
#undef VF_RULE_CLASS_ROW
};

#define VF_RULE_CLASS_COUNT (sizeof vf_rule_classes / sizeof vf_rule_classes[0])

/* Class ids fit a 64-bit set (the parser tracks /dif classes that way). */
#define VF_RULE_CLASS_ID_MAX 63u

static const vf_rule_class *vf_rule_class_find(uint32_t id)
{
    for (size_t i = 0; i < VF_RULE_CLASS_COUNT; i++) {
        if (vf_rule_classes[i].id == id) {
            DES_CHECK(id <= VF_RULE_CLASS_ID_MAX);
            return &vf_rule_classes[i];
        }
    }
    return NULL;
}

static const char *vf_rule_class_name(const vf_rule_class *rc)
{
    return rc->flag != 0 ? vf_flag_name(rc->flag) : rc->name;
}

const char *vf_flag_name(uint32_t bit)
{
    switch (bit) {
#define VF_FLAG_CASE(name, value, text)                                                            \
    case value:                                                                                    \
        return text;
        VF_FLAG_TABLE(VF_FLAG_CASE)
#undef VF_FLAG_CASE
    default:
        return NULL;
    }
}

const char *vf_option_name(uint32_t bit, char *switch_text, size_t len)
{
    const char *name = vf_flag_name(bit);
    const char *sw = NULL;
    char flags[24];
    if (bit == VF_OPTION_DDI_IRQL_ADDITIONAL) {
        name = "DDI checking (additional IRQL rules)";
        sw = "/ruleclasses 35";
    } else if (bit == VF_OPTION_SDV_RULES) {
        name = "Static Driver Verifier rules at run time (drvsim)";
        sw = "/sdv";
    } else if (bit == VF_OPTION_RACES) {
        name = "Data race detection (drvsim)";
        sw = "/races";
    } else if (name != NULL) {
        snprintf(flags, sizeof flags, "/flags 0x%X", (unsigned)bit);
        sw = flags;
    }
    if (switch_text != NULL && len > 0)
        snprintf(switch_text, len, "%s", sw != NULL ? sw : "");
    return name;
}

/* ------------------------------------------------------------------------ */
/* Name lists                                                               */
/* ------------------------------------------------------------------------ */

static bool vf_names_push(vf_names *names, const char *text, size_t len)
{
    DES_CHECK(names != NULL && text != NULL);
    if (names->count >= SIZE_MAX / sizeof(char *) - 1 || len == SIZE_MAX) {
        return false;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    char **items = realloc(names->items, (names->count + 1) * sizeof *items);
    if (items == NULL) {
        free(copy);
        return false;
    }
    items[names->count++] = copy;
    names->items = items;
    return true;
}

void vf_names_free(vf_names *names)
{
    DES_CHECK(names != NULL);
    DES_CHECK(names->count == 0 || names->items != NULL);
    for (size_t i = 0; i < names->count; i++) {
        free(names->items[i]);
    }
    free(names->items);
    names->items = NULL;
    names->count = 0;
}

/* dst must be empty. On failure dst is left empty. */
static bool vf_names_copy(vf_names *dst, const vf_names *src)
{
    DES_CHECK(dst->count == 0 && dst->items == NULL);
    for (size_t i = 0; i < src->count; i++) {
        if (!vf_names_push(dst, src->items[i], strlen(src->items[i]))) {
            vf_names_free(dst);
            return false;
        }
    }
    return true;
}

/* Windows compares image names without regard to case; ASCII folding is
 * enough for image names and does not depend on the host locale. */
static char vf_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool vf_equal_ci(const char *a, const char *b)
{
    DES_CHECK(a != NULL && b != NULL);
    while (*a != '\0' && vf_ascii_lower(*a) == vf_ascii_lower(*b)) {
        a++;
        b++;
    }
    return vf_ascii_lower(*a) == vf_ascii_lower(*b);
}

/* The index of `name` in the list (case-insensitive), or names->count. */
static size_t vf_names_find_ci(const vf_names *names, const char *name)
{
    for (size_t i = 0; i < names->count; i++) {
        if (vf_equal_ci(names->items[i], name)) {
            return i;
        }
    }
    return names->count;
}

static bool vf_names_contains(const vf_names *names, const char *name)
{
    for (size_t i = 0; i < names->count; i++) {
        if (strcmp(names->items[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static void vf_names_remove_at(vf_names *names, size_t index)
{
    DES_CHECK(index < names->count);
    free(names->items[index]);
    memmove(&names->items[index], &names->items[index + 1],
            (names->count - index - 1) * sizeof names->items[0]);
    names->count--;
    if (names->count == 0) {
        free(names->items);
        names->items = NULL;
    }
}

/* Adds `name` unless the list already holds it in any case. */
static bool vf_names_add_unique_ci(vf_names *names, const char *name)
{
    if (vf_names_find_ci(names, name) < names->count) {
        return true;
    }
    return vf_names_push(names, name, strlen(name));
}

/* ------------------------------------------------------------------------ */
/* Command-line splitting                                                   */
/* ------------------------------------------------------------------------ */

static bool vf_is_blank(char c)
{
    /* Windows separates on space and tab only; line breaks are accepted too
     * because scenarios may spread a long setting over a Lua long string. */
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool vf_cmdline_split(const char *cmdline, vf_names *args)
{
    DES_CHECK(cmdline != NULL && args != NULL);
    args->items = NULL;
    args->count = 0;

    /* Every output character consumes at least one input character, so one
     * buffer as long as the line holds any argument. */
    size_t line_len = strlen(cmdline);
    char *buf = malloc(line_len + 1);
    if (buf == NULL) {
        return false;
    }

    const char *p = cmdline;
    for (;;) {
        while (vf_is_blank(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        size_t n = 0;
        bool quoted = false;
        while (*p != '\0' && (quoted || !vf_is_blank(*p))) {
            if (*p == '\\') {
                size_t slashes = 0;
                while (*p == '\\') {
                    slashes++;
                    p++;
                }
                if (*p == '"') {
                    for (size_t i = 0; i < slashes / 2; i++) {
                        buf[n++] = '\\';
                    }
                    if (slashes % 2 == 1) { /* \" is a literal quote */
                        buf[n++] = '"';
                        p++;
                    } /* else the quote groups: handled on the next turn */
                } else {
                    for (size_t i = 0; i < slashes; i++) {
                        buf[n++] = '\\';
                    }
                }
                continue;
            }
            if (*p == '"') {
                if (quoted && p[1] == '"') { /* "" inside quotes: one literal quote */
                    buf[n++] = '"';
                    p += 2;
                } else {
                    quoted = !quoted;
                    p++;
                }
                continue;
            }
            buf[n++] = *p++;
        }
        DES_CHECK(n <= line_len);
        if (!vf_names_push(args, buf, n)) {
            free(buf);
            vf_names_free(args);
            return false;
        }
    }
    free(buf);
    return true;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                 */
/* ------------------------------------------------------------------------ */

/* An argument as messages show it: in double quotes, cut after
 * VF_QUOTE_MAX_CHARS, with quotes and control bytes escaped so that the
 * message stays on one line. Returns buf. */
const char *vf_quote(char buf[VF_QUOTE_BUF_BYTES], const char *arg)
{
    size_t n = 0;
    buf[n++] = '"';
    size_t i = 0;
    for (; arg[i] != '\0' && i < VF_QUOTE_MAX_CHARS; i++) {
        unsigned char c = (unsigned char)arg[i];
        if (c == '"') {
            buf[n++] = '\\';
            buf[n++] = '"';
        } else if (c < 0x20 || c >= 0x7F) {
            n += (size_t)snprintf(&buf[n], VF_QUOTE_BUF_BYTES - n, "\\x%02X", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    if (arg[i] != '\0') {
        memcpy(&buf[n], "...", 3);
        n += 3;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    DES_CHECK(n < VF_QUOTE_BUF_BYTES);
    return buf;
}

/* Writes "verifier: <message>" into err (if any). Returns false, so that a
 * failing step can `return vf_error(...)`. */
static DES_PRINTF(3, 4) bool vf_error(char *err, size_t err_len, const char *fmt, ...)
{
    if (err == NULL || err_len == 0) {
        return false;
    }
    int prefix = snprintf(err, err_len, "verifier: ");
    if (prefix < 0 || (size_t)prefix >= err_len) {
        return false;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + prefix, err_len - (size_t)prefix, fmt, ap);
    va_end(ap);
    return false;
}

/* "0x1000" or "0x1000, 0x100000" */
static void vf_format_bits(char *buf, size_t len, uint32_t bits, bool with_names)
{
    size_t n = 0;
    buf[0] = '\0';
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        if ((bits & bit) == 0) {
            continue;
        }
        const char *name = with_names ? vf_flag_name(bit) : NULL;
        int w = snprintf(buf + n, len - n, "%s0x%X%s%s%s", n > 0 ? ", " : "", bit, name ? " (" : "",
                         name ? name : "", name ? ")" : "");
        if (w < 0 || (size_t)w >= len - n) {
            return; /* cut: the message stays readable */
        }
        n += (size_t)w;
    }
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum vf_num_result {
    VF_NUM_OK,
    VF_NUM_BAD,   /* not a number */
    VF_NUM_RANGE, /* a number above UINT32_MAX */
} vf_num_result;

static int vf_digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decimal, 0x hex, 0o octal or 0b binary (verifier.exe's own help); no sign,
 * no spaces. A leading 0 without a letter is still decimal. */
static vf_num_result vf_parse_u32(const char *text, uint32_t *out)
{
    uint32_t base = 10;
    const char *p = text;
    if (p[0] == '0' && p[1] != '\0') {
        char prefix = vf_ascii_lower(p[1]);
        if (prefix == 'x' || prefix == 'o' || prefix == 'b') {
            base = prefix == 'x' ? 16u : prefix == 'o' ? 8u : 2u;
            p += 2;
        }
    }
    if (*p == '\0') {
        return VF_NUM_BAD;
    }
    uint64_t value = 0;
    bool too_big = false;
    for (; *p != '\0'; p++) {
        int digit = vf_digit_value(*p);
        if (digit < 0 || (uint32_t)digit >= base) {
            return VF_NUM_BAD;
        }
        value = value * base + (uint32_t)digit;
        if (value > UINT32_MAX) {
            too_big = true;
            value = UINT32_MAX; /* keep scanning: a later bad digit still makes it BAD */
        }
    }
    if (too_big) {
        return VF_NUM_RANGE;
    }
    *out = (uint32_t)value;
    return VF_NUM_OK;
}

/* ------------------------------------------------------------------------ */
/* The parser                                                               */
/* ------------------------------------------------------------------------ */

typedef struct vf_parser vf_parser;
typedef bool (*vf_switch_fn)(vf_parser *p, const char *sw);

/* (id, name, handler, may come with /volatile, a repeat is an error) */
#define VF_SWITCH_TABLE(X)                                                                         \
    X(STANDARD, "/standard", vf_sw_standard, true, false)                                          \
    X(FLAGS, "/flags", vf_sw_flags, true, false)                                                   \
    X(ALL, "/all", vf_sw_all, false, false)                                                        \
    X(DRIVER, "/driver", vf_sw_driver, false, false)                                               \
    X(DRIVER_EXCLUDE, "/driver.exclude", vf_sw_driver_exclude, false, false)                       \
    X(ADDDRIVER, "/adddriver", vf_sw_adddriver, true, false)                                       \
    X(REMOVEDRIVER, "/removedriver", vf_sw_removedriver, true, false)                              \
    X(RULECLASSES, "/ruleclasses", vf_sw_rule_classes, false, false)                               \
    X(RC, "/rc", vf_sw_rule_classes, false, false)                                                 \
    X(DIF, "/dif", vf_sw_dif, false, false)                                                        \
    X(NOW, "/now", vf_sw_note, false, false)                                                       \
    X(STOP, "/stop", vf_sw_note, false, false)                                                     \
    X(FAULTS, "/faults", vf_sw_faults, true, true)                                                 \
    X(FAULTSSYSTEMATIC, "/faultssystematic", vf_sw_faultssystematic, false, false)                 \
    X(VOLATILE, "/volatile", vf_sw_volatile, true, false)                                          \
    X(SDV, "/sdv", vf_sw_sdv, false, false)                                                        \
    X(RACES, "/races", vf_sw_races, false, false)                                                  \
    X(IOLEVEL, "/iolevel", vf_sw_iolevel, false, true)                                             \
    X(BOOTMODE, "/bootmode", vf_sw_bootmode, false, true)                                          \
    X(BC, "/bc", vf_sw_bc, false, true)                                                            \
    X(PERSISTTHROUGHUPGRADE, "/persistthroughupgrade", vf_sw_note, false, false)                   \
    X(RESET, "/reset", vf_sw_note, false, false)                                                   \
    X(RULES, "/rules", vf_sw_rules, false, false)                                                  \
    X(QUERY, "/query", vf_sw_note, false, false)                                                   \
    X(QUERYSETTINGS, "/querysettings", vf_sw_note, false, false)                                   \
    X(LOG, "/log", vf_sw_log, false, true)                                                         \
    X(INTERVAL, "/interval", vf_sw_interval, false, true)                                          \
    X(DOMAIN, "/domain", vf_sw_domain, false, true)                                                \
    X(LOGGING, "/logging", vf_sw_note, false, false)                                               \
    X(LIVEDUMP, "/livedump", vf_sw_note, false, false)                                             \
    X(ONECHECK, "/onecheck", vf_sw_note, false, false)                                             \
    X(HELP, "/help", vf_sw_note, false, false)                                                     \
    X(QUESTION, "/?", vf_sw_note, false, false)

enum {
#define VF_SWITCH_ENUM(id, name, fn, volatile_ok, once) VF_SW_##id,
    VF_SWITCH_TABLE(VF_SWITCH_ENUM)
#undef VF_SWITCH_ENUM
        VF_SW_COUNT
};

struct vf_parser {
    vf_settings *s;
    const vf_names *args;
    size_t next; /* index of the next argument to read */
    char *err;
    size_t err_len;
    uint32_t seen[VF_SW_COUNT]; /* occurrences of each switch */
    uint32_t explicit_flags;    /* bits given with /flags (not /standard, /rc, /faults) */
    uint64_t dif_classes;       /* bit n: rule class n came from /dif */
};

#define VF_FAIL(p, ...) vf_error((p)->err, (p)->err_len, __VA_ARGS__)

static bool vf_oom(vf_parser *p)
{
    return VF_FAIL(p, "out of memory");
}

/* The next argument if it is a value (not a switch), else NULL. */
static const char *vf_peek_value(const vf_parser *p)
{
    if (p->next < p->args->count && p->args->items[p->next][0] != '/') {
        return p->args->items[p->next];
    }
    return NULL;
}

static const char *vf_take_value(vf_parser *p)
{
    const char *value = vf_peek_value(p);
    if (value != NULL) {
        p->next++;
    }
    return value;
}

/* Records an `unsimulated` phrase once. */
static DES_PRINTF(2, 3) bool vf_note(vf_parser *p, const char *fmt, ...)
{
    char phrase[VF_NOTE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(phrase, sizeof phrase, fmt, ap);
    va_end(ap);
    if (vf_names_contains(&p->s->unsimulated, phrase)) {
        return true;
    }
    return vf_names_push(&p->s->unsimulated, phrase, strlen(phrase)) || vf_oom(p);
}

/* Parses `text` as a number in [min, max]; `what` (may be NULL) names the
 * value in messages when a switch takes several. */
static bool vf_number(vf_parser *p, const char *sw, const char *what, const char *text,
                      uint32_t min, uint32_t max, uint32_t *out)
{
    char q[VF_QUOTE_BUF_BYTES];
    uint32_t value = 0;
    vf_num_result r = vf_parse_u32(text, &value);
    if (r == VF_NUM_BAD) {
        return VF_FAIL(p, "%s: %s%s%s is not a number", sw, what ? what : "", what ? " " : "",
                       vf_quote(q, text));
    }
    if (r == VF_NUM_RANGE || value < min || value > max) {
        return VF_FAIL(p, "%s: %s%s%s is out of range (%u to %u)", sw, what ? what : "",
                       what ? " " : "", vf_quote(q, text), min, max);
    }
    *out = value;
    return true;
}

/* A switch that takes exactly one value. */
static const char *vf_need_value(vf_parser *p, const char *sw, const char *what)
{
    const char *value = vf_take_value(p);
    if (value == NULL) {
        VF_FAIL(p, "%s needs %s", sw, what);
    }
    return value;
}

/* ---- what to verify ---- */

static bool vf_sw_standard(vf_parser *p, const char *sw)
{
    (void)sw;
    p->s->flags |= VF_FLAGS_STANDARD;
    p->s->flags_given = true;
    p->s->standard = true;
    return true;
}

static bool vf_sw_flags(vf_parser *p, const char *sw)
{
    const char *text = vf_take_value(p);
    if (text == NULL) {
        return VF_FAIL(p, "%s needs one or more option values", sw);
    }
    do {
        uint32_t value = 0;
        if (!vf_number(p, sw, NULL, text, 0, UINT32_MAX, &value)) {
            return false;
        }
        uint32_t unknown = value & ~VF_FLAGS_KNOWN;
        if (unknown != 0) {
            char q[VF_QUOTE_BUF_BYTES];
            char bits[400];
            vf_format_bits(bits, sizeof bits, unknown, false);
            return VF_FAIL(p, "%s: %s sets bit%s %s, for which no option is documented", sw,
                           vf_quote(q, text), (unknown & (unknown - 1)) ? "s" : "", bits);
        }
        p->s->flags |= value;
        p->explicit_flags |= value;
    } while ((text = vf_take_value(p)) != NULL);
    p->s->flags_given = true;
    return true;
}

static bool vf_sw_all(vf_parser *p, const char *sw)
{
    (void)sw;
    p->s->all_drivers = true;
    return true;
}

/* /driver, /driver.exclude, /adddriver, /removedriver: one or more image
 * names, never wildcards (verifier.exe refuses n*.sys). */
static bool vf_driver_list(vf_parser *p, const char *sw, vf_names *list)
{
    const char *name = vf_take_value(p);
    if (name == NULL) {
        return VF_FAIL(p, "%s needs one or more driver names", sw);
    }
    do {
        char q[VF_QUOTE_BUF_BYTES];
        if (name[0] == '\0') {
            return VF_FAIL(p, "%s: %s is not a driver name", sw, vf_quote(q, name));
        }
        if (strpbrk(name, "*?") != NULL) {
            return VF_FAIL(p, "%s: %s: wildcards are not accepted in driver names", sw,
                           vf_quote(q, name));
        }
        if (!vf_names_add_unique_ci(list, name)) {
            return vf_oom(p);
        }
    } while ((name = vf_take_value(p)) != NULL);
    return true;
}

static bool vf_sw_driver(vf_parser *p, const char *sw)
{
    return vf_driver_list(p, sw, &p->s->drivers);
}

static bool vf_sw_driver_exclude(vf_parser *p, const char *sw)
{
    return vf_driver_list(p, sw, &p->s->excluded);
}

static bool vf_sw_adddriver(vf_parser *p, const char *sw)
{
    return vf_driver_list(p, sw, &p->s->drivers);
}

static bool vf_sw_removedriver(vf_parser *p, const char *sw)
{
    return vf_driver_list(p, sw, &p->s->removed);
}

static bool vf_add_rule_class(vf_parser *p, const char *sw, const char *text, bool from_dif)
{
    uint32_t id = 0;
    if (!vf_number(p, sw, NULL, text, 0, UINT32_MAX, &id)) {
        return false;
    }
    const vf_rule_class *rc = vf_rule_class_find(id);
    if (rc == NULL) {
        char q[VF_QUOTE_BUF_BYTES];
        return VF_FAIL(p, "%s: %s is not a rule class", sw, vf_quote(q, text));
    }
    vf_settings *s = p->s;
    s->flags |= rc->flag;
    if (from_dif) {
        p->dif_classes |= UINT64_C(1) << id;
    }
    for (size_t i = 0; i < s->rule_class_count; i++) {
        if (s->rule_classes[i] == id) {
            return true;
        }
    }
    uint32_t *classes = realloc(s->rule_classes, (s->rule_class_count + 1) * sizeof *classes);
    if (classes == NULL) {
        return vf_oom(p);
    }
    classes[s->rule_class_count++] = id;
    s->rule_classes = classes;
    if (id == VF_RULE_CLASS_DDI_IRQL_ADDITIONAL) {
        s->options |= VF_OPTION_DDI_IRQL_ADDITIONAL; /* simulated: ddi_rules.spec */
        return true;
    }
    if (rc->flag == 0) {
        return vf_note(p, "rule class %u (%s)", id, vf_rule_class_name(rc));
    }
    return true;
}

static bool vf_sw_rule_classes(vf_parser *p, const char *sw)
{
    const char *text = vf_take_value(p);
    if (text == NULL) {
        return VF_FAIL(p, "%s needs one or more rule class ids", sw);
    }
    do {
        if (!vf_add_rule_class(p, sw, text, false)) {
            return false;
        }
    } while ((text = vf_take_value(p)) != NULL);
    return true;
}

static bool vf_sw_dif(vf_parser *p, const char *sw)
{
    const char *text;
    while ((text = vf_take_value(p)) != NULL) {
        if (!vf_add_rule_class(p, sw, text, true)) {
            return false;
        }
    }
    /* "The /dif command automatically includes rule class 36, DIF mode." */
    char id[8];
    snprintf(id, sizeof id, "%u", VF_RULE_CLASS_DIF_MODE);
    return vf_add_rule_class(p, sw, id, false);
}

/* ---- low resources simulation ---- */

/* Splits one quoted argument of space-separated words into `list`; `is_tag`
 * checks each word as a pool tag pattern. */
static bool vf_word_list(vf_parser *p, const char *sw, const char *text, vf_names *list,
                         bool is_tag)
{
    const char *w = text;
    for (;;) {
        while (*w == ' ' || *w == '\t') {
            w++;
        }
        if (*w == '\0') {
            return true;
        }
        size_t len = strcspn(w, " \t");
        if (is_tag) {
            bool printable = true;
            for (size_t i = 0; i < len; i++) {
                printable = printable && w[i] > 0x20 && w[i] < 0x7F;
            }
            if (len > VF_POOL_TAG_MAX_CHARS || !printable) {
                char word[VF_QUOTE_MAX_CHARS + 1];
                char q[VF_QUOTE_BUF_BYTES];
                size_t shown = len < VF_QUOTE_MAX_CHARS ? len : VF_QUOTE_MAX_CHARS;
                memcpy(word, w, shown);
                word[shown] = '\0';
                return VF_FAIL(p,
                               "%s: pool tag %s is not 1 to 4 printable characters "
                               "(* and ? may stand for others)",
                               sw, vf_quote(q, word));
            }
        }
        if (!vf_names_push(list, w, len)) {
            return vf_oom(p);
        }
        w += len;
    }
}

static bool vf_sw_faults(vf_parser *p, const char *sw)
{
    vf_settings *s = p->s;
    s->faults_given = true;
    s->flags |= VF_FLAG_LOW_RESOURCES; /* "/faults can replace /flags 0x4" */
    for (uint32_t i = 0; i < VF_FAULTS_VALUE_COUNT; i++) {
        const char *text = vf_take_value(p);
        if (text == NULL) {
            return true;
        }
        if (text[0] == '\0') {
            continue; /* "" keeps the default of that position */
        }
        bool ok = true;
        switch (i) {
        case 0:
            ok = vf_number(p, sw, "probability", text, 1, VF_FAULTS_PROBABILITY_MAX,
                           &s->faults_probability);
            break;
        case 1:
            ok = vf_word_list(p, sw, text, &s->faults_tags, true);
            break;
        case 2:
            ok = vf_word_list(p, sw, text, &s->faults_apps, false);
            break;
        default:
            ok = vf_number(p, sw, "delay", text, 0, UINT32_MAX, &s->faults_delay_mins);
            break;
        }
        if (!ok) {
            return false;
        }
    }
    const char *extra = vf_peek_value(p);
    if (extra != NULL) {
        char q[VF_QUOTE_BUF_BYTES];
        return VF_FAIL(p,
                       "%s: unexpected fifth value %s (the values are Probability PoolTags "
                       "Applications DelayMins; quote lists)",
                       sw, vf_quote(q, extra));
    }
    return true;
}

static bool vf_sw_faultssystematic(vf_parser *p, const char *sw)
{
    static const char *const plain[] = {
        "enableboottime",  "disableboottime",  "recordboottime", "resetboottime",
        "enableruntime",   "disableruntime",   "recordruntime",  "resetruntime",
        "querystatistics", "incrementcounter",
    };
    const char *option = vf_take_value(p);
    if (option == NULL) {
        return vf_note(p, "%s", sw);
    }
    do {
        bool known = false;
        for (size_t i = 0; i < sizeof plain / sizeof plain[0] && !known; i++) {
            if (vf_equal_ci(option, plain[i])) {
                known = true;
                if (!vf_note(p, "%s %s", sw, plain[i])) {
                    return false;
                }
            }
        }
        if (known) {
            continue;
        }
        if (vf_equal_ci(option, "getstackid")) {
            const char *text = vf_need_value(p, "/faultssystematic getstackid", "a COUNTER");
            uint32_t counter = 0;
            if (text == NULL || !vf_number(p, sw, "getstackid", text, 0, UINT32_MAX, &counter)) {
                return false;
            }
            if (!vf_note(p, "%s getstackid %u", sw, counter)) {
                return false;
            }
        } else if (vf_equal_ci(option, "excludestack")) {
            /* The STACKID's form is not documented; it is not interpreted. */
            const char *id = vf_need_value(p, "/faultssystematic excludestack", "a STACKID");
            if (id == NULL) {
                return false;
            }
            if (!vf_note(p, "%s excludestack", sw)) {
                return false;
            }
        } else {
            char q[VF_QUOTE_BUF_BYTES];
            return VF_FAIL(p, "%s: %s is not an option", sw, vf_quote(q, option));
        }
    } while ((option = vf_take_value(p)) != NULL);
    return true;
}

/* ---- /volatile and the old /iolevel ---- */

static bool vf_sw_volatile(vf_parser *p, const char *sw)
{
    (void)sw;
    p->s->is_volatile = true;
    return true;
}

/* drvsim's own switch, not verifier.exe's: Static Driver Verifier's rules
 * that Windows checks only statically, checked at run time
 * (sim/vf/ddi_rules.spec, option sdv). */
static bool vf_sw_sdv(vf_parser *p, const char *sw)
{
    (void)sw;
    p->s->options |= VF_OPTION_SDV_RULES;
    return true;
}

/* drvsim's own switch: the happens-before race detector (vf/race.h). */
static bool vf_sw_races(vf_parser *p, const char *sw)
{
    (void)sw;
    p->s->options |= VF_OPTION_RACES;
    return true;
}

static bool vf_sw_iolevel(vf_parser *p, const char *sw)
{
    const char *text = vf_need_value(p, sw, "a level (1 or 2)");
    return text != NULL && vf_number(p, sw, NULL, text, 1, VF_IOLEVEL_MAX, &p->s->iolevel);
}

/* ---- valid, but not settings of the simulated machine ---- */

static bool vf_sw_note(vf_parser *p, const char *sw)
{
    return vf_note(p, "%s", sw);
}

/* A value that must be one of `words` (case-insensitive); returns its
 * canonical spelling, or NULL after an error. */
static const char *vf_one_of(vf_parser *p, const char *sw, const char *text,
                             const char *const *words, size_t count, const char *expected)
{
    for (size_t i = 0; i < count; i++) {
        if (vf_equal_ci(text, words[i])) {
            return words[i];
        }
    }
    char q[VF_QUOTE_BUF_BYTES];
    VF_FAIL(p, "%s: %s is not %s", sw, vf_quote(q, text), expected);
    return NULL;
}

static bool vf_sw_bootmode(vf_parser *p, const char *sw)
{
    static const char *const modes[] = {
        "persistent", "resetonbootfail",        "disableafterfail",
        "oneboot",    "resetonunusualshutdown", "rous",
    };
    static const char expected[] =
        "persistent, resetonbootfail, disableafterfail, oneboot, resetonunusualshutdown or rous";
    const char *text = vf_need_value(p, sw, "a mode");
    if (text == NULL) {
        return false;
    }
    const char *mode = vf_one_of(p, sw, text, modes, sizeof modes / sizeof modes[0], expected);
    return mode != NULL && vf_note(p, "%s %s", sw, mode);
}

static bool vf_sw_bc(vf_parser *p, const char *sw)
{
    const char *text = vf_need_value(p, sw, "a number of reboots");
    uint32_t reboots = 0;
    return text != NULL && vf_number(p, sw, NULL, text, 1, UINT32_MAX, &reboots) &&
           vf_note(p, "%s %u", sw, reboots);
}

static bool vf_sw_rules(vf_parser *p, const char *sw)
{
    static const char *const options[] = {"query", "reset", "default", "disable"};
    const char *text = vf_need_value(p, sw, "query, reset, default ID or disable ID");
    if (text == NULL) {
        return false;
    }
    const char *option = vf_one_of(p, sw, text, options, sizeof options / sizeof options[0],
                                   "query, reset, default or disable");
    if (option == NULL) {
        return false;
    }
    if (option == options[0] || option == options[1]) {
        return vf_note(p, "%s %s", sw, option);
    }
    /* The ID is the 0xC4 P1 value of the rule. */
    const char *id_text = vf_take_value(p);
    if (id_text == NULL) {
        return VF_FAIL(p, "%s %s needs a rule ID", sw, option);
    }
    uint32_t id = 0;
    return vf_number(p, sw, "rule ID", id_text, 0, UINT32_MAX, &id) &&
           vf_note(p, "%s %s 0x%X", sw, option, id);
}

static bool vf_sw_log(vf_parser *p, const char *sw)
{
    const char *file = vf_need_value(p, sw, "a log file name");
    if (file == NULL) {
        return false;
    }
    if (file[0] == '\0') {
        char q[VF_QUOTE_BUF_BYTES];
        return VF_FAIL(p, "%s: %s is not a file name", sw, vf_quote(q, file));
    }
    return vf_note(p, "%s", sw);
}

static bool vf_sw_interval(vf_parser *p, const char *sw)
{
    /* Part of /log (checked once all switches are read); not noted apart. */
    const char *text = vf_need_value(p, sw, "a number of seconds");
    uint32_t seconds = 0;
    return text != NULL && vf_number(p, sw, NULL, text, 1, UINT32_MAX, &seconds);
}

static bool vf_sw_domain(vf_parser *p, const char *sw)
{
    static const char *const types[] = {"wdm", "ndis", "ks", "audio"};
    static const char *const options[] = {"rules.default", "rules.all"};
    const char *text = vf_need_value(p, sw, "a type (wdm, ndis, ks or audio)");
    if (text == NULL) {
        return false;
    }
    const char *type =
        vf_one_of(p, sw, text, types, sizeof types / sizeof types[0], "wdm, ndis, ks or audio");
    if (type == NULL) {
        return false;
    }
    text = vf_take_value(p);
    if (text == NULL) {
        return vf_note(p, "%s %s", sw, type);
    }
    const char *option = vf_one_of(p, sw, text, options, sizeof options / sizeof options[0],
                                   "rules.default or rules.all");
    return option != NULL && vf_note(p, "%s %s %s", sw, type, option);
}

/* ---- the table and the loop ---- */

typedef struct vf_switch {
    const char *name; /* lower case, with its slash */
    vf_switch_fn parse;
    bool volatile_ok; /* may come with /volatile */
    bool once;        /* a second occurrence is an error */
} vf_switch;

static const vf_switch vf_switches[VF_SW_COUNT] = {
#define VF_SWITCH_ROW(id, name_, fn, volatile_ok_, once_)                                          \
    [VF_SW_##id] = {.name = name_, .parse = fn, .volatile_ok = volatile_ok_, .once = once_},
    VF_SWITCH_TABLE(VF_SWITCH_ROW)
#undef VF_SWITCH_ROW
};

static int vf_switch_find(const char *arg)
{
    for (int i = 0; i < VF_SW_COUNT; i++) {
        if (vf_equal_ci(arg, vf_switches[i].name)) {
            return i;
        }
    }
    return -1;
}

/* Rules that involve more than one switch, checked once all are read. */
static bool vf_finish(vf_parser *p)
{
    vf_settings *s = p->s;
    const uint32_t *seen = p->seen;

    if (seen[VF_SW_INTERVAL] && !seen[VF_SW_LOG]) {
        return VF_FAIL(p, "/interval is only valid after /log FILE");
    }
    if (seen[VF_SW_NOW]) {
        if (!seen[VF_SW_DIF]) {
            return VF_FAIL(p, "/now is only valid with /dif");
        }
        for (uint32_t id = 0; id <= VF_RULE_CLASS_ID_MAX; id++) {
            const vf_rule_class *rc = (p->dif_classes >> id) & 1u ? vf_rule_class_find(id) : NULL;
            if (rc != NULL && !rc->now_capable) {
                return VF_FAIL(p, "/dif /now: rule class %u (%s) cannot start without a reboot", id,
                               vf_rule_class_name(rc));
            }
        }
    }
    if (!s->is_volatile) {
        if (seen[VF_SW_ADDDRIVER]) {
            return VF_FAIL(p, "\"/adddriver\" is only valid with /volatile (or use /driver)");
        }
        if (seen[VF_SW_REMOVEDRIVER]) {
            return VF_FAIL(p, "\"/removedriver\" is only valid with /volatile");
        }
        if (s->all_drivers && seen[VF_SW_DRIVER]) {
            return VF_FAIL(p, "\"/all\" and \"/driver\" cannot be combined "
                              "(use /all /driver.exclude NAME to leave drivers out)");
        }
        if (seen[VF_SW_DRIVER_EXCLUDE] && !s->all_drivers) {
            return VF_FAIL(p, "\"/driver.exclude\" is only valid with /all");
        }
    } else {
        for (int i = 0; i < VF_SW_COUNT; i++) {
            if (seen[i] && !vf_switches[i].volatile_ok) {
                return VF_FAIL(p, "/volatile cannot be combined with \"%s\"%s", vf_switches[i].name,
                               i == VF_SW_DRIVER ? " (use /adddriver)" : "");
            }
        }
        if (!seen[VF_SW_FLAGS] && !seen[VF_SW_STANDARD] && !seen[VF_SW_ADDDRIVER] &&
            !seen[VF_SW_REMOVEDRIVER] && !seen[VF_SW_FAULTS]) {
            return VF_FAIL(p, "/volatile needs /flags, /standard, /adddriver, /removedriver or "
                              "/faults");
        }
        uint32_t fixed = p->explicit_flags & ~VF_FLAGS_VOLATILE;
        if (fixed != 0) {
            char bits[600];
            vf_format_bits(bits, sizeof bits, fixed, true);
            return VF_FAIL(p, "/volatile /flags: %s cannot change without a reboot", bits);
        }
        /* /volatile /standard is documented (Windows 8.1, 10); DDI compliance,
         * part of /standard, is documented as never volatile, so it stays out. */
        s->flags &= VF_FLAGS_VOLATILE;
    }
    if ((s->flags & VF_FLAGS_NEED_IO) != 0) {
        s->flags |= VF_FLAG_IO_VERIFICATION;
    }
    return true;
}

static bool vf_parse_args(vf_parser *p)
{
    while (p->next < p->args->count) {
        const char *arg = p->args->items[p->next++];
        char q[VF_QUOTE_BUF_BYTES];
        if (arg[0] != '/') {
            /* Not documented for verifier.exe (every page and its own help
             * write /), so "-flags" is refused, but with a helpful word. */
            if (arg[0] == '-') {
                char slashed[VF_QUOTE_MAX_CHARS + 2] = "/";
                strncat(slashed, arg + 1, VF_QUOTE_MAX_CHARS);
                if (vf_switch_find(slashed) >= 0) {
                    return VF_FAIL(p, "%s: verifier.exe switches start with /, not -",
                                   vf_quote(q, arg));
                }
            }
            if (p->next == 1 &&
                (vf_equal_ci(arg, "verifier") || vf_equal_ci(arg, "verifier.exe"))) {
                return VF_FAIL(p, "unexpected argument %s (leave out the program name)",
                               vf_quote(q, arg));
            }
            return VF_FAIL(p, "unexpected argument %s (values follow the switch they belong to)",
                           vf_quote(q, arg));
        }
        int index = vf_switch_find(arg);
        if (index < 0) {
            return VF_FAIL(p, "%s is not a verifier.exe switch", vf_quote(q, arg));
        }
        const vf_switch *sw = &vf_switches[index];
        if (sw->once && p->seen[index] > 0) {
            return VF_FAIL(p, "\"%s\" is given twice", sw->name);
        }
        p->seen[index]++;
        if (!sw->parse(p, sw->name)) {
            return false;
        }
    }
    return vf_finish(p);
}

/* ------------------------------------------------------------------------ */
/* Public functions                                                         */
/* ------------------------------------------------------------------------ */

void vf_settings_init(vf_settings *s)
{
    DES_CHECK(s != NULL);
    memset(s, 0, sizeof *s);
    s->faults_probability = VF_FAULTS_DEFAULT_PROBABILITY;
    s->faults_delay_mins = VF_FAULTS_DEFAULT_DELAY_MINS;
    s->iolevel = VF_IOLEVEL_DEFAULT;
}

/* Leaves `s` as vf_settings_init does, so it can be freed again or reused. */
void vf_settings_free(vf_settings *s)
{
    DES_CHECK(s != NULL);
    vf_names_free(&s->drivers);
    vf_names_free(&s->excluded);
    vf_names_free(&s->removed);
    vf_names_free(&s->faults_tags);
    vf_names_free(&s->faults_apps);
    vf_names_free(&s->unsimulated);
    free(s->rule_classes);
    vf_settings_init(s);
}

/* dst is overwritten, not freed first. On failure it is left as after
 * vf_settings_init. */
bool vf_settings_copy(vf_settings *dst, const vf_settings *src)
{
    DES_CHECK(dst != NULL && src != NULL && dst != src);
    *dst = *src;
    vf_names *lists[] = {&dst->drivers,     &dst->excluded,    &dst->removed,
                         &dst->faults_tags, &dst->faults_apps, &dst->unsimulated};
    const vf_names *sources[] = {&src->drivers,     &src->excluded,    &src->removed,
                                 &src->faults_tags, &src->faults_apps, &src->unsimulated};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        lists[i]->items = NULL;
        lists[i]->count = 0;
    }
    dst->rule_classes = NULL;
    dst->rule_class_count = 0;

    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (!vf_names_copy(lists[i], sources[i])) {
            vf_settings_free(dst);
            return false;
        }
    }
    if (src->rule_class_count > 0) {
        dst->rule_classes = malloc(src->rule_class_count * sizeof *dst->rule_classes);
        if (dst->rule_classes == NULL) {
            vf_settings_free(dst);
            return false;
        }
        memcpy(dst->rule_classes, src->rule_classes,
               src->rule_class_count * sizeof *dst->rule_classes);
        dst->rule_class_count = src->rule_class_count;
    }
    return true;
}

/* `s` need not be initialised: it is overwritten (not freed first). */
bool vf_settings_parse(vf_settings *s, const char *cmdline, char *err, size_t err_len)
{
    DES_CHECK(s != NULL && cmdline != NULL);
    vf_settings_init(s);
    if (err != NULL && err_len > 0) {
        err[0] = '\0';
    }
    if (strlen(cmdline) > VF_CMDLINE_MAX_CHARS) {
        return vf_error(err, err_len, "the command line is longer than %u characters",
                        VF_CMDLINE_MAX_CHARS);
    }
    vf_names args;
    if (!vf_cmdline_split(cmdline, &args)) {
        return vf_error(err, err_len, "out of memory");
    }
    vf_parser p = {.s = s, .args = &args, .err = err, .err_len = err_len};
    bool ok = vf_parse_args(&p);
    vf_names_free(&args);
    return ok;
}

/* Applies `change` to `tmp` (a copy of the settings in force). */
static bool vf_apply_volatile_to(vf_settings *tmp, const vf_settings *change, char *err,
                                 size_t err_len)
{
    if (change->flags_given) {
        /* Only the bits /volatile can change are replaced; the others keep
         * what was set at boot, as on Windows. */
        tmp->flags = (tmp->flags & ~VF_FLAGS_VOLATILE) | (change->flags & VF_FLAGS_VOLATILE);
        tmp->flags_given = true;
        tmp->standard = change->standard;
    }
    for (size_t i = 0; i < change->drivers.count; i++) {
        const char *name = change->drivers.items[i];
        size_t at = vf_names_find_ci(&tmp->excluded, name);
        if (at < tmp->excluded.count) {
            vf_names_remove_at(&tmp->excluded, at);
        }
        if (!tmp->all_drivers && !vf_names_add_unique_ci(&tmp->drivers, name)) {
            return vf_error(err, err_len, "out of memory");
        }
    }
    for (size_t i = 0; i < change->removed.count; i++) {
        const char *name = change->removed.items[i];
        size_t at = vf_names_find_ci(&tmp->drivers, name);
        bool verified = vf_settings_verifies(tmp, name);
        if (at < tmp->drivers.count) {
            vf_names_remove_at(&tmp->drivers, at);
        }
        if (tmp->all_drivers && verified && !vf_names_add_unique_ci(&tmp->excluded, name)) {
            return vf_error(err, err_len, "out of memory");
        }
        if (!verified) {
            char q[VF_QUOTE_BUF_BYTES];
            return vf_error(err, err_len, "/removedriver: %s is not being verified",
                            vf_quote(q, name));
        }
    }
    if (change->faults_given) {
        vf_names tags = {0};
        vf_names apps = {0};
        if (!vf_names_copy(&tags, &change->faults_tags) ||
            !vf_names_copy(&apps, &change->faults_apps)) {
            vf_names_free(&tags);
            return vf_error(err, err_len, "out of memory");
        }
        vf_names_free(&tmp->faults_tags);
        vf_names_free(&tmp->faults_apps);
        tmp->faults_tags = tags;
        tmp->faults_apps = apps;
        tmp->faults_given = true;
        tmp->faults_probability = change->faults_probability;
        tmp->faults_delay_mins = change->faults_delay_mins;
        tmp->flags |= VF_FLAG_LOW_RESOURCES;
    }
    if ((tmp->flags & VF_FLAGS_NEED_IO) != 0) {
        tmp->flags |= VF_FLAG_IO_VERIFICATION;
    }
    return true;
}

/* All or nothing: on failure `current` is unchanged. The caller refuses a
 * /removedriver of a loaded driver before calling (Windows does). */
bool vf_settings_apply_volatile(vf_settings *current, const vf_settings *change, char *err,
                                size_t err_len)
{
    DES_CHECK(current != NULL && change != NULL && current != change);
    if (err != NULL && err_len > 0) {
        err[0] = '\0';
    }
    if (!change->is_volatile) {
        return vf_error(err, err_len, "a change at run time needs /volatile");
    }
    vf_settings tmp;
    if (!vf_settings_copy(&tmp, current)) {
        return vf_error(err, err_len, "out of memory");
    }
    if (!vf_apply_volatile_to(&tmp, change, err, err_len)) {
        vf_settings_free(&tmp);
        return false;
    }
    vf_settings_free(current);
    *current = tmp;
    return true;
}

bool vf_settings_verifies(const vf_settings *s, const char *image)
{
    DES_CHECK(s != NULL && image != NULL);
    if (vf_names_find_ci(&s->excluded, image) < s->excluded.count) {
        return false;
    }
    return s->all_drivers || vf_names_find_ci(&s->drivers, image) < s->drivers.count;
}

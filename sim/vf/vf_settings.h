/*
 * vf_settings.h - Driver Verifier settings as verifier.exe and GFlags express
 * them, and the parsers for both command lines.
 *
 * The parser accepts the whole verifier.exe syntax of the Windows 10/11 era
 * (and the older /iolevel form). Options that are valid but that drvsim does
 * not simulate are kept in `unsimulated`, so that a run can say so instead of
 * ignoring them silently. Which /flags bits are simulated is decided by the
 * caller (vf_flag_simulated), not by the parser.
 */
#ifndef DRVSIM_VF_SETTINGS_H
#define DRVSIM_VF_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /flags bits, with their verifier.exe names (verifier_cli.md section 2). */
#define VF_FLAG_TABLE(X)                                                                           \
    X(SPECIAL_POOL, 0x00000001u, "Special pool")                                                   \
    X(FORCE_IRQL_CHECKING, 0x00000002u, "Force IRQL checking")                                     \
    X(LOW_RESOURCES, 0x00000004u, "Low resources simulation")                                      \
    X(POOL_TRACKING, 0x00000008u, "Pool tracking")                                                 \
    X(IO_VERIFICATION, 0x00000010u, "I/O verification")                                            \
    X(DEADLOCK_DETECTION, 0x00000020u, "Deadlock detection")                                       \
    X(ENHANCED_IO, 0x00000040u, "Enhanced I/O verification")                                       \
    X(DMA_CHECKING, 0x00000080u, "DMA checking")                                                   \
    X(SECURITY_CHECKS, 0x00000100u, "Security checks")                                             \
    X(FORCE_PENDING_IO, 0x00000200u, "Force pending I/O requests")                                 \
    X(IRP_LOGGING, 0x00000400u, "IRP logging")                                                     \
    X(MISC_CHECKS, 0x00000800u, "Miscellaneous checks")                                            \
    X(INVARIANT_MDL_STACK, 0x00002000u, "Invariant MDL checking for stack")                        \
    X(INVARIANT_MDL_DRIVER, 0x00004000u, "Invariant MDL checking for driver")                      \
    X(POWER_DELAY_FUZZING, 0x00008000u, "Power framework delay fuzzing")                           \
    X(PORT_MINIPORT, 0x00010000u, "Port/miniport interface checking")                              \
    X(DDI_COMPLIANCE, 0x00020000u, "DDI compliance checking")                                      \
    X(SYSTEMATIC_LOW_RESOURCES, 0x00040000u, "Systematic low resources simulation")                \
    X(DDI_COMPLIANCE_ADDITIONAL, 0x00080000u, "DDI compliance checking (additional)")              \
    X(NDIS_WIFI, 0x00200000u, "NDIS/WIFI verification")                                            \
    X(KERNEL_SYNC_DELAY_FUZZING, 0x00800000u, "Kernel synchronization delay fuzzing")              \
    X(VM_SWITCH, 0x01000000u, "VM switch verification")                                            \
    X(CODE_INTEGRITY, 0x02000000u, "Code integrity checks")

enum {
#define VF_FLAG_ENUM(name, value, text) VF_FLAG_##name = value,
    VF_FLAG_TABLE(VF_FLAG_ENUM)
#undef VF_FLAG_ENUM
};

/*
 * Options that are not /flags bits, for the rule catalogue's option column:
 * bits no /flags value documents (above VF_FLAGS_KNOWN), kept in
 * vf_settings.options, never in flags.
 *   VF_OPTION_DDI_IRQL_ADDITIONAL  /ruleclasses 35 (or /rc 35): "DDI checking
 *                                  (additional IRQL rules)", IrqlIoRtlZwPassive
 *                                  and IrqlNtifsApcPassive
 *   VF_OPTION_SDV_RULES            /sdv, drvsim's own switch: Static Driver
 *                                  Verifier's rules that Windows checks only
 *                                  statically, checked at run time (0xC4 codes
 *                                  0xD0020000 and up, drvsim's private range)
 *   VF_OPTION_RACES                /races (or drvsim's --races), drvsim's own:
 *                                  the happens-before race detector over
 *                                  every driver's memory accesses (0xC4 code
 *                                  0xD0030001, vf/race.h)
 */
#define VF_OPTION_RACES               0x20000000u
#define VF_OPTION_DDI_IRQL_ADDITIONAL 0x40000000u
#define VF_OPTION_SDV_RULES           0x80000000u
#define VF_OPTIONS_EXTRA                                                                           \
    (VF_OPTION_DDI_IRQL_ADDITIONAL | VF_OPTION_SDV_RULES | VF_OPTION_RACES)

/* /standard == /flags 0x209BB (verifier_cli.md). */
#define VF_FLAGS_STANDARD 0x000209BBu

/* Every bit some option is documented for. */
#define VF_FLAGS_KNOWN 0x03AFEFFFu

#define VF_FAULTS_DEFAULT_PROBABILITY 600u /* in 10,000: 6% */
#define VF_FAULTS_PROBABILITY_DENOMINATOR 10000u
/* Seed 003 (the original DDK text) and the verifier-command-line page: seven
 * minutes. Later pages say eight; --faults-delay / /faults DelayMins set it. */
#define VF_FAULTS_DEFAULT_DELAY_MINS 7u
#define VF_IOLEVEL_DEFAULT           2u /* level 2 is always on with 0x10 since XP */

/* A list of names as given (driver images, pool tags, applications...). */
typedef struct vf_names {
    char **items;
    size_t count;
} vf_names;

typedef struct vf_settings {
    /* What to verify. */
    uint32_t flags;    /* option bits, /standard already expanded */
    bool flags_given;  /* /flags or /standard appeared */
    bool standard;     /* /standard appeared */
    bool all_drivers;  /* /all */
    vf_names drivers;  /* /driver NAME ... (also /adddriver with /volatile) */
    vf_names excluded; /* /driver.exclude NAME ... */
    vf_names removed;  /* /removedriver NAME ... (with /volatile) */
    bool is_volatile;  /* /volatile: takes effect at once, replaces settings */
    uint32_t options;  /* VF_OPTION_* bits: /ruleclasses 35, /sdv, /races */

    /* /faults [Probability [PoolTags [Applications [DelayMins]]]] */
    bool faults_given;
    uint32_t faults_probability; /* 1..10000, in 10,000 */
    vf_names faults_tags;        /* empty = any tag; may hold * and ? */
    vf_names faults_apps;        /* empty = any process image */
    uint32_t faults_delay_mins;

    uint32_t iolevel; /* 1 or 2 */

    /* /ruleclasses or /rc ids, /dif ids (Win11); each also sets its flag bit
     * where a rule class maps to one. */
    uint32_t *rule_classes;
    size_t rule_class_count;

    /*
     * Options that were valid but are not simulated, each as a short phrase
     * naming the option ("/log", "/bootmode oneboot", "/faultssystematic
     * enableruntime", ...). The caller reports them.
     */
    vf_names unsimulated;
} vf_settings;

/* Defaults: nothing verified, probability 600, delay 7 minutes, iolevel 2. */
void vf_settings_init(vf_settings *s);
void vf_settings_free(vf_settings *s);
/* Deep copy; returns false on host out-of-memory. */
bool vf_settings_copy(vf_settings *dst, const vf_settings *src);

/*
 * Parses a verifier.exe command line (without the "verifier" word), e.g.
 * "/flags 0x9 /driver a.sys b.sys" or "/faults 600 \"Tag1 Fred\" \"\" 7".
 * Arguments are split as the Windows command line does: white space
 * separates, double quotes group, "" is an empty argument. Switches are
 * case-insensitive; numbers are decimal, 0x hex, 0o octal or 0b binary.
 * On error returns false and writes a one-line message naming the offending
 * argument into err (the settings are then unspecified but safe to free).
 */
bool vf_settings_parse(vf_settings *s, const char *cmdline, char *err, size_t err_len);

/*
 * Applies a /volatile change to the settings in force (Verifier(...) from a
 * scenario): flags replace flags when given, /adddriver adds, /removedriver
 * removes, /faults replaces the fault settings.
 */
bool vf_settings_apply_volatile(vf_settings *current, const vf_settings *change, char *err,
                                size_t err_len);

/* True if `image` (e.g. "Foo.SYS") is to be verified: /all or listed in
 * drivers (case-insensitive) and not excluded. */
bool vf_settings_verifies(const vf_settings *s, const char *image);

/* The verifier.exe name of a single flag bit, or NULL. */
const char *vf_flag_name(uint32_t bit);
/* The name of a single option bit: a /flags bit's (vf_flag_name) or a
 * VF_OPTION_* bit's ("DDI checking (additional IRQL rules)"); NULL if none.
 * `switch_text`, when not NULL, gets how to turn it on ("/flags 0x20000",
 * "/ruleclasses 35", "/sdv"). */
const char *vf_option_name(uint32_t bit, char *switch_text, size_t len);

/* ------------------------------------------------------------------------ */
/* Command-line helpers shared by both parsers                              */
/* ------------------------------------------------------------------------ */

/*
 * Splits a command line the way the Windows C runtime does: spaces and tabs
 * (here also line breaks) separate arguments; double quotes group, even in
 * mid-word (a"b c" is `ab c`); "" is an empty argument; inside quotes, ""
 * is one literal quote; 2n backslashes before a quote give n backslashes and
 * the quote groups, 2n+1 give n backslashes and a literal quote (\" is `"`);
 * other backslashes are literal. An unclosed quote runs to the end.
 * `args` is overwritten, not freed first. Returns false on host
 * out-of-memory, leaving `args` empty.
 */
bool vf_cmdline_split(const char *cmdline, vf_names *args);

/* Frees every name of the list and leaves it empty. */
void vf_names_free(vf_names *names);

/* ------------------------------------------------------------------------ */
/* GFlags special pool (+spp)                                               */
/* ------------------------------------------------------------------------ */

typedef enum vf_spp_kind {
    VF_SPP_NONE = 0,
    VF_SPP_TAG,  /* a 4-character tag pattern with ? and * */
    VF_SPP_SIZE, /* a size class below PAGE_SIZE (also matches the equal tag) */
    VF_SPP_ALL,  /* "*" or 0x2A */
} vf_spp_kind;

typedef struct vf_gflags {
    vf_spp_kind spp;
    char spp_tag[5];    /* VF_SPP_TAG: the pattern as written, NUL-terminated */
    uint32_t spp_value; /* VF_SPP_SIZE: the value; VF_SPP_TAG: the tag as a ULONG
                           when it has no wildcard */
    bool overruns;      /* PoolTagOverruns: true = Verify End (default) */
} vf_gflags;

void vf_gflags_init(vf_gflags *g);

/*
 * Parses the GFlags special pool form: "+spp Fred", "+spp 0x30", "+spp *",
 * "-spp", optionally preceded by "/k" or "/r" (both mean: for this run).
 * GFlags sets the placement only in its dialog (PoolTagOverruns); here the
 * words "overruns" (Verify End, the default) or "underruns" (Verify Start)
 * may follow: "+spp Fred underruns". On error returns false with a one-line
 * message naming the bad argument.
 */
bool vf_gflags_parse(vf_gflags *g, const char *cmdline, char *err, size_t err_len);

/*
 * Whether GFlags' +spp selects an allocation of size_bytes with this tag
 * (granularity_bytes: 8 on x86, 16 on x64). A tag pattern matches the tag's
 * characters in memory order ('?' one character, '*' any run); a size value
 * V matches the sizes whose class it is (V = size rounded up to the
 * granularity, plus the granularity) and the tag equal to V; `*` matches
 * everything.
 */
bool vf_gflags_spp_matches(const vf_gflags *g, uint32_t tag, uint64_t size_bytes,
                           uint32_t granularity_bytes);

/* An argument as error messages quote it: in double quotes, cut after
 * VF_QUOTE_MAX_CHARS, quotes and control bytes escaped so that a message
 * stays on one line. Returns buf. */
#define VF_QUOTE_MAX_CHARS 48u
#define VF_QUOTE_BUF_BYTES (VF_QUOTE_MAX_CHARS * 4u + 8u)
const char *vf_quote(char buf[VF_QUOTE_BUF_BYTES], const char *arg);

#endif /* DRVSIM_VF_SETTINGS_H */

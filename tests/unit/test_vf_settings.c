/*
 * test_vf_settings.c - the verifier.exe and GFlags command-line parsers
 * (sim/vf/vf_settings.c, sim/vf/gflags.c) against verifier_cli.md.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vf/vf_settings.h"

#define ERR_BYTES 512

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Parses a command line that must be valid. The caller frees. */
static vf_settings parse_ok(const char *cmdline)
{
    vf_settings s;
    char err[ERR_BYTES] = "";
    bool ok = vf_settings_parse(&s, cmdline, err, sizeof err);
    cr_assert(ok, "parse of [%s] failed: %s", cmdline, err);
    cr_assert_str_empty(err);
    return s;
}

/* Parses a command line that must be refused with a one-line message
 * containing `needle`. */
static void parse_fails(const char *cmdline, const char *needle)
{
    vf_settings s;
    char err[ERR_BYTES] = "";
    bool ok = vf_settings_parse(&s, cmdline, err, sizeof err);
    cr_assert_not(ok, "parse of [%s] succeeded", cmdline);
    cr_assert(strncmp(err, "verifier: ", 10) == 0, "message [%s] lacks the prefix", err);
    cr_assert_null(strchr(err, '\n'), "message [%s] is not one line", err);
    cr_assert_not_null(strstr(err, needle), "message [%s] lacks [%s]", err, needle);
    vf_settings_free(&s); /* unspecified but safe to free */
}

static bool has_name(const vf_names *names, const char *name)
{
    for (size_t i = 0; i < names->count; i++) {
        if (strcmp(names->items[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static bool has_class(const vf_settings *s, uint32_t id)
{
    for (size_t i = 0; i < s->rule_class_count; i++) {
        if (s->rule_classes[i] == id) {
            return true;
        }
    }
    return false;
}

/* `cmdline` must parse and leave exactly `phrase` in `unsimulated`. */
static void expect_unsimulated(const char *cmdline, const char *phrase)
{
    vf_settings s = parse_ok(cmdline);
    cr_assert_eq(s.unsimulated.count, 1, "[%s]: %zu phrases", cmdline, s.unsimulated.count);
    cr_assert_str_eq(s.unsimulated.items[0], phrase);
    vf_settings_free(&s);
}

static vf_names split(const char *cmdline)
{
    vf_names args;
    cr_assert(vf_cmdline_split(cmdline, &args));
    return args;
}

static vf_gflags gflags_ok(const char *cmdline)
{
    vf_gflags g;
    char err[ERR_BYTES] = "";
    cr_assert(vf_gflags_parse(&g, cmdline, err, sizeof err), "gflags [%s]: %s", cmdline, err);
    return g;
}

static void gflags_fails(const char *cmdline, const char *needle)
{
    vf_gflags g;
    char err[ERR_BYTES] = "";
    cr_assert_not(vf_gflags_parse(&g, cmdline, err, sizeof err), "gflags [%s] passed", cmdline);
    cr_assert(strncmp(err, "gflags: ", 8) == 0, "message [%s] lacks the prefix", err);
    cr_assert_null(strchr(err, '\n'));
    cr_assert_not_null(strstr(err, needle), "message [%s] lacks [%s]", err, needle);
}

/* ------------------------------------------------------------------------ */
/* Splitting                                                                */
/* ------------------------------------------------------------------------ */

Test(split, blanks_separate)
{
    vf_names a = split("  /flags\t0x9   /driver a.sys\n b.sys ");
    cr_assert_eq(a.count, 5);
    cr_assert_str_eq(a.items[0], "/flags");
    cr_assert_str_eq(a.items[1], "0x9");
    cr_assert_str_eq(a.items[4], "b.sys");
    vf_names_free(&a);
    cr_assert_eq(a.count, 0);
    cr_assert_null(a.items);
}

Test(split, empty_line_has_no_arguments)
{
    vf_names a = split("");
    cr_assert_eq(a.count, 0);
    vf_names_free(&a);
    a = split(" \t ");
    cr_assert_eq(a.count, 0);
    vf_names_free(&a);
}

Test(split, quotes_group)
{
    vf_names a = split("/faults 1000 \"Tag1 Fred\" Notepad.exe");
    cr_assert_eq(a.count, 4);
    cr_assert_str_eq(a.items[2], "Tag1 Fred");
    vf_names_free(&a);
}

Test(split, quotes_mid_word)
{
    vf_names a = split("a\"b c\"d e");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[0], "ab cd");
    cr_assert_str_eq(a.items[1], "e");
    vf_names_free(&a);
}

Test(split, empty_quotes_are_an_empty_argument)
{
    vf_names a = split("a \"\" \"\" b \"\"");
    cr_assert_eq(a.count, 5);
    cr_assert_str_eq(a.items[1], "");
    cr_assert_str_eq(a.items[2], "");
    cr_assert_str_eq(a.items[3], "b");
    cr_assert_str_eq(a.items[4], "");
    vf_names_free(&a);
}

Test(split, backslash_quote_is_literal)
{
    vf_names a = split("a\\\"b \"x \\\" y\"");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[0], "a\"b");
    cr_assert_str_eq(a.items[1], "x \" y");
    vf_names_free(&a);
}

Test(split, backslashes_before_quotes)
{
    /* 2n backslashes + quote: n backslashes, the quote groups;
     * 2n+1: n backslashes and a literal quote. */
    vf_names a = split("\\\\\"a b\" \\\\\\\"c");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[0], "\\a b");
    cr_assert_str_eq(a.items[1], "\\\"c");
    vf_names_free(&a);
}

Test(split, other_backslashes_are_literal)
{
    vf_names a = split("C:\\dir\\f.sys \\\\server\\x");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[0], "C:\\dir\\f.sys");
    cr_assert_str_eq(a.items[1], "\\\\server\\x");
    vf_names_free(&a);
}

Test(split, doubled_quote_inside_quotes)
{
    vf_names a = split("\"a\"\"b\" c");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[0], "a\"b");
    vf_names_free(&a);
}

Test(split, unclosed_quote_runs_to_the_end)
{
    vf_names a = split("x \"abc def");
    cr_assert_eq(a.count, 2);
    cr_assert_str_eq(a.items[1], "abc def");
    vf_names_free(&a);
}

/* ------------------------------------------------------------------------ */
/* Defaults, /standard, /flags                                              */
/* ------------------------------------------------------------------------ */

Test(settings, defaults)
{
    vf_settings s;
    vf_settings_init(&s);
    cr_assert_eq(s.flags, 0);
    cr_assert_eq(s.faults_probability, 600);
    cr_assert_eq(s.faults_delay_mins, 7);
    cr_assert_eq(s.iolevel, 2);
    cr_assert_not(s.flags_given || s.standard || s.all_drivers || s.is_volatile || s.faults_given);
    vf_settings_free(&s);

    s = parse_ok("");
    cr_assert_eq(s.flags, 0);
    cr_assert_eq(s.faults_probability, VF_FAULTS_DEFAULT_PROBABILITY);
    cr_assert_eq(s.faults_delay_mins, VF_FAULTS_DEFAULT_DELAY_MINS);
    cr_assert_eq(s.iolevel, VF_IOLEVEL_DEFAULT);
    cr_assert_eq(s.drivers.count + s.unsimulated.count + s.rule_class_count, 0);
    vf_settings_free(&s);
}

Test(settings, standard_is_0x209BB)
{
    vf_settings s = parse_ok("/standard /all");
    cr_assert_eq(s.flags, 0x209BB);
    cr_assert_eq(s.flags, VF_FLAGS_STANDARD);
    cr_assert(s.standard && s.flags_given && s.all_drivers);
    vf_settings_free(&s);

    vf_settings f = parse_ok("/flags 0x209BB /all");
    cr_assert_eq(f.flags, VF_FLAGS_STANDARD);
    cr_assert_not(f.standard);
    vf_settings_free(&f);
}

Test(settings, flags_and_drivers)
{
    vf_settings s = parse_ok("/flags 0x9 /driver a.sys b.sys");
    cr_assert_eq(s.flags, 0x9);
    cr_assert(s.flags_given);
    cr_assert_not(s.standard);
    cr_assert_eq(s.drivers.count, 2);
    cr_assert_str_eq(s.drivers.items[0], "a.sys");
    cr_assert_str_eq(s.drivers.items[1], "b.sys");
    vf_settings_free(&s);
}

Test(settings, flags_number_bases)
{
    const char *forms[] = {"/flags 27",      "/flags 0x1B",    "/flags 0X1b", "/flags 0o33",
                           "/flags 0b11011", "/flags 0B11011", "/flags 027"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        vf_settings s = parse_ok(forms[i]);
        cr_assert_eq(s.flags, 0x1B, "%s gives 0x%X", forms[i], s.flags);
        vf_settings_free(&s);
    }
}

Test(settings, flags_several_values_are_ored)
{
    vf_settings s = parse_ok("/flags 0x1 0x8 2 /driver x.sys");
    cr_assert_eq(s.flags, 0xB);
    vf_settings_free(&s);
    s = parse_ok("/flags 1 /flags 8");
    cr_assert_eq(s.flags, 0x9);
    vf_settings_free(&s);
    s = parse_ok("/standard /flags 0x4");
    cr_assert_eq(s.flags, 0x209BF);
    vf_settings_free(&s);
}

Test(settings, flags_zero_is_given)
{
    vf_settings s = parse_ok("/flags 0 /driver x.sys");
    cr_assert_eq(s.flags, 0);
    cr_assert(s.flags_given);
    vf_settings_free(&s);
}

Test(settings, every_documented_bit_is_accepted)
{
    vf_settings s = parse_ok("/flags 0x03AFEFFF /all");
    cr_assert_eq(s.flags, VF_FLAGS_KNOWN);
    vf_settings_free(&s);
}

Test(settings, flags_needing_io_verification_turn_it_on)
{
    const uint32_t bits[] = {0x200, 0x400, 0x2000, 0x4000};
    for (size_t i = 0; i < 4; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "/flags 0x%X /driver x.sys", bits[i]);
        vf_settings s = parse_ok(cmd);
        cr_assert_eq(s.flags, bits[i] | 0x10, "%s -> 0x%X", cmd, s.flags);
        vf_settings_free(&s);
    }
    vf_settings s = parse_ok("/flags 0x1 /driver x.sys");
    cr_assert_eq(s.flags, 0x1);
    vf_settings_free(&s);
}

Test(settings, switches_are_case_insensitive)
{
    vf_settings s = parse_ok("/FLAGS 0x9 /Driver A.SYS /IoLevel 1 /QUERY");
    cr_assert_eq(s.flags, 0x9);
    cr_assert_str_eq(s.drivers.items[0], "A.SYS");
    cr_assert_eq(s.iolevel, 1);
    cr_assert_str_eq(s.unsimulated.items[0], "/query");
    vf_settings_free(&s);
}

Test(settings_errors, flags_not_a_number)
{
    vf_settings s;
    char err[ERR_BYTES];
    cr_assert_not(vf_settings_parse(&s, "/flags 0xZZ", err, sizeof err));
    cr_assert_str_eq(err, "verifier: /flags: \"0xZZ\" is not a number");
    vf_settings_free(&s);
    parse_fails("/flags -1", "\"-1\" is not a number");
    parse_fails("/flags 0x", "\"0x\" is not a number");
    parse_fails("/flags 0b102", "\"0b102\" is not a number");
    parse_fails("/flags 0o8", "\"0o8\" is not a number");
    parse_fails("/flags \"\"", "\"\" is not a number");
    parse_fails("/flags 9 x.sys", "\"x.sys\" is not a number");
}

Test(settings_errors, flags_undocumented_bits)
{
    parse_fails("/flags 0x1000", "\"0x1000\" sets bit 0x1000, for which no option is documented");
    parse_fails("/flags 0x101009", "sets bits 0x1000, 0x100000,");
    parse_fails("/flags 0x400000", "0x400000");
    parse_fails("/flags 0x4000000", "0x4000000");
    parse_fails("/flags 0x9 4096", "\"4096\" sets bit 0x1000");
}

Test(settings_errors, flags_missing_or_out_of_range)
{
    parse_fails("/flags", "/flags needs");
    parse_fails("/flags /driver a.sys", "/flags needs");
    parse_fails("/flags 0x100000000", "\"0x100000000\" is out of range");
}

Test(settings_errors, dash_switches_are_refused)
{
    parse_fails("-flags 0x9", "\"-flags\": verifier.exe switches start with /");
    parse_fails("-standard", "start with /");
}

Test(settings_errors, unknown_switch_and_stray_value)
{
    parse_fails("/flag 9", "\"/flag\" is not a verifier.exe switch");
    parse_fails("/standard foo.sys", "unexpected argument \"foo.sys\"");
    parse_fails("foo", "unexpected argument \"foo\"");
    parse_fails("/disk", "\"/disk\" is not");
    parse_fails("verifier /standard /all", "\"verifier\" (leave out the program name)");
    parse_fails("Verifier.exe /standard", "leave out the program name");
}

Test(settings_errors, messages_stay_on_one_line)
{
    parse_fails("/flags \"1\n2\"", "\"1\\x0A2\" is not a number");
    parse_fails("/flags \"a\\\"b\"", "\"a\\\"b\" is not a number");
    char long_arg[200];
    memset(long_arg, 'A', sizeof long_arg - 1);
    long_arg[sizeof long_arg - 1] = '\0';
    char cmd[300];
    snprintf(cmd, sizeof cmd, "/flags %s", long_arg);
    parse_fails(cmd, "AAA...\" is not a number");
}

Test(settings_errors, no_error_buffer)
{
    vf_settings s;
    cr_assert_not(vf_settings_parse(&s, "/bogus", NULL, 0));
    vf_settings_free(&s);
    char tiny[4] = "xyz";
    cr_assert_not(vf_settings_parse(&s, "/bogus", tiny, sizeof tiny));
    cr_assert_str_eq(tiny, "ver");
    vf_settings_free(&s);
}

Test(settings_errors, command_line_too_long)
{
    size_t len = 40000;
    char *cmd = malloc(len + 1);
    cr_assert_not_null(cmd);
    memset(cmd, ' ', len);
    cmd[len] = '\0';
    parse_fails(cmd, "longer than 32767");
    free(cmd);
}

/* ------------------------------------------------------------------------ */
/* Drivers                                                                  */
/* ------------------------------------------------------------------------ */

Test(drivers, all_and_exclude)
{
    vf_settings s = parse_ok("/standard /all /driver.exclude bad.sys other.sys");
    cr_assert(s.all_drivers);
    cr_assert_eq(s.excluded.count, 2);
    cr_assert(vf_settings_verifies(&s, "anything.sys"));
    cr_assert_not(vf_settings_verifies(&s, "BAD.SYS"));
    cr_assert_not(vf_settings_verifies(&s, "Other.Sys"));
    vf_settings_free(&s);
}

Test(drivers, verifies_is_case_insensitive)
{
    vf_settings s = parse_ok("/flags 8 /driver Foo.SYS");
    cr_assert(vf_settings_verifies(&s, "foo.sys"));
    cr_assert(vf_settings_verifies(&s, "FOO.SYS"));
    cr_assert_not(vf_settings_verifies(&s, "foo.sy"));
    cr_assert_not(vf_settings_verifies(&s, "bar.sys"));
    vf_settings_free(&s);

    s = parse_ok("");
    cr_assert_not(vf_settings_verifies(&s, "foo.sys"));
    vf_settings_free(&s);
}

Test(drivers, duplicates_are_kept_once)
{
    vf_settings s = parse_ok("/driver a.sys A.SYS /driver b.sys a.Sys");
    cr_assert_eq(s.drivers.count, 2);
    vf_settings_free(&s);
}

Test(drivers, paths_with_backslashes_survive)
{
    vf_settings s = parse_ok("/driver \"my driver.sys\" x\\y.sys");
    cr_assert(has_name(&s.drivers, "my driver.sys"));
    cr_assert(has_name(&s.drivers, "x\\y.sys"));
    vf_settings_free(&s);
}

Test(drivers_errors, driver_lists)
{
    parse_fails("/standard /driver", "/driver needs one or more driver names");
    parse_fails("/driver /standard", "/driver needs");
    parse_fails("/driver n*.sys", "\"n*.sys\": wildcards are not accepted");
    parse_fails("/driver a.sys dr?.sys", "\"dr?.sys\": wildcards");
    parse_fails("/driver \"\"", "/driver: \"\" is not a driver name");
    parse_fails("/all /driver.exclude", "/driver.exclude needs");
    parse_fails("/all /driver.exclude x*.sys", "wildcards");
}

Test(drivers_errors, all_with_driver)
{
    parse_fails("/standard /all /driver a.sys", "\"/all\" and \"/driver\" cannot be combined");
}

Test(drivers_errors, exclude_needs_all)
{
    parse_fails("/standard /driver.exclude a.sys", "\"/driver.exclude\" is only valid with /all");
}

/* ------------------------------------------------------------------------ */
/* Rule classes, /dif                                                       */
/* ------------------------------------------------------------------------ */

Test(rule_classes, map_to_flag_bits)
{
    static const struct {
        uint32_t id, flag;
    } map[] = {
        {1, 0x1},        {2, 0x2},        {3, 0x4},      {4, 0x8},       {5, 0x10},
        {6, 0x20},       {8, 0x80},       {9, 0x100},    {10, 0x210},    {11, 0x410},
        {12, 0x800},     {14, 0x2010},    {15, 0x4010},  {16, 0x8000},   {17, 0x10000},
        {18, 0x20000},   {19, 0x40000},   {20, 0x80000}, {22, 0x200000}, {24, 0x800000},
        {25, 0x1000000}, {26, 0x2000000},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "/rc %u /driver x.sys", map[i].id);
        vf_settings s = parse_ok(cmd);
        cr_assert_eq(s.flags, map[i].flag, "%s -> 0x%X", cmd, s.flags);
        cr_assert_eq(s.rule_class_count, 1);
        cr_assert_eq(s.rule_classes[0], map[i].id);
        cr_assert_eq(s.unsimulated.count, 0);
        vf_settings_free(&s);
    }
}

Test(rule_classes, several_and_long_name)
{
    vf_settings s = parse_ok("/ruleclasses 1 4 0x12 4 /all");
    cr_assert_eq(s.flags, 0x20009);
    cr_assert_eq(s.rule_class_count, 3);
    cr_assert(has_class(&s, 1) && has_class(&s, 4) && has_class(&s, 18));
    vf_settings_free(&s);
}

Test(rule_classes, classes_without_flag_bits_are_unsimulated)
{
    static const struct {
        uint32_t id;
        const char *phrase;
    } map[] = {
        {33, "rule class 33 (Driver isolation checks)"},
        {34, "rule class 34 (WDF verification)"},
        {36, "rule class 36 (DIF mode)"},
        {37, "rule class 37 (File system filter verification)"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "/RC %u /driver x.sys", map[i].id);
        vf_settings s = parse_ok(cmd);
        cr_assert_eq(s.flags, 0);
        cr_assert(has_class(&s, map[i].id));
        cr_assert(has_name(&s.unsimulated, map[i].phrase), "%s", cmd);
        vf_settings_free(&s);
    }
}

/* Rule class 35 is simulated (sim/vf/ddi_rules.spec): an option bit that
 * is no /flags bit, and no "not simulated" note. */
Test(rule_classes, class_35_turns_on_the_additional_irql_rules)
{
    vf_settings s = parse_ok("/rc 35 /driver x.sys");
    cr_assert_eq(s.flags, 0);
    cr_assert_eq(s.options, VF_OPTION_DDI_IRQL_ADDITIONAL);
    cr_assert(has_class(&s, 35));
    cr_assert_eq(s.unsimulated.count, 0);
    vf_settings_free(&s);
}

/* /sdv, drvsim's own switch: the SDV rules checked at run time. */
Test(rule_classes, sdv_switch)
{
    vf_settings s = parse_ok("/standard /sdv /driver x.sys");
    cr_assert_eq(s.flags, VF_FLAGS_STANDARD);
    cr_assert_eq(s.options, VF_OPTION_SDV_RULES);
    cr_assert_eq(s.unsimulated.count, 0);
    vf_settings_free(&s);
    parse_fails("/volatile /sdv /flags 0x1", "/volatile cannot be combined with \"/sdv\"");
}

/* /races, drvsim's own switch: the data race detector (vf/race.h); no
 * /flags bit, and not part of /standard. */
Test(rule_classes, races_switch)
{
    vf_settings s = parse_ok("/standard /races /driver x.sys");
    cr_assert_eq(s.flags, VF_FLAGS_STANDARD);
    cr_assert_eq(s.options, VF_OPTION_RACES);
    cr_assert_eq(s.unsimulated.count, 0);
    vf_settings_free(&s);
    s = parse_ok("/standard /driver x.sys");
    cr_assert_eq(s.options & VF_OPTION_RACES, 0);
    vf_settings_free(&s);
    parse_fails("/volatile /races /flags 0x1", "/volatile cannot be combined with \"/races\"");
}

Test(rule_classes, errors)
{
    parse_fails("/rc /all", "/rc needs one or more rule class ids");
    parse_fails("/rc 7 /all", "/rc: \"7\" is not a rule class");
    parse_fails("/rc 0", "\"0\" is not a rule class");
    parse_fails("/rc 38", "\"38\" is not a rule class");
    parse_fails("/ruleclasses 99999999999", "out of range");
    parse_fails("/rc one", "\"one\" is not a number");
}

Test(rule_classes, dif_adds_dif_mode)
{
    vf_settings s = parse_ok("/dif 1 18 /driver x.sys");
    cr_assert_eq(s.flags, 0x20001);
    cr_assert(has_class(&s, 1) && has_class(&s, 18) && has_class(&s, 36));
    cr_assert(has_name(&s.unsimulated, "rule class 36 (DIF mode)"));
    vf_settings_free(&s);
}

Test(rule_classes, dif_now)
{
    vf_settings s = parse_ok("/dif 1 2 4 5 9 12 18 19 20 /now /driver x.sys");
    cr_assert(has_name(&s.unsimulated, "/now"));
    vf_settings_free(&s);
    parse_fails("/dif 6 /now /driver x.sys", "rule class 6 (Deadlock detection) cannot start");
    parse_fails("/now /driver x.sys", "/now is only valid with /dif");
    parse_fails("/rc 1 /now", "/now is only valid with /dif");
}

/* ------------------------------------------------------------------------ */
/* /faults, /faultssystematic                                               */
/* ------------------------------------------------------------------------ */

Test(faults, reference_example_all_values)
{
    vf_settings s = parse_ok("/faults 1000 \"Tag1 Fred\" Notepad.exe 5");
    cr_assert(s.faults_given);
    cr_assert(s.flags & VF_FLAG_LOW_RESOURCES);
    cr_assert_eq(s.faults_probability, 1000);
    cr_assert_eq(s.faults_tags.count, 2);
    cr_assert_str_eq(s.faults_tags.items[0], "Tag1");
    cr_assert_str_eq(s.faults_tags.items[1], "Fred");
    cr_assert_eq(s.faults_apps.count, 1);
    cr_assert_str_eq(s.faults_apps.items[0], "Notepad.exe");
    cr_assert_eq(s.faults_delay_mins, 5);
    cr_assert_not(s.flags_given);
    vf_settings_free(&s);
}

Test(faults, reference_example_skipped_values)
{
    vf_settings s = parse_ok("/faults \"\" \"\" \"\" 0xa");
    cr_assert(s.faults_given);
    cr_assert_eq(s.faults_probability, 600);
    cr_assert_eq(s.faults_tags.count, 0);
    cr_assert_eq(s.faults_apps.count, 0);
    cr_assert_eq(s.faults_delay_mins, 10);
    vf_settings_free(&s);
}

Test(faults, alone_gives_defaults)
{
    vf_settings s = parse_ok("/faults");
    cr_assert(s.faults_given);
    cr_assert_eq(s.flags, VF_FLAG_LOW_RESOURCES);
    cr_assert_eq(s.faults_probability, 600);
    cr_assert_eq(s.faults_delay_mins, 7);
    cr_assert_eq(s.faults_tags.count + s.faults_apps.count, 0);
    vf_settings_free(&s);
}

Test(faults, with_other_switches)
{
    vf_settings s = parse_ok("/flags 0x9 /faults 0x64 \"Fr* A?c\" \"a.exe b.exe\" /driver x.sys");
    cr_assert_eq(s.flags, 0xD);
    cr_assert_eq(s.faults_probability, 100);
    cr_assert_str_eq(s.faults_tags.items[0], "Fr*");
    cr_assert_str_eq(s.faults_tags.items[1], "A?c");
    cr_assert_eq(s.faults_apps.count, 2);
    cr_assert_eq(s.faults_delay_mins, 7);
    cr_assert_eq(s.drivers.count, 1);
    vf_settings_free(&s);
}

Test(faults, probability_bounds_and_zero_delay)
{
    vf_settings s = parse_ok("/faults 1 \"\" \"\" 0");
    cr_assert_eq(s.faults_probability, 1);
    cr_assert_eq(s.faults_delay_mins, 0);
    vf_settings_free(&s);
    s = parse_ok("/faults 10000");
    cr_assert_eq(s.faults_probability, 10000);
    vf_settings_free(&s);
}

Test(faults, errors)
{
    parse_fails("/faults 0", "/faults: probability \"0\" is out of range (1 to 10000)");
    parse_fails("/faults 10001", "probability \"10001\" is out of range");
    parse_fails("/faults six", "probability \"six\" is not a number");
    parse_fails("/faults 600 \"Tag12\"", "pool tag \"Tag12\" is not 1 to 4");
    parse_fails("/faults 600 \"Ok Toolong\"", "\"Toolong\"");
    parse_fails("/faults 600 \"\" \"\" soon", "delay \"soon\" is not a number");
    parse_fails("/faults 1 2 3 4 5", "unexpected fifth value \"5\"");
    parse_fails("/faults /faults", "\"/faults\" is given twice");
}

Test(faults, systematic_options_are_unsimulated)
{
    expect_unsimulated("/faultssystematic", "/faultssystematic");
    expect_unsimulated("/faultssystematic EnableRuntime", "/faultssystematic enableruntime");
    expect_unsimulated("/faultssystematic getstackid 3", "/faultssystematic getstackid 3");
    expect_unsimulated("/faultssystematic excludestack 0x1234", "/faultssystematic excludestack");
    vf_settings s = parse_ok("/flags 0x40000 /faultssystematic enableboottime disableboottime "
                             "recordboottime resetboottime enableruntime disableruntime "
                             "recordruntime resetruntime querystatistics incrementcounter "
                             "/driver x.sys");
    cr_assert_eq(s.unsimulated.count, 10);
    cr_assert_eq(s.flags, 0x40000);
    vf_settings_free(&s);
    parse_fails("/faultssystematic sometimes", "/faultssystematic: \"sometimes\" is not an option");
    parse_fails("/faultssystematic getstackid", "getstackid needs a COUNTER");
    parse_fails("/faultssystematic getstackid x", "\"x\" is not a number");
    parse_fails("/faultssystematic excludestack", "excludestack needs a STACKID");
}

/* ------------------------------------------------------------------------ */
/* /volatile                                                                */
/* ------------------------------------------------------------------------ */

Test(volatile_parse, flags)
{
    vf_settings s = parse_ok("/volatile /flags 0x20");
    cr_assert(s.is_volatile && s.flags_given);
    cr_assert_eq(s.flags, 0x20);
    vf_settings_free(&s);
    s = parse_ok("/volatile /flags 0");
    cr_assert_eq(s.flags, 0);
    vf_settings_free(&s);
    s = parse_ok("/flags 0x200 /volatile");
    cr_assert_eq(s.flags, 0x210);
    vf_settings_free(&s);
}

Test(volatile_parse, standard_leaves_ddi_compliance_out)
{
    vf_settings s = parse_ok("/volatile /standard");
    cr_assert_eq(s.flags, 0x9BB);
    cr_assert(s.standard);
    vf_settings_free(&s);
}

Test(volatile_parse, drivers_and_faults)
{
    vf_settings s = parse_ok("/volatile /adddriver a.sys b.sys");
    cr_assert_eq(s.drivers.count, 2);
    cr_assert_not(s.flags_given);
    vf_settings_free(&s);
    s = parse_ok("/volatile /removedriver c.sys");
    cr_assert_eq(s.removed.count, 1);
    cr_assert_str_eq(s.removed.items[0], "c.sys");
    vf_settings_free(&s);
    s = parse_ok("/volatile /faults 100");
    cr_assert(s.faults_given);
    cr_assert_eq(s.faults_probability, 100);
    cr_assert_eq(s.flags, VF_FLAG_LOW_RESOURCES);
    vf_settings_free(&s);
}

Test(volatile_parse, errors)
{
    parse_fails("/volatile /flags 0x20000",
                "/volatile /flags: 0x20000 (DDI compliance checking) cannot change");
    parse_fails("/volatile /flags 0x8020", "0x8000 (Power framework delay fuzzing)");
    parse_fails("/volatile /driver a.sys", "cannot be combined with \"/driver\" (use /adddriver)");
    parse_fails("/volatile /flags 1 /all", "cannot be combined with \"/all\"");
    parse_fails("/volatile /rc 1", "cannot be combined with \"/rc\"");
    parse_fails("/volatile /iolevel 2 /flags 0x10", "\"/iolevel\"");
    parse_fails("/volatile", "/volatile needs /flags, /standard, /adddriver, /removedriver or");
    parse_fails("/removedriver a.sys", "\"/removedriver\" is only valid with /volatile");
    parse_fails("/adddriver a.sys", "\"/adddriver\" is only valid with /volatile");
    parse_fails("/volatile /adddriver", "/adddriver needs");
    parse_fails("/volatile /removedriver x*.sys", "wildcards");
}

/* ------------------------------------------------------------------------ */
/* Other switches                                                           */
/* ------------------------------------------------------------------------ */

Test(other, iolevel)
{
    vf_settings s = parse_ok("/flags 0x10 /iolevel 1 /driver x.sys");
    cr_assert_eq(s.iolevel, 1);
    cr_assert_eq(s.unsimulated.count, 0);
    vf_settings_free(&s);
    s = parse_ok("/iolevel 2");
    cr_assert_eq(s.iolevel, 2);
    vf_settings_free(&s);
    parse_fails("/iolevel 3", "/iolevel: \"3\" is out of range (1 to 2)");
    parse_fails("/iolevel 0", "out of range");
    parse_fails("/iolevel", "/iolevel needs a level");
    parse_fails("/iolevel 1 /iolevel 2", "\"/iolevel\" is given twice");
}

Test(other, bootmode)
{
    expect_unsimulated("/bootmode persistent", "/bootmode persistent");
    expect_unsimulated("/bootmode ResetOnBootFail", "/bootmode resetonbootfail");
    expect_unsimulated("/bootmode disableafterfail", "/bootmode disableafterfail");
    expect_unsimulated("/bootmode oneboot", "/bootmode oneboot");
    expect_unsimulated("/bootmode resetonunusualshutdown", "/bootmode resetonunusualshutdown");
    expect_unsimulated("/bootmode ROUS", "/bootmode rous");
    parse_fails("/bootmode twoboot", "/bootmode: \"twoboot\" is not persistent,");
    parse_fails("/bootmode", "/bootmode needs a mode");
    parse_fails("/bootmode oneboot /bootmode oneboot", "given twice");
}

Test(other, bc_and_plain_management_commands)
{
    expect_unsimulated("/bc 3", "/bc 3");
    parse_fails("/bc 0", "/bc: \"0\" is out of range");
    parse_fails("/bc", "/bc needs");
    const char *plain[] = {"/persistthroughupgrade",
                           "/reset",
                           "/query",
                           "/querysettings",
                           "/logging",
                           "/livedump",
                           "/onecheck",
                           "/stop",
                           "/help",
                           "/?"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        expect_unsimulated(plain[i], plain[i]);
    }
    expect_unsimulated("/Query /QUERY", "/query");
}

Test(other, rules)
{
    expect_unsimulated("/rules query", "/rules query");
    expect_unsimulated("/rules RESET", "/rules reset");
    expect_unsimulated("/rules default 0x20002", "/rules default 0x20002");
    expect_unsimulated("/rules disable 131074", "/rules disable 0x20002");
    parse_fails("/rules", "/rules needs");
    parse_fails("/rules enable 5", "/rules: \"enable\" is not query, reset, default or disable");
    parse_fails("/rules disable", "/rules disable needs a rule ID");
    parse_fails("/rules disable IrqlApcLte", "rule ID \"IrqlApcLte\" is not a number");
}

Test(other, log_and_interval)
{
    expect_unsimulated("/log verifier.log", "/log");
    expect_unsimulated("/log \"C:\\logs\\v.log\" /interval 30", "/log");
    expect_unsimulated("/interval 5 /log v.log", "/log");
    parse_fails("/log", "/log needs a log file name");
    parse_fails("/log \"\"", "/log: \"\" is not a file name");
    parse_fails("/interval 30", "/interval is only valid after /log");
    parse_fails("/log v.log /interval 0", "/interval: \"0\" is out of range");
    parse_fails("/log v.log /interval", "/interval needs");
}

Test(other, domain)
{
    expect_unsimulated("/domain wdm rules.all /driver x.sys", "/domain wdm rules.all");
    expect_unsimulated("/domain NDIS", "/domain ndis");
    expect_unsimulated("/domain ks rules.default", "/domain ks rules.default");
    vf_settings s = parse_ok("/domain audio /driver x.sys /logging");
    cr_assert_eq(s.unsimulated.count, 2);
    cr_assert_str_eq(s.unsimulated.items[0], "/domain audio");
    cr_assert_str_eq(s.unsimulated.items[1], "/logging");
    vf_settings_free(&s);
    parse_fails("/domain", "/domain needs a type");
    parse_fails("/domain usb", "/domain: \"usb\" is not wdm, ndis, ks or audio");
    parse_fails("/domain wdm rules.some", "\"rules.some\" is not rules.default or rules.all");
}

Test(other, unsimulated_phrases_accumulate_in_order)
{
    vf_settings s = parse_ok("/standard /driver x.sys /bootmode oneboot /log a.log /rc 34");
    cr_assert_eq(s.unsimulated.count, 3);
    cr_assert_str_eq(s.unsimulated.items[0], "/bootmode oneboot");
    cr_assert_str_eq(s.unsimulated.items[1], "/log");
    cr_assert_str_eq(s.unsimulated.items[2], "rule class 34 (WDF verification)");
    cr_assert_eq(s.flags, VF_FLAGS_STANDARD);
    vf_settings_free(&s);
}

Test(other, flag_names)
{
    cr_assert_str_eq(vf_flag_name(0x1), "Special pool");
    cr_assert_str_eq(vf_flag_name(VF_FLAG_DDI_COMPLIANCE), "DDI compliance checking");
    cr_assert_str_eq(vf_flag_name(0x2000000), "Code integrity checks");
    cr_assert_null(vf_flag_name(0x1000));
    cr_assert_null(vf_flag_name(0x3));
    cr_assert_null(vf_flag_name(0));
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        cr_assert_eq(vf_flag_name(bit) != NULL, (VF_FLAGS_KNOWN & bit) != 0, "bit 0x%X", bit);
    }
}

/* ------------------------------------------------------------------------ */
/* apply_volatile                                                           */
/* ------------------------------------------------------------------------ */

/* Applies `change` to the settings parsed from `base`; the caller frees. */
static vf_settings apply(const char *base, const char *change_cmd)
{
    vf_settings current = parse_ok(base);
    vf_settings change = parse_ok(change_cmd);
    char err[ERR_BYTES] = "";
    cr_assert(vf_settings_apply_volatile(&current, &change, err, sizeof err), "%s", err);
    vf_settings_free(&change);
    return current;
}

Test(apply_volatile, flags_replace_volatile_bits_only)
{
    vf_settings s = apply("/flags 0x20009 /driver a.sys", "/volatile /flags 0x20");
    cr_assert_eq(s.flags, 0x20020);
    cr_assert(vf_settings_verifies(&s, "a.sys"));
    vf_settings_free(&s);

    s = apply("/standard /driver a.sys", "/volatile /flags 0");
    cr_assert_eq(s.flags, VF_FLAG_DDI_COMPLIANCE);
    vf_settings_free(&s);

    s = apply("/flags 0x1 /driver a.sys", "/volatile /flags 0x200");
    cr_assert_eq(s.flags, 0x210);
    vf_settings_free(&s);
}

Test(apply_volatile, add_and_remove_drivers)
{
    vf_settings s = apply("/standard /driver a.sys", "/volatile /adddriver B.sys a.SYS");
    cr_assert_eq(s.drivers.count, 2);
    cr_assert(vf_settings_verifies(&s, "b.sys"));
    cr_assert_eq(s.flags, VF_FLAGS_STANDARD);
    vf_settings_free(&s);

    s = apply("/standard /driver a.sys b.sys", "/volatile /removedriver A.SYS");
    cr_assert_not(vf_settings_verifies(&s, "a.sys"));
    cr_assert(vf_settings_verifies(&s, "b.sys"));
    vf_settings_free(&s);

    s = apply("", "/volatile /adddriver x.sys");
    cr_assert(vf_settings_verifies(&s, "x.sys"));
    vf_settings_free(&s);
}

Test(apply_volatile, with_all_drivers)
{
    vf_settings s = apply("/standard /all", "/volatile /removedriver x.sys");
    cr_assert_not(vf_settings_verifies(&s, "X.SYS"));
    cr_assert(vf_settings_verifies(&s, "y.sys"));
    vf_settings change = parse_ok("/volatile /adddriver X.sys");
    char err[ERR_BYTES];
    cr_assert(vf_settings_apply_volatile(&s, &change, err, sizeof err));
    cr_assert(vf_settings_verifies(&s, "x.sys"));
    cr_assert_eq(s.excluded.count, 0);
    vf_settings_free(&change);
    vf_settings_free(&s);
}

Test(apply_volatile, faults_replace_fault_settings)
{
    vf_settings s = apply("/standard /faults 50 \"Aaaa Bbbb\" x.exe 3 /driver a.sys",
                          "/volatile /faults 100 Tag1");
    cr_assert(s.faults_given);
    cr_assert(s.flags & VF_FLAG_LOW_RESOURCES);
    cr_assert_eq(s.faults_probability, 100);
    cr_assert_eq(s.faults_tags.count, 1);
    cr_assert_str_eq(s.faults_tags.items[0], "Tag1");
    cr_assert_eq(s.faults_apps.count, 0);
    cr_assert_eq(s.faults_delay_mins, 7);
    vf_settings_free(&s);

    s = apply("/flags 0x8 /driver a.sys", "/volatile /faults");
    cr_assert_eq(s.flags, 0xC);
    cr_assert_eq(s.faults_probability, 600);
    vf_settings_free(&s);
}

Test(apply_volatile, errors_leave_current_unchanged)
{
    vf_settings current = parse_ok("/flags 0x9 /driver a.sys");
    char err[ERR_BYTES];

    vf_settings change = parse_ok("/volatile /adddriver b.sys /removedriver nope.sys");
    cr_assert_not(vf_settings_apply_volatile(&current, &change, err, sizeof err));
    cr_assert_not_null(strstr(err, "verifier: /removedriver: \"nope.sys\" is not being verified"));
    cr_assert_eq(current.drivers.count, 1);
    cr_assert_not(vf_settings_verifies(&current, "b.sys"));
    vf_settings_free(&change);

    change = parse_ok("/flags 0x20");
    cr_assert_not(vf_settings_apply_volatile(&current, &change, err, sizeof err));
    cr_assert_not_null(strstr(err, "needs /volatile"));
    cr_assert_eq(current.flags, 0x9);
    vf_settings_free(&change);
    vf_settings_free(&current);
}

/* ------------------------------------------------------------------------ */
/* copy / free                                                              */
/* ------------------------------------------------------------------------ */

Test(copy, deep_copy_and_free)
{
    vf_settings src = parse_ok("/standard /all /driver.exclude a.sys /faults 5 \"Tag1 Fr*\" "
                               "\"n.exe m.exe\" 9 /rc 34 3 /query");
    vf_settings dst;
    cr_assert(vf_settings_copy(&dst, &src));
    cr_assert_eq(dst.flags, src.flags);
    cr_assert_eq(dst.all_drivers, src.all_drivers);
    cr_assert_eq(dst.faults_probability, 5);
    cr_assert_eq(dst.faults_delay_mins, 9);
    cr_assert_eq(dst.excluded.count, 1);
    cr_assert_neq(dst.excluded.items, src.excluded.items);
    cr_assert_neq(dst.excluded.items[0], src.excluded.items[0]);
    cr_assert_str_eq(dst.excluded.items[0], "a.sys");
    cr_assert_eq(dst.faults_tags.count, 2);
    cr_assert_str_eq(dst.faults_tags.items[1], "Fr*");
    cr_assert_eq(dst.faults_apps.count, 2);
    cr_assert_eq(dst.rule_class_count, 2);
    cr_assert_neq(dst.rule_classes, src.rule_classes);
    cr_assert_eq(dst.rule_classes[0], 34);
    cr_assert_eq(dst.unsimulated.count, src.unsimulated.count);

    vf_settings_free(&src); /* the copy must not share anything */
    cr_assert_str_eq(dst.excluded.items[0], "a.sys");
    cr_assert_str_eq(dst.unsimulated.items[0], "rule class 34 (WDF verification)");
    vf_settings_free(&dst);
    vf_settings_free(&dst); /* free leaves an empty, freeable struct */
    cr_assert_eq(dst.faults_probability, 600);
    cr_assert_null(dst.rule_classes);
}

Test(copy, empty_copy)
{
    vf_settings src;
    vf_settings_init(&src);
    vf_settings dst;
    cr_assert(vf_settings_copy(&dst, &src));
    cr_assert_null(dst.drivers.items);
    cr_assert_null(dst.rule_classes);
    vf_settings_free(&dst);
}

Test(copy, reparse_after_free)
{
    vf_settings s = parse_ok("/standard /driver a.sys");
    vf_settings_free(&s);
    cr_assert(vf_settings_parse(&s, "/flags 1 /driver b.sys", NULL, 0));
    cr_assert_eq(s.flags, 1);
    vf_settings_free(&s);
}

/* ------------------------------------------------------------------------ */
/* GFlags +spp                                                              */
/* ------------------------------------------------------------------------ */

Test(gflags, init)
{
    vf_gflags g;
    vf_gflags_init(&g);
    cr_assert_eq(g.spp, VF_SPP_NONE);
    cr_assert(g.overruns);
    cr_assert_str_empty(g.spp_tag);
    g = gflags_ok("");
    cr_assert_eq(g.spp, VF_SPP_NONE);
    cr_assert(g.overruns);
}

Test(gflags, tag)
{
    vf_gflags g = gflags_ok("+spp Fred");
    cr_assert_eq(g.spp, VF_SPP_TAG);
    cr_assert_str_eq(g.spp_tag, "Fred");
    cr_assert_eq(g.spp_value, 0x64657246);
    cr_assert(g.overruns);

    g = gflags_ok("/k +spp Tag1");
    cr_assert_eq(g.spp, VF_SPP_TAG);
    cr_assert_eq(g.spp_value, 0x31676154);

    g = gflags_ok("/R +SPP Tag1");
    cr_assert_str_eq(g.spp_tag, "Tag1");
    cr_assert_eq(g.spp_value, 0x31676154);
}

Test(gflags, tag_forms)
{
    vf_gflags g = gflags_ok("+spp Fat*");
    cr_assert_eq(g.spp, VF_SPP_TAG);
    cr_assert_str_eq(g.spp_tag, "Fat*");
    cr_assert_eq(g.spp_value, 0);

    g = gflags_ok("+spp Av?4");
    cr_assert_str_eq(g.spp_tag, "Av?4");
    cr_assert_eq(g.spp_value, 0);

    g = gflags_ok("+spp \"Ntf \"");
    cr_assert_str_eq(g.spp_tag, "Ntf ");
    cr_assert_eq(g.spp_value, 0x2066744E);

    g = gflags_ok("+spp Ab");
    cr_assert_eq(g.spp, VF_SPP_TAG);
    cr_assert_eq(g.spp_value, 0x6241);

    g = gflags_ok("+spp fred");
    cr_assert_eq(g.spp_value, 0x64657266); /* case-sensitive */

    g = gflags_ok("+spp 0o17"); /* only 0x is a number prefix for GFlags */
    cr_assert_eq(g.spp, VF_SPP_TAG);
}

Test(gflags, sizes)
{
    vf_gflags g = gflags_ok("+spp 0x30");
    cr_assert_eq(g.spp, VF_SPP_SIZE);
    cr_assert_eq(g.spp_value, 0x30);

    g = gflags_ok("/k +spp 48");
    cr_assert_eq(g.spp, VF_SPP_SIZE);
    cr_assert_eq(g.spp_value, 0x30);

    g = gflags_ok("+spp 0xFF8");
    cr_assert_eq(g.spp_value, 0xFF8);

    g = gflags_ok("+spp 0X10");
    cr_assert_eq(g.spp_value, 0x10);
}

Test(gflags, all)
{
    const char *forms[] = {"+spp *", "+spp 0x2A", "+spp 0x2a", "+spp 42", "/k +spp *"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        vf_gflags g = gflags_ok(forms[i]);
        cr_assert_eq(g.spp, VF_SPP_ALL, "%s", forms[i]);
    }
}

Test(gflags, clear_and_placement)
{
    vf_gflags g = gflags_ok("-spp");
    cr_assert_eq(g.spp, VF_SPP_NONE);
    g = gflags_ok("/k -spp");
    cr_assert_eq(g.spp, VF_SPP_NONE);

    g = gflags_ok("+spp Fred underruns");
    cr_assert_eq(g.spp, VF_SPP_TAG);
    cr_assert_not(g.overruns);
    g = gflags_ok("+spp Fred Overruns");
    cr_assert(g.overruns);
    g = gflags_ok("/k +spp 0x30 UNDERRUNS");
    cr_assert_eq(g.spp, VF_SPP_SIZE);
    cr_assert_not(g.overruns);
    g = gflags_ok("underruns");
    cr_assert_eq(g.spp, VF_SPP_NONE);
    cr_assert_not(g.overruns);
}

Test(gflags, errors)
{
    vf_gflags g;
    char err[ERR_BYTES];
    cr_assert_not(vf_gflags_parse(&g, "+spp 0", err, sizeof err));
    cr_assert_str_eq(err, "gflags: +spp: size \"0\" is out of range (1 to 0xFFF; give a pool tag "
                          "as its characters)");
    gflags_fails("+spp", "+spp needs a pool tag, a size or *");
    gflags_fails("+spp 0x1000", "size \"0x1000\" is out of range");
    gflags_fails("+spp 4096", "size \"4096\" is out of range");
    gflags_fails("+spp 0x31676154", "out of range");
    gflags_fails("+spp 0xZZ", "+spp: \"0xZZ\" is not a number");
    gflags_fails("+spp 0x", "\"0x\" is not a number");
    gflags_fails("+spp 99999999999", "\"99999999999\" is not a number");
    gflags_fails("+spp Fred1", "+spp: \"Fred1\" is not a pool tag (1 to 4 characters)");
    gflags_fails("+spp \"\"", "\"\" is not a pool tag");
    gflags_fails("+spp \"a\tb\"", "outside 0x20..0x7E");
    gflags_fails("+spp \"\xC3\xA9t\xC3\xA9\"", "is not a pool tag");
    gflags_fails("+spp \"\xC3\xA9\"", "outside 0x20..0x7E");
    gflags_fails("+hpa", "\"+hpa\" is not supported");
    gflags_fails("/i notepad.exe +spp Fred", "\"/i\" is not supported");
    gflags_fails("+spp Fred /k", "\"/k\" must come first");
    gflags_fails("+spp Fred +spp Tag1", "only one special pool tag or size at a time");
    gflags_fails("+spp Fred -spp", "only one");
    gflags_fails("+spp Fred underruns overruns", "overruns or underruns, once");
    gflags_fails("+spp Fred Tag1", "\"Tag1\" is not supported");
    gflags_fails("gflags /k +spp Fred", "\"gflags\": leave out the program name");
}

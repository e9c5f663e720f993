/*
 * fuzz_verifier.c - libFuzzer harness for the verifier.exe command-line
 * parser (sim/vf/vf_settings.c): vf_settings_parse on any text, then what a
 * run does with the settings (copy, /volatile apply, the driver match, the
 * notes for options not simulated). Checks: no crash, no leak, an error is a
 * one-line message, a /volatile change applies or says why.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "vf/vf.h"
#include "vf/vf_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    char err[512];
    vf_settings s;
    vf_settings_init(&s);
    err[0] = '\0';
    if (!vf_settings_parse(&s, text, err, sizeof err)) {
        fuzz_check_message(err, sizeof err);
        vf_settings_free(&s);
        free(text);
        return 0;
    }
    FUZZ_CHECK(s.iolevel == 1 || s.iolevel == 2);
    FUZZ_CHECK(s.faults_probability <= VF_FAULTS_PROBABILITY_DENOMINATOR);

    vf_settings copy;
    vf_settings_init(&copy);
    FUZZ_CHECK(vf_settings_copy(&copy, &s));
    FUZZ_CHECK(copy.flags == s.flags && copy.drivers.count == s.drivers.count);
    (void)vf_settings_verifies(&s, "a.sys");
    (void)vf_settings_verifies(&s, "");
    for (size_t i = 0; i < s.drivers.count; i++) {
        (void)vf_settings_verifies(&s, s.drivers.items[i]);
    }

    /* As Verifier("...") in a scenario: a change over the settings parsed. */
    vf_settings current;
    vf_settings_init(&current);
    FUZZ_CHECK(vf_settings_copy(&current, &copy));
    err[0] = '\0';
    if (!vf_settings_apply_volatile(&current, &s, err, sizeof err)) {
        fuzz_check_message(err, sizeof err);
    }

    vf_gflags g;
    vf_gflags_init(&g);
    char **notes = NULL;
    size_t count = 0;
    if (vf_unsimulated_notes(&s, &g, &notes, &count)) {
        for (size_t i = 0; i < count; i++) {
            FUZZ_CHECK(notes[i] != NULL && notes[i][0] != '\0');
            free(notes[i]);
        }
    }
    free(notes);

    vf_settings_free(&current);
    vf_settings_free(&copy);
    vf_settings_free(&s);
    free(text);
    return 0;
}

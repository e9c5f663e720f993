/*
 * fuzz_scenario.c - libFuzzer harness for scenario text: the bytes are
 * written as a scenario file and run with small limits (instructions,
 * events), twice. Checks: no crash, no leak, no hang (libFuzzer's -timeout),
 * a result that says what happened (an error has a message), and
 * determinism: both runs end with one outcome and one digest.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drvsim/drvsim.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scenario_dir[400];
static char scenario_path[512];

static void remove_scenario(void)
{
    unlink(scenario_path);
    rmdir(scenario_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(scenario_dir, sizeof scenario_dir, "%s/drvsim_fuzz.XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(scenario_dir) == NULL) {
        perror("fuzz_scenario: mkdtemp");
        abort();
    }
    snprintf(scenario_path, sizeof scenario_path, "%s/fuzz.lua", scenario_dir);
    atexit(remove_scenario);
    return 0;
}

static void run_once(drvsim_result *r)
{
    drvsim_options o;
    memset(&o, 0, sizeof o);
    o.scenario_path = scenario_path;
    o.limit_instructions = 2000000;
    o.limit_events = 20000;
    drvsim_run(&o, r);
    FUZZ_CHECK(r->outcome >= DRVSIM_OUTCOME_CLEAN && r->outcome <= DRVSIM_OUTCOME_DEADLOCK);
    FUZZ_CHECK(r->exit_code >= DRVSIM_EXIT_OK && r->exit_code <= DRVSIM_EXIT_SCENARIO);
    FUZZ_CHECK(memchr(r->message, '\0', sizeof r->message) != NULL);
    if (r->outcome == DRVSIM_OUTCOME_ERROR) {
        FUZZ_CHECK(r->message[0] != '\0');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scenario_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_scenario: writing the scenario");
        abort();
    }
    drvsim_result a, b;
    run_once(&a);
    run_once(&b);
    FUZZ_CHECK(a.outcome == b.outcome);
    FUZZ_CHECK(a.digest == b.digest);
    if (strcmp(a.message, b.message) != 0) {
        fprintf(stderr, "first run:  %s\nsecond run: %s\n", a.message, b.message);
    }
    FUZZ_CHECK(strcmp(a.message, b.message) == 0);
    drvsim_result_free(&a);
    drvsim_result_free(&b);
    return 0;
}

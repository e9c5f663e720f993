/*
 * fuzz_cli.c - libFuzzer harness for the drvsim command line (cli/): the
 * bytes, split at NUL bytes, are argv after "drvsim"; cli_main parses them
 * with cli_parse_only set, so no command runs a scenario or writes a file.
 * Checks: no crash, no leak, and the status of a parse: 0 (good, or --help,
 * or `rules`) or 2 (a usage error).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ARGS 64

static char dir[400];

static void remove_dir(void)
{
    rmdir(dir); /* empty: no command writes when only parsing */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cli_parse_only = true;
    /* Relative paths (--replay FILE) find nothing here. */
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/drvsim_fuzz.XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL || chdir(dir) != 0) {
        perror("fuzz_cli: a working directory");
        abort();
    }
    atexit(remove_dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *argv[FUZZ_MAX_ARGS + 2];
    int argc = 0;
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    argv[argc++] = "drvsim";
    for (size_t i = 0; i <= size && argc <= FUZZ_MAX_ARGS;) {
        argv[argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    argv[argc] = NULL;
    optind = 0;
    int status = cli_main(argc, argv);
    FUZZ_CHECK(status == 0 || status == 2);
    fflush(stdout);
    free(text);
    return 0;
}

/*
 * embed.c - a program of a driver team's own, built against an installed
 * drvsim with `pkg-config --cflags --libs drvsim` (tools/check_install.py):
 * runs the scenario named on its command line through the embedding API and
 * prints its outcome, bug check and digest. Exit status: drvsim_run's.
 */
#include <inttypes.h>
#include <stdio.h>

#include <drvsim/drvsim.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: embed SCENARIO.lua\n");
        return 2;
    }
    drvsim_options options = {0};
    options.scenario_path = argv[1];
    drvsim_result result;
    int status = drvsim_run(&options, &result);
    printf("%s %s 0x%" PRIX32 " 0x%016" PRIx64 " %s\n", drvsim_outcome_name(result.outcome),
           result.expected ? "expected" : "unexpected",
           result.outcome == DRVSIM_OUTCOME_BUGCHECK ? result.bugcheck.code : 0, result.digest,
           DRVSIM_VERSION);
    drvsim_result_free(&result);
    return status;
}

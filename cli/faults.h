/*
 * faults.h - choice files: the failures a low resources run injected, keyed
 * by meaning (DDI, pool tag, ordinal among that DDI and tag's eligible
 * calls), so that `--replay` fails the same calls after unrelated edits of
 * the scenario. The scenario line of each is kept as information only.
 *
 *   { "format": "drvsim-faults/2", "scenario": "...", "seed": 1,
 *     "verifier": null, "faults": [ { "ddi": "ExAllocatePoolWithTag",
 *     "tag": "Smpl", "tag_value": 1819307347, "ordinal": 429, "site":
 *     "scenarios/faults/x.lua:29", "driver": "sensor.sys", ... } ],
 *     "switches": [ { "kind": "thread", "id": 3, "run": 0, "step": 17,
 *     "cpu": 1 }, ... ] }
 *
 * "switches" are the scheduling decisions by meaning (drvsim_switch); a
 * file without them (format /1) replays its failures under the seed's own
 * schedule.
 */
#ifndef DRVSIM_CLI_FAULTS_H
#define DRVSIM_CLI_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drvsim/drvsim.h"

#define FAULTS_FORMAT    "drvsim-faults/2"
#define FAULTS_FORMAT_V1 "drvsim-faults/1" /* read, never written */

typedef struct faults_choices {
    drvsim_fault_key *keys;
    size_t count;
    uint64_t seed;
    bool has_seed;
    char *verifier; /* the --verifier of the recorded run, or NULL */
    char *sched;    /* the --sched of the recorded run, or NULL */
    bool has_switches;
    drvsim_switch *switches;
    size_t switch_count;
} faults_choices;

/* Writes a choice file: its failures, and (unless switches is NULL) its
 * scheduling decisions. False with a message in err on failure. */
bool faults_write(const char *path, const char *scenario, uint64_t seed, const char *verifier,
                  const char *sched, const drvsim_fault *faults, size_t count,
                  const drvsim_switch *switches, size_t switch_count, char *err, size_t err_len);

/* Reads a choice file. False with a message in err on failure. */
bool faults_read(const char *path, faults_choices *out, char *err, size_t err_len);

void faults_choices_free(faults_choices *c);

#endif /* DRVSIM_CLI_FAULTS_H */

/*
 * sarif.h - SARIF 2.1.0 logs of `test` and `sweep` (--sarif PATH), for
 * GitHub code scanning and other SARIF readers: one result per failing
 * scenario (test) or per distinct way a sweep's runs failed (sweep), with
 * the rule id, the message, the scenario location and the replay command.
 *
 * A result's rule is the catalogue's rule id of its bug check
 * (`drvsim rules`), or one of drvsim's own outcome rules for what is no bug
 * check: drvsim.scenario-error, drvsim.timeout, drvsim.deadlock,
 * drvsim.expectation (the expected bug check did not happen),
 * drvsim.nondeterministic. Like the rest of the CLI's output, the log is a
 * pure function of the results: no host time, no host paths.
 */
#ifndef DRVSIM_CLI_SARIF_H
#define DRVSIM_CLI_SARIF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "drvsim/drvsim.h"
#include "output.h"

typedef struct sarif_log {
    json_t *rules;      /* tool.driver.rules, in order of first use */
    json_t *rule_index; /* rule id -> its index in rules */
    json_t *results;
    bool ok; /* false once the host ran out of memory */
} sarif_log;

void sarif_init(sarif_log *log);

/*
 * One failing run: `why` is the one-line reason (test's FAIL line), NULL for
 * the run's own (its message, else expected-versus-got); `nondeterministic`
 * files it under drvsim.nondeterministic; `count` and `first_seed` describe
 * a sweep's group (count 0: a test's single run). `replay` is the command
 * that replays it.
 */
void sarif_add(sarif_log *log, const drvsim_result *r, const char *why, bool nondeterministic,
               const char *replay, size_t count);

/* A sweep's group of runs that did not match the scenario's expect (see
 * out_group), filed at its first seed. */
void sarif_add_group(sarif_log *log, const out_group *g, const char *scenario, const char *replay);

/* Writes the log (one run of tool drvsim) as an indented JSON document; false on a write
 * error or after the host ran out of memory. Frees the log. */
bool sarif_write(sarif_log *log, FILE *out);

#endif /* DRVSIM_CLI_SARIF_H */

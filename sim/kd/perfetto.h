/*
 * perfetto.h - the trace as Chrome trace event JSON (--perfetto PATH), which
 * Perfetto's UI and chrome://tracing open: a timeline of one run.
 *
 * A trace sink like the text trace (kd/trace.h): it reads the records the
 * digest is computed from, and the machine's state as each is committed,
 * and writes nothing the run can see, so a run with --perfetto has the
 * digest of one without. Only simulated values reach the file (times in
 * 100 ns units, simulated addresses, scenario lines), so the same scenario,
 * seed and options give the same bytes.
 *
 * What the file holds (Trace Event Format, JSON object form):
 *   - one process (pid 1) for the simulated machine, named by the scenario
 *     and seed; metadata names every thread (track) used;
 *   - a track per processor ("CPU n", tid 1 + n): the execution of each
 *     thread it runs as a slice, and the DPCs and ISRs it runs as slices
 *     named by their routine ("DPC netq.sys!DeferredRoutine"), with the
 *     DDI calls and routines they make nested inside; its IRQL as a counter
 *     ("CPU n IRQL");
 *   - a track per simulated thread ("thread N", tid 1000 + N): the driver
 *     routines it runs and the DDI calls they make, and its waits, as
 *     slices; a timer track (tid 999) for timer expirations;
 *   - counters: pool bytes of verified drivers (paged, nonpaged), special
 *     pool allocations, pool pages, and Driver Verifier's global counters;
 *   - flows: a DPC's queueing (KeInsertQueueDpc, or its timer's expiration)
 *     to its run, IoCallDriver to the dispatch routine it calls, and
 *     IoCompleteRequest to the completion routine it calls;
 *   - the bug check as an instant event with its parameters, driver and
 *     rule; every slice's args carry the scenario file:line ("site").
 * Timestamps ("ts", microseconds) are simulated time: 100 ns units written
 * as microseconds with one decimal.
 */
#ifndef DRVSIM_KD_PERFETTO_H
#define DRVSIM_KD_PERFETTO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ke/ke.h"

typedef struct kd_perfetto kd_perfetto;

/* A writer onto out, for the run of `scenario` with `seed` (the process's
 * name). NULL when the host is out of memory. */
kd_perfetto *kd_perfetto_create(FILE *out, const char *scenario, uint64_t seed);

/* The machine whose state the records describe: set once it exists (the
 * boot record comes while it is built). */
void kd_perfetto_attach(kd_perfetto *p, const ke_machine *m);

/* A des_trace_sink: ctx is a kd_perfetto. */
void kd_perfetto_record(void *ctx, uint64_t now_100ns, const des_rec *rec);

/* Ends the slices still open at now_100ns and the JSON document. Returns
 * false when a write failed. Frees the writer (not the FILE). */
bool kd_perfetto_finish(kd_perfetto *p, uint64_t now_100ns);

#endif /* DRVSIM_KD_PERFETTO_H */

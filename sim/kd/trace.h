/*
 * trace.h - the text form of the trace (--trace PATH): one line per record,
 * the same records the digest is computed from.
 */
#ifndef DRVSIM_KD_TRACE_H
#define DRVSIM_KD_TRACE_H

#include <stdio.h>

#include "ke/ke.h"

struct kd_perfetto;

typedef struct kd_trace_ctx {
    FILE *out; /* the text trace, or NULL */
    const ke_machine *m;
    struct kd_perfetto *perfetto; /* the Perfetto timeline (kd/perfetto.h), or NULL */
} kd_trace_ctx;

/* A des_trace_sink: ctx is a kd_trace_ctx; writes the text line. */
void kd_trace_text(void *ctx, uint64_t now_100ns, const des_rec *rec);

/* A des_trace_sink that feeds both: the text trace when `out` is set, the
 * Perfetto timeline when `perfetto` is. */
void kd_trace_sink(void *ctx, uint64_t now_100ns, const des_rec *rec);

#endif /* DRVSIM_KD_TRACE_H */

/*
 * trace.h - the text form of the trace (--trace PATH): one line per record,
 * the same records the digest is computed from.
 */
#ifndef DRVSIM_KD_TRACE_H
#define DRVSIM_KD_TRACE_H

#include <stdio.h>

#include "ke/ke.h"

typedef struct kd_trace_ctx {
    FILE *out;
    const ke_machine *m;
} kd_trace_ctx;

/* A des_trace_sink: ctx is a kd_trace_ctx. */
void kd_trace_text(void *ctx, uint64_t now_100ns, const des_rec *rec);

#endif /* DRVSIM_KD_TRACE_H */

/*
 * bugcheck.c - raising a bug check: the record that halts the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "kd/kd.h"

void kd_raise_full(ke_call *call, rule_id rule, uint32_t code, const uint64_t params[4],
                   io_driver *blame, const char *detail)
{
    ke_machine *m = call->m;
    if (ke_stopped(m))
        return; /* the first stop is the outcome */
    KE_CHECK(m, rule < RULE_COUNT);
    const rule_row *row = &rule_table[rule];

    drvsim_bugcheck *bc = &m->bugcheck;
    memset(bc, 0, sizeof *bc);
    bc->code = code;
    memcpy(bc->params, params, sizeof bc->params);
    if (blame == NULL)
        blame = call->driver;
    if (blame != NULL)
        snprintf(bc->driver, sizeof bc->driver, "%s", blame->name);
    snprintf(bc->rule, sizeof bc->rule, "%s", row->id);
    snprintf(bc->description, sizeof bc->description, "%s", row->description);
    if (detail != NULL)
        snprintf(bc->detail, sizeof bc->detail, "%s", detail);

    ke_thread *t = call->thread;
    const ke_frame *frame = ke_top_frame(call->exec);
    if (frame != NULL && frame->driver != NULL)
        snprintf(bc->routine, sizeof bc->routine, "%s", frame->routine);
    m->host.site_name(m->host.ctx, m->host.site(m->host.ctx, call->exec), bc->site,
                      sizeof bc->site);
    bc->time_100ns = m->des.now_100ns;
    bc->cpu = call->exec->cpu;
    bc->irql = ke_call_irql(call);
    ke_irql_name(m->config.arch, bc->irql, bc->irql_name, sizeof bc->irql_name);
    snprintf(bc->process, sizeof bc->process, "%s", t->process->image);

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_BUGCHECK);
    des_rec_u32(&rec, code);
    for (int i = 0; i < 4; i++)
        des_rec_u64(&rec, params[i]);
    des_rec_u8(&rec, ke_trace_driver(blame));
    ke_trace_commit(m, &rec);

    m->stop = KE_STOP_BUGCHECK;
}

void kd_warn(ke_call *call, rule_id rule, const uint64_t params[4], io_driver *blame)
{
    ke_machine *m = call->m;
    if (ke_stopped(m))
        return;
    KE_CHECK(m, rule < RULE_COUNT);
    const rule_row *row = &rule_table[rule];
    if (blame == NULL)
        blame = call->driver;
    m->warning_total++;
    if (m->warning_count < DRVSIM_MAX_RECORDED_WARNINGS) {
        if (m->warning_count % 16 == 0) {
            drvsim_warning *grown =
                realloc(m->warnings, (m->warning_count + 16) * sizeof *m->warnings);
            KE_CHECK(m, grown != NULL);
            m->warnings = grown;
        }
        drvsim_warning *w = &m->warnings[m->warning_count++];
        memset(w, 0, sizeof *w);
        snprintf(w->rule, sizeof w->rule, "%s", row->id);
        w->code = row->code;
        memcpy(w->params, params, sizeof w->params);
        if (blame != NULL)
            snprintf(w->driver, sizeof w->driver, "%s", blame->name);
        w->time_100ns = m->des.now_100ns;
    }
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WARNING);
    des_rec_u32(&rec, row->code);
    for (int i = 0; i < 4; i++)
        des_rec_u64(&rec, params[i]);
    des_rec_u8(&rec, ke_trace_driver(blame));
    ke_trace_commit(m, &rec);
}

void kd_raise(ke_call *call, rule_id rule, uint64_t a, uint64_t b, uint64_t c)
{
    const rule_row *row = &rule_table[rule];
    uint64_t params[4];
    switch (row->sub_param) {
    case 1:
        params[0] = row->sub_value, params[1] = a, params[2] = b, params[3] = c;
        break;
    case 4:
        params[0] = a, params[1] = b, params[2] = c, params[3] = row->sub_value;
        break;
    default:
        /* A rule without a sub-code must give all four parameters. */
        ke_panic(call->m, __FILE__, __LINE__, "kd_raise on a rule without a sub-code");
    }
    kd_raise_full(call, rule, row->code, params, NULL, NULL);
}

void KeBugCheckEx(ke_call *call, ULONG BugCheckCode, uint64_t BugCheckParameter1,
                  uint64_t BugCheckParameter2, uint64_t BugCheckParameter3,
                  uint64_t BugCheckParameter4)
{
    const uint64_t params[4] = {BugCheckParameter1, BugCheckParameter2, BugCheckParameter3,
                                BugCheckParameter4};
    kd_raise_full(call, RULE_driver_called_bugcheck, BugCheckCode, params, NULL, NULL);
}

/* KeBugCheck: KeBugCheckEx with the four parameters 0. */
void KeBugCheck(ke_call *call, ULONG BugCheckCode)
{
    KeBugCheckEx(call, BugCheckCode, 0, 0, 0, 0);
}

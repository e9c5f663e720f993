/*
 * perfetto.c - the trace as Chrome trace event JSON. See perfetto.h.
 *
 * Slices are B/E pairs written as the records come, so the file is one pass
 * and its events are in time order. Each track keeps the stack of its open
 * slices: ending one that is not on top (a thread switched away inside a
 * DDI call, a bug check inside a routine) ends those above it first, so B/E
 * pairs always nest on a track.
 */
#include "kd/perfetto.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ddi_table.h"
#include "drvsim/bugcodes.h"
#include "ex/pool.h"
#include "io/io.h"
#include "mm/special.h"
#include "vf/vf.h"

#define PF_PID         1
#define PF_CPU_TID     1u    /* CPU n is tid 1 + n */
#define PF_TIMER_TID   999u  /* timer expirations */
#define PF_THREAD_TID  1000u /* thread N is tid 1000 + N */
#define PF_MAX_DEPTH   128u  /* open slices on one track */
#define PF_NAME_BYTES  64u   /* a slice's name, cut to fit, on its B and its E alike */
#define PF_MAX_PENDING 256u  /* DPCs queued and timers set, awaiting their run */

typedef enum pf_kind {
    PF_EXEC,    /* a thread running on a processor */
    PF_DPC,     /* a DPC on a processor */
    PF_ISR,     /* an ISR on a processor */
    PF_ROUTINE, /* a driver routine */
    PF_CALL,    /* a DDI call */
    PF_WAIT,    /* a thread's wait */
    PF_TIMER,   /* a timer's expiration */
} pf_kind;

typedef struct pf_slice {
    uint8_t kind;
    uint64_t key;
    char name[PF_NAME_BYTES]; /* repeated on the E: DevTools' loader matches B and E by it */
} pf_slice;

typedef struct pf_track {
    bool named;   /* its thread_name metadata is written */
    uint32_t tid; /* set with the name */
    uint32_t depth;
    uint32_t cap;
    pf_slice *open; /* grown as slices nest, up to PF_MAX_DEPTH */
    /* Threads: a flow waiting for the next routine the thread enters (an
     * IoCallDriver's dispatch routine, an IoCompleteRequest's completion
     * routine), and the DDI call that started it. */
    uint64_t flow;
    uint16_t flow_ddi;
    char flow_name[32];
} pf_track;

typedef struct pf_cpu {
    pf_track track;
    uint32_t current;  /* the thread it runs (its last switch) */
    bool exec_open;    /* a PF_EXEC slice is open for `current` */
    int last_irql;     /* the IRQL counter's last value, -1 for none yet */
    /* A DPC or ISR that started, named by its routine once that enters. */
    bool pending;
    uint8_t pending_kind;
    uint64_t pending_key;
    uint64_t pending_flow; /* its queueing's flow, 0 for none */
    /* A DPC or ISR is open: its routine's nested enters (1 = its own). */
    bool active;
    uint32_t routine_depth;
} pf_cpu;

typedef struct pf_pair {
    uint64_t a, b;
} pf_pair;

struct kd_perfetto {
    FILE *out;
    const ke_machine *m;
    char process[600];
    bool first; /* no event written yet: no comma before the next */
    bool stopped;
    uint32_t cpu_count;
    pf_cpu cpus[KE_MAX_CPUS];
    pf_track timer_track;
    pf_track machine_track; /* tid 0: named only, holds no slices */
    pf_track **threads; /* by thread id, made on first use */
    uint32_t thread_cap;
    uint64_t next_flow;
    pf_pair dpc_flows[PF_MAX_PENDING]; /* DPC address -> flow of its queueing */
    uint32_t dpc_flow_count;
    pf_pair timer_dpcs[PF_MAX_PENDING]; /* timer address -> its DPC */
    uint32_t timer_dpc_count;
    /* Counters' last values: pool (paged, nonpaged, special, pages), verifier. */
    uint64_t pool_last[4];
    bool pool_written;
    uint64_t vf_last[DRVSIM_GLOBAL_COUNTER_COUNT];
    bool vf_written;
    /* DDI ids whose calls start flows. */
    uint16_t ddi_queue_dpc, ddi_call_driver[2], ddi_complete[2], ddi_set_timer[3];
};

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

static void pf_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else if (*p >= 0x80)
            fputc('?', out); /* names are ASCII; keep the file valid UTF-8 */
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Simulated 100 ns units as microseconds, "12.3": integer math only. */
static void pf_ts(FILE *out, uint64_t t)
{
    fprintf(out, "%" PRIu64 ".%u", t / 10u, (unsigned)(t % 10u));
}

/* Starts an event: {"ph":..,"cat":"drvsim","pid":1,"tid":..,"ts":.. (the
 * caller adds the rest and the closing brace). */
static void pf_event(kd_perfetto *p, const char *ph, uint32_t tid, uint64_t t)
{
    fputs(p->first ? "\n" : ",\n", p->out);
    p->first = false;
    /* "cat" is optional in the format, but Chrome DevTools' loader wants it. */
    fprintf(p->out, "{\"ph\":\"%s\",\"cat\":\"drvsim\",\"pid\":%d,\"tid\":%" PRIu32 ",\"ts\":", ph,
            PF_PID, tid);
    pf_ts(p->out, t);
}

/* The scenario line running now, "" when none (or no machine yet). */
static const char *pf_site(const kd_perfetto *p, char *buf, size_t len)
{
    buf[0] = '\0';
    const ke_machine *m = p->m;
    if (m == NULL || m->host.site == NULL || m->host.site_name == NULL)
        return buf;
    ke_site site = m->host.site(m->host.ctx, NULL);
    if (site.line == 0)
        return buf;
    return m->host.site_name(m->host.ctx, site, buf, len);
}

static const char *pf_driver(const kd_perfetto *p, uint8_t index)
{
    if (index == 0xFF || p->m == NULL)
        return "";
    return index < p->m->driver_count ? p->m->drivers[index]->name : "?";
}

/* ------------------------------------------------------------------------ */
/* Tracks                                                                   */
/* ------------------------------------------------------------------------ */

static void pf_name_track(kd_perfetto *p, pf_track *t, uint32_t tid, const char *name)
{
    if (t->named)
        return;
    t->named = true;
    t->tid = tid;
    pf_event(p, "M", tid, 0);
    fputs(",\"name\":\"thread_name\",\"args\":{\"name\":", p->out);
    pf_string(p->out, name);
    fputs("}}", p->out);
    pf_event(p, "M", tid, 0);
    fprintf(p->out, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%" PRIu32 "}}", tid);
}

static pf_track *pf_cpu_track(kd_perfetto *p, uint32_t cpu)
{
    pf_track *t = &p->cpus[cpu].track;
    char name[16];
    snprintf(name, sizeof name, "CPU %" PRIu32, cpu);
    pf_name_track(p, t, PF_CPU_TID + cpu, name);
    return t;
}

static pf_track *pf_thread_track(kd_perfetto *p, uint32_t thread)
{
    if (thread >= p->thread_cap) {
        uint32_t cap = p->thread_cap == 0 ? 64 : p->thread_cap;
        while (cap <= thread)
            cap *= 2;
        pf_track **grown = realloc(p->threads, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        memset(grown + p->thread_cap, 0, (cap - p->thread_cap) * sizeof *grown);
        p->threads = grown;
        p->thread_cap = cap;
    }
    if (p->threads[thread] == NULL && (p->threads[thread] = calloc(1, sizeof(pf_track))) == NULL)
        return NULL;
    pf_track *t = p->threads[thread];
    char name[24];
    snprintf(name, sizeof name, "thread %" PRIu32, thread);
    pf_name_track(p, t, PF_THREAD_TID + thread, name);
    return t;
}

static uint32_t pf_tid(const kd_perfetto *p, const pf_track *t)
{
    (void)p;
    return t->tid; /* every track is named before its first event */
}

/* Opens a slice: B with its name and args (site, and `extra`, a JSON
 * fragment of more members or NULL). */
static void pf_begin(kd_perfetto *p, pf_track *t, uint64_t ts, pf_kind kind, uint64_t key,
                     const char *name, const char *extra)
{
    if (t == NULL || t->depth == PF_MAX_DEPTH)
        return;
    if (t->depth == t->cap) {
        uint32_t cap = t->cap == 0 ? 8 : 2 * t->cap;
        pf_slice *grown = realloc(t->open, cap * sizeof *grown);
        if (grown == NULL)
            return; /* out of host memory: the slice is left out, the file stays valid */
        t->open = grown;
        t->cap = cap;
    }
    pf_slice *sl = &t->open[t->depth++];
    sl->kind = (uint8_t)kind;
    sl->key = key;
    snprintf(sl->name, sizeof sl->name, "%s", name);
    char site[400];
    pf_event(p, "B", pf_tid(p, t), ts);
    fputs(",\"name\":", p->out);
    pf_string(p->out, sl->name);
    fputs(",\"args\":{\"site\":", p->out);
    pf_string(p->out, pf_site(p, site, sizeof site));
    if (extra != NULL)
        fprintf(p->out, ",%s", extra);
    fputs("}}", p->out);
}

/* The E of the track's top slice. */
static void pf_pop(kd_perfetto *p, pf_track *t, uint64_t ts)
{
    pf_event(p, "E", pf_tid(p, t), ts);
    fputs(",\"name\":", p->out);
    pf_string(p->out, t->open[t->depth - 1].name);
    fputs(",\"args\":{}}", p->out); /* DevTools' loader wants args on every event */
    t->depth--;
}

/* Ends the topmost open slice of that kind and key (any key: ~0), and those
 * above it; nothing when none is open. */
static void pf_end(kd_perfetto *p, pf_track *t, uint64_t ts, pf_kind kind, uint64_t key)
{
    if (t == NULL)
        return;
    uint32_t i = t->depth;
    while (i > 0 && !(t->open[i - 1].kind == kind && (key == ~0ull || t->open[i - 1].key == key)))
        i--;
    if (i == 0)
        return;
    while (t->depth >= i)
        pf_pop(p, t, ts);
}

static void pf_end_all(kd_perfetto *p, pf_track *t, uint64_t ts)
{
    if (t == NULL)
        return;
    while (t->depth > 0)
        pf_pop(p, t, ts);
}

/* A flow's start ("s") or end ("f", bound to the slice that encloses it). */
static void pf_flow(kd_perfetto *p, pf_track *t, uint64_t ts, bool start, uint64_t id,
                    const char *name)
{
    if (t == NULL || id == 0)
        return;
    pf_event(p, start ? "s" : "f", pf_tid(p, t), ts);
    fputs(",\"name\":", p->out);
    pf_string(p->out, name);
    fprintf(p->out, ",\"id\":%" PRIu64 "%s,\"args\":{}}", id, start ? "" : ",\"bp\":\"e\"");
}

/* The processor whose DPC or ISR runs in thread's context, else -1: code of
 * a DPC or an ISR is shown on its processor's track, not its thread's. */
static int pf_callback_cpu(const kd_perfetto *p, uint32_t thread)
{
    for (uint32_t c = 0; c < p->cpu_count; c++) {
        if (!p->cpus[c].active && !p->cpus[c].pending)
            continue;
        /* The thread it interrupts: the machine knows it (an idle thread
         * has no switch record). */
        const ke_thread *current =
            p->m != NULL && c < p->m->cpu_count ? p->m->cpus[c].current : NULL;
        if ((current != NULL ? current->id : p->cpus[c].current) == thread)
            return (int)c;
    }
    return -1;
}

static pf_track *pf_code_track(kd_perfetto *p, uint32_t thread)
{
    int c = pf_callback_cpu(p, thread);
    return c >= 0 ? &p->cpus[c].track : pf_thread_track(p, thread);
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                 */
/* ------------------------------------------------------------------------ */

static void pf_counters(kd_perfetto *p, uint64_t ts)
{
    const ke_machine *m = p->m;
    if (m == NULL)
        return;
    for (uint32_t c = 0; c < p->cpu_count && c < m->cpu_count; c++) {
        int irql = m->cpus[c].irql;
        if (irql == p->cpus[c].last_irql)
            continue;
        p->cpus[c].last_irql = irql;
        pf_event(p, "C", PF_CPU_TID + c, ts);
        fprintf(p->out, ",\"name\":\"CPU %" PRIu32 " IRQL\",\"args\":{\"IRQL\":%d}}", c, irql);
    }
    uint64_t pool[4] = {0, 0, 0, 0};
    for (uint32_t d = 0; d < m->driver_count; d++) {
        pool[0] += m->drivers[d]->counters[DRVSIM_DC_PagedPoolUsageInBytes];
        pool[1] += m->drivers[d]->counters[DRVSIM_DC_NonPagedPoolUsageInBytes];
    }
    if (m->pool != NULL) {
        pool[2] = m->pool->special != NULL ? m->pool->special->live : 0;
        pool[3] = m->pool->used_pages;
    }
    if (!p->pool_written || memcmp(pool, p->pool_last, sizeof pool) != 0) {
        p->pool_written = true;
        memcpy(p->pool_last, pool, sizeof pool);
        pf_event(p, "C", 0, ts);
        fprintf(p->out,
                ",\"name\":\"Pool of verified drivers (bytes)\",\"args\":{\"paged\":%" PRIu64
                ",\"nonpaged\":%" PRIu64 "}}",
                pool[0], pool[1]);
        pf_event(p, "C", 0, ts);
        fprintf(p->out, ",\"name\":\"Special pool (allocations)\",\"args\":{\"special\":%" PRIu64 "}}",
                pool[2]);
        pf_event(p, "C", 0, ts);
        fprintf(p->out, ",\"name\":\"Pool pages\",\"args\":{\"used\":%" PRIu64 "}}", pool[3]);
    }
    if (m->vf != NULL && (!p->vf_written || memcmp(m->vf->counters, p->vf_last,
                                                   sizeof p->vf_last) != 0)) {
        p->vf_written = true;
        memcpy(p->vf_last, m->vf->counters, sizeof p->vf_last);
        pf_event(p, "C", 0, ts);
        fputs(",\"name\":\"Driver Verifier\",\"args\":{", p->out);
        for (size_t i = 0; i < DRVSIM_GLOBAL_COUNTER_COUNT; i++)
            fprintf(p->out, "%s\"%s\":%" PRIu64, i ? "," : "", drvsim_global_counter_names[i],
                    p->vf_last[i]);
        fputs("}}", p->out);
    }
}

/* ------------------------------------------------------------------------ */
/* Records                                                                  */
/* ------------------------------------------------------------------------ */

static uint64_t *pf_pair_find(pf_pair *pairs, uint32_t count, uint64_t a)
{
    for (uint32_t i = 0; i < count; i++)
        if (pairs[i].a == a)
            return &pairs[i].b;
    return NULL;
}

static void pf_pair_set(pf_pair *pairs, uint32_t *count, uint64_t a, uint64_t b)
{
    uint64_t *v = pf_pair_find(pairs, *count, a);
    if (v != NULL)
        *v = b;
    else if (*count < PF_MAX_PENDING)
        pairs[(*count)++] = (pf_pair){a, b};
}

static void pf_pair_drop(pf_pair *pairs, uint32_t *count, uint64_t a)
{
    for (uint32_t i = 0; i < *count; i++)
        if (pairs[i].a == a) {
            pairs[i] = pairs[--*count];
            return;
        }
}

static uint16_t pf_ddi_id(const char *name)
{
    for (uint16_t i = 0; i < DDI_COUNT; i++)
        if (strcmp(ddi_names[i], name) == 0)
            return i;
    return UINT16_MAX;
}

kd_perfetto *kd_perfetto_create(FILE *out, const char *scenario, uint64_t seed)
{
    kd_perfetto *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->out = out;
    p->first = true;
    p->next_flow = 1;
    snprintf(p->process, sizeof p->process, "drvsim %s, seed %" PRIu64, scenario, seed);
    for (uint32_t c = 0; c < KE_MAX_CPUS; c++)
        p->cpus[c].last_irql = -1;
    p->ddi_queue_dpc = pf_ddi_id("KeInsertQueueDpc");
    p->ddi_call_driver[0] = pf_ddi_id("IofCallDriver");
    p->ddi_call_driver[1] = pf_ddi_id("IoCallDriver");
    p->ddi_complete[0] = pf_ddi_id("IofCompleteRequest");
    p->ddi_complete[1] = pf_ddi_id("IoCompleteRequest");
    p->ddi_set_timer[0] = pf_ddi_id("KeSetTimer");
    p->ddi_set_timer[1] = pf_ddi_id("KeSetTimerEx");
    p->ddi_set_timer[2] = pf_ddi_id("KeSetCoalescableTimer");
    fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"drvsim\",\"time_unit\":"
          "\"simulated 100 ns\"},\"traceEvents\":[",
          out);
    pf_event(p, "M", 0, 0);
    fputs(",\"name\":\"process_name\",\"args\":{\"name\":", out);
    pf_string(out, p->process);
    fputs("}}", out);
    /* tid 0: the machine as a whole (its counters, the bug check). */
    pf_name_track(p, &p->machine_track, 0, "machine");
    return p;
}

void kd_perfetto_attach(kd_perfetto *p, const ke_machine *m)
{
    p->m = m;
}

/* A DPC's or ISR's slice, once its name is known. */
static void pf_start_pending(kd_perfetto *p, uint32_t c, uint64_t ts, const char *routine,
                             uint8_t driver)
{
    pf_cpu *cpu = &p->cpus[c];
    char name[160];
    char extra[80];
    const char *dname = pf_driver(p, driver);
    const char *what = cpu->pending_kind == PF_DPC ? "DPC" : "ISR";
    if (routine != NULL)
        snprintf(name, sizeof name, "%s %s%s%s", what, dname, dname[0] != '\0' ? "!" : "",
                 routine);
    else
        snprintf(name, sizeof name, "%s 0x%" PRIX64, what, cpu->pending_key);
    snprintf(extra, sizeof extra, "\"%s\":\"0x%" PRIX64 "\"",
             cpu->pending_kind == PF_DPC ? "dpc" : "interrupt", cpu->pending_key);
    /* It begins when its routine does (the same instant, or the DPC
     * watchdog's charge later): events of the track are in time order. */
    pf_begin(p, pf_cpu_track(p, c), ts, cpu->pending_kind, cpu->pending_key, name, extra);
    pf_flow(p, &cpu->track, ts, false, cpu->pending_flow, "DPC queued -> run");
    cpu->pending = false;
    cpu->active = true;
    cpu->routine_depth = routine != NULL ? 1 : 0;
}

static void pf_call(kd_perfetto *p, uint64_t ts, des_rec_reader *rd)
{
    uint16_t ddi = des_rec_read_u16(rd);
    uint32_t thread = des_rec_read_u32(rd);
    uint32_t cpu = des_rec_read_u8(rd);
    unsigned irql = des_rec_read_u8(rd);
    uint8_t driver = des_rec_read_u8(rd);
    unsigned argc = des_rec_read_u8(rd);
    uint64_t args[16] = {0};
    char extra[512];
    size_t n = (size_t)snprintf(extra, sizeof extra, "\"cpu\":%" PRIu32 ",\"irql\":%u", cpu, irql);
    if (driver != 0xFF) {
        /* A scenario names its drivers: only plain characters reach the JSON. */
        char dname[64];
        const char *d = pf_driver(p, driver);
        size_t k = 0;
        for (; d[k] != '\0' && k < sizeof dname - 1; k++)
            dname[k] = d[k] >= 0x20 && d[k] < 0x7F && d[k] != '"' && d[k] != '\\' ? d[k] : '?';
        dname[k] = '\0';
        n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"driver\":\"%s\"", dname);
    }
    n += (size_t)snprintf(extra + n, sizeof extra - n, ",\"args\":[");
    for (unsigned i = 0; i < argc; i++) {
        uint64_t v = des_rec_read_u64(rd);
        if (i < 16)
            args[i] = v;
        if (n < sizeof extra - 24)
            n += (size_t)snprintf(extra + n, sizeof extra - n, "%s\"0x%" PRIX64 "\"", i ? "," : "",
                                  v);
    }
    if (n < sizeof extra - 2)
        snprintf(extra + n, sizeof extra - n, "]");
    pf_track *t = pf_code_track(p, thread);
    const char *name = ddi < DDI_COUNT ? ddi_names[ddi] : "?";
    pf_begin(p, t, ts, PF_CALL, ddi, name, extra);

    if (ddi == p->ddi_queue_dpc && argc >= 1) {
        uint64_t id = p->next_flow++;
        pf_flow(p, t, ts, true, id, "DPC queued -> run");
        pf_pair_set(p->dpc_flows, &p->dpc_flow_count, args[0], id);
    }
    for (int i = 0; i < 3; i++) {
        unsigned at = (unsigned)i + 2; /* the Dpc parameter: 3rd, 4th, 5th */
        if (ddi == p->ddi_set_timer[i] && argc > at && args[at] != 0)
            pf_pair_set(p->timer_dpcs, &p->timer_dpc_count, args[0], args[at]);
    }
    bool dispatch = ddi == p->ddi_call_driver[0] || ddi == p->ddi_call_driver[1];
    bool complete = ddi == p->ddi_complete[0] || ddi == p->ddi_complete[1];
    pf_track *tt = (dispatch || complete) ? pf_thread_track(p, thread) : NULL;
    if (tt != NULL) {
        tt->flow = p->next_flow++;
        tt->flow_ddi = ddi;
        snprintf(tt->flow_name, sizeof tt->flow_name, "%s",
                 dispatch ? "IoCallDriver -> dispatch" : "completion -> routine");
        pf_flow(p, t, ts, true, tt->flow, tt->flow_name);
    }
}

static void pf_routine(kd_perfetto *p, uint64_t ts, des_rec_reader *rd)
{
    uint32_t thread = des_rec_read_u32(rd);
    uint8_t driver = des_rec_read_u8(rd);
    char routine[80];
    des_rec_read_str(rd, routine, sizeof routine);
    bool enter = des_rec_read_u8(rd) != 0;
    int c = pf_callback_cpu(p, thread);
    if (enter && c >= 0 && p->cpus[c].pending) {
        pf_start_pending(p, (uint32_t)c, ts, routine, driver);
        return;
    }
    if (c >= 0 && p->cpus[c].routine_depth > 0) {
        /* Inside a DPC or ISR: the first routine is the DPC's own slice. */
        if (!enter && --p->cpus[c].routine_depth == 0)
            return;
        if (enter)
            p->cpus[c].routine_depth++;
    }
    pf_track *t = c >= 0 ? pf_cpu_track(p, (uint32_t)c) : pf_thread_track(p, thread);
    if (!enter) {
        pf_end(p, t, ts, PF_ROUTINE, ~0ull);
        return;
    }
    char name[160];
    const char *dname = pf_driver(p, driver);
    snprintf(name, sizeof name, "%s%s%s", dname, dname[0] != '\0' ? "!" : "", routine);
    pf_begin(p, t, ts, PF_ROUTINE, 0, name, NULL);
    pf_track *tt = pf_thread_track(p, thread);
    if (tt != NULL && tt->flow != 0) {
        pf_flow(p, t, ts, false, tt->flow, tt->flow_name);
        tt->flow = 0;
    }
}

/* The machine stopped: every slice still open ends now. */
static void pf_close_all(kd_perfetto *p, uint64_t ts)
{
    for (uint32_t c = 0; c < p->cpu_count; c++)
        pf_end_all(p, &p->cpus[c].track, ts);
    for (uint32_t i = 0; i < p->thread_cap; i++)
        pf_end_all(p, p->threads[i], ts);
    pf_end_all(p, &p->timer_track, ts);
    p->stopped = true;
}

void kd_perfetto_record(void *ctx, uint64_t ts, const des_rec *rec)
{
    kd_perfetto *p = ctx;
    if (p->stopped)
        return;
    des_rec_reader rd;
    des_rec_reader_init(&rd, rec);
    (void)des_rec_read_u64(&rd); /* the time stamp: ts is the same */
    switch (rec->type) {
    case KE_TR_BOOT:
        p->cpu_count = des_rec_read_u8(&rd);
        if (p->cpu_count > KE_MAX_CPUS)
            p->cpu_count = KE_MAX_CPUS;
        for (uint32_t c = 0; c < p->cpu_count; c++)
            (void)pf_cpu_track(p, c);
        p->timer_track.named = false;
        pf_name_track(p, &p->timer_track, PF_TIMER_TID, "timers");
        break;
    case KE_TR_CALL:
        pf_call(p, ts, &rd);
        break;
    case KE_TR_RETURN: {
        uint16_t ddi = des_rec_read_u16(&rd);
        uint32_t thread = des_rec_read_u32(&rd);
        pf_end(p, pf_code_track(p, thread), ts, PF_CALL, ddi);
        pf_track *tt = pf_thread_track(p, thread);
        if (tt != NULL && tt->flow != 0 && tt->flow_ddi == ddi)
            tt->flow = 0; /* no routine was called: no arrow */
        break;
    }
    case KE_TR_SWITCH: {
        uint32_t c = des_rec_read_u8(&rd);
        uint32_t thread = des_rec_read_u32(&rd);
        if (c >= p->cpu_count)
            break;
        pf_cpu *cpu = &p->cpus[c];
        pf_track *t = pf_cpu_track(p, c);
        if (cpu->exec_open)
            pf_end(p, t, ts, PF_EXEC, cpu->current);
        cpu->current = thread;
        char name[32];
        snprintf(name, sizeof name, "thread %" PRIu32, thread);
        pf_begin(p, t, ts, PF_EXEC, thread, name, NULL);
        cpu->exec_open = true;
        (void)pf_thread_track(p, thread);
        break;
    }
    case KE_TR_WAIT: {
        uint32_t thread = des_rec_read_u32(&rd);
        uint64_t until = des_rec_read_u64(&rd);
        char extra[48];
        snprintf(extra, sizeof extra, "\"until_us\":\"%" PRIu64 ".%u\"", until / 10u,
                 (unsigned)(until % 10u));
        pf_begin(p, pf_thread_track(p, thread), ts, PF_WAIT, 0, "wait", extra);
        break;
    }
    case KE_TR_WAKE: {
        uint32_t thread = des_rec_read_u32(&rd);
        pf_end(p, pf_thread_track(p, thread), ts, PF_WAIT, ~0ull);
        break;
    }
    case KE_TR_ROUTINE:
        pf_routine(p, ts, &rd);
        break;
    case KE_TR_DPC:
    case KE_TR_INTERRUPT: {
        uint32_t c = des_rec_read_u8(&rd);
        uint64_t key = des_rec_read_u64(&rd);
        unsigned what = des_rec_read_u8(&rd);
        bool dpc = rec->type == KE_TR_DPC;
        bool start = dpc ? what == 1 : what == 1;
        bool end = dpc ? what == 0 : what == 2;
        if (c >= p->cpu_count)
            break;
        pf_cpu *cpu = &p->cpus[c];
        if (start) {
            if (cpu->pending) /* one that named no routine */
                pf_start_pending(p, c, ts, NULL, 0xFF);
            cpu->pending = true;
            cpu->pending_kind = dpc ? PF_DPC : PF_ISR;
            cpu->pending_key = key;
            uint64_t *flow = dpc ? pf_pair_find(p->dpc_flows, p->dpc_flow_count, key) : NULL;
            cpu->pending_flow = flow != NULL ? *flow : 0;
            if (flow != NULL)
                pf_pair_drop(p->dpc_flows, &p->dpc_flow_count, key);
        } else if (end) {
            if (cpu->pending && cpu->pending_key == key)
                pf_start_pending(p, c, ts, NULL, 0xFF);
            pf_end(p, &cpu->track, ts, dpc ? PF_DPC : PF_ISR, key);
            cpu->active = false;
            cpu->routine_depth = 0;
        } else {
            pf_event(p, "i", PF_CPU_TID + c, ts);
            fprintf(p->out, ",\"s\":\"t\",\"name\":\"interrupt requested\",\"args\":{"
                            "\"interrupt\":\"0x%" PRIX64 "\"}}",
                    key);
        }
        break;
    }
    case KE_TR_TIMER: {
        uint64_t timer = des_rec_read_u64(&rd);
        char extra[48];
        snprintf(extra, sizeof extra, "\"timer\":\"0x%" PRIX64 "\"", timer);
        pf_begin(p, &p->timer_track, ts, PF_TIMER, timer, "timer expires", extra);
        uint64_t *dpc = pf_pair_find(p->timer_dpcs, p->timer_dpc_count, timer);
        if (dpc != NULL) {
            uint64_t id = p->next_flow++;
            pf_flow(p, &p->timer_track, ts, true, id, "DPC queued -> run");
            pf_pair_set(p->dpc_flows, &p->dpc_flow_count, *dpc, id);
        }
        pf_end(p, &p->timer_track, ts, PF_TIMER, timer);
        break;
    }
    case KE_TR_BUGCHECK: {
        uint32_t code = des_rec_read_u32(&rd);
        uint64_t prm[4];
        for (int i = 0; i < 4; i++)
            prm[i] = des_rec_read_u64(&rd);
        uint8_t driver = des_rec_read_u8(&rd);
        const char *name = drvsim_bugcode_name(code);
        char site[400];
        char title[96];
        snprintf(title, sizeof title, "bug check 0x%" PRIX32 "%s%s", code, name ? " " : "",
                 name ? name : "");
        pf_event(p, "i", 0, ts);
        fputs(",\"s\":\"g\",\"name\":", p->out);
        pf_string(p->out, title);
        fprintf(p->out, ",\"args\":{\"code\":\"0x%" PRIX32 "\"", code);
        for (int i = 0; i < 4; i++)
            fprintf(p->out, ",\"P%d\":\"0x%016" PRIX64 "\"", i + 1, prm[i]);
        fputs(",\"driver\":", p->out);
        pf_string(p->out, pf_driver(p, driver));
        if (p->m != NULL) {
            fputs(",\"rule\":", p->out);
            pf_string(p->out, p->m->bugcheck.rule);
            fputs(",\"description\":", p->out);
            pf_string(p->out, p->m->bugcheck.description);
        }
        fputs(",\"site\":", p->out);
        pf_string(p->out, p->m != NULL && p->m->bugcheck.site[0] != '\0'
                              ? p->m->bugcheck.site
                              : pf_site(p, site, sizeof site));
        fputs("}}", p->out);
        break;
    }
    case KE_TR_STOP:
        pf_counters(p, ts);
        pf_close_all(p, ts);
        return;
    case KE_TR_THREAD: {
        uint32_t thread = des_rec_read_u32(&rd);
        (void)pf_thread_track(p, thread);
        break;
    }
    case KE_TR_DELAY: {
        /* Delay fuzzing held a call back: an instant on the track of the
         * code that made it (its wait, if the thread waits, follows). */
        uint16_t ddi = des_rec_read_u16(&rd);
        uint32_t thread = des_rec_read_u32(&rd);
        uint32_t cpu = des_rec_read_u8(&rd);
        (void)des_rec_read_u8(&rd); /* the driver: the call's slice names it */
        uint64_t delay = des_rec_read_u64(&rd);
        bool stalled = des_rec_read_u8(&rd) != 0;
        pf_track *t = pf_code_track(p, thread);
        if (t == NULL)
            break;
        pf_event(p, "i", pf_tid(p, t), ts);
        fprintf(p->out,
                ",\"s\":\"t\",\"name\":\"delay fuzzing\",\"args\":{\"ddi\":\"%s\","
                "\"cpu\":%" PRIu32 ",\"delay_us\":\"%" PRIu64 ".%u\",\"held\":\"%s\"}}",
                ddi < DDI_COUNT ? ddi_names[ddi] : "?", cpu, delay / 10u, (unsigned)(delay % 10u),
                stalled ? "the processor stalls" : "the thread waits");
        break;
    }
    default:
        break;
    }
    pf_counters(p, ts);
}

bool kd_perfetto_finish(kd_perfetto *p, uint64_t now_100ns)
{
    if (!p->stopped)
        pf_close_all(p, now_100ns);
    fputs("\n]}\n", p->out);
    bool ok = !ferror(p->out);
    for (uint32_t i = 0; i < p->thread_cap; i++) {
        if (p->threads[i] != NULL)
            free(p->threads[i]->open);
        free(p->threads[i]);
    }
    for (uint32_t c = 0; c < KE_MAX_CPUS; c++)
        free(p->cpus[c].track.open);
    free(p->timer_track.open);
    free(p->threads);
    free(p);
    return ok;
}

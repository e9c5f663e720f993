/*
 * ddirules.c - the DDI compliance rule engine: runs the handlers that
 * tools/gen_ddi_rules.py generated from sim/vf/ddi_rules.spec, keeps the
 * stateful rules' instances and their history, and raises 0xC4 with the
 * violated condition (vf/ddirules.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "kd/kd.h"
#include "mm/mm.h"
#include "vf/ddirules.h"

/* Transitions an instance keeps for the report, newest last. */
#define DDC_HISTORY 8u

typedef enum ddc_step_kind {
    DDC_STEP_CHANGE = 0, /* the state changed */
    DDC_STEP_ABORT,      /* the violation */
    DDC_STEP_HALT,       /* the rule stopped checking the instance */
} ddc_step_kind;

typedef struct ddc_step {
    const char *event; /* "KeAcquireSpinLock.exit" (the generated table's) */
    int64_t from, to;
    ke_site site;
    char routine[32];
    KIRQL irql;
    uint8_t kind; /* ddc_step_kind */
} ddc_step;

typedef struct ddc_instance {
    uint16_t index; /* the rule's, in ddc_rules */
    uint64_t key;
    int64_t state;
    bool halted;
    /* Who changed it last, and at which depth of routines: a routine's exit
     * handlers see the instances changed while it ran. */
    const ke_exec *exec;
    uint32_t depth;
    uint32_t step_count; /* every step so far; the last DDC_HISTORY are kept */
    ddc_step steps[DDC_HISTORY];
    struct ddc_instance *prev, *next; /* the rule's instances, oldest first */
} ddc_instance;

struct ddc_engine {
    ddi_imports next; /* the verifier's thunks over the kernel's exports */
    des_map instances[DDC_RULE_COUNT + 1];
    ddc_instance *first[DDC_RULE_COUNT + 1], *last[DDC_RULE_COUNT + 1];
};

/* The verifier's read-only image slot in the system image region: the
 * drivers take slots 0..0xFE (the trace numbers them with a byte), so the
 * last one is free. The conditions' texts lie there as Windows keeps them
 * in VerifierExt's image. */
/* The verifier's image of condition texts: TEXT_SLOTS x TEXT_SLOT bytes
 * (tools/gen_ddi_rules.py). */
#define DDC_TEXT_IMAGE_BYTES 0x100000u

bool ddc_wanted(const vf_settings *s)
{
    return (s->flags & (VF_FLAG_DDI_COMPLIANCE | VF_FLAG_DDI_COMPLIANCE_ADDITIONAL)) != 0 ||
           (s->options & (VF_OPTION_DDI_IRQL_ADDITIONAL | VF_OPTION_SDV_RULES)) != 0;
}

ddc_engine *ddc_create(void)
{
    ddc_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->next = ddi_kernel_exports;
    vf_patch_imports(&e->next);
    for (size_t i = 0; i <= DDC_RULE_COUNT; i++)
        des_map_init(&e->instances[i]);
    return e;
}

void ddc_destroy(ddc_engine *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i <= DDC_RULE_COUNT; i++) {
        for (ddc_instance *in = e->first[i], *next; in != NULL; in = next) {
            next = in->next;
            free(in);
        }
        des_map_fini(&e->instances[i]);
    }
    free(e);
}

const ddi_imports *ddc_next(const ke_call *call)
{
    return &call->m->vf->ddc->next;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */
/* ------------------------------------------------------------------------ */

static ddc_instance *instance_find(ddc_engine *e, uint16_t index, uint64_t key)
{
    return des_map_get(&e->instances[index], key);
}

/* A new instance in its first state; NULL on host OOM (the machine stops). */
static ddc_instance *instance_new(ke_call *call, uint16_t index, uint64_t key)
{
    ddc_engine *e = call->m->vf->ddc;
    ddc_instance *in = calloc(1, sizeof *in);
    if (in == NULL || !des_map_put(&e->instances[index], key, in)) {
        free(in);
        ke_stop_machine(call->m, KE_STOP_LIMIT, "out of host memory (DDI compliance rules)");
        return NULL;
    }
    in->index = index;
    in->key = key;
    in->prev = e->last[index];
    if (in->prev != NULL)
        in->prev->next = in;
    else
        e->first[index] = in;
    e->last[index] = in;
    return in;
}

/* An instance back in its first state with nothing to remember: dropped, so
 * that a run with many locks or IRPs keeps only the ones in use. */
static void instance_drop(ddc_engine *e, ddc_instance *in)
{
    des_map_remove(&e->instances[in->index], in->key);
    if (in->prev != NULL)
        in->prev->next = in->next;
    else
        e->first[in->index] = in->next;
    if (in->next != NULL)
        in->next->prev = in->prev;
    else
        e->last[in->index] = in->prev;
    free(in);
}

static void record(ke_call *call, ddc_instance *in, const char *event, int64_t from, int64_t to,
                   ddc_step_kind kind, KIRQL irql)
{
    ke_machine *m = call->m;
    ddc_step *s = &in->steps[in->step_count % DDC_HISTORY];
    in->step_count++;
    memset(s, 0, sizeof *s);
    s->event = event;
    s->from = from;
    s->to = to;
    s->kind = (uint8_t)kind;
    s->irql = irql;
    s->site = m->host.site(m->host.ctx, call->exec);
    const ke_frame *f = ke_top_frame(call->exec);
    snprintf(s->routine, sizeof s->routine, "%s", f != NULL ? f->routine : "");
}

/* ------------------------------------------------------------------------ */
/* The violation                                                            */
/* ------------------------------------------------------------------------ */

/* The address of a condition's text in the verifier's image (the 1 MiB just
 * below ntoskrnl's export page at the top of the system images region,
 * mm/exports.c; drivers load from the region's bottom, 1 MiB apart, so on
 * x86's 64 MiB region the first 62 driver images stay clear of it), mapping
 * its page and writing the text there when it is needed: only a violation
 * does, so a run without one has the memory layout of a run without the
 * rules. */
static PVOID_VA text_address(ke_machine *m, uint16_t text)
{
    PVOID_VA va = mm_region_end(m->config.arch, MM_REGION_SYSTEM_IMAGES) - 0x10000u -
                  (PVOID_VA)DDC_TEXT_IMAGE_BYTES + ddc_text_offset[text];
    size_t bytes = strlen(ddc_texts[text]) + 1;
    PVOID_VA first = va & ~(PVOID_VA)(PAGE_SIZE - 1);
    uint64_t pages = (va + bytes - first + PAGE_SIZE - 1) / PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i++) {
        if (mm_lookup(m->mm, first + i * PAGE_SIZE) == NULL &&
            !mm_map(m->mm, first + i * PAGE_SIZE, 1, 0, false))
            return 0;
    }
    return mm_poke(m->mm, va, ddc_texts[text], bytes) ? va : 0;
}

static const char *state_name(const ddc_rule_info *r, int64_t state, char *buf, size_t len)
{
    if (r->state_count > 0 && state >= 0 && state < r->state_count)
        return r->state_names[state];
    snprintf(buf, len, "%" PRId64, state);
    return buf;
}

/* Appends to buf (of len bytes, NUL-terminated) as snprintf would. */
static void append(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* The report's lines after the arguments: the condition (DV_VIOLATED_
 * CONDITION), the rule (DV_RULE_INFO, !ruleinfo), and the instance's
 * history, each step with its scenario line, routine and IRQL. */
static void describe(ke_call *call, const ddc_handler *h, const ddc_instance *in, const char *text,
                     char *buf, size_t len)
{
    ke_machine *m = call->m;
    const rule_row *row = &rule_table[h->rule];
    const ddc_rule_info *r = &ddc_rules[h->index];
    buf[0] = '\0';
    append(buf, len, "DV_VIOLATED_CONDITION: %s\n", text);
    append(buf, len, "DV_RULE_INFO: 0x%" PRIX64 " (!ruleinfo: %s, %s)", row->sub_value, row->id,
           row->description);
    if (in == NULL || (r->state_count == 0 && !r->keyed))
        return; /* a rule without states: nothing to tell */
    char key[40] = "";
    if (r->keyed)
        snprintf(key, sizeof key, " 0x%016" PRIX64, in->key);
    uint32_t shown = in->step_count < DDC_HISTORY ? in->step_count : DDC_HISTORY;
    append(buf, len, "\nhistory of the rule's instance%s%s:", key,
           in->step_count > shown ? " (last steps)" : "");
    for (uint32_t i = in->step_count - shown; i < in->step_count; i++) {
        const ddc_step *s = &in->steps[i % DDC_HISTORY];
        char site[160], irql[24], from[24], to[24];
        m->host.site_name(m->host.ctx, s->site, site, sizeof site);
        ke_irql_name(m->config.arch, s->irql, irql, sizeof irql);
        const char *a = state_name(r, s->from, from, sizeof from);
        const char *b = state_name(r, s->to, to, sizeof to);
        append(buf, len, "\n  ");
        if (s->kind == DDC_STEP_ABORT)
            append(buf, len, "%s, violated", a);
        else if (s->kind == DDC_STEP_HALT)
            append(buf, len, "%s, halted", a);
        else
            append(buf, len, "%s -> %s", a, b);
        append(buf, len, ": %s at %s", s->event, site);
        if (s->routine[0] != '\0')
            append(buf, len, " in %s", s->routine);
        append(buf, len, ", IRQL %s", irql);
    }
}

static void raise_violation(ke_call *call, const ddc_handler *h, const ddc_instance *in,
                            uint16_t text, uint64_t p3)
{
    ke_machine *m = call->m;
    if (ke_stopped(m))
        return;
    char detail[sizeof m->bugcheck.detail];
    describe(call, h, in, ddc_texts[text], detail, sizeof detail);
    const uint64_t params[4] = {rule_table[h->rule].sub_value, text_address(m, text), p3,
                                in != NULL ? in->key : 0};
    kd_raise_full(call, h->rule, 0xC4, params, NULL, detail);
}

/* ------------------------------------------------------------------------ */
/* Running handlers                                                         */
/* ------------------------------------------------------------------------ */

static bool bound_holds(uint8_t bound, KIRQL irql)
{
    switch ((ddc_bound)bound) {
    case DDC_EQ_PASSIVE:
        return irql == PASSIVE_LEVEL;
    case DDC_LE_APC:
        return irql <= APC_LEVEL;
    case DDC_LE_DISPATCH:
        return irql <= DISPATCH_LEVEL;
    case DDC_EQ_DISPATCH:
        return irql == DISPATCH_LEVEL;
    case DDC_NO_BOUND:
        break;
    }
    return true;
}

/* Runs a stateful handler's body on an instance (NULL: one not created
 * yet, in the first state), then records what it did. */
static void run_body(ddc_ctx *x, const ddc_handler *h, ddc_instance *in, uint64_t key)
{
    ke_call *call = x->call;
    ddc_engine *e = call->m->vf->ddc;
    if (in != NULL && in->halted)
        return;
    int64_t before = in != NULL ? in->state : 0;
    x->state = before;
    x->mine = in != NULL && in->exec == call->exec;
    int outcome = h->body(x);
    if (outcome == DDC_DONE && x->state == before)
        return;
    if (in == NULL) {
        in = instance_new(call, h->index, key);
        if (in == NULL)
            return;
    }
    if (outcome > DDC_DONE) {
        record(call, in, h->event, before, before, DDC_STEP_ABORT, x->irql);
        raise_violation(call, h, in, (uint16_t)(outcome - 1), (uint64_t)before);
        return;
    }
    record(call, in, h->event, before, x->state,
           outcome == DDC_HALT ? DDC_STEP_HALT : DDC_STEP_CHANGE, x->irql);
    in->state = x->state;
    in->halted = outcome == DDC_HALT;
    in->exec = call->exec;
    in->depth = call->exec->frame_count;
    if (in->state == 0 && !in->halted && ddc_rules[h->index].keyed)
        instance_drop(e, in);
}

static void run_ddi_handler(ddc_ctx *x, const ddc_handler *h)
{
    if (!vf_rule_enabled(x->call, (rule_id)h->rule))
        return;
    if (h->body == NULL) {
        /* A table row. */
        if (bound_holds(h->bound, x->irql) || (h->when != NULL && !h->when(x)))
            return;
        /* P3 0: an IRQL rule has no state (the debugging page's example,
         * IrqlExAllocatePool, shows Arg3 "Reserved (unused)"). */
        raise_violation(x->call, h, NULL, h->text, 0);
        return;
    }
    uint64_t key = h->key != NULL ? h->key(x) : 0;
    run_body(x, h, instance_find(x->call->m->vf->ddc, h->index, key), key);
}

static void run_range(ddc_ctx *x, uint16_t lo, uint16_t hi)
{
    for (uint16_t i = lo; i < hi && !ke_stopped(x->call->m); i++)
        run_ddi_handler(x, &ddc_handlers[i]);
}

bool ddc_ddi_entry(ke_call *call, uint16_t ddi, uint64_t *args, uint32_t argc)
{
    uint16_t lo = ddc_ddi_entry_at[ddi], hi = ddc_ddi_entry_at[ddi + 1];
    if (lo == hi)
        return true;
    ddc_ctx x = {.call = call,
                 .args = args,
                 .argc = argc,
                 .irql = ke_call_irql(call),
                 .thread = call->thread->id};
    run_range(&x, lo, hi);
    return !ke_stopped(call->m);
}

void ddc_ddi_exit(ke_call *call, uint16_t ddi, uint64_t *args, uint32_t argc, uint64_t result)
{
    uint16_t lo = ddc_ddi_exit_at[ddi], hi = ddc_ddi_exit_at[ddi + 1];
    /* A call that did not return to the driver yet: it spins or resumes
     * (made again), raised, or calls a routine back (its result comes
     * after the routine). */
    if (lo == hi || ke_stopped(call->m) || call->spin || call->again || call->callout ||
        call->raised != 0)
        return;
    ddc_ctx x = {.call = call,
                 .args = args,
                 .argc = argc,
                 .result = result,
                 .irql = ke_call_irql(call),
                 .thread = call->thread->id};
    run_range(&x, lo, hi);
}

/* The arguments of the routine on top of an execution: a callout's, or the
 * start routine's (DriverEntry and DriverUnload: none). */
static void routine_args(const ke_exec *exec, uint8_t role, uint64_t args[4], uint32_t *argc)
{
    memset(args, 0, 4 * sizeof *args);
    *argc = 0;
    if (role == KE_ROLE_DISPATCH || role == KE_ROLE_COMPLETION || role == KE_ROLE_CANCEL ||
        role == KE_ROLE_SYNCHRONIZE) {
        if (exec->callout_count == 0)
            return;
        const ke_callout *c = &exec->callouts[exec->callout_count - 1];
        *argc = c->argc < 3 ? c->argc : 3;
        memcpy(args, c->args, *argc * sizeof *args);
    } else if (role == KE_ROLE_THREAD || role == KE_ROLE_DPC || role == KE_ROLE_ISR ||
               role == KE_ROLE_WORK_ITEM) {
        *argc = exec->start_argc < 4 ? exec->start_argc : 4;
        memcpy(args, exec->start_args, *argc * sizeof *args);
    }
}

void ddc_routine_event(ke_machine *m, const ke_event *ev)
{
    if (ev->role >= DDC_ROLE_COUNT || m->vf->ddc == NULL)
        return;
    bool exit = ev->kind == KE_EVENT_ROUTINE_EXIT;
    const uint16_t *at = exit ? ddc_role_exit_at : ddc_role_entry_at;
    uint16_t lo = at[ev->role], hi = at[ev->role + 1];
    if (lo == hi || ke_stopped(m))
        return;
    ke_exec *exec = ev->exec;
    const ke_frame *f = ke_top_frame(exec);
    ke_call call = {.m = m, .exec = exec, .thread = exec->thread, .driver = ev->driver};
    uint64_t args[4];
    ddc_ctx x = {.call = &call,
                 .args = args,
                 .result = ev->result,
                 .irql = ev->irql,
                 .entry_irql = f != NULL ? f->irql : ev->irql,
                 .thread = exec->thread->id};
    routine_args(exec, ev->role, args, &x.argc);
    ddc_engine *e = m->vf->ddc;
    for (uint16_t i = lo; i < hi && !ke_stopped(m); i++) {
        const ddc_handler *h = &ddc_handlers[i];
        if (!vf_rule_enabled(&call, (rule_id)h->rule))
            continue;
        if (!ddc_rules[h->index].keyed) {
            run_body(&x, h, instance_find(e, h->index, 0), 0);
            continue;
        }
        if (h->key != NULL) {
            /* The handler's own key (`on dispatch.entry per $2`): that
             * instance, whoever changed it. */
            uint64_t key = h->key(&x);
            run_body(&x, h, instance_find(e, h->index, key), key);
            continue;
        }
        /* Each instance this routine changed (on its execution, at its depth
         * or in the routines it called). */
        for (ddc_instance *in = e->first[h->index], *next; in != NULL && !ke_stopped(m);
             in = next) {
            next = in->next;
            if (in->exec == exec && in->depth >= exec->frame_count)
                run_body(&x, h, in, in->key);
        }
    }
}

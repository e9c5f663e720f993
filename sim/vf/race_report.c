/*
 * race_report.c - the text of a data race report (0xC4/0xD0030001, race.h):
 * the memory both accesses touched, named as a debugger would let the user
 * find it (a pool block and the offset in it, or a driver image's globals),
 * then each access: who made it (the thread, or the DPC or ISR and its
 * processor), in which routine, at what IRQL, from which scenario line, and
 * the locks its context held. It goes in the bug check's detail, so the
 * text report and --json (bugcheck.detail) both carry it, and the replay
 * line that follows every bug check reproduces it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "vf/race.h"

/* How far below an address a pool block's start is looked for: the
 * largest small block, then a few pages of a large one. */
#define RC_REPORT_BLOCK_SEARCH_BYTES (64u * 1024u)

typedef struct rc_out {
    char *buf;
    size_t len, used;
} rc_out;

static void out(rc_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(rc_out *o, const char *fmt, ...)
{
    if (o->used >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

static const char *lock_name(uint8_t kind)
{
    switch ((ke_lock_kind)kind) {
    case KE_LOCK_SPIN:
        return "spin lock";
    case KE_LOCK_QUEUED_SPIN:
        return "in-stack queued spin lock";
    case KE_LOCK_INTERRUPT_SPIN:
        return "interrupt spin lock";
    case KE_LOCK_CANCEL_SPIN:
        return "cancel spin lock";
    case KE_LOCK_FAST_MUTEX:
        return "fast mutex";
    case KE_LOCK_GUARDED_MUTEX:
        return "guarded mutex";
    case KE_LOCK_MUTEX:
        return "mutex";
    case KE_LOCK_RESOURCE_EXCLUSIVE:
        return "resource (exclusive)";
    case KE_LOCK_RESOURCE_SHARED:
        return "resource (shared)";
    case KE_LOCK_PUSH_EXCLUSIVE:
        return "push lock (exclusive)";
    case KE_LOCK_PUSH_SHARED:
        return "push lock (shared)";
    }
    return "lock";
}

/* Where va lies: a pool block (live) and the offset in it, a driver
 * image's globals, or nothing known. */
static void write_object(rc_out *o, ke_machine *m, PVOID_VA va)
{
    uint32_t gran = ex_pool_granularity(m->config.arch);
    PVOID_VA start = va - va % gran;
    for (uint64_t back = 0; back <= RC_REPORT_BLOCK_SEARCH_BYTES && back <= start; back += gran) {
        const ex_block *b = ex_pool_find(m->pool, start - back);
        if (b == NULL || b->freed)
            continue;
        if (va >= b->va + b->size_bytes)
            break; /* the nearest block below ends before va */
        char tag[5];
        char site[320] = "";
        if (b->site.chunk != 0xFFFF)
            m->host.site_name(m->host.ctx, b->site, site, sizeof site);
        out(o, "offset 0x%llx of pool block 0x%llx (%llu bytes, tag \"%s\"%s%s%s%s)",
            (unsigned long long)(va - b->va), (unsigned long long)b->va,
            (unsigned long long)b->size_bytes, ex_tag_text(b->tag, tag),
            b->owner != NULL ? ", allocated by " : "", b->owner != NULL ? b->owner->name : "",
            site[0] != '\0' ? " at " : "", site);
        return;
    }
    for (uint32_t i = 0; i < m->driver_count; i++) {
        const io_driver *d = m->drivers[i];
        if (d->image_size != 0 && va >= d->image_base && va < d->image_base + d->image_size) {
            out(o, "offset 0x%llx of %s's image (its globals)",
                (unsigned long long)(va - d->image_base), d->name);
            return;
        }
    }
    out(o, "memory drvsim has no object for");
}

static void write_who(rc_out *o, const rc_ctx *c)
{
    switch ((rc_ctx_kind)c->kind) {
    case RC_CTX_DPC:
        out(o, "the DPC 0x%llx on CPU %u", (unsigned long long)c->object, c->cpu);
        return;
    case RC_CTX_ISR:
        out(o, "the ISR of interrupt 0x%llx on CPU %u", (unsigned long long)c->object, c->cpu);
        return;
    case RC_CTX_THREAD:
        break;
    }
    out(o, "%s %u",
        c->harness  ? "the run() body's thread"
        : c->worker ? "system worker thread"
                    : "thread",
        c->thread);
}

static void write_access(rc_out *o, ke_machine *m, const rc_ctx *ctxs, const char *label,
                         const rc_info *a)
{
    char irql[24], site[320];
    out(o, "  %s %s by ", label, a->write ? "write" : "read");
    write_who(o, &ctxs[a->ctx]);
    if (a->routine != NULL)
        out(o, " in %s", a->routine);
    if (a->ddi != KE_DDI_POINTER && a->ddi < DDI_COUNT)
        out(o, " (through %s)", ddi_names[a->ddi]);
    out(o, ", at %s", ke_irql_name(m->config.arch, a->irql, irql, sizeof irql));
    if (a->site_known) {
        m->host.site_name(m->host.ctx, a->site, site, sizeof site);
        out(o, ", %s", site);
    }
    if (a->held_count == 0) {
        out(o, "; holding no lock\n");
        return;
    }
    out(o, "; holding");
    for (uint32_t i = 0; i < a->held_count; i++)
        out(o, "%s %s 0x%llx", i > 0 ? "," : "", lock_name(a->held[i].kind),
            (unsigned long long)a->held[i].lock);
    if (a->held_more > 0)
        out(o, " and %u more", a->held_more);
    out(o, "\n");
}

void rc_report_text(ke_machine *m, const rc_ctx *ctxs, const rc_race *race, char *buf, size_t len)
{
    rc_out o = {.buf = buf, .len = len, .used = 0};
    if (len > 0)
        buf[0] = '\0';
    out(&o, "data race on byte 0x%llx, ", (unsigned long long)race->overlap);
    write_object(&o, m, race->overlap);
    out(&o, ":\n");
    write_access(&o, m, ctxs, "earlier:", race->earlier);
    write_access(&o, m, ctxs, "later:  ", race->later);
    /* What would have ordered them, in words a driver writer acts on. */
    bool common = false;
    for (uint32_t i = 0; i < race->earlier->held_count; i++) {
        for (uint32_t j = 0; j < race->later->held_count; j++)
            common = common || race->earlier->held[i].lock == race->later->held[j].lock;
    }
    out(&o,
        "  nothing orders them: %s, and no event, DPC queueing, work item, thread start or "
        "end, interlocked operation or barrier between them",
        common ? "the lock both held was held shared" : "no lock held by both");
}

/* One access, field by field (drvsim_race_access). */
static void fill_access(ke_machine *m, const rc_ctx *ctxs, const rc_info *a,
                        drvsim_race_access *out)
{
    static const char *const contexts[] = {
        [RC_CTX_THREAD] = "thread", [RC_CTX_DPC] = "DPC", [RC_CTX_ISR] = "ISR"};
    const rc_ctx *c = &ctxs[a->ctx];
    out->write = a->write;
    snprintf(out->context, sizeof out->context, "%s", contexts[c->kind]);
    rc_out who = {.buf = out->who, .len = sizeof out->who, .used = 0};
    out->who[0] = '\0';
    write_who(&who, c);
    snprintf(out->routine, sizeof out->routine, "%s", a->routine != NULL ? a->routine : "");
    snprintf(out->through, sizeof out->through, "%s",
             a->ddi != KE_DDI_POINTER && a->ddi < DDI_COUNT ? ddi_names[a->ddi] : "");
    ke_irql_name(m->config.arch, a->irql, out->irql, sizeof out->irql);
    out->site[0] = '\0';
    if (a->site_known)
        m->host.site_name(m->host.ctx, a->site, out->site, sizeof out->site);
    out->lock_count = a->held_count;
    for (uint32_t i = 0; i < a->held_count && i < DRVSIM_RACE_MAX_LOCKS; i++) {
        out->locks[i] = a->held[i].lock;
        snprintf(out->lock_kinds[i], sizeof out->lock_kinds[i], "%s", lock_name(a->held[i].kind));
    }
}

void rc_report_fill(ke_machine *m, const rc_ctx *ctxs, const rc_race *race, drvsim_race *out)
{
    memset(out, 0, sizeof *out);
    out->address = race->overlap;
    rc_out object = {.buf = out->object, .len = sizeof out->object, .used = 0};
    write_object(&object, m, race->overlap);
    fill_access(m, ctxs, race->earlier, &out->earlier);
    fill_access(m, ctxs, race->later, &out->later);
}

/*
 * deadlock_report.c - what deadlock detection reports: the acquisition
 * chains of a cycle (or of an IRQL-safety rule), each step with its lock,
 * class, routine, IRQL and scenario line; lockdep's "possible unsafe
 * locking scenario"; and, for a cycle, the settings and the directed
 * schedule that make the potential deadlock a real one.
 *
 * `!deadlock` names the locks A, B, ... in the order the chains meet them
 * and lists each thread's chain ("Thread 0: A B."); drvsim lists one chain
 * per edge of the cycle, oldest witness first, the acquisition that closed
 * it last (README, "Deadlock detection" gives the layout).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vf/deadlock.h"
#include "vf/vf.h"

/* !deadlock's type names (debuggercmds/-deadlock.md shows 'Spinlock'). */
static const char *dl_type_name(uint8_t kind)
{
    switch ((ke_lock_kind)kind) {
    case KE_LOCK_SPIN:
        return "Spinlock";
    case KE_LOCK_QUEUED_SPIN:
        return "QueuedSpinlock";
    case KE_LOCK_INTERRUPT_SPIN:
        return "InterruptSpinlock";
    case KE_LOCK_CANCEL_SPIN:
        return "CancelSpinlock";
    case KE_LOCK_FAST_MUTEX:
        return "FastMutex";
    case KE_LOCK_GUARDED_MUTEX:
        return "GuardedMutex";
    case KE_LOCK_MUTEX:
        return "Mutex";
    case KE_LOCK_RESOURCE_EXCLUSIVE:
        return "Resource (exclusive)";
    case KE_LOCK_RESOURCE_SHARED:
        return "Resource (shared)";
    case KE_LOCK_PUSH_EXCLUSIVE:
        return "PushLock (exclusive)";
    case KE_LOCK_PUSH_SHARED:
        return "PushLock (shared)";
    }
    return "Lock";
}

static const char *dl_context_name(uint8_t context)
{
    static const char *const names[] = {
        [DL_CTX_THREAD] = "thread",
        [DL_CTX_HARNESS] = "harness",
        [DL_CTX_WORK_ITEM] = "work item",
        [DL_CTX_DPC] = "DPC",
        [DL_CTX_ISR] = "ISR",
        [DL_CTX_DISPATCH] = "dispatch routine",
        [DL_CTX_COMPLETION] = "completion routine",
        [DL_CTX_CANCEL] = "cancel routine",
        [DL_CTX_SYNCHRONIZE] = "synchronize routine",
        [DL_CTX_STARTIO] = "StartIo routine",
        [DL_CTX_CALLBACK] = "callback routine",
    };
    return context < sizeof names / sizeof names[0] ? names[context] : "?";
}

/* The locks a report names, lettered in order of appearance. */
typedef struct dl_names {
    PVOID_VA locks[2 * DRVSIM_DEADLOCK_MAX_CHAINS + 2];
    uint32_t count;
} dl_names;

static char dl_name(dl_names *n, PVOID_VA lock)
{
    for (uint32_t i = 0; i < n->count; i++) {
        if (n->locks[i] == lock)
            return (char)('A' + i);
    }
    if (n->count == sizeof n->locks / sizeof n->locks[0])
        return '?';
    n->locks[n->count++] = lock;
    return (char)('A' + n->count - 1);
}

static void dl_step(ke_machine *m, const dl_report_input *in, dl_names *names,
                    drvsim_lock_step *s, const dl_acq *a)
{
    s->lock = a->lock;
    s->name = dl_name(names, a->lock);
    snprintf(s->type, sizeof s->type, "%s", dl_type_name(a->kind));
    const dl_class *c = &in->classes[a->cls];
    if (c->by_site) {
        char site[320];
        m->host.site_name(m->host.ctx, c->site, site, sizeof site);
        if (c->subclass != 0)
            snprintf(s->lock_class, sizeof s->lock_class, "%s/%" PRIu32, site, c->subclass);
        else
            snprintf(s->lock_class, sizeof s->lock_class, "%s", site);
    } else {
        snprintf(s->lock_class, sizeof s->lock_class, "lock 0x%" PRIX64, c->first_lock);
    }
    snprintf(s->routine, sizeof s->routine, "%s", a->routine != NULL ? a->routine : "");
    snprintf(s->context, sizeof s->context, "%s", dl_context_name(a->context));
    ke_irql_name(m->config.arch, a->irql, s->irql, sizeof s->irql);
    if (a->site_known)
        m->host.site_name(m->host.ctx, a->site, s->site, sizeof s->site);
}

/* "thread 7", "thread 7 (terminated)", "DPC on CPU 1", "ISR on CPU 0". */
static void dl_who(ke_machine *m, char *buf, size_t len, const dl_acq *a)
{
    if (a->context == DL_CTX_DPC) {
        snprintf(buf, len, "DPC on CPU %" PRIu32, a->cpu);
        return;
    }
    if (a->context == DL_CTX_ISR) {
        snprintf(buf, len, "ISR on CPU %" PRIu32, a->cpu);
        return;
    }
    const ke_thread *t =
        a->thread_id > 0 && a->thread_id <= m->thread_count ? m->threads[a->thread_id - 1] : NULL;
    snprintf(buf, len, "thread %" PRIu32 "%s", a->thread_id,
             t != NULL && t->state == KE_THREAD_TERMINATED ? " (terminated)" : "");
}

static void dl_chain(ke_machine *m, const dl_report_input *in, dl_names *names,
                     drvsim_deadlock *r, const dl_acq *held, const dl_acq *acquired)
{
    if (r->chain_count == DRVSIM_DEADLOCK_MAX_CHAINS)
        return;
    drvsim_lock_chain *c = &r->chains[r->chain_count++];
    dl_who(m, c->who, sizeof c->who, held != NULL ? held : acquired);
    c->has_held = held != NULL;
    if (held != NULL)
        dl_step(m, in, names, &c->held, held);
    dl_step(m, in, names, &c->acquired, acquired);
}

/* The settings in force without deadlock detection, as verifier.exe takes
 * them: /flags, the drivers, /faults. False if they do not fit. */
static bool dl_settings_text(const vf_settings *s, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "/flags 0x%" PRIX32,
                                s->flags & ~(uint32_t)VF_FLAG_DEADLOCK_DETECTION);
    if (s->all_drivers)
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " /all");
    if (s->drivers.count > 0)
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " /driver");
    for (size_t i = 0; i < s->drivers.count && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %s", s->drivers.items[i]);
    if (s->faults_given && n < len) {
        n += (size_t)snprintf(buf + n, len - n, " /faults %" PRIu32 " \"", s->faults_probability);
        for (size_t i = 0; i < s->faults_tags.count && n < len; i++)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? " " : "",
                                  s->faults_tags.items[i]);
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "\" \"");
        for (size_t i = 0; i < s->faults_apps.count && n < len; i++)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? " " : "",
                                  s->faults_apps.items[i]);
        n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "\" %" PRIu32, s->faults_delay_mins);
    }
    return n < len;
}

/* make it real: the scenario line of the first acquisition of each chain
 * (the lock held when the second was taken). */
static void dl_make_it_real(ke_machine *m, drvsim_deadlock *r)
{
    if (!dl_settings_text(&m->vf->settings, r->verifier, sizeof r->verifier)) {
        r->verifier[0] = '\0';
        return;
    }
    size_t n = (size_t)snprintf(r->sched, sizeof r->sched, "directed:");
    for (size_t i = 0; i < r->chain_count; i++) {
        const drvsim_lock_step *s = &r->chains[i].held;
        if (!r->chains[i].has_held || s->site[0] == '\0' || n >= sizeof r->sched) {
            r->verifier[0] = r->sched[0] = '\0';
            return;
        }
        n += (size_t)snprintf(r->sched + n, sizeof r->sched - n, "%s%s", i > 0 ? "," : "",
                              s->site);
    }
    if (n >= sizeof r->sched)
        r->verifier[0] = r->sched[0] = '\0';
}

drvsim_deadlock *dl_report_build(ke_machine *m, const dl_report_input *in)
{
    drvsim_deadlock *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    dl_names names = {.count = 0};
    r->irql_rule = in->irql_rule;
    if (!in->irql_rule) {
        for (uint32_t i = 0; i < in->edge_count; i++) {
            const dl_edge *e = &in->edge_table[in->edges[i]];
            dl_chain(m, in, &names, r, &e->held, &e->acquired);
            const dl_edge *next = &in->edge_table[in->edges[(i + 1) % in->edge_count]];
            if (e->acquired.lock != next->held.lock)
                r->by_class = true;
        }
        r->lock_count = in->edge_count;
        /* A cycle of classes through other instances is not one a schedule
         * of this run can close: make it real needs the instances' own. */
        if (!r->by_class)
            dl_make_it_real(m, r);
        return r;
    }
    if (in->order_held == NULL) {
        /* One lock: held below the ISR's IRQL, taken again by the ISR. */
        dl_chain(m, in, &names, r, NULL, in->low);
        dl_chain(m, in, &names, r, NULL, in->isr);
        r->lock_count = 1;
        return r;
    }
    /* Two locks: L taken below the ISR's IRQL; H, the ISR's, held while
     * taking L; H taken in the ISR. */
    const dl_edge *e = &in->edge_table[in->edges[0]];
    dl_chain(m, in, &names, r, NULL, in->low);
    dl_chain(m, in, &names, r, &e->held, &e->acquired);
    dl_chain(m, in, &names, r, NULL, in->isr);
    r->lock_count = 2;
    return r;
}

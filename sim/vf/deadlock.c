/*
 * deadlock.c - the lock graph of deadlock detection (/flags 0x20): what each
 * execution holds, lock classes, the edges between them and their first
 * witnesses, and the checks, 0xC4/0x1000-0x100B and drvsim's IRQL-safety
 * rules 0xC4/0xD0010001-2 (deadlock.h says what each is).
 *
 * What Windows documents, and the choices made where it is silent
 * (devtest/deadlock-detection.md, bug-check-0xc4 "Deadlocks"):
 * - Only acquisitions by verified drivers feed the graph; every
 *   acquisition is followed (so that a release of a lock an unverified
 *   driver took is not "never acquired").
 * - An acquisition counts once it took effect: a spin lock held, a wait
 *   satisfied (ke/hooks.h). Two threads that really deadlock never get
 *   there; the wait-for graph reports those.
 * - Held locks are per execution, as lockdep keeps interrupt contexts
 *   apart: an ISR's or a DPC's locks make no edge from the locks of the
 *   thread they interrupted.
 * - An edge goes from the lock held last to the lock acquired (lockdep's
 *   prev -> next; the others are reached through it).
 * - 0x1002 and 0x1005 concern the locks whose initialisation is a kernel
 *   export Driver Verifier sees: KMUTEX and ERESOURCE (and KGUARDED_MUTEX);
 *   an ERESOURCE initialised twice is the miscellaneous checks' 0xD0.
 *   KeInitializeSpinLock and ExInitializeFastMutex are inline in the WDK's
 *   x64 headers, so Windows cannot know whether a spin lock or a fast mutex
 *   was initialised.
 * - 0x1003 applies to in-stack queued spin locks, which must be released
 *   in the reverse order of acquisition; ordinary spin locks may be released
 *   hand over hand.
 * - Recursion: a KMUTEX or an ERESOURCE its owner acquires again goes one
 *   level deeper and adds no edge.
 *
 * Cost: an acquisition by a verified driver hashes the chain of classes its
 * execution holds with the one it takes and its IRQL context, and looks the
 * hash up; only a chain not seen before adds an edge and searches the graph
 * (lockdep's chain cache).
 */
#include "vf/deadlock.h"

#include <stdlib.h>
#include <string.h>

#include "des/map.h"
#include "ex/resource.h"
#include "kd/kd.h"
#include "vf/vf.h"

#define DL_NONE     UINT32_MAX
#define DL_TYPE_ANY 0xFFu

typedef struct dl_lock {
    PVOID_VA va;
    uint32_t cls;  /* DL_NONE until initialised or first acquired */
    uint8_t type;  /* the ke_lock_kind family it was first acquired as, DL_TYPE_ANY */
    bool initialized;
    bool live;
    ke_site init_site;
    bool init_known;
    uint32_t subclass;
    uint32_t holders;  /* held entries naming it */
    uint32_t live_pos; /* its place in the live list */
} dl_lock;

typedef struct dl_held {
    uint32_t lock; /* index in locks */
    dl_acq acq;
    io_driver *driver; /* whose code took it */
    bool graphed;      /* by a verified driver with the option on */
    uint32_t depth;    /* recursive levels */
    uint64_t chain;    /* hash of the graphed classes held, this one included */
} dl_held;

typedef struct dl_exec {
    const ke_exec *exec;
    ke_thread *thread;
    dl_held *held;
    uint32_t count, cap;
} dl_exec;

/* The hints in front of the maps, direct-mapped (DL_HINTS slots each): an
 * acquisition and its release look up the same lock, execution and chain
 * as the last ones did, nearly always. A hint is checked against the state
 * it names, so a stale one is only a miss. */
#define DL_HINTS 64u

struct vf_deadlock {
    dl_lock *locks;
    uint32_t lock_count, lock_cap;
    uint32_t lock_hint[DL_HINTS]; /* index + 1 of a live lock whose address hashes here */
    uint64_t chain_hint[DL_HINTS]; /* chain keys in `chains` (0: none) */
    uint32_t exec_hint;            /* the last execution's index in execs */
    uint32_t *live; /* the locks not freed or deleted, in no order that matters */
    uint32_t live_count, live_cap;
    des_map by_va; /* lock address -> index + 1 */
    dl_class *classes;
    uint32_t class_count, class_cap;
    des_map class_by_site; /* site key -> index + 1 */
    dl_edge *edges;
    uint32_t edge_count, edge_cap;
    des_map edge_by_pair; /* from << 32 | to -> index + 1 */
    des_map chains;       /* chain keys seen */
    dl_exec *execs;
    uint32_t exec_count, exec_cap;
    uint32_t visit;
    uint32_t *queue; /* the search's, one per class */
    uint32_t queue_cap;
    drvsim_deadlock *report;
};

#define DL_CHAIN_SEED 0x6A09E667F3BCC909ull

static uint64_t dl_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

static _Noreturn void dl_oom(ke_machine *m)
{
    ke_panic(m, __FILE__, __LINE__, "out of host memory in the deadlock detection lock graph");
}

/* Grows *array (of `size`-byte items, *cap of them) to hold one more. */
static void dl_grow(ke_machine *m, void **array, uint32_t *cap, uint32_t count, size_t size)
{
    if (count < *cap)
        return;
    uint32_t n = *cap != 0 ? 2 * *cap : 16;
    void *p = realloc(*array, (size_t)n * size);
    if (p == NULL)
        dl_oom(m);
    *array = p;
    *cap = n;
}

#define DL_GROW(m, arr, cap, count) dl_grow((m), (void **)&(arr), &(cap), (count), sizeof *(arr))

static bool dl_put(ke_machine *m, des_map *map, uint64_t key, uint32_t index)
{
    if (!des_map_put(map, key, (void *)(uintptr_t)((uint64_t)index + 1)))
        dl_oom(m);
    return true;
}

static uint32_t dl_get(const des_map *map, uint64_t key)
{
    void *v = des_map_get(map, key);
    return v == NULL ? DL_NONE : (uint32_t)((uintptr_t)v - 1);
}

uint32_t vf_deadlock_hook_mask(const vf_settings *s)
{
    if ((s->flags & VF_FLAG_DEADLOCK_DETECTION) == 0 || (!s->all_drivers && s->drivers.count == 0))
        return 0;
    return 1u << KE_EVENT_LOCK_INITIALIZED | 1u << KE_EVENT_LOCK_ACQUIRED |
           1u << KE_EVENT_LOCK_RELEASED | 1u << KE_EVENT_THREAD_TERMINATED |
           1u << KE_EVENT_POOL_FREED | 1u << KE_EVENT_LOCK_DELETED;
}

void vf_deadlock_destroy(struct vf_deadlock *dl)
{
    if (dl == NULL)
        return;
    for (uint32_t i = 0; i < dl->class_count; i++) {
        free(dl->classes[i].out);
        free(dl->classes[i].in);
    }
    for (uint32_t i = 0; i < dl->exec_count; i++)
        free(dl->execs[i].held);
    free(dl->locks);
    free(dl->live);
    free(dl->classes);
    free(dl->edges);
    free(dl->execs);
    free(dl->queue);
    free(dl->report);
    des_map_fini(&dl->by_va);
    des_map_fini(&dl->class_by_site);
    des_map_fini(&dl->edge_by_pair);
    des_map_fini(&dl->chains);
    free(dl);
}

static struct vf_deadlock *dl_state_new(ke_machine *m)
{
    {
        struct vf_deadlock *dl = calloc(1, sizeof *dl);
        if (dl == NULL)
            dl_oom(m);
        des_map_init(&dl->by_va);
        des_map_init(&dl->class_by_site);
        des_map_init(&dl->edge_by_pair);
        des_map_init(&dl->chains);
        m->vf->deadlock = dl;
    }
    return m->vf->deadlock;
}

static inline struct vf_deadlock *dl_state(ke_machine *m)
{
    return m->vf->deadlock != NULL ? m->vf->deadlock : dl_state_new(m);
}

/* Whether a driver's acquisitions feed the graph: a verified image with
 * deadlock detection on. */
static inline __attribute__((always_inline)) bool dl_watched(ke_machine *m, io_driver *d)
{
    const ke_call c = {.m = m, .driver = d};
    return vf_option_enabled(&c, VF_FLAG_DEADLOCK_DETECTION);
}

/* The kinds acquired and released through one family of APIs. */
static uint8_t dl_family(uint8_t kind)
{
    switch ((ke_lock_kind)kind) {
    case KE_LOCK_RESOURCE_SHARED:
        return KE_LOCK_RESOURCE_EXCLUSIVE;
    case KE_LOCK_PUSH_SHARED:
        return KE_LOCK_PUSH_EXCLUSIVE;
    default:
        return kind;
    }
}

/* Locks whose initialisation is an export Driver Verifier sees. */
static bool dl_init_seen(uint8_t kind)
{
    uint8_t f = dl_family(kind);
    return f == KE_LOCK_MUTEX || f == KE_LOCK_RESOURCE_EXCLUSIVE || f == KE_LOCK_GUARDED_MUTEX;
}

/* ------------------------------------------------------------------------ */
/* Acquisitions, locks, classes                                             */
/* ------------------------------------------------------------------------ */

/* dl_acq_fill's body, inline on the acquisition path. */
static inline __attribute__((always_inline)) void dl_acq_set(ke_machine *m, dl_acq *a,
                                                             const ke_event *ev, bool with_site)
{
    const ke_exec *e = ev->exec;
    const ke_frame *f = ke_top_frame(e);
    a->lock = ev->address;
    a->cls = 0;
    a->kind = ev->lock;
    a->irql = ev->irql;
    a->cpu = e->cpu;
    a->thread_id = ev->thread != NULL ? ev->thread->id : 0;
    a->routine = f != NULL ? f->routine : e->start_name;
    a->site = (ke_site){0};
    a->site_known = false;
    a->context = DL_CTX_THREAD;
    if (e->callout_count > 0) {
        switch ((ke_callout_kind)e->callouts[e->callout_count - 1].kind) {
        case KE_CALLOUT_SYNCHRONIZE:
            a->context = DL_CTX_SYNCHRONIZE;
            break;
        case KE_CALLOUT_DISPATCH:
            a->context = DL_CTX_DISPATCH;
            break;
        case KE_CALLOUT_COMPLETION:
            a->context = DL_CTX_COMPLETION;
            break;
        case KE_CALLOUT_CANCEL:
            a->context = DL_CTX_CANCEL;
            break;
        case KE_CALLOUT_STARTIO:
            a->context = DL_CTX_STARTIO;
            break;
        case KE_CALLOUT_CSQ:
        case KE_CALLOUT_QUERY_ROUTINE:
        case KE_CALLOUT_REGISTRY:
        case KE_CALLOUT_POWER_COMPLETE:
        case KE_CALLOUT_DMA:
            a->context = DL_CTX_CALLBACK;
            break;
        }
    } else if (e->is_isr) {
        a->context = DL_CTX_ISR;
    } else if (e->is_dpc) {
        a->context = DL_CTX_DPC;
    } else if (ev->thread != NULL && ev->thread->work_queue != NULL) {
        a->context = DL_CTX_WORK_ITEM;
    } else if (ev->thread != NULL && ev->thread->harness && (f == NULL || f->driver == NULL)) {
        a->context = DL_CTX_HARNESS;
    } else {
        a->context = DL_CTX_THREAD;
    }
    /* An execution not started yet (an ISR whose lock the kernel takes
     * before it runs) is at no scenario line. The line costs a walk of the
     * Lua stack: only acquisitions the graph keeps need it. */
    if (with_site && e->host != NULL) {
        a->site = m->host.call_site != NULL ? m->host.call_site(m->host.ctx, e)
                                            : m->host.site(m->host.ctx, e);
        a->site_known = a->site.line != 0;
    }
}

void dl_acq_fill(ke_machine *m, dl_acq *a, const ke_event *ev, bool with_site)
{
    dl_acq_set(m, a, ev, with_site);
}

static uint32_t dl_new_class(ke_machine *m, struct vf_deadlock *dl)
{
    DL_GROW(m, dl->classes, dl->class_cap, dl->class_count);
    if (dl->queue_cap < dl->class_cap) {
        uint32_t *q = realloc(dl->queue, (size_t)dl->class_cap * sizeof *q);
        if (q == NULL)
            dl_oom(m);
        dl->queue = q;
        dl->queue_cap = dl->class_cap;
    }
    dl_class *c = &dl->classes[dl->class_count];
    memset(c, 0, sizeof *c);
    return dl->class_count++;
}

/* The class of the locks initialised at `site` with `subclass`. */
static uint32_t dl_class_of_site(ke_machine *m, struct vf_deadlock *dl, ke_site site,
                                 uint32_t subclass, PVOID_VA lock)
{
    uint64_t key = (uint64_t)site.chunk << 48 | (uint64_t)site.line << 16 | (subclass & 0xFFFFu);
    uint32_t i = dl_get(&dl->class_by_site, key);
    if (i != DL_NONE)
        return i;
    i = dl_new_class(m, dl);
    dl_class *c = &dl->classes[i];
    c->site = site;
    c->by_site = true;
    c->subclass = subclass;
    c->first_lock = lock;
    dl_put(m, &dl->class_by_site, key, i);
    return i;
}

static uint32_t dl_hint_slot(uint64_t key)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 58) & (DL_HINTS - 1);
}

static uint32_t dl_lock_lookup(struct vf_deadlock *dl, PVOID_VA va)
{
    uint32_t li = dl_get(&dl->by_va, va);
    if (li != DL_NONE)
        dl->lock_hint[dl_hint_slot(va)] = li + 1;
    return li;
}

static inline __attribute__((always_inline)) uint32_t dl_lock_find(struct vf_deadlock *dl,
                                                                   PVOID_VA va)
{
    uint32_t li = dl->lock_hint[dl_hint_slot(va)] - 1; /* DL_NONE for no hint */
    if (li < dl->lock_count && dl->locks[li].va == va && dl->locks[li].live)
        return li;
    return dl_lock_lookup(dl, va);
}

static uint32_t dl_lock_create(ke_machine *m, struct vf_deadlock *dl, PVOID_VA va)
{
    DL_GROW(m, dl->locks, dl->lock_cap, dl->lock_count);
    dl_lock *l = &dl->locks[dl->lock_count];
    memset(l, 0, sizeof *l);
    l->va = va;
    l->cls = DL_NONE;
    l->type = DL_TYPE_ANY;
    l->live = true;
    dl_put(m, &dl->by_va, va, dl->lock_count);
    DL_GROW(m, dl->live, dl->live_cap, dl->live_count);
    l->live_pos = dl->live_count;
    dl->live[dl->live_count++] = dl->lock_count;
    return dl->lock_count++;
}

/* The lock's class: its initialisation's, or one of its own. */
static uint32_t dl_lock_class(ke_machine *m, struct vf_deadlock *dl, uint32_t li)
{
    dl_lock *l = &dl->locks[li];
    if (l->cls == DL_NONE) {
        if (l->init_known) {
            l->cls = dl_class_of_site(m, dl, l->init_site, l->subclass, l->va);
        } else {
            uint32_t c = dl_new_class(m, dl);
            dl->classes[c].first_lock = l->va;
            dl->locks[li].cls = c;
        }
    }
    return dl->locks[li].cls;
}

/* Forgets a lock (its memory freed, the object deleted). */
static void dl_lock_forget(struct vf_deadlock *dl, uint32_t li)
{
    dl_lock *l = &dl->locks[li];
    des_map_remove(&dl->by_va, l->va);
    l->live = false;
    uint32_t last = dl->live[--dl->live_count];
    dl->live[l->live_pos] = last;
    dl->locks[last].live_pos = l->live_pos;
}

static dl_exec *dl_exec_scan(ke_machine *m, struct vf_deadlock *dl, const ke_exec *e,
                             bool create)
{
    dl_exec *spare = NULL;
    for (uint32_t i = 0; i < dl->exec_count; i++) {
        if (dl->execs[i].exec == e) {
            dl->exec_hint = i;
            return &dl->execs[i];
        }
        if (spare == NULL && dl->execs[i].count == 0)
            spare = &dl->execs[i];
    }
    if (!create)
        return NULL;
    if (spare == NULL) {
        DL_GROW(m, dl->execs, dl->exec_cap, dl->exec_count);
        spare = &dl->execs[dl->exec_count++];
        memset(spare, 0, sizeof *spare);
    }
    spare->exec = e;
    return spare;
}

static inline __attribute__((always_inline)) dl_exec *
dl_exec_of(ke_machine *m, struct vf_deadlock *dl, const ke_exec *e, bool create)
{
    /* An execution has one entry at most: the hint finds the one the scan
     * would. */
    if (dl->exec_hint < dl->exec_count && dl->execs[dl->exec_hint].exec == e)
        return &dl->execs[dl->exec_hint];
    return dl_exec_scan(m, dl, e, create);
}

static int64_t dl_held_find(const dl_exec *x, uint32_t li)
{
    for (int64_t i = (int64_t)x->count - 1; i >= 0; i--) {
        if (x->held[i].lock == li)
            return i;
    }
    return -1;
}

/* Another execution holding the lock, and where; NULL if none. */
static dl_exec *dl_holder(struct vf_deadlock *dl, uint32_t li, const dl_exec *besides,
                          int64_t *at)
{
    for (uint32_t i = 0; i < dl->exec_count; i++) {
        dl_exec *x = &dl->execs[i];
        if (x == besides)
            continue;
        int64_t j = dl_held_find(x, li);
        if (j >= 0) {
            *at = j;
            return x;
        }
    }
    return NULL;
}

/* Removes a held entry below the top; the chain hashes above it are
 * recomputed. */
static void dl_held_remove_below(struct vf_deadlock *dl, dl_exec *x, uint32_t at)
{
    dl->locks[x->held[at].lock].holders--;
    memmove(&x->held[at], &x->held[at + 1], (size_t)(x->count - at - 1) * sizeof *x->held);
    x->count--;
    for (uint32_t i = at; i < x->count; i++) {
        uint64_t below = i > 0 ? x->held[i - 1].chain : DL_CHAIN_SEED;
        x->held[i].chain = x->held[i].graphed ? dl_mix(below, x->held[i].acq.cls) : below;
    }
}

/* Removes a held entry. */
static inline __attribute__((always_inline)) void dl_held_remove(struct vf_deadlock *dl,
                                                                 dl_exec *x, uint32_t at)
{
    if (at + 1 < x->count) {
        dl_held_remove_below(dl, x, at);
        return;
    }
    /* The last taken, as most are released: nothing above it. */
    dl->locks[x->held[at].lock].holders--;
    x->count--;
}

/* ------------------------------------------------------------------------ */
/* Raising                                                                  */
/* ------------------------------------------------------------------------ */

static ke_call dl_call(ke_machine *m, const ke_event *ev)
{
    if (ev->call != NULL)
        return *ev->call;
    return (ke_call){.m = m, .exec = ev->exec, .thread = ev->thread, .driver = ev->driver};
}

static void dl_raise(ke_machine *m, const ke_event *ev, rule_id rule, uint64_t p2, uint64_t p3,
                     uint64_t p4)
{
    ke_call call = dl_call(m, ev);
    kd_raise(&call, rule, p2, p3, p4);
}

static uint64_t dl_thread_va(const ke_thread *t)
{
    return t != NULL && t->object != NULL ? t->object->va : 0;
}

/* Raises a cycle (the edges, the closing one last) or an IRQL-safety rule
 * with its report. */
static void dl_raise_report(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev, rule_id rule,
                            const dl_report_input *in, uint64_t p2, uint64_t p3, uint64_t p4)
{
    free(dl->report);
    dl->report = dl_report_build(m, in);
    dl_raise(m, ev, rule, p2, p3, p4);
}

/* ------------------------------------------------------------------------ */
/* The graph                                                                */
/* ------------------------------------------------------------------------ */

/* The shortest path of edges from class `from` to class `to`, found
 * breadth first in edge creation order; its length, 0 if none. The edges
 * are written to path (room for class_count). */
static uint32_t dl_path(struct vf_deadlock *dl, uint32_t from, uint32_t to, uint32_t *path)
{
    uint32_t gen = ++dl->visit;
    uint32_t head = 0, tail = 0;
    dl->queue[tail++] = from;
    dl->classes[from].visit = gen;
    dl->classes[from].via = DL_NONE;
    while (head < tail) {
        uint32_t c = dl->queue[head++];
        if (c == to) {
            uint32_t n = 0;
            for (uint32_t k = c; dl->classes[k].via != DL_NONE; k = dl->edges[dl->classes[k].via].from)
                n++;
            uint32_t i = n;
            for (uint32_t k = c; dl->classes[k].via != DL_NONE; k = dl->edges[dl->classes[k].via].from)
                path[--i] = dl->classes[k].via;
            return n;
        }
        const dl_class *cc = &dl->classes[c];
        for (uint32_t i = 0; i < cc->out_count; i++) {
            uint32_t e = cc->out[i];
            uint32_t next = dl->edges[e].to;
            if (dl->classes[next].visit == gen)
                continue;
            dl->classes[next].visit = gen;
            dl->classes[next].via = e;
            dl->queue[tail++] = next;
        }
    }
    return 0;
}

/* drvsim's two-lock IRQL-safety rule on an edge: `from` is taken in an ISR
 * at a device IRQL, `to` below it elsewhere. True if it raised. */
static bool dl_check_order(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev, uint32_t e)
{
    const dl_edge *edge = &dl->edges[e];
    const dl_class *from = &dl->classes[edge->from], *to = &dl->classes[edge->to];
    if (!from->isr_used || !to->low_used || to->low_acq.irql >= from->isr_acq.irql)
        return false;
    const dl_report_input in = {.edges = &e,
                                .edge_count = 1,
                                .edge_table = dl->edges,
                                .classes = dl->classes,
                                .irql_rule = true,
                                .isr = &from->isr_acq,
                                .low = &to->low_acq,
                                .order_held = &edge->held};
    dl_raise_report(m, dl, ev, RULE_deadlock_isr_lock_order, &in, edge->acquired.lock,
                    edge->held.lock, from->isr_acq.irql);
    return true;
}

/* Records how a class is used (in an ISR at a device IRQL, or outside one)
 * and checks drvsim's IRQL-safety rules against it. True if one raised. */
static bool dl_usage(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev, const dl_acq *a)
{
    dl_class *c = &dl->classes[a->cls];
    if (a->context == DL_CTX_ISR) {
        if (c->low_used && c->low_acq.irql < a->irql) {
            const dl_report_input in = {.classes = dl->classes,
                                        .edge_table = dl->edges,
                                        .irql_rule = true,
                                        .isr = a,
                                        .low = &c->low_acq};
            dl_raise_report(m, dl, ev, RULE_deadlock_isr_lock_unmasked, &in, a->lock, a->irql,
                            c->low_acq.irql);
            return true;
        }
        if (c->isr_used && c->isr_acq.irql >= a->irql)
            return false;
        c->isr_used = true;
        c->isr_acq = *a;
        for (uint32_t i = 0; i < c->out_count; i++) {
            if (dl_check_order(m, dl, ev, c->out[i]))
                return true;
        }
        return false;
    }
    if (c->isr_used && a->irql < c->isr_acq.irql) {
        const dl_report_input in = {.classes = dl->classes,
                                    .edge_table = dl->edges,
                                    .irql_rule = true,
                                    .isr = &c->isr_acq,
                                    .low = a};
        dl_raise_report(m, dl, ev, RULE_deadlock_isr_lock_unmasked, &in, a->lock,
                        c->isr_acq.irql, a->irql);
        return true;
    }
    if (c->low_used && c->low_acq.irql <= a->irql)
        return false;
    c->low_used = true;
    c->low_acq = *a;
    for (uint32_t i = 0; i < c->in_count; i++) {
        if (dl_check_order(m, dl, ev, c->in[i]))
            return true;
    }
    return false;
}

/* Adds the edge held -> acquired if new, with them as its witness, and
 * checks it: a cycle (0x1001), the two-lock IRQL rule. */
static void dl_add_edge(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev,
                        const dl_held *held, const dl_held *acquired)
{
    uint32_t from = held->acq.cls, to = acquired->acq.cls;
    uint64_t key = (uint64_t)from << 32 | to;
    if (dl_get(&dl->edge_by_pair, key) != DL_NONE)
        return;
    DL_GROW(m, dl->edges, dl->edge_cap, dl->edge_count);
    uint32_t e = dl->edge_count++;
    dl->edges[e] = (dl_edge){.from = from, .to = to, .held = held->acq, .acquired = acquired->acq};
    dl_put(m, &dl->edge_by_pair, key, e);
    dl_class *f = &dl->classes[from];
    DL_GROW(m, f->out, f->out_cap, f->out_count);
    f->out[f->out_count++] = e;
    dl_class *t = &dl->classes[to];
    DL_GROW(m, t->in, t->in_cap, t->in_count);
    t->in[t->in_count++] = e;

    if (dl_check_order(m, dl, ev, e))
        return;
    /* A cycle: a path back from `to` to `from`, closed by this edge (a
     * class nested in itself is a cycle of one edge). */
    uint32_t *path = malloc(((size_t)dl->class_count + 1) * sizeof *path);
    if (path == NULL)
        dl_oom(m);
    uint32_t n = from == to ? 0 : dl_path(dl, to, from, path);
    if (from == to || n > 0) {
        path[n++] = e;
        const dl_report_input in = {
            .edges = path, .edge_count = n, .edge_table = dl->edges, .classes = dl->classes};
        dl_raise_report(m, dl, ev, RULE_deadlock_lock_hierarchy, &in, acquired->acq.lock, 0, 0);
    }
    free(path);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

static void dl_initialized(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev)
{
    uint32_t li = dl_lock_find(dl, ev->address);
    /* An ERESOURCE initialised twice is the miscellaneous checks' 0xD0,
     * which the thunk raises (vf_ExInitializeResourceLite). */
    if (li != DL_NONE && dl->locks[li].initialized && dl_init_seen(ev->lock) &&
        dl_family(ev->lock) != KE_LOCK_RESOURCE_EXCLUSIVE && dl_watched(m, ev->driver)) {
        dl_raise(m, ev, RULE_deadlock_initialized_twice, ev->address, 0, 0);
        return;
    }
    if (li == DL_NONE)
        li = dl_lock_create(m, dl, ev->address);
    dl_lock *l = &dl->locks[li];
    l->initialized = true;
    if (ev->exec != NULL && ev->exec->host != NULL) {
        ke_site site = m->host.site(m->host.ctx, ev->exec);
        if (site.line != 0 && l->holders == 0) {
            /* Initialised again (a spin lock may be) at another line:
             * from now on a lock of that line's class. */
            l->init_site = site;
            l->init_known = true;
            l->cls = DL_NONE;
        }
    }
}

static void dl_acquired(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev)
{
    uint32_t li = dl_lock_find(dl, ev->address);
    if (li == DL_NONE)
        li = dl_lock_create(m, dl, ev->address);
    dl_exec *x = dl_exec_of(m, dl, ev->exec, true);
    x->thread = ev->thread;
    int64_t mine = dl_held_find(x, li);
    if (mine >= 0) {
        /* A KMUTEX or an ERESOURCE acquired again by its owner. */
        x->held[mine].depth++;
        return;
    }
    bool watched = dl_watched(m, ev->driver);
    uint8_t family = dl_family(ev->lock);
    if (watched) {
        if (dl_init_seen(ev->lock) && !dl->locks[li].initialized) {
            dl_raise(m, ev, RULE_deadlock_uninitialized, ev->address, 0, 0);
            return;
        }
        if (dl->locks[li].type != DL_TYPE_ANY && dl->locks[li].type != family) {
            dl_raise(m, ev, RULE_deadlock_acquire_type_mismatch, ev->address, 0, 0);
            return;
        }
    }
    if (dl->locks[li].type == DL_TYPE_ANY)
        dl->locks[li].type = family;
    uint32_t cls = dl_lock_class(m, dl, li);

    DL_GROW(m, x->held, x->cap, x->count);
    dl_held *h = &x->held[x->count++];
    h->lock = li;
    h->driver = ev->driver;
    h->graphed = watched;
    h->depth = 1;
    dl_acq_set(m, &h->acq, ev, watched);
    h->acq.cls = cls;
    dl->locks[li].holders++;
    uint64_t below = x->count > 1 ? x->held[x->count - 2].chain : DL_CHAIN_SEED;
    h->chain = watched ? dl_mix(below, cls) : below;
    if (!watched)
        return;

    /* The chain cache: this chain of classes, taken in this context at this
     * IRQL, was checked before. */
    uint64_t key = dl_mix(h->chain, (uint64_t)h->acq.irql << 8 | (h->acq.context == DL_CTX_ISR));
    uint64_t *hint = &dl->chain_hint[dl_hint_slot(key)];
    if (*hint == key && key != 0)
        return;
    if (des_map_get(&dl->chains, key) != NULL) {
        *hint = key;
        return;
    }
    if (!des_map_put(&dl->chains, key, (void *)1))
        dl_oom(m);
    *hint = key;
    dl_held acquired = *h; /* x->held may move */
    if (dl_usage(m, dl, ev, &acquired.acq))
        return;
    for (int64_t i = (int64_t)x->count - 2; i >= 0; i--) {
        if (x->held[i].graphed) {
            dl_held held = x->held[i];
            dl_add_edge(m, dl, ev, &held, &acquired);
            break;
        }
    }
}

/* Out of line: dl_on_released's quick path keeps a small frame. */
static __attribute__((noinline)) void dl_released(ke_machine *m, struct vf_deadlock *dl,
                                                 const ke_event *ev)
{
    uint32_t li = dl_lock_find(dl, ev->address);
    dl_exec *x = li != DL_NONE ? dl_exec_of(m, dl, ev->exec, false) : NULL;
    int64_t at = x != NULL ? dl_held_find(x, li) : -1;
    bool watched = dl_watched(m, ev->driver);
    if (at < 0) {
        int64_t other_at = -1;
        dl_exec *other = li != DL_NONE ? dl_holder(dl, li, x, &other_at) : NULL;
        if (watched) {
            if (other != NULL)
                dl_raise(m, ev, RULE_deadlock_release_wrong_thread, ev->address,
                         dl_thread_va(other->thread), dl_thread_va(ev->thread));
            else
                dl_raise(m, ev, RULE_deadlock_release_not_acquired, ev->address, 0, 0);
            return;
        }
        if (other != NULL && --other->held[other_at].depth == 0)
            dl_held_remove(dl, other, (uint32_t)other_at);
        return;
    }
    dl_held *h = &x->held[at];
    if (watched) {
        if (dl_family(h->acq.kind) != dl_family(ev->lock)) {
            dl_raise(m, ev, RULE_deadlock_release_type_mismatch, ev->address, 0, 0);
            return;
        }
        if (ev->lock == KE_LOCK_QUEUED_SPIN) {
            for (int64_t j = (int64_t)x->count - 1; j > at; j--) {
                if (x->held[j].acq.kind == KE_LOCK_QUEUED_SPIN) {
                    dl_raise(m, ev, RULE_deadlock_release_out_of_order, ev->address,
                             x->held[j].acq.lock, 0);
                    return;
                }
            }
        }
    }
    if (--h->depth == 0)
        dl_held_remove(dl, x, (uint32_t)at);
}

static void dl_thread_terminated(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev)
{
    dl_exec *x = dl_exec_of(m, dl, ev->exec, false);
    if (x == NULL)
        return;
    for (uint32_t i = 0; i < x->count; i++) {
        if (x->held[i].graphed) {
            ke_event owner = *ev;
            owner.driver = x->held[i].driver;
            dl_raise(m, &owner, RULE_deadlock_thread_terminated_owner, dl_thread_va(ev->thread),
                     x->held[i].acq.lock, 0);
            return;
        }
    }
    while (x->count > 0)
        dl_held_remove(dl, x, x->count - 1);
}

/* A lock whose memory is freed or whose object is deleted: 0x100B if a
 * verified driver's acquisition still holds it, else forgotten. */
static bool dl_gone(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev, uint32_t li)
{
    int64_t at = -1;
    dl_exec *holder = dl->locks[li].holders > 0 ? dl_holder(dl, li, NULL, &at) : NULL;
    if (holder != NULL && holder->held[at].graphed) {
        dl_raise(m, ev, RULE_deadlock_freed_lock_owned, dl->locks[li].va,
                 dl_thread_va(holder->thread), 0);
        return true;
    }
    if (holder != NULL)
        dl_held_remove(dl, holder, (uint32_t)at);
    dl_lock_forget(dl, li);
    return false;
}

static void dl_freed(ke_machine *m, struct vf_deadlock *dl, const ke_event *ev)
{
    PVOID_VA start = ev->address, end = ev->address + ev->size;
    /* Backwards: forgetting a lock moves the last one into its place. A
     * block holding two owned locks names the one this walk meets first,
     * fixed by the run's own order of creations and deletions. */
    for (uint32_t k = dl->live_count; k-- > 0;) {
        uint32_t i = dl->live[k];
        const dl_lock *l = &dl->locks[i];
        if (l->va >= start && l->va < end && dl_gone(m, dl, ev, i))
            return;
    }
}

/* The entries for acquisitions and releases, the events of every lock
 * call (vf_deadlock_entry). */
static void dl_on_acquired(ke_machine *m, const ke_event *ev)
{
    if (!ke_stopped(m))
        dl_acquired(m, dl_state(m), ev);
}

static void dl_on_released(ke_machine *m, const ke_event *ev)
{
    if (ke_stopped(m))
        return;
    struct vf_deadlock *dl = dl_state(m);
    /* The release of the lock its execution took last, as most are: the
     * top entry of the execution the hint names, a live lock at the
     * address (what dl_released's lookups would find, from the top), of
     * the family acquired (nothing to raise: no type mismatch, no queued
     * spin lock above it). What dl_released does then. */
    if (dl->exec_hint < dl->exec_count) {
        dl_exec *x = &dl->execs[dl->exec_hint];
        if (x->exec == ev->exec && x->count > 0) {
            dl_held *h = &x->held[x->count - 1];
            dl_lock *l = &dl->locks[h->lock];
            if (l->va == ev->address && l->live &&
                dl_family(h->acq.kind) == dl_family(ev->lock)) {
                if (--h->depth == 0)
                    dl_held_remove(dl, x, x->count - 1);
                return;
            }
        }
    }
    dl_released(m, dl, ev);
}

void vf_deadlock_event(ke_machine *m, const ke_event *ev)
{
    switch ((ke_event_kind)ev->kind) {
    case KE_EVENT_LOCK_ACQUIRED:
        dl_on_acquired(m, ev);
        return;
    case KE_EVENT_LOCK_RELEASED:
        dl_on_released(m, ev);
        return;
    default:
        break;
    }
    if (ke_stopped(m))
        return;
    struct vf_deadlock *dl = dl_state(m);
    switch ((ke_event_kind)ev->kind) {
    case KE_EVENT_LOCK_INITIALIZED:
        dl_initialized(m, dl, ev);
        return;
    case KE_EVENT_THREAD_TERMINATED:
        dl_thread_terminated(m, dl, ev);
        return;
    case KE_EVENT_POOL_FREED:
        dl_freed(m, dl, ev);
        return;
    case KE_EVENT_LOCK_DELETED: {
        uint32_t li = dl_lock_find(dl, ev->address);
        if (li != DL_NONE)
            dl_gone(m, dl, ev, li);
        return;
    }
    default:
        return;
    }
}

void (*vf_deadlock_entry(ke_event_kind kind))(ke_machine *m, const ke_event *ev)
{
    switch (kind) {
    case KE_EVENT_LOCK_ACQUIRED:
        return dl_on_acquired;
    case KE_EVENT_LOCK_RELEASED:
        return dl_on_released;
    default:
        return vf_deadlock_event;
    }
}

/* ------------------------------------------------------------------------ */
/* From the thunks and the scenario                                          */
/* ------------------------------------------------------------------------ */

bool vf_deadlock_exclusive_of_shared(ke_call *call, PVOID_VA Resource)
{
    if (!vf_rule_enabled(call, RULE_deadlock_recursive_exclusive))
        return false;
    ex_resource *r = ex_resource_at(call->m, Resource);
    if (r == NULL || r->exclusive || ex_resource_held(r, call->thread) == 0)
        return false;
    kd_raise(call, RULE_deadlock_recursive_exclusive, Resource, 0, 0);
    return true;
}

void vf_deadlock_set_subclass(ke_machine *m, PVOID_VA lock, uint32_t subclass)
{
    struct vf_deadlock *dl = dl_state(m);
    uint32_t li = dl_lock_find(dl, lock);
    if (li == DL_NONE)
        li = dl_lock_create(m, dl, lock);
    dl_lock *l = &dl->locks[li];
    l->subclass = subclass;
    if (l->holders == 0 && l->init_known)
        l->cls = DL_NONE; /* found again at its next acquisition */
}

drvsim_deadlock *vf_deadlock_take_report(ke_machine *m)
{
    struct vf_deadlock *dl = m->vf->deadlock;
    if (dl == NULL || dl->report == NULL)
        return NULL;
    drvsim_deadlock *r = dl->report;
    dl->report = NULL;
    return r;
}

/*
 * race.c - the data race detector's state and algorithm (race.h): execution
 * contexts and their vector clocks, the clocks of synchronisation objects,
 * and the shadow of simulated memory, checked FastTrack's way.
 *
 * Contexts. A thread is one context for its life (a system worker's work
 * items included: they run one after the other on it). A DPC is its own
 * context, not the thread it interrupts: one per KDPC, whose runs follow
 * each other (a timer's DPC runs on one processor after another, each
 * after the last has returned), and each run begins ordered after the DPC's
 * queueing (KeInsertQueueDpc, IoRequestDpc, the KeSetTimer that named it).
 * A run that starts while another run of the same KDPC is still going on
 * another processor (queued again while it ran, which Windows allows) is
 * really concurrent with it: it gets a context of its own (the KDPC's on
 * that processor). An ISR is one context per interrupt object and
 * processor, ordered by its interrupt spin lock.
 *
 * Clocks. Every context has a vector clock; an access is stamped with its
 * context's own entry (an epoch). A release joins the context's clock into
 * the object's and starts a new epoch; an acquire joins the object's into
 * the context's. Objects are keyed by address: a spin lock, a dispatcher
 * object, a KDPC, a work item, an interlocked variable; address 0 is the
 * full fence of KeMemoryBarrier.
 *
 * Shadow. Memory is watched in 8-byte granules, each with the last write
 * (epoch, bytes, info) and the last read, or, after two unordered reads,
 * the set of reads (FastTrack's read-shared state). A page's granules are
 * allocated at the first watched access to the page; a pool free clears
 * the freed bytes' history. An access in the same epoch as the one
 * recorded costs a compare. A byte mask per record keeps two fields of one
 * granule apart.
 *
 * What it misses, by design (never a false report): after a write, the
 * reads it follows are forgotten; a granule keeps one write, so two writes
 * to disjoint bytes of it keep only the later. Interlocked and
 * ReadNoFence-style accesses are synchronisation, not accesses: a plain
 * access racing with one is not reported. KeMemoryBarrier orders any two
 * contexts that both pass one (one global fence object): coarser than the
 * hardware's, so a race it hides is possible, a race it reports is real.
 */
#include "vf/race.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "des/map.h"
#include "kd/kd.h"
#include "vf/vf.h"

#define RC_GRANULE_SHIFT 3u
#define RC_GRANULE_BYTES (1u << RC_GRANULE_SHIFT)
#define RC_CELLS         (PAGE_SIZE / RC_GRANULE_BYTES)
#define RC_SHARED        UINT32_MAX /* rc_cell.r_ctx: r_clock indexes a read set */

/* A granule's history. Contexts are stored + 1 (0: none). */
typedef struct rc_cell {
    uint32_t w_ctx, w_clock, w_info;
    uint32_t r_ctx, r_clock, r_info;
    uint8_t w_mask, r_mask; /* the bytes of the granule each touched */
} rc_cell;

/* A page's granules; `used` counts those with a history, and a page whose
 * last history a free clears is given back (special pool puts every
 * allocation on pages of its own: the shadow must not outgrow the live
 * memory). */
typedef struct rc_page {
    rc_cell cells[RC_CELLS];
    uint32_t used;
} rc_page;

typedef struct rc_read {
    uint32_t ctx, clock, info;
    uint8_t mask;
} rc_read;

/* FastTrack's read-shared state: the last read of each context. */
typedef struct rc_readset {
    rc_read *items;
    uint32_t count, cap;
    uint32_t next_free; /* free list, when unused */
} rc_readset;

typedef struct rc_var {
    uint32_t *vc;
    uint32_t vc_len;
} rc_var;

struct vf_race {
    rc_ctx *ctxs;
    uint32_t ctx_count, ctx_cap;
    des_map ctx_by_key; /* context key -> index + 1 */
    /* The context an execution is bound to: per processor for DPCs and
     * ISRs (with the run it was bound for), per thread id for threads. */
    uint32_t dpc_run[KE_MAX_CPUS], dpc_ctx[KE_MAX_CPUS];
    uint32_t isr_run[KE_MAX_CPUS], isr_ctx[KE_MAX_CPUS];
    uint32_t *thread_ctx; /* by thread id - 1, RC_NONE when unbound */
    uint32_t thread_cap;
    rc_var *vars;
    uint32_t var_count, var_cap;
    des_map var_by_address; /* object address -> index + 1 */
    des_map pages;          /* page number -> rc_page */
    uint64_t last_page_number;
    rc_page *last_page;
    /* A page given back (its history all cleared: all zero), kept for the
     * next page that gets one: a driver allocating, writing and freeing a
     * block in a loop otherwise costs a 14 KiB calloc per iteration. */
    rc_page *spare;
    rc_readset *readsets;
    uint32_t readset_count, readset_cap, readset_free;
    rc_info *infos;
    uint32_t info_count, info_cap;
    des_map info_by_key; /* hash of an info -> index + 1 (the first with that hash) */
    drvsim_race *report; /* the race raised, until the runner takes it */
};

static _Noreturn void rc_oom(ke_machine *m)
{
    ke_panic(m, __FILE__, __LINE__, "out of host memory in the race detector");
}

static void rc_grow(ke_machine *m, void **array, uint32_t *cap, uint32_t count, size_t size)
{
    if (count < *cap)
        return;
    uint32_t n = *cap != 0 ? 2 * *cap : 16;
    while (n <= count)
        n *= 2;
    void *p = realloc(*array, (size_t)n * size);
    if (p == NULL)
        rc_oom(m);
    *array = p;
    *cap = n;
}

#define RC_GROW(m, arr, cap, count) rc_grow((m), (void **)&(arr), &(cap), (count), sizeof *(arr))

static uint64_t rc_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

uint32_t vf_race_hook_mask(const vf_settings *s)
{
    if ((s->options & VF_OPTION_RACES) == 0)
        return 0;
    return 1u << KE_EVENT_LOCK_ACQUIRED | 1u << KE_EVENT_LOCK_RELEASED |
           1u << KE_EVENT_THREAD_TERMINATED | 1u << KE_EVENT_POOL_FREED |
           1u << KE_EVENT_MEMORY_ACCESS | 1u << KE_EVENT_SYNC_RELEASE |
           1u << KE_EVENT_SYNC_ACQUIRE | 1u << KE_EVENT_ATOMIC;
}

void vf_race_destroy(struct vf_race *r)
{
    if (r == NULL)
        return;
    for (uint32_t i = 0; i < r->ctx_count; i++) {
        free(r->ctxs[i].vc);
        free(r->ctxs[i].held);
    }
    for (uint32_t i = 0; i < r->var_count; i++)
        free(r->vars[i].vc);
    for (uint32_t i = 0; i < r->readset_count; i++)
        free(r->readsets[i].items);
    /* Freeing in slot order decides nothing. */
    for (size_t i = 0; i < r->pages.capacity; i++)
        free(r->pages.slots[i].value);
    free(r->spare);
    free(r->ctxs);
    free(r->thread_ctx);
    free(r->vars);
    free(r->readsets);
    free(r->infos);
    free(r->report);
    des_map_fini(&r->ctx_by_key);
    des_map_fini(&r->var_by_address);
    des_map_fini(&r->pages);
    des_map_fini(&r->info_by_key);
    free(r);
}

static struct vf_race *rc_state(ke_machine *m)
{
    if (m->vf->race == NULL) {
        struct vf_race *r = calloc(1, sizeof *r);
        if (r == NULL)
            rc_oom(m);
        des_map_init(&r->ctx_by_key);
        des_map_init(&r->var_by_address);
        des_map_init(&r->pages);
        des_map_init(&r->info_by_key);
        r->last_page_number = UINT64_MAX;
        r->readset_free = RC_NONE;
        for (uint32_t i = 0; i < KE_MAX_CPUS; i++)
            r->dpc_ctx[i] = r->isr_ctx[i] = RC_NONE;
        m->vf->race = r;
    }
    return m->vf->race;
}

/* ------------------------------------------------------------------------ */
/* Vector clocks                                                            */
/* ------------------------------------------------------------------------ */

static uint32_t vc_get(const uint32_t *vc, uint32_t len, uint32_t u)
{
    return u < len ? vc[u] : 0;
}

/* Grows a clock to hold entry n - 1, the new entries 0. */
static void vc_reserve(ke_machine *m, uint32_t **vc, uint32_t *len, uint32_t n)
{
    if (n <= *len)
        return;
    uint32_t *p = realloc(*vc, (size_t)n * sizeof *p);
    if (p == NULL)
        rc_oom(m);
    memset(p + *len, 0, (size_t)(n - *len) * sizeof *p);
    *vc = p;
    *len = n;
}

/* dst = dst joined with src. */
static void vc_join(ke_machine *m, uint32_t **dst, uint32_t *dst_len, const uint32_t *src,
                    uint32_t src_len)
{
    vc_reserve(m, dst, dst_len, src_len);
    for (uint32_t u = 0; u < src_len; u++) {
        if (src[u] > (*dst)[u])
            (*dst)[u] = src[u];
    }
}

/* ------------------------------------------------------------------------ */
/* Contexts                                                                 */
/* ------------------------------------------------------------------------ */

static uint64_t ctx_key(rc_ctx_kind kind, uint32_t cpu, uint64_t id)
{
    return (uint64_t)kind << 56 | (uint64_t)cpu << 48 | (id & 0xFFFFFFFFFFFFull);
}

static uint32_t ctx_new(ke_machine *m, struct vf_race *r, uint64_t key)
{
    void *found = des_map_get(&r->ctx_by_key, key);
    if (found != NULL)
        return (uint32_t)((uintptr_t)found - 1);
    RC_GROW(m, r->ctxs, r->ctx_cap, r->ctx_count);
    uint32_t i = r->ctx_count++;
    rc_ctx *c = &r->ctxs[i];
    memset(c, 0, sizeof *c);
    vc_reserve(m, &c->vc, &c->vc_len, i + 1);
    c->vc[i] = 1;
    if (!des_map_put(&r->ctx_by_key, key, (void *)(uintptr_t)((uint64_t)i + 1)))
        rc_oom(m);
    return i;
}

/* The KDPC a DPC execution runs (dpc.c passes it first, or fourth for an
 * I/O timer's or EX_TIMER's routine). */
static PVOID_VA dpc_of(const ke_exec *e)
{
    return e->start_argc == 2 ? e->start_args[3] : e->start_args[0];
}

/* The context an execution is in now. */
static uint32_t ctx_of(ke_machine *m, struct vf_race *r, const ke_exec *e)
{
    uint32_t cpu = e->cpu;
    if (e->is_isr || e->is_dpc) {
        bool isr = e->is_isr;
        uint32_t *run = isr ? r->isr_run : r->dpc_run, *bound = isr ? r->isr_ctx : r->dpc_ctx;
        if (bound[cpu] != RC_NONE && run[cpu] == e->run)
            return bound[cpu];
        PVOID_VA object = isr ? e->start_args[0] : dpc_of(e);
        uint32_t i;
        if (isr) {
            i = ctx_new(m, r, ctx_key(RC_CTX_ISR, cpu, object));
        } else {
            /* The KDPC's context, unless a run of it is going on elsewhere. */
            i = ctx_new(m, r, ctx_key(RC_CTX_DPC, 0, object));
            if (r->ctxs[i].running)
                i = ctx_new(m, r, ctx_key(RC_CTX_DPC, cpu + 1, object));
            r->ctxs[i].running = true;
        }
        rc_ctx *c = &r->ctxs[i];
        c->kind = isr ? RC_CTX_ISR : RC_CTX_DPC;
        c->cpu = cpu;
        c->object = object;
        c->thread = e->thread->id;
        run[cpu] = e->run;
        bound[cpu] = i;
        return i;
    }
    uint32_t id = e->thread->id;
    KE_CHECK(m, id > 0);
    if (id > r->thread_cap) {
        uint32_t old = r->thread_cap;
        RC_GROW(m, r->thread_ctx, r->thread_cap, id);
        for (uint32_t k = old; k < r->thread_cap; k++)
            r->thread_ctx[k] = RC_NONE;
    }
    if (r->thread_ctx[id - 1] != RC_NONE)
        return r->thread_ctx[id - 1];
    uint32_t i = ctx_new(m, r, ctx_key(RC_CTX_THREAD, 0, id));
    rc_ctx *c = &r->ctxs[i];
    c->kind = RC_CTX_THREAD;
    c->thread = id;
    c->harness = e->thread->harness;
    c->worker = e->thread->work_queue != NULL;
    r->thread_ctx[id - 1] = i;
    return i;
}

/* ------------------------------------------------------------------------ */
/* Synchronisation                                                          */
/* ------------------------------------------------------------------------ */

static rc_var *var_at(ke_machine *m, struct vf_race *r, PVOID_VA address)
{
    void *found = des_map_get(&r->var_by_address, address);
    if (found != NULL)
        return &r->vars[(uintptr_t)found - 1];
    RC_GROW(m, r->vars, r->var_cap, r->var_count);
    rc_var *v = &r->vars[r->var_count++];
    memset(v, 0, sizeof *v);
    if (!des_map_put(&r->var_by_address, address, (void *)(uintptr_t)r->var_count))
        rc_oom(m);
    return v;
}

/* What context t did so far is published to the object; t starts a new
 * epoch. */
static void rc_release(ke_machine *m, struct vf_race *r, uint32_t t, PVOID_VA address)
{
    rc_var *v = var_at(m, r, address);
    rc_ctx *c = &r->ctxs[t];
    vc_join(m, &v->vc, &v->vc_len, c->vc, c->vc_len);
    c->vc[t]++;
}

/* Context t sees what was published to the object. */
static void rc_acquire(ke_machine *m, struct vf_race *r, uint32_t t, PVOID_VA address)
{
    void *found = des_map_get(&r->var_by_address, address);
    if (found == NULL)
        return; /* nothing published there yet */
    rc_var *v = &r->vars[(uintptr_t)found - 1];
    rc_ctx *c = &r->ctxs[t];
    vc_join(m, &c->vc, &c->vc_len, v->vc, v->vc_len);
}

static void held_push(ke_machine *m, rc_ctx *c, PVOID_VA lock, uint8_t kind)
{
    RC_GROW(m, c->held, c->held_cap, c->held_count);
    c->held[c->held_count].lock = lock;
    c->held[c->held_count].kind = kind;
    c->held_count++;
}

static void held_pop(rc_ctx *c, PVOID_VA lock)
{
    for (uint32_t i = c->held_count; i > 0; i--) {
        if (c->held[i - 1].lock == lock) {
            memmove(&c->held[i - 1], &c->held[i], (c->held_count - i) * sizeof *c->held);
            c->held_count--;
            return;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Shadow memory                                                            */
/* ------------------------------------------------------------------------ */

static rc_page *page_of(ke_machine *m, struct vf_race *r, uint64_t number, bool create)
{
    if (number == r->last_page_number)
        return r->last_page;
    rc_page *p = des_map_get(&r->pages, number);
    if (p == NULL) {
        if (!create)
            return NULL;
        if (r->spare != NULL) {
            p = r->spare;
            r->spare = NULL;
        } else {
            p = calloc(1, sizeof *p);
        }
        if (p == NULL || !des_map_put(&r->pages, number, p))
            rc_oom(m);
    }
    r->last_page_number = number;
    r->last_page = p;
    return p;
}

static void readset_release(struct vf_race *r, uint32_t i)
{
    r->readsets[i].count = 0;
    r->readsets[i].next_free = r->readset_free;
    r->readset_free = i;
}

static uint32_t readset_new(ke_machine *m, struct vf_race *r)
{
    if (r->readset_free != RC_NONE) {
        uint32_t i = r->readset_free;
        r->readset_free = r->readsets[i].next_free;
        return i;
    }
    RC_GROW(m, r->readsets, r->readset_cap, r->readset_count);
    memset(&r->readsets[r->readset_count], 0, sizeof *r->readsets);
    return r->readset_count++;
}

static void readset_put(ke_machine *m, struct vf_race *r, uint32_t set, const rc_read *rd)
{
    rc_readset *s = &r->readsets[set];
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->items[i].ctx == rd->ctx) {
            uint8_t mask = s->items[i].clock == rd->clock ? s->items[i].mask : 0;
            s->items[i] = *rd;
            s->items[i].mask |= mask;
            return;
        }
    }
    RC_GROW(m, s->items, s->cap, s->count);
    s->items[s->count++] = *rd;
}

/* Forgets the history of [va, va + size) (freed memory). */
static void shadow_clear(struct vf_race *r, PVOID_VA va, uint64_t size)
{
    uint64_t first = va >> PAGE_SHIFT, last = (va + size - 1) >> PAGE_SHIFT;
    for (uint64_t n = first; n <= last; n++) {
        rc_page *p = des_map_get(&r->pages, n);
        if (p == NULL)
            continue;
        uint64_t page_va = n << PAGE_SHIFT;
        uint64_t from = va > page_va ? va - page_va : 0;
        uint64_t to = va + size < page_va + PAGE_SIZE ? va + size - page_va : PAGE_SIZE;
        /* A pool block starts on a granule and owns the rest of its last
         * one (the pool's own alignment, 8 or 16 bytes, is at least a
         * granule): a 4-byte block freed clears its granule, or the next
         * block there inherits its accesses (a false race). */
        for (uint64_t g = (from + RC_GRANULE_BYTES - 1) >> RC_GRANULE_SHIFT;
             g < ((to + RC_GRANULE_BYTES - 1) >> RC_GRANULE_SHIFT); g++) {
            rc_cell *c = &p->cells[g];
            if (c->w_ctx == 0 && c->r_ctx == 0)
                continue;
            if (c->r_ctx == RC_SHARED)
                readset_release(r, c->r_clock);
            memset(c, 0, sizeof *c);
            p->used--;
        }
        if (p->used == 0) {
            des_map_remove(&r->pages, n);
            if (r->last_page == p) {
                r->last_page = NULL;
                r->last_page_number = UINT64_MAX;
            }
            if (r->spare == NULL)
                r->spare = p; /* every cell cleared: as calloc gives it */
            else
                free(p);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Access records for reports                                               */
/* ------------------------------------------------------------------------ */

static bool info_equal(const rc_info *a, const rc_info *b)
{
    if (a->ctx != b->ctx || a->site.chunk != b->site.chunk || a->site.line != b->site.line ||
        a->site_known != b->site_known || a->role != b->role || a->ddi != b->ddi ||
        a->irql != b->irql || a->write != b->write || a->held_count != b->held_count ||
        a->held_more != b->held_more)
        return false;
    for (uint32_t i = 0; i < a->held_count; i++) {
        if (a->held[i].lock != b->held[i].lock || a->held[i].kind != b->held[i].kind)
            return false;
    }
    if (a->routine == b->routine)
        return true;
    return a->routine != NULL && b->routine != NULL && strcmp(a->routine, b->routine) == 0;
}

/* The record of the access ev makes, interned. */
static uint32_t info_of(ke_machine *m, struct vf_race *r, uint32_t t, const ke_event *ev)
{
    rc_info in;
    memset(&in, 0, sizeof in);
    in.ctx = t;
    in.site = m->host.site(m->host.ctx, ev->exec);
    in.site_known = in.site.chunk != 0xFFFF;
    const ke_frame *f = ke_top_frame(ev->exec);
    in.routine = f != NULL ? f->routine : NULL;
    in.role = f != NULL ? f->role : KE_ROLE_NONE;
    in.ddi = ev->ddi;
    in.irql = ev->irql;
    in.write = ev->write;
    const rc_ctx *c = &r->ctxs[t];
    in.held_count = (uint8_t)(c->held_count < RC_MAX_HELD ? c->held_count : RC_MAX_HELD);
    in.held_more = c->held_count - in.held_count;
    for (uint32_t i = 0; i < in.held_count; i++)
        in.held[i] = c->held[i];
    uint64_t h = rc_mix(t, (uint64_t)in.site.chunk << 32 | in.site.line);
    h = rc_mix(h, (uint64_t)in.irql << 24 | (uint64_t)in.ddi << 8 | in.write);
    h = rc_mix(h, (uint64_t)in.role << 8 | in.held_count);
    for (uint32_t i = 0; i < in.held_count; i++)
        h = rc_mix(h, in.held[i].lock);
    /* The routine by its simulated address (host addresses never decide
     * anything); info_equal compares the names. */
    h = rc_mix(h, f != NULL ? f->code : 0);
    void *found = des_map_get(&r->info_by_key, h);
    if (found != NULL && info_equal(&r->infos[(uintptr_t)found - 1], &in))
        return (uint32_t)((uintptr_t)found - 1);
    RC_GROW(m, r->infos, r->info_cap, r->info_count);
    uint32_t i = r->info_count++;
    r->infos[i] = in;
    if (found == NULL && !des_map_put(&r->info_by_key, h, (void *)(uintptr_t)((uint64_t)i + 1)))
        rc_oom(m);
    return i;
}

/* ------------------------------------------------------------------------ */
/* The check                                                                */
/* ------------------------------------------------------------------------ */

/* Raises the race: the access recorded (info `earlier`) and this one. */
static void rc_raise(ke_machine *m, struct vf_race *r, const ke_event *ev, uint32_t t,
                     uint32_t earlier, PVOID_VA overlap)
{
    uint32_t later = info_of(m, r, t, ev);
    rc_race race = {.earlier = &r->infos[earlier],
                    .later = &r->infos[later],
                    .address = ev->address,
                    .size = ev->size,
                    .overlap = overlap};
    char text[sizeof m->bugcheck.detail];
    rc_report_text(m, r->ctxs, &race, text, sizeof text);
    free(r->report);
    r->report = calloc(1, sizeof *r->report);
    if (r->report == NULL)
        rc_oom(m);
    rc_report_fill(m, r->ctxs, &race, r->report);
    const uint64_t p[4] = {rule_table[RULE_race_data].sub_value, overlap,
                           race.earlier->write ? 1 : 0, ev->write ? 1 : 0};
    kd_raise_full(ev->call, RULE_race_data, 0xC4, p, NULL, text);
}

/* The first byte of granule g both masks cover. */
static PVOID_VA overlap_byte(uint64_t granule, uint8_t a, uint8_t b)
{
    uint8_t both = a & b;
    uint32_t bit = 0;
    while (bit < 7 && (both & (1u << bit)) == 0)
        bit++;
    return (granule << RC_GRANULE_SHIFT) + bit;
}

/* Checks and records one granule's part of the access; false when it
 * raised. *info is the access's record, made at its first need. */
static bool rc_cell_access(ke_machine *m, struct vf_race *r, const ke_event *ev, uint32_t t,
                           uint64_t granule, rc_cell *c, uint8_t mask, uint32_t *info)
{
    const rc_ctx *ctx = &r->ctxs[t];
    const uint32_t *vc = ctx->vc;
    uint32_t len = ctx->vc_len, now = vc[t];
    /* The same access again in this epoch: nothing to check or record. */
    if (ev->write ? c->w_ctx == t + 1 && c->w_clock == now && (c->w_mask & mask) == mask
                  : c->r_ctx == t + 1 && c->r_clock == now && (c->r_mask & mask) == mask)
        return true;
    /* The last write, unless ordered before this access (or this context's). */
    if (c->w_ctx != 0 && c->w_ctx - 1 != t && (c->w_mask & mask) != 0 &&
        c->w_clock > vc_get(vc, len, c->w_ctx - 1)) {
        rc_raise(m, r, ev, t, c->w_info, overlap_byte(granule, c->w_mask, mask));
        return false;
    }
    if (!ev->write) {
        if (*info == RC_NONE)
            *info = info_of(m, r, t, ev);
        rc_read rd = {.ctx = t, .clock = now, .info = *info, .mask = mask};
        if (c->r_ctx == RC_SHARED) {
            readset_put(m, r, c->r_clock, &rd);
        } else if (c->r_ctx == 0 || c->r_ctx == t + 1 ||
                   c->r_clock <= vc_get(vc, len, c->r_ctx - 1)) {
            uint8_t keep = c->r_ctx == t + 1 && c->r_clock == now ? c->r_mask : 0;
            c->r_ctx = t + 1;
            c->r_clock = now;
            c->r_info = *info;
            c->r_mask = (uint8_t)(mask | keep);
        } else {
            /* Two reads with nothing between them: the read-shared state. */
            uint32_t set = readset_new(m, r);
            rc_read old = {
                .ctx = c->r_ctx - 1, .clock = c->r_clock, .info = c->r_info, .mask = c->r_mask};
            readset_put(m, r, set, &old);
            readset_put(m, r, set, &rd);
            c->r_ctx = RC_SHARED;
            c->r_clock = set;
        }
        return true;
    }
    /* The reads since the last write, unless ordered before this write. */
    if (c->r_ctx == RC_SHARED) {
        const rc_readset *s = &r->readsets[c->r_clock];
        for (uint32_t i = 0; i < s->count; i++) {
            const rc_read *rd = &s->items[i];
            if (rd->ctx != t && (rd->mask & mask) != 0 && rd->clock > vc_get(vc, len, rd->ctx)) {
                rc_raise(m, r, ev, t, rd->info, overlap_byte(granule, rd->mask, mask));
                return false;
            }
        }
        readset_release(r, c->r_clock);
    } else if (c->r_ctx != 0 && c->r_ctx - 1 != t && (c->r_mask & mask) != 0 &&
               c->r_clock > vc_get(vc, len, c->r_ctx - 1)) {
        rc_raise(m, r, ev, t, c->r_info, overlap_byte(granule, c->r_mask, mask));
        return false;
    }
    if (*info == RC_NONE)
        *info = info_of(m, r, t, ev);
    uint8_t keep = c->w_ctx == t + 1 && c->w_clock == now ? c->w_mask : 0;
    c->w_ctx = t + 1;
    c->w_clock = now;
    c->w_info = *info;
    c->w_mask = (uint8_t)(mask | keep);
    c->r_ctx = 0;
    c->r_mask = 0;
    return true;
}

static void rc_access(ke_machine *m, struct vf_race *r, const ke_event *ev)
{
    uint32_t t = ctx_of(m, r, ev->exec);
    uint32_t info = RC_NONE;
    PVOID_VA end = ev->address + ev->size;
    for (PVOID_VA at = ev->address; at < end;) {
        uint64_t granule = at >> RC_GRANULE_SHIFT;
        PVOID_VA granule_end = (granule + 1) << RC_GRANULE_SHIFT;
        if (granule_end == 0 || granule_end > end)
            granule_end = end;
        uint32_t first = (uint32_t)(at & (RC_GRANULE_BYTES - 1));
        uint32_t bytes = (uint32_t)(granule_end - at);
        uint8_t mask = (uint8_t)(((1u << bytes) - 1u) << first);
        rc_page *p = page_of(m, r, at >> PAGE_SHIFT, true);
        rc_cell *c = &p->cells[(at & (PAGE_SIZE - 1)) >> RC_GRANULE_SHIFT];
        if (c->w_ctx == 0 && c->r_ctx == 0)
            p->used++; /* it gets a history now (or the run stops) */
        if (!rc_cell_access(m, r, ev, t, granule, c, mask, &info))
            return;
        at = granule_end;
    }
}

drvsim_race *vf_race_take_report(ke_machine *m)
{
    struct vf_race *r = m->vf->race;
    if (r == NULL || r->report == NULL || m->stop != KE_STOP_BUGCHECK ||
        strcmp(m->bugcheck.rule, "race_data") != 0)
        return NULL;
    drvsim_race *report = r->report;
    r->report = NULL;
    return report;
}

/* ------------------------------------------------------------------------ */
/* The listener                                                             */
/* ------------------------------------------------------------------------ */

void vf_race_event(ke_machine *m, const ke_event *ev)
{
    struct vf_race *r = rc_state(m);
    switch ((ke_event_kind)ev->kind) {
    case KE_EVENT_MEMORY_ACCESS:
        if (ev->exec != NULL && ev->driver != NULL)
            rc_access(m, r, ev);
        break;
    case KE_EVENT_LOCK_ACQUIRED: {
        uint32_t t = ctx_of(m, r, ev->exec);
        rc_acquire(m, r, t, ev->address);
        held_push(m, &r->ctxs[t], ev->address, ev->lock);
        break;
    }
    case KE_EVENT_LOCK_RELEASED: {
        uint32_t t = ctx_of(m, r, ev->exec);
        held_pop(&r->ctxs[t], ev->address);
        rc_release(m, r, t, ev->address);
        break;
    }
    case KE_EVENT_SYNC_ACQUIRE: {
        uint32_t t = ctx_of(m, r, ev->exec);
        if (ev->role != KE_ROLE_NONE) {
            /* A new run (DPC, ISR, work item): a new epoch, no locks. */
            rc_ctx *c = &r->ctxs[t];
            c->vc[t]++;
            c->held_count = 0;
        }
        rc_acquire(m, r, t, ev->address);
        break;
    }
    case KE_EVENT_SYNC_RELEASE:
    case KE_EVENT_THREAD_TERMINATED: {
        /* A thread's end is a release of its object: a wait on it sees
         * everything the thread did. */
        uint32_t t = ctx_of(m, r, ev->exec);
        rc_release(m, r, t, ev->address);
        if (ev->kind == KE_EVENT_SYNC_RELEASE && ev->role == KE_ROLE_DPC) {
            r->ctxs[t].running = false; /* the run ends */
            r->dpc_ctx[ev->exec->cpu] = RC_NONE;
        }
        break;
    }
    case KE_EVENT_ATOMIC: {
        uint32_t t = ctx_of(m, r, ev->exec);
        rc_acquire(m, r, t, ev->address);
        rc_release(m, r, t, ev->address);
        break;
    }
    case KE_EVENT_POOL_FREED:
        if (ev->size > 0)
            shadow_clear(r, ev->address, ev->size);
        break;
    default:
        break;
    }
}

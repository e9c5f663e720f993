/*
 * inject.c - low resources simulation: which eligible calls of verified
 * drivers fail (see inject.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "vf/inject.h"
#include "vf/vf.h"

#define VF_100NS_PER_MINUTE (60ull * 10000000ull)

void vf_inject_init(vf_inject *in, uint64_t seed)
{
    memset(in, 0, sizeof *in);
    /* Seeding draws nothing: a run that never injects keeps its digest. */
    des_rng_stream(&in->rng, seed, "faults");
    des_map_init(&in->stacks_seen);
}

void vf_inject_free(vf_inject *in)
{
    free(in->counts);
    free(in->injected);
    free(in->sites);
    des_map_fini(&in->stacks_seen);
    in->counts = NULL;
    in->injected = in->sites = NULL;
}

/* ------------------------------------------------------------------------ */
/* Filters                                                                  */
/* ------------------------------------------------------------------------ */

/* Glob match of text against pattern (? one character, * any run). */
static bool glob(const char *p, const char *t, bool fold)
{
    const char *star = NULL, *resume = NULL;
    while (*t != '\0') {
        char pc = fold ? (char)tolower((unsigned char)*p) : *p;
        char tc = fold ? (char)tolower((unsigned char)*t) : *t;
        if (*p == '*') {
            star = p++;
            resume = t;
        } else if (*p != '\0' && (*p == '?' || pc == tc)) {
            p++;
            t++;
        } else if (star != NULL) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

bool vf_tag_matches(const char *pattern, uint32_t tag)
{
    if (tag == 0)
        return false; /* the filter names pool tags: a call without one is not selected */
    char text[5];
    for (int i = 0; i < 4; i++)
        text[i] = (char)((tag >> (8 * i)) & 0xFF);
    text[4] = '\0';
    if (glob(pattern, text, false))
        return true;
    /* "Mdl" names the tag "Mdl ": tags shorter than 4 are space padded. */
    size_t n = 4;
    while (n > 0 && text[n - 1] == ' ')
        text[--n] = '\0';
    return n < 4 && glob(pattern, text, false);
}

bool vf_app_matches(const char *pattern, const char *image)
{
    return glob(pattern, image, true);
}

static bool tag_selected(const vf_settings *s, uint32_t tag)
{
    if (s->faults_tags.count == 0)
        return true;
    for (size_t i = 0; i < s->faults_tags.count; i++) {
        if (vf_tag_matches(s->faults_tags.items[i], tag))
            return true;
    }
    return false;
}

static bool app_selected(const vf_settings *s, const ke_call *call)
{
    if (s->faults_apps.count == 0)
        return true;
    const char *image = call->thread->process->image;
    for (size_t i = 0; i < s->faults_apps.count; i++) {
        if (vf_app_matches(s->faults_apps.items[i], image))
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Bookkeeping                                                              */
/* ------------------------------------------------------------------------ */

/* The ordinal of this call among the eligible calls of its DDI and tag
 * (counts it). 0 on host OOM, which matches no key. */
static uint64_t next_ordinal(vf_inject *in, uint16_t ddi, uint32_t tag)
{
    for (size_t i = 0; i < in->count_count; i++) {
        if (in->counts[i].ddi == ddi && in->counts[i].tag == tag)
            return ++in->counts[i].count;
    }
    if (in->count_count == in->count_capacity) {
        size_t cap = in->count_capacity == 0 ? 16 : 2 * in->count_capacity;
        struct vf_inject_count *grown = realloc(in->counts, cap * sizeof *grown);
        if (grown == NULL)
            return 0;
        in->counts = grown;
        in->count_capacity = cap;
    }
    in->counts[in->count_count++] = (struct vf_inject_count){ddi, tag, 1};
    return 1;
}

static bool push(vf_fault_record **items, size_t *count, size_t *capacity, const vf_fault_record *r)
{
    if (*count == *capacity) {
        size_t cap = *capacity == 0 ? 16 : 2 * *capacity;
        vf_fault_record *grown = realloc(*items, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        *items = grown;
        *capacity = cap;
    }
    (*items)[(*count)++] = *r;
    return true;
}

static void note_site(vf_inject *in, const vf_fault_record *r)
{
    for (size_t i = 0; i < in->site_count; i++) {
        const vf_fault_record *s = &in->sites[i];
        if (s->key.ddi == r->key.ddi && s->site.chunk == r->site.chunk &&
            s->site.line == r->site.line)
            return;
    }
    (void)push(&in->sites, &in->site_count, &in->site_capacity, r);
}

static bool in_keys(const vf_inject_mode *mode, const vf_fault_key *k)
{
    for (size_t i = 0; i < mode->key_count; i++) {
        const vf_fault_key *c = &mode->keys[i];
        if (c->ddi == k->ddi && c->tag == k->tag && c->ordinal == k->ordinal)
            return true;
    }
    return false;
}

static bool ask_predicate(vf_inject *in, const ke_call *call, uint32_t tag, uint32_t pool_type,
                          bool has_pool_type)
{
    if (in->predicate == NULL)
        return true;
    vf_fault_query q = {call, tag, pool_type, has_pool_type};
    bool allow = in->predicate(in->predicate_ctx, &q);
    return allow && !ke_stopped(call->m);
}

static void record_injection(ke_call *call, const vf_fault_record *r)
{
    ke_machine *m = call->m;
    vf_inject *in = &m->vf->inject;
    m->vf->counters[DRVSIM_GC_AllocationsFailedDeliberately]++;
    in->injected_total++;
    if (in->injected_count < VF_INJECT_MAX_RECORDS)
        (void)push(&in->injected, &in->injected_count, &in->injected_capacity, r);
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_FAULT);
    des_rec_u16(&rec, call->ddi);
    des_rec_u32(&rec, call->thread->id);
    des_rec_u8(&rec, ke_trace_driver(call->driver));
    des_rec_u32(&rec, r->key.tag);
    ke_trace_commit(m, &rec);
}

/* ------------------------------------------------------------------------ */
/* The decision                                                             */
/* ------------------------------------------------------------------------ */

bool vf_inject_fault(ke_call *call, uint32_t tag, uint32_t pool_type, bool has_pool_type,
                     bool must_succeed)
{
    ke_machine *m = call->m;
    vf_inject *in = &m->vf->inject;
    const vf_settings *s = &m->vf->settings;
    const vf_inject_mode *mode = &in->mode;
    bool systematic = mode->fail_nth != 0 || mode->replay || mode->list_sites;
    KE_CHECK(m, call->thread != NULL && call->thread->process != NULL);
    if (ke_stopped(m) || call->driver == NULL || !call->driver->verified)
        return false;
    /* Must-succeed requests are never failed (seed 003, 2.1.1.4). */
    if (must_succeed || !tag_selected(s, tag) || !app_selected(s, call))
        return false;
    /* Ordinals count from boot whether the option is on or not, so that a
     * choice recorded after a Verifier("/volatile /faults") replays with
     * the option given from the start. Counting changes nothing else. */
    uint64_t ordinal = next_ordinal(in, call->ddi, tag);
    bool by_stack = !systematic && vf_option_enabled(call, VF_FLAG_SYSTEMATIC_LOW_RESOURCES);
    if (!systematic && !by_stack && !vf_option_enabled(call, VF_FLAG_LOW_RESOURCES))
        return false;

    KE_CHECK(m, !mode->replay || mode->key_count == 0 || mode->keys != NULL);
    /* The site (a walk of the Lua stack) is looked up only when kept. */
    vf_fault_record r = {
        .key = {call->ddi, tag, ordinal},
        .time_100ns = m->des.now_100ns,
        .driver = (int32_t)call->driver->index,
    };
    bool fail;
    if (mode->replay) {
        /* Exactly the recorded calls: no predicate, no randomness. */
        r.nth = ++in->eligible;
        fail = in_keys(mode, &r.key);
    } else if (systematic) {
        if (!ask_predicate(in, call, tag, pool_type, has_pool_type))
            return false;
        r.nth = ++in->eligible;
        if (mode->list_sites) {
            r.site = m->host.site(m->host.ctx, NULL);
            note_site(in, &r);
        }
        fail = r.nth == mode->fail_nth;
    } else if (by_stack) {
        /* The first call of this DDI from this stack fails, later ones
         * pass: from boot, no draw. */
        if (!ask_predicate(in, call, tag, pool_type, has_pool_type))
            return false;
        r.nth = ++in->eligible;
        uint64_t stack = 0;
        if (m->host.stack_id != NULL) {
            stack = m->host.stack_id(m->host.ctx, call->exec);
        } else {
            ke_site site = m->host.site(m->host.ctx, call->exec);
            stack = (uint64_t)site.chunk << 32 | site.line;
        }
        /* The DDI is part of the key: two calls on one line are two. */
        uint64_t key = stack ^ ((uint64_t)call->ddi + 1) * 0x9E3779B97F4A7C15ull;
        fail = des_map_get(&in->stacks_seen, key) == NULL;
        if (fail && !des_map_put(&in->stacks_seen, key, (void *)&in->stacks_seen))
            ke_panic(m, __FILE__, __LINE__, "out of host memory recording a stack");
    } else {
        r.nth = ++in->eligible;
        /* Nothing fails while the system boots: DelayMins of simulated time. */
        uint64_t delay_100ns = (uint64_t)s->faults_delay_mins * VF_100NS_PER_MINUTE;
        if (m->des.now_100ns < delay_100ns)
            return false;
        if (!ask_predicate(in, call, tag, pool_type, has_pool_type))
            return false;
        in->rng_drawn = true;
        fail = des_rng_chance(&in->rng, s->faults_probability, VF_FAULTS_PROBABILITY_DENOMINATOR);
    }
    if (fail) {
        r.site = m->host.site(m->host.ctx, NULL);
        record_injection(call, &r);
    }
    return fail;
}

bool vf_inject_point(ke_call *call, des_rng *rng, bool *drawn, uint32_t numerator)
{
    ke_machine *m = call->m;
    vf_inject *in = &m->vf->inject;
    const vf_inject_mode *mode = &in->mode;
    KE_CHECK(m, call->driver != NULL && call->driver->verified);
    KE_CHECK(m, numerator <= VF_FAULTS_PROBABILITY_DENOMINATOR);
    if (ke_stopped(m))
        return false;
    vf_fault_record r = {
        .key = {call->ddi, 0, next_ordinal(in, call->ddi, 0)},
        .nth = ++in->eligible,
        .time_100ns = m->des.now_100ns,
        .driver = (int32_t)call->driver->index,
    };
    bool chosen;
    if (mode->replay) {
        chosen = in_keys(mode, &r.key);
    } else if (mode->fail_nth != 0 || mode->list_sites) {
        if (mode->list_sites) {
            r.site = m->host.site(m->host.ctx, NULL);
            note_site(in, &r);
        }
        chosen = r.nth == mode->fail_nth;
    } else {
        *drawn = true;
        chosen = des_rng_chance(rng, numerator, VF_FAULTS_PROBABILITY_DENOMINATOR);
    }
    if (chosen) {
        r.site = m->host.site(m->host.ctx, NULL);
        in->injected_total++;
        if (in->injected_count < VF_INJECT_MAX_RECORDS)
            (void)push(&in->injected, &in->injected_count, &in->injected_capacity, &r);
    }
    return chosen;
}

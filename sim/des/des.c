/*
 * des.c - the discrete-event engine: event queue, PRNG streams, canonical
 * trace records and the run digest. See des.h for the model.
 */
#include "des/check.h"
#include "des/des.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#ifdef DES_XXH3_DISPATCH
/* XXH3_64bits_update becomes XXH3_64bits_update_dispatch (meson.build). */
#include <xxh_x86dispatch.h>
#endif

/*
 * A broken invariant is a simulator bug: stop at once, saying where. Always
 * on (assert() disappears under NDEBUG, and a release build that silently
 * corrupts the queue would produce a wrong digest instead of a crash).
 */

/* The heap stays below 2^31 entries so that no index can reach DES_NOT_QUEUED. */
#define DES_HEAP_INITIAL_CAPACITY 64u
#define DES_HEAP_MAX_CAPACITY     0x80000000u

/* ------------------------------------------------------------------------ */
/* PRNG                                                                     */
/* ------------------------------------------------------------------------ */

uint64_t des_splitmix64(uint64_t *state)
{
    DES_CHECK(state != NULL);
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void des_rng_seed(des_rng *rng, uint64_t seed)
{
    DES_CHECK(rng != NULL);
    uint64_t state = seed;
    for (int i = 0; i < 4; i++) {
        rng->s[i] = des_splitmix64(&state);
    }
    /*
     * splitmix64's output function is a bijection and the four inputs are
     * distinct, so at most one output is zero; xoshiro's all-zero fixed point
     * is unreachable. Checked anyway because everything depends on it.
     */
    DES_CHECK((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) != 0);
}

void des_rng_stream(des_rng *rng, uint64_t seed, const char *name)
{
    DES_CHECK(rng != NULL);
    DES_CHECK(name != NULL);
    /* Only the name enters the state, so adding a stream never moves another. */
    des_rng_seed(rng, seed ^ XXH3_64bits(name, strlen(name)));
}


/* ------------------------------------------------------------------------ */
/* Event queue                                                              */
/* ------------------------------------------------------------------------ */

void des_event_init(des_event *ev, des_fire_fn fire)
{
    DES_CHECK(ev != NULL);
    ev->due_100ns = 0;
    ev->seq = 0;
    ev->heap_index = DES_NOT_QUEUED;
    ev->fire = fire;
}

/* Strict order on (due, seq); seq is unique, so no two events compare equal. */
static inline bool des_event_before(const des_event *a, const des_event *b)
{
    if (a->due_100ns != b->due_100ns) {
        return a->due_100ns < b->due_100ns;
    }
    return a->seq < b->seq;
}

static inline void des_heap_place(des_sim *sim, des_event *ev, uint32_t index)
{
    sim->heap[index] = ev;
    ev->heap_index = index;
}

/* Moves the event at index towards the root while it beats its parent. */
static void des_heap_sift_up(des_sim *sim, uint32_t index)
{
    DES_CHECK(index < sim->heap_count);
    des_event *ev = sim->heap[index];
    while (index > 0) {
        const uint32_t parent = (index - 1) / 2;
        if (!des_event_before(ev, sim->heap[parent])) {
            break;
        }
        des_heap_place(sim, sim->heap[parent], index);
        index = parent;
    }
    des_heap_place(sim, ev, index);
}

/* Moves the event at index towards the leaves while a child beats it. */
static void des_heap_sift_down(des_sim *sim, uint32_t index)
{
    DES_CHECK(index < sim->heap_count);
    des_event *ev = sim->heap[index];
    const uint32_t count = sim->heap_count;
    for (;;) {
        /* 64-bit arithmetic: 2 * index + 1 may not fit in 32 bits. */
        const uint64_t left = 2 * (uint64_t)index + 1;
        if (left >= count) {
            break;
        }
        uint32_t child = (uint32_t)left;
        if (left + 1 < count && des_event_before(sim->heap[left + 1], sim->heap[left])) {
            child = (uint32_t)(left + 1);
        }
        if (!des_event_before(sim->heap[child], ev)) {
            break;
        }
        des_heap_place(sim, sim->heap[child], index);
        index = child;
    }
    des_heap_place(sim, ev, index);
}

/* Restores the heap after the key of the event at index changed either way. */
static void des_heap_fix(des_sim *sim, uint32_t index)
{
    if (index > 0 && des_event_before(sim->heap[index], sim->heap[(index - 1) / 2])) {
        des_heap_sift_up(sim, index);
    } else {
        des_heap_sift_down(sim, index);
    }
}

/* Catches an event queued on another sim, or one whose memory was reused. */
static void des_check_queued_here(const des_sim *sim, const des_event *ev)
{
    DES_CHECK(ev->heap_index < sim->heap_count);
    DES_CHECK(sim->heap[ev->heap_index] == ev);
}

/* Removes the event at index, keeping the heap ordered. */
static void des_heap_remove(des_sim *sim, uint32_t index)
{
    DES_CHECK(index < sim->heap_count);
    des_event *ev = sim->heap[index];
    const uint32_t last = --sim->heap_count;
    if (index != last) {
        des_heap_place(sim, sim->heap[last], index);
        des_heap_fix(sim, index);
    }
    sim->heap[last] = NULL;
    ev->heap_index = DES_NOT_QUEUED;
}

static bool des_heap_grow(des_sim *sim)
{
    DES_CHECK(sim->heap_count == sim->heap_capacity);
    if (sim->heap_capacity >= DES_HEAP_MAX_CAPACITY) {
        return false;
    }
    const uint32_t capacity =
        sim->heap_capacity == 0 ? DES_HEAP_INITIAL_CAPACITY : sim->heap_capacity * 2;
    size_t size_bytes;
    if (__builtin_mul_overflow((size_t)capacity, sizeof(*sim->heap), &size_bytes)) {
        return false;
    }
    des_event **heap = realloc(sim->heap, size_bytes);
    if (heap == NULL) {
        return false;
    }
    sim->heap = heap;
    sim->heap_capacity = capacity;
    return true;
}

bool des_init(des_sim *sim, const des_limits *limits)
{
    DES_CHECK(sim != NULL);
    memset(sim, 0, sizeof(*sim));
    if (limits != NULL) {
        sim->limits = *limits;
    }

    XXH3_state_t *state = XXH3_createState();
    if (state == NULL) {
        return false;
    }
    /* Seed 0 always: the digest must be comparable across runs and hosts. */
    if (XXH3_64bits_reset_withSeed(state, 0) != XXH_OK) {
        XXH3_freeState(state);
        return false;
    }
    sim->digest_state = state;
    return true;
}

void des_fini(des_sim *sim)
{
    DES_CHECK(sim != NULL);
    /*
     * Events belong to their owners and may outlive the sim; mark them
     * unqueued so that a later des_event_queued() or des_cancel() on them
     * does not reach into the freed heap.
     */
    for (uint32_t i = 0; i < sim->heap_count; i++) {
        sim->heap[i]->heap_index = DES_NOT_QUEUED;
    }
    free(sim->heap);
    sim->heap = NULL;
    sim->heap_count = 0;
    sim->heap_capacity = 0;

    XXH3_freeState(sim->digest_state);
    sim->digest_state = NULL;
}

void des_set_sink(des_sim *sim, des_trace_sink sink, void *ctx)
{
    DES_CHECK(sim != NULL);
    DES_CHECK(sink != NULL || ctx == NULL);
    sim->sink = sink;
    sim->sink_ctx = ctx;
}

bool des_schedule_slow(des_sim *sim, des_event *ev, uint64_t due_100ns)
{
    DES_CHECK(sim != NULL && ev != NULL);
    DES_CHECK(ev->fire != NULL);
    /* The past cannot be changed: an earlier due time would break causality. */
    DES_CHECK(due_100ns >= sim->now_100ns);
    DES_CHECK(sim->next_seq != UINT64_MAX);

    if (des_event_queued(ev)) {
        des_check_queued_here(sim, ev);
        /* A moved event goes behind everything already due at its new time. */
        ev->due_100ns = due_100ns;
        ev->seq = sim->next_seq++;
        des_heap_fix(sim, ev->heap_index);
        return true;
    }

    if (sim->heap_count == sim->heap_capacity && !des_heap_grow(sim)) {
        return false;
    }
    ev->due_100ns = due_100ns;
    ev->seq = sim->next_seq++;
    const uint32_t index = sim->heap_count++;
    des_heap_place(sim, ev, index);
    des_heap_sift_up(sim, index);
    return true;
}

bool des_cancel_slow(des_sim *sim, des_event *ev)
{
    DES_CHECK(sim != NULL && ev != NULL);
    if (!des_event_queued(ev)) {
        return false;
    }
    des_check_queued_here(sim, ev);
    des_heap_remove(sim, ev->heap_index);
    return true;
}


des_stop des_step(des_sim *sim)
{
    DES_CHECK(sim != NULL);
    /* The event limit comes first: once reached, nothing more may run. */
    if (sim->limits.max_events != 0 && sim->events_fired >= sim->limits.max_events) {
        return DES_STOP_EVENT_LIMIT;
    }
    des_event *ev = des_peek(sim);
    if (ev == NULL) {
        return DES_IDLE;
    }
    /* Leave the clock alone so that the stop time reported is the last real one. */
    if (sim->limits.max_time_100ns != 0 && ev->due_100ns > sim->limits.max_time_100ns) {
        return DES_STOP_TIME_LIMIT;
    }

    DES_CHECK(ev->heap_index == 0);
    des_heap_remove(sim, 0);
    /* An event may be overdue: des_advance moved the clock past it while
     * work was being done. It fires now; the clock never goes back. */
    if (ev->due_100ns > sim->now_100ns)
        sim->now_100ns = ev->due_100ns;
    sim->events_fired++;
    /* Dequeued before the call, so the fire function may schedule ev again. */
    ev->fire(sim, ev);
    return DES_FIRED;
}

/* ------------------------------------------------------------------------ */
/* Trace records                                                            */
/* ------------------------------------------------------------------------ */

/* Appends n bytes of v, least significant first. */
void des_rec_str(des_rec *rec, const char *s)
{
    DES_CHECK(rec != NULL);
    DES_CHECK(s != NULL);
    /* Cut silently: names are for people, and the length must fit in a u8. */
    const size_t len = strnlen(s, UINT8_MAX);
    DES_CHECK(len + 1 <= (size_t)(DES_REC_MAX_BYTES - rec->len_bytes));
    des_rec_u8(rec, (uint8_t)len);
    memcpy(&rec->bytes[rec->len_bytes], s, len);
    rec->len_bytes = (uint16_t)(rec->len_bytes + len);
}

void des_rec_reader_init(des_rec_reader *rd, const des_rec *rec)
{
    DES_CHECK(rd != NULL && rec != NULL);
    DES_CHECK(rec->len_bytes >= 2 && rec->len_bytes <= DES_REC_MAX_BYTES);
    rd->rec = rec;
    rd->pos = 2; /* fields start after the type, which rec->type already holds */
}

/* Reads n bytes, least significant first; reading past the end is a bug. */
static uint64_t des_rec_get(des_rec_reader *rd, uint16_t n_bytes)
{
    DES_CHECK(rd != NULL && rd->rec != NULL);
    DES_CHECK(rd->pos <= rd->rec->len_bytes);
    DES_CHECK(n_bytes <= rd->rec->len_bytes - rd->pos);
    uint64_t v = 0;
    for (uint16_t i = 0; i < n_bytes; i++) {
        v |= (uint64_t)rd->rec->bytes[rd->pos++] << (8 * i);
    }
    return v;
}

uint8_t des_rec_read_u8(des_rec_reader *rd)
{
    return (uint8_t)des_rec_get(rd, 1);
}

uint16_t des_rec_read_u16(des_rec_reader *rd)
{
    return (uint16_t)des_rec_get(rd, 2);
}

uint32_t des_rec_read_u32(des_rec_reader *rd)
{
    return (uint32_t)des_rec_get(rd, 4);
}

uint64_t des_rec_read_u64(des_rec_reader *rd)
{
    return des_rec_get(rd, 8);
}

void des_rec_read_str(des_rec_reader *rd, char *buf, size_t len)
{
    DES_CHECK(buf != NULL && len > 0);
    const uint16_t field_len = (uint16_t)des_rec_get(rd, 1);
    DES_CHECK(field_len <= rd->rec->len_bytes - rd->pos);
    const size_t copy_len = field_len < len - 1 ? field_len : len - 1;
    memcpy(buf, &rd->rec->bytes[rd->pos], copy_len);
    buf[copy_len] = '\0';
    /* The whole field is consumed even when buf is short, so later fields line up. */
    rd->pos = (uint16_t)(rd->pos + field_len);
}

/* ------------------------------------------------------------------------ */
/* Digest                                                                   */
/* ------------------------------------------------------------------------ */

/* Feeds the pending block to XXH3. */
void des_digest_flush(des_sim *sim)
{
    DES_CHECK(sim->digest_state != NULL);
    DES_CHECK(XXH3_64bits_update(sim->digest_state, sim->digest_pending,
                                 sim->digest_pending_bytes) == XXH_OK);
    sim->digest_pending_bytes = 0;
}

static void des_digest_update(des_sim *sim, const void *data, size_t len)
{
    DES_CHECK(len <= DES_DIGEST_BLOCK_BYTES);
    if (len > DES_DIGEST_BLOCK_BYTES - sim->digest_pending_bytes)
        des_digest_flush(sim);
    memcpy(&sim->digest_pending[sim->digest_pending_bytes], data, len);
    sim->digest_pending_bytes += (uint32_t)len;
}

void des_commit(des_sim *sim, const des_rec *rec)
{
    DES_CHECK(sim != NULL && rec != NULL);
    DES_CHECK(rec->len_bytes >= 2 && rec->len_bytes <= DES_REC_MAX_BYTES);
    /*
     * The length goes in first so that record boundaries are part of the
     * digest: "ab" then "c" must not hash like "a" then "bc". One copy into
     * the pending block: this runs twice per DDI call.
     */
    uint32_t need = 2u + rec->len_bytes;
    if (need > DES_DIGEST_BLOCK_BYTES - sim->digest_pending_bytes)
        des_digest_flush(sim);
    uint8_t *p = &sim->digest_pending[sim->digest_pending_bytes];
    p[0] = (uint8_t)rec->len_bytes;
    p[1] = (uint8_t)(rec->len_bytes >> 8);
    memcpy(p + 2, rec->bytes, rec->len_bytes);
    sim->digest_pending_bytes += need;
    sim->records++;
    if (sim->sink != NULL) {
        sim->sink(sim->sink_ctx, sim->now_100ns, rec);
    }
}

void des_digest_u64(des_sim *sim, uint64_t v)
{
    DES_CHECK(sim != NULL);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) {
        le[i] = (uint8_t)(v >> (8 * i));
    }
    des_digest_update(sim, le, sizeof(le));
}

uint64_t des_digest(const des_sim *sim)
{
    DES_CHECK(sim != NULL && sim->digest_state != NULL);
    if (sim->digest_pending_bytes == 0)
        return XXH3_64bits_digest(sim->digest_state);
    /* The pending bytes go into a copy: taking the digest changes nothing,
     * and the run may go on committing. */
    XXH3_state_t *copy = XXH3_createState();
    DES_CHECK(copy != NULL);
    XXH3_copyState(copy, sim->digest_state);
    DES_CHECK(XXH3_64bits_update(copy, sim->digest_pending, sim->digest_pending_bytes) == XXH_OK);
    uint64_t digest = XXH3_64bits_digest(copy);
    XXH3_freeState(copy);
    return digest;
}

/* The run's context for an abort report (check.h). Process-wide: a run
 * owns the process while it runs. */
static des_check_context_fn check_context_fn;
static void *check_context_ctx;

void des_check_set_context(des_check_context_fn fn, void *ctx)
{
    check_context_fn = fn;
    check_context_ctx = ctx;
}

void des_check_print_context(void)
{
    /* Once: a check failing inside the context printer must not recurse. */
    des_check_context_fn fn = check_context_fn;
    check_context_fn = NULL;
    if (fn != NULL)
        fn(check_context_ctx);
    fflush(stderr);
}

_Noreturn void des_check_failed(const char *file, int line, const char *cond)
{
    fprintf(stderr, "%s:%d: drvsim internal check failed: %s\n", file, line, cond);
    fflush(stderr);
    des_check_print_context();
    abort();
}

bool des_count_event(des_sim *sim)
{
    DES_CHECK(sim != NULL);
    if (sim->limits.max_events != 0 && sim->events_fired >= sim->limits.max_events)
        return false;
    sim->events_fired++;
    return true;
}



/*
 * des.h - the discrete-event engine: virtual clock, event queue, PRNG
 * streams, canonical trace records and the run digest.
 *
 * This layer knows nothing about Windows. Everything above it (the kernel
 * model, the verifier, the Lua binding) expresses time, randomness and
 * observable behaviour through it, which is what makes a run reproducible:
 *
 *  - Time is a uint64_t count of 100 ns units since boot. It only moves when
 *    des_step() fires the next event ("time jumps to the next event when
 *    nothing is ready").
 *  - Events are ordered by (due time, sequence number); the sequence number is
 *    taken when the event is scheduled, so events due at the same instant fire
 *    in the order they were scheduled (FIFO ties).
 *  - Randomness comes only from xoshiro256** streams whose state is derived
 *    from the run's seed and a stream name through splitmix64. Each subsystem
 *    owns its stream, so a new draw in one never shifts another.
 *  - Observable behaviour is written as canonical trace records (little-endian
 *    integers, no pointers, no padding, no floats, no text other than names)
 *    that are hashed with XXH3-64 into the run's digest.
 */
#ifndef DRVSIM_DES_H
#define DRVSIM_DES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "des/check.h"

/* ------------------------------------------------------------------------ */
/* Time                                                                     */
/* ------------------------------------------------------------------------ */

#define DES_100NS_PER_US  10ull
#define DES_100NS_PER_MS  10000ull
#define DES_100NS_PER_SEC 10000000ull
#define DES_100NS_PER_MIN (60ull * DES_100NS_PER_SEC)
#define DES_TIME_NEVER    UINT64_MAX

/*
 * Parses a duration: an unsigned integer in 100 ns units ("250000"), or an
 * integer followed by a unit: "ns" (must be a multiple of 100), "us", "ms",
 * "s", "min", "h". Returns false (and leaves *out alone) for anything else,
 * including overflow.
 */
bool des_parse_duration(const char *text, uint64_t *out_100ns);

/*
 * Formats a time as "H:MM:SS.mmm" (hours unbounded, milliseconds truncated),
 * the form bug check reports use. Returns buf.
 */
char *des_format_time(uint64_t t_100ns, char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* PRNG: splitmix64 and xoshiro256**                                        */
/* ------------------------------------------------------------------------ */

/* One splitmix64 step: advances *state and returns the next output. */
uint64_t des_splitmix64(uint64_t *state);

typedef struct des_rng {
    uint64_t s[4]; /* xoshiro256** state; never all zero */
} des_rng;

/* Seeds the generator directly from a 64-bit value through splitmix64. */
void des_rng_seed(des_rng *rng, uint64_t seed);

/*
 * Seeds the named stream of a run: the splitmix64 state starts at
 * seed ^ XXH3_64bits(name). Two streams of one seed are independent, and a
 * stream's draws do not depend on which other streams exist.
 */
void des_rng_stream(des_rng *rng, uint64_t seed, const char *name);

/* The draws below are inline: a draw is taken on every raise to
 * DISPATCH_LEVEL (the pager's trim), on the path of every DDI call. */

static inline uint64_t des_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The next 64-bit output of xoshiro256** (Vigna's xoshiro256starstar.c,
 * step for step). */
static inline uint64_t des_rng_next(des_rng *rng)
{
    DES_CHECK(rng != NULL);
    uint64_t *s = rng->s;
    const uint64_t result = des_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];

    s[2] ^= t;

    s[3] = des_rotl(s[3], 45);

    return result;
}

/* gcc and clang both have it; __extension__ keeps -Wpedantic quiet. */
__extension__ typedef unsigned __int128 des_u128;

/*
 * Uniform integer in [0, bound), bound > 0, without modulo bias: Lemire,
 * "Fast Random Integer Generation in an Interval" (2019): the high half of
 * x * bound is uniform in [0, bound) once the low half is rejected when it
 * falls below 2^64 mod bound. The division is only needed on the rare
 * path where the low half is small.
 */
static inline uint64_t des_rng_below(des_rng *rng, uint64_t bound)
{
    DES_CHECK(rng != NULL);
    DES_CHECK(bound > 0);
    des_u128 m = (des_u128)des_rng_next(rng) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
        while (low < threshold) {
            m = (des_u128)des_rng_next(rng) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/*
 * True with probability numerator/denominator (integers; no floats in
 * decisions; denominator > 0). numerator >= denominator is always true, 0
 * always false; both still make the same des_rng_below(denominator) draw, so
 * that the stream's position does not depend on the numerator.
 */
static inline bool des_rng_chance(des_rng *rng, uint64_t numerator, uint64_t denominator)
{
    DES_CHECK(rng != NULL);
    DES_CHECK(denominator > 0);
    /*
     * Always draw, even for 0 and certainty: the stream then advances the same
     * way whatever the probability, so tuning one fault rate does not reshuffle
     * every later decision taken from the stream.
     */
    return des_rng_below(rng, denominator) < numerator;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

struct des_sim;
struct des_event;

typedef void (*des_fire_fn)(struct des_sim *sim, struct des_event *ev);

/*
 * An event is embedded in its owner's structure (intrusive, as libuv timers
 * are); the owner recovers itself with DES_CONTAINER_OF. The engine never
 * allocates or frees events. An event may be rescheduled from its own fire
 * function (periodic timers).
 */
typedef struct des_event {
    uint64_t due_100ns;  /* when it fires; valid while queued */
    uint64_t seq;        /* scheduling order; breaks ties FIFO */
    uint32_t heap_index; /* position in the queue, DES_NOT_QUEUED if none */
    des_fire_fn fire;    /* called once when the event comes due */
} des_event;

#define DES_NOT_QUEUED UINT32_MAX

#define DES_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Prepares an event that is not queued. */
void des_event_init(des_event *ev, des_fire_fn fire);

static inline bool des_event_queued(const des_event *ev)
{
    return ev->heap_index != DES_NOT_QUEUED;
}

/* ------------------------------------------------------------------------ */
/* Trace records                                                            */
/* ------------------------------------------------------------------------ */

#define DES_REC_MAX_BYTES 256

/* The block the digest is fed in (des_sim.digest_pending). */
#define DES_DIGEST_BLOCK_BYTES 4096

/*
 * A canonical trace record under construction: a 16-bit type, then fields
 * appended in little-endian order. Strings are length-prefixed (u8) and cut
 * at 255 bytes. A record that would overflow aborts (a simulator bug).
 */
typedef struct des_rec {
    uint8_t bytes[DES_REC_MAX_BYTES];
    uint16_t len_bytes;
    uint16_t type;
} des_rec;

/* Reserves n bytes at the end of a record. Records are built on every DDI
 * call, so the writers below are inline. */
static inline uint8_t *des_rec_room(des_rec *rec, uint16_t n_bytes)
{
    DES_CHECK(rec != NULL);
    uint16_t len = rec->len_bytes;
    DES_CHECK(len >= 2); /* des_rec_begin was called */
    DES_CHECK(n_bytes <= DES_REC_MAX_BYTES - len);
    rec->len_bytes = (uint16_t)(len + n_bytes);
    return &rec->bytes[len];
}

/* A field of n bytes, least significant first: on a little-endian host the
 * value's own bytes (one store), elsewhere shifted out one by one. */
static inline void des_rec_le(des_rec *rec, uint64_t v, uint16_t n_bytes)
{
    uint8_t *p = des_rec_room(rec, n_bytes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, n_bytes);
#else
    for (unsigned i = 0; i < n_bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
}

static inline void des_rec_begin(des_rec *rec, uint16_t type)
{
    DES_CHECK(rec != NULL);
    rec->type = type;
    rec->bytes[0] = (uint8_t)type;
    rec->bytes[1] = (uint8_t)(type >> 8);
    rec->len_bytes = 2;
}

static inline void des_rec_u8(des_rec *rec, uint8_t v)
{
    des_rec_room(rec, 1)[0] = v;
}

static inline void des_rec_u16(des_rec *rec, uint16_t v)
{
    des_rec_le(rec, v, 2);
}

static inline void des_rec_u32(des_rec *rec, uint32_t v)
{
    des_rec_le(rec, v, 4);
}

static inline void des_rec_u64(des_rec *rec, uint64_t v)
{
    des_rec_le(rec, v, 8);
}

void des_rec_str(des_rec *rec, const char *s);

/*
 * Reads back fields of a record, for text trace writers. Reading starts after
 * the type (rec->type holds it); reading past the end aborts.
 */
typedef struct des_rec_reader {
    const des_rec *rec;
    uint16_t pos;
} des_rec_reader;

void des_rec_reader_init(des_rec_reader *rd, const des_rec *rec);
uint8_t des_rec_read_u8(des_rec_reader *rd);
uint16_t des_rec_read_u16(des_rec_reader *rd);
uint32_t des_rec_read_u32(des_rec_reader *rd);
uint64_t des_rec_read_u64(des_rec_reader *rd);
/* Copies a string field into buf (NUL-terminated, cut to len-1). */
void des_rec_read_str(des_rec_reader *rd, char *buf, size_t len);

/* Called for each committed record (after it is hashed). */
typedef void (*des_trace_sink)(void *ctx, uint64_t now_100ns, const des_rec *rec);

/* ------------------------------------------------------------------------ */
/* The simulation                                                           */
/* ------------------------------------------------------------------------ */

typedef struct des_limits {
    uint64_t max_events;     /* events fired before DES_STOP_EVENT_LIMIT; 0 = none */
    uint64_t max_time_100ns; /* simulated time bound; 0 = none */
} des_limits;

typedef enum des_stop {
    DES_FIRED = 0,        /* one event fired */
    DES_IDLE,             /* the queue is empty: nothing will ever happen */
    DES_STOP_EVENT_LIMIT, /* max_events reached; nothing fired */
    DES_STOP_TIME_LIMIT,  /* the next event lies beyond max_time; nothing fired */
} des_stop;

typedef struct des_sim {
    uint64_t now_100ns;
    uint64_t next_seq;
    uint64_t events_fired;
    des_limits limits;

    des_event **heap; /* binary min-heap on (due_100ns, seq) */
    uint32_t heap_count;
    uint32_t heap_capacity;

    void *digest_state; /* XXH3_state_t, opaque here to keep xxhash.h out */
    /* Committed bytes not yet fed to the digest: XXH3 is fed in blocks, which
     * hashes the same stream as record by record at a fraction of the cost. */
    uint8_t digest_pending[DES_DIGEST_BLOCK_BYTES];
    uint32_t digest_pending_bytes;
    uint64_t records; /* trace records committed */
    des_trace_sink sink;
    void *sink_ctx;
} des_sim;

/* limits may be NULL (no limits). Returns false only when the host is out of memory. */
bool des_init(des_sim *sim, const des_limits *limits);
void des_fini(des_sim *sim);

/* Every committed record goes to sink as well (NULL: none). */
void des_set_sink(des_sim *sim, des_trace_sink sink, void *ctx);

/* The queue's general paths (des.c); des_schedule and des_cancel below take
 * them for anything but their common case. */
bool des_schedule_slow(des_sim *sim, des_event *ev, uint64_t due_100ns);
bool des_cancel_slow(des_sim *sim, des_event *ev);

/*
 * Queues ev to fire at due_100ns (>= now; an earlier time is a simulator
 * bug). An event already queued is moved, and takes a new sequence number.
 * Returns false only when the host is out of memory.
 *
 * Inline for the DPC watchdog, armed at every raise to DISPATCH_LEVEL on the
 * path of a DDI call (issue 18). The common case, an event not queued that
 * stays at the heap's end, is done here exactly as des_schedule_slow does
 * it: the next sequence number, the same slot. The new event's sequence
 * number is above every queued one, so it stays behind its parent unless
 * strictly earlier; then (or when the heap must grow, or ev is queued) the
 * general path sifts it.
 */
static inline bool des_schedule(des_sim *sim, des_event *ev, uint64_t due_100ns)
{
    DES_CHECK(sim != NULL && ev != NULL);
    const uint32_t index = sim->heap_count;
    if (des_event_queued(ev) || index == sim->heap_capacity ||
        (index > 0 && due_100ns < sim->heap[(index - 1) / 2]->due_100ns))
        return des_schedule_slow(sim, ev, due_100ns);
    DES_CHECK(ev->fire != NULL);
    DES_CHECK(due_100ns >= sim->now_100ns); /* the past cannot be changed */
    DES_CHECK(sim->next_seq != UINT64_MAX);
    ev->due_100ns = due_100ns;
    ev->seq = sim->next_seq++;
    sim->heap[index] = ev;
    ev->heap_index = index;
    sim->heap_count = index + 1;
    return true;
}

/*
 * Removes ev from the queue; returns whether it was queued.
 *
 * Inline for the DPC watchdog, cancelled at every lower below
 * DISPATCH_LEVEL: an event in the heap's last slot (nothing was queued
 * after it) leaves without moving any other, as in des_cancel_slow.
 */
static inline bool des_cancel(des_sim *sim, des_event *ev)
{
    DES_CHECK(sim != NULL && ev != NULL);
    if (!des_event_queued(ev))
        return false;
    const uint32_t last = sim->heap_count - 1;
    if (ev->heap_index != last)
        return des_cancel_slow(sim, ev);
    DES_CHECK(sim->heap[last] == ev); /* not an event of another sim */
    sim->heap[last] = NULL;
    sim->heap_count = last;
    ev->heap_index = DES_NOT_QUEUED;
    return true;
}

/* The earliest queued event, or NULL. Inline: every DDI call's preemption
 * point asks it. */
static inline des_event *des_peek(const des_sim *sim)
{
    DES_CHECK(sim != NULL);
    return sim->heap_count > 0 ? sim->heap[0] : NULL;
}

/*
 * Fires the earliest event: advances the clock to its due time, dequeues it
 * and calls its fire function. Checks the limits first.
 */
des_stop des_step(des_sim *sim);

/*
 * Moves the clock forward by delta without firing anything: work takes time.
 * Events that come due meanwhile fire at the next des_step, late by less
 * than the work that passed them, and the clock does not go back for them.
 */
static inline void des_advance(des_sim *sim, uint64_t delta_100ns)
{
    DES_CHECK(sim != NULL);
    DES_CHECK(sim->now_100ns + delta_100ns >= sim->now_100ns); /* no wrap */
    sim->now_100ns += delta_100ns;
}

/*
 * Counts work that is not a queued event but is bounded like one (a DPC
 * routine's run): false, counting nothing, once max_events is reached.
 */
bool des_count_event(des_sim *sim);

/* Hashes a record into the digest and passes it to the sink. */
void des_commit(des_sim *sim, const des_rec *rec);

/* Feeds the pending block to the digest (des_commit_direct's slow path). */
void des_digest_flush(des_sim *sim);

/* Stores the n least significant bytes of v at p, least significant first
 * (a record field, as des_rec_le writes it); returns the byte after. */
static inline uint8_t *des_put_le(uint8_t *p, uint64_t v, unsigned n_bytes)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, n_bytes);
#else
    for (unsigned i = 0; i < n_bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
    return p + n_bytes;
}

/*
 * The hot path's commit (two records on every DDI call): where no sink
 * listens, a record of len_bytes (its type included) is encoded straight
 * into the digest's pending block, after its length, instead of into a
 * des_rec that des_commit then copies there. Returns where the record's
 * bytes go, the record counted; NULL when a sink listens (the caller builds
 * a des_rec and calls des_commit). Either way the digest hashes the same
 * bytes.
 */
static inline uint8_t *des_commit_direct(des_sim *sim, uint16_t len_bytes)
{
    DES_CHECK(len_bytes >= 2 && len_bytes <= DES_REC_MAX_BYTES);
    if (sim->sink != NULL)
        return NULL;
    /* Where it goes and where it ends (no wrap: at most a block plus a
     * record), the block fed to the digest first if it would not fit. */
    uint32_t at = sim->digest_pending_bytes, end = at + 2u + len_bytes;
    if (end > DES_DIGEST_BLOCK_BYTES) {
        des_digest_flush(sim);
        at = sim->digest_pending_bytes;
        end = at + 2u + len_bytes;
    }
    sim->digest_pending_bytes = end;
    sim->records++;
    return des_put_le(&sim->digest_pending[at], len_bytes, 2);
}

/* Mixes raw 64-bit values into the digest (no sink), e.g. final PRNG states. */
void des_digest_u64(des_sim *sim, uint64_t v);

/* The digest of everything committed so far. */
uint64_t des_digest(const des_sim *sim);

#endif /* DRVSIM_DES_H */

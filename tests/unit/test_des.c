/*
 * test_des.c - the discrete-event engine: queue order, limits, PRNG known
 * answers, trace records, the digest, and duration parsing.
 *
 * Known-answer vectors for splitmix64, xoshiro256** and Lemire's bounded draw
 * were computed with an independent Python reimplementation of the reference
 * algorithms, not with this code.
 */
#include "des/des.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <xxhash.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* What fired, and when, in order. */
typedef struct test_log {
    uint32_t *ids;
    uint64_t *times_100ns;
    size_t count;
    size_t capacity;
} test_log;

/* An event's owner, recovered in the fire function with DES_CONTAINER_OF. */
typedef struct test_item {
    des_event ev;
    test_log *log;
    uint32_t id;
    uint32_t repeats_left; /* periodic items reschedule themselves this many times */
    uint64_t period_100ns;
} test_item;

static void test_log_init(test_log *log, size_t capacity)
{
    log->ids = calloc(capacity, sizeof(*log->ids));
    log->times_100ns = calloc(capacity, sizeof(*log->times_100ns));
    cr_assert(log->ids != NULL && log->times_100ns != NULL);
    log->count = 0;
    log->capacity = capacity;
}

static void test_log_fini(test_log *log)
{
    free(log->ids);
    free(log->times_100ns);
}

static void test_item_fire(des_sim *sim, des_event *ev)
{
    test_item *item = DES_CONTAINER_OF(ev, test_item, ev);
    cr_assert(!des_event_queued(ev), "an event is dequeued before it fires");
    cr_assert_lt(item->log->count, item->log->capacity);
    item->log->ids[item->log->count] = item->id;
    item->log->times_100ns[item->log->count] = sim->now_100ns;
    item->log->count++;
    if (item->repeats_left > 0) {
        item->repeats_left--;
        cr_assert(des_schedule(sim, ev, sim->now_100ns + item->period_100ns));
    }
}

static void test_item_init(test_item *item, test_log *log, uint32_t id)
{
    memset(item, 0, sizeof(*item));
    des_event_init(&item->ev, test_item_fire);
    item->log = log;
    item->id = id;
}

static void test_sim_init(des_sim *sim, uint64_t max_events, uint64_t max_time_100ns)
{
    const des_limits limits = {.max_events = max_events, .max_time_100ns = max_time_100ns};
    cr_assert(des_init(sim, &limits));
}

/* Looks inside the queue: every index is right and no child beats its parent. */
static void test_check_heap(const des_sim *sim)
{
    cr_assert_leq(sim->heap_count, sim->heap_capacity);
    for (uint32_t i = 0; i < sim->heap_count; i++) {
        const des_event *ev = sim->heap[i];
        cr_assert_eq(ev->heap_index, i);
        if (i > 0) {
            const des_event *parent = sim->heap[(i - 1) / 2];
            cr_assert(parent->due_100ns < ev->due_100ns ||
                      (parent->due_100ns == ev->due_100ns && parent->seq < ev->seq));
        }
    }
}

static size_t test_drain(des_sim *sim)
{
    size_t fired = 0;
    des_stop stop;
    while ((stop = des_step(sim)) == DES_FIRED) {
        fired++;
    }
    cr_assert_eq(stop, DES_IDLE);
    return fired;
}

/* ------------------------------------------------------------------------ */
/* Event queue                                                              */
/* ------------------------------------------------------------------------ */

typedef struct test_ref {
    uint64_t due_100ns;
    uint32_t id; /* also the scheduling order */
} test_ref;

static int test_ref_compare(const void *a, const void *b)
{
    const test_ref *x = a;
    const test_ref *y = b;
    if (x->due_100ns != y->due_100ns) {
        return x->due_100ns < y->due_100ns ? -1 : 1;
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

Test(queue, random_events_fire_in_sorted_order)
{
    enum { N = 10000 };
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, N);
    test_item *items = calloc(N, sizeof(*items));
    test_ref *ref = calloc(N, sizeof(*ref));
    cr_assert(items != NULL && ref != NULL);

    /* Due times from a small range so that many of them tie. */
    des_rng rng;
    des_rng_seed(&rng, 1);
    for (uint32_t i = 0; i < N; i++) {
        test_item_init(&items[i], &log, i);
        ref[i].due_100ns = des_rng_below(&rng, N / 4);
        ref[i].id = i;
        cr_assert(des_schedule(&sim, &items[i].ev, ref[i].due_100ns));
    }
    test_check_heap(&sim);
    cr_assert_eq(sim.heap_count, N);
    qsort(ref, N, sizeof(*ref), test_ref_compare);

    cr_assert_eq(test_drain(&sim), N);
    cr_assert_eq(log.count, N);
    for (size_t i = 0; i < N; i++) {
        cr_assert_eq(log.ids[i], ref[i].id, "position %zu", i);
        cr_assert_eq(log.times_100ns[i], ref[i].due_100ns, "position %zu", i);
    }
    cr_assert_eq(sim.events_fired, N);

    free(ref);
    free(items);
    test_log_fini(&log);
    des_fini(&sim);
}

/*
 * Random schedules, reschedules, cancels and steps against a model that keeps
 * (due, seq) per item and finds the minimum by linear search.
 */
Test(queue, random_operations_match_a_reference_model)
{
    enum { N = 300, OPS = 20000 };
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, OPS);
    test_item items[N];
    uint64_t ref_due[N];
    uint64_t ref_seq[N];
    bool ref_queued[N];
    uint64_t next_seq = 0;
    for (uint32_t i = 0; i < N; i++) {
        test_item_init(&items[i], &log, i);
        ref_queued[i] = false;
    }

    des_rng rng;
    des_rng_stream(&rng, 7, "queue-model");
    for (int op = 0; op < OPS; op++) {
        const uint32_t i = (uint32_t)des_rng_below(&rng, N);
        switch (des_rng_below(&rng, 4)) {
        case 0:
        case 1: {
            const uint64_t due_100ns = sim.now_100ns + des_rng_below(&rng, 50);
            cr_assert(des_schedule(&sim, &items[i].ev, due_100ns));
            ref_due[i] = due_100ns;
            ref_seq[i] = next_seq++;
            ref_queued[i] = true;
            break;
        }
        case 2:
            cr_assert_eq(des_cancel(&sim, &items[i].ev), ref_queued[i]);
            ref_queued[i] = false;
            break;
        default: {
            int best = -1;
            for (int j = 0; j < N; j++) {
                if (ref_queued[j] &&
                    (best < 0 || ref_due[j] < ref_due[best] ||
                     (ref_due[j] == ref_due[best] && ref_seq[j] < ref_seq[best]))) {
                    best = j;
                }
            }
            const size_t before = log.count;
            const des_stop stop = des_step(&sim);
            if (best < 0) {
                cr_assert_eq(stop, DES_IDLE);
            } else {
                cr_assert_eq(stop, DES_FIRED);
                cr_assert_eq(log.count, before + 1);
                cr_assert_eq(log.ids[before], (uint32_t)best, "op %d", op);
                cr_assert_eq(sim.now_100ns, ref_due[best]);
                ref_queued[best] = false;
            }
            break;
        }
        }
        for (uint32_t j = 0; j < N; j++) {
            cr_assert_eq(des_event_queued(&items[j].ev), ref_queued[j]);
        }
        test_check_heap(&sim);
    }

    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, equal_due_times_fire_in_scheduling_order)
{
    enum { N = 50 };
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, N);
    test_item items[N];
    /* Scheduled in a scrambled index order: that order, not the index, decides. */
    for (uint32_t k = 0; k < N; k++) {
        const uint32_t i = (k * 17) % N;
        test_item_init(&items[i], &log, i);
        cr_assert(des_schedule(&sim, &items[i].ev, 1000));
    }
    cr_assert_eq(test_drain(&sim), N);
    for (uint32_t k = 0; k < N; k++) {
        cr_assert_eq(log.ids[k], (k * 17) % N);
        cr_assert_eq(log.times_100ns[k], 1000);
    }
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, rescheduling_a_queued_event_moves_it_behind_its_new_peers)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 8);
    test_item items[4];
    for (uint32_t i = 0; i < 4; i++) {
        test_item_init(&items[i], &log, i);
        cr_assert(des_schedule(&sim, &items[i].ev, 100));
    }
    /* Same time again: it takes a new sequence number, so it goes last. */
    cr_assert(des_schedule(&sim, &items[0].ev, 100));
    /* Earlier, then later than everything. */
    cr_assert(des_schedule(&sim, &items[3].ev, 50));
    cr_assert(des_schedule(&sim, &items[1].ev, 200));
    cr_assert_eq(sim.heap_count, 4, "a moved event is not queued twice");
    test_check_heap(&sim);

    cr_assert_eq(test_drain(&sim), 4);
    const uint32_t expected[] = {3, 2, 0, 1};
    for (size_t k = 0; k < 4; k++) {
        cr_assert_eq(log.ids[k], expected[k]);
    }
    test_log_fini(&log);
    des_fini(&sim);
}

/* Five events at 10..50; cancels the one at the given position(s). */
static void test_cancel_case(const uint32_t *cancel, size_t n_cancel, const uint32_t *expected,
                             size_t n_expected)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 5);
    test_item items[5];
    for (uint32_t i = 0; i < 5; i++) {
        test_item_init(&items[i], &log, i);
        cr_assert(des_schedule(&sim, &items[i].ev, 10 * (i + 1)));
    }
    for (size_t k = 0; k < n_cancel; k++) {
        cr_assert(des_cancel(&sim, &items[cancel[k]].ev));
        cr_assert(!des_event_queued(&items[cancel[k]].ev));
        cr_assert(!des_cancel(&sim, &items[cancel[k]].ev), "a second cancel finds nothing");
        test_check_heap(&sim);
    }
    cr_assert_eq(test_drain(&sim), n_expected);
    for (size_t k = 0; k < n_expected; k++) {
        cr_assert_eq(log.ids[k], expected[k]);
    }
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, cancel_first)
{
    const uint32_t cancel[] = {0};
    const uint32_t expected[] = {1, 2, 3, 4};
    test_cancel_case(cancel, 1, expected, 4);
}

Test(queue, cancel_middle)
{
    const uint32_t cancel[] = {2};
    const uint32_t expected[] = {0, 1, 3, 4};
    test_cancel_case(cancel, 1, expected, 4);
}

Test(queue, cancel_last)
{
    const uint32_t cancel[] = {4};
    const uint32_t expected[] = {0, 1, 2, 3};
    test_cancel_case(cancel, 1, expected, 4);
}

Test(queue, cancel_all)
{
    const uint32_t cancel[] = {2, 0, 4, 1, 3};
    test_cancel_case(cancel, 5, NULL, 0);
}

Test(queue, cancel_of_an_unqueued_event_returns_false)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 1);
    test_item item;
    test_item_init(&item, &log, 0);
    cr_assert(!des_cancel(&sim, &item.ev));
    cr_assert(des_schedule(&sim, &item.ev, 5));
    cr_assert_eq(des_step(&sim), DES_FIRED);
    cr_assert(!des_cancel(&sim, &item.ev), "a fired event is no longer queued");
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, periodic_event_reschedules_itself_from_its_fire_function)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 8);
    test_item timer;
    test_item_init(&timer, &log, 7);
    timer.repeats_left = 4;
    timer.period_100ns = 100 * DES_100NS_PER_MS;
    cr_assert(des_schedule(&sim, &timer.ev, timer.period_100ns));

    cr_assert_eq(test_drain(&sim), 5);
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(log.ids[k], 7);
        cr_assert_eq(log.times_100ns[k], (k + 1) * timer.period_100ns);
    }
    cr_assert_eq(sim.now_100ns, 5 * timer.period_100ns);
    cr_assert(!des_event_queued(&timer.ev));
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, zero_delay_reschedule_runs_after_peers_already_due)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 8);
    test_item a;
    test_item b;
    test_item_init(&a, &log, 0);
    test_item_init(&b, &log, 1);
    a.repeats_left = 1;
    a.period_100ns = 0; /* due again now */
    cr_assert(des_schedule(&sim, &a.ev, 10));
    cr_assert(des_schedule(&sim, &b.ev, 10));
    cr_assert_eq(test_drain(&sim), 3);
    const uint32_t expected[] = {0, 1, 0};
    for (size_t k = 0; k < 3; k++) {
        cr_assert_eq(log.ids[k], expected[k]);
        cr_assert_eq(log.times_100ns[k], 10);
    }
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, step_advances_the_clock_to_the_next_event)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 2);
    test_item a;
    test_item b;
    test_item_init(&a, &log, 0);
    test_item_init(&b, &log, 1);
    cr_assert_eq(sim.now_100ns, 0);
    cr_assert(des_schedule(&sim, &b.ev, 5 * DES_100NS_PER_SEC));
    cr_assert(des_schedule(&sim, &a.ev, 250 * DES_100NS_PER_MS));
    cr_assert_eq(des_peek(&sim), &a.ev);
    cr_assert_eq(sim.now_100ns, 0, "scheduling does not move time");

    cr_assert_eq(des_step(&sim), DES_FIRED);
    cr_assert_eq(sim.now_100ns, 250 * DES_100NS_PER_MS);
    cr_assert_eq(des_peek(&sim), &b.ev);
    cr_assert_eq(des_step(&sim), DES_FIRED);
    cr_assert_eq(sim.now_100ns, 5 * DES_100NS_PER_SEC);
    cr_assert_eq(des_step(&sim), DES_IDLE);
    cr_assert_eq(sim.now_100ns, 5 * DES_100NS_PER_SEC, "an idle step leaves the clock");
    cr_assert_eq(sim.events_fired, 2);
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, empty_queue_is_idle)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    cr_assert_null(des_peek(&sim));
    cr_assert_eq(des_step(&sim), DES_IDLE);
    cr_assert_eq(des_step(&sim), DES_IDLE);
    cr_assert_eq(sim.events_fired, 0);
    des_fini(&sim);
}

Test(queue, null_limits_mean_none)
{
    des_sim sim;
    cr_assert(des_init(&sim, NULL));
    cr_assert_eq(sim.limits.max_events, 0);
    cr_assert_eq(sim.limits.max_time_100ns, 0);
    des_fini(&sim);
}

Test(queue, event_limit_stops_before_firing)
{
    des_sim sim;
    test_sim_init(&sim, 3, 0);
    test_log log;
    test_log_init(&log, 5);
    test_item items[5];
    for (uint32_t i = 0; i < 5; i++) {
        test_item_init(&items[i], &log, i);
        cr_assert(des_schedule(&sim, &items[i].ev, 100 * (i + 1)));
    }
    for (int k = 0; k < 3; k++) {
        cr_assert_eq(des_step(&sim), DES_FIRED);
    }
    cr_assert_eq(des_step(&sim), DES_STOP_EVENT_LIMIT);
    cr_assert_eq(des_step(&sim), DES_STOP_EVENT_LIMIT, "the limit holds");
    cr_assert_eq(sim.events_fired, 3);
    cr_assert_eq(log.count, 3);
    cr_assert_eq(sim.now_100ns, 300);
    cr_assert_eq(sim.heap_count, 2, "nothing was dequeued");
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, time_limit_stops_without_advancing_the_clock)
{
    des_sim sim;
    test_sim_init(&sim, 0, 500);
    test_log log;
    test_log_init(&log, 3);
    test_item items[3];
    const uint64_t due_100ns[] = {100, 500, 501};
    for (uint32_t i = 0; i < 3; i++) {
        test_item_init(&items[i], &log, i);
        cr_assert(des_schedule(&sim, &items[i].ev, due_100ns[i]));
    }
    cr_assert_eq(des_step(&sim), DES_FIRED);
    cr_assert_eq(des_step(&sim), DES_FIRED, "an event due exactly at the limit fires");
    cr_assert_eq(sim.now_100ns, 500);
    cr_assert_eq(des_step(&sim), DES_STOP_TIME_LIMIT);
    cr_assert_eq(sim.now_100ns, 500);
    cr_assert(des_event_queued(&items[2].ev));
    cr_assert_eq(sim.events_fired, 2);
    test_log_fini(&log);
    des_fini(&sim);
}

Test(queue, empty_queue_under_time_limit_is_idle)
{
    des_sim sim;
    test_sim_init(&sim, 10, 500);
    cr_assert_eq(des_step(&sim), DES_IDLE);
    des_fini(&sim);
}

Test(queue, fini_leaves_queued_events_unqueued)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 1);
    test_item item;
    test_item_init(&item, &log, 0);
    cr_assert(des_schedule(&sim, &item.ev, 5));
    des_fini(&sim);
    cr_assert(!des_event_queued(&item.ev));
    test_log_fini(&log);
}

Test(queue, scheduling_in_the_past_aborts, .signal = SIGABRT)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_log log;
    test_log_init(&log, 2);
    test_item a;
    test_item b;
    test_item_init(&a, &log, 0);
    test_item_init(&b, &log, 1);
    cr_assert(des_schedule(&sim, &a.ev, 100));
    cr_assert_eq(des_step(&sim), DES_FIRED);
    des_schedule(&sim, &b.ev, 99);
}

Test(queue, cancel_on_the_wrong_sim_aborts, .signal = SIGABRT)
{
    des_sim sim1;
    des_sim sim2;
    test_sim_init(&sim1, 0, 0);
    test_sim_init(&sim2, 0, 0);
    test_log log;
    test_log_init(&log, 1);
    test_item item;
    test_item_init(&item, &log, 0);
    cr_assert(des_schedule(&sim1, &item.ev, 100));
    des_cancel(&sim2, &item.ev);
}

/* A failed check prints the run's context (check.h) before it aborts: the
 * context callback ends the process with a code of its own, which only it
 * can have produced. */
static void exit_from_context(void *ctx)
{
    _exit(*(int *)ctx);
}

Test(check, a_failed_check_prints_the_run_context_first, .exit_code = 42)
{
    static int code = 42;
    des_check_set_context(exit_from_context, &code);
    DES_CHECK(1 + 1 == 3);
}

static void count_context(void *ctx)
{
    (*(int *)ctx)++;
}

Test(check, the_context_is_printed_once_and_can_be_cleared)
{
    int calls = 0;
    des_check_set_context(count_context, &calls);
    des_check_print_context();
    des_check_print_context(); /* a check failing in the printer: no recursion */
    cr_assert_eq(calls, 1);
    des_check_set_context(count_context, &calls);
    des_check_set_context(NULL, NULL);
    des_check_print_context();
    cr_assert_eq(calls, 1);
}

/* ------------------------------------------------------------------------ */
/* PRNG                                                                     */
/* ------------------------------------------------------------------------ */

Test(rng, splitmix64_known_answers)
{
    const uint64_t expected[] = {
        0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full, 0xf88bb8a8724c81ecull,
        0x1b39896a51a8749bull, 0x53cb9f0c747ea2eaull, 0x2c829abe1f4532e1ull, 0xc584133ac916ab3cull,
    };
    uint64_t state = 0;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        cr_assert_eq(des_splitmix64(&state), expected[i], "output %zu", i);
    }
}

Test(rng, xoshiro256starstar_known_answers)
{
    const uint64_t expected[] = {
        0x0000000000002d00ull, 0x0000000000000000ull, 0x000000005a007080ull, 0x10e0000000009d80ull,
        0x10e0b61ce1009d80ull, 0x0870021ce143ad00ull, 0xe071c3c2e143f089ull, 0x75a1690ef7a20380ull,
    };
    des_rng rng = {.s = {1, 2, 3, 4}};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        cr_assert_eq(des_rng_next(&rng), expected[i], "output %zu", i);
    }
}

Test(rng, seed_fills_state_with_consecutive_splitmix64_outputs)
{
    des_rng rng;
    des_rng_seed(&rng, 42);
    const uint64_t state[] = {0xbdd732262feb6e95ull, 0x28efe333b266f103ull, 0x47526757130f9f52ull,
                              0x581ce1ff0e4ae394ull};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(rng.s[i], state[i]);
    }
    const uint64_t out[] = {0x15780b2e0c2ec716ull, 0x6104d9866d113a7eull, 0xae17533239e499a1ull,
                            0xecb8ad4703b360a1ull};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(des_rng_next(&rng), out[i]);
    }
}

Test(rng, below_known_answers)
{
    const uint64_t expected[] = {0, 0, 65, 65, 32, 876, 459, 574};
    des_rng rng = {.s = {1, 2, 3, 4}};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        cr_assert_eq(des_rng_below(&rng, 1000), expected[i], "draw %zu", i);
    }
}

Test(rng, stream_is_seed_xor_name_hash)
{
    des_rng a;
    des_rng b;
    des_rng_stream(&a, 1234, "ke.timer");
    des_rng_seed(&b, 1234 ^ XXH3_64bits("ke.timer", strlen("ke.timer")));
    cr_assert_arr_eq(a.s, b.s, sizeof(a.s));
}

Test(rng, streams_are_independent)
{
    des_rng pool;
    des_rng timer;
    des_rng_stream(&pool, 99, "ex.pool");
    des_rng_stream(&timer, 99, "ke.timer");
    cr_assert(memcmp(pool.s, timer.s, sizeof(pool.s)) != 0);

    /* Drawn alone, then again with the other stream drawn from in between. */
    uint64_t alone[16];
    for (size_t i = 0; i < 16; i++) {
        alone[i] = des_rng_next(&pool);
    }
    des_rng_stream(&pool, 99, "ex.pool");
    size_t differ = 0;
    for (size_t i = 0; i < 16; i++) {
        const uint64_t other = des_rng_next(&timer);
        const uint64_t mine = des_rng_next(&pool);
        cr_assert_eq(mine, alone[i], "draw %zu", i);
        differ += other != mine;
    }
    cr_assert_eq(differ, 16);

    /* A stream of another seed differs too; the same seed and name repeats. */
    des_rng again;
    des_rng other_seed;
    des_rng_stream(&again, 99, "ex.pool");
    des_rng_stream(&other_seed, 100, "ex.pool");
    cr_assert_eq(des_rng_next(&again), alone[0]);
    cr_assert_neq(des_rng_next(&other_seed), alone[0]);
}

Test(rng, below_stays_in_range_and_is_roughly_uniform)
{
    des_rng rng;
    des_rng_seed(&rng, 2024);
    uint64_t buckets[6] = {0};
    for (int i = 0; i < 60000; i++) {
        const uint64_t v = des_rng_below(&rng, 6);
        cr_assert_lt(v, 6);
        buckets[v]++;
    }
    for (size_t b = 0; b < 6; b++) {
        cr_assert(buckets[b] >= 9000 && buckets[b] <= 11000, "bucket %zu: %llu", b,
                  (unsigned long long)buckets[b]);
    }

    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(des_rng_below(&rng, 1), 0);
        /* Just above 2^63: about half of all raw draws are rejected here. */
        cr_assert_lt(des_rng_below(&rng, (1ull << 63) + 1), (1ull << 63) + 1);
        (void)des_rng_below(&rng, UINT64_MAX);
    }
}

Test(rng, below_zero_aborts, .signal = SIGABRT)
{
    des_rng rng;
    des_rng_seed(&rng, 1);
    des_rng_below(&rng, 0);
}

Test(rng, chance_edges_and_one_draw)
{
    des_rng rng;
    des_rng_seed(&rng, 5);
    for (int i = 0; i < 1000; i++) {
        des_rng shadow = rng;
        cr_assert(!des_rng_chance(&rng, 0, 10));
        (void)des_rng_below(&shadow, 10);
        cr_assert_arr_eq(rng.s, shadow.s, sizeof(rng.s), "0/den still draws");

        cr_assert(des_rng_chance(&rng, 10, 10));
        (void)des_rng_below(&shadow, 10);
        cr_assert_arr_eq(rng.s, shadow.s, sizeof(rng.s), "den/den still draws");

        cr_assert(des_rng_chance(&rng, 11, 10));
        cr_assert(!des_rng_chance(&rng, 0, 1));
        cr_assert(des_rng_chance(&rng, 1, 1));
    }

    /* The position after a chance does not depend on the numerator. */
    des_rng a;
    des_rng b;
    des_rng_seed(&a, 77);
    des_rng_seed(&b, 77);
    for (int i = 0; i < 100; i++) {
        (void)des_rng_chance(&a, 1, 3);
        (void)des_rng_chance(&b, 2, 3);
    }
    cr_assert_arr_eq(a.s, b.s, sizeof(a.s));

    /* And it is a probability: 1/4 over 40000 draws. */
    unsigned hits = 0;
    for (int i = 0; i < 40000; i++) {
        hits += des_rng_chance(&a, 1, 4);
    }
    cr_assert(hits >= 9000 && hits <= 11000, "hits %u", hits);
}

Test(rng, chance_zero_denominator_aborts, .signal = SIGABRT)
{
    des_rng rng;
    des_rng_seed(&rng, 1);
    des_rng_chance(&rng, 0, 0);
}

/* ------------------------------------------------------------------------ */
/* Trace records                                                            */
/* ------------------------------------------------------------------------ */

Test(trace, record_encoding_is_little_endian_with_type_first)
{
    des_rec rec;
    des_rec_begin(&rec, 0x1234);
    des_rec_u8(&rec, 0xab);
    des_rec_u16(&rec, 0xbeef);
    des_rec_u32(&rec, 0xdeadbeef);
    des_rec_u64(&rec, 0x0123456789abcdefull);
    des_rec_str(&rec, "hi");
    des_rec_str(&rec, "");
    /* clang-format off */
    const uint8_t expected[] = {
        0x34, 0x12,                                     /* type */
        0xab,                                           /* u8 */
        0xef, 0xbe,                                     /* u16 */
        0xef, 0xbe, 0xad, 0xde,                         /* u32 */
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* u64 */
        0x02, 'h',  'i',                                /* str */
        0x00,                                           /* empty str */
    };
    /* clang-format on */
    cr_assert_eq(rec.type, 0x1234);
    cr_assert_eq(rec.len_bytes, sizeof(expected));
    cr_assert_arr_eq(rec.bytes, expected, sizeof(expected));
}

Test(trace, record_fills_exactly_to_the_maximum)
{
    /* 2 (type) + 1 (length) + 253 = DES_REC_MAX_BYTES: the longest string that fits. */
    char name[254];
    memset(name, 'x', 253);
    name[253] = '\0';
    des_rec rec;
    des_rec_begin(&rec, 1);
    des_rec_str(&rec, name);
    cr_assert_eq(rec.len_bytes, DES_REC_MAX_BYTES);
    cr_assert_eq(rec.bytes[2], 253);
}

Test(trace, record_overflow_aborts, .signal = SIGABRT)
{
    des_rec rec;
    des_rec_begin(&rec, 1);
    for (int i = 0; i < DES_REC_MAX_BYTES / 8; i++) {
        des_rec_u64(&rec, 0);
    }
}

Test(trace, long_string_overflow_aborts, .signal = SIGABRT)
{
    /* Cut to 255 bytes, which still does not fit behind the type. */
    char name[400];
    memset(name, 'y', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    des_rec rec;
    des_rec_begin(&rec, 1);
    des_rec_str(&rec, name);
}

Test(trace, reader_round_trip)
{
    des_rec rec;
    des_rec_begin(&rec, 0x0203);
    des_rec_u8(&rec, 200);
    des_rec_u16(&rec, 65000);
    des_rec_u32(&rec, 4000000000u);
    des_rec_u64(&rec, UINT64_MAX - 1);
    des_rec_str(&rec, "ExAllocatePool2");
    des_rec_str(&rec, "MyDriver.sys");
    des_rec_u32(&rec, 0x4d);

    des_rec_reader rd;
    des_rec_reader_init(&rd, &rec);
    cr_assert_eq(des_rec_read_u8(&rd), 200);
    cr_assert_eq(des_rec_read_u16(&rd), 65000);
    cr_assert_eq(des_rec_read_u32(&rd), 4000000000u);
    cr_assert_eq(des_rec_read_u64(&rd), UINT64_MAX - 1);
    char buf[64];
    des_rec_read_str(&rd, buf, sizeof(buf));
    cr_assert_str_eq(buf, "ExAllocatePool2");
    /* A short buffer cuts the string but the next field still lines up. */
    char small[5];
    des_rec_read_str(&rd, small, sizeof(small));
    cr_assert_str_eq(small, "MyDr");
    cr_assert_eq(des_rec_read_u32(&rd), 0x4d);
    cr_assert_eq(rd.pos, rec.len_bytes);
}

Test(trace, reading_past_the_end_aborts, .signal = SIGABRT)
{
    des_rec rec;
    des_rec_begin(&rec, 1);
    des_rec_u16(&rec, 5);
    des_rec_reader rd;
    des_rec_reader_init(&rd, &rec);
    (void)des_rec_read_u16(&rd);
    (void)des_rec_read_u8(&rd);
}

typedef struct test_sink_state {
    des_sim *sim;
    size_t calls;
    uint64_t last_now_100ns;
    uint16_t last_type;
    uint64_t records_seen;
} test_sink_state;

static void test_sink(void *ctx, uint64_t now_100ns, const des_rec *rec)
{
    test_sink_state *st = ctx;
    st->calls++;
    st->last_now_100ns = now_100ns;
    st->last_type = rec->type;
    st->records_seen = st->sim->records;
}

static void test_commit_fire(des_sim *sim, des_event *ev)
{
    (void)ev;
    des_rec rec;
    des_rec_begin(&rec, 0x42);
    des_commit(sim, &rec);
}

Test(trace, sink_sees_each_committed_record_with_the_time)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_sink_state st = {.sim = &sim};
    des_set_sink(&sim, test_sink, &st);
    des_event ev;
    des_event_init(&ev, test_commit_fire);
    cr_assert(des_schedule(&sim, &ev, 1234));
    cr_assert_eq(des_step(&sim), DES_FIRED);
    cr_assert_eq(st.calls, 1);
    cr_assert_eq(st.last_now_100ns, 1234);
    cr_assert_eq(st.last_type, 0x42);
    cr_assert_eq(st.records_seen, 1, "records counts the record before the sink runs");

    des_digest_u64(&sim, 5);
    cr_assert_eq(st.calls, 1, "raw digest input does not reach the sink");
    cr_assert_eq(sim.records, 1);
    des_set_sink(&sim, NULL, NULL);
    des_rec rec;
    des_rec_begin(&rec, 1);
    des_commit(&sim, &rec);
    cr_assert_eq(st.calls, 1);
    cr_assert_eq(sim.records, 2);
    des_fini(&sim);
}

/* ------------------------------------------------------------------------ */
/* Digest                                                                   */
/* ------------------------------------------------------------------------ */

static void test_golden_records(des_sim *sim)
{
    des_rec rec;
    des_rec_begin(&rec, 1);
    des_rec_u8(&rec, 7);
    des_rec_u16(&rec, 0x1234);
    des_rec_u32(&rec, 0xdeadbeef);
    des_rec_u64(&rec, 0x0123456789abcdefull);
    des_rec_str(&rec, "nt!KeBugCheckEx");
    des_commit(sim, &rec);
    des_rec_begin(&rec, 0x0102);
    des_rec_str(&rec, "");
    des_commit(sim, &rec);
    des_digest_u64(sim, 0x1122334455667788ull);
}

Test(digest, golden_value)
{
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    test_golden_records(&sim);
    /*
     * Changing this value means the record encoding (or the digest framing)
     * changed, and with it every scenario's golden digest: update them all on
     * purpose, never just this line.
     */
    cr_assert_eq(des_digest(&sim), 0xc7944c1f844a014cull, "digest 0x%016llx",
                 (unsigned long long)des_digest(&sim));
    cr_assert_eq(sim.records, 2);
    des_fini(&sim);
}

/* The hot path's direct commit (des_commit_direct, des_put_le) hashes the
 * bytes des_commit would: many records, across pending-block flushes. */
Test(digest, direct_commit_hashes_what_des_commit_would)
{
    des_sim a, b;
    test_sim_init(&a, 0, 0);
    test_sim_init(&b, 0, 0);
    for (uint32_t i = 0; i < 1000; i++) {
        des_rec rec;
        des_rec_begin(&rec, 0x0203);
        des_rec_u64(&rec, 0x1000u + i);
        des_rec_u16(&rec, (uint16_t)i);
        des_rec_u32(&rec, 0xdeadbeefu ^ i);
        des_rec_u8(&rec, (uint8_t)i);
        des_commit(&a, &rec);

        uint8_t *p = des_commit_direct(&b, 17);
        cr_assert_not_null(p, "no sink: the record goes straight into the block");
        p = des_put_le(p, 0x0203, 2);
        p = des_put_le(p, 0x1000u + i, 8);
        p = des_put_le(p, (uint16_t)i, 2);
        p = des_put_le(p, 0xdeadbeefu ^ i, 4);
        des_put_le(p, (uint8_t)i, 1);
    }
    cr_assert_eq(a.records, b.records);
    cr_assert_eq(des_digest(&a), des_digest(&b));
    test_sink_state st = {.sim = &b};
    des_set_sink(&b, test_sink, &st);
    cr_assert_null(des_commit_direct(&b, 17), "a sink listens: the caller builds a des_rec");
    cr_assert_eq(b.records, a.records, "nothing counted");
    des_fini(&a);
    des_fini(&b);
}

/* The framing spelled out: u16 LE length, then the record's bytes; raw u64s as 8 LE bytes. */
Test(digest, equals_a_one_shot_hash_of_the_framed_stream)
{
    /* clang-format off */
    const uint8_t stream[] = {
        /* record 1: 2 + 1 + 2 + 4 + 8 + 1 + 15 = 33 bytes */
        33, 0,
        0x01, 0x00,
        7,
        0x34, 0x12,
        0xef, 0xbe, 0xad, 0xde,
        0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
        15, 'n', 't', '!', 'K', 'e', 'B', 'u', 'g', 'C', 'h', 'e', 'c', 'k', 'E', 'x',
        /* record 2: type and an empty string */
        3, 0,
        0x02, 0x01,
        0,
        /* raw u64 */
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
    };
    /* clang-format on */
    des_sim sim;
    test_sim_init(&sim, 0, 0);
    cr_assert_eq(des_digest(&sim), XXH3_64bits(NULL, 0), "nothing committed yet");
    test_golden_records(&sim);
    cr_assert_eq(des_digest(&sim), XXH3_64bits(stream, sizeof(stream)));
    des_fini(&sim);
}

/*
 * Two record sequences whose bytes concatenate to the same stream,
 *   [01 00 61] [01 00 62 00]   (type 1, u8 'a'; type 1, u16 0x62)
 *   [01 00 61 01 00] [62 00]   (type 1, u8 'a', u16 1; type 0x62)
 * the "ab"+"c" versus "a"+"bc" case: only the length prefix tells them apart.
 */
Test(digest, record_boundaries_matter)
{
    des_sim one;
    des_sim two;
    test_sim_init(&one, 0, 0);
    test_sim_init(&two, 0, 0);
    des_rec a;
    des_rec b;

    des_rec_begin(&a, 1);
    des_rec_u8(&a, 'a');
    des_rec_begin(&b, 1);
    des_rec_u16(&b, 0x62);
    des_commit(&one, &a);
    des_commit(&one, &b);
    uint8_t cat_one[16];
    memcpy(cat_one, a.bytes, a.len_bytes);
    memcpy(cat_one + a.len_bytes, b.bytes, b.len_bytes);
    const size_t len_one = (size_t)a.len_bytes + b.len_bytes;

    des_rec_begin(&a, 1);
    des_rec_u8(&a, 'a');
    des_rec_u16(&a, 1);
    des_rec_begin(&b, 0x62);
    des_commit(&two, &a);
    des_commit(&two, &b);
    uint8_t cat_two[16];
    memcpy(cat_two, a.bytes, a.len_bytes);
    memcpy(cat_two + a.len_bytes, b.bytes, b.len_bytes);
    const size_t len_two = (size_t)a.len_bytes + b.len_bytes;

    cr_assert_eq(len_one, len_two);
    cr_assert_arr_eq(cat_one, cat_two, len_one, "the test needs equal concatenations");
    cr_assert_neq(des_digest(&one), des_digest(&two));
    des_fini(&one);
    des_fini(&two);
}

Test(digest, order_and_raw_values_matter)
{
    des_sim one;
    des_sim two;
    test_sim_init(&one, 0, 0);
    test_sim_init(&two, 0, 0);
    des_digest_u64(&one, 1);
    des_digest_u64(&one, 2);
    des_digest_u64(&two, 2);
    des_digest_u64(&two, 1);
    cr_assert_neq(des_digest(&one), des_digest(&two));
    /* Reading the digest does not consume it. */
    cr_assert_eq(des_digest(&one), des_digest(&one));
    des_fini(&one);
    des_fini(&two);
}

/* ------------------------------------------------------------------------ */
/* Durations and time formatting                                            */
/* ------------------------------------------------------------------------ */

Test(time, parse_valid_durations)
{
    const struct {
        const char *text;
        uint64_t want_100ns;
    } cases[] = {
        {"250ms", 250 * DES_100NS_PER_MS},
        {"10s", 10 * DES_100NS_PER_SEC},
        {"7min", 7 * DES_100NS_PER_MIN},
        {"1h", 60 * DES_100NS_PER_MIN},
        {"100us", 1000},
        {"500ns", 5},
        {"100ns", 1},
        {"0ns", 0},
        {"0", 0},
        {"0s", 0},
        {"250000", 250000},
        {"007ms", 7 * DES_100NS_PER_MS},
        {"18446744073709551615", UINT64_MAX},
        {"1844674407370s", 1844674407370ull * DES_100NS_PER_SEC},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t got_100ns = 12345;
        cr_assert(des_parse_duration(cases[i].text, &got_100ns), "\"%s\"", cases[i].text);
        cr_assert_eq(got_100ns, cases[i].want_100ns, "\"%s\"", cases[i].text);
    }
}

Test(time, parse_rejects_bad_durations)
{
    /* clang-format off */
    const char *cases[] = {
        "", "-1", "-1s", "+1s", " 1s", "1s ", "1 s", "1.5s", "ms", "s", "1xs", "1MS", "1S",
        "1m", "1sec", "1mins", "150ns", "1ns", "0x10", "1e3", "1s1", "1ms\n", "1,000",
        "18446744073709551616",     /* 2^64 */
        "99999999999999999999999s", /* overflows while reading digits */
        "1844674407371s",           /* overflows in the unit multiply */
        "512409558h",               /* overflows in the unit multiply */
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t got_100ns = 12345;
        cr_assert(!des_parse_duration(cases[i], &got_100ns), "\"%s\"", cases[i]);
        cr_assert_eq(got_100ns, 12345, "\"%s\" left *out alone", cases[i]);
    }
    uint64_t got_100ns = 12345;
    cr_assert(!des_parse_duration(NULL, &got_100ns));
    cr_assert_eq(got_100ns, 12345);
}

Test(time, format_times)
{
    const struct {
        uint64_t t_100ns;
        const char *want;
    } cases[] = {
        {0, "0:00:00.000"},
        {9999, "0:00:00.000"}, /* 0.9999 ms: truncated, not rounded */
        {DES_100NS_PER_MS, "0:00:00.001"},
        {60 * DES_100NS_PER_MIN + 2 * DES_100NS_PER_MIN + 3 * DES_100NS_PER_SEC +
             456 * DES_100NS_PER_MS + 9999,
         "1:02:03.456"},
        {59 * DES_100NS_PER_SEC + 999 * DES_100NS_PER_MS, "0:00:59.999"},
        {25 * 60 * DES_100NS_PER_MIN, "25:00:00.000"},
        {UINT64_MAX, "512409557:36:10.955"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];
        cr_assert_eq(des_format_time(cases[i].t_100ns, buf, sizeof(buf)), buf);
        cr_assert_str_eq(buf, cases[i].want);
    }
}

Test(time, format_into_a_short_buffer_is_cut_and_terminated)
{
    char buf[5];
    des_format_time(3723 * DES_100NS_PER_SEC, buf, sizeof(buf));
    cr_assert_str_eq(buf, "1:02");
}

Test(time, parse_and_format_agree)
{
    uint64_t t_100ns;
    cr_assert(des_parse_duration("90min", &t_100ns));
    char buf[32];
    cr_assert_str_eq(des_format_time(t_100ns, buf, sizeof(buf)), "1:30:00.000");
}

/*
 * test_ke.c - the scheduler and the list routines, driven from C.
 *
 * A small host stands in for Lua: every execution runs a scripted program.
 * Workers log their thread id, then pass a preemption point, a number of
 * times; the harness thread starts the workers and waits for each. The log
 * is the interleaving the scheduler chose, so determinism, the uniprocessor
 * rule and the strategies can be checked exactly.
 */
#include <stdlib.h>

#include "ke/types.h"
#include "test_machine.h"
#include "vf/rules.h"

#define MAX_LOG     4096
#define MAX_WORKERS 8

typedef struct test_host {
    ke_machine *m;
    uint32_t workers, steps;
    ke_thread *worker[MAX_WORKERS];
    uint32_t done[MAX_WORKERS + 2]; /* per thread id: steps done, or workers waited for */
    uint32_t log[MAX_LOG];
    uint32_t log_len;
} test_host;

static test_host host;

/* --sched ...+accesses: each step of a worker is an access (to memory all
 * workers share, or to its own), then a DDI's point. Kept across
 * simulate(), which clears the host. */
static struct {
    bool on, shared;
} access;

static ke_call call_of(ke_exec *e)
{
    return (ke_call){.m = host.m, .exec = e, .thread = e->thread, .ddi = 0xFFFF};
}

/* The harness: start the workers, then wait for each in turn. */
static void run_harness(ke_exec *e)
{
    ke_machine *m = host.m;
    uint32_t *next = &host.done[e->thread->id];
    if (*next == 0) {
        for (uint32_t i = 0; i < host.workers; i++) {
            host.worker[i] = ke_create_thread(m, m->system_process, NULL);
            cr_assert_not_null(host.worker[i]);
            host.worker[i]->exec.start_routine = 1; /* a worker's program */
        }
    }
    while (*next < host.workers) {
        ke_call call = call_of(e);
        ke_wait_on(&call, host.worker[(*next)++]->object);
        if (call.blocked)
            return;
    }
    ke_exec_ended(m, e);
}

/* ke_delay_call (the verifier's delay fuzzing): the first worker's first
 * step is held back `delay_100ns`, at PASSIVE_LEVEL or (`dispatch`) at
 * DISPATCH_LEVEL; when it was held and when it went on. Kept across
 * simulate(). */
typedef struct delay_spec {
    bool on, dispatch, stalled;
    uint64_t delay_100ns, held_at, resumed_at;
    uint32_t thread; /* the worker held back */
} delay_spec;
static delay_spec delay;

/* Whether the first worker's first step is held back now. */
static bool delay_step(ke_exec *e, ke_call *call)
{
    if (!delay.on || e->thread != host.worker[0] || host.done[e->thread->id] != 0)
        return false;
    ke_processor *cpu = &host.m->cpus[e->cpu];
    if (e->delay_done) {
        /* The call made again goes through (delay_fuzz.c clears it so). */
        e->delay_done = false;
        delay.resumed_at = host.m->des.now_100ns;
        if (delay.dispatch)
            ke_cpu_set_irql(host.m, cpu, PASSIVE_LEVEL);
        return false;
    }
    if (delay.dispatch)
        ke_cpu_set_irql(host.m, cpu, DISPATCH_LEVEL);
    delay.held_at = host.m->des.now_100ns;
    delay.thread = e->thread->id;
    delay.stalled = ke_delay_call(call, delay.delay_100ns);
    cr_assert(call->delayed && !call->blocked && e->delay_done);
    return true;
}

/* A worker: log, then a preemption point, `steps` times. */
static void run_worker(ke_exec *e)
{
    uint32_t *done = &host.done[e->thread->id];
    while (*done < host.steps) {
        ke_call call = call_of(e);
        if (delay_step(e, &call))
            return;
        /* An access that yields is made again when the worker resumes:
         * that one passes (the same point). */
        PVOID_VA va = access.shared ? 0xFFFFE00000001000ull
                                    : 0xFFFFE00000100000ull + 0x1000ull * e->thread->id;
        if (access.on && ke_access_point(&call, va, 8))
            return;
        cr_assert_lt(host.log_len, MAX_LOG);
        host.log[host.log_len++] = e->thread->id;
        (*done)++;
        if (ke_preempt_point(&call))
            return;
    }
    ke_exec_ended(host.m, e);
}

static void test_resume(void *ctx, ke_exec *e)
{
    (void)ctx;
    e->host = &host; /* started */
    if (e->start_routine == 0)
        run_harness(e);
    else
        run_worker(e);
}

/* Runs `workers` workers of `steps` steps on `cpus` processors; returns the
 * log length. */
/* Decisions by meaning: what the next simulate() records (when `record`)
 * and replays (when `replay`). */
static struct {
    bool record, replay;
    drvsim_switch *log;
    size_t log_count;
    const drvsim_switch *replayed;
    size_t replayed_count;
} decisions;

static uint32_t simulate(uint64_t seed, uint32_t cpus, const char *sched, uint32_t workers,
                         uint32_t steps)
{
    memset(&host, 0, sizeof host);
    host.workers = workers;
    host.steps = steps;
    ke_config config = tm_config(seed, cpus, KE_ARCH_X64);
    cr_assert(ke_sched_parse(sched, &config.sched));
    config.record_switches = decisions.record;
    config.replay_switches_given = decisions.replay;
    config.replay_switches = decisions.replayed;
    config.replay_switch_count = decisions.replayed_count;
    ke_host h = tm_passive_host();
    h.resume = test_resume;
    host.m = tm_boot(&config, &h, NULL, false);
    cr_assert_eq(ke_run(host.m), KE_STOP_FINISHED, "%s", host.m->stop_message);
    if (decisions.record) {
        free(decisions.log);
        decisions.log = host.m->switch_log; /* the test owns it now */
        decisions.log_count = host.m->switch_log_count;
        host.m->switch_log = NULL;
        host.m->switch_log_count = host.m->switch_log_capacity = 0;
    }
    ke_machine_destroy(host.m);
    host.m = NULL;
    return host.log_len;
}

/* How many times the log changes thread: the interleaving's switches. */
static uint32_t switches(const uint32_t *log, uint32_t len)
{
    uint32_t n = 0;
    for (uint32_t i = 1; i < len; i++)
        n += log[i] != log[i - 1];
    return n;
}

/* ------------------------------------------------------------------------ */
/* The scheduler                                                            */
/* ------------------------------------------------------------------------ */

Test(sched, same_seed_same_interleaving)
{
    uint32_t first[MAX_LOG];
    uint32_t len = simulate(42, 2, "random", 3, 100);
    cr_assert_eq(len, 300);
    memcpy(first, host.log, sizeof first);
    cr_assert_eq(simulate(42, 2, "random", 3, 100), len);
    cr_assert_arr_eq(first, host.log, len * sizeof first[0]);
}

Test(sched, seeds_choose_different_interleavings)
{
    uint32_t first[MAX_LOG];
    uint32_t len = simulate(1, 2, "random", 3, 100);
    memcpy(first, host.log, sizeof first);
    uint32_t differ = 0;
    for (uint64_t seed = 2; seed <= 10; seed++) {
        cr_assert_eq(simulate(seed, 2, "random", 3, 100), len);
        differ += memcmp(first, host.log, len * sizeof first[0]) != 0;
    }
    cr_assert_geq(differ, 8, "only %u of 9 seeds interleave differently", differ);
}

Test(sched, two_processors_interleave_at_calls)
{
    /* Two workers on two processors: the random strategy switches between
     * them at preemption points, often. */
    uint32_t len = simulate(7, 2, "random", 2, 200);
    cr_assert_eq(len, 400);
    cr_assert_gt(switches(host.log, len), 50, "%u switches", switches(host.log, len));
}

Test(sched, uniprocessor_runs_each_thread_until_it_ends)
{
    /* One processor: a DDI call never switches threads (no quantum end is
     * modelled); each worker runs to its end before the next starts. */
    uint32_t len = simulate(7, 1, "random", 3, 50);
    cr_assert_eq(len, 150);
    cr_assert_eq(switches(host.log, len), 2);
}

Test(sched, pct_is_deterministic_too)
{
    uint32_t first[MAX_LOG];
    uint32_t len = simulate(9, 2, "pct:3:200", 3, 100);
    memcpy(first, host.log, sizeof first);
    cr_assert_eq(simulate(9, 2, "pct:3:200", 3, 100), len);
    cr_assert_arr_eq(first, host.log, len * sizeof first[0]);
}

Test(sched, pct_depth_one_never_preempts_the_highest_priority)
{
    /* No change points: at every decision the highest-priority execution
     * runs. A worker is overtaken only when a higher one becomes a
     * candidate (it is started, or a processor frees up), so the switches
     * are bounded by the thread starts, not by the 300 steps, where the
     * random strategy switches a hundred times. */
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint32_t len = simulate(seed, 2, "pct:1", 3, 100);
        cr_assert_eq(len, 300);
        cr_assert_leq(switches(host.log, len), 5, "seed %llu: %u switches",
                      (unsigned long long)seed, switches(host.log, len));
    }
    simulate(1, 2, "random", 3, 100);
    cr_assert_gt(switches(host.log, 300), 5);
}

Test(sched, pct_change_points_preempt)
{
    /* With depth 3 and change points among the first 100 decisions, some
     * seeds preempt a worker before its end. */
    uint32_t preempted = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint32_t len = simulate(seed, 2, "pct:3:100", 2, 100);
        preempted += switches(host.log, len) > 1;
    }
    cr_assert_geq(preempted, 10, "%u of 20 seeds preempted", preempted);
}

Test(sched, recorded_decisions_replay_the_interleaving_under_any_strategy)
{
    uint32_t first[MAX_LOG];
    decisions.record = true;
    uint32_t len = simulate(11, 2, "random", 3, 100);
    decisions.record = false;
    memcpy(first, host.log, sizeof first);
    cr_assert_gt(decisions.log_count, 10, "a random run of two processors switches often");
    for (size_t i = 0; i < decisions.log_count; i++)
        cr_assert_lt(decisions.log[i].cpu, 2);
    /* The decisions name themselves: replayed under another seed and
     * strategy, whose draws still happen, the interleaving is the same. */
    decisions.replay = true;
    decisions.replayed = decisions.log;
    decisions.replayed_count = decisions.log_count;
    cr_assert_eq(simulate(99, 2, "pct:3:50", 3, 100), len);
    cr_assert_arr_eq(first, host.log, len * sizeof first[0]);
    /* Nothing to replay: the running thread always goes on, so switches
     * happen only where a thread ends. */
    decisions.replayed_count = 0;
    simulate(11, 2, "random", 3, 100);
    cr_assert_leq(switches(host.log, len), 2 * 3);
    decisions.replay = false;
    free(decisions.log);
    decisions.log = NULL;
}

/* The steps (DDI points even, accesses odd) at which the recorded run
 * switched processors: how many at accesses. */
static size_t switches_at_accesses(void)
{
    size_t n = 0;
    for (size_t i = 0; i < decisions.log_count; i++)
        n += decisions.log[i].kind == DRVSIM_SWITCH_THREAD && decisions.log[i].step % 2 == 1;
    return n;
}

Test(sched, private_accesses_are_never_preemption_points)
{
    decisions.record = true;
    access.on = true;
    access.shared = false;
    simulate(42, 2, "random+accesses", 3, 100);
    cr_assert_gt(decisions.log_count, 0, "the DDI points still switch");
    cr_assert_eq(switches_at_accesses(), 0);
    access.shared = true;
    simulate(42, 2, "random+accesses", 3, 100);
    cr_assert_gt(switches_at_accesses(), 0, "shared memory: accesses switch too");
    access.on = access.shared = false;
    decisions.record = false;
    free(decisions.log);
    decisions.log = NULL;
}

Test(sched, access_decisions_replay_by_meaning)
{
    uint32_t first[MAX_LOG];
    decisions.record = true;
    access.on = access.shared = true;
    uint32_t len = simulate(7, 2, "random+accesses", 3, 100);
    memcpy(first, host.log, sizeof first);
    cr_assert_gt(switches_at_accesses(), 0);
    decisions.record = false;
    decisions.replay = true;
    decisions.replayed = decisions.log;
    decisions.replayed_count = decisions.log_count;
    /* Another seed and strategy: the recorded decisions name the steps. */
    cr_assert_eq(simulate(99, 2, "pct:2+accesses", 3, 100), len);
    cr_assert_arr_eq(host.log, first, len * sizeof first[0]);
    decisions.replay = false;
    access.on = access.shared = false;
    free(decisions.log);
    decisions.log = NULL;
}

Test(sched, strategy_syntax)
{
    ke_sched s;
    cr_assert(ke_sched_parse("random", &s) && s.kind == KE_SCHED_RANDOM);
    cr_assert(ke_sched_parse("pct", &s) && s.kind == KE_SCHED_PCT && s.depth == 3 &&
              s.steps == KE_PCT_DEFAULT_STEPS);
    cr_assert(ke_sched_parse("pct:5", &s) && s.depth == 5 && s.steps == KE_PCT_DEFAULT_STEPS);
    cr_assert(ke_sched_parse("pct:2:300", &s) && s.depth == 2 && s.steps == 300);
    cr_assert(!s.accesses);
    /* "+accesses": the interleaving mode, after any strategy. */
    cr_assert(ke_sched_parse("random+accesses", &s) && s.kind == KE_SCHED_RANDOM && s.accesses);
    cr_assert(ke_sched_parse("pct:2:300+accesses", &s) && s.kind == KE_SCHED_PCT && s.depth == 2 &&
              s.steps == 300 && s.accesses);
    cr_assert(ke_sched_parse("directed:a.lua:12+accesses", &s) && s.kind == KE_SCHED_DIRECTED &&
              s.site_line[0] == 12 && s.accesses);
    cr_assert_str_eq(s.site[0], "a.lua:12");
    const char *bad[] = {"",
                         "Random",
                         "pct:",
                         "pct:0",
                         "pct:17",
                         "pct:3:",
                         "pct:3:0",
                         "pct:3:5:7",
                         "pct:-1",
                         "pct:3x",
                         "pct3",
                         "pct:3:1e3",
                         "+accesses",
                         "accesses",
                         "random+access",
                         "random+accesses+accesses",
                         "pct:3:+accesses",
                         "random+ACCESSES",
                         "random +accesses"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(ke_sched_parse(bad[i], &s), "\"%s\" was accepted", bad[i]);
}

Test(sched, directed_syntax)
{
    ke_sched s;
    cr_assert(ke_sched_parse("directed:a.lua:12", &s) && s.kind == KE_SCHED_DIRECTED);
    cr_assert_eq(s.site_count, 1);
    cr_assert_str_eq(s.site[0], "a.lua:12");
    cr_assert_eq(s.site_line[0], 12);
    /* The line is after the last colon: a path may hold one. */
    cr_assert(ke_sched_parse("directed:C:/x/a.lua:7,b.lua:300", &s) && s.site_count == 2);
    cr_assert_str_eq(s.site[0], "C:/x/a.lua:7");
    cr_assert_eq(s.site_line[0], 7);
    cr_assert_str_eq(s.site[1], "b.lua:300");
    cr_assert_eq(s.site_line[1], 300);
    cr_assert(ke_sched_parse("directed:a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8", &s) &&
              s.site_count == KE_DIRECTED_MAX_SITES);
    const char *bad[] = {"directed",
                         "directed:",
                         "directed:a.lua",
                         "directed::12",
                         "directed:a.lua:0",
                         "directed:a.lua:012",
                         "directed:a.lua:x",
                         "directed:a.lua:1,",
                         "directed:,a.lua:1",
                         "directed:a:1,,a:2",
                         "directed:a.lua:1x",
                         "directed:a.lua:12345678901",
                         "directed:a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(ke_sched_parse(bad[i], &s), "\"%s\" was accepted", bad[i]);
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                    */
/* ------------------------------------------------------------------------ */

static ke_machine *m;
static ke_call base;

static void boot(uint32_t cpus)
{
    ke_config config = tm_config(3, cpus, KE_ARCH_X64);
    ke_host h = tm_passive_host();
    m = tm_boot(&config, &h, NULL, true);
    base = tm_call(m, 0);
}

static void boot_up(void)
{
    boot(1);
}

static void boot_mp(void)
{
    boot(2);
}

static void shutdown(void)
{
    ke_machine_destroy(m);
    m = NULL;
}

static ke_call at(uint16_t ddi)
{
    ke_call c = base;
    c.ddi = ddi;
    return c;
}

static PVOID_VA entry(void)
{
    return tm_alloc(m, 32);
}

static PVOID_VA link_of(PVOID_VA e, const char *name)
{
    ke_call c = base;
    uint64_t v = 0;
    cr_assert(ke_field_get(&c, e, ke_type_field(KE_TYPE_LIST_ENTRY, name), &v));
    return v;
}

/* The two halves of a resumable routine, as the binding makes them. */
static void insert_tail(PVOID_VA head, PVOID_VA e)
{
    ke_call c = at(DDI_InsertTailList);
    InsertTailList(&c, head, e);
    cr_assert(c.again, "InsertTailList did its stores without a preemption point");
    c.again = false;
    InsertTailList(&c, head, e);
    cr_assert_not(c.again);
}

static PVOID_VA remove_head(PVOID_VA head)
{
    ke_call c = at(DDI_RemoveHeadList);
    RemoveHeadList(&c, head);
    cr_assert(c.again);
    c.again = false;
    return RemoveHeadList(&c, head);
}

TestSuite(lists, .init = boot_up, .fini = shutdown);

Test(lists, fifo_order_and_empty_head)
{
    PVOID_VA head = entry(), a = entry(), b = entry(), c = entry();
    ke_call call = at(DDI_InitializeListHead);
    InitializeListHead(&call, head);
    cr_assert(IsListEmpty(&call, head));
    insert_tail(head, a);
    insert_tail(head, b);
    insert_tail(head, c);
    cr_assert_not(IsListEmpty(&call, head));
    cr_assert_eq(link_of(head, "Flink"), a);
    cr_assert_eq(link_of(head, "Blink"), c);
    cr_assert_eq(link_of(b, "Blink"), a);
    cr_assert_eq(remove_head(head), a);
    cr_assert_eq(remove_head(head), b);
    cr_assert_eq(remove_head(head), c);
    cr_assert(IsListEmpty(&call, head));
    cr_assert_not(ke_stopped(m));
}

Test(lists, remove_entry_says_when_the_list_is_empty)
{
    PVOID_VA head = entry(), a = entry(), b = entry();
    ke_call call = at(DDI_InitializeListHead);
    InitializeListHead(&call, head);
    insert_tail(head, a);
    insert_tail(head, b);
    ke_call r = at(DDI_RemoveEntryList);
    RemoveEntryList(&r, a);
    r.again = false;
    cr_assert_not(RemoveEntryList(&r, a));
    r = at(DDI_RemoveEntryList);
    RemoveEntryList(&r, b);
    r.again = false;
    cr_assert(RemoveEntryList(&r, b));
    cr_assert(IsListEmpty(&call, head));
}

Test(lists, a_double_remove_fails_fast)
{
    PVOID_VA head = entry(), a = entry(), b = entry();
    ke_call call = at(DDI_InitializeListHead);
    InitializeListHead(&call, head);
    insert_tail(head, a);
    insert_tail(head, b);
    ke_call r = at(DDI_RemoveEntryList);
    RemoveEntryList(&r, a);
    r.again = false;
    RemoveEntryList(&r, a);
    cr_assert_not(ke_stopped(m));
    r = at(DDI_RemoveEntryList);
    RemoveEntryList(&r, a); /* its neighbours no longer point back at it */
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0x139);
    cr_assert_eq(m->bugcheck.params[0], 3);
    cr_assert_str_eq(m->bugcheck.rule, "klist_entry_corrupted");
}

Test(lists, stale_stores_lose_an_update)
{
    /* The race in miniature: an insert's loads, then (on another processor,
     * here simply before the insert's stores) a removal of the last entry:
     * the insert links its entry behind the removed one. */
    PVOID_VA head = entry(), a = entry(), e = entry();
    ke_call call = at(DDI_InitializeListHead);
    InitializeListHead(&call, head);
    insert_tail(head, a);
    ke_call ins = at(DDI_InsertTailList);
    InsertTailList(&ins, head, e); /* loads: the tail is a */
    cr_assert(ins.again);
    /* The removal runs as another execution: its own resume state. */
    ke_exec other = *base.exec;
    other.resume_ddi = 0;
    ke_call rem = at(DDI_RemoveHeadList);
    rem.exec = &other;
    RemoveHeadList(&rem, head);
    rem.again = false;
    cr_assert_eq(RemoveHeadList(&rem, head), a);
    cr_assert(IsListEmpty(&call, head));
    ins.again = false;
    InsertTailList(&ins, head, e); /* stores with the stale tail */
    cr_assert(IsListEmpty(&call, head), "the forward links lost e");
    cr_assert_eq(link_of(head, "Blink"), e, "the backward links kept it");
    /* The next insert at the head sees the head's neighbour disagree. */
    ke_call hi = at(DDI_InsertHeadList);
    InsertHeadList(&hi, head, entry());
    cr_assert(ke_stopped(m));
    cr_assert_eq(m->bugcheck.code, 0x139);
}

Test(lists, single_lists_are_lifo)
{
    PVOID_VA head = entry(), a = entry(), b = entry();
    ke_call c = base;
    cr_assert(ke_field_set(&c, head, ke_type_field(KE_TYPE_SINGLE_LIST_ENTRY, "Next"), 0));
    ke_call p = at(DDI_PushEntryList);
    PushEntryList(&p, head, a);
    p.again = false;
    PushEntryList(&p, head, a);
    p = at(DDI_PushEntryList);
    PushEntryList(&p, head, b);
    p.again = false;
    PushEntryList(&p, head, b);
    ke_call q = at(DDI_PopEntryList);
    PopEntryList(&q, head);
    q.again = false;
    cr_assert_eq(PopEntryList(&q, head), b);
    q = at(DDI_PopEntryList);
    PopEntryList(&q, head);
    q.again = false;
    cr_assert_eq(PopEntryList(&q, head), a);
    q = at(DDI_PopEntryList);
    PopEntryList(&q, head);
    q.again = false;
    cr_assert_eq(PopEntryList(&q, head), 0);
}

Test(lists_mp, interlocked_forms_are_atomic_and_spin_on_a_held_lock, .init = boot_mp,
     .fini = shutdown)
{
    PVOID_VA head = entry(), lock = entry(), a = entry(), b = entry();
    ke_call call = at(DDI_InitializeListHead);
    InitializeListHead(&call, head);
    KeInitializeSpinLock(&call, lock);
    ke_call x = at(DDI_ExInterlockedInsertTailList);
    cr_assert_eq(ExInterlockedInsertTailList(&x, head, a, lock), 0, "empty before");
    cr_assert_not(x.again || x.spin);
    cr_assert_eq(ExInterlockedInsertTailList(&x, head, b, lock), a, "the old tail");
    /* Another processor holds the lock: the call spins, the list is
     * untouched, and the lock is still the other processor's. */
    uint64_t other = 2; /* processor 1's number + 1 */
    cr_assert(ke_field_set(&call, lock, ke_type_field(KE_TYPE_LIST_ENTRY, "Flink"), other));
    x = at(DDI_ExInterlockedRemoveHeadList);
    ExInterlockedRemoveHeadList(&x, head, lock);
    cr_assert(x.spin);
    cr_assert_eq(link_of(head, "Flink"), a);
    cr_assert_eq(link_of(lock, "Flink"), other);
    /* Released: the retry removes a. */
    cr_assert(ke_field_set(&call, lock, ke_type_field(KE_TYPE_LIST_ENTRY, "Flink"), 0));
    x = at(DDI_ExInterlockedRemoveHeadList);
    cr_assert_eq(ExInterlockedRemoveHeadList(&x, head, lock), a);
    cr_assert_eq(link_of(lock, "Flink"), 0, "released again");
    x = at(DDI_ExInterlockedRemoveHeadList);
    cr_assert_eq(ExInterlockedRemoveHeadList(&x, head, lock), b);
    x = at(DDI_ExInterlockedRemoveHeadList);
    cr_assert_eq(ExInterlockedRemoveHeadList(&x, head, lock), 0, "NULL when empty");
}

/* ------------------------------------------------------------------------ */
/* ke_delay_call: delay fuzzing's hold                                      */
/* ------------------------------------------------------------------------ */

Test(delay, a_thread_below_dispatch_waits_and_the_processor_runs_another)
{
    /* One processor, two workers: without a delay the first runs to its
     * end before the second starts (uniprocessor_runs_each_thread_...). */
    uint32_t plain[MAX_LOG];
    uint32_t len = simulate(5, 1, "random", 2, 20);
    memcpy(plain, host.log, sizeof plain);
    uint32_t first = plain[0];
    /* Held back at PASSIVE_LEVEL: its thread waits, the second worker runs
     * all its steps meanwhile, then the first goes on. */
    delay = (delay_spec){.on = true, .delay_100ns = 1000};
    cr_assert_eq(simulate(5, 1, "random", 2, 20), len);
    cr_assert_not(delay.stalled);
    cr_assert_eq(delay.thread, first, "the worker held back is the one that ran first");
    cr_assert_neq(host.log[0], first, "the other worker ran first");
    cr_assert_eq(host.log[len - 1], first);
    cr_assert_eq(switches(host.log, len), 1);
    cr_assert_geq(delay.resumed_at - delay.held_at, 1000);
    delay = (delay_spec){0};
}

Test(delay, at_dispatch_level_the_processor_stalls)
{
    uint32_t plain[MAX_LOG];
    uint32_t len = simulate(5, 1, "random", 2, 20);
    memcpy(plain, host.log, sizeof plain);
    /* Held back at DISPATCH_LEVEL: nothing can be descheduled, the only
     * processor stalls, and the run's order is the plain one. */
    delay = (delay_spec){.on = true, .dispatch = true, .delay_100ns = 1000};
    cr_assert_eq(simulate(5, 1, "random", 2, 20), len);
    cr_assert(delay.stalled);
    cr_assert_arr_eq(plain, host.log, len * sizeof plain[0]);
    cr_assert_geq(delay.resumed_at - delay.held_at, 1000);
    delay = (delay_spec){0};
}

Test(delay, a_stall_lets_the_other_processor_run)
{
    /* Two processors: while the first worker's processor stalls, the
     * second worker runs alone on the other, so all its steps may come
     * before the first's; same seed, same run. */
    delay = (delay_spec){.on = true, .dispatch = true, .delay_100ns = 100000};
    uint32_t len = simulate(3, 2, "random", 2, 20);
    cr_assert(delay.stalled);
    uint32_t first[MAX_LOG];
    memcpy(first, host.log, sizeof first);
    cr_assert_eq(host.log[len - 1], delay.thread);
    cr_assert_neq(host.log[0], delay.thread);
    uint32_t i = 0;
    while (i < len && host.log[i] == host.log[0])
        i++;
    cr_assert_eq(i, 20, "the second worker ran its 20 steps during the stall");
    cr_assert_eq(simulate(3, 2, "random", 2, 20), len);
    cr_assert_arr_eq(first, host.log, len * sizeof first[0]);
    delay = (delay_spec){0};
}

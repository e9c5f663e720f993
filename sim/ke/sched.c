/*
 * sched.c - the scheduler: which processor's code runs next.
 *
 * Every processor runs concurrently in the simulated machine; the host runs
 * one execution at a time. Each DDI call is a preemption point where the
 * scheduler may switch to another processor's execution, chosen from the
 * run's "sched" stream: the interleavings a real multiprocessor produces are
 * the ones seeds explore, and a seed reproduces its interleaving exactly.
 *
 * Time passes as work is done (each DDI call costs KE_CALL_COST_100NS) and
 * jumps to the next event when no processor has work (FoundationDB's shape).
 * Events due are fired at the next scheduling decision, which is why a
 * preemption point yields when one is due.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex/work.h"
#include "io/io.h"
#include "kd/kd.h"
#include "ke/hooks.h"
#include "ke/ke.h"
#include "mm/mm.h"
#include "ps/ps.h"
#include "ob/ob.h"

/* ------------------------------------------------------------------------ */
/* Frames                                                                   */
/* ------------------------------------------------------------------------ */

void ke_exec_prepare(ke_exec *e, ke_thread *context, uint32_t cpu, uint32_t routine,
                     io_driver *driver, const char *name)
{
    /* Everything but the frame array and the callouts' (1.3 KB, most of
     * the struct; a DPC's execution is prepared again at every run): only
     * their first frame_count and callout_count entries are read, and each
     * push writes its entry whole (ke_push_frame, the callouts' memset).
     * The callouts' array, once allocated, stays the execution's. */
    _Static_assert(offsetof(ke_exec, frames) < offsetof(ke_exec, frame_count) &&
                       offsetof(ke_exec, frame_count) < offsetof(ke_exec, callouts) &&
                       offsetof(ke_exec, callouts) < offsetof(ke_exec, callout_count),
                   "the arrays lie between the cleared parts");
    memset(e, 0, offsetof(ke_exec, frames));
    memset(&e->frame_count, 0, offsetof(ke_exec, callouts) - offsetof(ke_exec, frame_count));
    memset(&e->callout_count, 0, sizeof *e - offsetof(ke_exec, callout_count));
    e->thread = context;
    e->cpu = cpu;
    e->start_routine = routine;
    e->start_driver = driver;
    e->start_name = name;
}

bool ke_callout_stack_room(ke_call *call)
{
    ke_machine *m = call->m;
    ke_exec *e = call->exec;
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint64_t level_bytes = x86 ? KE_ROUTINE_FRAME_BYTES_X86 + KE_KERNEL_FRAME_BYTES_X86
                               : KE_ROUTINE_FRAME_BYTES_X64 + KE_KERNEL_FRAME_BYTES_X64;
    uint64_t stack_bytes = x86 ? KE_KERNEL_STACK_BYTES_X86 : KE_KERNEL_STACK_BYTES_X64;
    /* The start (one level's worth) and the callouts already nested. */
    uint64_t used_bytes = ((uint64_t)e->callout_count + 2) * level_bytes;
    if (used_bytes <= stack_bytes) {
        KE_CHECK(m, e->callout_count < KE_MAX_CALLOUTS);
        if (e->callouts == NULL) {
            e->callouts = malloc(KE_MAX_CALLOUTS * sizeof *e->callouts);
            if (e->callouts == NULL)
                ke_panic(m, __FILE__, __LINE__, "out of host memory calling a routine back");
        }
        return true;
    }
    /* The next frame lands in the guard page below the stack; the page
     * fault cannot push its trap frame there, so the processor takes a
     * double fault. P2..P4 (the trap's registers on x86, reserved on x64)
     * are not modelled: 0. */
    char detail[200];
    snprintf(detail, sizeof detail,
             "the kernel stack (%llu KB) overflowed: callback %u levels deep, %llu bytes of "
             "frames",
             (unsigned long long)(stack_bytes >> 10), e->callout_count + 1,
             (unsigned long long)used_bytes);
    const uint64_t p[4] = {8, 0, 0, 0};
    kd_raise_full(call, RULE_kstack_overflow, 0x7F, p, NULL, detail);
    return false;
}

uint8_t ke_exec_role(const ke_exec *e)
{
    if (e->is_isr)
        return KE_ROLE_ISR;
    if (e->is_dpc)
        return KE_ROLE_DPC; /* a timer's DPC and an I/O timer routine too */
    if (e->thread->work_queue != NULL)
        return KE_ROLE_WORK_ITEM;
    return e->start_routine != 0 ? KE_ROLE_THREAD : KE_ROLE_NONE;
}

uint8_t ke_callout_role(const ke_callout *c)
{
    switch ((ke_callout_kind)c->kind) {
    case KE_CALLOUT_SYNCHRONIZE:
        return KE_ROLE_SYNCHRONIZE;
    case KE_CALLOUT_DISPATCH:
        return KE_ROLE_DISPATCH;
    case KE_CALLOUT_COMPLETION:
        return KE_ROLE_COMPLETION;
    case KE_CALLOUT_CANCEL:
        return KE_ROLE_CANCEL;
    case KE_CALLOUT_STARTIO:
        return KE_ROLE_STARTIO;
    case KE_CALLOUT_CSQ:
    case KE_CALLOUT_QUERY_ROUTINE:
    case KE_CALLOUT_REGISTRY:
    case KE_CALLOUT_POWER_COMPLETE:
    case KE_CALLOUT_DMA:
        return KE_ROLE_OTHER;
    }
    return KE_ROLE_OTHER;
}

/* A driver routine starts or returns: the hook's ROUTINE_ENTER / EXIT, with
 * the frame on top. */
static void routine_event(ke_machine *m, ke_exec *e, ke_event_kind kind, uint64_t result)
{
    if (!ke_hook_wanted(m, kind))
        return;
    const ke_frame *f = &e->frames[e->frame_count - 1];
    ke_event ev = {.kind = (uint8_t)kind,
                   .role = f->role,
                   .irql = m->cpus[e->cpu].irql,
                   .exec = e,
                   .thread = e->thread,
                   .driver = f->driver,
                   .address = f->code,
                   .name = f->routine,
                   .result = result};
    ke_hook(m, &ev);
}

void ke_push_frame(ke_exec *e, io_driver *driver, const char *routine, uint64_t code, uint8_t role)
{
    ke_machine *m = e->thread->machine;
    /* Routines nest through callouts, which the kernel stack bounds
     * (ke_callout_stack_room); the array holds them all. */
    KE_CHECK(m, e->frame_count < KE_MAX_FRAMES);
    e->frames[e->frame_count].driver = driver;
    e->frames[e->frame_count].routine = routine;
    e->frames[e->frame_count].code = code;
    e->frames[e->frame_count].role = role;
    e->frames[e->frame_count].irql = m->cpus[e->cpu].irql;
    e->frame_count++;

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_ROUTINE);
    des_rec_u32(&rec, e->thread->id);
    des_rec_u8(&rec, ke_trace_driver(driver));
    des_rec_str(&rec, routine);
    des_rec_u8(&rec, 1);
    ke_trace_commit(m, &rec);
    routine_event(m, e, KE_EVENT_ROUTINE_ENTER, 0);
}

void ke_pop_frame(ke_exec *e, uint64_t result)
{
    ke_machine *m = e->thread->machine;
    KE_CHECK(m, e->frame_count > 0);
    routine_event(m, e, KE_EVENT_ROUTINE_EXIT, result);
    e->frame_count--;
    const ke_frame *f = &e->frames[e->frame_count];

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_ROUTINE);
    des_rec_u32(&rec, e->thread->id);
    des_rec_u8(&rec, ke_trace_driver(f->driver));
    des_rec_str(&rec, f->routine);
    des_rec_u8(&rec, 0);
    ke_trace_commit(m, &rec);
}

uint64_t ke_caller_code(const ke_call *call)
{
    if (call->driver == NULL)
        return 0;
    for (uint32_t i = call->exec->frame_count; i > 0; i--) {
        const ke_frame *f = &call->exec->frames[i - 1];
        if (f->driver == call->driver)
            return f->code;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

void ke_ready_thread(ke_machine *m, ke_thread *t, NTSTATUS wait_status)
{
    KE_CHECK(m, t->state == KE_THREAD_WAITING);
    des_cancel(&m->des, &t->wake);
    t->state = KE_THREAD_READY;
    t->wait_status = wait_status;
    t->next_ready = NULL;
    if (m->ready_tail != NULL)
        m->ready_tail->next_ready = t;
    else
        m->ready_head = t;
    m->ready_tail = t;
    t->in_ready_queue = true;
    m->ready_count++;
    if (t->affinity != 0)
        m->ready_affine++;

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAKE);
    des_rec_u32(&rec, t->id);
    des_rec_u32(&rec, (uint32_t)wait_status);
    ke_trace_commit(m, &rec);
}

/* The first ready thread that may run on processor `cpu` (the head of the
 * queue unless a system affinity excludes it), or NULL. */
static ke_thread *first_ready_for(const ke_machine *m, uint32_t cpu)
{
    ke_thread *t = m->ready_head;
    while (t != NULL && !ke_thread_allows(t, cpu))
        t = t->next_ready;
    return t;
}

void ke_unready_thread(ke_machine *m, ke_thread *t)
{
    KE_CHECK(m, t->in_ready_queue);
    ke_thread *prev = NULL;
    for (ke_thread *p = m->ready_head; p != t; p = p->next_ready)
        prev = p;
    if (prev != NULL)
        prev->next_ready = t->next_ready;
    else
        m->ready_head = t->next_ready;
    if (m->ready_tail == t)
        m->ready_tail = prev;
    t->next_ready = NULL;
    t->in_ready_queue = false;
    m->ready_count--;
    if (t->affinity != 0)
        m->ready_affine--;
}

/* Takes the first ready thread processor `cpu` may run. */
static ke_thread *pop_ready(ke_machine *m, uint32_t cpu)
{
    ke_thread *t = first_ready_for(m, cpu);
    if (t != NULL)
        ke_unready_thread(m, t);
    return t;
}

void ke_terminate_thread(ke_machine *m, ke_thread *t, NTSTATUS status)
{
    if (t->state == KE_THREAD_TERMINATED)
        return;
    if (ke_hook_wanted(m, KE_EVENT_THREAD_TERMINATED)) {
        const ke_event ev = {.kind = KE_EVENT_THREAD_TERMINATED,
                             .irql = m->cpus[t->exec.cpu].irql,
                             .exec = &t->exec,
                             .thread = t,
                             .driver = t->creator,
                             .address = t->object->va};
        ke_hook_send(m, &ev);
        if (ke_stopped(m))
            return;
    }
    t->state = KE_THREAD_TERMINATED;
    t->exit_status = status;
    des_cancel(&m->des, &t->wake);
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_EXIT);
    des_rec_u32(&rec, t->id);
    des_rec_u32(&rec, (uint32_t)status);
    ke_trace_commit(m, &rec);
    /* A thread object is a notification object: signalled for good. */
    t->object->signal_state = 1;
    ke_object_signal(m, t->object);
    ob_thread_ended(m, t);
    /* A user process ends with its last thread, as on Windows (System
     * never does; Idle threads never end). */
    KE_CHECK(m, t->process->live_threads > 0 || t->idle);
    if (!t->idle && --t->process->live_threads == 0 && t->process != m->system_process)
        ps_process_ended(m, t->process, t);
    if (t == m->harness)
        ke_stop_machine(m, KE_STOP_FINISHED, "the scenario's run() body returned");
}

void ke_exec_ended(ke_machine *m, ke_exec *exec)
{
    if (exec->is_isr) {
        ke_isr_ended(m, exec);
        return;
    }
    if (exec->is_dpc) {
        ke_dpc_ended(m, exec);
        return;
    }
    /* A worker thread's routine returned: it goes on with its queue. */
    if (exec->thread->work_queue != NULL) {
        ex_worker_returned(m, exec->thread);
        return;
    }
    /* Returning from a thread's start routine ends the thread, as
     * PsTerminateSystemThread(STATUS_SUCCESS) would, checks included. */
    ke_call call = {.m = m, .exec = exec, .thread = exec->thread, .driver = exec->start_driver};
    if (!ke_thread_exit_checks(&call, exec->thread))
        return;
    ke_terminate_thread(m, exec->thread, STATUS_SUCCESS);
}

/* ------------------------------------------------------------------------ */
/* IRQL and the DPC watchdog                                                */
/* ------------------------------------------------------------------------ */

/* ke_cpu_dispatch_entered, which arms the watchdog, is in irql.c, inline in
 * KeRaiseIrql. */

/* A processor stayed at DISPATCH_LEVEL or above for the whole watchdog
 * period: DPC_WATCHDOG_VIOLATION, P1 = 1 (cumulative), P2 the period in
 * clock ticks, P3 the triage block (not modelled: 0). The code it runs is
 * blamed. */
static void watchdog_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    ke_processor *cpu = DES_CONTAINER_OF(ev, ke_processor, watchdog);
    ke_machine *m = cpu->machine;
    ke_exec *e = &cpu->current->exec;
    const ke_frame *f = ke_top_frame(e);
    ke_call call = {.m = m, .exec = e, .thread = e->thread, .driver = f ? f->driver : NULL};
    const uint64_t p[4] = {1, KE_DPC_WATCHDOG_PERIOD_TICKS, 0, 0};
    /* A processor spinning on a lock (its holder spinning too, or unable
     * to run): Windows' outcome of a spin deadlock, with its graph. */
    char spins[320];
    const char *spin_text = ke_deadlock_spin_text(m, cpu, spins, sizeof spins);
    if (cpu->in_dpc || cpu->dpc_drain) {
        /* A drain that never emptied: the DPC running (or the last one)
         * is blamed. */
        char detail[200];
        e = &cpu->dpc_exec;
        f = ke_top_frame(e);
        call.exec = e;
        call.driver = f != NULL ? f->driver : e->start_driver;
        snprintf(detail, sizeof detail,
                 "CPU %u ran %llu DPCs back-to-back without its DPC queue emptying", cpu->number,
                 (unsigned long long)cpu->drain_runs);
        kd_raise_full(&call, RULE_kdpc_watchdog, 0x133, p, call.driver,
                      spin_text != NULL ? spin_text : detail);
        return;
    }
    kd_raise_full(&call, RULE_kdpc_watchdog, 0x133, p, NULL, spin_text);
}

void ke_cpu_init_watchdog(ke_machine *m, ke_processor *cpu)
{
    cpu->machine = m;
    des_event_init(&cpu->watchdog, watchdog_fire);
}

void ke_spin(ke_call *call, PVOID_VA lock)
{
    ke_machine *m = call->m;
    ke_processor *cpu = ke_call_cpu(call);
    call->spin = true;
    if (cpu->spinning_on == lock)
        return;
    cpu->spinning_on = lock;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_SPIN);
    des_rec_u8(&rec, (uint8_t)cpu->number);
    des_rec_u64(&rec, lock);
    ke_trace_commit(m, &rec);
}

/* Whether a spinning processor's lock is still held (it cannot run). */
static bool spinning(const ke_machine *m, const ke_processor *cpu)
{
    if (cpu->spinning_on == 0)
        return false;
    uint64_t owner = 0;
    mm_peek(m->mm, cpu->spinning_on, &owner, m->config.arch == KE_ARCH_X86 ? 4 : 8);
    return owner != 0;
}

/* ------------------------------------------------------------------------ */
/* Choosing what runs                                                       */
/* ------------------------------------------------------------------------ */

/* The lowest set bit's index at or above `from` in a processor mask, or
 * KE_MAX_CPUS when there is none. */
static uint32_t next_cpu_in(uint64_t mask, uint32_t from)
{
    if (from >= KE_MAX_CPUS)
        return KE_MAX_CPUS;
    mask &= ~0ull << from;
    return mask == 0 ? KE_MAX_CPUS : (uint32_t)__builtin_ctzll(mask);
}

/* The processors with work: one running (or preempted) thread each, and
 * idle processors for as many threads as wait in the ready queue. In
 * processor order, so the choice among them depends on the seed only.
 *
 * Called at every DDI's preemption point: it visits the busy processors
 * (m->busy_cpus) and the idle ones the ready threads will take, not every
 * processor, so that a call costs the same on 64 processors as on 1 when
 * most are idle (issue 18). Held processors (--sched directed) and ready
 * threads with a system affinity take the full walk, processor by
 * processor, as before. */
static uint32_t candidates(ke_machine *m, uint32_t out[KE_MAX_CPUS])
{
    /* The queue's counts are kept as threads join and leave it. */
    bool constrained = m->ready_affine != 0;
    uint32_t n = 0, ready = m->ready_count;
    uint64_t epoch = constrained ? ++m->claim_epoch : 0;
    uint64_t all = m->cpu_count >= 64 ? ~0ull : (1ull << m->cpu_count) - 1;
    uint64_t visit = all;
    if (!constrained && m->held_count == 0) {
        /* The busy processors, and the first idle ones, in processor
         * order, one for each ready thread: what the walk below would
         * pick, without looking at the others. */
        visit = m->busy_cpus;
        for (uint64_t idle = all & ~m->busy_cpus; ready > 0 && idle != 0; ready--) {
            uint64_t lowest = idle & (~idle + 1);
            visit |= lowest;
            idle &= ~lowest;
        }
        ready = m->ready_count;
    }
    for (uint32_t i = next_cpu_in(visit, 0); i < m->cpu_count; i = next_cpu_in(visit, i + 1)) {
        const ke_processor *cpu = &m->cpus[i];
        if (cpu->held)
            continue; /* --sched directed: stalled */
        if (cpu->in_isr || cpu->in_dpc || !cpu->current->idle) {
            if (!spinning(m, cpu) && !cpu->stalled)
                out[n++] = i;
        } else if (ready > 0 && !constrained) {
            out[n++] = i;
            ready--;
        } else if (ready > 0) {
            /* A thread with a system affinity waits for one of its
             * processors: each idle processor gets the first unclaimed
             * thread it may run, in processor order. */
            for (ke_thread *t = m->ready_head; t != NULL; t = t->next_ready) {
                if (t->claim != epoch && ke_thread_allows(t, i)) {
                    t->claim = epoch;
                    out[n++] = i;
                    ready--;
                    break;
                }
            }
        }
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Strategies                                                               */
/* ------------------------------------------------------------------------ */

/* "directed:FILE:LINE[,FILE:LINE...]": each site's line after its last
 * colon, decimal, 1 or more; the file before it, not empty. */
static bool parse_directed(const char *list, ke_sched *out)
{
    ke_sched s = {.kind = KE_SCHED_DIRECTED};
    const char *p = list;
    while (true) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= KE_DIRECTED_SITE_BYTES || s.site_count == KE_DIRECTED_MAX_SITES)
            return false;
        char *site = s.site[s.site_count];
        memcpy(site, p, len);
        site[len] = '\0';
        const char *colon = strrchr(site, ':');
        if (colon == NULL || colon == site || colon[1] < '1' || colon[1] > '9' ||
            strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 9)
            return false;
        s.site_line[s.site_count++] = (uint32_t)strtoul(colon + 1, NULL, 10);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = s;
    return true;
}

static bool parse_strategy(const char *text, ke_sched *out);

bool ke_sched_parse(const char *text, ke_sched *out)
{
    /* "+accesses" after the strategy: the interleaving mode (share.c). A
     * directed site's line ends in digits, so the suffix is never part of
     * one. */
    static const char suffix[] = "+accesses";
    size_t len = strlen(text), n = sizeof suffix - 1;
    if (len <= n || strcmp(text + len - n, suffix) != 0)
        return parse_strategy(text, out);
    char strategy[16 + KE_DIRECTED_MAX_SITES * KE_DIRECTED_SITE_BYTES];
    if (len - n >= sizeof strategy)
        return false;
    memcpy(strategy, text, len - n);
    strategy[len - n] = '\0';
    if (!parse_strategy(strategy, out))
        return false;
    out->accesses = true;
    return true;
}

static bool parse_strategy(const char *text, ke_sched *out)
{
    if (strcmp(text, "random") == 0) {
        *out = (ke_sched){.kind = KE_SCHED_RANDOM};
        return true;
    }
    if (strncmp(text, "directed:", 9) == 0)
        return parse_directed(text + 9, out);
    if (strncmp(text, "pct", 3) != 0)
        return false;
    ke_sched s = {.kind = KE_SCHED_PCT, .depth = 3, .steps = KE_PCT_DEFAULT_STEPS};
    const char *p = text + 3;
    for (int field = 0; *p != '\0'; field++) {
        /* ":D" then ":K", decimal, no sign, no leading zero games. */
        if (field > 1 || *p != ':' || p[1] < '0' || p[1] > '9')
            return false;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p + 1, &end, 10);
        if (errno != 0 || (*end != '\0' && *end != ':'))
            return false;
        if (field == 0) {
            if (v < 1 || v > KE_PCT_MAX_DEPTH)
                return false;
            s.depth = (uint32_t)v;
        } else {
            if (v < 1 || v > (1ull << 40))
                return false;
            s.steps = v;
        }
        p = end;
    }
    *out = s;
    return true;
}

/* Orders decision names: kind, id, run, step. */
static int switch_cmp(const void *pa, const void *pb)
{
    const drvsim_switch *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    if (a->run != b->run)
        return a->run < b->run ? -1 : 1;
    if (a->step != b->step)
        return a->step < b->step ? -1 : 1;
    return 0;
}

/* The replayed decisions, sorted for lookup. False on host OOM. */
static bool switch_replay_init(ke_machine *m)
{
    size_t n = m->config.replay_switch_count;
    if (n == 0)
        return true;
    m->switch_replay = malloc(n * sizeof *m->switch_replay);
    if (m->switch_replay == NULL)
        return false;
    memcpy(m->switch_replay, m->config.replay_switches, n * sizeof *m->switch_replay);
    qsort(m->switch_replay, n, sizeof *m->switch_replay, switch_cmp);
    m->switch_replay_count = n;
    return true;
}

void ke_sched_fini(ke_machine *m)
{
    free(m->switch_replay);
    free(m->switch_log);
    m->switch_replay = m->switch_log = NULL;
    m->switch_replay_count = m->switch_log_count = m->switch_log_capacity = 0;
}

void ke_sched_init(ke_machine *m)
{
    if (!switch_replay_init(m))
        ke_panic(m, __FILE__, __LINE__, "out of host memory for the replayed decisions");
    const ke_sched *s = &m->config.sched;
    if (s->kind != KE_SCHED_PCT)
        return; /* random (and directed) draw at each decision only: digests stay as they were */
    KE_CHECK(m, s->depth >= 1 && s->depth <= KE_PCT_MAX_DEPTH && s->steps >= 1);
    /* D - 1 change points among the first K decisions, kept ascending. */
    m->pct_change_count = s->depth - 1;
    for (uint32_t i = 0; i < m->pct_change_count; i++) {
        uint64_t step = 1 + des_rng_below(&m->rng_sched, s->steps);
        uint32_t j = i;
        for (; j > 0 && m->pct_change[j - 1] > step; j--)
            m->pct_change[j] = m->pct_change[j - 1];
        m->pct_change[j] = step;
    }
}

/* Initial PCT priorities are drawn from above the change points' (1..D-1),
 * from a range wide enough that ties are rare; a tie goes to the processor
 * listed first. */
#define KE_PCT_PRIORITY_RANGE (1u << 24)

static uint32_t priority(ke_machine *m, ke_exec *e)
{
    if (e->pct_priority == 0)
        e->pct_priority =
            m->config.sched.depth + (uint32_t)des_rng_below(&m->rng_sched, KE_PCT_PRIORITY_RANGE);
    return e->pct_priority;
}

static ke_exec *running_exec(ke_processor *cpu);

/* What a candidate processor would run: its ISR, DPC or thread, or (an idle
 * one) the thread at the head of the ready queue. */
static ke_exec *candidate_exec(ke_machine *m, uint32_t i)
{
    ke_processor *cpu = &m->cpus[i];
    if (cpu->in_isr || cpu->in_dpc || !cpu->current->idle)
        return running_exec(cpu);
    ke_thread *t = first_ready_for(m, i);
    KE_CHECK(m, t != NULL);
    return &t->exec;
}

/* A scheduling decision among n >= 2 candidate processors. `running` is the
 * execution at the preemption point (NULL when none runs). */
static uint32_t choose(ke_machine *m, const uint32_t *cpus, uint32_t n, ke_exec *running)
{
    KE_CHECK(m, n >= 2);
    if (m->config.sched.kind != KE_SCHED_PCT)
        return cpus[des_rng_below(&m->rng_sched, n)]; /* random; directed chooses as random */
    m->sched_steps++;
    while (m->pct_change_next < m->pct_change_count &&
           m->pct_change[m->pct_change_next] <= m->sched_steps) {
        /* A change point: the running execution drops below every initial
         * priority (the later the change point, the lower). */
        if (running != NULL)
            running->pct_priority = m->pct_change_count - m->pct_change_next;
        m->pct_change_next++;
    }
    uint32_t best = cpus[0], best_priority = priority(m, candidate_exec(m, cpus[0]));
    for (uint32_t k = 1; k < n; k++) {
        uint32_t p = priority(m, candidate_exec(m, cpus[k]));
        if (p > best_priority) {
            best = cpus[k];
            best_priority = p;
        }
    }
    return best;
}

/* The name of the decision an execution is at. */
static drvsim_switch decision_of(const ke_exec *e)
{
    drvsim_switch d = {.step = e->steps};
    if (e->is_isr || e->is_dpc) {
        d.kind = e->is_isr ? DRVSIM_SWITCH_ISR : DRVSIM_SWITCH_DPC;
        d.id = e->cpu;
        d.run = e->run;
    } else {
        d.kind = DRVSIM_SWITCH_THREAD;
        d.id = e->thread->id;
    }
    return d;
}

static bool is_candidate(const uint32_t *cpus, uint32_t n, uint32_t cpu)
{
    for (uint32_t k = 0; k < n; k++) {
        if (cpus[k] == cpu)
            return true;
    }
    return false;
}

/*
 * Settles a decision by meaning. `chosen` is the strategy's choice (its
 * draws made, whatever happens next); `fallback` the replay default. When
 * replaying, the recorded processor runs if it still has work, else the
 * default; when recording, a choice other than the default is logged.
 */
static uint32_t settle(ke_machine *m, drvsim_switch name, const uint32_t *cpus, uint32_t n,
                       uint32_t chosen, uint32_t fallback)
{
    if (m->config.replay_switches_given) {
        chosen = fallback;
        const drvsim_switch *r =
            m->switch_replay_count == 0
                ? NULL
                : bsearch(&name, m->switch_replay, m->switch_replay_count, sizeof name, switch_cmp);
        if (r != NULL && is_candidate(cpus, n, r->cpu))
            chosen = r->cpu;
    }
    if (m->config.record_switches && chosen != fallback) {
        if (m->switch_log_count == m->switch_log_capacity) {
            size_t capacity = m->switch_log_capacity != 0 ? 2 * m->switch_log_capacity : 64;
            drvsim_switch *grown = realloc(m->switch_log, capacity * sizeof *grown);
            if (grown == NULL)
                ke_panic(m, __FILE__, __LINE__, "out of host memory recording decisions");
            m->switch_log = grown;
            m->switch_log_capacity = capacity;
        }
        name.cpu = chosen;
        m->switch_log[m->switch_log_count++] = name;
    }
    return chosen;
}

/* ------------------------------------------------------------------------ */
/* --sched directed: holding executions back at given scenario lines         */
/* ------------------------------------------------------------------------ */

/*
 * An execution that returns from a DDI called at one of the strategy's
 * sites (the first time the site is reached) is held back: its processor is
 * stalled, as a host preempting a virtual processor stalls it, while the
 * other processors run and simulated time goes on, so that timers fire and
 * threads started later get as far as they can. The holds end together,
 * when every site has been reached (the last execution to reach one is not
 * held at all), or when nothing else can happen: no other processor has
 * work and no event that might give one work is due within
 * KE_DIRECTED_MAX_HOLD_100NS of the first hold (nor before the run's time
 * limit). A stalled processor's DPC watchdog does not count the stall: the
 * host took the time, not the code at DISPATCH_LEVEL (a guest's clock
 * interrupt does not tick on a virtual processor that is not running); a
 * processor spinning meanwhile on a lock the held one owns counts its time,
 * as lock-holder preemption does on a real host. Everything depends on the
 * run's seed and the sites, so the replay line (--sched included)
 * reproduces the run, and a choice file records the strategy with the
 * decisions.
 */

static void hold_trace(ke_machine *m, ke_processor *cpu, bool held)
{
    const ke_exec *e = running_exec(cpu);
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_HOLD);
    des_rec_u8(&rec, (uint8_t)cpu->number);
    des_rec_u32(&rec, e->thread->id);
    des_rec_u8(&rec, held ? 1 : 0);
    ke_trace_commit(m, &rec);
}

static void directed_release_all(ke_machine *m)
{
    for (uint32_t i = 0; i < m->cpu_count && m->held_count > 0; i++) {
        ke_processor *cpu = &m->cpus[i];
        if (!cpu->held)
            continue;
        cpu->held = false;
        m->held_count--;
        if (cpu->held_watchdog_left_100ns != 0 &&
            !des_schedule(&m->des, &cpu->watchdog,
                          m->des.now_100ns + cpu->held_watchdog_left_100ns))
            ke_panic(m, __FILE__, __LINE__, "out of host memory re-arming the DPC watchdog");
        cpu->held_watchdog_left_100ns = 0;
        hold_trace(m, cpu, false);
    }
}

/* Whether the calling execution returns from a DDI called at a site not
 * reached yet; if so, it is held (true) unless it was the last one. */
static bool directed_hold(ke_call *call)
{
    ke_machine *m = call->m;
    const ke_sched *s = &m->config.sched;
    uint32_t all = (1u << s->site_count) - 1;
    if (m->directed_reached == all || m->host.site == NULL || m->host.site_name == NULL)
        return false;
    ke_site here = m->host.site(m->host.ctx, call->exec);
    uint32_t i = 0;
    char name[KE_DIRECTED_SITE_BYTES];
    name[0] = '\0';
    for (; i < s->site_count; i++) {
        if ((m->directed_reached & (1u << i)) != 0 || s->site_line[i] != here.line)
            continue;
        if (name[0] == '\0')
            m->host.site_name(m->host.ctx, here, name, sizeof name);
        if (strcmp(name, s->site[i]) == 0)
            break;
    }
    if (i == s->site_count)
        return false;
    m->directed_reached |= 1u << i;
    if (m->directed_reached == all) {
        directed_release_all(m);
        return false;
    }
    ke_processor *cpu = ke_call_cpu(call);
    cpu->held = true;
    if (m->held_count++ == 0)
        m->held_since_100ns = m->des.now_100ns;
    cpu->held_watchdog_left_100ns = 0;
    if (des_event_queued(&cpu->watchdog)) {
        uint64_t due = cpu->watchdog.due_100ns;
        cpu->held_watchdog_left_100ns = due > m->des.now_100ns ? due - m->des.now_100ns : 1;
        des_cancel(&m->des, &cpu->watchdog);
    }
    hold_trace(m, cpu, true);
    return true;
}

/* Nothing but held processors has work: whether the holds end now, rather
 * than time going on to the next event. */
static bool directed_release_due(const ke_machine *m)
{
    const des_event *next = des_peek(&m->des);
    if (next == NULL || ke_nothing_pending(m))
        return true;
    if (m->des.limits.max_time_100ns != 0 && next->due_100ns >= m->des.limits.max_time_100ns)
        return true;
    return next->due_100ns - m->held_since_100ns > KE_DIRECTED_MAX_HOLD_100NS;
}

static bool event_due(const ke_machine *m)
{
    const des_event *next = des_peek(&m->des);
    return next != NULL && next->due_100ns <= m->des.now_100ns;
}

/* The decision among several candidates, out of line: its candidate array
 * would otherwise give every DDI call's preemption point a large frame. */
static __attribute__((noinline)) bool decide_among(ke_call *call)
{
    ke_machine *m = call->m;
    uint32_t cpus[KE_MAX_CPUS];
    uint32_t n = candidates(m, cpus);
    if (n <= 1)
        return false;
    /* Any processor with work may run next, the caller's included. */
    uint32_t next = settle(m, decision_of(call->exec), cpus, n, choose(m, cpus, n, call->exec),
                           call->exec->cpu);
    if (next == call->exec->cpu)
        return false;
    m->next_cpu = (int32_t)next;
    return true;
}

/* A preemption point's decision, its step counted (see ke_sched_decide).
 * Inlined into ke_preempt_point_slow, as it was into ke_preempt_point before
 * access points shared it; ke_preempt_point (ke.h) answers its common
 * outcome inline. */
static inline __attribute__((always_inline)) bool decide(ke_call *call, bool ddi)
{
    ke_machine *m = call->m;
    if (ddi && m->config.sched.kind == KE_SCHED_DIRECTED && directed_hold(call))
        return true; /* held back: the loop runs something else */
    if (event_due(m) || m->des.now_100ns >= m->des.limits.max_time_100ns)
        return true; /* the loop fires it, and may run something else */
    ke_processor *cpu = ke_call_cpu(call);
    if (cpu->dpc_head != NULL && !cpu->in_dpc && cpu->irql < DISPATCH_LEVEL)
        return true; /* a DPC of this processor runs now, before the thread goes on */
    for (ke_interrupt *i = m->interrupts_head; i != NULL; i = i->next) {
        if (i->pending_cpus != 0) {
            /* An interrupt waits: any processor whose IRQL now allows it is
             * interrupted before anything else runs there. */
            for (uint32_t c = 0; c < m->cpu_count; c++) {
                if (ke_cpu_isr_deliverable(m, &m->cpus[c]))
                    return true;
            }
            break;
        }
    }
    /* No ready thread and no other busy processor: at most one candidate,
     * the caller, so candidates() need not be asked (the common case of a
     * DDI call; issue 18). */
    if (m->ready_count == 0 && (m->busy_cpus & (m->busy_cpus - 1)) == 0)
        return false;
    return decide_among(call);
}

/* ke_preempt_point's decision when it is not the common one (ke.h): the
 * call's time has passed and its step is counted. */
bool ke_preempt_point_slow(ke_call *call)
{
    return decide(call, true);
}

bool ke_sched_decide(ke_call *call, bool ddi)
{
    return decide(call, ddi);
}

/* Whether an execution is about to run code of a driver that has unloaded
 * (a thread it left behind): its image is gone, the page fault cannot be
 * served, and Windows stops with 0xCE. Raises it and returns true if so. */
static bool unloaded_code(ke_machine *m, ke_exec *e)
{
    const ke_frame *f = ke_top_frame(e);
    io_driver *d = f != NULL ? f->driver : (e->host == NULL ? e->start_driver : NULL);
    if (d == NULL || d->loaded)
        return false;
    ke_call call = {.m = m, .exec = e, .thread = e->thread, .driver = d};
    /* P1 the address referenced and P3 the code: the driver's image, as the
     * routine's own address is not modelled; P2 0, an instruction fetch. */
    uint64_t code = d->image_base + 0x1000u;
    const uint64_t p[4] = {code, 0, code, 0};
    kd_raise_full(&call, RULE_unloaded_code_executed, 0xCE, p, d, NULL);
    return true;
}

/* What a processor with work runs: the ISR that interrupts everything, the
 * DPC that interrupts its thread, or the thread. */
static ke_exec *running_exec(ke_processor *cpu)
{
    if (cpu->in_isr)
        return &cpu->isr_exec;
    if (cpu->in_dpc)
        return &cpu->dpc_exec;
    return &cpu->current->exec;
}

/* Runs processor i's current execution (assigning it a ready thread if it
 * is idle) until it yields. */
static void run_cpu(ke_machine *m, uint32_t i)
{
    ke_processor *cpu = &m->cpus[i];
    if (cpu->in_isr && cpu->isr_lock_wait)
        ke_isr_take_lock(m, cpu); /* a candidate: the lock is free now */
    if (!cpu->in_isr && !cpu->in_dpc && cpu->current->idle) {
        ke_thread *t = pop_ready(m, i);
        KE_CHECK(m, t != NULL);
        t->state = KE_THREAD_RUNNING;
        t->exec.cpu = i;
        cpu->current = t;
        ke_cpu_note_busy(m, cpu);
        ke_cpu_set_irql(m, cpu, t->wait_irql); /* the IRQL it waited at (WaitIrql) */
    }
    ke_exec *e = running_exec(cpu);
    ke_thread *t = cpu->current;
    /* A system worker thread between items takes the next one now; if it
     * is gone, the thread waits again and the processor is free. */
    if (e == &t->exec && t->work_queue != NULL && e->host == NULL && !ex_worker_start(m, t)) {
        cpu->current = cpu->idle_thread;
        ke_cpu_note_busy(m, cpu);
        return;
    }
    if (unloaded_code(m, e))
        return;
    if (m->last_exec != e) {
        m->last_exec = e;
        des_rec rec;
        ke_trace_begin(m, &rec, KE_TR_SWITCH);
        des_rec_u8(&rec, (uint8_t)i);
        /* Who runs: a thread id, 0 for a DPC, all ones for an ISR. */
        des_rec_u32(&rec, cpu->in_isr ? UINT32_MAX : cpu->in_dpc ? 0 : e->thread->id);
        ke_trace_commit(m, &rec);
    }
    m->host.resume(m->host.ctx, e);
    if (e == &t->exec && t->state != KE_THREAD_RUNNING && cpu->current == t) {
        cpu->current = cpu->idle_thread; /* it waits or ended: the processor is free */
        ke_cpu_note_busy(m, cpu);
    }
}

/* Fires every event due by now. */
static void fire_due(ke_machine *m)
{
    while (!ke_stopped(m) && event_due(m)) {
        if (des_step(&m->des) == DES_STOP_EVENT_LIMIT) {
            ke_stop_machine(m, KE_STOP_LIMIT, "event limit reached (%llu events)",
                            (unsigned long long)m->des.limits.max_events);
        }
    }
}

/* Nothing can run: let time jump to the next event, or say why the run
 * cannot go on. */
static void idle_step(ke_machine *m)
{
    char limit[32];
    switch (des_step(&m->des)) {
    case DES_FIRED:
        break;
    case DES_IDLE:
        /* ke_deadlock_check saw an empty queue first: not reached. */
        KE_CHECK(m, ke_stopped(m));
        break;
    case DES_STOP_EVENT_LIMIT:
        ke_stop_machine(m, KE_STOP_LIMIT, "event limit reached (%llu events)",
                        (unsigned long long)m->des.limits.max_events);
        break;
    case DES_STOP_TIME_LIMIT:
        /* The machine ran until the bound; the report says so. */
        des_advance(&m->des, m->des.limits.max_time_100ns - m->des.now_100ns);
        ke_stop_machine(m, KE_STOP_LIMIT, "simulated time limit reached (%s)",
                        des_format_time(m->des.limits.max_time_100ns, limit, sizeof limit));
        break;
    }
}

/* Interrupts start wherever one is pending and the IRQL allows it, in
 * processor order; only the processors an interrupt is pending on are
 * visited. */
static void start_isrs(ke_machine *m)
{
    uint64_t pending = 0;
    for (const ke_interrupt *i = m->interrupts_head; i != NULL; i = i->next)
        pending |= i->pending_cpus;
    for (uint32_t c = next_cpu_in(pending, 0); c < m->cpu_count; c = next_cpu_in(pending, c + 1))
        ke_cpu_start_isr(m, &m->cpus[c]);
}

/* DPCs start wherever one is queued (or a drain goes on) and the IRQL
 * allows it, in processor order; only the processors of m->dpc_cpus are
 * visited, and those found with nothing left to do leave it. The mask is
 * read afresh at each step, as starting one DPC may queue another. */
static void start_dpcs(ke_machine *m)
{
    for (uint32_t c = next_cpu_in(m->dpc_cpus, 0); c < m->cpu_count && !ke_stopped(m);
         c = next_cpu_in(m->dpc_cpus, c + 1)) {
        ke_processor *cpu = &m->cpus[c];
        ke_cpu_start_dpc(m, cpu);
        if (!cpu->in_dpc && cpu->dpc_head == NULL && !cpu->dpc_drain)
            m->dpc_cpus &= ~(1ull << c);
    }
}

ke_stop ke_run(ke_machine *m)
{
    char limit[32];
    while (!ke_stopped(m)) {
        if (m->des.limits.max_time_100ns != 0 && m->des.now_100ns >= m->des.limits.max_time_100ns) {
            ke_stop_machine(m, KE_STOP_LIMIT, "simulated time limit reached (%s)",
                            des_format_time(m->des.limits.max_time_100ns, limit, sizeof limit));
            break;
        }
        fire_due(m);
        if (ke_stopped(m))
            break;
        /* Interrupts, then DPCs, start wherever the IRQL allows, before
         * anything else runs. */
        start_isrs(m);
        start_dpcs(m);
        if (ke_stopped(m))
            break;
        uint32_t cpus[KE_MAX_CPUS];
        uint32_t n = candidates(m, cpus);
        if (n == 0) {
            if (m->held_count > 0 && directed_release_due(m))
                directed_release_all(m);
            else if (!ke_deadlock_check(m))
                idle_step(m);
            continue;
        }
        /* The processor a preemption point chose, if it still has work;
         * otherwise a draw among those that have. */
        uint32_t chosen = cpus[0];
        bool found = false;
        for (uint32_t k = 0; k < n && m->next_cpu >= 0; k++)
            found = found || cpus[k] == (uint32_t)m->next_cpu;
        if (found)
            chosen = (uint32_t)m->next_cpu;
        else if (n > 1)
            chosen =
                settle(m, (drvsim_switch){.kind = DRVSIM_SWITCH_IDLE, .step = ++m->idle_decisions},
                       cpus, n, choose(m, cpus, n, NULL), cpus[0]);
        m->next_cpu = -1;
        run_cpu(m, chosen);
    }
    return m->stop;
}

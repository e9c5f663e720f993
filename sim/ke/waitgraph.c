/*
 * waitgraph.c - real deadlocks: the wait-for graph of a machine where
 * nothing can run.
 *
 * The scheduler asks here when no processor has work (ke_deadlock_check).
 * Time would jump to the next event; but when every event still queued is
 * one that cannot make anything run (a timer with neither a DPC nor a
 * waiter, the lookaside depth scan over lists whose memory is there), no
 * thread will ever run again: the machine hangs. On Windows a wait
 * deadlock at PASSIVE_LEVEL or APC_LEVEL is exactly that, a hang with no
 * bug check, so the run stops here, at the simulated time the last thread
 * blocked, with outcome "deadlock" and the wait-for graph (CHESS and Coyote
 * report the same state: no thread enabled). Each waiting thread is listed
 * with each object it waits on (its kind, address, the scenario line of the
 * wait) and who owns it: a KMUTEX's, a fast mutex's and an ERESOURCE's
 * owners; "not owned" for events, semaphores and timers, as Driver
 * Verifier's deadlock pages say of non-owned resources; a thread object
 * names the thread whose end is awaited.
 *
 * The spin form (processors spinning on spin locks that executions which
 * are themselves spinning, or cannot run, hold) is different on Windows:
 * the spinners sit at DISPATCH_LEVEL, and the DPC watchdog ends the machine
 * with 0x133 DPC_WATCHDOG_VIOLATION (P1 = 1) when its period has passed.
 * drvsim keeps that outcome, the faithful one, at the simulated time the
 * watchdog fires (time jumps there at once: nothing else is queued that
 * could intervene), and adds the graph to the report
 * (ke_deadlock_spin_text, from the watchdog). Only spinners below
 * DISPATCH_LEVEL, which no watchdog times (KeAcquireSpinLockAtDpcLevel
 * misused at PASSIVE_LEVEL), end as a "deadlock".
 *
 * Idle system worker threads wait for work, not for a driver: they are
 * counted, not listed. Nothing here runs unless nothing can run, so a run
 * that does not deadlock is unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex/lookaside.h"
#include "ex/resource.h"
#include "io/io.h"
#include "ke/ke.h"
#include "mm/mm.h"

/* FAST_MUTEX (wdm.h): Owner after LONG Count (and its padding on x64). */
#define FM_OWNER_X64 0x08u
#define FM_OWNER_X86 0x04u

static const ke_exec *running_exec(const ke_processor *cpu)
{
    if (cpu->in_isr)
        return &cpu->isr_exec;
    if (cpu->in_dpc)
        return &cpu->dpc_exec;
    return &cpu->current->exec;
}

/* What an execution is, for a reader: "run() body", "ab.sys SystemThread",
 * "ab.sys DeferredRoutine (DPC)". */
static void describe_exec(const ke_machine *m, const ke_exec *e, char *buf, size_t len)
{
    const ke_frame *f = ke_top_frame(e);
    const io_driver *d = f != NULL ? f->driver : e->start_driver;
    const char *routine = f != NULL ? f->routine : e->start_name;
    const char *suffix = e->is_isr ? " (ISR)" : e->is_dpc ? " (DPC)" : "";
    if (d != NULL)
        snprintf(buf, len, "%s %s%s", d->name, routine != NULL ? routine : "routine", suffix);
    else if (e->thread == m->harness)
        snprintf(buf, len, "run() body");
    else if (e->thread->work_queue != NULL)
        snprintf(buf, len, "system worker thread");
    else
        snprintf(buf, len, "thread of %s%s", e->thread->process->image, suffix);
}

static void site_of(const ke_machine *m, const ke_exec *e, char *buf, size_t len)
{
    buf[0] = '\0';
    if (e->host != NULL && m->host.site != NULL && m->host.site_name != NULL)
        m->host.site_name(m->host.ctx, m->host.site(m->host.ctx, e), buf, len);
}

static drvsim_wait *add_row(ke_machine *m)
{
    ke_waitgraph *g = &m->waitgraph;
    if (g->count == g->capacity) {
        size_t capacity = g->capacity != 0 ? 2 * g->capacity : 8;
        drvsim_wait *grown = realloc(g->rows, capacity * sizeof *grown);
        if (grown == NULL)
            ke_panic(m, __FILE__, __LINE__, "out of host memory building the wait-for graph");
        g->rows = grown;
        g->capacity = capacity;
    }
    drvsim_wait *w = &g->rows[g->count++];
    memset(w, 0, sizeof *w);
    w->cpu = -1;
    w->holder_cpu = -1;
    return w;
}

static void add_owner(drvsim_wait *w, uint32_t thread)
{
    if (w->owner_count < sizeof w->owners / sizeof w->owners[0])
        w->owners[w->owner_count++] = thread;
    else
        w->more_owners = true;
}

static void fill_object(const ke_machine *m, drvsim_wait *w, const ke_object *o)
{
    w->object = o->va;
    snprintf(w->ownership, sizeof w->ownership, "not owned");
    switch (o->type) {
    case KE_OBJECT_NOTIFICATION_EVENT:
    case KE_OBJECT_SYNCHRONIZATION_EVENT:
        snprintf(w->kind, sizeof w->kind, "KEVENT");
        snprintf(w->how, sizeof w->how, "%s",
                 o->type == KE_OBJECT_NOTIFICATION_EVENT ? "notification" : "synchronization");
        break;
    case KE_OBJECT_SEMAPHORE:
        snprintf(w->kind, sizeof w->kind, "KSEMAPHORE");
        break;
    case KE_OBJECT_NOTIFICATION_TIMER:
    case KE_OBJECT_SYNCHRONIZATION_TIMER:
        snprintf(w->kind, sizeof w->kind, "KTIMER");
        break;
    case KE_OBJECT_MUTANT:
        snprintf(w->kind, sizeof w->kind, "KMUTEX");
        if (o->owner != NULL) {
            add_owner(w, o->owner->id);
            snprintf(w->ownership, sizeof w->ownership, "owned");
        }
        break;
    case KE_OBJECT_THREAD:
        /* Not owned; what is awaited is that thread's end, an edge of the
         * graph all the same. */
        snprintf(w->kind, sizeof w->kind, "KTHREAD");
        if (o->thread != NULL) {
            add_owner(w, o->thread->id);
            snprintf(w->ownership, sizeof w->ownership, "until thread %u ends", o->thread->id);
        }
        break;
    }
    (void)m;
}

/* A thread blocked in ExAcquireFastMutex: the mutex and its Owner field. */
static void fill_fast_mutex(const ke_machine *m, drvsim_wait *w, PVOID_VA fm)
{
    bool x86 = m->config.arch == KE_ARCH_X86;
    uint64_t owner_va = 0;
    mm_peek(m->mm, fm + (x86 ? FM_OWNER_X86 : FM_OWNER_X64), &owner_va, x86 ? 4 : 8);
    snprintf(w->kind, sizeof w->kind, "FAST_MUTEX");
    w->object = fm;
    const ke_thread *owner = ke_thread_at(m, owner_va);
    if (owner != NULL) {
        add_owner(w, owner->id);
        snprintf(w->ownership, sizeof w->ownership, "owned");
    } else {
        snprintf(w->ownership, sizeof w->ownership, "not owned");
    }
}

/* A thread blocked in an ERESOURCE acquire: the resource and its owners. */
static void fill_resource(const ke_machine *m, drvsim_wait *w, const ke_thread *t)
{
    snprintf(w->kind, sizeof w->kind, "ERESOURCE");
    snprintf(w->how, sizeof w->how, "%s", t->resource_wait_exclusive ? "exclusive" : "shared");
    w->object = t->resource_wait;
    const ex_resource *r = ex_resource_at(m, t->resource_wait);
    if (r == NULL || r->owner_count == 0) {
        snprintf(w->ownership, sizeof w->ownership, r == NULL ? "deleted" : "not owned");
        return;
    }
    snprintf(w->ownership, sizeof w->ownership, "owned %s", r->exclusive ? "exclusive" : "shared");
    for (uint32_t i = 0; i < r->owner_count; i++)
        add_owner(w, r->owners[i].thread->id);
}

static void add_thread_waits(ke_machine *m, const ke_thread *t)
{
    char who[96], site[320];
    describe_exec(m, &t->exec, who, sizeof who);
    site_of(m, &t->exec, site, sizeof site);
    /* A fast mutex or resource acquire waits on the lock's own event or
     * semaphore: the lock is what the reader wants to see. */
    uint32_t rows = t->fast_mutex_wait != 0 || t->resource_wait != 0 ? 1 : t->wait_count;
    for (uint32_t i = 0; i < rows; i++) {
        drvsim_wait *w = add_row(m);
        w->thread = t->id;
        snprintf(w->who, sizeof w->who, "%s", who);
        snprintf(w->site, sizeof w->site, "%s", site);
        if (t->fast_mutex_wait != 0)
            fill_fast_mutex(m, w, t->fast_mutex_wait);
        else if (t->resource_wait != 0)
            fill_resource(m, w, t);
        else
            fill_object(m, w, t->blocks[i].object);
    }
}

static void add_spins(ke_machine *m)
{
    size_t bytes = m->config.arch == KE_ARCH_X86 ? 4 : 8;
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        const ke_processor *cpu = &m->cpus[i];
        if (cpu->spinning_on == 0)
            continue;
        uint64_t owner = 0;
        mm_peek(m->mm, cpu->spinning_on, &owner, bytes);
        if (owner == 0)
            continue; /* free now: it takes the lock when it next runs */
        const ke_exec *e = running_exec(cpu);
        drvsim_wait *w = add_row(m);
        w->thread = e->thread->id;
        w->cpu = (int32_t)i;
        describe_exec(m, e, w->who, sizeof w->who);
        site_of(m, e, w->site, sizeof w->site);
        snprintf(w->kind, sizeof w->kind, "KSPIN_LOCK");
        w->object = cpu->spinning_on;
        /* The lock holds its owner's processor number + 1 (spinlock.c). */
        uint32_t holder = (uint32_t)(owner - 1);
        if (owner - 1 >= m->cpu_count) {
            snprintf(w->ownership, sizeof w->ownership, "held (value 0x%llx)",
                     (unsigned long long)owner);
            continue;
        }
        w->holder_cpu = (int32_t)holder;
        snprintf(w->ownership, sizeof w->ownership, "held by CPU %u%s", holder,
                 holder == i ? " itself" : "");
        const ke_processor *h = &m->cpus[holder];
        if (h->in_isr || h->in_dpc || !h->current->idle)
            add_owner(w, running_exec(h)->thread->id);
    }
}

/* A cycle of the graph, as text: threads by their first owner edge, else
 * processors by the holder of the lock they spin on. */
static void find_cycle(ke_machine *m)
{
    ke_waitgraph *g = &m->waitgraph;
    g->cycle[0] = '\0';
    /* Spins first when there are any: they are what stops the machine. */
    for (int pass = 0; pass < 2; pass++) {
        bool spins = pass == 0;
        for (size_t start = 0; start < g->count; start++) {
            const drvsim_wait *w = &g->rows[start];
            if ((w->cpu >= 0) != spins)
                continue;
            /* Walk from this row: follow each node's first edge, at most
             * count steps; a return to the start is a cycle through it. */
            int64_t node = spins ? w->cpu : (int64_t)w->thread;
            int64_t path[64];
            size_t len = 0;
            path[len++] = node;
            for (size_t step = 0; step < g->count && len < 64; step++) {
                const drvsim_wait *edge = NULL;
                for (size_t k = 0; k < g->count && edge == NULL; k++) {
                    const drvsim_wait *r = &g->rows[k];
                    if (spins ? r->cpu == node : (r->cpu < 0 && r->thread == node))
                        edge = r;
                }
                int64_t next = -1;
                if (edge != NULL && spins)
                    next = edge->holder_cpu;
                else if (edge != NULL && edge->owner_count > 0)
                    next = edge->owners[0];
                if (next < 0)
                    break;
                path[len++] = next;
                if (next == path[0]) {
                    size_t n = 0;
                    for (size_t k = 0; k < len && n < sizeof g->cycle; k++)
                        n += (size_t)snprintf(g->cycle + n, sizeof g->cycle - n, "%s%s %lld",
                                              k > 0 ? " -> " : "", spins ? "CPU" : "thread",
                                              (long long)path[k]);
                    return;
                }
                node = next;
            }
        }
    }
}

static void build(ke_machine *m)
{
    ke_waitgraph *g = &m->waitgraph;
    g->count = 0;
    g->idle_workers = 0;
    for (uint32_t i = 0; i < m->thread_count; i++) {
        const ke_thread *t = m->threads[i];
        if (t->state != KE_THREAD_WAITING || t->idle)
            continue;
        if (t->work_queue != NULL && t->exec.host == NULL && t->wait_count == 0) {
            g->idle_workers++;
            continue;
        }
        add_thread_waits(m, t);
    }
    add_spins(m);
    find_cycle(m);
    g->built = true;
}

/* Whether an event still queued might make something run: timed waits,
 * timers with a DPC or a waiter, the DPC watchdog (a bug check), and every
 * event this file does not know. Nothing is pending when every queued event
 * is one that cannot. Asked at every step where no processor has work: the
 * first queued timer that may make something run answers it, rather than a
 * walk of every set timer (issue 18: linear in timers). */
bool ke_nothing_pending(const ke_machine *m)
{
    uint64_t inert = 0;
    for (const ke_timer *t = m->timers_head; t != NULL; t = t->next) {
        if (!t->set || !des_event_queued(&t->expiry))
            continue;
        if (t->dpc != 0 || (t->object != NULL && t->object->waiters_head != NULL))
            return false; /* a queued event that may make something run */
        inert++;
    }
    if (ex_lookaside_scan_inert(m))
        inert++;
    return inert == m->des.heap_count;
}

bool ke_deadlock_check(ke_machine *m)
{
    if (ke_stopped(m) || !ke_nothing_pending(m))
        return false; /* time goes on to an event that may change things */
    build(m);
    const ke_waitgraph *g = &m->waitgraph;
    bool spin = false;
    for (size_t i = 0; i < g->count; i++)
        spin = spin || g->rows[i].cpu >= 0;
    ke_stop_machine(m, KE_STOP_DEADLOCK, "%s%s%s",
                    spin ? "processors spin on spin locks nobody will release"
                         : "every thread waits and nothing can wake one",
                    g->cycle[0] != '\0' ? "; cycle: " : "", g->cycle);
    return true;
}

const char *ke_deadlock_spin_text(ke_machine *m, const ke_processor *cpu, char *buf, size_t len)
{
    buf[0] = '\0';
    if (cpu->spinning_on == 0)
        return NULL;
    build(m);
    const ke_waitgraph *g = &m->waitgraph;
    /* One line: the cycle when there is one, else this processor's spin;
     * the report lists the whole graph after it. */
    if (g->cycle[0] != '\0') {
        snprintf(buf, len, "processors spin on each other's spin locks: %s", g->cycle);
        return buf;
    }
    for (size_t i = 0; i < g->count; i++) {
        const drvsim_wait *w = &g->rows[i];
        if (w->cpu == (int32_t)cpu->number) {
            snprintf(buf, len, "CPU %d spins on spin lock 0x%llx, %s", w->cpu,
                     (unsigned long long)w->object, w->ownership);
            return buf;
        }
    }
    return NULL;
}

void ke_waitgraph_free(ke_machine *m)
{
    free(m->waitgraph.rows);
    memset(&m->waitgraph, 0, sizeof m->waitgraph);
}

/*
 * machine.c - the simulated machine: boot, the dispatch loop, and trace
 * plumbing.
 *
 * The loop is the FoundationDB shape: run every ready thread; when none is
 * ready, let time jump to the next event; stop when the harness finishes, a
 * bug check halts the machine, a limit is hit, or nothing can ever happen.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex/pool.h"
#include "io/io.h"
#include "ke/ke.h"
#include "mm/mm.h"
#include "vf/vf.h"

#define KE_EPROCESS_SIZE 0x880u /* x64 Windows 10; its layout is not modelled */

_Noreturn void ke_panic(const ke_machine *m, const char *file, int line, const char *what)
{
    fflush(stdout);
    if (m != NULL)
        fprintf(stderr, "drvsim: internal error at %s:%d: %s (seed %llu)\n", file, line, what,
                (unsigned long long)m->config.seed);
    else
        fprintf(stderr, "drvsim: internal error at %s:%d: %s\n", file, line, what);
    abort();
}

/* ------------------------------------------------------------------------ */
/* Trace                                                                    */
/* ------------------------------------------------------------------------ */

uint8_t ke_trace_driver(const io_driver *d)
{
    return d == NULL ? 0xFF : (uint8_t)d->index;
}

void ke_trace_begin(ke_machine *m, des_rec *rec, uint16_t type)
{
    des_rec_begin(rec, type);
    des_rec_u64(rec, m->des.now_100ns);
}

void ke_trace_commit(ke_machine *m, const des_rec *rec)
{
    des_commit(&m->des, rec);
}

/* ------------------------------------------------------------------------ */
/* Processes and threads                                                    */
/* ------------------------------------------------------------------------ */

static ps_process *create_process(ke_machine *m, uint32_t id, const char *image)
{
    ps_process *p = calloc(1, sizeof *p);
    ps_process **grown = realloc(m->processes, (m->process_count + 1) * sizeof *grown);
    if (p == NULL || grown == NULL) {
        free(p);
        if (grown != NULL)
            m->processes = grown;
        return NULL;
    }
    m->processes = grown;
    p->id = id;
    p->index = (uint8_t)m->process_count;
    snprintf(p->image, sizeof p->image, "%s", image);
    m->processes[m->process_count++] = p;
    return p;
}

static void wake_fire(des_sim *sim, des_event *ev)
{
    (void)sim;
    ke_thread *t = DES_CONTAINER_OF(ev, ke_thread, wake);
    /* A timed wait that simply ran out: KeDelayExecutionThread and Sleep
     * return STATUS_SUCCESS. */
    ke_ready_thread(t->machine, t, STATUS_SUCCESS);
}

static ke_thread *create_thread(ke_machine *m, ps_process *process, uint32_t cpu)
{
    ke_thread *t = calloc(1, sizeof *t);
    ke_thread **grown = realloc(m->threads, (m->thread_count + 1) * sizeof *grown);
    if (t == NULL || grown == NULL) {
        free(t);
        if (grown != NULL)
            m->threads = grown;
        return NULL;
    }
    m->threads = grown;
    t->id = m->thread_count + 1;
    t->process = process;
    t->cpu = cpu;
    t->machine = m;
    t->state = KE_THREAD_WAITING;
    des_event_init(&t->wake, wake_fire);
    m->threads[m->thread_count++] = t;
    return t;
}

void ke_ready_thread(ke_machine *m, ke_thread *t, NTSTATUS wait_status)
{
    KE_CHECK(m, t->state == KE_THREAD_WAITING);
    t->state = KE_THREAD_READY;
    t->wait_status = wait_status;
    t->next_ready = NULL;
    if (m->ready_tail != NULL)
        m->ready_tail->next_ready = t;
    else
        m->ready_head = t;
    m->ready_tail = t;

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAKE);
    des_rec_u32(&rec, t->id);
    des_rec_u32(&rec, (uint32_t)wait_status);
    ke_trace_commit(m, &rec);
}

static ke_thread *pop_ready(ke_machine *m)
{
    ke_thread *t = m->ready_head;
    if (t != NULL) {
        m->ready_head = t->next_ready;
        if (m->ready_head == NULL)
            m->ready_tail = NULL;
        t->next_ready = NULL;
    }
    return t;
}

void ke_wait_interval(ke_call *call, uint64_t interval_100ns)
{
    ke_machine *m = call->m;
    ke_thread *t = call->thread;
    KE_CHECK(m, t->state == KE_THREAD_RUNNING);
    uint64_t until = m->des.now_100ns + interval_100ns;
    if (until < m->des.now_100ns)
        until = DES_TIME_NEVER - 1; /* saturate: the time limit ends the run first */
    t->state = KE_THREAD_WAITING;
    call->blocked = true;
    if (!des_schedule(&m->des, &t->wake, until))
        ke_panic(m, __FILE__, __LINE__, "out of host memory scheduling a wait");

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_WAIT);
    des_rec_u32(&rec, t->id);
    des_rec_u64(&rec, until);
    ke_trace_commit(m, &rec);
}

void ke_push_frame(ke_thread *t, io_driver *driver, const char *routine)
{
    ke_machine *m = t->machine;
    /* Routines nest only as deep as the scenario's own calls do; 32 levels of
     * driver-to-kernel-to-driver nesting is far beyond any real driver. */
    KE_CHECK(m, t->frame_count < KE_MAX_FRAMES);
    t->frames[t->frame_count].driver = driver;
    t->frames[t->frame_count].routine = routine;
    t->frame_count++;

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_ROUTINE);
    des_rec_u32(&rec, t->id);
    des_rec_u8(&rec, ke_trace_driver(driver));
    des_rec_str(&rec, routine);
    des_rec_u8(&rec, 1);
    ke_trace_commit(m, &rec);
}

void ke_pop_frame(ke_thread *t)
{
    ke_machine *m = t->machine;
    KE_CHECK(m, t->frame_count > 0);
    t->frame_count--;
    const ke_frame *f = &t->frames[t->frame_count];

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_ROUTINE);
    des_rec_u32(&rec, t->id);
    des_rec_u8(&rec, ke_trace_driver(f->driver));
    des_rec_str(&rec, f->routine);
    des_rec_u8(&rec, 0);
    ke_trace_commit(m, &rec);
}

const ke_frame *ke_top_frame(const ke_thread *t)
{
    return t->frame_count > 0 ? &t->frames[t->frame_count - 1] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Boot and teardown                                                        */
/* ------------------------------------------------------------------------ */

ke_machine *ke_machine_create(const ke_config *config, const vf_settings *verifier,
                              const vf_gflags *gflags, const ke_host *host)
{
    ke_machine *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->config = *config;
    m->host = *host;
    if (config->cpus == 0 || config->cpus > KE_MAX_CPUS || !des_init(&m->des, &config->limits)) {
        free(m);
        return NULL;
    }
    if (config->trace_sink != NULL)
        des_set_sink(&m->des, config->trace_sink, config->trace_ctx);
    des_rng_stream(&m->rng_sched, config->seed, "sched");
    des_rng_stream(&m->rng_lua, config->seed, "lua");

    m->mm = mm_create(config->arch);
    m->vf = vf_create(verifier, gflags);
    m->system_process = create_process(m, 4, "System");
    m->idle_process = create_process(m, 0, "Idle");
    if (m->mm == NULL || m->vf == NULL || m->system_process == NULL || m->idle_process == NULL)
        goto fail;
    m->pool = ex_pool_create(m);
    if (m->pool == NULL)
        goto fail;
    for (uint32_t i = 0; i < m->process_count; i++) {
        /* EPROCESS: what a process pointer (and ProcessBilled) points at. */
        m->processes[i]->eprocess =
            ex_alloc_internal(m, NonPagedPool, KE_EPROCESS_SIZE, 0x636F7250u /* "Proc" */);
        if (m->processes[i]->eprocess == 0)
            goto fail;
    }

    m->cpu_count = config->cpus;
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        ke_processor *cpu = &m->cpus[i];
        cpu->number = i;
        cpu->irql = PASSIVE_LEVEL;
        cpu->idle_thread = create_thread(m, m->idle_process, i);
        if (cpu->idle_thread == NULL)
            goto fail;
        cpu->idle_thread->state = KE_THREAD_RUNNING;
        cpu->current = cpu->idle_thread;
    }

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_BOOT);
    des_rec_u8(&rec, (uint8_t)m->cpu_count);
    des_rec_u8(&rec, (uint8_t)config->arch);
    des_rec_u8(&rec, (uint8_t)config->build);
    des_rec_u64(&rec, config->memory_bytes);
    des_rec_u32(&rec, m->vf->settings.flags);
    ke_trace_commit(m, &rec);
    return m;

fail:
    ke_machine_destroy(m);
    return NULL;
}

void ke_machine_destroy(ke_machine *m)
{
    if (m == NULL)
        return;
    /* The event queue first: the events still queued in it (a thread's
     * wake-up, a timer) live inside the objects freed below, and des_fini
     * marks each one unqueued. */
    des_fini(&m->des);
    for (uint32_t i = 0; i < m->driver_count; i++)
        free(m->drivers[i]);
    free(m->drivers);
    for (uint32_t i = 0; i < m->thread_count; i++)
        free(m->threads[i]);
    free(m->threads);
    for (uint32_t i = 0; i < m->process_count; i++)
        free(m->processes[i]);
    free(m->processes);
    ex_pool_destroy(m->pool);
    vf_destroy(m->vf);
    mm_destroy(m->mm);
    free(m);
}

ke_thread *ke_create_harness_thread(ke_machine *m, void *host_handle)
{
    ke_thread *t = create_thread(m, m->system_process, 0);
    if (t == NULL)
        return NULL;
    t->harness = true;
    t->host = host_handle;
    ke_ready_thread(m, t, STATUS_SUCCESS);
    return t;
}

void ke_stop_machine(ke_machine *m, ke_stop why, const char *fmt, ...)
{
    if (ke_stopped(m))
        return; /* the first stop is the outcome */
    m->stop = why;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->stop_message, sizeof m->stop_message, fmt, ap);
    va_end(ap);

    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_STOP);
    des_rec_u8(&rec, (uint8_t)why);
    ke_trace_commit(m, &rec);
}

/* ------------------------------------------------------------------------ */
/* The dispatch loop                                                        */
/* ------------------------------------------------------------------------ */

static void dispatch(ke_machine *m, ke_thread *t)
{
    ke_processor *cpu = &m->cpus[t->cpu];
    if (cpu->current != t) {
        cpu->current = t;
        des_rec rec;
        ke_trace_begin(m, &rec, KE_TR_SWITCH);
        des_rec_u8(&rec, (uint8_t)cpu->number);
        des_rec_u32(&rec, t->id);
        ke_trace_commit(m, &rec);
    }
    t->state = KE_THREAD_RUNNING;
    m->host.resume(m->host.ctx, t);

    if (t->state == KE_THREAD_RUNNING && !ke_stopped(m)) {
        /* The host returns a running thread only when its code finished. */
        t->state = KE_THREAD_TERMINATED;
    }
    if (t->state != KE_THREAD_RUNNING && cpu->current == t)
        cpu->current = cpu->idle_thread;
    if (t->harness && t->state == KE_THREAD_TERMINATED)
        ke_stop_machine(m, KE_STOP_FINISHED, "the scenario's run() body returned");
}

ke_stop ke_run(ke_machine *m)
{
    while (!ke_stopped(m)) {
        ke_thread *t = pop_ready(m);
        if (t != NULL) {
            dispatch(m, t);
            continue;
        }
        char limit[32];
        switch (des_step(&m->des)) {
        case DES_FIRED:
            break;
        case DES_IDLE:
            ke_stop_machine(m, KE_STOP_LIMIT,
                            "deadlock: every thread waits and nothing is scheduled to wake one");
            break;
        case DES_STOP_EVENT_LIMIT:
            ke_stop_machine(m, KE_STOP_LIMIT, "event limit reached (%llu events)",
                            (unsigned long long)m->des.limits.max_events);
            break;
        case DES_STOP_TIME_LIMIT:
            /* The machine ran until the bound; the report says so. */
            m->des.now_100ns = m->des.limits.max_time_100ns;
            ke_stop_machine(m, KE_STOP_LIMIT, "simulated time limit reached (%s)",
                            des_format_time(m->des.limits.max_time_100ns, limit, sizeof limit));
            break;
        }
    }
    return m->stop;
}

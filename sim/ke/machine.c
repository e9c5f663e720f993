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

#include "cm/cm.h"
#include "ex/lookaside.h"
#include "ex/pool.h"
#include "ex/pushlock.h"
#include "ex/work.h"
#include "ex/resource.h"
#include "hal/hal.h"
#include "io/pnp.h"
#include "io/wmi.h"
#include "po/po.h"
#include "io/io.h"
#include "ke/ke.h"
#include "mm/mm.h"
#include "ob/ob.h"
#include "ps/ps.h"
#include "vf/vf.h"

_Noreturn void ke_panic(const ke_machine *m, const char *file, int line, const char *what)
{
    fflush(stdout);
    if (m != NULL)
        fprintf(stderr, "drvsim: internal error at %s:%d: %s (seed %llu)\n", file, line, what,
                (unsigned long long)m->config.seed);
    else
        fprintf(stderr, "drvsim: internal error at %s:%d: %s\n", file, line, what);
    fflush(stderr);
    des_check_print_context();
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

ps_process *ke_create_process(ke_machine *m, uint32_t id, const char *image)
{
    /* The process index is a byte of the trace and of pool headers. */
    if (m->process_count >= KE_MAX_PROCESSES)
        return NULL;
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

/* An ETHREAD: what a thread pointer (PsGetCurrentThread, the object of
 * ObReferenceObjectByHandle) points at; its layout is not modelled beyond
 * the DISPATCHER_HEADER of its KTHREAD. */
#define KE_ETHREAD_SIZE 0x500u
#define KE_ETHREAD_TAG  0x65726854u /* "Thre" */

static ke_thread *new_thread(ke_machine *m, ps_process *process)
{
    if (m->thread_count == m->thread_capacity) {
        /* Doubled, not grown by one: a run may create tens of thousands of
         * threads, and a realloc that copies (as under AddressSanitizer)
         * would make that quadratic. */
        uint32_t capacity = m->thread_capacity != 0 ? 2 * m->thread_capacity : 64;
        ke_thread **grown = realloc(m->threads, capacity * sizeof *grown);
        if (grown == NULL)
            return NULL;
        m->threads = grown;
        m->thread_capacity = capacity;
    }
    ke_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->id = m->thread_count + 1;
    t->process = process;
    t->machine = m;
    t->state = KE_THREAD_WAITING; /* until readied */
    t->exec.thread = t;
    ke_thread_init_wake(t);
    /* Its object: signalled when it ends, referenced by handles and by
     * ObReferenceObjectByHandle; the thread holds one reference itself. */
    PVOID_VA ethread = ex_alloc_internal(m, NonPagedPool, KE_ETHREAD_SIZE, KE_ETHREAD_TAG);
    t->object = ethread != 0 ? ke_object_init(m, ethread, KE_OBJECT_THREAD, 0) : NULL;
    if (t->object == NULL) {
        free(t);
        return NULL;
    }
    t->object->thread = t;
    t->object->references = 1;
    m->threads[m->thread_count++] = t;
    return t;
}

bool ke_thread_limit_reached(ke_call *call)
{
    ke_machine *m = call->m;
    if (m->thread_count < KE_MAX_THREADS)
        return false;
    char where[400] = "";
    m->host.site_name(m->host.ctx, m->host.site(m->host.ctx, call->exec), where, sizeof where);
    ke_stop_machine(m, KE_STOP_SCENARIO_ERROR,
                    "%s%shost limit reached: %u threads created in one run (drvsim keeps every "
                    "thread's record for the run)",
                    where, where[0] != '\0' ? ": " : "", KE_MAX_THREADS);
    return true;
}

ke_thread *ke_create_thread(ke_machine *m, ps_process *process, io_driver *creator)
{
    ke_thread *t = new_thread(m, process);
    if (t == NULL)
        return NULL;
    t->creator = creator;
    t->priority = 8;
    process->live_threads++;
    des_rec rec;
    ke_trace_begin(m, &rec, KE_TR_THREAD);
    des_rec_u32(&rec, t->id);
    des_rec_u32(&rec, process->id);
    des_rec_u8(&rec, ke_trace_driver(creator));
    ke_trace_commit(m, &rec);
    ke_ready_thread(m, t, STATUS_SUCCESS);
    return t;
}

ke_thread *ke_create_harness_thread(ke_machine *m)
{
    ke_thread *t = ke_create_thread(m, m->system_process, NULL);
    if (t != NULL) {
        t->harness = true;
        m->harness = t;
    }
    return t;
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
    /* The processors the machine has, not KE_MAX_CPUS of them: 16 KB each,
     * which a sweep's every seed zeroed (issue 18). */
    m->cpus = config->cpus >= 1 && config->cpus <= KE_MAX_CPUS
                  ? calloc(config->cpus, sizeof *m->cpus)
                  : NULL;
    if (m->cpus == NULL || !des_init(&m->des, &config->limits)) {
        free(m->cpus);
        free(m);
        return NULL;
    }
    if (config->trace_sink != NULL)
        des_set_sink(&m->des, config->trace_sink, config->trace_ctx);
    des_rng_stream(&m->rng_sched, config->seed, "sched");
    des_rng_stream(&m->rng_lua, config->seed, "lua");
    des_rng_stream(&m->rng_paging, config->seed, "paging");
    ke_sched_init(m);

    m->mm = mm_create(config->arch);
    m->vf = vf_create(verifier, gflags, config->seed);
    m->system_process = ke_create_process(m, 4, "System");
    m->idle_process = ke_create_process(m, 0, "Idle");
    if (m->mm == NULL || m->vf == NULL || m->system_process == NULL || m->idle_process == NULL)
        goto fail;
    vf_hooks_update(m);
    m->next_cpu = -1;
    des_map_init(&m->objects);
    des_map_init(&m->dpcs);
    des_map_init(&m->timers);
    des_map_init(&m->interrupts);
    des_map_init(&m->resources);
    des_map_init(&m->handles);
    des_map_init(&m->protected_handles);
    des_map_init(&m->devices);
    des_map_init(&m->irps);
    des_map_init(&m->work_items);
    des_map_init(&m->rundown_waiters);
    des_map_init(&m->push_locks);
    m->next_handle = 1;
    m->pool = ex_pool_create(m);
    if (m->pool == NULL)
        goto fail;
    /* What KeFlushQueuedDpcs waits on: a notification event of the kernel. */
    PVOID_VA flush = ex_alloc_internal(m, NonPagedPool, 0x18, 0x73756C46u /* "Flus" */);
    m->flush = flush != 0 ? ke_object_init(m, flush, KE_OBJECT_NOTIFICATION_EVENT, 1) : NULL;
    if (m->flush == NULL)
        goto fail;
    for (uint32_t i = 0; i < m->process_count; i++) {
        /* EPROCESS: what a process pointer (and ProcessBilled) points at. */
        m->processes[i]->eprocess =
            ex_alloc_internal(m, NonPagedPool, KE_EPROCESS_SIZE, 0x636F7250u /* "Proc" */);
        if (m->processes[i]->eprocess == 0)
            goto fail;
    }

    if (!ob_init(m))
        goto fail;

    m->cpu_count = config->cpus;
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        ke_processor *cpu = &m->cpus[i];
        cpu->number = i;
        cpu->irql = PASSIVE_LEVEL;
        ke_cpu_init_watchdog(m, cpu);
        ke_cpu_init_stall(cpu);
        cpu->idle_thread = new_thread(m, m->idle_process);
        if (cpu->idle_thread == NULL)
            goto fail;
        cpu->idle_thread->idle = true;
        cpu->idle_thread->exec.cpu = i;
        cpu->idle_thread->state = KE_THREAD_RUNNING;
        cpu->current = cpu->idle_thread;
        ke_cpu_note_busy(m, cpu);
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
    ke_sched_fini(m);
    ke_share_fini(m);
    ke_waitgraph_free(m);
    for (uint32_t i = 0; i < m->driver_count; i++)
        free(m->drivers[i]);
    free(m->drivers);
    for (uint32_t i = 0; i < m->thread_count; i++) {
        free(m->threads[i]->exec.callouts);
        free(m->threads[i]);
    }
    free(m->threads);
    for (size_t i = 0; i < m->objects.capacity; i++)
        free(m->objects.slots[i].value);
    des_map_fini(&m->objects);
    des_map_fini(&m->rundown_waiters);
    ex_push_locks_destroy(m);
    for (size_t i = 0; i < m->dpcs.capacity; i++)
        free(m->dpcs.slots[i].value);
    des_map_fini(&m->dpcs);
    for (size_t i = 0; i < m->timers.capacity; i++)
        free(m->timers.slots[i].value);
    des_map_fini(&m->timers);
    /* Every interrupt ever connected is on the list, once. */
    for (ke_interrupt *i = m->interrupts_head, *next; i != NULL; i = next) {
        next = i->next;
        free(i);
    }
    des_map_fini(&m->interrupts);
    des_map_fini(&m->handles);
    des_map_fini(&m->protected_handles);
    io_pnp_destroy(m);
    io_wmi_destroy(m);
    po_destroy(m);
    hal_dma_destroy(m);
    io_devices_destroy(m);
    io_irps_destroy(m);
    io_requests_destroy(m);
    ex_work_destroy(m);
    ex_lookasides_destroy(m);
    ex_resource_free_all(m);
    io_named_events_free(m);
    ob_destroy(m);
    ps_notify_destroy(m);
    io_remove_locks_destroy(m);
    cm_free(m);
    io_fs_free(m);
    io_error_log_free(m);
    for (uint32_t i = 0; i < m->process_count; i++)
        free(m->processes[i]);
    free(m->processes);
    for (uint32_t i = 0; i < m->debug_output_count; i++)
        free(m->debug_output[i]);
    free(m->warnings);
    free(m->debug_output);
    ex_pool_destroy(m->pool);
    vf_destroy(m->vf);
    mm_destroy(m->mm);
    for (uint32_t i = 0; m->cpus != NULL && i < m->config.cpus; i++) {
        free(m->cpus[i].dpc_exec.callouts);
        free(m->cpus[i].isr_exec.callouts);
    }
    free(m->cpus);
    free(m);
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

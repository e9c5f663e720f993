/*
 * test_machine.h - a simulated machine for unit tests, with no Lua: the test
 * is the host. Included by one test file each (static functions).
 *
 * tm_boot() makes a machine whose harness thread is already running on
 * processor 0, so a test can call DDIs at once with tm_call(); tests that
 * run the scheduler pass their own host.
 */
#ifndef DRVSIM_TEST_MACHINE_H
#define DRVSIM_TEST_MACHINE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "ke/ke.h"

static inline ke_site tm_no_site(void *ctx, const ke_exec *e)
{
    (void)ctx;
    (void)e;
    return (ke_site){.chunk = 0xFFFF, .line = 0};
}

static inline const char *tm_no_site_name(void *ctx, ke_site site, char *buf, size_t len)
{
    (void)ctx;
    (void)site;
    snprintf(buf, len, "%s", "");
    return buf;
}

static inline void tm_no_resume(void *ctx, ke_exec *e)
{
    (void)ctx;
    (void)e;
}

/* A host that runs nothing: the test calls DDIs itself. */
static inline ke_host tm_passive_host(void)
{
    return (ke_host){.resume = tm_no_resume, .site = tm_no_site, .site_name = tm_no_site_name};
}

/* The limits every test machine gets: an hour, a million events. */
static inline ke_config tm_config(uint64_t seed, uint32_t cpus, ke_arch arch)
{
    ke_config c = {.seed = seed, .cpus = cpus, .arch = arch, .memory_bytes = 64ull << 20};
    c.limits.max_time_100ns = 3600ull * 10000000ull;
    c.limits.max_events = 1000000;
    return c;
}

/* A machine with the verifier off (or as `verifier` says, verifier.exe
 * syntax), with no thread but its processors' idle threads. */
static inline ke_machine *tm_create(const ke_config *config, const ke_host *host,
                                    const char *verifier)
{
    vf_settings settings;
    vf_gflags gflags;
    vf_settings_init(&settings);
    vf_gflags_init(&gflags);
    char err[256];
    if (verifier != NULL)
        cr_assert(vf_settings_parse(&settings, verifier, err, sizeof err), "%s", err);
    ke_machine *m = ke_machine_create(config, &settings, &gflags, host);
    vf_settings_free(&settings);
    cr_assert_not_null(m);
    return m;
}

/* Takes a READY thread off the ready queue and runs it on processor cpu,
 * at the IRQL it waited at, as the scheduler would. */
static inline void tm_dispatch(ke_machine *m, ke_thread *t, uint32_t cpu)
{
    cr_assert(t->in_ready_queue, "thread %u is not ready", t->id);
    ke_unready_thread(m, t);
    t->state = KE_THREAD_RUNNING;
    t->exec.cpu = cpu;
    m->cpus[cpu].current = t;
    ke_cpu_note_busy(m, &m->cpus[cpu]);
    ke_cpu_set_irql(m, &m->cpus[cpu], t->wait_irql);
}

/* tm_create, and the harness thread. With `running` it runs on processor
 * 0, for tests that call DDIs directly; without, ke_run() dispatches it. */
static inline ke_machine *tm_boot(const ke_config *config, const ke_host *host,
                                  const char *verifier, bool running)
{
    ke_machine *m = tm_create(config, host, verifier);
    ke_thread *t = ke_create_harness_thread(m);
    cr_assert_not_null(t);
    if (running)
        tm_dispatch(m, t, 0);
    return m;
}

/* A call context of the harness thread (or of `e`) for DDI `ddi`. */
static inline ke_call tm_call_of(ke_machine *m, ke_exec *e, uint16_t ddi)
{
    return (ke_call){.m = m, .exec = e, .thread = e->thread, .ddi = ddi};
}

static inline ke_call tm_call(ke_machine *m, uint16_t ddi)
{
    return tm_call_of(m, &m->harness->exec, ddi);
}

/* Nonpaged pool for kernel objects, as the harness's own allocation. */
static inline PVOID_VA tm_alloc(ke_machine *m, uint64_t size_bytes)
{
    ke_call c = tm_call(m, DDI_ExAllocatePoolWithTag);
    PVOID_VA va = ExAllocatePoolWithTag(&c, NonPagedPoolNx, size_bytes, 0x74736554u /* "Test" */);
    cr_assert_neq(va, 0);
    return va;
}

#endif /* DRVSIM_TEST_MACHINE_H */

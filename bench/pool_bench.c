/*
 * pool_bench.c - the pool driven from C, through the import tables that
 * scenarios' calls go through: the kernel's exports (an unverified driver)
 * and the verifier's thunks with pool tracking (a verified one).
 *
 *   pool_bench [LIVE_ALLOCATIONS]
 *
 * Prints nanoseconds per ExAllocatePoolWithTag + ExFreePoolWithTag pair, and
 * the host memory each live allocation costs beyond the bytes it holds, with
 * LIVE_ALLOCATIONS (default 1,000,000) live at once. Host time is measured
 * here only; tests never assert it.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "mm/mm.h"
#include "vf/vf.h"

#define TAG   0x68636E42u /* "Bnch" */
#define BYTES 32u

static ke_site no_site(void *ctx, const ke_exec *e)
{
    (void)ctx;
    (void)e;
    return (ke_site){.chunk = 0xFFFF, .line = 0};
}

static const char *no_site_name(void *ctx, ke_site site, char *buf, size_t len)
{
    (void)ctx;
    (void)site;
    snprintf(buf, len, "%s", "");
    return buf;
}

static void no_resume(void *ctx, ke_exec *e)
{
    (void)ctx;
    (void)e;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* A machine with one driver loaded, verified or not, and a call from it. */
static ke_machine *boot(bool verified, ke_call *call)
{
    ke_config config = {.seed = 1, .cpus = 1, .arch = KE_ARCH_X64, .memory_bytes = 64ull << 30};
    vf_settings settings;
    vf_gflags gflags;
    char err[128];
    vf_settings_init(&settings);
    vf_gflags_init(&gflags);
    if (verified && !vf_settings_parse(&settings, "/flags 0x8 /driver bench.sys", err, sizeof err))
        abort();
    ke_host host = {.resume = no_resume, .site = no_site, .site_name = no_site_name};
    ke_machine *m = ke_machine_create(&config, &settings, &gflags, &host);
    vf_settings_free(&settings);
    ke_thread *t = ke_create_harness_thread(m);
    t->state = KE_THREAD_RUNNING;
    io_driver *d = io_register_driver(m, "bench.sys", false, NULL);
    memset(call, 0, sizeof *call);
    call->m = m;
    call->exec = &t->exec;
    call->thread = t;
    if (io_load_begin(call, d) != STATUS_SUCCESS)
        abort();
    call->driver = d;
    return m;
}

static void measure(bool verified, size_t live)
{
    ke_call call;
    ke_machine *m = boot(verified, &call);
    const ddi_imports *imp = &call.driver->imports;

    /* Pairs: allocate and free at once, the lookaside-friendly pattern. */
    enum { PAIRS = 2000000 };
    double start = now_ns();
    for (int i = 0; i < PAIRS; i++) {
        PVOID_VA p = imp->ExAllocatePoolWithTag(&call, NonPagedPoolNx, BYTES, TAG);
        imp->ExFreePoolWithTag(&call, p, TAG);
    }
    double pair_ns = (now_ns() - start) / PAIRS;

    /* Live allocations: the memory each costs. */
    PVOID_VA *held = malloc(live * sizeof *held);
    size_t before = heap_bytes();
    start = now_ns();
    for (size_t i = 0; i < live; i++)
        held[i] = imp->ExAllocatePoolWithTag(&call, NonPagedPoolNx, BYTES, TAG);
    double alloc_ns = (now_ns() - start) / (double)live;
    size_t after = heap_bytes();
    double per_alloc = (double)(after - before) / (double)live;
    for (size_t i = 0; i < live; i++)
        imp->ExFreePoolWithTag(&call, held[i], TAG);
    if (ke_stopped(m)) {
        fprintf(stderr, "pool_bench: the machine stopped: 0x%X\n", m->bugcheck.code);
        exit(1);
    }
    printf("%-32s %6.0f ns per alloc+free pair, %6.0f ns per alloc with %zu live, "
           "%5.0f host bytes per live %u-byte allocation (%.0f beyond its bytes)\n",
           verified ? "verified (thunks, pool tracking)" : "unverified (kernel exports)", pair_ns,
           alloc_ns, live, per_alloc, BYTES, per_alloc - BYTES);
    free(held);
    ke_machine_destroy(m);
}

int main(int argc, char **argv)
{
    size_t live = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    measure(false, live);
    measure(true, live);
    return 0;
}

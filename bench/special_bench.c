/*
 * special_bench.c - special pool driven from C, against Electric Fence.
 *
 *   special_bench [ITERATIONS [LIVE [EFENCE_ITERATIONS]]]
 *
 * The same workload on both: allocate 32 bytes, write them, free them.
 * drvsim's runs through a verified driver's import table (the verifier's
 * thunks, /flags 0x1: Verify End), as a scenario's calls do, and its stores
 * go through mm_access as a scenario's pointer stores do. Electric Fence's
 * runs in a child of this program with libefence.so preloaded (Debian
 * package electric-fence), with real guard pages. Both must catch the same
 * one-byte overrun (byte 32 of a 32-byte block) at the store: drvsim with
 * 0xD6, Electric Fence with SIGSEGV.
 *
 * Prints the time per allocate/write/free of each and their ratio, measured
 * in this one run, and the host memory per live allocation: drvsim with LIVE
 * (default 1,000,000) live special pool allocations, Electric Fence with as
 * many as it can hold (vm.max_map_count stops it near 32,760 on a default
 * Linux). Host time is measured here only; tests never assert it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddi_table.h"
#include "ex/pool.h"
#include "io/io.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/vf.h"

#define TAG   0x68636E42u /* "Bnch" */
#define BYTES 32u

static const char *const efence_paths[] = {
    "/usr/lib/libefence.so.0",
    "/usr/lib/x86_64-linux-gnu/libefence.so.0",
    "/usr/lib/aarch64-linux-gnu/libefence.so.0",
};

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

/* ------------------------------------------------------------------------ */
/* drvsim                                                                   */
/* ------------------------------------------------------------------------ */

/* A machine with bench.sys loaded and verified with special pool, and a
 * call from it. */
static ke_machine *boot(uint64_t memory_bytes, ke_call *call)
{
    ke_config config = {.seed = 1, .cpus = 1, .arch = KE_ARCH_X64, .memory_bytes = memory_bytes};
    vf_settings settings;
    vf_gflags gflags;
    char err[128];
    vf_settings_init(&settings);
    vf_gflags_init(&gflags);
    if (!vf_settings_parse(&settings, "/flags 0x1 /driver bench.sys", err, sizeof err))
        abort();
    ke_host host = {.resume = no_resume, .site = no_site, .site_name = no_site_name};
    ke_machine *m = ke_machine_create(&config, &settings, &gflags, &host);
    vf_settings_free(&settings);
    if (m == NULL)
        abort();
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

static void check_running(const ke_machine *m)
{
    if (ke_stopped(m)) {
        fprintf(stderr, "special_bench: the machine stopped: 0x%X\n", m->bugcheck.code);
        exit(1);
    }
}

/* Nanoseconds per allocate + write + free. */
static double drvsim_cycle(size_t iterations)
{
    ke_call call;
    ke_machine *m = boot(4ull << 30, &call);
    const ddi_imports *imp = &call.driver->imports;
    uint8_t data[BYTES];
    memset(data, 0x5A, sizeof data);
    double start = now_ns();
    for (size_t i = 0; i < iterations; i++) {
        PVOID_VA p = imp->ExAllocatePoolWithTag(&call, NonPagedPoolNx, BYTES, TAG);
        mm_access(&call, p, data, BYTES, true);
        imp->ExFreePoolWithTag(&call, p, TAG);
    }
    double ns = (now_ns() - start) / (double)iterations;
    check_running(m);
    if (m->vf->counters[DRVSIM_GC_AllocationsSucceededSpecialPool] != iterations) {
        fprintf(stderr, "special_bench: not every allocation came from special pool\n");
        exit(1);
    }
    ke_machine_destroy(m);
    return ns;
}

/* Whether the store to byte 32 of a 32-byte block stops the machine with
 * 0xD6 at once. */
static bool drvsim_detects(void)
{
    ke_call call;
    ke_machine *m = boot(4ull << 30, &call);
    PVOID_VA p = call.driver->imports.ExAllocatePoolWithTag(&call, NonPagedPoolNx, BYTES, TAG);
    uint8_t byte = 1;
    bool faulted = !mm_access(&call, p + BYTES, &byte, 1, true);
    bool ok = faulted && m->bugcheck.code == 0xD6 && m->bugcheck.params[0] == p + BYTES;
    ke_machine_destroy(m);
    return ok;
}

/* Host bytes per live, written allocation beyond its BYTES, with `live` of
 * them; *arrays_per_slot is what the special pool's per-slot arrays cost
 * (allocated at boot, not in the measured growth). */
static double drvsim_live(size_t live, double *arrays_per_slot, size_t *special)
{
    ke_call call;
    /* 16 GB: special pool holds a quarter, 1,048,576 pages. */
    ke_machine *m = boot(16ull << 30, &call);
    const ddi_imports *imp = &call.driver->imports;
    uint8_t data[BYTES];
    memset(data, 0x5A, sizeof data);
    PVOID_VA *held = malloc(live * sizeof *held);
    if (held == NULL)
        abort();
    size_t before = heap_bytes();
    *special = 0;
    for (size_t i = 0; i < live; i++) {
        held[i] = imp->ExAllocatePoolWithTag(&call, NonPagedPoolNx, BYTES, TAG);
        mm_access(&call, held[i], data, BYTES, true);
        *special += mm_special_contains(m, held[i]);
    }
    size_t after = heap_bytes();
    check_running(m);
    /* state, FIFO entry and record pointer (special.h). */
    *arrays_per_slot = (double)(sizeof(uint8_t) + sizeof(uint32_t) + sizeof(void *));
    for (size_t i = 0; i < live; i++)
        imp->ExFreePoolWithTag(&call, held[i], TAG);
    check_running(m);
    free(held);
    ke_machine_destroy(m);
    return (double)(after - before) / (double)live - BYTES;
}

/* ------------------------------------------------------------------------ */
/* Electric Fence, in a child with libefence preloaded                      */
/* ------------------------------------------------------------------------ */

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Where the child's loop leaves each pointer, so that the compiler cannot
 * drop a malloc/free pair. */
static volatile uint8_t *volatile efence_sink;

/* The child's side: `what` is cycle, live or detect. Output goes straight
 * to the pipe (write(2)): Electric Fence may end the process at any
 * allocation. */
static int efence_child(const char *what, size_t n)
{
    char line[128];
    if (strcmp(what, "cycle") == 0) {
        double start = now_ns();
        for (size_t i = 0; i < n; i++) {
            volatile uint8_t *p = malloc(BYTES);
            for (uint32_t b = 0; b < BYTES; b++)
                p[b] = 0x5A; /* volatile: the compiler keeps the pair */
            efence_sink = p;
            free((void *)p);
        }
        int len = snprintf(line, sizeof line, "%.1f\n", (now_ns() - start) / (double)n);
        return write(1, line, (size_t)len) == len ? 0 : 1;
    }
    if (strcmp(what, "detect") == 0) {
        volatile uint8_t *p = malloc(BYTES);
        volatile size_t past_end = BYTES; /* hidden from the compiler's bounds check */
        p[past_end] = 1;                  /* the guard page: SIGSEGV */
        return 0;
    }
    /* live: as many as it holds, reporting every 64. */
    long rss0 = rss_kib();
    for (size_t i = 1; i <= n; i++) {
        uint8_t *p = malloc(BYTES);
        if (p == NULL)
            break;
        memset(p, 0x5A, BYTES);
        if (i % 64 == 0 || i == n) {
            int len = snprintf(line, sizeof line, "%zu %ld\n", i, rss_kib() - rss0);
            if (write(1, line, (size_t)len) != len)
                return 1;
        }
    }
    return 0;
}

/* Runs this program as an Electric Fence child; its last output line in
 * out. Returns the wait status, or -1 when it could not run. */
static int efence_run(const char *efence, const char *what, size_t n, char *out, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char count[32];
        snprintf(count, sizeof count, "%zu", n);
        dup2(fds[1], 1);
        /* Electric Fence's "Exiting: mmap() failed" is expected: quiet. */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        close(fds[0]);
        close(fds[1]);
        setenv("LD_PRELOAD", efence, 1);
        setenv("EF_DISABLE_BANNER", "1", 1);
        char *argv[] = {"special_bench", "--efence-child", (char *)what, count, NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fds[1]);
    char buf[4096];
    size_t have = 0;
    out[0] = '\0';
    for (;;) {
        ssize_t r = read(fds[0], buf + have, sizeof buf - 1 - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
        buf[have] = '\0';
        /* Keep the last complete line. */
        char *end = strrchr(buf, '\n');
        if (end != NULL) {
            *end = '\0';
            char *last = strrchr(buf, '\n');
            snprintf(out, len, "%s", last != NULL ? last + 1 : buf);
            have = 0;
        }
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--efence-child") == 0)
        return efence_child(argv[2], strtoull(argv[3], NULL, 10));
    size_t iterations = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t live = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    size_t ef_iterations = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;

    double sim_ns = drvsim_cycle(iterations);
    bool sim_detects = drvsim_detects();
    double arrays = 0;
    size_t special = 0;
    double sim_bytes = drvsim_live(live, &arrays, &special);
    printf("drvsim special pool:  %7.0f ns per %u-byte allocate+write+free (%zu), overrun "
           "caught at the store: %s\n",
           sim_ns, BYTES, iterations, sim_detects ? "yes (0xD6)" : "NO");
    printf("                      %zu live allocations (%zu in special pool): %.0f host bytes "
           "each beyond its %u (+%.0f per slot for the pool's arrays)\n",
           live, special, sim_bytes, BYTES, arrays);

    const char *efence = NULL;
    for (size_t i = 0; i < sizeof efence_paths / sizeof efence_paths[0]; i++) {
        if (access(efence_paths[i], R_OK) == 0) {
            efence = efence_paths[i];
            break;
        }
    }
    if (efence == NULL) {
        printf("Electric Fence:       not installed (Debian package electric-fence)\n");
        return 0;
    }
    char out[256];
    int status = efence_run(efence, "cycle", ef_iterations, out, sizeof out);
    double ef_ns = (status == 0 && out[0] != '\0') ? strtod(out, NULL) : 0;
    status = efence_run(efence, "detect", 1, out, sizeof out);
    bool ef_detects = status > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    efence_run(efence, "live", live, out, sizeof out);
    size_t ef_live = 0;
    long ef_kib = 0;
    if (sscanf(out, "%zu %ld", &ef_live, &ef_kib) != 2)
        ef_live = 0;
    printf("Electric Fence:       %7.0f ns per %u-byte allocate+write+free (%zu), overrun "
           "caught at the store: %s\n",
           ef_ns, BYTES, ef_iterations, ef_detects ? "yes (SIGSEGV)" : "NO");
    printf("                      stopped at %zu live allocations: %.0f bytes of RSS each\n",
           ef_live, ef_live ? (double)ef_kib * 1024.0 / (double)ef_live : 0.0);
    if (ef_ns > 0 && sim_ns > 0)
        printf(
            "ratio:                drvsim is %.1f times faster than Electric Fence (target: 50)\n",
            ef_ns / sim_ns);
    return 0;
}

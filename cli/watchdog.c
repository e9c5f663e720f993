/*
 * watchdog.c - the last-resort host time limit. See watchdog.h.
 *
 * One ITIMER_REAL timer and a SIGALRM handler that only does what is
 * async-signal-safe: sets drvsim's flag, arms alarm() for the grace period,
 * and at its end write()s a message prepared before the run and _exit()s.
 */
#include "watchdog.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "des/des.h"

static volatile sig_atomic_t watchdog_stage; /* 0 armed, 1 asked the run to stop */
static bool watchdog_exit_after_grace;
static char watchdog_message[1200]; /* written as is by the second stage */
static size_t watchdog_message_len;
static bool watchdog_installed; /* the SIGALRM handler: installed once, kept */

static void watchdog_fire(int sig)
{
    (void)sig;
    if (watchdog_stage == 0) {
        watchdog_stage = 1;
        drvsim_host_timeout();
        if (watchdog_exit_after_grace) {
            alarm(WATCHDOG_GRACE_S);
        }
        return;
    }
    ssize_t ignored = write(STDERR_FILENO, watchdog_message, watchdog_message_len);
    (void)ignored;
    _exit(DRVSIM_EXIT_SCENARIO);
}

/* SIGALRM's handler for the process's life (system calls it interrupts
 * are restarted). */
static void watchdog_install(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    watchdog_installed = true;
}

bool watchdog_parse(const char *arg, uint64_t *ms, const char *usage)
{
    uint64_t v = 0;
    /* 100 ns units, as the scenario's durations; at least a millisecond. */
    if (!des_parse_duration(arg, &v) || v < 10000u || v / 10000u > UINT32_MAX) {
        cli_usage_error(usage,
                        "--host-timeout wants a wall-clock duration such as 30s, 10min or 1h, "
                        "not '%s'",
                        arg);
        return false;
    }
    *ms = v / 10000u;
    return true;
}

void watchdog_arm(uint64_t ms, const char *scenario, const uint64_t *seed, bool exit_after_grace)
{
    char seed_text[32] = "";
    if (seed != NULL) {
        snprintf(seed_text, sizeof seed_text, " --seed %" PRIu64, *seed);
    }
    int n = snprintf(watchdog_message, sizeof watchdog_message,
                     "drvsim: %s: host time limit reached (--host-timeout), and the run did not "
                     "stop within %us: it is stuck outside Lua code (a simulator bug; please "
                     "report it with this line)\n  replay: drvsim run %s%s\n",
                     scenario, WATCHDOG_GRACE_S, scenario, seed_text);
    watchdog_message_len = n < 0                                 ? 0
                           : (size_t)n < sizeof watchdog_message ? (size_t)n
                                                                 : sizeof watchdog_message - 1;
    watchdog_exit_after_grace = exit_after_grace;
    watchdog_stage = 0;
    /* Once per process: a sweep's worker arms the limit for every seed, and
     * each system call counts at thousands of seeds a second (issue 18).
     * Nothing else in drvsim uses SIGALRM, and no timer runs between runs. */
    if (!watchdog_installed) {
        watchdog_install(watchdog_fire);
    }
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = (time_t)(ms / 1000u);
    t.it_value.tv_usec = (suseconds_t)(ms % 1000u) * 1000;
    setitimer(ITIMER_REAL, &t, NULL);
}

/* watchdog_watch_jobs's: what the tick reads. */
static const _Atomic uint64_t *watch_running, *watch_started_ms;
static uint64_t watch_limit_ms;

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "the tick reads 64-bit atomics in a signal handler");

static void watchdog_tick(int sig)
{
    (void)sig;
    if (atomic_load(watch_running) == 0) {
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    uint64_t started = atomic_load(watch_started_ms);
    if (now >= started && now - started >= watch_limit_ms) {
        drvsim_host_timeout(); /* again at each tick until the run stops: a flag */
    }
}

void watchdog_watch_jobs(uint64_t ms, const _Atomic uint64_t *running,
                         const _Atomic uint64_t *started_ms)
{
    watch_running = running;
    watch_started_ms = started_ms;
    watch_limit_ms = ms;
    watchdog_install(watchdog_tick); /* watchdog_arm is not for workers */
    uint64_t every = ms / 8u;
    every = every < 1u ? 1u : every > 1000u ? 1000u : every;
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = (time_t)(every / 1000u);
    t.it_value.tv_usec = (suseconds_t)(every % 1000u) * 1000;
    t.it_interval = t.it_value;
    setitimer(ITIMER_REAL, &t, NULL);
}

void watchdog_disarm(void)
{
    struct itimerval t;
    memset(&t, 0, sizeof t);
    setitimer(ITIMER_REAL, &t, NULL);
    if (watchdog_stage != 0) {
        alarm(0); /* the grace period's, armed by the first stage */
    }
    watchdog_stage = 0;
}

/*
 * report.c - the human report of a finished run (CONTRACT section 2), and the
 * small name tables every front end shares: bug check names, outcome names,
 * Driver Verifier counter names. The tables are expanded from the X-macros of
 * the public headers, so they cannot drift from the enums.
 */
#include "kd/report.h"

#include <inttypes.h>
#include <string.h>

#include "des/des.h"

/* ------------------------------------------------------------------------ */
/* Name tables                                                              */
/* ------------------------------------------------------------------------ */

const char *drvsim_bugcode_name(uint32_t code)
{
    switch (code) {
#define KD_BUGCODE_CASE(name, value)                                                               \
    case value:                                                                                    \
        return #name;
        DRVSIM_BUGCODES(KD_BUGCODE_CASE)
#undef KD_BUGCODE_CASE
    default:
        return NULL;
    }
}

const char *drvsim_outcome_name(drvsim_outcome o)
{
    switch (o) {
    case DRVSIM_OUTCOME_CLEAN:
        return "clean";
    case DRVSIM_OUTCOME_BUGCHECK:
        return "bugcheck";
    case DRVSIM_OUTCOME_TIMEOUT:
        return "timeout";
    case DRVSIM_OUTCOME_ERROR:
        return "error";
    case DRVSIM_OUTCOME_DEADLOCK:
        return "deadlock";
    }
    /* Only a corrupted value gets here; a name is more useful than a crash
     * in a report that is already describing something going wrong. */
    return "unknown";
}

const char *const drvsim_global_counter_names[DRVSIM_GLOBAL_COUNTER_COUNT] = {
#define KD_COUNTER_NAME(name) [DRVSIM_GC_##name] = #name,
    DRVSIM_GLOBAL_COUNTERS(KD_COUNTER_NAME)
#undef KD_COUNTER_NAME
};

const char *const drvsim_driver_counter_names[DRVSIM_DRIVER_COUNTER_COUNT] = {
#define KD_COUNTER_NAME(name) [DRVSIM_DC_##name] = #name,
    DRVSIM_DRIVER_COUNTERS(KD_COUNTER_NAME)
#undef KD_COUNTER_NAME
};

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Writes text that may span several lines (a Lua error with its traceback)
 * so that every line keeps the report's two-space indent: a reader, or a
 * script cutting the report at its first unindented line, sees one block.
 */
static void kd_write_indented(FILE *out, const char *text)
{
    fputs("  ", out);
    for (const char *p = text; *p != '\0'; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1] != '\0') {
            fputs("  ", out);
        }
    }
    fputc('\n', out);
}

const char *kd_format_expect(const drvsim_expect *e, char *buf, size_t len)
{
    if (e->timeout) {
        snprintf(buf, len, "timeout");
        return buf;
    }
    if (e->deadlock) {
        snprintf(buf, len, "deadlock");
        return buf;
    }
    if (e->clean) {
        snprintf(buf, len, "clean");
        return buf;
    }
    size_t n = (size_t)snprintf(buf, len, "bug check 0x%" PRIX32, e->code);
    for (int i = 0; i < 4 && n < len; i++) {
        if (e->has_p[i])
            n += (size_t)snprintf(buf + n, len - n, " P%d=0x%" PRIX64, i + 1, e->p[i]);
    }
    if (e->driver[0] != '\0' && n < len)
        snprintf(buf + n, len - n, " driver %s", e->driver);
    return buf;
}

static void kd_write_expect(FILE *out, const drvsim_expect *e)
{
    char text[256];
    fputs(kd_format_expect(e, text, sizeof text), out);
}

static void kd_write_expect_line(FILE *out, const drvsim_result *r)
{
    if (r->expected) {
        return;
    }
    fputs("  expected: ", out);
    kd_write_expect(out, &r->expect);
    fputc('\n', out);
}

static void kd_write_replay_line(FILE *out, const char *replay)
{
    if (replay != NULL && replay[0] != '\0') {
        fprintf(out, "  replay: %s\n", replay);
    }
}

/* The line naming the rule, the driver routine and the scenario line, with
 * only the parts the run knows; nothing at all when it knows none. */
static void kd_write_rule_line(FILE *out, const drvsim_bugcheck *b)
{
    const char *labels[3] = {"rule ", "in ", "at "};
    const char *values[3] = {b->rule, b->routine, b->site};
    bool any = false;

    for (int i = 0; i < 3; i++) {
        if (values[i][0] != '\0') {
            fprintf(out, "%s%s%s", any ? ", " : "  ", labels[i], values[i]);
            any = true;
        }
    }
    if (any) {
        fputc('\n', out);
    }
}

/* The driver's per-driver counters, or NULL when the run has none for it. */
static const drvsim_driver_result *kd_driver_of(const drvsim_result *r, const char *name)
{
    for (size_t i = 0; i < r->driver_count; i++) {
        if (strcmp(r->drivers[i].name, name) == 0)
            return &r->drivers[i];
    }
    return NULL;
}

/*
 * The outstanding allocations of a leaking driver in the layout of
 * `!verifier 3 driver.sys` (devtest/debugging-memory-leaks---driver-verifier-
 * detected-violation--c4---0x62.md): the driver's pool statistics, nonpaged
 * then paged, then one line per allocation. Where Windows gives the caller's
 * code address, drvsim gives the scenario line that made the call. The
 * contiguous-memory lines are left out: drvsim does not simulate contiguous
 * memory.
 */
static void kd_write_leaks(FILE *out, const drvsim_result *r)
{
    if (r->leak_count == 0)
        return;
    fprintf(out, "  MODULE: %s\n", r->bugcheck.driver);
    const drvsim_driver_result *d = kd_driver_of(r, r->bugcheck.driver);
    if (d != NULL) {
        const uint64_t *c = d->counters;
        static const struct {
            const char *label;
            enum drvsim_driver_counter nonpaged, paged;
        } rows[] = {
            {"Current Pool Allocations:", DRVSIM_DC_CurrentNonPagedPoolAllocations,
             DRVSIM_DC_CurrentPagedPoolAllocations},
            {"Current Pool Bytes:", DRVSIM_DC_NonPagedPoolUsageInBytes,
             DRVSIM_DC_PagedPoolUsageInBytes},
            {"Peak Pool Allocations:", DRVSIM_DC_PeakNonPagedPoolAllocations,
             DRVSIM_DC_PeakPagedPoolAllocations},
            {"Peak Pool Bytes:", DRVSIM_DC_PeakNonPagedPoolUsageInBytes,
             DRVSIM_DC_PeakPagedPoolUsageInBytes},
        };
        fputs("    Pool Allocation Statistics: ( NonPagedPool / PagedPool )\n", out);
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            fprintf(out, "      %-25s ( 0x%08" PRIX64 " / 0x%08" PRIX64 " )\n", rows[i].label,
                    c[rows[i].nonpaged], c[rows[i].paged]);
        }
    }
    fputs("    Pool Allocations:\n", out);
    fprintf(out, "      %-18s  %-10s  %-4s  %s\n", "Address", "Length", "Tag", "Caller");
    fprintf(out, "      %-18s  %-10s  %-4s  %s\n", "------------------", "----------", "----",
            "------");
    for (size_t i = 0; i < r->leak_count; i++) {
        const drvsim_allocation *a = &r->leaks[i];
        fprintf(out, "      0x%016" PRIX64 "  0x%08" PRIX64 "  %-4s  %s\n", a->address,
                a->size_bytes, a->tag_text, a->site);
    }
}

/* The last injected failures, newest last, as `!verifier 4` lists the
 * stacks of the last few (the scenario line stands for the stack). */
#define KD_REPORT_FAULTS 4u

/* A fault of force pending I/O (/flags 0x200): a send made to return
 * STATUS_PENDING, not a call failed. */
static bool kd_fault_is_pend(const drvsim_fault *f)
{
    return strcmp(f->key.ddi, "IoCallDriver") == 0 || strcmp(f->key.ddi, "PoCallDriver") == 0;
}

static void kd_write_faults(FILE *out, const drvsim_result *r)
{
    if (r->fault_total == 0)
        return;
    size_t shown = r->fault_count < KD_REPORT_FAULTS ? r->fault_count : KD_REPORT_FAULTS;
    bool pend = false;
    for (size_t i = 0; i < r->fault_count; i++)
        pend = pend || kd_fault_is_pend(&r->faults[i]);
    if (pend)
        fprintf(out,
                "  low resources simulation and force pending I/O injected %" PRIu64
                " fault%s; last %zu:\n",
                r->fault_total, r->fault_total == 1 ? "" : "s", shown);
    else
        fprintf(out,
                "  low resources simulation failed %" PRIu64 " call%s deliberately; last %zu:\n",
                r->fault_total, r->fault_total == 1 ? "" : "s", shown);
    for (size_t i = r->fault_count - shown; i < r->fault_count; i++) {
        const drvsim_fault *f = &r->faults[i];
        char time_text[32];
        des_format_time(f->time_100ns, time_text, sizeof time_text);
        fprintf(out, "    %s  %s", time_text, f->key.ddi);
        if (f->tag_text[0] != '\0')
            fprintf(out, " tag \"%s\"", f->tag_text); /* as Windows shows it */
        fprintf(out, " #%" PRIu64 "%s  %s  %s\n", f->key.ordinal,
                kd_fault_is_pend(f) ? " forced STATUS_PENDING" : "", f->driver, f->site);
    }
}

/*
 * The parameters as `!analyze -v` lists them: "Arg1: 0000000000000062, "
 * and what the parameter holds, from the rule catalogue.
 */
static void kd_write_arguments(FILE *out, const drvsim_bugcheck *b)
{
    const drvsim_rule_info *rule = b->rule[0] != '\0' ? drvsim_rule_find(b->rule) : NULL;
    fputs("  Arguments:\n", out);
    for (int i = 0; i < 4; i++) {
        fprintf(out, "  Arg%d: %016" PRIx64, i + 1, b->params[i]);
        if (rule != NULL)
            fprintf(out, ", %s", rule->param_meaning[i]);
        fputc('\n', out);
    }
}

/* One step of a chain: the lock, its type and class, the routine and the
 * kind of code that took it, its IRQL, the scenario line. */
static void kd_write_lock_step(FILE *out, const char *verb, const drvsim_lock_step *s)
{
    fprintf(out, "    %-8s %c 0x%016" PRIX64 " %s, class %s\n", verb, s->name, s->lock, s->type,
            s->lock_class);
    fprintf(out, "             in %s%s(%s) at %s, %s\n", s->routine, s->routine[0] ? " " : "",
            s->context, s->irql, s->site[0] != '\0' ? s->site : "(routine entry)");
}

/* A row of the possible scenario: `text` in processor `column`'s column,
 * as lockdep lays it out (the first column's rows start further left). */
static void kd_write_scenario_row(FILE *out, size_t column, const char *text)
{
    fprintf(out, "%*s%s\n", column == 0 ? 2 : (int)(7 + 24 * column), "", text);
}

/* The heading: "CPU0", "CPU1", ... and their rules. */
static void kd_write_scenario_heading(FILE *out, size_t columns)
{
    for (int rule = 0; rule < 2; rule++) {
        for (size_t i = 0; i < columns; i++) {
            if (rule == 0)
                fprintf(out, "%*sCPU%zu", i == 0 ? 7 : 20, "", i);
            else
                fprintf(out, "%*s----", i == 0 ? 7 : 20, "");
        }
        fputc('\n', out);
    }
}

/*
 * Deadlock detection's chains (drvsim_deadlock): one per edge of the cycle,
 * or the acquisitions of an IRQL-safety rule, then lockdep's "possible
 * unsafe locking scenario" with a column per processor.
 */
static void kd_write_deadlock(FILE *out, const drvsim_deadlock *d)
{
    if (d->irql_rule)
        fprintf(out, "  IRQL-unsafe locking (%zu lock%s):\n", d->lock_count,
                d->lock_count == 1 ? "" : "s");
    else if (d->chain_count == 1)
        fputs("  Possible recursive locking: a lock taken while a lock of its class is held "
              "(the locks are examples):\n",
              out);
    else
        fprintf(out, "  Deadlock detected (%zu locks in %zu chains)%s:\n", d->lock_count,
                d->chain_count,
                d->by_class ? ", between lock classes (the locks are examples)" : "");
    for (size_t i = 0; i < d->chain_count; i++) {
        const drvsim_lock_chain *c = &d->chains[i];
        fprintf(out, "  Chain %zu: %s\n", i + 1, c->who);
        if (c->has_held)
            kd_write_lock_step(out, "holds", &c->held);
        kd_write_lock_step(out, c->has_held ? "acquires" : "takes", &c->acquired);
    }
    fputs("  Possible unsafe locking scenario:\n", out);
    char row[64];
    if (!d->irql_rule) {
        kd_write_scenario_heading(out, d->chain_count);
        for (size_t i = 0; i < d->chain_count; i++) {
            snprintf(row, sizeof row, "lock(%c);", d->chains[i].held.name);
            kd_write_scenario_row(out, i, row);
        }
        for (size_t i = 0; i < d->chain_count; i++) {
            snprintf(row, sizeof row, "lock(%c);", d->chains[i].acquired.name);
            kd_write_scenario_row(out, i, row);
        }
    } else if (d->chain_count == 2) {
        /* One lock: held below the ISR's IRQL, the ISR preempts the holder. */
        kd_write_scenario_heading(out, 1);
        snprintf(row, sizeof row, "lock(%c);", d->chains[0].acquired.name);
        kd_write_scenario_row(out, 0, row);
        kd_write_scenario_row(out, 0, "<Interrupt>");
        snprintf(row, sizeof row, "  lock(%c);", d->chains[1].acquired.name);
        kd_write_scenario_row(out, 0, row);
    } else {
        /* Two locks: CPU1 holds the ISR's lock and spins on the other. */
        kd_write_scenario_heading(out, 2);
        snprintf(row, sizeof row, "lock(%c);", d->chains[0].acquired.name);
        kd_write_scenario_row(out, 0, row);
        snprintf(row, sizeof row, "lock(%c);", d->chains[1].held.name);
        kd_write_scenario_row(out, 1, row);
        snprintf(row, sizeof row, "lock(%c);", d->chains[1].acquired.name);
        kd_write_scenario_row(out, 1, row);
        kd_write_scenario_row(out, 0, "<Interrupt>");
        snprintf(row, sizeof row, "  lock(%c);", d->chains[2].acquired.name);
        kd_write_scenario_row(out, 0, row);
    }
    fputs("   *** DEADLOCK ***\n", out);
    if (!d->irql_rule && d->chain_count == 1)
        fputs("  May be due to missing lock nesting notation (LockSubclass)\n", out);
}

/* The wait-for graph of a deadlock, one line per edge: who waits (or
 * spins), where, on what, and who holds it. */
static void kd_write_waits(FILE *out, const drvsim_result *r)
{
    for (size_t i = 0; i < r->wait_count; i++) {
        const drvsim_wait *w = &r->waits[i];
        if (w->cpu >= 0)
            fprintf(out, "  CPU %" PRId32 " (thread %" PRIu32 ", %s) spins on %s 0x%016" PRIx64,
                    w->cpu, w->thread, w->who, w->kind, w->object);
        else
            fprintf(out, "  thread %" PRIu32 " (%s) waits for %s%s%s%s 0x%016" PRIx64, w->thread,
                    w->who, w->kind, w->how[0] != '\0' ? " (" : "", w->how,
                    w->how[0] != '\0' ? ")" : "", w->object);
        if (w->site[0] != '\0')
            fprintf(out, " at %s", w->site);
        fprintf(out, ": %s", w->ownership);
        if (strncmp(w->ownership, "owned", 5) == 0 && w->owner_count > 0) {
            fprintf(out, " by thread%s", w->owner_count > 1 || w->more_owners ? "s" : "");
            for (uint32_t k = 0; k < w->owner_count; k++)
                fprintf(out, "%s %" PRIu32, k > 0 ? "," : "", w->owners[k]);
            if (w->more_owners)
                fputs(" and others", out);
        } else if (w->cpu >= 0 && w->owner_count > 0) {
            fprintf(out, " (thread %" PRIu32 ")", w->owners[0]);
        }
        fputc('\n', out);
    }
    if (r->idle_workers > 0)
        fprintf(out, "  (%" PRIu32 " idle system worker thread%s wait%s for work)\n",
                r->idle_workers, r->idle_workers > 1 ? "s" : "", r->idle_workers > 1 ? "" : "s");
}

static void kd_write_bugcheck(FILE *out, const drvsim_result *r, const char *replay)
{
    const drvsim_bugcheck *b = &r->bugcheck;
    char time_text[32];

    fprintf(out,
            "*** STOP: 0x%08" PRIX32 " (0x%016" PRIX64 ",0x%016" PRIX64 ",0x%016" PRIX64
            ",0x%016" PRIX64 ")\n",
            b->code, b->params[0], b->params[1], b->params[2], b->params[3]);
    const char *name = drvsim_bugcode_name(b->code);
    /* A driver may call KeBugCheckEx with any code; say so rather than
     * inventing a name. */
    fprintf(out, "%s\n", name != NULL ? name : "UNKNOWN_BUG_CHECK_CODE");
    /* The contract's third line (CONTRACT 2), then the arguments as
     * !analyze -v lists them after its description of the bug check. */
    if (b->driver[0] != '\0') {
        fprintf(out, "  driver %s%s%s\n", b->driver, b->description[0] != '\0' ? ": " : "",
                b->description);
    } else if (b->description[0] != '\0') {
        fprintf(out, "  %s\n", b->description);
    }
    kd_write_arguments(out, b);
    kd_write_rule_line(out, b);
    if (b->detail[0] != '\0') {
        kd_write_indented(out, b->detail);
    }
    if (r->deadlock != NULL)
        kd_write_deadlock(out, r->deadlock);
    kd_write_waits(out, r);
    kd_write_leaks(out, r);
    kd_write_faults(out, r);
    if (r->delay_total > 0) {
        fprintf(out,
                "  kernel synchronization delay fuzzing held back %" PRIu64
                " call%s, %" PRIu64 ".%u us in all\n",
                r->delay_total, r->delay_total == 1 ? "" : "s", r->delay_total_100ns / 10u,
                (unsigned)(r->delay_total_100ns % 10u));
    }

    des_format_time(b->time_100ns, time_text, sizeof time_text);
    fprintf(out, "  at %s simulated, CPU %" PRIu32 ", IRQL ", time_text, b->cpu);
    if (b->irql_name[0] != '\0') {
        fputs(b->irql_name, out);
    } else {
        fprintf(out, "%u", (unsigned)b->irql);
    }
    if (b->process[0] != '\0') {
        fprintf(out, ", process %s", b->process);
    }
    fputc('\n', out);

    fprintf(out, "  seed %" PRIu64 ", digest 0x%016" PRIx64 "\n", r->seed, r->digest);
    kd_write_replay_line(out, replay);
    kd_write_expect_line(out, r);
    if (r->deadlock != NULL && r->deadlock->make_it_real[0] != '\0')
        fprintf(out, "  make it real: %s\n", r->deadlock->make_it_real);
}

void kd_report_write(FILE *out, const drvsim_result *r, const char *replay)
{
    char time_text[32];

    switch (r->outcome) {
    case DRVSIM_OUTCOME_BUGCHECK:
        kd_write_bugcheck(out, r, replay);
        return;
    case DRVSIM_OUTCOME_CLEAN:
        des_format_time(r->sim_time_100ns, time_text, sizeof time_text);
        fprintf(out, "clean: %s, seed %" PRIu64 ", %s simulated, digest 0x%016" PRIx64 "\n",
                r->name[0] != '\0' ? r->name : r->scenario, r->seed, time_text, r->digest);
        kd_write_expect_line(out, r);
        return;
    case DRVSIM_OUTCOME_TIMEOUT:
        des_format_time(r->sim_time_100ns, time_text, sizeof time_text);
        fprintf(out, "TIMEOUT: %s, seed %" PRIu64 ", %s simulated, digest 0x%016" PRIx64 "\n",
                r->message[0] != '\0' ? r->message : "a limit was reached", r->seed, time_text,
                r->digest);
        kd_write_replay_line(out, replay);
        kd_write_expect_line(out, r);
        return;
    case DRVSIM_OUTCOME_DEADLOCK:
        /* A hang: no bug check on Windows; the graph says who waits for
         * whom (sim/ke/waitgraph.c). */
        des_format_time(r->sim_time_100ns, time_text, sizeof time_text);
        fprintf(out, "DEADLOCK: %s\n", r->message[0] != '\0' ? r->message : "nothing can run");
        kd_write_waits(out, r);
        fprintf(out, "  at %s simulated\n", time_text);
        fprintf(out, "  seed %" PRIu64 ", digest 0x%016" PRIx64 "\n", r->seed, r->digest);
        kd_write_replay_line(out, replay);
        kd_write_expect_line(out, r);
        return;
    case DRVSIM_OUTCOME_ERROR:
        fprintf(out, "error: %s\n", r->message[0] != '\0' ? r->message : "scenario error");
        return;
    }
    fprintf(out, "error: run ended with an unknown outcome %d\n", (int)r->outcome);
}

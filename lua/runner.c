/*
 * runner.c - drvsim_run: one scenario, start to end.
 *
 * The scenario's top level runs first, with no machine: it declares the
 * scenario, its drivers and its run() body. Then the machine boots with the
 * declared configuration (command-line options win), the run() body becomes
 * the harness thread, and the kernel's dispatch loop runs until the body
 * returns or the machine stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binding.h"
#include "ex/pool.h"
#include "kd/report.h"
#include "kd/perfetto.h"
#include "kd/trace.h"
#include "mm/mm.h"
#include "mm/special.h"
#include "vf/deadlock.h"
#include "vf/delay_fuzz.h"
#include "vf/race.h"
#include "vf/vf.h"

#define LB_MEMORY_LIMIT_BYTES (1024ull << 20) /* host memory a scenario's Lua may hold */

/* The largest scenario or driver file drvsim reads. */
#define LB_MAX_FILE_BYTES (16u << 20)

/*
 * Reads a scenario or driver file into *text (malloc'd; the caller frees
 * it). Only a regular file: a FIFO or a device would block the run for ever
 * or read the host, so it is stat'ed before it is opened, opened without
 * blocking, and checked again on the open descriptor (the same file). False
 * with the reason in why.
 */
static bool read_source(const char *path, char **text, size_t *len, char *why, size_t why_len)
{
    struct stat before, st;
    if (stat(path, &before) != 0) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    if (!S_ISREG(before.st_mode)) {
        snprintf(why, why_len, "%s is not a regular file (drvsim reads Lua source files only)",
                 path);
        return false;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == before.st_dev &&
              st.st_ino == before.st_ino;
    if (!ok)
        snprintf(why, why_len, "%s is not a regular file (drvsim reads Lua source files only)",
                 path);
    else if (st.st_size > (off_t)LB_MAX_FILE_BYTES) {
        snprintf(why, why_len, "%s is larger than %u MiB", path, LB_MAX_FILE_BYTES >> 20);
        ok = false;
    }
    char *buf = ok ? malloc((size_t)st.st_size + 1) : NULL;
    if (ok && buf == NULL) {
        snprintf(why, why_len, "out of host memory reading %s", path);
        ok = false;
    }
    size_t got = 0;
    while (ok && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(why, why_len, "cannot read %s: %s", path,
                     n < 0 ? strerror(errno) : "the file shrank while being read");
            ok = false;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (!ok) {
        free(buf);
        return false;
    }
    *text = buf;
    *len = got;
    return true;
}

/*
 * Lua's parser reports nesting deeper than it allows ("C stack overflow")
 * with no line. The first line whose prefix of the text overflows too is
 * where the nesting became too deep: found by bisection, each step a parse
 * of a prefix (only when the error happened). Returns 0 if none does.
 */
static size_t overflow_line(lua_State *L, const char *text, size_t len, const char *name)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    size_t lo = 1, hi = lines + 1; /* the answer is in [lo, hi); hi: none */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, end = 0;
        for (size_t line = 1; end < len && line <= mid; end++)
            line += text[end] == '\n';
        bool overflows = luaL_loadbufferx(L, text, end, name, "t") != LUA_OK &&
                         strstr(lua_tostring(L, -1), "C stack overflow") != NULL;
        lua_pop(L, 1);
        if (overflows)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo <= lines ? lo : 0;
}

/*
 * Compiled chunks, per process (issue 18: parsing the scenario again in
 * every seed of a sweep). The first load of a file parses its text and
 * keeps the compiled chunk (lua_dump, debug information kept: the source
 * name, lines and local names of every message); a later load of the same
 * path whose text is byte for byte the same loads that instead. The text is
 * read every time, so an edited file is parsed again; a text that does not
 * parse is never kept, so its error is the parser's every time.
 */
#define LB_COMPILED_MAX 16

typedef struct lb_compiled {
    char *path;
    char *text; /* as loaded (a #! line blanked) */
    size_t len;
    char *code; /* lua_dump's bytes */
    size_t code_len;
    uint64_t charged; /* instructions the parse charged (its long strings: sandbox.c) */
    struct stat file;  /* the file as stat'ed before it was read */
} lb_compiled;

static lb_compiled compiled[LB_COMPILED_MAX];
static size_t compiled_count, compiled_next;
static bool sources_trusted; /* drvsim_trust_sources: no stat of a compiled file */

void drvsim_trust_sources(void)
{
    sources_trusted = true;
}

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    lb_compiled *c = ud;
    char *grown = realloc(c->code, c->code_len + n);
    if (grown == NULL)
        return 1;
    memcpy(grown + c->code_len, p, n);
    c->code = grown;
    c->code_len += n;
    return 0;
}

static lb_compiled *compiled_find(const char *path, const char *text, size_t len)
{
    for (size_t i = 0; i < compiled_count; i++) {
        lb_compiled *c = &compiled[i];
        if (strcmp(c->path, path) == 0)
            return c->len == len && memcmp(c->text, text, len) == 0 ? c : NULL;
    }
    return NULL;
}

/* Keeps the compiled chunk on top of L's stack for path's text (replacing
 * what path held). Nothing is kept when the host's memory is short. */
static void compiled_keep(lua_State *L, const char *path, const char *text, size_t len,
                          uint64_t charged, const struct stat *file)
{
    lb_compiled *c = NULL;
    for (size_t i = 0; i < compiled_count && c == NULL; i++) {
        if (strcmp(compiled[i].path, path) == 0)
            c = &compiled[i];
    }
    if (c == NULL && compiled_count == LB_COMPILED_MAX)
        c = &compiled[compiled_next++ % LB_COMPILED_MAX]; /* the oldest made way */
    if (c == NULL)
        c = &compiled[compiled_count++];
    free(c->path);
    free(c->text);
    free(c->code);
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    c->text = malloc(len + 1);
    if (c->path != NULL && c->text != NULL && lua_dump(L, dump_writer, c, 0) == 0) {
        memcpy(c->text, text, len);
        c->len = len;
        c->charged = charged;
        c->file = *file;
        return;
    }
    free(c->path);
    free(c->text);
    free(c->code);
    *c = compiled[--compiled_count]; /* the last entry moves into the hole */
    memset(&compiled[compiled_count], 0, sizeof compiled[compiled_count]);
}

int lb_load_file(lua_State *L, const char *path, uint16_t *chunk)
{
    lb_state *lb = lb_get(L);
    if (lb->chunk_count == LB_MAX_CHUNKS) {
        lua_pushfstring(L, "too many files (at most %d)", LB_MAX_CHUNKS);
        return LUA_ERRFILE;
    }
    char why[600];
    char *text = NULL;
    size_t len = 0;
    /* A file unchanged since it was compiled (the same file, size, and
     * modification and change times): its text is the one kept, without
     * opening and reading it again (four system calls a seed). */
    struct stat file;
    memset(&file, 0, sizeof file);
    const lb_compiled *same = NULL;
    for (size_t i = 0; sources_trusted && i < compiled_count && same == NULL; i++) {
        if (strcmp(compiled[i].path, path) == 0)
            same = &compiled[i];
    }
    if (same != NULL) {
        file = same->file; /* trusted: as it was when compiled */
    } else if (stat(path, &file) == 0 && S_ISREG(file.st_mode)) {
        for (size_t i = 0; i < compiled_count && same == NULL; i++) {
            const struct stat *k = &compiled[i].file;
            if (strcmp(compiled[i].path, path) == 0 && k->st_dev == file.st_dev &&
                k->st_ino == file.st_ino && k->st_size == file.st_size &&
                k->st_mtim.tv_sec == file.st_mtim.tv_sec &&
                k->st_mtim.tv_nsec == file.st_mtim.tv_nsec &&
                k->st_ctim.tv_sec == file.st_ctim.tv_sec &&
                k->st_ctim.tv_nsec == file.st_ctim.tv_nsec)
                same = &compiled[i];
        }
    }
    if (same != NULL && (text = malloc(same->len + 1)) != NULL) {
        memcpy(text, same->text, same->len);
        len = same->len;
    } else if (!read_source(path, &text, &len, why, sizeof why)) {
        lua_pushstring(L, why);
        return LUA_ERRFILE;
    }
    text[len] = '\0';
    /* As luaL_loadfile: a UTF-8 byte order mark is skipped, and a first line
     * that starts with '#' (a #! line) is blanked, so the line stays counted
     * and the text kept for the import scan keeps its offsets. */
    size_t skip = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (skip < len && text[skip] == '#') {
        for (size_t i = skip; i < len && text[i] != '\n'; i++)
            text[i] = ' ';
    }
    /* Precompiled chunks are refused by name: Lua's own message for them
     * ("attempt to load a binary chunk") names no file. */
    size_t first = skip;
    while (first < len && text[first] == ' ')
        first++;
    if (first < len && text[first] == LUA_SIGNATURE[0]) {
        free(text);
        lua_pushfstring(L, "%s: a precompiled Lua chunk (bytecode); drvsim runs Lua source only",
                        path);
        return LUA_ERRSYNTAX;
    }
    char *copy = strdup(path);
    if (copy == NULL) {
        free(text);
        lua_pushliteral(L, "out of host memory");
        return LUA_ERRMEM;
    }
    lua_pushfstring(L, "@%s", path);
    const char *name = lua_tostring(L, -1);
    const lb_compiled *c = compiled_find(path, text, len);
    uint64_t before = lb->instructions;
    int status = c != NULL ? luaL_loadbufferx(L, c->code, c->code_len, name, "b")
                           : luaL_loadbufferx(L, text + skip, len - skip, name, "t");
    /* The compiled chunk costs what parsing the text cost: the parser makes
     * a long string per literal, the loader one per function using it. */
    if (status == LUA_OK && c != NULL)
        lb->instructions = before + c->charged;
    else if (status == LUA_OK)
        compiled_keep(L, path, text, len, lb->instructions - before, &file);
    if (status != LUA_OK && lua_isstring(L, -1) &&
        strcmp(lua_tostring(L, -1), "C stack overflow") == 0) {
        lua_pop(L, 1);
        size_t line = overflow_line(L, text + skip, len - skip, name);
        lua_pushfstring(L, "%s:%I: nesting too deep (C stack overflow)", path, (lua_Integer)line);
    }
    lua_remove(L, -2); /* the chunk name */
    if (status != LUA_OK) {
        free(copy);
        free(text);
        return status;
    }
    *chunk = lb->chunk_count;
    lb->chunks[lb->chunk_count] = copy;
    lb->sources[lb->chunk_count] = text;
    lb->source_lengths[lb->chunk_count] = len;
    lb->chunk_count++;
    return LUA_OK;
}

void lb_register_globals(lua_State *L)
{
    /* constants.c's table and the DDIs are resolved on first use
     * (globals.c), in the order of registration: the constants' first. */
    lb_defer_constant_macros(L);
    lb_register_pointer(L);
    lb_register_scenario(L);
    lb_register_harness(L);
    lb_register_debug(L);
    lb_register_wdk(L);
    lb_register_strsafe(L);
    lb_register_pageable(L);
    lua_pushglobaltable(L);
    /* The remove-lock macros and KeWaitForMutexObject were registered
     * last, after the DDIs: none of their names is another's, so they are
     * resolved on first use like the rest. */
    lb_register_macros(L);
    lb_globals_lazy(L);
    lua_pop(L, 1);
    lb_sandbox_seal(L);
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

static void describe_outcome(const drvsim_result *r, char *buf, size_t len)
{
    switch (r->outcome) {
    case DRVSIM_OUTCOME_CLEAN:
        snprintf(buf, len, "a clean run");
        break;
    case DRVSIM_OUTCOME_BUGCHECK:
        snprintf(buf, len, "bug check 0x%X P1=0x%llX%s%s", r->bugcheck.code,
                 (unsigned long long)r->bugcheck.params[0], r->bugcheck.driver[0] ? " driver " : "",
                 r->bugcheck.driver);
        break;
    case DRVSIM_OUTCOME_TIMEOUT:
        snprintf(buf, len, "a timeout (%s)", r->message);
        break;
    case DRVSIM_OUTCOME_ERROR:
        snprintf(buf, len, "a scenario error");
        break;
    case DRVSIM_OUTCOME_DEADLOCK:
        snprintf(buf, len, "a deadlock (%s)", r->message);
        break;
    }
}

static bool outcome_matches(const drvsim_result *r)
{
    const drvsim_expect *e = &r->expect;
    if (e->timeout)
        return r->outcome == DRVSIM_OUTCOME_TIMEOUT;
    if (e->deadlock)
        return r->outcome == DRVSIM_OUTCOME_DEADLOCK;
    if (e->clean)
        return r->outcome == DRVSIM_OUTCOME_CLEAN;
    if (r->outcome != DRVSIM_OUTCOME_BUGCHECK || r->bugcheck.code != e->code)
        return false;
    for (int i = 0; i < 4; i++) {
        if (e->has_p[i] && r->bugcheck.params[i] != e->p[i])
            return false;
    }
    return e->driver[0] == '\0' || strcasecmp(e->driver, r->bugcheck.driver) == 0;
}

static void finish_result(drvsim_result *r)
{
    if (r->outcome == DRVSIM_OUTCOME_ERROR) {
        r->expected = false;
        if (r->exit_code == 0)
            r->exit_code = DRVSIM_EXIT_SCENARIO;
        return;
    }
    r->expected = outcome_matches(r);
    r->exit_code = r->expected ? DRVSIM_EXIT_OK : DRVSIM_EXIT_MISMATCH;
    /* A timeout keeps its own message (which limit), a deadlock its own
     * (who waits for whom); the report adds what was expected. */
    if (!r->expected && r->outcome != DRVSIM_OUTCOME_TIMEOUT &&
        r->outcome != DRVSIM_OUTCOME_DEADLOCK) {
        char want[256], got[640];
        kd_format_expect(&r->expect, want, sizeof want);
        describe_outcome(r, got, sizeof got);
        snprintf(r->message, sizeof r->message, "expected %s, got %s", want, got);
    }
}

static void fail(drvsim_result *r, int exit_code, const char *message)
{
    r->outcome = DRVSIM_OUTCOME_ERROR;
    r->exit_code = exit_code;
    snprintf(r->message, sizeof r->message, "%s", message);
}

static bool add_note(drvsim_result *r, const char *text)
{
    char **grown = realloc(r->notes, (r->note_count + 1) * sizeof *grown);
    if (grown == NULL)
        return false;
    r->notes = grown;
    r->notes[r->note_count] = strdup(text);
    if (r->notes[r->note_count] == NULL)
        return false;
    r->note_count++;
    return true;
}

/* The outstanding allocations of the driver a leak bug check blames. */
static void collect_leaks(drvsim_result *r, ke_machine *m, lb_state *lb)
{
    io_driver *d = io_find_driver(m, r->bugcheck.driver);
    if (d == NULL || d->tracked_count == 0)
        return;
    r->leaks = calloc(d->tracked_count, sizeof *r->leaks);
    if (r->leaks == NULL)
        return;
    for (const ex_block *b = d->tracked_head; b != NULL; b = b->track_next) {
        drvsim_allocation *a = &r->leaks[r->leak_count++];
        a->address = b->va;
        a->size_bytes = b->size_bytes;
        a->tag = b->tag;
        ex_tag_text(b->tag, a->tag_text);
        ex_pool_type_name(b->pool_type, a->pool_type, sizeof a->pool_type);
        lb_host_site_name(lb, b->site, a->site, sizeof a->site);
    }
}

/* A recorded eligible call as the result gives it. */
static void fault_out(drvsim_fault *f, const vf_fault_record *rec, ke_machine *m, lb_state *lb)
{
    memset(f, 0, sizeof *f);
    snprintf(f->key.ddi, sizeof f->key.ddi, "%s",
             rec->key.ddi < DDI_COUNT ? ddi_names[rec->key.ddi] : "?");
    f->key.tag = rec->key.tag;
    f->key.ordinal = rec->key.ordinal;
    if (rec->key.tag != 0)
        ex_tag_text(rec->key.tag, f->tag_text);
    lb_host_site_name(lb, rec->site, f->site, sizeof f->site);
    if (rec->driver >= 0 && (uint32_t)rec->driver < m->driver_count)
        snprintf(f->driver, sizeof f->driver, "%s", m->drivers[rec->driver]->name);
    f->nth = rec->nth;
    f->time_100ns = rec->time_100ns;
}

static void collect_faults(drvsim_result *r, ke_machine *m, lb_state *lb)
{
    const vf_inject *in = &m->vf->inject;
    r->fault_total = in->injected_total;
    if (in->injected_count > 0 && (r->faults = calloc(in->injected_count, sizeof *r->faults))) {
        r->fault_count = in->injected_count;
        for (size_t i = 0; i < in->injected_count; i++)
            fault_out(&r->faults[i], &in->injected[i], m, lb);
    }
    if (in->site_count > 0 && (r->fault_sites = calloc(in->site_count, sizeof *r->fault_sites))) {
        r->fault_site_count = in->site_count;
        for (size_t i = 0; i < in->site_count; i++)
            fault_out(&r->fault_sites[i], &in->sites[i], m, lb);
    }
    /* The recorded scheduling decisions: the machine's log changes hands. */
    r->switches = m->switch_log;
    r->switch_count = m->switch_log_count;
    m->switch_log = NULL;
    m->switch_log_count = m->switch_log_capacity = 0;
}

/* IRP logging's records (/flags 0x400), for the JSON. */
static void collect_irp_logs(drvsim_result *r, ke_machine *m)
{
    const vf_irplog *log = &m->vf->irplog;
    _Static_assert(DRVSIM_IRP_LOG_ENTRIES == VF_IRPLOG_ENTRIES, "one record size");
    if (log->count == 0 || (r->irp_logs = calloc(log->count, sizeof *r->irp_logs)) == NULL)
        return;
    r->irp_log_count = log->count;
    for (size_t i = 0; i < log->count; i++) {
        const vf_irplog_device *d = &log->devices[i];
        drvsim_irp_log *o = &r->irp_logs[i];
        snprintf(o->driver, sizeof o->driver, "%s",
                 d->driver < m->driver_count ? m->drivers[d->driver]->name : "?");
        snprintf(o->device, sizeof o->device, "%s", d->name);
        o->address = d->device;
        o->total = d->total;
        o->entry_count = d->count;
        for (uint32_t k = 0; k < d->count; k++) {
            const vf_irplog_entry *e = &d->ring[k];
            o->entries[k] = (drvsim_irp_log_entry){e->seq,   e->time_100ns,  e->thread,
                                                    e->major, e->minor,       e->ioctl,
                                                    e->input_bytes, e->output_bytes};
        }
    }
}

static void collect(drvsim_result *r, ke_machine *m, lb_state *lb)
{
    switch (m->stop) {
    case KE_STOP_BUGCHECK:
        r->outcome = DRVSIM_OUTCOME_BUGCHECK;
        r->bugcheck = m->bugcheck;
        break;
    case KE_STOP_LIMIT:
        r->outcome = DRVSIM_OUTCOME_TIMEOUT;
        snprintf(r->message, sizeof r->message, "%s", m->stop_message);
        break;
    case KE_STOP_SCENARIO_ERROR:
        r->outcome = DRVSIM_OUTCOME_ERROR;
        snprintf(r->message, sizeof r->message, "%s", m->stop_message);
        break;
    case KE_STOP_DEADLOCK:
        r->outcome = DRVSIM_OUTCOME_DEADLOCK;
        snprintf(r->message, sizeof r->message, "%s", m->stop_message);
        break;
    case KE_RUNNING:
    case KE_STOP_FINISHED:
        r->outcome = DRVSIM_OUTCOME_CLEAN;
        break;
    }
    r->sim_time_100ns = m->des.now_100ns;
    r->events = m->des.events_fired;
    lb_charge_live(lb);
    r->instructions = lb->instructions;
    memcpy(r->counters, m->vf->counters, sizeof r->counters);
    r->drivers = calloc(m->driver_count ? m->driver_count : 1, sizeof *r->drivers);
    if (r->drivers != NULL) {
        r->driver_count = m->driver_count;
        for (uint32_t i = 0; i < m->driver_count; i++) {
            snprintf(r->drivers[i].name, sizeof r->drivers[i].name, "%s", m->drivers[i]->name);
            r->drivers[i].verified = m->drivers[i]->verified;
            memcpy(r->drivers[i].counters, m->drivers[i]->counters, sizeof r->drivers[i].counters);
        }
    }
    /* A deadlock's wait-for graph (outcome deadlock, or the spinners of a
     * DPC watchdog bug check) moves to the result. */
    if (m->waitgraph.built &&
        (r->outcome == DRVSIM_OUTCOME_DEADLOCK || r->outcome == DRVSIM_OUTCOME_BUGCHECK)) {
        r->waits = m->waitgraph.rows;
        r->wait_count = m->waitgraph.count;
        r->idle_workers = m->waitgraph.idle_workers;
        snprintf(r->cycle, sizeof r->cycle, "%s", m->waitgraph.cycle);
        m->waitgraph.rows = NULL;
        m->waitgraph.count = m->waitgraph.capacity = 0;
    }
    /* The debug output moves to the result. */
    r->debug_output = m->debug_output;
    r->debug_output_count = m->debug_output_count;
    m->debug_output = NULL;
    m->debug_output_count = 0;
    r->warnings = m->warnings;
    r->warning_count = m->warning_count;
    r->warning_total = m->warning_total;
    m->warnings = NULL;
    m->warning_count = 0;
    if (r->outcome == DRVSIM_OUTCOME_BUGCHECK &&
        strcmp(r->bugcheck.rule, "pool_leak_on_unload") == 0)
        collect_leaks(r, m, lb);
    if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        r->deadlock = vf_deadlock_take_report(m);
        r->race = vf_race_take_report(m);
    }
    collect_faults(r, m, lb);
    collect_irp_logs(r, m);
    if (m->vf->delay != NULL) {
        r->delay_total = m->vf->delay->count;
        r->delay_total_100ns = m->vf->delay->total_100ns;
    }
    /* After the last record, the final state of every stream goes into the
     * digest (FoundationDB's run fingerprint): two runs that drew differently
     * differ even if their traces happen to agree. */
    const des_rng *streams[] = {&m->rng_sched, &m->rng_lua, &m->pool->rng_fill};
    for (size_t s = 0; s < sizeof streams / sizeof streams[0]; s++) {
        for (int i = 0; i < 4; i++)
            des_digest_u64(&m->des, streams[s]->s[i]);
    }
    /* The "faults" stream only once drawn from: runs that never inject keep
     * the digests they had before low resources simulation existed. */
    for (int i = 0; m->vf->inject.rng_drawn && i < 4; i++)
        des_digest_u64(&m->des, m->vf->inject.rng.s[i]);
    for (int i = 0; m->vf->pend.rng_drawn && i < 4; i++)
        des_digest_u64(&m->des, m->vf->pend.rng.s[i]); /* "iopend", likewise */
    for (int i = 0; m->vf->delay != NULL && i < 4; i++)
        des_digest_u64(&m->des, m->vf->delay->rng.s[i]); /* "delayfuzz", under 0x800000 only */
    r->digest = des_digest(&m->des);
    if (lb->host_timed_out)
        r->digest = 0; /* wall time decided where the run stopped */
}

/* ------------------------------------------------------------------------ */
/* The run                                                                  */
/* ------------------------------------------------------------------------ */

static void default_name(const char *path, char *buf, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    snprintf(buf, len, "%s", base);
    size_t n = strlen(buf);
    if (n > 4 && strcmp(buf + n - 4, ".lua") == 0)
        buf[n - 4] = '\0';
}

/* Runs the scenario's top level. Returns false (result filled) if the run
 * cannot go on. */
static bool run_top_level(lb_state *lb, drvsim_result *r)
{
    lua_State *L = lb->L;
    uint16_t chunk = 0;
    int status = lb_load_file(L, lb->scenario_path, &chunk);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fail(r, DRVSIM_EXIT_SCENARIO, msg != NULL ? msg : "cannot load the scenario");
        return false;
    }
    /* The top level runs as a coroutine, so that after an error its stack
     * still says where it was raised, whatever the error value: error({}),
     * error(), and "not enough memory", which no message handler sees. A
     * limit or a scenario error yields it for good. */
    lua_State *co = lua_newthread(L);
    lua_insert(L, -2);
    lua_xmove(L, co, 1);
    lb_hook_thread(co);
    lb->top_level = co;
    int results = 0;
    status = lua_resume(co, L, 0, &results);
    lb->top_level = NULL;
    if (status == LUA_OK)
        lb_charge_tail(co);
    else
        lb_charge_pending(co); /* an error, or a stop: where it stood */
    if (lb->stopped_early) {
        r->outcome = lb->early_outcome;
        snprintf(r->message, sizeof r->message, "%s", lb->early_message);
        lua_pop(L, 1);
        return false;
    }
    if (status != LUA_OK) {
        char msg[1024];
        if (status == LUA_YIELD || lua_touserdata(co, -1) == &lb_stop_key ||
            lua_touserdata(co, -1) == &lb_scenario_key)
            snprintf(msg, sizeof msg, "%s: the top level stopped unexpectedly", lb->scenario_path);
        else if (!lb_unresolved_call(co, -1, true, msg, sizeof msg))
            lb_error_message(co, -1, status, msg, sizeof msg);
        fail(r, DRVSIM_EXIT_SCENARIO, msg);
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1); /* the coroutine, done */
    if (lb->run_ref == LUA_NOREF) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: the scenario has no run(function() ... end) body",
                 lb->scenario_path);
        fail(r, DRVSIM_EXIT_SCENARIO, msg);
        return false;
    }
    return true;
}

/* The file:line of the scenario{} table, for messages about its fields. */
static const char *scenario_where(const lb_state *lb)
{
    return lb->sc.where[0] != '\0' ? lb->sc.where : lb->scenario_path;
}

/* The verifier and GFlags settings in force: the command line's, else the
 * scenario's. An invalid command-line value is a usage error (exit 2), an
 * invalid scenario value a scenario error (exit 3). */
static bool settings(const drvsim_options *opt, lb_state *lb, vf_settings *vs, vf_gflags *gf,
                     drvsim_result *r)
{
    char err[300], msg[700];
    const char *text = opt->verifier != NULL ? opt->verifier : lb->sc.verifier;
    if (text != NULL && !vf_settings_parse(vs, text, err, sizeof err)) {
        snprintf(msg, sizeof msg, "%s%s", opt->verifier != NULL ? "--verifier: " : "", err);
        if (opt->verifier == NULL)
            snprintf(msg, sizeof msg, "%s: scenario{ verifier }: %s", scenario_where(lb), err);
        fail(r, opt->verifier != NULL ? DRVSIM_EXIT_USAGE : DRVSIM_EXIT_SCENARIO, msg);
        return false;
    }
    if (opt->races)
        vs->options |= VF_OPTION_RACES;
    text = opt->gflags != NULL ? opt->gflags : lb->sc.gflags;
    if (text != NULL && !vf_gflags_parse(gf, text, err, sizeof err)) {
        if (opt->gflags != NULL)
            snprintf(msg, sizeof msg, "--gflags: %s", err);
        else
            snprintf(msg, sizeof msg, "%s: scenario{ gflags }: %s", scenario_where(lb), err);
        fail(r, opt->gflags != NULL ? DRVSIM_EXIT_USAGE : DRVSIM_EXIT_SCENARIO, msg);
        return false;
    }
    return true;
}

/* The DDI id of a name, or -1. */
static int ddi_by_name(const char *name)
{
    for (int i = 0; i < DDI_COUNT; i++) {
        if (strcmp(ddi_names[i], name) == 0)
            return i;
    }
    return -1;
}

/* The systematic low resources modes and the scenario's fault predicate.
 * False (result filled) on a bad choice list. */
static bool set_inject_mode(const drvsim_options *opt, lb_state *lb, ke_machine *m,
                            drvsim_result *r, vf_fault_key **keys)
{
    vf_inject *in = &m->vf->inject;
    in->mode.fail_nth = opt->fail_nth;
    in->mode.list_sites = opt->list_fault_sites;
    in->mode.replay = opt->replay_given;
    if (opt->replay_count > 0) {
        *keys = calloc(opt->replay_count, sizeof **keys);
        if (*keys == NULL) {
            fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory");
            return false;
        }
        for (size_t i = 0; i < opt->replay_count; i++) {
            int ddi = ddi_by_name(opt->replay[i].ddi);
            if (ddi < 0) {
                char msg[200];
                snprintf(msg, sizeof msg, "--replay: no DDI named \"%.64s\"", opt->replay[i].ddi);
                fail(r, DRVSIM_EXIT_USAGE, msg);
                return false;
            }
            (*keys)[i] = (vf_fault_key){(uint16_t)ddi, opt->replay[i].tag, opt->replay[i].ordinal};
        }
        in->mode.keys = *keys;
        in->mode.key_count = opt->replay_count;
    }
    if (lb->sc.faults_ref != LUA_NOREF) {
        in->predicate = lb_fault_predicate;
        in->predicate_ctx = lb;
    }
    return true;
}

static void run_machine(const drvsim_options *opt, lb_state *lb, drvsim_result *r,
                        const vf_settings *vs, const vf_gflags *gf)
{
    lb_scenario *sc = &lb->sc;
    if (sc->memory_bytes > mm_memory_limit(sc->arch)) {
        char msg[700];
        snprintf(msg, sizeof msg, "%s: scenario{}: memory is at most %s on %s", scenario_where(lb),
                 sc->arch == KE_ARCH_X86 ? "4GB" : "16TB", sc->arch == KE_ARCH_X86 ? "x86" : "x64");
        fail(r, DRVSIM_EXIT_SCENARIO, msg);
        lua_close(lb->L);
        lb->L = NULL;
        return;
    }
    ke_config config = {
        .seed = lb->seed,
        .cpus = opt->cpus != 0 ? opt->cpus : sc->cpus,
        .arch = sc->arch,
        .build = sc->build,
        .memory_bytes = sc->memory_bytes,
        .sched = sc->sched,
        .record_switches = opt->record_switches,
        .replay_switches_given = opt->replay_switches_given,
        .replay_switches = opt->replay_switches,
        .replay_switch_count = opt->replay_switch_count,
        .kd_attached = opt->kd || sc->kd,
    };
    /* The command line's strategy was checked when it was parsed. */
    if (opt->sched != NULL && !ke_sched_parse(opt->sched, &config.sched)) {
        fail(r, DRVSIM_EXIT_USAGE, "--sched: not a scheduling strategy");
        lua_close(lb->L);
        lb->L = NULL;
        return;
    }
    config.limits.max_time_100ns = opt->limit_time_100ns != 0 ? opt->limit_time_100ns
                                   : sc->limit_100ns != 0     ? sc->limit_100ns
                                                              : DRVSIM_DEFAULT_LIMIT_TIME_100NS;
    config.limits.max_events =
        opt->limit_events != 0 ? opt->limit_events : DRVSIM_DEFAULT_LIMIT_EVENTS;
    ke_host host = {
        .ctx = lb,
        .resume = lb_host_resume,
        .site = lb_host_site,
        .site_name = lb_host_site_name,
        .stack_id = lb_host_stack_id,
        .call_site = lb_host_call_site,
        .same_routine = lb_host_same_routine,
    };
    /* The trace file is open before boot, so that it holds the boot record. */
    FILE *trace = NULL;
    kd_trace_ctx trace_ctx = {0};
    if (opt->trace_path != NULL) {
        trace = fopen(opt->trace_path, "w");
        if (trace == NULL) {
            char msg[700];
            snprintf(msg, sizeof msg, "--trace: cannot open %s: %s", opt->trace_path,
                     strerror(errno));
            fail(r, DRVSIM_EXIT_USAGE, msg);
            return;
        }
        trace_ctx.out = trace;
        config.trace_sink = kd_trace_sink;
        config.trace_ctx = &trace_ctx;
    }
    FILE *perfetto = NULL;
    if (opt->perfetto_path != NULL) {
        perfetto = fopen(opt->perfetto_path, "w");
        trace_ctx.perfetto =
            perfetto != NULL ? kd_perfetto_create(perfetto, opt->scenario_path, lb->seed) : NULL;
        if (trace_ctx.perfetto == NULL) {
            char msg[700];
            snprintf(msg, sizeof msg, "--perfetto: cannot open %s: %s", opt->perfetto_path,
                     perfetto != NULL ? "out of host memory" : strerror(errno));
            if (perfetto != NULL)
                fclose(perfetto);
            if (trace != NULL)
                fclose(trace);
            fail(r, DRVSIM_EXIT_USAGE, msg);
            return;
        }
        config.trace_sink = kd_trace_sink;
        config.trace_ctx = &trace_ctx;
    }
    vf_fault_key *keys = NULL;
    ke_machine *m = ke_machine_create(&config, vs, gf, &host);
    if (m == NULL) {
        if (trace != NULL)
            fclose(trace);
        if (perfetto != NULL) {
            kd_perfetto_finish(trace_ctx.perfetto, 0);
            fclose(perfetto);
        }
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory creating the machine");
        return;
    }
    trace_ctx.m = m;
    if (trace_ctx.perfetto != NULL)
        kd_perfetto_attach(trace_ctx.perfetto, m);
    lb->m = m;
    lb->rng = &m->rng_lua;
    if (!set_inject_mode(opt, lb, m, r, &keys))
        goto done;

    for (uint32_t i = 0; i < lb->driver_count; i++) {
        if (io_register_driver(m, lb->drivers[i].name, lb->drivers[i].graphics, NULL) == NULL) {
            fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory registering drivers");
            goto done;
        }
    }
    if (lb->sc.registry_count > 0) {
        char msg[700];
        if (!lb_registry_seed(m, &lb->sc, msg, sizeof msg)) {
            fail(r, DRVSIM_EXIT_SCENARIO, msg);
            goto done;
        }
    }
    if (lb->sc.file_count > 0) {
        char msg[700];
        if (!lb_files_seed(m, &lb->sc, msg, sizeof msg)) {
            fail(r, DRVSIM_EXIT_SCENARIO, msg);
            goto done;
        }
    }
    if (lb->sc.device_count > 0) {
        char msg[700];
        if (!lb_devices_seed(m, &lb->sc, msg, sizeof msg)) {
            fail(r, DRVSIM_EXIT_SCENARIO, msg);
            goto done;
        }
    }
    if (ke_create_harness_thread(m) == NULL) {
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory creating the harness thread");
        goto done;
    }
    ke_run(m);
    collect(r, m, lb);
    char warning[512];
    if (mm_special_warning(m, warning, sizeof warning) && !add_note(r, warning))
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory");

done:
    if (trace != NULL)
        fclose(trace);
    if (perfetto != NULL) {
        bool written = kd_perfetto_finish(trace_ctx.perfetto, m->des.now_100ns);
        trace_ctx.perfetto = NULL; /* freed: nothing more reaches it */
        written = fclose(perfetto) == 0 && written;
        if (!written && !add_note(r, "--perfetto: the file could not be written whole"))
            fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory");
    }
    free(keys);
    lb->m = NULL;
    lb->rng = NULL;
    /* Lua first: nothing in it refers to the machine once closed. */
    lua_close(lb->L);
    lb->L = NULL;
    ke_machine_destroy(m);
}

/* ------------------------------------------------------------------------ */
/* Abort reports                                                            */
/* ------------------------------------------------------------------------ */

static drvsim_abort_fn abort_handler;
static void *abort_handler_ctx;

void drvsim_set_abort_handler(drvsim_abort_fn fn, void *ctx)
{
    abort_handler = fn;
    abort_handler_ctx = ctx;
}

/* des_check_print_context's callback while a run is in progress. */
static void abort_context(void *ctx)
{
    lb_state *lb = ctx;
    char where[400] = "";
    if (lb->L != NULL)
        lb_host_site_name(lb, lb_host_site(lb, NULL), where, sizeof where);
    drvsim_abort_info info = {.scenario = lb->scenario_path, .seed = lb->seed, .where = where};
    if (abort_handler != NULL) {
        abort_handler(abort_handler_ctx, &info);
        return;
    }
    fprintf(stderr, "drvsim: the run: scenario %s, seed %llu%s%s\n", info.scenario,
            (unsigned long long)info.seed, where[0] != '\0' ? ", at " : "", where);
}

/* A Lua panic (an error outside any protected call: a drvsim bug, as every
 * call into Lua from C is protected) aborts the process: report it first. */
static int lua_panic(lua_State *L)
{
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    fprintf(stderr, "drvsim: internal error: Lua panic: %s\n", msg);
    fflush(stderr);
    des_check_print_context();
    return 0; /* Lua aborts */
}

/* The registry tables of the binding, made under protection (a fresh state
 * holds little, but the host's memory may still fail it). */
static int make_registry_tables(lua_State *L)
{
    lb_state *lb = lua_touserdata(L, 1);
    lua_newtable(L);
    lb->routines_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lb->literals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    lb->coroutines_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lb_register_globals(L);
    return 0;
}

void drvsim_host_timeout(void)
{
    lb_host_time_up = 1;
}

int drvsim_run(const drvsim_options *opt, drvsim_result *r)
{
    lb_host_time_up = 0;
    memset(r, 0, sizeof *r);
    snprintf(r->scenario, sizeof r->scenario, "%s", opt->scenario_path);
    default_name(opt->scenario_path, r->name, sizeof r->name);
    r->seed = opt->seed_given ? opt->seed : 1;
    r->expect.clean = true;

    lb_state *lb = calloc(1, sizeof *lb);
    if (lb == NULL) {
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory");
        return r->exit_code;
    }
    lb->scenario_path = opt->scenario_path;
    lb->run_ref = LUA_NOREF;
    lb->sc.faults_ref = LUA_NOREF;
    lb->instruction_limit =
        opt->limit_instructions != 0 ? opt->limit_instructions : DRVSIM_DEFAULT_LIMIT_INSTRUCTIONS;
    lb->memory_limit_bytes = LB_MEMORY_LIMIT_BYTES;
    lb->lazy_libraries = true; /* lb_register_globals resolves them */
    lb->seed_from_options = opt->seed_given;
    lb->seed = r->seed;
    des_rng_stream(&lb->rng_early, lb->seed, "lua");
    lb->sc.cpus = 2;
    lb->sc.arch = KE_ARCH_X64;
    lb->sc.build = KE_BUILD_FREE;
    lb->sc.memory_bytes = 4ull << 30;
    snprintf(lb->sc.name, sizeof lb->sc.name, "%s", r->name);

    vf_settings vs;
    vf_gflags gf;
    vf_settings_init(&vs);
    vf_gflags_init(&gf);

    /* From here an internal abort reports this run (check.h). */
    des_check_set_context(abort_context, lb);
    lb->L = lb_sandbox_new(lb);
    if (lb->L == NULL) {
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory creating the Lua state");
        goto done;
    }
    lua_atpanic(lb->L, lua_panic);
    lua_pushcfunction(lb->L, make_registry_tables);
    lua_pushlightuserdata(lb->L, lb);
    if (lua_pcall(lb->L, 1, 0, 0) != LUA_OK) {
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory creating the Lua state");
        goto done;
    }

    if (!run_top_level(lb, r))
        goto done;
    r->seed = lb->seed;
    snprintf(r->name, sizeof r->name, "%s", lb->sc.name);
    if (lb->sc.expect.code != 0 || lb->sc.expect.timeout || lb->sc.expect.deadlock)
        r->expect = lb->sc.expect;
    if (!settings(opt, lb, &vs, &gf, r))
        goto done;

    char **notes = NULL;
    size_t note_count = 0;
    bool ok = vf_unsimulated_notes(&vs, &gf, &notes, &note_count);
    for (size_t i = 0; i < note_count; i++) {
        ok = ok && add_note(r, notes[i]);
        free(notes[i]);
    }
    free(notes);
    if (!ok) {
        fail(r, DRVSIM_EXIT_SCENARIO, "out of host memory");
        goto done;
    }
    run_machine(opt, lb, r, &vs, &gf);

done:
    lb_charge_live(lb);
    r->instructions = lb->instructions; /* the top level's too, if it stopped the run */
    if (lb->L != NULL)
        lua_close(lb->L);
    lb->L = NULL;
    des_check_set_context(NULL, NULL);
    lb_imports_free(lb);
    lb_callsites_free(lb);
    for (uint16_t i = 0; i < lb->chunk_count; i++) {
        free(lb->chunks[i]);
        free(lb->sources[i]);
    }
    free(lb->sc.verifier);
    free(lb->sc.gflags);
    lb_registry_free(&lb->sc);
    lb_files_free(&lb->sc);
    lb_devices_free(&lb->sc);
    free(lb);
    vf_settings_free(&vs);
    finish_result(r);
    return r->exit_code;
}

void drvsim_result_free(drvsim_result *r)
{
    free(r->irp_logs);
    r->irp_logs = NULL;
    r->irp_log_count = 0;
    free(r->faults);
    free(r->fault_sites);
    free(r->switches);
    r->switches = NULL;
    r->switch_count = 0;
    free(r->waits);
    r->waits = NULL;
    r->wait_count = 0;
    r->faults = r->fault_sites = NULL;
    r->fault_count = r->fault_site_count = 0;
    free(r->drivers);
    free(r->leaks);
    r->leaks = NULL;
    free(r->deadlock);
    r->deadlock = NULL;
    free(r->race);
    r->race = NULL;
    r->leak_count = 0;
    for (size_t i = 0; i < r->note_count; i++)
        free(r->notes[i]);
    free(r->notes);
    for (size_t i = 0; i < r->debug_output_count; i++)
        free(r->debug_output[i]);
    free(r->debug_output);
    r->debug_output = NULL;
    r->debug_output_count = 0;
    free(r->warnings);
    r->warnings = NULL;
    r->warning_count = 0;
    r->drivers = NULL;
    r->notes = NULL;
    r->driver_count = r->note_count = 0;
}

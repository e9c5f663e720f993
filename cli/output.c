/*
 * output.c - JSON, JUnit XML, replay commands and sweep summaries for the
 * command-line tool. See output.h.
 */
#include "output.h"

#include "vf/rules.h"

#include "kd/report.h"
#include "version.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Text cleaning                                                            */
/* ------------------------------------------------------------------------ */

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), storing its code point; 0
 * when s does not start one. Stops at the terminating NUL, which is never a
 * continuation byte.
 */
static size_t out_utf8_sequence(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    uint32_t min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0Fu, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return len;
}

/* The byte that starts out_json_u64's marker. No text reaches JSON with it
 * (out_clean_text replaces it), so a marker can never be forged by a
 * scenario name or a message. */
#define OUT_U64_MARK_BYTE '\x01'
#define OUT_U64_MARK      "\x01u64:"
/* How jansson writes the marker: control characters become \u00XX. */
#define OUT_U64_MARK_DUMPED "\"\\u0001u64:"

/*
 * A copy of text that jansson and XML accept: bytes that are not well-formed
 * UTF-8 become '?', and so does the marker byte. With `xml`, so do the
 * characters XML 1.0 cannot carry at all (controls other than tab, line feed
 * and carriage return; U+FFFE, U+FFFF). NULL when out of memory.
 */
static char *out_clean_text(const char *text, bool xml)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (copy == NULL) {
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    while (*s != '\0') {
        uint32_t cp = 0;
        size_t len = out_utf8_sequence(s, &cp);
        bool bad = len == 0 || cp == (unsigned char)OUT_U64_MARK_BYTE;
        if (xml && len != 0) {
            bad = bad || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
                  cp == 0xFFFF;
        }
        if (bad) {
            copy[o++] = '?';
            s += len == 0 ? 1 : len;
        } else {
            memcpy(copy + o, s, len);
            o += len;
            s += len;
        }
    }
    copy[o] = '\0';
    return copy;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

json_t *out_json_text(const char *text)
{
    char *clean = out_clean_text(text, false);
    if (clean == NULL) {
        return NULL;
    }
    json_t *j = json_string(clean);
    free(clean);
    return j;
}

json_t *out_json_text_or_null(const char *text)
{
    return text[0] != '\0' ? out_json_text(text) : json_null();
}

json_t *out_json_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX) {
        return json_integer((json_int_t)v);
    }
    char mark[32];
    snprintf(mark, sizeof mark, OUT_U64_MARK "%" PRIu64, v);
    return json_string(mark);
}

char *out_json_dumps(const json_t *j, size_t flags)
{
    char *text = json_dumps(j, flags);
    if (text == NULL) {
        return NULL;
    }
    /* Put the digits of every marker string where the string was: the text
     * only shrinks, so in place. */
    char *to = text;
    const char *p = text;
    const char *mark;
    while ((mark = strstr(p, OUT_U64_MARK_DUMPED)) != NULL) {
        memmove(to, p, (size_t)(mark - p));
        to += mark - p;
        const char *digits = mark + strlen(OUT_U64_MARK_DUMPED);
        size_t n = strspn(digits, "0123456789");
        memmove(to, digits, n);
        to += n;
        p = digits + n + 1; /* past the closing quote */
    }
    memmove(to, p, strlen(p) + 1);
    return text;
}

bool out_json_dump(const json_t *j, size_t flags, FILE *out)
{
    char *text = out_json_dumps(j, flags);
    if (text == NULL) {
        return false;
    }
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return !ferror(out);
}

/* json_object_set_new that remembers a failure (out of memory) in *ok, so
 * that builders check once at the end instead of after every field. */
static void out_set(json_t *o, const char *key, json_t *value, bool *ok)
{
    if (json_object_set_new(o, key, value) != 0) {
        *ok = false;
    }
}

static json_t *out_hex64(uint64_t v)
{
    return json_sprintf("0x%016" PRIx64, v);
}

static uint64_t out_ns(uint64_t t_100ns)
{
    /* Saturate rather than wrap: 58,000 simulated years is not a real run. */
    return t_100ns > UINT64_MAX / 100 ? UINT64_MAX : t_100ns * 100;
}

static json_t *out_bugcheck_json(const drvsim_bugcheck *b, bool full)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *params = json_array();
    const char *name = drvsim_bugcode_name(b->code);

    out_set(o, "code", json_integer(b->code), &ok);
    out_set(o, "name", name != NULL ? json_string(name) : json_null(), &ok);
    for (int i = 0; i < 4; i++) {
        if (json_array_append_new(params, out_json_u64(b->params[i])) != 0) {
            ok = false;
        }
    }
    out_set(o, "params", params, &ok);
    out_set(o, "driver", out_json_text_or_null(b->driver), &ok);
    out_set(o, "rule", out_json_text_or_null(b->rule), &ok);
    /* The parameters again as hex strings: JSON readers that hold numbers
     * as doubles (jq, JavaScript) round integers above 2^53, which most
     * kernel addresses are. */
    json_t *params_hex = json_array();
    for (int i = 0; i < 4; i++) {
        if (json_array_append_new(params_hex, out_hex64(b->params[i])) != 0) {
            ok = false;
        }
    }
    out_set(o, "params_hex", params_hex, &ok);
    if (full) {
        /* What each parameter holds, as the report's Arguments: block says. */
        const drvsim_rule_info *rule = b->rule[0] != '\0' ? drvsim_rule_find(b->rule) : NULL;
        json_t *meanings = rule != NULL ? json_array() : json_null();
        for (int i = 0; rule != NULL && i < 4; i++) {
            if (json_array_append_new(meanings, json_string(rule->param_meaning[i])) != 0) {
                ok = false;
            }
        }
        out_set(o, "param_meanings", meanings, &ok);
        out_set(o, "description", out_json_text_or_null(b->description), &ok);
        out_set(o, "routine", out_json_text_or_null(b->routine), &ok);
        out_set(o, "rule_site", out_json_text_or_null(b->site), &ok);
        out_set(o, "detail", out_json_text_or_null(b->detail), &ok);
        out_set(o, "time_ns", out_json_u64(out_ns(b->time_100ns)), &ok);
        out_set(o, "cpu", json_integer(b->cpu), &ok);
        out_set(o, "irql", json_integer(b->irql), &ok);
        out_set(o, "irql_name", out_json_text_or_null(b->irql_name), &ok);
        out_set(o, "process", out_json_text_or_null(b->process), &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The counters of CONTRACT section 5: globals by name, then "drivers". */
static json_t *out_counters_json(const drvsim_result *r)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *drivers = json_object();

    for (size_t i = 0; i < DRVSIM_GLOBAL_COUNTER_COUNT; i++) {
        out_set(o, drvsim_global_counter_names[i], out_json_u64(r->counters[i]), &ok);
    }
    for (size_t d = 0; d < r->driver_count; d++) {
        json_t *dc = json_object();
        for (size_t i = 0; i < DRVSIM_DRIVER_COUNTER_COUNT; i++) {
            out_set(dc, drvsim_driver_counter_names[i], out_json_u64(r->drivers[d].counters[i]),
                    &ok);
        }
        /* Keys must be UTF-8 too. */
        char *key = out_clean_text(r->drivers[d].name, false);
        if (key == NULL) {
            json_decref(dc);
            ok = false;
            continue;
        }
        out_set(drivers, key, dc, &ok);
        free(key);
    }
    out_set(o, "drivers", drivers, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *out_fault_json(const drvsim_fault *f)
{
    bool ok = true;
    json_t *o = json_object();
    out_set(o, "ddi", out_json_text(f->key.ddi), &ok);
    out_set(o, "tag", f->key.tag != 0 ? out_json_text(f->tag_text) : json_null(), &ok);
    out_set(o, "ordinal", out_json_u64(f->key.ordinal), &ok);
    out_set(o, "site", out_json_text(f->site), &ok);
    out_set(o, "driver", out_json_text(f->driver), &ok);
    out_set(o, "nth", out_json_u64(f->nth), &ok);
    out_set(o, "time_ns", out_json_u64(out_ns(f->time_100ns)), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The last injected failures (as the report lists them), and how many. */
#define OUT_LAST_FAULTS 4u

static json_t *out_faults_json(const drvsim_result *r)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *last = json_array();
    size_t shown = r->fault_count < OUT_LAST_FAULTS ? r->fault_count : OUT_LAST_FAULTS;
    for (size_t i = r->fault_count - shown; i < r->fault_count; i++) {
        if (json_array_append_new(last, out_fault_json(&r->faults[i])) != 0) {
            ok = false;
        }
    }
    out_set(o, "count", out_json_u64(r->fault_total), &ok);
    out_set(o, "last", last, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* IRP logging (/flags 0x400): each device's record, its entries in the
 * record's slot order; an IOCTL's code also split as CTL_CODE packs it
 * (what DC2WMIParser prints: device type, function, method, access, and the
 * buffer lengths). */
static json_t *out_irp_log_json(const drvsim_result *r)
{
    bool ok = true;
    json_t *list = json_array();
    for (size_t i = 0; ok && i < r->irp_log_count; i++) {
        const drvsim_irp_log *d = &r->irp_logs[i];
        json_t *o = json_object();
        json_t *entries = json_array();
        for (size_t k = 0; k < d->entry_count; k++) {
            const drvsim_irp_log_entry *e = &d->entries[k];
            json_t *eo = json_object();
            out_set(eo, "seq", out_json_u64(e->seq), &ok);
            out_set(eo, "time_ns", out_json_u64(out_ns(e->time_100ns)), &ok);
            out_set(eo, "thread", json_integer(e->thread), &ok);
            out_set(eo, "major", json_integer(e->major), &ok);
            out_set(eo, "minor", json_integer(e->minor), &ok);
            if (e->major == 0x0E || e->major == 0x0F) {
                json_t *io = json_object();
                out_set(io, "code", out_hex64(e->ioctl), &ok);
                out_set(io, "device_type", json_integer(e->ioctl >> 16), &ok);
                out_set(io, "function", json_integer((e->ioctl >> 2) & 0xFFFu), &ok);
                out_set(io, "method", json_integer(e->ioctl & 3u), &ok);
                out_set(io, "access", json_integer((e->ioctl >> 14) & 3u), &ok);
                out_set(io, "input_length", json_integer(e->input_bytes), &ok);
                out_set(io, "output_length", json_integer(e->output_bytes), &ok);
                out_set(eo, "ioctl", io, &ok);
            }
            if (json_array_append_new(entries, eo) != 0)
                ok = false;
        }
        out_set(o, "driver", out_json_text(d->driver), &ok);
        out_set(o, "device", out_json_text(d->device), &ok);
        out_set(o, "address", out_hex64(d->address), &ok);
        out_set(o, "total", out_json_u64(d->total), &ok);
        out_set(o, "entries", entries, &ok);
        if (json_array_append_new(list, o) != 0)
            ok = false;
    }
    if (!ok) {
        json_decref(list);
        return NULL;
    }
    return list;
}

static json_t *out_lock_step_json(const drvsim_lock_step *s)
{
    bool ok = true;
    json_t *o = json_object();
    char name[2] = {s->name, '\0'};
    out_set(o, "name", json_string(name), &ok);
    out_set(o, "lock", out_json_u64(s->lock), &ok);
    out_set(o, "type", out_json_text(s->type), &ok);
    out_set(o, "class", out_json_text(s->lock_class), &ok);
    out_set(o, "routine", out_json_text(s->routine), &ok);
    out_set(o, "context", out_json_text(s->context), &ok);
    out_set(o, "irql", out_json_text(s->irql), &ok);
    out_set(o, "site", out_json_text_or_null(s->site), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One access of a data race (drvsim_race_access). */
static json_t *out_race_access_json(const drvsim_race_access *a)
{
    bool ok = true;
    json_t *o = json_object();
    out_set(o, "access", json_string(a->write ? "write" : "read"), &ok);
    out_set(o, "context", out_json_text(a->context), &ok);
    out_set(o, "who", out_json_text(a->who), &ok);
    out_set(o, "routine", out_json_text_or_null(a->routine), &ok);
    out_set(o, "through", out_json_text_or_null(a->through), &ok);
    out_set(o, "irql", out_json_text(a->irql), &ok);
    out_set(o, "site", out_json_text_or_null(a->site), &ok);
    json_t *locks = json_array();
    for (size_t i = 0; i < a->lock_count && i < DRVSIM_RACE_MAX_LOCKS; i++) {
        json_t *l = json_object();
        out_set(l, "lock", out_json_u64(a->locks[i]), &ok);
        out_set(l, "kind", out_json_text(a->lock_kinds[i]), &ok);
        if (json_array_append_new(locks, l) != 0)
            ok = false;
    }
    out_set(o, "locks_held", locks, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The race detector's report (README, "Data races"). */
static json_t *out_race_json(const drvsim_race *r)
{
    bool ok = true;
    json_t *o = json_object();
    out_set(o, "address", out_json_u64(r->address), &ok);
    out_set(o, "object", out_json_text(r->object), &ok);
    out_set(o, "earlier", out_race_access_json(&r->earlier), &ok);
    out_set(o, "later", out_race_access_json(&r->later), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Deadlock detection's chains and make it real (README, "Deadlock
 * detection"). */
static json_t *out_deadlock_json(const drvsim_deadlock *d)
{
    bool ok = true;
    json_t *o = json_object();
    out_set(o, "kind", json_string(d->irql_rule ? "irql" : "cycle"), &ok);
    out_set(o, "by_class", json_boolean(d->by_class), &ok);
    out_set(o, "locks", out_json_u64(d->lock_count), &ok);
    json_t *chains = json_array();
    for (size_t i = 0; i < d->chain_count; i++) {
        const drvsim_lock_chain *c = &d->chains[i];
        json_t *j = json_object();
        out_set(j, "who", out_json_text(c->who), &ok);
        out_set(j, "held", c->has_held ? out_lock_step_json(&c->held) : json_null(), &ok);
        out_set(j, "acquired", out_lock_step_json(&c->acquired), &ok);
        if (json_array_append_new(chains, j) != 0)
            ok = false;
    }
    out_set(o, "chains", chains, &ok);
    if (d->sched[0] != '\0') {
        json_t *real = json_object();
        json_t *sites = json_array();
        for (size_t i = 0; i < d->chain_count; i++) {
            if (json_array_append_new(sites, out_json_text(d->chains[i].held.site)) != 0)
                ok = false;
        }
        out_set(real, "sites", sites, &ok);
        out_set(real, "verifier", out_json_text(d->verifier), &ok);
        out_set(real, "sched", out_json_text(d->sched), &ok);
        out_set(real, "command", out_json_text_or_null(d->make_it_real), &ok);
        out_set(o, "make_it_real", real, &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A deadlock's wait-for graph: {"cycle", "waits": [...], "idle_workers"}
 * (README "Deadlocks"). */
static json_t *out_waits_json(const drvsim_result *r)
{
    bool ok = true;
    json_t *d = json_object();
    json_t *waits = json_array();
    for (size_t i = 0; i < r->wait_count; i++) {
        const drvsim_wait *w = &r->waits[i];
        json_t *o = json_object();
        json_t *owners = json_array();
        out_set(o, "thread", json_integer(w->thread), &ok);
        out_set(o, "cpu", w->cpu >= 0 ? json_integer(w->cpu) : json_null(), &ok);
        out_set(o, "who", out_json_text(w->who), &ok);
        out_set(o, "site", out_json_text(w->site), &ok);
        out_set(o, "kind", out_json_text(w->kind), &ok);
        out_set(o, "how", out_json_text_or_null(w->how), &ok);
        out_set(o, "object", out_hex64(w->object), &ok);
        for (uint32_t k = 0; k < w->owner_count; k++) {
            if (json_array_append_new(owners, json_integer(w->owners[k])) != 0)
                ok = false;
        }
        out_set(o, "owners", owners, &ok);
        out_set(o, "ownership", out_json_text(w->ownership), &ok);
        out_set(o, "holder_cpu", w->holder_cpu >= 0 ? json_integer(w->holder_cpu) : json_null(),
                &ok);
        if (json_array_append_new(waits, o) != 0)
            ok = false;
    }
    out_set(d, "cycle", out_json_text_or_null(r->cycle), &ok);
    out_set(d, "waits", waits, &ok);
    out_set(d, "idle_workers", json_integer(r->idle_workers), &ok);
    if (!ok) {
        json_decref(d);
        return NULL;
    }
    return d;
}

json_t *out_version_json(void)
{
    bool ok = true;
    json_t *o = json_object();
    out_set(o, "version", json_string(DRVSIM_VERSION), &ok);
    out_set(o, "trace_format", json_integer(DRVSIM_TRACE_FORMAT), &ok);
    out_set(o, "git_revision",
            drvsim_git_revision[0] != '\0' ? json_string(drvsim_git_revision) : json_null(), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *out_result_json(const drvsim_result *r, const char *replay, bool full)
{
    bool ok = true;
    json_t *o = json_object();
    json_t *bugcheck =
        r->outcome == DRVSIM_OUTCOME_BUGCHECK ? out_bugcheck_json(&r->bugcheck, full) : json_null();

    if (!full) {
        out_set(o, "seed", out_json_u64(r->seed), &ok);
        out_set(o, "outcome", json_string(drvsim_outcome_name(r->outcome)), &ok);
        out_set(o, "bugcheck", bugcheck, &ok);
        out_set(o, "digest", out_hex64(r->digest), &ok);
        out_set(o, "expected", json_boolean(r->expected), &ok);
        out_set(o, "sim_time_ns", out_json_u64(out_ns(r->sim_time_100ns)), &ok);
        if (r->message[0] != '\0') {
            out_set(o, "message", out_json_text(r->message), &ok);
        }
        if (r->fault_total > 0) {
            /* The full object's shape, without the list. */
            json_t *faults = json_object();
            out_set(faults, "count", out_json_u64(r->fault_total), &ok);
            out_set(o, "injected_failures", faults, &ok);
        }
        if (r->delay_total > 0) {
            json_t *delays = json_object(); /* /flags 0x800000, as the full object's */
            out_set(delays, "count", out_json_u64(r->delay_total), &ok);
            out_set(delays, "total_ns", out_json_u64(out_ns(r->delay_total_100ns)), &ok);
            out_set(o, "injected_delays", delays, &ok);
        }
        if (r->deadlock != NULL) {
            /* The chains, so that a sweep shows every seed's cycle. */
            out_set(o, "deadlock", out_deadlock_json(r->deadlock), &ok);
        }
        out_set(o, "drvsim", out_version_json(), &ok);
        goto done;
    }

    out_set(o, "scenario", out_json_text(r->scenario), &ok);
    out_set(o, "seed", out_json_u64(r->seed), &ok);
    out_set(o, "outcome", json_string(drvsim_outcome_name(r->outcome)), &ok);
    out_set(o, "bugcheck", bugcheck, &ok);
    out_set(o, "sim_time_ns", out_json_u64(out_ns(r->sim_time_100ns)), &ok);
    out_set(o, "digest", out_hex64(r->digest), &ok);
    out_set(o, "expected", json_boolean(r->expected), &ok);
    out_set(o, "counters", out_counters_json(r), &ok);
    /* Extensions, after everything the contract names. */
    out_set(o, "name", out_json_text(r->name), &ok);
    out_set(o, "message", out_json_text_or_null(r->message), &ok);
    if (replay != NULL) {
        out_set(o, "replay", out_json_text(replay), &ok);
    }
    json_t *notes = json_array();
    for (size_t i = 0; i < r->note_count; i++) {
        if (json_array_append_new(notes, out_json_text(r->notes[i])) != 0) {
            ok = false;
        }
    }
    out_set(o, "notes", notes, &ok);
    json_t *debug_output = json_array();
    for (size_t i = 0; i < r->debug_output_count; i++) {
        if (json_array_append_new(debug_output, out_json_text(r->debug_output[i])) != 0) {
            ok = false;
        }
    }
    out_set(o, "debug_output", debug_output, &ok);
    json_t *warnings = json_array();
    for (size_t i = 0; i < r->warning_count; i++) {
        const drvsim_warning *w = &r->warnings[i];
        json_t *j = json_object();
        json_t *params = json_array();
        for (int p = 0; p < 4; p++) {
            ok = ok && json_array_append_new(params, out_json_u64(w->params[p])) == 0;
        }
        out_set(j, "rule", out_json_text(w->rule), &ok);
        out_set(j, "code", json_integer(w->code), &ok);
        out_set(j, "params", params, &ok);
        out_set(j, "driver", out_json_text(w->driver), &ok);
        out_set(j, "sim_time_ns", out_json_u64(w->time_100ns * 100), &ok);
        ok = ok && json_array_append_new(warnings, j) == 0;
    }
    out_set(o, "warnings", warnings, &ok);
    out_set(o, "warning_total", out_json_u64(r->warning_total), &ok);
    if (r->leak_count > 0) {
        json_t *leaks = json_array();
        for (size_t i = 0; i < r->leak_count; i++) {
            const drvsim_allocation *a = &r->leaks[i];
            json_t *l = json_object();
            out_set(l, "address", out_json_u64(a->address), &ok);
            out_set(l, "size", out_json_u64(a->size_bytes), &ok);
            out_set(l, "tag", out_json_text(a->tag_text), &ok);
            out_set(l, "pool_type", out_json_text(a->pool_type), &ok);
            out_set(l, "allocated_at", out_json_text(a->site), &ok);
            if (json_array_append_new(leaks, l) != 0)
                ok = false;
        }
        out_set(o, "leaks", leaks, &ok);
    }
    if (r->fault_total > 0) {
        out_set(o, "injected_failures", out_faults_json(r), &ok);
    }
    if (r->irp_log_count > 0) {
        out_set(o, "irp_log", out_irp_log_json(r), &ok); /* /flags 0x400 */
    }
    if (r->delay_total > 0) {
        /* /flags 0x800000: the calls held back, and their delays summed. */
        json_t *delays = json_object();
        out_set(delays, "count", out_json_u64(r->delay_total), &ok);
        out_set(delays, "total_ns", out_json_u64(out_ns(r->delay_total_100ns)), &ok);
        out_set(o, "injected_delays", delays, &ok);
    }
    /* "deadlock": deadlock detection's lock-order report (a bug check of
     * /flags 0x20), or the wait-for graph of a real deadlock (the outcome, or
     * processors spinning into 0x133); a run has one or the other. */
    if (r->deadlock != NULL) {
        out_set(o, "deadlock", out_deadlock_json(r->deadlock), &ok);
    } else if (r->wait_count > 0 || r->outcome == DRVSIM_OUTCOME_DEADLOCK) {
        out_set(o, "deadlock", out_waits_json(r), &ok);
    }
    /* "race": the data race detector's two accesses (0xC4/0xD0030001). */
    if (r->race != NULL) {
        out_set(o, "race", out_race_json(r->race), &ok);
    }
    out_set(o, "events", out_json_u64(r->events), &ok);
    out_set(o, "instructions", out_json_u64(r->instructions), &ok);
    out_set(o, "drvsim", out_version_json(), &ok);

done:
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

static uint8_t out_sub_param(const drvsim_bugcheck *b);

static bool out_shell_safe(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("_./:=+-", c) != NULL);
}

void out_shell_quote(FILE *out, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p != '\0' && plain; p++) {
        plain = out_shell_safe(*p);
    }
    if (plain) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\'') {
            fputs("'\\''", out); /* close, escaped quote, reopen */
        } else {
            fputc(*p, out);
        }
    }
    fputc('\'', out);
}

static void out_option(FILE *out, const char *name, const char *value)
{
    if (value != NULL) {
        fprintf(out, " %s ", name);
        out_shell_quote(out, value);
    }
}

char *out_replay_command(const char *scenario, uint64_t seed, const out_cli_args *args)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        return NULL;
    }
    /* A path that looks like an option must follow "--", after the options. */
    bool dashed = scenario[0] == '-';
    fputs("drvsim run", out);
    if (!dashed) {
        fputc(' ', out);
        out_shell_quote(out, scenario);
    }
    fprintf(out, " --seed %" PRIu64, seed);
    out_option(out, "--verifier", args->verifier);
    out_option(out, "--gflags", args->gflags);
    out_option(out, "--cpus", args->cpus);
    out_option(out, "--sched", args->sched);
    out_option(out, "--limit", args->limit);
    out_option(out, "--max-events", args->max_events);
    out_option(out, "--max-instructions", args->max_instructions);
    out_option(out, "--fail-nth", args->fail_nth);
    out_option(out, "--replay", args->replay);
    if (args->kd) {
        fputs(" --kd", out);
    }
    if (args->races) {
        fputs(" --races", out);
    }
    if (dashed) {
        fputs(" -- ", out);
        out_shell_quote(out, scenario);
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void out_warnings_write(FILE *out, const drvsim_result *r, bool quiet)
{
    for (size_t i = 0; !quiet && i < r->warning_count; i++) {
        const drvsim_warning *w = &r->warnings[i];
        uint64_t t = w->time_100ns;
        fprintf(out,
                "drvsim: warning: 0x%" PRIX32 "/0x%" PRIX64 " %s (%s): P2 0x%" PRIX64
                ", P3 0x%" PRIX64 ", P4 0x%" PRIX64 ", at %" PRIu64 ":%02" PRIu64 ":%02" PRIu64
                ".%03" PRIu64 " simulated\n",
                w->code, w->params[0], w->rule, w->driver[0] != '\0' ? w->driver : "?",
                w->params[1], w->params[2], w->params[3], t / 36000000000u,
                t / 600000000u % 60, t / 10000000u % 60, t / 10000u % 1000);
    }
    if (!quiet && r->warning_total > r->warning_count) {
        fprintf(out, "drvsim: warning: %" PRIu64 " more not recorded\n",
                r->warning_total - r->warning_count);
    }
}

void out_make_it_real(drvsim_result *r, const char *scenario, const out_cli_args *args)
{
    drvsim_deadlock *d = r->deadlock;
    if (d == NULL || d->sched[0] == '\0' || d->verifier[0] == '\0')
        return;
    out_cli_args real = *args;
    real.verifier = d->verifier;
    real.sched = d->sched;
    char *command = out_replay_command(scenario, r->seed, &real);
    if (command != NULL)
        snprintf(d->make_it_real, sizeof d->make_it_real, "%s", command);
    free(command);
}

void out_write_expect(FILE *out, const drvsim_expect *e)
{
    char text[256];
    fputs(kd_format_expect(e, text, sizeof text), out);
}

void out_write_outcome(FILE *out, const drvsim_result *r)
{
    if (r->outcome != DRVSIM_OUTCOME_BUGCHECK) {
        fputs(drvsim_outcome_name(r->outcome), out);
        return;
    }
    const drvsim_bugcheck *b = &r->bugcheck;
    fprintf(out, "bug check 0x%" PRIX32 " P1=0x%" PRIX64, b->code, b->params[0]);
    if (b->driver[0] != '\0') {
        fprintf(out, " driver %s", b->driver);
    }
    if (b->rule[0] != '\0') {
        fprintf(out, " rule %s", b->rule);
    }
}

void out_write_matched(FILE *out, const drvsim_result *r)
{
    if (!r->expected || r->outcome == DRVSIM_OUTCOME_CLEAN || r->outcome == DRVSIM_OUTCOME_ERROR) {
        return;
    }
    fputs("drvsim: outcome matched expect (", out);
    if (r->outcome != DRVSIM_OUTCOME_BUGCHECK) {
        fputs(drvsim_outcome_name(r->outcome), out);
    } else {
        const drvsim_bugcheck *b = &r->bugcheck;
        uint8_t sub = out_sub_param(b);
        fprintf(out, "bug check 0x%" PRIX32, b->code);
        if (sub == 1) {
            fprintf(out, "/0x%" PRIX64, b->params[0]);
        } else if (sub != 0) {
            fprintf(out, "/P%u=0x%" PRIX64, sub, b->params[sub - 1]);
        }
    }
    fputs(")\n", out);
}

/* Writes text on one line: a line break and the indentation after it become
 * "; " (Lua tracebacks are "\n\t"-separated). */
static void out_write_one_line(FILE *out, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            while (p[1] == '\n' || p[1] == '\r' || p[1] == '\t' || p[1] == ' ') {
                p++;
            }
            if (p[1] != '\0') {
                fputs("; ", out);
            }
        } else {
            fputc(*p == '\t' ? ' ' : *p, out);
        }
    }
}

void out_write_failure(FILE *out, const drvsim_result *r)
{
    if (r->expected) {
        return;
    }
    if (r->message[0] != '\0') {
        out_write_one_line(out, r->message);
        return;
    }
    fputs("expected ", out);
    out_write_expect(out, &r->expect);
    fputs(", got ", out);
    out_write_outcome(out, r);
}

void out_write_seconds(FILE *out, uint64_t t_100ns)
{
    fprintf(out, "%" PRIu64 ".%03" PRIu64, t_100ns / 10000000u, t_100ns % 10000000u / 10000u);
}

/* ------------------------------------------------------------------------ */
/* JUnit XML                                                                */
/* ------------------------------------------------------------------------ */

/* Writes text escaped for XML; in an attribute, line breaks and tabs become
 * character references, or a parser would normalise them to spaces. */
static void out_xml_text(FILE *out, const char *text, bool attribute)
{
    char *clean = out_clean_text(text, true);
    const char *s = clean != NULL ? clean : "?"; /* out of memory: still well-formed */
    for (const char *p = s; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs(attribute ? "&quot;" : "\"", out);
            break;
        case '\n':
            fputs(attribute ? "&#10;" : "\n", out);
            break;
        case '\r':
            fputs("&#13;", out);
            break;
        case '\t':
            fputs(attribute ? "&#9;" : "\t", out);
            break;
        default:
            fputc(*p, out);
        }
    }
    free(clean);
}

bool out_junit_write(FILE *out, const out_junit_case *cases, size_t count)
{
    size_t failures = 0;
    size_t errors = 0;
    uint64_t total_100ns = 0;
    for (size_t i = 0; i < count; i++) {
        bool error = cases[i].kind != NULL && strcmp(cases[i].kind, "error") == 0;
        errors += error;
        failures += cases[i].kind != NULL && !error;
        total_100ns += cases[i].time_100ns;
    }

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuite name=\"drvsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"0\" time=\"",
            count, failures, errors);
    out_write_seconds(out, total_100ns);
    fputs("\">\n", out);
    for (size_t i = 0; i < count; i++) {
        const out_junit_case *c = &cases[i];
        fputs("  <testcase classname=\"", out);
        out_xml_text(out, c->classname, true);
        fputs("\" name=\"", out);
        out_xml_text(out, c->name, true);
        fputs("\" time=\"", out);
        out_write_seconds(out, c->time_100ns);
        if (c->kind == NULL && c->system_out == NULL) {
            fputs("\"/>\n", out);
            continue;
        }
        fputs("\">\n", out);
        if (c->kind != NULL) {
            fprintf(out, "    <%s message=\"", c->kind);
            out_xml_text(out, c->failure != NULL ? c->failure : "", true);
            fputs("\" type=\"", out);
            out_xml_text(out, c->type != NULL ? c->type : c->kind, true);
            fputs("\">", out);
            if (c->details != NULL) {
                out_xml_text(out, c->details, false);
            }
            fprintf(out, "</%s>\n", c->kind);
        }
        if (c->system_out != NULL) {
            fputs("    <system-out>", out);
            out_xml_text(out, c->system_out, false);
            fputs("</system-out>\n", out);
        }
        fputs("  </testcase>\n", out);
    }
    fputs("</testsuite>\n", out);
    return !ferror(out);
}

void out_junit_case_free(out_junit_case *c)
{
    free(c->classname);
    free(c->name);
    free(c->type);
    free(c->failure);
    free(c->details);
    free(c->system_out);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------------ */
/* Sweep summary                                                            */
/* ------------------------------------------------------------------------ */

/* Which parameter of a bug check tells its case apart: the rule's sub-code
 * parameter from the catalogue; P1 when the rule is not in it (a driver's
 * own KeBugCheckEx code, whose P1 is the driver's); none for rules that
 * have no sub-code. */
static uint8_t out_sub_param(const drvsim_bugcheck *b)
{
    for (size_t i = 0; i < RULE_COUNT; i++) {
        if (strcmp(rule_table[i].id, b->rule) == 0 && rule_table[i].code == b->code) {
            return rule_table[i].sub_param;
        }
    }
    return 1;
}

static bool out_group_matches(const out_group *g, const drvsim_result *r)
{
    if (g->outcome != r->outcome) {
        return false;
    }
    if (r->outcome != DRVSIM_OUTCOME_BUGCHECK) {
        return strcmp(g->message, r->message) == 0;
    }
    uint8_t sub = out_sub_param(&r->bugcheck);
    return g->code == r->bugcheck.code && g->sub_param == sub &&
           (sub == 0 || g->sub_value == r->bugcheck.params[sub - 1]) &&
           strcmp(g->driver, r->bugcheck.driver) == 0 && strcmp(g->rule, r->bugcheck.rule) == 0;
}

bool out_summary_add(out_summary *s, const drvsim_result *r)
{
    s->runs++;
    s->clean += r->outcome == DRVSIM_OUTCOME_CLEAN;
    s->failed += !r->expected;
    if (r->outcome == DRVSIM_OUTCOME_CLEAN) {
        if (!r->expected && (s->clean_unexpected++ == 0 || r->seed < s->clean_first_seed)) {
            s->clean_first_seed = r->seed;
            s->clean_expect = r->expect;
        }
        return true;
    }

    /* Distinct bug checks are few (rules x drivers): a linear scan will do. */
    out_group *g = NULL;
    for (size_t i = 0; i < s->group_count && g == NULL; i++) {
        if (out_group_matches(&s->groups[i], r)) {
            g = &s->groups[i];
        }
    }
    if (g == NULL) {
        if (s->group_count == s->group_capacity) {
            size_t cap = s->group_capacity == 0 ? 8 : 2 * s->group_capacity;
            out_group *grown = realloc(s->groups, cap * sizeof *grown);
            if (grown == NULL) {
                return false;
            }
            s->groups = grown;
            s->group_capacity = cap;
        }
        g = &s->groups[s->group_count++];
        memset(g, 0, sizeof *g);
        g->outcome = r->outcome;
        g->first_seed = r->seed;
        g->expect = r->expect;
        if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
            g->bugcheck = r->bugcheck;
        }
        if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
            g->code = r->bugcheck.code;
            g->sub_param = out_sub_param(&r->bugcheck);
            g->sub_value = g->sub_param != 0 ? r->bugcheck.params[g->sub_param - 1] : 0;
            snprintf(g->driver, sizeof g->driver, "%s", r->bugcheck.driver);
            snprintf(g->rule, sizeof g->rule, "%s", r->bugcheck.rule);
        } else {
            snprintf(g->message, sizeof g->message, "%s", r->message);
        }
    }
    /* Lines read back by sweep --resume may come in any order. */
    if (r->seed < g->first_seed) {
        g->first_seed = r->seed;
    }
    g->count++;
    g->unexpected += !r->expected;
    return true;
}

static int out_group_order(const void *a, const void *b)
{
    const out_group *x = a;
    const out_group *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    /* A seed belongs to one group only, so this is a total order and the
     * output does not depend on qsort's handling of ties. */
    return x->first_seed < y->first_seed ? -1 : x->first_seed > y->first_seed;
}

void out_summary_write(FILE *out, out_summary *s, const char *scenario, const out_cli_args *args)
{
    /* "failed" would read as a contradiction beside a group "as expected":
     * say what was compared. */
    fprintf(out, "%zu run%s, %zu clean; %zu matched expect, %zu did not\n", s->runs,
            s->runs == 1 ? "" : "s", s->clean, s->runs - s->failed, s->failed);
    if (s->group_count == 0) {
        return;
    }
    qsort(s->groups, s->group_count, sizeof *s->groups, out_group_order);

    int width = snprintf(NULL, 0, "%zu", s->groups[0].count); /* the largest count */
    for (size_t i = 0; i < s->group_count; i++) {
        const out_group *g = &s->groups[i];
        fprintf(out, "  %*zu x ", width, g->count);
        if (g->outcome == DRVSIM_OUTCOME_BUGCHECK) {
            const char *name = drvsim_bugcode_name(g->code);
            fprintf(out, "bug check 0x%" PRIX32, g->code);
            if (g->sub_param != 0) {
                fprintf(out, " P%u=0x%" PRIX64, g->sub_param, g->sub_value);
            }
            if (g->driver[0] != '\0') {
                fprintf(out, " driver %s", g->driver);
            }
            if (g->rule[0] != '\0') {
                fprintf(out, " rule %s", g->rule);
            }
            if (name != NULL) {
                fprintf(out, " (%s)", name);
            }
        } else {
            fputs(drvsim_outcome_name(g->outcome), out);
            if (g->message[0] != '\0') {
                fputs(": ", out);
                out_write_one_line(out, g->message);
            }
        }
        fprintf(out, ", first seed %" PRIu64, g->first_seed);
        if (g->unexpected == 0) {
            fputs(", as expected", out);
        } else if (g->unexpected < g->count) {
            fprintf(out, ", %zu not as expected", g->unexpected);
        }
        char *replay = out_replay_command(scenario, g->first_seed, args);
        fprintf(out, "\n  %*s   replay: %s\n", width, "", replay != NULL ? replay : "?");
        free(replay);
    }
}

void out_summary_free(out_summary *s)
{
    free(s->groups);
    memset(s, 0, sizeof *s);
}

/*
 * faults.c - reading and writing choice files (see faults.h).
 */
#include "faults.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output.h"

static const char *const switch_kinds[] = {"thread", "dpc", "isr", "idle"};

static json_t *switch_json(const drvsim_switch *w)
{
    json_t *o = json_object();
    if (o == NULL || w->kind >= sizeof switch_kinds / sizeof switch_kinds[0] ||
        json_object_set_new(o, "kind", json_string(switch_kinds[w->kind])) != 0 ||
        json_object_set_new(o, "id", json_integer(w->id)) != 0 ||
        json_object_set_new(o, "run", json_integer(w->run)) != 0 ||
        json_object_set_new(o, "step", out_json_u64(w->step)) != 0 ||
        json_object_set_new(o, "cpu", json_integer(w->cpu)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

bool faults_write(const char *path, const char *scenario, uint64_t seed, const char *verifier,
                  const char *sched, const drvsim_fault *faults, size_t count,
                  const drvsim_switch *switches, size_t switch_count, char *err, size_t err_len)
{
    json_t *o = json_object();
    json_t *list = json_array();
    bool ok = o != NULL && list != NULL;
    ok = ok && json_object_set_new(o, "format", json_string(FAULTS_FORMAT)) == 0;
    ok = ok && json_object_set_new(o, "scenario", out_json_text(scenario)) == 0;
    ok = ok && json_object_set_new(o, "seed", out_json_u64(seed)) == 0;
    ok = ok && json_object_set_new(o, "verifier",
                                   verifier != NULL ? out_json_text(verifier) : json_null()) == 0;
    ok = ok &&
         json_object_set_new(o, "sched", sched != NULL ? out_json_text(sched) : json_null()) == 0;
    for (size_t i = 0; ok && i < count; i++) {
        json_t *f = out_fault_json(&faults[i]);
        ok = f != NULL &&
             json_object_set_new(f, "tag_value", json_integer(faults[i].key.tag)) == 0 &&
             json_array_append_new(list, f) == 0;
    }
    ok = ok && json_object_set(o, "faults", list) == 0;
    json_decref(list);
    if (ok && switches != NULL) {
        json_t *decisions = json_array();
        ok = decisions != NULL;
        for (size_t i = 0; ok && i < switch_count; i++)
            ok = json_array_append_new(decisions, switch_json(&switches[i])) == 0;
        ok = ok && json_object_set(o, "switches", decisions) == 0;
        json_decref(decisions);
    }
    if (!ok) {
        json_decref(o);
        snprintf(err, err_len, "out of memory");
        return false;
    }
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        json_decref(o);
        return false;
    }
    ok = out_json_dump(o, JSON_INDENT(2), out);
    ok = fclose(out) == 0 && ok;
    json_decref(o);
    if (!ok)
        snprintf(err, err_len, "cannot write %s", path);
    return ok;
}

/* A tag as the file gives it: tag_value, else the text ("Smpl"), else 0. */
static bool faults_tag(const json_t *f, uint32_t *tag)
{
    const json_t *v = json_object_get(f, "tag_value");
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > 0xFFFFFFFFll)
            return false;
        *tag = (uint32_t)n;
        return true;
    }
    v = json_object_get(f, "tag");
    if (v == NULL || json_is_null(v)) {
        *tag = 0;
        return true;
    }
    const char *text = json_string_value(v);
    size_t n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > 4)
        return false;
    *tag = 0;
    for (size_t i = 0; i < 4; i++)
        *tag |= (uint32_t)(uint8_t)(i < n ? text[i] : ' ') << (8 * i);
    return true;
}

/* A non-negative integer field of at most `max`. */
static bool uint_field(const json_t *o, const char *name, uint64_t max, uint64_t *v)
{
    const json_t *f = json_object_get(o, name);
    if (!json_is_integer(f) || json_integer_value(f) < 0 || (uint64_t)json_integer_value(f) > max)
        return false;
    *v = (uint64_t)json_integer_value(f);
    return true;
}

static bool read_switches(const json_t *list, faults_choices *out, const char *path, char *err,
                          size_t err_len)
{
    if (!json_is_array(list)) {
        snprintf(err, err_len, "%s: switches must be a list", path);
        return false;
    }
    size_t n = json_array_size(list);
    out->switches = calloc(n > 0 ? n : 1, sizeof *out->switches);
    if (out->switches == NULL) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *w = json_array_get(list, i);
        const char *kind = json_string_value(json_object_get(w, "kind"));
        drvsim_switch *d = &out->switches[i];
        uint64_t id = 0, run = 0, cpu = 0;
        size_t k = 0;
        while (kind != NULL && k < sizeof switch_kinds / sizeof switch_kinds[0] &&
               strcmp(kind, switch_kinds[k]) != 0)
            k++;
        if (kind == NULL || k == sizeof switch_kinds / sizeof switch_kinds[0] ||
            !uint_field(w, "id", UINT32_MAX, &id) || !uint_field(w, "run", UINT32_MAX, &run) ||
            !uint_field(w, "step", INT64_MAX, &d->step) || !uint_field(w, "cpu", 63, &cpu)) {
            snprintf(err, err_len,
                     "%s: switch %zu needs kind (thread, dpc, isr or idle), id, run, step and "
                     "cpu (0..63)",
                     path, i + 1);
            return false;
        }
        d->kind = (uint8_t)k;
        d->id = (uint32_t)id;
        d->run = (uint32_t)run;
        d->cpu = (uint32_t)cpu;
    }
    out->switch_count = n;
    out->has_switches = true;
    return true;
}

bool faults_read(const char *path, faults_choices *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *o = json_load_file(path, 0, &jerr);
    if (o == NULL) {
        snprintf(err, err_len, "%s: %s (line %d)", path, jerr.text, jerr.line);
        return false;
    }
    const char *format = json_string_value(json_object_get(o, "format"));
    const json_t *list = json_object_get(o, "faults");
    if (format == NULL ||
        (strcmp(format, FAULTS_FORMAT) != 0 && strcmp(format, FAULTS_FORMAT_V1) != 0) ||
        !json_is_array(list)) {
        snprintf(err, err_len, "%s: not a drvsim choice file (format \"%s\" with a faults list)",
                 path, FAULTS_FORMAT);
        json_decref(o);
        return false;
    }
    const json_t *seed = json_object_get(o, "seed");
    if (json_is_integer(seed) && json_integer_value(seed) >= 0) {
        out->seed = (uint64_t)json_integer_value(seed);
        out->has_seed = true;
    }
    const char *verifier = json_string_value(json_object_get(o, "verifier"));
    if (verifier != NULL)
        out->verifier = strdup(verifier);
    const char *sched = json_string_value(json_object_get(o, "sched"));
    if (sched != NULL && (out->sched = strdup(sched)) == NULL)
        verifier = NULL, out->verifier = NULL; /* reported below as out of memory */
    size_t n = json_array_size(list);
    out->keys = calloc(n > 0 ? n : 1, sizeof *out->keys);
    bool ok = out->keys != NULL && (verifier == NULL || out->verifier != NULL) &&
              (sched == NULL || out->sched != NULL);
    if (!ok)
        snprintf(err, err_len, "out of memory");
    for (size_t i = 0; ok && i < n; i++) {
        const json_t *f = json_array_get(list, i);
        const char *ddi = json_string_value(json_object_get(f, "ddi"));
        const json_t *ordinal = json_object_get(f, "ordinal");
        drvsim_fault_key *k = &out->keys[i];
        if (ddi == NULL || strlen(ddi) >= sizeof k->ddi || !json_is_integer(ordinal) ||
            json_integer_value(ordinal) < 1 || !faults_tag(f, &k->tag)) {
            snprintf(err, err_len,
                     "%s: fault %zu needs ddi (a name), ordinal (1 or more) and tag (1 to 4 "
                     "characters, null or tag_value)",
                     path, i + 1);
            ok = false;
            break;
        }
        snprintf(k->ddi, sizeof k->ddi, "%s", ddi);
        k->ordinal = (uint64_t)json_integer_value(ordinal);
        out->count++;
    }
    const json_t *decisions = json_object_get(o, "switches");
    if (ok && decisions != NULL && !read_switches(decisions, out, path, err, err_len))
        ok = false;
    json_decref(o);
    if (!ok)
        faults_choices_free(out);
    return ok;
}

void faults_choices_free(faults_choices *c)
{
    free(c->keys);
    free(c->switches);
    free(c->sched);
    free(c->verifier);
    memset(c, 0, sizeof *c);
}

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

bool faults_write(const char *path, const char *scenario, uint64_t seed, const char *verifier,
                  const drvsim_fault *faults, size_t count, char *err, size_t err_len)
{
    json_t *o = json_object();
    json_t *list = json_array();
    bool ok = o != NULL && list != NULL;
    ok = ok && json_object_set_new(o, "format", json_string(FAULTS_FORMAT)) == 0;
    ok = ok && json_object_set_new(o, "scenario", out_json_text(scenario)) == 0;
    ok = ok && json_object_set_new(o, "seed", out_json_u64(seed)) == 0;
    ok = ok && json_object_set_new(o, "verifier",
                                   verifier != NULL ? out_json_text(verifier) : json_null()) == 0;
    for (size_t i = 0; ok && i < count; i++) {
        json_t *f = out_fault_json(&faults[i]);
        ok = f != NULL &&
             json_object_set_new(f, "tag_value", json_integer(faults[i].key.tag)) == 0 &&
             json_array_append_new(list, f) == 0;
    }
    ok = ok && json_object_set(o, "faults", list) == 0;
    json_decref(list);
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
    if (format == NULL || strcmp(format, FAULTS_FORMAT) != 0 || !json_is_array(list)) {
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
    size_t n = json_array_size(list);
    out->keys = calloc(n > 0 ? n : 1, sizeof *out->keys);
    bool ok = out->keys != NULL && (verifier == NULL || out->verifier != NULL);
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
    json_decref(o);
    if (!ok)
        faults_choices_free(out);
    return ok;
}

void faults_choices_free(faults_choices *c)
{
    free(c->keys);
    free(c->verifier);
    memset(c, 0, sizeof *c);
}

/*
 * sarif.c - SARIF 2.1.0 logs of test and sweep. See sarif.h.
 */
#include "sarif.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

/* drvsim's rules for outcomes that are no bug check: id, short text. */
static const struct {
    const char *id;
    const char *text;
} sarif_outcome_rules[] = {
    {"drvsim.scenario-error", "The scenario could not run: a Lua error in harness code, an "
                              "invalid scenario{}, a limit of the host (exit 3)"},
    {"drvsim.timeout", "A limit (simulated time, events, instructions) ended the run"},
    {"drvsim.deadlock", "Every thread waits and nothing can wake one: a hang on Windows"},
    {"drvsim.expectation", "The run did not end as the scenario's expect says"},
    {"drvsim.nondeterministic", "Two runs of one scenario and seed gave different digests"},
};

void sarif_init(sarif_log *log)
{
    log->rules = json_array();
    log->rule_index = json_object();
    log->results = json_array();
    log->ok = log->rules != NULL && log->rule_index != NULL && log->results != NULL;
}

static void sarif_set(json_t *o, const char *key, json_t *value, bool *ok)
{
    if (value == NULL || json_object_set_new(o, key, value) != 0) {
        *ok = false;
    }
}

static json_t *sarif_text(const char *text)
{
    json_t *m = json_object();
    bool ok = m != NULL;
    sarif_set(m, "text", out_json_text(text), &ok);
    if (!ok) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* The index of rule `id` in tool.driver.rules, added on first use with its
 * description and, for a bug check rule, its code and name. */
static size_t sarif_rule(sarif_log *log, const char *id, const char *text, uint32_t code)
{
    json_t *known = json_object_get(log->rule_index, id);
    if (known != NULL) {
        return (size_t)json_integer_value(known);
    }
    size_t index = json_array_size(log->rules);
    bool ok = true;
    json_t *rule = json_object();
    sarif_set(rule, "id", out_json_text(id), &ok);
    sarif_set(rule, "shortDescription", sarif_text(text), &ok);
    json_t *props = json_object();
    if (code != 0) {
        const char *name = drvsim_bugcode_name(code);
        sarif_set(props, "bugcheck", json_sprintf("0x%" PRIX32, code), &ok);
        if (name != NULL) {
            sarif_set(props, "bugcheck_name", json_string(name), &ok);
        }
    }
    /* GitHub code scanning shows these as the alert's tags. */
    json_t *tags = json_array();
    if (tags == NULL || json_array_append_new(tags, json_string("driver-verifier")) != 0) {
        ok = false;
    }
    sarif_set(props, "tags", tags, &ok);
    sarif_set(rule, "properties", props, &ok);
    json_t *level = json_object();
    sarif_set(level, "level", json_string("error"), &ok);
    sarif_set(rule, "defaultConfiguration", level, &ok);
    if (!ok || json_array_append_new(log->rules, rule) != 0 ||
        json_object_set_new(log->rule_index, id, json_integer((json_int_t)index)) != 0) {
        log->ok = false;
    }
    return index;
}

/* Appends text to a URI reference, percent-encoding all but RFC 3986's
 * unreserved characters and the path separator. */
static void sarif_uri(FILE *out, const char *path, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c) != NULL) {
            fputc(c, out);
        } else {
            fprintf(out, "%%%02X", c);
        }
    }
}

/*
 * A physical location from "file:line" (site), else from the scenario file
 * alone (line 1). A relative path is relative to the checkout (%SRCROOT%),
 * which is where drvsim test runs and what code scanning resolves against.
 */
static json_t *sarif_location(const char *site, const char *scenario)
{
    const char *path = scenario;
    size_t n = strlen(scenario);
    unsigned long line = 1;
    const char *colon = site != NULL ? strrchr(site, ':') : NULL;
    if (colon != NULL && colon != site && colon[1] >= '0' && colon[1] <= '9') {
        char *end;
        unsigned long v = strtoul(colon + 1, &end, 10);
        if (*end == '\0' && v > 0) {
            path = site;
            n = (size_t)(colon - site);
            line = v;
        }
    }
    char *uri = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&uri, &len);
    if (f == NULL) {
        return NULL;
    }
    bool absolute = path[0] == '/';
    if (absolute) {
        fputs("file://", f);
    }
    while (!absolute && n > 2 && strncmp(path, "./", 2) == 0) {
        path += 2, n -= 2;
    }
    sarif_uri(f, path, n);
    if (fclose(f) != 0) {
        free(uri);
        return NULL;
    }
    bool ok = true;
    json_t *artifact = json_object();
    sarif_set(artifact, "uri", json_string(uri), &ok);
    free(uri);
    if (!absolute) {
        sarif_set(artifact, "uriBaseId", json_string("%SRCROOT%"), &ok);
    }
    json_t *region = json_object();
    sarif_set(region, "startLine", json_integer((json_int_t)line), &ok);
    json_t *physical = json_object();
    sarif_set(physical, "artifactLocation", artifact, &ok);
    sarif_set(physical, "region", region, &ok);
    json_t *location = json_object();
    sarif_set(location, "physicalLocation", physical, &ok);
    if (!ok) {
        json_decref(location);
        return NULL;
    }
    return location;
}

/* "file:line" at the start of a scenario error's message ("x.lua:12: ..."),
 * copied into buf; "" when it has none. */
static const char *sarif_message_site(const char *message, const char *scenario, char *buf,
                                      size_t size)
{
    size_t n = strlen(scenario);
    buf[0] = '\0';
    const char *at = strstr(message, scenario);
    if (n == 0 || at == NULL || at[n] != ':' || at[n + 1] < '0' || at[n + 1] > '9') {
        return buf;
    }
    size_t digits = strspn(at + n + 1, "0123456789");
    snprintf(buf, size, "%.*s", (int)(n + 1 + digits), at);
    return buf;
}

/* Appends one result. */
static void sarif_result(sarif_log *log, size_t rule, const char *rule_id, const char *message,
                         json_t *location, const char *replay, json_t *props,
                         const char *fingerprint)
{
    bool ok = true;
    json_t *result = json_object();
    sarif_set(result, "ruleId", out_json_text(rule_id), &ok);
    sarif_set(result, "ruleIndex", json_integer((json_int_t)rule), &ok);
    sarif_set(result, "level", json_string("error"), &ok);
    sarif_set(result, "message", sarif_text(message), &ok);
    json_t *locations = json_array();
    if (locations == NULL || location == NULL || json_array_append_new(locations, location) != 0) {
        ok = false;
    }
    sarif_set(result, "locations", locations, &ok);
    /* Code scanning tracks an alert across commits by these. */
    json_t *fp = json_object();
    sarif_set(fp, "drvsimFailure/v1", out_json_text(fingerprint), &ok);
    sarif_set(result, "partialFingerprints", fp, &ok);
    sarif_set(props, "replay", out_json_text(replay != NULL ? replay : ""), &ok);
    sarif_set(result, "properties", props, &ok);
    if (!ok || json_array_append_new(log->results, result) != 0) {
        log->ok = false;
    }
}

/* The outcome rule of a run that is no bug check. */
static size_t sarif_outcome_rule(sarif_log *log, drvsim_outcome outcome, bool nondeterministic,
                                 const char **id)
{
    size_t k = nondeterministic                          ? 4
               : outcome == DRVSIM_OUTCOME_ERROR         ? 0
               : outcome == DRVSIM_OUTCOME_TIMEOUT       ? 1
               : outcome == DRVSIM_OUTCOME_DEADLOCK      ? 2
                                                          : 3;
    *id = sarif_outcome_rules[k].id;
    return sarif_rule(log, *id, sarif_outcome_rules[k].text, 0);
}

void sarif_add(sarif_log *log, const drvsim_result *r, const char *why, bool nondeterministic,
               const char *replay, size_t count)
{
    const drvsim_bugcheck *b = &r->bugcheck;
    bool bugcheck = r->outcome == DRVSIM_OUTCOME_BUGCHECK && !nondeterministic;
    const char *id;
    size_t rule;
    char site[400];
    char fingerprint[256];
    if (bugcheck) {
        id = b->rule[0] != '\0' ? b->rule : "drvsim.bugcheck";
        rule = sarif_rule(log, id, b->description[0] != '\0' ? b->description : "a bug check",
                          b->code);
        snprintf(site, sizeof site, "%s", b->site);
        snprintf(fingerprint, sizeof fingerprint, "%s:0x%" PRIX32 ":%s:%s", id, b->code, b->driver,
                 r->scenario);
    } else {
        rule = sarif_outcome_rule(log, r->outcome, nondeterministic, &id);
        sarif_message_site(r->message, r->scenario, site, sizeof site);
        snprintf(fingerprint, sizeof fingerprint, "%s:%s", id, r->scenario);
    }

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        log->ok = false;
        return;
    }
    if (bugcheck) {
        const char *name = drvsim_bugcode_name(b->code);
        fprintf(f, "Bug check 0x%" PRIX32 "%s%s%s (0x%" PRIX64 ", 0x%" PRIX64 ", 0x%" PRIX64
                   ", 0x%" PRIX64 ")",
                b->code, name != NULL ? " (" : "", name != NULL ? name : "",
                name != NULL ? ")" : "", b->params[0], b->params[1], b->params[2], b->params[3]);
        if (b->description[0] != '\0') {
            fprintf(f, ": %s", b->description);
        }
        if (b->driver[0] != '\0') {
            fprintf(f, "; driver %s", b->driver);
        }
        if (b->routine[0] != '\0') {
            fprintf(f, ", in %s", b->routine);
        }
        if (!r->expected) {
            fputs("; the scenario expects ", f);
            out_write_expect(f, &r->expect);
        }
    } else {
        fputs(why != NULL ? why : "", f);
        if (why == NULL) {
            out_write_failure(f, r);
        }
    }
    if (count > 0) {
        fprintf(f, " (%zu run%s, first seed %" PRIu64 ")", count, count == 1 ? "" : "s", r->seed);
    } else {
        fprintf(f, " (seed %" PRIu64 ")", r->seed);
    }
    fprintf(f, ". Replay: %s", replay != NULL ? replay : "?");
    if (fclose(f) != 0) {
        free(text);
        log->ok = false;
        return;
    }

    bool ok = true;
    json_t *props = json_object();
    sarif_set(props, "scenario", out_json_text(r->scenario), &ok);
    sarif_set(props, "seed", out_json_u64(r->seed), &ok);
    sarif_set(props, "outcome", json_string(drvsim_outcome_name(r->outcome)), &ok);
    if (r->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        sarif_set(props, "bugcheck", json_sprintf("0x%" PRIX32, b->code), &ok);
        json_t *params = json_array();
        for (int i = 0; params != NULL && i < 4; i++) {
            if (json_array_append_new(params, json_sprintf("0x%016" PRIx64, b->params[i])) != 0)
                ok = false;
        }
        sarif_set(props, "params_hex", params, &ok);
        if (b->driver[0] != '\0') {
            sarif_set(props, "driver", out_json_text(b->driver), &ok);
        }
    }
    if (count > 0) {
        sarif_set(props, "runs", json_integer((json_int_t)count), &ok);
    }
    if (!ok) {
        log->ok = false;
    }
    sarif_result(log, rule, id, text, sarif_location(site, r->scenario), replay, props,
                 fingerprint);
    free(text);
}

void sarif_add_group(sarif_log *log, const out_group *g, const char *scenario, const char *replay)
{
    drvsim_result r;
    memset(&r, 0, sizeof r);
    r.outcome = g->outcome;
    r.seed = g->first_seed;
    r.expected = g->unexpected == 0;
    r.expect = g->expect;
    snprintf(r.scenario, sizeof r.scenario, "%s", scenario);
    if (g->outcome == DRVSIM_OUTCOME_BUGCHECK) {
        r.bugcheck = g->bugcheck;
    } else {
        snprintf(r.message, sizeof r.message, "%s", g->message);
    }
    const char *why = g->outcome == DRVSIM_OUTCOME_BUGCHECK ? NULL : g->message;
    if (why != NULL && why[0] == '\0') {
        why = g->outcome == DRVSIM_OUTCOME_CLEAN ? NULL : drvsim_outcome_name(g->outcome);
    }
    sarif_add(log, &r, why, false, replay, g->count);
}

bool sarif_write(sarif_log *log, FILE *out)
{
    bool ok = log->ok;
    json_t *doc = json_object();
    sarif_set(doc, "$schema", json_string(SARIF_SCHEMA), &ok);
    sarif_set(doc, "version", json_string("2.1.0"), &ok);
    json_t *driver = json_object();
    sarif_set(driver, "name", json_string("drvsim"), &ok);
    sarif_set(driver, "version", json_string(DRVSIM_VERSION), &ok);
    sarif_set(driver, "semanticVersion", json_string(DRVSIM_VERSION), &ok);
    sarif_set(driver, "rules", json_incref(log->rules), &ok);
    json_t *tool = json_object();
    sarif_set(tool, "driver", driver, &ok);
    json_t *run = json_object();
    sarif_set(run, "tool", tool, &ok);
    json_t *props = json_object();
    sarif_set(props, "trace_format", json_integer(DRVSIM_TRACE_FORMAT), &ok);
    if (drvsim_git_revision[0] != '\0') {
        sarif_set(props, "git_revision", json_string(drvsim_git_revision), &ok);
    }
    sarif_set(run, "properties", props, &ok);
    sarif_set(run, "columnKind", json_string("unicodeCodePoints"), &ok);
    sarif_set(run, "results", json_incref(log->results), &ok);
    json_t *runs = json_array();
    if (runs == NULL || json_array_append_new(runs, run) != 0) {
        ok = false;
    }
    sarif_set(doc, "runs", runs, &ok);
    ok = ok && out_json_dump(doc, JSON_INDENT(2), out);
    json_decref(doc);
    json_decref(log->rules);
    json_decref(log->rule_index);
    json_decref(log->results);
    memset(log, 0, sizeof *log);
    return ok;
}

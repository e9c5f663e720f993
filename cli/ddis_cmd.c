/*
 * ddis_cmd.c - `drvsim ddis`: every kernel routine a scenario's drivers can
 * call, with its WDK signature, its Lua form, the file that implements it
 * and the checks that watch it (the catalogue tools/gen_ddi_info.py
 * generates from sim/ddi.tbl, so it cannot drift from what runs).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "ddi_info.h"
#include "output.h"

static const char usage_ddis[] =
    "usage: drvsim ddis [--json] [NAME ...]\n"
    "\n"
    "Lists the kernel routines (DDIs) drivers can call: the WDK signature, the\n"
    "Lua form (output parameters are returned after the result), the flags\n"
    "(blocking: may wait; spins: may spin on a held lock; resumes: not atomic;\n"
    "callout: calls a driver routine back), the file that implements it, and the\n"
    "checks that watch it (ids of `drvsim rules`). Given names, shows those only.\n"
    "\n"
    "  --json                  as a JSON array\n"
    "  -h, --help              this text\n";

static const ddi_info *find_ddi(const char *name)
{
    for (size_t i = 0; i < DDI_COUNT; i++) {
        if (strcmp(ddi_infos[i].name, name) == 0)
            return &ddi_infos[i];
    }
    return NULL;
}

static void print_text(const ddi_info *d)
{
    printf("%s\n  %s\n  Lua: %s\n", d->name, d->signature, d->lua);
    if (d->flags[0] != '\0')
        printf("  flags: %s\n", d->flags);
    printf("  in: %s\n", d->component[0] != '\0' ? d->component : "-");
    printf("  checks:");
    if (d->checks[0] == NULL)
        printf(" none");
    for (size_t i = 0; d->checks[i] != NULL; i++) {
        printf("%s %s", i == 0 ? "" : ",", d->checks[i]);
    }
    printf("\n");
}

static json_t *to_json(const ddi_info *d, size_t number)
{
    json_t *o = json_object();
    json_t *params = json_array();
    json_t *checks = json_array();
    json_t *flags = json_array();
    bool ok = o != NULL && params != NULL && checks != NULL && flags != NULL;
    for (size_t i = 0; ok && i < d->param_count; i++) {
        const ddi_param *p = &d->params[i];
        json_t *jp = json_pack("{s:s, s:s, s:s, s:b}", "name", p->name, "type", p->type, "wdk_type",
                               p->wdk_type, "out", p->out);
        ok = jp != NULL && json_array_append_new(params, jp) == 0;
    }
    for (size_t i = 0; ok && d->checks[i] != NULL; i++) {
        ok = json_array_append_new(checks, json_string(d->checks[i])) == 0;
    }
    char buf[64];
    const char *f = d->flags;
    while (ok && *f != '\0') {
        size_t n = strcspn(f, " ");
        snprintf(buf, sizeof buf, "%.*s", (int)n, f);
        ok = json_array_append_new(flags, json_string(buf)) == 0;
        f += n;
        f += strspn(f, " ");
    }
    ok = ok && json_object_set_new(o, "name", json_string(d->name)) == 0;
    ok = ok && json_object_set_new(o, "number", json_integer((json_int_t)number)) == 0;
    ok = ok && json_object_set_new(o, "returns", json_string(d->returns)) == 0;
    ok = ok && json_object_set_new(o, "signature", json_string(d->signature)) == 0;
    ok = ok && json_object_set_new(o, "lua", json_string(d->lua)) == 0;
    ok = ok && json_object_set_new(o, "params", params) == 0;
    params = NULL;
    ok = ok && json_object_set_new(o, "flags", flags) == 0;
    flags = NULL;
    ok = ok && json_object_set_new(o, "component", json_string(d->component)) == 0;
    ok = ok && json_object_set_new(o, "checks", checks) == 0;
    checks = NULL;
    json_decref(params);
    json_decref(flags);
    json_decref(checks);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cli_cmd_ddis(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const ddi_info **named = calloc((size_t)argc + 1, sizeof *named);
    size_t named_count = 0;
    int c;
    if (named == NULL) {
        fprintf(stderr, "drvsim: out of memory\n");
        return CLI_EXIT_HOST;
    }
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "-:h", longopts, NULL)) != -1) {
        switch (c) {
        case 1:
            named[named_count] = find_ddi(optarg);
            if (named[named_count] == NULL) {
                free(named);
                return cli_usage_error(usage_ddis, "no DDI '%s' (drvsim ddis lists them)", optarg);
            }
            named_count++;
            break;
        case 'h':
            free(named);
            fputs(usage_ddis, stdout);
            return DRVSIM_EXIT_OK;
        case 'J':
            json = true;
            break;
        default:
            free(named);
            return cli_getopt_error(c, argv, usage_ddis);
        }
    }
    if (cli_parse_only) {
        free(named);
        return DRVSIM_EXIT_OK;
    }
    size_t count = named_count > 0 ? named_count : DDI_COUNT;
    json_t *array = json ? json_array() : NULL;
    bool ok = !json || array != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        const ddi_info *d = named_count > 0 ? named[i] : &ddi_infos[i];
        if (json) {
            json_t *o = to_json(d, (size_t)(d - ddi_infos));
            ok = o != NULL && json_array_append_new(array, o) == 0;
        } else {
            if (i > 0)
                printf("\n");
            print_text(d);
        }
    }
    free(named);
    if (json) {
        ok = ok && out_json_dump(array, JSON_INDENT(2), stdout);
        json_decref(array);
    }
    if (!ok || fflush(stdout) != 0) {
        fprintf(stderr, "drvsim: could not write the DDIs\n");
        return CLI_EXIT_HOST;
    }
    return DRVSIM_EXIT_OK;
}

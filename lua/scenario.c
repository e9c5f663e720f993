/*
 * scenario.c - the scenario language: scenario{ ... }, driver "x.sys" { ... }
 * and run(function() ... end) (CONTRACT 3). Each is validated as it is
 * called, so a mistake is reported at its own line.
 */
#define _XOPEN_SOURCE 700 /* realpath(3) */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "binding.h"

static void check_top_level(lua_State *L, const char *what)
{
    if (lb_get(L)->m != NULL)
        lb_scenario_error(L, "%s can only be used at the top level of a scenario", what);
}

/* "4GB", "512MB", "64KB" (binary units), or a number of bytes. */
static bool parse_memory(const char *text, uint64_t *bytes)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || text[0] == '-')
        return false;
    uint64_t unit = 1;
    if (strcasecmp(end, "KB") == 0)
        unit = 1ull << 10;
    else if (strcasecmp(end, "MB") == 0)
        unit = 1ull << 20;
    else if (strcasecmp(end, "GB") == 0)
        unit = 1ull << 30;
    else if (strcasecmp(end, "TB") == 0)
        unit = 1ull << 40;
    else if (*end != '\0' && strcasecmp(end, "B") != 0)
        return false;
    if (v > UINT64_MAX / unit)
        return false;
    *bytes = v * unit;
    return true;
}

static char *dup_string(lua_State *L, const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL)
        luaL_error(L, "not enough memory");
    return copy;
}

/*
 * The first, in byte order, of the keys of the table at idx that known
 * (NULL-terminated) does not list: its name, or "[type]" for a key that is
 * not a string. False if there is none. A fixed choice, so that a message
 * is the same every run: lua_next's order depends on Lua's per-process hash
 * seed.
 */
static bool first_unknown_key(lua_State *L, int idx, const char *const known[], char *out,
                              size_t len)
{
    bool found = false;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        char name[128];
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *key = lua_tostring(L, -1);
            bool is_known = false;
            for (int i = 0; known[i] != NULL && !is_known; i++)
                is_known = strcmp(key, known[i]) == 0;
            if (is_known)
                continue;
            snprintf(name, sizeof name, "%s", key);
        } else {
            snprintf(name, sizeof name, "[%s]", luaL_typename(L, -1));
        }
        if (!found || strcmp(name, out) < 0)
            snprintf(out, len, "%s", name);
        found = true;
    }
    return found;
}

/* Pushes t[field] of the table at idx (raw, as lua_next reads) and returns
 * its type. */
static int raw_field(lua_State *L, int idx, const char *field)
{
    lua_pushstring(L, field);
    return lua_rawget(L, idx < 0 ? idx - 1 : idx);
}

/* ------------------------------------------------------------------------ */
/* verifier = { ... }: the table form, turned into verifier.exe syntax       */
/* ------------------------------------------------------------------------ */

/* The verifier.exe command line being built from a verifier table. */
typedef struct vt_text {
    char text[2048];
    size_t len;
} vt_text;

static void vt_add(lua_State *L, vt_text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n >= sizeof t->text)
        lb_scenario_error(L, "scenario{}: the verifier table is too long");
    memcpy(t->text + t->len, s, n + 1);
    t->len += n;
}

/* A name list field (a string, or an array of strings) at idx, each name
 * after a space. */
static void vt_add_names(lua_State *L, vt_text *t, int idx, const char *field)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        vt_add(L, t, " ");
        vt_add(L, t, lua_tostring(L, idx));
        return;
    }
    if (!lua_istable(L, idx))
        lb_scenario_error(L, "scenario{}: verifier.%s must be a string or a list of strings",
                          field);
    for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
        if (lua_type(L, -1) != LUA_TSTRING)
            lb_scenario_error(L, "scenario{}: verifier.%s[%lld] must be a string", field,
                              (long long)i);
        vt_add(L, t, " ");
        vt_add(L, t, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* Builds the verifier.exe command line of a verifier table at idx and
 * leaves it on the stack. The fields read are left on the stack until the
 * end, then dropped at once. */
static void verifier_table(lua_State *L, int idx)
{
    static const char *const known[] = {"standard", "flags",   "drivers", "all",
                                        "faults",   "iolevel", NULL};
    char unknown[128];
    if (first_unknown_key(L, idx, known, unknown, sizeof unknown))
        lb_scenario_error(L,
                          "scenario{}: verifier table has an unknown field %s (known: "
                          "standard, flags, drivers, all, faults, iolevel)",
                          unknown);
    vt_text t = {.len = 0};
    t.text[0] = '\0';
    char number[48];
    int top = lua_gettop(L);
    if (lua_getfield(L, idx, "standard") != LUA_TNIL && lua_toboolean(L, -1))
        vt_add(L, &t, " /standard");
    if (lua_getfield(L, idx, "flags") != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            lb_scenario_error(L, "scenario{}: verifier.flags must be an integer");
        snprintf(number, sizeof number, " /flags 0x%llX", (unsigned long long)lua_tointeger(L, -1));
        vt_add(L, &t, number);
    }
    if (lua_getfield(L, idx, "all") != LUA_TNIL && lua_toboolean(L, -1))
        vt_add(L, &t, " /all");
    if (lua_getfield(L, idx, "drivers") != LUA_TNIL) {
        vt_add(L, &t, " /driver");
        vt_add_names(L, &t, lua_gettop(L), "drivers");
    }
    if (lua_getfield(L, idx, "iolevel") != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            lb_scenario_error(L, "scenario{}: verifier.iolevel must be an integer");
        snprintf(number, sizeof number, " /iolevel %lld", (long long)lua_tointeger(L, -1));
        vt_add(L, &t, number);
    }
    int faults = lua_getfield(L, idx, "faults");
    if (faults == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
        vt_add(L, &t, " /faults");
    } else if (faults == LUA_TTABLE) {
        /* Positional, as /faults is: an absent value is "" (its default);
         * lists of tags and applications are one quoted argument. */
        static const char *const fields[] = {"probability", "tags", "apps", "delay"};
        int f = lua_gettop(L);
        vt_add(L, &t, " /faults");
        for (int i = 0; i < 4; i++) {
            int type = lua_getfield(L, f, fields[i]);
            if (type == LUA_TNIL) {
                vt_add(L, &t, " \"\"");
            } else if (type == LUA_TNUMBER && lua_isinteger(L, -1)) {
                snprintf(number, sizeof number, " %lld", (long long)lua_tointeger(L, -1));
                vt_add(L, &t, number);
            } else if (type == LUA_TSTRING || type == LUA_TTABLE) {
                vt_text names = {.len = 0};
                names.text[0] = '\0';
                vt_add_names(L, &names, lua_gettop(L), fields[i]);
                vt_add(L, &t, " \"");
                vt_add(L, &t, names.text + (names.len > 0 ? 1 : 0));
                vt_add(L, &t, "\"");
            } else {
                lb_scenario_error(L, "scenario{}: verifier.faults.%s has the wrong type (%s)",
                                  fields[i], luaL_typename(L, -1));
            }
            lua_pop(L, 1);
        }
    } else if (faults != LUA_TNIL && faults != LUA_TBOOLEAN) {
        lb_scenario_error(L, "scenario{}: verifier.faults must be true or a table");
    }
    lua_settop(L, top);
    lua_pushstring(L, t.text);
}

/* ------------------------------------------------------------------------ */
/* scenario{ ... }                                                           */
/* ------------------------------------------------------------------------ */

static void read_expect(lua_State *L, int idx, lb_scenario *sc)
{
    memset(&sc->expect, 0, sizeof sc->expect);
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        if (strcmp(s, "clean") == 0)
            sc->expect.clean = true;
        else if (strcmp(s, "timeout") == 0)
            sc->expect.timeout = true;
        else if (strcmp(s, "deadlock") == 0)
            sc->expect.deadlock = true;
        else
            lb_scenario_error(L,
                              "scenario{}: expect must be \"clean\", \"timeout\", \"deadlock\" "
                              "or a table { bugcheck = ..., p1 = ..., driver = ... }, got \"%s\"",
                              s);
        return;
    }
    if (!lua_istable(L, idx))
        lb_scenario_error(L, "scenario{}: expect must be \"clean\" or a table, got %s",
                          luaL_typename(L, idx));
    static const char *const known[] = {"bugcheck", "p1", "p2", "p3", "p4", "driver", NULL};
    char unknown[128];
    if (first_unknown_key(L, idx, known, unknown, sizeof unknown))
        lb_scenario_error(L,
                          "scenario{}: expect has an unknown field \"%s\" (known: "
                          "bugcheck, p1, p2, p3, p4, driver)",
                          unknown);
    /* In a fixed order, so that the first mistake is the one reported. */
    for (int i = 0; i < 5; i++) {
        const char *key = known[i];
        if (raw_field(L, idx, key) != LUA_TNIL) {
            if (!lua_isinteger(L, -1))
                lb_scenario_error(L, "scenario{}: expect.%s must be an integer", key);
            uint64_t v = (uint64_t)lua_tointeger(L, -1);
            if (i == 0) {
                if (v > 0xFFFFFFFFu)
                    lb_scenario_error(L, "scenario{}: expect.bugcheck is a 32-bit code");
                sc->expect.code = (uint32_t)v;
            } else {
                sc->expect.has_p[i - 1] = true;
                sc->expect.p[i - 1] = v;
            }
        }
        lua_pop(L, 1);
    }
    if (raw_field(L, idx, "driver") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            lb_scenario_error(L, "scenario{}: expect.driver must be a string");
        snprintf(sc->expect.driver, sizeof sc->expect.driver, "%s", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (sc->expect.code == 0)
        lb_scenario_error(L, "scenario{}: expect needs bugcheck = CODE (or \"clean\")");
}

static int l_scenario(lua_State *L)
{
    check_top_level(L, "scenario{}");
    lb_state *lb = lb_get(L);
    lb_scenario *sc = &lb->sc;
    if (sc->declared)
        lb_scenario_error(L, "scenario{} is given twice");
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    sc->declared = true;
    /* Where the table is, for the messages about it after the top level
     * (an invalid verifier or gflags string, memory on x86). */
    lb_host_site_name(lb, lb_host_site(lb, NULL), sc->where, sizeof sc->where);

    static const char *const fields[] = {"name",   "verifier", "gflags", "cpus",  "arch",
                                         "memory", "build",    "seed",   "limit", "sched",
                                         "kd",     "expect",   "faults", "registry", "files",
                                         "devices", NULL};
    char unknown[128];
    if (first_unknown_key(L, 1, fields, unknown, sizeof unknown)) {
        if (unknown[0] == '[')
            lb_scenario_error(L, "scenario{}: fields are named (name = ..., cpus = ...)");
        lb_scenario_error(L,
                          "scenario{}: unknown field \"%s\" (known: name, verifier, "
                          "gflags, cpus, arch, memory, build, seed, limit, sched, kd, "
                          "expect, faults, registry, files, devices)",
                          unknown);
    }
    /* The fields in a fixed order, so that the first mistake is the one
     * reported, the same every run. */
    for (int f = 0; fields[f] != NULL; f++) {
        const char *key = fields[f];
        if (raw_field(L, 1, key) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        int v = lua_gettop(L);
        if (strcmp(key, "name") == 0) {
            if (lua_type(L, v) != LUA_TSTRING)
                lb_scenario_error(L, "scenario{}: name must be a string");
            snprintf(sc->name, sizeof sc->name, "%s", lua_tostring(L, v));
        } else if (strcmp(key, "verifier") == 0) {
            if (lua_istable(L, v))
                verifier_table(L, v);
            else if (lua_type(L, v) != LUA_TSTRING)
                lb_scenario_error(L, "scenario{}: verifier must be verifier.exe syntax "
                                     "(\"/standard /driver x.sys\") or a table");
            free(sc->verifier);
            sc->verifier = dup_string(L, lua_tostring(L, -1));
            lua_settop(L, v);
        } else if (strcmp(key, "gflags") == 0) {
            if (lua_type(L, v) != LUA_TSTRING)
                lb_scenario_error(L, "scenario{}: gflags must be a string (\"+spp Tag1\")");
            free(sc->gflags);
            sc->gflags = dup_string(L, lua_tostring(L, v));
        } else if (strcmp(key, "cpus") == 0) {
            if (!lua_isinteger(L, v) || lua_tointeger(L, v) < 1 ||
                lua_tointeger(L, v) > KE_MAX_CPUS)
                lb_scenario_error(L, "scenario{}: cpus must be an integer 1..%d", KE_MAX_CPUS);
            sc->cpus = (uint32_t)lua_tointeger(L, v);
        } else if (strcmp(key, "arch") == 0) {
            const char *arch = lua_tostring(L, v);
            if (arch != NULL && strcmp(arch, "x64") == 0)
                sc->arch = KE_ARCH_X64;
            else if (arch != NULL && strcmp(arch, "x86") == 0)
                sc->arch = KE_ARCH_X86;
            else
                lb_scenario_error(L, "scenario{}: arch must be \"x64\" or \"x86\"");
            lb_register_constants(L, sc->arch);
            lb_register_object_globals(L, sc->arch);
        } else if (strcmp(key, "memory") == 0) {
            uint64_t bytes = 0;
            if (lua_isinteger(L, v) && lua_tointeger(L, v) > 0)
                bytes = (uint64_t)lua_tointeger(L, v);
            else if (lua_type(L, v) != LUA_TSTRING || !parse_memory(lua_tostring(L, v), &bytes))
                lb_scenario_error(L, "scenario{}: memory must be like \"4GB\", \"512MB\" or a "
                                     "number of bytes");
            if (bytes < 16 * PAGE_SIZE)
                lb_scenario_error(L, "scenario{}: memory must be at least 64KB");
            sc->memory_bytes = bytes; /* checked against the arch when the machine boots */
            sc->memory_bytes = bytes;
        } else if (strcmp(key, "build") == 0) {
            const char *build = lua_tostring(L, v);
            if (build != NULL && strcmp(build, "free") == 0)
                sc->build = KE_BUILD_FREE;
            else if (build != NULL && strcmp(build, "checked") == 0)
                sc->build = KE_BUILD_CHECKED;
            else
                lb_scenario_error(L, "scenario{}: build must be \"free\" or \"checked\"");
            lb_set_build(L, sc->build);
        } else if (strcmp(key, "seed") == 0) {
            if (!lua_isinteger(L, v) || lua_tointeger(L, v) < 0)
                lb_scenario_error(L, "scenario{}: seed must be a non-negative integer");
            sc->seed_given = true;
            sc->seed = (uint64_t)lua_tointeger(L, v);
            if (!lb->seed_from_options) {
                /* math.random at the top level draws from the run's seed too */
                lb->seed = sc->seed;
                des_rng_stream(&lb->rng_early, lb->seed, "lua");
            }
        } else if (strcmp(key, "limit") == 0) {
            sc->limit_100ns = lb_check_duration(L, v, "scenario{}: limit");
            if (sc->limit_100ns == 0)
                lb_scenario_error(L, "scenario{}: limit must be more than zero");
        } else if (strcmp(key, "sched") == 0) {
            const char *text = lua_tostring(L, v);
            if (lua_type(L, v) != LUA_TSTRING || !ke_sched_parse(text, &sc->sched))
                lb_scenario_error(L,
                                  "scenario{}: sched must be \"random\", \"pct\", "
                                  "\"pct:D\", \"pct:D:K\" (D 1..%d) or "
                                  "\"directed:FILE:LINE[,FILE:LINE...]\" (at most %d sites), "
                                  "each optionally followed by \"+accesses\"",
                                  KE_PCT_MAX_DEPTH, KE_DIRECTED_MAX_SITES);
        } else if (strcmp(key, "kd") == 0) {
            if (lua_type(L, v) != LUA_TBOOLEAN)
                lb_scenario_error(L, "scenario{}: kd must be true or false");
            sc->kd = lua_toboolean(L, v);
        } else if (strcmp(key, "expect") == 0) {
            read_expect(L, v, sc);
        } else if (strcmp(key, "faults") == 0) {
            /* The low resources predicate: called for each eligible call. */
            if (!lua_isfunction(L, v))
                lb_scenario_error(L, "scenario{}: faults must be a function(ctx) returning "
                                     "false to exempt a call");
            if (sc->faults_ref != LUA_NOREF)
                luaL_unref(L, LUA_REGISTRYINDEX, sc->faults_ref);
            lua_pushvalue(L, v);
            sc->faults_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        } else if (strcmp(key, "registry") == 0) {
            lb_registry_parse(L, v, sc);
        } else if (strcmp(key, "files") == 0) {
            lb_files_parse(L, v, sc);
        } else if (strcmp(key, "devices") == 0) {
            lb_devices_parse(L, v, sc);
        }
        lua_settop(L, v - 1);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* driver "x.sys" { ... } and driver "x.sys" "file.lua"                      */
/* ------------------------------------------------------------------------ */

/*
 * A driver file must lie inside the scenario's tree: the root is the
 * directory of the scenario file, as realpath(3) resolves it, and the file,
 * resolved the same way (every symbolic link followed), must be below it. A
 * link such as drivers/etc -> /etc would otherwise read the host's files
 * into the sandbox. A file that does not exist is judged by its longest
 * existing prefix, so that the message does not tell which host files exist;
 * inside the root, lb_load_file then reports it missing.
 */
static void check_inside_root(lua_State *L, const lb_state *lb, const char *name, const char *path)
{
    const char *slash = strrchr(lb->scenario_path, '/');
    char dir[PATH_MAX];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == lb->scenario_path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - lb->scenario_path), lb->scenario_path);
    char root[PATH_MAX], real[PATH_MAX], prefix[PATH_MAX];
    if (realpath(dir, root) == NULL)
        lb_scenario_error(L, "driver \"%s\": cannot resolve the scenario's directory %s: %s", name,
                          dir, strerror(errno));
    if (strlen(path) >= sizeof prefix)
        lb_scenario_error(L, "driver \"%s\": the path %s is too long", name, path);
    snprintf(prefix, sizeof prefix, "%s", path);
    while (realpath(prefix, real) == NULL) {
        if ((errno != ENOENT && errno != ENOTDIR) || strcmp(prefix, ".") == 0 ||
            strcmp(prefix, "/") == 0)
            lb_scenario_error(L, "driver \"%s\": cannot resolve %s: %s", name, path,
                              strerror(errno));
        char *last = strrchr(prefix, '/');
        if (last == NULL)
            snprintf(prefix, sizeof prefix, ".");
        else if (last == prefix)
            prefix[1] = '\0';
        else
            *last = '\0';
    }
    size_t n = strlen(root);
    bool inside = strncmp(real, root, n) == 0 &&
                  (real[n] == '\0' || real[n] == '/' || strcmp(root, "/") == 0);
    if (!inside)
        lb_scenario_error(L,
                          "driver \"%s\": %s leads outside the scenario's directory %s (driver "
                          "files must lie below it, symbolic links resolved)",
                          name, path, root);
}

static int driver_body(lua_State *L)
{
    lb_state *lb = lb_get(L);
    check_top_level(L, "driver");
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    uint16_t chunk = 0;
    if (lua_type(L, 1) == LUA_TSTRING) {
        /* A file, relative to the scenario, that returns the routines. */
        const char *file = lua_tostring(L, 1);
        /* Relative to the scenario, and below it: a scenario cannot reach
         * into the host's files. */
        if (file[0] == '/' || strcmp(file, "..") == 0 || strncmp(file, "../", 3) == 0 ||
            strstr(file, "/../") != NULL ||
            (strlen(file) >= 3 && strcmp(file + strlen(file) - 3, "/..") == 0))
            lb_scenario_error(L,
                              "driver \"%s\": \"%s\" must be a path relative to the "
                              "scenario, without \"..\"",
                              name, file);
        const char *slash = strrchr(lb->scenario_path, '/');
        if (slash != NULL) {
            lua_pushlstring(L, lb->scenario_path, (size_t)(slash - lb->scenario_path + 1));
            lua_pushstring(L, file);
            lua_concat(L, 2);
        } else {
            lua_pushstring(L, file);
        }
        const char *path = lua_tostring(L, -1);
        check_inside_root(L, lb, name, path);
        if (lb_load_file(L, path, &chunk) != LUA_OK)
            lb_scenario_error(L, "driver \"%s\": %s", name, lua_tostring(L, -1));
        lua_call(L, 0, 1);
        if (!lua_istable(L, -1))
            lb_scenario_error(L, "driver \"%s\": %s must return a table of routines, not %s", name,
                              path, luaL_typename(L, -1));
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    if (!lua_istable(L, 1))
        lb_scenario_error(L, "driver \"%s\" takes a table of routines or a file name, not %s", name,
                          luaL_typename(L, 1));
    if (lua_getfield(L, 1, "DriverEntry") != LUA_TFUNCTION)
        lb_scenario_error(L, "driver \"%s\" has no DriverEntry function", name);
    lua_pop(L, 1);
    bool graphics = false;
    if (lua_getfield(L, 1, "kind") != LUA_TNIL) {
        const char *kind = lua_tostring(L, -1);
        if (kind == NULL || strcmp(kind, "graphics") != 0)
            lb_scenario_error(L,
                              "driver \"%s\": kind must be \"graphics\" (display and print "
                              "drivers) or absent",
                              name);
        graphics = true;
    }
    lua_pop(L, 1);
    for (uint32_t i = 0; i < lb->driver_count; i++) {
        if (strcasecmp(lb->drivers[i].name, name) == 0)
            lb_scenario_error(L, "driver \"%s\" is declared twice", name);
    }
    if (lb->driver_count == LB_MAX_DRIVERS)
        lb_scenario_error(L, "a scenario may declare at most %d drivers", LB_MAX_DRIVERS);
    lb_driver_decl *d = &lb->drivers[lb->driver_count++];
    snprintf(d->name, sizeof d->name, "%s", name);
    d->graphics = graphics;
    d->chunk = chunk;
    lua_pushvalue(L, 1);
    d->table_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int l_driver(lua_State *L)
{
    check_top_level(L, "driver");
    size_t len = 0;
    const char *name = lua_tolstring(L, 1, &len);
    if (name == NULL || lua_type(L, 1) != LUA_TSTRING)
        lb_scenario_error(L, "driver takes an image name: driver \"x.sys\" { ... }");
    if (len == 0 || len > 63)
        lb_scenario_error(L, "driver: an image name has 1 to 63 characters");
    for (size_t i = 0; i < len; i++) {
        if (!isprint((unsigned char)name[i]) || name[i] == '\\' || name[i] == '/')
            lb_scenario_error(L, "driver: \"%s\" is not an image file name", name);
    }
    lua_pushvalue(L, 1);
    lua_pushcclosure(L, driver_body, 1);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* run(function() ... end)                                                   */
/* ------------------------------------------------------------------------ */

static int l_run(lua_State *L)
{
    check_top_level(L, "run");
    lb_state *lb = lb_get(L);
    if (lb->run_ref != LUA_NOREF)
        lb_scenario_error(L, "run() is given twice");
    if (lua_type(L, 1) != LUA_TFUNCTION)
        lb_scenario_error(L, "run takes the test body: run(function() ... end)");
    lua_settop(L, 1);
    lb->run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

void lb_register_scenario(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"scenario", l_scenario},
        {"driver", l_driver},
        {"run", l_run},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, fns);
    lua_pop(L, 1);
}

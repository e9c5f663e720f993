/*
 * registry.c - the scenario's registry: scenario{ registry = { ... } } (the
 * keys and values the run starts with) and the harness functions
 * RegistrySet and RegistryGet. Marshalling only: the registry is the
 * kernel's (sim/cm).
 *
 * A value is written as Lua holds it: an integer is a REG_DWORD, a string a
 * REG_SZ, an array of strings a REG_MULTI_SZ; `{REG_xxx, v}` names the type
 * (REG_QWORD with an integer, REG_EXPAND_SZ with a string, REG_BINARY and
 * the other types with a string of bytes).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "binding.h"
#include "cm/cm.h"

/* A value converted to its registry bytes; data is malloc'ed. */
typedef struct reg_value {
    uint32_t type;
    uint8_t *data;
    uint32_t size;
} reg_value;

static void *alloc_or_die(lua_State *L, size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL)
        lb_scenario_error(L, "out of host memory");
    return p;
}

/* A Lua string as UTF-16 with its terminating NUL, appended at data+*size. */
static void append_sz(lua_State *L, int idx, uint8_t **data, uint32_t *size)
{
    size_t len = 0;
    const char *s = lua_tolstring(L, idx, &len);
    if (len > CM_MAX_VALUE_DATA / 2)
        lb_scenario_error(L, "a registry string is at most %u bytes", CM_MAX_VALUE_DATA / 2);
    uint8_t *grown = realloc(*data, *size + (len + 1) * 2 + 2);
    if (grown == NULL)
        lb_scenario_error(L, "out of host memory");
    uint32_t n = cm_utf8_to_utf16(s, len, (uint16_t *)(void *)(grown + *size));
    memset(grown + *size + n * 2, 0, 2);
    *data = grown;
    *size += (n + 1) * 2;
}

/* Converts the value at idx (what): false with *why set if it is none of
 * the forms. */
static bool convert(lua_State *L, int idx, reg_value *out, const char **why)
{
    idx = lua_absindex(L, idx);
    memset(out, 0, sizeof *out);
    int explicit_type = -1;
    int v = idx;
    if (lua_type(L, idx) == LUA_TTABLE && lua_rawgeti(L, idx, 1) == LUA_TNUMBER) {
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 0xFFFF) {
            *why = "its type must be a REG_xxx constant";
            return false;
        }
        explicit_type = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (lua_rawlen(L, idx) != 2) {
            *why = "a typed value is {REG_xxx, value}";
            return false;
        }
        lua_rawgeti(L, idx, 2);
        v = lua_gettop(L);
    } else if (lua_type(L, idx) == LUA_TTABLE) {
        lua_pop(L, 1);
    }
    int t = lua_type(L, v);
    uint32_t type = explicit_type >= 0 ? (uint32_t)explicit_type
                    : t == LUA_TNUMBER ? REG_DWORD
                    : t == LUA_TSTRING ? REG_SZ
                                       : REG_MULTI_SZ;
    out->type = type;
    bool ok = true;
    if (t == LUA_TNUMBER) {
        if (!lua_isinteger(L, v)) {
            *why = "a number must be an integer";
            ok = false;
        } else if (type == REG_QWORD) {
            uint64_t q = (uint64_t)lua_tointeger(L, v);
            out->data = alloc_or_die(L, 8);
            memcpy(out->data, &q, 8);
            out->size = 8;
        } else if (type == REG_DWORD || type == REG_DWORD_BIG_ENDIAN) {
            lua_Integer i = lua_tointeger(L, v);
            if (i < 0 || i > 0xFFFFFFFFll) {
                *why = "a REG_DWORD is an integer 0..0xFFFFFFFF (REG_QWORD for more)";
                ok = false;
            } else {
                uint32_t d = (uint32_t)i;
                if (type == REG_DWORD_BIG_ENDIAN)
                    d = __builtin_bswap32(d);
                out->data = alloc_or_die(L, 4);
                memcpy(out->data, &d, 4);
                out->size = 4;
            }
        } else {
            *why = "an integer is a REG_DWORD or a REG_QWORD";
            ok = false;
        }
    } else if (t == LUA_TSTRING) {
        if (type == REG_SZ || type == REG_EXPAND_SZ) {
            append_sz(L, v, &out->data, &out->size);
        } else if (type == REG_DWORD || type == REG_QWORD || type == REG_MULTI_SZ) {
            *why = "a string is a REG_SZ, REG_EXPAND_SZ, or the bytes of another type";
            ok = false;
        } else {
            size_t len = 0;
            const char *s = lua_tolstring(L, v, &len);
            if (len > CM_MAX_VALUE_DATA) {
                *why = "the value is too long";
                ok = false;
            } else {
                out->data = alloc_or_die(L, len);
                memcpy(out->data, s, len);
                out->size = (uint32_t)len;
            }
        }
    } else if (t == LUA_TTABLE && type == REG_MULTI_SZ) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, v);
        for (lua_Integer i = 1; i <= n && ok; i++) {
            if (lua_rawgeti(L, v, i) != LUA_TSTRING) {
                *why = "a REG_MULTI_SZ is an array of strings";
                ok = false;
            } else {
                append_sz(L, -1, &out->data, &out->size);
            }
            lua_pop(L, 1);
        }
        if (ok) {
            /* The list's own terminating NUL. */
            uint8_t *grown = realloc(out->data, out->size + 2);
            if (grown == NULL)
                lb_scenario_error(L, "out of host memory");
            memset(grown + out->size, 0, 2);
            out->data = grown;
            out->size += 2;
        }
    } else {
        *why = "a value is an integer, a string, an array of strings or {REG_xxx, value}";
        ok = false;
    }
    if (v != idx)
        lua_pop(L, 1);
    if (!ok) {
        free(out->data);
        out->data = NULL;
    }
    return ok;
}

/* Pushes a value as RegistryGet returns it. */
static void push_value(lua_State *L, const cm_value *v)
{
    if ((v->type == REG_DWORD && v->size == 4) || (v->type == REG_QWORD && v->size == 8)) {
        uint64_t q = 0;
        memcpy(&q, v->data, v->size);
        lua_pushinteger(L, (lua_Integer)q);
        return;
    }
    if (v->type != REG_SZ && v->type != REG_EXPAND_SZ && v->type != REG_MULTI_SZ) {
        lua_pushlstring(L, (const char *)v->data, v->size);
        return;
    }
    uint32_t units = v->size / 2;
    uint16_t *s = alloc_or_die(L, (size_t)units * 2);
    memcpy(s, v->data, (size_t)units * 2);
    char *text = alloc_or_die(L, (size_t)units * 4 + 1);
    if (v->type != REG_MULTI_SZ) {
        uint32_t n = 0;
        while (n < units && s[n] != 0)
            n++;
        size_t len = cm_utf16_to_utf8(s, n, text);
        lua_pushlstring(L, text, len);
    } else {
        lua_newtable(L);
        lua_Integer count = 0;
        for (uint32_t at = 0; at < units && s[at] != 0;) {
            uint32_t n = 0;
            while (at + n < units && s[at + n] != 0)
                n++;
            size_t len = cm_utf16_to_utf8(s + at, n, text);
            lua_pushlstring(L, text, len);
            lua_rawseti(L, -2, ++count);
            at += n + 1;
        }
    }
    free(text);
    free(s);
}

static const char *check_path(lua_State *L, int arg, const char *fn)
{
    const char *path = luaL_checkstring(L, arg);
    if (strncasecmp(path, "\\Registry\\", 10) != 0 || path[10] == '\0')
        lb_scenario_error(L, "%s: \"%s\" is not a registry path (\\Registry\\Machine\\...)", fn,
                          path);
    return path;
}

static const char *status_text(NTSTATUS status)
{
    switch ((uint32_t)status) {
    case 0xC0000034u:
        return "a key on the way does not exist";
    case 0xC0000033u:
        return "a name in it is empty";
    case 0xC000003Au:
    case 0xC0000022u:
        return "it is not under \\Registry\\Machine or \\Registry\\User";
    case 0xC0000181u:
        return "a key under a volatile key must be volatile";
    default:
        return "the registry refused it";
    }
}

/* RegistrySet(path, name, value): sets a value (creating the keys on the
 * way), as an application or an administrator would; name nil creates the
 * key only. Returns nothing; a refused write is a scenario error. */
static int l_RegistrySet(lua_State *L)
{
    lb_check_harness(L, "RegistrySet");
    const char *path = check_path(L, 1, "RegistrySet");
    const char *name = luaL_optstring(L, 2, NULL);
    reg_value v = {0};
    if (name != NULL) {
        const char *why = NULL;
        if (lua_isnoneornil(L, 3) || !convert(L, 3, &v, &why))
            lb_scenario_error(L, "RegistrySet: value (argument 3): %s",
                              why != NULL ? why : "missing");
    }
    NTSTATUS status = cm_harness_set(lb_get(L)->m, path, name, v.type, v.data, v.size);
    free(v.data);
    if (!NT_SUCCESS(status))
        lb_scenario_error(L, "RegistrySet: \"%s\": %s (0x%08X)", path, status_text(status),
                          (unsigned)status);
    return 0;
}

/* RegistryGet(path, name) -> value, type; nil when the key or the value
 * does not exist. */
static int l_RegistryGet(lua_State *L)
{
    lb_check_harness(L, "RegistryGet");
    const char *path = check_path(L, 1, "RegistryGet");
    const char *name = luaL_checkstring(L, 2);
    const cm_value *v = cm_harness_get(lb_get(L)->m, path, name);
    if (v == NULL) {
        lua_pushnil(L);
        return 1;
    }
    push_value(L, v);
    lua_pushinteger(L, v->type);
    return 2;
}

/* L"text" -> PCWSTR: C's wide string literal, a UTF-16 literal in the
 * calling image (pooled, as lb_check_wstr makes them), for the PWSTR fields
 * of structures (RTL_QUERY_REGISTRY_TABLE's Name, a DefaultData string) and
 * the PCWSTR arguments that take one. */
static int l_L(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TSTRING);
    if (lua_gettop(L) != 1)
        lb_scenario_error(L, "L\"text\" takes one string");
    lb_push_ptr(L, lb_check_wstr(L, 1, "L", "text"));
    return 1;
}

void lb_register_registry(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"L", l_L},
        {"RegistrySet", l_RegistrySet},
        {"RegistryGet", l_RegistryGet},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, functions);
    lua_pop(L, 1);
}

/* ------------------------------------------------------------------------ */
/* scenario{ registry = { [path] = { [name] = value, ... }, ... } }          */
/* ------------------------------------------------------------------------ */

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string keys of the table at idx, sorted (byte order); a key that is
 * not a string is an error naming what. */
static char **sorted_keys(lua_State *L, int idx, const char *what, size_t *count)
{
    size_t n = 0, cap = 8;
    char **keys = alloc_or_die(L, cap * sizeof *keys);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            free(keys);
            lb_scenario_error(L, "scenario{}: %s: its keys are names (strings)", what);
        }
        if (n == cap) {
            cap *= 2;
            char **grown = realloc(keys, cap * sizeof *keys);
            if (grown == NULL)
                lb_scenario_error(L, "out of host memory");
            keys = grown;
        }
        keys[n++] = (char *)lua_tostring(L, -1); /* the table keeps it alive */
    }
    qsort(keys, n, sizeof *keys, compare_strings);
    *count = n;
    return keys;
}

static void add_item(lua_State *L, lb_scenario *sc, const char *path, const char *name,
                     const reg_value *v)
{
    lb_registry_item *grown =
        realloc(sc->registry, (sc->registry_count + 1) * sizeof *sc->registry);
    if (grown == NULL)
        lb_scenario_error(L, "out of host memory");
    sc->registry = grown;
    lb_registry_item *it = &sc->registry[sc->registry_count++];
    memset(it, 0, sizeof *it);
    it->path = strdup(path);
    it->name = name != NULL ? strdup(name) : NULL;
    if (it->path == NULL || (name != NULL && it->name == NULL))
        lb_scenario_error(L, "out of host memory");
    if (v != NULL) {
        it->type = v->type;
        it->data = v->data;
        it->size = v->size;
    }
}

void lb_registry_parse(lua_State *L, int idx, lb_scenario *sc)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        lb_scenario_error(L, "scenario{}: registry must be a table { [\"\\\\Registry\\\\...\"] = "
                             "{ Name = value, ... } }");
    lb_registry_free(sc);
    size_t paths = 0;
    char **keys = sorted_keys(L, idx, "registry", &paths);
    for (size_t i = 0; i < paths; i++) {
        const char *path = keys[i];
        if (strncasecmp(path, "\\Registry\\", 10) != 0 || path[10] == '\0') {
            free(keys);
            lb_scenario_error(L, "scenario{}: registry: \"%s\" is not a registry path "
                                 "(\\Registry\\Machine\\...)", path);
        }
        lua_getfield(L, idx, path);
        if (!lua_istable(L, -1)) {
            free(keys);
            lb_scenario_error(L, "scenario{}: registry[\"%s\"] must be a table of values", path);
        }
        int values = lua_gettop(L);
        add_item(L, sc, path, NULL, NULL); /* the key, even without values */
        size_t count = 0;
        char what[300];
        snprintf(what, sizeof what, "registry[\"%s\"]", path);
        char **names = sorted_keys(L, values, what, &count);
        for (size_t j = 0; j < count; j++) {
            lua_getfield(L, values, names[j]);
            reg_value v;
            const char *why = NULL;
            if (!convert(L, -1, &v, &why)) {
                char name[128];
                snprintf(name, sizeof name, "%s", names[j]);
                free(names);
                free(keys);
                lb_scenario_error(L, "scenario{}: registry[\"%s\"].%s: %s", path, name, why);
            }
            add_item(L, sc, path, names[j], &v);
            lua_pop(L, 1);
        }
        free(names);
        lua_pop(L, 1);
    }
    free(keys);
}

void lb_registry_free(lb_scenario *sc)
{
    for (size_t i = 0; i < sc->registry_count; i++) {
        free(sc->registry[i].path);
        free(sc->registry[i].name);
        free(sc->registry[i].data);
    }
    free(sc->registry);
    sc->registry = NULL;
    sc->registry_count = 0;
}

bool lb_registry_seed(ke_machine *m, const lb_scenario *sc, char *err, size_t err_len)
{
    for (size_t i = 0; i < sc->registry_count; i++) {
        const lb_registry_item *it = &sc->registry[i];
        NTSTATUS status = cm_harness_set(m, it->path, it->name, it->type, it->data, it->size);
        if (!NT_SUCCESS(status)) {
            snprintf(err, err_len, "%s: scenario{}: registry[\"%s\"]: %s (0x%08X)", sc->where,
                     it->path, status_text(status), (unsigned)status);
            return false;
        }
    }
    return true;
}

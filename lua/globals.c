/*
 * globals.c - the constants and DDIs of the global table, resolved on first
 * use (issue 18: registering every one of them in every seed's fresh state
 * was a quarter of a fault sweep's seed).
 *
 * The WDK constants of constants.c's table and the DDIs of the generated
 * lb_ddi_functions (about 1,100 names of the 1,400 globals) are not set in
 * a fresh state's global table. A metatable on it resolves them instead:
 * its __index finds a name in a sorted table (built once per process,
 * binary search) and sets the global as registration would have, so the
 * next use is a plain table read; its __newindex marks a name the scenario
 * assigns first (or assigns nil) as resolved, so that its value stays the
 * scenario's. A name is resolved once per state at most: one bit each.
 *
 * What a scenario sees is what eager registration gave it:
 *  - a read of a global, a call, `rawget(_G, name)`, and C code that looks
 *    a global up (lb_globals_resolve), get the value registration set;
 *  - everything that walks or replaces the global table (pairs, next,
 *    getmetatable, setmetatable, the "did you mean" hint) resolves every
 *    name first (lb_globals_settle), then finds no metatable on it: the
 *    same keys, values and order as before;
 *  - no Lua instruction runs to resolve a name (the metamethods are C), so
 *    instruction counts, and so budgets and the reported "instructions",
 *    do not move.
 * Names that other registration set too keep the winner of eager
 * registration's order (constants first, the DDIs after the harness's
 * functions): the collisions are found once per process and applied to
 * every state.
 */
#include <stdlib.h>
#include <string.h>

#include "binding.h"

typedef struct lazy_global {
    const char *name;
    lua_CFunction fn;   /* a DDI; NULL: the constant `value` */
    lua_Integer value;
} lazy_global;

static lazy_global *lazy;   /* sorted by name, no name twice */
static size_t lazy_count;
static size_t *collisions;  /* indexes set by eager registration too */
static size_t collision_count;
static int index_state;     /* 0 not built, 1 built, -1 out of memory: resolve nothing lazily */
static bool collisions_known;

static const char lazy_mt_key = 0; /* registry: the global table's metatable */

static int compare_lazy(const void *a, const void *b)
{
    const lazy_global *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    /* The same name twice: the DDI last, as it was registered last. */
    return c != 0 ? c : (x->fn != NULL) - (y->fn != NULL);
}

static bool build_index(void)
{
    if (index_state != 0)
        return index_state > 0;
    size_t constant_count = 0;
    const lb_constant *constants = lb_constant_table(&constant_count);
    lazy = calloc(constant_count + DDI_COUNT, sizeof *lazy);
    if (lazy == NULL) {
        index_state = -1;
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < constant_count; i++)
        lazy[n++] = (lazy_global){constants[i].name, NULL, constants[i].value};
    for (size_t i = 0; lb_ddi_functions[i].name != NULL; i++)
        lazy[n++] = (lazy_global){lb_ddi_functions[i].name, lb_ddi_functions[i].func, 0};
    qsort(lazy, n, sizeof *lazy, compare_lazy);
    /* Of a name registered twice, the later registration (sorted last). */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept > 0 && strcmp(lazy[kept - 1].name, lazy[i].name) == 0)
            kept--;
        lazy[kept++] = lazy[i];
    }
    lazy_count = kept;
    index_state = 1;
    return true;
}

/* The index of a lazily registered name, or SIZE_MAX. */
static size_t find(const char *name)
{
    size_t lo = 0, hi = lazy_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, lazy[mid].name);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return SIZE_MAX;
}

static void push_value(lua_State *L, size_t i)
{
    if (lazy[i].fn != NULL)
        lua_pushcfunction(L, lazy[i].fn);
    else
        lua_pushinteger(L, lazy[i].value);
}

/* Marks name i resolved; whether it was not yet. bits: the state's. */
static bool take(unsigned char *bits, size_t i)
{
    unsigned char bit = (unsigned char)(1u << (i & 7));
    if (bits[i >> 3] & bit)
        return false;
    bits[i >> 3] |= bit;
    return true;
}

/* __index(t, k), upvalue 1 the resolved bits: the registered value of a
 * name not resolved yet (set in t), else nil. */
static int lazy_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        return 0;
    size_t len = 0;
    const char *name = lua_tolstring(L, 2, &len);
    size_t i = strlen(name) == len ? find(name) : SIZE_MAX;
    if (i == SIZE_MAX || !take(lua_touserdata(L, lua_upvalueindex(1)), i))
        return 0;
    lua_settop(L, 2);
    push_value(L, i);
    lua_pushvalue(L, -1);
    lua_insert(L, 2);
    lua_rawset(L, 1);
    return 1;
}

/* __newindex(t, k, v): the scenario's value wins over registration's. */
static int lazy_newindex(lua_State *L)
{
    size_t len = 0;
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
    if (name != NULL && strlen(name) == len) {
        size_t i = find(name);
        if (i != SIZE_MAX)
            take(lua_touserdata(L, lua_upvalueindex(1)), i);
    }
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

/* The resolved bits of the table at idx, if it resolves names lazily
 * (leaves nothing on the stack). */
static unsigned char *lazy_bits(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lazy_mt_key);
    bool ours = lua_rawequal(L, -1, -2);
    unsigned char *bits = NULL;
    if (ours) {
        lua_getfield(L, -1, "__index");
        lua_getupvalue(L, -1, 1);
        bits = lua_touserdata(L, -1);
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
    return bits;
}

void lb_globals_lazy(lua_State *L)
{
    int g = lua_gettop(L);
    if (!build_index()) {
        /* Out of host memory at the first state: registered now, as
         * before (a constant another registration set keeps that value). */
        size_t count = 0;
        const lb_constant *constants = lb_constant_table(&count);
        for (size_t i = 0; i < count; i++) {
            if (lua_getfield(L, g, constants[i].name) == LUA_TNIL) {
                lua_pushinteger(L, constants[i].value);
                lua_setfield(L, g, constants[i].name);
            }
            lua_pop(L, 1);
        }
        luaL_setfuncs(L, lb_ddi_functions, 0);
        return;
    }
    /* Once per process: the names eager registration set too. The same in
     * every state, since registration does not depend on the run. */
    if (!collisions_known) {
        size_t *found = calloc(lazy_count + 1, sizeof *found);
        if (found == NULL)
            luaL_error(L, "not enough memory");
        for (size_t i = 0; i < lazy_count; i++) {
            if (lua_getfield(L, g, lazy[i].name) != LUA_TNIL)
                found[collision_count++] = i;
            lua_pop(L, 1);
        }
        collisions = found;
        collisions_known = true;
    }
    unsigned char *bits = lua_newuserdatauv(L, (lazy_count + 7) / 8, 0);
    memset(bits, 0, (lazy_count + 7) / 8);
    int b = lua_gettop(L);
    /* A constant set again later kept that value; a DDI, registered after
     * everything before it, replaced it. */
    for (size_t k = 0; k < collision_count; k++) {
        size_t i = collisions[k];
        take(bits, i);
        if (lazy[i].fn != NULL) {
            push_value(L, i);
            lua_setfield(L, g, lazy[i].name);
        }
    }
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, b);
    lua_pushcclosure(L, lazy_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, b);
    lua_pushcclosure(L, lazy_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lazy_mt_key);
    lua_setmetatable(L, g);
    lua_settop(L, g);
}

void lb_globals_resolve(lua_State *L, int idx, const char *name)
{
    unsigned char *bits = lazy_bits(L, idx);
    if (bits == NULL)
        return;
    size_t i = find(name);
    if (i == SIZE_MAX || !take(bits, i))
        return;
    idx = lua_absindex(L, idx);
    push_value(L, i);
    lua_setfield(L, idx, lazy[i].name); /* raw: the key is absent, __newindex is ours */
}

void lb_globals_settle(lua_State *L, int idx)
{
    unsigned char *bits = lazy_bits(L, idx);
    if (bits == NULL)
        return;
    idx = lua_absindex(L, idx);
    for (size_t i = 0; i < lazy_count; i++) {
        if (take(bits, i)) {
            lua_pushstring(L, lazy[i].name);
            push_value(L, i);
            lua_rawset(L, idx);
        }
    }
    lua_pushnil(L);
    lua_setmetatable(L, idx);
}

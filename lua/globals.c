/*
 * globals.c - the libraries, constants, structure constructors, harness
 * functions and DDIs of the global table, resolved on first use (issue 18: registering every one of them in
 * every seed's fresh state was a quarter of a fault sweep's seed).
 *
 * The libraries table, math and utf8 (sandbox.c opens them then), the WDK
 * constants of constants.c's table, the structure constructors of
 * pointer.c's (IRP(), KEVENT() ...), the harness's and WDK macros' C
 * functions (lb_globals_defer) and the DDIs of the generated
 * lb_ddi_functions (about 1,300 names of the 1,500 globals) are not set in
 * a fresh state's global table. A metatable on it resolves them instead:
 * its __index finds a name in a table (built once per process, hashed)
 * and sets the global as registration would have, so the
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
 * registration's order (the libraries, the constants, the constructors and
 * the deferred functions, the DDIs after them): the collisions are found
 * once per process and applied to every state (a constructor or deferred
 * function whose name was set before it is set where it was, as before).
 */
#include <stdlib.h>
#include <string.h>

#include "binding.h"

/* What a lazy global is, in the order eager registration set them: the
 * tables of lb_globals_defer between the constructors and the DDIs, in the
 * order they were deferred (LAZY_DEFERRED + k). */
enum { LAZY_LIBRARY, LAZY_CONSTANT, LAZY_CONSTRUCTOR, LAZY_DEFERRED, LAZY_DDI = 1000 };

/* The tables of C functions deferred (lb_globals_defer), found in the
 * process's first state, before the index is built: registration is the
 * same in every state. replaces[k][i]: name i of table k was set before
 * the table was (it is set then, as before, in every state). */
#define DEFERRED_MAX 32
static const luaL_Reg *deferred[DEFERRED_MAX];
static bool *replaces[DEFERRED_MAX];
static bool made[DEFERRED_MAX]; /* lb_globals_defer_made's: func(name) makes the value */
static size_t deferred_count;

typedef struct lazy_global {
    const char *name;
    int kind;
    lua_CFunction fn;   /* a DDI, or a constructor's closure over `value` */
    lua_Integer value;  /* a constant, or a constructor's type */
} lazy_global;

static lazy_global *lazy;   /* sorted by name, no name twice */
static size_t lazy_count;
static uint32_t *slots;     /* open addressing: index + 1 of a name, 0 free */
static size_t slot_mask;
static size_t *collisions;  /* indexes set by eager registration too */
static size_t collision_count;
static int index_state;     /* 0 not built, 1 built, -1 out of memory: resolve nothing lazily */
static bool collisions_known;

static const char lazy_mt_key = 0; /* registry: the global table's metatable */

/* FNV-1a. */
static uint32_t name_hash(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static int compare_lazy(const void *a, const void *b)
{
    const lazy_global *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    /* The same name twice: in registration order, the last registered last. */
    return c != 0 ? c : x->kind - y->kind;
}

static bool build_index(void)
{
    if (index_state != 0)
        return index_state > 0;
    size_t constant_count = 0, constructor_count = 0, deferred_names = 0, library_count = 0;
    const luaL_Reg *libraries = lb_sandbox_libraries();
    while (libraries[library_count].name != NULL)
        library_count++;
    const lb_constant *constants = lb_constant_table(&constant_count);
    lua_CFunction make = NULL;
    const lb_constructor *constructors = lb_constructor_table(&constructor_count, &make);
    for (size_t k = 0; k < deferred_count; k++) {
        for (size_t i = 0; deferred[k][i].name != NULL; i++)
            deferred_names++;
    }
    lazy = calloc(library_count + constant_count + constructor_count + deferred_names + DDI_COUNT,
                  sizeof *lazy);
    if (lazy == NULL) {
        index_state = -1;
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < library_count; i++)
        lazy[n++] = (lazy_global){libraries[i].name, LAZY_LIBRARY, libraries[i].func, 0};
    for (size_t i = 0; i < constant_count; i++)
        lazy[n++] = (lazy_global){constants[i].name, LAZY_CONSTANT, NULL, constants[i].value};
    for (size_t i = 0; i < constructor_count; i++)
        lazy[n++] = (lazy_global){constructors[i].name, LAZY_CONSTRUCTOR, make,
                                  (lua_Integer)constructors[i].type};
    for (size_t k = 0; k < deferred_count; k++) {
        for (size_t i = 0; deferred[k][i].name != NULL; i++)
            lazy[n++] = (lazy_global){deferred[k][i].name, LAZY_DEFERRED + (int)k,
                                      deferred[k][i].func, 0};
    }
    for (size_t i = 0; lb_ddi_functions[i].name != NULL; i++)
        lazy[n++] = (lazy_global){lb_ddi_functions[i].name, LAZY_DDI, lb_ddi_functions[i].func, 0};
    qsort(lazy, n, sizeof *lazy, compare_lazy);
    /* Of a name registered twice, the later registration (sorted last). */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept > 0 && strcmp(lazy[kept - 1].name, lazy[i].name) == 0)
            kept--;
        lazy[kept++] = lazy[i];
    }
    lazy_count = kept;
    /* A hash of the names, for find (a global read the table misses, a
     * store of a new global, and C's lookups: dozens a seed); without the
     * memory, find searches the sorted names. */
    size_t size = 16;
    while (size < 2 * lazy_count)
        size *= 2;
    slots = calloc(size, sizeof *slots);
    slot_mask = slots != NULL ? size - 1 : 0;
    for (size_t i = 0; slots != NULL && i < lazy_count; i++) {
        size_t at = name_hash(lazy[i].name) & slot_mask;
        while (slots[at] != 0)
            at = (at + 1) & slot_mask;
        slots[at] = (uint32_t)i + 1;
    }
    index_state = 1;
    return true;
}

/* The index of a lazily registered name, or SIZE_MAX. */
static size_t find(const char *name)
{
    if (slots != NULL) {
        for (size_t at = name_hash(name) & slot_mask; slots[at] != 0; at = (at + 1) & slot_mask) {
            size_t i = slots[at] - 1;
            if (strcmp(lazy[i].name, name) == 0)
                return i;
        }
        return SIZE_MAX;
    }
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

/* The value table k's function fn gives `name`. */
static void push_deferred(lua_State *L, size_t k, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    if (made[k]) {
        lua_pushstring(L, name);
        lua_call(L, 1, 1);
    }
}

static void push_value(lua_State *L, size_t i)
{
    if (lazy[i].kind >= LAZY_DEFERRED && lazy[i].kind < LAZY_DDI) {
        push_deferred(L, (size_t)(lazy[i].kind - LAZY_DEFERRED), lazy[i].name, lazy[i].fn);
    } else if (lazy[i].kind == LAZY_DDI) {
        lua_pushcfunction(L, lazy[i].fn);
    } else if (lazy[i].kind == LAZY_CONSTRUCTOR) {
        lua_pushinteger(L, lazy[i].value);
        lua_pushcclosure(L, lazy[i].fn, 1);
    } else if (lazy[i].kind == LAZY_LIBRARY) {
        lua_pushcfunction(L, lazy[i].fn); /* opens it: its table */
        lua_call(L, 0, 1);
    } else {
        lua_pushinteger(L, lazy[i].value);
    }
}

/* Whether name i is resolved. */
static bool taken(const unsigned char *bits, size_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* Marks name i resolved; whether it was not yet. bits: the state's. A name
 * is marked once its value is made (a library's opening may raise "not
 * enough memory": the next use tries again). */
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
    unsigned char *bits = lua_touserdata(L, lua_upvalueindex(1));
    if (i == SIZE_MAX || taken(bits, i))
        return 0;
    lua_settop(L, 2);
    push_value(L, i);
    take(bits, i);
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

/* The resolved bits of the table at idx, if it resolves names lazily: the
 * global table until it is settled (leaves nothing on the stack). */
static unsigned char *lazy_bits(lua_State *L, int idx)
{
    unsigned char *bits = lb_get(L)->global_bits;
    if (bits == NULL)
        return NULL;
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    bool global = lua_rawequal(L, -1, idx);
    lua_pop(L, 1);
    return global ? bits : NULL;
}

/* Sets every name of table k (or of fns, not deferred) in the table on
 * top, as registration did. */
static void set_all(lua_State *L, const luaL_Reg *fns, bool make)
{
    for (size_t i = 0; fns[i].name != NULL; i++) {
        lua_pushcfunction(L, fns[i].func);
        if (make) {
            lua_pushstring(L, fns[i].name);
            lua_call(L, 1, 1);
        }
        lua_setfield(L, -2, fns[i].name);
    }
}

static void defer(lua_State *L, const luaL_Reg *fns, bool make)
{
    size_t k = 0;
    while (k < deferred_count && deferred[k] != fns)
        k++;
    if (k == deferred_count) {
        /* Not seen in the first state (or no room, or out of memory): set
         * now, as registration always did. */
        if (index_state != 0 || deferred_count == DEFERRED_MAX) {
            set_all(L, fns, make);
            return;
        }
        size_t count = 0;
        while (fns[count].name != NULL)
            count++;
        bool *set = calloc(count + 1, sizeof *set);
        if (set == NULL)
            luaL_error(L, "not enough memory");
        for (size_t i = 0; i < count; i++) {
            set[i] = lua_getfield(L, -1, fns[i].name) != LUA_TNIL;
            lua_pop(L, 1);
        }
        deferred[deferred_count] = fns;
        made[deferred_count] = make;
        replaces[deferred_count++] = set;
    }
    if (index_state < 0) {
        set_all(L, fns, make);
        return;
    }
    for (size_t i = 0; fns[i].name != NULL; i++) {
        if (replaces[k][i]) {
            push_deferred(L, k, fns[i].name, fns[i].func);
            lua_setfield(L, -2, fns[i].name);
        }
    }
}

void lb_globals_defer(lua_State *L, const luaL_Reg *fns)
{
    defer(L, fns, false);
}

void lb_globals_defer_made(lua_State *L, const luaL_Reg *makers)
{
    defer(L, makers, true);
}

void lb_globals_lazy(lua_State *L)
{
    int g = lua_gettop(L);
    if (index_state == 0 && deferred_count > 0 && !build_index())
        luaL_error(L, "not enough memory"); /* this state's deferred tables are not set */
    if (!build_index()) {
        /* Out of host memory at the first state: registered now, as
         * before (a library, constant or constructor another registration
         * set keeps that value). */
        const luaL_Reg *libraries = lb_sandbox_libraries();
        for (size_t i = 0; libraries[i].name != NULL; i++) {
            if (lua_getfield(L, g, libraries[i].name) == LUA_TNIL) {
                lua_pushcfunction(L, libraries[i].func);
                lua_call(L, 0, 1);
                lua_setfield(L, g, libraries[i].name);
            }
            lua_pop(L, 1);
        }
        size_t count = 0;
        const lb_constant *constants = lb_constant_table(&count);
        for (size_t i = 0; i < count; i++) {
            if (lua_getfield(L, g, constants[i].name) == LUA_TNIL) {
                lua_pushinteger(L, constants[i].value);
                lua_setfield(L, g, constants[i].name);
            }
            lua_pop(L, 1);
        }
        lua_CFunction make = NULL;
        const lb_constructor *constructors = lb_constructor_table(&count, &make);
        for (size_t i = 0; i < count; i++) {
            if (lua_getfield(L, g, constructors[i].name) == LUA_TNIL) {
                lua_pushinteger(L, constructors[i].type);
                lua_pushcclosure(L, make, 1);
                lua_setfield(L, g, constructors[i].name);
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
            if (lazy[i].kind != LAZY_LIBRARY && lua_getfield(L, g, lazy[i].name) != LUA_TNIL)
                found[collision_count++] = i;
            if (lazy[i].kind != LAZY_LIBRARY)
                lua_pop(L, 1);
        }
        collisions = found;
        collisions_known = true;
    }
    unsigned char *bits = lua_newuserdatauv(L, (lazy_count + 7) / 8, 0);
    memset(bits, 0, (lazy_count + 7) / 8);
    int b = lua_gettop(L);
    /* A library the state opened (lb_sandbox_new, without lazy_libraries)
     * is there: as the state has it. */
    const luaL_Reg *libraries = lb_sandbox_libraries();
    for (size_t k = 0; libraries[k].name != NULL; k++) {
        size_t i = find(libraries[k].name);
        if (i != SIZE_MAX && lazy[i].kind == LAZY_LIBRARY &&
            lua_getfield(L, g, libraries[k].name) != LUA_TNIL)
            take(bits, i);
        if (i != SIZE_MAX && lazy[i].kind == LAZY_LIBRARY)
            lua_pop(L, 1);
    }
    /* A constant, constructor or deferred function set again later kept
     * that value; a DDI, registered after everything before it, replaced
     * it. */
    for (size_t k = 0; k < collision_count; k++) {
        size_t i = collisions[k];
        take(bits, i);
        if (lazy[i].kind == LAZY_DDI) {
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
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lazy_mt_key); /* keeps bits alive */
    lua_setmetatable(L, g);
    lua_settop(L, g);
    lb_get(L)->global_bits = bits;
}

void lb_globals_resolve(lua_State *L, int idx, const char *name)
{
    unsigned char *bits = lazy_bits(L, idx);
    if (bits == NULL)
        return;
    size_t i = find(name);
    if (i == SIZE_MAX || taken(bits, i))
        return;
    idx = lua_absindex(L, idx);
    /* Raw: the key is absent, so lua_setfield would go through __newindex
     * (lazy_newindex), a call for what rawset does. */
    lua_pushstring(L, lazy[i].name);
    push_value(L, i);
    take(bits, i);
    lua_rawset(L, idx);
}

void lb_globals_settle(lua_State *L, int idx)
{
    unsigned char *bits = lazy_bits(L, idx);
    if (bits == NULL)
        return;
    idx = lua_absindex(L, idx);
    for (size_t i = 0; i < lazy_count; i++) {
        if (!taken(bits, i)) {
            lua_pushstring(L, lazy[i].name);
            push_value(L, i);
            take(bits, i);
            lua_rawset(L, idx);
        }
    }
    lua_pushnil(L);
    lua_setmetatable(L, idx);
    lb_get(L)->global_bits = NULL;
}

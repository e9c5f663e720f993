/*
 * charged.c - library functions whose work in C is charged to the run's
 * instruction budget (--max-instructions).
 *
 * The count hook sees Lua instructions only; a library function is one
 * instruction however much it does. What it does is charged here, one
 * instruction per unit of work, before the work where it is known up front:
 *  - every new long string the Lua state creates, one per byte (in the
 *    allocator, sandbox.c): string.rep, upper, lower, reverse, sub, format,
 *    pack, table.concat, gsub, `..`, tostring ... all make one. Long strings
 *    are never interned, so when one is made does not depend on the garbage
 *    collector; short ones (at most 40 bytes) cost what the instruction does;
 *  - string.rep: one per repetition (an empty result has no string to
 *    charge, and string.rep("", 1e15) is a loop of 1e15 steps);
 *  - string.byte, utf8.codepoint: one per result; string.char, utf8.char:
 *    one per argument; utf8.len, utf8.offset: one per byte scanned;
 *  - table.insert, remove, move, unpack, concat: one per element moved,
 *    pushed or visited (their loops run over lua_geti/lua_seti, which with
 *    a __len metamethod can be any length);
 *  - pattern functions: one per matcher step (pattern.c);
 *  - pairs, next, table.sort: one per key visited or comparison (sandbox.c).
 * The table functions are reimplemented rather than wrapped, so that what
 * they charge is what they do, with __len called as often as Lua's own.
 */
#include <limits.h>

#include "binding.h"

/* Charges n, and calls the original (upvalue 1) with the arguments. */
static int charged_call(lua_State *L, uint64_t n)
{
    lb_charge(L, n);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* A 1-based start position as Lua's string functions read it. */
static size_t start_position(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0 || pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

/* An end position as Lua's string functions read it. */
static size_t end_position(lua_Integer pos, size_t len)
{
    if (pos > (lua_Integer)len)
        return len;
    if (pos >= 0)
        return (size_t)pos;
    if (pos < -(lua_Integer)len)
        return 0;
    return len + (size_t)pos + 1;
}

static int charged_rep(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    return charged_call(L, n > 0 ? (uint64_t)n : 0);
}

static int charged_byte(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer pi = luaL_optinteger(L, 2, 1);
    size_t first = start_position(pi, len);
    size_t last = end_position(luaL_optinteger(L, 3, (lua_Integer)first), len);
    return charged_call(L, first > last ? 0 : last - first + 1);
}

/* One per argument: string.char, utf8.char. */
static int charged_per_argument(lua_State *L)
{
    return charged_call(L, (uint64_t)lua_gettop(L));
}

/* utf8.len and utf8.codepoint: the bytes from i to j. */
static int charged_span(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer i = luaL_optinteger(L, 2, 1);
    bool is_len = lua_toboolean(L, lua_upvalueindex(2));
    lua_Integer j = luaL_optinteger(L, 3, is_len ? -1 : i);
    size_t first = start_position(i, len);
    size_t last = end_position(j, len);
    return charged_call(L, first > last ? 0 : last - first + 1);
}

/* utf8.offset: charged after, by the bytes between i and the result. */
static int charged_offset(lua_State *L)
{
    size_t len;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    lua_Integer i = luaL_optinteger(L, 3, n >= 0 ? 1 : (lua_Integer)len + 1);
    if (i < 0) /* from the end, as utf8.offset reads it */
        i = (size_t)0 - (size_t)i > len ? 0 : (lua_Integer)len + i + 1;
    int results = charged_call(L, 0);
    lua_Integer at = lua_isinteger(L, 1) ? lua_tointeger(L, 1) : (lua_Integer)len + 1;
    lb_charge(L, (uint64_t)(at > i ? at - i : i - at));
    return results;
}

/* ------------------------------------------------------------------------ */
/* The table functions                                                      */
/* ------------------------------------------------------------------------ */

#define TAB_R  1 /* read */
#define TAB_W  2 /* write */
#define TAB_L  4 /* length */
#define TAB_RW (TAB_R | TAB_W)

static bool has_metafield(lua_State *L, const char *key, int n)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL; /* the metatable is n below */
}

/* A table, or a value whose metatable gives the access `what` needs. */
static void check_table(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE)
        return;
    int n = 1;
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || has_metafield(L, "__index", ++n)) &&
        (!(what & TAB_W) || has_metafield(L, "__newindex", ++n)) &&
        (!(what & TAB_L) || has_metafield(L, "__len", ++n))) {
        lua_pop(L, n);
        return;
    }
    luaL_checktype(L, arg, LUA_TTABLE); /* raises */
}

static lua_Integer table_length(lua_State *L, int arg, int what)
{
    check_table(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

static int table_insert(lua_State *L)
{
    lua_Integer e = table_length(L, 1, TAB_RW);
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* the first empty slot */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        /* (pos - 1) unsigned: pos in [1, e] */
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        for (lua_Integer i = e; i > pos; i--) { /* move up the elements */
            lb_charge(L, 1);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int table_remove(lua_State *L)
{
    lua_Integer size = table_length(L, 1, TAB_RW);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) /* a position given: 1 <= pos <= size + 1 */
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos); /* the result */
    for (; pos < size; pos++) {
        lb_charge(L, 1);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos); /* the last entry goes */
    return 1;
}

static int table_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* the destination table */
    check_table(L, 1, TAB_R);
    check_table(L, tt, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        /* Overlapping ranges in one table move from the far end. */
        bool forward = t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ));
        for (lua_Integer k = 0; k < n; k++) {
            lua_Integer i = forward ? k : n - 1 - k;
            lb_charge(L, 1);
            lua_geti(L, 1, f + i);
            lua_seti(L, tt, t + i);
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

static int table_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > e)
        return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i;
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
        return luaL_error(L, "too many results to unpack");
    lb_charge(L, n);
    for (; i < e; i++)
        lua_geti(L, 1, i);
    lua_geti(L, 1, e);
    return (int)n;
}

static void concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
    luaL_addvalue(b);
}

static int table_concat(lua_State *L)
{
    luaL_Buffer b;
    lua_Integer last = table_length(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        lb_charge(L, 1);
        concat_field(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last)
        concat_field(L, &b, i);
    luaL_pushresult(&b); /* a long result is charged by the allocator */
    return 1;
}

/* ------------------------------------------------------------------------ */

static void wrap(lua_State *L, int table, const char *name, lua_CFunction fn, int extra)
{
    lua_getfield(L, table, name);
    for (int i = 0; i < extra; i++)
        lua_pushboolean(L, 1);
    lua_pushcclosure(L, fn, 1 + extra);
    lua_setfield(L, table, name);
}

static void replace(lua_State *L, int table, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    lua_setfield(L, table, name);
}

void lb_register_charged(lua_State *L)
{
    lua_getglobal(L, "string");
    int str = lua_gettop(L);
    wrap(L, str, "rep", charged_rep, 0);
    wrap(L, str, "byte", charged_byte, 0);
    wrap(L, str, "char", charged_per_argument, 0);
    lb_register_patterns(L, str);
    lua_pop(L, 1);
}

void lb_register_charged_utf8(lua_State *L, int utf8)
{
    wrap(L, utf8, "char", charged_per_argument, 0);
    wrap(L, utf8, "len", charged_span, 1);
    lua_getfield(L, utf8, "codepoint");
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, charged_span, 2);
    lua_setfield(L, utf8, "codepoint");
    wrap(L, utf8, "offset", charged_offset, 0);
}

void lb_register_charged_table(lua_State *L, int tab)
{
    replace(L, tab, "insert", table_insert);
    replace(L, tab, "remove", table_remove);
    replace(L, tab, "move", table_move);
    replace(L, tab, "unpack", table_unpack);
    replace(L, tab, "concat", table_concat);
}

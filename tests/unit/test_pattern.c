/*
 * test_pattern.c - the sandbox's charged pattern functions (lua/pattern.c)
 * against Lua's own: the same results and the same error messages for
 * random patterns and subjects, and a budget that stops a backtracking
 * pattern Lua's matcher would run for ever.
 */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"

/* Runs in both states: every pattern function on (s, p), serialised. */
static const char *const probe =
    "local s, p = ...\n"
    "local function ser(ok, ...)\n"
    "  local t = { tostring(ok) }\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    t[#t + 1] = type(v) .. ':' .. tostring(v)\n"
    "  end\n"
    "  return table.concat(t, ',')\n"
    "end\n"
    "local out = {}\n"
    "out[#out + 1] = ser(pcall(string.find, s, p))\n"
    "out[#out + 1] = ser(pcall(string.find, s, p, 3))\n"
    "out[#out + 1] = ser(pcall(string.find, s, p, -2, true))\n"
    "out[#out + 1] = ser(pcall(string.match, s, p))\n"
    "out[#out + 1] = ser(pcall(string.match, s, p, -4))\n"
    "out[#out + 1] = ser(pcall(string.gsub, s, p, '<%0>'))\n"
    "out[#out + 1] = ser(pcall(string.gsub, s, p, '[%1]', 2))\n"
    "out[#out + 1] = ser(pcall(string.gsub, s, p, { a = 'A', [''] = 'E' }))\n"
    "out[#out + 1] = ser(pcall(string.gsub, s, p, function(c) return c == 'b' and 'B' end))\n"
    "out[#out + 1] = ser(pcall(function()\n"
    "  local r = {}\n"
    "  for a, b in string.gmatch(s, p) do\n"
    "    r[#r + 1] = tostring(a) .. '/' .. tostring(b)\n"
    "    if #r > 40 then break end\n"
    "  end\n"
    "  return table.concat(r, ';')\n"
    "end))\n"
    "return table.concat(out, '\\n')\n";

static char *run_probe(lua_State *L, const char *s, const char *p)
{
    cr_assert_eq(luaL_loadstring(L, probe), LUA_OK);
    lua_pushstring(L, s);
    lua_pushstring(L, p);
    int status = lua_pcall(L, 2, 1, 0);
    cr_assert_eq(status, LUA_OK, "%s", lua_tostring(L, -1));
    char *out = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return out;
}

static lb_state *new_binding(void)
{
    lb_state *lb = calloc(1, sizeof *lb);
    cr_assert_not_null(lb);
    lb->instruction_limit = UINT64_MAX;
    lb->memory_limit_bytes = 256u << 20;
    lb->run_ref = LUA_NOREF;
    lb->L = lb_sandbox_new(lb);
    cr_assert_not_null(lb->L);
    return lb;
}

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return *x >> 33;
}

Test(pattern, same_as_lua)
{
    static const char *const tokens[] = {
        "a",      "b",  "%",  "(", ")", "()", "[ab]", "[^a]", "[%a-]", "^",     "$",
        "*",      "+",  "-",  "?", ".", "%a", "%d",   "%s",   "%W",    "%b()",  "%f[%a]",
        "%f[^a]", "%1", "%2", "0", "[", "]",  "%]",   "%b",   "%f",    "[a-c]", "x",
    };
    static const char subject_chars[] = "aab(b)a1 x0]";
    lua_State *oracle = luaL_newstate();
    luaL_openlibs(oracle);
    lb_state *lb = new_binding();
    uint64_t x = 12345;
    for (int round = 0; round < 10000; round++) {
        char s[32] = "", p[96] = "";
        size_t ls = lcg(&x) % 14;
        for (size_t i = 0; i < ls; i++)
            s[i] = subject_chars[lcg(&x) % (sizeof subject_chars - 1)];
        s[ls] = '\0';
        size_t tokens_in_p = lcg(&x) % 7;
        for (size_t i = 0; i < tokens_in_p; i++)
            strcat(p, tokens[lcg(&x) % (sizeof tokens / sizeof tokens[0])]);
        char *want = run_probe(oracle, s, p);
        char *got = run_probe(lb->L, s, p);
        cr_assert_str_eq(got, want, "subject \"%s\", pattern \"%s\"", s, p);
        free(want);
        free(got);
    }
    lua_close(oracle);
    lua_close(lb->L);
    free(lb);
}

/* The reproducer: Lua's matcher would take ~40^30 steps. */
Test(pattern, backtracking_is_charged)
{
    lb_state *lb = new_binding();
    lb->instruction_limit = 1000000;
    int status = luaL_dostring(lb->L, "return string.find(('a'):rep(40), ('a-'):rep(30) .. 'b')");
    cr_assert_neq(status, LUA_OK);
    cr_assert(lb->stopped_early);
    cr_assert_eq(lb->early_outcome, DRVSIM_OUTCOME_TIMEOUT);
    cr_assert(strstr(lb->early_message, "instruction limit reached") != NULL, "%s",
              lb->early_message);
    cr_assert(lb->instructions > lb->instruction_limit);
    cr_assert(lb->instructions < lb->instruction_limit + 8192, "charged in batches of 4096");
    lua_close(lb->L);
    free(lb);
}

/* Work without a result string is charged too. */
Test(pattern, empty_repetitions_are_charged)
{
    lb_state *lb = new_binding();
    lb->instruction_limit = 1000000;
    int status = luaL_dostring(lb->L, "return string.rep('', 1e15)");
    cr_assert_neq(status, LUA_OK);
    cr_assert(lb->stopped_early);
    lua_close(lb->L);
    free(lb);
}

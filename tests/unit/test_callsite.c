/*
 * test_callsite.c - the call site cache (lua/callsite.c): the line it
 * gives is site_of's (lb_host_site's), on the first call from an
 * instruction (found) and on every later one (read from the cache, through
 * the running frame read where lua_State keeps it), from several lines and
 * frame depths, on the main state and on coroutines.
 */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>

#include "binding.h"

static lb_state *lb;
static int calls;

/* site(): compares lb_host_call_site's answers (the first and a cached
 * one, for the execution and for NULL) with lb_host_site's; returns the
 * line. */
static int site(lua_State *L)
{
    ke_exec e = {.host = L};
    ke_exec *was = lb->current;
    lb->current = &e;
    ke_site want = lb_host_site(lb, &e);
    for (int i = 0; i < 3; i++) {
        ke_site got = lb_host_call_site(lb, i == 2 ? NULL : &e);
        cr_assert_eq(got.chunk, want.chunk, "call %d: chunk %u, site_of's %u", calls, got.chunk,
                     want.chunk);
        cr_assert_eq(got.line, want.line, "call %d: line %u, site_of's %u", calls, got.line,
                     want.line);
    }
    lb->current = was;
    calls++;
    lua_pushinteger(L, want.line);
    return 1;
}

/* Each line's expectation is the line number in a comment's place. */
static const char script[] =
    "local function check(got, want) assert(got == want, got .. ' ~= ' .. want) end\n" /* 1 */
    "check(site(), 2)\n"
    "for _ = 1, 3 do check(site(), 3) end\n"
    "local function f(n)\n"
    "  if n == 0 then return site() end\n" /* 5: a tail call */
    "  local l = site()\n"
    "  check(l, 6)\n"
    "  return f(n - 1)\n"
    "end\n"
    "for _ = 1, 2 do check(f(3), 5) end\n" /* 10 */
    "local ok, l = pcall(site)\n"          /* a C frame below site's */
    "check(l, 11)\n"
    "local co = coroutine.wrap(function(a)\n"
    "  for _ = 1, 2 do\n"
    "    check(site(), 15)\n" /* 15 */
    "    coroutine.yield()\n"
    "  end\n"
    "  local t = {m = function() return (site()) end}\n"
    "  check(t.m(), 18)\n"
    "end)\n" /* 20 */
    "co() co() co()\n"
    "check(select(2, pcall(function() return (site()) end)), 22)\n";

Test(callsite, site_of_on_every_line_and_depth)
{
    cr_assert(lb_call_site_read_directly(),
              "the running frame's place in lua_State is found for this Lua");
    lb = calloc(1, sizeof *lb);
    cr_assert_not_null(lb);
    lb->chunks[0] = "test.lua";
    lb->chunk_count = 1;
    lua_State *L = luaL_newstate();
    lb->L = L;
    luaL_openlibs(L);
    lua_register(L, "site", site);
    int loaded = luaL_loadbufferx(L, script, sizeof script - 1, "@test.lua", "t");
    cr_assert_eq(loaded, LUA_OK, "%s", lua_tostring(L, -1));
    int ran = lua_pcall(L, 0, 0, 0);
    cr_assert_eq(ran, LUA_OK, "%s", ran != LUA_OK ? lua_tostring(L, -1) : "");
    cr_assert_eq(calls, 1 + 3 + 2 * 4 + 1 + 2 + 1 + 1);
    cr_assert_not_null(lb->callsites, "sites were kept");
    lua_close(L);
    lb_callsites_free(lb);
    free(lb);
}

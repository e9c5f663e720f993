/*
 * test_sandbox.c - the sandbox's instruction count (lua/sandbox.c): exact
 * for every execution, however short, against a count hook of step 1 on
 * Lua's own state; and the budget stops a run at its exact instruction.
 */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>

#include "binding.h"

static uint64_t reference_count;

static void count_every_instruction(lua_State *L, lua_Debug *ar)
{
    (void)L;
    (void)ar;
    reference_count++;
}

/* A loop body run `iterations` times, as a function. */
static const char *const body = "return function(iterations)\n"
                                "  local s = 0\n"
                                "  for i = 1, iterations do s = s + i end\n"
                                "  return s\n"
                                "end\n";

/* The instructions of body(iterations) on a coroutine, counted one by one. */
static uint64_t reference(int iterations)
{
    lua_State *L = luaL_newstate();
    cr_assert_eq(luaL_dostring(L, body), LUA_OK);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, -2);
    lua_pushinteger(L, iterations);
    lua_xmove(L, co, 2);
    reference_count = 0;
    lua_sethook(co, count_every_instruction, LUA_MASKCOUNT, 1);
    int results = 0;
    cr_assert_eq(lua_resume(co, L, 1, &results), LUA_OK);
    lua_close(L);
    return reference_count;
}

static void count_every_execution(bool by_probe)
{
    lb_tail_by_probe(by_probe);
    lb_state *lb = calloc(1, sizeof *lb);
    cr_assert_not_null(lb);
    lb->instruction_limit = UINT64_MAX;
    lb->memory_limit_bytes = 64u << 20;
    lb->L = lb_sandbox_new(lb);
    cr_assert_not_null(lb->L);
    cr_assert_eq(lb->hook_step_max, 1024, "the probe's arithmetic holds for this Lua");
    cr_assert_eq(lb_tail_read_directly(), !by_probe,
                 "the count's place in lua_State is found for this Lua");
    lua_State *L = lb->L;
    cr_assert_eq(luaL_dostring(L, body), LUA_OK);
    for (int iterations = 0; iterations < 1500; iterations += iterations < 40 ? 1 : 37) {
        lua_State *co = lua_newthread(L);
        lb_hook_thread(co);
        lua_pushvalue(L, -2);
        lua_pushinteger(L, iterations);
        lua_xmove(L, co, 2);
        uint64_t before = lb->instructions;
        int results = 0;
        cr_assert_eq(lua_resume(co, L, 1, &results), LUA_OK);
        lua_pop(co, results);
        lb_charge_tail(co);
        cr_assert_eq(lb->instructions - before, reference(iterations), "%d iterations", iterations);
        lua_pop(L, 1);
    }
    lua_close(L);
    free(lb);
    lb_tail_by_probe(false);
}

/* The tail read where Lua keeps the count (what runs), and measured by the
 * probe (where that place is not found). */
Test(sandbox, every_execution_counted_exactly)
{
    count_every_execution(false);
}

Test(sandbox, every_execution_counted_exactly_by_the_probe)
{
    count_every_execution(true);
}

Test(sandbox, budget_stops_at_its_instruction)
{
    for (uint64_t limit = 1; limit < 3000; limit += limit < 20 ? 1 : 101) {
        lb_state *lb = calloc(1, sizeof *lb);
        lb->instruction_limit = limit;
        lb->memory_limit_bytes = 64u << 20;
        lb->L = lb_sandbox_new(lb);
        cr_assert_neq(luaL_dostring(lb->L, "while true do end"), LUA_OK);
        cr_assert(lb->stopped_early);
        cr_assert_eq(lb->instructions, limit + 1, "limit %llu", (unsigned long long)limit);
        lua_close(lb->L);
        free(lb);
    }
}

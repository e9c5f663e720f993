/*
 * faults.c - the scenario's low resources predicate: scenario{ faults = fn }.
 *
 * The verifier asks it about each eligible call of a verified driver (after
 * the boot delay, before the draw): fn(ctx) returning false exempts the call.
 * It runs on the calling code's coroutine, inside the DDI, so it may not
 * wait or call DDIs; it is Lua code of the scenario like any other, so the
 * run stays deterministic (math.random draws from the run's "lua" stream).
 */
#include <string.h>

#include "binding.h"
#include "ex/pool.h"
#include "vf/inject.h"

/* Runs the predicate with ctx built from the query: 1 argument, 1 result. */
static int call_predicate(lua_State *L)
{
    lb_state *lb = lb_get(L);
    const vf_fault_query *q = lua_touserdata(L, 1);
    const ke_call *call = q->call;
    char buf[64];
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->sc.faults_ref);
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, ke_call_irql(call));
    lua_setfield(L, -2, "irql");
    lua_pushstring(L, call->driver->name);
    lua_setfield(L, -2, "driver");
    lua_pushstring(L, ddi_names[call->ddi]);
    lua_setfield(L, -2, "ddi");
    if (q->tag != 0) {
        lua_pushstring(L, ex_tag_text(q->tag, buf));
        lua_setfield(L, -2, "tag");
    }
    if (q->has_pool_type) {
        lua_pushinteger(L, q->pool_type);
        lua_setfield(L, -2, "pool_type");
    }
    lua_pushboolean(L, call->exec->is_dpc);
    lua_setfield(L, -2, "in_dpc");
    lua_pushstring(L, call->thread->process->image);
    lua_setfield(L, -2, "process");
    lua_pushinteger(L, (lua_Integer)call->m->des.now_100ns);
    lua_setfield(L, -2, "time");
    ke_site site = lb_host_site(lb, NULL);
    lua_pushinteger(L, site.line);
    lua_setfield(L, -2, "line");
    lua_call(L, 1, 1);
    return 1;
}

/* The message handler of the predicate: names the line the error was
 * raised at while the stack is intact, whatever the error value. */
static int predicate_error(lua_State *L)
{
    void *key = lua_touserdata(L, 1);
    if (key == &lb_stop_key || key == &lb_scenario_key)
        return 1;
    char buf[1024];
    lua_pushstring(L, lb_error_message(L, 1, LUA_ERRRUN, buf, sizeof buf));
    return 1;
}

bool lb_fault_predicate(void *ctx, const vf_fault_query *q)
{
    lb_state *lb = ctx;
    lua_State *L = lb->current != NULL ? lb->current->host : lb->L;
    int top = lua_gettop(L);
    lb->in_fault_predicate = true;
    lua_pushcfunction(L, predicate_error);
    lua_pushcfunction(L, call_predicate);
    lua_pushlightuserdata(L, (void *)q);
    int status = lua_pcall(L, 1, 1, top + 1);
    lb->in_fault_predicate = false;
    bool allow = true;
    if (status != LUA_OK) {
        /* A stop (a limit) already ended the run; anything else is a bug of
         * the scenario's predicate. */
        if (!ke_stopped(lb->m)) {
            const char *msg = lua_tostring(L, -1);
            ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR, "scenario{ faults }: %s",
                            msg != NULL ? msg : "error object is not a string");
        }
        allow = false;
    } else {
        allow = lua_toboolean(L, -1) || lua_isnil(L, -1);
    }
    lua_settop(L, top);
    return allow;
}

/*
 * pageable.c - PAGE(fn): a driver routine in its image's PAGE section, as
 * `#pragma alloc_text(PAGE, Routine)` puts it (CONTRACT 4).
 *
 * PAGE(fn) returns a routine that runs fn. Running it (the kernel calling it
 * as a DPC routine, a thread's start or DriverUnload, or driver code calling
 * it) fetches its first instruction, and every DDI call made from its code
 * (the lines of fn, functions nested in it included, as a C routine's code
 * is all in its section) fetches the instruction making the call: from the
 * PAGE section's page, which is pageable. Below DISPATCH_LEVEL a fetch pages
 * it in; at DISPATCH_LEVEL or above a page that is out faults as on Windows
 * (0xD1, P3 = 8: execute). The page goes out with paged pool: at every raise
 * under force IRQL checking (/flags 0x2), else when the paging model trims
 * (mm/mm.h). A helper fn calls that is not itself marked is nonpaged code.
 *
 * A routine's code belongs to the driver running it (the top routine
 * frame); an instruction's address is its line, 16 bytes a line, within the
 * page. Harness code calling a PAGE routine runs it with no image behind it.
 */
#include <string.h>

#include "binding.h"
#include "io/io.h"
#include "mm/mm.h"

/* Code at `line` of a pageable routine of call's driver. */
static bool fetch(ke_call *call, int line)
{
    PVOID_VA page = io_page_section(call->m, call->driver);
    uint64_t offset = (uint64_t)(line > 0 ? line : 0) * 16u % PAGE_SIZE;
    return mm_execute(call, page + offset);
}

/* The chunk a function's source is (ar->source "@path"), or 0xFFFF. */
static uint16_t chunk_of(const lb_state *lb, const lua_Debug *ar)
{
    if (ar->source[0] != '@')
        return 0xFFFF;
    for (uint16_t i = 0; i < lb->chunk_count; i++) {
        if (strcmp(ar->source + 1, lb->chunks[i]) == 0)
            return i;
    }
    return 0xFFFF;
}

static bool in_pageable(const lb_state *lb, uint16_t chunk, int line)
{
    for (uint32_t i = 0; i < lb->pageable_count; i++) {
        const lb_pageable_range *r = &lb->pageable[i];
        if (r->chunk == chunk && line >= r->first_line && line <= r->last_line)
            return true;
    }
    return false;
}

bool lb_pageable_fetch(lua_State *L, ke_call *call)
{
    lb_state *lb = lb_get(L);
    lua_Debug ar;
    /* Level 0 is the DDI's own C function; level 1 called it. */
    if (!call->driver->loaded || !lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Sl", &ar) ||
        ar.currentline <= 0)
        return true;
    if (!in_pageable(lb, chunk_of(lb, &ar), ar.currentline))
        return true;
    return fetch(call, ar.currentline);
}

static int routine_continue(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L); /* fn's results, all of them */
}

/* The routine PAGE() returns: fetches fn's entry, then runs it. */
static int pageable_routine(lua_State *L)
{
    lb_state *lb = lb_get(L);
    if (lb->m != NULL && ke_stopped(lb->m))
        lb_refuse(L);
    const ke_frame *frame = lb->current != NULL ? ke_top_frame(lb->current) : NULL;
    if (frame != NULL && frame->driver != NULL && frame->driver->loaded) {
        ke_call call = {
            .m = lb->m,
            .exec = lb->current,
            .thread = lb->current->thread,
            .driver = frame->driver,
            .ddi = 0xFFFF,
        };
        lua_Debug ar;
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_getinfo(L, ">S", &ar);
        if (!fetch(&call, ar.linedefined))
            lb_refuse(L);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, routine_continue);
    return routine_continue(L, LUA_OK, 0);
}

/* PAGE(fn) -> routine: fn, as pageable code. */
static int l_PAGE(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TFUNCTION || lua_iscfunction(L, 1))
        lb_scenario_error(L, "PAGE takes a driver routine written in the scenario: "
                             "PAGE(function(...) ... end)");
    lb_state *lb = lb_get(L);
    lua_Debug ar;
    lua_pushvalue(L, 1);
    lua_getinfo(L, ">S", &ar);
    uint16_t chunk = chunk_of(lb, &ar);
    if (chunk == 0xFFFF || ar.linedefined <= 0)
        lb_scenario_error(L, "PAGE: the routine must be written in a scenario or driver file");
    if (!in_pageable(lb, chunk, ar.linedefined)) {
        if (lb->pageable_count == LB_MAX_PAGEABLE)
            lb_scenario_error(L, "PAGE: at most %d routines can be pageable", LB_MAX_PAGEABLE);
        lb->pageable[lb->pageable_count++] = (lb_pageable_range){
            .chunk = chunk, .first_line = ar.linedefined, .last_line = ar.lastlinedefined};
    }
    lua_settop(L, 1);
    lua_pushcclosure(L, pageable_routine, 1);
    return 1;
}

void lb_register_pageable(lua_State *L)
{
    lua_register(L, "PAGE", l_PAGE);
}

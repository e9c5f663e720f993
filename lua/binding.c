/*
 * binding.c - DDI call plumbing, simulated threads as coroutines, driver
 * routines, and the harness functions (LoadDriver, UnloadDriver, Sleep,
 * Verifier, Query, Uptime). The argument checks and result pushes of the
 * generated wrappers are in marshal.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "ex/pool.h"
#include "ke/hooks.h"
#include "ke/types.h"
#include "mm/mm.h"
#include "kd/kd.h"
#include "vf/deadlock.h"
#include "vf/vf.h"

const char lb_stop_key = 0;
const char lb_scenario_key = 0;


/* ------------------------------------------------------------------------ */
/* Sites                                                                    */
/* ------------------------------------------------------------------------ */

/* The innermost Lua function of a coroutine's stack: where the scenario is. */
static bool current_line(lua_State *co, lua_Debug *ar)
{
    for (int level = 0; lua_getstack(co, level, ar); level++) {
        lua_getinfo(co, "Sl", ar);
        if (ar->currentline > 0)
            return true;
    }
    return false;
}

static ke_site site_of(lb_state *lb, lua_State *co)
{
    lua_Debug ar;
    if (co == NULL || !current_line(co, &ar))
        return (ke_site){.chunk = 0xFFFF, .line = 0};
    return lb_site_of_frame(lb, &ar);
}

ke_site lb_host_site(void *ctx, const ke_exec *exec)
{
    lb_state *lb = ctx;
    if (lb->error_site_valid)
        return lb->error_site;
    if (exec != NULL && exec->host != NULL)
        return site_of(lb, exec->host);
    if (lb->current == NULL && lb->top_level != NULL)
        return site_of(lb, lb->top_level);
    return site_of(lb, lb->current != NULL ? lb->current->host : lb->L);
}

uint64_t lb_host_stack_id(void *ctx, const ke_exec *exec)
{
    lb_state *lb = ctx;
    lua_State *co = exec != NULL && exec->host != NULL ? exec->host
                    : lb->current != NULL              ? lb->current->host
                                                       : lb->L;
    /* FNV-1a over (chunk, line) of the routine's Lua frames: the C frames
     * at the top are the DDI being called; the first C frame below the Lua
     * ones is what called the routine (a harness function, a DDI calling
     * out, the execution's start), where the driver's part ends. */
    uint64_t h = 0xcbf29ce484222325ull;
    lua_Debug ar;
    bool in_lua = false;
    for (int level = 0; co != NULL && lua_getstack(co, level, &ar); level++) {
        lua_getinfo(co, "Sl", &ar);
        if (ar.what[0] == 'C') {
            if (in_lua)
                break;
            continue;
        }
        in_lua = true;
        ke_site site = lb_site_of_frame(lb, &ar);
        uint64_t v = (uint64_t)site.chunk << 32 | site.line;
        for (int i = 0; i < 8; i++) {
            h ^= (v >> (8 * i)) & 0xFF;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

const char *lb_host_site_name(void *ctx, ke_site site, char *buf, size_t len)
{
    lb_state *lb = ctx;
    if (site.chunk < lb->chunk_count)
        snprintf(buf, len, "%s:%u", lb->chunks[site.chunk], site.line);
    else if (site.line > 0)
        snprintf(buf, len, "(loaded chunk):%u", site.line);
    else
        snprintf(buf, len, "%s", "");
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Errors and stops                                                         */
/* ------------------------------------------------------------------------ */

_Noreturn void lb_scenario_error(lua_State *L, const char *fmt, ...)
{
    lb_state *lb = lb_get(L);
    char text[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    char where[400] = "";
    lua_State *co = lb->current != NULL ? lb->current->host : L;
    lb_host_site_name(lb, site_of(lb, co), where, sizeof where);
    if (lb->m != NULL) {
        if (where[0] != '\0')
            ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR, "%s: %s", where, text);
        else
            ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR, "%s", text);
    } else if (!lb->stopped_early) {
        lb->stopped_early = true;
        lb->early_outcome = DRVSIM_OUTCOME_ERROR;
        if (where[0] != '\0')
            snprintf(lb->early_message, sizeof lb->early_message, "%s: %s", where, text);
        else
            snprintf(lb->early_message, sizeof lb->early_message, "%s", text);
    }
    lua_pushlightuserdata(L, (void *)&lb_scenario_key);
    lua_error(L);
    __builtin_unreachable();
}

int lb_stopped(lua_State *L)
{
    /* A yield cannot be caught by pcall: the coroutine stays suspended and
     * the dispatch loop, seeing the machine stopped, never resumes it. Where
     * Lua cannot yield (a metamethod called from C, the top level), raise;
     * a pcall may catch that, but every later DDI call raises again. */
    if (lua_isyieldable(L))
        return lua_yield(L, 0);
    lua_pushlightuserdata(L, (void *)&lb_stop_key);
    return lua_error(L);
}

_Noreturn void lb_refuse(lua_State *L)
{
    /* Lua 5.4's lua_yield does not return from a C function; where a yield
     * is impossible (or would return), the stop error unwinds instead. */
    if (lua_isyieldable(L))
        lua_yield(L, 0);
    lua_pushlightuserdata(L, (void *)&lb_stop_key);
    lua_error(L);
    __builtin_unreachable();
}

static bool machine_stopped(const lb_state *lb)
{
    return lb->stopped_early || (lb->m != NULL && ke_stopped(lb->m));
}

void lb_check_running(lua_State *L)
{
    if (machine_stopped(lb_get(L)))
        lb_refuse(L);
}

/* ------------------------------------------------------------------------ */
/* DDI calls                                                                */
/* ------------------------------------------------------------------------ */

_Noreturn void lb_call_refused(lua_State *L, uint16_t ddi)
{
    lb_state *lb = lb_get(L);
    if (machine_stopped(lb))
        lb_refuse(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "%s called outside run() and driver routines", ddi_names[ddi]);
    if (lb->in_fault_predicate)
        lb_scenario_error(L, "%s called from scenario{ faults }: the predicate may not call DDIs",
                          ddi_names[ddi]);
    DES_CHECK(!"lb_call_refused: called without a refusal");
    abort();
}

/* A structured exception a DDI raised: a table {code = NTSTATUS} with the
 * "drvsim.exception" metatable, so that driver-crash handling can tell it
 * from a plain Lua error. */
int lb_raise_exception(lua_State *L, NTSTATUS code, const char *text)
{
    return lb_raise_exception_from(L, code, text, NULL);
}

int lb_raise_exception_from(lua_State *L, NTSTATUS code, const char *text, const char *origin)
{
    lua_createtable(L, 0, 3);
    if (origin != NULL) {
        lua_pushstring(L, origin);
        lua_setfield(L, -2, "origin");
    }
    lua_pushinteger(L, (lua_Integer)(uint32_t)code);
    lua_setfield(L, -2, "code");
    if (text != NULL) {
        lua_pushstring(L, text);
        lua_setfield(L, -2, "text");
    }
    luaL_setmetatable(L, "drvsim.exception");
    return lua_error(L);
}

static int block_continue(lua_State *L, int status, lua_KContext returns)
{
    (void)status;
    lb_state *lb = lb_get(L);
    if (machine_stopped(lb))
        return lb_stopped(L);
    switch ((lb_block_returns)returns) {
    case LB_BLOCK_NOTHING:
        return 0;
    case LB_BLOCK_STATUS:
        lb_push_status(L, lb->current->thread->wait_status);
        return 1;
    case LB_BLOCK_RESULT:
        return 1; /* pushed before the yield, still on top */
    }
    return 0;
}

int lb_call_block(lua_State *L, ke_call *call, lb_block_returns returns)
{
    if (ke_stopped(call->m))
        return lb_stopped(L); /* the wait itself stopped the machine (0xB8) */
    return lua_yieldk(L, 0, (lua_KContext)returns, block_continue);
}

static int spin_continue(lua_State *L, int status, lua_KContext wrapper)
{
    (void)status;
    if (machine_stopped(lb_get(L)))
        return lb_stopped(L);
    /* The arguments are still on the stack: the call is made again. */
    return ((lua_CFunction)wrapper)(L);
}

int lb_yield_again(lua_State *L, lua_CFunction wrapper)
{
    /* spin_continue calls the wrapper again, the arguments still on the
     * stack, unless the machine stopped meanwhile. */
    return lua_yieldk(L, 0, (lua_KContext)wrapper, spin_continue);
}

int lb_call_spin(lua_State *L, ke_call *call, lua_CFunction wrapper)
{
    (void)call;
    if (!lua_isyieldable(L))
        lb_scenario_error(L, "a spin lock is contended inside a callback Lua cannot suspend "
                             "(a table.sort comparator, a string.gsub function, a metamethod)");
    return lb_yield_again(L, wrapper);
}

int lb_call_delayed(lua_State *L, ke_call *call, lua_CFunction wrapper)
{
    (void)call;
    if (!lua_isyieldable(L))
        lb_scenario_error(L, "kernel synchronization delay fuzzing (/flags 0x800000) held a call "
                             "back inside a callback Lua cannot suspend (a table.sort "
                             "comparator, a string.gsub function, a metamethod)");
    return lb_yield_again(L, wrapper);
}

int lb_call_again(lua_State *L, ke_call *call, lua_CFunction wrapper)
{
    /* Where Lua cannot suspend the caller, or the scheduler keeps it
     * running, the stores follow the loads at once. */
    if (!lua_isyieldable(L) || !ke_preempt_point(call))
        return wrapper(L);
    return lb_yield_again(L, wrapper);
}

static int return_continue(lua_State *L, int status, lua_KContext nresults)
{
    (void)status;
    if (machine_stopped(lb_get(L)))
        return lb_stopped(L);
    return (int)nresults; /* the results stayed on the stack across the yield */
}

int lb_call_yield(lua_State *L, int nresults)
{
    return lua_yieldk(L, 0, nresults, return_continue);
}

/* The two records of a DDI call where a sink listens: built in a des_rec,
 * the bytes lb_encode_call and lb_encode_return give (binding.h). */
void lb_trace_call_rec(ke_call *call, unsigned argc, const uint64_t *args)
{
    des_rec rec;
    rec.type = KE_TR_CALL;
    rec.len_bytes = LB_TRACE_CALL_BYTES(argc);
    const lb_call_fields f = lb_call_fields_of(call);
    lb_encode_call(rec.bytes, &f, argc, args);
    ke_trace_commit(call->m, &rec);
}

void lb_trace_return_rec(ke_call *call, uint64_t value)
{
    des_rec rec;
    rec.type = KE_TR_RETURN;
    rec.len_bytes = LB_TRACE_RETURN_BYTES;
    const lb_call_fields f = lb_call_fields_of(call);
    lb_encode_return(rec.bytes, &f, value);
    ke_trace_commit(call->m, &rec);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

/* Whether the value at idx is a structured exception a DDI raised, and its
 * code. */
static bool exception_code(lua_State *L, int idx, NTSTATUS *code)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, "drvsim.exception");
    bool is_exception = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (is_exception) {
        lua_getfield(L, idx, "code");
        *code = (NTSTATUS)(uint32_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    return is_exception;
}

/* The message of an error value for a report: strings as they are,
 * exceptions by code, anything else by type. */
static const char *error_text(lua_State *L, int idx, char *buf, size_t len)
{
    NTSTATUS code;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lua_tostring(L, idx);
    if (exception_code(L, idx, &code)) {
        lua_getfield(L, idx, "text");
        if (lua_type(L, -1) == LUA_TSTRING)
            snprintf(buf, len, "%s", lua_tostring(L, -1));
        else
            snprintf(buf, len, "exception 0x%08X raised and not handled", (uint32_t)code);
        lua_pop(L, 1);
    } else
        snprintf(buf, len, "an error object of type %s", luaL_typename(L, idx));
    return buf;
}

/* Whether a message begins with a place: "file:line:" of a loaded file, or
 * the "[string \"...\"]:line:" of a chunk load() made. */
static bool has_place(const lb_state *lb, const char *text)
{
    if (strncmp(text, "[string \"", 9) == 0)
        return true;
    for (uint16_t i = 0; i < lb->chunk_count; i++) {
        size_t n = strlen(lb->chunks[i]);
        if (strncmp(text, lb->chunks[i], n) == 0 && text[n] == ':' && text[n + 1] >= '0' &&
            text[n + 1] <= '9')
            return true;
    }
    return false;
}

const char *lb_error_message(lua_State *co, int idx, int status, char *buf, size_t len)
{
    lb_state *lb = lb_get(co);
    char value[400], where[400] = "";
    const char *text = NULL;
    if (lua_type(co, idx) == LUA_TSTRING) {
        text = lua_tostring(co, idx);
    } else {
        NTSTATUS code;
        if (exception_code(co, idx, &code))
            text = error_text(co, idx, value, sizeof value);
        else {
            snprintf(value, sizeof value, "error object is a %s value", luaL_typename(co, idx));
            text = value;
        }
    }
    if (!has_place(lb, text))
        lb_host_site_name(lb, site_of(lb, co), where, sizeof where);
    char limit[96] = "";
    if (status == LUA_ERRMEM)
        snprintf(limit, sizeof limit, " (a scenario's Lua state holds at most %zu MiB)",
                 lb->memory_limit_bytes >> 20);
    snprintf(buf, len, "%s%s%s%s", where, where[0] != '\0' ? ": " : "", text, limit);
    return buf;
}

/* Forward: the body of a system thread's coroutine (below). */
static int exec_main(lua_State *L);

/* The message of a run stopped by the Lua memory cap, with the scenario
 * line it was at. */
static void stop_memory_limit(lb_state *lb, lua_State *co)
{
    char where[400] = "";
    lb_host_site_name(lb, site_of(lb, co != NULL ? co : lb->L), where, sizeof where);
    ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR,
                    "%s%snot enough memory (a scenario's Lua state holds at most %zu MiB)", where,
                    where[0] != '\0' ? ": " : "", lb->memory_limit_bytes >> 20);
}

/* Creates an execution's coroutine and keeps it alive in the registry's
 * coroutine table, keyed by its address, until the execution ends
 * (release_exec). Runs protected: the allocations may fail at the memory
 * cap. In: the table; out: the coroutine. */
static int new_coroutine(lua_State *L)
{
    lua_State *co = lua_newthread(L);
    lua_pushlightuserdata(L, co);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

static int start_on(lb_state *lb, ke_exec *exec, lua_State *co);

/* Gives an execution its coroutine: the harness body, or exec_main for a
 * driver routine (a system thread's start routine). Returns the number of
 * arguments for its first resume, or -1 if the memory cap stopped the run. */
static int start_exec(lb_state *lb, ke_exec *exec)
{
    lua_State *L = lb->L;
    if (lb->idle_coroutine_count > 0) {
        lua_State *co = lb->idle_coroutines[--lb->idle_coroutine_count];
        return start_on(lb, exec, co);
    }
    lua_pushcfunction(L, new_coroutine);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->coroutines_ref);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR,
                        "not enough memory (a scenario's Lua state holds at most %zu MiB): "
                        "no room to start %s%s%s",
                        lb->memory_limit_bytes >> 20,
                        exec->start_driver != NULL ? exec->start_driver->name : "",
                        exec->start_driver != NULL ? " " : "",
                        exec->start_routine != 0 || exec->kernel_routine != NULL
                            ? exec->start_name
                            : "the run() body");
        return -1;
    }
    lua_State *co = lua_tothread(L, -1);
    lua_pop(L, 1);
    return start_on(lb, exec, co);
}

/* Gives exec the coroutine co (new, or returned with an empty stack). */
static int start_on(lb_state *lb, ke_exec *exec, lua_State *co)
{
    lua_State *L = lb->L;
    lb_hook_thread(co); /* its own count step, from 1 (lb_charge_tail) */
    exec->host = co;
    if (exec->start_routine == 0 && exec->kernel_routine == NULL) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, lb->run_ref);
        lua_xmove(L, co, 1);
        return 0;
    }
    /* A fresh thread has LUA_MINSTACK free slots: no allocation here. */
    lua_pushcfunction(co, exec_main);
    lua_pushlightuserdata(co, exec);
    return 1;
}

/* A coroutine whose execution is over (it returned, its thread ended, or
 * the kernel restarted the execution for new work): out of the table, so
 * that the collector frees it. A DPC, ISR or work item runs on a fresh
 * coroutine each time; keeping them all would grow without bound. */
static void release_coroutine(lb_state *lb, lua_State *co)
{
    lua_State *L = lb->L;
    lb_charge_pending(co); /* what it ran since the hook last fired */
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->coroutines_ref);
    lua_pushlightuserdata(L, co);
    lua_pushnil(L);
    lua_rawset(L, -3); /* assigning nil to a present key never allocates */
    lua_pop(L, 1);
}

void lb_charge_live(lb_state *lb)
{
    if (!lb_tail_read_directly() || lb->instructions > lb->instruction_limit || lb->L == NULL)
        return;
    lua_State *L = lb->L;
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, lb->coroutines_ref) == LUA_TTABLE) {
        /* In the table's order (host addresses): a sum does not depend on it. */
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            if (lua_type(L, -1) == LUA_TTHREAD)
                lb_charge_pending(lua_tothread(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

void lb_host_resume(void *ctx, ke_exec *exec)
{
    lb_state *lb = ctx;
    int nargs = exec->host == NULL ? start_exec(lb, exec) : 0;
    if (nargs < 0)
        return;
    lua_State *co = exec->host;
    lb->current = exec;
    int results = 0;
    int status = lua_resume(co, lb->L, nargs, &results);
    lb->current = NULL;
    ke_machine *m = lb->m;
    ke_thread *t = exec->thread;

    if (status == LUA_YIELD) {
        lua_pop(co, results);
        /* Our yields: a preemption point (still running), a wait, a move
         * to another processor (ready: KeSetSystemAffinityThreadEx), the
         * end of the thread, or the machine stopped. The sandbox has no
         * coroutine library, so there are no others. */
        KE_CHECK(m, t->state == KE_THREAD_RUNNING || t->state == KE_THREAD_WAITING ||
                        t->state == KE_THREAD_READY || t->state == KE_THREAD_TERMINATED ||
                        ke_stopped(m));
        if (exec == &t->exec && t->state == KE_THREAD_TERMINATED && exec->host == co) {
            exec->host = NULL; /* PsTerminateSystemThread: it never resumes */
            release_coroutine(lb, co);
        } else if (exec->host != co) {
            release_coroutine(lb, co);
        }
        return;
    }
    if (status == LUA_OK) {
        lua_pop(co, results);
        lb_charge_tail(co);
        ke_exec_ended(m, exec); /* the code returned */
        if (exec->host == co)
            exec->host = NULL; /* a thread that ended: nothing resumes it */
        if (lua_gettop(co) == 0 && lb->idle_coroutine_count < LB_IDLE_COROUTINES)
            lb->idle_coroutines[lb->idle_coroutine_count++] = co;
        else
            release_coroutine(lb, co);
        return;
    }
    if (lua_touserdata(co, -1) == &lb_stop_key || lua_touserdata(co, -1) == &lb_scenario_key) {
        KE_CHECK(m, ke_stopped(m));
        return;
    }
    if (status == LUA_ERRMEM) {
        stop_memory_limit(lb, co);
        return;
    }
    /* An error in harness code: the scenario is broken. Errors in driver
     * routines never get here: their pcall turns them into bug checks. */
    char buf[1024];
    if (!lb_unresolved_call(co, -1, true, buf, sizeof buf))
        lb_error_message(co, -1, status, buf, sizeof buf);
    ke_stop_machine(m, KE_STOP_SCENARIO_ERROR, "%s", buf);
}

/* ------------------------------------------------------------------------ */
/* Driver routines                                                          */
/* ------------------------------------------------------------------------ */

io_routine lb_routine_ref(lua_State *L, int idx)
{
    lb_state *lb = lb_get(L);
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->routines_ref);
    lua_pushvalue(L, idx);
    lb->routine_count++;
    lua_rawseti(L, -2, (lua_Integer)lb->routine_count);
    lua_pop(L, 1);
    return lb->routine_count;
}

void lb_push_routine(lua_State *L, io_routine r)
{
    lb_state *lb = lb_get(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, lb->routines_ref);
    lua_rawgeti(L, -1, (lua_Integer)r);
    lua_remove(L, -2);
}

/* The address a crash report gives for a scenario line of a driver: inside
 * the driver's image (so the debugger would attribute it), 16 bytes a line. */
static uint64_t line_address(const io_driver *d, ke_site site)
{
    return d->image_base + 0x1000u + (uint64_t)site.line * 16u;
}

/*
 * A driver routine ended with an error (the value on top of the stack). Our
 * stop and scenario errors pass through; anything else is a crash of the
 * driver: below DISPATCH_LEVEL an unhandled exception, caught by the
 * handler of what the thread runs (a system thread's start: 0x7E; a system
 * service an application called: 0x3B), a fault at or above it.
 */
static int routine_failed(lua_State *L, io_driver *d)
{
    lb_state *lb = lb_get(L);
    void *key = lua_touserdata(L, -1);
    if (key == &lb_stop_key || key == &lb_scenario_key || machine_stopped(lb))
        return lb_stopped(L);
    if (lb->routine_status == LUA_ERRMEM) {
        /* The scenario's Lua state reached its cap: a limit of the host,
         * not a fault of the driver. */
        stop_memory_limit(lb, L);
        return lb_stopped(L);
    }

    char text[400];
    if (lb_unresolved_call(L, -1, false, text, sizeof text)) {
        /* A name nothing defines: on Windows the load would have failed
         * (an unresolved import), the driver would not crash. */
        char where[400] = "";
        lb_host_site_name(lb, lb->error_site, where, sizeof where);
        ke_stop_machine(lb->m, KE_STOP_SCENARIO_ERROR, "%s%s%s", where, where[0] ? ": " : "", text);
        lb->error_site_pinned = false;
        return lb_stopped(L);
    }

    ke_call call;
    memset(&call, 0, sizeof call);
    call.m = lb->m;
    call.exec = lb->current;
    call.thread = lb->current->thread;
    call.driver = d;
    /* A Lua error in driver code is what a fault is in C: an access
     * violation. A structured exception keeps its own code. */
    NTSTATUS code = STATUS_ACCESS_VIOLATION;
    exception_code(L, -1, &code);
    char buf[128];
    char detail[320];
    snprintf(detail, sizeof detail, "%s", error_text(L, -1, buf, sizeof buf));

    KIRQL irql = ke_call_irql(&call);
    lb->error_site_valid = true; /* the report names the faulting line */
    uint64_t where = line_address(d, lb->error_site);
    bool assertion = code == STATUS_BREAKPOINT || code == STATUS_ASSERTION_FAILURE;
    bool arbitrary = call.exec->is_dpc || call.exec->is_isr;
    /* A thread of an application's process runs driver code only inside a
     * system service (NtCreateFile, NtDeviceIoControlFile, ...): the
     * service dispatcher's handler catches what the driver did not, and
     * raises SYSTEM_SERVICE_EXCEPTION (bug-check-0x3b--system-service-
     * exception.md: P1 the exception code, P2 the instruction, P3 the
     * context record (not modelled: 0), P4 0), breakpoints included. */
    bool service = !arbitrary && !ke_system_thread(call.thread);
    if (service && (assertion || irql < DISPATCH_LEVEL)) {
        const uint64_t params[4] = {(uint32_t)code, where, 0, 0};
        kd_raise_full(&call, RULE_system_service_exception, 0x3B, params, d, detail);
    } else if (assertion) {
        /* A checked build's ASSERT (int 3) or NT_ASSERT (int 2c) with no
         * debugger attached: an exception, not a fault, so never 0xD1. On a
         * thread, the exception reaches the system thread's handler: 0x7E
         * (P3/P4 the exception and context records, not modelled: 0). A DPC
         * or an ISR runs on a stack with no handler: 0x1E (P3/P4 the
         * exception's parameters: 0 for both). */
        char origin[16] = "";
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "origin");
            if (lua_type(L, -1) == LUA_TSTRING)
                snprintf(origin, sizeof origin, "%s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        rule_id rule;
        if (code == STATUS_BREAKPOINT && strcmp(origin, "breakpoint") == 0)
            rule = arbitrary ? RULE_breakpoint_without_debugger_arbitrary
                             : RULE_breakpoint_without_debugger;
        else if (code == STATUS_BREAKPOINT)
            rule = arbitrary ? RULE_checked_assert_arbitrary : RULE_checked_assert;
        else if (strcmp(origin, "nt_assert") == 0)
            rule = arbitrary ? RULE_nt_assert_failed_arbitrary : RULE_nt_assert_failed;
        else
            rule = arbitrary ? RULE_paged_code_raised_irql_arbitrary : RULE_paged_code_raised_irql;
        const uint64_t params[4] = {(uint32_t)code, where, 0, 0};
        kd_raise_full(&call, rule, arbitrary ? 0x1E : 0x7E, params, d, detail);
    } else if (irql >= DISPATCH_LEVEL) {
        /* P1 the address referenced (unknown for a Lua error: 0, which is
         * what a NULL dereference gives), P2 IRQL, P3 0 = read, P4 the
         * instruction. */
        const uint64_t params[4] = {0, irql, 0, where};
        kd_raise_full(&call, RULE_driver_fault_at_raised_irql, 0xD1, params, d, detail);
    } else {
        /* P1 the exception code, P2 where, P3/P4 the exception and context
         * records (not modelled: 0). */
        const uint64_t params[4] = {(uint32_t)code, where, 0, 0};
        kd_raise_full(&call, RULE_driver_exception, 0x7E, params, d, detail);
    }
    lb->error_site_valid = false;
    lb->error_site_pinned = false;
    return lb_stopped(L);
}

/* The message handler of driver routines: runs where the error was raised,
 * with the stack intact, and notes the scenario line for the report. */
static int routine_error_handler(lua_State *L)
{
    lb_state *lb = lb_get(L);
    if (!lb->error_site_pinned)
        lb->error_site = site_of(lb, L);
    return 1; /* the error value, unchanged */
}

/* Calls the function below `nargs` arguments on the stack as a routine of
 * driver d, on the running thread, then continues with k. The routine's frame
 * stays pushed until k has dealt with its outcome. */
static int call_routine(lua_State *L, io_driver *d, const char *routine, uint64_t code,
                        uint8_t role, int nargs, int nresults, lua_KFunction k)
{
    lb_state *lb = lb_get(L);
    int function = lua_gettop(L) - nargs;
    lua_pushcfunction(L, routine_error_handler);
    lua_insert(L, function);
    lb->error_site = (ke_site){.chunk = 0xFFFF, .line = 0}; /* no stale site (LUA_ERRMEM) */
    lb->error_site_pinned = false;
    ke_push_frame(lb->current, d, routine, code, role);
    lua_KContext ctx = d != NULL ? (lua_KContext)d->index : -1;
    int status = lua_pcallk(L, nargs, nresults, function, ctx, k);
    return k(L, status, ctx);
}

/* In a continuation of call_routine: removes the message handler below the
 * results (or the error), and pops the routine's frame on success. Returns
 * whether the routine failed. */
static bool routine_returned(lua_State *L, int status, int nresults)
{
    bool failed = status != LUA_OK && status != LUA_YIELD;
    lb_get(L)->routine_status = status;
    lua_remove(L, -(failed ? 1 : nresults) - 1);
    if (!failed) {
        /* The result as C would hold it: an NTSTATUS, a BOOLEAN as 0 or 1. */
        uint64_t result = 0;
        if (nresults == 1 && lua_type(L, -1) == LUA_TNUMBER)
            result = (uint32_t)lua_tointeger(L, -1);
        else if (nresults == 1 && lua_type(L, -1) == LUA_TBOOLEAN)
            result = lua_toboolean(L, -1);
        ke_pop_frame(lb_get(L)->current, result);
    }
    return failed;
}

static io_driver *driver_of(lua_State *L, lua_KContext ctx)
{
    return ctx < 0 ? NULL : lb_get(L)->m->drivers[(size_t)ctx];
}

int lb_call_routine(lua_State *L, io_driver *d, const char *routine, uint64_t code, uint8_t role,
                    int nargs, int nresults, lua_KContext ctx, lua_KFunction k)
{
    lb_state *lb = lb_get(L);
    int function = lua_gettop(L) - nargs;
    lua_pushcfunction(L, routine_error_handler);
    lua_insert(L, function);
    lb->error_site = (ke_site){.chunk = 0xFFFF, .line = 0};
    lb->error_site_pinned = false;
    ke_push_frame(lb->current, d, routine, code, role);
    int status = lua_pcallk(L, nargs, nresults, function, ctx, k);
    return k(L, status, ctx);
}

bool lb_routine_returned(lua_State *L, int status, int nresults)
{
    return routine_returned(L, status, nresults);
}

int lb_routine_failed(lua_State *L, io_driver *d)
{
    return routine_failed(L, d);
}

/* ------------------------------------------------------------------------ */
/* Callouts                                                                 */
/* ------------------------------------------------------------------------ */

static int callout_continue(lua_State *L, int status, lua_KContext ctx);

/* Calls the routine of the innermost callout with its arguments. */
static int run_callout(lua_State *L, const ke_callout *c)
{
    lb_push_routine(L, c->routine);
    for (uint8_t i = 0; i < c->argc; i++) {
        if ((c->int_args & (1u << i)) || c->arg_types[i] == KE_ARG_INTEGER)
            lua_pushinteger(L, (lua_Integer)c->args[i]);
        else
            lb_push_typed_ptr(L, c->args[i], c->arg_types[i]);
    }
    uint64_t code = c->driver != NULL ? io_routine_token(c->driver, c->routine) : 0;
    return call_routine(L, c->driver, c->name, code, ke_callout_role(c), c->argc, 1,
                        callout_continue);
}

static int callout_continue(lua_State *L, int status, lua_KContext ctx)
{
    lb_state *lb = lb_get(L);
    io_driver *d = driver_of(L, ctx);
    bool failed = routine_returned(L, status, 1);
    if (failed && d == NULL)
        return lua_error(L); /* harness code's routine: a scenario error */
    if (failed)
        return routine_failed(L, d);
    if (machine_stopped(lb))
        return lb_stopped(L);
    ke_exec *e = lb->current;
    KE_CHECK(lb->m, e->callout_count > 0);
    const ke_callout *top = &e->callouts[e->callout_count - 1];
    uint64_t value = 0;
    if (top->returns == KE_RETURNS_POINTER) {
        /* A PIRP (CsqPeekNextIrp): nil is NULL. */
        bool ok = true;
        if (!lua_isnil(L, -1))
            value = lb_to_ptr(L, -1, &ok);
        if (!ok)
            lb_scenario_error(L, "%s must return a pointer or nil, got %s", top->name,
                              luaL_typename(L, -1));
    } else if (top->returns == KE_RETURNS_NOTHING || top->kind == KE_CALLOUT_STARTIO) {
        /* VOID: whatever the routine returned is not read. */
    } else if (top->kind == KE_CALLOUT_SYNCHRONIZE) {
        /* The routine's BOOLEAN, as C reads it: false, nil, 0 are FALSE. */
        value =
            lua_toboolean(L, -1) && !(lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == 0);
    } else if (top->kind != KE_CALLOUT_CANCEL) {
        /* A dispatch or completion routine returns an NTSTATUS. */
        int isnum = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isnum);
        if (!isnum)
            lb_scenario_error(L, "%s must return an NTSTATUS, got %s", top->name,
                              luaL_typename(L, -1));
        value = (uint32_t)v;
    }
    lua_pop(L, 1);
    uint16_t ddi = top->ddi;
    uint8_t ret = top->ret;
    uint8_t outs = top->outs;
    ke_call call;
    memset(&call, 0, sizeof call);
    call.m = lb->m;
    call.exec = e;
    call.thread = e->thread;
    const ke_frame *frame = ke_top_frame(e);
    call.driver = frame != NULL ? frame->driver : NULL;
    call.ddi = ddi;
    uint64_t result = ke_callout_end(&call, value);
    if (machine_stopped(lb))
        return lb_stopped(L);
    if (call.callout) {
        /* The next routine of the chain (a completion routine further up). */
        ke_callout *next = &e->callouts[e->callout_count - 1];
        next->ddi = ddi;
        next->ret = ret;
        next->outs = outs;
        return run_callout(L, next);
    }
    if (ddi != 0xFFFF)
        lb_trace_return(&call, result); /* a kernel DPC's chain (kernel_start) is no DDI's */
    if (lb_call_end(L, &call))
        return lb_stopped(L);
    int count = 0;
    if (ret == LB_RET_BOOL) {
        lua_pushboolean(L, result != 0);
        count = 1;
    } else if (ret == LB_RET_STATUS) {
        lb_push_status(L, (NTSTATUS)result);
        count = 1;
    } else if (ret == LB_RET_IRP) {
        lb_push_irp(L, result);
        count = 1;
    }
    for (uint8_t i = 0; i < outs; i++, count++)
        lua_pushinteger(L, (lua_Integer)e->callout_outs[i]);
    return lb_call_return(L, &call, count);
}

int lb_call_callout(lua_State *L, ke_call *call, int ret)
{
    return lb_call_callout_outs(L, call, ret, 0);
}

int lb_call_callout_outs(lua_State *L, ke_call *call, int ret, int outs)
{
    ke_exec *e = call->exec;
    KE_CHECK(call->m, e->callout_count > 0 && outs <= 2);
    ke_callout *c = &e->callouts[e->callout_count - 1];
    c->ddi = call->ddi;
    c->ret = (uint8_t)ret;
    c->outs = (uint8_t)outs;
    return run_callout(L, c);
}

/* ------------------------------------------------------------------------ */
/* Notify routines and Ob callbacks: batches                                */
/* ------------------------------------------------------------------------ */

/* While a batch runs, its userdata is on top of the stack, above what the
 * harness function that started it keeps. Each routine the kernel names
 * (ps_batch_next) is called as a routine of its driver, on the running
 * thread; after the last, the batch's finish function takes the stack
 * from there (it pops the userdata and returns the caller's results). */
static int batch_step(lua_State *L);

static int batch_continue(lua_State *L, int status, lua_KContext ctx)
{
    io_driver *d = driver_of(L, ctx);
    if (routine_returned(L, status, 1))
        return routine_failed(L, d);
    lb_state *lb = lb_get(L);
    if (machine_stopped(lb))
        return lb_stopped(L);
    uint64_t result = lua_isinteger(L, -1) ? (uint64_t)lua_tointeger(L, -1) : 0;
    lua_pop(L, 1);
    lb_batch *b = lua_touserdata(L, -1);
    ke_call call;
    lb_harness_call(L, &call);
    ps_batch_returned(&call, &b->b, result);
    return batch_step(L);
}

static int batch_step(lua_State *L)
{
    lb_state *lb = lb_get(L);
    lb_batch *b = lua_touserdata(L, -1);
    ke_call call;
    lb_harness_call(L, &call);
    ps_routine_call rc;
    if (!ps_batch_next(&call, &b->b, &rc)) {
        if (machine_stopped(lb))
            return lb_stopped(L);
        ps_batch_end(&call, &b->b);
        return b->finish(L, b);
    }
    lb_push_routine(L, rc.routine);
    for (uint8_t i = 0; i < rc.argc; i++) {
        if (rc.arg_kinds[i] == PS_ARG_INT)
            lua_pushinteger(L, (lua_Integer)rc.args[i]);
        else if (rc.arg_kinds[i] == PS_ARG_BOOL)
            lua_pushboolean(L, rc.args[i] != 0);
        else
            lb_push_typed_ptr(L, rc.args[i], rc.arg_types[i]);
    }
    return call_routine(L, rc.driver, rc.name, io_routine_token(rc.driver, rc.routine),
                        KE_ROLE_OTHER, rc.argc, 1, batch_continue);
}

lb_batch *lb_push_batch(lua_State *L, lb_batch_finish finish)
{
    lb_batch *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    b->finish = finish;
    return b;
}

int lb_run_batch(lua_State *L)
{
    return batch_step(L);
}

/* A process exit's routines end: the thread's placeholder result stays. */
static int process_exit_finish(lua_State *L, lb_batch *b)
{
    (void)b;
    lua_pop(L, 1);
    return 1;
}

bool lb_host_same_routine(void *ctx, uint32_t a, uint32_t b)
{
    lb_state *lb = ctx;
    lua_State *L = lb->L;
    lb_push_routine(L, a);
    lb_push_routine(L, b);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* ------------------------------------------------------------------------ */
/* System threads                                                           */
/* ------------------------------------------------------------------------ */

/* The last thread of an application ends: the drivers' process callbacks
 * run now, on it, with Create FALSE, as Windows calls them in the context
 * of the last thread to exit. */
static int process_exit(lua_State *L, io_driver *d)
{
    lb_state *lb = lb_get(L);
    ke_thread *t = lb->current->thread;
    ps_process *p = t->process;
    if (d == NULL && p != lb->m->system_process && p->live_threads == 1 &&
        lb->m->process_notify_count > 0 && lua_isyieldable(L)) {
        lua_pushnil(L); /* the thread's result: none */
        lb_batch *b = lb_push_batch(L, process_exit_finish);
        ke_call call;
        lb_harness_call(L, &call);
        ps_batch_process(&call, &b->b, p, false, NULL);
        return lb_run_batch(L);
    }
    return 0; /* the start routine returned: the thread ends */
}

/* Whether a thread's creation and exit reach the thread notify routines:
 * every thread created while the scenario runs, except the system worker
 * threads (Windows creates them at boot, before any driver). */
static bool thread_notified(const lb_state *lb, const ke_thread *t)
{
    return t != lb->m->harness && t->work_queue == NULL && !t->idle;
}

static int thread_exit_finish(lua_State *L, lb_batch *b)
{
    io_driver *d = b->aux >= 0 ? lb_get(L)->m->drivers[b->aux] : NULL;
    lua_pop(L, 1);
    return process_exit(L, d);
}

static int exec_main_continue(lua_State *L, int status, lua_KContext ctx)
{
    lb_state *lb = lb_get(L);
    io_driver *d = driver_of(L, ctx);
    bool failed = routine_returned(L, status, 0);
    if (failed && d == NULL)
        return lua_error(L); /* harness code started the thread: a scenario error */
    if (failed)
        return routine_failed(L, d);
    if (machine_stopped(lb))
        return lb_stopped(L);
    /* The last thread of an application ends: the drivers' process
     * callbacks run now, on it, with Create FALSE, as Windows calls them
     * in the context of the last thread to exit. */
    ke_thread *t = lb->current->thread;
    if (thread_notified(lb, t) && ps_thread_notify_any(lb->m) && lua_isyieldable(L)) {
        /* Its thread notify routines first, with Create FALSE, on it. */
        lb_batch *b = lb_push_batch(L, thread_exit_finish);
        b->aux = d != NULL ? (int64_t)d->index : -1;
        ke_call call;
        lb_harness_call(L, &call);
        ps_batch_thread(&call, &b->b, t, false, false);
        return lb_run_batch(L);
    }
    return process_exit(L, d);
}

/* The body of a system thread's coroutine: its start routine, run as a
 * routine of the driver that created the thread. */
static int exec_start(lua_State *L, ke_exec *exec);

static int thread_start_finish(lua_State *L, lb_batch *b)
{
    (void)b;
    lua_pop(L, 1);
    return exec_start(L, lb_get(L)->current);
}

static int exec_main(lua_State *L)
{
    ke_exec *exec = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lb_state *lb = lb_get(L);
    ke_thread *t = exec->thread;
    if (!exec->is_dpc && !exec->is_isr && thread_notified(lb, t) &&
        ps_thread_notify_any(lb->m)) {
        /* The thread notify routines hear of the new thread on it, before
         * its start routine (see ps/notify.c). */
        lb_batch *b = lb_push_batch(L, thread_start_finish);
        ke_call call;
        lb_harness_call(L, &call);
        ps_batch_thread(&call, &b->b, t, true, true);
        b->b.new_thread = true;
        return lb_run_batch(L);
    }
    return exec_start(L, exec);
}

/* A kernel DPC's start: its C routine, then the callout it pushed (a
 * completion routine, and those further up), as a DDI's chain runs. */
static int kernel_start(lua_State *L, ke_exec *exec)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    memset(&call, 0, sizeof call);
    call.m = lb->m;
    call.exec = exec;
    call.thread = exec->thread;
    call.ddi = 0xFFFF; /* no DDI: the kernel's own code */
    exec->kernel_routine(&call, exec->kernel_context);
    if (machine_stopped(lb))
        return lb_stopped(L);
    if (call.callout)
        return lb_call_callout(L, &call, LB_RET_VOID);
    return 0;
}

static int exec_start(lua_State *L, ke_exec *exec)
{
    if (exec->kernel_routine != NULL)
        return kernel_start(L, exec);
    lb_push_routine(L, exec->start_routine);
    for (uint8_t i = 0; i < exec->start_argc; i++)
        lb_push_typed_ptr(L, exec->start_args[i], exec->start_arg_types[i]);
    uint64_t code =
        exec->start_driver != NULL ? io_routine_token(exec->start_driver, exec->start_routine) : 0;
    return call_routine(L, exec->start_driver, exec->start_name, code, ke_exec_role(exec),
                        exec->start_argc, 0, exec_main_continue);
}

/* ------------------------------------------------------------------------ */
/* Harness functions                                                        */
/* ------------------------------------------------------------------------ */

void lb_check_harness(lua_State *L, const char *fn)
{
    lb_state *lb = lb_get(L);
    if (machine_stopped(lb))
        lb_refuse(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "%s can only be called inside run()", fn);
    const ke_frame *frame = ke_top_frame(lb->current);
    if (!lb->current->thread->harness || (frame != NULL && frame->driver != NULL))
        lb_scenario_error(L,
                          "%s is a harness function: call it from run(), not from a driver "
                          "routine",
                          fn);
}

void lb_harness_call(lua_State *L, ke_call *call)
{
    lb_state *lb = lb_get(L);
    memset(call, 0, sizeof *call);
    call->m = lb->m;
    call->exec = lb->current;
    call->thread = lb->current->thread;
    call->ddi = 0xFFFF;
}

static io_driver *check_driver(lua_State *L, const char *fn)
{
    const char *name = luaL_checkstring(L, 1);
    lb_state *lb = lb_get(L);
    io_driver *d = io_find_driver(lb->m, name);
    if (d == NULL)
        lb_scenario_error(L, "%s: no driver named \"%s\" is declared with driver \"...\" { }", fn,
                          name);
    return d;
}

static int load_continue(lua_State *L, int status, lua_KContext ctx)
{
    lb_state *lb = lb_get(L);
    io_driver *d = driver_of(L, ctx);
    if (routine_returned(L, status, 1))
        return routine_failed(L, d);
    if (machine_stopped(lb))
        return lb_stopped(L);
    int isnum = 0;
    lua_Integer result = lua_tointegerx(L, -1, &isnum);
    if (!isnum)
        lb_scenario_error(L, "DriverEntry of %s returned %s, not an NTSTATUS", d->name,
                          luaL_typename(L, -1));
    lua_pop(L, 1);
    NTSTATUS entry_status = (NTSTATUS)(uint32_t)result;
    ke_call call;
    lb_harness_call(L, &call);
    io_load_end(&call, d, entry_status);
    if (!d->loaded)
        lb_forget_literals(L, d);
    lb_push_status(L, entry_status);
    return 1;
}

/* LoadDriver(name) -> NTSTATUS: loads the image and runs its DriverEntry. */
static int driver_entry(lua_State *L, io_driver *d);

static int load_image_finish(lua_State *L, lb_batch *b)
{
    io_driver *d = lb_get(L)->m->drivers[b->aux];
    lua_pop(L, 1);
    return driver_entry(L, d);
}

static int l_LoadDriver(lua_State *L)
{
    lb_check_harness(L, "LoadDriver");
    io_driver *d = check_driver(L, "LoadDriver");
    lb_check_imports(L, d->index);
    lb_state *lb = lb_get(L);
    ke_call call;
    lb_harness_call(L, &call);
    NTSTATUS status = io_load_begin(&call, d);
    if (!NT_SUCCESS(status)) {
        lb_push_status(L, status);
        return 1;
    }
    if (ps_image_notify_any(lb->m) && lua_isyieldable(L)) {
        /* The image is mapped: the load image notify routines hear of it
         * before its DriverEntry runs. */
        lb_batch *b = lb_push_batch(L, load_image_finish);
        b->aux = d->index;
        ps_batch_image_driver(&call, &b->b, d);
        return lb_run_batch(L);
    }
    return driver_entry(L, d);
}

static int driver_entry(lua_State *L, io_driver *d)
{
    lb_state *lb = lb_get(L);
    const lb_driver_decl *decl = &lb->drivers[d->index];
    lua_rawgeti(L, LUA_REGISTRYINDEX, decl->table_ref);
    lua_getfield(L, -1, "DriverEntry");
    lua_remove(L, -2);
    lb_push_driver_object(L, d);
    lua_pushfstring(L, "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\%s", d->service);
    return call_routine(L, d, "DriverEntry", io_entry_point(d), KE_ROLE_DRIVER_ENTRY, 2, 1,
                        load_continue);
}

static int unload_continue(lua_State *L, int status, lua_KContext ctx)
{
    lb_state *lb = lb_get(L);
    io_driver *d = driver_of(L, ctx);
    if (routine_returned(L, status, 0))
        return routine_failed(L, d);
    if (machine_stopped(lb))
        return lb_stopped(L);
    ke_call call;
    lb_harness_call(L, &call);
    io_unload_end(&call, d);
    if (machine_stopped(lb))
        return lb_stopped(L);
    lb_forget_literals(L, d);
    lb_push_status(L, STATUS_SUCCESS);
    return 1;
}

/* UnloadDriver(name) -> NTSTATUS: runs DriverUnload, then the unload checks. */
static int l_UnloadDriver(lua_State *L)
{
    lb_check_harness(L, "UnloadDriver");
    io_driver *d = check_driver(L, "UnloadDriver");
    ke_call call;
    lb_harness_call(L, &call);
    NTSTATUS status = io_unload_begin(&call, d);
    if (!NT_SUCCESS(status)) {
        lb_push_status(L, status);
        return 1;
    }
    lb_push_routine(L, d->unload);
    lb_push_driver_object(L, d);
    return call_routine(L, d, "DriverUnload", io_routine_token(d, d->unload), KE_ROLE_UNLOAD, 1,
                        0, unload_continue);
}

static int sleep_continue(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    if (machine_stopped(lb_get(L)))
        return lb_stopped(L);
    return 0;
}

void lb_check_yieldable(lua_State *L, const char *fn)
{
    /* Checked before the kernel is told anything: a wait the thread cannot
     * actually make would leave it "waiting" while it runs on. */
    if (!lua_isyieldable(L))
        lb_scenario_error(L,
                          "%s cannot wait here: it is called from a callback Lua cannot "
                          "suspend (a table.sort comparator, a string.gsub function, a "
                          "metamethod)",
                          fn);
}

/* Sleep(duration): the harness thread waits; simulated time moves on. */
static int l_Sleep(lua_State *L)
{
    lb_check_harness(L, "Sleep");
    uint64_t interval = lb_check_duration(L, 1, "Sleep");
    lb_check_yieldable(L, "Sleep");
    ke_call call;
    lb_harness_call(L, &call);
    ke_wait_interval(&call, interval);
    return lua_yieldk(L, 0, 0, sleep_continue);
}

/*
 * Interrupt(InterruptObject): the device behind a connected interrupt
 * raises it. A processor of the object's ProcessorEnableMask (drawn from the
 * "sched" stream) is interrupted as soon as its IRQL is below the device
 * IRQL; the harness yields, so it may be the one interrupted.
 */
static int l_Interrupt(lua_State *L)
{
    lb_check_harness(L, "Interrupt");
    PVOID_VA va = lb_check_ptr(L, 1, "Interrupt", "InterruptObject");
    lb_check_yieldable(L, "Interrupt");
    ke_machine *m = lb_get(L)->m;
    ke_interrupt *i = ke_interrupt_at(m, va);
    if (i == NULL || !ke_request_interrupt(m, i))
        lb_scenario_error(L,
                          "Interrupt: 0x%llX is not a connected interrupt object (one "
                          "IoConnectInterrupt returned)",
                          (unsigned long long)va);
    return lua_yieldk(L, 0, 0, sleep_continue);
}

/* Verifier(args): a /volatile change, effective at once. */
static int l_Verifier(lua_State *L)
{
    lb_check_harness(L, "Verifier");
    const char *args = luaL_checkstring(L, 1);
    char err[256];
    if (!vf_apply_volatile(lb_get(L)->m, args, err, sizeof err))
        lb_scenario_error(L, "Verifier: %s", err);
    return 0;
}

/*
 * LockSubclass(Lock, Subclass): deadlock detection's annotation of a
 * deliberate nesting (lockdep_set_subclass). The lock's class becomes the
 * line that initialised it with Subclass (0-7; 0 is every lock's default),
 * so taking it while holding a lock of the same line with another subclass
 * is an order, not a same-class nesting. Driver or harness code, before the
 * lock's first acquisition; no trace record, nothing else changes.
 */
#define LB_LOCK_SUBCLASSES 8 /* lockdep's MAX_LOCKDEP_SUBCLASSES */

static int l_LockSubclass(lua_State *L)
{
    PVOID_VA va = lb_check_ptr(L, 1, "LockSubclass", "Lock");
    lua_Integer sub = luaL_checkinteger(L, 2);
    if (sub < 0 || sub >= LB_LOCK_SUBCLASSES)
        lb_scenario_error(L, "LockSubclass: Subclass %lld is out of range 0-%d", (long long)sub,
                          LB_LOCK_SUBCLASSES - 1);
    vf_deadlock_set_subclass(lb_get(L)->m, va, (uint32_t)sub);
    return 0;
}

/* Warnings(): the verifier's warnings so far (WDM DRIVER WARNINGs, which
 * do not stop the run), in order: { rule = "io2_...", code = 0xC9, p1 = 0x21C,
 * p2, p3, p4, driver = "x.sys" } each; `total` counts them all (more than
 * the list when they overflowed it). */
static int l_Warnings(lua_State *L)
{
    lb_check_harness(L, "Warnings");
    ke_machine *m = lb_get(L)->m;
    lua_createtable(L, (int)m->warning_count, 1);
    for (uint32_t i = 0; i < m->warning_count; i++) {
        const drvsim_warning *w = &m->warnings[i];
        lua_createtable(L, 0, 7);
        lua_pushstring(L, w->rule);
        lua_setfield(L, -2, "rule");
        lua_pushinteger(L, (lua_Integer)w->code);
        lua_setfield(L, -2, "code");
        static const char *const names[4] = {"p1", "p2", "p3", "p4"};
        for (int p = 0; p < 4; p++) {
            lb_push_integer(L, w->params[p]);
            lua_setfield(L, -2, names[p]);
        }
        lua_pushstring(L, w->driver);
        lua_setfield(L, -2, "driver");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushinteger(L, (lua_Integer)m->warning_total);
    lua_setfield(L, -2, "total");
    return 1;
}

/* Query(): Driver Verifier's counters, as verifier /query shows them. */
static int l_Query(lua_State *L)
{
    lb_check_harness(L, "Query");
    ke_machine *m = lb_get(L)->m;
    lua_createtable(L, 0, DRVSIM_GLOBAL_COUNTER_COUNT + 1);
    for (int i = 0; i < DRVSIM_GLOBAL_COUNTER_COUNT; i++) {
        lua_pushinteger(L, (lua_Integer)m->vf->counters[i]);
        lua_setfield(L, -2, drvsim_global_counter_names[i]);
    }
    lua_createtable(L, 0, (int)m->driver_count);
    for (uint32_t d = 0; d < m->driver_count; d++) {
        if (!m->drivers[d]->verified && m->drivers[d]->counters[DRVSIM_DC_Loads] == 0)
            continue;
        lua_createtable(L, 0, DRVSIM_DRIVER_COUNTER_COUNT);
        for (int i = 0; i < DRVSIM_DRIVER_COUNTER_COUNT; i++) {
            lua_pushinteger(L, (lua_Integer)m->drivers[d]->counters[i]);
            lua_setfield(L, -2, drvsim_driver_counter_names[i]);
        }
        lua_setfield(L, -2, m->drivers[d]->name);
    }
    lua_setfield(L, -2, "drivers");
    return 1;
}

/* Uptime(): simulated 100 ns units since boot. */
static int l_Uptime(lua_State *L)
{
    lb_check_harness(L, "Uptime");
    lua_pushinteger(L, (lua_Integer)lb_get(L)->m->des.now_100ns);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* __try                                                                    */
/* ------------------------------------------------------------------------ */

/* Slots of __try's stack: 1 the body, 2 the handler, 3 the filter (nil
 * for EXCEPTION_EXECUTE_HANDLER), 4 the message handler while the body
 * runs; the body's results above that, the filter's and the handler's
 * above slot 3. */
#define TRY_BASE    3
#define TRY_HANDLER 4

/*
 * GetExceptionCode() is valid in an __except filter or block: the code of
 * the exception being handled. Each coroutine (an execution) keeps the codes
 * of the filters and handlers it is in, innermost last, in a registry table
 * keyed by the coroutine (looked up, never iterated).
 */
static const char EXCEPTION_CODES_KEY = 'x';

static void push_exception_code(lua_State *L, NTSTATUS code)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &EXCEPTION_CODES_KEY);
    lua_pushthread(L);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushthread(L);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    lua_pushinteger(L, (lua_Integer)(uint32_t)code);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 2);
}

static void pop_exception_code(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &EXCEPTION_CODES_KEY);
    lua_pushthread(L);
    lua_rawget(L, -2);
    lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
    if (n > 0) {
        lua_pushnil(L);
        lua_rawseti(L, -2, n);
    }
    lua_pop(L, 2);
}

static int l_GetExceptionCode(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &EXCEPTION_CODES_KEY);
    lua_pushthread(L);
    lua_rawget(L, -2);
    lua_Integer n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
    if (n == 0)
        lb_scenario_error(L, "GetExceptionCode called outside an __except filter or handler");
    lua_rawgeti(L, -1, n);
    lb_push_status(L, (NTSTATUS)(uint32_t)lua_tointeger(L, -1));
    return 1;
}

static int try_handled(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    pop_exception_code(L);
    return lua_gettop(L) - TRY_BASE;
}

/* __try's message handler: an error that __try will not handle keeps the
 * line where it was raised, not the line of the __try that passes it on. */
static int try_error_handler(lua_State *L)
{
    lb_state *lb = lb_get(L);
    NTSTATUS code;
    if (!exception_code(L, 1, &code) && !lb->error_site_pinned) {
        lb->error_site = site_of(lb, L);
        lb->error_site_pinned = true;
    }
    return 1;
}

/* The exception of slot TRY_HANDLER + 1 has passed the filter (or there is
 * none): the handler runs with its code. */
static int try_run_handler(lua_State *L, NTSTATUS code)
{
    lb_get(L)->error_site_pinned = false; /* handled: its site is of no use */
    lua_settop(L, TRY_BASE);
    lua_pushvalue(L, 2);
    lb_push_status(L, code);
    lua_callk(L, 1, LUA_MULTRET, 0, try_handled);
    return try_handled(L, LUA_OK, 0);
}

/* What the filter decided, on top of the stack, over the exception below
 * it: EXCEPTION_EXECUTE_HANDLER (1) runs the handler, EXCEPTION_CONTINUE_SEARCH
 * (0) passes the exception on to the next __try out. */
static int try_filtered(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    NTSTATUS code = (NTSTATUS)(uint32_t)ctx;
    lua_Integer verdict = 0;
    if (lua_isboolean(L, -1))
        verdict = lua_toboolean(L, -1); /* a C comparison: TRUE executes the handler */
    else if (lua_isinteger(L, -1))
        verdict = lua_tointeger(L, -1);
    else
        lb_scenario_error(L,
                          "an __except filter returns EXCEPTION_EXECUTE_HANDLER (1), "
                          "EXCEPTION_CONTINUE_SEARCH (0) or a boolean, got %s",
                          luaL_typename(L, -1));
    lua_pop(L, 1);
    if (verdict == -1)
        lb_scenario_error(L, "EXCEPTION_CONTINUE_EXECUTION: resuming at the faulting "
                             "instruction is not simulated");
    if (verdict == 0) {
        pop_exception_code(L);
        return lua_error(L); /* EXCEPTION_CONTINUE_SEARCH: the exception goes on outward */
    }
    return try_run_handler(L, code);
}

static int try_continue(lua_State *L, int status, lua_KContext ctx)
{
    (void)ctx;
    if (status == LUA_OK || status == LUA_YIELD)
        return lua_gettop(L) - TRY_HANDLER;
    NTSTATUS code;
    if (!exception_code(L, -1, &code))
        return lua_error(L); /* not an exception: a crash, a stop, a scenario error */
    push_exception_code(L, code);
    if (lua_isnil(L, 3))
        return try_run_handler(L, code);
    /* The filter runs with the exception still below it, to be rethrown
     * if it declines. */
    lua_pushvalue(L, 3);
    lb_push_status(L, code);
    lua_callk(L, 1, 1, (lua_KContext)(uint32_t)code, try_filtered);
    return try_filtered(L, LUA_OK, (lua_KContext)(uint32_t)code);
}

/*
 * __try(body, handler [, filter]): calls body(). A structured exception
 * raised inside it (ExRaiseStatus, an allocation with
 * POOL_RAISE_IF_ALLOCATION_FAILURE, ExAllocatePoolWithQuotaTag without
 * POOL_QUOTA_FAIL_INSTEAD_OF_RAISE, a breakpoint or assertion) unwinds to
 * here; filter(code), if given, decides as an __except expression does
 * (EXCEPTION_EXECUTE_HANDLER, EXCEPTION_CONTINUE_SEARCH, or a boolean), and
 * then handler(code) runs; without a filter, __except
 * (EXCEPTION_EXECUTE_HANDLER). GetExceptionCode() gives the code inside
 * both. Returns what body or handler returned. A Lua error is not a
 * structured exception: it passes through, as a fault the driver cannot
 * catch would.
 */
static int l_try(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TFUNCTION || lua_type(L, 2) != LUA_TFUNCTION ||
        !(lua_isnoneornil(L, 3) || lua_type(L, 3) == LUA_TFUNCTION))
        lb_scenario_error(L, "__try takes the body, the handler and optionally the filter: "
                             "__try(function() ... end, function(code) ... end [, "
                             "function(code) return EXCEPTION_EXECUTE_HANDLER end])");
    lua_settop(L, TRY_BASE);
    lua_pushcfunction(L, try_error_handler);
    lua_pushvalue(L, 1);
    int status = lua_pcallk(L, 0, LUA_MULTRET, TRY_HANDLER, 0, try_continue);
    return try_continue(L, status, 0);
}

void lb_register_harness(lua_State *L)
{
    static const luaL_Reg harness[] = {
        {"LoadDriver", l_LoadDriver},
        {"UnloadDriver", l_UnloadDriver},
        {"Sleep", l_Sleep},
        {"Interrupt", l_Interrupt},
        {"Verifier", l_Verifier},
        {"LockSubclass", l_LockSubclass},
        {"Query", l_Query},
        {"Warnings", l_Warnings},
        {"Uptime", l_Uptime},
        {"__try", l_try},
        {"GetExceptionCode", l_GetExceptionCode},
        {NULL, NULL},
    };
    luaL_newmetatable(L, "drvsim.exception");
    lua_pop(L, 1);
    lua_newtable(L); /* GetExceptionCode's codes, by coroutine: weak keys */
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &EXCEPTION_CODES_KEY);
    lua_pushglobaltable(L);
    lb_globals_defer(L, harness);
    lua_pop(L, 1);
    lb_register_process(L);
    lb_register_registry(L);
    lb_register_errorlog(L);
    lb_register_files(L);
    lb_register_pnp(L);
    lb_register_irplog(L);
    lb_register_io(L);
    lb_register_objects(L);
}

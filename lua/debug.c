/*
 * debug.c - what a checked build adds to driver code, and what a debugger
 * shows: DBG, ASSERT, ASSERTMSG, NT_ASSERT, NT_ASSERTMSG, NT_VERIFY,
 * NT_VERIFYMSG, PAGED_CODE, DbgBreakPoint, DbgBreakPointWithStatus, DbgPrint,
 * DbgPrintEx, KdPrint, KdPrintEx.
 *
 * In C these are macros that a free build compiles away, arguments and all.
 * In Lua the arguments are evaluated before the call (a free build's
 * ASSERT(f()) still calls f): scenarios should keep side effects out of
 * them, as drivers must.
 */
#include <stdio.h>
#include <string.h>

#include "binding.h"
#include "kd/kd.h"

#define DPFLTR_DEFAULT_ID  101u /* what DbgPrint and KdPrint print as (the trace only) */
#define DPFLTR_INFO_LEVEL  3u
#define DPFLTR_ERROR_LEVEL 0u
#define DPFLTR_SYSTEM_ID   0u
#define DEBUG_MAX_ARGS     64

static bool checked_build(lua_State *L)
{
    return lb_get(L)->sc.build == KE_BUILD_CHECKED;
}

/* The call context of code running on a simulated processor. */
static void debug_call(lua_State *L, ke_call *call, const char *fn)
{
    lb_state *lb = lb_get(L);
    if (lb->m == NULL || lb->current == NULL)
        lb_scenario_error(L, "%s called outside run() and driver routines", fn);
    if (ke_stopped(lb->m))
        lb_refuse(L);
    memset(call, 0, sizeof *call);
    call->m = lb->m;
    call->exec = lb->current;
    call->thread = lb->current->thread;
    const ke_frame *frame = ke_top_frame(lb->current);
    call->driver = frame != NULL ? frame->driver : NULL;
    call->ddi = 0xFFFF;
}

/* The call context of code running on a simulated processor, for the
 * routines the binding implements itself (strsafe.c's Printf too). */
void lb_debug_call(lua_State *L, ke_call *call, const char *fn)
{
    debug_call(L, call, fn);
}

bool lb_format(lua_State *L, ke_call *call, const char *fn, int first, char *text, size_t len)
{
    const char *format = luaL_checkstring(L, first);
    int top = lua_gettop(L);
    if (top - first > DEBUG_MAX_ARGS)
        lb_scenario_error(L, "%s: at most %d arguments after the format", fn, DEBUG_MAX_ARGS);
    kd_arg args[DEBUG_MAX_ARGS];
    size_t argc = 0;
    for (int i = first + 1; i <= top; i++, argc++) {
        kd_arg *a = &args[argc];
        memset(a, 0, sizeof *a);
        bool ok = false;
        switch (lua_type(L, i)) {
        case LUA_TSTRING:
            a->is_text = true;
            a->text = lua_tostring(L, i);
            break;
        case LUA_TNIL:
            break; /* NULL */
        case LUA_TBOOLEAN:
            a->value = lua_toboolean(L, i) ? 1 : 0;
            break;
        case LUA_TNUMBER:
            if (!lua_isinteger(L, i))
                lb_scenario_error(L, "%s: argument %d is not an integer (no %%f in kernel code)",
                                  fn, i);
            a->value = (uint64_t)lua_tointeger(L, i);
            break;
        default:
            a->value = lb_to_ptr(L, i, &ok);
            if (!ok)
                lb_scenario_error(L, "%s: argument %d cannot be printed: %s", fn, i,
                                  luaL_typename(L, i));
            break;
        }
    }
    bool missing = false;
    if (!kd_format(call, format, args, argc, text, len, &missing))
        return false; /* a string pointer faulted: the bug check is raised */
    if (missing)
        lb_scenario_error(L, "%s: the format \"%s\" needs more arguments than the %zu given", fn,
                          format, argc);
    return true;
}

/* Formats the arguments from `first` on (the format string, then its
 * arguments) and records the text. Returns the number of results. */
static int print(lua_State *L, const char *fn, int first, uint32_t component, uint32_t level)
{
    ke_call call;
    debug_call(L, &call, fn);
    char text[KD_DBGPRINT_MAX_BYTES + 1];
    if (!lb_format(L, &call, fn, first, text, sizeof text))
        return lb_stopped(L);
    kd_debug_output(&call, component, level, text);
    lb_push_status(L, STATUS_SUCCESS);
    return lb_call_return(L, &call, 1);
}

/* DbgPrint(Format, ...) -> STATUS_SUCCESS: printed in every build. */
static int l_DbgPrint(lua_State *L)
{
    return print(L, "DbgPrint", 1, DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL);
}

/* DbgPrintEx(ComponentId, Level, Format, ...) -> STATUS_SUCCESS. */
static int l_DbgPrintEx(lua_State *L)
{
    ULONG component = lb_check_ulong(L, 1, "DbgPrintEx", "ComponentId");
    ULONG level = lb_check_ulong(L, 2, "DbgPrintEx", "Level");
    return print(L, "DbgPrintEx", 3, component, level);
}

/* KdPrint(Format, ...): C's KdPrint((Format, ...)) without the inner
 * parentheses; DbgPrint in a checked build, nothing in a free one. */
static int l_KdPrint(lua_State *L)
{
    if (!checked_build(L))
        return 0;
    return print(L, "KdPrint", 1, DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL);
}

/* KdPrintEx(ComponentId, Level, Format, ...): the same for DbgPrintEx. */
static int l_KdPrintEx(lua_State *L)
{
    if (!checked_build(L))
        return 0;
    ULONG component = lb_check_ulong(L, 1, "KdPrintEx", "ComponentId");
    ULONG level = lb_check_ulong(L, 2, "KdPrintEx", "Level");
    return print(L, "KdPrintEx", 3, component, level);
}

/* Whether a value is false in C: false, nil, 0 or a NULL pointer. */
static bool c_false(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return true;
    if (lua_type(L, idx) == LUA_TBOOLEAN)
        return !lua_toboolean(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_tonumber(L, idx) == 0;
    bool ok = false;
    PVOID_VA va = lb_to_ptr(L, idx, &ok);
    return ok && va == 0;
}

/*
 * The expression text of an ASSERT (what C's #exp gives): the argument of
 * `name(` on the scenario line that called it, read from the file. Falls back
 * to the whole line when the call is not found (spread over lines, aliased).
 */
static void assert_expression(lb_state *lb, ke_site site, const char *name, bool skip_message,
                              char *out, size_t len)
{
    snprintf(out, len, "(expression)");
    if (site.chunk >= lb->chunk_count || site.line == 0)
        return;
    FILE *f = fopen(lb->chunks[site.chunk], "r");
    if (f == NULL)
        return;
    char line[1024];
    uint32_t n = 0;
    bool found = false;
    while (fgets(line, sizeof line, f) != NULL) {
        /* A line longer than the buffer counts once, at its end. */
        if (strchr(line, '\n') != NULL || feof(f))
            n++;
        if (n == site.line) {
            found = true;
            break;
        }
    }
    fclose(f);
    if (!found)
        return;
    line[strcspn(line, "\r\n")] = '\0';
    size_t name_len = strlen(name);
    const char *p = line;
    const char *start = NULL;
    while ((p = strstr(p, name)) != NULL) {
        const char *q = p + name_len;
        bool word =
            p == line || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z') ||
                           (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9'));
        while (*q == ' ')
            q++;
        if (word && *q == '(') {
            start = q + 1;
            break;
        }
        p += name_len;
    }
    const char *trimmed = line;
    while (*trimmed == ' ' || *trimmed == '\t')
        trimmed++;
    if (start == NULL) {
        snprintf(out, len, "%s", trimmed);
        return;
    }
    /* The balanced argument list; for ASSERTMSG the part after the message. */
    int depth = 0;
    char quote = 0;
    const char *arg = start, *end = NULL;
    for (const char *c = start; *c != '\0' && end == NULL; c++) {
        if (quote != 0) {
            if (*c == '\\' && c[1] != '\0')
                c++;
            else if (*c == quote)
                quote = 0;
        } else if (*c == '"' || *c == '\'') {
            quote = *c;
        } else if (*c == '(' || *c == '{' || *c == '[') {
            depth++;
        } else if ((*c == ')' || *c == '}' || *c == ']') && depth > 0) {
            depth--;
        } else if (*c == ')') {
            end = c;
        } else if (*c == ',' && depth == 0 && skip_message && arg == start) {
            arg = c + 1;
        }
    }
    if (end == NULL) {
        snprintf(out, len, "%s", trimmed);
        return;
    }
    while (arg < end && *arg == ' ')
        arg++;
    snprintf(out, len, "%.*s", (int)(end - arg), arg);
}

/*
 * A failed assertion in a checked build: RtlAssert prints what failed, then
 * (no debugger answers its prompt) breaks: a STATUS_BREAKPOINT exception
 * that, unhandled, is the bug check (binding.c, routine_failed).
 */
static int assert_failed(lua_State *L, const char *fn, const char *message, bool has_message)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    debug_call(L, &call, fn);
    ke_site site = lb_host_site(lb, lb->current);
    char expression[384], where[400] = "";
    assert_expression(lb, site, fn, has_message, expression, sizeof expression);
    lb_host_site_name(lb, site, where, sizeof where);
    char text[KD_DBGPRINT_MAX_BYTES + 1];
    snprintf(text, sizeof text, "\n*** Assertion failed: %s%s\n***   Source File: %s\n\n",
             message != NULL ? message : "", expression, where);
    kd_debug_output(&call, DPFLTR_SYSTEM_ID, DPFLTR_ERROR_LEVEL, text);
    char detail[480];
    snprintf(detail, sizeof detail, "Assertion failed: %s%s (%s)", message != NULL ? message : "",
             expression, where);
    return lb_raise_exception(L, STATUS_BREAKPOINT, detail);
}

/* ASSERT(condition): a checked build breaks when it is false (false, nil,
 * 0, NULL); a free build does nothing. */
static int l_ASSERT(lua_State *L)
{
    if (!checked_build(L) || !c_false(L, 1))
        return 0;
    return assert_failed(L, "ASSERT", NULL, false);
}

/* ASSERTMSG(Message, condition): the same, printing Message first. */
static int l_ASSERTMSG(lua_State *L)
{
    const char *message = luaL_checkstring(L, 1);
    if (!checked_build(L) || !c_false(L, 2))
        return 0;
    return assert_failed(L, "ASSERTMSG", message, true);
}

/*
 * PAGED_CODE(): in a checked build, NT_ASSERT(KeGetCurrentIrql() <=
 * APC_LEVEL) as the Vista+ WDK defines it (PAGED_ASSERT is NT_ASSERT): int
 * 2c, a STATUS_ASSERTION_FAILURE exception nobody handles. A free build
 * compiles it away.
 */
static int l_PAGED_CODE(lua_State *L)
{
    if (!checked_build(L))
        return 0;
    ke_call call;
    debug_call(L, &call, "PAGED_CODE");
    KIRQL irql = ke_call_irql(&call);
    if (irql <= APC_LEVEL)
        return 0;
    lb_state *lb = lb_get(L);
    char where[400] = "", irql_name[24], detail[480];
    lb_host_site_name(lb, lb_host_site(lb, lb->current), where, sizeof where);
    ke_irql_name(lb->m->config.arch, irql, irql_name, sizeof irql_name);
    snprintf(detail, sizeof detail,
             "NT_ASSERT failed: KeGetCurrentIrql() <= APC_LEVEL (PAGED_CODE at %s, %s)", irql_name,
             where);
    return lb_raise_exception(L, STATUS_ASSERTION_FAILURE, detail);
}

/*
 * NT_ASSERT and its family (wdm.h, NT_ASSERT_ACTION): in a checked build a
 * false condition is DbgRaiseAssertionFailure, int 2c: a
 * STATUS_ASSERTION_FAILURE exception. With a kernel debugger attached (--kd)
 * the debugger stops on it, prints it and the run goes on (as `g` would);
 * without one the exception is raised and, unhandled, is the bug check (0x7E
 * on a thread, 0x1E in a DPC or ISR). A free build compiles NT_ASSERT away;
 * NT_VERIFY keeps its condition and gives TRUE or FALSE in both builds.
 */
static bool nt_assert_failed(lua_State *L, const char *fn, const char *message)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    debug_call(L, &call, fn);
    ke_site site = lb_host_site(lb, lb->current);
    char expression[384], where[400] = "";
    assert_expression(lb, site, fn, message != NULL, expression, sizeof expression);
    lb_host_site_name(lb, site, where, sizeof where);
    char text[KD_DBGPRINT_MAX_BYTES + 1];
    snprintf(text, sizeof text, "Assertion failure - code c0000420 (first chance)\n%s%s%s (%s)\n",
             message != NULL ? message : "", message != NULL ? ": " : "", expression, where);
    if (lb->m->config.kd_attached) {
        kd_debug_output(&call, DPFLTR_SYSTEM_ID, DPFLTR_ERROR_LEVEL, text);
        return false; /* the debugger continues */
    }
    char detail[480];
    snprintf(detail, sizeof detail, "NT_ASSERT failed: %s%s%s (%s)", message != NULL ? message : "",
             message != NULL ? ": " : "", expression, where);
    lb_raise_exception_from(L, STATUS_ASSERTION_FAILURE, detail, "nt_assert");
    return true;
}

/* NT_ASSERT(condition) */
static int l_NT_ASSERT(lua_State *L)
{
    luaL_checkany(L, 1);
    if (checked_build(L) && c_false(L, 1))
        nt_assert_failed(L, "NT_ASSERT", NULL);
    return 0;
}

/* NT_ASSERTMSG(Message, condition), NT_ASSERTMSGW: the same, with Message. */
static int l_NT_ASSERTMSG(lua_State *L)
{
    const char *message = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    if (checked_build(L) && c_false(L, 2))
        nt_assert_failed(L, "NT_ASSERTMSG", message);
    return 0;
}

/* NT_VERIFY(condition) -> TRUE or FALSE: evaluated in every build, asserted
 * in a checked one. */
static int l_NT_VERIFY(lua_State *L)
{
    luaL_checkany(L, 1);
    bool holds = !c_false(L, 1);
    if (!holds && checked_build(L))
        nt_assert_failed(L, "NT_VERIFY", NULL);
    lua_pushboolean(L, holds);
    return 1;
}

/* NT_VERIFYMSG(Message, condition) -> TRUE or FALSE. */
static int l_NT_VERIFYMSG(lua_State *L)
{
    const char *message = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    bool holds = !c_false(L, 2);
    if (!holds && checked_build(L))
        nt_assert_failed(L, "NT_VERIFYMSG", message);
    lua_pushboolean(L, holds);
    return 1;
}

/*
 * DbgBreakPoint(), DbgBreakPointWithStatus(Status): int 3 in any build. A
 * kernel debugger attached (--kd) breaks in and, here, continues; with none,
 * the breakpoint is an ordinary STATUS_BREAKPOINT exception, which a driver's
 * __try may handle and which, unhandled, is 0x7E (0x1E in a DPC or ISR) with
 * 0x80000003 in P1: the classic crash of a driver shipped with a hard-coded
 * breakpoint.
 */
static int breakpoint(lua_State *L, const char *fn, bool with_status)
{
    lb_state *lb = lb_get(L);
    ke_call call;
    debug_call(L, &call, fn);
    NTSTATUS status = with_status ? (NTSTATUS)lb_check_ulong(L, 1, fn, "Status") : 0;
    char where[400] = "", text[512];
    lb_host_site_name(lb, lb_host_site(lb, lb->current), where, sizeof where);
    if (lb->m->config.kd_attached) {
        if (with_status)
            snprintf(text, sizeof text,
                     "Break instruction exception - code 80000003 (first chance), status "
                     "0x%08X (%s)\n",
                     (uint32_t)status, where);
        else
            snprintf(text, sizeof text,
                     "Break instruction exception - code 80000003 (first chance) (%s)\n", where);
        kd_debug_output(&call, DPFLTR_SYSTEM_ID, DPFLTR_ERROR_LEVEL, text);
        return 0;
    }
    snprintf(text, sizeof text, "%s with no kernel debugger attached (%s)", fn, where);
    return lb_raise_exception_from(L, STATUS_BREAKPOINT, text, "breakpoint");
}

/* KdRefreshDebuggerNotPresent() -> TRUE when no kernel debugger is attached:
 * what a driver checks before a deliberate breakpoint. */
static int l_KdRefreshDebuggerNotPresent(lua_State *L)
{
    ke_call call;
    debug_call(L, &call, "KdRefreshDebuggerNotPresent");
    lua_pushboolean(L, !lb_get(L)->m->config.kd_attached);
    return 1;
}

static int l_DbgBreakPoint(lua_State *L)
{
    return breakpoint(L, "DbgBreakPoint", false);
}

static int l_DbgBreakPointWithStatus(lua_State *L)
{
    return breakpoint(L, "DbgBreakPointWithStatus", true);
}

void lb_set_build(lua_State *L, ke_build build)
{
    /* As C's DBG: 1 or 0, so `if DBG == 1` (Lua's 0 is true, test it). */
    lua_pushinteger(L, build == KE_BUILD_CHECKED ? 1 : 0);
    lua_setglobal(L, "DBG");
}

void lb_register_debug(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"ASSERT", l_ASSERT},
        {"ASSERTMSG", l_ASSERTMSG},
        {"PAGED_CODE", l_PAGED_CODE},
        {"DbgPrint", l_DbgPrint},
        {"DbgPrintEx", l_DbgPrintEx},
        {"KdPrint", l_KdPrint},
        {"KdPrintEx", l_KdPrintEx},
        {"NT_ASSERT", l_NT_ASSERT},
        {"NT_ASSERTMSG", l_NT_ASSERTMSG},
        {"NT_ASSERTMSGW", l_NT_ASSERTMSG},
        {"NT_VERIFY", l_NT_VERIFY},
        {"NT_VERIFYMSG", l_NT_VERIFYMSG},
        {"KdRefreshDebuggerNotPresent", l_KdRefreshDebuggerNotPresent},
        {"DbgBreakPoint", l_DbgBreakPoint},
        {"DbgBreakPointWithStatus", l_DbgBreakPointWithStatus},
        {NULL, NULL},
    };
    lua_pushglobaltable(L);
    lb_globals_defer(L, fns);
    lua_pop(L, 1);
    lb_set_build(L, KE_BUILD_FREE);
}
